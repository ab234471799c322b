// Schema v1 DDL. CHECK constraints mirror the row validation of sync/protocol, so even
// SQL written by other tools (sql.js, the sqlite3 shell) cannot store an impossible row.
#include "schema.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "sqlite_db.h"

namespace edgestay {
namespace {

const char* const kSchemaSql = R"SQL(
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sync_state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS hotels (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  time_zone TEXT NOT NULL DEFAULT 'UTC',
  currency TEXT NOT NULL DEFAULT 'USD',
  utc_offset_minutes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS room_types (
  id INTEGER PRIMARY KEY,
  hotel_id INTEGER NOT NULL REFERENCES hotels(id),
  name TEXT NOT NULL,
  capacity_adults INTEGER NOT NULL DEFAULT 2,
  capacity_children INTEGER NOT NULL DEFAULT 0,
  base_price_cents INTEGER NOT NULL,
  total_rooms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS room_types_hotelId_idx ON room_types(hotel_id);
CREATE TABLE IF NOT EXISTS room_inventory (
  room_type_id INTEGER NOT NULL REFERENCES room_types(id),
  date TEXT NOT NULL,
  total INTEGER NOT NULL,
  available INTEGER NOT NULL,
  price_cents INTEGER NOT NULL,
  min_stay INTEGER NOT NULL DEFAULT 1,
  max_stay INTEGER NOT NULL DEFAULT 0,
  closed_to_arrival INTEGER NOT NULL DEFAULT 0,
  closed_to_departure INTEGER NOT NULL DEFAULT 0,
  stop_sell INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (room_type_id, date),
  CHECK (available >= 0 AND available <= total)
);
-- Schema 5 (migration 5) rebuilds room_inventory WITHOUT ROWID and gives it its slim
-- room_inventory_roomTypeId_date_available_idx; neither the old covering index nor the
-- contract index may be created here, since this DDL runs on every open.
CREATE TABLE IF NOT EXISTS booking_rules (
  hotel_id INTEGER NOT NULL REFERENCES hotels(id),
  key TEXT NOT NULL,
  value INTEGER NOT NULL,
  PRIMARY KEY (hotel_id, key)
);
CREATE TABLE IF NOT EXISTS special_days (
  hotel_id INTEGER NOT NULL REFERENCES hotels(id),
  date TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('holiday', 'event', 'blackout')),
  price_multiplier_pct INTEGER NOT NULL DEFAULT 100,
  min_stay INTEGER,
  note TEXT,
  PRIMARY KEY (hotel_id, date)
);
CREATE TABLE IF NOT EXISTS bookings (
  id INTEGER PRIMARY KEY,
  hotel_id INTEGER NOT NULL REFERENCES hotels(id),
  user_id INTEGER NOT NULL,
  room_type_id INTEGER NOT NULL REFERENCES room_types(id),
  status TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  rooms INTEGER NOT NULL,
  guests INTEGER NOT NULL,
  total_cents INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL DEFAULT 0,
  hold_expires_at INTEGER,
  idempotency_key TEXT,
  origin TEXT NOT NULL DEFAULT 'central',
  server_id INTEGER,
  CHECK (end_date > start_date AND rooms >= 1)
);
CREATE INDEX IF NOT EXISTS bookings_status_startDate_endDate_idx ON bookings(status, start_date, end_date);
-- bookings_userId_status_createdAt_idx: migration 4 (covering). Migration 4 also dropped
-- bookings_roomTypeId_idx; neither may come back here, since this DDL runs on every open.
CREATE INDEX IF NOT EXISTS bookings_hotelId_startDate_idx ON bookings(hotel_id, start_date);
-- The few local bookings that still hold rooms (pendingLocal): availability reads them on
-- every answer, so they get a small index of their own instead of a range of all bookings.
-- Migration 6 recreates it with EDGESTAY_LOCAL_HOLDING_WHERE (the same rows).
CREATE INDEX IF NOT EXISTS bookings_localHolding_idx ON bookings(hotel_id, start_date)
  WHERE origin = 'local' AND status IN ('HELD', 'PENDING_SYNC', 'CONFIRMED');
CREATE INDEX IF NOT EXISTS bookings_serverId_idx ON bookings(server_id) WHERE server_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS bookings_hotelId_idempotencyKey_idx
  ON bookings(hotel_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS waitlist (
  id INTEGER PRIMARY KEY,
  hotel_id INTEGER NOT NULL REFERENCES hotels(id),
  user_id INTEGER NOT NULL,
  room_type_id INTEGER NOT NULL REFERENCES room_types(id),
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  rooms INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'WAITING',
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS waitlist_status_startDate_endDate_idx ON waitlist(status, start_date, end_date);
CREATE INDEX IF NOT EXISTS waitlist_roomTypeId_idx ON waitlist(room_type_id);
CREATE TABLE IF NOT EXISTS payments (
  id INTEGER PRIMARY KEY,
  booking_id INTEGER NOT NULL REFERENCES bookings(id),
  status TEXT NOT NULL,
  amount_cents INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS payments_status_createdAt_idx ON payments(status, created_at);
CREATE INDEX IF NOT EXISTS payments_bookingId_idx ON payments(booking_id);
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY,
  booking_id INTEGER NOT NULL REFERENCES bookings(id),
  user_id INTEGER NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'QUEUED',
  scheduled_at INTEGER NOT NULL,
  kind TEXT NOT NULL DEFAULT 'update'
);
CREATE INDEX IF NOT EXISTS notifications_status_scheduledAt_idx ON notifications(status, scheduled_at);
CREATE INDEX IF NOT EXISTS notifications_bookingId_idx ON notifications(booking_id);
-- Migration 7 rebuilds notifications keyed by id DESC WITHOUT ROWID and this index
-- descending (local ids count down); this DDL runs on every open, so it stays as v1 had it.
-- Migration 6 rebuilds outbox with its status CHECK as an OR chain (the same rule).
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  args TEXT NOT NULL,
  booking_id INTEGER,
  waitlist_id INTEGER,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPLIED', 'REJECTED')),
  result TEXT
);
CREATE INDEX IF NOT EXISTS outbox_status_seq_idx ON outbox(status, seq);
)SQL";

// Migrations of the local schema, oldest first: each takes an image from version - 1 to
// version. kSchemaSql above is version 1 (created idempotently, so it also completes an
// image written by another tool); everything later is added here, never edited there.
struct Migration {
  int version;
  const char* name;
  const char* sql;
};
constexpr Migration kMigrations[] = {
    // When each migration ran, like the central store's table. IF NOT EXISTS: a database
    // written by another tool with the engine's full DDL but no version row already has it.
    {2, "migration_log",
     "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
     "applied_at INTEGER NOT NULL)"},
    // Allotment leases the centre granted this node (set by its sync client), and the
    // units its local bookings took from them (sync/FORMAT.md §9). Not replicated.
    {3, "leases",
     "CREATE TABLE IF NOT EXISTS leases (id INTEGER PRIMARY KEY, hotel_id INTEGER NOT NULL,"
     " room_type_id INTEGER NOT NULL, start_date TEXT NOT NULL, end_date TEXT NOT NULL,"
     " rooms INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
     "CREATE INDEX IF NOT EXISTS leases_hotelId_roomTypeId_idx ON leases(hotel_id, room_type_id);"
     "CREATE TABLE IF NOT EXISTS lease_uses (booking_id INTEGER PRIMARY KEY, lease_id INTEGER NOT NULL,"
     " start_date TEXT NOT NULL, end_date TEXT NOT NULL, rooms INTEGER NOT NULL);"
     "CREATE INDEX IF NOT EXISTS lease_uses_leaseId_startDate_idx ON lease_uses(lease_id, start_date)"},
    // Fewer, better indexes on bookings (docs/PERFORMANCE.md, "Indexes"). Every booking
    // write paid for bookings_roomTypeId_idx, which only the rare delete of a room type
    // read. getUserBookingsWithRoomType read each booking's row after the user index: the
    // index now carries every column the answer needs (same name, same leading columns).
    {4, "bookings_indexes",
     "DROP INDEX IF EXISTS bookings_roomTypeId_idx;"
     "DROP INDEX IF EXISTS bookings_userId_status_createdAt_idx;"
     "CREATE INDEX bookings_userId_status_createdAt_idx ON bookings(user_id, status, created_at, hotel_id,"
     " room_type_id, start_date, end_date, rooms, guests, total_cents, updated_at, hold_expires_at,"
     " idempotency_key, origin, server_id)"},
    // room_inventory stored once (docs/PERFORMANCE.md, "Indexes"): the table was a rowid
    // table plus its primary-key index plus a covering copy of every column, three copies
    // of each night in the image and in every load's index upkeep. Keyed by
    // (room_type_id, date) WITHOUT ROWID, the table itself is the clustered key every read
    // of a room type's nights ranges over; the contract index keeps its name and its
    // contract columns only. The rows wait in a temp table while the old table is
    // dropped and the new one created under its name (no ALTER TABLE: the wasm build
    // omits it, and its rename re-checks the whole schema), then come back in key order.
    // Same columns, defaults and CHECK as schema 1; the DDL is stored as written here.
    {5, "room_inventory_without_rowid",
     "DROP INDEX IF EXISTS room_inventory_roomTypeId_date_available_idx;"
     "CREATE TEMP TABLE room_inventory_v4 AS SELECT * FROM room_inventory;"
     "DROP TABLE room_inventory;"
     "CREATE TABLE room_inventory (\n"
     "  room_type_id INTEGER NOT NULL REFERENCES room_types(id),\n"
     "  date TEXT NOT NULL,\n"
     "  total INTEGER NOT NULL,\n"
     "  available INTEGER NOT NULL,\n"
     "  price_cents INTEGER NOT NULL,\n"
     "  min_stay INTEGER NOT NULL DEFAULT 1,\n"
     "  max_stay INTEGER NOT NULL DEFAULT 0,\n"
     "  closed_to_arrival INTEGER NOT NULL DEFAULT 0,\n"
     "  closed_to_departure INTEGER NOT NULL DEFAULT 0,\n"
     "  stop_sell INTEGER NOT NULL DEFAULT 0,\n"
     "  PRIMARY KEY (room_type_id, date),\n"
     "  CHECK (available >= 0 AND available <= total)\n"
     ") WITHOUT ROWID;"
     "INSERT INTO room_inventory (room_type_id, date, total, available, price_cents, min_stay, max_stay,"
     " closed_to_arrival, closed_to_departure, stop_sell)"
     " SELECT room_type_id, date, total, available, price_cents, min_stay, max_stay, closed_to_arrival,"
     " closed_to_departure, stop_sell FROM temp.room_inventory_v4 ORDER BY room_type_id, date;"
     "DROP TABLE temp.room_inventory_v4;"
     "CREATE INDEX room_inventory_roomTypeId_date_available_idx ON room_inventory(room_type_id, date, available)"},
    // Local writes without temporary b-trees (docs/PERFORMANCE.md, createBooking). SQLite
    // evaluates a constant `IN` list of three or more values by building a temporary
    // b-tree on every execution: every booking insert built one for the holding index's
    // WHERE and every outbox insert one for the status CHECK (a b-tree opened, a page
    // zeroed and freed, ~12% of a booking). The same conditions as OR chains compile to
    // comparisons. SQLite cannot alter a CHECK, so outbox is rebuilt as migration 5 rebuilt
    // room_inventory (rows through a temp table, no ALTER TABLE); same columns, defaults,
    // rows, and the DDL stored as written here.
    {6, "local_write_conditions",
     "DROP INDEX IF EXISTS bookings_localHolding_idx;"
     "CREATE INDEX bookings_localHolding_idx ON bookings(hotel_id, start_date) WHERE "
     EDGESTAY_LOCAL_HOLDING_WHERE ";"
     "DROP INDEX IF EXISTS outbox_status_seq_idx;"
     "CREATE TEMP TABLE outbox_v5 AS SELECT * FROM outbox;"
     "DROP TABLE outbox;"
     "CREATE TABLE outbox (\n"
     "  seq INTEGER PRIMARY KEY,\n"
     "  type TEXT NOT NULL,\n"
     "  idempotency_key TEXT NOT NULL,\n"
     "  args TEXT NOT NULL,\n"
     "  booking_id INTEGER,\n"
     "  waitlist_id INTEGER,\n"
     "  created_at INTEGER NOT NULL,\n"
     "  status TEXT NOT NULL DEFAULT 'PENDING' CHECK (status = 'PENDING' OR status = 'APPLIED' OR status = 'REJECTED'),\n"
     "  result TEXT\n"
     ");"
     "INSERT INTO outbox (seq, type, idempotency_key, args, booking_id, waitlist_id, created_at, status, result)"
     " SELECT seq, type, idempotency_key, args, booking_id, waitlist_id, created_at, status, result FROM temp.outbox_v5;"
     "DROP TABLE temp.outbox_v5;"
     "CREATE INDEX outbox_status_seq_idx ON outbox(status, seq)"},
    // Local notifications appended, not prepended (docs/PERFORMANCE.md, createBooking).
    // Their ids count down (-1, -2, ...: docs/API.md), so in a rowid table, and in the
    // booking index keyed by their bookings' ids (counting down too), every local
    // notification went to the far left of its b-tree, where SQLite's rebalancing leaves
    // the leftmost page nearly full: a three-page rebalance every few rows, two rows and
    // two index entries per booking. Keyed by id DESC WITHOUT ROWID and with the booking
    // index descending, the same ids sort last and each new one lands at the right edge.
    // Centre rows (positive ids, mostly arriving in ascending order) now go to the left
    // of the local ones; they are few (admin pulls only) and not on a guest's path. Rows
    // through a temp table as in migrations 5 and 6; same columns, defaults, rows.
    {7, "notifications_local_append",
     "DROP INDEX IF EXISTS notifications_status_scheduledAt_idx;"
     "DROP INDEX IF EXISTS notifications_bookingId_idx;"
     "CREATE TEMP TABLE notifications_v6 AS SELECT * FROM notifications;"
     "DROP TABLE notifications;"
     "CREATE TABLE notifications (\n"
     "  id INTEGER NOT NULL,\n"
     "  booking_id INTEGER NOT NULL REFERENCES bookings(id),\n"
     "  user_id INTEGER NOT NULL,\n"
     "  channel TEXT NOT NULL,\n"
     "  status TEXT NOT NULL DEFAULT 'QUEUED',\n"
     "  scheduled_at INTEGER NOT NULL,\n"
     "  kind TEXT NOT NULL DEFAULT 'update',\n"
     "  PRIMARY KEY (id DESC)\n"
     ") WITHOUT ROWID;"
     "INSERT INTO notifications (id, booking_id, user_id, channel, status, scheduled_at, kind)"
     " SELECT id, booking_id, user_id, channel, status, scheduled_at, kind FROM temp.notifications_v6"
     " ORDER BY id DESC;"
     "DROP TABLE temp.notifications_v6;"
     "CREATE INDEX notifications_status_scheduledAt_idx ON notifications(status, scheduled_at);"
     "CREATE INDEX notifications_bookingId_idx ON notifications(booking_id DESC)"},
};
// Versions 2, 3, … kSchemaVersion, each once, in order.
constexpr bool MigrationsAscend() {
  int last = 1;
  for (const Migration& m : kMigrations) {
    if (m.version != last + 1) return false;
    last = m.version;
  }
  return last == kSchemaVersion;
}
static_assert(MigrationsAscend(), "migrations are versions 2..kSchemaVersion in order");

Status RunMigrations(sqlite3* db, int from) {
  for (const Migration& m : kMigrations) {
    if (m.version <= from) continue;
    Status s = Exec(db, m.sql);
    if (s.ok()) {
      Stmt record;
      s = record.Prepare(db,
                         "INSERT OR REPLACE INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      if (s.ok()) {
        record.BindInt(1, m.version);
        record.BindText(2, m.name);
        // The wall clock in whole seconds, as ms (what strftime('%s', 'now') * 1000 gave):
        // bound from here so that SQLite's date functions need not be linked
        // (SQLITE_OMIT_DATETIME_FUNCS, CMakeLists.txt).
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        record.BindInt(3, std::chrono::duration_cast<std::chrono::seconds>(now).count() * 1000);
        if (record.Step() != SQLITE_DONE) s = Status::Error("INTERNAL", sqlite3_errmsg(db));
      }
    }
    if (s.ok()) s = Exec(db, ("UPDATE schema_version SET version = " + std::to_string(m.version)).c_str());
    if (!s.ok()) {
      return Status::Error("MIGRATION_FAILED", "migration " + std::to_string(m.version) + " (" + m.name +
                                                   ") failed: " + s.message() +
                                                   "; the store is unchanged at schema version " + std::to_string(from));
    }
  }
  return Status::Ok();
}

}  // namespace

Status EnsureSchema(sqlite3* db) {
  bool has_version_table = false;
  {
    Stmt probe;
    ES_RETURN_IF_ERROR(probe.Prepare(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"));
    has_version_table = probe.Step() == SQLITE_ROW;
  }
  int from = 0;  // 0: a new database
  if (has_version_table) {
    Stmt version;
    ES_RETURN_IF_ERROR(version.Prepare(db, "SELECT MAX(version) FROM schema_version"));
    if (version.Step() == SQLITE_ROW && !version.IsNull(0)) {
      if (version.Int(0) > kSchemaVersion) {
        return Status::Error("CORRUPT_SNAPSHOT", "the snapshot has schema version " + std::to_string(version.Int(0)) +
                                                     ", newer than this engine's " + std::to_string(kSchemaVersion));
      }
      from = static_cast<int>(version.Int(0));
    }
  }
  ES_RETURN_IF_ERROR(Exec(db, "BEGIN"));
  Status s = Exec(db, kSchemaSql);
  if (s.ok()) {
    s = Exec(db, "INSERT INTO schema_version(version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM schema_version)");
  }
  if (!s.ok()) {
    Exec(db, "ROLLBACK");
    return Status::Error("CORRUPT_SNAPSHOT", "the snapshot's schema is not compatible: " + s.message());
  }
  s = RunMigrations(db, std::max(from, 1));
  if (s.ok()) s = Exec(db, "COMMIT");
  if (!s.ok()) {
    // SQLite's DDL is transactional: the rollback leaves the store exactly as it was
    // opened, at its old version, with no copy of the image needed.
    Exec(db, "ROLLBACK");
    if (s.code() != "MIGRATION_FAILED") s = Status::Error("MIGRATION_FAILED", s.message());
  }
  return s;
}

}  // namespace edgestay
