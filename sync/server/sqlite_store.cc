// The SQLite backend: one connection per borrowing thread (WAL, so reads run in parallel
// with the single writer), a prepared-statement cache per connection, and the SQLite
// dialect of the schema migrations.
//
// Writers: BEGIN IMMEDIATE takes SQLite's database-wide write lock at the start of the
// transaction, so two writers never interleave and the conditional decrement of
// inventory sees the latest committed row. Inside one process the writers also queue on
// a mutex first (fair, no busy-sleep loop); busy_timeout covers other processes (the
// CLI writing while a server runs).
#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "db.h"
#include "quiet_thread.h"
#include "sqlite_wal_batch.h"

namespace edgestay::server {
namespace {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  int ext = db ? sqlite3_extended_errcode(db) : rc;
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = ext & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Status::Error(kDbRetry, msg);
  if (primary == SQLITE_CONSTRAINT) {
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
      return Status::Error(kDbUnique, msg);
    return Status::Error(kDbConstraint, msg);
  }
  return Status::Error(kDbError, msg);
}

struct CachedStmt {
  sqlite3_stmt* stmt = nullptr;
  std::vector<int> param_of_slot;  // slot i (1-based, stored at i-1) -> $N index (0-based)
};

class SqliteConn final : public Conn {
 public:
  SqliteConn(sqlite3* db, std::mutex* writer_mutex) : db_(db), writer_mutex_(writer_mutex) {}
  ~SqliteConn() override {
    for (auto& [sql, c] : stmts_) sqlite3_finalize(c.stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Status Query(std::string_view sql, const Params& params, Result* out) override {
    out->rows.clear();
    out->changes = 0;
    CachedStmt* cs = nullptr;
    auto it = stmts_.find(sql);  // by the text itself: no copy of it per query
    if (it == stmts_.end()) {
      CachedStmt c;
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &c.stmt, nullptr);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
      int n = sqlite3_bind_parameter_count(c.stmt);
      for (int slot = 1; slot <= n; ++slot) {
        const char* name = sqlite3_bind_parameter_name(c.stmt, slot);
        int idx = -1;
        if (name && name[0] == '$') idx = std::atoi(name + 1) - 1;
        c.param_of_slot.push_back(idx);
      }
      it = stmts_.emplace(std::string(sql), std::move(c)).first;
    }
    cs = &it->second;
    sqlite3_stmt* st = cs->stmt;
    for (size_t slot = 0; slot < cs->param_of_slot.size(); ++slot) {
      int idx = cs->param_of_slot[slot];
      int rc;
      if (idx < 0 || static_cast<size_t>(idx) >= params.size()) {
        rc = sqlite3_bind_null(st, static_cast<int>(slot + 1));
      } else {
        const Param& p = params[idx];
        switch (p.kind) {
          case Param::Kind::kNull: rc = sqlite3_bind_null(st, static_cast<int>(slot + 1)); break;
          case Param::Kind::kInt: rc = sqlite3_bind_int64(st, static_cast<int>(slot + 1), p.i); break;
          default:
            rc = sqlite3_bind_text(st, static_cast<int>(slot + 1), p.s.data(),
                                   static_cast<int>(p.s.size()), SQLITE_TRANSIENT);
        }
      }
      if (rc != SQLITE_OK) {
        sqlite3_reset(st);
        return SqliteError(db_, rc, "bind");
      }
    }
    const int ncol = sqlite3_column_count(st);
    for (;;) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_ROW) {
        std::vector<Cell> row(ncol);
        for (int c = 0; c < ncol; ++c) {
          if (sqlite3_column_type(st, c) == SQLITE_NULL) continue;
          const unsigned char* t = sqlite3_column_text(st, c);
          int len = sqlite3_column_bytes(st, c);
          row[c].null = false;
          row[c].text.assign(reinterpret_cast<const char*>(t), static_cast<size_t>(len));
        }
        out->rows.push_back(std::move(row));
        continue;
      }
      if (rc == SQLITE_DONE) break;
      Status s = SqliteError(db_, rc, "step");
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      return s;
    }
    out->changes = sqlite3_changes64(db_);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return Status::Ok();
  }

  Status ExecScript(const std::string& sql) override {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      Status s = SqliteError(db_, rc, "script");
      if (err) {
        s = Status::Error(s.code(), std::string("script: ") + err);
        sqlite3_free(err);
      }
      return s;
    }
    return Status::Ok();
  }

  Status Begin(TxKind kind) override {
    if (kind == TxKind::kWrite) {
      writer_lock_ = std::unique_lock<std::mutex>(*writer_mutex_);
      Status s = Simple("BEGIN IMMEDIATE");
      if (!s.ok()) writer_lock_ = {};
      return s;
    }
    return Simple("BEGIN DEFERRED");
  }

  Status Commit() override {
    Status s = Simple("COMMIT");
    if (s.ok()) writer_lock_ = {};
    return s;
  }

  void Rollback() override {
    if (!sqlite3_get_autocommit(db_)) Simple("ROLLBACK");
    writer_lock_ = {};
  }

  Status LockHotel(int64_t hotel_id, bool* exists) override {
    // BEGIN IMMEDIATE already holds the database-wide write lock.
    Result r;
    Status s = Query("SELECT last_seq FROM change_seq WHERE hotel_id = $1", {hotel_id}, &r);
    *exists = s.ok() && !r.empty();
    return s;
  }

  Status LockMigrations() override { return Status::Ok(); }

  bool Healthy() override {
    if (!sqlite3_get_autocommit(db_)) Simple("ROLLBACK");  // never return a conn mid-transaction
    writer_lock_ = {};
    return true;
  }

 private:
  Status Simple(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
    return Status::Ok();
  }

  sqlite3* db_;
  std::mutex* writer_mutex_;
  std::unique_lock<std::mutex> writer_lock_;
  // Looked up with the caller's string_view (transparent hash and equality).
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, CachedStmt, TextHash, std::equal_to<>> stmts_;
};

// Checkpoints on their own thread, beside the writers: SQLite's automatic checkpoint ran
// inside the commit of the group that crossed 1,000 WAL frames, while that group still
// held the writer mutex, so every ~150 pushes the hotel's chain of groups stalled for the
// copy of the changed pages into the database and its fsync.
//
// The WAL hook (after every commit) wakes this thread once kFrames have been added since
// its last pass; it copies them (PASSIVE: the writers go on meanwhile). 4,000 rather than
// SQLite's 1,000: a push run rewrites the same few pages (the tables' and indexes' last
// pages) in most of its frames, and each pass copies each page once, so rarer passes
// copy less per push (server CPU per push -9 to -16 % in A/B runs). A WAL the writers
// never stop appending to would never start over, though (a writer restarts it only when
// every frame was copied as its transaction began), so the commit that takes the WAL to
// kSqliteWalBoundFrames checkpoints itself, as SQLite's automatic checkpoint did, still
// holding the writer mutex: it copies what the thread has not yet, and the next writer
// starts the WAL from its beginning. Durability is SQLite's: a checkpoint syncs the WAL
// before and the database after copying.
class Checkpointer {
 public:
  static constexpr int kFrames = 4000;  // 16 MiB of 4 KiB pages

  Checkpointer(std::string path, const char* vfs, bool durable)
      : path_(std::move(path)), vfs_(vfs), durable_(durable) {
    // It may start before the server blocks its stop signals (quiet_thread.h).
    thread_ = StartQuietThread([this] { Run(); });
  }
  ~Checkpointer() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  // sqlite3_wal_hook, run by the writer that committed (still holding the writer mutex):
  // `frames` is the WAL's length after its commit.
  static int Hook(void* self, sqlite3* db, const char*, int frames) {
    static_cast<Checkpointer*>(self)->Committed(db, frames);
    return SQLITE_OK;
  }

 private:
  void Committed(sqlite3* db, int frames) {
    int copied = copied_.load(std::memory_order_relaxed);
    if (frames < copied) {  // the WAL started over
      copied_.compare_exchange_strong(copied, 0, std::memory_order_relaxed);
      copied = 0;
    }
    if (frames >= kSqliteWalBoundFrames) {
      // After the thread's pass, if one runs: SQLite refuses a second checkpoint at once.
      std::lock_guard<std::mutex> pass(pass_mu_);
      int log = 0, done = 0;
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
      return;
    }
    if (frames - copied < kFrames) return;
    {
      std::lock_guard<std::mutex> g(mu_);
      if (due_) return;
      due_ = true;
    }
    cv_.notify_one();
  }

  void Run() {
    sqlite3* db = nullptr;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return due_ || stop_; });
        if (stop_) break;
      }
      int frames = 0, copied = 0;
      if (db || OpenDb(&db)) {
        std::lock_guard<std::mutex> pass(pass_mu_);
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
        copied_.store(copied > 0 ? copied : 0, std::memory_order_relaxed);
      }
      std::lock_guard<std::mutex> g(mu_);
      due_ = false;
    }
    sqlite3_close_v2(db);
  }

  bool OpenDb(sqlite3** db) {
    if (sqlite3_open_v2(path_.c_str(), db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs_) != SQLITE_OK ||
        sqlite3_exec(*db, durable_ ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", nullptr,
                     nullptr, nullptr) != SQLITE_OK) {
      sqlite3_close_v2(*db);
      *db = nullptr;
      return false;
    }
    sqlite3_wal_autocheckpoint(*db, 0);
    return true;
  }

  const std::string path_;
  const char* const vfs_;
  const bool durable_;
  std::atomic<int> copied_{0};  // frames of the current WAL copied by the last pass
  std::mutex pass_mu_;          // held by a checkpoint pass (the thread's or a commit's)
  std::mutex mu_;
  std::condition_variable cv_;
  bool due_ = false;
  bool stop_ = false;
  std::thread thread_;
};

class SqliteBackend final : public Backend {
 public:
  SqliteBackend(std::string path, size_t max_conns, bool durable)
      : Backend(max_conns), path_(std::move(path)), durable_(durable) {}
  Dialect dialect() const override { return Dialect::kSqlite; }
  std::string Describe() const override { return "sqlite:" + path_; }

 protected:
  Status Open(std::unique_ptr<Conn>* out) override {
    sqlite3* db = nullptr;
    // Durable (synchronous = FULL, set below): a commit's WAL frames go out in a few large
    // writes instead of two per frame (sqlite_wal_batch.h says why that needs FULL).
    int rc = sqlite3_open_v2(path_.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             durable_ ? WalBatchVfsName() : nullptr);
    if (rc != SQLITE_OK) {
      Status s = Status::Error(kDbUnavailable, "cannot open " + path_ + ": " +
                                                   (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
      sqlite3_close_v2(db);
      return s;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_extended_result_codes(db, 1);
    std::string pragmas =
        "PRAGMA journal_mode = WAL;"
        "PRAGMA foreign_keys = ON;"
        "PRAGMA cache_size = -16000;";
    pragmas += durable_ ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;";
    char* err = nullptr;
    rc = sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      Status s = Status::Error(kDbUnavailable, std::string("sqlite pragmas: ") + (err ? err : "?"));
      sqlite3_free(err);
      sqlite3_close_v2(db);
      return s;
    }
    {
      std::lock_guard<std::mutex> g(checkpointer_mu_);
      if (!checkpointer_)
        checkpointer_ = std::make_unique<Checkpointer>(path_, durable_ ? WalBatchVfsName() : nullptr, durable_);
    }
    sqlite3_wal_hook(db, &Checkpointer::Hook, checkpointer_.get());  // instead of SQLite's own
    *out = std::make_unique<SqliteConn>(db, &writer_mutex_);
    return Status::Ok();
  }

 private:
  std::string path_;
  bool durable_;
  std::mutex writer_mutex_;
  std::mutex checkpointer_mu_;
  std::unique_ptr<Checkpointer> checkpointer_;  // made with the first connection
};

}  // namespace

std::unique_ptr<Backend> MakeSqliteBackend(const std::string& path, size_t max_conns,
                                           bool durable, Status* status) {
  if (sqlite3_threadsafe() == 0) {
    *status = Status::Error(kDbUnavailable, "SQLite was built without thread safety");
    return nullptr;
  }
  auto b = std::make_unique<SqliteBackend>(path, max_conns, durable);
  Lease probe;
  *status = b->Acquire(&probe);
  if (!status->ok()) return nullptr;
  return b;
}

// ---------------------------------------------------------------------------------------
// Schema, SQLite dialect. Dates are TEXT 'YYYY-MM-DD' (they sort and compare as dates),
// timestamps INTEGER ms, booleans INTEGER 0/1. STRICT tables reject wrongly typed values.
// The same versions exist in pg_store.cc; the content matches table by table.
// ---------------------------------------------------------------------------------------
const std::vector<Migration>& SqliteMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "core_tables", R"SQL(
CREATE TABLE hotels (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  time_zone TEXT NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
  currency TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
  utc_offset_minutes INTEGER NOT NULL DEFAULT 0 CHECK (utc_offset_minutes BETWEEN -840 AND 840),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE room_types (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hotel_id INTEGER NOT NULL REFERENCES hotels(id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  capacity_adults INTEGER NOT NULL DEFAULT 2 CHECK (capacity_adults >= 1),
  capacity_children INTEGER NOT NULL DEFAULT 0 CHECK (capacity_children >= 0),
  base_price_cents INTEGER NOT NULL CHECK (base_price_cents >= 0),
  total_rooms INTEGER NOT NULL CHECK (total_rooms >= 0)
) STRICT;
CREATE INDEX room_types_hotelId_idx ON room_types (hotel_id);

CREATE TABLE room_inventory (
  room_type_id INTEGER NOT NULL REFERENCES room_types(id),
  date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  total INTEGER NOT NULL CHECK (total >= 0),
  available INTEGER NOT NULL,
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  min_stay INTEGER NOT NULL DEFAULT 1 CHECK (min_stay BETWEEN 1 AND 365),
  max_stay INTEGER NOT NULL DEFAULT 0 CHECK (max_stay >= 0),
  closed_to_arrival INTEGER NOT NULL DEFAULT 0 CHECK (closed_to_arrival IN (0, 1)),
  closed_to_departure INTEGER NOT NULL DEFAULT 0 CHECK (closed_to_departure IN (0, 1)),
  stop_sell INTEGER NOT NULL DEFAULT 0 CHECK (stop_sell IN (0, 1)),
  PRIMARY KEY (room_type_id, date),
  CONSTRAINT room_inventory_available_check CHECK (available >= 0 AND available <= total)
) STRICT, WITHOUT ROWID;
CREATE INDEX room_inventory_roomTypeId_date_available_idx
  ON room_inventory (room_type_id, date, available);

CREATE TABLE booking_rules (
  hotel_id INTEGER NOT NULL REFERENCES hotels(id),
  key TEXT NOT NULL CHECK (key IN ('max_advance_days', 'min_lead_days',
    'max_rooms_per_booking', 'hold_ttl_seconds', 'max_nights')),
  value INTEGER NOT NULL CHECK (value >= 0),
  PRIMARY KEY (hotel_id, key)
) STRICT;

CREATE TABLE special_days (
  hotel_id INTEGER NOT NULL REFERENCES hotels(id),
  date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  kind TEXT NOT NULL CHECK (kind IN ('holiday', 'event', 'blackout')),
  price_multiplier_pct INTEGER NOT NULL DEFAULT 100 CHECK (price_multiplier_pct BETWEEN 1 AND 1000),
  min_stay INTEGER CHECK (min_stay IS NULL OR min_stay BETWEEN 1 AND 365),
  note TEXT,
  PRIMARY KEY (hotel_id, date)
) STRICT;

CREATE TABLE bookings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hotel_id INTEGER NOT NULL REFERENCES hotels(id),
  user_id INTEGER NOT NULL CHECK (user_id >= 1),
  room_type_id INTEGER NOT NULL REFERENCES room_types(id),
  status TEXT NOT NULL CHECK (status IN ('HELD', 'PENDING_SYNC', 'CONFIRMED', 'REJECTED',
    'CANCELLED', 'EXPIRED')),
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  rooms INTEGER NOT NULL CHECK (rooms >= 1),
  guests INTEGER NOT NULL CHECK (guests >= 1),
  total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  hold_expires_at INTEGER,
  idempotency_key TEXT,
  origin TEXT NOT NULL DEFAULT 'central' CHECK (origin IN ('central', 'local')),
  server_id INTEGER,
  client_id TEXT,
  local_id INTEGER,
  CHECK (end_date > start_date)
) STRICT;
CREATE INDEX bookings_status_startDate_endDate_idx ON bookings (status, start_date, end_date);
CREATE INDEX bookings_userId_status_createdAt_idx ON bookings (user_id, status, created_at);
CREATE INDEX bookings_hotelId_startDate_idx ON bookings (hotel_id, start_date);
CREATE INDEX bookings_hotelId_clientId_localId_idx ON bookings (hotel_id, client_id, local_id);

CREATE TABLE waitlist (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hotel_id INTEGER NOT NULL REFERENCES hotels(id),
  user_id INTEGER NOT NULL CHECK (user_id >= 1),
  room_type_id INTEGER NOT NULL REFERENCES room_types(id),
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  rooms INTEGER NOT NULL CHECK (rooms >= 1),
  status TEXT NOT NULL DEFAULT 'WAITING' CHECK (status IN ('WAITING', 'OFFERED', 'BOOKED', 'CANCELLED')),
  created_at INTEGER NOT NULL,
  CHECK (end_date > start_date)
) STRICT;
CREATE INDEX waitlist_status_startDate_endDate_idx ON waitlist (status, start_date, end_date);

CREATE TABLE payments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  booking_id INTEGER NOT NULL REFERENCES bookings(id),
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'CAPTURED', 'REFUNDED', 'FAILED')),
  amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX payments_status_createdAt_idx ON payments (status, created_at);
CREATE INDEX payments_bookingId_idx ON payments (booking_id);

CREATE TABLE notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  booking_id INTEGER NOT NULL REFERENCES bookings(id),
  user_id INTEGER NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
  status TEXT NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'SENT', 'FAILED', 'CANCELLED')),
  scheduled_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notifications_status_scheduledAt_idx ON notifications (status, scheduled_at);
)SQL"},
      {2, "sync_log_and_push_ledger", R"SQL(
CREATE TABLE change_seq (
  hotel_id INTEGER PRIMARY KEY REFERENCES hotels(id),
  last_seq INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0)
) STRICT;

CREATE TABLE change_log (
  hotel_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  tbl TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
  vis INTEGER NOT NULL CHECK (vis BETWEEN 0 AND 3),
  user_id INTEGER,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (hotel_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE push_clients (
  hotel_id INTEGER NOT NULL,
  client_id TEXT NOT NULL,
  last_seq INTEGER NOT NULL CHECK (last_seq >= 0),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (hotel_id, client_id)
) STRICT;

CREATE TABLE push_results (
  hotel_id INTEGER NOT NULL,
  client_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
  result TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (hotel_id, client_id, seq)
) STRICT;

CREATE TABLE idempotency_keys (
  hotel_id INTEGER NOT NULL,
  idem_key TEXT NOT NULL,
  client_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  result TEXT NOT NULL,
  booking_id INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (hotel_id, idem_key)
) STRICT;
)SQL"},
      {3, "api_tokens", R"SQL(
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  selector TEXT NOT NULL UNIQUE,
  token_hash TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('read', 'book', 'admin')),
  hotels TEXT NOT NULL,
  user_id INTEGER,
  label TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
)SQL"},
      // The last seq of the transaction that wrote a row, so a pull page never ends in the
      // middle of one (a booking's inventory rows without its booking row).
      {4, "change_log_txn_end", R"SQL(
ALTER TABLE change_log ADD COLUMN txn_end INTEGER;
)SQL"},
      // Columns of the protocol's table list the first schema lacked: notifications.kind
      // (with the change log's earlier notification rows completed to the full column
      // list), and the user an idempotency key's request acted for (a user-bound token
      // never gets another user's outcome back).
      {5, "protocol_columns", R"SQL(
ALTER TABLE notifications ADD COLUMN kind TEXT NOT NULL DEFAULT 'update'
  CHECK (kind IN ('update', 'confirmation', 'hold', 'reminder', 'cancellation', 'expiry', 'rejection', 'waitlist_offer'));
UPDATE change_log SET data = substr(data, 1, length(data) - 1) || ',"update"]'
  WHERE tbl = 'notifications' AND op = 'upsert';
ALTER TABLE idempotency_keys ADD COLUMN user_id INTEGER;
)SQL"},
      // Allotment leases (leases.cc): a token's units of one room type per night, taken
      // out of general inventory until they are booked, given back, or expire.
      {6, "leases", R"SQL(
CREATE TABLE leases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hotel_id INTEGER NOT NULL REFERENCES hotels(id),
  token_id INTEGER NOT NULL,
  user_id INTEGER,
  room_type_id INTEGER NOT NULL REFERENCES room_types(id),
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  rooms INTEGER NOT NULL CHECK (rooms >= 0),
  status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'RELEASED', 'EXPIRED')),
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  idempotency_key TEXT,
  CHECK (end_date > start_date)
) STRICT;
CREATE UNIQUE INDEX leases_hotelId_tokenId_key_idx ON leases (hotel_id, token_id, idempotency_key);
CREATE INDEX leases_status_expiresAt_idx ON leases (status, expires_at);
CREATE INDEX leases_hotelId_tokenId_idx ON leases (hotel_id, token_id);

CREATE TABLE lease_nights (
  lease_id INTEGER NOT NULL REFERENCES leases(id),
  date TEXT NOT NULL,
  units_left INTEGER NOT NULL CHECK (units_left >= 0),
  PRIMARY KEY (lease_id, date)
) STRICT;
)SQL"},
  };
  return kMigrations;
}

}  // namespace edgestay::server
