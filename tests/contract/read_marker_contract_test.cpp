// The MessageStore contract for read markers, unread counts and mentions,
// run against every backend like the rest of the contract.
#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "contract/store_factories.hpp"
#include "contract/values.hpp"
#include "store/message_store.hpp"

namespace parley::contract {
namespace {

using store::AppendRequest;
using store::RoomReading;

AppendRequest message(std::string_view room_name, std::string_view author, std::string text,
                      std::string id) {
  return {room(room_name), core::Identity::account(user(author)), std::move(text), std::move(id)};
}

class ReadMarkerContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    backend = GetParam().make();
    store = backend.get();
  }

  void append(std::vector<AppendRequest> batch, std::int64_t now_ms = 100) {
    auto appended = store->append_batch(batch, now_ms);
    ASSERT_TRUE(appended) << appended.error().message();
    for (const auto& one : *appended) ASSERT_FALSE(one.refused);
  }

  // `n` messages in `room_name` by `author`, with ids `prefix`1..n.
  void append_messages(std::string_view room_name, std::string_view author, int n,
                       std::string prefix, std::int64_t now_ms = 100) {
    std::vector<AppendRequest> batch;
    for (int i = 1; i <= n; ++i) {
      batch.push_back(
          message(room_name, author, "text " + std::to_string(i), prefix + std::to_string(i)));
    }
    append(std::move(batch), now_ms);
  }

  std::optional<std::uint64_t> mark(const core::Identity& reader, std::string_view room_name,
                                    std::optional<std::uint64_t> seq) {
    // Named in capitals; answered with the name as first written.
    std::string shouted(room_name);
    for (char& c : shouted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto marked = store->mark_read(reader.id, room(shouted), seq);
    EXPECT_TRUE(marked) << marked.error().message();
    if (!marked || !*marked) return std::nullopt;
    EXPECT_EQ((*marked)->room_name, room_name);
    return (*marked)->read_seq;
  }

  std::vector<RoomReading> reading(const core::Identity& reader, std::size_t limit = 100) {
    auto listed = store->list_reading(reader, limit);
    EXPECT_TRUE(listed) << listed.error().message();
    return listed ? *listed : std::vector<RoomReading>{};
  }

  const core::Identity ann = core::Identity::account(user("Ann"));
  std::unique_ptr<store::Store> backend;
  store::MessageStore* store = nullptr;
};

TEST_P(ReadMarkerContract, AReaderNewToARoomStartsAtItsEndAndStaysThere) {
  append_messages("lobby", "bob", 3, "b");

  EXPECT_EQ(mark(ann, "lobby", std::nullopt), 3u);
  append_messages("lobby", "bob", 2, "c");
  EXPECT_EQ(mark(ann, "lobby", std::nullopt), 3u) << "coming in again moves nothing";

  const auto rooms = reading(ann);
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].name, "lobby");
  EXPECT_EQ(rooms[0].last_seq, 5u);
  EXPECT_EQ(rooms[0].read_seq, 3u);
  EXPECT_EQ(rooms[0].unread, 2u);
}

TEST_P(ReadMarkerContract, AMarkerMovesForwardOnlyAndNeverPastTheRoomsEnd) {
  append_messages("lobby", "bob", 5, "b");

  EXPECT_EQ(mark(ann, "lobby", 2), 2u) << "a first marker is where it is put";
  EXPECT_EQ(mark(ann, "lobby", 1), 2u);
  EXPECT_EQ(mark(ann, "lobby", 4), 4u);
  EXPECT_EQ(mark(ann, "lobby", 99), 5u);
  EXPECT_EQ(mark(ann, "lobby", UINT64_MAX), 5u);
}

TEST_P(ReadMarkerContract, AMarkerInARoomThatDoesNotExistIsNothingAndCreatesNothing) {
  EXPECT_EQ(mark(ann, "nowhere", 3), std::nullopt);
  EXPECT_EQ(mark(ann, "nowhere", std::nullopt), std::nullopt);

  auto rooms = store->list_rooms(10);
  ASSERT_TRUE(rooms);
  EXPECT_TRUE(rooms->empty());
  EXPECT_TRUE(reading(ann).empty());
}

TEST_P(ReadMarkerContract, UnreadCountsOtherUsersMessagesAfterTheMarkerThatAreNotDeleted) {
  append_messages("lobby", "bob", 1, "b");
  ASSERT_EQ(mark(ann, "lobby", std::nullopt), 1u);
  AppendRequest edit = message("lobby", "bob", "edited", "e1");
  edit.kind = core::EventKind::edit;
  edit.target = 1;
  AppendRequest reaction = message("lobby", "bob", "", "r1");
  reaction.kind = core::EventKind::reaction;
  reaction.target = 1;
  reaction.emoji = "+1";
  reaction.on = true;
  append({message("lobby", "bob", "one", "b2"),    // 2: unread
          message("lobby", "ann", "mine", "a1"),   // 3: her own
          edit,                                    // 4: not a message
          reaction,                                // 5: not a message
          message("lobby", "cy", "two", "c1"),     // 6: unread
          message("lobby", "cy", "gone", "c2")});  // 7: deleted below
  AppendRequest deletion = message("lobby", "cy", "", "d1");
  deletion.kind = core::EventKind::deletion;
  deletion.target = 7;
  append({deletion});

  const auto rooms = reading(ann);

  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].unread, 2u);
  EXPECT_EQ(rooms[0].last_seq, 8u);
}

TEST_P(ReadMarkerContract, MentionsCountUnreadMessagesNamingTheReaderAsAWord) {
  append_messages("lobby", "bob", 1, "b");
  ASSERT_EQ(mark(ann, "lobby", std::nullopt), 1u);
  append({message("lobby", "bob", "hi @ann", "m1"), message("lobby", "bob", "@ANN. look", "m2"),
          message("lobby", "bob", "@annie no", "m3"), message("lobby", "bob", "ann@host no", "m4"),
          message("lobby", "ann", "@ann myself", "m5")});

  const auto rooms = reading(ann);

  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].unread, 4u);
  EXPECT_EQ(rooms[0].mentions, 2u);
  ASSERT_EQ(mark(ann, "lobby", 2), 2u);
  EXPECT_EQ(reading(ann)[0].mentions, 1u) << "a mention read is no longer counted";
}

TEST_P(ReadMarkerContract, AMentionOfANameWithAnUnderscoreIsFoundLiterally) {
  const core::Identity ann_b = core::Identity::account(user("ann_b"));
  append_messages("lobby", "bob", 1, "b");
  ASSERT_EQ(mark(ann_b, "lobby", std::nullopt), 1u);
  append({message("lobby", "bob", "@annxb", "m1"), message("lobby", "bob", "@ann_b", "m2")});

  const auto rooms = reading(ann_b);

  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].mentions, 1u);
}

TEST_P(ReadMarkerContract, TheRoomsOfAReaderAreThoseWithAMarkerMostRecentlyActiveFirst) {
  append_messages("first", "bob", 1, "f", 100);
  append_messages("second", "bob", 1, "s", 200);
  append_messages("third", "bob", 1, "t", 300);
  append_messages("unread", "bob", 1, "u", 400);
  ASSERT_TRUE(mark(ann, "second", std::nullopt));
  ASSERT_TRUE(mark(ann, "first", std::nullopt));
  ASSERT_TRUE(mark(ann, "third", std::nullopt));
  append_messages("first", "bob", 1, "g", 500);

  const auto rooms = reading(ann);
  const auto two = reading(ann, 2);

  ASSERT_EQ(rooms.size(), 3u);
  EXPECT_EQ(rooms[0].name, "first");
  EXPECT_EQ(rooms[1].name, "third");
  EXPECT_EQ(rooms[2].name, "second");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].name, "third");
}

TEST_P(ReadMarkerContract, MarkersBelongToTheIdentityNotTheName) {
  const core::Identity guest_ann = core::Identity::guest(user("ann"), "g:0123456789abcdef");
  append_messages("lobby", "bob", 4, "b");
  ASSERT_EQ(mark(ann, "lobby", 4), 4u);

  EXPECT_TRUE(reading(guest_ann).empty());
  EXPECT_EQ(mark(guest_ann, "lobby", 1), 1u);
  EXPECT_EQ(reading(ann)[0].read_seq, 4u);
}

#ifdef PARLEY_CONTRACT_POSTGRES
INSTANTIATE_TEST_SUITE_P(Postgres, ReadMarkerContract, ::testing::ValuesIn(postgres_stores()),
                         name_of);
#else
INSTANTIATE_TEST_SUITE_P(Memory, ReadMarkerContract, ::testing::ValuesIn(memory_stores()), name_of);
INSTANTIATE_TEST_SUITE_P(Sqlite, ReadMarkerContract, ::testing::ValuesIn(sqlite_stores()), name_of);
#endif

}  // namespace
}  // namespace parley::contract
