#include "cluster/cluster.hpp"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#ifndef PARLEY_REDIS_SCRIPT
#error "PARLEY_REDIS_SCRIPT must name scripts/services/redis.sh"
#endif
#ifndef PARLEY_POSTGRES_SCRIPT
#error "PARLEY_POSTGRES_SCRIPT must name scripts/services/postgres.sh"
#endif
#ifndef PARLEY_REDIS_URL_FILE
#error "PARLEY_REDIS_URL_FILE must name the file the redis fixture writes its URL to"
#endif
#ifndef PARLEY_TEST_SCRATCH_DIR
#error "PARLEY_TEST_SCRATCH_DIR must name a folder for private servers"
#endif

namespace parley::test {

namespace json = boost::json;
using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

namespace {

std::string first_line_of(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line.empty()) {
    throw std::runtime_error("no URL in " + path + " (did its fixture start?)");
  }
  return line;
}

// A folder name under the scratch folder that no other test uses.
std::string scratch_dir(std::string_view kind) {
  std::random_device random;
  return std::string(PARLEY_TEST_SCRATCH_DIR) + "/" + std::string(kind) + "-" +
         std::to_string(random());
}

void run_script(const char* script, std::string_view action, const std::string& dir) {
  const std::string command =
      std::string(script) + " " + std::string(action) + " " + dir + " >/dev/null";
  if (std::system(command.c_str()) != 0) throw std::runtime_error(command + " failed");
}

}  // namespace

std::string shared_postgres_url() {
  auto url = postgres_test_server_url();
  if (!url) throw std::runtime_error("PARLEY_TEST_POSTGRES_URL_FILE is not set");
  return *url;
}

std::string shared_redis_url() {
  const char* file = std::getenv("PARLEY_REDIS_URL_FILE");
  return first_line_of(file != nullptr && *file != '\0' ? file : PARLEY_REDIS_URL_FILE);
}

PrivateRedis::PrivateRedis() : dir_(scratch_dir("redis")) {
  run_script(PARLEY_REDIS_SCRIPT, "start", dir_);
  url_ = first_line_of(dir_ + "/url");
}

PrivateRedis::~PrivateRedis() {
  try {
    run_script(PARLEY_REDIS_SCRIPT, "stop", dir_);
  } catch (const std::exception&) {
    // Nothing more to do: the folder stays behind in the build tree.
  }
}

void PrivateRedis::halt() {
  run_script(PARLEY_REDIS_SCRIPT, "halt", dir_);
}

void PrivateRedis::restart() {
  run_script(PARLEY_REDIS_SCRIPT, "restart", dir_);
}

PrivatePostgres::PrivatePostgres() : dir_(scratch_dir("postgres")) {
  run_script(PARLEY_POSTGRES_SCRIPT, "start", dir_);
  url_ = first_line_of(dir_ + "/url");
}

PrivatePostgres::~PrivatePostgres() {
  try {
    run_script(PARLEY_POSTGRES_SCRIPT, "stop", dir_);
  } catch (const std::exception&) {
    // Nothing more to do: the folder stays behind in the build tree.
  }
}

void PrivatePostgres::halt() {
  run_script(PARLEY_POSTGRES_SCRIPT, "halt", dir_);
}

void PrivatePostgres::resume() {
  run_script(PARLEY_POSTGRES_SCRIPT, "resume", dir_);
}

ClusterServices shared_services() {
  return {shared_postgres_url(), shared_redis_url()};
}

Cluster::Cluster(int nodes, ClusterServices services, std::vector<std::string> arguments)
    : database_(services.postgres_server_url) {
  for (int i = 0; i < nodes; ++i) {
    std::vector<std::string> words = {"--database", database_.url(), "--redis", services.redis_url};
    words.insert(words.end(), arguments.begin(), arguments.end());
    nodes_.push_back(std::make_unique<ServerProcess>(std::move(words)));
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!eventually([&] { return healthz_status(port(i)) == 200; }, 20s)) {
      throw std::runtime_error("node " + std::to_string(i) + " is not healthy within 20 s:\n" +
                               log_text());
    }
  }
}

Cluster::~Cluster() {
  // The nodes go before the database they hold connections to.
  nodes_.clear();
}

std::string Cluster::log_text() const {
  std::string text;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    text += "--- node " + std::to_string(i) + " ---\n" + nodes_[i]->log_text();
  }
  return text;
}

int healthz_status(std::uint16_t port) {
  try {
    HttpClient http(port, 3s);
    return http.get("/healthz").status;
  } catch (const std::exception&) {
    return 0;
  }
}

namespace {

Session session_from(const HttpResponse& response, int expected_status, std::string_view what) {
  if (response.status != expected_status) {
    throw std::runtime_error(std::string(what) + ": expected " + std::to_string(expected_status) +
                             ", got " + response.describe());
  }
  auto cookie = response.cookie_value("parley_session");
  if (!cookie || cookie->empty()) {
    throw std::runtime_error(std::string(what) + ": no session cookie in " + response.describe());
  }
  const json::value body = response.json();
  return Session{text_field(body, "user"), *cookie, text_field(body, "csrf_token")};
}

std::string credentials(std::string_view name, std::string_view password) {
  json::object body{{"name", name}};
  if (!password.empty()) body["password"] = password;
  return json::serialize(body);
}

}  // namespace

Session start_guest(HttpClient& http, std::string_view name) {
  return session_from(http.post_json("/api/guest", credentials(name, "")), 200, "guest");
}

Session register_account(HttpClient& http, std::string_view name, std::string_view password) {
  return session_from(http.post_json("/api/register", credentials(name, password)), 201,
                      "register");
}

Session log_in(HttpClient& http, std::string_view name, std::string_view password) {
  return session_from(http.post_json("/api/login", credentials(name, password)), 200, "login");
}

HttpHeaders cookie_of(const Session& session) {
  return {{"Cookie", "parley_session=" + session.cookie}};
}

HttpHeaders cookie_and_csrf(const Session& session) {
  return {{"Cookie", "parley_session=" + session.cookie}, {"X-CSRF-Token", session.csrf_token}};
}

HttpHeaders bearer(std::string_view token) {
  return {{"Authorization", "Bearer " + std::string(token)}};
}

HttpHeaders browser_upgrade(const Session& session, std::uint16_t port) {
  return {{"Cookie", "parley_session=" + session.cookie},
          {"Origin", "http://127.0.0.1:" + std::to_string(port)}};
}

json::value get_json(HttpClient& http, std::string_view target, const HttpHeaders& identity) {
  const HttpResponse response = http.get(target, identity);
  if (response.status != 200) {
    throw std::runtime_error("GET " + std::string(target) + ": " + response.describe());
  }
  return response.json();
}

json::array whole_history(HttpClient& http, std::string_view room, const HttpHeaders& identity) {
  const json::value page = get_json(
      http, "/api/rooms/" + std::string(room) + "/messages?before=1000000000&limit=1000", identity);
  return page.at("messages").as_array();
}

std::vector<std::string> members_of(HttpClient& http, std::string_view room,
                                    const HttpHeaders& identity) {
  const json::value body = get_json(http, "/api/rooms/" + std::string(room) + "/members", identity);
  std::vector<std::string> names;
  for (const json::value& name : body.at("members").as_array()) {
    names.emplace_back(name.as_string());
  }
  return names;
}

long long online_in(HttpClient& http, std::string_view room, const HttpHeaders& identity) {
  const json::value body = get_json(http, "/api/rooms", identity);
  for (const json::value& entry : body.at("rooms").as_array()) {
    if (text_field(entry, "name") == room) {
      return static_cast<long long>(number_field(entry, "online"));
    }
  }
  return -1;
}

std::string text_field(const json::value& object, std::string_view key) {
  const json::value* value = object.is_object() ? object.get_object().if_contains(key) : nullptr;
  if (value == nullptr || !value->is_string()) {
    throw std::runtime_error("no text \"" + std::string(key) + "\" in " + json::serialize(object));
  }
  return std::string(value->get_string());
}

std::uint64_t number_field(const json::value& object, std::string_view key) {
  const json::value* value = object.is_object() ? object.get_object().if_contains(key) : nullptr;
  if (value != nullptr && value->is_uint64()) return value->get_uint64();
  if (value != nullptr && value->is_int64() && value->get_int64() >= 0) {
    return static_cast<std::uint64_t>(value->get_int64());
  }
  throw std::runtime_error("no number \"" + std::string(key) + "\" in " + json::serialize(object));
}

std::unique_ptr<WsClient> connect_ws(std::uint16_t port, std::string_view target,
                                     const HttpHeaders& headers) {
  auto client = std::make_unique<WsClient>();
  const int status = client->connect(port, target, headers);
  if (status != kSwitchingProtocols) {
    throw std::runtime_error("upgrade of " + std::string(target) + " on port " +
                             std::to_string(port) + " answered " + std::to_string(status));
  }
  client->expect("hello");
  return client;
}

FramePredicate in_room(std::string_view room) {
  return [room = std::string(room)](const Frame& frame) {
    return string_field(frame, "room") == room;
  };
}

Frame join_room(WsClient& client, std::string_view room) {
  if (!client.send_json(frames::join(room))) throw std::runtime_error("cannot send join");
  return client.expect("joined", in_room(room));
}

Frame join_room_since(WsClient& client, std::string_view room, std::uint64_t since) {
  if (!client.send_json(frames::join_since(room, since))) {
    throw std::runtime_error("cannot send join");
  }
  return client.expect("joined", in_room(room));
}

Seen seen_from(const Frame& message) {
  return {seq_of(message), string_field(message, "id"), string_field(message, "text"),
          string_field(message, "user")};
}

std::string sequence_fault(const std::vector<Seen>& seen, std::uint64_t first, std::uint64_t last) {
  std::uint64_t expected = first;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i].seq != expected) {
      return "frame " + std::to_string(i) + " has seq " + std::to_string(seen[i].seq) + " where " +
             std::to_string(expected) + " was due (" + std::to_string(seen.size()) + " frames)";
    }
    ++expected;
  }
  if (expected != last + 1) {
    return "only seqs up to " + std::to_string(expected - 1) + " of " + std::to_string(last) +
           " arrived";
  }
  return "";
}

}  // namespace parley::test
