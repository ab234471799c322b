// The thin SQL layer both stores share: parameters, results, a connection, a pool.
//
// SQL text uses PostgreSQL-style placeholders `$1, $2, …` in both dialects (SQLite binds
// them by name, so `$1` may appear twice and in any order). Every value comes back as
// text (or NULL); callers convert. Business logic lives above this layer (store.cc,
// push.cc, ari.cc) and is written once for both stores; dialect differences stay in
// sqlite_store.cc and pg_store.cc (schema, transaction start, the per-hotel lock).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol_names.h"

namespace edgestay::server {

// Database-level codes (mapped to HTTP 500/503 by the routes; retried where marked).
inline constexpr const char* kDbError = "DB_ERROR";
inline constexpr const char* kDbConstraint = "DB_CONSTRAINT";   // CHECK / FK / NOT NULL
inline constexpr const char* kDbUnique = "DB_UNIQUE";           // unique violation
inline constexpr const char* kDbRetry = "DB_RETRY";             // serialization, deadlock, busy
inline constexpr const char* kDbUnavailable = "DB_UNAVAILABLE"; // connection lost / pool empty

enum class Dialect { kSqlite, kPostgres };

struct Param {
  enum class Kind { kNull, kInt, kText } kind = Kind::kNull;
  int64_t i = 0;
  std::string s;

  Param() = default;
  Param(std::nullptr_t) {}
  Param(int v) : kind(Kind::kInt), i(v) {}
  Param(int64_t v) : kind(Kind::kInt), i(v) {}
  Param(std::string v) : kind(Kind::kText), s(std::move(v)) {}
  Param(std::string_view v) : kind(Kind::kText), s(v) {}
  Param(const char* v) : kind(Kind::kText), s(v) {}
  template <class T>
  Param(const std::optional<T>& v) {
    if (v) *this = Param(*v);
  }
};
using Params = std::vector<Param>;

struct Cell {
  bool null = true;
  std::string text;
  int64_t Int() const { return null ? 0 : std::strtoll(text.c_str(), nullptr, 10); }
  std::optional<int64_t> OptInt() const {
    if (null) return std::nullopt;
    return Int();
  }
};

struct Result {
  std::vector<std::vector<Cell>> rows;
  int64_t changes = 0;  // rows affected by INSERT/UPDATE/DELETE
  size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
  const Cell& at(size_t r, size_t c) const { return rows[r][c]; }
};

enum class TxKind {
  kRead,   // a consistent snapshot (SQLite read transaction, PG REPEATABLE READ READ ONLY)
  kWrite,  // SQLite BEGIN IMMEDIATE (+ in-process writer mutex); PG READ COMMITTED
};

class Conn {
 public:
  virtual ~Conn() = default;
  virtual Dialect dialect() const = 0;
  virtual Status Query(std::string_view sql, const Params& params, Result* out) = 0;
  Status Exec(std::string_view sql, const Params& params = {}, int64_t* changes = nullptr) {
    Result r;
    Status s = Query(sql, params, &r);
    if (changes) *changes = r.changes;
    return s;
  }
  // Runs a statement whose answer the caller does not need. A store may send it without
  // waiting for it (PostgreSQL: pipeline mode, so it travels with the next statement):
  // an error it raises is then returned by the next call on this connection that waits
  // for an answer (Query, Exec, ExecScript, Commit), which does not run its own work.
  virtual Status Send(std::string_view sql, const Params& params) { return Exec(sql, params); }
  // Waits for the statements Send left unanswered: the first error among them.
  virtual Status Sync() { return Status::Ok(); }
  // Runs `sql`, then `then_sql` right behind it; then_sql sees sql's effects. A store may
  // send both together (PostgreSQL: one round trip, so a push group's next read rides with
  // this write). Returns sql's outcome; *then_status is then_sql's (sql's error when sql
  // failed: then_sql is then not run).
  virtual Status QueryThen(std::string_view sql, const Params& params, Result* out,
                           std::string_view then_sql, const Params& then_params, Result* then_out,
                           Status* then_status) {
    Status s = Query(sql, params, out);
    *then_status = s.ok() ? Query(then_sql, then_params, then_out) : s;
    return s;
  }
  // Runs several statements without parameters (migrations).
  virtual Status ExecScript(const std::string& sql) = 0;
  virtual Status Begin(TxKind kind) = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  // Inside a write transaction: serialises every writer of this hotel until commit (the
  // per-hotel change counter row; see store.cc "Cursors"). Sets *exists = false when the
  // hotel has no counter row (unknown hotel).
  virtual Status LockHotel(int64_t hotel_id, bool* exists) = 0;
  // LockHotel, then `then_sql` right behind it (PostgreSQL: one round trip); then_sql is a
  // later statement, so it sees everything committed before the lock was granted. As
  // QueryThen: returns the lock's outcome, *then_status then_sql's.
  virtual Status LockHotelThen(int64_t hotel_id, bool* exists, std::string_view then_sql,
                               const Params& then_params, Result* then_out, Status* then_status) {
    Status s = LockHotel(hotel_id, exists);
    *then_status = s.ok() ? Query(then_sql, then_params, then_out) : s;
    return s;
  }
  // Inside a migration transaction: serialises concurrent `migrate` runs.
  virtual Status LockMigrations() = 0;
  // False once the connection is unusable (the pool replaces it).
  virtual bool Healthy() = 0;
};

class Backend;

// A connection borrowed from a Backend, returned on destruction.
class Lease {
 public:
  Lease() = default;
  Lease(Backend* b, std::unique_ptr<Conn> c) : backend_(b), conn_(std::move(c)) {}
  Lease(Lease&& o) noexcept = default;
  Lease& operator=(Lease&& o) noexcept;
  ~Lease();
  Conn* operator->() const { return conn_.get(); }
  Conn& operator*() const { return *conn_; }
  explicit operator bool() const { return conn_ != nullptr; }

 private:
  void Release();
  Backend* backend_ = nullptr;
  std::unique_ptr<Conn> conn_;
};

// A pool's connections right now (for /metrics).
struct PoolStats {
  size_t open = 0;  // in use + idle
  size_t idle = 0;
  size_t max = 0;
};

// A bounded pool of connections to one database.
class Backend {
 public:
  Backend(size_t max_conns) : max_conns_(max_conns) {}
  virtual ~Backend() = default;
  virtual Dialect dialect() const = 0;
  virtual std::string Describe() const = 0;  // "sqlite:PATH" / "postgresql://host:port/db"
  // Borrows a connection, opening one when the pool is below its size; waits up to
  // `wait_ms` for a free one. Status kDbUnavailable when none could be had.
  Status Acquire(Lease* out, int wait_ms = 15000);
  void Return(std::unique_ptr<Conn> conn);
  void CloseAll();
  PoolStats Stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return {open_, idle_.size(), max_conns_};
  }

 protected:
  virtual Status Open(std::unique_ptr<Conn>* out) = 0;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
  size_t open_ = 0;
  size_t max_conns_;
};

// True for errors worth running the whole transaction again.
inline bool Retryable(const Status& s) { return s.code() == kDbRetry; }

// Runs fn inside one transaction; commits when fn returns OK, rolls back otherwise.
// Retries the whole transaction (with a fresh fn call) on kDbRetry.
Status WithTx(Backend& backend, TxKind kind, const std::function<Status(Conn&)>& fn);

std::unique_ptr<Backend> MakeSqliteBackend(const std::string& path, size_t max_conns,
                                           bool durable, Status* status);
// The SQLite store checkpoints on its own thread (sqlite_store.cc, Checkpointer); the
// commit that takes the WAL to this many frames checkpoints itself, so that under writes
// that never pause the WAL still starts over (64 MiB of 4 KiB pages at most).
constexpr int kSqliteWalBoundFrames = 16000;
std::unique_ptr<Backend> MakePgBackend(const std::string& conninfo, size_t max_conns,
                                       Status* status);

struct Migration {
  int version;
  const char* name;
  const char* sql;
};
const std::vector<Migration>& SqliteMigrations();
const std::vector<Migration>& PgMigrations();

}  // namespace edgestay::server
