#include "events.hpp"

#include <chrono>
#include <set>
#include <stdexcept>

namespace parley::test {

namespace {

using namespace std::chrono_literals;

// The kind of event that a client frame makes.
std::string event_kind_of(const Frame& frame) {
  const std::string type = type_of(frame);
  if (type == "send") return "message";
  if (type == "react") return "reaction";
  return type;
}

// An event that `frame` made: its kind, room and id.
FramePredicate made_by(const Frame& frame) {
  return [kind = event_kind_of(frame), room = string_field(frame, "room"),
          id = string_field(frame, "id")](const Frame& event) {
    return has_type(event, kind) && string_field(event, "room") == room &&
           string_field(event, "id") == id;
  };
}

// The ack or error that answers a frame with client id `id`; any error when
// `id` is empty (a frame without a valid id is refused without one).
FramePredicate answer_to(std::string id) {
  return [id = std::move(id)](const Frame& frame) {
    if (has_type(frame, "error")) return id.empty() || string_field(frame, "id") == id;
    return has_type(frame, "ack") && string_field(frame, "id") == id;
  };
}

FramePredicate either(FramePredicate a, FramePredicate b) {
  return [a = std::move(a), b = std::move(b)](const Frame& frame) { return a(frame) || b(frame); };
}

void send_or_throw(WsClient& client, const Frame& frame) {
  if (!client.send_json(frame)) throw std::runtime_error("cannot send " + to_text(frame));
}

// The next frame that matches; throws with `what` when none comes.
Frame next_matching(WsClient& client, const FramePredicate& matches, const std::string& what) {
  auto frame = client.wait_for_match(matches);
  if (!frame) throw std::runtime_error("no answer to " + what);
  return *std::move(frame);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void EventsTest::start_with_alice_bob_and_carol(std::vector<std::string> more_arguments) {
  std::vector<std::string> arguments = {"--store", GetParam()};
  arguments.insert(arguments.end(), more_arguments.begin(), more_arguments.end());
  start_server(std::move(arguments));
  alice_ = connect("alice");
  join(*alice_, "lobby");
  bob_ = connect("bob");
  join(*bob_, "lobby");
  carol_ = connect("carol");
  join(*carol_, "lobby");
}

bool is_event(const Frame& frame) {
  static const std::set<std::string> kinds = {"message", "edit", "delete", "reaction"};
  return kinds.contains(type_of(frame));
}

FramePredicate event_in(std::string_view room) {
  return [wanted = std::string(room)](const Frame& frame) {
    return is_event(frame) && string_field(frame, "room") == wanted;
  };
}

Frame act(WsClient& client, const Frame& frame) {
  send_or_throw(client, frame);
  const std::string id = string_field(frame, "id");
  const Frame first = next_matching(client, either(made_by(frame), answer_to(id)), to_text(frame));
  if (!made_by(frame)(first)) {
    throw std::runtime_error(to_text(frame) +
                             ": answered without the own event first: " + to_text(first));
  }
  const Frame answer = next_matching(client, answer_to(id), to_text(frame));
  if (!has_type(answer, "ack")) {
    throw std::runtime_error(to_text(frame) + " was refused: " + to_text(answer));
  }
  if (seq_of(answer) != seq_of(first)) {
    throw std::runtime_error(to_text(frame) + ": the ack " + to_text(answer) +
                             " names another seq than the own event " + to_text(first));
  }
  return first;
}

std::uint64_t act_seq(WsClient& client, const Frame& frame) {
  return seq_of(act(client, frame));
}

std::uint64_t ack_without_event(WsClient& client, const Frame& frame) {
  send_or_throw(client, frame);
  const std::string id = string_field(frame, "id");
  const Frame answer = next_matching(client, either(made_by(frame), answer_to(id)), to_text(frame));
  if (!has_type(answer, "ack")) {
    throw std::runtime_error(to_text(frame) + " stores nothing and is acked, but got " +
                             to_text(answer));
  }
  return seq_of(answer);
}

void expect_refused(WsClient& client, const Frame& frame, std::string_view code,
                    const std::optional<std::string>& id) {
  SCOPED_TRACE("sent: " + to_text(frame).substr(0, 300));
  ASSERT_TRUE(client.send_json(frame));
  const auto answer = client.wait_for_match(either(made_by(frame), answer_to(id.value_or(""))));
  ASSERT_TRUE(answer) << "no answer";
  ASSERT_TRUE(has_type(*answer, "error")) << "expected " << code << ", got " << to_text(*answer);
  EXPECT_EQ(string_field(*answer, "code"), code) << to_text(*answer);
  if (id) {
    EXPECT_EQ(string_field(*answer, "id"), *id) << to_text(*answer);
  }
}

std::vector<Frame> pipeline(WsClient& client, const std::vector<Frame>& frames) {
  for (const Frame& frame : frames) send_or_throw(client, frame);
  std::vector<Frame> read = client.collect_until(answer_to(string_field(frames.back(), "id")), 10s);
  for (const Frame& frame : read) {
    if (has_type(frame, "error")) throw std::runtime_error("refused: " + to_text(frame));
  }
  return read;
}

std::vector<Frame> events_through(WsClient& client, std::string_view room, std::uint64_t last_seq,
                                  Duration timeout) {
  std::vector<Frame> events;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (events.empty() || seq_of(events.back()) < last_seq) {
    const auto left =
        std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
    auto event = client.wait_for_match(event_in(room), std::max(left, Duration(0)));
    if (!event) {
      throw std::runtime_error("waited for the event with seq " + std::to_string(last_seq) +
                               "; got" + (events.empty() ? " none" : texts_of(events)));
    }
    events.push_back(*std::move(event));
  }
  return events;
}

void expect_no_more_events(WsClient& client) {
  for (const Frame& frame : frames_before_pong(client)) {
    EXPECT_FALSE(is_event(frame)) << "no further event: " << to_text(frame);
  }
}

void expect_event(const Frame& event, std::string_view type, std::uint64_t seq,
                  std::string_view user, std::string_view id) {
  SCOPED_TRACE(to_text(event));
  EXPECT_EQ(type_of(event), type);
  EXPECT_EQ(string_field(event, "room"), "lobby");
  EXPECT_EQ(seq_of(event), seq);
  EXPECT_EQ(string_field(event, "user"), user);
  EXPECT_EQ(string_field(event, "id"), id);
  ASSERT_TRUE(event.contains("ts") && event.at("ts").is_int64());
  EXPECT_GT(event.at("ts").get_int64(), now_ms() - 60'000) << "milliseconds since the epoch";
  EXPECT_LE(event.at("ts").get_int64(), now_ms() + 1000);
}

std::uint64_t target_of(const Frame& event) {
  return number_of(event, "target");
}

boost::json::value value_of(const Frame& frame, std::string_view key) {
  const auto* value = frame.if_contains(key);
  return value != nullptr ? *value : boost::json::value(nullptr);
}

bool is_true(const Frame& frame, std::string_view key) {
  const auto* value = frame.if_contains(key);
  return value != nullptr && value->is_bool() && value->get_bool();
}

Frame with_field(Frame frame, std::string_view key, boost::json::value value) {
  frame[key] = std::move(value);
  return frame;
}

Frame without_field(Frame frame, std::string_view key) {
  frame.erase(key);
  return frame;
}

std::vector<std::string> types_of(const std::vector<Frame>& frames) {
  std::vector<std::string> types;
  for (const Frame& frame : frames) types.push_back(type_of(frame));
  return types;
}

std::vector<Frame> events_in(const std::vector<Frame>& frames) {
  std::vector<Frame> events;
  for (const Frame& frame : frames) {
    if (is_event(frame)) events.push_back(frame);
  }
  return events;
}

std::string texts_of(const std::vector<Frame>& frames) {
  std::string text;
  for (const Frame& frame : frames) text.append(" ").append(to_text(frame));
  return text;
}

std::string repeat(std::string_view unit, std::size_t times) {
  std::string text;
  for (std::size_t i = 0; i < times; ++i) text += unit;
  return text;
}

}  // namespace parley::test
