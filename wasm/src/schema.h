// Schema v1 of the local database (docs/API.md, sync/FORMAT.md) and its migration on open.
//
// The names of the six contract indexes here are part of the public contract. The
// replicated tables are checked against the protocol's column list
// (sync/protocol/tables.cc) by tests/cpp/protocol_test.cc, as the server's stores are.
#pragma once

#include "edgestay/status.h"
#include "sqlite3.h"

namespace edgestay {

// The local schema's version. An image of an older version is migrated on open (schema.cc
// kMigrations); a newer one is refused.
inline constexpr int kSchemaVersion = 5;

// Creates every missing table and index, then migrates an older image to kSchemaVersion
// in one transaction; if a migration fails, the transaction is rolled back and the error
// is MIGRATION_FAILED (the store is unchanged, still at its old version). Rejects images
// from a newer schema (CORRUPT_SNAPSHOT).
Status EnsureSchema(sqlite3* db);

}  // namespace edgestay
