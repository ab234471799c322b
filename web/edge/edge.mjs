// The edge node: answers availability from local engines kept current by cursor pulls,
// and forwards bookings to the centre. Runtime-neutral (fetch, Request, Response, crypto);
// worker.mjs binds it to a Workers-style module worker.
//
// One isolate holds one Edge: one wasm instance, and on it one engine (database) per
// hotel, because a pull cursor is per hotel. Engines open lazily on a hotel's first
// request: from the centre's signed snapshot and the changes after it when a snapshot key
// is pinned (snapshotPublicKey), else (or when no snapshot is offered) by a full pull;
// later pulls run when the data is older than refreshMs (in the background) or maxStaleMs
// (the request waits for it, up to syncTimeoutMs), and from scheduled().
import { openEngine, EdgestayError } from '../../bindings/js/index.mjs';
import { SyncClient, SyncError, openFromSnapshot } from '../../sync/client/index.mjs';

const DEFAULTS = {
  refreshMs: 1000,        // older than this: refresh in the background, answer at once
  maxStaleMs: 10000,      // older than this: wait for the refresh (up to syncTimeoutMs)
  syncTimeoutMs: 2000,
  retryMs: 1000,          // after a failed sync, no new attempt for this long
  pushTimeoutMs: 10000,
  cacheMaxAgeSeconds: 2,  // Cache-Control max-age of GET answers
  resultEntries: 2000,    // serialized answers kept (per isolate)
  refusedMs: 60000,       // a hotel the centre refused (403/404) is not asked for again this long
};

// Engine error codes that are the caller's fault (400) or name a missing thing (404).
const CLIENT_ERRORS = new Set([
  'INVALID_ARGUMENT', 'INVALID_DATE', 'INVALID_RANGE', 'STAY_TOO_LONG', 'PAST_DATE',
  'TOO_MANY_ROOMS', 'GUESTS_OVER_CAPACITY', 'INVALID_JSON',
]);
const NOT_FOUND = new Set(['UNKNOWN_HOTEL', 'UNKNOWN_ROOM_TYPE', 'UNKNOWN_BOOKING', 'NOT_FOUND']);

// An error answer in the FORMAT.md shape: { error: { code, message, details } }.
class HttpError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const notServed = (hotelId) => new HttpError(404, 'UNKNOWN_HOTEL', `hotel ${hotelId} is not served by this edge`);

function fromEngineError(e) {
  if (e instanceof HttpError) return e;
  if (e instanceof EdgestayError) {
    if (e.code === 'ENGINE_CLOSED') return new HttpError(503, 'UNAVAILABLE', 'the hotel\'s data is being reloaded; retry');
    const status = CLIENT_ERRORS.has(e.code) ? 400 : NOT_FOUND.has(e.code) ? 404 : 500;
    return new HttpError(status, e.code, e.message, e.details);
  }
  return new HttpError(500, 'INTERNAL', String(e?.message ?? e));
}

function json(status, body, headers = {}) {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

function errorResponse(e) {
  const err = fromEngineError(e);
  const body = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined && Object.keys(err.details ?? {}).length) body.error.details = err.details;
  return json(err.status, body, { 'cache-control': 'no-store' });
}

// Query parameters, strictly: a missing required one or a malformed number is a 400.
function intParam(params, name, { required = true, fallback, min = 1, max = 2 ** 31 - 1 } = {}) {
  const raw = params.get(name);
  if (raw === null || raw === '') {
    if (required) throw new HttpError(400, 'INVALID_ARGUMENT', `${name} is required`, { field: name });
    return fallback;
  }
  if (!/^-?\d{1,10}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new HttpError(400, 'INVALID_ARGUMENT', `${name} must be an integer in ${min}..${max}`, { field: name });
  }
  return Number(raw);
}

function stringParam(params, name) {
  const raw = params.get(name);
  if (raw === null || raw === '') throw new HttpError(400, 'INVALID_ARGUMENT', `${name} is required`, { field: name });
  return raw;
}

// FNV-1a, 32 bit: short ETags for long argument strings.
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

function randomHex(bytes) {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Races a promise against a timer; the timer never outlives the race.
function within(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Sends one hotel's bookings to the centre as push requests (FORMAT.md §2), one at a
// time: a seq must never overtake another. Each booking request sends its own push from
// its own request context (workerd cancels I/O a finished request left running, so one
// request must not carry another's push). After a transport failure the outcome of that
// seq is unknown, so the pusher continues under a new clientId (its seq restarts at 1)
// rather than reuse a seq the centre may have recorded for another booking.
class Pusher {
  #edge;
  #hotelId;
  #tail = Promise.resolve();
  #clientId = null;
  #seq = 0;

  constructor(edge, hotelId) {
    this.#edge = edge;
    this.#hotelId = hotelId;
    this.#rotate();
  }

  #rotate() {
    this.#clientId = `edge-${randomHex(8)}`;
    this.#seq = 0;
  }

  push(args, idempotencyKey) {
    const turn = this.#tail.then(() => this.#send(args, idempotencyKey));
    this.#tail = turn.catch(() => {});
    return turn;
  }

  async #send(args, idempotencyKey) {
    const mutation = { seq: ++this.#seq, type: 'createBooking', idempotencyKey, args };
    const body = { format: 'edgestay.push/1', clientId: this.#clientId, mutations: [mutation] };
    const { serverUrl, bookToken, pushTimeoutMs } = this.#edge.config;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`timeout after ${pushTimeoutMs} ms`)), pushTimeoutMs);
    let status;
    let answer;
    try {
      const res = await this.#edge.fetch(`${serverUrl}/v1/hotels/${this.#hotelId}/mutations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bookToken}` },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      status = res.status;
      answer = await res.json().catch(() => null);
    } catch (e) {
      this.#rotate();
      throw new HttpError(503, 'UNAVAILABLE', `the central server is unreachable: ${e.message}; retry with the same idempotencyKey`);
    } finally {
      clearTimeout(timer);
    }
    const result = Array.isArray(answer?.results) ? answer.results.find((r) => r.seq === mutation.seq) : undefined;
    if (status >= 200 && status < 300 && result) return result;
    this.#rotate();
    const upstream = answer?.error ?? {};
    if (status >= 500 || (status >= 200 && status < 300)) {
      throw new HttpError(503, 'UNAVAILABLE', `the central server did not settle the booking (${status}) ${upstream.message ?? ''}`.trim());
    }
    throw new HttpError(502, 'UPSTREAM_ERROR', `the central server refused the push (${status}): ${upstream.message ?? ''}`.trim(),
      { status, code: upstream.code ?? null });
  }
}

// One hotel's engine and its sync state.
class Feed {
  constructor(edge, hotelId, { onReset }) {
    this.edge = edge;
    this.hotelId = hotelId;
    this.onReset = onReset;   // the centre no longer knows our cursor: start over
    this.engine = null;
    this.client = null;
    this.pusher = new Pusher(edge, hotelId);
    this.lastSyncAt = 0;      // edge clock, ms, of the last successful pull
    this.lastAttemptAt = 0;
    this.lastError = null;
    this.syncs = 0;
    this.syncFailures = 0;
    this.running = null;      // the sync in flight (shared by every caller)
    this.closed = false;
    this.bootstrap = null;    // how the engine started: { source, snapshot, cursor?, error? }
  }

  async open() {
    const { wasmModule, serverUrl, readToken } = this.edge.config;
    this.engine = await this.#fromSnapshot() ?? await openEngine({ wasmModule });
    this.client = new SyncClient(this.engine, {
      baseUrl: serverUrl,
      hotelId: this.hotelId,
      token: readToken,
      fetch: this.edge.fetch,
      requestTimeoutMs: this.edge.config.syncTimeoutMs * 5,
    });
    try {
      await this.sync();
    } catch (e) {
      this.engine.close();
      throw e;
    }
  }

  // The engine opened from the centre's signed snapshot, or null for a full pull: no key
  // pinned, no snapshot offered (an older centre, an error), or one that fails its
  // signature. A refused image is never opened; the pull that replaces it comes straight
  // from the centre under the token, so answers stay right, and the refusal shows in
  // /v1/edge/stats (bootstrap.snapshot 'refused' with the SNAPSHOT_SIGNATURE message).
  async #fromSnapshot() {
    const { wasmModule, serverUrl, readToken, snapshotPublicKey, syncTimeoutMs } = this.edge.config;
    if (!snapshotPublicKey) {
      this.bootstrap = { source: 'pull', snapshot: 'not configured' };
      return null;
    }
    const timeoutMs = syncTimeoutMs * 5;
    try {
      const { engine, snapshot } = await openFromSnapshot(openEngine, {
        baseUrl: serverUrl, hotelId: this.hotelId, token: readToken, publicKey: snapshotPublicKey,
        fetch: (url, init) => this.edge.fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
        engineOptions: { wasmModule },
      });
      this.bootstrap = { source: 'snapshot', snapshot: 'used', cursor: snapshot.cursor };
      this.edge.countSnapshot('used');
      return engine;
    } catch (e) {
      const refused = e instanceof EdgestayError && e.code === 'SNAPSHOT_SIGNATURE';
      this.bootstrap = { source: 'pull', snapshot: refused ? 'refused' : 'unavailable', error: `${e.code ?? 'ERROR'}: ${e.message}` };
      this.edge.countSnapshot(refused ? 'refused' : 'unavailable', this.hotelId, this.bootstrap.error);
      return null;
    }
  }

  // One pull until up to date; concurrent callers share it.
  sync() {
    if (this.running) return this.running;
    this.lastAttemptAt = Date.now();
    this.running = this.client.syncOnce().then(
      (summary) => {
        this.lastSyncAt = Date.now();
        this.lastError = null;
        this.syncs++;
        this.running = null;
        return summary;
      },
      (e) => {
        this.lastError = `${e.code ?? 'ERROR'}: ${e.message}`;
        this.syncFailures++;
        this.running = null;
        // A cursor beyond the centre's log (its store was reset or restored): this engine
        // can never catch up; the next request bootstraps a fresh one.
        if (e.code === 'CURSOR_AHEAD' && this.engine) this.onReset();
        throw e;
      },
    );
    return this.running;
  }

  asOf(now) {
    const { cursor, syncedAt } = this.engine.asOf();
    const ageMs = Math.max(0, now - this.lastSyncAt);
    return { cursor, syncedAt, checkedAt: this.lastSyncAt, ageMs, stale: ageMs > this.edge.config.maxStaleMs };
  }
}

export class Edge {
  config;
  fetch;
  #feeds = new Map();       // hotelId -> Promise<Feed>
  #open = new Map();        // hotelId -> Feed, once bootstrapped
  #resets = new Map();      // hotelId -> times its feed was reset (CURSOR_AHEAD)
  #refused = new Map();     // hotelId -> until when (ms) the centre's refusal is believed
  #inflight = new Map();    // request key -> Promise<{ etag, inner }>
  #results = new Map();     // request key -> { cursor, etag, inner } (LRU by insertion order)
  #stats = {
    startedAt: Date.now(), requests: 0, evaluations: 0, collapsed: 0, cacheHits: 0, notModified: 0,
    bookings: { forwarded: 0, applied: 0, rejectedByCentre: 0, rejectedAtEdge: 0, unavailable: 0 },
    snapshots: { used: 0, refused: 0, unavailable: 0, lastProblem: null },
  };

  /**
   * config: { wasmModule, serverUrl, readToken, bookToken?, hotels? (Set of ids, null = any),
   *           snapshotPublicKey? (the centre's Ed25519 key, base64: bootstrap from its snapshot),
   *           refreshMs?, maxStaleMs?, syncTimeoutMs?, retryMs?, pushTimeoutMs?, cacheMaxAgeSeconds? }
   */
  constructor(config, { fetch = globalThis.fetch.bind(globalThis) } = {}) {
    if (!config.serverUrl) throw new Error('the edge needs the central server URL (EDGESTAY_SERVER_URL)');
    if (!config.readToken) throw new Error('the edge needs a read token (EDGESTAY_READ_TOKEN)');
    this.config = { ...DEFAULTS, ...config, serverUrl: config.serverUrl.replace(/\/+$/, '') };
    this.fetch = fetch;
  }

  // ---- engines -------------------------------------------------------------------

  // A bootstrap's use of the snapshot ('used', 'refused', 'unavailable'), for stats().
  countSnapshot(outcome, hotelId, error) {
    const s = this.#stats.snapshots;
    s[outcome]++;
    if (outcome !== 'used') s.lastProblem = { hotelId, outcome, error, at: Date.now() };
  }

  #feed(hotelId) {
    if (this.config.hotels && !this.config.hotels.has(hotelId)) return Promise.reject(notServed(hotelId));
    const refusedUntil = this.#refused.get(hotelId);
    if (refusedUntil !== undefined) {
      if (Date.now() < refusedUntil) return Promise.reject(notServed(hotelId));
      this.#refused.delete(hotelId);
    }
    let p = this.#feeds.get(hotelId);
    if (!p) {
      const feed = new Feed(this, hotelId, { onReset: () => this.#forget(hotelId, feed) });
      feed.generation = this.#resets.get(hotelId) ?? 0;
      p = feed.open().then(() => {
        this.#open.set(hotelId, feed);
        return feed;
      }, (e) => {
        this.#feeds.delete(hotelId);  // the next request tries again
        if (e instanceof SyncError && (e.status === 403 || e.status === 404)) {
          // Remembered for a while: requests for random hotel ids must not each cost a
          // round trip to the centre.
          if (this.#refused.size >= 10000) this.#refused.delete(this.#refused.keys().next().value);
          this.#refused.set(hotelId, Date.now() + this.config.refusedMs);
          throw notServed(hotelId);
        }
        if (e instanceof EdgestayError && e.code === 'WASM_LOAD') throw new HttpError(500, e.code, e.message);
        throw new HttpError(503, 'UNAVAILABLE', `no local data for hotel ${hotelId} and the central server is unreachable: ${e.message}`);
      });
      this.#feeds.set(hotelId, p);
    }
    return p;
  }

  #forget(hotelId, feed) {
    if (this.#open.get(hotelId) !== feed) return;
    this.#open.delete(hotelId);
    this.#feeds.delete(hotelId);
    this.#resets.set(hotelId, (this.#resets.get(hotelId) ?? 0) + 1);
    feed.closed = true;
    feed.engine.close();  // requests still holding it answer 503 (ENGINE_CLOSED) and may retry
  }

  // Brings a feed up to date as the freshness policy asks (see the header comment).
  // Resolves the feed to answer from: a new one when the pull found the old one reset.
  async #fresh(feed, ctx) {
    const now = Date.now();
    const age = now - feed.lastSyncAt;
    if (age < this.config.refreshMs) return feed;
    if (!feed.running && feed.lastError && now - feed.lastAttemptAt < this.config.retryMs) return feed;
    const sync = this.#syncFrom(feed, ctx);
    if (age >= this.config.maxStaleMs) await within(sync, this.config.syncTimeoutMs).catch(() => {});
    return feed.closed ? this.#feed(feed.hotelId) : feed;
  }

  // Starts (or joins) a feed's pull. Only the request that starts it keeps its context
  // alive for it (waitUntil): workerd runs a pull's I/O in the context that began it.
  #syncFrom(feed, ctx) {
    const starting = !feed.running;
    const sync = feed.sync();
    if (starting) ctx?.waitUntil?.(sync.catch(() => {}));
    return sync;
  }

  // Pulls every open feed (scheduled()); opens those listed in config.hotels.
  async syncAll() {
    const ids = new Set([...this.#feeds.keys(), ...(this.config.hotels ?? [])]);
    const results = await Promise.allSettled([...ids].map(async (id) => {
      const feed = await this.#feed(id);
      await feed.sync();
    }));
    return { hotels: ids.size, failed: results.filter((r) => r.status === 'rejected').length };
  }

  // ---- requests ------------------------------------------------------------------

  async handle(request, ctx) {
    this.#stats.requests++;
    try {
      const url = new URL(request.url);
      const parts = url.pathname.split('/').filter(Boolean);
      if (parts[0] !== 'v1') throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`);
      if (parts[1] === 'edge' && parts[2] === 'stats' && parts.length === 3) {
        this.#method(request, 'GET');
        return json(200, this.stats(), { 'cache-control': 'no-store' });
      }
      if (parts[1] !== 'hotels' || parts.length !== 4) throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`);
      if (!/^\d{1,10}$/.test(parts[2]) || Number(parts[2]) < 1) {
        throw new HttpError(400, 'INVALID_ARGUMENT', `hotel id must be a positive integer, not '${parts[2]}'`, { field: 'hotelId' });
      }
      const hotelId = Number(parts[2]);
      const params = url.searchParams;
      switch (parts[3]) {
        case 'availability': {
          this.#method(request, 'GET');
          const rooms = intParam(params, 'rooms', { required: false, fallback: 1 });
          const checkIn = stringParam(params, 'checkIn');
          const checkOut = stringParam(params, 'checkOut');
          const roomTypeId = intParam(params, 'roomTypeId', { required: false });
          const query = roomTypeId === undefined
            ? { method: 'getAllRoomAvailability', args: { hotelId, checkIn, checkOut, rooms } }
            : { method: 'checkRoomAvailability', args: { roomTypeId, checkIn, checkOut, rooms } };
          return await this.#get(request, ctx, hotelId, query);
        }
        case 'calendar': {
          this.#method(request, 'GET');
          const from = stringParam(params, 'from');
          const days = intParam(params, 'days', { required: false, fallback: 14, max: 366 });
          return await this.#get(request, ctx, hotelId, { method: 'getCalendar', args: { hotelId, from, days } });
        }
        case 'room-types':
          this.#method(request, 'GET');
          return await this.#get(request, ctx, hotelId, { method: 'getRoomTypes', args: hotelId, wrap: 'roomTypes' });
        case 'bookings':
          this.#method(request, 'POST');
          return await this.#book(request, ctx, hotelId);
        default:
          throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`);
      }
    } catch (e) {
      return errorResponse(e);
    }
  }

  #method(request, allowed) {
    if (request.method !== allowed && !(allowed === 'GET' && request.method === 'HEAD')) {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use ${allowed}`);
    }
  }

  // A read: identical requests in flight share one promise (collapsing); an answer
  // already serialized at the current cursor is reused (cache hit); otherwise the engine
  // evaluates it. Every response gets its own asOf (the age grows, the answer does not).
  async #get(request, ctx, hotelId, query) {
    const key = `${hotelId}|${query.method}|${JSON.stringify(query.args)}`;
    let shared = this.#inflight.get(key);
    if (shared) this.#stats.collapsed++;
    else {
      shared = this.#evaluate(ctx, hotelId, key, query).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, shared);
    }
    const { feed, etag, inner } = await shared;
    const headers = {
      etag,
      'cache-control': `public, max-age=${this.config.cacheMaxAgeSeconds}`,
      'access-control-allow-origin': '*',
    };
    if (matchesEtag(request.headers.get('if-none-match'), etag)) {
      this.#stats.notModified++;
      return new Response(null, { status: 304, headers });
    }
    const asOf = JSON.stringify(feed.asOf(Date.now()));
    return json(200, `${inner.slice(0, -1)}${inner.length > 2 ? ',' : ''}"asOf":${asOf}}`, headers);
  }

  async #evaluate(ctx, hotelId, key, query) {
    const feed = await this.#fresh(await this.#feed(hotelId), ctx);
    const { cursor } = feed.engine.asOf();
    const cached = this.#results.get(key);
    if (cached && cached.cursor === cursor && cached.feed === feed) {
      this.#stats.cacheHits++;
      this.#results.delete(key);  // refresh its LRU position
      this.#results.set(key, cached);
      return cached;
    }
    this.#stats.evaluations++;
    let value;
    try {
      value = feed.engine[query.method](query.args);
    } catch (e) {
      throw fromEngineError(e);
    }
    // The engine's own asOf is replaced per response by the edge's (with the age).
    const { asOf: _ignored, ...rest } = query.wrap ? { [query.wrap]: value } : value;
    // After a reset the centre reuses cursor values for other data: the generation keeps
    // those answers' tags apart.
    const generation = feed.generation ? `g${feed.generation}.` : '';
    const entry = { feed, cursor, etag: `W/"${hotelId}.${generation}${cursor ?? 0}.${hash(key)}"`, inner: JSON.stringify(rest) };
    this.#results.set(key, entry);
    if (this.#results.size > this.config.resultEntries) this.#results.delete(this.#results.keys().next().value);
    return entry;
  }

  // A booking: judged by the local engine first (a stay it knows cannot be sold is
  // refused at once, no round trip), then pushed to the centre, whose verdict is the answer.
  async #book(request, ctx, hotelId) {
    let body;
    try {
      body = await request.json();
    } catch {
      throw new HttpError(400, 'INVALID_JSON', 'the request body is not JSON');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, 'INVALID_ARGUMENT', 'the request body must be a JSON object');
    }
    const int = (name, fallback) => {
      const v = body[name] ?? fallback;
      if (!Number.isInteger(v) || v < 1) throw new HttpError(400, 'INVALID_ARGUMENT', `${name} must be a positive integer`, { field: name });
      return v;
    };
    const str = (name) => {
      if (typeof body[name] !== 'string') throw new HttpError(400, 'INVALID_ARGUMENT', `${name} must be a YYYY-MM-DD string`, { field: name });
      return body[name];
    };
    const rooms = int('rooms', 1);
    const args = {
      hotelId, roomTypeId: int('roomTypeId'), userId: int('userId'), checkIn: str('checkIn'), checkOut: str('checkOut'),
      rooms, guests: int('guests', rooms),
    };
    const key = body.idempotencyKey ?? request.headers.get('idempotency-key') ?? `edge-${randomHex(12)}`;
    if (typeof key !== 'string' || key.length < 1 || key.length > 128) {
      throw new HttpError(400, 'INVALID_ARGUMENT', 'idempotencyKey must be a string of 1..128 characters', { field: 'idempotencyKey' });
    }
    if (!this.config.bookToken) throw new HttpError(403, 'FORBIDDEN', 'this edge is not configured to take bookings');

    const feed = await this.#fresh(await this.#feed(hotelId), ctx);
    let local;
    try {
      local = feed.engine.checkRoomAvailability({ roomTypeId: args.roomTypeId, checkIn: args.checkIn, checkOut: args.checkOut, rooms });
    } catch (e) {
      throw fromEngineError(e);
    }
    const asOf = feed.asOf(Date.now());
    if (!local.available) {
      this.#stats.bookings.rejectedAtEdge++;
      throw new HttpError(409, 'NOT_AVAILABLE', `not available: ${local.reason}`, { reason: local.reason, decidedBy: 'edge', asOf });
    }
    this.#stats.bookings.forwarded++;
    let result;
    try {
      result = await feed.pusher.push(args, key);
    } catch (e) {
      if (e.code === 'UNAVAILABLE') this.#stats.bookings.unavailable++;
      throw e;
    }
    // The centre's booking changed its inventory: pull it so the next answers know.
    this.#syncFrom(feed, ctx);
    if (result.status === 'applied') {
      this.#stats.bookings.applied++;
      return json(201, { booking: result.booking, decidedBy: 'centre' }, { 'cache-control': 'no-store' });
    }
    this.#stats.bookings.rejectedByCentre++;
    const reason = result.reason ?? 'invalid';
    const details = { reason, decidedBy: 'centre' };
    if (reason === 'invalid') throw new HttpError(400, 'INVALID_ARGUMENT', result.message ?? 'the centre refused the booking', details);
    if (reason === 'forbidden') throw new HttpError(403, 'FORBIDDEN', result.message ?? 'forbidden', details);
    throw new HttpError(409, 'NOT_AVAILABLE', result.message ?? `not available: ${reason}`, details);
  }

  stats() {
    const now = Date.now();
    const hotels = [];
    for (const hotelId of this.#feeds.keys()) {
      // Only open feeds have an engine; a bootstrap in flight is reported as such.
      const feed = this.#open.get(hotelId);
      if (!feed) {
        hotels.push({ hotelId, state: 'opening' });
        continue;
      }
      hotels.push({
        hotelId, state: 'open', asOf: feed.asOf(now), lastSync: feed.lastSyncAt, lastSyncError: feed.lastError,
        syncs: feed.syncs, syncFailures: feed.syncFailures, bootstrap: feed.bootstrap,
      });
    }
    const s = this.#stats;
    return {
      startedAt: s.startedAt, uptimeMs: now - s.startedAt, requests: s.requests,
      evaluations: s.evaluations, collapsed: s.collapsed, cacheHits: s.cacheHits, notModified: s.notModified,
      cachedAnswers: this.#results.size, bookings: { ...s.bookings },
      snapshots: { ...s.snapshots, keyPinned: !!this.config.snapshotPublicKey }, hotels,
    };
  }
}

function matchesEtag(header, etag) {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}
