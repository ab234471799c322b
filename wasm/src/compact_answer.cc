// The compact answer's writer (layout: compact_answer.h).
#include "compact_answer.h"

#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <optional>

#include "calendar_columns.h"
#include "json_writer.h"

namespace edgestay::compact {
namespace {

constexpr double kNull = std::numeric_limits<double>::quiet_NaN();

// A record's slots in one append (an append per slot was most of a small answer's writing).
void Slots(std::string* out, std::initializer_list<double> slots) {
  out->append(reinterpret_cast<const char*>(slots.begin()), slots.size() * sizeof(double));
}
void SlotAt(std::string* out, size_t at, double v) { std::memcpy(&(*out)[at], &v, 8); }
void Pad(std::string* out) { out->append((8 - out->size() % 8) % 8, '\0'); }

// Length in UTF-16 code units of valid UTF-8 (the core's strings come from parsed JSON).
double Utf16Length(std::string_view s) {
  double n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
    if (c >= 0xF0) ++n;  // a 4-byte sequence is a surrogate pair in UTF-16
  }
  return n;
}

template <size_t N>
constexpr size_t IndexOf(const char* const (&names)[N], std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (std::string_view(names[i]) == name) return i;
  }
  return N;
}
constexpr size_t kStayNightly = IndexOf(kStaySlots, "nightly");
constexpr size_t kStayStrBytes = IndexOf(kStaySlots, "strBytes");
constexpr size_t kStaySlotCount = sizeof(kStaySlots) / sizeof(kStaySlots[0]);
constexpr size_t kNightSlotCount = sizeof(kNightSlots) / sizeof(kNightSlots[0]);
static_assert(IndexOf(kFrameSlots, "strBytes") == 5 && IndexOf(kFrameSlots, "kind") == 0,
              "WriteJsonFrame writes the frame slots in this order");
static_assert(kStayNightly < kStaySlotCount && kStayStrBytes < kStaySlotCount, "slot table");
template <size_t N>
constexpr size_t CountOf(const char* const (&)[N]) {
  return N;
}
static_assert(CountOf(kRulesSlots) == 9 && CountOf(kRoomTypeSlots) == 8 && CountOf(kSpecialDaySlots) == 6,
              "WriteRules, WriteRoomType and WriteSpecialDay write their slots in the tables' order");
static_assert(kStaySlotCount == 12 && IndexOf(kStaySlots, "checkIn") == 2 && kStayStrBytes == 11,
              "WriteStay writes the stay slots in this order");

double ReadSlot(const std::string& s, size_t i) {
  double v;
  std::memcpy(&v, s.data() + i * 8, 8);
  return v;
}

}  // namespace

std::string LayoutJson() {
  std::string out;
  JsonWriter w(&out);
  auto list = [&](const char* key, const auto& names) {
    w.Key(key).BeginArray();
    for (const char* n : names) w.String(n);
    w.EndArray();
  };
  w.BeginObject().Key("version").Int(2);
  list("frame", kFrameSlots);
  list("stay", kStaySlots);
  list("night", kNightSlots);
  list("asOf", kAsOfSlots);
  list("booking", kBookingSlots);
  list("rules", kRulesSlots);
  list("roomType", kRoomTypeSlots);
  list("specialDay", kSpecialDaySlots);
  list("occupancy", kOccupancySlots);
  list("occupancyRoomType", kOccupancyRoomTypeSlots);
  list("statistics", kStatisticsSlots);
  list("calendar", kCalendarSlots);
  list("calendarRoomType", kCalendarRoomTypeSlots);
  list("calendarColumns", kCalendarColumns);
  w.EndObject();
  return out;
}

void WriteStay(const StayFacts& s, std::string* out) {
  const int64_t n = s.check_out - s.check_in;
  int64_t total = 0;
  bool priced = true;
  for (int64_t i = 0; i < n; ++i) {
    const Night& night = (*s.nights)[static_cast<size_t>(i)];
    if (night.has_row) total += night.price_cents;
    else priced = false;
  }
  const std::string_view reason = s.reason ? std::string_view(s.reason) : std::string_view();
  const size_t begin = out->size();
  const size_t strings_at = (kStaySlotCount + static_cast<size_t>(n) * kNightSlotCount) * 8;
  const size_t str_bytes = s.room_type_name.size() + s.currency.size() + reason.size();
  // Sized once and filled in place (appending slot by slot grew the string per night).
  out->resize(begin + strings_at + ((str_bytes + 7) & ~size_t{7}), '\0');
  char* p = out->data() + begin;
  auto put = [&p](double v) {
    std::memcpy(p, &v, 8);
    p += 8;
  };
  // In the order of kStaySlots.
  put(static_cast<double>(s.room_type_id));
  put(static_cast<double>(s.hotel_id));
  put(static_cast<double>(s.check_in));
  put(static_cast<double>(n));
  put(static_cast<double>(s.rooms));
  put(s.reason ? 0 : 1);
  put(priced ? static_cast<double>(total * s.rooms) : kNull);
  put(static_cast<double>(n));
  put(Utf16Length(s.room_type_name));
  put(Utf16Length(s.currency));
  put(s.reason ? Utf16Length(reason) : -1);
  put(static_cast<double>(str_bytes));
  for (int64_t i = 0; i < n; ++i) {
    const Night& night = (*s.nights)[static_cast<size_t>(i)];
    put(night.has_row ? static_cast<double>(night.available) : kNull);
    put(night.has_row ? static_cast<double>(night.price_cents) : kNull);
  }
  for (std::string_view part : {s.room_type_name, s.currency, reason}) {
    std::memcpy(p, part.data(), part.size());
    p += part.size();
  }
}

void StripNightly(std::string* out, size_t at) {
  const double n = ReadSlot(*out, at / 8 + kStayNightly);
  if (n > 0) {
    const size_t night_begin = at + kStaySlotCount * 8;
    out->erase(night_begin, static_cast<size_t>(n) * kNightSlotCount * 8);
  }
  if (n >= 0) SlotAt(out, at + kStayNightly * 8, -1);
}

void WriteFrame(Kind kind, int64_t count, int64_t hotel_id, Day check_in, Day check_out, int64_t rooms,
                std::string* out) {
  const bool dates = kind == Kind::kHotel;
  // In the order of kFrameSlots.
  Slots(out, {static_cast<double>(kind), static_cast<double>(count), dates ? static_cast<double>(hotel_id) : kNull,
              dates ? static_cast<double>(check_out - check_in) : kNull, dates ? static_cast<double>(rooms) : kNull,
              dates ? 20.0 : 0.0});
  if (dates) {
    char date[10];
    FormatDateTo(check_in, date);
    out->append(date, 10);
    FormatDateTo(check_out, date);
    out->append(date, 10);
  }
  Pad(out);
}

void WriteBooking(const BookingFacts& b, std::string* out) {
  auto opt = [](const std::optional<int64_t>& v) { return v ? static_cast<double>(*v) : kNull; };
  auto num = [](int64_t v) { return static_cast<double>(v); };
  // In the order of kBookingSlots; the strings' byte count is set once they are written.
  const size_t str_bytes_at = out->size() + IndexOf(kBookingSlots, "strBytes") * 8;
  Slots(out, {num(b.id), num(b.hotel_id), num(b.user_id), num(b.room_type_id), num(b.nights), num(b.rooms),
              num(b.guests), num(b.total_cents), num(b.created_at), num(b.updated_at), opt(b.hold_expires_at),
              opt(b.server_id), Utf16Length(b.room_type_name), Utf16Length(b.status), Utf16Length(b.check_in),
              Utf16Length(b.check_out), b.idempotency_key ? Utf16Length(*b.idempotency_key) : -1,
              Utf16Length(b.origin), 0});
  const size_t strings = out->size();
  out->append(b.room_type_name).append(b.status).append(b.check_in).append(b.check_out);
  if (b.idempotency_key) out->append(*b.idempotency_key);
  out->append(b.origin);
  SlotAt(out, str_bytes_at, static_cast<double>(out->size() - strings));
  Pad(out);
}

void WriteRules(const RulesFacts& r, std::string* out) {
  // In the order of kRulesSlots.
  Slots(out, {static_cast<double>(r.hotel_id), Utf16Length(r.currency), static_cast<double>(r.utc_offset_minutes),
              static_cast<double>(r.max_advance_days), static_cast<double>(r.min_lead_days),
              static_cast<double>(r.max_rooms_per_booking), static_cast<double>(r.hold_ttl_seconds),
              static_cast<double>(r.max_nights), static_cast<double>(r.currency.size())});
  out->append(r.currency);
  Pad(out);
}

void WriteRoomType(const RoomTypeFacts& r, std::string* out) {
  // In the order of kRoomTypeSlots.
  Slots(out, {static_cast<double>(r.id), static_cast<double>(r.hotel_id), Utf16Length(r.name),
              static_cast<double>(r.capacity_adults), static_cast<double>(r.capacity_children),
              static_cast<double>(r.base_price_cents), static_cast<double>(r.total_rooms),
              static_cast<double>(r.name.size())});
  out->append(r.name);
  Pad(out);
}

void WriteSpecialDay(const SpecialDayFacts& d, std::string* out) {
  // In the order of kSpecialDaySlots.
  const std::string_view note = d.note ? *d.note : std::string_view();
  Slots(out, {Utf16Length(d.date), Utf16Length(d.kind), static_cast<double>(d.price_multiplier_pct),
              d.min_stay ? static_cast<double>(*d.min_stay) : kNull, d.note ? Utf16Length(*d.note) : -1,
              static_cast<double>(d.date.size() + d.kind.size() + note.size())});
  out->append(d.date).append(d.kind).append(note);
  Pad(out);
}

void WriteNumbers(std::initializer_list<double> slots, std::string* out) { Slots(out, slots); }

void SetFrameCount(std::string* out, int64_t count, size_t at) {
  SlotAt(out, at + IndexOf(kFrameSlots, "count") * 8, static_cast<double>(count));
}

void WriteJsonFrame(std::string_view json, std::string* out) {
  // In the order of kFrameSlots; the JSON is the frame's strings.
  Slots(out, {static_cast<double>(Kind::kJson), kNull, kNull, kNull, kNull,  // count, hotelId, nights, rooms
              static_cast<double>(json.size())});
  out->append(json);
  Pad(out);
}

void WriteAsOf(const std::optional<std::string>& cursor, const std::optional<int64_t>& synced_at, std::string* out) {
  // In the order of kAsOfSlots.
  Slots(out, {synced_at ? static_cast<double>(*synced_at) : kNull, cursor ? Utf16Length(*cursor) : -1,
              cursor ? static_cast<double>(cursor->size()) : 0});
  if (cursor) out->append(*cursor);
  Pad(out);
}

void WriteCalendar(int64_t hotel_id, Day from, int64_t days, uint32_t columns, std::string* out) {
  // In the order of kCalendarSlots.
  Slots(out, {static_cast<double>(hotel_id), static_cast<double>(from), static_cast<double>(days),
              static_cast<double>(columns)});
}

void WriteCalendarRoomType(int64_t id, std::string_view name, const std::vector<Night>& nights, uint32_t columns,
                           std::string* out) {
  // In the order of kCalendarRoomTypeSlots, then the columns' nights in place.
  Slots(out, {static_cast<double>(id), Utf16Length(name), static_cast<double>(name.size())});
  int answered = 0;
  for (int c = 0; c < kCalendarColumnCount; ++c) answered += (columns >> c) & 1;
  size_t at = out->size();
  out->resize(at + static_cast<size_t>(answered) * nights.size() * 8);
  for (int c = 0; c < kCalendarColumnCount; ++c) {
    if (!(columns & (1u << c))) continue;
    for (const Night& n : nights) {
      SlotAt(out, at, n.has_row ? static_cast<double>(CalendarValue(n, c)) : kNull);
      at += 8;
    }
  }
  out->append(name);
  Pad(out);
}

}  // namespace edgestay::compact
