// The engine of the widget and the kiosk, in a module worker: the wasm loads and every
// query runs off the page's main thread. The page talks to it with small messages
// ({ id, op, args } -> { id, ok, value | error }) and hears events ({ event, ... }).
//
// store 'memory' (widget): bootstrap from the server at each start, nothing kept.
// store 'opfs'   (kiosk):  the database image lives in the origin private file system;
//                           every write is saved before it is answered (a booking shown as
//                           taken is on disk), and a Web Lock lets one tab write the store.
import { openEngine, EdgestayError } from '../../bindings/js/index.mjs';
import { SyncClient } from '../../sync/client/index.mjs';

let engine = null;
let sync = null;
let config = null;
let readOnly = false;
let online = false;
let lastError = null;
const rejections = new Map();  // local booking id -> { reason, message } from a push result
const saveTimes = [];

const post = (msg) => self.postMessage(msg);

// ---- the OPFS image store ------------------------------------------------------------
// createWritable() writes to a side file and swaps it in on close(): a kill mid-save
// leaves the previous image, never a torn one.
async function opfsFile(name, create) {
  const dir = await navigator.storage.getDirectory();
  return dir.getFileHandle(`${name}.sqlite`, { create });
}

async function opfsLoad(name) {
  try {
    const file = await (await opfsFile(name, false)).getFile();
    return file.size ? new Uint8Array(await file.arrayBuffer()) : null;
  } catch (e) {
    if (e?.name === 'NotFoundError') return null;
    throw e;
  }
}

async function opfsSave(name, image) {
  const out = await (await opfsFile(name, true)).createWritable();
  await out.write(image);
  await out.close();
}

// One save at a time; a write during a save asks for one more. flush() resolves when
// everything written before the call is on disk.
let saving = null;
let dirty = false;
function requestSave() {
  if (!config || config.store !== 'opfs' || readOnly) return Promise.resolve();
  dirty = true;
  if (!saving) {
    saving = (async () => {
      try {
        while (dirty) {
          dirty = false;
          const t0 = performance.now();
          await engine.persist();
          saveTimes.push(performance.now() - t0);
          if (saveTimes.length > 1000) saveTimes.shift();
        }
      } finally {
        saving = null;
      }
    })();
  }
  return saving;
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
const ops = {
  async init(opts) {
    if (engine) throw new EdgestayError('INVALID_STATE', 'already initialised');
    config = { store: 'memory', storeName: `hotel-${opts.hotelId}`, waitSeconds: 55, ...opts };
    const t0 = performance.now();
    let persistence = null;
    if (config.store === 'opfs') {
      readOnly = !(await takeLock(config.storeName));
      persistence = { load: () => opfsLoad(config.storeName), save: (image) => opfsSave(config.storeName, image), autoSaveMs: 0 };
    }
    engine = await openEngine({ persistence });
    const openMs = performance.now() - t0;
    for (const kind of ['inventory', 'roomType', 'specialDay', 'hotel']) engine.on(kind, () => changed(kind));
    engine.on('booking', (e) => {
      changed('booking');
      post({ event: 'booking', bookings: e.bookings.map(withReason) });
      requestSave();
      postStatus();
    });
    engine.on('sync', () => requestSave());
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
    const syncMs = performance.now() - t1;
    await requestSave();
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
    if (readOnly) {
      throw new EdgestayError('READ_ONLY', 'another tab or window is the kiosk for this store; this one is read-only');
    }
    const booking = engine.createBooking({ ...args, hotelId: config.hotelId });
    await requestSave();  // durable before the guest sees it as taken
    postStatus();
    if (online || navigator.onLine) sync.syncOnce().catch(() => {});
    return booking;
  },
  bookings: ({ userId, status }) => engine.getUserBookingsWithRoomType(userId, status ? { status } : {}).map(withReason),
  status: () => ({
    online, outbox: outboxCount(), readOnly, lastError, store: config?.store,
    saves: saveTimes.length,
    saveMsP50: saveTimes.length ? [...saveTimes].sort((a, b) => a - b)[Math.floor(saveTimes.length / 2)] : null,
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
