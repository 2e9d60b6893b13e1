// Open connections, in all and per client address, against their limits
// (--max-connections, --max-connections-per-address). A connection is let in
// with a Slot, which gives its place back when it ends; the Slot moves with
// the socket from the HTTP session to the WebSocket session. No I/O; one
// thread (the I/O thread).
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <variant>

namespace parley::core {

class ConnectionQuota {
 public:
  struct Limits {
    std::size_t total = 0;        // 0: no limit
    std::size_t per_address = 0;  // 0: no limit, and addresses are not counted
  };
  enum class Refusal { total, per_address };

  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept { *this = std::move(other); }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }

   private:
    friend class ConnectionQuota;
    using Entry = std::unordered_map<std::string, std::size_t>::value_type;
    Slot(ConnectionQuota* quota, Entry* entry) : quota_(quota), entry_(entry) {}
    void release();

    ConnectionQuota* quota_ = nullptr;
    Entry* entry_ = nullptr;  // the address's count (map nodes do not move), or none
  };

  explicit ConnectionQuota(Limits limits) : limits_(limits) {}
  ConnectionQuota(const ConnectionQuota&) = delete;
  ConnectionQuota& operator=(const ConnectionQuota&) = delete;

  // A slot for one more connection from `address`, or why there is none.
  std::variant<Slot, Refusal> admit(const std::string& address);

  std::size_t open() const { return open_; }
  std::size_t addresses_counted() const { return per_address_.size(); }
  const Limits& limits() const { return limits_; }

 private:
  void release(Slot::Entry* entry);

  Limits limits_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;  // only addresses with one open
};

}  // namespace parley::core
