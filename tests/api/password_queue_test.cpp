// The password queue under attack: bounded (429 at once past it, counted as
// no failure), dropping the work of clients that hung up, and per-address
// limits that leave the clients of one proxy able to register and log in.
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
};

TEST_F(PasswordQueueTest, LoginsOfClientsThatHungUpAreDroppedNotHashed) {
  start_server({"--password-threads", "1", "--max-password-jobs", "64"});
  register_account("Alice");
  const auto before = metrics();
  // Each hash takes tens of milliseconds on one thread; the hang-ups are
  // seen within a second or so, well before 40 hashes are done.
  constexpr int kJunk = 40;
  for (int i = 0; i < kJunk; ++i) {
    auto client = new_client();
    ASSERT_TRUE(client->send_request("POST", "/api/login", {{"Content-Type", "application/json"}},
                                     login_body("nobody" + std::to_string(i), "guess")));
    client->close();
  }
  double hashed = 0;
  double dropped = 0;
  for (int attempt = 0; attempt < 600; ++attempt) {
    const auto now = metrics();
    hashed = now.at("parley_password_hashes_total") - before.at("parley_password_hashes_total");
    dropped = now.at("parley_password_jobs_dropped_total") -
              before.at("parley_password_jobs_dropped_total");
    if (hashed + dropped >= kJunk && now.at("parley_password_jobs") == 0) break;
    std::this_thread::sleep_for(100ms);
  }
  RecordProperty("hashed", static_cast<int>(hashed));
  RecordProperty("dropped", static_cast<int>(dropped));
  EXPECT_EQ(hashed + dropped, kJunk) << hashed << " hashed, " << dropped << " dropped";
  EXPECT_GT(dropped, 0) << "every login of a client that had gone was hashed";
  EXPECT_EQ(metrics().at("parley_password_jobs_refused_total"), 0);
  EXPECT_EQ(log_in("Alice").user, "Alice");
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
