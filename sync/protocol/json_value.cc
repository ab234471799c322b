// The core's JSON reader (json_value.h): the lexical pieces and the JsonValue tree.
#include "edgestay/protocol/json_value.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace edgestay::protocol::json {
namespace {

// A number token's decimal value as 0.D × 10^n: D its significant digits without leading
// or trailing zeros (empty for zero). The syntax is ScanNumber's, already checked.
struct Decimal {
  bool negative = false;
  bool integral = true;
  std::string digits;
  int64_t n = 0;
};

ES_MINSIZE Decimal ReadDecimal(const uchar* p, const uchar* e) {
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

ES_MINSIZE bool Finite(const Decimal& d) {
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

ES_MINSIZE const uchar* ScanNumberRest(const uchar* b, const uchar* p, const uchar* digits, bool integral, bool* is_int,
                            int64_t* value) {
  const bool negative = *b == '-';
  const size_t ndigits = static_cast<size_t>(p - digits);
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

ES_MINSIZE std::string NumberText(const uchar* b, const uchar* e) {
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

ES_MINSIZE void AppendQuoted(std::string* out, std::string_view s) {
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

ES_MINSIZE void JsonValue::DumpTo(std::string* out) const {
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

// The members' indexes in key order, equal keys in text order: a bottom-up merge sort of
// indexes (std::stable_sort of the members was 5 KB of wasm for this one use).
ES_MINSIZE std::vector<uint32_t> SortedMembers(const std::vector<std::pair<std::string, JsonValue>>& members) {
  const size_t n = members.size();
  std::vector<uint32_t> a(n), b(n);
  for (size_t i = 0; i < n; ++i) a[i] = static_cast<uint32_t>(i);
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      const size_t mid = std::min(lo + width, n), hi = std::min(lo + 2 * width, n);
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) b[k++] = members[a[j]].first < members[a[i]].first ? a[j++] : a[i++];
      while (i < mid) b[k++] = a[i++];
      while (j < hi) b[k++] = a[j++];
    }
    a.swap(b);
  }
  return a;
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

ES_MINSIZE bool Parser::Value(JsonValue* v, int depth) {
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
      const std::vector<uint32_t> order = SortedMembers(members);
      for (size_t i = 0; i < order.size(); ++i) {
        auto& m = members[order[i]];
        if (i + 1 < order.size() && members[order[i + 1]].first == m.first) continue;
        v->keys_.push_back(std::move(m.first));
        v->items_.push_back(std::move(m.second));
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

ES_MINSIZE bool JsonValue::Parse(std::string_view text, bool* too_deep) {
  *this = JsonValue();
  const uchar* p = reinterpret_cast<const uchar*>(text.data());
  const uchar* e = p + text.size();
  if (!SkipByteOrderMark(p, e)) return false;
  Parser parser(p, e);
  const bool ok = parser.Value(this, 0) && EndsAfterValue(parser.p_, e);
  if (too_deep) *too_deep = parser.too_deep_;
  if (!ok) *this = JsonValue();
  return ok;
}

}  // namespace edgestay::protocol::json
