// SqlStore, part 3: admin ARI (availability, rates and inventory), as a property
// management system or channel manager would send it, plus seed-demo. Every call is one
// write transaction holding the hotel's lock; every row it writes is appended to the
// hotel's change log in that same transaction.
#include <algorithm>
#include <map>
#include <set>

#include "sql_store.h"

namespace edgestay::server {
namespace {

constexpr int64_t kMaxRangeDays = 1096;
const std::string kYears = std::to_string(kMinYear) + ".." + std::to_string(kMaxYear);
constexpr size_t kMaxUpdates = 100;

Status Invalid(std::string msg) { return Status::Error("INVALID_ARGUMENT", std::move(msg)); }

// Reads an optional integer field; a wrong type or range is an error naming the field.
Status OptInt(const json& o, const char* key, int64_t min, int64_t max,
              std::optional<int64_t>* out, const std::string& where = "") {
  int64_t v = 0;
  Field f = IntField(o, key, min, max, &v);
  if (f == Field::kBad)
    return Invalid(where + key + " must be an integer in " + std::to_string(min) + ".." +
                   std::to_string(max));
  if (f == Field::kOk) *out = v;
  return Status::Ok();
}

Status OptBool(const json& o, const char* key, std::optional<int64_t>* out,
               const std::string& where = "") {
  int64_t v = 0;
  Field f = BoolField(o, key, &v);
  if (f == Field::kBad) return Invalid(where + key + " must be true/false or 0/1");
  if (f == Field::kOk) *out = v;
  return Status::Ok();
}

Status OptStr(const json& o, const char* key, size_t min_len, size_t max_len,
              std::optional<std::string>* out, const std::string& where = "") {
  std::string v;
  Field f = StrField(o, key, min_len, max_len, &v);
  if (f == Field::kBad)
    return Invalid(where + key + " must be a string of " + std::to_string(min_len) + ".." +
                   std::to_string(max_len) + " bytes");
  if (f == Field::kOk) *out = v;
  return Status::Ok();
}

// The limits of a replicated column, from the protocol's column list: the admin API takes
// exactly the values an edge accepts in that column.
const protocol::ColumnSpec& Col(TableId table, const char* column) { return protocol::Column(table, column); }
Status OptInt(const json& o, const char* key, const protocol::ColumnSpec& col, std::optional<int64_t>* out,
              const std::string& where = "") {
  return OptInt(o, key, col.min, col.max, out, where);
}
Status OptStr(const json& o, const char* key, const protocol::ColumnSpec& col, std::optional<std::string>* out,
              const std::string& where = "") {
  return OptStr(o, key, static_cast<size_t>(col.min), static_cast<size_t>(col.max), out, where);
}
// Prices are held far below the column's 2^53 - 1 so that a hotel's sums (revenue
// reports, many bookings) stay exact; a stay's total is checked on its own (StayTotal).
constexpr int64_t kMaxPriceCents = kMaxSafeInt / 10000;

// [from, to) from "from"/"to" (or a single "date"); to defaults to from + 1.
Status DateRange(const json& o, Day* from, Day* to, const std::string& where = "") {
  Field f = DateField(o, "from", from);
  if (f == Field::kMissing) f = DateField(o, "date", from);
  if (f != Field::kOk) return Invalid(where + "from must be a real YYYY-MM-DD date in " + kYears);
  f = DateField(o, "to", to);
  if (f == Field::kBad) return Invalid(where + "to must be a real YYYY-MM-DD date in " + kYears);
  if (f == Field::kMissing) *to = *from + 1;
  if (*to <= *from) return Status::Error("INVALID_RANGE", where + "to must be after from");
  if (*to - *from > kMaxRangeDays)
    return Status::Error("INVALID_RANGE", where + "a range covers at most " +
                                              std::to_string(kMaxRangeDays) + " days");
  return Status::Ok();
}

// Accepts a single update object or { "updates": [ … ] }.
Status UpdateList(const json& body, std::vector<const json*>* out) {
  if (!body.is_object()) return Invalid("body must be a JSON object");
  auto it = body.find("updates");
  if (it == body.end()) {
    out->push_back(&body);
    return Status::Ok();
  }
  if (!it->is_array() || it->empty() || it->size() > kMaxUpdates)
    return Invalid("updates must be an array of 1.." + std::to_string(kMaxUpdates) + " objects");
  for (const auto& u : *it) {
    if (!u.is_object()) return Invalid("updates[] must be objects");
    out->push_back(&u);
  }
  return Status::Ok();
}

json HotelJson(const std::vector<Cell>& row) {
  return {{"id", row[0].Int()}, {"name", row[1].text}, {"timeZone", row[2].text},
          {"currency", row[3].text}, {"utcOffsetMinutes", row[4].Int()}};
}

json RoomTypeJson(const std::vector<Cell>& row) {
  return {{"id", row[0].Int()},           {"hotelId", row[1].Int()},
          {"name", row[2].text},          {"capacityAdults", row[3].Int()},
          {"capacityChildren", row[4].Int()}, {"basePriceCents", row[5].Int()},
          {"totalRooms", row[6].Int()}};
}

bool ValidCurrency(const std::string& c) {
  return c.size() == 3 && std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

struct HotelFields {
  std::optional<std::string> name, time_zone, currency;
  std::optional<int64_t> offset;
};

Status ReadHotelFields(const json& body, HotelFields* f) {
  if (!body.is_object()) return Invalid("body must be a JSON object");
  Status s = OptStr(body, "name", Col(TableId::kHotels, "name"), &f->name);
  if (s.ok()) s = OptStr(body, "timeZone", Col(TableId::kHotels, "time_zone"), &f->time_zone);
  if (s.ok()) s = OptStr(body, "currency", 3, 3, &f->currency);
  if (s.ok()) s = OptInt(body, "utcOffsetMinutes", Col(TableId::kHotels, "utc_offset_minutes"), &f->offset);
  if (s.ok() && f->currency && !ValidCurrency(*f->currency))
    s = Invalid("currency must be 3 uppercase letters (ISO 4217)");
  return s;
}

}  // namespace

Status SqlStore::WriteHotelTx(int64_t hotel_id,
                              const std::function<Status(Conn&, LogWriter&)>& fn,
                              int64_t* cursor) {
  bool wrote = false;
  Status s = WithTx(*backend_, TxKind::kWrite, [&](Conn& c) -> Status {
    wrote = false;
    bool exists = false;
    Status st = c.LockHotel(hotel_id, &exists);
    if (!st.ok()) return st;
    if (!exists) return Status::Error("UNKNOWN_HOTEL", "no hotel " + std::to_string(hotel_id));
    LogWriter log;
    st = fn(c, log);
    if (!st.ok()) return st;
    wrote = log.size() > 0;
    return log.Flush(c, hotel_id, NowMs(), cursor);
  });
  if (s.ok() && wrote) NotifyChange(hotel_id);
  return s;
}

Status SqlStore::SweepHotels(const char* due_hotels_sql, int64_t now,
                             const std::function<Status(Conn&, LogWriter&, int64_t hotel, int64_t* n)>& expire,
                             int64_t* expired) {
  *expired = 0;
  std::vector<int64_t> hotels;
  {
    Lease c;
    Status s = backend_->Acquire(&c);
    if (!s.ok()) return s;
    Result r;
    s = c->Query(due_hotels_sql, {now}, &r);
    if (!s.ok()) return s;
    for (const auto& row : r.rows) hotels.push_back(row[0].Int());
  }
  for (int64_t hotel : hotels) {
    int64_t cursor = 0, n = 0;
    Status s = WriteHotelTx(hotel, [&](Conn& c, LogWriter& log) -> Status {
      n = 0;
      return expire(c, log, hotel, &n);
    }, &cursor);
    if (!s.ok()) return s;
    *expired += n;
  }
  return Status::Ok();
}

Status SqlStore::CreateHotel(const json& body, json* out) {
  HotelFields f;
  Status s = ReadHotelFields(body, &f);
  if (!s.ok()) return s;
  if (!f.name) return Invalid("name is required");
  int64_t hotel_id = 0, cursor = 0;
  json hotel;
  s = WithTx(*backend_, TxKind::kWrite, [&](Conn& c) -> Status {
    Result r;
    const int64_t now = NowMs();
    Status st = c.Query(
        "INSERT INTO hotels (name, time_zone, currency, utc_offset_minutes, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $5) RETURNING " + Table(TableId::kHotels).column_list,
        {*f.name, f.time_zone.value_or("UTC"), f.currency.value_or("USD"), f.offset.value_or(0), now},
        &r);
    if (!st.ok()) return st;
    hotel_id = r.at(0, 0).Int();
    hotel = HotelJson(r.rows[0]);
    st = c.Exec("INSERT INTO change_seq (hotel_id, last_seq) VALUES ($1, 0)", {hotel_id});
    if (!st.ok()) return st;
    LogWriter log;
    log.Upsert(TableId::kHotels, r.rows[0]);
    return log.Flush(c, hotel_id, now, &cursor);
  });
  if (!s.ok()) return s;
  NotifyChange(hotel_id);
  *out = {{"hotel", hotel}, {"cursor", std::to_string(cursor)}};
  return Status::Ok();
}

Status SqlStore::UpdateHotel(int64_t hotel_id, const json& body, json* out) {
  HotelFields f;
  Status s = ReadHotelFields(body, &f);
  if (!s.ok()) return s;
  json hotel;
  int64_t cursor = 0;
  s = WriteHotelTx(hotel_id, [&](Conn& c, LogWriter& log) -> Status {
    Result r;
    Status st = c.Query(
        "UPDATE hotels SET name = COALESCE($2, name), time_zone = COALESCE($3, time_zone),"
        " currency = COALESCE($4, currency),"
        " utc_offset_minutes = COALESCE($5, utc_offset_minutes), updated_at = $6"
        " WHERE id = $1 RETURNING " + Table(TableId::kHotels).column_list,
        {hotel_id, Param(f.name), Param(f.time_zone), Param(f.currency), Param(f.offset), NowMs()},
        &r);
    if (!st.ok()) return st;
    if (r.empty()) return Status::Error("UNKNOWN_HOTEL", "no such hotel");
    hotel = HotelJson(r.rows[0]);
    log.Upsert(TableId::kHotels, r.rows[0]);
    return Status::Ok();
  }, &cursor);
  if (!s.ok()) return s;
  *out = {{"hotel", hotel}, {"cursor", std::to_string(cursor)}};
  return Status::Ok();
}

namespace {
struct RoomTypeFields {
  std::optional<std::string> name;
  std::optional<int64_t> adults, children, base_price, total_rooms;
};
Status ReadRoomTypeFields(const json& body, RoomTypeFields* f) {
  if (!body.is_object()) return Invalid("body must be a JSON object");
  Status s = OptStr(body, "name", Col(TableId::kRoomTypes, "name"), &f->name);
  if (s.ok()) s = OptInt(body, "capacityAdults", Col(TableId::kRoomTypes, "capacity_adults"), &f->adults);
  if (s.ok()) s = OptInt(body, "capacityChildren", Col(TableId::kRoomTypes, "capacity_children"), &f->children);
  if (s.ok()) s = OptInt(body, "basePriceCents", 0, kMaxPriceCents, &f->base_price);
  if (s.ok()) s = OptInt(body, "totalRooms", Col(TableId::kRoomTypes, "total_rooms"), &f->total_rooms);
  return s;
}
}  // namespace

Status SqlStore::CreateRoomType(int64_t hotel_id, const json& body, json* out) {
  RoomTypeFields f;
  Status s = ReadRoomTypeFields(body, &f);
  if (!s.ok()) return s;
  if (!f.name || !f.base_price || !f.total_rooms)
    return Invalid("name, basePriceCents and totalRooms are required");
  json rt;
  int64_t cursor = 0;
  s = WriteHotelTx(hotel_id, [&](Conn& c, LogWriter& log) -> Status {
    Result r;
    Status st = c.Query(
        "INSERT INTO room_types (hotel_id, name, capacity_adults, capacity_children,"
        " base_price_cents, total_rooms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING " +
            Table(TableId::kRoomTypes).column_list,
        {hotel_id, *f.name, f.adults.value_or(2), f.children.value_or(0), *f.base_price,
         *f.total_rooms},
        &r);
    if (!st.ok()) return st;
    rt = RoomTypeJson(r.rows[0]);
    log.Upsert(TableId::kRoomTypes, r.rows[0]);
    return Status::Ok();
  }, &cursor);
  if (!s.ok()) return s;
  *out = {{"roomType", rt}, {"cursor", std::to_string(cursor)}};
  return Status::Ok();
}

Status SqlStore::UpdateRoomType(int64_t hotel_id, int64_t room_type_id, const json& body,
                                json* out) {
  RoomTypeFields f;
  Status s = ReadRoomTypeFields(body, &f);
  if (!s.ok()) return s;
  json rt;
  int64_t cursor = 0;
  s = WriteHotelTx(hotel_id, [&](Conn& c, LogWriter& log) -> Status {
    Result r;
    Status st = c.Query(
        "UPDATE room_types SET name = COALESCE($3, name),"
        " capacity_adults = COALESCE($4, capacity_adults),"
        " capacity_children = COALESCE($5, capacity_children),"
        " base_price_cents = COALESCE($6, base_price_cents),"
        " total_rooms = COALESCE($7, total_rooms)"
        " WHERE id = $1 AND hotel_id = $2 RETURNING " + Table(TableId::kRoomTypes).column_list,
        {room_type_id, hotel_id, Param(f.name), Param(f.adults), Param(f.children),
         Param(f.base_price), Param(f.total_rooms)},
        &r);
    if (!st.ok()) return st;
    if (r.empty())
      return Status::Error("UNKNOWN_ROOM_TYPE", "no room type " + std::to_string(room_type_id) +
                                                    " in hotel " + std::to_string(hotel_id));
    rt = RoomTypeJson(r.rows[0]);
    log.Upsert(TableId::kRoomTypes, r.rows[0]);
    return Status::Ok();
  }, &cursor);
  if (!s.ok()) return s;
  *out = {{"roomType", rt}, {"cursor", std::to_string(cursor)}};
  return Status::Ok();
}

namespace {
struct InventoryUpdate {
  int64_t room_type_id = 0;
  Day from = 0, to = 0;
  std::set<int> weekdays;  // empty = every day
  std::optional<int64_t> total, price, min_stay, max_stay, cta, ctd, stop_sell;
};

Status ReadInventoryUpdate(const json& u, const std::string& where, InventoryUpdate* out) {
  if (IdField(u, "roomTypeId", &out->room_type_id) != Field::kOk)
    return Invalid(where + "roomTypeId must be a positive integer");
  Status s = DateRange(u, &out->from, &out->to, where);
  if (s.ok()) s = OptInt(u, "total", Col(TableId::kRoomInventory, "total"), &out->total, where);
  if (s.ok()) s = OptInt(u, "priceCents", 0, kMaxPriceCents, &out->price, where);
  if (s.ok()) s = OptInt(u, "minStay", Col(TableId::kRoomInventory, "min_stay"), &out->min_stay, where);
  if (s.ok()) s = OptInt(u, "maxStay", Col(TableId::kRoomInventory, "max_stay"), &out->max_stay, where);
  if (s.ok()) s = OptBool(u, "closedToArrival", &out->cta, where);
  if (s.ok()) s = OptBool(u, "closedToDeparture", &out->ctd, where);
  if (s.ok()) s = OptBool(u, "stopSell", &out->stop_sell, where);
  if (!s.ok()) return s;
  if (u.contains("weekdays")) {
    const json& w = u["weekdays"];
    if (!w.is_array() || w.size() > 7) return Invalid(where + "weekdays must be an array of 0..6");
    for (const auto& d : w) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > 6)
        return Invalid(where + "weekdays must be an array of 0..6 (0 = Sunday)");
      out->weekdays.insert(static_cast<int>(d.get<int64_t>()));
    }
  }
  if (!out->total && !out->price && !out->min_stay && !out->max_stay && !out->cta && !out->ctd &&
      !out->stop_sell)
    return Invalid(where + "nothing to set (total, priceCents, minStay, maxStay, "
                           "closedToArrival, closedToDeparture, stopSell)");
  return Status::Ok();
}
}  // namespace

Status SqlStore::SetInventory(int64_t hotel_id, const json& body, json* out) {
  std::vector<const json*> list;
  Status s = UpdateList(body, &list);
  if (!s.ok()) return s;
  std::vector<InventoryUpdate> updates(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    std::string where = list.size() > 1 || body.contains("updates")
                            ? "updates[" + std::to_string(i) + "]."
                            : "";
    s = ReadInventoryUpdate(*list[i], where, &updates[i]);
    if (!s.ok()) return s;
  }
  int64_t cursor = 0, written = 0;
  s = WriteHotelTx(hotel_id, [&](Conn& c, LogWriter& log) -> Status {
    written = 0;
    for (const auto& u : updates) {
      Result r;
      Status st = c.Query("SELECT hotel_id, base_price_cents, total_rooms FROM room_types"
                          " WHERE id = $1",
                          {u.room_type_id}, &r);
      if (!st.ok()) return st;
      if (r.empty() || r.at(0, 0).Int() != hotel_id)
        return Status::Error("UNKNOWN_ROOM_TYPE", "no room type " +
                                                      std::to_string(u.room_type_id) +
                                                      " in hotel " + std::to_string(hotel_id));
      const int64_t base_price = r.at(0, 1).Int(), total_rooms = r.at(0, 2).Int();
      // Current rows of the range (consistent: every writer of this hotel holds its lock).
      st = c.Query(std::string("SELECT room_type_id, date, total, available, price_cents,"
                               " min_stay, max_stay, closed_to_arrival, closed_to_departure,"
                               " stop_sell FROM room_inventory"
                               " WHERE room_type_id = $1 AND date >= $2 AND date < $3"),
                   {u.room_type_id, FormatDate(u.from), FormatDate(u.to)}, &r);
      if (!st.ok()) return st;
      std::map<std::string, std::vector<int64_t>> existing;
      for (const auto& row : r.rows) {
        std::vector<int64_t> v;
        for (size_t k = 2; k < row.size(); ++k) v.push_back(row[k].Int());
        existing[row[1].text] = v;  // total, available, price, min, max, cta, ctd, stop
      }
      std::vector<std::pair<std::string, std::vector<int64_t>>> rows;
      for (Day d = u.from; d < u.to; ++d) {
        if (!u.weekdays.empty() && !u.weekdays.count(Weekday(d))) continue;
        const std::string date = FormatDate(d);
        std::vector<int64_t> v;
        auto it = existing.find(date);
        if (it != existing.end()) {
          v = it->second;
        } else {
          const int64_t t = u.total.value_or(total_rooms);
          v = {t, t, base_price, 1, 0, 0, 0, 0};
        }
        if (u.total) {
          const int64_t sold = v[0] - v[1];
          if (*u.total < sold)
            return Status::Error("INVENTORY_CONFLICT",
                                 date + ": " + std::to_string(sold) + " room(s) are sold; total " +
                                     std::to_string(*u.total) + " would overbook");
          v[1] = *u.total - sold;
          v[0] = *u.total;
        }
        if (u.price) v[2] = *u.price;
        if (u.min_stay) v[3] = *u.min_stay;
        if (u.max_stay) v[4] = *u.max_stay;
        if (u.cta) v[5] = *u.cta;
        if (u.ctd) v[6] = *u.ctd;
        if (u.stop_sell) v[7] = *u.stop_sell;
        rows.emplace_back(date, std::move(v));
      }
      constexpr size_t kChunk = 40;
      for (size_t start = 0; start < rows.size(); start += kChunk) {
        const size_t m = std::min(kChunk, rows.size() - start);
        std::string sql =
            "INSERT INTO room_inventory (room_type_id, date, total, available, price_cents,"
            " min_stay, max_stay, closed_to_arrival, closed_to_departure, stop_sell) VALUES ";
        Params p = {u.room_type_id};
        for (size_t i = 0; i < m; ++i) {
          const auto& [date, v] = rows[start + i];
          if (i) sql += ", ";
          sql += "($1";
          p.emplace_back(date);
          sql += ", $" + std::to_string(p.size());
          for (int64_t x : v) {
            p.emplace_back(x);
            sql += ", $" + std::to_string(p.size());
          }
          sql += ")";
        }
        sql += " ON CONFLICT (room_type_id, date) DO UPDATE SET total = excluded.total,"
               " available = excluded.available, price_cents = excluded.price_cents,"
               " min_stay = excluded.min_stay, max_stay = excluded.max_stay,"
               " closed_to_arrival = excluded.closed_to_arrival,"
               " closed_to_departure = excluded.closed_to_departure,"
               " stop_sell = excluded.stop_sell RETURNING " +
               Table(TableId::kRoomInventory).column_list;
        st = c.Query(sql, p, &r);
        if (!st.ok()) return st;
        std::sort(r.rows.begin(), r.rows.end(),
                  [](const auto& a, const auto& b) { return a[1].text < b[1].text; });
        log.UpsertAll(TableId::kRoomInventory, r);
        written += static_cast<int64_t>(r.size());
      }
    }
    return Status::Ok();
  }, &cursor);
  if (!s.ok()) return s;
  *out = {{"updated", written}, {"cursor", std::to_string(cursor)}};
  return Status::Ok();
}

Status SqlStore::SetRules(int64_t hotel_id, const json& body, json* out) {
  if (!body.is_object() || body.empty())
    return Invalid("body must be an object of rule: value (null removes a rule)");
  std::vector<std::pair<std::string, std::optional<int64_t>>> rules;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const RuleSpec* rule = FindRule(it.key());
    if (!rule) {
      std::string known;
      for (const RuleSpec& r : kRuleSpecs) known += (known.empty() ? "" : ", ") + std::string(r.key);
      return Invalid("unknown rule '" + it.key().substr(0, 64) + "' (" + known + ")");
    }
    std::optional<int64_t> v;
    if (!it.value().is_null()) {
      Status s = OptInt(body, it.key().c_str(), rule->min, rule->max, &v);
      if (!s.ok()) return s;
    }
    rules.emplace_back(rule->key, v);
  }
  int64_t cursor = 0;
  Status s = WriteHotelTx(hotel_id, [&](Conn& c, LogWriter& log) -> Status {
    for (const auto& [key, value] : rules) {
      Result r;
      Status st;
      if (value) {
        st = c.Query("INSERT INTO booking_rules (hotel_id, key, value) VALUES ($1, $2, $3)"
                     " ON CONFLICT (hotel_id, key) DO UPDATE SET value = excluded.value"
                     " RETURNING hotel_id, key, value",
                     {hotel_id, key, *value}, &r);
        if (!st.ok()) return st;
        log.Upsert(TableId::kBookingRules, r.rows[0]);
      } else {
        st = c.Query("DELETE FROM booking_rules WHERE hotel_id = $1 AND key = $2"
                     " RETURNING hotel_id, key, value",
                     {hotel_id, key}, &r);
        if (!st.ok()) return st;
        if (!r.empty()) log.Delete(TableId::kBookingRules, r.rows[0]);
      }
    }
    return Status::Ok();
  }, &cursor);
  if (!s.ok()) return s;
  *out = {{"updated", rules.size()}, {"cursor", std::to_string(cursor)}};
  return Status::Ok();
}

Status SqlStore::SetSpecialDays(int64_t hotel_id, const json& body, json* out) {
  std::vector<const json*> list;
  Status s = UpdateList(body, &list);
  if (!s.ok()) return s;
  struct Item {
    Day from, to;
    std::string kind;
    int64_t pct;
    std::optional<int64_t> min_stay;
    std::optional<std::string> note;
  };
  std::vector<Item> items;
  for (size_t i = 0; i < list.size(); ++i) {
    const json& u = *list[i];
    const std::string where = body.contains("updates") ? "updates[" + std::to_string(i) + "]." : "";
    Item it{};
    s = DateRange(u, &it.from, &it.to, where);
    if (!s.ok()) return s;
    const protocol::ColumnSpec& kinds = Col(TableId::kSpecialDays, "kind");
    bool known = false;
    if (StrField(u, "kind", 1, 64, &it.kind) == Field::kOk)
      for (const char* k : kinds.enum_values) known = known || it.kind == k;
    if (!known) return Invalid(where + "kind must be holiday, event or blackout");
    std::optional<int64_t> pct;
    s = OptInt(u, "priceMultiplierPct", Col(TableId::kSpecialDays, "price_multiplier_pct"), &pct, where);
    if (s.ok()) s = OptInt(u, "minStay", Col(TableId::kSpecialDays, "min_stay"), &it.min_stay, where);
    if (s.ok()) s = OptStr(u, "note", Col(TableId::kSpecialDays, "note"), &it.note, where);
    if (!s.ok()) return s;
    it.pct = pct.value_or(100);
    items.push_back(std::move(it));
  }
  int64_t cursor = 0, written = 0;
  s = WriteHotelTx(hotel_id, [&](Conn& c, LogWriter& log) -> Status {
    written = 0;
    for (const auto& it : items) {
      for (Day d = it.from; d < it.to; ++d) {
        Result r;
        Status st = c.Query(
            "INSERT INTO special_days (hotel_id, date, kind, price_multiplier_pct, min_stay, note)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hotel_id, date) DO UPDATE SET"
            " kind = excluded.kind, price_multiplier_pct = excluded.price_multiplier_pct,"
            " min_stay = excluded.min_stay, note = excluded.note RETURNING " +
                Table(TableId::kSpecialDays).column_list,
            {hotel_id, FormatDate(d), it.kind, it.pct, Param(it.min_stay), Param(it.note)}, &r);
        if (!st.ok()) return st;
        log.Upsert(TableId::kSpecialDays, r.rows[0]);
        ++written;
      }
    }
    return Status::Ok();
  }, &cursor);
  if (!s.ok()) return s;
  *out = {{"updated", written}, {"cursor", std::to_string(cursor)}};
  return Status::Ok();
}

Status SqlStore::DeleteSpecialDays(int64_t hotel_id, const json& body, json* out) {
  Day from = 0, to = 0;
  Status s = DateRange(body, &from, &to);
  if (!s.ok()) return s;
  int64_t cursor = 0, deleted = 0;
  s = WriteHotelTx(hotel_id, [&](Conn& c, LogWriter& log) -> Status {
    Result r;
    Status st = c.Query("DELETE FROM special_days WHERE hotel_id = $1 AND date >= $2 AND date < $3"
                        " RETURNING " + Table(TableId::kSpecialDays).column_list,
                        {hotel_id, FormatDate(from), FormatDate(to)}, &r);
    if (!st.ok()) return st;
    std::sort(r.rows.begin(), r.rows.end(),
              [](const auto& a, const auto& b) { return a[1].text < b[1].text; });
    for (const auto& row : r.rows) log.Delete(TableId::kSpecialDays, row);
    deleted = static_cast<int64_t>(r.size());
    return Status::Ok();
  }, &cursor);
  if (!s.ok()) return s;
  *out = {{"deleted", deleted}, {"cursor", std::to_string(cursor)}};
  return Status::Ok();
}

Status SqlStore::GetBooking(int64_t hotel_id, int64_t booking_id, const Principal& who,
                            json* out) {
  Lease c;
  Status s = backend_->Acquire(&c);
  if (!s.ok()) return s;
  Result r;
  s = c->Query("SELECT " + BookingColumns() + " FROM bookings WHERE id = $1 AND hotel_id = $2",
               {booking_id, hotel_id}, &r);
  if (!s.ok()) return s;
  if (r.empty() || (who.user_id && r.at(0, 2).Int() != *who.user_id))
    return Status::Error("UNKNOWN_BOOKING", "no booking " + std::to_string(booking_id));
  json booking = BookingJson(r.rows[0]);
  Result p;
  s = c->Query("SELECT id, status, amount_cents, created_at FROM payments WHERE booking_id = $1"
               " ORDER BY id",
               {booking_id}, &p);
  if (!s.ok()) return s;
  json payments = json::array();
  for (const auto& row : p.rows)
    payments.push_back({{"id", row[0].Int()}, {"status", row[1].text},
                        {"amountCents", row[2].Int()}, {"createdAt", row[3].Int()}});
  booking["payments"] = payments;
  *out = {{"booking", booking}};
  return Status::Ok();
}

Status SqlStore::SeedDemo(const json& options, json* out) {
  int64_t days = 365;
  if (IntField(options, "days", 1, kMaxRangeDays, &days) == Field::kBad)
    return Invalid("days must be 1..1096");
  std::string name = options.value("name", std::string("edgestay Demo Hotel"));
  json r;
  Status s = CreateHotel({{"name", name}, {"timeZone", "Europe/Lisbon"}, {"currency", "EUR"},
                          {"utcOffsetMinutes", 0}},
                         &r);
  if (!s.ok()) return s;
  const int64_t hotel_id = r["hotel"]["id"].get<int64_t>();
  json summary = {{"hotel", r["hotel"]}, {"roomTypes", json::array()}};
  struct Rt {
    const char* name;
    int adults, children;
    int64_t price;
    int rooms;
  };
  const Rt kTypes[] = {{"Standard Double", 2, 1, 12900, 20},
                       {"Deluxe King", 2, 2, 18900, 10},
                       {"Family Suite", 4, 2, 34900, 4}};
  const Day today = HotelToday(NowMs(), 0);
  json updates = json::array();
  for (const auto& t : kTypes) {
    s = CreateRoomType(hotel_id, {{"name", t.name}, {"capacityAdults", t.adults},
                                  {"capacityChildren", t.children}, {"basePriceCents", t.price},
                                  {"totalRooms", t.rooms}},
                       &r);
    if (!s.ok()) return s;
    const int64_t id = r["roomType"]["id"].get<int64_t>();
    summary["roomTypes"].push_back(r["roomType"]);
    const std::string from = FormatDate(today), to = FormatDate(today + days);
    updates.push_back({{"roomTypeId", id}, {"from", from}, {"to", to}, {"total", t.rooms},
                       {"priceCents", t.price}});
    // Weekend nights (Friday, Saturday) cost 20% more and need two nights from Friday.
    updates.push_back({{"roomTypeId", id}, {"from", from}, {"to", to}, {"weekdays", {5, 6}},
                       {"priceCents", t.price * 120 / 100}});
    updates.push_back({{"roomTypeId", id}, {"from", from}, {"to", to}, {"weekdays", {5}},
                       {"minStay", 2}});
  }
  s = SetInventory(hotel_id, {{"updates", updates}}, &r);
  if (!s.ok()) return s;
  s = SetRules(hotel_id, {{"max_advance_days", days}, {"max_nights", 30},
                          {"max_rooms_per_booking", 5}},
               &r);
  if (!s.ok()) return s;
  if (days > 60) {
    s = SetSpecialDays(hotel_id,
                       {{"updates",
                         {{{"from", FormatDate(today + 30)}, {"to", FormatDate(today + 33)},
                           {"kind", "event"}, {"priceMultiplierPct", 150}, {"minStay", 2},
                           {"note", "Harbour festival"}},
                          {{"date", FormatDate(today + 60)}, {"kind", "holiday"},
                           {"priceMultiplierPct", 125}, {"note", "Public holiday"}}}}},
                       &r);
    if (!s.ok()) return s;
  }
  summary["from"] = FormatDate(today);
  summary["to"] = FormatDate(today + days);
  summary["cursor"] = r["cursor"];
  *out = summary;
  return Status::Ok();
}

}  // namespace edgestay::server
