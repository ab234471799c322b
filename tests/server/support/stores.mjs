// One test environment per store kind: a fresh database, a running server on it, an
// all-hotels admin token, and direct SQL access to the store for invariant checks.
//
//   for (const kind of STORES) describe(kind, storeOptions(kind), () => {
//     const env = useStore(kind);          // before/after hooks start and stop it
//     it('…', async () => { const h = await env.hotel({ rooms: 1 }); … });
//   });
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { client } from './http.mjs';
import { pgAvailable, pgSkipReason, startPostgres } from './pg.mjs';
import { createToken, startServer } from './server.mjs';

export const STORES = ['sqlite', 'postgresql'];

let pgCluster = null;
let pgStarting = null;
let dbCounter = 0;

async function cluster() {
  pgStarting ??= startPostgres().then((c) => { pgCluster = c; return c; });
  return pgStarting;
}

// describe() options: skip the PostgreSQL suite (visibly) only when its binaries are absent.
export function storeOptions(kind) {
  if (kind === 'postgresql' && !pgAvailable()) {
    console.log(`# ${pgSkipReason}`);
    return { skip: pgSkipReason };
  }
  return {};
}

// Creates a fresh store of `kind` (no server). Returns { kind, spec, query(sql), close() }.
export async function createStore(kind) {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'edgestay-srv-'));
    const file = path.join(dir, 'central.db');
    let db = null;
    return {
      kind,
      spec: `sqlite:${file}`,
      async query(sql) {
        db ??= new Database(file, { readonly: true, fileMustExist: true });
        return db.prepare(sql).all();
      },
      // Runs statements that return nothing (tests that tamper with a store directly).
      async exec(sql) {
        const w = new Database(file, { fileMustExist: true });
        try { w.exec(sql); } finally { w.close(); }
      },
      close() {
        db?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const c = await cluster();
  const name = `edgestay_t${process.pid}_${++dbCounter}`;
  const spec = await c.createDatabase(name);
  return {
    kind,
    spec,
    query: (sql) => c.query(name, sql),
    exec: (sql) => c.exec(name, sql),
    close() {},
  };
}

// Registers an after() hook and returns fresh(): each call creates another empty store of
// `kind` (no server), closed when the suite ends. For tests that need a store of their own.
export function useFreshStores(kind) {
  const stores = [];
  after(() => stores.forEach((s) => s.close()));
  return async () => {
    const s = await createStore(kind);
    stores.push(s);
    return s;
  };
}

export function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
export const today = () => new Date().toISOString().slice(0, 10);

// A hotel with one room type and `nights` nights of inventory (`rooms` each) from `from`
// (default: 10 days from now, clear of lead-time rules), made through `admin`, an
// all-hotels admin client (support/http.mjs) of a running server.
export async function createHotel(admin, { rooms = 5, nights = 14, from = addDays(today(), 10), priceCents = 10000, name = 'Test Hotel' } = {}) {
  const h = await admin.post('/v1/hotels', { name, currency: 'EUR', timeZone: 'UTC' });
  if (h.status !== 201) throw new Error(`create hotel: ${h.status} ${h.text}`);
  const hotelId = h.json.hotel.id;
  const rt = await admin.post(`/v1/hotels/${hotelId}/room-types`,
    { name: 'Double', basePriceCents: priceCents, totalRooms: rooms, capacityAdults: 2 });
  if (rt.status !== 201) throw new Error(`create room type: ${rt.status} ${rt.text}`);
  const roomTypeId = rt.json.roomType.id;
  const inv = await admin.put(`/v1/hotels/${hotelId}/inventory`,
    { roomTypeId, from, to: addDays(from, nights), total: rooms, priceCents });
  if (inv.status !== 200) throw new Error(`set inventory: ${inv.status} ${inv.text}`);
  const dates = Array.from({ length: nights }, (_, i) => addDays(from, i));
  return { hotelId, roomTypeId, from, to: addDays(from, nights), dates };
}

// Registers before/after hooks; the returned object fills in when the suite starts.
export function useStore(kind, { serverArgs = [] } = {}) {
  const env = { kind };
  before(async () => {
    const store = await createStore(kind);
    Object.assign(env, store);
    env.store = store;
    env.adminToken = await createToken(store.spec, { hotel: '*', scope: 'admin' });
    env.server = await startServer(store.spec, serverArgs);
    env.url = env.server.url;
    env.admin = client(env.url, env.adminToken);
    env.client = (token) => client(env.url, token);
    env.token = (hotel, scope, user) => createToken(store.spec, { hotel, scope, user });
    env.hotel = (opts) => createHotel(env.admin, opts);
  });
  after(async () => {
    if (env.server) {
      const r = await env.server.stop();
      env.exit = r;
    }
    env.store?.close();
  });
  return env;
}

// Stops the shared PostgreSQL cluster of this test process (call from a top-level after()).
export function stopPostgres() {
  pgCluster?.stop();
}

// A createBooking mutation.
export function booking(seq, key, args) {
  return { seq, type: 'createBooking', idempotencyKey: key, args: { userId: 1, rooms: 1, guests: 1, ...args } };
}
