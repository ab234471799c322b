// Engine::OpenImage: an engine over a snapshot already in a buffer SQLite takes over (the
// wasm boundary's way of opening one: no second copy of the image in memory) opens and
// answers as Engine::Open of the same bytes does, and refuses what Open refuses.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "chunk_pool.h"
#include "page_cache.h"

#include "test_support.h"

namespace edgestay::test {
namespace {

class OpenImageTest : public EngineTest {
 protected:
  std::string Image() {
    Load({Inventory(10, "2026-07-01", 30, 8, 5, 12900),
          Booking(1, 1, 7, 10, "CONFIRMED", "2026-07-02", "2026-07-04")});
    std::string image;
    EXPECT_TRUE(engine().ExportDatabase(&image).ok());
    return image;
  }
  static Status OpenFromBuffer(std::string_view bytes, std::unique_ptr<Engine>* out) {
    Engine::ImageBuffer buf = Engine::NewImageBuffer(bytes.size());
    EXPECT_TRUE(buf);
    std::memcpy(buf.get(), bytes.data(), bytes.size());
    return Engine::OpenImage(std::move(buf), bytes.size(), out);
  }
};

TEST_F(OpenImageTest, OpensAndAnswersLikeOpen) {
  const std::string image = Image();
  std::unique_ptr<Engine> by_open, by_image;
  ASSERT_TRUE(Engine::Open(image, &by_open).ok());
  ASSERT_TRUE(OpenFromBuffer(image, &by_image).ok());
  for (Engine* e : {by_open.get(), by_image.get()}) e->SetNow(kNow);
  const json stay{{"roomTypeId", 10}, {"checkIn", "2026-07-01"}, {"checkOut", "2026-07-05"}};
  EXPECT_EQ(MustCall(*by_image, "checkRoomAvailability", stay), MustCall(*by_open, "checkRoomAvailability", stay));
  EXPECT_EQ(MustCall(*by_image, "getUserBookingsWithRoomType", {{"userId", 7}}),
            MustCall(*by_open, "getUserBookingsWithRoomType", {{"userId", 7}}));
  // Its database is its own: a write there is not in the engine it was exported from.
  MustApply(*by_image, Batch({Booking(2, 1, 7, 10, "CONFIRMED", "2026-07-10", "2026-07-11")}));
  EXPECT_EQ(MustCall(*by_image, "getUserBookingsWithRoomType", {{"userId", 7}}).size(), 2u);
  EXPECT_EQ(MustCall(engine(), "getUserBookingsWithRoomType", {{"userId", 7}}).size(), 1u);
}

TEST_F(OpenImageTest, RefusesWhatOpenRefuses) {
  std::string image = Image();
  std::unique_ptr<Engine> e;
  EXPECT_EQ(OpenFromBuffer("not a database", &e).code(), "CORRUPT_SNAPSHOT");
  EXPECT_EQ(OpenFromBuffer(std::string(4096, '\0'), &e).code(), "CORRUPT_SNAPSHOT");
  std::string truncated = image.substr(0, image.size() / 2);
  std::unique_ptr<Engine> by_open;
  const Status open_status = Engine::Open(truncated, &by_open);
  EXPECT_EQ(OpenFromBuffer(truncated, &e).ToJson(), open_status.ToJson());
  EXPECT_EQ(Engine::OpenImage(Engine::ImageBuffer(nullptr, nullptr), 0, &e).code(), "INTERNAL");
}

// Engine::OpenCopy, the wasm boundary's way of opening a snapshot (there the bindings'
// VFS reads the caller's bytes in JS; here the native default VFS reads a temp file): an
// in-memory copy that answers as Open of the same bytes does, exports the image's very
// bytes (the backup API's schema cookie put back), writes only to itself, and refuses
// what Open refuses.
class OpenCopyTest : public OpenImageTest {
 protected:
  void TearDown() override {
    for (const std::string& p : paths_) std::remove(p.c_str());
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

// Regression: the wrapper opens every snapshot through NewImageBuffer, whose
// sqlite3_malloc64 initialized SQLite before any engine had configured it, and SQLite
// takes its page cache and allocator only before that: a process whose first engine came
// from a snapshot (a kiosk restarting, an edge worker starting) ran every engine without
// the page-cache layer and the journal chunks' pool (~6% of a createBooking in wasm).
// In a fresh process (the death test's own), the buffer comes first.
TEST(OpenImageFirstInProcessDeathTest, EnginesKeepTheirSqliteSettingsWhenAnImageBufferComesFirst) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Engine::ImageBuffer buf = Engine::NewImageBuffer(4096);
        std::unique_ptr<Engine> e;
        const bool opened = Engine::Open("", &e).ok();
        std::_Exit(buf && opened && PageCacheInstalled() && ChunkPoolInstalled() ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace edgestay::test
