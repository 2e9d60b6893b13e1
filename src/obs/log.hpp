// Leveled log lines on stderr: "2026-11-22T01:02:03.456Z info message".
// Safe from any thread (one write per line). Never log message text,
// passwords, tokens or cookies.
#pragma once

#include <optional>
#include <string_view>

namespace parley::obs {

enum class LogLevel { debug, info, warn, error };

std::optional<LogLevel> parse_log_level(std::string_view name);
void set_log_level(LogLevel level);
bool is_logged(LogLevel level);
void write_log(LogLevel level, std::string_view line);

inline void log_debug(std::string_view line) {
  if (is_logged(LogLevel::debug)) write_log(LogLevel::debug, line);
}
inline void log_info(std::string_view line) {
  write_log(LogLevel::info, line);
}
inline void log_warn(std::string_view line) {
  write_log(LogLevel::warn, line);
}
inline void log_error(std::string_view line) {
  write_log(LogLevel::error, line);
}

}  // namespace parley::obs
