// The operations side of message history: export and import of whole rooms
// (admin/history_commands), and retention (service/retention_service). One
// third of a Store, beside MessageStore and IdentityStore; used by one thread
// only, the StoreWorker's (or the admin command's own).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/names.hpp"
#include "core/room_access.hpp"
#include "store/message_store.hpp"
#include "store/result.hpp"

namespace parley::store {

// An account with access to a restricted room, in the order they got it.
struct AccessHolder {
  std::string user;  // the account's name as registered
  std::int64_t granted_ms = 0;
};

// A room as an export writes it and an import recreates it: everything the
// rooms and room_access tables hold of it (keys are derived from names).
struct ArchivedRoom {
  std::string name;  // as first written
  core::RoomKind kind = core::RoomKind::public_room;
  std::string owner = {};  // as registered; empty: no owner
  std::uint64_t last_seq = 0;
  // Every event with seq <= trimmed_seq was removed by retention; the first
  // kept event is trimmed_seq + 1.
  std::uint64_t trimmed_seq = 0;
  std::int64_t created_ms = 0;
  std::int64_t last_active_ms = 0;
  std::vector<AccessHolder> access = {};
};

// What one retention batch asks: how much history each room keeps. Zero
// keeps forever. A room's newest event is never removed by age.
struct RetentionPolicy {
  std::uint64_t max_events = 0;      // keep the last N seqs of every room
  std::int64_t max_age_ms = 0;       // remove events older than this
  std::size_t batch_rows = 1000;     // at most this many events removed by one transaction
  std::size_t rooms_per_scan = 100;  // rooms examined by one transaction
};

// Where a retention pass is: rooms are visited in the order of their key.
struct RetentionCursor {
  std::string after_key = {};  // the next batch starts after this room (empty: the first)
  bool done = false;           // the pass reached the last room
};

// What one retention batch did.
struct RetentionBatch {
  RetentionCursor next;
  std::size_t removed = 0;  // events removed
  // The store is trimmed by another node now (PostgreSQL): the pass ends.
  bool busy_elsewhere = false;
};

class HistoryArchive {
 public:
  virtual ~HistoryArchive() = default;

  // Export: rooms (of every kind) in the order of their key, after
  // `after_key` (empty: from the first), at most `limit`, each with its
  // access list. The events themselves are read with read_messages
  // (View::events, Keep::oldest), page by page.
  virtual Result<std::vector<ArchivedRoom>> list_archived_rooms(const std::string& after_key,
                                                                std::size_t limit) = 0;

  // Import: creates `room` as described, with no events yet (its last seq
  // is its trimmed_seq). false, and nothing changes, when a room of that
  // name exists already: an import never writes into a room that exists.
  virtual Result<bool> import_room(const ArchivedRoom& room) = 0;
  // Import: stores `events` of `room` as they are (seq, ts, author, client
  // id, text in its final state, flags), in one transaction, and sets the
  // reactions as they stand after them. Each seq must be the room's last
  // seq + 1 (an error otherwise, and nothing is stored); the room's last seq
  // becomes the last one's, so appends continue after it.
  virtual Result<void> import_events(const core::RoomName& room,
                                     std::span<const StoredMessage> events) = 0;

  // Retention: removes what `policy` no longer keeps from the rooms after
  // `from`, at most policy.batch_rows events in one transaction, and raises
  // each trimmed room's trimmed_seq. Call again with `next` until done.
  // Idempotent: two nodes that trim the same room remove it once.
  virtual Result<RetentionBatch> trim_history(const RetentionPolicy& policy,
                                              const RetentionCursor& from, std::int64_t now_ms) = 0;
  // Every event of `room` with seq <= the answer was removed by retention
  // (0: none; also for a room that does not exist).
  virtual Result<std::uint64_t> trimmed_seq(const core::RoomName& room) = 0;
};

}  // namespace parley::store
