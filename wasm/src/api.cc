// Engine::Call: the JSON face of the engine. Parses and checks arguments (typed errors
// of docs/API.md), then hands typed values to the query modules.
#include <algorithm>

#include "args.h"

namespace edgestay {

using json = nlohmann::json;
using namespace args;  // NOLINT: the parsing vocabulary of this file

namespace {

// openEngine({ cache: false | { maxEntries, maxBytes, ttlMs: { availability: ms, … } } })
Status ConfigureCache(QueryCache& cache, const json& args, std::string* out) {
  CacheConfig config = cache.config();
  if (const json* e = Field(args, "enabled")) {
    if (!e->is_boolean()) return BadArg("cache.enabled", "must be true or false");
    config.enabled = e->get<bool>();
  }
  ES_RETURN_IF_ERROR(ReadCount(args, "maxEntries", config.max_entries, 0, 10000000, &config.max_entries));
  ES_RETURN_IF_ERROR(ReadCount(args, "maxBytes", config.max_bytes, 0, int64_t{1} << 40, &config.max_bytes));
  if (const json* ttl = Field(args, "ttlMs")) {
    if (!ttl->is_object()) return BadArg("cache.ttlMs", "must be an object of namespace: ms");
    for (auto it = ttl->begin(); it != ttl->end(); ++it) {
      int ns = -1;
      for (int i = 0; i < static_cast<int>(CacheNs::kCount); ++i) {
        if (it.key() == CacheNsName(static_cast<CacheNs>(i))) ns = i;
      }
      int64_t ms;
      if (ns < 0) return BadArg("cache.ttlMs." + it.key(), "unknown cache namespace");
      if (!ReadInt(it.value(), &ms) || ms < 0) return BadArg("cache.ttlMs." + it.key(), "must be ms >= 0");
      config.ttl_ms[ns] = ms;
    }
  }
  cache.Configure(config);
  *out = cache.StatsJson();
  return Status::Ok();
}

}  // namespace

Status Engine::Call(std::string_view method, std::string_view args_json, std::string* out) {
  Impl& im = *impl_;
  if (im.in_batch) return Status::Error("INVALID_ARGUMENT", "a change batch is open");
  json args = json::parse(args_json.begin(), args_json.end(), nullptr, false);
  if (args.is_discarded()) return Status::Error("INVALID_ARGUMENT", "the arguments are not valid JSON");
  out->clear();
  // Holds whose time is up become EXPIRED before anything reads or writes.
  ES_RETURN_IF_ERROR(im.ExpireHolds());

  im.last_entry_id = 0;
  using T = CacheTags;
  const uint32_t kAvailabilityDeps = T::kInventory | T::kPendingBookings | T::kSpecialDays | T::kRoomTypes | T::kHotel;

  // One stay: cached per (room type, dates, rooms); shared by batchCheckAvailability.
  auto stay_answer = [&](const StayQuery& q, std::string* answer, bool with_as_of = true) -> Status {
    const RoomTypeInfo* rt;
    const HotelInfo* hotel;
    ES_RETURN_IF_ERROR(im.ValidateStay(q, &rt, &hotel));
    T tags{kAvailabilityDeps, rt->hotel_id, q.room_type_id, q.check_in, q.check_out, 0};
    im.TodayBound(*hotel, &tags);
    std::string key = "stay|" + std::to_string(q.room_type_id) + "|" + std::to_string(q.check_in) + "|" +
                      std::to_string(q.check_out) + "|" + std::to_string(q.rooms);
    ES_RETURN_IF_ERROR(im.Cached(CacheNs::kAvailability, std::move(key), tags, answer,
                                 [&](std::string* o) { return im.CheckAvailability(q, o); }));
    if (with_as_of) im.AppendAsOf(answer);
    return Status::Ok();
  };
  auto hotel_of = [&](int64_t hotel_id, const HotelInfo** hotel) -> Status {
    ES_RETURN_IF_ERROR(im.EnsureFacts());
    auto it = im.hotels.find(hotel_id);
    if (it == im.hotels.end()) {
      return Status::Error("UNKNOWN_HOTEL", "no hotel with id " + std::to_string(hotel_id),
                           "{\"hotelId\":" + std::to_string(hotel_id) + "}");
    }
    *hotel = &it->second;
    return Status::Ok();
  };

  if (method == "checkRoomAvailability") {
    StayQuery q;
    ES_RETURN_IF_ERROR(ReadStay(args, &q));
    return stay_answer(q, out);
  }
  if (method == "getAllRoomAvailability") {
    int64_t hotel_id, rooms;
    Day ci, co;
    const HotelInfo* hotel;
    ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
    ES_RETURN_IF_ERROR(ReadRange(args, "checkIn", "checkOut", 100000, &ci, &co));
    ES_RETURN_IF_ERROR(ReadCount(args, "rooms", 1, 1, 10000, &rooms));
    ES_RETURN_IF_ERROR(hotel_of(hotel_id, &hotel));
    T tags{kAvailabilityDeps, hotel_id, 0, ci, co, 0};
    im.TodayBound(*hotel, &tags);
    std::string key = "all|" + std::to_string(hotel_id) + "|" + std::to_string(ci) + "|" + std::to_string(co) + "|" +
                      std::to_string(rooms);
    if (co - ci > hotel->max_nights) {
      return Status::Error("STAY_TOO_LONG", "a stay of " + std::to_string(co - ci) +
                                                " nights is over the hotel's maximum of " +
                                                std::to_string(hotel->max_nights));
    }
    // The whole answer is one entry (a repeat is one lookup); on a miss it is composed of
    // the per-room-type stay entries, so a change to one room type recomputes only that one.
    ES_RETURN_IF_ERROR(im.Cached(CacheNs::kAvailability, std::move(key), tags, out, [&](std::string* o) {
      JsonWriter w(o);
      w.BeginObject().Key("hotelId").Int(hotel_id);
      w.Key("checkIn").String(FormatDate(ci)).Key("checkOut").String(FormatDate(co));
      w.Key("nights").Int(co - ci).Key("rooms").Int(rooms).Key("results").BeginArray();
      std::string answer;
      for (int64_t id : hotel->room_type_ids) {
        answer.clear();
        ES_RETURN_IF_ERROR(stay_answer(StayQuery{id, ci, co, rooms}, &answer, false));
        w.Raw(answer);
      }
      w.EndArray().EndObject();
      return Status::Ok();
    }));
    im.AppendAsOf(out);
    return Status::Ok();
  }
  if (method == "batchCheckAvailability") {
    const json* list = Field(args, "queries");
    if (!list || !list->is_array()) return BadArg("queries", "must be an array");
    if (list->size() > 1000) return BadArg("queries", "at most 1000 queries per call");
    std::vector<StayQuery> qs(list->size());
    for (size_t i = 0; i < qs.size(); ++i) {
      Status s = ReadStay((*list)[i], &qs[i]);
      const RoomTypeInfo* rt;
      const HotelInfo* hotel;
      if (s.ok()) s = im.ValidateStay(qs[i], &rt, &hotel);
      if (!s.ok()) {
        return Status::Error(s.code(), "queries[" + std::to_string(i) + "]: " + s.message(),
                             "{\"index\":" + std::to_string(i) + "}");
      }
    }
    // The whole batch is one entry too (a repeat is one lookup), composed of the per-stay
    // entries; it may span hotels, so any change meeting its dates evicts it.
    T tags{kAvailabilityDeps, CacheTags::kAnyHotel, 0, 0, -1, 0};
    std::string key = "batch";
    for (size_t i = 0; i < qs.size(); ++i) {
      tags.from = i ? std::min(tags.from, qs[i].check_in) : qs[i].check_in;
      tags.to = i ? std::max(tags.to, qs[i].check_out) : qs[i].check_out;
      im.TodayBound(im.hotels[im.room_types[qs[i].room_type_id].hotel_id], &tags);
      key += "|" + std::to_string(qs[i].room_type_id) + "," + std::to_string(qs[i].check_in) + "," +
             std::to_string(qs[i].check_out) + "," + std::to_string(qs[i].rooms);
    }
    if (qs.empty()) {
      *out = "[]";
      return Status::Ok();
    }
    // Stored without asOf (added per answer below), like every availability entry.
    ES_RETURN_IF_ERROR(im.Cached(CacheNs::kAvailability, std::move(key), tags, out, [&](std::string* o) {
      o->push_back('[');
      std::string answer;
      for (size_t i = 0; i < qs.size(); ++i) {
        answer.clear();
        ES_RETURN_IF_ERROR(stay_answer(qs[i], &answer, false));
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
  if (method == "getCalendar") {
    int64_t hotel_id, days;
    Day from;
    const HotelInfo* hotel;
    ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
    ES_RETURN_IF_ERROR(ReadDay(args, "from", &from));
    const json* d = Field(args, "days");
    if (!d || !ReadInt(*d, &days)) return BadArg("days", "must be an integer");
    if (days < 1 || days > 366) {
      return Status::Error("INVALID_RANGE", "days must be from 1 to 366", "{\"field\":\"days\"}");
    }
    ES_RETURN_IF_ERROR(hotel_of(hotel_id, &hotel));
    // The grid has no "today"-dependent field, so it lives until a change or its TTL.
    T tags{kAvailabilityDeps, hotel_id, 0, from, from + static_cast<Day>(days) - 1, 0};
    std::string key = "cal|" + std::to_string(hotel_id) + "|" + std::to_string(from) + "|" + std::to_string(days);
    ES_RETURN_IF_ERROR(im.Cached(CacheNs::kAvailability, std::move(key), tags, out, [&](std::string* o) {
      // Composed of per-room-type blocks, each its own entry (as getAllRoomAvailability).
      JsonWriter w(o);
      w.BeginObject().Key("hotelId").Int(hotel_id).Key("from").String(FormatDate(from)).Key("days").Int(days);
      w.Key("dates").BeginArray();
      for (Day d = from; d < from + static_cast<Day>(days); ++d) w.String(FormatDate(d));
      w.EndArray().Key("roomTypes").BeginArray();
      std::string block;
      for (int64_t id : hotel->room_type_ids) {
        block.clear();
        T block_tags{kAvailabilityDeps, hotel_id, id, from, from + static_cast<Day>(days) - 1, 0};
        std::string block_key = "calrt|" + std::to_string(id) + "|" + std::to_string(from) + "|" + std::to_string(days);
        ES_RETURN_IF_ERROR(im.Cached(CacheNs::kAvailability, std::move(block_key), block_tags, &block,
                                     [&](std::string* b) { return im.CalendarBlock(id, from, days, b); }));
        w.Raw(block);
      }
      w.EndArray().EndObject();
      return Status::Ok();
    }));
    im.AppendAsOf(out);
    return Status::Ok();
  }
  if (method == "getRoomTypes") {
    int64_t hotel_id;
    const HotelInfo* hotel;
    ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
    ES_RETURN_IF_ERROR(hotel_of(hotel_id, &hotel));
    T tags{T::kRoomTypes | T::kHotel, hotel_id, 0, 0, -1, 0};
    return im.Cached(CacheNs::kRoomTypes, "rt|" + std::to_string(hotel_id), tags, out,
                     [&](std::string* o) { return im.RoomTypes(hotel_id, o); });
  }
  if (method == "getBookingRules") {
    int64_t hotel_id;
    const HotelInfo* hotel;
    ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
    ES_RETURN_IF_ERROR(hotel_of(hotel_id, &hotel));
    T tags{T::kHotel, hotel_id, 0, 0, -1, 0};
    return im.Cached(CacheNs::kBookingRules, "rules|" + std::to_string(hotel_id), tags, out,
                     [&](std::string* o) { return im.GetBookingRules(hotel_id, o); });
  }
  if (method == "getSpecialDays") {
    int64_t hotel_id;
    Day from, to;
    const HotelInfo* hotel;
    ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
    ES_RETURN_IF_ERROR(ReadRange(args, "from", "to", 1096, &from, &to));
    ES_RETURN_IF_ERROR(hotel_of(hotel_id, &hotel));
    T tags{T::kSpecialDays | T::kHotel, hotel_id, 0, from, to - 1, 0};
    std::string key = "sd|" + std::to_string(hotel_id) + "|" + std::to_string(from) + "|" + std::to_string(to);
    return im.Cached(CacheNs::kSpecialDays, std::move(key), tags, out,
                     [&](std::string* o) { return im.GetSpecialDays(hotel_id, from, to, o); });
  }
  if (method == "getUserBookingsWithRoomType") {
    int64_t user_id;
    ES_RETURN_IF_ERROR(ReadId(args, "userId", &user_id));
    std::vector<std::string> statuses;
    if (const json* st = Field(args, "status")) {
      static const char* kKnown[] = {"HELD", "PENDING_SYNC", "CONFIRMED", "REJECTED", "CANCELLED", "EXPIRED"};
      auto add = [&](const json& v) -> Status {
        bool ok = v.is_string();
        if (ok) {
          ok = false;
          for (const char* k : kKnown) ok = ok || v.get_ref<const std::string&>() == k;
        }
        if (!ok) return BadArg("status", "must be a booking status or an array of them");
        statuses.push_back(v.get<std::string>());
        return Status::Ok();
      };
      if (st->is_array()) {
        for (const json& v : *st) ES_RETURN_IF_ERROR(add(v));
        if (statuses.empty()) return BadArg("status", "must not be an empty array");
      } else {
        ES_RETURN_IF_ERROR(add(*st));
      }
    }
    bool include_payments = false;
    ES_RETURN_IF_ERROR(ReadBool(args, "includePayments", false, &include_payments));
    // Payments are sensitive: answers that include them are never cached.
    if (include_payments) return im.UserBookings(user_id, statuses, true, out);
    std::sort(statuses.begin(), statuses.end());
    statuses.erase(std::unique(statuses.begin(), statuses.end()), statuses.end());
    std::string key = "ub|" + std::to_string(user_id);
    for (const std::string& s : statuses) key += "|" + s;
    T tags{T::kUserBookings | T::kRoomTypes, 0, 0, 0, -1, user_id};
    return im.Cached(CacheNs::kUserBookings, std::move(key), tags, out,
                     [&](std::string* o) { return im.UserBookings(user_id, statuses, false, o); });
  }
  if (method == "getBookingStatistics" || method == "getOccupancyRate") {
    int64_t hotel_id;
    Day from, to;
    const HotelInfo* hotel;
    const bool occupancy = method == "getOccupancyRate";
    ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
    // Occupancy walks inventory night by night, so its range is bounded; statistics are
    // one indexed aggregate over bookings and accept any range.
    ES_RETURN_IF_ERROR(ReadRange(args, "from", "to", occupancy ? 1096 : 400000, &from, &to));
    ES_RETURN_IF_ERROR(hotel_of(hotel_id, &hotel));
    T tags{occupancy ? T::kInventory | T::kSpecialDays | T::kRoomTypes | T::kHotel : T::kBookingsByStart | T::kHotel,
           hotel_id, 0, from, to - 1, 0};
    std::string key = std::string(occupancy ? "occ|" : "stats|") + std::to_string(hotel_id) + "|" +
                      std::to_string(from) + "|" + std::to_string(to);
    return im.Cached(CacheNs::kReports, std::move(key), tags, out, [&](std::string* o) {
      return occupancy ? im.OccupancyRate(hotel_id, from, to, o) : im.BookingStatistics(hotel_id, from, to, o);
    });
  }
  if (method == "cacheStats") {
    *out = im.cache.StatsJson();
    return Status::Ok();
  }
  if (method == "clearCache") {
    im.cache.Clear();
    *out = "{}";
    return Status::Ok();
  }
  if (method == "configureCache") return ConfigureCache(im.cache, args, out);
  if (method == "asOf") {
    im.WriteAsOf(out);
    return Status::Ok();
  }
  if (method == "createBooking" || method == "joinWaitlist") {
    BookingRequest r;
    if (!args.is_object()) return BadArg("booking", "must be an object");
    ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &r.hotel_id));
    ES_RETURN_IF_ERROR(ReadId(args, "roomTypeId", &r.room_type_id));
    ES_RETURN_IF_ERROR(ReadId(args, "userId", &r.user_id));
    ES_RETURN_IF_ERROR(ReadRange(args, "checkIn", "checkOut", 100000, &r.check_in, &r.check_out));
    ES_RETURN_IF_ERROR(ReadCount(args, "rooms", 1, 1, 10000, &r.rooms));
    bool has_key = false;
    ES_RETURN_IF_ERROR(ReadKey(args, "idempotencyKey", &r.idempotency_key, &has_key));
    if (method == "joinWaitlist") return im.JoinWaitlist(r, out);
    ES_RETURN_IF_ERROR(ReadCount(args, "guests", r.rooms, 1, 100000, &r.guests));
    ES_RETURN_IF_ERROR(ReadBool(args, "hold", false, &r.hold));
    return im.CreateBooking(r, out);
  }
  if (method == "cancelBooking" || method == "confirmHold") {
    const json* v = Field(args, "bookingId");
    int64_t id = 0;
    if (!v || !ReadInt(*v, &id) || id == 0 || id > protocol::kMaxId || id < -protocol::kMaxId) {
      return BadArg("bookingId", "must be a non-zero integer booking id");
    }
    return method == "cancelBooking" ? im.CancelBooking(id, out) : im.ConfirmHold(id, out);
  }
  if (method == "pendingMutations") return im.PendingMutations(out);
  if (method == "applyPushResults") {
    const json* r = Field(args, "results");
    if (!r) return BadArg("results", "is required");
    return im.ApplyPushResults(r->dump(), out);
  }
  if (method == "getDueNotifications") {
    int64_t until = im.now_ms, limit;
    if (const json* v = Field(args, "until")) {
      if (!ReadInt(*v, &until)) return BadArg("until", "must be ms since the epoch");
    }
    ES_RETURN_IF_ERROR(ReadCount(args, "limit", 1000, 1, 100000, &limit));
    return im.DueNotifications(until, limit, out);
  }
  if (method == "markNotifications") {
    const json* ids = Field(args, "ids");
    if (!ids || !ids->is_array()) return BadArg("ids", "must be an array of notification ids");
    std::vector<int64_t> list;
    for (const json& v : *ids) {
      int64_t id;
      if (!ReadInt(v, &id)) return BadArg("ids", "must be an array of notification ids");
      list.push_back(id);
    }
    const json* st = Field(args, "status");
    const std::string status = st && st->is_string() ? st->get<std::string>() : "SENT";
    if (status != "SENT" && status != "FAILED" && status != "CANCELLED") {
      return BadArg("status", "must be SENT, FAILED or CANCELLED");
    }
    return im.MarkNotifications(list, status, out);
  }
  if (method == "explainQueries") return im.ExplainQueries(out);
  if (method == "rangeChecksums") return RangeChecksums(im, args_json, out);
  if (method == "repairRange") return RepairRange(*this, im, args_json, out);
  return Status::Error("INVALID_ARGUMENT", "unknown method " + std::string(method.substr(0, 60)));
}

}  // namespace edgestay
