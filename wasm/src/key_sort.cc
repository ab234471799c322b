// Sorting by byte keys (key_sort.h): a merge sort over runs of 8 made by insertion.
#include "key_sort.h"

#include <algorithm>
#include <cstring>

namespace edgestay {
namespace {

// Past equal heads, the bytes from the 17th on, 8 at a time, within the shorter key;
// then the shorter first.
bool Less(const KeyRef& a, const KeyRef& b, const uint8_t* keys) {
  if (a.head[0] != b.head[0]) return a.head[0] < b.head[0];
  if (a.head[1] != b.head[1]) return a.head[1] < b.head[1];
  const uint32_t n = std::min(a.size, b.size);
  if (n > 16) {
    const uint8_t* x = keys + a.offset;
    const uint8_t* y = keys + b.offset;
    uint32_t i = 16;
    for (; i + 8 <= n; i += 8) {
      const uint64_t u = BigEndian(x + i), v = BigEndian(y + i);
      if (u != v) return u < v;
    }
    for (; i < n; ++i) {
      if (x[i] != y[i]) return x[i] < y[i];
    }
  }
  return a.size < b.size;
}

}  // namespace

uint64_t BigEndian(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

KeyRef MakeKeyRef(const uint8_t* keys, uint32_t offset, uint32_t size) {
  uint8_t head[16] = {};
  std::memcpy(head, keys + offset, std::min<uint32_t>(size, 16));
  return KeyRef{{BigEndian(head), BigEndian(head + 8)}, offset, size};
}

KeyRef DescendingKeyRef(int64_t first, int64_t second, uint32_t offset) {
  // The sign bit flipped orders signed values as unsigned ones; then all bits, descending.
  constexpr uint64_t kSign = uint64_t{1} << 63;
  return KeyRef{{~(static_cast<uint64_t>(first) ^ kSign), ~(static_cast<uint64_t>(second) ^ kSign)}, offset, 16};
}

void SortKeyRefs(std::vector<KeyRef>* refs, const uint8_t* keys) {
  constexpr size_t kRun = 8;
  std::vector<KeyRef>& v = *refs;
  const size_t n = v.size();
  for (size_t low = 0; low < n; low += kRun) {
    for (size_t i = low + 1; i < std::min(low + kRun, n); ++i) {
      for (size_t j = i; j > low && Less(v[j], v[j - 1], keys); --j) std::swap(v[j], v[j - 1]);
    }
  }
  if (n <= kRun) return;
  std::vector<KeyRef> buffer(n);
  KeyRef* from = v.data();
  KeyRef* to = buffer.data();
  for (size_t width = kRun; width < n; width *= 2) {
    for (size_t low = 0; low < n; low += 2 * width) {
      const size_t mid = std::min(low + width, n), high = std::min(low + 2 * width, n);
      size_t i = low, j = mid, o = low;
      while (i < mid && j < high) to[o++] = Less(from[j], from[i], keys) ? from[j++] : from[i++];
      while (i < mid) to[o++] = from[i++];
      while (j < high) to[o++] = from[j++];
    }
    std::swap(from, to);
  }
  if (from != v.data()) std::copy(from, from + n, v.data());
}

}  // namespace edgestay
