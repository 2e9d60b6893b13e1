// Where an installed parley finds the files it ships with (the web UI), and
// where a parley run from its build finds them instead. Plain functions; any
// thread, in practice once at start-up.
#pragma once

#include <filesystem>

namespace parley::app {

// The web UI's folder for an executable at `executable`: the installed
// layout's <dir of executable>/../share/parley/web when that folder exists
// (a package puts parley in /usr/bin and the UI in /usr/share/parley/web),
// else `fallback`.
std::filesystem::path web_dir_beside(const std::filesystem::path& executable,
                                     const std::filesystem::path& fallback);

// The default of --web-dir: web_dir_beside() this process's executable
// (/proc/self/exe) with the source tree's web/ folder, compiled in, as the
// fallback (a parley run from its build folder).
std::filesystem::path default_web_dir();

}  // namespace parley::app
