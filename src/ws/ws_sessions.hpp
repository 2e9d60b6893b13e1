// Every open WebSocket session of this node: shutdown closes each, a tick once
// a second drives their deadlines, and the writes queued during one I/O turn
// go out together at its end (a fan-out, then one flush per socket).
// I/O thread only.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <unordered_set>
#include <vector>

namespace parley::transport {

class WsSession;

class WsSessions {
 public:
  void add(WsSession* session) { open_.insert(session); }
  void remove(WsSession* session) { open_.erase(session); }
  bool empty() const { return open_.empty(); }
  std::size_t size() const { return open_.size(); }
  std::vector<WsSession*> all() const { return {open_.begin(), open_.end()}; }
  // What waits in the sockets' queues now, summed and at most (for /metrics).
  struct Queued {
    std::size_t total_bytes = 0;
    std::size_t largest_bytes = 0;
  };
  Queued queued() const;

  // Flushes `session` once the handler running now has returned.
  void flush_later(std::shared_ptr<WsSession> session);
  void tick();
  // Lets go of the sessions waiting for a flush, before the io_context that
  // their sockets belong to is destroyed.
  void drop_pending_flushes() { to_flush_.clear(); }

  // Where every session reads: one I/O thread, so one buffer serves them
  // all and an idle connection holds none.
  std::span<char> read_buffer() { return read_buffer_; }

 private:
  void flush_all();

  std::unordered_set<WsSession*> open_;
  std::vector<std::shared_ptr<WsSession>> to_flush_;
  std::vector<std::shared_ptr<WsSession>> flushing_;
  std::vector<char> read_buffer_ = std::vector<char>(64 * 1024);
};

}  // namespace parley::transport
