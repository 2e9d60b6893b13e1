// parley admin rooms, message delete, room delete: history as the operator
// sees and changes it.
#include <charconv>
#include <chrono>
#include <ctime>
#include <iostream>
#include <string>

#include "admin/command.hpp"
#include "core/identity.hpp"
#include "core/names.hpp"

namespace parley::admin {
namespace {

// 2024-05-01T12:00:00Z; "-" for 0 (never written in).
std::string iso_utc(std::int64_t ms) {
  if (ms <= 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string_view kind_name(core::RoomKind kind) {
  switch (kind) {
    case core::RoomKind::public_room:
      return "public";
    case core::RoomKind::private_room:
      return "private";
    case core::RoomKind::direct:
      return "direct";
  }
  return "public";
}

// The operator, as the author of the deletes it stores: an id no account,
// guest or session can have, so nothing else shares its idempotency keys.
core::Identity operator_identity() {
  return core::Identity{*core::UserName::parse("operator"), core::IdentityKind::account,
                        "o:operator"};
}

int list_rooms(const Invocation& invocation) {
  auto store = open_store_for(invocation);
  if (!store) return kFailed;
  auto rooms = store->list_all_rooms();
  if (!rooms) return invocation.fail("cannot read the rooms: " + rooms.error().message());
  for (const store::RoomSummary& room : *rooms) {
    invocation.out << room.name << '\t' << room.messages << '\t' << iso_utc(room.last_event_ms)
                   << '\t' << kind_name(room.kind) << '\n';
  }
  return kDone;
}

int delete_message(const Invocation& invocation) {
  const std::string& room_text = invocation.operands.at(0);
  const auto room = core::RoomName::parse(room_text);
  if (!room) return invocation.usage_error(in_quotes(room_text) + " is not a room name");
  const std::string& seq_text = invocation.operands.at(1);
  std::uint64_t seq = 0;
  const auto [end, error] =
      std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), seq);
  if (error != std::errc() || end != seq_text.data() + seq_text.size() || seq == 0) {
    return invocation.usage_error(in_quotes(seq_text) + " is not a message's seq (1, 2, 3, ...)");
  }
  auto store = open_store_for(invocation);
  if (!store) return kFailed;
  // The protocol's delete, by the operator: a tombstone event with the next
  // seq, and the message's text gone for good. Its client id names the
  // seq, so that running it twice stores one delete.
  store::AppendRequest request(*room, operator_identity(), "",
                               "admin-delete-" + std::to_string(seq));
  request.kind = core::EventKind::deletion;
  request.target = seq;
  request.origin = store::Origin::operator_tool;
  auto appended = store->append_batch(std::span(&request, 1), now_ms());
  if (!appended) return invocation.fail("cannot delete: " + appended.error().message());
  const store::Appended& result = appended->front();
  if (result.refused) {
    return invocation.fail("no message " + seq_text + " in room " + in_quotes(room->text()) +
                           " (or it is deleted already)");
  }
  invocation.out << "deleted message " << seq << " of " << result.room_name << " (event "
                 << result.seq << (result.duplicate ? ", deleted before" : "") << ")\n";
  return kDone;
}

int delete_room(const Invocation& invocation) {
  const std::string& room_text = invocation.operands.at(0);
  const auto room = core::RoomName::parse(room_text);
  if (!room) return invocation.usage_error(in_quotes(room_text) + " is not a room name");
  auto store = open_store_for(invocation);
  if (!store) return kFailed;
  auto deleted = store->delete_room(*room);
  if (!deleted) return invocation.fail("cannot delete the room: " + deleted.error().message());
  if (!*deleted) return invocation.fail("no room " + in_quotes(room->text()));
  invocation.out << "deleted room " << room->text() << " and its history\n";
  return kDone;
}

}  // namespace

std::vector<Command> room_commands() {
  return {
      {{"rooms"},
       {},
       {},
       "list every room: name, messages, last activity (UTC), kind; tab-separated",
       "One room a line, by name: public, private and direct rooms alike. Messages\n"
       "counts those not deleted; last activity is the time of the room's last event\n"
       "(ISO 8601, UTC), or - when nothing was ever written in it.",
       list_rooms},
      {{"message", "delete"},
       {"ROOM", "SEQ"},
       {},
       "delete a message as the protocol's delete does (a tombstone event)",
       "The message's text goes for good and a delete event by \"operator\" takes the\n"
       "room's next seq. History (GET .../messages) shows the message deleted at\n"
       "once. Clients connected to the room see the delete event when the next event\n"
       "of the room reaches them, or when they join again.",
       delete_message},
      {{"room", "delete"},
       {"ROOM"},
       {},
       "remove a room and its whole history",
       "Its messages, reactions, read markers and access go in one transaction. A\n"
       "room of the same name made later starts again from seq 1; clients still in\n"
       "the room when it goes should join again (or restart the server).",
       delete_room},
  };
}

}  // namespace parley::admin
