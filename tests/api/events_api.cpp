#include "api/events_api.hpp"

#include <stdexcept>

namespace parley::test {

namespace json = boost::json;

json::object edit_body(std::uint64_t target, std::string_view text, std::string_view id) {
  return {{"type", "edit"}, {"target", target}, {"text", text}, {"id", id}};
}

json::object delete_body(std::uint64_t target, std::string_view id) {
  return {{"type", "delete"}, {"target", target}, {"id", id}};
}

json::object react_body(std::uint64_t target, std::string_view emoji, bool on,
                        std::string_view id) {
  return {{"type", "react"}, {"target", target}, {"emoji", emoji}, {"on", on}, {"id", id}};
}

json::object reply_body(std::string_view text, std::string_view id, json::value reply_to) {
  return {{"text", text}, {"id", id}, {"reply_to", std::move(reply_to)}};
}

void EventsApiTest::start_with_alice_and_bob() {
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--store", GetParam()});
  http_.reset();
  alice_ = cookie_and_csrf(start_guest("alice"));
  bob_ = cookie_and_csrf(start_guest("bob"));
}

HttpResponse EventsApiTest::post_event(std::string_view room, const json::object& body,
                                       const HttpHeaders& identity) {
  return http().post_json("/api/rooms/" + std::string(room) + "/events", json::serialize(body),
                          identity);
}

std::uint64_t EventsApiTest::post_new_event(std::string_view room, const json::object& body,
                                            const HttpHeaders& identity) {
  const HttpResponse response = post_event(room, body, identity);
  if (response.status != 201) {
    throw std::runtime_error("post " + json::serialize(body) + ": " + response.describe());
  }
  return number_field(response.json(), "seq");
}

HttpResponse EventsApiTest::post_reply(std::string_view room, const json::object& body,
                                       const HttpHeaders& identity) {
  return http().post_json("/api/rooms/" + std::string(room) + "/messages", json::serialize(body),
                          identity);
}

HttpResponse EventsApiTest::get_message(std::string_view room, std::string_view seq,
                                        const HttpHeaders& identity) {
  return http().get("/api/rooms/" + std::string(room) + "/messages/" + std::string(seq), identity);
}

std::vector<Frame> next_events(WsClient& client, std::size_t count) {
  const auto is_event = [](const Frame& frame) {
    const std::string type = type_of(frame);
    return type == "message" || type == "edit" || type == "delete" || type == "reaction";
  };
  std::vector<Frame> events;
  while (events.size() < count) {
    auto event = client.wait_for_match(is_event);
    if (!event) {
      throw std::runtime_error("got " + std::to_string(events.size()) + " of " +
                               std::to_string(count) + " events");
    }
    events.push_back(*std::move(event));
  }
  return events;
}

const json::array& messages_of(const json::value& page) {
  return field(page, "messages").as_array();
}

std::vector<std::uint64_t> seqs_in(const json::value& page) {
  std::vector<std::uint64_t> seqs;
  for (const json::value& message : messages_of(page)) seqs.push_back(number_field(message, "seq"));
  return seqs;
}

std::vector<std::string> types_in(const json::value& page) {
  std::vector<std::string> types;
  for (const json::value& message : messages_of(page)) types.push_back(text_field(message, "type"));
  return types;
}

bool has_field(const json::value& object, std::string_view key) {
  return object.is_object() && object.get_object().contains(key);
}

}  // namespace parley::test
