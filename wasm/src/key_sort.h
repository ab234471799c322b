// Sorting by byte keys: records whose order is the byte order of a key (memcmp's, shorter
// first on a tie), each held as a KeyRef whose first 16 key bytes are two integers, so
// most compares never touch the keys' memory. The one sort of the core's bulk work (an
// index built at a load's commit, index_sort.cc; a user's bookings by date, reports.cc):
// one instantiation in the wasm module instead of std::sort's per element type.
//
// Invariant: the order is exactly memcmp's over the shorter length, then the shorter key
// first, for any keys: a head is zero-padded, and zero is the least byte.
#pragma once

#include <cstdint>
#include <vector>

namespace edgestay {

struct KeyRef {
  uint64_t head[2];  // the key's first 16 bytes, big-endian (zeros past its end)
  uint32_t offset;   // where the key's bytes start; a key of <= 16 bytes: the caller's
  uint32_t size;     // the key's bytes
};

// The 8 bytes at p as a big-endian integer.
uint64_t BigEndian(const uint8_t* p);

// A ref to the `size` bytes at keys + offset.
KeyRef MakeKeyRef(const uint8_t* keys, uint32_t offset, uint32_t size);

// A key of two integers, both descending: an order-preserving pair as the head of a
// 16-byte key (no bytes past it).
KeyRef DescendingKeyRef(int64_t first, int64_t second, uint32_t offset);

// refs in ascending key order (stable); keys: the bytes their offsets point into (unread
// for keys of at most 16 bytes).
void SortKeyRefs(std::vector<KeyRef>* refs, const uint8_t* keys);

}  // namespace edgestay
