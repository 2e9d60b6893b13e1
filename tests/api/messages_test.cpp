// The JSON chat API: rooms, history pages, posting with idempotency, text
// and number validation, members, and the errors of the API as a whole.
#include "api/api_test.hpp"

#include <algorithm>
#include <thread>

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class MessagesTest : public ApiTest {
 protected:
  // A guest that reads and posts with its cookie and CSRF token.
  HttpHeaders guest_identity(std::string_view name) { return cookie_and_csrf(start_guest(name)); }
};

std::vector<std::uint64_t> seqs_in(const json::value& page) {
  std::vector<std::uint64_t> seqs;
  for (const json::value& message : field(page, "messages").as_array()) {
    seqs.push_back(number_field(message, "seq"));
  }
  return seqs;
}

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> seqs;
  for (std::uint64_t seq = first; seq <= last; ++seq) seqs.push_back(seq);
  return seqs;
}

// Posts `count` messages to `rooms` in turn in one write (pipelined), and
// checks that every answer is 201.
void post_pipelined(HttpClient& http, const std::vector<std::string>& rooms, int count,
                    const HttpHeaders& identity) {
  std::string requests;
  for (int i = 0; i < count; ++i) {
    const std::string& room = rooms[static_cast<std::size_t>(i) % rooms.size()];
    const std::string body = message_body("message " + std::to_string(i), "p" + std::to_string(i));
    requests.append("POST /api/rooms/" + room + "/messages HTTP/1.1\r\nHost: x\r\n");
    for (const auto& [name, value] : identity) requests.append(name + ": " + value + "\r\n");
    requests.append("Content-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  if (!http.connect() || !http.send_raw(requests)) throw std::runtime_error("cannot send posts");
  for (int i = 0; i < count; ++i) {
    auto response = http.read_response(kHttpTimeout);
    if (!response || response->status != 201) {
      throw std::runtime_error("pipelined post " + std::to_string(i) + ": " +
                               (response ? response->describe() : "no answer"));
    }
  }
}

TEST_F(MessagesTest, PostAnswers201ThenTheFirstSeqForARepeatedId) {
  start_server();
  const HttpHeaders zed = guest_identity("Zed");
  const HttpResponse first = post_message("Lobby", "hello", "m1", zed);
  ASSERT_EQ(first.status, 201) << first.describe();
  EXPECT_EQ(text_field(first.json(), "room"), "Lobby");
  EXPECT_EQ(number_field(first.json(), "seq"), 1u);
  EXPECT_EQ(text_field(first.json(), "id"), "m1");

  const HttpResponse repeated = post_message("lobby", "hello again", "m1", zed);
  ASSERT_EQ(repeated.status, 200) << repeated.describe();
  EXPECT_EQ(number_field(repeated.json(), "seq"), 1u);
  EXPECT_EQ(text_field(repeated.json(), "id"), "m1");

  const HttpResponse second = post_message("LOBBY", "second", "m2", zed);
  ASSERT_EQ(second.status, 201) << second.describe();
  EXPECT_EQ(number_field(second.json(), "seq"), 2u);
  EXPECT_EQ(text_field(second.json(), "room"), "Lobby") << "shown as first written";

  const json::value page = read_messages("lobby", "after=0", zed);
  EXPECT_EQ(text_field(page, "room"), "Lobby");
  EXPECT_EQ(seqs_in(page), range(1, 2)) << json::serialize(page);
  EXPECT_EQ(text_field(field(page, "messages").as_array()[0], "text"), "hello")
      << "the repeat stored nothing";
}

TEST_F(MessagesTest, PagesAfterAndBeforeAreOldestFirst) {
  start_server();
  const HttpHeaders zed = guest_identity("Zed");
  for (int i = 1; i <= 5; ++i) {
    post_new_message("lobby", "text " + std::to_string(i), "m" + std::to_string(i), zed);
  }
  const json::value all = read_messages("lobby", "after=0", zed);
  EXPECT_EQ(seqs_in(all), range(1, 5)) << json::serialize(all);
  EXPECT_EQ(number_field(all, "last_seq"), 5u);
  const json::value& message = field(all, "messages").as_array()[2];
  EXPECT_EQ(text_field(message, "room"), "lobby");
  EXPECT_EQ(number_field(message, "seq"), 3u);
  EXPECT_EQ(text_field(message, "user"), "Zed");
  EXPECT_EQ(text_field(message, "text"), "text 3");
  EXPECT_EQ(text_field(message, "id"), "m3");
  EXPECT_GT(number_field(message, "ts"), 1600000000000u) << "milliseconds since the epoch";

  EXPECT_EQ(seqs_in(read_messages("lobby", "after=2&limit=2", zed)), range(3, 4));
  EXPECT_EQ(seqs_in(read_messages("lobby", "after=5", zed)), range(1, 0));
  EXPECT_EQ(seqs_in(read_messages("lobby", "after=99", zed)), range(1, 0));
  EXPECT_EQ(seqs_in(read_messages("lobby", "before=5&limit=2", zed)), range(3, 4));
  EXPECT_EQ(seqs_in(read_messages("lobby", "before=3", zed)), range(1, 2));
  EXPECT_EQ(seqs_in(read_messages("lobby", "before=1", zed)), range(1, 0));
  EXPECT_EQ(number_field(read_messages("lobby", "before=3", zed), "last_seq"), 5u);
}

TEST_F(MessagesTest, MessageLimitDefaultsTo100AndIsCappedAt1000) {
  start_server();
  const HttpHeaders zed = guest_identity("Zed");
  HttpClient poster(port());
  post_pipelined(poster, {"big"}, 1005, zed);
  EXPECT_EQ(seqs_in(read_messages("big", "after=0", zed)), range(1, 100));
  EXPECT_EQ(seqs_in(read_messages("big", "after=0&limit=1000", zed)), range(1, 1000));
  EXPECT_EQ(seqs_in(read_messages("big", "after=0&limit=5000", zed)), range(1, 1000));
  EXPECT_EQ(seqs_in(read_messages("big", "before=1006&limit=5000", zed)), range(6, 1005));
  EXPECT_EQ(seqs_in(read_messages("big", "before=1006", zed)), range(906, 1005));
  EXPECT_EQ(seqs_in(read_messages("big", "after=1000", zed)), range(1001, 1005));
}

TEST_F(MessagesTest, TextIsValidatedAndStoredExactly) {
  start_server();
  const HttpHeaders zed = guest_identity("Zed");
  std::string four_thousand;
  for (int i = 0; i < 4000; ++i) four_thousand += "\xC3\xA9";  // é: 4000 code points, 8000 bytes

  const std::vector<std::pair<std::string, int>> refused = {
      {"", 400},
      {"   \t\n ", 400},
      {"\xE3\x80\x80\xC2\x85", 400},  // U+3000 and U+0085: Unicode white space only
      {four_thousand + "\xC3\xA9", 413},
      {"   " + four_thousand + "x", 413},
  };
  for (const auto& [text, status] : refused) {
    const HttpResponse response = post_message("lobby", text, "bad", zed);
    EXPECT_EQ(response.status, status) << text.size() << " bytes: " << response.describe();
    EXPECT_EQ(error_code_of(response), status == 413 ? "too_large" : "bad_request")
        << response.describe();
  }
  const std::vector<std::string> bodies = {
      R"({"id":"b1"})",
      R"({"text":42,"id":"b2"})",
      R"({"text":"ok"})",
      R"({"text":"ok","id":""})",
      R"({"text":"ok","id":"has space"})",
      R"({"text":"ok","id":42})",
      R"({"text":"nul \u0000 inside","id":"b3"})",
      R"({"text":"ok","id":")" + std::string(65, 'i') + R"("})",
  };
  for (const std::string& body : bodies) {
    const HttpResponse response = http().post_json("/api/rooms/lobby/messages", body, zed);
    EXPECT_EQ(response.status, 400) << body.substr(0, 100) << ": " << response.describe();
  }
  EXPECT_EQ(number_field(read_messages("lobby", "after=0", zed), "last_seq"), 0u)
      << "refusals store nothing";

  const std::string exact = "  <b>not html</b> \x01 tab\t\xF0\x9F\x98\x80  ";
  EXPECT_EQ(post_new_message("lobby", exact, "ok1", zed), 1u);
  EXPECT_EQ(post_new_message("lobby", four_thousand, "ok2", zed), 2u);
  EXPECT_EQ(post_new_message("lobby", "\n " + four_thousand + " \n", "ok3", zed), 3u)
      << "white space at the ends does not count";
  EXPECT_EQ(post_new_message("lobby", "x", std::string(64, 'i'), zed), 4u);
  EXPECT_EQ(post_new_message("lobby", "x", "!~", zed), 5u);
  const json::value page = read_messages("lobby", "after=0&limit=1", zed);
  EXPECT_EQ(text_field(field(page, "messages").as_array()[0], "text"), exact);
}

TEST_F(MessagesTest, InvalidRoomNameIs400) {
  start_server();
  const HttpHeaders zed = guest_identity("Zed");
  for (const std::string& room :
       {std::string("-bad"), std::string("a!b"), std::string("_x"), std::string(65, 'r'),
        std::string("caf%C3%A9"), std::string("a%20b")}) {
    const HttpResponse get = http().get("/api/rooms/" + room + "/messages?after=0", zed);
    EXPECT_EQ(get.status, 400) << room << ": " << get.describe();
    EXPECT_EQ(error_code_of(get), "bad_request") << get.describe();
    const HttpResponse post = post_message(room, "x", "r1", zed);
    EXPECT_EQ(post.status, 400) << room << ": " << post.describe();
    const HttpResponse members = http().get("/api/rooms/" + room + "/members", zed);
    EXPECT_EQ(members.status, 400) << room << ": " << members.describe();
  }
  EXPECT_EQ(post_new_message(std::string(64, 'r'), "x", "r1", zed), 1u) << "64 is the longest";
  EXPECT_EQ(post_new_message("A.b-c_9", "x", "r1", zed), 1u);
}

TEST_F(MessagesTest, NumbersThatAreNotNonNegativeIntegersAre400) {
  start_server();
  const HttpHeaders zed = guest_identity("Zed");
  post_new_message("lobby", "x", "m1", zed);
  const std::vector<std::string> values = {
      "-1", "1.5", "abc", "", "1e3", "%201", "+1", "0x10", "1%00", "18446744073709551616", "%2D1"};
  for (std::string_view name : {"after", "before", "limit", "wait"}) {
    for (const std::string& value : values) {
      const std::string target = "/api/rooms/lobby/messages?" + std::string(name) + "=" + value;
      const HttpResponse response = http().get(target, zed);
      EXPECT_EQ(response.status, 400) << target << ": " << response.describe();
    }
    const std::string repeated =
        "/api/rooms/lobby/messages?" + std::string(name) + "=1&" + std::string(name) + "=1";
    const HttpResponse response = http().get(repeated, zed);
    EXPECT_EQ(response.status, 400) << repeated << ": " << response.describe();
  }
  for (std::string_view value : {"-1", "abc", "1.5", ""}) {
    const HttpResponse response = http().get("/api/rooms?limit=" + std::string(value), zed);
    EXPECT_EQ(response.status, 400) << "rooms limit " << value << ": " << response.describe();
  }
  EXPECT_EQ(http().get("/api/rooms/lobby/messages?after=0&limit=0", zed).status, 200);
}

TEST_F(MessagesTest, RoomsAreListedMostRecentlyActiveFirstWithDistinctUsersOnline) {
  start_server();
  const Session zed = start_guest("Zed");
  const HttpHeaders poster = cookie_and_csrf(zed);
  // Zed twice in "two" (two sockets of one session), and a guest by name;
  // they join before any message, so whatever counts as activity, the
  // messages are the latest.
  auto first = connect_ws(zed);
  auto second = connect_ws(zed);
  auto yan = connect_ws("/ws?name=Yan");
  join_room(*first, "two");
  join_room(*second, "two");
  join_room(*yan, "two");

  // Apart by more than the clock's millisecond (see the next test for less).
  post_new_message("one", "x", "a", poster);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  post_new_message("two", "x", "b", poster);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  post_new_message("three", "x", "c", poster);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  post_new_message("one", "x", "d", poster);

  const HttpResponse response = http().get("/api/rooms", poster);
  ASSERT_EQ(response.status, 200) << response.describe();
  const json::value body = response.json();
  const auto& rooms = field(body, "rooms").as_array();
  ASSERT_EQ(rooms.size(), 3u) << response.body;
  EXPECT_EQ(text_field(rooms[0], "name"), "one") << response.body;
  EXPECT_EQ(text_field(rooms[1], "name"), "three") << response.body;
  EXPECT_EQ(text_field(rooms[2], "name"), "two") << response.body;
  EXPECT_EQ(number_field(rooms[0], "last_seq"), 2u) << response.body;
  EXPECT_EQ(number_field(rooms[2], "last_seq"), 1u) << response.body;
  EXPECT_EQ(number_field(rooms[0], "online"), 0u) << response.body;
  EXPECT_EQ(number_field(rooms[2], "online"), 2u) << "distinct users: " << response.body;

  const HttpResponse limited = http().get("/api/rooms?limit=2", poster);
  ASSERT_EQ(limited.status, 200) << limited.describe();
  const json::value limited_body = limited.json();
  const auto& two = field(limited_body, "rooms").as_array();
  ASSERT_EQ(two.size(), 2u) << limited.body;
  EXPECT_EQ(text_field(two[0], "name"), "one");
  EXPECT_EQ(text_field(two[1], "name"), "three");
}

TEST_F(MessagesTest, RoomsActiveWithinOneMillisecondAreStillListedInOrderOfActivity) {
  start_server();
  const HttpHeaders zed = guest_identity("Zed");
  // r1 .. r50, then r3 again: one after another (each answered before the
  // next is read), but many within one millisecond.
  std::vector<std::string> rooms;
  for (int i = 1; i <= 50; ++i) rooms.push_back("r" + std::to_string(i));
  rooms.push_back("r3");
  HttpClient poster(port());
  post_pipelined(poster, rooms, static_cast<int>(rooms.size()), zed);
  std::vector<std::string> expected = {"r3"};
  for (int i = 50; i >= 1; --i) {
    if (i != 3) expected.push_back("r" + std::to_string(i));
  }
  const HttpResponse response = http().get("/api/rooms", zed);
  ASSERT_EQ(response.status, 200) << response.describe();
  const json::value body = response.json();
  std::vector<std::string> names;
  for (const json::value& room : field(body, "rooms").as_array()) {
    names.push_back(text_field(room, "name"));
  }
  EXPECT_EQ(names, expected) << response.body;
}

TEST_F(MessagesTest, RoomLimitDefaultsTo100AndIsCappedAt1000) {
  start_server();
  const HttpHeaders zed = guest_identity("Zed");
  std::vector<std::string> rooms;
  for (int i = 0; i < 1001; ++i) rooms.push_back("room" + std::to_string(i));
  HttpClient poster(port());
  post_pipelined(poster, rooms, 1001, zed);
  const auto count = [&](std::string_view query) {
    const HttpResponse response = http().get("/api/rooms" + std::string(query), zed);
    if (response.status != 200) throw std::runtime_error(response.describe());
    return field(response.json(), "rooms").as_array().size();
  };
  EXPECT_EQ(count(""), 100u);
  EXPECT_EQ(count("?limit=1000"), 1000u);
  EXPECT_EQ(count("?limit=5000"), 1000u);
  EXPECT_EQ(count("?limit=7"), 7u);
}

TEST_F(MessagesTest, MembersAreTheUsersOnlineInTheRoom) {
  start_server();
  const HttpHeaders zed = guest_identity("Zed");
  EXPECT_TRUE(members_of("lobby", zed).empty());
  auto ann = connect_ws("/ws?name=Ann");
  auto bob = connect_ws("/ws?name=Bob");
  join_room(*ann, "lobby");
  join_room(*bob, "lobby");
  auto names = members_of("lobby", zed);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"Ann", "Bob"}));
  const HttpResponse response = http().get("/api/rooms/LOBBY/members", zed);
  EXPECT_EQ(text_field(response.json(), "room"), "lobby") << response.body;

  ASSERT_TRUE(bob->send_json(frames::leave("lobby")));
  bob->expect("left");
  EXPECT_EQ(members_of("lobby", zed), (std::vector<std::string>{"Ann"}));
}

TEST_F(MessagesTest, UnknownApiPathIs404) {
  start_server();
  const HttpHeaders zed = guest_identity("Zed");
  for (std::string_view path :
       {"/api/nope", "/api/rooms/lobby/other", "/api/rooms/lobby", "/api/me/more", "/api/"}) {
    const HttpResponse response = http().get(path, zed);
    EXPECT_EQ(response.status, 404) << path << ": " << response.describe();
    EXPECT_EQ(error_code_of(response), "not_found") << path << ": " << response.describe();
  }
  EXPECT_EQ(http().get("/api/nope").status, 404) << "without identity too";
}

TEST_F(MessagesTest, WrongMethodIs405WithAllow) {
  start_server();
  const HttpHeaders zed = guest_identity("Zed");
  struct Case {
    std::string method, path, allowed;
  };
  const std::vector<Case> cases = {
      {"DELETE", "/api/rooms", "GET"},
      {"PUT", "/api/rooms", "POST"},
      {"PUT", "/api/rooms/lobby/messages", "POST"},
      {"DELETE", "/api/rooms/lobby/members", "GET"},
      {"GET", "/api/login", "POST"},
      {"GET", "/api/logout", "POST"},
      {"DELETE", "/api/me", "GET"},
  };
  for (const Case& c : cases) {
    const HttpResponse response = http().request(c.method, c.path, zed);
    EXPECT_EQ(response.status, 405) << c.method << " " << c.path << ": " << response.describe();
    const auto allow = response.header("Allow");
    ASSERT_TRUE(allow) << c.method << " " << c.path << ": " << response.describe();
    EXPECT_NE(allow->find(c.allowed), std::string::npos) << c.path << ": Allow " << *allow;
    EXPECT_EQ(allow->find(c.method), std::string::npos) << c.path << ": Allow " << *allow;
  }
}

TEST_F(MessagesTest, BodyOverTheLimitIs413) {
  start_server({"--max-body-bytes", "2048"});
  const HttpHeaders zed = guest_identity("Zed");
  const std::string over = message_body(std::string(2100, 'x'), "big");
  const HttpResponse response = http().post_json("/api/rooms/lobby/messages", over, zed);
  EXPECT_EQ(response.status, 413) << response.describe();
  EXPECT_EQ(error_code_of(response), "too_large") << response.describe();

  std::string fits = message_body(std::string(2048, 'x'), "fit");
  fits = message_body(std::string(2048 - (fits.size() - 2048), 'x'), "fit");
  ASSERT_EQ(fits.size(), 2048u);
  HttpClient other(port());
  const HttpResponse accepted = other.post_json("/api/rooms/lobby/messages", fits, zed);
  EXPECT_EQ(accepted.status, 201) << "exactly the limit: " << accepted.describe();
  EXPECT_EQ(number_field(accepted.json(), "seq"), 1u) << "the refused one stored nothing";
}

TEST_F(MessagesTest, EndpointsNeedAnIdentity) {
  start_server();
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"GET", "/api/me"},
      {"GET", "/api/rooms"},
      {"GET", "/api/rooms/lobby/messages?after=0"},
      {"GET", "/api/rooms/lobby/messages"},
      {"GET", "/api/rooms/lobby/members"},
      {"POST", "/api/logout"},
      {"GET", "/api/tokens"},
  };
  for (const auto& [method, path] : requests) {
    const HttpResponse response = http().request(method, path);
    EXPECT_EQ(response.status, 401) << method << " " << path << ": " << response.describe();
    EXPECT_EQ(error_code_of(response), "unauthorized") << response.describe();
  }
  const HttpResponse post =
      http().post_json("/api/rooms/lobby/messages", message_body("anonymous", "a1"));
  EXPECT_EQ(post.status, 401) << post.describe();
  EXPECT_EQ(http().get("/healthz").status, 200) << "no identity needed";
}

// Polls with nothing new get answers built once per room and seq: each must
// still name its own room and seq, and be framed for its own request.
TEST_F(MessagesTest, EmptyPollsAnswerWithTheirOwnRoomSeqAndConnection) {
  start_server();
  const Session watcher = start_guest("Watcher");
  const HttpHeaders poster = cookie_and_csrf(start_guest("Poster"));
  post_new_message("lobby", "one", "l1", poster);
  post_new_message("Garden", "one", "g1", poster);
  post_new_message("Garden", "two", "g2", poster);

  for (int round = 0; round < 2; ++round) {  // the second round meets the built answers
    const HttpResponse lobby = http().get("/api/rooms/lobby/messages?after=1", cookie_of(watcher));
    ASSERT_EQ(lobby.status, 200) << lobby.describe();
    EXPECT_EQ(lobby.body, R"({"room":"lobby","messages":[],"last_seq":1})");
    EXPECT_EQ(lobby.header("Content-Type"), "application/json");
    EXPECT_EQ(lobby.header("Cache-Control"), "no-store");
    EXPECT_EQ(lobby.header("X-Content-Type-Options"), "nosniff");
    EXPECT_TRUE(lobby.keep_alive);
    // Another spelling of the room's name: the room as first written.
    const HttpResponse garden =
        http().get("/api/rooms/garden/messages?after=5", cookie_of(watcher));
    EXPECT_EQ(garden.body, R"({"room":"Garden","messages":[],"last_seq":2})");
  }
  post_new_message("lobby", "two", "l2", poster);
  EXPECT_EQ(http().get("/api/rooms/lobby/messages?after=2", cookie_of(watcher)).body,
            R"({"room":"lobby","messages":[],"last_seq":2})");
  EXPECT_EQ(http().get("/api/rooms/Garden/messages?after=2", cookie_of(watcher)).body,
            R"({"room":"Garden","messages":[],"last_seq":2})")
      << "another room at the same seq";
  EXPECT_EQ(http().connections_opened(), 1);

  // HTTP/1.0 kept alive, and a request that closes: their own Connection field.
  const std::string request =
      "GET /api/rooms/lobby/messages?after=2 HTTP/1.0\r\nCookie: " + std::string(kSessionCookie) +
      "=" + watcher.cookie + "\r\n";
  HttpClient old_client(port());
  ASSERT_TRUE(old_client.connect());
  ASSERT_TRUE(old_client.send_raw(request + "Connection: keep-alive\r\n\r\n"));
  const auto kept = old_client.read_response(2000ms);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->header("Connection"), "keep-alive") << kept->describe();
  EXPECT_EQ(kept->body, R"({"room":"lobby","messages":[],"last_seq":2})");
  HttpClient closing(port());
  ASSERT_TRUE(closing.connect());
  ASSERT_TRUE(closing.send_raw(request + "\r\n"));
  const auto closed = closing.read_response(2000ms);
  ASSERT_TRUE(closed.has_value());
  EXPECT_FALSE(closed->keep_alive) << closed->describe();
  EXPECT_TRUE(closing.wait_for_close(2000ms));

  // HEAD: the same status and type, no body; the page is not built, so its
  // length is not told.
  HttpClient head(port());
  ASSERT_TRUE(head.connect());
  ASSERT_TRUE(head.send_raw(
      "HEAD /api/rooms/lobby/messages?after=2 HTTP/1.1\r\nHost: " + head.host() +
      "\r\nCookie: " + std::string(kSessionCookie) + "=" + watcher.cookie + "\r\n\r\n"));
  const std::string bytes = head.read_raw(700ms);
  const std::size_t end = bytes.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos) << bytes;
  EXPECT_EQ(bytes.rfind("HTTP/1.1 200", 0), 0u) << bytes;
  EXPECT_EQ(bytes.size(), end + 4) << "a body came after the headers: " << bytes.substr(end);
  EXPECT_NE(bytes.find("Content-Type: application/json\r\n"), std::string::npos) << bytes;
  EXPECT_EQ(bytes.find("Content-Length:"), std::string::npos) << bytes;
}

}  // namespace
}  // namespace parley::test
