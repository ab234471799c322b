// Argument parsing for Engine::Call: typed reads from the JSON arguments of a call,
// each failing with the error code docs/API.md gives for that kind of mistake.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "edgestay/date.h"
#include "edgestay/protocol/json_fields.h"
#include "edgestay/protocol/tables.h"
#include "edgestay/status.h"
#include "engine_impl.h"
#include "json_writer.h"
#include "stay_args.h"

namespace edgestay::args {

using json = nlohmann::json;

inline Status BadArg(const std::string& field, const std::string& problem) {
  return Status::Error("INVALID_ARGUMENT", field + ": " + problem, "{\"field\":" + JsonQuote(field) + "}");
}

// The JSON readers are the protocol layer's (one reader for the core and the server).
using protocol::ReadInt;

inline const json* Field(const json& args, const char* name) { return protocol::FieldOf(args, name); }

inline Status ReadId(const json& args, const char* name, int64_t* out) {
  const json* v = Field(args, name);
  if (!v) return BadArg(name, "is required");
  if (!ReadInt(*v, out) || *out < 1 || *out > protocol::kMaxId) return BadArg(name, "must be a positive integer id");
  return Status::Ok();
}

inline Status ReadCount(const json& args, const char* name, int64_t def, int64_t min, int64_t max, int64_t* out) {
  const json* v = Field(args, name);
  if (!v && args.is_object() && args.contains(name)) return BadArg(name, "must not be null");
  if (!v) {
    *out = def;
    return Status::Ok();
  }
  if (!ReadInt(*v, out) || *out < min || *out > max) {
    return BadArg(name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return Status::Ok();
}

inline Status ReadDay(const json& args, const char* name, Day* out) {
  const json* v = Field(args, name);
  if (!v || !v->is_string() || !ParseDate(v->get_ref<const std::string&>(), out)) {
    std::string shown = v ? v->dump() : "missing";
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    return Status::Error("INVALID_DATE", std::string(name) + ": " + shown + " is not a date YYYY-MM-DD",
                         "{\"field\":" + JsonQuote(name) + "}");
  }
  return Status::Ok();
}

inline Status ReadRange(const json& args, const char* from_name, const char* to_name, int64_t max_days, Day* from, Day* to) {
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

inline Status ReadStay(const json& args, StayQuery* q) {
  if (!args.is_object()) return BadArg("query", "must be an object");
  ES_RETURN_IF_ERROR(ReadId(args, "roomTypeId", &q->room_type_id));
  // 366 here only bounds the arithmetic; the hotel's max_nights rule is checked later.
  ES_RETURN_IF_ERROR(ReadRange(args, "checkIn", "checkOut", stay_args::kMaxDays, &q->check_in, &q->check_out));
  return ReadCount(args, "rooms", 1, 1, stay_args::kMaxRooms, &q->rooms);
}


inline Status ReadKey(const json& args, const char* name, std::string* out, bool* present) {
  const json* v = Field(args, name);
  *present = v != nullptr;
  if (!v) return Status::Ok();
  if (protocol::StrField(args, name, 1, 128, out) != protocol::Field::kOk) {
    return BadArg(name, "must be a string of 1 to 128 characters, without U+0000");
  }
  return Status::Ok();
}

inline Status ReadBool(const json& args, const char* name, bool def, bool* out) {
  const json* v = Field(args, name);
  if (!v) {
    *out = def;
    return Status::Ok();
  }
  if (!v->is_boolean()) return BadArg(name, "must be true or false");
  *out = v->get<bool>();
  return Status::Ok();
}

}  // namespace edgestay::args
