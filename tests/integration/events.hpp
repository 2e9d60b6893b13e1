// The fixture and helpers of the v2 events tests over WebSocket (PROTOCOL.md,
// "Events: one seq space per room"): edits, deletes, reactions and replies.
// Every test runs once per store (memory, sqlite; a PostgreSQL run replaces
// both by its database). Helpers throw, with what arrived, when the server
// does not answer as the contract says; GoogleTest reports that as a failure.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat_test.hpp"

namespace parley::test {

inline const std::string kThumbs = "\xF0\x9F\x91\x8D";  // 👍
inline const std::string kParty = "\xF0\x9F\x8E\x89";   // 🎉

// The stores every events test runs against: the test's parameter.
inline const std::vector<std::string> kEventStores = {"memory", "sqlite"};

class EventsTest : public ChatTest, public ::testing::WithParamInterface<std::string> {
 protected:
  // A server on the test's store, with alice and bob in "lobby", and carol
  // there too, who only watches: she sees every event of the room.
  void start_with_alice_bob_and_carol(std::vector<std::string> more_arguments = {});

  std::unique_ptr<WsClient> alice_;
  std::unique_ptr<WsClient> bob_;
  std::unique_ptr<WsClient> carol_;
};

// An event frame of any kind: message, edit, delete, reaction.
bool is_event(const Frame& frame);
FramePredicate event_in(std::string_view room);

// Each sends `frame` (a send, edit, delete or react frame with an id) and
// reads what answers it, matched by kind and id; frames of others stay in
// the inbox, so a watcher of the room may act too.
//
// act: the frame must be stored. Returns the actor's own event, which must
// come before the ack and carry the ack's seq.
Frame act(WsClient& client, const Frame& frame);
std::uint64_t act_seq(WsClient& client, const Frame& frame);
// The frame must store nothing (a resent id, a reaction already as asked):
// an ack with no event of its own. Returns the ack's seq.
std::uint64_t ack_without_event(WsClient& client, const Frame& frame);
// The frame must be refused with `code`: an error that carries `id` (when
// given; a frame without a valid id gets an error without one) and no event.
void expect_refused(WsClient& client, const Frame& frame, std::string_view code,
                    const std::optional<std::string>& id = std::nullopt);

// Sends every frame without waiting, then reads through the answer to the
// last; throws when any is refused. Returns every frame read, in order.
std::vector<Frame> pipeline(WsClient& client, const std::vector<Frame>& frames);

// `room`'s events (of every kind) until one with seq >= `last_seq`; throws
// on timeout. Other frames stay in the inbox.
std::vector<Frame> events_through(WsClient& client, std::string_view room, std::uint64_t last_seq,
                                  Duration timeout = kDefaultTimeout);
// Checks that no event is on its way to `client` (reads through a pong).
void expect_no_more_events(WsClient& client);

// Checks the fields every event carries (in room "lobby").
void expect_event(const Frame& event, std::string_view type, std::uint64_t seq,
                  std::string_view user, std::string_view id);

std::uint64_t target_of(const Frame& event);
// A field's value, or null when absent.
boost::json::value value_of(const Frame& frame, std::string_view key);
// True when the field is there and is the boolean true.
bool is_true(const Frame& frame, std::string_view key);
Frame with_field(Frame frame, std::string_view key, boost::json::value value);
Frame without_field(Frame frame, std::string_view key);

std::vector<std::string> types_of(const std::vector<Frame>& frames);
std::vector<Frame> events_in(const std::vector<Frame>& frames);
// The frames as JSON text, for failure messages.
std::string texts_of(const std::vector<Frame>& frames);
std::string repeat(std::string_view unit, std::size_t times);

}  // namespace parley::test
