// The page-cache layer's key bound (wasm/src/page_cache.h) against a model of the keys in a
// cache: whenever it says a truncation has nothing to drop, no key at or above the limit
// is in the cache, over random fetches, moves (the b-tree's swaps through a temporary
// page included), silent drops and truncations; and after a swap it does skip.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "page_cache.h"

namespace edgestay {
namespace {

constexpr unsigned kTemp = 262145;  // the pending-byte page at 4 KiB pages

bool HoldsFrom(const std::set<unsigned>& keys, unsigned limit) { return keys.lower_bound(limit) != keys.end(); }

TEST(PageKeyBoundTest, NeverSaysEmptyWhenAKeyIsAtOrAboveTheLimit) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    std::set<unsigned> keys;
    PageKeyBound bound;
    auto free_key = [&](unsigned range) {
      for (;;) {
        const unsigned k = rng() % 50 == 0 ? kTemp + rng() % 3 : 1 + rng() % range;
        if (!keys.count(k)) return k;
      }
    };
    for (int op = 0; op < 3000; ++op) {
      const unsigned range = 20 + rng() % 300;
      switch (rng() % 6) {
        case 0: case 1: {  // a fetch that creates (or finds) a page
          const unsigned k = free_key(range);
          keys.insert(k);
          bound.Inserted(k);
          break;
        }
        case 2: {  // a move, sometimes the b-tree's three-step swap
          if (keys.size() < 2) break;
          auto a = keys.begin();
          std::advance(a, rng() % keys.size());
          auto b = keys.begin();
          std::advance(b, rng() % keys.size());
          if (*a == *b) break;
          const unsigned ka = *a, kb = *b;
          if (rng() % 2 && !keys.count(kTemp)) {
            keys.erase(ka), keys.insert(kTemp), bound.Moved(ka, kTemp);
            keys.erase(kb), keys.insert(ka), bound.Moved(kb, ka);
            keys.erase(kTemp), keys.insert(kb), bound.Moved(kTemp, kb);
          } else {
            const unsigned to = free_key(range);
            keys.erase(ka), keys.insert(to), bound.Moved(ka, to);
          }
          break;
        }
        case 3: {  // dropped without the layer seeing it (unpin with discard, recycling)
          if (keys.empty()) break;
          auto a = keys.begin();
          std::advance(a, rng() % keys.size());
          keys.erase(a);
          break;
        }
        default: {  // a truncation
          const unsigned limit = rng() % 20 == 0 ? 0 : rng() % 10 == 0 ? kTemp + rng() % 3 : rng() % (range + 20);
          if (!bound.MayHoldFrom(limit)) {
            ASSERT_FALSE(HoldsFrom(keys, limit)) << "seed " << seed << " op " << op << " limit " << limit;
          } else {
            keys.erase(keys.lower_bound(limit), keys.end());
            bound.Truncated(limit);
          }
        }
      }
      for (unsigned limit : {0u, 1u, 50u, 200u, 400u, kTemp, kTemp + 1, kTemp + 3}) {
        if (!bound.MayHoldFrom(limit)) ASSERT_FALSE(HoldsFrom(keys, limit)) << "seed " << seed << " op " << op;
      }
    }
  }
}

TEST(PageKeyBoundTest, SkipsTheTruncationAfterASwapThroughTheTemporaryPage) {
  PageKeyBound bound;
  for (unsigned k = 1; k <= 100; ++k) bound.Inserted(k);
  bound.Moved(90, kTemp);
  bound.Moved(40, 90);
  bound.Moved(kTemp, 40);
  EXPECT_FALSE(bound.MayHoldFrom(101));
  EXPECT_TRUE(bound.MayHoldFrom(100));
  bound.Moved(100, kTemp);  // parked and not moved on: a truncation must run
  EXPECT_TRUE(bound.MayHoldFrom(101));
  bound.Truncated(101);
  EXPECT_FALSE(bound.MayHoldFrom(101));
}

}  // namespace
}  // namespace edgestay
