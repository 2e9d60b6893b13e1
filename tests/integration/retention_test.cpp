// Retention (--retention-messages): the background pass removes a room's
// oldest events; history over HTTP starts after them, and a join with since
// from before them says truncated and replays what is kept.
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "chat_test.hpp"
#include "support/http_client.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

class RetentionTest : public ChatTest {};

// The seqs GET /api/rooms/R/messages?after=0 answers.
std::vector<std::uint64_t> seqs_over_http(HttpClient& http, const HttpHeaders& session) {
  const HttpResponse page = http.get("/api/rooms/lobby/messages?after=0&limit=100", session);
  if (page.status != 200) throw std::runtime_error("history: " + page.describe());
  std::vector<std::uint64_t> seqs;
  const boost::json::value body = page.json();
  for (const auto& message : body.at("messages").as_array()) {
    seqs.push_back(message.at("seq").to_number<std::uint64_t>());
  }
  return seqs;
}

bool is_truncated(const Frame& joined) {
  const auto* truncated = joined.if_contains("truncated");
  return truncated != nullptr && truncated->is_bool() && truncated->get_bool();
}

TEST_F(RetentionTest, ACountLimitKeepsTheLastMessagesAndAnOlderSinceIsTruncated) {
  start_server({"--store", "sqlite", "--retention-messages", "3", "--retention-interval", "1"});
  auto alice = connect("alice");
  join(*alice, "lobby");
  send_burst(*alice, "lobby", 8, "m");

  HttpClient http(server().port());
  const HttpResponse guest = http.post_json("/api/guest", R"({"name":"reader"})");
  ASSERT_EQ(guest.status, 200) << guest.describe();
  const std::string cookie = guest.header("Set-Cookie").value_or("");
  const HttpHeaders session = {{"Cookie", cookie.substr(0, cookie.find(';'))}};

  // The pass runs every second: polled until it has, with a generous bound.
  const std::vector<std::uint64_t> kept = {6, 7, 8};
  std::vector<std::uint64_t> seen;
  for (const auto deadline = std::chrono::steady_clock::now() + 60s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(100ms)) {
    seen = seqs_over_http(http, session);
    if (seen == kept) break;
  }
  ASSERT_EQ(seen, kept);
  // A history page says where history starts now.
  const HttpResponse before = http.get("/api/rooms/lobby/messages?before=6&limit=100", session);
  ASSERT_EQ(before.status, 200) << before.describe();
  const boost::json::value page = before.json();
  EXPECT_TRUE(page.at("messages").as_array().empty()) << before.body;
  EXPECT_EQ(page.at("trimmed_seq").to_number<std::uint64_t>(), 5u) << before.body;
  // A poll whose next seqs are gone goes on from the horizon (an empty page
  // would have it ask again forever).
  const HttpResponse poll = http.get("/api/rooms/lobby/messages?after=1&limit=2", session);
  ASSERT_EQ(poll.status, 200) << poll.describe();
  const boost::json::value polled = poll.json();
  EXPECT_EQ(polled.at("trimmed_seq").to_number<std::uint64_t>(), 5u) << poll.body;
  std::vector<std::uint64_t> polled_seqs;
  for (const auto& message : polled.at("messages").as_array()) {
    polled_seqs.push_back(message.at("seq").to_number<std::uint64_t>());
  }
  EXPECT_EQ(polled_seqs, (std::vector<std::uint64_t>{6, 7})) << poll.body;

  auto bob = connect("bob");
  const Frame joined = join_since(*bob, "lobby", 1);
  EXPECT_TRUE(is_truncated(joined)) << to_text(joined);
  EXPECT_EQ(seq_of(joined), 8u);
  EXPECT_EQ(seqs_of(messages_through(*bob, "lobby", 8)), kept);

  // Since the horizon or after it, nothing is missing.
  auto cy = connect("cy");
  const Frame rejoined = join_since(*cy, "lobby", 6);
  EXPECT_FALSE(is_truncated(rejoined)) << to_text(rejoined);
  EXPECT_EQ(seqs_of(messages_through(*cy, "lobby", 8)), (std::vector<std::uint64_t>{7, 8}));

  // Seqs go on after the last.
  EXPECT_EQ(send_and_ack(*alice, "lobby", "after", "after"), 9u);
}

}  // namespace
}  // namespace parley::test
