// The PostgreSQL backend (libpq): a bounded pool of connections, server-side prepared
// statements cached per connection, SQLSTATE-based error classes, the PostgreSQL dialect
// of the schema migrations, and a LISTEN connection that wakes long-polls when another
// process (a second server, the CLI) commits changes.
//
// Statements whose answers are not needed (Conn::Send: a push group's outcome records) go out in
// libpq's pipeline mode and travel with the next statement (one round trip for both); so
// do two statements whose answers are both needed (Conn::QueryThen: a booking's write and
// the next push's read).
//
// Writers run at READ COMMITTED. Every write transaction first locks its hotel's row in
// change_seq (SELECT … FOR UPDATE), so writers of one hotel are serialised: the change
// log sequence numbers they take commit in order (a cursor never skips a later commit),
// and the conditional `UPDATE room_inventory … WHERE available >= n RETURNING` of one
// booking cannot interleave with another. All transactions take locks in the same order
// (hotel row, then inventory rows), so they cannot deadlock; a deadlock or serialization
// failure would still be retried by WithTx (SQLSTATE 40001/40P01 -> kDbRetry).
#include <libpq-fe.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <unordered_map>

#include "db.h"
#include "pg_listener.h"

namespace edgestay::server {
namespace {

void IgnoreNotice(void*, const char*) {}

Status PgResultError(PGconn* c, PGresult* r, std::string_view what) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = std::string(what) + ": " + (r ? PQresultErrorMessage(r) : PQerrorMessage(c));
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (PQstatus(c) != CONNECTION_OK) return Status::Error(kDbUnavailable, msg);
  std::string st = state ? state : "";
  // The server ended the session (shutdown, a terminated backend) or the link failed. In
  // pipeline mode this answer arrives before libpq sees the connection close.
  if (st.rfind("08", 0) == 0 || st == "57P01" || st == "57P02" || st == "57P03")
    return Status::Error(kDbUnavailable, msg);
  if (st == "40001" || st == "40P01" || st == "55P03") return Status::Error(kDbRetry, msg);
  if (st == "23505") return Status::Error(kDbUnique, msg);
  if (st.rfind("23", 0) == 0) return Status::Error(kDbConstraint, msg);
  return Status::Error(kDbError, msg);
}

Status Connect(const std::string& conninfo, PGconn** out) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (!c || PQstatus(c) != CONNECTION_OK) {
    std::string msg = c ? PQerrorMessage(c) : "out of memory";
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    if (c) PQfinish(c);
    return Status::Error(kDbUnavailable, "postgresql: " + msg);
  }
  PQsetNoticeProcessor(c, IgnoreNotice, nullptr);
  PGresult* r = PQexec(c,
                       "SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD';"
                       "SET TimeZone = 'UTC'; SET statement_timeout = '60s';");
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  Status s = ok ? Status::Ok() : PgResultError(c, r, "session setup");
  PQclear(r);
  if (!ok) {
    PQfinish(c);
    return s;
  }
  *out = c;
  return Status::Ok();
}

// A write transaction's first statement: the hotel's counter row, locked until commit.
constexpr const char* kLockHotel = "SELECT last_seq FROM change_seq WHERE hotel_id = $1 FOR UPDATE";

class PgConn final : public Conn {
 public:
  explicit PgConn(PGconn* c) : c_(c) {}
  ~PgConn() override { PQfinish(c_); }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Status Query(std::string_view sql, const Params& params, Result* out) override {
    out->rows.clear();
    out->changes = 0;
    if (PQpipelineStatus(c_) != PQ_PIPELINE_OFF) return QueryInPipeline(sql, params, out);
    std::string key(sql);
    auto it = prepared_.find(key);
    if (it == prepared_.end()) {
      std::string name = "es" + std::to_string(next_id_++);
      PGresult* r = PQprepare(c_, name.c_str(), key.c_str(), 0, nullptr);
      if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        Status s = PgResultError(c_, r, "prepare");
        PQclear(r);
        return s;
      }
      PQclear(r);
      it = prepared_.emplace(std::move(key), std::move(name)).first;
    }
    ParamValues v(params);
    PGresult* r = PQexecPrepared(c_, it->second.c_str(), v.count(), v.values(), nullptr, nullptr, 0);
    return TakeResult(r, out);
  }

  // Pipeline mode: the statement is queued with the connection's other output and its
  // answer is read by the next call that needs an answer (the statement after it, or the
  // transaction's end), which sends both in one round trip. PostgreSQL runs them in the
  // order sent; an error of this one aborts what follows it until then, and that call
  // returns this error in place of its own result.
  Status Send(std::string_view sql, const Params& params) override {
    if (PQpipelineStatus(c_) == PQ_PIPELINE_OFF && !PQenterPipelineMode(c_)) return Exec(sql, params);
    const std::string* name = QueuePrepared(sql);
    ParamValues v(params);
    if (!name || !PQsendQueryPrepared(c_, name->c_str(), v.count(), v.values(), nullptr, nullptr, 0))
      return Broken();
    unread_.push_back({});
    return Status::Ok();
  }

  Status ExecScript(const std::string& sql) override { return Simple(sql.c_str()); }
  Status Sync() override { return Drain(); }

  // Both statements (behind any Send left unanswered) in one round trip.
  Status QueryThen(std::string_view sql, const Params& params, Result* out, std::string_view then_sql,
                   const Params& then_params, Result* then_out, Status* then_status) override {
    if (PQpipelineStatus(c_) == PQ_PIPELINE_OFF && !PQenterPipelineMode(c_))
      return Conn::QueryThen(sql, params, out, then_sql, then_params, then_out, then_status);
    out->rows.clear();
    out->changes = 0;
    then_out->rows.clear();
    then_out->changes = 0;
    Stmt both[2] = {{sql, &params, out, Status::Ok()}, {then_sql, &then_params, then_out, Status::Ok()}};
    RunPipelined(both, 2, false);
    *then_status = both[1].status;
    return both[0].status;
  }

  // A write transaction's BEGIN is sent without waiting (it travels with the first
  // statement), and its COMMIT with the statements still unanswered: one round trip each
  // fewer. A COMMIT behind a failed statement is not run; that statement's error is
  // returned and the transaction is rolled back.
  Status Begin(TxKind kind) override {
    if (kind == TxKind::kWrite && PQpipelineStatus(c_) == PQ_PIPELINE_OFF && PQenterPipelineMode(c_)) {
      if (!PQsendQueryParams(c_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0)) return Broken();
      unread_.push_back({});
      return Status::Ok();
    }
    return Simple(kind == TxKind::kWrite ? "BEGIN"
                                         : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  Status Commit() override {
    if (PQpipelineStatus(c_) == PQ_PIPELINE_OFF) return Simple("COMMIT");
    Result r;
    return QueryInPipeline("COMMIT", {}, &r, /*unnamed=*/true);
  }
  void Rollback() override {
    Drain();  // a statement sent without waiting may have failed: its error is moot now
    if (PQtransactionStatus(c_) != PQTRANS_IDLE) Simple("ROLLBACK");
  }

  Status LockHotel(int64_t hotel_id, bool* exists) override {
    Result r;
    Status s = Query(kLockHotel, {hotel_id}, &r);
    *exists = s.ok() && !r.empty();
    return s;
  }
  Status LockHotelThen(int64_t hotel_id, bool* exists, std::string_view then_sql, const Params& then_params,
                       Result* then_out, Status* then_status) override {
    Result r;
    Status s = QueryThen(kLockHotel, {hotel_id}, &r, then_sql, then_params, then_out, then_status);
    *exists = s.ok() && !r.empty();
    return s;
  }

  Status LockMigrations() override {
    return Exec("SELECT pg_advisory_xact_lock(727001)");
  }

  bool Healthy() override {
    Drain();
    if (broken_ || PQstatus(c_) != CONNECTION_OK) return false;
    if (PQtransactionStatus(c_) != PQTRANS_IDLE) {
      Simple("ROLLBACK");
      return PQstatus(c_) == CONNECTION_OK && PQtransactionStatus(c_) == PQTRANS_IDLE;
    }
    return true;
  }

 private:
  // One entry per queued answer of pipeline mode: a statement's, or a queued PREPARE's
  // (then `prepared_key` names it: forgotten again unless the PREPARE succeeds).
  struct Unread {
    std::string prepared_key;
  };

  // Parameter texts for libpq (NULL for SQL NULL), kept alive while the call runs.
  class ParamValues {
   public:
    explicit ParamValues(const Params& params) : storage_(params.size()), values_(params.size(), nullptr) {
      for (size_t i = 0; i < params.size(); ++i) {
        switch (params[i].kind) {
          case Param::Kind::kNull: break;
          case Param::Kind::kInt:
            storage_[i] = std::to_string(params[i].i);
            values_[i] = storage_[i].c_str();
            break;
          default: values_[i] = params[i].s.c_str();
        }
      }
    }
    int count() const { return static_cast<int>(values_.size()); }
    const char* const* values() const { return values_.data(); }

   private:
    std::vector<std::string> storage_;
    std::vector<const char*> values_;
  };

  // Copies a statement's answer into *out and frees it.
  Status TakeResult(PGresult* r, Result* out) {
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      Status s = PgResultError(c_, r, "query");
      PQclear(r);
      return s;
    }
    const int nrows = PQntuples(r), ncols = PQnfields(r);
    out->rows.resize(nrows);
    for (int i = 0; i < nrows; ++i) {
      auto& row = out->rows[i];
      row.resize(ncols);
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(r, i, c)) continue;
        row[c].null = false;
        row[c].text.assign(PQgetvalue(r, i, c), static_cast<size_t>(PQgetlength(r, i, c)));
      }
    }
    const char* affected = PQcmdTuples(r);
    out->changes = (affected && *affected) ? std::atoll(affected) : 0;
    PQclear(r);
    return Status::Ok();
  }

  // In pipeline mode: the prepared name of `sql`, queueing its PREPARE first when new.
  // (Null when it could not be queued: the connection is gone.)
  const std::string* QueuePrepared(std::string_view sql) {
    std::string key(sql);
    auto it = prepared_.find(key);
    if (it != prepared_.end()) return &it->second;
    std::string name = "es" + std::to_string(next_id_++);
    if (!PQsendPrepare(c_, name.c_str(), key.c_str(), 0, nullptr)) return nullptr;
    unread_.push_back({key});
    return &prepared_.emplace(std::move(key), std::move(name)).first->second;
  }

  // Reads every queued answer (after a sync point was sent); the first error, if any.
  Status ReadUnread() {
    Status first;
    for (const Unread& u : unread_) {
      bool ok = false;
      while (PGresult* r = PQgetResult(c_)) {
        const ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ok = true;
        else if (st == PGRES_FATAL_ERROR && first.ok()) first = PgResultError(c_, r, "query");
        PQclear(r);
        if (PQstatus(c_) != CONNECTION_OK) break;
      }
      if (!ok && !u.prepared_key.empty()) prepared_.erase(u.prepared_key);
      if (PQstatus(c_) != CONNECTION_OK) {
        if (first.ok() || first.code() != kDbUnavailable)
          first = Status::Error(kDbUnavailable, std::string("postgresql: ") + PQerrorMessage(c_));
        break;
      }
    }
    unread_.clear();
    return first;
  }

  // Reads up to the sync point and leaves pipeline mode.
  void EndPipeline() {
    while (PGresult* r = PQgetResult(c_)) {
      const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (sync || PQstatus(c_) != CONNECTION_OK) break;
    }
    PQexitPipelineMode(c_);
  }

  // One statement of a pipelined round trip: its text, parameters, answer and outcome.
  struct Stmt {
    std::string_view sql;
    const Params* params;
    Result* out;
    Status status;
  };

  // Query while statements sent with Send are unread: this one joins them, then one sync
  // point, then every answer in order.
  // (`unnamed`: sent as text, not prepared: transaction control.)
  Status QueryInPipeline(std::string_view sql, const Params& params, Result* out, bool unnamed = false) {
    Stmt one{sql, &params, out, Status::Ok()};
    RunPipelined(&one, 1, unnamed);
    return one.status;
  }

  // In pipeline mode: `stmts` join the statements Send queued, then one sync point, then
  // every answer in order. PostgreSQL skips what follows a failed statement until the
  // sync point, so from the first error on every statement's status is that error.
  void RunPipelined(Stmt* stmts, size_t n, bool unnamed) {
    // A statement's own PREPARE (when new) is read right before its answer.
    std::vector<std::vector<Unread>> prepares(n);
    bool sent = true;
    for (size_t k = 0; k < n && sent; ++k) {
      const size_t queued = unread_.size();
      const std::string text = unnamed ? std::string(stmts[k].sql) : std::string();
      const std::string* name = unnamed ? &text : QueuePrepared(stmts[k].sql);
      if (unread_.size() > queued) {
        prepares[k].push_back(std::move(unread_.back()));
        unread_.pop_back();
      }
      ParamValues v(*stmts[k].params);
      sent = name &&
             (unnamed ? PQsendQueryParams(c_, text.c_str(), v.count(), nullptr, v.values(), nullptr, nullptr, 0)
                      : PQsendQueryPrepared(c_, name->c_str(), v.count(), v.values(), nullptr, nullptr, 0));
    }
    if (!sent || !PQpipelineSync(c_)) {
      const Status broken = Broken();
      for (size_t k = 0; k < n; ++k) stmts[k].status = broken;
      return;
    }
    Status s = ReadUnread();  // the answers of the statements Send queued
    for (size_t k = 0; k < n; ++k) {
      unread_ = std::move(prepares[k]);
      Status p = ReadUnread();
      if (s.ok()) s = p;
      PGresult* r = s.code() == kDbUnavailable ? nullptr : PQgetResult(c_);
      if (r) {
        if (s.ok()) s = TakeResult(r, stmts[k].out);
        else PQclear(r);
        while (PGresult* more = PQgetResult(c_)) PQclear(more);  // the statement's end
      }
      stmts[k].status = s;
    }
    EndPipeline();
  }

  // A pipeline that could not be sent leaves the connection in an unknown state: it is
  // not used again (Healthy is false, the pool closes it).
  Status Broken() {
    broken_ = true;
    unread_.clear();
    return Status::Error(kDbUnavailable, std::string("postgresql: send failed: ") + PQerrorMessage(c_));
  }

  // Ends pipeline mode, if on: the queued answers' first error.
  Status Drain() {
    if (broken_) return Status::Error(kDbUnavailable, "postgresql: connection unusable");
    if (PQpipelineStatus(c_) == PQ_PIPELINE_OFF) return Status::Ok();
    if (unread_.empty()) {
      PQexitPipelineMode(c_);
      return Status::Ok();
    }
    if (!PQpipelineSync(c_)) return Broken();
    Status s = ReadUnread();
    EndPipeline();
    return s;
  }

  Status Simple(const char* sql) {
    Status pending = Drain();
    if (!pending.ok()) return pending;
    PGresult* r = PQexec(c_, sql);
    ExecStatusType st = PQresultStatus(r);
    Status s = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? Status::Ok()
                                                                : PgResultError(c_, r, "exec");
    PQclear(r);
    return s;
  }

  PGconn* c_;
  std::unordered_map<std::string, std::string> prepared_;
  int next_id_ = 0;
  std::vector<Unread> unread_;  // answers not read yet, in pipeline mode
  bool broken_ = false;
};

class PgBackend final : public Backend {
 public:
  PgBackend(std::string conninfo, size_t max_conns)
      : Backend(max_conns), conninfo_(std::move(conninfo)) {}
  Dialect dialect() const override { return Dialect::kPostgres; }
  std::string Describe() const override {
    // Never print a password: show only what identifies the database.
    std::string s = conninfo_;
    auto at = s.find('@');
    auto scheme = s.find("://");
    if (at != std::string::npos && scheme != std::string::npos && at > scheme)
      s = s.substr(0, scheme + 3) + "…@" + s.substr(at + 1);
    return s;
  }
  const std::string& conninfo() const { return conninfo_; }

 protected:
  Status Open(std::unique_ptr<Conn>* out) override {
    PGconn* c = nullptr;
    Status s = Connect(conninfo_, &c);
    if (!s.ok()) return s;
    *out = std::make_unique<PgConn>(c);
    return Status::Ok();
  }

 private:
  std::string conninfo_;
};

}  // namespace

std::unique_ptr<Backend> MakePgBackend(const std::string& conninfo, size_t max_conns,
                                       Status* status) {
  auto b = std::make_unique<PgBackend>(conninfo, max_conns);
  Lease probe;
  *status = b->Acquire(&probe);
  if (!status->ok()) return nullptr;
  return b;
}

// ---------------------------------------------------------------------------------------
// LISTEN edgestay_changes: payload = hotel id. Writers send pg_notify inside their
// transaction, so the notification is delivered exactly when the change commits.
// ---------------------------------------------------------------------------------------
PgListener::PgListener(std::string conninfo, std::function<void(int64_t)> on_change)
    : conninfo_(std::move(conninfo)), on_change_(std::move(on_change)) {
  thread_ = std::thread([this] { Run(); });
}

PgListener::~PgListener() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void PgListener::Run() {
  int backoff_ms = 100;
  while (!stop_) {
    PGconn* c = nullptr;
    if (!Connect(conninfo_, &c).ok()) {
      for (int i = 0; i < backoff_ms / 50 && !stop_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      backoff_ms = std::min(backoff_ms * 2, 5000);
      continue;
    }
    PGresult* r = PQexec(c, "LISTEN edgestay_changes");
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
      PQfinish(c);
      continue;
    }
    backoff_ms = 100;
    // Anything committed while we were not listening: wake every waiter once.
    on_change_(0);
    while (!stop_ && PQstatus(c) == CONNECTION_OK) {
      pollfd pfd{PQsocket(c), POLLIN, 0};
      int n = ::poll(&pfd, 1, 200);
      if (n < 0) continue;
      if (n == 0) continue;
      if (!PQconsumeInput(c)) break;
      while (PGnotify* note = PQnotifies(c)) {
        int64_t hotel = note->extra ? std::atoll(note->extra) : 0;
        PQfreemem(note);
        on_change_(hotel);
      }
    }
    PQfinish(c);
  }
}

// ---------------------------------------------------------------------------------------
// Schema, PostgreSQL dialect: the same tables, columns and constraints as the SQLite
// migrations of the same version. Dates are DATE (rendered 'YYYY-MM-DD' with
// DateStyle ISO), timestamps BIGINT ms, booleans SMALLINT 0/1.
// ---------------------------------------------------------------------------------------
const std::vector<Migration>& PgMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "core_tables", R"SQL(
CREATE TABLE hotels (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  time_zone TEXT NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
  currency TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
  utc_offset_minutes INTEGER NOT NULL DEFAULT 0 CHECK (utc_offset_minutes BETWEEN -840 AND 840),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE room_types (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  hotel_id BIGINT NOT NULL REFERENCES hotels(id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  capacity_adults INTEGER NOT NULL DEFAULT 2 CHECK (capacity_adults >= 1),
  capacity_children INTEGER NOT NULL DEFAULT 0 CHECK (capacity_children >= 0),
  base_price_cents BIGINT NOT NULL CHECK (base_price_cents >= 0),
  total_rooms INTEGER NOT NULL CHECK (total_rooms >= 0)
);
CREATE INDEX room_types_hotelId_idx ON room_types (hotel_id);

CREATE TABLE room_inventory (
  room_type_id BIGINT NOT NULL REFERENCES room_types(id),
  date DATE NOT NULL,
  total INTEGER NOT NULL CHECK (total >= 0),
  available INTEGER NOT NULL,
  price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
  min_stay INTEGER NOT NULL DEFAULT 1 CHECK (min_stay BETWEEN 1 AND 365),
  max_stay INTEGER NOT NULL DEFAULT 0 CHECK (max_stay >= 0),
  closed_to_arrival SMALLINT NOT NULL DEFAULT 0 CHECK (closed_to_arrival IN (0, 1)),
  closed_to_departure SMALLINT NOT NULL DEFAULT 0 CHECK (closed_to_departure IN (0, 1)),
  stop_sell SMALLINT NOT NULL DEFAULT 0 CHECK (stop_sell IN (0, 1)),
  PRIMARY KEY (room_type_id, date),
  CONSTRAINT room_inventory_available_check CHECK (available >= 0 AND available <= total)
);
CREATE INDEX room_inventory_roomTypeId_date_available_idx
  ON room_inventory (room_type_id, date, available);

CREATE TABLE booking_rules (
  hotel_id BIGINT NOT NULL REFERENCES hotels(id),
  key TEXT NOT NULL CHECK (key IN ('max_advance_days', 'min_lead_days',
    'max_rooms_per_booking', 'hold_ttl_seconds', 'max_nights')),
  value BIGINT NOT NULL CHECK (value >= 0),
  PRIMARY KEY (hotel_id, key)
);

CREATE TABLE special_days (
  hotel_id BIGINT NOT NULL REFERENCES hotels(id),
  date DATE NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('holiday', 'event', 'blackout')),
  price_multiplier_pct INTEGER NOT NULL DEFAULT 100 CHECK (price_multiplier_pct BETWEEN 1 AND 1000),
  min_stay INTEGER CHECK (min_stay IS NULL OR min_stay BETWEEN 1 AND 365),
  note TEXT,
  PRIMARY KEY (hotel_id, date)
);

CREATE TABLE bookings (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  hotel_id BIGINT NOT NULL REFERENCES hotels(id),
  user_id BIGINT NOT NULL CHECK (user_id >= 1),
  room_type_id BIGINT NOT NULL REFERENCES room_types(id),
  status TEXT NOT NULL CHECK (status IN ('HELD', 'PENDING_SYNC', 'CONFIRMED', 'REJECTED',
    'CANCELLED', 'EXPIRED')),
  start_date DATE NOT NULL,
  end_date DATE NOT NULL,
  rooms INTEGER NOT NULL CHECK (rooms >= 1),
  guests INTEGER NOT NULL CHECK (guests >= 1),
  total_cents BIGINT NOT NULL CHECK (total_cents >= 0),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  hold_expires_at BIGINT,
  idempotency_key TEXT,
  origin TEXT NOT NULL DEFAULT 'central' CHECK (origin IN ('central', 'local')),
  server_id BIGINT,
  client_id TEXT,
  local_id BIGINT,
  CHECK (end_date > start_date)
);
CREATE INDEX bookings_status_startDate_endDate_idx ON bookings (status, start_date, end_date);
CREATE INDEX bookings_userId_status_createdAt_idx ON bookings (user_id, status, created_at);
CREATE INDEX bookings_hotelId_startDate_idx ON bookings (hotel_id, start_date);
CREATE INDEX bookings_hotelId_clientId_localId_idx ON bookings (hotel_id, client_id, local_id);

CREATE TABLE waitlist (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  hotel_id BIGINT NOT NULL REFERENCES hotels(id),
  user_id BIGINT NOT NULL CHECK (user_id >= 1),
  room_type_id BIGINT NOT NULL REFERENCES room_types(id),
  start_date DATE NOT NULL,
  end_date DATE NOT NULL,
  rooms INTEGER NOT NULL CHECK (rooms >= 1),
  status TEXT NOT NULL DEFAULT 'WAITING' CHECK (status IN ('WAITING', 'OFFERED', 'BOOKED', 'CANCELLED')),
  created_at BIGINT NOT NULL,
  CHECK (end_date > start_date)
);
CREATE INDEX waitlist_status_startDate_endDate_idx ON waitlist (status, start_date, end_date);

CREATE TABLE payments (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  booking_id BIGINT NOT NULL REFERENCES bookings(id),
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'CAPTURED', 'REFUNDED', 'FAILED')),
  amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
  created_at BIGINT NOT NULL
);
CREATE INDEX payments_status_createdAt_idx ON payments (status, created_at);
CREATE INDEX payments_bookingId_idx ON payments (booking_id);

CREATE TABLE notifications (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  booking_id BIGINT NOT NULL REFERENCES bookings(id),
  user_id BIGINT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
  status TEXT NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'SENT', 'FAILED', 'CANCELLED')),
  scheduled_at BIGINT NOT NULL
);
CREATE INDEX notifications_status_scheduledAt_idx ON notifications (status, scheduled_at);
)SQL"},
      {2, "sync_log_and_push_ledger", R"SQL(
CREATE TABLE change_seq (
  hotel_id BIGINT PRIMARY KEY REFERENCES hotels(id),
  last_seq BIGINT NOT NULL DEFAULT 0 CHECK (last_seq >= 0)
);

CREATE TABLE change_log (
  hotel_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  tbl TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
  vis SMALLINT NOT NULL CHECK (vis BETWEEN 0 AND 3),
  user_id BIGINT,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (hotel_id, seq)
);

CREATE TABLE push_clients (
  hotel_id BIGINT NOT NULL,
  client_id TEXT NOT NULL,
  last_seq BIGINT NOT NULL CHECK (last_seq >= 0),
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (hotel_id, client_id)
);

CREATE TABLE push_results (
  hotel_id BIGINT NOT NULL,
  client_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
  result TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (hotel_id, client_id, seq)
);

CREATE TABLE idempotency_keys (
  hotel_id BIGINT NOT NULL,
  idem_key TEXT NOT NULL,
  client_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  result TEXT NOT NULL,
  booking_id BIGINT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (hotel_id, idem_key)
);
)SQL"},
      {3, "api_tokens", R"SQL(
CREATE TABLE api_tokens (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  selector TEXT NOT NULL UNIQUE,
  token_hash TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('read', 'book', 'admin')),
  hotels TEXT NOT NULL,
  user_id BIGINT,
  label TEXT,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
)SQL"},
      // The last seq of the transaction that wrote a row, so a pull page never ends in the
      // middle of one (a booking's inventory rows without its booking row).
      {4, "change_log_txn_end", R"SQL(
ALTER TABLE change_log ADD COLUMN txn_end BIGINT;
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
ALTER TABLE idempotency_keys ADD COLUMN user_id BIGINT;
)SQL"},
      // Allotment leases (leases.cc): a token's units of one room type per night, taken
      // out of general inventory until they are booked, given back, or expire.
      {6, "leases", R"SQL(
CREATE TABLE leases (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  hotel_id BIGINT NOT NULL REFERENCES hotels(id),
  token_id BIGINT NOT NULL,
  user_id BIGINT,
  room_type_id BIGINT NOT NULL REFERENCES room_types(id),
  start_date DATE NOT NULL,
  end_date DATE NOT NULL,
  rooms INTEGER NOT NULL CHECK (rooms >= 0),
  status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'RELEASED', 'EXPIRED')),
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  idempotency_key TEXT,
  CHECK (end_date > start_date)
);
CREATE UNIQUE INDEX leases_hotelId_tokenId_key_idx ON leases (hotel_id, token_id, idempotency_key);
CREATE INDEX leases_status_expiresAt_idx ON leases (status, expires_at);
CREATE INDEX leases_hotelId_tokenId_idx ON leases (hotel_id, token_id);

CREATE TABLE lease_nights (
  lease_id BIGINT NOT NULL REFERENCES leases(id),
  date DATE NOT NULL,
  units_left INTEGER NOT NULL CHECK (units_left >= 0),
  PRIMARY KEY (lease_id, date)
);
)SQL"},
  };
  return kMigrations;
}

}  // namespace edgestay::server
