#include "admin/history_commands.hpp"

#include "admin/command.hpp"

#include <istream>
#include <ostream>
#include <vector>

#include "admin/history_lines.hpp"

namespace parley::admin {
namespace {

// Writes one room's header and events, page by page.
bool export_room(store::Store& store, const store::ArchivedRoom& room, std::ostream& out,
                 std::ostream& err, const HistoryCommandLimits& limits, std::uint64_t& events) {
  const auto name = core::RoomName::parse(room.name);
  if (!name) {
    err << "parley admin: room " << room.name << " has a name this parley does not accept\n";
    return false;
  }
  out << encode_history_room(room) << '\n';
  std::uint64_t after = room.trimmed_seq;
  while (after < room.last_seq) {
    store::RangeQuery query{*name, after, room.last_seq, limits.events_per_page};
    query.keep = store::Keep::oldest;
    auto page = store.read_messages(query);
    if (!page) {
      err << "parley admin: cannot read the history of " << room.name << ": "
          << page.error().message() << '\n';
      return false;
    }
    if (page->empty() || page->front().seq != after + 1) {
      err << "parley admin: the history of " << room.name
          << " changed during the export (retention?); export again\n";
      return false;
    }
    for (const store::StoredMessage& event : *page) {
      if (event.seq != after + 1) {
        err << "parley admin: the history of " << room.name << " has a gap after seq " << after
            << '\n';
        return false;
      }
      out << encode_history_event(event) << '\n';
      after = event.seq;
      ++events;
    }
  }
  return true;
}

}  // namespace

int run_export(store::Store& store, std::optional<std::string> room, std::ostream& out,
               std::ostream& err, const HistoryCommandLimits& limits) {
  std::optional<core::RoomName> only;
  if (room) {
    only = core::RoomName::parse(*room);
    if (!only) {
      err << "parley admin: " << *room << " is not a valid room name\n";
      return 1;
    }
  }
  out << encode_history_header() << '\n';
  std::uint64_t rooms = 0;
  std::uint64_t events = 0;
  std::string after_key;
  bool found = false;
  for (bool more = true; more && !found;) {
    auto page = store.list_archived_rooms(after_key, limits.rooms_per_page);
    if (!page) {
      err << "parley admin: cannot read the rooms: " << page.error().message() << '\n';
      return 1;
    }
    more = page->size() == limits.rooms_per_page;
    for (const store::ArchivedRoom& archived : *page) {
      const auto name = core::RoomName::parse(archived.name);
      after_key = name ? name->key() : archived.name;
      if (only) {
        // Rooms come in the order of their key: past it, it is not there.
        if (after_key > only->key()) {
          more = false;
          break;
        }
        if (after_key != only->key()) continue;
        found = true;
      }
      if (!export_room(store, archived, out, err, limits, events)) return 1;
      ++rooms;
      if (found) break;
    }
  }
  if (only && !found) {
    err << "parley admin: no room " << *room << '\n';
    return 1;
  }
  out << encode_history_end(rooms, events) << '\n';
  out.flush();
  if (!out) {
    err << "parley admin: cannot write the export\n";
    return 1;
  }
  return 0;
}

int run_import(store::Store& store, std::istream& in, std::ostream& err,
               const HistoryCommandLimits& limits) {
  HistoryReader reader(in);
  HistoryItem item;
  std::optional<core::RoomName> room;
  std::vector<store::StoredMessage> pending;
  std::uint64_t rooms = 0;
  std::uint64_t events = 0;
  const auto flush = [&]() -> bool {
    if (pending.empty()) return true;
    if (auto stored = store.import_events(*room, pending); !stored) {
      err << "parley admin: cannot import the events of " << room->text() << " up to seq "
          << pending.back().seq << ": " << stored.error().message() << '\n';
      return false;
    }
    events += pending.size();
    pending.clear();
    return true;
  };
  const auto stop = [&](const std::string& why) {
    err << "parley admin: " << why << " (" << rooms << " rooms and " << events
        << " events were imported before it)\n";
    return 1;
  };
  while (reader.next(item)) {
    if (item.kind == HistoryItem::Kind::event) {
      pending.push_back(std::move(item.event));
      if (pending.size() >= limits.events_per_import && !flush()) return stop("import stopped");
      continue;
    }
    if (!flush()) return stop("import stopped");
    room = core::RoomName::parse(item.room.name);  // checked by the reader
    auto created = store.import_room(item.room);
    if (!created) {
      return stop("cannot import room " + item.room.name + ": " + created.error().message());
    }
    if (!*created) {
      return stop("room " + item.room.name + " exists already; import into an empty database");
    }
    ++rooms;
  }
  if (!reader.error().empty()) return stop(reader.error());
  if (!flush()) return stop("import stopped");
  err << "parley admin: imported " << rooms << " rooms and " << events << " events\n";
  return 0;
}

std::vector<Command> history_commands() {
  return {
      {{"export"},
       {},
       {},
       "history as JSON Lines on standard output",
       "Writes every room (or only --room ROOM): its kind, owner and members, then\n"
       "each stored event in seq order, with its author, time and client id.\n"
       "`parley admin import` into an empty database gives the same history, seqs\n"
       "included. Read markers are not exported.",
       [](const Invocation& invocation) {
         auto store = open_store_for(invocation);
         if (!store) return kFailed;
         return run_export(*store, invocation.value_of("--room"), invocation.out, invocation.err);
       },
       {"--room"}},
      {{"import"},
       {},
       {},
       "history as JSON Lines from standard input",
       "Reads what `parley admin export` wrote. Every room of the input must be new\n"
       "to the database (best: an empty one; a SQLite database is created when the\n"
       "data folder has none); a room that exists stops the import there.",
       [](const Invocation& invocation) {
         auto store = open_store_for(invocation, IfMissing::create);
         if (!store) return kFailed;
         return run_import(*store, invocation.in, invocation.err);
       }},
  };
}

}  // namespace parley::admin
