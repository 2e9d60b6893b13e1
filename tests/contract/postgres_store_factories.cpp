// The PostgreSQL backend of the contract suites: each store on a fresh
// database of the run's test server (support/postgres_test_store.hpp).
#include <memory>
#include <stdexcept>

#include "contract/store_factories.hpp"
#include "support/postgres_test_store.hpp"

namespace parley::contract {
namespace {

std::string quoted(const std::string& text) {
  // A literal for the test's own text: single quotes doubled, with
  // standard_conforming_strings on (PostgreSQL's default).
  std::string literal = "'";
  for (const char c : text) {
    literal += c;
    if (c == '\'') literal += '\'';
  }
  return literal + "'";
}

// A trigger fails the insert from inside the store's own transaction, after
// whatever the batch wrote before it.
std::unique_ptr<store::Store> make_failing_store(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("no text to fail on");
  auto store = test::make_postgres_test_store();  // its schema is made
  test::execute_postgres(store->database().url(),
                         "CREATE FUNCTION fail_on_text() RETURNS trigger LANGUAGE plpgsql AS $$ "
                         "BEGIN IF NEW.text = " +
                             quoted(text) +
                             " THEN RAISE EXCEPTION 'refused by the test'; END IF; "
                             "RETURN NEW; END $$; "
                             "CREATE TRIGGER fail_on_text BEFORE INSERT ON messages FOR EACH ROW "
                             "EXECUTE FUNCTION fail_on_text();");
  return store;
}

// Another node on the first store's database.
std::unique_ptr<store::Store> open_again(store::Store& first) {
  store::PostgresOptions options;
  options.connection.url = dynamic_cast<test::PostgresTestStore&>(first).database().url();
  return std::make_unique<store::PostgresStore>(std::move(options));
}

}  // namespace

std::vector<StoreFactory> postgres_stores() {
  return {StoreFactory{"postgres", [] { return test::make_postgres_test_store(); },
                       make_failing_store, open_again}};
}

}  // namespace parley::contract
