// The page-cache layer of page_cache.h: pcache1's methods, each passed through, with
// xFetch, xRekey and xTruncate keeping a PageKeyBound per cache.
#include "page_cache.h"

#include <sqlite3.h>

#include <new>

namespace edgestay {
namespace {

sqlite3_pcache_methods2 g_base;  // pcache1, as SQLite configured it by default
bool g_installed = false;

struct Cache {
  sqlite3_pcache* base;
  PageKeyBound keys;
};

Cache* Of(sqlite3_pcache* p) { return reinterpret_cast<Cache*>(p); }

int Init(void*) { return g_base.xInit(g_base.pArg); }
void Shutdown(void*) {
  if (g_base.xShutdown) g_base.xShutdown(g_base.pArg);
}

sqlite3_pcache* Create(int page_size, int extra, int purgeable) {
  sqlite3_pcache* base = g_base.xCreate(page_size, extra, purgeable);
  if (!base) return nullptr;
  auto* c = static_cast<Cache*>(sqlite3_malloc(sizeof(Cache)));
  if (!c) {
    g_base.xDestroy(base);
    return nullptr;
  }
  new (c) Cache{base, PageKeyBound()};
  return reinterpret_cast<sqlite3_pcache*>(c);
}
void Cachesize(sqlite3_pcache* p, int n) { g_base.xCachesize(Of(p)->base, n); }
int Pagecount(sqlite3_pcache* p) { return g_base.xPagecount(Of(p)->base); }
sqlite3_pcache_page* Fetch(sqlite3_pcache* p, unsigned key, int create) {
  Cache* c = Of(p);
  sqlite3_pcache_page* page = g_base.xFetch(c->base, key, create);
  if (page) c->keys.Inserted(key);
  return page;
}
void Unpin(sqlite3_pcache* p, sqlite3_pcache_page* page, int discard) { g_base.xUnpin(Of(p)->base, page, discard); }
void Rekey(sqlite3_pcache* p, sqlite3_pcache_page* page, unsigned from, unsigned to) {
  Cache* c = Of(p);
  g_base.xRekey(c->base, page, from, to);
  c->keys.Moved(from, to);
}
void Truncate(sqlite3_pcache* p, unsigned limit) {
  Cache* c = Of(p);
  if (!c->keys.MayHoldFrom(limit)) return;
  g_base.xTruncate(c->base, limit);
  c->keys.Truncated(limit);
}
void Destroy(sqlite3_pcache* p) {
  g_base.xDestroy(Of(p)->base);
  sqlite3_free(p);
}
void Shrink(sqlite3_pcache* p) { g_base.xShrink(Of(p)->base); }

}  // namespace

void InstallPageCache() {
  // A function-local static: engines opened on several threads at once (native) install
  // it once, and none of them goes on before it is in place.
  static const bool installed = [] {
    sqlite3_pcache_methods2 base{};
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &base) != SQLITE_OK || !base.xCreate) return false;
    g_base = base;
    static const sqlite3_pcache_methods2 layer = {1,     nullptr, Init,  Shutdown, Create,  Cachesize, Pagecount,
                                                  Fetch, Unpin,   Rekey, Truncate, Destroy, Shrink};
    // SQLITE_MISUSE when SQLite is already initialized (a process that opened a database
    // before its first engine): pcache1 stays, without the skip.
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &layer) == SQLITE_OK;
  }();
  g_installed = installed;
}

bool PageCacheInstalled() { return g_installed; }

}  // namespace edgestay
