// An expected failure of a use case, as a value: the contract's code, a
// message safe to show, and for rate limits how long to wait.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "core/error_code.hpp"

namespace parley::service {

struct Refusal {
  core::ErrorCode code;
  std::string message;
  std::int64_t retry_after_s = 0;  // with rate_limited
};

template <class T>
using Outcome = std::variant<T, Refusal>;

}  // namespace parley::service
