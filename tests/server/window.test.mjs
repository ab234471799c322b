// The rolling window (sync/SPEC.md X11): an engine keeping [today − 30 days, today + 365
// days) in whole months lives a simulated year (an injected clock, maintainWindow() every
// 7 simulated days — every day with EDGESTAY_SOAK — while the centre changes prices near
// and far and takes bookings): its database stays within 10 % of its day-one size, and
// inside the window its rows equal the centre's; a booking with an unpushed mutation and
// the outbox are never pruned.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { STORES, storeOptions, useStore, stopPostgres, booking, addDays, today } from './support/stores.mjs';
import { engineState, storeState } from './support/replica.mjs';
import { ROOT } from './support/paths.mjs';
import { Rng } from '../../scripts/lib/rng.mjs';

after(stopPostgres);

const WASM_BUILT = existsSync(path.join(ROOT, 'bindings', 'js', 'dist', 'edgestay_core.wasm'));
const SKIP = WASM_BUILT ? {} : { skip: 'wasm core not built (bindings/js/dist): run scripts/build' };
const { openEngine } = WASM_BUILT ? await import('../../bindings/js/index.mjs') : {};
const { SyncClient } = await import('../../sync/client/index.mjs');

const DAY = 86400000;
const PAST = 30;
const HORIZON = 365;
const YEAR = 371;                                  // 53 weeks: the window's ends pass every month
const STEP = process.env.EDGESTAY_SOAK ? 1 : 7;    // simulated days per maintainWindow()
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const rowDate = (line, i) => JSON.parse(line)[i];

// Inventory by its date, bookings by their start date in [from, to): what verify covers.
function inside(state, from, to) {
  return {
    inventory: state.inventory.filter((l) => rowDate(l, 1) >= from && rowDate(l, 1) < to),
    bookings: state.bookings.filter((l) => rowDate(l, 5) >= from && rowDate(l, 5) < to),
  };
}

for (const kind of STORES) {
  describe(`rolling window (${kind})`, { ...storeOptions(kind), ...SKIP }, () => {
    const env = useStore(kind);

    it('a simulated year: the database stays within 10 % of its day-one size; inside the window it equals the centre', { timeout: 300000 }, async (t) => {
      // Inventory from two months back to 800 days ahead: every window of the year is full.
      const start = today();
      const first60 = addDays(start, -60);
      const h = await env.hotel({ rooms: 6, nights: 860, from: first60 });
      const rt2 = await env.admin.post(`/v1/hotels/${h.hotelId}/room-types`,
        { name: 'Suite', basePriceCents: 30000, totalRooms: 2, capacityAdults: 2 });
      const suite = rt2.json.roomType.id;
      await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: suite, from: first60, to: addDays(first60, 860), total: 2 });
      const token = await env.token(h.hotelId, 'book');
      const api = env.client(token);
      const rng = new Rng(4242);
      let seq = 0;
      const book = async () => {  // the centre's own clock decides lead time: stays from its today
        seq += 1;
        const ci = addDays(start, rng.int(0, 300));
        const r = await api.post(`/v1/hotels/${h.hotelId}/mutations`, { clientId: 'desk', mutations: [
          booking(seq, `w-${seq}`, { roomTypeId: rng.pick([h.roomTypeId, suite]), checkIn: ci, checkOut: addDays(ci, rng.int(1, 4)) })] });
        assert.equal(r.status, 200, r.text);
      };
      for (let i = 0; i < 10; i++) await book();

      let now = Date.now();
      const engine = await openEngine({ now: () => now });
      const sync = new SyncClient(engine, { baseUrl: env.url, hotelId: h.hotelId, token });
      await sync.syncOnce();  // a full pull: 1,720 nights of inventory
      const fullBytes = engine.exportDatabase().length;
      const first = await sync.maintainWindow({ pastDays: PAST, horizonDays: HORIZON });
      const dayOne = engine.exportDatabase().length;
      assert.ok(first.deleted.inventory > 600, `day one pruned the far future: ${JSON.stringify(first.deleted)}`);
      t.diagnostic(`full pull ${fullBytes} B, day one ${dayOne} B (window ${first.from}..${first.to})`);

      let min = dayOne;
      let max = dayOne;
      let filled = 0;
      let pruned = 0;
      let checks = 0;
      const steps = Math.ceil(YEAR / STEP);
      for (let step = 1; step <= steps; step++) {
        now += STEP * DAY;
        const day = step * STEP;
        if (day % 7 === 0) {
          // The centre changes prices near and far (some beyond the window) and takes bookings.
          const d = addDays(isoDay(now), rng.int(0, 400));
          const r = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`,
            { roomTypeId: rng.pick([h.roomTypeId, suite]), from: d, to: addDays(d, rng.int(1, 10)), priceCents: rng.int(9000, 20000) });
          assert.equal(r.status, 200, r.text);
          await book();
        }
        const w = await sync.maintainWindow({ pastDays: PAST, horizonDays: HORIZON });
        assert.deepEqual(w.unrepaired, [], `day ${day}`);
        filled += w.repaired.length;
        pruned += w.deleted.bookings;
        const size = engine.exportDatabase().length;
        min = Math.min(min, size);
        max = Math.max(max, size);
        if (step % Math.ceil(56 / STEP) === 0 || step === steps) {
          checks += 1;
          const image = engine.exportDatabase();
          const mine = inside(engineState(image, h.hotelId), w.from, w.to);
          const theirs = inside(await storeState(env, h.hotelId), w.from, w.to);
          assert.deepEqual(mine, theirs, `day ${day}: inside ${w.from}..${w.to} the engine equals the centre`);
          assert.ok(mine.inventory.length > 700, `day ${day}: the window is full (${mine.inventory.length} nights)`);
          // Outside it: no night, and no booking that ended before it.
          const all = engineState(image, h.hotelId);
          assert.ok(all.inventory.every((l) => rowDate(l, 1) >= w.from && rowDate(l, 1) < w.to), `day ${day}: no night outside`);
          assert.ok(all.bookings.every((l) => rowDate(l, 6) > w.from), `day ${day}: no booking that ended before the window`);
          const probe = addDays(isoDay(now), 20);
          const answer = engine.checkRoomAvailability({ roomTypeId: suite, checkIn: probe, checkOut: addDays(probe, 1) });
          assert.ok(answer.nightly[0].available !== null, 'a night inside the window answers');
        }
      }
      t.diagnostic(`${steps} steps of ${STEP} day(s): sizes ${min}..${max} B (day one ${dayOne} B), ` +
        `${filled} ranges filled as the window moved, ${pruned} bookings pruned, ${checks} row-for-row checks`);
      assert.ok(filled >= 24, `new months were pulled in as the window moved (2 room types × 12 months): ${filled}`);
      assert.ok(pruned >= 10, `bookings whose stay ended before the window were pruned: ${pruned}`);
      assert.ok(max <= dayOne * 1.1 && min >= dayOne * 0.9, `size ${min}..${max} B stays within 10 % of ${dayOne} B`);
      engine.close();
    });

    it('a booking with an unpushed mutation is never pruned, nor the outbox; once pushed, an old stay goes', async () => {
      const h = await env.hotel({ rooms: 3, nights: 60 });
      const token = await env.token(h.hotelId, 'book');
      let now = Date.now();
      const engine = await openEngine({ now: () => now });
      const sync = new SyncClient(engine, { baseUrl: env.url, hotelId: h.hotelId, token });
      await sync.syncOnce();
      const local = engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 5,
        checkIn: h.dates[2], checkOut: h.dates[4] });
      assert.equal(local.status, 'PENDING_SYNC');
      // A year later, still offline: the stay is long over, yet its mutation waits.
      now += 365 * DAY;
      const w = engine.pruneWindow({ hotelId: h.hotelId, pastDays: PAST, horizonDays: HORIZON });
      assert.ok(w.deleted.inventory >= 60, JSON.stringify(w));
      assert.equal(w.deleted.bookings, 0);
      assert.deepEqual(engine.getUserBookingsWithRoomType(5).map((b) => b.id), [local.id]);
      assert.equal(engine.pendingMutations().mutations.length, 1, 'the outbox is untouched');
      // Bad input leaves the engine usable.
      assert.throws(() => engine.pruneWindow({ hotelId: h.hotelId, pastDays: 400, horizonDays: 800 }), { code: 'INVALID_RANGE' });
      assert.throws(() => engine.pruneWindow({ hotelId: 999999 }), { code: 'UNKNOWN_HOTEL' });
      assert.throws(() => engine.pruneWindow({ hotelId: h.hotelId, pastDays: -1 }), { code: 'INVALID_ARGUMENT' });
      // Back online: the push settles it (the centre took it: its dates were in the future
      // by the centre's clock), and the next prune drops the old stay.
      await sync.syncOnce();
      assert.equal(engine.pendingMutations().mutations.length, 0);
      assert.equal(engine.getUserBookingsWithRoomType(5)[0].status, 'CONFIRMED');
      const again = engine.pruneWindow({ hotelId: h.hotelId, pastDays: PAST, horizonDays: HORIZON });
      assert.equal(again.deleted.bookings, 1);
      assert.deepEqual(engine.getUserBookingsWithRoomType(5), []);
      engine.close();
    });
  });
}
