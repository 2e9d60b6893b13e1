// Whether a message's text mentions a user: "@" + the user's name as a whole
// word, case-insensitively. Pure function; any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/names.hpp"

namespace parley::core {

// True when `text` holds "@name" where the name characters that follow the
// "@" (with or without the dots that end a sentence) are exactly `user`'s name, and
// the "@" does not follow a name character (an e-mail address is no mention).
bool mentions(std::string_view text, const UserName& user);

// A SQL LIKE pattern, with the backslash as its escape, that every text mentioning
// `user` matches (case-insensitively): how a store finds the candidates
// before mentions() decides.
std::string mention_candidates_pattern(const UserName& user);

}  // namespace parley::core
