// The rolling window (sync/FORMAT.md §8): an engine that keeps only whole months around
// "today" prunes what fell out of them, so its database does not grow with time; the
// months that enter the window are filled by range repair (integrity.cc) from the centre.
#include <string>
#include <vector>

#include "args.h"
#include "local_txn.h"
#include "edgestay/protocol/range_checksum.h"

namespace edgestay {
namespace {

using json = protocol::json::JsonValue;
using namespace args;  // NOLINT: the parsing vocabulary

Status PragmaInt(sqlite3* db, const char* sql, int64_t* value) {
  Stmt st;
  ES_RETURN_IF_ERROR(st.Prepare(db, sql));
  *value = st.Step() == SQLITE_ROW ? st.Int(0) : 0;
  return Status::Ok();
}

// Bookings that no longer matter: no night of theirs is in the window or after it, and
// nothing about them waits to be pushed (a local booking the centre has not accepted yet
// always has a pending mutation; checked on its own too, so a lost outbox row keeps it).
constexpr const char* kGoneBookings =
    "SELECT id FROM bookings WHERE hotel_id = ?1 AND end_date <= ?2"
    " AND NOT (server_id IS NULL AND status IN ('HELD', 'PENDING_SYNC'))"
    " AND id NOT IN (SELECT booking_id FROM outbox WHERE status = 'PENDING' AND booking_id IS NOT NULL)";

}  // namespace

// pruneWindow({ hotelId, pastDays = 30, horizonDays = 365 }): the window is every whole
// month meeting [today − pastDays, today + horizonDays) at the hotel (its own date by the
// engine's clock). Pruned, in one transaction:
//  - inventory outside the window (a month that enters it is pulled by range repair);
//  - special days before it (later ones stay: no range repair covers them, and they are few);
//  - bookings, with their payments and notifications, and waitlist entries whose stay ended
//    before the window, unless a mutation of theirs is still in the outbox. Later bookings
//    stay: they matter to their guests. The outbox itself is never pruned.
// Then, when a sixteenth or more of the pages is free, the database is compacted.
// Answers { from, to, deleted: { … }, bytesBefore, bytesAfter, vacuumed }.
Status PruneWindow(Engine::Impl& im, const json& args, std::string* out) {
  int64_t hotel_id = 0, past = 0, horizon = 0;
  ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
  ES_RETURN_IF_ERROR(ReadCount(args, "pastDays", 30, 0, 3650, &past));
  ES_RETURN_IF_ERROR(ReadCount(args, "horizonDays", 365, 1, 3650, &horizon));
  const HotelInfo* hotel = nullptr;
  ES_RETURN_IF_ERROR(im.FindHotel(hotel_id, &hotel));
  const Day today = im.TodayAt(*hotel);
  const int64_t first = protocol::MonthOfDay(today - static_cast<Day>(past));
  const int64_t last = protocol::MonthOfDay(today + static_cast<Day>(horizon) - 1);
  // One checksums request must cover the window, or it could never be verified or filled.
  if (last - first + 1 > protocol::kMaxChecksumMonths) {
    return Status::Error("INVALID_RANGE",
                         "the window spans " + std::to_string(last - first + 1) + " months; at most " +
                             std::to_string(protocol::kMaxChecksumMonths) + " (pastDays + horizonDays too large)",
                         "{\"field\":\"horizonDays\"}");
  }
  const std::string from = protocol::MonthStart(first), to = protocol::MonthStart(last + 1);

  int64_t page_size = 0, before = 0;
  ES_RETURN_IF_ERROR(PragmaInt(im.db, "PRAGMA page_size", &page_size));
  ES_RETURN_IF_ERROR(PragmaInt(im.db, "PRAGMA page_count", &before));

  struct Step {
    const char* name;
    std::string sql;  // ?1 hotel, ?2 window start, ?3 window end
  };
  const std::vector<Step> steps = {
      {"inventory",
       "DELETE FROM room_inventory WHERE room_type_id IN (SELECT id FROM room_types WHERE hotel_id = ?1)"
       " AND (date < ?2 OR date >= ?3)"},
      {"specialDays", "DELETE FROM special_days WHERE hotel_id = ?1 AND date < ?2"},
      {"payments", std::string("DELETE FROM payments WHERE booking_id IN (") + kGoneBookings + ")"},
      {"notifications", std::string("DELETE FROM notifications WHERE booking_id IN (") + kGoneBookings + ")"},
      {"bookings", std::string("DELETE FROM bookings WHERE id IN (") + kGoneBookings + ")"},
      {"waitlist",
       "DELETE FROM waitlist WHERE hotel_id = ?1 AND end_date <= ?2"
       " AND id NOT IN (SELECT waitlist_id FROM outbox WHERE status = 'PENDING' AND waitlist_id IS NOT NULL)"},
  };
  Txn txn(im);
  if (!txn.started()) return SqliteError(im.db, "prune");
  std::string deleted;
  JsonWriter d(&deleted);
  d.BeginObject();
  int64_t total = 0;
  for (const Step& step : steps) {
    Stmt st;
    Status s = st.Prepare(im.db, step.sql);
    if (s.ok()) {
      st.BindInt(1, hotel_id);
      st.BindText(2, from);
      st.BindText(3, to);
      if (st.Step() != SQLITE_DONE) s = SqliteError(im.db, std::string("prune ") + step.name);
    }
    if (!s.ok()) return s;
    d.Key(step.name).Int(sqlite3_changes(im.db));
    total += sqlite3_changes(im.db);
  }
  d.EndObject();
  ES_RETURN_IF_ERROR(txn.Commit());
  if (total > 0) {
    // Pruning is rare (daily) and meets many ranges: forget every derived answer.
    im.nights.Clear();
    im.cache.Clear();
  }
  // Freed pages are reused by the months that enter the window; a compaction gives them
  // back only when enough are free, since it rewrites every page (costly on a page store).
  int64_t free_pages = 0, after = 0;
  ES_RETURN_IF_ERROR(PragmaInt(im.db, "PRAGMA freelist_count", &free_pages));
  ES_RETURN_IF_ERROR(PragmaInt(im.db, "PRAGMA page_count", &after));
  const bool vacuum = free_pages * 16 >= after && free_pages > 0;
  if (vacuum) {
    ES_RETURN_IF_ERROR(Exec(im.db, "VACUUM"));
    ES_RETURN_IF_ERROR(PragmaInt(im.db, "PRAGMA page_count", &after));
  }

  JsonWriter w(out);
  w.BeginObject().Key("from").String(from).Key("to").String(to).Key("deleted").Raw(deleted);
  w.Key("bytesBefore").Int(before * page_size).Key("bytesAfter").Int(after * page_size);
  w.Key("vacuumed").Bool(vacuum).EndObject();
  return Status::Ok();
}

}  // namespace edgestay
