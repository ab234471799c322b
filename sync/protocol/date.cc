// Civil date <-> day number conversion (Howard Hinnant's public-domain algorithms).
#include "edgestay/date.h"

namespace edgestay {
namespace {

Day DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

void CivilFromDays(Day z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int Digits(std::string_view s, size_t from, size_t n) {
  int v = 0;
  for (size_t i = from; i < from + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

bool ParseDate(std::string_view text, Day* out) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  const int y = Digits(text, 0, 4), m = Digits(text, 5, 2), d = Digits(text, 8, 2);
  if (y < kMinYear || y > kMaxYear || m < 1 || m > 12 || d < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int max_day = (m == 2 && IsLeap(y)) ? 29 : kDays[m - 1];
  if (d > max_day) return false;
  *out = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

void FormatDateTo(Day day, char out[10]) {
  int y;
  unsigned m, d;
  CivilFromDays(day, &y, &m, &d);
  out[0] = static_cast<char>('0' + (y / 1000) % 10);
  out[1] = static_cast<char>('0' + (y / 100) % 10);
  out[2] = static_cast<char>('0' + (y / 10) % 10);
  out[3] = static_cast<char>('0' + y % 10);
  out[4] = '-';
  out[5] = static_cast<char>('0' + m / 10);
  out[6] = static_cast<char>('0' + m % 10);
  out[7] = '-';
  out[8] = static_cast<char>('0' + d / 10);
  out[9] = static_cast<char>('0' + d % 10);
}

std::string FormatDate(Day day) {
  char buf[10];
  FormatDateTo(day, buf);
  return std::string(buf, 10);
}

Day DayOfMillis(int64_t ms) {
  const int64_t kMsPerDay = 86400000;
  int64_t q = ms / kMsPerDay;
  if (ms % kMsPerDay < 0) --q;
  return static_cast<Day>(q);
}

Day HotelToday(int64_t now_ms, int64_t utc_offset_minutes) {
  return DayOfMillis(now_ms + utc_offset_minutes * 60000);
}

int Weekday(Day day) {
  const int w = (day + 4) % 7;  // 1970-01-01 was a Thursday (4)
  return w < 0 ? w + 7 : w;
}

}  // namespace edgestay
