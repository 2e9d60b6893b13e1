#include "support/postgres_database.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

namespace parley::test {

std::optional<std::string> postgres_test_server_url() {
  if (const char* url = std::getenv("PARLEY_TEST_POSTGRES_URL"); url != nullptr && *url != '\0') {
    return std::string(url);
  }
  const char* file = std::getenv("PARLEY_TEST_POSTGRES_URL_FILE");
  if (file == nullptr || *file == '\0') return std::nullopt;
  std::ifstream in(file);
  std::string url;
  if (!std::getline(in, url) || url.empty()) {
    throw std::runtime_error(std::string("no PostgreSQL URL in ") + file +
                             " (is the services.postgres.start fixture running?)");
  }
  return url;
}

std::string with_database(const std::string& server_url, const std::string& database) {
  const auto authority = server_url.find("://");
  const std::size_t from = authority == std::string::npos ? 0 : authority + 3;
  const auto path = server_url.find('/', from);
  const auto query = server_url.find('?', from);
  const std::string base =
      server_url.substr(0, std::min(path, query == std::string::npos ? path : query));
  const std::string options = query == std::string::npos ? "" : server_url.substr(query);
  return base + "/" + database + options;
}

void execute_postgres(const std::string& url, const std::string& sql) {
  PGconn* connection = PQconnectdb(url.c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string reason = PQerrorMessage(connection);
    PQfinish(connection);
    throw std::runtime_error("cannot connect to " + url + ": " + reason);
  }
  PQsetNoticeProcessor(
      connection, [](void*, const char*) {}, nullptr);
  PGresult* result = PQexec(connection, sql.c_str());
  const bool worked =
      PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
  const std::string reason = worked ? "" : PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(connection);
  if (!worked) throw std::runtime_error(sql + ": " + reason);
}

PostgresTestDatabase::PostgresTestDatabase(std::string server_url)
    : server_url_(std::move(server_url)) {
  std::random_device random;
  std::uniform_int_distribution<std::uint64_t> draw;
  name_ = "parley_test_" + std::to_string(draw(random));
  url_ = with_database(server_url_, name_);
  // The name is ours, made of digits: nothing from outside enters this SQL.
  execute_postgres(server_url_, "CREATE DATABASE " + name_);
}

PostgresTestDatabase::~PostgresTestDatabase() {
  try {
    execute_postgres(server_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The server went away: the whole cluster is removed with its fixture.
  }
}

}  // namespace parley::test
