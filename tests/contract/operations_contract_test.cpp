// The contract of the operator's store methods (parley admin): passwords,
// the server admin role, deleting accounts and rooms, listing every room and
// deleting a message as the operator; run against every backend.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "contract/store_factories.hpp"
#include "contract/values.hpp"
#include "store/store.hpp"

namespace parley::contract {
namespace {

using core::ErrorCode;
using core::EventKind;
using core::Identity;
using store::Appended;
using store::AppendRequest;
using store::RangeQuery;
using store::ServerRole;
using store::StoredMessage;
using store::View;

constexpr std::int64_t kNow = 1'700'000'000'000;

Identity account(std::string_view name) {
  return Identity::account(user(name));
}

Identity the_operator() {
  return Identity{user("operator"), core::IdentityKind::account, "o:operator"};
}

AppendRequest message(std::string_view in, std::string_view author, std::string text,
                      std::string id) {
  return AppendRequest{room(in), account(author), std::move(text), std::move(id)};
}

AppendRequest deletion(std::string_view in, const Identity& by, std::uint64_t target,
                       std::string id) {
  AppendRequest request{room(in), by, "", std::move(id)};
  request.kind = EventKind::deletion;
  request.target = target;
  return request;
}

class OperationsContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override { store = GetParam().make(); }

  Appended append(const AppendRequest& request, std::int64_t now = kNow) {
    return append_to(*store, request, now);
  }
  static Appended append_to(store::Store& to, const AppendRequest& request, std::int64_t now) {
    auto appended = to.append_batch(std::span(&request, 1), now);
    EXPECT_TRUE(appended) << appended.error().message();
    return appended ? appended->front() : Appended{};
  }

  void register_account(std::string_view name) {
    auto created = store->create_account(user(name), "hash-of-" + std::string(name), kNow);
    ASSERT_TRUE(created && *created);
  }

  void start_session(std::string digest, std::string_view name, bool guest = false) {
    const std::string owner = guest ? "g:" + digest : "a:" + user(name).key();
    store::SessionRecord session{digest, std::string(name), guest, "csrf", kNow + 3'600'000, owner};
    auto created = store->create_session(session, kNow);
    ASSERT_TRUE(created && *created);
  }

  bool has_session(const std::string& digest) {
    auto found = store->find_session(digest, kNow);
    EXPECT_TRUE(found);
    return found && found->has_value();
  }

  bool has_token(const std::string& digest) {
    auto found = store->find_token(digest);
    EXPECT_TRUE(found);
    return found && found->has_value();
  }

  // The messages of `in` in their final state.
  std::vector<StoredMessage> history(std::string_view in) {
    RangeQuery query{room(in), 0, UINT64_MAX, 100};
    query.view = View::final_messages;
    auto read = store->read_messages(query);
    EXPECT_TRUE(read) << read.error().message();
    return read ? *read : std::vector<StoredMessage>{};
  }

  std::vector<std::string> room_names() {
    std::vector<std::string> names;
    auto rooms = store->list_all_rooms();
    EXPECT_TRUE(rooms);
    if (rooms) {
      for (const auto& summary : *rooms) names.push_back(summary.name);
    }
    return names;
  }

  std::unique_ptr<store::Store> store;
};

using Names = std::vector<std::string>;

// --- Passwords ---

TEST_P(OperationsContract, SettingAPasswordReplacesTheHashAndEndsTheAccountsSessionsAndTokens) {
  register_account("alice");
  register_account("bob");
  start_session("alice-1", "alice");
  start_session("bob-1", "bob");
  start_session("guest-1", "carol", true);
  ASSERT_TRUE(store->create_token({"t1", "alice-token", "alice", kNow}));
  ASSERT_TRUE(store->create_token({"t2", "bob-token", "bob", kNow}));

  auto changed = store->set_password(user("ALICE"), "new-hash");
  ASSERT_TRUE(changed && *changed);

  EXPECT_EQ((*store->find_account(user("alice")))->password_hash, "new-hash");
  EXPECT_FALSE(has_session("alice-1"));
  EXPECT_FALSE(has_token("alice-token"));
  EXPECT_TRUE(has_session("bob-1"));
  EXPECT_TRUE(has_session("guest-1"));
  EXPECT_TRUE(has_token("bob-token"));
}

TEST_P(OperationsContract, SettingThePasswordOfNoAccountChangesNothing) {
  register_account("alice");
  auto changed = store->set_password(user("bob"), "new-hash");
  ASSERT_TRUE(changed);
  EXPECT_FALSE(*changed);
  EXPECT_FALSE(*store->find_account(user("bob")));
}

// --- The server admin role ---

TEST_P(OperationsContract, AnAccountIsNoServerAdminUntilMadeOneAndAgainWhenTurnedOff) {
  register_account("alice");
  EXPECT_FALSE((*store->find_account(user("alice")))->is_admin);
  ASSERT_TRUE(*store->set_server_role(user("alice"), ServerRole::admin));
  EXPECT_TRUE((*store->find_account(user("alice")))->is_admin);
  ASSERT_TRUE(*store->set_server_role(user("alice"), ServerRole::member));
  EXPECT_FALSE((*store->find_account(user("alice")))->is_admin);
  EXPECT_FALSE(*store->set_server_role(user("nobody"), ServerRole::admin));
}

TEST_P(OperationsContract, AServerAdminMayDeleteAnyonesMessageAndAMemberMayNot) {
  register_account("alice");
  register_account("bob");
  ASSERT_EQ(append(message("lobby", "alice", "hello", "m1")).seq, 1u);

  const Appended refused = append(deletion("lobby", account("bob"), 1, "d1"));
  ASSERT_TRUE(refused.refused);
  EXPECT_EQ(refused.refused->code, ErrorCode::forbidden);

  ASSERT_TRUE(*store->set_server_role(user("bob"), ServerRole::admin));
  const Appended deleted = append(deletion("lobby", account("bob"), 1, "d2"));
  EXPECT_FALSE(deleted.refused);
  EXPECT_EQ(deleted.seq, 2u);
  const auto messages = history("lobby");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_TRUE(messages[0].deleted);
  EXPECT_EQ(messages[0].text, "");
}

TEST_P(OperationsContract, AServerAdminTurnedOffMayNoLongerDeleteOthersMessages) {
  register_account("alice");
  register_account("bob");
  append(message("lobby", "alice", "hello", "m1"));
  ASSERT_TRUE(*store->set_server_role(user("bob"), ServerRole::admin));
  ASSERT_TRUE(*store->set_server_role(user("bob"), ServerRole::member));
  const Appended refused = append(deletion("lobby", account("bob"), 1, "d1"));
  ASSERT_TRUE(refused.refused);
  EXPECT_EQ(refused.refused->code, ErrorCode::forbidden);
}

// --- The operator's delete ---

TEST_P(OperationsContract, TheOperatorMayDeleteAnyMessageEvenInARoomItHasNoAccessTo) {
  register_account("alice");
  ASSERT_TRUE(
      *store->create_room(room("secret"), core::RoomKind::private_room, account("alice"), kNow));
  ASSERT_EQ(append(message("secret", "alice", "hidden", "m1")).seq, 1u);

  AppendRequest request = deletion("secret", the_operator(), 1, "admin-delete-1");
  request.origin = store::Origin::operator_tool;
  const Appended deleted = append(request);
  ASSERT_FALSE(deleted.refused);
  EXPECT_EQ(deleted.seq, 2u);
  EXPECT_TRUE(history("secret")[0].deleted);

  // Once more: the same delete, not a second one.
  const Appended again = append(request);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.seq, 2u);
}

TEST_P(OperationsContract, TheOperatorsDeleteOfNoMessageIsRefused) {
  AppendRequest request = deletion("lobby", the_operator(), 7, "admin-delete-7");
  request.origin = store::Origin::operator_tool;
  const Appended refused = append(request);
  ASSERT_TRUE(refused.refused);
  EXPECT_EQ(refused.refused->code, ErrorCode::not_found);
}

// --- Deleting an account ---

TEST_P(OperationsContract, DeletingAnAccountEndsItsSessionsAndTokensAndFreesItsName) {
  register_account("alice");
  start_session("alice-1", "alice");
  ASSERT_TRUE(store->create_token({"t1", "alice-token", "alice", kNow}));

  auto deleted = store->delete_account(user("Alice"), kNow);
  ASSERT_TRUE(deleted && *deleted);

  EXPECT_FALSE(*store->find_account(user("alice")));
  EXPECT_FALSE(has_session("alice-1"));
  EXPECT_FALSE(has_token("alice-token"));
  EXPECT_FALSE(*store->is_name_taken(user("alice"), kNow));
  EXPECT_FALSE(*store->delete_account(user("alice"), kNow));
}

TEST_P(OperationsContract, ADeletedAccountsMessagesStayButALaterAccountOfItsNameCannotTouchThem) {
  register_account("alice");
  append(message("lobby", "alice", "hello", "m1"));
  ASSERT_TRUE(*store->delete_account(user("alice"), kNow));
  register_account("alice");

  const auto messages = history("lobby");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].text, "hello");
  EXPECT_EQ(messages[0].user, "alice");

  const Appended refused = append(deletion("lobby", account("alice"), 1, "d1"));
  ASSERT_TRUE(refused.refused);
  EXPECT_EQ(refused.refused->code, ErrorCode::forbidden);
  // Its message ids are its own again: nothing is taken for a repeat.
  const Appended fresh = append(message("lobby", "alice", "new", "m1"));
  EXPECT_FALSE(fresh.duplicate);
  EXPECT_EQ(fresh.seq, 2u);
}

TEST_P(OperationsContract, DeletingAnAccountRemovesItsDirectConversationsAndDisownsItsRooms) {
  register_account("alice");
  register_account("bob");
  auto direct = store->open_direct(account("alice"), user("bob"), kNow);
  ASSERT_TRUE(direct && *direct);
  const std::string direct_name = (*direct)->room.name;
  ASSERT_TRUE(
      *store->create_room(room("club"), core::RoomKind::private_room, account("bob"), kNow));
  ASSERT_TRUE(store->grant_access(room("club"), account("bob"), user("alice"), kNow));

  ASSERT_TRUE(*store->delete_account(user("bob"), kNow));

  EXPECT_EQ(room_names(), (Names{"club"}));
  auto club = store->enter_room(room("club"), account("alice"), false);
  ASSERT_TRUE(club && *club);
  EXPECT_EQ((*club)->owner, "");
  EXPECT_EQ(*store->list_access(room("club")), (Names{"alice"}));
}

// --- Rooms ---

TEST_P(OperationsContract, EveryRoomIsListedByNameWithItsMessagesAndLastEvent) {
  register_account("alice");
  register_account("bob");
  append(message("Lobby", "alice", "one", "m1"), kNow);
  append(message("Lobby", "alice", "two", "m2"), kNow + 10);
  append(deletion("Lobby", account("alice"), 2, "d1"), kNow + 20);
  ASSERT_TRUE(
      *store->create_room(room("attic"), core::RoomKind::private_room, account("alice"), kNow));
  ASSERT_TRUE(store->open_direct(account("alice"), user("bob"), kNow));

  auto rooms = store->list_all_rooms();
  ASSERT_TRUE(rooms);
  ASSERT_EQ(rooms->size(), 3u);
  EXPECT_EQ((*rooms)[0].name, "attic");
  EXPECT_EQ((*rooms)[0].kind, core::RoomKind::private_room);
  EXPECT_EQ((*rooms)[0].messages, 0u);
  EXPECT_EQ((*rooms)[0].last_event_ms, 0);
  EXPECT_EQ((*rooms)[1].kind, core::RoomKind::direct);
  EXPECT_EQ((*rooms)[2].name, "Lobby");
  EXPECT_EQ((*rooms)[2].messages, 1u);  // one of the two is deleted
  EXPECT_EQ((*rooms)[2].last_event_ms, kNow + 20);
}

TEST_P(OperationsContract, DeletingARoomRemovesItsHistoryAndANewRoomOfItsNameStartsAtOne) {
  register_account("alice");
  append(message("lobby", "alice", "one", "m1"));
  append(message("lobby", "alice", "two", "m2"));
  ASSERT_TRUE(store->mark_read("a:alice", room("lobby"), 2));
  append(message("other", "alice", "stays", "m1"));

  auto deleted = store->delete_room(room("LOBBY"));
  ASSERT_TRUE(deleted && *deleted);

  EXPECT_EQ(room_names(), (Names{"other"}));
  EXPECT_TRUE(history("lobby").empty());
  const Appended again = append(message("lobby", "alice", "anew", "m1"));
  EXPECT_FALSE(again.duplicate);
  EXPECT_EQ(again.seq, 1u);
  EXPECT_EQ(history("other").size(), 1u);
  EXPECT_FALSE(*store->delete_room(room("nowhere")));
}

// --- Beside a running server: another connection writes ---

TEST_P(OperationsContract, AStoreAppendsAfterTheOperatorsDeleteFromAnotherConnection) {
  if (!GetParam().open_again) GTEST_SKIP() << "this store's data lives in the store alone";
  register_account("alice");
  ASSERT_EQ(append(message("lobby", "alice", "one", "m1")).seq, 1u);
  auto admin = GetParam().open_again(*store);

  AppendRequest request = deletion("lobby", the_operator(), 1, "admin-delete-1");
  request.origin = store::Origin::operator_tool;
  EXPECT_EQ(append_to(*admin, request, kNow).seq, 2u);

  // The first store's idea of the room's last seq is stale: it must not
  // reuse seq 2, nor fail.
  const Appended next = append(message("lobby", "alice", "two", "m2"));
  EXPECT_FALSE(next.refused);
  EXPECT_EQ(next.seq, 3u);
  EXPECT_TRUE(history("lobby")[0].deleted);
}

TEST_P(OperationsContract, AStoreWritesToARoomAnotherConnectionDeleted) {
  if (!GetParam().open_again) GTEST_SKIP() << "this store's data lives in the store alone";
  register_account("alice");
  append(message("lobby", "alice", "one", "m1"));
  append(message("lobby", "alice", "two", "m2"));
  ASSERT_TRUE(store->open_room(room("lobby")));
  auto admin = GetParam().open_again(*store);
  ASSERT_TRUE(*admin->delete_room(room("lobby")));

  auto opened = store->open_room(room("lobby"));
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(opened->last_seq, 0u);
  const Appended next = append(message("lobby", "alice", "anew", "m3"));
  EXPECT_FALSE(next.refused);
  EXPECT_EQ(next.seq, 1u);
}

#ifdef PARLEY_CONTRACT_POSTGRES
INSTANTIATE_TEST_SUITE_P(Postgres, OperationsContract, ::testing::ValuesIn(postgres_stores()),
                         name_of);
#else
INSTANTIATE_TEST_SUITE_P(Memory, OperationsContract, ::testing::ValuesIn(memory_stores()), name_of);
INSTANTIATE_TEST_SUITE_P(Sqlite, OperationsContract, ::testing::ValuesIn(sqlite_stores()), name_of);
#endif

}  // namespace
}  // namespace parley::contract
