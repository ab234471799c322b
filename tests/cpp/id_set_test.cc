// The batch's set of known ids (wasm/src/id_set.h) against std::unordered_set on random
// inserts, erases and lookups: clustered ids (as a load's are), spread ones, negative ones
// (local rows) and the set's own empty marker as an id.
#include <cstdint>
#include <limits>
#include <random>
#include <unordered_set>
#include <vector>

#include "id_set.h"
#include "test_support.h"

namespace edgestay::test {
namespace {

void RunAgainstModel(uint64_t seed, int64_t span, int steps) {
  std::mt19937_64 rng(seed);
  const std::vector<int64_t> special = {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                                        0, -1, 1};
  auto pick = [&]() -> int64_t {
    if (rng() % 50 == 0) return special[rng() % special.size()];
    return static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * span)) - span;
  };
  IdSet set;
  std::unordered_set<int64_t> model;
  for (int step = 0; step < steps; ++step) {
    const int64_t id = pick();
    switch (rng() % 5) {
      case 0:
      case 1:
        set.insert(id);
        model.insert(id);
        break;
      case 2:
        set.erase(id);
        model.erase(id);
        break;
      default:
        ASSERT_EQ(set.contains(id), model.count(id) == 1) << "seed " << seed << " step " << step << " id " << id;
    }
    ASSERT_EQ(set.size(), model.size()) << "seed " << seed << " step " << step;
  }
  for (int64_t id : model) ASSERT_TRUE(set.contains(id)) << "seed " << seed << " id " << id;
  if (span <= 1000) {  // every id of a dense span, in the set or not
    for (int64_t id = -span; id < span; ++id) ASSERT_EQ(set.contains(id), model.count(id) == 1) << id;
  }
  set.release();
  EXPECT_EQ(set.size(), 0u);
  for (int64_t id : model) ASSERT_FALSE(set.contains(id)) << id;
  set.insert(7);
  EXPECT_TRUE(set.contains(7));  // usable again after release
}

TEST(IdSetTest, MatchesAModelOnDenseIds) {
  for (uint64_t seed = 1; seed <= 8; ++seed) RunAgainstModel(seed, 300, 20000);
}

TEST(IdSetTest, MatchesAModelOnSpreadIds) {
  for (uint64_t seed = 11; seed <= 14; ++seed) RunAgainstModel(seed, int64_t{1} << 40, 20000);
}

// Long probe runs wrap around the table's end: consecutive ids that share home slots fill
// a small table, then erases from the middle of the runs must keep every other id findable.
TEST(IdSetTest, EraseKeepsWrappedRunsFindable) {
  for (uint64_t seed = 21; seed <= 24; ++seed) {
    std::mt19937_64 rng(seed);
    IdSet set;
    std::vector<int64_t> ids;
    for (int i = 0; i < 7; ++i) ids.push_back(static_cast<int64_t>(rng() % 64) * 16);
    for (int64_t id : ids) set.insert(id);
    std::unordered_set<int64_t> model(ids.begin(), ids.end());
    while (!model.empty()) {
      const int64_t gone = *model.begin();
      set.erase(gone);
      model.erase(gone);
      ASSERT_FALSE(set.contains(gone));
      for (int64_t id : model) ASSERT_TRUE(set.contains(id)) << "seed " << seed << " id " << id;
    }
  }
}

}  // namespace
}  // namespace edgestay::test
