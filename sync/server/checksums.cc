// Range checksums and repair on the centre (see checksums.h). Both read one consistent
// snapshot (a read transaction) and report the hotel's cursor of that snapshot, so an
// engine at the same cursor must hold exactly these rows.
#include "checksums.h"

#include <map>
#include <vector>

#include "protocol_names.h"
#include "row_access.h"
#include "edgestay/protocol/range_checksum.h"
#include "sql_store.h"

namespace edgestay::server {
namespace {

namespace pc = edgestay::protocol;

constexpr int64_t kMaxMonths = pc::kMaxChecksumMonths;

using pc::MonthOfDate;
using pc::MonthStart;
using pc::MonthText;
using pc::ParseMonth;

template <size_t N>
std::string SelectList(const pc::ChecksumColumn (&cols)[N], const char* first_override = nullptr) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i) out += ", ";
    out += (i == 0 && first_override) ? first_override : cols[i].name;
  }
  return out;
}

template <size_t N>
uint64_t HashRow(const char* table, const pc::ChecksumColumn (&cols)[N],
                 const std::vector<Cell>& row) {
  pc::RowHasher h(table);
  for (size_t i = 0; i < N; ++i) {
    if (row[i].null) h.Null();
    else if (cols[i].is_int) h.Int(row[i].Int());
    else h.Text(row[i].text);
  }
  return h.value();
}

// Inventory and visible booking rows of [from_month, to_month) of the hotel's room types
// (or one room type), in `cols` order when `full` is false, in FORMAT.md order when true.
struct RangeRows {
  Result inventory;
  Result bookings;
};

Status ReadRows(Conn& c, int64_t hotel_id, const Principal& who, int64_t room_type_id,
                int64_t from_month, int64_t to_month, bool full, RangeRows* out) {
  const std::string from = MonthStart(from_month), to = MonthStart(to_month);
  std::string inv_cols = full ? Table(TableId::kRoomInventory).column_list
                              : SelectList(pc::kInventoryChecksumColumns);
  Params p = {hotel_id, from, to};
  std::string rt_filter = " AND room_type_id IN (SELECT id FROM room_types WHERE hotel_id = $1)";
  if (room_type_id > 0) {
    p.emplace_back(room_type_id);
    rt_filter += " AND room_type_id = $4";
  }
  Status s = c.Query("SELECT " + inv_cols + " FROM room_inventory WHERE date >= $2 AND date < $3" +
                         rt_filter + " ORDER BY room_type_id, date",
                     p, &out->inventory);
  if (!s.ok()) return s;
  const RowAccess vis = AccessTo(who, Table(TableId::kBookings).audience);
  if (vis == RowAccess::kNone) return Status::Ok();
  std::string bk_cols = full ? Table(TableId::kBookings).column_list
                             : SelectList(pc::kBookingChecksumColumns);
  std::string sql = "SELECT " + bk_cols +
                    " FROM bookings WHERE hotel_id = $1 AND start_date >= $2 AND start_date < $3";
  if (room_type_id > 0) sql += " AND room_type_id = $4";
  if (vis == RowAccess::kUser) {
    p.emplace_back(*who.user_id);
    sql += " AND user_id = $" + std::to_string(p.size());
  }
  return c.Query(sql + " ORDER BY id", p, &out->bookings);
}

Status HotelCursor(Conn& c, int64_t hotel_id, int64_t* cursor) {
  Result r;
  Status s = c.Query("SELECT last_seq FROM change_seq WHERE hotel_id = $1", {hotel_id}, &r);
  if (!s.ok()) return s;
  if (r.empty()) return Status::Error("UNKNOWN_HOTEL", "no such hotel");
  *cursor = r.at(0, 0).Int();
  return Status::Ok();
}

Backend* BackendOf(Store& store) {
  auto* sql = dynamic_cast<SqlStore*>(&store);
  return sql ? &sql->backend() : nullptr;
}

}  // namespace

Status RangeChecksums(Store& store, int64_t hotel_id, const Principal& who,
                      const std::string& from, const std::string& to, std::string* out) {
  Day from_day = 0, to_day = 0;
  if (!ParseDate(from, &from_day) || !ParseDate(to, &to_day))
    return Status::Error("INVALID_RANGE", "from and to must be dates YYYY-MM-DD");
  if (to_day <= from_day) return Status::Error("INVALID_RANGE", "to must be after from");
  const int64_t first = MonthOfDate(from), last = MonthOfDate(FormatDate(to_day - 1));
  if (last - first + 1 > kMaxMonths)
    return Status::Error("INVALID_RANGE", "at most " + std::to_string(kMaxMonths) + " months");
  Backend* backend = BackendOf(store);
  if (!backend) return Status::Error("INTERNAL", "checksums need a SQL store");

  int64_t cursor = 0;
  std::vector<int64_t> room_types;
  std::map<std::pair<int64_t, int64_t>, pc::RangeSum> sums;
  Status s = WithTx(*backend, TxKind::kRead, [&](Conn& c) -> Status {
    room_types.clear();
    sums.clear();
    Status st = HotelCursor(c, hotel_id, &cursor);
    if (!st.ok()) return st;
    Result rts;
    st = c.Query("SELECT id FROM room_types WHERE hotel_id = $1 ORDER BY id", {hotel_id}, &rts);
    if (!st.ok()) return st;
    for (const auto& row : rts.rows) room_types.push_back(row[0].Int());
    RangeRows rows;
    st = ReadRows(c, hotel_id, who, 0, first, last + 1, false, &rows);
    if (!st.ok()) return st;
    for (const auto& row : rows.inventory.rows)
      sums[{row[0].Int(), MonthOfDate(row[1].text)}].Add(
          HashRow("room_inventory", pc::kInventoryChecksumColumns, row));
    for (const auto& row : rows.bookings.rows)
      sums[{row[3].Int(), MonthOfDate(row[5].text)}].Add(
          HashRow("bookings", pc::kBookingChecksumColumns, row));
    return Status::Ok();
  });
  if (!s.ok()) return s;

  json ranges = json::array();
  for (int64_t rt : room_types) {
    for (int64_t m = first; m <= last; ++m) {
      const pc::RangeSum& sum = sums[{rt, m}];
      ranges.push_back({{"roomTypeId", rt}, {"month", MonthText(m)}, {"count", sum.count},
                        {"hash", sum.Hex()}});
    }
  }
  json body = {{"format", "edgestay.checksums/1"}, {"algorithm", pc::kChecksumAlgorithm},
               {"cursor", std::to_string(cursor)}, {"syncedAt", NowMs()},
               {"from", MonthText(first)},      {"to", MonthText(last)},
               {"ranges", std::move(ranges)}};
  *out = body.dump();
  return Status::Ok();
}

Status RepairRange(Store& store, int64_t hotel_id, const Principal& who, int64_t room_type_id,
                   const std::string& month_text, std::string* out) {
  int64_t month = 0;
  if (!ParseMonth(month_text, &month))
    return Status::Error("INVALID_RANGE", "the range's month must be YYYY-MM");
  Backend* backend = BackendOf(store);
  if (!backend) return Status::Error("INTERNAL", "repair needs a SQL store");
  int64_t cursor = 0;
  RangeRows rows;
  Status s = WithTx(*backend, TxKind::kRead, [&](Conn& c) -> Status {
    Status st = HotelCursor(c, hotel_id, &cursor);
    if (!st.ok()) return st;
    Result rt;
    st = c.Query("SELECT 1 FROM room_types WHERE id = $1 AND hotel_id = $2", {room_type_id, hotel_id},
                 &rt);
    if (!st.ok()) return st;
    if (rt.empty()) return Status::Error("UNKNOWN_ROOM_TYPE", "no such room type in this hotel");
    rows = RangeRows{};
    return ReadRows(c, hotel_id, who, room_type_id, month, month + 1, true, &rows);
  });
  if (!s.ok()) return s;

  // The range's own checksum, from the FORMAT.md rows (checksum columns picked by name).
  pc::RangeSum sum;
  auto add = [&](const TableSpec& t, const auto& cols, const std::vector<Cell>& row) {
    pc::RowHasher h(t.name);
    for (const auto& col : cols) {
      size_t i = 0;
      while (i < t.columns.size() && std::string_view(t.columns[i].name) != col.name) ++i;
      const Cell& cell = row[i];
      if (cell.null) h.Null();
      else if (col.is_int) h.Int(cell.Int());
      else h.Text(cell.text);
    }
    sum.Add(h.value());
  };
  std::string changes = "[";
  auto emit = [&](const TableSpec& t, const Result& r, const auto& cols) -> Status {
    if (r.empty()) return Status::Ok();
    if (changes.size() > 1) changes += ",";
    changes += "{\"op\":\"upsert\",\"table\":\"" + std::string(t.name) + "\",\"columns\":" +
               t.columns_json + ",\"rows\":[";
    for (size_t i = 0; i < r.size(); ++i) {
      if (i) changes += ",";
      std::string problem;
      const auto values = ValuesOf(t, r.rows[i], &problem);
      if (!problem.empty()) return Status::Error(kDbError, std::string(t.name) + " row: " + problem);
      changes += protocol::EncodeRowArray(t, values.data());
      add(t, cols, r.rows[i]);
    }
    changes += "]}";
    return Status::Ok();
  };
  s = emit(Table(TableId::kRoomInventory), rows.inventory, pc::kInventoryChecksumColumns);
  if (s.ok()) s = emit(Table(TableId::kBookings), rows.bookings, pc::kBookingChecksumColumns);
  if (!s.ok()) return s;
  changes += "]";

  const std::string c = std::to_string(cursor);
  json range = {{"roomTypeId", room_type_id}, {"month", MonthText(month)}, {"count", sum.count},
                {"hash", sum.Hex()}};
  *out = "{\"format\":\"edgestay.changes/1\",\"since\":\"" + c + "\",\"cursor\":\"" + c +
         "\",\"syncedAt\":" + std::to_string(NowMs()) + ",\"range\":" + range.dump() +
         ",\"changes\":" + changes + "}";
  return Status::Ok();
}

}  // namespace edgestay::server
