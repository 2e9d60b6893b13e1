// Building HTTP answers: the contract's JSON error shape, security headers,
// and static files. Pure functions of their arguments; any thread.
#pragma once

#include <boost/beast/http.hpp>
#include <string_view>

#include "core/error_code.hpp"

namespace parley::transport {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// {"error":{"code":C,"message":M}} with the status that carries C.
Response error_response(const Request& request, core::ErrorCode code, std::string_view message);

// 405 with Allow.
Response method_not_allowed(const Request& request, std::string_view allow);

// A JSON body, with nosniff.
Response json_response(const Request& request, boost::beast::http::status status, std::string body);

// The headers every HTML page carries (CSP without inline script, ...).
void add_page_security_headers(Response& response);

}  // namespace parley::transport
