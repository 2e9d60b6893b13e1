// MemoryStore, the HistoryArchive side: export, import and retention.
#include <algorithm>

#include "store/memory_store.hpp"

namespace parley::store {

Result<std::vector<ArchivedRoom>> MemoryStore::list_archived_rooms(const std::string& after_key,
                                                                   std::size_t limit) {
  std::vector<const std::string*> keys;
  for (const auto& [key, data] : rooms_) {
    if (key > after_key) keys.push_back(&key);
  }
  std::sort(keys.begin(), keys.end(), [](const auto* a, const auto* b) { return *a < *b; });
  if (keys.size() > limit) keys.resize(limit);
  std::vector<ArchivedRoom> rooms;
  for (const std::string* key : keys) {
    const RoomData& data = rooms_.at(*key);
    ArchivedRoom room{data.record.name, data.record.kind, data.record.owner, data.record.last_seq,
                      data.trimmed,     data.created_ms,  data.last_active};
    for (const auto& [user_key, name] : data.access) room.access.push_back({name, 0});
    rooms.push_back(std::move(room));
  }
  return rooms;
}

Result<bool> MemoryStore::import_room(const ArchivedRoom& room) {
  auto name = core::RoomName::parse(room.name);
  if (!name)
    return Result<bool>(boost::system::in_place_error, boost::system::errc::make_error_code(
                                                           boost::system::errc::invalid_argument));
  if (rooms_.contains(name->key())) return false;
  RoomData& data = room_data(*name);
  data.record.kind = room.kind;
  data.record.owner = room.owner;
  if (auto owner = core::UserName::parse(room.owner)) data.owner_key = owner->key();
  data.record.last_seq = room.trimmed_seq;
  data.trimmed = room.trimmed_seq;
  data.created_ms = room.created_ms;
  data.last_active = room.last_active_ms;
  latest_activity_ = std::max(latest_activity_, room.last_active_ms);
  for (const AccessHolder& holder : room.access) {
    if (auto user = core::UserName::parse(holder.user)) {
      data.access.emplace_back(user->key(), holder.user);
    }
  }
  return true;
}

Result<void> MemoryStore::import_events(const core::RoomName& room,
                                        std::span<const StoredMessage> events) {
  auto found = rooms_.find(room.key());
  const auto invalid = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  if (found == rooms_.end()) return invalid;
  RoomData& data = found->second;
  // Checked whole first: nothing is stored of a batch that is refused.
  std::uint64_t expected = data.record.last_seq + 1;
  for (const StoredMessage& event : events) {
    if (event.seq != expected++) return invalid;
    if (data.seq_by_author_and_id.contains({event.author_id, event.client_id})) return invalid;
  }
  for (const StoredMessage& event : events) {
    data.messages.push_back(event);
    data.messages.back().reactions.clear();
    data.seq_by_author_and_id.emplace(std::pair{event.author_id, event.client_id}, event.seq);
    data.record.last_seq = event.seq;
    // Texts are final already: only the reactions are set again.
    if (event.kind == core::EventKind::reaction) {
      data.reactions[{event.target, event.author_id, event.emoji}] = {{event.on, event.seq},
                                                                      event.user};
    } else if (event.kind == core::EventKind::deletion) {
      std::erase_if(data.reactions,
                    [&](const auto& entry) { return std::get<0>(entry.first) == event.target; });
    }
  }
  return {};
}

Result<RetentionBatch> MemoryStore::trim_history(const RetentionPolicy& policy,
                                                 const RetentionCursor& from, std::int64_t now_ms) {
  RetentionBatch batch;
  batch.next = from;
  std::vector<std::string> keys;
  for (const auto& [key, data] : rooms_) {
    if (key > from.after_key) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  if (keys.size() > policy.rooms_per_scan)
    keys.resize(policy.rooms_per_scan);
  else
    batch.next.done = true;
  for (const std::string& key : keys) {
    RoomData& data = rooms_.at(key);
    std::uint64_t target = data.trimmed;
    if (policy.max_events != 0 && data.record.last_seq > policy.max_events) {
      target = std::max(target, data.record.last_seq - policy.max_events);
    }
    if (policy.max_age_ms != 0) {
      for (const StoredMessage& event : data.messages) {
        if (event.ts >= now_ms - policy.max_age_ms || event.seq >= data.record.last_seq) break;
        target = std::max(target, event.seq);
      }
    }
    const std::size_t room_left = policy.batch_rows - batch.removed;
    const bool cut_short = target - data.trimmed > room_left;
    if (cut_short) target = data.trimmed + room_left;
    const auto count = static_cast<std::ptrdiff_t>(target - data.trimmed);
    data.messages.erase(data.messages.begin(), data.messages.begin() + count);
    std::erase_if(data.reactions,
                  [&](const auto& entry) { return std::get<0>(entry.first) <= target; });
    batch.removed += static_cast<std::size_t>(count);
    data.trimmed = target;
    if (cut_short) {
      batch.next.done = false;  // this room again, next time
      return batch;
    }
    batch.next.after_key = key;
  }
  return batch;
}

Result<std::uint64_t> MemoryStore::trimmed_seq(const core::RoomName& room) {
  auto found = rooms_.find(room.key());
  return found == rooms_.end() ? 0 : found->second.trimmed;
}

}  // namespace parley::store
