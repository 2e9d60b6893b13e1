// parley: entry point (the server, or `parley admin`). Exceptions here are start-up failures: one
// clear line and a non-zero exit.
#include <csignal>
#include <exception>
#include <iostream>
#include <string_view>

#include "admin/admin.hpp"
#include "app/config.hpp"
#include "app/server.hpp"

int main(int argc, char* argv[]) {
  // parley admin ...: operations on the database, beside a running server.
  if (argc >= 2 && std::string_view(argv[1]) == "admin") {
    return parley::admin::run_admin(argc - 2, argv + 2, std::cin, std::cout, std::cerr,
                                    parley::app::parley_environment());
  }
  // SIGHUP (a reload, logrotate) must not end a server still starting: the
  // server's own handler, installed once it runs, reopens the log files.
  std::signal(SIGHUP, SIG_IGN);
  auto parsed = parley::app::parse_command_line(argc, argv);
  if (!parsed.config) return parsed.exit_code;
  try {
    parley::app::Server server(*std::move(parsed.config));
    return server.run();
  } catch (const std::exception& error) {
    std::cerr << "parley: cannot start: " << error.what() << "\n";
    return 1;
  }
}
