// Stay rules: the availability rules of DESIGN.md §2 over one stay's nights.
//
// One definition for the edge engine (answers, createBooking) and the central server
// (push), so both name the same first failing reason and the same price. Pure functions
// over plain values: no SQLite, no JSON, header-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace edgestay {

// One night of one room type as the rules see it.
struct Night {
  bool has_row = false;
  int64_t total = 0;
  int64_t available = 0;    // rooms left (on an edge: minus local bookings holding rooms)
  int64_t price_cents = 0;  // effective: special-day multiplier applied
  int64_t min_stay = 1;     // special-day override applied
  int64_t max_stay = 0;     // 0 = no limit
  bool closed_to_arrival = false;
  bool closed_to_departure = false;
  bool stop_sell = false;  // inventory stop_sell or a blackout special day
};

// The booking rules the reasons depend on (defaults as in sync/FORMAT.md).
struct StayRules {
  int64_t max_advance_days = 365;
  int64_t min_lead_days = 0;
  int64_t max_rooms_per_booking = 10;
};

// A night's effective price: the special-day multiplier, rounded half up in cents.
inline int64_t EffectivePrice(int64_t price_cents, int64_t multiplier_pct) {
  return (price_cents * multiplier_pct + 50) / 100;
}

// The first failing reason of docs/API.md's order, or nullptr when the stay can be sold.
// `nights` holds the stay's nights followed by the check-out date's row (n + 1 entries);
// `lead_days` is check-in minus today at the hotel. For a per-night reason,
// `*failing_night` (when given) is the index of the first night that fails.
inline const char* StayReason(int64_t rooms, int64_t lead_days, const StayRules& rules,
                              const std::vector<Night>& nights, size_t* failing_night = nullptr) {
  const size_t n = nights.size() - 1;
  auto at = [&](size_t i, const char* reason) {
    if (failing_night) *failing_night = i;
    return reason;
  };
  if (lead_days < rules.min_lead_days) return "lead_time";
  if (lead_days > rules.max_advance_days) return "advance_window";
  if (rooms > rules.max_rooms_per_booking) return "max_rooms";
  for (size_t i = 0; i < n; ++i) {
    if (!nights[i].has_row) return at(i, "no_inventory");
  }
  for (size_t i = 0; i < n; ++i) {
    if (nights[i].stop_sell) return at(i, "stop_sell");
  }
  const int64_t length = static_cast<int64_t>(n);
  if (nights[0].closed_to_arrival) return at(0, "closed_to_arrival");
  if (nights[n].has_row && nights[n].closed_to_departure) return at(n, "closed_to_departure");
  if (length < nights[0].min_stay) return at(0, "min_stay");
  if (nights[0].max_stay > 0 && length > nights[0].max_stay) return at(0, "max_stay");
  for (size_t i = 0; i < n; ++i) {
    if (nights[i].available < rooms) return at(i, "sold_out");
  }
  return nullptr;
}

}  // namespace edgestay
