// The checks on a request's header that decide whether and how its body is
// read, made before any byte of the body is (RFC 9112 6, RFC 9110 10.1.1):
// a body whose framing is in doubt is never read, so none of it can be taken
// for a request of its own (request smuggling). Pure functions; any thread.
#pragma once

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string_view>

#include "core/error_code.hpp"

namespace parley::transport {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Why a request is answered on its header alone, and then the connection
// closed (its body, if any, is left unread).
struct HeaderRefusal {
  boost::beast::http::status status;  // 400, 413, 417, 431 or 501
  core::ErrorCode code;               // of the contract's error body
  std::string_view message;
};

struct HeaderCheck {
  std::optional<HeaderRefusal> refusal;
  bool expects_continue = false;  // the client waits for 100 Continue before its body
};

// Checks a header Beast has parsed: Transfer-Encoding is a single `chunked`
// (else 501), never beside Content-Length nor on HTTP/1.0 (400); Expect is
// 100-continue (else 417).
HeaderCheck check_header(const RequestParser& parser);

// The answer to a request Beast could not read (`error` from reading its
// header or body), given what `parser` had seen of it.
HeaderRefusal refusal_of(boost::beast::error_code error, const RequestParser& parser);

}  // namespace parley::transport
