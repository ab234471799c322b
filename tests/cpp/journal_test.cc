// The in-memory engine's rollback journals (engine.cc, MemoryDbSettings: SQLite's memory
// journal in a new engine, memdb's own journal file in one opened from an image): a write
// that is undone after it split pages, grew the database and touched the same pages in
// several statements leaves the database byte for byte as it was, in engines opened
// empty and from an image. The oracle is a twin engine that sees only the writes that committed.
#include <gtest/gtest.h>

#include <random>

#include "test_support.h"

namespace edgestay::test {
namespace {

// Many booking rows (each batch a few hundred pages of b-tree work in five indexes).
json ManyBookings(int64_t first_id, int n, std::mt19937& rng) {
  json rows = json::array();
  for (int i = 0; i < n; ++i) {
    const int start = static_cast<int>(rng() % 300);
    rows.push_back(json{first_id + i, 1, 100 + static_cast<int64_t>(rng() % 500), i % 2 ? 10 : 11, "CONFIRMED",
                        Plus("2026-07-01", start), Plus("2026-07-01", start + 1 + static_cast<int>(rng() % 5)), 1, 2,
                        10000, kNow - 1000, "key-" + std::to_string(first_id + i)});
  }
  return UpsertRows("bookings",
                    {"id", "hotel_id", "user_id", "room_type_id", "status", "start_date", "end_date", "rooms",
                     "guests", "total_cents", "created_at", "idempotency_key"},
                    std::move(rows));
}

json Base() {
  return Batch({Hotel(1, "Harbour"), RoomType(10, 1, "Double", 500, 12900), RoomType(11, 1, "Suite", 500, 30000),
                Inventory(10, "2026-06-01", 400, 500, 500, 12900), Inventory(11, "2026-06-01", 400, 500, 500, 30000)});
}

json BookingArgs(int i, std::mt19937& rng) {
  const int start = 1 + static_cast<int>(rng() % 60);
  return json{{"hotelId", 1}, {"roomTypeId", rng() % 2 ? 10 : 11}, {"userId", 1 + static_cast<int64_t>(rng() % 50)},
              {"checkIn", Plus("2026-06-01", start)}, {"checkOut", Plus("2026-06-01", start + 1 + static_cast<int>(rng() % 4))},
              {"guests", 1}, {"hold", i % 3 == 0}, {"idempotencyKey", "k-" + std::to_string(i)}};
}

// The database's bytes as a digest (an image is megabytes). `twin`: without the file
// change counter (header bytes 24-27, its copy at 92-95, and at 96-99 the SQLite version
// that wrote it): in EXCLUSIVE locking SQLite bumps it at the first commit and at the
// first after each rollback only, so an engine that rolled back counts one more than its
// twin, and a new engine's plain ":memory:" pager never writes it; nothing reads it.
std::string Digest(Engine& e, bool twin = false) {
  std::string image = Export(e);
  if (twin && image.size() >= 100) {
    for (size_t i : {24, 25, 26, 27, 92, 93, 94, 95, 96, 97, 98, 99}) image[i] = 0;
  }
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : image) h = (h ^ c) * 1099511628211ull;
  return std::to_string(image.size()) + " bytes, fnv " + std::to_string(h);
}

// Twin engines from the same start; `undo` sees aborted batches between the writes that
// both see. After every step both databases are the same bytes.
void RunTwins(std::unique_ptr<Engine> undo, std::unique_ptr<Engine> plain, uint32_t seed) {
  std::mt19937 rng(seed);
  ASSERT_EQ(Digest(*undo, true), Digest(*plain, true));
  int64_t next_server_id = 1;
  for (int step = 0; step < 40; ++step) {
    // A batch that grows every booking b-tree by pages, then fails (an abort midway, or
    // a bad row after the good ones): all of it is undone.
    const std::string before = Digest(*undo);
    if (step % 2 == 0) {
      ASSERT_TRUE(undo->BeginChanges().ok());
      const json part = Batch({ManyBookings(1000000 + step * 1000, 400, rng)});
      ASSERT_TRUE(undo->ApplyChangesPart(part.dump(), 0, 0).ok());
      undo->AbortChanges();
    } else {
      // The last row breaks the bookings CHECK (end_date > start_date) after 300 good ones.
      json bad = Batch({ManyBookings(2000000 + step * 1000, 300, rng),
                        Booking(2999999, 1, 7, 10, "CONFIRMED", "2026-07-05", "2026-07-01")});
      EXPECT_FALSE(Apply(*undo, bad).ok());
    }
    ASSERT_EQ(Digest(*undo), before) << "step " << step << ": an undone batch left bytes behind";
    // Writes both make: local bookings (each one transaction of several statements on
    // the same pages), a cancel, and a committed server batch.
    for (int k = 0; k < 5; ++k) {
      const json args = BookingArgs(step * 10 + k, rng);
      const Result a = Call(*undo, "createBooking", args), b = Call(*plain, "createBooking", args);
      ASSERT_EQ(a.status.ToJson(), b.status.ToJson());
      ASSERT_EQ(a.body, b.body);
    }
    if (step % 4 == 3) {
      const json cancel{{"bookingId", -(step / 2)}};
      const Result a = Call(*undo, "cancelBooking", cancel), b = Call(*plain, "cancelBooking", cancel);
      ASSERT_EQ(a.status.ToJson(), b.status.ToJson());
    }
    const json batch = Batch({ManyBookings(next_server_id, 50, rng)});
    next_server_id += 50;
    MustApply(*undo, batch);
    MustApply(*plain, batch);
    ASSERT_EQ(Digest(*undo, true), Digest(*plain, true)) << "step " << step;
  }
}

TEST(JournalTest, UndoneWritesLeaveNoBytesInAnEmptyOpenedEngine) {
  // The twin is opened from the first one's image: two engines opened empty differ in
  // the time their migrations were logged.
  std::unique_ptr<Engine> undo = OpenEngine();
  ASSERT_TRUE(undo);
  MustApply(*undo, Base());
  std::unique_ptr<Engine> plain = OpenEngine(Export(*undo));
  RunTwins(std::move(undo), std::move(plain), 7);
}

TEST(JournalTest, UndoneWritesLeaveNoBytesInAnEngineOpenedFromAnImage) {
  std::unique_ptr<Engine> seed = OpenEngine();
  ASSERT_TRUE(seed);
  MustApply(*seed, Base());
  std::mt19937 rng(3);
  MustApply(*seed, Batch({ManyBookings(500000, 2000, rng)}));
  const std::string image = Export(*seed);
  RunTwins(OpenEngine(image), OpenEngine(image), 11);
}

}  // namespace
}  // namespace edgestay::test
