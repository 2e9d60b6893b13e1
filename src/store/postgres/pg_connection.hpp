// One libpq connection to PostgreSQL, opened again after it drops: every call
// answers (an error when the server cannot be reached, after at most the
// connect timeout, or at once during a short backoff after a failed attempt),
// and the next call after a failure tries to reconnect. Statements are
// prepared on first use on each connection; parameters always travel apart
// from the SQL. Owned by one thread: the store worker's.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "store/store.hpp"

struct pg_conn;
struct pg_result;

namespace parley::store {

// What went wrong with PostgreSQL, as error_codes of postgres_category().
enum class PgError {
  unreachable = 1,   // no connection (down, refused, in backoff)
  connection_lost,   // the connection dropped during a statement
  statement_failed,  // the server refused a statement (SQLSTATE in last_sqlstate)
  commit_unknown,    // the connection dropped during COMMIT: it may have committed
  bad_request,       // refused before reaching the server (an invalid argument)
};

const boost::system::error_category& postgres_category();
boost::system::error_code make_error(PgError error);

// A statement prepared under `name` on every connection that runs it.
struct PgStatement {
  const char* name;
  const char* sql;
};

// A result, cleared when it goes.
class PgResult {
 public:
  explicit PgResult(pg_result* result) : result_(result) {}
  int rows() const;
  bool is_null(int row, int column) const;
  std::string_view text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  bool boolean(int row, int column) const;  // 't' or 'f'
  // Rows an INSERT, UPDATE or DELETE touched.
  std::uint64_t affected() const;

 private:
  struct Clear {
    void operator()(pg_result* result) const;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

struct PgOptions {
  std::string url;  // postgresql://user@host:port/database?options
  // After a failed connection attempt, calls fail at once for this long.
  std::chrono::milliseconds reconnect_backoff{500};
  std::chrono::seconds connect_timeout{3};
  // A write unacknowledged by the server for this long drops the connection
  // (TCP_USER_TIMEOUT), and so does a silent peer found by keepalives.
  std::chrono::seconds tcp_user_timeout{10};
};

class PgConnection {
 public:
  explicit PgConnection(PgOptions options);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Connects unless connected; fails at once while in backoff.
  Result<void> connect();
  bool is_connected() const;

  // Runs `statement` with text parameters (prepared on this connection first).
  Result<PgResult> execute(const PgStatement& statement,
                           std::initializer_list<std::string_view> parameters);
  // Runs a fixed command without parameters (BEGIN, COMMIT, a migration).
  Result<PgResult> command(const char* sql);

  Result<void> begin();
  // A failure of COMMIT itself answers commit_unknown when the connection
  // dropped (the transaction may have committed) and statement_failed when the
  // server refused it (it rolled back).
  Result<void> commit();
  // Ends a transaction after a failure; nothing to do if the connection is gone.
  void rollback();

  // The SQLSTATE of the last failed statement ("" when it never reached the server).
  const std::string& last_sqlstate() const { return last_sqlstate_; }

 private:
  Result<PgResult> finish(pg_result* result, PgError on_loss);
  void drop(std::string_view why);

  PgOptions options_;
  pg_conn* connection_ = nullptr;
  std::unordered_set<std::string> prepared_;  // statement names prepared on connection_
  std::chrono::steady_clock::time_point retry_after_{};
  bool warned_unreachable_ = false;  // one log line per outage, not one per call
  std::string last_sqlstate_;
};

}  // namespace parley::store
