// The fixture and helpers of the tests of private rooms and direct messages
// (PROTOCOL.md, "Private rooms and direct messages"): POST /api/rooms,
// GET /api/rooms/R, invite, remove, POST /api/dm, and what a user without
// access meets over HTTP and WebSocket. Every test runs once per store
// (memory, sqlite; a PostgreSQL run replaces both by its database).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_test.hpp"

namespace parley::test {

inline const std::vector<std::string> kAccessStores = {"memory", "sqlite"};

// An account (or guest session) and the header fields its requests carry:
// the cookie with its CSRF token.
struct Person {
  Session session;
  HttpHeaders headers;
  const std::string& name() const { return session.user; }
};

class RoomAccessTest : public ApiTest, public ::testing::WithParamInterface<std::string> {
 protected:
  // Starts parley on the test's store.
  void start();

  Person account(std::string_view name);
  Person guest(std::string_view name);
  // A WebSocket of `person` (cookie and our own Origin), past its hello.
  std::unique_ptr<WsClient> socket_of(const Person& person) { return connect_ws(person.session); }

  // POST /api/rooms/R/events with `body`; throws unless 201, answers the seq.
  std::uint64_t post_new_event(std::string_view room, const boost::json::object& body,
                               const HttpHeaders& identity);

  // POST /api/rooms with {"name":..} and, when given, "private" as it is.
  HttpResponse create_room(std::string_view name, std::optional<boost::json::value> is_private,
                           const HttpHeaders& identity);
  // Creates a private room owned by `owner`; throws unless 201.
  void create_private_room(std::string_view name, const Person& owner);
  HttpResponse describe(std::string_view room, const HttpHeaders& identity);
  HttpResponse invite(std::string_view room, std::string_view user, const HttpHeaders& identity);
  HttpResponse remove(std::string_view room, std::string_view user, const HttpHeaders& identity);
  // Each throws unless 204.
  void invite_ok(std::string_view room, const Person& user, const Person& owner);
  HttpResponse open_direct(std::string_view user, const HttpHeaders& identity);
  // The room of the direct conversation; throws unless 200.
  std::string direct_room(const Person& caller, const Person& other);

  // The names GET /api/rooms lists for `identity`.
  std::vector<std::string> listed_rooms(const HttpHeaders& identity);
  // GET /api/me/rooms; throws unless 200.
  boost::json::array my_rooms(const HttpHeaders& identity);
  // The entry of `room` in the caller's rooms, when listed.
  std::optional<boost::json::object> my_room(const HttpHeaders& identity, std::string_view room);
  // The parley_long_polls_waiting count of /metrics.
  int long_polls_waiting();
  // Waits (up to 5 s) until /metrics counts `count` waiting long polls.
  bool wait_for_long_polls(int count);

  // Checks `response` is an error answer with `status` and `code`.
  static void expect_refusal(const HttpResponse& response, int status, std::string_view code,
                             const std::string& what);
  // Checks that every endpoint naming `room` answers `person` 404 not_found
  // (reads, posts, events, read marker, long poll, invite, remove).
  void expect_closed_over_http(std::string_view room, const Person& person);
  // Checks that the page /r/`room` is the HTML 404 page for `identity`.
  void expect_page_not_found(std::string_view room, const HttpHeaders& identity);
};

// The ack or error answering the frame with client id `id`; throws when
// neither comes. Frames before it stay in the inbox.
Frame answer_to(WsClient& client, std::string_view id);
// The code of the error answering the frame with `id`, or "" (and a failure
// message) when it was acked.
std::string refusal_code(WsClient& client, const Frame& frame);
// Every frame `client` receives up to the answer of a ping sent now (which
// the server answers after everything it queued for the client before).
std::vector<Frame> frames_until_pong(WsClient& client);
// True when `frame` is of `room` (any type with that "room").
bool is_of_room(const Frame& frame, std::string_view room);
// Frames with an "id" for the refusals: join, leave, typing and read.
Frame with_id(Frame frame, std::string_view id);
Frame read_frame(std::string_view room, std::uint64_t seq);

}  // namespace parley::test
