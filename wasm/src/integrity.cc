// Range checksums and range repair in the engine (sync/FORMAT.md §6): the same per
// (room type, month) sums the centre answers, over the rows this engine replicated, and the
// replacement of one range by the centre's rows for it, in one transaction.
#include <map>
#include <vector>

#include "args.h"
#include "edgestay/protocol/range_checksum.h"

namespace edgestay {
namespace {

namespace pc = protocol;
using json = protocol::json::JsonValue;
using namespace args;  // NOLINT: the parsing vocabulary

using pc::MonthOfDate;
using pc::MonthOfDay;
using pc::MonthStart;
using pc::MonthText;

template <size_t N>
uint64_t HashRow(const char* table, const pc::ChecksumColumn (&cols)[N], const Stmt& s) {
  pc::RowHasher h(table);
  for (size_t i = 0; i < N; ++i) {
    const int c = static_cast<int>(i);
    if (s.IsNull(c)) h.Null();
    else if (cols[i].is_int) h.Int(s.Int(c));
    else h.Text(s.Text(c));
  }
  return h.value();
}

}  // namespace

// rangeChecksums({ hotelId, from, to }): every (room type, month) meeting [from, to).
Status RangeChecksums(Engine::Impl& im, const json& args, std::string* out) {
  int64_t hotel_id = 0;
  Day from, to;
  ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
  ES_RETURN_IF_ERROR(ReadRange(args, "from", "to", 37 * 31, &from, &to));
  const HotelInfo* hotel = nullptr;
  ES_RETURN_IF_ERROR(im.FindHotel(hotel_id, &hotel));
  const int64_t first = MonthOfDay(from), last = MonthOfDay(to - 1);
  const std::string lo = MonthStart(first), hi = MonthStart(last + 1);
  std::map<std::pair<int64_t, int64_t>, pc::RangeSum> sums;

  // Adds every row of `sql` (bound to hotel, lo, hi) to the sum of its (room type, month);
  // the columns named by `rt_col`/`date_col` place it, `columns` is what is hashed.
  auto add_rows = [&](const char* sql, const char* table, const auto& columns, int rt_col,
                      int date_col) -> Status {
    Stmt* st;
    ES_RETURN_IF_ERROR(im.Prepared(sql, &st));
    StmtScope s(*st);
    s->BindInt(1, hotel_id);
    s->BindText(2, lo);
    s->BindText(3, hi);
    int rc;
    while ((rc = s->Step()) == SQLITE_ROW) {
      sums[{s->Int(rt_col), MonthOfDate(s->Text(date_col))}].Add(HashRow(table, columns, *s));
    }
    if (rc != SQLITE_DONE) return SqliteError(im.db, "range checksums");
    return Status::Ok();
  };
  ES_RETURN_IF_ERROR(add_rows(
      "SELECT room_type_id, date, total, available, price_cents, min_stay, max_stay, closed_to_arrival,"
      " closed_to_departure, stop_sell FROM room_inventory"
      " WHERE room_type_id IN (SELECT id FROM room_types WHERE hotel_id = ?1) AND date >= ?2 AND date < ?3",
      "room_inventory", pc::kInventoryChecksumColumns, 0, 1));
  // Bookings the centre knows: its own rows and this engine's once accepted (server_id).
  ES_RETURN_IF_ERROR(add_rows(
      "SELECT COALESCE(server_id, id), hotel_id, user_id, room_type_id, status, start_date, end_date, rooms,"
      " guests, total_cents, created_at, updated_at, hold_expires_at, idempotency_key FROM bookings"
      " WHERE hotel_id = ?1 AND start_date >= ?2 AND start_date < ?3"
      " AND (server_id IS NOT NULL OR origin = 'central')",
      "bookings", pc::kBookingChecksumColumns, 3, 5));

  JsonWriter w(out);
  w.BeginObject().Key("format").String("edgestay.checksums/1").Key("algorithm").String(pc::kChecksumAlgorithm);
  w.Key("cursor");
  if (im.cursor) w.String(*im.cursor);
  else w.Null();
  w.Key("syncedAt");
  if (im.synced_at) w.Int(*im.synced_at);
  else w.Null();
  w.Key("from").String(MonthText(first)).Key("to").String(MonthText(last)).Key("ranges").BeginArray();
  for (int64_t rt : hotel->room_type_ids) {
    for (int64_t m = first; m <= last; ++m) {
      const pc::RangeSum& sum = sums[{rt, m}];
      w.BeginObject().Key("roomTypeId").Int(rt).Key("month").String(MonthText(m));
      w.Key("count").Int(sum.count).Key("hash").String(sum.Hex()).EndObject();
    }
  }
  w.EndArray().EndObject();
  return Status::Ok();
}

// repairRange(batch): `batch` is the centre's answer for one range (a change batch with a
// `range: { roomTypeId, month }` and `since` = its cursor). The range's inventory rows are
// replaced by the batch's (rows the centre does not have go), its bookings upserted; all
// in one transaction that fails with CURSOR_MISMATCH, changing nothing, when the engine
// is not at the batch's cursor.
ES_MINSIZE Status RepairRange(Engine::Impl& im, const json& batch, std::string* out) {
  const json* range = Field(batch, "range");
  if (!range || !range->is_object()) return BadArg("range", "must be { roomTypeId, month }");
  int64_t room_type_id;
  ES_RETURN_IF_ERROR(ReadId(*range, "roomTypeId", &room_type_id));
  const json* month_text = Field(*range, "month");
  int64_t month = 0;
  if (!month_text || !month_text->is_string() || !pc::ParseMonth(month_text->str(), &month)) {
    return BadArg("range.month", "must be YYYY-MM");
  }
  if (!Field(batch, "since")) return BadArg("since", "a repair batch names the cursor it is valid at");
  const std::string lo_text = MonthStart(month), hi_text = MonthStart(month + 1);
  Day lo = 0, hi = 0;
  ParseDate(lo_text, &lo);
  ParseDate(hi_text, &hi);

  ES_RETURN_IF_ERROR(im.Begin());
  Stmt* st;
  Status s = im.Prepared("DELETE FROM room_inventory WHERE room_type_id = ?1 AND date >= ?2 AND date < ?3", &st);
  if (s.ok()) {
    StmtScope d(*st);
    d->BindInt(1, room_type_id);
    d->BindText(2, lo_text);
    d->BindText(3, hi_text);
    if (d->Step() != SQLITE_DONE) s = SqliteError(im.db, "repair range");
  }
  if (!s.ok()) {
    im.Abort();
    return s;
  }
  if (sqlite3_changes(im.db) > 0) {
    // Every night of the month may have changed: forget and invalidate all of them.
    im.nights.ForgetRoomType(room_type_id);
    auto [it, inserted] = im.batch_events.inventory.try_emplace(room_type_id, lo, hi - 1);
    if (!inserted) {
      it->second.first = std::min(it->second.first, lo);
      it->second.second = std::max<Day>(it->second.second, hi - 1);
    }
  }
  s = im.ApplyPart(batch.Dump(), 0, 0, true);
  if (!s.ok()) {
    im.Abort();
    return s;
  }
  return im.Commit(out);
}

}  // namespace edgestay
