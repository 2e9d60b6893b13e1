// parley admin: operations on the configured database, from a second process
// while the server runs (docs/operations.md, "Administration"). Main thread.
#pragma once

#include <iosfwd>

#include "admin/store_location.hpp"

namespace parley::admin {

// Runs `parley admin ARGS...`: `arguments` are what follows "admin". Answers
// the exit code: 0 done, 1 failed, 2 a usage error.
int run_admin(int argc, const char* const arguments[], std::istream& in, std::ostream& out,
              std::ostream& err, const Environment& environment);

}  // namespace parley::admin
