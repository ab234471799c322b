// Reports (docs/API.md "Queries"): booking statistics, occupancy KPIs and a user's
// bookings with their room type (and payments), on small hand-computed data sets.
#include <gtest/gtest.h>

#include "test_support.h"

namespace edgestay::test {
namespace {

class ReportsTest : public EngineTest {
 protected:
  json Stats(std::string_view from, std::string_view to, int64_t hotel_id = 1) {
    return MustCall(engine(), "getBookingStatistics", {{"hotelId", hotel_id}, {"from", from}, {"to", to}});
  }
  json Occupancy(std::string_view from, std::string_view to, int64_t hotel_id = 1) {
    return MustCall(engine(), "getOccupancyRate", {{"hotelId", hotel_id}, {"from", from}, {"to", to}});
  }
  json UserBookings(const json& args) { return MustCall(engine(), "getUserBookingsWithRoomType", args); }
  static json Ids(const json& bookings) {
    json ids = json::array();
    for (const json& b : bookings) ids.push_back(b["id"]);
    return ids;
  }
};

double Num(const json& v) {
  EXPECT_TRUE(v.is_number()) << v;
  return v.is_number() ? v.get<double>() : -1;
}

TEST_F(ReportsTest, BookingStatisticsCountStatusesRevenueAndNights) {
  const int64_t later = kNow + 10 * kMsPerDay;
  Load({
      Booking(1, 1, 7, 10, "CONFIRMED", "2026-07-01", "2026-07-04", {{"rooms", 2}, {"total_cents", 60000}}),
      Booking(2, 1, 7, 10, "HELD", "2026-07-10", "2026-07-11", {{"total_cents", 10000}, {"hold_expires_at", later}}),
      Booking(3, 1, 8, 11, "PENDING_SYNC", "2026-07-20", "2026-07-25", {{"total_cents", 50000}}),
      Booking(4, 1, 8, 10, "CANCELLED", "2026-07-05", "2026-07-07", {{"total_cents", 20000}}),
      Booking(5, 1, 8, 10, "CANCELLED", "2026-07-31", "2026-08-02", {{"total_cents", 20000}}),
      Booking(6, 1, 9, 11, "REJECTED", "2026-07-15", "2026-07-16", {{"total_cents", 5000}}),
      Booking(7, 1, 9, 11, "EXPIRED", "2026-07-15", "2026-07-17", {{"total_cents", 5000}}),
      // Outside: starts on `to`, starts before `from`, another hotel.
      Booking(8, 1, 9, 10, "CONFIRMED", "2026-08-01", "2026-08-03", {{"total_cents", 99999}}),
      Booking(9, 1, 9, 10, "CONFIRMED", "2026-06-30", "2026-07-02", {{"total_cents", 99999}}),
      Booking(10, 2, 9, 20, "CONFIRMED", "2026-07-10", "2026-07-12", {{"total_cents", 99999}}),
  });
  json s = Stats("2026-07-01", "2026-08-01");
  EXPECT_EQ(s["hotelId"], 1);
  EXPECT_EQ(s["from"], "2026-07-01");
  EXPECT_EQ(s["to"], "2026-08-01");
  EXPECT_EQ(s["total"], 7);
  EXPECT_EQ(s["byStatus"], (json{{"HELD", 1}, {"PENDING_SYNC", 1}, {"CONFIRMED", 1}, {"REJECTED", 1},
                                 {"CANCELLED", 2}, {"EXPIRED", 1}}));
  EXPECT_EQ(s["active"], 3);
  EXPECT_EQ(s["roomNights"], 2 * 3 + 1 * 1 + 1 * 5);
  EXPECT_EQ(s["revenueCents"], 60000 + 10000 + 50000);
  EXPECT_DOUBLE_EQ(Num(s["averageNights"]), (3.0 + 1 + 5) / 3);
  EXPECT_DOUBLE_EQ(Num(s["cancellationRate"]), 2.0 / 7);
}

TEST_F(ReportsTest, BookingStatisticsOfAnEmptyRangeAreZero) {
  json s = Stats("2027-01-01", "2027-02-01");
  EXPECT_EQ(s["total"], 0);
  EXPECT_EQ(s["active"], 0);
  EXPECT_EQ(s["roomNights"], 0);
  EXPECT_EQ(s["revenueCents"], 0);
  EXPECT_EQ(Num(s["averageNights"]), 0);
  EXPECT_EQ(Num(s["cancellationRate"]), 0);
}

TEST_F(ReportsTest, ReportArgumentErrors) {
  for (const char* method : {"getBookingStatistics", "getOccupancyRate"}) {
    EXPECT_EQ(Call(engine(), method, {{"hotelId", 9}, {"from", "2026-07-01"}, {"to", "2026-08-01"}}).code(),
              "UNKNOWN_HOTEL");
    EXPECT_EQ(Call(engine(), method, {{"hotelId", 1}, {"from", "2026-07-01"}, {"to", "2026-07-01"}}).code(),
              "INVALID_RANGE");
    EXPECT_TRUE(Call(engine(), method, {{"hotelId", 1}, {"from", "2026-07-01"}, {"to", "2029-07-01"}}).ok());
    EXPECT_EQ(Call(engine(), method, {{"hotelId", 1}, {"from", "2026-07-32"}, {"to", "2026-08-01"}}).code(),
              "INVALID_DATE");
  }
}

TEST_F(ReportsTest, OccupancyRangesAreAtMost1096Days) {
  EXPECT_TRUE(Call(engine(), "getOccupancyRate", {{"hotelId", 1}, {"from", "2026-07-01"}, {"to", "2029-07-01"}}).ok());
  EXPECT_EQ(Call(engine(), "getOccupancyRate", {{"hotelId", 1}, {"from", "2026-07-01"}, {"to", "2029-07-02"}}).code(),
            "INVALID_RANGE");
}

TEST_F(ReportsTest, OccupancyAdrAndRevparOverallAndPerRoomType) {
  json night_rows = json::array({
      json::array({10, "2026-07-01", 8, 5, 10000}), json::array({10, "2026-07-02", 8, 8, 10000}),
      json::array({10, "2026-07-03", 8, 0, 12000}), json::array({10, "2026-07-04", 8, 2, 10000}),  // after `to`
      json::array({11, "2026-07-02", 2, 1, 20001}), json::array({20, "2026-07-02", 4, 0, 8000}),   // hotel 2
  });
  Load({RoomType(12, 1, "Family"),
        UpsertRows("room_inventory", {"room_type_id", "date", "total", "available", "price_cents"}, night_rows),
        Upsert("special_days", {{"hotel_id", 1}, {"date", "2026-07-01"}, {"kind", "event"}, {"price_multiplier_pct", 150}}),
        Upsert("special_days", {{"hotel_id", 1}, {"date", "2026-07-02"}, {"kind", "holiday"}, {"price_multiplier_pct", 50}}),
        Upsert("special_days", {{"hotel_id", 2}, {"date", "2026-07-03"}, {"kind", "event"}, {"price_multiplier_pct", 300}})});
  // Room type 10: 24 room-nights, 3 + 0 + 8 sold at 15000 and 12000 -> 141000.
  // Room type 11: 2 room-nights, 1 sold at floor((20001 * 50 + 50) / 100) = 10001.
  json o = Occupancy("2026-07-01", "2026-07-04");
  EXPECT_EQ(o["hotelId"], 1);
  EXPECT_EQ(o["from"], "2026-07-01");
  EXPECT_EQ(o["to"], "2026-07-04");
  EXPECT_EQ(o["roomsAvailable"], 26);
  EXPECT_EQ(o["roomsSold"], 12);
  EXPECT_EQ(o["revenueCents"], 151001);
  EXPECT_DOUBLE_EQ(Num(o["occupancy"]), 12.0 / 26);
  EXPECT_DOUBLE_EQ(Num(o["adrCents"]), 151001.0 / 12);
  EXPECT_DOUBLE_EQ(Num(o["revparCents"]), 151001.0 / 26);

  ASSERT_EQ(o["roomTypes"].size(), 3u);
  json rt10 = o["roomTypes"][0], rt11 = o["roomTypes"][1], rt12 = o["roomTypes"][2];
  EXPECT_EQ(rt10["roomTypeId"], 10);
  EXPECT_EQ(rt10["roomsAvailable"], 24);
  EXPECT_EQ(rt10["roomsSold"], 11);
  EXPECT_EQ(rt10["revenueCents"], 141000);
  EXPECT_DOUBLE_EQ(Num(rt10["occupancy"]), 11.0 / 24);
  EXPECT_DOUBLE_EQ(Num(rt10["adrCents"]), 141000.0 / 11);
  EXPECT_DOUBLE_EQ(Num(rt10["revparCents"]), 141000.0 / 24);
  EXPECT_EQ(rt11["roomTypeId"], 11);
  EXPECT_EQ(rt11["roomsSold"], 1);
  EXPECT_EQ(rt11["revenueCents"], 10001);
  EXPECT_DOUBLE_EQ(Num(rt11["occupancy"]), 0.5);
  EXPECT_DOUBLE_EQ(Num(rt11["adrCents"]), 10001);
  EXPECT_DOUBLE_EQ(Num(rt11["revparCents"]), 5000.5);
  // A room type without rows in the range reports zeros.
  EXPECT_EQ(rt12["roomTypeId"], 12);
  EXPECT_EQ(rt12["roomsAvailable"], 0);
  EXPECT_EQ(rt12["roomsSold"], 0);
  EXPECT_EQ(rt12["revenueCents"], 0);
  EXPECT_EQ(Num(rt12["occupancy"]), 0);
  EXPECT_EQ(Num(rt12["adrCents"]), 0);
  EXPECT_EQ(Num(rt12["revparCents"]), 0);

  // Hotel 2 sees only its own rows and its own special days.
  json o2 = Occupancy("2026-07-01", "2026-07-04", 2);
  EXPECT_EQ(o2["roomsAvailable"], 4);
  EXPECT_EQ(o2["revenueCents"], 4 * 8000);
}

class UserBookingsTest : public ReportsTest {
 protected:
  void SetUp() override {
    ReportsTest::SetUp();
    if (HasFatalFailure()) return;
    const int64_t t0 = kNow - 10 * 3600000;
    Load({
        Booking(1, 1, 7, 10, "CONFIRMED", "2026-07-01", "2026-07-04", {{"created_at", t0 + 3 * 3600000}}),
        Booking(2, 1, 7, 11, "CANCELLED", "2026-07-05", "2026-07-06", {{"created_at", t0 + 1 * 3600000}}),
        Booking(3, 2, 7, 20, "HELD", "2026-07-10", "2026-07-12",
                {{"created_at", t0 + 3 * 3600000}, {"hold_expires_at", kNow + kMsPerDay}, {"idempotency_key", "k-3"}}),
        Booking(4, 1, 7, 10, "PENDING_SYNC", "2026-07-02", "2026-07-03",
                {{"created_at", t0 + 2 * 3600000}, {"updated_at", t0 + 4 * 3600000}, {"origin", "local"},
                 {"server_id", 904}}),
        Booking(5, 1, 8, 10, "CONFIRMED", "2026-07-01", "2026-07-02", {{"created_at", t0 + 5 * 3600000}}),
        Upsert("payments", {{"id", 31}, {"booking_id", 1}, {"status", "CAPTURED"}, {"amount_cents", 40000},
                            {"created_at", kNow}}),
        Upsert("payments", {{"id", 30}, {"booking_id", 1}, {"status", "REFUNDED"}, {"amount_cents", 20000},
                            {"created_at", kNow + 1}}),
        Upsert("payments", {{"id", 32}, {"booking_id", 5}, {"status", "CAPTURED"}, {"amount_cents", 100},
                            {"created_at", kNow}}),
    });
  }
};

TEST_F(UserBookingsTest, NewestFirstThenHigherIdFirst) {
  json bookings = UserBookings({{"userId", 7}});
  EXPECT_EQ(Ids(bookings), json::array({3, 1, 4, 2}));
  EXPECT_EQ(UserBookings({{"userId", 99}}), json::array());
}

TEST_F(UserBookingsTest, EachBookingCarriesItsRoomTypeAndFields) {
  json bookings = UserBookings({{"userId", 7}});
  ASSERT_EQ(bookings.size(), 4u);
  const int64_t t0 = kNow - 10 * 3600000;
  EXPECT_EQ(bookings[0], (json{{"id", 3},
                               {"hotelId", 2},
                               {"userId", 7},
                               {"roomTypeId", 20},
                               {"roomTypeName", "Single"},
                               {"status", "HELD"},
                               {"checkIn", "2026-07-10"},
                               {"checkOut", "2026-07-12"},
                               {"nights", 2},
                               {"rooms", 1},
                               {"guests", 2},
                               {"totalCents", 10000},
                               {"createdAt", t0 + 3 * 3600000},
                               {"updatedAt", t0 + 3 * 3600000},  // defaults to created_at
                               {"holdExpiresAt", kNow + kMsPerDay},
                               {"idempotencyKey", "k-3"},
                               {"origin", "central"},
                               {"serverId", nullptr}}));
  EXPECT_EQ(bookings[2]["roomTypeName"], "Double");
  EXPECT_EQ(bookings[2]["updatedAt"], t0 + 4 * 3600000);
  EXPECT_EQ(bookings[2]["origin"], "local");
  EXPECT_EQ(bookings[2]["serverId"], 904);
  EXPECT_EQ(bookings[2]["holdExpiresAt"], nullptr);
  EXPECT_EQ(bookings[3]["roomTypeName"], "Suite");
  EXPECT_FALSE(bookings[1].contains("payments")) << "payments only when asked for";
}

TEST_F(UserBookingsTest, StatusFiltersByOneStatusOrAList) {
  EXPECT_EQ(Ids(UserBookings({{"userId", 7}, {"status", "CONFIRMED"}})), json::array({1}));
  EXPECT_EQ(Ids(UserBookings({{"userId", 7}, {"status", json::array({"HELD", "CANCELLED"})}})), json::array({3, 2}));
  EXPECT_EQ(Ids(UserBookings({{"userId", 7}, {"status", json::array({"EXPIRED"})}})), json::array());
  EXPECT_EQ(Ids(UserBookings({{"userId", 7}, {"status", nullptr}})), json::array({3, 1, 4, 2}));
  for (const json& bad : {json("BOOKED"), json::array(), json::array({"HELD", 5}), json(3)}) {
    EXPECT_EQ(Call(engine(), "getUserBookingsWithRoomType", {{"userId", 7}, {"status", bad}}).code(), "INVALID_ARGUMENT")
        << bad;
  }
  EXPECT_EQ(Call(engine(), "getUserBookingsWithRoomType", {{"userId", 0}}).code(), "INVALID_ARGUMENT");
  EXPECT_EQ(Call(engine(), "getUserBookingsWithRoomType", json::object()).code(), "INVALID_ARGUMENT");
}

TEST_F(UserBookingsTest, IncludePaymentsAddsEachBookingsPaymentsById) {
  json bookings = UserBookings({{"userId", 7}, {"includePayments", true}});
  ASSERT_EQ(bookings.size(), 4u);
  EXPECT_EQ(bookings[1]["id"], 1);
  EXPECT_EQ(bookings[1]["payments"], json::parse(R"([
      {"id": 30, "status": "REFUNDED", "amountCents": 20000, "createdAt": )" + std::to_string(kNow + 1) + R"(},
      {"id": 31, "status": "CAPTURED", "amountCents": 40000, "createdAt": )" + std::to_string(kNow) + R"(}])"));
  for (int i : {0, 2, 3}) EXPECT_EQ(bookings[i]["payments"], json::array()) << i;
  // The rest of each booking is as without payments.
  json plain = UserBookings({{"userId", 7}, {"includePayments", false}});
  for (json& b : bookings) b.erase("payments");
  EXPECT_EQ(bookings, plain);
  EXPECT_EQ(Call(engine(), "getUserBookingsWithRoomType", {{"userId", 7}, {"includePayments", "yes"}}).code(),
            "INVALID_ARGUMENT");
}

}  // namespace
}  // namespace edgestay::test
