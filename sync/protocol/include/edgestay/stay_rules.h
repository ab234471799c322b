// Stay rules: the availability rules of docs/API.md over one stay's nights.
//
// One definition for the edge engine (answers, createBooking) and the central server
// (push), so both name the same first failing reason, the same price and the same rule
// defaults. Pure functions over plain values: no SQLite, no JSON, header-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
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

// A hotel's booking rules (its booking_rules rows). Written once, here: the defaults a
// hotel gets for a rule it has no row for, and the range each rule may take (the admin API
// refuses values outside it and a change batch carrying one is an INVALID_ROW).
struct BookingRules {
  int64_t max_advance_days = 365;
  int64_t min_lead_days = 0;
  int64_t max_rooms_per_booking = 10;
  int64_t hold_ttl_seconds = 900;
  int64_t max_nights = 30;

  // Sets the rule named `key` (snake_case, as in booking_rules.key); false when unknown.
  bool Set(std::string_view key, int64_t value);
};

struct RuleSpec {
  const char* key;        // booking_rules.key
  const char* json_name;  // camelCase spelling accepted by the admin API
  int64_t BookingRules::*field;
  int64_t min, max;
};

// Every rule, in the order documented in sync/FORMAT.md. The ranges are the ones the
// server's admin API has always accepted, so no rule row already published in a change
// log becomes invalid for edges.
inline constexpr RuleSpec kRuleSpecs[] = {
    {"max_advance_days", "maxAdvanceDays", &BookingRules::max_advance_days, 0, 3660},
    {"min_lead_days", "minLeadDays", &BookingRules::min_lead_days, 0, 3660},
    {"max_rooms_per_booking", "maxRoomsPerBooking", &BookingRules::max_rooms_per_booking, 1, 3660},
    {"hold_ttl_seconds", "holdTtlSeconds", &BookingRules::hold_ttl_seconds, 0, 30 * 86400},
    {"max_nights", "maxNights", &BookingRules::max_nights, 1, 365},
};

// The rule named `name` (either spelling), or nullptr.
inline const RuleSpec* FindRule(std::string_view name) {
  for (const RuleSpec& r : kRuleSpecs) {
    if (name == r.key || name == r.json_name) return &r;
  }
  return nullptr;
}

inline bool BookingRules::Set(std::string_view key, int64_t value) {
  const RuleSpec* r = FindRule(key);
  if (!r || key != r->key) return false;
  this->*(r->field) = value;
  return true;
}

// A night's effective price: the special-day multiplier, rounded half up in cents.
// Cannot overflow: prices are at most 2^53 - 1 and multipliers at most 1000.
inline int64_t EffectivePrice(int64_t price_cents, int64_t multiplier_pct) {
  return (price_cents * multiplier_pct + 50) / 100;
}

// The price of `rooms` rooms over the first `n` nights into *total; false when it would
// exceed 2^53 - 1 (the largest amount the protocol carries, JS-safe). Checked step by
// step, so no intermediate value can overflow either.
inline bool StayTotal(const std::vector<Night>& nights, size_t n, int64_t rooms, int64_t* total) {
  constexpr int64_t kMaxAmount = (int64_t{1} << 53) - 1;
  int64_t sum = 0;
  for (size_t i = 0; i < n; ++i) {
    if (nights[i].price_cents < 0 || nights[i].price_cents > kMaxAmount - sum) return false;
    sum += nights[i].price_cents;
  }
  if (rooms < 0 || (rooms > 0 && sum > kMaxAmount / rooms)) return false;
  *total = sum * rooms;
  return true;
}

// The first failing reason of docs/API.md's order, or nullptr when the stay can be sold.
// `nights` holds the stay's nights followed by the check-out date's row (n + 1 entries);
// `lead_days` is check-in minus today at the hotel. For a per-night reason,
// `*failing_night` (when given) is the index of the first night that fails.
inline const char* StayReason(int64_t rooms, int64_t lead_days, const BookingRules& rules,
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
