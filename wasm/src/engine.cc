// Engine lifecycle: opening a snapshot, exporting the image, the clock, cached facts,
// the sync position and the event queue.
#include <algorithm>
#include <cstring>

#include "args.h"
#include "chunk_pool.h"
#include "edgestay/protocol/tables.h"
#include "engine_impl.h"
#include "json_writer.h"
#include "page_cache.h"
#include "schema.h"

namespace edgestay {
namespace {

// An SQLite image starts with this 16-byte header string.
constexpr char kSqliteMagic[] = "SQLite format 3";

Status Corrupt(const std::string& why) { return Status::Error("CORRUPT_SNAPSHOT", why); }

// SQL function edgestay_waitlist_id(result): the central waitlist id a settled joinWaitlist
// push result names (outbox.result holds the result as ApplyPushResults stored it), or NULL.
// The core's only JSON read inside SQL: with it in C++, SQLite's JSON functions are not
// needed and the wasm module is built without them (SQLITE_OMIT_JSON, see CMakeLists.txt).
void WaitlistIdOfResult(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const unsigned char* text = sqlite3_value_text(argv[0]);
  if (!text) return;  // NULL result: NULL
  protocol::json::JsonValue r;
  r.Parse(reinterpret_cast<const char*>(text));
  const protocol::json::JsonValue* w = r.Find("waitlist");
  const protocol::json::JsonValue* id = w ? w->Find("id") : nullptr;
  // Only an integer id can match a waitlist row (ApplyPushResults takes no other).
  if (id && id->is_int()) sqlite3_result_int64(ctx, id->i());
}

Status ValidateImage(sqlite3* db);

bool LooksLikeImage(const unsigned char* data, size_t size) {
  return size >= 512 && std::memcmp(data, kSqliteMagic, 16) == 0;
}

// Opens the image in `buf` (from sqlite3_malloc, `size` bytes) as the database; SQLite
// owns the buffer from here on, and frees it even when this fails.
Status DeserializeImage(sqlite3* db, unsigned char* buf, sqlite3_int64 size) {
  Engine::ReadAsRollbackJournal(buf, 0, static_cast<size_t>(size));
  const int rc = sqlite3_deserialize(db, "main", buf, size, size,
                                     SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
  if (rc != SQLITE_OK) return Corrupt(std::string("the snapshot cannot be opened: ") + sqlite3_errmsg(db));
  return ValidateImage(db);
}

// Copies the database at `path` on `vfs` (opened read-only there) into `into`, an empty
// ":memory:" database, with SQLite's backup API: page for page, the image's own bytes.
Status CopyImage(const std::string& path, const char* vfs, sqlite3* into) {
  sqlite3* from = nullptr;
  struct Closer {
    sqlite3** db;
    ~Closer() { sqlite3_close(*db); }
  } closer{&from};
  if (sqlite3_open_v2(path.c_str(), &from, SQLITE_OPEN_READONLY, vfs) != SQLITE_OK) {
    return Corrupt(std::string("the snapshot cannot be opened: ") + (from ? sqlite3_errmsg(from) : "out of memory"));
  }
  sqlite3_file* file = nullptr;
  sqlite3_int64 size = 0;
  unsigned char head[512];
  if (sqlite3_file_control(from, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || !file || !file->pMethods ||
      file->pMethods->xFileSize(file, &size) != SQLITE_OK || size < static_cast<sqlite3_int64>(sizeof head) ||
      file->pMethods->xRead(file, head, sizeof head, 0) != SQLITE_OK ||
      !LooksLikeImage(head, static_cast<size_t>(size))) {
    return Corrupt("the snapshot is not an SQLite database image");
  }
  // The backup API advances the copy's schema cookie past the empty database's; the copy
  // gets the image's back, so that exporting it gives the image's bytes.
  int64_t schema_version = 0;
  {
    Stmt cookie;
    if (!cookie.Prepare(from, "PRAGMA schema_version").ok() || cookie.Step() != SQLITE_ROW) {
      return Corrupt(std::string("the snapshot is unreadable: ") + sqlite3_errmsg(from));
    }
    schema_version = cookie.Int(0);
  }
  sqlite3_backup* backup = sqlite3_backup_init(into, "main", from, "main");
  if (!backup) return Corrupt(std::string("the snapshot cannot be copied: ") + sqlite3_errmsg(into));
  const int rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return Corrupt(std::string("the snapshot cannot be copied: ") + sqlite3_errstr(rc));
  return Exec(into, ("PRAGMA schema_version = " + std::to_string(schema_version)).c_str());
}

ES_MINSIZE Status LoadImage(sqlite3* db, std::string_view snapshot) {
  if (!LooksLikeImage(reinterpret_cast<const unsigned char*>(snapshot.data()), snapshot.size())) {
    return Corrupt("the snapshot is not an SQLite database image");
  }
  const sqlite3_int64 size = static_cast<sqlite3_int64>(snapshot.size());
  auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(static_cast<sqlite3_uint64>(size)));
  if (!buf) return Status::Error("INTERNAL", "out of memory loading the snapshot");
  std::memcpy(buf, snapshot.data(), snapshot.size());
  return DeserializeImage(db, buf, size);
}

// An opened image (deserialized or on a file) is readable and is an edgestay database.
ES_MINSIZE Status ValidateImage(sqlite3* db) {
  Stmt check;
  if (!check.Prepare(db, "PRAGMA quick_check").ok()) return Corrupt("the snapshot is unreadable");
  int step = check.Step();
  if (step != SQLITE_ROW || check.Text(0) != "ok") {
    return Corrupt("the snapshot failed its integrity check: " +
                   std::string(step == SQLITE_ROW ? check.Text(0) : std::string_view(sqlite3_errmsg(db))).substr(0, 200));
  }
  Stmt tables;
  if (!tables.Prepare(db, "SELECT count(*), sum(name = 'hotels') FROM sqlite_master WHERE type = 'table'").ok() ||
      tables.Step() != SQLITE_ROW) {
    return Corrupt("the snapshot's schema is unreadable");
  }
  if (tables.Int(0) > 0 && tables.Int(1) == 0) return Corrupt("the snapshot is not an edgestay database");
  return Status::Ok();
}

}  // namespace

bool ChangeEvents::Empty() const {
  return inventory.empty() && room_types.empty() && hotels.empty() && special_days.empty() &&
         booking_users.empty() && booking_ranges.empty() && booking_hotels.empty();
}

size_t ChangeEvents::Count() const {
  const bool booking = !booking_users.empty() || !booking_ranges.empty();  // one event for all
  return inventory.size() + room_types.size() + hotels.size() + special_days.size() + (booking ? 1 : 0) +
         waitlist.size();
}

Engine::Impl::~Impl() {
  CloseAppenders();  // cursors of a batch left open
  export_state.reset();
  stmts.clear();
  write_stmts.clear();
  table_probes.clear();
  if (db) sqlite3_close(db);
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

// The in-memory database of Open and OpenCopy, before and after its image is loaded.
static Status NewMemoryDb(std::unique_ptr<Engine::Impl>* impl) {
  *impl = std::make_unique<Engine::Impl>();
  Engine::ConfigureSqlite();
  if (sqlite3_open_v2(":memory:", &(*impl)->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    return Status::Error("INTERNAL", "cannot open an in-memory database");
  }
  return Status::Ok();
}
// The rollback journal of an in-memory engine opened from an image: the image is a memdb
// file, and memdb keeps a journal file as one growable buffer of its own. With TRUNCATE the buffer is emptied,
// not freed, at each commit, and EXCLUSIVE keeps the journal open between transactions
// (otherwise the pager closes it when it drops its lock): a journaled page is one copy
// into memory that is already there. journal_mode=MEMORY journaled each page as five
// 1 KiB chunks, each malloc'd, copied and freed at the commit: ~18% of a createBooking
// (docs/PERFORMANCE.md). EXCLUSIVE also spares every statement outside a transaction the
// lock and change-counter check; the engine is the image's only connection. memdb has
// no xDelete, so the journal mode must never be DELETE (nor change later: leaving
// TRUNCATE outside EXCLUSIVE deletes the journal).
// A new engine stays a plain ":memory:" database (journal_mode=MEMORY, the only mode it
// allows): as a memdb image it held every page twice, in the page cache and in memdb's
// buffer, which grows by doubling — a hotel loaded through applyChanges grew the heap by
// 46 MiB instead of 13.5 and took 1.12-1.21x the CPU (the commit copies each page into
// the buffer). An engine over an image (Open with a snapshot, natively) gets the journal
// above; a copy of one (OpenCopy, how the wasm boundary opens snapshots) is a new engine
// in this respect, and so writes without the image's write-back at each commit.
static Status MemoryDbSettings(sqlite3* db, bool image) {
  ES_RETURN_IF_ERROR(Exec(db, image ? "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=TRUNCATE;"
                                    : "PRAGMA journal_mode=MEMORY;"));
  return Exec(db, "PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;");
}

Status Engine::Open(std::string_view snapshot, std::unique_ptr<Engine>* out) {
  std::unique_ptr<Impl> impl;
  ES_RETURN_IF_ERROR(NewMemoryDb(&impl));
  if (!snapshot.empty()) ES_RETURN_IF_ERROR(LoadImage(impl->db, snapshot));
  ES_RETURN_IF_ERROR(MemoryDbSettings(impl->db, !snapshot.empty()));
  return Finish(std::move(impl), out);
}

// Images of WAL-mode files (e.g. a server's store) say so in bytes 18-19 of the header;
// an engine's database in memory has no WAL, so it reads them as a rollback-journal one.
void Engine::ReadAsRollbackJournal(unsigned char* bytes, int64_t offset, size_t n) {
  for (int64_t at = 18; at <= 19; ++at) {
    if (at >= offset && at < offset + static_cast<int64_t>(n) && bytes[at - offset] == 2) bytes[at - offset] = 1;
  }
}

// SQLite takes a page cache and an allocator only before it initializes, and nearly any
// call initializes it (sqlite3_malloc64, sqlite3_vfs_register, sqlite3_open): every way
// into SQLite comes here first. The randomness comes last: installing it initializes.
void Engine::ConfigureSqlite() {
  InstallPageCache();  // page_cache.h
  InstallChunkPool();  // chunk_pool.h
  InstallSqliteRandomness();
}

Status Engine::OpenCopy(const std::string& path, const char* vfs, std::unique_ptr<Engine>* out) {
  std::unique_ptr<Impl> impl;
  ES_RETURN_IF_ERROR(NewMemoryDb(&impl));
  ES_RETURN_IF_ERROR(CopyImage(path, vfs, impl->db));
  ES_RETURN_IF_ERROR(ValidateImage(impl->db));
  ES_RETURN_IF_ERROR(MemoryDbSettings(impl->db, false));
  return Finish(std::move(impl), out);
}

Status Engine::OpenFile(std::string_view snapshot, const std::string& path, const char* vfs,
                        std::unique_ptr<Engine>* out) {
  auto impl = std::make_unique<Impl>();
  ConfigureSqlite();
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) != SQLITE_OK) {
    return Status::Error("STORAGE", std::string("cannot open the database file: ") +
                                        (impl->db ? sqlite3_errmsg(impl->db) : "out of memory"));
  }
  // One process owns the file (EXCLUSIVE: no lock traffic, the page cache survives between
  // transactions); a rollback journal that is truncated at commit, synced in full: a
  // transaction is on the file when its write call returns, and a crash at any point
  // leaves either the old or the new state (a hot journal is rolled back at the next open).
  // Reading journal_mode takes the lock, so recovery happens here, before anything else.
  Status set = Exec(impl->db, "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=TRUNCATE; PRAGMA synchronous=FULL;"
                              "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;");
  if (!set.ok()) return Status::Error("STORAGE", "the database file cannot be opened: " + set.message());
  bool empty = false;
  {
    Stmt pages;
    if (!pages.Prepare(impl->db, "PRAGMA page_count").ok() || pages.Step() != SQLITE_ROW) {
      return Corrupt(std::string("the database file is unreadable: ") + sqlite3_errmsg(impl->db));
    }
    empty = pages.Int(0) == 0;
  }
  if (empty && !snapshot.empty()) {
    // A new file starts as a copy of the snapshot (checked in memory first).
    sqlite3* mem = nullptr;
    if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
      sqlite3_close(mem);
      return Status::Error("INTERNAL", "cannot open an in-memory database");
    }
    Status loaded = LoadImage(mem, snapshot);
    if (loaded.ok()) {
      sqlite3_backup* copy = sqlite3_backup_init(impl->db, "main", mem, "main");
      int rc = copy ? sqlite3_backup_step(copy, -1) : SQLITE_ERROR;
      if (copy) sqlite3_backup_finish(copy);
      if (rc != SQLITE_DONE) loaded = Status::Error("STORAGE", std::string("cannot write the snapshot to the database file: ") + sqlite3_errmsg(impl->db));
    }
    sqlite3_close(mem);
    ES_RETURN_IF_ERROR(loaded);
  } else if (!empty) {
    ES_RETURN_IF_ERROR(ValidateImage(impl->db));
  } else {
    // A new file gets 1 KiB pages: a booking changes ~15 pages in as many b-trees, each
    // written twice per commit (journal and file), so the page size sets the bytes per
    // commit (~35 KB here against ~110 KB at 4 KiB); reads, served from memory, measured
    // the same (docs/PERSISTENCE.md). A file seeded from a snapshot keeps its page size.
    ES_RETURN_IF_ERROR(Exec(impl->db, "PRAGMA page_size=1024"));
  }
  return Finish(std::move(impl), out);
}

ES_MINSIZE Status Engine::Finish(std::unique_ptr<Impl> impl, std::unique_ptr<Engine>* out) {
  if (sqlite3_create_function_v2(impl->db, "edgestay_waitlist_id", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                 WaitlistIdOfResult, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteError(impl->db, "register edgestay_waitlist_id");
  }
  ES_RETURN_IF_ERROR(EnsureSchema(impl->db));
  // An image with our table names but other columns (some other app's "hotels") is
  // refused here, not at the first query.
  for (const protocol::TableSpec& table : protocol::Tables()) {
    std::string sql = "SELECT ";
    for (size_t c = 0; c < table.columns.size(); ++c) sql += (c ? ", " : "") + std::string(table.columns[c].name);
    sql += std::string(" FROM ") + table.name + " LIMIT 0";
    Stmt probe;
    if (!probe.Prepare(impl->db, sql).ok()) {
      return Corrupt(std::string("the snapshot's ") + table.name + " table does not match the edgestay schema: " +
                     sqlite3_errmsg(impl->db));
    }
  }
  Status loaded = impl->LoadSyncState();
  if (loaded.ok()) loaded = impl->LoadFacts();
  if (loaded.ok()) loaded = impl->RefreshNextHoldExpiry();
  if (!loaded.ok()) return Corrupt("the snapshot cannot be read: " + loaded.message());
  out->reset(new Engine(std::move(impl)));
  return Status::Ok();
}

void Engine::SetNow(int64_t now_ms) { impl_->now_ms = now_ms; }
void Engine::SetEntropy(std::string_view hex) { impl_->entropy = std::string(hex.substr(0, 32)); }
size_t Engine::PendingEventCount() const { return impl_->events.size() + impl_->unbuilt_events; }
size_t Engine::TakeEventCount() {
  const size_t n = PendingEventCount();
  impl_->unbuilt_events = 0;
  return n;
}
void Engine::SetEventsWanted(bool wanted) { impl_->events_wanted = wanted; }
uint64_t Engine::LastEntryId() const { return impl_->last_entry_id; }
bool Engine::ProbeCache(uint64_t entry_id) {
  if (impl_->in_batch || !impl_->ExpireHolds().ok()) return false;
  return impl_->cache.Probe(entry_id, impl_->now_ms);
}
int64_t Engine::now() const { return impl_->now_ms; }

namespace {
constexpr size_t kExportPiece = size_t{1} << 20;
}  // namespace

Status Engine::BeginExport(size_t* size) {
  EndExport();
  if (impl_->in_batch) return Status::Error("INVALID_ARGUMENT", "cannot export while a change batch is open");
  auto ex = std::make_unique<Impl::Export>();
  sqlite3_int64 n = 0;
  // An engine opened from a snapshot is a memdb image, one buffer already (NOCOPY hands
  // it out); any other database answers null with its size.
  ex->image = sqlite3_serialize(impl_->db, "main", &n, SQLITE_SERIALIZE_NOCOPY);
  if (n < 0) return SqliteError(impl_->db, "export");
  if (!ex->image) {
    // The pages are copied under one read transaction: this statement, stepped, holds it.
    ex->read = std::make_unique<Stmt>();
    ES_RETURN_IF_ERROR(ex->read->Prepare(impl_->db, "PRAGMA main.page_count"));
    if (ex->read->Step() != SQLITE_ROW || ex->read->Int(0) <= 0) return SqliteError(impl_->db, "export");
    ex->page_size = static_cast<size_t>(n / ex->read->Int(0));
  }
  ex->size = static_cast<size_t>(n);
  *size = ex->size;
  impl_->export_state = std::move(ex);
  return Status::Ok();
}

Status Engine::ExportChunk(const unsigned char** data, size_t* size) {
  Impl::Export* ex = impl_->export_state.get();
  if (!ex) return Status::Error("INVALID_ARGUMENT", "no export is open");
  // Whole pages: the size is a number of pages, and a piece a multiple of any page size.
  const size_t n = std::min(kExportPiece, ex->size - ex->done);
  if (ex->image) {
    *data = ex->image + ex->done;
  } else {
    const size_t page = ex->page_size;
    ex->piece.resize(n);
    const auto first = static_cast<unsigned>(ex->done / page + 1);
    if (n && edgestay_copy_pages(impl_->db, "main", first, static_cast<unsigned>(n / page), ex->piece.data()) !=
                 SQLITE_OK) {
      return SqliteError(impl_->db, "export");
    }
    *data = ex->piece.data();
  }
  ex->done += n;
  *size = n;
  return Status::Ok();
}

void Engine::EndExport() { impl_->export_state.reset(); }

Status Engine::ExportDatabase(std::string* image) {
  size_t size = 0;
  ES_RETURN_IF_ERROR(BeginExport(&size));
  image->clear();
  image->reserve(size);
  for (;;) {
    const unsigned char* piece = nullptr;
    size_t n = 0;
    Status s = ExportChunk(&piece, &n);
    if (!s.ok()) {
      EndExport();
      return s;
    }
    if (n == 0) break;
    image->append(reinterpret_cast<const char*>(piece), n);
  }
  EndExport();
  return Status::Ok();
}

std::string Engine::TakeEvents() {
  std::string out = "[";
  for (size_t i = 0; i < impl_->events.size(); ++i) {
    if (i) out += ',';
    out += impl_->events[i];
  }
  out += ']';
  impl_->events.clear();
  impl_->unbuilt_events = 0;
  return out;
}

Status Engine::Impl::Prepared(const char* sql, Stmt** out) {
  auto& slot = stmts[sql];
  if (!slot) {
    auto stmt = std::make_unique<Stmt>();
    ES_RETURN_IF_ERROR(stmt->Prepare(db, sql));
    slot = std::move(stmt);
  }
  *out = slot.get();
  return Status::Ok();
}

ES_MINSIZE Status Engine::Impl::ExplainQueries(std::string* out) {
  std::vector<std::string> sqls;
  for (const auto& [sql, stmt] : stmts) {
    if (sql.rfind("SELECT", 0) == 0) sqls.push_back(sql);
  }
  // An insertion sort of the ~100 statements: the module's only sort of strings, so
  // std::sort's instantiation for them (5.6 KB) is not compiled.
  for (size_t i = 1; i < sqls.size(); ++i) {
    for (size_t j = i; j > 0 && sqls[j] < sqls[j - 1]; --j) sqls[j].swap(sqls[j - 1]);
  }
  JsonWriter w(out);
  w.BeginArray();
  for (const std::string& sql : sqls) {
    Stmt explain;
    ES_RETURN_IF_ERROR(explain.Prepare(db, "EXPLAIN QUERY PLAN " + sql));
    w.BeginObject().Key("sql").String(sql).Key("plan").BeginArray();
    while (explain.Step() == SQLITE_ROW) w.String(explain.Text(3));
    w.EndArray().EndObject();
  }
  w.EndArray();
  return Status::Ok();
}

ES_MINSIZE Status Engine::Impl::LoadFacts() {
  hotels.clear();
  room_types.clear();
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared("SELECT id, currency, utc_offset_minutes FROM hotels", &st));
  {
    StmtScope s(*st);
    int rc;
    while ((rc = s->Step()) == SQLITE_ROW) {
      HotelInfo& h = hotels[s->Int(0)];
      h.currency = std::string(s->Text(1));
      h.utc_offset_minutes = s->Int(2);
    }
    if (rc != SQLITE_DONE) return SqliteError(db, "load hotels");
  }
  ES_RETURN_IF_ERROR(Prepared("SELECT hotel_id, key, value FROM booking_rules", &st));
  {
    StmtScope s(*st);
    while (s->Step() == SQLITE_ROW) {
      auto it = hotels.find(s->Int(0));
      if (it == hotels.end()) continue;
      HotelInfo& h = it->second;
      h.Set(s->Text(1), s->Int(2));
    }
  }
  ES_RETURN_IF_ERROR(
      Prepared("SELECT id, hotel_id, name, capacity_adults, capacity_children, base_price_cents, total_rooms"
               " FROM room_types ORDER BY id", &st));
  {
    StmtScope s(*st);
    while (s->Step() == SQLITE_ROW) {
      RoomTypeInfo& rt = room_types[s->Int(0)];
      rt.hotel_id = s->Int(1);
      rt.name = std::string(s->Text(2));
      rt.capacity_adults = s->Int(3);
      rt.capacity_children = s->Int(4);
      rt.base_price_cents = s->Int(5);
      rt.total_rooms = s->Int(6);
      auto h = hotels.find(rt.hotel_id);
      if (h != hotels.end()) h->second.room_type_ids.push_back(s->Int(0));
    }
  }
  facts_dirty = false;
  return Status::Ok();
}

Status Engine::Impl::LoadSyncState() {
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared("SELECT key, value FROM sync_state WHERE key IN ('cursor', 'synced_at')", &st));
  StmtScope s(*st);
  cursor.reset();
  synced_at.reset();
  while (s->Step() == SQLITE_ROW) {
    if (s->IsNull(1)) continue;
    if (s->Text(0) == "cursor") cursor = std::string(s->Text(1));
    else synced_at = std::stoll(std::string(s->Text(1)));
  }
  return Status::Ok();
}

ES_MINSIZE Status Engine::Impl::SaveSyncState() {
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared("INSERT INTO sync_state(key, value) VALUES (?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value", &st));
  auto put = [&](const char* key, const std::optional<std::string>& value) -> Status {
    StmtScope s(*st);
    s->BindText(1, key);
    if (value) s->BindText(2, *value);
    else s->BindNull(2);
    return s->Step() == SQLITE_DONE ? Status::Ok() : SqliteError(db, "save sync state");
  };
  ES_RETURN_IF_ERROR(put("cursor", cursor));
  return put("synced_at", synced_at ? std::optional<std::string>(std::to_string(*synced_at)) : std::nullopt);
}

void Engine::Impl::WriteAsOf(std::string* out) const {
  JsonWriter w(out);
  w.BeginObject().Key("cursor");
  if (cursor) w.String(*cursor);
  else w.Null();
  w.Key("syncedAt");
  if (synced_at) w.Int(*synced_at);
  else w.Null();
  w.EndObject();
}

namespace {

// The invalidation rules of docs/API.md "Cache", applied to one set of change events.
class EventInvalidation : public CacheInvalidation {
 public:
  EventInvalidation(const ChangeEvents& ev, const std::unordered_map<int64_t, RoomTypeInfo>& room_types)
      : ev_(ev), room_types_(room_types) {}

  bool Affects(const CacheTags& t) const override {
    using T = CacheTags;
    if (t.hotel_id == CacheTags::kAnyHotel) return AffectsAnyHotel(t);
    if ((t.deps & T::kHotel) && ev_.hotels.count(t.hotel_id)) return true;
    if ((t.deps & T::kUserBookings) && ev_.booking_users.count(t.user_id)) return true;
    if (t.deps & T::kRoomTypes) {
      for (int64_t rt : ev_.room_types) {
        const int64_t hotel = HotelOf(rt);
        if (hotel == 0 || hotel == t.hotel_id || (t.deps & T::kUserBookings)) return true;
      }
    }
    if (t.deps & T::kInventory) {
      for (const auto& [rt, r] : ev_.inventory) {
        if (Covers(t, rt) && Intersects(t, r)) return true;
      }
    }
    if (t.deps & T::kPendingBookings) {
      for (const auto& [rt, r] : ev_.booking_ranges) {
        if (Covers(t, rt) && Intersects(t, r)) return true;
      }
    }
    if (t.deps & T::kBookingsByStart) {
      // By the booking's own hotel (statistics select on bookings.hotel_id), which stays
      // right even after its room type moved to another hotel.
      for (const auto& [hotel, r] : ev_.booking_hotels) {
        if (hotel == t.hotel_id && Intersects(t, r)) return true;
      }
    }
    if (t.deps & T::kSpecialDays) {
      for (const auto& [hotel, r] : ev_.special_days) {
        if (hotel == t.hotel_id && Intersects(t, r)) return true;
      }
    }
    return false;
  }

  bool Buckets(std::vector<uint64_t>* out) const override {
    // Hotel rows, rules and room types are rare and reach answers without a date range,
    // and a special day meets every room type of its hotel: those changes (sync batches)
    // check every entry. Bookings and inventory look only in their buckets.
    if (!ev_.hotels.empty() || !ev_.room_types.empty() || !ev_.special_days.empty()) return false;
    for (int64_t u : ev_.booking_users) out->push_back(CacheBuckets::User(u));
    auto range = [&](int64_t hotel, int64_t rt, const std::pair<Day, Day>& r) {
      if (hotel == 0 || r.second - r.first > 4096) return false;  // unknown hotel, or a huge range: scan
      CacheBuckets::ForRange(hotel, rt, r.first, r.second, out);
      return true;
    };
    for (const auto& [rt, r] : ev_.inventory) if (!range(HotelOf(rt), rt, r)) return false;
    for (const auto& [rt, r] : ev_.booking_ranges) if (!range(HotelOf(rt), rt, r)) return false;
    for (const auto& [hotel, r] : ev_.booking_hotels) if (!range(hotel, 0, r)) return false;
    return true;
  }

 private:
  int64_t HotelOf(int64_t rt) const {
    auto it = room_types_.find(rt);
    return it == room_types_.end() ? 0 : it->second.hotel_id;
  }
  // The entry is about room type `rt` (itself, or all room types of its hotel).
  bool Covers(const CacheTags& t, int64_t rt) const {
    if (t.room_type_id != 0) return t.room_type_id == rt;
    const int64_t hotel = HotelOf(rt);
    return hotel == 0 || hotel == t.hotel_id;
  }
  // An entry about several hotels (a batch of stays): any change of its kinds whose dates
  // meet its range, in any hotel, evicts it. Its per-stay parts stay exact.
  bool AffectsAnyHotel(const CacheTags& t) const {
    using T = CacheTags;
    if ((t.deps & T::kHotel) && !ev_.hotels.empty()) return true;
    if ((t.deps & T::kRoomTypes) && !ev_.room_types.empty()) return true;
    if (t.deps & T::kInventory) {
      for (const auto& [rt, r] : ev_.inventory) if (Intersects(t, r)) return true;
    }
    if (t.deps & T::kPendingBookings) {
      for (const auto& [rt, r] : ev_.booking_ranges) if (Intersects(t, r)) return true;
    }
    if (t.deps & T::kSpecialDays) {
      for (const auto& [hotel, r] : ev_.special_days) if (Intersects(t, r)) return true;
    }
    return false;
  }
  static bool Intersects(const CacheTags& t, const std::pair<Day, Day>& r) {
    return t.from <= t.to && r.first <= t.to && r.second >= t.from;
  }

  const ChangeEvents& ev_;
  const std::unordered_map<int64_t, RoomTypeInfo>& room_types_;
};

}  // namespace

Status Engine::Impl::Cached(CacheNs ns, std::string key, const CacheTags& tags, std::string* out,
                            ComputeFn compute) {
  uint64_t id = 0;
  if (const std::string* hit = cache.Get(ns, key, now_ms, &id)) {
    out->append(*hit);
    last_entry_id = id;
    return Status::Ok();
  }
  const size_t at = out->size();
  ES_RETURN_IF_ERROR(compute(out));
  last_entry_id = cache.Put(ns, std::move(key), std::string_view(*out).substr(at), tags, now_ms);
  return Status::Ok();
}

void Engine::Impl::TodayBound(const HotelInfo& hotel, CacheTags* tags) const {
  const int64_t day_start = int64_t{TodayAt(hotel)} * 86400000 - hotel.utc_offset_minutes * 60000;
  tags->valid_from_ms = std::max(tags->valid_from_ms, day_start);
  tags->valid_until_ms = std::min(tags->valid_until_ms, day_start + 86400000);
}

void Engine::Impl::AppendAsOf(std::string* out) const {
  if (out->empty() || out->back() != '}') return;
  out->pop_back();
  out->append(",\"asOf\":");
  WriteAsOf(out);
  out->push_back('}');
}

void Engine::Impl::Publish(const ChangeEvents& ev) {
  if (!ev.Empty()) cache.Invalidate(EventInvalidation(ev, room_types));
  if (events_wanted) {
    BuildEvents(ev);
  } else {
    unbuilt_events += ev.Count();
  }
}

// Built for listeners only (a widget, a kiosk): small rather than fast.
ES_MINSIZE void Engine::Impl::BuildEvents(const ChangeEvents& ev) {
  auto range = [](JsonWriter& w, const std::pair<Day, Day>& r) {
    w.Key("from").String(FormatDate(r.first)).Key("to").String(FormatDate(r.second + 1));
  };
  for (const auto& [rt, r] : ev.inventory) {
    std::string e;
    JsonWriter w(&e);
    w.BeginObject().Key("type").String("inventory").Key("roomTypeId").Int(rt);
    range(w, r);
    w.EndObject();
    events.push_back(std::move(e));
  }
  for (int64_t rt : ev.room_types) {
    events.push_back("{\"type\":\"roomType\",\"roomTypeId\":" + std::to_string(rt) + "}");
  }
  for (int64_t h : ev.hotels) {
    events.push_back("{\"type\":\"hotel\",\"hotelId\":" + std::to_string(h) + "}");
  }
  for (const auto& [h, r] : ev.special_days) {
    std::string e;
    JsonWriter w(&e);
    w.BeginObject().Key("type").String("specialDay").Key("hotelId").Int(h);
    range(w, r);
    w.EndObject();
    events.push_back(std::move(e));
  }
  if (!ev.booking_users.empty() || !ev.booking_ranges.empty()) {
    std::string e;
    JsonWriter w(&e);
    w.BeginObject().Key("type").String("booking").Key("userIds").BeginArray();
    for (int64_t u : ev.booking_users) w.Int(u);
    w.EndArray().Key("ranges").BeginArray();
    for (const auto& [rt, r] : ev.booking_ranges) {
      w.BeginObject().Key("roomTypeId").Int(rt);
      range(w, r);
      w.EndObject();
    }
    w.EndArray().Key("bookings").BeginArray();
    for (const std::string& b : ev.bookings) w.Raw(b);
    w.EndArray().EndObject();
    events.push_back(std::move(e));
  }
  for (const std::string& offer : ev.waitlist) {
    events.push_back("{\"type\":\"waitlist\",\"entry\":" + offer + "}");
  }
}

Status Engine::Impl::FindHotel(int64_t hotel_id, const HotelInfo** hotel) {
  ES_RETURN_IF_ERROR(EnsureFacts());
  auto it = hotels.find(hotel_id);
  if (it == hotels.end()) {
    return Status::Error("UNKNOWN_HOTEL", "no hotel with id " + std::to_string(hotel_id),
                         "{\"hotelId\":" + std::to_string(hotel_id) + "}");
  }
  *hotel = &it->second;
  return Status::Ok();
}

Day Engine::Impl::TodayAt(const HotelInfo& hotel) const {
  return HotelToday(now_ms, hotel.utc_offset_minutes);
}

}  // namespace edgestay
