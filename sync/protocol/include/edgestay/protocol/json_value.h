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
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

// Cold code (error messages, the tree form of arguments, rare numbers) is built for size
// in the wasm: clang's minsize (gcc, the native build, has no such attribute).
#if defined(__clang__)
#define ES_MINSIZE __attribute__((minsize))
#else
#define ES_MINSIZE
#endif

namespace edgestay::protocol::json {

using uchar = unsigned char;

inline bool IsWs(uchar c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline const uchar* SkipWs(const uchar* p, const uchar* e) {
  while (p < e && IsWs(*p)) ++p;
  return p;
}

// A JSON text's start and end as nlohmann reads them, for both readers of the core (the
// change-batch scanner and JsonValue): a UTF-8 byte order mark is skipped, and only a
// whole one (false: a partial one, the text is refused); after the value only
// whitespace may follow, and a NUL byte ends the text.
inline bool SkipByteOrderMark(const uchar*& p, const uchar* e) {
  if (p < e && *p == 0xEF) {
    if (e - p < 3 || p[1] != 0xBB || p[2] != 0xBF) return false;
    p += 3;
  }
  return true;
}
inline bool EndsAfterValue(const uchar* p, const uchar* e) {
  p = SkipWs(p, e);
  return p == e || *p == 0;
}

// Internal: the rare numbers' path of ScanNumber (20+ digits, fractions, exponents).
const uchar* ScanNumberRest(const uchar* b, const uchar* p, const uchar* digits, bool integral, bool* is_int,
                            int64_t* value);

// ---- the lexical pieces (inline: the change-batch scanner is a hot path) ----

inline int HexDigit(uchar c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at p as a code unit, or -1.
inline int Hex4(const uchar* p, const uchar* e) {
  if (e - p < 4) return -1;
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    const int d = HexDigit(p[i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// Length of the well-formed UTF-8 sequence (2..4 bytes, RFC 3629) starting at p, or 0.
inline int Utf8Length(const uchar* p, const uchar* e) {
  auto cont = [&](int i, uchar lo, uchar hi) { return p + i < e && p[i] >= lo && p[i] <= hi; };
  const uchar c = *p;
  if (c >= 0xC2 && c <= 0xDF) return cont(1, 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
  return 0;
}

inline void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A string token; p at its opening quote. Returns the position after the closing quote, or
// nullptr when nlohmann would refuse it (control character, bad escape, lone surrogate,
// malformed UTF-8, end of text). *escaped is set when it holds a backslash.
inline const uchar* ScanString(const uchar* p, const uchar* e, bool* escaped) {
  ++p;
  for (;;) {
    while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') ++p;
    if (p >= e) return nullptr;
    const uchar c = *p;
    if (c == '"') return p + 1;
    if (c < 0x20) return nullptr;
    if (c == '\\') {
      *escaped = true;
      if (++p >= e) return nullptr;
      switch (*p) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          ++p;
          break;
        case 'u': {
          const int unit = Hex4(p + 1, e);
          if (unit < 0) return nullptr;
          p += 5;
          if (unit >= 0xD800 && unit <= 0xDBFF) {
            if (e - p < 2 || p[0] != '\\' || p[1] != 'u') return nullptr;
            const int low = Hex4(p + 2, e);
            if (low < 0xDC00 || low > 0xDFFF) return nullptr;
            p += 6;
          } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
            return nullptr;
          }
          break;
        }
        default:
          return nullptr;
      }
      continue;
    }
    const int n = Utf8Length(p, e);
    if (n == 0) return nullptr;
    p += n;
  }
}

// The value of a scanned string's contents [b, e) (between the quotes), escapes resolved.
inline void Unescape(const uchar* b, const uchar* e, std::string* out) {
  out->clear();
  while (b < e) {
    if (*b != '\\') {
      const uchar* run = b;
      while (b < e && *b != '\\') ++b;
      out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(b - run));
      continue;
    }
    const uchar c = b[1];
    b += 2;
    switch (c) {
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'u': {
        uint32_t cp = static_cast<uint32_t>(Hex4(b, e));
        b += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(Hex4(b + 2, e)) - 0xDC00);
          b += 6;
        }
        AppendUtf8(out, cp);
        break;
      }
      default: out->push_back(static_cast<char>(c)); break;  // " \ /
    }
  }
}

// A number token; p at '-' or a digit. Returns the position after it, or nullptr when
// nlohmann refuses it (bad syntax, or a value that overflows a double). *is_int is set for
// what ReadInt accepts: no fraction or exponent, and within int64 (*value then holds it).
inline const uchar* ScanNumber(const uchar* p, const uchar* e, bool* is_int, int64_t* value) {
  const uchar* b = p;
  const bool negative = *p == '-';
  if (negative) ++p;
  if (p >= e || *p < '0' || *p > '9') return nullptr;
  const uchar* digits = p;
  if (*p == '0') {
    ++p;
  } else {
    while (p < e && *p >= '0' && *p <= '9') ++p;
  }
  const size_t ndigits = static_cast<size_t>(p - digits);
  bool integral = true;
  if (p < e && *p == '.') {
    integral = false;
    ++p;
    if (p >= e || *p < '0' || *p > '9') return nullptr;
    while (p < e && *p >= '0' && *p <= '9') ++p;
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    integral = false;
    ++p;
    if (p < e && (*p == '+' || *p == '-')) ++p;
    if (p >= e || *p < '0' || *p > '9') return nullptr;
    while (p < e && *p >= '0' && *p <= '9') ++p;
  }
  *is_int = false;
  if (integral && ndigits <= 18) {  // the common case: fits int64 whatever the digits
    int64_t v = 0;
    for (const uchar* d = digits; d < p; ++d) v = v * 10 + (*d - '0');
    *is_int = true;
    *value = negative ? -v : v;
    return p;
  }
  return ScanNumberRest(b, p, digits, integral, is_int, value);
}

// The literal whose first letter is at p (true, false, null): its end, or nullptr.
inline const uchar* ScanLiteral(const uchar* p, const uchar* e) {
  const char* word = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
  const size_t n = std::strlen(word);
  if (static_cast<size_t>(e - p) < n || std::memcmp(p, word, n) != 0) return nullptr;
  return p + n;
}

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
