// The appender (wasm/sqlite/sqlite3_wasm.c) against SQLite's own INSERT.
//
// The appender writes rows that arrive in key order straight into a table's b-trees, and
// must store exactly what an INSERT stores, or decline the row and leave it to the
// INSERT. Model test: random rows (in key order, with NULLs, values of the other kind,
// CHECK and NOT NULL violations) go into one database through the appender, its declined
// rows through an INSERT in the same transaction, and into a second database through the
// INSERT alone; both must accept the same rows and hold the same rows, typed alike, with
// their indexes intact. And which tables it refuses to open, so a refused table always
// falls back to the statement.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "image_db.h"
#include "sqlite3.h"
#include "sqlite_db.h"
#include "test_support.h"

namespace {

struct Schema {
  const char* ddl;
  const char* table;
  const char* insert;   // INSERT INTO table VALUES (?, ...), every column
  const char* dump;     // every column with its type, in key order
  int columns;
};

// A rowid table keyed by its INTEGER PRIMARY KEY (payments' shape), and a WITHOUT ROWID
// table with a two-column key and an index led by it (room_inventory's shape); CHECKs of
// every form edgestayCheck judges, on integers and text.
const Schema kSchemas[] = {
    {"CREATE TABLE t (id INTEGER PRIMARY KEY, booking INTEGER NOT NULL, status TEXT NOT NULL,"
     " amount INTEGER NOT NULL, note TEXT, CHECK (status IN ('A', 'B', 'C') AND amount >= 0),"
     " CHECK (note IS NULL OR note <> status), CHECK (NOT (amount > 900000 AND status = 'C')));"
     // Partial indexes (bookings' shape): a row inside one goes through the INSERT.
     "CREATE INDEX t_noted ON t(booking) WHERE note IS NOT NULL;"
     "CREATE UNIQUE INDEX t_big ON t(status, booking) WHERE amount > 100000 AND status = 'A'",
     "t", "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
     "SELECT id, typeof(booking), booking, status, amount, typeof(note), note FROM t ORDER BY id", 5},
    {"CREATE TABLE t (rt INTEGER NOT NULL, day TEXT NOT NULL, total INTEGER NOT NULL, avail INTEGER NOT NULL,"
     " price INTEGER NOT NULL, flag INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (rt, day),"
     " CHECK (avail >= 0 AND avail <= total), CHECK (flag = 0 OR flag = 1), CHECK (day > '2000'))"
     " WITHOUT ROWID; CREATE INDEX t_led ON t(rt, day, avail)",
     "t", "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
     "SELECT rt, day, typeof(total), total, avail, price, flag FROM t ORDER BY rt, day", 6},
};

using edgestay::test::ImageDb;
using edgestay::test::Rows;

// Integers at the edges of each of SQLite's integer sizes in a record.
constexpr int64_t kEdges[] = {0, 1, -1, 2, -2, 127, 128, -128, -129, 32767, 32768, -32768, -32769, 8388607, 8388608,
                              -8388608, -8388609, 2147483647, 2147483648LL, -2147483648LL, -2147483649LL,
                              0x7fffffffffffLL, 0x800000000000LL, -0x800000000000LL, -0x800000000001LL,
                              INT64_MAX, INT64_MIN};

// A random value for column c of schema s: mostly what the column holds, now and then a
// NULL, a value of the other kind, or one a CHECK refuses.
EdgestayCell RandomCell(std::mt19937_64& rng, int schema, int c, std::vector<std::string>& texts) {
  auto pick = [&](uint64_t n) { return static_cast<int64_t>(rng() % n); };
  EdgestayCell cell{0, nullptr, 0, 1};
  auto text = [&](std::string s) {
    texts.push_back(std::move(s));
    cell.kind = 2;
  };
  const int64_t odd = pick(100);
  if (odd < 2) {
    cell.kind = 0;  // NULL
  } else if (odd < 4) {
    text(std::to_string(pick(50)));  // text where an integer belongs (or digits as text)
  } else if (schema == 0) {
    switch (c) {
      case 1: cell.i = pick(4) ? pick(1000) : kEdges[pick(std::size(kEdges))]; break;
      case 2: text(std::string(1, static_cast<char>('A' + pick(4)))); break;  // 'D' fails the IN
      case 3: cell.i = pick(10) == 0 ? -pick(5) - 1 : pick(2) ? pick(1000000) : pick(1LL << 50); break;
      default:
        if (pick(3) == 0) cell.kind = 0;
        else text(pick(4) == 0 ? std::string(1, static_cast<char>('A' + pick(3))) : "n" + std::to_string(pick(99)));
    }
  } else {
    switch (c) {
      case 2: cell.i = 5 + pick(10); break;
      case 3: cell.i = pick(20) - 1; break;  // -1 and above total fail
      case 4: cell.i = pick(4) == 0 ? kEdges[pick(std::size(kEdges))] : pick(2) ? pick(128) : pick(1LL << 40) - (1LL << 39); break;
      default: cell.i = pick(8) == 0 ? 2 : pick(2); break;  // flag 2 fails
    }
  }
  return cell;
}

void Bind(sqlite3_stmt* st, const std::vector<EdgestayCell>& row) {
  for (size_t c = 0; c < row.size(); ++c) {
    const int i = static_cast<int>(c) + 1;
    if (row[c].kind == 0) sqlite3_bind_null(st, i);
    else if (row[c].kind == 1) sqlite3_bind_int64(st, i, row[c].i);
    else sqlite3_bind_text(st, i, row[c].z, row[c].n, SQLITE_TRANSIENT);
  }
}

TEST(AppenderTest, StoresWhatAnInsertStoresAndDeclinesTheRest) {
  std::mt19937_64 rng(20261203);
  for (int schema = 0; schema < 2; ++schema) {
    const Schema& s = kSchemas[schema];
    ImageDb appender_db(""), insert_db("");  // two empty in-memory databases
    sqlite3 *viaAppender = appender_db.Handle(), *viaInsert = insert_db.Handle();
    for (sqlite3* db : {viaAppender, viaInsert}) {
      ASSERT_EQ(sqlite3_exec(db, s.ddl, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
      ASSERT_EQ(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
    }
    sqlite3_stmt *insertA = nullptr, *insertB = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(viaAppender, s.insert, -1, &insertA, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(viaInsert, s.insert, -1, &insertB, nullptr), SQLITE_OK);
    EdgestayAppender* appender = edgestay_appender_open(viaAppender, s.table);
    ASSERT_NE(appender, nullptr);
    int appended = 0, declined = 0, refused = 0;
    int64_t key = 0, day = 0;
    for (int n = 0; n < 20000; ++n) {
      // Keys ascend: the id, or (room type, day) with days as text 'YYYY-...' in order.
      std::vector<std::string> texts;
      texts.reserve(8);
      std::vector<EdgestayCell> row;
      if (schema == 0) {
        key += 1 + static_cast<int64_t>(rng() % 3);
        row.push_back({key, nullptr, 0, 1});
      } else {
        if (rng() % 50 == 0) ++key, day = 0;
        ++day;
        row.push_back({key, nullptr, 0, 1});
        char buf[16];
        snprintf(buf, sizeof buf, "2026-%06lld", static_cast<long long>(day));
        texts.emplace_back(buf);
        row.push_back({0, nullptr, 0, 2});
      }
      while (static_cast<int>(row.size()) < s.columns) row.push_back(RandomCell(rng, schema, static_cast<int>(row.size()), texts));
      for (size_t c = 0, t = 0; c < row.size(); ++c) {
        if (row[c].kind == 2) {
          row[c].z = texts[t].data();
          row[c].n = static_cast<int>(texts[t].size());
          ++t;
        }
      }
      // Through the appender, or its INSERT when it declines.
      const int rc = edgestay_appender_append(appender, row.data());
      bool storedA;
      if (rc == EDGESTAY_DECLINED) {
        ++declined;
        Bind(insertA, row);
        storedA = sqlite3_step(insertA) == SQLITE_DONE;
        sqlite3_reset(insertA);
      } else {
        ASSERT_EQ(rc, SQLITE_OK) << "row " << n;
        ++appended;
        storedA = true;
      }
      Bind(insertB, row);
      const bool storedB = sqlite3_step(insertB) == SQLITE_DONE;
      sqlite3_reset(insertB);
      ASSERT_EQ(storedA, storedB) << "schema " << schema << " row " << n << ": " << sqlite3_errmsg(viaInsert);
      if (!storedB) ++refused;
    }
    // Both paths taken, and rows SQLite refused among the declined.
    EXPECT_GT(appended, 1500);
    EXPECT_GT(declined, 500);
    EXPECT_GT(refused, 300);
    edgestay_appender_close(appender);
    sqlite3_finalize(insertA);
    sqlite3_finalize(insertB);
    for (sqlite3* db : {viaAppender, viaInsert}) ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_EQ(Rows(viaAppender, s.dump), Rows(viaInsert, s.dump)) << "schema " << schema;
    EXPECT_EQ(Rows(viaAppender, "PRAGMA integrity_check"), "ok|\n");
    // The index holds what the table holds (integrity_check compares them) and answers alike.
    if (schema == 1) {
      const char* q = "SELECT rt, day, avail FROM t INDEXED BY t_led WHERE rt = 3 ORDER BY day";
      EXPECT_EQ(Rows(viaAppender, q), Rows(viaInsert, q));
    }
  }
}

// A rolled-back transaction takes the appended rows with it.
TEST(AppenderTest, ARollbackTakesTheAppendedRows) {
  ImageDb empty("");
  sqlite3* db = empty.Handle();
  ASSERT_EQ(sqlite3_exec(db, kSchemas[0].ddl, nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO t VALUES (1, 1, 'A', 5, NULL); BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
  EdgestayAppender* appender = edgestay_appender_open(db, "t");
  ASSERT_NE(appender, nullptr);
  for (int64_t id = 2; id < 5000; ++id) {
    const EdgestayCell row[] = {{id, nullptr, 0, 1}, {id, nullptr, 0, 1}, {0, "B", 1, 2}, {id * 3, nullptr, 0, 1}, {0, nullptr, 0, 0}};
    ASSERT_EQ(edgestay_appender_append(appender, row), SQLITE_OK);
  }
  edgestay_appender_close(appender);
  EXPECT_EQ(Rows(db, "SELECT count(*) FROM t"), "4999|\n");
  ASSERT_EQ(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(Rows(db, "SELECT id FROM t"), "1|\n");
  EXPECT_EQ(Rows(db, "PRAGMA integrity_check"), "ok|\n");
}

// Tables whose b-trees the appender cannot write as an INSERT would are refused, so their
// rows go through the statement; rows it cannot judge (a value SQLite would convert, a
// CHECK past its few forms) are declined one by one, and go the same way.
TEST(AppenderTest, RefusesTablesAndDeclinesRowsItCannotWriteExactly) {
  ImageDb empty("");
  sqlite3* db = empty.Handle();
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE ok1 (id INTEGER PRIMARY KEY, v TEXT);"
                         "CREATE TABLE ok2 (a INTEGER, b TEXT, c INTEGER, PRIMARY KEY (a, b)) WITHOUT ROWID;"
                         "CREATE INDEX ok2_led ON ok2(a, b, c);"
                         "CREATE TABLE unique_led (a INTEGER, b TEXT, PRIMARY KEY (a)) WITHOUT ROWID;"
                         "CREATE UNIQUE INDEX ul ON unique_led(a, b);"  // unique as its key is
                         "CREATE TABLE other_index (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX oi ON other_index(v);"
                         "CREATE TABLE no_ipk (v TEXT);"
                         "CREATE TABLE partial_led (a INTEGER, b INTEGER, PRIMARY KEY (a)) WITHOUT ROWID;"
                         "CREATE INDEX pl ON partial_led(a, b) WHERE b > 0;"
                         "CREATE TABLE expr_led (a INTEGER, b INTEGER, PRIMARY KEY (a)) WITHOUT ROWID;"
                         "CREATE INDEX el ON expr_led(a, b + 1);"
                         "CREATE TABLE nocase_key (a TEXT COLLATE NOCASE PRIMARY KEY, b INTEGER) WITHOUT ROWID;"
                         "CREATE TABLE desc_key (a INTEGER, PRIMARY KEY (a DESC)) WITHOUT ROWID;"
                         "CREATE TABLE real_col (id INTEGER PRIMARY KEY, v REAL);"
                         "CREATE TABLE numeric_col (id INTEGER PRIMARY KEY, v NUMERIC);"
                         "CREATE TABLE fn_check (id INTEGER PRIMARY KEY, v TEXT CHECK (length(v) > 0));"
                         "CREATE TABLE collate_check (id INTEGER PRIMARY KEY, v TEXT COLLATE NOCASE CHECK (v <> 'x'));"
                         "CREATE TABLE negative_in (id INTEGER PRIMARY KEY, v TEXT CHECK (v IN ('a', 1 + 1)));",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
  for (const char* table : {"ok1", "ok2", "unique_led"}) {
    EdgestayAppender* a = edgestay_appender_open(db, table);
    EXPECT_NE(a, nullptr) << table;
    edgestay_appender_close(a);
  }
  std::string wide = "CREATE TABLE wide (id INTEGER PRIMARY KEY";  // past the record builder's 64 columns
  for (int c = 1; c < 65; ++c) wide += ", c" + std::to_string(c) + " INTEGER";
  ASSERT_EQ(sqlite3_exec(db, (wide + ")").c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  for (const char* table : {"other_index", "no_ipk", "partial_led", "expr_led", "nocase_key", "desc_key", "wide", "missing"}) {
    EdgestayAppender* a = edgestay_appender_open(db, table);
    EXPECT_EQ(a, nullptr) << table;
    edgestay_appender_close(a);
  }
  const EdgestayCell int_row[] = {{1, nullptr, 0, 1}, {7, nullptr, 0, 1}};
  const EdgestayCell text_row[] = {{1, nullptr, 0, 1}, {0, "b", 1, 2}};  // past the IN list's literal
  for (const char* table : {"real_col", "numeric_col", "fn_check", "collate_check", "negative_in"}) {
    EdgestayAppender* a = edgestay_appender_open(db, table);
    ASSERT_NE(a, nullptr) << table;
    const bool numeric = table[0] == 'r' || table[0] == 'n' && table[1] == 'u';
    EXPECT_EQ(edgestay_appender_append(a, numeric ? int_row : text_row), EDGESTAY_DECLINED) << table;
    edgestay_appender_close(a);
  }
  EXPECT_EQ(Rows(db, "SELECT count(*) FROM real_col, numeric_col, fn_check, collate_check, negative_in"), "0|\n");
}

// The engine's own tables: room_inventory opens, payments and bookings once a bulk load
// has set their plain indexes aside (bookings keeps its partial ones, whose rows are
// declined), notifications (keyed id DESC) never.
TEST(AppenderTest, OpensOnTheEngineTablesABulkLoadAppendsTo) {
  std::unique_ptr<edgestay::Engine> engine;
  ASSERT_TRUE(edgestay::Engine::Open("", &engine).ok());
  std::string image;
  ASSERT_TRUE(engine->ExportDatabase(&image).ok());
  edgestay::test::ImageDb image_db(image);
  sqlite3* db = image_db.Handle();
  // The engine's connection has read its schema (the appender finds tables there).
  ASSERT_EQ(sqlite3_exec(db, "SELECT count(*) FROM sqlite_master; BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
  auto opens = [&](const char* table) {
    EdgestayAppender* a = edgestay_appender_open(db, table);
    edgestay_appender_close(a);
    return a != nullptr;
  };
  EXPECT_TRUE(opens("room_inventory"));  // its contract index is led by its key
  EXPECT_FALSE(opens("payments"));       // until a bulk load sets its plain indexes aside
  EXPECT_FALSE(opens("bookings"));
  EXPECT_FALSE(opens("notifications"));
  // What SetIndexesAside drops: the plain indexes (not unique, not partial).
  ASSERT_EQ(sqlite3_exec(db, "DROP INDEX payments_status_createdAt_idx; DROP INDEX payments_bookingId_idx;"
                             "DROP INDEX bookings_status_startDate_endDate_idx; DROP INDEX bookings_userId_status_createdAt_idx;"
                             "DROP INDEX bookings_hotelId_startDate_idx",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_TRUE(opens("payments"));
  EXPECT_TRUE(opens("bookings"));  // its partial indexes stay: their rows are declined
}

}  // namespace
