// The local "fits inside a lease" rule (sync/FORMAT.md §9): which of a node's leases, if
// any, lets a booking be CONFIRMED on the node at once, without asking the centre.
// Pure (no database), so a brute-force model can check it on random leases and uses.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "edgestay/date.h"

namespace edgestay {

// A lease the centre granted this node: `rooms` units of a room type on every night of
// [from, to), usable until expires_at (the centre's clock, ms).
struct LocalLease {
  int64_t id = 0;
  int64_t room_type_id = 0;
  Day from = 0, to = 0;
  int64_t rooms = 0;
  int64_t expires_at = 0;
};

// Units a local booking took from a lease. They stay taken after a cancel, as on the
// centre (the cancelled booking's rooms go back to general inventory there).
struct LeaseUse {
  int64_t lease_id = 0;
  Day from = 0, to = 0;
  int64_t rooms = 0;
};

// The lease a stay of `rooms` rooms of `room_type_id` over [check_in, check_out) fits in,
// or 0: same room type, every night inside the lease, `rooms` units left on every night,
// and now_ms < expires_at − skew_ms (the node's clock may run behind the centre's by up
// to skew_ms). Of several that fit, the one expiring first (then the lowest id): its
// units would lapse soonest.
inline int64_t FittingLease(const std::vector<LocalLease>& leases, const std::vector<LeaseUse>& uses,
                            int64_t room_type_id, Day check_in, Day check_out, int64_t rooms, int64_t now_ms,
                            int64_t skew_ms) {
  const LocalLease* best = nullptr;
  std::vector<int64_t> used;
  for (const LocalLease& l : leases) {
    if (l.room_type_id != room_type_id || check_in < l.from || check_out > l.to || check_in >= check_out) continue;
    if (now_ms >= l.expires_at - skew_ms || rooms < 1 || rooms > l.rooms) continue;
    // Units taken per night of the stay, from this lease's uses that overlap it.
    used.assign(static_cast<size_t>(check_out - check_in), 0);
    for (const LeaseUse& u : uses) {
      if (u.lease_id != l.id) continue;
      const Day a = std::max(u.from, check_in), b = std::min(u.to, check_out);
      for (Day d = a; d < b; ++d) used[static_cast<size_t>(d - check_in)] += u.rooms;
    }
    if (l.rooms - *std::max_element(used.begin(), used.end()) < rooms) continue;
    if (!best || l.expires_at < best->expires_at || (l.expires_at == best->expires_at && l.id < best->id)) best = &l;
  }
  return best ? best->id : 0;
}

}  // namespace edgestay
