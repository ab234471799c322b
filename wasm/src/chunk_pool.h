// A free list for SQLite's 1 KiB allocations: the chunks of its in-memory rollback journal.
//
// An engine loaded through applyChanges is a plain ":memory:" database, whose only
// rollback journal is SQLite's memory journal (engine.cc, MemoryDbSettings). It keeps
// each journaled page as five 1 KiB chunks (MEMJOURNAL_DFLT_FILECHUNKSIZE, compiled into
// sqlite3.c), each malloc'd as the page is first written in a transaction and freed at
// its commit: ~80 mallocs and frees a booking, 17% of a createBooking's instructions
// (a 1 KiB block is past the allocators' small-size fast paths). SQLite's allocator is
// wrapped so that freed blocks of exactly that size wait in a small free list for the
// next transaction instead.
#pragma once

namespace edgestay {

// A bounded stack of free blocks of one size, apart from SQLite so it can be tested alone.
class BlockPool {
 public:
  static constexpr int kMax = 256;  // 256 KiB of 1 KiB blocks at most: ~3 bookings' worth

  void* Take() { return n_ > 0 ? blocks_[--n_] : nullptr; }
  // False when full: the caller frees the block.
  bool Keep(void* block) {
    if (n_ == kMax) return false;
    blocks_[n_++] = block;
    return true;
  }
  int size() const { return n_; }
  template <class Free>
  void Drain(Free free_block) {
    while (n_ > 0) free_block(blocks_[--n_]);
  }

 private:
  void* blocks_[kMax];
  int n_ = 0;
};

// The size of a memory-journal chunk as SQLite asks its allocator for it.
inline constexpr int kJournalChunkBytes = 1024;

// Wraps SQLite's allocator with a BlockPool for kJournalChunkBytes blocks (one per
// thread); before SQLite initializes (later SQLite refuses, and its allocator stays as
// it is, still correct). Idempotent.
void InstallChunkPool();
// Whether the pool wraps SQLite's allocator, and the blocks waiting in this thread's pool
// (for tests).
bool ChunkPoolInstalled();
int PooledChunks();

}  // namespace edgestay
