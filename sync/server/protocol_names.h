// The protocol layer's names (sync/protocol) as the server code uses them, unqualified,
// plus the server's clock. The protocol layer is the one definition of all of these.
#pragma once

#include <chrono>
#include <cstdint>

#include "edgestay/date.h"
#include "edgestay/protocol/json_fields.h"
#include "edgestay/protocol/json_text.h"
#include "edgestay/protocol/tables.h"
#include "edgestay/status.h"
#include "edgestay/stay_rules.h"

namespace edgestay::server {

using ::edgestay::Status;
using protocol::AppendJsonString;
using protocol::BoolField;
using protocol::DateField;
using protocol::Dump;
using protocol::Field;
using protocol::FindTable;
using protocol::IdField;
using protocol::IntField;
using protocol::kMaxSafeInt;
using protocol::StrField;
using protocol::Table;
using protocol::TableId;
using protocol::TableSpec;

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace edgestay::server
