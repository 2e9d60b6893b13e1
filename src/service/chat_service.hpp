// The use cases of chat: join (with recovery), leave, send, typing, and what
// happens when a connection goes. Shared by every transport so that all see
// one truth. What changes a room (a committed message, typing, presence) goes
// through the bus to every node, this one included, and reaches members from
// there. I/O thread only; store work goes through the StoreWorker.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <unordered_set>

#include "bus/bus.hpp"
#include "core/clock.hpp"
#include "core/hub.hpp"
#include "core/memory_budget.hpp"
#include "core/remote_presence.hpp"
#include "protocol/client_frame.hpp"
#include "service/connection.hpp"
#include "service/history_frames.hpp"
#include "service/refusal.hpp"
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
  // How long a room's gate waits for a missing seq (another node's message
  // still on its way) before reading it from the store.
  std::chrono::milliseconds gap_wait{100};
  // How often this node tells the others who it has in which room, and how
  // long a silent node's users still count as present.
  std::chrono::milliseconds heartbeat_interval{5000};
  std::chrono::milliseconds node_timeout{15000};
  // With peers: how often this node checks the members of its open
  // restricted rooms against the store, in case an access loss never came.
  std::chrono::milliseconds access_check_interval{30000};
};

class ChatService {
 public:
  using ConnectionPtr = std::shared_ptr<Connection>;
  using Done = std::function<void()>;

  // `memory`: the server's budget for replays (and pages), shared with the
  // transports; `clock` times typing and presence; `executor` is the I/O
  // thread's, for the gate's timers.
  ChatService(store::StoreWorker& store, bus::Bus& bus, boost::asio::any_io_executor executor,
              ServiceLimits limits, core::RoomLimits room_limits, core::MemoryBudget& memory,
              const core::Clock& clock);

  // Joins; `done` runs once `joined` is queued (after a store round trip when
  // the room is not open yet) and, for a join with `since`, once the last
  // piece of its replay is queued too, so the caller can hold the next frame
  // back.
  void join(const ConnectionPtr& connection, protocol::JoinCommand command, Done done);
  void leave(const ConnectionPtr& connection, const protocol::LeaveCommand& command);
  // Sends a message, or an edit, delete or reaction, whose frame came in at
  // `received` (for the ack latency); `settled` runs once the ack or the
  // error is queued.
  using Received = std::chrono::steady_clock::time_point;
  void send(const ConnectionPtr& connection, protocol::SendCommand command, Received received,
            Done settled);
  void send(const ConnectionPtr& connection, protocol::EventCommand command, Received received,
            Done settled);
  void typing(const ConnectionPtr& connection, const protocol::TypingCommand& command);
  // A new connection that can be told what concerns its identity anywhere
  // (a read marker moved): until disconnect().
  void connect(Connection& connection);
  // The connection is gone: it leaves every room, and hears nothing more.
  void disconnect(Connection& connection);

  // Read markers (chat_reading.cpp). Registered users and session guests
  // have them; `?name=` guests do not.
  static bool has_read_markers(const core::Identity& identity);
  // Moves the reader's marker in `room` forward to `seq`; once stored, every
  // other connection of the reader, on every node, gets a `read` frame with
  // the marker as stored (`except`: the connection that asked, if any).
  // nullopt: no such room.
  using Marked = std::function<void(store::Result<std::optional<store::ReadMarker>>)>;
  void mark_read(const core::Identity& reader, const core::RoomName& room, std::uint64_t seq,
                 std::weak_ptr<Connection> except, Marked marked);
  // The same for a `read` frame; errors go back to the connection.
  void mark_read(const ConnectionPtr& connection, const protocol::ReadCommand& command);
  // The rooms the reader has a marker in, with unread and mention counts.
  using Readings = std::function<void(store::Result<std::vector<store::RoomReading>>)>;
  void list_reading(const core::Identity& reader, Readings readings);
  // The reader came into `room`: a first visit starts its marker at the
  // room's end. Nothing waits for it.
  void note_reader(const core::Identity& reader, const core::RoomName& room);

  // Stores an event (a message, an edit, a delete, a reaction) from any
  // transport; once committed, releases it to the room's members and to
  // every publish listener, then runs `stored`. A repeated `client_id` is
  // recognised per author identity, never per name; a refused event
  // (Appended::refused) stores nothing.
  using Stored = std::function<void(store::Result<store::Appended>)>;
  void post(store::AppendRequest request, Stored stored);
  // The request that stores `command` for `author`.
  static store::AppendRequest request_of(protocol::SendCommand command,
                                         const core::Identity& author);
  static store::AppendRequest request_of(protocol::EventCommand command,
                                         const core::Identity& author);

  // Called for every new message a room releases, whichever node stored it,
  // in seq order per room.
  using Published =
      std::function<void(const std::string& room_key, std::uint64_t seq, const core::Frame& frame)>;
  void on_published(Published listener) { listeners_.push_back(std::move(listener)); }
  // Called when an identity lost access to the room with this key, on every
  // node, after its connections left it.
  void when_access_lost(
      std::function<void(const std::string& room_key, const std::string& identity)> listener) {
    access_lost_listeners_.push_back(std::move(listener));
  }

  // The room in memory, opened from the store (and created) if needed; null
  // when the store fails.
  using Opened = std::function<void(core::Room*)>;
  void open_room(const core::RoomName& name, Opened opened);

  // Room access (chat_access.cpp). Opens `room` for `viewer` once it may be
  // in it: a public room open here answers at once, anything else asks the
  // store, which creates a public room when `create` and the name is not
  // reserved. not_found when the viewer may not see it (a private room
  // without access, a reserved name nobody has), as if it did not exist.
  using Admitted = std::function<void(Outcome<core::Room*>)>;
  void admit(const core::Identity& viewer, const core::RoomName& room, bool create,
             Admitted admitted);
  // Whether a page of `room` may be shown to `viewer` (null: nobody signed
  // in): false for a restricted room without access and a reserved name;
  // true for a room that does not exist yet (joining creates it).
  void may_see(const core::Identity* viewer, const core::RoomName& room,
               std::function<void(bool)> answer);
  // Refuses a frame that needs membership of a room the connection is not
  // in: not_found when the room is restricted and closed to it, else
  // not_joined.
  void refuse_outside(const ConnectionPtr& connection, const core::RoomName& room,
                      const std::optional<std::string>& id, std::string message);
  // Tells every node that the account with this user key lost access to
  // `room` (as first written): its connections get `removed` and leave it.
  void announce_access_lost(const std::string& room_name, const std::string& user_key);

  // Adds a member that is not a socket (a poller) with the usual presence.
  void join_quietly(Connection& connection, core::Room& room);

  // The names present in `room`, on this node and others, in order of arrival.
  std::vector<std::string> user_names(const core::Room& room) const;
  // How many identities are in the room with this key, on every node.
  std::size_t online(const std::string& room_key) const;

  // Once a second: tells the other nodes who is here, forgets nodes that went
  // silent.
  void tick();

  // From now on sends are refused; what was queued still commits.
  void begin_shutdown() { shutting_down_ = true; }
  bool is_shutting_down() const { return shutting_down_; }

  core::Hub& hub() { return hub_; }
  HistoryFrames& history() { return history_; }

 private:
  // Stores `request` for a connection that must be in its room; acks or
  // refuses it to the connection.
  void submit(const ConnectionPtr& connection, store::AppendRequest request, Received received,
              Done settled);
  // The rest of a join once the joiner is admitted to the room.
  void continue_join(const std::weak_ptr<Connection>& weak, core::Room* room,
                     std::optional<std::uint64_t> since, const std::optional<std::string>& id,
                     const Done& done);
  // The rest of a join once its room is open (null: it cannot be). A join
  // that will replay first reads how far retention removed the room's
  // history (its trimmed seq), and is admitted again after that read.
  void finish_join(const std::weak_ptr<Connection>& weak, core::Room* room,
                   std::optional<std::uint64_t> since, const std::optional<std::string>& id,
                   const Done& done);
  // finish_join once the room's trimmed seq is known (0: nothing removed).
  void finish_join_after(const std::weak_ptr<Connection>& weak, core::Room* room,
                         std::optional<std::uint64_t> since, std::uint64_t trimmed,
                         const Done& done);
  // Reads the room's messages from the store until it has released `seq`
  // (or the store has no more), then runs `then`.
  // `then(false)`: the store could not be read.
  using CaughtUp = std::function<void(bool caught_up)>;
  void catch_up_to(const std::string& room_key, std::uint64_t seq, CaughtUp then);
  // Joins and sends `joined` (truncated when the replay is capped or starts
  // after `trimmed`, the last seq retention removed); true when a replay
  // must follow.
  bool complete_join(Connection& connection, core::Room& room, std::optional<std::uint64_t> since,
                     std::uint64_t trimmed);
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
  // `reached`: the seq of the piece's last event (seqs may start after a gap
  // that retention left).
  void queue_replay_piece(const std::shared_ptr<ReplayCursor>& cursor,
                          std::vector<core::Frame> frames, std::uint64_t reached,
                          core::MemoryBudget::Lease lease);
  // The connection behind `cursor`, if it is still in the room to replay.
  std::pair<ConnectionPtr, core::Room*> replay_target(const ReplayCursor& cursor);

  // What the bus brings (chat_events.cpp).
  void on_event(const bus::Event& event);
  void on_message(const bus::Event& event);
  void on_typing(const bus::Event& event);
  void on_presence(const bus::Event& event);
  void on_heartbeat(const bus::Event& event);
  void on_personal(const bus::Event& event);
  void on_access_lost(const bus::Event& event);
  // The identity lost access to the room with this key: its connections
  // here get `frame` (removed) and leave the room, its pollers too.
  void cut_off(const std::string& room_key, const std::string& identity, const core::Frame& frame);
  // Cuts off whoever is in the restricted `room` here without access to it
  // in the store (an access loss the bus did not bring).
  void recheck_access(const core::RoomName& room);
  // recheck_access for every restricted room open here.
  void recheck_restricted_rooms();
  void announce_presence(const core::Room& room, const core::Identity& identity, bool present);
  // Where presence news comes from: this node's own first or last
  // connection, or another node's.
  enum class Origin { this_node, other_node };
  void tell_members(const core::PresenceChange& change, Origin origin);
  std::vector<bus::PresenceEntry> presence_snapshot() const;
  // The gate of `room` holds messages past a missing seq: read it from the
  // store unless it arrives within gap_wait.
  void fill_gap_later(const core::Room& room);
  // Reads the messages of the room with this key after its delivered seq, up
  // to `up_to` (0: up to the store's last), and releases them; the room is in
  // fetching_ until the answer.
  void fetch_missing(const std::string& room_key, std::uint64_t up_to);
  // Feeds messages read from the store into the room's gate.
  void release_stored(core::Room& room, const std::vector<store::StoredMessage>& messages);
  // After the bus was cut off: every open room catches up from the store.
  void catch_up_all();

  store::StoreWorker& store_;
  bus::Bus& bus_;
  boost::asio::any_io_executor executor_;
  ServiceLimits limits_;
  core::MemoryBudget& memory_;
  const core::Clock& clock_;
  core::Hub hub_;
  HistoryFrames history_;
  // Rooms being opened in the store, with who waits for each and the
  // messages the bus brought meanwhile; by room key.
  struct Opening {
    std::vector<Opened> waiting;
    std::vector<std::pair<std::uint64_t, core::Frame>> messages;
  };
  std::unordered_map<std::string, Opening> opening_;
  core::RemotePresence remote_;
  std::unordered_set<std::string> fetching_;  // room keys with a store read for a gap
  // Room keys that must read everything after their delivered seq once their
  // read under way (or their opening) ends: the bus was cut off meanwhile.
  std::unordered_set<std::string> catch_up_due_;
  std::int64_t last_heartbeat_ms_ = 0;
  std::int64_t last_access_check_ms_ = 0;
  std::vector<Published> listeners_;
  // The open connections of each identity on this node, by identity id.
  std::unordered_map<std::string, std::vector<Connection*>> connections_by_identity_;
  // Counts access losses heard of, in buckets by room key: an admission that
  // saw its bucket change while the store answered asks again, so a removal
  // is never overtaken by a join. (Buckets: one room's churn does not make
  // every admission ask again.)
  static constexpr std::size_t kAccessLossBuckets = 64;
  std::array<std::uint64_t, kAccessLossBuckets> access_losses_{};
  std::uint64_t& access_losses_of(const std::string& room_key) {
    return access_losses_[std::hash<std::string>{}(room_key) % kAccessLossBuckets];
  }
  // The admission of `attempt`: past a few tries under constant churn it
  // gives up (rate_limited) rather than loop.
  void admit_attempt(const core::Identity& viewer, const core::RoomName& room, bool create,
                     Admitted admitted, int attempt);
  // Called for each connection that lost access to a room (pollers leave).
  std::vector<std::function<void(const std::string& room_key, const std::string& identity)>>
      access_lost_listeners_;
  bool shutting_down_ = false;
};

}  // namespace parley::service
