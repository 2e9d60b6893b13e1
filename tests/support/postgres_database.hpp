// A fresh PostgreSQL database for one test, on the server the test run
// points at, dropped when the object goes. The server is named by
// PARLEY_TEST_POSTGRES_URL, or by the file PARLEY_TEST_POSTGRES_URL_FILE
// names (what the CTest fixture writes: DIR/url). Used by one thread.
#pragma once

#include <optional>
#include <string>

namespace parley::test {

// The test server's URL, when this run is against PostgreSQL.
std::optional<std::string> postgres_test_server_url();

// `server_url` with its database replaced by `database`.
std::string with_database(const std::string& server_url, const std::string& database);

class PostgresTestDatabase {
 public:
  // Creates parley_test_<random> on the server at `server_url`; throws when it cannot.
  explicit PostgresTestDatabase(std::string server_url);
  ~PostgresTestDatabase();
  PostgresTestDatabase(const PostgresTestDatabase&) = delete;
  PostgresTestDatabase& operator=(const PostgresTestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // The URL of this database, for --database or PostgresOptions.
  const std::string& url() const { return url_; }

 private:
  std::string server_url_;
  std::string name_;
  std::string url_;
};

// Runs `sql` (no parameters, no result wanted) on the database at `url`;
// throws with the server's message when it fails.
void execute_postgres(const std::string& url, const std::string& sql);

}  // namespace parley::test
