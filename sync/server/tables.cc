#include "tables.h"

#include <cstdio>

namespace edgestay::server {
namespace {

TableDef Make(TableId id, const char* name, std::vector<ColumnDef> cols, std::vector<int> key,
              Vis vis, int user_column) {
  TableDef t{id, name, std::move(cols), std::move(key), vis, user_column, "", ""};
  t.columns_json.push_back('[');
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i) {
      t.column_list += ", ";
      t.columns_json += ",";
    }
    t.column_list += t.columns[i].name;
    t.columns_json += std::string("\"") + t.columns[i].name + "\"";
  }
  t.columns_json += "]";
  return t;
}

const std::vector<TableDef>& All() {
  static const std::vector<TableDef> kTables = {
      Make(TableId::kHotels, "hotels",
           {{"id", true}, {"name", false}, {"time_zone", false}, {"currency", false},
            {"utc_offset_minutes", true}},
           {0}, Vis::kPublic, -1),
      Make(TableId::kRoomTypes, "room_types",
           {{"id", true}, {"hotel_id", true}, {"name", false}, {"capacity_adults", true},
            {"capacity_children", true}, {"base_price_cents", true}, {"total_rooms", true}},
           {0}, Vis::kPublic, -1),
      Make(TableId::kRoomInventory, "room_inventory",
           {{"room_type_id", true}, {"date", false}, {"total", true}, {"available", true},
            {"price_cents", true}, {"min_stay", true}, {"max_stay", true},
            {"closed_to_arrival", true}, {"closed_to_departure", true}, {"stop_sell", true}},
           {0, 1}, Vis::kPublic, -1),
      Make(TableId::kBookingRules, "booking_rules",
           {{"hotel_id", true}, {"key", false}, {"value", true}}, {0, 1}, Vis::kPublic, -1),
      Make(TableId::kSpecialDays, "special_days",
           {{"hotel_id", true}, {"date", false}, {"kind", false}, {"price_multiplier_pct", true},
            {"min_stay", true}, {"note", false}},
           {0, 1}, Vis::kPublic, -1),
      Make(TableId::kBookings, "bookings",
           {{"id", true}, {"hotel_id", true}, {"user_id", true}, {"room_type_id", true},
            {"status", false}, {"start_date", false}, {"end_date", false}, {"rooms", true},
            {"guests", true}, {"total_cents", true}, {"created_at", true}, {"updated_at", true},
            {"hold_expires_at", true}, {"idempotency_key", false}, {"origin", false},
            {"server_id", true}},
           {0}, Vis::kGuest, 2),
      Make(TableId::kWaitlist, "waitlist",
           {{"id", true}, {"hotel_id", true}, {"user_id", true}, {"room_type_id", true},
            {"start_date", false}, {"end_date", false}, {"rooms", true}, {"status", false},
            {"created_at", true}},
           {0}, Vis::kGuest, 2),
      Make(TableId::kPayments, "payments",
           {{"id", true}, {"booking_id", true}, {"status", false}, {"amount_cents", true},
            {"created_at", true}},
           {0}, Vis::kPayment, -1),
      Make(TableId::kNotifications, "notifications",
           {{"id", true}, {"booking_id", true}, {"user_id", true}, {"channel", false},
            {"status", false}, {"scheduled_at", true}},
           {0}, Vis::kAdmin, -1),
  };
  return kTables;
}

void AppendCell(std::string* out, const ColumnDef& col, const Cell& cell) {
  if (cell.null) {
    *out += "null";
  } else if (col.is_int) {
    // Values come from our own integer columns; normalise defensively ("" -> 0).
    *out += cell.text.empty() ? std::string("0") : cell.text;
  } else {
    AppendJsonString(out, cell.text);
  }
}

}  // namespace

const TableDef& Table(TableId id) { return All()[static_cast<size_t>(id)]; }

const TableDef* FindTable(std::string_view name) {
  for (const auto& t : All())
    if (name == t.name) return &t;
  return nullptr;
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (ch < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", ch);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(ch));
        }
    }
  }
  out->push_back('"');
}

std::string RowArrayJson(const TableDef& t, const std::vector<Cell>& row) {
  std::string out = "[";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i) out.push_back(',');
    AppendCell(&out, t.columns[i], i < row.size() ? row[i] : Cell{});
  }
  out.push_back(']');
  return out;
}

std::string KeyJson(const TableDef& t, const std::vector<Cell>& row) {
  std::string out = "{";
  bool first = true;
  for (int k : t.key) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(&out, t.columns[k].name);
    out.push_back(':');
    AppendCell(&out, t.columns[k], row[k]);
  }
  out.push_back('}');
  return out;
}

}  // namespace edgestay::server
