// The use cases of chat: join (with recovery), leave, send, typing, and what
// happens when a connection goes. Shared by every transport so that all see
// one truth. I/O thread only; store work goes through the StoreWorker.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/hub.hpp"
#include "core/memory_budget.hpp"
#include "protocol/client_frame.hpp"
#include "service/connection.hpp"
#include "service/history_frames.hpp"
#include "store/store_worker.hpp"

namespace parley::service {

struct ServiceLimits {
  // Messages replayed by a join with `since`; older ones are read over HTTP.
  std::size_t replay_limit = 1000;
  // Rooms one WebSocket connection may be in at once (0: no limit): each
  // costs the server about 1 KB.
  std::size_t max_rooms_per_connection = 1000;
  // A replay is read and queued in pieces of about this many bytes, the next
  // once the last is written: what a client that never reads holds.
  std::size_t replay_piece_bytes = 256 * 1024;
  // One user's typing is relayed to a room at most once per interval.
  std::chrono::milliseconds typing_interval{3000};
};

class ChatService {
 public:
  using ConnectionPtr = std::shared_ptr<Connection>;
  using Done = std::function<void()>;

  // `memory`: the server's budget for replays (and pages), shared with the
  // transports; `clock` times typing.
  ChatService(store::StoreWorker& store, ServiceLimits limits, core::RoomLimits room_limits,
              core::MemoryBudget& memory, const core::Clock& clock);

  // Joins; `done` runs once `joined` is queued (after a store round trip when
  // the room is not open yet) and, for a join with `since`, once the last
  // piece of its replay is queued too, so the caller can hold the next frame
  // back.
  void join(const ConnectionPtr& connection, protocol::JoinCommand command, Done done);
  void leave(Connection& connection, const protocol::LeaveCommand& command);
  // Sends; `settled` runs once the ack or the error is queued.
  void send(const ConnectionPtr& connection, protocol::SendCommand command, Done settled);
  void typing(Connection& connection, const protocol::TypingCommand& command);
  // The connection is gone: it leaves every room.
  void disconnect(Connection& connection);

  // Stores a message from any transport; once committed, releases it to the
  // room's members and to every publish listener, then runs `stored`. A
  // repeated `id` is recognised per author identity, never per name.
  using Stored = std::function<void(store::Result<store::Appended>)>;
  void post(const core::RoomName& room, const core::Identity& author, std::string text,
            std::string id, Stored stored);

  // Called for every new message released, in seq order per room.
  using Published =
      std::function<void(const std::string& room_key, std::uint64_t seq, const core::Frame& frame)>;
  void on_published(Published listener) { listeners_.push_back(std::move(listener)); }

  // The room in memory, opened from the store (and created) if needed; null
  // when the store fails.
  using Opened = std::function<void(core::Room*)>;
  void open_room(const core::RoomName& name, Opened opened);

  // Adds a member that is not a socket (a poller) with the usual presence.
  void join_quietly(Connection& connection, core::Room& room);

  // From now on sends are refused; what was queued still commits.
  void begin_shutdown() { shutting_down_ = true; }
  bool is_shutting_down() const { return shutting_down_; }

  core::Hub& hub() { return hub_; }
  HistoryFrames& history() { return history_; }

 private:
  // Joins and sends `joined`; true when a replay must follow.
  bool complete_join(Connection& connection, core::Room& room, std::optional<std::uint64_t> since);
  // Replays (after, up_to] to a member in pieces, each read once the last is
  // written and the memory budget has room; `done` once the last is queued.
  struct ReplayCursor {
    std::weak_ptr<Connection> connection;
    core::RoomName room;
    std::uint64_t after;
    std::uint64_t up_to;
    Done done;
  };
  void replay_next_piece(std::shared_ptr<ReplayCursor> cursor);
  void queue_replay_piece(const std::shared_ptr<ReplayCursor>& cursor,
                          std::vector<core::Frame> frames, core::MemoryBudget::Lease lease);
  // The connection behind `cursor`, if it is still in the room to replay.
  std::pair<ConnectionPtr, core::Room*> replay_target(const ReplayCursor& cursor);

  store::StoreWorker& store_;
  ServiceLimits limits_;
  core::MemoryBudget& memory_;
  const core::Clock& clock_;
  core::Hub hub_;
  HistoryFrames history_;
  // Rooms being opened in the store, with who waits for each; by room key.
  std::unordered_map<std::string, std::vector<Opened>> opening_;
  std::vector<Published> listeners_;
  bool shutting_down_ = false;
};

}  // namespace parley::service
