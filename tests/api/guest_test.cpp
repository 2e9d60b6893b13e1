// Guests: POST /api/guest sessions and ?name= connections, and the rule
// that a name is held by one holder only (accounts included).
#include "api/api_test.hpp"

#include <thread>

namespace parley::test {
namespace {

namespace json = boost::json;

class GuestTest : public ApiTest {};

TEST_F(GuestTest, GuestAnswers200WithGuestTrueAndACookie) {
  start_server();
  const HttpResponse response = post_credentials("/api/guest", "Zed", std::nullopt);
  ASSERT_EQ(response.status, 200) << response.describe();
  const json::value body = response.json();
  EXPECT_EQ(text_field(body, "user"), "Zed");
  EXPECT_EQ(field(body, "guest"), true);
  EXPECT_FALSE(text_field(body, "csrf_token").empty());
  const auto cookie = response.set_cookie(kSessionCookie);
  ASSERT_TRUE(cookie) << response.describe();
  EXPECT_NE(cookie->find("; HttpOnly"), std::string::npos) << *cookie;
  EXPECT_NE(cookie->find("; SameSite=Lax"), std::string::npos) << *cookie;

  const Session session{"Zed", true, *response.cookie_value(kSessionCookie),
                        text_field(body, "csrf_token")};
  const HttpResponse me = http().get("/api/me", cookie_of(session));
  ASSERT_EQ(me.status, 200) << me.describe();
  EXPECT_EQ(text_field(me.json(), "user"), "Zed");
  EXPECT_EQ(field(me.json(), "guest"), true);
}

TEST_F(GuestTest, GuestCannotTakeARegisteredName) {
  start_server();
  register_account("Alice");
  for (std::string_view name : {"Alice", "alice"}) {
    const HttpResponse response = post_credentials("/api/guest", name, std::nullopt);
    EXPECT_EQ(response.status, 409) << name << ": " << response.describe();
    EXPECT_EQ(error_code_of(response), "conflict") << response.describe();
    EXPECT_FALSE(response.set_cookie(kSessionCookie)) << response.describe();
  }
}

TEST_F(GuestTest, GuestCannotTakeANameHeldByAnotherGuestSession) {
  start_server();
  start_guest("Zed");
  for (std::string_view name : {"Zed", "zed", "ZED"}) {
    const HttpResponse response = post_credentials("/api/guest", name, std::nullopt);
    EXPECT_EQ(response.status, 409) << name << ": " << response.describe();
    EXPECT_FALSE(response.set_cookie(kSessionCookie)) << response.describe();
  }
}

TEST_F(GuestTest, GuestCannotTakeANameHeldByANameConnection) {
  start_server();
  auto wally = connect_ws("/ws?name=Wally");
  const HttpResponse response = post_credentials("/api/guest", "wally", std::nullopt);
  EXPECT_EQ(response.status, 409) << response.describe();
  EXPECT_FALSE(response.set_cookie(kSessionCookie)) << response.describe();

  // The connection holds the name while it is open, no longer.
  wally->close();
  HttpResponse later;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  do {
    later = post_credentials("/api/guest", "wally", std::nullopt);
    if (later.status != 409) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(later.status, 200) << later.describe();
}

TEST_F(GuestTest, NameConnectionCannotTakeANameHeldByAGuestSession) {
  start_server();
  start_guest("Zed");
  EXPECT_EQ(upgrade_status("/ws?name=Zed"), 409);
  EXPECT_EQ(upgrade_status("/ws?name=zed"), 409);
  // A free name still works.
  connect_ws("/ws?name=Zoe");
}

TEST_F(GuestTest, NameConnectionCannotTakeAnAccountName) {
  start_server();
  register_account("Alice");
  EXPECT_EQ(upgrade_status("/ws?name=Alice"), 409);
  EXPECT_EQ(upgrade_status("/ws?name=ALICE"), 409);
}

TEST_F(GuestTest, RegisterRefusesANameHeldByAGuest) {
  start_server();
  start_guest("Zed");
  const HttpResponse session_held = post_credentials("/api/register", "zed", kPassword);
  EXPECT_EQ(session_held.status, 409) << session_held.describe();
  auto wally = connect_ws("/ws?name=Wally");
  const HttpResponse connection_held = post_credentials("/api/register", "wally", kPassword);
  EXPECT_EQ(connection_held.status, 409) << connection_held.describe();
}

TEST_F(GuestTest, LogoutFreesTheGuestName) {
  start_server();
  const Session zed = start_guest("Zed");
  const HttpResponse logout = http().request("POST", "/api/logout", cookie_and_csrf(zed));
  ASSERT_EQ(logout.status, 204) << logout.describe();
  EXPECT_EQ(start_guest("zed").user, "zed");
}

TEST_F(GuestTest, NoGuestsRefusesGuestSessionsAndNameConnectionsWith403) {
  start_server({"--no-guests"});
  const HttpResponse response = post_credentials("/api/guest", "Zed", std::nullopt);
  EXPECT_EQ(response.status, 403) << response.describe();
  EXPECT_EQ(error_code_of(response), "forbidden") << response.describe();
  EXPECT_FALSE(response.set_cookie(kSessionCookie)) << response.describe();
  EXPECT_EQ(upgrade_status("/ws?name=Zed"), 403);
  // Accounts still work.
  const Session alice = register_account("Alice");
  auto socket = connect_ws(alice);
}

}  // namespace
}  // namespace parley::test
