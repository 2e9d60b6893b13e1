// Reading the Cookie header and writing Set-Cookie for the session. Pure
// functions; any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace parley::auth {

inline constexpr std::string_view kSessionCookie = "parley_session";
// Before a session exists, the HTML forms' CSRF token (double submit).
inline constexpr std::string_view kFormCookie = "parley_form";

// The value of cookie `name` in a Cookie header, if present exactly once.
std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name);

enum class Transport { plain, tls };

// Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, Secure behind TLS.
std::string make_cookie(std::string_view name, std::string_view value, std::chrono::seconds max_age,
                        Transport transport);
// Set-Cookie value that deletes the cookie.
std::string expire_cookie(std::string_view name, Transport transport);

}  // namespace parley::auth
