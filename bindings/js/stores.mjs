// Page stores: where an engine opened with openEngine({ store }) keeps its database file.
//
// A store holds two byte files, 'db' (a plain SQLite database) and 'journal' (its rollback
// journal), and is called synchronously by the core's SQLite VFS (bindings/embind/
// edgestay_vfs.cc) for each write, truncate and sync of a transaction; reads are served
// from the engine's memory, so a store is read only once, when the engine opens.
// The protocol (for a custom store):
//   async open()                    before the engine opens (idempotent)
//   size(file) -> bytes             read(file, dst, offset)   fills dst
//   write(file, src, offset)        truncate(file, size)      sync(file)   durable
//   close()                         flushed() -> Promise (optional: write-behind stores)
import { EdgestayError } from './errors.mjs';

const FILES = ['db', 'journal'];

function storageError(message, cause) {
  const e = new EdgestayError('STORAGE', message, { cause: String(cause?.message ?? cause ?? '') });
  if (cause !== undefined) e.cause = cause;
  return e;
}

function checkName(name, what) {
  if (typeof name !== 'string' || name === '') throw new EdgestayError('INVALID_ARGUMENT', `${what} must be a non-empty string`);
}

// Node (and Node kiosks): the database at `path`, its journal at `path`-journal; every
// sync is an fsync.
export function fileStore(path) {
  checkName(path, 'fileStore path');
  let fs = null;
  const fds = {};
  return {
    kind: 'file',
    path,
    async open() {
      if (fs) return;
      try {
        fs = await import('node:fs');
        fds.db = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
        fds.journal = fs.openSync(`${path}-journal`, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
      } catch (e) {
        this.close();
        throw storageError(`cannot open ${path}: ${e.message}`, e);
      }
    },
    size: (file) => fs.fstatSync(fds[file]).size,
    read(file, dst, offset) {
      for (let done = 0; done < dst.length;) {
        const n = fs.readSync(fds[file], dst, done, dst.length - done, offset + done);
        if (n === 0) { dst.fill(0, done); break; }
        done += n;
      }
    },
    write(file, src, offset) {
      for (let done = 0; done < src.length;) done += fs.writeSync(fds[file], src, done, src.length - done, offset + done);
    },
    truncate: (file, size) => fs.ftruncateSync(fds[file], size),
    sync: (file) => fs.fsyncSync(fds[file]),
    close() {
      for (const file of FILES) {
        if (fds[file] !== undefined) fs.closeSync(fds[file]);
        delete fds[file];
      }
      fs = null;
    },
  };
}

// Browsers, in a dedicated worker only (FileSystemSyncAccessHandle): `name`.sqlite and
// `name`.sqlite-journal in the origin private file system. open() takes both handles
// (asynchronous, hence before the engine opens); a handle is exclusive, so a second
// engine on the same name fails to open (use a Web Lock to decide who writes).
export function opfsStore(name) {
  checkName(name, 'opfsStore name');
  const handles = {};
  return {
    kind: 'opfs',
    name,
    async open() {
      if (handles.db) return;
      try {
        const dir = await navigator.storage.getDirectory();
        for (const file of FILES) {
          const fh = await dir.getFileHandle(file === 'db' ? `${name}.sqlite` : `${name}.sqlite-journal`, { create: true });
          handles[file] = await fh.createSyncAccessHandle();
        }
      } catch (e) {
        this.close();
        throw storageError(`cannot open the OPFS store ${name} (it needs a dedicated worker, and one engine per store): ${e.message}`, e);
      }
    },
    size: (file) => handles[file].getSize(),
    read(file, dst, offset) {
      const n = handles[file].read(dst, { at: offset });
      if (n < dst.length) dst.fill(0, n);
    },
    write(file, src, offset) {
      const n = handles[file].write(src, { at: offset });
      if (n !== src.length) throw new Error(`short write (${n} of ${src.length} bytes)`);
    },
    truncate: (file, size) => handles[file].truncate(size),
    sync: (file) => handles[file].flush(),
    close() {
      for (const file of FILES) {
        try { handles[file]?.close(); } catch { /* already closed */ }
        delete handles[file];
      }
    },
  };
}

// Where OPFS sync handles are missing: the database in IndexedDB `name`, as 4 KiB chunks.
// IndexedDB is asynchronous, so the file lives in memory and each sync of the database
// (SQLite syncs it once per commit, after the last page of the transaction) queues one
// IndexedDB transaction with the chunks changed since the previous sync. An IndexedDB
// transaction is atomic, so the stored file is always some committed state; but a commit
// is durable only once flushed() resolves (a crash before that loses the last commits,
// never corrupts). The journal stays in memory: it is not needed to recover.
const CHUNK = 4096;
export function indexedDbStore(name) {
  checkName(name, 'indexedDbStore name');
  let db = null;
  let bytes = new Uint8Array(0);
  let size = 0;
  let journal = new Uint8Array(0);
  const dirty = new Set();
  let queue = Promise.resolve();
  let failure = null;

  const request = (r) => new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const grow = (buf, need) => {
    if (buf.length >= need) return buf;
    const out = new Uint8Array(Math.max(need, buf.length * 2));
    out.set(buf);
    return out;
  };

  return {
    kind: 'indexeddb',
    name,
    async open() {
      if (db) return;
      try {
        const req = indexedDB.open(name, 1);
        req.onupgradeneeded = () => req.result.createObjectStore('chunks');
        db = await request(req);
        const tx = db.transaction('chunks', 'readonly');
        const chunks = tx.objectStore('chunks');
        size = (await request(chunks.get('size'))) ?? 0;
        bytes = new Uint8Array(size);
        const keys = await request(chunks.getAllKeys());
        const values = await request(chunks.getAll());
        keys.forEach((key, i) => {
          if (typeof key === 'number' && key * CHUNK < size) bytes.set(values[i].subarray(0, size - key * CHUNK), key * CHUNK);
        });
      } catch (e) {
        this.close();
        throw storageError(`cannot open the IndexedDB store ${name}: ${e.message ?? e}`, e);
      }
    },
    size: (file) => (file === 'db' ? size : journal.length),
    read(file, dst, offset) {
      const src = file === 'db' ? bytes.subarray(0, size) : journal;
      dst.fill(0);
      dst.set(src.subarray(offset, offset + dst.length));
    },
    write(file, src, offset) {
      if (failure) throw failure;
      if (file === 'journal') {
        const next = grow(journal, offset + src.length).slice(0, Math.max(journal.length, offset + src.length));
        next.set(src, offset);
        journal = next;
        return;
      }
      bytes = grow(bytes, offset + src.length);
      bytes.set(src, offset);
      size = Math.max(size, offset + src.length);
      for (let c = Math.floor(offset / CHUNK); c * CHUNK < offset + src.length; c++) dirty.add(c);
    },
    truncate(file, n) {
      if (file === 'journal') { journal = journal.slice(0, n); return; }
      if (n < size) bytes.fill(0, n, size);
      size = Math.min(size, n);
      dirty.add('size');
    },
    sync(file) {
      if (failure) throw failure;
      if (file !== 'db' || (dirty.size === 0)) return;
      const chunks = [...dirty].filter((c) => c !== 'size').map((c) => [c, bytes.slice(c * CHUNK, (c + 1) * CHUNK)]);
      const total = size;
      const conn = db;
      dirty.clear();
      queue = queue.then(() => new Promise((resolve, reject) => {
        const tx = conn.transaction('chunks', 'readwrite', { durability: 'strict' });
        const store = tx.objectStore('chunks');
        for (const [c, data] of chunks) store.put(data, c);
        store.put(total, 'size');
        tx.oncomplete = () => resolve();
        tx.onerror = tx.onabort = () => {
          failure = storageError(`IndexedDB store ${name} failed: ${tx.error?.message ?? 'aborted'}`, tx.error);
          reject(failure);
        };
      }));
      queue.catch(() => {});
    },
    // Resolves when every commit synced so far is in IndexedDB.
    flushed() {
      return queue.then(() => { if (failure) throw failure; });
    },
    close() {
      const conn = db;
      db = null;
      queue.finally(() => conn?.close());
    },
  };
}
