// Engine::Call: the JSON face of the engine. A table of methods (name, cache namespace,
// writes?, asOf?) dispatches each call to its handler, which parses and checks the
// arguments (typed errors of docs/API.md) and hands typed values to the query modules.
#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "edgestay/protocol/tables.h"
#include "args.h"
#include "compact_answer.h"

namespace edgestay {

using json = protocol::json::JsonValue;
using namespace args;  // NOLINT: the parsing vocabulary of this file

namespace {

// openEngine({ cache: false | { maxEntries, maxBytes, ttlMs: { availability: ms, … } } })
ES_MINSIZE Status ConfigureCache(QueryCache& cache, const Args& args, std::string* out) {
  CacheConfig config = cache.config();
  const Val e = Obj(args).Get("enabled");
  if (e.kind != Val::kMissing && e.kind != Val::kNull) {
    if (e.kind != Val::kBool) return BadArg("cache.enabled", "must be true or false");
    config.enabled = e.b;
  }
  const Val a = Obj(args).Get("admission");
  if (a.kind != Val::kMissing && a.kind != Val::kNull) {
    if (a.kind != Val::kStr || (a.s != "repeat" && a.s != "always")) {
      return BadArg("cache.admission", "must be 'repeat' (store an answer asked twice) or 'always'");
    }
    config.admit_on_repeat = a.s == "repeat";
  }
  ES_RETURN_IF_ERROR(ReadCount(args, "maxEntries", config.max_entries, 0, 10000000, &config.max_entries));
  ES_RETURN_IF_ERROR(ReadCount(args, "maxBytes", config.max_bytes, 0, int64_t{1} << 40, &config.max_bytes));
  if (const json* ttl = Field(args, "ttlMs")) {
    if (!ttl->is_object()) return BadArg("cache.ttlMs", "must be an object of namespace: ms");
    for (size_t k = 0; k < ttl->size(); ++k) {
      const std::string& name = ttl->key(k);
      int ns = -1;
      for (int i = 0; i < static_cast<int>(CacheNs::kCount); ++i) {
        if (name == CacheNsName(static_cast<CacheNs>(i))) ns = i;
      }
      int64_t ms;
      if (ns < 0) return BadArg("cache.ttlMs." + name, "unknown cache namespace");
      if (!ReadInt((*ttl)[k], &ms) || ms < 0) return BadArg("cache.ttlMs." + name, "must be ms >= 0");
      config.ttl_ms[ns] = ms;
    }
  }
  cache.Configure(config);
  *out = cache.StatsJson();
  return Status::Ok();
}

// ---- the handlers: one per method of the table below ------------------------------

// A cache key: `prefix` then each number after a '|', in one allocation (the chain of
// std::to_string and operator+ made one string per part; a stay question builds a key on
// every miss).
std::string Key(std::string_view prefix, std::initializer_list<int64_t> parts) {
  char buf[160];
  size_t n = prefix.copy(buf, 64);
  for (int64_t v : parts) {
    buf[n++] = '|';
    n = static_cast<size_t>(std::to_chars(buf + n, buf + sizeof buf, v).ptr - buf);
  }
  return std::string(buf, n);
}

using T = CacheTags;
constexpr uint32_t kAvailabilityDeps = T::kInventory | T::kPendingBookings | T::kSpecialDays | T::kRoomTypes | T::kHotel;
using Impl = Engine::Impl;

// One stay: cached per (room type, dates, rooms); shared by batchCheckAvailability and
// getAllRoomAvailability.
// The summary form of an availability answer (nightly: false): the answer without its
// "nightly" array. The array holds flat objects of numbers and dates, so its first ']'
// closes it.
void StripNightly(std::string* answer) {
  static constexpr std::string_view kKey = ",\"nightly\":[";
  const size_t at = answer->find(kKey);
  if (at == std::string::npos) return;
  const size_t end = answer->find(']', at + kKey.size());
  if (end != std::string::npos) answer->erase(at, end + 1 - at);
}

// One stay's compact record (compact_answer.h): the same nights and the same rule as
// CheckAvailability's JSON.
Status CompactStay(Impl& im, const StayQuery& q, const RoomTypeInfo& rt, const HotelInfo& hotel, std::string* out) {
  std::vector<Night>& nights = im.stay_nights;
  ES_RETURN_IF_ERROR(im.LoadNights(rt.hotel_id, q.room_type_id, q.check_in, q.check_out, &nights));
  const char* reason = ::edgestay::StayReason(q.rooms, q.check_in - im.TodayAt(hotel), hotel, nights);
  compact::WriteStay({q.room_type_id, rt.hotel_id, q.rooms, q.check_in, q.check_out, rt.name, hotel.currency, reason,
                      &nights}, out);
  return Status::Ok();
}

// `binary`: the compact record (cached apart from the JSON; never with asOf: the frame's
// trailer carries it), appended to `answer` (written in place after the frame's header or
// the records before it: no copy of the record per stay).
Status StayAnswer(Impl& im, const StayQuery& q, std::string* answer, bool with_as_of, bool nightly = true,
                  bool binary = false) {
  const RoomTypeInfo* rt;
  const HotelInfo* hotel;
  ES_RETURN_IF_ERROR(im.ValidateStay(q, &rt, &hotel));
  T tags{kAvailabilityDeps, rt->hotel_id, q.room_type_id, q.check_in, q.check_out, 0};
  im.TodayBound(*hotel, &tags);
  std::string key = Key(binary ? "stayc" : "stay", {q.room_type_id, q.check_in, q.check_out, q.rooms});
  const size_t at = answer->size();
  ES_RETURN_IF_ERROR(im.Cached(CacheNs::kAvailability, std::move(key), tags, answer, [&](std::string* o) {
    return binary ? CompactStay(im, q, *rt, *hotel, o) : im.CheckAvailability(q, o);
  }));
  if (!nightly) binary ? compact::StripNightly(answer, at) : StripNightly(answer);
  if (with_as_of && !binary) im.AppendAsOf(answer);
  return Status::Ok();
}

// Ends a compact frame with its asOf trailer; the cache entry id stays the frame's.
void CompactAsOf(Impl& im, std::string* out) { compact::WriteAsOf(im.cursor, im.synced_at, out); }

Status CheckRoomAvailabilityAs(Impl& im, const Args& args, std::string* out, bool binary) {
  StayQuery q;
  ES_RETURN_IF_ERROR(ReadStay(args, &q));
  if (!binary) return StayAnswer(im, q, out, true);
  compact::WriteFrame(compact::Kind::kStay, 1, 0, 0, 0, 0, out);
  ES_RETURN_IF_ERROR(StayAnswer(im, q, out, false, true, true));
  CompactAsOf(im, out);
  return Status::Ok();
}

Status GetAllRoomAvailabilityAs(Impl& im, const Args& args, std::string* out, bool binary) {
  int64_t hotel_id, rooms;
  Day ci, co;
  const HotelInfo* hotel;
  ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
  ES_RETURN_IF_ERROR(ReadRange(args, "checkIn", "checkOut", 100000, &ci, &co));
  ES_RETURN_IF_ERROR(ReadCount(args, "rooms", 1, 1, 10000, &rooms));
  bool nightly = true;
  ES_RETURN_IF_ERROR(ReadBool(args, "nightly", true, &nightly));
  ES_RETURN_IF_ERROR(im.FindHotel(hotel_id, &hotel));
  T tags{kAvailabilityDeps, hotel_id, 0, ci, co, 0};
  im.TodayBound(*hotel, &tags);
  std::string key = Key(binary ? "allc" : "all", {hotel_id, ci, co, rooms}) + (nightly ? "" : "|summary");
  if (co - ci > hotel->max_nights) {
    return Status::Error("STAY_TOO_LONG", "a stay of " + std::to_string(co - ci) +
                                              " nights is over the hotel's maximum of " +
                                              std::to_string(hotel->max_nights));
  }
  // The whole answer is one entry (a repeat is one lookup); on a miss it is composed of
  // the per-room-type stay entries, so a change to one room type recomputes only that one.
  ES_RETURN_IF_ERROR(im.Cached(CacheNs::kAvailability, std::move(key), tags, out, [&](std::string* o) {
    if (binary) {
      compact::WriteFrame(compact::Kind::kHotel, static_cast<int64_t>(hotel->room_type_ids.size()), hotel_id, ci, co,
                          rooms, o);
      for (int64_t id : hotel->room_type_ids) {
        ES_RETURN_IF_ERROR(StayAnswer(im, StayQuery{id, ci, co, rooms}, o, false, nightly, true));
      }
      return Status::Ok();
    }
    JsonWriter w(o);
    w.BeginObject().Key("hotelId").Int(hotel_id);
    w.Key("checkIn").String(FormatDate(ci)).Key("checkOut").String(FormatDate(co));
    w.Key("nights").Int(co - ci).Key("rooms").Int(rooms).Key("results").BeginArray();
    std::string answer;
    for (int64_t id : hotel->room_type_ids) {
      answer.clear();
      ES_RETURN_IF_ERROR(StayAnswer(im, StayQuery{id, ci, co, rooms}, &answer, false, nightly));
      w.Raw(answer);
    }
    w.EndArray().EndObject();
    return Status::Ok();
  }));
  if (binary) CompactAsOf(im, out);
  else im.AppendAsOf(out);
  return Status::Ok();
}

// A batch's queries, read and checked in order: the first bad one is the error, with its
// index.
Status BatchQueries(Impl& im, const Val& list, std::vector<StayQuery>* qs) {
  for (size_t i = 0; i < qs->size(); ++i) {
    Status s = ReadStay(list.Item(i), &(*qs)[i]);
    const RoomTypeInfo* rt;
    const HotelInfo* hotel;
    if (s.ok()) s = im.ValidateStay((*qs)[i], &rt, &hotel);
    if (!s.ok()) {
      return Status::Error(s.code(), "queries[" + std::to_string(i) + "]: " + s.message(),
                           "{\"index\":" + std::to_string(i) + "}");
    }
  }
  return Status::Ok();
}

struct StayArgs {
  bool nightly = true;
  std::vector<StayQuery> qs;
};
Status BatchStays(Impl& im, const StayArgs& a, std::string* out, bool binary);
Status BatchCheckAvailabilityAs(Impl& im, const Args& args, std::string* out, bool binary) {
  const Val list = Obj(args).Get("queries");
  if (list.kind != Val::kList) return BadArg("queries", "must be an array");
  if (list.Size() > 1000) return BadArg("queries", "at most 1000 queries per call");
  StayArgs a;
  ES_RETURN_IF_ERROR(ReadBool(args, "nightly", true, &a.nightly));
  a.qs.resize(list.Size());
  ES_RETURN_IF_ERROR(BatchQueries(im, list, &a.qs));
  return BatchStays(im, a, out, binary);
}

// The batch of validated queries `a.qs`.
Status BatchStays(Impl& im, const StayArgs& a, std::string* out, bool binary) {
  const std::vector<StayQuery>& qs = a.qs;
  const bool nightly = a.nightly;
  // The whole batch is one entry too (a repeat is one lookup), composed of the per-stay
  // entries; it may span hotels, so any change meeting its dates evicts it.
  T tags{kAvailabilityDeps, CacheTags::kAnyHotel, 0, 0, -1, 0};
  std::string key = std::string(binary ? "c" : "") + (nightly ? "batch" : "batch-summary");
  for (size_t i = 0; i < qs.size(); ++i) {
    tags.from = i ? std::min(tags.from, qs[i].check_in) : qs[i].check_in;
    tags.to = i ? std::max(tags.to, qs[i].check_out) : qs[i].check_out;
    im.TodayBound(im.hotels[im.room_types[qs[i].room_type_id].hotel_id], &tags);
    key += "|" + std::to_string(qs[i].room_type_id) + "," + std::to_string(qs[i].check_in) + "," +
           std::to_string(qs[i].check_out) + "," + std::to_string(qs[i].rooms);
  }
  if (qs.empty() && !binary) {
    *out = "[]";
    return Status::Ok();
  }
  if (binary) {
    ES_RETURN_IF_ERROR(im.Cached(CacheNs::kAvailability, std::move(key), tags, out, [&](std::string* o) {
      compact::WriteFrame(compact::Kind::kList, static_cast<int64_t>(qs.size()), 0, 0, 0, 0, o);
      for (const StayQuery& q : qs) ES_RETURN_IF_ERROR(StayAnswer(im, q, o, false, nightly, true));
      return Status::Ok();
    }));
    CompactAsOf(im, out);
    return Status::Ok();
  }
  // Stored without asOf (added per answer below), like every availability entry.
  ES_RETURN_IF_ERROR(im.Cached(CacheNs::kAvailability, std::move(key), tags, out, [&](std::string* o) {
    o->push_back('[');
    std::string answer;
    for (size_t i = 0; i < qs.size(); ++i) {
      answer.clear();
      ES_RETURN_IF_ERROR(StayAnswer(im, qs[i], &answer, false, nightly));
      if (i) o->push_back(',');
      o->append(answer);
    }
    o->push_back(']');
    return Status::Ok();
  }));
  const uint64_t entry = im.last_entry_id;
  // Add asOf to every answer of the list.
  std::string as_of = ",\"asOf\":";
  im.WriteAsOf(&as_of);
  std::string with;
  with.reserve(out->size() + qs.size() * as_of.size());
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : *out) {
    if (in_string) {
      with.push_back(c);
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{') ++depth;
    if (c == '}' && --depth == 0) with.append(as_of);
    with.push_back(c);
  }
  *out = std::move(with);
  im.last_entry_id = entry;
  return Status::Ok();
}

Status GetCalendarAs(Impl& im, const Args& args, std::string* out, bool binary) {
  int64_t hotel_id, days;
  Day from;
  const HotelInfo* hotel;
  ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
  ES_RETURN_IF_ERROR(ReadDay(args, "from", &from));
  bool has_days;
  ES_RETURN_IF_ERROR(ReadIntOf(args, "days", "must be an integer", &days, &has_days));
  if (!has_days) return BadArg("days", "must be an integer");
  if (days < 1 || days > 366) {
    return Status::Error("INVALID_RANGE", "days must be from 1 to 366", "{\"field\":\"days\"}");
  }
  // columns: the per-night columns wanted (default all), as a bit set of kCalendarColumns.
  uint32_t columns = kAllCalendarColumns;
  if (const json* cols = Field(args, "columns")) {
    if (!cols->is_array() || cols->size() == 0) return BadArg("columns", "must be a non-empty array of column names");
    columns = 0;
    for (const json& c : cols->items()) {
      int found = -1;
      for (int i = 0; i < 7 && c.is_string(); ++i) {
        if (c.str() == kCalendarColumns[i]) found = i;
      }
      if (found < 0) {
        return BadArg("columns", "unknown column (available, priceCents, minStay, maxStay, closedToArrival, "
                                 "closedToDeparture, stopSell)");
      }
      columns |= 1u << found;
    }
  }
  ES_RETURN_IF_ERROR(im.FindHotel(hotel_id, &hotel));
  // The grid has no "today"-dependent field, so it lives until a change or its TTL.
  T tags{kAvailabilityDeps, hotel_id, 0, from, from + static_cast<Day>(days) - 1, 0};
  const std::string cols_key = columns == kAllCalendarColumns ? "" : "|c" + std::to_string(columns);
  std::string key = Key(binary ? "calc" : "cal", {hotel_id, from, days}) + cols_key;
  // Composed of per-room-type blocks, each its own entry (as getAllRoomAvailability).
  auto room_type_block = [&](int64_t id, std::string* dst) {
    T block_tags{kAvailabilityDeps, hotel_id, id, from, from + static_cast<Day>(days) - 1, 0};
    return im.Cached(CacheNs::kAvailability, Key(binary ? "calrtc" : "calrt", {id, from, days}) + cols_key, block_tags,
                     dst, [&](std::string* b) { return im.CalendarBlock(id, from, days, columns, b, binary); });
  };
  ES_RETURN_IF_ERROR(im.Cached(CacheNs::kAvailability, std::move(key), tags, out, [&](std::string* o) {
    if (binary) {
      compact::WriteFrame(compact::Kind::kCalendar, static_cast<int64_t>(hotel->room_type_ids.size()), 0, 0, 0, 0, o);
      compact::WriteCalendar(hotel_id, from, days, columns, o);
      for (int64_t id : hotel->room_type_ids) ES_RETURN_IF_ERROR(room_type_block(id, o));
      return Status::Ok();
    }
    JsonWriter w(o);
    w.BeginObject().Key("hotelId").Int(hotel_id).Key("from").String(FormatDate(from)).Key("days").Int(days);
    w.Key("dates").BeginArray();
    for (Day d = from; d < from + static_cast<Day>(days); ++d) w.String(FormatDate(d));
    w.EndArray().Key("roomTypes").BeginArray();
    std::string block;
    for (int64_t id : hotel->room_type_ids) {
      block.clear();
      ES_RETURN_IF_ERROR(room_type_block(id, &block));
      w.Raw(block);
    }
    w.EndArray().EndObject();
    return Status::Ok();
  }));
  if (binary) CompactAsOf(im, out);
  else im.AppendAsOf(out);
  return Status::Ok();
}

// The small answers below have a compact form too (`binary`: cached apart from the JSON).
Status GetRoomTypesAs(Impl& im, const Args& args, std::string* out, bool binary) {
  int64_t hotel_id;
  const HotelInfo* hotel;
  ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
  ES_RETURN_IF_ERROR(im.FindHotel(hotel_id, &hotel));
  T tags{T::kRoomTypes | T::kHotel, hotel_id, 0, 0, -1, 0};
  return im.Cached(CacheNs::kRoomTypes, Key(binary ? "rtc" : "rt", {hotel_id}), tags, out,
                   [&](std::string* o) { return im.RoomTypes(hotel_id, o, binary); });
}

Status GetBookingRulesAs(Impl& im, const Args& args, std::string* out, bool binary) {
  int64_t hotel_id;
  const HotelInfo* hotel;
  ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
  ES_RETURN_IF_ERROR(im.FindHotel(hotel_id, &hotel));
  T tags{T::kHotel, hotel_id, 0, 0, -1, 0};
  return im.Cached(CacheNs::kBookingRules, Key(binary ? "rulesc" : "rules", {hotel_id}), tags, out,
                   [&](std::string* o) { return im.GetBookingRules(hotel_id, *hotel, o, binary); });
}

Status GetSpecialDaysAs(Impl& im, const Args& args, std::string* out, bool binary) {
  int64_t hotel_id;
  Day from, to;
  const HotelInfo* hotel;
  ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
  ES_RETURN_IF_ERROR(ReadRange(args, "from", "to", 1096, &from, &to));
  ES_RETURN_IF_ERROR(im.FindHotel(hotel_id, &hotel));
  T tags{T::kSpecialDays | T::kHotel, hotel_id, 0, from, to - 1, 0};
  std::string key = Key(binary ? "sdc" : "sd", {hotel_id, from, to});
  return im.Cached(CacheNs::kSpecialDays, std::move(key), tags, out,
                   [&](std::string* o) { return im.GetSpecialDays(hotel_id, from, to, o, binary); });
}

Status GetUserBookingsWithRoomTypeAs(Impl& im, const Args& args, std::string* out, bool binary) {
  int64_t user_id;
  ES_RETURN_IF_ERROR(ReadId(args, "userId", &user_id));
  // The statuses asked for, each once, in the order the bookings table lists them (the
  // cache key's): marked in that list, so no sort runs.
  std::vector<std::string> statuses;
  if (const json* st = Field(args, "status")) {
    static const std::vector<const char*>& kKnown =
        protocol::Column(protocol::TableId::kBookings, "status").enum_values;
    unsigned asked = 0;
    auto add = [&](const json& v) -> Status {
      unsigned bit = 0;
      for (size_t k = 0; k < kKnown.size() && v.is_string(); ++k) bit |= v.str() == kKnown[k] ? 1u << k : 0;
      if (bit == 0) return BadArg("status", "must be a booking status or an array of them");
      asked |= bit;
      return Status::Ok();
    };
    if (st->is_array()) {
      for (const json& v : st->items()) ES_RETURN_IF_ERROR(add(v));
      if (asked == 0) return BadArg("status", "must not be an empty array");
    } else {
      ES_RETURN_IF_ERROR(add(*st));
    }
    for (size_t k = 0; k < kKnown.size(); ++k) {
      if (asked & (1u << k)) statuses.push_back(kKnown[k]);
    }
  }
  bool include_payments = false;
  ES_RETURN_IF_ERROR(ReadBool(args, "includePayments", false, &include_payments));
  // Payments are sensitive: answers that include them are never cached.
  if (include_payments) return im.UserBookings(user_id, statuses, true, out, binary);
  std::string key = (binary ? "ubc|" : "ub|") + std::to_string(user_id);
  for (const std::string& s : statuses) key += "|" + s;
  T tags{T::kUserBookings | T::kRoomTypes, 0, 0, 0, -1, user_id};
  return im.Cached(CacheNs::kUserBookings, std::move(key), tags, out,
                   [&](std::string* o) { return im.UserBookings(user_id, statuses, false, o, binary); });
}

Status Report(Impl& im, const Args& args, bool occupancy, std::string* out, bool binary) {
  int64_t hotel_id;
  Day from, to;
  const HotelInfo* hotel;
  ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
  // Occupancy walks inventory night by night, so its range is bounded; statistics are
  // one indexed aggregate over bookings and accept any range.
  ES_RETURN_IF_ERROR(ReadRange(args, "from", "to", occupancy ? 1096 : 400000, &from, &to));
  ES_RETURN_IF_ERROR(im.FindHotel(hotel_id, &hotel));
  T tags{occupancy ? T::kInventory | T::kPendingBookings | T::kSpecialDays | T::kRoomTypes | T::kHotel
                   : T::kBookingsByStart | T::kHotel,
         hotel_id, 0, from, to - 1, 0};
  std::string key = Key(occupancy ? (binary ? "occc" : "occ") : (binary ? "statsc" : "stats"), {hotel_id, from, to});
  return im.Cached(CacheNs::kReports, std::move(key), tags, out, [&](std::string* o) {
    return occupancy ? im.OccupancyRate(hotel_id, from, to, o, binary)
                     : im.BookingStatistics(hotel_id, from, to, o, binary);
  });
}
Status BookingStatisticsAs(Impl& im, const Args& args, std::string* out, bool binary) {
  return Report(im, args, false, out, binary);
}
Status OccupancyRateAs(Impl& im, const Args& args, std::string* out, bool binary) {
  return Report(im, args, true, out, binary);
}

// ES_MINSIZE (json_value.h) marks the rare methods (cache administration, the waitlist,
// holds, sync's push results, notifications, diagnostics, and the WithJson ones): built
// for size, as the wasm ships to browsers; the hot questions and createBooking are not.
ES_MINSIZE Status CacheStatsOf(Impl& im, const Args&, std::string* out) {
  *out = im.cache.StatsJson();
  return Status::Ok();
}
ES_MINSIZE Status ClearCache(Impl& im, const Args&, std::string* out) {
  im.cache.Clear();
  *out = "{}";
  return Status::Ok();
}
ES_MINSIZE Status ConfigureCacheOf(Impl& im, const Args& args, std::string* out) { return ConfigureCache(im.cache, args, out); }
Status AsOf(Impl& im, const Args&, std::string* out) {
  im.WriteAsOf(out);
  return Status::Ok();
}

Status ReadBookingRequest(const Args& args, BookingRequest* r) {
  if (!Obj(args).IsObject()) return BadArg("booking", "must be an object");
  ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &r->hotel_id));
  ES_RETURN_IF_ERROR(ReadId(args, "roomTypeId", &r->room_type_id));
  ES_RETURN_IF_ERROR(ReadId(args, "userId", &r->user_id));
  ES_RETURN_IF_ERROR(ReadRange(args, "checkIn", "checkOut", 100000, &r->check_in, &r->check_out));
  ES_RETURN_IF_ERROR(ReadCount(args, "rooms", 1, 1, 10000, &r->rooms));
  bool has_key = false;
  return ReadKey(args, "idempotencyKey", &r->idempotency_key, &has_key);
}
Status CreateBookingAs(Impl& im, const Args& args, std::string* out, bool binary) {
  BookingRequest r;
  ES_RETURN_IF_ERROR(ReadBookingRequest(args, &r));
  ES_RETURN_IF_ERROR(ReadCount(args, "guests", r.rooms, 1, 100000, &r.guests));
  ES_RETURN_IF_ERROR(ReadBool(args, "hold", false, &r.hold));
  return im.CreateBooking(r, out, binary);
}
ES_MINSIZE Status JoinWaitlist(Impl& im, const Args& args, std::string* out) {
  BookingRequest r;
  ES_RETURN_IF_ERROR(ReadBookingRequest(args, &r));
  return im.JoinWaitlist(r, out);
}

Status ReadBookingId(const Args& args, int64_t* id) {
  bool present;
  const Status s = ReadIntOf(args, "bookingId", "must be a non-zero integer booking id", id, &present);
  if (!s.ok() || !present || *id == 0 || *id > protocol::kMaxId || *id < -protocol::kMaxId) {
    return BadArg("bookingId", "must be a non-zero integer booking id");
  }
  return Status::Ok();
}
Status CancelBooking(Impl& im, const Args& args, std::string* out) {
  int64_t id = 0;
  ES_RETURN_IF_ERROR(ReadBookingId(args, &id));
  return im.CancelBooking(id, out);
}
ES_MINSIZE Status ConfirmHold(Impl& im, const Args& args, std::string* out) {
  int64_t id = 0;
  ES_RETURN_IF_ERROR(ReadBookingId(args, &id));
  return im.ConfirmHold(id, out);
}
ES_MINSIZE Status PendingMutations(Impl& im, const Args&, std::string* out) { return im.PendingMutations(out); }
ES_MINSIZE Status ApplyPushResults(Impl& im, const Args& args, std::string* out) {
  const json* r = Field(args, "results");
  if (!r) return BadArg("results", "is required");
  return im.ApplyPushResults(*r, out);
}
ES_MINSIZE Status GetDueNotifications(Impl& im, const Args& args, std::string* out) {
  int64_t until = im.now_ms, limit;
  bool has_until;
  ES_RETURN_IF_ERROR(ReadIntOf(args, "until", "must be ms since the epoch", &until, &has_until));
  ES_RETURN_IF_ERROR(ReadCount(args, "limit", 1000, 1, 100000, &limit));
  return im.DueNotifications(until, limit, out);
}
ES_MINSIZE Status MarkNotifications(Impl& im, const Args& args, std::string* out) {
  const json* ids = Field(args, "ids");
  if (!ids || !ids->is_array()) return BadArg("ids", "must be an array of notification ids");
  std::vector<int64_t> list;
  for (const json& v : ids->items()) {
    int64_t id;
    if (!ReadInt(v, &id)) return BadArg("ids", "must be an array of notification ids");
    list.push_back(id);
  }
  const Val st = Obj(args).Get("status");
  const std::string status = st.kind == Val::kStr ? std::string(st.s) : "SENT";
  if (status != "SENT" && status != "FAILED" && status != "CANCELLED") {
    return BadArg("status", "must be SENT, FAILED or CANCELLED");
  }
  return im.MarkNotifications(list, status, out);
}
ES_MINSIZE Status ExplainQueries(Impl& im, const Args&, std::string* out) { return im.ExplainQueries(out); }

// The handlers of integrity.cc, window.cc and leases.cc read their nested arguments as
// a tree (protocol/json_value.h).
template <Status (*Run)(Impl&, const json&, std::string*)>
ES_MINSIZE Status WithJson(Impl& im, const Args& args, std::string* out) {
  return Run(im, args.Json(), out);
}

// A method with a JSON and a compact face: its handler `Run` taking `binary`, bound to one
// face for the method table.
template <Status (*Run)(Impl&, const Args&, std::string*, bool), bool kBinary>
Status Face(Impl& im, const Args& args, std::string* out) {
  return Run(im, args, out, kBinary);
}
#define ES_FACES(run) Face<run, false>, Face<run, true>

// The methods of Engine::Call, in the order of their ids. The JS wrapper reads this table
// (Engine::MethodsJson) to know which answers it may keep (a cache namespace), which carry
// asOf, and which write (persistence saves after them): one list, here.
struct Method {
  const char* name;
  CacheNs ns;   // kCount: never cached
  bool writes;
  bool as_of;   // the answer (or each answer of a list) carries asOf
  Status (*run)(Impl&, const Args&, std::string*);
  // The compact answer (compact_answer.h), for the hot questions; null: JSON only.
  Status (*run_compact)(Impl&, const Args&, std::string*) = nullptr;
};
constexpr CacheNs kNotCached = CacheNs::kCount;
constexpr Method kMethods[] = {
    {"checkRoomAvailability", CacheNs::kAvailability, false, true, ES_FACES(CheckRoomAvailabilityAs)},
    {"getAllRoomAvailability", CacheNs::kAvailability, false, true, ES_FACES(GetAllRoomAvailabilityAs)},
    {"batchCheckAvailability", CacheNs::kAvailability, false, true, ES_FACES(BatchCheckAvailabilityAs)},
    {"getCalendar", CacheNs::kAvailability, false, true, ES_FACES(GetCalendarAs)},
    {"getRoomTypes", CacheNs::kRoomTypes, false, false, ES_FACES(GetRoomTypesAs)},
    {"getBookingRules", CacheNs::kBookingRules, false, false, ES_FACES(GetBookingRulesAs)},
    {"getSpecialDays", CacheNs::kSpecialDays, false, false, ES_FACES(GetSpecialDaysAs)},
    {"getUserBookingsWithRoomType", CacheNs::kUserBookings, false, false, ES_FACES(GetUserBookingsWithRoomTypeAs)},
    {"getBookingStatistics", CacheNs::kReports, false, false, ES_FACES(BookingStatisticsAs)},
    {"getOccupancyRate", CacheNs::kReports, false, false, ES_FACES(OccupancyRateAs)},
    {"cacheStats", kNotCached, false, false, CacheStatsOf},
    {"clearCache", kNotCached, false, false, ClearCache},
    {"configureCache", kNotCached, false, false, ConfigureCacheOf},
    {"asOf", kNotCached, false, false, AsOf},
    {"createBooking", kNotCached, true, false, ES_FACES(CreateBookingAs)},
    {"joinWaitlist", kNotCached, true, false, JoinWaitlist},
    {"cancelBooking", kNotCached, true, false, CancelBooking},
    {"confirmHold", kNotCached, true, false, ConfirmHold},
    {"pendingMutations", kNotCached, false, false, PendingMutations},
    {"applyPushResults", kNotCached, true, false, ApplyPushResults},
    {"getDueNotifications", kNotCached, false, false, GetDueNotifications},
    {"markNotifications", kNotCached, true, false, MarkNotifications},
    {"explainQueries", kNotCached, false, false, ExplainQueries},
    {"rangeChecksums", kNotCached, false, false, WithJson<RangeChecksums>},
    {"repairRange", kNotCached, true, false, WithJson<RepairRange>},
    {"pruneWindow", kNotCached, true, false, WithJson<PruneWindow>},
    {"setLeases", kNotCached, true, false, WithJson<SetLeases>},
    {"leases", kNotCached, false, false, WithJson<Leases>},
};
#undef ES_FACES
constexpr int kMethodCount = static_cast<int>(sizeof(kMethods) / sizeof(kMethods[0]));

}  // namespace

std::string Engine::MethodsJson() {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  for (const Method& m : kMethods) {
    w.BeginObject().Key("name").String(m.name).Key("namespace");
    if (m.ns == kNotCached) w.Null();
    else w.String(CacheNsName(m.ns));
    w.Key("writes").Bool(m.writes).Key("asOf").Bool(m.as_of).Key("compact").Bool(m.run_compact != nullptr).EndObject();
  }
  w.EndArray();
  return out;
}

int Engine::MethodId(std::string_view method) {
  for (int i = 0; i < kMethodCount; ++i) {
    if (method == kMethods[i].name) return i;
  }
  return -1;
}

Status Engine::Call(std::string_view method, std::string_view args_json, std::string* out) {
  const int id = MethodId(method);
  if (id < 0) return Status::Error("INVALID_ARGUMENT", "unknown method " + std::string(method.substr(0, 60)));
  return CallById(id, args_json, out);
}

std::string Engine::CompactLayoutJson() { return compact::LayoutJson(); }

Status Engine::CallById(int method_id, std::string_view args_json, std::string* out, bool compact) {
  Impl& im = *impl_;
  if (method_id < 0 || method_id >= kMethodCount) return Status::Error("INVALID_ARGUMENT", "unknown method id");
  if (im.in_batch) return Status::Error("INVALID_ARGUMENT", "a change batch is open");
  const Method& m = kMethods[method_id];
  if (!im.call_args) im.call_args = std::make_unique<Args>();
  Args& args = *im.call_args;
  if (!args.Parse(args_json)) return args.ParseError();
  out->clear();
  // Holds whose time is up become EXPIRED before anything reads or writes.
  ES_RETURN_IF_ERROR(im.ExpireHolds());
  im.last_entry_id = 0;
  return (compact && m.run_compact ? m.run_compact : m.run)(im, args, out);
}

}  // namespace edgestay
