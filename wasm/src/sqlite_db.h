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
#include "sqlite3.h"

// Pages [first, first + n) of a database copied into out, n times its page size bytes
// (wasm/sqlite/sqlite3_wasm.c, the one helper built from SQLite's internals).
extern "C" int edgestay_copy_pages(sqlite3* db, const char* schema, unsigned first, unsigned n, unsigned char* out);
// Large sorts of the connection in runs of at most run_kib KiB, spilled to temporary
// files, until edgestay_sorts_in_memory(db, what it returned); sqlite3_wasm.c says why.
extern "C" int edgestay_sorts_in_runs(sqlite3* db, int run_kib);
extern "C" void edgestay_sorts_in_memory(sqlite3* db, int saved);
// The b-trees that rows of `table` written in ascending key order append to: its own and
// the indexes led by its key; up to max root pages into roots, how many (0: none; the
// table's key descends, or no such table). sqlite3_wasm.c.
extern "C" int edgestay_append_btrees(sqlite3* db, const char* table, int* roots, int max);
// Whether a write statement fills the b-trees rooted at roots[0..n) as a bulk load (pages
// kept full: for entries that arrive in order) or as usual; before every step
// (sqlite3_wasm.c says why).
extern "C" void edgestay_bulk_appends(sqlite3_stmt* stmt, const int* roots, int n, int on);
// A bulk load's rows in key order written straight into a table's b-trees, as the INSERT
// would store them; sqlite3_wasm.c says which tables it refuses (open: nullptr) and which
// rows it declines (append: kAppendDeclined, nothing written). Closed before any schema
// change and before the transaction ends.
struct EdgestayAppender;
struct EdgestayCell {  // one column's value: kind 0 NULL, 1 integer (i), 2 text (z, n)
  int64_t i;
  const char* z;
  int n;
  int kind;
};
constexpr int kAppendDeclined = 1000;
extern "C" EdgestayAppender* edgestay_appender_open(sqlite3* db, const char* table);
extern "C" int edgestay_appender_append(EdgestayAppender* appender, const EdgestayCell* row);
extern "C" void edgestay_appender_close(EdgestayAppender* appender);

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
Status Exec(sqlite3* db, const char* sql);

// Makes SQLite's randomness (VACUUM, random(), a new rowid past the largest) come from
// getentropy() instead of its VFS reading /dev/urandom. The wasm core has no file system:
// there the VFS's open() of /dev/urandom "succeeds" with descriptor 0, which SQLite refuses
// and retries forever (the engine hung in its first VACUUM). Idempotent; call before the
// first sqlite3_open.
void InstallSqliteRandomness();

}  // namespace edgestay
