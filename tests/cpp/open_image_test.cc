// Opening an engine over an image: Engine::OpenCopy, the wasm boundary's way of opening a
// snapshot (there the bindings' VFS reads the caller's bytes in JS; here the native
// default VFS reads a temp file), and the SQLite settings every way into SQLite applies
// first (Engine::ConfigureSqlite).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

#include "chunk_pool.h"
#include "page_cache.h"
#include "sqlite3.h"
#include "test_support.h"

namespace edgestay::test {
namespace {

// An OpenCopy is an in-memory copy that answers as Open of the same bytes does, exports
// the image's very bytes (the backup API's schema cookie put back), writes only to
// itself, and refuses what Open refuses.
class OpenCopyTest : public EngineTest {
 protected:
  void TearDown() override {
    for (const std::string& p : paths_) std::remove(p.c_str());
  }
  std::string Image() {
    Load({Inventory(10, "2026-07-01", 30, 8, 5, 12900),
          Booking(1, 1, 7, 10, "CONFIRMED", "2026-07-02", "2026-07-04")});
    std::string image;
    EXPECT_TRUE(engine().ExportDatabase(&image).ok());
    return image;
  }
  std::string FileOf(const std::string& bytes) {
    char tmpl[] = "/tmp/edgestay-open-copy-XXXXXX";
    const int fd = mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    close(fd);
    paths_.push_back(tmpl);
    return tmpl;
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::vector<std::string> paths_;
};

TEST_F(OpenCopyTest, AnswersAndExportsAsTheImage) {
  const std::string image = Image();
  const std::string path = FileOf(image);
  std::unique_ptr<Engine> by_open, copy;
  ASSERT_TRUE(Engine::Open(image, &by_open).ok());
  const Status s = Engine::OpenCopy(path, nullptr, &copy);
  ASSERT_TRUE(s.ok()) << s.ToJson();
  for (Engine* e : {by_open.get(), copy.get()}) e->SetNow(kNow);
  const json stay{{"roomTypeId", 10}, {"checkIn", "2026-07-01"}, {"checkOut", "2026-07-05"}};
  EXPECT_EQ(MustCall(*copy, "checkRoomAvailability", stay), MustCall(*by_open, "checkRoomAvailability", stay));
  EXPECT_EQ(MustCall(*copy, "getUserBookingsWithRoomType", {{"userId", 7}}),
            MustCall(*by_open, "getUserBookingsWithRoomType", {{"userId", 7}}));
  std::string exported;
  ASSERT_TRUE(copy->ExportDatabase(&exported).ok());
  EXPECT_TRUE(exported == image) << "the copy exports other bytes than its image";
  // A booking goes to the copy alone: not to the file, not to the engine the image came from.
  MustCall(*copy, "createBooking", {{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 8}, {"checkIn", "2026-07-02"},
                                    {"checkOut", "2026-07-03"}});
  EXPECT_EQ(MustCall(*copy, "getUserBookingsWithRoomType", {{"userId", 8}}).size(), 1u);
  EXPECT_TRUE(MustCall(engine(), "getUserBookingsWithRoomType", {{"userId", 8}}).empty());
  EXPECT_TRUE(Read(path) == image);
}

TEST_F(OpenCopyTest, RefusesWhatOpenRefuses) {
  const std::string image = Image();
  std::unique_ptr<Engine> e;
  for (const std::string& bad : {std::string("not a database"), std::string(4096, '\0'), image.substr(0, image.size() / 2)}) {
    std::unique_ptr<Engine> by_open;
    EXPECT_EQ(Engine::Open(bad, &by_open).code(), "CORRUPT_SNAPSHOT");
    EXPECT_EQ(Engine::OpenCopy(FileOf(bad), nullptr, &e).code(), "CORRUPT_SNAPSHOT") << bad.size() << " bytes";
  }
  EXPECT_EQ(Engine::OpenCopy("/nonexistent/edgestay-snapshot", nullptr, &e).code(), "CORRUPT_SNAPSHOT");
}

// Regression: SQLite takes the engine's page cache and allocator only before it first
// initializes, and nearly any call initializes it. The wrapper opened every snapshot
// through a buffer from sqlite3_malloc64, and registered its page-store VFS, before any
// engine had configured SQLite: a process whose first engine came from a snapshot or a
// store (a kiosk restarting, an edge worker starting) ran every engine without the
// page-cache layer and the journal chunks' pool (~6% of a createBooking in wasm). A
// binding that calls SQLite first (here, as the bindings do, registering a VFS) calls
// Engine::ConfigureSqlite before; in a fresh process (the death test's own) the engines
// opened after it have both.
TEST(ConfigureSqliteDeathTest, EnginesKeepTheirSqliteSettingsWhenABindingCallsSqliteFirst) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Engine::ConfigureSqlite();
        static sqlite3_vfs vfs = *sqlite3_vfs_find(nullptr);
        vfs.zName = "edgestay-test-registered-first";
        vfs.pNext = nullptr;
        const bool registered = sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
        std::unique_ptr<Engine> e;
        const bool opened = Engine::Open("", &e).ok();
        std::_Exit(registered && opened && PageCacheInstalled() && ChunkPoolInstalled() ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace edgestay::test
