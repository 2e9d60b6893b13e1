// Resolves who is calling from what a request carries: a bearer token first,
// then the session cookie. An invalid token is refused (401) and never falls
// back; a stale cookie is simply no identity. Sessions and tokens read from
// the store are kept in memory for a short while. I/O thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "auth/identity.hpp"
#include "auth/identity_settings.hpp"
#include "core/clock.hpp"
#include "core/error_code.hpp"
#include "store/store_worker.hpp"

namespace parley::auth {

struct Credentials {
  std::optional<std::string> bearer_token;    // Authorization: Bearer, or ?token= on /ws
  std::optional<std::string> session_cookie;  // the secret in the session cookie
};

enum class Via { nobody, token, session };

struct Caller {
  Via via = Via::nobody;
  std::optional<Identity> identity;
  // What the identity rests on: "s:" + session digest or "t:" + token digest
  // (never the secret); empty for nobody. Sockets and long polls are held
  // under it, so that ending it ends them.
  std::string credential;
  std::optional<store::SessionRecord> session;  // with Via::session
  // The session was extended: the cookie should be sent again.
  bool session_extended = false;
  std::chrono::seconds session_lifetime{0};

  bool is_anonymous() const { return !identity.has_value(); }
};

class Authenticator {
 public:
  using Done = std::function<void(std::variant<Caller, core::Error>)>;

  Authenticator(store::StoreWorker& store, const core::Clock& clock, IdentitySettings settings);

  void authenticate(const Credentials& credentials, Done done);
  // As authenticate, but asks the store rather than the cache: an open socket
  // checks that its session or token still stands (ended on another node,
  // expired, swept).
  void recheck(const Credentials& credentials, Done done);

  // Called with a credential key (as Caller::credential) when this node
  // learns that it ended: logout, revocation, or a check that found it gone
  // or expired. Whatever relied on it must stop.
  using Ended = std::function<void(const std::string& credential)>;
  void on_ended(Ended listener) { on_ended_ = std::move(listener); }

  // The lifetime a session of this kind is given from now.
  std::chrono::seconds lifetime_of(bool guest) const {
    return guest ? settings_.guest_idle_lifetime : settings_.session_lifetime;
  }
  // A session created or ended on this node takes effect here at once;
  // forgetting a session or token ends what relies on it (on_ended).
  void remember(const store::SessionRecord& session);
  void forget_session(const std::string& id_digest);
  void forget_token(const std::string& digest);
  // Another node ended this credential (a key as Caller::credential): it is
  // no longer trusted from the cache here. Does not call on_ended.
  void end_elsewhere(const std::string& key);

 private:
  struct Cached {
    std::variant<store::SessionRecord, store::TokenRecord> record;
    std::int64_t cached_until_ms;
  };
  void authenticate_token(const std::string& token, Done done);
  void authenticate_session(const std::string& secret, Done done);
  Caller caller_for(store::SessionRecord session);
  const Cached* cached(const std::string& key);
  void cache(const std::string& key, Cached entry);
  void end(const std::string& key);
  // True when `key` ended after a store read issued at `generation`: what
  // that read found is older than the end and must not bring it back.
  bool ended_since(const std::string& key, std::uint64_t generation) const;

  store::StoreWorker& store_;
  const core::Clock& clock_;
  IdentitySettings settings_;
  // By "s:" + session digest or "t:" + token digest.
  std::unordered_map<std::string, Cached> cache_;
  Ended on_ended_;
  // Credentials ended lately, with the generation of their end; reads issued
  // before it are answered as if the credential were gone. Kept about a
  // minute, longer than a store read takes.
  struct EndedKey {
    std::uint64_t generation;
    std::int64_t ended_ms;
  };
  std::unordered_map<std::string, EndedKey> ended_;
  std::uint64_t generation_ = 0;  // counts ends
};

}  // namespace parley::auth
