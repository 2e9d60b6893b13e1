// parley-store-bench: how many appends per second a StoreWorker acks over a
// store (PostgreSQL or SQLite), with many senders each waiting for its ack
// before sending again, as clients do. Prints acked messages per second, the
// CPU time of this process per message, and the mean batch (transaction) size.
// Without the network or the rooms: the store path alone.
#include <sys/resource.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "obs/metrics.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store_worker.hpp"

namespace {

using namespace parley;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string store = "postgres";
  std::string database;  // postgresql://...
  std::string sqlite_path = "store-bench.db";
  std::size_t senders = 512;
  std::size_t rooms = 16;
  double seconds = 5;
  std::size_t max_batch = 1024;
  std::size_t text_bytes = 100;
};

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](timeval time) { return time.tv_sec + time.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::unique_ptr<store::Store> open_store(const Options& options) {
  if (options.store == "sqlite") {
    std::filesystem::remove(options.sqlite_path);
    std::filesystem::remove(options.sqlite_path + "-wal");
    std::filesystem::remove(options.sqlite_path + "-shm");
    return std::make_unique<store::SqliteStore>(store::SqliteOptions{options.sqlite_path});
  }
  store::PostgresOptions postgres;
  postgres.connection.url = options.database;
  return std::make_unique<store::PostgresStore>(std::move(postgres));
}

// One sender: appends, waits for the ack, appends again until the end.
class Sender {
 public:
  Sender(store::StoreWorker& worker, core::RoomName room, core::Identity author, std::string text,
         const bool& ending, std::uint64_t& acked, std::uint64_t& failed)
      : worker_(worker),
        room_(std::move(room)),
        author_(std::move(author)),
        text_(std::move(text)),
        ending_(ending),
        acked_(acked),
        failed_(failed) {}

  void send() {
    worker_.append({room_, author_, text_, std::to_string(next_id_++)},
                   [this](store::Result<store::Appended> result) {
                     ++(result ? acked_ : failed_);
                     if (!ending_) send();
                   });
  }

 private:
  store::StoreWorker& worker_;
  core::RoomName room_;
  core::Identity author_;
  std::string text_;
  const bool& ending_;
  std::uint64_t& acked_;
  std::uint64_t& failed_;
  std::uint64_t next_id_ = 0;
};

int run(const Options& options) {
  boost::asio::io_context io(1);
  core::SystemClock clock;
  store::StoreWorkerLimits limits;
  limits.max_batch = options.max_batch;
  // A fresh run: unique authors, so no id repeats across runs on one database.
  const std::string run_id = std::to_string(clock.now_ms());
  store::StoreWorker worker(open_store(options), io.get_executor(), clock, limits);

  bool ending = false;
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;
  std::vector<std::unique_ptr<Sender>> senders;
  for (std::size_t i = 0; i < options.senders; ++i) {
    auto room = *core::RoomName::parse("bench-" + std::to_string(i % options.rooms));
    auto author = core::Identity::account(
        *core::UserName::parse("s" + run_id.substr(run_id.size() - 6) + "x" + std::to_string(i)));
    senders.push_back(std::make_unique<Sender>(worker, std::move(room), std::move(author),
                                               std::string(options.text_bytes, 'm'), ending, acked,
                                               failed));
  }

  const double cpu_before = cpu_seconds();
  const auto transactions_before = obs::counters().store_transactions.load();
  const auto started = Clock::now();
  for (auto& sender : senders) sender->send();
  // The acks arrive from the store thread: the loop must wait for them.
  auto busy = boost::asio::make_work_guard(io);
  io.run_for(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds)));
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  const double cpu = cpu_seconds() - cpu_before;
  const std::uint64_t acked_in_time = acked;
  const auto transactions = obs::counters().store_transactions.load() - transactions_before;
  ending = true;
  busy.reset();
  io.restart();
  worker.stop();
  io.run();  // the acks still queued

  std::printf(
      "store=%s senders=%zu rooms=%zu text=%zuB seconds=%.1f\n"
      "acked=%llu failed=%llu acked/s=%.0f cpu/msg=%.1fus transactions=%llu "
      "mean_batch=%.1f\n",
      options.store.c_str(), options.senders, options.rooms, options.text_bytes, elapsed,
      static_cast<unsigned long long>(acked_in_time), static_cast<unsigned long long>(failed),
      acked_in_time / elapsed, acked_in_time ? cpu / acked_in_time * 1e6 : 0.0,
      static_cast<unsigned long long>(transactions),
      transactions ? static_cast<double>(acked_in_time) / transactions : 0.0);
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  Options options;
  po::options_description described(
      "parley-store-bench: acked appends per second through a StoreWorker\n\nOptions");
  // clang-format off
  described.add_options()
    ("help,h", "print this help")
    ("store", po::value(&options.store)->default_value(options.store), "postgres or sqlite")
    ("database", po::value(&options.database), "postgresql://... (with --store postgres)")
    ("sqlite-path", po::value(&options.sqlite_path)->default_value(options.sqlite_path),
     "database file (with --store sqlite), replaced")
    ("senders", po::value(&options.senders)->default_value(options.senders),
     "concurrent senders, each waiting for its ack before sending again")
    ("rooms", po::value(&options.rooms)->default_value(options.rooms), "rooms they share")
    ("seconds", po::value(&options.seconds)->default_value(options.seconds), "duration")
    ("max-batch", po::value(&options.max_batch)->default_value(options.max_batch),
     "appends in one transaction at most")
    ("text-bytes", po::value(&options.text_bytes)->default_value(options.text_bytes),
     "bytes of text per message");
  // clang-format on
  po::variables_map values;
  try {
    po::store(po::parse_command_line(argc, argv, described), values);
    po::notify(values);
  } catch (const po::error& error) {
    std::cerr << "parley-store-bench: " << error.what() << "\n";
    return 2;
  }
  if (values.count("help")) {
    std::cout << described << "\n";
    return 0;
  }
  if (options.store == "postgres" && options.database.empty()) {
    std::cerr << "parley-store-bench: --database postgresql://... is needed\n";
    return 2;
  }
  if (options.senders == 0 || options.rooms == 0) {
    std::cerr << "parley-store-bench: --senders and --rooms must be at least 1\n";
    return 2;
  }
  try {
    return run(options);
  } catch (const std::exception& error) {
    std::cerr << "parley-store-bench: " << error.what() << "\n";
    return 1;
  }
}
