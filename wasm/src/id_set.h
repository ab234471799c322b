// A set of row ids kept in one array: what a change batch knows exists (known_ids,
// engine_impl.h).
//
// Why not std::unordered_set: it allocates a node per id, and a load's ids are inserted
// while the load's pages are being stored, so when the batch ends and the set is freed
// its nodes leave small holes between pages that no page fits in. The wasm heap never
// shrinks: the chain dataset's 200,000 booking ids left 4.4 MiB of it unusable. Here the
// ids live in one open-addressing table (linear probing, at most half full) that grows by
// doubling, so what it frees are large blocks the next pages reuse.
//
// Invariant: no empty slot lies between an id's home slot (its hash) and the slot it sits
// in, so a probe that meets an empty slot may stop; erase keeps that true by shifting
// back the ids that follow (no tombstones).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace edgestay {

class IdSet {
 public:
  bool contains(int64_t id) const {
    if (id == kEmpty) return has_empty_key_;
    if (slots_.empty()) return false;
    for (size_t i = Home(id);; i = Next(i)) {
      if (slots_[i] == id) return true;
      if (slots_[i] == kEmpty) return false;
    }
  }

  void insert(int64_t id) {
    if (id == kEmpty) {
      size_ += !has_empty_key_;
      has_empty_key_ = true;
      return;
    }
    if (2 * (stored_ + 1) > slots_.size()) Grow();
    size_t i = Home(id);
    for (; slots_[i] != kEmpty; i = Next(i)) {
      if (slots_[i] == id) return;
    }
    slots_[i] = id;
    ++stored_;
    ++size_;
  }

  void erase(int64_t id) {
    if (id == kEmpty) {
      size_ -= has_empty_key_;
      has_empty_key_ = false;
      return;
    }
    if (slots_.empty()) return;
    size_t hole = Home(id);
    for (; slots_[hole] != id; hole = Next(hole)) {
      if (slots_[hole] == kEmpty) return;
    }
    // Backward shift: an id further along the run moves into the hole when the hole lies
    // on its probe path (between its home slot and where it sits, cyclically).
    for (size_t i = Next(hole); slots_[i] != kEmpty; i = Next(i)) {
      const size_t home = Home(slots_[i]);
      const bool hole_on_path = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
      if (hole_on_path) {
        slots_[hole] = slots_[i];
        hole = i;
      }
    }
    slots_[hole] = kEmpty;
    --stored_;
    --size_;
  }

  size_t size() const { return size_; }

  // Empty, with its memory given back.
  void release() {
    std::vector<int64_t>().swap(slots_);
    stored_ = size_ = 0;
    has_empty_key_ = false;
  }

 private:
  // Marks a free slot; the id equal to it (never a real row id: ids are within ±2^53) is
  // kept apart so that the set still holds any int64.
  static constexpr int64_t kEmpty = std::numeric_limits<int64_t>::min();

  size_t Home(int64_t id) const {
    // Fibonacci hashing: ids are often consecutive, and the high bits of the product mix them.
    return static_cast<size_t>((static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  size_t Next(size_t i) const { return (i + 1) & (slots_.size() - 1); }

  void Grow() {
    std::vector<int64_t> old;
    old.swap(slots_);
    const size_t capacity = old.empty() ? 16 : 2 * old.size();
    slots_.assign(capacity, kEmpty);
    shift_ = 64;
    for (size_t c = capacity; c > 1; c >>= 1) --shift_;
    for (int64_t id : old) {
      if (id == kEmpty) continue;
      size_t i = Home(id);
      while (slots_[i] != kEmpty) i = Next(i);
      slots_[i] = id;
    }
  }

  std::vector<int64_t> slots_;  // capacity a power of two, or empty
  int shift_ = 64;              // 64 - log2(capacity)
  size_t stored_ = 0;           // ids in slots_
  size_t size_ = 0;             // stored_, plus one when has_empty_key_
  bool has_empty_key_ = false;
};

}  // namespace edgestay
