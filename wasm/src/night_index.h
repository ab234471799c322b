// NightIndex: the engine's in-memory copy of what every availability answer reads —
// inventory nights per room type, special days per hotel, the local bookings that hold
// rooms per hotel and room type, and the bookings of a hotel by start date.
//
// SQLite stays the store of record; this index is a cache of it at the granularity of a
// room type or a hotel, loaded on first use and dropped by every write that touches it
// (the write sites call Forget*), so an answer costs array lookups instead of three
// statements. Invariant: whatever is loaded equals what SQLite holds now.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "edgestay/date.h"

namespace edgestay {

struct Night;  // engine_impl.h

struct InventoryRows {
  Day first = 0;             // date of rows[0]
  std::vector<Night>* rows;  // owned by NightIndex; raw rows (no special day applied)
};

struct SpecialDayInfo {
  int64_t pct = 100;
  bool has_min_stay = false;
  int64_t min_stay = 0;
  bool blackout = false;
};

struct HoldingStay {
  int64_t room_type_id = 0;
  Day from = 0, to = 0;  // nights [from, to)
  int64_t rooms = 0;
  bool held = false;     // HELD: counts only while now < hold_expires_at
  int64_t hold_expires_at = 0;
};

// The rooms local bookings hold on each night of one room type. Looked up by night, so an
// answer costs the same with 15,000 unsynced bookings as with none. HELD stays count
// until their expiry; the engine turns expired holds into EXPIRED before each call, so the
// walk over `held` (to take an expired one back out) only runs in the gap before that.
struct RoomTypeHolding {
  Day first = 0;
  std::vector<int32_t> rooms;      // rooms held on night first + i
  std::vector<HoldingStay> held;   // the HELD stays among them
  int64_t earliest_expiry = INT64_MAX;

  void Add(const HoldingStay& h) {
    if (h.to <= h.from || h.rooms == 0) return;
    if (rooms.empty()) first = h.from;
    if (h.from < first) {
      rooms.insert(rooms.begin(), static_cast<size_t>(first - h.from), 0);
      first = h.from;
    }
    const size_t end = static_cast<size_t>(h.to - first);
    if (rooms.size() < end) rooms.resize(end, 0);
    for (Day d = h.from; d < h.to; ++d) rooms[static_cast<size_t>(d - first)] += static_cast<int32_t>(h.rooms);
    if (h.held) {
      held.push_back(h);
      earliest_expiry = std::min(earliest_expiry, h.hold_expires_at);
    }
  }
  // Rooms held on night `d` at `now_ms`.
  int64_t At(Day d, int64_t now_ms) const {
    if (d < first || d - first >= static_cast<int64_t>(rooms.size())) return 0;
    int64_t n = rooms[static_cast<size_t>(d - first)];
    if (now_ms >= earliest_expiry) {
      for (const HoldingStay& h : held) {
        if (h.hold_expires_at <= now_ms && h.from <= d && d < h.to) n -= h.rooms;
      }
    }
    return n;
  }
};

// Holding stays of one hotel, by room type.
using HotelHolding = std::unordered_map<int64_t, RoomTypeHolding>;

// One booking as getBookingStatistics counts it.
struct BookingStart {
  Day start = 0;
  int32_t status = 0;  // index in the statuses list (HELD .. EXPIRED)
  int32_t nights = 0;
  int64_t rooms = 0;
  int64_t total_cents = 0;
};

class NightIndex {
 public:
  struct RoomTypeNights {
    Day first = 0;
    std::vector<Night> rows;
  };

  std::unordered_map<int64_t, RoomTypeNights> room_types;
  std::unordered_map<int64_t, std::unordered_map<Day, SpecialDayInfo>> special_days;  // by hotel
  std::unordered_map<int64_t, HotelHolding> holding;                                  // by hotel
  // Bookings by start date (sorted), by the booking's own hotel: statistics walk the asked
  // range instead of aggregating over the bookings index. Dropped with the holding list of
  // the same hotel (every booking write forgets that).
  std::unordered_map<int64_t, std::vector<BookingStart>> starts;

  void ForgetRoomType(int64_t id) { room_types.erase(id); }
  void ForgetSpecialDays(int64_t hotel_id) { special_days.erase(hotel_id); }
  // A booking of the hotel changed: the rooms it holds and the statistics' rows.
  void ForgetHolding(int64_t hotel_id) {
    holding.erase(hotel_id);
    starts.erase(hotel_id);
  }
  void ForgetAllHolding() {
    holding.clear();
    starts.clear();
  }
  void Clear() {
    room_types.clear();
    special_days.clear();
    holding.clear();
    starts.clear();
  }
};

}  // namespace edgestay
