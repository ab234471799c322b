// Availability: the rules of docs/API.md "Availability rules" for one stay, all room types of
// a hotel, a batch of stays, and the calendar grid.
//
// Every answer is computed from at most three statements (inventory rows, special days,
// pending local bookings) over the whole date range at once, never one per night or
// per room type.
#include <algorithm>

#include "compact_answer.h"
#include "engine_impl.h"
#include "json_writer.h"
#include "schema.h"

namespace edgestay {
namespace {

constexpr const char* kInventoryCols =
    "date, total, available, price_cents, min_stay, max_stay, closed_to_arrival, closed_to_departure, stop_sell";

void FillNight(const Stmt& s, int first_col, Night* n) {
  n->has_row = true;
  n->total = s.Int(first_col + 1);
  n->available = s.Int(first_col + 2);
  n->price_cents = s.Int(first_col + 3);
  n->min_stay = s.Int(first_col + 4);
  n->max_stay = s.Int(first_col + 5);
  n->closed_to_arrival = s.Int(first_col + 6) != 0;
  n->closed_to_departure = s.Int(first_col + 7) != 0;
  n->stop_sell = s.Int(first_col + 8) != 0;
}

}  // namespace

Status Engine::Impl::EnsureRoomTypeNights(int64_t room_type_id, NightIndex::RoomTypeNights** out) {
  auto it = nights.room_types.find(room_type_id);
  if (it == nights.room_types.end()) {
    // room_inventory is keyed (room_type_id, date) WITHOUT ROWID (schema 5): one range
    // of the table itself, in date order, every column at hand.
    static const std::string sql = std::string("SELECT ") + kInventoryCols +
        " FROM room_inventory WHERE room_type_id = ? ORDER BY date";
    Stmt* st;
    ES_RETURN_IF_ERROR(Prepared(sql.c_str(), &st));
    NightIndex::RoomTypeNights loaded;
    StmtScope s(*st);
    s->BindInt(1, room_type_id);
    int rc;
    while ((rc = s->Step()) == SQLITE_ROW) {
      Day d;
      if (!ParseDate(s->Text(0), &d)) continue;
      if (loaded.rows.empty()) loaded.first = d;
      const size_t i = static_cast<size_t>(d - loaded.first);
      if (loaded.rows.size() <= i) loaded.rows.resize(i + 1);
      FillNight(*s, 0, &loaded.rows[i]);
    }
    if (rc != SQLITE_DONE) return SqliteError(db, "read inventory");
    it = nights.room_types.emplace(room_type_id, std::move(loaded)).first;
  }
  *out = &it->second;
  return Status::Ok();
}

Status Engine::Impl::EnsureSpecialDays(int64_t hotel_id, const std::unordered_map<Day, SpecialDayInfo>** out) {
  auto it = nights.special_days.find(hotel_id);
  if (it == nights.special_days.end()) {
    Stmt* st;
    ES_RETURN_IF_ERROR(Prepared("SELECT date, kind, price_multiplier_pct, min_stay FROM special_days"
                                " WHERE hotel_id = ?", &st));
    std::unordered_map<Day, SpecialDayInfo> loaded;
    StmtScope s(*st);
    s->BindInt(1, hotel_id);
    while (s->Step() == SQLITE_ROW) {
      Day d;
      if (!ParseDate(s->Text(0), &d)) continue;
      loaded[d] = SpecialDayInfo{s->Int(2), !s->IsNull(3), s->Int(3), s->Text(1) == "blackout"};
    }
    it = nights.special_days.emplace(hotel_id, std::move(loaded)).first;
  }
  *out = &it->second;
  return Status::Ok();
}

Status Engine::Impl::EnsureHolding(int64_t hotel_id, const HotelHolding** out) {
  auto it = nights.holding.find(hotel_id);
  if (it == nights.holding.end()) {
    // Local bookings hold their rooms until the centre's own row for them arrives (then
    // origin becomes 'central' and the pulled inventory already counts them). Counting an
    // accepted (CONFIRMED) one until then keeps a kiosk from reselling its last room in
    // the gap between the push result and the next pull. A booking made inside a lease
    // holds nothing here: the lease's grant already took its rooms out of inventory.
    Stmt* st;
    ES_RETURN_IF_ERROR(Prepared(
        "SELECT room_type_id, start_date, end_date, rooms, status = 'HELD', COALESCE(hold_expires_at, 0)"
        " FROM bookings INDEXED BY bookings_localHolding_idx"
        " WHERE " EDGESTAY_LOCAL_HOLDING_WHERE " AND hotel_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM lease_uses u WHERE u.booking_id = bookings.id)", &st));
    HotelHolding loaded;
    StmtScope s(*st);
    s->BindInt(1, hotel_id);
    while (s->Step() == SQLITE_ROW) {
      HoldingStay h;
      h.room_type_id = s->Int(0);
      if (!ParseDate(s->Text(1), &h.from) || !ParseDate(s->Text(2), &h.to)) continue;
      h.rooms = s->Int(3);
      h.held = s->Int(4) != 0;
      h.hold_expires_at = s->Int(5);
      loaded[h.room_type_id].Add(h);
    }
    it = nights.holding.emplace(hotel_id, std::move(loaded)).first;
  }
  *out = &it->second;
  return Status::Ok();
}

Status Engine::Impl::LoadNights(int64_t hotel_id, int64_t room_type_id, Day from, Day to_inclusive,
                                std::vector<Night>* out) {
  const size_t span = static_cast<size_t>(to_inclusive - from + 1);
  std::vector<Night>& dst = *out;

  // 1. Inventory rows.
  dst.assign(span, Night{});
  NightIndex::RoomTypeNights* rows;
  ES_RETURN_IF_ERROR(EnsureRoomTypeNights(room_type_id, &rows));
  const int64_t n = static_cast<int64_t>(rows->rows.size());
  const int64_t first = std::max<int64_t>(0, int64_t{rows->first} - from);
  const int64_t last = std::min<int64_t>(static_cast<int64_t>(span), n + rows->first - from);
  for (int64_t i = first; i < last; ++i) dst[static_cast<size_t>(i)] = rows->rows[static_cast<size_t>(from + i - rows->first)];

  // 2. Special days: price multiplier, min-stay override, blackout = stop sell.
  const std::unordered_map<Day, SpecialDayInfo>* special;
  ES_RETURN_IF_ERROR(EnsureSpecialDays(hotel_id, &special));
  if (!special->empty()) {
    for (size_t i = 0; i < span; ++i) {
      Night& night = dst[i];
      if (!night.has_row) continue;
      auto sd = special->find(from + static_cast<Day>(i));
      if (sd == special->end()) continue;
      night.price_cents = EffectivePrice(night.price_cents, sd->second.pct);
      if (sd->second.has_min_stay) night.min_stay = sd->second.min_stay;
      if (sd->second.blackout) night.stop_sell = true;
    }
  }

  // 3. Local bookings holding rooms, looked up by room type and night.
  const HotelHolding* holding;
  ES_RETURN_IF_ERROR(EnsureHolding(hotel_id, &holding));
  if (!holding->empty()) {
    auto h = holding->find(room_type_id);
    if (h != holding->end()) {
      for (size_t i = 0; i < span; ++i) dst[i].available -= h->second.At(from + static_cast<Day>(i), now_ms);
    }
  }
  return Status::Ok();
}

Status Engine::Impl::ValidateStay(const StayQuery& q, const RoomTypeInfo** rt, const HotelInfo** hotel) {
  ES_RETURN_IF_ERROR(EnsureFacts());
  auto rt_it = room_types.find(q.room_type_id);
  if (rt_it == room_types.end()) {
    return Status::Error("UNKNOWN_ROOM_TYPE", "no room type with id " + std::to_string(q.room_type_id),
                         "{\"roomTypeId\":" + std::to_string(q.room_type_id) + "}");
  }
  auto h_it = hotels.find(rt_it->second.hotel_id);
  if (h_it == hotels.end()) return Status::Error("UNKNOWN_HOTEL", "the room type's hotel is missing");
  const int64_t nights = q.check_out - q.check_in;
  if (nights > h_it->second.max_nights) {
    return Status::Error("STAY_TOO_LONG",
                         "a stay of " + std::to_string(nights) + " nights is over the hotel's maximum of " +
                             std::to_string(h_it->second.max_nights),
                         "{\"nights\":" + std::to_string(nights) + ",\"maxNights\":" +
                             std::to_string(h_it->second.max_nights) + "}");
  }
  *rt = &rt_it->second;
  *hotel = &h_it->second;
  return Status::Ok();
}

void Engine::Impl::WriteAnswer(const StayQuery& q, const RoomTypeInfo& rt, const HotelInfo& hotel,
                               const std::vector<Night>& nights, bool with_as_of, std::string* out) {
  const int64_t n = q.check_out - q.check_in;
  const char* reason = ::edgestay::StayReason(q.rooms, q.check_in - TodayAt(hotel), hotel, nights);
  JsonWriter w(out);
  w.BeginObject();
  w.Key("roomTypeId").Int(q.room_type_id).Key("roomTypeName").String(rt.name).Key("hotelId").Int(rt.hotel_id);
  w.Key("checkIn").String(FormatDate(q.check_in)).Key("checkOut").String(FormatDate(q.check_out));
  w.Key("nights").Int(n).Key("rooms").Int(q.rooms);
  w.Key("available").Bool(reason == nullptr).Key("reason");
  if (reason) w.String(reason);
  else w.Null();
  w.Key("nightly").BeginArray();
  int64_t total = 0;
  bool priced = true;
  char date[10];
  for (int64_t i = 0; i < n; ++i) {
    const Night& night = nights[static_cast<size_t>(i)];
    FormatDateTo(q.check_in + static_cast<Day>(i), date);
    w.BeginObject().Key("date").String(std::string_view(date, 10)).Key("available");
    if (night.has_row) {
      w.Int(night.available).Key("priceCents").Int(night.price_cents);
      total += night.price_cents;
    } else {
      w.Null().Key("priceCents").Null();
      priced = false;
    }
    w.EndObject();
  }
  w.EndArray().Key("totalCents");
  if (priced) w.Int(total * q.rooms);
  else w.Null();
  w.Key("currency").String(hotel.currency);
  if (with_as_of) {
    w.Key("asOf");
    std::string as_of;
    WriteAsOf(&as_of);
    w.Raw(as_of);
  }
  w.EndObject();
}

Status Engine::Impl::StayReason(const StayQuery& q, const RoomTypeInfo& rt, const HotelInfo& hotel,
                                const char** reason, std::vector<Night>* nights) {
  ES_RETURN_IF_ERROR(LoadNights(rt.hotel_id, q.room_type_id, q.check_in, q.check_out, nights));
  *reason = ::edgestay::StayReason(q.rooms, q.check_in - TodayAt(hotel), hotel, *nights);
  return Status::Ok();
}

Status Engine::Impl::CheckAvailability(const StayQuery& q, std::string* out) {
  const RoomTypeInfo* rt;
  const HotelInfo* hotel;
  ES_RETURN_IF_ERROR(ValidateStay(q, &rt, &hotel));
  std::vector<Night> nights;
  ES_RETURN_IF_ERROR(LoadNights(rt->hotel_id, q.room_type_id, q.check_in, q.check_out, &nights));
  WriteAnswer(q, *rt, *hotel, nights, false, out);
  return Status::Ok();
}

Status Engine::Impl::CalendarBlock(int64_t room_type_id, Day from, int64_t days, uint32_t columns, std::string* out,
                                   bool binary) {
  ES_RETURN_IF_ERROR(EnsureFacts());
  auto rt = room_types.find(room_type_id);
  if (rt == room_types.end()) return Status::Error("UNKNOWN_ROOM_TYPE", "no room type " + std::to_string(room_type_id));
  std::vector<Night> ns;
  ES_RETURN_IF_ERROR(LoadNights(rt->second.hotel_id, room_type_id, from, from + static_cast<Day>(days) - 1, &ns));
  if (binary) {
    compact::WriteCalendarRoomType(room_type_id, rt->second.name, ns, columns, out);
    return Status::Ok();
  }
  JsonWriter w(out);
  w.BeginObject().Key("id").Int(room_type_id).Key("name").String(rt->second.name);
  for (int c = 0; c < kCalendarColumnCount; ++c) {
    if (!(columns & (1u << c))) continue;
    w.Key(kCalendarColumns[c]).BeginArray();
    for (const Night& n : ns) {
      if (n.has_row) w.Int(CalendarValue(n, c));
      else w.Null();
    }
    w.EndArray();
  }
  w.EndObject();
  return Status::Ok();
}

}  // namespace edgestay
