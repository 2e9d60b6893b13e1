// The use cases of rooms as things people own: create a room, describe it,
// invite to a private room and remove from it, and open a direct
// conversation. The store applies the rules (core/room_access.hpp) in its
// transaction; this tells the people concerned on every node. I/O thread
// only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bus/bus.hpp"
#include "core/clock.hpp"
#include "service/chat_service.hpp"
#include "service/refusal.hpp"
#include "store/store_worker.hpp"

namespace parley::service {

// A room as GET /api/rooms/R shows it.
struct RoomInfo {
  std::string name;  // as first written
  bool is_private = false;
  std::optional<std::string> owner;
  std::uint64_t last_seq = 0;
  // A restricted room: everyone with access; a public one: the users online.
  std::vector<std::string> members;
};

struct DirectConversation {
  std::string room;
  std::string with;  // the other account's name as registered
};

class RoomsService {
 public:
  template <class T>
  using Done = std::function<void(Outcome<T>)>;

  RoomsService(ChatService& chat, store::StoreWorker& store, bus::Bus& bus,
               const core::Clock& clock);

  // A new room owned by `creator`: private ones need an account (forbidden
  // for a guest); conflict when the name is taken, bad_request when it is
  // reserved. A guest's public room has no owner.
  void create(const core::Identity& creator, const core::RoomName& room, bool is_private,
              Done<RoomInfo> done);
  // not_found when the room does not exist or is closed to `viewer`;
  // creates nothing.
  void describe(const core::Identity& viewer, const core::RoomName& room, Done<RoomInfo> done);
  // The owner gives `user` access; every connection of `user` hears of it.
  void invite(const core::Identity& actor, const core::RoomName& room, const core::UserName& user,
              Done<std::monostate> done);
  // The owner takes `user`'s access, or a member leaves (user == actor);
  // the user's connections on every node leave the room at once.
  void remove(const core::Identity& actor, const core::RoomName& room, const core::UserName& user,
              Done<std::monostate> done);
  // The direct conversation of `caller` and `user`, opened if new (then
  // every connection of `user` hears of it, as of an invitation by
  // `caller`). Guests have none (forbidden), `user` must have an account
  // (not_found).
  void open_direct(const core::Identity& caller, const core::UserName& user,
                   Done<DirectConversation> done);

 private:
  // Adds what only this node knows (who is online, the last seq released)
  // to a room as the store described it.
  void finish_description(RoomInfo info, Done<RoomInfo> done);

  ChatService& chat_;
  store::StoreWorker& store_;
  bus::Bus& bus_;
  const core::Clock& clock_;
};

}  // namespace parley::service
