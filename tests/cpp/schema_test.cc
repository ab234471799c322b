// Schema v1 and snapshots: what a new engine's image contains (read back through a
// separate SQLite connection), and which snapshots Engine::Open refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "schema.h"
#include "image_db.h"
#include "sqlite3.h"
#include "test_support.h"

namespace edgestay::test {
namespace {


Status OpenStatus(const std::string& snapshot) {
  std::unique_ptr<Engine> engine;
  return Engine::Open(snapshot, &engine);
}

const char* const kTables[] = {"hotels",   "room_types", "room_inventory", "booking_rules", "special_days",
                               "bookings", "waitlist",   "payments",       "notifications"};

TEST(SchemaTest, NewEngineImageHasTheNineReplicatedTables) {
  auto engine = OpenEngine();
  ImageDb db(Export(*engine));
  const auto names = db.Column("SELECT name FROM sqlite_master WHERE type = 'table'");
  const std::set<std::string> tables(names.begin(), names.end());
  for (const char* t : kTables) EXPECT_TRUE(tables.count(t)) << "missing table " << t;
  EXPECT_TRUE(tables.count("schema_version"));
}

TEST(SchemaTest, NewEngineImageRecordsTheCurrentSchemaVersion) {
  auto engine = OpenEngine();
  ImageDb db(Export(*engine));
  EXPECT_EQ(db.Column("SELECT version FROM schema_version"), std::vector<std::string>{std::to_string(kSchemaVersion)});
}

TEST(SchemaTest, ContractIndexesExistOnTheirTablesAndColumns) {
  struct Index {
    const char* name;
    const char* table;
    std::vector<std::string> columns;
  };
  const std::vector<Index> indexes = {
      {"bookings_status_startDate_endDate_idx", "bookings", {"status", "start_date", "end_date"}},
      {"bookings_userId_status_createdAt_idx", "bookings", {"user_id", "status", "created_at"}},
      {"room_inventory_roomTypeId_date_available_idx", "room_inventory", {"room_type_id", "date", "available"}},
      {"waitlist_status_startDate_endDate_idx", "waitlist", {"status", "start_date", "end_date"}},
      {"payments_status_createdAt_idx", "payments", {"status", "created_at"}},
      {"notifications_status_scheduledAt_idx", "notifications", {"status", "scheduled_at"}},
  };
  auto engine = OpenEngine();
  ImageDb db(Export(*engine));
  for (const Index& ix : indexes) {
    EXPECT_EQ(db.Column(std::string("SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = '") + ix.name +
                        "'"),
              std::vector<std::string>{ix.table})
        << ix.name;
    // The name gives the leading columns; more may follow (e.g. to make it covering).
    std::vector<std::string> columns =
        db.Column(std::string("SELECT name FROM pragma_index_info('") + ix.name + "') ORDER BY seqno");
    if (columns.size() > ix.columns.size()) columns.resize(ix.columns.size());
    EXPECT_EQ(columns, ix.columns) << ix.name;
  }
}

TEST(SchemaTest, ExportedImageReopensWithTheSameDataAndCursor) {
  auto engine = OpenEngine();
  MustApply(*engine, Batch({Hotel(1, "Harbour"), RoomType(10, 1, "Double"), Inventory(10, "2026-06-10", 5, 8, 3, 12900)},
                           {{"cursor", "c-7"}, {"syncedAt", 1764120000000LL}}));
  const json args{{"roomTypeId", 10}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-13"}};
  const json before = MustCall(*engine, "checkRoomAvailability", args);

  auto reopened = OpenEngine(Export(*engine));
  ASSERT_TRUE(reopened);
  EXPECT_EQ(MustCall(*reopened, "checkRoomAvailability", args), before);
  EXPECT_EQ(before["asOf"], (json{{"cursor", "c-7"}, {"syncedAt", 1764120000000LL}}));
}

TEST(SchemaTest, AnEmptySqliteImageGetsTheSchema) {
  ImageDb blank("");
  blank.Exec("CREATE TABLE t (x); DROP TABLE t;");
  const std::string image = blank.Serialize();
  ASSERT_GE(image.size(), 512u);
  auto engine = OpenEngine(image);
  ASSERT_TRUE(engine);
  MustApply(*engine, Batch({Hotel(1, "Harbour")}));
  EXPECT_EQ(MustCall(*engine, "getRoomTypes", {{"hotelId", 1}}), json::array());
}

TEST(SchemaTest, ASnapshotWithANewerSchemaVersionIsCorrupt) {
  auto engine = OpenEngine();
  ImageDb db(Export(*engine));
  db.Exec("UPDATE schema_version SET version = " + std::to_string(kSchemaVersion + 1));
  Status s = OpenStatus(db.Serialize());
  EXPECT_EQ(s.code(), "CORRUPT_SNAPSHOT") << s.ToJson();
}

TEST(SchemaTest, ASqliteDatabaseOfAnotherApplicationIsCorrupt) {
  ImageDb db("");
  db.Exec("CREATE TABLE guests (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO guests VALUES (1, 'Ann');");
  EXPECT_EQ(OpenStatus(db.Serialize()).code(), "CORRUPT_SNAPSHOT");
}

TEST(SchemaTest, ABlobThatIsNotSqliteIsCorrupt) {
  std::string header_only("SQLite format 3\0", 16);
  header_only.resize(600, '\x7f');
  for (const std::string& blob : {std::string("hello"), std::string(4096, 'x'), std::string("{\"format\":1}"),
                                  std::string("SQLite format 3\0", 16), header_only}) {
    EXPECT_EQ(OpenStatus(blob).code(), "CORRUPT_SNAPSHOT") << blob.size() << " bytes";
  }
}

// A database of several dozen pages: 3 room types x 1000 nights of inventory.
std::string BigImage() {
  auto engine = OpenEngine();
  MustApply(*engine, Batch({Hotel(1, "Harbour"), RoomType(10, 1, "Double"), RoomType(11, 1, "Suite"),
                            RoomType(12, 1, "Family"), Inventory(10, "2026-01-01", 1000, 8, 5, 12900),
                            Inventory(11, "2026-01-01", 1000, 2, 1, 30000), Inventory(12, "2026-01-01", 1000, 4, 4, 15000)}));
  return Export(*engine);
}

size_t PageSize(const std::string& image) {
  const size_t v = (static_cast<unsigned char>(image[16]) << 8) | static_cast<unsigned char>(image[17]);
  return v == 1 ? 65536 : v;
}

TEST(SchemaTest, AMultiPageImageOpensIntact) {
  const std::string image = BigImage();
  ASSERT_GE(image.size() / PageSize(image), 20u);
  auto engine = OpenEngine(image);
  ASSERT_TRUE(engine);
  json cal = MustCall(*engine, "getCalendar", {{"hotelId", 1}, {"from", "2028-09-20"}, {"days", 3}});
  EXPECT_EQ(cal["roomTypes"][0]["available"], json::array({5, 5, 5}));
}

TEST(SchemaTest, FlippedBytesInTheMiddleOfAMultiPageImageAreCorrupt) {
  std::string image = BigImage();
  const size_t page_size = PageSize(image), pages = image.size() / page_size;
  ASSERT_GE(pages, 20u);
  // Invert the first 64 bytes of a page in the middle: its b-tree page header.
  const size_t at = (pages / 2) * page_size;
  for (size_t i = at; i < at + 64; ++i) image[i] = static_cast<char>(~image[i]);
  Status s = OpenStatus(image);
  EXPECT_EQ(s.code(), "CORRUPT_SNAPSHOT") << s.ToJson();
}

TEST(SchemaTest, ATruncatedImageIsCorrupt) {
  std::string image = BigImage();
  image.resize(image.size() / 2);
  EXPECT_EQ(OpenStatus(image).code(), "CORRUPT_SNAPSHOT");
}

TEST(SchemaTest, AnImageMarkedWalOpensAsARollbackJournalDatabase) {
  std::string image = BigImage();
  image[18] = image[19] = 2;  // what the image of a WAL-mode file says
  auto engine = OpenEngine(image);
  ASSERT_TRUE(engine);
  EXPECT_EQ(MustCall(*engine, "getRoomTypes", {{"hotelId", 1}}).size(), 3u);
}

// The same rule on any piece of an image a VFS reads (the wasm reads a snapshot page by
// page, Engine::OpenCopy): only header bytes 18 and 19, and only where the piece has them.
TEST(SchemaTest, ReadAsRollbackJournalRewritesOnlyTheWalMarksAPieceHolds) {
  const std::string header(100, '\2');
  for (int64_t offset : {0, 10, 17, 18, 19, 20}) {
    for (size_t n : {1u, 2u, 5u, 30u}) {
      std::string piece = header.substr(static_cast<size_t>(offset), n);
      Engine::ReadAsRollbackJournal(reinterpret_cast<unsigned char*>(piece.data()), offset, n);
      for (size_t i = 0; i < n; ++i) {
        const int64_t at = offset + static_cast<int64_t>(i);
        EXPECT_EQ(piece[i], at == 18 || at == 19 ? '\1' : '\2') << "offset " << offset << " n " << n << " at " << at;
      }
    }
  }
}

// ---- Migrations of older images (schema.cc kMigrations) ------------------------------

// A version-1 image holding one hotel: what an engine before migration 2 exported.
std::string VersionOneImage(const std::string& extra_sql = "") {
  auto engine = OpenEngine();
  MustApply(*engine, Batch({Hotel(1, "Harbour")}));
  ImageDb db(Export(*engine));
  db.Exec("DROP TABLE schema_migrations; UPDATE schema_version SET version = 1;" + extra_sql);
  return db.Serialize();
}

TEST(SchemaMigrationTest, AVersionOneImageMigratesAndKeepsItsData) {
  const std::string image = VersionOneImage();
  auto engine = OpenEngine(image);
  ASSERT_TRUE(engine);
  ImageDb db(Export(*engine));
  EXPECT_EQ(db.Column("SELECT version FROM schema_version"), std::vector<std::string>{std::to_string(kSchemaVersion)});
  EXPECT_EQ(db.Column("SELECT version || ' ' || name FROM schema_migrations WHERE version = 2"),
            std::vector<std::string>{"2 migration_log"});
  EXPECT_EQ(db.Column("SELECT name FROM hotels"), std::vector<std::string>{"Harbour"});
  // applied_at: the wall clock at the migration, ms in whole seconds (bound by the core,
  // which links no SQL date functions).
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  for (const std::string& at : db.Column("SELECT applied_at FROM schema_migrations")) {
    const int64_t ms = std::stoll(at);
    EXPECT_EQ(ms % 1000, 0) << at;
    EXPECT_LE(ms, now_ms);
    EXPECT_GT(ms, now_ms - 600000) << at;
  }
}

// A migration that cannot complete (here: another tool's table of the name migration 2
// uses, with other columns) fails the whole transaction, which rolls the store back to version 1.
TEST(SchemaMigrationTest, AFailingMigrationLeavesTheImageAtItsOldVersionAndUsable) {
  const std::string image = VersionOneImage("CREATE TABLE schema_migrations (note TEXT); INSERT INTO schema_migrations VALUES ('theirs');");
  ImageDb db(image);
  Status s = EnsureSchema(db.Handle());
  EXPECT_EQ(s.code(), "MIGRATION_FAILED") << s.ToJson();
  EXPECT_NE(s.message().find("unchanged at schema version 1"), std::string::npos) << s.message();
  EXPECT_EQ(db.Column("SELECT version FROM schema_version"), std::vector<std::string>{"1"});
  EXPECT_EQ(db.Column("SELECT note FROM schema_migrations"), std::vector<std::string>{"theirs"});
  EXPECT_EQ(db.Column("SELECT name FROM hotels"), std::vector<std::string>{"Harbour"});
  EXPECT_EQ(db.Serialize(), image) << "byte for byte the image it was before";
  EXPECT_EQ(OpenStatus(image).code(), "MIGRATION_FAILED");
  // Once the obstacle is gone, the same store migrates.
  db.Exec("DROP TABLE schema_migrations");
  auto engine = OpenEngine(db.Serialize());
  ASSERT_TRUE(engine);
  ImageDb migrated(Export(*engine));
  EXPECT_EQ(migrated.Column("SELECT name FROM hotels"), std::vector<std::string>{"Harbour"});
}

// A version-3 image with bookings: the indexes migration 4 replaced (the narrow user index,
// bookings_roomTypeId_idx), as an engine before migration 4 exported them.
std::string VersionThreeImage(json* answer) {
  auto engine = OpenEngine();
  MustApply(*engine, Batch({Hotel(1, "Harbour"), RoomType(10, 1, "Double"), RoomType(11, 1, "Suite"),
                            Booking(1, 1, 7, 10, "CONFIRMED", "2026-06-10", "2026-06-12"),
                            Booking(2, 1, 7, 11, "CANCELLED", "2026-07-01", "2026-07-04", {{"created_at", kNow - 60000}}),
                            Booking(3, 1, 8, 10, "CONFIRMED", "2026-06-10", "2026-06-11")}));
  *answer = MustCall(*engine, "getUserBookingsWithRoomType", {{"userId", 7}});
  ImageDb db(Export(*engine));
  db.Exec("DELETE FROM schema_migrations WHERE version = 4; UPDATE schema_version SET version = 3;"
          "DROP INDEX bookings_userId_status_createdAt_idx;"
          "CREATE INDEX bookings_userId_status_createdAt_idx ON bookings(user_id, status, created_at);"
          "CREATE INDEX bookings_roomTypeId_idx ON bookings(room_type_id);");
  return db.Serialize();
}

TEST(SchemaMigrationTest, AVersionThreeImageGetsTheBookingIndexesOfVersionFourAndKeepsItsData) {
  json before;
  const std::string image = VersionThreeImage(&before);
  ASSERT_EQ(before.size(), 2u);
  auto engine = OpenEngine(image);
  ASSERT_TRUE(engine);
  EXPECT_EQ(MustCall(*engine, "getUserBookingsWithRoomType", {{"userId", 7}}), before);
  ImageDb db(Export(*engine));
  EXPECT_EQ(db.Column("SELECT version FROM schema_version"), std::vector<std::string>{std::to_string(kSchemaVersion)});
  EXPECT_EQ(db.Column("SELECT name FROM schema_migrations WHERE version = 4"),
            std::vector<std::string>{"bookings_indexes"});
  EXPECT_EQ(db.Column("SELECT name FROM sqlite_master WHERE name = 'bookings_roomTypeId_idx'"),
            std::vector<std::string>{});
  // Covering: every column of the answer (the rowid is in every index entry).
  std::vector<std::string> columns =
      db.Column("SELECT name FROM pragma_index_info('bookings_userId_status_createdAt_idx') ORDER BY seqno");
  std::vector<std::string> table = db.Column("SELECT name FROM pragma_table_info('bookings') WHERE name <> 'id'");
  std::sort(columns.begin(), columns.end());
  std::sort(table.begin(), table.end());
  EXPECT_EQ(columns, table);
  EXPECT_EQ(db.Column("SELECT count(*) FROM bookings"), std::vector<std::string>{"3"});
  EXPECT_EQ(db.Column("PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  // Reopening the migrated image keeps it at its version with the same indexes.
  auto again = OpenEngine(Export(*engine));
  ASSERT_TRUE(again);
  ImageDb db2(Export(*again));
  EXPECT_EQ(db2.Column("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'bookings' ORDER BY name"),
            db.Column("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'bookings' ORDER BY name"));
}

// The whole schema of an image (every table and index with its DDL), in one comparable form.
std::vector<std::string> SchemaOf(ImageDb& db) {
  return db.Column("SELECT type || ' ' || name || ' ' || tbl_name || ' ' || COALESCE(sql, '-') FROM sqlite_master"
                   " ORDER BY type, name");
}

// A hotel with inventory, special days and bookings, and the answers that read inventory.
struct InventoryAnswers {
  std::string image;
  std::vector<json> answers;
};
const json kStay{{"roomTypeId", 10}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-14"}, {"rooms", 2}};
std::vector<json> AskInventory(Engine& e) {
  return {MustCall(e, "checkRoomAvailability", kStay),
          MustCall(e, "getAllRoomAvailability", {{"hotelId", 1}, {"checkIn", "2026-06-28"}, {"checkOut", "2026-07-03"}}),
          MustCall(e, "getCalendar", {{"hotelId", 1}, {"from", "2026-05-25"}, {"days", 60}}),
          MustCall(e, "getOccupancyRate", {{"hotelId", 1}, {"from", "2026-06-01"}, {"to", "2026-08-01"}}),
          MustCall(e, "rangeChecksums", {{"hotelId", 1}, {"from", "2026-06-01"}, {"to", "2026-09-01"}})};
}
InventoryAnswers InventoryHotel() {
  auto engine = OpenEngine();
  json odd = json::array();
  for (int i = 0; i < 40; i += 3) odd.push_back(json{11, Plus("2026-06-01", i), 4, i % 5, 20000 + i, i % 4 + 1, i % 2 ? 0 : 7, i % 2, i % 3 == 0, i % 7 == 0});
  MustApply(*engine, Batch({Hotel(1, "Harbour"), RoomType(10, 1, "Double"), RoomType(11, 1, "Suite", 4),
                            Inventory(10, "2026-06-01", 61, 8, 5, 12900),
                            UpsertRows("room_inventory", {"room_type_id", "date", "total", "available", "price_cents",
                                                          "min_stay", "max_stay", "closed_to_arrival",
                                                          "closed_to_departure", "stop_sell"}, odd),
                            Upsert("special_days", {{"hotel_id", 1}, {"date", "2026-06-12"}, {"kind", "event"},
                                                    {"price_multiplier_pct", 150}}),
                            Booking(1, 1, 7, 10, "CONFIRMED", "2026-06-10", "2026-06-12")},
                           {{"cursor", "c-9"}, {"syncedAt", 1764120000000LL}}));
  return {Export(*engine), AskInventory(*engine)};
}

// What an engine of schema 4 exported: room_inventory a rowid table (its DDL of schema 1)
// with the covering contract index of ten columns.
std::string VersionFourImage(const std::string& image, const std::string& extra_sql = "") {
  ImageDb db(image);
  db.Exec("DELETE FROM schema_migrations WHERE version >= 5; UPDATE schema_version SET version = 4;"
          "DROP INDEX room_inventory_roomTypeId_date_available_idx;"
          "ALTER TABLE room_inventory RENAME TO ri5;"
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
          ");"
          "INSERT INTO room_inventory SELECT * FROM ri5 ORDER BY date DESC;"  // rowids not in key order
          "DROP TABLE ri5;"
          "CREATE INDEX room_inventory_roomTypeId_date_available_idx ON room_inventory(room_type_id, date, available,"
          " total, price_cents, min_stay, max_stay, closed_to_arrival, closed_to_departure, stop_sell);" +
          extra_sql);
  EXPECT_EQ(db.Column("SELECT count(*) FROM pragma_index_info('room_inventory_roomTypeId_date_available_idx')"),
            std::vector<std::string>{"10"});
  return db.Serialize();
}

TEST(SchemaMigrationTest, AVersionFourImageGetsRoomInventoryWithoutRowidAndAnswersTheSame) {
  const InventoryAnswers hotel = InventoryHotel();
  const std::string old_image = VersionFourImage(hotel.image);
  ImageDb old_db(old_image);
  const std::vector<std::string> rows = old_db.Column(
      "SELECT room_type_id || '|' || date || '|' || total || '|' || available || '|' || price_cents || '|' || min_stay"
      " || '|' || max_stay || '|' || closed_to_arrival || '|' || closed_to_departure || '|' || stop_sell"
      " FROM room_inventory ORDER BY room_type_id, date");
  ASSERT_EQ(rows.size(), 61u + 14u);

  auto engine = OpenEngine(old_image);
  ASSERT_TRUE(engine);
  EXPECT_EQ(AskInventory(*engine), hotel.answers);
  ImageDb db(Export(*engine));
  EXPECT_EQ(db.Column("SELECT version FROM schema_version"), std::vector<std::string>{std::to_string(kSchemaVersion)});
  EXPECT_EQ(db.Column("SELECT name FROM schema_migrations WHERE version = 5"),
            std::vector<std::string>{"room_inventory_without_rowid"});
  // Every row kept, column for column.
  EXPECT_EQ(db.Column("SELECT room_type_id || '|' || date || '|' || total || '|' || available || '|' || price_cents"
                      " || '|' || min_stay || '|' || max_stay || '|' || closed_to_arrival || '|' || closed_to_departure"
                      " || '|' || stop_sell FROM room_inventory ORDER BY room_type_id, date"),
            rows);
  // Stored once: no rowid, and the contract index holds its contract columns only.
  EXPECT_EQ(db.Column("SELECT wr FROM pragma_table_list WHERE name = 'room_inventory'"), std::vector<std::string>{"1"});
  EXPECT_EQ(db.Column("SELECT name FROM pragma_index_info('room_inventory_roomTypeId_date_available_idx') ORDER BY seqno"),
            (std::vector<std::string>{"room_type_id", "date", "available"}));
  EXPECT_EQ(db.Column("SELECT count(*) FROM sqlite_master WHERE name LIKE 'room_inventory_v%'"), std::vector<std::string>{"0"});
  EXPECT_EQ(db.Column("PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  // The CHECK came along.
  EXPECT_EQ(sqlite3_exec(db.Handle(), "UPDATE room_inventory SET available = total + 1 WHERE room_type_id = 10",
                         nullptr, nullptr, nullptr),
            SQLITE_CONSTRAINT);

  // The same schema as a new engine's, DDL text and all (kSchemaSql plus every migration).
  auto fresh = OpenEngine();
  ImageDb fresh_db(Export(*fresh));
  EXPECT_EQ(SchemaOf(db), SchemaOf(fresh_db));

  // And the migrated engine keeps working: a change to the inventory and the answers follow.
  MustApply(*engine, Batch({Upsert("room_inventory", {{"room_type_id", 10}, {"date", "2026-06-11"}, {"available", 1}})}));
  EXPECT_FALSE(MustCall(*engine, "checkRoomAvailability", kStay)["available"].get<bool>());
}

TEST(SchemaMigrationTest, ANewEngineHasRoomInventoryWithoutRowidAndTheSlimContractIndex) {
  auto engine = OpenEngine();
  ImageDb db(Export(*engine));
  EXPECT_EQ(db.Column("SELECT wr FROM pragma_table_list WHERE name = 'room_inventory'"), std::vector<std::string>{"1"});
  EXPECT_EQ(db.Column("SELECT name FROM pragma_index_info('room_inventory_roomTypeId_date_available_idx') ORDER BY seqno"),
            (std::vector<std::string>{"room_type_id", "date", "available"}));
  // Reopening changes nothing (kSchemaSql runs on every open).
  auto again = OpenEngine(Export(*engine));
  ASSERT_TRUE(again);
  ImageDb db2(Export(*again));
  EXPECT_EQ(SchemaOf(db2), SchemaOf(db));
}

// A row another tool wrote past the CHECK (SQLite lets a connection ignore it): the
// rebuild's copy fails on it, the whole migration rolls back, and the image stays a
// usable version-4 image with its rowid inventory.
TEST(SchemaMigrationTest, AFailedInventoryRebuildLeavesTheVersionFourImageAsItWas) {
  const InventoryAnswers hotel = InventoryHotel();
  const std::string image = VersionFourImage(
      hotel.image,
      "PRAGMA ignore_check_constraints = ON;"
      "INSERT INTO room_inventory (room_type_id, date, total, available, price_cents)"
      " SELECT min(room_type_id), '2099-01-01', 1, 5, 100 FROM room_inventory;"
      "PRAGMA ignore_check_constraints = OFF;");
  ImageDb db(image);
  Status s = EnsureSchema(db.Handle());
  EXPECT_EQ(s.code(), "MIGRATION_FAILED") << s.ToJson();
  EXPECT_NE(s.message().find("migration 5 (room_inventory_without_rowid)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("unchanged at schema version 4"), std::string::npos) << s.message();
  EXPECT_EQ(db.Serialize(), image) << "byte for byte the image it was before";
  EXPECT_EQ(db.Column("SELECT count(*) FROM room_inventory"), std::vector<std::string>{"76"});
  db.Exec("DELETE FROM room_inventory WHERE available > total");
  auto engine = OpenEngine(db.Serialize());
  ASSERT_TRUE(engine);
  EXPECT_EQ(AskInventory(*engine), hotel.answers);
}

}  // namespace
// ---- Migration 6: the local-write conditions without IN lists ---------------------------

// Every table and index of an image with its DDL.
std::vector<std::string> DdlOf(ImageDb& db) {
  return db.Column("SELECT type || ' ' || name || ' ' || COALESCE(sql, '-') FROM sqlite_master ORDER BY type, name");
}

// The opcodes SQLite compiles `sql` to.
std::vector<std::string> OpcodesOf(ImageDb& db, const std::string& sql) {
  std::vector<std::string> ops;
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db.Handle(), ("EXPLAIN " + sql).c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
  while (st && sqlite3_step(st) == SQLITE_ROW) ops.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
  sqlite3_finalize(st);
  return ops;
}

const char* const kBookingInsert =
    "INSERT INTO bookings(id, hotel_id, user_id, room_type_id, status, start_date, end_date, rooms, guests,"
    " total_cents, created_at, updated_at, hold_expires_at, idempotency_key, origin)"
    " VALUES (-99, 1, 7, 10, 'PENDING_SYNC', '2026-06-20', '2026-06-21', 1, 1, 100, 0, 0, NULL, 'x', 'local')";
const char* const kOutboxInsert =
    "INSERT INTO outbox(seq, type, idempotency_key, args, created_at) VALUES (99, 'createBooking', 'x', '{}', 0)";

TEST(SchemaMigrationTest, AnImageBeforeMigration6KeepsItsLocalBookingsAndOutboxAndLosesTheInLists) {
  auto engine = OpenEngine();
  MustApply(*engine, Batch({Hotel(1, "Harbour"), RoomType(10, 1, "Double"), Inventory(10, "2026-06-01", 30, 8, 3, 10000)}));
  for (const char* ci : {"2026-06-10", "2026-06-11"}) {
    MustCall(*engine, "createBooking", {{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 7}, {"checkIn", ci},
                                        {"checkOut", "2026-06-12"}});
  }
  MustCall(*engine, "createBooking", {{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 8}, {"checkIn", "2026-06-11"},
                                      {"checkOut", "2026-06-13"}, {"hold", true}});
  const json stay{{"hotelId", 1}, {"roomTypeId", 10}, {"checkIn", "2026-06-09"}, {"checkOut", "2026-06-14"}};
  const json available = MustCall(*engine, "checkRoomAvailability", stay);
  const json pending = MustCall(*engine, "pendingMutations");
  ASSERT_EQ(pending["mutations"].size(), 3u);

  // What an engine before migration 6 exported: both conditions as IN lists.
  ImageDb old_db(Export(*engine));
  old_db.Exec("DELETE FROM schema_migrations WHERE version >= 6; UPDATE schema_version SET version = 5;"
              "DROP INDEX bookings_localHolding_idx;"
              "CREATE INDEX bookings_localHolding_idx ON bookings(hotel_id, start_date)"
              " WHERE origin = 'local' AND status IN ('HELD', 'PENDING_SYNC', 'CONFIRMED');"
              "DROP INDEX outbox_status_seq_idx; ALTER TABLE outbox RENAME TO ob;"
              "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, idempotency_key TEXT NOT NULL,"
              " args TEXT NOT NULL, booking_id INTEGER, waitlist_id INTEGER, created_at INTEGER NOT NULL,"
              " status TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPLIED', 'REJECTED')), result TEXT);"
              "INSERT INTO outbox SELECT * FROM ob; DROP TABLE ob;"
              "CREATE INDEX outbox_status_seq_idx ON outbox(status, seq);");
  // The cost migration 6 removes: a temporary b-tree per booking insert and per outbox insert.
  for (const char* sql : {kBookingInsert, kOutboxInsert}) {
    const std::vector<std::string> ops = OpcodesOf(old_db, sql);
    EXPECT_NE(std::find(ops.begin(), ops.end(), "OpenEphemeral"), ops.end()) << sql;
  }

  auto migrated = OpenEngine(old_db.Serialize());
  ASSERT_TRUE(migrated);
  EXPECT_EQ(MustCall(*migrated, "checkRoomAvailability", stay), available);
  EXPECT_EQ(MustCall(*migrated, "pendingMutations"), pending);
  ImageDb db(Export(*migrated));
  EXPECT_EQ(db.Column("SELECT version FROM schema_version"), std::vector<std::string>{std::to_string(kSchemaVersion)});
  EXPECT_EQ(db.Column("SELECT name FROM schema_migrations WHERE version = 6"),
            std::vector<std::string>{"local_write_conditions"});
  EXPECT_EQ(db.Column("PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  for (const char* sql : {kBookingInsert, kOutboxInsert}) {
    const std::vector<std::string> ops = OpcodesOf(db, sql);
    EXPECT_EQ(std::find(ops.begin(), ops.end(), "OpenEphemeral"), ops.end()) << sql;
  }
  // The same rules: the CHECK still refuses another status; the holding index still
  // holds exactly the local HELD / PENDING_SYNC / CONFIRMED bookings.
  EXPECT_EQ(sqlite3_exec(db.Handle(), "UPDATE outbox SET status = 'SENT' WHERE seq = 1", nullptr, nullptr, nullptr),
            SQLITE_CONSTRAINT);
  EXPECT_EQ(db.Column("SELECT count(*) FROM bookings INDEXED BY bookings_localHolding_idx WHERE " EDGESTAY_LOCAL_HOLDING_WHERE
                      " AND hotel_id = 1"),
            std::vector<std::string>{"3"});
  // The same schema as a new engine's, DDL text and all; and the engine keeps working.
  auto fresh = OpenEngine();
  ImageDb fresh_db(Export(*fresh));
  EXPECT_EQ(DdlOf(db), DdlOf(fresh_db));
  MustCall(*migrated, "cancelBooking", {{"bookingId", -1}});
  EXPECT_EQ(MustCall(*migrated, "pendingMutations")["mutations"].size(), 4u);
}

// Migration 7: notifications keyed id DESC WITHOUT ROWID, the booking index descending,
// so that new local rows (ids and booking ids counting down) append at the right edge.
TEST(SchemaMigrationTest, AVersionSixImageGetsNotificationsKeyedForAppendingWithTheSameRowsAndIds) {
  auto engine = OpenEngine();
  MustApply(*engine, Batch({Hotel(1, "Harbour"), RoomType(10, 1, "Double"), Inventory(10, "2026-06-01", 40, 8, 5, 10000),
                            Booking(3, 1, 9, 10, "CONFIRMED", "2026-06-20", "2026-06-22"),
                            UpsertRows("notifications",
                                       {"id", "booking_id", "user_id", "channel", "status", "scheduled_at", "kind"},
                                       json::array({json{5, 3, 9, "sms", "QUEUED", kNow - 60000, "confirmation"},
                                                    json{6, 3, 9, "email", "SENT", kNow - 1000, "update"}}))}));
  for (const char* ci : {"2026-06-10", "2026-06-11"}) {
    MustCall(*engine, "createBooking", {{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 7}, {"checkIn", ci},
                                        {"checkOut", "2026-06-12"}});
  }
  MustCall(*engine, "createBooking", {{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 8}, {"checkIn", "2026-06-11"},
                                      {"checkOut", "2026-06-13"}, {"hold", true}});
  MustCall(*engine, "cancelBooking", {{"bookingId", -1}});
  const json until{{"until", kNow + 400LL * 86400000}};
  const json due = MustCall(*engine, "getDueNotifications", until);
  ASSERT_EQ(due.size(), 6u);  // the centre's QUEUED one, and -1 .. -6 but the cancelled reminder
  const std::string all_rows =
      "SELECT id || '|' || booking_id || '|' || user_id || '|' || channel || '|' || status || '|' || scheduled_at"
      " || '|' || kind FROM notifications ORDER BY id";

  // What an engine of schema 6 exported: notifications a rowid table, both indexes ascending.
  ImageDb old_db(Export(*engine));
  const std::vector<std::string> rows = old_db.Column(all_rows);
  ASSERT_EQ(rows.size(), 8u);
  old_db.Exec("DELETE FROM schema_migrations WHERE version >= 7; UPDATE schema_version SET version = 6;"
              "DROP INDEX notifications_status_scheduledAt_idx; DROP INDEX notifications_bookingId_idx;"
              "ALTER TABLE notifications RENAME TO n7;"
              "CREATE TABLE notifications (id INTEGER PRIMARY KEY, booking_id INTEGER NOT NULL REFERENCES bookings(id),"
              " user_id INTEGER NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'QUEUED',"
              " scheduled_at INTEGER NOT NULL, kind TEXT NOT NULL DEFAULT 'update');"
              "INSERT INTO notifications SELECT * FROM n7; DROP TABLE n7;"
              "CREATE INDEX notifications_status_scheduledAt_idx ON notifications(status, scheduled_at);"
              "CREATE INDEX notifications_bookingId_idx ON notifications(booking_id);");
  ASSERT_EQ(old_db.Column("SELECT wr FROM pragma_table_list WHERE name = 'notifications'"), std::vector<std::string>{"0"});

  auto migrated = OpenEngine(old_db.Serialize());
  ASSERT_TRUE(migrated);
  EXPECT_EQ(MustCall(*migrated, "getDueNotifications", until), due);
  ImageDb db(Export(*migrated));
  EXPECT_EQ(db.Column("SELECT version FROM schema_version"), std::vector<std::string>{std::to_string(kSchemaVersion)});
  EXPECT_EQ(db.Column("SELECT name FROM schema_migrations WHERE version = 7"),
            std::vector<std::string>{"notifications_local_append"});
  EXPECT_EQ(db.Column(all_rows), rows);
  EXPECT_EQ(db.Column("SELECT wr FROM pragma_table_list WHERE name = 'notifications'"), std::vector<std::string>{"1"});
  EXPECT_EQ(db.Column("SELECT desc FROM pragma_index_xinfo('notifications_bookingId_idx') WHERE key ORDER BY seqno"),
            (std::vector<std::string>{"1"}));
  EXPECT_EQ(db.Column("SELECT count(*) FROM sqlite_master WHERE name LIKE 'notifications_v%'"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(db.Column("PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  auto fresh = OpenEngine();
  ImageDb fresh_db(Export(*fresh));
  EXPECT_EQ(DdlOf(db), DdlOf(fresh_db));
  // Local ids go on counting down from the smallest, and the cancel's lookup by booking
  // still finds the reminder it must cancel.
  const json b = MustCall(*migrated, "createBooking", {{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 7},
                                                       {"checkIn", "2026-06-15"}, {"checkOut", "2026-06-16"}});
  MustCall(*migrated, "cancelBooking", {{"bookingId", b["id"]}});
  ImageDb after(Export(*migrated));
  EXPECT_EQ(after.Column("SELECT id || ' ' || kind || ' ' || status FROM notifications WHERE booking_id = " +
                         b["id"].dump() + " ORDER BY id DESC"),
            (std::vector<std::string>{"-7 confirmation QUEUED", "-8 reminder CANCELLED", "-9 cancellation QUEUED"}));
  // A notification needs its id, as the rowid table's alias always had one.
  EXPECT_EQ(sqlite3_exec(after.Handle(),
                         "INSERT INTO notifications (booking_id, user_id, channel, scheduled_at) VALUES (-1, 7, 'email', 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_CONSTRAINT);
}

}  // namespace edgestay::test
