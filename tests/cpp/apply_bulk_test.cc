// applyChanges into empty tables (a first bootstrap) against the general path.
//
// A table that is empty when a batch first writes to it takes shortcuts (apply_changes.cc):
// no old-row reads for ids the batch has not written yet, and its plain secondary indexes
// dropped after kBulkRows rows and built again at commit. Property: random batches applied
// to an empty engine (shortcuts) and to one whose tables each hold a sentinel row (general
// path) give the same outcome (the same error, or the same answer and events) and, once
// the sentinels are deleted, the same rows; the indexes built at commit match their tables.
// The empty tables also take their rows as bulk loads while the rows come in key order
// (full pages), which changes where rows sit, never which rows there are.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "image_db.h"
#include "sqlite3.h"
#include "sqlite_db.h"  // edgestay_append_btrees
#include "test_support.h"

namespace edgestay::test {
namespace {

constexpr int64_t kSentinel = 9000000;  // ids of the general-path engine's sentinel rows

// Every replicated table's rows, ordered by their key, one line per row.
std::string Dump(Engine& engine, std::string* integrity) {
  std::string image;
  EXPECT_TRUE(engine.ExportDatabase(&image).ok());
  ImageDb db(image);
  std::string out;
  for (const char* t : {"hotels", "room_types", "booking_rules", "special_days", "waitlist", "notifications"}) {
    out += std::string("# ") + t + "\n" + db.Rows(std::string("SELECT * FROM ") + t + " ORDER BY 1, 2");
  }
  out += "# room_inventory\n" + db.Rows("SELECT * FROM room_inventory ORDER BY room_type_id, date");
  out += "# bookings\n" + db.Rows("SELECT * FROM bookings ORDER BY id");
  out += "# payments\n" + db.Rows("SELECT * FROM payments ORDER BY id");
  out += "# indexes\n" + db.Rows("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name");
  *integrity = db.Rows("PRAGMA integrity_check");
  if (integrity->size() > 1 && integrity->substr(integrity->size() - 2) == "|\n") integrity->resize(integrity->size() - 2);
  return out;
}

std::unique_ptr<Engine> NewEngine() {
  std::unique_ptr<Engine> e;
  EXPECT_TRUE(Engine::Open("", &e).ok());
  e->SetNow(kNow);
  return e;
}

// A random batch over hotels, room types, inventory, bookings and payments: mostly new ids
// in ascending order, with re-sent and updated rows, ids below the highest so far, partial
// updates, local bookings and the central rows that confirm them (by server id or by key),
// rows that name a server id, room types moving hotel, deletes, and now and then a row
// that fails (a foreign key, a duplicate key, a still-referenced delete).
json RandomBatch(std::mt19937_64& rng, int bookings, int nights, bool with_errors) {
  auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  std::vector<json> changes;
  const int hotels = 3, room_types = 6;
  for (int h = 1; h <= hotels; ++h) changes.push_back(Hotel(h, "H" + std::to_string(h)));
  for (int r = 1; r <= room_types; ++r) changes.push_back(RoomType(r, 1 + (r - 1) % hotels, "R" + std::to_string(r)));
  // Inventory in key order, then some nights again out of order. Half the batches name
  // all ten columns, as a sync's pages do (the rows the appender takes), and may hold a
  // night whose availability exceeds its total (the CHECK refuses it).
  // (Drawn from a stream of their own: the rest of the batch stays as the seed made it.)
  std::mt19937_64 side(rng);
  side.discard(1000);
  auto side_pick = [&](int64_t n) { return static_cast<int64_t>(side() % static_cast<uint64_t>(n)); };
  const bool all_columns = side_pick(2) == 0;
  const int64_t over_total = with_errors && all_columns && side_pick(2) ? side_pick(room_types * nights) : -1;
  json inv = json::array();
  for (int r = 1; r <= room_types; ++r) {
    for (int d = 0; d < nights; ++d) {
      json row{r, Plus("2026-06-01", d), 10, (r - 1) * nights + d == over_total ? 11 : pick(11), 10000 + pick(5000)};
      if (all_columns) {
        for (const int64_t v : {1 + side_pick(3), side_pick(2) * 14, side_pick(2), side_pick(2), side_pick(10) / 9}) {
          row.push_back(v);
        }
      }
      inv.push_back(std::move(row));
    }
  }
  for (int i = 0; i < nights / 10; ++i) {
    json row{1 + pick(room_types), Plus("2026-06-01", pick(nights)), 10, pick(11), 9000};
    if (all_columns) row.insert(row.end(), {1, 0, 0, 0, 0});
    inv.push_back(std::move(row));
  }
  std::vector<std::string> columns{"room_type_id", "date", "total", "available", "price_cents"};
  if (all_columns) {
    columns.insert(columns.end(), {"min_stay", "max_stay", "closed_to_arrival", "closed_to_departure", "stop_sell"});
  }
  changes.push_back(UpsertRows("room_inventory", columns, inv));

  std::vector<int64_t> written;                 // booking ids stored so far
  std::map<int64_t, int64_t> hotel_of;          // booking id -> hotel
  std::vector<std::pair<int64_t, std::string>> open_local;  // (hotel, key) of unconfirmed local bookings
  std::set<int64_t> paid;                       // bookings with a payment
  std::map<int64_t, int64_t> servers;          // server id -> the booking that names it
  int64_t next_id = 1, next_local = 700000, next_payment = 1, next_key = 1, next_server = 5000000;
  for (int i = 0; i < bookings; ++i) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const int64_t rt = 1 + pick(room_types);
    const int64_t hotel = 1 + (rt - 1) % hotels;
    const std::string start = Plus("2026-06-01", static_cast<int>(pick(nights - 5)));
    const std::string end = Plus(start, 1 + static_cast<int>(pick(4)));
    json extra = json::object();
    if (chance(0.5)) extra["updated_at"] = kNow - 1000 * pick(1000);
    extra["user_id"] = 1 + pick(200);
    if (u < 0.05 && !written.empty()) {
      // A partial update of a stored booking (no updated_at: it keeps the stored one).
      const int64_t id = written[pick(static_cast<int64_t>(written.size()))];
      json row{{"id", id}, {"status", chance(0.5) ? "CANCELLED" : "CONFIRMED"}};
      if (chance(0.3)) row["room_type_id"] = hotel_of[id];  // checked against the stored hotel (its room type)
      if (chance(0.2)) row["created_at"] = kNow - 5000;
      changes.push_back(Upsert("bookings", row));
      continue;
    }
    if (u < 0.10 && !written.empty()) {
      // A full row again for a stored id (the same hotel, or the room type check fails).
      const int64_t id = written[pick(static_cast<int64_t>(written.size()))];
      const int64_t h = hotel_of[id];
      const int64_t same_rt = h;  // room type h belongs to hotel h
      changes.push_back(Booking(id, h, extra["user_id"].get<int64_t>(), same_rt, "CONFIRMED", start, end, extra));
      continue;
    }
    if (u < 0.13) {
      // A local booking this engine made, with its key.
      const int64_t id = next_local++;
      const std::string key = "K" + std::to_string(next_key++);
      extra["origin"] = "local";
      extra["idempotency_key"] = key;
      changes.push_back(Booking(id, hotel, extra["user_id"].get<int64_t>(), rt, "PENDING_SYNC", start, end, extra));
      written.push_back(id);
      hotel_of[id] = hotel;
      open_local.emplace_back(hotel, key);
      continue;
    }
    int64_t id = next_id++;
    if (u < 0.18) id = next_id + 50 + pick(100);  // ahead of the ascending ids (later met again)
    else if (u < 0.20 && next_id > 10) id = 1 + pick(next_id - 1);  // below the highest: maybe stored
    int64_t h = hotel;
    if (u >= 0.20 && u < 0.24 && !open_local.empty()) {
      // The centre's row of a local booking, matched by its key (a lost push response).
      const size_t k = static_cast<size_t>(pick(static_cast<int64_t>(open_local.size())));
      h = open_local[k].first;
      extra["idempotency_key"] = open_local[k].second;
      open_local.erase(open_local.begin() + static_cast<long>(k));
      changes.push_back(Booking(id, h, extra["user_id"].get<int64_t>(), h, "CONFIRMED", start, end, extra));
      continue;  // stored under the local id
    }
    if (u >= 0.24 && u < 0.25 && !servers.empty()) {
      // The centre's row under the id another row names as its server id: it updates that row.
      auto it = servers.begin();
      std::advance(it, pick(static_cast<int64_t>(servers.size())));
      const int64_t into = it->second;
      if (hotel_of.count(into)) {
        changes.push_back(Booking(it->first, hotel_of[into], extra["user_id"].get<int64_t>(), hotel_of[into], "CONFIRMED",
                                  start, end, extra));
      }
      continue;
    }
    if (u >= 0.25 && u < 0.27) {
      extra["server_id"] = next_server;
      servers[next_server++] = id;
    }
    if (u >= 0.26 && u < 0.28) extra["idempotency_key"] = "C" + std::to_string(next_key++);
    changes.push_back(Booking(id, h, extra["user_id"].get<int64_t>(), rt, "CONFIRMED", start, end, extra));
    if (!hotel_of.count(id)) written.push_back(id);
    hotel_of[id] = h;
    if (chance(0.08)) {
      changes.push_back(Upsert("payments", {{"id", next_payment++}, {"booking_id", id}, {"status", "CAPTURED"},
                                            {"amount_cents", 100}, {"created_at", kNow}}));
      paid.insert(id);
    }
    if (chance(0.01) && !written.empty()) {
      const int64_t victim = written[pick(static_cast<int64_t>(written.size()))];
      if (!paid.count(victim) && victim < 700000) {
        changes.push_back(Delete("bookings", {{"id", victim}}));
        written.erase(std::find(written.begin(), written.end(), victim));
        hotel_of.erase(victim);
      }
    }
    if (chance(0.005)) {
      // A room type moves to another hotel (and back, so later rows stay valid).
      const int64_t r = 1 + pick(room_types);
      changes.push_back(Upsert("room_types", {{"id", r}, {"hotel_id", 1 + r % hotels}}));
      changes.push_back(Upsert("room_types", {{"id", r}, {"hotel_id", 1 + (r - 1) % hotels}}));
    }
  }
  if (with_errors) {
    const size_t at = static_cast<size_t>(pick(static_cast<int64_t>(changes.size())));
    switch (pick(4)) {
      case 0: changes.insert(changes.begin() + static_cast<long>(at), Booking(next_id++, 1, 1, 99, "CONFIRMED", "2026-06-02", "2026-06-03")); break;
      case 1: changes.insert(changes.begin() + static_cast<long>(at), Booking(next_id++, 2, 1, 1, "CONFIRMED", "2026-06-02", "2026-06-03")); break;
      case 2: changes.push_back(Booking(next_id++, 1, 1, 1, "CONFIRMED", "2026-06-02", "2026-06-03",
                                        {{"idempotency_key", "K1"}, {"origin", "local"}})); break;
      default:
        if (!paid.empty()) changes.push_back(Delete("bookings", {{"id", *paid.begin()}}));
        changes.push_back(Upsert("bookings", {{"id", 999999}, {"status", "CANCELLED"}}));
        break;
    }
  }
  return Batch(changes, {{"cursor", "c1"}, {"syncedAt", kNow}});
}

// Each table written by RandomBatch holds one row the batch never names: the general path.
void Seed(Engine& e) {
  MustApply(e, Batch({Hotel(kSentinel, "S"), RoomType(kSentinel, kSentinel, "S"), Inventory(kSentinel, "2026-06-01", 1, 1, 1, 1),
                      Booking(kSentinel, kSentinel, 1, kSentinel, "CONFIRMED", "2026-06-01", "2026-06-02"),
                      Upsert("payments", {{"id", kSentinel}, {"booking_id", kSentinel}, {"status", "CAPTURED"},
                                          {"amount_cents", 1}, {"created_at", kNow}})}));
  e.TakeEvents();
}
void Unseed(Engine& e) {
  MustApply(e, Batch({Delete("payments", {{"id", kSentinel}}), Delete("bookings", {{"id", kSentinel}}),
                      Delete("room_inventory", {{"room_type_id", kSentinel}, {"date", "2026-06-01"}}),
                      Delete("room_types", {{"id", kSentinel}}), Delete("hotels", {{"id", kSentinel}})}));
  e.TakeEvents();
}

TEST(ApplyBulkTest, EmptyTablesLoadLikeTheGeneralPath) {
  std::mt19937_64 rng(20261201);
  int succeeded = 0, failed = 0;
  for (int round = 0; round < 17; ++round) {
    // Half the rounds large enough for the index rebuild (> 4096 rows of a table), the
    // rest small; one round in three with a failing row. The last round's user index sorts
    // more than a run (1 MiB: RestoreIndexes), so it spills its runs to temporary files.
    const bool large = round % 2 == 0;
    const json batch = RandomBatch(rng, round == 16 ? 24000 : large ? 5000 : 300, large ? 720 : 40, round % 3 == 2);
    const std::string text = batch.dump();
    auto fast = NewEngine(), general = NewEngine();
    Seed(*general);
    std::string out_fast, out_general;
    const Status s_fast = fast->ApplyChanges(text, &out_fast);
    const Status s_general = general->ApplyChanges(text, &out_general);
    ASSERT_EQ(s_fast.ToJson(), s_general.ToJson()) << "round " << round;
    if (!s_fast.ok() && round % 3 != 2) ADD_FAILURE() << "round " << round << ": " << s_fast.ToJson();
    ASSERT_EQ(out_fast, out_general) << "round " << round;
    ASSERT_EQ(fast->TakeEvents(), general->TakeEvents()) << "round " << round;
    if (s_fast.ok()) {
      ++succeeded;
      Unseed(*general);
    } else {
      ++failed;
    }
    std::string integrity_fast, integrity_general;
    const std::string rows_fast = Dump(*fast, &integrity_fast);
    const std::string rows_general = Dump(*general, &integrity_general);
    EXPECT_EQ(integrity_fast, "ok") << "round " << round;
    EXPECT_EQ(integrity_general, "ok") << "round " << round;
    if (s_fast.ok()) {
      ASSERT_EQ(rows_fast, rows_general) << "round " << round;
    }
    // Both engines keep working: a second batch over the loaded tables (general path).
    const json more = Batch({Booking(8000000, 1, 5, 1, "CONFIRMED", "2026-06-03", "2026-06-05")});
    if (s_fast.ok()) {
      MustApply(*fast, more);
      MustApply(*general, more);
      EXPECT_EQ(fast->TakeEvents(), general->TakeEvents());
      EXPECT_EQ(Dump(*fast, &integrity_fast), Dump(*general, &integrity_general));
    }
  }
  EXPECT_GT(succeeded, 4);
  EXPECT_GT(failed, 2);
}

// Which b-trees a load may fill as a bulk load is read from SQLite's schema: a table's
// kept in ascending key order (rowid tables; WITHOUT ROWID ones without a DESC key
// column) and, WITHOUT ROWID, each index led by the key's columns in order and collation.
TEST(ApplyBulkTest, AppendBtreesComeFromTheSchema) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT);"
                         "CREATE INDEX r_id_v ON r(id, v);"
                         "CREATE TABLE up (a INTEGER, b TEXT, c INTEGER, PRIMARY KEY (a, b)) WITHOUT ROWID;"
                         "CREATE INDEX up_led ON up(a, b, c);"
                         "CREATE INDEX up_short ON up(a);"
                         "CREATE INDEX up_swapped ON up(b, a);"
                         "CREATE INDEX up_desc ON up(a, b DESC, c);"
                         "CREATE INDEX up_nocase ON up(a, b COLLATE NOCASE);"
                         "CREATE INDEX up_partial ON up(a, b) WHERE c > 0;"
                         "CREATE TABLE down (id INTEGER NOT NULL, PRIMARY KEY (id DESC)) WITHOUT ROWID;"
                         "CREATE TABLE mixed (a INTEGER, b TEXT, PRIMARY KEY (a, b DESC)) WITHOUT ROWID;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto root_of = [&](sqlite3* in, const char* name) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(in, "SELECT rootpage FROM sqlite_master WHERE name = ?", -1, &st, nullptr), SQLITE_OK);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    const int root = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return root;
  };
  auto appends = [&](sqlite3* in, const char* table) {
    int roots[8] = {};
    const int n = edgestay_append_btrees(in, table, roots, 8);
    return std::set<int>(roots, roots + n);
  };
  EXPECT_EQ(appends(db, "r"), std::set<int>{root_of(db, "r")});  // a rowid table's indexes are not by rowid
  EXPECT_EQ(appends(db, "up"), (std::set<int>{root_of(db, "up"), root_of(db, "up_led"), root_of(db, "up_partial")}));
  EXPECT_TRUE(appends(db, "down").empty());
  EXPECT_TRUE(appends(db, "mixed").empty());
  EXPECT_TRUE(appends(db, "nosuch").empty());
  int one[1] = {};
  EXPECT_EQ(edgestay_append_btrees(db, "up", one, 1), 1);  // the table's own first, within max
  EXPECT_EQ(one[0], root_of(db, "up"));
  // The engine's own tables: notifications (migration 7: id DESC) takes no appends; the
  // inventory's contract index (room_type_id, date, available) is led by its key.
  auto engine = NewEngine();
  std::string image;
  ASSERT_TRUE(engine->ExportDatabase(&image).ok());
  sqlite3* img = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &img), SQLITE_OK);
  auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
  memcpy(buf, image.data(), image.size());
  ASSERT_EQ(sqlite3_deserialize(img, "main", buf, static_cast<sqlite3_int64>(image.size()),
                                static_cast<sqlite3_int64>(image.size()), SQLITE_DESERIALIZE_FREEONCLOSE),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(img, "SELECT 1 FROM sqlite_master LIMIT 1", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_TRUE(appends(img, "notifications").empty());
  EXPECT_EQ(appends(img, "room_inventory"),
            (std::set<int>{root_of(img, "room_inventory"), root_of(img, "room_inventory_roomTypeId_date_available_idx")}));
  EXPECT_EQ(appends(img, "bookings"), std::set<int>{root_of(img, "bookings")});
  EXPECT_EQ(appends(img, "special_days"), std::set<int>{root_of(img, "special_days")});
  sqlite3_close(img);
  sqlite3_close(db);
}

// `batch` as consecutive batches (pages) of at most `rows` rows each, in order: what a sync
// client pulls of the same change log. A change of many rows is split where a page ends.
std::vector<json> Pages(const json& batch, size_t rows) {
  std::vector<json> pages;
  json page = json::array();
  size_t in_page = 0;
  auto flush = [&] {
    if (page.empty()) return;
    pages.push_back(Batch(page.get<std::vector<json>>(), {{"syncedAt", kNow}}));
    page = json::array();
    in_page = 0;
  };
  for (const json& change : batch["changes"]) {
    if (!change.contains("rows")) {
      if (in_page + 1 > rows) flush();
      page.push_back(change);
      ++in_page;
      continue;
    }
    const json& all = change["rows"];
    for (size_t i = 0; i < all.size();) {
      if (in_page == rows) flush();
      const size_t take = std::min(rows - in_page, all.size() - i);
      json part = change;
      part["rows"] = json(std::vector<json>(all.begin() + static_cast<long>(i), all.begin() + static_cast<long>(i + take)));
      page.push_back(part);
      in_page += take;
      i += take;
    }
  }
  flush();
  return pages;
}

// Property: a batch applied as consecutive pages (a stocked table from the second page on,
// whose rows still come after every stored key while they arrive in key order, and then
// stop doing so) stores the same rows, with sound b-trees, as the batch applied at once.
TEST(ApplyBulkTest, APagedLoadStoresWhatOneBatchStores) {
  std::mt19937_64 rng(20261202);
  for (int round = 0; round < 6; ++round) {
    const json batch = RandomBatch(rng, round % 2 ? 3000 : 400, round % 2 ? 400 : 60, false);
    auto whole = NewEngine(), paged = NewEngine();
    MustApply(*whole, batch);
    const size_t page_rows = round % 3 == 0 ? 97 : round % 3 == 1 ? 500 : 5000;
    const std::vector<json> pages = Pages(batch, page_rows);
    for (const json& page : pages) MustApply(*paged, page);
    std::string integrity_whole, integrity_paged;
    const std::string rows_whole = Dump(*whole, &integrity_whole);
    EXPECT_EQ(Dump(*paged, &integrity_paged), rows_whole) << "round " << round << ", " << pages.size() << " pages";
    EXPECT_EQ(integrity_whole, "ok");
    EXPECT_EQ(integrity_paged, "ok") << "round " << round;
  }
}

// Inventory that arrives page after page in key order (a sync client's first pull) fills
// whole pages of the table and of its contract index, as one batch into the empty table
// does: the paged image is no larger. (Appended as a stocked table's usual inserts, each
// b-tree split left both halves room to grow: pages ~88% full for good, an image ~10%
// larger.)
TEST(ApplyBulkTest, InventoryPagedInKeyOrderFillsWholePages) {
  std::vector<json> changes;
  changes.push_back(Hotel(1, "H"));
  for (int r = 1; r <= 12; ++r) changes.push_back(RoomType(r, 1, "R" + std::to_string(r)));
  for (int r = 1; r <= 12; ++r) changes.push_back(Inventory(r, "2026-01-01", 730, 10, 4, 12000));
  const json batch = Batch(changes, {{"syncedAt", kNow}});
  auto whole = NewEngine(), paged = NewEngine();
  MustApply(*whole, batch);
  for (const json& page : Pages(batch, 500)) MustApply(*paged, page);
  std::string image_whole, image_paged, integrity;
  ASSERT_TRUE(whole->ExportDatabase(&image_whole).ok());
  ASSERT_TRUE(paged->ExportDatabase(&image_paged).ok());
  EXPECT_EQ(Dump(*paged, &integrity), Dump(*whole, &integrity));
  EXPECT_EQ(integrity, "ok");
  EXPECT_LE(image_paged.size(), image_whole.size() * 101 / 100)
      << "paged " << image_paged.size() << " bytes, one batch " << image_whole.size();
}

// A batch that fails after a table's indexes were set aside leaves the engine with its
// indexes (the rollback restores them) and usable.
TEST(ApplyBulkTest, AFailedBulkLoadKeepsTheIndexes) {
  std::mt19937_64 rng(7);
  json batch = RandomBatch(rng, 5000, 720, false);
  batch["changes"].push_back(Booking(1, 1, 1, 99, "CONFIRMED", "2026-06-02", "2026-06-03"));  // no room type 99
  auto e = NewEngine();
  std::string out;
  EXPECT_EQ(e->ApplyChanges(batch.dump(), &out).code(), "FOREIGN_KEY");
  auto empty = NewEngine();
  std::string ia, ib;
  EXPECT_EQ(Dump(*e, &ia), Dump(*empty, &ib));
  EXPECT_EQ(ia, "ok");
  batch["changes"].erase(batch["changes"].end() - 1);
  MustApply(*e, batch);
  Dump(*e, &ia);
  EXPECT_EQ(ia, "ok");
}

// A commit that builds set-aside indexes first tells its host (Engine::SetMemoryAhead) what
// they will store, once, so that a wasm heap grows once for all of them: the estimate,
// from a sample of each index's entries, is within a quarter of the bytes the indexes take
// in the image (the image with them, less the image without them, both vacuumed). A batch
// that sets no index aside does not call it.
double g_memory_ahead = 0;
int g_memory_ahead_calls = 0;
void RecordMemoryAhead(double bytes) {
  g_memory_ahead += bytes;
  ++g_memory_ahead_calls;
}
TEST(ApplyBulkTest, ACommitTellsTheMemoryItsIndexBuildsTake) {
  auto e = NewEngine();
  e->SetMemoryAhead(&RecordMemoryAhead);
  std::mt19937_64 rng(11);
  MustApply(*e, RandomBatch(rng, 300, 40, false));
  EXPECT_EQ(g_memory_ahead_calls, 0);
  auto loaded = NewEngine();
  loaded->SetMemoryAhead(&RecordMemoryAhead);
  std::vector<json> changes{Hotel(1, "H")};
  for (int64_t rt = 1; rt <= 4; ++rt) changes.push_back(RoomType(rt, 1, "R"));
  for (int64_t id = 1; id <= 20000; ++id) {
    const std::string start = Plus("2026-06-01", static_cast<int>(rng() % 300));
    const json extra{{"created_at", kNow - static_cast<int64_t>(rng() % 100000000)}};
    changes.push_back(Booking(id, 1, 1 + static_cast<int64_t>(rng() % 3000), 1 + id % 4, id % 7 ? "CONFIRMED" : "CANCELLED",
                              start, Plus(start, 1 + static_cast<int>(rng() % 6)), extra));
  }
  MustApply(*loaded, Batch(changes));
  EXPECT_EQ(g_memory_ahead_calls, 1);
  std::string image;
  ASSERT_TRUE(loaded->ExportDatabase(&image).ok());
  ImageDb db(image);
  auto bytes = [&] {
    db.Exec("VACUUM");
    return static_cast<double>(db.Ints("PRAGMA page_count")[0] * db.Ints("PRAGMA page_size")[0]);
  };
  const double with = bytes();
  for (const std::string& name : db.Column("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN"
                                          " ('bookings', 'payments') AND sql LIKE 'CREATE INDEX %' AND sql NOT LIKE '%WHERE%'")) {
    db.Exec("DROP INDEX \"" + name + "\"");
  }
  const double indexes = with - bytes();
  ASSERT_GT(indexes, 1e6);
  EXPECT_GT(g_memory_ahead, indexes * 0.75) << "estimated " << g_memory_ahead << ", indexes " << indexes;
  EXPECT_LT(g_memory_ahead, indexes * 1.25) << "estimated " << g_memory_ahead << ", indexes " << indexes;
}

// Inventory in key order naming every column goes through the appender, which declines a
// night its CHECK refuses: the statement then reports that very row, and the batch
// leaves nothing behind; without it, the same rows load and read back as sent.
TEST(ApplyBulkTest, AnAppendedLoadReportsTheNightItsCheckRefuses) {
  auto night = [](int64_t rt, int d, int64_t available) {
    return json{rt, Plus("2026-06-01", d), 10, available, 9000 + d, 1 + d % 3, 14, d % 2, 0, d % 7 == 0 ? 1 : 0};
  };
  json rows = json::array();
  for (int64_t rt = 1; rt <= 4; ++rt) {
    for (int d = 0; d < 400; ++d) rows.push_back(night(rt, d, (rt + d) % 11));
  }
  const std::vector<std::string> columns{"room_type_id", "date", "total", "available", "price_cents", "min_stay",
                                         "max_stay", "closed_to_arrival", "closed_to_departure", "stop_sell"};
  std::vector<json> changes{Hotel(1, "H")};
  for (int64_t rt = 1; rt <= 4; ++rt) changes.push_back(RoomType(rt, 1, "R"));
  json bad = rows;
  bad[1234] = night(4, 34, 11);  // 11 of 10
  changes.push_back(UpsertRows("room_inventory", columns, bad));
  auto e = NewEngine();
  std::string out;
  const Status refused = e->ApplyChanges(Batch(changes).dump(), &out);
  EXPECT_EQ(refused.code(), "INVALID_ROW");
  EXPECT_NE(refused.message().find("changes[5].rows[1234].available"), std::string::npos) << refused.message();
  auto empty = NewEngine();
  std::string integrity, integrity_empty;
  EXPECT_EQ(Dump(*e, &integrity), Dump(*empty, &integrity_empty));
  EXPECT_EQ(integrity, "ok");
  changes.back() = UpsertRows("room_inventory", columns, rows);
  MustApply(*e, Batch(changes));
  std::string dump = Dump(*e, &integrity);
  EXPECT_EQ(integrity, "ok");
  std::string expected;
  for (const json& r : rows) {
    for (const json& v : r) expected += (v.is_string() ? v.get<std::string>() : v.dump()) + "|";
    expected += "\n";
  }
  const size_t from = dump.find("# room_inventory\n") + std::strlen("# room_inventory\n");
  EXPECT_EQ(dump.substr(from, dump.find("# bookings") - from), expected);
}

}  // namespace
}  // namespace edgestay::test
