// Change events with nobody listening (Engine::SetEventsWanted(false)).
//
// Unwanted, a write's events are counted but never built. Property: over random writes
// (bookings, holds, cancels, confirmations, push results, waitlists, batches, hold
// expiry), an engine that builds its events and one that does not answer alike, count
// the same events after every call, and the built ones are exactly that many; once
// wanted again, the second engine's events are the first one's.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "test_support.h"

namespace edgestay::test {
namespace {

class EventsTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    Load({Inventory(10, "2026-06-01", 40, 3, 3, 10000), Inventory(11, "2026-06-01", 40, 2, 2, 20000),
          Inventory(20, "2026-06-01", 40, 2, 2, 8000)});
    engine().TakeEvents();
    quiet_ = OpenEngine(Export(engine()));
    ASSERT_TRUE(quiet_);
    quiet_->SetEventsWanted(false);
  }
  std::unique_ptr<Engine> quiet_;
};

TEST_F(EventsTest, UnwantedEventsAreCountedLikeBuiltOnesAndComeBackWhenWanted) {
  std::mt19937_64 rng(20261202);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const std::vector<std::pair<int64_t, int64_t>> room_types{{1, 10}, {1, 11}, {2, 20}};
  int64_t now = kNow, seq_settled = 0, next_server_id = 500;
  size_t counted = 0;
  std::set<std::string> kinds;
  auto stay = [&] {
    const auto [hotel, rt] = room_types[static_cast<size_t>(pick(0, 2))];
    const std::string in = Plus("2026-06-03", static_cast<int>(pick(0, 30)));
    return json{{"hotelId", hotel}, {"roomTypeId", rt}, {"userId", pick(1, 4)}, {"checkIn", in},
                {"checkOut", Plus(in, static_cast<int>(pick(1, 4)))}, {"rooms", pick(1, 2)}};
  };
  for (int step = 0; step < 400; ++step) {
    if (step == 300) quiet_->SetEventsWanted(true);  // from here both build them
    std::string method;
    json args;
    switch (pick(0, 7)) {
      case 0: case 1: method = "createBooking"; args = stay(); if (pick(0, 2) == 0) args["hold"] = true; break;
      case 2: method = "cancelBooking"; args = {{"bookingId", -pick(1, 30)}}; break;
      case 3: method = "confirmHold"; args = {{"bookingId", -pick(1, 30)}}; break;
      case 4: {
        method = "applyPushResults";
        json results = json::array();
        for (int64_t k = 0, n = pick(1, 3); k < n; ++k) {
          const bool applied = pick(0, 2) > 0;
          json r{{"seq", ++seq_settled}, {"status", applied ? "applied" : "rejected"}};
          if (applied) r["booking"] = {{"id", ++next_server_id}};
          else r["reason"] = "sold_out";
          results.push_back(r);
        }
        args = {{"results", results}};
        break;
      }
      case 5: method = "joinWaitlist"; args = stay(); break;
      case 6: {  // a batch: rooms freed or taken centrally, a price change, a special day
        const auto [hotel, rt] = room_types[static_cast<size_t>(pick(0, 2))];
        const json batch = Batch({Inventory(rt, Plus("2026-06-03", static_cast<int>(pick(0, 30))),
                                            static_cast<int>(pick(1, 3)), 3, pick(0, 3), 10000 + pick(0, 9) * 100),
                                  Upsert("special_days", json{{"hotel_id", hotel}, {"date", Plus("2026-06-03", 5)},
                                                              {"kind", "event"}, {"price_multiplier_pct", 110}})});
        const Result a = Apply(engine(), batch), b = Apply(*quiet_, batch);
        ASSERT_EQ(a.code(), b.code()) << "step " << step;
        ASSERT_EQ(a.body, b.body) << "step " << step;
        break;
      }
      case 7: now += pick(1, 20) * 60000; engine().SetNow(now); quiet_->SetNow(now); method = "pendingMutations"; break;
    }
    if (!method.empty()) {
      const Result a = Call(engine(), method, args), b = Call(*quiet_, method, args);
      ASSERT_EQ(a.code(), b.code()) << "step " << step << " " << method;
      ASSERT_EQ(a.body, b.body) << "step " << step << " " << method;
    }
    const size_t n = engine().PendingEventCount();
    ASSERT_EQ(quiet_->PendingEventCount(), n) << "step " << step << " " << method;
    // Reported once (the boundary's status words): counted events are forgotten then,
    // built ones wait for TakeEvents.
    ASSERT_EQ(quiet_->TakeEventCount(), n) << "step " << step;
    ASSERT_EQ(quiet_->PendingEventCount(), step < 300 ? 0u : n) << "step " << step;
    const json built = TakeEvents(engine());
    ASSERT_EQ(built.size(), n) << "step " << step << " " << method << ": " << built.dump();
    const json unbuilt = TakeEvents(*quiet_);
    if (step < 300) ASSERT_EQ(unbuilt, json::array()) << "step " << step;
    else ASSERT_EQ(unbuilt, built) << "step " << step;
    ASSERT_EQ(quiet_->PendingEventCount(), 0u) << "TakeEvents forgets the count too";
    counted += n;
    for (const json& e : built) kinds.insert(e["type"].get<std::string>());
  }
  // Every kind a write can raise here occurred, or the comparison proves little.
  EXPECT_GT(counted, 100u);
  EXPECT_EQ(kinds, (std::set<std::string>{"booking", "inventory", "specialDay", "waitlist"}));
}

}  // namespace
}  // namespace edgestay::test
