// Set-aside indexes built by the engine's sort (index_sort.cc) against SQLite's CREATE
// INDEX. Property: on random rowid tables (integers at every length boundary and sign,
// NULLs, texts sharing prefixes and bytes above 0x7f), an index dropped and built again
// by BuildSetAsideIndex leaves the database byte for byte as dropping it and running its
// CREATE INDEX does, so its entries, their order and its pages are SQLite's own. Indexes
// the sort must not build (descending, REAL affinity, a value it cannot key) are built by
// CREATE INDEX, with the same result.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "image_db.h"
#include "index_sort.h"

namespace edgestay::test {
namespace {

constexpr const char* kTable =
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c TEXT NOT NULL DEFAULT '', d INTEGER,"
    " e REAL, f)";

struct IndexCase {
  const char* name;
  const char* sql;
  bool sortable;  // whether the engine's sort may build it (edgestay_index_key_columns)
};
const IndexCase kIndexes[] = {
    {"t_a", "CREATE INDEX t_a ON t(a)", true},
    {"t_b_a", "CREATE INDEX t_b_a ON t(b, a)", true},
    {"t_c_d_b_a", "CREATE INDEX t_c_d_b_a ON t(c, d, b, a)", true},
    {"t_d_id", "CREATE INDEX t_d_id ON t(d, id)", true},
    {"t_f", "CREATE INDEX t_f ON t(f)", true},
    {"t_d_desc", "CREATE INDEX t_d_desc ON t(d DESC)", false},
    {"t_e", "CREATE INDEX t_e ON t(e)", false},
    {"t_b_nocase", "CREATE INDEX t_b_nocase ON t(b COLLATE NOCASE)", false},
};

int64_t RandomInt(std::mt19937_64& rng) {
  static const int64_t kEdges[] = {0, 1, -1, 2, 127, 128, -128, -129, 255, 256, -256, -257, 32767, 32768,
                                   -32768, -32769, 65535, 65536, 8388607, 8388608, -8388608, -8388609,
                                   2147483647, 2147483648LL, -2147483648LL, -2147483649LL,
                                   (int64_t{1} << 47) - 1, int64_t{1} << 47, int64_t{1} << 53,
                                   std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(),
                                   std::numeric_limits<int64_t>::min() + 1};
  switch (rng() % 3) {
    case 0: return kEdges[rng() % std::size(kEdges)];
    case 1: return static_cast<int64_t>(rng() % 41) - 20;
    default: return static_cast<int64_t>(rng()) >> (rng() % 64);
  }
}

std::string RandomText(std::mt19937_64& rng) {
  static const char kBytes[] = {'a', 'b', 'A', '0', ' ', '~', '\x7f', '\x80', '\xc3', '\xa9', '\xff'};
  std::string s = rng() % 2 ? "2026-0" : "";  // a shared prefix, as dates have
  const size_t n = rng() % 6;
  for (size_t i = 0; i < n; ++i) s += kBytes[rng() % std::size(kBytes)];
  return s;
}

void BindRandom(sqlite3_stmt* st, int i, std::mt19937_64& rng, bool text) {
  const unsigned r = rng() % 10;
  if (r == 0) {
    sqlite3_bind_null(st, i);
  } else if ((r < 7) == text) {
    const std::string s = RandomText(rng);
    sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  } else {
    sqlite3_bind_int64(st, i, RandomInt(rng));
  }
}

// A table of `rows` random rows, its indexes created; oddities: a REAL in f, a text
// holding a NUL in b, a column added after the rows (its default in no record).
void Fill(ImageDb& db, std::mt19937_64 rng, int rows, int oddity) {
  db.Exec(kTable);
  for (const IndexCase& index : kIndexes) db.Exec(index.sql);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db.Handle(), "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st, nullptr),
            SQLITE_OK);
  db.Exec("BEGIN");
  int64_t id = 0;
  for (int r = 0; r < rows; ++r) {
    id += 1 + static_cast<int64_t>(rng() % 3);
    sqlite3_bind_int64(st, 1, rng() % 50 == 0 ? -id : id);
    BindRandom(st, 2, rng, false);
    BindRandom(st, 3, rng, true);
    const std::string c = RandomText(rng);
    sqlite3_bind_text(st, 4, c.data(), static_cast<int>(c.size()), SQLITE_TRANSIENT);
    BindRandom(st, 5, rng, false);
    sqlite3_bind_double(st, 6, static_cast<double>(rng() % 100) / 4);
    BindRandom(st, 7, rng, rng() % 2 == 0);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  db.Exec("COMMIT");
  if (oddity == 1 && rows > 0) db.Exec("UPDATE t SET f = 2.5 WHERE rowid = (SELECT max(rowid) FROM t)");
  if (oddity == 2 && rows > 0) db.Exec("UPDATE t SET b = 'x' || char(0) || 'y' WHERE rowid = (SELECT min(rowid) FROM t)");
  if (oddity == 3) {
    db.Exec("ALTER TABLE t ADD COLUMN g INTEGER DEFAULT 7");
    db.Exec("CREATE INDEX t_g_a ON t(g, a)");
  }
}

std::vector<IndexCase> Indexes(int oddity) {
  std::vector<IndexCase> all(std::begin(kIndexes), std::end(kIndexes));
  if (oddity == 3) all.push_back({"t_g_a", "CREATE INDEX t_g_a ON t(g, a)", true});
  return all;
}

TEST(IndexSortTest, ASortedBuildStoresWhatCreateIndexStores) {
  std::mt19937_64 rng(20261203);
  int sorted_builds = 0;
  for (int round = 0; round < 24; ++round) {
    const int rows = round % 6 == 0 ? static_cast<int>(rng() % 3) : static_cast<int>(rng() % 4000);
    const int oddity = round % 8 < 4 ? round % 8 : 0;  // 1 a REAL, 2 a NUL, 3 an added column
    const uint64_t seed = rng();
    ImageDb by_sort(""), by_sql("");
    Fill(by_sort, std::mt19937_64(seed), rows, oddity);
    Fill(by_sql, std::mt19937_64(seed), rows, oddity);
    for (const IndexCase& index : Indexes(oddity)) {
      SetAsideIndex described;
      ASSERT_TRUE(DescribeSetAsideIndex(by_sort.Handle(), index.name, index.sql, &described).ok());
      EXPECT_EQ(!described.key_columns.empty(), index.sortable) << index.name;
      by_sort.Exec(std::string("BEGIN IMMEDIATE; DROP INDEX ") + index.name);
      bool sorted = false;
      const Status s = BuildSetAsideIndex(by_sort.Handle(), "t", rows, described, &sorted);
      ASSERT_TRUE(s.ok()) << s.ToJson();
      by_sort.Exec("COMMIT");
      const bool keyable = !(oddity == 1 && rows > 0 && std::string(index.name) == "t_f") &&
                           !(oddity == 2 && rows > 0 && std::string(index.name).find("_b") != std::string::npos) &&
                           !(oddity == 3 && std::string(index.name) == "t_g_a");
      EXPECT_EQ(sorted, index.sortable && keyable) << "round " << round << " " << index.name;
      sorted_builds += sorted;
      by_sql.Exec(std::string("BEGIN IMMEDIATE; DROP INDEX ") + index.name + "; " + index.sql + "; COMMIT");
    }
    EXPECT_EQ(by_sort.Rows("PRAGMA integrity_check"), "ok|\n") << "round " << round;
    EXPECT_EQ(by_sort.Rows("SELECT * FROM t INDEXED BY t_c_d_b_a"), by_sql.Rows("SELECT * FROM t INDEXED BY t_c_d_b_a"));
    ASSERT_EQ(by_sort.Serialize(), by_sql.Serialize()) << "round " << round << ", " << rows << " rows";
  }
  EXPECT_GT(sorted_builds, 60);
}

// A set-aside index too large for the in-memory sort goes to CREATE INDEX, whose runs
// spill: the sort's heap stays bounded whatever the table holds, also when its first rows
// (the estimate's sample) are smaller than the rest.
TEST(IndexSortTest, AnIndexPastTheSortBudgetIsLeftToCreateIndex) {
  ImageDb db("");
  db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE INDEX t_a ON t(a);"
          "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 1000)"
          " INSERT INTO t SELECT v, printf('%0100d', v % 977) FROM n");
  SetAsideIndex index;
  ASSERT_TRUE(DescribeSetAsideIndex(db.Handle(), "t_a", "CREATE INDEX t_a ON t(a)", &index).ok());
  const int64_t over = static_cast<int64_t>(kIndexSortBytes / index.row_bytes) + 1;
  EXPECT_GT(IndexSortBytes(index, over), kIndexSortBytes);
  EXPECT_LE(IndexSortBytes(index, 1000), kIndexSortBytes);
  for (int64_t rows : {int64_t{1000}, over}) {
    db.Exec("BEGIN IMMEDIATE; DROP INDEX t_a");
    bool sorted = true;
    ASSERT_TRUE(BuildSetAsideIndex(db.Handle(), "t", rows, index, &sorted).ok());
    db.Exec("COMMIT");
    EXPECT_EQ(sorted, rows == 1000);
    EXPECT_EQ(db.Rows("PRAGMA integrity_check"), "ok|\n");
  }
  // An estimate 100 times short: the keys outgrow the limit while the table is read.
  SetAsideIndex understated = index;
  understated.row_bytes /= 100;
  const double limit = 1000 * 2 * 24 + 1000 * index.row_bytes / 2;  // the entries, half the keys
  ASSERT_LE(IndexSortBytes(understated, 1000), limit);
  db.Exec("BEGIN IMMEDIATE; DROP INDEX t_a");
  bool sorted = true;
  ASSERT_TRUE(BuildSetAsideIndex(db.Handle(), "t", 1000, understated, &sorted, limit).ok());
  db.Exec("COMMIT");
  EXPECT_FALSE(sorted);
  EXPECT_EQ(db.Rows("PRAGMA integrity_check"), "ok|\n");
  EXPECT_EQ(db.Rows("SELECT count(*) FROM t INDEXED BY t_a WHERE a > ''"), "1000|\n");
  // More rows than the caller said the table holds: the same.
  db.Exec("BEGIN IMMEDIATE; DROP INDEX t_a");
  ASSERT_TRUE(BuildSetAsideIndex(db.Handle(), "t", 999, index, &sorted).ok());
  db.Exec("COMMIT");
  EXPECT_FALSE(sorted);
  EXPECT_EQ(db.Rows("SELECT count(*) FROM t INDEXED BY t_a WHERE a > ''"), "1000|\n");
}

}  // namespace
}  // namespace edgestay::test
