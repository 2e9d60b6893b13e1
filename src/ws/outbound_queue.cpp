#include "ws/outbound_queue.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace parley::transport::ws {

void OutboundQueue::push(core::Frame payload, Framing framing) {
  append(std::move(payload), framing, Origin::live);
}

void OutboundQueue::push_replay_piece(std::span<const core::Frame> frames,
                                      core::MemoryBudget::Lease lease) {
  for (const core::Frame& frame : frames) append(frame, Framing::text_message, Origin::replay);
  replay_lease_ = std::move(lease);
  if (replayed_bytes_ == 0) replay_lease_.release();  // an empty piece
}

void OutboundQueue::append(core::Frame payload, Framing framing, Origin origin) {
  const bool replayed = origin == Origin::replay;
  const std::size_t cost = core::queued_cost(*payload);
  queued_bytes_ += cost;
  if (replayed) replayed_bytes_ += cost;
  const FrameHeader header =
      framing == Framing::text_message ? header_for(Opcode::text, payload->size()) : FrameHeader{};
  entries_.push_back(Entry{std::move(payload), header, replayed});
}

bool OutboundQueue::fits(const std::string& payload) const {
  return queued_bytes_ + core::queued_cost(payload) <= max_bytes_;
}

bool OutboundQueue::has_room_for_ephemeral(const std::string& payload) const {
  return queued_bytes_ + core::queued_cost(payload) <= max_bytes_ / 2;
}

bool OutboundQueue::mark_overflowed() {
  return !std::exchange(overflowed_, true);
}

OutboundQueue::Batch OutboundQueue::next_batch() const {
  Batch batch;
  std::size_t skip = partly_written_;
  for (std::size_t i = head_; i < entries_.size() && batch.count + 2 <= batch.parts.size(); ++i) {
    for (std::string_view part :
         {entries_[i].header.view(), std::string_view(*entries_[i].payload)}) {
      // Empty parts (the header of prebuilt bytes) and what went out already
      // are left out.
      if (skip >= part.size()) {
        skip -= part.size();
        continue;
      }
      batch.parts[batch.count++] = part.substr(skip);
      skip = 0;
    }
  }
  return batch;
}

OutboundQueue::Written OutboundQueue::mark_written(std::size_t bytes) {
  Written written;
  bytes += partly_written_;
  while (head_ < entries_.size()) {
    Entry& front = entries_[head_];
    const std::size_t size = front.header.size + front.payload->size();
    if (bytes < size) break;
    bytes -= size;
    forget(front);
    if (front.replayed && replayed_bytes_ == 0) {
      replay_lease_.release();
      written.finished_replay_piece = true;
    }
    front.payload.reset();
    ++head_;
    first_written_ = true;
  }
  partly_written_ = bytes;
  // A queue that never empties (a reader exactly as slow as its room) must
  // not grow by the entries written.
  if (head_ >= 64 && head_ * 2 >= entries_.size()) {
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  reset_if_written();
  return written;
}

void OutboundQueue::drop_unsent() {
  std::size_t keep = head_ + (partly_written_ > 0 ? 1 : 0);
  if (!first_written_) keep = std::max<std::size_t>(keep, 1);
  keep = std::min(keep, entries_.size());
  for (auto entry = entries_.begin() + static_cast<std::ptrdiff_t>(keep); entry != entries_.end();
       ++entry) {
    forget(*entry);
  }
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(keep), entries_.end());
  reset_if_written();
}

void OutboundQueue::clear() {
  entries_.clear();
  head_ = 0;
  partly_written_ = 0;
  queued_bytes_ = 0;
  replayed_bytes_ = 0;
  replay_lease_.release();
}

void OutboundQueue::forget(const Entry& entry) {
  const std::size_t cost = core::queued_cost(*entry.payload);
  queued_bytes_ -= cost;
  if (entry.replayed) replayed_bytes_ -= cost;
}

void OutboundQueue::reset_if_written() {
  if (has_unsent()) return;
  head_ = 0;
  partly_written_ = 0;
  if (entries_.capacity() > 16) {
    std::vector<Entry>().swap(entries_);
  } else {
    entries_.clear();
  }
}

}  // namespace parley::transport::ws
