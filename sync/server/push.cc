// SqlStore, part 2: pushes (FORMAT.md §2/§3).
//
// Exactly once: each mutation is its own write transaction that (1) locks the hotel,
// (2) reads the client's last applied seq, (3) returns the recorded result for a seq
// already seen (no side effect), stops at a gap, or otherwise (4) applies the mutation,
// appends its change-log rows, and records its result under (hotel, clientId, seq) and
// under (hotel, idempotencyKey) — all in that one transaction. A response lost after
// the commit is recovered by pushing the same seq again; the same business key from
// another client returns the original outcome. Rejections are results too: they are
// recorded, consume their seq, and never stop the batch.
//
// No overbooking: a booking decrements every night of its stay with one conditional
// UPDATE … SET available = available - n WHERE … AND available >= n RETURNING …; unless
// it returns exactly one row per night the savepoint is rolled back and the mutation is
// rejected sold_out. The CHECK (available >= 0 AND available <= total) on room_inventory
// makes the database refuse any write that would overbook regardless.
#include <algorithm>
#include <map>

#include "dates.h"
#include "json_util.h"
#include "sql_store.h"

namespace edgestay::server {
namespace {

struct Rules {
  int64_t max_advance_days = 365;
  int64_t min_lead_days = 0;
  int64_t max_rooms_per_booking = 10;
  int64_t hold_ttl_seconds = 900;
  int64_t max_nights = 30;
};

Status LoadRules(Conn& c, int64_t hotel_id, Rules* rules) {
  Result r;
  Status s = c.Query("SELECT key, value FROM booking_rules WHERE hotel_id = $1", {hotel_id}, &r);
  if (!s.ok()) return s;
  for (const auto& row : r.rows) {
    const std::string& k = row[0].text;
    const int64_t v = row[1].Int();
    if (k == "max_advance_days") rules->max_advance_days = v;
    else if (k == "min_lead_days") rules->min_lead_days = v;
    else if (k == "max_rooms_per_booking") rules->max_rooms_per_booking = v;
    else if (k == "hold_ttl_seconds") rules->hold_ttl_seconds = v;
    else if (k == "max_nights") rules->max_nights = v;
  }
  return Status::OK();
}

// The stay named by createBooking / joinWaitlist args.
struct Stay {
  int64_t room_type_id = 0;
  int64_t user_id = 0;
  int64_t check_in = 0;
  int64_t check_out = 0;
  int64_t rooms = 1;
  int64_t guests = 1;
  std::optional<int64_t> local_id;
  int64_t nights() const { return check_out - check_in; }
};

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
  f = IntField(args, "rooms", 1, 1000, &st->rooms);
  if (f == Field::kBad) return "args.rooms must be an integer >= 1";
  if (f == Field::kMissing) st->rooms = 1;
  if (with_guests) {
    f = IntField(args, "guests", 1, 100000, &st->guests);
    if (f == Field::kBad) return "args.guests must be an integer >= 1";
    if (f == Field::kMissing) st->guests = st->rooms;
    int64_t local = 0;
    f = IntField(args, "localId", -kMaxSafeInt, kMaxSafeInt, &local);
    if (f == Field::kBad) return "args.localId must be an integer";
    if (f == Field::kOk) st->local_id = local;
  }
  return "";
}

json Applied(int64_t seq) { return json{{"seq", seq}, {"status", "applied"}}; }

const char* kInventoryColumns =
    "room_type_id, date, total, available, price_cents, min_stay, max_stay, "
    "closed_to_arrival, closed_to_departure, stop_sell";

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

}  // namespace

Status SqlStore::Push(const PushBatch& b, PushOutcome* out) {
  out->results.clear();
  out->next_seq = 1;
  for (const json& m : b.mutations) {
    const int64_t seq = m["seq"].get<int64_t>();
    MutationOutcome mo;
    bool gap = false, wrote = false;
    int64_t server_next = 1;
    Status s = WithTx(*backend_, TxKind::kWrite, [&](Conn& c) -> Status {
      mo = MutationOutcome{};
      gap = wrote = false;
      bool exists = false;
      Status st = c.LockHotel(b.hotel_id, &exists);
      if (!st.ok()) return st;
      if (!exists) return Status::Error("UNKNOWN_HOTEL", "no such hotel");
      Result r;
      st = c.Query("SELECT last_seq FROM push_clients WHERE hotel_id = $1 AND client_id = $2",
                   {b.hotel_id, b.client_id}, &r);
      if (!st.ok()) return st;
      const bool known_client = !r.empty();
      const int64_t last = known_client ? r.at(0, 0).Int() : 0;
      server_next = last + 1;
      if (seq <= last) {  // replay: the recorded result, no side effect
        st = c.Query("SELECT result FROM push_results WHERE hotel_id = $1 AND client_id = $2"
                     " AND seq = $3",
                     {b.hotel_id, b.client_id, seq}, &r);
        if (!st.ok()) return st;
        mo.result = r.empty() ? json(nullptr) : json::parse(r.at(0, 0).text, nullptr, false);
        if (!mo.result.is_object())
          mo.result = Rejected(seq, "invalid", "seq " + std::to_string(seq) + " was already used");
        return Status::OK();
      }
      if (seq > last + 1) {
        gap = true;
        return Status::OK();
      }
      const int64_t now = NowMs();
      LogWriter log;
      st = ApplyMutation(c, b, m, now, &log, &mo);
      if (!st.ok()) return st;
      if (log.size() > 0) {
        int64_t cursor = 0;
        st = log.Flush(c, b.hotel_id, now, &cursor);
        if (!st.ok()) return st;
        wrote = true;
      }
      const std::string text = Dump(mo.result);
      const std::string status = mo.result.value("status", "rejected");
      st = c.Exec("INSERT INTO push_results (hotel_id, client_id, seq, status, result, created_at)"
                  " VALUES ($1, $2, $3, $4, $5, $6)",
                  {b.hotel_id, b.client_id, seq, status, text, now});
      if (!st.ok()) return st;
      st = c.Exec(known_client
                      ? "UPDATE push_clients SET last_seq = $3, updated_at = $4"
                        " WHERE hotel_id = $1 AND client_id = $2"
                      : "INSERT INTO push_clients (hotel_id, client_id, last_seq, updated_at)"
                        " VALUES ($1, $2, $3, $4)",
                  {b.hotel_id, b.client_id, seq, now});
      if (!st.ok()) return st;
      if (!mo.idempotency_key.empty() && !mo.from_idempotency_key) {
        st = c.Exec("INSERT INTO idempotency_keys (hotel_id, idem_key, client_id, seq, result,"
                    " booking_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    {b.hotel_id, mo.idempotency_key, b.client_id, seq, text,
                     Param(mo.booking_id), now});
        if (!st.ok()) return st;
      }
      server_next = seq + 1;
      return Status::OK();
    });
    if (!s.ok()) return s;
    out->next_seq = server_next;
    if (gap) break;
    if (wrote) NotifyChange(b.hotel_id);
    out->results.push_back(std::move(mo.result));
  }
  return Status::OK();
}

Status SqlStore::ApplyMutation(Conn& c, const PushBatch& b, const json& m, int64_t now,
                               LogWriter* log, MutationOutcome* out) {
  const int64_t seq = m["seq"].get<int64_t>();
  std::string key;
  if (StrField(m, "idempotencyKey", 1, 128, &key) != Field::kOk) {
    out->result = Rejected(seq, "invalid", "idempotencyKey must be a string of 1..128 characters");
    return Status::OK();
  }
  Result r;
  Status s = c.Query("SELECT result FROM idempotency_keys WHERE hotel_id = $1 AND idem_key = $2",
                     {b.hotel_id, key}, &r);
  if (!s.ok()) return s;
  out->idempotency_key = key;
  if (!r.empty()) {  // the same business key, seen before (from any client): its outcome
    json original = json::parse(r.at(0, 0).text, nullptr, false);
    if (original.is_object()) {
      original["seq"] = seq;
      out->result = std::move(original);
      out->from_idempotency_key = true;
      return Status::OK();
    }
  }
  std::string type;
  if (StrField(m, "type", 1, 64, &type) != Field::kOk) {
    out->result = Rejected(seq, "invalid", "type must be a string");
    return Status::OK();
  }
  auto args_it = m.find("args");
  if (args_it == m.end() || !args_it->is_object()) {
    out->result = Rejected(seq, "invalid", "args must be an object");
    return Status::OK();
  }
  const json& args = *args_it;
  if (type == "createBooking") return CreateBookingTx(c, b, seq, key, args, now, log, out);
  if (type == "cancelBooking") return CancelBookingTx(c, b, seq, args, now, log, out);
  if (type == "confirmHold") return ConfirmHoldTx(c, b, seq, args, now, log, out);
  if (type == "joinWaitlist") return JoinWaitlistTx(c, b, seq, args, now, log, out);
  out->result = Rejected(seq, "invalid", "unknown mutation type '" + type + "'");
  return Status::OK();
}

Status SqlStore::CreateBookingTx(Conn& c, const PushBatch& b, int64_t seq,
                                 const std::string& key, const json& args, int64_t now,
                                 LogWriter* log, MutationOutcome* out) {
  Stay st;
  std::string bad = ParseStay(args, b.hotel_id, true, &st);
  if (!bad.empty()) {
    out->result = Rejected(seq, "invalid", bad);
    return Status::OK();
  }
  if (b.principal.user_id && *b.principal.user_id != st.user_id) {
    out->result = Rejected(seq, "forbidden", "this token may only book for user " +
                                                 std::to_string(*b.principal.user_id));
    return Status::OK();
  }
  Result r;
  Status s = c.Query("SELECT hotel_id, capacity_adults, capacity_children FROM room_types"
                     " WHERE id = $1",
                     {st.room_type_id}, &r);
  if (!s.ok()) return s;
  if (r.empty() || r.at(0, 0).Int() != b.hotel_id) {
    out->result = Rejected(seq, "invalid",
                           "unknown room type " + std::to_string(st.room_type_id) + " in this hotel");
    return Status::OK();
  }
  const int64_t capacity = r.at(0, 1).Int() + r.at(0, 2).Int();
  Rules rules;
  s = LoadRules(c, b.hotel_id, &rules);
  if (!s.ok()) return s;
  const int64_t nights = st.nights();
  if (nights > rules.max_nights) {
    out->result = Rejected(seq, "invalid", "stay too long: " + std::to_string(nights) +
                                               " nights > max_nights " +
                                               std::to_string(rules.max_nights));
    return Status::OK();
  }
  if (st.guests > st.rooms * capacity) {
    out->result = Rejected(seq, "invalid", std::to_string(st.guests) + " guests exceed the capacity of " +
                                               std::to_string(st.rooms) + " room(s)");
    return Status::OK();
  }
  s = c.Query("SELECT utc_offset_minutes FROM hotels WHERE id = $1", {b.hotel_id}, &r);
  if (!s.ok()) return s;
  const int64_t offset = r.empty() ? 0 : r.at(0, 0).Int();
  const int64_t lead = st.check_in - HotelToday(now, offset);
  const std::string in_text = FormatDate(st.check_in), out_text = FormatDate(st.check_out);

  // Checks in docs/API.md order; the first failing one is the reason.
  auto reject = [&](const char* reason, std::string msg) {
    out->result = Rejected(seq, reason, std::move(msg));
    return Status::OK();
  };
  if (lead < rules.min_lead_days)
    return reject("lead_time", "check-in " + in_text + " is " + std::to_string(lead) +
                                   " day(s) away; min_lead_days is " +
                                   std::to_string(rules.min_lead_days));
  if (lead > rules.max_advance_days)
    return reject("advance_window", "check-in " + in_text + " is beyond max_advance_days " +
                                        std::to_string(rules.max_advance_days));
  if (st.rooms > rules.max_rooms_per_booking)
    return reject("max_rooms", std::to_string(st.rooms) + " rooms > max_rooms_per_booking " +
                                   std::to_string(rules.max_rooms_per_booking));

  struct Night {
    int64_t available, price, min_stay, max_stay, cta, ctd, stop_sell;
  };
  std::map<std::string, Night> inv;
  s = c.Query(
      "SELECT date, available, price_cents, min_stay, max_stay, closed_to_arrival,"
      " closed_to_departure, stop_sell FROM room_inventory"
      " WHERE room_type_id = $1 AND date >= $2 AND date <= $3",
      {st.room_type_id, in_text, out_text}, &r);
  if (!s.ok()) return s;
  for (const auto& row : r.rows)
    inv[row[0].text] = Night{row[1].Int(), row[2].Int(), row[3].Int(), row[4].Int(),
                             row[5].Int(), row[6].Int(), row[7].Int()};
  struct Special {
    std::string kind;
    int64_t pct;
    std::optional<int64_t> min_stay;
  };
  std::map<std::string, Special> special;
  s = c.Query("SELECT date, kind, price_multiplier_pct, min_stay FROM special_days"
              " WHERE hotel_id = $1 AND date >= $2 AND date < $3",
              {b.hotel_id, in_text, out_text}, &r);
  if (!s.ok()) return s;
  for (const auto& row : r.rows)
    special[row[0].text] = Special{row[1].text, row[2].Int(), row[3].OptInt()};

  std::vector<std::string> dates;
  for (int64_t d = st.check_in; d < st.check_out; ++d) dates.push_back(FormatDate(d));
  for (const auto& d : dates)
    if (!inv.count(d)) return reject("no_inventory", d + " has no inventory");
  for (const auto& d : dates) {
    auto sp = special.find(d);
    if (inv[d].stop_sell || (sp != special.end() && sp->second.kind == "blackout"))
      return reject("stop_sell", d + " is closed for sale");
  }
  if (inv[in_text].cta) return reject("closed_to_arrival", in_text + " is closed to arrival");
  auto co = inv.find(out_text);
  if (co != inv.end() && co->second.ctd)
    return reject("closed_to_departure", out_text + " is closed to departure");
  int64_t min_stay = inv[in_text].min_stay;
  auto sp_in = special.find(in_text);
  if (sp_in != special.end() && sp_in->second.min_stay) min_stay = *sp_in->second.min_stay;
  if (nights < min_stay)
    return reject("min_stay", "minimum stay from " + in_text + " is " + std::to_string(min_stay) +
                                  " nights");
  if (inv[in_text].max_stay > 0 && nights > inv[in_text].max_stay)
    return reject("max_stay", "maximum stay from " + in_text + " is " +
                                  std::to_string(inv[in_text].max_stay) + " nights");
  for (const auto& d : dates)
    if (inv[d].available < st.rooms)
      return reject("sold_out", d + " has " + std::to_string(inv[d].available) + " room" +
                                    (inv[d].available == 1 ? "" : "s"));

  int64_t total = 0;
  for (const auto& d : dates) {
    auto sp = special.find(d);
    const int64_t pct = sp != special.end() ? sp->second.pct : 100;
    total += (inv[d].price * pct + 50) / 100;
  }
  total *= st.rooms;

  // The database-enforced decrement: one conditional UPDATE over the whole stay.
  s = c.Exec("SAVEPOINT book");
  if (!s.ok()) return s;
  s = c.Query(std::string("UPDATE room_inventory SET available = available - $1"
                          " WHERE room_type_id = $2 AND date >= $3 AND date < $4"
                          " AND available >= $1 AND stop_sell = 0 RETURNING ") +
                  kInventoryColumns,
              {st.rooms, st.room_type_id, in_text, out_text}, &r);
  if (s.code == kDbConstraint || (s.ok() && static_cast<int64_t>(r.size()) != nights)) {
    Status rb = c.Exec("ROLLBACK TO SAVEPOINT book");
    if (!rb.ok()) return rb;
    return reject("sold_out", "the stay " + in_text + ".." + out_text + " is no longer available");
  }
  if (!s.ok()) return s;
  s = c.Exec("RELEASE SAVEPOINT book");
  if (!s.ok()) return s;
  std::sort(r.rows.begin(), r.rows.end(),
            [](const auto& a, const auto& b2) { return a[1].text < b2[1].text; });
  log->UpsertAll(TableId::kRoomInventory, r);

  Result br;
  s = c.Query("INSERT INTO bookings (hotel_id, user_id, room_type_id, status, start_date, end_date,"
              " rooms, guests, total_cents, created_at, updated_at, hold_expires_at,"
              " idempotency_key, origin, server_id, client_id, local_id)"
              " VALUES ($1, $2, $3, 'CONFIRMED', $4, $5, $6, $7, $8, $9, $9, NULL, $10,"
              " 'central', NULL, $11, $12) RETURNING " + BookingColumns(),
              {b.hotel_id, st.user_id, st.room_type_id, in_text, out_text, st.rooms, st.guests,
               total, now, key, b.client_id, Param(st.local_id)},
              &br);
  if (!s.ok()) return s;
  log->Upsert(TableId::kBookings, br.rows[0]);
  const int64_t booking_id = br.at(0, 0).Int();

  // The centre's follow-ups: a pending payment for the total and a confirmation email.
  s = c.Query("INSERT INTO payments (booking_id, status, amount_cents, created_at)"
              " VALUES ($1, 'PENDING', $2, $3) RETURNING " + Table(TableId::kPayments).column_list,
              {booking_id, total, now}, &r);
  if (!s.ok()) return s;
  log->UpsertUser(TableId::kPayments, r.rows[0], st.user_id);
  s = c.Query("INSERT INTO notifications (booking_id, user_id, channel, status, scheduled_at)"
              " VALUES ($1, $2, 'email', 'QUEUED', $3) RETURNING " +
                  Table(TableId::kNotifications).column_list,
              {booking_id, st.user_id, now}, &r);
  if (!s.ok()) return s;
  log->UpsertUser(TableId::kNotifications, r.rows[0], st.user_id);

  json booking = BookingJson(br.rows[0]);
  if (st.local_id) booking["localId"] = *st.local_id;
  out->result = Applied(seq);
  out->result["booking"] = std::move(booking);
  out->booking_id = booking_id;
  return Status::OK();
}

Status SqlStore::CancelBookingTx(Conn& c, const PushBatch& b, int64_t seq, const json& args,
                                 int64_t now, LogWriter* log, MutationOutcome* out) {
  int64_t id = 0;
  if (IntField(args, "bookingId", -kMaxSafeInt, kMaxSafeInt, &id) != Field::kOk || id == 0) {
    out->result = Rejected(seq, "invalid", "args.bookingId must be a non-zero integer");
    return Status::OK();
  }
  Result r;
  Status s = FindBooking(c, b, id, &r);
  if (!s.ok()) return s;
  if (r.empty() || (b.principal.user_id && r.at(0, 2).Int() != *b.principal.user_id)) {
    out->result = Rejected(seq, "unknown_booking", "no booking " + std::to_string(id));
    return Status::OK();
  }
  std::vector<Cell> row = r.rows[0];
  out->booking_id = row[0].Int();
  const std::string status = row[4].text;
  if (status == "CANCELLED") {  // already cancelled: nothing to do, same answer
    out->result = Applied(seq);
    out->result["booking"] = BookingJson(row);
    return Status::OK();
  }
  if (status != "CONFIRMED" && status != "HELD" && status != "PENDING_SYNC") {
    out->result = Rejected(seq, "invalid", "booking " + row[0].text + " is " + status);
    return Status::OK();
  }
  // Give the rooms back, never above the night's total (an ARI change may have lowered it).
  s = c.Query(std::string("UPDATE room_inventory SET available = CASE WHEN available + $1 > total"
                          " THEN total ELSE available + $1 END"
                          " WHERE room_type_id = $2 AND date >= $3 AND date < $4 RETURNING ") +
                  kInventoryColumns,
              {row[7].Int(), row[3].Int(), row[5].text, row[6].text}, &r);
  if (!s.ok()) return s;
  std::sort(r.rows.begin(), r.rows.end(),
            [](const auto& a, const auto& b2) { return a[1].text < b2[1].text; });
  log->UpsertAll(TableId::kRoomInventory, r);
  s = c.Query("UPDATE bookings SET status = 'CANCELLED', updated_at = $2 WHERE id = $1 RETURNING " +
                  BookingColumns(),
              {row[0].Int(), now}, &r);
  if (!s.ok()) return s;
  log->Upsert(TableId::kBookings, r.rows[0]);
  out->result = Applied(seq);
  out->result["booking"] = BookingJson(r.rows[0]);
  return Status::OK();
}

Status SqlStore::ConfirmHoldTx(Conn& c, const PushBatch& b, int64_t seq, const json& args,
                               int64_t now, LogWriter* log, MutationOutcome* out) {
  int64_t id = 0;
  if (IntField(args, "bookingId", -kMaxSafeInt, kMaxSafeInt, &id) != Field::kOk || id == 0) {
    out->result = Rejected(seq, "invalid", "args.bookingId must be a non-zero integer");
    return Status::OK();
  }
  Result r;
  Status s = FindBooking(c, b, id, &r);
  if (!s.ok()) return s;
  if (r.empty() || (b.principal.user_id && r.at(0, 2).Int() != *b.principal.user_id)) {
    out->result = Rejected(seq, "unknown_booking", "no booking " + std::to_string(id));
    return Status::OK();
  }
  const std::vector<Cell> row = r.rows[0];
  out->booking_id = row[0].Int();
  const std::string status = row[4].text;
  if (status == "CONFIRMED") {
    out->result = Applied(seq);
    out->result["booking"] = BookingJson(row);
    return Status::OK();
  }
  if (status == "HELD" && (row[12].null || row[12].Int() > now)) {
    s = c.Query("UPDATE bookings SET status = 'CONFIRMED', hold_expires_at = NULL, updated_at = $2"
                " WHERE id = $1 RETURNING " + BookingColumns(),
                {row[0].Int(), now}, &r);
    if (!s.ok()) return s;
    log->Upsert(TableId::kBookings, r.rows[0]);
    out->result = Applied(seq);
    out->result["booking"] = BookingJson(r.rows[0]);
    return Status::OK();
  }
  out->result = Rejected(seq, "invalid", "booking " + row[0].text + " is " + status +
                                             (status == "HELD" ? " (hold expired)" : ""));
  return Status::OK();
}

Status SqlStore::JoinWaitlistTx(Conn& c, const PushBatch& b, int64_t seq, const json& args,
                                int64_t now, LogWriter* log, MutationOutcome* out) {
  Stay st;
  std::string bad = ParseStay(args, b.hotel_id, false, &st);
  if (!bad.empty()) {
    out->result = Rejected(seq, "invalid", bad);
    return Status::OK();
  }
  if (b.principal.user_id && *b.principal.user_id != st.user_id) {
    out->result = Rejected(seq, "forbidden", "this token may only act for user " +
                                                 std::to_string(*b.principal.user_id));
    return Status::OK();
  }
  Result r;
  Status s = c.Query("SELECT hotel_id FROM room_types WHERE id = $1", {st.room_type_id}, &r);
  if (!s.ok()) return s;
  if (r.empty() || r.at(0, 0).Int() != b.hotel_id) {
    out->result = Rejected(seq, "invalid",
                           "unknown room type " + std::to_string(st.room_type_id) + " in this hotel");
    return Status::OK();
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
  return Status::OK();
}

}  // namespace edgestay::server
