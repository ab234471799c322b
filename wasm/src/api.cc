// Engine::Call: the JSON face of the engine. Parses and checks arguments (typed errors
// of docs/API.md), then hands typed values to the query modules.
#include "args.h"

namespace edgestay {

using json = nlohmann::json;
using namespace args;  // NOLINT: the parsing vocabulary of this file

Status Engine::Call(std::string_view method, std::string_view args_json, std::string* out) {
  Impl& im = *impl_;
  if (im.in_batch) return Status::Error("INVALID_ARGUMENT", "a change batch is open");
  json args = json::parse(args_json.begin(), args_json.end(), nullptr, false);
  if (args.is_discarded()) return Status::Error("INVALID_ARGUMENT", "the arguments are not valid JSON");
  out->clear();
  // Holds whose time is up become EXPIRED before anything reads or writes.
  ES_RETURN_IF_ERROR(im.ExpireHolds());

  if (method == "checkRoomAvailability") {
    StayQuery q;
    ES_RETURN_IF_ERROR(ReadStay(args, &q));
    return im.CheckAvailability(q, out);
  }
  if (method == "getAllRoomAvailability") {
    int64_t hotel_id, rooms;
    Day ci, co;
    ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
    ES_RETURN_IF_ERROR(ReadRange(args, "checkIn", "checkOut", 100000, &ci, &co));
    ES_RETURN_IF_ERROR(ReadCount(args, "rooms", 1, 1, 10000, &rooms));
    return im.AllRoomAvailability(hotel_id, ci, co, rooms, out);
  }
  if (method == "batchCheckAvailability") {
    const json* list = Field(args, "queries");
    if (!list || !list->is_array()) return BadArg("queries", "must be an array");
    if (list->size() > 1000) return BadArg("queries", "at most 1000 queries per call");
    std::vector<StayQuery> qs(list->size());
    for (size_t i = 0; i < qs.size(); ++i) {
      Status s = ReadStay((*list)[i], &qs[i]);
      if (!s.ok()) {
        return Status::Error(s.code(), "queries[" + std::to_string(i) + "]: " + s.message(),
                             "{\"index\":" + std::to_string(i) + "}");
      }
    }
    return im.BatchCheck(qs, out);
  }
  if (method == "getCalendar") {
    int64_t hotel_id, days;
    Day from;
    ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
    ES_RETURN_IF_ERROR(ReadDay(args, "from", &from));
    const json* d = Field(args, "days");
    if (!d || !ReadInt(*d, &days)) return BadArg("days", "must be an integer");
    if (days < 1 || days > 366) {
      return Status::Error("INVALID_RANGE", "days must be from 1 to 366", "{\"field\":\"days\"}");
    }
    return im.Calendar(hotel_id, from, days, out);
  }
  if (method == "getRoomTypes") {
    int64_t hotel_id;
    ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
    return im.RoomTypes(hotel_id, out);
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
    if (const json* p = Field(args, "includePayments")) {
      if (!p->is_boolean()) return BadArg("includePayments", "must be true or false");
      include_payments = p->get<bool>();
    }
    return im.UserBookings(user_id, statuses, include_payments, out);
  }
  if (method == "getBookingStatistics" || method == "getOccupancyRate") {
    int64_t hotel_id;
    Day from, to;
    ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
    // Occupancy walks inventory night by night, so its range is bounded; statistics are
    // one indexed aggregate over bookings and accept any range.
    ES_RETURN_IF_ERROR(ReadRange(args, "from", "to", method == "getOccupancyRate" ? 1096 : 400000, &from, &to));
    return method == "getOccupancyRate" ? im.OccupancyRate(hotel_id, from, to, out)
                                        : im.BookingStatistics(hotel_id, from, to, out);
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
  return Status::Error("INVALID_ARGUMENT", "unknown method " + std::string(method.substr(0, 60)));
}

}  // namespace edgestay
