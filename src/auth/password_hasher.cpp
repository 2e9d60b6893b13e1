#include "auth/password_hasher.hpp"

#include <sodium.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "auth/secrets.hpp"
#include "obs/metrics.hpp"

namespace parley::auth {

namespace {

std::optional<std::string> hash_now(const std::string& password, const PasswordCost& cost) {
  char encoded[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(encoded, password.data(), password.size(), cost.operations,
                            cost.memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return std::nullopt;
  }
  return std::string(encoded);
}

// Checked just before the work: a client that left while the job waited
// costs no hash.
bool has_gone(const ClientGone& gone) {
  return gone && gone->load(std::memory_order_acquire);
}

}  // namespace

std::optional<std::string> password_refusal(std::string_view password) {
  if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    return "a password has 8 to 1024 bytes";
  }
  return std::nullopt;
}

std::optional<std::string> hash_password(const std::string& password, const PasswordCost& cost) {
  if (sodium_init() < 0) return std::nullopt;
  return hash_now(password, cost);
}

PasswordCost PasswordCost::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordHasher::Slot& PasswordHasher::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    jobs_ = std::move(other.jobs_);
  }
  return *this;
}

void PasswordHasher::Slot::release() {
  if (jobs_) std::exchange(jobs_, nullptr)->fetch_sub(1, std::memory_order_relaxed);
}

PasswordHasher::PasswordHasher(boost::asio::any_io_executor reply_to, std::size_t threads,
                               std::size_t max_jobs, PasswordCost cost)
    : reply_to_(std::move(reply_to)),
      max_jobs_(std::max<std::size_t>(1, max_jobs)),
      jobs_(std::make_shared<std::atomic<std::size_t>>(0)),
      cost_(cost),
      pool_(threads) {
  auto dummy = hash_now(random_secret(), cost_);
  if (!dummy) throw std::runtime_error("cannot hash passwords: out of memory");
  dummy_hash_ = *dummy;
}

PasswordHasher::~PasswordHasher() {
  stop();
}

void PasswordHasher::stop() {
  pool_.stop();
  pool_.join();
}

std::optional<PasswordHasher::Slot> PasswordHasher::try_reserve() {
  std::size_t taken = jobs_->load(std::memory_order_relaxed);
  do {
    if (taken >= max_jobs_) {
      obs::count(obs::counters().password_jobs_refused);
      return std::nullopt;
    }
  } while (!jobs_->compare_exchange_weak(taken, taken + 1, std::memory_order_relaxed));
  return Slot(jobs_);
}

void PasswordHasher::hash(Slot slot, std::string password, ClientGone gone,
                          std::function<void(Hashed)> done) {
  boost::asio::post(pool_, [this, slot = std::move(slot), password = std::move(password),
                            gone = std::move(gone), done = std::move(done)]() mutable {
    Hashed result{Hashed::Status::skipped, {}};
    if (has_gone(gone)) {
      obs::count(obs::counters().password_jobs_dropped);
    } else {
      auto encoded = hash_now(password, cost_);
      obs::count(obs::counters().password_hashes);
      result = encoded ? Hashed{Hashed::Status::hashed, std::move(*encoded)}
                       : Hashed{Hashed::Status::failed, {}};
    }
    sodium_memzero(password.data(), password.size());
    slot.release();  // before the answer, which may reserve again
    boost::asio::post(reply_to_, [done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  });
}

void PasswordHasher::verify(Slot slot, std::string password,
                            std::optional<std::string> encoded_hash, ClientGone gone,
                            std::function<void(Verdict)> done) {
  boost::asio::post(pool_, [this, slot = std::move(slot), password = std::move(password),
                            encoded_hash = std::move(encoded_hash), gone = std::move(gone),
                            done = std::move(done)]() mutable {
    Verdict verdict = Verdict::skipped;
    if (has_gone(gone)) {
      obs::count(obs::counters().password_jobs_dropped);
    } else {
      const std::string& against = encoded_hash ? *encoded_hash : dummy_hash_;
      const bool matches =
          crypto_pwhash_str_verify(against.c_str(), password.data(), password.size()) == 0 &&
          encoded_hash.has_value();
      obs::count(obs::counters().password_hashes);
      verdict = matches ? Verdict::matches : Verdict::does_not_match;
    }
    sodium_memzero(password.data(), password.size());
    slot.release();
    boost::asio::post(reply_to_, [done = std::move(done), verdict] { done(verdict); });
  });
}

}  // namespace parley::auth
