#include "core/hub.hpp"

#include <algorithm>
#include <utility>

namespace parley::core {

Room* Hub::find(const RoomName& name) {
  return find_by_key(name.key());
}

Room* Hub::find_by_key(const std::string& key) {
  return const_cast<Room*>(std::as_const(*this).find_by_key(key));
}

const Room* Hub::find_by_key(const std::string& key) const {
  auto it = rooms_.find(key);
  return it == rooms_.end() ? nullptr : it->second.get();
}

Room& Hub::open(const RoomName& name, std::uint64_t last_seq) {
  auto [it, inserted] = rooms_.try_emplace(name.key());
  if (inserted) it->second = std::make_unique<Room>(name, last_seq, limits_, on_release_);
  return *it->second;
}

Room::JoinResult Hub::join(Room& room, Member& member, Replay replay) {
  Room::JoinResult result = room.join(member, replay);
  if (!result.was_member) memberships_[&member].push_back(&room);
  return result;
}

void Hub::forget_membership(const Member& member, Room& room) {
  auto it = memberships_.find(&member);
  if (it == memberships_.end()) return;
  std::erase(it->second, &room);
  if (it->second.empty()) memberships_.erase(it);
}

const std::vector<Room*>& Hub::rooms_of(const Member& member) const {
  static const std::vector<Room*> none;
  auto it = memberships_.find(&member);
  return it == memberships_.end() ? none : it->second;
}

void Hub::close_if_empty(Room& room) {
  if (room.is_empty()) rooms_.erase(room.name().key());
}

}  // namespace parley::core
