// SqlStore: the one implementation of Store, written once over the Conn/Backend layer.
// The SQLite and PostgreSQL stores differ only in their Backend (sqlite_store.cc,
// pg_store.cc): schema dialect, transaction start and the per-hotel lock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "db.h"
#include "store.h"

namespace edgestay::server {

// Change-log entries collected during one write transaction, appended at the end with
// consecutive sequence numbers taken from the hotel's counter row (same transaction).
class LogWriter {
 public:
  void Upsert(TableId table, const std::vector<Cell>& row);
  void UpsertUser(TableId table, const std::vector<Cell>& row, std::optional<int64_t> user_id);
  void UpsertAll(TableId table, const Result& rows);
  void Delete(TableId table, const std::vector<Cell>& key_row);
  size_t size() const { return entries_.size(); }
  // Appends everything to hotel_id's log; *last_seq = the hotel's new cursor. Fails with
  // INVALID_ROW (writing nothing) when a row added to it fails the protocol's validation.
  Status Flush(Conn& c, int64_t hotel_id, int64_t now_ms, int64_t* last_seq);
  // The first row refused so far (ok when none).
  const Status& error() const { return error_; }
  // Moves other's entries (after this one's) into this writer: a group commit collects
  // its mutations' rows and appends them with one Flush.
  void Append(LogWriter&& other) {
    for (Entry& e : other.entries_) entries_.push_back(std::move(e));
    other.entries_.clear();
  }

 private:
  void Add(const TableSpec& t, bool is_delete, const std::vector<Cell>& row, std::optional<int64_t> user_id);
  struct Entry {
    const TableSpec* table;
    bool is_delete;
    std::string data;
    std::optional<int64_t> user_id;
  };
  std::vector<Entry> entries_;
  Status error_;
};

// push.cc: a createBooking's stay, parsed, and its inventory rows, read with the client's
// ledger (PostgreSQL: one round trip fewer).
struct StayPrefetch;
// push.cc: a mutation's exactly-once ledger read (with a createBooking's stay on
// PostgreSQL), planned before it is sent: a group sends the next mutation's read behind a
// booking's write (one round trip for both).
struct LedgerRead;

// push.cc: the outcome records (push_results, push_clients, idempotency_keys) of a group's
// mutations, written together at the group's end.
class OutcomeRecords;

// A mutation's outcome while it is being applied.
struct MutationOutcome {
  json result;                 // FORMAT.md §3 result object
  std::optional<int64_t> booking_id;
  std::optional<int64_t> user_id;  // the user the mutation acted for, once known
  std::string idempotency_key;  // set once the key was validated
  bool from_idempotency_key = false;
};

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<Backend> backend);
  ~SqlStore() override;

  std::string Describe() const override { return backend_->Describe(); }
  Dialect dialect() const override { return backend_->dialect(); }
  Backend& backend() { return *backend_; }
  // Push groups applied so far, by path: in one statement, mutation by mutation (the first
  // attempt), and again with savepoints (after a failed first attempt).
  struct GroupCounts {
    uint64_t one_statement = 0, per_mutation = 0, savepoints = 0;
  };
  GroupCounts PushGroupCounts() const {
    return {group_counts_[0].load(), group_counts_[1].load(), group_counts_[2].load()};
  }

  Status Migrate(std::vector<MigrationState>* applied_now, int up_to = INT_MAX) override;
  Status MigrationStatus(std::vector<MigrationState>* out) override;

  Status CreateToken(const TokenSpec& spec, std::string* token, int64_t* id) override;
  Status FindToken(const std::string& selector, TokenRecord* out, bool* found) override;
  Status RevokeToken(int64_t id, bool* found) override;
  Status ListTokens(json* out) override;

  Status Pull(const PullQuery& q, PullPage* out) override;
  Status Push(const PushBatch& batch, PushOutcome* out) override;
  void PushAsync(PushBatch batch, PushDone done) override;

  Status CreateHotel(const json& body, json* out) override;
  Status UpdateHotel(int64_t hotel_id, const json& body, json* out) override;
  Status CreateRoomType(int64_t hotel_id, const json& body, json* out) override;
  Status UpdateRoomType(int64_t hotel_id, int64_t room_type_id, const json& body,
                        json* out) override;
  Status SetInventory(int64_t hotel_id, const json& body, json* out) override;
  Status SetRules(int64_t hotel_id, const json& body, json* out) override;
  Status SetSpecialDays(int64_t hotel_id, const json& body, json* out) override;
  Status DeleteSpecialDays(int64_t hotel_id, const json& body, json* out) override;
  Status GetBooking(int64_t hotel_id, int64_t booking_id, const Principal& who,
                    json* out) override;
  Status HotelExists(int64_t hotel_id, bool* exists) override;
  Status SeedDemo(const json& options, json* out) override;
  Status ExpireHolds(int64_t now_ms, int64_t* expired) override;
  Status CreateLease(int64_t hotel_id, const Principal& who, const json& body, json* out) override;
  Status ChangeLease(int64_t hotel_id, const Principal& who, int64_t lease_id, const std::string& action,
                     const json& body, json* out) override;
  Status ListLeases(int64_t hotel_id, const Principal& who, std::optional<int64_t> lease_id,
                    json* out) override;
  Status ExpireLeases(int64_t now_ms, int64_t* expired) override;

 private:
  const std::vector<Migration>& Migrations() const;
  Status EnsureMigrationTable();
  Status CheckSchema();

  // push.cc. Group commit: concurrent pushes to one hotel queue up; one of them (the
  // leader) applies a group of them in one write transaction, each mutation inside its own
  // savepoint, so the group shares one hotel lock and one fsync.
  struct PushJob;
  // Queues `job` for its hotel. With no group of that hotel in progress, this thread
  // leads: it applies groups (answering each push through its `done`) until the hotel's
  // queue is empty; otherwise the hotel's leader takes the job into a later group.
  void EnqueuePush(std::unique_ptr<PushJob> job);
  // PushAsync's answers leave the leader's thread: the answerer (a thread of its own,
  // started with the first) calls their `done` while the leader applies the next group.
  void AnswerLater(std::vector<PushJob*> jobs);
  static void Answer(PushJob* job);  // its `done`, then the job freed
  void StopAnswerer();  // answers what is queued, then ends the thread
  // m's ledger read, planned but not sent: its statement and parameters (and its stay).
  void PlanLedgerRead(const PushBatch& b, const json& m, LedgerRead* out) const;
  struct PushQueue {
    std::vector<PushJob*> pending;
    bool leading = false;  // a leader is applying a group of this hotel now
  };
  // A room type's rule row, read once per group: the hotel lock the group holds keeps
  // room types, rules and the hotel unchanged until it commits.
  using RuleCache = std::unordered_map<int64_t, Result>;
  // How a group was applied (counted for /metrics).
  enum class GroupPath { kOneStatement, kPerMutation, kSavepoints };
  Status PushGroup(int64_t hotel_id, const std::vector<PushJob*>& jobs, bool savepoints, GroupPath* path);
  // PostgreSQL, a group of plain createBookings: read once with the lock, decided in
  // memory, written in one statement (push.cc has the rules). Plan: false when some
  // mutation is not one. Apply: *applied = false (nothing written) when the read shows a
  // mutation the group cannot decide alone (a replay, a known key): the group then runs
  // mutation by mutation.
  struct GroupStatement;
  bool PlanGroupStatement(int64_t hotel_id, const std::vector<PushJob*>& jobs, GroupStatement* plan) const;
  Status ApplyGroupStatement(Conn& c, int64_t hotel_id, GroupStatement& plan, OutcomeRecords* records,
                             LogWriter* group_log, bool* applied);
  // records: the group's outcome records, to which this one is added (written at the
  // group's end: a failure shows then and fails the group); null: write it now and wait
  // (a conflict is then retried here).
  // read: m's ledger read, planned (and answered when it rode with the previous write);
  // next: the next mutation's, to send behind this one's booking write (or null).
  Status PushMutation(Conn& c, PushJob& job, const json& m, const Status& refused,
                      OutcomeRecords* records, RuleCache* rules, LogWriter* group_log, LedgerRead& read,
                      LedgerRead* next, bool* gap,
                      bool* wrote, int64_t* server_next, MutationOutcome* mo);
  // prefetched: a createBooking's stay and inventory when already read, else null.
  Status ApplyMutation(Conn& c, const PushBatch& b, const json& m, int64_t now,
                       RuleCache* rules, const StayPrefetch* prefetched, LogWriter* log,
                       MutationOutcome* out);
  Status CreateBookingTx(Conn& c, const PushBatch& b, int64_t seq, const std::string& key,
                         const json& args, int64_t now, RuleCache* rules,
                         const StayPrefetch* prefetched, LogWriter* log, MutationOutcome* out);
  Status CancelBookingTx(Conn& c, const PushBatch& b, int64_t seq, const json& args,
                         int64_t now, LogWriter* log, MutationOutcome* out);
  Status ConfirmHoldTx(Conn& c, const PushBatch& b, int64_t seq, const json& args,
                       int64_t now, LogWriter* log, MutationOutcome* out);
  Status JoinWaitlistTx(Conn& c, const PushBatch& b, int64_t seq, const json& args,
                        int64_t now, LogWriter* log, MutationOutcome* out);

  // ari.cc: runs fn in a write transaction holding the hotel's lock, flushes the log,
  // commits, and wakes long-polls. *cursor = the hotel's cursor after the commit.
  Status WriteHotelTx(int64_t hotel_id, const std::function<Status(Conn&, LogWriter&)>& fn,
                      int64_t* cursor);
  // The sweeps (holds, leases): each hotel `due_hotels_sql` (bound to now) names gets one
  // WriteHotelTx running `expire`, which counts what it expired in *n.
  Status SweepHotels(const char* due_hotels_sql, int64_t now,
                     const std::function<Status(Conn&, LogWriter&, int64_t hotel, int64_t* n)>& expire,
                     int64_t* expired);

  std::unique_ptr<Backend> backend_;
  // EDGESTAY_PUSH_GROUP_STATEMENT=off: never apply a group in one statement (for
  // comparing the two paths).
  bool group_statement_ = true;
  std::atomic<uint64_t> group_counts_[3] = {};  // by GroupPath
  std::mutex push_mu_;
  std::unordered_map<int64_t, PushQueue> push_queues_;  // hotels with pushes in flight
  std::mutex answer_mu_;
  std::condition_variable answer_cv_;
  std::vector<PushJob*> answers_;  // committed (or failed), not yet answered
  bool answer_stop_ = false;
  std::once_flag answerer_started_;
  std::thread answerer_;
};

// Shared helpers (store.cc).
// A stored row (cells in the table's column order) as typed protocol values; `problem`
// names the first cell that is not what its column says. The values point into `row`.
std::vector<protocol::Value> ValuesOf(const TableSpec& t, const std::vector<Cell>& row, std::string* problem);
json BookingJson(const std::vector<Cell>& row);  // bookings row (FORMAT order) -> API object
std::string BookingColumns();
json Rejected(int64_t seq, const std::string& reason, const std::string& message);

// leases.cc, for a createBooking push naming args.leaseId: *fits when the lease is this
// token's, ACTIVE, unexpired (an expired one is ended here, its units back), of the room
// type, covers the stay and has `rooms` units left on every night. TakeLeaseUnits then
// converts them (inventory is not touched again).
Status LeaseForBooking(Conn& c, const PushBatch& b, int64_t lease_id, int64_t room_type_id, Day check_in,
                       Day check_out, int64_t rooms, int64_t now, LogWriter* log, bool* fits);
Status TakeLeaseUnits(Conn& c, int64_t lease_id, Day check_in, Day check_out, int64_t rooms);
// The lease tables checked like the replicated ones (a missing or retyped column), given a
// table's declared columns; "" when they match.
std::string LeaseSchemaProblems(const std::function<std::vector<protocol::DeclaredColumn>(const char*)>& declared);

}  // namespace edgestay::server
