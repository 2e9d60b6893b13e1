// A name's owner is an identity, not a string: when a session ends (logout,
// expiry) or a token is revoked, every socket and long poll that relied on
// it ends too (close 4401, or 401), and whoever takes the name afterwards is
// never spoken for by what the old owner left open. Messages from guests
// say "guest":true.
#include <sqlite3.h>

#include "api/api_test.hpp"
#include "support/postgres_database.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kSessionEnded = 4401;

class SessionEndTest : public ApiTest {
 protected:
  HttpResponse log_out(const Session& session) {
    return http().request("POST", "/api/logout", cookie_and_csrf(session));
  }
};

// A message frame or object has `guest` true, or has no such field at all.
bool says_guest(const json::object& message) {
  const auto* guest = message.if_contains("guest");
  if (guest == nullptr) return false;
  if (*guest != true) throw std::runtime_error("guest is not true: " + json::serialize(message));
  return true;
}

TEST_F(SessionEndTest, ALoggedOutGuestsSocketClosesAndNeverSpeaksForTheNewAccountOfItsName) {
  start_server();
  const Session guest = start_guest("carol");
  auto guest_ws = connect_ws(guest);
  join_room(*guest_ws, "lobby");
  ASSERT_TRUE(guest_ws->send_json(frames::send("lobby", "said by the guest", "m1")));
  EXPECT_EQ(number_field(guest_ws->expect("ack"), "seq"), 1u);

  const HttpResponse logout = log_out(guest);
  ASSERT_EQ(logout.status, 204) << logout.describe();
  EXPECT_EQ(guest_ws->wait_for_close(5s), std::optional<int>(kSessionEnded))
      << "the socket that relied on the session ends with it";

  const Session account = register_account("carol");
  auto account_ws = connect_ws(account);
  join_room(*account_ws, "lobby");
  // The account's first post with id m1 is its own message, not the guest's.
  const HttpResponse posted =
      post_message("lobby", "said by the account", "m1", cookie_and_csrf(account));
  ASSERT_EQ(posted.status, 201) << posted.describe();
  EXPECT_EQ(number_field(posted.json(), "seq"), 2u);
  const Frame live = account_ws->expect("message");
  EXPECT_EQ(text_field(live, "text"), "said by the account");
  EXPECT_FALSE(says_guest(live)) << to_text(live);

  EXPECT_EQ(members_of("lobby", cookie_of(account)), (std::vector<std::string>{"carol"}));
  const json::value history = read_messages("lobby", "after=0", cookie_of(account));
  const auto& messages = field(history, "messages").as_array();
  ASSERT_EQ(messages.size(), 2u) << json::serialize(history);
  EXPECT_TRUE(says_guest(messages[0].as_object())) << json::serialize(history);
  EXPECT_FALSE(says_guest(messages[1].as_object())) << json::serialize(history);
  EXPECT_EQ(text_field(messages[1], "user"), "carol");
}

TEST_F(SessionEndTest, GuestMessagesSayGuestLiveReplayedAndOverHttpAccountOnesDoNot) {
  start_server();
  const Session alice = register_account("alice");
  const Session gus = start_guest("gus");
  auto watcher = connect_ws(alice);
  join_room(*watcher, "lobby");
  auto gus_ws = connect_ws(gus);
  join_room(*gus_ws, "lobby");
  auto nina_ws = connect_ws("/ws?name=nina");
  join_room(*nina_ws, "lobby");

  ASSERT_TRUE(gus_ws->send_json(frames::send("lobby", "from a guest session", "g1")));
  EXPECT_TRUE(says_guest(watcher->expect("message")));
  ASSERT_TRUE(nina_ws->send_json(frames::send("lobby", "from a guest by name", "n1")));
  EXPECT_TRUE(says_guest(watcher->expect("message")));
  ASSERT_TRUE(watcher->send_json(frames::send("lobby", "from an account", "a1")));
  EXPECT_FALSE(says_guest(watcher->expect("message")));

  auto late = connect_ws(alice);
  ASSERT_TRUE(late->send_json(frames::join_since("lobby", 0)));
  late->expect("joined");
  std::vector<bool> replayed;
  for (int i = 0; i < 3; ++i) replayed.push_back(says_guest(late->expect("message")));
  EXPECT_EQ(replayed, (std::vector<bool>{true, true, false}));

  for (const char* query : {"after=0", "before=4"}) {
    const json::value page = read_messages("lobby", query, cookie_of(alice));
    std::vector<bool> guests;
    for (const auto& message : field(page, "messages").as_array())
      guests.push_back(says_guest(message.as_object()));
    EXPECT_EQ(guests, (std::vector<bool>{true, true, false})) << query;
  }
}

TEST_F(SessionEndTest, RevokingATokenClosesTheSocketsOpenedWithItOnly) {
  start_server();
  const Session alice = register_account("alice");
  const auto [token, id] = create_token(alice);
  auto by_query = connect_ws("/ws?token=" + token);
  auto by_header = connect_ws("/ws", bearer(token));
  auto by_cookie = connect_ws(alice);

  const HttpResponse revoke = http().request("DELETE", "/api/tokens/" + id, cookie_and_csrf(alice));
  ASSERT_EQ(revoke.status, 204) << revoke.describe();
  EXPECT_EQ(by_query->wait_for_close(5s), std::optional<int>(kSessionEnded));
  EXPECT_EQ(by_header->wait_for_close(5s), std::optional<int>(kSessionEnded));
  EXPECT_EQ(by_cookie->wait_for_close(1500ms), std::nullopt) << "the session still stands";
}

TEST_F(SessionEndTest, ALongPollWaitingOnASessionIsAnswered401WhenItLogsOut) {
  start_server();
  const Session gus = start_guest("gus");
  HttpClient poll(port());
  ASSERT_TRUE(
      poll.send_request("GET", "/api/rooms/lobby/messages?after=0&wait=30", cookie_of(gus)));
  EXPECT_FALSE(poll.wait_readable(500ms)) << "the poll is waiting";
  ASSERT_EQ(log_out(gus).status, 204);
  const auto answer = poll.read_response(5s);
  ASSERT_TRUE(answer) << "the poll was not answered";
  EXPECT_EQ(answer->status, 401) << answer->describe();
}

TEST_F(SessionEndTest, ALoggedOutGuestWhoPolledIsNoLongerPresent) {
  start_server();
  const Session guest = start_guest("carol");
  read_messages("lobby", "after=0", cookie_of(guest));  // a poller: present
  const Session alice = register_account("alice");
  EXPECT_EQ(members_of("lobby", cookie_of(alice)), (std::vector<std::string>{"carol"}));
  ASSERT_EQ(log_out(guest).status, 204);
  EXPECT_EQ(members_of("lobby", cookie_of(alice)), std::vector<std::string>{})
      << "not for the rest of --poll-presence-seconds";
  const Session account = register_account("carol");
  read_messages("lobby", "after=0", cookie_of(account));
  EXPECT_EQ(members_of("lobby", cookie_of(alice)), (std::vector<std::string>{"carol"}));
}

TEST_F(SessionEndTest, AnExpiredSessionClosesItsSocketAtTheNextCheck) {
  // SQLite or PostgreSQL, so that the test can end the session behind the
  // server's back, as a logout on another node or the passing of its expiry would.
  server_ =
      std::make_unique<ServerProcess>(std::vector<std::string>{"--session-check-seconds", "1"});
  const Session gus = start_guest("gus");
  auto socket = connect_ws(gus);
  if (const auto database = server().database_url()) {
    execute_postgres(*database, "UPDATE sessions SET expires_ms = 1");
    EXPECT_EQ(socket->wait_for_close(5s), std::optional<int>(kSessionEnded));
    return;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((server().data_dir() / "parley.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  const int expired =
      sqlite3_exec(db, "UPDATE sessions SET expires_ms = 1", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  ASSERT_EQ(expired, SQLITE_OK);
  EXPECT_EQ(socket->wait_for_close(5s), std::optional<int>(kSessionEnded));
}

}  // namespace
}  // namespace parley::test
