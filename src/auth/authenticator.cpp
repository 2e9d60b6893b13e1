#include "auth/authenticator.hpp"

#include "auth/secrets.hpp"

namespace parley::auth {

namespace {
constexpr std::size_t kMaxCachedEntries = 100000;
constexpr core::Error kInvalidToken{core::ErrorCode::unauthorized, "invalid or revoked token"};
constexpr core::Error kStoreFailed{core::ErrorCode::internal, "identity cannot be checked now"};
}  // namespace

Authenticator::Authenticator(store::StoreWorker& store, const core::Clock& clock,
                             IdentitySettings settings)
    : store_(store), clock_(clock), settings_(std::move(settings)) {}

void Authenticator::authenticate(const Credentials& credentials, Done done) {
  if (credentials.bearer_token) {
    authenticate_token(*credentials.bearer_token, std::move(done));
  } else if (credentials.session_cookie) {
    authenticate_session(*credentials.session_cookie, std::move(done));
  } else {
    done(Caller{});
  }
}

void Authenticator::recheck(const Credentials& credentials, Done done) {
  // Dropped without ending anything: the answer decides that.
  if (credentials.bearer_token && looks_like_secret(*credentials.bearer_token)) {
    cache_.erase("t:" + digest_of(*credentials.bearer_token));
  } else if (credentials.session_cookie && looks_like_secret(*credentials.session_cookie)) {
    cache_.erase("s:" + digest_of(*credentials.session_cookie));
  }
  authenticate(credentials, std::move(done));
}

const Authenticator::Cached* Authenticator::cached(const std::string& key) {
  auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  if (it->second.cached_until_ms <= clock_.now_ms()) {
    cache_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void Authenticator::cache(const std::string& key, Cached entry) {
  if (cache_.size() >= kMaxCachedEntries) cache_.clear();  // crude, but bounded
  cache_[key] = std::move(entry);
}

void Authenticator::authenticate_token(const std::string& token, Done done) {
  if (!looks_like_secret(token)) {
    done(kInvalidToken);
    return;
  }
  const std::string digest = digest_of(token);
  const auto identity_of =
      [digest](const store::TokenRecord& record) -> std::variant<Caller, core::Error> {
    auto name = core::UserName::parse(record.user_name);
    if (!name) return kInvalidToken;
    // A token acts as its account.
    return Caller{Via::token, Identity::account(*name), "t:" + digest, std::nullopt, false, {}};
  };
  if (const Cached* hit = cached("t:" + digest)) {
    done(identity_of(std::get<store::TokenRecord>(hit->record)));
    return;
  }
  store_.run<std::optional<store::TokenRecord>>(
      [digest](store::IdentityStore& store) { return store.find_token(digest); },
      [this, digest, identity_of, issued = generation_,
       done = std::move(done)](store::Result<std::optional<store::TokenRecord>> found) {
        if (!found) return done(kStoreFailed);
        if (ended_since("t:" + digest, issued)) return done(kInvalidToken);
        if (!*found) {
          end("t:" + digest);  // revoked elsewhere: sockets holding it close
          return done(kInvalidToken);
        }
        const auto ttl =
            std::chrono::duration_cast<std::chrono::milliseconds>(settings_.cache_lifetime);
        cache("t:" + digest, Cached{**found, clock_.now_ms() + ttl.count()});
        done(identity_of(**found));
      });
}

void Authenticator::authenticate_session(const std::string& secret, Done done) {
  if (!looks_like_secret(secret)) {
    done(Caller{});
    return;
  }
  const std::string digest = digest_of(secret);
  if (const Cached* hit = cached("s:" + digest)) {
    const auto& session = std::get<store::SessionRecord>(hit->record);
    if (session.expires_ms > clock_.now_ms()) {
      done(caller_for(session));
    } else {
      forget_session(digest);
      done(Caller{});
    }
    return;
  }
  const std::int64_t now = clock_.now_ms();
  store_.run<std::optional<store::SessionRecord>>(
      [digest, now](store::IdentityStore& store) { return store.find_session(digest, now); },
      [this, digest, issued = generation_,
       done = std::move(done)](store::Result<std::optional<store::SessionRecord>> found) {
        if (!found) return done(kStoreFailed);
        // Logged out while this read was under way: it read the session
        // before its delete, and must not cache it again.
        if (ended_since("s:" + digest, issued)) return done(Caller{});
        if (!*found) {
          end("s:" + digest);  // logged out elsewhere, or expired
          return done(Caller{});
        }
        remember(**found);
        done(caller_for(**found));
      });
}

Caller Authenticator::caller_for(store::SessionRecord session) {
  auto name = core::UserName::parse(session.user_name);
  // Every session has an owner since schema 3; one without is not trusted.
  if (!name || session.owner.empty()) return Caller{};
  const std::int64_t now = clock_.now_ms();
  const auto lifetime = lifetime_of(session.guest);
  const auto lifetime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(lifetime).count();
  const auto refresh_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(settings_.session_refresh).count();
  bool extended = false;
  // Sliding expiry, written at most once per refresh interval: the stored
  // expiry runs ahead of "lifetime from now" by up to that interval.
  if (session.expires_ms - now < lifetime_ms) {
    // One more refresh interval, so that a session used now lasts at least
    // its lifetime from now although the next extension is written later.
    session.expires_ms = now + lifetime_ms + refresh_ms;
    extended = true;
    store_.run<bool>(
        [digest = session.id_digest, expires = session.expires_ms](store::IdentityStore& store) {
          auto extended = store.extend_session(digest, expires);
          if (!extended)
            return store::Result<bool>(boost::system::in_place_error, extended.error());
          return store::Result<bool>(true);
        },
        [](store::Result<bool>) {});
    remember(session);
  }
  Identity identity =
      session.guest ? Identity::guest(*name, session.owner) : Identity::account(*name);
  std::string credential = "s:" + session.id_digest;
  return Caller{
      Via::session, std::move(identity), std::move(credential), std::move(session), extended,
      lifetime};
}

void Authenticator::remember(const store::SessionRecord& session) {
  const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.cache_lifetime);
  cache("s:" + session.id_digest, Cached{session, clock_.now_ms() + ttl.count()});
}

void Authenticator::forget_session(const std::string& id_digest) {
  end("s:" + id_digest);
}

void Authenticator::forget_token(const std::string& digest) {
  end("t:" + digest);
}

void Authenticator::end_elsewhere(const std::string& key) {
  cache_.erase(key);
  const std::int64_t now = clock_.now_ms();
  constexpr std::int64_t kRememberEndsMs = 60000;
  if (ended_.size() >= 1024) {
    std::erase_if(ended_,
                  [&](const auto& entry) { return now - entry.second.ended_ms > kRememberEndsMs; });
  }
  ended_[key] = EndedKey{++generation_, now};
}

void Authenticator::end(const std::string& key) {
  end_elsewhere(key);
  if (on_ended_) on_ended_(key);
}

bool Authenticator::ended_since(const std::string& key, std::uint64_t generation) const {
  auto found = ended_.find(key);
  return found != ended_.end() && found->second.generation > generation;
}

}  // namespace parley::auth
