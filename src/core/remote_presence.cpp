#include "core/remote_presence.hpp"

#include <algorithm>

namespace parley::core {

bool RemotePresence::note(Node& node, const std::string& name, const PresentUser& user) {
  if (!node.present.emplace(user.room, user.identity).second) return false;
  Seen& seen = rooms_[user.room][user.identity];
  if (seen.nodes.empty()) {
    seen.user = user;
    seen.arrival = arrivals_++;
  }
  return seen.nodes.insert(name).second && seen.nodes.size() == 1;
}

bool RemotePresence::unnote(const std::string& node, const std::string& room,
                            const std::string& identity, PresentUser* gone) {
  auto users = rooms_.find(room);
  if (users == rooms_.end()) return false;
  auto seen = users->second.find(identity);
  if (seen == users->second.end() || seen->second.nodes.erase(node) == 0) return false;
  if (!seen->second.nodes.empty()) return false;
  if (gone != nullptr) *gone = std::move(seen->second.user);
  users->second.erase(seen);
  if (users->second.empty()) rooms_.erase(users);
  return true;
}

bool RemotePresence::add(const std::string& node, const PresentUser& user, std::int64_t now_ms) {
  Node& state = nodes_[node];
  state.heard_ms = now_ms;
  return note(state, node, user);
}

bool RemotePresence::remove(const std::string& node, const std::string& room,
                            const std::string& identity, std::int64_t now_ms) {
  auto state = nodes_.find(node);
  if (state == nodes_.end()) return false;
  state->second.heard_ms = now_ms;
  if (state->second.present.erase({room, identity}) == 0) return false;
  return unnote(node, room, identity, nullptr);
}

std::vector<PresenceChange> RemotePresence::replace(const std::string& node,
                                                    const std::vector<PresentUser>& now,
                                                    std::int64_t now_ms) {
  Node& state = nodes_[node];
  state.heard_ms = now_ms;
  std::set<std::pair<std::string, std::string>> reported;
  std::vector<PresenceChange> changes;
  for (const PresentUser& user : now) {
    reported.emplace(user.room, user.identity);
    if (note(state, node, user)) changes.push_back({user, true});
  }
  for (auto it = state.present.begin(); it != state.present.end();) {
    if (reported.contains(*it)) {
      ++it;
      continue;
    }
    PresentUser gone;
    if (unnote(node, it->first, it->second, &gone)) changes.push_back({std::move(gone), false});
    it = state.present.erase(it);
  }
  return changes;
}

std::vector<PresenceChange> RemotePresence::expire(std::int64_t cutoff_ms) {
  std::vector<PresenceChange> changes;
  for (auto node = nodes_.begin(); node != nodes_.end();) {
    if (node->second.heard_ms >= cutoff_ms) {
      ++node;
      continue;
    }
    for (const auto& [room, identity] : node->second.present) {
      PresentUser gone;
      if (unnote(node->first, room, identity, &gone)) changes.push_back({std::move(gone), false});
    }
    node = nodes_.erase(node);
  }
  return changes;
}

bool RemotePresence::is_present(const std::string& room, const std::string& identity) const {
  auto users = rooms_.find(room);
  return users != rooms_.end() && users->second.contains(identity);
}

std::vector<PresentUser> RemotePresence::users_in(const std::string& room) const {
  std::vector<const Seen*> ordered;
  if (auto users = rooms_.find(room); users != rooms_.end()) {
    for (const auto& [identity, seen] : users->second) ordered.push_back(&seen);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const Seen* a, const Seen* b) { return a->arrival < b->arrival; });
  std::vector<PresentUser> result;
  result.reserve(ordered.size());
  for (const Seen* seen : ordered) result.push_back(seen->user);
  return result;
}

std::size_t RemotePresence::user_count(const std::string& room) const {
  auto users = rooms_.find(room);
  return users == rooms_.end() ? 0 : users->second.size();
}

}  // namespace parley::core
