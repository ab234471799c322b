// The one JSON reader of the core (wasm) build: the lexical pieces the change-batch
// scanner streams over (strings with their escapes and UTF-8 checks, numbers, literals),
// and a small tree, JsonValue, built from the same pieces for call arguments with nested
// values. Both accept exactly the text nlohmann::json::parse accepts (strict RFC 8259, a
// whole UTF-8 byte order mark skipped, a NUL byte ends the text), except that the tree
// refuses nesting deeper than kMaxDepth. Numbers are read without libc's strtod (in the
// wasm it drags 128-bit soft-float): integers exactly, within int64 as ReadInt's rule
// wants; other numbers only as far as "finite or not" and the text nlohmann's dump gives
// them. tests/cpp/json_value_test.cc checks all of it against nlohmann on random text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgestay::protocol::json {

using uchar = unsigned char;

inline bool IsWs(uchar c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline const uchar* SkipWs(const uchar* p, const uchar* e) {
  while (p < e && IsWs(*p)) ++p;
  return p;
}

// A string token; p at its opening quote. Returns the position after the closing quote, or
// nullptr when nlohmann would refuse it (control character, bad escape, lone surrogate,
// malformed UTF-8, end of text). *escaped is set when it holds a backslash.
const uchar* ScanString(const uchar* p, const uchar* e, bool* escaped);

// The value of a scanned string's contents [b, e) (between the quotes), escapes resolved.
void Unescape(const uchar* b, const uchar* e, std::string* out);

// A number token; p at '-' or a digit. Returns the position after it, or nullptr when
// nlohmann refuses it (bad syntax, or a value that overflows a double). *is_int is set for
// what ReadInt accepts: no fraction or exponent, and within int64 (*value then holds it).
const uchar* ScanNumber(const uchar* p, const uchar* e, bool* is_int, int64_t* value);

// The literal whose first letter is at p (true, false, null): its end, or nullptr.
const uchar* ScanLiteral(const uchar* p, const uchar* e);

// A scanned number token [b, e) as nlohmann::json::dump writes the value it parses it to:
// integers as their digits, other numbers in its shortest round-trip form ("1.5",
// "100.0", "1e+20"). Numbers of more than 15 significant digits, or outside 1e-300..1e308,
// keep their own text (their shortest form needs a correctly rounded binary conversion;
// only error messages quote them).
std::string NumberText(const uchar* b, const uchar* e);

// Appends s as a JSON string as nlohmann::json::dump writes it (s is valid UTF-8).
void AppendQuoted(std::string* out, std::string_view s);

inline constexpr int kMaxDepth = 128;  // arrays and objects nested in one another

class JsonValue {
 public:
  enum Kind : uint8_t { kNull, kBool, kInt, kNumber, kString, kArray, kObject };

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == kNull; }
  bool is_object() const { return kind_ == kObject; }
  bool is_array() const { return kind_ == kArray; }
  bool is_string() const { return kind_ == kString; }
  bool is_bool() const { return kind_ == kBool; }
  bool is_int() const { return kind_ == kInt; }  // integral and within int64
  bool b() const { return b_; }
  int64_t i() const { return i_; }
  const std::string& str() const { return s_; }  // kString

  // Arrays: the items; objects: the values in key order (keys sorted bytewise, a
  // duplicate key keeps its last value: nlohmann's std::map).
  size_t size() const { return items_.size(); }
  const JsonValue& operator[](size_t i) const { return items_[i]; }
  const std::vector<JsonValue>& items() const { return items_; }
  const std::string& key(size_t i) const { return keys_[i]; }
  // The member `key` of an object (nullptr when absent or not an object).
  const JsonValue* Find(std::string_view key) const;

  // The value as nlohmann::json::dump() writes it.
  std::string Dump() const;
  void DumpTo(std::string* out) const;

  // Reads `text` into *this. false when it is not JSON (*too_deep: valid up to nesting
  // deeper than kMaxDepth).
  bool Parse(std::string_view text, bool* too_deep = nullptr);

 private:
  friend class Parser;
  Kind kind_ = kNull;
  bool b_ = false;
  int64_t i_ = 0;
  std::string s_;  // kString: the value; kNumber: its NumberText
  std::vector<JsonValue> items_;
  std::vector<std::string> keys_;  // kObject, parallel to items_
};

}  // namespace edgestay::protocol::json
