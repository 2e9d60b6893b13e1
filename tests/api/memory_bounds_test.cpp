// What the server holds for clients that ask for history and never read is
// bounded: a replay is produced in pieces as the socket drains, within one
// budget per connection and one for the server; a page of history is capped
// in bytes; and memory comes back once such clients leave.
#include <fstream>
#include <thread>

#include "api_test.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer keeps freed memory in quarantine: the process's size says
// nothing of the server's own bounds there.
constexpr bool kResidentSizeIsMeaningful = false;
#else
constexpr bool kResidentSizeIsMeaningful = true;
#endif

constexpr std::size_t kMiB = 1024 * 1024;

// The server's resident set, from /proc.
std::size_t resident_bytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  throw std::runtime_error("no VmRSS for the server");
}

// A gauge or counter's value in /metrics text.
double metric(const std::string& text, std::string_view name) {
  const std::string prefix = "\n" + std::string(name) + " ";
  const auto at = text.find(prefix);
  if (at == std::string::npos) throw std::runtime_error("no metric " + std::string(name));
  return std::stod(text.substr(at + prefix.size()));
}

class MemoryBoundsTest : public ApiTest {
 protected:
  double metric_now(std::string_view name) {
    return metric(new_client()->get("/metrics").body, name);
  }

  // Fills `room` with `count` messages of `code_points` each, through one
  // socket; `wide` makes each a 4-byte character (4000 of them: 16000 bytes).
  void fill_room(std::string_view room, int count, std::size_t code_points, bool wide = false) {
    auto writer = connect_ws("/ws?name=writer");
    join_room(*writer, room);
    std::string text;
    for (std::size_t i = 0; i < code_points; ++i) text += wide ? "\xf0\x9f\x98\x80" : "h";
    constexpr int kWindow = 32;
    for (int sent = 0; sent < count;) {
      const int batch = std::min(kWindow, count - sent);
      for (int i = 0; i < batch; ++i, ++sent) {
        ASSERT_TRUE(writer->send_json(frames::send(room, text, "h" + std::to_string(sent))));
      }
      for (int acks = 0; acks < batch;) {
        const auto frame = writer->next_frame(10s);
        ASSERT_TRUE(frame) << "acks stopped after " << sent;
        if (has_type(*frame, "ack")) ++acks;
      }
    }
    writer->close();
  }
};

TEST_F(MemoryBoundsTest, SilentClientsReplayingALargeHistoryHoldBoundedMemory) {
  start_server();
  constexpr int kMessages = 1000;
  fill_room("big", kMessages, 4000, /*wide=*/true);  // 16000 bytes each
  const std::size_t before = resident_bytes(server().pid());

  // 100 clients join with since 0 and never read: each would be sent 16 MB.
  constexpr int kSilent = 100;
  std::vector<std::unique_ptr<WsClient>> silent;
  for (int i = 0; i < kSilent; ++i) {
    auto client = std::make_unique<WsClient>();
    client->set_receive_buffer_bytes(4096);
    ASSERT_EQ(client->connect(port(), "/ws?name=silent" + std::to_string(i)), kSwitchingProtocols);
    ASSERT_TRUE(client->send_json(frames::join_since("big", 0)));
    silent.push_back(std::move(client));
  }
  // Let the server write what the sockets take and produce what it will.
  std::this_thread::sleep_for(3s);

  // Someone else is still served at once.
  auto alive = connect_ws("/ws?name=alive");
  join_room(*alive, "big");
  ASSERT_TRUE(alive->send_json(frames::ping()));
  alive->expect("pong");

  const std::size_t during = resident_bytes(server().pid());
  RecordProperty("rss_before_mb", static_cast<int>(before / kMiB));
  RecordProperty("rss_during_mb", static_cast<int>(during / kMiB));
  if (kResidentSizeIsMeaningful) {
    // Unbounded, it was 17 MB per client (1.7 GB); bounded, about 0.3 MB.
    EXPECT_LT(during, before + 150 * kMiB) << "the server grew by " << (during - before) / kMiB
                                           << " MB for " << kSilent << " silent replays";
  }
  // Each silent client holds at most a piece of its replay (a quarter of
  // its 1 MiB queue bound) in the server's budget.
  const double buffered = metric_now("parley_buffered_bytes");
  EXPECT_LE(buffered, kSilent * (kMiB / 4 + 64 * 1024)) << "bytes of replays held";

  // They leave: the memory comes back.
  for (auto& client : silent) client->drop();
  silent.clear();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (metric_now("parley_ws_sessions") > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(metric_now("parley_buffered_bytes"), 0);
  std::this_thread::sleep_for(2s);  // the tick gives freed memory back
  const std::size_t after = resident_bytes(server().pid());
  RecordProperty("rss_after_mb", static_cast<int>(after / kMiB));
  if (kResidentSizeIsMeaningful) {
    EXPECT_LT(after, before + 64 * kMiB) << "the server kept " << (after - before) / kMiB << " MB";
  }
}

TEST_F(MemoryBoundsTest, AReplayInPiecesArrivesWholeAndInOrder) {
  start_server();
  constexpr int kMessages = 300;
  fill_room("pieces", kMessages, 4000);  // 1.2 MB: several pieces of 256 KiB
  auto reader = connect_ws("/ws?name=reader");
  ASSERT_TRUE(reader->send_json(frames::join_since("pieces", 0)));
  const Frame joined = reader->expect("joined");
  EXPECT_EQ(seq_of(joined), static_cast<std::uint64_t>(kMessages));
  std::uint64_t expected = 1;
  while (expected <= kMessages) {
    const Frame message = reader->expect("message", {}, 10s);
    ASSERT_EQ(seq_of(message), expected) << "a replay in pieces keeps its order";
    ++expected;
  }
  // Live messages follow the replay.
  auto writer = connect_ws("/ws?name=writer2");
  join_room(*writer, "pieces");
  ASSERT_TRUE(writer->send_json(frames::send("pieces", "live", "live-1")));
  const Frame live = reader->expect("message");
  EXPECT_EQ(seq_of(live), static_cast<std::uint64_t>(kMessages + 1));
}

TEST_F(MemoryBoundsTest, APageOfHistoryIsCappedInBytesAndSaysSo) {
  start_server({"--max-page-bytes", "65536"});
  fill_room("paged", 40, 4000);  // 160 KB: three pages of 64 KiB
  const Session reader = start_guest("pager");
  std::uint64_t after = 0;
  int pages = 0;
  for (;;) {
    const auto page =
        read_messages("paged", "after=" + std::to_string(after) + "&limit=1000", cookie_of(reader));
    const auto& messages = field(page, "messages").as_array();
    const bool truncated = page.as_object().contains("truncated");
    if (messages.empty()) break;
    ++pages;
    EXPECT_LE(messages.size(), 16u) << "a page of 64 KiB holds at most 16 messages of 4 KB";
    for (const auto& message : messages) EXPECT_EQ(number_field(message, "seq"), ++after);
    EXPECT_EQ(truncated, after < 40) << "truncated says more is there, at seq " << after;
  }
  EXPECT_EQ(after, 40u);
  EXPECT_GE(pages, 3);

  // History before a seq keeps the newest of the range.
  const auto before = read_messages("paged", "before=41&limit=1000", cookie_of(reader));
  const auto& newest = field(before, "messages").as_array();
  ASSERT_FALSE(newest.empty());
  EXPECT_LT(newest.size(), 40u);
  EXPECT_EQ(number_field(newest.back(), "seq"), 40u);
  EXPECT_TRUE(before.as_object().contains("truncated"));
}

}  // namespace
}  // namespace parley::test
