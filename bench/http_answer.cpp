#include "http_answer.hpp"

#include <cctype>

namespace parley::bench {

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<std::string_view> find_header(std::string_view headers, std::string_view name) {
  while (!headers.empty()) {
    const auto end = headers.find("\r\n");
    const std::string_view line = headers.substr(0, end);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && equals_ignoring_case(line.substr(0, colon), name)) {
      return trim(line.substr(colon + 1));
    }
    if (end == std::string_view::npos) break;
    headers.remove_prefix(end + 2);
  }
  return std::nullopt;
}

AnswerState parse_http_answer(std::string_view data, HttpAnswer& answer) {
  const auto head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return AnswerState::incomplete;
  // "HTTP/1.1 200 OK"
  if (data.size() < 12 || data.substr(0, 5) != "HTTP/") return AnswerState::malformed;
  const auto space = data.find(' ');
  if (space == std::string_view::npos || space + 4 > head_end) return AnswerState::malformed;
  unsigned status = 0;
  for (std::size_t i = space + 1; i < space + 4; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(data[i]))) return AnswerState::malformed;
    status = status * 10 + static_cast<unsigned>(data[i] - '0');
  }
  const auto first_line_end = data.find("\r\n");
  const std::string_view headers =
      first_line_end == head_end ? std::string_view()
                                 : data.substr(first_line_end + 2, head_end - first_line_end - 2);
  if (find_header(headers, "Transfer-Encoding")) return AnswerState::malformed;
  std::size_t length = 0;
  if (const auto value = find_header(headers, "Content-Length")) {
    if (value->empty()) return AnswerState::malformed;
    for (const char c : *value) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return AnswerState::malformed;
      length = length * 10 + static_cast<std::size_t>(c - '0');
    }
  }
  const std::size_t body_start = head_end + 4;
  if (data.size() < body_start + length) return AnswerState::incomplete;
  answer.status = status;
  answer.headers = headers;
  answer.body = data.substr(body_start, length);
  answer.total_bytes = body_start + length;
  return AnswerState::complete;
}

std::string build_request(std::string_view method, std::string_view target, std::string_view host,
                          std::string_view cookie, std::string_view csrf_token,
                          std::string_view body) {
  std::string request;
  request.reserve(160 + target.size() + cookie.size() + body.size());
  request.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  if (!cookie.empty()) request.append("\r\nCookie: ").append(cookie);
  if (!body.empty()) {
    request.append("\r\nContent-Type: application/json\r\nContent-Length: ")
        .append(std::to_string(body.size()));
    if (!csrf_token.empty()) request.append("\r\nX-CSRF-Token: ").append(csrf_token);
  }
  request.append("\r\n\r\n").append(body);
  return request;
}

}  // namespace parley::bench
