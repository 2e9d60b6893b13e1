#include "support/server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "support/postgres_database.hpp"

#ifndef PARLEY_BINARY
#error "PARLEY_BINARY must name the parley executable"
#endif

namespace parley::test {

std::string parley_binary_path() {
  const char* from_environment = std::getenv("PARLEY_BINARY");
  return from_environment != nullptr ? from_environment : PARLEY_BINARY;
}

bool is_postgres_run() {
  return postgres_test_server_url().has_value();
}

namespace {

using namespace std::chrono_literals;

// `arguments` without any `--store X`: the database chooses the store.
std::vector<std::string> without_store(std::vector<std::string> arguments) {
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    if (arguments[i] == "--store" && i + 1 < arguments.size()) {
      ++i;
      continue;
    }
    kept.push_back(std::move(arguments[i]));
  }
  return kept;
}

// Whether `arguments` name a database of their own (several nodes sharing one).
bool has_database(const std::vector<std::string>& arguments) {
  for (const std::string& argument : arguments) {
    if (argument == "--database" || argument.starts_with("--database=")) return true;
  }
  return false;
}

constexpr auto kReadyTimeout = 10s;
constexpr std::string_view kReadyMarker = "parley listening on http://";

std::filesystem::path make_data_dir() {
  std::string pattern = "/tmp/parley-itest-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  }
  return pattern;
}

// The port at the end of the ready line, or 0 if `line` is not it.
std::uint16_t port_in_ready_line(std::string_view line) {
  const auto marker = line.find(kReadyMarker);
  if (marker == std::string_view::npos) return 0;
  const auto colon = line.rfind(':');
  if (colon == std::string_view::npos || colon < marker + kReadyMarker.size()) return 0;
  unsigned port = 0;
  for (std::size_t i = colon + 1; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
    port = port * 10 + static_cast<unsigned>(line[i] - '0');
  }
  return port <= 65535 ? static_cast<std::uint16_t>(port) : 0;
}

// The file `arguments` send the log to (--log-file F), if any: the ready
// line is there rather than on stderr.
std::optional<std::filesystem::path> log_file_of(const std::vector<std::string>& arguments) {
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    if (arguments[i] == "--log-file" && i + 1 < arguments.size()) return arguments[i + 1];
    if (arguments[i].starts_with("--log-file=")) return arguments[i].substr(11);
  }
  return std::nullopt;
}

// The port of a ready line in `file` past its first `skip` bytes, or 0.
std::uint16_t port_in_file(const std::filesystem::path& file, std::uintmax_t skip) {
  std::ifstream in(file);
  if (!in) return 0;
  in.seekg(static_cast<std::streamoff>(skip));
  std::string line;
  while (std::getline(in, line)) {
    if (const std::uint16_t port = port_in_ready_line(line); port != 0) return port;
  }
  return 0;
}

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> arguments)
    : arguments_(std::move(arguments)), data_dir_(make_data_dir()) {
  try {
    const auto server_url = postgres_test_server_url();
    if (server_url && !has_database(arguments_)) {
      database_ = std::make_unique<PostgresTestDatabase>(*server_url);
      arguments_ = without_store(std::move(arguments_));
      arguments_.insert(arguments_.begin(), {"--database", database_->url()});
    }
    start();
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
    throw;
  }
}

ServerProcess::~ServerProcess() {
  if (is_running()) kill_hard();
  if (stderr_reader_.joinable()) stderr_reader_.join();
  std::error_code ignored;
  std::filesystem::remove_all(data_dir_, ignored);
  database_.reset();  // after the server is gone: no connection holds it
}

std::optional<std::string> ServerProcess::database_url() const {
  if (!database_) return std::nullopt;
  return database_->url();
}

void ServerProcess::restart() {
  if (is_running()) throw std::logic_error("restart: the server is still running");
  note_line("--- restart on the same data dir ---");
  start();
}

void ServerProcess::start() {
  const std::string binary = parley_binary_path();
  std::uintmax_t log_file_size_at_start = 0;
  if (const auto log_file = log_file_of(arguments_)) {
    std::error_code absent;
    log_file_size_at_start = std::filesystem::file_size(*log_file, absent);
    if (absent) log_file_size_at_start = 0;
  }
  std::vector<std::string> words = {binary, "--host",     "127.0.0.1",       "--port",
                                    "0",    "--data-dir", data_dir_.string()};
  if (std::find(arguments_.begin(), arguments_.end(), "--log-level") == arguments_.end()) {
    words.insert(words.end(), {"--log-level", "info"});
  }
  words.insert(words.end(), arguments_.begin(), arguments_.end());
  // Built before fork: the child may only make async-signal-safe calls.
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe2");
  }
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::execv(argv[0], argv.data());
    static constexpr char kFailed[] = "parley-itest: cannot exec the server\n";
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, kFailed, sizeof kFailed - 1);
    ::_exit(127);
  }
  if (null_fd >= 0) ::close(null_fd);
  ::close(pipe_fds[1]);
  pid_ = child;
  port_ = 0;
  signalled_at_ = {};
  {
    std::lock_guard lock(mutex_);
    ready_port_ = 0;
    stderr_ended_ = false;
  }
  if (stderr_reader_.joinable()) stderr_reader_.join();
  stderr_reader_ = std::thread([this, fd = pipe_fds[0]] { read_stderr(fd); });

  std::unique_lock lock(mutex_);
  bool settled = false;
  std::uint16_t port = 0;
  if (const auto log_file = log_file_of(arguments_)) {
    // Read again every few milliseconds: nothing tells when the file grows.
    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    while (port == 0 && !settled && std::chrono::steady_clock::now() < deadline) {
      settled = changed_.wait_for(lock, 10ms, [this] { return stderr_ended_; });
      port = port_in_file(*log_file, log_file_size_at_start);
    }
  } else {
    settled = changed_.wait_for(lock, kReadyTimeout,
                                [this] { return ready_port_ != 0 || stderr_ended_; });
    port = ready_port_;
  }
  lock.unlock();
  if (port == 0) {
    kill_hard();
    throw std::runtime_error(std::string("parley did not become ready") +
                             (settled ? " (it exited)" : " within 10 s") + "; its log:\n" +
                             log_text());
  }
  port_ = port;
}

void ServerProcess::read_stderr(int fd) {
  std::string pending;
  char chunk[4096];
  for (;;) {
    const ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    pending.append(chunk, static_cast<std::size_t>(got));
    std::size_t end;
    while ((end = pending.find('\n')) != std::string::npos) {
      note_line(pending.substr(0, end));
      pending.erase(0, end + 1);
    }
  }
  if (!pending.empty()) note_line(std::move(pending));
  ::close(fd);
  std::lock_guard lock(mutex_);
  stderr_ended_ = true;
  changed_.notify_all();
}

void ServerProcess::note_line(std::string line) {
  const std::uint16_t port = port_in_ready_line(line);
  std::lock_guard lock(mutex_);
  lines_.push_back(std::move(line));
  if (port != 0 && ready_port_ == 0) {
    ready_port_ = port;
    changed_.notify_all();
  }
}

void ServerProcess::send_signal(int signal) {
  if (!is_running()) return;
  signalled_at_ = std::chrono::steady_clock::now();
  ::kill(pid_, signal);
}

std::optional<ExitStatus> ServerProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  if (!is_running()) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      ExitStatus exit;
      exit.exited = WIFEXITED(status);
      exit.code = exit.exited ? WEXITSTATUS(status) : -1;
      exit.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      if (signalled_at_ != std::chrono::steady_clock::time_point{}) {
        exit.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - signalled_at_);
      }
      reaped();
      return exit;
    }
    if (done < 0 && errno != EINTR) {
      reaped();
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(2ms);
  }
}

ExitStatus ServerProcess::terminate(std::chrono::milliseconds timeout) {
  send_signal(SIGTERM);
  if (auto exit = wait_for_exit(timeout)) return *exit;
  kill_hard();
  ExitStatus overstayed;
  overstayed.timed_out = true;
  overstayed.signal = SIGKILL;
  overstayed.elapsed = timeout;
  return overstayed;
}

void ServerProcess::kill_hard() {
  if (!is_running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped();
}

void ServerProcess::reaped() {
  pid_ = -1;
  port_ = 0;
  // The pipe reaches end-of-file now that its only writer is gone.
  if (stderr_reader_.joinable()) stderr_reader_.join();
}

std::vector<std::string> ServerProcess::log_lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::string ServerProcess::log_text() const {
  std::string text;
  for (const std::string& line : log_lines()) text += line + "\n";
  return text;
}

}  // namespace parley::test
