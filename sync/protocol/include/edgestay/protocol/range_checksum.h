// Range checksums (sync/FORMAT.md §6): the one definition of how a replicated row is
// hashed and how a (room type, month) range sums its rows. The centre and every engine
// compute it with this header, so a difference means the rows differ.
//
// Header-only (beside the shared date parser): it is compiled into the core (wasm and
// native) and into edgestay-server alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "edgestay/date.h"

namespace edgestay::protocol {

// Columns a range checksum covers, in hashing order. `int` columns are hashed as
// integers, the others as text; either may be null.
struct ChecksumColumn {
  const char* name;
  bool is_int;
};

// room_inventory: every FORMAT.md column. A range holds the rows whose `date` is in the month.
inline constexpr ChecksumColumn kInventoryChecksumColumns[] = {
    {"room_type_id", true}, {"date", false},          {"total", true},
    {"available", true},    {"price_cents", true},    {"min_stay", true},
    {"max_stay", true},     {"closed_to_arrival", true}, {"closed_to_departure", true},
    {"stop_sell", true}};

// bookings: the FORMAT.md columns except `origin` and `server_id`, which only say where an
// engine's copy came from. `id` is the central id (an engine hashes `server_id` for a
// booking it made). A range holds the bookings whose `start_date` is in the month.
inline constexpr ChecksumColumn kBookingChecksumColumns[] = {
    {"id", true},           {"hotel_id", true},        {"user_id", true},
    {"room_type_id", true}, {"status", false},         {"start_date", false},
    {"end_date", false},    {"rooms", true},           {"guests", true},
    {"total_cents", true},  {"created_at", true},      {"updated_at", true},
    {"hold_expires_at", true}, {"idempotency_key", false}};

// Ranges are calendar months, numbered year * 12 + (month - 1) so that consecutive months
// are consecutive integers.

// The month of a valid "YYYY-MM-DD" date (or of a "YYYY-MM" prefix).
inline int64_t MonthOfDate(std::string_view date) {
  auto digits = [&](size_t at, size_t n) {
    int64_t v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (date[i] - '0');
    return v;
  };
  return digits(0, 4) * 12 + digits(5, 2) - 1;
}

inline int64_t MonthOfDay(Day day) {
  char text[10];
  FormatDateTo(day, text);
  return MonthOfDate(std::string_view(text, 10));
}

// "YYYY-MM", as the wire names a month.
inline std::string MonthText(int64_t month) {
  // printf's "%04lld-%02lld" (without printf: the wasm links none).
  auto padded = [](int64_t v, size_t width) {
    std::string digits = std::to_string(v < 0 ? -v : v);
    const size_t room = width - (v < 0 ? 1 : 0);
    if (digits.size() < room) digits.insert(0, room - digits.size(), '0');
    return v < 0 ? "-" + digits : digits;
  };
  return padded(month / 12, 4) + "-" + padded(month % 12 + 1, 2);
}

// The month's first day, "YYYY-MM-01" (a range is [MonthStart(m), MonthStart(m + 1))).
inline std::string MonthStart(int64_t month) { return MonthText(month) + "-01"; }

// Parses a wire month "YYYY-MM" of an accepted year; false otherwise.
inline bool ParseMonth(std::string_view text, int64_t* month) {
  Day day = 0;
  if (text.size() != 7 || !ParseDate(std::string(text) + "-01", &day)) return false;
  *month = MonthOfDate(text);
  return true;
}

// The most months one checksums request may span (a 3-year window and a bit); the
// rolling window (§8) is bounded by it so one verify covers it.
inline constexpr int64_t kMaxChecksumMonths = 37;

// The algorithm's name as the wire carries it.
inline constexpr const char* kChecksumAlgorithm = "fnv1a64-sum/1";

// FNV-1a 64 over a row's canonical bytes: the table name, then per column `|i<decimal>`
// for an integer, `|s<byte length>:<bytes>` for text, `|n` for null.
class RowHasher {
 public:
  explicit RowHasher(std::string_view table) { Bytes(table); }
  void Int(int64_t v) {
    Bytes("|i");
    Bytes(std::to_string(v));
  }
  void Text(std::string_view v) {
    Bytes("|s");
    Bytes(std::to_string(v.size()));
    Bytes(":");
    Bytes(v);
  }
  void Null() { Bytes("|n"); }
  uint64_t value() const { return h_; }

 private:
  void Bytes(std::string_view s) {
    for (unsigned char c : s) {
      h_ ^= c;
      h_ *= 1099511628211ull;
    }
  }
  uint64_t h_ = 14695981039346656037ull;
};

// A range's checksum: the number of rows and the sum of their hashes modulo 2^64, so the
// order rows are visited in does not matter (and two equal rows do not cancel out).
struct RangeSum {
  int64_t count = 0;
  uint64_t sum = 0;
  void Add(uint64_t row_hash) {
    ++count;
    sum += row_hash;
  }
  // 16 lowercase hex digits.
  std::string Hex() const {
    static const char* kDigits = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i) out[static_cast<size_t>(15 - i)] = kDigits[(sum >> (i * 4)) & 0xf];
    return out;
  }
};

}  // namespace edgestay::protocol
