// Logs and access lines as an operator sees them: human or JSON lines, one
// access line per HTTP request and per WebSocket session, SIGHUP reopening
// the files, no secret in any line; and the client a trusted proxy names
// (X-Forwarded-For, X-Forwarded-Proto) for per-address limits, logs and
// Secure cookies. Every server is stopped before its log is read: its lines
// are then all there.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "api/api_test.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A folder of its own under /tmp for log files, removed at the end.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = "/tmp/parley-logs-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Waits (a generous while) until `file` holds `text`; false if it never does.
bool wait_for_text(const std::filesystem::path& file, std::string_view text) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_text(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

class LoggingTest : public ApiTest {
 protected:
  // Stops the server politely; its whole log is in log_lines() after.
  void stop_server() {
    http_.reset();
    const ExitStatus exit = server().terminate();
    ASSERT_TRUE(exit.exited && exit.code == 0) << server().log_text();
  }

  // JSON access lines of `kind` ("http" or "ws") among `lines`.
  static std::vector<json::object> json_access_lines(const std::vector<std::string>& lines,
                                                     std::string_view kind) {
    std::vector<json::object> found;
    for (const std::string& line : lines) {
      json::error_code error;
      const json::value parsed = json::parse(line, error);
      if (error || !parsed.is_object()) continue;
      const auto& object = parsed.as_object();
      if (object.contains("msg") && object.at("msg").is_string() &&
          object.at("msg").as_string() == kind) {
        found.push_back(object);
      }
    }
    return found;
  }
};

TEST_F(LoggingTest, JsonFormatWritesEveryLineAsOneJsonObject) {
  start_server({"--log-format", "json", "--access-log", "log"});
  ASSERT_EQ(http().get("/healthz").status, 200);
  ASSERT_EQ(http().get("/api/rooms?limit=5").status, 401);
  stop_server();

  const std::vector<std::string> lines = server().log_lines();
  ASSERT_GE(lines.size(), 4u);
  for (const std::string& line : lines) {
    json::error_code error;
    const json::value parsed = json::parse(line, error);
    ASSERT_FALSE(error) << line;
    ASSERT_TRUE(parsed.is_object()) << line;
    const auto& object = parsed.as_object();
    EXPECT_TRUE(object.contains("time") && object.at("time").is_string()) << line;
    EXPECT_TRUE(object.contains("level") && object.at("level").is_string()) << line;
    EXPECT_TRUE(object.contains("msg") && object.at("msg").is_string()) << line;
  }
  const auto http_lines = json_access_lines(lines, "http");
  ASSERT_EQ(http_lines.size(), 2u) << server().log_text();
  EXPECT_EQ(http_lines[0].at("method"), "GET");
  EXPECT_EQ(http_lines[0].at("path"), "/healthz");
  EXPECT_EQ(http_lines[0].at("status"), 200);
  EXPECT_GT(http_lines[0].at("bytes").as_int64(), 0);
  EXPECT_TRUE(http_lines[0].at("ms").is_double());
  EXPECT_EQ(http_lines[0].at("client"), "127.0.0.1");
  EXPECT_EQ(http_lines[1].at("path"), "/api/rooms?limit=5");
  EXPECT_EQ(http_lines[1].at("status"), 401);
}

TEST_F(LoggingTest, HumanFormatIsTheDefaultWithOneLinePerEvent) {
  start_server({"--access-log", "log"});
  ASSERT_EQ(http().get("/healthz").status, 200);
  stop_server();

  const std::regex shape(
      R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (debug|info|warn|error) \S.*$)");
  const std::vector<std::string> lines = server().log_lines();
  for (const std::string& line : lines) EXPECT_TRUE(std::regex_match(line, shape)) << line;
  const std::regex access(
      R"(^\S+ info http method=GET path=/healthz status=200 bytes=\d+ ms=[0-9.]+ client=127\.0\.0\.1$)");
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [&](const std::string& line) { return std::regex_match(line, access); }),
            1)
      << server().log_text();
}

TEST_F(LoggingTest, AccessLinesAreOffByDefault) {
  start_server();
  ASSERT_EQ(http().get("/healthz").status, 200);
  stop_server();
  EXPECT_EQ(server().log_text().find("/healthz"), std::string::npos) << server().log_text();
}

TEST_F(LoggingTest, WebSocketSessionGetsOneAccessLineWhenItEnds) {
  start_server({"--log-format", "json", "--access-log", "log"});
  {
    auto client = connect_ws("/ws?name=Wendy");
    join_room(*client, "lobby");
    client->close();
  }
  stop_server();

  const auto ws_lines = json_access_lines(server().log_lines(), "ws");
  ASSERT_EQ(ws_lines.size(), 1u) << server().log_text();
  const json::object& line = ws_lines[0];
  EXPECT_EQ(line.at("path"), "/ws?name=*");
  EXPECT_EQ(line.at("client"), "127.0.0.1");
  EXPECT_EQ(line.at("close"), 1000);
  EXPECT_GE(line.at("frames_in").as_int64(), 2);   // the join and the close
  EXPECT_GE(line.at("frames_out").as_int64(), 2);  // the hello and the joined
  EXPECT_GT(line.at("bytes_in").as_int64(), 0);
  EXPECT_GT(line.at("bytes_out").as_int64(), 0);
  EXPECT_TRUE(line.at("ms").is_double());
  // The upgrade itself is not an HTTP line: the session's line stands for it.
  EXPECT_TRUE(json_access_lines(server().log_lines(), "http").empty()) << server().log_text();
}

TEST_F(LoggingTest, SighupReopensTheLogAndAccessFilesAfterARename) {
  const TempFolder folder;
  const auto log_file = folder / "parley.log";
  const auto access_file = folder / "access.log";
  start_server({"--log-file", log_file.string(), "--access-log", access_file.string()});
  ASSERT_EQ(http().get("/healthz?limit=1").status, 200);
  ASSERT_TRUE(wait_for_text(access_file, "/healthz?limit=1"));

  std::filesystem::rename(log_file, folder / "parley.log.1");
  std::filesystem::rename(access_file, folder / "access.log.1");
  server().send_signal(SIGHUP);
  ASSERT_TRUE(wait_for_text(log_file, "log files reopened")) << read_text(folder / "parley.log.1");
  ASSERT_EQ(http().get("/healthz?limit=2").status, 200);
  stop_server();

  const std::string old_log = read_text(folder / "parley.log.1");
  const std::string new_log = read_text(log_file);
  EXPECT_NE(old_log.find("parley listening on"), std::string::npos) << old_log;
  EXPECT_EQ(new_log.find("parley listening on"), std::string::npos) << new_log;
  EXPECT_NE(new_log.find("parley stopped"), std::string::npos) << new_log;
  const std::string old_access = read_text(folder / "access.log.1");
  const std::string new_access = read_text(access_file);
  EXPECT_NE(old_access.find("/healthz?limit=1"), std::string::npos) << old_access;
  EXPECT_EQ(old_access.find("/healthz?limit=2"), std::string::npos) << old_access;
  EXPECT_NE(new_access.find("/healthz?limit=2"), std::string::npos) << new_access;
  EXPECT_EQ(new_access.find("/healthz?limit=1"), std::string::npos) << new_access;
  // Nothing went to stderr but what comes before the log file is open.
  EXPECT_EQ(server().log_text().find("/healthz"), std::string::npos) << server().log_text();
}

TEST_F(LoggingTest, MalformedTrustedProxyRefusesToStart) {
  try {
    start_server({"--trusted-proxy", "10.0.0.0/33"});
    FAIL() << "parley started with a malformed --trusted-proxy";
  } catch (const std::runtime_error& refused) {
    const std::string why = refused.what();
    EXPECT_NE(why.find("(flag --trusted-proxy): 10.0.0.0/33"), std::string::npos) << why;
  }
}

// ---- Trusted proxies ----

HttpResponse post_guest(HttpClient& http, std::string_view name, const HttpHeaders& headers) {
  return http.post_json("/api/guest", json::serialize(json::object{{"name", name}}), headers);
}

HttpHeaders forwarded_for(std::string_view address) {
  return {{"X-Forwarded-For", std::string(address)}};
}

TEST_F(LoggingTest, TrustedProxyNamesTheClientOfPerAddressLimitsAndLogs) {
  start_server({"--trusted-proxy", "127.0.0.0/8", "--guests-per-address", "1", "--log-format",
                "json", "--access-log", "log"});
  EXPECT_EQ(post_guest(http(), "Gina", forwarded_for("203.0.113.7")).status, 200);
  // A forged left part does not make another client.
  EXPECT_EQ(post_guest(http(), "Gus", forwarded_for("198.51.100.9, 203.0.113.7")).status, 429);
  EXPECT_EQ(post_guest(http(), "Gail", forwarded_for("203.0.113.8")).status, 200);
  stop_server();

  const auto http_lines = json_access_lines(server().log_lines(), "http");
  ASSERT_EQ(http_lines.size(), 3u) << server().log_text();
  EXPECT_EQ(http_lines[0].at("client"), "203.0.113.7");
  EXPECT_EQ(http_lines[1].at("client"), "203.0.113.7");
  EXPECT_EQ(http_lines[2].at("client"), "203.0.113.8");
}

TEST_F(LoggingTest, ForwardedForFromAnUntrustedPeerIsIgnored) {
  start_server({"--trusted-proxy", "10.0.0.0/8", "--guests-per-address", "1", "--log-format",
                "json", "--access-log", "log"});
  EXPECT_EQ(post_guest(http(), "Gina", forwarded_for("203.0.113.7")).status, 200);
  // Both come from 127.0.0.1, whatever they say.
  EXPECT_EQ(post_guest(http(), "Gail", forwarded_for("203.0.113.8")).status, 429);
  stop_server();

  for (const json::object& line : json_access_lines(server().log_lines(), "http")) {
    EXPECT_EQ(line.at("client"), "127.0.0.1");
  }
}

TEST_F(LoggingTest, RegistrationLimitCountsTheForwardedClient) {
  start_server({"--trusted-proxy", "127.0.0.1", "--registrations-per-address", "1"});
  const auto register_from = [this](std::string_view name, std::string_view address) {
    return http().post_json("/api/register",
                            json::serialize(json::object{{"name", name}, {"password", kPassword}}),
                            forwarded_for(address));
  };
  EXPECT_EQ(register_from("Rita", "2001:db8::1").status, 201);
  EXPECT_EQ(register_from("Rick", "2001:db8::1").status, 429);
  EXPECT_EQ(register_from("Rosa", "2001:db8::2").status, 201);
}

bool is_secure(const HttpResponse& response) {
  const auto cookie = response.set_cookie(kSessionCookie);
  return cookie && cookie->find("; Secure") != std::string::npos;
}

TEST_F(LoggingTest, TrustedProxySayingHttpsMakesCookiesSecure) {
  start_server({"--trusted-proxy", "127.0.0.1"});
  const HttpHeaders https = {{"X-Forwarded-Proto", "https"}};
  const HttpResponse over_tls = post_guest(http(), "Tess", https);
  ASSERT_EQ(over_tls.status, 200) << over_tls.describe();
  EXPECT_TRUE(is_secure(over_tls)) << over_tls.describe();
  const HttpResponse plain = post_guest(http(), "Tom", {{"X-Forwarded-Proto", "http"}});
  ASSERT_EQ(plain.status, 200) << plain.describe();
  EXPECT_FALSE(is_secure(plain)) << plain.describe();
  const HttpResponse unsaid = post_guest(http(), "Ted", {});
  ASSERT_EQ(unsaid.status, 200) << unsaid.describe();
  EXPECT_FALSE(is_secure(unsaid)) << unsaid.describe();
}

TEST_F(LoggingTest, UntrustedPeerSayingHttpsGetsNoSecureCookie) {
  start_server({"--trusted-proxy", "10.0.0.0/8"});
  const HttpResponse answer = post_guest(http(), "Tess", {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(answer.status, 200) << answer.describe();
  EXPECT_FALSE(is_secure(answer)) << answer.describe();
}

// ---- No secret in any line ----

class SecretFreeLogTest : public LoggingTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(SecretFreeLogTest, NoPasswordTokenCookieOrCsrfTokenAppearsInTheLog) {
  start_server({"--log-format", GetParam(), "--access-log", "log", "--log-level", "debug"});
  const std::string password = "Pw-7f3c1e9a5b";
  std::vector<std::string> secrets = {password};

  const Session alice = register_account("Alice", password);
  const Session again = log_in("Alice", password);
  secrets.insert(secrets.end(), {alice.cookie, alice.csrf_token, again.cookie, again.csrf_token});
  const auto [token, token_id] = create_token(again);
  secrets.push_back(token);

  // Bearer token, cookie, CSRF post, and secrets where a query might carry them.
  ASSERT_EQ(http().get("/api/me", bearer(token)).status, 200);
  ASSERT_EQ(http().get("/api/me", cookie_of(again)).status, 200);
  ASSERT_EQ(post_message("lobby", "hello", "m1", cookie_and_csrf(again)).status, 201);
  http().get("/api/rooms?token=" + token + "&csrf_token=" + again.csrf_token +
             "&password=" + password + "&" + again.cookie);
  http().get("/api/rooms/lobby/messages?after=" + token, bearer(token));
  // A wrong password and a wrong token are secrets too.
  const std::string wrong_password = "Wrong-2d8e4b6f1a";
  const std::string wrong_token = "wrongtoken9c4e7a1b3d5f";
  secrets.insert(secrets.end(), {wrong_password, wrong_token});
  EXPECT_EQ(post_credentials("/api/login", "Alice", wrong_password).status, 401);
  EXPECT_EQ(http().get("/api/me", bearer(wrong_token)).status, 401);
  EXPECT_EQ(upgrade_status("/ws?token=" + wrong_token), 401);

  // The HTML form: password, form cookie and form CSRF token.
  {
    auto browser = new_client();
    const FormVisit visit = visit_form(*browser, "/login");
    secrets.insert(secrets.end(), {visit.cookie, visit.token});
    const HttpResponse form =
        post_form(*browser, "/login", std::string(kFormCookie) + "=" + visit.cookie,
                  {{"name", "Alice"}, {"password", password}, {"csrf_token", visit.token}});
    EXPECT_EQ(form.status, 303) << form.describe();
    if (auto cookie = form.cookie_value(kSessionCookie)) secrets.push_back(*cookie);
  }

  // WebSockets with ?token=, a bearer header and the cookie.
  {
    auto by_query = connect_ws("/ws?token=" + token);
    join_room(*by_query, "lobby");
    by_query->close();
    auto by_header = connect_ws("/ws", bearer(token));
    by_header->close();
    auto by_cookie = connect_ws(again);
    by_cookie->close();
  }
  ASSERT_EQ(http().request("DELETE", "/api/tokens/" + token_id, cookie_and_csrf(again)).status,
            204);
  ASSERT_EQ(http().request("POST", "/api/logout", cookie_and_csrf(again)).status, 204);
  stop_server();

  const std::string log = server().log_text();
  EXPECT_NE(log.find("/ws?token=*"), std::string::npos) << log;  // the lines are there
  for (const std::string& secret : secrets) {
    ASSERT_GE(secret.size(), 8u);
    EXPECT_EQ(log.find(secret), std::string::npos) << "a secret in the log: " << secret << "\n"
                                                   << log;
  }
}

INSTANTIATE_TEST_SUITE_P(BothFormats, SecretFreeLogTest, ::testing::Values("human", "json"));

}  // namespace
}  // namespace parley::test
