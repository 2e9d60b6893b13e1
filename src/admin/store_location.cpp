#include "admin/store_location.hpp"

#include <boost/program_options.hpp>
#include <stdexcept>
#include <utility>
#include <vector>

#include "app/config.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace parley::admin {

std::variant<StoreLocation, std::string> locate_store(const StoreOptions& options,
                                                      const Environment& environment) {
  namespace po = boost::program_options;
  StoreLocation location;
  std::string data_dir = location.data_dir.string();
  std::string store = "sqlite";
  po::options_description settings;
  settings.add_options()("config", po::value<std::string>())(
      "data-dir", po::value(&data_dir)->default_value(data_dir))(
      "database", po::value(&location.database_url))("store",
                                                     po::value(&store)->default_value(store));
  po::parsed_options flags(&settings);
  for (const auto& [name, value] : {std::pair{"config", &options.config_file},
                                    {"data-dir", &options.data_dir},
                                    {"database", &options.database_url}}) {
    if (*value) flags.options.emplace_back(name, std::vector{**value});
  }
  app::LayeredOptions layered;
  try {
    layered = app::load_layered_options(settings, flags, environment, app::admin_layer_rules());
  } catch (const app::SettingError& error) {
    return error.what();
  }
  const std::optional<bool> use_database = app::database_chosen(layered);
  if (!use_database) return "invalid setting database: excludes store, given in the same place";
  if (*use_database) {
    if (!app::is_postgres_url(location.database_url)) {
      return "invalid setting " + app::describe("database", layered.source_of("database")) +
             ": must be a postgresql:// or postgres:// URL";
    }
    location.kind = StoreLocation::Kind::postgres;
    return location;
  }
  location.data_dir = data_dir;
  return location;
}

std::unique_ptr<store::Store> open_store(const StoreLocation& location, IfMissing if_missing) {
  if (location.kind == StoreLocation::Kind::postgres) {
    store::PostgresOptions options;
    options.connection.url = location.database_url;
    return std::make_unique<store::PostgresStore>(std::move(options));
  }
  const std::filesystem::path path = location.sqlite_path();
  std::error_code error;
  if (if_missing == IfMissing::create) {
    std::filesystem::create_directories(location.data_dir, error);
  } else if (!std::filesystem::is_regular_file(path, error)) {
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
