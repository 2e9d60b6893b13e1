// When a WebSocket connection may read its next frame, without a socket:
// sends in flight at --max-in-flight-sends, joins and their replays, a join
// with `since` behind earlier sends, and the frame allowance at its edges on
// a manual clock.
#include "ws/read_gate.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace parley::transport::ws {
namespace {

using namespace std::chrono_literals;
using Verdict = ReadGate::Verdict;

// The manual clock the gates of these tests refill by.
ReadGate::TimePoint test_time{};
ReadGate::TimePoint read_test_clock() {
  return test_time;
}

class ReadGateTest : public ::testing::Test {
 protected:
  void SetUp() override { test_time = ReadGate::TimePoint{} + 1h; }
  static ReadGate gate_with(ReadGate::Limits limits) { return ReadGate(limits, &read_test_clock); }
  static void advance(std::chrono::steady_clock::duration by) { test_time += by; }
};

protocol::JoinCommand join_command(std::optional<std::uint64_t> since) {
  return protocol::JoinCommand{*core::RoomName::parse("lobby"), since, std::nullopt};
}

TEST_F(ReadGateTest, ReadsAtFirst) {
  ReadGate gate = gate_with({});
  EXPECT_EQ(gate.check(), Verdict::read);
  EXPECT_FALSE(gate.is_paused());
}

TEST_F(ReadGateTest, SendsAwaitingTheirAcksHoldReadsBackAtTheLimit) {
  ReadGate gate = gate_with({.max_in_flight_sends = 2});
  gate.start_send();
  EXPECT_EQ(gate.check(), Verdict::read) << "one below the limit";
  gate.start_send();
  EXPECT_EQ(gate.check(), Verdict::wait_for_acks);
  EXPECT_FALSE(gate.finish_send());
  EXPECT_EQ(gate.check(), Verdict::read);
}

TEST_F(ReadGateTest, AJoinHoldsReadsBackUntilItIsDone) {
  ReadGate gate = gate_with({});
  gate.start_join();
  EXPECT_EQ(gate.check(), Verdict::wait_for_join);
  gate.finish_join(ReadGate::Replay::written);
  EXPECT_EQ(gate.check(), Verdict::read);
}

TEST_F(ReadGateTest, AJoinWhoseReplayIsQueuedWaitsForItToBeWritten) {
  ReadGate gate = gate_with({});
  gate.start_join();
  gate.finish_join(ReadGate::Replay::unwritten);
  EXPECT_TRUE(gate.is_waiting_for_replay());
  EXPECT_EQ(gate.check(), Verdict::wait_for_join);
  gate.finish_replay();
  EXPECT_FALSE(gate.is_waiting_for_replay());
  EXPECT_EQ(gate.check(), Verdict::read);
}

TEST_F(ReadGateTest, AJoinWithSinceWaitsForTheAcksOfEarlierSends) {
  ReadGate gate = gate_with({});
  gate.start_send();
  gate.start_send();
  EXPECT_FALSE(gate.admit_join(join_command(7)));
  EXPECT_EQ(gate.check(), Verdict::wait_for_join) << "nothing overtakes the waiting join";
  EXPECT_FALSE(gate.finish_send()) << "one ack is still awaited";
  const std::optional<protocol::JoinCommand> join = gate.finish_send();
  ASSERT_TRUE(join);
  EXPECT_EQ(join->since, 7u);
  EXPECT_EQ(gate.check(), Verdict::wait_for_join) << "until the join itself is done";
}

TEST_F(ReadGateTest, AJoinStartsAtOnceWithoutSinceOrWithoutSendsInFlight) {
  ReadGate gate = gate_with({});
  EXPECT_TRUE(gate.admit_join(join_command(7)));
  gate.start_send();
  EXPECT_TRUE(gate.admit_join(join_command(std::nullopt)));
  EXPECT_EQ(gate.check(), Verdict::read) << "admitting is not starting";
}

TEST_F(ReadGateTest, TheAllowanceLetsABurstThroughThenWaits) {
  ReadGate gate = gate_with({.frame_rate = 2, .frame_burst = 3});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(gate.check(), Verdict::read);
    gate.spend_frame_allowance();
  }
  EXPECT_EQ(gate.check(), Verdict::wait_for_allowance);
}

TEST_F(ReadGateTest, TheAllowanceRefillsAtItsRate) {
  ReadGate gate = gate_with({.frame_rate = 2, .frame_burst = 1});
  gate.spend_frame_allowance();
  advance(499ms);
  EXPECT_EQ(gate.check(), Verdict::wait_for_allowance) << "just short of one frame";
  advance(1ms);
  EXPECT_EQ(gate.check(), Verdict::read) << "half a second at two a second";
}

TEST_F(ReadGateTest, TheAllowanceRefillsNoFurtherThanTheBurst) {
  ReadGate gate = gate_with({.frame_rate = 10, .frame_burst = 3});
  gate.spend_frame_allowance();
  gate.spend_frame_allowance();
  gate.spend_frame_allowance();
  advance(1h);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(gate.check(), Verdict::read);
    gate.spend_frame_allowance();
  }
  EXPECT_EQ(gate.check(), Verdict::wait_for_allowance);
}

TEST_F(ReadGateTest, AFullAllowanceStartsRefillingWhenFirstSpent) {
  ReadGate gate = gate_with({.frame_rate = 1, .frame_burst = 1});
  advance(10s);  // full all along: nothing saved up
  gate.spend_frame_allowance();
  advance(999ms);
  EXPECT_EQ(gate.check(), Verdict::wait_for_allowance);
  advance(1ms);
  EXPECT_EQ(gate.check(), Verdict::read);
}

TEST_F(ReadGateTest, ARateOfZeroMeansNoAllowance) {
  ReadGate gate = gate_with({.frame_rate = 0, .frame_burst = 0});
  for (int i = 0; i < 1000; ++i) gate.spend_frame_allowance();
  EXPECT_EQ(gate.check(), Verdict::read);
}

TEST_F(ReadGateTest, AcksAreCheckedBeforeTheAllowance) {
  ReadGate gate = gate_with({.max_in_flight_sends = 1, .frame_rate = 1, .frame_burst = 1});
  gate.spend_frame_allowance();
  gate.start_send();
  EXPECT_EQ(gate.check(), Verdict::wait_for_acks);
}

TEST_F(ReadGateTest, APausedSessionIsHeldUntilItResumes) {
  ReadGate gate = gate_with({});
  auto session = std::make_shared<int>(1);
  const std::weak_ptr<int> watched = session;
  gate.pause();
  gate.hold_while_paused(std::move(session));
  EXPECT_TRUE(gate.is_paused());
  EXPECT_FALSE(watched.expired()) << "the gate holds it";
  std::shared_ptr<void> held = gate.resume();
  EXPECT_FALSE(gate.is_paused());
  EXPECT_FALSE(gate.let_go()) << "resume() handed it over";
  held.reset();
  EXPECT_TRUE(watched.expired());
}

TEST_F(ReadGateTest, AReadWhilePausedKeepsTheHolderUntilLetGo) {
  ReadGate gate = gate_with({});
  auto session = std::make_shared<int>(1);
  const std::weak_ptr<int> watched = session;
  gate.pause();
  gate.hold_while_paused(std::move(session));
  gate.note_reading();
  EXPECT_FALSE(gate.is_paused());
  EXPECT_FALSE(watched.expired());
  EXPECT_TRUE(gate.let_go());
  EXPECT_TRUE(watched.expired());
}

}  // namespace
}  // namespace parley::transport::ws
