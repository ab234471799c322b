// The engine of the widget and the kiosk, in a module worker: the wasm loads and every
// query runs off the page's main thread. The page talks to it with small messages
// ({ id, op, args } -> { id, ok, value | error }) and hears events ({ event, ... }).
//
// store 'memory' (widget): bootstrap from the server at each start, nothing kept.
// store 'opfs'   (kiosk):  the database is a SQLite file in the origin private file system,
//                           written page by page by the package's opfsStore (indexedDbStore
//                           where OPFS sync access handles are missing): every write is
//                           durable when the engine call returns, so a booking shown as
//                           taken is on disk; a Web Lock lets one tab write the store.
import { openEngine, opfsStore, indexedDbStore, EdgestayError } from '../../bindings/js/index.mjs';
import { SyncClient } from '../../sync/client/index.mjs';

let engine = null;
let sync = null;
let config = null;
let readOnly = false;
let online = false;
let lastError = null;
const rejections = new Map();  // local booking id -> { reason, message } from a push result
const saveTimes = [];   // ms per booking commit (createBooking, durable on return)
const saveBytes = [];   // bytes the store was given per booking commit

const post = (msg) => self.postMessage(msg);

// ---- the store -------------------------------------------------------------------------
// The writing tab opens the store page by page; a read-only tab (another tab holds the
// lock, and with it the OPFS access handles) starts from a copy of the file read through
// getFile(), in memory, and follows the centre.
async function openWriter(name) {
  try {
    return { engine: await openEngine({ store: opfsStore(name) }), kind: 'opfs' };
  } catch (e) {
    if (typeof FileSystemFileHandle !== 'undefined' && 'createSyncAccessHandle' in FileSystemFileHandle.prototype) throw e;
    // No OPFS sync access handles here: IndexedDB, written behind (see docs/KIOSK.md).
    return { engine: await openEngine({ store: indexedDbStore(name) }), kind: 'indexeddb' };
  }
}

async function readCopy(name) {
  try {
    const dir = await navigator.storage.getDirectory();
    const file = await (await dir.getFileHandle(`${name}.sqlite`)).getFile();
    return file.size ? new Uint8Array(await file.arrayBuffer()) : null;
  } catch {
    return null;  // no file yet, or not readable while the writer holds it: start empty
  }
}

async function openReader(name) {
  const snapshot = await readCopy(name);
  try {
    return await openEngine({ snapshot });
  } catch {
    return openEngine({});  // a copy taken mid-commit: follow the centre from scratch
  }
}

// Commits are durable on return; a write-behind store (IndexedDB) is waited for.
function durable() {
  return engine && !readOnly ? engine.flushed() : Promise.resolve();
}

function quantile(values, q) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

// ---- one writer per store --------------------------------------------------------------
function takeLock(name) {
  if (!navigator.locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    navigator.locks.request(`edgestay-store:${name}`, { ifAvailable: true }, (lock) => {
      resolve(!!lock);
      return lock ? new Promise(() => {}) : undefined;  // held until the worker ends
    });
  });
}

// ---- sync ------------------------------------------------------------------------------
// Reads push results on their way to the engine, so a REJECTED booking can say why.
function recordingFetch(base) {
  return async (url, init) => {
    const res = await base(url, init);
    if (init?.method === 'POST' && String(url).endsWith('/mutations') && res.ok) {
      try {
        const sent = JSON.parse(init.body).mutations;
        const results = (await res.clone().json()).results ?? [];
        for (const r of results) {
          if (r.status !== 'rejected') continue;
          const m = sent.find((x) => x.seq === r.seq);
          if (m?.args?.localId) rejections.set(m.args.localId, { reason: r.reason, message: r.message });
        }
      } catch { /* the engine reports a bad answer itself */ }
    }
    return res;
  };
}

function setOnline(value, error = null) {
  lastError = error ? String(error.message ?? error) : null;
  if (value !== online || error) {
    online = value;
    postStatus();
  }
}

function outboxCount() {
  return engine && !readOnly ? engine.pendingMutations().mutations.length : 0;
}

function postStatus() {
  post({ event: 'status', online, outbox: outboxCount(), readOnly, lastError });
}

// ---- events to the page -----------------------------------------------------------------
let changedKinds = new Set();
function changed(kind) {
  if (changedKinds.size === 0) {
    queueMicrotask(() => {
      const kinds = [...changedKinds];
      changedKinds = new Set();
      post({ event: 'changed', kinds, asOf: engine?.asOf() });
    });
  }
  changedKinds.add(kind);
}

function withReason(b) {
  const r = rejections.get(b.id);
  return r ? { ...b, rejectReason: r.reason, rejectMessage: r.message } : b;
}

// ---- operations -------------------------------------------------------------------------
function writerOnly() {
  if (readOnly) throw new EdgestayError('READ_ONLY', 'another tab or window is the kiosk for this store; this one is read-only');
}

const ops = {
  async init(opts) {
    if (engine) throw new EdgestayError('INVALID_STATE', 'already initialised');
    config = { store: 'memory', storeName: `hotel-${opts.hotelId}`, waitSeconds: 55, ...opts };
    const t0 = performance.now();
    if (config.store === 'opfs') {
      readOnly = !(await takeLock(config.storeName));
      if (readOnly) {
        engine = await openReader(config.storeName);
      } else {
        const opened = await openWriter(config.storeName);
        engine = opened.engine;
        config.store = opened.kind;
      }
    } else {
      engine = await openEngine({});
    }
    const openMs = performance.now() - t0;
    for (const kind of ['inventory', 'roomType', 'specialDay', 'hotel']) engine.on(kind, () => changed(kind));
    engine.on('booking', (e) => {
      changed('booking');
      post({ event: 'booking', bookings: e.bookings.map(withReason) });
      postStatus();
    });
    sync = new SyncClient(engine, {
      baseUrl: config.server,
      hotelId: config.hotelId,
      token: config.token,
      fetch: recordingFetch(globalThis.fetch.bind(globalThis)),
      waitSeconds: config.waitSeconds,
      maxBackoffMs: 5000,
    });
    sync.on('sync', () => { setOnline(true); postStatus(); });
    sync.on('error', ({ error }) => setOnline(false, error));
    const t1 = performance.now();
    let hasData = engine.asOf().cursor !== null;
    try {
      if (readOnly) await sync.pull();
      else await sync.syncOnce();
      online = true;
      hasData = true;
    } catch (e) {
      lastError = String(e.message ?? e);
      if (!hasData) throw e;  // nothing to show without a first sync
    }
    // A store that kept leases through a restart asks the centre for their state (a renewal
    // or release made elsewhere); an engine without leases (every plain widget) asks nothing.
    if (!readOnly && online && sync.leases().length > 0) await sync.refreshLeases().catch(() => {});
    const syncMs = performance.now() - t1;
    await durable();
    // A read-only tab follows the centre but never pushes: the writing tab owns the outbox.
    sync.start({ push: !readOnly });
    // The network is back: push the outbox now rather than after the backoff.
    self.addEventListener('online', () => { if (!readOnly) sync.syncOnce().catch(() => {}); });
    self.addEventListener('offline', () => setOnline(false));
    return {
      roomTypes: engine.getRoomTypes(config.hotelId),
      rules: engine.getBookingRules(config.hotelId),
      asOf: engine.asOf(),
      readOnly,
      online,
      outbox: outboxCount(),
      timings: { openMs, syncMs },
    };
  },
  calendar: ({ from, days }) => engine.getCalendar({ hotelId: config.hotelId, from, days }),
  stay: ({ checkIn, checkOut, rooms = 1 }) => engine.getAllRoomAvailability({ hotelId: config.hotelId, checkIn, checkOut, rooms }),
  roomTypes: () => engine.getRoomTypes(config.hotelId),
  async book(args) {
    writerOnly();
    const t0 = performance.now();
    const bytes0 = engine.storageStats()?.bytesWritten ?? 0;
    const booking = engine.createBooking({ ...args, hotelId: config.hotelId });
    await durable();  // durable before the guest sees it as taken
    if (engine.storageStats()) {
      saveTimes.push(performance.now() - t0);
      saveBytes.push(engine.storageStats().bytesWritten - bytes0);
      if (saveTimes.length > 1000) { saveTimes.shift(); saveBytes.shift(); }
    }
    postStatus();
    if (online || navigator.onLine) sync.syncOnce().catch(() => {});
    return booking;
  },
  // Allotment leases: rooms the centre sets aside for this kiosk; a booking inside one is
  // CONFIRMED at once, even offline (the engine decides; these only ask the centre).
  leases: () => sync.leases(),
  async reserve({ roomTypeId, from, to, rooms, hours }) {
    writerOnly();
    const lease = await sync.requestLease({ roomTypeId, from, to, rooms, ttlSeconds: Math.round(hours * 3600) });
    await durable();
    return lease;
  },
  async release({ id }) {
    writerOnly();
    const lease = await sync.releaseLease(id);
    await durable();
    return lease;
  },
  bookings: ({ userId, status }) => engine.getUserBookingsWithRoomType(userId, status ? { status } : {}).map(withReason),
  status: () => ({
    online, outbox: outboxCount(), readOnly, lastError, store: config?.store,
    saves: saveTimes.length,
    saveMsP50: quantile(saveTimes, 0.5),
    saveMsP95: quantile(saveTimes, 0.95),
    saveBytesP50: quantile(saveBytes, 0.5),
    saveBytesMax: saveBytes.length ? Math.max(...saveBytes) : null,
  }),
  async syncNow() {
    if (readOnly) return sync.pull();
    return sync.syncOnce();
  },
  exportImage: () => engine.exportDatabase(),
};

self.onmessage = async (e) => {
  const { id, op, args } = e.data ?? {};
  try {
    if (!ops[op]) throw new EdgestayError('INVALID_ARGUMENT', `unknown operation ${op}`);
    if (op !== 'init' && !engine) throw new EdgestayError('INVALID_STATE', 'the engine is not initialised yet');
    const value = await ops[op](args ?? {});
    post({ id, ok: true, value });
  } catch (err) {
    post({ id, ok: false, error: { code: err.code ?? 'INTERNAL', message: String(err.message ?? err), details: err.details ?? null } });
  }
};
