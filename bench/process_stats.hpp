// Readings of the server (by pid, from /proc) and of this process (getrusage,
// setrlimit) that the report turns into cost per unit of work.
#pragma once

#include <pthread.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace parley::bench {

// User plus system CPU time of every thread of `pid`, in nanoseconds
// (/proc/PID/stat utime + stime; clock-tick resolution, usually 10 ms).
std::optional<std::uint64_t> read_process_cpu_ns(int pid);

// CPU time of one thread of a process, as /proc/PID/task/TID/stat tells it.
struct ThreadCpu {
  int tid = 0;
  std::uint64_t cpu_ns = 0;
};

// Every thread of `pid`; the thread whose tid is `pid` is its main thread.
std::vector<ThreadCpu> read_thread_cpu(int pid);

// How long thread `tid` of `pid` has waited for a CPU while runnable
// (/proc/PID/task/TID/schedstat): on a shared machine, the time a process
// was held back by others rather than by its own work.
std::optional<std::uint64_t> read_run_delay_ns(int pid, int tid);

// Resident memory of `pid` in bytes (/proc/PID/status VmRSS).
std::optional<std::uint64_t> read_resident_bytes(int pid);

// User plus system CPU time of this process so far.
std::uint64_t own_cpu_ns();

// CPU time of one of this process's threads so far.
std::uint64_t thread_cpu_ns(pthread_t thread);

// Raises the soft open-files limit to the hard limit; returns the new limit.
std::uint64_t raise_open_files_limit();

}  // namespace parley::bench
