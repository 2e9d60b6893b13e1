#include "transport/http_response.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

namespace parley::transport {

namespace http = boost::beast::http;

namespace {

Response base_response(const Request& request, http::status status) {
  Response response{status, request.version()};
  response.set(http::field::server, "parley");
  response.set("X-Content-Type-Options", "nosniff");
  response.keep_alive(request.keep_alive());
  return response;
}

std::string_view content_type_of(const std::filesystem::path& path) {
  const std::string extension = path.extension().string();
  if (extension == ".html") return "text/html; charset=utf-8";
  if (extension == ".css") return "text/css; charset=utf-8";
  if (extension == ".js" || extension == ".mjs") return "text/javascript; charset=utf-8";
  if (extension == ".json") return "application/json";
  if (extension == ".svg") return "image/svg+xml";
  if (extension == ".png") return "image/png";
  if (extension == ".ico") return "image/x-icon";
  if (extension == ".woff2") return "font/woff2";
  if (extension == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// Only plain names below the web folder: no "..", no hidden files.
bool is_safe_relative_path(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part.front() == '.') return false;
    for (char c : part) {
      const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      if (!allowed) return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace

void add_page_security_headers(Response& response) {
  response.set("Content-Security-Policy",
               "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
               "form-action 'self'; frame-ancestors 'none'");
  response.set("Referrer-Policy", "no-referrer");
  response.set("X-Frame-Options", "DENY");
}

Response error_response(const Request& request, core::ErrorCode code, std::string_view message) {
  const auto status = static_cast<http::status>(core::http_status_of(code));
  boost::json::object error{{"code", core::name_of(code)}, {"message", message}};
  return json_response(request, status, boost::json::serialize(boost::json::object{{"error", error}}));
}

Response method_not_allowed(const Request& request, std::string_view allow) {
  Response response = json_response(
      request, http::status::method_not_allowed,
      R"({"error":{"code":"bad_request","message":"method not allowed"}})");
  response.set(http::field::allow, allow);
  return response;
}

Response json_response(const Request& request, http::status status, std::string body) {
  Response response = base_response(request, status);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response file_response(const Request& request, const std::filesystem::path& web_dir,
                       std::string_view relative_path) {
  if (!is_safe_relative_path(relative_path)) {
    return error_response(request, core::ErrorCode::not_found, "no such file");
  }
  const std::filesystem::path path = web_dir / std::string(relative_path);
  std::ifstream file(path, std::ios::binary);
  if (!file) return error_response(request, core::ErrorCode::not_found, "no such file");
  std::ostringstream contents;
  contents << file.rdbuf();

  Response response = base_response(request, http::status::ok);
  const std::string_view type = content_type_of(path);
  response.set(http::field::content_type, type);
  if (type.starts_with("text/html")) {
    add_page_security_headers(response);
    response.set(http::field::cache_control, "no-cache");
  } else {
    response.set(http::field::cache_control, "public, max-age=300");
  }
  response.body() = std::move(contents).str();
  response.prepare_payload();
  if (request.method() == http::verb::head) {
    // Same headers, no body.
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  return response;
}

}  // namespace parley::transport
