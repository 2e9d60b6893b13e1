// Who speaks: a user name and the identity that owns it now. Names can change
// hands (a guest logs out, someone registers the name), so presence,
// membership and idempotency key on the stable id, never on the name alone.
// Plain value; any thread.
#pragma once

#include <string>
#include <utility>

#include "core/names.hpp"

namespace parley::core {

enum class IdentityKind { guest, account };

struct Identity {
  UserName user;
  IdentityKind kind;
  // "a:" + the account's user key (accounts are never renamed or deleted);
  // "g:" + a guest session's random public id; "n:" + the user key for a
  // `?name=` guest (only the name tells one from the next, and a client
  // that reconnects must keep its message ids). Never derived from a secret.
  std::string id;

  static Identity account(UserName user) {
    std::string id = "a:" + user.key();
    return {std::move(user), IdentityKind::account, std::move(id)};
  }
  static Identity guest(UserName user, std::string id) {
    return {std::move(user), IdentityKind::guest, std::move(id)};
  }

  bool is_guest() const { return kind == IdentityKind::guest; }
  friend bool operator==(const Identity& a, const Identity& b) { return a.id == b.id; }
};

}  // namespace parley::core
