// The partition/kill matrix (sync/SPEC.md X9): 5 engines booking and cancelling at random
// while the test kill -9s and restarts the server and a TCP proxy between them drops, delays
// and truncates connections. After healing, every outbox is empty, every engine equals the
// centre row for row, no night is overbooked and every acknowledged booking exists exactly
// once. Seeded runs: 3 per store by default, with EDGESTAY_SOAK=N max(20, N) (EDGESTAY_PARTITION_RUNS
// and EDGESTAY_PARTITION_SECONDS override); the count of clean runs is printed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORES, storeOptions, createStore, createHotel, useStore, stopPostgres, addDays } from './support/stores.mjs';
import { createToken, startServer } from './support/server.mjs';
import { client as apiClient } from './support/http.mjs';
import { startChaosProxy } from './support/chaos_proxy.mjs';
import { startLossyProxy } from './support/proxy.mjs';
import { engineState, storeState } from './support/replica.mjs';
import { SKIP, core, engineSql } from './support/engine.mjs';
import { Rng } from '../../scripts/lib/rng.mjs';

after(stopPostgres);

const { openEngine, EdgestayError } = core;
const { SyncClient } = await import('../../sync/client/index.mjs');

const SOAK = Number(process.env.EDGESTAY_SOAK || 0);
const RUNS = Number(process.env.EDGESTAY_PARTITION_RUNS ?? (SOAK ? Math.max(20, SOAK) : 3));
const SECONDS = Number(process.env.EDGESTAY_PARTITION_SECONDS ?? 10);
const CLIENTS = 5;
const ROOMS = 3;
const NIGHTS = 10;
const SERVER_ARGS = ['--hold-sweep', '1', '--max-wait', '2'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function runOnce(store, adminToken, seed, log) {
  // The chaos schedule has its own generator (reproducible per seed); each client another.
  const rng = new Rng(seed);
  const problems = [];
  let server = await startServer(store.spec, SERVER_ARGS);
  const admin = apiClient(server.url, adminToken);
  const { hotelId, roomTypeId, from } = await createHotel(admin, { name: `Partition ${seed}`, rooms: ROOMS, nights: NIGHTS });
  const token = await createToken(store.spec, { hotel: hotelId, scope: 'book' });
  const proxy = await startChaosProxy(server.port);

  const clients = [];
  for (let i = 0; i < CLIENTS; i++) {
    const engine = await openEngine();
    const sync = new SyncClient(engine, { baseUrl: proxy.url, hotelId, token, requestTimeoutMs: 3000,
      initialBackoffMs: 50, maxBackoffMs: 400, waitSeconds: 1, pollIntervalMs: 200 });
    let errors = 0;
    sync.on('error', () => { errors++; });
    await sync.syncOnce();
    sync.start();
    clients.push({ engine, sync, mine: [], made: 0, refused: 0, errors: () => errors });
  }

  const deadline = Date.now() + SECONDS * 1000;
  const chaos = { kills: 0, drops: 0, delays: 0, truncations: 0 };
  const workers = clients.map(async (c, i) => {
    const rng = new Rng(seed * 97 + i + 1);
    while (Date.now() < deadline) {
      await sleep(rng.int(30, 150));
      try {
        const live = c.mine.filter((id) => {
          const b = c.engine.getUserBookingsWithRoomType(i + 1).find((x) => x.id === id);
          return b && (b.status === 'PENDING_SYNC' || b.status === 'CONFIRMED');
        });
        if (live.length && rng.chance(0.3)) {
          c.engine.cancelBooking(rng.pick(live));
        } else {
          const night = rng.int(0, NIGHTS - 2);
          const b = c.engine.createBooking({ hotelId, roomTypeId, userId: i + 1, checkIn: addDays(from, night),
            checkOut: addDays(from, night + rng.int(1, 2)), rooms: 1, guests: 1 });
          c.mine.push(b.id);
          c.made++;
        }
      } catch (e) {
        if (!(e instanceof EdgestayError)) throw e;
        c.refused++;  // the engine itself says no (sold out locally, already cancelled …)
      }
    }
  });
  const chaosLoop = (async () => {
    while (Date.now() < deadline) {
      await sleep(rng.int(300, 1200));
      if (Date.now() >= deadline) break;
      const pick = chaos.kills === 0 ? 0 : rng.next();  // every run kills the server at least once
      if (pick < 0.25) {
        chaos.kills++;
        server.proc.kill('SIGKILL');
        await new Promise((r) => (server.alive() ? server.proc.once('exit', r) : r()));
        proxy.cut();
        await sleep(rng.int(100, 600));
        server = await startServer(store.spec, SERVER_ARGS);
        proxy.setTarget(server.port);
      } else if (pick < 0.45) {
        chaos.drops++;
        proxy.set('drop');
        proxy.cut();
        await sleep(rng.int(200, 900));
        proxy.set('pass');
      } else if (pick < 0.65) {
        chaos.delays++;
        proxy.set('delay', { delayMs: rng.int(20, 400) });
      } else if (pick < 0.85) {
        chaos.truncations++;
        proxy.set('truncate', { truncateAt: rng.int(0, 400) });
      } else {
        proxy.set('pass');
      }
    }
    proxy.set('pass');
  })();
  await Promise.all([...workers, chaosLoop]);

  // Heal: the network is whole again and the server is up; every engine syncs until done.
  await Promise.all(clients.map((c) => c.sync.stop()));
  for (const c of clients) {
    const t0 = Date.now();
    for (;;) {
      try {
        await c.sync.syncOnce();
        if (c.engine.pendingMutations().mutations.length === 0) break;
      } catch { /* a stale keep-alive socket from the chaos: try again */ }
      if (Date.now() - t0 > 30000) break;
      await sleep(50);
    }
  }
  for (const c of clients) await c.sync.syncOnce().catch(() => {});  // everyone's last rows

  // Checks.
  const central = await storeState(store, hotelId);
  const storeBookings = await store.query(
    `SELECT id, idempotency_key, status, rooms, start_date, end_date FROM bookings WHERE hotel_id = ${hotelId}`);
  const acknowledged = new Map();  // central id -> idempotency key, as the engines recorded it
  clients.forEach((c, i) => {
    const pending = c.engine.pendingMutations().mutations.length;
    if (pending) problems.push(`client ${i}: ${pending} mutations still in the outbox`);
    const stuck = engineSql(c.engine, "SELECT count(*) AS n FROM bookings WHERE origin = 'local' AND server_id IS NULL AND status IN ('PENDING_SYNC', 'HELD')")[0].n;
    if (stuck) problems.push(`client ${i}: ${stuck} bookings never settled`);
    const mine = engineState(c.engine.exportDatabase(), hotelId);
    if (JSON.stringify(mine) !== JSON.stringify(central)) {
      const extra = mine.bookings.filter((r) => !central.bookings.includes(r)).concat(mine.inventory.filter((r) => !central.inventory.includes(r)));
      const missing = central.bookings.filter((r) => !mine.bookings.includes(r)).concat(central.inventory.filter((r) => !mine.inventory.includes(r)));
      problems.push(`client ${i}: differs from the centre: only here ${JSON.stringify(extra.slice(0, 3))}, only there ${JSON.stringify(missing.slice(0, 3))}`);
    }
    for (const b of engineSql(c.engine, `SELECT server_id, idempotency_key FROM bookings WHERE origin <> 'x' AND server_id IS NOT NULL AND id < 0`)) {
      acknowledged.set(Number(b.server_id), b.idempotency_key);
    }
  });
  const byKey = new Map();
  for (const b of storeBookings) {
    byKey.set(b.idempotency_key, (byKey.get(b.idempotency_key) ?? 0) + 1);
    if (acknowledged.get(Number(b.id)) !== b.idempotency_key) problems.push(`central booking ${b.id} (${b.idempotency_key}) is no engine's acknowledged booking`);
  }
  for (const [id, key] of acknowledged) {
    if (byKey.get(key) !== 1 || !storeBookings.some((b) => Number(b.id) === id)) problems.push(`acknowledged booking ${id} (${key}) exists ${byKey.get(key) ?? 0} times`);
  }
  const nights = await store.query(`SELECT date, total, available FROM room_inventory WHERE room_type_id = ${roomTypeId}`);
  for (const n of nights) {
    const date = String(n.date).slice(0, 10);
    const sold = storeBookings.filter((b) => ['CONFIRMED', 'HELD'].includes(b.status) &&
      String(b.start_date).slice(0, 10) <= date && date < String(b.end_date).slice(0, 10)).reduce((s, b) => s + Number(b.rooms), 0);
    if (Number(n.available) < 0 || Number(n.total) - Number(n.available) !== sold || sold > Number(n.total)) {
      problems.push(`night ${date}: total ${n.total}, available ${n.available}, booked ${sold}`);
    }
  }

  const made = clients.reduce((s, c) => s + c.made, 0);
  const confirmed = storeBookings.filter((b) => b.status === 'CONFIRMED').length;
  log(`seed ${seed}: ${made} local bookings, ${acknowledged.size} acknowledged, ${confirmed} confirmed now; ` +
    `chaos ${JSON.stringify(chaos)}, proxy ${JSON.stringify(proxy.state.stats)}, ` +
    `client errors ${clients.map((c) => c.errors()).join('/')}; ${problems.length ? `PROBLEMS: ${problems.join('; ')}` : 'clean'}`);

  for (const c of clients) c.engine.close();
  await proxy.close();
  await server.stop();
  return { seed, problems, made };
}

for (const kind of STORES) {
  describe(`partition/kill matrix (${kind})`, { ...storeOptions(kind), ...SKIP }, () => {
    let store;
    let adminToken;
    before(async () => {
      store = await createStore(kind);
      adminToken = await createToken(store.spec, { hotel: '*', scope: 'admin' });
    });
    after(() => store?.close());

    it(`${RUNS} seeded runs of ${SECONDS} s: kill -9, dropped, delayed and truncated connections; after healing every run is clean`,
      { timeout: RUNS * (SECONDS + 90) * 1000 }, async (t) => {
        const results = [];
        for (let seed = 1; seed <= RUNS; seed++) {
          results.push(await runOnce(store, adminToken, seed + (kind === 'sqlite' ? 0 : 1000), (m) => t.diagnostic(m)));
        }
        const clean = results.filter((r) => r.problems.length === 0).length;
        const line = `partition matrix (${kind}): ${clean}/${RUNS} runs clean`;
        t.diagnostic(line);
        assert.ok(results.every((r) => r.made > 20), 'every run booked for real');
        assert.equal(clean, RUNS, results.flatMap((r) => r.problems.map((p) => `seed ${r.seed}: ${p}`)).join('\n'));
      });
  });
}

// Defects the matrix found, each pinned by a deterministic test.
for (const kind of STORES) {
  describe(`partition defects (${kind})`, { ...storeOptions(kind), ...SKIP }, () => {
    const env = useStore(kind);

    it('a push result for a booking whose central row arrived first keeps the centre\'s updated_at', async () => {
      const h = await env.hotel({ rooms: 3, nights: 5 });
      const token = await env.token(h.hotelId, 'book');
      const proxy = await startLossyProxy(env.url);
      // The engine's clock runs a minute ahead: any value it writes differs from the centre's.
      const engine = await openEngine({ now: () => Date.now() + 60000 });
      try {
        const sync = new SyncClient(engine, { baseUrl: proxy.url, hotelId: h.hotelId, token });
        await sync.syncOnce();
        const local = engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 4,
          checkIn: h.dates[1], checkOut: h.dates[2], rooms: 1, guests: 1 });
        proxy.state.dropResponses = 1;  // the centre books it; the engine never hears
        await assert.rejects(sync.syncOnce());
        await sync.pull();               // the central row arrives first
        engine.cancelBooking(local.id);  // and a cancel whose answer is lost too
        proxy.state.dropResponses = 1;
        await assert.rejects(sync.syncOnce());
        await sync.pull();
        await sync.syncOnce();           // both results are settled now
        assert.equal(engine.pendingMutations().mutations.length, 0);
        assert.deepEqual(engineState(engine.exportDatabase(), h.hotelId), await storeState(env, h.hotelId));
      } finally {
        engine.close();
        await proxy.close();
      }
    });
  });
}
