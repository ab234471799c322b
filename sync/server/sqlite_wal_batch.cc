// The WAL-batching VFS (see sqlite_wal_batch.h): the default VFS with its WAL files'
// contiguous writes held in memory until the next call that is not a write.
#include "sqlite_wal_batch.h"

#include <sqlite3.h>

#include <mutex>
#include <new>
#include <string>

namespace edgestay::server {
namespace {

constexpr const char* kVfsName = "edgestay-wal-batch";
// At most this much is held (and written at once): the default VFS writes at most
// 128 KiB - 1 bytes per call (it masks the length), SQLite itself never more than a frame.
// ~30 frames of 4 KiB pages per pwrite instead of ~60 pwrites; the buffer (kept per open
// WAL file) stays small.
constexpr size_t kMaxHeld = 120u << 10;

sqlite3_vfs* g_real = nullptr;  // the default VFS this one wraps
sqlite3_vfs g_vfs;

// A WAL file: our header, then the wrapped VFS's own file object (szOsFile bytes).
struct BatchFile {
  sqlite3_file base;       // pMethods = &kMethods
  std::string held;        // bytes written but not yet passed on
  sqlite3_int64 held_at = 0;  // file offset of held[0]
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
static_assert(sizeof(BatchFile) % 8 == 0, "the wrapped file must stay aligned");

BatchFile* Of(sqlite3_file* f) { return reinterpret_cast<BatchFile*>(f); }

// Passes the held bytes on (one write). A failed write drops them: SQLite sees the error
// at this call (a sync, a read...) and abandons the transaction, as it would have at the
// write itself.
int Flush(BatchFile* f) {
  if (f->held.empty()) return SQLITE_OK;
  sqlite3_file* r = f->real();
  const int rc = r->pMethods->xWrite(r, f->held.data(), static_cast<int>(f->held.size()), f->held_at);
  f->held.clear();
  return rc;
}

int Write(sqlite3_file* file, const void* data, int amt, sqlite3_int64 off) {
  BatchFile* f = Of(file);
  const size_t n = static_cast<size_t>(amt);
  if (!f->held.empty() && off == f->held_at + static_cast<sqlite3_int64>(f->held.size()) &&
      f->held.size() + n <= kMaxHeld) {
    f->held.append(static_cast<const char*>(data), n);
    return SQLITE_OK;
  }
  // Not contiguous (or too much): what is held goes first, so later bytes win at any
  // offset written twice.
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  if (n > kMaxHeld) return f->real()->pMethods->xWrite(f->real(), data, amt, off);
  if (f->held.capacity() < kMaxHeld) f->held.reserve(kMaxHeld);
  f->held.assign(static_cast<const char*>(data), n);
  f->held_at = off;
  return SQLITE_OK;
}

int Close(sqlite3_file* file) {
  BatchFile* f = Of(file);
  const int flushed = Flush(f);
  sqlite3_file* r = f->real();
  const int rc = r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
  f->~BatchFile();
  return flushed != SQLITE_OK ? flushed : rc;
}

// Every other method: flush, then the wrapped file's own.
#define EDGESTAY_FLUSH_THEN(call)                     \
  BatchFile* f = Of(file);                            \
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;  \
  sqlite3_file* r = f->real();                        \
  return r->pMethods->call;

int Read(sqlite3_file* file, void* buf, int amt, sqlite3_int64 off) { EDGESTAY_FLUSH_THEN(xRead(r, buf, amt, off)) }
int Truncate(sqlite3_file* file, sqlite3_int64 size) { EDGESTAY_FLUSH_THEN(xTruncate(r, size)) }
int Sync(sqlite3_file* file, int flags) { EDGESTAY_FLUSH_THEN(xSync(r, flags)) }
int FileSize(sqlite3_file* file, sqlite3_int64* size) { EDGESTAY_FLUSH_THEN(xFileSize(r, size)) }
int Lock(sqlite3_file* file, int level) { EDGESTAY_FLUSH_THEN(xLock(r, level)) }
int Unlock(sqlite3_file* file, int level) { EDGESTAY_FLUSH_THEN(xUnlock(r, level)) }
int CheckReservedLock(sqlite3_file* file, int* out) { EDGESTAY_FLUSH_THEN(xCheckReservedLock(r, out)) }
int FileControl(sqlite3_file* file, int op, void* arg) { EDGESTAY_FLUSH_THEN(xFileControl(r, op, arg)) }
int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** pp) {
  EDGESTAY_FLUSH_THEN(xShmMap(r, region, size, extend, pp))
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) { EDGESTAY_FLUSH_THEN(xShmLock(r, offset, n, flags)) }
int ShmUnmap(sqlite3_file* file, int del) { EDGESTAY_FLUSH_THEN(xShmUnmap(r, del)) }
#undef EDGESTAY_FLUSH_THEN

// Pure questions about the device: nothing to flush.
int SectorSize(sqlite3_file* file) { return Of(file)->real()->pMethods->xSectorSize(Of(file)->real()); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Of(file)->real()->pMethods->xDeviceCharacteristics(Of(file)->real());
}
void ShmBarrier(sqlite3_file* file) { Of(file)->real()->pMethods->xShmBarrier(Of(file)->real()); }
// No memory-mapped reads of a WAL file through here: SQLite then reads with xRead.
int Fetch(sqlite3_file*, sqlite3_int64, int, void** pp) {
  *pp = nullptr;
  return SQLITE_OK;
}
int Unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

const sqlite3_io_methods kMethods = {
    3,     Close,  Read,     Write,     Truncate, Sync,       FileSize,   Lock,   Unlock,
    CheckReservedLock,       FileControl, SectorSize, DeviceCharacteristics, ShmMap, ShmLock,
    ShmBarrier, ShmUnmap, Fetch, Unfetch,
};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  // Anything but a WAL file is the wrapped VFS's own object, without a detour.
  if (!(flags & SQLITE_OPEN_WAL)) return g_real->xOpen(g_real, name, file, flags, out_flags);
  BatchFile* f = new (file) BatchFile();
  f->base.pMethods = nullptr;
  sqlite3_file* r = f->real();
  r->pMethods = nullptr;
  const int rc = g_real->xOpen(g_real, name, r, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (r->pMethods) r->pMethods->xClose(r);
    f->~BatchFile();
    file->pMethods = nullptr;
    return rc;
  }
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

}  // namespace

const char* WalBatchVfsName() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_real = sqlite3_vfs_find(nullptr);
    // The default VFS's own functions for everything but opening a file: they read only
    // pAppData and mxPathname from the VFS they are given, which this copy keeps.
    g_vfs = *g_real;
    g_vfs.pNext = nullptr;
    g_vfs.zName = kVfsName;
    g_vfs.szOsFile = static_cast<int>(sizeof(BatchFile)) + g_real->szOsFile;
    g_vfs.xOpen = Open;
    sqlite3_vfs_register(&g_vfs, 0);
  });
  return kVfsName;
}

}  // namespace edgestay::server
