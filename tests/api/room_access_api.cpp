#include "api/room_access_api.hpp"

#include <stdexcept>
#include <thread>

namespace parley::test {

namespace json = boost::json;
using namespace std::chrono_literals;

void RoomAccessTest::start() {
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--store", GetParam()});
  http_.reset();
}

Person RoomAccessTest::account(std::string_view name) {
  const Session session = register_account(name);
  return Person{session, cookie_and_csrf(session)};
}

Person RoomAccessTest::guest(std::string_view name) {
  const Session session = start_guest(name);
  return Person{session, cookie_and_csrf(session)};
}

std::uint64_t RoomAccessTest::post_new_event(std::string_view room, const json::object& body,
                                             const HttpHeaders& identity) {
  const HttpResponse response = http().post_json("/api/rooms/" + std::string(room) + "/events",
                                                 json::serialize(body), identity);
  if (response.status != 201) {
    throw std::runtime_error("post " + json::serialize(body) + ": " + response.describe());
  }
  return number_field(response.json(), "seq");
}

HttpResponse RoomAccessTest::create_room(std::string_view name,
                                         std::optional<json::value> is_private,
                                         const HttpHeaders& identity) {
  json::object body{{"name", name}};
  if (is_private) body["private"] = *is_private;
  return http().post_json("/api/rooms", json::serialize(body), identity);
}

void RoomAccessTest::create_private_room(std::string_view name, const Person& owner) {
  const HttpResponse created = create_room(name, json::value(true), owner.headers);
  if (created.status != 201) {
    throw std::runtime_error("create " + std::string(name) + ": " + created.describe());
  }
}

HttpResponse RoomAccessTest::describe(std::string_view room, const HttpHeaders& identity) {
  return http().get("/api/rooms/" + std::string(room), identity);
}

namespace {
std::string user_body(std::string_view user) {
  return json::serialize(json::object{{"user", user}});
}
}  // namespace

HttpResponse RoomAccessTest::invite(std::string_view room, std::string_view user,
                                    const HttpHeaders& identity) {
  return http().post_json("/api/rooms/" + std::string(room) + "/invite", user_body(user), identity);
}

HttpResponse RoomAccessTest::remove(std::string_view room, std::string_view user,
                                    const HttpHeaders& identity) {
  return http().post_json("/api/rooms/" + std::string(room) + "/remove", user_body(user), identity);
}

void RoomAccessTest::invite_ok(std::string_view room, const Person& user, const Person& owner) {
  const HttpResponse invited = invite(room, user.name(), owner.headers);
  if (invited.status != 204) {
    throw std::runtime_error("invite " + user.name() + " to " + std::string(room) + ": " +
                             invited.describe());
  }
}

HttpResponse RoomAccessTest::open_direct(std::string_view user, const HttpHeaders& identity) {
  return http().post_json("/api/dm", user_body(user), identity);
}

std::string RoomAccessTest::direct_room(const Person& caller, const Person& other) {
  const HttpResponse opened = open_direct(other.name(), caller.headers);
  if (opened.status != 200) throw std::runtime_error("open dm: " + opened.describe());
  return text_field(opened.json(), "room");
}

std::vector<std::string> RoomAccessTest::listed_rooms(const HttpHeaders& identity) {
  const HttpResponse response = http().get("/api/rooms", identity);
  if (response.status != 200) throw std::runtime_error("rooms: " + response.describe());
  std::vector<std::string> names;
  const json::value body = response.json();
  for (const json::value& room : field(body, "rooms").as_array()) {
    names.push_back(text_field(room, "name"));
  }
  return names;
}

json::array RoomAccessTest::my_rooms(const HttpHeaders& identity) {
  const HttpResponse response = http().get("/api/me/rooms", identity);
  if (response.status != 200) throw std::runtime_error("me/rooms: " + response.describe());
  return field(response.json(), "rooms").as_array();
}

std::optional<json::object> RoomAccessTest::my_room(const HttpHeaders& identity,
                                                    std::string_view room) {
  for (const json::value& entry : my_rooms(identity)) {
    if (text_field(entry, "room") == room) return entry.as_object();
  }
  return std::nullopt;
}

int RoomAccessTest::long_polls_waiting() {
  const std::string body = http().get("/metrics").body;
  const std::string name = "\nparley_long_polls_waiting ";  // the sample, not its # TYPE line
  const auto at = body.find(name);
  if (at == std::string::npos) throw std::runtime_error("no waiting count in /metrics");
  return std::stoi(body.substr(at + name.size()));
}

bool RoomAccessTest::wait_for_long_polls(int count) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (long_polls_waiting() != count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

void RoomAccessTest::expect_refusal(const HttpResponse& response, int status, std::string_view code,
                                    const std::string& what) {
  EXPECT_EQ(response.status, status) << what << ": " << response.describe();
  EXPECT_EQ(error_code_of(response), code) << what << ": " << response.describe();
}

void RoomAccessTest::expect_closed_over_http(std::string_view room, const Person& person) {
  const std::string base = "/api/rooms/" + std::string(room);
  const HttpHeaders& as = person.headers;
  const auto refused = [&](const HttpResponse& response, const std::string& what) {
    expect_refusal(response, 404, "not_found", person.name() + ": " + what);
  };
  refused(http().get(base, as), "GET " + base);
  for (const std::string query : {"", "?after=0", "?after=0&limit=5", "?before=100",
                                  "?after=0&wait=2", "?after=1000&wait=2"}) {
    const auto start = std::chrono::steady_clock::now();
    refused(http().get(base + "/messages" + query, as), "GET messages" + query);
    EXPECT_LT(elapsed_ms(start), 1500) << "refused at once, not after a wait: " << query;
  }
  refused(http().get(base + "/messages/1", as), "GET messages/1");
  refused(http().get(base + "/members", as), "GET members");
  refused(http().post_json(base + "/messages", message_body("knock knock", "x1"), as),
          "POST messages");
  refused(http().post_json(base + "/messages", R"({"text":"re","id":"x2","reply_to":1})", as),
          "POST a reply");
  refused(
      http().post_json(base + "/events", R"({"type":"edit","target":1,"text":"x","id":"x3"})", as),
      "POST an edit");
  refused(http().post_json(base + "/events",
                           R"({"type":"react","target":1,"emoji":"x","on":true,"id":"x4"})", as),
          "POST a reaction");
  refused(http().post_json(base + "/events", R"({"type":"delete","target":1,"id":"x5"})", as),
          "POST a delete");
  refused(http().post_json(base + "/read", R"({"seq":1})", as), "POST read");
  refused(invite(room, person.name(), as), "invite oneself");
  refused(invite(room, "nobody-at-all", as), "invite an unknown user");
  refused(remove(room, person.name(), as), "remove oneself");
}

void RoomAccessTest::expect_page_not_found(std::string_view room, const HttpHeaders& identity) {
  const HttpResponse page = http().get("/r/" + std::string(room), identity);
  EXPECT_EQ(page.status, 404) << "/r/" << room << ": " << page.describe();
  EXPECT_EQ(page.header("Content-Type").value_or("").rfind("text/html", 0), 0u)
      << "a page for people: " << page.describe();
}

Frame answer_to(WsClient& client, std::string_view id) {
  auto answer = client.wait_for_match([id](const Frame& frame) {
    return (has_type(frame, "ack") || has_type(frame, "error")) && string_field(frame, "id") == id;
  });
  if (!answer) throw std::runtime_error("no ack or error for id " + std::string(id));
  return *std::move(answer);
}

std::string refusal_code(WsClient& client, const Frame& frame) {
  if (!client.send_json(frame)) throw std::runtime_error("cannot send " + to_text(frame));
  const std::string id = string_field(frame, "id");
  const std::string room = string_field(frame, "room");
  // Its error or ack by id; a join or leave that went through answers
  // joined or left, which need not echo the id.
  auto answer = client.wait_for_match([&](const Frame& f) {
    if (has_type(f, "ack") || has_type(f, "error")) return string_field(f, "id") == id;
    return (has_type(f, "joined") || has_type(f, "left")) && string_field(f, "room") == room;
  });
  if (!answer) {
    ADD_FAILURE() << to_text(frame) << " was not answered";
    return "";
  }
  if (!has_type(*answer, "error")) {
    ADD_FAILURE() << to_text(frame) << " was answered " << to_text(*answer);
    return "";
  }
  return string_field(*answer, "code");
}

std::vector<Frame> frames_until_pong(WsClient& client) {
  if (!client.send_json(frames::ping())) throw std::runtime_error("cannot send a ping");
  return client.collect_through("pong");
}

bool is_of_room(const Frame& frame, std::string_view room) {
  return string_field(frame, "room") == room;
}

Frame with_id(Frame frame, std::string_view id) {
  frame["id"] = id;
  return frame;
}

Frame read_frame(std::string_view room, std::uint64_t seq) {
  return Frame{{"type", "read"}, {"room", room}, {"seq", seq}};
}

}  // namespace parley::test
