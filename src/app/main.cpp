// parley: entry point. Exceptions here are start-up failures: one clear line
// and a non-zero exit.
#include <exception>
#include <iostream>

#include "app/config.hpp"
#include "app/server.hpp"

int main(int argc, char* argv[]) {
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
