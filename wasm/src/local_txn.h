// A local write's transaction, shared by every method that writes (bookings, leases, the
// rolling window): all of it or nothing, and the derived state it touched is dropped on undo.
#pragma once

#include "engine_impl.h"

namespace edgestay {

// Commits on success, rolls back otherwise; the engine's state is never half-written.
// A call that is its own transaction (the usual case) uses BEGIN/COMMIT; one inside an
// open transaction nests as a savepoint. All of them are prepared once: sqlite3_exec
// parsed "SAVEPOINT"/"RELEASE" again on every write.
class Txn {
 public:
  explicit Txn(Engine::Impl& im) : im_(im), outer_(sqlite3_get_autocommit(im.db) != 0) {
    ok_ = (outer_ ? Run(Engine::Impl::kBeginStmt, "BEGIN") : Run("SAVEPOINT local_write")).ok();
  }
  ~Txn() {
    if (ok_ && !done_) {
      if (outer_) {
        // An error may already have ended the transaction (SQLite rolls back on some).
        if (!sqlite3_get_autocommit(im_.db)) Run("ROLLBACK");
      } else {
        Run("ROLLBACK TO local_write");
        Run("RELEASE local_write");
      }
      im_.nights.Clear();  // it may have loaded rows of the write that was undone
    }
  }
  Status Commit() {
    done_ = true;
    Status s = outer_ ? Run(Engine::Impl::kCommitStmt, "COMMIT") : Run("RELEASE local_write");
    // A failed COMMIT leaves the transaction open: undo it so the engine stays usable.
    if (!s.ok() && outer_ && !sqlite3_get_autocommit(im_.db)) {
      Run("ROLLBACK");
      im_.nights.Clear();
    }
    return s;
  }
  bool started() const { return ok_; }

 private:
  Status Run(const char* sql) {
    Stmt* st;
    ES_RETURN_IF_ERROR(im_.Prepared(sql, &st));
    return Run(st, sql);
  }
  // BEGIN and COMMIT, on every local write, from their slots.
  Status Run(Engine::Impl::StmtSlot slot, const char* sql) {
    Stmt* st;
    ES_RETURN_IF_ERROR(im_.PreparedOnce(slot, sql, &st));
    return Run(st, sql);
  }
  Status Run(Stmt* st, const char* sql) {
    StmtScope s(*st);
    return s->Step() == SQLITE_DONE ? Status::Ok() : SqliteError(im_.db, sql);
  }

  Engine::Impl& im_;
  const bool outer_;
  bool ok_ = false;
  bool done_ = false;
};

// Steps a write statement; an error names `what`.
inline Status Step(sqlite3* db, Stmt& st, const char* what) {
  const int rc = st.Step();
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::Ok() : SqliteError(db, what);
}

}  // namespace edgestay
