// Applying change batches (sync/FORMAT.md §1): one SQLite transaction per batch.
//
// Rows arrive already validated in isolation by sync/protocol; this module adds what
// needs the database: foreign keys, "still referenced" on delete, upsert versus partial
// update, mapping a central booking onto the local row it confirms, and collecting the
// change events that drive cache invalidation and JS listeners.
#include <algorithm>
#include <optional>

#include "edgestay/protocol/tables.h"
#include "engine_impl.h"
#include "json_writer.h"

namespace edgestay {
namespace {

using protocol::ColumnSpec;
using protocol::ColType;
using protocol::Op;
using protocol::RowChange;
using protocol::TableId;
using protocol::TableSpec;
using protocol::Value;

bool IsRequired(const ColumnSpec& c) { return !c.nullable && !c.has_default; }

bool IsKey(const TableSpec& table, size_t column) {
  for (int k : table.key) {
    if (k == static_cast<int>(column)) return true;
  }
  return false;
}

void Bind(Stmt& st, int index, const Value& v) {
  switch (v.kind) {
    case Value::kInt: st.BindInt(index, v.i); break;
    case Value::kText: st.BindText(index, v.s); break;
    default: st.BindNull(index); break;
  }
}

// The same for the row's write statement: its text points into the batch (or a decoder
// buffer), which outlives the step, so SQLite need not copy it (Stmt::Reset clears it).
void BindRow(Stmt& st, int index, const Value& v) {
  if (v.kind == Value::kText) {
    st.BindTextNoCopy(index, v.s);
  } else {
    Bind(st, index, v);
  }
}

// The table each column refers to (protocol::TableId), or -1: per table, in column order.
const std::vector<std::vector<int>>& RefTables() {
  static const std::vector<std::vector<int>> refs = [] {
    std::vector<std::vector<int>> r;
    for (const TableSpec& t : protocol::Tables()) {
      std::vector<int> cols;
      for (const ColumnSpec& c : t.columns) {
        cols.push_back(c.ref_table ? static_cast<int>(protocol::FindTable(c.ref_table)->id) : -1);
      }
      r.push_back(std::move(cols));
    }
    return r;
  }();
  return refs;
}

// The range of `key` in `ranges` widened to [first, last] (made, if none). `*last_entry`,
// when given, is the entry widened last: tried before the map (a load's nights come one
// room type after another, so most rows need no descent of it), then set to this key's.
using EventRange = std::pair<const int64_t, std::pair<Day, Day>>;
void Widen(std::map<int64_t, std::pair<Day, Day>>* ranges, int64_t key, Day first, Day last,
           EventRange** last_entry = nullptr) {
  EventRange* entry = last_entry && *last_entry && (*last_entry)->first == key ? *last_entry : nullptr;
  if (!entry) {
    auto [it, inserted] = ranges->try_emplace(key, first, last);
    entry = &*it;
    if (last_entry) *last_entry = entry;
    if (inserted) return;
  }
  entry->second.first = std::min(entry->second.first, first);
  entry->second.second = std::max(entry->second.second, last);
}

// A booking's user, room type, stay and hotel go to the change events (cache invalidation);
// its user to `users`, merged into the events' set at commit.
void NoteBooking(int64_t user, int64_t room_type, int64_t hotel, Day check_in, Day check_out, ChangeEvents* into,
                 std::vector<int64_t>* users) {
  users->push_back(user);
  Widen(&into->booking_ranges, room_type, check_in, check_out - 1);
  Widen(&into->booking_hotels, hotel, check_in, check_out - 1);
}

// Where ApplyRow's columns sit in a bookings row, found once (a name lookup per row and
// column cost ~3% of a load).
struct BookingColumns {
  int user, room_type, start, end, hotel, origin, key, server, created, updated;
};
const BookingColumns& BookingAt() {
  static const BookingColumns at = [] {
    const TableSpec& t = protocol::Table(protocol::TableId::kBookings);
    return BookingColumns{t.ColumnIndex("user_id"),     t.ColumnIndex("room_type_id"),
                          t.ColumnIndex("start_date"),  t.ColumnIndex("end_date"),
                          t.ColumnIndex("hotel_id"),    t.ColumnIndex("origin"),
                          t.ColumnIndex("idempotency_key"), t.ColumnIndex("server_id"),
                          t.ColumnIndex("created_at"),  t.ColumnIndex("updated_at")};
  }();
  return at;
}

// A table that received this many rows while fresh (empty when the batch first wrote to it)
// has its plain secondary indexes dropped and built again at commit: one sorted build
// instead of a b-tree descent per row and index, and packed pages. Below it, the DDL and the
// statements it makes SQLite re-prepare would cost more than they save.
constexpr int64_t kBulkRows = 4096;

Day DayOf(const Value& v) {
  Day d = 0;
  ParseDate(v.s, &d);
  return d;
}

}  // namespace

Status Engine::Impl::ApplyPart(std::string_view text, int change_offset, int row_offset, bool first_part,
                               std::string_view rows) {
  auto on_header = [&](const protocol::BatchHeader& h) -> Status {
    if (first_part && (h.since || h.since_is_null)) {
      const bool matches = h.since_is_null ? !cursor.has_value() : (cursor && *cursor == *h.since);
      if (!matches) {
        return Status::Error("CURSOR_MISMATCH",
                             "the batch continues from cursor " + (h.since ? *h.since : std::string("null")) +
                                 " but the engine is at " + (cursor ? *cursor : std::string("null")));
      }
    }
    if (h.cursor) batch_cursor = h.cursor;
    if (h.synced_at) batch_synced_at = h.synced_at;
    return Status::Ok();
  };
  auto sink = [&](const RowChange& change) -> Status { return ApplyRow(change); };
  return protocol::DecodeChangeBatch(text, on_header, sink, change_offset, row_offset, rows);
}

Status Engine::Impl::ApplyRow(const RowChange& change) {
  const TableSpec& table = *change.table;
  const TableId table_id = table.id;  // compared, not the name: ApplyRow runs for every row of a load
  const size_t ncols = table.columns.size();
  std::vector<Value>& values = row_values;
  values.assign(change.values, change.values + ncols);
  const std::vector<int>& refs = RefTables()[static_cast<size_t>(table.id)];
  TableLoad* load;
  ES_RETURN_IF_ERROR(TouchTable(table, &load));
  // An upsert of an id no row of this batch had, into a table that was empty when the batch
  // began writing to it: no stored row has that id, so there is no old row to read.
  const bool id_keyed = table.columns[0].type == ColType::kId && table.key.size() == 1;
  bool fresh_id = load->state == TableLoad::kFresh && id_keyed && change.op == Op::kUpsert &&
                  values[0].kind == Value::kInt && values[0].i > load->max_id;

  auto exists = [&](int ref, const char* ref_table, int64_t id) -> Status {
    auto& memo = known_ids[static_cast<size_t>(ref)];
    if (memo.contains(id)) return Status::Ok();
    std::string sql = std::string("SELECT 1 FROM ") + ref_table + " WHERE id = ?";
    Stmt* st;
    ES_RETURN_IF_ERROR(Prepared(sql.c_str(), &st));
    StmtScope s(*st);
    s->BindInt(1, id);
    if (s->Step() != SQLITE_ROW) return Status::Error("NOT_FOUND", "");
    memo.insert(id);
    return Status::Ok();
  };

  if (change.op == Op::kUpsert) {
    // Foreign keys.
    for (size_t c = 0; c < ncols; ++c) {
      const ColumnSpec& col = table.columns[c];
      if (!col.ref_table || values[c].kind != Value::kInt) continue;
      const int ref = refs[c];
      if (ref == static_cast<int>(protocol::TableId::kBookings) && !exists(ref, col.ref_table, values[c].i).ok()) {
        // A central row about a booking this engine made refers to it by its central id;
        // locally that booking keeps its local id and records the central one.
        Stmt* st;
        ES_RETURN_IF_ERROR(Prepared("SELECT id FROM bookings WHERE server_id = ?1 AND id <> ?1", &st));
        StmtScope s(*st);
        s->BindInt(1, values[c].i);
        if (s->Step() == SQLITE_ROW) values[c].i = s->Int(0);
      }
      if (!exists(ref, col.ref_table, values[c].i).ok()) {
        std::string what = std::string(col.ref_table);
        if (!what.empty() && what.back() == 's') what.pop_back();
        return protocol::RowError("FOREIGN_KEY", change.pos, col.name,
                                  "no " + what + " with id " + std::to_string(values[c].i));
      }
    }
    if (table_id == TableId::kWaitlist) {
      // The centre's row for an entry this engine pushed replaces the local entry (found
      // through the push result that named the central id).
      Stmt* st;
      ES_RETURN_IF_ERROR(Prepared(
          "DELETE FROM waitlist WHERE id < 0 AND id IN (SELECT waitlist_id FROM outbox"
          " WHERE type = 'joinWaitlist' AND status = 'APPLIED' AND edgestay_waitlist_id(result) = ?)", &st));
      StmtScope s(*st);
      s->BindInt(1, values[0].i);
      if (s->Step() != SQLITE_DONE) return SqliteError(db, "merge waitlist entry");
    }
    if (table_id == TableId::kBookings) {
      // A central booking that confirms a local one updates the local row.
      const BookingColumns& at = BookingAt();
      const int origin = at.origin;
      const bool local = values[origin].kind == Value::kText && values[origin].s == "local";
      // A fresh table holds only this batch's rows: no match when none of them named a
      // server id and (for the key's half) none was local or this row has no key.
      const int key_col = at.key;
      const bool no_match = fresh_id && !load->server_ids &&
                            (!load->local || values[key_col].kind == Value::kAbsent ||
                             values[key_col].kind == Value::kNull);
      if (!local && !no_match) {
        // Matched by the central id it was given, or, when the centre's row arrives before
        // the push result (a lost response), by the business key the booking was made with.
        const int key = at.key, hotel = at.hotel;
        Stmt* st;
        ES_RETURN_IF_ERROR(PreparedOnce(kBookingMatchStmt,
            "SELECT id FROM bookings WHERE (server_id = ?1 AND id <> ?1)"
            " OR (?3 IS NOT NULL AND hotel_id = ?2 AND idempotency_key = ?3 AND server_id IS NULL AND id <> ?1"
            "     AND origin = 'local')", &st));
        StmtScope s(*st);
        s->BindInt(1, values[0].i);
        Bind(*s, 2, values[hotel]);
        Bind(*s, 3, values[key]);
        if (s->Step() == SQLITE_ROW) {
          values[at.server] = Value{Value::kInt, values[0].i, {}};
          values[0].i = s->Int(0);
          // The centre's row has arrived, and with it (same change log) the inventory it
          // decremented: from now on the booking is the centre's, no longer held locally.
          values[origin] = Value{Value::kText, 0, "central"};
          fresh_id = false;  // the row is now that stored local booking
        }
      }
      // The room type must belong to the booking's hotel.
      const int hotel = at.hotel, rt = at.room_type;
      bool have_hotel = values[hotel].kind == Value::kInt, have_rt = values[rt].kind == Value::kInt;
      int64_t hotel_id = values[hotel].i, rt_id = values[rt].i;
      if (have_hotel != have_rt) {
        // A partial update naming only one of the two is checked against the stored other.
        Stmt* st;
        ES_RETURN_IF_ERROR(Prepared("SELECT hotel_id, room_type_id FROM bookings WHERE id = ?", &st));
        StmtScope s(*st);
        s->BindInt(1, values[0].i);
        if (s->Step() == SQLITE_ROW) {
          if (!have_hotel) hotel_id = s->Int(0);
          else rt_id = s->Int(1);
          have_hotel = have_rt = true;
        }
      }
      if (have_hotel && have_rt) {
        Stmt* st;
        ES_RETURN_IF_ERROR(PreparedOnce(kRoomTypeHotelStmt, "SELECT hotel_id FROM room_types WHERE id = ?", &st));
        StmtScope s(*st);
        s->BindInt(1, rt_id);
        if (s->Step() == SQLITE_ROW && s->Int(0) != hotel_id) {
          return protocol::RowError("FOREIGN_KEY", change.pos,
                                    values[rt].kind == Value::kInt ? "room_type_id" : "hotel_id",
                                    "room type " + std::to_string(rt_id) + " is not a room type of hotel " +
                                        std::to_string(hotel_id));
        }
      }
    }
  }

  if (table_id == TableId::kBookings && change.op == Op::kUpsert) {
    const int created = BookingAt().created, updated = BookingAt().updated;
    if (values[updated].kind == Value::kAbsent && values[created].kind == Value::kInt) {
      // The default (= created_at) applies on insert only; an update keeps the stored value.
      if (fresh_id) {
        values[updated] = values[created];
      } else {
        Stmt* st;
        ES_RETURN_IF_ERROR(Prepared("SELECT 1 FROM bookings WHERE id = ?", &st));
        StmtScope s(*st);
        s->BindInt(1, values[0].i);
        if (s->Step() != SQLITE_ROW) values[updated] = values[created];
      }
    }
  }

  // A room type that moves to another hotel leaves the old hotel's room type list and
  // searches: note the old hotel as changed too (the new one is found from the room type).
  if (table_id == TableId::kRoomTypes && change.op == Op::kUpsert) {
    const Value& hotel = values[table.ColumnIndex("hotel_id")];
    if (hotel.kind == Value::kInt && !fresh_id) {
      Stmt* st;
      ES_RETURN_IF_ERROR(Prepared("SELECT hotel_id FROM room_types WHERE id = ?", &st));
      StmtScope s(*st);
      s->BindInt(1, values[0].i);
      if (s->Step() == SQLITE_ROW && s->Int(0) != hotel.i) batch_events.hotels.insert(s->Int(0));
    }
  }

  // Bookings: note the old row's user and range too, for invalidation.
  auto note_booking = [&](int64_t id, ChangeEvents* into, std::vector<int64_t>* users) -> Status {
    Stmt* st;
    ES_RETURN_IF_ERROR(PreparedOnce(
        kBookingFactsStmt, "SELECT user_id, room_type_id, start_date, end_date, hotel_id FROM bookings WHERE id = ?", &st));
    StmtScope s(*st);
    s->BindInt(1, id);
    if (s->Step() == SQLITE_ROW) {
      Day a = 0, b = 0;
      ParseDate(s->Text(2), &a);
      ParseDate(s->Text(3), &b);
      NoteBooking(s->Int(0), s->Int(1), s->Int(4), a, b, into, users);
    }
    return Status::Ok();
  };
  // A stored booking's events before this row changes it (none for other tables: not even
  // built, as a load's every row would build and destroy their maps).
  std::optional<ChangeEvents> before;
  std::vector<int64_t> before_users;
  if (table_id == TableId::kBookings && !fresh_id) ES_RETURN_IF_ERROR(note_booking(values[0].i, &before.emplace(), &before_users));

  // A table whose rows have come in key order so far, after every stored one, takes this
  // one as an append: a fresh table's whole load, or a stocked one's next page of the
  // change log (what a sync client's first pull brings, page after page).
  if (load->in_key_order) {
    load->in_key_order = change.op == Op::kUpsert && load->KeyAfterLast(values, table.key);
  }
  // An append that names every column goes straight into the b-trees when the table's
  // appender takes it; anything else, and any row it declines, through the statement.
  bool appended = false;
  if (load->in_key_order &&
      std::none_of(values.begin(), values.end(), [](const Value& v) { return v.kind == Value::kAbsent; })) {
    ES_RETURN_IF_ERROR(AppendRow(table, load, &appended));
  }
  int changed = 1;
  if (!appended) ES_RETURN_IF_ERROR(WriteRow(change, *load, &changed));
  ++batch_rows;
  if (load->state == TableLoad::kFresh) {
    // What the fast paths above need to know of the rows this batch stored (conservative:
    // a row counts even when it changed nothing).
    if (id_keyed && change.op == Op::kUpsert) load->max_id = std::max(load->max_id, values[0].i);
    if (table_id == TableId::kBookings && change.op == Op::kUpsert) {
      const int origin = BookingAt().origin, server = BookingAt().server;
      if (values[server].kind == Value::kInt) load->server_ids = true;
      if (values[origin].kind == Value::kText && values[origin].s == "local") load->local = true;
    }
    if (++load->rows == kBulkRows) ES_RETURN_IF_ERROR(SetIndexesAside(table, load));
  }
  if (changed == 0) return Status::Ok();  // identical to what is stored, or nothing to delete

  // Events.
  if (before) {
    batch_users.insert(batch_users.end(), before_users.begin(), before_users.end());
    for (const auto& [rt, r] : before->booking_ranges) Widen(&batch_events.booking_ranges, rt, r.first, r.second);
    for (const auto& [h, r] : before->booking_hotels) Widen(&batch_events.booking_hotels, h, r.first, r.second);
  }
  if (table_id == TableId::kRoomInventory) nights.ForgetRoomType(values[0].i);
  if (table_id == TableId::kSpecialDays) nights.ForgetSpecialDays(values[0].i);
  if (table_id == TableId::kBookings) nights.ForgetAllHolding();
  if (table_id == TableId::kHotels) {
    batch_events.hotels.insert(values[0].i);
    facts_dirty = true;
  } else if (table_id == TableId::kRoomTypes) {
    batch_events.room_types.insert(values[0].i);
    facts_dirty = true;
  } else if (table_id == TableId::kBookingRules) {
    batch_events.hotels.insert(values[0].i);
    facts_dirty = true;
  } else if (table_id == TableId::kRoomInventory || table_id == TableId::kSpecialDays) {
    const Day d = DayOf(values[1]);
    Widen(table_id == TableId::kRoomInventory ? &batch_events.inventory : &batch_events.special_days, values[0].i, d,
          d, &load->last_event);
  } else if (table_id == TableId::kBookings && change.op == Op::kUpsert) {
    // The row as stored now: the written values themselves when the upsert named all five
    // columns (it set them), else read back.
    const BookingColumns& at = BookingAt();
    if (values[at.user].kind == Value::kInt && values[at.room_type].kind == Value::kInt &&
        values[at.start].kind == Value::kText && values[at.end].kind == Value::kText &&
        values[at.hotel].kind == Value::kInt) {
      NoteBooking(values[at.user].i, values[at.room_type].i, values[at.hotel].i, DayOf(values[at.start]),
                  DayOf(values[at.end]), &batch_events, &batch_users);
    } else {
      ES_RETURN_IF_ERROR(note_booking(values[0].i, &batch_events, &batch_users));
    }
  }
  if (change.op == Op::kUpsert && id_keyed) {
    known_ids[static_cast<size_t>(table.id)].insert(values[0].i);
  }
  return Status::Ok();
}

// Its work runs once per table and batch: built for size.
ES_MINSIZE Status Engine::Impl::TouchTable(const TableSpec& table, TableLoad** out) {
  TableLoad& load = table_load[static_cast<size_t>(table.id)];
  *out = &load;
  if (load.state != TableLoad::kUnknown) return Status::Ok();
  // The largest stored key (NOT NULL columns), none when the table is empty: one b-tree
  // edge read. Kept with the write statements, out of explainQueries: it is the load's,
  // not a query's.
  std::unique_ptr<Stmt>& probe = table_probes[static_cast<size_t>(table.id)];
  if (!probe) {
    std::string columns, order;
    for (int k : table.key) {
      columns += (columns.empty() ? "" : ", ") + std::string(table.columns[k].name);
      order += (order.empty() ? "" : ", ") + std::string(table.columns[k].name) + " DESC";
    }
    auto prepared = std::make_unique<Stmt>();
    ES_RETURN_IF_ERROR(prepared->Prepare(
        db, "SELECT " + columns + " FROM " + table.name + " ORDER BY " + order + " LIMIT 1"));
    probe = std::move(prepared);
  }
  StmtScope s(*probe);
  const int rc = s->Step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqliteError(db, std::string("read ") + table.name);
  load.state = rc == SQLITE_DONE ? TableLoad::kFresh : TableLoad::kStocked;
  // Rows after the last stored key are appends, as a fresh table's are (KeyAfterLast). A
  // table kept in descending order (notifications: id DESC) has no b-tree that takes rows
  // as appends in the key order KeyAfterLast checks. The b-trees are wanted for a table
  // of either kind: its write statements may still carry an earlier append's hint.
  load.append_count = edgestay_append_btrees(db, table.name, load.append_roots,
                                             static_cast<int>(std::size(load.append_roots)));
  load.in_key_order = load.append_count > 0;
  load.last_key.clear();
  if (rc == SQLITE_ROW) {
    for (size_t k = 0; k < table.key.size(); ++k) {
      const int col = static_cast<int>(k);
      const int type = sqlite3_column_type(s->get(), col);
      if (type != SQLITE_INTEGER && type != SQLITE_TEXT) {
        load.in_key_order = false;  // not a key CompareKeyValue orders: no appends
        break;
      }
      const bool text = type == SQLITE_TEXT;
      load.last_key.push_back({text ? Value::kText : Value::kInt, text ? 0 : s->Int(col),
                               text ? std::string(s->Text(col)) : std::string()});
    }
  }
  return Status::Ok();
}

namespace {
// SQLite's order of two key values: integers before text, text by its bytes (BINARY).
int CompareKeyValue(const Value& v, const Engine::Impl::TableLoad::KeyValue& last) {
  if (v.kind != last.kind) return v.kind == Value::kText ? 1 : -1;
  if (v.kind == Value::kInt) return v.i > last.i ? 1 : v.i < last.i ? -1 : 0;
  const int c = v.s.compare(last.s);
  return c > 0 ? 1 : c < 0 ? -1 : 0;
}
}  // namespace

bool Engine::Impl::TableLoad::KeyAfterLast(const std::vector<Value>& values, const std::vector<int>& key) {
  int order = last_key.empty() ? 1 : 0;
  for (size_t k = 0; k < key.size(); ++k) {
    const Value& v = values[static_cast<size_t>(key[k])];
    if (v.kind != Value::kInt && v.kind != Value::kText) return false;
    if (order == 0) order = CompareKeyValue(v, last_key[k]);
  }
  if (order <= 0) return false;
  last_key.resize(key.size());
  for (size_t k = 0; k < key.size(); ++k) {
    const Value& v = values[static_cast<size_t>(key[k])];
    last_key[k].kind = v.kind;
    last_key[k].i = v.i;
    last_key[k].s.assign(v.s);
  }
  return true;
}

// The row written by the statement of its table and columns (an upsert, a partial update
// or a delete); *changed: the rows it changed (0 for a re-sent identical row).
Status Engine::Impl::WriteRow(const RowChange& change, const TableLoad& load, int* changed) {
  const TableSpec& table = *change.table;
  const size_t ncols = table.columns.size();
  const std::vector<Value>& values = row_values;
  // The statement for this table and this set of columns, built once.
  uint64_t mask = 0;
  bool has_all_required = true, has_non_key = false;
  for (size_t c = 0; c < ncols; ++c) {
    const bool present = values[c].kind != Value::kAbsent;
    if (present) mask |= uint64_t{1} << c;
    if (!present && IsRequired(table.columns[c])) has_all_required = false;
    if (present && !IsKey(table, c)) has_non_key = true;
  }
  if (change.op == Op::kDelete) mask |= uint64_t{1} << 63;

  const std::pair<const void*, uint64_t> stmt_key{&table, mask};
  if (last_write_key != stmt_key || !last_write) {
    ES_RETURN_IF_ERROR(WriteStatement(table, mask, change.op == Op::kDelete, has_all_required, has_non_key,
                                      &last_write));
    last_write_key = stmt_key;
  }
  if (change.op == Op::kDelete) ES_RETURN_IF_ERROR(RefuseReferencedDelete(table, values[0].i, change.pos));
  Stmt& st = *last_write;
  int param = 1;
  if (change.op == Op::kDelete || !has_all_required) {
    if (change.op == Op::kUpsert) {
      for (size_t c = 0; c < ncols; ++c) {
        if ((mask >> c & 1) && !IsKey(table, c)) BindRow(st, param++, values[c]);
      }
    }
    for (int k : table.key) BindRow(st, param++, values[k]);
  } else {
    for (size_t c = 0; c < ncols; ++c) {
      if (mask >> c & 1) BindRow(st, param++, values[c]);
    }
  }

  edgestay_bulk_appends(st.get(), load.append_roots, load.append_count, load.in_key_order);
  const int rc = st.Step();
  *changed = sqlite3_changes(db);
  st.Reset();
  if (rc != SQLITE_DONE) {
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
      const bool inventory = table.id == protocol::TableId::kRoomInventory;
      return protocol::RowError(
          "INVALID_ROW", change.pos, inventory ? "available" : "",
          inventory ? "must be <= total" : std::string("violates a constraint: ") + sqlite3_errmsg(db));
    }
    return SqliteError(db, std::string("apply ") + table.name);
  }
  if (change.op == Op::kUpsert && !has_all_required && *changed == 0) {
    for (size_t c = 0; c < ncols; ++c) {
      if (values[c].kind == Value::kAbsent && IsRequired(table.columns[c])) {
        return protocol::RowError("INVALID_ROW", change.pos, table.columns[c].name, "required for a new row");
      }
    }
  }
  return Status::Ok();
}

// The write statement of `table` for the columns in `mask` (a delete when `del`), prepared
// once per engine: an upsert when every required column is there, else an update of the
// named ones. Runs when a change's table or columns differ from the last row's: built
// for size.
ES_MINSIZE Status Engine::Impl::WriteStatement(const TableSpec& table, uint64_t mask, bool del,
                                               bool has_all_required, bool has_non_key, Stmt** out) {
  std::unique_ptr<Stmt>& slot = write_stmts[{&table, mask}];
  if (!slot) {
    const size_t ncols = table.columns.size();
    std::string sql, where;
    for (int k : table.key) {
      where += where.empty() ? " WHERE " : " AND ";
      where += std::string(table.columns[k].name) + " = ?";
    }
    if (del) {
      sql = std::string("DELETE FROM ") + table.name + where;
    } else if (has_all_required) {
      std::string cols, params, updates, differs, key;
      for (size_t c = 0; c < ncols; ++c) {
        if (!(mask >> c & 1)) continue;
        const std::string column = table.columns[c].name;
        cols += (cols.empty() ? "" : ", ") + column;
        params += params.empty() ? "?" : ", ?";
        if (!IsKey(table, c)) {
          updates += (updates.empty() ? "" : ", ") + column + " = excluded." + column;
          differs += (differs.empty() ? "" : " OR ") + column + " IS NOT excluded." + column;
        }
      }
      for (int k : table.key) key += (key.empty() ? "" : ", ") + std::string(table.columns[k].name);
      // The WHERE makes a re-sent identical row a no-op (changes() = 0), so it raises no
      // event and evicts nothing from the cache.
      sql = std::string("INSERT INTO ") + table.name + " (" + cols + ") VALUES (" + params + ") ON CONFLICT (" + key +
            ") DO " + (updates.empty() ? std::string("NOTHING") : "UPDATE SET " + updates + " WHERE " + differs);
    } else {
      std::string sets;
      for (size_t c = 0; c < ncols; ++c) {
        if (!(mask >> c & 1) || IsKey(table, c)) continue;
        sets += (sets.empty() ? "" : ", ") + std::string(table.columns[c].name) + " = ?";
      }
      if (!has_non_key) sets = std::string(table.columns[table.key[0]].name) + " = " + table.columns[table.key[0]].name;
      sql = std::string("UPDATE ") + table.name + " SET " + sets + where;
    }
    auto prepared = std::make_unique<Stmt>();
    ES_RETURN_IF_ERROR(prepared->Prepare(db, sql));
    slot = std::move(prepared);
  }
  *out = slot.get();
  return Status::Ok();
}

// A delete of the row with this id refused while rows of another table point at it (a
// rare change: built for size).
ES_MINSIZE Status Engine::Impl::RefuseReferencedDelete(const TableSpec& table, int64_t id,
                                                       const protocol::RowPosition& pos) {
  struct Ref { const char* table; const char* sql; };
  static const std::vector<std::pair<std::string, std::vector<Ref>>> kRefs = {
      {"hotels",
       {{"room_types", "SELECT 1 FROM room_types WHERE hotel_id = ? LIMIT 1"},
        {"booking_rules", "SELECT 1 FROM booking_rules WHERE hotel_id = ? LIMIT 1"},
        {"special_days", "SELECT 1 FROM special_days WHERE hotel_id = ? LIMIT 1"},
        {"bookings", "SELECT 1 FROM bookings WHERE hotel_id = ? LIMIT 1"},
        {"waitlist", "SELECT 1 FROM waitlist WHERE hotel_id = ? LIMIT 1"}}},
      {"room_types",
       {{"room_inventory", "SELECT 1 FROM room_inventory WHERE room_type_id = ? LIMIT 1"},
        // Through the room type's hotel: bookings has no room-type index (schema 4).
        {"bookings", "SELECT 1 FROM bookings WHERE hotel_id = (SELECT hotel_id FROM room_types WHERE id = ?1)"
                     " AND room_type_id = ?1 LIMIT 1"},
        {"waitlist", "SELECT 1 FROM waitlist WHERE room_type_id = ? LIMIT 1"}}},
      {"bookings",
       {{"payments", "SELECT 1 FROM payments WHERE booking_id = ? LIMIT 1"},
        {"notifications", "SELECT 1 FROM notifications WHERE booking_id = ? LIMIT 1"}}},
  };
  for (const auto& [referenced, refs] : kRefs) {
    if (referenced != table.name) continue;
    for (const Ref& ref : refs) {
      Stmt* q;
      ES_RETURN_IF_ERROR(Prepared(ref.sql, &q));
      StmtScope s(*q);
      s->BindInt(1, id);
      if (s->Step() == SQLITE_ROW) {
        return protocol::RowError("REFERENCED", pos, "id", std::string("still referenced by ") + ref.table);
      }
    }
    known_ids[static_cast<size_t>(table.id)].erase(id);
  }
  return Status::Ok();
}

Status Engine::Impl::AppendRow(const TableSpec& table, TableLoad* load, bool* appended) {
  *appended = false;
  if (!load->appender) {
    if (load->appender_refused) return Status::Ok();
    load->appender = edgestay_appender_open(db, table.name);
    if (!load->appender) {
      load->appender_refused = true;
      return Status::Ok();
    }
  }
  const std::vector<Value>& values = row_values;
  append_cells.resize(values.size());
  for (size_t c = 0; c < values.size(); ++c) {
    const Value& v = values[c];
    EdgestayCell& cell = append_cells[c];
    cell.kind = v.kind == Value::kInt ? EDGESTAY_CELL_INT : v.kind == Value::kText ? EDGESTAY_CELL_TEXT : EDGESTAY_CELL_NULL;
    cell.i = v.i;
    cell.z = v.s.data();
    cell.n = static_cast<int>(v.s.size());
  }
  const int rc = edgestay_appender_append(load->appender, append_cells.data());
  if (rc == EDGESTAY_DECLINED) return Status::Ok();
  if (rc != SQLITE_OK) {
    return SqliteCodeError(rc, std::string("append to ") + table.name);
  }
  *appended = true;
  return Status::Ok();
}

ES_MINSIZE void Engine::Impl::CloseAppenders() {
  for (TableLoad& load : table_load) {
    edgestay_appender_close(load.appender);
    load.appender = nullptr;
    load.appender_refused = false;
  }
}

// The table's plain indexes (not unique: a duplicate must stay the error of its row; not
// partial: they hold few rows) are dropped inside the batch's transaction and created again
// by RestoreIndexes from the very statements schema.cc stored, so a rollback brings them
// back and the definitions live in one place. Statements that read through them mid-batch
// (a delete's "still referenced" checks) scan instead; nothing else reads during a batch.
ES_MINSIZE Status Engine::Impl::SetIndexesAside(const TableSpec& table, TableLoad* load) {
  std::vector<std::pair<std::string, std::string>> found;
  {
    Stmt* st;
    ES_RETURN_IF_ERROR(Prepared("SELECT name, sql, rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1"
                                " AND sql LIKE 'CREATE INDEX %' AND sql NOT LIKE '%WHERE%' ORDER BY rowid", &st));
    StmtScope s(*st);
    s->BindText(1, table.name);
    int rc;
    while ((rc = s->Step()) == SQLITE_ROW) {
      // An index led by the key stays while the rows come in key order: they append to it
      // as to the table, which costs less than sorting it again (the inventory's contract
      // index). Should the order break, it is kept up per row, as a stocked table's is.
      const int root = static_cast<int>(s->Int(2));
      bool appended_to = false;  // append_roots[0] is the table's own b-tree
      for (int i = 1; load->in_key_order && i < load->append_count; ++i) appended_to |= load->append_roots[i] == root;
      if (!appended_to) found.emplace_back(s->Text(0), s->Text(1));
    }
    if (rc != SQLITE_DONE) return SqliteError(db, "list indexes");
  }
  CloseAppenders();  // no cursor may stay open across the DROP INDEX
  for (auto& [name, sql] : found) {
    // Read while the index stands (the table holds kBulkRows rows).
    SetAsideIndex index;
    ES_RETURN_IF_ERROR(DescribeSetAsideIndex(db, name, std::move(sql), &index));
    ES_RETURN_IF_ERROR(Exec(db, ("DROP INDEX \"" + name + "\"").c_str()));
    load->set_aside.push_back(std::move(index));
  }
  // The write statements were prepared against the old schema; SQLite re-prepares them,
  // without the dropped indexes' b-trees, which the appends then no longer look for.
  load->append_count = edgestay_append_btrees(db, table.name, load->append_roots,
                                              static_cast<int>(std::size(load->append_roots)));
  return Status::Ok();
}

// The set-aside indexes, built again (index_sort.h): by the engine's own sort when an
// index's entries take at most kIndexSortBytes, otherwise by its CREATE INDEX. That one
// sorts all of its entries, and in memory (temporary storage is memory) it kept each one
// as a record of its own until the index was built, beside every page stored so far: the
// chain dataset's inventory index, 1.46 M records, raised the wasm heap, which never
// shrinks, by 44 MiB over what the loaded database needs. Here its sorts spill instead:
// runs of at most 1 MiB, each sorted and written to a temporary file (in JS memory in the
// wasm module), then merged, 16 runs a pass. The run is the sort's whole footprint in the
// heap, and the last sort's buffer is freed above the pages once its index is built: 4 MiB
// runs cost the chain 0.8 MiB more heap, for one merge level fewer on sorts above 16 MiB.
ES_MINSIZE Status Engine::Impl::RestoreIndexes() {
  constexpr int kSortRunKib = 1024;
  CloseAppenders();
  const int saved = edgestay_sorts_in_runs(db, kSortRunKib);
  Status s;
  const std::vector<TableSpec>& tables = protocol::Tables();
  for (size_t t = 0; t < table_load.size(); ++t) {
    for (const SetAsideIndex& index : table_load[t].set_aside) {
      if (s.ok()) s = BuildSetAsideIndex(db, tables[t].name, table_load[t].rows, index);
    }
  }
  edgestay_sorts_in_memory(db, saved);
  ES_RETURN_IF_ERROR(s);
  for (TableLoad& load : table_load) load.set_aside.clear();
  return Status::Ok();
}

// What RestoreIndexes will store: the set-aside indexes' bytes a row, times the rows the
// batch wrote (their tables were empty: every row is the batch's; a row written twice
// counts twice). Within 5% of the indexes' pages in the image
// (ApplyBulkTest.ACommitTellsTheMemoryItsIndexBuildsTake), and of the chain's commit,
// whose heap it grew by 24.8 MiB where 4 MiB steps took 24.4.
ES_MINSIZE double Engine::Impl::IndexBuildBytes() const {
  double bytes = 0;
  for (const TableLoad& load : table_load) {
    for (const SetAsideIndex& index : load.set_aside) bytes += static_cast<double>(load.rows) * index.row_bytes;
  }
  return bytes;
}

// release, not a clear: after a load the sets hold every id it wrote, and their tables
// would stay for the engine's lifetime.
ES_MINSIZE void Engine::Impl::ReleaseKnownIds() {
  for (IdSet& ids : known_ids) ids.release();
}

// What a batch keeps about itself while it runs (known ids, the tables' load state, its
// bookings' users): emptied, memory returned, when a batch begins, commits or aborts.
ES_MINSIZE void Engine::Impl::ClearBatchScratch() {
  CloseAppenders();
  ReleaseKnownIds();
  for (TableLoad& load : table_load) load = TableLoad{};  // moved in: no copy of a TableLoad is compiled
  std::vector<int64_t>().swap(batch_users);
}

ES_MINSIZE Status Engine::Impl::Commit(std::string* out) {
  // The rows are all written: what the batch knew of their ids goes before the index
  // builds, which are the load's peak of memory.
  ReleaseKnownIds();
  if (memory_ahead) {
    if (const double bytes = IndexBuildBytes(); bytes > 0) memory_ahead(bytes);
  }
  Status s = RestoreIndexes();
  if (!s.ok()) {
    Abort();
    return s;
  }
  if (batch_cursor) cursor = batch_cursor;
  synced_at = batch_synced_at ? *batch_synced_at : now_ms;
  s = SaveSyncState();
  if (s.ok()) s = Exec(db, "COMMIT");
  if (!s.ok()) {
    Abort();
    return s;
  }
  in_batch = false;
  std::sort(batch_users.begin(), batch_users.end());
  batch_users.erase(std::unique(batch_users.begin(), batch_users.end()), batch_users.end());
  batch_events.booking_users.insert(batch_users.begin(), batch_users.end());
  ClearBatchScratch();
  if (facts_dirty) {
    Status f = LoadFacts();
    if (!f.ok()) return f;
  }
  ES_RETURN_IF_ERROR(RefreshNextHoldExpiry());
  // Inventory that grew may let a waiting guest in.
  for (const auto& [rt, r] : batch_events.inventory) ES_RETURN_IF_ERROR(OfferWaitlist(rt, &batch_events));
  Publish(batch_events);
  std::string result;
  JsonWriter w(&result);
  w.BeginObject().Key("applied").Int(batch_rows).Key("cursor");
  if (cursor) w.String(*cursor);
  else w.Null();
  w.Key("syncedAt").Int(*synced_at).EndObject();
  *out = std::move(result);
  return Status::Ok();
}

ES_MINSIZE void Engine::Impl::Abort() {
  CloseAppenders();
  if (in_batch) Exec(db, "ROLLBACK");
  in_batch = false;
  ClearBatchScratch();
  batch_events = ChangeEvents{};
  nights.Clear();
  // Facts may have been read mid-batch; the sync state is re-read from the rolled-back db.
  facts_dirty = true;
  LoadSyncState();
  LoadFacts();
}

ES_MINSIZE Status Engine::BeginChanges() {
  if (impl_->in_batch) return Status::Error("INVALID_ARGUMENT", "a change batch is already open");
  return impl_->Begin();
}

ES_MINSIZE Status Engine::Impl::Begin() {
  // Holds that are due expire first, as before any other call.
  ES_RETURN_IF_ERROR(ExpireHolds());
  ES_RETURN_IF_ERROR(Exec(db, "BEGIN"));
  in_batch = true;
  batch_rows = 0;
  batch_cursor.reset();
  batch_synced_at.reset();
  batch_events = ChangeEvents{};
  ClearBatchScratch();
  part_count = 0;
  return Status::Ok();
}

Status Engine::ApplyChangesPart(std::string_view part_json, int change_offset, int row_offset,
                                std::string_view rows) {
  if (!impl_->in_batch) return Status::Error("INVALID_ARGUMENT", "no change batch is open");
  Status s = impl_->ApplyPart(part_json, change_offset, row_offset, impl_->part_count++ == 0, rows);
  if (!s.ok()) impl_->Abort();
  return s;
}

ES_MINSIZE Status Engine::CommitChanges(std::string* out) {
  if (!impl_->in_batch) return Status::Error("INVALID_ARGUMENT", "no change batch is open");
  return impl_->Commit(out);
}

void Engine::AbortChanges() { impl_->Abort(); }

void Engine::SetMemoryAhead(MemoryAhead ahead) { impl_->memory_ahead = ahead; }

Status Engine::ApplyChanges(std::string_view batch_json, std::string* out) {
  ES_RETURN_IF_ERROR(BeginChanges());
  ES_RETURN_IF_ERROR(ApplyChangesPart(batch_json, 0, 0));
  return CommitChanges(out);
}

}  // namespace edgestay
