// Accounts over the JSON API: POST /api/register and POST /api/login, their
// cookie, their refusals and the throttle on failed logins.
#include "api/api_test.hpp"

#include <thread>

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class AccountTest : public ApiTest {};

// "é" is two bytes in UTF-8: passwords are measured in bytes.
std::string bytes_of_e_acute(std::size_t pairs) {
  std::string text;
  for (std::size_t i = 0; i < pairs; ++i) text += "\xC3\xA9";
  return text;
}

TEST_F(AccountTest, RegisterAnswers201WithIdentityAndSessionCookie) {
  start_server();
  const HttpResponse response = post_credentials("/api/register", "Alice", kPassword);
  ASSERT_EQ(response.status, 201) << response.describe();
  EXPECT_EQ(response.header("Content-Type").value_or(""), "application/json");
  const json::value body = response.json();
  EXPECT_EQ(text_field(body, "user"), "Alice");
  EXPECT_EQ(field(body, "guest"), false);
  EXPECT_FALSE(text_field(body, "csrf_token").empty());

  const auto cookie = response.set_cookie(kSessionCookie);
  ASSERT_TRUE(cookie) << response.describe();
  EXPECT_NE(cookie->find("; HttpOnly"), std::string::npos) << *cookie;
  EXPECT_NE(cookie->find("; SameSite=Lax"), std::string::npos) << *cookie;
  EXPECT_NE(cookie->find("; Path=/"), std::string::npos) << *cookie;
  const auto max_age = cookie->find("; Max-Age=");
  ASSERT_NE(max_age, std::string::npos) << *cookie;
  EXPECT_GT(std::stoll(cookie->substr(max_age + 10)), 0) << *cookie;
  EXPECT_EQ(cookie->find("Secure"), std::string::npos) << "plain HTTP by default: " << *cookie;

  // The cookie is the session.
  const Session session{"Alice", false, *response.cookie_value(kSessionCookie),
                        text_field(body, "csrf_token")};
  const HttpResponse me = http().get("/api/me", cookie_of(session));
  ASSERT_EQ(me.status, 200) << me.describe();
  EXPECT_EQ(text_field(me.json(), "user"), "Alice");
  EXPECT_EQ(field(me.json(), "guest"), false);
  EXPECT_EQ(text_field(me.json(), "csrf_token"), session.csrf_token);
}

TEST_F(AccountTest, CookiesAreSecureBehindTls) {
  start_server({"--behind-tls"});
  const HttpResponse account = post_credentials("/api/register", "Alice", kPassword);
  ASSERT_EQ(account.status, 201) << account.describe();
  const auto cookie = account.set_cookie(kSessionCookie);
  ASSERT_TRUE(cookie) << account.describe();
  EXPECT_NE(cookie->find("; Secure"), std::string::npos) << *cookie;
  EXPECT_NE(cookie->find("; HttpOnly"), std::string::npos) << *cookie;

  const HttpResponse guest = post_credentials("/api/guest", "Gus", std::nullopt);
  ASSERT_EQ(guest.status, 200) << guest.describe();
  EXPECT_NE(guest.set_cookie(kSessionCookie).value_or("").find("; Secure"), std::string::npos)
      << guest.describe();

  const HttpResponse form = http().get("/login");
  ASSERT_EQ(form.status, 200) << form.describe();
  EXPECT_NE(form.set_cookie(kFormCookie).value_or("").find("; Secure"), std::string::npos)
      << form.describe();
}

TEST_F(AccountTest, TakenNameIsRefusedWith409WhateverItsCase) {
  start_server();
  register_account("Alice");
  for (std::string_view name : {"Alice", "alice", "ALICE"}) {
    const HttpResponse response = post_credentials("/api/register", name, "another password");
    EXPECT_EQ(response.status, 409) << name << ": " << response.describe();
    EXPECT_EQ(error_code_of(response), "conflict") << response.describe();
    EXPECT_FALSE(response.set_cookie(kSessionCookie)) << response.describe();
  }
  // The first owner keeps the name and the password.
  EXPECT_EQ(log_in("alice").user, "Alice");
}

TEST_F(AccountTest, PasswordsHave8To1024Bytes) {
  start_server();
  const auto refused = [&](std::string_view name, const std::string& password) {
    const HttpResponse response = post_credentials("/api/register", name, password);
    EXPECT_EQ(response.status, 400) << password.size() << " bytes: " << response.describe();
    EXPECT_EQ(error_code_of(response), "bad_request") << response.describe();
  };
  refused("short", "1234567");
  refused("empty", "");
  refused("long", bytes_of_e_acute(512) + "a");  // 1025 bytes, 513 characters

  EXPECT_EQ(register_account("eight", "12345678").user, "eight");
  const std::string longest = bytes_of_e_acute(512);  // 1024 bytes
  EXPECT_EQ(register_account("long", longest).user, "long") << "the refusal took nothing";
  EXPECT_EQ(log_in("long", longest).user, "long");
}

TEST_F(AccountTest, InvalidNameIsRefusedWith400) {
  start_server();
  const std::vector<std::string> names = {
      "", "-dash", "_under", ".dot", "a b", "a!", "caf\xC3\xA9", std::string(33, 'a'), "a/b"};
  for (const std::string& name : names) {
    const HttpResponse response = post_credentials("/api/register", name, kPassword);
    EXPECT_EQ(response.status, 400) << "\"" << name << "\": " << response.describe();
    EXPECT_EQ(error_code_of(response), "bad_request") << response.describe();
  }
  // A name that is not a string, or none, or no password at all.
  for (std::string_view body :
       {R"({"name":42,"password":"12345678"})", R"({"password":"12345678"})", R"({"name":"bob"})",
        R"({"name":"bob","password":12345678})"}) {
    const HttpResponse response = http().post_json("/api/register", body);
    EXPECT_EQ(response.status, 400) << body << ": " << response.describe();
  }
  // 32 characters is the longest name.
  EXPECT_EQ(register_account(std::string("a").append(31, 'b')).user.size(), 32u);
}

TEST_F(AccountTest, BodyThatIsNotJsonIs415AndMalformedJsonIs400) {
  start_server();
  const std::string body = R"({"name":"bob","password":"12345678"})";
  for (std::string_view path : {"/api/register", "/api/login", "/api/guest"}) {
    const HttpResponse text = http().request("POST", path, {{"Content-Type", "text/plain"}}, body);
    EXPECT_EQ(text.status, 415) << path << ": " << text.describe();
    const HttpResponse form = http().request(
        "POST", path, {{"Content-Type", "application/x-www-form-urlencoded"}}, "name=bob");
    EXPECT_EQ(form.status, 415) << path << ": " << form.describe();
    const HttpResponse untyped = http().request("POST", path, {}, body);
    EXPECT_EQ(untyped.status, 415) << path << ": " << untyped.describe();

    for (std::string_view malformed : {R"({"name":"bob",)", "[1,2]", R"("bob")", "", "nul"}) {
      const HttpResponse response = http().post_json(path, malformed);
      EXPECT_EQ(response.status, 400) << path << " " << malformed << ": " << response.describe();
      EXPECT_EQ(error_code_of(response), "bad_request") << response.describe();
    }
  }
  // None of it made an account or a guest: the name is free.
  EXPECT_EQ(start_guest("bob").user, "bob");
}

TEST_F(AccountTest, LoginAnswers200WithANewCookieAndTheNameAsRegistered) {
  start_server();
  const Session registered = register_account("Alice");
  const HttpResponse response = post_credentials("/api/login", "alice", kPassword);
  ASSERT_EQ(response.status, 200) << response.describe();
  const json::value body = response.json();
  EXPECT_EQ(text_field(body, "user"), "Alice") << "shown as registered, not as typed";
  EXPECT_EQ(field(body, "guest"), false);
  const auto cookie = response.cookie_value(kSessionCookie);
  ASSERT_TRUE(cookie) << response.describe();
  EXPECT_NE(*cookie, registered.cookie) << "a login starts a new session";
  EXPECT_NE(text_field(body, "csrf_token"), registered.csrf_token);

  const HttpResponse me = http().get("/api/me", {{"Cookie", "parley_session=" + *cookie}});
  ASSERT_EQ(me.status, 200) << me.describe();
  EXPECT_EQ(text_field(me.json(), "user"), "Alice");
}

TEST_F(AccountTest, WrongPasswordAndUnknownNameAre401) {
  start_server();
  register_account("Alice");
  const HttpResponse wrong = post_credentials("/api/login", "Alice", "not the password");
  EXPECT_EQ(wrong.status, 401) << wrong.describe();
  EXPECT_EQ(error_code_of(wrong), "unauthorized") << wrong.describe();
  EXPECT_FALSE(wrong.set_cookie(kSessionCookie)) << wrong.describe();

  const HttpResponse unknown = post_credentials("/api/login", "nobody", kPassword);
  EXPECT_EQ(unknown.status, 401) << unknown.describe();
  EXPECT_EQ(error_code_of(unknown), "unauthorized") << unknown.describe();
  EXPECT_FALSE(unknown.set_cookie(kSessionCookie)) << unknown.describe();

  const HttpResponse too_long = post_credentials("/api/login", "Alice", std::string(1025, 'x'));
  EXPECT_EQ(too_long.status, 401) << too_long.describe();
}

TEST_F(AccountTest, RepeatedFailedLoginsAre429WithRetryAfter) {
  constexpr int kLimit = 3;
  start_server({"--login-failures-per-account", std::to_string(kLimit)});
  register_account("Alice");
  register_account("Carol");
  for (int failure = 1; failure <= kLimit; ++failure) {
    const HttpResponse response = post_credentials("/api/login", "alice", "wrong password");
    EXPECT_EQ(response.status, 401) << "failure " << failure << ": " << response.describe();
  }
  const HttpResponse limited = post_credentials("/api/login", "Alice", "wrong password");
  ASSERT_EQ(limited.status, 429) << limited.describe();
  EXPECT_EQ(error_code_of(limited), "rate_limited") << limited.describe();
  const auto retry_after = limited.header("Retry-After");
  ASSERT_TRUE(retry_after) << limited.describe();
  const long long seconds = std::stoll(*retry_after);
  EXPECT_GE(seconds, 1);
  EXPECT_LE(seconds, 15 * 60) << "the default window is 15 minutes";

  // The right password does not get through either while the account waits.
  const HttpResponse right = post_credentials("/api/login", "Alice", kPassword);
  EXPECT_EQ(right.status, 429) << right.describe();
  EXPECT_FALSE(right.set_cookie(kSessionCookie)) << right.describe();
  // Another account (from the same address) is not affected.
  EXPECT_EQ(log_in("Carol").user, "Carol");
}

TEST_F(AccountTest, DefaultLimitIsTenFailedLoginsPerAccount) {
  start_server();
  register_account("Alice");
  for (int failure = 1; failure <= 10; ++failure) {
    const HttpResponse response = post_credentials("/api/login", "Alice", "wrong password");
    ASSERT_EQ(response.status, 401) << "failure " << failure << ": " << response.describe();
  }
  const HttpResponse limited = post_credentials("/api/login", "Alice", "wrong password");
  EXPECT_EQ(limited.status, 429) << "after 10 failures: " << limited.describe();
  EXPECT_TRUE(limited.header("Retry-After")) << limited.describe();
}

TEST_F(AccountTest, FailedLoginsSentTogetherAreCountedBeforeTheyAreVerified) {
  constexpr int kLimit = 3;
  start_server({"--login-failures-per-account", std::to_string(kLimit)});
  register_account("Alice");
  const std::string body = R"({"name":"Alice","password":"wrong password"})";
  std::vector<std::unique_ptr<HttpClient>> attempts;
  for (int i = 0; i < 8; ++i) {
    attempts.push_back(new_client());
    ASSERT_TRUE(attempts.back()->send_request("POST", "/api/login",
                                              {{"Content-Type", "application/json"}}, body));
  }
  int wrong = 0;
  int limited = 0;
  for (auto& attempt : attempts) {
    const auto answer = attempt->read_response(30s);
    ASSERT_TRUE(answer);
    if (answer->status == 401) ++wrong;
    if (answer->status == 429) ++limited;
  }
  EXPECT_EQ(wrong, kLimit) << "each verified guess counts, even those sent together";
  EXPECT_EQ(limited, 8 - kLimit);
}

TEST_F(AccountTest, ARegistrationAndAGuestNeverBothGetAName) {
  start_server();
  // The registration hashes its password (~100 ms) while the guest connects.
  auto registration = new_client();
  ASSERT_TRUE(registration->send_request(
      "POST", "/api/register", {{"Content-Type", "application/json"}},
      R"({"name":"Eve","password":")" + std::string(kPassword) + R"("})"));
  std::this_thread::sleep_for(20ms);
  WsClient guest;
  const int upgrade = guest.connect(port(), "/ws?name=Eve");
  const auto registered = registration->read_response(30s);
  ASSERT_TRUE(registered);
  EXPECT_FALSE(upgrade == kSwitchingProtocols && registered->status == 201)
      << "a guest and an account both hold Eve";
  EXPECT_TRUE(upgrade == kSwitchingProtocols || registered->status == 201)
      << "one of them gets the name: upgrade " << upgrade << ", " << registered->describe();
}

}  // namespace
}  // namespace parley::test
