// QueryCache: an LRU of query answers, bounded by entries and bytes, with a TTL per
// namespace and exact, tag-based invalidation.
//
// An entry is an answer exactly as it crosses the boundary (a JSON string) plus what it
// depends on: a hotel, a room type (0 = every room type of the hotel), a date range, a
// user, and a set of dependency kinds. A change evicts precisely the entries whose tags it
// touches (a March inventory update keeps an April search). TTL is only a safety net.
// Invariants: entries() <= max_entries and bytes() <= max_bytes after every Put; an
// entry is never returned at or after its expiry instant (expires_at is exclusive).
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace edgestay {

enum class CacheNs : int { kRoomTypes, kBookingRules, kSpecialDays, kAvailability, kUserBookings, kReports, kCount };
const char* CacheNsName(CacheNs ns);

// What an answer depends on. Dependency kinds are bits of `deps`.
struct CacheTags {
  enum : uint32_t {
    kInventory = 1,       // room_inventory rows in [from, to] of the room type(s)
    kPendingBookings = 2, // local bookings holding rooms in [from, to]
    kBookingsByStart = 4, // bookings of the hotel starting in [from, to]
    kSpecialDays = 8,     // special days of the hotel in [from, to]
    kRoomTypes = 16,      // the hotel's room types (names, list)
    kHotel = 32,          // the hotel row and its booking rules
    kUserBookings = 64,   // bookings of `user_id`
  };
  static constexpr int64_t kAnyHotel = -1;  // an answer about several hotels
  uint32_t deps = 0;
  int64_t hotel_id = 0;
  int64_t room_type_id = 0;  // 0: all room types of the hotel
  int32_t from = 0, to = -1;  // inclusive day range; to < from: no range
  int64_t user_id = 0;
  // The answer is only right while now is in [valid_from_ms, valid_until_ms): answers
  // that depend on "today" stop at the hotel's next midnight.
  int64_t valid_from_ms = INT64_MIN;
  int64_t valid_until_ms = INT64_MAX;
};

struct CacheConfig {
  bool enabled = true;
  // Admission: store an answer only on the second miss of its key (a doorkeeper table of
  // key fingerprints remembers the first). Questions asked once — random stays, one-off
  // calendars — then cost what they cost without a cache, and cannot evict answers that
  // are asked again. false: store every answer.
  bool admit_on_repeat = true;
  int64_t max_entries = 10000;
  int64_t max_bytes = 32 << 20;
  int64_t ttl_ms[static_cast<int>(CacheNs::kCount)] = {
      3600000,  // room types
      3600000,  // booking rules
      3600000,  // special days
      120000,   // availability
      300000,   // user bookings
      900000,   // reports
  };
};

struct CacheNsStats {
  int64_t hits = 0, misses = 0, entries = 0, bytes = 0, evictions = 0, expirations = 0, invalidations = 0;
};

// Invalidation index: every entry is filed under the buckets a change can name without
// knowing the cache's contents — its user, and (hotel, room type, 32-day block) for each
// block its date range meets (room type 0 for answers about all room types of the hotel,
// hotel -1 for answers about several hotels; ranges over kMaxBlocks blocks under one
// "wide" bucket of the hotel). A change looks up only its own buckets, so a write costs
// what it can evict, not what is cached. Bucket ids are hashes: a collision only adds a
// candidate, which Affects() then rejects.
struct CacheBuckets {
  static constexpr int kBlockShift = 5;  // 32-day blocks
  static constexpr int kMaxBlocks = 16;
  static int32_t Block(int32_t day) { return day >> kBlockShift; }
  static uint64_t Range(int64_t hotel_id, int64_t room_type_id, int32_t block) {
    return (static_cast<uint64_t>(hotel_id) * 0x9E3779B97F4A7C15ull) ^
           (static_cast<uint64_t>(room_type_id) * 0xFF51AFD7ED558CCDull) ^
           (static_cast<uint64_t>(block) * 0xC2B2AE3D27D4EB4Full) ^ 1;
  }
  static uint64_t Wide(int64_t hotel_id) { return (static_cast<uint64_t>(hotel_id) * 0x9E3779B97F4A7C15ull) ^ 2; }
  static uint64_t User(int64_t user_id) { return (static_cast<uint64_t>(user_id) * 0xD6E8FEB86659FD93ull) ^ 3; }
  // The buckets a change to room type `room_type_id` (0: the hotel's own rows, e.g. its
  // bookings by start date) of `hotel_id` over the dates [from, to] must look in: that
  // room type's, the hotel-wide answers', and those about several hotels.
  static void ForRange(int64_t hotel_id, int64_t room_type_id, int32_t from, int32_t to, std::vector<uint64_t>* out);
};

// What a change touched, as the invalidation rules see it.
class CacheInvalidation {
 public:
  virtual ~CacheInvalidation() = default;
  // True when an entry with `tags` must go.
  virtual bool Affects(const CacheTags& tags) const = 0;
  // Fills the buckets (CacheBuckets) holding every entry the change can affect; false when
  // it may affect entries outside any bucket (then every entry is checked).
  virtual bool Buckets(std::vector<uint64_t>* out) const { (void)out; return false; }
};

class QueryCache {
 public:
  explicit QueryCache(CacheConfig config = {}) : config_(config) {}

  const CacheConfig& config() const { return config_; }
  void Configure(const CacheConfig& config);

  // The cached answer for `key`, or nullptr (a miss, an expired or not-yet-valid entry).
  // `*id` names the entry for Probe.
  const std::string* Get(CacheNs ns, std::string_view key, int64_t now_ms, uint64_t* id);
  // Stores an answer; returns its entry id (0 when not stored: disabled or too large).
  // `value` is copied only when it is stored (most misses are not: admission, cache off).
  uint64_t Put(CacheNs ns, std::string key, std::string_view value, const CacheTags& tags, int64_t now_ms);
  // A hit on an entry known by id (the JS side keeps parsed answers by entry id).
  bool Probe(uint64_t id, int64_t now_ms);

  // Evicts every entry the change affects; returns how many. Looks only at the change's
  // buckets when it names them.
  int64_t Invalidate(const CacheInvalidation& change);
  // Entries Invalidate looked at, over the cache's life (tests: a write costs what it
  // evicts, not what is cached).
  int64_t invalidation_checks() const { return invalidation_checks_; }
  void Clear();

  int64_t entries() const { return static_cast<int64_t>(lru_.size()); }
  int64_t bytes() const { return bytes_; }
  const CacheNsStats& stats(CacheNs ns) const { return stats_[static_cast<int>(ns)]; }
  // {"hits":..,"misses":..,"hitRate":..,…,"namespaces":{"availability":{…},…}}
  std::string StatsJson() const;

 private:
  struct Entry {
    uint64_t id;
    CacheNs ns;
    std::string key;
    std::string value;
    CacheTags tags;
    int64_t expires_at;
    int64_t bytes;
    std::vector<uint64_t> buckets;  // where the invalidation index files it
  };
  using List = std::list<Entry>;

  bool Valid(const Entry& e, int64_t now_ms) const;
  void Erase(List::iterator it);
  void EvictToBounds();

  CacheConfig config_;
  List lru_;  // front = most recently used
  std::unordered_map<std::string, List::iterator> by_key_;
  std::unordered_map<uint64_t, List::iterator> by_id_;
  std::unordered_map<uint64_t, std::unordered_set<uint64_t>> buckets_;  // bucket -> entry ids
  int64_t bytes_ = 0;
  uint64_t next_id_ = 1;
  int64_t invalidation_checks_ = 0;
  // Doorkeeper for admit_on_repeat: fingerprints of keys that missed, direct-mapped
  // (a collision forgets the older key, which then needs one more miss).
  static constexpr size_t kDoorkeeperSlots = 16384;
  std::vector<uint32_t> doorkeeper_;
  bool Admit(std::string_view ns_key);
  CacheNsStats stats_[static_cast<int>(CacheNs::kCount)];
};

}  // namespace edgestay
