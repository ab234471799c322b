// SQLite helpers shared by every module of the core.
#include "sqlite_db.h"

#include <unistd.h>  // getentropy (POSIX; in wasm the runtime's crypto.getRandomValues)

#include <algorithm>
#include <chrono>

namespace edgestay {
namespace {

// The default VFS, copied, with only xRandomness replaced; registered as the default, so
// everything else (memdb, deserialize) behaves exactly as before.
sqlite3_vfs g_vfs;

int EntropyRandomness(sqlite3_vfs*, int n, char* out) {
  int done = 0;
  while (done < n) {
    const int chunk = std::min(256, n - done);  // getentropy's limit per call
    if (getentropy(out + done, static_cast<size_t>(chunk)) != 0) break;
    done += chunk;
  }
  if (done < n) {
    // No entropy source: the clock seeds it (SQLite only needs unique-ish names here).
    const int64_t t = std::chrono::steady_clock::now().time_since_epoch().count();
    for (int i = done; i < n; ++i) out[i] = static_cast<char>((t >> (8 * (i % 8))) ^ (i * 131));
  }
  return n;
}

}  // namespace

void InstallSqliteRandomness() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  if (sqlite3_initialize() != SQLITE_OK) return;
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (!base) return;
  g_vfs = *base;
  g_vfs.pNext = nullptr;
  g_vfs.zName = "edgestay-entropy";
  g_vfs.xRandomness = EntropyRandomness;
  sqlite3_vfs_register(&g_vfs, 1);
}

// INTERNAL, or STORAGE when the file under the database (a page store) failed (SQLite's
// result `code`): that is not a bug in the query.
static Status FailureOf(int code, std::string msg) {
  const int rc = code & 0xff;
  if (rc == SQLITE_IOERR || rc == SQLITE_FULL || rc == SQLITE_CANTOPEN) return Status::Error("STORAGE", msg);
  return Status::Error("INTERNAL", msg);
}

Status SqliteError(sqlite3* db, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : "no database";
  return FailureOf(db ? sqlite3_extended_errcode(db) : SQLITE_OK, std::move(msg));
}

Status SqliteCodeError(int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += sqlite3_errstr(rc);
  return FailureOf(rc, std::move(msg));
}

Status Stmt::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK) {
    return SqliteError(db, std::string("prepare ") + std::string(sql.substr(0, 60)));
  }
  return Status::Ok();
}

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "exec failed";
    sqlite3_free(err);
    return FailureOf(sqlite3_extended_errcode(db), std::move(msg));
  }
  return Status::Ok();
}

}  // namespace edgestay
