// The protocol layer (sync/protocol) on its own: one row validation for the edge decoder
// and the server's commit point, U+0000, overflow-safe totals, rule defaults as
// documented, weekdays, and the core's schema against the column list.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "edgestay/date.h"
#include "edgestay/protocol/change_batch.h"
#include "edgestay/protocol/json_fields.h"
#include "edgestay/protocol/tables.h"
#include "edgestay/stay_rules.h"
#include "schema.h"
#include "sqlite3.h"
#include "test_support.h"

namespace edgestay::protocol {
namespace {

using test::Batch;
using test::Parse;
using json = nlohmann::json;

// A value for `col`: mostly one the column allows (at its limits or inside), otherwise
// one just past a limit (out of range, too long, U+0000, not a date, unknown, null).
json RandomValue(const ColumnSpec& col, std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  const bool valid = pick(10) < 9;
  if (pick(20) == 0) return valid && !col.nullable ? RandomValue(col, rng) : json(nullptr);
  switch (col.type) {
    case ColType::kId:
    case ColType::kInt:
    case ColType::kMillis: {
      const int64_t ok[] = {col.min, col.max, col.min + (col.max - col.min) / 3};
      const int64_t bad[] = {col.min - 1, col.max + 1, kMaxId + 1};
      return valid ? ok[pick(3)] : bad[pick(3)];
    }
    case ColType::kBool: {
      const json ok[] = {0, 1, true, false};
      const json bad[] = {2, -1};
      return valid ? ok[pick(4)] : bad[pick(2)];
    }
    case ColType::kText: {
      if (valid) return std::string(static_cast<size_t>(std::max<int64_t>(col.min, 1 + pick(static_cast<int>(col.max)))), 'x');
      std::string s(pick(2) ? static_cast<size_t>(col.max) + 1 : 5, 'x');
      if (s.size() == 5) s[2] = '\0';
      return s;
    }
    case ColType::kDate: {
      const char* ok[] = {"1900-01-01", "2999-12-31", "2028-02-29", "2026-06-15", "2026-06-16"};
      const char* bad[] = {"1899-12-31", "3000-01-01", "2026-02-29", "2026-6-15"};
      return valid ? ok[pick(5)] : bad[pick(4)];
    }
    case ColType::kEnum:
      return valid ? std::string(col.enum_values[pick(static_cast<int>(col.enum_values.size()))]) : std::string("bogus");
  }
  return nullptr;
}

// The JSON value as the server's store would hand it to the commit check (text or integer).
Value AsValue(const json& v, std::string* storage) {
  Value out;
  if (v.is_null()) {
    out.kind = Value::kNull;
  } else if (v.is_boolean()) {
    out.kind = Value::kInt;
    out.i = v.get<bool>() ? 1 : 0;
  } else if (v.is_number()) {
    out.kind = Value::kInt;
    ReadInt(v, &out.i);
  } else {
    *storage = v.get<std::string>();
    out.kind = Value::kText;
    out.s = *storage;
  }
  return out;
}

// Property: on random rows of every table, the edge's decoder and the server's commit
// check (ValidateRow) accept exactly the same rows and name the same field when they don't.
TEST(ProtocolTest, DecoderAndCommitCheckAgreeOnRandomRows) {
  std::mt19937_64 rng(20261130);
  int accepted = 0, rejected = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    const TableSpec& table = Tables()[rng() % Tables().size()];
    // The columnar form, so the decoder reads the values in column order as the commit
    // check does (and both report the first failing column).
    json row = json::array();
    std::vector<std::string> names, storage(table.columns.size());
    std::vector<Value> values(table.columns.size());
    for (size_t c = 0; c < table.columns.size(); ++c) {
      json v = RandomValue(table.columns[c], rng);
      names.push_back(table.columns[c].name);
      row.push_back(v);
      values[c] = AsValue(v, &storage[c]);
    }
    const Status commit = ValidateRow(table, values.data());
    Status decoded = DecodeChangeBatch(
        Batch({test::UpsertRows(table.name, names, json::array({row}))}).dump(),
        [](const BatchHeader&) { return Status::Ok(); }, [](const RowChange&) { return Status::Ok(); });
    ASSERT_EQ(commit.ok(), decoded.ok()) << table.name << " " << row.dump() << "\ncommit: " << commit.ToJson()
                                         << "\ndecoder: " << decoded.ToJson();
    if (!commit.ok()) {
      EXPECT_EQ(decoded.code(), "INVALID_ROW") << decoded.ToJson();
      EXPECT_EQ(Parse(commit.details_json())["field"], Parse(decoded.details_json())["field"]) << row.dump();
      ++rejected;
    } else {
      ++accepted;
    }
  }
  EXPECT_GT(accepted, 500);
  EXPECT_GT(rejected, 500);
}

TEST(ProtocolTest, NulIsRefusedByTheFieldReaderAndTheRowCheck) {
  std::string out;
  EXPECT_EQ(StrField(json{{"k", std::string("KEY\0A", 5)}}, "k", 1, 128, &out), Field::kBad);
  EXPECT_EQ(StrField(json{{"k", "KEY-A"}}, "k", 1, 128, &out), Field::kOk);
  const std::string name("nul\0after", 9);
  Status s = DecodeChangeBatch(Batch({test::Hotel(1, name)}).dump(), [](const BatchHeader&) { return Status::Ok(); },
                               [](const RowChange&) { return Status::Ok(); });
  EXPECT_EQ(s.code(), "INVALID_ROW");
  EXPECT_EQ(Parse(s.details_json())["field"], "name") << s.ToJson();
  EXPECT_NE(s.message().find("U+0000"), std::string::npos) << s.message();
}

TEST(ProtocolTest, BookingRuleValuesOutsideTheirRuleRangeAreInvalidRows) {
  for (const RuleSpec& rule : kRuleSpecs) {
    for (int64_t v : {rule.min - 1, rule.min, rule.max, rule.max + 1}) {
      if (v < 0) continue;  // below the column's own range, tested by the random rows
      json row{{"hotel_id", 1}, {"key", rule.key}, {"value", v}};
      Status s = DecodeChangeBatch(Batch({test::Upsert("booking_rules", row)}).dump(),
                                   [](const BatchHeader&) { return Status::Ok(); },
                                   [](const RowChange&) { return Status::Ok(); });
      EXPECT_EQ(s.ok(), v >= rule.min && v <= rule.max) << rule.key << " = " << v << ": " << s.ToJson();
    }
  }
}

// StayTotal against exact 128-bit arithmetic, on random stays around the 2^53 limit.
TEST(ProtocolTest, StayTotalIsExactOrRefusedNeverWrapped) {
  std::mt19937_64 rng(53);
  const int64_t limit = kMaxId;
  int refused = 0, exact = 0;
  for (int iter = 0; iter < 50000; ++iter) {
    const size_t n = 1 + rng() % 40;
    std::vector<Night> nights(n + 1);
    const int64_t scale = int64_t{1} << (rng() % 62);
    __int128 sum = 0;
    for (size_t i = 0; i < n; ++i) {
      nights[i].price_cents = static_cast<int64_t>(rng() % static_cast<uint64_t>(scale));
      sum += nights[i].price_cents;
    }
    const int64_t rooms = 1 + static_cast<int64_t>(rng() % 1000);
    const __int128 want = sum * rooms;
    int64_t total = -1;
    const bool ok = StayTotal(nights, n, rooms, &total);
    ASSERT_EQ(ok, want <= limit) << "n=" << n << " rooms=" << rooms;
    if (ok) {
      ASSERT_EQ(total, static_cast<int64_t>(want));
      ++exact;
    } else {
      ++refused;
    }
  }
  EXPECT_GT(exact, 1000);
  EXPECT_GT(refused, 1000);
  // The defect's numbers: 1000 rooms x 11 nights at 900719925474 cents.
  std::vector<Night> eleven(12);
  for (int i = 0; i < 11; ++i) eleven[i].price_cents = 900719925474;
  int64_t total = 0;
  EXPECT_FALSE(StayTotal(eleven, 11, 1000, &total));
  EXPECT_TRUE(StayTotal(eleven, 11, 909, &total));
  EXPECT_EQ(total, int64_t{900719925474} * 11 * 909);
}

// The defaults in BookingRules are the ones sync/FORMAT.md documents, and each lies in its
// rule's range.
TEST(ProtocolTest, RuleDefaultsAreTheDocumentedOnes) {
  std::ifstream in(std::string(EDGESTAY_SOURCE_DIR) + "/sync/FORMAT.md");
  ASSERT_TRUE(in) << "sync/FORMAT.md";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const size_t at = doc.find("take their defaults:");
  ASSERT_NE(at, std::string::npos);
  const std::string sentence = doc.substr(at, doc.find('.', at) - at);
  const BookingRules defaults;
  for (const RuleSpec& rule : kRuleSpecs) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(sentence, m, std::regex(std::string("`") + rule.key + "` (\\d+)")))
        << rule.key << " is not documented in: " << sentence;
    EXPECT_EQ(std::stoll(m[1]), defaults.*(rule.field)) << rule.key;
    EXPECT_GE(defaults.*(rule.field), rule.min) << rule.key;
    EXPECT_LE(defaults.*(rule.field), rule.max) << rule.key;
    BookingRules r;
    EXPECT_TRUE(r.Set(rule.key, 7));
    EXPECT_EQ(r.*(rule.field), 7);
    EXPECT_EQ(FindRule(rule.json_name), &rule);
  }
  BookingRules r;
  EXPECT_FALSE(r.Set("maxNights", 3)) << "booking_rules keys are snake_case";
  EXPECT_FALSE(r.Set("no_such_rule", 3));
}

// Weekday and HotelToday against a day-by-day walk from 1900-01-01 (a Monday).
TEST(ProtocolTest, WeekdayAndHotelTodayMatchAWalkOverTheCalendar) {
  Day first = 0, last = 0;
  ASSERT_TRUE(ParseDate("1900-01-01", &first));
  ASSERT_TRUE(ParseDate("2999-12-31", &last));
  int weekday = 1;
  for (Day d = first; d <= last; ++d, weekday = (weekday + 1) % 7) ASSERT_EQ(Weekday(d), weekday) << FormatDate(d);
  const int64_t noon = int64_t{test::D("2026-06-01")} * test::kMsPerDay + 12 * 3600000;
  EXPECT_EQ(FormatDate(HotelToday(noon, 0)), "2026-06-01");
  EXPECT_EQ(FormatDate(HotelToday(noon, 840)), "2026-06-02");    // UTC+14 is past midnight
  EXPECT_EQ(FormatDate(HotelToday(noon, -720)), "2026-06-01");   // UTC-12 is at midnight
  EXPECT_EQ(FormatDate(HotelToday(noon, -721)), "2026-05-31");
}

std::vector<DeclaredColumn> Columns(sqlite3* db, const char* table) {
  std::vector<DeclaredColumn> out;
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT name, type FROM pragma_table_info(?)", -1, &st, nullptr), SQLITE_OK);
  sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
  while (sqlite3_step(st) == SQLITE_ROW) {
    out.push_back({reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                   reinterpret_cast<const char*>(sqlite3_column_text(st, 1))});
  }
  sqlite3_finalize(st);
  return out;
}

// The engine's schema holds every column of the list with a compatible type, and no
// column the list lacks (the server's stores are checked the same way, tests/server).
TEST(ProtocolTest, CoreSchemaMatchesTheColumnList) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  ASSERT_TRUE(EnsureSchema(db).ok());
  for (const TableSpec& t : Tables()) {
    const std::vector<std::string> problems = CheckTableSchema(t, Columns(db, t.name));
    EXPECT_TRUE(problems.empty()) << t.name << ": " << (problems.empty() ? "" : problems[0]);
  }
  // And the check does notice drift.
  ASSERT_EQ(sqlite3_exec(db,
                         "ALTER TABLE notifications DROP COLUMN kind; ALTER TABLE bookings ADD COLUMN secret TEXT;"
                         "CREATE TABLE t (id TEXT); DROP TABLE payments;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto one = [&](TableId id) {
    std::vector<std::string> p = CheckTableSchema(Table(id), Columns(db, Table(id).name));
    return p.size() == 1 ? p[0] : "(" + std::to_string(p.size()) + " problems)";
  };
  EXPECT_EQ(one(TableId::kNotifications), "notifications.kind is missing");
  EXPECT_EQ(one(TableId::kBookings), "bookings.secret is not in the protocol's column list (sync/protocol/tables.cc)");
  EXPECT_EQ(one(TableId::kPayments), "table payments is missing");
  EXPECT_EQ(CheckTableSchema(Table(TableId::kHotels), {{"id", "TEXT"}, {"name", "TEXT"}, {"time_zone", "TEXT"},
                                                        {"currency", "TEXT"}, {"utc_offset_minutes", "BIGINT"}})
                .at(0),
            "hotels.id has type TEXT, not an integer type");
  EXPECT_TRUE(CheckTableSchema(Table(TableId::kHotels), {{"id", "bigint"}, {"name", "text"}, {"time_zone", "text"},
                                                         {"currency", "character varying"},
                                                         {"utc_offset_minutes", "integer"}, {"created_at", "bigint"}},
                               {"created_at"})
                  .empty());
  sqlite3_close(db);
}

// The direction of the layers: every project header a protocol source includes is a
// protocol header (nothing from wasm/ or sync/server), and the server's build dir holds
// no second copy of what the protocol defines.
TEST(ProtocolTest, TheProtocolLayerIncludesOnlyItself) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(EDGESTAY_SOURCE_DIR);
  const fs::path include = root / "sync" / "protocol" / "include";
  const std::regex quoted(R"re(^\s*#\s*include\s*"([^"]+)")re");
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root / "sync" / "protocol")) {
    if (!entry.is_regular_file()) continue;
    const std::string ext = entry.path().extension().string();
    if (ext != ".h" && ext != ".cc") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (!std::regex_search(line, m, quoted)) continue;
      ++checked;
      EXPECT_TRUE(fs::exists(include / m[1].str()))
          << entry.path().string() << " includes \"" << m[1] << "\", which is not a protocol header";
    }
  }
  EXPECT_GT(checked, 10);
  for (const char* copy : {"dates.h", "dates.cc", "tables.h", "tables.cc", "status.h", "json_util.h"}) {
    EXPECT_FALSE(fs::exists(root / "sync" / "server" / copy)) << "sync/server/" << copy << " copies the protocol layer";
  }
  for (const char* moved : {"status.h", "date.h", "stay_rules.h"}) {
    EXPECT_FALSE(fs::exists(root / "wasm" / "include" / "edgestay" / moved)) << moved << " belongs to sync/protocol";
  }
}

}  // namespace
}  // namespace edgestay::protocol
