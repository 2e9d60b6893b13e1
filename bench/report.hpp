// Turns a run's figures into the human summary and the final JSON line.
#pragma once

#include <ostream>
#include <string>

#include "options.hpp"
#include "runner.hpp"

namespace parley::bench {

// The tool counts as the bottleneck above this share of one core on its busiest thread.
constexpr double kToolSaturation = 0.8;
// Past this share of the window spent waiting for a CPU, the machine, not the
// server, sets the pace.
constexpr double kCpuStarved = 0.1;

void print_summary(const Options& options, const RunResult& result, std::ostream& out);

// One line of JSON (no newline inside), for scripts.
std::string to_json_line(const Options& options, const RunResult& result);

}  // namespace parley::bench
