// What one WebSocket connection has yet to write: shared frames in order,
// their cost against the connection's bound (--max-queued-bytes), the replay
// piece among them and its share of the server's memory, and how far the
// last write got. Plain logic: the session does the writing and decides what
// to do past the bound. Belongs to one session; I/O thread only.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/member.hpp"
#include "core/memory_budget.hpp"
#include "ws/ws_framing.hpp"

namespace parley::transport::ws {

// How a queued payload reaches the wire.
enum class Framing {
  text_message,  // a text message: a frame header is added in front of it
  prebuilt,      // bytes written as they are (a control frame, the 101 answer)
};

class OutboundQueue {
 public:
  // Frames gathered into one write: enough to empty a burst in one system
  // call, few enough for an array on the stack (two buffers each; Asio
  // passes at most 64 buffers to the system).
  static constexpr std::size_t kFramesPerWrite = 32;

  // What the next write sends: header and payload of each frame in order,
  // less what earlier writes sent. Views into the queue, valid until it
  // changes.
  struct Batch {
    std::array<std::string_view, 2 * kFramesPerWrite> parts;
    std::size_t count = 0;
    std::span<const std::string_view> view() const { return {parts.data(), count}; }
  };

  // What a write took from the queue.
  struct Written {
    // The last byte of the queued replay piece went out: its lease has
    // ended, and the next piece may come.
    bool finished_replay_piece = false;
  };

  // `max_bytes`: the bound on queued_cost summed over what is queued.
  explicit OutboundQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Queues a frame whatever the bound (the bounded callers ask fits() first).
  void push(core::Frame payload, Framing framing);
  // Queues the frames of one piece of a join's replay, holding `lease` (the
  // piece's share of the server's budget) until they are written: at once
  // for an empty piece.
  void push_replay_piece(std::span<const core::Frame> frames, core::MemoryBudget::Lease lease);

  // The hard limit: true when `payload` fits within the bound, everything
  // queued included.
  bool fits(const std::string& payload) const;
  // The soft limit, for frames that may be dropped (typing): true while the
  // queue, `payload` included, stays within half of its bound.
  bool has_room_for_ephemeral(const std::string& payload) const;
  // The client fell too far behind: true the first time only, when the
  // caller closes it (at a safe point, never in the middle of a fan-out).
  bool mark_overflowed();
  bool has_overflowed() const { return overflowed_; }

  // The next write: up to kFramesPerWrite frames from the front.
  Batch next_batch() const;
  // `bytes` of the batch went out: drops the frames written whole, and
  // remembers how far into the next one the write got.
  Written mark_written(std::size_t bytes);
  // For a close that abandons the queue: drops every frame not begun, but
  // keeps one partly written (the peer must get whole frames) and the first
  // frame ever queued until it is out (the 101 answer, without which the
  // client never reads the close frame).
  void drop_unsent();
  // The connection is gone: drops everything and ends the replay's lease.
  void clear();

  bool has_unsent() const { return head_ < entries_.size(); }
  bool has_replay_unwritten() const { return replayed_bytes_ > 0; }
  std::size_t queued_bytes() const { return queued_bytes_; }

 private:
  struct Entry {
    core::Frame payload;
    FrameHeader header;     // size 0 for prebuilt bytes
    bool replayed = false;  // part of the replay piece
  };

  enum class Origin { live, replay };
  void append(core::Frame payload, Framing framing, Origin origin);
  void forget(const Entry& entry);
  // Once everything is written: a burst's worth of entries is kept, an idle
  // connection keeps little.
  void reset_if_written();

  std::size_t max_bytes_;
  // entries_[head_...] wait; `partly_written_` bytes of the first are out.
  // Entries written stay until the queue empties or they are half of it.
  std::vector<Entry> entries_;
  std::size_t head_ = 0;
  std::size_t partly_written_ = 0;
  std::size_t queued_bytes_ = 0;
  std::size_t replayed_bytes_ = 0;          // of queued_bytes_, the replay piece's
  core::MemoryBudget::Lease replay_lease_;  // the piece's share of the server's budget
  bool first_written_ = false;              // the first frame ever queued is out
  bool overflowed_ = false;
};

}  // namespace parley::transport::ws
