// The MessageStore contract for private rooms and direct conversations (who
// may see, write in and change a room: core/room_access.hpp), run against
// every backend like the rest of the contract.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "contract/store_factories.hpp"
#include "contract/values.hpp"
#include "core/room_access.hpp"
#include "store/message_store.hpp"

namespace parley::contract {
namespace {

using core::ErrorCode;
using core::EventKind;
using core::Identity;
using core::RoomKind;
using store::AccessChange;
using store::Appended;
using store::AppendRequest;
using store::RoomReading;
using store::RoomRecord;

AppendRequest message(std::string_view room_name, const Identity& author, std::string text,
                      std::string id) {
  return {room(room_name), author, std::move(text), std::move(id)};
}

AppendRequest deletion(std::string_view room_name, const Identity& author, std::uint64_t target,
                       std::string id) {
  AppendRequest request{room(room_name), author, "", std::move(id)};
  request.kind = EventKind::deletion;
  request.target = target;
  return request;
}

class RoomAccessContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    backend = GetParam().make();
    store = backend.get();
    for (const Identity* account : {&ann, &bob, &cy, &dan}) {
      auto created = backend->create_account(account->user, "hash", 10);
      ASSERT_TRUE(created) << created.error().message();
      ASSERT_TRUE(*created);
    }
  }

  // A private room of `owner`, with access given to `members` by it.
  void make_private(std::string_view room_name, const Identity& owner,
                    std::vector<const Identity*> members = {}) {
    auto created = store->create_room(room(room_name), RoomKind::private_room, owner, 50);
    ASSERT_TRUE(created) << created.error().message();
    ASSERT_TRUE(*created);
    for (const Identity* member : members) {
      const AccessChange change = grant(room_name, owner, member->user.text());
      ASSERT_FALSE(change.refused) << change.refused->message;
      ASSERT_TRUE(change.changed);
    }
  }

  AccessChange grant(std::string_view room_name, const Identity& actor, std::string_view name) {
    auto granted = store->grant_access(room(room_name), actor, user(name), 60);
    EXPECT_TRUE(granted) << granted.error().message();
    return granted ? *granted : AccessChange{};
  }

  AccessChange revoke(std::string_view room_name, const Identity& actor, std::string_view name) {
    auto revoked = store->revoke_access(room(room_name), actor, user(name));
    EXPECT_TRUE(revoked) << revoked.error().message();
    return revoked ? *revoked : AccessChange{};
  }

  std::optional<RoomRecord> enter(std::string_view room_name, const Identity& viewer,
                                  bool create = false) {
    auto entered = store->enter_room(room(room_name), viewer, create);
    EXPECT_TRUE(entered) << entered.error().message();
    return entered ? *entered : std::nullopt;
  }

  std::optional<store::DirectRoom> direct(const Identity& caller, std::string_view other) {
    auto opened = store->open_direct(caller, user(other), 70);
    EXPECT_TRUE(opened) << opened.error().message();
    return opened ? *opened : std::nullopt;
  }

  Appended append(const AppendRequest& request, std::int64_t now_ms = 100) {
    auto appended = store->append_batch(std::span(&request, 1), now_ms);
    EXPECT_TRUE(appended) << appended.error().message();
    if (!appended || appended->size() != 1) return {};
    return (*appended)[0];
  }

  std::vector<std::string> access(std::string_view room_name) {
    auto listed = store->list_access(room(room_name));
    EXPECT_TRUE(listed) << listed.error().message();
    return listed ? *listed : std::vector<std::string>{};
  }

  std::vector<std::string> listed_rooms() {
    auto rooms = store->list_rooms(100);
    EXPECT_TRUE(rooms) << rooms.error().message();
    std::vector<std::string> names;
    if (rooms) {
      for (const RoomRecord& record : *rooms) names.push_back(record.name);
    }
    return names;
  }

  std::vector<RoomReading> reading(const Identity& reader) {
    auto listed = store->list_reading(reader, 100);
    EXPECT_TRUE(listed) << listed.error().message();
    return listed ? *listed : std::vector<RoomReading>{};
  }

  std::optional<RoomReading> reading_of(const Identity& reader, std::string_view room_name) {
    for (RoomReading& one : reading(reader)) {
      if (one.name == room_name) return one;
    }
    return std::nullopt;
  }

  std::optional<std::uint64_t> mark(const Identity& reader, std::string_view room_name,
                                    std::optional<std::uint64_t> seq) {
    auto marked = store->mark_read(reader.id, room(room_name), seq);
    EXPECT_TRUE(marked) << marked.error().message();
    if (!marked || !*marked) return std::nullopt;
    return (*marked)->read_seq;
  }

  std::uint64_t last_seq(std::string_view room_name) {
    auto opened = store->open_room(room(room_name));
    EXPECT_TRUE(opened) << opened.error().message();
    return opened ? opened->last_seq : 0;
  }

  static void expect_refused(const AccessChange& change, ErrorCode code, std::string_view why) {
    ASSERT_TRUE(change.refused);
    EXPECT_EQ(change.refused->code, code);
    EXPECT_EQ(change.refused->message, why);
    EXPECT_FALSE(change.changed);
  }

  const Identity ann = Identity::account(user("Ann"));
  const Identity bob = Identity::account(user("Bob"));
  const Identity cy = Identity::account(user("Cy"));
  const Identity dan = Identity::account(user("Dan"));
  const Identity guest = Identity::guest(user("gus"), "g:0123456789abcdef");
  std::unique_ptr<store::Store> backend;
  store::MessageStore* store = nullptr;
};

TEST_P(RoomAccessContract, APrivateRoomIsOwnedByItsCreatorWhoHasAccessFirst) {
  auto created = store->create_room(room("Secret"), RoomKind::private_room, ann, 50);

  ASSERT_TRUE(created) << created.error().message();
  EXPECT_TRUE(*created);
  auto opened = store->open_room(room("SECRET"));
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->name, "Secret");
  EXPECT_EQ(opened->kind, RoomKind::private_room);
  EXPECT_EQ(opened->owner, "Ann");
  EXPECT_EQ(opened->last_seq, 0u);
  EXPECT_EQ(access("secret"), std::vector<std::string>{"Ann"});
}

TEST_P(RoomAccessContract, APublicRoomCreatedHasAnOwnerAndNobodyHoldingAccess) {
  auto created = store->create_room(room("Open"), RoomKind::public_room, bob, 50);

  ASSERT_TRUE(created);
  EXPECT_TRUE(*created);
  auto opened = store->open_room(room("open"));
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->kind, RoomKind::public_room);
  EXPECT_EQ(opened->owner, "Bob");
  EXPECT_TRUE(access("open").empty()) << "a public room is open to everyone";
  EXPECT_TRUE(enter("open", cy).has_value());
  EXPECT_TRUE(enter("open", guest).has_value());
  EXPECT_EQ(listed_rooms(), std::vector<std::string>{"Open"});
}

TEST_P(RoomAccessContract, CreatingARoomWhoseNameIsTakenChangesNothing) {
  make_private("Secret", ann);
  ASSERT_FALSE(append(message("lobby", bob, "hi", "b1")).refused);

  auto again = store->create_room(room("SECRET"), RoomKind::public_room, bob, 80);
  auto over_public = store->create_room(room("Lobby"), RoomKind::private_room, bob, 80);

  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  ASSERT_TRUE(over_public);
  EXPECT_FALSE(*over_public);
  auto secret = store->open_room(room("secret"));
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->name, "Secret");
  EXPECT_EQ(secret->kind, RoomKind::private_room);
  EXPECT_EQ(secret->owner, "Ann");
  EXPECT_EQ(access("secret"), std::vector<std::string>{"Ann"});
  auto lobby = store->open_room(room("lobby"));
  ASSERT_TRUE(lobby);
  EXPECT_EQ(lobby->kind, RoomKind::public_room);
  EXPECT_EQ(lobby->owner, "");
  EXPECT_EQ(lobby->last_seq, 1u);
}

TEST_P(RoomAccessContract, APrivateRoomIsSeenByItsOwnerAndMembersOnly) {
  make_private("Secret", ann, {&bob});

  const auto by_owner = enter("SECRET", ann);
  const auto by_member = enter("secret", bob);

  ASSERT_TRUE(by_owner);
  EXPECT_EQ(by_owner->name, "Secret");
  EXPECT_EQ(by_owner->kind, RoomKind::private_room);
  EXPECT_EQ(by_owner->owner, "Ann");
  ASSERT_TRUE(by_member);
  EXPECT_EQ(by_member->name, "Secret");
  EXPECT_EQ(enter("secret", cy), std::nullopt);
  EXPECT_EQ(enter("secret", cy, true), std::nullopt) << "creating does not open it either";
  EXPECT_EQ(enter("secret", guest, true), std::nullopt);
  const Identity guest_ann = Identity::guest(user("Ann"), "g:fedcba9876543210");
  EXPECT_EQ(enter("secret", guest_ann), std::nullopt) << "access is the account's, not the name's";
  auto still = store->open_room(room("secret"));
  ASSERT_TRUE(still);
  EXPECT_EQ(still->kind, RoomKind::private_room);
}

TEST_P(RoomAccessContract, EnteringARoomThatDoesNotExistCreatesAPublicOneOnlyWhenAsked) {
  EXPECT_EQ(enter("nowhere", ann), std::nullopt);
  EXPECT_TRUE(listed_rooms().empty()) << "looking creates nothing";

  const auto created = enter("Fresh", guest, true);

  ASSERT_TRUE(created);
  EXPECT_EQ(created->name, "Fresh");
  EXPECT_EQ(created->kind, RoomKind::public_room);
  EXPECT_EQ(created->owner, "");
  EXPECT_EQ(created->last_seq, 0u);
  EXPECT_EQ(listed_rooms(), std::vector<std::string>{"Fresh"});
  EXPECT_TRUE(enter("fresh", cy).has_value());
}

TEST_P(RoomAccessContract, EnteringAReservedNameCreatesNothing) {
  const core::RoomName reserved = core::direct_room_name("ann", "bob");

  EXPECT_EQ(enter(reserved.text(), ann, true), std::nullopt);
  EXPECT_EQ(enter("dm-anything", ann, true), std::nullopt);

  EXPECT_TRUE(listed_rooms().empty());
  const auto opened = direct(ann, "bob");
  ASSERT_TRUE(opened) << "the name is still free for its conversation";
  EXPECT_EQ(opened->room.kind, RoomKind::direct);
}

TEST_P(RoomAccessContract, TheOwnerGivesAccessOnceAndTheMemberCanThenSeeAndWrite) {
  make_private("Secret", ann);

  const AccessChange first = grant("secret", ann, "BOB");
  const AccessChange repeated = grant("SECRET", ann, "bob");

  EXPECT_FALSE(first.refused);
  EXPECT_TRUE(first.changed);
  EXPECT_EQ(first.room_name, "Secret");
  EXPECT_EQ(first.user_name, "Bob") << "the name as registered";
  EXPECT_FALSE(repeated.refused);
  EXPECT_FALSE(repeated.changed) << "it already had access";
  EXPECT_EQ(repeated.user_name, "Bob");
  EXPECT_EQ(access("secret"), (std::vector<std::string>{"Ann", "Bob"}));
  EXPECT_TRUE(enter("secret", bob).has_value());
  const Appended written = append(message("secret", bob, "hello", "b1"));
  EXPECT_FALSE(written.refused);
  EXPECT_EQ(written.seq, 1u);
  EXPECT_EQ(written.room_name, "Secret");
}

TEST_P(RoomAccessContract, AccessIsListedInTheOrderItWasGiven) {
  make_private("Secret", ann, {&dan, &bob, &cy});
  ASSERT_TRUE(revoke("secret", ann, "bob").changed);
  ASSERT_TRUE(grant("secret", ann, "bob").changed);

  EXPECT_EQ(access("secret"), (std::vector<std::string>{"Ann", "Dan", "Cy", "Bob"}));
  EXPECT_TRUE(access("nowhere").empty());
}

TEST_P(RoomAccessContract, OnlyTheOwnerMayGiveAccess) {
  make_private("Secret", ann, {&bob});

  expect_refused(grant("secret", bob, "cy"), ErrorCode::forbidden,
                 "only the room's owner may invite");
  expect_refused(grant("secret", cy, "dan"), ErrorCode::not_found, "no such room");
  expect_refused(grant("secret", cy, "cy"), ErrorCode::not_found, "no such room");
  expect_refused(grant("secret", guest, "cy"), ErrorCode::not_found, "no such room");
  expect_refused(grant("nowhere", ann, "bob"), ErrorCode::not_found, "no such room");

  EXPECT_EQ(access("secret"), (std::vector<std::string>{"Ann", "Bob"}));
  EXPECT_EQ(enter("secret", cy), std::nullopt);
}

TEST_P(RoomAccessContract, AnUnknownUserIsNotFoundOnlyForWhoMayInvite) {
  make_private("Secret", ann, {&bob});

  const AccessChange by_owner = grant("secret", ann, "zed");
  const AccessChange by_stranger = grant("secret", cy, "zed");
  const AccessChange by_member = grant("secret", bob, "zed");

  expect_refused(by_owner, ErrorCode::not_found, "no such user");
  expect_refused(by_stranger, ErrorCode::not_found, "no such room");
  EXPECT_EQ(by_stranger.room_name, "") << "nothing of the room reaches a stranger";
  expect_refused(by_member, ErrorCode::forbidden, "only the room's owner may invite");
  EXPECT_EQ(access("secret"), (std::vector<std::string>{"Ann", "Bob"}));
}

TEST_P(RoomAccessContract, NobodyIsGivenAccessToAPublicRoomOrADirectConversation) {
  ASSERT_FALSE(append(message("lobby", ann, "hi", "a1")).refused);
  ASSERT_TRUE(*store->create_room(room("Open"), RoomKind::public_room, ann, 50));
  const auto opened = direct(ann, "bob");
  ASSERT_TRUE(opened);
  const std::string dm = opened->room.name;

  expect_refused(grant("lobby", ann, "bob"), ErrorCode::bad_request,
                 "a public room is open to everyone");
  expect_refused(grant("open", ann, "bob"), ErrorCode::bad_request,
                 "a public room is open to everyone");
  expect_refused(grant(dm, ann, "cy"), ErrorCode::forbidden,
                 "a direct conversation has exactly two members");
  expect_refused(grant(dm, cy, "cy"), ErrorCode::not_found, "no such room");
  expect_refused(revoke("lobby", ann, "bob"), ErrorCode::bad_request,
                 "a public room is open to everyone");
  expect_refused(revoke(dm, ann, "bob"), ErrorCode::forbidden,
                 "a direct conversation has exactly two members");
  expect_refused(revoke(dm, bob, "bob"), ErrorCode::forbidden,
                 "a direct conversation has exactly two members");
  expect_refused(revoke(dm, cy, "bob"), ErrorCode::not_found, "no such room");

  EXPECT_TRUE(access("lobby").empty());
  EXPECT_EQ(access(dm), (std::vector<std::string>{"Ann", "Bob"}));
}

TEST_P(RoomAccessContract, TheOwnerRemovesMembersAndMembersLeaveButTheOwnerCannot) {
  make_private("Secret", ann, {&bob, &cy});

  expect_refused(revoke("secret", bob, "cy"), ErrorCode::forbidden,
                 "only the room's owner may remove");
  expect_refused(revoke("secret", bob, "ann"), ErrorCode::forbidden,
                 "only the room's owner may remove");
  expect_refused(revoke("secret", ann, "ann"), ErrorCode::forbidden,
                 "the owner cannot leave its room");
  expect_refused(revoke("secret", dan, "bob"), ErrorCode::not_found, "no such room");
  expect_refused(revoke("secret", guest, "bob"), ErrorCode::not_found, "no such room");
  expect_refused(revoke("nowhere", ann, "bob"), ErrorCode::not_found, "no such room");
  expect_refused(revoke("secret", ann, "zed"), ErrorCode::not_found, "no such user");
  EXPECT_EQ(access("secret"), (std::vector<std::string>{"Ann", "Bob", "Cy"}));

  const AccessChange removed = revoke("SECRET", ann, "BOB");
  const AccessChange removed_again = revoke("secret", ann, "bob");
  const AccessChange left = revoke("secret", cy, "cy");

  EXPECT_FALSE(removed.refused);
  EXPECT_TRUE(removed.changed);
  EXPECT_EQ(removed.room_name, "Secret");
  EXPECT_EQ(removed.user_name, "Bob");
  EXPECT_FALSE(removed_again.refused);
  EXPECT_FALSE(removed_again.changed) << "it had no access any more";
  EXPECT_FALSE(left.refused);
  EXPECT_TRUE(left.changed);
  EXPECT_EQ(left.user_name, "Cy");
  EXPECT_EQ(access("secret"), std::vector<std::string>{"Ann"});
}

TEST_P(RoomAccessContract, WhoLostAccessCannotSeeWriteOrMarkTheRoomAndItLeavesTheirList) {
  make_private("Secret", ann, {&bob});
  ASSERT_FALSE(append(message("secret", ann, "one", "a1")).refused);
  ASSERT_EQ(mark(bob, "secret", std::nullopt), 1u);
  ASSERT_TRUE(reading_of(bob, "Secret"));

  ASSERT_TRUE(revoke("secret", ann, "bob").changed);

  EXPECT_EQ(enter("secret", bob), std::nullopt);
  EXPECT_EQ(enter("secret", bob, true), std::nullopt);
  const Appended written = append(message("secret", bob, "still here?", "b1"));
  ASSERT_TRUE(written.refused);
  EXPECT_EQ(written.refused->code, ErrorCode::not_found);
  EXPECT_EQ(mark(bob, "secret", 1), std::nullopt);
  EXPECT_EQ(mark(bob, "secret", std::nullopt), std::nullopt);
  EXPECT_EQ(reading_of(bob, "Secret"), std::nullopt);
  EXPECT_EQ(last_seq("secret"), 1u);
}

TEST_P(RoomAccessContract, AStrangersWriteToARestrictedRoomIsNotFoundAndStoresNothing) {
  make_private("Secret", ann, {&cy});
  ASSERT_FALSE(append(message("secret", ann, "one", "a1")).refused);
  const Appended by_cy = append(message("secret", cy, "two", "c1"));
  ASSERT_FALSE(by_cy.refused);
  ASSERT_TRUE(revoke("secret", ann, "cy").changed);
  AppendRequest edit = message("secret", dan, "mine now", "d2");
  edit.kind = EventKind::edit;
  edit.target = 1;
  AppendRequest reply = message("secret", dan, "re", "d3");
  reply.reply_to = 1;
  const AppendRequest batch[] = {message("secret", dan, "let me in", "d1"),
                                 edit,
                                 reply,
                                 deletion("secret", dan, 1, "d4"),
                                 message("secret", guest, "me too", "g1"),
                                 message("secret", cy, "two", "c1"),
                                 message("secret", ann, "three", "a3")};

  auto appended = store->append_batch(batch, 200);

  ASSERT_TRUE(appended) << appended.error().message();
  ASSERT_EQ(appended->size(), 7u);
  for (std::size_t i = 0; i < 6; ++i) {
    const Appended& answer = (*appended)[i];
    ASSERT_TRUE(answer.refused) << i;
    EXPECT_EQ(answer.refused->code, ErrorCode::not_found) << i;
    EXPECT_EQ(answer.refused->message, "no such room") << i;
    EXPECT_FALSE(answer.duplicate) << i << ": not even a repeat is recognised";
    EXPECT_EQ(answer.seq, 0u) << i;
  }
  EXPECT_FALSE((*appended)[6].refused) << "the rest of the batch is stored";
  EXPECT_EQ((*appended)[6].seq, 3u);
  EXPECT_EQ(last_seq("secret"), 3u);
  auto messages = store->read_range(room("secret"), 0, UINT64_MAX, 100);
  ASSERT_TRUE(messages);
  ASSERT_EQ(messages->size(), 3u);
  EXPECT_EQ((*messages)[0].text, "one");
  EXPECT_EQ((*messages)[2].text, "three");
}

TEST_P(RoomAccessContract, TheOwnerMayDeleteAnyonesMessageInItsRoomAMemberOnlyItsOwn) {
  make_private("Secret", ann, {&bob, &cy});
  ASSERT_FALSE(append(message("secret", bob, "by bob", "b1")).refused);  // 1
  ASSERT_FALSE(append(message("secret", cy, "by cy", "c1")).refused);    // 2

  const Appended by_member = append(deletion("secret", bob, 2, "b2"));
  const Appended by_owner = append(deletion("secret", ann, 1, "a1"));
  const Appended by_author = append(deletion("secret", cy, 2, "c2"));

  ASSERT_TRUE(by_member.refused);
  EXPECT_EQ(by_member.refused->code, ErrorCode::forbidden);
  EXPECT_FALSE(by_owner.refused);
  EXPECT_EQ(by_owner.seq, 3u);
  EXPECT_FALSE(by_author.refused);
  EXPECT_EQ(by_author.seq, 4u);
  store::RangeQuery query{room("secret"), 0, UINT64_MAX, 100};
  query.view = store::View::final_messages;
  auto messages = store->read_messages(query);
  ASSERT_TRUE(messages);
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_TRUE((*messages)[0].deleted);
  EXPECT_TRUE((*messages)[1].deleted);
}

TEST_P(RoomAccessContract, TheOwnerOfAPublicRoomMayDeleteInItButNobodyInARoomWithoutOwner) {
  ASSERT_TRUE(*store->create_room(room("Open"), RoomKind::public_room, ann, 50));
  ASSERT_FALSE(append(message("open", bob, "by bob", "b1")).refused);
  ASSERT_FALSE(append(message("lobby", bob, "by bob", "b1")).refused);

  const Appended in_owned = append(deletion("open", ann, 1, "a1"));
  const Appended in_unowned = append(deletion("lobby", ann, 1, "a1"));

  EXPECT_FALSE(in_owned.refused);
  ASSERT_TRUE(in_unowned.refused);
  EXPECT_EQ(in_unowned.refused->code, ErrorCode::forbidden);
}

TEST_P(RoomAccessContract, ADirectConversationIsTheSameRoomWhoeverOpensIt) {
  const auto by_ann = direct(ann, "bob");
  const auto by_bob = direct(bob, "ANN");

  ASSERT_TRUE(by_ann);
  ASSERT_TRUE(by_bob);
  EXPECT_EQ(by_ann->room.name, core::direct_room_name("ann", "bob").text());
  EXPECT_EQ(by_bob->room.name, by_ann->room.name);
  EXPECT_EQ(by_ann->room.kind, RoomKind::direct);
  EXPECT_EQ(by_ann->room.owner, "") << "nobody owns a direct conversation";
  EXPECT_EQ(by_ann->with, "Bob") << "the name as registered";
  EXPECT_EQ(by_bob->with, "Ann");
  EXPECT_EQ(access(by_ann->room.name), (std::vector<std::string>{"Ann", "Bob"}));
  const auto with_cy = direct(ann, "cy");
  ASSERT_TRUE(with_cy);
  EXPECT_NE(with_cy->room.name, by_ann->room.name);
}

TEST_P(RoomAccessContract, ADirectConversationIsForItsTwoAccountsOnly) {
  const auto opened = direct(ann, "bob");
  ASSERT_TRUE(opened);
  const std::string dm = opened->room.name;

  const auto seen_by_bob = enter(dm, bob);
  ASSERT_TRUE(seen_by_bob);
  EXPECT_EQ(seen_by_bob->kind, RoomKind::direct);
  EXPECT_TRUE(enter(dm, ann).has_value());
  EXPECT_EQ(enter(dm, cy), std::nullopt);
  EXPECT_EQ(enter(dm, guest, true), std::nullopt);
  EXPECT_FALSE(append(message(dm, ann, "psst", "a1")).refused);
  const Appended by_cy = append(message(dm, cy, "hi?", "c1"));
  ASSERT_TRUE(by_cy.refused);
  EXPECT_EQ(by_cy.refused->code, ErrorCode::not_found);
  EXPECT_EQ(mark(cy, dm, std::nullopt), std::nullopt);
  EXPECT_EQ(last_seq(dm), 1u);
  EXPECT_TRUE(listed_rooms().empty());
}

TEST_P(RoomAccessContract, NoDirectConversationWithoutAnAccount) {
  EXPECT_EQ(direct(ann, "zed"), std::nullopt);

  EXPECT_EQ(enter(core::direct_room_name("ann", "zed").text(), ann), std::nullopt);
  EXPECT_TRUE(reading(ann).empty());
  ASSERT_TRUE(*backend->create_account(user("Zed"), "hash", 90));
  const auto opened = direct(ann, "zed");
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->with, "Zed");
}

TEST_P(RoomAccessContract, TheReadingListShowsDirectConversationsWithTheOtherAccount) {
  const auto opened = direct(ann, "bob");
  ASSERT_TRUE(opened);
  const std::string dm = opened->room.name;
  ASSERT_FALSE(append(message(dm, ann, "hello @bob", "a1")).refused);

  const auto for_ann = reading_of(ann, dm);
  const auto for_bob = reading_of(bob, dm);

  ASSERT_TRUE(for_ann) << "listed with access and no marker";
  EXPECT_EQ(for_ann->kind, RoomKind::direct);
  EXPECT_EQ(for_ann->with, "Bob");
  EXPECT_EQ(for_ann->read_seq, 0u);
  EXPECT_EQ(for_ann->unread, 0u) << "its own message";
  ASSERT_TRUE(for_bob);
  EXPECT_EQ(for_bob->with, "Ann");
  EXPECT_EQ(for_bob->last_seq, 1u);
  EXPECT_EQ(for_bob->unread, 1u);
  EXPECT_EQ(for_bob->mentions, 1u);
  EXPECT_TRUE(reading(cy).empty());
  ASSERT_EQ(mark(bob, dm, 1), 1u);
  EXPECT_EQ(reading_of(bob, dm)->unread, 0u);
}

TEST_P(RoomAccessContract, TheReadingListHoldsRestrictedRoomsWithAccessAndPublicOnesWithAMarker) {
  make_private("Secret", ann, {&bob});
  ASSERT_FALSE(append(message("secret", ann, "one", "a1"), 100).refused);
  ASSERT_FALSE(append(message("secret", ann, "two @Bob", "a2"), 100).refused);
  ASSERT_FALSE(append(message("lobby", ann, "hi", "a3"), 200).refused);
  ASSERT_FALSE(append(message("elsewhere", ann, "hi", "a4"), 300).refused);
  ASSERT_TRUE(mark(bob, "lobby", std::nullopt));
  make_private("Other", ann);

  const auto rooms = reading(bob);

  ASSERT_EQ(rooms.size(), 2u);
  EXPECT_EQ(rooms[0].name, "lobby");
  EXPECT_EQ(rooms[0].kind, RoomKind::public_room);
  EXPECT_EQ(rooms[0].with, "");
  EXPECT_EQ(rooms[1].name, "Secret");
  EXPECT_EQ(rooms[1].kind, RoomKind::private_room);
  EXPECT_EQ(rooms[1].read_seq, 0u) << "counted from its start";
  EXPECT_EQ(rooms[1].unread, 2u);
  EXPECT_EQ(rooms[1].mentions, 1u);
  EXPECT_EQ(rooms[1].with, "");
  const Identity guest_bob = Identity::guest(user("Bob"), "g:0123456789abcdef");
  EXPECT_TRUE(reading(guest_bob).empty()) << "access is the account's";
  EXPECT_EQ(reading(ann).size(), 2u) << "its restricted rooms, one never written in";
}

TEST_P(RoomAccessContract, MarkersInARestrictedRoomAreForThoseWithAccess) {
  make_private("Secret", ann, {&bob});
  ASSERT_FALSE(append(message("secret", ann, "one", "a1")).refused);
  ASSERT_FALSE(append(message("secret", ann, "two", "a2")).refused);

  EXPECT_EQ(mark(bob, "secret", 1), 1u);
  EXPECT_EQ(mark(ann, "secret", std::nullopt), 2u);
  EXPECT_EQ(mark(cy, "secret", 1), std::nullopt);
  EXPECT_EQ(mark(cy, "secret", std::nullopt), std::nullopt);
  EXPECT_EQ(mark(guest, "secret", 1), std::nullopt);
  const Identity named_guest = Identity::guest(user("Ann"), "n:ann");
  EXPECT_EQ(mark(named_guest, "secret", 1), std::nullopt);
  EXPECT_EQ(reading_of(bob, "Secret")->read_seq, 1u);
}

TEST_P(RoomAccessContract, RestrictedRoomsAreNeverListed) {
  make_private("Secret", ann);
  ASSERT_FALSE(append(message("secret", ann, "one", "a1"), 500).refused);
  const auto opened = direct(ann, "bob");
  ASSERT_TRUE(opened);
  ASSERT_FALSE(append(message(opened->room.name, ann, "psst", "a2"), 600).refused);
  ASSERT_FALSE(append(message("lobby", ann, "hi", "a3"), 100).refused);

  EXPECT_EQ(listed_rooms(), std::vector<std::string>{"lobby"});
}

TEST_P(RoomAccessContract, AMessageToAReservedNameIsRefusedAndCreatesNothing) {
  const core::RoomName reserved = core::direct_room_name("ann", "bob");
  const AppendRequest batch[] = {message(reserved.text(), ann, "first!", "a1"),
                                 message("dm-mine", ann, "mine", "a2"),
                                 message("lobby", ann, "hi", "a3")};

  auto appended = store->append_batch(batch, 100);

  ASSERT_TRUE(appended) << appended.error().message();
  for (std::size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE((*appended)[i].refused) << i;
    EXPECT_EQ((*appended)[i].refused->code, ErrorCode::not_found) << i;
    EXPECT_EQ((*appended)[i].seq, 0u) << i;
  }
  EXPECT_FALSE((*appended)[2].refused);
  EXPECT_EQ(listed_rooms(), std::vector<std::string>{"lobby"});
  EXPECT_EQ(enter("dm-mine", ann), std::nullopt);
  // Its conversation still opens, and then takes messages.
  const auto opened = direct(bob, "ann");
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->room.last_seq, 0u);
  const Appended written = append(message(reserved.text(), ann, "first!", "a1"));
  EXPECT_FALSE(written.refused);
  EXPECT_EQ(written.seq, 1u);
}

TEST_P(RoomAccessContract, RoomsAndAccessOutliveTheStoreThatMadeThem) {
  if (!GetParam().open_again) GTEST_SKIP() << "this store's data lives in the store alone";
  make_private("Secret", ann, {&bob, &cy});
  ASSERT_TRUE(revoke("secret", ann, "cy").changed);
  ASSERT_FALSE(append(message("secret", bob, "one", "b1")).refused);
  const auto opened = direct(ann, "bob");
  ASSERT_TRUE(opened);
  const std::string dm = opened->room.name;

  auto again = GetParam().open_again(*backend);
  ASSERT_TRUE(again);

  auto secret = again->enter_room(room("secret"), bob, false);
  ASSERT_TRUE(secret) << secret.error().message();
  ASSERT_TRUE(*secret);
  EXPECT_EQ((*secret)->kind, RoomKind::private_room);
  EXPECT_EQ((*secret)->owner, "Ann");
  EXPECT_EQ((*secret)->last_seq, 1u);
  EXPECT_EQ(*again->enter_room(room("secret"), cy, false), std::nullopt);
  EXPECT_EQ(*again->list_access(room("secret")), (std::vector<std::string>{"Ann", "Bob"}));
  auto conversation = again->open_direct(bob, user("ann"), 80);
  ASSERT_TRUE(conversation);
  ASSERT_TRUE(*conversation);
  EXPECT_EQ((*conversation)->room.name, dm);
  EXPECT_EQ((*conversation)->room.kind, RoomKind::direct);
  auto readings = again->list_reading(bob, 10);
  ASSERT_TRUE(readings);
  ASSERT_EQ(readings->size(), 2u);
  EXPECT_TRUE(std::any_of(readings->begin(), readings->end(),
                          [&](const RoomReading& one) { return one.with == "Ann"; }));
  EXPECT_TRUE(again->list_rooms(10)->empty());
}

TEST_P(RoomAccessContract, AChangeOfAccessMadeElsewhereHoldsAtOnce) {
  if (!GetParam().open_again) GTEST_SKIP() << "this store's data lives in the store alone";
  make_private("Secret", ann, {&bob});
  ASSERT_FALSE(append(message("secret", bob, "one", "b1")).refused);  // the room is known here
  auto elsewhere = GetParam().open_again(*backend);
  ASSERT_TRUE(elsewhere);

  auto removed = elsewhere->revoke_access(room("secret"), ann, user("bob"));
  ASSERT_TRUE(removed);
  ASSERT_TRUE(removed->changed);
  const Appended after_removal = append(message("secret", bob, "two", "b2"));
  auto granted = elsewhere->grant_access(room("secret"), ann, user("cy"), 90);
  ASSERT_TRUE(granted);
  ASSERT_TRUE(granted->changed);
  const Appended after_grant = append(message("secret", cy, "three", "c1"));

  ASSERT_TRUE(after_removal.refused);
  EXPECT_EQ(after_removal.refused->code, ErrorCode::not_found);
  EXPECT_EQ(enter("secret", bob), std::nullopt);
  EXPECT_FALSE(after_grant.refused);
  EXPECT_EQ(after_grant.seq, 2u);
  EXPECT_TRUE(enter("secret", cy).has_value());
}

#ifdef PARLEY_CONTRACT_POSTGRES
INSTANTIATE_TEST_SUITE_P(Postgres, RoomAccessContract, ::testing::ValuesIn(postgres_stores()),
                         name_of);
#else
INSTANTIATE_TEST_SUITE_P(Memory, RoomAccessContract, ::testing::ValuesIn(memory_stores()), name_of);
INSTANTIATE_TEST_SUITE_P(Sqlite, RoomAccessContract, ::testing::ValuesIn(sqlite_stores()), name_of);
#endif

}  // namespace
}  // namespace parley::contract
