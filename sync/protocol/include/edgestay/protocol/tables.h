// The replicated tables as the wire format sees them (sync/FORMAT.md §1): the one
// table/column list of edgestay, and the one row validation.
//
// One description serves every job: validating rows of a change batch on an edge,
// validating every row edgestay-server commits (so the centre never stores a row an edge
// would refuse), generating the upsert/delete SQL for them, writing them out (server
// pulls), and checking the three schemas (core, server SQLite, server PostgreSQL) against
// it. Column order here is the column order of the SQLite schema and of the pull format.
// Invariant: every key column and every column without a default is `required` on insert.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgestay/status.h"

namespace edgestay::protocol {

enum class ColType {
  kId,      // integer 1..2^53-1
  kInt,     // integer within [min, max]
  kBool,    // 0/1 or true/false
  kText,    // string of min..max bytes, never containing U+0000
  kDate,    // "YYYY-MM-DD" within edgestay/date.h's years
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

  // Stored and sent as a JSON number / SQL integer (otherwise as a string / SQL text).
  bool IsInteger() const {
    return type == ColType::kId || type == ColType::kInt || type == ColType::kBool || type == ColType::kMillis;
  }
  // Whether integer `i` is a value of this column: the whole check of an id, an integer or
  // a time (CheckValue's; a decoder's fast path for a load's integers asks it first).
  bool TakesInteger(int64_t i) const {
    return (type == ColType::kId || type == ColType::kInt || type == ColType::kMillis) && i >= min && i <= max;
  }
};

// The tables in dependency order (a table only references earlier ones).
enum class TableId { kHotels, kRoomTypes, kRoomInventory, kBookingRules, kSpecialDays, kBookings, kWaitlist,
                     kPayments, kNotifications };

// Who may receive a table's rows (partial replication, FORMAT.md §5.1).
enum class Audience : int {
  kPublic = 0,   // hotels, room types, inventory, rules, special days: every scope
  kGuest = 1,    // bookings, waitlist: book/admin; a user-bound token only its user's rows
  kPayment = 2,  // payments: book/admin, never read
  kAdmin = 3,    // notifications: admin only
};

struct TableSpec {
  TableId id;
  const char* name;
  std::vector<ColumnSpec> columns;
  std::vector<int> key;  // indexes into columns
  Audience audience;
  int user_column;           // index of user_id for kGuest tables, else -1
  std::string column_list;   // "id, hotel_id, …" (SELECT / RETURNING lists)
  std::string columns_json;  // ["id","hotel_id",…]
  std::vector<int> by_name;  // column indexes in the order of their names (std::string's <)

  int ColumnIndex(std::string_view column) const;
};

// All replicated tables, in TableId order.
const std::vector<TableSpec>& Tables();
const TableSpec& Table(TableId id);
const TableSpec* FindTable(std::string_view name);
// A column of a table (it must exist: a programming error aborts).
const ColumnSpec& Column(TableId table, std::string_view column);

constexpr int64_t kMaxId = (int64_t{1} << 53) - 1;

// One cell of a row, typed.
struct Value {
  enum Kind { kAbsent, kNull, kInt, kText } kind = kAbsent;
  int64_t i = 0;
  std::string_view s;  // points into the caller's text; valid while the row is in use
};

// Where a row sits in a batch, for error messages: changes[change].rows[row]. A negative
// `change` means a row outside any batch (a row the server is about to commit).
struct RowPosition {
  int change = 0;
  int row = -1;  // -1 for the single-row forms (`row`, `key`)
};

// The error every row-level problem produces, e.g.
// INVALID_ROW "changes[3].rows[12].available: must be <= total (8)".
Status RowError(std::string code, const RowPosition& pos, std::string_view field, std::string_view problem);

// The checks of one present value against its column: null allowed, range, length, NUL,
// date, enum. The edge's decoder runs it on every value it reads.
Status CheckValue(const ColumnSpec& col, const Value& v, const RowPosition& pos);
// The checks that involve a whole row: key columns present, available <= total,
// end_date > start_date, a booking rule's value within that rule's range.
Status CheckRow(const TableSpec& table, const Value* values, const RowPosition& pos);
// Both, over a row of table.columns.size() values: what an edge would accept.
Status ValidateRow(const TableSpec& table, const Value* values, const RowPosition& pos = {-1, -1});

// Wire encoding of a row: a JSON array in column order (absent = null), and a key object.
std::string EncodeRowArray(const TableSpec& table, const Value* values);
std::string EncodeKeyObject(const TableSpec& table, const Value* values);

// A database's declared columns of one table (name, SQL type as the database reports it),
// checked against the list: every listed column must exist with a compatible type (an
// integer type for integer columns; a text type for strings; a text or DATE type for
// dates), and every other column must be one of `private_columns` (kept by that store for
// itself, never replicated). Returns one sentence per problem; empty when compatible.
struct DeclaredColumn {
  std::string name;
  std::string type;
};
std::vector<std::string> CheckTableSchema(const TableSpec& table, const std::vector<DeclaredColumn>& declared,
                                          const std::vector<std::string>& private_columns = {});

}  // namespace edgestay::protocol
