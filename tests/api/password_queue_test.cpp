// The password queue under attack: bounded (429 at once past it, counted as
// no failure), dropping the work of clients that hung up, and per-address
// limits that leave the clients of one proxy able to register and log in.
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "api/api_test.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

class PasswordQueueTest : public ApiTest {
 protected:
  // The counters and gauges of /metrics, by name.
  std::map<std::string, double> metrics() {
    std::map<std::string, double> values;
    std::istringstream text(http().get("/metrics").body);
    std::string line;
    while (std::getline(text, line)) {
      if (line.empty() || line[0] == '#') continue;
      const auto space = line.find(' ');
      if (space != std::string::npos) values[line.substr(0, space)] = std::stod(line.substr(space));
    }
    return values;
  }
  // The body of a login for `name` with `password`.
  static std::string login_body(std::string_view name, std::string_view password) {
    return R"({"name":")" + std::string(name) + R"(","password":")" + std::string(password) +
           R"("})";
  }
  struct Outcome {
    double hashed = 0;
    double dropped = 0;
  };
  // POSTs `count` bodies (`body_of(i)`) to `path`, each from a client that
  // hangs up at once, and waits until each was hashed or dropped.
  Outcome send_and_hang_up(int count, std::string_view path, const HttpHeaders& headers,
                           const std::function<std::string(int)>& body_of) {
    const auto before = metrics();
    for (int i = 0; i < count; ++i) {
      auto client = new_client();
      EXPECT_TRUE(client->send_request("POST", path, headers, body_of(i)));
      client->close();
    }
    Outcome outcome;
    for (int attempt = 0; attempt < 600; ++attempt) {
      const auto now = metrics();
      outcome.hashed =
          now.at("parley_password_hashes_total") - before.at("parley_password_hashes_total");
      outcome.dropped = now.at("parley_password_jobs_dropped_total") -
                        before.at("parley_password_jobs_dropped_total");
      if (outcome.hashed + outcome.dropped >= count && now.at("parley_password_jobs") == 0) break;
      std::this_thread::sleep_for(100ms);
    }
    RecordProperty("hashed", static_cast<int>(outcome.hashed));
    RecordProperty("dropped", static_cast<int>(outcome.dropped));
    return outcome;
  }
};

// Each hash takes tens of milliseconds on one thread (more on a loaded
// machine); the hang-ups are seen within a second or so, well before 40
// hashes are done, so most of them are dropped.
constexpr int kJunk = 40;

TEST_F(PasswordQueueTest, LoginsOfClientsThatHungUpAreDroppedNotHashed) {
  start_server({"--password-threads", "1", "--max-password-jobs", "64"});
  register_account("Alice");
  const Outcome outcome =
      send_and_hang_up(kJunk, "/api/login", {{"Content-Type", "application/json"}},
                       [](int i) { return login_body("nobody" + std::to_string(i), "guess"); });
  EXPECT_EQ(outcome.hashed + outcome.dropped, kJunk)
      << outcome.hashed << " hashed, " << outcome.dropped << " dropped";
  EXPECT_GT(outcome.dropped, 0) << "every login of a client that had gone was hashed";
  EXPECT_EQ(metrics().at("parley_password_jobs_refused_total"), 0);
  EXPECT_EQ(log_in("Alice").user, "Alice");
}

TEST_F(PasswordQueueTest, FormLoginsOfClientsThatHungUpAreDroppedToo) {
  start_server({"--password-threads", "1", "--max-password-jobs", "64"});
  register_account("Alice");
  const FormVisit visit = visit_form(http(), "/login");
  const Outcome outcome =
      send_and_hang_up(kJunk, "/login",
                       {{"Content-Type", "application/x-www-form-urlencoded"},
                        {"Cookie", std::string(kFormCookie) + "=" + visit.cookie}},
                       [&](int i) {
                         return form_body({{"name", "nobody" + std::to_string(i)},
                                           {"password", "guess"},
                                           {"csrf_token", visit.token}});
                       });
  EXPECT_EQ(outcome.hashed + outcome.dropped, kJunk)
      << outcome.hashed << " hashed, " << outcome.dropped << " dropped";
  EXPECT_GT(outcome.dropped, 0) << "every login of a client that had gone was hashed";
  EXPECT_EQ(form_login(http(), "Alice", kPassword).status, 303);
}

TEST_F(PasswordQueueTest, PastTheBoundLoginsAre429AtOnceAndNotCountedAsFailures) {
  start_server({"--password-threads", "1", "--max-password-jobs", "1"});
  register_account("Alice");
  // Wrong guesses for one account, sent together: the first takes the only
  // place, most of the others find the queue full.
  constexpr int kAttempts = 24;
  std::vector<std::unique_ptr<HttpClient>> attempts;
  for (int i = 0; i < kAttempts; ++i) {
    attempts.push_back(new_client());
    ASSERT_TRUE(attempts.back()->send_request("POST", "/api/login",
                                              {{"Content-Type", "application/json"}},
                                              login_body("Alice", "wrong password")));
  }
  int wrong = 0;
  int refused = 0;
  for (auto& attempt : attempts) {
    const auto answer = attempt->read_response(60s);
    ASSERT_TRUE(answer);
    if (answer->status == 401) ++wrong;
    if (answer->status == 429) {
      ++refused;
      EXPECT_EQ(error_code_of(*answer), "rate_limited") << answer->describe();
      EXPECT_EQ(answer->header("Retry-After").value_or(""), "1") << answer->describe();
    }
  }
  EXPECT_EQ(wrong + refused, kAttempts);
  EXPECT_GE(refused, kAttempts - 9) << "the bound of one kept out few of them";
  EXPECT_EQ(metrics().at("parley_password_jobs_refused_total"), refused);
  // Fewer than 10 were guesses: the account is not locked, and its owner
  // gets in (a refused attempt counted as a failure would have locked it).
  EXPECT_EQ(log_in("Alice").user, "Alice");
}

TEST_F(PasswordQueueTest, FailedLoginsFromOneAddressDoNotStopRegistering) {
  // Behind a proxy every client has the proxy's address.
  start_server({"--login-failures-per-address", "3"});
  for (int i = 0; i < 3; ++i) {
    const HttpResponse failed =
        post_credentials("/api/login", "nobody" + std::to_string(i), kPassword);
    EXPECT_EQ(failed.status, 401) << failed.describe();
  }
  const HttpResponse limited = post_credentials("/api/login", "nobody", kPassword);
  EXPECT_EQ(limited.status, 429) << limited.describe();
  EXPECT_EQ(register_account("Newcomer").user, "Newcomer");
}

TEST_F(PasswordQueueTest, RegistrationsPastTheirLimitAre429WhileLoginsStillWork) {
  start_server({"--registrations-per-address", "3", "--login-failures-per-address", "3"});
  for (std::string_view name : {"Alice", "Bob", "Carol"}) register_account(name);
  const HttpResponse limited = post_credentials("/api/register", "Dave", kPassword);
  ASSERT_EQ(limited.status, 429) << limited.describe();
  EXPECT_EQ(error_code_of(limited), "rate_limited") << limited.describe();
  EXPECT_TRUE(limited.header("Retry-After")) << limited.describe();
  EXPECT_EQ(log_in("Alice").user, "Alice");
  EXPECT_EQ(log_in("Bob").user, "Bob");
}

}  // namespace
}  // namespace parley::test
