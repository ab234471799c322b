// Booking lifecycle rules of the core (wasm/src/bookings.cc): the checks createBooking
// makes before writing, its price, holds, and that a rejected call writes nothing.
#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "image_db.h"
#include "sqlite3.h"
#include "test_support.h"

namespace edgestay::test {
namespace {


class BookingsTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    // Double (capacity 2 + 0) at 100.00, Suite (capacity set below) at 300.00, June 2026.
    Load({Inventory(10, "2026-06-01", 30, 8, 3, 10000), Inventory(11, "2026-06-01", 30, 2, 2, 30000),
          Upsert("room_types", json{{"id", 11}, {"capacity_adults", 2}, {"capacity_children", 2}}),
          Rule(1, "max_rooms_per_booking", 3), Rule(1, "hold_ttl_seconds", 600)});
  }
  Result Book(json extra) {
    json args{{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 7}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-12"}};
    for (auto it = extra.begin(); it != extra.end(); ++it) args[it.key()] = it.value();
    return Call(engine(), "createBooking", args);
  }
  // Every rejected call leaves the database byte for byte as it was.
  void ExpectRejectedWithNothingWritten(json extra, std::string_view code, std::string_view reason = "") {
    const std::string before = Export(engine());
    Result r = Book(extra);
    EXPECT_EQ(r.code(), code) << extra.dump() << " -> " << r.status.ToJson();
    if (!reason.empty()) EXPECT_EQ(r.details()["reason"], reason) << r.status.ToJson();
    EXPECT_EQ(Export(engine()), before) << "a rejected createBooking wrote something: " << extra.dump();
  }
};

TEST_F(BookingsTest, PriceIsNightlyPricesWithSpecialDayMultipliersTimesRooms) {
  Load({Upsert("special_days", json{{"hotel_id", 1}, {"date", "2026-06-11"}, {"kind", "event"},
                                    {"price_multiplier_pct", 125}})});
  json b = Book({{"rooms", 2}, {"guests", 3}}).body;
  EXPECT_EQ(b["totalCents"], (10000 + 12500) * 2);
  EXPECT_EQ(b["status"], "PENDING_SYNC");
  EXPECT_EQ(b["id"], -1);
  // Its rooms are held locally: 3 available - 2.
  EXPECT_EQ(NightlyAvailable(10, "2026-06-10", "2026-06-12"), json::array({1, 1}));
}

TEST_F(BookingsTest, AHoldExpiresAfterTheHotelsTtlAndFreesItsRooms) {
  json h = Book({{"hold", true}, {"rooms", 3}, {"guests", 2}}).body;
  EXPECT_EQ(h["status"], "HELD");
  EXPECT_EQ(h["holdExpiresAt"], kNow + 600000);
  EXPECT_EQ(NightlyAvailable(10, "2026-06-10", "2026-06-12"), json::array({0, 0}));
  engine().SetNow(kNow + 600000);
  EXPECT_EQ(NightlyAvailable(10, "2026-06-10", "2026-06-12"), json::array({3, 3}));
  EXPECT_EQ(MustCall(engine(), "getUserBookingsWithRoomType", json{{"userId", 7}})[0]["status"], "EXPIRED");
  EXPECT_EQ(Call(engine(), "confirmHold", json{{"bookingId", -1}}).code(), "HOLD_EXPIRED");
}

TEST_F(BookingsTest, RuleChecksRejectWithTheirCodeAndWriteNothing) {
  ExpectRejectedWithNothingWritten({{"guests", 3}}, "GUESTS_OVER_CAPACITY");      // Double sleeps 2
  ExpectRejectedWithNothingWritten({{"rooms", 4}, {"guests", 4}}, "TOO_MANY_ROOMS");
  ExpectRejectedWithNothingWritten({{"checkIn", "2026-05-30"}, {"checkOut", "2026-06-02"}}, "PAST_DATE");
  ExpectRejectedWithNothingWritten({{"checkOut", "2026-07-20"}}, "STAY_TOO_LONG");
  ExpectRejectedWithNothingWritten({{"roomTypeId", 20}}, "UNKNOWN_ROOM_TYPE");    // a room type of hotel 2
  ExpectRejectedWithNothingWritten({{"hotelId", 9}}, "UNKNOWN_HOTEL");
  ExpectRejectedWithNothingWritten({{"rooms", 3}, {"guests", 2}, {"checkOut", "2026-07-02"}}, "NOT_AVAILABLE",
                                   "no_inventory");
  ExpectRejectedWithNothingWritten({{"idempotencyKey", 5}}, "INVALID_ARGUMENT");
  ExpectRejectedWithNothingWritten({{"hold", "yes"}}, "INVALID_ARGUMENT");
  ExpectRejectedWithNothingWritten({{"checkIn", "2026-06-31"}}, "INVALID_DATE");
  // The Suite sleeps 4 per room: 7 guests fit in 2 rooms.
  EXPECT_TRUE(Book({{"roomTypeId", 11}, {"rooms", 2}, {"guests", 7}}).ok());
  ExpectRejectedWithNothingWritten({{"roomTypeId", 11}, {"rooms", 1}, {"guests", 2}, {"checkIn", "2026-06-11"}},
                                   "NOT_AVAILABLE", "sold_out");
}

TEST_F(BookingsTest, TheSameIdempotencyKeyReturnsTheFirstBookingAndAddsNoMutation) {
  json first = Book({{"idempotencyKey", "k-1"}, {"rooms", 3}, {"guests", 2}}).body;
  for (int i = 0; i < 5; ++i) {
    // Even though the stay is now sold out (all 3 rooms held by the first call).
    Result again = Book({{"idempotencyKey", "k-1"}, {"rooms", 3}, {"guests", 2}});
    ASSERT_TRUE(again.ok()) << again.status.ToJson();
    EXPECT_EQ(again.body, first);
  }
  EXPECT_EQ(MustCall(engine(), "pendingMutations")["mutations"].size(), 1u);
}

// A retry of a stay that is still bookable reaches the booking's insert, which the key's
// unique index refuses (bookings.cc, CreateBooking): the answer is the first booking, the
// database is byte for byte as before, and the next new booking takes the next id.
TEST_F(BookingsTest, ARetryOfABookableStayReturnsTheFirstBookingAndWritesNothing) {
  json first = Book({{"idempotencyKey", "k-2"}, {"guests", 2}}).body;
  ASSERT_EQ(first["id"], -1);
  const std::string before = Export(engine());
  for (json extra : {json{{"idempotencyKey", "k-2"}, {"guests", 2}}, json{{"idempotencyKey", "k-2"}, {"hold", true}},
                     json{{"idempotencyKey", "k-2"}, {"roomTypeId", 11}, {"checkIn", "2026-06-20"}, {"checkOut", "2026-06-22"}}}) {
    Result again = Book(extra);
    ASSERT_TRUE(again.ok()) << extra.dump() << " -> " << again.status.ToJson();
    EXPECT_EQ(again.body, first) << extra.dump();
    EXPECT_EQ(Export(engine()), before) << "a retry wrote something: " << extra.dump();
  }
  EXPECT_EQ(NightlyAvailable(10, "2026-06-10", "2026-06-12"), json::array({2, 2}));
  EXPECT_EQ(Book({{"idempotencyKey", "k-3"}}).body["id"], -2);
  EXPECT_EQ(MustCall(engine(), "pendingMutations")["mutations"].size(), 2u);
}

// Issue 8: a key holding U+0000 (which PostgreSQL would cut short) and a total above
// 2^53 - 1 (which no edge could pull back) are refused before anything is written.
TEST_F(BookingsTest, ANulInTheKeyAndATotalAbove2To53AreRefusedAndWriteNothing) {
  ExpectRejectedWithNothingWritten({{"idempotencyKey", std::string("KEY\0A", 5)}}, "INVALID_ARGUMENT");
  Load({Inventory(10, "2026-06-20", 2, 8, 3, 2000000000000000)});
  ExpectRejectedWithNothingWritten({{"rooms", 3}, {"guests", 2}, {"checkIn", "2026-06-20"}, {"checkOut", "2026-06-22"}},
                                   "INVALID_ARGUMENT");
  Result ok = Book({{"rooms", 1}, {"checkIn", "2026-06-20"}, {"checkOut", "2026-06-22"}});
  ASSERT_TRUE(ok.ok()) << ok.status.ToJson();
  EXPECT_EQ(ok.body["totalCents"], int64_t{4000000000000000});
}

// A booking's two notification rows go in with one INSERT OR FAIL (bookings.cc, Notify):
// it needs no statement journal, because a refused second row is undone with the whole
// booking by the transaction around it. Here the reminder row is refused (a trigger in
// the image), so the confirmation row is already in when the statement fails: nothing of
// the booking may remain, and the engine books again at once.
TEST_F(BookingsTest, ARefusedReminderRowUndoesTheWholeBooking) {
  ImageDb edit(Export(engine()));
  edit.Exec("CREATE TRIGGER refuse_reminders BEFORE INSERT ON notifications"
            " WHEN NEW.kind = 'reminder' BEGIN SELECT RAISE(FAIL, 'no reminders'); END");
  const std::string refusing = edit.Serialize();

  std::unique_ptr<Engine> e = OpenEngine(refusing);
  ASSERT_TRUE(e);
  json args{{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 7}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-12"}};
  Result refused = Call(*e, "createBooking", args);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status.message().find("no reminders"), std::string::npos) << refused.status.ToJson();
  EXPECT_EQ(MustCall(*e, "getUserBookingsWithRoomType", json{{"userId", 7}}), json::array());
  EXPECT_EQ(MustCall(*e, "pendingMutations")["mutations"], json::array());
  EXPECT_EQ(MustCall(*e, "getDueNotifications", json{{"until", kNow + 400LL * 86400000}}), json::array());
  const json stay = MustCall(*e, "checkRoomAvailability",
                             json{{"roomTypeId", 10}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-12"}});
  EXPECT_EQ(stay["nightly"][0]["available"], 3) << "the refused booking still holds its room";
  // A hold has no reminder: it is booked, with the first local id (the refused one left none behind).
  args["hold"] = true;
  Result held = Call(*e, "createBooking", args);
  ASSERT_TRUE(held.ok()) << held.status.ToJson();
  EXPECT_EQ(held.body["id"], -1);
  EXPECT_EQ(MustCall(*e, "pendingMutations")["mutations"].size(), 1u);
}

// createBooking takes its next local ids from the last booking's while SQLite counts no
// changed row since (Engine::Impl::next_local_ids). On random runs of the writes that can
// come between two bookings (cancellations, confirmations, expired holds, refused and
// replayed calls, batches that delete this node's newest rows or add rows below its
// ids), every new booking still takes the id below every booking id, and its
// notifications the ids below every notification id, as read from the database itself.
TEST_F(BookingsTest, LocalIdsStayBelowEveryIdWhateverChangedBetweenBookings) {
  Load({Inventory(10, "2026-06-01", 60, 500, 500, 10000), Inventory(11, "2026-06-01", 60, 500, 500, 30000)});
  std::mt19937 rng(20261202);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  int64_t now = kNow;
  int booked = 0, replays = 0, between = 0;
  std::vector<std::string> keys;
  for (int step = 0; step < 400; ++step) {
    ImageDb before(Export(engine()));
    const std::vector<int64_t> booking_ids = before.Ints("SELECT id FROM bookings WHERE id < 0 ORDER BY id");
    const std::vector<int64_t> notification_ids = before.Ints("SELECT id FROM notifications WHERE id < 0 ORDER BY id");
    const int64_t next_booking = booking_ids.empty() ? -1 : booking_ids.front() - 1;
    const int64_t next_notification = notification_ids.empty() ? -1 : notification_ids.front() - 1;
    const int op = pick(10);
    if (op < 5) {
      const int start = 1 + pick(50);
      const bool hold = pick(3) == 0;
      json args{{"hotelId", 1}, {"roomTypeId", pick(2) ? 10 : 11}, {"userId", 1 + pick(9)},
                {"checkIn", Plus("2026-06-01", start)}, {"checkOut", Plus("2026-06-01", start + 1 + pick(3))},
                {"hold", hold}};
      const bool replay = !keys.empty() && pick(5) == 0;
      if (replay) args["idempotencyKey"] = keys[static_cast<size_t>(pick(static_cast<int>(keys.size())))];
      else if (pick(2)) args["idempotencyKey"] = keys.emplace_back("key-" + std::to_string(step));
      Result r = Call(engine(), "createBooking", args);
      ASSERT_TRUE(r.ok()) << args.dump() << " -> " << r.status.ToJson();
      const int64_t id = r.body["id"];
      if (std::find(booking_ids.begin(), booking_ids.end(), id) != booking_ids.end()) {
        ++replays;  // the original booking, untouched
        continue;
      }
      EXPECT_EQ(id, next_booking) << "step " << step;
      ImageDb after(Export(engine()));
      const std::vector<int64_t> mine =
          after.Ints("SELECT id FROM notifications WHERE booking_id = " + std::to_string(id) + " ORDER BY id DESC");
      ASSERT_FALSE(mine.empty()) << "step " << step;
      EXPECT_EQ(mine[0], next_notification) << "step " << step;
      if (mine.size() > 1) EXPECT_EQ(mine[1], next_notification - 1) << "step " << step;
      ++booked;
      continue;
    }
    ++between;
    const int64_t some_booking = booking_ids.empty() ? -1 : booking_ids[static_cast<size_t>(pick(static_cast<int>(booking_ids.size())))];
    switch (op) {
      case 5:  // cancel or confirm one of this node's bookings (refused when not in the right state)
        Call(engine(), pick(2) ? "cancelBooking" : "confirmHold", json{{"bookingId", some_booking}});
        break;
      case 6:  // time passes: holds expire
        now += 60000 * (1 + pick(15));
        engine().SetNow(now);
        Call(engine(), "checkRoomAvailability", json{{"roomTypeId", 10}, {"checkIn", "2026-06-20"}, {"checkOut", "2026-06-21"}});
        break;
      case 7:  // a refused booking
        Call(engine(), "createBooking", json{{"hotelId", 1}, {"roomTypeId", 10}, {"userId", 1}, {"checkIn", "2026-06-10"},
                                             {"checkOut", "2026-06-12"}, {"rooms", 9}});
        break;
      case 8: {  // a batch deletes this node's newest booking or notification
        json del = pick(2) && !booking_ids.empty() ? Delete("bookings", json{{"id", booking_ids.front()}})
                   : !notification_ids.empty()     ? Delete("notifications", json{{"id", notification_ids.front()}})
                                                   : Delete("bookings", json{{"id", -1}});
        Apply(engine(), Batch({del}));
        break;
      }
      default: {  // a batch brings rows with ids below this node's
        const int64_t low = next_booking - 1 - pick(3);
        Apply(engine(), Batch({Booking(low, 1, 3, 10, "CONFIRMED", "2026-06-05", "2026-06-06", json{{"origin", "local"}}),
                               Upsert("notifications", json{{"id", next_notification - 1 - pick(3)}, {"booking_id", low},
                                                            {"user_id", 3}, {"channel", "email"},
                                                            {"scheduled_at", now}})}));
        break;
      }
    }
  }
  EXPECT_GT(booked, 150);
  EXPECT_GT(replays, 5);
  EXPECT_GT(between, 100);
}

// createBooking answers from the values it has just written instead of reading the row
// back: on random bookings (holds, keys with quotes and non-ASCII, both room types, the
// engine's own keys) the answer is the row as getUserBookingsWithRoomType and an
// idempotent replay read it from the database.
TEST_F(BookingsTest, TheAnswerOfCreateBookingIsTheStoredRow) {
  uint64_t seed = 12345;
  auto next = [&seed](uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  int booked = 0;
  for (int i = 0; i < 80; ++i) {
    const int room_type = next(2) ? 10 : 11;
    const int rooms = 1 + static_cast<int>(next(2));
    const std::string check_in = Plus("2026-06-02", static_cast<int>(next(25)));
    json extra{{"roomTypeId", room_type}, {"userId", 7 + static_cast<int>(next(3))}, {"checkIn", check_in},
               {"checkOut", Plus(check_in, 1 + static_cast<int>(next(3)))}, {"rooms", rooms},
               {"guests", 1 + static_cast<int>(next(static_cast<uint64_t>(rooms) * 2))}, {"hold", next(3) == 0}};
    const uint64_t key = next(3);
    if (key == 1) extra["idempotencyKey"] = "k-" + std::to_string(i);
    if (key == 2) extra["idempotencyKey"] = "k \"q\" \\ \u00fc\u20ac/" + std::to_string(i);
    Result r = Book(extra);
    if (!r.ok()) {
      EXPECT_EQ(r.code(), "NOT_AVAILABLE") << r.status.ToJson();
      continue;
    }
    ++booked;
    json stored;
    for (const json& b : MustCall(engine(), "getUserBookingsWithRoomType", json{{"userId", extra["userId"]}})) {
      if (b["id"] == r.body["id"]) stored = b;
    }
    EXPECT_EQ(r.body, stored) << extra.dump();
    if (key != 0) {
      Result again = Book(extra);
      ASSERT_TRUE(again.ok()) << again.status.ToJson();
      EXPECT_EQ(again.body, r.body) << extra.dump();
    }
  }
  EXPECT_GT(booked, 20);
}

}  // namespace
}  // namespace edgestay::test
