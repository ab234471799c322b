// Reads other than availability: room types, a user's bookings, booking statistics and
// occupancy KPIs (docs/API.md). Each is one statement, or two for bookings with payments
// (payments of all the user's bookings at once: no N+1).
#include <algorithm>

#include "compact_answer.h"
#include "engine_impl.h"
#include "json_writer.h"
#include "key_sort.h"

namespace edgestay {
namespace {

const char* const kStatuses[] = {"HELD", "PENDING_SYNC", "CONFIRMED", "REJECTED", "CANCELLED", "EXPIRED"};

double Ratio(int64_t a, int64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

}  // namespace

Status Engine::Impl::RoomTypes(int64_t hotel_id, std::string* out, bool binary) {
  // Served from the in-memory facts (reloaded whenever a batch touches room types).
  const HotelInfo* h = nullptr;
  ES_RETURN_IF_ERROR(FindHotel(hotel_id, &h));
  if (binary) {
    compact::WriteFrame(compact::Kind::kRoomTypes, static_cast<int64_t>(h->room_type_ids.size()), 0, 0, 0, 0, out);
    for (int64_t id : h->room_type_ids) {
      const RoomTypeInfo& rt = room_types[id];
      compact::WriteRoomType({id, rt.hotel_id, rt.capacity_adults, rt.capacity_children, rt.base_price_cents,
                              rt.total_rooms, rt.name}, out);
    }
    return Status::Ok();
  }
  JsonWriter w(out);
  w.BeginArray();
  for (int64_t id : h->room_type_ids) {
    const RoomTypeInfo& rt = room_types[id];
    w.BeginObject().Key("id").Int(id).Key("hotelId").Int(rt.hotel_id).Key("name").String(rt.name);
    w.Key("capacityAdults").Int(rt.capacity_adults).Key("capacityChildren").Int(rt.capacity_children);
    w.Key("basePriceCents").Int(rt.base_price_cents).Key("totalRooms").Int(rt.total_rooms).EndObject();
  }
  w.EndArray();
  return Status::Ok();
}

compact::BookingFacts BookingFactsOf(const Stmt& s) {
  Day a = 0, b = 0;
  ParseDate(s.Text(6), &a);
  ParseDate(s.Text(7), &b);
  compact::BookingFacts f{s.Int(0), s.Int(1), s.Int(2), s.Int(3), b - a, s.Int(8), s.Int(9), s.Int(10), s.Int(11),
                          s.Int(12), std::nullopt, std::nullopt, s.Text(4), s.Text(5), s.Text(6), s.Text(7),
                          s.Text(15), std::nullopt};
  if (!s.IsNull(13)) f.hold_expires_at = s.Int(13);
  if (!s.IsNull(16)) f.server_id = s.Int(16);
  if (!s.IsNull(14)) f.idempotency_key = s.Text(14);
  return f;
}

void WriteBookingFields(const compact::BookingFacts& f, JsonWriter& w) {
  w.BeginObject().Key("id").Int(f.id).Key("hotelId").Int(f.hotel_id).Key("userId").Int(f.user_id);
  w.Key("roomTypeId").Int(f.room_type_id).Key("roomTypeName").String(f.room_type_name).Key("status").String(f.status);
  w.Key("checkIn").String(f.check_in).Key("checkOut").String(f.check_out).Key("nights").Int(f.nights);
  w.Key("rooms").Int(f.rooms).Key("guests").Int(f.guests).Key("totalCents").Int(f.total_cents);
  w.Key("createdAt").Int(f.created_at).Key("updatedAt").Int(f.updated_at).Key("holdExpiresAt");
  if (f.hold_expires_at) w.Int(*f.hold_expires_at);
  else w.Null();
  w.Key("idempotencyKey");
  if (f.idempotency_key) w.String(*f.idempotency_key);
  else w.Null();
  w.Key("origin").String(f.origin).Key("serverId");
  if (f.server_id) w.Int(*f.server_id);
  else w.Null();
}

void WriteBookingFields(const Stmt& s, JsonWriter& w) { WriteBookingFields(BookingFactsOf(s), w); }

void WriteBookingAnswer(const compact::BookingFacts& f, bool binary, std::string* out) {
  if (binary) {
    compact::WriteFrame(compact::Kind::kBooking, 1, 0, 0, 0, 0, out);
    compact::WriteBooking(f, out);
    return;
  }
  JsonWriter w(out);
  WriteBookingFields(f, w);
  w.EndObject();
}


// A user's bookings with the wanted statuses (?1 the user, ?2 the statuses as ",A,B,", or
// "," for all), for the list and for its payments.
#define ES_USER_BOOKINGS_WHERE "b.user_id = ?1 AND (?2 = ',' OR instr(?2, ',' || b.status || ',') > 0)"

Status Engine::Impl::UserBookings(int64_t user_id, const std::vector<std::string>& statuses, bool include_payments,
                                  std::string* out, bool binary) {
  if (binary && include_payments) {  // payments are not in the compact layout: JSON in a frame
    std::string answer;
    ES_RETURN_IF_ERROR(UserBookings(user_id, statuses, true, &answer));
    compact::WriteJsonFrame(answer, out);
    return Status::Ok();
  }
  ES_RETURN_IF_ERROR(EnsureFacts());
  // Statuses are bound as one comma-joined list so the statement stays prepared once.
  std::string wanted = ",";
  for (const std::string& s : statuses) wanted += s + ",";
  // The room type's name comes from the facts (the room_types rows, in memory), not from
  // a join per booking; a booking whose room type is gone is skipped, as the join did.
  // Column 4 stays the name's place in BookingFactsOf's row.
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared(
      "SELECT b.id, b.hotel_id, b.user_id, b.room_type_id, NULL, b.status, b.start_date, b.end_date,"
      " b.rooms, b.guests, b.total_cents, b.created_at, b.updated_at, b.hold_expires_at, b.idempotency_key,"
      " b.origin, b.server_id"
      " FROM bookings b INDEXED BY bookings_userId_status_createdAt_idx"
      " WHERE " ES_USER_BOOKINGS_WHERE, &st));
  StmtScope s(*st);
  s->BindInt(1, user_id);
  s->BindText(2, wanted);
  // Each booking's record (compact) or object (JSON, left open for its payments) written
  // as its row comes in the index's order, then put in the answer's, created_at DESC, id
  // DESC, by a sort of their keys: an ORDER BY had SQLite's sorter pack and unpack all 17
  // columns of every row, a quarter of the call (docs/PERFORMANCE.md item 146).
  std::string records;
  std::vector<KeyRef> order;
  std::vector<uint32_t> starts;
  std::vector<int64_t> ids;  // with payments: each record's booking
  compact::BookingFacts f;
  int rc;
  while ((rc = s->Step()) == SQLITE_ROW) {
    auto rt = room_types.find(s->Int(3));
    if (rt == room_types.end()) continue;
    f = BookingFactsOf(*s);
    f.room_type_name = rt->second.name;
    order.push_back(DescendingKeyRef(f.created_at, f.id, static_cast<uint32_t>(starts.size())));
    starts.push_back(static_cast<uint32_t>(records.size()));
    if (include_payments) ids.push_back(f.id);
    if (binary) {
      compact::WriteBooking(f, &records);
    } else {
      JsonWriter w(&records);
      WriteBookingFields(f, w);
    }
  }
  if (rc != SQLITE_DONE) return SqliteError(db, "read bookings");
  starts.push_back(static_cast<uint32_t>(records.size()));
  SortKeyRefs(&order, nullptr);
  if (binary) {
    compact::WriteFrame(compact::Kind::kBookings, 0, 0, 0, 0, 0, out);
    for (const KeyRef& r : order) out->append(records, starts[r.offset], starts[r.offset + 1] - starts[r.offset]);
    compact::SetFrameCount(out, static_cast<int64_t>(order.size()));
    return Status::Ok();
  }

  // One statement for all the payments of these bookings (a user's own, never cached): the
  // bookings picked again by the same filter (payments of a booking the list skipped, one
  // without its room type, are read but never used).
  std::unordered_map<int64_t, std::string> by_booking;
  if (include_payments && !order.empty()) {
    Stmt* pst;
    ES_RETURN_IF_ERROR(Prepared("SELECT p.booking_id, p.id, p.status, p.amount_cents, p.created_at FROM payments p"
                                " WHERE p.booking_id IN (SELECT b.id FROM bookings b INDEXED BY"
                                " bookings_userId_status_createdAt_idx WHERE " ES_USER_BOOKINGS_WHERE ")"
                                " ORDER BY p.booking_id, p.id", &pst));
    StmtScope ps(*pst);
    ps->BindInt(1, user_id);
    ps->BindText(2, wanted);
    while (ps->Step() == SQLITE_ROW) {
      std::string& list = by_booking[ps->Int(0)];
      JsonWriter pw(&list);
      if (!list.empty()) list.push_back(',');
      pw.BeginObject().Key("id").Int(ps->Int(1)).Key("status").String(ps->Text(2));
      pw.Key("amountCents").Int(ps->Int(3)).Key("createdAt").Int(ps->Int(4)).EndObject();
    }
  }
  out->push_back('[');
  for (const KeyRef& r : order) {
    if (&r != &order.front()) out->push_back(',');
    out->append(records, starts[r.offset], starts[r.offset + 1] - starts[r.offset]);
    if (include_payments) out->append(",\"payments\":[").append(by_booking[ids[r.offset]]).push_back(']');
    out->push_back('}');
  }
  out->push_back(']');
  return Status::Ok();
}

Status Engine::Impl::BookingStatistics(int64_t hotel_id, Day from, Day to, std::string* out, bool binary) {
  const HotelInfo* hotel = nullptr;
  ES_RETURN_IF_ERROR(FindHotel(hotel_id, &hotel));
  auto loaded = nights.starts.find(hotel_id);
  if (loaded == nights.starts.end()) {
    // The hotel's bookings once (sorted by start date by the index), then walked per range.
    Stmt* st;
    ES_RETURN_IF_ERROR(Prepared(
        "SELECT start_date, status, rooms, end_date, total_cents"
        " FROM bookings INDEXED BY bookings_hotelId_startDate_idx WHERE hotel_id = ? ORDER BY start_date", &st));
    std::vector<BookingStart> rows;
    StmtScope s(*st);
    s->BindInt(1, hotel_id);
    int rc;
    while ((rc = s->Step()) == SQLITE_ROW) {
      BookingStart b;
      if (!ParseDate(s->Text(0), &b.start)) continue;
      const std::string_view status = s->Text(1);
      b.status = -1;
      for (int i = 0; i < 6; ++i) if (status == kStatuses[i]) b.status = i;
      if (b.status < 0) continue;
      b.rooms = s->Int(2);
      Day end = 0;  // day arithmetic, not julianday(): the core's reads need no SQL date functions
      b.nights = ParseDate(s->Text(3), &end) ? static_cast<int32_t>(end - b.start) : 0;
      b.total_cents = s->Int(4);
      rows.push_back(b);
    }
    if (rc != SQLITE_DONE) return SqliteError(db, "read bookings");
    loaded = nights.starts.emplace(hotel_id, std::move(rows)).first;
  }
  const std::vector<BookingStart>& rows = loaded->second;
  int64_t counts[6] = {0, 0, 0, 0, 0, 0};
  int64_t cents[6] = {0, 0, 0, 0, 0, 0};
  int64_t total = 0, active = 0, room_nights = 0, revenue = 0, nights_sum = 0;
  auto first = std::lower_bound(rows.begin(), rows.end(), from,
                                [](const BookingStart& b, Day d) { return b.start < d; });
  for (auto it = first; it != rows.end() && it->start < to; ++it) {
    const int i = it->status;
    counts[i] += 1;
    cents[i] += it->total_cents;
    total += 1;
    if (i <= 2) {  // HELD, PENDING_SYNC, CONFIRMED are active
      active += 1;
      room_nights += it->rooms * it->nights;
      revenue += it->total_cents;
      nights_sum += it->nights;
    }
  }
  if (binary) {
    static_assert(sizeof(compact::kStatisticsSlots) / sizeof(*compact::kStatisticsSlots) == 22,
                  "the statistics record below follows kStatisticsSlots");
    auto d = [](int64_t v) { return static_cast<double>(v); };
    compact::WriteFrame(compact::Kind::kStatistics, 1, 0, 0, 0, 0, out);
    compact::WriteNumbers({d(hotel_id), d(from), d(to), d(total), d(counts[0]), d(counts[1]), d(counts[2]),
                           d(counts[3]), d(counts[4]), d(counts[5]), d(active), d(room_nights), d(revenue),
                           d(cents[0]), d(cents[1]), d(cents[2]), d(cents[3]), d(cents[4]), d(cents[5]), d(cents[4]),
                           Ratio(nights_sum, active), Ratio(counts[4], total)}, out);
    return Status::Ok();
  }
  JsonWriter w(out);
  w.BeginObject().Key("hotelId").Int(hotel_id).Key("from").String(FormatDate(from)).Key("to").String(FormatDate(to));
  w.Key("total").Int(total).Key("byStatus").BeginObject();
  for (int i = 0; i < 6; ++i) w.Key(kStatuses[i]).Int(counts[i]);
  w.EndObject().Key("active").Int(active).Key("roomNights").Int(room_nights).Key("revenueCents").Int(revenue);
  w.Key("revenueByStatus").BeginObject();
  for (int i = 0; i < 6; ++i) w.Key(kStatuses[i]).Int(cents[i]);
  w.EndObject().Key("cancelledValueCents").Int(cents[4]);
  w.Key("averageNights").Double(Ratio(nights_sum, active));
  w.Key("cancellationRate").Double(Ratio(counts[4], total)).EndObject();
  return Status::Ok();
}

Status Engine::Impl::OccupancyRate(int64_t hotel_id, Day from, Day to, std::string* out, bool binary) {
  const HotelInfo* hotel = nullptr;
  ES_RETURN_IF_ERROR(FindHotel(hotel_id, &hotel));
  // From the night index (the same rows SQLite holds): sold = total - available per night,
  // where available counts the rooms unsynced local bookings hold, as the calendar and
  // availability answers do (the figures must agree); revenue at the night's effective price.
  const std::unordered_map<Day, SpecialDayInfo>* special;
  ES_RETURN_IF_ERROR(EnsureSpecialDays(hotel_id, &special));
  const HotelHolding* holding;
  ES_RETURN_IF_ERROR(EnsureHolding(hotel_id, &holding));
  struct Kpi {
    int64_t available = 0, sold = 0, revenue = 0;
  };
  std::vector<Kpi> per_type;
  Kpi all;
  for (int64_t id : hotel->room_type_ids) {
    NightIndex::RoomTypeNights* rows;
    ES_RETURN_IF_ERROR(EnsureRoomTypeNights(id, &rows));
    Kpi k;
    auto held_it = holding->find(id);
    const RoomTypeHolding* held = held_it == holding->end() ? nullptr : &held_it->second;
    const int64_t n = static_cast<int64_t>(rows->rows.size());
    const int64_t lo = std::max<int64_t>(0, int64_t{from} - rows->first);
    const int64_t hi = std::min<int64_t>(n, int64_t{to} - rows->first);
    for (int64_t i = lo; i < hi; ++i) {
      const Night& night = rows->rows[static_cast<size_t>(i)];
      if (!night.has_row) continue;
      const Day day = rows->first + static_cast<Day>(i);
      const int64_t sold = night.total - night.available + (held ? held->At(day, now_ms) : 0);
      int64_t price = night.price_cents;
      if (!special->empty()) {
        auto sd = special->find(day);
        if (sd != special->end()) price = EffectivePrice(price, sd->second.pct);
      }
      k.available += night.total;
      k.sold += sold;
      k.revenue += sold * price;
    }
    all.available += k.available;
    all.sold += k.sold;
    all.revenue += k.revenue;
    per_type.push_back(k);
  }
  if (binary) {
    static_assert(sizeof(compact::kOccupancySlots) / sizeof(*compact::kOccupancySlots) == 9 &&
                      sizeof(compact::kOccupancyRoomTypeSlots) / sizeof(*compact::kOccupancyRoomTypeSlots) == 7,
                  "the occupancy records below follow kOccupancySlots and kOccupancyRoomTypeSlots");
    auto d = [](int64_t v) { return static_cast<double>(v); };
    compact::WriteFrame(compact::Kind::kOccupancy, static_cast<int64_t>(per_type.size()), 0, 0, 0, 0, out);
    compact::WriteNumbers({d(hotel_id), d(from), d(to), d(all.available), d(all.sold), d(all.revenue),
                           Ratio(all.sold, all.available), Ratio(all.revenue, all.sold),
                           Ratio(all.revenue, all.available)}, out);
    for (size_t i = 0; i < per_type.size(); ++i) {
      const Kpi& k = per_type[i];
      compact::WriteNumbers({d(hotel->room_type_ids[i]), d(k.available), d(k.sold), d(k.revenue),
                             Ratio(k.sold, k.available), Ratio(k.revenue, k.sold), Ratio(k.revenue, k.available)},
                            out);
    }
    return Status::Ok();
  }
  JsonWriter w(out);
  auto kpis = [&](const Kpi& k) {
    w.Key("roomsAvailable").Int(k.available).Key("roomsSold").Int(k.sold).Key("revenueCents").Int(k.revenue);
    w.Key("occupancy").Double(Ratio(k.sold, k.available)).Key("adrCents").Double(Ratio(k.revenue, k.sold));
    w.Key("revparCents").Double(Ratio(k.revenue, k.available));
  };
  w.BeginObject().Key("hotelId").Int(hotel_id).Key("from").String(FormatDate(from)).Key("to").String(FormatDate(to));
  kpis(all);
  w.Key("roomTypes").BeginArray();
  for (size_t i = 0; i < per_type.size(); ++i) {
    w.BeginObject().Key("roomTypeId").Int(hotel->room_type_ids[i]);
    kpis(per_type[i]);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return Status::Ok();
}

Status Engine::Impl::GetBookingRules(int64_t hotel_id, const HotelInfo& h, std::string* out, bool binary) {
  if (binary) {
    compact::WriteFrame(compact::Kind::kRules, 1, 0, 0, 0, 0, out);
    compact::WriteRules({hotel_id, h.utc_offset_minutes, h.max_advance_days, h.min_lead_days, h.max_rooms_per_booking,
                         h.hold_ttl_seconds, h.max_nights, h.currency}, out);
    return Status::Ok();
  }
  JsonWriter w(out);
  w.BeginObject().Key("hotelId").Int(hotel_id).Key("currency").String(h.currency);
  w.Key("utcOffsetMinutes").Int(h.utc_offset_minutes).Key("maxAdvanceDays").Int(h.max_advance_days);
  w.Key("minLeadDays").Int(h.min_lead_days).Key("maxRoomsPerBooking").Int(h.max_rooms_per_booking);
  w.Key("holdTtlSeconds").Int(h.hold_ttl_seconds).Key("maxNights").Int(h.max_nights).EndObject();
  return Status::Ok();
}

Status Engine::Impl::GetSpecialDays(int64_t hotel_id, Day from, Day to, std::string* out, bool binary) {
  const HotelInfo* hotel = nullptr;
  ES_RETURN_IF_ERROR(FindHotel(hotel_id, &hotel));
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared("SELECT date, kind, price_multiplier_pct, min_stay, note FROM special_days"
                              " WHERE hotel_id = ? AND date >= ? AND date < ? ORDER BY date", &st));
  StmtScope s(*st);
  s->BindInt(1, hotel_id);
  s->BindText(2, FormatDate(from));
  s->BindText(3, FormatDate(to));
  if (binary) {
    const size_t frame_at = out->size();
    compact::WriteFrame(compact::Kind::kSpecialDays, 0, 0, 0, 0, 0, out);
    int64_t count = 0;
    while (s->Step() == SQLITE_ROW) {
      compact::SpecialDayFacts d{s->Text(0), s->Text(1), s->Int(2), std::nullopt, std::nullopt};
      if (!s->IsNull(3)) d.min_stay = s->Int(3);
      if (!s->IsNull(4)) d.note = s->Text(4);
      compact::WriteSpecialDay(d, out);
      ++count;
    }
    compact::SetFrameCount(out, count, frame_at);
    return Status::Ok();
  }
  JsonWriter w(out);
  w.BeginArray();
  while (s->Step() == SQLITE_ROW) {
    w.BeginObject().Key("date").String(s->Text(0)).Key("kind").String(s->Text(1));
    w.Key("priceMultiplierPct").Int(s->Int(2)).Key("minStay");
    if (s->IsNull(3)) w.Null();
    else w.Int(s->Int(3));
    w.Key("note");
    if (s->IsNull(4)) w.Null();
    else w.String(s->Text(4));
    w.EndObject();
  }
  w.EndArray();
  return Status::Ok();
}

}  // namespace edgestay
