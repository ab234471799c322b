// Range checksums and repair on the centre (sync/FORMAT.md §6, docs/SERVER.md): what a
// token's scope may see of one hotel, summed per (room type, month), and the current rows
// of one such range as a change batch an engine applies to repair it.
#pragma once

#include <cstdint>
#include <string>

#include "store.h"

namespace edgestay::server {

// GET /v1/hotels/{h}/checksums?from=D&to=D: every (room type, month) meeting [from, to).
Status RangeChecksums(Store& store, int64_t hotel_id, const Principal& who,
                      const std::string& from, const std::string& to, std::string* out);

// GET /v1/hotels/{h}/checksums/{roomTypeId}/{YYYY-MM}: that range's rows at one cursor.
Status RepairRange(Store& store, int64_t hotel_id, const Principal& who, int64_t room_type_id,
                   const std::string& month, std::string* out);

}  // namespace edgestay::server
