// PostgresStore: what the operator does (parley admin), from another process
// while the nodes run. Every change is one transaction.
#include <string>
#include <vector>

#include "store/postgres/postgres_store.hpp"

namespace parley::store {
namespace {

// An error as any Result: Result<bool> cannot tell an error_code from a bool.
struct Failure {
  boost::system::error_code error;
  template <class T>
  operator Result<T>() const {  // NOLINT(google-explicit-constructor)
    return Result<T>(boost::system::in_place_error, error);
  }
};

constexpr PgStatement kServerRole{"server_role",
                                  "SELECT is_admin FROM accounts WHERE key = $1::text"};
constexpr PgStatement kSetPassword{
    "set_password", "UPDATE accounts SET password_hash = $2::text WHERE key = $1::text"};
constexpr PgStatement kEndSessions{"end_sessions",
                                   "DELETE FROM sessions WHERE user_key = $1::text AND NOT guest"};
constexpr PgStatement kRevokeTokens{
    "revoke_tokens", "UPDATE tokens SET revoked = true WHERE user_key = $1::text AND NOT revoked"};
constexpr PgStatement kSetServerRole{
    "set_server_role", "UPDATE accounts SET is_admin = $2::boolean WHERE key = $1::text"};
// The account's row, locked: a name claimed meanwhile waits (kLockName is
// the registration's lock; this one keeps the row while it goes).
constexpr PgStatement kLockAccount{"lock_account",
                                   "SELECT name FROM accounts WHERE key = $1::text FOR UPDATE"};
constexpr PgStatement kDirectRoomsOf{
    "direct_rooms_of",
    "SELECT r.id FROM room_access a JOIN rooms r ON r.id = a.room_id "
    "WHERE a.user_key = $1::text AND r.kind = 2 ORDER BY r.key FOR UPDATE OF r"};
constexpr PgStatement kDeleteTokens{"delete_tokens",
                                    "DELETE FROM tokens WHERE user_key = $1::text"};
constexpr PgStatement kDeleteMarkersOf{"delete_markers_of",
                                       "DELETE FROM read_markers WHERE reader = $1::text"};
constexpr PgStatement kDeleteAccessOf{"delete_access_of",
                                      "DELETE FROM room_access WHERE user_key = $1::text"};
constexpr PgStatement kDisownRooms{
    "disown_rooms",
    "UPDATE rooms SET owner_key = NULL, owner_name = NULL WHERE owner_key = $1::text"};
constexpr PgStatement kDeleteAccount{"delete_account", "DELETE FROM accounts WHERE key = $1::text"};
constexpr PgStatement kRetireMessages{
    "retire_messages", "UPDATE messages SET author_id = $2::text WHERE author_id = $1::text"};
constexpr PgStatement kRetireReactions{
    "retire_reactions", "UPDATE reactions SET author_id = $2::text WHERE author_id = $1::text"};
constexpr PgStatement kLockRoomById{"lock_room_by_key",
                                    "SELECT id FROM rooms WHERE key = $1::text FOR UPDATE"};
constexpr PgStatement kDeleteRoomReactions{"delete_room_reactions",
                                           "DELETE FROM reactions WHERE room_id = $1::bigint"};
constexpr PgStatement kDeleteRoomMarkers{"delete_room_markers",
                                         "DELETE FROM read_markers WHERE room_id = $1::bigint"};
constexpr PgStatement kDeleteRoomAccess{"delete_room_access",
                                        "DELETE FROM room_access WHERE room_id = $1::bigint"};
constexpr PgStatement kDeleteRoomMessages{"delete_room_messages",
                                          "DELETE FROM messages WHERE room_id = $1::bigint"};
constexpr PgStatement kDeleteRoomRow{"delete_room_row", "DELETE FROM rooms WHERE id = $1::bigint"};
constexpr PgStatement kListAllRooms{
    "list_all_rooms",
    "SELECT r.name, r.kind, (SELECT COUNT(*) FROM messages m WHERE m.room_id = r.id "
    "AND m.kind = 0 AND NOT m.deleted), COALESCE((SELECT m.ts FROM messages m "
    "WHERE m.room_id = r.id ORDER BY m.seq DESC LIMIT 1), 0) FROM rooms r ORDER BY r.key"};

}  // namespace

Result<ServerRole> PostgresStore::server_role_of(const core::Identity& author) {
  const std::string key = core::access_key_of(author);
  if (key.empty()) return ServerRole::member;
  auto found = connection_.execute(kServerRole, {key});
  if (!found) return Failure{found.error()};
  return found->rows() == 1 && found->boolean(0, 0) ? ServerRole::admin : ServerRole::member;
}

Result<bool> PostgresStore::set_password(const core::UserName& user,
                                         const std::string& password_hash) {
  return in_transaction<bool>([&]() -> Result<bool> {
    auto updated = connection_.execute(kSetPassword, {user.key(), password_hash});
    if (!updated) return Failure{updated.error()};
    if (updated->affected() == 0) return false;
    for (const PgStatement* statement : {&kEndSessions, &kRevokeTokens}) {
      if (auto done = connection_.execute(*statement, {user.key()}); !done)
        return Failure{done.error()};
    }
    return true;
  });
}

Result<bool> PostgresStore::set_server_role(const core::UserName& user, ServerRole role) {
  return in_transaction<bool>([&]() -> Result<bool> {
    auto updated = connection_.execute(kSetServerRole,
                                       {user.key(), role == ServerRole::admin ? "true" : "false"});
    if (!updated) return Failure{updated.error()};
    return updated->affected() > 0;
  });
}

Result<void> PostgresStore::delete_room_rows(const std::string& room_id) {
  for (const PgStatement* statement : {&kDeleteRoomReactions, &kDeleteRoomMarkers,
                                       &kDeleteRoomAccess, &kDeleteRoomMessages, &kDeleteRoomRow}) {
    if (auto done = connection_.execute(*statement, {room_id}); !done) return Failure{done.error()};
  }
  return {};
}

Result<bool> PostgresStore::delete_account(const core::UserName& user, std::int64_t now_ms) {
  return in_transaction<bool>([&]() -> Result<bool> {
    auto account = connection_.execute(kLockAccount, {user.key()});
    if (!account) return Failure{account.error()};
    if (account->rows() == 0) return false;
    // Its direct conversations go whole: the other person keeps no half.
    auto direct = connection_.execute(kDirectRoomsOf, {user.key()});
    if (!direct) return Failure{direct.error()};
    for (int row = 0; row < direct->rows(); ++row) {
      if (auto done = delete_room_rows(std::to_string(direct->integer(row, 0))); !done) {
        return Failure{done.error()};
      }
    }
    for (const PgStatement* statement :
         {&kEndSessions, &kDeleteTokens, &kDeleteAccessOf, &kDisownRooms, &kDeleteAccount}) {
      if (auto done = connection_.execute(*statement, {user.key()}); !done)
        return Failure{done.error()};
    }
    const std::string id = core::account_id_of(user.key());
    if (auto done = connection_.execute(kDeleteMarkersOf, {id}); !done)
      return Failure{done.error()};
    const std::string retired = "x:" + user.key() + ":" + std::to_string(now_ms);
    for (const PgStatement* statement : {&kRetireMessages, &kRetireReactions}) {
      if (auto done = connection_.execute(*statement, {id, retired}); !done)
        return Failure{done.error()};
    }
    return true;
  });
}

Result<std::vector<RoomSummary>> PostgresStore::list_all_rooms() {
  auto found = connection_.execute(kListAllRooms, {});
  if (!found) return failed(found.error());
  std::vector<RoomSummary> rooms;
  for (int row = 0; row < found->rows(); ++row) {
    rooms.push_back({std::string(found->text(row, 0)),
                     static_cast<core::RoomKind>(found->integer(row, 1)),
                     static_cast<std::uint64_t>(found->integer(row, 2)), found->integer(row, 3)});
  }
  return rooms;
}

Result<bool> PostgresStore::delete_room(const core::RoomName& room) {
  auto deleted = in_transaction<bool>([&]() -> Result<bool> {
    auto found = connection_.execute(kLockRoomById, {room.key()});
    if (!found) return Failure{found.error()};
    if (found->rows() == 0) return false;
    if (auto done = delete_room_rows(std::to_string(found->integer(0, 0))); !done) {
      return Failure{done.error()};
    }
    return true;
  });
  known_rooms_.erase(room.key());
  return deleted;
}

}  // namespace parley::store
