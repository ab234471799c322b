// edgestay/date.h: calendar dates <-> day numbers, and the UTC day of an instant.
#include "edgestay/date.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace edgestay {
namespace {

bool Leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int DaysIn(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && Leap(y) ? 29 : kDays[m - 1];
}

TEST(DateTest, EpochIsDayZero) {
  Day d = -1;
  ASSERT_TRUE(ParseDate("1970-01-01", &d));
  EXPECT_EQ(d, 0);
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
}

// Walks the calendar independently (own month lengths and leap rule) over every day of
// the accepted range and checks both directions against a running day counter.
TEST(DateTest, EveryDayFrom1900To2999RoundTrips) {
  Day first = 0;
  ASSERT_TRUE(ParseDate("1900-01-01", &first));
  Day expected = first;
  int checked = 0;
  for (int y = 1900; y <= 2999; ++y) {
    for (int m = 1; m <= 12; ++m) {
      for (int d = 1; d <= DaysIn(y, m); ++d, ++expected, ++checked) {
        char text[16];
        std::snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
        Day parsed = 0;
        ASSERT_TRUE(ParseDate(text, &parsed)) << text;
        ASSERT_EQ(parsed, expected) << text;
        ASSERT_EQ(FormatDate(expected), text);
        char buf[10];
        FormatDateTo(expected, buf);
        ASSERT_EQ(std::string(buf, 10), text);
      }
    }
  }
  EXPECT_EQ(checked, 401767);  // 1100 years of 365 days + 267 leap days
  Day last = 0;
  ASSERT_TRUE(ParseDate("2999-12-31", &last));
  EXPECT_EQ(last, expected - 1);
}

TEST(DateTest, RejectsDatesThatAreNotRealOrNotCanonical) {
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-01-00", "2026-04-31", "2026-1-01",
                          "2026-01-1", "2026-01-01x", " 2026-01-01", "2026/01/01", "2026-01-01T00:00", "20260101",
                          "", "abcd-ef-gh", "+026-01-01", "2026-0a-01", "1899-12-31", "3000-01-01", "0000-01-01"}) {
    Day d = 12345;
    EXPECT_FALSE(ParseDate(bad, &d)) << "accepted '" << bad << "'";
  }
}

TEST(DateTest, LeapYearsFollowTheGregorianRule) {
  Day d;
  EXPECT_TRUE(ParseDate("2000-02-29", &d));  // divisible by 400
  EXPECT_TRUE(ParseDate("2024-02-29", &d));  // divisible by 4
  EXPECT_TRUE(ParseDate("2400-02-29", &d));
  EXPECT_FALSE(ParseDate("1900-02-29", &d));  // century, not by 400
  EXPECT_FALSE(ParseDate("2100-02-29", &d));
  EXPECT_FALSE(ParseDate("2026-02-29", &d));
  Day feb28, mar1;
  ASSERT_TRUE(ParseDate("2000-02-28", &feb28));
  ASSERT_TRUE(ParseDate("2000-03-01", &mar1));
  EXPECT_EQ(mar1 - feb28, 2);
  ASSERT_TRUE(ParseDate("2100-02-28", &feb28));
  ASSERT_TRUE(ParseDate("2100-03-01", &mar1));
  EXPECT_EQ(mar1 - feb28, 1);
}

TEST(DateTest, DayOfMillisFloorsTowardsEarlierDays) {
  const int64_t kDay = 86400000;
  EXPECT_EQ(DayOfMillis(0), 0);
  EXPECT_EQ(DayOfMillis(1), 0);
  EXPECT_EQ(DayOfMillis(kDay - 1), 0);
  EXPECT_EQ(DayOfMillis(kDay), 1);
  EXPECT_EQ(DayOfMillis(-1), -1);  // 1969-12-31T23:59:59.999Z
  EXPECT_EQ(DayOfMillis(-kDay), -1);
  EXPECT_EQ(DayOfMillis(-kDay - 1), -2);
  // 2026-11-26T03:05:00Z and a 1901 instant.
  Day expected;
  ASSERT_TRUE(ParseDate("2026-11-26", &expected));
  EXPECT_EQ(DayOfMillis(int64_t{expected} * kDay + 3 * 3600000 + 5 * 60000), expected);
  ASSERT_TRUE(ParseDate("1901-07-04", &expected));
  EXPECT_EQ(DayOfMillis(int64_t{expected} * kDay + 1), expected);
  EXPECT_EQ(DayOfMillis(int64_t{expected} * kDay - 1), expected - 1);
  EXPECT_EQ(FormatDate(DayOfMillis(1764120000000)), "2025-11-26");
}

}  // namespace
}  // namespace edgestay
