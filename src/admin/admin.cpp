#include "admin/admin.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "admin/command.hpp"

namespace parley::admin {
namespace {

constexpr std::string_view kGlobalOptions =
    "Options (before or after the command):\n"
    "  --data-dir DIR   the server's data folder: SQLite in DIR/parley.db\n"
    "                   (default: PARLEY_DATA_DIR, else the file's data-dir, else var)\n"
    "  --database URL   PostgreSQL instead: postgresql://user@host:port/db\n"
    "                   (default: PARLEY_DATABASE_URL, else the file's database)\n"
    "  --config FILE    the server's TOML configuration file (also PARLEY_CONFIG);\n"
    "                   its data-dir, database and store are read as the server does\n"
    "  --help, -h       this help, or a command's\n";

// Every command, in the order of the list. A new group joins here.
std::vector<Command> all_commands() {
  std::vector<Command> commands;
  for (auto group : {user_commands, room_commands, backup_commands, history_commands}) {
    for (Command& command : group()) commands.push_back(std::move(command));
  }
  return commands;
}

std::string usage_line(const Command& command) {
  std::string line = "parley admin";
  for (std::string_view word : command.words) line.append(" ").append(word);
  for (std::string_view operand : command.operands) line.append(" ").append(operand);
  for (std::string_view flag : command.flags) line.append(" [").append(flag).append("]");
  for (std::string_view flag : command.valued_flags) {
    std::string value(flag.substr(2));
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    line.append(" [").append(flag).append(" ").append(value).append("]");
  }
  return line;
}

void print_list(std::ostream& out, const std::vector<const Command*>& commands) {
  out << "parley admin: operations on the server's database, also while it runs\n\n"
         "Usage: parley admin [options] COMMAND ...\n\nCommands:\n";
  for (const Command* command : commands) {
    out << "  " << usage_line(*command).substr(13) << "\n      " << command->summary << "\n";
  }
  out << "\n" << kGlobalOptions << "\nExit status: 0 done, 1 failed, 2 usage error.\n";
}

void print_help(std::ostream& out, const Command& command) {
  out << "Usage: " << usage_line(command) << "\n\n" << command.summary << "\n";
  if (!command.details.empty()) out << "\n" << command.details << "\n";
  out << "\n" << kGlobalOptions;
}

struct Arguments {
  StoreOptions store;
  std::vector<std::string> words;  // the command's words, then its operands
  std::vector<std::string> flags;
  std::map<std::string, std::string> values;  // the commands' flags that take a value
  bool help = false;
};

// Flags of some command that take a value (--room ROOM).
bool takes_value(const std::string& flag) {
  return flag == "--room";
}

// Splits the arguments; a string says why they are unusable.
std::variant<Arguments, std::string> split(int argc, const char* const arguments[]) {
  Arguments split;
  for (int i = 0; i < argc; ++i) {
    std::string argument = arguments[i];
    if (argument == "--help" || argument == "-h") {
      split.help = true;
      continue;
    }
    if (argument == "--") {
      for (++i; i < argc; ++i) split.words.emplace_back(arguments[i]);
      break;
    }
    if (!argument.starts_with("--")) {
      split.words.push_back(std::move(argument));
      continue;
    }
    std::optional<std::string> value;
    if (const auto equals = argument.find('='); equals != std::string::npos) {
      value = argument.substr(equals + 1);
      argument.resize(equals);
    }
    std::optional<std::string>* global = argument == "--config"     ? &split.store.config_file
                                         : argument == "--data-dir" ? &split.store.data_dir
                                         : argument == "--database" ? &split.store.database_url
                                                                    : nullptr;
    if (global == nullptr && takes_value(argument)) {
      if (!value) {
        if (i + 1 >= argc) return argument + " needs a value";
        value = arguments[++i];
      }
      split.values[argument] = std::move(*value);
      continue;
    }
    if (global == nullptr) {
      if (value) return argument + " takes no value";
      split.flags.push_back(std::move(argument));
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) return argument + " needs a value";
      value = arguments[++i];
    }
    *global = std::move(value);
  }
  return split;
}

}  // namespace

int run_admin(int argc, const char* const arguments[], std::istream& in, std::ostream& out,
              std::ostream& err, const Environment& environment) {
  const std::vector<Command> commands = all_commands();
  auto parsed = split(argc, arguments);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    err << "parley admin: " << *why << "\n(see parley admin --help)\n";
    return kUsage;
  }
  Arguments& given = std::get<Arguments>(parsed);

  // The command whose words begin the arguments.
  const Command* chosen = nullptr;
  for (const Command& command : commands) {
    if (given.words.size() >= command.words.size() &&
        std::equal(command.words.begin(), command.words.end(), given.words.begin())) {
      chosen = &command;
      break;
    }
  }
  if (chosen == nullptr) {
    // None, or only a group's word: the list (of that group).
    std::vector<const Command*> listed;
    for (const Command& command : commands) {
      if (given.words.empty() || command.words.front() == given.words.front()) {
        listed.push_back(&command);
      }
    }
    const bool is_group = !listed.empty() && given.words.size() <= 1;
    if (given.help && is_group) {
      print_list(out, listed);
      return kDone;
    }
    if (given.words.empty() || (is_group && given.words.size() == 1 && listed.size() > 1)) {
      print_list(err, listed);
      return kUsage;
    }
    std::string words;
    for (const std::string& word : given.words) words.append(words.empty() ? "" : " ").append(word);
    err << "parley admin: unknown command \"" << words << "\"\n(see parley admin --help)\n";
    return kUsage;
  }
  if (given.help) {
    print_help(out, *chosen);
    return kDone;
  }

  Invocation invocation{
      {given.words.begin() + static_cast<std::ptrdiff_t>(chosen->words.size()), given.words.end()},
      given.flags,
      given.values,
      {},
      in,
      out,
      err};
  const std::string usage = "usage: " + usage_line(*chosen);
  if (invocation.operands.size() != chosen->operands.size()) {
    err << "parley admin: wrong number of operands\n" << usage << "\n";
    return kUsage;
  }
  for (const std::string& flag : given.flags) {
    if (std::find(chosen->flags.begin(), chosen->flags.end(), flag) == chosen->flags.end()) {
      err << "parley admin: unknown option " << flag << "\n" << usage << "\n";
      return kUsage;
    }
  }
  for (const auto& [flag, value] : given.values) {
    if (std::find(chosen->valued_flags.begin(), chosen->valued_flags.end(), flag) ==
        chosen->valued_flags.end()) {
      err << "parley admin: unknown option " << flag << "\n" << usage << "\n";
      return kUsage;
    }
  }
  auto location = locate_store(given.store, environment);
  if (auto* why = std::get_if<std::string>(&location)) {
    err << "parley admin: " << *why << "\n(see parley admin --help)\n";
    return kUsage;
  }
  invocation.location = std::get<StoreLocation>(location);
  try {
    return chosen->run(invocation);
  } catch (const std::exception& error) {
    err << "parley admin: " << error.what() << "\n";
    return kFailed;
  }
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

bool Invocation::has_flag(std::string_view flag) const {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

std::optional<std::string> Invocation::value_of(const std::string& flag) const {
  const auto found = values.find(flag);
  if (found == values.end()) return std::nullopt;
  return found->second;
}

int Invocation::fail(std::string_view why) const {
  err << "parley admin: " << why << "\n";
  return kFailed;
}

int Invocation::usage_error(std::string_view why) const {
  err << "parley admin: " << why << "\n(see parley admin --help)\n";
  return kUsage;
}

std::unique_ptr<store::Store> open_store_for(const Invocation& invocation, IfMissing if_missing) {
  try {
    return open_store(invocation.location, if_missing);
  } catch (const std::exception& error) {
    invocation.fail(error.what());
    return nullptr;
  }
}

}  // namespace parley::admin
