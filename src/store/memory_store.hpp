// A Store in memory, with the same semantics as the SQL stores; for tests and
// for runs that need no history. One thread at a time, like every Store.
#pragma once

#include <map>
#include <unordered_map>

#include "store/store.hpp"

namespace parley::store {

class MemoryStore final : public Store {
 public:
  Result<RoomRecord> open_room(const core::RoomName& room) override;
  Result<std::vector<Appended>> append_batch(std::span<const AppendRequest> requests,
                                             std::int64_t now_ms) override;
  Result<std::vector<StoredMessage>> read_range(const core::RoomName& room, std::uint64_t after,
                                                std::uint64_t up_to, std::size_t limit) override;
  Result<std::vector<RoomRecord>> list_rooms(std::size_t limit) override;
  Result<void> check() override { return {}; }

 private:
  struct RoomData {
    RoomRecord record;
    std::int64_t last_active = 0;
    std::vector<StoredMessage> messages;  // messages[i].seq == i + 1
    std::map<std::pair<std::string, std::string>, std::uint64_t> seq_by_user_and_id;
  };
  RoomData& room_data(const core::RoomName& room);

  std::unordered_map<std::string, RoomData> rooms_;  // by room key
};

}  // namespace parley::store
