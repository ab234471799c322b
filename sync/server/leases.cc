// SqlStore, part 4: allotment leases (sync/FORMAT.md §9, docs/SERVER.md "Leases").
//
// A lease is N rooms of one room type on every night of [from, to), taken out of general
// inventory for one token (a kiosk, an edge node) until expiresAt. It is granted with
// the same conditional decrement a booking uses (UPDATE … AND available >= n inside the
// hotel lock, the CHECK on room_inventory behind it), and every inventory row it takes
// or gives back goes to the change log, so every node's availability stays right while
// the units are held. Per night the lease keeps the units it has left (lease_nights): a
// createBooking push naming the lease converts those units into the booking instead of
// taking inventory again, so it cannot fail sold_out while the lease is active.
// Release, shrink and expiry give the unused units back through the change log; expiry
// runs lazily at every lease call of the hotel, at a push naming an expired lease, and in
// the server's sweep (with the holds).
//
// Invariant, per night: total − available = rooms of the live bookings + units left of
// the ACTIVE leases.
#include <algorithm>

#include "sql_store.h"

namespace edgestay::server {
namespace {

constexpr int64_t kMaxLeaseNights = 366;
constexpr int64_t kMaxTtlSeconds = 30 * 86400;

using protocol::ColType;
using protocol::ColumnSpec;

// The lease tables' columns: what every lease query reads (in LeaseCol order) and what
// each store's schema must declare (LeaseSchemaProblems). Node-private, never replicated.
const std::vector<TableSpec>& LeaseTables() {
  static const std::vector<TableSpec> kTables = [] {
    TableSpec leases{}, nights{};  // `id` is unused: these are not protocol tables
    leases.name = "leases";
    leases.columns = {{"id", ColType::kId},           {"hotel_id", ColType::kId},
                      {"token_id", ColType::kId},     {"room_type_id", ColType::kId},
                      {"start_date", ColType::kDate}, {"end_date", ColType::kDate},
                      {"rooms", ColType::kInt},       {"status", ColType::kText},
                      {"expires_at", ColType::kMillis}, {"created_at", ColType::kMillis},
                      {"updated_at", ColType::kMillis}, {"idempotency_key", ColType::kText, true},
                      {"user_id", ColType::kId, true}};
    nights.name = "lease_nights";
    nights.columns = {{"lease_id", ColType::kId}, {"date", ColType::kDate}, {"units_left", ColType::kInt}};
    for (TableSpec* t : {&leases, &nights}) {
      for (const ColumnSpec& c : t->columns) t->column_list += (t->column_list.empty() ? "" : ", ") + std::string(c.name);
    }
    return std::vector<TableSpec>{leases, nights};
  }();
  return kTables;
}
enum LeaseCol { kId, kHotel, kToken, kRoomType, kFrom, kTo, kRooms, kStatus, kExpires,
                kCreated, kUpdated, kKey, kUser };
const std::string kLeaseColumns = LeaseTables()[0].column_list;

const std::string& InventoryColumns() { return Table(TableId::kRoomInventory).column_list; }

// Inventory rows a lease changed go to the change log in date order.
void LogInventory(Result* r, LogWriter* log) {
  std::sort(r->rows.begin(), r->rows.end(), [](const auto& a, const auto& b) { return a[1].text < b[1].text; });
  log->UpsertAll(TableId::kRoomInventory, *r);
}

Status BadLease(const std::string& field, const std::string& msg) {
  return Status::Error("INVALID_LEASE", field + ": " + msg);
}

Status LoadLease(Conn& c, int64_t hotel_id, int64_t lease_id, Result* r) {
  return c.Query("SELECT " + kLeaseColumns + " FROM leases WHERE id = $1 AND hotel_id = $2",
                 {lease_id, hotel_id}, r);
}

json LeaseJson(Conn& c, const std::vector<Cell>& row, Status* st) {
  json nights = json::array();
  Result n;
  *st = c.Query("SELECT date, units_left FROM lease_nights WHERE lease_id = $1 ORDER BY date",
                {row[kId].Int()}, &n);
  for (const auto& r : n.rows) nights.push_back({{"date", r[0].text}, {"unitsLeft", r[1].Int()}});
  return json{{"id", row[kId].Int()},
              {"hotelId", row[kHotel].Int()},
              {"roomTypeId", row[kRoomType].Int()},
              {"from", row[kFrom].text},
              {"to", row[kTo].text},
              {"rooms", row[kRooms].Int()},
              {"status", row[kStatus].text},
              {"expiresAt", row[kExpires].Int()},
              {"createdAt", row[kCreated].Int()},
              {"updatedAt", row[kUpdated].Int()},
              {"idempotencyKey", row[kKey].null ? json(nullptr) : json(row[kKey].text)},
              {"nights", std::move(nights)}};
}

// Moves `units` of every night of the lease that has them back to general inventory
// (never above a night's total, as a cancelled booking), logged.
Status ReturnUnits(Conn& c, int64_t lease_id, int64_t room_type_id, LogWriter* log) {
  Result r;
  Status s = c.Query(
      std::string("UPDATE room_inventory SET available = CASE"
                  " WHEN available + (SELECT units_left FROM lease_nights WHERE lease_id = $1"
                  "   AND lease_nights.date = room_inventory.date) > total THEN total"
                  " ELSE available + (SELECT units_left FROM lease_nights WHERE lease_id = $1"
                  "   AND lease_nights.date = room_inventory.date) END"
                  " WHERE room_type_id = $2 AND date IN"
                  " (SELECT date FROM lease_nights WHERE lease_id = $1 AND units_left > 0) RETURNING ") +
          InventoryColumns(),
      {lease_id, room_type_id}, &r);
  if (!s.ok()) return s;
  LogInventory(&r, log);
  return c.Exec("UPDATE lease_nights SET units_left = 0 WHERE lease_id = $1", {lease_id});
}

// Ends an ACTIVE lease (RELEASED or EXPIRED): its unused units go back.
Status EndLease(Conn& c, const std::vector<Cell>& row, const char* to_status, int64_t now, LogWriter* log) {
  Status s = ReturnUnits(c, row[kId].Int(), row[kRoomType].Int(), log);
  if (!s.ok()) return s;
  return c.Exec("UPDATE leases SET status = $2, updated_at = $3 WHERE id = $1", {row[kId].Int(), to_status, now});
}

// Expires the hotel's ACTIVE leases whose time is up; *n = how many.
Status ExpireDue(Conn& c, int64_t hotel_id, int64_t now, LogWriter* log, int64_t* n) {
  Result due;
  Status s = c.Query("SELECT " + kLeaseColumns +
                         " FROM leases WHERE hotel_id = $1 AND status = 'ACTIVE' AND expires_at <= $2 ORDER BY id",
                     {hotel_id, now}, &due);
  if (!s.ok()) return s;
  for (const auto& row : due.rows) {
    s = EndLease(c, row, "EXPIRED", now, log);
    if (!s.ok()) return s;
    ++*n;
  }
  return Status::Ok();
}

// Every lease write runs after the hotel's due leases expired, in the same transaction: a
// grant, renew or shrink never counts units a lease whose time is up still holds.
std::function<Status(Conn&, LogWriter&)> AfterExpiring(
    int64_t hotel_id, const std::function<Status(Conn&, LogWriter&, int64_t now)>& fn) {
  return [hotel_id, &fn](Conn& c, LogWriter& log) -> Status {
    const int64_t now = NowMs();
    int64_t n = 0;
    Status st = ExpireDue(c, hotel_id, now, &log, &n);
    return st.ok() ? fn(c, log, now) : st;
  };
}

bool Owns(const Principal& who, const std::vector<Cell>& row) { return row[kToken].Int() == who.token_id; }

// The token's ACTIVE leases of the hotel. Every lease write answers with them too, read in
// its own transaction: the node replaces its set from the answer instead of asking again.
Status ActiveLeases(Conn& c, int64_t hotel_id, const Principal& who, json* out) {
  Result r;
  Status st = c.Query("SELECT " + kLeaseColumns +
                          " FROM leases WHERE hotel_id = $1 AND token_id = $2 AND status = 'ACTIVE' ORDER BY id",
                      {hotel_id, who.token_id}, &r);
  *out = json::array();
  if (!st.ok()) return st;
  for (const auto& row : r.rows) {
    out->push_back(LeaseJson(c, row, &st));
    if (!st.ok()) return st;
  }
  return st;
}

// A lease write's answer: the lease and the token's ACTIVE leases after the write.
Status LeaseAnswer(Conn& c, int64_t hotel_id, const Principal& who, const std::vector<Cell>& row, json* out) {
  Status st;
  (*out)["lease"] = LeaseJson(c, row, &st);
  if (!st.ok()) return st;
  json leases;
  st = ActiveLeases(c, hotel_id, who, &leases);
  (*out)["leases"] = std::move(leases);
  return st;
}

Status TtlOf(const json& body, bool required, int64_t* ttl) {
  Field f = IntField(body, "ttlSeconds", 1, kMaxTtlSeconds, ttl);
  if (f == Field::kBad || (required && f == Field::kMissing))
    return BadLease("ttlSeconds", "must be an integer in 1.." + std::to_string(kMaxTtlSeconds));
  return Status::Ok();
}

}  // namespace

Status SqlStore::CreateLease(int64_t hotel_id, const Principal& who, const json& body, json* out) {
  int64_t room_type_id = 0, rooms = 0, ttl = 0;
  Day from = 0, to = 0;
  std::string key;
  if (IdField(body, "roomTypeId", &room_type_id) != Field::kOk)
    return BadLease("roomTypeId", "must be a positive integer");
  if (DateField(body, "from", &from) != Field::kOk) return BadLease("from", "must be a real YYYY-MM-DD date");
  if (DateField(body, "to", &to) != Field::kOk) return BadLease("to", "must be a real YYYY-MM-DD date");
  if (to <= from) return BadLease("to", "must be after from");
  if (to - from > kMaxLeaseNights)
    return BadLease("to", "a lease covers at most " + std::to_string(kMaxLeaseNights) + " nights");
  const protocol::ColumnSpec& rooms_col = protocol::Column(TableId::kBookings, "rooms");
  if (IntField(body, "rooms", 1, rooms_col.max, &rooms) != Field::kOk)
    return BadLease("rooms", "must be an integer in 1.." + std::to_string(rooms_col.max));
  if (Status s = TtlOf(body, true, &ttl); !s.ok()) return s;
  Field kf = StrField(body, "idempotencyKey", 1, 128, &key);
  if (kf == Field::kBad) return BadLease("idempotencyKey", "must be a string of 1..128 characters");

  const std::string from_text = FormatDate(from), to_text = FormatDate(to);
  const int64_t nights = to - from;
  int64_t cursor = 0;
  Status s = WriteHotelTx(hotel_id, AfterExpiring(hotel_id, [&](Conn& c, LogWriter& log, int64_t now) -> Status {
    *out = json::object();
    Status st;
    Result r;
    if (kf == Field::kOk) {  // a retry of a granted request answers the same lease
      st = c.Query("SELECT " + kLeaseColumns +
                       " FROM leases WHERE hotel_id = $1 AND token_id = $2 AND idempotency_key = $3",
                   {hotel_id, who.token_id, key}, &r);
      if (!st.ok()) return st;
      if (!r.empty()) return LeaseAnswer(c, hotel_id, who, r.rows[0], out);
    }
    st = c.Query("SELECT rt.hotel_id, h.utc_offset_minutes FROM room_types rt JOIN hotels h ON h.id = rt.hotel_id"
                 " WHERE rt.id = $1",
                 {room_type_id}, &r);
    if (!st.ok()) return st;
    if (r.empty() || r.at(0, 0).Int() != hotel_id)
      return BadLease("roomTypeId", "hotel " + std::to_string(hotel_id) + " has no room type " +
                                        std::to_string(room_type_id));
    if (from < HotelToday(now, r.at(0, 1).Int()))
      return BadLease("from", from_text + " is before today at the hotel");
    // Name the first night that cannot give the units, as a booking's push would.
    st = c.Query("SELECT date, available, stop_sell FROM room_inventory WHERE room_type_id = $1"
                 " AND date >= $2 AND date < $3 ORDER BY date",
                 {room_type_id, from_text, to_text}, &r);
    if (!st.ok()) return st;
    std::string reason, message;
    Day expect = from;
    for (const auto& row : r.rows) {
      Day d = 0;
      ParseDate(row[0].text, &d);
      if (d != expect) break;
      if (row[2].Int() != 0) {
        reason = "stop_sell";
        message = row[0].text + " is closed for sale";
        break;
      }
      if (row[1].Int() < rooms) {
        reason = "sold_out";
        message = row[0].text + " has " + row[1].text + " room(s), the lease asks " + std::to_string(rooms);
        break;
      }
      ++expect;
    }
    if (reason.empty() && expect != to) {
      reason = "no_inventory";
      message = FormatDate(expect) + " has no inventory";
    }
    if (!reason.empty()) {
      (*out)["refused"] = {{"reason", reason}, {"message", message}};
      return Status::Ok();
    }
    st = c.Query(std::string("UPDATE room_inventory SET available = available - $1"
                             " WHERE room_type_id = $2 AND date >= $3 AND date < $4"
                             " AND available >= $1 AND stop_sell = 0 RETURNING ") +
                     InventoryColumns(),
                 {rooms, room_type_id, from_text, to_text}, &r);
    if (!st.ok()) return st.code() == kDbConstraint ? Status::Error(kDbRetry, st.message()) : st;
    if (static_cast<int64_t>(r.size()) != nights)
      return Status::Error(kDbRetry, "partial lease decrement of " + from_text + ".." + to_text);
    LogInventory(&r, &log);
    Result lr;
    st = c.Query(std::string("INSERT INTO leases (hotel_id, token_id, user_id, room_type_id, start_date, end_date,"
                             " rooms, status, expires_at, created_at, updated_at, idempotency_key)"
                             " VALUES ($1, $2, $3, $4, $5, $6, $7, 'ACTIVE', $8, $9, $9, $10) RETURNING ") +
                     kLeaseColumns,
                 {hotel_id, who.token_id, Param(who.user_id), room_type_id, from_text, to_text, rooms,
                  now + ttl * 1000, now, kf == Field::kOk ? Param(key) : Param()},
                 &lr);
    if (!st.ok()) return st;
    st = c.Exec("INSERT INTO lease_nights (lease_id, date, units_left) SELECT $1, date, $2 FROM room_inventory"
                " WHERE room_type_id = $3 AND date >= $4 AND date < $5",
                {lr.at(0, kId).Int(), rooms, room_type_id, from_text, to_text});
    if (!st.ok()) return st;
    return LeaseAnswer(c, hotel_id, who, lr.rows[0], out);
  }), &cursor);
  if (s.ok() && out->contains("lease")) (*out)["cursor"] = std::to_string(cursor);
  return s;
}

Status SqlStore::ChangeLease(int64_t hotel_id, const Principal& who, int64_t lease_id,
                             const std::string& action, const json& body, json* out) {
  int64_t ttl = 0, new_rooms = 0;
  if (action == "renew") {
    if (Status s = TtlOf(body, true, &ttl); !s.ok()) return s;
  } else if (action == "shrink") {
    const protocol::ColumnSpec& rooms_col = protocol::Column(TableId::kBookings, "rooms");
    if (IntField(body, "rooms", 0, rooms_col.max, &new_rooms) != Field::kOk)
      return BadLease("rooms", "must be an integer in 0.." + std::to_string(rooms_col.max));
  } else if (action != "release") {
    return Status::Error("NOT_FOUND", "no such lease action '" + action + "'");
  }
  int64_t cursor = 0;
  Status s = WriteHotelTx(hotel_id, AfterExpiring(hotel_id, [&](Conn& c, LogWriter& log, int64_t now) -> Status {
    Result r;
    Status st = LoadLease(c, hotel_id, lease_id, &r);
    if (!st.ok()) return st;
    if (r.empty() || !Owns(who, r.rows[0]))  // another node's lease: as if it did not exist
      return Status::Error("UNKNOWN_LEASE", "no lease " + std::to_string(lease_id));
    std::vector<Cell> row = r.rows[0];
    const bool active = row[kStatus].text == "ACTIVE";
    if (action == "release") {
      if (active) {
        st = EndLease(c, row, "RELEASED", now, &log);
        if (!st.ok()) return st;
      }
    } else if (!active) {
      return Status::Error("LEASE_ENDED", "lease " + row[kId].text + " is " + row[kStatus].text);
    } else if (action == "renew") {
      st = c.Exec("UPDATE leases SET expires_at = $2, updated_at = $3 WHERE id = $1",
                  {lease_id, now + ttl * 1000, now});
      if (!st.ok()) return st;
    } else {  // shrink: every night gives back (rooms − new rooms) unused units
      const int64_t give = row[kRooms].Int() - new_rooms;
      if (give < 0) return BadLease("rooms", "a lease can only shrink (it has " + row[kRooms].text + ")");
      if (give > 0) {
        Result nights;
        st = c.Query("SELECT date FROM lease_nights WHERE lease_id = $1 AND units_left < $2 ORDER BY date LIMIT 1",
                     {lease_id, give}, &nights);
        if (!st.ok()) return st;
        if (!nights.empty())
          return Status::Error("LEASE_IN_USE", nights.at(0, 0).text + " has fewer than " + std::to_string(give) +
                                                   " unused unit(s) to give back");
        Result inv;
        st = c.Query(std::string("UPDATE room_inventory SET available = CASE WHEN available + $1 > total"
                                 " THEN total ELSE available + $1 END"
                                 " WHERE room_type_id = $2 AND date >= $3 AND date < $4 RETURNING ") +
                         InventoryColumns(),
                     {give, row[kRoomType].Int(), row[kFrom].text, row[kTo].text}, &inv);
        if (!st.ok()) return st;
        LogInventory(&inv, &log);
        st = c.Exec("UPDATE lease_nights SET units_left = units_left - $2 WHERE lease_id = $1", {lease_id, give});
        if (!st.ok()) return st;
        st = c.Exec("UPDATE leases SET rooms = $2, updated_at = $3 WHERE id = $1", {lease_id, new_rooms, now});
        if (!st.ok()) return st;
      }
    }
    st = LoadLease(c, hotel_id, lease_id, &r);
    if (!st.ok()) return st;
    *out = json::object();
    return LeaseAnswer(c, hotel_id, who, r.rows[0], out);
  }), &cursor);
  if (s.ok()) (*out)["cursor"] = std::to_string(cursor);
  return s;
}

Status SqlStore::ListLeases(int64_t hotel_id, const Principal& who, std::optional<int64_t> lease_id,
                            json* out) {
  // Lazy expiry first (a write transaction only when something is due), then one
  // consistent read.
  bool due = false;
  Status s = WithTx(*backend_, TxKind::kRead, [&](Conn& c) -> Status {
    Result r;
    Status st = c.Query("SELECT (SELECT 1 FROM hotels WHERE id = $1), (SELECT 1 FROM leases WHERE hotel_id = $1"
                        " AND status = 'ACTIVE' AND expires_at <= $2 LIMIT 1)",
                        {hotel_id, NowMs()}, &r);
    if (!st.ok()) return st;
    if (r.at(0, 0).null) return Status::Error("UNKNOWN_HOTEL", "no hotel " + std::to_string(hotel_id));
    due = !r.at(0, 1).null;
    return st;
  });
  if (!s.ok()) return s;
  if (due) {
    int64_t cursor = 0;
    s = WriteHotelTx(hotel_id, AfterExpiring(hotel_id, [](Conn&, LogWriter&, int64_t) { return Status::Ok(); }),
                     &cursor);
    if (!s.ok()) return s;
  }
  return WithTx(*backend_, TxKind::kRead, [&](Conn& c) -> Status {
    Status st;
    if (lease_id) {
      Result r;
      st = LoadLease(c, hotel_id, *lease_id, &r);
      if (!st.ok()) return st;
      if (r.empty() || !Owns(who, r.rows[0]))
        return Status::Error("UNKNOWN_LEASE", "no lease " + std::to_string(*lease_id));
      *out = json{{"lease", LeaseJson(c, r.rows[0], &st)}};
    } else {
      json leases;
      st = ActiveLeases(c, hotel_id, who, &leases);
      *out = json{{"leases", std::move(leases)}};
    }
    if (!st.ok()) return st;
    (*out)["now"] = NowMs();
    return Status::Ok();
  });
}

Status SqlStore::ExpireLeases(int64_t now, int64_t* expired) {
  return SweepHotels("SELECT DISTINCT hotel_id FROM leases WHERE status = 'ACTIVE' AND expires_at <= $1", now,
                     [&](Conn& c, LogWriter& log, int64_t hotel, int64_t* n) {
                       return ExpireDue(c, hotel, now, &log, n);
                     },
                     expired);
}

std::string LeaseSchemaProblems(const std::function<std::vector<protocol::DeclaredColumn>(const char*)>& declared) {
  std::string problems;
  for (const TableSpec& t : LeaseTables()) {
    const std::vector<protocol::DeclaredColumn> cols = declared(t.name);
    // Extra columns are the store's own business here: only missing or retyped ones count.
    std::vector<std::string> extra;
    for (const auto& d : cols) extra.push_back(d.name);
    for (const std::string& p : protocol::CheckTableSchema(t, cols, extra))
      problems += (problems.empty() ? "" : "; ") + p;
  }
  return problems;
}

Status LeaseForBooking(Conn& c, const PushBatch& b, int64_t lease_id, int64_t room_type_id, Day check_in,
                       Day check_out, int64_t rooms, int64_t now, LogWriter* log, bool* fits) {
  *fits = false;
  Result r;
  Status s = LoadLease(c, b.hotel_id, lease_id, &r);
  if (!s.ok() || r.empty() || !Owns(b.principal, r.rows[0])) return s;
  const std::vector<Cell> row = r.rows[0];
  if (row[kStatus].text != "ACTIVE") return Status::Ok();
  if (row[kExpires].Int() <= now) {  // its time is up: the units go back before the booking is judged
    return EndLease(c, row, "EXPIRED", now, log);
  }
  Day from = 0, to = 0;
  if (row[kRoomType].Int() != room_type_id || !ParseDate(row[kFrom].text, &from) ||
      !ParseDate(row[kTo].text, &to) || check_in < from || check_out > to)
    return Status::Ok();
  s = c.Query("SELECT COUNT(*) FROM lease_nights WHERE lease_id = $1 AND date >= $2 AND date < $3"
              " AND units_left >= $4",
              {lease_id, FormatDate(check_in), FormatDate(check_out), rooms}, &r);
  if (!s.ok()) return s;
  *fits = r.at(0, 0).Int() == check_out - check_in;
  return Status::Ok();
}

Status TakeLeaseUnits(Conn& c, int64_t lease_id, Day check_in, Day check_out, int64_t rooms) {
  Result r;
  Status s = c.Query("UPDATE lease_nights SET units_left = units_left - $2 WHERE lease_id = $1"
                     " AND date >= $3 AND date < $4 AND units_left >= $2 RETURNING date",
                     {lease_id, rooms, FormatDate(check_in), FormatDate(check_out)}, &r);
  if (!s.ok()) return s.code() == kDbConstraint ? Status::Error(kDbRetry, s.message()) : s;
  if (static_cast<int64_t>(r.size()) != check_out - check_in)
    return Status::Error(kDbRetry, "partial lease conversion: rolled back");
  return Status::Ok();
}

}  // namespace edgestay::server
