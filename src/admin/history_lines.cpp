#include "admin/history_lines.hpp"

#include <boost/json.hpp>
#include <optional>

#include "core/event_kind.hpp"
#include "core/names.hpp"

namespace parley::admin {
namespace {

namespace json = boost::json;
using core::EventKind;

constexpr std::size_t kMaxIdBytes = 256;          // client ids, author ids
constexpr std::size_t kMaxTextBytes = 64 * 1024;  // far above the 4000 code points of a message
constexpr std::uint64_t kMaxSeq = INT64_MAX;      // stores keep seqs as signed 64-bit integers

std::string_view kind_name(core::RoomKind kind) {
  switch (kind) {
    case core::RoomKind::private_room:
      return "private";
    case core::RoomKind::direct:
      return "direct";
    case core::RoomKind::public_room:
      break;
  }
  return "public";
}

std::string to_line(const json::object& object) {
  return json::serialize(object);
}

// Reads the fields of one object, each at most once; what is left over is
// an unknown field. Every accessor answers nullopt and notes why.
class Fields {
 public:
  explicit Fields(const json::object& object) : object_(object) {}

  const std::string& error() const { return error_; }
  bool failed() const { return !error_.empty(); }

  const json::value* find(std::string_view name, bool required = true) {
    ++seen_;
    const json::value* value = object_.if_contains(name);
    if (value == nullptr) {
      --seen_;
      if (required) note(std::string("\"") + std::string(name) + "\" is missing");
    }
    return value;
  }
  std::optional<std::string> string(std::string_view name, std::size_t max_bytes,
                                    bool required = true) {
    const json::value* value = find(name, required);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) return bad(name, "a string");
    const json::string& text = value->get_string();
    if (text.size() > max_bytes)
      return bad(name, std::string("at most ") + std::to_string(max_bytes) + " bytes");
    if (text.find('\0') != json::string::npos) return bad(name, "text without U+0000");
    return std::string(text);
  }
  std::optional<std::uint64_t> seq(std::string_view name, bool required = true) {
    const json::value* value = find(name, required);
    if (value == nullptr) return std::nullopt;
    if (value->is_int64() && value->get_int64() >= 0) {
      return static_cast<std::uint64_t>(value->get_int64());
    }
    if (value->is_uint64() && value->get_uint64() <= kMaxSeq) return value->get_uint64();
    return bad(name, "an integer from 0 to 2^63-1");
  }
  std::optional<std::int64_t> integer(std::string_view name, bool required = true) {
    const json::value* value = find(name, required);
    if (value == nullptr) return std::nullopt;
    if (value->is_int64()) return value->get_int64();
    if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return static_cast<std::int64_t>(value->get_uint64());
    }
    return bad(name, "a 64-bit integer");
  }
  std::optional<bool> boolean(std::string_view name, bool required = true) {
    const json::value* value = find(name, required);
    if (value == nullptr) return std::nullopt;
    if (!value->is_bool()) return bad(name, "true or false");
    return value->get_bool();
  }
  // After every accessor: refuses fields nobody asked for.
  bool all_known() {
    if (!failed() && seen_ != object_.size()) note("an unknown field");
    return !failed();
  }
  void note(std::string what) {
    if (error_.empty()) error_ = std::move(what);
  }
  std::nullopt_t bad(std::string_view name, const std::string& expected) {
    note(std::string("\"") + std::string(name) + "\" must be " + expected);
    return std::nullopt;
  }

 private:
  const json::object& object_;
  std::size_t seen_ = 0;
  std::string error_;
};

std::optional<core::RoomKind> room_kind(std::string_view name) {
  if (name == "public") return core::RoomKind::public_room;
  if (name == "private") return core::RoomKind::private_room;
  if (name == "direct") return core::RoomKind::direct;
  return std::nullopt;
}

std::optional<EventKind> event_kind(std::string_view name) {
  for (const EventKind kind :
       {EventKind::message, EventKind::edit, EventKind::deletion, EventKind::reaction}) {
    if (core::wire_type(kind) == name) return kind;
  }
  return std::nullopt;
}

bool is_user_name(const std::string& text) {
  return core::UserName::parse(text).has_value();
}

// A room line's fields (after "type"), or why not.
std::string decode_room(Fields& fields, store::ArchivedRoom& room) {
  auto name = fields.string("name", 256);
  auto kind_text = fields.string("kind", 16);
  const json::value* owner = fields.find("owner");
  auto last_seq = fields.seq("last_seq");
  auto trimmed_seq = fields.seq("trimmed_seq");
  auto created_ms = fields.integer("created_ms");
  auto last_active_ms = fields.integer("last_active_ms");
  const json::value* access = fields.find("access");
  if (!fields.all_known()) return fields.error();
  auto parsed = core::RoomName::parse(*name);
  if (!parsed || parsed->text() != *name) return "\"name\" is not a valid room name";
  room.name = *name;
  auto kind = room_kind(*kind_text);
  if (!kind) return "\"kind\" must be public, private or direct";
  room.kind = *kind;
  if (owner->is_string() && is_user_name(std::string(owner->get_string()))) {
    room.owner = std::string(owner->get_string());
  } else if (!owner->is_null()) {
    return "\"owner\" must be a user name or null";
  }
  if (room.kind == core::RoomKind::direct && !room.owner.empty()) {
    return "a direct room has no owner";
  }
  if (*trimmed_seq > *last_seq) return "\"trimmed_seq\" is past \"last_seq\"";
  room.last_seq = *last_seq;
  room.trimmed_seq = *trimmed_seq;
  room.created_ms = *created_ms;
  room.last_active_ms = *last_active_ms;
  if (!access->is_array()) return "\"access\" must be an array";
  for (const json::value& entry : access->get_array()) {
    if (!entry.is_object()) return "each of \"access\" must be an object";
    Fields holder(entry.get_object());
    auto user = holder.string("user", 64);
    auto granted_ms = holder.integer("granted_ms");
    if (!holder.all_known()) return std::string("in \"access\": ") + holder.error();
    if (!is_user_name(*user)) return "in \"access\": \"user\" is not a valid user name";
    room.access.push_back({*user, *granted_ms});
  }
  if (!core::is_restricted(room.kind) && !room.access.empty()) {
    return "a public room has no access list";
  }
  return {};
}

// An event line's fields (after "type"), or why not.
std::string decode_event(Fields& fields, store::StoredMessage& event) {
  auto seq = fields.seq("seq");
  auto ts = fields.integer("ts");
  auto kind_text = fields.string("kind", 16);
  auto user = fields.string("user", 64);
  auto author_id = fields.string("author_id", kMaxIdBytes);
  auto guest = fields.boolean("guest");
  auto client_id = fields.string("id", kMaxIdBytes);
  if (fields.failed()) return fields.error();
  auto kind = event_kind(*kind_text);
  if (!kind) return "\"kind\" must be message, edit, delete or reaction";
  event.kind = *kind;
  std::optional<std::string> text;
  std::optional<std::uint64_t> target, reply_to;
  std::optional<std::int64_t> edited_ts;
  std::optional<bool> deleted, on;
  std::optional<std::string> emoji;
  switch (event.kind) {
    case EventKind::message:
      text = fields.string("text", kMaxTextBytes);
      reply_to = fields.seq("reply_to", false);
      edited_ts = fields.integer("edited_ts", false);
      deleted = fields.boolean("deleted", false);
      break;
    case EventKind::edit:
      target = fields.seq("target");
      text = fields.string("text", kMaxTextBytes);
      deleted = fields.boolean("deleted", false);
      break;
    case EventKind::deletion:
      target = fields.seq("target");
      break;
    case EventKind::reaction:
      target = fields.seq("target");
      emoji = fields.string("emoji", 32);
      on = fields.boolean("on");
      break;
  }
  if (!fields.all_known()) return fields.error();
  if (*seq == 0) return "\"seq\" must be at least 1";
  if (!is_user_name(*user)) return "\"user\" is not a valid user name";
  if (author_id->empty()) return "\"author_id\" must not be empty";
  event.seq = *seq;
  event.ts = *ts;
  event.user = *user;
  event.author_id = *author_id;
  event.guest = *guest;
  event.client_id = *client_id;
  event.text = text.value_or("");
  event.target = target.value_or(0);
  event.reply_to = reply_to.value_or(0);
  event.edited_ts = edited_ts.value_or(0);
  event.deleted = deleted.value_or(false);
  event.emoji = emoji.value_or("");
  event.on = on.value_or(false);
  if (target && (event.target == 0 || event.target >= event.seq)) {
    return "\"target\" must name an earlier event";
  }
  if (event.reply_to >= event.seq) return "\"reply_to\" must name an earlier event";
  if (event.edited_ts < 0) return "\"edited_ts\" must not be negative";
  if (event.kind == EventKind::reaction && core::check_emoji(event.emoji)) {
    return "\"emoji\" is not a valid emoji";
  }
  if (event.deleted && !event.text.empty()) return "a deleted event keeps no text";
  return {};
}

}  // namespace

std::string encode_history_header() {
  return to_line({{"parley_export", kHistoryFormatVersion}});
}

std::string encode_history_room(const store::ArchivedRoom& room) {
  json::array access;
  for (const store::AccessHolder& holder : room.access) {
    access.push_back(json::object{{"user", holder.user}, {"granted_ms", holder.granted_ms}});
  }
  json::object object{{"type", "room"}, {"name", room.name}, {"kind", kind_name(room.kind)}};
  if (room.owner.empty()) {
    object["owner"] = nullptr;
  } else {
    object["owner"] = room.owner;
  }
  object["last_seq"] = room.last_seq;
  object["trimmed_seq"] = room.trimmed_seq;
  object["created_ms"] = room.created_ms;
  object["last_active_ms"] = room.last_active_ms;
  object["access"] = std::move(access);
  return to_line(object);
}

std::string encode_history_event(const store::StoredMessage& event) {
  json::object object{{"type", "event"},      {"seq", event.seq},
                      {"ts", event.ts},       {"kind", core::wire_type(event.kind)},
                      {"user", event.user},   {"author_id", event.author_id},
                      {"guest", event.guest}, {"id", event.client_id}};
  switch (event.kind) {
    case EventKind::message:
      object["text"] = event.text;
      if (event.reply_to != 0) object["reply_to"] = event.reply_to;
      if (event.edited_ts != 0) object["edited_ts"] = event.edited_ts;
      if (event.deleted) object["deleted"] = true;
      break;
    case EventKind::edit:
      object["target"] = event.target;
      object["text"] = event.text;
      if (event.deleted) object["deleted"] = true;
      break;
    case EventKind::deletion:
      object["target"] = event.target;
      break;
    case EventKind::reaction:
      object["target"] = event.target;
      object["emoji"] = event.emoji;
      object["on"] = event.on;
      break;
  }
  return to_line(object);
}

std::string encode_history_end(std::uint64_t rooms, std::uint64_t events) {
  return to_line({{"type", "end"}, {"rooms", rooms}, {"events", events}});
}

bool HistoryReader::fail(std::string what) {
  error_ = std::string("line ") + std::to_string(line_number_) + ": " + std::move(what);
  return false;
}

bool HistoryReader::read_line() {
  line_.clear();
  std::streambuf* buffer = in_.rdbuf();
  if (buffer == nullptr) return false;
  bool read_any = false;
  for (;;) {
    const auto next = buffer->sbumpc();
    if (next == std::char_traits<char>::eof()) break;
    read_any = true;
    const char c = std::char_traits<char>::to_char_type(next);
    if (c == '\n') break;
    // Past the limit the rest of the line is skipped, not kept: the caller
    // refuses a line that long.
    if (line_.size() <= kMaxHistoryLineBytes) line_ += c;
  }
  if (read_any) ++line_number_;
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  return read_any;
}

bool HistoryReader::room_complete() {
  if (!in_room_) return true;
  if (next_seq_ != room_.last_seq + 1) {
    return fail(std::string("room ") + room_.name + " ends at seq " +
                std::to_string(next_seq_ - 1) + " but its last_seq is " +
                std::to_string(room_.last_seq));
  }
  in_room_ = false;
  return true;
}

bool HistoryReader::next(HistoryItem& item) {
  if (!error_.empty() || ended_) return false;
  for (;;) {
    if (!read_line()) {
      if (ended_) return false;  // a complete stream
      ++line_number_;
      return fail(started_ ? "the input ends without its end line (cut off?)"
                           : "the input is empty: not a parley export");
    }
    if (line_.size() > kMaxHistoryLineBytes) {
      return fail(std::string("longer than ") + std::to_string(kMaxHistoryLineBytes) + " bytes");
    }
    if (ended_) {
      if (line_.empty()) continue;
      return fail("text after the end line");
    }
    if (line_.empty()) return fail("an empty line");
    boost::system::error_code parse_error;
    json::value value = json::parse(line_, parse_error);
    if (parse_error) return fail(std::string("not valid JSON (") + parse_error.message() + ")");
    if (!value.is_object()) return fail("not a JSON object");
    const json::object& object = value.get_object();
    if (!started_) {
      const json::value* version = object.if_contains("parley_export");
      if (version == nullptr || object.size() != 1) {
        return fail("not a parley export: the first line must be {\"parley_export\":1}");
      }
      if (!version->is_int64() || version->get_int64() != kHistoryFormatVersion) {
        return fail(std::string("export format version ") + json::serialize(*version) +
                    " is not one this parley reads (1)");
      }
      started_ = true;
      continue;
    }
    Fields fields(object);
    auto type = fields.string("type", 16);
    if (!type) return fail(fields.error());
    if (*type == "room") {
      if (!room_complete()) return false;
      store::ArchivedRoom room;
      if (std::string why = decode_room(fields, room); !why.empty()) return fail(why);
      if (rooms_ > 0 &&
          core::RoomName::parse(room.name)->key() <= core::RoomName::parse(room_.name)->key()) {
        return fail(std::string("room ") + room.name + " comes twice, or out of order");
      }
      room_ = room;
      in_room_ = true;
      next_seq_ = room.trimmed_seq + 1;
      ++rooms_;
      item.kind = HistoryItem::Kind::room;
      item.room = std::move(room);
      return true;
    }
    if (*type == "event") {
      if (!in_room_) return fail("an event before any room");
      store::StoredMessage event;
      if (std::string why = decode_event(fields, event); !why.empty()) return fail(why);
      if (event.seq != next_seq_) {
        return fail(std::string("seq ") + std::to_string(event.seq) + " where room " + room_.name +
                    " needs seq " + std::to_string(next_seq_));
      }
      ++next_seq_;
      ++events_;
      item.kind = HistoryItem::Kind::event;
      item.event = std::move(event);
      return true;
    }
    if (*type == "end") {
      auto rooms = fields.seq("rooms");
      auto events = fields.seq("events");
      if (!fields.all_known()) return fail(fields.error());
      if (!room_complete()) return false;
      if (*rooms != rooms_ || *events != events_) {
        return fail(std::string("the end line counts ") + std::to_string(*rooms) + " rooms and " +
                    std::to_string(*events) + " events, the input holds " + std::to_string(rooms_) +
                    " and " + std::to_string(events_));
      }
      ended_ = true;
      continue;  // only empty lines may follow
    }
    return fail(std::string("unknown \"type\" ") + *type);
  }
}

}  // namespace parley::admin
