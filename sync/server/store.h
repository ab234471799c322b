// The central store behind edgestay-server: one abstract interface, two implementations
// (SQLite file, PostgreSQL) with the same behaviour. Everything the HTTP routes and the
// CLI do to data goes through here.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db.h"

namespace edgestay::server {

using nlohmann::json;

// Token scopes, ordered: each includes the ones below it.
enum class Scope : int { kRead = 1, kBook = 2, kAdmin = 3 };
const char* ScopeName(Scope s);
bool ParseScope(const std::string& text, Scope* out);

// Who is calling: what a bearer token grants.
struct Principal {
  int64_t token_id = 0;
  Scope scope = Scope::kRead;
  bool all_hotels = false;          // hotels = "*"
  std::vector<int64_t> hotels;
  std::optional<int64_t> user_id;   // bound guest: sees/books only this user's bookings
  bool AllowsHotel(int64_t hotel_id) const;
  bool AtLeast(Scope s) const { return static_cast<int>(scope) >= static_cast<int>(s); }
};

struct TokenSpec {
  Scope scope = Scope::kRead;
  bool all_hotels = false;
  std::vector<int64_t> hotels;
  std::optional<int64_t> user_id;
  std::string label;
};

struct TokenRecord {
  int64_t id = 0;
  std::string token_hash;  // hex SHA-256 of the whole token
  bool revoked = false;
  Principal principal;
};

struct MigrationState {
  int version = 0;
  std::string name;
  std::optional<int64_t> applied_at;  // ms; nullopt = pending
};

struct PullQuery {
  int64_t hotel_id = 0;
  int64_t since = 0;  // 0 = from the beginning
  int limit = 1000;
  Principal principal;
};

struct PullPage {
  bool hotel_exists = true;
  std::string changes_json;  // the "changes" array, FORMAT.md §1
  size_t count = 0;          // change-log entries in this page
  int64_t cursor = 0;        // position after this page
  bool has_more = false;
};

struct PushBatch {
  int64_t hotel_id = 0;
  std::string client_id;
  std::vector<json> mutations;  // objects, each with an integer "seq" >= 1 (checked by the route)
  Principal principal;
};

struct PushOutcome {
  std::vector<json> results;  // FORMAT.md §3, one per mutation up to a gap
  int64_t next_seq = 1;       // the seq the server expects next from this client
};

// A push's answer: its status (the push's own error, or the store's) and its outcome
// (results up to the error). Called exactly once, after the push's transaction ended
// (its commit and fsync, or its rollback), by the thread that ended it or, for
// PushAsync, by the store's answer thread.
using PushDone = std::function<void(const Status& status, PushOutcome&& outcome)>;

struct StoreOptions {
  size_t max_connections = 16;
  bool sqlite_durable = true;  // synchronous=FULL (fsync on every commit)
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string Describe() const = 0;
  virtual Dialect dialect() const = 0;

  // Schema migrations (versioned; the same versions on both stores). Every pending
  // migration up to `up_to` runs in one transaction: all of them apply, or none.
  virtual Status Migrate(std::vector<MigrationState>* applied_now, int up_to = INT_MAX) = 0;
  virtual Status MigrationStatus(std::vector<MigrationState>* out) = 0;

  // Tokens. The token itself is only ever returned by CreateToken; the store keeps a
  // public selector (its first 16 hex digits) and the SHA-256 of the whole token.
  virtual Status CreateToken(const TokenSpec& spec, std::string* token, int64_t* id) = 0;
  virtual Status FindToken(const std::string& selector, TokenRecord* out, bool* found) = 0;
  virtual Status RevokeToken(int64_t id, bool* found) = 0;
  virtual Status ListTokens(json* out) = 0;

  // Sync.
  virtual Status Pull(const PullQuery& q, PullPage* out) = 0;
  virtual Status Push(const PushBatch& batch, PushOutcome* out) = 0;
  // Push without waiting: `done` gets the answer, maybe on another thread and maybe
  // before this returns (the caller may itself commit the group its push joins, and
  // the groups queued behind it). By default: Push, then done.
  virtual void PushAsync(PushBatch batch, PushDone done) {
    PushOutcome out;
    const Status s = Push(batch, &out);
    done(s, std::move(out));
  }

  // Admin ARI (availability, rates, inventory). Bodies are the request JSON of
  // docs/SERVER.md; each call is one transaction that also writes the change log.
  virtual Status CreateHotel(const json& body, json* out) = 0;
  virtual Status UpdateHotel(int64_t hotel_id, const json& body, json* out) = 0;
  virtual Status CreateRoomType(int64_t hotel_id, const json& body, json* out) = 0;
  virtual Status UpdateRoomType(int64_t hotel_id, int64_t room_type_id, const json& body,
                                json* out) = 0;
  virtual Status SetInventory(int64_t hotel_id, const json& body, json* out) = 0;
  virtual Status SetRules(int64_t hotel_id, const json& body, json* out) = 0;
  virtual Status SetSpecialDays(int64_t hotel_id, const json& body, json* out) = 0;
  virtual Status DeleteSpecialDays(int64_t hotel_id, const json& body, json* out) = 0;
  virtual Status GetBooking(int64_t hotel_id, int64_t booking_id, const Principal& who,
                            json* out) = 0;
  virtual Status HotelExists(int64_t hotel_id, bool* exists) = 0;
  virtual Status SeedDemo(const json& options, json* out) = 0;
  // Expires HELD bookings whose hold_expires_at has passed: rooms back, status EXPIRED,
  // both in the change log. Safe to run from several servers at once.
  virtual Status ExpireHolds(int64_t now_ms, int64_t* expired) = 0;

  // Allotment leases (leases.cc, FORMAT.md §9). Each answers {lease} or {leases}; a grant
  // refused for want of inventory answers {refused: {reason, message}} and changes nothing.
  // Bad input is INVALID_LEASE; another token's lease is UNKNOWN_LEASE.
  virtual Status CreateLease(int64_t hotel_id, const Principal& who, const json& body, json* out) = 0;
  // action: renew {ttlSeconds} | shrink {rooms} | release.
  virtual Status ChangeLease(int64_t hotel_id, const Principal& who, int64_t lease_id,
                             const std::string& action, const json& body, json* out) = 0;
  // The caller's ACTIVE leases, or one lease (any status) by id.
  virtual Status ListLeases(int64_t hotel_id, const Principal& who, std::optional<int64_t> lease_id,
                            json* out) = 0;
  // Ends ACTIVE leases whose expires_at has passed: unused units back, in the change log.
  virtual Status ExpireLeases(int64_t now_ms, int64_t* expired) = 0;

  // Called (outside any transaction) after a commit that appended to a hotel's log.
  void SetChangeListener(std::function<void(int64_t)> fn) { on_change_ = std::move(fn); }

 protected:
  void NotifyChange(int64_t hotel_id) const {
    if (on_change_) on_change_(hotel_id);
  }
  std::function<void(int64_t)> on_change_;
};

// spec: "sqlite:PATH" or "postgresql://…" / "postgres://…" (a libpq connection URI).
// The CLI and backups tell the two kinds apart with these, so a spec means the same
// store everywhere.
inline bool IsSqliteSpec(const std::string& spec) { return spec.rfind("sqlite:", 0) == 0; }
inline std::string SqlitePathOf(const std::string& spec) { return spec.substr(7); }
inline bool IsPgSpec(const std::string& spec) {
  return spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0;
}
std::unique_ptr<Store> OpenStore(const std::string& spec, const StoreOptions& options,
                                 Status* status);

}  // namespace edgestay::server
