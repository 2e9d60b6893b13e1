// Who may act: accounts, the sessions of browsers and guests, and API tokens.
// One half of a Store (the other is MessageStore); used by one thread only,
// the StoreWorker's. Secrets never reach it: sessions and tokens are found by
// digests of theirs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/names.hpp"
#include "store/result.hpp"

namespace parley::store {

struct Account {
  std::string name;  // as registered
  std::string password_hash;
  bool is_admin = false;  // a server admin (parley admin user admin NAME)
};

// What an account may do beyond its own messages and rooms: a server admin
// may also delete any message (event_rules.hpp).
enum class ServerRole { member, admin };

struct SessionRecord {
  std::string id_digest;  // digest of the cookie's secret, never the secret
  std::string user_name;
  bool guest = false;
  std::string csrf_token;
  std::int64_t expires_ms = 0;
  // The identity id of whoever the session acts as: "a:" + user key for an
  // account, "g:" + a random public id for a guest (never from the secret).
  std::string owner;
};

struct TokenRecord {
  std::string id;      // public handle, for listing and revoking
  std::string digest;  // digest of the bearer secret
  std::string user_name;
  std::int64_t created_ms = 0;
};

class IdentityStore {
 public:
  virtual ~IdentityStore() = default;

  // Creates the account unless the name is taken by an account or by a guest
  // session that has not expired; answers whether it was created.
  virtual Result<bool> create_account(const core::UserName& user, const std::string& password_hash,
                                      std::int64_t now_ms) = 0;
  virtual Result<std::optional<Account>> find_account(const core::UserName& user) = 0;

  // True when an account, or a guest session unexpired at `now_ms`, has the name.
  virtual Result<bool> is_name_taken(const core::UserName& user, std::int64_t now_ms) = 0;

  // Stores a session. A guest session is refused (false) when its name is
  // taken, checked in the same step.
  virtual Result<bool> create_session(const SessionRecord& session, std::int64_t now_ms) = 0;
  // The session, if it exists and has not expired at `now_ms` (it expires
  // when expires_ms <= now_ms).
  virtual Result<std::optional<SessionRecord>> find_session(const std::string& id_digest,
                                                            std::int64_t now_ms) = 0;
  virtual Result<void> extend_session(const std::string& id_digest, std::int64_t expires_ms) = 0;
  // Moves the expiry of those of these sessions that are unexpired at
  // `now_ms` (an expired one stays expired: its name may be someone else's
  // by now); answers how many moved. One statement for a node's many claims.
  virtual Result<std::size_t> extend_live_sessions(const std::vector<std::string>& id_digests,
                                                   std::int64_t expires_ms,
                                                   std::int64_t now_ms) = 0;
  virtual Result<void> delete_session(const std::string& id_digest) = 0;
  // Deletes every session expired at `now_ms` (expires_ms <= now_ms, as
  // find_session sees them); answers how many went.
  virtual Result<std::size_t> delete_expired_sessions(std::int64_t now_ms) = 0;

  virtual Result<void> create_token(const TokenRecord& token) = 0;
  // The token with this digest, unless it was revoked.
  virtual Result<std::optional<TokenRecord>> find_token(const std::string& digest) = 0;
  // The unrevoked tokens of `user`, oldest first.
  virtual Result<std::vector<TokenRecord>> list_tokens(const core::UserName& user) = 0;
  // How many unrevoked tokens `user` has.
  virtual Result<std::size_t> count_live_tokens(const core::UserName& user) = 0;
  // Answers whether a token of `user` with this id was there to revoke; a
  // token of anyone else is left alone.
  virtual Result<bool> revoke_token(const core::UserName& user, const std::string& id) = 0;

  // Operations (parley admin); each false when `user` has no account.
  //
  // Replaces the account's password hash and, in the same transaction, ends
  // every session of the account and revokes every token of it: whoever
  // held the old password is out.
  virtual Result<bool> set_password(const core::UserName& user,
                                    const std::string& password_hash) = 0;
  // Makes the account a server admin, or a member again.
  virtual Result<bool> set_server_role(const core::UserName& user, ServerRole role) = 0;
  // Deletes the account in one transaction with its sessions, tokens, read
  // markers and access to restricted rooms; the direct conversations it was
  // in go with their history, and the private rooms it owned are left with
  // no owner. Its messages stay, under the name they were written with, but
  // no longer as the account's (their author id is retired, as are its
  // reactions'), so a later account of the same name cannot edit or delete
  // them and owns nothing of the old one.
  virtual Result<bool> delete_account(const core::UserName& user, std::int64_t now_ms) = 0;
};

}  // namespace parley::store
