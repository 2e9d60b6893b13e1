// Who a connection or request acts as. Resolved once at the edge (token,
// cookie, or guest name); everything after trusts it. Plain value.
#pragma once

#include "core/names.hpp"

namespace parley::auth {

enum class IdentityKind { guest, account };

struct Identity {
  core::UserName user;
  IdentityKind kind;

  bool is_guest() const { return kind == IdentityKind::guest; }
};

}  // namespace parley::auth
