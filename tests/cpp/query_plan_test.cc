// Query plans: after every query method has run once, EXPLAIN QUERY PLAN of every
// prepared read shows that bookings and room_inventory are only ever searched through
// an index, and that inventory reads range over the table's own key (room_inventory is
// WITHOUT ROWID, keyed (room_type_id, date), since schema 5).
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace edgestay::test {
namespace {

class QueryPlanTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    std::vector<json> changes = {
        Inventory(10, "2026-06-01", 60, 8, 5, 12900), Inventory(11, "2026-06-01", 60, 2, 2, 30000),
        Inventory(20, "2026-06-01", 60, 4, 1, 8000), Rule(1, "max_nights", 14),
        Upsert("special_days", {{"hotel_id", 1}, {"date", "2026-06-12"}, {"kind", "event"}, {"price_multiplier_pct", 120}}),
    };
    // 40 bookings over both hotels, users 7..11, central and local.
    for (int i = 1; i <= 40; ++i) {
      const bool odd = i % 2 == 1;
      changes.push_back(Booking(i, odd ? 1 : 2, 7 + i % 5, odd ? 10 + (i / 2) % 2 : 20,
                                i % 3 ? "CONFIRMED" : "PENDING_SYNC", Plus("2026-06-01", i),
                                Plus("2026-06-01", i + 1 + i % 4), {{"origin", i % 3 ? "central" : "local"}}));
    }
    changes.push_back(
        Upsert("payments", {{"id", 1}, {"booking_id", 3}, {"status", "CAPTURED"}, {"amount_cents", 100}, {"created_at", kNow}}));
    Load(changes);
  }
};

// Runs every query method of docs/API.md once.
void RunEveryQuery(Engine& e) {
  const json stay{{"roomTypeId", 10}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-13"}, {"rooms", 2}};
  MustCall(e, "checkRoomAvailability", stay);
  MustCall(e, "getAllRoomAvailability", {{"hotelId", 1}, {"checkIn", "2026-06-10"}, {"checkOut", "2026-06-13"}});
  MustCall(e, "batchCheckAvailability",
           {{"queries", json::array({stay, {{"roomTypeId", 20}, {"checkIn", "2026-06-02"}, {"checkOut", "2026-06-05"}}})}});
  MustCall(e, "getCalendar", {{"hotelId", 1}, {"from", "2026-06-01"}, {"days", 30}});
  MustCall(e, "getRoomTypes", {{"hotelId", 1}});
  MustCall(e, "getUserBookingsWithRoomType", {{"userId", 7}});
  MustCall(e, "getUserBookingsWithRoomType",
           {{"userId", 8}, {"status", json::array({"CONFIRMED", "PENDING_SYNC"})}, {"includePayments", true}});
  MustCall(e, "getBookingStatistics", {{"hotelId", 1}, {"from", "2026-06-01"}, {"to", "2026-07-01"}});
  MustCall(e, "getOccupancyRate", {{"hotelId", 2}, {"from", "2026-06-01"}, {"to", "2026-07-01"}});
}

// A plan line that reads every row of bookings or room_inventory (under any alias).
bool IsFullScan(const std::string& line) {
  std::istringstream words(line);
  std::string verb, table;
  words >> verb >> table;
  return verb == "SCAN" && (table == "bookings" || table == "b" || table == "room_inventory" || table == "ri");
}

struct Statement {
  std::string sql;
  std::vector<std::string> plan;
  std::string PlanText() const {
    std::string text;
    for (const std::string& line : plan) text += line + "\n";
    return text;
  }
};

// explainQueries: every read statement prepared so far with its plan.
std::vector<Statement> Explain(Engine& e) {
  std::vector<Statement> out;
  json statements = MustCall(e, "explainQueries");
  EXPECT_TRUE(statements.is_array());
  for (const json& st : statements) {
    if (!st.is_object() || !st["sql"].is_string() || !st["plan"].is_array()) {
      ADD_FAILURE() << "bad statement " << st;
      continue;
    }
    Statement s{st["sql"].get<std::string>(), {}};
    for (const json& line : st["plan"]) s.plan.push_back(line.is_string() ? line.get<std::string>() : line.dump());
    out.push_back(std::move(s));
  }
  return out;
}

TEST_F(QueryPlanTest, BookingsAndInventoryAreOnlySearchedThroughIndexes) {
  RunEveryQuery(engine());
  // Writes read too: foreign keys, references on delete, central-to-local mapping.
  Load({Hotel(3, "Dune"), RoomType(30, 3, "Tent"), Booking(100, 3, 7, 30, "CONFIRMED", "2026-06-10", "2026-06-11"),
        Delete("bookings", {{"id", 100}}), Delete("room_types", {{"id", 30}}), Delete("hotels", {{"id", 3}})});
  int touching_bookings = 0, touching_inventory = 0;
  for (const Statement& st : Explain(engine())) {
    touching_bookings += st.sql.find("bookings") != std::string::npos;
    touching_inventory += st.sql.find("room_inventory") != std::string::npos;
    for (const std::string& line : st.plan) {
      EXPECT_FALSE(IsFullScan(line)) << st.sql << "\n" << st.PlanText();
      for (const char* forbidden : {"SCAN bookings", "SCAN b ", "SCAN room_inventory", "SCAN ri"}) {
        EXPECT_EQ(line.find(forbidden), std::string::npos) << st.sql << "\n" << st.PlanText();
      }
    }
  }
  EXPECT_GE(touching_bookings, 3) << "user bookings, statistics, pending local bookings";
  EXPECT_GE(touching_inventory, 1) << "the night index loader";
}

TEST_F(QueryPlanTest, QueriesReadInventoryThroughTheTablesKey) {
  RunEveryQuery(engine());
  int touching_inventory = 0;
  for (const Statement& st : Explain(engine())) {
    if (st.sql.find("room_inventory") == std::string::npos) continue;
    ++touching_inventory;
    // The table is its clustered key: a range of it carries every column, where the
    // slim contract index would need a second lookup per night.
    EXPECT_NE(st.PlanText().find("SEARCH room_inventory USING PRIMARY KEY (room_type_id=?"), std::string::npos)
        << st.sql << "\n" << st.PlanText();
  }
  // Availability, calendar and occupancy all read the night index, which loads a room
  // type's rows with one statement.
  EXPECT_GE(touching_inventory, 1);
}

TEST_F(QueryPlanTest, AStatementIsPreparedOnceAndExplainedOnce) {
  RunEveryQuery(engine());
  const size_t first = MustCall(engine(), "explainQueries").size();
  RunEveryQuery(engine());
  engine().SetNow(kNow + kMsPerDay);  // past every cache lifetime of "today"
  RunEveryQuery(engine());
  json statements = MustCall(engine(), "explainQueries");
  EXPECT_EQ(statements.size(), first);
  std::vector<std::string> sqls;
  for (const json& st : statements) sqls.push_back(st["sql"].get<std::string>());
  EXPECT_TRUE(std::is_sorted(sqls.begin(), sqls.end()));
  EXPECT_EQ(std::adjacent_find(sqls.begin(), sqls.end()), sqls.end());
}

}  // namespace
}  // namespace edgestay::test
