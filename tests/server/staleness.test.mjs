// The staleness contract (sync/SPEC.md X1): an engine opened with maxStalenessSeconds flags
// its availability answers and local bookings `stale: true` once its last successful sync
// is older than that, and a sync that brings no changes still counts as one.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORES, storeOptions, useStore, stopPostgres } from './support/stores.mjs';
import { SKIP, core } from './support/engine.mjs';

after(stopPostgres);

const { openEngine, EdgestayError } = core;
const { SyncClient } = await import('../../sync/client/index.mjs');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('staleness option', SKIP, () => {
  it('maxStalenessSeconds must be a positive number', async () => {
    for (const bad of [0, -1, 'x', Infinity, NaN]) {
      await assert.rejects(openEngine({ maxStalenessSeconds: bad }),
        (e) => e instanceof EdgestayError && e.code === 'INVALID_ARGUMENT');
    }
    const e = await openEngine({ maxStalenessSeconds: 5 });
    assert.equal(e.isStale(), true, 'an engine that never synced is stale');
    e.close();
    const plain = await openEngine();
    assert.equal(plain.isStale(), false, 'without the option nothing is ever stale');
    plain.close();
  });
});

for (const kind of STORES) {
  describe(`staleness contract (${kind})`, { ...storeOptions(kind), ...SKIP }, () => {
    const env = useStore(kind);

    it('answers and createBooking carry stale: true once the last sync is older than maxStalenessSeconds', async () => {
      const h = await env.hotel({ rooms: 3, nights: 6 });
      const token = await env.token(h.hotelId, 'book');
      let offset = 0;
      const engine = await openEngine({ maxStalenessSeconds: 60, now: () => Date.now() + offset });
      const sync = new SyncClient(engine, { baseUrl: env.url, hotelId: h.hotelId, token });
      await sync.syncOnce();
      const stay = { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[2], rooms: 1 };
      const queries = () => ({
        one: engine.checkRoomAvailability(stay),
        all: engine.getAllRoomAvailability({ hotelId: h.hotelId, checkIn: stay.checkIn, checkOut: stay.checkOut }),
        cal: engine.getCalendar({ hotelId: h.hotelId, from: h.dates[0], days: 5 }),
        batch: engine.batchCheckAvailability([stay, { ...stay, rooms: 2 }]),
      });
      const fresh = queries();
      assert.equal(engine.isStale(), false);
      for (const a of [fresh.one, fresh.all, fresh.cal, ...fresh.batch]) assert.equal(a.stale, undefined);
      const b1 = engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 5,
        checkIn: stay.checkIn, checkOut: stay.checkOut, rooms: 1, guests: 1, idempotencyKey: 'fresh-1' });
      assert.equal(b1.status, 'PENDING_SYNC');
      assert.equal(b1.stale, undefined, 'a fresh engine does not flag its booking');

      offset = 61_000;  // the engine's clock moves past the limit; no sync in between
      assert.equal(engine.isStale(), true);
      const old = queries();  // cached answers (memo hits) are flagged as well
      for (const a of [old.one, old.all, old.cal, ...old.batch]) {
        assert.equal(a.stale, true);
        assert.deepEqual(a.asOf, fresh.one.asOf, 'the answer still says how old it is');
      }
      assert.equal(old.one.available, fresh.one.available);
      const b2 = engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 5,
        checkIn: stay.checkIn, checkOut: stay.checkOut, rooms: 1, guests: 1, idempotencyKey: 'stale-1' });
      assert.equal(b2.status, 'PENDING_SYNC', 'outside a lease a stale engine promises nothing');
      assert.equal(b2.stale, true);

      offset = 0;
      await sync.syncOnce();  // both bookings are accepted centrally
      const mine = engine.getUserBookingsWithRoomType(5);
      assert.deepEqual(mine.map((b) => b.status).sort(), ['CONFIRMED', 'CONFIRMED']);
      assert.equal(engine.checkRoomAvailability(stay).stale, undefined);
      engine.close();
    });

    it('a sync that brings no changes refreshes syncedAt and clears stale', async () => {
      const h = await env.hotel({ rooms: 2, nights: 3 });
      const token = await env.token(h.hotelId, 'read');
      const engine = await openEngine({ maxStalenessSeconds: 0.2 });
      const sync = new SyncClient(engine, { baseUrl: env.url, hotelId: h.hotelId, token });
      await sync.syncOnce();
      const first = engine.asOf();
      const stay = { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1], rooms: 1 };
      assert.equal(engine.checkRoomAvailability(stay).stale, undefined);
      await sleep(350);
      assert.equal(engine.checkRoomAvailability(stay).stale, true);
      const summary = await sync.syncOnce();  // nothing changed centrally
      assert.equal(summary.changes, 0);
      assert.equal(engine.asOf().cursor, first.cursor, 'the cursor did not move');
      assert.ok(engine.asOf().syncedAt > first.syncedAt, 'the sync was recorded');
      assert.equal(engine.checkRoomAvailability(stay).stale, undefined);
      engine.close();
    });
  });
}
