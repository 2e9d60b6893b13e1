// ChatService, the side that listens to the bus: what every node (this one
// included) tells about rooms, and how a room's gate fills a gap from the store.
#include <boost/asio/steady_timer.hpp>

#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "protocol/server_frame.hpp"
#include "service/chat_service.hpp"

namespace parley::service {

using protocol::PresenceEvent;

namespace {
// Heartbeats and the silence of nodes are timed on a clock that never steps
// back or leaps with the wall clock.
std::int64_t monotonic_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

void ChatService::on_event(const bus::Event& event) {
  switch (event.kind) {
    case bus::EventKind::message:
      return on_message(event);
    case bus::EventKind::typing:
      return on_typing(event);
    case bus::EventKind::presence:
      return on_presence(event);
    case bus::EventKind::heartbeat:
      if (event.node != bus_.node_id()) on_heartbeat(event);
      return;
    case bus::EventKind::personal:
      return on_personal(event);
    case bus::EventKind::access_lost:
      return on_access_lost(event);
    case bus::EventKind::credential_ended:
      return;  // for the transports
  }
}

void ChatService::on_message(const bus::Event& event) {
  core::Room* room = hub_.find_by_key(event.room);
  if (room == nullptr) {
    // Being opened: the store read may have missed it.
    if (auto opening = opening_.find(event.room); opening != opening_.end()) {
      opening->second.messages.emplace_back(event.seq, event.frame);
    }
    return;  // nobody here is in the room
  }
  room->publish(event.seq, event.frame);
  if (room->has_gap()) fill_gap_later(*room);
}

void ChatService::on_typing(const bus::Event& event) {
  if (core::Room* room = hub_.find_by_key(event.room)) {
    room->broadcast(event.frame, event.identity, core::Delivery::ephemeral);
  }
}

void ChatService::announce_presence(const core::Room& room, const core::Identity& identity,
                                    bool present) {
  bus::Event event(bus::EventKind::presence, room.name().key());
  event.room_name = room.name().text();
  event.identity = identity.id;
  event.user = identity.user.text();
  event.present = present;
  bus_.publish(std::move(event));
}

void ChatService::on_presence(const bus::Event& event) {
  const core::PresentUser user{event.room, event.room_name, event.identity, event.user};
  if (event.node == bus_.node_id()) {
    // The identity's first or last connection here. Members hear of it unless
    // it is on another node too (they saw it come, and it has not left).
    if (shutting_down_ || remote_.is_present(event.room, event.identity)) return;
    return tell_members({user, event.present}, Origin::this_node);
  }
  const std::int64_t now = monotonic_ms();
  const bool changed = event.present ? remote_.add(event.node, user, now)
                                     : remote_.remove(event.node, event.room, event.identity, now);
  if (changed) tell_members({user, event.present}, Origin::other_node);
}

void ChatService::tell_members(const core::PresenceChange& change, Origin origin) {
  core::Room* room = hub_.find_by_key(change.user.room);
  if (room == nullptr) return;
  // Another node's news about an identity that is here too changes nothing
  // for the members: they saw it come, and it has not left.
  if (origin == Origin::other_node && room->has_user(change.user.identity)) return;
  const auto frame =
      protocol::encode_presence(room->name().text(), change.user.user,
                                change.present ? PresenceEvent::join : PresenceEvent::leave);
  room->broadcast(frame, change.user.identity);
}

void ChatService::on_heartbeat(const bus::Event& event) {
  for (const core::PresenceChange& change :
       remote_.replace(event.node, event.snapshot, monotonic_ms())) {
    tell_members(change, Origin::other_node);
  }
  // A room here behind the other node's: its last messages never came (lost
  // while the bus was down): read them.
  for (const auto& [key, seq] : event.positions) {
    const core::Room* room = hub_.find_by_key(key);
    if (room == nullptr || room->delivered_seq() >= seq) continue;
    if (!fetching_.contains(key)) fetch_missing(key, seq);
  }
}

std::vector<bus::PresenceEntry> ChatService::presence_snapshot() const {
  std::vector<bus::PresenceEntry> entries;
  for (const auto& [key, room] : hub_.rooms()) {
    for (auto& [identity, user] : room->users()) {
      entries.push_back({key, room->name().text(), std::move(identity), std::move(user)});
    }
  }
  return entries;
}

void ChatService::tick() {
  if (!bus_.has_peers()) return;
  const std::int64_t now = monotonic_ms();
  if (now - last_heartbeat_ms_ >= limits_.heartbeat_interval.count() && !shutting_down_) {
    last_heartbeat_ms_ = now;
    bus::Event heartbeat(bus::EventKind::heartbeat);
    heartbeat.snapshot = presence_snapshot();
    heartbeat.positions.reserve(hub_.room_count());
    for (const auto& [key, room] : hub_.rooms()) {
      heartbeat.positions.emplace_back(key, room->delivered_seq());
    }
    bus_.publish(std::move(heartbeat));
  }
  for (const core::PresenceChange& change : remote_.expire(now - limits_.node_timeout.count())) {
    tell_members(change, Origin::other_node);
  }
  // An access_lost can be lost without a resync here (the node that
  // published it died first, or its queue overflowed): now and then the
  // members of restricted rooms are checked against the store anyway.
  if (now - last_access_check_ms_ >= limits_.access_check_interval.count()) {
    last_access_check_ms_ = now;
    recheck_restricted_rooms();
  }
}

std::vector<std::string> ChatService::user_names(const core::Room& room) const {
  std::vector<std::string> names = room.user_names();
  for (const core::PresentUser& user : remote_.users_in(room.name().key())) {
    if (!room.has_user(user.identity)) names.push_back(user.user);
  }
  return names;
}

std::size_t ChatService::online(const std::string& room_key) const {
  const core::Room* room = hub_.find_by_key(room_key);
  std::size_t count = room != nullptr ? room->user_count() : 0;
  for (const core::PresentUser& user : remote_.users_in(room_key)) {
    if (room == nullptr || !room->has_user(user.identity)) ++count;
  }
  return count;
}

void ChatService::fill_gap_later(const core::Room& room) {
  const std::string key = room.name().key();
  if (!fetching_.insert(key).second) return;  // a read is under way or due
  auto timer = std::make_shared<boost::asio::steady_timer>(executor_, limits_.gap_wait);
  timer->async_wait([this, timer, key](boost::system::error_code error) {
    if (error) return;
    const core::Room* room = hub_.find_by_key(key);
    if (room != nullptr && catch_up_due_.erase(key) != 0) return fetch_missing(key, 0);
    if (room == nullptr || !room->has_gap()) {
      fetching_.erase(key);  // it came by itself
      return;
    }
    obs::count(obs::counters().gap_fetches);
    fetch_missing(key, room->held_from() - 1);
  });
}

void ChatService::catch_up_all() {
  // Removals made while the bus was away were never heard of here: who is
  // in each restricted room is checked first (the store answers in order,
  // so before the messages missed meanwhile are read and delivered).
  recheck_restricted_rooms();
  for (const auto& [key, room] : hub_.rooms()) {
    // A room with a read under way catches up once that read is answered.
    if (!fetching_.contains(key)) {
      fetch_missing(key, 0);
    } else {
      catch_up_due_.insert(key);
    }
  }
  // A room being opened may have been read from the store while the bus was
  // away: it catches up once open.
  for (const auto& [key, opening] : opening_) catch_up_due_.insert(key);
}

void ChatService::fetch_missing(const std::string& room_key, std::uint64_t up_to) {
  const core::Room* room = hub_.find_by_key(room_key);
  if (room == nullptr) {
    fetching_.erase(room_key);
    return;
  }
  fetching_.insert(room_key);  // until its answer
  using Missing = std::pair<std::uint64_t, std::vector<store::StoredMessage>>;
  store::RangeQuery query{room->name(),         room->delivered_seq(),      up_to,
                          limits_.replay_limit, limits_.replay_piece_bytes, store::Keep::oldest};
  const std::uint64_t from = query.after;
  store_.run<Missing>(
      [query](store::MessageStore& store) mutable -> store::Result<Missing> {
        if (query.up_to == 0) {
          auto record = store.open_room(query.room);
          if (!record) return record.error();
          query.up_to = record->last_seq;
        }
        if (query.up_to <= query.after) return Missing{query.up_to, {}};
        auto messages = store.read_messages(query);
        if (!messages) return messages.error();
        return Missing{query.up_to, std::move(*messages)};
      },
      [this, room_key, up_to, from](store::Result<Missing> missing) {
        fetching_.erase(room_key);
        core::Room* room = hub_.find_by_key(room_key);
        if (room == nullptr) {
          catch_up_due_.erase(room_key);
          return;
        }
        if (!missing) {
          obs::log_warn("cannot read missing messages of a room: " + missing.error().message());
          // Tried again after gap_wait, a catch-up as much as a gap.
          if (up_to == 0) catch_up_due_.insert(room_key);
          if (up_to == 0 || room->has_gap()) fill_gap_later(*room);
          return;
        }
        release_stored(*room, missing->second);
        const bool progressed = room->delivered_seq() > from;
        // A catch-up asked for while this read was under way, or the next
        // piece of a long absence: at once.
        if (catch_up_due_.erase(room_key) != 0 ||
            (up_to == 0 && progressed && room->delivered_seq() < missing->first)) {
          return fetch_missing(room_key, 0);
        }
        if (!room->has_gap()) return;
        if (progressed) {
          // The rest of a large gap follows at once; only a read that found
          // nothing new waits gap_wait before the next.
          return fetch_missing(room_key, room->held_from() - 1);
        }
        fill_gap_later(*room);
      });
}

void ChatService::catch_up_to(const std::string& room_key, std::uint64_t seq, CaughtUp then) {
  const core::Room* room = hub_.find_by_key(room_key);
  if (room == nullptr || room->delivered_seq() >= seq) return then(true);
  const std::uint64_t from = room->delivered_seq();
  store_.run<std::vector<store::StoredMessage>>(
      [query = store::RangeQuery{room->name(), from, seq, limits_.replay_limit,
                                 limits_.replay_piece_bytes, store::Keep::oldest}](
          store::MessageStore& store) { return store.read_messages(query); },
      [this, room_key, seq, from,
       then = std::move(then)](store::Result<std::vector<store::StoredMessage>> messages) mutable {
        if (!messages) return then(false);
        core::Room* room = hub_.find_by_key(room_key);
        // Nothing more in the store: the client's since is past the room's
        // end, as a client may say; nothing of it can come twice.
        if (room == nullptr || messages->empty()) return then(true);
        release_stored(*room, *messages);
        if (room->has_gap()) fill_gap_later(*room);
        if (room->delivered_seq() == from) return then(true);  // no progress: do not loop
        catch_up_to(room_key, seq, std::move(then));
      });
}

void ChatService::release_stored(core::Room& room,
                                 const std::vector<store::StoredMessage>& messages) {
  for (const store::StoredMessage& message : messages) {
    room.publish(message.seq, history_.frame_of(room.name().text(), message));
  }
}

}  // namespace parley::service
