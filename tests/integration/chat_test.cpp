#include "chat_test.hpp"

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <thread>

namespace parley::test {

std::string name_target(std::string_view name) {
  return "/ws?name=" + std::string(name);
}

void ChatTest::TearDown() {
  if (HasFailure() && server_) {
    std::cerr << "---- parley log (" << server_->data_dir().string() << ") ----\n"
              << server_->log_text() << "---- end of parley log ----\n";
  }
}

ServerProcess& ChatTest::start_server(std::vector<std::string> arguments) {
  server_ = std::make_unique<ServerProcess>(std::move(arguments));
  return *server_;
}

int ChatTest::upgrade_status(std::string_view target) {
  WsClient client;
  return client.connect(server_->port(), target);
}

std::unique_ptr<WsClient> ChatTest::connect(std::string_view name) {
  auto client = std::make_unique<WsClient>();
  const int status = client->connect(server_->port(), name_target(name));
  if (status != kSwitchingProtocols) {
    throw std::runtime_error("cannot connect as " + std::string(name) + ": HTTP status " +
                             std::to_string(status));
  }
  client->expect("hello");
  return client;
}

std::unique_ptr<WsClient> ChatTest::connect_when_free(std::string_view name, Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto client = std::make_unique<WsClient>();
    const int status = client->connect(server_->port(), name_target(name));
    if (status == kSwitchingProtocols) {
      client->expect("hello");
      return client;
    }
    if (status != 409 || std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("cannot connect as " + std::string(name) + ": HTTP status " +
                               std::to_string(status));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Frame join(WsClient& client, std::string_view room) {
  if (!client.send_json(frames::join(room))) throw std::runtime_error("cannot send join");
  return client.expect("joined");
}

Frame join_since(WsClient& client, std::string_view room, std::uint64_t since) {
  if (!client.send_json(frames::join_since(room, since))) {
    throw std::runtime_error("cannot send join");
  }
  return client.expect("joined");
}

std::uint64_t send_and_ack(WsClient& client, std::string_view room, std::string_view text,
                           std::string_view id) {
  if (!client.send_json(frames::send(room, text, id))) {
    throw std::runtime_error("cannot send a message");
  }
  const std::string wanted(id);
  return seq_of(
      client.expect("ack", [&](const Frame& ack) { return string_field(ack, "id") == wanted; }));
}

std::vector<std::uint64_t> send_burst(WsClient& client, std::string_view room, int count,
                                      std::string_view id_prefix) {
  for (int i = 0; i < count; ++i) {
    const std::string id = std::string(id_prefix) + std::to_string(i);
    if (!client.send_json(frames::send(room, "text of " + id, id))) {
      throw std::runtime_error("cannot send " + id);
    }
  }
  std::vector<std::uint64_t> seqs;
  while (static_cast<int>(seqs.size()) < count) {
    const auto frame = client.next_frame(std::chrono::seconds(20));
    if (!frame) {
      throw std::runtime_error("burst: got " + std::to_string(seqs.size()) + " of " +
                               std::to_string(count) + " acks");
    }
    if (has_type(*frame, "ack")) seqs.push_back(seq_of(*frame));
    if (has_type(*frame, "error")) throw std::runtime_error("burst: " + to_text(*frame));
  }
  return seqs;
}

std::vector<Frame> frames_before_pong(WsClient& client) {
  if (!client.send_json(frames::ping())) throw std::runtime_error("cannot send ping");
  std::vector<Frame> frames = client.collect_through("pong");
  frames.pop_back();
  return frames;
}

std::vector<Frame> messages_through(WsClient& client, std::string_view room, std::uint64_t last_seq,
                                    Duration timeout) {
  std::vector<Frame> messages;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const FramePredicate of_room = in_room(room);
  while (messages.empty() || seq_of(messages.back()) < last_seq) {
    const auto left =
        std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
    auto message = client.wait_for("message", of_room, std::max(left, Duration(0)));
    if (!message) {
      throw std::runtime_error("got " + std::to_string(messages.size()) +
                               " messages, the last with seq " +
                               (messages.empty() ? "-" : std::to_string(seq_of(messages.back()))) +
                               "; waited for seq " + std::to_string(last_seq));
    }
    messages.push_back(*std::move(message));
  }
  return messages;
}

std::vector<std::uint64_t> seqs_of(const std::vector<Frame>& messages) {
  std::vector<std::uint64_t> seqs;
  seqs.reserve(messages.size());
  for (const Frame& message : messages) seqs.push_back(seq_of(message));
  return seqs;
}

std::vector<std::uint64_t> seq_range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> seqs;
  for (std::uint64_t seq = first; seq <= last; ++seq) seqs.push_back(seq);
  return seqs;
}

FramePredicate in_room(std::string_view room) {
  return [wanted = std::string(room)](const Frame& frame) {
    return string_field(frame, "room") == wanted;
  };
}

}  // namespace parley::test
