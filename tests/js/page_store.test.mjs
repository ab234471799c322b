// Page-level persistence on fileStore (openEngine({ store })): the database lives in a plain
// SQLite file written page by page through the core's VFS, durable when a write returns.
//   - random bookings/cancels against a model; a reopened engine answers the same
//   - a child process killed (SIGKILL) at 20 random moments during 100 bookings loses no
//     booking it reported as taken; the file passes PRAGMA integrity_check in better-sqlite3
//   - a crash at every write of a commit, with that write torn, is recovered at reopen
//   - a snapshot seeds a new store; the file opens in better-sqlite3 and sql.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEngine, fileStore, EdgestayError } from '../../bindings/js/index.mjs';
import { Rng } from '../../scripts/lib/rng.mjs';
import { NOW, FIRST, NIGHTS, ROOM_TYPES, iso, hotelBatch, bookingArgs } from './support/store_data.mjs';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const CHILD = new URL('./support/store_child.mjs', import.meta.url).pathname;
const DAY = 86400000;

function tempPath(t) {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgestay-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'kiosk.sqlite');
}

const open = (file, extra = {}) => openEngine({ now: () => NOW, store: fileStore(file), ...extra });

// Everything a kiosk needs back after a restart, as the engine answers it.
function state(engine) {
  const bookings = [];
  for (let u = 1; u <= 5; u++) bookings.push(...engine.getUserBookingsWithRoomType(u));
  const strip = ({ asOf, ...rest }) => rest;
  const availability = [];
  for (const rt of ROOM_TYPES) {
    availability.push(strip(engine.checkRoomAvailability({ roomTypeId: rt, checkIn: iso(FIRST), checkOut: iso(FIRST + 30 * DAY) })));
  }
  return { asOf: engine.asOf(), outbox: engine.pendingMutations(), bookings: bookings.map(strip), availability };
}

function integrity(file) {
  const db = new Database(file);  // not read-only: it may have to roll a hot journal back
  try {
    return {
      check: db.pragma('integrity_check', { simple: true }),
      bookings: db.prepare('SELECT count(*) AS n FROM bookings').get().n,
    };
  } finally {
    db.close();
  }
}

test('fileStore: random bookings and cancels match a model, and a reopened engine answers the same', async (t) => {
  const file = tempPath(t);
  const rng = new Rng(1010);
  let engine = await open(file);
  engine.applyChanges(hotelBatch(3));
  const active = new Map();  // id -> { rt, night, nights }
  const used = (rt, night) => [...active.values()].filter((b) => b.rt === rt && night >= b.night && night < b.night + b.nights).length;
  for (let step = 0; step < 120; step++) {
    if (active.size && rng.chance(0.3)) {
      const id = rng.pick([...active.keys()]);
      assert.equal(engine.cancelBooking(id).status, 'CANCELLED');
      active.delete(id);
    } else {
      const rt = rng.pick(ROOM_TYPES);
      const night = rng.int(0, 20);
      const nights = rng.int(1, 3);
      let free = true;
      for (let n = night; n < night + nights; n++) free &&= used(rt, n) < 3;
      const args = { hotelId: 1, roomTypeId: rt, userId: rng.int(1, 5), guests: 1,
        checkIn: iso(FIRST + night * DAY), checkOut: iso(FIRST + (night + nights) * DAY) };
      if (free) {
        active.set(engine.createBooking(args).id, { rt, night, nights });
      } else {
        assert.throws(() => engine.createBooking(args), (e) => e instanceof EdgestayError && e.code === 'NOT_AVAILABLE');
      }
    }
    if (step % 40 === 39) {
      // Reopen mid-run: the store alone carries everything forward.
      const before = state(engine);
      engine.close();
      engine = await open(file);
      assert.deepEqual(state(engine), before);
    }
  }
  for (const rt of ROOM_TYPES) {
    const answer = engine.checkRoomAvailability({ roomTypeId: rt, checkIn: iso(FIRST), checkOut: iso(FIRST + 24 * DAY) });
    answer.nightly.forEach((night, n) => assert.equal(night.available, 3 - used(rt, n), `${rt} night ${n}`));
  }
  const live = [...active.keys()].sort((a, b) => a - b);
  const stored = state(engine).bookings.filter((b) => b.status === 'PENDING_SYNC').map((b) => b.id).sort((a, b) => a - b);
  assert.deepEqual(stored, live);
  const clientId = engine.pendingMutations().clientId;
  engine.close();
  engine = await open(file);
  assert.equal(engine.pendingMutations().clientId, clientId, 'the client id survives a reopen');
  engine.close();
  assert.deepEqual(integrity(file), { check: 'ok', bookings: state(await open(file)).bookings.length });
});

test('fileStore: a snapshot seeds a new store; the file is a plain SQLite database (better-sqlite3, sql.js)', async (t) => {
  const seed = await openEngine({ now: () => NOW });
  seed.applyChanges(hotelBatch());
  seed.createBooking(bookingArgs(0));
  const snapshot = seed.exportDatabase();
  seed.close();
  const file = tempPath(t);
  let engine = await open(file, { snapshot });
  const b = engine.createBooking(bookingArgs(1));
  engine.close();
  // A snapshot given to an existing store is ignored: the store's data wins.
  engine = await open(file, { snapshot });
  assert.equal(engine.getUserBookingsWithRoomType(b.userId).some((x) => x.id === b.id), true);
  assert.equal(engine.pendingMutations().mutations.length, 2);
  engine.close();
  assert.deepEqual(integrity(file), { check: 'ok', bookings: 2 });
  const SQL = await require('sql.js')();
  const db = new SQL.Database(readFileSync(file));
  assert.equal(db.exec('SELECT count(*) FROM bookings')[0].values[0][0], 2);
  db.close();
});

test('fileStore: bad stores and bad files are refused with a code, and nothing is left open', async (t) => {
  await assert.rejects(openEngine({ store: {} }), (e) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(openEngine({ store: fileStore(tempPath(t)), persistence: { load: () => null } }),
    (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => fileStore(''), (e) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(open(path.join(tempPath(t), 'no', 'such', 'dir.sqlite')), (e) => e.code === 'STORAGE');
  const other = tempPath(t);
  const db = new Database(other);
  db.exec('CREATE TABLE hotels (x); INSERT INTO hotels VALUES (1)');
  db.close();
  await assert.rejects(open(other), (e) => e.code === 'CORRUPT_SNAPSHOT');
});

// A store that "crashes" at its k-th write: that write lands torn (only its first half),
// and from then on the store refuses everything, as a dead process would.
function crashingStore(file, k) {
  const inner = fileStore(file);
  let writes = 0;
  let dead = false;
  const die = () => { dead = true; throw new Error('crash'); };
  return {
    open: () => inner.open(),
    size: (f) => inner.size(f),
    read: (f, dst, off) => inner.read(f, dst, off),
    write(f, src, off) {
      if (dead) die();
      if (++writes === k) {
        inner.write(f, src.subarray(0, Math.ceil(src.length / 2)), off);
        die();
      }
      inner.write(f, src, off);
    },
    truncate: (f, n) => (dead ? die() : inner.truncate(f, n)),
    sync: (f) => (dead ? die() : inner.sync(f)),
    close: () => inner.close(),
    get writes() { return writes; },
  };
}

test('fileStore: a crash at any write of a commit, torn, is recovered at reopen (old or new state, never corrupt)', async (t) => {
  const base = tempPath(t);
  let engine = await open(base);
  engine.applyChanges(hotelBatch());
  engine.createBooking(bookingArgs(0));
  engine.close();
  const image = readFileSync(base);
  const restore = () => {
    writeFileSync(base, image);
    writeFileSync(`${base}-journal`, '');
  };
  // How many writes opening makes, and how many one booking's commit makes.
  const probe = crashingStore(base, Infinity);
  engine = await openEngine({ now: () => NOW, store: probe });
  const atOpen = probe.writes;
  engine.createBooking(bookingArgs(1));
  const perCommit = probe.writes - atOpen;
  engine.close();
  assert.ok(perCommit >= 4, `a booking commit writes journal and pages (${perCommit} writes)`);
  for (let k = 1; k <= perCommit; k++) {
    restore();
    engine = await openEngine({ now: () => NOW, store: crashingStore(base, atOpen + k) });
    assert.throws(() => engine.createBooking(bookingArgs(1)),
      (e) => (e.code === 'STORAGE' && e.details.cause === 'crash') || assert.fail(`write ${k}: ${e.code} ${e.message} ${JSON.stringify(e.details)}`));
    engine.close();
    // Recovery by the engine (odd k) or by stock SQLite (even k): a hot journal is rolled
    // back, the file is whole and holds the state before the unfinished booking.
    if (k % 2 === 1) {
      engine = await open(base);
      assert.equal(engine.pendingMutations().mutations.length, 1, `crash at write ${k}: the unfinished booking is not there`);
      engine.close();
    }
    assert.deepEqual(integrity(base), { check: 'ok', bookings: 1 }, `crash at write ${k}`);
    engine = await open(base);
    assert.equal(engine.createBooking(bookingArgs(1)).status, 'PENDING_SYNC', `the store is usable after a crash at write ${k}`);
    engine.close();
  }
});

test('fileStore: SIGKILL at 20 random moments during 100 bookings loses no booking reported as taken', async (t) => {
  const file = tempPath(t);
  const rng = new Rng(2020);
  const BOOKINGS = 100;
  const RUNS = 20;
  const taken = new Map();  // i -> local id
  let next = 0;
  let signals = 0;
  for (let run = 0; run <= RUNS; run++) {
    // Runs 0..19 are killed after 1-3 bookings they reported, plus 0-3 ms, so the kill lands
    // anywhere in a later commit; the last run books what is left and is let go.
    const killAfterReports = run < RUNS ? rng.int(1, 3) : null;
    const child = spawn(process.execPath, [CHILD, file, String(next), String(BOOKINGS)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let buffer = '';
    let killed = false;
    let reports = 0;
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'done') {
          // Done already (a fast disk let a killed run commit far past what it reported):
          // the last run is let go; a run meant to be killed is killed now.
          if (killAfterReports === null) child.stdin.end();
          else if (!killed) { killed = true; child.kill('SIGKILL'); }
        }
        const m = /^taken (\d+) (-?\d+)$/.exec(line);
        if (!m || killed) continue;
        taken.set(Number(m[1]), Number(m[2]));
        if (killAfterReports !== null && ++reports >= killAfterReports) {
          killed = true;
          const delay = rng.int(0, 3);
          setTimeout(() => child.kill('SIGKILL'), delay);
        }
      }
    });
    if ((await exited) === null) signals++;
    // Every booking reported so far is in the store, and the file is whole.
    const engine = await open(file);
    const stored = new Set(engine.pendingMutations().mutations.filter((m) => m.type === 'createBooking').map((m) => m.idempotencyKey));
    for (const i of taken.keys()) assert.ok(stored.has(`kill-${i}`), `run ${run}: booking ${i} reported taken is in the store`);
    engine.close();
    assert.equal(integrity(file).check, 'ok', `run ${run}`);
    next = Math.max(...[...stored].map((k) => Number(k.slice(5)))) + 1;
  }
  assert.equal(signals, RUNS, 'every run but the last was killed');
  const engine = await open(file);
  const keys = engine.pendingMutations().mutations.map((m) => m.idempotencyKey).sort();
  engine.close();
  assert.deepEqual(keys, Array.from({ length: BOOKINGS }, (_, i) => `kill-${i}`).sort(), 'each booking once, none lost');
});

test('fileStore: a booking writes a few pages, not the image (multi-MB hotel)', async (t) => {
  const file = tempPath(t);
  const rows = [];
  const types = Array.from({ length: 120 }, (_, i) => 100 + i);
  for (const rt of types) for (let n = 0; n < 365; n++) rows.push([rt, iso(FIRST + n * DAY), 9, 9, 10000 + n]);
  const engine = await open(file);
  engine.applyChanges({
    format: 'edgestay.changes/1', cursor: '1', changes: [
      { op: 'upsert', table: 'hotels', row: { id: 1, name: 'Big Inn', currency: 'EUR' } },
      ...types.map((id) => ({ op: 'upsert', table: 'room_types', row: { id, hotel_id: 1, name: `T${id}`, base_price_cents: 9000, total_rooms: 9 } })),
      { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'], rows },
    ],
  });
  const image = engine.exportDatabase().length;
  const bytes = [];
  const ms = [];
  for (let i = 0; i < 40; i++) {
    const before = engine.storageStats().bytesWritten;
    const t0 = performance.now();
    engine.createBooking({ hotelId: 1, roomTypeId: types[(i * 7) % types.length], userId: 1 + (i % 5), guests: 1,
      checkIn: iso(FIRST + ((i * 11) % 300) * DAY), checkOut: iso(FIRST + ((i * 11) % 300 + 2) * DAY) });
    ms.push(performance.now() - t0);
    bytes.push(engine.storageStats().bytesWritten - before);
  }
  engine.close();
  const sorted = (a) => [...a].sort((x, y) => x - y);
  const p = (a, q) => sorted(a)[Math.floor(a.length * q)];
  // Reported, not asserted (speed belongs to benchmarks): the fsync-bound commit time.
  console.log(`# page store metrics: image ${image} B, bytes/booking p50 ${p(bytes, 0.5)} max ${Math.max(...bytes)}, ` +
    `fileStore createBooking ms p50 ${p(ms, 0.5).toFixed(2)} p95 ${p(ms, 0.95).toFixed(2)}`);
  assert.ok(image > 2 * 1024 * 1024, `the image is multi-MB (${image} B)`);
  assert.ok(Math.max(...bytes) < image / 50, `bytes per booking ${Math.max(...bytes)} ≪ image ${image}`);
  assert.ok(Math.max(...bytes) < 64 * 1024, `bytes per booking ${Math.max(...bytes)} < 64 KiB`);
});
