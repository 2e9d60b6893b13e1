// The use cases of identity: register, log in, become a guest, log out, and
// API tokens. Passwords go to the hasher's threads, records to the store
// worker; answers come back on the I/O thread. I/O thread only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/guest_names.hpp"
#include "auth/password_hasher.hpp"
#include "core/attempt_limiter.hpp"
#include "service/refusal.hpp"
#include "store/store_worker.hpp"

namespace parley::service {

struct SessionStarted {
  auth::Identity identity;
  std::string secret;  // for the cookie; never stored
  std::string csrf_token;
  std::chrono::seconds lifetime;
};

struct TokenCreated {
  std::string id;
  std::string token;  // shown once; only its digest is stored
};

class AccountService {
 public:
  template <class T>
  using Done = std::function<void(Outcome<T>)>;

  AccountService(store::StoreWorker& store, auth::PasswordHasher& hasher,
                 auth::Authenticator& authenticator, auth::GuestNames& guest_names,
                 const core::Clock& clock, auth::IdentitySettings settings);

  // Both take a place in the hasher's queue first (429 at once when it is
  // full, counted as nothing). When `gone` is set before the hash starts, the
  // work is skipped, what was counted is taken back, and `done` is not called.
  void register_account(const core::UserName& name, std::string password,
                        const std::string& address, auth::ClientGone gone,
                        Done<SessionStarted> done);
  void log_in(const core::UserName& name, std::string password, const std::string& address,
              auth::ClientGone gone, Done<SessionStarted> done);
  void start_guest(const core::UserName& name, const std::string& address,
                   Done<SessionStarted> done);
  void log_out(const store::SessionRecord& session, Done<bool> done);

  void create_token(const auth::Identity& identity, Done<TokenCreated> done);
  void list_tokens(const auth::Identity& identity, Done<std::vector<store::TokenRecord>> done);
  void revoke_token(const auth::Identity& identity, const std::string& id, Done<bool> done);

  // For `?name=` guests: takes the name for as long as the connection lasts,
  // unless an account, a guest session or another guest has it (false). A
  // node alone holds it in memory after asking the store. In a cluster
  // (share_guest_names) the name is also claimed in the store, as a short
  // guest session that other nodes respect; the node keeps its claims alive
  // (keep_guest_names) and a dead node's claims lapse by themselves.
  void hold_guest_name(const core::UserName& name, Done<bool> done);
  // Called once the holder's connection is gone.
  void let_go_guest_name(const core::UserName& name);
  void share_guest_names(std::string node_id) { node_id_ = std::move(node_id); }
  // Called every kGuestNameRenewal: extends this node's claims in one store job.
  void keep_guest_names();
  // A claim outlives its node by at most this; it is renewed three times
  // within it, so that one slow store job does not let it lapse.
  static constexpr std::chrono::seconds kGuestNameClaimLifetime{15};
  static constexpr std::chrono::seconds kGuestNameRenewal{5};

  // Password jobs queued and running (a gauge for /metrics).
  std::size_t password_jobs() const { return hasher_.jobs(); }

 private:
  void start_session(const core::UserName& name, bool guest, Done<SessionStarted> done);
  std::optional<Refusal> check_password(const std::string& password) const;
  // The digest a node's claim of a name is stored under: no cookie's digest
  // (hex) can be this, so no cookie ever finds it.
  std::string claim_digest(const std::string& user_key) const;

  store::StoreWorker& store_;
  auth::PasswordHasher& hasher_;
  auth::Authenticator& authenticator_;
  auth::GuestNames& guest_names_;
  const core::Clock& clock_;
  auth::IdentitySettings settings_;
  core::AttemptLimiter failures_by_account_;
  core::AttemptLimiter failures_by_address_;
  core::AttemptLimiter registrations_by_address_;
  core::AttemptLimiter guests_by_address_;
  std::string node_id_;  // set when guest names are shared with other nodes
};

}  // namespace parley::service
