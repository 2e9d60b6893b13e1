// Bearer tokens: made by registered users only, good on HTTP and WebSocket
// without CSRF, listed without their secret, revoked for good, and never a
// fallback to another identity when invalid.
#include <algorithm>

#include "api/api_test.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;

class TokenTest : public ApiTest {};

TEST_F(TokenTest, CreatedTokenIsABearerIdentityOnHttp) {
  start_server();
  const Session alice = register_account("Alice");
  const HttpResponse created = http().request("POST", "/api/tokens", cookie_and_csrf(alice));
  ASSERT_EQ(created.status, 201) << created.describe();
  const std::string token = text_field(created.json(), "token");
  const std::string id = text_field(created.json(), "id");
  EXPECT_FALSE(token.empty());
  EXPECT_FALSE(id.empty());

  const HttpResponse me = http().get("/api/me", bearer(token));
  ASSERT_EQ(me.status, 200) << me.describe();
  EXPECT_EQ(text_field(me.json(), "user"), "Alice");
  EXPECT_EQ(field(me.json(), "guest"), false);

  // No CSRF token is needed with a bearer token (and no cookie is set).
  const HttpResponse post = post_message("lobby", "from a bot", "b1", bearer(token));
  ASSERT_EQ(post.status, 201) << post.describe();
  const json::value history = read_messages("lobby", "after=0", bearer(token));
  ASSERT_EQ(field(history, "messages").as_array().size(), 1u) << json::serialize(history);
  EXPECT_EQ(text_field(field(history, "messages").as_array()[0], "user"), "Alice");
}

TEST_F(TokenTest, ListShowsIdsWithoutSecrets) {
  start_server();
  const Session alice = register_account("Alice");
  const auto [first, first_id] = create_token(alice);
  const auto [second, second_id] = create_token(alice);
  EXPECT_NE(first, second);
  EXPECT_NE(first_id, second_id);
  for (const HttpHeaders& identity : {cookie_of(alice), bearer(first)}) {
    const HttpResponse listed = http().get("/api/tokens", identity);
    ASSERT_EQ(listed.status, 200) << listed.describe();
    std::vector<std::string> ids;
    const json::value body = listed.json();
    for (const json::value& entry : field(body, "tokens").as_array()) {
      ids.push_back(text_field(entry, "id"));
    }
    std::sort(ids.begin(), ids.end());
    std::vector<std::string> expected = {first_id, second_id};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(ids, expected) << listed.describe();
    EXPECT_EQ(listed.body.find(first), std::string::npos) << "a secret leaked: " << listed.body;
    EXPECT_EQ(listed.body.find(second), std::string::npos) << "a secret leaked: " << listed.body;
  }
}

TEST_F(TokenTest, TheSchemeIsCaseInsensitiveAndTheListAnswersHead) {
  start_server();
  const Session alice = register_account("Alice");
  const auto [token, id] = create_token(alice);
  for (const char* scheme : {"bearer ", "BEARER ", "Bearer "}) {
    const HttpResponse me = http().get("/api/me", {{"Authorization", scheme + token}});
    EXPECT_EQ(me.status, 200) << scheme << me.describe();
  }
  const HttpResponse head = http().request("HEAD", "/api/tokens", bearer(token));
  EXPECT_EQ(head.status, 200) << head.describe();
  EXPECT_TRUE(head.body.empty()) << head.describe();
}

TEST_F(TokenTest, GuestsCannotHaveTokens) {
  start_server();
  const Session zed = start_guest("Zed");
  const HttpResponse created = http().request("POST", "/api/tokens", cookie_and_csrf(zed));
  EXPECT_EQ(created.status, 403) << created.describe();
  EXPECT_EQ(error_code_of(created), "forbidden") << created.describe();
}

TEST_F(TokenTest, TokensNeedAnIdentity) {
  start_server();
  EXPECT_EQ(http().request("POST", "/api/tokens").status, 401);
  EXPECT_EQ(http().get("/api/tokens").status, 401);
  EXPECT_EQ(http().request("DELETE", "/api/tokens/abc").status, 401);
}

TEST_F(TokenTest, TokenOpensAWebSocketWithoutOrigin) {
  start_server();
  const Session alice = register_account("Alice");
  const auto [token, id] = create_token(alice);
  for (const auto& [target, headers] : std::vector<std::pair<std::string, HttpHeaders>>{
           {"/ws?token=" + token, {}}, {"/ws", bearer(token)}}) {
    WsClient client;
    ASSERT_EQ(client.connect(port(), target, headers), kSwitchingProtocols) << target;
    const Frame hello = client.expect("hello");
    EXPECT_EQ(string_field(hello, "user"), "Alice") << to_text(hello);
    EXPECT_EQ(hello.at("guest"), false) << to_text(hello);
  }
}

TEST_F(TokenTest, RevokedTokenIs401OnHttpAndWebSocket) {
  start_server();
  const Session alice = register_account("Alice");
  const auto [token, id] = create_token(alice);
  const auto [other, other_id] = create_token(alice);
  ASSERT_EQ(http().get("/api/me", bearer(token)).status, 200);  // known (and cached) first

  const HttpResponse revoke = http().request("DELETE", "/api/tokens/" + id, cookie_and_csrf(alice));
  ASSERT_EQ(revoke.status, 204) << revoke.describe();
  const HttpResponse me = http().get("/api/me", bearer(token));
  EXPECT_EQ(me.status, 401) << me.describe();
  EXPECT_EQ(error_code_of(me), "unauthorized") << me.describe();
  EXPECT_EQ(post_message("lobby", "x", "r1", bearer(token)).status, 401);
  EXPECT_EQ(upgrade_status("/ws?token=" + token), 401);

  const HttpResponse listed = http().get("/api/tokens", cookie_of(alice));
  ASSERT_EQ(listed.status, 200) << listed.describe();
  EXPECT_EQ(listed.body.find(id), std::string::npos) << listed.body;
  EXPECT_NE(listed.body.find(other_id), std::string::npos) << listed.body;

  // A token can revoke itself, without CSRF.
  const HttpResponse self = http().request("DELETE", "/api/tokens/" + other_id, bearer(other));
  EXPECT_EQ(self.status, 204) << self.describe();
  EXPECT_EQ(http().get("/api/me", bearer(other)).status, 401);
}

TEST_F(TokenTest, NobodyRevokesAnotherUsersToken) {
  start_server();
  const Session alice = register_account("Alice");
  const Session bob = register_account("Bob");
  const auto [token, id] = create_token(alice);
  const HttpResponse revoke = http().request("DELETE", "/api/tokens/" + id, cookie_and_csrf(bob));
  EXPECT_NE(revoke.status, 204) << revoke.describe();
  EXPECT_GE(revoke.status, 400) << revoke.describe();
  EXPECT_EQ(http().get("/api/me", bearer(token)).status, 200) << "Alice's token still works";
}

TEST_F(TokenTest, InvalidTokenIs401AndNeverFallsBack) {
  start_server();
  const Session zed = start_guest("Zed");
  const std::string unknown = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  const std::vector<HttpHeaders> invalid = {
      bearer(unknown),
      bearer("not a token"),
      {{"Authorization", "Bearer "}},
      {{"Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}},
  };
  for (const HttpHeaders& authorization : invalid) {
    const HttpResponse me = http().get("/api/me", authorization + cookie_of(zed));
    EXPECT_EQ(me.status, 401) << authorization[0].second << ": " << me.describe();
    const HttpResponse post =
        post_message("lobby", "x", "i1", authorization + cookie_and_csrf(zed));
    EXPECT_EQ(post.status, 401) << authorization[0].second << ": " << post.describe();
  }
  const HttpHeaders browser = cookie_of(zed) + HttpHeaders{{"Origin", own_origin()}};
  EXPECT_EQ(upgrade_status("/ws?token=" + unknown, browser), 401);
  EXPECT_EQ(upgrade_status("/ws?token=" + unknown + "&name=bob"), 401);
  EXPECT_EQ(upgrade_status("/ws?name=bob&token="), 401);
  EXPECT_EQ(upgrade_status("/ws", bearer(unknown) + browser), 401);
  // The cookie alone is still fine, and bob was never taken.
  connect_ws(zed);
  connect_ws("/ws?name=bob");
}

TEST_F(TokenTest, AnAccountHoldsAtMostMaxTokensPerUserUntilItRevokesOne) {
  constexpr int kLimit = 3;
  start_server({"--max-tokens-per-user", std::to_string(kLimit)});
  const Session alice = register_account("Alice");
  const Session bob = register_account("Bob");
  std::vector<std::pair<std::string, std::string>> tokens;
  for (int i = 0; i < kLimit; ++i) tokens.push_back(create_token(alice));

  const HttpResponse refused = http().request("POST", "/api/tokens", cookie_and_csrf(alice));
  ASSERT_EQ(refused.status, 409) << refused.describe();
  EXPECT_EQ(error_code_of(refused), "conflict") << refused.describe();
  EXPECT_NE(refused.body.find("revoke"), std::string::npos) << refused.describe();
  // The ones held still work; another account has places of its own.
  EXPECT_EQ(http().get("/api/me", bearer(tokens.back().first)).status, 200);
  create_token(bob);

  const HttpResponse revoked =
      http().request("DELETE", "/api/tokens/" + tokens.front().second, cookie_and_csrf(alice));
  ASSERT_EQ(revoked.status, 204) << revoked.describe();
  create_token(alice);  // a revoked token frees its place
  EXPECT_EQ(http().request("POST", "/api/tokens", cookie_and_csrf(alice)).status, 409);
}

}  // namespace
}  // namespace parley::test
