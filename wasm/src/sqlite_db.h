// Thin RAII wrappers over the SQLite C API: a connection and reusable statements.
//
// Statements are prepared once per engine and reset after each use (Stmt::Reset clears
// bindings too), so a query costs no parsing. Nothing here throws; failures become
// Status values with code INTERNAL and SQLite's message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "edgestay/status.h"
#include "edgestay_sqlite.h"  // sqlite3.h, and the engine's helpers built from SQLite's internals

namespace edgestay {

class Stmt {
 public:
  Stmt() = default;
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Status Prepare(sqlite3* db, std::string_view sql);
  bool prepared() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }

  void BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void BindText(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  // Text that stays valid until the statement is stepped and Reset (which clears
  // bindings): SQLite keeps the pointer instead of copying the bytes.
  void BindTextNoCopy(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void BindNull(int i) { sqlite3_bind_null(stmt_, i); }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string_view Text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p ? std::string_view(reinterpret_cast<const char*>(p),
                                static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string_view();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when a scope ends, however it ends.
class StmtScope {
 public:
  explicit StmtScope(Stmt& s) : s_(s) {}
  ~StmtScope() { s_.Reset(); }
  Stmt* operator->() { return &s_; }
  Stmt& operator*() { return s_; }

 private:
  Stmt& s_;
};

Status SqliteError(sqlite3* db, std::string_view what);
// The same for a code a b-tree level call returned (the appender, the index sort), which
// leaves the connection's message as it was.
Status SqliteCodeError(int rc, std::string_view what);
Status Exec(sqlite3* db, const char* sql);

// Makes SQLite's randomness (VACUUM, random(), a new rowid past the largest) come from
// getentropy() instead of its VFS reading /dev/urandom. The wasm core has no file system:
// there the VFS's open() of /dev/urandom "succeeds" with descriptor 0, which SQLite refuses
// and retries forever (the engine hung in its first VACUUM). Idempotent; call before the
// first sqlite3_open.
void InstallSqliteRandomness();

}  // namespace edgestay
