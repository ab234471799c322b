// The JS sync client (sync/client/index.mjs) driving real engines against a real
// edgestay-server, on both stores: a bootstrap and its deltas equal the store row by row;
// pulls cut at random points never leave a partial batch behind; two offline kiosks sell
// the last room; pulled batches invalidate exactly the cached answers they touch; a lost
// push response neither loses nor duplicates; start()/stop() live updates with backoff
// across a server outage; a read-token client.
//
// The engine's rows are read from its exportDatabase() image (better-sqlite3), the store's
// with SQL through the harness, so "equal" means equal column by column.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { STORES, storeOptions, useStore, stopPostgres, booking, addDays, today } from './support/stores.mjs';
import { client as apiClient } from './support/http.mjs';
import { startLossyProxy } from './support/proxy.mjs';
import { startServer } from './support/server.mjs';
import { SKIP, core, engineSql } from './support/engine.mjs';
import { KEYS, COLUMNS } from './support/tables.mjs';
import { mulberry32 } from '../../scripts/lib/rng.mjs';

after(stopPostgres);

const { openEngine } = core;
const { SyncClient, SyncError } = await import('../../sync/client/index.mjs');

// ------------------------------------------------------------------ rows

const PUBLIC = ['hotels', 'room_types', 'room_inventory', 'booking_rules', 'special_days'];
const BOOK = [...PUBLIC, 'bookings', 'waitlist', 'payments'];
const ALL = [...BOOK, 'notifications'];

const keyOf = (table, row) => JSON.stringify(KEYS[table].map((k) => row[k]));
const norm = (table, r) => Object.fromEntries(COLUMNS[table].map((c) => [c, typeof r[c] === 'bigint' ? Number(r[c]) : r[c]]));
const toMap = (table, rows) => new Map(rows.map((r) => { const n = norm(table, r); return [keyOf(table, n), n]; }));

// The engine's rows, table by table (FORMAT.md columns), and its stored cursor.
function engineRows(engine, tables = ALL) {
  const db = new Database(Buffer.from(engine.exportDatabase()));
  try {
    const out = { cursor: db.prepare("SELECT value FROM sync_state WHERE key = 'cursor'").get()?.value ?? null };
    for (const t of tables) out[t] = toMap(t, db.prepare(`SELECT ${COLUMNS[t].join(', ')} FROM ${t}`).all());
    return out;
  } finally {
    db.close();
  }
}

// Every row of hotel H in the store, table by table, and the hotel's log position.
async function storeRows(env, hotelId, tables = ALL) {
  const rt = `(SELECT id FROM room_types WHERE hotel_id = ${hotelId})`;
  const bk = `(SELECT id FROM bookings WHERE hotel_id = ${hotelId})`;
  const where = {
    hotels: `id = ${hotelId}`, room_types: `hotel_id = ${hotelId}`, room_inventory: `room_type_id IN ${rt}`,
    booking_rules: `hotel_id = ${hotelId}`, special_days: `hotel_id = ${hotelId}`, bookings: `hotel_id = ${hotelId}`,
    waitlist: `hotel_id = ${hotelId}`, payments: `booking_id IN ${bk}`, notifications: `booking_id IN ${bk}`,
  };
  const out = { cursor: await storeCursor(env, hotelId) };
  for (const t of tables) out[t] = toMap(t, await env.query(`SELECT ${COLUMNS[t].join(', ')} FROM ${t} WHERE ${where[t]}`));
  return out;
}

async function storeCursor(env, hotelId) {
  const r = await env.query(`SELECT last_seq FROM change_seq WHERE hotel_id = ${hotelId}`);
  return String(Number(r[0].last_seq));
}

function assertSameRows(got, want, tables, label) {
  for (const t of tables) {
    const g = got[t];
    const w = want[t];
    for (const [k, row] of w) assert.deepEqual(g.get(k), row, `${label}: ${t} ${k}`);
    for (const k of g.keys()) assert.ok(w.has(k), `${label}: ${t} ${k} is in the engine, not in the store`);
    assert.equal(g.size, w.size, `${label}: ${t} row count`);
  }
}

// A canonical string of rows (sorted by key) and cursor: equal states, equal strings.
function digest(rows, tables) {
  return JSON.stringify([rows.cursor, ...tables.map((t) => [...rows[t].entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))]);
}

// ------------------------------------------------------------------ helpers

// Deterministic PRNG (mulberry32) so a failure can be replayed.
const rng = mulberry32;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred, { timeoutMs = 5000, stepMs = 10, what = 'condition' } = {}) {
  const t0 = Date.now();
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

const firstOfMonth = (date, plusMonths) => {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + plusMonths);
  return d.toISOString().slice(0, 10);
};

// A hang fails its own test (named) instead of stalling the whole file.
const LIMIT = { timeout: 90000 };

const isSyncError = (code) => (e) => {
  assert.ok(e instanceof SyncError, `a SyncError, got ${e?.stack ?? e}`);
  if (code) assert.equal(e.code, code, e.message);
  return true;
};

for (const kind of STORES) {
  describe(`sync client (${kind})`, { ...storeOptions(kind), ...SKIP }, () => {
    const env = useStore(kind);
    let clientCounter = 0;

    async function addRoomType(h, { name, rooms, priceCents, from = h.from, nights = h.dates.length }) {
      const rt = await env.admin.post(`/v1/hotels/${h.hotelId}/room-types`,
        { name, basePriceCents: priceCents, totalRooms: rooms, capacityAdults: 2 });
      assert.equal(rt.status, 201, rt.text);
      const id = rt.json.roomType.id;
      const inv = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`,
        { roomTypeId: id, from, to: addDays(from, nights), total: rooms, priceCents });
      assert.equal(inv.status, 200, inv.text);
      return id;
    }

    // A booking pushed by some other client (a fresh clientId, seq 1). Returns the result.
    async function otherBooking(h, token, args) {
      const id = `other-${kind}-${++clientCounter}`;
      const r = await env.client(token).post(`/v1/hotels/${h.hotelId}/mutations`,
        { clientId: id, mutations: [booking(1, id, { roomTypeId: h.roomTypeId, ...args })] });
      assert.equal(r.status, 200, r.text);
      return r.json.results[0];
    }

    async function ari(h, body, path = 'inventory') {
      const r = await env.admin.put(`/v1/hotels/${h.hotelId}/${path}`, body);
      assert.equal(r.status, 200, r.text);
      return r.json;
    }

    function newClient(engine, h, token, options = {}) {
      return new SyncClient(engine, { baseUrl: env.url, hotelId: h.hotelId, token, ...options });
    }

    // -------------------------------------------------------------- 1
    it('bootstrap + delta: a fresh engine equals the store row by row, then pulls only the delta', LIMIT, async () => {
      const h = await env.hotel({ rooms: 8, nights: 365, priceCents: 12000, name: 'Year Hotel' });
      const suite = await addRoomType(h, { name: 'Suite', rooms: 3, priceCents: 25000 });
      await ari(h, { updates: [
        { roomTypeId: h.roomTypeId, from: h.from, to: h.to, weekdays: [5, 6], priceCents: 15000 },
        { roomTypeId: suite, from: h.dates[30], to: h.dates[40], minStay: 2, closedToArrival: true },
        { roomTypeId: h.roomTypeId, from: h.dates[50], to: h.dates[53], stopSell: true, maxStay: 5, closedToDeparture: true },
      ] });
      await ari(h, { from: h.dates[100], to: h.dates[103], kind: 'event', priceMultiplierPct: 150, minStay: 2, note: 'Fair' }, 'special-days');
      await ari(h, { date: h.dates[200], kind: 'blackout' }, 'special-days');
      await ari(h, { max_nights: 21, min_lead_days: 1 }, 'rules');
      const book = await env.token(h.hotelId, 'book');
      for (const [i, n] of [[3, 2], [10, 5], [11, 1]]) {
        const r = await otherBooking(h, book, { userId: 40 + i, checkIn: h.dates[i], checkOut: h.dates[i + n], rooms: 2, guests: 2 });
        assert.equal(r.status, 'applied', JSON.stringify(r));
      }
      await otherBooking(h, book, { roomTypeId: suite, userId: 49, checkIn: h.dates[60], checkOut: h.dates[64] });

      const requests = [];
      const recording = async (url, init) => {
        const res = await fetch(url, init);
        const text = await res.text();
        requests.push({ method: init.method, url: new URL(url), status: res.status, json: JSON.parse(text) });
        return new Response(text, { status: res.status, headers: { 'content-type': 'application/json' } });
      };
      const engine = await openEngine({ cache: false });
      const paged = await openEngine({ cache: false });
      try {
        const sync = newClient(engine, h, book, { fetch: recording });
        const first = await sync.syncOnce();
        assert.equal(first.pushed, 0);
        assert.equal(requests.length, 1, 'a year of two room types in one page of 5000');
        assert.ok(!requests[0].url.searchParams.has('since'), 'a bootstrap names no since');
        const want = await storeRows(env, h.hotelId, BOOK);
        assert.equal(first.cursor, want.cursor, 'the engine is at the hotel log position');
        assert.equal(engine.asOf().cursor, want.cursor);
        assert.equal(want.room_inventory.size, 730);
        assertSameRows(engineRows(engine, BOOK), want, BOOK, 'bootstrap');

        // The same bootstrap in pages of 97 changes lands on the same rows.
        const pages = [];
        const pagedSync = newClient(paged, h, book, { pageSize: 97 });
        pagedSync.on('progress', (p) => pages.push(p));
        const viaPages = await pagedSync.syncOnce();
        // Pages end at transaction boundaries, so a page may hold more than pageSize changes
        // (the 730 nights were written by one ARI transaction).
        assert.ok(viaPages.batches >= 2, `paged in ${viaPages.batches} batches`);
        assert.deepEqual(pages.map((p) => p.hasMore), [...Array(pages.length - 1).fill(true), false]);
        assertSameRows(engineRows(paged, BOOK), want, BOOK, 'paged bootstrap');

        // The delta: ARI changes and one booking by another kiosk.
        const cursor0 = engine.asOf().cursor;
        requests.length = 0;
        await ari(h, { roomTypeId: suite, from: h.dates[100], to: h.dates[105], priceCents: 26000 });
        await ari(h, { roomTypeId: h.roomTypeId, from: h.dates[200], stopSell: true });
        await ari(h, { date: h.dates[250], kind: 'holiday', priceMultiplierPct: 120 }, 'special-days');
        await ari(h, { max_nights: 28 }, 'rules');
        const other = await otherBooking(h, book, { userId: 77, checkIn: h.dates[20], checkOut: h.dates[22] });
        assert.equal(other.status, 'applied');
        const delta = await sync.syncOnce();
        assert.equal(requests.length, 1, 'one request for the delta');
        assert.equal(requests[0].url.searchParams.get('since'), cursor0, 'pulled since the engine cursor');
        // 5 + 1 inventory nights, 1 special day, 1 rule; the booking: its row, 2 nights, its payment.
        assert.equal(delta.changes, 12, 'only the delta');
        const pulled = requests[0].json.changes.flatMap((c) => (c.rows ? c.rows.map((r) => [c.table, r]) : [[c.table, c.row]]));
        const inv = pulled.filter(([t]) => t === 'room_inventory').map(([, r]) => `${r[0]}:${r[1]}`).sort();
        assert.deepEqual(inv, [
          ...[100, 101, 102, 103, 104].map((i) => `${suite}:${h.dates[i]}`),
          `${h.roomTypeId}:${h.dates[200]}`, `${h.roomTypeId}:${h.dates[20]}`, `${h.roomTypeId}:${h.dates[21]}`,
        ].sort());
        assert.deepEqual(pulled.map(([t]) => t).filter((t) => t !== 'room_inventory').sort(),
          ['booking_rules', 'bookings', 'payments', 'special_days']);
        const want2 = await storeRows(env, h.hotelId, BOOK);
        assert.equal(engine.asOf().cursor, want2.cursor);
        assertSameRows(engineRows(engine, BOOK), want2, BOOK, 'after the delta');
        const a = engine.checkRoomAvailability({ roomTypeId: suite, checkIn: h.dates[100], checkOut: h.dates[101] });
        assert.equal(a.totalCents, 39000, 'the new price under the Fair multiplier (150%)');
        // Nothing new: one request, nothing applied, same cursor.
        requests.length = 0;
        const idle = await sync.syncOnce();
        assert.equal(idle.changes, 0);
        assert.equal(idle.batches, 0);
        assert.equal(idle.cursor, want2.cursor);
        assert.equal(requests.length, 1);
      } finally {
        engine.close();
        paged.close();
      }
    });

    // -------------------------------------------------------------- 2
    it('cut stream: >= 200 pulls aborted at random points never leave a partial batch; a clean sync converges', LIMIT, async () => {
      const h = await env.hotel({ rooms: 6, nights: 40, priceCents: 11000 });
      const second = await addRoomType(h, { name: 'Twin', rooms: 6, priceCents: 9000 });
      const roomTypes = [h.roomTypeId, second];
      const book = await env.token(h.hotelId, 'book');
      const rand = rng(kind === 'sqlite' ? 2024 : 4202);
      const pick = (n) => Math.floor(rand() * n);
      const PAGE = 16;

      // The faulty network: each request fails with probability 1/2, in one of three ways.
      const delivered = new Set();  // cursors of change batches handed to the client intact
      const faults = { before: 0, after: 0, truncated: 0 };
      let faultNow = false;
      const faulty = async (url, init) => {
        const mode = rand() < 0.5 ? ['before', 'after', 'truncated'][pick(3)] : null;
        if (mode) faultNow = true;
        if (mode === 'before') {
          faults.before++;
          throw new TypeError('fetch failed (injected: before sending)');
        }
        const res = await fetch(url, init);
        const text = await res.text();  // the server has answered completely
        if (mode === 'after') {
          faults.after++;
          throw new TypeError('fetch failed (injected: the answer is lost)');
        }
        let body = Buffer.from(text);
        if (mode === 'truncated') {
          faults.truncated++;
          body = body.subarray(0, pick(Buffer.byteLength(text.trimEnd())));
        } else if (res.ok && init.method === 'GET') {
          delivered.add(JSON.parse(text).cursor);
        }
        return new Response(body, { status: res.status, headers: { 'content-type': 'application/json' } });
      };

      // Writes by others: ARI changes (admin) and bookings/cancellations (other kiosks).
      const booked = [];
      const write = async () => {
        const rt = roomTypes[pick(2)];
        const from = pick(36);
        switch (pick(6)) {
          case 0: case 1: {
            const fields = [{ priceCents: 8000 + pick(50) * 100 }, { total: 6 + pick(4) }, { stopSell: rand() < 0.5 },
              { minStay: 1 + pick(3) }, { closedToArrival: rand() < 0.5 }, { maxStay: pick(8) }];
            const r = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`,
              { roomTypeId: rt, from: h.dates[from], to: addDays(h.dates[from], 1 + pick(12)), ...fields[pick(fields.length)] });
            assert.ok(r.status === 200 || (r.status === 409 && r.json.error.code === 'INVENTORY_CONFLICT'), r.text);
            return;
          }
          case 2: case 3: {
            const r = await otherBooking(h, book, { roomTypeId: rt, userId: 500 + pick(20), checkIn: h.dates[from],
              checkOut: addDays(h.dates[from], 1 + pick(4)), rooms: 1 + pick(2), guests: 1 });
            if (r.status === 'applied') booked.push(r.booking.id);
            return;
          }
          case 4: {
            if (!booked.length) return;
            const id = booked.splice(pick(booked.length), 1)[0];
            const cid = `cancel-${kind}-${++clientCounter}`;
            const r = await env.client(book).post(`/v1/hotels/${h.hotelId}/mutations`,
              { clientId: cid, mutations: [{ seq: 1, type: 'cancelBooking', idempotencyKey: cid, args: { bookingId: id } }] });
            assert.equal(r.json.results[0].status, 'applied', r.text);
            return;
          }
          default: {
            if (rand() < 0.5) await ari(h, { date: h.dates[from], kind: ['holiday', 'event', 'blackout'][pick(3)], priceMultiplierPct: 80 + pick(60) }, 'special-days');
            else assert.equal((await env.admin.del(`/v1/hotels/${h.hotelId}/special-days?from=${h.dates[from]}&to=${h.dates[from + 3]}`)).status, 200);
          }
        }
      };

      const engine = await openEngine({ cache: false });
      const sync = newClient(engine, h, book, { fetch: faulty, pageSize: PAGE });
      // The reference: a clean engine that is always where the engine under test was before
      // the attempt; after it, it pulls the same pages (same since, same limit, no writes in
      // between, so the same batches) and records its state at every cursor.
      let ref = await openEngine({ cache: false });
      let refSnap = ref.exportDatabase();
      let refDigest = digest(engineRows(ref, BOOK), BOOK);
      let attempts = 0;
      let failed = 0;
      let partial = 0;  // failed attempts that still applied some batches
      try {
        while (failed < 200) {
          assert.ok(attempts < 1500, 'too few faults');
          const writes = pick(3) + (attempts === 0 ? 0 : 1);
          for (let w = 0; w < writes; w++) await write();
          const before = engine.asOf().cursor;
          faultNow = false;
          let error = null;
          try {
            await sync.syncOnce();
          } catch (e) {
            error = e;
          }
          attempts++;
          assert.equal(error !== null, faultNow, `attempt ${attempts}: fails exactly when a fault was injected (${error?.stack})`);
          if (error) {
            failed++;
            assert.ok(error instanceof SyncError && ['NETWORK', 'BAD_RESPONSE'].includes(error.code), error.stack);
          }
          const after = engine.asOf().cursor;
          const rows = engineRows(engine, BOOK);
          assert.equal(rows.cursor, after, 'the stored cursor is the one asOf() reports');
          assert.ok(after === before || delivered.has(after),
            `attempt ${attempts}: cursor ${after} is neither the one before (${before}) nor one the client received intact`);

          // Where the clean reference is at each page boundary from `before`.
          const states = new Map([[before, { digest: refDigest, snap: refSnap }]]);
          const refSync = newClient(ref, h, book, { pageSize: PAGE });
          refSync.on('progress', (p) => {
            states.set(p.cursor, { digest: digest(engineRows(ref, BOOK), BOOK), snap: ref.exportDatabase() });
          });
          await refSync.pull();
          const at = states.get(after);
          assert.ok(at, `attempt ${attempts}: cursor ${after} is not a page boundary of the clean pull from ${before} (${[...states.keys()]})`);
          const got = digest(rows, BOOK);
          if (got !== at.digest) {
            const refRows = engineRows(await openEngine({ snapshot: at.snap, cache: false }), BOOK);
            assertSameRows(rows, refRows, BOOK, `attempt ${attempts} at cursor ${after}`);
            assert.fail(`attempt ${attempts}: state at ${after} differs from the reference`);
          }
          if (error && after !== before) partial++;
          if (!error) assert.equal(after, ref.asOf().cursor, 'a clean attempt reaches the head');
          // The reference restarts from the state at the engine's cursor.
          ref.close();
          ref = await openEngine({ snapshot: at.snap, cache: false });
          refSnap = at.snap;
          refDigest = at.digest;
        }
        assert.ok(faults.before > 30 && faults.after > 30 && faults.truncated > 30, JSON.stringify(faults));
        assert.ok(partial > 5, `some failed attempts stopped between pages (${partial})`);
        const clean = newClient(engine, h, book, { pageSize: PAGE });
        const done = await clean.syncOnce();
        const want = await storeRows(env, h.hotelId, BOOK);
        assert.equal(done.cursor, want.cursor);
        assertSameRows(engineRows(engine, BOOK), want, BOOK, 'after the clean sync');
        assert.ok(want.bookings.size > 20, `bookings by others were pulled (${want.bookings.size})`);
      } finally {
        engine.close();
        ref.close();
      }
    });

    // -------------------------------------------------------------- 3
    it('two offline kiosks sell the last room: the centre applies 1, the other is REJECTED sold_out in its one syncOnce', LIMIT, async () => {
      const h = await env.hotel({ rooms: 2, nights: 5, priceCents: 10000 });
      const book = await env.token(h.hotelId, 'book');
      const night = h.dates[2];
      const walkIn = await otherBooking(h, book, { userId: 300, checkIn: night, checkOut: h.dates[3] });
      assert.equal(walkIn.status, 'applied');
      const kiosk = async (name) => {
        const engine = await openEngine({ cache: false });
        const k = { name, engine, online: true };
        k.sync = newClient(engine, h, book, {
          fetch: (url, init) => (k.online ? fetch(url, init) : Promise.reject(new TypeError('fetch failed: network is down'))),
        });
        return k;
      };
      const kiosks = [await kiosk('A'), await kiosk('B')];
      try {
        for (const k of kiosks) await k.sync.syncOnce();
        const avail = (k, d = night) => k.engine.checkRoomAvailability({ roomTypeId: h.roomTypeId, checkIn: d, checkOut: addDays(d, 1) });
        for (const k of kiosks) assert.equal(avail(k).nightly[0].available, 1, 'one room left');

        // Network off: both sell the last room locally.
        for (const [i, k] of kiosks.entries()) {
          k.online = false;
          k.booking = k.engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 301 + i,
            checkIn: night, checkOut: h.dates[3], guests: 2 });
          assert.equal(k.booking.status, 'PENDING_SYNC');
          assert.ok(k.booking.id < 0);
          assert.equal(avail(k).nightly[0].available, 0, 'the local booking holds the room');
          await assert.rejects(k.sync.syncOnce(), isSyncError('NETWORK'));
          assert.equal(k.engine.pendingMutations().mutations.length, 1, 'the outbox keeps it');
          assert.equal(k.engine.getUserBookingsWithRoomType(301 + i)[0].status, 'PENDING_SYNC');
        }

        // Network back: each syncs once, at the same time.
        for (const k of kiosks) k.online = true;
        const results = await Promise.all(kiosks.map((k) => k.sync.syncOnce()));
        const winnerIndex = results.findIndex((r) => r.applied === 1);
        assert.ok(winnerIndex >= 0, JSON.stringify(results));
        const winner = kiosks[winnerIndex];
        const loser = kiosks[1 - winnerIndex];
        assert.deepEqual([results[winnerIndex].applied, results[winnerIndex].rejected], [1, 0]);
        assert.deepEqual([results[1 - winnerIndex].applied, results[1 - winnerIndex].rejected], [0, 1]);

        // The centre: exactly one of the two, the night sold out, not overbooked.
        const inv = await env.query(`SELECT available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} AND date = '${night}'`);
        assert.equal(Number(inv[0].available), 0);
        const central = await env.query(`SELECT id, status, idempotency_key FROM bookings WHERE hotel_id = ${h.hotelId} AND id <> ${walkIn.booking.id}`);
        assert.equal(central.length, 1, JSON.stringify(central));
        assert.equal(central[0].idempotency_key, winner.booking.idempotencyKey);
        assert.equal(central[0].status, 'CONFIRMED');
        const serverId = Number(central[0].id);

        // The winner: CONFIRMED with its serverId; the centre's row has arrived onto the local one.
        const [w] = winner.engine.getUserBookingsWithRoomType(winner.booking.userId);
        assert.equal(w.status, 'CONFIRMED');
        assert.equal(w.serverId, serverId);
        assert.equal(w.origin, 'central', 'the pulled central row replaced the local one');
        assert.equal(winner.engine.getUserBookingsWithRoomType(winner.booking.userId).length, 1, 'no second row');
        // The loser: REJECTED, sold_out, in that one syncOnce.
        const [l] = loser.engine.getUserBookingsWithRoomType(loser.booking.userId);
        assert.equal(l.status, 'REJECTED');
        const outbox = engineSql(loser.engine, 'SELECT status, result FROM outbox');
        assert.equal(outbox.length, 1);
        assert.equal(outbox[0].status, 'REJECTED');
        assert.equal(JSON.parse(outbox[0].result).reason, 'sold_out');

        // Both kiosks agree with the centre, night by night; nothing local still holds rooms.
        const want = await storeRows(env, h.hotelId, BOOK);
        for (const k of kiosks) {
          assert.equal(k.engine.pendingMutations().mutations.length, 0);
          assert.equal(avail(k).nightly[0].available, 0, `${k.name}: the night is sold out (not double-counted)`);
          assert.equal(avail(k).reason, 'sold_out');
          for (const d of h.dates) {
            assert.equal(avail(k, d).nightly[0].available, want.room_inventory.get(JSON.stringify([h.roomTypeId, d])).available, `${k.name} ${d}`);
          }
          assertSameRows(engineRows(k.engine, ['room_inventory']), want, ['room_inventory'], k.name);
          const holding = engineSql(k.engine, "SELECT id FROM bookings WHERE origin = 'local' AND status IN ('HELD', 'PENDING_SYNC', 'CONFIRMED')");
          assert.deepEqual(holding, [], `${k.name}: no local booking holds rooms`);
          assert.equal(k.engine.asOf().cursor, want.cursor);
        }
        // The winner's engine has every central booking, the local row standing for its own.
        const wRows = engineRows(winner.engine, ['bookings']).bookings;
        const mine = [...wRows.values()].find((r) => r.server_id === serverId);
        assert.equal(mine.id, winner.booking.id);
        assert.equal(wRows.size, 2);
      } finally {
        for (const k of kiosks) k.engine.close();
      }
    });

    // -------------------------------------------------------------- 4
    it('cache invalidation from sync: a pulled ARI change evicts exactly the answers it touches', LIMIT, async () => {
      const m1 = firstOfMonth(today(), 1);
      const m2 = firstOfMonth(today(), 2);
      const h = await env.hotel({ rooms: 4, nights: 62, from: m1, priceCents: 10000 });
      const twin = await addRoomType(h, { name: 'Twin', rooms: 4, priceCents: 8000 });
      const read = await env.token(h.hotelId, 'read');
      // Counts single entries: every answer is stored on its first miss (admission 'always').
      const cached = await openEngine({ cache: { admission: 'always' } });
      const plain = await openEngine({ cache: false });
      try {
        const syncs = [newClient(cached, h, read), newClient(plain, h, read)];
        for (const s of syncs) await s.syncOnce();
        const stay = (rt, m) => (e) => e.checkRoomAvailability({ roomTypeId: rt, checkIn: addDays(m, 9), checkOut: addDays(m, 12) });
        const cal = (m) => (e) => e.getCalendar({ hotelId: h.hotelId, from: m, days: 28 });
        const queries = {
          'rt1 m1': stay(h.roomTypeId, m1), 'rt1 m2': stay(h.roomTypeId, m2),
          'rt2 m1': stay(twin, m1), 'rt2 m2': stay(twin, m2),
          'calendar m1': cal(m1), 'calendar m2': cal(m2),
        };
        // A change of rt1 on m1 + 10 days touches 'rt1 m1' and 'calendar m1'. A calendar is one cache entry composed of one entry per room type: the m1 calendar
        // and its rt1 block go, its rt2 block stays (and is a hit when the calendar is rebuilt).
        const touchedEntries = 3;
        const withoutSyncedAt = (a) => ({ ...a, asOf: { cursor: a.asOf.cursor } });
        const s0 = cached.cacheStats();
        for (const q of Object.values(queries)) q(cached);
        assert.equal(cached.cacheStats().misses - s0.misses, 4 + 2 * 3, '4 stays, 2 calendars of 2 room type blocks');
        const changed = addDays(m1, 10);
        const rounds = [
          ['price', { priceCents: 33300 }, (a) => assert.equal(a.nightly[1].priceCents, 33300)],
          ['availability', { total: 1 }, (a) => assert.equal(a.nightly[1].available, 1)],
          ['stop-sell', { stopSell: true }, (a) => assert.deepEqual([a.available, a.reason], [false, 'stop_sell'])],
        ];
        for (const [name, change, check] of rounds) {
          await ari(h, { roomTypeId: h.roomTypeId, from: changed, ...change });
          const sBefore = cached.cacheStats();
          for (const s of syncs) assert.equal((await s.syncOnce()).changes, 1, `${name}: one inventory row pulled`);
          const sSynced = cached.cacheStats();
          assert.equal(sSynced.invalidations - sBefore.invalidations, touchedEntries, `${name}: only the affected answers are invalidated`);
          const answers = {};
          for (const [k, q] of Object.entries(queries)) {
            answers[k] = q(cached);
            assert.deepEqual(withoutSyncedAt(answers[k]), withoutSyncedAt(q(plain)), `${name}: ${k} equals the cache-off engine's (0 stale)`);
          }
          const sAfter = cached.cacheStats();
          assert.equal(sAfter.hits - sSynced.hits, 4 + 1, `${name}: the unrelated answers (and the m1 calendar's rt2 block) are hits`);
          assert.equal(sAfter.misses - sSynced.misses, touchedEntries, `${name}: the touched answers are recomputed`);
          check(answers['rt1 m1']);
          assert.equal(answers['rt1 m1'].asOf.cursor, cached.asOf().cursor);
          assert.equal(answers['rt2 m2'].asOf.cursor, cached.asOf().cursor, 'a hit carries the new asOf');
        }
        assert.equal(queries['calendar m1'](cached).roomTypes[0].stopSell[10], 1);
      } finally {
        cached.close();
        plain.close();
      }
    });

    // -------------------------------------------------------------- 5
    it('lost response with the real client: the retry gets the recorded result; 1 booking, 0 duplicates', LIMIT, async () => {
      const h = await env.hotel({ rooms: 3, nights: 5 });
      const book = await env.token(h.hotelId, 'book');
      const proxy = await startLossyProxy(env.url);
      const engine = await openEngine({ cache: false });
      try {
        const sync = new SyncClient(engine, { baseUrl: proxy.url, hotelId: h.hotelId, token: book });
        await sync.syncOnce();
        const local = engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 55,
          checkIn: h.dates[1], checkOut: h.dates[3], rooms: 1, guests: 2 });
        proxy.state.dropResponses = 1;
        await assert.rejects(sync.syncOnce(), isSyncError('NETWORK'));
        assert.equal(proxy.state.dropped, 1);
        const stored = await env.query(`SELECT id, status FROM bookings WHERE hotel_id = ${h.hotelId} AND idempotency_key = '${local.idempotencyKey}'`);
        assert.equal(stored.length, 1, 'the centre committed it');
        assert.equal(engine.getUserBookingsWithRoomType(55)[0].status, 'PENDING_SYNC', 'the engine never heard');
        assert.equal(engine.pendingMutations().mutations.length, 1);

        const again = await sync.syncOnce();
        assert.deepEqual([again.pushed, again.applied, again.rejected], [1, 1, 0]);
        const serverId = Number(stored[0].id);
        const mine = engine.getUserBookingsWithRoomType(55);
        assert.equal(mine.length, 1, 'one row in the engine');
        assert.equal(mine[0].status, 'CONFIRMED');
        assert.equal(mine[0].serverId, serverId, 'confirmed with the id the centre recorded');
        assert.equal(mine[0].origin, 'central');
        assert.equal(Number((await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`))[0].n), 1, '0 duplicates');
        const inv = await env.query(`SELECT available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
        assert.deepEqual(inv.map((r) => Number(r.available)), [3, 2, 2, 3, 3], 'rooms taken once');
        const a = engine.checkRoomAvailability({ roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.to });
        assert.deepEqual(a.nightly.map((n) => n.available), [3, 2, 2, 3, 3], 'the engine agrees, not double-counted');

        // The cancel, with a fetch that lets the POST reach the server and loses the answer.
        let loseNext = true;
        const lossy = async (url, init) => {
          const res = await fetch(url, init);
          if (init.method === 'POST' && loseNext) {
            loseNext = false;
            await res.text();
            throw new TypeError('fetch failed (injected: the answer is lost)');
          }
          return res;
        };
        const sync2 = newClient(engine, h, book, { fetch: lossy });
        engine.cancelBooking(local.id);
        await assert.rejects(sync2.syncOnce(), isSyncError('NETWORK'));
        assert.equal((await env.query(`SELECT status FROM bookings WHERE id = ${serverId}`))[0].status, 'CANCELLED');
        const c = await sync2.syncOnce();
        assert.deepEqual([c.pushed, c.applied, c.rejected], [1, 1, 0]);
        assert.equal(engine.pendingMutations().mutations.length, 0);
        const inv2 = await env.query(`SELECT available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
        assert.deepEqual(inv2.map((r) => Number(r.available)), [3, 3, 3, 3, 3], 'rooms given back once');
        assertSameRows(engineRows(engine, ['room_inventory']), await storeRows(env, h.hotelId, ['room_inventory']), ['room_inventory'], 'after the cancel');
        assert.equal(engine.getUserBookingsWithRoomType(55)[0].status, 'CANCELLED');
      } finally {
        engine.close();
        await proxy.close();
      }
    });

    // -------------------------------------------------------------- 6
    it('live updates: start() picks up an admin change within 2 s, backs off exponentially while the server is down, recovers, stop() ends it', LIMIT, async () => {
      const h = await env.hotel({ rooms: 4, nights: 10 });
      const read = await env.token(h.hotelId, 'read');
      // A server of our own on the same store, so it can be stopped; a fetch that follows it.
      let server = await startServer(env.spec);
      let calls = 0;
      const follow = (url, init) => {
        calls++;
        const u = new URL(url);
        return fetch(new URL(u.pathname + u.search, server.url), init);
      };
      const engine = await openEngine({ cache: false });
      const sync = new SyncClient(engine, { baseUrl: server.url, hotelId: h.hotelId, token: read, fetch: follow,
        waitSeconds: 10, initialBackoffMs: 100, maxBackoffMs: 800 });
      const errors = [];
      const syncs = [];
      sync.on('error', (e) => errors.push({ at: Date.now(), ...e }));
      sync.on('sync', (s) => syncs.push(s));
      const price = (d) => engine.checkRoomAvailability({ roomTypeId: h.roomTypeId, checkIn: d, checkOut: addDays(d, 1) }).nightly[0].priceCents;
      try {
        sync.start();
        assert.equal(sync.running, true);
        await waitFor(() => syncs.length >= 1, { what: 'the first sync' });
        assert.equal(price(h.dates[4]), 10000);
        await sleep(300);  // the client is now in its long-poll
        const adminHere = apiClient(server.url, env.adminToken);
        const t0 = Date.now();
        const put = await adminHere.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[4], priceCents: 12345 });
        assert.equal(put.status, 200);
        await waitFor(() => price(h.dates[4]) === 12345, { timeoutMs: 2000, what: 'the live update' });
        const liveMs = Date.now() - t0;
        assert.equal(engine.asOf().cursor, put.json.cursor);
        assert.deepEqual(errors, []);

        // The server goes away: errors with growing retryInMs, capped.
        const stopped = await server.stop();
        assert.equal(stopped.code, 0);
        await waitFor(() => errors.length >= 6, { timeoutMs: 8000, what: '6 error events' });
        const delays = errors.map((e) => e.retryInMs);
        assert.deepEqual(delays.slice(0, 5), [100, 200, 400, 800, 800], `exponential backoff: ${delays}`);
        assert.ok(errors.every((e) => e.error instanceof SyncError && e.error.code === 'NETWORK'), errors.map((e) => e.error.stack).join('\n'));
        for (let i = 1; i < 5; i++) {
          const gap = errors[i].at - errors[i - 1].at;
          assert.ok(gap >= delays[i - 1] * 0.5 - 20, `waited ${gap} ms after an error announcing ${delays[i - 1]} ms`);
        }
        // A change while it is down (through the suite's server, same store).
        await ari(h, { roomTypeId: h.roomTypeId, from: h.dates[5], priceCents: 15555 });
        const errorsBefore = errors.length;
        server = await startServer(env.spec);
        await waitFor(() => price(h.dates[5]) === 15555, { timeoutMs: 5000, what: 'recovery' });
        assert.ok(errors.length <= errorsBefore + 1, 'recovers at the next retry');
        assert.equal(engine.asOf().cursor, await storeCursor(env, h.hotelId));

        // A success resets the backoff.
        await sleep(200);
        const errorsNow = errors.length;
        await server.stop();
        await waitFor(() => errors.length > errorsNow, { what: 'an error after the second stop' });
        assert.equal(errors[errorsNow].retryInMs, 100, 'the backoff starts over after a success');
        server = await startServer(env.spec);
        const n = syncs.length;
        await waitFor(() => syncs.length > n, { what: 'recovery again' });

        // stop(): ends the long-poll at once; nothing runs afterwards.
        await sleep(200);
        const ts = Date.now();
        await sync.stop();
        assert.ok(Date.now() - ts < 1000, `stop() took ${Date.now() - ts} ms`);
        assert.equal(sync.running, false);
        const callsAtStop = calls;
        const errorsAtStop = errors.length;
        await ari(h, { roomTypeId: h.roomTypeId, from: h.dates[6], priceCents: 17777 });
        await sleep(1200);
        assert.equal(calls, callsAtStop, 'no request after stop()');
        assert.equal(errors.length, errorsAtStop, 'no error after stop()');
        assert.equal(price(h.dates[6]), 10000);
        // syncOnce still works after stop.
        await sync.syncOnce();
        assert.equal(price(h.dates[6]), 17777);
        console.log(`# ${kind}: live update after ${liveMs} ms; backoff ${delays.join(', ')} ms`);
      } finally {
        await sync.stop();
        await server.stop();
        engine.close();
      }
    });

    // -------------------------------------------------------------- 7
    it('a read-token client pulls inventory, never payments or other guests\' bookings; its push gets FORBIDDEN and the outbox keeps it', LIMIT, async () => {
      const h = await env.hotel({ rooms: 5, nights: 6 });
      const book = await env.token(h.hotelId, 'book');
      const guest = 71;
      const read = await env.token(h.hotelId, 'read', guest);
      const own = await otherBooking(h, book, { userId: guest, checkIn: h.dates[0], checkOut: h.dates[2] });
      const others = await otherBooking(h, book, { userId: 72, checkIn: h.dates[1], checkOut: h.dates[3], rooms: 2, guests: 2 });
      assert.equal(own.status, 'applied');
      assert.equal(others.status, 'applied');
      const engine = await openEngine({ cache: false });
      try {
        const sync = newClient(engine, h, read);
        await sync.syncOnce();
        const want = await storeRows(env, h.hotelId, ALL);
        assert.ok(want.payments.size >= 2, 'the store has payments');
        const rows = engineRows(engine, ALL);
        assertSameRows(rows, want, PUBLIC, 'read token');
        assert.equal(rows.cursor, want.cursor);
        assert.deepEqual([...rows.bookings.values()].map((b) => b.user_id), [guest], 'only the guest\'s own booking');
        assert.deepEqual(rows.bookings.get(JSON.stringify([own.booking.id])), want.bookings.get(JSON.stringify([own.booking.id])));
        assert.equal(rows.payments.size, 0, 'no payments');
        assert.equal(rows.notifications.size, 0, 'no notifications');

        const local = engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: guest, checkIn: h.dates[4], checkOut: h.dates[5] });
        await ari(h, { roomTypeId: h.roomTypeId, from: h.dates[2], priceCents: 12222 });
        const err = await sync.syncOnce().then(() => null, (e) => e);
        isSyncError('FORBIDDEN')(err);
        assert.equal(err.status, 403);
        assert.equal(engine.asOf().cursor, await storeCursor(env, h.hotelId), 'the refused push did not stop the pull');
        assert.equal(engine.checkRoomAvailability({ roomTypeId: h.roomTypeId, checkIn: h.dates[2], checkOut: h.dates[3] }).totalCents, 12222);
        assert.equal(Number((await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`))[0].n), 2, 'nothing booked');
        // The engine stays usable and keeps the mutation for a token that may push.
        const pending = engine.pendingMutations().mutations;
        assert.equal(pending.length, 1);
        assert.equal(pending[0].idempotencyKey, local.idempotencyKey);
        assert.equal(engine.getUserBookingsWithRoomType(guest).find((b) => b.id === local.id).status, 'PENDING_SYNC');
        const a = engine.checkRoomAvailability({ roomTypeId: h.roomTypeId, checkIn: h.dates[4], checkOut: h.dates[5] });
        assert.equal(a.nightly[0].available, 4, 'the local booking still holds its room');
        // Pulling still works for this token, and syncOnce keeps pulling.
        await ari(h, { roomTypeId: h.roomTypeId, from: h.dates[3], priceCents: 11111 });
        await assert.rejects(sync.syncOnce(), isSyncError('FORBIDDEN'));
        assert.equal(engine.checkRoomAvailability({ roomTypeId: h.roomTypeId, checkIn: h.dates[3], checkOut: h.dates[4] }).totalCents, 11111);
        assert.equal(engine.pendingMutations().mutations.length, 1);
        // A book token pushes the kept mutation.
        const pushed = await newClient(engine, h, book).syncOnce();
        assert.deepEqual([pushed.pushed, pushed.applied], [1, 1]);
        assert.equal(engine.getUserBookingsWithRoomType(guest).find((b) => b.id === local.id).status, 'CONFIRMED');
      } finally {
        engine.close();
      }
    });

    // -------------------------------------------------------------- 8 (regressions)
    it('an offline kiosk with more than 500 pending mutations pushes them all, in requests the server accepts', LIMIT, async () => {
      const h = await env.hotel({ rooms: 600, nights: 3 });
      const book = await env.token(h.hotelId, 'book');
      const engine = await openEngine({ cache: false });
      const posts = [];
      let online = true;
      const net = (url, init) => {
        if (!online) return Promise.reject(new TypeError('fetch failed: network is down'));
        if (init.method === 'POST') posts.push(JSON.parse(init.body).mutations.length);
        return fetch(url, init);
      };
      try {
        const sync = newClient(engine, h, book, { fetch: net });
        await sync.syncOnce();
        online = false;
        for (let i = 0; i < 501; i++) {
          engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 1000 + i, checkIn: h.dates[0], checkOut: h.dates[1] });
        }
        await assert.rejects(sync.syncOnce(), isSyncError('NETWORK'));
        online = true;
        const s = await sync.syncOnce();
        assert.deepEqual(posts, [500, 1], 'at most 500 mutations per push');
        assert.deepEqual([s.pushed, s.applied, s.rejected], [501, 501, 0]);
        assert.equal(engine.pendingMutations().mutations.length, 0);
        assert.equal(Number((await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`))[0].n), 501);
        assertSameRows(engineRows(engine, ['room_inventory']), await storeRows(env, h.hotelId, ['room_inventory']), ['room_inventory'], 'after 501');
        assert.equal(engine.checkRoomAvailability({ roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] }).nightly[0].available, 99);
      } finally {
        engine.close();
      }
    });

    it('beyond the server\'s long-poll cap a running client polls every pollIntervalMs instead of spinning', LIMIT, async () => {
      const h = await env.hotel({ rooms: 2, nights: 3 });
      const read = await env.token(h.hotelId, 'read');
      const server = await startServer(env.spec, ['--max-long-polls', '1']);
      const engines = [await openEngine({ cache: false }), await openEngine({ cache: false })];
      const calls = [0, 0];
      const syncs = engines.map((engine, i) => new SyncClient(engine, { baseUrl: server.url, hotelId: h.hotelId, token: read,
        waitSeconds: 10, pollIntervalMs: 100, fetch: (url, init) => { calls[i]++; return fetch(url, init); } }));
      const warnings = [];
      const onWarning = (w) => warnings.push(w);
      process.on('warning', onWarning);
      try {
        syncs[0].start();
        await sleep(300);  // the first one holds the only long-poll slot
        syncs[1].start();
        await sleep(2000);
        assert.ok(calls[0] <= 3, `the long-polling client made ${calls[0]} requests`);
        assert.ok(calls[1] >= 10 && calls[1] <= 100, `the client over the cap made ${calls[1]} requests in 2 s (it polls, it does not spin)`);
        assert.deepEqual(warnings.map(String), [], 'no listener leak (MaxListenersExceededWarning) from its sleeps');
        const put = await apiClient(server.url, env.adminToken).put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[1], priceCents: 4321 });
        for (const engine of engines) {
          await waitFor(() => engine.asOf().cursor === put.json.cursor, { timeoutMs: 2000, what: 'the change on both clients' });
        }
      } finally {
        process.off('warning', onWarning);
        for (const s of syncs) await s.stop();
        for (const e of engines) e.close();
        await server.stop();
      }
    });

    it('a running client and syncOnce() pushing bookings: the long-poll batch waits for the push results, no errors', LIMIT, async () => {
      const h = await env.hotel({ rooms: 20, nights: 3 });
      const book = await env.token(h.hotelId, 'book');
      const engine = await openEngine({ cache: false });
      // Push answers reach the client 150 ms late, so the woken long-poll's batch (with the
      // centre's rows of the pushed booking) always arrives first.
      const slowPush = async (url, init) => {
        const res = await fetch(url, init);
        if (init.method !== 'POST') return res;
        const text = await res.text();
        await sleep(150);
        return new Response(text, { status: res.status, headers: { 'content-type': 'application/json' } });
      };
      const sync = newClient(engine, h, book, { waitSeconds: 10, initialBackoffMs: 50, fetch: slowPush });
      const errors = [];
      sync.on('error', (e) => errors.push(e.error));
      const first = new Promise((resolve) => sync.on('sync', resolve));
      try {
        sync.start();
        await first;
        await sleep(100);  // the long-poll is waiting
        for (let i = 0; i < 8; i++) {
          engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 900 + i, checkIn: h.dates[0], checkOut: h.dates[1] });
          // The centre's commit wakes the long-poll while this push's answer is on its way.
          const s = await sync.syncOnce();
          assert.equal(s.applied, 1);
          await sleep(100);
        }
        await waitFor(async () => engine.asOf().cursor === await storeCursor(env, h.hotelId), { what: 'the last batch' });
        assert.deepEqual(errors.map((e) => e.message), [], 'no error events');
        for (let i = 0; i < 8; i++) {
          const [b] = engine.getUserBookingsWithRoomType(900 + i);
          assert.deepEqual([b.status, b.origin], ['CONFIRMED', 'central']);
        }
        assertSameRows(engineRows(engine, ['room_inventory']), await storeRows(env, h.hotelId, ['room_inventory']), ['room_inventory'], 'running');
      } finally {
        await sync.stop();
        engine.close();
      }
    });

    it('syncOnce() called while a run is in flight pushes the writes made before the call', LIMIT, async () => {
      const h = await env.hotel({ rooms: 20, nights: 3 });
      const book = await env.token(h.hotelId, 'book');
      const engine = await openEngine({ cache: false });
      // The first run's push answer is held until the second booking is written and its
      // syncOnce() called: that run read the outbox before the second booking existed.
      let pushSent, release;
      const sent = new Promise((resolve) => { pushSent = resolve; });
      const gate = new Promise((resolve) => { release = resolve; });
      const held = async (url, init) => {
        const res = await fetch(url, init);
        if (init?.method === 'POST') {
          pushSent();
          await gate;
        }
        return res;
      };
      const sync = newClient(engine, h, book, { fetch: held });
      try {
        await sync.syncOnce();  // the hotel's rows (an empty outbox: no push to hold)
        const args = (userId) => ({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId, checkIn: h.dates[0], checkOut: h.dates[1] });
        engine.createBooking(args(901));
        const first = sync.syncOnce();
        await sent;
        engine.createBooking(args(902));
        const second = sync.syncOnce();
        release();
        const [a, b] = await Promise.all([first, second]);
        assert.equal(a.applied, 1);
        assert.equal(b.applied, 1, 'the second call pushed the booking written before it');
        assert.equal(engine.pendingMutations().mutations.length, 0, 'nothing left in the outbox');
        for (const user of [901, 902]) {
          const [mine] = engine.getUserBookingsWithRoomType(user);
          assert.deepEqual([mine.status, mine.origin], ['CONFIRMED', 'central'], `user ${user}`);
        }
      } finally {
        release();
        engine.close();
      }
    });

    // -------------------------------------------------------------- known deviations (todo)
    // Exact repros of engine/server behaviour that breaks a guarantee; each turns green when fixed.

    it('a central booking row that arrives before the engine saw its push result maps onto the local booking (same idempotencyKey)', {
      ...LIMIT,
    }, async () => {
      const h = await env.hotel({ rooms: 2, nights: 3 });
      const book = await env.token(h.hotelId, 'book');
      const engine = await openEngine({ cache: false });
      try {
        const sync = newClient(engine, h, book);
        await sync.syncOnce();
        const local = engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 5, checkIn: h.dates[0], checkOut: h.dates[1] });
        // The push reaches the centre; its answer is lost; then a pull brings the centre's row.
        const r = await env.client(book).post(`/v1/hotels/${h.hotelId}/mutations`, engine.pendingMutations());
        assert.equal(r.json.results[0].status, 'applied');
        await sync.pull();
        const mine = engine.getUserBookingsWithRoomType(5);
        assert.equal(mine.length, 1);
        assert.deepEqual([mine[0].id, mine[0].serverId, mine[0].origin], [local.id, r.json.results[0].booking.id, 'central']);
        assert.equal(engine.checkRoomAvailability({ roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] }).nightly[0].available, 1);
      } finally {
        engine.close();
      }
    });

    it('a page boundary inside a booking\'s transaction never counts its rooms twice', {
      ...LIMIT,
    }, async () => {
      const h = await env.hotel({ rooms: 2, nights: 3 });
      const book = await env.token(h.hotelId, 'book');
      const engine = await openEngine({ cache: false });
      try {
        await newClient(engine, h, book).syncOnce();
        const avail = () => engine.checkRoomAvailability({ roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] }).nightly[0].available;
        engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 5, checkIn: h.dates[0], checkOut: h.dates[1] });
        await newClient(engine, h, book).push();
        assert.equal(avail(), 1);
        // The next pull asks for pages of one change and is cut after its first page: that
        // page still ends at the end of the booking's transaction (its inventory row and
        // the booking row together), so the room is never counted twice.
        let n = 0;
        const cut = newClient(engine, h, book, { pageSize: 1, fetch: (url, init) => (n++ === 0 ? fetch(url, init) : Promise.reject(new TypeError('cut'))) });
        await cut.pull().catch((e) => assert.ok(isSyncError('NETWORK')(e)));
        assert.equal(avail(), 1, 'the centre has 1 room left');
        assert.equal(engine.getUserBookingsWithRoomType(5)[0].origin, 'central', 'the booking row came with its inventory');
      } finally {
        engine.close();
      }
    });

    it('a pushed joinWaitlist entry and its central row are one entry in the engine', {
      ...LIMIT,
    }, async () => {
      const h = await env.hotel({ rooms: 1, nights: 3 });
      const book = await env.token(h.hotelId, 'book');
      const engine = await openEngine({ cache: false });
      try {
        const sync = newClient(engine, h, book);
        await otherBooking(h, book, { userId: 1, checkIn: h.dates[0], checkOut: h.dates[1] });
        await sync.syncOnce();
        engine.joinWaitlist({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 2, checkIn: h.dates[0], checkOut: h.dates[1] });
        await sync.syncOnce();
        assert.equal(engineRows(engine, ['waitlist']).waitlist.size, 1);
      } finally {
        engine.close();
      }
    });
  });
}
