// `parley admin export` and `parley admin import`: history as JSON Lines
// (history_lines.hpp) between a Store and a stream, in bounded pages and
// bounded transactions, never the whole database in memory. Run by the admin
// command on its own thread, with the server stopped or on a database the
// server does not write to meanwhile.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

#include "store/store.hpp"

namespace parley::admin {

struct HistoryCommandLimits {
  std::size_t rooms_per_page = 100;      // rooms read by one export query
  std::size_t events_per_page = 1000;    // events read by one export query
  std::size_t events_per_import = 1000;  // events written by one import transaction
};

// Writes the history of `room` (every room when absent) to `out`: the
// header, each room with its events in seq order, the end line. 0 when it
// is all written; 1 with a line on `err` otherwise (an unknown room, a store
// that fails, history that changed during the export).
int run_export(store::Store& store, std::optional<std::string> room, std::ostream& out,
               std::ostream& err, const HistoryCommandLimits& limits = {});

// Reads an export from `in` into `store`, which must hold none of its rooms:
// a room that exists already stops the import (rooms imported before it
// stay; start again from an empty database). 0 when all is imported; 1 with
// a line on `err` naming the input line or room otherwise.
int run_import(store::Store& store, std::istream& in, std::ostream& err,
               const HistoryCommandLimits& limits = {});

}  // namespace parley::admin
