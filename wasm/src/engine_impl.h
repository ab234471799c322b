// Engine::Impl: the state shared by the core's modules (apply, availability, reports).
//
// Hotel and room-type facts needed by every availability answer (currency, UTC offset,
// booking rules, hotel of a room type) are kept in memory and reloaded only after a
// batch touched their tables, so a query does not re-read them from SQLite.
#pragma once

#include <climits>
#include <cstdint>
#include <type_traits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "edgestay/date.h"
#include "edgestay/engine.h"
#include "edgestay/protocol/change_batch.h"
#include "edgestay/query_cache.h"
#include "edgestay/stay_rules.h"
#include "edgestay/protocol/json_value.h"

#include "calendar_columns.h"
#include "id_set.h"
#include "index_sort.h"
#include "night_index.h"
#include "sqlite_db.h"

namespace edgestay {

namespace args {
class Args;
}

// A hotel as the engine keeps it in memory; its booking rules (with their defaults) are
// the protocol's BookingRules.
struct HotelInfo : BookingRules {
  std::string currency;
  int64_t utc_offset_minutes = 0;
  std::vector<int64_t> room_type_ids;  // ascending
};

struct RoomTypeInfo {
  int64_t hotel_id = 0;
  std::string name;
  int64_t capacity_adults = 0;
  int64_t capacity_children = 0;
  int64_t base_price_cents = 0;
  int64_t total_rooms = 0;
};

struct StayQuery {
  int64_t room_type_id = 0;
  Day check_in = 0;
  Day check_out = 0;
  int64_t rooms = 1;
};

// What the caches and the JS listeners are told after a write.
struct BookingRequest {
  int64_t hotel_id = 0;
  int64_t room_type_id = 0;
  int64_t user_id = 0;
  Day check_in = 0;
  Day check_out = 0;
  int64_t rooms = 1;
  int64_t guests = 1;
  std::string idempotency_key;  // empty: generated from the client id and sequence
  bool hold = false;
};

struct ChangeEvents {
  std::map<int64_t, std::pair<Day, Day>> inventory;  // room type -> [first, last] date touched
  std::set<int64_t> room_types;
  std::set<int64_t> hotels;
  std::map<int64_t, std::pair<Day, Day>> special_days;  // hotel -> [first, last]
  std::set<int64_t> booking_users;
  std::map<int64_t, std::pair<Day, Day>> booking_ranges;  // room type -> [first night, last night]
  std::map<int64_t, std::pair<Day, Day>> booking_hotels;  // the bookings' own hotel -> nights
  std::vector<std::string> bookings;  // JSON of bookings written locally
  std::vector<std::string> waitlist;  // JSON of waitlist entries offered a room
  bool Empty() const;
  size_t Count() const;  // the events Publish makes of these
};


// A borrowed callable Status(std::string*), for a compute step passed down one call
// (std::function would allocate for a lambda's captures on every cached question).
class ComputeFn {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, ComputeFn>>>
  ComputeFn(const F& f)  // NOLINT: implicit, like std::function
      : fn_(&f), call_([](const void* fn, std::string* out) { return (*static_cast<const F*>(fn))(out); }) {}
  Status operator()(std::string* out) const { return call_(fn_, out); }

 private:
  const void* fn_;
  Status (*call_)(const void*, std::string*);
};

class JsonWriter;
namespace compact {
struct BookingFacts;
}
// Writes a booking row (the columns of getUserBookingsWithRoomType's statement, in order)
// as an open JSON object: callers may add fields, then EndObject().
void WriteBookingFields(const Stmt& s, JsonWriter& w);
// The same object from a booking's values (a write that has just stored them answers
// from them instead of reading the row back), and such a row as those values.
void WriteBookingFields(const compact::BookingFacts& b, JsonWriter& w);
compact::BookingFacts BookingFactsOf(const Stmt& s);
// A booking as a whole answer (a booking write's, a key's replay): the compact kBooking
// frame (compact_answer.h) when `binary`, else the JSON object.
void WriteBookingAnswer(const compact::BookingFacts& b, bool binary, std::string* out);


struct Engine::Impl {
  ~Impl();

  sqlite3* db = nullptr;
  int64_t now_ms = 0;

  // Sync position (sync_state table), cached.
  std::optional<std::string> cursor;
  std::optional<int64_t> synced_at;

  // Hotel / room type facts; reloaded when `facts_dirty`.
  bool facts_dirty = true;
  std::unordered_map<int64_t, HotelInfo> hotels;
  std::unordered_map<int64_t, RoomTypeInfo> room_types;
  Status LoadFacts();
  Status EnsureFacts() { return facts_dirty ? LoadFacts() : Status::Ok(); }
  // The hotel's facts (loading them first), or UNKNOWN_HOTEL: how every method looks one up.
  Status FindHotel(int64_t hotel_id, const HotelInfo** hotel);

  // Batch in progress (BeginChanges .. CommitChanges).
  bool in_batch = false;
  // An export in pieces (Engine::BeginExport … EndExport).
  struct Export {
    const unsigned char* image = nullptr;  // a memdb image's own buffer: pieces are views of it
    std::unique_ptr<Stmt> read;            // else PRAGMA page_count, stepped: the read transaction
    size_t size = 0;
    size_t done = 0;
    size_t page_size = 0;  // the page cache's databases: the size over the page count
    std::vector<unsigned char> piece;  // the current piece, copied from the page cache
  };
  std::unique_ptr<Export> export_state;
  int64_t batch_rows = 0;
  std::optional<std::string> batch_cursor;
  std::optional<int64_t> batch_synced_at;
  ChangeEvents batch_events;
  int part_count = 0;
  // Ids known to exist during this batch, per table (protocol::TableId), so a million
  // inventory rows check their room type once. Cleared when the batch ends.
  std::vector<IdSet> known_ids = std::vector<IdSet>(protocol::Tables().size());
  std::map<std::pair<const void*, uint64_t>, std::unique_ptr<Stmt>> write_stmts;
  // ApplyRow's working copy of a row (reused: no allocation per row), and the write
  // statement it used last, which the next row of the same change reuses without a lookup.
  std::vector<protocol::Value> row_values;
  std::pair<const void*, uint64_t> last_write_key{nullptr, 0};
  Stmt* last_write = nullptr;
  // A batch's view of each replicated table (protocol::TableId), for the bulk load of a
  // table that was empty when the batch first wrote to it (a first bootstrap): then every
  // row it holds came from this batch, so a row with an id above every id written so far
  // is new, and its secondary indexes can be built once at commit instead of kept up per
  // row (apply_changes.cc, RestoreIndexes). Reset when the batch begins and ends.
  struct TableLoad {
    enum State : uint8_t { kUnknown, kFresh, kStocked } state = kUnknown;
    int64_t rows = 0;                 // rows written while fresh
    int64_t max_id = INT64_MIN;       // the highest id written in this batch (fresh tables)
    bool server_ids = false;          // bookings: a written row named a server id
    bool local = false;               // bookings: a written row was a local booking
    std::vector<SetAsideIndex> set_aside;  // the dropped indexes, built again at commit
    // While the table's rows come in its key order after every stored row, each is an
    // append and the b-trees it appends to (append_roots: the table's, and an index led by
    // its key) are filled as a bulk load (full pages); the key of the last row, stored or
    // written.
    bool in_key_order = false;
    int append_roots[4] = {};
    int append_count = 0;
    struct KeyValue {
      protocol::Value::Kind kind;
      int64_t i;
      std::string s;
    };
    std::vector<KeyValue> last_key;
    // Writes the appends straight into the b-trees (AppendRow), once the table has no
    // index but those; refused: not for this table as its indexes stand.
    EdgestayAppender* appender = nullptr;
    bool appender_refused = false;
    // Whether `values`' key comes after the last one (any key is after none); remembers it.
    bool KeyAfterLast(const std::vector<protocol::Value>& values, const std::vector<int>& key);
    // Inventory, special days: the change events' range of the last row's room type or
    // hotel, which a load's next rows (the same one's nights) widen without a map lookup.
    std::pair<const int64_t, std::pair<Day, Day>>* last_event = nullptr;
  };
  std::vector<TableLoad> table_load = std::vector<TableLoad>(protocol::Tables().size());
  std::vector<std::unique_ptr<Stmt>> table_probes = std::vector<std::unique_ptr<Stmt>>(protocol::Tables().size());
  // The batch's state of `table` (*out), learnt on its first row: whether the table is
  // empty (fresh) or stocked, and what its appends need.
  Status TouchTable(const protocol::TableSpec& table, TableLoad** out);
  Status SetIndexesAside(const protocol::TableSpec& table, TableLoad* load);
  Status WriteStatement(const protocol::TableSpec& table, uint64_t mask, bool del, bool has_all_required,
                        bool has_non_key, Stmt** out);
  Status RefuseReferencedDelete(const protocol::TableSpec& table, int64_t id, const protocol::RowPosition& pos);
  // The row written by its table's statement for the columns it names; *changed: rows changed.
  Status WriteRow(const protocol::RowChange& change, const TableLoad& load, int* changed);
  // The row appended by the table's appender (*appended), or left to the write statement.
  Status AppendRow(const protocol::TableSpec& table, TableLoad* load, bool* appended);
  void CloseAppenders();
  std::vector<EdgestayCell> append_cells;
  Status RestoreIndexes();
  // What RestoreIndexes will store, estimated, for memory_ahead (SetMemoryAhead).
  double IndexBuildBytes() const;
  Engine::MemoryAhead memory_ahead = nullptr;
  // The users of the batch's bookings, collected unsorted and merged into
  // batch_events.booking_users once at commit (a set insert per row cost ~7% of a load).
  std::vector<int64_t> batch_users;
  void ClearBatchScratch();  // known_ids, table_load, batch_users: per batch
  void ReleaseKnownIds();
  Status Begin();  // opens a batch (Engine::BeginChanges, range repair)
  Status ApplyPart(std::string_view text, int change_offset, int row_offset, bool first_part,
                   std::string_view rows = {});
  Status ApplyRow(const protocol::RowChange& change);
  Status Commit(std::string* out);
  void Abort();

  // Events waiting for TakeEvents, as JSON objects; when nobody reads them
  // (events_wanted off) only counted. Publish also invalidates the cache: always.
  std::vector<std::string> events;
  size_t unbuilt_events = 0;
  bool events_wanted = true;
  void Publish(const ChangeEvents& ev);
  void BuildEvents(const ChangeEvents& ev);

  // In-memory nights, special days and holding bookings behind availability answers.
  NightIndex nights;
  Status EnsureRoomTypeNights(int64_t room_type_id, NightIndex::RoomTypeNights** out);
  Status EnsureSpecialDays(int64_t hotel_id, const std::unordered_map<Day, SpecialDayInfo>** out);
  Status EnsureHolding(int64_t hotel_id, const HotelHolding** out);

  // Queries.
  Day TodayAt(const HotelInfo& hotel) const;
  // One room type's nights [from, to_inclusive] into `*out`: its inventory rows, special
  // days applied, the rooms local bookings hold taken off.
  Status LoadNights(int64_t hotel_id, int64_t room_type_id, Day from, Day to_inclusive, std::vector<Night>* out);
  std::vector<Night> stay_nights;  // the buffer of the stay answers' nights, kept between calls
  Status ValidateStay(const StayQuery& q, const RoomTypeInfo** rt, const HotelInfo** hotel);
  void WriteAnswer(const StayQuery& q, const RoomTypeInfo& rt, const HotelInfo& hotel, const std::vector<Night>& nights,
                   bool with_as_of, std::string* out);
  void WriteAsOf(std::string* out) const;
  // Answers carry asOf = the engine's current position, added when they are returned, so
  // a cached answer that no batch invalidated is reported as fresh as the newest cursor.
  void AppendAsOf(std::string* out) const;

  // Query cache (docs/API.md "Cache"). Publish() invalidates it from the same events the JS
  // listeners get, so local writes and sync batches evict alike.
  QueryCache cache;
  uint64_t last_entry_id = 0;  // cache entry of the last answer (0: not cached)
  // The answer appended to `out`: the cached one, or compute(out) (which appends), of which
  // only the appended part is the entry (a compact frame's header can come first).
  Status Cached(CacheNs ns, std::string key, const CacheTags& tags, std::string* out,
                ComputeFn compute);
  // Tags for answers that depend on "today" at the hotel: valid until local midnight.
  void TodayBound(const HotelInfo& hotel, CacheTags* tags) const;
  // `binary`: the compact answer (compact_answer.h) instead of the JSON.
  // The rules of the hotel the caller found (FindHotel) with id `hotel_id`.
  Status GetBookingRules(int64_t hotel_id, const HotelInfo& h, std::string* out, bool binary = false);
  Status GetSpecialDays(int64_t hotel_id, Day from, Day to, std::string* out, bool binary = false);

  Status CheckAvailability(const StayQuery& q, std::string* out);
  // One room type's columns of the calendar grid ({"id","name","available":[…],…}): the
  // columns whose bit (index in kCalendarColumns) is set in `columns`.
  Status CalendarBlock(int64_t room_type_id, Day from, int64_t days, uint32_t columns, std::string* out,
                       bool binary = false);
  Status RoomTypes(int64_t hotel_id, std::string* out, bool binary = false);
  // `binary`: the compact form (compact_answer.h).
  Status UserBookings(int64_t user_id, const std::vector<std::string>& statuses, bool include_payments,
                      std::string* out, bool binary = false);
  Status BookingStatistics(int64_t hotel_id, Day from, Day to, std::string* out, bool binary = false);
  Status OccupancyRate(int64_t hotel_id, Day from, Day to, std::string* out, bool binary = false);

  // EXPLAIN QUERY PLAN of every read statement prepared so far:
  // [{"sql":..., "plan":["SEARCH ...", ...]}], for perf tools and the index tests.
  Status ExplainQueries(std::string* out);

  // Local writes (booking lifecycle, outbox, waitlist, notifications).
  std::string entropy;  // random hex from the host, for the client id
  int64_t next_hold_expiry = INT64_MAX;  // earliest hold_expires_at of a HELD booking
  // `binary`: the answer as a compact kBooking frame (compact_answer.h), else its JSON.
  Status CreateBooking(const BookingRequest& r, std::string* out, bool binary = false);
  Status CancelBooking(int64_t booking_id, std::string* out);
  Status ConfirmHold(int64_t booking_id, std::string* out);
  Status JoinWaitlist(const BookingRequest& r, std::string* out);
  Status PendingMutations(std::string* out);
  Status ApplyPushResults(const protocol::json::JsonValue& results, std::string* out);
  Status DueNotifications(int64_t until_ms, int64_t limit, std::string* out);
  Status MarkNotifications(const std::vector<int64_t>& ids, const std::string& status, std::string* out);
  // Turns HELD bookings whose time is up into EXPIRED (with outbox entries); cheap when
  // nothing is due. Runs before every call.
  Status ExpireHolds();
  Status RefreshNextHoldExpiry();
  Status ClientId(std::string* out);
  // The booking an earlier createBooking made under r's idempotency key (its answer), or
  // `refusal` when there is none.
  Status OriginalBooking(const BookingRequest& r, Status refusal, std::string* out, bool binary);
  // Booking `id` as an answer (WriteBookingAnswer).
  Status BookingAnswer(int64_t id, std::string* out, bool binary = false);
  // Offers freed rooms to the oldest waiting guest whose stay became available. Only
  // entries made on this engine (negative ids): the centre runs its own waitlist.
  Status OfferWaitlist(int64_t room_type_id, ChangeEvents* ev);
  Status Enqueue(const char* type, const std::string& key, const std::string& args_json, int64_t booking_id,
                 int64_t waitlist_id);
  // Queues `kind` at `at_ms`, and with `kind2` a second notification at `at2_ms`, under
  // the local ids `first_id` and the one below it (0: NextLocalId's).
  Status Notify(int64_t booking_id, int64_t user_id, const char* kind, int64_t at_ms, const char* kind2 = nullptr,
                int64_t at2_ms = 0, int64_t first_id = 0);
  Status CancelReminders(int64_t booking_id);
  Status StayReason(const StayQuery& q, const RoomTypeInfo& rt, const HotelInfo& hotel, const char** reason,
                    std::vector<Night>* nights);

  // The reader of the call's arguments (args.h), kept between calls for its buffers.
  std::unique_ptr<args::Args> call_args;

  // Prepared statements, created on first use and kept for the engine's life.
  std::unordered_map<std::string, std::unique_ptr<Stmt>> stmts;
  Status Prepared(const char* sql, Stmt** out);
  // The same for a statement run per row of a load or on every local write: looked up by
  // its text once, then kept in its slot (hashing the text per row cost ~3% of a load,
  // ~2.5% of a createBooking).
  enum StmtSlot {
    kBookingMatchStmt, kRoomTypeHotelStmt, kBookingFactsStmt,
    kBookingByKeyStmt, kNextBookingIdStmt, kInsertBookingStmt, kEnqueueStmt, kNextNotificationIdStmt, kNotifyStmt,
    kNotifyTwoStmt, kHotelLeasesStmt, kNextWaitlistIdStmt,
    kBeginStmt, kCommitStmt,
    kStmtSlots
  };
  Stmt* stmt_slots[kStmtSlots] = {};
  // (hotel, room type) pairs known to have no lease rows (leases.cc): FindLease then skips
  // its query, ~2.5% of a booking on a node without leases. Only SetLeases writes leases,
  // and it forgets the whole set before it does (a rolled-back write only loses facts).
  std::set<std::pair<int64_t, int64_t>> no_leases;
  Status PreparedOnce(StmtSlot slot, const char* sql, Stmt** out) {
    if (!stmt_slots[slot]) ES_RETURN_IF_ERROR(Prepared(sql, &stmt_slots[slot]));
    *out = stmt_slots[slot];
    return Status::Ok();
  }

  // The tables whose rows made on this node take local ids.
  enum class LocalIds { kBookings, kWaitlist, kNotifications };
  // The next local id of `table`: one below every id it holds, and -1 in a table with
  // none below zero. Local ids count down from -1 (docs/API.md) beside the centre's
  // positive ones, so a row made here never takes an id the centre gives out.
  Status NextLocalId(LocalIds table, int64_t* id);
  // The next local booking and notification ids as the last createBooking left them, valid
  // while SQLite's count of changed rows (sqlite3_total_changes64) is still `changes`: any
  // other write, a rolled-back one included, moves it, so a stale pair is never used. Saves
  // createBooking its two NextLocalId queries (~4%) when bookings follow one another.
  struct NextLocalIds {
    int64_t changes = -1;
    int64_t booking = 0;
    int64_t notification = 0;
  };
  NextLocalIds next_local_ids;

  Status LoadSyncState();
  Status SaveSyncState();
};

// integrity.cc: range checksums (sync/FORMAT.md §6) and the repair of one range.
Status RangeChecksums(Engine::Impl& im, const protocol::json::JsonValue& args, std::string* out);
Status RepairRange(Engine::Impl& im, const protocol::json::JsonValue& batch, std::string* out);
// window.cc: the rolling window's pruning (sync/FORMAT.md §8).
Status PruneWindow(Engine::Impl& im, const protocol::json::JsonValue& args, std::string* out);

// leases.cc: the node's allotment leases (sync/FORMAT.md §9).
Status SetLeases(Engine::Impl& im, const protocol::json::JsonValue& args, std::string* out);
Status Leases(Engine::Impl& im, const protocol::json::JsonValue& args, std::string* out);
// *lease_id = the lease the stay fits in (lease_rule.h), or 0.
Status FindLease(Engine::Impl& im, int64_t hotel_id, int64_t room_type_id, Day check_in, Day check_out,
                 int64_t rooms, int64_t* lease_id);
Status RecordLeaseUse(Engine::Impl& im, int64_t lease_id, int64_t booking_id, Day check_in, Day check_out,
                      int64_t rooms);

}  // namespace edgestay
