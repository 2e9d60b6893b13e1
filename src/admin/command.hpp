// One subcommand of parley admin: its words, operands, flags and help, and
// the function that runs it. The dispatcher (admin.cpp) checks the words and
// the counts; a command checks what its operands mean. Main thread.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "admin/store_location.hpp"

namespace parley::admin {

// Exit codes: 0 done, 1 it failed (one line on stderr), 2 a usage error.
inline constexpr int kDone = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;

// What a command is given to run with.
struct Invocation {
  std::vector<std::string> operands;
  std::vector<std::string> flags;                  // those of its own it was given, e.g. --off
  std::map<std::string, std::string> values = {};  // flags with a value, e.g. --room
  StoreLocation location;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;

  bool has_flag(std::string_view flag) const;
  std::optional<std::string> value_of(const std::string& flag) const;
  // Prints "parley admin: <why>" on stderr; answers kFailed.
  int fail(std::string_view why) const;
  // Prints "parley admin: <why>" and where to find the usage; answers kUsage.
  int usage_error(std::string_view why) const;
};

struct Command {
  std::vector<std::string_view> words;     // e.g. {"user", "create"}
  std::vector<std::string_view> operands;  // e.g. {"NAME"}
  std::vector<std::string_view> flags;     // e.g. {"--off"}
  std::string_view summary;                // one line, for the list
  std::string_view details;                // the rest of its --help
  std::function<int(const Invocation&)> run;
  std::vector<std::string_view> valued_flags = {};  // e.g. {"--room"}, given as --room ROOM
};

// The commands of each group (user_commands.cpp, room_commands.cpp,
// backup_command.cpp). More groups join in admin.cpp's table.
std::vector<Command> user_commands();
std::vector<Command> room_commands();
std::vector<Command> backup_commands();
std::vector<Command> history_commands();

// The time now, in milliseconds since the epoch, as the stores take it.
std::int64_t now_ms();
// "text" in double quotes, for naming a thing in a message.
std::string in_quotes(std::string_view text);

// The store of the invocation's location; answers nullptr after printing
// why it cannot be opened.
std::unique_ptr<store::Store> open_store_for(const Invocation& invocation,
                                             IfMissing if_missing = IfMissing::refuse);

}  // namespace parley::admin
