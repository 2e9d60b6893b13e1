// Building HTTP answers: the contract's JSON error shape, security headers,
// and static files. Pure functions of their arguments; any thread.
#pragma once

#include <boost/beast/http.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "core/error_code.hpp"

namespace parley::transport {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
// An answer's bytes as they go on the wire, head and body, built once and
// written as they are to every request that gets the same answer.
using SharedAnswer = std::shared_ptr<const std::string>;
// What answers a request: a response to serialize, or shared bytes.
using Answer = std::variant<Response, SharedAnswer>;

// {"error":{"code":C,"message":M}} with the status that carries C.
Response error_response(const Request& request, core::ErrorCode code, std::string_view message);

// 405 with Allow.
Response method_not_allowed(const Request& request, std::string_view allow);

// 204: done, nothing to say.
Response no_content_response(const Request& request);

// A JSON body, with nosniff.
Response json_response(const Request& request, boost::beast::http::status status, std::string body);

// The headers every HTML page carries (CSP without inline script, ...).
void add_page_security_headers(Response& response);

// Appends the status line and header fields of `response` as they go on the
// wire, up to and including the blank line; the body follows them unchanged.
// Parley's answers carry their length: none uses chunked encoding.
void append_head(const Response& response, std::string& out);

// The head and body of `response`, to be shared.
SharedAnswer share_answer(const Response& response);

}  // namespace parley::transport
