// The WebSocket opening handshake at the HTTP level (RFC 6455 4.2): only
// version 13 is spoken (426 naming it otherwise), the Sec-WebSocket-Key must
// be the base64 of 16 bytes (400 otherwise), refusals carry the contract's
// JSON error body and hold no guest name, and the 101 answer proves that
// the server read the key.
#include <cctype>

#include "api/api_test.hpp"

namespace parley::test {
namespace {

constexpr std::string_view kRfcKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kRfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// The header fields of an upgrade request; a field whose value is
// std::nullopt is left out.
HttpHeaders upgrade_headers(std::optional<std::string> key, std::optional<std::string> version) {
  HttpHeaders headers = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
  if (key) headers.emplace_back("Sec-WebSocket-Key", *key);
  if (version) headers.emplace_back("Sec-WebSocket-Version", *version);
  return headers;
}

// The body is {"error":{"code":C,"message":M}} with string C and M.
void expect_json_error_body(const HttpResponse& response) {
  boost::system::error_code error;
  const boost::json::value body = boost::json::parse(response.body, error);
  ASSERT_FALSE(error) << response.describe();
  ASSERT_TRUE(body.is_object()) << response.describe();
  const boost::json::value* inner = body.as_object().if_contains("error");
  ASSERT_TRUE(inner && inner->is_object()) << response.describe();
  const boost::json::value* code = inner->as_object().if_contains("code");
  const boost::json::value* message = inner->as_object().if_contains("message");
  EXPECT_TRUE(code && code->is_string() && !code->as_string().empty()) << response.describe();
  EXPECT_TRUE(message && message->is_string()) << response.describe();
  const auto type = response.header("Content-Type");
  EXPECT_TRUE(type && type->find("application/json") != std::string::npos) << response.describe();
}

class WsUpgradeTest : public ApiTest {
 protected:
  // Answers an upgrade of `target` on a connection of its own.
  HttpResponse upgrade(std::string_view target, const HttpHeaders& headers) {
    auto client = new_client();
    return client->get(target, headers);
  }

  // A guest by `name` can still connect: the refusals held nothing.
  void expect_name_free(std::string_view name) {
    WsClient client;
    EXPECT_EQ(client.connect(port(), "/ws?name=" + std::string(name)), kSwitchingProtocols);
  }
};

TEST_F(WsUpgradeTest, VersionOtherThan13IsRefusedWith426NamingVersion13) {
  start_server();
  for (const std::string version : {"12", "8", "14", "13, 8"}) {
    const HttpResponse response =
        upgrade("/ws?name=Ann", upgrade_headers(std::string(kRfcKey), version));
    EXPECT_EQ(response.status, 426) << "version " << version << ": " << response.describe();
    EXPECT_EQ(response.header("Sec-WebSocket-Version"), "13") << response.describe();
    EXPECT_FALSE(response.header("Sec-WebSocket-Accept")) << response.describe();
    expect_json_error_body(response);
  }
  expect_name_free("Ann");
}

TEST_F(WsUpgradeTest, MissingVersionIsRefused) {
  start_server();
  const HttpResponse response =
      upgrade("/ws?name=Ann", upgrade_headers(std::string(kRfcKey), std::nullopt));
  EXPECT_TRUE(response.status == 426 || response.status == 400) << response.describe();
  expect_json_error_body(response);
  expect_name_free("Ann");
}

TEST_F(WsUpgradeTest, MissingKeyIsRefusedWith400) {
  start_server();
  const HttpResponse response = upgrade("/ws?name=Ann", upgrade_headers(std::nullopt, "13"));
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_EQ(error_code_of(response), "bad_request") << response.describe();
  expect_json_error_body(response);
  expect_name_free("Ann");
}

TEST_F(WsUpgradeTest, MalformedKeyIsRefusedWith400) {
  start_server();
  const std::vector<std::string> keys = {
      "",
      "not a key",
      "dGhlIHNhbXBsZSBub25jZQ=",           // 23 characters
      "dGhlIHNhbXBsZSBub25jZQ===",         // 25 characters
      "dGhlIHNhbXBsZSBub25jZQAA",          // no padding
      "dGhlIHNhbXBsZSBub25j*Q==",          // outside the base64 alphabet
      "dGhlIHNhbXBsZSBub25jZSBzZWNvbmQ=",  // more than 16 bytes
  };
  for (const std::string& key : keys) {
    const HttpResponse response = upgrade("/ws?name=Ann", upgrade_headers(key, "13"));
    EXPECT_EQ(response.status, 400) << "key \"" << key << "\": " << response.describe();
    EXPECT_EQ(error_code_of(response), "bad_request") << response.describe();
    EXPECT_FALSE(response.header("Sec-WebSocket-Accept")) << response.describe();
  }
  expect_name_free("Ann");
}

TEST_F(WsUpgradeTest, ValidUpgradeAnswers101WithTheAcceptOfTheKey) {
  start_server();
  const HttpResponse response =
      upgrade("/ws?name=Ann", upgrade_headers(std::string(kRfcKey), "13"));
  ASSERT_EQ(response.status, 101) << response.describe();
  EXPECT_EQ(response.header("Sec-WebSocket-Accept"), std::string(kRfcAccept))
      << response.describe();
  const auto upgrade_field = response.header("Upgrade");
  ASSERT_TRUE(upgrade_field) << response.describe();
  std::string lowered = *upgrade_field;
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(lowered, "websocket");
}

TEST_F(WsUpgradeTest, PlainGetOfTheSocketUrlIs400) {
  start_server();
  const HttpResponse response = http().get("/ws?name=Ann");
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_EQ(error_code_of(response), "bad_request") << response.describe();
}

}  // namespace
}  // namespace parley::test
