#include "process_stats.hpp"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace parley::bench {

namespace {

// utime + stime from a /proc stat file.
std::optional<std::uint64_t> read_stat_cpu_ns(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  if (!std::getline(file, line)) return std::nullopt;
  // The command name (field 2) may hold spaces: count fields after its ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  std::uint64_t utime = 0;
  std::uint64_t stime = 0;
  // Fields 3..13 come first; utime is field 14, stime 15.
  for (int number = 3; number <= 15 && fields >> field; ++number) {
    if (number == 14) utime = std::stoull(field);
    if (number == 15) stime = std::stoull(field);
  }
  if (!fields) return std::nullopt;
  const auto ticks_per_second = static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
  return (utime + stime) * 1'000'000'000ull / ticks_per_second;
}

}  // namespace

std::optional<std::uint64_t> read_process_cpu_ns(int pid) {
  return read_stat_cpu_ns("/proc/" + std::to_string(pid) + "/stat");
}

std::vector<ThreadCpu> read_thread_cpu(int pid) {
  std::vector<ThreadCpu> threads;
  std::error_code error;
  const std::string folder = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string tid = entry.path().filename().string();
    if (const auto cpu = read_stat_cpu_ns(folder + "/" + tid + "/stat")) {
      threads.push_back({std::stoi(tid), *cpu});
    }
  }
  return threads;
}

std::optional<std::uint64_t> read_resident_bytes(int pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream value(line.substr(6));
    std::uint64_t kib = 0;
    if (value >> kib) return kib * 1024;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> read_run_delay_ns(int pid, int tid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) +
                     "/schedstat");
  std::uint64_t running = 0;
  std::uint64_t waiting = 0;
  if (!(file >> running >> waiting)) return std::nullopt;
  return waiting;
}

namespace {

std::uint64_t to_ns(const timeval& time) {
  return static_cast<std::uint64_t>(time.tv_sec) * 1'000'000'000ull +
         static_cast<std::uint64_t>(time.tv_usec) * 1000ull;
}

}  // namespace

std::uint64_t own_cpu_ns() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return to_ns(usage.ru_utime) + to_ns(usage.ru_stime);
}

std::uint64_t thread_cpu_ns(pthread_t thread) {
  clockid_t clock{};
  timespec time{};
  if (::pthread_getcpuclockid(thread, &clock) != 0 || ::clock_gettime(clock, &time) != 0) return 0;
  return static_cast<std::uint64_t>(time.tv_sec) * 1'000'000'000ull +
         static_cast<std::uint64_t>(time.tv_nsec);
}

std::uint64_t raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

}  // namespace parley::bench
