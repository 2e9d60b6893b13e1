// Log lines, one per event, on stderr or in a file (--log-file): human text
// by default ("2026-11-22T01:02:03.456Z info message key=value ..."), or one
// JSON object per line ({"time":..,"level":..,"msg":..,key:value...}). Access
// lines (one per HTTP request, one per WebSocket session) go where
// --access-log says. Safe from any thread: each line is one write(2), and a
// reopen (SIGHUP) swaps the file under the same descriptor. Never log message
// text, passwords, tokens, cookies or CSRF tokens.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace parley::obs {

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { human, json };
// Where access lines go: nowhere, into the log stream (wherever --log-file
// sends it), standard error, or a file of their own.
enum class AccessLogTarget { off, log, stderr_stream, file };

struct LogSettings {
  LogFormat format = LogFormat::human;
  std::string file = {};  // empty: standard error
  AccessLogTarget access = AccessLogTarget::off;
  std::string access_file = {};  // with AccessLogTarget::file
};

// One structured field of a line: a name and a text or a number.
struct LogField {
  using Value = std::variant<std::string_view, std::int64_t, double>;
  LogField(std::string_view name, std::string_view text) : key(name), value(text) {}
  LogField(std::string_view name, const char* text) : key(name), value(std::string_view(text)) {}
  LogField(std::string_view name, const std::string& text)
      : key(name), value(std::string_view(text)) {}
  LogField(std::string_view name, double number) : key(name), value(number) {}
  template <typename Integer>
  requires std::is_integral_v<Integer> LogField(std::string_view name, Integer number)
      : key(name), value(static_cast<std::int64_t>(number)) {}

  std::string_view key;
  Value value;
};
using LogFields = std::initializer_list<LogField>;

std::optional<LogLevel> parse_log_level(std::string_view name);
std::optional<LogFormat> parse_log_format(std::string_view name);
// "off", "log", "stderr" or a file's path.
void parse_access_log(std::string_view value, LogSettings& settings);

// Opens the files `settings` name (appending; created when absent) and
// chooses the format. At start-up, before other threads log; throws
// std::runtime_error when a file cannot be opened.
void configure_logs(const LogSettings& settings);
// Opens the log files again by their paths (after logrotate renamed them):
// lines written meanwhile go whole to the old file or the new. Returns an
// explanation when a file cannot be opened (its old one is kept).
std::optional<std::string> reopen_log_files();

void set_log_level(LogLevel level);
bool is_logged(LogLevel level);
void write_log(LogLevel level, std::string_view message, LogFields fields = {});

// Whether access lines are written at all (a relaxed load: cheap to ask).
bool is_access_logged();
// An access line ("http" or "ws" and its fields), at level info.
void write_access(std::string_view kind, LogFields fields);

// The text of one line as it is written, for tests: `time` is the stamp.
std::string format_log_line(LogFormat format, std::string_view time, LogLevel level,
                            std::string_view message, LogFields fields);

inline void log_debug(std::string_view message, LogFields fields = {}) {
  if (is_logged(LogLevel::debug)) write_log(LogLevel::debug, message, fields);
}
inline void log_info(std::string_view message, LogFields fields = {}) {
  write_log(LogLevel::info, message, fields);
}
inline void log_warn(std::string_view message, LogFields fields = {}) {
  write_log(LogLevel::warn, message, fields);
}
inline void log_error(std::string_view message, LogFields fields = {}) {
  write_log(LogLevel::error, message, fields);
}

}  // namespace parley::obs
