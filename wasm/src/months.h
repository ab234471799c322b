// Calendar months as the range checksums (sync/FORMAT.md §6) and the rolling window (§8)
// count them: month number y * 12 + (m - 1), so consecutive months are consecutive numbers.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "edgestay/date.h"

namespace edgestay {

inline int64_t MonthOfDay(Day d) {
  const std::string s = FormatDate(d);
  return std::stoll(s.substr(0, 4)) * 12 + (std::stoll(s.substr(5, 2)) - 1);
}

inline int64_t MonthOfText(std::string_view date) {
  Day d = 0;
  ParseDate(date, &d);
  return MonthOfDay(d);
}

// "YYYY-MM".
inline std::string MonthText(int64_t month) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld", static_cast<long long>(month / 12),
                static_cast<long long>(month % 12 + 1));
  return buf;
}

inline Day MonthStart(int64_t month) {
  Day d = 0;
  ParseDate(MonthText(month) + "-01", &d);
  return d;
}

}  // namespace edgestay
