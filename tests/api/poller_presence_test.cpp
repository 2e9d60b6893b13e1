// Pollers are people: a user who polls a room over HTTP is present in it
// (presence join, members, online) until some seconds after the last poll.
#include "api/api_test.hpp"

#include <algorithm>

namespace parley::test {
namespace {

using namespace std::chrono_literals;

class PollerPresenceTest : public ApiTest {
 protected:
  static constexpr int kPresenceSeconds = 2;
  void start() { start_server({"--poll-presence-seconds", std::to_string(kPresenceSeconds)}); }
};

FramePredicate presence_of(std::string_view user, std::string_view event) {
  return [user = std::string(user), event = std::string(event)](const Frame& frame) {
    return string_field(frame, "user") == user && string_field(frame, "event") == event;
  };
}

std::uint64_t online_in(const boost::json::value& rooms, std::string_view room) {
  for (const boost::json::value& entry : field(rooms, "rooms").as_array()) {
    if (text_field(entry, "name") == room) return number_field(entry, "online");
  }
  throw std::runtime_error("no room " + std::string(room) + " in " + boost::json::serialize(rooms));
}

TEST_F(PollerPresenceTest, PollerJoinsTheRoomAndLeavesAfterItStopsPolling) {
  start();
  auto wendy = connect_ws("/ws?name=Wendy");
  join_room(*wendy, "lobby");
  const HttpHeaders paul = cookie_of(start_guest("Paul"));

  read_messages("lobby", "after=0", paul);
  const Frame join = wendy->expect("presence", presence_of("Paul", "join"), 3000ms);
  EXPECT_EQ(string_field(join, "room"), "lobby") << to_text(join);
  auto members = members_of("lobby", paul);
  std::sort(members.begin(), members.end());
  EXPECT_EQ(members, (std::vector<std::string>{"Paul", "Wendy"}));
  const HttpResponse rooms = http().get("/api/rooms", paul);
  ASSERT_EQ(rooms.status, 200) << rooms.describe();
  EXPECT_EQ(online_in(rooms.json(), "lobby"), 2u) << rooms.body;

  // Polling again is the same person: no second join.
  read_messages("lobby", "after=0", paul);
  const auto last_poll = std::chrono::steady_clock::now();
  EXPECT_FALSE(wendy->wait_for("presence", presence_of("Paul", "join"), 300ms));

  wendy->expect("presence", presence_of("Paul", "leave"), 7000ms);
  const long long gone_after = elapsed_ms(last_poll);
  EXPECT_GE(gone_after, kPresenceSeconds * 1000 - 300) << "left before the timeout";
  EXPECT_LE(gone_after, kPresenceSeconds * 1000 + 4000) << "stayed long after the timeout";
  EXPECT_EQ(members_of("lobby", paul), (std::vector<std::string>{"Wendy"}));
}

TEST_F(PollerPresenceTest, WaitingLongPollKeepsThePollerPresent) {
  start();
  auto wendy = connect_ws("/ws?name=Wendy");
  join_room(*wendy, "lobby");
  const HttpHeaders paul = cookie_of(start_guest("Paul"));

  HttpClient poll(port());
  constexpr int kWait = kPresenceSeconds + 2;
  ASSERT_TRUE(poll.send_request(
      "GET", "/api/rooms/lobby/messages?after=0&wait=" + std::to_string(kWait), paul));
  wendy->expect("presence", presence_of("Paul", "join"), 3000ms);
  EXPECT_FALSE(wendy->wait_for("presence", presence_of("Paul", "leave"),
                               std::chrono::seconds(kWait) - 500ms))
      << "a poller waiting for messages is still there";
  const auto answer = poll.read_response(5000ms);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200) << answer->describe();
  const auto answered = std::chrono::steady_clock::now();
  wendy->expect("presence", presence_of("Paul", "leave"), 7000ms);
  EXPECT_GE(elapsed_ms(answered), kPresenceSeconds * 1000 - 300);
}

TEST_F(PollerPresenceTest, PollerWhoIsAlsoConnectedChangesNoPresence) {
  start();
  auto wendy = connect_ws("/ws?name=Wendy");
  join_room(*wendy, "lobby");
  const Session sam = start_guest("Sam");
  auto socket = connect_ws(sam);
  join_room(*socket, "lobby");
  wendy->expect("presence", presence_of("Sam", "join"));

  read_messages("lobby", "after=0", cookie_of(sam));
  // Past the poll's presence timeout: Sam is still in through the socket.
  const auto frames = wendy->take_within(std::chrono::seconds(kPresenceSeconds + 2));
  for (const Frame& frame : frames) {
    EXPECT_FALSE(has_type(frame, "presence")) << to_text(frame);
  }
  auto members = members_of("lobby", cookie_of(sam));
  std::sort(members.begin(), members.end());
  EXPECT_EQ(members, (std::vector<std::string>{"Sam", "Wendy"}));
}

}  // namespace
}  // namespace parley::test
