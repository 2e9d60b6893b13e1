// The IdentityStore contract: one test per guarantee, run against every
// backend (store_factories.hpp). The tests speak to the IdentityStore half
// only.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "contract/store_factories.hpp"
#include "contract/values.hpp"
#include "store/identity_store.hpp"

namespace parley::contract {
namespace {

using store::SessionRecord;
using store::TokenRecord;

SessionRecord account_session(std::string digest, std::string name, std::int64_t expires_ms) {
  const std::string owner = "a:" + user(name).key();
  return {std::move(digest), std::move(name), false, "csrf", expires_ms, owner};
}

SessionRecord guest_session(std::string digest, std::string name, std::int64_t expires_ms) {
  std::string owner = "g:public-" + digest;
  return {std::move(digest), std::move(name), true, "csrf", expires_ms, std::move(owner)};
}

class IdentityStoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    backend = GetParam().make();
    store = backend.get();
  }

  // Whether the session with this digest is found at `now_ms`.
  bool is_found(const std::string& digest, std::int64_t now_ms) {
    auto found = store->find_session(digest, now_ms);
    EXPECT_TRUE(found) << found.error().message();
    return found && found->has_value();
  }

  // The ids list_tokens answers for `name`, in its order.
  std::vector<std::string> token_ids(std::string_view name) {
    std::vector<std::string> ids;
    auto tokens = store->list_tokens(user(name));
    EXPECT_TRUE(tokens) << tokens.error().message();
    if (tokens) {
      for (const auto& token : *tokens) ids.push_back(token.id);
    }
    return ids;
  }

  std::unique_ptr<store::Store> backend;
  store::IdentityStore* store = nullptr;
};

using Ids = std::vector<std::string>;

// --- Accounts ---

TEST_P(IdentityStoreContract, AnAccountIsFoundByAnyCaseOfItsNameAndKeepsItAsRegistered) {
  ASSERT_TRUE(*store->create_account(user("Alice"), "hash-of-alice", 1000));
  auto found = store->find_account(user("ALICE"));
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->name, "Alice");
  EXPECT_EQ((*found)->password_hash, "hash-of-alice");
}

TEST_P(IdentityStoreContract, AnUnknownAccountIsNotFound) {
  ASSERT_TRUE(*store->create_account(user("alice"), "hash", 1000));
  auto found = store->find_account(user("bob"));
  ASSERT_TRUE(found);
  EXPECT_FALSE(*found);
}

TEST_P(IdentityStoreContract, AnAccountIsRefusedWhenAnAccountHasTheNameInAnyCase) {
  ASSERT_TRUE(*store->create_account(user("alice"), "first", 1000));
  auto again = store->create_account(user("ALICE"), "second", 2000);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ((*store->find_account(user("alice")))->password_hash, "first") << "unchanged";
}

TEST_P(IdentityStoreContract, AnAccountIsRefusedWhileAGuestSessionHasTheName) {
  ASSERT_TRUE(*store->create_session(guest_session("g1", "bob", 5000), 1000));
  auto created = store->create_account(user("BOB"), "hash", 4999);
  ASSERT_TRUE(created);
  EXPECT_FALSE(*created);
  EXPECT_FALSE(*store->find_account(user("bob")));
}

TEST_P(IdentityStoreContract, AnAccountMayTakeTheNameOfAnExpiredGuestSession) {
  ASSERT_TRUE(*store->create_session(guest_session("g1", "bob", 5000), 1000));
  EXPECT_TRUE(*store->create_account(user("bob"), "hash", 5000)) << "expired at 5000";
  EXPECT_TRUE(*store->find_account(user("bob")));
}

TEST_P(IdentityStoreContract, ANameIsTakenByAnAccountOrAnUnexpiredGuestSessionOnly) {
  ASSERT_TRUE(*store->create_account(user("alice"), "hash", 1000));
  ASSERT_TRUE(*store->create_session(guest_session("g1", "bob", 5000), 1000));
  ASSERT_TRUE(*store->create_session(account_session("a1", "alice", 5000), 1000));
  EXPECT_TRUE(*store->is_name_taken(user("Alice"), 1000));
  EXPECT_TRUE(*store->is_name_taken(user("BOB"), 4999));
  EXPECT_FALSE(*store->is_name_taken(user("bob"), 5000)) << "the guest session expired";
  EXPECT_FALSE(*store->is_name_taken(user("carol"), 1000));
}

// --- Sessions ---

TEST_P(IdentityStoreContract, ASessionIsFoundWithEveryFieldAsStored) {
  const SessionRecord session{"digest", "Carol", true, "csrf-token", 5000, "g:public"};
  ASSERT_TRUE(*store->create_session(session, 1000));
  auto found = store->find_session("digest", 2000);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id_digest, "digest");
  EXPECT_EQ((*found)->user_name, "Carol");
  EXPECT_TRUE((*found)->guest);
  EXPECT_EQ((*found)->csrf_token, "csrf-token");
  EXPECT_EQ((*found)->expires_ms, 5000);
  EXPECT_EQ((*found)->owner, "g:public");
  EXPECT_FALSE(is_found("another digest", 2000));
}

TEST_P(IdentityStoreContract, ASessionIsFoundUntilTheMomentItExpires) {
  ASSERT_TRUE(*store->create_session(account_session("d", "alice", 5000), 1000));
  EXPECT_TRUE(is_found("d", 4999));
  EXPECT_FALSE(is_found("d", 5000));
  EXPECT_FALSE(is_found("d", 9000));
}

TEST_P(IdentityStoreContract, AGuestSessionIsRefusedWhenItsNameIsTaken) {
  ASSERT_TRUE(*store->create_account(user("alice"), "hash", 1000));
  ASSERT_TRUE(*store->create_session(guest_session("g1", "bob", 5000), 1000));
  EXPECT_FALSE(*store->create_session(guest_session("g2", "ALICE", 5000), 2000)) << "an account";
  EXPECT_FALSE(*store->create_session(guest_session("g3", "Bob", 5000), 2000)) << "a live guest";
  EXPECT_FALSE(is_found("g2", 2000));
  EXPECT_FALSE(is_found("g3", 2000));
  EXPECT_TRUE(*store->create_session(guest_session("g4", "bob", 9000), 5000)) << "guest expired";
}

TEST_P(IdentityStoreContract, AnAccountMayHaveManySessions) {
  ASSERT_TRUE(*store->create_account(user("alice"), "hash", 1000));
  EXPECT_TRUE(*store->create_session(account_session("laptop", "alice", 5000), 1000));
  EXPECT_TRUE(*store->create_session(account_session("phone", "Alice", 5000), 1000));
  EXPECT_TRUE(is_found("laptop", 2000));
  EXPECT_TRUE(is_found("phone", 2000));
}

TEST_P(IdentityStoreContract, ExtendingASessionMovesItsExpiry) {
  ASSERT_TRUE(*store->create_session(account_session("d", "alice", 5000), 1000));
  ASSERT_TRUE(store->extend_session("d", 9000));
  EXPECT_TRUE(is_found("d", 8999));
  EXPECT_FALSE(is_found("d", 9000));
  auto found = store->find_session("d", 6000);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->expires_ms, 9000);
}

TEST_P(IdentityStoreContract, ExtendingLiveSessionsMovesOnlyThoseNotYetExpired) {
  ASSERT_TRUE(*store->create_session(guest_session("n1", "ann", 3000), 1000));
  ASSERT_TRUE(*store->create_session(guest_session("n2", "ben", 5000), 1000));
  ASSERT_TRUE(*store->create_session(guest_session("n3", "cat", 5000), 1000));
  auto moved = store->extend_live_sessions({"n1", "n2", "unknown"}, 9000, 4000);
  ASSERT_TRUE(moved);
  EXPECT_EQ(*moved, 1u) << "n1 had expired at 4000, n3 was not named";
  EXPECT_TRUE(is_found("n2", 8999));
  EXPECT_FALSE(is_found("n3", 5000));
  EXPECT_FALSE(is_found("n1", 4000)) << "an expired session is not brought back";
  EXPECT_TRUE(*store->create_session(guest_session("n4", "ann", 9000), 4000))
      << "and its name can be someone else's";
  auto none = store->extend_live_sessions({}, 9000, 4000);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0u);
}

TEST_P(IdentityStoreContract, ExtendingOrDeletingAnUnknownSessionChangesNothing) {
  EXPECT_TRUE(store->extend_session("nobody", 9000));
  EXPECT_TRUE(store->delete_session("nobody"));
  EXPECT_FALSE(is_found("nobody", 1000));
}

TEST_P(IdentityStoreContract, ADeletedSessionIsGoneAndItsGuestNameFree) {
  ASSERT_TRUE(*store->create_session(guest_session("g1", "bob", 5000), 1000));
  ASSERT_TRUE(*store->create_session(account_session("a1", "alice", 5000), 1000));
  ASSERT_TRUE(store->delete_session("g1"));
  EXPECT_FALSE(is_found("g1", 2000));
  EXPECT_TRUE(is_found("a1", 2000)) << "others stay";
  EXPECT_FALSE(*store->is_name_taken(user("bob"), 2000));
}

TEST_P(IdentityStoreContract, SweepingDeletesExpiredSessionsAndKeepsLiveOnes) {
  const SessionRecord expired = account_session("d-expired", "alice", 1000);
  const SessionRecord at_the_edge = guest_session("d-edge", "bob", 2000);
  const SessionRecord live = account_session("d-live", "carol", 2001);
  for (const auto& session : {expired, at_the_edge, live}) {
    ASSERT_TRUE(store->create_session(session, 500).value());
  }
  auto deleted = store->delete_expired_sessions(2000);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 2u) << "expired at 2000 means expires_ms <= 2000, as find_session sees it";
  // Gone for good, even for a reader whose clock says they are still valid.
  EXPECT_FALSE(is_found("d-expired", 0));
  EXPECT_FALSE(is_found("d-edge", 0));
  auto kept = store->find_session("d-live", 2000);
  ASSERT_TRUE(kept && *kept);
  EXPECT_EQ((*kept)->user_name, "carol");
  // The guest's name is free again; nothing is left to sweep.
  EXPECT_FALSE(*store->is_name_taken(user("bob"), 0));
  EXPECT_EQ(*store->delete_expired_sessions(2000), 0u);
}

// --- Tokens ---

TEST_P(IdentityStoreContract, ATokenIsFoundByItsDigestWithEveryField) {
  ASSERT_TRUE(store->create_token(TokenRecord{"t1", "digest1", "Alice", 42}));
  auto found = store->find_token("digest1");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, "t1");
  EXPECT_EQ((*found)->digest, "digest1");
  EXPECT_EQ((*found)->user_name, "Alice");
  EXPECT_EQ((*found)->created_ms, 42);
  auto unknown = store->find_token("t1");
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(*unknown) << "found by digest, never by id";
}

TEST_P(IdentityStoreContract, AUsersTokensAreListedOldestFirstInAnyCaseOfTheName) {
  ASSERT_TRUE(store->create_token(TokenRecord{"t-new", "digest3", "alice", 30}));
  ASSERT_TRUE(store->create_token(TokenRecord{"t-old", "digest1", "Alice", 10}));
  ASSERT_TRUE(store->create_token(TokenRecord{"t-bob", "digest2", "bob", 20}));
  EXPECT_EQ(token_ids("ALICE"), (Ids{"t-old", "t-new"}));
  EXPECT_EQ(token_ids("bob"), (Ids{"t-bob"}));
  EXPECT_EQ(token_ids("carol"), Ids{});
  auto listed = store->list_tokens(user("alice"));
  ASSERT_TRUE(listed);
  EXPECT_EQ((*listed)[0].digest, "digest1");
  EXPECT_EQ((*listed)[0].created_ms, 10);
}

TEST_P(IdentityStoreContract, OnlyLiveTokensOfTheUserAreCounted) {
  EXPECT_EQ(*store->count_live_tokens(user("alice")), 0u);
  ASSERT_TRUE(store->create_token(TokenRecord{"t1", "digest1", "Alice", 1}));
  ASSERT_TRUE(store->create_token(TokenRecord{"t2", "digest2", "Alice", 2}));
  ASSERT_TRUE(store->create_token(TokenRecord{"t3", "digest3", "bob", 3}));
  EXPECT_EQ(*store->count_live_tokens(user("ALICE")), 2u);
  ASSERT_TRUE(*store->revoke_token(user("alice"), "t1"));
  EXPECT_EQ(*store->count_live_tokens(user("alice")), 1u);
  EXPECT_EQ(*store->count_live_tokens(user("bob")), 1u);
}

TEST_P(IdentityStoreContract, ARevokedTokenIsNeitherFoundNorListed) {
  ASSERT_TRUE(store->create_token(TokenRecord{"t1", "digest1", "alice", 1}));
  ASSERT_TRUE(store->create_token(TokenRecord{"t2", "digest2", "alice", 2}));
  auto revoked = store->revoke_token(user("Alice"), "t1");
  ASSERT_TRUE(revoked);
  EXPECT_TRUE(*revoked);
  EXPECT_FALSE(*store->find_token("digest1"));
  EXPECT_TRUE(*store->find_token("digest2"));
  EXPECT_EQ(token_ids("alice"), (Ids{"t2"}));
}

TEST_P(IdentityStoreContract, ATokenIsRevokedOnlyByItsOwner) {
  ASSERT_TRUE(store->create_token(TokenRecord{"t1", "digest1", "alice", 1}));
  auto revoked = store->revoke_token(user("mallory"), "t1");
  ASSERT_TRUE(revoked);
  EXPECT_FALSE(*revoked);
  EXPECT_TRUE(*store->find_token("digest1"));
  EXPECT_EQ(*store->count_live_tokens(user("alice")), 1u);
}

TEST_P(IdentityStoreContract, RevokingAnUnknownOrRevokedTokenAnswersFalse) {
  ASSERT_TRUE(store->create_token(TokenRecord{"t1", "digest1", "alice", 1}));
  EXPECT_FALSE(*store->revoke_token(user("alice"), "no-such-id"));
  ASSERT_TRUE(*store->revoke_token(user("alice"), "t1"));
  EXPECT_FALSE(*store->revoke_token(user("alice"), "t1")) << "already revoked";
}

#ifdef PARLEY_CONTRACT_POSTGRES
INSTANTIATE_TEST_SUITE_P(Postgres, IdentityStoreContract, ::testing::ValuesIn(postgres_stores()),
                         name_of);
#else
INSTANTIATE_TEST_SUITE_P(Memory, IdentityStoreContract, ::testing::ValuesIn(memory_stores()),
                         name_of);
INSTANTIATE_TEST_SUITE_P(Sqlite, IdentityStoreContract, ::testing::ValuesIn(sqlite_stores()),
                         name_of);
#endif

}  // namespace
}  // namespace parley::contract
