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
// would overbook regardless.
#include <algorithm>
#include <cstring>
#include <map>

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
  // parameter, whatever the count: one prepared statement). A client appears once per list
  // (its next read writes the list first), so the push_clients upsert touches a row once.
  Status WritePg(Conn& c, int64_t hotel_id, bool wait) {
    static const std::string kAll =
        std::string("WITH v AS (SELECT * FROM json_to_recordset($2::json) AS v(c text, s bigint, st text,"
                    " r text, t bigint, k text, b bigint, u bigint)), r AS (") +
        kResult + " SELECT $1::bigint, c, s, st, r, t FROM v), pc AS (" + kClient +
        " SELECT $1::bigint, c, s, t FROM v" + kClientConflict + ") " + kKey +
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
  return std::string(
             "SELECT i.date, i.available, i.price_cents, i.min_stay, i.max_stay, i.closed_to_arrival,"
             " i.closed_to_departure, i.stop_sell, sd.kind, sd.price_multiplier_pct, sd.min_stay"
             " FROM room_inventory i LEFT JOIN special_days sd ON sd.hotel_id = ") +
         hotel + " AND sd.date = i.date WHERE i.room_type_id = " + room_type + " AND i.date >= " + in +
         " AND i.date <= " + out;
}

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

// Gives a booking's rooms back (never above a night's total: an ARI change may have
// lowered it) and moves the booking to `to_status`; both rows go to the change log.
Status ReleaseBooking(Conn& c, const std::vector<Cell>& row, const char* to_status, int64_t now,
                      LogWriter* log, Result* booking_out) {
  Result r;
  Status s = c.Query(std::string("UPDATE room_inventory SET available = CASE WHEN available + $1 > total"
                                 " THEN total ELSE available + $1 END"
                                 " WHERE room_type_id = $2 AND date >= $3 AND date < $4 RETURNING ") +
                         kInventoryColumns,
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
                  " AND available >= $1::int AND stop_sell = 0 RETURNING ") + kInventoryColumns +
      "), bk AS (" + kBookingInsert +
      "SELECT $6::bigint, $7::bigint, $2::bigint, $14::text, $3::date, $4::date, $1::int,"
      " $8::int, $9::bigint, $10::bigint, $10::bigint, $15::bigint, $11::text, 'central',"
      " $12::text, $13::bigint WHERE (SELECT count(*) FROM u) = $5::bigint RETURNING " +
      BookingColumns() +
      "), p AS (" + PaymentInsert(kFromBooking, "id", "$9::bigint", "$10::bigint") +
      "), n AS (" + NotificationInsert(kFromBooking, "id", "$7::bigint", "$10::bigint") +
      ") SELECT u.*, bk.*, p.*, n.* FROM u LEFT JOIN (bk CROSS JOIN p CROSS JOIN n) ON true";
  static const size_t kInv =
      static_cast<size_t>(std::count(kInventoryColumns, kInventoryColumns + std::strlen(kInventoryColumns), ',')) + 1;
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
    try {
      s = PushGroup(hotel_id, group, false);
      if (s.code() == kNeedSavepoints) s = PushGroup(hotel_id, group, true);
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
                           bool savepoints) {
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
    LedgerRead read, next;
    const json* next_for = nullptr;  // the mutation `next` was planned for
    for (size_t k = 0; chain && k < jobs.size() && !next_for; ++k) {
      if (jobs[k]->batch->mutations.empty()) continue;
      next_for = &jobs[k]->batch->mutations[0];
      PlanLedgerRead(*jobs[k]->batch, *next_for, &next);
    }
    bool exists = false;
    Status st;
    if (next_for) {
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
    for (size_t ji = 0; ji < jobs.size(); ++ji) {
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
  OutcomeRecords::Record rec;
  rec.client_id = b.client_id;
  rec.seq = seq;
  rec.result = Dump(mo->result);
  rec.status = mo->result.value("status", "rejected");
  rec.created_at = now;
  if (!mo->idempotency_key.empty()) {
    rec.key = key;
    rec.booking_id = mo->booking_id;
    rec.user_id = mo->user_id;
  }
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
  if (b.principal.user_id && *b.principal.user_id != st.user_id) {
    out->result = Rejected(seq, "forbidden", "this token may only book for user " +
                                                 std::to_string(*b.principal.user_id));
    out->idempotency_key.clear();  // not recorded under the key: it stays the rightful user's
    return Status::Ok();
  }
  out->user_id = st.user_id;
  // Room type, hotel and booking rules (one column per rule of the protocol's list) in one
  // query.
  static const std::string kRuleQuery = [] {
    std::string q = "SELECT rt.hotel_id, rt.capacity_adults + rt.capacity_children, h.utc_offset_minutes";
    for (const RuleSpec& rule : kRuleSpecs)
      q += std::string(", (SELECT value FROM booking_rules WHERE hotel_id = rt.hotel_id AND key = '") + rule.key + "')";
    return q + " FROM room_types rt JOIN hotels h ON h.id = rt.hotel_id WHERE rt.id = $1";
  }();
  Status s;
  auto cached = rules_cache->find(st.room_type_id);
  if (cached == rules_cache->end()) {
    Result rule_rows;
    s = c.Query(kRuleQuery, {st.room_type_id}, &rule_rows);
    if (!s.ok()) return s;
    cached = rules_cache->emplace(st.room_type_id, std::move(rule_rows)).first;
  }
  const Result& rule_row = cached->second;
  if (rule_row.empty() || rule_row.at(0, 0).Int() != b.hotel_id) {
    out->result = Rejected(seq, "invalid",
                           "unknown room type " + std::to_string(st.room_type_id) + " in this hotel");
    return Status::Ok();
  }
  const int64_t capacity = rule_row.at(0, 1).Int();
  const int64_t offset = rule_row.at(0, 2).Int();
  BookingRules rules;  // the protocol's defaults, overridden by the hotel's rows
  for (size_t i = 0; i < std::size(kRuleSpecs); ++i)
    if (!rule_row.at(0, 3 + i).null) rules.*(kRuleSpecs[i].field) = rule_row.at(0, 3 + i).Int();
  Result r;
  const int64_t nights = st.nights();
  if (nights > rules.max_nights) {
    out->result = Rejected(seq, "invalid", "stay too long: " + std::to_string(nights) +
                                               " nights > max_nights " +
                                               std::to_string(rules.max_nights));
    return Status::Ok();
  }
  if (st.guests > st.rooms * capacity) {
    out->result = Rejected(seq, "invalid", std::to_string(st.guests) + " guests exceed the capacity of " +
                                               std::to_string(st.rooms) + " room(s)");
    return Status::Ok();
  }
  const int64_t lead = st.check_in - HotelToday(now, offset);
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
  std::vector<Night> stay_nights(static_cast<size_t>(nights) + 1);
  for (const auto& row : stay_inventory->rows) {
    Day day = 0;
    if (!ParseDate(row[0].text, &day) || day < st.check_in || day > st.check_out) continue;
    Night& n = stay_nights[static_cast<size_t>(day - st.check_in)];
    const bool special = !row[8].null && day != st.check_out;
    n.has_row = true;
    n.available = row[1].Int();
    n.price_cents = EffectivePrice(row[2].Int(), special ? row[9].Int() : 100);
    n.min_stay = special && !row[10].null ? row[10].Int() : row[3].Int();
    n.max_stay = row[4].Int();
    n.closed_to_arrival = row[5].Int() != 0;
    n.closed_to_departure = row[6].Int() != 0;
    n.stop_sell = row[7].Int() != 0 || (special && row[8].text == "blackout");
  }

  // The first failing reason, in docs/API.md order (the same rules the edges answer with).
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
    return Status::Ok();
  }

  int64_t total = 0;
  if (!StayTotal(stay_nights, static_cast<size_t>(nights), st.rooms, &total)) {
    out->result = Rejected(seq, "invalid", "the stay's total is above 2^53 - 1 cents, the most a booking can carry");
    return Status::Ok();
  }

  // A hold keeps its rooms until the hotel's hold_ttl_seconds (or the edge's own, earlier
  // expiry); the sweeper (ExpireHolds) gives them back if it is never confirmed.
  int64_t hold_until = now + rules.hold_ttl_seconds * 1000;
  if (st.hold_expires_at && *st.hold_expires_at > now) hold_until = std::min(hold_until, *st.hold_expires_at);

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
                      kInventoryColumns,
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

  json booking = BookingJson(booking_row);
  if (st.local_id) booking["localId"] = *st.local_id;
  if (from_lease) booking["leaseId"] = *st.lease_id;
  out->result = Applied(seq);
  out->result["booking"] = std::move(booking);
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
