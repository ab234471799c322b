// Calendar dates as day numbers: the one date parser and formatter of edgestay, used by
// the edge engine and by edgestay-server alike (a date one of them accepts, the other does).
//
// Dates cross the API as "YYYY-MM-DD" strings in the hotel's calendar; inside the core a
// date is the count of days since 1970-01-01 (proleptic Gregorian), so nights are
// subtraction and a stay is a half-open interval of integers. Only years 1900..2999 are
// accepted: enough for bookings, and it keeps every string exactly 10 characters, so
// string order equals date order in SQLite.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace edgestay {

using Day = int32_t;

// The accepted calendar years (inclusive).
inline constexpr int kMinYear = 1900;
inline constexpr int kMaxYear = 2999;

// Parses a real calendar date; false for "2026-02-30", "2026-1-01", out-of-range years.
bool ParseDate(std::string_view text, Day* out);

// Formats a day number as "YYYY-MM-DD".
std::string FormatDate(Day day);
void FormatDateTo(Day day, char out[10]);

// The UTC day containing the instant `ms` (ms since the Unix epoch).
Day DayOfMillis(int64_t ms);

// "Today" at a hotel: the date of `now_ms` shifted by its utc_offset_minutes.
Day HotelToday(int64_t now_ms, int64_t utc_offset_minutes);

// 0 = Sunday .. 6 = Saturday.
int Weekday(Day day);

}  // namespace edgestay
