// The MessageStore contract: one test per guarantee, run against every
// backend (store_factories.hpp). The tests speak to the MessageStore half
// only.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "contract/store_factories.hpp"
#include "contract/values.hpp"
#include "store/message_store.hpp"

namespace parley::contract {
namespace {

using store::AppendRequest;
using store::Keep;
using store::RangeQuery;

// A message by the account of `author`.
AppendRequest message(std::string_view room_name, std::string_view author, std::string text,
                      std::string id) {
  return {room(room_name), core::Identity::account(user(author)), std::move(text), std::move(id)};
}

// A message by a guest of that name, with identity id `author_id`.
AppendRequest guest_message(std::string_view room_name, std::string_view author,
                            std::string author_id, std::string text, std::string id) {
  return {room(room_name), core::Identity::guest(user(author), std::move(author_id)),
          std::move(text), std::move(id)};
}

// `count` messages by "u" in `room_name`, with texts t1.. and ids of one
// length (so that every message costs the same bytes).
std::vector<AppendRequest> numbered_messages(std::string_view room_name, int count) {
  std::vector<AppendRequest> batch;
  for (int i = 1; i <= count; ++i) {
    batch.push_back(
        message(room_name, "u", "t" + std::to_string(i), "id" + std::to_string(100 + i)));
  }
  return batch;
}

class MessageStoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    backend = GetParam().make();
    store = backend.get();
  }

  // The seqs of the messages `query` reads, in the order read.
  std::vector<std::uint64_t> seqs_read(const RangeQuery& query) {
    std::vector<std::uint64_t> seqs;
    auto read = store->read_messages(query);
    EXPECT_TRUE(read) << read.error().message();
    if (read) {
      for (const auto& stored : *read) seqs.push_back(stored.seq);
    }
    return seqs;
  }

  // The names list_rooms answers, in its order.
  std::vector<std::string> room_names(std::size_t limit = 100) {
    std::vector<std::string> names;
    auto rooms = store->list_rooms(limit);
    EXPECT_TRUE(rooms) << rooms.error().message();
    if (rooms) {
      for (const auto& record : *rooms) names.push_back(record.name);
    }
    return names;
  }

  std::unique_ptr<store::Store> backend;
  store::MessageStore* store = nullptr;
};

using Seqs = std::vector<std::uint64_t>;
using Names = std::vector<std::string>;

// --- Seqs ---

TEST_P(MessageStoreContract, SeqsStartAtOneAndIncreaseByOneWithoutGapsInEachRoom) {
  const AppendRequest first[] = {message("a", "u", "1", "i1"), message("b", "u", "1", "i1"),
                                 message("a", "u", "2", "i2")};
  const AppendRequest second[] = {message("b", "u", "2", "i2"), message("a", "u", "3", "i3")};
  auto one = store->append_batch(first, 1000);
  auto two = store->append_batch(second, 1001);
  ASSERT_TRUE(one && two);
  ASSERT_EQ(one->size(), 3u);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*one)[0].seq, 1u);
  EXPECT_EQ((*one)[1].seq, 1u) << "another room counts on its own";
  EXPECT_EQ((*one)[2].seq, 2u);
  EXPECT_EQ((*two)[0].seq, 2u);
  EXPECT_EQ((*two)[1].seq, 3u) << "the next batch goes on from the last seq";
  EXPECT_EQ(seqs_read({room("a"), 0, 100, 100}), (Seqs{1, 2, 3}));
  EXPECT_EQ(seqs_read({room("b"), 0, 100, 100}), (Seqs{1, 2}));
}

TEST_P(MessageStoreContract, AnAppendAnswersTheTimeItWasStoredAt) {
  const AppendRequest batch[] = {message("r", "u", "x", "i1")};
  auto appended = store->append_batch(batch, 123456);
  ASSERT_TRUE(appended);
  EXPECT_EQ((*appended)[0].ts, 123456);
  EXPECT_FALSE((*appended)[0].duplicate);
  EXPECT_EQ(store->read_range(room("r"), 0, 1, 1)->front().ts, 123456);
}

TEST_P(MessageStoreContract, OpeningARoomAnswersItsLastSeq) {
  EXPECT_EQ(store->open_room(room("r"))->last_seq, 0u) << "a new room has none";
  const auto batch = numbered_messages("r", 3);
  ASSERT_TRUE(store->append_batch(batch, 1));
  EXPECT_EQ(store->open_room(room("r"))->last_seq, 3u);
}

// --- Room names ---

TEST_P(MessageStoreContract, RoomKeysAreCaseInsensitive) {
  const AppendRequest batch[] = {message("Lobby", "u", "1", "i1"), message("LOBBY", "u", "2", "i2"),
                                 message("lobby", "u", "3", "i3")};
  auto appended = store->append_batch(batch, 1);
  ASSERT_TRUE(appended);
  EXPECT_EQ((*appended)[2].seq, 3u) << "one room, whatever the case";
  EXPECT_EQ(seqs_read({room("lObBy"), 0, 100, 100}), (Seqs{1, 2, 3}));
  EXPECT_EQ(room_names(), (Names{"Lobby"}));
}

TEST_P(MessageStoreContract, ARoomIsShownAsItWasFirstWritten) {
  ASSERT_EQ(store->open_room(room("Quiet"))->name, "Quiet");
  EXPECT_EQ(store->open_room(room("quiet"))->name, "Quiet");
  const AppendRequest batch[] = {message("QUIET", "u", "x", "i1")};
  auto appended = store->append_batch(batch, 1);
  ASSERT_TRUE(appended);
  EXPECT_EQ((*appended)[0].room_name, "Quiet");
  EXPECT_EQ(room_names(), (Names{"Quiet"}));
}

TEST_P(MessageStoreContract, ARoomFirstWrittenByAMessageIsShownAsThatMessageNamedIt) {
  const AppendRequest batch[] = {message("MixedCase", "u", "x", "i1"),
                                 message("mixedcase", "u", "y", "i2")};
  auto appended = store->append_batch(batch, 1);
  ASSERT_TRUE(appended);
  EXPECT_EQ((*appended)[1].room_name, "MixedCase");
  EXPECT_EQ(store->open_room(room("MIXEDCASE"))->name, "MixedCase");
}

// --- Idempotency ---

TEST_P(MessageStoreContract, ADuplicateStoresNothingAndAnswersTheOriginalSeqAndTs) {
  const AppendRequest first[] = {message("r", "alice", "hello", "m1")};
  ASSERT_TRUE(store->append_batch(first, 10));
  const AppendRequest again[] = {message("r", "ALICE", "changed", "m1")};
  auto appended = store->append_batch(again, 20);
  ASSERT_TRUE(appended);
  EXPECT_TRUE((*appended)[0].duplicate);
  EXPECT_EQ((*appended)[0].seq, 1u);
  EXPECT_EQ((*appended)[0].ts, 10);
  EXPECT_EQ((*appended)[0].room_name, "r");
  auto stored = store->read_range(room("r"), 0, 100, 100);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].text, "hello") << "the first text stays";
  EXPECT_EQ(store->open_room(room("r"))->last_seq, 1u) << "no seq was used";
}

TEST_P(MessageStoreContract, ADuplicateWithinOneBatchIsCaught) {
  const AppendRequest batch[] = {message("r", "alice", "x", "same"),
                                 message("r", "alice", "x", "same")};
  auto appended = store->append_batch(batch, 5);
  ASSERT_TRUE(appended);
  EXPECT_FALSE((*appended)[0].duplicate);
  EXPECT_TRUE((*appended)[1].duplicate);
  EXPECT_EQ((*appended)[1].seq, 1u);
  EXPECT_EQ((*appended)[1].ts, 5);
  EXPECT_EQ(store->open_room(room("r"))->last_seq, 1u);
}

TEST_P(MessageStoreContract, TheSameClientIdFromAnotherAuthorOrInAnotherRoomIsANewMessage) {
  const AppendRequest first[] = {message("r", "alice", "hello", "m1")};
  ASSERT_TRUE(store->append_batch(first, 10));
  const AppendRequest others[] = {message("r", "bob", "another author", "m1"),
                                  message("s", "alice", "another room", "m1")};
  auto appended = store->append_batch(others, 20);
  ASSERT_TRUE(appended);
  EXPECT_FALSE((*appended)[0].duplicate);
  EXPECT_EQ((*appended)[0].seq, 2u);
  EXPECT_FALSE((*appended)[1].duplicate);
  EXPECT_EQ((*appended)[1].seq, 1u);
}

TEST_P(MessageStoreContract, IdempotencyKeysOnTheAuthorsIdentityNeverOnTheName) {
  // A guest "carol" posted m1; later an account took the name and posts its
  // own m1: a new message, not the guest's.
  const AppendRequest guest[] = {guest_message("r", "carol", "g:session1", "from the guest", "m1")};
  ASSERT_TRUE(store->append_batch(guest, 10));
  const AppendRequest account[] = {message("r", "carol", "from the account", "m1"),
                                   guest_message("r", "carol", "g:session1", "retried", "m1")};
  auto appended = store->append_batch(account, 20);
  ASSERT_TRUE(appended);
  EXPECT_FALSE((*appended)[0].duplicate);
  EXPECT_EQ((*appended)[0].seq, 2u);
  EXPECT_TRUE((*appended)[1].duplicate) << "the guest's own retry is still recognised";
  EXPECT_EQ((*appended)[1].seq, 1u);
}

// --- Failure ---

TEST_P(MessageStoreContract, AFailedBatchStoresNothingAndUsesNoSeq) {
  if (!GetParam().make_failing_on) GTEST_SKIP() << "writes to this store cannot fail";
  auto failing = GetParam().make_failing_on("this one fails");
  const AppendRequest before[] = {message("r", "u", "before", "b1")};
  ASSERT_TRUE(failing->append_batch(before, 1));
  // The failure comes after two messages of the batch, one in a new room.
  const AppendRequest batch[] = {message("r", "u", "one", "f1"), message("new", "u", "two", "f2"),
                                 message("r", "u", "this one fails", "f3")};
  EXPECT_FALSE(failing->append_batch(batch, 2));

  auto stored = failing->read_range(room("r"), 0, 100, 100);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].text, "before");
  EXPECT_TRUE(failing->read_range(room("new"), 0, 100, 100)->empty());
  auto rooms = failing->list_rooms(100);
  ASSERT_TRUE(rooms);
  ASSERT_EQ(rooms->size(), 1u) << "the new room was not kept";
  EXPECT_EQ((*rooms)[0].last_seq, 1u);
  // The ids of the failed batch were not used either.
  const AppendRequest retry[] = {message("r", "u", "one", "f1")};
  auto retried = failing->append_batch(retry, 3);
  ASSERT_TRUE(retried);
  EXPECT_FALSE((*retried)[0].duplicate);
  EXPECT_EQ((*retried)[0].seq, 2u);
}

// --- Reading ---

TEST_P(MessageStoreContract, AMessageIsReadBackWithEveryFieldAsStored) {
  const AppendRequest batch[] = {message("r", "Alice", "from the account", "a-1"),
                                 guest_message("r", "Gus", "g:public", "from a guest", "g-1")};
  ASSERT_TRUE(store->append_batch(batch, 77));
  auto stored = store->read_range(room("r"), 0, 2, 2);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 2u);
  const auto& account = (*stored)[0];
  EXPECT_EQ(account.seq, 1u);
  EXPECT_EQ(account.ts, 77);
  EXPECT_EQ(account.user, "Alice") << "the name as written then";
  EXPECT_EQ(account.text, "from the account");
  EXPECT_EQ(account.client_id, "a-1");
  EXPECT_EQ(account.author_id, "a:alice");
  EXPECT_FALSE(account.guest);
  const auto& guest = (*stored)[1];
  EXPECT_EQ(guest.seq, 2u);
  EXPECT_EQ(guest.user, "Gus");
  EXPECT_EQ(guest.client_id, "g-1");
  EXPECT_EQ(guest.author_id, "g:public");
  EXPECT_TRUE(guest.guest);
}

// An edit, delete or reaction by the account of `author`, on message `target`.
AppendRequest event_on(std::uint64_t target, core::EventKind kind, std::string_view author,
                       std::string id) {
  AppendRequest request = message("r", author, "", std::move(id));
  request.kind = kind;
  request.target = target;
  return request;
}

TEST_P(MessageStoreContract, EditsRepliesReactionsAndDeletesAreEventsAppliedToTheirMessage) {
  AppendRequest reply = message("r", "bob", "re: first", "b1");
  reply.reply_to = 1;
  AppendRequest edit = event_on(1, core::EventKind::edit, "alice", "a2");
  edit.text = "first, edited";
  AppendRequest reaction = event_on(1, core::EventKind::reaction, "bob", "b2");
  reaction.emoji = "+1";
  reaction.on = true;
  const std::vector<std::vector<AppendRequest>> batches = {
      {message("r", "alice", "first", "a1")},
      {reply},
      {edit},
      {reaction},
      {event_on(2, core::EventKind::deletion, "bob", "b3")}};
  for (std::size_t i = 0; i < batches.size(); ++i) {
    auto appended = store->append_batch(batches[i], static_cast<std::int64_t>(10 * (i + 1)));
    ASSERT_TRUE(appended) << "batch " << i << ": " << appended.error().message();
    EXPECT_EQ((*appended)[0].seq, i + 1);
    EXPECT_FALSE((*appended)[0].refused)
        << "batch " << i << ": " << (*appended)[0].refused->message;
  }

  // Every event as stored, each message as it is now.
  auto events = store->read_range(room("r"), 0, 5, 5);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 5u);
  const auto& first = (*events)[0];
  EXPECT_EQ(first.text, "first, edited");
  EXPECT_EQ(first.edited_ts, 30);
  const auto& deleted_reply = (*events)[1];
  EXPECT_EQ(deleted_reply.reply_to, 1u);
  EXPECT_TRUE(deleted_reply.deleted);
  EXPECT_EQ(deleted_reply.text, "") << "a delete removes the text";
  EXPECT_EQ((*events)[2].kind, core::EventKind::edit);
  EXPECT_EQ((*events)[2].target, 1u);
  EXPECT_EQ((*events)[2].text, "first, edited");
  EXPECT_EQ((*events)[3].kind, core::EventKind::reaction);
  EXPECT_EQ((*events)[3].emoji, "+1");
  EXPECT_TRUE((*events)[3].on);
  EXPECT_EQ((*events)[4].kind, core::EventKind::deletion);
  EXPECT_EQ((*events)[4].target, 2u);
  EXPECT_EQ((*events)[4].author_id, "a:bob");

  // The final view: messages only, with their reactions.
  RangeQuery final_messages{room("r"), 0, 5, 10};
  final_messages.view = store::View::final_messages;
  auto messages = store->read_messages(final_messages);
  ASSERT_TRUE(messages);
  ASSERT_EQ(messages->size(), 2u);
  ASSERT_EQ((*messages)[0].reactions.size(), 1u);
  EXPECT_EQ((*messages)[0].reactions[0].emoji, "+1");
  EXPECT_EQ((*messages)[0].reactions[0].users, std::vector<std::string>{"bob"});
  EXPECT_TRUE((*messages)[1].deleted);
}

TEST_P(MessageStoreContract, TextIsKeptExactlyAsReceived) {
  const std::string text = "  <b>bold?</b> \x01 caf\xc3\xa9 \xf0\x9f\x98\x80\n\"\\'; --";
  const AppendRequest batch[] = {message("r", "u", text, "x")};
  ASSERT_TRUE(store->append_batch(batch, 1));
  EXPECT_EQ(store->read_range(room("r"), 0, 1, 1)->front().text, text);
}

TEST_P(MessageStoreContract, AReadReturnsTheSeqsAfterItsStartUpToItsEndOldestFirst) {
  ASSERT_TRUE(store->append_batch(numbered_messages("r", 10), 1));
  EXPECT_EQ(seqs_read({room("r"), 3, 8, 100}), (Seqs{4, 5, 6, 7, 8}));
  EXPECT_EQ(seqs_read({room("r"), 3, 8, 100, SIZE_MAX, Keep::oldest}), (Seqs{4, 5, 6, 7, 8}));
  EXPECT_EQ(seqs_read({room("r"), 8, 1000, 100}), (Seqs{9, 10})) << "an end past the last seq";
}

TEST_P(MessageStoreContract, AReadOfNothingAnswersNoMessagesAndNoError) {
  ASSERT_TRUE(store->append_batch(numbered_messages("r", 3), 1));
  EXPECT_EQ(seqs_read({room("nowhere"), 0, 10, 5}), Seqs{}) << "an unknown room";
  EXPECT_EQ(seqs_read({room("r"), 3, 3, 5}), Seqs{}) << "an empty range";
  EXPECT_EQ(seqs_read({room("r"), 5, 2, 5}), Seqs{}) << "a range the wrong way round";
  EXPECT_EQ(seqs_read({room("r"), 3, 10, 5}), Seqs{}) << "a start at the last seq";
  EXPECT_EQ(seqs_read({room("r"), 0, 10, 0}), Seqs{}) << "a limit of zero";
  EXPECT_EQ(seqs_read({room("r"), UINT64_MAX - 1, UINT64_MAX, 5}), Seqs{})
      << "a start beyond every seq a store can hold";
  EXPECT_EQ(seqs_read({room("r"), INT64_MAX, UINT64_MAX, 5}), Seqs{});
}

TEST_P(MessageStoreContract, ACountCappedReadKeepingNewestKeepsTheMostRecent) {
  ASSERT_TRUE(store->append_batch(numbered_messages("r", 10), 1));
  EXPECT_EQ(seqs_read({room("r"), 0, 10, 3, SIZE_MAX, Keep::newest}), (Seqs{8, 9, 10}));
  EXPECT_EQ(seqs_read({room("r"), 2, 7, 2, SIZE_MAX, Keep::newest}), (Seqs{6, 7}));
  auto page = store->read_range(room("r"), 0, 10, 3);  // a page of history
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ(page->front().seq, 8u);
  EXPECT_EQ(page->back().text, "t10");
}

TEST_P(MessageStoreContract, ACountCappedReadKeepingOldestKeepsTheFirstAfterItsStart) {
  ASSERT_TRUE(store->append_batch(numbered_messages("r", 10), 1));
  EXPECT_EQ(seqs_read({room("r"), 0, 10, 3, SIZE_MAX, Keep::oldest}), (Seqs{1, 2, 3}));
  EXPECT_EQ(seqs_read({room("r"), 2, 7, 2, SIZE_MAX, Keep::oldest}), (Seqs{3, 4}));
}

TEST_P(MessageStoreContract, AByteCappedReadKeepsWhatFitsFromTheEndItKeeps) {
  std::vector<AppendRequest> batch;
  const std::string text(1000, 'x');
  for (char id = 'a'; id < 'a' + 10; ++id) batch.push_back(message("r", "u", text, {id}));
  ASSERT_TRUE(store->append_batch(batch, 1));
  const std::size_t each = store::message_bytes((*store->read_range(room("r"), 0, 1, 1))[0]);
  // Room for three and a half messages: three.
  EXPECT_EQ(seqs_read({room("r"), 2, 10, 100, each * 3 + each / 2, Keep::oldest}), (Seqs{3, 4, 5}));
  EXPECT_EQ(seqs_read({room("r"), 2, 10, 100, each * 3, Keep::newest}), (Seqs{8, 9, 10}));
}

TEST_P(MessageStoreContract, AMessageLargerThanTheByteCapIsReadAlone) {
  std::vector<AppendRequest> batch;
  for (char id = 'a'; id < 'a' + 3; ++id)
    batch.push_back(message("r", "u", std::string(500, 'x'), {id}));
  ASSERT_TRUE(store->append_batch(batch, 1));
  EXPECT_EQ(seqs_read({room("r"), 0, 10, 100, 10, Keep::oldest}), (Seqs{1}));
  EXPECT_EQ(seqs_read({room("r"), 0, 10, 100, 10, Keep::newest}), (Seqs{3}));
}

TEST_P(MessageStoreContract, ACountAndAByteCapTogetherStopAtWhicheverComesFirst) {
  ASSERT_TRUE(store->append_batch(numbered_messages("r", 10), 1));
  const std::size_t each = store::message_bytes((*store->read_range(room("r"), 0, 1, 1))[0]);
  EXPECT_EQ(seqs_read({room("r"), 0, 10, 2, SIZE_MAX, Keep::oldest}), (Seqs{1, 2}));
  EXPECT_EQ(seqs_read({room("r"), 0, 10, 5, each * 2, Keep::oldest}), (Seqs{1, 2}));
  EXPECT_EQ(seqs_read({room("r"), 0, 10, 2, each * 5, Keep::newest}), (Seqs{9, 10}));
}

// --- Listing rooms ---

TEST_P(MessageStoreContract, RoomsAreListedByTheirMostRecentMessage) {
  const AppendRequest older[] = {message("older", "u", "x", "1")};
  const AppendRequest newer[] = {message("newer", "u", "x", "1")};
  ASSERT_TRUE(store->append_batch(older, 100));
  ASSERT_TRUE(store->append_batch(newer, 200));
  EXPECT_EQ(room_names(), (Names{"newer", "older"}));
  const AppendRequest again[] = {message("older", "u", "y", "2")};
  ASSERT_TRUE(store->append_batch(again, 300));
  EXPECT_EQ(room_names(), (Names{"older", "newer"}));
}

TEST_P(MessageStoreContract, AListedRoomSaysWhenItWasLastWrittenIn) {
  const AppendRequest first[] = {message("busy", "u", "x", "1")};
  const AppendRequest second[] = {message("busy", "u", "y", "2")};
  ASSERT_TRUE(store->append_batch(first, 100));
  ASSERT_TRUE(store->append_batch(second, 250));
  ASSERT_TRUE(store->open_room(room("quiet")));

  auto rooms = store->list_rooms(10);

  ASSERT_TRUE(rooms);
  ASSERT_EQ(rooms->size(), 2u);
  EXPECT_EQ((*rooms)[0].name, "busy");
  EXPECT_EQ((*rooms)[0].last_active_ms, 250);
  EXPECT_EQ((*rooms)[1].name, "quiet");
  EXPECT_EQ((*rooms)[1].last_active_ms, 0) << "never written in";
}

TEST_P(MessageStoreContract, RoomsWrittenInTheSameMillisecondAreListedByTheirLastMessage) {
  const AppendRequest batch[] = {message("first", "u", "x", "1"), message("second", "u", "x", "1")};
  ASSERT_TRUE(store->append_batch(batch, 100));
  const AppendRequest third[] = {message("third", "u", "x", "1")};
  ASSERT_TRUE(store->append_batch(third, 100));
  EXPECT_EQ(room_names(), (Names{"third", "second", "first"}));
}

TEST_P(MessageStoreContract, ADuplicateIsNotActivity) {
  const AppendRequest first[] = {message("a", "u", "x", "1")};
  const AppendRequest second[] = {message("b", "u", "x", "1")};
  ASSERT_TRUE(store->append_batch(first, 100));
  ASSERT_TRUE(store->append_batch(second, 200));
  ASSERT_TRUE(store->append_batch(first, 300));  // a retry of a's message
  EXPECT_EQ(room_names(), (Names{"b", "a"}));
}

TEST_P(MessageStoreContract, ARoomOpenedButNeverWrittenInIsListedAfterRoomsWithMessages) {
  ASSERT_TRUE(store->open_room(room("quiet")));
  const AppendRequest batch[] = {message("busy", "u", "x", "1")};
  ASSERT_TRUE(store->append_batch(batch, 100));
  ASSERT_TRUE(store->open_room(room("quiet")));  // opening again is not activity either
  auto rooms = store->list_rooms(10);
  ASSERT_TRUE(rooms);
  ASSERT_EQ(rooms->size(), 2u);
  EXPECT_EQ((*rooms)[0].name, "busy");
  EXPECT_EQ((*rooms)[0].last_seq, 1u);
  EXPECT_EQ((*rooms)[1].name, "quiet");
  EXPECT_EQ((*rooms)[1].last_seq, 0u);
}

TEST_P(MessageStoreContract, ListingRoomsAnswersAtMostTheLimitMostRecentFirst) {
  for (int i = 0; i < 5; ++i) {
    const AppendRequest batch[] = {message("room" + std::to_string(i), "u", "x", "1")};
    ASSERT_TRUE(store->append_batch(batch, 100 + i));
  }
  EXPECT_EQ(room_names(2), (Names{"room4", "room3"}));
  EXPECT_EQ(room_names(0), Names{});
}

// --- The store as a whole ---

TEST_P(MessageStoreContract, AnOpenStoreCanServe) {
  auto checked = backend->check();
  EXPECT_TRUE(checked) << checked.error().message();
}

#ifdef PARLEY_CONTRACT_POSTGRES
INSTANTIATE_TEST_SUITE_P(Postgres, MessageStoreContract, ::testing::ValuesIn(postgres_stores()),
                         name_of);
#else
INSTANTIATE_TEST_SUITE_P(Memory, MessageStoreContract, ::testing::ValuesIn(memory_stores()),
                         name_of);
INSTANTIATE_TEST_SUITE_P(Sqlite, MessageStoreContract, ::testing::ValuesIn(sqlite_stores()),
                         name_of);
#endif

}  // namespace
}  // namespace parley::contract
