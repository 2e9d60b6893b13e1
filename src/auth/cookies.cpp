#include "auth/cookies.hpp"

namespace parley::auth {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name) {
  std::optional<std::string_view> found;
  while (!header.empty()) {
    const std::size_t end = header.find(';');
    const std::string_view pair = trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos || trim(pair.substr(0, equals)) != name) continue;
    // Two cookies of one name: someone is planting one; trust neither.
    if (found) return std::nullopt;
    found = trim(pair.substr(equals + 1));
  }
  return found;
}

std::string make_cookie(std::string_view name, std::string_view value, std::chrono::seconds max_age,
                        Transport transport) {
  std::string cookie;
  cookie.append(name).append("=").append(value);
  cookie.append("; Path=/; HttpOnly; SameSite=Lax; Max-Age=")
      .append(std::to_string(max_age.count()));
  if (transport == Transport::tls) cookie.append("; Secure");
  return cookie;
}

std::string expire_cookie(std::string_view name, Transport transport) {
  std::string cookie;
  cookie.append(name).append("=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
  if (transport == Transport::tls) cookie.append("; Secure");
  return cookie;
}

}  // namespace parley::auth
