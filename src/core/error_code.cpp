#include "core/error_code.hpp"

namespace parley::core {

std::string_view name_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_request:
      return "bad_request";
    case ErrorCode::unauthorized:
      return "unauthorized";
    case ErrorCode::forbidden:
      return "forbidden";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::not_joined:
      return "not_joined";
    case ErrorCode::too_large:
      return "too_large";
    case ErrorCode::rate_limited:
      return "rate_limited";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::internal:
      return "internal";
  }
  return "internal";
}

int http_status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_request:
      return 400;
    case ErrorCode::unauthorized:
      return 401;
    case ErrorCode::forbidden:
      return 403;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::not_joined:
      return 409;
    case ErrorCode::too_large:
      return 413;
    case ErrorCode::rate_limited:
      return 429;
    case ErrorCode::conflict:
      return 409;
    case ErrorCode::internal:
      return 500;
  }
  return 500;
}

}  // namespace parley::core
