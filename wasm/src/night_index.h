// NightIndex: the engine's in-memory copy of what every availability answer reads —
// inventory nights per room type, special days per hotel, and the local bookings that
// hold rooms per hotel.
//
// SQLite stays the store of record; this index is a cache of it at the granularity of a
// room type or a hotel, loaded on first use and dropped by every write that touches it
// (the write sites call Forget*), so an answer costs array lookups instead of three
// statements. Invariant: whatever is loaded equals what SQLite holds now.
#pragma once

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

class NightIndex {
 public:
  struct RoomTypeNights {
    Day first = 0;
    std::vector<Night> rows;
  };

  std::unordered_map<int64_t, RoomTypeNights> room_types;
  std::unordered_map<int64_t, std::unordered_map<Day, SpecialDayInfo>> special_days;  // by hotel
  std::unordered_map<int64_t, std::vector<HoldingStay>> holding;                      // by hotel

  void ForgetRoomType(int64_t id) { room_types.erase(id); }
  void ForgetSpecialDays(int64_t hotel_id) { special_days.erase(hotel_id); }
  void ForgetHolding(int64_t hotel_id) { holding.erase(hotel_id); }
  void ForgetAllHolding() { holding.clear(); }
  void Clear() {
    room_types.clear();
    special_days.clear();
    holding.clear();
  }
};

}  // namespace edgestay
