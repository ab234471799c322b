// Engine::ApplyChanges: upserts and partial updates, foreign keys and references,
// all-or-nothing batches, the sync cursor, change events, and central bookings that
// confirm local ones (sync/FORMAT.md §1).
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "test_support.h"

namespace edgestay::test {
namespace {

class ApplyChangesTest : public EngineTest {
 protected:
  // Column `key` of room type `rt` in the calendar for the `days` nights from `from`.
  json CalendarColumn(int64_t rt, std::string_view from, int days, const char* key) {
    json cal = MustCall(engine(), "getCalendar", {{"hotelId", 1}, {"from", from}, {"days", days}});
    for (const json& t : cal["roomTypes"]) {
      if (t["id"] == rt) return t[key];
    }
    ADD_FAILURE() << "room type " << rt << " not in the calendar";
    return nullptr;
  }
  json UserBookings(int64_t user_id) { return MustCall(engine(), "getUserBookingsWithRoomType", {{"userId", user_id}}); }
  json AsOf() { return Answer(10, "2026-07-01", "2026-07-02")["asOf"]; }
};

TEST_F(ApplyChangesTest, UpsertInsertsThenAPartialUpdateKeepsUnnamedColumns) {
  Load({Upsert("room_inventory", {{"room_type_id", 10}, {"date", "2026-07-01"}, {"total", 8}, {"available", 5},
                                  {"price_cents", 12900}, {"min_stay", 2}, {"max_stay", 9}, {"closed_to_departure", 1}})});
  Load({Upsert("room_inventory", {{"room_type_id", 10}, {"date", "2026-07-01"}, {"available", 3}})});
  EXPECT_EQ(CalendarColumn(10, "2026-07-01", 1, "available"), json::array({3}));
  EXPECT_EQ(CalendarColumn(10, "2026-07-01", 1, "priceCents"), json::array({12900}));
  EXPECT_EQ(CalendarColumn(10, "2026-07-01", 1, "minStay"), json::array({2}));
  EXPECT_EQ(CalendarColumn(10, "2026-07-01", 1, "maxStay"), json::array({9}));
  EXPECT_EQ(CalendarColumn(10, "2026-07-01", 1, "closedToDeparture"), json::array({1}));

  // A row naming every required column updates too, and still keeps the optional ones.
  Load({Inventory(10, "2026-07-01", 1, 8, 4, 13900)});
  EXPECT_EQ(CalendarColumn(10, "2026-07-01", 1, "available"), json::array({4}));
  EXPECT_EQ(CalendarColumn(10, "2026-07-01", 1, "priceCents"), json::array({13900}));
  EXPECT_EQ(CalendarColumn(10, "2026-07-01", 1, "minStay"), json::array({2}));

  // Hotels and room types alike: a rename keeps the rest.
  Load({Upsert("room_types", {{"id", 11}, {"name", "Junior Suite"}})});
  json types = MustCall(engine(), "getRoomTypes", {{"hotelId", 1}});
  EXPECT_EQ(types[1]["name"], "Junior Suite");
  EXPECT_EQ(types[1]["basePriceCents"], 30000);
  EXPECT_EQ(types[1]["totalRooms"], 2);
  EXPECT_EQ(types[1]["capacityAdults"], 2);  // the column default on insert
}

TEST_F(ApplyChangesTest, UpdatedAtDefaultsToCreatedAtOnInsertOnly) {
  const int64_t created = kNow - 3600000;
  Load({Booking(1, 1, 7, 10, "HELD", "2026-07-01", "2026-07-03",
                {{"created_at", created}, {"hold_expires_at", kNow + kMsPerDay}})});
  EXPECT_EQ(UserBookings(7)[0]["updatedAt"], created);
  Load({Upsert("bookings", {{"id", 1}, {"status", "CANCELLED"}, {"updated_at", kNow}})});
  EXPECT_EQ(UserBookings(7)[0]["updatedAt"], kNow);
  // A full row that does not name updated_at leaves the stored one.
  Load({Booking(1, 1, 7, 10, "CONFIRMED", "2026-07-01", "2026-07-03", {{"created_at", created}})});
  EXPECT_EQ(UserBookings(7)[0]["status"], "CONFIRMED");
  EXPECT_EQ(UserBookings(7)[0]["updatedAt"], kNow);
}

TEST_F(ApplyChangesTest, APartialRowForANewKeyIsInvalidRowNamingTheMissingColumn) {
  Result r = ApplyBatch(Batch({Upsert("room_inventory", {{"room_type_id", 10}, {"date", "2026-07-01"}, {"available", 3}})}));
  EXPECT_EQ(r.code(), "INVALID_ROW");
  EXPECT_EQ(r.status.message(), "changes[0].row.total: required for a new row");
  EXPECT_EQ(r.details(), (json{{"change", 0}, {"row", nullptr}, {"field", "total"}}));

  r = ApplyBatch(Batch({Upsert("bookings", {{"id", 77}, {"status", "CONFIRMED"}})}));
  EXPECT_EQ(r.code(), "INVALID_ROW");
  EXPECT_EQ(r.details()["field"], "hotel_id");
  EXPECT_EQ(UserBookings(7), json::array());
}

TEST_F(ApplyChangesTest, InventoryOfAnUnknownRoomTypeIsForeignKey) {
  Result r = ApplyBatch(Batch({Inventory(10, "2026-07-01", 2, 8, 8, 100), Inventory(99, "2026-07-01", 2, 8, 8, 100)}));
  EXPECT_EQ(r.code(), "FOREIGN_KEY");
  EXPECT_EQ(r.details(), (json{{"change", 1}, {"row", 0}, {"field", "room_type_id"}}));
  EXPECT_EQ(ApplyBatch(Batch({RoomType(30, 9, "Orphan")})).details()["field"], "hotel_id");
  EXPECT_EQ(ApplyBatch(Batch({Rule(9, "max_nights", 3)})).code(), "FOREIGN_KEY");
  EXPECT_EQ(ApplyBatch(Batch({Upsert("payments", {{"id", 1}, {"booking_id", 404}, {"status", "CAPTURED"},
                                             {"amount_cents", 100}, {"created_at", kNow}})}))
                .code(),
            "FOREIGN_KEY");
}

TEST_F(ApplyChangesTest, AForeignKeyMayNameARowAddedEarlierInTheSameBatch) {
  Load({Hotel(3, "Dune"), RoomType(30, 3, "Tent"), Inventory(30, "2026-07-01", 1, 5, 5, 4000)});
  EXPECT_EQ(Answer(30, "2026-07-01", "2026-07-02")["available"], true);
}

TEST_F(ApplyChangesTest, ADeleteEarlierInTheBatchIsSeenByLaterForeignKeys) {
  Result r = ApplyBatch(Batch({Delete("room_types", {{"id", 11}}), Inventory(11, "2026-07-01", 1, 2, 2, 100)}));
  EXPECT_EQ(r.code(), "FOREIGN_KEY");
  EXPECT_EQ(r.details()["change"], 1);
}

TEST_F(ApplyChangesTest, ABookingWhoseRoomTypeBelongsToAnotherHotelIsForeignKey) {
  Result r = ApplyBatch(Batch({Booking(1, 1, 7, 20, "CONFIRMED", "2026-07-01", "2026-07-03")}));
  EXPECT_EQ(r.code(), "FOREIGN_KEY");
  EXPECT_EQ(r.details(), (json{{"change", 0}, {"row", nullptr}, {"field", "room_type_id"}}));
  EXPECT_EQ(UserBookings(7), json::array());
}

TEST_F(ApplyChangesTest, APartialBookingUpdateCannotMoveItToAnotherHotelsRoomType) {
  Load({Booking(1, 1, 7, 10, "CONFIRMED", "2026-07-01", "2026-07-03")});
  Result r = ApplyBatch(Batch({Upsert("bookings", {{"id", 1}, {"room_type_id", 20}})}));
  EXPECT_EQ(r.code(), "FOREIGN_KEY");
  EXPECT_EQ(r.details()["field"], "room_type_id");
  r = ApplyBatch(Batch({Upsert("bookings", {{"id", 1}, {"hotel_id", 2}})}));
  EXPECT_EQ(r.code(), "FOREIGN_KEY");
  EXPECT_EQ(r.details()["field"], "hotel_id");
  EXPECT_EQ(UserBookings(7)[0]["roomTypeId"], 10);
  Load({Upsert("bookings", {{"id", 1}, {"room_type_id", 11}})});  // same hotel: fine
  EXPECT_EQ(UserBookings(7)[0]["roomTypeId"], 11);
}

TEST_F(ApplyChangesTest, DeletingAHotelWithRoomTypesIsReferenced) {
  Result r = ApplyBatch(Batch({Delete("hotels", {{"id", 1}})}));
  EXPECT_EQ(r.code(), "REFERENCED");
  EXPECT_EQ(r.details(), (json{{"change", 0}, {"row", nullptr}, {"field", "id"}}));
  EXPECT_NE(r.status.message().find("room_types"), std::string::npos) << r.status.message();
  EXPECT_EQ(MustCall(engine(), "getRoomTypes", {{"hotelId", 1}}).size(), 2u);
}

TEST_F(ApplyChangesTest, DeletingReferencedRoomTypesAndBookingsIsReferenced) {
  Load({Inventory(10, "2026-07-01", 1, 8, 8, 100), Booking(1, 1, 7, 11, "CONFIRMED", "2026-07-01", "2026-07-03"),
        Upsert("payments", {{"id", 3}, {"booking_id", 1}, {"status", "CAPTURED"}, {"amount_cents", 100},
                            {"created_at", kNow}})});
  EXPECT_EQ(ApplyBatch(Batch({Delete("room_types", {{"id", 10}})})).code(), "REFERENCED");  // inventory
  EXPECT_EQ(ApplyBatch(Batch({Delete("room_types", {{"id", 11}})})).code(), "REFERENCED");  // a booking
  EXPECT_EQ(ApplyBatch(Batch({Delete("bookings", {{"id", 1}})})).code(), "REFERENCED");    // a payment
}

TEST_F(ApplyChangesTest, DeletingRowsNothingReferencesSucceeds) {
  Load({Delete("room_types", {{"id", 20}}), Delete("hotels", {{"id", 2}}), Delete("room_types", {{"id", 11}})});
  EXPECT_EQ(Call(engine(), "getRoomTypes", {{"hotelId", 2}}).code(), "UNKNOWN_HOTEL");
  json types = MustCall(engine(), "getRoomTypes", {{"hotelId", 1}});
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0]["id"], 10);
  EXPECT_EQ(Check(11, "2026-07-01", "2026-07-02").code(), "UNKNOWN_ROOM_TYPE");
}

TEST_F(ApplyChangesTest, AFailingRowAtTheEndLeavesDataAndCursorAsBefore) {
  Load({Inventory(10, "2026-07-01", 3, 8, 5, 12900)}, {{"cursor", "1"}, {"syncedAt", 1000}});
  engine().TakeEvents();
  const std::string before = Export(engine());
  const json answer_before = Answer(10, "2026-07-01", "2026-07-04");

  const std::vector<std::pair<const char*, json>> failing_last = {
      {"FOREIGN_KEY", Inventory(99, "2026-07-01", 1, 8, 8, 100)},
      {"INVALID_ROW", Upsert("room_inventory", {{"room_type_id", 10}, {"date", "2026-07-02"}, {"available", 9}})},
      {"INVALID_ROW", Upsert("hotels", {{"id", 1}, {"currency", "EURO"}})},
      {"REFERENCED", Delete("hotels", {{"id", 1}})},
  };
  for (const auto& [code, last] : failing_last) {
    Result r = ApplyBatch(Batch({Hotel(3, "Dune"), RoomType(30, 3, "Tent"), Rule(1, "max_nights", 2),
                            Upsert("room_inventory", {{"room_type_id", 10}, {"date", "2026-07-01"}, {"available", 1}}),
                            Inventory(10, "2026-07-10", 2, 8, 8, 100), last},
                           {{"since", "1"}, {"cursor", "2"}, {"syncedAt", 2000}}));
    EXPECT_EQ(r.code(), code) << r.status.ToJson();
    EXPECT_EQ(r.details()["change"], 5);
    EXPECT_TRUE(Export(engine()) == before) << code << ": the image changed";
    EXPECT_EQ(Answer(10, "2026-07-01", "2026-07-04"), answer_before) << code;
    EXPECT_EQ(Call(engine(), "getRoomTypes", {{"hotelId", 3}}).code(), "UNKNOWN_HOTEL");
    EXPECT_EQ(TakeEvents(engine()), json::array()) << "a rejected batch publishes nothing";
  }
  // The engine is still at cursor 1 and takes the next batch from there.
  Load({Inventory(10, "2026-07-01", 1, 8, 2, 12900)}, {{"since", "1"}, {"cursor", "2"}});
  EXPECT_EQ(AsOf()["cursor"], "2");
  EXPECT_EQ(Answer(10, "2026-07-01", "2026-07-02")["nightly"][0]["available"], 2);
}

TEST_F(ApplyChangesTest, ABatchNotContinuingFromTheEnginesCursorIsCursorMismatch) {
  Load({}, {{"cursor", "5"}});
  Result r = ApplyBatch(Batch({Hotel(3, "Dune")}, {{"since", "4"}, {"cursor", "6"}}));
  EXPECT_EQ(r.code(), "CURSOR_MISMATCH");
  EXPECT_EQ(ApplyBatch(Batch({Hotel(3, "Dune")}, {{"since", nullptr}, {"cursor", "6"}})).code(), "CURSOR_MISMATCH");
  EXPECT_EQ(Call(engine(), "getRoomTypes", {{"hotelId", 3}}).code(), "UNKNOWN_HOTEL");
  EXPECT_EQ(AsOf()["cursor"], "5");

  r = ApplyBatch(Batch({Hotel(3, "Dune")}, {{"since", 5}, {"cursor", 6}}));  // integers compare as strings
  ASSERT_TRUE(r.ok()) << r.status.ToJson();
  EXPECT_EQ(r.body["cursor"], "6");
  // Without `since` a batch is not checked against the cursor.
  EXPECT_TRUE(ApplyBatch(Batch({Hotel(4, "Ridge")}, {{"cursor", "9"}})).ok());
  EXPECT_EQ(AsOf()["cursor"], "9");
}

TEST_F(ApplyChangesTest, ANewEngineContinuesFromTheNullCursor) {
  auto fresh = OpenEngine();
  EXPECT_EQ(Apply(*fresh, Batch({Hotel(1, "H")}, {{"since", "1"}})).code(), "CURSOR_MISMATCH");
  EXPECT_TRUE(Apply(*fresh, Batch({Hotel(1, "H")}, {{"since", nullptr}, {"cursor", "1"}})).ok());
}

TEST_F(ApplyChangesTest, CursorAndSyncedAtAreStoredAndReportedInAsOf) {
  EXPECT_EQ(AsOf(), (json{{"cursor", nullptr}, {"syncedAt", kNow}})) << "syncedAt defaults to the engine's clock";
  Result r = ApplyBatch(Batch({Inventory(10, "2026-07-01", 3, 8, 5, 12900), Hotel(1, "Harbour")},
                         {{"cursor", "57"}, {"syncedAt", 1764120000000LL}}));
  ASSERT_TRUE(r.ok()) << r.status.ToJson();
  EXPECT_EQ(r.body["applied"], 4);
  EXPECT_EQ(r.body["cursor"], "57");
  const json as_of{{"cursor", "57"}, {"syncedAt", 1764120000000LL}};
  EXPECT_EQ(AsOf(), as_of);
  EXPECT_EQ(MustCall(engine(), "getCalendar", {{"hotelId", 1}, {"from", "2026-07-01"}, {"days", 2}})["asOf"], as_of);
  EXPECT_EQ(MustCall(engine(), "getAllRoomAvailability",
                     {{"hotelId", 1}, {"checkIn", "2026-07-01"}, {"checkOut", "2026-07-02"}})["asOf"],
            as_of);
  // Persisted with the data: a snapshot carries it.
  auto reopened = OpenEngine(Export(engine()));
  EXPECT_EQ(Call(*reopened, "checkRoomAvailability",
                 {{"roomTypeId", 10}, {"checkIn", "2026-07-01"}, {"checkOut", "2026-07-02"}})
                .body["asOf"],
            as_of);
  // A batch without cursor keeps it; without syncedAt takes the engine's clock.
  engine().SetNow(kNow + 5000);
  Load({Hotel(1, "Harbour")});
  EXPECT_EQ(AsOf(), (json{{"cursor", "57"}, {"syncedAt", kNow + 5000}}));
}

// The first event of `type` in `events` (null when there is none).
json EventOf(const json& events, std::string_view type, const json& match = json::object()) {
  for (const json& e : events) {
    bool ok = e.is_object() && e["type"] == type;
    for (auto it = match.begin(); ok && it != match.end(); ++it) ok = e.contains(it.key()) && e[it.key()] == it.value();
    if (ok) return e;
  }
  return nullptr;
}

TEST_F(ApplyChangesTest, EventsNameTheTouchedRoomTypesAndDateRanges) {
  Load({Inventory(10, "2026-07-01", 3, 8, 5, 100), Inventory(11, "2026-07-10", 1, 2, 2, 100),
        Upsert("room_inventory", {{"room_type_id", 10}, {"date", "2026-06-20"}, {"total", 8}, {"available", 8},
                                  {"price_cents", 100}}),
        Upsert("special_days", {{"hotel_id", 1}, {"date", "2026-07-04"}, {"kind", "holiday"}}),
        Upsert("special_days", {{"hotel_id", 1}, {"date", "2026-07-02"}, {"kind", "event"}})});
  json events = TakeEvents(engine());
  EXPECT_EQ(EventOf(events, "inventory", {{"roomTypeId", 10}}),
            (json{{"type", "inventory"}, {"roomTypeId", 10}, {"from", "2026-06-20"}, {"to", "2026-07-04"}}));
  EXPECT_EQ(EventOf(events, "inventory", {{"roomTypeId", 11}}),
            (json{{"type", "inventory"}, {"roomTypeId", 11}, {"from", "2026-07-10"}, {"to", "2026-07-11"}}));
  EXPECT_EQ(EventOf(events, "inventory", {{"roomTypeId", 20}}), nullptr);
  EXPECT_EQ(EventOf(events, "specialDay"),
            (json{{"type", "specialDay"}, {"hotelId", 1}, {"from", "2026-07-02"}, {"to", "2026-07-05"}}));
  EXPECT_EQ(TakeEvents(engine()), json::array()) << "TakeEvents clears the queue";

  Load({Upsert("room_types", {{"id", 11}, {"name", "Junior Suite"}}), Rule(2, "max_nights", 14)});
  events = TakeEvents(engine());
  EXPECT_NE(EventOf(events, "roomType", {{"roomTypeId", 11}}), nullptr) << events.dump();
  EXPECT_NE(EventOf(events, "hotel", {{"hotelId", 2}}), nullptr) << events.dump();
  EXPECT_EQ(EventOf(events, "inventory"), nullptr);
}

// Property: whatever order a batch's nights come in (a load's come a room type after
// another; here they jump between room types and hotels and back), each inventory and
// special-day event spans exactly the first to the last night the batch touched of its
// room type or hotel, as a brute force over the rows finds.
TEST_F(ApplyChangesTest, EventRangesSpanTheNightsTouchedInAnyOrder) {
  std::mt19937_64 rng(5);
  const int64_t room_types[] = {10, 11, 20};
  for (int round = 0; round < 30; ++round) {
    std::vector<json> changes;
    std::map<std::pair<std::string, int64_t>, std::pair<int, int>> expected;  // (type, id) -> nights
    auto touch = [&](const std::string& type, int64_t id, int night) {
      auto [it, inserted] = expected.try_emplace({type, id}, night, night);
      it->second.first = std::min(it->second.first, night);
      it->second.second = std::max(it->second.second, night);
    };
    const int rows = 1 + static_cast<int>(rng() % 40);
    for (int r = 0; r < rows; ++r) {
      const int night = static_cast<int>(rng() % 60);
      if (rng() % 4 == 0) {
        const int64_t hotel = 1 + static_cast<int64_t>(rng() % 2);
        // (a note of the round's: every row changes what is stored, so every row raises its event)
        changes.push_back(Upsert("special_days", {{"hotel_id", hotel}, {"date", Plus("2026-07-01", night)},
                                                  {"kind", "event"}, {"note", "round " + std::to_string(round)}}));
        touch("specialDay", hotel, night);
      } else {
        const int64_t rt = room_types[rng() % 3];
        changes.push_back(Inventory(rt, Plus("2026-07-01", night), 1, 8, static_cast<int64_t>(rng() % 9), 100 + round));
        touch("inventory", rt, night);
      }
    }
    Load(changes);
    json events = TakeEvents(engine());
    size_t ranged = 0;
    for (const json& e : events) {
      if (e["type"] != "inventory" && e["type"] != "specialDay") continue;
      ++ranged;
      const int64_t id = e["type"] == "inventory" ? e["roomTypeId"].get<int64_t>() : e["hotelId"].get<int64_t>();
      auto it = expected.find({e["type"].get<std::string>(), id});
      ASSERT_NE(it, expected.end()) << e.dump();
      EXPECT_EQ(e["from"], Plus("2026-07-01", it->second.first)) << "round " << round << ": " << e.dump();
      EXPECT_EQ(e["to"], Plus("2026-07-01", it->second.second + 1)) << "round " << round << ": " << e.dump();
    }
    EXPECT_EQ(ranged, expected.size()) << "round " << round << ": " << events.dump();
  }
}

TEST_F(ApplyChangesTest, BookingEventsNameOldAndNewUsersAndRanges) {
  Load({Booking(1, 1, 7, 10, "CONFIRMED", "2026-07-01", "2026-07-03")});
  json e = EventOf(TakeEvents(engine()), "booking");
  EXPECT_EQ(e["userIds"], json::array({7}));
  EXPECT_EQ(e["ranges"], json::array({{{"roomTypeId", 10}, {"from", "2026-07-01"}, {"to", "2026-07-03"}}}));

  // Moved to another user and other dates: both the old and the new stay are named.
  Load({Upsert("bookings", {{"id", 1}, {"user_id", 8}, {"start_date", "2026-07-05"}, {"end_date", "2026-07-06"}})});
  e = EventOf(TakeEvents(engine()), "booking");
  EXPECT_EQ(e["userIds"], json::array({7, 8}));
  EXPECT_EQ(e["ranges"], json::array({{{"roomTypeId", 10}, {"from", "2026-07-01"}, {"to", "2026-07-06"}}}));
}

TEST_F(ApplyChangesTest, ACentralBookingUpdatesTheLocalRowItConfirms) {
  Load({Booking(5, 1, 7, 10, "PENDING_SYNC", "2026-07-01", "2026-07-03",
                {{"origin", "local"}, {"server_id", 900}, {"idempotency_key", "kiosk-1-0005"}})});
  Load({Booking(900, 1, 7, 10, "CONFIRMED", "2026-07-01", "2026-07-03", {{"total_cents", 25800}, {"updated_at", kNow}})});
  json bookings = UserBookings(7);
  ASSERT_EQ(bookings.size(), 1u) << bookings.dump();
  EXPECT_EQ(bookings[0]["id"], 5);
  EXPECT_EQ(bookings[0]["serverId"], 900);
  // Mirrored by the centre's row: the booking is the centre's now (no longer held locally).
  EXPECT_EQ(bookings[0]["origin"], "central");
  EXPECT_EQ(bookings[0]["status"], "CONFIRMED");
  EXPECT_EQ(bookings[0]["totalCents"], 25800);
  EXPECT_EQ(bookings[0]["idempotencyKey"], "kiosk-1-0005");  // not named by the centre: kept

  // Partial central updates map the same way.
  Load({Upsert("bookings", {{"id", 900}, {"status", "CANCELLED"}})});
  bookings = UserBookings(7);
  ASSERT_EQ(bookings.size(), 1u) << bookings.dump();
  EXPECT_EQ(bookings[0]["id"], 5);
  EXPECT_EQ(bookings[0]["status"], "CANCELLED");
}

TEST_F(ApplyChangesTest, AppliedCountsEveryRow) {
  Result r = ApplyBatch(Batch({Inventory(10, "2026-07-01", 30, 8, 8, 100), Inventory(11, "2026-07-01", 30, 2, 2, 100),
                          Delete("special_days", {{"hotel_id", 1}, {"date", "2026-07-01"}})}));
  ASSERT_TRUE(r.ok()) << r.status.ToJson();
  EXPECT_EQ(r.body["applied"], 61);
  EXPECT_EQ(r.body["cursor"], nullptr);
}

}  // namespace
}  // namespace edgestay::test
