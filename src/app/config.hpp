// Every setting of a parley process, with its default, read from flags, the
// PARLEY_* environment and a TOML file (app/layered_options.hpp). Plain
// value; read by the composition root.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "app/layered_options.hpp"
#include "auth/identity_settings.hpp"
#include "bus/redis/redis_address.hpp"
#include "core/room.hpp"
#include "net/server_context.hpp"
#include "net/trusted_proxies.hpp"
#include "obs/log.hpp"
#include "service/chat_service.hpp"
#include "service/poll_service.hpp"
#include "service/retention_service.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store_worker.hpp"

namespace parley::app {

enum class StoreKind { sqlite, memory, postgres };

struct Config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  std::filesystem::path data_dir = "var";
  std::filesystem::path web_dir;  // default: default_web_dir() (app/install_paths.hpp)
  obs::LogLevel log_level = obs::LogLevel::info;
  // --log-format, --log-file, --access-log.
  obs::LogSettings log;
  // --trusted-proxy: whose X-Forwarded-For and X-Forwarded-Proto count.
  transport::TrustedProxies trusted_proxies;
  StoreKind store = StoreKind::sqlite;
  // With StoreKind::postgres: postgresql://user@host:port/database (--database,
  // or PARLEY_DATABASE_URL).
  std::string database_url;
  store::Durability durability = store::Durability::full;
  std::chrono::seconds shutdown_timeout{4};
  std::size_t password_threads = 1;
  // Replays and history pages held for clients at once, server-wide.
  std::size_t max_buffered_bytes = 256 * 1024 * 1024;
  // Password jobs queued and running at once; past it, 429 at once. A correct
  // login waits behind at most this many hashes. Default: 16 per thread.
  static constexpr std::size_t kPasswordJobsPerThread = 16;
  std::size_t max_password_jobs = kPasswordJobsPerThread;
  auth::IdentitySettings identity;

  transport::TransportLimits transport;
  service::ServiceLimits service;
  service::PollLimits polls;
  core::RoomLimits rooms;
  store::StoreWorkerLimits store_worker;
  // How much history each room keeps (all by default).
  service::RetentionSettings retention;
  // Redis, for a cluster of nodes; none: this node is alone (LocalBus).
  std::optional<bus::RedisAddress> redis;
};

struct ParsedCommandLine {
  std::optional<Config> config;  // nullopt: exit with `exit_code` after printing
  int exit_code = 0;
};

// Reads argv, the process's PARLEY_* variables and the --config file; prints
// help, the version or the one line saying which setting is refused.
ParsedCommandLine parse_command_line(int argc, const char* const argv[]);
// The same with the environment given, printing to `out` and `err`.
ParsedCommandLine parse_command_line(int argc, const char* const argv[],
                                     const Environment& environment, std::ostream& out,
                                     std::ostream& err);

// The rules for reading PARLEY_* variables and the file: the server's, and
// `parley admin`'s (which skips the file's keys it does not know).
LayerRules server_layer_rules();
LayerRules admin_layer_rules();

// Whether --database (rather than --store, or SQLite by default) chooses the
// store: the one given in the stronger place wins; nullopt when both were
// given in the same place, which is a contradiction.
std::optional<bool> database_chosen(const LayeredOptions& layered);

// True for a URL --database accepts: postgresql:// or postgres://.
bool is_postgres_url(std::string_view url);

}  // namespace parley::app
