// The WebSocket codec (RFC 6455) without sockets: the bytes of the frames the
// server sends, the opening handshake's answer, and the decoder of masked
// client frames with every rule it must enforce. Client frames are built
// here, byte by byte, independently of the code under test.
#include "ws/ws_framing.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace parley::transport::ws {
namespace {

// ---- Building client frames ----

constexpr std::uint8_t kFin = 0x80;
constexpr std::array<std::uint8_t, 4> kMaskKey = {0xA1, 0x5C, 0x07, 0xE3};

std::uint8_t bits(Opcode opcode) {
  return static_cast<std::uint8_t>(opcode);
}

// How the payload length is written: as RFC 6455 5.2 requires (the shortest
// form), or deliberately in the 16-bit or 64-bit form whatever the size.
enum class LengthForm { shortest, bits16, bits64 };
enum class Masking { masked, unmasked };

// The header of a client frame up to (not including) the masking key.
std::string header_bytes(std::uint8_t first_byte, std::uint64_t length, LengthForm form,
                         Masking masking = Masking::masked) {
  const std::uint8_t mask_bit = masking == Masking::masked ? 0x80 : 0x00;
  if (form == LengthForm::shortest) {
    form = length < 126 ? LengthForm::shortest
                        : (length <= 0xFFFF ? LengthForm::bits16 : LengthForm::bits64);
  }
  std::string header(1, static_cast<char>(first_byte));
  if (form == LengthForm::shortest) {
    header.push_back(static_cast<char>(mask_bit | length));
  } else if (form == LengthForm::bits16) {
    header.push_back(static_cast<char>(mask_bit | 126));
    header.push_back(static_cast<char>(length >> 8));
    header.push_back(static_cast<char>(length & 0xFF));
  } else {
    header.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      header.push_back(static_cast<char>((length >> shift) & 0xFF));
    }
  }
  return header;
}

// A whole client frame: `first_byte` is FIN, RSV1-3 and the opcode as sent.
std::string client_frame(std::uint8_t first_byte, std::string_view payload,
                         LengthForm form = LengthForm::shortest,
                         Masking masking = Masking::masked) {
  std::string frame = header_bytes(first_byte, payload.size(), form, masking);
  if (masking == Masking::unmasked) return frame.append(payload);
  for (std::uint8_t byte : kMaskKey) frame.push_back(static_cast<char>(byte));
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ kMaskKey[i % 4]));
  }
  return frame;
}

// A final frame (a whole message, or a control frame).
std::string whole(Opcode opcode, std::string_view payload) {
  return client_frame(kFin | bits(opcode), payload);
}
// A frame with FIN clear: more of the message follows.
std::string first_part(Opcode opcode, std::string_view payload) {
  return client_frame(bits(opcode), payload);
}
std::string middle_part(std::string_view payload) {
  return client_frame(bits(Opcode::continuation), payload);
}
std::string last_part(std::string_view payload) {
  return whole(Opcode::continuation, payload);
}

// A close frame's payload: the code in network byte order, then the reason.
std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  return payload.append(reason);
}

std::string bytes_of(const FrameHeader& header) {
  return std::string(header.view());
}

std::string bytes(std::initializer_list<std::uint8_t> list) {
  std::string out;
  for (std::uint8_t byte : list) out.push_back(static_cast<char>(byte));
  return out;
}

// ---- Running the decoder ----

// An event with its payload copied (the decoder's view dies with its input).
struct Seen {
  Event::Kind kind;
  std::string payload;
  int code;
};

Seen copy_of(const Event& event) {
  return Seen{event.kind, std::string(event.payload), static_cast<int>(event.code)};
}

// Feeds `input` to `decoder` until it has no more to say or reports a
// violation (after which it must not be called); `input` keeps what was
// left unconsumed.
std::vector<Seen> decode_all(Decoder& decoder, std::string& input) {
  std::vector<Seen> seen;
  std::span<char> rest(input);
  while (auto event = decoder.next(rest)) {
    seen.push_back(copy_of(*event));
    if (event->kind == Event::Kind::violation) break;
  }
  input.erase(0, input.size() - rest.size());
  return seen;
}

constexpr std::size_t kLimit = 64 * 1024;

// The single event that `input` decodes to, in a fresh decoder.
Seen only_event(const std::string& input, std::size_t limit = kLimit) {
  Decoder decoder(limit);
  std::string copy = input;
  const std::vector<Seen> seen = decode_all(decoder, copy);
  if (seen.size() != 1) {
    ADD_FAILURE() << "expected one event, got " << seen.size();
    return Seen{Event::Kind::violation, "<no single event>", 0};
  }
  return seen.front();
}

// The close code of the violation `input` decodes to, or 0 if it is none.
int violation_code(const std::string& input, std::size_t limit = kLimit) {
  const Seen seen = only_event(input, limit);
  return seen.kind == Event::Kind::violation ? seen.code : 0;
}

constexpr int kProtocolError = 1002;
constexpr int kUnsupportedData = 1003;
constexpr int kNoStatus = 1005;
constexpr int kInvalidPayload = 1007;
constexpr int kTooBig = 1009;

// ---- Frames the server sends ----

TEST(WsHeaderFor, UsesTheSevenBitLengthUpTo125) {
  EXPECT_EQ(bytes_of(header_for(Opcode::text, 0)), bytes({0x81, 0x00}));
  EXPECT_EQ(bytes_of(header_for(Opcode::text, 125)), bytes({0x81, 125}));
}

TEST(WsHeaderFor, UsesTheSixteenBitLengthFrom126To65535) {
  EXPECT_EQ(bytes_of(header_for(Opcode::text, 126)), bytes({0x81, 126, 0x00, 126}));
  EXPECT_EQ(bytes_of(header_for(Opcode::text, 65535)), bytes({0x81, 126, 0xFF, 0xFF}));
}

TEST(WsHeaderFor, UsesTheSixtyFourBitLengthFrom65536) {
  EXPECT_EQ(bytes_of(header_for(Opcode::text, 65536)), bytes({0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(bytes_of(header_for(Opcode::text, 0x0102030405ULL)),
            bytes({0x81, 127, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05}));
}

TEST(WsHeaderFor, IsFinalUnmaskedAndCarriesTheOpcode) {
  EXPECT_EQ(bytes_of(header_for(Opcode::ping, 0)), bytes({0x89, 0x00}));
  EXPECT_EQ(bytes_of(header_for(Opcode::pong, 3)), bytes({0x8A, 0x03}));
  EXPECT_EQ(bytes_of(header_for(Opcode::close, 2)), bytes({0x88, 0x02}));
}

TEST(WsControlFrame, IsHeaderAndPayload) {
  EXPECT_EQ(control_frame(Opcode::pong, "abc"), bytes({0x8A, 0x03}) + "abc");
  EXPECT_EQ(control_frame(Opcode::ping, ""), bytes({0x89, 0x00}));
}

TEST(WsControlFrame, CutsThePayloadTo125Bytes) {
  const std::string frame = control_frame(Opcode::pong, std::string(200, 'p'));
  EXPECT_EQ(frame, bytes({0x8A, 125}) + std::string(125, 'p'));
}

TEST(WsCloseFrame, CarriesTheCodeInNetworkByteOrder) {
  EXPECT_EQ(close_frame(CloseCode::normal), bytes({0x88, 0x02, 0x03, 0xE8}));
  EXPECT_EQ(close_frame(CloseCode::going_away), bytes({0x88, 0x02, 0x03, 0xE9}));
  EXPECT_EQ(close_frame(CloseCode::too_big), bytes({0x88, 0x02, 0x03, 0xF1}));
}

// ---- The opening handshake ----

TEST(WsHandshake, AnswersTheRfcExampleKey) {
  const std::string answer = handshake_answer("dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(answer.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("\r\nUpgrade: websocket\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\r\nConnection: Upgrade\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            std::string::npos)
      << answer;
  // One header block, nothing after it.
  EXPECT_EQ(answer.find("\r\n\r\n"), answer.size() - 4) << answer;
}

TEST(WsHandshake, AcceptDependsOnTheKey) {
  const std::string answer = handshake_answer("AAAAAAAAAAAAAAAAAAAAAA==");
  EXPECT_EQ(answer.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos) << answer;
}

TEST(WsHandshake, AcceptsKeysOf16BytesInBase64) {
  EXPECT_TRUE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_TRUE(is_valid_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  EXPECT_TRUE(is_valid_key("+/+/+/+/+/+/+/+/+/+/+w=="));
  EXPECT_TRUE(is_valid_key("x3JJHMbDL1EzLkh9GBhXDw=="));
}

TEST(WsHandshake, RefusesKeysThatAreNot16BytesInBase64) {
  const std::vector<std::string> refused = {
      "",
      "dGhlIHNhbXBsZSBub25jZQ=",           // 23 characters
      "dGhlIHNhbXBsZSBub25jZQ===",         // 25 characters
      "dGhlIHNhbXBsZSBub25jZQAA",          // no padding: not 16 bytes
      "dGhlIHNhbXBsZSBub25jZ===",          // padding inside the 22 characters
      "dGhlIHNhbXBsZSBub25j*Q==",          // not in the base64 alphabet
      "dGhlIHNhbXBsZSBub25j-Q==",          // the URL-safe alphabet is not base64
      "dGhlIHNhbXBsZSBub25j Q==",          // a space inside
      " dGhlIHNhbXBsZSBub25jZ==",          // a space in front
      "dGhlIHNhbXBsZSBub25jZQ==dGhl",      // longer than 24
      "dGhlIHNhbXBsZSBub25jZSBzZWNvbmQ=",  // base64 of more than 16 bytes
      std::string("dGhlIHNhbXBsZSBub25j\0Q==", 24),
  };
  for (const std::string& key : refused) EXPECT_FALSE(is_valid_key(key)) << "key: " << key;
}

// ---- Decoding: frames that are accepted ----

TEST(WsDecoder, DecodesTheRfcExampleMaskedHello) {
  // RFC 6455 5.7: a single-frame masked text message containing "Hello".
  std::string input = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  Decoder decoder(kLimit);
  std::span<char> rest(input);
  const auto event = decoder.next(rest);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, Event::Kind::text);
  EXPECT_EQ(event->payload, "Hello");
  EXPECT_TRUE(rest.empty()) << "the whole frame is consumed";
  EXPECT_FALSE(decoder.next(rest));
}

TEST(WsDecoder, UnmasksAWholeTextFrameInPlaceAndConsumesIt) {
  const std::string text = R"({"type":"send","room":"lobby","text":"héllo"})";
  std::string input = whole(Opcode::text, text);
  Decoder decoder(kLimit);
  std::span<char> rest(input);
  const auto event = decoder.next(rest);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, Event::Kind::text);
  EXPECT_EQ(event->payload, text);
  EXPECT_TRUE(rest.empty());
  // Decoded where it lay: no copy for an unfragmented frame.
  EXPECT_GE(event->payload.data(), input.data());
  EXPECT_LE(event->payload.data() + event->payload.size(), input.data() + input.size());
}

TEST(WsDecoder, DecodesAnEmptyTextFrame) {
  const Seen seen = only_event(whole(Opcode::text, ""));
  EXPECT_EQ(seen.kind, Event::Kind::text);
  EXPECT_EQ(seen.payload, "");
}

TEST(WsDecoder, DecodesSixteenBitLengths) {
  for (std::size_t size : {std::size_t{126}, std::size_t{1000}, std::size_t{65535}}) {
    const std::string text(size, 'a');
    std::string input = whole(Opcode::text, text);
    ASSERT_EQ(static_cast<std::uint8_t>(input[1]), 0x80 | 126);
    const Seen seen = only_event(input);
    EXPECT_EQ(seen.kind, Event::Kind::text) << size;
    EXPECT_EQ(seen.payload, text) << size;
  }
}

TEST(WsDecoder, DecodesSixtyFourBitLengths) {
  std::string text(70000, 'b');
  text[0] = '{';
  text[69999] = '}';
  const std::string input = whole(Opcode::text, text);
  ASSERT_EQ(static_cast<std::uint8_t>(input[1]), 0x80 | 127);
  const Seen seen = only_event(input, 100000);
  EXPECT_EQ(seen.kind, Event::Kind::text);
  EXPECT_EQ(seen.payload, text);
}

TEST(WsDecoder, AcceptsAMessageOfExactlyTheLimit) {
  const Seen seen = only_event(whole(Opcode::text, std::string(1000, 'x')), 1000);
  EXPECT_EQ(seen.kind, Event::Kind::text);
  EXPECT_EQ(seen.payload.size(), 1000u);
}

TEST(WsDecoder, DecodesSeveralFramesInOneBufferInOrder) {
  const std::string close = close_payload(1000, "bye");
  std::string input = whole(Opcode::text, "first") + whole(Opcode::ping, "are you there") +
                      whole(Opcode::text, std::string(300, 's')) + whole(Opcode::pong, "p") +
                      whole(Opcode::text, "last") + whole(Opcode::close, close);
  Decoder decoder(kLimit);
  const std::vector<Seen> seen = decode_all(decoder, input);
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[0].kind, Event::Kind::text);
  EXPECT_EQ(seen[0].payload, "first");
  EXPECT_EQ(seen[1].kind, Event::Kind::ping);
  EXPECT_EQ(seen[1].payload, "are you there");
  EXPECT_EQ(seen[2].kind, Event::Kind::text);
  EXPECT_EQ(seen[2].payload, std::string(300, 's'));
  EXPECT_EQ(seen[3].kind, Event::Kind::pong);
  EXPECT_EQ(seen[3].payload, "p");
  EXPECT_EQ(seen[4].kind, Event::Kind::text);
  EXPECT_EQ(seen[4].payload, "last");
  EXPECT_EQ(seen[5].kind, Event::Kind::close);
  EXPECT_EQ(seen[5].code, 1000);
  EXPECT_EQ(seen[5].payload, "bye");
  EXPECT_TRUE(input.empty());
}

TEST(WsDecoder, LeavesAnIncompleteFrameAfterWholeOnesUnconsumed) {
  const std::string partial = whole(Opcode::text, "second").substr(0, 5);
  std::string input = whole(Opcode::text, "first") + partial;
  Decoder decoder(kLimit);
  const std::vector<Seen> seen = decode_all(decoder, input);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].payload, "first");
  EXPECT_EQ(input, partial) << "the start of the next frame is kept, untouched";
}

// Offers every proper prefix of `frame` (a growing buffer, as reads arrive)
// and expects nothing and nothing consumed; then the whole frame gives one
// event, which is returned.
Seen decode_byte_by_byte(const std::string& frame) {
  Decoder decoder(kLimit);
  for (std::size_t cut = 0; cut < frame.size(); ++cut) {
    std::string prefix = frame.substr(0, cut);
    std::span<char> rest(prefix);
    const auto event = decoder.next(rest);
    if (event) {
      ADD_FAILURE() << "an event after " << cut << " of " << frame.size() << " bytes";
      return copy_of(*event);
    }
    if (rest.size() != cut) {
      ADD_FAILURE() << "bytes consumed from an incomplete frame at " << cut;
      return Seen{Event::Kind::violation, "", 0};
    }
    if (prefix != frame.substr(0, cut)) {
      ADD_FAILURE() << "an incomplete frame was changed at " << cut;
      return Seen{Event::Kind::violation, "", 0};
    }
  }
  std::string all = frame;
  std::span<char> rest(all);
  const auto event = decoder.next(rest);
  if (!event) {
    ADD_FAILURE() << "no event from the whole frame";
    return Seen{Event::Kind::violation, "", 0};
  }
  EXPECT_TRUE(rest.empty());
  return copy_of(*event);
}

TEST(WsDecoder, FrameSplitAtEveryBytePositionDecodesOnceWhole) {
  const Seen small = decode_byte_by_byte(whole(Opcode::text, R"({"type":"ping"})"));
  EXPECT_EQ(small.kind, Event::Kind::text);
  EXPECT_EQ(small.payload, R"({"type":"ping"})");

  const std::string long_text(300, 'L');
  const Seen sixteen_bit = decode_byte_by_byte(whole(Opcode::text, long_text));
  EXPECT_EQ(sixteen_bit.kind, Event::Kind::text);
  EXPECT_EQ(sixteen_bit.payload, long_text);

  const Seen ping = decode_byte_by_byte(whole(Opcode::ping, "keep"));
  EXPECT_EQ(ping.kind, Event::Kind::ping);
  EXPECT_EQ(ping.payload, "keep");

  const Seen close = decode_byte_by_byte(whole(Opcode::close, close_payload(4000, "done")));
  EXPECT_EQ(close.kind, Event::Kind::close);
  EXPECT_EQ(close.code, 4000);
  EXPECT_EQ(close.payload, "done");
}

TEST(WsDecoder, SixtyFourBitFrameSplitInItsHeaderWaitsForTheRest) {
  const std::string text(65536, 'h');
  const std::string frame = whole(Opcode::text, text);
  Decoder decoder(100000);
  // Every cut inside the 14 bytes of header and mask, and a few in the payload.
  for (std::size_t cut : {0, 1, 2, 5, 9, 10, 13, 14, 15, 30000, 65549}) {
    std::string prefix = frame.substr(0, cut);
    std::span<char> rest(prefix);
    EXPECT_FALSE(decoder.next(rest)) << cut;
    EXPECT_EQ(rest.size(), cut);
  }
  std::string all = frame;
  std::span<char> rest(all);
  const auto event = decoder.next(rest);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, Event::Kind::text);
  EXPECT_EQ(event->payload, text);
}

TEST(WsDecoder, GathersFragmentsWithAPingInBetween) {
  std::string input = first_part(Opcode::text, R"({"type")") + whole(Opcode::ping, "mid") +
                      last_part(R"(:"ping"})");
  Decoder decoder(kLimit);
  const std::vector<Seen> seen = decode_all(decoder, input);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, Event::Kind::ping) << "a control frame is answered at once";
  EXPECT_EQ(seen[0].payload, "mid");
  EXPECT_EQ(seen[1].kind, Event::Kind::text);
  EXPECT_EQ(seen[1].payload, R"({"type":"ping"})");
  EXPECT_TRUE(input.empty());
}

TEST(WsDecoder, GathersFragmentsFedOneAtATime) {
  Decoder decoder(kLimit);
  std::string first = first_part(Opcode::text, "one ");
  EXPECT_TRUE(decode_all(decoder, first).empty()) << "nothing until the last fragment";
  EXPECT_TRUE(first.empty()) << "but the fragment is taken";
  std::string empty_middle = middle_part("");
  EXPECT_TRUE(decode_all(decoder, empty_middle).empty());
  std::string middle = middle_part("two ");
  EXPECT_TRUE(decode_all(decoder, middle).empty());
  std::string last = last_part("three");
  const std::vector<Seen> seen = decode_all(decoder, last);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Event::Kind::text);
  EXPECT_EQ(seen[0].payload, "one two three");

  // The next message starts afresh.
  std::string next = first_part(Opcode::text, "four") + last_part("");
  const std::vector<Seen> again = decode_all(decoder, next);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].payload, "four");
  std::string single = whole(Opcode::text, "five");
  const std::vector<Seen> after = decode_all(decoder, single);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].payload, "five");
}

TEST(WsDecoder, AcceptsACharacterSplitAcrossFragments) {
  // U+20AC (euro sign) is E2 82 AC; U+1D11E is F0 9D 84 9E.
  std::string input =
      first_part(Opcode::text, "\xE2\x82") + middle_part("\xAC\xF0\x9D") + last_part("\x84\x9E");
  Decoder decoder(kLimit);
  const std::vector<Seen> seen = decode_all(decoder, input);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Event::Kind::text);
  EXPECT_EQ(seen[0].payload, "\xE2\x82\xAC\xF0\x9D\x84\x9E");
}

TEST(WsDecoder, ReportsACloseInsideAFragmentedMessage) {
  std::string input = first_part(Opcode::text, "unfinished") + whole(Opcode::close, "");
  Decoder decoder(kLimit);
  const std::vector<Seen> seen = decode_all(decoder, input);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Event::Kind::close);
}

TEST(WsDecoder, CloseWithoutACodeReportsNoStatus) {
  const Seen seen = only_event(whole(Opcode::close, ""));
  EXPECT_EQ(seen.kind, Event::Kind::close);
  EXPECT_EQ(seen.code, kNoStatus);
  EXPECT_EQ(seen.payload, "");
}

TEST(WsDecoder, CloseReportsItsCodeAndReason) {
  const Seen normal = only_event(whole(Opcode::close, close_payload(1000)));
  EXPECT_EQ(normal.kind, Event::Kind::close);
  EXPECT_EQ(normal.code, 1000);
  EXPECT_EQ(normal.payload, "");

  const Seen reason = only_event(whole(Opcode::close, close_payload(1001, "tab closed: ✓")));
  EXPECT_EQ(reason.kind, Event::Kind::close);
  EXPECT_EQ(reason.code, 1001);
  EXPECT_EQ(reason.payload, "tab closed: ✓");
}

TEST(WsDecoder, AcceptsEveryCloseCodeAPeerMaySend) {
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                   3999, 4000, 4999}) {
    const Seen seen = only_event(whole(Opcode::close, close_payload(code)));
    EXPECT_EQ(seen.kind, Event::Kind::close) << code;
    EXPECT_EQ(seen.code, code);
  }
}

TEST(WsDecoder, AcceptsAControlFrameOf125Bytes) {
  const Seen seen = only_event(whole(Opcode::ping, std::string(125, 'p')));
  EXPECT_EQ(seen.kind, Event::Kind::ping);
  EXPECT_EQ(seen.payload.size(), 125u);
}

// ---- Decoding: violations ----

TEST(WsDecoder, RefusesReservedBits) {
  for (std::uint8_t reserved : {0x40, 0x20, 0x10, 0x70}) {
    EXPECT_EQ(violation_code(client_frame(kFin | reserved | bits(Opcode::text), "x")),
              kProtocolError)
        << int{reserved};
  }
  EXPECT_EQ(violation_code(client_frame(kFin | 0x40 | bits(Opcode::ping), "")), kProtocolError);
}

TEST(WsDecoder, RefusesUnknownOpcodes) {
  for (std::uint8_t opcode : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    EXPECT_EQ(violation_code(client_frame(kFin | opcode, "x")), kProtocolError) << int{opcode};
  }
}

TEST(WsDecoder, RefusesUnmaskedFrames) {
  EXPECT_EQ(violation_code(client_frame(kFin | bits(Opcode::text), "x", LengthForm::shortest,
                                        Masking::unmasked)),
            kProtocolError);
  EXPECT_EQ(violation_code(client_frame(kFin | bits(Opcode::ping), "", LengthForm::shortest,
                                        Masking::unmasked)),
            kProtocolError);
}

TEST(WsDecoder, RefusesSixteenBitLengthsUnder126) {
  for (std::size_t size : {0, 1, 125}) {
    const std::string frame =
        client_frame(kFin | bits(Opcode::text), std::string(size, 'n'), LengthForm::bits16);
    EXPECT_EQ(violation_code(frame), kProtocolError) << size;
  }
}

TEST(WsDecoder, RefusesSixtyFourBitLengthsUnder65536) {
  for (std::size_t size : {0, 125, 126, 65535}) {
    const std::string frame =
        client_frame(kFin | bits(Opcode::text), std::string(size, 'n'), LengthForm::bits64);
    EXPECT_EQ(violation_code(frame), kProtocolError) << size;
  }
}

TEST(WsDecoder, RefusesASixtyFourBitLengthWithTheTopBitSet) {
  // Just the header and the masking key: no payload could follow anyway.
  const std::string frame =
      header_bytes(kFin | bits(Opcode::text), 0x8000000000000001ULL, LengthForm::bits64) + "mask";
  EXPECT_EQ(violation_code(frame, std::numeric_limits<std::size_t>::max()), kProtocolError);
  EXPECT_EQ(violation_code(frame), kProtocolError) << "a framing error, not a size error";
}

TEST(WsDecoder, RefusesControlFramesOver125Bytes) {
  for (Opcode opcode : {Opcode::ping, Opcode::pong, Opcode::close}) {
    const std::string payload = opcode == Opcode::close ? close_payload(1000, std::string(124, 'r'))
                                                        : std::string(126, 'c');
    ASSERT_EQ(payload.size(), 126u);
    EXPECT_EQ(violation_code(whole(opcode, payload)), kProtocolError) << int{bits(opcode)};
  }
}

TEST(WsDecoder, RefusesFragmentedControlFrames) {
  EXPECT_EQ(violation_code(first_part(Opcode::ping, "a")), kProtocolError);
  EXPECT_EQ(violation_code(first_part(Opcode::pong, "a")), kProtocolError);
  EXPECT_EQ(violation_code(first_part(Opcode::close, close_payload(1000))), kProtocolError);
}

TEST(WsDecoder, RefusesAContinuationWithoutAStart) {
  EXPECT_EQ(violation_code(last_part("orphan")), kProtocolError);
  EXPECT_EQ(violation_code(middle_part("orphan")), kProtocolError);
  // Nor after a message that has ended.
  Decoder decoder(kLimit);
  std::string input = whole(Opcode::text, "done") + last_part("late");
  const std::vector<Seen> seen = decode_all(decoder, input);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, Event::Kind::text);
  EXPECT_EQ(seen[1].kind, Event::Kind::violation);
  EXPECT_EQ(seen[1].code, kProtocolError);
}

TEST(WsDecoder, RefusesANewTextFrameInsideAFragmentedMessage) {
  for (const std::string& intruder :
       {whole(Opcode::text, "new"), first_part(Opcode::text, "new")}) {
    Decoder decoder(kLimit);
    std::string input = first_part(Opcode::text, "started") + intruder;
    const std::vector<Seen> seen = decode_all(decoder, input);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].kind, Event::Kind::violation);
    EXPECT_EQ(seen[0].code, kProtocolError);
  }
}

TEST(WsDecoder, RefusesATooBigFrameFromItsHeaderAlone) {
  Decoder decoder(1000);
  // Header and masking key of a 1001-byte frame; none of the payload yet.
  std::string input = header_bytes(kFin | bits(Opcode::text), 1001, LengthForm::shortest) + "mask";
  std::span<char> rest(input);
  const auto event = decoder.next(rest);
  ASSERT_TRUE(event) << "refused before its payload arrives";
  EXPECT_EQ(event->kind, Event::Kind::violation);
  EXPECT_EQ(static_cast<int>(event->code), kTooBig);
}

TEST(WsDecoder, RefusesAHugeSixtyFourBitFrameFromItsHeaderAlone) {
  Decoder decoder(kLimit);
  std::string input =
      header_bytes(kFin | bits(Opcode::text), 1ULL << 40, LengthForm::shortest) + "mask";
  std::span<char> rest(input);
  const auto event = decoder.next(rest);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, Event::Kind::violation);
  EXPECT_EQ(static_cast<int>(event->code), kTooBig);
}

TEST(WsDecoder, AcceptsFragmentsAddingUpToTheLimit) {
  Decoder decoder(1000);
  std::string input = first_part(Opcode::text, std::string(600, 'a')) +
                      middle_part(std::string(300, 'b')) + last_part(std::string(100, 'c'));
  const std::vector<Seen> seen = decode_all(decoder, input);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Event::Kind::text);
  EXPECT_EQ(seen[0].payload.size(), 1000u);
}

TEST(WsDecoder, RefusesFragmentsAddingUpToMoreThanTheLimit) {
  Decoder decoder(1000);
  std::string start =
      first_part(Opcode::text, std::string(600, 'a')) + middle_part(std::string(300, 'b'));
  EXPECT_TRUE(decode_all(decoder, start).empty());
  // The fragment that passes the limit is refused from its header.
  std::string too_much =
      header_bytes(bits(Opcode::continuation), 101, LengthForm::shortest) + "mask";
  std::span<char> rest(too_much);
  const auto event = decoder.next(rest);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, Event::Kind::violation);
  EXPECT_EQ(static_cast<int>(event->code), kTooBig);
}

TEST(WsDecoder, RefusesInvalidUtf8InAWholeFrame) {
  const std::vector<std::string> invalid = {
      "\x80",              // a lone continuation byte
      "ok\xFF",            // never in UTF-8
      "\xC0\xAF",          // overlong '/'
      "\xE0\x80\xAF",      // overlong, three bytes
      "\xED\xA0\x80",      // a UTF-16 surrogate
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\xC3",              // cut short at the end
      "abc\xE2\x82",       // cut short at the end
      "\xE2\x82(",         // cut short in the middle
  };
  for (const std::string& text : invalid) {
    EXPECT_EQ(violation_code(whole(Opcode::text, text)), kInvalidPayload)
        << testing::PrintToString(text);
  }
}

TEST(WsDecoder, AcceptsValidUtf8OfEveryLength) {
  const std::string text = "a \xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E \xF4\x8F\xBF\xBF";
  const Seen seen = only_event(whole(Opcode::text, text));
  EXPECT_EQ(seen.kind, Event::Kind::text);
  EXPECT_EQ(seen.payload, text);
}

TEST(WsDecoder, RefusesInvalidUtf8InAFragmentAtOnce) {
  Decoder decoder(kLimit);
  std::string input = first_part(Opcode::text, "fine so far \xFF");
  const std::vector<Seen> seen = decode_all(decoder, input);
  ASSERT_EQ(seen.size(), 1u) << "not held until the last fragment";
  EXPECT_EQ(seen[0].kind, Event::Kind::violation);
  EXPECT_EQ(seen[0].code, kInvalidPayload);
}

TEST(WsDecoder, RefusesInvalidUtf8InAMiddleFragmentAtOnce) {
  Decoder decoder(kLimit);
  std::string input = first_part(Opcode::text, "\xE2\x82") + middle_part("x");
  const std::vector<Seen> seen = decode_all(decoder, input);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Event::Kind::violation);
  EXPECT_EQ(seen[0].code, kInvalidPayload);
}

TEST(WsDecoder, RefusesACharacterCutShortByTheLastFragment) {
  Decoder decoder(kLimit);
  std::string start = first_part(Opcode::text, "a\xE2");
  EXPECT_TRUE(decode_all(decoder, start).empty()) << "the character may still be completed";
  std::string end = last_part("\x82");
  const std::vector<Seen> seen = decode_all(decoder, end);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Event::Kind::violation);
  EXPECT_EQ(seen[0].code, kInvalidPayload);
}

TEST(WsDecoder, RefusesCloseCodesNoPeerMaySend) {
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
    EXPECT_EQ(violation_code(whole(Opcode::close, close_payload(code))), kProtocolError) << code;
  }
}

TEST(WsDecoder, RefusesAOneByteClosePayload) {
  EXPECT_EQ(violation_code(whole(Opcode::close, "\x03")), kProtocolError);
}

TEST(WsDecoder, RefusesACloseReasonThatIsNotUtf8) {
  EXPECT_EQ(violation_code(whole(Opcode::close, close_payload(1000, "bye\xFF"))), kInvalidPayload);
  EXPECT_EQ(violation_code(whole(Opcode::close, close_payload(1000, "\xE2\x82"))), kInvalidPayload);
}

TEST(WsDecoder, RefusesBinaryFramesWith1003) {
  EXPECT_EQ(violation_code(whole(Opcode::binary, R"({"type":"ping"})")), kUnsupportedData);
  EXPECT_EQ(violation_code(whole(Opcode::binary, "")), kUnsupportedData);
  EXPECT_EQ(violation_code(first_part(Opcode::binary, "part")), kUnsupportedData);
}

TEST(WsDecoder, ViolationsAreReportedEvenAfterGoodFrames) {
  Decoder decoder(kLimit);
  std::string input = whole(Opcode::text, "good") + whole(Opcode::binary, "bad") +
                      whole(Opcode::text, "never read");
  const std::vector<Seen> seen = decode_all(decoder, input);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, Event::Kind::text);
  EXPECT_EQ(seen[1].kind, Event::Kind::violation);
  EXPECT_EQ(seen[1].code, kUnsupportedData);
}

// Hostile bytes, many times over: the decoder must never read or hand out
// anything outside its input (the sanitizer build checks every access),
// always make progress or ask for more, and stop at a violation.
TEST(WsDecoder, SurvivesRandomInput) {
  std::mt19937 random(20261122);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 40);
  for (int round = 0; round < 20000; ++round) {
    Decoder decoder(64);
    std::string bytes(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : bytes) c = static_cast<char>(byte(random));
    // Mostly well-formed headers, so that decoding gets past the first checks.
    if (bytes.size() >= 2 && round % 2 == 0) {
      bytes[0] = static_cast<char>((bytes[0] & 0x8F));
      bytes[1] = static_cast<char>(bytes[1] | 0x80);
    }
    std::span<char> input(bytes);
    for (int events = 0; events < 64; ++events) {
      const std::size_t before = input.size();
      const std::optional<Event> event = decoder.next(input);
      ASSERT_GE(input.data(), bytes.data());
      ASSERT_EQ(input.data() + input.size(), bytes.data() + bytes.size());
      if (!event || event->kind == Event::Kind::violation) break;
      ASSERT_LT(input.size(), before) << "an event must consume bytes";
      if (event->kind == Event::Kind::text) {
        EXPECT_LE(event->payload.size(), 64u);
      }
    }
  }
}

}  // namespace
}  // namespace parley::transport::ws
