// The free list of memory-journal chunks (wasm/src/chunk_pool.h): the pool against a model
// on random takes and keeps, and the engine's journal actually drawing on it.
#include <random>
#include <vector>

#include "chunk_pool.h"
#include "test_support.h"

namespace edgestay::test {
namespace {

TEST(BlockPoolTest, IsABoundedStackOnRandomTakesAndKeeps) {
  std::mt19937_64 rng(20261203);
  BlockPool pool;
  std::vector<void*> model;
  std::vector<char> blocks(4096);
  size_t next = 0;
  for (int step = 0; step < 20000; ++step) {
    if (rng() % 2) {
      void* got = pool.Take();
      void* want = nullptr;
      if (!model.empty()) {
        want = model.back();
        model.pop_back();
      }
      ASSERT_EQ(got, want) << step;
    } else {
      void* block = &blocks[next++ % blocks.size()];
      const bool kept = pool.Keep(block);
      ASSERT_EQ(kept, static_cast<int>(model.size()) < BlockPool::kMax) << step;
      if (kept) model.push_back(block);
    }
    ASSERT_EQ(pool.size(), static_cast<int>(model.size()));
  }
  std::vector<void*> drained;
  pool.Drain([&](void* b) { drained.push_back(b); });
  EXPECT_EQ(drained, std::vector<void*>(model.rbegin(), model.rend()));
  EXPECT_EQ(pool.size(), 0);
}

// An engine loaded through applyChanges journals in memory chunks: a booking's commit
// hands them back to the pool, and the next booking takes them again instead of
// allocating (the pool does not grow past what one booking uses).
TEST(ChunkPoolTest, AMemoryJournalsChunksComeBackToThePoolAndAreReused) {
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  // Installed when the process's first engine opens, unless SQLite was initialized
  // before (another test in the same process): ctest runs each test on its own.
  if (!ChunkPoolInstalled()) GTEST_SKIP() << "SQLite was initialized before the first engine";
  MustApply(*engine, Batch({Hotel(1, "Harbour"), RoomType(10, 1, "Double"), Inventory(10, "2026-06-01", 60, 50, 50, 10000)}));
  auto book = [&](int day) {
    MustCall(*engine, "createBooking", {{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 7},
                                        {"checkIn", Plus("2026-06-02", day)}, {"checkOut", Plus("2026-06-03", day)}});
  };
  book(0);
  const int after_one = PooledChunks();
  EXPECT_GT(after_one, 0);
  for (int day = 1; day < 20; ++day) book(day);
  EXPECT_LE(PooledChunks(), BlockPool::kMax);
  EXPECT_LE(PooledChunks(), after_one + 16);  // reused, not piling up
}

}  // namespace
}  // namespace edgestay::test
