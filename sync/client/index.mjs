// SyncClient: keeps one engine in step with the central store (sync/SPEC.md).
//
// One client syncs one hotel's feed into one engine. syncOnce() pushes the outbox, hands
// the centre's verdicts to the engine, then pulls change batches until up to date. Every
// pulled batch goes through engine.applyChanges, so it is applied atomically with its
// cursor and raises the same invalidation events as any other write. start() repeats
// this with long-polling for live updates and exponential backoff on failure.
import { EdgestayError } from '../../bindings/js/errors.mjs';

export class SyncError extends Error {
  constructor(code, message, { status = 0, cause, details } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = 'SyncError';
    this.code = code;
    this.status = status;
    if (details !== undefined) this.details = details;  // e.g. { reason } of LEASE_REFUSED
  }
}

// "connect ECONNREFUSED 127.0.0.1:9" from fetch's cause chain ("fetch failed" alone says
// nothing), or the abort reason (a timeout).
function networkReason(e, signal) {
  if (signal?.aborted && signal.reason instanceof Error) return signal.reason.message;
  const parts = [];
  for (let c = e, depth = 0; c && depth < 4; c = c.cause, ++depth) {
    const text = c.code && !String(c.message ?? '').includes(c.code) ? `${c.code}: ${c.message}` : c.message;
    if (text && !parts.includes(text)) parts.push(text);
  }
  return parts.length > 1 ? parts.slice(1).join(': ') : parts[0] ?? String(e);
}

// One request to the centre, the plumbing every call shares: the caller's abort signal and
// the timeout on one controller, held until the body is read (not AbortSignal.any/timeout:
// on Node 20 a composed signal can be collected mid-request and never fire, leaving a
// stopped client's long-poll hanging), and a transport failure as SyncError NETWORK naming
// the URL and the reason. Resolves { res, body } with the body as text, or bytes.
async function send(fetchFn, method, url, { headers, body, signal, timeoutMs, bytes = false } = {}) {
  const controller = new AbortController();
  const abort = () => controller.abort(signal?.reason ?? new Error('aborted'));
  const timer = timeoutMs === undefined ? null
    : setTimeout(() => controller.abort(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
  if (signal?.aborted) abort();
  else signal?.addEventListener('abort', abort, { once: true });
  try {
    const res = await fetchFn(url, { method, headers, body, signal: controller.signal });
    return { res, body: bytes ? new Uint8Array(await res.arrayBuffer()) : await res.text() };
  } catch (e) {
    throw new SyncError('NETWORK', `${method} ${url}: ${networkReason(e, controller.signal)}`, { cause: e });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}

// The centre's error answer ({ error: { code, message } }, already parsed) as a SyncError.
function answerError(label, res, err) {
  return new SyncError(err?.code ?? 'HTTP_ERROR', `${label}: ${res.status} ${err?.message ?? ''}`.trim(), {
    status: res.status,
    details: err?.details,
  });
}

// ---- signed snapshot bootstrap (sync/FORMAT.md §7) --------------------------------------

const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
const refuse = (why) => new EdgestayError('SNAPSHOT_SIGNATURE', `the snapshot is not trusted: ${why}`);

// Downloads a hotel's snapshot and verifies its Ed25519 signature (WebCrypto: Node 20,
// browsers, workers) before anything opens it. `publicKey` is the server's key, pinned by
// the caller (base64 of the raw 32 bytes, or the bytes). Resolves
// { image: Uint8Array, cursor, syncedAt, etag }; a tampered image, cursor, time or signature
// rejects with EdgestayError 'SNAPSHOT_SIGNATURE'.
export async function fetchSnapshot({ baseUrl, hotelId, token, publicKey, fetch: fetchFn } = {}) {
  if (!publicKey) throw new TypeError('fetchSnapshot needs the server\'s publicKey (pin it; never take it from the response)');
  const headers = { accept: 'application/vnd.sqlite3' };
  if (token) headers.authorization = `Bearer ${token}`;
  const url = `${String(baseUrl).replace(/\/+$/, '')}/v1/hotels/${hotelId}/snapshot`;
  const { res, body } = await send(fetchFn ?? globalThis.fetch.bind(globalThis), 'GET', url, { headers, bytes: true });
  if (!res.ok) {
    let err = {};
    try { err = JSON.parse(new TextDecoder().decode(body)).error ?? {}; } catch { /* not JSON */ }
    throw answerError('GET snapshot', res, err);
  }
  const cursor = res.headers.get('x-edgestay-cursor');
  const syncedAt = res.headers.get('x-edgestay-synced-at');
  const signature = res.headers.get('x-edgestay-signature');
  if (!cursor || !/^\d+$/.test(cursor) || !syncedAt || !/^\d+$/.test(syncedAt) || !signature) {
    throw refuse('cursor, time or signature missing');
  }
  let valid = false;
  try {
    const raw = typeof publicKey === 'string' ? fromBase64(publicKey) : publicKey;
    const key = await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
    const digest = hex(await crypto.subtle.digest('SHA-256', body));
    const message = new TextEncoder().encode(`edgestay.snapshot/1\n${hotelId}\n${cursor}\n${syncedAt}\n${digest}\n`);
    valid = await crypto.subtle.verify({ name: 'Ed25519' }, key, fromBase64(signature), message);
  } catch (e) {
    throw refuse(e.message);
  }
  if (!valid) throw refuse('the signature does not match the image, cursor and time');
  return { image: body, cursor, syncedAt: Number(syncedAt), etag: res.headers.get('etag') };
}

// A new node's start: a verified snapshot opened as the engine's database (openEngine is
// passed in so this module never loads the wasm itself). The image's own cursor must be
// the signed one. Then a SyncClient pulls only the changes after it.
export async function openFromSnapshot(openEngine, { engineOptions = {}, ...options } = {}) {
  const snapshot = await fetchSnapshot(options);
  const engine = await openEngine({ ...engineOptions, snapshot: snapshot.image });
  if (engine.asOf().cursor !== snapshot.cursor) {
    engine.close();
    throw refuse(`the image holds cursor ${engine.asOf().cursor}, the signature says ${snapshot.cursor}`);
  }
  return { engine, snapshot };
}

const DEFAULTS = {
  pageSize: 5000,        // changes per pull request (the server caps it at 10000)
  waitSeconds: 25,       // long-poll length while running
  initialBackoffMs: 500,
  maxBackoffMs: 30000,
  requestTimeoutMs: 60000,
  pushBatchSize: 500,    // mutations per push request (the server refuses more than 500: 413)
  pollIntervalMs: 2000,  // while running, when the server declines to long-poll (X-Edgestay-Wait: 0)
  leaseSkewSeconds: 60,  // a lease is used locally until expiresAt minus this (clock skew allowance)
};

// Statuses that no retry can fix (a bad or revoked token, no access, a wrong hotel or
// URL): start() stops on them instead of retrying forever.
const FATAL_STATUSES = new Set([401, 403, 404]);

// An absolute http(s) URL without query or fragment, its trailing slashes dropped.
function checkBaseUrl(baseUrl) {
  let url = null;
  if (typeof baseUrl === 'string' && baseUrl) {
    try {
      url = new URL(baseUrl);
    } catch {
      url = null;
    }
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new SyncError('INVALID_ARGUMENT',
      `baseUrl must be an absolute http(s) URL such as http://127.0.0.1:8787, not ${JSON.stringify(baseUrl)}`);
  }
  return baseUrl.replace(/\/+$/, '');
}

export class SyncClient {
  #engine;
  #opts;
  #fetch;
  #listeners = new Map();
  #running = false;
  #loop = null;
  #abort = null;
  #backoffMs;
  #busy = null;
  #next = null;  // the run after #busy, shared by the calls made while #busy runs

  /**
   * @param engine   an Engine from openEngine()
   * @param options  { baseUrl, hotelId, token, fetch?, pageSize?, waitSeconds?, initialBackoffMs?, maxBackoffMs?,
   *                  requestTimeoutMs?, pushBatchSize?, pollIntervalMs? }
   */
  constructor(engine, options) {
    if (!engine || typeof engine.applyChanges !== 'function') throw new TypeError('SyncClient needs an engine');
    const { baseUrl, hotelId, token } = options ?? {};
    if (!Number.isInteger(hotelId) || hotelId < 1) throw new TypeError('hotelId must be a positive integer');
    this.#engine = engine;
    this.#opts = { ...DEFAULTS, ...options, baseUrl: checkBaseUrl(baseUrl) };
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#backoffMs = this.#opts.initialBackoffMs;
    this.token = token ?? null;
  }

  on(type, listener) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(listener);
    return () => this.#listeners.get(type)?.delete(listener);
  }

  #emit(type, payload) {
    for (const l of [...(this.#listeners.get(type) ?? [])]) {
      try {
        l(payload);
      } catch (e) {
        queueMicrotask(() => { throw e; });
      }
    }
  }

  async #request(method, path, body, { signal, timeoutMs = this.#opts.requestTimeoutMs, meta } = {}) {
    const headers = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const { res, body: text } = await send(this.#fetch, method, `${this.#opts.baseUrl}${path}`, {
      headers, body: body === undefined ? undefined : JSON.stringify(body), signal, timeoutMs,
    });
    if (meta) meta.headers = res.headers;
    let json;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new SyncError('BAD_RESPONSE', `${method} ${path}: the response is not JSON (${res.status})`, {
        status: res.status,
        cause: e,
      });
    }
    if (!res.ok) throw answerError(`${method} ${path}`, res, json?.error);
    return json;
  }

  // Pushes every pending mutation once, in requests of at most pushBatchSize; the engine
  // settles them from the results. Stops when a request settles nothing (e.g. a seq gap).
  async push({ signal } = {}) {
    const summary = { pushed: 0, applied: 0, rejected: 0 };
    for (;;) {
      const request = this.#engine.pendingMutations();
      if (request.mutations.length === 0) break;
      const more = request.mutations.length > this.#opts.pushBatchSize;
      if (more) request.mutations = request.mutations.slice(0, this.#opts.pushBatchSize);
      const result = await this.#request('POST', `/v1/hotels/${this.#opts.hotelId}/mutations`, request, { signal });
      const settled = this.#engine.applyPushResults(result);
      summary.pushed += request.mutations.length;
      summary.applied += settled.applied;
      summary.rejected += settled.rejected;
      this.#emit('progress', { phase: 'push', pushed: request.mutations.length, applied: settled.applied, rejected: settled.rejected });
      if (!more || settled.applied + settled.rejected === 0) break;
    }
    return summary;
  }

  // Pulls until the engine is at the centre's newest cursor. With `waitSeconds`, the
  // first request long-polls: it returns when something changes (or the wait ends).
  async pull(options = {}) {
    return this.#pull(options, false);
  }

  async #pull({ signal, waitSeconds = 0 } = {}, inSync) {
    let batches = 0;
    let changes = 0;
    let wait = waitSeconds;
    let waited = waitSeconds > 0;
    for (;;) {
      const { cursor } = this.#engine.asOf();
      const params = new URLSearchParams({ limit: String(this.#opts.pageSize) });
      if (cursor !== null) params.set('since', cursor);
      if (wait > 0) params.set('wait', String(wait));
      const meta = {};
      const batch = await this.#request('GET', `/v1/hotels/${this.#opts.hotelId}/changes?${params}`, undefined, {
        signal,
        timeoutMs: this.#opts.requestTimeoutMs + wait * 1000,
        meta,
      });
      if (wait > 0 && meta.headers?.get('x-edgestay-wait') === '0') waited = false;  // over the server's long-poll cap
      wait = 0;
      const { hasMore, ...changeBatch } = batch;
      if (!Array.isArray(changeBatch.changes)) throw new SyncError('BAD_RESPONSE', 'a pull returned no changes array');
      // A push in flight (syncOnce) settles first: this batch may carry the centre's rows
      // of the bookings it pushed, which the engine maps onto its own by their serverId.
      while (!inSync && this.#busy) await this.#busy.catch(() => {});
      // An empty batch is applied too: it records the centre's syncedAt, the time of the
      // last successful sync that the staleness contract (maxStalenessSeconds) measures.
      const moved = changeBatch.changes.length > 0 || changeBatch.cursor !== cursor;
      if (moved || changeBatch.syncedAt !== undefined) {
        try {
          const r = this.#engine.applyChanges(changeBatch);
          if (moved) {
            changes += r.applied;
            batches += 1;
            this.#emit('progress', { phase: 'pull', applied: r.applied, cursor: r.cursor, hasMore: !!hasMore });
          }
        } catch (e) {
          if (e instanceof EdgestayError && e.code === 'CURSOR_MISMATCH') continue;  // a concurrent pull won: ask again
          throw e;
        }
      }
      if (!hasMore) break;
    }
    return { batches, changes, cursor: this.#engine.asOf().cursor, waited };
  }

  // Push, then pull until up to date. A push the server refuses (4xx, e.g. a read-only
  // token) still lets the pull run, then throws. A call made while a run is in flight gets
  // the next run, which starts when that one ends and is shared by every call made
  // meanwhile: the run in flight may have read the outbox before the caller's last write,
  // and a syncOnce() resolves only once the writes made before it were pushed.
  syncOnce({ signal } = {}) {
    if (this.#busy) {
      this.#next ??= this.#busy.catch(() => {}).then(() => {
        this.#next = null;
        return this.syncOnce({ signal });
      });
      return this.#next;
    }
    this.#busy = (async () => {
      try {
        let pushed;
        let pushError = null;
        try {
          pushed = await this.push({ signal });
        } catch (e) {
          if (!(e instanceof SyncError && e.status >= 400 && e.status < 500)) throw e;
          pushError = e;
        }
        const { waited, ...pulled } = await this.#pull({ signal }, true);
        if (pushError) throw pushError;
        const summary = { ...pushed, ...pulled };
        this.#emit('sync', summary);
        return summary;
      } finally {
        this.#busy = null;
      }
    })();
    return this.#busy;
  }

  // Compares the engine's range checksums (per room type and month, sync/FORMAT.md §6)
  // over [from, to) with the centre's at the same cursor, and repairs each range that
  // differs by replacing it with the centre's rows of that range; nothing else is touched.
  // Resolves { cursor, checked, differing: [{ roomTypeId, month }], repaired, unrepaired }.
  async verify({ from, to, signal, maxAttempts = 5 } = {}) {
    const hotelId = this.#opts.hotelId;
    const base = `/v1/hotels/${hotelId}/checksums`;
    const params = new URLSearchParams({ from, to });
    let central;
    let local;
    for (let attempt = 1; ; attempt++) {
      await this.syncOnce({ signal });
      central = await this.#request('GET', `${base}?${params}`, undefined, { signal });
      local = this.#engine.rangeChecksums({ hotelId, from, to });
      if (central.cursor === local.cursor) break;  // both sides describe the same position
      if (attempt >= maxAttempts) {
        throw new SyncError('VERIFY_MOVING', `the centre kept moving (cursor ${central.cursor}, engine ${local.cursor})`);
      }
    }
    const key = (r) => `${r.roomTypeId}|${r.month}`;
    const mine = new Map(local.ranges.map((r) => [key(r), r]));
    const differing = central.ranges
      .filter((r) => { const l = mine.get(key(r)); return !l || l.count !== r.count || l.hash !== r.hash; })
      .map(({ roomTypeId, month }) => ({ roomTypeId, month }));
    const repaired = [];
    const unrepaired = [];
    for (const range of differing) {
      let answer;
      for (let attempt = 1; ; attempt++) {
        answer = await this.#request('GET', `${base}/${range.roomTypeId}/${range.month}`, undefined, { signal });
        try {
          this.#engine.repairRange(answer);
          break;
        } catch (e) {
          // The centre or the engine moved between the two: catch up and ask again.
          if (!(e instanceof EdgestayError && e.code === 'CURSOR_MISMATCH') || attempt >= maxAttempts) throw e;
          await this.pull({ signal });
        }
      }
      const [y, m] = range.month.split('-').map(Number);
      const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
      const after = this.#engine.rangeChecksums({ hotelId, from: `${range.month}-01`, to: `${next}-01` })
        .ranges.find((r) => r.roomTypeId === range.roomTypeId);
      if (after && after.hash === answer.range.hash && after.count === answer.range.count) repaired.push(range);
      else unrepaired.push(range);
    }
    const summary = { cursor: central.cursor, checked: central.ranges.length, differing, repaired, unrepaired };
    this.#emit('verify', summary);
    return summary;
  }

  // Rolling window: the engine drops the months that left [today - pastDays, today +
  // horizonDays) (whole months), then verify() fills the months that entered it and
  // repairs any that differ. Run it once a day (or on start). Resolves the engine's
  // { from, to, deleted, bytesBefore, bytesAfter, vacuumed } plus verify's { differing,
  // repaired, unrepaired }.
  async maintainWindow({ pastDays = 30, horizonDays = 365, signal } = {}) {
    await this.syncOnce({ signal });
    const window = this.#engine.pruneWindow({ hotelId: this.#opts.hotelId, pastDays, horizonDays });
    const { differing, repaired, unrepaired } = await this.verify({ from: window.from, to: window.to, signal });
    return { ...window, differing, repaired, unrepaired };
  }

  // ---- allotment leases (sync/FORMAT.md §9) -----------------------------------------
  // Asks the centre for `rooms` rooms of a room type on every night of [from, to) for
  // ttlSeconds. Resolves the granted lease; a refusal rejects with SyncError
  // 'LEASE_REFUSED' (details.reason: sold_out, stop_sell, no_inventory), bad input with
  // 'INVALID_LEASE'. The engine then holds the node's leases, and pulls the grant's
  // inventory change, so its bookings inside the lease are CONFIRMED locally, even offline.
  async requestLease({ roomTypeId, from, to, rooms, ttlSeconds, idempotencyKey, signal } = {}) {
    const body = { roomTypeId, from, to, rooms, ttlSeconds };
    if (idempotencyKey !== undefined) body.idempotencyKey = idempotencyKey;
    const answer = await this.#request('POST', `/v1/hotels/${this.#opts.hotelId}/leases`, body, { signal });
    await this.#afterLeaseChange(answer, signal);
    return answer.lease;
  }

  // Extends a lease to now + ttlSeconds (the centre's clock).
  renewLease(leaseId, ttlSeconds, { signal } = {}) {
    return this.#changeLease(leaseId, 'renew', { ttlSeconds }, signal);
  }

  // Gives back units: the lease keeps `rooms` per night (its unused units allowing).
  shrinkLease(leaseId, rooms, { signal } = {}) {
    return this.#changeLease(leaseId, 'shrink', { rooms }, signal);
  }

  // Ends a lease: its unused units go back to general inventory.
  releaseLease(leaseId, { signal } = {}) {
    return this.#changeLease(leaseId, 'release', {}, signal);
  }

  // The node's leases as its engine holds them (with the units left per night).
  leases() {
    return this.#engine.leases(this.#opts.hotelId);
  }

  // Loads the node's ACTIVE leases from the centre into the engine; resolves them.
  async refreshLeases({ signal } = {}) {
    const { leases } = await this.#request('GET', `/v1/hotels/${this.#opts.hotelId}/leases`, undefined, { signal });
    this.#holdLeases(leases);
    return leases;
  }

  #holdLeases(leases) {
    this.#engine.setLeases(this.#opts.hotelId, leases, { skewSeconds: this.#opts.leaseSkewSeconds });
  }

  async #changeLease(leaseId, action, body, signal) {
    if (!Number.isInteger(leaseId) || leaseId < 1) throw new SyncError('INVALID_ARGUMENT', 'leaseId must be a lease id');
    const path = `/v1/hotels/${this.#opts.hotelId}/leases/${leaseId}/${action}`;
    const answer = await this.#request('POST', path, body, { signal });
    await this.#afterLeaseChange(answer, signal);
    return answer.lease;
  }

  // A lease write answers with the token's ACTIVE leases after it: the engine takes them
  // from there, then pulls the inventory rows the write changed (two requests per call).
  async #afterLeaseChange(answer, signal) {
    this.#holdLeases(answer.leases);
    await this.pull({ signal });
  }

  get running() {
    return this.#running;
  }

  // Keeps syncing: a sync, then a long-poll pull that returns on the next change (or
  // after `intervalMs` when long-polling is off), again and again. Failures back off
  // exponentially (with jitter) up to maxBackoffMs; a success resets the backoff.
  // `push: false` follows the centre without pushing: for an engine whose outbox another
  // writer owns (a read-only kiosk tab on a shared store); each pull then emits 'sync'.
  start({ intervalMs = 0, push = true } = {}) {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    const sleep = (ms) => new Promise((resolve) => {
      if (signal.aborted) return resolve();  // an aborted signal never fires again
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);  // one listener per sleep would pile up
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
    this.#loop = (async () => {
      while (this.#running) {
        try {
          if (push) await this.syncOnce({ signal });
          else this.#emit('sync', await this.pull({ signal }));
          this.#backoffMs = this.#opts.initialBackoffMs;
          if (!this.#running) break;
          if (intervalMs > 0) await sleep(intervalMs);
          else {
            const pulled = await this.pull({ signal, waitSeconds: this.#opts.waitSeconds });
            // The server answered at once instead of waiting: poll, don't spin.
            if (!pulled.waited && pulled.batches === 0 && this.#running) {
              await sleep(this.#opts.pollIntervalMs * (0.5 + Math.random() / 2));
            }
          }
        } catch (e) {
          if (!this.#running) break;
          if (e instanceof SyncError && FATAL_STATUSES.has(e.status)) {
            // Retrying cannot help: stop, and say why (stop() is then a no-op).
            this.#running = false;
            this.#emit('error', { error: e, fatal: true, retryInMs: null });
            break;
          }
          const delay = Math.min(this.#backoffMs, this.#opts.maxBackoffMs);
          this.#emit('error', { error: e, retryInMs: delay });
          await sleep(delay * (0.5 + Math.random() / 2));
          this.#backoffMs = Math.min(this.#backoffMs * 2, this.#opts.maxBackoffMs);
        }
      }
    })();
  }

  async stop() {
    if (!this.#running) return;
    this.#running = false;
    this.#abort.abort();
    await this.#loop.catch(() => {});
    this.#loop = null;
  }
}
