// The one error vocabulary of the wire contract, mapped once to HTTP statuses.
// Plain values; any thread.
#pragma once

#include <array>
#include <string_view>

namespace parley::core {

enum class ErrorCode {
  bad_request,
  unauthorized,
  forbidden,
  not_found,
  not_joined,
  too_large,
  rate_limited,
  conflict,
  internal,
};

// Every code, in declaration order (for counters kept per code).
inline constexpr std::array kErrorCodes = {
    ErrorCode::bad_request,  ErrorCode::unauthorized, ErrorCode::forbidden,
    ErrorCode::not_found,    ErrorCode::not_joined,   ErrorCode::too_large,
    ErrorCode::rate_limited, ErrorCode::conflict,     ErrorCode::internal,
};

// The code as it appears on the wire ("bad_request", ...).
std::string_view name_of(ErrorCode code);

// The HTTP status that carries this code.
int http_status_of(ErrorCode code);

// An expected failure: a code and a human-readable reason safe to show a client.
struct Error {
  ErrorCode code;
  std::string_view message;
};

}  // namespace parley::core
