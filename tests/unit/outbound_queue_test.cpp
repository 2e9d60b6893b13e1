// The outbound queue of a WebSocket connection, without a socket: its bound
// and half-bound at their edges, gathered writes and short writes, the replay
// piece's lease, and what a close that abandons the queue keeps.
#include "ws/outbound_queue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::transport::ws {
namespace {

constexpr std::size_t kEntryCost = 128;  // core::queued_cost beyond the bytes

core::Frame frame_of(std::string bytes) {
  return std::make_shared<const std::string>(std::move(bytes));
}

// A frame whose queued cost is exactly `cost`.
core::Frame frame_costing(std::size_t cost) {
  return frame_of(std::string(cost - kEntryCost, 'x'));
}

std::string text_frame(std::string_view payload) {
  return std::string(header_for(Opcode::text, payload.size()).view()) + std::string(payload);
}

std::string bytes_of(const OutboundQueue::Batch& batch) {
  std::string bytes;
  for (std::string_view part : batch.view()) bytes += part;
  return bytes;
}

// Writes everything queued, `step` bytes at a time at most; returns it.
std::string write_all(OutboundQueue& queue, std::size_t step = SIZE_MAX) {
  std::string written;
  while (queue.has_unsent()) {
    const std::string batch = bytes_of(queue.next_batch());
    const std::string sent = batch.substr(0, step);
    written += sent;
    (void)queue.mark_written(sent.size());
  }
  return written;
}

TEST(OutboundQueue, CountsTheQueuedCostOfEachFrame) {
  OutboundQueue queue(10'000);
  queue.push(frame_of("hello"), Framing::text_message);
  queue.push(frame_of("pong"), Framing::prebuilt);
  EXPECT_EQ(queue.queued_bytes(), 5 + kEntryCost + 4 + kEntryCost);
  EXPECT_TRUE(queue.has_unsent());
}

TEST(OutboundQueue, AFrameFitsUpToTheBoundAndNotOneByteMore) {
  OutboundQueue queue(1000);
  queue.push(frame_costing(400), Framing::text_message);
  EXPECT_TRUE(queue.fits(*frame_costing(600)));
  EXPECT_FALSE(queue.fits(*frame_costing(601)));
  queue.push(frame_costing(600), Framing::text_message);
  EXPECT_EQ(queue.queued_bytes(), 1000u);
  EXPECT_FALSE(queue.fits(std::string())) << "even an empty frame costs its entry";
}

TEST(OutboundQueue, EphemeralFramesFitOnlyWithinHalfTheBound) {
  OutboundQueue queue(1000);
  queue.push(frame_costing(200), Framing::text_message);
  EXPECT_TRUE(queue.has_room_for_ephemeral(*frame_costing(300)));
  EXPECT_FALSE(queue.has_room_for_ephemeral(*frame_costing(301)));
  EXPECT_TRUE(queue.fits(*frame_costing(301))) << "what is not ephemeral still fits";
}

TEST(OutboundQueue, MarksItselfOverflowedOnce) {
  OutboundQueue queue(1000);
  EXPECT_FALSE(queue.has_overflowed());
  EXPECT_TRUE(queue.mark_overflowed()) << "the first time: the caller closes the client";
  EXPECT_FALSE(queue.mark_overflowed()) << "closed once only";
  EXPECT_TRUE(queue.has_overflowed());
}

TEST(OutboundQueue, GathersHeadersAndPayloadsInOrderIntoOneWrite) {
  OutboundQueue queue(10'000);
  queue.push(frame_of("HTTP/1.1 101\r\n\r\n"), Framing::prebuilt);
  queue.push(frame_of("{\"type\":\"hello\"}"), Framing::text_message);
  queue.push(frame_of("ack"), Framing::text_message);
  const OutboundQueue::Batch batch = queue.next_batch();
  EXPECT_EQ(batch.count, 5u) << "prebuilt bytes have no header of their own";
  EXPECT_EQ(bytes_of(batch),
            "HTTP/1.1 101\r\n\r\n" + text_frame("{\"type\":\"hello\"}") + text_frame("ack"));
}

TEST(OutboundQueue, OneWriteTakesAtMostItsShareOfFrames) {
  OutboundQueue queue(1'000'000);
  const std::size_t frames = OutboundQueue::kFramesPerWrite + 1;
  for (std::size_t i = 0; i < frames; ++i) {
    queue.push(frame_of(std::to_string(i)), Framing::text_message);
  }
  const OutboundQueue::Batch first = queue.next_batch();
  EXPECT_EQ(first.count, 2 * OutboundQueue::kFramesPerWrite);
  (void)queue.mark_written(bytes_of(first).size());
  ASSERT_TRUE(queue.has_unsent()) << "the last frame waits for the next write";
  EXPECT_EQ(bytes_of(queue.next_batch()), text_frame(std::to_string(frames - 1)));
  (void)queue.mark_written(bytes_of(queue.next_batch()).size());
  EXPECT_FALSE(queue.has_unsent());
  EXPECT_EQ(queue.queued_bytes(), 0u);
}

TEST(OutboundQueue, AShortWriteResumesWhereItStopped) {
  OutboundQueue queue(10'000);
  queue.push(frame_of("first"), Framing::text_message);
  queue.push(frame_of("second"), Framing::text_message);
  const std::string expected = text_frame("first") + text_frame("second");
  const std::size_t whole = queue.queued_bytes();
  (void)queue.mark_written(3);  // the header and one byte of "first"
  EXPECT_EQ(bytes_of(queue.next_batch()), expected.substr(3));
  EXPECT_EQ(queue.queued_bytes(), whole) << "a frame counts until written whole";
  (void)queue.mark_written(text_frame("first").size() - 3);
  EXPECT_EQ(queue.queued_bytes(), 6 + kEntryCost);
  EXPECT_EQ(bytes_of(queue.next_batch()), text_frame("second"));
}

TEST(OutboundQueue, WritesEveryByteOnceWhateverTheWriteSizes) {
  OutboundQueue queue(1'000'000);
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    const std::string payload(static_cast<std::size_t>(i % 7) * 40,
                              static_cast<char>('a' + i % 26));
    queue.push(frame_of(payload), Framing::text_message);
    expected += text_frame(payload);
  }
  EXPECT_EQ(write_all(queue, 97), expected);
  EXPECT_EQ(queue.queued_bytes(), 0u);
}

TEST(OutboundQueue, AReplayPieceHoldsItsLeaseUntilItsLastByteIsWritten) {
  core::MemoryBudget budget(10'000);
  OutboundQueue queue(10'000);
  queue.push(frame_of("live"), Framing::text_message);
  const std::vector<core::Frame> piece = {frame_of("one"), frame_of("two")};
  queue.push_replay_piece(piece, budget.take_unchecked(500));
  EXPECT_TRUE(queue.has_replay_unwritten());

  EXPECT_FALSE(queue.mark_written(text_frame("live").size()).finished_replay_piece);
  EXPECT_FALSE(queue.mark_written(text_frame("one").size() + 1).finished_replay_piece);
  EXPECT_EQ(budget.used(), 500u) << "one byte of the piece is still queued";
  EXPECT_TRUE(queue.mark_written(text_frame("two").size() - 1).finished_replay_piece);
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_FALSE(queue.has_replay_unwritten());
}

TEST(OutboundQueue, AnEmptyReplayPieceEndsItsLeaseAtOnce) {
  core::MemoryBudget budget(10'000);
  OutboundQueue queue(10'000);
  queue.push_replay_piece({}, budget.take_unchecked(500));
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_FALSE(queue.has_replay_unwritten());
}

TEST(OutboundQueue, AReplayPieceCountsAgainstTheBound) {
  OutboundQueue queue(1000);
  const std::vector<core::Frame> piece = {frame_costing(700)};
  queue.push_replay_piece(piece, {});
  EXPECT_TRUE(queue.fits(*frame_costing(300)));
  EXPECT_FALSE(queue.fits(*frame_costing(301)));
}

TEST(OutboundQueue, DroppingKeepsTheFramePartlyWritten) {
  OutboundQueue queue(10'000);
  queue.push(frame_of("101"), Framing::prebuilt);
  queue.push(frame_of("partial"), Framing::text_message);
  queue.push(frame_of("dropped"), Framing::text_message);
  (void)queue.mark_written(3 + 4);
  queue.drop_unsent();
  EXPECT_EQ(queue.queued_bytes(), 7 + kEntryCost);
  queue.push(frame_of("close"), Framing::prebuilt);
  EXPECT_EQ(write_all(queue), text_frame("partial").substr(4) + "close");
}

TEST(OutboundQueue, DroppingKeepsTheFirstFrameUntilItIsWritten) {
  OutboundQueue queue(10'000);
  queue.push(frame_of("101"), Framing::prebuilt);
  queue.push(frame_of("hello"), Framing::text_message);
  queue.drop_unsent();
  queue.push(frame_of("close"), Framing::prebuilt);
  EXPECT_EQ(write_all(queue), "101close") << "the client needs the 101 to read the close";
}

TEST(OutboundQueue, DroppingAfterTheFirstFrameLeavesNothingUnstarted) {
  core::MemoryBudget budget(10'000);
  OutboundQueue queue(10'000);
  queue.push(frame_of("101"), Framing::prebuilt);
  (void)queue.mark_written(3);
  queue.push(frame_of("message"), Framing::text_message);
  const std::vector<core::Frame> piece = {frame_of("replayed")};
  queue.push_replay_piece(piece, budget.take_unchecked(100));
  queue.drop_unsent();
  EXPECT_FALSE(queue.has_unsent());
  EXPECT_EQ(queue.queued_bytes(), 0u);
  EXPECT_FALSE(queue.has_replay_unwritten());
  queue.clear();
  EXPECT_EQ(budget.used(), 0u) << "clearing ends the lease";
}

TEST(OutboundQueue, ClearingForgetsEverything) {
  core::MemoryBudget budget(10'000);
  OutboundQueue queue(10'000);
  queue.push(frame_of("message"), Framing::text_message);
  const std::vector<core::Frame> piece = {frame_of("replayed")};
  queue.push_replay_piece(piece, budget.take_unchecked(100));
  queue.clear();
  EXPECT_FALSE(queue.has_unsent());
  EXPECT_EQ(queue.queued_bytes(), 0u);
  EXPECT_EQ(budget.used(), 0u);
}

}  // namespace
}  // namespace parley::transport::ws
