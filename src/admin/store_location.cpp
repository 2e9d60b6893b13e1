#include "admin/store_location.hpp"

#include <stdexcept>

#include "app/config.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace parley::admin {

std::variant<StoreLocation, std::string> locate_store(const StoreOptions& options,
                                                      const Environment& environment) {
  const auto from_environment = [&](const char* name) -> std::optional<std::string> {
    const char* value = environment(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
  StoreLocation location;
  if (options.config_file) {
    // The settings file is read by the server's configuration loader; here
    // it must at least be there, so that a typo is not taken for defaults.
    std::error_code error;
    if (!std::filesystem::is_regular_file(*options.config_file, error)) {
      return "cannot read --config " + *options.config_file;
    }
  }
  // The flags first, as the server takes them: --database, else
  // --data-dir, else the environment.
  std::optional<std::string> url = options.database_url;
  if (!url && !options.data_dir) url = from_environment("PARLEY_DATABASE_URL");
  if (url) {
    if (options.data_dir && options.database_url) {
      return "--data-dir and --database exclude each other";
    }
    if (!app::is_postgres_url(*url)) {
      return "--database (or PARLEY_DATABASE_URL) must be a postgresql:// or postgres:// URL";
    }
    location.kind = StoreLocation::Kind::postgres;
    location.database_url = *url;
    return location;
  }
  if (options.data_dir) {
    location.data_dir = *options.data_dir;
  } else if (auto dir = from_environment("PARLEY_DATA_DIR")) {
    location.data_dir = *dir;
  }
  return location;
}

std::unique_ptr<store::Store> open_store(const StoreLocation& location) {
  if (location.kind == StoreLocation::Kind::postgres) {
    store::PostgresOptions options;
    options.connection.url = location.database_url;
    return std::make_unique<store::PostgresStore>(std::move(options));
  }
  const std::filesystem::path path = location.sqlite_path();
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw std::runtime_error("no database at " + path.string() +
                             " (give the server's --data-dir, or --database)");
  }
  // The server holds parley.lock, not the database: SQLite's own locks let
  // this connection write between the server's transactions (WAL), and
  // the server sees what changed (PRAGMA data_version).
  store::SqliteOptions options{path, store::Durability::full};
  options.busy_timeout_ms = 10000;
  return std::make_unique<store::SqliteStore>(options);
}

}  // namespace parley::admin
