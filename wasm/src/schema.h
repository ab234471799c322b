// Schema v1 of the local database (DESIGN.md §2) and its migration on open.
//
// The same DDL is what the server's SQLite store and sql.js-written images use, so the
// names of the six contract indexes here are part of the public contract.
#pragma once

#include "edgestay/status.h"
#include "sqlite3.h"

namespace edgestay {

inline constexpr int kSchemaVersion = 1;

// Creates every missing table and index; rejects images from a newer schema.
Status EnsureSchema(sqlite3* db);

}  // namespace edgestay
