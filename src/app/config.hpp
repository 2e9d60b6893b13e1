// Every setting of a parley process, with its default, parsed from the
// command line. Plain value; read by the composition root.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "auth/identity_settings.hpp"
#include "bus/redis/redis_address.hpp"
#include "core/room.hpp"
#include "net/server_context.hpp"
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
  std::filesystem::path web_dir;  // default: the web/ folder of the source tree
  obs::LogLevel log_level = obs::LogLevel::info;
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

// Parses argv, with PARLEY_DATABASE_URL from the environment; prints help or
// the reason for a refusal itself.
ParsedCommandLine parse_command_line(int argc, const char* const argv[]);
// The same, with the environment's database URL given (nullptr: unset).
ParsedCommandLine parse_command_line(int argc, const char* const argv[],
                                     const char* database_url_from_environment);

// True for a URL --database accepts: postgresql:// or postgres://.
bool is_postgres_url(std::string_view url);

}  // namespace parley::app
