// A fast reader for the argument text of the stay questions (checkRoomAvailability,
// batchCheckAvailability), which the general JSON parse made ~40% of their core time.
//
// It accepts only the plain form the JS wrapper sends — {"roomTypeId":n,"checkIn":"date",
// "checkOut":"date","rooms":n} with rooms optional, and {"nightly":b,"queries":[...]} —
// with values that pass every rule of args::ReadStay (the bounds below are the ones
// ReadStay uses; dates go through the one ParseDate). Anything else (other keys, escapes,
// signs, fractions, null, a duplicate key, a value out of range) returns false, and the
// caller takes the general path, which decides and words the error. So the fast path can
// only ever be stricter than the general one, never laxer.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine_impl.h"

namespace edgestay::stay_args {

inline constexpr int64_t kMaxRooms = 10000;    // rooms of one stay query
inline constexpr int64_t kMaxDays = 100000;    // bounds the arithmetic; max_nights is the hotel's rule

bool Stay(std::string_view text, StayQuery* q);
bool StayList(std::string_view text, bool* nightly, std::vector<StayQuery>* qs);

}  // namespace edgestay::stay_args
