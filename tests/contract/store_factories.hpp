// The backends the contract suites run against. Each suite is instantiated
// once per backend, so a backend joins every suite with one
// INSTANTIATE_TEST_SUITE_P line per suite over its factories; a backend that
// needs a server (PostgreSQL, through a URL in an environment variable)
// answers no factory when that is not set, and its tests are simply absent.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/store.hpp"

namespace parley::contract {

struct StoreFactory {
  std::string name;  // the last part of each test's name: .../memory, .../sqlite
  // A fresh, empty store, which leaves nothing behind when destroyed.
  std::function<std::unique_ptr<store::Store>()> make;
  // A fresh, empty store whose every write of a message with text `text`
  // fails, as a full disk or a lost connection would. Empty for a backend
  // whose writes cannot fail (memory): the tests of failures skip it.
  std::function<std::unique_ptr<store::Store>(const std::string& text)> make_failing_on;
  // Another store on the data of `first` (made by `make` or make_failing_on),
  // with nothing cached: a restarted process, or another node. `first`
  // outlives it. Empty for a backend whose data is the store itself
  // (memory): the tests of what outlives a store skip it.
  std::function<std::unique_ptr<store::Store>(store::Store& first)> open_again;
};

// Each in memory.
std::vector<StoreFactory> memory_stores();
// Each a SQLite file in a temporary folder of its own.
std::vector<StoreFactory> sqlite_stores();
// Each a fresh database on the run's PostgreSQL test server (built into
// parley_contract_pg_tests only, which CTest runs with that server).
std::vector<StoreFactory> postgres_stores();

// Names the test after the factory (instead of printing its bytes).
std::string name_of(const ::testing::TestParamInfo<StoreFactory>& info);
void PrintTo(const StoreFactory& factory, std::ostream* out);

}  // namespace parley::contract
