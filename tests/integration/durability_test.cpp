// Durability: what was acked survives a crash (kill -9) of the server, with
// the same seq and text, and idempotency holds across restarts.
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "history.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

class DurabilityTest : public ChatTest {};

const std::vector<std::string> kDurableServer = {"--store", "sqlite", "--replay-limit", "100000"};

struct BurstOutcome {
  AckedMessages acked;
  int sent = 0;
  std::string failure;
};

// Sends `count` messages without waiting for acks, noting each ack, until
// done or the connection is cut; then reads the acks still in flight. Starts
// sending once every sender has joined (`joined` reaches `senders`): on a
// busy machine one sender could otherwise reach the kill alone, before the
// other connected.
void send_until_cut(std::uint16_t port, const std::string& name, int count, int senders,
                    std::atomic<int>& joined, std::atomic<int>& acked_total,
                    BurstOutcome& outcome) {
  try {
    WsClient client;
    if (client.connect(port, name_target(name)) != kSwitchingProtocols) {
      throw std::runtime_error("cannot connect");
    }
    client.expect("hello");
    join(client, "lobby");
    ++joined;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (joined < senders) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("alone");
      std::this_thread::sleep_for(1ms);
    }
    std::map<std::string, std::string> texts;
    const auto note_acks = [&](const std::vector<Frame>& frames) {
      for (const Frame& frame : frames) {
        if (!has_type(frame, "ack")) continue;
        const std::string id = string_field(frame, "id");
        outcome.acked[id] = {seq_of(frame), texts.at(id)};
        ++acked_total;
      }
    };
    for (int i = 0; i < count; ++i) {
      const std::string id = name + "-" + std::to_string(i);
      texts[id] = "durable " + id + " caf\xC3\xA9 \xE2\x9C\x93";
      if (!client.send_json(frames::send("lobby", texts[id], id))) break;
      ++outcome.sent;
      note_acks(client.take_received());
    }
    while (!client.is_closed() && static_cast<int>(outcome.acked.size()) < outcome.sent) {
      if (auto frame = client.next_frame(10s)) {
        note_acks({*frame});
      } else if (!client.is_closed()) {
        throw std::runtime_error("acks stopped coming while connected");
      }
    }
  } catch (const std::exception& error) {
    outcome.failure = name + ": " + error.what();
  }
}

TEST_F(DurabilityTest, AckedMessagesSurviveKill9DuringABurst) {
  constexpr int kPerSender = 2500;
  constexpr int kKillAfterAcks = 1500;
  start_server(kDurableServer);
  std::atomic<int> acked_total{0};
  std::atomic<int> joined{0};
  std::vector<BurstOutcome> outcomes(2);
  std::vector<std::thread> senders;
  for (int s = 0; s < 2; ++s) {
    senders.emplace_back(send_until_cut, server().port(), "sender" + std::to_string(s), kPerSender,
                         2, std::ref(joined), std::ref(acked_total), std::ref(outcomes[s]));
  }
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (acked_total < kKillAfterAcks && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100us);
  }
  server().kill_hard();
  for (std::thread& sender : senders) sender.join();

  AckedMessages acked;
  int sent = 0;
  for (const BurstOutcome& outcome : outcomes) {
    EXPECT_TRUE(outcome.failure.empty()) << outcome.failure;
    acked.insert(outcome.acked.begin(), outcome.acked.end());
    sent += outcome.sent;
  }
  ASSERT_GE(acked.size(), static_cast<std::size_t>(kKillAfterAcks)) << "the burst was too slow";
  RecordProperty("acked_before_kill", static_cast<int>(acked.size()));
  RecordProperty("sent_before_kill", sent);
  if (static_cast<int>(acked.size()) == 2 * kPerSender) {
    std::cerr << "note: every message was acked before the kill\n";
  }

  server().restart();
  const auto history = read_history(server().port(), "lobby");
  EXPECT_GE(history.size(), acked.size());
  EXPECT_LE(history.size(), static_cast<std::size_t>(sent)) << "nothing stored that was not sent";
  expect_history_keeps(history, acked);
}

// A resend after the server restarted (politely or not) is acked with the
// first seq and stores and broadcasts nothing new.
void check_resend_after_restart(ServerProcess& server, bool crash) {
  AckedMessages acked;
  {
    WsClient alice;
    ASSERT_EQ(alice.connect(server.port(), name_target("alice")), kSwitchingProtocols);
    join(alice, "lobby");
    acked["x1"] = {send_and_ack(alice, "lobby", "first", "x1"), "first"};
    acked["x2"] = {send_and_ack(alice, "lobby", "second", "x2"), "second"};
    ASSERT_EQ(acked["x1"].seq, 1u);
    ASSERT_EQ(acked["x2"].seq, 2u);
  }
  if (crash) {
    server.kill_hard();
  } else {
    const ExitStatus exit = server.terminate();
    ASSERT_TRUE(exit.exited && exit.code == 0) << "exit code " << exit.code;
  }
  server.restart();

  WsClient alice;
  ASSERT_EQ(alice.connect(server.port(), name_target("alice")), kSwitchingProtocols);
  WsClient bob;
  ASSERT_EQ(bob.connect(server.port(), name_target("bob")), kSwitchingProtocols);
  EXPECT_EQ(seq_of(join(alice, "lobby")), 2u);
  EXPECT_EQ(seq_of(join(bob, "lobby")), 2u);
  ASSERT_TRUE(alice.send_json(frames::send("lobby", "first", "x1")));
  const auto frames = alice.collect_through("ack");
  EXPECT_EQ(seq_of(frames.back()), 1u) << "the first seq of x1";
  for (const Frame& frame : frames) {
    EXPECT_FALSE(has_type(frame, "message")) << "a resend is not broadcast: " << to_text(frame);
  }
  acked["x3"] = {send_and_ack(alice, "lobby", "third", "x3"), "third"};
  EXPECT_EQ(acked["x3"].seq, 3u);
  EXPECT_EQ(seqs_of(messages_through(bob, "lobby", 3)), std::vector<std::uint64_t>{3});
  const auto history = read_history(server.port(), "lobby");
  EXPECT_EQ(history.size(), 3u);
  expect_history_keeps(history, acked);
}

TEST_F(DurabilityTest, ResentIdAfterRestartIsAckedWithTheFirstSeq) {
  start_server(kDurableServer);
  check_resend_after_restart(server(), false);
}

TEST_F(DurabilityTest, ResentIdAfterCrashIsAckedWithTheFirstSeq) {
  start_server(kDurableServer);
  check_resend_after_restart(server(), true);
}

TEST_F(DurabilityTest, ASecondServerOnTheSameDataFolderRefusesToStart) {
  // With PostgreSQL the data folder holds no database, and nodes share one.
  if (is_postgres_run()) GTEST_SKIP() << "the data folder's lock guards the SQLite file only";
  start_server({"--store", "sqlite"});
  const std::string log = (server().data_dir() / "second.log").string();
  // `timeout`: a second server that started would otherwise run on.
  const std::string command = "timeout 10 " + parley_binary_path() + " --port 0 --data-dir " +
                              server().data_dir().string() + " 2>" + log;
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << "124: it started and ran until the timeout";
  std::ifstream file(log);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("another parley is using"), std::string::npos) << text;
  // The first one goes on serving.
  auto alice = connect("alice");
  join(*alice, "lobby");
  EXPECT_EQ(send_and_ack(*alice, "lobby", "still here", "s1"), 1u);
}

}  // namespace
}  // namespace parley::test
