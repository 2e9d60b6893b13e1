#include "store/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <vector>

#include "obs/log.hpp"

namespace parley::store {
namespace {

class PostgresCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "postgres"; }
  std::string message(int code) const override {
    switch (static_cast<PgError>(code)) {
      case PgError::unreachable:
        return "PostgreSQL cannot be reached";
      case PgError::connection_lost:
        return "the connection to PostgreSQL dropped";
      case PgError::statement_failed:
        return "PostgreSQL refused a statement";
      case PgError::commit_unknown:
        return "the connection to PostgreSQL dropped during a commit";
      case PgError::bad_request:
        return "a value PostgreSQL cannot store";
    }
    return "PostgreSQL error";
  }
};

// libpq's messages span lines; a log line does not.
std::string trimmed(const char* message) {
  std::string text;
  for (const char* c = message != nullptr ? message : ""; *c != '\0'; ++c) {
    const bool space = *c == '\n' || *c == '\t' || *c == ' ';
    if (space && (text.empty() || text.back() == ' ')) continue;
    text += space ? ' ' : *c;
  }
  if (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// Notices ("relation already exists, skipping") are not failures: not logged.
void ignore_notice(void*, const char*) {}

}  // namespace

const boost::system::error_category& postgres_category() {
  static const PostgresCategory category;
  return category;
}

boost::system::error_code make_error(PgError error) {
  return {static_cast<int>(error), postgres_category()};
}

void PgResult::Clear::operator()(pg_result* result) const {
  PQclear(result);
}

int PgResult::rows() const {
  return PQntuples(result_.get());
}

bool PgResult::is_null(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view PgResult::text(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::int64_t PgResult::integer(int row, int column) const {
  const std::string_view value = text(row, column);
  std::int64_t number = 0;
  std::from_chars(value.data(), value.data() + value.size(), number);
  return number;
}

bool PgResult::boolean(int row, int column) const {
  const std::string_view value = text(row, column);
  return !value.empty() && value[0] == 't';
}

std::uint64_t PgResult::affected() const {
  const std::string_view value = PQcmdTuples(result_.get());
  std::uint64_t count = 0;
  std::from_chars(value.data(), value.data() + value.size(), count);
  return count;
}

PgConnection::PgConnection(PgOptions options) : options_(std::move(options)) {}

PgConnection::~PgConnection() {
  if (connection_ != nullptr) PQfinish(connection_);
}

bool PgConnection::is_connected() const {
  return connection_ != nullptr && PQstatus(connection_) == CONNECTION_OK;
}

Result<void> PgConnection::connect() {
  if (is_connected()) return {};
  if (connection_ != nullptr) drop("the connection is no longer usable");
  const auto now = std::chrono::steady_clock::now();
  if (now < retry_after_) return make_error(PgError::unreachable);

  // Defaults first: what the URL says wins (later keywords override earlier).
  const std::string connect_timeout = std::to_string(options_.connect_timeout.count());
  const std::string user_timeout = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.tcp_user_timeout).count());
  const char* keywords[] = {"connect_timeout",  "keepalives",
                            "keepalives_idle",  "keepalives_interval",
                            "keepalives_count", "tcp_user_timeout",
                            "application_name", "client_encoding",
                            "dbname",           nullptr};
  const char* values[] = {
      connect_timeout.c_str(), "1",    "5", "2", "3", user_timeout.c_str(), "parley", "UTF8",
      options_.url.c_str(),    nullptr};
  connection_ = PQconnectdbParams(keywords, values, 1);
  if (PQstatus(connection_) != CONNECTION_OK) {
    const std::string reason = trimmed(PQerrorMessage(connection_));
    PQfinish(connection_);
    connection_ = nullptr;
    retry_after_ = now + options_.reconnect_backoff;
    if (!warned_unreachable_) obs::log_warn("cannot connect to PostgreSQL: " + reason);
    warned_unreachable_ = true;
    last_sqlstate_.clear();
    return make_error(PgError::unreachable);
  }
  PQsetNoticeProcessor(connection_, ignore_notice, nullptr);
  if (warned_unreachable_) obs::log_info("connected to PostgreSQL again");
  warned_unreachable_ = false;
  prepared_.clear();
  return {};
}

void PgConnection::drop(std::string_view why) {
  if (connection_ == nullptr) return;
  if (!warned_unreachable_) {
    obs::log_warn(std::string("lost the connection to PostgreSQL (") + std::string(why) + ")");
  }
  warned_unreachable_ = true;
  PQfinish(connection_);
  connection_ = nullptr;
  prepared_.clear();
}

Result<PgResult> PgConnection::finish(pg_result* raw, PgError on_loss) {
  PgResult result(raw);
  const ExecStatusType status = PQresultStatus(raw);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    last_sqlstate_.clear();
    return result;
  }
  const char* state = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state != nullptr ? state : "";
  if (PQstatus(connection_) != CONNECTION_OK) {
    drop(trimmed(PQerrorMessage(connection_)));
    return make_error(on_loss);
  }
  // Class 08 is a connection exception, 57P01-57P03 a server going away:
  // either way this connection is done.
  if (last_sqlstate_.starts_with("08") || last_sqlstate_.starts_with("57P")) {
    drop(trimmed(PQresultErrorMessage(raw)));
    return make_error(on_loss);
  }
  obs::log_debug("PostgreSQL refused a statement: " + trimmed(PQresultErrorMessage(raw)));
  return make_error(PgError::statement_failed);
}

Result<PgResult> PgConnection::execute(const PgStatement& statement,
                                       std::initializer_list<std::string_view> parameters) {
  if (auto connected = connect(); !connected) return connected.error();
  if (!prepared_.contains(statement.name)) {
    auto prepared = finish(PQprepare(connection_, statement.name, statement.sql, 0, nullptr),
                           PgError::connection_lost);
    if (!prepared) return prepared.error();
    prepared_.insert(statement.name);
  }
  // Text parameters with explicit lengths: values never pass through SQL text.
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  values.reserve(parameters.size());
  for (const std::string_view parameter : parameters) {
    // A null pointer would be SQL NULL: an empty view without data (a
    // default std::string_view) is the empty string, as any other empty one.
    values.push_back(parameter.data() != nullptr ? parameter.data() : "");
    lengths.push_back(static_cast<int>(parameter.size()));
    formats.push_back(0);
  }
  // In text format libpq reads each value up to its NUL: callers pass
  // std::string data, which ends with one.
  return finish(PQexecPrepared(connection_, statement.name, static_cast<int>(values.size()),
                               values.data(), lengths.data(), formats.data(), 0),
                PgError::connection_lost);
}

Result<PgResult> PgConnection::command(const char* sql) {
  if (auto connected = connect(); !connected) return connected.error();
  return finish(PQexec(connection_, sql), PgError::connection_lost);
}

Result<void> PgConnection::begin() {
  auto begun = command("BEGIN");
  if (!begun) return begun.error();
  return {};
}

Result<void> PgConnection::commit() {
  if (!is_connected()) return make_error(PgError::connection_lost);
  auto committed = finish(PQexec(connection_, "COMMIT"), PgError::commit_unknown);
  if (!committed) return committed.error();
  return {};
}

void PgConnection::rollback() {
  if (!is_connected()) return;
  if (PQtransactionStatus(connection_) == PQTRANS_IDLE) return;
  PQclear(PQexec(connection_, "ROLLBACK"));
  if (PQstatus(connection_) != CONNECTION_OK) drop("during ROLLBACK");
}

}  // namespace parley::store
