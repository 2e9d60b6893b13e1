// make_postgres_test_store(): a PostgresStore on a fresh database of the test
// server (see postgres_database.hpp), the database dropped with the store.
// For the store's own tests and the contract suites run against every backend.
#pragma once

#include <memory>

#include "store/postgres/postgres_store.hpp"
#include "support/postgres_database.hpp"

namespace parley::test {

// Holds the database so that it outlives the store's connection (bases are
// destroyed last).
class DatabaseHolder {
 public:
  explicit DatabaseHolder(const std::string& server_url) : database_(server_url) {}
  const PostgresTestDatabase& database() const { return database_; }

 private:
  PostgresTestDatabase database_;
};

class PostgresTestStore : private DatabaseHolder, public store::PostgresStore {
 public:
  PostgresTestStore(const std::string& server_url, store::PostgresOptions options)
      : DatabaseHolder(server_url), store::PostgresStore(with_url(std::move(options))) {}
  const PostgresTestDatabase& database() const { return DatabaseHolder::database(); }

 private:
  store::PostgresOptions with_url(store::PostgresOptions options) {
    options.connection.url = DatabaseHolder::database().url();
    return options;
  }
};

// A fresh store; throws when the run has no PostgreSQL (see
// postgres_test_server_url) or it cannot be reached.
inline std::unique_ptr<PostgresTestStore> make_postgres_test_store(
    store::PostgresOptions options = {}) {
  auto url = postgres_test_server_url();
  if (!url) throw std::runtime_error("PARLEY_TEST_POSTGRES_URL is not set");
  return std::make_unique<PostgresTestStore>(*url, std::move(options));
}

}  // namespace parley::test
