// SQLite helpers shared by every module of the core.
#include "sqlite_db.h"

namespace edgestay {

// INTERNAL, or STORAGE when the file under the database (a page store) failed: that is
// not a bug in the query.
static Status FailureOf(sqlite3* db, std::string msg) {
  const int rc = db ? sqlite3_extended_errcode(db) & 0xff : SQLITE_OK;
  if (rc == SQLITE_IOERR || rc == SQLITE_FULL || rc == SQLITE_CANTOPEN) return Status::Error("STORAGE", msg);
  return Status::Error("INTERNAL", msg);
}

Status SqliteError(sqlite3* db, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : "no database";
  return FailureOf(db, std::move(msg));
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
    return FailureOf(db, std::move(msg));
  }
  return Status::Ok();
}

}  // namespace edgestay
