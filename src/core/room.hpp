// One chat room in memory: its members, who is present, and the ordering gate
// that releases messages to members strictly in seq order. No I/O.
// Owned by the Hub; used on the I/O thread only.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/member.hpp"
#include "core/names.hpp"

namespace parley::core {

struct RoomLimits {
  // Bytes of frames held for one member while its replay is written (counted
  // as queued_cost): past it the member falls behind. Together with one piece
  // of its replay, this is what the member's queue bound allows.
  std::size_t max_held_bytes_per_member = 768 * 1024;
  // Messages held by the gate while an earlier seq is missing (fetched from
  // the store meanwhile). Past it the oldest hole is given up on: a bound
  // for when the store cannot fill it.
  std::size_t max_held_by_gate = 4096;
};

enum class Replay { none, pending };

// How a frame reaches members: every reliable frame arrives, in order, or the
// member is closed as too slow; an ephemeral one (typing) is dropped for a
// member that is behind or replaying, and never closes anyone.
enum class Delivery { reliable, ephemeral };

class Room {
 public:
  // Called for every message the gate releases, in seq order, after its
  // members got it: how what waits outside the room (long polls) hears of it.
  using Released = std::function<void(const Room&, std::uint64_t seq, const Frame&)>;

  Room(RoomName name, std::uint64_t last_seq, RoomLimits limits = {}, Released on_release = {});

  const RoomName& name() const { return name_; }
  // The highest seq released to members; every seq up to it has been released.
  std::uint64_t delivered_seq() const { return delivered_seq_; }

  // A private room or a direct conversation: only those with access may be
  // in it, and the store decides who has (core/room_access.hpp). A room's
  // kind never changes once it exists.
  bool is_restricted() const { return restricted_; }
  void set_restricted(bool restricted) { restricted_ = restricted; }

  struct JoinResult {
    bool was_member;     // the connection was in the room already
    bool first_of_user;  // no other connection of this identity was in the room
    std::uint64_t seq;   // delivered_seq() at the moment of the join
  };
  // Adds `member`. With Replay::pending, everything sent to it through this
  // room is held back until finish_replay().
  JoinResult join(Member& member, Replay replay);

  struct LeaveResult {
    bool was_member;
    bool last_of_user;  // the identity has no other connection in the room
  };
  LeaveResult leave(Member& member);

  bool is_member(const Member& member) const;
  bool is_empty() const { return members_.empty(); }
  // Members a socket backs: those a released message is queued for.
  std::size_t socket_member_count() const { return members_.size() - polled_members_; }
  // The names of the distinct identities present, in order of arrival (two
  // identities of one name, a guest's last moment and the account that took
  // the name, are two users).
  std::vector<std::string> user_names() const;
  std::size_t user_count() const { return users_.size(); }
  // Whether a connection of the identity whose id is `identity` is here.
  bool has_user(const std::string& identity) const { return users_.contains(identity); }
  // The identities present, as (identity id, user name), in no set order.
  std::vector<std::pair<std::string, std::string>> users() const;

  // The ordering gate: releases message `seq` once every earlier seq has been
  // released; drops what was released already; holds what comes early.
  void publish(std::uint64_t seq, Frame frame);
  // A seq is missing: the gate holds later ones (from `held_from` on) until
  // it comes, or until the store fills the gap (delivered_seq(), held_from).
  bool has_gap() const { return !early_.empty(); }
  std::uint64_t held_from() const { return early_.empty() ? 0 : early_.begin()->first; }

  // Sends to every member except the connections of the identity whose id
  // is `except_identity` (none when empty).
  void broadcast(const Frame& frame, std::string_view except_identity = {},
                 Delivery delivery = Delivery::reliable);

  // Sends to one member, behind its replay if one is pending.
  void send_to(Member& member, const Frame& frame);
  // Sends to one member once the gate has released `seq` (at once if it has):
  // an ack never overtakes the message it acknowledges, even when another
  // node's earlier message holds that one back. `queued` runs once it is
  // handed to the member (not if the member leaves first).
  void send_after(Member& member, std::uint64_t seq, Frame frame,
                  std::function<void()> queued = {});

  // The replay for `member` is written (its pieces went to the connection
  // directly): sends what was held meanwhile, and lets live frames through.
  void finish_replay(Member& member);

  // Typing is relayed at most once per `interval_ms` for one user in one
  // room: true when `member`'s typing at `now_ms` is due to be relayed (and
  // counts as relayed). A flood of typing frames costs the others nothing.
  bool take_typing_turn(const Member& member, std::int64_t now_ms, std::int64_t interval_ms);
  // `author` posted a message, which ends their typing for the others: the
  // next typing is news and is relayed at once.
  void end_typing_turn(const Identity& author);

 private:
  struct MemberState {
    bool replaying = false;
    std::vector<Frame> held;
    std::size_t held_bytes = 0;
  };
  struct UserPresence {
    std::string name;
    std::size_t connections = 0;
    std::uint64_t arrival = 0;
    std::int64_t last_typing_ms = INT64_MIN;  // when its typing was last relayed
  };

  void release(std::uint64_t seq, const Frame& frame);
  // Sends what waited (send_after) for every seq up to `seq`.
  void send_waiting_up_to(std::uint64_t seq);
  void deliver(Member& member, MemberState& state, const Frame& frame);

  RoomName name_;
  bool restricted_ = false;
  RoomLimits limits_;
  Released on_release_;
  std::uint64_t delivered_seq_;
  std::map<std::uint64_t, Frame> early_;  // seq -> frame, waiting for a gap to fill
  // What waits for a seq's release (acks).
  struct Waiting {
    Member* member = nullptr;
    Frame frame;
    std::function<void()> queued;
  };
  std::multimap<std::uint64_t, Waiting> after_release_;
  std::unordered_map<Member*, MemberState> members_;
  std::size_t polled_members_ = 0;                       // of members_, those is_polled
  std::unordered_map<std::string, UserPresence> users_;  // by identity id
  std::uint64_t arrivals_ = 0;
};

}  // namespace parley::core
