// Sorting by byte keys (key_sort.h) against std::stable_sort by the keys' bytes (memcmp,
// then the shorter first): random keys from a small alphabet with 0 in it (long shared
// prefixes, keys that are prefixes of others, ties in the 16-byte head and past it, every
// length from 0 to 40 bytes), counts around the insertion runs and the merge passes; and
// the descending pairs of integers against their tuple order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "key_sort.h"

namespace edgestay::test {
namespace {

TEST(KeySortTest, RefsSortAsTheirKeysBytesStably) {
  std::mt19937_64 rng(20261203);
  for (size_t n : {0, 1, 2, 7, 8, 9, 16, 17, 63, 64, 65, 1000, 4099}) {
    std::string keys;
    std::vector<KeyRef> refs;
    std::vector<std::pair<std::string, uint32_t>> model;  // key, position
    for (size_t i = 0; i < n; ++i) {
      std::string key(rng() % 41, 'a');
      for (char& c : key) c = "ab\0\x7f\x80\xff"[rng() % (rng() % 3 == 0 ? 6 : 2)];
      const auto offset = static_cast<uint32_t>(keys.size());
      keys += key;
      refs.push_back(MakeKeyRef(reinterpret_cast<const uint8_t*>(keys.data()), offset, static_cast<uint32_t>(key.size())));
      model.emplace_back(key, offset);
    }
    SortKeyRefs(&refs, reinterpret_cast<const uint8_t*>(keys.data()));
    std::stable_sort(model.begin(), model.end(), [](const auto& a, const auto& b) {
      const int c = std::memcmp(a.first.data(), b.first.data(), std::min(a.first.size(), b.first.size()));
      return c != 0 ? c < 0 : a.first.size() < b.first.size();
    });
    ASSERT_EQ(refs.size(), n);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(refs[i].offset, model[i].second) << n << " keys, at " << i;
  }
}

TEST(KeySortTest, DescendingPairsSortAsTheirTuplesReversed) {
  std::mt19937_64 rng(7);
  const int64_t kEdges[] = {std::numeric_limits<int64_t>::min(), -1, 0, 1, std::numeric_limits<int64_t>::max()};
  std::vector<KeyRef> refs;
  std::vector<std::tuple<int64_t, int64_t, uint32_t>> model;
  for (uint32_t i = 0; i < 500; ++i) {
    const int64_t a = rng() % 4 == 0 ? kEdges[rng() % 5] : static_cast<int64_t>(rng() % 7) - 3;
    const int64_t b = rng() % 4 == 0 ? kEdges[rng() % 5] : static_cast<int64_t>(rng());
    refs.push_back(DescendingKeyRef(a, b, i));
    model.emplace_back(a, b, i);
  }
  SortKeyRefs(&refs, nullptr);
  std::stable_sort(model.begin(), model.end(), [](const auto& x, const auto& y) {
    return std::tie(std::get<0>(y), std::get<1>(y)) < std::tie(std::get<0>(x), std::get<1>(x));
  });
  for (size_t i = 0; i < refs.size(); ++i) ASSERT_EQ(refs[i].offset, std::get<2>(model[i])) << "at " << i;
}

}  // namespace
}  // namespace edgestay::test
