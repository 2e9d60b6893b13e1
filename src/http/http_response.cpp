#include "http/http_response.hpp"

#include <boost/json.hpp>

#include "obs/metrics.hpp"

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

// The last decimal digit of `value`.
char digit(unsigned value) {
  return static_cast<char>('0' + value % 10);
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

void append_head(const Response& response, std::string& out) {
  const unsigned version = response.version();  // 11 is HTTP/1.1
  const unsigned code = response.result_int();
  const std::string_view reason =
      response.reason().empty() ? http::obsolete_reason(response.result()) : response.reason();
  out.append("HTTP/");
  out += digit(version / 10);
  out += '.';
  out += digit(version);
  out += ' ';
  out += digit(code / 100);
  out += digit(code / 10);
  out += digit(code);
  out += ' ';
  out.append(reason).append("\r\n");
  for (const auto& field : response) {
    out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  }
  out.append("\r\n");
}

SharedAnswer share_answer(const Response& response) {
  std::string bytes;
  append_head(response, bytes);
  bytes += response.body();
  return std::make_shared<const std::string>(std::move(bytes));
}

Response error_response(const Request& request, core::ErrorCode code, std::string_view message) {
  obs::count_error(obs::Transport::http, code);
  const auto status = static_cast<http::status>(core::http_status_of(code));
  boost::json::object error{{"code", core::name_of(code)}, {"message", message}};
  return json_response(request, status,
                       boost::json::serialize(boost::json::object{{"error", error}}));
}

Response method_not_allowed(const Request& request, std::string_view allow) {
  obs::count_error(obs::Transport::http, core::ErrorCode::bad_request);
  Response response =
      json_response(request, http::status::method_not_allowed,
                    R"({"error":{"code":"bad_request","message":"method not allowed"}})");
  response.set(http::field::allow, allow);
  return response;
}

Response no_content_response(const Request& request) {
  return base_response(request, http::status::no_content);
}

Response json_response(const Request& request, http::status status, std::string body) {
  Response response = base_response(request, status);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace parley::transport
