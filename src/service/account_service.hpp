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

  // For `?name=` guests: is the name free of accounts and guest sessions?
  void check_guest_name(const core::UserName& name, Done<bool> done);

  // Password jobs queued and running (a gauge for /metrics).
  std::size_t password_jobs() const { return hasher_.jobs(); }

 private:
  void start_session(const core::UserName& name, bool guest, Done<SessionStarted> done);
  std::optional<Refusal> check_password(const std::string& password) const;

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
};

}  // namespace parley::service
