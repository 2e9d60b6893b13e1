// Hashes and verifies passwords with argon2id (libsodium crypto_pwhash) on a
// small pool of threads of its own, so neither the I/O thread nor the store
// waits for them. Answers are posted to the I/O executor. Any thread.
//
// The queue is bounded: a caller reserves a place (try_reserve) before doing
// any work for a request, and the place goes with the job. A job whose client
// went away before a thread reached it is skipped, not hashed.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::auth {

struct PasswordCost {
  // libsodium's "interactive" limits by default: about 64 MiB and 2 passes.
  unsigned long long operations;
  std::size_t memory_bytes;

  static PasswordCost interactive();
};

inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// Why `password` cannot be an account's (nullopt: it can): the rule of
// registrations, and of parley admin.
std::optional<std::string> password_refusal(std::string_view password);

// Hashes `password` with argon2id on the calling thread, for parley admin
// (the server hashes on its pool: PasswordHasher); nullopt when it cannot
// (out of memory).
std::optional<std::string> hash_password(const std::string& password, const PasswordCost& cost);

// Set (on the I/O thread) when the client that asked has gone; a job that has
// not started by then is skipped. A null flag is never set.
using ClientGone = std::shared_ptr<std::atomic<bool>>;

enum class Verdict { matches, does_not_match, skipped };

struct Hashed {
  enum class Status { hashed, failed, skipped };  // failed: out of memory
  Status status = Status::failed;
  std::string encoded;  // when hashed
};

class PasswordHasher {
 public:
  // One place in the queue (a job queued or running). Released when the job
  // ends, or when the caller drops it without starting one. Any thread.
  class Slot {
   public:
    Slot(Slot&& other) noexcept = default;
    Slot& operator=(Slot&& other) noexcept;
    ~Slot() { release(); }
    void release();

   private:
    friend class PasswordHasher;
    explicit Slot(std::shared_ptr<std::atomic<std::size_t>> jobs) : jobs_(std::move(jobs)) {}
    std::shared_ptr<std::atomic<std::size_t>> jobs_;
  };

  // At most `max_jobs` jobs queued and running at once (at least 1).
  PasswordHasher(boost::asio::any_io_executor reply_to, std::size_t threads, std::size_t max_jobs,
                 PasswordCost cost);
  ~PasswordHasher();

  // A place for one job, or nullopt when the queue is full (counted as
  // refused in the metrics).
  std::optional<Slot> try_reserve();
  // Jobs queued and running now.
  std::size_t jobs() const { return jobs_->load(std::memory_order_relaxed); }

  void hash(Slot slot, std::string password, ClientGone gone, std::function<void(Hashed)> done);

  // `done` gets whether `password` matches `encoded_hash`. With no hash (an
  // unknown account) a dummy is verified, so the answer takes as long.
  void verify(Slot slot, std::string password, std::optional<std::string> encoded_hash,
              ClientGone gone, std::function<void(Verdict)> done);

  void stop();

 private:
  boost::asio::any_io_executor reply_to_;
  std::size_t max_jobs_;
  // Shared with the slots, which may outlive this (held by a queued store job).
  std::shared_ptr<std::atomic<std::size_t>> jobs_;
  PasswordCost cost_;
  std::string dummy_hash_;
  boost::asio::thread_pool pool_;  // last: its jobs go before the members they use
};

}  // namespace parley::auth
