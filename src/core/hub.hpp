// Every room open in memory, and which rooms each connection is in. The one
// owner of room membership. No I/O; used on the I/O thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/room.hpp"

namespace parley::core {

class Hub {
 public:
  // `on_release` is given to every room (Room::Released).
  explicit Hub(RoomLimits limits = {}, Room::Released on_release = {})
      : limits_(limits), on_release_(std::move(on_release)) {}

  Room* find(const RoomName& name);
  Room* find_by_key(const std::string& key);
  const Room* find_by_key(const std::string& key) const;

  // The room in memory, created with `last_seq` if it was not open. A room
  // already open keeps its own delivered seq, which is never behind the store.
  Room& open(const RoomName& name, std::uint64_t last_seq);

  Room::JoinResult join(Room& room, Member& member, Replay replay);
  // Leaves one room, calling `on_left(room, result)` before the room may close
  // (a room closes when nobody is left).
  template <class OnLeft>
  Room::LeaveResult leave(Room& room, Member& member, OnLeft on_left);
  // Leaves every room, calling `on_left(room, result)` before each room may close.
  template <class OnLeft>
  void leave_all(Member& member, OnLeft on_left);

  // Closes `room` if nobody is in it; `room` must not be used after.
  void close_if_empty(Room& room);

  const std::vector<Room*>& rooms_of(const Member& member) const;
  std::size_t room_count() const { return rooms_.size(); }
  const std::unordered_map<std::string, std::unique_ptr<Room>>& rooms() const { return rooms_; }

 private:
  void forget_membership(const Member& member, Room& room);

  RoomLimits limits_;
  Room::Released on_release_;
  std::unordered_map<std::string, std::unique_ptr<Room>> rooms_;  // by room key
  std::unordered_map<const Member*, std::vector<Room*>> memberships_;
};

template <class OnLeft>
Room::LeaveResult Hub::leave(Room& room, Member& member, OnLeft on_left) {
  const Room::LeaveResult result = room.leave(member);
  if (result.was_member) {
    forget_membership(member, room);
    on_left(room, result);
    close_if_empty(room);
  }
  return result;
}

template <class OnLeft>
void Hub::leave_all(Member& member, OnLeft on_left) {
  auto it = memberships_.find(&member);
  if (it == memberships_.end()) return;
  std::vector<Room*> rooms = std::move(it->second);
  memberships_.erase(it);
  for (Room* room : rooms) {
    const Room::LeaveResult result = room->leave(member);
    on_left(*room, result);
    close_if_empty(*room);
  }
}

}  // namespace parley::core
