// ChatService, the side of read markers: how far each user has read each
// room, shared by the user's connections on every node.
#include "obs/log.hpp"
#include "protocol/server_frame.hpp"
#include "service/chat_service.hpp"

namespace parley::service {

using core::ErrorCode;

bool ChatService::has_read_markers(const core::Identity& identity) {
  // A `?name=` guest ("n:") is only a name for as long as it is connected.
  return identity.id.starts_with("a:") || identity.id.starts_with("g:");
}

void ChatService::connect(Connection& connection) {
  connections_by_identity_[connection.identity().id].push_back(&connection);
}

void ChatService::mark_read(const core::Identity& reader, const core::RoomName& room,
                            std::uint64_t seq, std::weak_ptr<Connection> except, Marked marked) {
  store_.run<std::optional<store::ReadMarker>>(
      [id = reader.id, room, seq](store::MessageStore& store) {
        return store.mark_read(id, room, seq);
      },
      [this, id = reader.id, except = std::move(except),
       marked = std::move(marked)](store::Result<std::optional<store::ReadMarker>> stored) {
        if (stored && *stored) {
          bus::Event event(bus::EventKind::personal);
          event.identity = id;
          event.frame = protocol::encode_read((*stored)->room_name, (*stored)->read_seq);
          event.except = except.lock().get();  // alive through publish(), or null
          bus_.publish(std::move(event));
        }
        marked(std::move(stored));
      });
}

void ChatService::mark_read(const ConnectionPtr& connection, const protocol::ReadCommand& command) {
  if (!has_read_markers(connection->identity())) {
    connection->send(protocol::encode_error(
        ErrorCode::unauthorized, "read markers need an account or a guest session", command.id));
    return;
  }
  mark_read(
      connection->identity(), command.room, command.seq, connection,
      [weak = std::weak_ptr<Connection>(connection),
       id = command.id](store::Result<std::optional<store::ReadMarker>> stored) {
        auto connection = weak.lock();
        if (!connection || (stored && *stored)) return;
        connection->send(
            stored ? protocol::encode_error(ErrorCode::not_found, "no such room", id)
                   : protocol::encode_error(ErrorCode::internal, "the marker was not stored", id));
      });
}

void ChatService::list_reading(const core::Identity& reader, Readings readings) {
  constexpr std::size_t kMostRooms = 500;
  store_.run<std::vector<store::RoomReading>>(
      [reader](store::MessageStore& store) { return store.list_reading(reader, kMostRooms); },
      std::move(readings));
}

void ChatService::note_reader(const core::Identity& reader, const core::RoomName& room) {
  if (!has_read_markers(reader)) return;
  store_.run<std::optional<store::ReadMarker>>(
      [id = reader.id, room](store::MessageStore& store) {
        return store.mark_read(id, room, std::nullopt);
      },
      [](store::Result<std::optional<store::ReadMarker>> stored) {
        if (!stored) obs::log_warn("cannot note a reader of a room: " + stored.error().message());
      });
}

void ChatService::on_personal(const bus::Event& event) {
  auto found = connections_by_identity_.find(event.identity);
  if (found == connections_by_identity_.end()) return;
  const bool from_here = event.node == bus_.node_id();
  for (Connection* connection : found->second) {
    if (from_here && connection == event.except) continue;
    connection->send(event.frame);
  }
}

}  // namespace parley::service
