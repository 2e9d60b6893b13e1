// A fresh folder under the system's temporary folder, removed with everything
// in it when the object goes. One thread.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace parley::tests {

struct TempFolder {
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "parley-test-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempFolder() { std::filesystem::remove_all(path); }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  std::filesystem::path path;
};

}  // namespace parley::tests
