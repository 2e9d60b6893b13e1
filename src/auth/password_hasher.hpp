// Hashes and verifies passwords with argon2id (libsodium crypto_pwhash) on a
// small pool of threads of its own, so neither the I/O thread nor the store
// waits for them. Answers are posted to the I/O executor. Any thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace parley::auth {

struct PasswordCost {
  // libsodium's "interactive" limits by default: about 64 MiB and 2 passes.
  unsigned long long operations;
  std::size_t memory_bytes;

  static PasswordCost interactive();
};

inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

class PasswordHasher {
 public:
  PasswordHasher(boost::asio::any_io_executor reply_to, std::size_t threads, PasswordCost cost);
  ~PasswordHasher();

  // `done` gets the encoded hash, or nullopt when hashing failed (out of memory).
  void hash(std::string password, std::function<void(std::optional<std::string>)> done);

  // `done` gets whether `password` matches `encoded_hash`. With no hash (an
  // unknown account) a dummy is verified, so the answer takes as long.
  void verify(std::string password, std::optional<std::string> encoded_hash,
              std::function<void(bool)> done);

  void stop();

 private:
  boost::asio::any_io_executor reply_to_;
  boost::asio::thread_pool pool_;
  PasswordCost cost_;
  std::string dummy_hash_;
};

}  // namespace parley::auth
