// SQLite's allocator with a free list for memory-journal chunks (chunk_pool.h says why).
#include "chunk_pool.h"

#include "sqlite3.h"

namespace edgestay {
namespace {

sqlite3_mem_methods g_base{};
bool g_installed = false;

// One pool per thread (the native build is thread-safe: the server opens engines on
// several threads); the blocks left in it go back to the allocator when the thread ends.
// The wasm module has one thread (and its toolchain no thread-local storage without
// atomics).
struct LocalPool {
  BlockPool pool;
  ~LocalPool() {
    pool.Drain([](void* block) { g_base.xFree(block); });
  }
};
#ifdef __EMSCRIPTEN__
LocalPool t_pool;
#else
thread_local LocalPool t_pool;
#endif

void* Malloc(int n) {
  if (n == kJournalChunkBytes) {
    if (void* block = t_pool.pool.Take()) return block;
  }
  return g_base.xMalloc(n);
}
void Free(void* p) {
  if (p && g_base.xSize(p) == kJournalChunkBytes && t_pool.pool.Keep(p)) return;
  g_base.xFree(p);
}
void* Realloc(void* p, int n) { return g_base.xRealloc(p, n); }
int Size(void* p) { return g_base.xSize(p); }
int Roundup(int n) { return g_base.xRoundup(n); }
int Init(void*) { return g_base.xInit(g_base.pAppData); }
void Shutdown(void*) { g_base.xShutdown(g_base.pAppData); }

}  // namespace

bool ChunkPoolInstalled() { return g_installed; }
int PooledChunks() { return t_pool.pool.size(); }

void InstallChunkPool() {
  // A function-local static: engines opened on several threads at once (native) install
  // it once, and none of them goes on before it is in place.
  static const bool installed = [] {
    sqlite3_mem_methods base{};
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &base) != SQLITE_OK || !base.xMalloc) return false;
    g_base = base;
    static const sqlite3_mem_methods layer = {Malloc, Free, Realloc, Size, Roundup, Init, Shutdown, nullptr};
    // SQLITE_MISUSE when SQLite is already initialized: its allocator stays, without the pool.
    return sqlite3_config(SQLITE_CONFIG_MALLOC, &layer) == SQLITE_OK;
  }();
  g_installed = installed;
}

}  // namespace edgestay
