#include "app/server.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "auth/secrets.hpp"
#include "bus/local_bus.hpp"
#include "bus/redis/redis_bus.hpp"
#include "obs/log.hpp"
#include "store/memory_store.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "ws/ws_session.hpp"

namespace parley::app {

namespace asio = boost::asio;

namespace {

// Files the process keeps for itself (database, WAL, logs, event and timer
// descriptors) beside its connections.
constexpr std::size_t kReservedFiles = 64;

// The open-files limit, raised to its hard limit: a connection is a file.
std::size_t raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? SIZE_MAX : static_cast<std::size_t>(limit.rlim_cur);
}

// --max-connections, or (0) what the open-files limit leaves.
core::ConnectionQuota::Limits connection_limits(const transport::TransportLimits& limits) {
  const std::size_t files = raise_open_files_limit();
  const std::size_t room = files > 2 * kReservedFiles ? files - kReservedFiles : files / 2;
  std::size_t total = limits.max_connections;
  if (total == 0) {
    total = room;
  } else if (total > room) {
    obs::log_warn("--max-connections " + std::to_string(total) +
                  " is more than the open-files limit (" + std::to_string(files) +
                  ") allows; connections past it will fail to open");
  }
  return {total, limits.max_connections_per_address};
}

// One parley per data folder: a second would commit behind the first's
// cached seqs. The lock (flock) lasts while the descriptor is open.
int lock_data_dir(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / "parley.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw std::runtime_error("another parley is using " + dir.string());
  }
  return fd;
}

std::unique_ptr<bus::Bus> open_bus(const Config& config, asio::io_context& io) {
  if (!config.redis) return std::make_unique<bus::LocalBus>();
  return std::make_unique<bus::RedisBus>(*config.redis, io.get_executor());
}

std::unique_ptr<store::Store> open_store(const Config& config) {
  if (config.store == StoreKind::memory) return std::make_unique<store::MemoryStore>();
  if (config.store == StoreKind::postgres) {
    store::PostgresOptions options;
    options.connection.url = config.database_url;
    return std::make_unique<store::PostgresStore>(std::move(options));
  }
  return std::make_unique<store::SqliteStore>(
      store::SqliteOptions{config.data_dir / "parley.db", config.durability});
}

}  // namespace

Server::Server(Config config)
    : config_(std::move(config)),
      memory_(std::make_unique<core::MemoryBudget>(config_.max_buffered_bytes)),
      io_(std::make_unique<asio::io_context>(1)) {
  obs::set_log_level(config_.log_level);
  obs::configure_logs(config_.log);
  if (config_.store == StoreKind::sqlite) {
    std::filesystem::create_directories(config_.data_dir);
    data_dir_lock_ = lock_data_dir(config_.data_dir);
  }
  store_ = std::make_unique<store::StoreWorker>(open_store(config_), io_->get_executor(), clock_,
                                                config_.store_worker);
  auth::initialise_crypto();
  hasher_ = std::make_unique<auth::PasswordHasher>(io_->get_executor(), config_.password_threads,
                                                   config_.max_password_jobs,
                                                   auth::PasswordCost::interactive());
  authenticator_ = std::make_unique<auth::Authenticator>(*store_, clock_, config_.identity);
  accounts_ = std::make_unique<service::AccountService>(*store_, *hasher_, *authenticator_, guests_,
                                                        clock_, config_.identity);
  bus_ = open_bus(config_, *io_);
  if (bus_->has_peers()) accounts_->share_guest_names(bus_->node_id());
  chat_ = std::make_unique<service::ChatService>(*store_, *bus_, io_->get_executor(),
                                                 config_.service, config_.rooms, *memory_, clock_);
  polls_ = std::make_unique<service::PollService>(*chat_, *store_, clock_, *memory_, config_.polls);
  rooms_ = std::make_unique<service::RoomsService>(*chat_, *store_, *bus_, clock_);
  retention_ = std::make_unique<service::RetentionService>(*store_, io_->get_executor(), clock_,
                                                           config_.retention);
  connections_ = std::make_unique<core::ConnectionQuota>(connection_limits(config_.transport));
  const auto& limits = connections_->limits();
  obs::log_debug(
      "connections: at most " + std::to_string(limits.total) + " (" +
      (limits.per_address == 0 ? std::string("no limit") : std::to_string(limits.per_address)) +
      " per address)");
  context_ =
      std::make_unique<transport::ServerContext>(transport::ServerContext{io_->get_executor(),
                                                                          *chat_,
                                                                          *polls_,
                                                                          *rooms_,
                                                                          *accounts_,
                                                                          *authenticator_,
                                                                          guests_,
                                                                          *connections_,
                                                                          *memory_,
                                                                          *store_,
                                                                          *bus_,
                                                                          config_.transport,
                                                                          config_.identity,
                                                                          config_.trusted_proxies,
                                                                          config_.web_dir,
                                                                          {},
                                                                          {},
                                                                          {}});
  // A logout, revocation or expiry seen here ends what relied on it, here at
  // once and on every other node through the bus.
  authenticator_->on_ended([this](const std::string& credential) {
    context_->credential_holders.end(credential);
    bus::Event event(bus::EventKind::credential_ended);
    event.subject = credential;
    bus_->publish(std::move(event));
  });
  bus_->subscribe([this](const bus::Event& event) {
    if (event.kind != bus::EventKind::credential_ended || event.node == bus_->node_id()) return;
    authenticator_->end_elsewhere(event.subject);
    context_->credential_holders.end(event.subject);
  });
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(config_.host), config_.port);
  listener_ = std::make_shared<transport::Listener>(*io_, endpoint, *context_);
}

Server::~Server() {
  // Handlers still queued hold sessions; they must go while the service and
  // the context they point at are alive.
  if (hasher_) hasher_->stop();
  // Password jobs never run hold their API calls, whose sockets belong to
  // the io_context: they go while it is alive.
  hasher_.reset();
  if (store_) store_->stop();
  if (bus_) bus_->stop();
  // Timers and signals belong to the io_context's services: they go first.
  signals_.reset();
  hangups_.reset();
  deadline_.reset();
  poll_.reset();
  ticker_.reset();
  retention_.reset();
  listener_.reset();
  // Waiting long polls hold timers and sockets of the io_context, and the
  // pollers are in rooms of the chat service: the poll service goes first.
  polls_.reset();
  if (context_) {
    context_->ws_sessions.drop_pending_flushes();
    context_->credential_holders.clear();
  }
  io_.reset();
  if (data_dir_lock_ >= 0) ::close(data_dir_lock_);
}

int Server::run() {
  signals_ = std::make_unique<asio::signal_set>(*io_, SIGINT, SIGTERM);
  signals_->async_wait([this](boost::system::error_code error, int signal) {
    if (error) return;
    obs::log_info(std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                  ", shutting down");
    shut_down();
  });
  hangups_ = std::make_unique<asio::signal_set>(*io_, SIGHUP);
  reopen_logs_on_hangup();
  listener_->run();
  tick_later();
  retention_->start();
  const auto endpoint = listener_->local_endpoint();
  obs::log_info("parley listening on http://" + endpoint.address().to_string() + ":" +
                std::to_string(endpoint.port()));
  io_->run();
  hasher_->stop();
  // Pollers leave their rooms now, while the bus still carries their
  // presence to the other nodes.
  polls_.reset();
  store_->stop();
  bus_->stop();
  obs::log_info("parley stopped");
  return 0;
}

void Server::reopen_logs_on_hangup() {
  hangups_->async_wait([this](boost::system::error_code error, int) {
    if (error) return;
    // Lines written meanwhile by any thread go whole to the old file or the new.
    if (auto failed = obs::reopen_log_files()) {
      obs::log_error("SIGHUP: " + *failed + "; still writing to the old file");
    } else {
      obs::log_info("SIGHUP: log files reopened");
    }
    reopen_logs_on_hangup();
  });
}

void Server::shut_down() {
  if (shutting_down_) return;
  shutting_down_ = true;
  retention_->stop();
  listener_->stop();
  chat_->begin_shutdown();
  deadline_ = std::make_unique<asio::steady_timer>(*io_, config_.shutdown_timeout);
  deadline_->async_wait([this](boost::system::error_code error) {
    if (error) return;
    obs::log_warn("shutdown timeout reached; stopping now");
    io_->stop();
  });
  // Sends already queued still commit; their acks are queued before the close
  // because the store answers in order and this marker comes last.
  store_->run<int>([](store::Store&) { return store::Result<int>(0); },
                   [this](store::Result<int>) {
                     for (transport::WsSession* session : context_->ws_sessions.all())
                       session->shut_down();
                     wait_for_sessions();
                   });
}

namespace {
// Peeks at waiting HTTP connections per second: about 1 ms of the I/O thread,
// and 10,000 waiting long polls are each looked at every 10 seconds.
constexpr std::size_t kHangupChecksPerTick = 1000;
// Ticks (seconds) between sweeps of expired sessions. A constant, not a
// setting: an expired session is already refused when read, so the sweep only
// keeps the table from growing (guests expire after a day); it goes through
// the index sessions_by_expiry.
constexpr std::size_t kTicksPerSessionSweep = 10 * 60;
constexpr auto kGuestNameRenewal = service::AccountService::kGuestNameRenewal;
}  // namespace

void Server::tick_later() {
  ticker_ = std::make_unique<asio::steady_timer>(*io_, std::chrono::seconds(1));
  ticker_->async_wait([this](boost::system::error_code error) {
    if (error) return;
    if (!shutting_down_) polls_->expire_idle_pollers();
    chat_->tick();
    // Also while shutting down: closing handshakes have a deadline.
    context_->ws_sessions.tick();
    context_->awaiting_answers.check_some(kHangupChecksPerTick);
    give_back_freed_memory();
    ++ticks_;
    if (ticks_ % kTicksPerSessionSweep == 0 && !shutting_down_) sweep_expired_sessions();
    if (ticks_ % kGuestNameRenewal.count() == 0) accounts_->keep_guest_names();
    tick_later();
  });
}

void Server::give_back_freed_memory() {
  // The allocator keeps what replays and pages freed for later; after a burst
  // of them, it goes back to the system so the process shrinks again.
  constexpr std::size_t kWorthTrimming = 16 * 1024 * 1024;
  const std::size_t peak = memory_->take_peak();
  if (peak >= kWorthTrimming && memory_->used() < peak / 2) ::malloc_trim(0);
}

void Server::sweep_expired_sessions() {
  store_->run<std::size_t>(
      [now = clock_.now_ms()](store::IdentityStore& store) {
        return store.delete_expired_sessions(now);
      },
      [](store::Result<std::size_t> deleted) {
        if (!deleted) {
          obs::log_warn("cannot delete expired sessions: " + deleted.error().message());
          return;
        }
        obs::log_debug("deleted " + std::to_string(*deleted) + " expired sessions");
      });
}

void Server::wait_for_sessions() {
  if (context_->ws_sessions.empty()) {
    io_->stop();  // idle HTTP keep-alive connections are simply dropped
    return;
  }
  poll_ = std::make_unique<asio::steady_timer>(*io_, std::chrono::milliseconds(10));
  poll_->async_wait([this](boost::system::error_code error) {
    if (!error) wait_for_sessions();
  });
}

}  // namespace parley::app
