// Reading events back over HTTP: after= returns every event in seq order
// (a message with its current text, a deleted one and its edits without
// text); before= and GET /api/rooms/R/messages/S return messages only, in
// their final state (text, "edited", tombstone, reactions, reply_to). A
// delete removes the text from storage for good.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "api/events_api.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;

class EventHistory : public EventsApiTest {
 protected:
  // Lobby's history, one event of every kind:
  //   1 alice "one"             2 bob replies to 1        3 alice edits 1 "one v2"
  //   4 bob reacts 👍 to 1      5 alice "secret"          6 alice edits 5 "secret v2"
  //   7 alice deletes 5         8 alice edits 1 "one v3"
  void post_one_event_of_every_kind() {
    ASSERT_EQ(post_new_message("lobby", "one", "m1", alice_), 1u);
    ASSERT_EQ(number_field(post_reply("lobby", reply_body("re", "b1", 1), bob_).json(), "seq"), 2u);
    ASSERT_EQ(post_new_event("lobby", edit_body(1, "one v2", "e1"), alice_), 3u);
    ASSERT_EQ(post_new_event("lobby", react_body(1, kThumbs, true, "r1"), bob_), 4u);
    ASSERT_EQ(post_new_message("lobby", "secret", "m2", alice_), 5u);
    ASSERT_EQ(post_new_event("lobby", edit_body(5, "secret v2", "e2"), alice_), 6u);
    ASSERT_EQ(post_new_event("lobby", delete_body(5, "d1"), alice_), 7u);
    ASSERT_EQ(post_new_event("lobby", edit_body(1, "one v3", "e3"), alice_), 8u);
  }
};

TEST_P(EventHistory, AfterReturnsEveryEventInSeqOrderWithCurrentTextsAndTombstones) {
  start_with_alice_and_bob();
  post_one_event_of_every_kind();

  const json::value page = read_messages("lobby", "after=0", alice_);

  ASSERT_EQ(seqs_in(page), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8}))
      << json::serialize(page);
  EXPECT_EQ(number_field(page, "last_seq"), 8u);
  EXPECT_EQ(types_in(page), (std::vector<std::string>{"message", "message", "edit", "reaction",
                                                      "message", "edit", "delete", "edit"}));
  const json::array& events = messages_of(page);
  EXPECT_EQ(text_field(events[0], "text"), "one v3") << "the current text";
  EXPECT_EQ(field(events[0], "edited"), field(events[7], "ts")) << "the last edit's ts";
  EXPECT_EQ(text_field(events[1], "text"), "re");
  EXPECT_EQ(number_field(events[1], "reply_to"), 1u);
  EXPECT_EQ(text_field(events[2], "text"), "one v2") << "an edit keeps its own text";
  EXPECT_EQ(number_field(events[2], "target"), 1u);
  EXPECT_EQ(text_field(events[3], "emoji"), kThumbs);
  EXPECT_EQ(field(events[3], "on"), json::value(true));
  EXPECT_EQ(text_field(events[3], "user"), "bob");
  for (const std::size_t gone : {4u, 5u}) {
    EXPECT_EQ(field(events[gone], "deleted"), json::value(true)) << json::serialize(events[gone]);
    EXPECT_FALSE(has_field(events[gone], "text")) << json::serialize(events[gone]);
    EXPECT_FALSE(has_field(events[gone], "edited")) << json::serialize(events[gone]);
  }
  EXPECT_EQ(number_field(events[6], "target"), 5u);
  EXPECT_FALSE(has_field(events[6], "text"));
  EXPECT_EQ(text_field(events[7], "text"), "one v3");
  // limit counts events of every kind.
  EXPECT_EQ(seqs_in(read_messages("lobby", "after=4&limit=2", alice_)),
            (std::vector<std::uint64_t>{5, 6}));
}

TEST_P(EventHistory, BeforeReturnsOnlyMessagesInTheirFinalState) {
  start_with_alice_and_bob();
  post_one_event_of_every_kind();
  const json::value events = read_messages("lobby", "after=0", alice_);
  const json::value last_edit_ts = field(messages_of(events)[7], "ts");

  const json::value page = read_messages("lobby", "", alice_);

  ASSERT_EQ(seqs_in(page), (std::vector<std::uint64_t>{1, 2, 5})) << json::serialize(page);
  EXPECT_EQ(number_field(page, "last_seq"), 8u);
  const json::array& messages = messages_of(page);
  EXPECT_EQ(types_in(page), (std::vector<std::string>{"message", "message", "message"}));
  EXPECT_EQ(text_field(messages[0], "text"), "one v3");
  EXPECT_EQ(field(messages[0], "edited"), last_edit_ts);
  EXPECT_EQ(field(messages[0], "reactions"), (json::value{{kThumbs, json::array{"bob"}}}));
  EXPECT_EQ(text_field(messages[1], "text"), "re");
  EXPECT_EQ(number_field(messages[1], "reply_to"), 1u);
  EXPECT_FALSE(has_field(messages[1], "edited")) << json::serialize(messages[1]);
  EXPECT_FALSE(has_field(messages[1], "reactions")) << json::serialize(messages[1]);
  EXPECT_EQ(field(messages[2], "deleted"), json::value(true));
  EXPECT_FALSE(has_field(messages[2], "text")) << json::serialize(messages[2]);
  EXPECT_FALSE(has_field(messages[2], "edited")) << json::serialize(messages[2]);
  // before= and limit count messages, not events.
  EXPECT_EQ(seqs_in(read_messages("lobby", "before=5", alice_)),
            (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(seqs_in(read_messages("lobby", "before=9&limit=2", alice_)),
            (std::vector<std::uint64_t>{2, 5}));
  EXPECT_EQ(seqs_in(read_messages("lobby", "before=4&limit=1", alice_)),
            (std::vector<std::uint64_t>{2}));
}

TEST_P(EventHistory, ReactionsAreListedEmojiByEmojiInTheOrderTheyWereSet) {
  start_with_alice_and_bob();
  const HttpHeaders carol = cookie_and_csrf(start_guest("carol"));
  const HttpHeaders dave = cookie_and_csrf(start_guest("dave"));
  ASSERT_EQ(post_new_message("lobby", "react to me", "m1", alice_), 1u);
  post_new_event("lobby", react_body(1, kThumbs, true, "r1"), bob_);   // 2
  post_new_event("lobby", react_body(1, kParty, true, "r1"), carol);   // 3
  post_new_event("lobby", react_body(1, kThumbs, true, "r1"), dave);   // 4
  post_new_event("lobby", react_body(1, kThumbs, true, "r2"), carol);  // 5
  post_new_event("lobby", react_body(1, kThumbs, false, "r2"), bob_);  // 6
  post_new_event("lobby", react_body(1, kThumbs, true, "r3"), bob_);   // 7: set again
  post_new_event("lobby", react_body(1, kParty, true, "r3"), dave);    // 8
  post_new_event("lobby", react_body(1, kParty, false, "r4"), carol);  // 9
  post_new_event("lobby", react_body(1, "+1", true, "r4"), bob_);      // 10
  post_new_event("lobby", react_body(1, "+1", false, "r5"), bob_);     // 11
  // A deleted message keeps no reactions.
  ASSERT_EQ(post_new_message("lobby", "gone soon", "m2", alice_), 12u);
  post_new_event("lobby", react_body(12, kParty, true, "r6"), bob_);  // 13
  ASSERT_EQ(post_new_event("lobby", delete_body(12, "d1"), alice_), 14u);

  const json::value page = read_messages("lobby", "", alice_);
  const HttpResponse one = get_message("lobby", "1", alice_);

  // 👍 is on since 4 (dave), 🎉 since 8 (dave): 👍 first, each list in the
  // order its reactions were set (bob's counts from 7); "+1" is off.
  ASSERT_EQ(seqs_in(page), (std::vector<std::uint64_t>{1, 12})) << json::serialize(page);
  const json::object& reactions = field(messages_of(page)[0], "reactions").as_object();
  std::vector<std::pair<std::string, json::value>> listed;
  for (const auto& [emoji, users] : reactions) listed.emplace_back(std::string(emoji), users);
  EXPECT_EQ(listed,
            (std::vector<std::pair<std::string, json::value>>{
                {kThumbs, json::array{"dave", "carol", "bob"}}, {kParty, json::array{"dave"}}}))
      << json::serialize(reactions);
  ASSERT_EQ(one.status, 200) << one.describe();
  EXPECT_EQ(one.json(), messages_of(page)[0]) << "one message reads as in a page";
  EXPECT_FALSE(has_field(messages_of(page)[1], "reactions")) << json::serialize(page);
}

TEST_P(EventHistory, GetOneMessageAnswersItInItsFinalState) {
  start_with_alice_and_bob();
  post_one_event_of_every_kind();
  const json::value page = read_messages("lobby", "", alice_);
  ASSERT_EQ(seqs_in(page), (std::vector<std::uint64_t>{1, 2, 5})) << json::serialize(page);

  for (const std::size_t i : {0u, 1u, 2u}) {
    const json::value& listed = messages_of(page)[i];
    const HttpResponse one =
        get_message("lobby", std::to_string(number_field(listed, "seq")), alice_);
    ASSERT_EQ(one.status, 200) << one.describe();
    EXPECT_EQ(one.json(), listed) << "as in a page of history";
  }
  EXPECT_EQ(text_field(get_message("LOBBY", "1", bob_).json(), "room"), "lobby")
      << "room names are case-insensitive";
}

TEST_P(EventHistory, GetOneMessageIs404ForWhatIsNotAMessageAnd400ForWhatIsNotASeq) {
  start_with_alice_and_bob();
  post_one_event_of_every_kind();

  for (const std::string seq : {"0", "3", "4", "7", "8", "9", "1000", "9223372036854775807",
                                "9223372036854775808", "18446744073709551615"}) {
    const HttpResponse response = get_message("lobby", seq, alice_);
    EXPECT_EQ(response.status, 404) << "seq " << seq << ": " << response.describe();
    EXPECT_EQ(error_code_of(response), "not_found") << "seq " << seq;
  }
  const HttpResponse unknown_room = get_message("nowhere", "1", alice_);
  EXPECT_EQ(unknown_room.status, 404) << unknown_room.describe();
  for (const std::string seq : {"", "abc", "-1", "1.5", "1a", "+1", "18446744073709551616"}) {
    const HttpResponse response = get_message("lobby", seq, alice_);
    EXPECT_EQ(response.status, 400) << "seq \"" << seq << "\": " << response.describe();
    EXPECT_EQ(error_code_of(response), "bad_request") << "seq \"" << seq << "\"";
  }
  const HttpResponse anonymous = get_message("lobby", "1", {});
  EXPECT_EQ(anonymous.status, 401) << anonymous.describe();
  // The store still serves: none of the reads above broke it.
  EXPECT_EQ(post_new_message("lobby", "still here", "m9", alice_), 9u);
}

INSTANTIATE_TEST_SUITE_P(Events, EventHistory, ::testing::ValuesIn(kEventStores),
                         [](const auto& info) { return info.param; });

// A text no test writes by chance.
std::string unique_marker(std::string_view prefix) {
  std::random_device random;
  std::uniform_int_distribution<unsigned long long> digits;
  return std::string(prefix) + std::to_string(digits(random)) + "x" +
         std::to_string(digits(random));
}

// The regular files under `folder` whose bytes hold `text`.
std::vector<std::string> files_holding(const std::filesystem::path& folder, std::string_view text) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream file(entry.path(), std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    if (bytes.find(text) != std::string::npos) found.push_back(entry.path().filename().string());
  }
  return found;
}

class EventStorage : public ApiTest {};

TEST_F(EventStorage, DeletedTextIsGoneFromEveryAnswerAndEveryFileOfTheDataFolder) {
  // The server's own store: SQLite in its data folder (PostgreSQL in a
  // PostgreSQL run, whose files are not ours to scan: the answers still are).
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{});
  const HttpHeaders alice = cookie_and_csrf(start_guest("alice"));
  const std::string deleted = unique_marker("deleted-");
  const std::string edited = unique_marker("edited-");
  const std::string kept = unique_marker("kept-");
  const auto post_event = [&](const json::object& body) {
    const HttpResponse response =
        http().post_json("/api/rooms/lobby/events", json::serialize(body), alice);
    ASSERT_EQ(response.status, 201) << response.describe();
  };
  ASSERT_EQ(post_new_message("lobby", "the text " + deleted + " to delete", "m1", alice), 1u);
  post_event(edit_body(1, "an edit " + edited, "e1"));
  post_event(react_body(1, kThumbs, true, "r1"));
  ASSERT_EQ(post_new_message("lobby", "a text " + kept + " to keep", "m2", alice), 4u);
  post_event(delete_body(1, "d1"));

  const auto expect_never_answered = [&](const HttpHeaders& reader) {
    for (const std::string target : {"/api/rooms/lobby/messages?after=0",
                                     "/api/rooms/lobby/messages", "/api/rooms/lobby/messages/1"}) {
      const HttpResponse response = http().get(target, reader);
      EXPECT_EQ(response.status, 200) << target << ": " << response.describe();
      EXPECT_EQ(response.body.find(deleted), std::string::npos) << target << ": " << response.body;
      EXPECT_EQ(response.body.find(edited), std::string::npos) << target << ": " << response.body;
    }
    const HttpResponse page = http().get("/api/rooms/lobby/messages?after=0", reader);
    EXPECT_NE(page.body.find(kept), std::string::npos) << "what was kept is read: " << page.body;
  };
  expect_never_answered(alice);

  const ExitStatus stopped = server().terminate();
  ASSERT_TRUE(stopped.exited && stopped.code == 0) << "a clean stop";
  EXPECT_EQ(server().log_text().find(deleted), std::string::npos) << "nor in the log";
  if (!server().database_url()) {
    EXPECT_EQ(files_holding(server().data_dir(), deleted), std::vector<std::string>{});
    EXPECT_EQ(files_holding(server().data_dir(), edited), std::vector<std::string>{});
    EXPECT_EQ(files_holding(server().data_dir(), kept), std::vector<std::string>{"parley.db"})
        << "the scan finds a text that was kept";
  }

  // And after a restart, from what was stored.
  server().restart();
  http_.reset();
  expect_never_answered(cookie_and_csrf(start_guest("reader")));
}

}  // namespace
}  // namespace parley::test
