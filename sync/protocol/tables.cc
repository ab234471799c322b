// Column-by-column description of the nine replicated tables (sync/FORMAT.md §1), and the
// row checks every producer and consumer of rows shares.
#include "edgestay/protocol/tables.h"

#include <array>
#include <cstdlib>
#include <iterator>

#include "edgestay/date.h"
#include "edgestay/protocol/json_text.h"
#include "edgestay/protocol/json_value.h"  // ES_MINSIZE
#include "edgestay/stay_rules.h"

namespace edgestay::protocol {
namespace {

constexpr int64_t kBig = kMaxId;

// The list is constant data, turned into TableSpecs by one loop at first use (built
// inline, column by column, it was 14 KB of wasm code).
struct ColumnDef {
  const char* name;
  ColType type;
  bool nullable, has_default;
  int64_t min, max;
  const char* const* enum_values;  // kEnum: nullptr-terminated
  const char* ref_table;
};

constexpr ColumnDef Id(const char* name, const char* ref = nullptr) {
  return {name, ColType::kId, false, false, 1, kBig, nullptr, ref};
}
constexpr ColumnDef OptId(const char* name) { return {name, ColType::kId, true, true, 1, kBig, nullptr, nullptr}; }
constexpr ColumnDef Int(const char* name, bool nullable, bool has_default, int64_t min, int64_t max) {
  return {name, ColType::kInt, nullable, has_default, min, max, nullptr, nullptr};
}
constexpr ColumnDef Count(const char* name, bool has_default = false, int64_t min = 0, int64_t max = kBig) {
  return Int(name, false, has_default, min, max);
}
constexpr ColumnDef Text(const char* name, bool has_default = false, int64_t max_len = 200,
                         bool nullable = false, int64_t min_len = 1) {
  return {name, ColType::kText, nullable, has_default, min_len, max_len, nullptr, nullptr};
}
constexpr ColumnDef OptText(const char* name, int64_t min_len = 0, int64_t max_len = 1000) {
  return Text(name, true, max_len, true, min_len);
}
constexpr ColumnDef Date(const char* name) { return {name, ColType::kDate, false, false, 0, 0, nullptr, nullptr}; }
constexpr ColumnDef Bool(const char* name) { return {name, ColType::kBool, false, true, 0, 1, nullptr, nullptr}; }
constexpr ColumnDef Millis(const char* name, bool has_default = false) {
  return {name, ColType::kMillis, false, has_default, 0, kBig, nullptr, nullptr};
}
constexpr ColumnDef OptMillis(const char* name) { return {name, ColType::kMillis, true, true, 0, kBig, nullptr, nullptr}; }
constexpr ColumnDef Enum(const char* name, const char* const* values, bool has_default = false) {
  return {name, ColType::kEnum, false, has_default, 0, 0, values, nullptr};
}

// booking_rules.key: the keys of kRuleSpecs, in their order.
constexpr auto kRuleKeys = [] {
  std::array<const char*, std::size(kRuleSpecs) + 1> keys{};
  for (size_t i = 0; i < std::size(kRuleSpecs); ++i) keys[i] = kRuleSpecs[i].key;
  return keys;
}();
constexpr const char* kBookingStatuses[] = {"HELD",      "PENDING_SYNC", "CONFIRMED", "REJECTED",
                                            "CANCELLED", "EXPIRED",      nullptr};
constexpr const char* kSpecialDayKinds[] = {"holiday", "event", "blackout", nullptr};
constexpr const char* kOrigins[] = {"central", "local", nullptr};
constexpr const char* kWaitlistStatuses[] = {"WAITING", "OFFERED", "BOOKED", "CANCELLED", nullptr};
constexpr const char* kPaymentStatuses[] = {"PENDING", "CAPTURED", "REFUNDED", "FAILED", nullptr};
constexpr const char* kChannels[] = {"email", "sms", "push", nullptr};
constexpr const char* kNotificationStatuses[] = {"QUEUED", "SENT", "FAILED", "CANCELLED", nullptr};
constexpr const char* kNotificationKinds[] = {"update",       "confirmation", "hold",      "reminder", "cancellation",
                                              "expiry",       "rejection",    "waitlist_offer", nullptr};

constexpr ColumnDef kHotels[] = {Id("id"), Text("name"), Text("time_zone", true, 64), Text("currency", true, 3),
                                 Int("utc_offset_minutes", false, true, -840, 840)};
constexpr ColumnDef kRoomTypes[] = {Id("id"), Id("hotel_id", "hotels"), Text("name"),
                                    Count("capacity_adults", true, 1, 100), Count("capacity_children", true, 0, 100),
                                    Count("base_price_cents"), Count("total_rooms", false, 0, 100000)};
constexpr ColumnDef kRoomInventory[] = {
    Id("room_type_id", "room_types"), Date("date"), Count("total", false, 0, 100000),
    Count("available", false, 0, 100000), Count("price_cents"), Count("min_stay", true, 1, 365),
    Count("max_stay", true, 0, 365), Bool("closed_to_arrival"), Bool("closed_to_departure"), Bool("stop_sell")};
constexpr ColumnDef kBookingRules[] = {Id("hotel_id", "hotels"), Enum("key", kRuleKeys.data()),
                                       Count("value", false, 0, 100000000)};
constexpr ColumnDef kSpecialDays[] = {Id("hotel_id", "hotels"), Date("date"), Enum("kind", kSpecialDayKinds),
                                      Count("price_multiplier_pct", true, 1, 1000),
                                      Int("min_stay", true, true, 1, 365), OptText("note")};
constexpr ColumnDef kBookings[] = {
    Id("id"), Id("hotel_id", "hotels"), Id("user_id"), Id("room_type_id", "room_types"),
    Enum("status", kBookingStatuses), Date("start_date"), Date("end_date"), Count("rooms", false, 1, 1000),
    Count("guests", false, 1, 10000), Count("total_cents"), Millis("created_at"), Millis("updated_at", true),
    OptMillis("hold_expires_at"), OptText("idempotency_key", 1, 128), Enum("origin", kOrigins, true),
    OptId("server_id")};
constexpr ColumnDef kWaitlist[] = {Id("id"), Id("hotel_id", "hotels"), Id("user_id"), Id("room_type_id", "room_types"),
                                   Date("start_date"), Date("end_date"), Count("rooms", false, 1, 1000),
                                   Enum("status", kWaitlistStatuses, true), Millis("created_at")};
constexpr ColumnDef kPayments[] = {Id("id"), Id("booking_id", "bookings"), Enum("status", kPaymentStatuses),
                                   Count("amount_cents"), Millis("created_at")};
constexpr ColumnDef kNotifications[] = {Id("id"), Id("booking_id", "bookings"), Id("user_id"),
                                        Enum("channel", kChannels), Enum("status", kNotificationStatuses, true),
                                        Millis("scheduled_at"), Enum("kind", kNotificationKinds, true)};

struct TableDef {
  const char* name;
  const ColumnDef* columns;
  size_t column_count;
  int key_count;  // the key: the first key_count columns
  Audience audience;
};
#define ES_COLUMNS(a) a, std::size(a)
// In TableId order.
constexpr TableDef kTables[] = {
    {"hotels", ES_COLUMNS(kHotels), 1, Audience::kPublic},
    {"room_types", ES_COLUMNS(kRoomTypes), 1, Audience::kPublic},
    {"room_inventory", ES_COLUMNS(kRoomInventory), 2, Audience::kPublic},
    {"booking_rules", ES_COLUMNS(kBookingRules), 2, Audience::kPublic},
    {"special_days", ES_COLUMNS(kSpecialDays), 2, Audience::kPublic},
    {"bookings", ES_COLUMNS(kBookings), 1, Audience::kGuest},
    {"waitlist", ES_COLUMNS(kWaitlist), 1, Audience::kGuest},
    {"payments", ES_COLUMNS(kPayments), 1, Audience::kPayment},
    {"notifications", ES_COLUMNS(kNotifications), 1, Audience::kAdmin},
};
#undef ES_COLUMNS

ES_MINSIZE std::vector<TableSpec> MakeTables() {
  std::vector<TableSpec> tables;
  tables.reserve(std::size(kTables));
  for (const TableDef& d : kTables) {
    TableSpec t{static_cast<TableId>(tables.size()), d.name, {}, {}, d.audience, -1, "", "["};
    for (size_t i = 0; i < d.column_count; ++i) {
      const ColumnDef& c = d.columns[i];
      std::vector<const char*> values;
      for (const char* const* v = c.enum_values; v && *v; ++v) values.push_back(*v);
      t.columns.push_back({c.name, c.type, c.nullable, c.has_default, c.min, c.max, std::move(values), c.ref_table});
      if (i) {
        t.column_list += ", ";
        t.columns_json += ",";
      }
      t.column_list += c.name;
      AppendJsonString(&t.columns_json, c.name);
    }
    t.columns_json += "]";
    // Insertion sort: a dozen names, once.
    for (int i = 0; i < static_cast<int>(t.columns.size()); ++i) {
      int j = static_cast<int>(t.by_name.size());
      t.by_name.push_back(i);
      for (; j > 0 && std::string_view(t.columns[i].name) < t.columns[t.by_name[j - 1]].name; --j) {
        t.by_name[j] = t.by_name[j - 1];
      }
      t.by_name[j] = i;
    }
    for (int k = 0; k < d.key_count; ++k) t.key.push_back(k);
    if (d.audience == Audience::kGuest) t.user_column = t.ColumnIndex("user_id");
    tables.push_back(std::move(t));
  }
  return tables;
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

ES_MINSIZE Status RowError(std::string code, const RowPosition& pos, std::string_view field, std::string_view problem) {
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
      if (!col.TakesInteger(v.i)) {
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
