#include "service/account_service.hpp"

#include "auth/secrets.hpp"
#include "obs/log.hpp"

namespace parley::service {

using core::ErrorCode;

namespace {

std::int64_t ms(std::chrono::seconds duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

Refusal store_failed() {
  return Refusal{ErrorCode::internal, "the store cannot answer now"};
}

Refusal too_many(std::int64_t wait_ms) {
  return Refusal{ErrorCode::rate_limited, "too many attempts; try again later",
                 std::max<std::int64_t>(1, (wait_ms + 999) / 1000)};
}

// The hasher's queue is full: a place frees within a hash or two.
Refusal busy() {
  return Refusal{ErrorCode::rate_limited, "too many passwords being checked; try again", 1};
}

// Store results with a bool inside need care: an error_code converts to bool.
template <class T>
store::Result<T> failed(boost::system::error_code error) {
  return store::Result<T>(boost::system::in_place_error, error);
}

}  // namespace

AccountService::AccountService(store::StoreWorker& store, auth::PasswordHasher& hasher,
                               auth::Authenticator& authenticator, auth::GuestNames& guest_names,
                               const core::Clock& clock, auth::IdentitySettings settings)
    : store_(store),
      hasher_(hasher),
      authenticator_(authenticator),
      guest_names_(guest_names),
      clock_(clock),
      settings_(settings),
      failures_by_account_(settings.login_failures_per_account, ms(settings.login_failure_window)),
      failures_by_address_(settings.login_failures_per_address, ms(settings.login_failure_window)),
      registrations_by_address_(settings.registrations_per_address,
                                ms(settings.registration_window)),
      guests_by_address_(settings.guests_per_address, ms(settings.guest_window)) {}

std::optional<Refusal> AccountService::check_password(const std::string& password) const {
  if (auto refused = auth::password_refusal(password)) {
    return Refusal{ErrorCode::bad_request, *std::move(refused)};
  }
  return std::nullopt;
}

void AccountService::register_account(const core::UserName& name, std::string password,
                                      const std::string& address, auth::ClientGone gone,
                                      Done<SessionStarted> done) {
  if (auto refused = check_password(password)) return done(*refused);
  if (guest_names_.is_held(name)) return done(Refusal{ErrorCode::conflict, "that name is taken"});
  const std::int64_t now = clock_.now_ms();
  if (auto wait = registrations_by_address_.wait_ms(address, now)) return done(too_many(wait));
  auto slot = hasher_.try_reserve();
  if (!slot) return done(busy());
  // Counted whatever the outcome (each costs a hash), unless it is dropped.
  registrations_by_address_.record(address, now);
  hasher_.hash(
      std::move(*slot), std::move(password), std::move(gone),
      [this, name, address, done = std::move(done)](auth::Hashed hashed) mutable {
        using Status = auth::Hashed::Status;
        if (hashed.status == Status::skipped) {
          return registrations_by_address_.take_back(address);
        }
        if (hashed.status == Status::failed) return done(store_failed());
        // A `?name=` guest may have taken the name during the hash; one
        // that comes later is checked by the store after this commit.
        if (guest_names_.is_held(name))
          return done(Refusal{ErrorCode::conflict, "that name is taken"});
        store_.run<bool>(
            [name, hash = std::move(hashed.encoded), now = clock_.now_ms()](
                store::IdentityStore& store) { return store.create_account(name, hash, now); },
            [this, name, done = std::move(done)](store::Result<bool> created) mutable {
              if (!created) return done(store_failed());
              if (!*created) return done(Refusal{ErrorCode::conflict, "that name is taken"});
              start_session(name, false, std::move(done));
            });
      });
}

void AccountService::log_in(const core::UserName& name, std::string password,
                            const std::string& address, auth::ClientGone gone,
                            Done<SessionStarted> done) {
  const std::int64_t now = clock_.now_ms();
  const std::int64_t wait = std::max(failures_by_account_.wait_ms(name.key(), now),
                                     failures_by_address_.wait_ms(address, now));
  if (wait > 0) return done(too_many(wait));
  if (password.size() > auth::kMaxPasswordBytes) {
    // Never right, and it costs no hash: a failure for the account only.
    failures_by_account_.record(name.key(), now);
    return done(Refusal{ErrorCode::unauthorized, "wrong name or password"});
  }
  // The place comes before any work (the lookup too), so a full queue costs
  // nothing; a refused attempt is not a guess and is not counted.
  auto slot = hasher_.try_reserve();
  if (!slot) return done(busy());
  // Counted for the account now, while it is verified, so that attempts sent
  // together cannot all pass the check above; taken back unless it fails.
  // The address counts only verified failures: behind a proxy every client
  // shares it, and requests refused or dropped must not lock them all out.
  failures_by_account_.record(name.key(), now);
  store_.run<std::optional<store::Account>>(
      [name](store::IdentityStore& store) { return store.find_account(name); },
      [this, name, address, password = std::move(password), gone = std::move(gone),
       slot = std::make_shared<auth::PasswordHasher::Slot>(std::move(*slot)),
       done = std::move(done)](store::Result<std::optional<store::Account>> account) mutable {
        if (!account) {
          // Not a guess that failed: it does not count.
          failures_by_account_.take_back(name.key());
          return done(store_failed());
        }
        std::optional<std::string> hash;
        if (*account) hash = (*account)->password_hash;
        // An unknown name is verified against a dummy: the same time either way.
        // The session carries the name as registered, not as typed.
        const core::UserName registered =
            *account ? core::UserName::parse((*account)->name).value_or(name) : name;
        hasher_.verify(std::move(*slot), std::move(password), std::move(hash), std::move(gone),
                       [this, name = registered, address,
                        done = std::move(done)](auth::Verdict verdict) mutable {
                         if (verdict == auth::Verdict::skipped) {
                           return failures_by_account_.take_back(name.key());
                         }
                         if (verdict == auth::Verdict::does_not_match) {
                           failures_by_address_.record(address, clock_.now_ms());
                           return done(Refusal{ErrorCode::unauthorized, "wrong name or password"});
                         }
                         // The registered name has the typed one's key.
                         failures_by_account_.clear(name.key());
                         start_session(name, false, std::move(done));
                       });
      });
}

void AccountService::start_guest(const core::UserName& name, const std::string& address,
                                 Done<SessionStarted> done) {
  if (!settings_.allow_guests) return done(Refusal{ErrorCode::forbidden, "guests are not allowed"});
  const std::int64_t now = clock_.now_ms();
  if (auto wait = guests_by_address_.wait_ms(address, now)) return done(too_many(wait));
  if (guest_names_.is_held(name)) return done(Refusal{ErrorCode::conflict, "that name is taken"});
  guests_by_address_.record(address, now);
  start_session(name, true, std::move(done));
}

void AccountService::start_session(const core::UserName& name, bool guest,
                                   Done<SessionStarted> done) {
  const auto lifetime = authenticator_.lifetime_of(guest);
  const std::int64_t now = clock_.now_ms();
  // Stored as the authenticator extends it, so the first use writes nothing.
  std::string secret = auth::random_secret();
  // A guest session is an identity of its own, with a random public id (not
  // derived from the secret): whoever has the name after it is someone else.
  const auth::Identity identity = guest
                                      ? auth::Identity::guest(name, "g:" + auth::random_secret(12))
                                      : auth::Identity::account(name);
  store::SessionRecord session{auth::digest_of(secret),
                               name.text(),
                               guest,
                               auth::random_secret(),
                               now + ms(lifetime) + ms(settings_.session_refresh),
                               identity.id};
  store_.run<bool>(
      [session, now](store::IdentityStore& store) { return store.create_session(session, now); },
      [this, identity, session, secret = std::move(secret), lifetime,
       done = std::move(done)](store::Result<bool> created) {
        if (!created) return done(store_failed());
        if (!*created) return done(Refusal{ErrorCode::conflict, "that name is taken"});
        authenticator_.remember(session);
        done(SessionStarted{identity, secret, session.csrf_token, lifetime});
      });
}

void AccountService::log_out(const store::SessionRecord& session, Done<bool> done) {
  authenticator_.forget_session(session.id_digest);
  store_.run<bool>(
      [digest = session.id_digest](store::IdentityStore& store) {
        auto deleted = store.delete_session(digest);
        if (!deleted) return failed<bool>(deleted.error());
        return store::Result<bool>(true);
      },
      [done = std::move(done)](store::Result<bool> deleted) {
        if (!deleted) return done(store_failed());
        done(true);
      });
}

void AccountService::create_token(const auth::Identity& identity, Done<TokenCreated> done) {
  if (identity.is_guest()) return done(Refusal{ErrorCode::forbidden, "guests cannot have tokens"});
  std::string token = auth::random_secret();
  store::TokenRecord record{auth::random_secret(12), auth::digest_of(token), identity.user.text(),
                            clock_.now_ms()};
  // Counted and created in one store job: two requests at once cannot both
  // take the last place.
  store_.run<bool>(
      [record, user = identity.user,
       limit = settings_.max_tokens_per_user](store::IdentityStore& store) -> store::Result<bool> {
        if (limit > 0) {
          auto live = store.count_live_tokens(user);
          if (!live) return failed<bool>(live.error());
          if (*live >= limit) return store::Result<bool>(false);
        }
        auto created = store.create_token(record);
        if (!created) return failed<bool>(created.error());
        return store::Result<bool>(true);
      },
      [id = record.id, token = std::move(token), limit = settings_.max_tokens_per_user,
       done = std::move(done)](store::Result<bool> created) {
        if (!created) return done(store_failed());
        if (!*created) {
          return done(
              Refusal{ErrorCode::conflict, "this account has " + std::to_string(limit) +
                                               " tokens, the most it may hold; revoke one first"});
        }
        done(TokenCreated{id, token});
      });
}

void AccountService::list_tokens(const auth::Identity& identity,
                                 Done<std::vector<store::TokenRecord>> done) {
  if (identity.is_guest()) return done(Refusal{ErrorCode::forbidden, "guests cannot have tokens"});
  store_.run<std::vector<store::TokenRecord>>(
      [user = identity.user](store::IdentityStore& store) { return store.list_tokens(user); },
      [done = std::move(done)](store::Result<std::vector<store::TokenRecord>> tokens) {
        if (!tokens) return done(store_failed());
        done(std::move(*tokens));
      });
}

void AccountService::revoke_token(const auth::Identity& identity, const std::string& id,
                                  Done<bool> done) {
  if (identity.is_guest()) return done(Refusal{ErrorCode::forbidden, "guests cannot have tokens"});
  store_.run<std::optional<store::TokenRecord>>(
      [user = identity.user,
       id](store::IdentityStore& store) -> store::Result<std::optional<store::TokenRecord>> {
        // Read the digest first, so the cache on this node can drop it.
        auto tokens = store.list_tokens(user);
        if (!tokens) return tokens.error();
        auto revoked = store.revoke_token(user, id);
        if (!revoked) return revoked.error();
        if (!*revoked) return std::optional<store::TokenRecord>{};
        for (const auto& token : *tokens) {
          if (token.id == id) return std::optional<store::TokenRecord>{token};
        }
        return std::optional<store::TokenRecord>{};
      },
      [this, done = std::move(done)](store::Result<std::optional<store::TokenRecord>> revoked) {
        if (!revoked) return done(store_failed());
        if (!*revoked) return done(Refusal{ErrorCode::not_found, "no such token"});
        authenticator_.forget_token((*revoked)->digest);
        done(true);
      });
}

void AccountService::hold_guest_name(const core::UserName& name, Done<bool> done) {
  // Held in memory at once, so that two upgrades here cannot both pass the
  // store's check; let go again if the store says the name is taken.
  if (!guest_names_.claim(name)) return done(false);
  auto answer = [this, name, done = std::move(done)](store::Result<bool> free) {
    if (!free || !*free) guest_names_.release(name);
    if (!free) return done(store_failed());
    done(*free);
  };
  const std::int64_t now = clock_.now_ms();
  if (node_id_.empty()) {
    store_.run<bool>(
        [name, now](store::IdentityStore& store) -> store::Result<bool> {
          auto taken = store.is_name_taken(name, now);
          if (!taken) return store::Result<bool>(boost::system::in_place_error, taken.error());
          return !*taken;
        },
        std::move(answer));
    return;
  }
  // The store refuses a guest session whose name is taken, in the same
  // step as it writes it: two nodes cannot both succeed.
  store::SessionRecord claim{claim_digest(name.key()),
                             name.text(),
                             true,
                             "",
                             now + std::chrono::milliseconds(kGuestNameClaimLifetime).count(),
                             "n:" + name.key()};
  store_.run<bool>([claim = std::move(claim),
                    now](store::IdentityStore& store) { return store.create_session(claim, now); },
                   std::move(answer));
}

void AccountService::let_go_guest_name(const core::UserName& name) {
  guest_names_.release(name);
  if (node_id_.empty()) return;
  // Queued after the job that wrote the claim: the store runs jobs in order.
  store_.run<void>([digest = claim_digest(name.key())](
                       store::IdentityStore& store) { return store.delete_session(digest); },
                   [](store::Result<void> deleted) {
                     if (!deleted)
                       obs::log_warn("cannot let go of a guest name: " + deleted.error().message());
                   });
}

void AccountService::keep_guest_names() {
  if (node_id_.empty() || guest_names_.held_keys().empty()) return;
  std::vector<std::string> digests;
  digests.reserve(guest_names_.held_keys().size());
  for (const std::string& key : guest_names_.held_keys()) digests.push_back(claim_digest(key));
  const std::int64_t now = clock_.now_ms();
  store_.run<std::size_t>(
      [digests = std::move(digests), now,
       until = now + std::chrono::milliseconds(kGuestNameClaimLifetime).count()](
          store::IdentityStore& store) { return store.extend_live_sessions(digests, until, now); },
      [](store::Result<std::size_t> kept) {
        if (!kept) obs::log_warn("cannot renew guest name claims: " + kept.error().message());
      });
}

std::string AccountService::claim_digest(const std::string& user_key) const {
  return "n:" + node_id_ + ":" + user_key;
}

}  // namespace parley::service
