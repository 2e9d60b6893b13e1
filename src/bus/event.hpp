// What one node tells every node: a committed message, typing, a change of
// presence, an ended credential, or that it is alive. Plain value; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/member.hpp"
#include "core/remote_presence.hpp"

namespace parley::bus {

enum class EventKind : std::uint8_t {
  message,           // room, seq, frame: committed; every node's room gate releases it in order
  typing,            // room, identity, frame: relayed to members, never stored
  presence,          // room, identity, user, present: an identity's first or last connection
                     // to a room on the publishing node came or went
  credential_ended,  // subject: a session or token (its digest) or an identity id that ended
  heartbeat,         // the node is alive; `snapshot` says who it has in which room,
                     // `positions` how far its rooms are
  personal,          // identity, frame: for every connection of that identity (a read
                     // marker moved, an invitation), on every node
  access_lost,       // room, identity, frame: the account lost its access to a restricted
                     // room; its connections everywhere get the frame and leave the room
};

// One identity present in one room on the publishing node.
using PresenceEntry = core::PresentUser;

struct Event {
  Event() = default;
  explicit Event(EventKind kind, std::string room = {}) : kind(kind), room(std::move(room)) {}

  EventKind kind = EventKind::message;
  std::string node;       // the publishing node, set by the bus
  std::string room;       // room key
  std::string room_name;  // presence: the room as first written
  std::uint64_t seq = 0;  // message
  core::Frame frame;      // message, typing: the frame as members get it
  std::string identity;   // typing, presence: the identity id
  std::string user;       // presence: the user name
  bool present = false;   // presence: came (true) or went
  std::string subject;    // credential_ended
  // personal, on the publishing node only (never sent): the connection that
  // caused it, which does not get it. Valid while publish() runs.
  const void* except = nullptr;
  std::vector<PresenceEntry> snapshot;  // heartbeat
  // heartbeat: the last seq this node released per open room, so that a node
  // that missed the last messages of a quiet room reads them from the store.
  std::vector<std::pair<std::string, std::uint64_t>> positions;
};

}  // namespace parley::bus
