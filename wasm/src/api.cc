// Engine::Call: the JSON face of the engine. Parses and checks arguments (typed errors
// of docs/API.md), then hands typed values to the query modules.
#include <nlohmann/json.hpp>

#include "engine_impl.h"
#include "json_writer.h"

namespace edgestay {
namespace {

using json = nlohmann::json;

Status BadArg(const std::string& field, const std::string& problem) {
  return Status::Error("INVALID_ARGUMENT", field + ": " + problem, "{\"field\":" + JsonQuote(field) + "}");
}

bool ReadInt(const json& v, int64_t* out) {
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return true;
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
    *out = static_cast<int64_t>(v.get<uint64_t>());
    return true;
  }
  return false;
}

const json* Field(const json& args, const char* name) {
  if (!args.is_object()) return nullptr;
  auto it = args.find(name);
  return it == args.end() || it->is_null() ? nullptr : &*it;
}

Status ReadId(const json& args, const char* name, int64_t* out) {
  const json* v = Field(args, name);
  if (!v) return BadArg(name, "is required");
  if (!ReadInt(*v, out) || *out < 1 || *out > protocol::kMaxId) return BadArg(name, "must be a positive integer id");
  return Status::Ok();
}

Status ReadCount(const json& args, const char* name, int64_t def, int64_t min, int64_t max, int64_t* out) {
  const json* v = Field(args, name);
  if (!v) {
    *out = def;
    return Status::Ok();
  }
  if (!ReadInt(*v, out) || *out < min || *out > max) {
    return BadArg(name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return Status::Ok();
}

Status ReadDay(const json& args, const char* name, Day* out) {
  const json* v = Field(args, name);
  if (!v || !v->is_string() || !ParseDate(v->get_ref<const std::string&>(), out)) {
    std::string shown = v ? v->dump() : "missing";
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    return Status::Error("INVALID_DATE", std::string(name) + ": " + shown + " is not a date YYYY-MM-DD",
                         "{\"field\":" + JsonQuote(name) + "}");
  }
  return Status::Ok();
}

Status ReadRange(const json& args, const char* from_name, const char* to_name, int64_t max_days, Day* from, Day* to) {
  ES_RETURN_IF_ERROR(ReadDay(args, from_name, from));
  ES_RETURN_IF_ERROR(ReadDay(args, to_name, to));
  if (*to <= *from) {
    return Status::Error("INVALID_RANGE", std::string(to_name) + " must be after " + from_name,
                         "{\"field\":" + JsonQuote(to_name) + "}");
  }
  if (*to - *from > max_days) {
    return Status::Error("INVALID_RANGE", "the range is longer than " + std::to_string(max_days) + " days",
                         "{\"field\":" + JsonQuote(to_name) + "}");
  }
  return Status::Ok();
}

Status ReadStay(const json& args, StayQuery* q) {
  if (!args.is_object()) return BadArg("query", "must be an object");
  ES_RETURN_IF_ERROR(ReadId(args, "roomTypeId", &q->room_type_id));
  // 366 here only bounds the arithmetic; the hotel's max_nights rule is checked later.
  ES_RETURN_IF_ERROR(ReadRange(args, "checkIn", "checkOut", 100000, &q->check_in, &q->check_out));
  return ReadCount(args, "rooms", 1, 1, 10000, &q->rooms);
}

}  // namespace

Status Engine::Call(std::string_view method, std::string_view args_json, std::string* out) {
  Impl& im = *impl_;
  if (im.in_batch) return Status::Error("INVALID_ARGUMENT", "a change batch is open");
  json args = json::parse(args_json.begin(), args_json.end(), nullptr, false);
  if (args.is_discarded()) return Status::Error("INVALID_ARGUMENT", "the arguments are not valid JSON");
  out->clear();

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
    ES_RETURN_IF_ERROR(ReadRange(args, "from", "to", 1096, &from, &to));
    return method == "getOccupancyRate" ? im.OccupancyRate(hotel_id, from, to, out)
                                        : im.BookingStatistics(hotel_id, from, to, out);
  }
  if (method == "explainQueries") return im.ExplainQueries(out);
  return Status::Error("INVALID_ARGUMENT", "unknown method " + std::string(method.substr(0, 60)));
}

}  // namespace edgestay
