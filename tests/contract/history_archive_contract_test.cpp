// The HistoryArchive contract (store/history_archive.hpp): an export read
// back into an empty store gives the same history, seqs included, and
// retention removes the oldest events in bounded, idempotent batches. Run
// against every backend like the rest of the contract.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "admin/history_commands.hpp"
#include "contract/store_factories.hpp"
#include "contract/values.hpp"
#include "store/store.hpp"

namespace parley::contract {
namespace {

using core::EventKind;
using core::Identity;
using store::AppendRequest;
using store::StoredMessage;

const Identity ann = Identity::account(user("ann"));
const Identity bob = Identity::account(user("Bob"));
const Identity cy = Identity::account(user("cy"));
const Identity gus = Identity::guest(user("Gus"), "g:0123abcd");

AppendRequest message(std::string_view room_name, const Identity& author, std::string text,
                      std::string id, std::uint64_t reply_to = 0) {
  AppendRequest request{room(room_name), author, std::move(text), std::move(id)};
  request.reply_to = reply_to;
  return request;
}

AppendRequest event(std::string_view room_name, const Identity& author, EventKind kind,
                    std::uint64_t target, std::string id, std::string text = "") {
  AppendRequest request{room(room_name), author, std::move(text), std::move(id)};
  request.kind = kind;
  request.target = target;
  return request;
}

AppendRequest reaction(std::string_view room_name, const Identity& author, std::uint64_t target,
                       std::string emoji, bool on, std::string id) {
  AppendRequest request = event(room_name, author, EventKind::reaction, target, std::move(id));
  request.emoji = std::move(emoji);
  request.on = on;
  return request;
}

// Everything a read gives of one event, as one line to compare.
std::string describe(const StoredMessage& m) {
  std::string line = std::to_string(m.seq) + " " + std::to_string(m.ts) + " " + m.user + " [" +
                     m.text + "] " + m.client_id + " " + m.author_id + " " +
                     std::to_string(m.guest) + " " + std::to_string(static_cast<int>(m.kind)) +
                     " " + std::to_string(m.target) + " " + std::to_string(m.reply_to) + " " +
                     m.emoji + " " + std::to_string(m.on) + " " + std::to_string(m.edited_ts) +
                     " " + std::to_string(m.deleted);
  for (const core::Reaction& r : m.reactions) {
    line += " {" + r.emoji;
    for (const std::string& u : r.users) line += " " + u;
    line += "}";
  }
  return line;
}

class HistoryArchiveContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    first = GetParam().make();
    for (const Identity* account : {&ann, &bob, &cy}) {
      ASSERT_TRUE(*first->create_account(account->user, "hash", 10));
    }
  }

  void append(store::Store& store, std::vector<AppendRequest> requests, std::int64_t now_ms) {
    auto stored = store.append_batch(requests, now_ms);
    ASSERT_TRUE(stored) << stored.error().message();
    for (const store::Appended& appended : *stored) {
      ASSERT_FALSE(appended.refused) << appended.refused->message;
    }
  }

  // Several rooms of every kind, with every kind of event and odd text.
  void fill(store::Store& store) {
    append(
        store,
        {message("Lobby", ann, "héllo wörld 🌍 — «quoted» \"json\" \\ back", "a1"),
         message("Lobby", bob, "answer\twith tab\nand newline \x01 control", "b1", 1),
         message("Lobby", gus, "a guest was here", "g1"), message("Lobby", cy, "soon gone", "c1")},
        1000);
    append(store,
           {event("Lobby", ann, EventKind::edit, 1, "a2", "héllo, edited ✓"),
            reaction("Lobby", bob, 1, "👍", true, "b2"), reaction("Lobby", cy, 1, "🎉", true, "c2"),
            reaction("Lobby", cy, 1, "🎉", false, "c3"), reaction("Lobby", cy, 4, "👀", true, "c4"),
            event("Lobby", cy, EventKind::edit, 4, "c5", "edited before it goes"),
            event("Lobby", cy, EventKind::deletion, 4, "c6")},
           2000);
    ASSERT_TRUE(*store.create_room(room("Secret.Room"), core::RoomKind::private_room, ann, 3000));
    ASSERT_TRUE(store.grant_access(room("Secret.Room"), ann, bob.user, 3100));
    ASSERT_TRUE(store.grant_access(room("Secret.Room"), ann, cy.user, 3200));
    ASSERT_TRUE(store.revoke_access(room("Secret.Room"), ann, cy.user));
    append(store,
           {message("Secret.Room", ann, "just us", "s1"),
            message("Secret.Room", bob, "日本語のテキスト", "s2", 1)},
           4000);
    auto direct = store.open_direct(ann, bob.user, 5000);
    ASSERT_TRUE(direct && *direct);
    direct_name = (*direct)->room.name;
    append(store,
           {message(direct_name, bob, "hi ann", "d1"), message(direct_name, ann, "hi", "d2")},
           6000);
    ASSERT_TRUE(*store.create_room(room("empty-room"), core::RoomKind::public_room, bob, 7000));
  }

  std::string export_of(store::Store& store, std::optional<std::string> only = std::nullopt) {
    std::ostringstream out, err;
    // Small pages, so that paging itself is exercised.
    const admin::HistoryCommandLimits limits{2, 3, 2};
    EXPECT_EQ(admin::run_export(store, std::move(only), out, err, limits), 0) << err.str();
    return out.str();
  }

  int import_into(store::Store& store, const std::string& lines, std::string* error = nullptr) {
    std::istringstream in(lines);
    std::ostringstream err;
    const int code = admin::run_import(store, in, err, admin::HistoryCommandLimits{2, 3, 2});
    if (error != nullptr) *error = err.str();
    return code;
  }

  std::vector<std::string> read_all(store::Store& store, std::string_view room_name,
                                    store::View view) {
    store::RangeQuery query{room(room_name), 0, UINT64_MAX / 2, 10000};
    query.view = view;
    auto read = store.read_messages(query);
    EXPECT_TRUE(read) << read.error().message();
    std::vector<std::string> lines;
    if (read) {
      for (const StoredMessage& m : *read) lines.push_back(describe(m));
    }
    return lines;
  }

  void expect_same_history(store::Store& a, store::Store& b) {
    for (std::string_view name : {std::string_view("Lobby"), std::string_view("Secret.Room"),
                                  std::string_view(direct_name), std::string_view("empty-room")}) {
      SCOPED_TRACE(std::string(name));
      EXPECT_EQ(read_all(a, name, store::View::events), read_all(b, name, store::View::events));
      EXPECT_EQ(read_all(a, name, store::View::final_messages),
                read_all(b, name, store::View::final_messages));
      EXPECT_EQ(*a.list_access(room(name)), *b.list_access(room(name)));
      auto seen_a = a.enter_room(room(name), ann, false);
      auto seen_b = b.enter_room(room(name), ann, false);
      ASSERT_TRUE(seen_a && *seen_a && seen_b && *seen_b);
      EXPECT_EQ((*seen_a)->name, (*seen_b)->name);
      EXPECT_EQ((*seen_a)->last_seq, (*seen_b)->last_seq);
      EXPECT_EQ((*seen_a)->kind, (*seen_b)->kind);
      EXPECT_EQ((*seen_a)->owner, (*seen_b)->owner);
    }
  }

  std::unique_ptr<store::Store> first;
  std::string direct_name;
};

TEST_P(HistoryArchiveContract, AnExportImportedIntoAnEmptyStoreExportsTheSameBytes) {
  fill(*first);
  const std::string exported = export_of(*first);
  auto second = GetParam().make();
  std::string error;
  ASSERT_EQ(import_into(*second, exported, &error), 0) << error;
  EXPECT_EQ(export_of(*second), exported);
}

TEST_P(HistoryArchiveContract, ImportedHistoryReadsAsTheOriginalThroughTheStore) {
  fill(*first);
  auto second = GetParam().make();
  ASSERT_EQ(import_into(*second, export_of(*first)), 0);
  expect_same_history(*first, *second);
  // Outsiders stay outside.
  auto seen = second->enter_room(room("Secret.Room"), cy, false);
  ASSERT_TRUE(seen);
  EXPECT_FALSE(*seen);
}

TEST_P(HistoryArchiveContract, AppendsAfterAnImportContinueTheSeqsAndKeepIdempotency) {
  fill(*first);
  auto second = GetParam().make();
  ASSERT_EQ(import_into(*second, export_of(*first)), 0);
  auto stored = second->append_batch(
      std::vector{message("Lobby", ann, "repeat", "a1"), message("Lobby", ann, "new one", "a9")},
      9000);
  ASSERT_TRUE(stored);
  EXPECT_TRUE((*stored)[0].duplicate);
  EXPECT_EQ((*stored)[0].seq, 1u);
  EXPECT_FALSE((*stored)[1].duplicate);
  EXPECT_EQ((*stored)[1].seq, 12u);
  // The imported reactions stand: taking one back is a change.
  auto off = second->append_batch(std::vector{reaction("Lobby", bob, 1, "👍", false, "b9")}, 9100);
  ASSERT_TRUE(off);
  EXPECT_FALSE((*off)[0].duplicate);
  EXPECT_EQ((*off)[0].seq, 13u);
}

TEST_P(HistoryArchiveContract, AnExportOfOneRoomHoldsThatRoomOnly) {
  fill(*first);
  const std::string one = export_of(*first, "secret.room");
  EXPECT_NE(one.find("\"name\":\"Secret.Room\""), std::string::npos);
  EXPECT_EQ(one.find("Lobby"), std::string::npos);
  auto second = GetParam().make();
  ASSERT_EQ(import_into(*second, one), 0);
  EXPECT_EQ(read_all(*second, "Secret.Room", store::View::events),
            read_all(*first, "Secret.Room", store::View::events));
  std::ostringstream out, err;
  EXPECT_EQ(admin::run_export(*first, std::string("nowhere"), out, err), 1);
}

TEST_P(HistoryArchiveContract, AnImportNeverWritesIntoARoomThatExists) {
  fill(*first);
  const std::string exported = export_of(*first);
  auto second = GetParam().make();
  append(*second, {message("lobby", bob, "already here", "x1")}, 500);
  std::string error;
  EXPECT_EQ(import_into(*second, exported, &error), 1);
  EXPECT_NE(error.find("Lobby exists already"), std::string::npos) << error;
  EXPECT_EQ(read_all(*second, "lobby", store::View::events).size(), 1u);
}

TEST_P(HistoryArchiveContract, ImportEventsRefusesASeqThatLeavesAGap) {
  ASSERT_TRUE(*first->import_room(store::ArchivedRoom{"Gappy", core::RoomKind::public_room}));
  StoredMessage second_event{2, 10, "ann", "two", "i2", ann.id, false};
  EXPECT_FALSE(first->import_events(room("Gappy"), std::vector{second_event}));
  EXPECT_TRUE(read_all(*first, "Gappy", store::View::events).empty());
  StoredMessage first_event{1, 10, "ann", "one", "i1", ann.id, false};
  EXPECT_TRUE(first->import_events(room("Gappy"), std::vector{first_event, second_event}));
  EXPECT_EQ(read_all(*first, "Gappy", store::View::events).size(), 2u);
}

// --- retention ---

class RetentionContract : public HistoryArchiveContract {
 protected:
  // `count` messages in `room_name`, message i at ts 1000 * i.
  void write(std::string_view room_name, int count) {
    for (int i = 1; i <= count; ++i) {
      append(*first, {message(room_name, ann, "m" + std::to_string(i), "m" + std::to_string(i))},
             1000 * i);
    }
  }

  std::size_t trim_all(store::Store& store, const store::RetentionPolicy& policy,
                       std::int64_t now_ms, std::size_t* batches = nullptr) {
    store::RetentionCursor cursor;
    std::size_t removed = 0;
    for (std::size_t batch = 1; batch < 1000; ++batch) {
      auto done = store.trim_history(policy, cursor, now_ms);
      EXPECT_TRUE(done) << done.error().message();
      if (!done) break;
      EXPECT_LE(done->removed, policy.batch_rows);
      removed += done->removed;
      cursor = done->next;
      if (cursor.done) {
        if (batches != nullptr) *batches = batch;
        break;
      }
    }
    return removed;
  }

  std::vector<std::uint64_t> seqs(std::string_view room_name) {
    store::RangeQuery query{room(room_name), 0, 1000, 1000};
    std::vector<std::uint64_t> found;
    for (const StoredMessage& m : *first->read_messages(query)) found.push_back(m.seq);
    return found;
  }
};

TEST_P(RetentionContract, ACountLimitKeepsTheLastEventsOfEveryRoom) {
  write("one", 10);
  write("two", 2);
  store::RetentionPolicy policy;
  policy.max_events = 3;
  EXPECT_EQ(trim_all(*first, policy, 100000), 7u);
  EXPECT_EQ(seqs("one"), (std::vector<std::uint64_t>{8, 9, 10}));
  EXPECT_EQ(seqs("two"), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(*first->trimmed_seq(room("one")), 7u);
  EXPECT_EQ(*first->trimmed_seq(room("two")), 0u);
  EXPECT_EQ(*first->trimmed_seq(room("nowhere")), 0u);
  // Seqs go on after the last; a page before the horizon is empty.
  append(*first, {message("one", bob, "next", "n1")}, 200000);
  EXPECT_EQ(seqs("one"), (std::vector<std::uint64_t>{8, 9, 10, 11}));
  EXPECT_TRUE(first->read_range(room("one"), 0, 7, 100)->empty());
}

TEST_P(RetentionContract, AnAgeLimitRemovesOlderEventsButNeverTheNewest) {
  write("aged", 5);  // ts 1000 ... 5000
  store::RetentionPolicy policy;
  policy.max_age_ms = 2500;
  EXPECT_EQ(trim_all(*first, policy, 5000), 2u);  // older than 2500: seqs 1, 2
  EXPECT_EQ(seqs("aged"), (std::vector<std::uint64_t>{3, 4, 5}));
  // Long after, everything is old: the newest stays all the same.
  EXPECT_EQ(trim_all(*first, policy, 1000000), 2u);
  EXPECT_EQ(seqs("aged"), (std::vector<std::uint64_t>{5}));
  EXPECT_EQ(*first->trimmed_seq(room("aged")), 4u);
}

TEST_P(RetentionContract, EachBatchRemovesAtMostItsRowsAndAPassEnds) {
  for (int r = 0; r < 5; ++r) write("room" + std::to_string(r), 7);
  store::RetentionPolicy policy;
  policy.max_events = 1;
  policy.batch_rows = 4;
  policy.rooms_per_scan = 2;
  std::size_t batches = 0;
  EXPECT_EQ(trim_all(*first, policy, 100000, &batches), 30u);
  EXPECT_GE(batches, 8u);  // 30 rows at most 4 a batch
  for (int r = 0; r < 5; ++r) EXPECT_EQ(seqs("room" + std::to_string(r)).size(), 1u);
}

TEST_P(RetentionContract, TrimmingAgainRemovesNothingMore) {
  write("twice", 6);
  store::RetentionPolicy policy;
  policy.max_events = 2;
  EXPECT_EQ(trim_all(*first, policy, 100000), 4u);
  EXPECT_EQ(trim_all(*first, policy, 100000), 0u);
  if (GetParam().open_again) {
    auto other = GetParam().open_again(*first);  // another node on the same data
    EXPECT_EQ(trim_all(*other, policy, 100000), 0u);
  }
  EXPECT_EQ(seqs("twice"), (std::vector<std::uint64_t>{5, 6}));
}

TEST_P(RetentionContract, RemovedHistoryTakesItsReactionsAndKeepsEditsNamingIt) {
  write("reacted", 2);
  append(*first, {reaction("reacted", bob, 1, "👍", true, "r1")}, 3000);
  append(*first, {event("reacted", ann, EventKind::edit, 1, "e1", "late edit")}, 4000);
  store::RetentionPolicy policy;
  policy.max_events = 2;  // keeps seqs 3 (the reaction) and 4 (the edit)
  EXPECT_EQ(trim_all(*first, policy, 100000), 2u);
  // Seq 1 is gone: nothing may name it any more.
  auto late = first->append_batch(std::vector{reaction("reacted", cy, 1, "🎉", true, "r2")}, 5000);
  ASSERT_TRUE(late);
  ASSERT_TRUE((*late)[0].refused);
  EXPECT_EQ((*late)[0].refused->code, core::ErrorCode::not_found);
  EXPECT_EQ(seqs("reacted"), (std::vector<std::uint64_t>{3, 4}));
}

TEST_P(RetentionContract, AnExportOfTrimmedHistoryImportsWithItsHorizon) {
  write("trimmed", 6);
  store::RetentionPolicy policy;
  policy.max_events = 2;
  trim_all(*first, policy, 100000);
  const std::string exported = export_of(*first);
  EXPECT_NE(exported.find("\"trimmed_seq\":4"), std::string::npos);
  auto second = GetParam().make();
  ASSERT_EQ(import_into(*second, exported), 0);
  EXPECT_EQ(export_of(*second), exported);
  EXPECT_EQ(*second->trimmed_seq(room("trimmed")), 4u);
  EXPECT_EQ(read_all(*second, "trimmed", store::View::events),
            read_all(*first, "trimmed", store::View::events));
}

#ifdef PARLEY_CONTRACT_POSTGRES
INSTANTIATE_TEST_SUITE_P(Postgres, HistoryArchiveContract, ::testing::ValuesIn(postgres_stores()),
                         name_of);
INSTANTIATE_TEST_SUITE_P(Postgres, RetentionContract, ::testing::ValuesIn(postgres_stores()),
                         name_of);
#else
INSTANTIATE_TEST_SUITE_P(Memory, HistoryArchiveContract, ::testing::ValuesIn(memory_stores()),
                         name_of);
INSTANTIATE_TEST_SUITE_P(Sqlite, HistoryArchiveContract, ::testing::ValuesIn(sqlite_stores()),
                         name_of);
INSTANTIATE_TEST_SUITE_P(Memory, RetentionContract, ::testing::ValuesIn(memory_stores()), name_of);
INSTANTIATE_TEST_SUITE_P(Sqlite, RetentionContract, ::testing::ValuesIn(sqlite_stores()), name_of);
#endif

}  // namespace
}  // namespace parley::contract
