// Where parley admin finds the database: SQLite in a data folder, or
// PostgreSQL at a URL, read from --config, --data-dir, --database and their
// PARLEY_* variables exactly as the server reads them. Plain values; the
// main thread.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "app/layered_options.hpp"
#include "store/store.hpp"

namespace parley::admin {

struct StoreLocation {
  enum class Kind { sqlite, postgres };
  Kind kind = Kind::sqlite;
  std::filesystem::path data_dir = "var";  // SQLite: parley.db in it
  std::string database_url = {};           // PostgreSQL
  std::filesystem::path sqlite_path() const { return data_dir / "parley.db"; }
};

// The global options as given (nullopt: not given).
struct StoreOptions {
  std::optional<std::string> config_file;
  std::optional<std::string> data_dir;
  std::optional<std::string> database_url;
};

using app::Environment;

// The location from the flags, then the PARLEY_* variables, then the
// --config file (whose other keys are the server's alone), then the server's
// defaults; a string says why the settings are unusable (a usage error).
std::variant<StoreLocation, std::string> locate_store(const StoreOptions& options,
                                                      const Environment& environment);

// Opens the store at `location` as a second writer beside a running server
// (SQLite: WAL, a busy timeout; PostgreSQL: one more connection). Throws
// std::runtime_error, with the reason, when it cannot. A SQLite database that
// is not there is created only when `create` says so (import does).
enum class IfMissing { refuse, create };
std::unique_ptr<store::Store> open_store(const StoreLocation& location,
                                         IfMissing if_missing = IfMissing::refuse);

}  // namespace parley::admin
