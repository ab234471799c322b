// The database image in pieces (Engine::BeginExport / ExportChunk / EndExport), which lets
// an export never hold a second copy of the database. The page copy under it
// (edgestay_copy_pages) is checked against SQLite's own sqlite3_serialize on random
// databases; the engine's pieces make the image ExportDatabase returns, in engines opened
// empty (page cache) and from an image (memdb); a bad sequence is refused and leaves the
// engine usable.
#include <gtest/gtest.h>

#include <random>

#include "sqlite_db.h"
#include "test_support.h"

namespace edgestay::test {
namespace {

constexpr size_t kPiece = size_t{1} << 20;

void MustExec(sqlite3* db, const std::string& sql) {
  const Status s = Exec(db, sql.c_str());
  ASSERT_TRUE(s.ok()) << s.message() << "\n" << sql;
}

int64_t MustInt(sqlite3* db, const char* sql) {
  Stmt st;
  EXPECT_TRUE(st.Prepare(db, sql).ok());
  EXPECT_EQ(st.Step(), SQLITE_ROW) << sql;
  return st.Int(0);
}

// Random rows, overflow pages (large blobs), an index and deleted rows (free pages).
void FillRandom(sqlite3* db, std::mt19937& rng) {
  MustExec(db, "PRAGMA page_size=" + std::to_string(1024 << (rng() % 4)));
  MustExec(db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB); CREATE INDEX t_b ON t(b)");
  MustExec(db, "BEGIN");
  Stmt ins;
  ASSERT_TRUE(ins.Prepare(db, "INSERT INTO t(b, c) VALUES (?, randomblob(?))").ok());
  const int rows = 2000 + static_cast<int>(rng() % 8000);
  for (int i = 0; i < rows; ++i) {
    StmtScope st(ins);
    st->BindText(1, "k" + std::to_string(rng()));
    st->BindInt(2, rng() % 8 ? static_cast<int>(rng() % 200) : static_cast<int>(rng() % 6000));
    ASSERT_EQ(st->Step(), SQLITE_DONE);
  }
  MustExec(db, "DELETE FROM t WHERE a % " + std::to_string(3 + rng() % 5) + " = 0");
  MustExec(db, "COMMIT");
}

TEST(CopyPagesTest, PiecesEqualSqliteSerializeOnRandomDatabases) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    FillRandom(db, rng);
    sqlite3_int64 size = 0;
    unsigned char* reference = sqlite3_serialize(db, "main", &size, 0);
    ASSERT_NE(reference, nullptr);
    const int64_t page_size = MustInt(db, "PRAGMA main.page_size");
    // Copied in pieces of random page counts, under one read transaction (as the engine does).
    Stmt read;
    ASSERT_TRUE(read.Prepare(db, "PRAGMA main.page_count").ok());
    ASSERT_EQ(read.Step(), SQLITE_ROW);
    const auto pages = static_cast<unsigned>(read.Int(0));
    ASSERT_EQ(static_cast<sqlite3_int64>(pages) * page_size, size);
    std::string copy;
    for (unsigned first = 1; first <= pages;) {
      const unsigned n = std::min(pages - first + 1, 1 + static_cast<unsigned>(rng() % 97));
      std::string piece(static_cast<size_t>(n) * page_size, '\0');
      ASSERT_EQ(edgestay_copy_pages(db, "main", first, n, reinterpret_cast<unsigned char*>(piece.data())), SQLITE_OK);
      copy += piece;
      first += n;
    }
    read.Reset();
    EXPECT_TRUE(copy == std::string(reinterpret_cast<const char*>(reference), static_cast<size_t>(size)));
    EXPECT_NE(edgestay_copy_pages(db, "nosuch", 1, 1, reinterpret_cast<unsigned char*>(copy.data())), SQLITE_OK);
    sqlite3_free(reference);
    sqlite3_close_v2(db);  // closed once `read` is finalized, at the end of this pass
  }
}

// The pieces of one export, concatenated (each checked against the piece limit).
std::string Pieces(Engine& e) {
  size_t size = 0;
  EXPECT_TRUE(e.BeginExport(&size).ok());
  std::string image;
  for (;;) {
    const unsigned char* data = nullptr;
    size_t n = 0;
    const Status s = e.ExportChunk(&data, &n);
    EXPECT_TRUE(s.ok()) << s.message();
    if (!s.ok() || n == 0) break;
    EXPECT_LE(n, kPiece);
    image.append(reinterpret_cast<const char*>(data), n);
  }
  e.EndExport();
  EXPECT_EQ(image.size(), size);
  return image;
}

class ExportTest : public EngineTest {
 protected:
  // Enough bookings for an image of several pieces.
  void LoadMany() {
    Load({Inventory(10, "2026-06-01", 400, 500, 500, 12900)});
    json rows = json::array();
    for (int i = 1; i <= 12000; ++i) {
      rows.push_back(json{i, 1, 100 + i % 700, 10, "CONFIRMED", Plus("2026-06-02", i % 300),
                          Plus("2026-06-03", i % 300), 1, 2, 10000, kNow - 1000,
                          "a-fairly-long-idempotency-key-" + std::to_string(i)});
    }
    MustApply(engine(), Batch({UpsertRows("bookings",
                                          {"id", "hotel_id", "user_id", "room_type_id", "status", "start_date",
                                           "end_date", "rooms", "guests", "total_cents", "created_at",
                                           "idempotency_key"},
                                          std::move(rows))}));
  }
};

TEST_F(ExportTest, PiecesMakeTheImageOfAnEngineOpenedEmptyAndFromAnImage) {
  LoadMany();
  const std::string image = Pieces(engine());
  ASSERT_GT(image.size(), 3 * kPiece);
  EXPECT_TRUE(image == Export(engine()));
  // An engine over that image (memdb: its pieces are views of its own buffer) exports it
  // unchanged, and after a write exports the write.
  std::unique_ptr<Engine> reopened = OpenEngine(image);
  ASSERT_TRUE(reopened);
  EXPECT_TRUE(Pieces(*reopened) == image);
  EXPECT_EQ(MustCall(*reopened, "getUserBookingsWithRoomType", {{"userId", 107}}),
            MustCall(engine(), "getUserBookingsWithRoomType", {{"userId", 107}}));
  const json booking = MustCall(*reopened, "createBooking",
                                {{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 4242}, {"checkIn", "2026-06-10"},
                                 {"checkOut", "2026-06-12"}, {"guests", 1}});
  std::unique_ptr<Engine> after = OpenEngine(Pieces(*reopened));
  ASSERT_TRUE(after);
  const json mine = MustCall(*after, "getUserBookingsWithRoomType", {{"userId", 4242}});
  ASSERT_EQ(mine.size(), 1u) << mine.dump();
  EXPECT_EQ(mine[0]["id"], booking["id"]);
}

TEST_F(ExportTest, ABadSequenceIsRefusedAndTheEngineStaysUsable) {
  Load({Inventory(10, "2026-06-01", 30, 8, 8, 12900)});
  const unsigned char* data = nullptr;
  size_t n = 0;
  EXPECT_EQ(engine().ExportChunk(&data, &n).code(), "INVALID_ARGUMENT");  // nothing begun
  ASSERT_TRUE(engine().BeginChanges().ok());
  size_t size = 0;
  EXPECT_EQ(engine().BeginExport(&size).code(), "INVALID_ARGUMENT");  // a change batch is open
  engine().AbortChanges();
  // A second BeginExport starts over; EndExport twice is harmless; then nothing is open.
  ASSERT_TRUE(engine().BeginExport(&size).ok());
  ASSERT_TRUE(engine().ExportChunk(&data, &n).ok());
  const std::string image = Pieces(engine());
  EXPECT_EQ(image.size(), size);
  engine().EndExport();
  EXPECT_EQ(engine().ExportChunk(&data, &n).code(), "INVALID_ARGUMENT");
  // Writes go on, and the next export has them.
  MustCall(engine(), "createBooking", {{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 9}, {"checkIn", "2026-06-05"},
                                       {"checkOut", "2026-06-06"}, {"guests", 1}});
  std::unique_ptr<Engine> after = OpenEngine(Pieces(engine()));
  ASSERT_TRUE(after);
  EXPECT_EQ(MustCall(*after, "getUserBookingsWithRoomType", {{"userId", 9}}).size(), 1u);
}

}  // namespace
}  // namespace edgestay::test
