// The web folder's files, served from memory: read once (again when they
// change on disk), with an ETag for conditional GET and a gzip copy of text
// files for clients that accept it. I/O thread only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/http_response.hpp"

namespace parley::transport {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

  // The file at `relative_path` below the root: 200, 304 for a matching
  // If-None-Match, 404 when absent, not a plain name, or not a static file
  // (see is_static_file_path). HEAD gets no body.
  Response serve(const Request& request, std::string_view relative_path);

  // The HTML page at `relative_path` as the answer to a refused page request
  // (a 404 page, say): the status of `code`, the page's security headers, no
  // ETag and no caching. When the page is absent, the JSON error of `code`
  // with `message`.
  Response serve_error_page(const Request& request, std::string_view relative_path,
                            core::ErrorCode code, std::string_view message);

 private:
  struct File {
    std::string body;
    std::string gzipped;  // empty when not worth it
    std::string etag;
    std::string_view type;
    std::filesystem::file_time_type modified;
  };
  // The file if `relative_path` names a static file that exists, else null.
  std::shared_ptr<const File> find(std::string_view relative_path);
  std::shared_ptr<const File> load(const std::string& relative_path);
  // The headers every answer with `file` carries (a page's security headers
  // for HTML), and its bytes: gzipped when accepted, none for HEAD.
  static void set_headers(Response& response, const Request& request, const File& file);
  static void set_body(Response& response, const Request& request, const File& file);

  std::filesystem::path root_;
  std::unordered_map<std::string, std::shared_ptr<const File>> files_;  // by relative path
};

// True for names made only of [A-Za-z0-9._-] parts, none starting with a dot.
bool is_safe_relative_path(std::string_view path);

// Folders of the web folder whose files are not served as they are: the
// form templates are rendered into pages (with a CSRF token) by forms.cpp.
inline constexpr std::string_view kUnservedFolders[] = {"templates"};

// False for a path in one of kUnservedFolders (compared without case).
bool is_static_file_path(std::string_view path);

}  // namespace parley::transport
