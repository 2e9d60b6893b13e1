// Reading what an HTTP request carries: its JSON or form body, its
// credentials, its CSRF token, its Origin. Pure functions; any thread.
#pragma once

#include <boost/json/object.hpp>
#include <boost/url/url_view.hpp>
#include <optional>
#include <string>
#include <variant>

#include "auth/authenticator.hpp"
#include "core/error_code.hpp"
#include "http/http_response.hpp"

namespace parley::transport {

// The body as a JSON object, or the error for it (415 when it is not JSON).
std::variant<boost::json::object, Response> json_body_of(const Request& request);

// A field of an application/x-www-form-urlencoded body.
std::optional<std::string> form_field(const Request& request, std::string_view name);

// The value of cookie `name`, when the request carries it exactly once. Every
// Cookie field counts, read as one list (RFC 9113 8.2.3 joins them with
// "; "), so a cookie planted in a second field is seen.
std::optional<std::string> cookie_of(const Request& request, std::string_view name);

// The bearer token (Authorization header, or ?token= where `url` allows it)
// and the session cookie.
auth::Credentials credentials_of(const Request& request, const boost::urls::url_view* url);

// True for methods that change state, which need a CSRF token with a cookie.
bool is_state_changing(const Request& request);

// The CSRF token a request carries: the X-CSRF-Token header or, for forms,
// the csrf_token field.
std::optional<std::string> csrf_token_of(const Request& request);

// A string field of a JSON object, when present and a string.
std::optional<std::string> string_field(const boost::json::object& object, std::string_view name);

}  // namespace parley::transport
