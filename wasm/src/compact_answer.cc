// The compact answer's writer (layout: compact_answer.h).
#include "compact_answer.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "json_writer.h"

namespace edgestay::compact {
namespace {

constexpr double kNull = std::numeric_limits<double>::quiet_NaN();

void Slot(std::string* out, double v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out->append(b, 8);
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
  Slot(out, static_cast<double>(kind));
  Slot(out, static_cast<double>(count));
  Slot(out, dates ? static_cast<double>(hotel_id) : kNull);
  Slot(out, dates ? static_cast<double>(check_out - check_in) : kNull);
  Slot(out, dates ? static_cast<double>(rooms) : kNull);
  Slot(out, dates ? 20 : 0);
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
  auto opt = [&](const std::optional<int64_t>& v) { Slot(out, v ? static_cast<double>(*v) : kNull); };
  // In the order of kBookingSlots.
  for (int64_t v : {b.id, b.hotel_id, b.user_id, b.room_type_id, b.nights, b.rooms, b.guests, b.total_cents,
                    b.created_at, b.updated_at}) {
    Slot(out, static_cast<double>(v));
  }
  opt(b.hold_expires_at);
  opt(b.server_id);
  Slot(out, Utf16Length(b.room_type_name));
  Slot(out, Utf16Length(b.status));
  Slot(out, Utf16Length(b.check_in));
  Slot(out, Utf16Length(b.check_out));
  Slot(out, b.idempotency_key ? Utf16Length(*b.idempotency_key) : -1);
  Slot(out, Utf16Length(b.origin));
  const size_t str_bytes_at = out->size();
  Slot(out, 0);
  const size_t strings = out->size();
  out->append(b.room_type_name).append(b.status).append(b.check_in).append(b.check_out);
  if (b.idempotency_key) out->append(*b.idempotency_key);
  out->append(b.origin);
  SlotAt(out, str_bytes_at, static_cast<double>(out->size() - strings));
  Pad(out);
}

void WriteRules(const RulesFacts& r, std::string* out) {
  // In the order of kRulesSlots.
  Slot(out, static_cast<double>(r.hotel_id));
  Slot(out, Utf16Length(r.currency));
  for (int64_t v : {r.utc_offset_minutes, r.max_advance_days, r.min_lead_days, r.max_rooms_per_booking,
                    r.hold_ttl_seconds, r.max_nights}) {
    Slot(out, static_cast<double>(v));
  }
  Slot(out, static_cast<double>(r.currency.size()));
  out->append(r.currency);
  Pad(out);
}

void WriteRoomType(const RoomTypeFacts& r, std::string* out) {
  // In the order of kRoomTypeSlots.
  Slot(out, static_cast<double>(r.id));
  Slot(out, static_cast<double>(r.hotel_id));
  Slot(out, Utf16Length(r.name));
  for (int64_t v : {r.capacity_adults, r.capacity_children, r.base_price_cents, r.total_rooms}) {
    Slot(out, static_cast<double>(v));
  }
  Slot(out, static_cast<double>(r.name.size()));
  out->append(r.name);
  Pad(out);
}

void WriteSpecialDay(const SpecialDayFacts& d, std::string* out) {
  // In the order of kSpecialDaySlots.
  Slot(out, Utf16Length(d.date));
  Slot(out, Utf16Length(d.kind));
  Slot(out, static_cast<double>(d.price_multiplier_pct));
  Slot(out, d.min_stay ? static_cast<double>(*d.min_stay) : kNull);
  Slot(out, d.note ? Utf16Length(*d.note) : -1);
  const std::string_view note = d.note ? *d.note : std::string_view();
  Slot(out, static_cast<double>(d.date.size() + d.kind.size() + note.size()));
  out->append(d.date).append(d.kind).append(note);
  Pad(out);
}

void WriteNumbers(std::initializer_list<double> slots, std::string* out) {
  for (double v : slots) Slot(out, v);
}

void SetFrameCount(std::string* out, int64_t count, size_t at) {
  SlotAt(out, at + IndexOf(kFrameSlots, "count") * 8, static_cast<double>(count));
}

void WriteJsonFrame(std::string_view json, std::string* out) {
  // In the order of kFrameSlots; the JSON is the frame's strings.
  Slot(out, static_cast<double>(Kind::kJson));
  for (int i = 0; i < 4; ++i) Slot(out, kNull);  // count, hotelId, nights, rooms
  Slot(out, static_cast<double>(json.size()));
  out->append(json);
  Pad(out);
}

void WriteAsOf(const std::optional<std::string>& cursor, const std::optional<int64_t>& synced_at, std::string* out) {
  // In the order of kAsOfSlots.
  Slot(out, synced_at ? static_cast<double>(*synced_at) : kNull);
  Slot(out, cursor ? Utf16Length(*cursor) : -1);
  Slot(out, cursor ? static_cast<double>(cursor->size()) : 0);
  if (cursor) out->append(*cursor);
  Pad(out);
}

}  // namespace edgestay::compact
