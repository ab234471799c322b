// The core's JSON reader (sync/protocol/json_value.h) against nlohmann::json, the parser it
// replaced in the core and still the server's: on random documents and on byte-level
// mutations of them (deep nesting, NUL bytes, invalid UTF-8, lone surrogates, huge
// numbers, -0, 1e400, duplicate keys, trailing garbage) both accept or both refuse, and an
// accepted text reads as the same tree (its dump, key order and duplicate keys included)
// with the same integers (protocol::ReadInt's rule).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "edgestay/protocol/json_fields.h"
#include "edgestay/protocol/json_value.h"
#include "test_support.h"

namespace edgestay::test {
namespace {

using protocol::json::JsonValue;
using protocol::json::kMaxDepth;

// Numbers valid and not: integers of any size, fractions and exponents of up to 15
// significant digits (dumped as nlohmann does), and longer ones or ones outside
// 1e-300..1e308 (which keep their own text in a dump), around the overflow threshold.
const char* kNumbers[] = {
    "0", "-0", "1", "-1", "42", "9007199254740991", "9007199254740992", "-9007199254740993",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "123456789012345678901234567890", "0.0", "-0.0",
    "1.5", "-1.5", "1.50", "100.0", "1e2", "1E2", "1e+2", "1e-2", "1.25e-5", "0.001", "0.0001", "1e15",
    "1e16", "123456789012345", "1234567890123456e0", "1.7976931348623157e308", "2.2250738585072014e-300",
    "1e308", "9.99e307", "0.1", "3.14159", "-2.5e-3", "5e-324e", "1e", "-", "01", "1.", ".5", "+1", "1e400",
    "-1e400", "1.8e308", "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649"
    "0179775872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548458177115"
    "3176447573027006985557136695962284291481986083493647529271907416844436551070434271155969950809304288017790"
    "4174497791",
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649"
    "0179775872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548458177115"
    "3176447573027006985557136695962284291481986083493647529271907416844436551070434271155969950809304288017790"
    "4174497792",
    "0.0179769313486231580793728971405303415079934132710037826936173778980444968292764750946649e311"};

// Strings: escapes, surrogate pairs, lone surrogates, control characters, UTF-8 good and bad.
const char* kStrings[] = {"\"\"", "\"a\"", "\"caf\xC3\xA9\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"",
                          "\"\\ude00\"", "\"\\ud83dx\"", "\"a\\nb\\t\\\"\\\\\\/\"", "\"\\u0000\"", "\"\\u001f\"",
                          "\"\x7f\"", "\"\x01\"", "\"\xC3\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"",
                          "\"\xF0\x9F\x98\x80\"", "\"\\x\"", "\"\\u12g4\"", "\"id\"", "\"status\"", "\"b\""};

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  int Int(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  bool One(int n) { return Int(n) == 0; }

  std::string Value(int depth) {
    const int pick = depth > 4 ? Int(4) : Int(7);
    switch (pick) {
      case 0: return kNumbers[Int(sizeof(kNumbers) / sizeof(kNumbers[0]))];
      case 1: return kStrings[Int(sizeof(kStrings) / sizeof(kStrings[0]))];
      case 2: return One(3) ? "null" : One(2) ? "true" : "false";
      case 3: return std::to_string(static_cast<int64_t>(rng_()) - (1ll << 31));
      case 4: case 5: {
        std::string s = "[";
        for (int i = Int(4); i > 0; --i) s += Ws() + Value(depth + 1) + Ws() + (i > 1 ? "," : "");
        return s + "]";
      }
      default: {
        std::string s = "{";
        for (int i = Int(5); i > 0; --i) {
          s += Ws() + kStrings[Int(sizeof(kStrings) / sizeof(kStrings[0]))] + Ws() + ":" + Value(depth + 1) +
               (i > 1 ? "," : "");
        }
        return s + "}";
      }
    }
  }
  std::string Ws() { return One(4) ? std::string(" \n\t\r").substr(Int(4), 1) : ""; }

  std::string Mutate(std::string s) {
    for (int n = 1 + Int(2); n > 0 && !s.empty(); --n) {
      const size_t at = static_cast<size_t>(Int(static_cast<int>(s.size())));
      switch (Int(6)) {
        case 0: s = s.substr(0, at); break;
        case 1: s.insert(at, 1, "\0\xff{}[],:\"\\x"[Int(11)]); break;
        case 2: s.erase(at, 1); break;
        case 3: s[at] = static_cast<char>(Int(256)); break;
        case 4: s = "\xEF\xBB\xBF" + s; break;
        default: s += One(2) ? std::string(1, '\0') + "junk" : " x"; break;
      }
    }
    return s;
  }

 private:
  std::mt19937 rng_;
};

// A number the reader dumps as its own text: more than 15 significant digits, or outside
// 1e-300..1e308.
bool Verbatim(const std::string& n) {
  int digits = 0, zeros = 0;
  bool leading = true;
  for (char c : n) {
    if (c == 'e' || c == 'E') break;
    if (c < '0' || c > '9') continue;
    if (leading && c == '0') continue;
    leading = false;
    if (c == '0') {
      ++zeros;
    } else {
      digits += zeros + 1;
      zeros = 0;
    }
  }
  const double d = std::fabs(std::strtod(n.c_str(), nullptr));
  return digits > 15 || (!leading && (d < 1e-299 || d >= 1e308));
}

// Does the reader's tree hold the same integers as nlohmann's, by ReadInt's rule, and
// numbers that dump alike (*alike false where one keeps its own text)?
void SameInts(const JsonValue& v, const json& j, const std::string& text, bool* alike) {
  ASSERT_EQ(v.size(), j.is_structured() ? j.size() : 0u) << text;
  if (v.kind() == JsonValue::kNumber && v.Dump() != j.dump()) {
    ASSERT_TRUE(Verbatim(v.str())) << v.str() << " vs " << j.dump() << " in " << text;
    *alike = false;
  }
  int64_t expect = 0;
  const bool is_int = protocol::ReadInt(j, &expect);
  ASSERT_EQ(v.is_int(), is_int) << text;
  if (is_int) ASSERT_EQ(v.i(), expect) << text;
  if (v.is_object()) {
    size_t i = 0;
    for (auto it = j.begin(); it != j.end(); ++it, ++i) {
      ASSERT_EQ(v.key(i), it.key()) << text;
      ASSERT_EQ(v.Find(it.key()), &v[i]) << text;
      SameInts(v[i], it.value(), text, alike);
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) SameInts(v[i], j[i], text, alike);
  }
}

void Check(const std::string& text) {
  const json j = Parse(text);
  JsonValue v;
  bool too_deep = false;
  const bool ok = v.Parse(text, &too_deep);
  if (too_deep) {
    ASSERT_FALSE(ok);
    return;  // nlohmann has no depth limit
  }
  ASSERT_EQ(ok, !j.is_discarded()) << "text: " << text;
  if (!ok) return;
  bool alike = true;
  SameInts(v, j, text, &alike);
  if (alike) ASSERT_EQ(v.Dump(), j.dump()) << "text: " << text;
}

TEST(JsonValue, AgreesWithNlohmannOnRandomAndMutatedText) {
  Gen g(20261201);
  for (int i = 0; i < 40000; ++i) {
    const std::string text = g.Ws() + g.Value(0) + g.Ws();
    Check(text);
    Check(g.Mutate(text));
  }
}

TEST(JsonValue, EdgeNumbers) {
  for (const char* n : kNumbers) {
    Check(n);
    Check(std::string("[") + n + "]");
    Check(std::string("{\"n\":") + n + "}");
  }
  JsonValue v;
  // Past 15 significant digits (or outside 1e-300..1e308) a non-integer keeps its text.
  ASSERT_TRUE(v.Parse("[0.30000000000000004,1e-400,12345678901234567890123]"));
  EXPECT_EQ(v.Dump(), "[0.30000000000000004,1e-400,12345678901234567890123]");
  EXPECT_FALSE(v[2].is_int());
}

TEST(JsonValue, DuplicateKeysKeepTheLastAndKeysAreSorted) {
  JsonValue v;
  ASSERT_TRUE(v.Parse(R"({"b":1,"a":2,"b":3,"\u0062":4,"a":{"x":1}})"));
  EXPECT_EQ(v.Dump(), R"({"a":{"x":1},"b":4})");
  ASSERT_NE(v.Find("b"), nullptr);
  EXPECT_EQ(v.Find("b")->i(), 4);
  EXPECT_EQ(v.Find("c"), nullptr);
}

TEST(JsonValue, DepthLimitIsAnErrorNotACrash) {
  for (int depth : {kMaxDepth, kMaxDepth + 1, 100000}) {
    const std::string text = std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']');
    JsonValue v;
    bool too_deep = false;
    EXPECT_EQ(v.Parse(text, &too_deep), depth <= kMaxDepth) << depth;
    EXPECT_EQ(too_deep, depth > kMaxDepth) << depth;
    const std::string objects = [&] {
      std::string s;
      for (int i = 0; i < depth; ++i) s += "{\"a\":";
      return s + "1" + std::string(static_cast<size_t>(depth), '}');
    }();
    EXPECT_EQ(v.Parse(objects, &too_deep), depth <= kMaxDepth) << depth;
  }
}

TEST(JsonValue, NulEndsTheTextAfterTheValueOnly) {
  Check(std::string("{}\0garbage", 10));
  Check(std::string("\0{}", 3));
  Check(std::string("[1,\0]", 5));
  Check(std::string("\"a\0\"", 4));
}

}  // namespace
}  // namespace edgestay::test
