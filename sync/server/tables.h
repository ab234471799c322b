// The replicated tables as the change log records them: FORMAT.md §1 column names and
// order, which columns are integers, and who may see the rows (partial replication).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db.h"

namespace edgestay::server {

// Visibility class of a change-log entry. Which classes a token sees is decided in one
// place (VisibilityFilter in store.cc) from its scope and optional bound user.
enum class Vis : int {
  kPublic = 0,   // hotels, room types, inventory, rules, special days: every scope
  kGuest = 1,    // bookings, waitlist: book/admin; a `read` token only its bound user's
  kPayment = 2,  // payments: book/admin, never read
  kAdmin = 3,    // notifications: admin only
};

enum class TableId {
  kHotels,
  kRoomTypes,
  kRoomInventory,
  kBookingRules,
  kSpecialDays,
  kBookings,
  kWaitlist,
  kPayments,
  kNotifications,
};

struct ColumnDef {
  const char* name;
  bool is_int;  // JSON number; otherwise JSON string (both may be null)
};

struct TableDef {
  TableId id;
  const char* name;
  std::vector<ColumnDef> columns;  // FORMAT.md order
  std::vector<int> key;            // indexes into columns
  Vis vis;
  int user_column;                 // index of user_id for kGuest tables, else -1
  std::string column_list;         // "id, hotel_id, …" for SELECT / RETURNING
  std::string columns_json;        // ["id","hotel_id",…]
};

const TableDef& Table(TableId id);
const TableDef* FindTable(std::string_view name);

// The row (cells in FORMAT.md column order) as a JSON array text: [1,"Harbour",…].
std::string RowArrayJson(const TableDef& t, const std::vector<Cell>& row);
// The row's primary key as a JSON object text: {"hotel_id":1,"date":"2026-12-24"}.
std::string KeyJson(const TableDef& t, const std::vector<Cell>& row);
// JSON string literal (quotes included) for UTF-8 text.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace edgestay::server
