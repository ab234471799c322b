// Availability (docs/API.md "Availability rules"): one test per reason, their order,
// pending local bookings, prices, the hotel's "today", argument errors, the batch and
// calendar forms.
#include <gtest/gtest.h>

#include "test_support.h"

namespace edgestay::test {
namespace {

// Today at hotel 1 is 2026-06-01. Room type 10 has 5 of 8 rooms free at 10000 and room
// type 11 2 of 2 at 20000, every night from 2026-06-01 to 2026-08-31 (none after).
class AvailabilityTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    Load({Inventory(10, "2026-06-01", 92, 8, 5, 10000), Inventory(11, "2026-06-01", 92, 2, 2, 20000)});
  }
  // Partially updates one inventory night of room type 10.
  void SetNight(std::string_view date, const json& fields, int64_t rt = 10) {
    json row{{"room_type_id", rt}, {"date", date}};
    for (auto it = fields.begin(); it != fields.end(); ++it) row[it.key()] = it.value();
    Load({Upsert("room_inventory", row)});
  }
  void SpecialDay(std::string_view date, std::string_view kind, const json& fields = json::object()) {
    json row{{"hotel_id", 1}, {"date", date}, {"kind", kind}};
    for (auto it = fields.begin(); it != fields.end(); ++it) row[it.key()] = it.value();
    Load({Upsert("special_days", row)});
  }
  json Calendar(std::string_view from, int days, int64_t hotel_id = 1) {
    return MustCall(engine(), "getCalendar", {{"hotelId", hotel_id}, {"from", from}, {"days", days}});
  }
};

TEST_F(AvailabilityTest, AFreeStayIsAvailableWithNightlyBreakdownAndTotal) {
  json a = Answer(10, "2026-06-10", "2026-06-12", 2);
  EXPECT_EQ(a["roomTypeId"], 10);
  EXPECT_EQ(a["hotelId"], 1);
  EXPECT_EQ(a["checkIn"], "2026-06-10");
  EXPECT_EQ(a["checkOut"], "2026-06-12");
  EXPECT_EQ(a["nights"], 2);
  EXPECT_EQ(a["rooms"], 2);
  EXPECT_EQ(a["available"], true);
  EXPECT_EQ(a["reason"], nullptr);
  EXPECT_EQ(a["nightly"], json::parse(R"([{"date":"2026-06-10","available":5,"priceCents":10000},
                                          {"date":"2026-06-11","available":5,"priceCents":10000}])"));
  EXPECT_EQ(a["totalCents"], 40000);
  EXPECT_EQ(a["currency"], "EUR");
  EXPECT_EQ(a["asOf"], (json{{"cursor", nullptr}, {"syncedAt", kNow}}));
  EXPECT_EQ(Reason(10, "2026-06-01", "2026-06-02"), "") << "check-in today with min_lead_days 0";
}

TEST_F(AvailabilityTest, LeadTime) {
  EXPECT_EQ(Reason(10, "2026-05-31", "2026-06-02"), "lead_time") << "a check-in before today";
  Load({Rule(1, "min_lead_days", 2)});
  EXPECT_EQ(Reason(10, "2026-06-02", "2026-06-04"), "lead_time");
  EXPECT_EQ(Reason(10, "2026-06-03", "2026-06-04"), "");
}

TEST_F(AvailabilityTest, AdvanceWindow) {
  Load({Rule(1, "max_advance_days", 30)});
  EXPECT_EQ(Reason(10, "2026-07-02", "2026-07-03"), "advance_window");
  EXPECT_EQ(Reason(10, "2026-07-01", "2026-07-03"), "");
}

TEST_F(AvailabilityTest, MaxRooms) {
  Load({Rule(1, "max_rooms_per_booking", 2)});
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-11", 3), "max_rooms");
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-11", 2), "");
}

TEST_F(AvailabilityTest, NoInventory) {
  json a = Answer(10, "2026-08-30", "2026-09-02");
  EXPECT_EQ(a["reason"], "no_inventory");
  EXPECT_EQ(a["nightly"][1], (json{{"date", "2026-08-31"}, {"available", 5}, {"priceCents", 10000}}));
  EXPECT_EQ(a["nightly"][2], (json{{"date", "2026-09-01"}, {"available", nullptr}, {"priceCents", nullptr}}));
  EXPECT_EQ(a["totalCents"], nullptr);
  // The check-out date needs no row: it is not a night of the stay.
  EXPECT_EQ(Reason(10, "2026-08-30", "2026-09-01"), "");
}

TEST_F(AvailabilityTest, StopSell) {
  SetNight("2026-06-11", {{"stop_sell", 1}});
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-12"), "stop_sell");
  EXPECT_EQ(Reason(10, "2026-06-12", "2026-06-13"), "");
  EXPECT_EQ(Reason(11, "2026-06-10", "2026-06-12"), "") << "another room type";
}

TEST_F(AvailabilityTest, StopSellOnABlackoutSpecialDay) {
  SpecialDay("2026-06-20", "blackout");
  EXPECT_EQ(Reason(10, "2026-06-19", "2026-06-21"), "stop_sell");
  EXPECT_EQ(Reason(11, "2026-06-20", "2026-06-21"), "stop_sell") << "every room type of the hotel";
  EXPECT_EQ(Reason(10, "2026-06-18", "2026-06-20"), "") << "check-out on the blackout day";
  SpecialDay("2026-06-20", "holiday");
  EXPECT_EQ(Reason(10, "2026-06-19", "2026-06-21"), "");
}

TEST_F(AvailabilityTest, ClosedToArrival) {
  SetNight("2026-06-15", {{"closed_to_arrival", true}});
  EXPECT_EQ(Reason(10, "2026-06-15", "2026-06-17"), "closed_to_arrival");
  EXPECT_EQ(Reason(10, "2026-06-14", "2026-06-16"), "") << "staying through is fine";
}

TEST_F(AvailabilityTest, ClosedToDepartureOnTheCheckOutDateRow) {
  SetNight("2026-06-17", {{"closed_to_departure", 1}});
  EXPECT_EQ(Reason(10, "2026-06-15", "2026-06-17"), "closed_to_departure");
  EXPECT_EQ(Reason(10, "2026-06-16", "2026-06-18"), "") << "only the check-out date counts";
  EXPECT_EQ(Reason(10, "2026-06-17", "2026-06-18"), "") << "arriving on it is fine";
}

TEST_F(AvailabilityTest, MinStayOfTheCheckInNight) {
  SetNight("2026-06-10", {{"min_stay", 3}});
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-12"), "min_stay");
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-13"), "");
  EXPECT_EQ(Reason(10, "2026-06-09", "2026-06-11"), "") << "a later night's min_stay does not apply";
}

TEST_F(AvailabilityTest, MinStayOfASpecialDayOverridesTheNight) {
  SpecialDay("2026-06-22", "event", {{"min_stay", 4}});
  EXPECT_EQ(Reason(10, "2026-06-22", "2026-06-25"), "min_stay");
  EXPECT_EQ(Reason(10, "2026-06-22", "2026-06-26"), "");
  // The override also lowers a night's own min_stay.
  SetNight("2026-06-10", {{"min_stay", 3}});
  SpecialDay("2026-06-10", "holiday", {{"min_stay", 1}});
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-11"), "");
  // A special day without min_stay leaves the night's.
  SpecialDay("2026-06-10", "holiday", {{"min_stay", nullptr}});
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-11"), "min_stay");
}

TEST_F(AvailabilityTest, MaxStay) {
  SetNight("2026-06-10", {{"max_stay", 2}});
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-13"), "max_stay");
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-12"), "");
  SetNight("2026-06-10", {{"max_stay", 0}});  // 0 = no limit
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-30"), "");
}

TEST_F(AvailabilityTest, SoldOut) {
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-12", 6), "sold_out");
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-12", 5), "");
  SetNight("2026-06-11", {{"available", 0}});
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-13"), "sold_out");
}

TEST_F(AvailabilityTest, TheFirstFailingCheckIsTheReason) {
  SetNight("2026-08-30", {{"available", 0}});
  EXPECT_EQ(Reason(10, "2026-08-30", "2026-09-02"), "no_inventory") << "no_inventory beats sold_out";
  SetNight("2026-06-15", {{"closed_to_arrival", 1}, {"stop_sell", 1}});
  EXPECT_EQ(Reason(10, "2026-06-15", "2026-06-16"), "stop_sell") << "stop_sell beats closed_to_arrival";
  SetNight("2026-06-15", {{"stop_sell", 0}, {"min_stay", 5}});
  SetNight("2026-06-16", {{"closed_to_departure", 1}});
  EXPECT_EQ(Reason(10, "2026-06-15", "2026-06-16"), "closed_to_arrival") << "closed_to_arrival beats the rest";
  SetNight("2026-06-15", {{"closed_to_arrival", 0}});
  EXPECT_EQ(Reason(10, "2026-06-15", "2026-06-16"), "closed_to_departure") << "closed_to_departure beats min_stay";
  SetNight("2026-06-16", {{"closed_to_departure", 0}, {"available", 0}});
  SetNight("2026-06-15", {{"min_stay", 2}, {"max_stay", 1}, {"available", 0}});
  EXPECT_EQ(Reason(10, "2026-06-15", "2026-06-17"), "max_stay") << "max_stay beats sold_out";
  EXPECT_EQ(Reason(10, "2026-06-15", "2026-06-16"), "min_stay") << "min_stay beats sold_out";
  Load({Rule(1, "max_rooms_per_booking", 1), Rule(1, "max_advance_days", 10)});
  EXPECT_EQ(Reason(10, "2026-06-15", "2026-06-16", 2), "advance_window") << "advance_window beats max_rooms";
  EXPECT_EQ(Reason(10, "2026-06-05", "2026-06-06", 6), "max_rooms") << "max_rooms beats sold_out";
  EXPECT_EQ(Reason(10, "2026-05-20", "2026-05-21", 2), "lead_time") << "lead_time beats no_inventory";
}

TEST_F(AvailabilityTest, UnexpiredLocalHoldsReduceAvailabilityUntilTheyExpire) {
  Load({Booking(1, 1, 7, 10, "HELD", "2026-06-10", "2026-06-12",
                {{"origin", "local"}, {"rooms", 2}, {"hold_expires_at", kNow + 600000}})});
  EXPECT_EQ(NightlyAvailable(10, "2026-06-09", "2026-06-13"), json::array({5, 3, 3, 5}));
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-12", 4), "sold_out");
  EXPECT_EQ(Calendar("2026-06-10", 3)["roomTypes"][0]["available"], json::array({3, 3, 5}));
  EXPECT_EQ(NightlyAvailable(11, "2026-06-10", "2026-06-11"), json::array({2})) << "other room types";

  engine().SetNow(kNow + 600000);  // the hold expires when now reaches hold_expires_at
  EXPECT_EQ(NightlyAvailable(10, "2026-06-09", "2026-06-13"), json::array({5, 5, 5, 5}));
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-12", 4), "");
}

TEST_F(AvailabilityTest, PendingSyncLocalBookingsReduceAvailability) {
  Load({Booking(1, 1, 7, 10, "PENDING_SYNC", "2026-06-10", "2026-06-11", {{"origin", "local"}}),
        Booking(2, 1, 8, 10, "PENDING_SYNC", "2026-06-10", "2026-06-12", {{"origin", "local"}, {"rooms", 3}})});
  EXPECT_EQ(NightlyAvailable(10, "2026-06-10", "2026-06-13"), json::array({1, 2, 5}));
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-11", 2), "sold_out");
  engine().SetNow(kNow + 86400000LL * 30);  // no expiry for PENDING_SYNC
  EXPECT_EQ(NightlyAvailable(10, "2026-06-10", "2026-06-13"), json::array({1, 2, 5}));
}

// Local HELD (unexpired), PENDING_SYNC and CONFIRMED bookings hold rooms until the
// centre's own row for them arrives (their origin then becomes central).
TEST_F(AvailabilityTest, OnlyPendingLocalBookingsReduceAvailability) {
  Load({
      Booking(1, 1, 7, 10, "HELD", "2026-06-10", "2026-06-11", {{"hold_expires_at", kNow + 600000}}),  // central
      Booking(2, 1, 7, 10, "PENDING_SYNC", "2026-06-10", "2026-06-11"),                               // central
      Booking(3, 1, 7, 10, "CONFIRMED", "2026-06-10", "2026-06-11", {{"origin", "local"}}),  // not mirrored yet
      Booking(4, 1, 7, 10, "CANCELLED", "2026-06-10", "2026-06-11", {{"origin", "local"}}),
      Booking(5, 1, 7, 10, "HELD", "2026-06-10", "2026-06-11", {{"origin", "local"}, {"hold_expires_at", kNow}}),
      Booking(6, 1, 7, 10, "HELD", "2026-06-10", "2026-06-11", {{"origin", "local"}}),  // no expiry: not held
  });
  EXPECT_EQ(NightlyAvailable(10, "2026-06-10", "2026-06-11"), json::array({4}));
}

TEST_F(AvailabilityTest, PricesApplySpecialDayMultipliersRoundedHalfUpTimesRooms) {
  SetNight("2026-06-10", {{"price_cents", 10001}});
  SetNight("2026-06-11", {{"price_cents", 999}});
  SpecialDay("2026-06-10", "holiday", {{"price_multiplier_pct", 150}});  // 15001.5 -> 15002
  SpecialDay("2026-06-11", "event", {{"price_multiplier_pct", 33}});     // 329.67 -> 330
  json a = Answer(10, "2026-06-10", "2026-06-13", 2);
  EXPECT_EQ(a["nightly"][0]["priceCents"], 15002);
  EXPECT_EQ(a["nightly"][1]["priceCents"], 330);
  EXPECT_EQ(a["nightly"][2]["priceCents"], 10000);
  EXPECT_EQ(a["totalCents"], (15002 + 330 + 10000) * 2);
  EXPECT_EQ(Calendar("2026-06-10", 3)["roomTypes"][0]["priceCents"], json::array({15002, 330, 10000}));
  EXPECT_EQ(Answer(11, "2026-06-10", "2026-06-11")["totalCents"], 30000) << "every room type of the hotel";

  SetNight("2026-06-12", {{"price_cents", 1}});
  SpecialDay("2026-06-12", "holiday", {{"price_multiplier_pct", 50}});  // 0.5 -> 1
  EXPECT_EQ(Answer(10, "2026-06-12", "2026-06-13")["totalCents"], 1);
  SpecialDay("2026-06-12", "holiday", {{"price_multiplier_pct", 49}});  // 0.49 -> 0
  EXPECT_EQ(Answer(10, "2026-06-12", "2026-06-13")["totalCents"], 0);
}

TEST_F(AvailabilityTest, TodayFollowsTheHotelsUtcOffset) {
  // At 2026-06-01 12:00 UTC it is 06-02 02:00 at +14:00 and 06-01 02:00 at -10:00.
  Load({Hotel(5, "Kiritimati", 840), Hotel(6, "Honolulu", -600), RoomType(50, 5, "Hut"), RoomType(60, 6, "Lanai"),
        Inventory(50, "2026-05-30", 10, 4, 4, 100), Inventory(60, "2026-05-30", 10, 4, 4, 100)});
  EXPECT_EQ(Reason(50, "2026-06-01", "2026-06-03"), "lead_time");
  EXPECT_EQ(Reason(50, "2026-06-02", "2026-06-03"), "");
  EXPECT_EQ(Reason(60, "2026-06-01", "2026-06-03"), "");
  EXPECT_EQ(Reason(60, "2026-05-31", "2026-06-03"), "lead_time");

  engine().SetNow(MsAt("2026-06-01", 9, 59));  // 05-31 23:59 in Honolulu, 06-01 23:59 at +14:00
  EXPECT_EQ(Reason(60, "2026-05-31", "2026-06-01"), "");
  EXPECT_EQ(Reason(50, "2026-06-01", "2026-06-02"), "");
  EXPECT_EQ(Reason(10, "2026-05-31", "2026-06-01"), "lead_time") << "UTC: already 06-01";
  engine().SetNow(MsAt("2026-06-01", 10, 0));  // midnight in Honolulu, 06-02 00:00 at +14:00
  EXPECT_EQ(Reason(60, "2026-05-31", "2026-06-01"), "lead_time");
  EXPECT_EQ(Reason(50, "2026-06-01", "2026-06-02"), "lead_time");
}

TEST_F(AvailabilityTest, ArgumentErrors) {
  EXPECT_EQ(Check(10, "2026-06-10", "2026-06-10").code(), "INVALID_RANGE");
  EXPECT_EQ(Check(10, "2026-06-10", "2026-06-09").code(), "INVALID_RANGE");
  EXPECT_EQ(Check(10, "2026-06-31", "2026-07-02").code(), "INVALID_DATE");
  EXPECT_EQ(Check(10, "2026-06-10", "2026-7-02").code(), "INVALID_DATE");
  EXPECT_EQ(Call(engine(), "checkRoomAvailability", {{"roomTypeId", 10}, {"checkOut", "2026-06-12"}}).code(),
            "INVALID_DATE");
  EXPECT_EQ(Check(999, "2026-06-10", "2026-06-12").code(), "UNKNOWN_ROOM_TYPE");
  EXPECT_EQ(Check(10, "2026-06-10", "2026-06-12", 0).code(), "INVALID_ARGUMENT");
  for (const json& rooms : {json(1.5), json("2"), json(-1)}) {
    EXPECT_EQ(Call(engine(), "checkRoomAvailability",
                   {{"roomTypeId", 10}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-12"}, {"rooms", rooms}})
                  .code(),
              "INVALID_ARGUMENT")
        << rooms;
  }
  EXPECT_EQ(Call(engine(), "getAllRoomAvailability", {{"hotelId", 9}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-11"}})
                .code(),
            "UNKNOWN_HOTEL");
}

TEST_F(AvailabilityTest, StaysOverMaxNightsAreStayTooLong) {
  EXPECT_EQ(Reason(10, "2026-06-10", Plus("2026-06-10", 30)), "");
  Result r = Check(10, "2026-06-10", Plus("2026-06-10", 31));
  EXPECT_EQ(r.code(), "STAY_TOO_LONG");
  EXPECT_EQ(r.details(), (json{{"nights", 31}, {"maxNights", 30}}));
  Load({Rule(1, "max_nights", 5)});
  EXPECT_EQ(Check(10, "2026-06-10", "2026-06-16").code(), "STAY_TOO_LONG");
  EXPECT_EQ(Call(engine(), "getAllRoomAvailability", {{"hotelId", 1}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-16"}})
                .code(),
            "STAY_TOO_LONG");
  EXPECT_EQ(Reason(10, "2026-06-10", "2026-06-15"), "");
}

TEST_F(AvailabilityTest, BatchAnswersEachQueryInOrder) {
  const json queries = json::parse(R"([
    {"roomTypeId": 11, "checkIn": "2026-06-10", "checkOut": "2026-06-12"},
    {"roomTypeId": 10, "checkIn": "2026-06-10", "checkOut": "2026-06-12", "rooms": 6},
    {"roomTypeId": 10, "checkIn": "2026-08-31", "checkOut": "2026-09-02"}])");
  json answers = MustCall(engine(), "batchCheckAvailability", {{"queries", queries}});
  ASSERT_EQ(answers.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(answers[i], MustCall(engine(), "checkRoomAvailability", queries[i])) << i;
  }
  EXPECT_EQ(answers[1]["reason"], "sold_out");
  EXPECT_EQ(MustCall(engine(), "batchCheckAvailability", {{"queries", json::array()}}), json::array());
}

TEST_F(AvailabilityTest, ABadQueryRejectsTheBatchNamingItsIndex) {
  const json good{{"roomTypeId", 10}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-12"}};
  struct Case {
    json bad;
    const char* code;
  };
  const std::vector<Case> cases = {
      {{{"roomTypeId", 10}, {"checkIn", "2026-02-30"}, {"checkOut", "2026-06-12"}}, "INVALID_DATE"},
      {{{"roomTypeId", 10}, {"checkIn", "2026-06-12"}, {"checkOut", "2026-06-12"}}, "INVALID_RANGE"},
      {{{"roomTypeId", 999}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-12"}}, "UNKNOWN_ROOM_TYPE"},
      {{{"roomTypeId", 10}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-07-12"}}, "STAY_TOO_LONG"},
      {{{"roomTypeId", 10}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-12"}, {"rooms", 0}}, "INVALID_ARGUMENT"},
      {json("not a query"), "INVALID_ARGUMENT"},
  };
  for (const Case& c : cases) {
    Result r = Call(engine(), "batchCheckAvailability", {{"queries", json::array({good, good, c.bad, good})}});
    EXPECT_EQ(r.code(), c.code) << c.bad;
    EXPECT_EQ(r.details(), (json{{"index", 2}})) << c.bad;
    EXPECT_EQ(r.status.message().rfind("queries[2]: ", 0), 0u) << r.status.message();
  }
  EXPECT_EQ(Call(engine(), "batchCheckAvailability", {{"queries", good}}).code(), "INVALID_ARGUMENT");
  EXPECT_EQ(Call(engine(), "batchCheckAvailability", {{"queries", json(std::vector<json>(1001, good))}}).code(),
            "INVALID_ARGUMENT");
  EXPECT_TRUE(Call(engine(), "batchCheckAvailability", {{"queries", json(std::vector<json>(1000, good))}}).ok());
}

TEST_F(AvailabilityTest, AllRoomAvailabilityAnswersEveryRoomTypeInIdOrder) {
  json all = MustCall(engine(), "getAllRoomAvailability",
                      {{"hotelId", 1}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-12"}, {"rooms", 3}});
  EXPECT_EQ(all["hotelId"], 1);
  EXPECT_EQ(all["nights"], 2);
  EXPECT_EQ(all["rooms"], 3);
  ASSERT_EQ(all["results"].size(), 2u);
  for (int i = 0; i < 2; ++i) {
    json one = Answer(i == 0 ? 10 : 11, "2026-06-10", "2026-06-12", 3);
    one.erase("asOf");
    EXPECT_EQ(all["results"][i], one) << i;
  }
  EXPECT_EQ(all["results"][1]["reason"], "sold_out");
  EXPECT_EQ(all["asOf"], (json{{"cursor", nullptr}, {"syncedAt", kNow}}));
}

TEST_F(AvailabilityTest, CalendarColumnsPerRoomType) {
  SetNight("2026-08-30", {{"min_stay", 2}, {"max_stay", 7}, {"closed_to_arrival", 1}});
  SetNight("2026-08-31", {{"closed_to_departure", 1}, {"stop_sell", 1}});
  SpecialDay("2026-08-29", "blackout", {{"price_multiplier_pct", 200}, {"min_stay", 3}});
  Load({Booking(1, 1, 7, 10, "PENDING_SYNC", "2026-08-30", "2026-09-03", {{"origin", "local"}})});
  json cal = Calendar("2026-08-29", 4);
  EXPECT_EQ(cal["hotelId"], 1);
  EXPECT_EQ(cal["from"], "2026-08-29");
  EXPECT_EQ(cal["days"], 4);
  EXPECT_EQ(cal["dates"], json::array({"2026-08-29", "2026-08-30", "2026-08-31", "2026-09-01"}));
  ASSERT_EQ(cal["roomTypes"].size(), 2u);
  json rt = cal["roomTypes"][0];
  EXPECT_EQ(rt["id"], 10);
  EXPECT_EQ(rt["name"], "Double");
  EXPECT_EQ(rt["available"], json::parse("[5, 4, 4, null]"));
  EXPECT_EQ(rt["priceCents"], json::parse("[20000, 10000, 10000, null]"));
  EXPECT_EQ(rt["minStay"], json::parse("[3, 2, 1, null]"));
  EXPECT_EQ(rt["maxStay"], json::parse("[0, 7, 0, null]"));
  EXPECT_EQ(rt["closedToArrival"], json::parse("[0, 1, 0, null]"));
  EXPECT_EQ(rt["closedToDeparture"], json::parse("[0, 0, 1, null]"));
  EXPECT_EQ(rt["stopSell"], json::parse("[1, 0, 1, null]"));
  EXPECT_EQ(cal["roomTypes"][1]["id"], 11);
  EXPECT_EQ(cal["roomTypes"][1]["stopSell"], json::parse("[1, 0, 0, null]"));
  EXPECT_EQ(cal["asOf"], (json{{"cursor", nullptr}, {"syncedAt", kNow}}));

  EXPECT_EQ(Calendar("2026-06-01", 366)["dates"].size(), 366u);
  for (int days : {0, 367}) {
    EXPECT_EQ(Call(engine(), "getCalendar", {{"hotelId", 1}, {"from", "2026-06-01"}, {"days", days}}).code(),
              "INVALID_RANGE");
  }
  EXPECT_EQ(Call(engine(), "getCalendar", {{"hotelId", 9}, {"from", "2026-06-01"}, {"days", 3}}).code(),
            "UNKNOWN_HOTEL");
  EXPECT_EQ(Call(engine(), "getCalendar", {{"hotelId", 1}, {"from", "06/01/2026"}, {"days", 3}}).code(),
            "INVALID_DATE");
}

}  // namespace
}  // namespace edgestay::test
