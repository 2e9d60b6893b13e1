#include "protocol/client_frame.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::protocol {
namespace {

using core::ErrorCode;

template <class T>
const T& command_of(const ParsedFrame& parsed) {
  const auto* command = std::get_if<ClientCommand>(&parsed);
  if (command == nullptr) {
    ADD_FAILURE() << "refused: " << std::get<FrameError>(parsed).message;
    static const T* none = nullptr;
    return *none;
  }
  return std::get<T>(*command);
}

FrameError refusal_of(std::string_view json) {
  auto parsed = parse_client_frame(json);
  const auto* refused = std::get_if<FrameError>(&parsed);
  if (refused == nullptr) {
    ADD_FAILURE() << "accepted: " << json;
    return {ErrorCode::internal, "", std::nullopt};
  }
  return *refused;
}

TEST(ClientFrame, ParsesJoinWithAndWithoutSince) {
  auto plain = parse_client_frame(R"({"type":"join","room":"General"})");
  EXPECT_EQ(command_of<JoinCommand>(plain).room.text(), "General");
  EXPECT_FALSE(command_of<JoinCommand>(plain).since);

  auto since = parse_client_frame(R"({"type":"join","room":"general","since":42})");
  EXPECT_EQ(command_of<JoinCommand>(since).since, 42u);
}

TEST(ClientFrame, ParsesSendLeaveTypingPing) {
  auto send = parse_client_frame(R"({"type":"send","room":"r","text":" hi ","id":"m-1"})");
  EXPECT_EQ(command_of<SendCommand>(send).text, " hi ");  // kept exactly as received
  EXPECT_EQ(command_of<SendCommand>(send).id, "m-1");
  EXPECT_EQ(
      command_of<LeaveCommand>(parse_client_frame(R"({"type":"leave","room":"r"})")).room.key(),
      "r");
  EXPECT_TRUE(
      std::holds_alternative<ClientCommand>(parse_client_frame(R"({"type":"typing","room":"r"})")));
  EXPECT_TRUE(std::holds_alternative<ClientCommand>(parse_client_frame(R"({"type":"ping"})")));
}

TEST(ClientFrame, IgnoresUnknownExtraFields) {
  auto parsed = parse_client_frame(R"({"type":"join","room":"r","extra":[1,2]})");
  EXPECT_EQ(command_of<JoinCommand>(parsed).room.text(), "r");
}

TEST(ClientFrame, RefusesMalformedFramesAsBadRequest) {
  for (std::string_view json : {"",
                                "not json",
                                "[]",
                                "42",
                                "\"join\"",
                                "{}",
                                R"({"type":7})",
                                R"({"type":"dance"})",
                                R"({"type":"join"})",
                                R"({"type":"join","room":5})",
                                R"({"type":"join","room":""})",
                                R"({"type":"join","room":"bad room"})",
                                R"({"type":"join","room":"-x"})",
                                R"({"type":"join","room":"r","since":-1})",
                                R"({"type":"join","room":"r","since":"3"})",
                                R"({"type":"join","room":"r","since":1.5})",
                                R"({"type":"send","room":"r","id":"a"})",
                                R"({"type":"send","room":"r","text":"hi"})",
                                R"({"type":"send","room":"r","text":5,"id":"a"})",
                                R"({"type":"send","room":"r","text":"   ","id":"a"})",
                                R"({"type":"send","room":"r","text":"hi","id":"has space"})",
                                R"({"type":"send","room":"r","text":"hi","id":""})"}) {
    EXPECT_EQ(refusal_of(json).code, ErrorCode::bad_request) << json;
  }
}

TEST(ClientFrame, RefusesDeepNesting) {
  std::string deep = R"({"type":"ping","x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(refusal_of(deep).code, ErrorCode::bad_request);
}

TEST(ClientFrame, RefusesLongTextAsTooLarge) {
  std::string json =
      R"({"type":"send","room":"r","id":"x","text":")" + std::string(4001, 'a') + "\"}";
  EXPECT_EQ(refusal_of(json).code, ErrorCode::too_large);
}

TEST(ClientFrame, EchoesTheIdOfARefusedFrame) {
  EXPECT_EQ(refusal_of(R"({"type":"send","room":"bad room","text":"x","id":"m7"})").id, "m7");
  EXPECT_EQ(refusal_of(R"({"type":"send","room":"r","text":"","id":"m8"})").id, "m8");
  EXPECT_FALSE(refusal_of(R"({"type":"send","room":"r","text":"x","id":"has space"})").id);
}

// `"since": null` is not a missing since: it is not a non-negative integer.
TEST(ClientFrame, RefusesNullSince) {
  const FrameError refused = refusal_of(R"({"type":"join","room":"r","since":null,"id":"j1"})");
  EXPECT_EQ(refused.code, ErrorCode::bad_request);
  EXPECT_EQ(refused.id, "j1");
}

// Commands keep the frame's id, so that errors found later can echo it.
TEST(ClientFrame, JoinLeaveAndTypingCarryTheFramesId) {
  EXPECT_EQ(
      command_of<JoinCommand>(parse_client_frame(R"({"type":"join","room":"r","id":"j1"})")).id,
      "j1");
  EXPECT_EQ(
      command_of<LeaveCommand>(parse_client_frame(R"({"type":"leave","room":"r","id":"l1"})")).id,
      "l1");
  EXPECT_EQ(
      command_of<TypingCommand>(parse_client_frame(R"({"type":"typing","room":"r","id":"t1"})")).id,
      "t1");
  EXPECT_FALSE(command_of<LeaveCommand>(parse_client_frame(R"({"type":"leave","room":"r"})")).id);
}

TEST(ClientFrame, ParsesEditDeleteAndReact) {
  // A copy: the parsed frame is a temporary.
  const EventCommand edit = command_of<EventCommand>(
      parse_client_frame(R"({"type":"edit","room":"r","target":3,"text":"fixed","id":"e1"})"));
  EXPECT_EQ(edit.kind, core::EventKind::edit);
  EXPECT_EQ(edit.target, 3u);
  EXPECT_EQ(edit.text, "fixed");
  EXPECT_EQ(edit.id, "e1");
  // A copy: the parsed frame is a temporary.
  const EventCommand deletion = command_of<EventCommand>(
      parse_client_frame(R"({"type":"delete","room":"r","target":4,"id":"d1"})"));
  EXPECT_EQ(deletion.kind, core::EventKind::deletion);
  EXPECT_EQ(deletion.target, 4u);
  // A copy: the parsed frame is a temporary.
  const EventCommand react = command_of<EventCommand>(parse_client_frame(
      R"({"type":"react","room":"r","target":5,"emoji":"\ud83d\udc4d","on":false,"id":"r1"})"));
  EXPECT_EQ(react.kind, core::EventKind::reaction);
  EXPECT_EQ(react.emoji, "\xf0\x9f\x91\x8d");
  EXPECT_FALSE(react.on);
}

TEST(ClientFrame, ASendMayNameTheMessageItRepliesTo) {
  auto reply =
      parse_client_frame(R"({"type":"send","room":"r","text":"yes","id":"m","reply_to":7})");
  EXPECT_EQ(command_of<SendCommand>(reply).reply_to, 7u);
  auto plain = parse_client_frame(R"({"type":"send","room":"r","text":"yes","id":"m"})");
  EXPECT_EQ(command_of<SendCommand>(plain).reply_to, 0u);
}

TEST(ClientFrame, RefusesMalformedEventsAsBadRequest) {
  for (
      std::string_view json : {
          R"({"type":"edit","room":"r","target":3,"text":"x"})",
          R"({"type":"edit","room":"r","target":3,"id":"e"})",
          R"({"type":"edit","room":"r","text":"x","id":"e"})",
          R"({"type":"edit","room":"r","target":-2,"text":"x","id":"e"})",
          R"({"type":"edit","room":"r","target":"3","text":"x","id":"e"})",
          R"({"type":"edit","room":"r","target":1.5,"text":"x","id":"e"})",
          R"({"type":"edit","room":"r","target":3,"text":"  ","id":"e"})",
          R"({"type":"delete","room":"r","id":"d"})",
          R"({"type":"delete","room":"r","target":null,"id":"d"})",
          R"({"type":"react","room":"r","target":3,"on":true,"id":"x"})",
          R"({"type":"react","room":"r","target":3,"emoji":"","on":true,"id":"x"})",
          R"({"type":"react","room":"r","target":3,"emoji":"a b","on":true,"id":"x"})",
          R"({"type":"react","room":"r","target":3,"emoji":"\n","on":true,"id":"x"})",
          R"({"type":"react","room":"r","target":3,"emoji":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","on":true,"id":"x"})",
          R"({"type":"react","room":"r","target":3,"emoji":"+1","id":"x"})",
          R"({"type":"react","room":"r","target":3,"emoji":"+1","on":1,"id":"x"})",
          R"({"type":"send","room":"r","text":"x","id":"m","reply_to":"2"})",
      }) {
    EXPECT_EQ(refusal_of(json).code, ErrorCode::bad_request) << json;
  }
}

// Seq 0 is a number, but no message has it.
TEST(ClientFrame, ATargetOrReplyToOfZeroIsNoSuchMessage) {
  for (std::string_view json : {
           R"({"type":"edit","room":"r","target":0,"text":"x","id":"e"})",
           R"({"type":"delete","room":"r","target":0,"id":"e"})",
           R"({"type":"react","room":"r","target":0,"emoji":"+1","on":true,"id":"e"})",
           R"({"type":"send","room":"r","text":"x","id":"e","reply_to":0})",
       }) {
    const FrameError refused = refusal_of(json);
    EXPECT_EQ(refused.code, ErrorCode::not_found) << json;
    EXPECT_EQ(refused.id, "e") << json;
  }
  EXPECT_EQ(refusal_of(R"({"type":"edit","room":"r","target":0,"text":" ","id":"e"})").code,
            ErrorCode::bad_request)
      << "the frame is checked first";
}

TEST(ClientFrame, RefusesALongEditAsTooLargeEchoingItsId) {
  const std::string json =
      R"({"type":"edit","room":"r","target":1,"id":"e9","text":")" + std::string(4001, 'a') + "\"}";
  const FrameError refused = refusal_of(json);
  EXPECT_EQ(refused.code, ErrorCode::too_large);
  EXPECT_EQ(refused.id, "e9");
}

}  // namespace
}  // namespace parley::protocol
