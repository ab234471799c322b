// A SQLite VFS for the server's durable store that writes a transaction's WAL frames in a
// few large pwrites instead of two per frame (docs/SERVER.md, "Fewer wake-ups and writes
// per push on SQLite").
//
// SQLite writes each WAL frame as two pwrites (its 24-byte header, then the page) and a
// group commit writes dozens of frames: on the push path those pwrites were ~16 % of the
// server's CPU. This VFS wraps the default one and, for WAL files only, holds contiguous
// writes in memory; any other call on the file (sync, read, size, truncate, close, file
// control...) first writes what it holds, in order. So the file is exactly the unbatched
// one at every call except between two writes.
//
// Only valid with `PRAGMA synchronous = FULL` (the durable store): SQLite then syncs the
// WAL at every commit BEFORE it publishes the new frames to other connections (the
// wal-index header), so no reader can look for a frame that is still held here. With
// NORMAL there is no sync at commit and readers could miss frames: never use it there.
#pragma once

namespace edgestay::server {

// Registers the VFS once (not as the default) and returns its name for sqlite3_open_v2.
const char* WalBatchVfsName();

}  // namespace edgestay::server
