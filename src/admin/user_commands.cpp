// parley admin user ...: accounts, their passwords and the server admin role.
#include <chrono>
#include <iostream>
#include <optional>
#include <string>

#include "admin/command.hpp"
#include "auth/password_hasher.hpp"
#include "core/names.hpp"

namespace parley::admin {
namespace {

// The name operand, or nullopt after a usage error.
std::optional<core::UserName> user_operand(const Invocation& invocation, int& exit_code) {
  auto name = core::UserName::parse(invocation.operands.at(0));
  if (!name) {
    exit_code = invocation.usage_error(
        in_quotes(invocation.operands.at(0)) +
        " is not a user name (1-32 of A-Z a-z 0-9 _ . -, starting with a letter or digit)");
  }
  return name;
}

// The first line of standard input, hashed once it passes the rules of
// registration; nullopt after printing why not.
std::optional<std::string> read_password_hash(const Invocation& invocation) {
  std::string password;
  if (!std::getline(invocation.in, password) && password.empty()) {
    invocation.fail("no password on standard input (its first line is the password)");
    return std::nullopt;
  }
  if (password.ends_with('\r')) password.pop_back();
  if (auto refused = auth::password_refusal(password)) {
    invocation.fail(*refused);
    return std::nullopt;
  }
  auto hash = auth::hash_password(password, auth::PasswordCost::interactive());
  if (!hash) invocation.fail("cannot hash the password (out of memory?)");
  return hash;
}

int create_user(const Invocation& invocation) {
  int exit_code = kFailed;
  const auto user = user_operand(invocation, exit_code);
  if (!user) return exit_code;
  auto store = open_store_for(invocation);
  if (!store) return kFailed;
  auto existing = store->find_account(*user);
  if (!existing) return invocation.fail("cannot read the accounts: " + existing.error().message());
  if (*existing) return invocation.fail("user " + in_quotes((*existing)->name) + " exists");
  const auto hash = read_password_hash(invocation);
  if (!hash) return kFailed;
  auto created = store->create_account(*user, *hash, now_ms());
  if (!created) return invocation.fail("cannot create the user: " + created.error().message());
  if (!*created) return invocation.fail("the name " + in_quotes(user->text()) + " is taken");
  invocation.out << "created user " << user->text() << "\n";
  return kDone;
}

int delete_user(const Invocation& invocation) {
  int exit_code = kFailed;
  const auto user = user_operand(invocation, exit_code);
  if (!user) return exit_code;
  auto store = open_store_for(invocation);
  if (!store) return kFailed;
  auto deleted = store->delete_account(*user, now_ms());
  if (!deleted) return invocation.fail("cannot delete the user: " + deleted.error().message());
  if (!*deleted) return invocation.fail("no user " + in_quotes(user->text()));
  invocation.out << "deleted user " << user->text()
                 << " (sessions and tokens ended, direct conversations removed, messages kept)\n";
  return kDone;
}

int change_password(const Invocation& invocation) {
  int exit_code = kFailed;
  const auto user = user_operand(invocation, exit_code);
  if (!user) return exit_code;
  auto store = open_store_for(invocation);
  if (!store) return kFailed;
  auto existing = store->find_account(*user);
  if (!existing) return invocation.fail("cannot read the accounts: " + existing.error().message());
  if (!*existing) return invocation.fail("no user " + in_quotes(user->text()));
  const auto hash = read_password_hash(invocation);
  if (!hash) return kFailed;
  auto changed = store->set_password(*user, *hash);
  if (!changed) return invocation.fail("cannot change the password: " + changed.error().message());
  if (!*changed) return invocation.fail("no user " + in_quotes(user->text()));
  invocation.out << "changed the password of " << (*existing)->name
                 << "; its sessions and tokens are ended\n";
  return kDone;
}

int set_admin(const Invocation& invocation) {
  int exit_code = kFailed;
  const auto user = user_operand(invocation, exit_code);
  if (!user) return exit_code;
  auto store = open_store_for(invocation);
  if (!store) return kFailed;
  const bool off = invocation.has_flag("--off");
  auto set =
      store->set_server_role(*user, off ? store::ServerRole::member : store::ServerRole::admin);
  if (!set) return invocation.fail("cannot change the role: " + set.error().message());
  if (!*set) return invocation.fail("no user " + in_quotes(user->text()));
  invocation.out << user->text()
                 << (off ? " is no longer a server admin\n" : " is a server admin\n");
  return kDone;
}

}  // namespace

std::vector<Command> user_commands() {
  return {
      {{"user", "create"},
       {"NAME"},
       {},
       "create an account; its password is the first line of standard input",
       "The name and the password follow the rules of registration (a password has 8\n"
       "to 1024 bytes). Fails when the name is an account's, or a live guest's.\n"
       "Example: printf '%s\\n' \"$PASSWORD\" | parley admin user create alice",
       create_user},
      {{"user", "delete"},
       {"NAME"},
       {},
       "delete an account; its sessions and tokens end",
       "Also goes: its read markers, its access to private rooms and its direct\n"
       "conversations (with their history). Private rooms it owned stay, with no\n"
       "owner. Its messages stay under its name, but no later account of the same\n"
       "name can edit or delete them. Open connections of the account are closed by\n"
       "the server within --session-check-seconds.",
       delete_user},
      {{"user", "password"},
       {"NAME"},
       {},
       "set an account's password from standard input; its sessions and tokens end",
       "The new password is the first line of standard input (8 to 1024 bytes).\n"
       "Every session and API token of the account is ended in the same step:\n"
       "whoever knew the old password is logged out, and open connections are closed\n"
       "by the server within --session-check-seconds.",
       change_password},
      {{"user", "admin"},
       {"NAME"},
       {"--off"},
       "make an account a server admin (with --off: no longer one)",
       "A server admin may delete any message in a room it can enter, over the\n"
       "WebSocket protocol and HTTP, like the room's owner may.",
       set_admin},
  };
}

}  // namespace parley::admin
