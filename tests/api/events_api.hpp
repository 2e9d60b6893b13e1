// The fixture and helpers of the v2 events tests over HTTP (PROTOCOL.md,
// "Events: one seq space per room"): POST /api/rooms/R/events, reply_to on
// POST /api/rooms/R/messages, after= and before= pages and
// GET /api/rooms/R/messages/S. Every test runs once per store (memory,
// sqlite; a PostgreSQL run replaces both by its database).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_test.hpp"

namespace parley::test {

inline const std::string kThumbs = "\xF0\x9F\x91\x8D";  // 👍
inline const std::string kParty = "\xF0\x9F\x8E\x89";   // 🎉

inline const std::vector<std::string> kEventStores = {"memory", "sqlite"};

// The bodies of POST /api/rooms/R/events.
boost::json::object edit_body(std::uint64_t target, std::string_view text, std::string_view id);
boost::json::object delete_body(std::uint64_t target, std::string_view id);
boost::json::object react_body(std::uint64_t target, std::string_view emoji, bool on,
                               std::string_view id);
// A message body answering message `reply_to`.
boost::json::object reply_body(std::string_view text, std::string_view id,
                               boost::json::value reply_to);

class EventsApiTest : public ApiTest, public ::testing::WithParamInterface<std::string> {
 protected:
  // Starts parley on the test's store, with guests alice and bob.
  void start_with_alice_and_bob();

  HttpResponse post_event(std::string_view room, const boost::json::object& body,
                          const HttpHeaders& identity);
  // Posts and returns the seq; throws unless 201.
  std::uint64_t post_new_event(std::string_view room, const boost::json::object& body,
                               const HttpHeaders& identity);
  HttpResponse post_reply(std::string_view room, const boost::json::object& body,
                          const HttpHeaders& identity);
  // GET /api/rooms/R/messages/`seq` (any text, checked by the server).
  HttpResponse get_message(std::string_view room, std::string_view seq,
                           const HttpHeaders& identity);

  HttpHeaders alice_;
  HttpHeaders bob_;
};

// The next `count` event frames (message, edit, delete, reaction) that
// `client` receives, in order; throws when they do not come.
std::vector<Frame> next_events(WsClient& client, std::size_t count);

// The "messages" of a page.
const boost::json::array& messages_of(const boost::json::value& page);
std::vector<std::uint64_t> seqs_in(const boost::json::value& page);
std::vector<std::string> types_in(const boost::json::value& page);
// True when `object` has `key`.
bool has_field(const boost::json::value& object, std::string_view key);

}  // namespace parley::test
