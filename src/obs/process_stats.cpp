#include "obs/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace parley::obs {

namespace {

// The boot time in seconds since the epoch (btime in /proc/stat).
std::optional<double> boot_time_seconds() {
  std::ifstream stat("/proc/stat");
  std::string line;
  while (std::getline(stat, line)) {
    if (line.starts_with("btime ")) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

void read_statm(ProcessStats& stats) {
  std::ifstream statm("/proc/self/statm");
  double pages_virtual = 0;
  double pages_resident = 0;
  if (!(statm >> pages_virtual >> pages_resident)) return;
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  stats.virtual_bytes = pages_virtual * page;
  stats.resident_bytes = pages_resident * page;
}

void read_stat(ProcessStats& stats) {
  std::ifstream file("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // The command name may hold spaces and parentheses: fields count from the
  // last ')'. After it come field 3 (state) onwards; utime and stime are
  // fields 14 and 15, starttime 22.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  double utime = 0;
  double stime = 0;
  double start = 0;
  for (int number = 3; number <= 22 && fields >> field; ++number) {
    if (number == 14) utime = std::stod(field);
    if (number == 15) stime = std::stod(field);
    if (number == 22) {
      start = std::stod(field);
      const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      if (ticks <= 0) return;
      stats.cpu_seconds = (utime + stime) / ticks;
      if (auto boot = boot_time_seconds()) stats.start_time_seconds = *boot + start / ticks;
    }
  }
}

void count_fds(ProcessStats& stats) {
  std::error_code error;
  std::filesystem::directory_iterator entries("/proc/self/fd", error);
  if (error) return;
  double open = 0;
  for (const auto& entry : entries) {
    (void)entry;
    ++open;
  }
  stats.open_fds = open - 1;  // the one this listing holds open
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    stats.max_fds = static_cast<double>(limit.rlim_cur);
  }
}

}  // namespace

ProcessStats read_process_stats() {
  ProcessStats stats;
  try {
    read_statm(stats);
    read_stat(stats);
  } catch (const std::exception&) {
    // An unexpected /proc (std::stod refused a field): those figures stay empty.
  }
  count_fds(stats);
  return stats;
}

}  // namespace parley::obs
