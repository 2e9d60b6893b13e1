// Who a connection or request acts as. Resolved once at the edge (token,
// cookie, or guest name); everything after trusts it. The value type lives in
// core, so rooms and the store can key on it; these names keep auth code
// readable.
#pragma once

#include "core/identity.hpp"

namespace parley::auth {

using IdentityKind = core::IdentityKind;
using Identity = core::Identity;

}  // namespace parley::auth
