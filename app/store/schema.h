#pragma once

#include "storeerror.h"

namespace safeguard::sql {
class Database;
}

namespace safeguard::store {

// The store's schema, as numbered migrations recorded in PRAGMA
// user_version. Each migration runs in its own transaction with its version
// bump, so a crash leaves the database at one version or the next, never in
// between. SQLite 3.15 (SQLCipher 3.4) has no RENAME COLUMN or DROP COLUMN:
// to change a column or a constraint, a migration rebuilds the table
// (CREATE new_t; INSERT INTO new_t SELECT ...; DROP TABLE t; ALTER TABLE
// new_t RENAME TO t; recreate indexes) with foreign keys switched off around
// it and PRAGMA foreign_key_check before commit (migration 2 does this).
// Never edit a shipped migration; add the next one.
namespace schema {

inline constexpr int kCurrentVersion = 6;

// Brings the database up to targetVersion (default: current). Refuses a
// database newer than this build (TooNew).
StoreError migrate(sql::Database &db, int targetVersion = kCurrentVersion);

} // namespace schema
} // namespace safeguard::store
