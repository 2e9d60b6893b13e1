#include "http/request_framing.hpp"

#include <boost/beast/core/string.hpp>

namespace parley::transport {

namespace beast = boost::beast;
namespace http = beast::http;
using core::ErrorCode;

namespace {

constexpr HeaderRefusal kNotChunked{http::status::not_implemented, ErrorCode::bad_request,
                                    "the only transfer coding implemented is a single chunked"};
constexpr HeaderRefusal kBesideLength{http::status::bad_request, ErrorCode::bad_request,
                                      "Transfer-Encoding and Content-Length together"};
constexpr HeaderRefusal kOnHttp10{http::status::bad_request, ErrorCode::bad_request,
                                  "Transfer-Encoding needs HTTP/1.1"};

bool is_white_space(char c) {
  return c == ' ' || c == '\t';
}

// Calls `each` with every member of a comma-separated list (RFC 9110 5.6.1),
// trimmed of white space; empty members are skipped, as the RFC asks.
template <class Each>
void for_each_member(std::string_view list, Each each) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view member = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!member.empty() && is_white_space(member.front())) member.remove_prefix(1);
    while (!member.empty() && is_white_space(member.back())) member.remove_suffix(1);
    if (!member.empty()) each(member);
  }
}

}  // namespace

HeaderCheck check_header(const RequestParser& parser) {
  const auto& header = parser.get();
  bool has_transfer_encoding = false;
  bool has_content_length = false;
  std::size_t codings = 0;  // over every Transfer-Encoding field: they are one list
  bool are_codings_chunked = true;
  bool expects_continue = false;
  bool expects_other = false;
  // One pass that compares each field's known name, an integer: most
  // requests carry none of these fields.
  for (const auto& field : header) {
    switch (field.name()) {
      case http::field::transfer_encoding:
        has_transfer_encoding = true;
        for_each_member(field.value(), [&](std::string_view coding) {
          ++codings;
          are_codings_chunked = are_codings_chunked && beast::iequals(coding, "chunked");
        });
        break;
      case http::field::content_length:
        has_content_length = true;
        break;
      case http::field::expect:
        for_each_member(field.value(), [&](std::string_view expectation) {
          (beast::iequals(expectation, "100-continue") ? expects_continue : expects_other) = true;
        });
        break;
      default:
        break;
    }
  }
  if (has_transfer_encoding) {
    // RFC 9112 6.1: faulty framing on HTTP/1.0; a message with both may be
    // read differently by a proxy in front, so neither is trusted.
    if (header.version() < 11) return {kOnHttp10};
    if (has_content_length) return {kBesideLength};
    // Beast frames a body as chunked when `chunked` is the last coding; we
    // implement nothing else, and the body is read only when both agree.
    if (codings != 1 || !are_codings_chunked || !parser.chunked()) return {kNotChunked};
  }
  if (expects_other) {
    return {HeaderRefusal{http::status::expectation_failed, ErrorCode::bad_request,
                          "the only expectation met is 100-continue"}};
  }
  // An HTTP/1.0 client cannot wait for a 100 (RFC 9110 10.1.1).
  return {std::nullopt, expects_continue && header.version() >= 11};
}

HeaderRefusal refusal_of(beast::error_code error, const RequestParser& parser) {
  if (error == http::error::body_limit || error == http::error::buffer_overflow) {
    return {http::status::payload_too_large, ErrorCode::too_large, "request body too large"};
  }
  if (error == http::error::header_limit) {
    return {http::status::request_header_fields_too_large, ErrorCode::bad_request,
            "request header too large"};
  }
  // Beast stops at a Transfer-Encoding after Content-Length or after a
  // chunked one, and at a Content-Length after a chunked Transfer-Encoding.
  const bool is_transfer_encoding_refused =
      error == http::error::bad_transfer_encoding ||
      (error == http::error::bad_content_length && parser.chunked());
  if (is_transfer_encoding_refused) {
    if (parser.get().version() < 11) return kOnHttp10;
    // (The fields before the one refused are in the message.)
    const auto& header = parser.get();
    const bool has_length = header.find(http::field::content_length) != header.end();
    if (has_length || error == http::error::bad_content_length) return kBesideLength;
    return kNotChunked;  // chunked, then more codings
  }
  return {http::status::bad_request, ErrorCode::bad_request, "malformed HTTP request"};
}

}  // namespace parley::transport
