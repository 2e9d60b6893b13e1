#include "core/remote_presence.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace parley::core {
namespace {

PresentUser user(std::string identity, std::string name, std::string room = "lobby") {
  return {room, room, std::move(identity), std::move(name)};
}

const PresentUser kAlice = user("a:alice", "alice");
const PresentUser kBob = user("a:bob", "bob");
const PresentUser kCarol = user("a:carol", "carol");

std::vector<std::string> names_in(const RemotePresence& presence, const std::string& room) {
  std::vector<std::string> names;
  for (const PresentUser& present : presence.users_in(room)) names.push_back(present.user);
  return names;
}

// The changes as "+name" (came) and "-name" (went), sorted: replace() and
// expire() promise what changed, not in which order.
std::vector<std::string> summary(const std::vector<PresenceChange>& changes) {
  std::vector<std::string> lines;
  for (const PresenceChange& change : changes) {
    lines.push_back((change.present ? "+" : "-") + change.user.user + "@" + change.user.room);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST(RemotePresence, AddAnswersWhetherTheIdentityIsNewToTheOtherNodes) {
  RemotePresence presence;
  EXPECT_TRUE(presence.add("n1", kAlice, 0));
  EXPECT_FALSE(presence.add("n1", kAlice, 1)) << "the same node again";
  EXPECT_FALSE(presence.add("n2", kAlice, 2)) << "another node, but n1 has it already";
  EXPECT_TRUE(presence.add("n2", kBob, 3));
  EXPECT_TRUE(presence.is_present("lobby", "a:alice"));
  EXPECT_FALSE(presence.is_present("kitchen", "a:alice"));
}

TEST(RemotePresence, RemoveAnswersWhetherItWasTheLastNodeWithTheIdentity) {
  RemotePresence presence;
  presence.add("n1", kAlice, 0);
  presence.add("n2", kAlice, 0);
  EXPECT_FALSE(presence.remove("n1", "lobby", "a:alice", 1)) << "n2 still has alice";
  EXPECT_TRUE(presence.is_present("lobby", "a:alice"));
  EXPECT_FALSE(presence.remove("n1", "lobby", "a:alice", 2)) << "n1 had it no more";
  EXPECT_TRUE(presence.remove("n2", "lobby", "a:alice", 3));
  EXPECT_FALSE(presence.is_present("lobby", "a:alice"));
  EXPECT_FALSE(presence.remove("n2", "lobby", "a:alice", 4)) << "gone already";
  EXPECT_FALSE(presence.remove("n9", "lobby", "a:alice", 5)) << "a node never heard of";
  EXPECT_FALSE(presence.remove("n1", "kitchen", "a:alice", 6)) << "a room never heard of";
}

TEST(RemotePresence, OneIdentityOnTwoNodesIsOneUser) {
  RemotePresence presence;
  presence.add("n1", kAlice, 0);
  presence.add("n2", kAlice, 0);
  EXPECT_EQ(presence.user_count("lobby"), 1u);
  EXPECT_EQ(names_in(presence, "lobby"), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(presence.node_count(), 2u);
}

TEST(RemotePresence, TwoIdentitiesOfOneNameAreTwoUsers) {
  RemotePresence presence;
  EXPECT_TRUE(presence.add("n1", user("g:guest1", "carol"), 0));
  EXPECT_TRUE(presence.add("n2", user("a:carol", "Carol"), 0));
  EXPECT_EQ(presence.user_count("lobby"), 2u);
  EXPECT_TRUE(presence.remove("n1", "lobby", "g:guest1", 1));
  EXPECT_EQ(names_in(presence, "lobby"), (std::vector<std::string>{"Carol"}));
}

TEST(RemotePresence, EachRoomIsApart) {
  RemotePresence presence;
  EXPECT_TRUE(presence.add("n1", kAlice, 0));
  EXPECT_TRUE(presence.add("n1", user("a:alice", "alice", "kitchen"), 0));
  EXPECT_EQ(presence.user_count("lobby"), 1u);
  EXPECT_EQ(presence.user_count("kitchen"), 1u);
  EXPECT_TRUE(presence.remove("n1", "kitchen", "a:alice", 1));
  EXPECT_TRUE(presence.is_present("lobby", "a:alice"));
  EXPECT_EQ(presence.user_count("kitchen"), 0u);
  EXPECT_TRUE(presence.users_in("kitchen").empty());
  EXPECT_EQ(presence.user_count("nowhere"), 0u);
}

TEST(RemotePresence, UsersInKeepsTheOrderOfArrival) {
  RemotePresence presence;
  presence.add("n2", kCarol, 0);
  presence.add("n1", kAlice, 0);
  presence.add("n2", kBob, 0);
  presence.add("n1", kCarol, 0);  // carol on a second node keeps her place
  EXPECT_EQ(names_in(presence, "lobby"), (std::vector<std::string>{"carol", "alice", "bob"}));
  EXPECT_EQ(presence.user_count("lobby"), 3u);
  // One who leaves every node and comes back is the last to arrive.
  presence.remove("n2", "lobby", "a:carol", 1);
  presence.remove("n1", "lobby", "a:carol", 1);
  presence.add("n1", kCarol, 2);
  EXPECT_EQ(names_in(presence, "lobby"), (std::vector<std::string>{"alice", "bob", "carol"}));
  // Leaving one node of two keeps the place.
  presence.add("n2", kAlice, 3);
  presence.remove("n1", "lobby", "a:alice", 4);
  EXPECT_EQ(names_in(presence, "lobby"), (std::vector<std::string>{"alice", "bob", "carol"}));
}

TEST(RemotePresence, ReplaceAnswersExactlyWhoCameAndWhoWent) {
  RemotePresence presence;
  presence.add("n1", kAlice, 0);
  presence.add("n1", kBob, 0);
  const auto changes = presence.replace("n1", {kBob, kCarol}, 1);
  EXPECT_EQ(summary(changes), (std::vector<std::string>{"+carol@lobby", "-alice@lobby"}));
  EXPECT_EQ(names_in(presence, "lobby"), (std::vector<std::string>{"bob", "carol"}));
  EXPECT_TRUE(presence.replace("n1", {kBob, kCarol}, 2).empty()) << "nothing new";
  EXPECT_TRUE(presence.replace("n1", {kCarol, kBob}, 3).empty()) << "order is no change";
}

TEST(RemotePresence, ReplaceCountsOnlyChangesForTheWholeOfTheOtherNodes) {
  RemotePresence presence;
  presence.add("n2", kAlice, 0);
  presence.add("n1", kBob, 0);
  presence.add("n2", kBob, 0);
  // n1 now has alice (n2 had her already) and no longer bob (n2 still has him).
  EXPECT_TRUE(presence.replace("n1", {kAlice}, 1).empty());
  EXPECT_EQ(presence.user_count("lobby"), 2u);
  // n2 drops both: only bob is gone, alice stays on n1.
  EXPECT_EQ(summary(presence.replace("n2", {}, 2)), (std::vector<std::string>{"-bob@lobby"}));
  EXPECT_EQ(names_in(presence, "lobby"), (std::vector<std::string>{"alice"}));
}

TEST(RemotePresence, ReplaceCorrectsALostEvent) {
  RemotePresence presence;
  presence.add("n1", kAlice, 0);
  // bob came to n1 and alice left it, but both events were lost.
  const auto changes = presence.replace("n1", {kBob}, 1);
  EXPECT_EQ(summary(changes), (std::vector<std::string>{"+bob@lobby", "-alice@lobby"}));
  EXPECT_FALSE(presence.is_present("lobby", "a:alice"));
  EXPECT_TRUE(presence.is_present("lobby", "a:bob"));
  // A late event after the snapshot that had it already is no news.
  EXPECT_FALSE(presence.add("n1", kBob, 2));
}

TEST(RemotePresence, ReplaceOfANewNodeTellsWhoCame) {
  RemotePresence presence;
  const auto changes = presence.replace("n1", {kAlice, user("a:alice", "alice", "kitchen")}, 0);
  EXPECT_EQ(summary(changes), (std::vector<std::string>{"+alice@kitchen", "+alice@lobby"}));
  EXPECT_EQ(presence.node_count(), 1u);
  EXPECT_TRUE(presence.replace("n2", {}, 0).empty());
  EXPECT_EQ(presence.node_count(), 2u);
}

TEST(RemotePresence, ExpireDropsSilentNodesAndTellsWhatWent) {
  RemotePresence presence;
  presence.add("n1", kAlice, 1000);
  presence.add("n1", kBob, 1000);
  presence.add("n2", kBob, 5000);
  presence.replace("n3", {}, 1000);
  // n1 and n3 were last heard at 1000; n2 at 5000.
  EXPECT_TRUE(presence.expire(1000).empty()) << "heard at the cutoff is not silent";
  const auto changes = presence.expire(4000);
  EXPECT_EQ(summary(changes), (std::vector<std::string>{"-alice@lobby"})) << "bob is still on n2";
  EXPECT_EQ(presence.node_count(), 1u);
  EXPECT_EQ(names_in(presence, "lobby"), (std::vector<std::string>{"bob"}));
  EXPECT_EQ(summary(presence.expire(9000)), (std::vector<std::string>{"-bob@lobby"}));
  EXPECT_EQ(presence.node_count(), 0u);
  EXPECT_EQ(presence.user_count("lobby"), 0u);
}

TEST(RemotePresence, EveryEventOfANodeKeepsItAlive) {
  RemotePresence presence;
  presence.add("n1", kAlice, 1000);
  presence.add("n1", kBob, 1000);
  presence.remove("n1", "lobby", "a:bob", 6000);  // heard of at 6000
  EXPECT_TRUE(presence.expire(5000).empty());
  presence.replace("n1", {kAlice}, 9000);
  EXPECT_TRUE(presence.expire(8000).empty());
  EXPECT_EQ(summary(presence.expire(9001)), (std::vector<std::string>{"-alice@lobby"}));
}

TEST(RemotePresence, ANodeBackAfterExpiryCountsAsNew) {
  RemotePresence presence;
  presence.add("n1", kAlice, 0);
  presence.expire(1);
  EXPECT_FALSE(presence.is_present("lobby", "a:alice"));
  EXPECT_FALSE(presence.remove("n1", "lobby", "a:alice", 2)) << "forgotten with its node";
  EXPECT_TRUE(presence.add("n1", kAlice, 3));
}

}  // namespace
}  // namespace parley::core
