// SQLite's page cache (pcache1) behind a thin layer that skips truncations with nothing
// to drop. Why: a b-tree page split that leaves its new pages out of page-number order
// swaps two of them through a temporary page number, the pending-byte page (262,145 at
// 4 KiB pages); pcache1 then remembers that number as its largest key for good, and the
// truncation to the database's size at the end of every transaction scans every hash
// bucket of the cache (thousands on an image of a few MB: ~5% of a createBooking) until
// a truncation resets it, although no page is above the database's size.
#pragma once

namespace edgestay {

// The bookkeeping of the layer, apart from SQLite so it can be tested against a model:
// an upper bound of the keys (page numbers) in one cache. Pages enter a cache only by a
// fetch that creates them or by a move (rekey); they may leave unseen (unpin, recycling),
// which only makes the bound loose. One key moved above the bound (the swap's temporary
// page) is kept apart, so it does not raise the bound once it has moved on.
class PageKeyBound {
 public:
  void Inserted(unsigned key) {
    if (key > bound_) bound_ = key;
  }
  void Moved(unsigned from, unsigned to) {
    if (from == parked_) parked_ = 0;
    if (to <= bound_) return;
    if (parked_ == 0) {
      parked_ = to;
    } else {  // a second one: give up the precision, stay an upper bound
      Inserted(parked_);
      Inserted(to);
      parked_ = 0;
    }
  }
  // False when no key >= limit can be in the cache: a truncation to `limit` has nothing to do.
  bool MayHoldFrom(unsigned limit) const { return limit <= bound_ || (parked_ != 0 && parked_ >= limit); }
  // After a truncation that dropped every key >= limit.
  void Truncated(unsigned limit) {
    if (limit == 0) {
      bound_ = 0;
    } else if (limit - 1 < bound_) {
      bound_ = limit - 1;
    }
    if (parked_ >= limit) parked_ = 0;
  }

 private:
  unsigned bound_ = 0;   // no key above it but parked_
  unsigned parked_ = 0;  // a key above bound_ that a move made, or 0
};

// Configures SQLite's page cache with the layer; before sqlite3_initialize (later it is
// left as it is, still correct, only without the skip). Idempotent.
void InstallPageCache();
// Whether the layer is SQLite's page cache (for tests).
bool PageCacheInstalled();

}  // namespace edgestay
