#include "bus/event_codec.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace parley::bus {
namespace {

core::Frame frame(std::string bytes) {
  return std::make_shared<const std::string>(std::move(bytes));
}

// Frame bytes as a member gets them, with what a header line must not eat:
// newlines, a brace, non-ASCII and a NUL.
const std::string kAwkwardFrame =
    std::string(
        "{\"type\":\"message\",\"text\":\"line one\\nline two\"}\n\nr\xC3\xA9sum\xC3\xA9 ") +
    "\xE2\x9C\x93 \xF0\x9F\x98\x80\n{" + std::string(1, '\0') + "end";

void expect_same(const Event& decoded, const Event& sent) {
  EXPECT_EQ(decoded.kind, sent.kind);
  EXPECT_EQ(decoded.node, sent.node);
  EXPECT_EQ(decoded.room, sent.room);
  EXPECT_EQ(decoded.room_name, sent.room_name);
  EXPECT_EQ(decoded.seq, sent.seq);
  ASSERT_EQ(decoded.frame == nullptr, sent.frame == nullptr);
  if (sent.frame) {
    EXPECT_EQ(*decoded.frame, *sent.frame);
  }
  EXPECT_EQ(decoded.identity, sent.identity);
  EXPECT_EQ(decoded.user, sent.user);
  EXPECT_EQ(decoded.present, sent.present);
  EXPECT_EQ(decoded.subject, sent.subject);
  EXPECT_EQ(decoded.snapshot, sent.snapshot);
  EXPECT_EQ(decoded.positions, sent.positions);
}

Event round_trip(const Event& event) {
  auto decoded = decode_event(encode_event(event));
  if (!decoded) {
    ADD_FAILURE() << "refused its own encoding: " << encode_event(event);
    return {};
  }
  return *decoded;
}

TEST(EventCodec, AMessageRoundTripsWithItsFrameVerbatim) {
  Event event(EventKind::message, "caf\xC3\xA9");
  event.node = "0123456789abcdef";
  event.seq = 42;
  event.frame = frame(kAwkwardFrame);
  expect_same(round_trip(event), event);
}

TEST(EventCodec, TheLargestSeqRoundTrips) {
  Event event(EventKind::message, "lobby");
  event.node = "n";
  event.seq = UINT64_MAX;
  event.frame = frame("m");
  expect_same(round_trip(event), event);
}

TEST(EventCodec, TypingRoundTrips) {
  Event event(EventKind::typing, "lobby");
  event.node = "n1";
  event.identity = "g:xyz";
  event.frame = frame(kAwkwardFrame);
  expect_same(round_trip(event), event);
}

TEST(EventCodec, PresenceRoundTripsComingAndGoing) {
  for (const bool present : {true, false}) {
    Event event(EventKind::presence, "caf\xC3\xA9");
    event.node = "n1";
    event.room_name = "Caf\xC3\xA9 \"du\" coin\n";
    event.identity = "a:zo\xC3\xAB";
    event.user = "Zo\xC3\xAB";
    event.present = present;
    expect_same(round_trip(event), event);
  }
}

TEST(EventCodec, AnEndedCredentialRoundTrips) {
  Event event(EventKind::credential_ended);
  event.node = "n1";
  event.subject = "t:9f86d081884c7d659a2feaa0c55ad015";
  expect_same(round_trip(event), event);
}

TEST(EventCodec, AHeartbeatRoundTripsWithItsSnapshotAndPositions) {
  Event event(EventKind::heartbeat);
  event.node = "n1";
  event.snapshot = {{"lobby", "Lobby", "a:alice", "alice"},
                    {"caf\xC3\xA9", "Caf\xC3\xA9", "g:1", "Zo\xC3\xAB"},
                    {"lobby", "Lobby", "n:bob", "bob"}};
  event.positions = {{"lobby", 0}, {"caf\xC3\xA9", 17}, {"big", UINT64_MAX}};
  expect_same(round_trip(event), event);
}

TEST(EventCodec, AnEmptyHeartbeatRoundTrips) {
  Event event(EventKind::heartbeat);
  event.node = "n1";
  expect_same(round_trip(event), event);
}

TEST(EventCodec, TheHeaderIsOneLineWhateverItsStrings) {
  Event event(EventKind::presence, "lobby");
  event.node = "n1";
  event.room_name = "two\nlines\r\n";
  event.identity = "a:x\ny";
  event.user = "u\n";
  const std::string bytes = encode_event(event);
  EXPECT_EQ(bytes.find('\n'), bytes.size() - 1) << bytes;
}

std::optional<Event> decode(std::string_view bytes) {
  return decode_event(bytes);
}

TEST(EventCodec, RefusesWhatIsNotAHeaderLine) {
  EXPECT_FALSE(decode(""));
  EXPECT_FALSE(decode("\n"));
  EXPECT_FALSE(decode(R"({"k":"heartbeat","n":"n1"})")) << "no newline";
  EXPECT_FALSE(decode("{\"k\":\"heartbeat\",\"n\":\"n1\"\n}\n")) << "a newline inside";
  EXPECT_FALSE(decode("{\"k\":\"heartbeat\",\n"));
  EXPECT_FALSE(decode("not json\n"));
  EXPECT_FALSE(decode("[\"heartbeat\",\"n1\"]\n"));
  EXPECT_FALSE(decode("\"heartbeat\"\n"));
  EXPECT_FALSE(decode("null\n"));
  EXPECT_FALSE(decode("{\"k\":\"heartbeat\",\"n\":\"n1\"} trailing\n"));
  EXPECT_FALSE(decode(std::string("{\"k\":\"heartbeat\",\"n\":\"\xFF\"}\n"))) << "not UTF-8";
  EXPECT_TRUE(decode("{\"k\":\"heartbeat\",\"n\":\"n1\"}\n")) << "the well-formed one";
}

TEST(EventCodec, APersonalFrameRoundTripsWithoutItsLocalExclusion) {
  Event event(EventKind::personal);
  event.node = "n1";
  event.identity = "a:ann";
  event.frame = frame(R"({"type":"read","room":"lobby","seq":7})");
  int connection = 0;
  event.except = &connection;
  const Event decoded = round_trip(event);
  event.except = nullptr;
  expect_same(decoded, event);
  EXPECT_EQ(decoded.except, nullptr) << "meaningless on another node";
  EXPECT_FALSE(decode("{\"k\":\"personal\",\"n\":\"n1\",\"i\":\"a:ann\"}\n"))
      << "without its frame";
  EXPECT_FALSE(decode("{\"k\":\"personal\",\"n\":\"n1\"}\nframe")) << "without its identity";
}

TEST(EventCodec, AnAccessLossRoundTripsAndNeedsItsRoomIdentityAndFrame) {
  Event event(EventKind::access_lost, "secret");
  event.node = "n2";
  event.identity = "a:bob";
  event.frame = frame(R"({"type":"removed","room":"Secret"})");
  expect_same(round_trip(event), event);
  EXPECT_FALSE(decode("{\"k\":\"access_lost\",\"n\":\"n2\",\"i\":\"a:bob\"}\nframe"))
      << "without its room";
  EXPECT_FALSE(decode("{\"k\":\"access_lost\",\"n\":\"n2\",\"r\":\"secret\"}\nframe"))
      << "without its identity";
  EXPECT_FALSE(decode("{\"k\":\"access_lost\",\"n\":\"n2\",\"r\":\"secret\",\"i\":\"a:bob\"}\n"))
      << "without its frame";
}

TEST(EventCodec, RefusesDeepNestingWithoutCrashing) {
  const std::string deep = "{\"k\":\"heartbeat\",\"n\":\"n1\",\"x\":" + std::string(100000, '[') +
                           std::string(100000, ']') + "}\n";
  EXPECT_FALSE(decode(deep));
}

TEST(EventCodec, RefusesAnUnknownOrMissingKind) {
  EXPECT_FALSE(decode("{\"n\":\"n1\"}\n"));
  EXPECT_FALSE(decode("{\"k\":\"shout\",\"n\":\"n1\"}\n"));
  EXPECT_FALSE(decode("{\"k\":\"Heartbeat\",\"n\":\"n1\"}\n"));
  EXPECT_FALSE(decode("{\"k\":\"\",\"n\":\"n1\"}\n"));
  EXPECT_FALSE(decode("{\"k\":4,\"n\":\"n1\"}\n")) << "a kind is a name, not its number";
  EXPECT_FALSE(decode("{\"k\":null,\"n\":\"n1\"}\n"));
  EXPECT_FALSE(decode(std::string("{\"k\":\"heartbeat\\u0000\",\"n\":\"n1\"}\n")));
}

TEST(EventCodec, RefusesAnEventWithoutItsNode) {
  EXPECT_FALSE(decode("{\"k\":\"heartbeat\"}\n"));
  EXPECT_FALSE(decode("{\"k\":\"heartbeat\",\"n\":\"\"}\n"));
  EXPECT_FALSE(decode("{\"k\":\"heartbeat\",\"n\":7}\n"));
}

TEST(EventCodec, RefusesFieldsOfTheWrongType) {
  const std::string frame = "frame";
  EXPECT_FALSE(decode("{\"k\":\"message\",\"n\":\"n1\",\"r\":1,\"s\":1}\n" + frame));
  EXPECT_FALSE(decode("{\"k\":\"message\",\"n\":\"n1\",\"r\":\"x\",\"s\":\"1\"}\n" + frame));
  EXPECT_FALSE(decode("{\"k\":\"message\",\"n\":\"n1\",\"r\":\"x\",\"s\":true}\n" + frame));
  EXPECT_FALSE(decode("{\"k\":\"message\",\"n\":\"n1\",\"r\":\"x\",\"s\":[1]}\n" + frame));
  EXPECT_FALSE(decode("{\"k\":\"message\",\"n\":\"n1\",\"r\":\"x\",\"s\":1.5}\n" + frame));
  EXPECT_FALSE(
      decode("{\"k\":\"presence\",\"n\":\"n1\",\"r\":\"x\",\"i\":\"a:b\",\"u\":\"b\","
             "\"p\":1}\n"));
  EXPECT_FALSE(
      decode("{\"k\":\"presence\",\"n\":\"n1\",\"r\":\"x\",\"i\":\"a:b\",\"u\":\"b\","
             "\"p\":\"true\"}\n"));
  EXPECT_FALSE(
      decode("{\"k\":\"presence\",\"n\":\"n1\",\"r\":\"x\",\"i\":\"a:b\",\"u\":[\"b\"]}\n"));
  EXPECT_FALSE(
      decode("{\"k\":\"presence\",\"n\":\"n1\",\"r\":\"x\",\"rn\":{},\"i\":\"a:b\","
             "\"u\":\"b\"}\n"));
  EXPECT_FALSE(decode("{\"k\":\"typing\",\"n\":\"n1\",\"r\":\"x\",\"i\":null}\n" + frame));
  EXPECT_FALSE(decode("{\"k\":\"credential_ended\",\"n\":\"n1\",\"c\":12}\n"));
  EXPECT_FALSE(decode("{\"k\":\"heartbeat\",\"n\":\"n1\",\"ps\":{}}\n"));
  EXPECT_FALSE(decode("{\"k\":\"heartbeat\",\"n\":\"n1\",\"pos\":\"lobby\"}\n"));
}

TEST(EventCodec, RefusesANegativeOrHugeSeq) {
  const auto message_with_seq = [](std::string seq) {
    return "{\"k\":\"message\",\"n\":\"n1\",\"r\":\"x\",\"s\":" + seq + "}\nframe";
  };
  EXPECT_FALSE(decode(message_with_seq("-1")));
  EXPECT_FALSE(decode(message_with_seq("-9223372036854775808")));
  EXPECT_FALSE(decode(message_with_seq("18446744073709551616"))) << "2^64";
  EXPECT_FALSE(decode(message_with_seq("1e30")));
  EXPECT_FALSE(decode(message_with_seq("1e400")));
  EXPECT_FALSE(decode(message_with_seq("0"))) << "no message has seq 0";
  ASSERT_TRUE(decode(message_with_seq("18446744073709551615")));
  EXPECT_EQ(decode(message_with_seq("18446744073709551615"))->seq, UINT64_MAX);
  const auto heartbeat_at = [](std::string seq) {
    return "{\"k\":\"heartbeat\",\"n\":\"n1\",\"pos\":[[\"lobby\"," + seq + "]]}\n";
  };
  EXPECT_FALSE(decode(heartbeat_at("-1")));
  EXPECT_FALSE(decode(heartbeat_at("18446744073709551616")));
  EXPECT_FALSE(decode(heartbeat_at("\"3\"")));
  EXPECT_TRUE(decode(heartbeat_at("3")));
}

TEST(EventCodec, RefusesAMessageWithoutRoomSeqOrFrame) {
  EXPECT_TRUE(decode("{\"k\":\"message\",\"n\":\"n1\",\"r\":\"x\",\"s\":1}\nf"));
  EXPECT_FALSE(decode("{\"k\":\"message\",\"n\":\"n1\",\"s\":1}\nf")) << "no room";
  EXPECT_FALSE(decode("{\"k\":\"message\",\"n\":\"n1\",\"r\":\"\",\"s\":1}\nf")) << "empty room";
  EXPECT_FALSE(decode("{\"k\":\"message\",\"n\":\"n1\",\"r\":\"x\"}\nf")) << "no seq";
  EXPECT_FALSE(decode("{\"k\":\"message\",\"n\":\"n1\",\"r\":\"x\",\"s\":1}\n")) << "no frame";
}

TEST(EventCodec, RefusesTypingWithoutRoomIdentityOrFrame) {
  EXPECT_TRUE(decode("{\"k\":\"typing\",\"n\":\"n1\",\"r\":\"x\",\"i\":\"a:b\"}\nf"));
  EXPECT_FALSE(decode("{\"k\":\"typing\",\"n\":\"n1\",\"i\":\"a:b\"}\nf"));
  EXPECT_FALSE(decode("{\"k\":\"typing\",\"n\":\"n1\",\"r\":\"x\"}\nf"));
  EXPECT_FALSE(decode("{\"k\":\"typing\",\"n\":\"n1\",\"r\":\"x\",\"i\":\"a:b\"}\n"));
}

TEST(EventCodec, RefusesPresenceWithoutRoomIdentityOrUser) {
  EXPECT_TRUE(decode("{\"k\":\"presence\",\"n\":\"n1\",\"r\":\"x\",\"i\":\"a:b\",\"u\":\"b\"}\n"));
  EXPECT_FALSE(decode("{\"k\":\"presence\",\"n\":\"n1\",\"i\":\"a:b\",\"u\":\"b\"}\n"));
  EXPECT_FALSE(decode("{\"k\":\"presence\",\"n\":\"n1\",\"r\":\"x\",\"u\":\"b\"}\n"));
  EXPECT_FALSE(decode("{\"k\":\"presence\",\"n\":\"n1\",\"r\":\"x\",\"i\":\"a:b\"}\n"));
}

TEST(EventCodec, RefusesAnEndedCredentialWithoutItsSubject) {
  EXPECT_TRUE(decode("{\"k\":\"credential_ended\",\"n\":\"n1\",\"c\":\"t:1\"}\n"));
  EXPECT_FALSE(decode("{\"k\":\"credential_ended\",\"n\":\"n1\"}\n"));
  EXPECT_FALSE(decode("{\"k\":\"credential_ended\",\"n\":\"n1\",\"c\":\"\"}\n"));
}

TEST(EventCodec, RefusesSnapshotEntriesOfTheWrongShape) {
  const auto heartbeat_with = [](std::string entries) {
    return "{\"k\":\"heartbeat\",\"n\":\"n1\",\"ps\":" + entries + "}\n";
  };
  EXPECT_TRUE(decode(heartbeat_with(R"([["lobby","Lobby","a:alice","alice"]])")));
  EXPECT_FALSE(decode(heartbeat_with(R"([["lobby","Lobby","a:alice"]])"))) << "three";
  EXPECT_FALSE(decode(heartbeat_with(R"([["lobby","Lobby","a:alice","alice","x"]])"))) << "five";
  EXPECT_FALSE(decode(heartbeat_with(R"([["lobby","Lobby","a:alice",7]])")));
  EXPECT_FALSE(decode(heartbeat_with(R"([["lobby","Lobby","a:alice",null]])")));
  EXPECT_FALSE(decode(heartbeat_with(R"(["lobby"])")));
  EXPECT_FALSE(decode(heartbeat_with(R"([{"r":"lobby"}])")));
  EXPECT_FALSE(decode(heartbeat_with(R"([[]])")));
  EXPECT_FALSE(decode(heartbeat_with(R"([["lobby","Lobby","a:alice","alice"],3])")))
      << "one bad entry among good ones";
  const auto positions = [](std::string entries) {
    return "{\"k\":\"heartbeat\",\"n\":\"n1\",\"pos\":" + entries + "}\n";
  };
  EXPECT_FALSE(decode(positions(R"([["lobby"]])")));
  EXPECT_FALSE(decode(positions(R"([["lobby",1,2]])")));
  EXPECT_FALSE(decode(positions(R"([[1,"lobby"]])")));
  EXPECT_FALSE(decode(positions(R"([5])")));
}

TEST(EventCodec, RefusesEveryCutOfAValidEventWithoutCrashing) {
  Event event(EventKind::heartbeat);
  event.node = "n1";
  event.snapshot = {{"lobby", "Lobby", "a:alice", "alice"}};
  event.positions = {{"lobby", 9}};
  const std::string bytes = encode_event(event);
  const std::size_t header_end = bytes.find('\n');
  for (std::size_t length = 0; length < header_end; ++length) {
    EXPECT_FALSE(decode(bytes.substr(0, length) + "\n")) << length;
  }
}

}  // namespace
}  // namespace parley::bus
