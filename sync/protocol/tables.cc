// Column-by-column description of the nine replicated tables (sync/FORMAT.md §1), and the
// row checks every producer and consumer of rows shares.
#include "edgestay/protocol/tables.h"

#include <cstdlib>

#include "edgestay/date.h"
#include "edgestay/protocol/json_text.h"
#include "edgestay/stay_rules.h"

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

std::vector<const char*> RuleKeys() {
  std::vector<const char*> keys;
  for (const RuleSpec& r : kRuleSpecs) keys.push_back(r.key);
  return keys;
}

TableSpec Make(TableId id, const char* name, std::vector<ColumnSpec> columns, std::vector<int> key,
               Audience audience = Audience::kPublic) {
  TableSpec t{id, name, std::move(columns), std::move(key), audience, -1, "", "["};
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i) {
      t.column_list += ", ";
      t.columns_json += ",";
    }
    t.column_list += t.columns[i].name;
    AppendJsonString(&t.columns_json, t.columns[i].name);
  }
  t.columns_json += "]";
  if (audience == Audience::kGuest) t.user_column = t.ColumnIndex("user_id");
  return t;
}

std::vector<TableSpec> MakeTables() {
  const std::vector<const char*> kBookingStatuses = {"HELD",     "PENDING_SYNC", "CONFIRMED",
                                                     "REJECTED", "CANCELLED",    "EXPIRED"};
  std::vector<TableSpec> t;
  t.push_back(Make(TableId::kHotels, "hotels",
               {Id("id"), Text("name"), Text("time_zone", true, 64), Text("currency", true, 3),
                {"utc_offset_minutes", ColType::kInt, false, true, -840, 840, {}, nullptr}},
               {0}));
  t.push_back(Make(TableId::kRoomTypes, "room_types",
               {Id("id"), Id("hotel_id", "hotels"), Text("name"), Count("capacity_adults", true, 1, 100),
                Count("capacity_children", true, 0, 100), Count("base_price_cents"),
                Count("total_rooms", false, 0, 100000)},
               {0}));
  t.push_back(Make(TableId::kRoomInventory, "room_inventory",
               {Id("room_type_id", "room_types"), Date("date"), Count("total", false, 0, 100000),
                Count("available", false, 0, 100000), Count("price_cents"), Count("min_stay", true, 1, 365),
                Count("max_stay", true, 0, 365), Bool("closed_to_arrival"), Bool("closed_to_departure"),
                Bool("stop_sell")},
               {0, 1}));
  t.push_back(Make(TableId::kBookingRules, "booking_rules",
               {Id("hotel_id", "hotels"),
                Enum("key", RuleKeys()), Count("value", false, 0, 100000000)},
               {0, 1}));
  t.push_back(Make(TableId::kSpecialDays, "special_days",
               {Id("hotel_id", "hotels"), Date("date"), Enum("kind", {"holiday", "event", "blackout"}),
                Count("price_multiplier_pct", true, 1, 1000),
                {"min_stay", ColType::kInt, true, true, 1, 365, {}, nullptr}, OptText("note")},
               {0, 1}));
  t.push_back(Make(TableId::kBookings, "bookings",
               {Id("id"), Id("hotel_id", "hotels"), Id("user_id"), Id("room_type_id", "room_types"),
                Enum("status", kBookingStatuses), Date("start_date"), Date("end_date"), Count("rooms", false, 1, 1000),
                Count("guests", false, 1, 10000), Count("total_cents"), Millis("created_at"),
                Millis("updated_at", true), OptMillis("hold_expires_at"),
                {"idempotency_key", ColType::kText, true, true, 1, 128, {}, nullptr},
                Enum("origin", {"central", "local"}, true), OptId("server_id")},
               {0}, Audience::kGuest));
  t.push_back(Make(TableId::kWaitlist, "waitlist",
               {Id("id"), Id("hotel_id", "hotels"), Id("user_id"), Id("room_type_id", "room_types"),
                Date("start_date"), Date("end_date"), Count("rooms", false, 1, 1000),
                Enum("status", {"WAITING", "OFFERED", "BOOKED", "CANCELLED"}, true), Millis("created_at")},
               {0}, Audience::kGuest));
  t.push_back(Make(TableId::kPayments, "payments",
               {Id("id"), Id("booking_id", "bookings"), Enum("status", {"PENDING", "CAPTURED", "REFUNDED", "FAILED"}),
                Count("amount_cents"), Millis("created_at")},
               {0}, Audience::kPayment));
  t.push_back(Make(TableId::kNotifications, "notifications",
               {Id("id"), Id("booking_id", "bookings"), Id("user_id"), Enum("channel", {"email", "sms", "push"}),
                Enum("status", {"QUEUED", "SENT", "FAILED", "CANCELLED"}, true), Millis("scheduled_at"),
                Enum("kind", {"update", "confirmation", "hold", "reminder", "cancellation", "expiry", "rejection",
                              "waitlist_offer"}, true)},
               {0}, Audience::kAdmin));
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

const TableSpec& Table(TableId id) { return Tables()[static_cast<size_t>(id)]; }

const ColumnSpec& Column(TableId table, std::string_view column) {
  const TableSpec& t = Table(table);
  const int i = t.ColumnIndex(column);
  if (i < 0) std::abort();
  return t.columns[static_cast<size_t>(i)];
}

namespace {

std::string PathOf(const RowPosition& pos) {
  if (pos.change < 0) return "";
  std::string p = "changes[" + std::to_string(pos.change) + "]";
  p += pos.row >= 0 ? ".rows[" + std::to_string(pos.row) + "]" : ".row";
  return p;
}

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

void AppendValue(std::string* out, const Value& v) {
  if (v.kind == Value::kInt) {
    *out += std::to_string(v.i);
  } else if (v.kind == Value::kText) {
    AppendJsonString(out, v.s);
  } else {
    *out += "null";
  }
}

}  // namespace

Status RowError(std::string code, const RowPosition& pos, std::string_view field, std::string_view problem) {
  std::string message = PathOf(pos);
  if (!field.empty()) {
    if (!message.empty()) message += ".";
    message += field;
  }
  message += ": ";
  message += problem;
  std::string details = "{\"change\":" + (pos.change >= 0 ? std::to_string(pos.change) : std::string("null")) +
                        ",\"row\":" + (pos.row >= 0 ? std::to_string(pos.row) : std::string("null")) + ",\"field\":";
  if (field.empty()) {
    details += "null";
  } else {
    AppendJsonString(&details, field);
  }
  details += "}";
  return Status::Error(std::move(code), std::move(message), std::move(details));
}

Status CheckValue(const ColumnSpec& col, const Value& v, const RowPosition& pos) {
  auto bad = [&](std::string problem) { return RowError("INVALID_ROW", pos, col.name, problem); };
  if (v.kind == Value::kAbsent) return Status::Ok();
  if (v.kind == Value::kNull) return col.nullable ? Status::Ok() : bad("must not be null");
  if (col.IsInteger() != (v.kind == Value::kInt)) return bad(col.IsInteger() ? "must be an integer" : "must be a string");
  switch (col.type) {
    case ColType::kId:
    case ColType::kInt:
    case ColType::kMillis:
      if (v.i < col.min || v.i > col.max) {
        return bad("must be in " + std::to_string(col.min) + ".." + std::to_string(col.max));
      }
      return Status::Ok();
    case ColType::kBool:
      return v.i == 0 || v.i == 1 ? Status::Ok() : bad("must be 0, 1, true or false");
    case ColType::kDate: {
      Day d;
      return ParseDate(v.s, &d) ? Status::Ok() : bad("must be a date YYYY-MM-DD");
    }
    case ColType::kEnum:
      for (const char* e : col.enum_values) {
        if (v.s == e) return Status::Ok();
      }
      return bad("unknown value '" + std::string(v.s.substr(0, 40)) + "'");
    case ColType::kText:
      if (static_cast<int64_t>(v.s.size()) < col.min || static_cast<int64_t>(v.s.size()) > col.max) {
        return bad("length must be in " + std::to_string(col.min) + ".." + std::to_string(col.max));
      }
      // PostgreSQL cannot store U+0000 in text and SQLite can: refusing it everywhere keeps
      // a string identical on both stores and on every edge.
      if (HasNul(v.s)) return bad("must not contain U+0000");
      return Status::Ok();
  }
  return bad("unsupported type");
}

Status CheckRow(const TableSpec& table, const Value* values, const RowPosition& pos) {
  for (int k : table.key) {
    if (values[k].kind == Value::kAbsent) {
      return RowError("INVALID_ROW", pos, table.columns[k].name, "key column is missing");
    }
  }
  switch (table.id) {
    case TableId::kRoomInventory: {
      const Value& total = values[2];
      const Value& available = values[3];
      if (total.kind == Value::kInt && available.kind == Value::kInt && available.i > total.i) {
        return RowError("INVALID_ROW", pos, "available", "must be <= total (" + std::to_string(total.i) + ")");
      }
      break;
    }
    case TableId::kBookings:
    case TableId::kWaitlist: {
      const Value& start = values[table.ColumnIndex("start_date")];
      const Value& end = values[table.ColumnIndex("end_date")];
      if (start.kind == Value::kText && end.kind == Value::kText && end.s <= start.s) {
        return RowError("INVALID_ROW", pos, "end_date", "must be after start_date");
      }
      break;
    }
    case TableId::kBookingRules: {
      const Value& key = values[1];
      const Value& value = values[2];
      const RuleSpec* rule = key.kind == Value::kText ? FindRule(key.s) : nullptr;
      if (rule && value.kind == Value::kInt && (value.i < rule->min || value.i > rule->max)) {
        return RowError("INVALID_ROW", pos, "value",
                        std::string(rule->key) + " must be in " + std::to_string(rule->min) + ".." +
                            std::to_string(rule->max));
      }
      break;
    }
    default:
      break;
  }
  return Status::Ok();
}

Status ValidateRow(const TableSpec& table, const Value* values, const RowPosition& pos) {
  for (size_t i = 0; i < table.columns.size(); ++i) {
    ES_RETURN_IF_ERROR(CheckValue(table.columns[i], values[i], pos));
  }
  return CheckRow(table, values, pos);
}

std::string EncodeRowArray(const TableSpec& table, const Value* values) {
  std::string out = "[";
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (i) out.push_back(',');
    AppendValue(&out, values[i]);
  }
  out.push_back(']');
  return out;
}

std::string EncodeKeyObject(const TableSpec& table, const Value* values) {
  std::string out = "{";
  for (size_t k = 0; k < table.key.size(); ++k) {
    if (k) out.push_back(',');
    AppendJsonString(&out, table.columns[table.key[k]].name);
    out.push_back(':');
    AppendValue(&out, values[table.key[k]]);
  }
  out.push_back('}');
  return out;
}

namespace {

bool TypeCompatible(const ColumnSpec& col, std::string type) {
  for (char& c : type) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  auto has = [&](const char* word) { return type.find(word) != std::string::npos; };
  if (col.IsInteger()) return has("INT");
  const bool text = has("TEXT") || has("CHAR") || has("CLOB");
  return col.type == ColType::kDate ? text || type == "DATE" : text;
}

}  // namespace

std::vector<std::string> CheckTableSchema(const TableSpec& table, const std::vector<DeclaredColumn>& declared,
                                          const std::vector<std::string>& private_columns) {
  std::vector<std::string> problems;
  if (declared.empty()) {
    problems.push_back(std::string("table ") + table.name + " is missing");
    return problems;
  }
  for (const ColumnSpec& col : table.columns) {
    const DeclaredColumn* found = nullptr;
    for (const DeclaredColumn& d : declared) {
      if (d.name == col.name) found = &d;
    }
    if (!found) {
      problems.push_back(std::string(table.name) + "." + col.name + " is missing");
    } else if (!TypeCompatible(col, found->type)) {
      problems.push_back(std::string(table.name) + "." + col.name + " has type " + found->type + ", not " +
                         (col.IsInteger() ? "an integer type" : "a text type"));
    }
  }
  for (const DeclaredColumn& d : declared) {
    bool known = table.ColumnIndex(d.name) >= 0;
    for (const std::string& p : private_columns) known = known || p == d.name;
    if (!known) {
      problems.push_back(std::string(table.name) + "." + d.name +
                         " is not in the protocol's column list (sync/protocol/tables.cc)");
    }
  }
  return problems;
}

}  // namespace edgestay::protocol
