// One user streaming typing frames costs the others nothing: typing is
// relayed at most once per interval per user and room, a flood of frames
// other than sends pauses the flooder's reads, and the members of the room
// stay connected and keep receiving every message.
#include <thread>

#include "api_test.hpp"
#include "support/raw_ws_client.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

class TypingFloodTest : public ApiTest {};

TEST_F(TypingFloodTest, MembersStayConnectedAndReceiveEveryMessageWhileOneUserFloodsTyping) {
  start_server();
  std::vector<std::unique_ptr<WsClient>> members;
  for (int i = 0; i < 3; ++i) {
    auto member = std::make_unique<WsClient>();
    member->set_receive_buffer_bytes(16384);
    ASSERT_EQ(member->connect(port(), "/ws?name=member" + std::to_string(i)), kSwitchingProtocols);
    member->expect("hello");
    join_room(*member, "lobby");
    members.push_back(std::move(member));
  }
  auto talker = connect_ws("/ws?name=talker");
  join_room(*talker, "lobby");

  RawWsClient flooder;
  ASSERT_EQ(flooder.connect(port(), "/ws?name=flooder"), kSwitchingProtocols);
  ASSERT_TRUE(flooder.send_bytes(
      encode_client_frame(Opcode::text, boost::json::serialize(frames::join("lobby")))));
  // 20,000 typing frames in one stream (under 1 MB: the kernel's buffers
  // take it all even while the server does not read).
  std::string flood;
  const std::string one =
      encode_client_frame(Opcode::text, boost::json::serialize(frames::typing("lobby")));
  for (int i = 0; i < 20000; ++i) flood += one;
  ASSERT_TRUE(flooder.send_bytes(flood));

  // Meanwhile the talker talks and every member reads.
  constexpr int kMessages = 20;
  std::vector<std::vector<std::uint64_t>> seqs(members.size());
  std::vector<int> typing_seen(members.size(), 0);
  const auto read_members = [&](Duration quiet) {
    for (std::size_t m = 0; m < members.size(); ++m) {
      for (const Frame& frame : members[m]->take_within(quiet)) {
        if (has_type(frame, "message")) seqs[m].push_back(seq_of(frame));
        if (has_type(frame, "typing") && string_field(frame, "user") == "flooder") ++typing_seen[m];
      }
    }
  };
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(talker->send_json(
        frames::send("lobby", "message " + std::to_string(i), "t" + std::to_string(i))));
    read_members(100ms);
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    bool all = true;
    for (const auto& got : seqs) all = all && got.size() >= kMessages;
    if (all) break;
    read_members(100ms);
  }

  for (std::size_t m = 0; m < members.size(); ++m) {
    EXPECT_FALSE(members[m]->is_closed()) << "member" << m << " was closed";
    EXPECT_EQ(seqs[m].size(), static_cast<std::size_t>(kMessages)) << "member" << m;
    // A few seconds of flooding: one relay per 3 s interval, not thousands.
    EXPECT_LE(typing_seen[m], 4) << "member" << m << " got the flooder's typing frames";
    EXPECT_GE(typing_seen[m], 1) << "member" << m << " never heard that flooder types";
  }
  const auto metrics = new_client()->get("/metrics").body;
  EXPECT_NE(metrics.find("parley_ws_reads_throttled_total"), std::string::npos);
  EXPECT_EQ(metrics.find("parley_ws_reads_throttled_total 0\n"), std::string::npos)
      << "the flooder's reads were never paused";
  EXPECT_NE(metrics.find("parley_ws_slow_clients_closed_total 0\n"), std::string::npos)
      << "someone was closed as a slow reader";
  // The flooder is slowed down, not thrown out: three members, the talker
  // and the flooder are all still connected.
  EXPECT_NE(metrics.find("parley_ws_sessions 5\n"), std::string::npos)
      << "a connection was dropped:\n"
      << metrics;
}

TEST_F(TypingFloodTest, AClientPastItsFrameAllowanceIsPausedNotDropped) {
  start_server();
  // Rejoining 600 rooms after a reconnect: more joins at once than the
  // allowance's burst (500); the rest go as it refills.
  RawWsClient client;
  ASSERT_EQ(client.connect(port(), "/ws?name=rejoiner"), kSwitchingProtocols);
  std::string joins;
  constexpr int kRooms = 600;
  for (int i = 0; i < kRooms; ++i) {
    joins += encode_client_frame(Opcode::text,
                                 boost::json::serialize(frames::join("r" + std::to_string(i))));
  }
  ASSERT_TRUE(client.send_bytes(joins));
  int joined = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (joined < kRooms && std::chrono::steady_clock::now() < deadline) {
    const auto frame = client.next_frame(5000ms);
    if (!frame) break;
    if (frame->payload.find(R"("type":"joined")") != std::string::npos) ++joined;
  }
  EXPECT_EQ(joined, kRooms) << "the connection ended: " << client.ended();
  ASSERT_TRUE(
      client.send_bytes(encode_client_frame(Opcode::text, boost::json::serialize(frames::ping()))));
  bool pong = false;
  while (!pong) {
    const auto frame = client.next_frame(5000ms);
    if (!frame) break;
    pong = frame->payload.find(R"("type":"pong")") != std::string::npos;
  }
  EXPECT_TRUE(pong) << "no pong after the joins";
}

// A paused session holds itself; it must let go when it ends, or the server
// leaks it (LeakSanitizer, in the sanitizer build, makes that an exit code).
TEST_F(TypingFloodTest, AServerStopsCleanlyWhileAClientIsPausedForItsAllowance) {
  start_server();
  RawWsClient client;
  ASSERT_EQ(client.connect(port(), "/ws?name=paused"), kSwitchingProtocols);
  std::string pings;
  for (int i = 0; i < 2000; ++i) {
    pings += encode_client_frame(Opcode::text, boost::json::serialize(frames::ping()));
  }
  ASSERT_TRUE(client.send_bytes(pings));
  // Paused once its burst is spent: wait for the server to say so.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (new_client()->get("/metrics").body.find("parley_ws_reads_throttled_total 0\n") !=
             std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  const ExitStatus status = server().terminate();
  EXPECT_TRUE(status.exited) << "ended by signal " << status.signal;
  EXPECT_EQ(status.code, 0) << "a paused session was not let go (a leak under LeakSanitizer)";
}

}  // namespace
}  // namespace parley::test
