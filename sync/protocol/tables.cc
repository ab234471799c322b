// Column-by-column description of the nine replicated tables (sync/FORMAT.md §1).
#include "edgestay/protocol/tables.h"

namespace edgestay::protocol {
namespace {

constexpr int64_t kBig = kMaxId;

ColumnSpec Id(const char* name, const char* ref = nullptr) {
  return {name, ColType::kId, false, false, 1, kBig, {}, ref};
}
ColumnSpec OptId(const char* name) { return {name, ColType::kId, true, true, 1, kBig, {}, nullptr}; }
ColumnSpec Count(const char* name, bool has_default = false, int64_t min = 0, int64_t max = kBig) {
  return {name, ColType::kInt, false, has_default, min, max, {}, nullptr};
}
ColumnSpec Text(const char* name, bool has_default = false, int64_t max_len = 200) {
  return {name, ColType::kText, false, has_default, 1, max_len, {}, nullptr};
}
ColumnSpec OptText(const char* name) { return {name, ColType::kText, true, true, 0, 1000, {}, nullptr}; }
ColumnSpec Date(const char* name) { return {name, ColType::kDate, false, false, 0, 0, {}, nullptr}; }
ColumnSpec Bool(const char* name) { return {name, ColType::kBool, false, true, 0, 1, {}, nullptr}; }
ColumnSpec Millis(const char* name, bool has_default = false) {
  return {name, ColType::kMillis, false, has_default, 0, kBig, {}, nullptr};
}
ColumnSpec OptMillis(const char* name) { return {name, ColType::kMillis, true, true, 0, kBig, {}, nullptr}; }
ColumnSpec Enum(const char* name, std::vector<const char*> values, bool has_default = false) {
  return {name, ColType::kEnum, false, has_default, 0, 0, std::move(values), nullptr};
}

std::vector<TableSpec> MakeTables() {
  const std::vector<const char*> kBookingStatuses = {"HELD",     "PENDING_SYNC", "CONFIRMED",
                                                     "REJECTED", "CANCELLED",    "EXPIRED"};
  std::vector<TableSpec> t;
  t.push_back({"hotels",
               {Id("id"), Text("name"), Text("time_zone", true, 64), Text("currency", true, 3),
                {"utc_offset_minutes", ColType::kInt, false, true, -840, 840, {}, nullptr}},
               {0}});
  t.push_back({"room_types",
               {Id("id"), Id("hotel_id", "hotels"), Text("name"), Count("capacity_adults", true, 1, 100),
                Count("capacity_children", true, 0, 100), Count("base_price_cents"),
                Count("total_rooms", false, 0, 100000)},
               {0}});
  t.push_back({"room_inventory",
               {Id("room_type_id", "room_types"), Date("date"), Count("total", false, 0, 100000),
                Count("available", false, 0, 100000), Count("price_cents"), Count("min_stay", true, 1, 365),
                Count("max_stay", true, 0, 365), Bool("closed_to_arrival"), Bool("closed_to_departure"),
                Bool("stop_sell")},
               {0, 1}});
  t.push_back({"booking_rules",
               {Id("hotel_id", "hotels"),
                Enum("key", {"max_advance_days", "min_lead_days", "max_rooms_per_booking", "hold_ttl_seconds",
                             "max_nights"}),
                Count("value", false, 0, 100000000)},
               {0, 1}});
  t.push_back({"special_days",
               {Id("hotel_id", "hotels"), Date("date"), Enum("kind", {"holiday", "event", "blackout"}),
                Count("price_multiplier_pct", true, 1, 1000),
                {"min_stay", ColType::kInt, true, true, 1, 365, {}, nullptr}, OptText("note")},
               {0, 1}});
  t.push_back({"bookings",
               {Id("id"), Id("hotel_id", "hotels"), Id("user_id"), Id("room_type_id", "room_types"),
                Enum("status", kBookingStatuses), Date("start_date"), Date("end_date"), Count("rooms", false, 1, 1000),
                Count("guests", false, 1, 10000), Count("total_cents"), Millis("created_at"),
                Millis("updated_at", true), OptMillis("hold_expires_at"),
                {"idempotency_key", ColType::kText, true, true, 1, 128, {}, nullptr},
                Enum("origin", {"central", "local"}, true), OptId("server_id")},
               {0}});
  t.push_back({"waitlist",
               {Id("id"), Id("hotel_id", "hotels"), Id("user_id"), Id("room_type_id", "room_types"),
                Date("start_date"), Date("end_date"), Count("rooms", false, 1, 1000),
                Enum("status", {"WAITING", "OFFERED", "BOOKED", "CANCELLED"}, true), Millis("created_at")},
               {0}});
  t.push_back({"payments",
               {Id("id"), Id("booking_id", "bookings"), Enum("status", {"PENDING", "CAPTURED", "REFUNDED", "FAILED"}),
                Count("amount_cents"), Millis("created_at")},
               {0}});
  t.push_back({"notifications",
               {Id("id"), Id("booking_id", "bookings"), Id("user_id"), Enum("channel", {"email", "sms", "push"}),
                Enum("status", {"QUEUED", "SENT", "FAILED", "CANCELLED"}, true), Millis("scheduled_at"),
                Enum("kind", {"update", "confirmation", "hold", "reminder", "cancellation", "expiry", "rejection",
                              "waitlist_offer"}, true)},
               {0}});
  return t;
}

}  // namespace

int TableSpec::ColumnIndex(std::string_view column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (column == columns[i].name) return static_cast<int>(i);
  }
  return -1;
}

const std::vector<TableSpec>& Tables() {
  static const std::vector<TableSpec>* tables = new std::vector<TableSpec>(MakeTables());
  return *tables;
}

const TableSpec* FindTable(std::string_view name) {
  for (const TableSpec& t : Tables()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

const std::vector<RuleDefault>& BookingRuleDefaults() {
  static const std::vector<RuleDefault>* defaults = new std::vector<RuleDefault>{
      {"max_advance_days", 365}, {"min_lead_days", 0}, {"max_rooms_per_booking", 10},
      {"hold_ttl_seconds", 900}, {"max_nights", 30}};
  return *defaults;
}

}  // namespace edgestay::protocol
