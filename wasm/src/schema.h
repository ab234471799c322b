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
inline constexpr int kSchemaVersion = 7;

// Which local bookings hold rooms: the condition of the partial index
// bookings_localHolding_idx (migration 6), which a reader must repeat word for word for
// SQLite to use that index. An OR chain, not `status IN (...)`: SQLite evaluates a
// constant IN list of three or more values through a temporary b-tree built on every
// execution, and every booking insert evaluates this condition.
#define EDGESTAY_LOCAL_HOLDING_WHERE \
  "origin = 'local' AND (status = 'HELD' OR status = 'PENDING_SYNC' OR status = 'CONFIRMED')"

// Creates every missing table and index, then migrates an older image to kSchemaVersion
// in one transaction; if a migration fails, the transaction is rolled back and the error
// is MIGRATION_FAILED (the store is unchanged, still at its old version). Rejects images
// from a newer schema (CORRUPT_SNAPSHOT).
Status EnsureSchema(sqlite3* db);

}  // namespace edgestay
