// The figures of this process that Prometheus' client libraries export under
// the process_ prefix, read from /proc (Linux) at scrape time. Any thread.
#pragma once

#include <optional>

namespace parley::obs {

struct ProcessStats {
  std::optional<double> resident_bytes;      // /proc/self/statm
  std::optional<double> virtual_bytes;       // /proc/self/statm
  std::optional<double> cpu_seconds;         // user + system, /proc/self/stat
  std::optional<double> start_time_seconds;  // since the Unix epoch
  std::optional<double> open_fds;            // entries of /proc/self/fd
  std::optional<double> max_fds;             // RLIMIT_NOFILE, soft
};

// What can be read now; a figure the system does not give stays empty.
ProcessStats read_process_stats();

}  // namespace parley::obs
