// A parley server in a child process, for integration tests: started on a
// free port (--port 0) with a fresh data folder under /tmp (and, when the run
// is against PostgreSQL, a fresh database there instead of --store), its stderr kept
// (drained on a thread so that the server never blocks on a full pipe), and
// stopped politely (SIGTERM) or killed (SIGKILL). Used by one thread; it must
// be the thread that started it, because the child dies with that thread
// (PR_SET_PDEATHSIG, so that a crashed test leaves no server behind).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace parley::test {

class PostgresTestDatabase;

struct ExitStatus {
  bool exited = false;  // true: it called exit() with `code`; false: `signal` ended it
  int code = -1;
  int signal = 0;
  bool timed_out = false;                // it outstayed the wait and was killed
  std::chrono::milliseconds elapsed{0};  // from the signal sent to it until it was reaped
};

// True when this run's servers store in PostgreSQL (see postgres_database.hpp).
bool is_postgres_run();

// The parley executable the tests start: PARLEY_BINARY from the build, or the
// environment variable of that name when set.
std::string parley_binary_path();

class ServerProcess {
 public:
  // Starts parley with `arguments` after the fixed ones (--host 127.0.0.1
  // --port 0 --data-dir DIR, and --log-level info unless `arguments` choose); throws if it is not
  // ready in time. With --log-file F among `arguments`, the ready line is looked for in F
  // (log_lines() then holds only what still goes to stderr). Against PostgreSQL
  // (postgres_test_server_url()) a `--store X` in `arguments` gives way to --database with a
  // database of its own, unless `arguments` name a --database already (the nodes of a cluster share
  // one). The binary is PARLEY_BINARY from the build, or the environment variable of that name when
  // set.
  explicit ServerProcess(std::vector<std::string> arguments);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // The server's PostgreSQL database, when the run is against PostgreSQL.
  std::optional<std::string> database_url() const;
  bool is_running() const { return pid_ > 0; }

  // Starts the server again on the same data folder and database (a new
  // port); it must have stopped first.
  void restart();

  void send_signal(int signal);
  // Reaps the process if it ends within `timeout`.
  std::optional<ExitStatus> wait_for_exit(std::chrono::milliseconds timeout);
  // SIGTERM, then waits; a server that outstays `timeout` is killed.
  ExitStatus terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGKILL and reap: a crash, as far as the server can tell.
  void kill_hard();

  // Everything the server wrote on stderr, over all its runs.
  std::vector<std::string> log_lines() const;
  std::string log_text() const;

 private:
  void start();
  void read_stderr(int fd);
  void note_line(std::string line);
  void reaped();

  std::vector<std::string> arguments_;
  std::filesystem::path data_dir_;
  std::unique_ptr<PostgresTestDatabase> database_;  // when the run is against PostgreSQL
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::chrono::steady_clock::time_point signalled_at_{};
  std::thread stderr_reader_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;  // guarded by mutex_
  std::uint16_t ready_port_ = 0;    // guarded by mutex_; set by the ready line
  bool stderr_ended_ = false;       // guarded by mutex_
};

}  // namespace parley::test
