// Shared helpers for the native GoogleTest suites: building change batches, opening
// engines, calling them and parsing their answers.
//
// The tests are compiled with JSON_NOEXCEPTION (inherited from edgestay_json), so a
// nlohmann::json type error aborts instead of throwing: parse with the non-throwing form
// (Parse below) and compare json values with == rather than calling get<T>() on values
// whose type is not known yet.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "edgestay/date.h"
#include "edgestay/engine.h"
#include "edgestay/status.h"

namespace edgestay::test {

using json = nlohmann::json;

inline constexpr int64_t kMsPerDay = 86400000;

// Parses JSON without exceptions; a discarded value (is_discarded()) on bad input.
inline json Parse(std::string_view text) { return json::parse(text.begin(), text.end(), nullptr, false); }

// ---- dates ---------------------------------------------------------------------------

inline Day D(std::string_view date) {
  Day d = 0;
  EXPECT_TRUE(ParseDate(date, &d)) << "not a date: " << date;
  return d;
}
inline std::string Plus(std::string_view date, int days) { return FormatDate(D(date) + days); }
// Milliseconds at `hour`:`minute` UTC of `date`.
inline int64_t MsAt(std::string_view date, int hour = 0, int minute = 0) {
  return int64_t{D(date)} * kMsPerDay + int64_t{hour} * 3600000 + int64_t{minute} * 60000;
}

// The clock the fixtures run at: 2026-06-01 12:00 UTC.
inline const int64_t kNow = MsAt("2026-06-01", 12);

// ---- change batches ------------------------------------------------------------------

inline json Upsert(std::string_view table, json row) {
  return json{{"op", "upsert"}, {"table", table}, {"row", std::move(row)}};
}
inline json UpsertRows(std::string_view table, std::vector<std::string> columns, json rows) {
  return json{{"op", "upsert"}, {"table", table}, {"columns", std::move(columns)}, {"rows", std::move(rows)}};
}
inline json Delete(std::string_view table, json key) {
  return json{{"op", "delete"}, {"table", table}, {"key", std::move(key)}};
}
// A change batch; `header` adds since/cursor/syncedAt.
inline json Batch(std::vector<json> changes, const json& header = json::object()) {
  json b{{"format", "edgestay.changes/1"}, {"changes", json(std::move(changes))}};
  for (auto it = header.begin(); it != header.end(); ++it) b[it.key()] = it.value();
  return b;
}

// `days` inventory nights of room type `rt` from `from`, all alike (columnar form).
inline json Inventory(int64_t rt, std::string_view from, int days, int64_t total, int64_t available,
                      int64_t price_cents) {
  json rows = json::array();
  for (int i = 0; i < days; ++i) rows.push_back(json{rt, Plus(from, i), total, available, price_cents});
  return UpsertRows("room_inventory", {"room_type_id", "date", "total", "available", "price_cents"},
                    std::move(rows));
}

inline json Hotel(int64_t id, std::string_view name, int utc_offset_minutes = 0, std::string_view currency = "EUR") {
  return Upsert("hotels", json{{"id", id}, {"name", name}, {"currency", currency},
                               {"utc_offset_minutes", utc_offset_minutes}});
}
inline json RoomType(int64_t id, int64_t hotel_id, std::string_view name, int64_t total_rooms = 8,
                     int64_t base_price_cents = 10000) {
  return Upsert("room_types", json{{"id", id}, {"hotel_id", hotel_id}, {"name", name},
                                   {"base_price_cents", base_price_cents}, {"total_rooms", total_rooms}});
}
inline json Rule(int64_t hotel_id, std::string_view key, int64_t value) {
  return Upsert("booking_rules", json{{"hotel_id", hotel_id}, {"key", key}, {"value", value}});
}
// A complete booking row; `extra` overrides or adds columns.
inline json BookingRow(int64_t id, int64_t hotel_id, int64_t user_id, int64_t room_type_id, std::string_view status,
                       std::string_view start, std::string_view end, const json& extra = json::object()) {
  json row{{"id", id},           {"hotel_id", hotel_id}, {"user_id", user_id}, {"room_type_id", room_type_id},
           {"status", status},   {"start_date", start},  {"end_date", end},    {"rooms", 1},
           {"guests", 2},        {"total_cents", 10000}, {"created_at", kNow - 3600000}};
  for (auto it = extra.begin(); it != extra.end(); ++it) row[it.key()] = it.value();
  return row;
}
inline json Booking(int64_t id, int64_t hotel_id, int64_t user_id, int64_t room_type_id, std::string_view status,
                    std::string_view start, std::string_view end, const json& extra = json::object()) {
  return Upsert("bookings", BookingRow(id, hotel_id, user_id, room_type_id, status, start, end, extra));
}

// ---- calling an engine ---------------------------------------------------------------

struct Result {
  Status status;
  json body;  // the parsed answer; null when the call failed
  bool ok() const { return status.ok(); }
  const std::string& code() const { return status.code(); }
  json details() const { return Parse(status.details_json()); }
};

inline Result Call(Engine& engine, std::string_view method, const json& args = json::object()) {
  std::string out;
  Result r;
  r.status = engine.Call(method, args.dump(), &out);
  if (r.ok()) {
    r.body = Parse(out);
    EXPECT_FALSE(r.body.is_discarded()) << method << " answered invalid JSON: " << out;
  }
  return r;
}
// Calls `method` and expects success; returns the answer.
inline json MustCall(Engine& engine, std::string_view method, const json& args = json::object()) {
  Result r = Call(engine, method, args);
  EXPECT_TRUE(r.ok()) << method << " " << args.dump() << " failed: " << r.status.ToJson();
  return r.body;
}

inline Result ApplyText(Engine& engine, std::string_view batch_text) {
  std::string out;
  Result r;
  r.status = engine.ApplyChanges(batch_text, &out);
  if (r.ok()) r.body = Parse(out);
  return r;
}
inline Result Apply(Engine& engine, const json& batch) { return ApplyText(engine, batch.dump()); }
inline void MustApply(Engine& engine, const json& batch) {
  Result r = Apply(engine, batch);
  ASSERT_TRUE(r.ok()) << "batch failed: " << r.status.ToJson();
}

inline std::unique_ptr<Engine> OpenEngine(std::string_view snapshot = {}, int64_t now_ms = kNow) {
  std::unique_ptr<Engine> engine;
  Status s = Engine::Open(snapshot, &engine);
  EXPECT_TRUE(s.ok()) << s.ToJson();
  if (engine) engine->SetNow(now_ms);
  return engine;
}

inline std::string Export(Engine& engine) {
  std::string image;
  Status s = engine.ExportDatabase(&image);
  EXPECT_TRUE(s.ok()) << s.ToJson();
  return image;
}

inline json TakeEvents(Engine& engine) { return Parse(engine.TakeEvents()); }

// ---- a small world -------------------------------------------------------------------
//
// Hotel 1 "Harbour" (EUR, UTC): room types 10 "Double" (8 rooms) and 11 "Suite" (2 rooms).
// Hotel 2 "Hill" (USD, UTC): room type 20 "Single" (4 rooms). No inventory: each test
// loads the nights it needs. The clock is kNow (2026-06-01 12:00 UTC).
class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = OpenEngine();
    ASSERT_TRUE(engine_);
    MustApply(*engine_, Batch({Hotel(1, "Harbour"), Hotel(2, "Hill", 0, "USD"), RoomType(10, 1, "Double", 8, 12900),
                               RoomType(11, 1, "Suite", 2, 30000), RoomType(20, 2, "Single", 4, 8000)}));
    if (HasFatalFailure()) return;
    engine_->TakeEvents();
  }

  Engine& engine() { return *engine_; }
  void Load(std::vector<json> changes, const json& header = json::object()) {
    MustApply(*engine_, Batch(std::move(changes), header));
  }
  Result ApplyBatch(const json& batch) { return Apply(*engine_, batch); }
  Result Check(int64_t rt, std::string_view check_in, std::string_view check_out, int64_t rooms = 1) {
    return Call(*engine_, "checkRoomAvailability",
                json{{"roomTypeId", rt}, {"checkIn", check_in}, {"checkOut", check_out}, {"rooms", rooms}});
  }
  // The answer of a valid availability query.
  json Answer(int64_t rt, std::string_view check_in, std::string_view check_out, int64_t rooms = 1) {
    Result r = Check(rt, check_in, check_out, rooms);
    EXPECT_TRUE(r.ok()) << r.status.ToJson();
    return r.body;
  }
  // The nightly `available` column of a valid availability answer.
  json NightlyAvailable(int64_t rt, std::string_view check_in, std::string_view check_out) {
    const json answer = Answer(rt, check_in, check_out);
    json out = json::array();
    for (const json& n : answer["nightly"]) out.push_back(n["available"]);
    return out;
  }
  // The reason of a valid availability query ("" when available).
  std::string Reason(int64_t rt, std::string_view check_in, std::string_view check_out, int64_t rooms = 1) {
    json a = Answer(rt, check_in, check_out, rooms);
    if (!a.is_object()) return "<no answer>";
    if (a["reason"].is_null()) {
      EXPECT_EQ(a["available"], true);
      return "";
    }
    EXPECT_EQ(a["available"], false);
    return a["reason"].is_string() ? a["reason"].get<std::string>() : "<bad reason>";
  }

  std::unique_ptr<Engine> engine_;
};

}  // namespace edgestay::test
