// The "edgestay-store" SQLite VFS: the engine's database file (and its rollback journal)
// kept in wasm memory for reads, every write, truncate and sync forwarded synchronously to a
// JS page store (fileStore / opfsStore / indexedDbStore in bindings/js/stores.mjs).
//
// Reads never leave wasm: the engine is memory-resident by design, so a file's bytes are
// loaded from the store once, when SQLite opens it, and kept in step with every write.
// The store sees only what a transaction changes (journal records, changed pages, the
// syncs at commit). A store call that fails (throws) is an SQLite I/O error: the
// transaction rolls back and the engine reports the failure.
//
// The same VFS reads snapshots being opened ("snapshot-<id>", read-only): page by page
// from the caller's bytes in JS, into the engine's in-memory copy (Engine::OpenCopy).
//
// Locks are no-ops: one engine owns a store (the engine opens it in EXCLUSIVE locking
// mode; across tabs a Web Lock decides who writes, see web/widget/engine-worker.js).
#include "edgestay_vfs.h"

#include <emscripten/emscripten.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "edgestay/engine.h"

// The JS side: Module.edgestayStores maps a store id to an adapter with size/read/write/
// truncate/sync(kind, ...), kind 0 = database, 1 = journal (see stores.mjs). Any exception
// becomes a non-zero (or negative) result; the adapter keeps the error for the JS wrapper.
EM_JS(double, es_store_size, (int id, int kind), {
  try { return Module.edgestayStores.get(id).size(kind); } catch (e) { return -1; }
});
EM_JS(int, es_store_read, (int id, int kind, void* ptr, int n, double offset), {
  try { Module.edgestayStores.get(id).read(kind, HEAPU8.subarray(ptr, ptr + n), offset); return 0; } catch (e) { return 1; }
});
EM_JS(int, es_store_write, (int id, int kind, const void* ptr, int n, double offset), {
  try { Module.edgestayStores.get(id).write(kind, HEAPU8.subarray(ptr, ptr + n), offset); return 0; } catch (e) { return 1; }
});
EM_JS(int, es_store_truncate, (int id, int kind, double size), {
  try { Module.edgestayStores.get(id).truncate(kind, size); return 0; } catch (e) { return 1; }
});
EM_JS(int, es_store_sync, (int id, int kind), {
  try { Module.edgestayStores.get(id).sync(kind); return 0; } catch (e) { return 1; }
});
EM_JS(double, es_now_ms, (void), { return Date.now(); });
// A snapshot being opened: Module.edgestaySnapshots maps its id to the caller's bytes
// (a Uint8Array). Read copies the bytes at `offset` into wasm memory: how many (-1 on error).
EM_JS(double, es_snapshot_size, (int id), {
  const bytes = Module.edgestaySnapshots && Module.edgestaySnapshots.get(id);
  return bytes ? bytes.length : -1;
});
EM_JS(int, es_snapshot_read, (int id, void* ptr, int n, double offset), {
  try {
    const piece = Module.edgestaySnapshots.get(id).subarray(offset, offset + n);
    HEAPU8.set(piece, ptr);
    return piece.length;
  } catch (e) { return -1; }
});

namespace {

constexpr char kVfsName[] = "edgestay-store";
constexpr char kPrefix[] = "store-";
constexpr char kSnapshotPrefix[] = "snapshot-";
constexpr char kJournalSuffix[] = "-journal";

// "store-<id>" (kind 0) or "store-<id>-journal" (kind 1); false for any other name.
bool ParseName(const char* name, int* id, int* kind) {
  if (!name || std::strncmp(name, kPrefix, sizeof kPrefix - 1) != 0) return false;
  char* end = nullptr;
  long v = std::strtol(name + sizeof kPrefix - 1, &end, 10);
  if (end == name + sizeof kPrefix - 1 || v < 0) return false;
  if (*end == '\0') {
    *kind = 0;
  } else if (std::strcmp(end, kJournalSuffix) == 0) {
    *kind = 1;
  } else {
    return false;
  }
  *id = static_cast<int>(v);
  return true;
}

struct StoreFile {
  sqlite3_file base;
  int store;
  int kind;
  std::vector<unsigned char>* data;
};

StoreFile* Of(sqlite3_file* f) { return reinterpret_cast<StoreFile*>(f); }

int Close(sqlite3_file* f) {
  delete Of(f)->data;
  Of(f)->data = nullptr;
  return SQLITE_OK;
}

int Read(sqlite3_file* f, void* buf, int amt, sqlite3_int64 off) {
  const auto& data = *Of(f)->data;
  const sqlite3_int64 size = static_cast<sqlite3_int64>(data.size());
  if (off >= size) {
    std::memset(buf, 0, amt);
    return SQLITE_IOERR_SHORT_READ;
  }
  const sqlite3_int64 have = size - off < amt ? size - off : amt;
  std::memcpy(buf, data.data() + off, static_cast<size_t>(have));
  if (have < amt) {
    std::memset(static_cast<char*>(buf) + have, 0, static_cast<size_t>(amt - have));
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int Write(sqlite3_file* f, const void* buf, int amt, sqlite3_int64 off) {
  StoreFile* file = Of(f);
  // The store first: if it refuses, memory still matches what the store holds.
  if (es_store_write(file->store, file->kind, buf, amt, static_cast<double>(off)) != 0) {
    return SQLITE_IOERR_WRITE;
  }
  auto& data = *file->data;
  if (data.size() < static_cast<size_t>(off + amt)) data.resize(static_cast<size_t>(off + amt));
  std::memcpy(data.data() + off, buf, static_cast<size_t>(amt));
  return SQLITE_OK;
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  StoreFile* file = Of(f);
  if (es_store_truncate(file->store, file->kind, static_cast<double>(size)) != 0) {
    return SQLITE_IOERR_TRUNCATE;
  }
  if (file->data->size() > static_cast<size_t>(size)) file->data->resize(static_cast<size_t>(size));
  return SQLITE_OK;
}

int Sync(sqlite3_file* f, int) {
  StoreFile* file = Of(f);
  if (es_store_sync(file->store, file->kind) != 0) return SQLITE_IOERR_FSYNC;
  return SQLITE_OK;
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  *size = static_cast<sqlite3_int64>(Of(f)->data->size());
  return SQLITE_OK;
}

int Lock(sqlite3_file*, int) { return SQLITE_OK; }
int CheckReservedLock(sqlite3_file*, int* out) {
  *out = 0;
  return SQLITE_OK;
}
int FileControl(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }
int SectorSize(sqlite3_file*) { return 4096; }
// Only what every store gives: a write of a whole page never damages its neighbours. No
// SAFE_APPEND/SEQUENTIAL claims, so SQLite syncs the journal before it touches the file.
int DeviceCharacteristics(sqlite3_file*) { return SQLITE_IOCAP_POWERSAFE_OVERWRITE; }

const sqlite3_io_methods kIoMethods = {
    1, Close, Read, Write, Truncate, Sync, FileSize, Lock, Lock, CheckReservedLock,
    FileControl, SectorSize, DeviceCharacteristics,
};

// A snapshot's file: read-only, each read copied from the caller's bytes in JS
// (Engine::OpenCopy copies the pages into an in-memory database, and the wasm heap never
// holds the image itself).
struct SnapshotFile {
  sqlite3_file base;
  int id;
};

// "snapshot-<id>"; false for any other name.
bool ParseSnapshotName(const char* name, int* id) {
  if (!name || std::strncmp(name, kSnapshotPrefix, sizeof kSnapshotPrefix - 1) != 0) return false;
  char* end = nullptr;
  const long v = std::strtol(name + sizeof kSnapshotPrefix - 1, &end, 10);
  if (end == name + sizeof kSnapshotPrefix - 1 || *end != '\0' || v < 0) return false;
  *id = static_cast<int>(v);
  return true;
}

int SnapshotClose(sqlite3_file*) { return SQLITE_OK; }
int SnapshotRead(sqlite3_file* f, void* buf, int amt, sqlite3_int64 off) {
  const int got = es_snapshot_read(reinterpret_cast<SnapshotFile*>(f)->id, buf, amt, static_cast<double>(off));
  if (got < 0) return SQLITE_IOERR_READ;
  auto* bytes = static_cast<unsigned char*>(buf);
  edgestay::Engine::ReadAsRollbackJournal(bytes, off, static_cast<size_t>(got));
  if (got < amt) {
    std::memset(bytes + got, 0, static_cast<size_t>(amt - got));
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}
int SnapshotReadOnly(sqlite3_file*, const void*, int, sqlite3_int64) { return SQLITE_READONLY; }
int SnapshotTruncate(sqlite3_file*, sqlite3_int64) { return SQLITE_READONLY; }
int SnapshotSync(sqlite3_file*, int) { return SQLITE_OK; }
int SnapshotFileSize(sqlite3_file* f, sqlite3_int64* size) {
  const double n = es_snapshot_size(reinterpret_cast<SnapshotFile*>(f)->id);
  if (n < 0) return SQLITE_IOERR_FSTAT;
  *size = static_cast<sqlite3_int64>(n);
  return SQLITE_OK;
}
// The bytes never change while they are read.
int SnapshotDeviceCharacteristics(sqlite3_file*) { return SQLITE_IOCAP_IMMUTABLE; }

const sqlite3_io_methods kSnapshotIoMethods = {
    1, SnapshotClose, SnapshotRead, SnapshotReadOnly, SnapshotTruncate, SnapshotSync, SnapshotFileSize, Lock, Lock,
    CheckReservedLock, FileControl, SectorSize, SnapshotDeviceCharacteristics,
};

int Open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  int snapshot = 0;
  if (ParseSnapshotName(name, &snapshot)) {
    if (!(flags & SQLITE_OPEN_READONLY) || es_snapshot_size(snapshot) < 0) return SQLITE_CANTOPEN;
    auto* file = reinterpret_cast<SnapshotFile*>(f);
    file->id = snapshot;
    file->base.pMethods = &kSnapshotIoMethods;
    if (out_flags) *out_flags = flags;
    return SQLITE_OK;
  }
  // Temporary files (no name) are the default VFS's: kept in JS, out of the wasm heap.
  if (!name) {
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    return base->xOpen(base, nullptr, f, flags, out_flags);
  }
  StoreFile* file = Of(f);
  file->base.pMethods = nullptr;
  int id = 0;
  int kind = 0;
  if (!ParseName(name, &id, &kind)) return SQLITE_CANTOPEN;  // only store files and temp files exist here
  file->store = id;
  file->kind = kind;
  file->data = new std::vector<unsigned char>();
  const double size = es_store_size(id, kind);
  if (size < 0 || (size > 0 && es_store_read(id, kind, (file->data->resize(static_cast<size_t>(size)), file->data->data()),
                                               static_cast<int>(size), 0) != 0)) {
    delete file->data;
    file->data = nullptr;
    return SQLITE_CANTOPEN;
  }
  file->base.pMethods = &kIoMethods;
  if (out_flags) *out_flags = flags;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  int id = 0;
  int kind = 0;
  if (!ParseName(name, &id, &kind)) return SQLITE_OK;
  if (es_store_truncate(id, kind, 0) != 0) return SQLITE_IOERR_DELETE;
  if (sync_dir && es_store_sync(id, kind) != 0) return SQLITE_IOERR_DELETE;
  return SQLITE_OK;
}

int Access(sqlite3_vfs*, const char* name, int, int* out) {
  int id = 0;
  int kind = 0;
  *out = 0;
  if (!ParseName(name, &id, &kind)) return SQLITE_OK;
  const double size = es_store_size(id, kind);
  if (size < 0) return SQLITE_IOERR_ACCESS;
  *out = size > 0;
  return SQLITE_OK;
}

int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  sqlite3_snprintf(n, out, "%s", name);
  return SQLITE_OK;
}

// SQLite takes its randomness from the default VFS, which the core made entropy-backed
// (InstallSqliteRandomness); this one asks the same source should anything call it.
int Randomness(sqlite3_vfs*, int n, char* out) {
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  return base && base->xRandomness ? base->xRandomness(base, n, out) : 0;
}
// Nothing waits for a lock here (locks are no-ops), so there is nothing to sleep for.
int Sleep(sqlite3_vfs*, int us) { return us; }
int CurrentTime(sqlite3_vfs*, double* out) {
  *out = 2440587.5 + es_now_ms() / 86400000.0;  // Julian day number
  return SQLITE_OK;
}
int GetLastError(sqlite3_vfs*, int, char*) { return 0; }

}  // namespace

namespace edgestay_bindings {

const char* StoreVfsName() {
  static sqlite3_vfs vfs = {
      1, static_cast<int>(std::max(sizeof(StoreFile), sizeof(SnapshotFile))), 512, nullptr, kVfsName, nullptr,
      Open, Delete, Access, FullPathname, nullptr, nullptr, nullptr, nullptr,
      Randomness, Sleep, CurrentTime, GetLastError,
  };
  // Not the default: engines without a store stay in memory, and SQLite's PRNG is seeded
  // from the default VFS the core installed. Registering initializes SQLite: the engine's
  // settings go first (a store engine opened first in a process ran without them).
  static const bool registered = [] {
    edgestay::Engine::ConfigureSqlite();
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    if (!base) return false;
    vfs.szOsFile = std::max(vfs.szOsFile, base->szOsFile);  // its temp files are opened in ours
    return sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
  }();
  return registered ? kVfsName : nullptr;
}

}  // namespace edgestay_bindings
