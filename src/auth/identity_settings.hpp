// The settings of identity: session lifetimes, login throttles, origins.
// Plain value, filled from the command line.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "auth/cookies.hpp"

namespace parley::auth {

struct IdentitySettings {
  std::chrono::seconds session_lifetime = std::chrono::hours(24 * 30);  // sliding
  std::chrono::seconds guest_idle_lifetime = std::chrono::hours(24);    // sliding
  // A session is extended (one store write) when it is used this long after
  // its last extension, not on every request.
  std::chrono::seconds session_refresh = std::chrono::minutes(10);
  // How long a session or token read from the store is trusted in memory.
  std::chrono::seconds cache_lifetime = std::chrono::seconds(30);
  // How often an open WebSocket asks the store whether its session or token
  // still stands (and extends the session); one that ended elsewhere, expired
  // or was swept closes within this long. One store read per socket each time.
  std::chrono::seconds session_check = std::chrono::seconds(30);

  // Failures per account are counted as attempts arrive (taken back when
  // they succeed or are dropped); per address, only verified wrong passwords.
  std::size_t login_failures_per_account = 10;
  std::size_t login_failures_per_address = 10000;
  std::chrono::seconds login_failure_window = std::chrono::minutes(15);
  // Registrations (each costs a hash and an account), per address and window;
  // a limit of their own, so failed logins never block registering.
  std::size_t registrations_per_address = 1000;
  std::chrono::seconds registration_window = std::chrono::hours(1);
  std::size_t guests_per_address = 10000;  // guest sessions created, per window
  std::chrono::seconds guest_window = std::chrono::hours(1);
  std::size_t max_tokens_per_user = 100;  // live (unrevoked) API tokens of one account

  Transport transport = Transport::plain;    // tls: cookies are Secure
  std::vector<std::string> allowed_origins;  // beyond the server's own
  bool allow_guests = true;
};

}  // namespace parley::auth
