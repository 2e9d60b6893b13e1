// parley-bench: a load generator for parley's WebSocket contract and HTTP
// polling. See docs/performance.md for the scenarios and how to read the output.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "options.hpp"
#include "report.hpp"
#include "runner.hpp"

int main(int argc, char** argv) {
  using namespace parley::bench;
  int exit_code = 0;
  const auto options = parse_options(argc, argv, exit_code);
  if (!options) return exit_code;
  Runner runner(*options);
  const RunResult result = runner.run();
  print_summary(*options, result, std::cout);
  std::cout << to_json_line(*options, result) << std::endl;
  // Leave without tearing down thousands of connections one by one: the
  // kernel closes them at exit, and nothing after this point is measured.
  std::fflush(nullptr);
  ::_exit(result.connected > 0 ? 0 : 1);
}
