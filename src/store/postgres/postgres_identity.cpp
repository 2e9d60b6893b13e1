// PostgresStore: accounts, sessions and tokens.
#include "store/postgres/postgres_store.hpp"

#include "store/postgres/pg_array.hpp"

namespace parley::store {
namespace {

// Two nodes claiming one name take this lock (space, hash of the user key)
// first, so the check that the name is free and the insert act as one.
constexpr PgStatement kLockName{"lock_name",
                                "SELECT pg_advisory_xact_lock(1886548332, hashtext($1::text))"};
constexpr PgStatement kInsertAccount{
    "insert_account",
    "INSERT INTO accounts (key, name, password_hash, created_ms) "
    "SELECT $1::text, $2::text, $3::text, $4::bigint WHERE NOT EXISTS (SELECT 1 FROM sessions "
    "WHERE user_key = $1::text AND guest AND expires_ms > $4::bigint) "
    "ON CONFLICT (key) DO NOTHING"};
constexpr PgStatement kFindAccount{
    "find_account", "SELECT name, password_hash, is_admin FROM accounts WHERE key = $1::text"};
constexpr PgStatement kIsNameTaken{
    "is_name_taken",
    "SELECT EXISTS (SELECT 1 FROM accounts WHERE key = $1::text) OR EXISTS (SELECT 1 FROM "
    "sessions WHERE user_key = $1::text AND guest AND expires_ms > $2::bigint)"};
constexpr PgStatement kInsertGuestSession{
    "insert_guest_session",
    "INSERT INTO sessions (id_digest, user_key, user_name, guest, csrf_token, created_ms, "
    "expires_ms, owner) SELECT $2::text, $1::text, $3::text, true, $4::text, $5::bigint, "
    "$6::bigint, $7::text WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE key = $1::text) "
    "AND NOT EXISTS (SELECT 1 FROM sessions WHERE user_key = $1::text AND guest "
    "AND expires_ms > $5::bigint)"};
constexpr PgStatement kInsertSession{
    "insert_session",
    "INSERT INTO sessions (id_digest, user_key, user_name, guest, csrf_token, created_ms, "
    "expires_ms, owner) VALUES ($2::text, $1::text, $3::text, false, $4::text, $5::bigint, "
    "$6::bigint, $7::text)"};
constexpr PgStatement kFindSession{
    "find_session",
    "SELECT user_name, guest, csrf_token, expires_ms, owner FROM sessions "
    "WHERE id_digest = $1::text AND expires_ms > $2::bigint"};
constexpr PgStatement kExtendSession{
    "extend_session", "UPDATE sessions SET expires_ms = $1::bigint WHERE id_digest = $2::text"};
constexpr PgStatement kExtendLiveSessions{
    "extend_live_sessions",
    "UPDATE sessions SET expires_ms = $1::bigint "
    "WHERE id_digest = ANY($2::text[]) AND expires_ms > $3::bigint"};
constexpr PgStatement kDeleteSession{"delete_session",
                                     "DELETE FROM sessions WHERE id_digest = $1::text"};
constexpr PgStatement kDeleteExpired{"delete_expired_sessions",
                                     "DELETE FROM sessions WHERE expires_ms <= $1::bigint"};
constexpr PgStatement kCreateToken{
    "create_token",
    "INSERT INTO tokens (id, digest, user_key, user_name, created_ms) "
    "VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint)"};
constexpr PgStatement kFindToken{
    "find_token",
    "SELECT id, user_name, created_ms FROM tokens WHERE digest = $1::text AND NOT revoked"};
constexpr PgStatement kListTokens{
    "list_tokens",
    "SELECT id, user_name, created_ms, digest FROM tokens WHERE user_key = $1::text "
    "AND NOT revoked ORDER BY created_ms, id"};
constexpr PgStatement kCountTokens{
    "count_live_tokens", "SELECT COUNT(*) FROM tokens WHERE user_key = $1::text AND NOT revoked"};
constexpr PgStatement kRevokeToken{
    "revoke_token",
    "UPDATE tokens SET revoked = true WHERE id = $1::text AND user_key = $2::text "
    "AND NOT revoked"};

template <class T>
Result<T> error_of(boost::system::error_code error) {
  return Result<T>(boost::system::in_place_error, error);
}

}  // namespace

Result<bool> PostgresStore::insert_claiming_name(
    const core::UserName& user, const PgStatement& insert,
    std::initializer_list<std::string_view> parameters) {
  const auto fail = [this](boost::system::error_code error) {
    connection_.rollback();
    return error_of<bool>(failed(error));
  };
  if (auto begun = connection_.begin(); !begun) return fail(begun.error());
  if (auto locked = connection_.execute(kLockName, {user.key()}); !locked) {
    return fail(locked.error());
  }
  auto inserted = connection_.execute(insert, parameters);
  if (!inserted) return fail(inserted.error());
  if (auto committed = connection_.commit(); !committed) return fail(committed.error());
  return inserted->affected() == 1;
}

Result<bool> PostgresStore::create_account(const core::UserName& user,
                                           const std::string& password_hash, std::int64_t now_ms) {
  const std::string now = std::to_string(now_ms);
  return insert_claiming_name(user, kInsertAccount, {user.key(), user.text(), password_hash, now});
}

Result<std::optional<Account>> PostgresStore::find_account(const core::UserName& user) {
  auto found = connection_.execute(kFindAccount, {user.key()});
  if (!found) return failed(found.error());
  if (found->rows() == 0) return std::optional<Account>{};
  return std::optional<Account>{Account{std::string(found->text(0, 0)),
                                        std::string(found->text(0, 1)), found->boolean(0, 2)}};
}

Result<bool> PostgresStore::is_name_taken(const core::UserName& user, std::int64_t now_ms) {
  const std::string now = std::to_string(now_ms);
  auto taken = connection_.execute(kIsNameTaken, {user.key(), now});
  if (!taken) return error_of<bool>(failed(taken.error()));
  return taken->boolean(0, 0);
}

Result<bool> PostgresStore::create_session(const SessionRecord& session, std::int64_t now_ms) {
  auto name = core::UserName::parse(session.user_name);
  if (!name) return false;
  const std::string now = std::to_string(now_ms);
  const std::string expires = std::to_string(session.expires_ms);
  if (session.guest) {
    return insert_claiming_name(*name, kInsertGuestSession,
                                {name->key(), session.id_digest, name->text(), session.csrf_token,
                                 now, expires, session.owner});
  }
  auto inserted =
      connection_.execute(kInsertSession, {name->key(), session.id_digest, name->text(),
                                           session.csrf_token, now, expires, session.owner});
  if (!inserted) return error_of<bool>(failed(inserted.error()));
  return true;
}

Result<std::optional<SessionRecord>> PostgresStore::find_session(const std::string& id_digest,
                                                                 std::int64_t now_ms) {
  const std::string now = std::to_string(now_ms);
  auto found = connection_.execute(kFindSession, {id_digest, now});
  if (!found) return failed(found.error());
  if (found->rows() == 0) return std::optional<SessionRecord>{};
  return std::optional<SessionRecord>{SessionRecord{
      id_digest, std::string(found->text(0, 0)), found->boolean(0, 1),
      std::string(found->text(0, 2)), found->integer(0, 3), std::string(found->text(0, 4))}};
}

Result<void> PostgresStore::extend_session(const std::string& id_digest, std::int64_t expires_ms) {
  const std::string expires = std::to_string(expires_ms);
  auto updated = connection_.execute(kExtendSession, {expires, id_digest});
  if (!updated) return failed(updated.error());
  return {};
}

Result<std::size_t> PostgresStore::extend_live_sessions(const std::vector<std::string>& id_digests,
                                                        std::int64_t expires_ms,
                                                        std::int64_t now_ms) {
  PgArray digests;
  for (const std::string& digest : id_digests) digests.add(digest);
  const std::string expires = std::to_string(expires_ms);
  const std::string now = std::to_string(now_ms);
  auto updated = connection_.execute(kExtendLiveSessions, {expires, digests.literal(), now});
  if (!updated) return error_of<std::size_t>(failed(updated.error()));
  return static_cast<std::size_t>(updated->affected());
}

Result<void> PostgresStore::delete_session(const std::string& id_digest) {
  auto deleted = connection_.execute(kDeleteSession, {id_digest});
  if (!deleted) return failed(deleted.error());
  return {};
}

Result<std::size_t> PostgresStore::delete_expired_sessions(std::int64_t now_ms) {
  const std::string now = std::to_string(now_ms);
  auto deleted = connection_.execute(kDeleteExpired, {now});
  if (!deleted) return error_of<std::size_t>(failed(deleted.error()));
  return static_cast<std::size_t>(deleted->affected());
}

Result<void> PostgresStore::create_token(const TokenRecord& token) {
  auto name = core::UserName::parse(token.user_name);
  if (!name) return make_error(PgError::bad_request);
  const std::string created = std::to_string(token.created_ms);
  auto inserted = connection_.execute(kCreateToken,
                                      {token.id, token.digest, name->key(), name->text(), created});
  if (!inserted) return failed(inserted.error());
  return {};
}

Result<std::optional<TokenRecord>> PostgresStore::find_token(const std::string& digest) {
  auto found = connection_.execute(kFindToken, {digest});
  if (!found) return failed(found.error());
  if (found->rows() == 0) return std::optional<TokenRecord>{};
  return std::optional<TokenRecord>{TokenRecord{std::string(found->text(0, 0)), digest,
                                                std::string(found->text(0, 1)),
                                                found->integer(0, 2)}};
}

Result<std::vector<TokenRecord>> PostgresStore::list_tokens(const core::UserName& user) {
  auto rows = connection_.execute(kListTokens, {user.key()});
  if (!rows) return failed(rows.error());
  std::vector<TokenRecord> tokens;
  for (int row = 0; row < rows->rows(); ++row) {
    tokens.push_back(TokenRecord{std::string(rows->text(row, 0)), std::string(rows->text(row, 3)),
                                 std::string(rows->text(row, 1)), rows->integer(row, 2)});
  }
  return tokens;
}

Result<std::size_t> PostgresStore::count_live_tokens(const core::UserName& user) {
  auto counted = connection_.execute(kCountTokens, {user.key()});
  if (!counted) return error_of<std::size_t>(failed(counted.error()));
  return static_cast<std::size_t>(counted->integer(0, 0));
}

Result<bool> PostgresStore::revoke_token(const core::UserName& user, const std::string& id) {
  auto revoked = connection_.execute(kRevokeToken, {id, user.key()});
  if (!revoked) return error_of<bool>(failed(revoked.error()));
  return revoked->affected() > 0;
}

}  // namespace parley::store
