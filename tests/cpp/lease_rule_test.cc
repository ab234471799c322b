// The local "fits inside a lease" rule (wasm/src/lease_rule.h) against a brute-force model
// on random leases and bookings, and the engine's use of it: createBooking inside a lease
// is CONFIRMED locally, records the lease on its outbox mutation and holds no rooms twice;
// the remembered lease-less room types agree with a fresh lookup.
#include <random>

#include "lease_rule.h"
#include "test_support.h"

namespace edgestay::test {
namespace {

// The model: every lease as an explicit array of units left per night.
struct ModelLease {
  LocalLease lease;
  std::vector<int64_t> left;  // per night of [from, to)
};

int64_t ModelFit(const std::vector<ModelLease>& model, int64_t rt, Day in, Day out, int64_t rooms, int64_t now,
                 int64_t skew) {
  const ModelLease* best = nullptr;
  for (const ModelLease& m : model) {
    const LocalLease& l = m.lease;
    if (l.room_type_id != rt || in < l.from || out > l.to || !(now < l.expires_at - skew)) continue;
    bool ok = true;
    for (Day d = in; d < out; ++d) ok = ok && m.left[static_cast<size_t>(d - l.from)] >= rooms;
    if (!ok) continue;
    if (!best || std::make_pair(l.expires_at, l.id) < std::make_pair(best->lease.expires_at, best->lease.id)) best = &m;
  }
  return best ? best->lease.id : 0;
}

TEST(LeaseRuleTest, AgreesWithABruteForceModelOnRandomLeasesAndBookings) {
  std::mt19937_64 rng(20261201);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const Day base = D("2026-06-01");
  int64_t fitted = 0, refused = 0;
  for (int round = 0; round < 300; ++round) {
    std::vector<LocalLease> leases;
    std::vector<ModelLease> model;
    std::vector<LeaseUse> uses;
    const int64_t skew = pick(0, 3) * 30000;
    for (int i = 0, n = static_cast<int>(pick(0, 5)); i < n; ++i) {
      LocalLease l;
      l.id = i + 1;
      l.room_type_id = pick(1, 2);
      l.from = base + static_cast<Day>(pick(0, 10));
      l.to = l.from + static_cast<Day>(pick(1, 8));
      l.rooms = pick(0, 4);
      l.expires_at = pick(0, 10) * 60000;
      leases.push_back(l);
      model.push_back({l, std::vector<int64_t>(static_cast<size_t>(l.to - l.from), l.rooms)});
    }
    for (int b = 0; b < 40; ++b) {
      const int64_t rt = pick(1, 2), rooms = pick(1, 3), now = pick(0, 10) * 60000;
      const Day in = base + static_cast<Day>(pick(0, 14));
      const Day out = in + static_cast<Day>(pick(1, 5));
      const int64_t want = ModelFit(model, rt, in, out, rooms, now, skew);
      const int64_t got = FittingLease(leases, uses, rt, in, out, rooms, now, skew);
      ASSERT_EQ(got, want) << "round " << round << " booking " << b;
      if (!got) {
        ++refused;
        continue;
      }
      ++fitted;
      uses.push_back({got, in, out, rooms});
      for (ModelLease& m : model) {
        if (m.lease.id != got) continue;
        for (Day d = in; d < out; ++d) m.left[static_cast<size_t>(d - m.lease.from)] -= rooms;
      }
    }
  }
  // Both outcomes are exercised often, or the comparison proves little.
  EXPECT_GT(fitted, 300);
  EXPECT_GT(refused, 300);
}

class LeaseEngineTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    // 4 rooms on 2026-06-10..11, 2 of them already taken out by this node's lease (the
    // centre's decrement, pulled): 2 available.
    Load({Inventory(10, "2026-06-10", 2, 4, 2, 10000)});
  }
  json SetLease(int64_t rooms, int64_t expires_at, int64_t skew_seconds = 60) {
    return MustCall(engine(), "setLeases",
                    json{{"hotelId", 1},
                         {"skewSeconds", skew_seconds},
                         {"leases", json::array({json{{"id", 7}, {"hotelId", 1}, {"roomTypeId", 10},
                                                      {"from", "2026-06-10"}, {"to", "2026-06-12"},
                                                      {"rooms", rooms}, {"status", "ACTIVE"},
                                                      {"expiresAt", expires_at}}})}});
  }
  Result Book(int64_t rooms) {
    return Call(engine(), "createBooking", json{{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 7},
                                                {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-12"},
                                                {"rooms", rooms}});
  }
};

TEST_F(LeaseEngineTest, ABookingInsideTheLeaseIsConfirmedLocallyAndHoldsNoRoomsTwice) {
  SetLease(2, kNow + 3600000);
  json a = Book(1).body;
  EXPECT_EQ(a["status"], "CONFIRMED");
  json b = Book(1).body;
  EXPECT_EQ(b["status"], "CONFIRMED");
  // General availability is what the centre left after the lease: unchanged.
  EXPECT_EQ(NightlyAvailable(10, "2026-06-10", "2026-06-12"), json::array({2, 2}));
  json pending = MustCall(engine(), "pendingMutations")["mutations"];
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0]["args"]["leaseId"], 7);
  EXPECT_EQ(pending[1]["args"]["leaseId"], 7);
  json leases = MustCall(engine(), "leases", json{{"hotelId", 1}});
  EXPECT_EQ(leases[0]["nights"][0]["unitsLeft"], 0);
  // The lease is used up: the next one is an ordinary PENDING_SYNC booking holding a room.
  json c = Book(1).body;
  EXPECT_EQ(c["status"], "PENDING_SYNC");
  EXPECT_FALSE(MustCall(engine(), "pendingMutations")["mutations"][2]["args"].contains("leaseId"));
  EXPECT_EQ(NightlyAvailable(10, "2026-06-10", "2026-06-12"), json::array({1, 1}));
}

TEST_F(LeaseEngineTest, ALeaseIsUsedOnlyUntilExpiresAtMinusTheSkewAllowance) {
  SetLease(2, kNow + 60000 + 1, 60);  // usable for 1 ms more
  EXPECT_EQ(Book(1).body["status"], "CONFIRMED");
  engine().SetNow(kNow + 1);
  EXPECT_EQ(Book(1).body["status"], "PENDING_SYNC");
  // Ended leases (status not ACTIVE) are not kept.
  MustCall(engine(), "setLeases", json{{"hotelId", 1}, {"leases", json::array({json{{"id", 7}, {"roomTypeId", 10},
      {"from", "2026-06-10"}, {"to", "2026-06-12"}, {"rooms", 2}, {"status", "RELEASED"}, {"expiresAt", kNow * 2}}})}});
  EXPECT_EQ(MustCall(engine(), "leases", json{{"hotelId", 1}}).size(), 0u);
}

TEST_F(LeaseEngineTest, ARejectedLeaseBookingBecomesRejectedAndBadLeasesAreRefused) {
  SetLease(2, kNow + 3600000);
  EXPECT_EQ(Book(2).body["status"], "CONFIRMED");
  MustCall(engine(), "applyPushResults",
           json{{"results", json::array({json{{"seq", 1}, {"status", "rejected"}, {"reason", "sold_out"}}})}});
  EXPECT_EQ(MustCall(engine(), "getUserBookingsWithRoomType", json{{"userId", 7}})[0]["status"], "REJECTED");
  const std::string before = Export(engine());
  EXPECT_EQ(Call(engine(), "setLeases", json{{"hotelId", 1}, {"leases", json::array({json{{"id", 0}}})}}).code(),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Call(engine(), "setLeases", json{{"hotelId", 1}, {"leases", 5}}).code(), "INVALID_ARGUMENT");
  EXPECT_EQ(Export(engine()), before);
}

// The engine remembers which (hotel, room type) pairs have no leases, so a node without
// leases skips the lookup on every booking. Against the uncached path: before each
// booking, an engine opened from this one's export (nothing remembered) books the same
// stay; both must answer alike, over random lease writes (none, some, other hotels',
// refused ones) and bookings.
TEST_F(LeaseEngineTest, RememberedLeaselessRoomTypesAgreeWithAFreshLookupOnRandomWrites) {
  Load({Inventory(10, "2026-06-01", 30, 50, 50, 10000), Inventory(11, "2026-06-01", 30, 50, 50, 20000),
        Inventory(20, "2026-06-01", 30, 50, 50, 8000)});
  std::mt19937_64 rng(20261202);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const std::vector<std::pair<int64_t, int64_t>> room_types{{1, 10}, {1, 11}, {2, 20}};
  int64_t lease_id = 0, confirmed = 0, pending = 0;
  for (int step = 0; step < 240; ++step) {
    if (pick(0, 3) == 0) {
      const int64_t hotel = pick(1, 2);
      json leases = json::array();
      for (int64_t i = 0, n = pick(0, 2); i < n; ++i) {
        const int64_t rt = hotel == 1 ? pick(10, 11) : 20;
        const std::string from = Plus("2026-06-02", static_cast<int>(pick(0, 20)));
        leases.push_back(json{{"id", ++lease_id}, {"hotelId", hotel}, {"roomTypeId", rt}, {"from", from},
                              {"to", Plus(from, static_cast<int>(pick(2, 10)))}, {"rooms", pick(0, 4)},
                              {"status", "ACTIVE"}, {"expiresAt", kNow + pick(0, 2) * 3600000}});
      }
      // Now and then a list the engine refuses (before it writes anything).
      if (pick(0, 5) == 0) leases.push_back(json{{"id", 0}});
      Call(engine(), "setLeases", json{{"hotelId", hotel}, {"leases", leases}});
      continue;
    }
    const auto [hotel, rt] = room_types[static_cast<size_t>(pick(0, 2))];
    const std::string in = Plus("2026-06-02", static_cast<int>(pick(0, 22)));
    const json stay{{"hotelId", hotel}, {"roomTypeId", rt}, {"userId", 7}, {"checkIn", in},
                    {"checkOut", Plus(in, static_cast<int>(pick(1, 3)))}, {"rooms", pick(1, 2)}};
    auto fresh = OpenEngine(Export(engine()));
    ASSERT_TRUE(fresh);
    const Result want = Call(*fresh, "createBooking", stay);
    const Result got = Call(engine(), "createBooking", stay);
    ASSERT_EQ(got.code(), want.code()) << "step " << step;
    ASSERT_EQ(got.body, want.body) << "step " << step;
    ASSERT_EQ(MustCall(engine(), "pendingMutations"), MustCall(*fresh, "pendingMutations")) << "step " << step;
    if (got.ok()) (got.body["status"] == "CONFIRMED" ? confirmed : pending)++;
  }
  // Both outcomes occur often, or the comparison proves little.
  EXPECT_GT(confirmed, 20) << pending;
  EXPECT_GT(pending, 40) << confirmed;
}

}  // namespace
}  // namespace edgestay::test
