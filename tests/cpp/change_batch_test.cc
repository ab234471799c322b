// sync/protocol: decoding and validating change batches (sync/FORMAT.md §1) without a
// database: structure errors, per-column row validation, error positions, and the
// order in which the sink sees rows.
#include "edgestay/protocol/change_batch.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "test_support.h"

namespace edgestay::test {
namespace {

using protocol::BatchHeader;
using protocol::Op;
using protocol::RowChange;
using protocol::Value;

// One row as the sink saw it, copied out of the decoder's buffers.
struct Seen {
  std::string table;
  Op op;
  int change;
  int row;
  std::map<std::string, std::string> values;  // present columns only: "null", "42" or "'text'"
};

struct Decoded {
  Status status;
  int headers = 0;
  BatchHeader header;
  std::vector<Seen> rows;
  json details() const { return Parse(status.details_json()); }
};

Decoded DecodeText(std::string_view text, int fail_at_row = -1, std::string_view tokens = {}) {
  Decoded d;
  auto on_header = [&](const BatchHeader& h) {
    EXPECT_TRUE(d.rows.empty()) << "the header must come before any row";
    ++d.headers;
    d.header = h;
    return Status::Ok();
  };
  auto sink = [&](const RowChange& c) -> Status {
    Seen s{c.table->name, c.op, c.pos.change, c.pos.row, {}};
    for (size_t i = 0; i < c.table->columns.size(); ++i) {
      const Value& v = c.values[i];
      std::string shown;
      switch (v.kind) {
        case Value::kAbsent: continue;
        case Value::kNull: shown = "null"; break;
        case Value::kInt: shown = std::to_string(v.i); break;
        case Value::kText: shown = "'" + std::string(v.s) + "'"; break;
      }
      s.values[c.table->columns[i].name] = shown;
    }
    d.rows.push_back(std::move(s));
    if (static_cast<int>(d.rows.size()) - 1 == fail_at_row) return Status::Error("STOP", "the sink refused");
    return Status::Ok();
  };
  d.status = protocol::DecodeChangeBatch(text, on_header, sink, 0, 0, tokens);
  return d;
}
Decoded Decode(const json& batch, int fail_at_row = -1) { return DecodeText(batch.dump(), fail_at_row); }

const std::vector<std::string> kInventoryCols = {"room_type_id", "date", "total", "available", "price_cents"};

TEST(ChangeBatchTest, TextThatIsNotJsonIsInvalidJson) {
  for (const char* text : {"", "{", "{\"format\":", "not json", "{\"a\":1,}"}) {
    Decoded d = DecodeText(text);
    EXPECT_EQ(d.status.code(), "INVALID_JSON") << "'" << text << "'";
    EXPECT_EQ(d.headers, 0);
  }
}

TEST(ChangeBatchTest, WrongStructureIsInvalidBatchAndReachesNoSink) {
  const std::string f = "\"format\":\"edgestay.changes/1\"";
  const std::string hotel = "{\"op\":\"upsert\",\"table\":\"hotels\",\"row\":{\"id\":1,\"name\":\"H\"}}";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not an object", "[]"},
      {"missing format", "{\"changes\":[]}"},
      {"other format", "{\"format\":\"edgestay.changes/2\",\"changes\":[]}"},
      {"format not a string", "{\"format\":1,\"changes\":[]}"},
      {"missing changes", "{" + f + "}"},
      {"changes not an array", "{" + f + ",\"changes\":{}}"},
      {"change not an object", "{" + f + ",\"changes\":[" + hotel + ",5]}"},
      {"missing op", "{" + f + ",\"changes\":[{\"table\":\"hotels\",\"row\":{\"id\":1,\"name\":\"H\"}}]}"},
      {"unknown op", "{" + f + ",\"changes\":[{\"op\":\"insert\",\"table\":\"hotels\",\"row\":{\"id\":1,\"name\":\"H\"}}]}"},
      {"missing table", "{" + f + ",\"changes\":[{\"op\":\"upsert\",\"row\":{\"id\":1,\"name\":\"H\"}}]}"},
      {"table not a string", "{" + f + ",\"changes\":[{\"op\":\"upsert\",\"table\":7,\"row\":{\"id\":1}}]}"},
      {"unknown table", "{" + f + ",\"changes\":[{\"op\":\"upsert\",\"table\":\"rooms\",\"row\":{\"id\":1}}]}"},
      {"upsert without row or rows", "{" + f + ",\"changes\":[{\"op\":\"upsert\",\"table\":\"hotels\"}]}"},
      {"upsert with row and rows",
       "{" + f + ",\"changes\":[{\"op\":\"upsert\",\"table\":\"hotels\",\"row\":{\"id\":1,\"name\":\"H\"},"
                 "\"columns\":[\"id\",\"name\"],\"rows\":[[2,\"I\"]]}]}"},
      {"row not an object", "{" + f + ",\"changes\":[{\"op\":\"upsert\",\"table\":\"hotels\",\"row\":[1,\"H\"]}]}"},
      {"rows without columns", "{" + f + ",\"changes\":[{\"op\":\"upsert\",\"table\":\"hotels\",\"rows\":[[1,\"H\"]]}]}"},
      {"empty columns",
       "{" + f + ",\"changes\":[{\"op\":\"upsert\",\"table\":\"hotels\",\"columns\":[],\"rows\":[]}]}"},
      {"unknown column in columns",
       "{" + f + ",\"changes\":[{\"op\":\"upsert\",\"table\":\"hotels\",\"columns\":[\"id\",\"nmae\"],\"rows\":[[1,\"H\"]]}]}"},
      {"duplicate column",
       "{" + f + ",\"changes\":[{\"op\":\"upsert\",\"table\":\"hotels\",\"columns\":[\"id\",\"id\"],\"rows\":[[1,1]]}]}"},
      {"rows not an array",
       "{" + f + ",\"changes\":[{\"op\":\"upsert\",\"table\":\"hotels\",\"columns\":[\"id\",\"name\"],\"rows\":{}}]}"},
      {"delete without key", "{" + f + ",\"changes\":[{\"op\":\"delete\",\"table\":\"hotels\"}]}"},
      {"delete by a non-key column",
       "{" + f + ",\"changes\":[{\"op\":\"delete\",\"table\":\"hotels\",\"key\":{\"id\":1,\"name\":\"H\"}}]}"},
      {"since of the wrong type", "{" + f + ",\"since\":{},\"changes\":[]}"},
      {"cursor over 128 characters", "{" + f + ",\"cursor\":\"" + std::string(129, 'c') + "\",\"changes\":[]}"},
      {"negative syncedAt", "{" + f + ",\"syncedAt\":-1,\"changes\":[]}"},
  };
  for (const auto& [name, text] : cases) {
    Decoded d = DecodeText(text);
    EXPECT_EQ(d.status.code(), "INVALID_BATCH") << name << ": " << d.status.ToJson();
    // Only "change not an object" has a valid change before the bad one.
    EXPECT_LE(d.rows.size(), name == "change not an object" ? 1u : 0u) << name;
  }
}

TEST(ChangeBatchTest, UnknownColumnInARowIsInvalidBatchNamingTheColumn) {
  Decoded d = Decode(Batch({Hotel(1, "H"), Upsert("hotels", json{{"id", 2}, {"name", "I"}, {"nmae", "typo"}})}));
  EXPECT_EQ(d.status.code(), "INVALID_BATCH");
  EXPECT_EQ(d.status.message(), "changes[1].row.nmae: unknown column of hotels");
  EXPECT_EQ(d.details(), (json{{"change", 1}, {"row", nullptr}, {"field", "nmae"}}));
  EXPECT_EQ(d.rows.size(), 1u);
}

TEST(ChangeBatchTest, ColumnarRowOfWrongArityIsInvalidBatch) {
  json change = UpsertRows("room_inventory", kInventoryCols,
                           json::array({json::array({10, "2026-06-01", 8, 5, 12900}),
                                        json::array({10, "2026-06-02", 8, 5}),  // one value short
                                        json::array({10, "2026-06-03", 8, 5, 12900})}));
  Decoded d = Decode(Batch({change}));
  EXPECT_EQ(d.status.code(), "INVALID_BATCH");
  EXPECT_EQ(d.details(), (json{{"change", 0}, {"row", 1}, {"field", nullptr}}));
  EXPECT_NE(d.status.message().find("changes[0].rows[1]"), std::string::npos) << d.status.message();
  EXPECT_EQ(d.rows.size(), 1u);

  change["rows"] = json::array({json::array({10, "2026-06-01", 8, 5, 12900, 1})});  // one value too many
  EXPECT_EQ(Decode(Batch({change})).status.code(), "INVALID_BATCH");
  change["rows"] = json::array({json{{"room_type_id", 10}}});  // an object, not an array
  EXPECT_EQ(Decode(Batch({change})).status.code(), "INVALID_BATCH");
}

struct BadValue {
  const char* what;
  const char* table;
  json row;
  const char* field;
};

json Inv(const json& extra) {
  json row{{"room_type_id", 10}, {"date", "2026-06-01"}, {"total", 8}, {"available", 5}, {"price_cents", 12900}};
  for (auto it = extra.begin(); it != extra.end(); ++it) row[it.key()] = it.value();
  return row;
}
json Special(const json& extra) {
  json row{{"hotel_id", 1}, {"date", "2026-06-01"}, {"kind", "holiday"}};
  for (auto it = extra.begin(); it != extra.end(); ++it) row[it.key()] = it.value();
  return row;
}

TEST(ChangeBatchTest, EachColumnTypeRejectsWrongValuesAsInvalidRow) {
  const std::vector<BadValue> cases = {
      {"impossible date", "room_inventory", Inv({{"date", "2026-02-30"}}), "date"},
      {"short date", "room_inventory", Inv({{"date", "2026-6-01"}}), "date"},
      {"date as a number", "room_inventory", Inv({{"date", 20260601}}), "date"},
      {"negative count", "room_inventory", Inv({{"total", -1}}), "total"},
      {"fractional count", "room_inventory", Inv({{"price_cents", 1.5}}), "price_cents"},
      {"string for an int", "room_inventory", Inv({{"available", "5"}}), "available"},
      {"null for a required int", "room_inventory", Inv({{"total", nullptr}}), "total"},
      {"min_stay 0", "room_inventory", Inv({{"min_stay", 0}}), "min_stay"},
      {"min_stay over 365", "room_inventory", Inv({{"min_stay", 366}}), "min_stay"},
      {"bool 2", "room_inventory", Inv({{"stop_sell", 2}}), "stop_sell"},
      {"bool as a string", "room_inventory", Inv({{"closed_to_arrival", "true"}}), "closed_to_arrival"},
      {"id 0", "room_inventory", Inv({{"room_type_id", 0}}), "room_type_id"},
      {"id of 2^53", "hotels", json{{"id", 9007199254740992LL}, {"name", "H"}}, "id"},
      {"negative id", "hotels", json{{"id", -5}, {"name", "H"}}, "id"},
      {"empty text", "hotels", json{{"id", 1}, {"name", ""}}, "name"},
      {"number for text", "hotels", json{{"id", 1}, {"name", 5}}, "name"},
      {"currency of 4 letters", "hotels", json{{"id", 1}, {"name", "H"}, {"currency", "EURO"}}, "currency"},
      {"offset beyond +14:00", "hotels", json{{"id", 1}, {"name", "H"}, {"utc_offset_minutes", 841}}, "utc_offset_minutes"},
      {"unknown enum value", "special_days", Special({{"kind", "party"}}), "kind"},
      {"multiplier 0", "special_days", Special({{"price_multiplier_pct", 0}}), "price_multiplier_pct"},
      {"multiplier over 1000", "special_days", Special({{"price_multiplier_pct", 1001}}), "price_multiplier_pct"},
      {"unknown rule key", "booking_rules", json{{"hotel_id", 1}, {"key", "max_stay"}, {"value", 3}}, "key"},
      {"unknown booking status", "bookings", BookingRow(1, 1, 7, 10, "BOOKED", "2026-06-01", "2026-06-02"), "status"},
      {"negative created_at", "bookings",
       BookingRow(1, 1, 7, 10, "CONFIRMED", "2026-06-01", "2026-06-02", {{"created_at", -1}}), "created_at"},
      {"zero rooms", "bookings", BookingRow(1, 1, 7, 10, "CONFIRMED", "2026-06-01", "2026-06-02", {{"rooms", 0}}),
       "rooms"},
      {"end before start", "bookings", BookingRow(1, 1, 7, 10, "CONFIRMED", "2026-06-02", "2026-06-02"), "end_date"},
      {"unknown origin", "bookings",
       BookingRow(1, 1, 7, 10, "CONFIRMED", "2026-06-01", "2026-06-02", {{"origin", "edge"}}), "origin"},
      {"missing key column", "room_inventory",
       json{{"room_type_id", 10}, {"total", 8}, {"available", 5}, {"price_cents", 1}}, "date"},
  };
  for (const BadValue& c : cases) {
    Decoded d = Decode(Batch({Upsert(c.table, c.row)}));
    EXPECT_EQ(d.status.code(), "INVALID_ROW") << c.what << ": " << d.status.ToJson();
    EXPECT_EQ(d.details(), (json{{"change", 0}, {"row", nullptr}, {"field", c.field}})) << c.what;
    EXPECT_EQ(d.status.message().rfind(std::string("changes[0].row.") + c.field + ": ", 0), 0u)
        << c.what << ": " << d.status.message();
    EXPECT_TRUE(d.rows.empty()) << c.what;
  }
}

TEST(ChangeBatchTest, ValidValuesOfEachTypeReachTheSink) {
  Decoded d = Decode(Batch({
      Upsert("room_inventory", Inv({{"stop_sell", true}, {"closed_to_arrival", 0}, {"closed_to_departure", false},
                                    {"min_stay", 365}, {"max_stay", 0}})),
      Upsert("special_days", Special({{"min_stay", nullptr}, {"note", nullptr}, {"price_multiplier_pct", 1000}})),
      Upsert("hotels", json{{"id", 9007199254740991LL}, {"name", "H"}, {"utc_offset_minutes", -840}}),
  }));
  ASSERT_TRUE(d.status.ok()) << d.status.ToJson();
  ASSERT_EQ(d.rows.size(), 3u);
  EXPECT_EQ(d.rows[0].values["stop_sell"], "1");
  EXPECT_EQ(d.rows[0].values["closed_to_arrival"], "0");
  EXPECT_EQ(d.rows[0].values["closed_to_departure"], "0");
  EXPECT_EQ(d.rows[0].values["date"], "'2026-06-01'");
  EXPECT_EQ(d.rows[1].values["min_stay"], "null");
  EXPECT_EQ(d.rows[1].values.count("note"), 1u);
  EXPECT_EQ(d.rows[2].values["id"], "9007199254740991");
  EXPECT_EQ(d.rows[2].values["utc_offset_minutes"], "-840");
}

TEST(ChangeBatchTest, AvailableAboveTotalIsRejectedWithinARow) {
  EXPECT_TRUE(Decode(Batch({Upsert("room_inventory", Inv({{"available", 8}}))})).status.ok());
  Decoded d = Decode(Batch({Upsert("room_inventory", Inv({{"available", 9}}))}));
  EXPECT_EQ(d.status.code(), "INVALID_ROW");
  EXPECT_EQ(d.status.message(), "changes[0].row.available: must be <= total (8)");
  EXPECT_EQ(d.details()["field"], "available");
  EXPECT_TRUE(d.rows.empty());
}

TEST(ChangeBatchTest, ErrorsNameChangeRowAndFieldInMessageAndDetails) {
  json rows = json::array({json::array({10, "2026-06-01", 8, 5, 12900}), json::array({10, "2026-06-02", 8, 8, 12900}),
                           json::array({10, "2026-06-03", 8, 9, 12900}), json::array({10, "2026-06-04", 8, 1, 12900})});
  Decoded d = Decode(Batch({Hotel(1, "H"), UpsertRows("room_inventory", kInventoryCols, rows)}));
  EXPECT_EQ(d.status.code(), "INVALID_ROW");
  EXPECT_EQ(d.status.message(), "changes[1].rows[2].available: must be <= total (8)");
  EXPECT_EQ(d.details(), (json{{"change", 1}, {"row", 2}, {"field", "available"}}));
  // The full error shape of sync/FORMAT.md §4.
  json err = Parse(d.status.ToJson());
  EXPECT_EQ(err["code"], "INVALID_ROW");
  EXPECT_EQ(err["details"]["row"], 2);
}

TEST(ChangeBatchTest, SinkReceivesEveryRowInBatchOrder) {
  json rows = json::array({json::array({10, "2026-06-01", 8, 5, 100}), json::array({10, "2026-06-02", 8, 6, 200}),
                           json::array({11, "2026-06-01", 2, 2, 300})});
  Decoded d = Decode(Batch({Hotel(1, "H"), UpsertRows("room_inventory", kInventoryCols, rows),
                            Delete("special_days", json{{"hotel_id", 1}, {"date", "2026-12-24"}}),
                            Upsert("booking_rules", json{{"hotel_id", 1}, {"key", "max_nights"}, {"value", 14}})}));
  ASSERT_TRUE(d.status.ok()) << d.status.ToJson();
  ASSERT_EQ(d.rows.size(), 6u);
  const std::vector<std::tuple<std::string, int, int>> where = {{"hotels", 0, -1},         {"room_inventory", 1, 0},
                                                                {"room_inventory", 1, 1},  {"room_inventory", 1, 2},
                                                                {"special_days", 2, -1},   {"booking_rules", 3, -1}};
  for (size_t i = 0; i < where.size(); ++i) {
    EXPECT_EQ(d.rows[i].table, std::get<0>(where[i])) << i;
    EXPECT_EQ(d.rows[i].change, std::get<1>(where[i])) << i;
    EXPECT_EQ(d.rows[i].row, std::get<2>(where[i])) << i;
  }
  EXPECT_EQ(d.rows[2].values["price_cents"], "200");
  EXPECT_EQ(d.rows[3].values["room_type_id"], "11");
  EXPECT_EQ(d.rows[1].values.count("min_stay"), 0u) << "a column not given stays absent";
  EXPECT_EQ(d.rows[4].op, Op::kDelete);
  EXPECT_EQ(d.rows[4].values, (std::map<std::string, std::string>{{"hotel_id", "1"}, {"date", "'2026-12-24'"}}));
  EXPECT_EQ(d.rows[5].op, Op::kUpsert);
}

TEST(ChangeBatchTest, DecodingStopsAtTheFirstBadRow) {
  json rows = json::array({json::array({10, "2026-06-01", 8, 5, 100}), json::array({10, "2026-06-31", 8, 6, 200}),
                           json::array({10, "2026-06-03", 8, 6, 200})});
  Decoded d = Decode(Batch({UpsertRows("room_inventory", kInventoryCols, rows), Hotel(1, "H")}));
  EXPECT_EQ(d.status.code(), "INVALID_ROW");
  EXPECT_EQ(d.details(), (json{{"change", 0}, {"row", 1}, {"field", "date"}}));
  ASSERT_EQ(d.rows.size(), 1u);
  EXPECT_EQ(d.rows[0].values["date"], "'2026-06-01'");
}

TEST(ChangeBatchTest, ASinkErrorStopsDecodingAndIsReturned) {
  Decoded d = Decode(Batch({Hotel(1, "A"), Hotel(2, "B"), Hotel(3, "C")}), /*fail_at_row=*/1);
  EXPECT_EQ(d.status.code(), "STOP");
  EXPECT_EQ(d.rows.size(), 2u);
}

TEST(ChangeBatchTest, HeaderCarriesSinceCursorAndSyncedAtBeforeAnyRow) {
  Decoded d = Decode(Batch({Hotel(1, "H")}, {{"since", "41"}, {"cursor", 57}, {"syncedAt", 1764120000000LL}}));
  ASSERT_TRUE(d.status.ok()) << d.status.ToJson();
  EXPECT_EQ(d.headers, 1);
  EXPECT_EQ(d.header.since, std::optional<std::string>("41"));
  EXPECT_FALSE(d.header.since_is_null);
  EXPECT_EQ(d.header.cursor, std::optional<std::string>("57"));  // integers become strings
  EXPECT_EQ(d.header.synced_at, std::optional<int64_t>(1764120000000LL));
  EXPECT_EQ(d.header.change_count, 1);

  d = Decode(Batch({}, {{"since", nullptr}}));
  EXPECT_TRUE(d.header.since_is_null);
  EXPECT_FALSE(d.header.since.has_value());
  d = Decode(Batch({}));
  EXPECT_FALSE(d.header.since_is_null);
  EXPECT_FALSE(d.header.since.has_value());
  EXPECT_FALSE(d.header.cursor.has_value());
}

TEST(ChangeBatchTest, AHeaderRejectionStopsBeforeAnyRow) {
  int rows = 0;
  Status s = protocol::DecodeChangeBatch(
      Batch({Hotel(1, "H")}).dump(), [](const BatchHeader&) { return Status::Error("CURSOR_MISMATCH", "no"); },
      [&](const RowChange&) {
        ++rows;
        return Status::Ok();
      });
  EXPECT_EQ(s.code(), "CURSOR_MISMATCH");
  EXPECT_EQ(rows, 0);
}

TEST(ChangeBatchTest, UnknownTopLevelKeysAreIgnored) {
  Decoded d = Decode(Batch({Hotel(1, "H")}, {{"server", "central-3"}, {"extra", json{{"a", 1}}}}));
  EXPECT_TRUE(d.status.ok()) << d.status.ToJson();
  EXPECT_EQ(d.rows.size(), 1u);
}

// Tokenized rows (protocol::RowsTag, what bindings/js/rows.mjs writes) decode to the rows
// their JSON text decodes to; cut within a row, or with a tag past the last, they are refused
// as INVALID_BATCH, never read past their end (the fuzz target tries the rest).
TEST(ChangeBatchTest, TokenizedRowsDecodeAsTheirTextAndTruncatedOnesAreRefused) {
  auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  auto i64 = [](int64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); };
  auto text = [&](uint8_t tag, std::string_view s) { return std::string(1, static_cast<char>(tag)) + u32(s.size()) + std::string(s); };
  const std::string tokens = u32(5) + std::string(1, protocol::kRowInt32) + u32(7) + text(protocol::kRowText, "2026-05-01") +
                             std::string(1, protocol::kRowInt64) + i64(9) + std::string(1, protocol::kRowInt32) + u32(3) +
                             text(protocol::kRowNumber, "12000") +
                             u32(5) + std::string(1, protocol::kRowInt32) + u32(7) + text(protocol::kRowText, "2026-05-02") +
                             std::string(1, protocol::kRowInt32) + u32(9) + std::string(1, protocol::kRowNull) +
                             text(protocol::kRowNumber, "1.5");
  const json shape = Batch({UpsertRows("room_inventory", kInventoryCols, json::array())});
  const json as_text = Batch({UpsertRows("room_inventory", kInventoryCols,
                                         json::array({json{7, "2026-05-01", 9, 3, 12000}, json{7, "2026-05-02", 9, nullptr, 1.5}}))});
  const Decoded from_tokens = DecodeText(shape.dump(), -1, tokens);
  const Decoded from_text = Decode(as_text);
  EXPECT_EQ(from_tokens.status.ToJson(), from_text.status.ToJson());
  ASSERT_EQ(from_tokens.rows.size(), from_text.rows.size());
  ASSERT_EQ(from_tokens.rows.size(), 1u);  // the second row's available is null
  EXPECT_EQ(from_tokens.rows[0].values, from_text.rows[0].values);
  const size_t first_row_end = 4 + 5 + 15 + 9 + 5 + 10;  // a cut there is one whole row
  for (size_t cut = 1; cut < tokens.size(); ++cut) {
    const Decoded d = DecodeText(shape.dump(), -1, std::string_view(tokens).substr(0, cut));
    EXPECT_EQ(d.status.ok(), cut == first_row_end) << cut;
    if (cut != first_row_end) EXPECT_EQ(d.status.code(), "INVALID_BATCH") << cut;
  }
  std::string bad_tag = tokens;
  bad_tag[4] = 9;
  EXPECT_EQ(DecodeText(shape.dump(), -1, bad_tag).status.code(), "INVALID_BATCH");
  // Rows as text and as tokens at once: refused.
  EXPECT_EQ(DecodeText(as_text.dump(), -1, tokens).status.code(), "INVALID_BATCH");
}

}  // namespace
}  // namespace edgestay::test
