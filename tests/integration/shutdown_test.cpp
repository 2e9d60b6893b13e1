// SIGTERM: clients are closed with 1001, the process exits 0 within five
// seconds, and what was acked before is kept.
#include <signal.h>

#include "history.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

class ShutdownTest : public ChatTest {};

TEST_F(ShutdownTest, SigtermClosesEveryClientWith1001) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");  // in no room
  server().send_signal(SIGTERM);
  EXPECT_EQ(alice->wait_for_close(6s), 1001);
  EXPECT_EQ(bob->wait_for_close(6s), 1001);
}

TEST_F(ShutdownTest, SigtermExitsZeroWithinFiveSeconds) {
  start_server(kSqliteStore);
  auto alice = connect("alice");
  join(*alice, "lobby");
  send_and_ack(*alice, "lobby", "hello", "m1");
  auto bob = connect("bob");
  join(*bob, "lobby");
  server().send_signal(SIGTERM);
  alice->wait_for_close(6s);
  bob->wait_for_close(6s);
  const auto exit = server().wait_for_exit(10s);
  ASSERT_TRUE(exit) << "still running 10 s after SIGTERM";
  EXPECT_TRUE(exit->exited) << "killed by signal " << exit->signal;
  EXPECT_EQ(exit->code, 0);
  EXPECT_LT(exit->elapsed, 5s) << "took " << exit->elapsed.count() << " ms";
}

// A client that never answers the close cannot hold the server beyond its
// --shutdown-timeout (a named limit, tested here at 2 s rather than its
// default 4 s to keep the suite fast).
TEST_F(ShutdownTest, SigtermExitsWithinTheShutdownTimeoutDespiteAClientThatNeverReads) {
  start_server({"--store", "memory", "--shutdown-timeout", "2", "--close-timeout", "1"});
  auto deaf = std::make_unique<WsClient>();
  deaf->set_receive_buffer_bytes(4096);
  ASSERT_EQ(deaf->connect(server().port(), name_target("deaf")), kSwitchingProtocols);
  // From here on `deaf` is never called: it cannot answer the close.
  const ExitStatus exit = server().terminate(10s);
  EXPECT_FALSE(exit.timed_out) << "still running 10 s after SIGTERM";
  EXPECT_TRUE(exit.exited && exit.code == 0) << "code " << exit.code << ", signal " << exit.signal;
  EXPECT_LT(exit.elapsed, 3500ms) << "took " << exit.elapsed.count() << " ms";
}

TEST_F(ShutdownTest, MessagesAckedBeforeSigtermAreKept) {
  constexpr int kBurst = 400;
  start_server({"--store", "sqlite", "--replay-limit", "100000"});
  auto alice = connect("alice");
  join(*alice, "lobby");
  std::map<std::string, std::string> texts;
  for (int i = 0; i < kBurst; ++i) {
    const std::string id = "m" + std::to_string(i);
    texts[id] = "kept " + id;
    ASSERT_TRUE(alice->send_json(frames::send("lobby", texts[id], id)));
  }
  // SIGTERM while the burst is being committed: after some acks, not all.
  constexpr std::size_t kAcksBeforeSigterm = 100;
  AckedMessages acked;
  const auto note_ack = [&](const Frame& frame) {
    if (!has_type(frame, "ack")) return;
    const std::string id = string_field(frame, "id");
    acked[id] = {seq_of(frame), texts[id]};
  };
  while (acked.size() < kAcksBeforeSigterm) {
    const auto frame = alice->next_frame();
    ASSERT_TRUE(frame) << "after " << acked.size() << " acks";
    note_ack(*frame);
  }
  server().send_signal(SIGTERM);
  while (auto frame = alice->next_frame(6s)) note_ack(*frame);
  EXPECT_TRUE(alice->is_closed());
  EXPECT_EQ(alice->wait_for_close(0s), 1001);
  const auto exit = server().wait_for_exit(10s);
  ASSERT_TRUE(exit && exit->exited && exit->code == 0);

  server().restart();
  const auto history = read_history(server().port(), "lobby");
  expect_history_keeps(history, acked);
  RecordProperty("acked_before_close", static_cast<int>(acked.size()));
}

}  // namespace
}  // namespace parley::test
