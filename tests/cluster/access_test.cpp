// Private rooms and direct messages across nodes (PROTOCOL.md, "Private
// rooms and direct messages" and "Several nodes"): an invite made on one
// node reaches the invitee's sockets on another live; a removal made on one
// node cuts the removed user's sockets on another off at once; a direct
// conversation is one room whichever node each of its two people uses.
#include <gtest/gtest.h>

#include <iostream>

#include "cluster/cluster.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view kPassword = "correct horse battery";

class ClusterAccess : public ::testing::Test {
 protected:
  void TearDown() override {
    if (cluster_ && HasFailure()) std::cerr << cluster_->log_text();
  }
  std::unique_ptr<Cluster> cluster_;
};

long long elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

std::unique_ptr<WsClient> socket_on(Cluster& cluster, std::size_t node, const Session& session) {
  return connect_ws(cluster.port(node), "/ws", browser_upgrade(session, cluster.port(node)));
}

void create_private_room(HttpClient& http, std::string_view room, const Session& owner) {
  const HttpResponse created =
      http.post_json("/api/rooms", json::serialize(json::object{{"name", room}, {"private", true}}),
                     cookie_and_csrf(owner));
  if (created.status != 201) throw std::runtime_error("create: " + created.describe());
}

HttpResponse change_access(HttpClient& http, std::string_view room, std::string_view what,
                           std::string_view user, const Session& actor) {
  return http.post_json("/api/rooms/" + std::string(room) + "/" + std::string(what),
                        json::serialize(json::object{{"user", user}}), cookie_and_csrf(actor));
}

// The ack or error answering the frame with client id `id`; throws when
// neither comes.
Frame answer_to(WsClient& client, std::string_view id) {
  auto answer = client.wait_for_match(
      [id](const Frame& frame) {
        return (has_type(frame, "ack") || has_type(frame, "error")) &&
               string_field(frame, "id") == id;
      },
      10s);
  if (!answer) throw std::runtime_error("no ack or error for id " + std::string(id));
  return *std::move(answer);
}

FramePredicate presence_of(std::string_view user, std::string_view event) {
  return [user = std::string(user), event = std::string(event)](const Frame& frame) {
    return string_field(frame, "user") == user && string_field(frame, "event") == event;
  };
}

FramePredicate message_with_seq(std::string_view room, std::uint64_t seq) {
  return [room = std::string(room), seq](const Frame& frame) {
    return string_field(frame, "room") == room && seq_of(frame) == seq;
  };
}

TEST_F(ClusterAccess, AnInviteMadeOnOneNodeReachesTheInviteesSocketOnAnotherLive) {
  cluster_ = std::make_unique<Cluster>(2);
  HttpClient on_a(cluster_->port(0));
  HttpClient on_b(cluster_->port(1));
  const Session ann = register_account(on_a, "Ann", kPassword);
  register_account(on_a, "Bob", kPassword);
  const Session bob = log_in(on_b, "Bob", kPassword);
  create_private_room(on_a, "Secret", ann);
  auto ann_ws = socket_on(*cluster_, 0, ann);
  join_room(*ann_ws, "Secret");
  auto bob_ws = socket_on(*cluster_, 1, bob);
  ASSERT_TRUE(bob_ws->send_json(Frame{{"type", "join"}, {"room", "Secret"}, {"id", "j1"}}));
  EXPECT_EQ(string_field(answer_to(*bob_ws, "j1"), "code"), "not_found") << "not invited yet";
  EXPECT_EQ(on_b.get("/api/rooms/Secret", cookie_of(bob)).status, 404);

  const auto invited_at = std::chrono::steady_clock::now();
  const HttpResponse invited = change_access(on_a, "Secret", "invite", "bob", ann);
  ASSERT_EQ(invited.status, 204) << invited.describe();

  const Frame told = bob_ws->expect("invited", {}, 10s);
  std::cout << "[ cluster  ] the invite made on node A reached node B in " << elapsed_ms(invited_at)
            << " ms\n";
  EXPECT_EQ(told, (Frame{{"type", "invited"}, {"room", "Secret"}, {"by", "Ann"}}));
  const HttpResponse described = on_b.get("/api/rooms/secret", cookie_of(bob));
  ASSERT_EQ(described.status, 200) << described.describe();
  EXPECT_EQ(text_field(described.json(), "owner"), "Ann");
  join_room(*bob_ws, "Secret");
  ann_ws->expect("presence", presence_of("Bob", "join"), 10s);
  ASSERT_TRUE(bob_ws->send_json(frames::send("Secret", "thanks from B", "b1")));
  const std::uint64_t seq = seq_of(answer_to(*bob_ws, "b1"));
  const Frame heard = ann_ws->expect("message", message_with_seq("Secret", seq), 10s);
  EXPECT_EQ(string_field(heard, "user"), "Bob");
  EXPECT_EQ(string_field(heard, "text"), "thanks from B");
}

TEST_F(ClusterAccess, ARemovalMadeOnOneNodeCutsTheSocketsOnAnotherOffAtOnce) {
  cluster_ = std::make_unique<Cluster>(2);
  HttpClient on_a(cluster_->port(0));
  HttpClient on_b(cluster_->port(1));
  const Session ann = register_account(on_a, "Ann", kPassword);
  register_account(on_a, "Bob", kPassword);
  register_account(on_a, "Dave", kPassword);
  const Session bob = log_in(on_b, "Bob", kPassword);
  const Session dave = log_in(on_b, "Dave", kPassword);
  create_private_room(on_a, "Secret", ann);
  for (const char* user : {"Bob", "Dave"}) {
    const HttpResponse invited = change_access(on_a, "Secret", "invite", user, ann);
    ASSERT_EQ(invited.status, 204) << user << ": " << invited.describe();
  }
  auto ann_ws = socket_on(*cluster_, 0, ann);
  join_room(*ann_ws, "Secret");
  auto dave_ws = socket_on(*cluster_, 1, dave);
  join_room(*dave_ws, "Secret");
  auto bob_ws = socket_on(*cluster_, 1, bob);
  join_room(*bob_ws, "Secret");
  auto bob_on_a = socket_on(*cluster_, 0, bob);  // in no room
  ann_ws->expect("presence", presence_of("Bob", "join"), 10s);
  dave_ws->expect("presence", presence_of("Bob", "join"), 10s);
  ASSERT_TRUE(ann_ws->send_json(frames::send("Secret", "before", "a1")));
  const std::uint64_t before = seq_of(answer_to(*ann_ws, "a1"));
  bob_ws->expect("message", message_with_seq("Secret", before), 10s);

  const auto removed_at = std::chrono::steady_clock::now();
  const HttpResponse removed = change_access(on_a, "Secret", "remove", "Bob", ann);
  ASSERT_EQ(removed.status, 204) << removed.describe();

  const Frame told = bob_ws->expect("removed", {}, 10s);
  const long long cut_ms = elapsed_ms(removed_at);
  std::cout << "[ cluster  ] the removal made on node A reached node B in " << cut_ms << " ms\n";
  EXPECT_EQ(told, (Frame{{"type", "removed"}, {"room", "Secret"}}));
  EXPECT_LT(cut_ms, 5000) << "at once";
  EXPECT_EQ(bob_on_a->expect("removed", {}, 10s), told) << "every connection of Bob hears it";
  dave_ws->expect("presence", presence_of("Bob", "leave"), 10s);
  ann_ws->expect("presence", presence_of("Bob", "leave"), 10s);

  // The room goes on on node B without Bob.
  ASSERT_TRUE(ann_ws->send_json(frames::send("Secret", "after", "a2")));
  const std::uint64_t after = seq_of(answer_to(*ann_ws, "a2"));
  dave_ws->expect("message", message_with_seq("Secret", after), 10s);
  ASSERT_TRUE(bob_ws->send_json(frames::ping()));
  for (const Frame& frame : bob_ws->collect_through("pong", 10s)) {
    EXPECT_NE(string_field(frame, "room"), "Secret") << "after the removal: " << to_text(frame);
  }
  ASSERT_TRUE(bob_ws->send_json(frames::send("Secret", "wait!", "b1")));
  const Frame refused = answer_to(*bob_ws, "b1");
  EXPECT_EQ(type_of(refused), "error") << to_text(refused);
  EXPECT_EQ(string_field(refused, "code"), "not_found") << to_text(refused);
  ASSERT_TRUE(bob_ws->send_json(Frame{{"type", "join"}, {"room", "Secret"}, {"id", "j1"}}));
  EXPECT_EQ(string_field(answer_to(*bob_ws, "j1"), "code"), "not_found");
  for (HttpClient* http : {&on_a, &on_b}) {
    EXPECT_EQ(http->get("/api/rooms/Secret/messages?after=0", cookie_of(bob)).status, 404);
    EXPECT_EQ(http->get("/api/rooms/Secret", cookie_of(bob)).status, 404);
  }
  const json::value rooms = get_json(on_b, "/api/me/rooms", cookie_of(bob));
  for (const json::value& entry : rooms.at("rooms").as_array()) {
    EXPECT_NE(text_field(entry, "room"), "Secret") << json::serialize(rooms);
  }
}

TEST_F(ClusterAccess, ADirectConversationIsOneRoomWhicheverNodeEachPersonUses) {
  cluster_ = std::make_unique<Cluster>(2);
  HttpClient on_a(cluster_->port(0));
  HttpClient on_b(cluster_->port(1));
  const Session ann = register_account(on_a, "Ann", kPassword);
  register_account(on_a, "Bob", kPassword);
  const Session bob = log_in(on_b, "Bob", kPassword);
  const Session carol = register_account(on_b, "Carol", kPassword);

  const HttpResponse from_a = on_a.post_json("/api/dm", R"({"user":"bob"})", cookie_and_csrf(ann));
  ASSERT_EQ(from_a.status, 200) << from_a.describe();
  const std::string room = text_field(from_a.json(), "room");
  EXPECT_EQ(text_field(from_a.json(), "with"), "Bob");
  const HttpResponse from_b = on_b.post_json("/api/dm", R"({"user":"ann"})", cookie_and_csrf(bob));
  ASSERT_EQ(from_b.status, 200) << from_b.describe();
  EXPECT_EQ(text_field(from_b.json(), "room"), room) << "the same room from node B";
  EXPECT_EQ(text_field(from_b.json(), "with"), "Ann");

  auto ann_ws = socket_on(*cluster_, 0, ann);
  auto bob_ws = socket_on(*cluster_, 1, bob);
  join_room(*ann_ws, room);
  join_room(*bob_ws, room);
  ASSERT_TRUE(ann_ws->send_json(frames::send(room, "hello from A", "a1")));
  const std::uint64_t first = seq_of(answer_to(*ann_ws, "a1"));
  EXPECT_EQ(string_field(bob_ws->expect("message", message_with_seq(room, first), 10s), "text"),
            "hello from A");
  ASSERT_TRUE(bob_ws->send_json(frames::send(room, "hello from B", "b1")));
  const std::uint64_t second = seq_of(answer_to(*bob_ws, "b1"));
  EXPECT_EQ(second, first + 1);
  EXPECT_EQ(string_field(ann_ws->expect("message", message_with_seq(room, second), 10s), "text"),
            "hello from B");

  auto carol_ws = socket_on(*cluster_, 1, carol);
  ASSERT_TRUE(carol_ws->send_json(Frame{{"type", "join"}, {"room", room}, {"id", "j1"}}));
  EXPECT_EQ(string_field(answer_to(*carol_ws, "j1"), "code"), "not_found");
  EXPECT_EQ(on_b.get("/api/rooms/" + room, cookie_of(carol)).status, 404);
}

TEST_F(ClusterAccess, ARemovalMadeWhileRedisWasDownCutsTheSocketOffOnceItIsBack) {
  PrivateRedis redis;
  cluster_ = std::make_unique<Cluster>(2, ClusterServices{shared_postgres_url(), redis.url()});
  HttpClient on_a(cluster_->port(0));
  HttpClient on_b(cluster_->port(1));
  const Session ann = register_account(on_a, "Ann", kPassword);
  register_account(on_a, "Erin", kPassword);
  const Session erin = log_in(on_b, "Erin", kPassword);
  create_private_room(on_a, "Secret", ann);
  ASSERT_EQ(change_access(on_a, "Secret", "invite", "Erin", ann).status, 204);
  auto ann_ws = socket_on(*cluster_, 0, ann);
  join_room(*ann_ws, "Secret");
  auto erin_ws = socket_on(*cluster_, 1, erin);
  join_room(*erin_ws, "Secret");
  ann_ws->expect("presence", presence_of("Erin", "join"), 10s);

  redis.halt();
  ASSERT_TRUE(eventually([&] { return healthz_status(cluster_->port(1)) == 503; }, 20s))
      << "node B notices that Redis is gone";
  // Node B cannot hear of this removal while Redis is away.
  const HttpResponse removed = change_access(on_a, "Secret", "remove", "Erin", ann);
  ASSERT_EQ(removed.status, 204) << removed.describe();
  ASSERT_TRUE(ann_ws->send_json(frames::send("Secret", "while Redis was away", "a1")));
  const std::uint64_t during = seq_of(answer_to(*ann_ws, "a1"));
  redis.restart();
  ASSERT_TRUE(eventually(
      [&] {
        return healthz_status(cluster_->port(0)) == 200 && healthz_status(cluster_->port(1)) == 200;
      },
      30s))
      << "both nodes are healthy again once Redis is back";

  // Back on the bus, node B checks who may be in its private rooms before it
  // delivers what it missed.
  const Frame told = erin_ws->expect("removed", {}, 20s);
  EXPECT_EQ(told, (Frame{{"type", "removed"}, {"room", "Secret"}}));
  ann_ws->expect("presence", presence_of("Erin", "leave"), 20s);
  ASSERT_TRUE(ann_ws->send_json(frames::send("Secret", "after Redis came back", "a2")));
  const std::uint64_t after = seq_of(answer_to(*ann_ws, "a2"));
  ASSERT_GT(after, during);
  ASSERT_TRUE(erin_ws->send_json(frames::ping()));
  for (const Frame& frame : erin_ws->collect_through("pong", 10s)) {
    // The removal itself may come again: node A's bus kept it for Redis and
    // sends it once Redis is back (the bus delivers at least once). So may
    // the set-up's invitation, published just before Redis went: a notice
    // that carries no message of the room (a known wart: see the notes).
    if (has_type(frame, "removed") || has_type(frame, "invited")) continue;
    EXPECT_NE(string_field(frame, "room"), "Secret") << "a removed member got: " << to_text(frame);
  }
  ASSERT_TRUE(erin_ws->send_json(frames::send("Secret", "still here?", "e1")));
  EXPECT_EQ(string_field(answer_to(*erin_ws, "e1"), "code"), "not_found");
}

}  // namespace
}  // namespace parley::test
