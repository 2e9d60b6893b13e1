#include "app/install_paths.hpp"

#include <system_error>

#ifndef PARLEY_DEFAULT_WEB_DIR
#define PARLEY_DEFAULT_WEB_DIR "web"
#endif

namespace parley::app {

std::filesystem::path web_dir_beside(const std::filesystem::path& executable,
                                     const std::filesystem::path& fallback) {
  if (executable.empty()) return fallback;
  const std::filesystem::path installed =
      (executable.parent_path() / ".." / "share" / "parley" / "web").lexically_normal();
  std::error_code error;
  return std::filesystem::is_directory(installed, error) ? installed : fallback;
}

std::filesystem::path default_web_dir() {
  std::error_code error;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
  return web_dir_beside(error ? std::filesystem::path() : executable, PARLEY_DEFAULT_WEB_DIR);
}

}  // namespace parley::app
