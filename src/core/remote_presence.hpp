// Who is present on the other nodes of a cluster: per room, the identities
// each node reported, from presence events and from the snapshot in each
// node's heartbeat, which replaces what was known of that node (a lost event
// is corrected by the next heartbeat). A node silent for too long is dropped.
// No I/O; I/O thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::core {

struct PresentUser {
  std::string room;       // room key
  std::string room_name;  // as first written
  std::string identity;   // identity id
  std::string user;       // user name
  friend bool operator==(const PresentUser&, const PresentUser&) = default;
};

// An identity came to a room (present) or left it, as the cluster outside
// this node sees it: present on no other node before, or on none after.
struct PresenceChange {
  PresentUser user;
  bool present = false;
};

class RemotePresence {
 public:
  // `node` has `user` in its room now. Answers whether no other node had it.
  bool add(const std::string& node, const PresentUser& user, std::int64_t now_ms);
  // `node` no longer has the identity in the room. Answers whether no other
  // node has it now (and one had it before).
  bool remove(const std::string& node, const std::string& room, const std::string& identity,
              std::int64_t now_ms);
  // What `node` has, in full: replaces what was known of it. Answers what
  // changed for the cluster outside this node.
  std::vector<PresenceChange> replace(const std::string& node, const std::vector<PresentUser>& now,
                                      std::int64_t now_ms);
  // Nodes not heard of since `cutoff_ms` are dropped; answers what went.
  std::vector<PresenceChange> expire(std::int64_t cutoff_ms);

  bool is_present(const std::string& room, const std::string& identity) const;
  // The users present in `room` on other nodes, one per identity, in the
  // order they first came.
  std::vector<PresentUser> users_in(const std::string& room) const;
  std::size_t user_count(const std::string& room) const;
  std::size_t node_count() const { return nodes_.size(); }

 private:
  struct Seen {
    PresentUser user;
    std::uint64_t arrival = 0;
    std::set<std::string> nodes;
  };
  struct Node {
    std::int64_t heard_ms = 0;
    std::set<std::pair<std::string, std::string>> present;  // (room, identity)
  };
  // (room, identity) present on `node`: false when it was already.
  bool note(Node& node, const std::string& name, const PresentUser& user);
  // Drops (room, identity) of `node`: true when no node has it now.
  bool unnote(const std::string& node, const std::string& room, const std::string& identity,
              PresentUser* gone);

  std::unordered_map<std::string, Node> nodes_;
  // room -> identity -> who and on which nodes
  std::unordered_map<std::string, std::map<std::string, Seen>> rooms_;
  std::uint64_t arrivals_ = 0;
};

}  // namespace parley::core
