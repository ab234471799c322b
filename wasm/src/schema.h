// Schema v1 of the local database (DESIGN.md §2) and its migration on open.
//
// The names of the six contract indexes here are part of the public contract. The
// replicated tables are checked against the protocol's column list
// (sync/protocol/tables.cc) by tests/cpp/protocol_test.cc, as the server's stores are.
#pragma once

#include "edgestay/status.h"
#include "sqlite3.h"

namespace edgestay {

inline constexpr int kSchemaVersion = 1;

// Creates every missing table and index; rejects images from a newer schema.
Status EnsureSchema(sqlite3* db);

}  // namespace edgestay
