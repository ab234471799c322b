// The edgestay edge worker: a Workers-style module worker (workerd, Cloudflare Workers).
// Bindings (env): EDGESTAY_SERVER_URL, EDGESTAY_READ_TOKEN, EDGESTAY_BOOK_TOKEN (secrets),
// optional EDGESTAY_SNAPSHOT_PUBLIC_KEY (the centre's Ed25519 key, base64: engines start
// from its signed snapshot), EDGESTAY_HOTELS ("1,2"), EDGESTAY_REFRESH_MS, EDGESTAY_MAX_STALE_MS,
// EDGESTAY_SYNC_TIMEOUT_MS, EDGESTAY_CACHE_MAX_AGE. The wasm core is imported as a
// compiled WebAssembly.Module (edge runtimes refuse to compile wasm from bytes).
import wasmModule from '../../bindings/js/dist/edgestay_core.wasm';
import { Edge } from './edge.mjs';

let edge = null;  // one per isolate, created on the first event

function number(env, name) {
  const raw = env[name];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, not '${raw}'`);
  return n;
}

function edgeOf(env) {
  if (edge) return edge;
  let hotels = null;
  if (env.EDGESTAY_HOTELS && env.EDGESTAY_HOTELS !== '*') {
    hotels = new Set(String(env.EDGESTAY_HOTELS).split(',').map((h) => {
      if (!/^\s*\d{1,10}\s*$/.test(h) || Number(h) < 1) throw new Error(`EDGESTAY_HOTELS: '${h}' is not a hotel id`);
      return Number(h);
    }));
  }
  const snapshotPublicKey = env.EDGESTAY_SNAPSHOT_PUBLIC_KEY || null;
  if (snapshotPublicKey && !/^[A-Za-z0-9+/]{43}=$/.test(snapshotPublicKey)) {
    throw new Error('EDGESTAY_SNAPSHOT_PUBLIC_KEY must be the centre\'s Ed25519 public key: base64 of 32 bytes (GET /v1/snapshot-key)');
  }
  const config = {
    wasmModule: env.EDGESTAY_CORE ?? wasmModule,
    serverUrl: env.EDGESTAY_SERVER_URL,
    readToken: env.EDGESTAY_READ_TOKEN,
    bookToken: env.EDGESTAY_BOOK_TOKEN || null,
    snapshotPublicKey,
    hotels,
  };
  const tuning = {
    refreshMs: 'EDGESTAY_REFRESH_MS', maxStaleMs: 'EDGESTAY_MAX_STALE_MS',
    syncTimeoutMs: 'EDGESTAY_SYNC_TIMEOUT_MS', cacheMaxAgeSeconds: 'EDGESTAY_CACHE_MAX_AGE',
  };
  for (const [key, name] of Object.entries(tuning)) {
    const v = number(env, name);
    if (v !== undefined) config[key] = v;
  }
  edge = new Edge(config);
  return edge;
}

export default {
  async fetch(request, env, ctx) {
    let e;
    try {
      e = edgeOf(env);
    } catch (err) {
      return Response.json({ error: { code: 'MISCONFIGURED', message: err.message } }, { status: 500 });
    }
    return e.handle(request, ctx);
  },

  // A cron trigger keeps the isolate's engines warm: every open hotel (and every hotel
  // named in EDGESTAY_HOTELS) pulls what changed since its cursor.
  async scheduled(event, env, ctx) {
    ctx.waitUntil(edgeOf(env).syncAll());
  },
};
