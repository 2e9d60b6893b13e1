#include "service/chat_service.hpp"

#include "protocol/server_frame.hpp"

namespace parley::service {

using core::ErrorCode;
using protocol::PresenceEvent;

ChatService::ChatService(store::StoreWorker& store, ServiceLimits limits,
                         core::RoomLimits room_limits)
    : store_(store), limits_(limits), hub_(room_limits) {}

void ChatService::open_room(const core::RoomName& name, Opened opened) {
  if (core::Room* room = hub_.find(name)) {
    opened(room);
    return;
  }
  auto& waiting = opening_[name.key()];
  waiting.push_back(std::move(opened));
  if (waiting.size() > 1) return;  // a read for this room is under way already

  store_.run<store::RoomRecord>([name](store::Store& store) { return store.open_room(name); },
                                [this, name](store::Result<store::RoomRecord> record) {
                                  auto node = opening_.extract(name.key());
                                  core::Room* room = nullptr;
                                  if (record) {
                                    // The store's spelling wins: a room is shown as first written.
                                    auto shown = core::RoomName::parse(record->name);
                                    room = &hub_.open(shown ? *shown : name, record->last_seq);
                                  }
                                  for (Opened& opened : node.mapped()) opened(room);
                                  if (room != nullptr) hub_.close_if_empty(*room);
                                });
}

void ChatService::join(const ConnectionPtr& connection, protocol::JoinCommand command, Done done) {
  if (limits_.max_rooms_per_connection != 0 &&
      hub_.rooms_of(*connection).size() >= limits_.max_rooms_per_connection) {
    const core::Room* room = hub_.find(command.room);
    if (room == nullptr || !room->is_member(*connection)) {
      connection->send(protocol::encode_error(
          ErrorCode::rate_limited, "too many rooms joined on this connection", command.id));
      return done();
    }
  }
  std::weak_ptr<Connection> weak = connection;
  open_room(command.room,
            [this, weak, since = command.since, id = command.id, done](core::Room* room) {
              auto connection = weak.lock();
              if (connection && connection->is_open()) {
                if (room == nullptr) {
                  connection->send(
                      protocol::encode_error(ErrorCode::internal, "the room cannot be opened", id));
                } else if (complete_join(*connection, *room, since)) {
                  // Done once the replay is in.
                  replay(connection, *room, *since, room->delivered_seq(), done);
                  return;
                }
              }
              done();
            });
}

bool ChatService::complete_join(Connection& connection, core::Room& room,
                                std::optional<std::uint64_t> since) {
  // A member already receives the room live: replaying again would send
  // messages twice, so a repeated join only answers `joined`.
  const bool replaying = since && *since < room.delivered_seq() && !room.is_member(connection);
  const auto joined =
      hub_.join(room, connection, replaying ? core::Replay::pending : core::Replay::none);
  const bool truncated = replaying && joined.seq - *since > limits_.replay_limit;
  // `joined` comes before anything else of the room, replay included.
  connection.send(
      protocol::encode_joined(room.name().text(), joined.seq, room.user_names(), truncated));
  if (joined.first_of_user) {
    room.broadcast(protocol::encode_presence(room.name().text(), connection.user().text(),
                                             PresenceEvent::join),
                   &connection.identity());
  }
  return replaying;
}

void ChatService::replay(const ConnectionPtr& connection, core::Room& room, std::uint64_t after,
                         std::uint64_t up_to, Done done) {
  std::weak_ptr<Connection> weak = connection;
  const core::RoomName name = room.name();
  store_.run<std::vector<store::StoredMessage>>(
      [name, after, up_to, limit = limits_.replay_limit](store::Store& store) {
        return store.read_range(name, after, up_to, limit);
      },
      [this, weak, name, done](store::Result<std::vector<store::StoredMessage>> messages) {
        auto connection = weak.lock();
        core::Room* room = hub_.find(name);
        if (!connection || room == nullptr || !room->is_member(*connection)) return done();
        if (!messages) {
          // Never a silent gap: the member is taken out of the room instead.
          connection->send(
              protocol::encode_error(ErrorCode::internal, "history cannot be read", std::nullopt));
          leave(*connection, protocol::LeaveCommand{name, std::nullopt});
          return done();
        }
        std::vector<core::Frame> frames;
        frames.reserve(messages->size());
        for (const store::StoredMessage& message : *messages) {
          frames.push_back(
              protocol::encode_message({room->name().text(), message.seq, message.ts, message.user,
                                        message.text, message.client_id, message.guest}));
        }
        room->finish_replay(*connection, frames);
        done();
      });
}

void ChatService::leave(Connection& connection, const protocol::LeaveCommand& command) {
  core::Room* room = hub_.find(command.room);
  if (room == nullptr || !room->is_member(connection)) {
    connection.send(protocol::encode_error(ErrorCode::not_joined, "not in this room", command.id));
    return;
  }
  hub_.leave(*room, connection, [&](core::Room& left, const core::Room::LeaveResult& result) {
    connection.send(protocol::encode_left(left.name().text()));
    if (result.last_of_user) {
      left.broadcast(protocol::encode_presence(left.name().text(), connection.user().text(),
                                               PresenceEvent::leave));
    }
  });
}

void ChatService::disconnect(Connection& connection) {
  hub_.leave_all(connection, [&](core::Room& left, const core::Room::LeaveResult& result) {
    // At shutdown everyone is leaving: nobody needs to be told.
    if (result.last_of_user && !shutting_down_) {
      left.broadcast(protocol::encode_presence(left.name().text(), connection.user().text(),
                                               PresenceEvent::leave));
    }
  });
}

void ChatService::typing(Connection& connection, const protocol::TypingCommand& command) {
  core::Room* room = hub_.find(command.room);
  if (room == nullptr || !room->is_member(connection)) {
    connection.send(protocol::encode_error(ErrorCode::not_joined, "not in this room", command.id));
    return;
  }
  room->broadcast(protocol::encode_typing(room->name().text(), connection.user().text()),
                  &connection.identity());
}

void ChatService::send(const ConnectionPtr& connection, protocol::SendCommand command,
                       Done settled) {
  core::Room* room = hub_.find(command.room);
  if (room == nullptr || !room->is_member(*connection)) {
    connection->send(
        protocol::encode_error(ErrorCode::not_joined, "join the room before sending", command.id));
    settled();
    return;
  }
  std::weak_ptr<Connection> weak = connection;
  const std::string id = command.id;
  post(command.room, connection->identity(), std::move(command.text), command.id,
       [this, weak, id, settled = std::move(settled)](store::Result<store::Appended> appended) {
         if (auto connection = weak.lock()) {
           if (!appended) {
             const bool stopping = appended.error() == boost::system::errc::operation_canceled;
             connection->send(protocol::encode_error(
                 ErrorCode::internal,
                 stopping ? "the server is shutting down" : "the message was not stored", id));
           } else {
             // Through the room, so the ack follows the sender's own message.
             auto ack = protocol::encode_ack(appended->room_name, id, appended->seq);
             core::Room* room = hub_.find_by_key(core::fold_case(appended->room_name));
             if (room != nullptr) {
               room->send_to(*connection, ack);
             } else {
               connection->send(ack);
             }
           }
         }
         settled();
       });
}

void ChatService::post(const core::RoomName& room, const core::Identity& author, std::string text,
                       std::string id, Stored stored) {
  if (shutting_down_) {
    stored(store::Result<store::Appended>(
        boost::system::errc::make_error_code(boost::system::errc::operation_canceled)));
    return;
  }
  // The frame is built after the commit, from the stored seq and time; the
  // text is kept for it here rather than read back.
  auto kept_text = std::make_shared<const std::string>(text);
  store_.append(store::AppendRequest{room, author, std::move(text), id},
                [this, author, kept_text, id,
                 stored = std::move(stored)](store::Result<store::Appended> appended) {
                  if (appended && !appended->duplicate) {
                    const core::Frame frame = protocol::encode_message(
                        {appended->room_name, appended->seq, appended->ts, author.user.text(),
                         *kept_text, id, author.is_guest()});
                    const std::string room_key = core::fold_case(appended->room_name);
                    if (core::Room* open = hub_.find_by_key(room_key))
                      open->publish(appended->seq, frame);
                    for (const Published& listener : listeners_)
                      listener(room_key, appended->seq, frame);
                  }
                  stored(std::move(appended));
                });
}

void ChatService::join_quietly(Connection& connection, core::Room& room) {
  const auto joined = hub_.join(room, connection, core::Replay::none);
  if (joined.first_of_user) {
    room.broadcast(protocol::encode_presence(room.name().text(), connection.user().text(),
                                             PresenceEvent::join),
                   &connection.identity());
  }
}

}  // namespace parley::service
