#include "obs/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace parley::obs {
namespace {

// A destination of lines. Its descriptor never changes once configured: a
// reopen puts the new file under the same number (dup3), so a thread
// writing meanwhile writes its whole line to the old file or to the new one.
struct Sink {
  int fd = STDERR_FILENO;
  std::string path;  // empty: not a file of ours
};

// Written at start-up only (configure_logs), before other threads exist.
Sink log_sink;
Sink access_sink;
std::atomic<LogLevel> threshold{LogLevel::info};
std::atomic<LogFormat> line_format{LogFormat::human};
std::atomic<bool> access_enabled{false};

std::string_view name_of(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

int open_for_append(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

void open_sink(Sink& sink, const std::string& path) {
  if (!sink.path.empty()) ::close(sink.fd);
  sink = {};
  if (path.empty()) return;
  const int fd = open_for_append(path);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  sink = {fd, path};
}

std::optional<std::string> reopen(const Sink& sink) {
  if (sink.path.empty()) return std::nullopt;
  const int fd = open_for_append(sink.path);
  if (fd < 0) return "cannot open " + sink.path + ": " + std::strerror(errno);
  const bool moved = ::dup3(fd, sink.fd, O_CLOEXEC) >= 0;
  const int why = errno;
  ::close(fd);
  if (!moved) return "cannot reopen " + sink.path + ": " + std::strerror(why);
  return std::nullopt;
}

std::string time_stamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t seconds = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return stamp;
}

void append_json_string(std::string& out, std::string_view text) {
  out.append(boost::json::serialize(boost::json::string(text)));
}

void append_number(std::string& out, const LogField::Value& value) {
  if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    out.append(std::to_string(*integer));
  } else {
    char number[32];
    std::snprintf(number, sizeof number, "%.3f", std::get<double>(value));
    out.append(number);
  }
}

// Human text keeps a line one line: control characters are escaped.
void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out.push_back('?');
    } else {
      out.push_back(c);
    }
  }
}

// A value that would not read back as one word is quoted, JSON style.
bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (const char c : text) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20 ||
        c == 0x7f) {
      return true;
    }
  }
  return false;
}

void append_human(std::string& out, std::string_view time, LogLevel level, std::string_view message,
                  LogFields fields) {
  out.append(time).append(" ").append(name_of(level)).append(" ");
  append_escaped(out, message);
  for (const LogField& field : fields) {
    out.append(" ").append(field.key).append("=");
    if (const auto* text = std::get_if<std::string_view>(&field.value)) {
      if (needs_quotes(*text)) {
        append_json_string(out, *text);
      } else {
        out.append(*text);
      }
    } else {
      append_number(out, field.value);
    }
  }
}

void append_json(std::string& out, std::string_view time, LogLevel level, std::string_view message,
                 LogFields fields) {
  out.append(R"({"time":")").append(time).append(R"(","level":")").append(name_of(level));
  out.append(R"(","msg":)");
  append_json_string(out, message);
  for (const LogField& field : fields) {
    out.append(",");
    append_json_string(out, field.key);
    out.append(":");
    if (const auto* text = std::get_if<std::string_view>(&field.value)) {
      append_json_string(out, *text);
    } else {
      append_number(out, field.value);
    }
  }
  out.append("}");
}

void write_line(int fd, LogLevel level, std::string_view message, LogFields fields) {
  std::string out = format_log_line(line_format.load(std::memory_order_relaxed), time_stamp(),
                                    level, message, fields);
  out.push_back('\n');
  // One write(2) per line keeps lines whole when threads log at once.
  [[maybe_unused]] const auto written = ::write(fd, out.data(), out.size());
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (LogLevel level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    if (name == name_of(level)) return level;
  }
  return std::nullopt;
}

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "human") return LogFormat::human;
  if (name == "json") return LogFormat::json;
  return std::nullopt;
}

void parse_access_log(std::string_view value, LogSettings& settings) {
  settings.access_file.clear();
  if (value == "off") {
    settings.access = AccessLogTarget::off;
  } else if (value == "log") {
    settings.access = AccessLogTarget::log;
  } else if (value == "stderr") {
    settings.access = AccessLogTarget::stderr_stream;
  } else {
    settings.access = AccessLogTarget::file;
    settings.access_file = value;
  }
}

void configure_logs(const LogSettings& settings) {
  line_format = settings.format;
  open_sink(log_sink, settings.file);
  open_sink(access_sink, settings.access == AccessLogTarget::file ? settings.access_file : "");
  if (settings.access == AccessLogTarget::log) access_sink.fd = log_sink.fd;
  access_enabled = settings.access != AccessLogTarget::off;
}

std::optional<std::string> reopen_log_files() {
  auto failed = reopen(log_sink);
  if (auto access_failed = reopen(access_sink)) failed = std::move(access_failed);
  return failed;
}

void set_log_level(LogLevel level) {
  threshold = level;
}

bool is_logged(LogLevel level) {
  return level >= threshold.load(std::memory_order_relaxed);
}

void write_log(LogLevel level, std::string_view message, LogFields fields) {
  if (!is_logged(level)) return;
  write_line(log_sink.fd, level, message, fields);
}

bool is_access_logged() {
  return access_enabled.load(std::memory_order_relaxed);
}

void write_access(std::string_view kind, LogFields fields) {
  if (!is_access_logged()) return;
  write_line(access_sink.fd, LogLevel::info, kind, fields);
}

std::string format_log_line(LogFormat format, std::string_view time, LogLevel level,
                            std::string_view message, LogFields fields) {
  std::string out;
  out.reserve(message.size() + 48 + 24 * fields.size());
  if (format == LogFormat::json) {
    append_json(out, time, level, message, fields);
  } else {
    append_human(out, time, level, message, fields);
  }
  return out;
}

}  // namespace parley::obs
