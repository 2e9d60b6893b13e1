// WebSocket-level violations close that connection only, with the
// contract's close code; another client keeps working.
#include "chat_test.hpp"
#include "support/raw_ws_client.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

class WsViolationTest : public ChatTest {
 protected:
  // A server with "bystander" in room "lobby".
  void start_with_bystander() {
    start_server();
    bystander_ = connect("bystander");
    join(*bystander_, "lobby");
  }

  // The bystander still sends and receives after the violation.
  void expect_bystander_unharmed() {
    for (const Frame& frame : frames_before_pong(*bystander_)) {
      EXPECT_TRUE(has_type(frame, "presence")) << to_text(frame);
    }
    auto witness = connect("witness");
    join(*witness, "lobby");
    const std::uint64_t seq = send_and_ack(*bystander_, "lobby", "still here", "after");
    EXPECT_EQ(seq_of(witness->expect("message")), seq);
  }

  std::unique_ptr<WsClient> bystander_;
};

TEST_F(WsViolationTest, BinaryFrameClosesWith1003) {
  start_with_bystander();
  auto offender = connect("offender");
  join(*offender, "lobby");
  ASSERT_TRUE(offender->send_binary(R"({"type":"ping"})"));
  EXPECT_EQ(offender->wait_for_close(), 1003);
  expect_bystander_unharmed();
}

TEST_F(WsViolationTest, InvalidUtf8ClosesWith1007) {
  start_with_bystander();
  RawWsClient offender;
  ASSERT_EQ(offender.connect(server().port(), name_target("offender")), kSwitchingProtocols);
  // A JSON ping whose string holds a lone continuation byte and an overlong '/'.
  ASSERT_TRUE(offender.send_frame(static_cast<std::uint8_t>(Opcode::text),
                                  "{\"type\":\"ping\",\"x\":\"\x80\xC0\xAF\"}"));
  EXPECT_EQ(offender.wait_for_close(5s), 1007);
  expect_bystander_unharmed();
}

TEST_F(WsViolationTest, FrameOverTheSizeLimitClosesWith1009) {
  start_with_bystander();
  auto offender = connect("offender");
  join(*offender, "lobby");
  const std::string oversized = R"({"type":"ping","pad":")" + std::string(65536, 'x') + R"("})";
  offender->send_text(oversized);  // the server may close before all of it is written
  EXPECT_EQ(offender->wait_for_close(), 1009);
  expect_bystander_unharmed();
}

TEST_F(WsViolationTest, FrameOfExactly64KiBIsAccepted) {
  start_with_bystander();
  const std::string prefix = R"({"type":"ping","pad":")";
  const std::string suffix = R"("})";
  const std::string frame =
      prefix + std::string(65536 - prefix.size() - suffix.size(), 'x') + suffix;
  ASSERT_EQ(frame.size(), 65536u);
  ASSERT_TRUE(bystander_->send_text(frame));
  EXPECT_TRUE(bystander_->wait_for("pong")) << "64 KiB is within the limit";
  EXPECT_FALSE(bystander_->is_closed());
}

TEST_F(WsViolationTest, UnmaskedClientFrameClosesWith1002) {
  start_with_bystander();
  RawWsClient offender;
  ASSERT_EQ(offender.connect(server().port(), name_target("offender")), kSwitchingProtocols);
  ASSERT_TRUE(offender.send_frame(static_cast<std::uint8_t>(Opcode::text), R"({"type":"ping"})",
                                  Masking::unmasked));
  EXPECT_EQ(offender.wait_for_close(5s), 1002);
  expect_bystander_unharmed();
}

TEST_F(WsViolationTest, ReservedOpcodeClosesWith1002) {
  start_with_bystander();
  RawWsClient offender;
  ASSERT_EQ(offender.connect(server().port(), name_target("offender")), kSwitchingProtocols);
  ASSERT_TRUE(offender.send_frame(0x3, "reserved"));
  EXPECT_EQ(offender.wait_for_close(5s), 1002);
  expect_bystander_unharmed();
}

}  // namespace
}  // namespace parley::test
