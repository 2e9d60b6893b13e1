// The MessageStore contract for events other than plain messages: edits,
// deletes, reactions and replies (event_rules.hpp), run against every
// backend like the rest of the contract.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "contract/store_factories.hpp"
#include "contract/values.hpp"
#include "store/message_store.hpp"

namespace parley::contract {
namespace {

using core::ErrorCode;
using core::EventKind;
using store::Appended;
using store::AppendRequest;
using store::Keep;
using store::RangeQuery;
using store::StoredMessage;
using store::View;

constexpr std::string_view kRoom = "lobby";

AppendRequest message(std::string_view author, std::string text, std::string id,
                      std::uint64_t reply_to = 0) {
  AppendRequest request{room(kRoom), core::Identity::account(user(author)), std::move(text),
                        std::move(id)};
  request.reply_to = reply_to;
  return request;
}

AppendRequest edit(std::string_view author, std::uint64_t target, std::string text,
                   std::string id) {
  AppendRequest request{room(kRoom), core::Identity::account(user(author)), std::move(text),
                        std::move(id)};
  request.kind = EventKind::edit;
  request.target = target;
  return request;
}

AppendRequest deletion(std::string_view author, std::uint64_t target, std::string id) {
  AppendRequest request{room(kRoom), core::Identity::account(user(author)), "", std::move(id)};
  request.kind = EventKind::deletion;
  request.target = target;
  return request;
}

AppendRequest reaction(std::string_view author, std::uint64_t target, std::string emoji, bool on,
                       std::string id) {
  AppendRequest request{room(kRoom), core::Identity::account(user(author)), "", std::move(id)};
  request.kind = EventKind::reaction;
  request.target = target;
  request.emoji = std::move(emoji);
  request.on = on;
  return request;
}

class EventStoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    backend = GetParam().make();
    store = backend.get();
  }

  // Stores `request` alone, at `now_ms`.
  Appended append(const AppendRequest& request, std::int64_t now_ms = 100) {
    auto appended = store->append_batch(std::span(&request, 1), now_ms);
    EXPECT_TRUE(appended) << appended.error().message();
    if (!appended || appended->size() != 1) return {};
    return (*appended)[0];
  }

  std::vector<StoredMessage> read(View view, std::uint64_t after = 0, std::size_t limit = 100,
                                  Keep keep = Keep::oldest) {
    RangeQuery query{room(kRoom), after, UINT64_MAX, limit};
    query.keep = keep;
    query.view = view;
    auto read = store->read_messages(query);
    EXPECT_TRUE(read) << read.error().message();
    return read ? *read : std::vector<StoredMessage>{};
  }

  std::unique_ptr<store::Store> backend;
  store::MessageStore* store = nullptr;
};

// --- Edits ---

TEST_P(EventStoreContract, AnEditTakesTheNextSeqAndTheMessageShowsItsTextFromThen) {
  ASSERT_EQ(append(message("ann", "helo", "m1")).seq, 1u);

  const Appended edited = append(edit("ann", 1, "hello", "e1"), 250);

  EXPECT_EQ(edited.seq, 2u);
  EXPECT_FALSE(edited.duplicate);
  EXPECT_FALSE(edited.refused);
  const auto events = read(View::events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[0].text, "hello") << "a replayed message carries its current text";
  EXPECT_EQ(events[0].edited_ts, 250);
  EXPECT_EQ(events[1].kind, EventKind::edit);
  EXPECT_EQ(events[1].target, 1u);
  EXPECT_EQ(events[1].text, "hello");
  EXPECT_EQ(events[1].client_id, "e1");
  const auto final_messages = read(View::final_messages);
  ASSERT_EQ(final_messages.size(), 1u);
  EXPECT_EQ(final_messages[0].text, "hello");
  EXPECT_EQ(final_messages[0].edited_ts, 250);
}

TEST_P(EventStoreContract, OnlyItsAuthorMayEditOrDeleteAMessageAndARefusalUsesNoSeq) {
  append(message("ann", "mine", "m1"));

  const Appended edit_refused = append(edit("bob", 1, "yours now", "e1"));
  const Appended delete_refused = append(deletion("bob", 1, "d1"));

  ASSERT_TRUE(edit_refused.refused);
  EXPECT_EQ(edit_refused.refused->code, ErrorCode::forbidden);
  ASSERT_TRUE(delete_refused.refused);
  EXPECT_EQ(delete_refused.refused->code, ErrorCode::forbidden);
  EXPECT_EQ(append(message("bob", "next", "m2")).seq, 2u) << "no seq was used";
  const auto final_messages = read(View::final_messages);
  ASSERT_FALSE(final_messages.empty());
  EXPECT_EQ(final_messages[0].text, "mine");
}

TEST_P(EventStoreContract, AnEventMustNameAnUndeletedMessageOfItsRoom) {
  append(message("ann", "one", "m1"));
  append(edit("ann", 1, "uno", "e1"));  // seq 2 is an edit, not a message

  for (const AppendRequest& request :
       {edit("ann", 9, "x", "a"), edit("ann", 2, "x", "b"), reaction("ann", 9, "👍", true, "c"),
        deletion("ann", 2, "d"), message("ann", "re", "e", 9)}) {
    const Appended answer = append(request);
    ASSERT_TRUE(answer.refused) << request.client_id;
    EXPECT_EQ(answer.refused->code, ErrorCode::not_found) << request.client_id;
  }
  ASSERT_EQ(append(deletion("ann", 1, "d1")).seq, 3u);
  for (const AppendRequest& request :
       {edit("ann", 1, "again", "f"), reaction("bob", 1, "👍", true, "g"), deletion("ann", 1, "h"),
        message("bob", "re", "i", 1)}) {
    const Appended answer = append(request);
    ASSERT_TRUE(answer.refused) << "a deleted message is gone: " << request.client_id;
    EXPECT_EQ(answer.refused->code, ErrorCode::not_found) << request.client_id;
  }
  EXPECT_EQ(read(View::events).size(), 3u);
}

TEST_P(EventStoreContract, AnEventInARoomThatDoesNotExistIsRefusedAndCreatesNoRoom) {
  const Appended answer = append(reaction("ann", 1, "👍", true, "r1"));

  ASSERT_TRUE(answer.refused);
  EXPECT_EQ(answer.refused->code, ErrorCode::not_found);
  auto rooms = store->list_rooms(10);
  ASSERT_TRUE(rooms);
  EXPECT_TRUE(rooms->empty());
}

TEST_P(EventStoreContract, ARoomAnEventWasRefusedInIsStillCreatedByAMessage) {
  ASSERT_TRUE(append(reaction("ann", 1, "👍", true, "r1")).refused);

  const Appended first = append(message("ann", "one", "m1"));

  EXPECT_FALSE(first.refused);
  EXPECT_EQ(first.seq, 1u);
  auto opened = store->open_room(room(kRoom));
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(opened->last_seq, 1u);
}

TEST_P(EventStoreContract, ARefusalLeavesTheRestOfItsBatchStored) {
  append(message("ann", "one", "m1"));
  const AppendRequest batch[] = {edit("bob", 1, "no", "e1"), message("bob", "two", "m2"),
                                 edit("ann", 1, "uno", "e2")};

  auto appended = store->append_batch(batch, 100);

  ASSERT_TRUE(appended);
  ASSERT_EQ(appended->size(), 3u);
  EXPECT_TRUE((*appended)[0].refused);
  EXPECT_EQ((*appended)[1].seq, 2u);
  EXPECT_EQ((*appended)[2].seq, 3u);
}

// --- Deletes ---

TEST_P(EventStoreContract, ADeleteRemovesTheTextOfTheMessageAndOfEveryEditOfIt) {
  append(message("ann", "secret one", "m1"));
  append(edit("ann", 1, "secret two", "e1"));
  append(reaction("bob", 1, "👍", true, "r1"));

  const Appended deleted = append(deletion("ann", 1, "d1"));

  EXPECT_EQ(deleted.seq, 4u);
  const auto events = read(View::events);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_TRUE(events[0].deleted);
  EXPECT_EQ(events[0].text, "");
  EXPECT_TRUE(events[1].deleted);
  EXPECT_EQ(events[1].text, "");
  EXPECT_EQ(events[3].kind, EventKind::deletion);
  EXPECT_EQ(events[3].target, 1u);
  const auto final_messages = read(View::final_messages);
  ASSERT_EQ(final_messages.size(), 1u);
  EXPECT_TRUE(final_messages[0].deleted);
  EXPECT_EQ(final_messages[0].text, "");
  EXPECT_TRUE(final_messages[0].reactions.empty()) << "a tombstone has no reactions";
}

// --- Reactions ---

TEST_P(EventStoreContract, AReactionIsOnOrOffAndSettingItAsItIsStoresNothing) {
  append(message("ann", "vote", "m1"));

  const Appended never_set_off = append(reaction("bob", 1, "👍", false, "r0"));
  const Appended set = append(reaction("bob", 1, "👍", true, "r1"));
  const Appended set_again = append(reaction("bob", 1, "👍", true, "r2"));
  const Appended taken_back = append(reaction("bob", 1, "👍", false, "r3"));
  const Appended taken_back_again = append(reaction("bob", 1, "👍", false, "r4"));

  EXPECT_TRUE(never_set_off.duplicate);
  EXPECT_EQ(never_set_off.seq, 0u) << "never set: no event set it";
  EXPECT_EQ(set.seq, 2u);
  EXPECT_TRUE(set_again.duplicate);
  EXPECT_EQ(set_again.seq, 2u) << "acked with the event that set it";
  EXPECT_EQ(taken_back.seq, 3u);
  EXPECT_FALSE(taken_back.duplicate);
  EXPECT_TRUE(taken_back_again.duplicate);
  EXPECT_EQ(taken_back_again.seq, 3u);
  EXPECT_EQ(read(View::events).size(), 3u);
  const auto final_messages = read(View::final_messages);
  ASSERT_EQ(final_messages.size(), 1u);
  EXPECT_TRUE(final_messages[0].reactions.empty());
}

TEST_P(EventStoreContract, AMessagesReactionsAreListedInTheOrderTheyWereSet) {
  append(message("ann", "vote", "m1"));
  append(reaction("bob", 1, "🎉", true, "r1"));
  append(reaction("cat", 1, "👍", true, "r2"));
  append(reaction("ann", 1, "🎉", true, "r3"));
  append(reaction("dan", 1, "👍", true, "r4"));
  append(reaction("cat", 1, "👍", false, "r5"));

  const auto final_messages = read(View::final_messages);

  ASSERT_EQ(final_messages.size(), 1u);
  const auto& reactions = final_messages[0].reactions;
  ASSERT_EQ(reactions.size(), 2u);
  EXPECT_EQ(reactions[0].emoji, "🎉");
  EXPECT_EQ(reactions[0].users, (std::vector<std::string>{"bob", "ann"}));
  EXPECT_EQ(reactions[1].emoji, "👍");
  EXPECT_EQ(reactions[1].users, (std::vector<std::string>{"dan"}));
}

TEST_P(EventStoreContract, AReactionEventCarriesItsEmojiAndState) {
  append(message("ann", "vote", "m1"));
  append(reaction("bob", 1, "🎉", true, "r1"));
  append(reaction("bob", 1, "🎉", false, "r2"));

  const auto events = read(View::events, 1);

  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, EventKind::reaction);
  EXPECT_EQ(events[0].emoji, "🎉");
  EXPECT_TRUE(events[0].on);
  EXPECT_EQ(events[0].user, "bob");
  EXPECT_FALSE(events[1].on);
}

// --- Ids and replies ---

TEST_P(EventStoreContract, EveryKindIsIdempotentByItsIdInOneIdSpace) {
  append(message("ann", "one", "m1"), 100);
  const Appended first_edit = append(edit("ann", 1, "uno", "e1"), 200);
  append(reaction("ann", 1, "👍", true, "r1"), 300);

  const Appended edit_again = append(edit("ann", 1, "eins", "e1"), 400);
  const Appended reaction_again = append(reaction("ann", 1, "👍", false, "r1"), 500);
  const Appended edit_with_message_id = append(edit("ann", 1, "un", "m1"), 600);

  EXPECT_TRUE(edit_again.duplicate);
  EXPECT_EQ(edit_again.seq, first_edit.seq);
  EXPECT_EQ(edit_again.ts, 200);
  EXPECT_TRUE(reaction_again.duplicate);
  EXPECT_EQ(reaction_again.seq, 3u);
  EXPECT_TRUE(edit_with_message_id.duplicate);
  EXPECT_EQ(edit_with_message_id.seq, 1u);
  const auto final_messages = read(View::final_messages);
  ASSERT_EQ(final_messages.size(), 1u);
  EXPECT_EQ(final_messages[0].text, "uno");
  ASSERT_EQ(final_messages[0].reactions.size(), 1u);
}

TEST_P(EventStoreContract, AReplyKeepsTheSeqItAnswers) {
  append(message("ann", "question", "m1"));
  append(message("bob", "answer", "m2", 1));

  const auto events = read(View::events);
  const auto final_messages = read(View::final_messages);

  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].reply_to, 1u);
  ASSERT_EQ(final_messages.size(), 2u);
  EXPECT_EQ(final_messages[1].reply_to, 1u);
}

// --- The final view ---

TEST_P(EventStoreContract, AFinalPageCountsMessagesAndSkipsTheEventsBetweenThem) {
  append(message("ann", "one", "m1"));          // 1
  append(edit("ann", 1, "uno", "e1"));          // 2
  append(message("ann", "two", "m2"));          // 3
  append(reaction("bob", 3, "👍", true, "r1"));  // 4
  append(message("ann", "three", "m3"));        // 5
  append(deletion("ann", 5, "d1"));             // 6

  const auto newest_two = read(View::final_messages, 0, 2, Keep::newest);
  const auto oldest_two = read(View::final_messages, 0, 2, Keep::oldest);

  ASSERT_EQ(newest_two.size(), 2u);
  EXPECT_EQ(newest_two[0].seq, 3u);
  EXPECT_EQ(newest_two[0].reactions.size(), 1u);
  EXPECT_EQ(newest_two[1].seq, 5u);
  EXPECT_TRUE(newest_two[1].deleted);
  ASSERT_EQ(oldest_two.size(), 2u);
  EXPECT_EQ(oldest_two[0].seq, 1u);
  EXPECT_EQ(oldest_two[0].text, "uno");
  EXPECT_EQ(oldest_two[1].seq, 3u);
}

#ifdef PARLEY_CONTRACT_POSTGRES
INSTANTIATE_TEST_SUITE_P(Postgres, EventStoreContract, ::testing::ValuesIn(postgres_stores()),
                         name_of);
#else
INSTANTIATE_TEST_SUITE_P(Memory, EventStoreContract, ::testing::ValuesIn(memory_stores()), name_of);
INSTANTIATE_TEST_SUITE_P(Sqlite, EventStoreContract, ::testing::ValuesIn(sqlite_stores()), name_of);
#endif

}  // namespace
}  // namespace parley::contract
