#include "auth/password_hasher.hpp"

#include <sodium.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "auth/secrets.hpp"

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

}  // namespace

PasswordCost PasswordCost::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordHasher::PasswordHasher(boost::asio::any_io_executor reply_to, std::size_t threads,
                               PasswordCost cost)
    : reply_to_(std::move(reply_to)), pool_(threads), cost_(cost) {
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

void PasswordHasher::hash(std::string password,
                          std::function<void(std::optional<std::string>)> done) {
  boost::asio::post(pool_, [this, password = std::move(password),
                            done = std::move(done)]() mutable {
    auto encoded = hash_now(password, cost_);
    sodium_memzero(password.data(), password.size());
    boost::asio::post(reply_to_, [done = std::move(done), encoded = std::move(encoded)]() mutable {
      done(std::move(encoded));
    });
  });
}

void PasswordHasher::verify(std::string password, std::optional<std::string> encoded_hash,
                            std::function<void(bool)> done) {
  boost::asio::post(
      pool_, [this, password = std::move(password), encoded_hash = std::move(encoded_hash),
              done = std::move(done)]() mutable {
        const std::string& against = encoded_hash ? *encoded_hash : dummy_hash_;
        const bool matches =
            crypto_pwhash_str_verify(against.c_str(), password.data(), password.size()) == 0 &&
            encoded_hash.has_value();
        sodium_memzero(password.data(), password.size());
        boost::asio::post(reply_to_, [done = std::move(done), matches] { done(matches); });
      });
}

}  // namespace parley::auth
