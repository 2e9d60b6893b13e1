// Edits, deletes, reactions and replies that break a rule are refused with
// the contract's code, carry the frame's id back, take no seq and reach
// nobody: not_joined, bad_request (target, reply_to, emoji, on, id, text),
// too_large, not_found (a target that is not an undeleted message of the
// room) and forbidden (another user's message).
#include "events.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;

class EventRefusals : public EventsTest {
 protected:
  // Checks that what the test refused stored nothing: the next message takes
  // seq `next_seq`, and carol saw every seq up to it once, nothing refused.
  void expect_nothing_stored_before(std::uint64_t next_seq) {
    EXPECT_EQ(send_and_ack(*alice_, "lobby", "after the refusals", "after"), next_seq);
    EXPECT_EQ(seqs_of(events_through(*carol_, "lobby", next_seq)), seq_range(1, next_seq));
    expect_no_more_events(*carol_);
  }
};

TEST_P(EventRefusals, EditOrDeleteOfAnotherUsersMessageIsForbidden) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "alice's words", "m1"), 1u);

  expect_refused(*bob_, frames::edit("lobby", 1, "bob's words", "e1"), "forbidden", "e1");
  expect_refused(*bob_, frames::delete_message("lobby", 1, "d1"), "forbidden", "d1");

  // The author still may, with the same ids: a refusal does not use them up.
  EXPECT_EQ(act_seq(*alice_, frames::edit("lobby", 1, "alice's own words", "e1")), 2u);
  EXPECT_EQ(act_seq(*alice_, frames::delete_message("lobby", 1, "d1")), 3u);
  EXPECT_EQ(act_seq(*bob_, frames::send("lobby", "bob's", "e1")), 4u) << "nor bob's";
  EXPECT_EQ(seqs_of(events_through(*carol_, "lobby", 4)), seq_range(1, 4));
  expect_no_more_events(*carol_);
}

TEST_P(EventRefusals, TargetThatIsNotAnUndeletedMessageOfTheRoomIsNotFound) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  ASSERT_EQ(act_seq(*alice_, frames::edit("lobby", 1, "one, edited", "e1")), 2u);
  ASSERT_EQ(act_seq(*alice_, frames::react("lobby", 1, kThumbs, true, "r1")), 3u);
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "two", "m2"), 4u);
  ASSERT_EQ(act_seq(*alice_, frames::delete_message("lobby", 4, "d1")), 5u);
  // Seq 6 and 7 exist only in another room.
  join(*alice_, "other");
  ASSERT_EQ(send_burst(*alice_, "other", 7, "o").back(), 7u);

  const std::vector<std::pair<std::uint64_t, std::string>> targets = {
      {2, "an edit"},
      {3, "a reaction"},
      {5, "a delete"},
      {4, "a deleted message"},
      {6, "a seq of another room only"},
      {1000, "beyond the room's last seq"},
      {9223372036854775808u, "2^63"},
      {18446744073709551615u, "2^64 - 1"}};
  for (const auto& [target, what] : targets) {
    SCOPED_TRACE("target " + std::to_string(target) + ": " + what);
    expect_refused(*alice_, frames::edit("lobby", target, "new text", "e9"), "not_found", "e9");
    expect_refused(*alice_, frames::delete_message("lobby", target, "d9"), "not_found", "d9");
    expect_refused(*alice_, frames::react("lobby", target, kThumbs, true, "r9"), "not_found", "r9");
    expect_refused(*alice_, frames::send_reply("lobby", "re", "m9", target), "not_found", "m9");
  }
  // Bob is refused the deleted message as not_found, not as forbidden.
  expect_refused(*bob_, frames::edit("lobby", 4, "x", "b1"), "not_found", "b1");
  expect_nothing_stored_before(6);
}

TEST_P(EventRefusals, TargetOrReplyToThatIsNotANonNegativeIntegerIsBadRequest) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  const std::vector<json::value> values = {
      -1, 1.5, 1.0, "1", nullptr, true, json::array{1}, json::object{{"seq", 1}}};
  for (const json::value& value : values) {
    SCOPED_TRACE("target " + json::serialize(value));
    expect_refused(*alice_, with_field(frames::edit("lobby", 1, "x", "e1"), "target", value),
                   "bad_request", "e1");
    expect_refused(*alice_, with_field(frames::delete_message("lobby", 1, "d1"), "target", value),
                   "bad_request", "d1");
    expect_refused(*alice_,
                   with_field(frames::react("lobby", 1, kThumbs, true, "r1"), "target", value),
                   "bad_request", "r1");
    expect_refused(*alice_,
                   with_field(frames::send_reply("lobby", "re", "m2", 1), "reply_to", value),
                   "bad_request", "m2");
  }
  expect_refused(*alice_, without_field(frames::edit("lobby", 1, "x", "e1"), "target"),
                 "bad_request", "e1");
  expect_refused(*alice_, without_field(frames::delete_message("lobby", 1, "d1"), "target"),
                 "bad_request", "d1");
  expect_refused(*alice_, without_field(frames::react("lobby", 1, kThumbs, true, "r1"), "target"),
                 "bad_request", "r1");
  expect_nothing_stored_before(2);
}

// Seq 0 is a number, but no message has it.
TEST_P(EventRefusals, TargetOrReplyToZeroIsNotFound) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  expect_refused(*alice_, frames::edit("lobby", 0, "x", "e1"), "not_found", "e1");
  expect_refused(*alice_, frames::delete_message("lobby", 0, "d1"), "not_found", "d1");
  expect_refused(*alice_, frames::react("lobby", 0, kThumbs, true, "r1"), "not_found", "r1");
  expect_refused(*alice_, frames::send_reply("lobby", "re", "m2", 0), "not_found", "m2");
  expect_nothing_stored_before(2);
}

TEST_P(EventRefusals, EmojiOtherThanOneTo32BytesWithoutWhiteSpaceOrControlsIsBadRequest) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "react to me", "m1"), 1u);
  const std::vector<json::value> refused = {
      "",
      json::value(std::string(33, 'a')),
      json::value(repeat(kThumbs, 9)),  // 36 bytes
      json::value(kThumbs + " "),
      json::value(" " + kThumbs),
      json::value(kThumbs + " " + kParty),
      "\t",
      json::value(kThumbs + "\n"),
      "\x01",
      "\x7f",                                 // DEL
      "\xC2\x85",                             // U+0085 next line
      json::value("\xC2\xA0" + kThumbs),      // U+00A0 no-break space
      json::value(kThumbs + "\xE2\x80\x83"),  // U+2003 em space
      "\xE2\x80\xA8",                         // U+2028 line separator
      "\xE3\x80\x80",                         // U+3000 ideographic space
      json::value(std::string_view("a\0b", 3)),
      5,
      nullptr,
      true,
      json::array{kThumbs}};
  for (const json::value& emoji : refused) {
    expect_refused(*alice_,
                   with_field(frames::react("lobby", 1, kThumbs, true, "r1"), "emoji", emoji),
                   "bad_request", "r1");
  }
  expect_refused(*alice_, without_field(frames::react("lobby", 1, kThumbs, true, "r1"), "emoji"),
                 "bad_request", "r1");
  expect_nothing_stored_before(2);
}

TEST_P(EventRefusals, EmojiOfOneTo32BytesIsStoredAndSentBackExactly) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "react to me", "m1"), 1u);
  const std::vector<std::string> accepted = {
      repeat(kThumbs, 8),            // exactly 32 bytes
      kThumbs + "\xF0\x9F\x8F\xBD",  // with a skin tone
      "\xE2\x9D\xA4\xEF\xB8\x8F",    // ❤️: with variation selector 16
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",  // ZWJ family
      "+1",
      "a"};
  std::uint64_t seq = 1;
  for (const std::string& emoji : accepted) {
    const std::string id = "ok" + std::to_string(seq);
    const Frame reaction = act(*alice_, frames::react("lobby", 1, emoji, true, id));
    EXPECT_EQ(seq_of(reaction), ++seq);
    EXPECT_EQ(string_field(reaction, "emoji"), emoji);
    EXPECT_EQ(string_field(events_through(*carol_, "lobby", seq).back(), "emoji"), emoji);
  }
}

TEST_P(EventRefusals, OnThatIsNotABooleanIsBadRequest) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "react to me", "m1"), 1u);
  for (const json::value& on : {json::value(1), json::value(0), json::value("true"),
                                json::value(nullptr), json::value(json::array{true})}) {
    expect_refused(*alice_, with_field(frames::react("lobby", 1, kThumbs, true, "r1"), "on", on),
                   "bad_request", "r1");
  }
  expect_refused(*alice_, without_field(frames::react("lobby", 1, kThumbs, true, "r1"), "on"),
                 "bad_request", "r1");
  expect_nothing_stored_before(2);
}

TEST_P(EventRefusals, EventsFromOutsideTheRoomAreNotJoined) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*bob_, "lobby", "bob's", "m1"), 1u);
  ASSERT_TRUE(bob_->send_json(frames::leave("lobby")));
  bob_->expect("left");
  auto dave = connect("dave");  // never joined

  // Bob's own message: only the missing join stands in the way.
  expect_refused(*bob_, frames::edit("lobby", 1, "edited", "e1"), "not_joined", "e1");
  expect_refused(*bob_, frames::delete_message("lobby", 1, "d1"), "not_joined", "d1");
  expect_refused(*bob_, frames::react("lobby", 1, kThumbs, true, "r1"), "not_joined", "r1");
  expect_refused(*bob_, frames::send_reply("lobby", "re", "m2", 1), "not_joined", "m2");
  expect_refused(*dave, frames::react("lobby", 1, kThumbs, true, "r1"), "not_joined", "r1");
  expect_refused(*dave, frames::edit("nowhere", 1, "x", "e1"), "not_joined", "e1");

  join(*bob_, "lobby");
  EXPECT_EQ(act_seq(*bob_, frames::edit("lobby", 1, "edited", "e1")), 2u);
  EXPECT_EQ(seqs_of(events_through(*carol_, "lobby", 2)), seq_range(1, 2));
  expect_no_more_events(*carol_);
}

TEST_P(EventRefusals, EventWithoutAValidIdIsBadRequest) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  const std::vector<Frame> kinds = {frames::edit("lobby", 1, "edited", "x"),
                                    frames::delete_message("lobby", 1, "x"),
                                    frames::react("lobby", 1, kThumbs, true, "x")};
  const std::vector<json::value> ids = {
      "", "has space", json::value(std::string(65, 'i')), "caf\xC3\xA9", 5, nullptr};
  for (const Frame& kind : kinds) {
    expect_refused(*alice_, without_field(kind, "id"), "bad_request");
    for (const json::value& id : ids) {
      expect_refused(*alice_, with_field(kind, "id", id), "bad_request");
    }
  }
  expect_nothing_stored_before(2);
}

TEST_P(EventRefusals, EditTextBreakingTheMessageTextRulesIsRefused) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  const Frame edit = frames::edit("lobby", 1, "x", "e1");
  for (const json::value& text :
       {json::value(""), json::value(" \t\n "), json::value("\xE3\x80\x80\xC2\xA0"),
        json::value(std::string_view("a\0b", 3)), json::value(5), json::value(nullptr)}) {
    expect_refused(*alice_, with_field(edit, "text", text), "bad_request", "e1");
  }
  expect_refused(*alice_, without_field(edit, "text"), "bad_request", "e1");
  expect_refused(*alice_, with_field(edit, "text", json::value(std::string(4001, 'a'))),
                 "too_large", "e1");
  expect_refused(*alice_, with_field(edit, "text", json::value(repeat("\xC3\xA9", 4001))),
                 "too_large", "e1");
  expect_nothing_stored_before(2);
}

TEST_P(EventRefusals, EditTextAtTheLimitIsStoredExactly) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);

  // 4000 code points: white space at the ends does not count, and is kept.
  const std::string longest = "  " + repeat("\xC3\xA9", 4000) + "\n";
  const std::string exact = "  <b>not html</b> \x01 tab\t\xF0\x9F\x98\x80  ";
  EXPECT_EQ(string_field(act(*alice_, frames::edit("lobby", 1, longest, "e1")), "text"), longest);
  EXPECT_EQ(string_field(act(*alice_, frames::edit("lobby", 1, exact, "e2")), "text"), exact);

  const std::vector<Frame> seen = events_through(*carol_, "lobby", 3);
  ASSERT_EQ(seqs_of(seen), seq_range(1, 3));
  EXPECT_EQ(string_field(seen[1], "text"), longest);
  EXPECT_EQ(string_field(seen[2], "text"), exact);
}

INSTANTIATE_TEST_SUITE_P(Events, EventRefusals, ::testing::ValuesIn(kEventStores),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parley::test
