#include "bus/event_codec.hpp"

#include <boost/json.hpp>
#include <memory>

namespace parley::bus {

namespace json = boost::json;

namespace {

constexpr const char* kKindNames[] = {"message",   "typing",   "presence",   "credential_ended",
                                      "heartbeat", "personal", "access_lost"};

std::optional<EventKind> kind_named(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kKindNames); ++i) {
    if (name == kKindNames[i]) return static_cast<EventKind>(i);
  }
  return std::nullopt;
}

// The string at `key`, or empty when absent; false when it is not a string.
bool read_string(const json::object& header, std::string_view key, std::string& out) {
  const json::value* value = header.if_contains(key);
  if (value == nullptr) return true;
  if (!value->is_string()) return false;
  out = value->as_string();
  return true;
}

bool read_strings(const json::value& value, std::initializer_list<std::string*> out) {
  const json::array* array = value.if_array();
  if (array == nullptr || array->size() != out.size()) return false;
  std::size_t i = 0;
  for (std::string* target : out) {
    const json::string* text = (*array)[i++].if_string();
    if (text == nullptr) return false;
    *target = *text;
  }
  return true;
}

std::optional<std::uint64_t> seq_of(const json::value& value) {
  boost::system::error_code error;
  const auto number = value.to_number<std::uint64_t>(error);
  if (error) return std::nullopt;
  return number;
}

}  // namespace

std::string encode_event(const Event& event) {
  json::object header;
  header["k"] = kKindNames[static_cast<std::size_t>(event.kind)];
  header["n"] = event.node;
  if (!event.room.empty()) header["r"] = event.room;
  if (!event.room_name.empty()) header["rn"] = event.room_name;
  if (event.seq != 0) header["s"] = event.seq;
  if (!event.identity.empty()) header["i"] = event.identity;
  if (!event.user.empty()) header["u"] = event.user;
  if (event.present) header["p"] = true;
  if (!event.subject.empty()) header["c"] = event.subject;
  if (!event.snapshot.empty()) {
    json::array snapshot;
    snapshot.reserve(event.snapshot.size());
    for (const PresenceEntry& entry : event.snapshot) {
      snapshot.push_back(json::array{entry.room, entry.room_name, entry.identity, entry.user});
    }
    header["ps"] = std::move(snapshot);
  }
  if (!event.positions.empty()) {
    json::array positions;
    positions.reserve(event.positions.size());
    for (const auto& [room, seq] : event.positions) positions.push_back(json::array{room, seq});
    header["pos"] = std::move(positions);
  }
  std::string bytes = json::serialize(header);
  bytes += '\n';
  if (event.frame) bytes += *event.frame;
  return bytes;
}

std::optional<Event> decode_event(std::string_view bytes) {
  const std::size_t end = bytes.find('\n');
  if (end == std::string_view::npos) return std::nullopt;
  boost::system::error_code error;
  json::value parsed = json::parse(bytes.substr(0, end), error);
  if (error || !parsed.is_object()) return std::nullopt;
  const json::object& header = parsed.as_object();

  const json::string* kind_name = header.contains("k") ? header.at("k").if_string() : nullptr;
  if (kind_name == nullptr) return std::nullopt;
  const auto kind = kind_named(*kind_name);
  if (!kind) return std::nullopt;
  Event event(*kind);
  if (!read_string(header, "n", event.node) || event.node.empty() ||
      !read_string(header, "r", event.room) || !read_string(header, "rn", event.room_name) ||
      !read_string(header, "i", event.identity) || !read_string(header, "u", event.user) ||
      !read_string(header, "c", event.subject)) {
    return std::nullopt;
  }
  if (const json::value* seq = header.if_contains("s")) {
    const auto number = seq_of(*seq);
    if (!number) return std::nullopt;
    event.seq = *number;
  }
  if (const json::value* present = header.if_contains("p")) {
    if (!present->is_bool()) return std::nullopt;
    event.present = present->get_bool();
  }
  if (const json::value* snapshot = header.if_contains("ps")) {
    const json::array* entries = snapshot->if_array();
    if (entries == nullptr) return std::nullopt;
    event.snapshot.reserve(entries->size());
    for (const json::value& value : *entries) {
      PresenceEntry entry;
      if (!read_strings(value, {&entry.room, &entry.room_name, &entry.identity, &entry.user})) {
        return std::nullopt;
      }
      event.snapshot.push_back(std::move(entry));
    }
  }
  if (const json::value* positions = header.if_contains("pos")) {
    const json::array* entries = positions->if_array();
    if (entries == nullptr) return std::nullopt;
    for (const json::value& value : *entries) {
      const json::array* pair = value.if_array();
      if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_string()) return std::nullopt;
      const auto seq = seq_of((*pair)[1]);
      if (!seq) return std::nullopt;
      event.positions.emplace_back(std::string((*pair)[0].get_string()), *seq);
    }
  }
  // What each kind needs to be acted on.
  const bool complete = [&] {
    switch (event.kind) {
      case EventKind::message:
        return !event.room.empty() && event.seq != 0 && end + 1 < bytes.size();
      case EventKind::typing:
        return !event.room.empty() && !event.identity.empty() && end + 1 < bytes.size();
      case EventKind::personal:
        return !event.identity.empty() && end + 1 < bytes.size();
      case EventKind::access_lost:
        return !event.room.empty() && !event.identity.empty() && end + 1 < bytes.size();
      case EventKind::presence:
        return !event.room.empty() && !event.identity.empty() && !event.user.empty();
      case EventKind::credential_ended:
        return !event.subject.empty();
      case EventKind::heartbeat:
        return true;
    }
    return false;
  }();
  if (!complete) return std::nullopt;
  if (end + 1 < bytes.size()) {
    event.frame = std::make_shared<const std::string>(bytes.substr(end + 1));
  }
  return event;
}

}  // namespace parley::bus
