// The little HTTP/1.1 the benchmark's pollers need, by hand: requests built
// as one string, answers split from a read buffer. Beast's parser and fields
// cost the tool as much per poll as the server spent answering it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::bench {

struct HttpAnswer {
  unsigned status = 0;
  std::string_view headers;  // the header lines, without the status line
  std::string_view body;
  std::size_t total_bytes = 0;  // of the whole answer in the buffer
};

enum class AnswerState { complete, incomplete, malformed };

// Splits the answer at the start of `data` (Content-Length framing only:
// parley never chunks an answer).
AnswerState parse_http_answer(std::string_view data, HttpAnswer& answer);

// The value of header `name` (any case), if present.
std::optional<std::string_view> find_header(std::string_view headers, std::string_view name);

// "GET target HTTP/1.1" with Host and, when given, Cookie; a body makes it a
// JSON POST with the CSRF token.
std::string build_request(std::string_view method, std::string_view target, std::string_view host,
                          std::string_view cookie, std::string_view csrf_token,
                          std::string_view body);

}  // namespace parley::bench
