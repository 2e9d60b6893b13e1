// A client that does not read is closed with 1008 once its bounded queue is
// full, and the server goes on serving everyone else.
#include "chat_test.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

class SlowReaderTest : public ChatTest {
 protected:
  // A server with a 64 KiB send queue per client, a "slow" client in
  // "lobby" that stops reading, and a "flooder" there that sends until the
  // server reports slow gone (presence leave), or gives up.
  void flood_until_slow_reader_leaves() {
    start_server({"--store", "memory", "--max-queued-bytes", "65536"});
    slow_ = std::make_unique<WsClient>();
    slow_->set_receive_buffer_bytes(4096);  // so that it backs up soon
    ASSERT_EQ(slow_->connect(server().port(), name_target("slow")), kSwitchingProtocols);
    join(*slow_, "lobby");
    flooder_ = connect("flooder");
    join(*flooder_, "lobby");

    constexpr int kWindow = 8;  // the flooder itself reads as it goes
    constexpr int kMaxMessages = 4000;
    const std::string text(3000, 'f');
    int sent = 0;
    while (!slow_left_ && sent < kMaxMessages) {
      for (int i = 0; i < kWindow; ++i, ++sent) {
        ASSERT_TRUE(flooder_->send_json(frames::send("lobby", text, "f" + std::to_string(sent))));
      }
      for (int acks = 0; acks < kWindow;) {
        const auto frame = flooder_->next_frame();
        ASSERT_TRUE(frame) << "the flooder stopped getting acks after " << sent;
        if (has_type(*frame, "ack")) ++acks;
        if (has_type(*frame, "presence") && string_field(*frame, "user") == "slow" &&
            string_field(*frame, "event") == "leave") {
          slow_left_ = true;
        }
      }
    }
    RecordProperty("messages_flooded", sent);
  }

  std::unique_ptr<WsClient> slow_;
  std::unique_ptr<WsClient> flooder_;
  bool slow_left_ = false;
};

TEST_F(SlowReaderTest, ClientThatFallsBehindIsClosedWith1008) {
  flood_until_slow_reader_leaves();
  EXPECT_TRUE(slow_left_) << "slow was still in the room after 4000 messages of 3000 bytes";
  const auto code = slow_->wait_for_close(15s);
  ASSERT_TRUE(code) << "slow's connection is still open";
  RecordProperty("close_code", *code);
  EXPECT_TRUE(*code == 1008 || *code == kAbnormalClosure) << "close code " << *code;
}

TEST_F(SlowReaderTest, OthersAreServedAfterASlowReaderIsClosed) {
  flood_until_slow_reader_leaves();
  ASSERT_TRUE(slow_left_);
  EXPECT_FALSE(flooder_->is_closed());
  for (const Frame& frame : frames_before_pong(*flooder_)) {
    EXPECT_FALSE(has_type(frame, "error")) << to_text(frame);
  }
  auto late = connect("late");
  join(*late, "lobby");
  const std::uint64_t seq = send_and_ack(*late, "lobby", "still serving", "late-1");
  const Frame seen = flooder_->expect("message", [&](const Frame& f) { return seq_of(f) == seq; });
  EXPECT_EQ(string_field(seen, "text"), "still serving");
  // The name is free again once the slow client is gone.
  slow_->wait_for_close(15s);
  auto slow_again = connect_when_free("slow", 10s);
  join(*slow_again, "lobby");
}

}  // namespace
}  // namespace parley::test
