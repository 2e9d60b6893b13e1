// Checks of message text against the contract: valid UTF-8 without U+0000,
// and 1-4000 code points once Unicode White_Space is trimmed at both ends.
// The text itself is kept exactly as received. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/error_code.hpp"

namespace parley::core {

inline constexpr std::size_t kMaxMessageCodePoints = 4000;

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view text);

// True for the code points of Unicode's White_Space property.
bool is_white_space(char32_t code_point);

// nullopt when the text may be stored; otherwise why not: bad_request for
// invalid UTF-8, U+0000, or nothing but white space; too_large past the limit.
std::optional<Error> check_message_text(std::string_view text,
                                        std::size_t max_code_points = kMaxMessageCodePoints);

}  // namespace parley::core
