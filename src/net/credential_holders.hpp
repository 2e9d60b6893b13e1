// What relies on each credential: the open WebSockets and waiting long polls
// that authenticated with a session or token, by its key ("s:" + session
// digest, "t:" + token digest; never a secret). When the credential ends
// (logout, revocation, expiry), everything held under it is ended at once.
// I/O thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace parley::transport {

class CredentialHolders {
 public:
  using Id = std::uint64_t;

  // Holds `on_end` under `credential` until released or ended; returns its
  // id for release(). An empty credential holds nothing (0).
  Id hold(const std::string& credential, std::function<void()> on_end);
  void release(const std::string& credential, Id id);
  // Runs the `on_end` of everything held under `credential`, each once; they
  // are released first, so an `on_end` may release or hold freely.
  void end(const std::string& credential);

  std::size_t size() const { return count_; }
  // Lets go of everything held, ending nothing (before the io_context goes).
  void clear() {
    held_.clear();
    count_ = 0;
  }

 private:
  std::unordered_map<std::string, std::unordered_map<Id, std::function<void()>>> held_;
  Id next_id_ = 1;
  std::size_t count_ = 0;
};

}  // namespace parley::transport
