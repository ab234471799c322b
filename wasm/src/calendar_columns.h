// The calendar's per-night columns (getCalendar): their names, which are the answer's keys
// and what getCalendar({ columns }) names, and each one's value of a night. Both faces of
// the answer (the JSON and the compact record) read them from here. Bit i of a column
// set is column i.
#pragma once

#include <cstdint>

#include "edgestay/stay_rules.h"

namespace edgestay {

inline constexpr const char* kCalendarColumns[] = {"available", "priceCents", "minStay", "maxStay",
                                                   "closedToArrival", "closedToDeparture", "stopSell"};
inline constexpr int kCalendarColumnCount = 7;
inline constexpr uint32_t kAllCalendarColumns = (1u << kCalendarColumnCount) - 1;

// Column `column`'s value of a night that has an inventory row (a night without one is null).
inline int64_t CalendarValue(const Night& n, int column) {
  switch (column) {
    case 0: return n.available;
    case 1: return n.price_cents;
    case 2: return n.min_stay;
    case 3: return n.max_stay;
    case 4: return n.closed_to_arrival;
    case 5: return n.closed_to_departure;
    default: return n.stop_sell;
  }
}

}  // namespace edgestay
