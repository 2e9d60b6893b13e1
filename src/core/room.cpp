#include "core/room.hpp"

#include <algorithm>
#include <utility>

namespace parley::core {

Room::Room(RoomName name, std::uint64_t last_seq, RoomLimits limits, Released on_release)
    : name_(std::move(name)),
      limits_(limits),
      on_release_(std::move(on_release)),
      delivered_seq_(last_seq) {}

Room::JoinResult Room::join(Member& member, Replay replay) {
  auto [it, inserted] = members_.try_emplace(&member);
  bool first_of_user = false;
  if (inserted) {
    if (member.is_polled()) ++polled_members_;
    UserPresence& presence = users_[member.identity().id];
    if (presence.connections++ == 0) {
      presence.name = member.user().text();
      presence.arrival = arrivals_++;
      first_of_user = true;
    }
  }
  if (replay == Replay::pending) it->second.replaying = true;
  return {.was_member = !inserted, .first_of_user = first_of_user, .seq = delivered_seq_};
}

Room::LeaveResult Room::leave(Member& member) {
  if (members_.erase(&member) == 0) return {.was_member = false, .last_of_user = false};
  if (member.is_polled()) --polled_members_;
  std::erase_if(after_release_, [&](const auto& entry) { return entry.second.member == &member; });
  auto user = users_.find(member.identity().id);
  const bool last = --user->second.connections == 0;
  if (last) users_.erase(user);
  return {.was_member = true, .last_of_user = last};
}

bool Room::is_member(const Member& member) const {
  return members_.contains(const_cast<Member*>(&member));
}

std::vector<std::string> Room::user_names() const {
  std::vector<const UserPresence*> ordered;
  ordered.reserve(users_.size());
  for (const auto& [key, presence] : users_) ordered.push_back(&presence);
  std::sort(ordered.begin(), ordered.end(),
            [](const UserPresence* a, const UserPresence* b) { return a->arrival < b->arrival; });
  std::vector<std::string> names;
  names.reserve(ordered.size());
  for (const UserPresence* presence : ordered) names.push_back(presence->name);
  return names;
}

std::vector<std::pair<std::string, std::string>> Room::users() const {
  std::vector<std::pair<std::string, std::string>> result;
  result.reserve(users_.size());
  for (const auto& [id, presence] : users_) result.emplace_back(id, presence.name);
  return result;
}

void Room::publish(std::uint64_t seq, Frame frame) {
  if (seq <= delivered_seq_) return;  // released already: never twice
  if (seq != delivered_seq_ + 1) {
    // Early: hold until the gap fills. Past the bound the oldest hole is
    // given up on rather than growing without limit.
    early_.emplace(seq, std::move(frame));
    if (early_.size() > limits_.max_held_by_gate) {
      delivered_seq_ = early_.begin()->first - 1;
      send_waiting_up_to(delivered_seq_);
    } else {
      return;
    }
  } else {
    delivered_seq_ = seq;
    release(seq, frame);
  }
  // Release whatever the gap was holding back.
  while (!early_.empty() && early_.begin()->first <= delivered_seq_ + 1) {
    auto next = early_.extract(early_.begin());
    if (next.key() == delivered_seq_ + 1) {
      delivered_seq_ = next.key();
      release(next.key(), next.mapped());
    }
  }
}

void Room::release(std::uint64_t seq, const Frame& frame) {
  for (auto& [member, state] : members_) deliver(*member, state, frame);
  if (!after_release_.empty()) send_waiting_up_to(seq);
  if (on_release_) on_release_(*this, seq, frame);
}

void Room::broadcast(const Frame& frame, std::string_view except_identity, Delivery delivery) {
  for (auto& [member, state] : members_) {
    if (!except_identity.empty() && member->identity().id == except_identity) continue;
    if (delivery == Delivery::reliable) {
      deliver(*member, state, frame);
    } else if (!state.replaying) {
      member->send_ephemeral(frame);
    }
  }
}

void Room::end_typing_turn(const Identity& author) {
  if (auto user = users_.find(author.id); user != users_.end()) {
    user->second.last_typing_ms = INT64_MIN;
  }
}

bool Room::take_typing_turn(const Member& member, std::int64_t now_ms, std::int64_t interval_ms) {
  auto user = users_.find(member.identity().id);
  if (user == users_.end()) return false;
  std::int64_t& last = user->second.last_typing_ms;
  if (last != INT64_MIN && now_ms - last < interval_ms && now_ms >= last) return false;
  last = now_ms;
  return true;
}

void Room::send_to(Member& member, const Frame& frame) {
  auto it = members_.find(&member);
  if (it == members_.end()) {
    member.send(frame);
  } else {
    deliver(member, it->second, frame);
  }
}

void Room::send_after(Member& member, std::uint64_t seq, Frame frame,
                      std::function<void()> queued) {
  if (seq <= delivered_seq_ || !members_.contains(&member)) {
    send_to(member, frame);
    if (queued) queued();
    return;
  }
  after_release_.emplace(seq, Waiting{&member, std::move(frame), std::move(queued)});
}

void Room::send_waiting_up_to(std::uint64_t seq) {
  while (!after_release_.empty() && after_release_.begin()->first <= seq) {
    auto waiting = after_release_.extract(after_release_.begin());
    send_to(*waiting.mapped().member, waiting.mapped().frame);
    if (waiting.mapped().queued) waiting.mapped().queued();
  }
}

void Room::deliver(Member& member, MemberState& state, const Frame& frame) {
  if (!state.replaying) {
    member.send(frame);
    return;
  }
  const std::size_t cost = queued_cost(*frame);
  if (state.held_bytes + cost > limits_.max_held_bytes_per_member) {
    member.fall_behind();
    return;
  }
  state.held_bytes += cost;
  state.held.push_back(frame);
}

void Room::finish_replay(Member& member) {
  auto it = members_.find(&member);
  if (it == members_.end() || !it->second.replaying) return;
  MemberState& state = it->second;
  state.replaying = false;
  std::vector<Frame> held = std::move(state.held);
  state.held = {};
  state.held_bytes = 0;
  for (const Frame& frame : held) member.send(frame);
}

}  // namespace parley::core
