// The streaming change-batch decoder (sync/protocol/change_batch.cc) against the DOM decoder
// it replaced (change_batch_oracle.h), on random batches written as text (any key order,
// duplicate keys, escapes, edge numbers, wrong types) and on byte-level mutations of them
// (truncation, stray bytes, NUL, BOM, broken UTF-8): the same verdict, the same error (code,
// message, details), the same header and the same rows, in the same order. One allowed
// difference: a message quoting a number of 16+ significant digits quotes it as written.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "change_batch_oracle.h"
#include "edgestay/protocol/change_batch.h"
#include "test_support.h"

namespace edgestay::test {
namespace {

using protocol::BatchHeader;
using protocol::ColType;
using protocol::ColumnSpec;
using protocol::RowChange;
using protocol::TableSpec;
using protocol::Value;

// Everything a decoder did with a batch, as text.
std::string Trace(bool stream, std::string_view text, int change_offset, int row_offset, int refuse_row) {
  std::string t;
  int rows = 0;
  auto on_header = [&](const BatchHeader& h) {
    t += "header since=" + (h.since ? "'" + *h.since + "'" : std::string("-")) +
         (h.since_is_null ? " null" : "") + " cursor=" + (h.cursor ? "'" + *h.cursor + "'" : std::string("-")) +
         " syncedAt=" + (h.synced_at ? std::to_string(*h.synced_at) : std::string("-")) +
         " changes=" + std::to_string(h.change_count) + "\n";
    return Status::Ok();
  };
  auto sink = [&](const RowChange& c) -> Status {
    t += std::string(c.op == protocol::Op::kDelete ? "delete " : "upsert ") + c.table->name + " @" +
         std::to_string(c.pos.change) + "/" + std::to_string(c.pos.row) + ":";
    for (size_t i = 0; i < c.table->columns.size(); ++i) {
      const Value& v = c.values[i];
      if (v.kind == Value::kAbsent) continue;
      t += std::string(" ") + c.table->columns[i].name + "=";
      if (v.kind == Value::kNull) t += "null";
      if (v.kind == Value::kInt) t += std::to_string(v.i);
      if (v.kind == Value::kText) t += "'" + std::string(v.s) + "'";
    }
    t += "\n";
    if (rows++ == refuse_row) return Status::Error("SINK", "refused");
    return Status::Ok();
  };
  Status s = stream ? protocol::DecodeChangeBatch(text, on_header, sink, change_offset, row_offset)
                    : oracle::DomDecodeChangeBatch(text, on_header, sink, change_offset, row_offset);
  return t + "=> " + (s.ok() ? "ok" : s.code() + " | " + s.message() + " | " + s.details_json());
}

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  int Int(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  bool One(int n) { return Int(n) == 0; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[Int(static_cast<int>(v.size()))]; }

  std::string Ws() {
    static const std::vector<std::string> kWs = {"", "", "", " ", "\n", "\t ", "\r\n  "};
    return One(4) ? Pick(kWs) : "";
  }

  // A JSON string literal of s, sometimes with characters written as escapes.
  std::string Str(std::string_view s) {
    std::string out = "\"";
    const bool escape_some = One(8);
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04X", c);
        out += buf;
      } else if (escape_some && c < 0x80 && One(3)) {
        char buf[8];
        std::snprintf(buf, sizeof buf, One(2) ? "\\u%04x" : "\\u%04X", c);
        out += c == '/' ? std::string("\\/") : std::string(buf);
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  }

  std::string OddValue() {
    if (One(40)) return One(2) ? "1e400" : "-" + std::string(400, '9');  // overflow a double: not JSON to nlohmann
    static const std::vector<std::string> kOdd = {
        "null", "true", "false", "0", "1", "-1", "-0", "2", "1.0", "1e2", "0.5", "-1.5E-3",
        "9007199254740991", "9007199254740992", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "123456789012345678901234567890", "[]", "{}", "[1,2]", "{\"a\":[1,{\"b\":null}]}", "\"\"", "\"x\"",
        "\"5\"", "\"2026-06-01\"", "\"\\u0000\"", "\"a\\u0000b\"", "\"caf\\u00e9\"", "\"caf\xc3\xa9\"",
        "\"\\ud83d\\ude00\"", "\"\\\"q\\\\\"", "\"" + std::string(130, 'c') + "\"", "[[[[[[[[[[[]]]]]]]]]]]"};
    return Pick(kOdd);
  }

  std::string Val(const ColumnSpec& col) {
    if (One(6)) return OddValue();
    if (col.nullable && One(5)) return "null";
    switch (col.type) {
      case ColType::kId: return std::to_string(One(10) ? 9007199254740991LL : 1 + Int(6));
      case ColType::kInt: {
        const int64_t span = std::min<int64_t>(col.max - col.min, 20);
        return std::to_string(col.min - (One(10) ? 1 : 0) + Int(static_cast<int>(span + 2)));
      }
      case ColType::kMillis: return std::to_string(One(10) ? -1 : 1764120000000LL + Int(1000));
      case ColType::kBool: return Pick(std::vector<std::string>{"0", "1", "true", "false", "2"});
      case ColType::kDate:
        return Str(Pick(std::vector<std::string>{"2026-06-01", "2026-06-02", "2026-12-24", "2026-02-30", "2026-6-01",
                                                 "1899-12-31", "2999-12-31"}));
      case ColType::kEnum:
        if (One(8)) return Str("party");
        return Str(col.enum_values[Int(static_cast<int>(col.enum_values.size()))]);
      case ColType::kText:
        return Str(Pick(std::vector<std::string>{"H", "Harbour", "EUR", "USD", "UTC", "", "Europe/Lisbon",
                                                 "caf\xc3\xa9", "a/b\"c\\d", "tab\there", "EURO"}));
    }
    return "null";
  }

  // A member list written as an object, keys in the given order.
  std::string Object(const std::vector<std::pair<std::string, std::string>>& members) {
    std::string out = "{" + Ws();
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) out += "," + Ws();
      out += Str(members[i].first) + Ws() + ":" + Ws() + members[i].second + Ws();
    }
    return out + "}";
  }

  void Shuffle(std::vector<std::pair<std::string, std::string>>* m) {
    for (size_t i = m->size(); i > 1; --i) std::swap((*m)[i - 1], (*m)[Int(static_cast<int>(i))]);
  }

  // Sometimes repeats a member (with another value, or the same) somewhere later.
  void Duplicate(std::vector<std::pair<std::string, std::string>>* m, const std::function<std::string()>& other) {
    if (m->empty() || !One(6)) return;
    auto copy = (*m)[Int(static_cast<int>(m->size()))];
    if (One(2)) copy.second = other();
    m->insert(m->begin() + Int(static_cast<int>(m->size()) + 1), copy);
  }

  std::vector<int> Columns(const TableSpec& t, bool key_only) {
    std::vector<int> cols;
    for (size_t c = 0; c < t.columns.size(); ++c) {
      bool is_key = false;
      for (int k : t.key) is_key = is_key || k == static_cast<int>(c);
      const bool required = !t.columns[c].nullable && !t.columns[c].has_default;
      if (key_only ? is_key : (required ? !One(12) : One(2))) cols.push_back(static_cast<int>(c));
    }
    return cols;
  }

  std::string RowObject(const TableSpec& t, bool key_only) {
    std::vector<std::pair<std::string, std::string>> m;
    for (int c : Columns(t, key_only)) m.emplace_back(t.columns[c].name, Val(t.columns[c]));
    if (One(10)) m.emplace_back(One(2) ? "nmae" : t.columns[Int(static_cast<int>(t.columns.size()))].name, "1");
    // Unknown keys that sort before, between and after the columns, sometimes several: the
    // error names the smallest one unless a column before it fails first.
    static const char* const kUnknown[] = {"aaa", "hotel", "id_", "zz", "Id", "\u00e9t\u00e9"};
    while (One(8)) m.emplace_back(kUnknown[Int(6)], One(3) ? OddValue() : "1");
    Shuffle(&m);
    Duplicate(&m, [&] { return OddValue(); });
    return Object(m);
  }

  std::string Change() {
    const auto& tables = protocol::Tables();
    const TableSpec& t = tables[Int(static_cast<int>(tables.size()))];
    std::vector<std::pair<std::string, std::string>> m;
    const int shape = Int(10);  // 0-5 columnar, 6-8 row, 9 delete
    const bool del = shape == 9;
    if (!One(25)) m.emplace_back("op", One(25) ? OddValue() : Str(del ? "delete" : One(30) ? "insert" : "upsert"));
    if (!One(25)) m.emplace_back("table", One(30) ? Str("rooms") : One(40) ? "7" : Str(t.name));
    if (del) {
      m.emplace_back("key", One(15) ? OddValue() : RowObject(t, !One(6)));
    } else if (shape >= 6) {
      m.emplace_back("row", One(20) ? OddValue() : RowObject(t, false));
    } else {
      std::vector<int> cols = Columns(t, false);
      std::string columns = "[";
      for (size_t i = 0; i < cols.size(); ++i) columns += (i ? "," : "") + Str(t.columns[cols[i]].name);
      if (One(15)) columns += std::string(cols.empty() ? "" : ",") + (One(2) ? Str("nmae") : OddValue());
      if (One(15) && !cols.empty()) columns += "," + Str(t.columns[cols[0]].name);
      columns += "]";
      if (!One(25)) m.emplace_back("columns", One(30) ? OddValue() : columns);
      std::string rows = "[" + Ws();
      const int n = Int(5);
      for (int r = 0; r < n; ++r) {
        if (r) rows += "," + Ws();
        if (One(30)) {
          rows += OddValue();
          continue;
        }
        rows += "[";
        size_t width = cols.size();
        if (One(25)) width = One(2) ? width + 1 : (width ? width - 1 : 0);
        for (size_t c = 0; c < width; ++c) {
          rows += (c ? "," : "") + Ws() + (c < cols.size() ? Val(t.columns[cols[c]]) : std::string("1"));
        }
        rows += "]";
      }
      rows += Ws() + "]";
      m.emplace_back("rows", One(30) ? OddValue() : rows);
      if (One(20)) m.emplace_back("row", RowObject(t, false));
    }
    if (One(8)) m.emplace_back("note", OddValue());
    if (One(3)) Shuffle(&m);
    Duplicate(&m, [&] {
      return One(2) ? OddValue() : Str(Pick(std::vector<std::string>{"upsert", "delete", "hotels"}));
    });
    return One(40) ? OddValue() : Object(m);
  }

  std::string Batch() {
    std::vector<std::pair<std::string, std::string>> m;
    if (!One(20)) {
      m.emplace_back("format", One(20) ? Str("edgestay.changes/2") : One(30) ? "1" : Str("edgestay.changes/1"));
    }
    auto cursor = [&] {
      return Pick(std::vector<std::string>{Str("41"), "57", "null", "-3", "1.5", "{}", Str(std::string(129, 'c')),
                                           Str(std::string(128, 'c')), Str("a\\u0000b")});
    };
    if (One(3)) m.emplace_back("since", cursor());
    if (One(2)) m.emplace_back("cursor", cursor());
    if (One(2)) {
      m.emplace_back("syncedAt", Pick(std::vector<std::string>{"1764120000000", "-1", "null", "0", "1.5", Str("1")}));
    }
    std::string changes = "[" + Ws();
    const int n = Int(5);
    for (int i = 0; i < n; ++i) changes += (i ? "," + Ws() : "") + Change();
    changes += Ws() + "]";
    if (!One(25)) m.emplace_back("changes", One(30) ? OddValue() : changes);
    if (One(6)) m.emplace_back("hasMore", "false");
    if (One(2)) Shuffle(&m);
    Duplicate(&m, [&] { return One(2) ? cursor() : std::string("[]"); });
    return Ws() + (One(50) ? OddValue() : Object(m)) + Ws();
  }

  // One to three byte-level edits.
  std::string Mutate(std::string s) {
    static const std::string kBytes =
        std::string("\"\\{}[],:0123456789-+.eEutfnalsr \n\t") + '\0' + "\xff\xc3\xa9\xed\xa0\x80";
    const int edits = 1 + Int(3);
    for (int k = 0; k < edits && !s.empty(); ++k) {
      const size_t at = static_cast<size_t>(Int(static_cast<int>(s.size())));
      switch (Int(7)) {
        case 0: s.erase(at, 1); break;
        case 1: s.insert(at, 1, kBytes[Int(static_cast<int>(kBytes.size()))]); break;
        case 2: s[at] = kBytes[Int(static_cast<int>(kBytes.size()))]; break;
        case 3: s.resize(at); break;
        case 4: s.insert(at, s.substr(Int(static_cast<int>(s.size())), 1 + Int(12))); break;
        case 5: s = (One(2) ? std::string("\xef\xbb\xbf") : std::string("\xef\xbb")) + s; break;
        case 6: s += One(2) ? std::string(1, '\0') + "trailing garbage" : std::string(" x"); break;
      }
    }
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

// An error message may quote a bad value; a number of more than 15 significant digits (or
// outside 1e-300..1e308) the stream quotes as written (json_value.h: its shortest form
// needs a correctly rounded binary conversion), the DOM decoder as nlohmann dumps it.
// True when the two traces differ only so: at each difference, two number tokens of the
// same double value, the stream's one of 16+ significant digits or far out of range.
bool SameButVerbatimNumbers(const std::string& stream, const std::string& dom) {
  auto number_char = [](char c) { return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'; };
  size_t i = 0, j = 0;
  while (i < stream.size() && j < dom.size()) {
    if (stream[i] == dom[j]) {
      ++i, ++j;
      continue;
    }
    while (i > 0 && number_char(stream[i - 1])) --i, --j;  // back to the tokens' start
    size_t ie = i, je = j;
    while (ie < stream.size() && number_char(stream[ie])) ++ie;
    while (je < dom.size() && number_char(dom[je])) ++je;
    const std::string a = stream.substr(i, ie - i), b = dom.substr(j, je - j);
    if (a.empty() || b.empty() || std::strtod(a.c_str(), nullptr) != std::strtod(b.c_str(), nullptr)) return false;
    int digits = 0;
    for (char c : a.substr(0, a.find_first_of("eE"))) digits += c >= '0' && c <= '9';
    const double d = std::fabs(std::strtod(a.c_str(), nullptr));
    if (digits <= 15 && d >= 1e-299 && d < 1e308) return false;
    i = ie, j = je;
  }
  return i == stream.size() && j == dom.size();
}

void ExpectSame(const std::string& text, int change_offset, int row_offset, int refuse_row, int* ok_count) {
  const std::string dom = Trace(false, text, change_offset, row_offset, refuse_row);
  const std::string stream = Trace(true, text, change_offset, row_offset, refuse_row);
  if (stream != dom && SameButVerbatimNumbers(stream, dom)) return;
  ASSERT_EQ(stream, dom) << "batch: " << text;
  if (dom.size() >= 5 && dom.compare(dom.size() - 5, 5, "=> ok") == 0) ++*ok_count;
}

TEST(ChangeBatchStreamTest, SameVerdictErrorAndRowsAsTheDomDecoderOnRandomBatches) {
  Gen g(20261201);
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string text = g.Batch();
    const int change_offset = g.One(5) ? g.Int(100) : 0;
    const int row_offset = g.One(5) ? g.Int(100000) : 0;
    ASSERT_NO_FATAL_FAILURE(ExpectSame(text, change_offset, row_offset, g.One(10) ? g.Int(4) : -1, &ok));
  }
  // The generator must reach the sink often, not only error paths.
  EXPECT_GT(ok, 2000);
}

TEST(ChangeBatchStreamTest, SameVerdictErrorAndRowsAsTheDomDecoderOnMutatedBatches) {
  Gen g(777);
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string text = g.Mutate(g.Batch());
    ASSERT_NO_FATAL_FAILURE(ExpectSame(text, 0, 0, -1, &ok));
  }
  EXPECT_GT(ok, 200);
}

TEST(ChangeBatchStreamTest, HeaderAfterChangesAndLaterDuplicatesDecideAsInADocument) {
  const std::string hotel = "{\"op\":\"upsert\",\"table\":\"hotels\",\"row\":{\"id\":1,\"name\":\"H\"}}";
  const std::string inv =
      "{\"op\":\"upsert\",\"table\":\"room_inventory\",\"columns\":[\"room_type_id\",\"date\",\"total\",\"available\","
      "\"price_cents\"],\"rows\":[[10,\"2026-06-01\",8,5,100]]";
  const std::vector<std::string> cases = {
      // header fields after the changes
      "{\"changes\":[" + hotel + "],\"format\":\"edgestay.changes/1\",\"cursor\":\"9\",\"since\":null}",
      "{\"changes\":[" + hotel + "],\"format\":\"edgestay.changes/2\"}",
      // a later "changes" replaces the first
      "{\"format\":\"edgestay.changes/1\",\"changes\":[" + hotel + "],\"changes\":[]}",
      "{\"format\":\"edgestay.changes/1\",\"changes\":[" + hotel + "],\"changes\":5}",
      // a change that names its shape again after its rows
      "{\"format\":\"edgestay.changes/1\",\"changes\":[" + inv + ",\"table\":\"hotels\"}]}",
      "{\"format\":\"edgestay.changes/1\",\"changes\":[" + inv + ",\"op\":\"delete\",\"key\":{\"id\":1}}]}",
      "{\"format\":\"edgestay.changes/1\",\"changes\":[" + inv + ",\"row\":{}}]}",
      "{\"format\":\"edgestay.changes/1\",\"changes\":[" + inv + ",\"rows\":[]}]}",
      "{\"format\":\"edgestay.changes/1\",\"changes\":[" + inv +
          ",\"columns\":[\"date\",\"room_type_id\",\"total\",\"available\",\"price_cents\"]}]}",
      // a syntax error after a bad row still makes the batch invalid JSON
      "{\"format\":\"edgestay.changes/1\",\"changes\":[{\"op\":\"upsert\",\"table\":\"hotels\",\"row\":{\"id\":0}}],}",
      // escaped keys and values; NUL and BOM
      "\xef\xbb\xbf{\"f\\u006frmat\":\"edgestay.changes\\/1\",\"changes\":[{\"op\":\"upsert\",\"table\":\"hotels\","
      "\"r\\u006fw\":{\"name\":\"caf\\u00e9\",\"id\":1,\"name\":\"\\ud83d\\ude00\"}}]}",
      "{\"format\":\"edgestay.changes/1\",\"changes\":[]}" + std::string(1, '\0') + "{{{",
      "{\"format\":\"edgestay.changes/1\",\"changes\":[{\"op\":\"upsert\",\"table\":\"hotels\",\"row\":{\"id\":1,"
      "\"name\":\"a\\u0000b\"}}]}",
  };
  int ok = 0;
  for (const std::string& text : cases) ASSERT_NO_FATAL_FAILURE(ExpectSame(text, 0, 0, -1, &ok));
  EXPECT_GE(ok, 3);
}

}  // namespace
}  // namespace edgestay::test
