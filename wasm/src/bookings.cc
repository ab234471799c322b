// The local booking lifecycle: create (held or pending sync), confirm a hold, cancel,
// hold expiry, the waitlist, and the notifications each state change queues.
//
// Server inventory rows are never edited here. A local booking holds its rooms by
// existing (availability subtracts HELD/PENDING_SYNC local bookings the centre has not
// accepted yet), so a kiosk never resells a room and never has to merge its edits with
// the centre's. Every write is one transaction that also appends to the outbox.

#include "compact_answer.h"
#include "engine_impl.h"
#include "json_writer.h"
#include "local_txn.h"

namespace edgestay {
namespace {

constexpr int64_t kMsPerDay = 86400000;

Status NotFound(int64_t id) {
  return Status::Error("UNKNOWN_BOOKING", "no booking with id " + std::to_string(id),
                       "{\"bookingId\":" + std::to_string(id) + "}");
}

std::string StayArgs(const BookingRequest& r) {
  std::string a;
  a.reserve(256);  // the whole outbox argument, written once (its growth steps: ~0.6% of a booking)
  JsonWriter w(&a);
  w.BeginObject().Key("hotelId").Int(r.hotel_id).Key("roomTypeId").Int(r.room_type_id).Key("userId").Int(r.user_id);
  w.Key("checkIn").String(FormatDate(r.check_in)).Key("checkOut").String(FormatDate(r.check_out));
  w.Key("rooms").Int(r.rooms);
  return a;  // left open: callers add their fields and close it
}

}  // namespace

Status Engine::Impl::ClientId(std::string* out) {
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared("SELECT value FROM sync_state WHERE key = 'client_id'", &st));
  {
    StmtScope s(*st);
    if (s->Step() == SQLITE_ROW && !s->IsNull(0)) {
      *out = std::string(s->Text(0));
      return Status::Ok();
    }
  }
  // Generated once per database, so a snapshot carries its client identity along.
  std::string id = "c-" + (entropy.empty() ? std::to_string(now_ms) : entropy);
  Stmt* ins;
  ES_RETURN_IF_ERROR(Prepared("INSERT INTO sync_state(key, value) VALUES ('client_id', ?)", &ins));
  StmtScope s(*ins);
  s->BindText(1, id);
  ES_RETURN_IF_ERROR(Step(db, *s, "store client id"));
  *out = id;
  return Status::Ok();
}

Status Engine::Impl::BookingAnswer(int64_t id, std::string* out, bool binary) {
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared(
      "SELECT b.id, b.hotel_id, b.user_id, b.room_type_id, rt.name, b.status, b.start_date, b.end_date,"
      " b.rooms, b.guests, b.total_cents, b.created_at, b.updated_at, b.hold_expires_at, b.idempotency_key,"
      " b.origin, b.server_id FROM bookings b JOIN room_types rt ON rt.id = b.room_type_id WHERE b.id = ?", &st));
  StmtScope s(*st);
  s->BindInt(1, id);
  if (s->Step() != SQLITE_ROW) return NotFound(id);
  WriteBookingAnswer(BookingFactsOf(*s), binary, out);
  return Status::Ok();
}

// seq is the rowid: SQLite gives a row without one the largest so far + 1 (1 in an empty
// outbox), what a MAX(seq) subquery gave at the cost of one more descent (~1.5%).
Status Engine::Impl::Enqueue(const char* type, const std::string& key, const std::string& args_json,
                             int64_t booking_id, int64_t waitlist_id) {
  Stmt* st;
  ES_RETURN_IF_ERROR(PreparedOnce(kEnqueueStmt,
      "INSERT INTO outbox(type, idempotency_key, args, booking_id, waitlist_id, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?)", &st));
  StmtScope s(*st);
  s->BindText(1, type);
  s->BindText(2, key);
  s->BindText(3, args_json);
  if (booking_id) s->BindInt(4, booking_id);
  if (waitlist_id) s->BindInt(5, waitlist_id);
  s->BindInt(6, now_ms);
  return Step(db, *s, "append to outbox");
}

Status Engine::Impl::NextLocalId(LocalIds table, int64_t* id) {
  // MIN(0, ...): a table holding only the centre's positive ids starts at -1. The slot
  // and the text go together; each table's statement is prepared once.
#define ES_NEXT_LOCAL_ID_FROM(table) "SELECT MIN(0, COALESCE(MIN(id), 0)) - 1 FROM " table
  struct Rule { StmtSlot slot; const char* sql; };
  static constexpr Rule kRules[] = {
      {kNextBookingIdStmt, ES_NEXT_LOCAL_ID_FROM("bookings")},
      {kNextWaitlistIdStmt, ES_NEXT_LOCAL_ID_FROM("waitlist")},
      {kNextNotificationIdStmt, ES_NEXT_LOCAL_ID_FROM("notifications")},
  };
#undef ES_NEXT_LOCAL_ID_FROM
  const Rule& rule = kRules[static_cast<int>(table)];
  Stmt* st;
  ES_RETURN_IF_ERROR(PreparedOnce(rule.slot, rule.sql, &st));
  StmtScope s(*st);
  if (s->Step() != SQLITE_ROW) return SqliteError(db, "next local id");
  *id = s->Int(0);
  return Status::Ok();
}

// Local notification ids count down (docs/API.md): the first one is the next below every
// id so far, a second one (`kind2`, at `at2_ms`: a booking's reminder) the one below that.
// Both rows in one statement: one statement step and one descent per b-tree fewer than two
// inserts (~3% of a createBooking). OR FAIL, because SQLite gives a multi-row INSERT that
// may ABORT a statement journal (every page it touches copied once more, ~1% of a
// createBooking) to undo its first row if the second fails; the caller's transaction
// undoes both anyway (tests/cpp/bookings_test.cc, ARefusedReminderRowUndoesTheWholeBooking).
Status Engine::Impl::Notify(int64_t booking_id, int64_t user_id, const char* kind, int64_t at_ms, const char* kind2,
                            int64_t at2_ms, int64_t first_id) {
  int64_t id = first_id;
  if (!id) ES_RETURN_IF_ERROR(NextLocalId(LocalIds::kNotifications, &id));
  Stmt* st;
  if (kind2) {
    ES_RETURN_IF_ERROR(PreparedOnce(kNotifyTwoStmt,
        "INSERT OR FAIL INTO notifications(id, booking_id, user_id, channel, status, scheduled_at, kind)"
        " VALUES (?1, ?2, ?3, 'email', 'QUEUED', ?4, ?5), (?1 - 1, ?2, ?3, 'email', 'QUEUED', ?6, ?7)", &st));
  } else {
    ES_RETURN_IF_ERROR(PreparedOnce(kNotifyStmt,
        "INSERT INTO notifications(id, booking_id, user_id, channel, status, scheduled_at, kind)"
        " VALUES (?1, ?2, ?3, 'email', 'QUEUED', ?4, ?5)", &st));
  }
  StmtScope s(*st);
  s->BindInt(1, id);
  s->BindInt(2, booking_id);
  s->BindInt(3, user_id);
  s->BindInt(4, at_ms);
  s->BindText(5, kind);
  if (kind2) {
    s->BindInt(6, at2_ms);
    s->BindText(7, kind2);
  }
  return Step(db, *s, "queue notification");
}

Status Engine::Impl::CancelReminders(int64_t booking_id) {
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared("UPDATE notifications SET status = 'CANCELLED'"
                              " WHERE booking_id = ? AND status = 'QUEUED' AND kind = 'reminder'", &st));
  StmtScope s(*st);
  s->BindInt(1, booking_id);
  return Step(db, *s, "cancel reminders");
}

// The booking an earlier call made under r's idempotency key, as its answer; `refusal`
// when there is none. Only on the way out of a refused call: kept apart, small.
ES_MINSIZE Status Engine::Impl::OriginalBooking(const BookingRequest& r, Status refusal, std::string* out, bool binary) {
  if (r.idempotency_key.empty()) return refusal;
  Stmt* st;
  ES_RETURN_IF_ERROR(PreparedOnce(kBookingByKeyStmt, "SELECT id FROM bookings WHERE hotel_id = ? AND idempotency_key = ?", &st));
  StmtScope s(*st);
  s->BindInt(1, r.hotel_id);
  s->BindText(2, r.idempotency_key);
  if (s->Step() == SQLITE_ROW) return BookingAnswer(s->Int(0), out, binary);
  return refusal;
}

Status Engine::Impl::CreateBooking(const BookingRequest& r, std::string* out, bool binary) {
  const HotelInfo* found = nullptr;
  ES_RETURN_IF_ERROR(FindHotel(r.hotel_id, &found));
  auto rt_it = room_types.find(r.room_type_id);
  if (rt_it == room_types.end() || rt_it->second.hotel_id != r.hotel_id) {
    return Status::Error("UNKNOWN_ROOM_TYPE",
                         "hotel " + std::to_string(r.hotel_id) + " has no room type " + std::to_string(r.room_type_id),
                         "{\"roomTypeId\":" + std::to_string(r.room_type_id) + "}");
  }
  const HotelInfo& hotel = *found;
  const RoomTypeInfo& rt = rt_it->second;

  // The business key decides first: a retry returns the original booking untouched, even
  // if the stay has sold out since. A new key is the usual case, so the booking's own
  // insert checks it (the key's unique index refuses a second booking, one descent that
  // the insert makes anyway); the key is looked up only when that insert or a check on
  // the way to it refuses the call (~4% of a createBooking). The checks are built for size
  // (their messages are most of their code; the wasm has a size budget), at no cost in time.
  const int64_t nights = r.check_out - r.check_in;
  int64_t total = 0, lease_id = 0;
  auto check = [&]() ES_MINSIZE -> Status {
    if (nights > hotel.max_nights) {
      return Status::Error("STAY_TOO_LONG", "a stay of " + std::to_string(nights) +
                                                " nights is over the hotel's maximum of " + std::to_string(hotel.max_nights));
    }
    if (r.check_in < TodayAt(hotel)) {
      return Status::Error("PAST_DATE", "check-in " + FormatDate(r.check_in) + " is before today at the hotel (" +
                                            FormatDate(TodayAt(hotel)) + ")");
    }
    if (r.rooms > hotel.max_rooms_per_booking) {
      return Status::Error("TOO_MANY_ROOMS", std::to_string(r.rooms) + " rooms is over the hotel's maximum of " +
                                                 std::to_string(hotel.max_rooms_per_booking) + " per booking");
    }
    const int64_t capacity = (rt.capacity_adults + rt.capacity_children) * r.rooms;
    if (r.guests > capacity) {
      return Status::Error("GUESTS_OVER_CAPACITY", std::to_string(r.guests) + " guests do not fit in " +
                                                       std::to_string(r.rooms) + " room(s) of " + rt.name +
                                                       " (capacity " + std::to_string(capacity) + ")");
    }
    const StayQuery q{r.room_type_id, r.check_in, r.check_out, r.rooms};
    const char* reason = nullptr;
    std::vector<Night> ns;
    ES_RETURN_IF_ERROR(StayReason(q, rt, hotel, &reason, &ns));
    // Inside one of this node's active leases the rooms are already the node's: the booking
    // is CONFIRMED now, and only general inventory (sold_out) stops mattering.
    if (!r.hold) ES_RETURN_IF_ERROR(FindLease(*this, r.hotel_id, r.room_type_id, r.check_in, r.check_out, r.rooms, &lease_id));
    if (lease_id && reason && std::string_view(reason) == "sold_out") reason = nullptr;
    if (reason) {
      return Status::Error("NOT_AVAILABLE", std::string("the stay cannot be booked: ") + reason,
                           std::string("{\"reason\":\"") + reason + "\"}");
    }
    if (!StayTotal(ns, static_cast<size_t>(nights), r.rooms, &total)) {
      return Status::Error("INVALID_ARGUMENT", "rooms: the stay's total is above 2^53 - 1 cents",
                           "{\"field\":\"rooms\"}");
    }
    return Status::Ok();
  };
  if (Status refused = check(); !refused.ok()) return OriginalBooking(r, std::move(refused), out, binary);

  // Read before this write changes rows of its own.
  const bool ids_known = next_local_ids.changes == sqlite3_total_changes64(db);
  Txn txn(*this);
  if (!txn.started()) return SqliteError(db, "begin");
  int64_t id = next_local_ids.booking, notification = next_local_ids.notification;
  if (!ids_known) {
    ES_RETURN_IF_ERROR(NextLocalId(LocalIds::kBookings, &id));
    ES_RETURN_IF_ERROR(NextLocalId(LocalIds::kNotifications, &notification));
  }
  std::string key = r.idempotency_key;
  if (key.empty()) {
    std::string client_id;
    ES_RETURN_IF_ERROR(ClientId(&client_id));
    key = client_id + ":booking:" + std::to_string(-id);
  }
  const int64_t expires = now_ms + hotel.hold_ttl_seconds * 1000;
  const char* status = lease_id ? "CONFIRMED" : r.hold ? "HELD" : "PENDING_SYNC";
  const std::string check_in = FormatDate(r.check_in), check_out = FormatDate(r.check_out);
  {
    Stmt* st;
    ES_RETURN_IF_ERROR(PreparedOnce(kInsertBookingStmt,
        "INSERT INTO bookings(id, hotel_id, user_id, room_type_id, status, start_date, end_date, rooms, guests,"
        " total_cents, created_at, updated_at, hold_expires_at, idempotency_key, origin)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'local')", &st));
    StmtScope s(*st);
    s->BindInt(1, id);
    s->BindInt(2, r.hotel_id);
    s->BindInt(3, r.user_id);
    s->BindInt(4, r.room_type_id);
    s->BindText(5, status);
    s->BindText(6, check_in);
    s->BindText(7, check_out);
    s->BindInt(8, r.rooms);
    s->BindInt(9, r.guests);
    s->BindInt(10, total);
    s->BindInt(11, now_ms);
    s->BindInt(12, now_ms);
    if (r.hold) s->BindInt(13, expires);
    s->BindText(14, key);
    if (s->Step() != SQLITE_DONE) {
      Status failed = SqliteError(db, "insert booking");
      // A retry: the refused insert wrote nothing, so the transaction ends as it began.
      if (sqlite3_extended_errcode(db) != SQLITE_CONSTRAINT_UNIQUE || r.idempotency_key.empty()) return failed;
      s->Reset();
      ES_RETURN_IF_ERROR(txn.Commit());
      return OriginalBooking(r, std::move(failed), out, binary);
    }
  }
  // The new booking holds its rooms from now on: add it to the loaded holding list rather
  // than reloading the hotel's (a rollback of this write clears the whole index).
  this->nights.starts.erase(r.hotel_id);
  if (lease_id) ES_RETURN_IF_ERROR(RecordLeaseUse(*this, lease_id, id, r.check_in, r.check_out, r.rooms));
  auto held = lease_id ? this->nights.holding.end() : this->nights.holding.find(r.hotel_id);
  if (held != this->nights.holding.end()) {
    held->second[r.room_type_id].Add(HoldingStay{r.room_type_id, r.check_in, r.check_out, r.rooms, r.hold, r.hold ? expires : 0});
  }
  std::string args = StayArgs(r);
  JsonWriter w = JsonWriter::Continuing(&args);
  w.Key("guests").Int(r.guests).Key("localId").Int(id).Key("totalCents").Int(total).Key("hold").Bool(r.hold);
  if (r.hold) w.Key("holdExpiresAt").Int(expires);
  if (lease_id) w.Key("leaseId").Int(lease_id);
  w.EndObject();
  ES_RETURN_IF_ERROR(Enqueue("createBooking", key, args, id, 0));
  const int64_t reminder = (int64_t{r.check_in} - 1) * kMsPerDay + 9 * 3600000 - hotel.utc_offset_minutes * 60000;
  const bool remind = !r.hold && reminder > now_ms;
  ES_RETURN_IF_ERROR(Notify(id, r.user_id, r.hold ? "hold" : "confirmation", now_ms, remind ? "reminder" : nullptr,
                            reminder, notification));
  // The answer from the values just stored (the row as getUserBookingsWithRoomType reads
  // it; tests/cpp/bookings_test.cc compares the two): reading it back cost ~7% of a booking.
  compact::BookingFacts f{id, r.hotel_id, r.user_id, r.room_type_id, r.check_out - r.check_in, r.rooms, r.guests,
                          total, now_ms, now_ms, std::nullopt, std::nullopt, rt.name, status, check_in, check_out,
                          "local", key};
  if (r.hold) f.hold_expires_at = expires;
  WriteBookingAnswer(f, binary, out);
  // The booking event (for listeners only) carries the booking's JSON.
  std::string json;
  if (binary && events_wanted) WriteBookingAnswer(f, false, &json);
  ES_RETURN_IF_ERROR(txn.Commit());
  // Only a write of its own: inside a caller's transaction, that one may still roll back.
  next_local_ids = sqlite3_get_autocommit(db) ? NextLocalIds{sqlite3_total_changes64(db), id - 1, notification - (remind ? 2 : 1)}
                                              : NextLocalIds{};
  if (r.hold) next_hold_expiry = std::min(next_hold_expiry, expires);

  ChangeEvents ev;
  ev.booking_users.insert(r.user_id);
  ev.booking_ranges[r.room_type_id] = {r.check_in, r.check_out - 1};
  ev.booking_hotels[r.hotel_id] = {r.check_in, r.check_out - 1};
  if (events_wanted) ev.bookings.push_back(binary ? std::move(json) : *out);
  Publish(ev);
  return Status::Ok();
}

namespace {

struct BookingRow {
  int64_t id = 0, hotel_id = 0, user_id = 0, room_type_id = 0, rooms = 0;
  std::string status, key;
  Day check_in = 0, check_out = 0;
  bool has_server_id = false;
  int64_t server_id = 0;
  int64_t hold_expires_at = 0;
};

}  // namespace

// Moves booking `id` to `to_status` with an outbox mutation, a notification, and the
// waitlist offer its freed rooms may allow. `allowed` lists the statuses it may leave.
static Status Transition(Engine::Impl& im, int64_t id, const std::vector<const char*>& allowed, const char* to_status,
                         const char* mutation, const char* key_suffix, const char* notify_kind,
                         const char* extra_args, std::string* out) {
  Stmt* st;
  ES_RETURN_IF_ERROR(im.Prepared(
      "SELECT id, hotel_id, user_id, room_type_id, rooms, status, COALESCE(idempotency_key, ''), start_date,"
      " end_date, server_id, COALESCE(hold_expires_at, 0) FROM bookings WHERE id = ?", &st));
  BookingRow b;
  {
    StmtScope s(*st);
    s->BindInt(1, id);
    if (s->Step() != SQLITE_ROW) return NotFound(id);
    b.id = s->Int(0);
    b.hotel_id = s->Int(1);
    b.user_id = s->Int(2);
    b.room_type_id = s->Int(3);
    b.rooms = s->Int(4);
    b.status = std::string(s->Text(5));
    b.key = std::string(s->Text(6));
    ParseDate(s->Text(7), &b.check_in);
    ParseDate(s->Text(8), &b.check_out);
    b.has_server_id = !s->IsNull(9);
    b.server_id = s->Int(9);
    b.hold_expires_at = s->Int(10);
  }
  bool ok = false;
  for (const char* a : allowed) ok = ok || b.status == a;
  if (!ok) {
    return Status::Error("INVALID_STATE", "booking " + std::to_string(id) + " is " + b.status + ", cannot become " +
                                              to_status,
                         "{\"bookingId\":" + std::to_string(id) + ",\"status\":\"" + b.status + "\"}");
  }
  Txn txn(im);
  if (!txn.started()) return SqliteError(im.db, "begin");
  {
    Stmt* up;
    ES_RETURN_IF_ERROR(im.Prepared("UPDATE bookings SET status = ?, updated_at = ? WHERE id = ?", &up));
    StmtScope s(*up);
    s->BindText(1, to_status);
    s->BindInt(2, im.now_ms);
    s->BindInt(3, id);
    ES_RETURN_IF_ERROR(Step(im.db, *s, "update booking"));
  }
  im.nights.ForgetHolding(b.hotel_id);
  std::string key = b.key.empty() ? "booking:" + std::to_string(id) : b.key;
  std::string args = "{\"bookingId\":" + std::to_string(b.has_server_id ? b.server_id : b.id) +
                     ",\"localId\":" + std::to_string(b.id) + extra_args + "}";
  ES_RETURN_IF_ERROR(im.Enqueue(mutation, key + key_suffix, args, b.id, 0));
  ES_RETURN_IF_ERROR(im.Notify(b.id, b.user_id, notify_kind, im.now_ms));
  if (std::string_view(to_status) != "PENDING_SYNC") ES_RETURN_IF_ERROR(im.CancelReminders(b.id));
  ChangeEvents ev;
  ev.booking_users.insert(b.user_id);
  ev.booking_ranges[b.room_type_id] = {b.check_in, b.check_out - 1};
  ev.booking_hotels[b.hotel_id] = {b.check_in, b.check_out - 1};
  if (std::string_view(to_status) == "CANCELLED" || std::string_view(to_status) == "EXPIRED") {
    ES_RETURN_IF_ERROR(im.OfferWaitlist(b.room_type_id, &ev));
  }
  std::string json;
  ES_RETURN_IF_ERROR(im.BookingAnswer(id, &json));
  ES_RETURN_IF_ERROR(txn.Commit());
  if (im.events_wanted) ev.bookings.push_back(json);
  im.Publish(ev);
  if (out) *out = std::move(json);
  return Status::Ok();
}

Status Engine::Impl::CancelBooking(int64_t booking_id, std::string* out) {
  return Transition(*this, booking_id, {"HELD", "PENDING_SYNC", "CONFIRMED"}, "CANCELLED", "cancelBooking", ":cancel",
                    "cancellation", "", out);
}

Status Engine::Impl::ConfirmHold(int64_t booking_id, std::string* out) {
  ES_RETURN_IF_ERROR(ExpireHolds());
  Status s = Transition(*this, booking_id, {"HELD"}, "PENDING_SYNC", "confirmHold", ":confirm", "confirmation", "",
                        out);
  if (!s.ok() && s.code() == "INVALID_STATE" && s.details_json().find("EXPIRED") != std::string::npos) {
    return Status::Error("HOLD_EXPIRED", "the hold on booking " + std::to_string(booking_id) + " has expired",
                         s.details_json());
  }
  if (!s.ok()) return s;
  // A confirmed hold is a stay: remind the guest the day before.
  protocol::json::JsonValue b;
  b.Parse(*out);
  const protocol::json::JsonValue* check_in = b.Find("checkIn");
  const protocol::json::JsonValue* hotel_id = b.Find("hotelId");
  const protocol::json::JsonValue* user_id = b.Find("userId");
  Day ci = 0;
  if (check_in && check_in->is_string()) ParseDate(check_in->str(), &ci);
  auto h = hotels.find(hotel_id && hotel_id->is_int() ? hotel_id->i() : 0);
  const int64_t offset = h == hotels.end() ? 0 : h->second.utc_offset_minutes;
  const int64_t reminder = (int64_t{ci} - 1) * kMsPerDay + 9 * 3600000 - offset * 60000;
  if (reminder > now_ms && user_id && user_id->is_int()) {
    ES_RETURN_IF_ERROR(Notify(booking_id, user_id->i(), "reminder", reminder));
  }
  return RefreshNextHoldExpiry();
}

Status Engine::Impl::RefreshNextHoldExpiry() {
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared("SELECT MIN(hold_expires_at) FROM bookings WHERE status = 'HELD' AND origin = 'local'", &st));
  StmtScope s(*st);
  next_hold_expiry = (s->Step() == SQLITE_ROW && !s->IsNull(0)) ? s->Int(0) : INT64_MAX;
  return Status::Ok();
}

Status Engine::Impl::ExpireHolds() {
  if (now_ms < next_hold_expiry) return Status::Ok();
  std::vector<int64_t> due;
  {
    Stmt* st;
    ES_RETURN_IF_ERROR(Prepared(
        "SELECT id FROM bookings WHERE status = 'HELD' AND hold_expires_at <= ? AND origin = 'local'"
        " ORDER BY hold_expires_at, id", &st));
    StmtScope s(*st);
    s->BindInt(1, now_ms);
    while (s->Step() == SQLITE_ROW) due.push_back(s->Int(0));
  }
  for (int64_t id : due) {
    ES_RETURN_IF_ERROR(Transition(*this, id, {"HELD"}, "EXPIRED", "cancelBooking", ":expire", "expiry",
                                  ",\"reason\":\"expired\"", nullptr));
  }
  return RefreshNextHoldExpiry();
}

ES_MINSIZE Status Engine::Impl::OfferWaitlist(int64_t room_type_id, ChangeEvents* ev) {
  auto rt_it = room_types.find(room_type_id);
  if (rt_it == room_types.end()) return Status::Ok();
  auto h_it = hotels.find(rt_it->second.hotel_id);
  if (h_it == hotels.end()) return Status::Ok();
  Stmt* st;
  // Local entries only (negative ids: a rowid range at the table's start), so no index:
  // through the status index this walked every WAITING entry of every room type, the
  // centre's included, on every cancel (half of a cancelBooking's time on the bench data).
  ES_RETURN_IF_ERROR(Prepared(
      "SELECT id, user_id, start_date, end_date, rooms FROM waitlist NOT INDEXED"
      " WHERE id < 0 AND status = 'WAITING' AND room_type_id = ?"
      " ORDER BY created_at, id DESC", &st));
  struct Entry {
    int64_t id, user_id, rooms;
    Day ci, co;
  };
  std::vector<Entry> entries;
  {
    StmtScope s(*st);
    // Every waiting entry of the room type, not only those overlapping the freed dates:
    // an entry passed over by an earlier offer gets its turn at the next freeing event.
    // Local ids count down, so among entries of the same ms the larger id is older.
    s->BindInt(1, room_type_id);
    while (s->Step() == SQLITE_ROW) {
      Entry e{s->Int(0), s->Int(1), s->Int(4), 0, 0};
      ParseDate(s->Text(2), &e.ci);
      ParseDate(s->Text(3), &e.co);
      entries.push_back(e);
    }
  }
  for (const Entry& e : entries) {
    const char* reason = nullptr;
    std::vector<Night> ns;
    ES_RETURN_IF_ERROR(StayReason(StayQuery{room_type_id, e.ci, e.co, e.rooms}, rt_it->second, h_it->second,
                                  &reason, &ns));
    if (reason) continue;
    Stmt* up;
    ES_RETURN_IF_ERROR(Prepared("UPDATE waitlist SET status = 'OFFERED' WHERE id = ?", &up));
    {
      StmtScope s(*up);
      s->BindInt(1, e.id);
      ES_RETURN_IF_ERROR(Step(db, *s, "offer waitlist"));
    }
    std::string j;
    JsonWriter w(&j);
    w.BeginObject().Key("id").Int(e.id).Key("hotelId").Int(rt_it->second.hotel_id).Key("userId").Int(e.user_id);
    w.Key("roomTypeId").Int(room_type_id).Key("checkIn").String(FormatDate(e.ci));
    w.Key("checkOut").String(FormatDate(e.co)).Key("rooms").Int(e.rooms).Key("status").String("OFFERED");
    w.EndObject();
    ev->waitlist.push_back(std::move(j));
    return Status::Ok();  // the oldest matching entry only
  }
  return Status::Ok();
}

// ES_MINSIZE: a rare path, built for size (api.cc says which methods are).
ES_MINSIZE Status Engine::Impl::JoinWaitlist(const BookingRequest& r, std::string* out) {
  ES_RETURN_IF_ERROR(EnsureFacts());
  auto rt_it = room_types.find(r.room_type_id);
  if (rt_it == room_types.end() || rt_it->second.hotel_id != r.hotel_id) {
    return Status::Error("UNKNOWN_ROOM_TYPE",
                         "hotel " + std::to_string(r.hotel_id) + " has no room type " + std::to_string(r.room_type_id));
  }
  const HotelInfo& hotel = hotels[r.hotel_id];
  if (r.check_out - r.check_in > hotel.max_nights) {
    return Status::Error("STAY_TOO_LONG", "the stay is over the hotel's maximum nights");
  }
  const char* reason = nullptr;
  std::vector<Night> ns;
  ES_RETURN_IF_ERROR(StayReason(StayQuery{r.room_type_id, r.check_in, r.check_out, r.rooms}, rt_it->second, hotel,
                                &reason, &ns));
  if (!reason || std::string_view(reason) != "sold_out") {
    return Status::Error("NOT_SOLD_OUT",
                         reason ? std::string("the stay cannot be booked for another reason: ") + reason
                                : std::string("the stay is available: book it instead"),
                         std::string("{\"reason\":") + (reason ? "\"" + std::string(reason) + "\"" : "null") + "}");
  }
  Txn txn(*this);
  if (!txn.started()) return SqliteError(db, "begin");
  std::string client_id;
  ES_RETURN_IF_ERROR(ClientId(&client_id));
  int64_t id;
  ES_RETURN_IF_ERROR(NextLocalId(LocalIds::kWaitlist, &id));
  {
    Stmt* st;
    ES_RETURN_IF_ERROR(Prepared(
        "INSERT INTO waitlist(id, hotel_id, user_id, room_type_id, start_date, end_date, rooms, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'WAITING', ?)", &st));
    StmtScope s(*st);
    s->BindInt(1, id);
    s->BindInt(2, r.hotel_id);
    s->BindInt(3, r.user_id);
    s->BindInt(4, r.room_type_id);
    s->BindText(5, FormatDate(r.check_in));
    s->BindText(6, FormatDate(r.check_out));
    s->BindInt(7, r.rooms);
    s->BindInt(8, now_ms);
    ES_RETURN_IF_ERROR(Step(db, *s, "insert waitlist"));
  }
  std::string key = r.idempotency_key.empty() ? client_id + ":waitlist:" + std::to_string(-id) : r.idempotency_key;
  std::string args = StayArgs(r);
  JsonWriter::Continuing(&args).Key("localId").Int(id).EndObject();
  ES_RETURN_IF_ERROR(Enqueue("joinWaitlist", key, args, 0, id));
  ES_RETURN_IF_ERROR(txn.Commit());
  JsonWriter w(out);
  w.BeginObject().Key("id").Int(id).Key("hotelId").Int(r.hotel_id).Key("userId").Int(r.user_id);
  w.Key("roomTypeId").Int(r.room_type_id).Key("checkIn").String(FormatDate(r.check_in));
  w.Key("checkOut").String(FormatDate(r.check_out)).Key("rooms").Int(r.rooms).Key("status").String("WAITING");
  w.Key("createdAt").Int(now_ms).EndObject();
  return Status::Ok();
}

ES_MINSIZE Status Engine::Impl::PendingMutations(std::string* out) {
  std::string client_id;
  {
    Txn txn(*this);
    ES_RETURN_IF_ERROR(ClientId(&client_id));
    ES_RETURN_IF_ERROR(txn.Commit());
  }
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared(
      "SELECT seq, type, idempotency_key, args FROM outbox WHERE status = 'PENDING' ORDER BY seq", &st));
  StmtScope s(*st);
  JsonWriter w(out);
  w.BeginObject().Key("format").String("edgestay.push/1").Key("clientId").String(client_id);
  w.Key("mutations").BeginArray();
  while (s->Step() == SQLITE_ROW) {
    w.BeginObject().Key("seq").Int(s->Int(0)).Key("type").String(s->Text(1));
    w.Key("idempotencyKey").String(s->Text(2)).Key("args").Raw(s->Text(3)).EndObject();
  }
  w.EndArray().EndObject();
  return Status::Ok();
}

ES_MINSIZE Status Engine::Impl::ApplyPushResults(const protocol::json::JsonValue& doc, std::string* out) {
  using json = protocol::json::JsonValue;
  const json* results = nullptr;
  if (doc.is_array()) results = &doc;
  else if (doc.Find("results") && doc.Find("results")->is_array()) results = doc.Find("results");
  if (!results) return Status::Error("INVALID_ARGUMENT", "push results must be an array or {results: [...]}");
  // Check the whole list before touching anything.
  for (size_t i = 0; i < results->size(); ++i) {
    const json& r = (*results)[i];
    const json* seq = r.Find("seq");
    const json* status = r.Find("status");
    const bool ok = seq && seq->is_int() && status && status->is_string() &&
                    (status->str() == "applied" || status->str() == "rejected");
    if (!ok) {
      return Status::Error("INVALID_ARGUMENT",
                           "results[" + std::to_string(i) + "]: needs an integer seq and status applied|rejected",
                           "{\"index\":" + std::to_string(i) + "}");
    }
  }
  Txn txn(*this);
  if (!txn.started()) return SqliteError(db, "begin");
  int64_t applied = 0, rejected = 0, ignored = 0;
  ChangeEvents ev;
  std::vector<int64_t> touched;
  for (const json& r : results->items()) {
    const int64_t seq = r.Find("seq")->i();
    const bool ok = r.Find("status")->str() == "applied";
    Stmt* st;
    ES_RETURN_IF_ERROR(Prepared("SELECT type, COALESCE(booking_id, 0), status FROM outbox WHERE seq = ?", &st));
    std::string type;
    int64_t booking_id = 0;
    {
      StmtScope s(*st);
      s->BindInt(1, seq);
      if (s->Step() != SQLITE_ROW || s->Text(2) != "PENDING") {
        ++ignored;  // unknown or already settled: results are idempotent
        continue;
      }
      type = std::string(s->Text(0));
      booking_id = s->Int(1);
    }
    Stmt* mark;
    ES_RETURN_IF_ERROR(Prepared("UPDATE outbox SET status = ?, result = ? WHERE seq = ?", &mark));
    {
      StmtScope s(*mark);
      s->BindText(1, ok ? "APPLIED" : "REJECTED");
      s->BindText(2, r.Dump());
      s->BindInt(3, seq);
      ES_RETURN_IF_ERROR(Step(db, *s, "settle outbox"));
    }
    ok ? ++applied : ++rejected;
    const json* waitlist = r.Find("waitlist");
    const json* waitlist_id = waitlist ? waitlist->Find("id") : nullptr;
    if (type == "joinWaitlist" && ok && waitlist_id && waitlist_id->is_int()) {
      // If the centre's row for this entry was pulled already, it replaces the local one.
      Stmt* dup;
      ES_RETURN_IF_ERROR(Prepared(
          "DELETE FROM waitlist WHERE id = (SELECT waitlist_id FROM outbox WHERE seq = ?1)"
          " AND EXISTS (SELECT 1 FROM waitlist WHERE id = ?2)", &dup));
      StmtScope s(*dup);
      s->BindInt(1, seq);
      s->BindInt(2, waitlist_id->i());
      ES_RETURN_IF_ERROR(Step(db, *s, "merge waitlist entry"));
    }
    if (!booking_id) continue;
    std::string status;
    int64_t user_id = 0, room_type_id = 0, hotel_id = 0;
    bool still_local = true, in_lease = false;
    Day ci = 0, co = 0;
    {
      Stmt* b;
      ES_RETURN_IF_ERROR(Prepared(
          "SELECT status, user_id, room_type_id, start_date, end_date, hotel_id, origin = 'local',"
          " EXISTS (SELECT 1 FROM lease_uses WHERE booking_id = bookings.id) FROM bookings WHERE id = ?", &b));
      StmtScope s(*b);
      s->BindInt(1, booking_id);
      if (s->Step() != SQLITE_ROW) continue;
      status = std::string(s->Text(0));
      user_id = s->Int(1);
      room_type_id = s->Int(2);
      ParseDate(s->Text(3), &ci);
      ParseDate(s->Text(4), &co);
      hotel_id = s->Int(5);
      still_local = s->Int(6) != 0;
      in_lease = s->Int(7) != 0;
    }
    // A booking made inside a lease is CONFIRMED before the centre saw it: its
    // createBooking's rejection undoes that too.
    const bool live = status == "HELD" || status == "PENDING_SYNC" ||
                      (status == "CONFIRMED" && in_lease && type == "createBooking");
    const char* next = nullptr;
    int64_t server_id = 0;
    const json* booking = r.Find("booking");
    const json* booking_server_id = booking ? booking->Find("id") : nullptr;
    if (booking_server_id && booking_server_id->is_int()) server_id = booking_server_id->i();
    // A row that is already the centre's copy (its central row arrived before this result,
    // origin = 'central') keeps the centre's status and updated_at: the result only names
    // the central id. Writing the engine's clock there made it differ from the centre.
    if ((type == "createBooking" || type == "confirmHold") && still_local) {
      if (ok && status == "PENDING_SYNC") next = "CONFIRMED";
      if (!ok && live) next = "REJECTED";
    }
    Stmt* up;
    ES_RETURN_IF_ERROR(Prepared(
        "UPDATE bookings SET status = COALESCE(?1, status), server_id = COALESCE(server_id, ?2),"
        " updated_at = CASE WHEN origin = 'local' THEN ?3 ELSE updated_at END WHERE id = ?4", &up));
    {
      StmtScope s(*up);
      if (next) s->BindText(1, next);
      if (ok && server_id > 0 && type == "createBooking") s->BindInt(2, server_id);
      s->BindInt(3, now_ms);
      s->BindInt(4, booking_id);
      ES_RETURN_IF_ERROR(Step(db, *s, "settle booking"));
    }
    nights.ForgetAllHolding();
    if (next && std::string_view(next) == "REJECTED") {
      ES_RETURN_IF_ERROR(Notify(booking_id, user_id, "rejection", now_ms));
      ES_RETURN_IF_ERROR(CancelReminders(booking_id));
      ES_RETURN_IF_ERROR(OfferWaitlist(room_type_id, &ev));
    }
    ev.booking_users.insert(user_id);
    auto [hit, hinserted] = ev.booking_hotels.try_emplace(hotel_id, ci, co - 1);
    if (!hinserted) {
      hit->second.first = std::min(hit->second.first, ci);
      hit->second.second = std::max(hit->second.second, co - 1);
    }
    auto [it, inserted] = ev.booking_ranges.try_emplace(room_type_id, ci, co - 1);
    if (!inserted) {
      it->second.first = std::min(it->second.first, ci);
      it->second.second = std::max(it->second.second, co - 1);
    }
    touched.push_back(booking_id);
  }
  for (size_t k = 0; events_wanted && k < touched.size(); ++k) {  // the event carries them
    std::string j;
    ES_RETURN_IF_ERROR(BookingAnswer(touched[k], &j));
    ev.bookings.push_back(std::move(j));
  }
  ES_RETURN_IF_ERROR(txn.Commit());
  ES_RETURN_IF_ERROR(RefreshNextHoldExpiry());
  Publish(ev);
  JsonWriter w(out);
  w.BeginObject().Key("applied").Int(applied).Key("rejected").Int(rejected).Key("ignored").Int(ignored).EndObject();
  return Status::Ok();
}

ES_MINSIZE Status Engine::Impl::DueNotifications(int64_t until_ms, int64_t limit, std::string* out) {
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared(
      "SELECT id, booking_id, user_id, channel, kind, scheduled_at FROM notifications"
      " INDEXED BY notifications_status_scheduledAt_idx WHERE status = 'QUEUED' AND scheduled_at <= ?"
      " ORDER BY scheduled_at, abs(id) LIMIT ?", &st));
  StmtScope s(*st);
  s->BindInt(1, until_ms);
  s->BindInt(2, limit);
  JsonWriter w(out);
  w.BeginArray();
  while (s->Step() == SQLITE_ROW) {
    w.BeginObject().Key("id").Int(s->Int(0)).Key("bookingId").Int(s->Int(1)).Key("userId").Int(s->Int(2));
    w.Key("channel").String(s->Text(3)).Key("kind").String(s->Text(4)).Key("scheduledAt").Int(s->Int(5)).EndObject();
  }
  w.EndArray();
  return Status::Ok();
}

ES_MINSIZE Status Engine::Impl::MarkNotifications(const std::vector<int64_t>& ids, const std::string& status, std::string* out) {
  Txn txn(*this);
  Stmt* st;
  ES_RETURN_IF_ERROR(Prepared("UPDATE notifications SET status = ? WHERE id = ? AND status = 'QUEUED'", &st));
  int64_t changed = 0;
  for (int64_t id : ids) {
    StmtScope s(*st);
    s->BindText(1, status);
    s->BindInt(2, id);
    ES_RETURN_IF_ERROR(Step(db, *s, "mark notification"));
    changed += sqlite3_changes(db);
  }
  ES_RETURN_IF_ERROR(txn.Commit());
  *out = "{\"updated\":" + std::to_string(changed) + "}";
  return Status::Ok();
}

}  // namespace edgestay
