// ChatService, the side of room access: who may be in a room, and what
// happens on every node when someone loses access to one.
#include <unordered_set>

#include "core/room_access.hpp"
#include "protocol/server_frame.hpp"
#include "service/chat_service.hpp"

namespace parley::service {

using core::ErrorCode;

namespace {
Refusal no_such_room() {
  return Refusal{ErrorCode::not_found, "no such room"};
}
}  // namespace

void ChatService::admit(const core::Identity& viewer, const core::RoomName& room, bool create,
                        Admitted admitted) {
  admit_attempt(viewer, room, create, std::move(admitted), 1);
}

void ChatService::admit_attempt(const core::Identity& viewer, const core::RoomName& room,
                                bool create, Admitted admitted, int attempt) {
  constexpr int kMostAttempts = 5;
  if (core::Room* open = hub_.find(room); open != nullptr && !open->is_restricted()) {
    return admitted(open);
  }
  if (attempt > kMostAttempts) {
    return admitted(
        Refusal{ErrorCode::rate_limited, "the room's members are changing; try again", 1});
  }
  const std::uint64_t losses_before = access_losses_of(room.key());
  store_.run<std::optional<store::RoomRecord>>(
      [viewer, room, create](store::MessageStore& store) {
        return store.enter_room(room, viewer, create);
      },
      [this, viewer, room, create, losses_before, attempt,
       admitted = std::move(admitted)](store::Result<std::optional<store::RoomRecord>> seen) {
        if (!seen) return admitted(Refusal{ErrorCode::internal, "the store cannot answer now"});
        if (!*seen) return admitted(no_such_room());
        open_room(room, [this, viewer, room, create, losses_before, attempt,
                         admitted = std::move(admitted)](core::Room* open) {
          if (open == nullptr) {
            return admitted(Refusal{ErrorCode::internal, "the room cannot be opened"});
          }
          // Someone lost access somewhere while the store answered: the
          // answer may predate it, so it is asked again.
          if (open->is_restricted() && access_losses_of(room.key()) != losses_before) {
            return admit_attempt(viewer, room, create, std::move(admitted), attempt + 1);
          }
          admitted(open);
        });
      });
}

void ChatService::may_see(const core::Identity* viewer, const core::RoomName& room,
                          std::function<void(bool)> answer) {
  if (core::Room* open = hub_.find(room); open != nullptr && !open->is_restricted()) {
    return answer(true);
  }
  std::optional<core::Identity> who;
  if (viewer != nullptr) who = *viewer;
  store_.run<bool>(
      [who, room](store::MessageStore& store) -> store::Result<bool> {
        if (who) {
          auto seen = store.enter_room(room, *who, false);
          if (!seen) return {boost::system::in_place_error, seen.error()};
          if (*seen) return true;
        }
        if (core::is_reserved_room_name(room)) return false;
        // A restricted room always has someone with access (its owner, its
        // two people); a room nobody has is not created yet.
        auto access = store.list_access(room);
        if (!access) return {boost::system::in_place_error, access.error()};
        return access->empty();
      },
      // A store that cannot answer shows the page, which asks again over
      // the API and is refused there.
      [answer = std::move(answer)](store::Result<bool> seen) { answer(!seen || *seen); });
}

void ChatService::refuse_outside(const ConnectionPtr& connection, const core::RoomName& room,
                                 const std::optional<std::string>& id, std::string message) {
  const core::Room* open = hub_.find(room);
  if (open != nullptr && !open->is_restricted()) {
    return connection->send(protocol::encode_error(ErrorCode::not_joined, message, id));
  }
  std::weak_ptr<Connection> weak = connection;
  may_see(&connection->identity(), room, [weak, id, message = std::move(message)](bool seen) {
    if (auto connection = weak.lock()) {
      connection->send(seen ? protocol::encode_error(ErrorCode::not_joined, message, id)
                            : protocol::encode_error(ErrorCode::not_found, "no such room", id));
    }
  });
}

void ChatService::announce_access_lost(const std::string& room_name, const std::string& user_key) {
  bus::Event event(bus::EventKind::access_lost, core::fold_case(room_name));
  event.identity = core::account_id_of(user_key);
  event.frame = protocol::encode_removed(room_name);
  bus_.publish(std::move(event));
}

void ChatService::on_access_lost(const bus::Event& event) {
  cut_off(event.room, event.identity, event.frame);
}

void ChatService::recheck_restricted_rooms() {
  for (const auto& [key, room] : hub_.rooms()) {
    if (room->is_restricted()) recheck_access(room->name());
  }
}

void ChatService::recheck_access(const core::RoomName& room) {
  store_.run<std::vector<std::string>>(
      [room](store::MessageStore& store) { return store.list_access(room); },
      [this, room](store::Result<std::vector<std::string>> holders) {
        core::Room* open = hub_.find(room);
        if (!holders || open == nullptr || !open->is_restricted()) return;
        std::unordered_set<std::string> allowed;
        for (const std::string& name : *holders)
          allowed.insert(core::account_id_of(core::fold_case(name)));
        const core::Frame removed = protocol::encode_removed(open->name().text());
        for (const auto& [identity, user] : open->users()) {
          if (!allowed.contains(identity)) cut_off(room.key(), identity, removed);
        }
      });
}

void ChatService::cut_off(const std::string& room_key, const std::string& identity,
                          const core::Frame& frame) {
  ++access_losses_of(room_key);
  auto found = connections_by_identity_.find(identity);
  if (found != connections_by_identity_.end()) {
    // Copied: leaving may end a connection's entry.
    const std::vector<Connection*> connections = found->second;
    core::Room* room = hub_.find_by_key(room_key);
    for (Connection* connection : connections) {
      if (room != nullptr && room->is_member(*connection)) {
        hub_.leave(*room, *connection,
                   [&](core::Room& left, const core::Room::LeaveResult& result) {
                     if (result.last_of_user)
                       announce_presence(left, connection->identity(), false);
                   });
        room = hub_.find_by_key(room_key);  // closed once its last member left
      }
      // Every connection hears it, in the room or not: a list of rooms drops it.
      connection->send(frame);
    }
  }
  for (const auto& listener : access_lost_listeners_) listener(room_key, identity);
}

}  // namespace parley::service
