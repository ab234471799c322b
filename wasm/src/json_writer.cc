// JSON string and double output for JsonWriter (escaping itself is the protocol layer's).
#include "json_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "edgestay/protocol/json_text.h"
#include "edgestay/protocol/json_value.h"

namespace edgestay {

JsonWriter& JsonWriter::String(std::string_view s) {
  Sep();
  // Fast path: most strings (dates, names, statuses) need no escaping.
  bool plain = true;
  for (unsigned char c : s) plain = plain && c >= 0x20 && c != '"' && c != '\\';
  if (plain) {
    out_->reserve(out_->size() + s.size() + 2);
    out_->push_back('"');
    out_->append(s.data(), s.size());
    out_->push_back('"');
    return *this;
  }
  protocol::AppendJsonString(out_, s);
  return *this;
}

// printf's "%.17g" from the double's exact decimal value (a little big-number arithmetic)
// rounded half to even at 17 significant digits, as musl's printf rounds; libc's printf
// with its long-double code was ~7 KB of the wasm for this one use.
// tests/cpp/json_writer_test.cc compares it with snprintf on random doubles.
ES_MINSIZE void JsonWriter::AppendDouble17(std::string* out, double v) {
  if (std::signbit(v)) out->push_back('-');
  if (std::isnan(v) || std::isinf(v)) {
    out->append(std::isnan(v) ? "nan" : "inf");
    return;
  }
  if (v == 0) {
    out->push_back('0');
    return;
  }
  int e2;
  const double f = std::frexp(std::fabs(v), &e2);  // |v| = f * 2^e2, f in [0.5, 1)
  uint64_t m = static_cast<uint64_t>(std::ldexp(f, 53));
  e2 -= 53;
  // The exact value as a big integer N times 10^-k: m * 2^e2, or m * 5^-e2 / 10^-e2.
  std::vector<uint32_t> n{static_cast<uint32_t>(m), static_cast<uint32_t>(m >> 32)};
  auto mul = [&n](uint32_t x) {
    uint64_t carry = 0;
    for (uint32_t& limb : n) {
      const uint64_t t = uint64_t{limb} * x + carry;
      limb = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    if (carry) n.push_back(static_cast<uint32_t>(carry));
  };
  int64_t k = 0;
  for (int left = e2; left > 0; left -= 16) mul(uint32_t{1} << std::min(left, 16));
  if (e2 < 0) {
    k = -e2;
    for (int64_t left = k; left > 0; left -= 13) {
      uint32_t p = 1;
      for (int64_t i = 0; i < std::min<int64_t>(left, 13); ++i) p *= 5;
      mul(p);
    }
  }
  // Its decimal digits, most significant first.
  std::string digits;
  while (n.size() > 1 || n[0] != 0) {
    uint64_t rem = 0;
    for (size_t i = n.size(); i-- > 0;) {
      const uint64_t cur = (rem << 32) | n[i];
      n[i] = static_cast<uint32_t>(cur / 1000000000);
      rem = cur % 1000000000;
    }
    while (n.size() > 1 && n.back() == 0) n.pop_back();
    for (int i = 0; i < 9; ++i, rem /= 10) digits.push_back(static_cast<char>('0' + rem % 10));
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::reverse(digits.begin(), digits.end());
  int64_t exp10 = static_cast<int64_t>(digits.size()) - 1 - k;  // of the leading digit
  if (digits.size() > 17) {
    const char next = digits[17];
    bool rest = false;
    for (size_t i = 18; i < digits.size() && !rest; ++i) rest = digits[i] != '0';
    digits.resize(17);
    if (next > '5' || (next == '5' && (rest || (digits[16] - '0') % 2 == 1))) {
      int i = 16;
      while (i >= 0 && digits[i] == '9') digits[i--] = '0';
      if (i >= 0) {
        ++digits[i];
      } else {
        digits.insert(digits.begin(), '1');
        digits.pop_back();
        ++exp10;
      }
    }
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int64_t len = static_cast<int64_t>(digits.size());
  if (exp10 < -4 || exp10 >= 17) {
    out->push_back(digits[0]);
    if (len > 1) {
      out->push_back('.');
      out->append(digits, 1, std::string::npos);
    }
    out->push_back('e');
    out->push_back(exp10 < 0 ? '-' : '+');
    const int64_t x = exp10 < 0 ? -exp10 : exp10;
    if (x < 10) out->push_back('0');
    out->append(std::to_string(x));
  } else if (exp10 < 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-exp10 - 1), '0');
    out->append(digits);
  } else {
    out->append(digits, 0, static_cast<size_t>(std::min(len, exp10 + 1)));
    if (len < exp10 + 1) out->append(static_cast<size_t>(exp10 + 1 - len), '0');
    if (len > exp10 + 1) {
      out->push_back('.');
      out->append(digits, static_cast<size_t>(exp10 + 1), std::string::npos);
    }
  }
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  JsonWriter(&out).String(s);
  return out;
}

}  // namespace edgestay
