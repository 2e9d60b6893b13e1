// The web folder's files, served from memory: read once (again when they
// change on disk), with an ETag for conditional GET and a gzip copy of text
// files for clients that accept it. I/O thread only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "transport/http_response.hpp"

namespace parley::transport {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

  // The file at `relative_path` below the root: 200, 304 for a matching
  // If-None-Match, 404 when absent or not a plain name. HEAD gets no body.
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

}  // namespace parley::transport
