#include "service/chat_service.hpp"

#include <algorithm>

#include "obs/metrics.hpp"
#include "protocol/server_frame.hpp"

namespace parley::service {

using core::ErrorCode;

ChatService::ChatService(store::StoreWorker& store, bus::Bus& bus,
                         boost::asio::any_io_executor executor, ServiceLimits limits,
                         core::RoomLimits room_limits, core::MemoryBudget& memory,
                         const core::Clock& clock)
    : store_(store),
      bus_(bus),
      executor_(std::move(executor)),
      limits_(limits),
      memory_(memory),
      clock_(clock),
      hub_(room_limits,
           [this](const core::Room& room, std::uint64_t seq, const core::Frame& frame) {
             // Queued for every socket member by now (pollers read through polls).
             obs::count(obs::counters().deliveries, obs::Transport::ws, room.socket_member_count());
             if (protocol::is_delete_frame(frame)) {
               history_.forget_room(room.name().key());  // the edits' frames too
             } else if (const std::uint64_t changed = protocol::changed_message_of(frame)) {
               history_.forget(room.name().key(), changed);
             }
             for (const Published& listener : listeners_) listener(room.name().key(), seq, frame);
           }) {
  bus_.subscribe([this](const bus::Event& event) { on_event(event); });
  bus_.on_resync([this] { catch_up_all(); });
}

void ChatService::open_room(const core::RoomName& name, Opened opened) {
  if (core::Room* room = hub_.find(name)) {
    opened(room);
    return;
  }
  auto& waiting = opening_[name.key()].waiting;
  waiting.push_back(std::move(opened));
  if (waiting.size() > 1) return;  // a read for this room is under way already

  store_.run<store::RoomRecord>(
      [name](store::MessageStore& store) { return store.open_room(name); },
      [this, name](store::Result<store::RoomRecord> record) {
        auto node = opening_.extract(name.key());
        core::Room* room = nullptr;
        if (record) {
          // The store's spelling wins: a room is shown as first written.
          auto shown = core::RoomName::parse(record->name);
          room = &hub_.open(shown ? *shown : name, record->last_seq);
          room->set_restricted(core::is_restricted(record->kind));
          // Messages other nodes stored after the read: the gate drops the
          // ones the read saw.
          for (auto& [seq, frame] : node.mapped().messages) room->publish(seq, std::move(frame));
          if (catch_up_due_.erase(name.key()) != 0 && !fetching_.contains(name.key())) {
            fetch_missing(name.key(), 0);  // read while the bus was away
          } else if (room->has_gap()) {
            fill_gap_later(*room);
          }
        }
        for (Opened& opened : node.mapped().waiting) opened(room);
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
  admit(connection->identity(), command.room, true,
        [this, weak, since = command.since, id = command.id, done](Outcome<core::Room*> admitted) {
          if (auto* refusal = std::get_if<Refusal>(&admitted)) {
            if (auto connection = weak.lock()) {
              connection->send(protocol::encode_error(refusal->code, refusal->message, id));
            }
            return done();
          }
          continue_join(weak, std::get<core::Room*>(admitted), since, id, done);
        });
}

void ChatService::continue_join(const std::weak_ptr<Connection>& weak, core::Room* room,
                                std::optional<std::uint64_t> since,
                                const std::optional<std::string>& id, const Done& done) {
  {
    // The client saw more of the room than this node has released yet (it
    // comes from another node, whose last messages are still on their way or
    // were lost with it): the room first reads up to what the client saw, so
    // that nothing it has comes again as live.
    if (room != nullptr && since && *since > room->delivered_seq()) {
      const core::RoomName name = room->name();
      return catch_up_to(name.key(), *since, [this, weak, since, id, done, name](bool caught_up) {
        if (!caught_up) {
          // Joined now, it would get again what it saw: refused instead.
          if (auto connection = weak.lock()) {
            connection->send(
                protocol::encode_error(ErrorCode::internal, "history cannot be read", id));
          }
          return done();
        }
        // A room nobody was in closed meanwhile: opened again, it starts
        // from the store's last seq. Admitted again too: access may have
        // been lost while the store was read.
        auto connection = weak.lock();
        if (!connection) return done();
        admit(connection->identity(), name, true,
              [this, weak, since, id, done](Outcome<core::Room*> admitted) {
                if (auto* refusal = std::get_if<Refusal>(&admitted)) {
                  if (auto connection = weak.lock()) {
                    connection->send(protocol::encode_error(refusal->code, refusal->message, id));
                  }
                  return done();
                }
                finish_join(weak, std::get<core::Room*>(admitted), since, id, done);
              });
      });
    }
    finish_join(weak, room, since, id, done);
  }
}

void ChatService::finish_join(const std::weak_ptr<Connection>& weak, core::Room* room,
                              std::optional<std::uint64_t> since,
                              const std::optional<std::string>& id, const Done& done) {
  auto connection = weak.lock();
  if (!connection || !connection->is_open()) return done();
  if (room == nullptr) {
    connection->send(protocol::encode_error(ErrorCode::internal, "the room cannot be opened", id));
    return done();
  }
  const bool replaying = since && *since < room->delivered_seq() && !room->is_member(*connection);
  if (!replaying) return finish_join_after(weak, room, since, 0, done);
  // Whether retention removed what the joiner missed: `joined` says so.
  const core::RoomName name = room->name();
  store_.run<std::uint64_t>(
      [name](store::Store& store) { return store.trimmed_seq(name); },
      [this, weak, name, since, id, done](store::Result<std::uint64_t> trimmed) {
        auto connection = weak.lock();
        if (!connection) return done();
        if (!trimmed) {
          connection->send(
              protocol::encode_error(ErrorCode::internal, "history cannot be read", id));
          return done();
        }
        // The room may have closed meanwhile, or access been lost.
        admit(connection->identity(), name, true,
              [this, weak, since, id, done, trimmed = *trimmed](Outcome<core::Room*> admitted) {
                if (auto* refusal = std::get_if<Refusal>(&admitted)) {
                  if (auto connection = weak.lock()) {
                    connection->send(protocol::encode_error(refusal->code, refusal->message, id));
                  }
                  return done();
                }
                core::Room* open = std::get<core::Room*>(admitted);
                if (open == nullptr) {
                  if (auto connection = weak.lock()) {
                    connection->send(protocol::encode_error(ErrorCode::internal,
                                                            "the room cannot be opened", id));
                  }
                  return done();
                }
                finish_join_after(weak, open, since, trimmed, done);
              });
      });
}

void ChatService::finish_join_after(const std::weak_ptr<Connection>& weak, core::Room* room,
                                    std::optional<std::uint64_t> since, std::uint64_t trimmed,
                                    const Done& done) {
  auto connection = weak.lock();
  if (connection && connection->is_open()) {
    if (complete_join(*connection, *room, since, trimmed)) {
      // Done once the replay is in. Past the cap, the most recent; never
      // before what retention kept.
      const std::uint64_t up_to = room->delivered_seq();
      const std::uint64_t after = std::max<std::uint64_t>(
          std::max(*since, trimmed), up_to - std::min<std::uint64_t>(up_to, limits_.replay_limit));
      replay_next_piece(std::make_shared<ReplayCursor>(
          ReplayCursor{connection, room->name(), after, up_to, done}));
      return;
    }
  }
  done();
}

bool ChatService::complete_join(Connection& connection, core::Room& room,
                                std::optional<std::uint64_t> since, std::uint64_t trimmed) {
  // A member already receives the room live: replaying again would send
  // messages twice, so a repeated join only answers `joined`.
  const bool replaying = since && *since < room.delivered_seq() && !room.is_member(connection);
  const auto joined =
      hub_.join(room, connection, replaying ? core::Replay::pending : core::Replay::none);
  const bool truncated =
      replaying && (joined.seq - *since > limits_.replay_limit || *since < trimmed);
  // `joined` comes before anything else of the room, replay included.
  connection.send(
      protocol::encode_joined(room.name().text(), joined.seq, user_names(room), truncated));
  if (joined.first_of_user) {
    announce_presence(room, connection.identity(), true);
    note_reader(connection.identity(), room.name());
  }
  return replaying;
}

std::pair<ChatService::ConnectionPtr, core::Room*> ChatService::replay_target(
    const ReplayCursor& cursor) {
  auto connection = cursor.connection.lock();
  core::Room* room = hub_.find(cursor.room);
  if (!connection || !connection->is_open() || room == nullptr || !room->is_member(*connection)) {
    return {nullptr, nullptr};
  }
  return {std::move(connection), room};
}

void ChatService::replay_next_piece(std::shared_ptr<ReplayCursor> cursor) {
  // Frames others hold already (a replay of the same room a moment ago) need
  // no store read and no memory of their own.
  std::vector<core::Frame> held = history_.held_after(cursor->room.text(), cursor->after,
                                                      cursor->up_to, limits_.replay_piece_bytes);
  if (!held.empty()) {
    // Frames held are the seqs right after `after`, without gaps.
    const std::uint64_t reached = cursor->after + held.size();
    return queue_replay_piece(cursor, std::move(held), reached, {});
  }
  memory_.when_fits(limits_.replay_piece_bytes, [this, cursor](core::MemoryBudget::Lease lease) {
    if (!replay_target(*cursor).first) return cursor->done();
    obs::count(obs::counters().history_reads);
    store_.run<std::vector<store::StoredMessage>>(
        [query = store::RangeQuery{cursor->room, cursor->after, cursor->up_to, limits_.replay_limit,
                                   limits_.replay_piece_bytes, store::Keep::oldest}](
            store::MessageStore& store) { return store.read_messages(query); },
        [this, cursor, lease = std::make_shared<core::MemoryBudget::Lease>(std::move(lease))](
            store::Result<std::vector<store::StoredMessage>> messages) {
          auto [connection, room] = replay_target(*cursor);
          if (!connection) return cursor->done();
          if (!messages) {
            // Never a silent gap: the member is taken out of the room instead.
            connection->send(protocol::encode_error(ErrorCode::internal, "history cannot be read",
                                                    std::nullopt));
            leave(connection, protocol::LeaveCommand{cursor->room, std::nullopt});
            return cursor->done();
          }
          std::vector<core::Frame> frames;
          frames.reserve(messages->size());
          std::size_t bytes = 0;
          for (const store::StoredMessage& message : *messages) {
            frames.push_back(history_.frame_of(room->name().text(), message));
            bytes += core::queued_cost(*frames.back());
          }
          lease->resize(bytes);
          const std::uint64_t reached = messages->empty() ? cursor->after : messages->back().seq;
          queue_replay_piece(cursor, std::move(frames), reached, std::move(*lease));
        });
  });
}

void ChatService::queue_replay_piece(const std::shared_ptr<ReplayCursor>& cursor,
                                     std::vector<core::Frame> frames, std::uint64_t reached,
                                     core::MemoryBudget::Lease lease) {
  auto [connection, room] = replay_target(*cursor);
  if (!connection) return cursor->done();
  // A piece that ends short of up_to is followed by another.
  cursor->after = reached;
  if (frames.empty() || reached >= cursor->up_to) {
    connection->send_replay_piece(frames, std::move(lease), {});
    room->finish_replay(*connection);
    return cursor->done();
  }
  connection->send_replay_piece(frames, std::move(lease),
                                [this, cursor] { replay_next_piece(cursor); });
}

void ChatService::leave(const ConnectionPtr& connection, const protocol::LeaveCommand& command) {
  core::Room* room = hub_.find(command.room);
  if (room == nullptr || !room->is_member(*connection)) {
    return refuse_outside(connection, command.room, command.id, "not in this room");
  }
  hub_.leave(*room, *connection, [&](core::Room& left, const core::Room::LeaveResult& result) {
    connection->send(protocol::encode_left(left.name().text()));
    if (result.last_of_user) announce_presence(left, connection->identity(), false);
  });
}

void ChatService::disconnect(Connection& connection) {
  if (auto found = connections_by_identity_.find(connection.identity().id);
      found != connections_by_identity_.end()) {
    std::erase(found->second, &connection);
    if (found->second.empty()) connections_by_identity_.erase(found);
  }
  hub_.leave_all(connection, [&](core::Room& left, const core::Room::LeaveResult& result) {
    // At shutdown everyone is leaving: nobody needs to be told.
    if (result.last_of_user) announce_presence(left, connection.identity(), false);
  });
}

void ChatService::typing(const ConnectionPtr& connection, const protocol::TypingCommand& command) {
  core::Room* room = hub_.find(command.room);
  if (room == nullptr || !room->is_member(*connection)) {
    return refuse_outside(connection, command.room, command.id, "not in this room");
  }
  // Coalesced per user and room, and dropped for members under pressure: a
  // flood of typing frames reaches nobody.
  if (!room->take_typing_turn(*connection, clock_.now_ms(), limits_.typing_interval.count()))
    return;
  bus::Event event(bus::EventKind::typing, room->name().key());
  event.frame = protocol::encode_typing(room->name().text(), connection->user().text());
  event.identity = connection->identity().id;
  bus_.publish(std::move(event));
}

store::AppendRequest ChatService::request_of(protocol::SendCommand command,
                                             const core::Identity& author) {
  store::AppendRequest request{std::move(command.room), author, std::move(command.text),
                               std::move(command.id)};
  request.reply_to = command.reply_to;
  return request;
}

store::AppendRequest ChatService::request_of(protocol::EventCommand command,
                                             const core::Identity& author) {
  store::AppendRequest request{std::move(command.room), author, std::move(command.text),
                               std::move(command.id)};
  request.kind = command.kind;
  request.target = command.target;
  request.emoji = std::move(command.emoji);
  request.on = command.on;
  return request;
}

void ChatService::send(const ConnectionPtr& connection, protocol::SendCommand command,
                       Received received, Done settled) {
  submit(connection, request_of(std::move(command), connection->identity()), received,
         std::move(settled));
}

void ChatService::send(const ConnectionPtr& connection, protocol::EventCommand command,
                       Received received, Done settled) {
  submit(connection, request_of(std::move(command), connection->identity()), received,
         std::move(settled));
}

void ChatService::submit(const ConnectionPtr& connection, store::AppendRequest request,
                         Received received, Done settled) {
  core::Room* room = hub_.find(request.room);
  if (room == nullptr || !room->is_member(*connection)) {
    refuse_outside(connection, request.room, request.client_id, "join the room before sending");
    settled();
    return;
  }
  std::weak_ptr<Connection> weak = connection;
  const std::string id = request.client_id;
  post(std::move(request), [this, weak, id, received,
                            settled = std::move(settled)](store::Result<store::Appended> appended) {
    if (auto connection = weak.lock()) {
      if (!appended) {
        const bool stopping = appended.error() == boost::system::errc::operation_canceled;
        connection->send(protocol::encode_error(
            ErrorCode::internal,
            stopping ? "the server is shutting down" : "the message was not stored", id));
      } else if (appended->refused) {
        connection->send(
            protocol::encode_error(appended->refused->code, appended->refused->message, id));
      } else {
        // Through the room, so the ack follows the sender's own message.
        // (Sends come by WebSocket; HTTP posts go through post().)
        obs::count(obs::counters().messages_received, obs::Transport::ws);
        const auto queued = [received] {
          obs::ack_latency(obs::Transport::ws).observe_since(received);
        };
        auto ack = protocol::encode_ack(appended->room_name, id, appended->seq);
        core::Room* room = hub_.find_by_key(core::fold_case(appended->room_name));
        if (room != nullptr) {
          room->send_after(*connection, appended->seq, std::move(ack), queued);
        } else {
          connection->send(ack);
          queued();
        }
      }
    }
    settled();
  });
}

void ChatService::post(store::AppendRequest request, Stored stored) {
  if (shutting_down_) {
    stored(store::Result<store::Appended>(
        boost::system::errc::make_error_code(boost::system::errc::operation_canceled)));
    return;
  }
  // The frame is built after the commit, from the stored seq and time; what
  // it shows of the request is kept for it here rather than read back.
  auto kept = std::make_shared<store::AppendRequest>(request);
  store_.append(std::move(request), [this, kept, stored = std::move(stored)](
                                        store::Result<store::Appended> appended) {
    if (appended && !appended->duplicate && !appended->refused) {
      const auto arrived = std::chrono::steady_clock::now();
      const store::AppendRequest& what = *kept;
      protocol::MessageView view{appended->room_name,     appended->seq, appended->ts,
                                 what.author.user.text(), what.text,     what.client_id,
                                 what.author.is_guest()};
      view.kind = what.kind;
      view.target = what.target;
      view.reply_to = what.reply_to;
      view.emoji = what.emoji;
      view.on = what.on;
      const core::Frame frame = protocol::encode_message(view);
      std::string room_key = core::fold_case(appended->room_name);
      core::Room* open = hub_.find_by_key(room_key);
      if (open != nullptr) open->end_typing_turn(what.author);
      const bool fanned_out_here = open != nullptr;
      // To every node's gate, this one's first.
      bus::Event event(bus::EventKind::message, std::move(room_key));
      event.seq = appended->seq;
      event.frame = frame;
      bus_.publish(std::move(event));
      // Local delivery is done within publish (the gate released the message,
      // unless an earlier seq holds it back).
      if (fanned_out_here) obs::histograms().fanout.observe_since(arrived);
    }
    stored(std::move(appended));
  });
}

void ChatService::join_quietly(Connection& connection, core::Room& room) {
  const auto joined = hub_.join(room, connection, core::Replay::none);
  if (joined.first_of_user) {
    announce_presence(room, connection.identity(), true);
    note_reader(connection.identity(), room.name());
  }
}

}  // namespace parley::service
