// Identity across nodes: a session or token made on one node works on
// every node; its end on one node (logout, revocation) ends it everywhere
// within seconds, sockets included; a guest name is held cluster-wide.
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "cluster/cluster.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

constexpr int kSessionEnded = 4401;
constexpr std::string_view kPassword = "correct horse battery";

class ClusterIdentity : public ::testing::Test {
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

TEST_F(ClusterIdentity, ASessionMadeOnOneNodeWorksOnAnotherAndItsLogoutEndsItThereToo) {
  cluster_ = std::make_unique<Cluster>(2);
  HttpClient on_a(cluster_->port(0));
  HttpClient on_b(cluster_->port(1));

  for (const bool guest : {true, false}) {
    SCOPED_TRACE(guest ? "a guest session" : "an account's session");
    const Session session =
        guest ? start_guest(on_a, "gina")
              : (register_account(on_a, "rita", kPassword), log_in(on_a, "rita", kPassword));
    const HttpResponse me = on_b.get("/api/me", cookie_of(session));
    ASSERT_EQ(me.status, 200) << me.describe();
    EXPECT_EQ(text_field(me.json(), "user"), session.user);
    auto socket = connect_ws(cluster_->port(1), "/ws", browser_upgrade(session, cluster_->port(1)));
    join_room(*socket, "lobby");
    ASSERT_TRUE(socket->send_json(frames::send("lobby", "hello from B", session.user + "-1")));
    socket->expect("ack", {}, 10s);

    const auto logged_out = std::chrono::steady_clock::now();
    const HttpResponse logout = on_a.request("POST", "/api/logout", cookie_and_csrf(session));
    ASSERT_EQ(logout.status, 204) << logout.describe();
    const auto code = socket->wait_for_close(10s);
    const long long close_ms = elapsed_ms(logged_out);
    std::cout << "[ cluster  ] node B closed the socket " << close_ms
              << " ms after the logout on node A\n";
    EXPECT_EQ(code, std::optional<int>(kSessionEnded));
    EXPECT_LT(close_ms, 5000) << "within about a second, said the contract";
    int status = 0;
    EXPECT_TRUE(eventually(
        [&] {
          status = on_b.get("/api/me", cookie_of(session)).status;
          return status == 401;
        },
        5s))
        << "GET /api/me on node B after the logout: " << status;
  }
}

TEST_F(ClusterIdentity, AReadMarkerMovedOnOneNodeReachesTheUsersDevicesOnAnother) {
  cluster_ = std::make_unique<Cluster>(2);
  HttpClient on_a(cluster_->port(0));
  HttpClient on_b(cluster_->port(1));
  register_account(on_a, "rosa", kPassword);
  const Session phone = log_in(on_a, "rosa", kPassword);
  const Session laptop = log_in(on_b, "rosa", kPassword);
  const Session bob = start_guest(on_b, "bob");
  for (int i = 1; i <= 3; ++i) {
    const HttpResponse posted = on_b.post_json(
        "/api/rooms/reading/messages",
        R"({"text":"@rosa look","id":"b)" + std::to_string(i) + R"("})", cookie_and_csrf(bob));
    ASSERT_EQ(posted.status, 201) << posted.describe();
  }
  auto phone_ws = connect_ws(cluster_->port(0), "/ws", browser_upgrade(phone, cluster_->port(0)));
  auto laptop_ws = connect_ws(cluster_->port(1), "/ws", browser_upgrade(laptop, cluster_->port(1)));

  ASSERT_TRUE(
      phone_ws->send_json(Frame{{"type", "read"}, {"room", "reading"}, {"seq", 2}, {"id", "r1"}}));

  const Frame told = laptop_ws->expect("read", {}, 10s);
  EXPECT_EQ(told.at("seq").to_number<std::uint64_t>(), 2u) << to_text(told);
  const boost::json::value mine = get_json(on_b, "/api/me/rooms", cookie_of(laptop));
  const auto& rooms = mine.at("rooms").as_array();
  ASSERT_EQ(rooms.size(), 1u) << boost::json::serialize(mine);
  EXPECT_EQ(number_field(rooms[0], "read_seq"), 2u);
  EXPECT_EQ(number_field(rooms[0], "unread"), 1u);
  EXPECT_EQ(number_field(rooms[0], "mentions"), 1u);
  for (const Frame& frame : phone_ws->take_within(300ms)) {
    EXPECT_NE(type_of(frame), "read") << "the phone asked: " << to_text(frame);
  }
}

TEST_F(ClusterIdentity, ATokenRevokedOnOneNodeIsRefusedOnAnother) {
  cluster_ = std::make_unique<Cluster>(2);
  HttpClient on_a(cluster_->port(0));
  HttpClient on_b(cluster_->port(1));
  const Session session = register_account(on_a, "tomas", kPassword);
  const HttpResponse created = on_a.request("POST", "/api/tokens", cookie_and_csrf(session));
  ASSERT_EQ(created.status, 201) << created.describe();
  const std::string token = text_field(created.json(), "token");
  const std::string id = text_field(created.json(), "id");

  // Node B knows the token (and caches it) before it is revoked.
  const HttpResponse me = on_b.get("/api/me", bearer(token));
  ASSERT_EQ(me.status, 200) << me.describe();
  auto socket = connect_ws(cluster_->port(1), "/ws?token=" + token);

  const auto revoked = std::chrono::steady_clock::now();
  const HttpResponse revoke = on_a.request("DELETE", "/api/tokens/" + id, cookie_and_csrf(session));
  ASSERT_EQ(revoke.status, 204) << revoke.describe();
  int status = 0;
  EXPECT_TRUE(eventually(
      [&] {
        status = on_b.get("/api/me", bearer(token)).status;
        return status == 401;
      },
      5s))
      << "GET /api/me with the revoked token on node B: " << status;
  std::cout << "[ cluster  ] node B refused the token " << elapsed_ms(revoked)
            << " ms after its revocation on node A\n";
  EXPECT_EQ(socket->wait_for_close(5s), std::optional<int>(kSessionEnded))
      << "the socket that rested on the token ends too";
  WsClient refused;
  EXPECT_EQ(refused.connect(cluster_->port(1), "/ws?token=" + token), 401);
}

TEST_F(ClusterIdentity, AGuestNameTakenOnOneNodeIsRefusedOnAnother) {
  cluster_ = std::make_unique<Cluster>(2);
  HttpClient on_a(cluster_->port(0));
  HttpClient on_b(cluster_->port(1));
  start_guest(on_a, "gina");
  for (const char* name : {"gina", "GINA"}) {
    const HttpResponse taken =
        on_b.post_json("/api/guest", std::string(R"({"name":")") + name + "\"}");
    EXPECT_EQ(taken.status, 409) << name << ": " << taken.describe();
  }
  WsClient by_name;
  EXPECT_EQ(by_name.connect(cluster_->port(1), "/ws?name=gina"), 409)
      << "nor can a connection take it by ?name=";
}

TEST_F(ClusterIdentity, AConnectionsGuestNameIsHeldOnEveryNodeUntilItCloses) {
  cluster_ = std::make_unique<Cluster>(2);
  auto holder = connect_ws(cluster_->port(0), "/ws?name=hugo");
  WsClient twin;
  EXPECT_EQ(twin.connect(cluster_->port(1), "/ws?name=HUGO"), 409)
      << "the same name by ?name= on another node";
  HttpClient on_b(cluster_->port(1));
  EXPECT_EQ(on_b.post_json("/api/guest", R"({"name":"hugo"})").status, 409)
      << "nor as a guest session there";
  EXPECT_EQ(on_b.post_json("/api/register", std::string(R"({"name":"hugo","password":")") +
                                                std::string(kPassword) + "\"}")
                .status,
            409)
      << "nor as an account";

  // The claim outlives several renewals (every 5 s, each for 15 s).
  std::this_thread::sleep_for(16s);
  WsClient later;
  EXPECT_EQ(later.connect(cluster_->port(1), "/ws?name=hugo"), 409) << "still held after 16 s";

  holder->close();
  std::unique_ptr<WsClient> next;
  const auto closed = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually(
      [&] {
        try {
          next = connect_ws(cluster_->port(1), "/ws?name=hugo");
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
      5s))
      << "the name is free on the other node once its connection closed";
  std::cout << "[ cluster  ] name free on the other node " << elapsed_ms(closed)
            << " ms after its connection closed\n";
}

TEST_F(ClusterIdentity, TheGuestNamesOfAKilledNodeAreFreeOnAnotherWithinTheirClaimsLifetime) {
  cluster_ = std::make_unique<Cluster>(2);
  auto holder = connect_ws(cluster_->port(0), "/ws?name=ivy");
  WsClient twin;
  ASSERT_EQ(twin.connect(cluster_->port(1), "/ws?name=ivy"), 409);
  cluster_->node(0).kill_hard();
  const auto killed = std::chrono::steady_clock::now();
  std::unique_ptr<WsClient> again;
  ASSERT_TRUE(eventually(
      [&] {
        try {
          again = connect_ws(cluster_->port(1), "/ws?name=ivy");
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
      25s))
      << "a dead node's claim lapses (15 s after its last renewal)";
  std::cout << "[ cluster  ] name free " << elapsed_ms(killed) << " ms after the kill\n";
}

}  // namespace
}  // namespace parley::test
