// The rules of room access (core/room_access.hpp) and the owner's right to
// delete (store/event_rules.hpp), which every store applies.
#include "core/room_access.hpp"

#include <gtest/gtest.h>

#include <set>

#include "store/event_rules.hpp"

namespace parley::core {
namespace {

Identity account(std::string_view name) {
  return Identity::account(*UserName::parse(name));
}

Identity guest(std::string_view name) {
  return Identity::guest(*UserName::parse(name), "g:" + std::string(name));
}

std::optional<ErrorCode> code_of(const std::optional<Error>& error) {
  if (!error) return std::nullopt;
  return error->code;
}

TEST(DirectRoomName, IsTheSameForEitherOrderAndReserved) {
  const RoomName name = direct_room_name("ann", "bob");
  EXPECT_EQ(name, direct_room_name("bob", "ann"));
  EXPECT_TRUE(is_reserved_room_name(name));
  EXPECT_TRUE(name.text().starts_with(kDirectRoomPrefix));
  EXPECT_EQ(name.text().size(), kDirectRoomPrefix.size() + 32);
}

TEST(DirectRoomName, KeepsPairsApartWhateverTheSeparatorsInNames) {
  // Names may hold every separator a naive join would use.
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"a", "b.c"},   {"a.b", "c"},     {"a-b", "c"},
      {"a", "b-c"},   {"ab", "c"},      {"a", "bc"},
      {"ann", "bob"}, {"ann", "carol"}, {std::string(32, 'x'), std::string(32, 'y')}};
  std::set<std::string> names;
  for (const auto& [a, b] : pairs) names.insert(direct_room_name(a, b).key());
  EXPECT_EQ(names.size(), pairs.size());
}

TEST(ReservedRoomNames, AreThoseOfTheDirectPrefixWhateverTheirCase) {
  EXPECT_TRUE(is_reserved_room_name(*RoomName::parse("dm-anything")));
  EXPECT_TRUE(is_reserved_room_name(*RoomName::parse("DM-Anything")));
  EXPECT_FALSE(is_reserved_room_name(*RoomName::parse("dm_talk")));
  EXPECT_FALSE(is_reserved_room_name(*RoomName::parse("admin-dm-")));
}

TEST(AccessKey, IsTheUserKeyOfAnAccountAndNothingForAGuest) {
  EXPECT_EQ(access_key_of(account("Ann")), "ann");
  EXPECT_EQ(access_key_of(guest("Ann")), "");
  EXPECT_EQ(account_id_of("ann"), account("Ann").id);
}

TEST(InviteRules, OnlyTheOwnerOfAPrivateRoomInvites) {
  const RoomAccessFacts room{RoomKind::private_room, "ann", true};
  EXPECT_EQ(code_of(refusal_of_invite(room, account("ann"))), std::nullopt);
  EXPECT_EQ(code_of(refusal_of_invite(room, account("bob"))), ErrorCode::forbidden);
  EXPECT_EQ(code_of(refusal_of_invite(room, guest("ann"))), ErrorCode::forbidden)
      << "a guest holding the owner's name is not the owner";
}

TEST(InviteRules, WhoCannotSeeTheRoomLearnsNothing) {
  for (RoomKind kind : {RoomKind::private_room, RoomKind::direct}) {
    const RoomAccessFacts closed{kind, "ann", false};
    EXPECT_EQ(code_of(refusal_of_invite(closed, account("bob"))), ErrorCode::not_found);
    EXPECT_EQ(code_of(refusal_of_removal(closed, account("bob"), "bob")), ErrorCode::not_found);
    EXPECT_EQ(code_of(refusal_of_removal(closed, account("bob"), "ann")), ErrorCode::not_found);
  }
}

TEST(InviteRules, PublicAndDirectRoomsTakeNoInvitations) {
  EXPECT_EQ(code_of(refusal_of_invite({RoomKind::public_room, "ann", true}, account("ann"))),
            ErrorCode::bad_request);
  EXPECT_EQ(code_of(refusal_of_invite({RoomKind::direct, "", true}, account("ann"))),
            ErrorCode::forbidden);
}

TEST(RemovalRules, TheOwnerRemovesMembersLeaveAndTheOwnerStays) {
  const RoomAccessFacts room{RoomKind::private_room, "ann", true};
  EXPECT_EQ(code_of(refusal_of_removal(room, account("ann"), "bob")), std::nullopt);
  EXPECT_EQ(code_of(refusal_of_removal(room, account("bob"), "bob")), std::nullopt);
  EXPECT_EQ(code_of(refusal_of_removal(room, account("bob"), "carol")), ErrorCode::forbidden);
  EXPECT_EQ(code_of(refusal_of_removal(room, account("bob"), "ann")), ErrorCode::forbidden);
  EXPECT_EQ(code_of(refusal_of_removal(room, account("ann"), "ann")), ErrorCode::forbidden);
  EXPECT_EQ(code_of(refusal_of_removal({RoomKind::direct, "", true}, account("ann"), "ann")),
            ErrorCode::forbidden);
  EXPECT_EQ(code_of(refusal_of_removal({RoomKind::public_room, "", true}, account("ann"), "bob")),
            ErrorCode::bad_request);
}

TEST(DeleteRules, TheOwnerMayDeleteAnotherAuthorsMessageAndNobodyElse) {
  store::AppendRequest deletion{*RoomName::parse("team"), account("ann"), "", "d1"};
  deletion.kind = EventKind::deletion;
  deletion.target = 1;
  const store::TargetMessage bobs{EventKind::message, account("bob").id, false};
  EXPECT_EQ(code_of(store::refusal_of(deletion, bobs, "ann")), std::nullopt);
  EXPECT_EQ(code_of(store::refusal_of(deletion, bobs, "")), ErrorCode::forbidden);
  EXPECT_EQ(code_of(store::refusal_of(deletion, bobs, "carol")), ErrorCode::forbidden);
  store::AppendRequest by_guest{*RoomName::parse("team"), guest("ann"), "", "d2"};
  by_guest.kind = EventKind::deletion;
  by_guest.target = 1;
  EXPECT_EQ(code_of(store::refusal_of(by_guest, bobs, "ann")), ErrorCode::forbidden)
      << "a guest of the owner's name";
  store::AppendRequest edit = deletion;
  edit.kind = EventKind::edit;
  edit.text = "changed";
  EXPECT_EQ(code_of(store::refusal_of(edit, bobs, "ann")), ErrorCode::forbidden)
      << "the owner may not edit another's words";
}

}  // namespace
}  // namespace parley::core
