// SqlStore, part 1: opening a store, migrations, tokens, the change log and pulls.
//
// Cursors (sync/SPEC.md: "a cursor never skips a change that commits later"):
// every hotel has one row in change_seq. A write transaction locks that row first
// (Conn::LockHotel: SELECT … FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE on SQLite) and,
// at its end, takes consecutive sequence numbers from it for its change-log rows. So a
// writer can only take numbers after the previous writer of the hotel has committed or
// rolled back: numbers are gap-free and commit in increasing order. A pull reads the
// counter and the log in one snapshot; every change at or below the counter is visible
// in it, and every later commit gets a larger number. A cursor is the decimal seq of
// the last change the client has; no later commit can land below it.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "auth.h"
#include "row_access.h"
#include "sql_store.h"

namespace edgestay::server {

// ---------------------------------------------------------------------------------------
// Scopes and principals
// ---------------------------------------------------------------------------------------
const char* ScopeName(Scope s) {
  switch (s) {
    case Scope::kRead: return "read";
    case Scope::kBook: return "book";
    case Scope::kAdmin: return "admin";
  }
  return "read";
}

bool ParseScope(const std::string& text, Scope* out) {
  if (text == "read") *out = Scope::kRead;
  else if (text == "book") *out = Scope::kBook;
  else if (text == "admin") *out = Scope::kAdmin;
  else return false;
  return true;
}

bool Principal::AllowsHotel(int64_t hotel_id) const {
  if (all_hotels) return true;
  return std::find(hotels.begin(), hotels.end(), hotel_id) != hotels.end();
}

// ---------------------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------------------
std::unique_ptr<Store> OpenStore(const std::string& spec, const StoreOptions& options,
                                 Status* status) {
  std::unique_ptr<Backend> backend;
  if (IsSqliteSpec(spec)) {
    std::string path = SqlitePathOf(spec);
    if (path.empty()) {
      *status = Status::Error("INVALID_ARGUMENT", "sqlite: needs a file path");
      return nullptr;
    }
    backend = MakeSqliteBackend(path, options.max_connections, options.sqlite_durable, status);
  } else if (IsPgSpec(spec)) {
    backend = MakePgBackend(spec, options.max_connections, status);
  } else {
    *status = Status::Error("INVALID_ARGUMENT",
                            "--store must be sqlite:PATH or postgresql://…, got '" + spec + "'");
    return nullptr;
  }
  if (!backend) return nullptr;
  return std::make_unique<SqlStore>(std::move(backend));
}

SqlStore::SqlStore(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {
  const char* group_statement = std::getenv("EDGESTAY_PUSH_GROUP_STATEMENT");
  group_statement_ = !(group_statement && std::string_view(group_statement) == "off");
}

SqlStore::~SqlStore() { StopAnswerer(); }

// ---------------------------------------------------------------------------------------
// Migrations
// ---------------------------------------------------------------------------------------
const std::vector<Migration>& SqlStore::Migrations() const {
  return dialect() == Dialect::kSqlite ? SqliteMigrations() : PgMigrations();
}

Status SqlStore::EnsureMigrationTable() {
  return WithTx(*backend_, TxKind::kWrite, [&](Conn& c) {
    Status s = c.LockMigrations();
    if (!s.ok()) return s;
    return c.ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
  });
}

Status SqlStore::MigrationStatus(std::vector<MigrationState>* out) {
  Status s = EnsureMigrationTable();
  if (!s.ok()) return s;
  Lease c;
  s = backend_->Acquire(&c);
  if (!s.ok()) return s;
  Result r;
  s = c->Query("SELECT version, applied_at FROM schema_migrations ORDER BY version", {}, &r);
  if (!s.ok()) return s;
  out->clear();
  for (const auto& m : Migrations()) {
    MigrationState st{m.version, m.name, std::nullopt};
    for (const auto& row : r.rows)
      if (row[0].Int() == m.version) st.applied_at = row[1].Int();
    out->push_back(st);
  }
  // Versions applied by a newer binary show up too (so --status never hides them).
  for (const auto& row : r.rows) {
    int v = static_cast<int>(row[0].Int());
    bool known = std::any_of(Migrations().begin(), Migrations().end(),
                             [&](const Migration& m) { return m.version == v; });
    if (!known) out->push_back({v, "(unknown to this binary)", row[1].Int()});
  }
  return Status::Ok();
}

Status SqlStore::Migrate(std::vector<MigrationState>* applied_now, int up_to) {
  Status s = EnsureMigrationTable();
  if (!s.ok()) return s;
  // Test-only: EDGESTAY_TEST_FAIL_MIGRATION=N makes migration N fail after its SQL ran, to
  // prove that a failed migration leaves the store at its old version.
  const char* fail_env = std::getenv("EDGESTAY_TEST_FAIL_MIGRATION");
  const int fail_version = fail_env ? std::atoi(fail_env) : 0;
  std::vector<MigrationState> applied;
  s = WithTx(*backend_, TxKind::kWrite, [&](Conn& c) {
    applied.clear();
    Status st = c.LockMigrations();
    if (!st.ok()) return st;
    Result r;
    st = c.Query("SELECT version FROM schema_migrations", {}, &r);
    if (!st.ok()) return st;
    for (const auto& m : Migrations()) {
      if (m.version > up_to) break;
      bool done = std::any_of(r.rows.begin(), r.rows.end(),
                              [&](const std::vector<Cell>& row) { return row[0].Int() == m.version; });
      if (done) continue;
      st = c.ExecScript(m.sql);
      if (st.ok() && m.version == fail_version)
        st = Status::Error("MIGRATION_FAILED", "forced by EDGESTAY_TEST_FAIL_MIGRATION");
      if (!st.ok()) {
        st = Status::Error(st.code(), "migration " + std::to_string(m.version) + " (" + m.name + "): " + st.message());
        return st;
      }
      const int64_t now = NowMs();
      st = c.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                  {m.version, m.name, now});
      if (!st.ok()) return st;
      applied.push_back({m.version, m.name, now});
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (applied_now) applied_now->insert(applied_now->end(), applied.begin(), applied.end());
  // A store held at an older version (--to) cannot match the current column list yet.
  if (!Migrations().empty() && up_to < Migrations().back().version) return Status::Ok();
  return CheckSchema();
}

// Columns the central store keeps in replicated tables for itself (never sent to edges).
static const std::vector<std::string>& PrivateColumns(const TableSpec& t) {
  static const std::vector<std::string> kNone;
  static const std::vector<std::string> kHotels = {"created_at", "updated_at"};
  static const std::vector<std::string> kBookings = {"client_id", "local_id"};
  if (t.id == TableId::kHotels) return kHotels;
  if (t.id == TableId::kBookings) return kBookings;
  return kNone;
}

// The store's replicated tables against the protocol's column list (names and types), so
// a store whose schema drifted (edited by hand, or a migration that missed a column) is
// refused before it serves rows edges cannot take.
Status SqlStore::CheckSchema() {
  Lease c;
  Status s = backend_->Acquire(&c);
  if (!s.ok()) return s;
  const char* sql = dialect() == Dialect::kSqlite
                        ? "SELECT name, type FROM pragma_table_info($1)"
                        : "SELECT column_name, data_type FROM information_schema.columns"
                          " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position";
  std::string problems;
  for (const TableSpec& t : protocol::Tables()) {
    Result r;
    s = c->Query(sql, {t.name}, &r);
    if (!s.ok()) return s;
    std::vector<protocol::DeclaredColumn> declared;
    for (const auto& row : r.rows) declared.push_back({row[0].text, row[1].text});
    for (const std::string& p : protocol::CheckTableSchema(t, declared, PrivateColumns(t)))
      problems += (problems.empty() ? "" : "; ") + p;
  }
  Status read;
  const std::string leases = LeaseSchemaProblems([&](const char* table) {
    Result r;
    std::vector<protocol::DeclaredColumn> declared;
    if (Status q = c->Query(sql, {table}, &r); !q.ok()) read = q;
    for (const auto& row : r.rows) declared.push_back({row[0].text, row[1].text});
    return declared;
  });
  if (!read.ok()) return read;
  if (!leases.empty()) problems += (problems.empty() ? "" : "; ") + leases;
  if (!problems.empty())
    return Status::Error("SCHEMA_MISMATCH", "the store's schema does not match the sync protocol: " + problems);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------
static std::string HotelsText(const TokenSpec& spec) {
  if (spec.all_hotels) return "*";
  std::string out;
  for (size_t i = 0; i < spec.hotels.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(spec.hotels[i]);
  }
  return out;
}

static Principal PrincipalFromRow(const std::vector<Cell>& row) {
  // row: id, scope, hotels, user_id
  Principal p;
  p.token_id = row[0].Int();
  ParseScope(row[1].text, &p.scope);
  if (row[2].text == "*") {
    p.all_hotels = true;
  } else {
    std::stringstream ss(row[2].text);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) p.hotels.push_back(std::atoll(item.c_str()));
  }
  p.user_id = row[3].OptInt();
  return p;
}

Status SqlStore::CreateToken(const TokenSpec& spec, std::string* token, int64_t* id) {
  if (!spec.all_hotels && spec.hotels.empty())
    return Status::Error("INVALID_ARGUMENT", "a token needs at least one hotel (or '*')");
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string t = RandomHex(32);
    Status s = WithTx(*backend_, TxKind::kWrite, [&](Conn& c) {
      Result r;
      Status st = c.Query(
          "INSERT INTO api_tokens (selector, token_hash, scope, hotels, user_id, label, created_at)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
          {TokenSelector(t), Sha256Hex(t), ScopeName(spec.scope), HotelsText(spec),
           Param(spec.user_id), spec.label.empty() ? Param() : Param(spec.label), NowMs()},
          &r);
      if (st.ok()) *id = r.at(0, 0).Int();
      return st;
    });
    if (s.code() == kDbUnique) continue;  // selector collision (2^-64): draw again
    if (s.ok()) *token = t;
    return s;
  }
  return Status::Error(kDbError, "could not draw a unique token");
}

Status SqlStore::FindToken(const std::string& selector, TokenRecord* out, bool* found) {
  Lease c;
  Status s = backend_->Acquire(&c);
  if (!s.ok()) return s;
  Result r;
  s = c->Query(
      "SELECT id, scope, hotels, user_id, token_hash, revoked_at FROM api_tokens"
      " WHERE selector = $1",
      {selector}, &r);
  if (!s.ok()) return s;
  *found = !r.empty();
  if (!*found) return Status::Ok();
  out->principal = PrincipalFromRow(r.rows[0]);
  out->id = out->principal.token_id;
  out->token_hash = r.at(0, 4).text;
  out->revoked = !r.at(0, 5).null;
  return Status::Ok();
}

Status SqlStore::RevokeToken(int64_t id, bool* found) {
  return WithTx(*backend_, TxKind::kWrite, [&](Conn& c) {
    int64_t changes = 0;
    Status s = c.Exec("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                      {id, NowMs()}, &changes);
    *found = changes > 0;
    return s;
  });
}

Status SqlStore::ListTokens(json* out) {
  Lease c;
  Status s = backend_->Acquire(&c);
  if (!s.ok()) return s;
  Result r;
  s = c->Query(
      "SELECT id, scope, hotels, user_id, label, created_at, revoked_at, selector"
      " FROM api_tokens ORDER BY id",
      {}, &r);
  if (!s.ok()) return s;
  *out = json::array();
  for (const auto& row : r.rows) {
    json t = {{"id", row[0].Int()}, {"scope", row[1].text}, {"hotels", row[2].text},
              {"selector", row[7].text}, {"createdAt", row[5].Int()}};
    t["userId"] = row[3].null ? json(nullptr) : json(row[3].Int());
    t["label"] = row[4].null ? json(nullptr) : json(row[4].text);
    t["revokedAt"] = row[6].null ? json(nullptr) : json(row[6].Int());
    out->push_back(t);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Change log
// ---------------------------------------------------------------------------------------
// Every replicated row the server commits passes through here on its way to the change
// log, so this is where it is checked with the protocol's own row validation (the one an
// edge applies when it pulls the row): a row an edge would refuse fails the transaction
// (Flush returns INVALID_ROW) instead of stopping every edge of the hotel later.
std::vector<protocol::Value> ValuesOf(const TableSpec& t, const std::vector<Cell>& row, std::string* problem) {
  std::vector<protocol::Value> values(t.columns.size());
  for (size_t i = 0; i < t.columns.size(); ++i) {
    protocol::Value& v = values[i];
    if (i >= row.size() || row[i].null) {
      v.kind = protocol::Value::kNull;
    } else if (t.columns[i].IsInteger()) {
      const std::string& text = row[i].text;
      char* end = nullptr;
      errno = 0;
      v.i = std::strtoll(text.c_str(), &end, 10);
      v.kind = protocol::Value::kInt;
      if (text.empty() || *end != '\0' || errno == ERANGE) {
        if (problem->empty()) *problem = std::string(t.columns[i].name) + ": must be an integer";
      }
    } else {
      v.kind = protocol::Value::kText;
      v.s = row[i].text;
    }
  }
  return values;
}

void LogWriter::Add(const TableSpec& t, bool is_delete, const std::vector<Cell>& row,
                    std::optional<int64_t> user_id) {
  std::string problem;
  std::vector<protocol::Value> values = ValuesOf(t, row, &problem);
  if (!is_delete && problem.empty()) {
    Status s = protocol::ValidateRow(t, values.data());
    if (!s.ok()) problem = s.message();
  }
  if (!problem.empty()) {
    if (error_.ok()) {
      error_ = Status::Error("INVALID_ROW", "refused to commit a " + std::string(t.name) +
                                                " row that edges would reject: " + problem);
    }
    return;
  }
  entries_.push_back({&t, is_delete,
                      is_delete ? protocol::EncodeKeyObject(t, values.data())
                                : protocol::EncodeRowArray(t, values.data()),
                      user_id});
}

void LogWriter::Upsert(TableId table, const std::vector<Cell>& row) {
  const TableSpec& t = Table(table);
  std::optional<int64_t> user;
  if (t.user_column >= 0 && static_cast<size_t>(t.user_column) < row.size()) user = row[t.user_column].OptInt();
  Add(t, false, row, user);
}

void LogWriter::UpsertUser(TableId table, const std::vector<Cell>& row,
                           std::optional<int64_t> user_id) {
  Add(Table(table), false, row, user_id);
}

void LogWriter::UpsertAll(TableId table, const Result& rows) {
  for (const auto& row : rows.rows) Upsert(table, row);
}

void LogWriter::Delete(TableId table, const std::vector<Cell>& key_row) {
  Add(Table(table), true, key_row, std::nullopt);
}

Status LogWriter::Flush(Conn& c, int64_t hotel_id, int64_t now_ms, int64_t* last_seq) {
  if (!error_.ok()) return error_;
  Result r;
  const int64_t n = static_cast<int64_t>(entries_.size());
  // On PostgreSQL the notification rides on the same statement; it is delivered to
  // LISTENers when (and only if) this transaction commits.
  const bool notify = c.dialect() == Dialect::kPostgres && n > 0;
  Status s = c.Query(notify ? "UPDATE change_seq SET last_seq = last_seq + $2 WHERE hotel_id = $1"
                              " RETURNING last_seq, pg_notify('edgestay_changes', $3)"
                            : "UPDATE change_seq SET last_seq = last_seq + $2 WHERE hotel_id = $1"
                              " RETURNING last_seq",
                     notify ? Params{hotel_id, n, std::to_string(hotel_id)} : Params{hotel_id, n}, &r);
  if (!s.ok()) return s;
  if (r.empty()) return Status::Error("UNKNOWN_HOTEL", "no such hotel");
  *last_seq = r.at(0, 0).Int();
  if (n == 0) return Status::Ok();
  int64_t seq = *last_seq - n + 1;
  constexpr size_t kChunk = 32;
  for (size_t start = 0; start < entries_.size(); start += kChunk) {
    const size_t m = std::min(kChunk, entries_.size() - start);
    std::string sql =
        "INSERT INTO change_log (hotel_id, seq, tbl, op, vis, user_id, data, created_at, txn_end) VALUES ";
    Params params;
    params.reserve(m * 6 + 3);
    params.emplace_back(hotel_id);  // $1
    params.emplace_back(now_ms);    // $2
    params.emplace_back(*last_seq); // $3: the transaction's last seq
    for (size_t i = 0; i < m; ++i) {
      const Entry& e = entries_[start + i];
      const size_t base = params.size();
      if (i) sql += ", ";
      sql += "($1, $" + std::to_string(base + 1) + ", $" + std::to_string(base + 2) + ", $" +
             std::to_string(base + 3) + ", $" + std::to_string(base + 4) + ", $" +
             std::to_string(base + 5) + ", $" + std::to_string(base + 6) + ", $2, $3)";
      params.emplace_back(seq++);
      params.emplace_back(e.table->name);
      params.emplace_back(e.is_delete ? "delete" : "upsert");
      params.emplace_back(static_cast<int64_t>(e.table->audience));
      params.emplace_back(e.user_id);
      params.emplace_back(e.data);
    }
    // Nothing is read back: on PostgreSQL the appends travel with the COMMIT (Conn::Send).
    s = c.Send(sql, params);
    if (!s.ok()) return s;
  }
  entries_.clear();
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Pull
// ---------------------------------------------------------------------------------------
// Which change-log rows a principal may see (partial replication by scope), from the one
// rule in row_access.h (also behind checksums and snapshots):
//   admin              everything
//   book               public + bookings/waitlist + payments
//   book, bound user   public + that user's bookings/waitlist/payments
//   read               public only (hotels, room types, inventory, rules, special days)
//   read, bound user   public + that user's bookings/waitlist (never payments)
static std::string VisibilityFilter(const Principal& p, Params* params) {
  using protocol::Audience;
  std::string all, mine;
  for (Audience a : {Audience::kPublic, Audience::kGuest, Audience::kPayment, Audience::kAdmin}) {
    const RowAccess access = AccessTo(p, a);
    std::string& list = access == RowAccess::kAll ? all : mine;
    if (access == RowAccess::kNone) continue;
    list += (list.empty() ? "" : ", ") + std::to_string(static_cast<int>(a));
  }
  if (mine.empty() && all == "0, 1, 2, 3") return "";
  std::string filter = " AND (vis IN (" + all + ")";
  if (!mine.empty()) {
    params->emplace_back(*p.user_id);
    filter += " OR (vis IN (" + mine + ") AND user_id = $" + std::to_string(params->size()) + ")";
  }
  return filter + ")";
}

static void AppendRowObject(std::string* out, const TableSpec& t, const std::string& array_text) {
  // One row in the object form: zip the stored array with the column names.
  json arr = json::parse(array_text, nullptr, false);
  json obj = json::object();
  if (arr.is_array())
    for (size_t i = 0; i < t.columns.size() && i < arr.size(); ++i) obj[t.columns[i].name] = arr[i];
  *out += obj.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status SqlStore::Pull(const PullQuery& q, PullPage* out) {
  return WithTx(*backend_, TxKind::kRead, [&](Conn& c) -> Status {
    *out = PullPage{};
    Result r;
    Status s = c.Query("SELECT last_seq FROM change_seq WHERE hotel_id = $1", {q.hotel_id}, &r);
    if (!s.ok()) return s;
    if (r.empty()) {
      out->hotel_exists = false;
      return Status::Ok();
    }
    const int64_t last = r.at(0, 0).Int();
    if (q.since > last)
      return Status::Error("CURSOR_AHEAD", "cursor " + std::to_string(q.since) +
                                               " is ahead of this hotel's log (" +
                                               std::to_string(last) + "): bootstrap again");
    Params params = {q.hotel_id, q.since, last, static_cast<int64_t>(q.limit) + 1};
    std::string filter = VisibilityFilter(q.principal, &params);
    const std::string page_sql = "SELECT seq, tbl, op, data, COALESCE(txn_end, seq) FROM change_log"
                                 " WHERE hotel_id = $1 AND seq > $2 AND seq <= $3" + filter + " ORDER BY seq LIMIT $4";
    s = c.Query(page_sql, params, &r);
    if (!s.ok()) return s;
    size_t n = r.size();
    out->has_more = n > static_cast<size_t>(q.limit);
    if (out->has_more) n = static_cast<size_t>(q.limit);
    out->cursor = out->has_more ? r.at(n - 1, 0).Int() : last;
    if (out->has_more && r.at(n - 1, 4).Int() > out->cursor) {
      // The page would end inside a transaction: extend it to the transaction's end, so a
      // client never holds half of one (e.g. a booking's inventory rows without its row).
      const int64_t txn_end = std::min(r.at(n - 1, 4).Int(), last);
      params[2] = Param(txn_end);
      params[3] = Param(int64_t{1} << 40);
      s = c.Query(page_sql, params, &r);
      if (!s.ok()) return s;
      n = r.size();
      out->cursor = txn_end;
      out->has_more = txn_end < last;
    }
    out->count = n;

    std::string& js = out->changes_json;
    js.reserve(n * 64 + 16);
    js = "[";
    bool first = true;
    size_t i = 0;
    while (i < n) {
      const std::string& tbl = r.at(i, 1).text;
      const TableSpec* t = FindTable(tbl);
      if (!t) return Status::Error(kDbError, "change_log names unknown table " + tbl);
      if (!first) js += ",";
      first = false;
      if (r.at(i, 2).text == "delete") {
        js += "{\"op\":\"delete\",\"table\":\"";
        js += t->name;
        js += "\",\"key\":";
        js += r.at(i, 3).text;
        js += "}";
        ++i;
        continue;
      }
      size_t j = i + 1;
      while (j < n && r.at(j, 2).text == "upsert" && r.at(j, 1).text == tbl) ++j;
      js += "{\"op\":\"upsert\",\"table\":\"";
      js += t->name;
      if (j - i == 1) {
        js += "\",\"row\":";
        AppendRowObject(&js, *t, r.at(i, 3).text);
      } else {
        js += "\",\"columns\":";
        js += t->columns_json;
        js += ",\"rows\":[";
        for (size_t k = i; k < j; ++k) {
          if (k > i) js += ",";
          js += r.at(k, 3).text;
        }
        js += "]";
      }
      js += "}";
      i = j;
    }
    js += "]";
    return Status::Ok();
  });
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------
std::string BookingColumns() { return Table(TableId::kBookings).column_list; }

json BookingJson(const std::vector<Cell>& row) {
  // FORMAT order: id, hotel_id, user_id, room_type_id, status, start_date, end_date, rooms,
  // guests, total_cents, created_at, updated_at, hold_expires_at, idempotency_key, origin,
  // server_id
  json b = {{"id", row[0].Int()},          {"hotelId", row[1].Int()},
            {"userId", row[2].Int()},      {"roomTypeId", row[3].Int()},
            {"status", row[4].text},       {"checkIn", row[5].text},
            {"checkOut", row[6].text},     {"rooms", row[7].Int()},
            {"guests", row[8].Int()},      {"totalCents", row[9].Int()},
            {"createdAt", row[10].Int()},  {"updatedAt", row[11].Int()},
            {"origin", row[14].text}};
  Day in = 0, out = 0;
  if (ParseDate(row[5].text, &in) && ParseDate(row[6].text, &out)) b["nights"] = out - in;
  b["holdExpiresAt"] = row[12].null ? json(nullptr) : json(row[12].Int());
  b["idempotencyKey"] = row[13].null ? json(nullptr) : json(row[13].text);
  return b;
}

json Rejected(int64_t seq, const std::string& reason, const std::string& message) {
  return json{{"seq", seq}, {"status", "rejected"}, {"reason", reason}, {"message", message}};
}

Status SqlStore::HotelExists(int64_t hotel_id, bool* exists) {
  Lease c;
  Status s = backend_->Acquire(&c);
  if (!s.ok()) return s;
  Result r;
  s = c->Query("SELECT 1 FROM change_seq WHERE hotel_id = $1", {hotel_id}, &r);
  *exists = s.ok() && !r.empty();
  return s;
}

}  // namespace edgestay::server
