// Engine::OpenFile, the core's hook for page-level persistence: the database on a file of
// an SQLite VFS (here the native default VFS on a temp file) instead of in memory. The
// wasm build uses the same hook with the bindings' page-store VFS (tests/js/page_store).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <unistd.h>

#include "sqlite3.h"
#include "test_support.h"

namespace edgestay::test {
namespace {

class OpenFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/edgestay-open-file-XXXXXX";
    int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = tmpl;
    std::remove(path_.c_str());  // OpenFile creates it
  }
  void TearDown() override {
    std::remove(path_.c_str());
    std::remove((path_ + "-journal").c_str());
  }
  std::unique_ptr<Engine> Open(std::string_view snapshot = {}) {
    std::unique_ptr<Engine> engine;
    Status s = Engine::OpenFile(snapshot, path_, nullptr, &engine);
    EXPECT_TRUE(s.ok()) << s.ToJson();
    if (engine) engine->SetNow(kNow);
    return engine;
  }
  std::string path_;
};

json Stay(int user) {
  return json{{"hotelId", 1}, {"roomTypeId", 10}, {"userId", user}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-12"}};
}

TEST_F(OpenFileTest, WritesReachTheFileAndAReopenedEngineHasThem) {
  {
    auto engine = Open();
    ASSERT_TRUE(engine);
    MustApply(*engine, Batch({Hotel(1, "File Inn"), RoomType(10, 1, "Double", 2), Inventory(10, "2026-06-01", 30, 2, 2, 9000)},
                             json{{"cursor", "5"}}));
    MustCall(*engine, "createBooking", Stay(7));
  }
  auto engine = Open();
  ASSERT_TRUE(engine);
  EXPECT_EQ(MustCall(*engine, "asOf")["cursor"], "5");
  EXPECT_EQ(MustCall(*engine, "pendingMutations")["mutations"].size(), 1u);
  // One room left: the reopened engine still counts the stored booking.
  MustCall(*engine, "createBooking", Stay(8));
  EXPECT_EQ(Call(*engine, "createBooking", Stay(9)).code(), "NOT_AVAILABLE");
}

TEST_F(OpenFileTest, ASnapshotSeedsAnEmptyFileOnly) {
  auto seed = OpenEngine();
  MustApply(*seed, Batch({Hotel(1, "Seed Inn")}, json{{"cursor", "3"}}));
  const std::string image = Export(*seed);
  {
    auto engine = Open(image);
    ASSERT_TRUE(engine);
    EXPECT_EQ(MustCall(*engine, "asOf")["cursor"], "3");
    MustApply(*engine, Batch({Hotel(2, "Second Inn")}, json{{"since", "3"}, {"cursor", "4"}}));
  }
  auto engine = Open(image);  // the file's own data wins over the snapshot
  ASSERT_TRUE(engine);
  EXPECT_EQ(MustCall(*engine, "asOf")["cursor"], "4");
}

TEST_F(OpenFileTest, AForeignFileIsRefused) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE hotels (x); INSERT INTO hotels VALUES (1);", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  std::unique_ptr<Engine> engine;
  EXPECT_EQ(Engine::OpenFile({}, path_, nullptr, &engine).code(), "CORRUPT_SNAPSHOT");
  EXPECT_EQ(Engine::OpenFile({}, "/nonexistent-dir/x.sqlite", nullptr, &engine).code(), "STORAGE");
}

}  // namespace
}  // namespace edgestay::test
