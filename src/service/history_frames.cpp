#include "service/history_frames.hpp"

#include "protocol/server_frame.hpp"

namespace parley::service {

namespace {
// Entries added between sweeps of those whose frames are gone.
constexpr std::size_t kSweepEvery = 4096;
}  // namespace

core::Frame HistoryFrames::encode(std::string_view room, const store::StoredMessage& message) {
  protocol::MessageView view{room,         message.seq,       message.ts,   message.user,
                             message.text, message.client_id, message.guest};
  view.kind = message.kind;
  view.target = message.target;
  view.reply_to = message.reply_to;
  view.emoji = message.emoji;
  view.on = message.on;
  view.edited_ts = message.edited_ts;
  view.deleted = message.deleted;
  view.reactions = &message.reactions;
  return protocol::encode_message(view);
}

core::Frame HistoryFrames::frame_of(std::string_view room, const store::StoredMessage& message) {
  auto& slot = rooms_[core::fold_case(room)][message.seq];
  if (core::Frame held = slot.lock()) return held;
  core::Frame frame = encode(room, message);
  slot = frame;
  if (++inserted_since_sweep_ >= kSweepEvery) sweep();
  return frame;
}

std::vector<core::Frame> HistoryFrames::held_after(std::string_view room, std::uint64_t after,
                                                   std::uint64_t up_to,
                                                   std::size_t max_bytes) const {
  std::vector<core::Frame> frames;
  auto found = rooms_.find(core::fold_case(room));
  if (found == rooms_.end()) return frames;
  std::size_t bytes = 0;
  for (std::uint64_t seq = after + 1; seq <= up_to; ++seq) {
    auto entry = found->second.find(seq);
    if (entry == found->second.end()) break;
    core::Frame frame = entry->second.lock();
    if (!frame) break;
    bytes += core::queued_cost(*frame);
    if (!frames.empty() && bytes > max_bytes) break;
    frames.push_back(std::move(frame));
  }
  return frames;
}

void HistoryFrames::forget(const std::string& room_key, std::uint64_t seq) {
  if (auto found = rooms_.find(room_key); found != rooms_.end()) found->second.erase(seq);
}

void HistoryFrames::forget_room(const std::string& room_key) {
  rooms_.erase(room_key);
}

std::size_t HistoryFrames::size() const {
  std::size_t entries = 0;
  for (const auto& [room, seqs] : rooms_) entries += seqs.size();
  return entries;
}

void HistoryFrames::sweep() {
  inserted_since_sweep_ = 0;
  for (auto room = rooms_.begin(); room != rooms_.end();) {
    std::erase_if(room->second, [](const auto& entry) { return entry.second.expired(); });
    room = room->second.empty() ? rooms_.erase(room) : std::next(room);
  }
}

}  // namespace parley::service
