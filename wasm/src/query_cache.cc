// QueryCache: LRU + TTL + tag invalidation (see the header for the contract).
#include "edgestay/query_cache.h"

#include <algorithm>

#include "json_writer.h"

namespace edgestay {
namespace {

// Per-entry bookkeeping (list node, two hash slots, tags) counted toward max_bytes so the
// bound is about real memory, not just the strings.
constexpr int64_t kEntryOverhead = 160;

std::string NsKey(CacheNs ns, std::string_view key) {
  std::string k;
  k.reserve(key.size() + 2);
  k.push_back(static_cast<char>('0' + static_cast<int>(ns)));
  k.push_back('|');
  k.append(key.data(), key.size());
  return k;
}

// The buckets an entry with `tags` is filed under.
void EntryBuckets(const CacheTags& t, std::vector<uint64_t>* out) {
  using T = CacheTags;
  if ((t.deps & T::kUserBookings) && t.user_id != 0) out->push_back(CacheBuckets::User(t.user_id));
  if ((t.deps & (T::kInventory | T::kPendingBookings | T::kBookingsByStart | T::kSpecialDays)) && t.from <= t.to) {
    const int32_t lo = CacheBuckets::Block(t.from), hi = CacheBuckets::Block(t.to);
    if (hi - lo >= CacheBuckets::kMaxBlocks) {
      out->push_back(CacheBuckets::Wide(t.hotel_id));
    } else {
      for (int32_t b = lo; b <= hi; ++b) out->push_back(CacheBuckets::Range(t.hotel_id, t.room_type_id, b));
    }
  }
}

}  // namespace

void CacheBuckets::ForRange(int64_t hotel_id, int64_t room_type_id, int32_t from, int32_t to,
                            std::vector<uint64_t>* out) {
  out->push_back(Wide(hotel_id));
  out->push_back(Wide(CacheTags::kAnyHotel));
  for (int32_t b = Block(from); b <= Block(to); ++b) {
    if (room_type_id != 0) out->push_back(Range(hotel_id, room_type_id, b));
    out->push_back(Range(hotel_id, 0, b));
    out->push_back(Range(CacheTags::kAnyHotel, 0, b));
  }
}

const char* CacheNsName(CacheNs ns) {
  switch (ns) {
    case CacheNs::kRoomTypes: return "roomTypes";
    case CacheNs::kBookingRules: return "bookingRules";
    case CacheNs::kSpecialDays: return "specialDays";
    case CacheNs::kAvailability: return "availability";
    case CacheNs::kUserBookings: return "userBookings";
    case CacheNs::kReports: return "reports";
    default: return "unknown";
  }
}

void QueryCache::Configure(const CacheConfig& config) {
  config_ = config;
  if (!config_.enabled) Clear();
  EvictToBounds();
}

bool QueryCache::Valid(const Entry& e, int64_t now_ms) const {
  return now_ms < e.expires_at && now_ms >= e.tags.valid_from_ms && now_ms < e.tags.valid_until_ms;
}

void QueryCache::Erase(List::iterator it) {
  CacheNsStats& s = stats_[static_cast<int>(it->ns)];
  s.entries -= 1;
  s.bytes -= it->bytes;
  bytes_ -= it->bytes;
  by_key_.erase(NsKey(it->ns, it->key));
  by_id_.erase(it->id);
  for (uint64_t b : it->buckets) {
    auto found = buckets_.find(b);
    if (found == buckets_.end()) continue;
    found->second.erase(it->id);
    if (found->second.empty()) buckets_.erase(found);
  }
  lru_.erase(it);
}

void QueryCache::EvictToBounds() {
  while (!lru_.empty() && (entries() > config_.max_entries || bytes_ > config_.max_bytes)) {
    auto last = std::prev(lru_.end());
    stats_[static_cast<int>(last->ns)].evictions += 1;
    Erase(last);
  }
}

const std::string* QueryCache::Get(CacheNs ns, std::string_view key, int64_t now_ms, uint64_t* id) {
  CacheNsStats& s = stats_[static_cast<int>(ns)];
  if (!config_.enabled) {
    s.misses += 1;
    return nullptr;
  }
  auto found = by_key_.find(NsKey(ns, key));
  if (found == by_key_.end()) {
    s.misses += 1;
    return nullptr;
  }
  auto it = found->second;
  if (!Valid(*it, now_ms)) {
    s.expirations += 1;
    s.misses += 1;
    Erase(it);
    return nullptr;
  }
  s.hits += 1;
  lru_.splice(lru_.begin(), lru_, it);
  *id = it->id;
  return &it->value;
}

bool QueryCache::Probe(uint64_t id, int64_t now_ms) {
  auto found = by_id_.find(id);
  if (found == by_id_.end()) return false;
  auto it = found->second;
  CacheNsStats& s = stats_[static_cast<int>(it->ns)];
  if (!Valid(*it, now_ms)) {
    s.expirations += 1;
    Erase(it);
    return false;
  }
  s.hits += 1;
  lru_.splice(lru_.begin(), lru_, it);
  return true;
}

uint64_t QueryCache::Put(CacheNs ns, std::string key, std::string_view value, const CacheTags& tags, int64_t now_ms) {
  const int64_t ttl = config_.ttl_ms[static_cast<int>(ns)];
  // A TTL of 0 keeps nothing: such an answer would be dead on arrival, yet evict live ones.
  if (!config_.enabled || config_.max_entries <= 0 || ttl <= 0) return 0;
  const int64_t size = static_cast<int64_t>(key.size() + value.size()) + kEntryOverhead;
  if (size > config_.max_bytes) return 0;
  std::string ns_key = NsKey(ns, key);
  if (config_.admit_on_repeat && !Admit(ns_key)) return 0;
  if (auto old = by_key_.find(ns_key); old != by_key_.end()) Erase(old->second);
  lru_.push_front(Entry{next_id_++, ns, std::move(key), std::string(value), tags, now_ms + ttl, size, {}});
  EntryBuckets(tags, &lru_.front().buckets);
  for (uint64_t b : lru_.front().buckets) buckets_[b].insert(lru_.front().id);
  by_key_.emplace(std::move(ns_key), lru_.begin());
  by_id_.emplace(lru_.front().id, lru_.begin());
  CacheNsStats& s = stats_[static_cast<int>(ns)];
  s.entries += 1;
  s.bytes += size;
  bytes_ += size;
  const uint64_t id = lru_.front().id;
  EvictToBounds();
  return by_id_.count(id) ? id : 0;
}

bool QueryCache::Admit(std::string_view ns_key) {
  if (doorkeeper_.empty()) doorkeeper_.assign(kDoorkeeperSlots, 0);
  // 64-bit FNV-1a (std::hash is 32 bits in wasm: too few for slot + fingerprint).
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : ns_key) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  const uint32_t fingerprint = static_cast<uint32_t>(h >> 32) | 1;  // 0 = empty slot
  uint32_t& slot = doorkeeper_[h & (kDoorkeeperSlots - 1)];
  // The slot keeps the fingerprint after admission: an answer asked again after an
  // invalidation is stored at once.
  if (slot == fingerprint) return true;
  slot = fingerprint;
  return false;
}

int64_t QueryCache::Invalidate(const CacheInvalidation& change) {
  // Nothing cached (the cache off, or only writes so far): no buckets to work out
  // (~1 % of a createBooking).
  if (lru_.empty()) return 0;
  int64_t n = 0;
  auto drop = [&](List::iterator it) {
    stats_[static_cast<int>(it->ns)].invalidations += 1;
    Erase(it);
    ++n;
  };
  std::vector<uint64_t> buckets;
  if (!change.Buckets(&buckets)) {
    for (auto it = lru_.begin(); it != lru_.end();) {
      auto next = std::next(it);
      ++invalidation_checks_;
      if (change.Affects(it->tags)) drop(it);
      it = next;
    }
    return n;
  }
  // Signed, as entry ids (a count from 1) fit: the module then holds one integer sort
  // (the load's, of int64_t user ids), not a second copy of it for uint64_t (~1.3 KB).
  std::vector<int64_t> ids;
  for (uint64_t b : buckets) {
    auto found = buckets_.find(b);
    if (found != buckets_.end()) ids.insert(ids.end(), found->second.begin(), found->second.end());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (int64_t id : ids) {
    auto found = by_id_.find(static_cast<uint64_t>(id));
    if (found == by_id_.end()) continue;
    ++invalidation_checks_;
    if (change.Affects(found->second->tags)) drop(found->second);
  }
  return n;
}

void QueryCache::Clear() {
  lru_.clear();
  by_key_.clear();
  by_id_.clear();
  buckets_.clear();
  // Forget the admission history but keep the filter's memory: freeing it made the first
  // miss after every clear allocate and zero 64 KiB again (~2 us in wasm).
  std::fill(doorkeeper_.begin(), doorkeeper_.end(), 0);
  bytes_ = 0;
  for (auto& s : stats_) {
    s.entries = 0;
    s.bytes = 0;
  }
}

std::string QueryCache::StatsJson() const {
  CacheNsStats all;
  for (const auto& s : stats_) {
    all.hits += s.hits;
    all.misses += s.misses;
    all.entries += s.entries;
    all.bytes += s.bytes;
    all.evictions += s.evictions;
    all.expirations += s.expirations;
    all.invalidations += s.invalidations;
  }
  std::string out;
  JsonWriter w(&out);
  auto write = [&](const CacheNsStats& s) {
    const int64_t lookups = s.hits + s.misses;
    w.Key("hits").Int(s.hits).Key("misses").Int(s.misses);
    w.Key("hitRate").Double(lookups ? static_cast<double>(s.hits) / static_cast<double>(lookups) : 0.0);
    w.Key("entries").Int(s.entries).Key("bytes").Int(s.bytes).Key("evictions").Int(s.evictions);
    w.Key("expirations").Int(s.expirations).Key("invalidations").Int(s.invalidations);
  };
  w.BeginObject().Key("enabled").Bool(config_.enabled);
  w.Key("admission").String(config_.admit_on_repeat ? "repeat" : "always");
  w.Key("maxEntries").Int(config_.max_entries).Key("maxBytes").Int(config_.max_bytes);
  write(all);
  w.Key("invalidationChecks").Int(invalidation_checks_);
  w.Key("namespaces").BeginObject();
  for (int i = 0; i < static_cast<int>(CacheNs::kCount); ++i) {
    w.Key(CacheNsName(static_cast<CacheNs>(i))).BeginObject();
    write(stats_[i]);
    w.Key("ttlMs").Int(config_.ttl_ms[i]).EndObject();
  }
  w.EndObject().EndObject();
  return out;
}

}  // namespace edgestay
