// Unit tests of the tool's own parts that can be wrong quietly: the frame
// scanner, the WebSocket framing, the sequence tracker, the histogram and the
// spreading of clients over nodes.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "frame_scanner.hpp"
#include "histogram.hpp"
#include "http_answer.hpp"
#include "nodes.hpp"
#include "seq_tracker.hpp"
#include "ws_framing.hpp"

namespace parley::bench {
namespace {

TEST(FrameScanner, ReadsTheFieldsOfAMessageInAnyOrder) {
  ScannedFrame frame;
  ASSERT_TRUE(
      scan_frame(R"({"seq":42,"type":"message","members":[{"a":"}"},["]"]],"room":"r-1","ts":1,)"
                 R"("user":"u","text":"t=123 x\"y","id":"7"})",
                 frame));
  EXPECT_EQ(frame.type, "message");
  EXPECT_EQ(frame.room, "r-1");
  EXPECT_TRUE(frame.has_seq);
  EXPECT_EQ(frame.seq, 42u);
  EXPECT_EQ(frame.text, R"(t=123 x\"y)");
  EXPECT_EQ(frame.id, "7");
  EXPECT_EQ(parse_send_time(frame.text), 123u);
}

TEST(FrameScanner, RefusesWhatIsNotAnObject) {
  ScannedFrame frame;
  EXPECT_FALSE(scan_frame(R"({"type":"message")", frame));
  EXPECT_FALSE(scan_frame(R"(["type"])", frame));
  EXPECT_FALSE(scan_frame(R"({"type" "x"})", frame));
  EXPECT_TRUE(scan_frame(R"( { } )", frame));
}

TEST(FrameScanner, WalksAPollAnswer) {
  std::vector<std::uint64_t> seqs;
  std::uint64_t last_seq = 0;
  ASSERT_TRUE(scan_message_page(
      R"({"room":"r","messages":[{"seq":5,"text":"t=1"},{"type":"message","seq":6}],"last_seq":9})",
      last_seq, [&](const ScannedFrame& m) { seqs.push_back(m.seq); }));
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{5, 6}));
  EXPECT_EQ(last_seq, 9u);
  ASSERT_TRUE(scan_message_page(R"({"room":"r","messages":[],"last_seq":3})", last_seq,
                                [&](const ScannedFrame&) { FAIL(); }));
  EXPECT_EQ(last_seq, 3u);
}

TEST(FrameScanner, FindsATopLevelStringField) {
  EXPECT_EQ(find_string_field(R"({"user":"a","csrf_token":"xyz"})", "csrf_token"), "xyz");
  EXPECT_FALSE(find_string_field(R"({"nested":{"csrf_token":"xyz"}})", "csrf_token"));
  EXPECT_FALSE(parse_send_time("hello"));
}

TEST(WsFraming, ReadsShortAndExtendedLengths) {
  const std::string small = "\x81\x05hello";
  auto header = parse_frame_header(small);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->opcode, Opcode::text);
  EXPECT_EQ(header->header_bytes, 2u);
  EXPECT_EQ(header->payload_bytes, 5u);

  const std::string medium = std::string("\x81\x7e\x01\x00", 4);
  header = parse_frame_header(medium);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->header_bytes, 4u);
  EXPECT_EQ(header->payload_bytes, 256u);
  EXPECT_FALSE(parse_frame_header(medium.substr(0, 3)));

  const std::string large = std::string("\x82\x7f\0\0\0\0\0\x01\0\0", 10);
  header = parse_frame_header(large);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->opcode, Opcode::binary);
  EXPECT_EQ(header->payload_bytes, 65536u);
}

TEST(WsFraming, MasksClientFramesSoTheyUnmaskBack) {
  const std::string payload(300, 'a');
  std::string frame;
  append_client_frame(frame, Opcode::text, payload, 0x01020304);
  const auto header = parse_frame_header(frame);
  ASSERT_TRUE(header);
  EXPECT_TRUE(header->masked);
  ASSERT_EQ(frame.size(), header->header_bytes + payload.size());
  const char* mask = frame.data() + header->header_bytes - 4;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    ASSERT_EQ(frame[header->header_bytes + i] ^ mask[i % 4], 'a');
  }
}

TEST(SeqTracker, CountsDuplicatesReorderingAndGaps) {
  SeqTracker tracker;
  tracker.start(10);
  EXPECT_TRUE(tracker.record(11));
  EXPECT_TRUE(tracker.record(13));
  EXPECT_FALSE(tracker.record(13));  // twice
  EXPECT_TRUE(tracker.record(12));   // late
  EXPECT_FALSE(tracker.record(9));   // before the join
  EXPECT_TRUE(tracker.record(200));
  EXPECT_EQ(tracker.distinct(), 4u);
  EXPECT_EQ(tracker.duplicated(), 2u);
  EXPECT_EQ(tracker.out_of_order(), 1u);
  EXPECT_EQ(tracker.missing_up_to(13), 0u);
  EXPECT_EQ(tracker.missing_up_to(200), 186u);
  EXPECT_EQ(tracker.missing_up_to(300), 286u);
  EXPECT_EQ(tracker.missing_up_to(5), 0u);
}

TEST(Histogram, PercentilesAreWithinTheBucketPrecision) {
  Histogram histogram;
  for (std::uint64_t value = 1; value <= 100'000; ++value) histogram.record(value * 1000);
  EXPECT_EQ(histogram.count(), 100'000u);
  EXPECT_EQ(histogram.max(), 100'000'000u);
  EXPECT_EQ(histogram.min(), 1000u);
  const auto near = [](std::uint64_t got, double want) {
    return std::abs(static_cast<double>(got) - want) <= want / 64;
  };
  EXPECT_TRUE(near(histogram.percentile(50), 50'000'000));
  EXPECT_TRUE(near(histogram.percentile(99), 99'000'000));
  EXPECT_TRUE(near(histogram.percentile(99.9), 99'900'000));
  EXPECT_EQ(histogram.percentile(100), 100'000'000u);

  Histogram other;
  other.record(5);
  histogram.merge(other);
  EXPECT_EQ(histogram.min(), 5u);
  EXPECT_EQ(histogram.percentile(0.0001), 5u);
}

TEST(HttpAnswer, SplitsAnswersByContentLength) {
  const std::string two =
      "HTTP/1.1 200 OK\r\nset-cookie: s=abc; HttpOnly\r\nContent-Length: 2\r\n\r\n{}"
      "HTTP/1.1 409 Conflict\r\nContent-Length: 0\r\n\r\n";
  HttpAnswer answer;
  ASSERT_EQ(parse_http_answer(two, answer), AnswerState::complete);
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body, "{}");
  EXPECT_EQ(find_header(answer.headers, "Set-Cookie"), "s=abc; HttpOnly");
  ASSERT_EQ(parse_http_answer(std::string_view(two).substr(answer.total_bytes), answer),
            AnswerState::complete);
  EXPECT_EQ(answer.status, 409u);
  EXPECT_EQ(answer.body, "");
  EXPECT_EQ(parse_http_answer(std::string_view(two).substr(0, 50), answer),
            AnswerState::incomplete);
  EXPECT_EQ(parse_http_answer(two.substr(0, 60), answer), AnswerState::incomplete);
  EXPECT_EQ(parse_http_answer("HTTP/1.1 2x0 OK\r\n\r\n", answer), AnswerState::malformed);
}

TEST(HttpAnswer, BuildsRequests) {
  EXPECT_EQ(build_request("GET", "/a?b=1", "h:1", "s=x", "t", ""),
            "GET /a?b=1 HTTP/1.1\r\nHost: h:1\r\nCookie: s=x\r\n\r\n");
  EXPECT_EQ(build_request("POST", "/p", "h:1", "", "", "{}"),
            "POST /p HTTP/1.1\r\nHost: h:1\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\n\r\n{}");
}

TEST(Nodes, ReadsOnePortOrSeveral) {
  EXPECT_EQ(parse_ports("8000"), (std::vector<std::uint16_t>{8000}));
  EXPECT_EQ(parse_ports("8001,8002,8003"), (std::vector<std::uint16_t>{8001, 8002, 8003}));
  EXPECT_EQ(parse_ports("65535,1"), (std::vector<std::uint16_t>{65535, 1}));
}

TEST(Nodes, RefusesMalformedPortLists) {
  for (const char* list : {"", "0", "65536", "8001,", ",8001", "8001,,8002", "8001 ,8002", "80a",
                           "-1", "8001,8001", "99999999999999999999"}) {
    EXPECT_FALSE(parse_ports(list)) << list;
  }
}

TEST(Nodes, OneNodeTakesEveryone) {
  for (std::size_t room = 0; room < 5; ++room) {
    for (std::size_t member = 0; member < 5; ++member) EXPECT_EQ(node_of(member, room, 1), 0u);
  }
}

TEST(Nodes, SpreadsTheMembersOfEachRoomRoundRobin) {
  constexpr std::size_t kNodes = 3;
  for (std::size_t room = 0; room < 4; ++room) {
    std::vector<std::size_t> per_node(kNodes);
    for (std::size_t member = 0; member < 10; ++member) {
      const std::size_t node = node_of(member, room, kNodes);
      ASSERT_LT(node, kNodes);
      ++per_node[node];
      // Neighbours in a room never share a node, so a sender's message
      // reaches the next members through Redis.
      if (member > 0) {
        EXPECT_NE(node, node_of(member - 1, room, kNodes));
      }
    }
    EXPECT_EQ(*std::max_element(per_node.begin(), per_node.end()) -
                  *std::min_element(per_node.begin(), per_node.end()),
              1u);
  }
}

TEST(Nodes, SpreadsSmallRoomsAndTheirSendersOverEveryNode) {
  // Rooms of two over three nodes: every node gets its share, and the senders
  // (member 0 of each room) are on every node too.
  constexpr std::size_t kNodes = 3;
  std::vector<std::size_t> members(kNodes), senders(kNodes);
  for (std::size_t room = 0; room < 30; ++room) {
    ++senders[node_of(0, room, kNodes)];
    for (std::size_t member = 0; member < 2; ++member) ++members[node_of(member, room, kNodes)];
    EXPECT_NE(node_of(0, room, kNodes), node_of(1, room, kNodes));
  }
  EXPECT_EQ(members, (std::vector<std::size_t>{20, 20, 20}));
  EXPECT_EQ(senders, (std::vector<std::size_t>{10, 10, 10}));
}

}  // namespace
}  // namespace parley::bench
