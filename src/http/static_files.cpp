#include "http/static_files.hpp"

#include <zlib.h>

#include <boost/beast/core/string.hpp>
#include <fstream>
#include <sstream>

#include "obs/metrics.hpp"

namespace parley::transport {

namespace http = boost::beast::http;

namespace {

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

bool is_compressible(std::string_view type) {
  return type.starts_with("text/") || type == "application/json" || type == "image/svg+xml";
}

// A gzip member of `data`, or empty on failure.
std::string gzip(std::string_view data) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip header and trailer rather than raw zlib.
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return {};
  }
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END ? out : std::string();
}

bool accepts_gzip(const Request& request) {
  auto header = request.find(http::field::accept_encoding);
  return header != request.end() && header->value().find("gzip") != std::string_view::npos;
}

bool matches_etag(const Request& request, std::string_view etag) {
  auto header = request.find(http::field::if_none_match);
  if (header == request.end()) return false;
  const std::string_view value = header->value();
  return value == "*" || value.find(etag) != std::string_view::npos;
}

}  // namespace

bool is_static_file_path(std::string_view path) {
  const std::string_view folder = path.substr(0, path.find('/'));
  for (std::string_view unserved : kUnservedFolders) {
    if (boost::beast::iequals(folder, unserved)) return false;
  }
  return true;
}

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

std::shared_ptr<const StaticFiles::File> StaticFiles::load(const std::string& relative_path) {
  const std::filesystem::path path = root_ / relative_path;
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return nullptr;
  const auto modified = std::filesystem::last_write_time(path, error);
  if (error) return nullptr;
  auto& slot = files_[relative_path];
  if (slot && slot->modified == modified) return slot;

  std::ifstream stream(path, std::ios::binary);
  if (!stream) return nullptr;
  std::ostringstream contents;
  contents << stream.rdbuf();
  auto file = std::make_shared<File>();
  file->body = std::move(contents).str();
  file->type = content_type_of(path);
  file->modified = modified;
  std::ostringstream etag;
  etag << '"' << std::hex << file->body.size() << '-' << std::hash<std::string>{}(file->body)
       << '"';
  file->etag = etag.str();
  if (is_compressible(file->type)) {
    std::string packed = gzip(file->body);
    if (!packed.empty() && packed.size() < file->body.size()) file->gzipped = std::move(packed);
  }
  slot = std::move(file);
  return slot;
}

std::shared_ptr<const StaticFiles::File> StaticFiles::find(std::string_view relative_path) {
  if (!is_safe_relative_path(relative_path) || !is_static_file_path(relative_path)) return nullptr;
  return load(std::string(relative_path));
}

void StaticFiles::set_headers(Response& response, const Request& request, const File& file) {
  response.set(http::field::server, "parley");
  response.set("X-Content-Type-Options", "nosniff");
  response.set(http::field::content_type, file.type);
  response.set(http::field::vary, "Accept-Encoding");
  if (file.type.starts_with("text/html")) add_page_security_headers(response);
  response.keep_alive(request.keep_alive());
}

void StaticFiles::set_body(Response& response, const Request& request, const File& file) {
  const bool use_gzip = !file.gzipped.empty() && accepts_gzip(request);
  if (use_gzip) response.set(http::field::content_encoding, "gzip");
  const std::string& body = use_gzip ? file.gzipped : file.body;
  if (request.method() == http::verb::head) {
    response.content_length(body.size());  // the same headers, no body
  } else {
    response.body() = body;
    response.prepare_payload();
  }
}

Response StaticFiles::serve(const Request& request, std::string_view relative_path) {
  const std::shared_ptr<const File> file = find(relative_path);
  if (!file) return error_response(request, core::ErrorCode::not_found, "no such file");

  Response response{http::status::ok, request.version()};
  set_headers(response, request, *file);
  response.set(http::field::etag, file->etag);
  response.set(http::field::cache_control,
               file->type.starts_with("text/html") ? "no-cache" : "public, max-age=300");
  if (matches_etag(request, file->etag)) {
    response.result(http::status::not_modified);
    return response;
  }
  set_body(response, request, *file);
  return response;
}

Response StaticFiles::serve_error_page(const Request& request, std::string_view relative_path,
                                       core::ErrorCode code, std::string_view message) {
  const std::shared_ptr<const File> file = find(relative_path);
  if (!file || !file->type.starts_with("text/html")) return error_response(request, code, message);
  obs::count_error(obs::Transport::http, code);
  Response response{static_cast<http::status>(core::http_status_of(code)), request.version()};
  set_headers(response, request, *file);
  response.set(http::field::cache_control, "no-store");
  set_body(response, request, *file);
  return response;
}

}  // namespace parley::transport
