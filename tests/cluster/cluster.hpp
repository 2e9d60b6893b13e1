// Several parley nodes sharing one PostgreSQL database and one Redis, for
// the tests of what a cluster guarantees as a whole (PROTOCOL.md, "Several
// nodes"), and the services a test may stop and start on its own (a private
// Redis or PostgreSQL in a scratch folder, so that the shared fixtures stay
// intact). Everything here is used by the test's main thread, except the
// free helpers on clients, which any thread may call on a client it owns.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/frames.hpp"
#include "support/http_client.hpp"
#include "support/postgres_database.hpp"
#include "support/server_process.hpp"
#include "support/ws_client.hpp"

namespace parley::test {

// Polls `done` every 20 ms until it holds or `timeout` has passed; returns
// whether it held. Waits end on a condition, never on a sleep.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// The URLs of the servers the CTest fixtures `postgres` and `redis` started
// (PARLEY_TEST_POSTGRES_URL_FILE; PARLEY_REDIS_URL_FILE or the build's own
// path); throw when there is none.
std::string shared_postgres_url();
std::string shared_redis_url();

// A Redis of the test's own (scripts/services/redis.sh in a scratch folder),
// stopped and removed when the object goes.
class PrivateRedis {
 public:
  PrivateRedis();
  ~PrivateRedis();
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  const std::string& url() const { return url_; }
  // Stops it, keeping its port.
  void halt();
  // Starts it again on the same port, empty.
  void restart();

 private:
  std::string dir_;
  std::string url_;
};

// A PostgreSQL of the test's own (scripts/services/postgres.sh), removed
// when the object goes.
class PrivatePostgres {
 public:
  PrivatePostgres();
  ~PrivatePostgres();
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  const std::string& url() const { return url_; }
  // Stops the server, keeping its port and data.
  void halt();
  // Starts it again on the same port and data.
  void resume();

 private:
  std::string dir_;
  std::string url_;
};

// Where a cluster keeps its state and shares its events.
struct ClusterServices {
  std::string postgres_server_url;  // a fresh database is made there
  std::string redis_url;
};
ClusterServices shared_services();

class Cluster {
 public:
  // Starts `nodes` nodes with --database (one fresh database for all) and
  // --redis, plus `arguments`, and waits until every node answers /healthz
  // with 200 (its bus subscribed, its database reached); throws otherwise.
  explicit Cluster(int nodes, ClusterServices services = shared_services(),
                   std::vector<std::string> arguments = {});
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  ServerProcess& node(std::size_t index) { return *nodes_.at(index); }
  std::uint16_t port(std::size_t index) const { return nodes_.at(index)->port(); }
  const std::string& database_url() const { return database_.url(); }
  // Every node's log, each headed by its index, for failure messages.
  std::string log_text() const;

 private:
  PostgresTestDatabase database_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

// The status of GET /healthz on 127.0.0.1:`port`, or 0 when none came.
int healthz_status(std::uint16_t port);

// Who a client is after POST /api/guest, /api/register or /api/login.
struct Session {
  std::string user;
  std::string cookie;  // the session cookie's value
  std::string csrf_token;
};

// Each throws unless the answer is the contract's success.
Session start_guest(HttpClient& http, std::string_view name);
Session register_account(HttpClient& http, std::string_view name, std::string_view password);
Session log_in(HttpClient& http, std::string_view name, std::string_view password);

HttpHeaders cookie_of(const Session& session);
HttpHeaders cookie_and_csrf(const Session& session);
HttpHeaders bearer(std::string_view token);
// The header fields a browser on node `port`'s own page sends with a
// WebSocket upgrade: the session cookie and that Origin.
HttpHeaders browser_upgrade(const Session& session, std::uint16_t port);

// The message objects of `room`'s history (up to 1000), oldest first, read
// with before=, which reads the store: after= stops at what the node has
// delivered, and makes the reader present as a poller.
boost::json::array whole_history(HttpClient& http, std::string_view room,
                                 const HttpHeaders& identity);
// GET `target` with `identity`; the body as JSON; throws unless 200.
boost::json::value get_json(HttpClient& http, std::string_view target, const HttpHeaders& identity);
std::vector<std::string> members_of(HttpClient& http, std::string_view room,
                                    const HttpHeaders& identity);
// `online` of `room` in GET /api/rooms, or -1 when the room is not listed.
long long online_in(HttpClient& http, std::string_view room, const HttpHeaders& identity);
// A JSON object's field as text or number; throws naming the object.
std::string text_field(const boost::json::value& object, std::string_view key);
std::uint64_t number_field(const boost::json::value& object, std::string_view key);

// An open WebSocket on node `port` for `target` (e.g. "/ws?name=ada"), past
// its hello; throws unless the upgrade succeeds.
std::unique_ptr<WsClient> connect_ws(std::uint16_t port, std::string_view target,
                                     const HttpHeaders& headers = {});
// Joins `room` and returns its joined frame; throws when it does not come.
Frame join_room(WsClient& client, std::string_view room);
Frame join_room_since(WsClient& client, std::string_view room, std::uint64_t since);
FramePredicate in_room(std::string_view room);

// One message frame as a receiver saw it.
struct Seen {
  std::uint64_t seq = 0;
  std::string id;
  std::string text;
  std::string user;
  bool operator==(const Seen&) const = default;
};
Seen seen_from(const Frame& message);
// "" when `seen` holds seqs first, first + 1, ..., last exactly once, in
// that order; else what is wrong, for the failure message.
std::string sequence_fault(const std::vector<Seen>& seen, std::uint64_t first, std::uint64_t last);

}  // namespace parley::test
