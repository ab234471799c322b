// SqlStore, part 2: pushes (FORMAT.md §2/§3).
//
// Exactly once: each mutation runs in a write transaction that (1) locks the hotel,
// and, inside the mutation's own savepoint, (2) reads the client's last applied seq,
// (3) returns the recorded result for a seq already seen (no side effect), stops at a
// gap, or otherwise (4) applies the mutation, queues its change-log rows, and records its
// result under (hotel, clientId, seq) and under (hotel, idempotencyKey) — all committed
// together. Group commit: the pushes that reach one hotel while another group is being
// applied form the next group, one transaction (one lock, one change-log append, one
// fsync) in which each mutation is still applied or rejected on its own (a failed attempt
// rolls back to its savepoint only); its outcome records are written together at its end
// (OutcomeRecords). A response lost after
// the commit is recovered by pushing the same seq again; the same business key from
// another client returns the original outcome. Rejections are results too: they are
// recorded, consume their seq, and never stop the batch.
//
// No overbooking: a booking decrements every night of its stay with one conditional
// UPDATE … SET available = available - n WHERE … AND available >= n RETURNING …; unless
// it returns exactly one row per night the transaction is rolled back and the mutation is
// retried (and then rejected sold_out by the fresh checks). The CHECK (available >= 0
// AND available <= total) on room_inventory makes the database refuse any write that
// would overbook regardless. (On PostgreSQL a group of plain bookings is decided in
// memory and written in one statement with the same conditional decrement per night:
// GroupStatement below.)
#include <algorithm>
#include <map>
#include <set>

#include "quiet_thread.h"
#include "sql_store.h"

namespace edgestay::server {
namespace {

// The stay named by createBooking / joinWaitlist args.
struct Stay {
  int64_t room_type_id = 0;
  int64_t user_id = 0;
  Day check_in = 0;
  Day check_out = 0;
  int64_t rooms = 1;
  int64_t guests = 1;
  std::optional<int64_t> local_id;
  bool hold = false;                          // a tentative booking (status HELD)
  std::optional<int64_t> hold_expires_at;     // the edge's own expiry of the hold
  std::optional<int64_t> lease_id;            // units of this lease become the booking
  int64_t nights() const { return check_out - check_in; }
};

}  // namespace

struct StayPrefetch {
  Stay stay;
  Result inventory;
  // The next mutation's ledger read, sent right behind this booking's write (it then sees
  // the write) and answered with it; null when there is none to send.
  LedgerRead* next_read = nullptr;
};

struct LedgerRead {
  std::string key;      // the mutation's idempotencyKey ("" when not a valid one)
  bool key_ok = false;
  bool with_stay = false;  // a createBooking's stay inventory comes with the ledger
  StayPrefetch pre;        // that stay, parsed, and (once answered) its inventory rows
  const std::string* sql = nullptr;
  Params params;
  Result answer;
  bool answered = false;  // `answer` holds the read (it rode with the previous write)
};

// A group's outcome records not written yet. Without savepoints (a group's first attempt)
// each mutation's record joins this list and the list is written once, at the group's end:
// on PostgreSQL as one statement for the whole group instead of one per mutation. A
// later mutation's ledger read must see the records of the same client and of the same
// idempotency key: Touches names such a read, and the list is written before it is sent.
// (Records are never resolved from memory: a replay reads push_results as before.)
class OutcomeRecords {
 public:
  struct Record {
    std::string client_id;
    int64_t seq = 0;
    std::string status;  // applied | rejected
    std::string result;  // FORMAT.md §3 result object, as text
    int64_t created_at = 0;
    std::string key;     // the new business key to record under ("" for none)
    std::optional<int64_t> booking_id, user_id;  // (recorded with the key)
  };
  // A mutation's record: under (client, seq), and under its key when it has a new one.
  static Record Of(const std::string& client_id, int64_t seq, const MutationOutcome& mo, int64_t now) {
    Record r;
    r.client_id = client_id;
    r.seq = seq;
    r.result = Dump(mo.result);
    r.status = mo.result.value("status", "rejected");
    r.created_at = now;
    if (!mo.idempotency_key.empty()) {
      r.key = mo.idempotency_key;
      r.booking_id = mo.booking_id;
      r.user_id = mo.user_id;
    }
    return r;
  }
  void Add(Record r) { records_.push_back(std::move(r)); }
  // True when a ledger read of (client, key) would miss a record still held here.
  bool Touches(const std::string& client_id, const std::string& key) const {
    for (const Record& r : records_)
      if (r.client_id == client_id || (!key.empty() && r.key == key)) return true;
    return false;
  }
  // Writes the records held and forgets them. wait = false: sent with Conn::Send (an
  // error shows at the next call that waits for an answer).
  Status Write(Conn& c, int64_t hotel_id, bool wait) {
    if (records_.empty()) return Status::Ok();
    Status st = c.dialect() == Dialect::kPostgres ? WritePg(c, hotel_id, wait) : WriteEach(c, hotel_id);
    records_.clear();
    return st;
  }

 private:
  static constexpr const char* kResult =
      "INSERT INTO push_results (hotel_id, client_id, seq, status, result, created_at)";
  static constexpr const char* kClient =
      "INSERT INTO push_clients (hotel_id, client_id, last_seq, updated_at)";
  static constexpr const char* kClientConflict =
      " ON CONFLICT (hotel_id, client_id) DO UPDATE SET last_seq = excluded.last_seq,"
      " updated_at = excluded.updated_at";
  static constexpr const char* kKey =
      "INSERT INTO idempotency_keys (hotel_id, idem_key, client_id, seq, result, booking_id, created_at, user_id)";

  // PostgreSQL: every record of the list in ONE statement, rows from a JSON array (one
  // parameter, whatever the count: one prepared statement). push_clients gets one row per
  // client, its latest seq: an upsert may touch a row only once (a group applied in one
  // statement holds several records of a client; one applied mutation by mutation never
  // does, since the client's next read writes the list first).
  Status WritePg(Conn& c, int64_t hotel_id, bool wait) {
    static const std::string kAll =
        std::string("WITH v AS (SELECT * FROM json_to_recordset($2::json) AS v(c text, s bigint, st text,"
                    " r text, t bigint, k text, b bigint, u bigint)), r AS (") +
        kResult + " SELECT $1::bigint, c, s, st, r, t FROM v), pc AS (" + kClient +
        " SELECT DISTINCT ON (c) $1::bigint, c, s, t FROM v ORDER BY c, s DESC" + kClientConflict + ") " + kKey +
        " SELECT $1::bigint, k, c, s, r, b, t, u FROM v WHERE k IS NOT NULL";
    json rows = json::array();
    for (const Record& r : records_) {
      json row = {{"c", r.client_id}, {"s", r.seq}, {"st", r.status}, {"r", r.result}, {"t", r.created_at}};
      if (!r.key.empty()) {
        row["k"] = r.key;
        if (r.booking_id) row["b"] = *r.booking_id;
        if (r.user_id) row["u"] = *r.user_id;
      }
      rows.push_back(std::move(row));
    }
    const Params p = {hotel_id, Dump(rows)};
    return wait ? c.Exec(kAll, p) : c.Send(kAll, p);
  }

  // SQLite (in-process: no round trips to save): each record's statements in turn.
  Status WriteEach(Conn& c, int64_t hotel_id) {
    static const std::string kResultRow = std::string(kResult) + " VALUES ($1, $2, $3, $4, $5, $6)";
    static const std::string kClientRow = std::string(kClient) + " VALUES ($1, $2, $3, $6)" + kClientConflict;
    static const std::string kKeyRow = std::string(kKey) + " VALUES ($1, $7, $2, $3, $5, $8, $6, $9)";
    for (const Record& r : records_) {
      Params p = {hotel_id, r.client_id, r.seq, r.status, r.result, r.created_at};
      Status st = c.Exec(kResultRow, p);
      if (st.ok()) st = c.Exec(kClientRow, p);
      if (st.ok() && !r.key.empty()) {
        p.emplace_back(r.key);
        p.emplace_back(r.booking_id);
        p.emplace_back(r.user_id);
        st = c.Exec(kKeyRow, p);
      }
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }

  std::vector<Record> records_;
};

namespace {

// Empty string = args are well formed; otherwise the rejection message (reason invalid).
std::string ParseStay(const json& args, int64_t hotel_id, bool with_guests, Stay* st) {
  int64_t v = 0;
  Field f = IdField(args, "hotelId", &v);
  if (f == Field::kBad || (f == Field::kOk && v != hotel_id))
    return "args.hotelId must be this hotel's id (" + std::to_string(hotel_id) + ")";
  if (IdField(args, "roomTypeId", &st->room_type_id) != Field::kOk)
    return "args.roomTypeId must be a positive integer";
  if (IdField(args, "userId", &st->user_id) != Field::kOk)
    return "args.userId must be a positive integer";
  if (DateField(args, "checkIn", &st->check_in) != Field::kOk)
    return "args.checkIn must be a real YYYY-MM-DD date";
  if (DateField(args, "checkOut", &st->check_out) != Field::kOk)
    return "args.checkOut must be a real YYYY-MM-DD date";
  if (st->check_out <= st->check_in) return "args.checkOut must be after args.checkIn";
  // The bookings/waitlist columns' own limits (the row must pass the protocol's check).
  const protocol::ColumnSpec& rooms = protocol::Column(TableId::kBookings, "rooms");
  f = IntField(args, "rooms", rooms.min, rooms.max, &st->rooms);
  if (f == Field::kBad) return "args.rooms must be an integer in 1.." + std::to_string(rooms.max);
  if (f == Field::kMissing) st->rooms = 1;
  if (with_guests) {
    const protocol::ColumnSpec& guests = protocol::Column(TableId::kBookings, "guests");
    f = IntField(args, "guests", guests.min, guests.max, &st->guests);
    if (f == Field::kBad) return "args.guests must be an integer in 1.." + std::to_string(guests.max);
    if (f == Field::kMissing) st->guests = st->rooms;
    int64_t local = 0;
    f = IntField(args, "localId", -kMaxSafeInt, kMaxSafeInt, &local);
    if (f == Field::kBad) return "args.localId must be an integer";
    if (f == Field::kOk) st->local_id = local;
    int64_t hold = 0;
    if (BoolField(args, "hold", &hold) == Field::kBad) return "args.hold must be true or false";
    st->hold = hold == 1;
    int64_t expires = 0;
    f = IntField(args, "holdExpiresAt", 0, kMaxSafeInt, &expires);
    if (f == Field::kBad) return "args.holdExpiresAt must be a time in ms";
    if (f == Field::kOk) st->hold_expires_at = expires;
    int64_t lease = 0;
    f = IdField(args, "leaseId", &lease);
    if (f == Field::kBad) return "args.leaseId must be a lease id";
    if (f == Field::kOk) st->lease_id = lease;
  }
  return "";
}

json Applied(int64_t seq) { return json{{"seq", seq}, {"status", "applied"}}; }

// A createBooking's checks, in the order the edges apply them (docs/API.md), written once
// for both ways a group applies its bookings: one mutation at a time (CreateBookingTx) and
// a whole group in memory (ApplyGroupStatement). Each returns false when it rejects the
// mutation; out->result then says why.

// The token's user: a user-bound token books only for its own user.
bool StayAllowedForToken(const PushBatch& b, int64_t seq, const Stay& st, MutationOutcome* out) {
  if (b.principal.user_id && *b.principal.user_id != st.user_id) {
    out->result = Rejected(seq, "forbidden", "this token may only book for user " +
                                                 std::to_string(*b.principal.user_id));
    out->idempotency_key.clear();  // not recorded under the key: it stays the rightful user's
    return false;
  }
  out->user_id = st.user_id;
  return true;
}

// Room type, hotel and booking rules (one column per rule of the protocol's list), for the
// room types `where` selects (its placeholders are the caller's). The columns after
// `lead` (the caller's leading columns, "" for none) are a rule row.
std::string RuleQuery(const std::string& lead, const std::string& where) {
  std::string q = "SELECT " + lead + "rt.hotel_id, rt.capacity_adults + rt.capacity_children, h.utc_offset_minutes";
  for (const RuleSpec& rule : kRuleSpecs)
    q += std::string(", (SELECT value FROM booking_rules WHERE hotel_id = rt.hotel_id AND key = '") + rule.key + "')";
  return q + " FROM room_types rt JOIN hotels h ON h.id = rt.hotel_id WHERE " + where;
}
constexpr size_t kRuleRowWidth = 3 + std::size(kRuleSpecs);

// A room type's rules as the stay rules read them.
struct StayRules {
  int64_t capacity = 0;
  int64_t utc_offset_minutes = 0;
  BookingRules rules;  // the protocol's defaults, overridden by the hotel's rows
};

// The room type (rule_row: RuleQuery's answer for it, empty when there is none), the stay's
// length and its guests; *sr is set when they pass.
bool StayFitsRoomType(const PushBatch& b, int64_t seq, const Stay& st, const Result& rule_row, StayRules* sr,
                      MutationOutcome* out) {
  if (rule_row.empty() || rule_row.at(0, 0).Int() != b.hotel_id) {
    out->result = Rejected(seq, "invalid",
                           "unknown room type " + std::to_string(st.room_type_id) + " in this hotel");
    return false;
  }
  sr->capacity = rule_row.at(0, 1).Int();
  sr->utc_offset_minutes = rule_row.at(0, 2).Int();
  for (size_t i = 0; i < std::size(kRuleSpecs); ++i)
    if (!rule_row.at(0, 3 + i).null) sr->rules.*(kRuleSpecs[i].field) = rule_row.at(0, 3 + i).Int();
  const int64_t nights = st.nights();
  if (nights > sr->rules.max_nights) {
    out->result = Rejected(seq, "invalid", "stay too long: " + std::to_string(nights) +
                                               " nights > max_nights " +
                                               std::to_string(sr->rules.max_nights));
    return false;
  }
  if (st.guests > st.rooms * sr->capacity) {
    out->result = Rejected(seq, "invalid", std::to_string(st.guests) + " guests exceed the capacity of " +
                                               std::to_string(st.rooms) + " room(s)");
    return false;
  }
  return true;
}

// What the stay rules read of a night (StayNights): these inventory columns, then the
// special day's (NULL on an ordinary day), in StayColumn's order.
enum StayColumn { kDate, kAvailable, kPrice, kMinStay, kMaxStay, kArrival, kDeparture, kStopSell,
                  kSpecialKind, kSpecialPct, kSpecialMinStay };
constexpr const char* kStayInventoryColumns[] = {"date", "available", "price_cents", "min_stay", "max_stay",
                                                 "closed_to_arrival", "closed_to_departure", "stop_sell"};
constexpr const char* kStaySpecialDayColumns[] = {"kind", "price_multiplier_pct", "min_stay"};
static_assert(std::size(kStayInventoryColumns) == kSpecialKind &&
              std::size(kStayInventoryColumns) + std::size(kStaySpecialDayColumns) == kSpecialMinStay + 1);
// Those columns as a select list over `room_inventory i` and `special_days sd`, each
// followed by `cast` ("::text" in a union of text rows, "" for none).
std::string StayColumnList(const char* cast) {
  std::string list;
  for (const char* c : kStayInventoryColumns) list += std::string(list.empty() ? "" : ", ") + "i." + c + cast;
  for (const char* c : kStaySpecialDayColumns) list += std::string(", sd.") + c + cast;
  return list;
}

// The stay's nights (and its check-out date's, for closed_to_departure) from rows of
// StayColumnList's columns; rows outside the stay are ignored.
std::vector<Night> StayNights(const Stay& st, const std::vector<std::vector<Cell>>& rows) {
  std::vector<Night> stay_nights(static_cast<size_t>(st.nights()) + 1);
  for (const auto& row : rows) {
    Day day = 0;
    if (!ParseDate(row[kDate].text, &day) || day < st.check_in || day > st.check_out) continue;
    Night& n = stay_nights[static_cast<size_t>(day - st.check_in)];
    const bool special = !row[kSpecialKind].null && day != st.check_out;
    n.has_row = true;
    n.available = row[kAvailable].Int();
    n.price_cents = EffectivePrice(row[kPrice].Int(), special ? row[kSpecialPct].Int() : 100);
    n.min_stay = special && !row[kSpecialMinStay].null ? row[kSpecialMinStay].Int() : row[kMinStay].Int();
    n.max_stay = row[kMaxStay].Int();
    n.closed_to_arrival = row[kArrival].Int() != 0;
    n.closed_to_departure = row[kDeparture].Int() != 0;
    n.stop_sell = row[kStopSell].Int() != 0 || (special && row[kSpecialKind].text == "blackout");
  }
  return stay_nights;
}

// The stay rules over the stay's nights (the first failing reason, in docs/API.md order),
// then the total; a stay in a lease is never sold_out. *total is set when they pass.
bool StayRulesAllow(int64_t seq, const Stay& st, int64_t lead, const BookingRules& rules,
                    const std::vector<Night>& stay_nights, bool from_lease, int64_t* total, MutationOutcome* out) {
  const std::string in_text = FormatDate(st.check_in), out_text = FormatDate(st.check_out);
  size_t at = 0;
  const char* reason = StayReason(st.rooms, lead, rules, stay_nights, &at);
  if (from_lease && reason && std::string_view(reason) == "sold_out") reason = nullptr;
  if (reason) {
    const std::string reason_s = reason;
    const std::string d = FormatDate(st.check_in + static_cast<Day>(at));
    const Night& n = stay_nights[at];
    std::string msg;
    if (reason_s == "lead_time") {
      msg = "check-in " + in_text + " is " + std::to_string(lead) + " day(s) away; min_lead_days is " +
            std::to_string(rules.min_lead_days);
    } else if (reason_s == "advance_window") {
      msg = "check-in " + in_text + " is beyond max_advance_days " + std::to_string(rules.max_advance_days);
    } else if (reason_s == "max_rooms") {
      msg = std::to_string(st.rooms) + " rooms > max_rooms_per_booking " + std::to_string(rules.max_rooms_per_booking);
    } else if (reason_s == "no_inventory") {
      msg = d + " has no inventory";
    } else if (reason_s == "stop_sell") {
      msg = d + " is closed for sale";
    } else if (reason_s == "closed_to_arrival") {
      msg = in_text + " is closed to arrival";
    } else if (reason_s == "closed_to_departure") {
      msg = out_text + " is closed to departure";
    } else if (reason_s == "min_stay") {
      msg = "minimum stay from " + in_text + " is " + std::to_string(n.min_stay) + " nights";
    } else if (reason_s == "max_stay") {
      msg = "maximum stay from " + in_text + " is " + std::to_string(n.max_stay) + " nights";
    } else {
      msg = d + " has " + std::to_string(n.available) + " room" + (n.available == 1 ? "" : "s");
    }
    out->result = Rejected(seq, reason, std::move(msg));
    return false;
  }
  if (!StayTotal(stay_nights, static_cast<size_t>(st.nights()), st.rooms, total)) {
    out->result = Rejected(seq, "invalid", "the stay's total is above 2^53 - 1 cents, the most a booking can carry");
    return false;
  }
  return true;
}

// A hold keeps its rooms until the hotel's hold_ttl_seconds (or the edge's own, earlier
// expiry); the sweeper (ExpireHolds) gives them back if it is never confirmed.
int64_t HoldUntil(const Stay& st, const BookingRules& rules, int64_t now) {
  int64_t until = now + rules.hold_ttl_seconds * 1000;
  if (st.hold_expires_at && *st.hold_expires_at > now) until = std::min(until, *st.hold_expires_at);
  return until;
}

// An applied createBooking's result: the booking as stored, with the edge's local id and
// the lease it came from.
json BookedResult(int64_t seq, const Stay& st, const std::vector<Cell>& booking_row, bool from_lease) {
  json booking = BookingJson(booking_row);
  if (st.local_id) booking["localId"] = *st.local_id;
  if (from_lease) booking["leaseId"] = *st.lease_id;
  json result = Applied(seq);
  result["booking"] = std::move(booking);
  return result;
}

// A client's exactly-once ledger in one row: its last applied seq, and the recorded
// outcome and user of the mutation's idempotency key ($1 hotel, $2 client, $3 key).
const char* kLedgerColumns =
    "(SELECT last_seq FROM push_clients WHERE hotel_id = $1 AND client_id = $2),"
    " (SELECT result FROM idempotency_keys WHERE hotel_id = $1 AND idem_key = $3),"
    " (SELECT user_id FROM idempotency_keys WHERE hotel_id = $1 AND idem_key = $3)";
constexpr size_t kLedgerWidth = 3;

// A stay's inventory rows (and the check-out date's, for closed_to_departure) with their
// special days, as the shared stay rules read them; the placeholders name the room type,
// check-in and check-out dates and the hotel.
std::string StayInventorySql(const char* room_type, const char* in, const char* out, const char* hotel) {
  return "SELECT " + StayColumnList("") + " FROM room_inventory i LEFT JOIN special_days sd ON sd.hotel_id = " +
         hotel + " AND sd.date = i.date WHERE i.room_type_id = " + room_type + " AND i.date >= " + in +
         " AND i.date <= " + out;
}

// room_inventory's columns in FORMAT order (the change log's rows): the protocol's list.
const TableSpec& Inventory() { return Table(TableId::kRoomInventory); }

// Finds a booking of this hotel by central id (> 0) or by this client's local id (< 0).
Status FindBooking(Conn& c, const PushBatch& b, int64_t booking_id, Result* r) {
  if (booking_id > 0)
    return c.Query("SELECT " + BookingColumns() + " FROM bookings WHERE id = $1 AND hotel_id = $2",
                   {booking_id, b.hotel_id}, r);
  return c.Query("SELECT " + BookingColumns() +
                     " FROM bookings WHERE hotel_id = $1 AND client_id = $2 AND local_id = $3"
                     " ORDER BY id DESC LIMIT 1",
                 {b.hotel_id, b.client_id, booking_id}, r);
}

// Gives a booking's rooms back (never above a night's total: an ARI change may have
// lowered it) and moves the booking to `to_status`; both rows go to the change log.
Status ReleaseBooking(Conn& c, const std::vector<Cell>& row, const char* to_status, int64_t now,
                      LogWriter* log, Result* booking_out) {
  Result r;
  Status s = c.Query(std::string("UPDATE room_inventory SET available = CASE WHEN available + $1 > total"
                                 " THEN total ELSE available + $1 END"
                                 " WHERE room_type_id = $2 AND date >= $3 AND date < $4 RETURNING ") +
                         Inventory().column_list,
                     {row[7].Int(), row[3].Int(), row[5].text, row[6].text}, &r);
  if (!s.ok()) return s;
  std::sort(r.rows.begin(), r.rows.end(),
            [](const auto& a, const auto& b2) { return a[1].text < b2[1].text; });
  log->UpsertAll(TableId::kRoomInventory, r);
  s = c.Query("UPDATE bookings SET status = $3, updated_at = $2 WHERE id = $1 RETURNING " +
                  BookingColumns(),
              {row[0].Int(), now, to_status}, booking_out);
  if (!s.ok()) return s;
  log->Upsert(TableId::kBookings, booking_out->rows[0]);
  return Status::Ok();
}

// The rows a central booking writes, one text each for the separate statements and for
// BookStayPg's single one: values come either as a VALUES row or selected FROM the CTE
// holding the new booking (then its id is `id`).
struct RowSource {
  const char* open;
  const char* close;
};
constexpr RowSource kValuesRow{"VALUES (", ")"};
constexpr RowSource kFromBooking{"SELECT ", " FROM bk"};
const char* kBookingInsert =
    "INSERT INTO bookings (hotel_id, user_id, room_type_id, status, start_date, end_date, rooms,"
    " guests, total_cents, created_at, updated_at, hold_expires_at, idempotency_key, origin,"
    " client_id, local_id) ";
// The centre's follow-ups: a pending payment for the total and a confirmation email.
std::string PaymentInsert(RowSource src, const std::string& booking_id, const std::string& amount,
                          const std::string& now) {
  return "INSERT INTO payments (booking_id, status, amount_cents, created_at) " + std::string(src.open) +
         booking_id + ", 'PENDING', " + amount + ", " + now + src.close + " RETURNING " +
         Table(TableId::kPayments).column_list;
}
std::string NotificationInsert(RowSource src, const std::string& booking_id, const std::string& user_id,
                               const std::string& now) {
  return "INSERT INTO notifications (booking_id, user_id, channel, status, scheduled_at, kind) " +
         std::string(src.open) + booking_id + ", " + user_id + ", 'email', 'QUEUED', " + now +
         ", 'confirmation'" + src.close + " RETURNING " + Table(TableId::kNotifications).column_list;
}

// PostgreSQL: a booking that takes general inventory in ONE round trip. The conditional
// decrement, the booking and its payment and notification are data-modifying CTEs of one
// statement; the booking (and so its follow-ups) is inserted only when the decrement
// touched every night of the stay. The answer is one row per decremented night: the
// inventory columns, then the booking's, payment's and notification's (NULL when the
// booking was not inserted). Anything short of that is a retry, as with separate
// statements (the caller rolls the partial decrement back).
Status BookStayPg(Conn& c, const PushBatch& b, const Stay& st, const std::string& in_text,
                  const std::string& out_text, int64_t total, int64_t now, const std::string& key,
                  const Param& hold_until, LedgerRead* next_read, LogWriter* log,
                  std::vector<Cell>* booking_row) {
  // Parameters are cast: an INSERT ... SELECT does not type them from its target columns.
  static const std::string kBook =
      std::string("WITH u AS (UPDATE room_inventory SET available = available - $1::int"
                  " WHERE room_type_id = $2::bigint AND date >= $3::date AND date < $4::date"
                  " AND available >= $1::int AND stop_sell = 0 RETURNING ") + Inventory().column_list +
      "), bk AS (" + kBookingInsert +
      "SELECT $6::bigint, $7::bigint, $2::bigint, $14::text, $3::date, $4::date, $1::int,"
      " $8::int, $9::bigint, $10::bigint, $10::bigint, $15::bigint, $11::text, 'central',"
      " $12::text, $13::bigint WHERE (SELECT count(*) FROM u) = $5::bigint RETURNING " +
      BookingColumns() +
      "), p AS (" + PaymentInsert(kFromBooking, "id", "$9::bigint", "$10::bigint") +
      "), n AS (" + NotificationInsert(kFromBooking, "id", "$7::bigint", "$10::bigint") +
      ") SELECT u.*, bk.*, p.*, n.* FROM u LEFT JOIN (bk CROSS JOIN p CROSS JOIN n) ON true";
  const size_t kInv = Inventory().columns.size();
  const size_t kBk = Table(TableId::kBookings).columns.size();
  const size_t kPay = Table(TableId::kPayments).columns.size();
  Result r;
  const Params params = {st.rooms, st.room_type_id, in_text, out_text, st.nights(), b.hotel_id,
                         st.user_id, st.guests, total, now, key, b.client_id, Param(st.local_id),
                         st.hold ? "HELD" : "CONFIRMED", hold_until};
  Status s;
  if (next_read) {  // the group's next ledger read rides with this write
    Status read;
    s = c.QueryThen(kBook, params, &r, *next_read->sql, next_read->params, &next_read->answer, &read);
    if (s.ok() && !read.ok()) return read;  // the transaction is aborted: the group fails
    next_read->answered = s.ok();
  } else {
    s = c.Query(kBook, params, &r);
  }
  if (!s.ok()) return s.code() == kDbConstraint ? Status::Error(kDbRetry, s.message()) : s;
  if (static_cast<int64_t>(r.size()) != st.nights() || r.at(0, kInv).null)
    return Status::Error(kDbRetry, "partial decrement of " + in_text + ".." + out_text + ": rolled back");
  std::sort(r.rows.begin(), r.rows.end(),
            [](const auto& a, const auto& b2) { return a[1].text < b2[1].text; });
  Result nights;
  for (const auto& row : r.rows) nights.rows.emplace_back(row.begin(), row.begin() + kInv);
  log->UpsertAll(TableId::kRoomInventory, nights);
  const std::vector<Cell>& first = r.rows[0];
  booking_row->assign(first.begin() + kInv, first.begin() + kInv + kBk);
  log->Upsert(TableId::kBookings, *booking_row);
  const auto pay = first.begin() + kInv + kBk;
  log->UpsertUser(TableId::kPayments, std::vector<Cell>(pay, pay + kPay), st.user_id);
  log->UpsertUser(TableId::kNotifications, std::vector<Cell>(pay + kPay, first.end()), st.user_id);
  return Status::Ok();
}

}  // namespace

Status SqlStore::ExpireHolds(int64_t now, int64_t* expired) {
  return SweepHotels(
      "SELECT DISTINCT hotel_id FROM bookings WHERE status = 'HELD' AND hold_expires_at <= $1", now,
      [&](Conn& c, LogWriter& log, int64_t hotel, int64_t* n) -> Status {
        Result due;
        Status st = c.Query("SELECT " + BookingColumns() + " FROM bookings WHERE hotel_id = $1"
                            " AND status = 'HELD' AND hold_expires_at <= $2 ORDER BY id",
                            {hotel, now}, &due);
        if (!st.ok()) return st;
        for (const auto& row : due.rows) {
          Result b;
          st = ReleaseBooking(c, row, "EXPIRED", now, &log, &b);
          if (!st.ok()) return st;
          ++*n;
        }
        return Status::Ok();
      },
      expired);
}

// A PostgreSQL group in one statement. When every mutation of a group is a createBooking
// the group can decide alone — well-formed, outside any lease, under a valid idempotency
// key no other mutation of the group names — the group reads everything its stay rules
// need ONCE, with the hotel lock (the clients' last seqs, whether any key is known, the
// stays' inventory with their special days, the room types' rules), applies the mutations
// in order to a copy of that inventory in memory (the same checks as CreateBookingTx:
// StayAllowedForToken, StayFitsRoomType, StayRulesAllow), and writes every booking's
// decrements, rows, payments and notifications in ONE statement. The lock keeps all of
// it unchanged until the commit, and the statement still decrements only where
// `available >= n`, so the database's own guard against overbooking stands: should it
// disagree with the copy, the group runs again mutation by mutation. Anything the copy
// does not model — a replayed seq, a known key — sends the group, before it has written
// anything, down the mutation-by-mutation path. What goes to the change log differs
// only in that a night booked twice in the group is logged once, with its final count.
struct SqlStore::GroupStatement {
  struct Item {
    PushJob* job;
    int64_t seq;
    std::string key;
    Stay stay;
  };
  std::vector<Item> items;  // the group's mutations, in order
  Params read_params;
  Result read;
};

namespace {
// The group's read: rows of four kinds, every column text, padded to one width.
//   c: client_id, last_seq             k: idem_key (a key already recorded)
//   i: the inventory row (the protocol's columns), then its special day's (kStaySpecialDayColumns)
//   r: room type id, then its rule row (RuleQuery)
const std::string& GroupReadSql() {
  static const std::string sql = [] {
    constexpr size_t kRuleColumns = 2 + kRuleRowWidth;
    const size_t width = std::max(1 + Inventory().columns.size() + std::size(kStaySpecialDayColumns), kRuleColumns);
    auto pad = [width](size_t used) {
      std::string p;
      for (size_t i = used; i < width; ++i) p += ", NULL::text";
      return p;
    };
    std::string night = "'i'";
    for (const protocol::ColumnSpec& c : Inventory().columns) night += ", i." + std::string(c.name) + "::text";
    for (const char* c : kStaySpecialDayColumns) night += ", sd." + std::string(c) + "::text";
    // The rule rows: RuleQuery behind the kind and the room type id, every column cast to
    // text by a wrapping SELECT.
    std::string names, cast;
    for (size_t i = 0; i < kRuleColumns; ++i) {
      names += (i ? ", r" : "r") + std::to_string(i);
      cast += (i ? ", r" : "r") + std::to_string(i) + "::text";
    }
    const std::string rules =
        RuleQuery("'r', rt.id, ", "rt.id = ANY (ARRAY(SELECT json_array_elements_text($5::json)::bigint))");
    // Every table is reached through its key, whatever the statistics say (a table
    // analysed while it was small would otherwise be scanned whole: the hotel's every
    // idempotency key, the whole inventory): each client, key and stay is a lookup or a
    // range scan of its own (a LATERAL subquery kept apart by OFFSET 0), the room types an
    // array the index takes. (Stays that overlap read a night more than once: the caller
    // keeps one.)
    return std::string("SELECT 'c'::text, pc.client_id, pc.last_seq::text") + pad(3) +
           " FROM json_array_elements_text($2::json) AS q(client) CROSS JOIN LATERAL (SELECT client_id, last_seq"
           " FROM push_clients WHERE hotel_id = $1 AND client_id = q.client OFFSET 0) pc"
           " UNION ALL SELECT 'k', ik.idem_key" + pad(2) +
           " FROM json_array_elements_text($3::json) AS q(key) CROSS JOIN LATERAL (SELECT idem_key"
           " FROM idempotency_keys WHERE hotel_id = $1 AND idem_key = q.key OFFSET 0) ik"
           " UNION ALL SELECT " + night + pad(1 + Inventory().columns.size() + std::size(kStaySpecialDayColumns)) +
           " FROM json_to_recordset($4::json) AS s(t bigint, a date, b date) CROSS JOIN LATERAL"
           " (SELECT * FROM room_inventory WHERE room_type_id = s.t AND date >= s.a AND date <= s.b OFFSET 0) i"
           " LEFT JOIN special_days sd ON sd.hotel_id = $1 AND sd.date = i.date"
           " UNION ALL SELECT " + cast + pad(kRuleColumns) + " FROM (" + rules + ") AS rr(" + names + ")";
  }();
  return sql;
}
}  // namespace

// One client's push while it is queued in (or applied by) its hotel's group.
struct SqlStore::PushJob {
  const PushBatch* batch = nullptr;
  PushOutcome* out = nullptr;
  Status status;      // the push's own error (its earlier mutations stay applied)
  bool wrote = false; // some mutation appended to the change log
  PushDone done;      // called once, after the group's transaction ended
  bool async = false; // PushAsync: answered by the answerer thread, else by the leader
  // PushAsync: the job owns its batch and outcome (batch and out point here).
  PushBatch own_batch;
  PushOutcome own_out;
};

namespace {
// A group stops growing at this many mutations: one transaction stays short, and
// PostgreSQL keeps each transaction's subtransactions (one per savepoint that wrote) in
// its fast path only up to 64.
constexpr size_t kGroupMutations = 48;
// PushGroup without savepoints: an attempt failed, the transaction was rolled back.
constexpr const char* kNeedSavepoints = "PUSH_NEEDS_SAVEPOINTS";
}  // namespace

Status SqlStore::Push(const PushBatch& b, PushOutcome* out) {
  out->results.clear();
  out->next_seq = 1;
  // The caller waits for its answer: it may lead the group itself (and the groups queued
  // behind it) or be answered by the hotel's leader.
  struct Waiter {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    Status status;
  } w;
  auto job = std::make_unique<PushJob>();
  job->batch = &b;
  job->out = out;
  job->done = [&w](const Status& s, PushOutcome&&) {
    // Notified under `mu`: the waiter cannot return (and destroy `w`) before it.
    std::lock_guard<std::mutex> g(w.mu);
    w.status = s;
    w.done = true;
    w.cv.notify_one();
  };
  EnqueuePush(std::move(job));
  std::unique_lock<std::mutex> lock(w.mu);
  w.cv.wait(lock, [&] { return w.done; });
  return w.status;
}

void SqlStore::PushAsync(PushBatch b, PushDone done) {
  auto job = std::make_unique<PushJob>();
  job->own_batch = std::move(b);
  job->batch = &job->own_batch;
  job->out = &job->own_out;
  job->done = std::move(done);
  job->async = true;
  EnqueuePush(std::move(job));
}

// Calls the job's `done` and frees the job. An answer that failed to go out is its
// connection's loss only: the thread goes on with the next answers and groups.
void SqlStore::Answer(PushJob* job) {
  std::unique_ptr<PushJob> owned(job);
  try {
    owned->done(owned->status, std::move(*owned->out));
  } catch (...) {
  }
}

void SqlStore::AnswerLater(std::vector<PushJob*> jobs) {
  std::call_once(answerer_started_, [this] {
    answerer_ = StartQuietThread([this] {
      for (;;) {
        std::vector<PushJob*> batch;
        {
          std::unique_lock<std::mutex> lock(answer_mu_);
          answer_cv_.wait(lock, [&] { return !answers_.empty() || answer_stop_; });
          if (answers_.empty()) return;
          batch.swap(answers_);
        }
        for (PushJob* j : batch) Answer(j);
      }
    });
  });
  bool first;
  {
    std::lock_guard<std::mutex> g(answer_mu_);
    first = answers_.empty();  // otherwise the answerer is awake and takes these too
    answers_.insert(answers_.end(), jobs.begin(), jobs.end());
  }
  if (first) answer_cv_.notify_one();
}

void SqlStore::StopAnswerer() {
  {
    std::lock_guard<std::mutex> g(answer_mu_);
    answer_stop_ = true;
  }
  answer_cv_.notify_one();
  if (answerer_.joinable()) answerer_.join();
}

void SqlStore::EnqueuePush(std::unique_ptr<PushJob> job) {
  const int64_t hotel_id = job->batch->hotel_id;
  std::unique_lock<std::mutex> lock(push_mu_);
  // (References into push_queues_ stay valid while it grows: its nodes never move, and
  // only the hotel's leader erases its queue, empty.)
  PushQueue& q = push_queues_[hotel_id];
  q.pending.push_back(job.release());
  // A queued push needs no thread waiting for it: it is answered through its `done`
  // (PushAsync's by the answerer thread). So a push costs its caller no sleep and
  // wake-up, and a hotel's groups run back to back on this thread, with no hand-off
  // between leaders.
  if (q.leading) return;
  q.leading = true;
  for (;;) {
    // Take the oldest pushes up to the cap; the pushes that arrive meanwhile form the
    // next group.
    std::vector<PushJob*> group;
    size_t mutations = 0;
    auto it = q.pending.begin();
    while (it != q.pending.end() &&
           (group.empty() || mutations + (*it)->batch->mutations.size() <= kGroupMutations)) {
      mutations += (*it)->batch->mutations.size();
      group.push_back(*it);
      ++it;
    }
    q.pending.erase(q.pending.begin(), it);
    lock.unlock();
    // Savepoints cost a round trip per mutation and are needed only when a mutation
    // fails (rejections are results, not failures): the group runs without them first
    // and, should an attempt fail, again from scratch with them.
    Status s;
    GroupPath path = GroupPath::kPerMutation;
    try {
      s = PushGroup(hotel_id, group, false, &path);
      if (s.code() == kNeedSavepoints) s = PushGroup(hotel_id, group, true, &path);
      if (s.ok()) ++group_counts_[static_cast<size_t>(path)];
    } catch (const std::exception& e) {
      // A defect, not an outcome: still every push of the group is answered and the
      // hotel's queue goes on (a leader that left would leave its hotel stuck).
      s = Status::Error(kDbError, std::string("push group: ") + e.what());
    }
    bool wrote = false;
    for (PushJob* j : group) {
      if (!s.ok()) j->status = s;  // the transaction failed: nothing of it was committed
      else wrote = wrote || j->wrote;
    }
    if (wrote) NotifyChange(hotel_id);
    std::vector<PushJob*> later;
    for (PushJob* j : group) {
      if (j->async) later.push_back(j);
      else Answer(j);
    }
    if (!later.empty()) AnswerLater(std::move(later));
    lock.lock();
    if (q.pending.empty()) {
      push_queues_.erase(hotel_id);
      return;
    }
  }
}

Status SqlStore::PushGroup(int64_t hotel_id, const std::vector<PushJob*>& jobs,
                           bool savepoints, GroupPath* path) {
  return WithTx(*backend_, TxKind::kWrite, [&](Conn& c) -> Status {
    for (PushJob* j : jobs) {  // a retried transaction starts from scratch
      j->out->results.clear();
      j->out->next_seq = 1;
      j->status = Status::Ok();
      j->wrote = false;
    }
    // Lock the hotel's counter row first (serialises this hotel's writers), THEN read
    // each client's last seq in later statements: on PostgreSQL a statement that waited
    // for a row lock re-reads only the locked row, so reads joined into the locking
    // statement could be stale.
    //
    // PostgreSQL without savepoints: a push's last booking write carries the next push's
    // ledger read (one wait per booking instead of two; the read sees the write), and the
    // lock carries the group's first. Not when the next push is the same client's or names
    // the same idempotency key: the read would miss this mutation's outcome record, which
    // is sent only after the write's answer.
    const bool chain = !savepoints && dialect() == Dialect::kPostgres;
    // A group of plain createBookings is read with the lock and written in one statement.
    GroupStatement group;
    const bool one_statement = chain && group_statement_ && PlanGroupStatement(hotel_id, jobs, &group);
    *path = savepoints ? GroupPath::kSavepoints : GroupPath::kPerMutation;
    LedgerRead read, next;
    const json* next_for = nullptr;  // the mutation `next` was planned for
    for (size_t k = 0; chain && !one_statement && k < jobs.size() && !next_for; ++k) {
      if (jobs[k]->batch->mutations.empty()) continue;
      next_for = &jobs[k]->batch->mutations[0];
      PlanLedgerRead(*jobs[k]->batch, *next_for, &next);
    }
    bool exists = false;
    Status st;
    if (one_statement) {
      Status group_read;
      st = c.LockHotelThen(hotel_id, &exists, GroupReadSql(), group.read_params, &group.read, &group_read);
      if (st.ok() && !group_read.ok()) return Status::Error(kNeedSavepoints, group_read.message());
    } else if (next_for) {
      Status first_read;
      st = c.LockHotelThen(hotel_id, &exists, *next.sql, next.params, &next.answer, &first_read);
      // As a failed read of PushMutation's own: run the group again, with savepoints.
      if (st.ok() && !first_read.ok()) return Status::Error(kNeedSavepoints, first_read.message());
      next.answered = st.ok();
    } else {
      st = c.LockHotel(hotel_id, &exists);
    }
    if (!st.ok()) return st;
    if (!exists) return Status::Error("UNKNOWN_HOTEL", "no such hotel");
    // With savepoints, each mutation runs inside savepoint m: a failed attempt rolls back
    // to it, leaving the group's other mutations untouched; a finished one is released
    // and a new one set.
    if (savepoints) {
      st = c.ExecScript("SAVEPOINT m");
      if (!st.ok()) return st;
    }
    RuleCache rules;
    LogWriter log;  // the change-log rows of the group's applied mutations
    OutcomeRecords records;  // without savepoints: the outcome records, written at the end
    bool applied = false;
    if (one_statement) {
      st = ApplyGroupStatement(c, hotel_id, group, &records, &log, &applied);
      if (!st.ok()) return Status::Error(kNeedSavepoints, st.message());
      if (applied) *path = GroupPath::kOneStatement;
    }
    for (size_t ji = 0; ji < jobs.size() && !applied; ++ji) {
      PushJob* j = jobs[ji];
      const std::vector<json>& mutations = j->batch->mutations;
      for (size_t mi = 0; mi < mutations.size(); ++mi) {
        const json& m = mutations[mi];
        if (next_for == &m) std::swap(read, next);  // planned, maybe answered, already
        else PlanLedgerRead(*j->batch, m, &read);
        next_for = nullptr;
        LedgerRead* send_next = nullptr;
        if (chain && mi + 1 == mutations.size()) {
          for (size_t k = ji + 1; k < jobs.size() && !next_for; ++k) {
            const PushBatch& nb = *jobs[k]->batch;
            if (nb.mutations.empty()) continue;
            next_for = &nb.mutations[0];
            PlanLedgerRead(nb, nb.mutations[0], &next);
            if (nb.client_id != j->batch->client_id && !(next.key_ok && read.key_ok && next.key == read.key)) {
              send_next = &next;
              // Earlier records the read must see go before it (in the same round trip).
              if (records.Touches(nb.client_id, next.key)) {
                st = records.Write(c, hotel_id, /*wait=*/false);
                if (!st.ok()) return Status::Error(kNeedSavepoints, st.message());
              }
            }
          }
        }
        MutationOutcome mo;
        bool gap = false, wrote = false;
        int64_t server_next = 1;
        // Set when applying the mutation produced a row the protocol rejects (the
        // commit-point check in LogWriter): it is run again and records a rejection.
        Status refused;
        Status s;
        for (int attempt = 0; attempt < 8; ++attempt) {
          s = PushMutation(c, *j, m, refused, savepoints ? nullptr : &records, &rules, &log, read, send_next, &gap, &wrote,
                           &server_next, &mo);
          if (s.ok()) break;
          if (!savepoints) return Status::Error(kNeedSavepoints, s.message());
          st = c.ExecScript("ROLLBACK TO SAVEPOINT m");
          if (!st.ok()) return st;  // the transaction itself is gone: fail the group
          if (s.code() == "INVALID_ROW" && refused.ok()) refused = s;
          else if (!Retryable(s)) break;
        }
        if (!s.ok()) {
          j->status = s;
          break;
        }
        if (savepoints) {
          st = c.ExecScript("RELEASE SAVEPOINT m; SAVEPOINT m");
          if (!st.ok()) return st;
        }
        j->out->next_seq = server_next;
        if (gap) break;
        j->wrote = j->wrote || wrote;
        j->out->results.push_back(std::move(mo.result));
      }
    }
    // The group's outcome records, one counter update and one log append for the whole
    // group (COMMIT releases m).
    int64_t cursor = 0;
    st = records.Write(c, hotel_id, /*wait=*/false);
    if (st.ok()) st = log.size() > 0 ? log.Flush(c, hotel_id, NowMs(), &cursor) : c.Sync();
    // Without savepoints the outcome records were sent without waiting (Conn::Send): a
    // failed one shows here at the latest, and the group runs again with savepoints,
    // where each is awaited and a conflict retries its own mutation.
    if (!st.ok() && !savepoints) return Status::Error(kNeedSavepoints, st.message());
    return st;
  });
}

void SqlStore::PlanLedgerRead(const PushBatch& b, const json& m, LedgerRead* out) const {
  *out = LedgerRead{};
  out->key_ok = StrField(m, "idempotencyKey", 1, 128, &out->key) == Field::kOk;
  if (!out->key_ok) out->key.clear();
  // PostgreSQL: a booking's stay inventory comes in the same round trip as the ledger (one
  // statement, the ledger's columns beside each inventory row, or alone with NULLs when
  // the stay has none). Read there it is what the booking would read next anyway: the hotel
  // lock is held and nothing is written in between. Not for a stay in a lease, whose
  // check may give units back before the inventory is read.
  if (dialect() == Dialect::kPostgres) {
    std::string type;
    auto args = m.find("args");
    out->with_stay = StrField(m, "type", 1, 64, &type) == Field::kOk && type == "createBooking" &&
                     args != m.end() && args->is_object() &&
                     ParseStay(*args, b.hotel_id, true, &out->pre.stay).empty() && !out->pre.stay.lease_id;
  }
  if (out->with_stay) {
    static const std::string kLedgerAndStay = std::string("SELECT l.*, i.* FROM (SELECT ") + kLedgerColumns +
                                              ") l LEFT JOIN (" + StayInventorySql("$4", "$5", "$6", "$1") +
                                              ") i ON true";
    const Stay& st = out->pre.stay;
    out->sql = &kLedgerAndStay;
    out->params = {b.hotel_id, b.client_id, out->key, st.room_type_id, FormatDate(st.check_in),
                   FormatDate(st.check_out)};
  } else {
    static const std::string kLedger = std::string("SELECT ") + kLedgerColumns;
    out->sql = &kLedger;
    out->params = {b.hotel_id, b.client_id, out->key};
  }
}

bool SqlStore::PlanGroupStatement(int64_t hotel_id, const std::vector<PushJob*>& jobs, GroupStatement* plan) const {
  json clients = json::array(), keys = json::array(), stays = json::array(), types = json::array();
  std::set<std::string> seen_clients, seen_keys;
  std::set<int64_t> seen_types;
  for (PushJob* j : jobs) {
    for (const json& m : j->batch->mutations) {
      GroupStatement::Item item{j, m["seq"].get<int64_t>(), "", {}};
      std::string type;
      auto args = m.find("args");
      if (StrField(m, "type", 1, 64, &type) != Field::kOk || type != "createBooking" || args == m.end() ||
          !args->is_object() || StrField(m, "idempotencyKey", 1, 128, &item.key) != Field::kOk ||
          !seen_keys.insert(item.key).second || !ParseStay(*args, hotel_id, true, &item.stay).empty() ||
          item.stay.lease_id)
        return false;
      if (seen_clients.insert(j->batch->client_id).second) clients.push_back(j->batch->client_id);
      keys.push_back(item.key);
      stays.push_back({{"t", item.stay.room_type_id}, {"a", FormatDate(item.stay.check_in)},
                       {"b", FormatDate(item.stay.check_out)}});
      if (seen_types.insert(item.stay.room_type_id).second) types.push_back(item.stay.room_type_id);
      plan->items.push_back(std::move(item));
    }
  }
  if (plan->items.empty()) return false;
  plan->read_params = {hotel_id, Dump(clients), Dump(keys), Dump(stays), Dump(types)};
  return true;
}

Status SqlStore::ApplyGroupStatement(Conn& c, int64_t hotel_id, GroupStatement& plan, OutcomeRecords* records,
                                     LogWriter* group_log, bool* applied) {
  *applied = false;
  // The copy: each client's last seq, the stays' nights (their inventory rows, `available`
  // kept current as the group books, and their special days), the room types' rule rows.
  const TableSpec& inv = Inventory();
  static const int kRoomType = inv.ColumnIndex("room_type_id"), kNightDate = inv.ColumnIndex("date"),
                   kLeft = inv.ColumnIndex("available");
  struct NightCopy {
    std::vector<Cell> row;      // the inventory row, in the protocol's columns
    std::vector<Cell> special;  // its special day's kStaySpecialDayColumns (NULL: none)
    int64_t read_available = 0;
    // StayNights' row (StayColumnList's columns).
    std::vector<Cell> StayRow() const {
      static const std::vector<int> from = [] {
        std::vector<int> at;
        for (const char* c : kStayInventoryColumns) at.push_back(Inventory().ColumnIndex(c));
        return at;
      }();
      std::vector<Cell> out;
      for (int i : from) out.push_back(row[i]);
      out.insert(out.end(), special.begin(), special.end());
      return out;
    }
  };
  std::map<std::string, int64_t> last_seq;
  std::map<std::pair<int64_t, Day>, NightCopy> nights;
  std::map<int64_t, Result> rule_rows;
  for (auto& row : plan.read.rows) {
    const std::string& kind = row[0].text;
    if (kind == "c") {
      last_seq[row[1].text] = row[2].Int();
    } else if (kind == "k") {
      return Status::Ok();  // a known key: its mutation answers from the record (per mutation)
    } else if (kind == "i") {
      const auto special = row.begin() + 1 + inv.columns.size();
      std::vector<Cell> night(row.begin() + 1, special);
      Day day = 0;
      if (!ParseDate(night[kNightDate].text, &day))
        return Status::Error(kDbError, "unreadable inventory date " + night[kNightDate].text);
      NightCopy& n = nights[{night[kRoomType].Int(), day}];
      n.read_available = night[kLeft].Int();
      n.row = std::move(night);
      n.special.assign(special, special + std::size(kStaySpecialDayColumns));
    } else if (kind == "r") {
      rule_rows[row[1].Int()].rows.emplace_back(row.begin() + 2, row.begin() + 2 + kRuleRowWidth);
    }
  }
  // The mutations in order, on the copy. A booking's row is known only once written.
  struct Decided {
    const GroupStatement::Item* item = nullptr;
    MutationOutcome mo;
    int64_t now = 0;
    int64_t total = 0, hold_until = 0;
    bool book = false;
    std::vector<Cell> booking;  // a booked one's row, once written
  };
  std::vector<Decided> decided;
  std::map<PushJob*, int64_t> next_seq;  // each push's answer: the seq the centre expects next
  std::set<PushJob*> stopped;            // pushes stopped at a gap
  const Result no_rules;
  for (const GroupStatement::Item& item : plan.items) {
    PushJob* j = item.job;
    if (stopped.count(j)) continue;
    int64_t& last = last_seq[j->batch->client_id];
    if (item.seq <= last) return Status::Ok();  // a replay: answered from its record (per mutation)
    if (item.seq > last + 1) {                  // a gap: the push stops here
      next_seq[j] = last + 1;
      stopped.insert(j);
      continue;
    }
    Decided d;
    d.item = &item;
    d.now = NowMs();
    d.mo.idempotency_key = item.key;
    const Stay& st = item.stay;
    StayRules sr;
    auto rules = rule_rows.find(st.room_type_id);
    if (StayAllowedForToken(*j->batch, item.seq, st, &d.mo) &&
        StayFitsRoomType(*j->batch, item.seq, st, rules == rule_rows.end() ? no_rules : rules->second, &sr, &d.mo)) {
      std::vector<std::vector<Cell>> stay_rows;
      for (Day day = st.check_in; day <= st.check_out; ++day) {
        auto n = nights.find({st.room_type_id, day});
        if (n != nights.end()) stay_rows.push_back(n->second.StayRow());
      }
      const int64_t lead = st.check_in - HotelToday(d.now, sr.utc_offset_minutes);
      if (StayRulesAllow(item.seq, st, lead, sr.rules, StayNights(st, stay_rows), false, &d.total, &d.mo)) {
        d.book = true;
        d.hold_until = HoldUntil(st, sr.rules, d.now);
        for (Day day = st.check_in; day < st.check_out; ++day) {
          Cell& available = nights[{st.room_type_id, day}].row[kLeft];
          available.text = std::to_string(available.Int() - st.rooms);
        }
      }
    }
    last = item.seq;
    next_seq[j] = item.seq + 1;
    decided.push_back(std::move(d));
  }

  // The writes: every booked night's decrement, then the bookings (in the group's order,
  // so ids follow it) with their payments and notifications. The answer is one row per
  // booking (its row, payment and notification), or one row of NULLs when the decrements
  // did not all apply; each row leads with what the decrements changed (a count and the
  // sum of the new counts), which must be what the copy says.
  json decrements = json::array(), bookings = json::array();
  int64_t touched = 0, sum_available = 0;
  for (auto& [key, n] : nights) {
    const int64_t left = n.row[kLeft].Int();
    if (left == n.read_available) continue;
    decrements.push_back({{"t", key.first}, {"d", n.row[kNightDate].text}, {"n", n.read_available - left}});
    ++touched;
    sum_available += left;
  }
  std::map<std::string, size_t> by_key;  // idempotency key -> index in `decided`
  for (size_t i = 0; i < decided.size(); ++i) {
    const Decided& d = decided[i];
    if (!d.book) continue;
    const Stay& st = d.item->stay;
    by_key[d.item->key] = i;
    json b = {{"o", bookings.size()}, {"u", st.user_id}, {"t", st.room_type_id}, {"s", st.hold ? "HELD" : "CONFIRMED"},
              {"a", FormatDate(st.check_in)}, {"b", FormatDate(st.check_out)}, {"r", st.rooms}, {"g", st.guests},
              {"p", d.total}, {"w", d.now}, {"k", d.item->key}, {"c", d.item->job->batch->client_id}};
    if (st.hold) b["h"] = d.hold_until;
    if (st.local_id) b["l"] = *st.local_id;
    bookings.push_back(std::move(b));
  }
  if (!bookings.empty()) {
    static const std::string kWrite =
        // (Each night found by its key, then updated by its row address: index lookups
        // whatever the statistics say, never a scan of the room type's inventory.)
        std::string("WITH d AS (SELECT x.n, r.tid FROM json_to_recordset($2::json) AS x(t bigint, d date, n int)"
                    " CROSS JOIN LATERAL (SELECT ctid AS tid FROM room_inventory WHERE room_type_id = x.t"
                    " AND date = x.d OFFSET 0) r),"
                    " u AS (UPDATE room_inventory i SET available = i.available - d.n FROM d"
                    " WHERE i.ctid = d.tid AND i.available >= d.n AND i.stop_sell = 0"
                    " RETURNING i.available),"
                    " c AS (SELECT count(*) AS n, coalesce(sum(available), 0) AS s FROM u),"
                    " bk AS (") + kBookingInsert +
        "SELECT $1::bigint, b.u, b.t, b.s, b.a, b.b, b.r, b.g, b.p, b.w, b.w, b.h, b.k, 'central', b.c, b.l"
        " FROM json_to_recordset($3::json) AS b(o int, u bigint, t bigint, s text, a date, b date, r int, g int,"
        " p bigint, w bigint, h bigint, k text, c text, l bigint)"
        " WHERE (SELECT n FROM c) = $4::bigint AND (SELECT s FROM c) = $5::bigint ORDER BY b.o RETURNING " +
        BookingColumns() + "), p AS (" + PaymentInsert(kFromBooking, "id", "total_cents", "created_at") +
        "), n AS (" + NotificationInsert(kFromBooking, "id", "user_id", "created_at") +
        ") SELECT c.n, bk.*, p.*, n.* FROM c LEFT JOIN (bk JOIN p ON p.booking_id = bk.id"
        " JOIN n ON n.booking_id = bk.id) ON true";
    Result r;
    Status s = c.Query(kWrite, {hotel_id, Dump(decrements), Dump(bookings), touched, sum_available}, &r);
    if (!s.ok()) return s;
    const size_t kBk = Table(TableId::kBookings).columns.size();
    const size_t kPay = Table(TableId::kPayments).columns.size();
    const int key_col = Table(TableId::kBookings).ColumnIndex("idempotency_key");
    if (r.size() != bookings.size() || r.at(0, 1).null)
      return Status::Error(kDbRetry, "the group's decrements did not apply as read: rolled back");
    std::sort(r.rows.begin(), r.rows.end(),  // by booking id: the group's order
              [](const auto& a, const auto& b2) { return a[1].Int() < b2[1].Int(); });
    // The change log: every booked night once (its final count), then each booking with
    // its payment and notification, in the group's order.
    for (auto& [key, n] : nights)
      if (n.row[kLeft].Int() != n.read_available) group_log->Upsert(TableId::kRoomInventory, n.row);
    for (const auto& row : r.rows) {
      std::vector<Cell> booking(row.begin() + 1, row.begin() + 1 + kBk);
      auto d = by_key.find(booking[key_col].text);
      if (d == by_key.end()) return Status::Error(kDbError, "a group booking came back under an unknown key");
      const int64_t user = decided[d->second].item->stay.user_id;
      const auto pay = row.begin() + 1 + kBk;
      group_log->Upsert(TableId::kBookings, booking);
      group_log->UpsertUser(TableId::kPayments, std::vector<Cell>(pay, pay + kPay), user);
      group_log->UpsertUser(TableId::kNotifications, std::vector<Cell>(pay + kPay, row.end()), user);
      decided[d->second].booking = std::move(booking);
    }
    // A row the protocol refuses (the commit-point check): the group runs again mutation
    // by mutation, where that mutation alone is rejected.
    if (!group_log->error().ok()) return group_log->error();
  }

  // The answers and the outcome records, in the group's order.
  for (Decided& d : decided) {
    PushJob* j = d.item->job;
    if (d.book) {
      d.mo.result = BookedResult(d.item->seq, d.item->stay, d.booking, false);
      d.mo.booking_id = d.booking[0].Int();
      j->wrote = true;
    }
    records->Add(OutcomeRecords::Of(j->batch->client_id, d.item->seq, d.mo, d.now));
    j->out->results.push_back(std::move(d.mo.result));
  }
  for (auto& [j, n] : next_seq) j->out->next_seq = n;
  *applied = true;
  return Status::Ok();
}

// One mutation inside the group's transaction (the hotel lock is held): reads the
// client's last seq, then answers a replay, stops at a gap, or applies and records it.
Status SqlStore::PushMutation(Conn& c, PushJob& job, const json& m, const Status& refused,
                              OutcomeRecords* records, RuleCache* rules, LogWriter* group_log, LedgerRead& read,
                              LedgerRead* next, bool* gap, bool* wrote, int64_t* server_next,
                              MutationOutcome* mo) {
  const PushBatch& b = *job.batch;
  const int64_t seq = m["seq"].get<int64_t>();
  const std::string& key = read.key;
  const bool key_ok = read.key_ok;
  *mo = MutationOutcome{};
  *gap = *wrote = false;
  Status st;
  if (!read.answered) {
    // The group's records of this client or key go first: the read must see them.
    if (records && records->Touches(b.client_id, read.key)) {
      st = records->Write(c, b.hotel_id, /*wait=*/false);
      if (!st.ok()) return st;
    }
    st = c.Query(*read.sql, read.params, &read.answer);
    if (!st.ok()) return st;
  }
  read.answered = false;  // an attempt run again reads again
  Result& r = read.answer;
  if (read.with_stay) {
    read.pre.inventory.rows.clear();
    for (const auto& row : r.rows)
      if (!row[kLedgerWidth].null) read.pre.inventory.rows.emplace_back(row.begin() + kLedgerWidth, row.end());
  }
  read.pre.next_read = next;
  const int64_t last = r.at(0, 0).Int();  // 0 for a new client
  const std::optional<std::string> earlier =
      r.at(0, 1).null ? std::nullopt : std::optional<std::string>(r.at(0, 1).text);
  const std::optional<int64_t> earlier_user = r.at(0, 2).OptInt();
  *server_next = last + 1;
  if (seq <= last) {  // replay: the recorded result, no side effect
    st = c.Query("SELECT result FROM push_results WHERE hotel_id = $1 AND client_id = $2"
                 " AND seq = $3",
                 {b.hotel_id, b.client_id, seq}, &r);
    if (!st.ok()) return st;
    mo->result = r.empty() ? json(nullptr) : json::parse(r.at(0, 0).text, nullptr, false);
    if (!mo->result.is_object())
      mo->result = Rejected(seq, "invalid", "seq " + std::to_string(seq) + " was already used");
    return Status::Ok();
  }
  if (seq > last + 1) {
    *gap = true;
    return Status::Ok();
  }
  const int64_t now = NowMs();
  LogWriter log;
  if (!key_ok) {
    mo->result = Rejected(seq, "invalid",
                          "idempotencyKey must be a string of 1..128 characters, without U+0000");
  } else if (earlier && b.principal.user_id && earlier_user != b.principal.user_id) {
    // The key belongs to another user's request (or to one whose user is unknown): a
    // user-bound token learns nothing about it, not even whether it was applied.
    mo->result = Rejected(seq, "idempotency_conflict",
                          "idempotencyKey is already used by another request");
  } else if (earlier) {  // the same business key, seen before (from any client)
    mo->result = json::parse(*earlier, nullptr, false);
    if (mo->result.is_object()) mo->result["seq"] = seq;
    else mo->result = Rejected(seq, "invalid", "unreadable earlier outcome");
    mo->from_idempotency_key = true;
  } else if (!refused.ok()) {
    mo->idempotency_key = key;
    mo->result = Rejected(seq, "invalid", refused.message());
  } else {
    mo->idempotency_key = key;
    st = ApplyMutation(c, b, m, now, rules, read.with_stay ? &read.pre : nullptr, &log, mo);
    if (!st.ok()) return st;
  }
  // The rows go to the group's log (flushed once, at the end of the group) only when
  // the protocol accepts every one of them, and only once the outcome is recorded (below):
  // a mutation that fails after this point is rolled back, and its rows with it.
  if (!log.error().ok()) return log.error();
  // Record the outcome under (client, seq) and, for a new business key, under the key.
  OutcomeRecords::Record rec = OutcomeRecords::Of(b.client_id, seq, *mo, now);
  if (records) {
    records->Add(std::move(rec));
  } else {
    OutcomeRecords one;
    one.Add(std::move(rec));
    st = one.Write(c, b.hotel_id, /*wait=*/true);
    // A unique violation here means another transaction recorded this seq or key first
    // (it cannot happen while the hotel lock is held; kept as a safety net): roll back
    // the mutation and run it again, which then answers from the record.
    if (st.code() == kDbUnique) return Status::Error(kDbRetry, st.message());
    if (!st.ok()) return st;
  }
  if (log.size() > 0) {
    group_log->Append(std::move(log));
    *wrote = true;
  }
  *server_next = seq + 1;
  return Status::Ok();
}

Status SqlStore::ApplyMutation(Conn& c, const PushBatch& b, const json& m, int64_t now,
                               RuleCache* rules, const StayPrefetch* prefetched, LogWriter* log,
                               MutationOutcome* out) {
  const int64_t seq = m["seq"].get<int64_t>();
  const std::string& key = out->idempotency_key;
  std::string type;
  if (StrField(m, "type", 1, 64, &type) != Field::kOk) {
    out->result = Rejected(seq, "invalid", "type must be a string");
    return Status::Ok();
  }
  auto args_it = m.find("args");
  if (args_it == m.end() || !args_it->is_object()) {
    out->result = Rejected(seq, "invalid", "args must be an object");
    return Status::Ok();
  }
  const json& args = *args_it;
  if (type == "createBooking")
    return CreateBookingTx(c, b, seq, key, args, now, rules, prefetched, log, out);
  if (type == "cancelBooking") return CancelBookingTx(c, b, seq, args, now, log, out);
  if (type == "confirmHold") return ConfirmHoldTx(c, b, seq, args, now, log, out);
  if (type == "joinWaitlist") return JoinWaitlistTx(c, b, seq, args, now, log, out);
  out->result = Rejected(seq, "invalid", "unknown mutation type '" + type + "'");
  return Status::Ok();
}

Status SqlStore::CreateBookingTx(Conn& c, const PushBatch& b, int64_t seq,
                                 const std::string& key, const json& args, int64_t now,
                                 RuleCache* rules_cache, const StayPrefetch* prefetched,
                                 LogWriter* log, MutationOutcome* out) {
  Stay st;
  if (prefetched) {
    st = prefetched->stay;  // parsed (and valid) when it was read with the ledger
  } else if (std::string bad = ParseStay(args, b.hotel_id, true, &st); !bad.empty()) {
    out->result = Rejected(seq, "invalid", bad);
    return Status::Ok();
  }
  if (!StayAllowedForToken(b, seq, st, out)) return Status::Ok();
  static const std::string kRuleQuery = RuleQuery("", "rt.id = $1");
  Status s;
  auto cached = rules_cache->find(st.room_type_id);
  if (cached == rules_cache->end()) {
    Result rule_rows;
    s = c.Query(kRuleQuery, {st.room_type_id}, &rule_rows);
    if (!s.ok()) return s;
    cached = rules_cache->emplace(st.room_type_id, std::move(rule_rows)).first;
  }
  StayRules sr;
  if (!StayFitsRoomType(b, seq, st, cached->second, &sr, out)) return Status::Ok();
  const BookingRules& rules = sr.rules;
  Result r;
  const int64_t nights = st.nights();
  const int64_t lead = st.check_in - HotelToday(now, sr.utc_offset_minutes);
  const std::string in_text = FormatDate(st.check_in), out_text = FormatDate(st.check_out);

  // A stay inside this token's active lease takes the lease's units: it is never refused
  // for want of general inventory (sold_out), every other rule still applies. Checked before
  // the inventory is read: an expired lease named here gives its units back first.
  bool from_lease = false;
  if (st.lease_id && !st.hold) {
    s = LeaseForBooking(c, b, *st.lease_id, st.room_type_id, st.check_in, st.check_out, st.rooms, now, log,
                        &from_lease);
    if (!s.ok()) return s;
  }

  // The stay's inventory rows (and the check-out date's, for closed_to_departure) with
  // their special days, in one query, as the shared stay rules see them.
  // (On PostgreSQL they usually came with the ledger read: `prefetched`.)
  const Result* stay_inventory = prefetched ? &prefetched->inventory : nullptr;
  if (!stay_inventory || from_lease) {
    static const std::string kStayInventory = StayInventorySql("$1", "$2", "$3", "$4");
    s = c.Query(kStayInventory, {st.room_type_id, in_text, out_text, b.hotel_id}, &r);
    if (!s.ok()) return s;
    stay_inventory = &r;
  }
  int64_t total = 0;
  if (!StayRulesAllow(seq, st, lead, rules, StayNights(st, stay_inventory->rows), from_lease, &total, out))
    return Status::Ok();
  const int64_t hold_until = HoldUntil(st, rules, now);

  // The database-enforced decrement: one conditional UPDATE over the whole stay. It must
  // return one row per night; otherwise (a night changed since the check above, which the
  // hotel lock should make impossible) the whole transaction is rolled back and run again,
  // and the fresh checks name the reason.
  const char* status_text = st.hold ? "HELD" : "CONFIRMED";
  const Param hold_param = st.hold ? Param(hold_until) : Param();
  std::vector<Cell> booking_row;
  if (!from_lease && dialect() == Dialect::kPostgres) {
    s = BookStayPg(c, b, st, in_text, out_text, total, now, key, hold_param, prefetched ? prefetched->next_read : nullptr, log,
                   &booking_row);
    if (!s.ok()) return s;
  } else {
    if (from_lease) {  // the lease took these rooms from inventory when it was granted
      s = TakeLeaseUnits(c, *st.lease_id, st.check_in, st.check_out, st.rooms);
      if (!s.ok()) return s;
    } else {
      s = c.Query(std::string("UPDATE room_inventory SET available = available - $1"
                              " WHERE room_type_id = $2 AND date >= $3 AND date < $4"
                              " AND available >= $1 AND stop_sell = 0 RETURNING ") +
                      Inventory().column_list,
                  {st.rooms, st.room_type_id, in_text, out_text}, &r);
      if (!s.ok()) return s.code() == kDbConstraint ? Status::Error(kDbRetry, s.message()) : s;
      if (static_cast<int64_t>(r.size()) != nights)
        return Status::Error(kDbRetry, "partial decrement of " + in_text + ".." + out_text + ": rolled back");
      std::sort(r.rows.begin(), r.rows.end(),
                [](const auto& a, const auto& b2) { return a[1].text < b2[1].text; });
      log->UpsertAll(TableId::kRoomInventory, r);
    }

    Result br;
    s = c.Query(std::string(kBookingInsert) +
                    "VALUES ($1, $2, $3, $13, $4, $5, $6, $7, $8, $9, $9, $14, $10,"
                    " 'central', $11, $12) RETURNING " + BookingColumns(),
                {b.hotel_id, st.user_id, st.room_type_id, in_text, out_text, st.rooms, st.guests,
                 total, now, key, b.client_id, Param(st.local_id), status_text, hold_param},
                &br);
    if (!s.ok()) return s;
    log->Upsert(TableId::kBookings, br.rows[0]);
    booking_row = br.rows[0];
    const int64_t booking_id = booking_row[0].Int();

    static const std::string kPayment = PaymentInsert(kValuesRow, "$1", "$3", "$4");
    static const std::string kNotification = NotificationInsert(kValuesRow, "$1", "$2", "$4");
    const Params follow_ups = {booking_id, st.user_id, total, now};
    if (dialect() == Dialect::kPostgres) {  // (a lease's booking) one round trip: both rows side by side
      s = c.Query("WITH p AS (" + kPayment + "), n AS (" + kNotification + ") SELECT * FROM p, n",
                  follow_ups, &r);
      if (!s.ok()) return s;
      const size_t split = Table(TableId::kPayments).columns.size();
      std::vector<Cell> payment(r.rows[0].begin(), r.rows[0].begin() + split);
      std::vector<Cell> notification(r.rows[0].begin() + split, r.rows[0].end());
      log->UpsertUser(TableId::kPayments, payment, st.user_id);
      log->UpsertUser(TableId::kNotifications, notification, st.user_id);
    } else {
      Result n;
      s = c.Query(kPayment, follow_ups, &r);
      if (s.ok()) s = c.Query(kNotification, follow_ups, &n);
      if (!s.ok()) return s;
      log->UpsertUser(TableId::kPayments, r.rows[0], st.user_id);
      log->UpsertUser(TableId::kNotifications, n.rows[0], st.user_id);
    }
  }

  out->result = BookedResult(seq, st, booking_row, from_lease);
  out->booking_id = booking_row[0].Int();
  return Status::Ok();
}

Status SqlStore::CancelBookingTx(Conn& c, const PushBatch& b, int64_t seq, const json& args,
                                 int64_t now, LogWriter* log, MutationOutcome* out) {
  int64_t id = 0;
  if (IntField(args, "bookingId", -kMaxSafeInt, kMaxSafeInt, &id) != Field::kOk || id == 0) {
    out->result = Rejected(seq, "invalid", "args.bookingId must be a non-zero integer");
    return Status::Ok();
  }
  Result r;
  Status s = FindBooking(c, b, id, &r);
  if (!s.ok()) return s;
  if (r.empty() || (b.principal.user_id && r.at(0, 2).Int() != *b.principal.user_id)) {
    out->result = Rejected(seq, "unknown_booking", "no booking " + std::to_string(id));
    return Status::Ok();
  }
  std::vector<Cell> row = r.rows[0];
  out->booking_id = row[0].Int();
  out->user_id = row[2].Int();
  const std::string status = row[4].text;
  if (status == "CANCELLED" || status == "EXPIRED") {  // already over: same answer, no effect
    out->result = Applied(seq);
    out->result["booking"] = BookingJson(row);
    return Status::Ok();
  }
  if (status != "CONFIRMED" && status != "HELD" && status != "PENDING_SYNC") {
    out->result = Rejected(seq, "invalid", "booking " + row[0].text + " is " + status);
    return Status::Ok();
  }
  // An edge whose hold ran out sends cancelBooking with reason "expired": record EXPIRED.
  std::string reason;
  StrField(args, "reason", 1, 64, &reason);
  s = ReleaseBooking(c, row, (status == "HELD" && reason == "expired") ? "EXPIRED" : "CANCELLED",
                     now, log, &r);
  if (!s.ok()) return s;
  out->result = Applied(seq);
  out->result["booking"] = BookingJson(r.rows[0]);
  return Status::Ok();
}

Status SqlStore::ConfirmHoldTx(Conn& c, const PushBatch& b, int64_t seq, const json& args,
                               int64_t now, LogWriter* log, MutationOutcome* out) {
  int64_t id = 0;
  if (IntField(args, "bookingId", -kMaxSafeInt, kMaxSafeInt, &id) != Field::kOk || id == 0) {
    out->result = Rejected(seq, "invalid", "args.bookingId must be a non-zero integer");
    return Status::Ok();
  }
  Result r;
  Status s = FindBooking(c, b, id, &r);
  if (!s.ok()) return s;
  if (r.empty() || (b.principal.user_id && r.at(0, 2).Int() != *b.principal.user_id)) {
    out->result = Rejected(seq, "unknown_booking", "no booking " + std::to_string(id));
    return Status::Ok();
  }
  const std::vector<Cell> row = r.rows[0];
  out->booking_id = row[0].Int();
  out->user_id = row[2].Int();
  const std::string status = row[4].text;
  if (status == "CONFIRMED") {
    out->result = Applied(seq);
    out->result["booking"] = BookingJson(row);
    return Status::Ok();
  }
  if (status == "HELD" && (row[12].null || row[12].Int() > now)) {
    s = c.Query("UPDATE bookings SET status = 'CONFIRMED', hold_expires_at = NULL, updated_at = $2"
                " WHERE id = $1 RETURNING " + BookingColumns(),
                {row[0].Int(), now}, &r);
    if (!s.ok()) return s;
    log->Upsert(TableId::kBookings, r.rows[0]);
    out->result = Applied(seq);
    out->result["booking"] = BookingJson(r.rows[0]);
    return Status::Ok();
  }
  if (status == "HELD" || status == "EXPIRED")  // the sweeper gives (gave) the rooms back
    out->result = Rejected(seq, "hold_expired", "the hold on booking " + row[0].text + " has expired");
  else
    out->result = Rejected(seq, "invalid", "booking " + row[0].text + " is " + status);
  return Status::Ok();
}

Status SqlStore::JoinWaitlistTx(Conn& c, const PushBatch& b, int64_t seq, const json& args,
                                int64_t now, LogWriter* log, MutationOutcome* out) {
  Stay st;
  std::string bad = ParseStay(args, b.hotel_id, false, &st);
  if (!bad.empty()) {
    out->result = Rejected(seq, "invalid", bad);
    return Status::Ok();
  }
  if (b.principal.user_id && *b.principal.user_id != st.user_id) {
    out->result = Rejected(seq, "forbidden", "this token may only act for user " +
                                                 std::to_string(*b.principal.user_id));
    out->idempotency_key.clear();  // not recorded under the key: it stays the rightful user's
    return Status::Ok();
  }
  out->user_id = st.user_id;
  Result r;
  Status s = c.Query("SELECT hotel_id FROM room_types WHERE id = $1", {st.room_type_id}, &r);
  if (!s.ok()) return s;
  if (r.empty() || r.at(0, 0).Int() != b.hotel_id) {
    out->result = Rejected(seq, "invalid",
                           "unknown room type " + std::to_string(st.room_type_id) + " in this hotel");
    return Status::Ok();
  }
  s = c.Query("INSERT INTO waitlist (hotel_id, user_id, room_type_id, start_date, end_date, rooms,"
              " status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'WAITING', $7) RETURNING " +
                  Table(TableId::kWaitlist).column_list,
              {b.hotel_id, st.user_id, st.room_type_id, FormatDate(st.check_in),
               FormatDate(st.check_out), st.rooms, now},
              &r);
  if (!s.ok()) return s;
  log->Upsert(TableId::kWaitlist, r.rows[0]);
  out->result = Applied(seq);
  out->result["waitlist"] = {{"id", r.at(0, 0).Int()}, {"status", "WAITING"}};
  return Status::Ok();
}

}  // namespace edgestay::server
