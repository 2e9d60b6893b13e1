// The PostgreSQL schema and its numbered migrations. Parley creates and
// upgrades its tables itself when it connects: each migration runs once, in
// order, in a transaction of its own, under an advisory lock so that nodes
// starting together never race. Used by the store thread at start-up.
#pragma once

#include <cstdint>

#include "store/postgres/pg_connection.hpp"

namespace parley::store {

// The schema version this build knows: the number of migrations.
std::int64_t known_schema_version();

// Applies whatever migrations the database lacks. Throws std::runtime_error
// when it cannot, or when the database's version is newer than this build
// knows (an older parley must not write to a newer schema).
void migrate_postgres(PgConnection& connection);

}  // namespace parley::store
