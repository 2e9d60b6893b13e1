// Parley's own WebSocket framing against the real binary, byte by byte:
// fragments and control frames between them, the closing handshake (the
// peer's code echoed, then the server ends TCP), keep-alive pings and the
// idle deadline, frames pipelined behind the upgrade request, and many
// frames in one TCP write.
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "chat_test.hpp"
#include "support/raw_ws_client.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 5s;

std::string describe(const ServerFrame& frame) {
  return "opcode " + std::to_string(frame.opcode) + " payload \"" + frame.payload + "\"";
}

// The next server frame; throws when none comes in time.
ServerFrame expect_frame(RawWsClient& client, std::chrono::milliseconds timeout = kWait) {
  auto frame = client.next_frame(timeout);
  if (!frame) {
    throw std::runtime_error(client.ended() ? "the server ended the connection"
                                            : "no frame within the timeout");
  }
  return *std::move(frame);
}

// The next server frame, which must be a JSON text frame; returns it parsed.
Frame expect_json(RawWsClient& client, std::chrono::milliseconds timeout = kWait) {
  const ServerFrame frame = expect_frame(client, timeout);
  if (!frame.is(Opcode::text)) throw std::runtime_error("not a text frame: " + describe(frame));
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(frame.payload, error);
  if (error || !value.is_object()) throw std::runtime_error("not JSON: " + frame.payload);
  return std::move(value.as_object());
}

std::string text_frame(std::string_view text) {
  return encode_client_frame(Opcode::text, text);
}

const std::string kJsonPing = R"({"type":"ping"})";

// A closing-handshake deadline far beyond the waits below, so that a server
// ending TCP in time did so because the handshake completed.
const std::vector<std::string> kLongCloseDeadline = {
    "--store", "memory", "--close-timeout", "20", "--shutdown-timeout", "30"};

class WsFramingTest : public ChatTest {
 protected:
  // A raw connection as guest `name`, past its hello frame.
  std::unique_ptr<RawWsClient> connect_raw(std::string_view name) {
    auto client = std::make_unique<RawWsClient>();
    const int status = client->connect(server().port(), name_target(name));
    if (status != kSwitchingProtocols) {
      throw std::runtime_error("upgrade answered " + std::to_string(status));
    }
    const Frame hello = expect_json(*client);
    if (!has_type(hello, "hello")) throw std::runtime_error("first frame: " + to_text(hello));
    return client;
  }

  // The server still accepts and serves a new connection (it did not crash).
  void expect_server_still_serving() {
    if (const auto exit = server().wait_for_exit(200ms)) {
      ADD_FAILURE() << "the server process ended: "
                    << (exit->exited ? "exit code " + std::to_string(exit->code)
                                     : "signal " + std::to_string(exit->signal));
      return;
    }
    RawWsClient probe;
    ASSERT_EQ(probe.connect(server().port(), name_target("probe")), kSwitchingProtocols);
    EXPECT_TRUE(has_type(expect_json(probe), "hello"));
    ASSERT_TRUE(probe.send_bytes(text_frame(kJsonPing)));
    EXPECT_TRUE(has_type(expect_json(probe), "pong"));
  }
};

// ---- Fragments and control frames ----

TEST_F(WsFramingTest, FragmentedJsonPingWithAWebSocketPingBetweenGetsBothPongsInOrder) {
  start_server();
  auto client = connect_raw("frag");
  ASSERT_TRUE(
      client->send_bytes(encode_client_frame(Opcode::text, R"({"type":)", Fin::more_follow)));
  ASSERT_TRUE(client->send_bytes(encode_client_frame(Opcode::ping, "between")));
  ASSERT_TRUE(client->send_bytes(encode_client_frame(Opcode::continuation, R"("ping"})")));

  const ServerFrame pong = expect_frame(*client);
  EXPECT_TRUE(pong.is(Opcode::pong)) << describe(pong);
  EXPECT_EQ(pong.payload, "between") << "a pong echoes its ping's payload";
  const Frame json_pong = expect_json(*client);
  EXPECT_TRUE(has_type(json_pong, "pong")) << to_text(json_pong);
}

TEST_F(WsFramingTest, MessageInThreeFragmentsIsHandledAsOne) {
  start_server();
  auto client = connect_raw("three");
  ASSERT_TRUE(
      client->send_bytes(encode_client_frame(Opcode::text, R"({"ty)", Fin::more_follow) +
                         encode_client_frame(Opcode::continuation, R"(pe":"pi)", Fin::more_follow) +
                         encode_client_frame(Opcode::continuation, R"(ng"})")));
  const Frame pong = expect_json(*client);
  EXPECT_TRUE(has_type(pong, "pong")) << to_text(pong);
  // Exactly one answer: the fragments were not taken as frames of their own.
  ASSERT_TRUE(client->send_bytes(encode_client_frame(Opcode::ping, "fence")));
  const ServerFrame fence = expect_frame(*client);
  EXPECT_TRUE(fence.is(Opcode::pong)) << describe(fence);
}

TEST_F(WsFramingTest, WebSocketPingIsAnsweredWithItsPayload) {
  start_server();
  auto client = connect_raw("pinger");
  ASSERT_TRUE(client->send_bytes(encode_client_frame(Opcode::ping, "payload-123")));
  const ServerFrame pong = expect_frame(*client);
  EXPECT_TRUE(pong.is(Opcode::pong)) << describe(pong);
  EXPECT_TRUE(pong.final);
  EXPECT_EQ(pong.payload, "payload-123");
}

// ---- The closing handshake ----

TEST_F(WsFramingTest, ClientClose1000IsAnsweredWith1000ThenTheServerEndsTcp) {
  start_server(kLongCloseDeadline);
  auto client = connect_raw("closer");
  ASSERT_TRUE(client->send_bytes(encode_client_frame(Opcode::close, close_payload(1000))));
  const ServerFrame answer = expect_frame(*client);
  ASSERT_TRUE(answer.is(Opcode::close)) << describe(answer);
  EXPECT_EQ(answer.close_code(), 1000);
  // The server ends TCP once both close frames have passed, long before its
  // closing-handshake deadline.
  EXPECT_TRUE(client->wait_for_end(3s)) << "the server kept the connection open";
}

TEST_F(WsFramingTest, ClientCloseWithoutACodeIsAnsweredWith1000) {
  start_server(kLongCloseDeadline);
  auto client = connect_raw("quiet");
  ASSERT_TRUE(client->send_bytes(encode_client_frame(Opcode::close, "")));
  EXPECT_EQ(client->wait_for_close(kWait), 1000);
  EXPECT_TRUE(client->wait_for_end(3s));
}

TEST_F(WsFramingTest, ClientCloseCode4000IsEchoed) {
  start_server();
  auto client = connect_raw("app");
  ASSERT_TRUE(client->send_bytes(encode_client_frame(Opcode::close, close_payload(4000, "bye"))));
  EXPECT_EQ(client->wait_for_close(kWait), 4000);
  expect_server_still_serving();
}

TEST_F(WsFramingTest, EveryCloseCodeAClientMaySendIsEchoed) {
  start_server();
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1014, 3000, 4999}) {
    RawWsClient client;
    ASSERT_EQ(client.connect(server().port(), name_target("code" + std::to_string(code))),
              kSwitchingProtocols)
        << "before closing with " << code;
    ASSERT_TRUE(client.send_bytes(
        encode_client_frame(Opcode::close, close_payload(static_cast<std::uint16_t>(code)))));
    EXPECT_EQ(client.wait_for_close(kWait), code);
  }
  expect_server_still_serving();
}

TEST_F(WsFramingTest, PingBeforeACloseInTheSameWriteIsStillAnswered) {
  start_server();
  auto client = connect_raw("lastword");
  ASSERT_TRUE(client->send_bytes(text_frame(kJsonPing) +
                                 encode_client_frame(Opcode::close, close_payload(1000))));
  const Frame pong = expect_json(*client);
  EXPECT_TRUE(has_type(pong, "pong")) << to_text(pong);
  const ServerFrame close = expect_frame(*client);
  ASSERT_TRUE(close.is(Opcode::close)) << describe(close);
  EXPECT_EQ(close.close_code(), 1000);
}

// ---- Keep-alive ----

TEST_F(WsFramingTest, SilentClientIsPingedThenDisconnected) {
  start_server({"--store", "memory", "--idle-timeout", "2"});
  auto client = connect_raw("silent");
  // Half-way through the silence, a ping; the client never answers it.
  const ServerFrame ping = expect_frame(*client, 10s);
  EXPECT_TRUE(ping.is(Opcode::ping)) << describe(ping);
  // At the idle timeout the server gives up on it (about 2 x 2 seconds at most).
  EXPECT_TRUE(client->wait_for_end(15s)) << "a silent client was kept forever";
}

TEST_F(WsFramingTest, ClientThatAnswersPingsStaysConnected) {
  start_server({"--store", "memory", "--idle-timeout", "4"});
  auto client = connect_raw("answering");
  int pings = 0;
  // Well past twice the idle timeout, answering each ping and sending nothing else.
  const auto until = std::chrono::steady_clock::now() + 11s;
  while (std::chrono::steady_clock::now() < until) {
    auto frame = client->next_frame(200ms);
    ASSERT_FALSE(client->ended()) << "disconnected after " << pings << " pings answered";
    if (!frame) continue;
    ASSERT_TRUE(frame->is(Opcode::ping)) << describe(*frame);
    ++pings;
    ASSERT_TRUE(client->send_bytes(encode_client_frame(Opcode::pong, frame->payload)));
  }
  EXPECT_GE(pings, 1) << "keep-alive pings are sent to a quiet client";
  ASSERT_TRUE(client->send_bytes(text_frame(kJsonPing)));
  const Frame pong = expect_json(*client);
  EXPECT_TRUE(has_type(pong, "pong")) << to_text(pong);
}

TEST_F(WsFramingTest, ClientThatKeepsSendingStaysConnected) {
  start_server({"--store", "memory", "--idle-timeout", "2"});
  auto client = connect_raw("chatty");
  const auto until = std::chrono::steady_clock::now() + 7s;
  int pongs = 0;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(client->send_bytes(text_frame(kJsonPing)));
    // Any WebSocket ping is left unanswered: sending is proof enough.
    for (;;) {
      const ServerFrame frame = expect_frame(*client);
      if (frame.is(Opcode::ping)) continue;
      ASSERT_TRUE(frame.is(Opcode::text)) << describe(frame);
      ++pongs;
      break;
    }
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_GT(pongs, 0);
  EXPECT_FALSE(client->ended());
}

// ---- Pipelining and bursts ----

TEST_F(WsFramingTest, FramePipelinedWithTheUpgradeRequestIsAnsweredAfterHello) {
  start_server();
  RawWsClient client;
  ASSERT_EQ(client.connect(server().port(), name_target("eager"), text_frame(kJsonPing)),
            kSwitchingProtocols);
  const Frame hello = expect_json(client);
  EXPECT_TRUE(has_type(hello, "hello")) << to_text(hello);
  const Frame pong = expect_json(client);
  EXPECT_TRUE(has_type(pong, "pong")) << to_text(pong);
}

TEST_F(WsFramingTest, FrameSplitBetweenTheUpgradeWriteAndALaterOneIsAnswered) {
  start_server();
  const std::string frame = text_frame(kJsonPing);
  RawWsClient client;
  ASSERT_EQ(client.connect(server().port(), name_target("split"), frame.substr(0, 5)),
            kSwitchingProtocols);
  // The hello comes after the server took the upgrade and its early bytes.
  const Frame hello = expect_json(client);
  EXPECT_TRUE(has_type(hello, "hello")) << to_text(hello);
  ASSERT_TRUE(client.send_bytes(frame.substr(5)));
  const Frame pong = expect_json(client);
  EXPECT_TRUE(has_type(pong, "pong")) << to_text(pong);
}

TEST_F(WsFramingTest, ABadFramePipelinedBehindTheUpgradeStillGetsThe101ThenItsClose) {
  start_server();
  // Queued behind the 101 before it was written: closing drops the queue,
  // but never the answer to the upgrade, or the client sees no close at all.
  RawWsClient client;
  ASSERT_EQ(client.connect(server().port(), name_target("eager"),
                           encode_client_frame(Opcode::binary, "x")),
            kSwitchingProtocols);
  EXPECT_EQ(client.wait_for_close(kWait), 1003);
}

TEST_F(WsFramingTest, FiftyPingsInOneWriteGetFiftyPongs) {
  start_server();
  auto client = connect_raw("burst");
  std::string burst;
  for (int i = 0; i < 50; ++i) burst += text_frame(kJsonPing);
  ASSERT_TRUE(client->send_bytes(burst));
  for (int i = 0; i < 50; ++i) {
    const Frame pong = expect_json(*client);
    ASSERT_TRUE(has_type(pong, "pong")) << "answer " << i << ": " << to_text(pong);
  }
  // Nothing more: a WebSocket ping is answered next, not a 51st pong.
  ASSERT_TRUE(client->send_bytes(encode_client_frame(Opcode::ping, "end")));
  const ServerFrame end = expect_frame(*client);
  EXPECT_TRUE(end.is(Opcode::pong)) << describe(end);
}

TEST_F(WsFramingTest, FramesInOneWriteAreAnsweredInOrder) {
  start_server();
  auto client = connect_raw("ordered");
  // A ping, then a frame refused with its id echoed, fifty times over.
  std::string burst;
  for (int i = 0; i < 50; ++i) {
    burst += text_frame(kJsonPing);
    burst += text_frame(R"({"type":"no_such_type","id":"n)" + std::to_string(i) + R"("})");
  }
  ASSERT_TRUE(client->send_bytes(burst));
  for (int i = 0; i < 50; ++i) {
    const Frame pong = expect_json(*client);
    ASSERT_TRUE(has_type(pong, "pong")) << "before n" << i << ": " << to_text(pong);
    const Frame refused = expect_json(*client);
    ASSERT_TRUE(has_type(refused, "error")) << to_text(refused);
    ASSERT_EQ(string_field(refused, "id"), "n" + std::to_string(i)) << to_text(refused);
  }
}

TEST_F(WsFramingTest, BurstLargerThanTheReadBufferIsAnsweredInFull) {
  start_server();
  auto client = connect_raw("bulk");
  // 300 pings of about 1 KB each: frames cut at every read boundary.
  const std::string padded = R"({"type":"ping","pad":")" + std::string(1000, 'p') + R"("})";
  std::string burst;
  for (int i = 0; i < 300; ++i) burst += text_frame(padded);
  ASSERT_TRUE(client->send_bytes(burst));
  for (int i = 0; i < 300; ++i) {
    const Frame pong = expect_json(*client, 20s);
    ASSERT_TRUE(has_type(pong, "pong")) << "answer " << i << ": " << to_text(pong);
  }
}

}  // namespace
}  // namespace parley::test
