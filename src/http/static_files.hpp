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

 private:
  struct File {
    std::string body;
    std::string gzipped;  // empty when not worth it
    std::string etag;
    std::string_view type;
    std::filesystem::file_time_type modified;
  };
  std::shared_ptr<const File> load(const std::string& relative_path);

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
