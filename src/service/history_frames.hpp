// Message frames read from history, shared by every replay and page that
// reads the same message while another still holds it: a hundred clients
// replaying one room hold its history once, not a hundred times. The cache
// owns nothing (weak references), so it never keeps a frame alive. I/O thread
// only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/member.hpp"
#include "store/store.hpp"

namespace parley::service {

class HistoryFrames {
 public:
  // The frame of `message` in the room shown as `room`: the one still held
  // elsewhere, or a new one.
  core::Frame frame_of(std::string_view room, const store::StoredMessage& message);
  // The frames still held of the messages after `after`, in seq order, as
  // long as they run without a gap, up to `max_bytes` (at least one): a
  // replay's next piece without a store read when others hold it.
  // The frame of `message` as read in a final view (with its reactions):
  // never shared, since the message may change.
  static core::Frame encode(std::string_view room, const store::StoredMessage& message);
  // The message `seq` of the room with this key changed (an edit, delete or
  // reaction of it was released): its held frame is stale, and a deleted
  // text must not be served again.
  void forget(const std::string& room_key, std::uint64_t seq);
  // A message of the room with this key was deleted: its text must not be
  // served again, and the held frames of its edits show it too. Which frames
  // those are only their bytes tell, so every frame held of the room goes
  // (deletes are rare; later replays read the store instead).
  void forget_room(const std::string& room_key);
  std::vector<core::Frame> held_after(std::string_view room, std::uint64_t after,
                                      std::uint64_t up_to, std::size_t max_bytes) const;
  std::size_t size() const;

 private:
  using Seqs = std::unordered_map<std::uint64_t, std::weak_ptr<const std::string>>;
  void sweep();

  std::unordered_map<std::string, Seqs> rooms_;  // by room key
  std::size_t inserted_since_sweep_ = 0;
};

}  // namespace parley::service
