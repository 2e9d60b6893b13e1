// parley admin, the real binary, against the database of a running server
// (SQLite in its data folder; in a PostgreSQL run, the server's database):
// docs/operations.md, "Administration".
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/api_test.hpp"
#include "api/events_api.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;

struct AdminRun {
  int exit_code = -1;
  std::string out = {};
  std::string err = {};
};

std::string read_all(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Runs `parley admin ARGS` with `input` on its standard input.
AdminRun run_admin(const std::vector<std::string>& arguments, const std::string& input = "") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("parley-admin-run-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "in") << input;
  const std::string binary = parley_binary_path();
  std::vector<std::string> words = {binary, "admin"};
  words.insert(words.end(), arguments.begin(), arguments.end());
  const pid_t child = ::fork();
  if (child == 0) {
    const int in = ::open((dir / "in").c_str(), O_RDONLY);
    const int out = ::open((dir / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open((dir / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, 0), ::dup2(out, 1), ::dup2(err, 2);
    std::vector<char*> argv;
    for (std::string& word : words) argv.push_back(word.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  AdminRun run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_all(dir / "out"),
               read_all(dir / "err")};
  std::filesystem::remove_all(dir);
  return run;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

class AdminTest : public ApiTest {
 protected:
  // A server on SQLite (a PostgreSQL run gives it a database instead).
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--store", "sqlite"});
  }

  // The global option that names the server's database.
  std::vector<std::string> where() const {
    if (auto url = server_->database_url()) return {"--database", *url};
    return {"--data-dir", server_->data_dir().string()};
  }
  AdminRun admin(std::vector<std::string> arguments, const std::string& input = "") {
    for (std::string& option : where()) arguments.push_back(std::move(option));
    return run_admin(arguments, input);
  }
  bool is_postgres() const { return server_->database_url().has_value(); }
};

TEST_F(AdminTest, EveryCommandHasHelpAndTheListNamesThemAll) {
  const AdminRun list = run_admin({"--help"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"user", "create"},
                                             {"user", "delete"},
                                             {"user", "password"},
                                             {"user", "admin"},
                                             {"rooms"},
                                             {"message", "delete"},
                                             {"export"},
                                             {"import"},
                                             {"room", "delete"},
                                             {"backup"}}) {
    std::string words;
    for (const std::string& word : command) words.append(words.empty() ? "" : " ").append(word);
    EXPECT_NE(list.out.find(words), std::string::npos) << words;
    std::vector<std::string> arguments = command;
    arguments.push_back("--help");
    const AdminRun help = run_admin(arguments);
    EXPECT_EQ(help.exit_code, 0) << words << ": " << help.err;
    EXPECT_NE(help.out.find("Usage: parley admin " + words), std::string::npos) << help.out;
  }
  const AdminRun group = run_admin({"user", "--help"});
  EXPECT_EQ(group.exit_code, 0);
  EXPECT_NE(group.out.find("user password"), std::string::npos);
}

TEST_F(AdminTest, BadArgumentsAreUsageErrors) {
  for (const std::vector<std::string>& arguments :
       std::vector<std::vector<std::string>>{{},
                                             {"frobnicate"},
                                             {"user"},
                                             {"user", "create"},
                                             {"user", "create", "a", "b"},
                                             {"user", "delete", "no spaces allowed"},
                                             {"user", "admin", "alice", "--of"},
                                             {"message", "delete", "lobby", "x1"},
                                             {"message", "delete", "lobby", "0"},
                                             {"rooms", "--data-dir"},
                                             {"rooms", "--database", "mysql://nowhere"}}) {
    const AdminRun run = run_admin(arguments);
    std::string words;
    for (const std::string& word : arguments) words.append(" ").append(word);
    EXPECT_EQ(run.exit_code, 2) << "parley admin" << words << ": " << run.err;
    EXPECT_NE(run.err.find("parley admin"), std::string::npos) << run.err;
  }
}

TEST_F(AdminTest, AnUnknownUserFailsWithOneLineNamingIt) {
  for (const std::string command : {"delete", "admin"}) {
    const AdminRun run = admin({"user", command, "bob"});
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(run.err, "parley admin: no user \"bob\"\n");
  }
  const AdminRun password = admin({"user", "password", "bob"}, "a new password\n");
  EXPECT_EQ(password.exit_code, 1);
  EXPECT_EQ(password.err, "parley admin: no user \"bob\"\n");
  const AdminRun room = admin({"room", "delete", "nowhere"});
  EXPECT_EQ(room.exit_code, 1);
  EXPECT_EQ(room.err, "parley admin: no room \"nowhere\"\n");
}

TEST_F(AdminTest, AUserCreatedByTheAdminLogsInToTheRunningServer) {
  const AdminRun created = admin({"user", "create", "alice"}, "a fine password\n");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, "created user alice\n");
  const Session session = log_in("alice", "a fine password");
  EXPECT_EQ(session.user, "alice");

  const AdminRun again = admin({"user", "create", "ALICE"}, "a fine password\n");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "parley admin: user \"alice\" exists\n");
  const AdminRun short_password = admin({"user", "create", "bob"}, "short\n");
  EXPECT_EQ(short_password.exit_code, 1);
  EXPECT_EQ(short_password.err, "parley admin: a password has 8 to 1024 bytes\n");
  const AdminRun no_password = admin({"user", "create", "bob"}, "");
  EXPECT_EQ(no_password.exit_code, 1);
}

TEST_F(AdminTest, ANewPasswordReplacesTheOldOneAndEndsTheSessions) {
  const Session before = register_account("alice", "the old password");
  const AdminRun changed = admin({"user", "password", "alice"}, "the new password\r\n");
  ASSERT_EQ(changed.exit_code, 0) << changed.err;

  EXPECT_EQ(post_credentials("/api/login", "alice", "the old password").status, 401);
  EXPECT_EQ(log_in("alice", "the new password").user, "alice");
}

TEST_F(AdminTest, ADeletedUserCannotLogInAndItsNameMayBeRegisteredAgain) {
  register_account("alice");
  const std::uint64_t seq =
      post_new_message("lobby", "hello", "m1", cookie_and_csrf(log_in("alice")));
  ASSERT_EQ(seq, 1u);
  const AdminRun deleted = admin({"user", "delete", "alice"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;

  EXPECT_EQ(post_credentials("/api/login", "alice", kPassword).status, 401);
  const Session again = register_account("alice");
  const json::value page = read_messages("lobby", "", cookie_and_csrf(again));
  ASSERT_EQ(messages_of(page).size(), 1u);
  EXPECT_EQ(text_field(messages_of(page)[0], "text"), "hello");
}

TEST_F(AdminTest, AMessageDeletedByTheAdminShowsDeletedAndTheRoomGoesOn) {
  const Session alice = register_account("alice");
  const HttpHeaders as_alice = cookie_and_csrf(alice);
  ASSERT_EQ(post_new_message("lobby", "keep me", "m1", as_alice), 1u);
  ASSERT_EQ(post_new_message("lobby", "delete me", "m2", as_alice), 2u);

  const AdminRun deleted = admin({"message", "delete", "lobby", "2"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  const json::value page = read_messages("lobby", "", as_alice);
  ASSERT_EQ(messages_of(page).size(), 2u) << json::serialize(page);
  EXPECT_EQ(text_field(messages_of(page)[0], "text"), "keep me");
  EXPECT_TRUE(messages_of(page)[1].as_object().at("deleted").as_bool()) << json::serialize(page);

  // The server writes on after the delete's seq (3), not over it.
  EXPECT_EQ(post_new_message("lobby", "after", "m3", as_alice), 4u);
  const AdminRun twice = admin({"message", "delete", "lobby", "9"});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_EQ(twice.err, "parley admin: no message 9 in room \"lobby\" (or it is deleted already)\n");
}

TEST_F(AdminTest, AServerAdminMayDeleteAnotherUsersMessage) {
  const HttpHeaders alice = cookie_and_csrf(register_account("alice"));
  const HttpHeaders bob = cookie_and_csrf(register_account("bob"));
  ASSERT_EQ(post_new_message("lobby", "hello", "m1", alice), 1u);
  ASSERT_EQ(http()
                .post_json("/api/rooms/lobby/events", json::serialize(delete_body(1, "d1")), bob)
                .status,
            403);

  ASSERT_EQ(admin({"user", "admin", "bob"}).exit_code, 0);
  const HttpResponse deleted =
      http().post_json("/api/rooms/lobby/events", json::serialize(delete_body(1, "d2")), bob);
  EXPECT_EQ(deleted.status, 201) << deleted.describe();

  ASSERT_EQ(post_new_message("lobby", "again", "m2", alice), 3u);
  ASSERT_EQ(admin({"user", "admin", "bob", "--off"}).exit_code, 0);
  EXPECT_EQ(http()
                .post_json("/api/rooms/lobby/events", json::serialize(delete_body(3, "d3")), bob)
                .status,
            403);
}

TEST_F(AdminTest, RoomsListsEveryRoomWithItsMessagesAndLastActivity) {
  const HttpHeaders alice = cookie_and_csrf(register_account("alice"));
  post_new_message("lobby", "one", "m1", alice);
  post_new_message("lobby", "two", "m2", alice);
  post_new_message("attic", "three", "m3", alice);

  const AdminRun rooms = admin({"rooms"});
  ASSERT_EQ(rooms.exit_code, 0) << rooms.err;
  const std::vector<std::string> lines = lines_of(rooms.out);
  ASSERT_EQ(lines.size(), 2u) << rooms.out;
  EXPECT_TRUE(lines[0].starts_with("attic\t1\t20")) << lines[0];
  EXPECT_TRUE(lines[1].starts_with("lobby\t2\t20")) << lines[1];
  EXPECT_TRUE(lines[1].ends_with("Z\tpublic")) << lines[1];
}

TEST_F(AdminTest, ADeletedRoomLosesItsHistory) {
  const HttpHeaders alice = cookie_and_csrf(register_account("alice"));
  post_new_message("attic", "one", "m1", alice);
  post_new_message("lobby", "stays", "m1", alice);
  const AdminRun deleted = admin({"room", "delete", "attic"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;

  const std::vector<std::string> lines = lines_of(admin({"rooms"}).out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with("lobby\t1\t"));
}

TEST_F(AdminTest, AnExportImportedIntoAnEmptyDatabaseExportsTheSameHistory) {
  const HttpHeaders alice = cookie_and_csrf(register_account("alice"));
  ASSERT_EQ(post_new_message("lobby", "one", "m1", alice), 1u);
  ASSERT_EQ(post_new_message("lobby", "two \u00e9\U0001F600", "m2", alice), 2u);
  ASSERT_EQ(post_new_message("attic", "three", "m3", alice), 1u);
  ASSERT_EQ(admin({"message", "delete", "lobby", "1"}).exit_code, 0);

  const AdminRun exported = admin({"export"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const std::vector<std::string> lines = lines_of(exported.out);
  ASSERT_GE(lines.size(), 7u) << exported.out;  // header, 2 rooms, 4 events, end
  EXPECT_EQ(lines.front(), R"({"parley_export":1})");

  // Into a data folder with no database yet (SQLite, whatever the source).
  const std::filesystem::path fresh = std::filesystem::temp_directory_path() /
                                      ("parley-admin-import-" + std::to_string(::getpid()));
  std::filesystem::remove_all(fresh);
  const std::vector<std::string> into = {"--data-dir", fresh.string()};
  const auto with_fresh = [&into](std::vector<std::string> arguments) {
    arguments.insert(arguments.end(), into.begin(), into.end());
    return arguments;
  };
  const AdminRun imported = run_admin(with_fresh({"import"}), exported.out);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  const AdminRun again = run_admin(with_fresh({"export"}));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, exported.out);

  const AdminRun one_room = run_admin(with_fresh({"export", "--room", "attic"}));
  ASSERT_EQ(one_room.exit_code, 0) << one_room.err;
  EXPECT_NE(one_room.out.find("three"), std::string::npos) << one_room.out;
  EXPECT_EQ(one_room.out.find("lobby"), std::string::npos) << one_room.out;

  // A room that is there already stops a second import.
  const AdminRun twice = run_admin(with_fresh({"import"}), exported.out);
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("attic"), std::string::npos) << twice.err;
  std::filesystem::remove_all(fresh);
}

TEST_F(AdminTest, ABackupTakenWhileTheServerWritesIsSoundAndHoldsTheMessages) {
  const HttpHeaders alice = cookie_and_csrf(register_account("alice"));
  for (int i = 1; i <= 20; ++i) {
    post_new_message("lobby", "before " + std::to_string(i), "b" + std::to_string(i), alice);
  }
  const std::filesystem::path file =
      server_->data_dir().parent_path() / (server_->data_dir().filename().string() + "-backup.db");
  std::filesystem::remove(file);
  if (is_postgres()) {
    const AdminRun refused = admin({"backup", file.string()});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("pg_dump"), std::string::npos) << refused.err;
    return;
  }

  // A writer of its own goes on posting while the backup runs.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::atomic<bool> writer_done{false};
  std::thread writer([&] {
    HttpClient client(server_->port());
    for (int i = 1; !stop.load(); ++i) {
      const HttpResponse response = client.post_json(
          "/api/rooms/lobby/messages", message_body("during", "w" + std::to_string(i)), alice);
      if (response.status != 201) break;
      written.fetch_add(1);
    }
    writer_done.store(true);
  });
  while (written.load() < 5 && !writer_done.load()) std::this_thread::yield();
  ASSERT_FALSE(writer_done.load()) << "the writer stopped before the backup";
  const AdminRun backup = admin({"backup", file.string()});
  stop.store(true);
  writer.join();
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_NE(backup.out.find("integrity ok"), std::string::npos) << backup.out;

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* query = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM messages", -1, &query, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(query), SQLITE_ROW);
  EXPECT_GE(sqlite3_column_int(query, 0), 25);
  sqlite3_finalize(query);
  sqlite3_close(db);

  const AdminRun again = admin({"backup", file.string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("exists"), std::string::npos);
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace parley::test
