#include "store/memory_store.hpp"

#include <algorithm>

namespace parley::store {

MemoryStore::RoomData& MemoryStore::room_data(const core::RoomName& room) {
  auto [it, inserted] = rooms_.try_emplace(room.key());
  if (inserted) it->second.record.name = room.text();
  return it->second;
}

Result<RoomRecord> MemoryStore::open_room(const core::RoomName& room) {
  return room_data(room).record;
}

Result<std::vector<Appended>> MemoryStore::append_batch(std::span<const AppendRequest> requests,
                                                        std::int64_t now_ms) {
  std::vector<Appended> results;
  results.reserve(requests.size());
  for (const AppendRequest& request : requests) {
    RoomData& data = room_data(request.room);
    auto [seen, fresh] =
        data.seq_by_user_and_id.try_emplace({request.user.key(), request.client_id}, 0);
    if (!fresh) {
      const StoredMessage& first = data.messages[seen->second - 1];
      results.push_back({data.record.name, first.seq, first.ts, true});
      continue;
    }
    const std::uint64_t seq = ++data.record.last_seq;
    seen->second = seq;
    data.last_active = now_ms;
    data.messages.push_back({seq, now_ms, request.user.text(), request.text, request.client_id});
    results.push_back({data.record.name, seq, now_ms, false});
  }
  return results;
}

Result<std::vector<StoredMessage>> MemoryStore::read_range(const core::RoomName& room,
                                                           std::uint64_t after,
                                                           std::uint64_t up_to,
                                                           std::size_t limit) {
  auto it = rooms_.find(room.key());
  if (it == rooms_.end()) return std::vector<StoredMessage>{};
  const auto& messages = it->second.messages;
  const std::uint64_t last = std::min<std::uint64_t>(up_to, messages.size());
  if (after >= last) return std::vector<StoredMessage>{};
  const std::uint64_t first = std::max<std::uint64_t>(after, last - std::min<std::uint64_t>(last, limit));
  return std::vector<StoredMessage>(messages.begin() + static_cast<std::ptrdiff_t>(first),
                                    messages.begin() + static_cast<std::ptrdiff_t>(last));
}

Result<std::vector<RoomRecord>> MemoryStore::list_rooms(std::size_t limit) {
  std::vector<const RoomData*> ordered;
  for (const auto& [key, data] : rooms_) ordered.push_back(&data);
  std::sort(ordered.begin(), ordered.end(), [](const RoomData* a, const RoomData* b) {
    return a->last_active > b->last_active;
  });
  std::vector<RoomRecord> records;
  for (std::size_t i = 0; i < ordered.size() && i < limit; ++i) records.push_back(ordered[i]->record);
  return records;
}

}  // namespace parley::store
