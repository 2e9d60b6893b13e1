// Browser sessions: /api/me, logout that really ends the session on the
// server, CSRF on every state-changing request made with the cookie, and
// cookies that are not sessions.
#include "api/api_test.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;

class SessionTest : public ApiTest {};

TEST_F(SessionTest, MeWithoutIdentityIs401) {
  start_server();
  const HttpResponse response = http().get("/api/me");
  EXPECT_EQ(response.status, 401) << response.describe();
  EXPECT_EQ(error_code_of(response), "unauthorized") << response.describe();
}

TEST_F(SessionTest, GarbageOrUnknownCookieIs401) {
  start_server();
  const std::vector<std::string> cookies = {
      "parley_session=garbage",
      "parley_session=",
      "parley_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "parley_session=../../etc/passwd",
      "other=1",
  };
  for (const std::string& cookie : cookies) {
    const HttpResponse response = http().get("/api/me", {{"Cookie", cookie}});
    EXPECT_EQ(response.status, 401) << cookie << ": " << response.describe();
  }
}

TEST_F(SessionTest, SessionKeepsWorkingOnRepeatedUse) {
  start_server();
  const Session zed = start_guest("Zed");
  for (int i = 0; i < 5; ++i) {
    const HttpResponse response = http().get("/api/me", cookie_of(zed));
    ASSERT_EQ(response.status, 200) << "use " << i << ": " << response.describe();
    EXPECT_EQ(text_field(response.json(), "user"), "Zed");
    EXPECT_EQ(text_field(response.json(), "csrf_token"), zed.csrf_token);
  }
  // On a fresh connection too.
  HttpClient other(port());
  EXPECT_EQ(other.get("/api/me", cookie_of(zed)).status, 200);
}

TEST_F(SessionTest, PlantedSecondSessionCookieIsNotTrusted) {
  start_server();
  const Session zed = start_guest("Zed");
  const HttpResponse response =
      http().get("/api/me", {{"Cookie", "parley_session=" + zed.cookie +
                                            "; parley_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}});
  EXPECT_EQ(response.status, 401) << response.describe();
}

// A browser may send its cookies in several Cookie fields (HTTP/2 proxies
// do): they are one list, so two session cookies mean neither there too.
TEST_F(SessionTest, SessionCookiesInSeparateCookieFieldsAreReadAsOneList) {
  start_server();
  const Session zed = start_guest("Zed");
  const Session amy = start_guest("Amy");
  const HttpResponse both = http().get("/api/me", {{"Cookie", "parley_session=" + zed.cookie},
                                                   {"Cookie", "parley_session=" + amy.cookie}});
  EXPECT_EQ(both.status, 401) << both.describe();
  // One session cookie, in whichever field, works as before.
  const HttpResponse second = http().get(
      "/api/me", {{"Cookie", "theme=dark"}, {"Cookie", "lang=en; parley_session=" + amy.cookie}});
  ASSERT_EQ(second.status, 200) << second.describe();
  EXPECT_EQ(text_field(second.json(), "user"), "Amy");
  const HttpResponse one = http().get("/api/me", {{"Cookie", "parley_session=" + zed.cookie}});
  ASSERT_EQ(one.status, 200) << one.describe();
  EXPECT_EQ(text_field(one.json(), "user"), "Zed");
}

TEST_F(SessionTest, LogoutEndsTheSessionOnTheServer) {
  start_server();
  const Session alice = register_account("Alice");
  const HttpResponse logout = http().request("POST", "/api/logout", cookie_and_csrf(alice));
  ASSERT_EQ(logout.status, 204) << logout.describe();
  EXPECT_TRUE(logout.body.empty()) << logout.describe();
  const auto expired = logout.set_cookie(kSessionCookie);
  ASSERT_TRUE(expired) << "the browser is told to drop the cookie: " << logout.describe();
  EXPECT_NE(expired->find("Max-Age=0"), std::string::npos) << *expired;

  // The same cookie, replayed as an attacker who kept it would, is nobody.
  const HttpResponse me = http().get("/api/me", cookie_of(alice));
  EXPECT_EQ(me.status, 401) << me.describe();
  HttpClient other(port());
  EXPECT_EQ(other.get("/api/rooms", cookie_of(alice)).status, 401);
  const HttpResponse post = post_message("lobby", "after logout", "m1", cookie_and_csrf(alice));
  EXPECT_EQ(post.status, 401) << post.describe();
  EXPECT_EQ(upgrade_status("/ws", cookie_of(alice) + HttpHeaders{{"Origin", own_origin()}}), 401);
}

TEST_F(SessionTest, LogoutWithoutTheCsrfTokenIs403AndTheSessionLives) {
  start_server();
  const Session zed = start_guest("Zed");
  const HttpResponse bare = http().request("POST", "/api/logout", cookie_of(zed));
  EXPECT_EQ(bare.status, 403) << bare.describe();
  EXPECT_EQ(error_code_of(bare), "forbidden") << bare.describe();
  const HttpResponse wrong = http().request(
      "POST", "/api/logout", cookie_of(zed) + HttpHeaders{{"X-CSRF-Token", "not-the-token"}});
  EXPECT_EQ(wrong.status, 403) << wrong.describe();
  EXPECT_EQ(http().get("/api/me", cookie_of(zed)).status, 200);
}

TEST_F(SessionTest, StateChangeWithCookieNeedsTheCsrfTokenAndStoresNothingWithout) {
  start_server();
  const Session zed = start_guest("Zed");
  const Session yan = start_guest("Yan");
  const std::vector<std::pair<std::string, HttpHeaders>> forged = {
      {"no token", cookie_of(zed)},
      {"wrong token", cookie_of(zed) + HttpHeaders{{"X-CSRF-Token", "0123456789abcdef0123"}}},
      {"empty token", cookie_of(zed) + HttpHeaders{{"X-CSRF-Token", ""}}},
      {"another session's token", cookie_of(zed) + HttpHeaders{{"X-CSRF-Token", yan.csrf_token}}},
      {"token with a suffix", cookie_of(zed) + HttpHeaders{{"X-CSRF-Token", zed.csrf_token + "x"}}},
  };
  for (const auto& [what, headers] : forged) {
    const HttpResponse response = post_message("lobby", "forged", "forged-1", headers);
    EXPECT_EQ(response.status, 403) << what << ": " << response.describe();
    EXPECT_EQ(error_code_of(response), "forbidden") << what << ": " << response.describe();
  }
  const json::value history = read_messages("lobby", "after=0", cookie_of(zed));
  EXPECT_TRUE(field(history, "messages").as_array().empty()) << json::serialize(history);
  EXPECT_EQ(number_field(history, "last_seq"), 0u);

  // With the token the same request works.
  const HttpResponse response = post_message("lobby", "real", "forged-1", cookie_and_csrf(zed));
  EXPECT_EQ(response.status, 201) << response.describe();
  EXPECT_EQ(number_field(response.json(), "seq"), 1u) << "the forged ones stored nothing";
}

TEST_F(SessionTest, TokenManagementWithCookieNeedsTheCsrfToken) {
  start_server();
  const Session alice = register_account("Alice");
  const HttpResponse create = http().request("POST", "/api/tokens", cookie_of(alice));
  EXPECT_EQ(create.status, 403) << create.describe();
  const HttpResponse listed = http().get("/api/tokens", cookie_of(alice));
  ASSERT_EQ(listed.status, 200) << listed.describe();
  EXPECT_TRUE(field(listed.json(), "tokens").as_array().empty()) << listed.describe();

  const auto [token, id] = create_token(alice);
  const HttpResponse revoke = http().request("DELETE", "/api/tokens/" + id, cookie_of(alice));
  EXPECT_EQ(revoke.status, 403) << revoke.describe();
  EXPECT_EQ(http().get("/api/me", bearer(token)).status, 200) << "the token was not revoked";
}

}  // namespace
}  // namespace parley::test
