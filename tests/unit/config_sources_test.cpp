// Settings from flags, PARLEY_* variables and the --config TOML file: their
// precedence, and the one line that refuses a bad setting, naming where it
// was given.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "app/config.hpp"
#include "app/version.hpp"
#include "parse_settings.hpp"
#include "temp_folder.hpp"

namespace parley::app {
namespace {

class ConfigSources : public ::testing::Test {
 protected:
  // Writes `text` as the TOML file and returns its path.
  std::string file(const std::string& text) {
    const std::string path = (folder_.path / "parley.toml").string();
    std::ofstream(path) << text;
    return path;
  }

  // Expects a refusal: exit 2, one line on stderr holding each of `parts`.
  static void expect_refused(const Parsed& parsed, const std::vector<std::string>& parts) {
    EXPECT_FALSE(parsed.config);
    EXPECT_EQ(parsed.exit_code, 2);
    EXPECT_EQ(std::count(parsed.err.begin(), parsed.err.end(), '\n'), 1) << parsed.err;
    for (const std::string& part : parts) {
      EXPECT_NE(parsed.err.find(part), std::string::npos) << part << " not in: " << parsed.err;
    }
  }

  tests::TempFolder folder_;
};

TEST_F(ConfigSources, AFlagWinsOverTheEnvironmentWhichWinsOverTheFile) {
  const std::string path = file("port = 1111\nhost = \"127.0.0.2\"\n");
  const Environment environment{{"PARLEY_PORT", "2222"}};

  const Parsed all = parse({"--config", path, "--port", "3333"}, environment);
  ASSERT_TRUE(all.config) << all.err;
  EXPECT_EQ(all.config->port, 3333);
  EXPECT_EQ(all.config->host, "127.0.0.2");

  const Parsed no_flag = parse({"--config", path}, environment);
  ASSERT_TRUE(no_flag.config) << no_flag.err;
  EXPECT_EQ(no_flag.config->port, 2222);

  const Parsed file_only = parse({"--config", path});
  ASSERT_TRUE(file_only.config) << file_only.err;
  EXPECT_EQ(file_only.config->port, 1111);

  const Parsed defaults = parse({});
  ASSERT_TRUE(defaults.config);
  EXPECT_EQ(defaults.config->port, 8000);
  EXPECT_EQ(defaults.config->host, "127.0.0.1");
}

TEST_F(ConfigSources, TheFileMayBeNamedByTheEnvironment) {
  const std::string path = file("data-dir = \"/srv/parley\"\n");
  const Parsed parsed = parse({}, {{"PARLEY_CONFIG", path}});
  ASSERT_TRUE(parsed.config) << parsed.err;
  EXPECT_EQ(parsed.config->data_dir, "/srv/parley");
}

TEST_F(ConfigSources, SwitchesAndListsAreTakenFromEveryPlace) {
  const Parsed from_environment =
      parse({}, {{"PARLEY_NO_GUESTS", "true"},
                 {"PARLEY_ALLOWED_ORIGIN", "https://a.example, https://b.example"}});
  ASSERT_TRUE(from_environment.config) << from_environment.err;
  EXPECT_FALSE(from_environment.config->identity.allow_guests);
  EXPECT_EQ(from_environment.config->identity.allowed_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));

  const std::string path =
      file("no-guests = true\nallowed-origin = [\"https://c.example\", \"https://d.example\"]\n");
  const Parsed from_file = parse({"--config", path});
  ASSERT_TRUE(from_file.config) << from_file.err;
  EXPECT_FALSE(from_file.config->identity.allow_guests);
  EXPECT_EQ(from_file.config->identity.allowed_origins,
            (std::vector<std::string>{"https://c.example", "https://d.example"}));

  // A list given by a flag replaces the file's, it is not added to it.
  const Parsed flag_over_file = parse({"--config", path, "--allowed-origin", "https://e.example"});
  ASSERT_TRUE(flag_over_file.config) << flag_over_file.err;
  EXPECT_EQ(flag_over_file.config->identity.allowed_origins,
            (std::vector<std::string>{"https://e.example"}));

  const Parsed switched_off = parse({"--config", file("no-guests = false\n")});
  ASSERT_TRUE(switched_off.config) << switched_off.err;
  EXPECT_TRUE(switched_off.config->identity.allow_guests);
}

TEST_F(ConfigSources, TheOlderVariableNamesStillWorkAndTheNewOnesWin) {
  const Parsed old_name = parse({}, {{"PARLEY_DATABASE_URL", "postgresql://a@127.0.0.1/a"}});
  ASSERT_TRUE(old_name.config);
  EXPECT_EQ(old_name.config->database_url, "postgresql://a@127.0.0.1/a");
  const Parsed both = parse({}, {{"PARLEY_DATABASE_URL", "postgresql://a@127.0.0.1/a"},
                                 {"PARLEY_DATABASE", "postgresql://b@127.0.0.1/b"}});
  ASSERT_TRUE(both.config);
  EXPECT_EQ(both.config->database_url, "postgresql://b@127.0.0.1/b");
  const Parsed redis = parse({}, {{"PARLEY_REDIS_URL", "redis://127.0.0.1:6390"}});
  ASSERT_TRUE(redis.config) << redis.err;
  ASSERT_TRUE(redis.config->redis);
  EXPECT_EQ(redis.config->redis->port, 6390);
}

TEST_F(ConfigSources, StoreAndDatabaseInTheSamePlaceContradictEachOther) {
  const std::string path = file("store = \"memory\"\ndatabase = \"postgresql://a@127.0.0.1/a\"\n");
  expect_refused(parse({"--config", path}), {"database", path});
  // In different places the stronger one wins.
  const Parsed flag_wins = parse({"--config", path, "--store", "sqlite"});
  ASSERT_TRUE(flag_wins.config) << flag_wins.err;
  EXPECT_EQ(flag_wins.config->store, StoreKind::sqlite);
  const Parsed environment_wins = parse({"--config", file("store = \"memory\"\n")},
                                        {{"PARLEY_DATABASE", "postgresql://a@h/a"}});
  ASSERT_TRUE(environment_wins.config) << environment_wins.err;
  EXPECT_EQ(environment_wins.config->store, StoreKind::postgres);
}

TEST_F(ConfigSources, AValueThatIsNotANumberIsRefusedNamingWhereItWasGiven) {
  expect_refused(parse({"--port", "eighty"}), {"port", "flag --port"});
  expect_refused(parse({}, {{"PARLEY_PORT", "eighty"}}), {"port", "PARLEY_PORT"});
  const std::string path = file("port = \"eighty\"\n");
  expect_refused(parse({"--config", path}), {"port", path});
}

TEST_F(ConfigSources, AValueOutOfItsRangeIsRefusedNamingWhereItWasGiven) {
  expect_refused(parse({"--port", "70000"}), {"port", "flag --port", "0-65535"});
  expect_refused(parse({}, {{"PARLEY_MAX_BATCH", "0"}}), {"max-batch", "PARLEY_MAX_BATCH"});
  const std::string path = file("log-level = \"loud\"\n");
  expect_refused(parse({"--config", path}), {"log-level", path, "debug, info, warn or error"});
  expect_refused(parse({"--close-timeout", "9"}), {"close-timeout", "shutdown-timeout"});
}

TEST_F(ConfigSources, ANegativeCountIsRefusedRatherThanWrappedRound) {
  expect_refused(parse({}, {{"PARLEY_MAX_CONNECTIONS", "-1"}}),
                 {"max-connections", "PARLEY_MAX_CONNECTIONS", "negative"});
  expect_refused(parse({"--config", file("max-batch = -5\n")}), {"max-batch", "negative"});
}

TEST_F(ConfigSources, AnUnknownKeyOfTheFileIsRefused) {
  const std::string path = file("prot = 8000\n");
  expect_refused(parse({"--config", path}), {"unknown setting prot", path});
}

TEST_F(ConfigSources, AFileThatIsNotTomlIsRefusedWithItsLine) {
  const std::string path = file("port = 8000\nhost = \n");
  expect_refused(parse({"--config", path}), {path, "line 2"});
}

TEST_F(ConfigSources, AMissingFileIsRefused) {
  const std::string path = (folder_.path / "absent.toml").string();
  expect_refused(parse({"--config", path}), {path});
}

TEST_F(ConfigSources, ValuesOfTheWrongTomlTypeAreRefused) {
  expect_refused(parse({"--config", file("port = 80.5\n")}), {"port", "integer"});
  expect_refused(parse({"--config", file("[port]\nvalue = 1\n")}), {"port"});
  expect_refused(parse({"--config", file("port = [1, 2]\n")}), {"port"});
}

TEST_F(ConfigSources, TheFileCannotNameAnotherFileNorAskForHelp) {
  expect_refused(parse({"--config", file("config = \"/etc/other.toml\"\n")}), {"config"});
  expect_refused(parse({"--config", file("help = true\n")}), {"help"});
}

TEST_F(ConfigSources, AnUnknownFlagIsRefused) {
  const Parsed parsed = parse({"--prot", "8000"});
  EXPECT_FALSE(parsed.config);
  EXPECT_EQ(parsed.exit_code, 2);
  EXPECT_NE(parsed.err.find("prot"), std::string::npos) << parsed.err;
}

TEST_F(ConfigSources, VersionPrintsOneLineWithTheVersion) {
  const Parsed parsed = parse({"--version"});
  EXPECT_FALSE(parsed.config);
  EXPECT_EQ(parsed.exit_code, 0);
  EXPECT_EQ(parsed.out, "parley " + std::string(version) + "\n");
}

TEST_F(ConfigSources, HelpExplainsTheThreePlaces) {
  const Parsed parsed = parse({"--help"});
  EXPECT_EQ(parsed.exit_code, 0);
  EXPECT_NE(parsed.out.find("PARLEY_SOME_SETTING"), std::string::npos);
  EXPECT_NE(parsed.out.find("--config"), std::string::npos);
}

TEST(ConfigurationDocument, NamesEverySettingOfTheHelp) {
  const Parsed help = parse({"--help"});
  std::ifstream file(std::string(PARLEY_TEST_DATA_DIR) + "/../../docs/configuration.md");
  ASSERT_TRUE(file) << "docs/configuration.md is missing";
  std::stringstream document;
  document << file.rdbuf();
  std::istringstream lines(help.out);
  int settings = 0;
  for (std::string line; std::getline(lines, line);) {
    // "  --max-batch arg (=1024)   ...": the setting's flag opens the line.
    if (!line.starts_with("  --")) continue;
    const std::string flag = line.substr(2, line.find(' ', 2) - 2);
    ++settings;
    EXPECT_NE(document.str().find("`" + flag + "`"), std::string::npos)
        << flag << " is not in docs/configuration.md";
  }
  EXPECT_GT(settings, 40);
}

TEST(EnvironmentName, IsTheFlagInCapitalsWithUnderscores) {
  EXPECT_EQ(environment_name("data-dir"), "PARLEY_DATA_DIR");
  EXPECT_EQ(environment_name("max-connections-per-address"), "PARLEY_MAX_CONNECTIONS_PER_ADDRESS");
}

}  // namespace
}  // namespace parley::app
