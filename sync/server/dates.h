// Calendar dates as day numbers (days since 1970-01-01), proleptic Gregorian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace edgestay::server {

// Parses a real "YYYY-MM-DD" date (years 1..9999); false on anything else.
bool ParseDate(std::string_view text, int64_t* days);
std::string FormatDate(int64_t days);
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
// The hotel's "today": the UTC date of now + utc_offset_minutes (docs/API.md).
int64_t HotelToday(int64_t now_ms, int64_t utc_offset_minutes);
int64_t NowMs();
// 0 = Sunday .. 6 = Saturday.
int Weekday(int64_t days);

}  // namespace edgestay::server
