// v2 events over WebSocket (PROTOCOL.md, "Events: one seq space per room"):
// edits, deletes, reactions and replies take the room's next seq, reach every
// member live (the actor's own frame before its ack), are idempotent by id
// in the id space of sends, are refused with the contract's codes, and are
// replayed by a join with since, once each and in order.
#include <set>

#include "chat_test.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

const std::string kThumbs = "👍";
const std::string kParty = "🎉";

class EventsTest : public ChatTest {
 protected:
  // A server with alice and bob in "lobby".
  void start_with_alice_and_bob() {
    start_server();
    alice_ = connect("alice");
    join(*alice_, "lobby");
    bob_ = connect("bob");
    join(*bob_, "lobby");
  }

  std::unique_ptr<WsClient> alice_;
  std::unique_ptr<WsClient> bob_;
};

bool is_event(const Frame& frame) {
  static const std::set<std::string> kinds = {"message", "edit", "delete", "reaction"};
  return kinds.contains(type_of(frame));
}

FramePredicate event_in(std::string_view room) {
  return [wanted = std::string(room)](const Frame& frame) {
    return is_event(frame) && string_field(frame, "room") == wanted;
  };
}

// The ack or error that answers the frame with client id `id`.
FramePredicate answer_to(std::string_view id) {
  return [wanted = std::string(id)](const Frame& frame) {
    return (has_type(frame, "ack") || has_type(frame, "error")) &&
           string_field(frame, "id") == wanted;
  };
}

// The kind of event that a client frame makes.
std::string event_kind_of(const Frame& frame) {
  const std::string type = type_of(frame);
  if (type == "send") return "message";
  if (type == "react") return "reaction";
  return type;
}

// An event that `frame` (with its kind and id) would have made. Other
// frames, and leftovers of earlier steps, do not count.
bool made_by(const Frame& event, const Frame& frame) {
  return has_type(event, event_kind_of(frame)) &&
         string_field(event, "id") == string_field(frame, "id");
}

// A field's value, or null when absent.
boost::json::value value_of(const Frame& frame, std::string_view key) {
  const auto* value = frame.if_contains(key);
  return value != nullptr ? *value : boost::json::value(nullptr);
}

bool is_answer(const Frame& frame) {
  return has_type(frame, "ack") || has_type(frame, "error");
}

std::string texts_of(const std::vector<Frame>& frames) {
  std::string text;
  for (const Frame& frame : frames) text.append(" ").append(to_text(frame));
  return text;
}

std::vector<Frame> events_in(const std::vector<Frame>& frames) {
  std::vector<Frame> events;
  for (const Frame& frame : frames) {
    if (is_event(frame)) events.push_back(frame);
  }
  return events;
}

std::vector<std::string> types_of(const std::vector<Frame>& frames) {
  std::vector<std::string> types;
  for (const Frame& frame : frames) types.push_back(type_of(frame));
  return types;
}

bool is_true(const Frame& frame, std::string_view key) {
  const auto* value = frame.if_contains(key);
  return value != nullptr && value->is_bool() && value->get_bool();
}

// Sends `frame` and reads through its answer (matched by the frame's id);
// throws when it is refused. The actor's own event, with the ack's seq, must
// come before the ack; it is returned. Frames read on the way are dropped.
Frame act(WsClient& client, const Frame& frame) {
  if (!client.send_json(frame)) throw std::runtime_error("cannot send " + to_text(frame));
  const std::vector<Frame> frames = client.collect_until(answer_to(string_field(frame, "id")));
  const Frame& answer = frames.back();
  if (!has_type(answer, "ack")) {
    throw std::runtime_error(to_text(frame) + " was refused: " + to_text(answer));
  }
  const std::uint64_t seq = seq_of(answer);
  for (const Frame& event : frames) {
    if (is_event(event) && seq_of(event) == seq &&
        string_field(event, "room") == string_field(frame, "room")) {
      return event;
    }
  }
  throw std::runtime_error(to_text(frame) + ": acked as seq " + std::to_string(seq) +
                           " without the own event first; got" + texts_of(frames));
}

std::uint64_t act_seq(WsClient& client, const Frame& frame) {
  return seq_of(act(client, frame));
}

// Sends `frame`, which must store nothing: its ack comes with no event of
// its own before it. Returns the ack's seq.
std::uint64_t ack_without_event(WsClient& client, const Frame& frame) {
  if (!client.send_json(frame)) throw std::runtime_error("cannot send " + to_text(frame));
  const std::vector<Frame> frames = client.collect_until(answer_to(string_field(frame, "id")));
  const Frame& answer = frames.back();
  if (!has_type(answer, "ack")) {
    throw std::runtime_error(to_text(frame) + " was refused: " + to_text(answer));
  }
  for (const Frame& other : frames) {
    EXPECT_FALSE(made_by(other, frame))
        << "nothing is broadcast for " << to_text(frame) << ": " << to_text(other);
  }
  return seq_of(answer);
}

// Sends `frame` and expects an error with `code` (echoing `id` when given)
// and no event of its own before it.
void expect_refused(WsClient& client, const Frame& frame, std::string_view code,
                    const std::optional<std::string>& id = std::nullopt) {
  SCOPED_TRACE("sent: " + to_text(frame).substr(0, 300));
  ASSERT_TRUE(client.send_json(frame));
  const std::vector<Frame> frames = client.collect_until(is_answer);
  const Frame& answer = frames.back();
  ASSERT_TRUE(has_type(answer, "error")) << "expected " << code << ", got " << to_text(answer);
  EXPECT_EQ(string_field(answer, "code"), code) << to_text(answer);
  if (id) {
    EXPECT_EQ(string_field(answer, "id"), *id) << to_text(answer);
  }
  for (const Frame& other : frames) {
    EXPECT_FALSE(made_by(other, frame)) << "a refused frame stores nothing: " << to_text(other);
  }
}

// Sends every frame without waiting, then reads through the answer to the
// last; throws when any is refused. Returns every frame read.
std::vector<Frame> pipeline(WsClient& client, const std::vector<Frame>& frames) {
  for (const Frame& frame : frames) {
    if (!client.send_json(frame)) throw std::runtime_error("cannot send " + to_text(frame));
  }
  std::vector<Frame> read =
      client.collect_until(answer_to(string_field(frames.back(), "id")), 10s);
  for (const Frame& frame : read) {
    if (has_type(frame, "error")) throw std::runtime_error("refused: " + to_text(frame));
  }
  return read;
}

// `room`'s event frames (of every kind) until one with seq >= `last_seq`;
// throws on timeout. Other frames stay in the inbox.
std::vector<Frame> events_through(WsClient& client, std::string_view room, std::uint64_t last_seq,
                                  Duration timeout = kDefaultTimeout) {
  std::vector<Frame> events;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (events.empty() || seq_of(events.back()) < last_seq) {
    const auto left =
        std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
    auto event = client.wait_for_match(event_in(room), std::max(left, Duration(0)));
    if (!event) {
      throw std::runtime_error("waited for the event with seq " + std::to_string(last_seq) +
                               "; got" + (events.empty() ? " none" : texts_of(events)));
    }
    events.push_back(*std::move(event));
  }
  return events;
}

// Checks that no event frame is on its way to `client`.
void expect_no_more_events(WsClient& client) {
  for (const Frame& frame : frames_before_pong(client)) {
    EXPECT_FALSE(is_event(frame)) << "no further event: " << to_text(frame);
  }
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The fields every event carries.
void expect_event(const Frame& event, std::string_view type, std::uint64_t seq,
                  std::string_view user, std::string_view id) {
  SCOPED_TRACE(to_text(event));
  EXPECT_EQ(type_of(event), type);
  EXPECT_EQ(string_field(event, "room"), "lobby");
  EXPECT_EQ(seq_of(event), seq);
  EXPECT_EQ(string_field(event, "user"), user);
  EXPECT_EQ(string_field(event, "id"), id);
  ASSERT_TRUE(event.contains("ts") && event.at("ts").is_int64());
  EXPECT_GT(event.at("ts").get_int64(), now_ms() - 60'000) << "milliseconds since the epoch";
  EXPECT_LE(event.at("ts").get_int64(), now_ms() + 1000);
}

std::uint64_t target_of(const Frame& event) {
  return number_of(event, "target");
}

Frame with_field(Frame frame, std::string_view key, boost::json::value value) {
  frame[key] = std::move(value);
  return frame;
}

Frame without_field(Frame frame, std::string_view key) {
  frame.erase(key);
  return frame;
}

// A JSON string value (boost::json::value takes a string_view, not a std::string).
boost::json::value json_string(std::string_view text) {
  return boost::json::value(text);
}

std::string repeat(std::string_view unit, std::size_t times) {
  std::string text;
  for (std::size_t i = 0; i < times; ++i) text += unit;
  return text;
}

// ---- Live delivery and one seq space ----

TEST_F(EventsTest, EditReachesEveryMemberAndTheEditorSeesItBeforeItsAck) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "hello", "m1"), 1u);
  events_through(*bob_, "lobby", 1);

  const Frame own = act(*alice_, frames::edit("lobby", 1, "hello, edited", "e1"));
  const Frame seen = events_through(*bob_, "lobby", 2).back();
  for (const Frame& edit : {own, seen}) {
    expect_event(edit, "edit", 2, "alice", "e1");
    EXPECT_EQ(target_of(edit), 1u) << to_text(edit);
    EXPECT_EQ(string_field(edit, "text"), "hello, edited") << to_text(edit);
  }
  EXPECT_EQ(value_of(own, "ts"), value_of(seen, "ts")) << "one event, one ts";
  expect_no_more_events(*bob_);
}

TEST_F(EventsTest, DeleteReachesEveryMemberAndTheDeleterSeesItBeforeItsAck) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "regrettable", "m1"), 1u);
  events_through(*bob_, "lobby", 1);

  const Frame own = act(*alice_, frames::remove("lobby", 1, "d1"));
  const Frame seen = events_through(*bob_, "lobby", 2).back();
  for (const Frame& deletion : {own, seen}) {
    expect_event(deletion, "delete", 2, "alice", "d1");
    EXPECT_EQ(target_of(deletion), 1u) << to_text(deletion);
    EXPECT_FALSE(deletion.contains("text")) << to_text(deletion);
  }
  expect_no_more_events(*bob_);
}

TEST_F(EventsTest, ReactionReachesEveryMemberAndTheReactorSeesItBeforeItsAck) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "good news", "m1"), 1u);
  events_through(*bob_, "lobby", 1);

  // Anyone in the room may react, to a message of someone else.
  const Frame own = act(*bob_, frames::react("lobby", 1, kThumbs, true, "r1"));
  const Frame seen = events_through(*alice_, "lobby", 2).back();
  for (const Frame& reaction : {own, seen}) {
    expect_event(reaction, "reaction", 2, "bob", "r1");
    EXPECT_EQ(target_of(reaction), 1u) << to_text(reaction);
    EXPECT_EQ(string_field(reaction, "emoji"), kThumbs) << to_text(reaction);
    EXPECT_TRUE(is_true(reaction, "on")) << to_text(reaction);
  }
  const Frame off = act(*bob_, frames::react("lobby", 1, kThumbs, false, "r2"));
  const Frame seen_off = events_through(*alice_, "lobby", 3).back();
  for (const Frame& reaction : {off, seen_off}) {
    expect_event(reaction, "reaction", 3, "bob", "r2");
    ASSERT_TRUE(reaction.contains("on") && reaction.at("on").is_bool()) << to_text(reaction);
    EXPECT_FALSE(reaction.at("on").get_bool()) << to_text(reaction);
  }
  expect_no_more_events(*alice_);
}

TEST_F(EventsTest, ReplyCarriesReplyToToEveryMember) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "question?", "m1"), 1u);
  events_through(*bob_, "lobby", 1);

  const Frame own = act(*bob_, frames::send_reply("lobby", "answer!", "b1", 1));
  const Frame seen = events_through(*alice_, "lobby", 2).back();
  for (const Frame& reply : {own, seen}) {
    expect_event(reply, "message", 2, "bob", "b1");
    EXPECT_EQ(string_field(reply, "text"), "answer!") << to_text(reply);
    EXPECT_EQ(number_of(reply, "reply_to"), 1u) << to_text(reply);
  }
  // A message without reply_to carries none.
  const Frame plain = act(*bob_, frames::send("lobby", "plain", "b2"));
  EXPECT_FALSE(plain.contains("reply_to")) << to_text(plain);
}

TEST_F(EventsTest, EventsOfEveryKindShareOneGapFreeSeqSpaceAndAcksFollowFrameOrder) {
  start_with_alice_and_bob();
  std::vector<Frame> alice_read = pipeline(
      *alice_, {frames::send("lobby", "one", "a1"), frames::send("lobby", "two", "a2")});
  // Pipelined, on messages already acked: every ack in the order of the frames.
  const std::vector<Frame> burst = {
      frames::edit("lobby", 1, "one, edited", "a3"),
      frames::react("lobby", 2, kThumbs, true, "a4"),
      frames::send_reply("lobby", "re: one", "a5", 1),
      frames::send("lobby", "three", "a6"),
      frames::remove("lobby", 2, "a7"),
      frames::react("lobby", 1, kParty, true, "a8"),
  };
  const std::vector<Frame> burst_read = pipeline(*alice_, burst);
  alice_read.insert(alice_read.end(), burst_read.begin(), burst_read.end());

  std::vector<std::string> ack_ids;
  std::vector<std::uint64_t> ack_seqs;
  std::set<std::string> own_events_seen;
  for (const Frame& frame : alice_read) {
    if (is_event(frame)) {
      EXPECT_TRUE(own_events_seen.insert(string_field(frame, "id")).second)
          << "own event once: " << to_text(frame);
    } else if (has_type(frame, "ack")) {
      EXPECT_TRUE(own_events_seen.contains(string_field(frame, "id")))
          << "own event before its ack: " << to_text(frame);
      ack_ids.push_back(string_field(frame, "id"));
      ack_seqs.push_back(seq_of(frame));
    }
  }
  EXPECT_EQ(ack_ids, (std::vector<std::string>{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"}));
  EXPECT_EQ(ack_seqs, seq_range(1, 8));

  // Bob adds his own; his reads hold alice's events first, then his.
  const std::vector<Frame> bob_read =
      pipeline(*bob_, {frames::react("lobby", 1, kThumbs, true, "b1"),
                       frames::send("lobby", "four", "b2")});
  const std::vector<Frame> bob_more = pipeline(
      *bob_, {frames::edit("lobby", 10, "four, edited", "b3"), frames::remove("lobby", 10, "b4")});
  std::vector<Frame> bob_events = events_in(bob_read);
  for (const Frame& event : events_in(bob_more)) bob_events.push_back(event);
  std::vector<Frame> alice_events = events_in(alice_read);
  for (const Frame& event : events_through(*alice_, "lobby", 12)) alice_events.push_back(event);

  const std::vector<std::string> kinds = {"message", "message", "edit",     "reaction",
                                          "message", "message", "delete",   "reaction",
                                          "reaction", "message", "edit",    "delete"};
  for (const auto* events : {&alice_events, &bob_events}) {
    EXPECT_EQ(seqs_of(*events), seq_range(1, 12)) << "each seq once, in order:" << texts_of(*events);
    EXPECT_EQ(types_of(*events), kinds);
  }
  EXPECT_EQ(number_of(alice_events[4], "reply_to"), 1u) << to_text(alice_events[4]);
  EXPECT_EQ(target_of(bob_events[6]), 2u) << to_text(bob_events[6]);
  expect_no_more_events(*alice_);
  expect_no_more_events(*bob_);
}

// ---- Refusals ----

TEST_F(EventsTest, OnlyTheAuthorMayEditOrDeleteAMessage) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "alice's words", "m1"), 1u);
  events_through(*bob_, "lobby", 1);

  expect_refused(*bob_, frames::edit("lobby", 1, "bob's words", "e1"), "forbidden", "e1");
  expect_refused(*bob_, frames::remove("lobby", 1, "d1"), "forbidden", "d1");
  // The refusals took no seq; the author still may.
  EXPECT_EQ(act_seq(*alice_, frames::edit("lobby", 1, "alice's own words", "e1")), 2u);
  EXPECT_EQ(events_through(*bob_, "lobby", 2).size(), 1u);
  EXPECT_EQ(act_seq(*alice_, frames::remove("lobby", 1, "d1")), 3u);
  EXPECT_EQ(seqs_of(events_through(*bob_, "lobby", 3)), std::vector<std::uint64_t>{3});
  expect_no_more_events(*bob_);
}

TEST_F(EventsTest, TargetsThatAreNotLiveMessagesOfTheRoomAreNotFound) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  EXPECT_EQ(act_seq(*alice_, frames::edit("lobby", 1, "one, edited", "e1")), 2u);
  EXPECT_EQ(act_seq(*alice_, frames::react("lobby", 1, kThumbs, true, "r1")), 3u);
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "two", "m2"), 4u);
  EXPECT_EQ(act_seq(*alice_, frames::remove("lobby", 4, "d1")), 5u);
  // Seqs 6 and 7 are messages of another room only.
  join(*alice_, "other");
  EXPECT_EQ(send_burst(*alice_, "other", 7, "o").back(), 7u);
  events_through(*bob_, "lobby", 5);

  const std::vector<std::pair<std::uint64_t, std::string>> targets = {
      {2, "an edit event"}, {3, "a reaction event"},     {5, "a delete event"},
      {4, "a deleted message"}, {6, "beyond the last seq"}, {7, "a message of another room"},
      {1000, "far beyond the last seq"}};
  for (const auto& [target, what] : targets) {
    SCOPED_TRACE("target " + std::to_string(target) + ": " + what);
    expect_refused(*alice_, frames::edit("lobby", target, "new text", "e9"), "not_found", "e9");
    expect_refused(*alice_, frames::remove("lobby", target, "d9"), "not_found", "d9");
    expect_refused(*alice_, frames::react("lobby", target, kThumbs, true, "r9"), "not_found",
                   "r9");
    expect_refused(*alice_, frames::send_reply("lobby", "re", "m9", target), "not_found", "m9");
  }
  // Nothing was stored: the next event takes seq 6.
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "three", "m3"), 6u);
  EXPECT_EQ(seqs_of(events_through(*bob_, "lobby", 6)), std::vector<std::uint64_t>{6});
}

TEST_F(EventsTest, TargetOrReplyToThatIsNotAPositiveIntegerIsBadRequest) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  const std::vector<boost::json::value> values = {
      0, -1, 1.5, "1", nullptr, true, boost::json::array{1}, boost::json::object{{"seq", 1}}};
  for (const boost::json::value& value : values) {
    SCOPED_TRACE("target " + boost::json::serialize(value));
    expect_refused(*alice_, with_field(frames::edit("lobby", 1, "x", "e1"), "target", value),
                   "bad_request", "e1");
    expect_refused(*alice_, with_field(frames::remove("lobby", 1, "d1"), "target", value),
                   "bad_request", "d1");
    expect_refused(*alice_,
                   with_field(frames::react("lobby", 1, kThumbs, true, "r1"), "target", value),
                   "bad_request", "r1");
    expect_refused(*alice_, with_field(frames::send_reply("lobby", "re", "m2", 1), "reply_to", value),
                   "bad_request", "m2");
  }
  expect_refused(*alice_, without_field(frames::edit("lobby", 1, "x", "e1"), "target"),
                 "bad_request", "e1");
  expect_refused(*alice_, without_field(frames::remove("lobby", 1, "d1"), "target"), "bad_request",
                 "d1");
  expect_refused(*alice_, without_field(frames::react("lobby", 1, kThumbs, true, "r1"), "target"),
                 "bad_request", "r1");
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "two", "m2"), 2u) << "the refusals stored nothing";
}

TEST_F(EventsTest, EmojiMustBeOneTo32BytesWithoutWhiteSpaceOrControls) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "react to me", "m1"), 1u);
  const std::vector<boost::json::value> refused = {
      "",
      json_string(std::string(33, 'a')),
      json_string(repeat(kThumbs, 9)),  // 36 bytes
      json_string(kThumbs + " "),
      json_string(" " + kThumbs),
      json_string(kThumbs + " " + kParty),
      "\t",
      json_string(kThumbs + "\n"),
      "\x01",
      "\x7f",                                     // DEL
      "\xC2\x85",                                 // U+0085 next line
      json_string("\xC2\xA0" + kThumbs),          // U+00A0 no-break space
      json_string(kThumbs + "\xE2\x80\x83"),      // U+2003 em space
      "\xE3\x80\x80",                             // U+3000 ideographic space
      json_string(std::string_view("a\0b", 3)),  // NUL
      5,
      nullptr,
      true,
      boost::json::array{kThumbs}};
  for (const boost::json::value& emoji : refused) {
    expect_refused(*alice_,
                   with_field(frames::react("lobby", 1, kThumbs, true, "r1"), "emoji", emoji),
                   "bad_request", "r1");
  }
  expect_refused(*alice_, without_field(frames::react("lobby", 1, kThumbs, true, "r1"), "emoji"),
                 "bad_request", "r1");

  const std::vector<std::string> accepted = {
      repeat(kThumbs, 8),                        // exactly 32 bytes
      "👍🏽",                                    // with a skin tone
      "❤️",                                      // with variation selector 16
      "👨‍👩‍👧",                                 // joined by U+200D (a format character)
      "+1",
      kParty};
  std::uint64_t seq = 1;
  for (const std::string& emoji : accepted) {
    const std::string id = "ok" + std::to_string(seq);
    const Frame reaction = act(*alice_, frames::react("lobby", 1, emoji, true, id));
    EXPECT_EQ(seq_of(reaction), ++seq);
    EXPECT_EQ(string_field(reaction, "emoji"), emoji) << "sent back exactly";
    EXPECT_EQ(string_field(events_through(*bob_, "lobby", seq).back(), "emoji"), emoji);
  }
}

TEST_F(EventsTest, OnThatIsNotABooleanIsBadRequest) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "react to me", "m1"), 1u);
  for (const boost::json::value& on :
       {boost::json::value(1), boost::json::value(0), boost::json::value("true"),
        boost::json::value(nullptr)}) {
    expect_refused(*alice_, with_field(frames::react("lobby", 1, kThumbs, true, "r1"), "on", on),
                   "bad_request", "r1");
  }
  expect_refused(*alice_, without_field(frames::react("lobby", 1, kThumbs, true, "r1"), "on"),
                 "bad_request", "r1");
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "two", "m2"), 2u) << "the refusals stored nothing";
}

TEST_F(EventsTest, EventsFromAConnectionOutsideTheRoomAreNotJoined) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*bob_, "lobby", "bob's", "m1"), 1u);
  ASSERT_TRUE(bob_->send_json(frames::leave("lobby")));
  bob_->expect("left");
  // His own message: only the missing join stands in the way.
  expect_refused(*bob_, frames::edit("lobby", 1, "edited", "e1"), "not_joined", "e1");
  expect_refused(*bob_, frames::remove("lobby", 1, "d1"), "not_joined", "d1");
  expect_refused(*bob_, frames::react("lobby", 1, kThumbs, true, "r1"), "not_joined", "r1");
  expect_refused(*bob_, frames::send_reply("lobby", "re", "m2", 1), "not_joined", "m2");
  auto carol = connect("carol");  // never joined
  expect_refused(*carol, frames::react("lobby", 1, kThumbs, true, "r1"), "not_joined", "r1");

  events_through(*alice_, "lobby", 1);
  expect_no_more_events(*alice_);
  join(*bob_, "lobby");
  EXPECT_EQ(act_seq(*bob_, frames::edit("lobby", 1, "edited", "e1")), 2u);
}

TEST_F(EventsTest, EventFramesWithoutAValidIdAreBadRequest) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  const std::vector<Frame> kinds = {frames::edit("lobby", 1, "edited", "x"),
                                    frames::remove("lobby", 1, "x"),
                                    frames::react("lobby", 1, kThumbs, true, "x")};
  const std::vector<boost::json::value> ids = {
      "", "has space", json_string(std::string(65, 'i')), "caf\xC3\xA9", 5, nullptr};
  for (const Frame& kind : kinds) {
    expect_refused(*alice_, without_field(kind, "id"), "bad_request");
    for (const boost::json::value& id : ids) {
      expect_refused(*alice_, with_field(kind, "id", id), "bad_request");
    }
  }
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "two", "m2"), 2u) << "the refusals stored nothing";
}

TEST_F(EventsTest, EditTextFollowsTheMessageTextRules) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  const Frame edit = frames::edit("lobby", 1, "x", "e1");
  for (const std::string& text : {std::string(""), std::string(" \t\n "),
                                  std::string("\xE3\x80\x80\xC2\xA0")}) {  // U+3000, U+00A0
    expect_refused(*alice_, with_field(edit, "text", json_string(text)), "bad_request", "e1");
  }
  expect_refused(*alice_, with_field(edit, "text", json_string(std::string_view("a\0b", 3))),
                 "bad_request", "e1");
  expect_refused(*alice_, with_field(edit, "text", 5), "bad_request", "e1");
  expect_refused(*alice_, without_field(edit, "text"), "bad_request", "e1");
  expect_refused(*alice_, with_field(edit, "text", json_string(std::string(4001, 'a'))),
                 "too_large", "e1");
  expect_refused(*alice_, with_field(edit, "text", json_string(repeat("\xC3\xA9", 4001))),
                 "too_large", "e1");

  const std::string longest = "  " + repeat("\xC3\xA9", 4000) + "\n";
  EXPECT_EQ(string_field(act(*alice_, frames::edit("lobby", 1, longest, "e2")), "text"), longest)
      << "4000 code points, white space at the ends not counted and kept";
  const std::string exact = "  <b>not html</b> \x01 tab\t\xF0\x9F\x98\x80  ";
  EXPECT_EQ(string_field(act(*alice_, frames::edit("lobby", 1, exact, "e3")), "text"), exact);
  EXPECT_EQ(seqs_of(events_through(*bob_, "lobby", 3)), seq_range(1, 3));
}

// ---- Idempotency ----

TEST_F(EventsTest, ResentEventsAreAckedWithTheFirstSeqAndNotBroadcast) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  const Frame edit = frames::edit("lobby", 1, "one, edited", "e1");
  const Frame react = frames::react("lobby", 1, kThumbs, true, "r1");
  EXPECT_EQ(act_seq(*alice_, edit), 2u);
  EXPECT_EQ(act_seq(*alice_, react), 3u);
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "two", "m2"), 4u);
  const Frame remove = frames::remove("lobby", 4, "d1");
  EXPECT_EQ(act_seq(*alice_, remove), 5u);
  EXPECT_EQ(seqs_of(events_through(*bob_, "lobby", 5)), seq_range(1, 5));

  EXPECT_EQ(ack_without_event(*alice_, edit), 2u);
  EXPECT_EQ(ack_without_event(*alice_, frames::edit("lobby", 1, "other text", "e1")), 2u)
      << "the id decides, not the text";
  EXPECT_EQ(ack_without_event(*alice_, react), 3u);
  EXPECT_EQ(ack_without_event(*alice_, remove), 5u) << "its target is deleted, by this very id";
  EXPECT_EQ(ack_without_event(*alice_, frames::send("lobby", "two", "m2")), 4u);

  EXPECT_EQ(send_and_ack(*alice_, "lobby", "three", "m3"), 6u);
  EXPECT_EQ(seqs_of(events_through(*bob_, "lobby", 6)), std::vector<std::uint64_t>{6})
      << "the resends were not broadcast";
}

TEST_F(EventsTest, SameEventTwiceInOneBurstIsStoredOnce) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  const Frame edit = frames::edit("lobby", 1, "twice", "e1");
  const std::vector<Frame> read = pipeline(*alice_, {edit, edit, frames::send("lobby", "x", "m2")});
  std::vector<std::uint64_t> ack_seqs;
  for (const Frame& frame : read) {
    if (has_type(frame, "ack")) ack_seqs.push_back(seq_of(frame));
  }
  EXPECT_EQ(ack_seqs, (std::vector<std::uint64_t>{2, 2, 3}));
  EXPECT_EQ(seqs_of(events_in(read)), seq_range(1, 3)) << texts_of(read);
  EXPECT_EQ(seqs_of(events_through(*bob_, "lobby", 3)), seq_range(1, 3));
  expect_no_more_events(*bob_);
}

TEST_F(EventsTest, OneIdSpacePerUserAndRoomCoversSendsAndEveryEventKind) {
  start_with_alice_and_bob();
  join(*alice_, "other");
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "one", "x"), 1u);
  // The id is taken by the send: whatever the kind, nothing new is stored.
  EXPECT_EQ(ack_without_event(*alice_, frames::edit("lobby", 1, "edited", "x")), 1u);
  EXPECT_EQ(ack_without_event(*alice_, frames::react("lobby", 1, kThumbs, true, "x")), 1u);
  EXPECT_EQ(ack_without_event(*alice_, frames::remove("lobby", 1, "x")), 1u);
  // Another user's id space, another room's.
  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, true, "x")), 2u);
  EXPECT_EQ(send_and_ack(*alice_, "other", "elsewhere", "x"), 1u);
  EXPECT_EQ(act_seq(*alice_, frames::edit("lobby", 1, "edited", "y")), 3u);

  const std::vector<Frame> seen = events_through(*bob_, "lobby", 3);
  EXPECT_EQ(seqs_of(seen), seq_range(1, 3)) << texts_of(seen);
  EXPECT_EQ(types_of(seen), (std::vector<std::string>{"message", "reaction", "edit"}));
  EXPECT_EQ(string_field(seen[0], "text"), "one") << "not deleted by the taken id";
}

// ---- Reactions: on or off ----

TEST_F(EventsTest, ReactionSetAsItIsStoresNothingAndIsAckedWithTheSeqThatSetIt) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "react to me", "m1"), 1u);
  events_through(*bob_, "lobby", 1);
  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, true, "r1")), 2u);
  EXPECT_EQ(ack_without_event(*bob_, frames::react("lobby", 1, kThumbs, true, "r2")), 2u)
      << "on again: the seq that turned it on";
  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, false, "r3")), 3u);
  EXPECT_EQ(ack_without_event(*bob_, frames::react("lobby", 1, kThumbs, false, "r4")), 3u)
      << "off again: the seq that turned it off";
  EXPECT_EQ(ack_without_event(*bob_, frames::react("lobby", 1, kParty, false, "r5")), 0u)
      << "off when never on: seq 0";
  // Per user: alice never had bob's reaction.
  EXPECT_EQ(ack_without_event(*alice_, frames::react("lobby", 1, kThumbs, false, "a1")), 0u);
  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 1, kParty, true, "r6")), 4u);
  EXPECT_EQ(act_seq(*alice_, frames::react("lobby", 1, kThumbs, true, "a2")), 5u);
  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, true, "r7")), 6u) << "on again";

  const std::vector<Frame> seen = events_through(*alice_, "lobby", 6);
  EXPECT_EQ(seqs_of(seen), seq_range(2, 6)) << "only the changes: " << texts_of(seen);
  std::vector<bool> on;
  for (const Frame& reaction : seen) on.push_back(is_true(reaction, "on"));
  EXPECT_EQ(on, (std::vector<bool>{true, false, true, true, true}));
  expect_no_more_events(*alice_);
}

// ---- Recovery ----

TEST_F(EventsTest, EventsMadeWhileAwayArriveOnRejoinWithSinceOnceEachInOrder) {
  start_with_alice_and_bob();
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "one", "a1"), 1u);
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "two", "a2"), 2u);
  alice_->drop();

  EXPECT_EQ(send_and_ack(*bob_, "lobby", "draft", "b1"), 3u);
  EXPECT_EQ(act_seq(*bob_, frames::edit("lobby", 3, "final", "b2")), 4u);
  EXPECT_EQ(send_and_ack(*bob_, "lobby", "secret", "b3"), 5u);
  EXPECT_EQ(act_seq(*bob_, frames::edit("lobby", 5, "secret, edited", "b4")), 6u);
  EXPECT_EQ(act_seq(*bob_, frames::remove("lobby", 5, "b5")), 7u);
  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, true, "b6")), 8u);
  EXPECT_EQ(act_seq(*bob_, frames::send_reply("lobby", "answer", "b7", 1)), 9u);
  const Frame last_edit = act(*bob_, frames::edit("lobby", 3, "final, really", "b8"));
  EXPECT_EQ(seq_of(last_edit), 10u);

  alice_ = connect_when_free("alice");
  ASSERT_TRUE(alice_->send_json(frames::join_since("lobby", 2)));
  const std::vector<Frame> first = alice_->collect_through("joined");
  ASSERT_EQ(first.size(), 1u) << "joined comes before anything of the room: "
                              << to_text(first.front());
  EXPECT_EQ(seq_of(first.back()), 10u);

  const std::vector<Frame> replayed = events_through(*alice_, "lobby", 10);
  ASSERT_EQ(seqs_of(replayed), seq_range(3, 10)) << texts_of(replayed);
  EXPECT_EQ(types_of(replayed),
            (std::vector<std::string>{"message", "edit", "message", "edit", "delete", "reaction",
                                      "message", "edit"}));
  for (const Frame& event : replayed) {
    EXPECT_EQ(string_field(event, "user"), "bob") << to_text(event);
  }
  // An edited message replays with its current text and the last edit's ts.
  const Frame& edited = replayed[0];
  EXPECT_EQ(string_field(edited, "id"), "b1") << to_text(edited);
  EXPECT_EQ(string_field(edited, "text"), "final, really") << to_text(edited);
  EXPECT_EQ(value_of(edited, "edited"), value_of(last_edit, "ts")) << to_text(edited);
  EXPECT_EQ(string_field(replayed[1], "text"), "final") << "an edit keeps its own text";
  EXPECT_EQ(target_of(replayed[1]), 3u) << to_text(replayed[1]);
  // A deleted message and its edits replay without text.
  for (const Frame* gone : {&replayed[2], &replayed[3]}) {
    EXPECT_TRUE(is_true(*gone, "deleted")) << to_text(*gone);
    EXPECT_FALSE(gone->contains("text")) << to_text(*gone);
  }
  EXPECT_EQ(target_of(replayed[4]), 5u) << to_text(replayed[4]);
  EXPECT_EQ(string_field(replayed[5], "emoji"), kThumbs) << to_text(replayed[5]);
  EXPECT_TRUE(is_true(replayed[5], "on")) << to_text(replayed[5]);
  EXPECT_EQ(number_of(replayed[6], "reply_to"), 1u) << to_text(replayed[6]);
  EXPECT_EQ(string_field(replayed[6], "text"), "answer") << to_text(replayed[6]);
  EXPECT_EQ(string_field(replayed[7], "text"), "final, really") << to_text(replayed[7]);

  // Then live events, and nothing twice.
  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 3, kParty, true, "b9")), 11u);
  EXPECT_EQ(seqs_of(events_through(*alice_, "lobby", 11)), std::vector<std::uint64_t>{11});
  expect_no_more_events(*alice_);
}

}  // namespace
}  // namespace parley::test
