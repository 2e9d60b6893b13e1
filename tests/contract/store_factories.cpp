#include "contract/store_factories.hpp"

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

#include "contract/scratch_store.hpp"
#include "store/memory_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace parley::contract {
namespace {

namespace fs = std::filesystem;

fs::path make_temp_folder() {
  std::string pattern = (fs::temp_directory_path() / "parley-contract-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot make a temp folder");
  return pattern;
}

// A trigger fails the insert from inside the store's own transaction, after
// whatever the batch wrote before it.
void fail_inserts_of(const fs::path& file, const std::string& text) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  char* sql = sqlite3_mprintf(
      "CREATE TRIGGER fail_on_text BEFORE INSERT ON messages WHEN NEW.text = %Q "
      "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
      text.c_str());
  const int created = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  sqlite3_free(sql);
  sqlite3_close(db);
  if (created != SQLITE_OK) throw std::runtime_error("cannot create the failing trigger");
}

// A fresh SQLite store; with `failing_text`, one whose inserts of that text fail.
std::unique_ptr<store::Store> make_sqlite_store(const std::string& failing_text) {
  const fs::path folder = make_temp_folder();
  const fs::path file = folder / "contract.db";
  try {
    auto backend =
        std::make_unique<store::SqliteStore>(store::SqliteOptions{file, store::Durability::normal});
    if (!failing_text.empty()) fail_inserts_of(file, failing_text);
    return std::make_unique<ScratchStore>(
        std::move(backend), [folder] { fs::remove_all(folder); },
        [file] {
          return std::make_unique<store::SqliteStore>(
              store::SqliteOptions{file, store::Durability::normal});
        });
  } catch (...) {
    fs::remove_all(folder);
    throw;
  }
}

}  // namespace

std::vector<StoreFactory> memory_stores() {
  return {StoreFactory{"memory", [] { return std::make_unique<store::MemoryStore>(); }, {}, {}}};
}

std::vector<StoreFactory> sqlite_stores() {
  return {StoreFactory{
      "sqlite", [] { return make_sqlite_store(""); },
      [](const std::string& text) {
        if (text.empty()) throw std::invalid_argument("no text to fail on");
        return make_sqlite_store(text);
      },
      [](store::Store& first) { return dynamic_cast<ScratchStore&>(first).open_again(); }}};
}

std::string name_of(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

void PrintTo(const StoreFactory& factory, std::ostream* out) {
  *out << factory.name;
}

}  // namespace parley::contract
