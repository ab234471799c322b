// The core's JSON reader (json_value.h): the lexical pieces and the JsonValue tree.
#include "edgestay/protocol/json_value.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace edgestay::protocol::json {
namespace {

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

void AppendUtf8(std::string* out, uint32_t cp) {
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

// A number token's decimal value as 0.D × 10^n: D its significant digits without leading
// or trailing zeros (empty for zero). The syntax is ScanNumber's, already checked.
struct Decimal {
  bool negative = false;
  bool integral = true;
  std::string digits;
  int64_t n = 0;
};

Decimal ReadDecimal(const uchar* p, const uchar* e) {
  Decimal d;
  d.negative = *p == '-';
  if (d.negative) ++p;
  int64_t point = 0;  // digits before the decimal point
  bool leading = true;
  for (; p < e && *p >= '0' && *p <= '9'; ++p, ++point) {
    if (leading && *p == '0') {
      --d.n;
      continue;
    }
    leading = false;
    d.digits.push_back(static_cast<char>(*p));
  }
  if (p < e && *p == '.') {
    d.integral = false;
    for (++p; p < e && *p >= '0' && *p <= '9'; ++p) {
      if (leading && *p == '0') {
        --d.n;
        continue;
      }
      leading = false;
      d.digits.push_back(static_cast<char>(*p));
    }
  }
  int64_t exp = 0;
  if (p < e && (*p == 'e' || *p == 'E')) {
    d.integral = false;
    ++p;
    const bool neg_exp = p < e && *p == '-';
    if (p < e && (*p == '+' || *p == '-')) ++p;
    for (; p < e && *p >= '0' && *p <= '9'; ++p) {
      if (exp < 1000000000) exp = exp * 10 + (*p - '0');  // far past any double's range
    }
    if (neg_exp) exp = -exp;
  }
  while (!d.digits.empty() && d.digits.back() == '0') d.digits.pop_back();
  d.n += point + exp;
  return d;
}

// 2^1024 - 2^970: the least decimal that rounds to infinity (a tie rounds to the even
// neighbour, 2^1024), as 0.D × 10^309.
constexpr char kOverflow[] =
    "1797693134862315807937289714053034150799341327100378269361737789804449682927647509466490179775872070963"
    "3028641669288791094655554785194040263065748867150582068190890200070838367627385484581771153176447573027"
    "0069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

bool Finite(const Decimal& d) {
  if (d.digits.empty() || d.n <= 308) return true;
  if (d.n > 309) return false;
  const size_t t = sizeof(kOverflow) - 1;
  for (size_t i = 0; i < t; ++i) {
    const char c = i < d.digits.size() ? d.digits[i] : '0';
    if (c != kOverflow[i]) return c < kOverflow[i];
  }
  return false;  // equal to the threshold or above it
}

void AppendDigits(std::string* out, int64_t v) {
  char buf[24];
  int n = 0;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) out->push_back('-');
  while (n) out->push_back(buf[--n]);
}

}  // namespace

const uchar* ScanString(const uchar* p, const uchar* e, bool* escaped) {
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

void Unescape(const uchar* b, const uchar* e, std::string* out) {
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

const uchar* ScanNumber(const uchar* p, const uchar* e, bool* is_int, int64_t* value) {
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
  if (integral && ndigits <= 20) {
    // nlohmann's route: an integer within int64 (negative) or uint64 (positive), else a
    // double. ReadInt takes the int64 range only.
    uint64_t v = 0;
    bool fits = true;
    for (const uchar* d = digits; d < p && fits; ++d) {
      const uint64_t digit = static_cast<uint64_t>(*d - '0');
      fits = v <= (UINT64_MAX - digit) / 10;
      v = v * 10 + digit;
    }
    const uint64_t limit = negative ? uint64_t{1} << 63 : static_cast<uint64_t>(INT64_MAX);
    if (fits && v <= limit) {
      *is_int = true;
      *value = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
      return p;
    }
    if (fits && !negative) return p;  // an unsigned integer past int64
  }
  return Finite(ReadDecimal(b, p)) ? p : nullptr;
}

const uchar* ScanLiteral(const uchar* p, const uchar* e) {
  const char* word = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
  const size_t n = std::strlen(word);
  if (static_cast<size_t>(e - p) < n || std::memcmp(p, word, n) != 0) return nullptr;
  return p + n;
}

std::string NumberText(const uchar* b, const uchar* e) {
  bool is_int = false;
  int64_t v = 0;
  std::string out;
  ScanNumber(b, e, &is_int, &v);
  if (is_int) {
    AppendDigits(&out, v);
    return out;
  }
  const Decimal d = ReadDecimal(b, e);
  if (d.integral && !d.negative &&
      (e - b < 20 || (e - b == 20 && std::memcmp(b, "18446744073709551615", 20) <= 0))) {
    return std::string(b, e);  // an unsigned integer past int64: its digits
  }
  if (d.negative) out.push_back('-');
  if (d.digits.empty()) return out + "0.0";
  const int64_t k = static_cast<int64_t>(d.digits.size());
  const int64_t n = d.n;
  if (k > 15 || n < -300 || n > 308) return std::string(b, e);
  // nlohmann's format_buffer (min_exp -4, max_exp 15): the value is D × 10^(n - k).
  if (k <= n && n <= 15) {
    out += d.digits;
    out.append(static_cast<size_t>(n - k), '0');
    out += ".0";
  } else if (0 < n && n <= 15) {
    out.append(d.digits, 0, static_cast<size_t>(n));
    out.push_back('.');
    out.append(d.digits, static_cast<size_t>(n), std::string::npos);
  } else if (-4 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += d.digits;
  } else {
    out.push_back(d.digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(d.digits, 1, std::string::npos);
    }
    out.push_back('e');
    const int64_t x = n - 1;
    out.push_back(x < 0 ? '-' : '+');
    if (x > -10 && x < 10) out.push_back('0');
    AppendDigits(&out, x < 0 ? -x : x);
  }
  return out;
}

void AppendQuoted(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const uchar c = static_cast<uchar>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    out->push_back('\\');
    switch (c) {
      case '"': out->push_back('"'); break;
      case '\\': out->push_back('\\'); break;
      case '\b': out->push_back('b'); break;
      case '\f': out->push_back('f'); break;
      case '\n': out->push_back('n'); break;
      case '\r': out->push_back('r'); break;
      case '\t': out->push_back('t'); break;
      default:
        out->append("u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (kind_ != kObject) return nullptr;
  auto it = std::lower_bound(keys_.begin(), keys_.end(), key,
                             [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
  if (it == keys_.end() || *it != key) return nullptr;
  return &items_[static_cast<size_t>(it - keys_.begin())];
}

std::string JsonValue::Dump() const {
  std::string out;
  DumpTo(&out);
  return out;
}

void JsonValue::DumpTo(std::string* out) const {
  switch (kind_) {
    case kNull: out->append("null"); break;
    case kBool: out->append(b_ ? "true" : "false"); break;
    case kInt: AppendDigits(out, i_); break;
    case kNumber: out->append(s_); break;
    case kString: AppendQuoted(out, s_); break;
    case kArray:
    case kObject: {
      const bool object = kind_ == kObject;
      out->push_back(object ? '{' : '[');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out->push_back(',');
        if (object) {
          AppendQuoted(out, keys_[i]);
          out->push_back(':');
        }
        items_[i].DumpTo(out);
      }
      out->push_back(object ? '}' : ']');
      break;
    }
  }
}

// Recursive descent over the lexical pieces; depth is bounded by kMaxDepth, so the
// recursion (here, in Dump and in the tree's destructor) is too.
class Parser {
 public:
  Parser(const uchar* p, const uchar* e) : p_(p), e_(e) {}
  bool Value(JsonValue* v, int depth);
  const uchar* p_;
  const uchar* e_;
  bool too_deep_ = false;
};

bool Parser::Value(JsonValue* v, int depth) {
  p_ = SkipWs(p_, e_);
  if (p_ >= e_) return false;
  const uchar c = *p_;
  if (c == '{' || c == '[') {
    if (depth >= kMaxDepth) {
      too_deep_ = true;
      return false;
    }
    const bool object = c == '{';
    const uchar close = object ? '}' : ']';
    v->kind_ = object ? JsonValue::kObject : JsonValue::kArray;
    p_ = SkipWs(p_ + 1, e_);
    if (p_ < e_ && *p_ == close) {
      ++p_;
      return true;
    }
    std::vector<std::pair<std::string, JsonValue>> members;
    for (;;) {
      if (object) {
        p_ = SkipWs(p_, e_);
        if (p_ >= e_ || *p_ != '"') return false;
        const uchar* b = p_;
        bool escaped = false;
        p_ = ScanString(p_, e_, &escaped);
        if (!p_) return false;
        members.emplace_back();
        if (escaped) Unescape(b + 1, p_ - 1, &members.back().first);
        else members.back().first.assign(reinterpret_cast<const char*>(b + 1), static_cast<size_t>(p_ - 1 - (b + 1)));
        p_ = SkipWs(p_, e_);
        if (p_ >= e_ || *p_ != ':') return false;
        ++p_;
        if (!Value(&members.back().second, depth + 1)) return false;
      } else {
        v->items_.emplace_back();
        if (!Value(&v->items_.back(), depth + 1)) return false;
      }
      p_ = SkipWs(p_, e_);
      if (p_ >= e_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != close) return false;
      ++p_;
      break;
    }
    if (object) {
      // nlohmann's object is a std::map and its parser assigns each member: keys in
      // bytewise order, a later duplicate replaces the earlier value.
      std::stable_sort(members.begin(), members.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (size_t i = 0; i < members.size(); ++i) {
        if (i + 1 < members.size() && members[i + 1].first == members[i].first) continue;
        v->keys_.push_back(std::move(members[i].first));
        v->items_.push_back(std::move(members[i].second));
      }
    }
    return true;
  }
  if (c == '"') {
    const uchar* b = p_;
    bool escaped = false;
    p_ = ScanString(p_, e_, &escaped);
    if (!p_) return false;
    v->kind_ = JsonValue::kString;
    if (escaped) Unescape(b + 1, p_ - 1, &v->s_);
    else v->s_.assign(reinterpret_cast<const char*>(b + 1), static_cast<size_t>(p_ - 1 - (b + 1)));
    return true;
  }
  if (c == 't' || c == 'f' || c == 'n') {
    p_ = ScanLiteral(p_, e_);
    if (!p_) return false;
    v->kind_ = c == 'n' ? JsonValue::kNull : JsonValue::kBool;
    v->b_ = c == 't';
    return true;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    const uchar* b = p_;
    bool is_int = false;
    p_ = ScanNumber(p_, e_, &is_int, &v->i_);
    if (!p_) return false;
    v->kind_ = is_int ? JsonValue::kInt : JsonValue::kNumber;
    if (!is_int) v->s_ = NumberText(b, p_);
    return true;
  }
  return false;
}

bool JsonValue::Parse(std::string_view text, bool* too_deep) {
  *this = JsonValue();
  const uchar* p = reinterpret_cast<const uchar*>(text.data());
  const uchar* e = p + text.size();
  // nlohmann skips a UTF-8 byte order mark, and only a whole one.
  if (p < e && *p == 0xEF) {
    if (e - p < 3 || p[1] != 0xBB || p[2] != 0xBF) return false;
    p += 3;
  }
  Parser parser(p, e);
  bool ok = parser.Value(this, 0);
  if (ok) {
    // Strict: nothing but whitespace may follow, and nlohmann reads a NUL byte as the end.
    p = SkipWs(parser.p_, e);
    ok = p == e || *p == 0;
  }
  if (too_deep) *too_deep = parser.too_deep_;
  if (!ok) *this = JsonValue();
  return ok;
}

}  // namespace edgestay::protocol::json
