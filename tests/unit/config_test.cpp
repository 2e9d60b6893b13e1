#include "app/config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "parse_settings.hpp"

namespace parley::app {
namespace {

// With PARLEY_DATABASE_URL set to `database_url`.
Parsed parse_with_environment(std::vector<std::string> arguments, const char* database_url) {
  return parse(std::move(arguments), {{"PARLEY_DATABASE_URL", database_url}});
}

TEST(Config, TheCommitWindowIsOneMillisecondByDefault) {
  const Parsed parsed = parse({});
  ASSERT_TRUE(parsed.config);
  EXPECT_EQ(parsed.config->store_worker.commit_window, std::chrono::microseconds(1000));
}

TEST(Config, TheCommitWindowIsSetInMicrosecondsAndZeroTurnsItOff) {
  const Parsed off = parse({"--commit-window-us", "0"});
  ASSERT_TRUE(off.config);
  EXPECT_EQ(off.config->store_worker.commit_window.count(), 0);
  const Parsed longest = parse({"--commit-window-us", "100000"});
  ASSERT_TRUE(longest.config);
  EXPECT_EQ(longest.config->store_worker.commit_window, std::chrono::milliseconds(100));
}

TEST(Config, ACommitWindowOutOfRangeIsRefused) {
  for (const char* value : {"-1", "100001"}) {
    const Parsed parsed = parse({"--commit-window-us", value});
    EXPECT_FALSE(parsed.config) << value;
    EXPECT_EQ(parsed.exit_code, 2) << value;
  }
}

TEST(Config, SocketsCheckTheirSessionEveryThirtySecondsAndAtMostEverySecond) {
  const Parsed defaults = parse({});
  ASSERT_TRUE(defaults.config);
  EXPECT_EQ(defaults.config->identity.session_check, std::chrono::seconds(30));
  const Parsed fastest = parse({"--session-check-seconds", "1"});
  ASSERT_TRUE(fastest.config);
  EXPECT_EQ(fastest.config->identity.session_check, std::chrono::seconds(1));
  const Parsed zero = parse({"--session-check-seconds", "0"});
  EXPECT_FALSE(zero.config);
  EXPECT_EQ(zero.exit_code, 2);
}

TEST(Config, ConnectionLimitsDefaultToTheFileLimitAndTenThousandPerAddress) {
  const Parsed defaults = parse({});
  ASSERT_TRUE(defaults.config);
  EXPECT_EQ(defaults.config->transport.max_connections, 0u) << "0: from the open-files limit";
  EXPECT_EQ(defaults.config->transport.max_connections_per_address, 10000u);

  const Parsed set = parse({"--max-connections", "500", "--max-connections-per-address", "0"});
  ASSERT_TRUE(set.config);
  EXPECT_EQ(set.config->transport.max_connections, 500u);
  EXPECT_EQ(set.config->transport.max_connections_per_address, 0u);
}

TEST(Config, ThePasswordQueueHoldsSixteenJobsPerThreadByDefault) {
  const Parsed one = parse({});
  ASSERT_TRUE(one.config);
  EXPECT_EQ(one.config->max_password_jobs, 16u);
  const Parsed four = parse({"--password-threads", "4"});
  ASSERT_TRUE(four.config);
  EXPECT_EQ(four.config->max_password_jobs, 64u);
  const Parsed set = parse({"--password-threads", "4", "--max-password-jobs", "5"});
  ASSERT_TRUE(set.config);
  EXPECT_EQ(set.config->max_password_jobs, 5u);
  EXPECT_FALSE(parse({"--max-password-jobs", "0"}).config);
}

TEST(Config, RegistrationsHaveAThousandPerAddressAndHourByDefault) {
  const Parsed defaults = parse({});
  ASSERT_TRUE(defaults.config);
  EXPECT_EQ(defaults.config->identity.registrations_per_address, 1000u);
  const Parsed set = parse({"--registrations-per-address", "7"});
  ASSERT_TRUE(set.config);
  EXPECT_EQ(set.config->identity.registrations_per_address, 7u);
}

TEST(Config, AnAccountHoldsAHundredTokensByDefault) {
  const Parsed defaults = parse({});
  ASSERT_TRUE(defaults.config);
  EXPECT_EQ(defaults.config->identity.max_tokens_per_user, 100u);
  const Parsed off = parse({"--max-tokens-per-user", "0"});
  ASSERT_TRUE(off.config);
  EXPECT_EQ(off.config->identity.max_tokens_per_user, 0u);
}

TEST(Config, WithoutADatabaseUrlTheStoreIsTheSqliteFileInTheDataFolder) {
  const Parsed parsed = parse({});
  ASSERT_TRUE(parsed.config);
  EXPECT_EQ(parsed.config->store, StoreKind::sqlite);
  EXPECT_TRUE(parsed.config->database_url.empty());
}

TEST(Config, ADatabaseUrlChoosesPostgresql) {
  for (const char* url : {"postgresql://parley@127.0.0.1:5432/chat", "postgres://db/chat"}) {
    const Parsed parsed = parse({"--database", url});
    ASSERT_TRUE(parsed.config) << url;
    EXPECT_EQ(parsed.config->store, StoreKind::postgres);
    EXPECT_EQ(parsed.config->database_url, url);
  }
}

TEST(Config, TheEnvironmentsDatabaseUrlChoosesPostgresqlAndTheFlagWins) {
  const Parsed from_environment =
      parse_with_environment({}, "postgresql://127.0.0.1/from_environment");
  ASSERT_TRUE(from_environment.config);
  EXPECT_EQ(from_environment.config->store, StoreKind::postgres);
  EXPECT_EQ(from_environment.config->database_url, "postgresql://127.0.0.1/from_environment");

  const Parsed flag_wins =
      parse_with_environment({"--database", "postgresql://127.0.0.1/from_flag"},
                             "postgresql://127.0.0.1/from_environment");
  ASSERT_TRUE(flag_wins.config);
  EXPECT_EQ(flag_wins.config->database_url, "postgresql://127.0.0.1/from_flag");

  const Parsed empty = parse_with_environment({}, "");
  ASSERT_TRUE(empty.config);
  EXPECT_EQ(empty.config->store, StoreKind::sqlite) << "an empty variable counts as unset";
}

TEST(Config, AnExplicitStoreWinsOverTheEnvironmentButContradictsTheFlag) {
  const Parsed memory =
      parse_with_environment({"--store", "memory"}, "postgresql://127.0.0.1/chat");
  ASSERT_TRUE(memory.config);
  EXPECT_EQ(memory.config->store, StoreKind::memory);

  const Parsed both = parse({"--store", "memory", "--database", "postgresql://h/db"});
  EXPECT_FALSE(both.config);
  EXPECT_EQ(both.exit_code, 2);
}

TEST(Config, ADatabaseUrlThatIsNotPostgresqlIsRefused) {
  for (const char* url : {"", "mysql://127.0.0.1/chat", "postgresql://", "127.0.0.1:5432"}) {
    const Parsed parsed = parse({"--database", url});
    EXPECT_FALSE(parsed.config) << url;
    EXPECT_EQ(parsed.exit_code, 2) << url;
  }
  const Parsed from_environment = parse_with_environment({}, "sqlite:///var/db");
  EXPECT_FALSE(from_environment.config);
  EXPECT_EQ(from_environment.exit_code, 2);
}

}  // namespace
}  // namespace parley::app
