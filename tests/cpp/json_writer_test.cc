// JsonWriter's numbers and the protocol's month text against the printf formats they
// replace in the wasm (which links no printf): "%.17g" of random doubles (any bit pattern,
// ratios, whole numbers, halfway cases) and "%04lld-%02lld" of months.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "edgestay/protocol/range_checksum.h"
#include "json_writer.h"

namespace edgestay::test {
namespace {

std::string Printf17(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string Written(double v) {
  std::string out;
  JsonWriter(&out).Double(v);
  return out;
}

TEST(JsonWriterDouble, AsPrintf17g) {
  std::mt19937_64 rng(20261201);
  const double fixed[] = {0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.0 / 3, 2.0 / 3, 1e16, 1e17, 123456789012345678.0, 1e-4,
                          1e-5, 0.00012345, 9.999999999999999e16, 5e-324, 2.2250738585072014e-308,
                          1.7976931348623157e308, 100.0, 12345.678, 0.30000000000000004,
                          INFINITY, -INFINITY, NAN};
  for (double v : fixed) EXPECT_EQ(Written(v), Printf17(v)) << v;
  for (int i = 0; i < 200000; ++i) {
    double v;
    switch (i % 4) {
      case 0: {  // any bit pattern
        const uint64_t bits = rng();
        std::memcpy(&v, &bits, sizeof v);
        break;
      }
      case 1: v = static_cast<double>(rng() % 100000) / static_cast<double>(1 + rng() % 100000); break;  // ratios
      case 2: v = static_cast<double>(static_cast<int64_t>(rng() >> (rng() % 64))); break;  // whole numbers
      default: v = std::ldexp(static_cast<double>(rng() % 100000), -static_cast<int>(rng() % 80)); break;  // short binary fractions
    }
    ASSERT_EQ(Written(v), Printf17(v)) << v;
  }
}

TEST(MonthText, AsPrintf) {
  for (int64_t month = -40; month < 12 * 10000 + 40; month += (month > 100 && month < 119000 ? 37 : 1)) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld", static_cast<long long>(month / 12),
                  static_cast<long long>(month % 12 + 1));
    ASSERT_EQ(protocol::MonthText(month), buf) << month;
  }
}

}  // namespace
}  // namespace edgestay::test
