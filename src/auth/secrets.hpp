// Random secrets and their one-way digests, from libsodium. Session ids and
// API tokens are stored only as digests, so a copy of the database does not
// let anyone act as a user. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace parley::auth {

// Initialises libsodium; call once before anything here (idempotent).
void initialise_crypto();

// `bytes` random bytes as unpadded base64url text.
std::string random_secret(std::size_t bytes = 32);

// The hex BLAKE2b-256 digest of `secret`, as stored in the database.
std::string digest_of(std::string_view secret);

// Equality that takes the same time wherever the first difference is.
bool equals_in_constant_time(std::string_view a, std::string_view b);

// True when `text` could be a secret made by random_secret (checks the
// alphabet and length only), so garbage is refused before any lookup.
bool looks_like_secret(std::string_view text);

}  // namespace parley::auth
