// Malformed or refused frames get an error frame with the contract's code
// (and the frame's id echoed where it had one), and the connection stays
// open: a ping on it is still answered.
#include "chat_test.hpp"

namespace parley::test {
namespace {

class BadInputTest : public ChatTest {
 protected:
  // A server and a client "alice" in room "lobby".
  WsClient& start_in_lobby() {
    start_server();
    alice_ = connect("alice");
    join(*alice_, "lobby");
    return *alice_;
  }

  // Sends `text` as it is; expects an error with `code` and, when given,
  // `id`; then checks the connection still answers a ping.
  void expect_refused(std::string_view text, std::string_view code,
                      const std::optional<std::string>& id = std::nullopt) {
    SCOPED_TRACE("sent: " + std::string(text.substr(0, 200)));
    ASSERT_TRUE(alice_->send_text(text));
    const auto frames = alice_->collect_through("error");
    ASSERT_EQ(frames.size(), 1u) << "nothing before the error: " << to_text(frames.front());
    const Frame& error = frames.back();
    EXPECT_EQ(string_field(error, "code"), code) << to_text(error);
    EXPECT_TRUE(error.contains("message") && error.at("message").is_string()) << to_text(error);
    if (id) {
      EXPECT_EQ(string_field(error, "id"), *id) << to_text(error);
    }
    EXPECT_TRUE(frames_before_pong(*alice_).empty()) << "the connection still works";
  }
  void expect_refused(const Frame& frame, std::string_view code,
                      const std::optional<std::string>& id = std::nullopt) {
    expect_refused(to_text(frame), code, id);
  }

  // Sends `text` as message `id` and expects it stored and broadcast as is.
  void expect_accepted(const std::string& text, const std::string& id) {
    SCOPED_TRACE("message " + id);
    ASSERT_TRUE(alice_->send_json(frames::send("lobby", text, id)));
    const auto frames = alice_->collect_through("ack");
    ASSERT_EQ(frames.size(), 2u) << to_text(frames.front());
    EXPECT_EQ(string_field(frames[0], "text"), text);
    EXPECT_EQ(string_field(frames[1], "id"), id);
  }

  std::unique_ptr<WsClient> alice_;
};

std::string repeat(std::string_view unit, std::size_t times) {
  std::string text;
  for (std::size_t i = 0; i < times; ++i) text += unit;
  return text;
}

Frame send_frame_without(std::string_view field) {
  Frame frame = frames::send("lobby", "hello", "id-1");
  frame.erase(field);
  return frame;
}

// A JSON string value (boost::json::value takes a string_view, not a std::string).
boost::json::value json_string(std::string_view text) {
  return boost::json::value(text);
}

Frame send_frame_with(std::string_view field, boost::json::value value) {
  Frame frame = frames::send("lobby", "hello", "id-1");
  frame[field] = std::move(value);
  return frame;
}

TEST_F(BadInputTest, NotJsonIsBadRequest) {
  start_in_lobby();
  for (const char* text : {"hello", "{", R"({"type":"ping")", "", R"({"type":'ping'})"}) {
    expect_refused(text, "bad_request");
  }
}

TEST_F(BadInputTest, JsonThatIsNotAnObjectIsBadRequest) {
  start_in_lobby();
  for (const char* text : {"[1,2]", "[]", R"([{"type":"ping"}])", R"("ping")", "42", "null"}) {
    expect_refused(text, "bad_request");
  }
}

TEST_F(BadInputTest, MissingTypeIsBadRequest) {
  start_in_lobby();
  expect_refused(R"({"room":"lobby"})", "bad_request");
  expect_refused(send_frame_without("type"), "bad_request", "id-1");
}

TEST_F(BadInputTest, UnknownTypeIsBadRequest) {
  start_in_lobby();
  expect_refused(R"({"type":"dance","room":"lobby"})", "bad_request");
  expect_refused(R"({"type":""})", "bad_request");
}

TEST_F(BadInputTest, TypeThatIsNotAStringIsBadRequest) {
  start_in_lobby();
  for (const char* text : {R"({"type":1})", R"({"type":null})", R"({"type":["ping"]})",
                           R"({"type":{"name":"ping"}})", R"({"type":true})"}) {
    expect_refused(text, "bad_request");
  }
}

TEST_F(BadInputTest, MissingRoomIsBadRequest) {
  start_in_lobby();
  expect_refused(R"({"type":"join"})", "bad_request");
  expect_refused(R"({"type":"leave"})", "bad_request");
  expect_refused(R"({"type":"typing"})", "bad_request");
  expect_refused(send_frame_without("room"), "bad_request", "id-1");
}

TEST_F(BadInputTest, InvalidRoomNameIsBadRequest) {
  start_in_lobby();
  const std::vector<boost::json::value> rooms = {
      "bad room!",   "",       json_string(std::string(65, 'r')),
      "-dash",       "_under", ".dot",
      "caf\xC3\xA9", "a/b",    5,
      nullptr};
  for (const boost::json::value& room : rooms) {
    expect_refused(Frame{{"type", "join"}, {"room", room}}, "bad_request");
    expect_refused(send_frame_with("room", room), "bad_request", "id-1");
  }
}

TEST_F(BadInputTest, RoomNameOf64CharactersIsAccepted) {
  start_in_lobby();
  const std::string room = std::string("R").append(62, '-').append("z");
  ASSERT_EQ(room.size(), 64u);
  EXPECT_EQ(string_field(join(*alice_, room), "room"), room);
}

TEST_F(BadInputTest, MissingTextIsBadRequest) {
  start_in_lobby();
  expect_refused(send_frame_without("text"), "bad_request", "id-1");
}

TEST_F(BadInputTest, TextThatIsNotAStringIsBadRequest) {
  start_in_lobby();
  for (boost::json::value text :
       {boost::json::value(5), boost::json::value(nullptr),
        boost::json::value(boost::json::array{"a"}), boost::json::value(true)}) {
    expect_refused(send_frame_with("text", text), "bad_request", "id-1");
  }
}

TEST_F(BadInputTest, EmptyTextIsBadRequest) {
  start_in_lobby();
  expect_refused(send_frame_with("text", ""), "bad_request", "id-1");
}

TEST_F(BadInputTest, WhiteSpaceOnlyTextIsBadRequest) {
  start_in_lobby();
  const std::vector<std::string> texts = {
      " ",
      " \t\n\r\v\f ",
      "\xC2\xA0",                               // U+00A0 no-break space
      "\xC2\x85",                               // U+0085 next line
      "\xE2\x80\x83\xE3\x80\x80",               // U+2003 em space, U+3000 ideographic space
      "\xE2\x80\xA8\xE2\x80\xA9 \xE1\x9A\x80",  // line/paragraph separators, ogham space
      "\xE2\x80\xAF\xE2\x81\x9F",               // U+202F, U+205F
  };
  for (const std::string& text : texts) {
    expect_refused(send_frame_with("text", json_string(text)), "bad_request", "id-1");
  }
}

TEST_F(BadInputTest, TextWithNulIsBadRequest) {
  start_in_lobby();
  expect_refused(send_frame_with("text", json_string(std::string_view("a\0b", 3))), "bad_request",
                 "id-1");
}

TEST_F(BadInputTest, TextOf4000CodePointsIsAccepted) {
  start_in_lobby();
  expect_accepted(std::string(4000, 'a'), "ascii");
  expect_accepted(repeat("\xC3\xA9", 4000), "two-byte");           // 8000 bytes
  expect_accepted(repeat("\xF0\x9F\x98\x80", 4000), "four-byte");  // 16000 bytes
}

TEST_F(BadInputTest, TextOf4001CodePointsIsTooLarge) {
  start_in_lobby();
  expect_refused(send_frame_with("text", json_string(std::string(4001, 'a'))), "too_large", "id-1");
  expect_refused(send_frame_with("text", json_string(repeat("\xC3\xA9", 4001))), "too_large",
                 "id-1");
  expect_refused(send_frame_with("text", json_string(repeat("\xF0\x9F\x98\x80", 4001))),
                 "too_large", "id-1");
}

TEST_F(BadInputTest, WhiteSpaceAtTheEndsDoesNotCountTowardsTheLimit) {
  start_in_lobby();
  expect_accepted("   \xE3\x80\x80" + std::string(4000, 'a') + "\n\t ", "trimmed");
}

TEST_F(BadInputTest, MissingIdIsBadRequest) {
  start_in_lobby();
  expect_refused(send_frame_without("id"), "bad_request");
}

TEST_F(BadInputTest, InvalidIdIsBadRequest) {
  start_in_lobby();
  const std::vector<boost::json::value> ids = {
      "has space", json_string(std::string(65, 'i')), "", "caf\xC3\xA9", "tab\there", 5, nullptr};
  for (const boost::json::value& id : ids) {
    expect_refused(send_frame_with("id", id), "bad_request");
  }
}

TEST_F(BadInputTest, IdOf64PrintableCharactersIsAccepted) {
  start_in_lobby();
  const std::string id = std::string("!").append(62, 'x').append("~");
  ASSERT_EQ(id.size(), 64u);
  expect_accepted("edge", id);
}

TEST_F(BadInputTest, SinceThatIsNotANonNegativeIntegerIsBadRequest) {
  start_in_lobby();
  for (const char* since : {"-1", "\"5\"", "1.5", "true", "[]", "-0.5"}) {
    expect_refused(std::string(R"({"type":"join","room":"other","since":)") + since + "}",
                   "bad_request");
  }
}

TEST_F(BadInputTest, DeeplyNestedJsonIsBadRequest) {
  start_in_lobby();
  // Each of these is refused whatever the nesting limit: a room that is not
  // a string, a frame that is an array, a frame without a type.
  for (int depth : {64, 1000, 30000}) {
    SCOPED_TRACE("depth " + std::to_string(depth));
    const std::string nested = repeat("[", depth) + repeat("]", depth);
    expect_refused(R"({"type":"join","room":)" + nested + "}", "bad_request");
    expect_refused(nested, "bad_request");
    expect_refused(repeat(R"({"a":)", depth / 5) + "1" + repeat("}", depth / 5), "bad_request");
  }
}

}  // namespace
}  // namespace parley::test
