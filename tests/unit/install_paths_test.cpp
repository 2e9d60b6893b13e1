// The installed layout: where parley looks for its web UI, and --version.
#include "app/install_paths.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/version.hpp"

namespace parley::app {
namespace {

namespace fs = std::filesystem;

// A fresh folder under the system's temporary folder, removed at the end.
class TemporaryFolder {
 public:
  TemporaryFolder()
      : path_(fs::temp_directory_path() /
              ("parley-install-paths-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(InstallPaths, AnInstalledParleyUsesTheWebFolderUnderShareBesideItsBinFolder) {
  TemporaryFolder root;
  fs::create_directories(root.path() / "usr/bin");
  fs::create_directories(root.path() / "usr/share/parley/web");
  EXPECT_EQ(web_dir_beside(root.path() / "usr/bin/parley", "/source/web"),
            root.path() / "usr/share/parley/web");
}

TEST(InstallPaths, AParleyWithoutAnInstalledWebFolderUsesTheFallback) {
  TemporaryFolder root;
  fs::create_directories(root.path() / "build/release");
  EXPECT_EQ(web_dir_beside(root.path() / "build/release/parley", "/source/web"), "/source/web");
}

TEST(InstallPaths, AnUnknownExecutableUsesTheFallback) {
  EXPECT_EQ(web_dir_beside({}, "/source/web"), "/source/web");
}

TEST(InstallPaths, TheDefaultWebFolderOfABuildIsTheSourceTreesOne) {
  // This test binary is not installed: no share/parley/web beside it.
  EXPECT_EQ(default_web_dir(), fs::path(PARLEY_DEFAULT_WEB_DIR));
}

}  // namespace
}  // namespace parley::app
