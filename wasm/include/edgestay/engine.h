// Engine: one local booking database — SQLite in memory plus prepared queries.
//
// An Engine answers the queries of docs/API.md and ingests change batches
// (sync/FORMAT.md). Its face toward the bindings is JSON in, JSON out: one call per
// query, answers written as the string that crosses the wasm boundary. The engine is
// single-threaded, like the JS that drives it. Invariant: a failed call changes nothing
// (every write is one SQLite transaction that rolls back on error).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "edgestay/status.h"

namespace edgestay {

class Engine {
 public:
  // Opens an engine over `snapshot` (an SQLite image; empty = a new database).
  static Status Open(std::string_view snapshot, std::unique_ptr<Engine>* out);
  // Opens an engine whose database lives in the file `path` of SQLite VFS `vfs` (nullptr:
  // the default VFS) instead of in memory; a new (empty) file starts as `snapshot`. Every
  // write is durable on that file when the call returns (see docs/API.md, persistence).
  static Status OpenFile(std::string_view snapshot, const std::string& path, const char* vfs,
                         std::unique_ptr<Engine>* out);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The clock every time-dependent rule reads (ms since the epoch).
  void SetNow(int64_t now_ms);
  int64_t now() const;

  // Random hex from the host (the core does no I/O of its own); names this engine's
  // client id when the database does not have one yet.
  void SetEntropy(std::string_view hex);

  // Runs the query or write `method` (the JS API's method name) with `args_json`.
  // On success `*out` is the answer's JSON; on failure the Status says why.
  Status Call(std::string_view method, std::string_view args_json, std::string* out);
  // The same by the method's position in MethodsJson() (no name lookup per call).
  // `compact`: methods whose MethodsJson row says "compact" answer in the binary form of
  // CompactLayoutJson() instead of JSON (the others ignore it).
  Status CallById(int method_id, std::string_view args_json, std::string* out, bool compact = false);
  // The slot names of the compact answer, in order (wasm/src/compact_answer.h).
  static std::string CompactLayoutJson();
  // The methods Call accepts, in id order: [{"name","namespace" (cache namespace or
  // null),"writes","asOf","compact"}]. The JS wrapper reads its method lists from here.
  static std::string MethodsJson();
  // A method's id, or -1.
  static int MethodId(std::string_view method);

  // The query cache entry behind the last answer (0: not cached), and a hit on such an
  // entry by id: true while it is still valid (the JS side then reuses its parsed copy).
  uint64_t LastEntryId() const;
  bool ProbeCache(uint64_t entry_id);

  // Applies one change batch atomically. `*out` = {"applied":n,"cursor":...}.
  Status ApplyChanges(std::string_view batch_json, std::string* out);

  // The same, in parts, for batches too large to pass as one string: Begin, then each
  // part (a change batch whose change/row positions start at the given offsets), then
  // Commit. Any failing part aborts the whole batch. `rows`: the rows of the part's one
  // columnar change, tokenized (protocol::RowsTag), its text holding `"rows": []`.
  Status BeginChanges();
  Status ApplyChangesPart(std::string_view part_json, int change_offset, int row_offset,
                          std::string_view rows = {});
  Status CommitChanges(std::string* out);
  void AbortChanges();
  // Called by CommitChanges before it builds the indexes a bulk load set aside, with the
  // bytes they will store (estimated from a sample of their entries): a host whose heap
  // grows in costly steps (wasm: V8 collects the whole JS heap at each growth) grows it
  // once for all of them. None by default.
  using MemoryAhead = void (*)(double bytes);
  void SetMemoryAhead(MemoryAhead ahead);

  // A plain SQLite image of the whole database.
  Status ExportDatabase(std::string* image);
  // The same image in pieces of up to 1 MiB, so that exporting never holds a second
  // copy of a database that may be most of the memory (the wasm heap never shrinks):
  // BeginExport gives the image's size, each ExportChunk the next piece (valid until the
  // next call; empty after the last), EndExport ends it. The engine must not be called
  // otherwise between BeginExport and EndExport; a new BeginExport ends an open export.
  Status BeginExport(size_t* size);
  Status ExportChunk(const unsigned char** data, size_t* size);
  void EndExport();
  // The process-wide SQLite settings engines rely on (a page-cache layer, a pool for the
  // journal's chunks, an entropy source), which SQLite accepts only before it initializes:
  // every Engine entry point applies them first; code that calls SQLite itself before the
  // first engine opens (a binding registering a VFS) calls this before. Idempotent.
  static void ConfigureSqlite();
  // An engine over a copy of the image at `path` on `vfs` (read there, never written): a
  // plain in-memory database as Open's new engines are, not an image that every commit
  // writes its pages back into (~9% of a createBooking). The wasm boundary opens
  // snapshots this way, reading the pages from the caller's bytes in JS, so the heap never
  // holds the image beside its copy.
  static Status OpenCopy(const std::string& path, const char* vfs, std::unique_ptr<Engine>* out);
  // An image's bytes [offset, offset + n), as they are read for a database in memory: the
  // header's WAL-mode marks made rollback-journal ones (there is no WAL in memory). A VFS
  // that OpenCopy reads an image through applies it to what it reads.
  static void ReadAsRollbackJournal(unsigned char* bytes, int64_t offset, size_t n);

  // Events raised since the last call, as a JSON array (then cleared).
  std::string TakeEvents();
  // Events raised since the last TakeEvents, built or not.
  size_t PendingEventCount() const;
  // The same count, for a caller that reports it after each call: events only counted
  // (unwanted) are forgotten once reported, as there is nothing for TakeEvents to hand out.
  size_t TakeEventCount();
  // Whether the events are read (on at open). Off, a write still counts its events (a
  // caller saves after any change) but builds no JSON for them: a booking's event carries
  // the booking again, ~3% of a createBooking nobody listens to.
  void SetEventsWanted(bool wanted);

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  // The rest of opening, common to both: schema, checks, cached facts.
  static Status Finish(std::unique_ptr<Impl> impl, std::unique_ptr<Engine>* out);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgestay
