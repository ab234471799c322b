// Range checksums and repair (sync/SPEC.md X2, X3): 100 seeded single-row corruptions of a
// synced engine's database (a changed column, a deleted row, a row the centre never had),
// each found by SyncClient.verify() in exactly its (room type, month) range and repaired
// by re-pulling that one range; afterwards the engine equals the centre row for row. The
// engine's images are edited with better-sqlite3, as a disk or a bug would.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { STORES, storeOptions, useStore, stopPostgres, addDays } from './support/stores.mjs';
import { SKIP, core } from './support/engine.mjs';
import { engineState, storeState } from './support/replica.mjs';
import { Rng } from '../../scripts/lib/rng.mjs';

after(stopPostgres);

const { openEngine } = core;
const { SyncClient } = await import('../../sync/client/index.mjs');

const num = (v) => (typeof v === 'bigint' ? Number(v) : v);
const month = (date) => date.slice(0, 7);

// One corruption of the image: returns the new image and the range it must be found in.
function corrupt(image, hotelId, rng, extraDate) {
  const db = new Database(Buffer.from(image));
  try {
    const kind = rng.pick(['inventory', 'inventory', 'delete', 'insert', 'booking']);
    let range;
    if (kind === 'booking') {
      const rows = db.prepare(`SELECT id, room_type_id, start_date, status, guests, total_cents FROM bookings
        WHERE hotel_id = ? AND (server_id IS NOT NULL OR origin = 'central')`).all(hotelId);
      const b = rng.pick(rows);
      const change = rng.pick([
        ['status', b.status === 'CONFIRMED' ? 'CANCELLED' : 'CONFIRMED'],
        ['guests', num(b.guests) + 1],
        ['total_cents', num(b.total_cents) + rng.int(1, 999)],
      ]);
      db.prepare(`UPDATE bookings SET ${change[0]} = ? WHERE id = ?`).run(change[1], b.id);
      range = { roomTypeId: num(b.room_type_id), month: month(b.start_date) };
    } else if (kind === 'insert') {
      const rt = rng.pick(db.prepare('SELECT id FROM room_types WHERE hotel_id = ?').all(hotelId)).id;
      db.prepare(`INSERT INTO room_inventory (room_type_id, date, total, available, price_cents) VALUES (?, ?, 3, 3, 100)`)
        .run(rt, extraDate);
      range = { roomTypeId: num(rt), month: month(extraDate) };
    } else {
      const rows = db.prepare(`SELECT * FROM room_inventory WHERE room_type_id IN
        (SELECT id FROM room_types WHERE hotel_id = ?)`).all(hotelId);
      const r = rng.pick(rows);
      if (kind === 'delete') {
        db.prepare('DELETE FROM room_inventory WHERE room_type_id = ? AND date = ?').run(r.room_type_id, r.date);
      } else {
        const change = rng.pick([
          ['available', num(r.available) > 0 ? num(r.available) - 1 : num(r.available) + (num(r.total) > num(r.available) ? 1 : 0)],
          ['price_cents', num(r.price_cents) + rng.int(1, 5000)],
          ['min_stay', num(r.min_stay) === 1 ? 2 : 1],
          ['stop_sell', num(r.stop_sell) ? 0 : 1],
          ['closed_to_arrival', num(r.closed_to_arrival) ? 0 : 1],
        ]);
        if (change[0] === 'available' && change[1] === num(r.available)) change.splice(0, 2, 'price_cents', num(r.price_cents) + 7);
        db.prepare(`UPDATE room_inventory SET ${change[0]} = ? WHERE room_type_id = ? AND date = ?`)
          .run(change[1], r.room_type_id, r.date);
      }
      range = { roomTypeId: num(r.room_type_id), month: month(r.date) };
    }
    return { image: db.serialize(), range, kind };
  } finally {
    db.close();
  }
}

for (const kind of STORES) {
  describe(`range checksums and repair (${kind})`, { ...storeOptions(kind), ...SKIP }, () => {
    const env = useStore(kind);

    it('100 random single-row corruptions: each found in exactly its range, repaired by re-pulling that range alone', { timeout: 240000 }, async () => {
      const h = await env.hotel({ rooms: 4, nights: 75 });
      const rt2 = await env.admin.post(`/v1/hotels/${h.hotelId}/room-types`,
        { name: 'Suite', basePriceCents: 30000, totalRooms: 2, capacityAdults: 2 });
      assert.equal(rt2.status, 201, rt2.text);
      const suite = rt2.json.roomType.id;
      const inv = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`,
        { roomTypeId: suite, from: h.from, to: addDays(h.from, 60), total: 2, priceCents: 30000 });
      assert.equal(inv.status, 200, inv.text);
      const token = await env.token(h.hotelId, 'book');
      const rng = new Rng(1313);

      // Bookings: some made on an engine and pushed, some made centrally by another client.
      const seed = await openEngine();
      const seedSync = new SyncClient(seed, { baseUrl: env.url, hotelId: h.hotelId, token });
      await seedSync.syncOnce();
      for (let i = 0; i < 12; i++) {
        const ci = addDays(h.from, rng.int(0, 55));
        try {
          seed.createBooking({ hotelId: h.hotelId, roomTypeId: rng.pick([h.roomTypeId, suite]), userId: rng.int(1, 9),
            checkIn: ci, checkOut: addDays(ci, rng.int(1, 3)), rooms: 1, guests: 1, idempotencyKey: `seed-${i}` });
        } catch (e) {
          if (e.code !== 'NOT_AVAILABLE') throw e;  // a random stay may meet a full night
        }
      }
      await seedSync.syncOnce();
      const other = await env.client(token).post(`/v1/hotels/${h.hotelId}/mutations`, {
        clientId: 'central-desk',
        mutations: Array.from({ length: 6 }, (_, i) => ({ seq: i + 1, type: 'createBooking', idempotencyKey: `desk-${i}`,
          args: { roomTypeId: h.roomTypeId, userId: 50 + i, checkIn: addDays(h.from, 3 * i), checkOut: addDays(h.from, 3 * i + 2), rooms: 1, guests: 1 } })),
      });
      assert.equal(other.status, 200, other.text);
      await seedSync.syncOnce();

      const from = h.from;
      const to = addDays(h.from, 100);  // a month or more past the inventory: room for inserted rows
      const extraDate = addDays(h.from, 90);
      const clean = await seedSync.verify({ from, to });
      assert.deepEqual(clean.differing, [], 'a freshly synced engine matches the centre');
      assert.ok(clean.checked >= 8, `ranges checked: ${clean.checked}`);
      const want = await storeState(env, h.hotelId);
      assert.ok(want.bookings.length >= 10, `bookings to corrupt: ${want.bookings.length}`);
      assert.deepEqual(engineState(seed.exportDatabase(), h.hotelId), want, 'the oracle agrees before corruption');
      const image = seed.exportDatabase();
      seed.close();

      const kinds = {};
      for (let i = 0; i < 100; i++) {
        const bad = corrupt(image, h.hotelId, rng, extraDate);
        kinds[bad.kind] = (kinds[bad.kind] ?? 0) + 1;
        const engine = await openEngine({ snapshot: bad.image });
        const sync = new SyncClient(engine, { baseUrl: env.url, hotelId: h.hotelId, token });
        let repairs = 0;
        const original = engine.repairRange.bind(engine);
        engine.repairRange = (batch) => { repairs++; return original(batch); };
        const summary = await sync.verify({ from, to });
        assert.deepEqual(summary.differing, [bad.range], `#${i} ${bad.kind}: found in exactly its range`);
        assert.deepEqual(summary.repaired, [bad.range], `#${i}: repaired`);
        assert.deepEqual(summary.unrepaired, []);
        assert.equal(repairs, 1, `#${i}: one range re-pulled`);
        assert.deepEqual(engineState(engine.exportDatabase(), h.hotelId), want, `#${i} ${bad.kind}: equals the centre row for row`);
        const again = await sync.verify({ from, to });
        assert.deepEqual(again.differing, [], `#${i}: clean after repair`);
        engine.close();
      }
      assert.ok(Object.keys(kinds).length === 4, `every kind of corruption ran: ${JSON.stringify(kinds)}`);
    });

    it('a read token checksums only what it replicates: no bookings; a bad range is refused', async () => {
      const h = await env.hotel({ rooms: 2, nights: 10 });
      const book = await env.token(h.hotelId, 'book');
      const read = await env.token(h.hotelId, 'read');
      const push = await env.client(book).post(`/v1/hotels/${h.hotelId}/mutations`, {
        clientId: 'k1', mutations: [{ seq: 1, type: 'createBooking', idempotencyKey: 'r-1',
          args: { roomTypeId: h.roomTypeId, userId: 3, checkIn: h.dates[1], checkOut: h.dates[3], rooms: 1, guests: 1 } }],
      });
      assert.equal(push.json.results[0].status, 'applied', push.text);
      const q = `from=${h.from}&to=${h.to}`;
      const asBook = await env.client(book).get(`/v1/hotels/${h.hotelId}/checksums?${q}`);
      const asRead = await env.client(read).get(`/v1/hotels/${h.hotelId}/checksums?${q}`);
      assert.equal(asBook.status, 200, asBook.text);
      assert.equal(asRead.status, 200, asRead.text);
      const count = (a) => a.json.ranges.reduce((n, r) => n + r.count, 0);
      assert.equal(count(asBook), count(asRead) + 1, 'the booking counts for book scope only');
      const repair = await env.client(read).get(`/v1/hotels/${h.hotelId}/checksums/${h.roomTypeId}/${month(h.dates[1])}`);
      assert.equal(repair.status, 200, repair.text);
      assert.ok(repair.json.changes.every((c) => c.table === 'room_inventory'), 'a read repair carries no bookings');
      // A read engine verifies clean against its own scope.
      const engine = await openEngine();
      const sync = new SyncClient(engine, { baseUrl: env.url, hotelId: h.hotelId, token: read });
      const v = await sync.verify({ from: h.from, to: h.to });
      assert.deepEqual(v.differing, []);
      engine.close();
      for (const bad of ['from=2026-13-01&to=2027-01-01', `from=${h.to}&to=${h.from}`, 'from=2020-01-01&to=2024-01-01', '']) {
        const r = await env.client(read).get(`/v1/hotels/${h.hotelId}/checksums?${bad}`);
        assert.equal(r.status, 400, `${bad}: ${r.text}`);
        assert.equal(r.json.error.code, 'INVALID_RANGE');
      }
      const r = await env.client(read).get(`/v1/hotels/${h.hotelId}/checksums/${h.roomTypeId}/2026-13`);
      assert.equal(r.json.error.code, 'INVALID_RANGE');
      const u = await env.client(read).get(`/v1/hotels/${h.hotelId}/checksums/999999/2026-12`);
      assert.equal(u.status, 404);
      // The server is still fine.
      assert.equal((await env.client(read).get(`/v1/hotels/${h.hotelId}/checksums?${q}`)).status, 200);
    });
  });
}
