// The edgestay package: openEngine() and the Engine class over the wasm core.
//
// The wrapper converts arguments to one JSON string per call, turns the core's error
// results into EdgestayError, and fans the core's change events out to listeners. It
// holds no booking logic: every rule lives in the C++ core (wasm/).
import { EdgestayError } from './errors.mjs';
import { argsText, idText, plainId } from './args.mjs';
import { compactDecoder } from './compact.mjs';
import { coreCaller, loadCore } from './loader.mjs';
import { encodeRows } from './rows.mjs';

export { EdgestayError };
export { fileStore, opfsStore, indexedDbStore } from './stores.mjs';

// Rows per part when a large batch object is handed to the core in pieces (keeps the
// JSON string and its parse tree small; the batch is still one transaction).
const PART_ROWS = 50000;
const EVENT_TYPES = new Set(['inventory', 'booking', 'roomType', 'specialDay', 'hotel', 'waitlist', 'sync']);

function toBytes(snapshot) {
  if (snapshot == null) return new Uint8Array(0);
  if (snapshot instanceof Uint8Array) return snapshot;
  if (snapshot instanceof ArrayBuffer) return new Uint8Array(snapshot);
  if (ArrayBuffer.isView(snapshot)) return new Uint8Array(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
  throw new EdgestayError('INVALID_ARGUMENT', 'snapshot must be a Uint8Array or ArrayBuffer');
}

function randomHex(bytes) {
  const buf = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buf);
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Answers the core caches (methods with a cache namespace): the wrapper keeps their parsed
// (frozen) form per entry and reuses it while the core says the entry is still valid (one
// 20 ns probe instead of a JSON round trip). Invalidation stays in the core. Which methods
// are cached, carry asOf or write is read from the core's own method table.
const MEMO_LIMIT = 4096;
const utf8 = new TextDecoder();

function deepFreeze(value) {
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'object' && v !== null) deepFreeze(v);
    }
  } else {
    for (const key in value) {
      const v = value[key];
      if (typeof v === 'object' && v !== null) deepFreeze(v);
    }
  }
  return value;
}

function rowCount(change) {
  return Array.isArray(change?.rows) ? change.rows.length : 1;
}

// The wasm heap for a batch's tokenized rows, grown in as few steps as the rows allow:
// left to itself it grows every few MiB (MEMORY_GROWTH_GEOMETRIC_CAP), and V8 answers every
// growth of wasm memory with a full GC, ~100-180 ms with a load's rows in JS arrays (the
// chain's load grew it 12 times). The core says how much of the heap is free (heapFree: a
// walk of the allocator's chunks, so asked only when the parts sent may have used up what
// was free). The first parts get what their tokens are expected to take, no more: a batch
// refused early has not grown the heap (which never shrinks) by the whole load. Once
// enough tokens are stored to tell what a token byte takes in the heap, the first part
// that does not fit has the heap grown once for every row still to come, at that rate.
// A batch whose tokenized rows make one part (a sync client's page) is left to the heap's
// own steps: it grows it by a step or none, and the chunk walk (~7 ms on the chain's heap)
// would cost more than a 5,000-row page's whole load (~17 ms). (A commit's index builds
// get theirs from the core: Engine::SetMemoryAhead.)
const STORED_PER_TOKEN_BYTE = 3 / 4;  // a guess, until parts are measured (inventory: 0.83)
const MEASURED_TOKENS = 1 << 19;      // token bytes whose growth of the heap tells the rate
const RESERVE_MARGIN = 1.02;
function heapReserver(core, heapSize, changes) {
  if (changes.reduce((n, c) => n + (tokenized(c) ? c.rows.length : 0), 0) <= PART_ROWS) return () => {};
  let ahead = 0;  // token bytes of the rows not yet sent (estimated from a sample)
  for (const change of changes) {
    if (!tokenized(change)) continue;
    const sample = encodeRows(change.rows, 0, 64);
    if (sample) ahead += (sample.length / 64) * change.rows.length;
  }
  let rate = 0;  // heap bytes a token byte took, over the parts last measured
  let spare = 0;  // free at the last look, less what the parts sent since were expected to take
  let buffer = 0;  // the core's text buffer: it holds the largest part, kept from part to part
  let since = null;  // the parts sent since the last look: { tokens, used before them }
  return (tokenBytes) => {
    let need = tokenBytes * (rate || STORED_PER_TOKEN_BYTE) * RESERVE_MARGIN;
    if (!rate || spare < need) {
      const free = core.heapFree();
      const used = heapSize() - free;
      if (since && since.tokens >= MEASURED_TOKENS) rate = Math.max((used - since.used) / since.tokens, 0);
      need = tokenBytes * (rate || STORED_PER_TOKEN_BYTE) * RESERVE_MARGIN;
      spare = free;
      if (free < need) {
        const grant = rate ? Math.max(need, ahead * rate * RESERVE_MARGIN) : need;
        core.reserveHeap(grant);
        spare = grant;
      }
      if (!since || since.tokens >= MEASURED_TOKENS) since = { tokens: 0, used };
    }
    // The text buffer's growth for this part is not the rows'.
    const grown = Math.max(tokenBytes - buffer, 0);
    buffer += grown;
    since.used += grown;
    since.tokens += tokenBytes;
    spare -= need;
    ahead = Math.max(ahead - tokenBytes, 0);
  };
}

// A columnar upsert large enough that its rows go to the core as tokens (rows.mjs), not
// as JSON text: a load's tables, a sync's pages.
const TOKENIZED_ROWS = 256;
function tokenized(change) {
  return change?.op === 'upsert' && Array.isArray(change.columns) && Array.isArray(change.rows) &&
    change.rows.length >= TOKENIZED_ROWS;
}

export async function openEngine(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new EdgestayError('INVALID_ARGUMENT', 'openEngine options must be an object');
  }
  const { now = Date.now, persistence = null, maxStalenessSeconds = null } = options;
  if (typeof now !== 'function') throw new EdgestayError('INVALID_ARGUMENT', 'now must be a function returning ms');
  if (maxStalenessSeconds !== null && !(typeof maxStalenessSeconds === 'number' && maxStalenessSeconds > 0 && Number.isFinite(maxStalenessSeconds))) {
    throw new EdgestayError('INVALID_ARGUMENT', 'maxStalenessSeconds must be a positive number of seconds (or null)',
      { field: 'maxStalenessSeconds' });
  }
  let snapshot = options.snapshot;
  if (snapshot == null && persistence?.load) snapshot = await persistence.load();
  // wasmModule: a compiled WebAssembly.Module (what workerd and bundlers hand a worker).
  const coreOptions = options.wasmModule === undefined ? options.module : { ...options.module, wasmModule: options.wasmModule };
  const module = await loadCore(coreOptions ?? {});
  const store = options.store == null ? null : await attachStore(module, options.store, persistence);
  const core = new module.Core();
  const error = store ? core.openStore(toBytes(snapshot), store.id) : openInMemory(module, core, toBytes(snapshot));
  if (error) {
    core.delete();
    store?.detach();
    throw EdgestayError.fromJson(error);
  }
  core.setEntropy(randomHex(8));
  const engine = new Engine(core, { now, persistence, maxStalenessSeconds, store, calls: coreCaller(module, core) });
  if (options.cache !== undefined) engine.configureCache(options.cache);
  return engine;
}

// A snapshot is copied page by page from the caller's bytes into the engine's in-memory
// database (the core reads them through its VFS while it opens): the wasm heap holds the
// database once, never the image beside it.
let nextSnapshotId = 1;
function openInMemory(module, core, bytes) {
  if (!bytes.length) return core.open(bytes);
  const id = nextSnapshotId++;
  module.edgestaySnapshots ??= new Map();
  module.edgestaySnapshots.set(id, bytes);
  try {
    return core.openSnapshot(id);
  } finally {
    module.edgestaySnapshots.delete(id);
  }
}

// Opens a page store (bindings/js/stores.mjs) and registers it with the module under a new
// id for the core's VFS, behind an adapter that counts what the store is given.
let nextStoreId = 1;
async function attachStore(module, store, persistence) {
  if (persistence) throw new EdgestayError('INVALID_ARGUMENT', 'store and persistence cannot be combined');
  const needed = ['size', 'read', 'write', 'truncate', 'sync', 'close'];
  if (typeof store !== 'object' || needed.some((m) => typeof store[m] !== 'function')) {
    throw new EdgestayError('INVALID_ARGUMENT', `store must be a page store (fileStore, opfsStore, indexedDbStore) with ${needed.join(', ')}`,
      { field: 'store' });
  }
  await store.open?.();
  const files = ['db', 'journal'];
  const stats = { bytesWritten: 0, writes: 0, syncs: 0 };
  const id = nextStoreId++;
  const guard = (fn) => (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      stats.lastError = String(e?.message ?? e);
      throw e;
    }
  };
  module.edgestayStores ??= new Map();
  module.edgestayStores.set(id, {
    size: guard((k) => store.size(files[k])),
    read: guard((k, dst, offset) => store.read(files[k], dst, offset)),
    write: guard((k, src, offset) => {
      store.write(files[k], src, offset);
      stats.bytesWritten += src.length;
      stats.writes++;
    }),
    truncate: guard((k, size) => store.truncate(files[k], size)),
    sync: guard((k) => {
      store.sync(files[k]);
      stats.syncs++;
    }),
  });
  return {
    id,
    store,
    stats,
    detach() {
      module.edgestayStores.delete(id);
      store.close();
    },
  };
}

export class Engine {
  #core;
  #now;
  #listeners = new Map();
  #eventsWanted = true;   // the core's default; off from the constructor until a listener comes
  #persistence;
  #store;
  #saveTimer = null;
  #memo = new Map();
  #asOf;
  #maxStalenessMs;
  #methods = new Map();  // name -> { id, memo, asOf, writes, compact }
  #decodeAt = null;       // the hot answers come back binary (compact.mjs)
  #calls;                 // the per-call boundary (loader.mjs coreCaller): invoke, probe, status words

  constructor(core, { now, persistence, maxStalenessSeconds = null, store = null, calls }) {
    this.#core = core;
    this.#store = store;
    JSON.parse(core.methods()).forEach((m, id) => {
      this.#methods.set(m.name, { id, memo: m.namespace !== null, asOf: m.asOf, writes: m.writes, compact: m.compact === true });
    });
    if ([...this.#methods.values()].some((m) => m.compact)) this.#decodeAt = compactDecoder(core.compactLayout()).decodeAt;
    this.#calls = calls;
    this.#now = now;
    this.#persistence = persistence;
    this.#maxStalenessMs = maxStalenessSeconds === null ? null : maxStalenessSeconds * 1000;
    this.#listen();
    this.#asOf = this.#call('asOf', {});
  }

  #live() {
    if (!this.#core) throw new EdgestayError('ENGINE_CLOSED', 'the engine is closed');
    this.#core.setNow(this.#now());
    return this.#core;
  }

  #call(method, args) {
    if (!this.#core) throw new EdgestayError('ENGINE_CLOSED', 'the engine is closed');
    return this.#run(method, argsText(args));
  }

  // A method of one id argument ({ [key]: id }): a plain id's text is written by the
  // boundary itself (coreCaller's callId), and made as a string only for the memo.
  #callId(method, key, id) {
    if (!this.#core) throw new EdgestayError('ENGINE_CLOSED', 'the engine is closed');
    return plainId(id) ? this.#run(method, null, key, id) : this.#run(method, idText(key, id));
  }

  // The call of `method` with the argument text `text` (args.mjs), or when it is null
  // with the text idText(key, id).
  #run(method, text, key, id) {
    const spec = this.#methods.get(method);
    // Built only when there is something to look up or keep (hashing it costs ~0.1 us).
    if (text === null && spec.memo && this.#memo.size > 0) text = idText(key, id);
    let memoKey = spec.memo && this.#memo.size > 0 ? `${method}\u0000${text}` : null;
    if (memoKey !== null) {
      const hit = this.#memo.get(memoKey);
      if (hit !== undefined) {
        const valid = this.#calls.probe(hit.id, this.#now());
        if (this.#calls.events() > 0) this.#afterWrite();  // the probe may have expired holds
        if (valid) {
          if (!hit.asOf || hit.asOfRef === this.#asOf) return hit.value;
          // Still valid after a batch that did not touch it: as fresh as the newest cursor.
          const asOf = this.#asOf;
          hit.value = Array.isArray(hit.value)
            ? Object.freeze(hit.value.map((a) => Object.freeze({ ...a, asOf })))
            : Object.freeze({ ...hit.value, asOf });
          hit.asOfRef = asOf;
          return hit.value;
        }
        this.#memo.delete(memoKey);
      }
    }
    const compact = spec.compact && this.#decodeAt !== null;
    // The answer lies in wasm memory: decoded before any other call into the core.
    const calls = this.#calls;
    if (text === null) calls.callId(spec.id, key, id, this.#now(), compact);
    else calls.call(spec.id, text, this.#now(), compact);
    const failed = calls.failed();
    const events = calls.events();
    const entry = calls.entryId();
    let out = null;
    let value;
    if (compact && !failed) value = this.#decodeAt(calls.heapU8(), calls.heapF64(), calls.answerAt());
    else out = utf8.decode(calls.answer());
    // Any call may have expired holds; writes always raise events.
    if (events > 0) this.#afterWrite();
    if (failed) throw this.#failure(out);
    if (spec.writes) this.#scheduleSave();
    if (out !== null) value = JSON.parse(out);
    if (spec.memo && entry > 0) {
      memoKey ??= `${method}\u0000${text ?? idText(key, id)}`;
      if (this.#memo.size >= MEMO_LIMIT) this.#memo.delete(this.#memo.keys().next().value);
      const asOf = spec.asOf;
      // Equal content; the wrapper's own object, so a hit can compare by identity.
      if (asOf && Array.isArray(value)) for (const a of value) a.asOf = this.#asOf;
      else if (asOf) value.asOf = this.#asOf;
      this.#memo.set(memoKey, { id: entry, value: deepFreeze(value), asOf, asOfRef: this.#asOf });
    }
    return value;
  }

  // The answer of a write, decoded from its view into wasm memory; throws its error.
  #check(view) {
    const out = utf8.decode(view);
    if (this.#core.failed()) throw this.#failure(out);
    return out;
  }

  // A failed call's error; a store failure says what the store threw.
  #failure(json) {
    const e = EdgestayError.fromJson(json);
    if (e.code === 'STORAGE' && this.#store?.stats.lastError) e.details.cause ??= this.#store.stats.lastError;
    return e;
  }


  // ---- staleness contract ----------------------------------------------------------
  // The engine is stale when its last successful sync (asOf.syncedAt, the centre's clock
  // when the batch was cut) is older than maxStalenessSeconds, or when it never synced.
  // Checked at every call against the engine's clock: time alone makes an answer stale,
  // so it cannot live in the cached answers.
  isStale() {
    if (this.#maxStalenessMs === null) return false;
    const at = this.#asOf.syncedAt;
    return at === null || at === undefined || this.#now() - at > this.#maxStalenessMs;
  }

  #flagStale(value) {
    if (!this.isStale()) return value;
    const keep = Object.isFrozen(value) ? Object.freeze : (v) => v;  // cached answers stay frozen
    if (Array.isArray(value)) return keep(value.map((a) => keep({ ...a, stale: true })));
    return keep({ ...value, stale: true });
  }

  // ---- queries -------------------------------------------------------------------
  getRoomTypes(hotelId) { return this.#callId('getRoomTypes', 'hotelId', hotelId); }
  checkRoomAvailability(query) { return this.#flagStale(this.#call('checkRoomAvailability', query)); }
  getAllRoomAvailability(query) { return this.#flagStale(this.#call('getAllRoomAvailability', query)); }
  batchCheckAvailability(queries, options = {}) {
    if (options === null || typeof options !== 'object') {
      throw new EdgestayError('INVALID_ARGUMENT', 'options must be an object');
    }
    return this.#flagStale(this.#call('batchCheckAvailability', { nightly: options.nightly, queries }));
  }
  getCalendar(query) { return this.#flagStale(this.#call('getCalendar', query)); }
  getUserBookingsWithRoomType(userId, options = {}) {
    if (options === null || typeof options !== 'object') {
      throw new EdgestayError('INVALID_ARGUMENT', 'options must be an object');
    }
    return this.#call('getUserBookingsWithRoomType', { ...options, userId });
  }
  getBookingStatistics(query) { return this.#call('getBookingStatistics', query); }
  getOccupancyRate(query) { return this.#call('getOccupancyRate', query); }
  getBookingRules(hotelId) { return this.#callId('getBookingRules', 'hotelId', hotelId); }
  getSpecialDays(query) { return this.#call('getSpecialDays', query); }

  // The sync position every answer's asOf reports: { cursor, syncedAt }.
  asOf() { return { ...this.#asOf }; }

  // ---- query cache ---------------------------------------------------------------
  cacheStats() { return this.#call('cacheStats', {}); }
  clearCache() {
    this.#memo.clear();
    return this.#call('clearCache', {});
  }
  configureCache(cache) {
    const config = cache === false ? { enabled: false } : cache === true ? { enabled: true } : cache;
    if (config === null || typeof config !== 'object') {
      throw new EdgestayError('INVALID_ARGUMENT', 'cache must be false, true or { maxEntries, maxBytes, ttlMs }');
    }
    this.#memo.clear();
    return this.#call('configureCache', config);
  }

  // ---- booking lifecycle (local writes; each also appends to the outbox) ----------
  // Outside a lease a local booking is PENDING_SYNC; a stale engine says so too (stale: true).
  // Inside one of the node's active leases it is CONFIRMED at once: certain, never stale.
  createBooking(booking) {
    const made = this.#call('createBooking', booking);
    return made.status === 'CONFIRMED' ? made : this.#flagStale(made);
  }
  cancelBooking(bookingId) { return this.#callId('cancelBooking', 'bookingId', bookingId); }
  confirmHold(bookingId) { return this.#callId('confirmHold', 'bookingId', bookingId); }
  joinWaitlist(entry) { return this.#call('joinWaitlist', entry); }
  pendingMutations() { return this.#call('pendingMutations', {}); }
  applyPushResults(results) {
    const list = Array.isArray(results) ? results : results?.results;
    return this.#call('applyPushResults', { results: list ?? null });
  }
  getDueNotifications(options = {}) { return this.#call('getDueNotifications', options); }
  markNotifications(ids, status = 'SENT') { return this.#call('markNotifications', { ids, status }); }

  // ---- allotment leases (sync/FORMAT.md §9) -----------------------------------------
  // The hotel's leases this node holds become exactly the ACTIVE ones given (the centre's
  // lease objects); a lease is used locally until expiresAt - skewSeconds (default 60).
  setLeases(hotelId, leases, { skewSeconds } = {}) {
    return this.#call('setLeases', { hotelId, leases, skewSeconds });
  }
  // The node's leases with the units its own bookings left per night.
  leases(hotelId) { return this.#callId('leases', 'hotelId', hotelId); }

  // ---- integrity (sync/FORMAT.md §6) ------------------------------------------------
  // Checksums per (room type, month) of the replicated rows, as the centre computes them.
  rangeChecksums(query) { return this.#call('rangeChecksums', query); }
  // Replaces one range by the centre's rows for it (its repair answer), atomically.
  repairRange(batch) {
    const result = this.#call('repairRange', batch);
    this.#asOf = { cursor: result.cursor, syncedAt: result.syncedAt };
    this.#emit('sync', result);
    return result;
  }

  // Rolling window: drops what lies outside the whole months around today (sync/FORMAT.md §8).
  pruneWindow(window) { return this.#call('pruneWindow', window); }

  // EXPLAIN QUERY PLAN of every statement the engine has prepared so far (perf tools).
  explainQueries() { return this.#call('explainQueries', {}); }

  // ---- writes --------------------------------------------------------------------
  applyChanges(batch) {
    const core = this.#live();
    let result;
    if (typeof batch === 'string') {
      result = JSON.parse(this.#check(core.applyChanges(this.#calls.putText(batch))));
    } else if (batch !== null && typeof batch === 'object' && !Array.isArray(batch)) {
      const changes = batch.changes;
      const total = Array.isArray(changes) ? changes.reduce((n, c) => n + rowCount(c), 0) : 0;
      if (total <= PART_ROWS && !(Array.isArray(changes) && changes.some(tokenized))) {
        result = JSON.parse(this.#check(core.applyChanges(this.#calls.putText(JSON.stringify(batch)))));
      } else {
        result = this.#applyInParts(core, batch);
      }
    } else {
      throw new EdgestayError('INVALID_BATCH', 'a change batch must be an object or a JSON string');
    }
    this.#asOf = { cursor: result.cursor, syncedAt: result.syncedAt };
    this.#afterWrite();
    this.#emit('sync', result);
    return result;
  }

  #applyInParts(core, batch) {
    const { changes, ...header } = batch;
    const part = (list) => this.#calls.putText(JSON.stringify({ ...header, changes: list }));
    this.#check(core.beginChanges());
    const reserve = heapReserver(core, () => this.#calls.heapU8().length, changes);
    try {
      let group = [];
      let groupStart = 0;
      let groupRows = 0;
      const flush = () => {
        if (group.length) this.#check(core.applyChangesPart(part(group), groupStart, 0));
        group = [];
        groupRows = 0;
      };
      changes.forEach((change, i) => {
        const rows = rowCount(change);
        if (rows > PART_ROWS || tokenized(change)) {
          flush();
          // Each slice as tokens after the change's shape (rows.mjs), or as text when
          // some value needs JSON to say what it is.
          const shape = tokenized(change) ? JSON.stringify({ ...header, changes: [{ ...change, rows: [] }] }) : null;
          for (let r = 0; r < rows; r += PART_ROWS) {
            const end = Math.min(rows, r + PART_ROWS);
            const tokens = shape && encodeRows(change.rows, r, end);
            if (tokens) {
              reserve(tokens.length);
              this.#check(core.applyRowsPart(this.#calls.putTextAndRows(shape, tokens), tokens.length, i, r));
            } else {
              const slice = { ...change, rows: change.rows.slice(r, end) };
              this.#check(core.applyChangesPart(part([slice]), i, r));
            }
          }
          groupStart = i + 1;
          return;
        }
        if (groupRows + rows > PART_ROWS) {
          flush();
          groupStart = i;
        }
        if (!group.length) groupStart = i;
        group.push(change);
        groupRows += rows;
      });
      flush();
    } catch (e) {
      core.abortChanges();
      throw e;
    }
    return JSON.parse(this.#check(core.commitChanges()));
  }

  // ---- database image ------------------------------------------------------------
  // In pieces of up to 1 MiB copied out of wasm memory: the wasm heap, which never
  // shrinks, never holds a second copy of the database.
  exportDatabase() {
    const core = this.#live();
    const size = core.exportBegin();
    if (core.failed()) throw EdgestayError.fromJson(size);
    try {
      const image = new Uint8Array(size);
      for (let at = 0; ;) {
        const piece = core.exportChunk();  // a view into wasm memory, valid until the next call
        if (core.failed()) throw EdgestayError.fromJson(piece);
        if (piece.length === 0) return image;
        image.set(piece, at);
        at += piece.length;
      }
    } finally {
      core.exportEnd();
    }
  }

  async persist() {
    if (!this.#persistence?.save) throw new EdgestayError('INVALID_ARGUMENT', 'no persistence.save configured');
    clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    await this.#persistence.save(this.exportDatabase());
  }

  // What the page store was given so far ({ bytesWritten, writes, syncs, lastError? });
  // null without a store.
  storageStats() {
    return this.#store ? { ...this.#store.stats } : null;
  }

  // Resolves when every committed write is durable in the store (at once for synchronous
  // stores; indexedDbStore writes behind).
  async flushed() {
    await this.#store?.store.flushed?.();
  }

  // ---- events --------------------------------------------------------------------
  on(type, listener) {
    if (!EVENT_TYPES.has(type)) throw new EdgestayError('INVALID_ARGUMENT', `unknown event '${type}'`);
    if (typeof listener !== 'function') throw new EdgestayError('INVALID_ARGUMENT', 'listener must be a function');
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(listener);
    this.#listen();
    return () => {
      this.#listeners.get(type)?.delete(listener);
      this.#listen();
    };
  }

  // The core builds its events only while someone listens ('sync' is the wrapper's own):
  // a booking's event carries the booking again, ~3% of a createBooking nobody heard.
  #listen() {
    let wanted = false;
    for (const [type, set] of this.#listeners) if (type !== 'sync' && set.size > 0) wanted = true;
    if (wanted !== this.#eventsWanted && this.#core) {
      this.#core.setEventsWanted(wanted);
      this.#eventsWanted = wanted;
    }
  }

  #emit(type, payload) {
    const set = this.#listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (e) {
        queueMicrotask(() => { throw e; });  // a listener's bug must not undo a committed write
      }
    }
  }

  #afterWrite() {
    // Unheard, the core only counted the events and forgot them once the status words
    // reported the count (Engine::TakeEventCount): nothing to take.
    if (this.#eventsWanted) {
      const events = JSON.parse(utf8.decode(this.#core.takeEvents()));  // a view: decode now
      for (const { type, ...payload } of events) this.#emit(type, payload);
    }
    this.#scheduleSave();
  }

  // Debounced persistence.save after every write (events or not: joining a waitlist or
  // marking notifications changes the database without a change event).
  #scheduleSave() {
    if (this.#persistence?.save && this.#persistence.autoSaveMs !== 0) {
      clearTimeout(this.#saveTimer);
      this.#saveTimer = setTimeout(() => {
        this.#saveTimer = null;
        if (this.#core) Promise.resolve(this.#persistence.save(this.exportDatabase())).catch(() => {});
      }, this.#persistence.autoSaveMs ?? 1000);
      this.#saveTimer.unref?.();
    }
  }

  close() {
    if (!this.#core) return;
    clearTimeout(this.#saveTimer);
    this.#core.delete();  // closes the database (and its store files) first
    this.#core = null;
    this.#store?.detach();
    this.#listeners.clear();
  }
}
