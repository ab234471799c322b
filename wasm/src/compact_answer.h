// The compact answer: a binary form of the hot answers (the stay questions
// checkRoomAvailability, batchCheckAvailability, getAllRoomAvailability, a user's
// bookings, the small answers getBookingRules, getRoomTypes, getSpecialDays, the
// reports getOccupancyRate, getBookingStatistics, and getCalendar's grid) that the JS
// wrapper decodes into the same plain objects as their JSON, without JSON text on either
// side of the boundary.
//
// Layout (every number a little-endian f64 "slot", so the JS side reads one Float64Array;
// null = NaN; every part starts 8-byte aligned):
//   frame:  kFrameSlots, then its strings (getAllRoomAvailability: checkIn and checkOut,
//           10 bytes each; else none), zero-padded to 8 bytes, then `count` stay records,
//           then the asOf trailer: kAsOfSlots and the cursor, zero-padded to 8 bytes.
//   stay:   kStaySlots, then `nightly` x kNightSlots (absent when nightly = -1: the
//           summary form), then its strings (roomTypeName, currency, reason), zero-padded
//           to 8 bytes. Its dates are day numbers (days since 1970-01-01): checkIn, then
//           checkIn + nights for checkOut and checkIn + i for night i (the decoder makes
//           the date text; formatting every night's date was an eighth of a cold stay).
// A string slot holds the string's length in UTF-16 units (what JS slices by; -1 =
// null); a `strBytes` slot the UTF-8 byte count of the record's strings before padding.
// The slot names are the JS keys they fill; the wrapper reads them from LayoutJson(), so
// this table is the one description of the format.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgestay/date.h"
#include "edgestay/stay_rules.h"

namespace edgestay::compact {

inline constexpr const char* kFrameSlots[] = {"kind", "count", "hotelId", "nights", "rooms", "strBytes"};
// The frame's "kind": what the JS answer is. kStay / kList / kHotel: one stay, an array
// of them, getAllRoomAvailability's object (each with the asOf trailer). kBookings: an
// array of `count` booking records (no trailer). kJson: the frame's strings are the
// answer's JSON (a form the compact layout does not cover, e.g. bookings with payments).
// kRules: one rules record (getBookingRules); kRoomTypes / kSpecialDays: arrays of
// `count` such records; kOccupancy: the hotel's occupancy record then `count` room type
// records; kStatistics: one statistics record (no trailer: these answers carry no asOf).
// kBooking: one booking record, the booking itself (createBooking's answer).
enum class Kind {
  kStay = 0, kList = 1, kHotel = 2, kBookings = 3, kJson = 4, kRules = 5, kRoomTypes = 6, kSpecialDays = 7,
  kOccupancy = 8, kStatistics = 9, kCalendar = 10, kBooking = 11
};
// A booking of getUserBookingsWithRoomType: kBookingSlots, then its strings
// (roomTypeName, status, checkIn, checkOut, idempotencyKey, origin), zero-padded.
inline constexpr const char* kBookingSlots[] = {
    "id", "hotelId", "userId", "roomTypeId", "nights", "rooms", "guests", "totalCents", "createdAt", "updatedAt",
    "holdExpiresAt", "serverId", "roomTypeName", "status", "checkIn", "checkOut", "idempotencyKey", "origin",
    "strBytes"};
inline constexpr const char* kStaySlots[] = {"roomTypeId", "hotelId", "checkIn", "nights", "rooms", "available",
                                             "totalCents", "nightly", "roomTypeName", "currency", "reason",
                                             "strBytes"};
inline constexpr const char* kNightSlots[] = {"available", "priceCents"};
inline constexpr const char* kAsOfSlots[] = {"syncedAt", "cursor", "strBytes"};
// getBookingRules: kRulesSlots, then its string (currency), zero-padded.
inline constexpr const char* kRulesSlots[] = {"hotelId", "currency", "utcOffsetMinutes", "maxAdvanceDays",
                                              "minLeadDays", "maxRoomsPerBooking", "holdTtlSeconds", "maxNights",
                                              "strBytes"};
// A room type of getRoomTypes: kRoomTypeSlots, then its string (name), zero-padded.
inline constexpr const char* kRoomTypeSlots[] = {"id", "hotelId", "name", "capacityAdults", "capacityChildren",
                                                 "basePriceCents", "totalRooms", "strBytes"};
// A special day of getSpecialDays: kSpecialDaySlots, then its strings (date, kind, note),
// zero-padded.
inline constexpr const char* kSpecialDaySlots[] = {"date", "kind", "priceMultiplierPct", "minStay", "note",
                                                   "strBytes"};
// getOccupancyRate: kOccupancySlots (from and to as day numbers), then `count` x
// kOccupancyRoomTypeSlots; no strings. The KPIs are the doubles the JSON writes with
// %.17g (which round-trips), so both faces give JS the same numbers.
inline constexpr const char* kOccupancySlots[] = {"hotelId", "from", "to", "roomsAvailable", "roomsSold",
                                                  "revenueCents", "occupancy", "adrCents", "revparCents"};
inline constexpr const char* kOccupancyRoomTypeSlots[] = {"roomTypeId", "roomsAvailable", "roomsSold", "revenueCents",
                                                          "occupancy", "adrCents", "revparCents"};
// getBookingStatistics: kStatisticsSlots (from and to as day numbers); no strings.
inline constexpr const char* kStatisticsSlots[] = {
    "hotelId", "from", "to", "total", "byStatus.HELD", "byStatus.PENDING_SYNC", "byStatus.CONFIRMED",
    "byStatus.REJECTED", "byStatus.CANCELLED", "byStatus.EXPIRED", "active", "roomNights", "revenueCents",
    "revenueByStatus.HELD", "revenueByStatus.PENDING_SYNC", "revenueByStatus.CONFIRMED", "revenueByStatus.REJECTED",
    "revenueByStatus.CANCELLED", "revenueByStatus.EXPIRED", "cancelledValueCents", "averageNights",
    "cancellationRate"};

// getCalendar: kCalendarSlots (from as a day number; columns: the bit set of
// kCalendarColumns answered), then `count` room types: kCalendarRoomTypeSlots, then for
// each answered column in kCalendarColumns' order `days` slots (null: a night without an
// inventory row), then the name, zero-padded; then the asOf trailer.
inline constexpr const char* kCalendarSlots[] = {"hotelId", "from", "days", "columns"};
inline constexpr const char* kCalendarRoomTypeSlots[] = {"id", "name", "strBytes"};

// {"version":2,"frame":[...],"stay":[...],"night":[...],"asOf":[...],"booking":[...],
// "rules":[...],"roomType":[...],"specialDay":[...],"occupancy":[...],"occupancyRoomType":[...],
// "statistics":[...],"calendar":[...],"calendarRoomType":[...],"calendarColumns":[...]}: the
// slot names above, in order, and the calendar's column names (calendar_columns.h).
// Version 2: the stay's dates became day numbers.
std::string LayoutJson();

// One stay record (the stay's answer without asOf). `reason` null = available.
struct StayFacts {
  int64_t room_type_id, hotel_id, rooms;
  Day check_in, check_out;
  std::string_view room_type_name, currency;
  const char* reason;
  const std::vector<Night>* nights;  // check_out - check_in of them
};
void WriteStay(const StayFacts& s, std::string* out);
// The record that starts at byte `at` of `out` (its last record) without its nightly
// slots (the summary form), in place.
void StripNightly(std::string* out, size_t at);

// The frame's header and strings; `count` stay records follow it. A kHotel frame
// carries hotelId, nights, rooms, checkIn and checkOut; the others leave them null.
void WriteFrame(Kind kind, int64_t count, int64_t hotel_id, Day check_in, Day check_out, int64_t rooms,
                std::string* out);
struct BookingFacts {
  int64_t id, hotel_id, user_id, room_type_id, nights, rooms, guests, total_cents, created_at, updated_at;
  std::optional<int64_t> hold_expires_at, server_id;
  std::string_view room_type_name, status, check_in, check_out, origin;
  std::optional<std::string_view> idempotency_key;
};
void WriteBooking(const BookingFacts& b, std::string* out);
// Sets the count of the frame at byte `at` of `out` (a frame written before its records
// were counted).
void SetFrameCount(std::string* out, int64_t count, size_t at = 0);
struct RulesFacts {
  int64_t hotel_id, utc_offset_minutes, max_advance_days, min_lead_days, max_rooms_per_booking, hold_ttl_seconds,
      max_nights;
  std::string_view currency;
};
void WriteRules(const RulesFacts& r, std::string* out);
struct RoomTypeFacts {
  int64_t id, hotel_id, capacity_adults, capacity_children, base_price_cents, total_rooms;
  std::string_view name;
};
void WriteRoomType(const RoomTypeFacts& r, std::string* out);
struct SpecialDayFacts {
  std::string_view date, kind;
  int64_t price_multiplier_pct;
  std::optional<int64_t> min_stay;
  std::optional<std::string_view> note;
};
void WriteSpecialDay(const SpecialDayFacts& d, std::string* out);
// Numbers in the order of a slot table (a record of numbers only: occupancy, statistics).
void WriteNumbers(std::initializer_list<double> slots, std::string* out);
// A kJson frame carrying `json` (the whole answer).
void WriteJsonFrame(std::string_view json, std::string* out);

// The asOf trailer that ends every frame (added when the answer is returned, as asOf is).
void WriteAsOf(const std::optional<std::string>& cursor, const std::optional<int64_t>& synced_at, std::string* out);
// getCalendar's header record (after the frame) and one room type's record.
void WriteCalendar(int64_t hotel_id, Day from, int64_t days, uint32_t columns, std::string* out);
void WriteCalendarRoomType(int64_t id, std::string_view name, const std::vector<Night>& nights, uint32_t columns,
                           std::string* out);

}  // namespace edgestay::compact
