// Runs parley's settings parser as `parley ARGUMENTS...` with the given
// PARLEY_* environment, keeping what it printed. For the configuration tests.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "app/config.hpp"

namespace parley::app {

// The outcome of parsing and what parley printed beside it.
struct Parsed : ParsedCommandLine {
  std::string out = {};
  std::string err = {};
};

inline Parsed parse(std::vector<std::string> arguments, const Environment& environment = {}) {
  arguments.insert(arguments.begin(), "parley");
  std::vector<const char*> argv;
  for (const std::string& argument : arguments) argv.push_back(argument.c_str());
  std::ostringstream out;
  std::ostringstream err;
  Parsed parsed{
      parse_command_line(static_cast<int>(argv.size()), argv.data(), environment, out, err)};
  parsed.out = out.str();
  parsed.err = err.str();
  return parsed;
}

}  // namespace parley::app
