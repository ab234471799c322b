// The replicated tables as the wire format sees them (sync/FORMAT.md §1).
//
// One description serves three jobs: validating rows of a change batch, generating the
// upsert/delete SQL for them, and writing them back out (server pulls, tests). Column
// order here is the column order of the SQLite schema. Invariant: every key column and
// every column without a default is `required` on insert.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace edgestay::protocol {

enum class ColType {
  kId,      // integer 1..2^53-1
  kInt,     // integer within [min, max]
  kBool,    // 0/1 or true/false
  kText,    // non-empty string, at most max_len bytes
  kDate,    // "YYYY-MM-DD"
  kMillis,  // integer ms since epoch, >= 0
  kEnum,    // one of enum_values
};

struct ColumnSpec {
  const char* name;
  ColType type;
  bool nullable = false;
  bool has_default = false;  // false and !nullable => required on insert
  int64_t min = 0;
  int64_t max = 0;
  std::vector<const char*> enum_values = {};
  const char* ref_table = nullptr;  // foreign key (to that table's `id`, or hotels.id)
};

struct TableSpec {
  const char* name;
  std::vector<ColumnSpec> columns;
  std::vector<int> key;  // indexes into columns

  int ColumnIndex(std::string_view column) const;
};

// All replicated tables, in dependency order (a table only references earlier ones).
const std::vector<TableSpec>& Tables();
const TableSpec* FindTable(std::string_view name);

constexpr int64_t kMaxId = (int64_t{1} << 53) - 1;

// Booking rule keys and their defaults when a hotel has no row for them.
struct RuleDefault {
  const char* key;
  int64_t value;
};
const std::vector<RuleDefault>& BookingRuleDefaults();

}  // namespace edgestay::protocol
