// engine.pruneWindow (sync/FORMAT.md §8) without a server: which rows go and which stay,
// bad arguments, and the compaction in wasm — which hung forever before SQLite's
// randomness was given an entropy source (VACUUM asks for random bytes; the wasm core has
// no /dev/urandom and SQLite retried its open endlessly). That case runs in a worker, so
// a hang fails the test instead of blocking it.
//
// Run: node --test tests/js/window.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { openEngine } from '../../bindings/js/index.mjs';
import { formatDate, parseDate } from './support/model.mjs';

const H = 1;
const at = (date) => Date.parse(`${date}T12:00:00.000Z`);
const dayRange = (from, to) => {
  const out = [];
  for (let d = parseDate(from); d < parseDate(to); d++) out.push(formatDate(d));
  return out;
};
const centralBooking = (id, start, end, extra = {}) => ({
  id, hotel_id: H, user_id: 7, room_type_id: 10, status: 'CONFIRMED', start_date: start, end_date: end, rooms: 1,
  guests: 1, total_cents: 10000, created_at: at('2027-01-02'), updated_at: at('2027-01-02'), hold_expires_at: null,
  idempotency_key: null, origin: 'central', server_id: null, ...extra,
});

// A hotel with two years of inventory (2027-2028), special days early and late, and
// central bookings: long past, just past (ends inside the kept past), near, far future.
function seedBatch() {
  const changes = [
    { op: 'upsert', table: 'hotels', row: { id: H, name: 'Harbour', time_zone: 'UTC', currency: 'EUR', utc_offset_minutes: 0 } },
    { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: H, name: 'Double', capacity_adults: 2, capacity_children: 0, base_price_cents: 10000, total_rooms: 5 } },
    { op: 'upsert', table: 'special_days', row: { hotel_id: H, date: '2027-02-14', kind: 'event', price_multiplier_pct: 150, min_stay: null, note: null } },
    { op: 'upsert', table: 'special_days', row: { hotel_id: H, date: '2028-12-24', kind: 'holiday', price_multiplier_pct: 150, min_stay: null, note: null } },
    { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'],
      rows: dayRange('2027-01-01', '2029-01-01').map((d) => [10, d, 5, 5, 10000]) },
    { op: 'upsert', table: 'bookings', row: centralBooking(1, '2027-02-01', '2027-02-03') },
    { op: 'upsert', table: 'bookings', row: centralBooking(2, '2027-05-30', '2027-06-02') },
    { op: 'upsert', table: 'bookings', row: centralBooking(3, '2027-07-10', '2027-07-12') },
    { op: 'upsert', table: 'bookings', row: centralBooking(4, '2028-11-01', '2028-11-03') },
    { op: 'upsert', table: 'payments', row: { id: 1, booking_id: 1, status: 'CAPTURED', amount_cents: 10000, created_at: at('2027-01-02') } },
    { op: 'upsert', table: 'payments', row: { id: 3, booking_id: 3, status: 'CAPTURED', amount_cents: 10000, created_at: at('2027-01-02') } },
  ];
  return { format: 'edgestay.changes/1', cursor: '1', syncedAt: at('2027-01-05'), changes };
}

test('pruneWindow keeps the whole months around today, later bookings and later special days', async () => {
  const now = at('2027-06-15');
  const engine = await openEngine({ now: () => now });
  engine.applyChanges(seedBatch());
  const before = engine.getCalendar({ hotelId: H, from: '2027-05-01', days: 60 });
  const w = engine.pruneWindow({ hotelId: H, pastDays: 30, horizonDays: 90 });
  // [2027-05-16, 2027-09-13) in whole months: May to September.
  assert.equal(w.from, '2027-05-01');
  assert.equal(w.to, '2027-10-01');
  assert.equal(w.deleted.inventory, dayRange('2027-01-01', '2029-01-01').length - dayRange('2027-05-01', '2027-10-01').length);
  assert.deepEqual({ ...w.deleted, inventory: 0 },
    { inventory: 0, specialDays: 1, payments: 1, notifications: 0, bookings: 1, waitlist: 0 });
  assert.ok(w.bytesAfter < w.bytesBefore, `compacted: ${w.bytesBefore} -> ${w.bytesAfter}`);
  assert.equal(w.vacuumed, true);
  // Booking 1 ended before the window; 2 ends inside it, 3 is near, 4 beyond the window.
  assert.deepEqual(engine.getUserBookingsWithRoomType(7).map((b) => b.id).sort(), [2, 3, 4]);
  assert.deepEqual(engine.getSpecialDays({ hotelId: H, from: '2027-01-01', to: '2029-01-01' }).map((d) => d.date), ['2028-12-24']);
  // Inside the window every answer is as before; outside it there is nothing to sell.
  assert.deepEqual(engine.getCalendar({ hotelId: H, from: '2027-05-01', days: 60 }), before);
  const far = engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2027-11-02', checkOut: '2027-11-03' });
  assert.equal(far.available, false);
  // Pruning again the same day finds nothing more and does not compact.
  const again = engine.pruneWindow({ hotelId: H, pastDays: 30, horizonDays: 90 });
  assert.deepEqual(Object.values(again.deleted), [0, 0, 0, 0, 0, 0]);
  assert.equal(again.vacuumed, false);
  engine.close();
});

test('pruneWindow refuses bad arguments with a code and leaves the engine as it was', async () => {
  const engine = await openEngine({ now: () => at('2027-06-15') });
  engine.applyChanges(seedBatch());
  const image = engine.exportDatabase();
  for (const [args, code] of [
    [{}, 'INVALID_ARGUMENT'],
    [{ hotelId: 'x' }, 'INVALID_ARGUMENT'],
    [{ hotelId: 2 }, 'UNKNOWN_HOTEL'],
    [{ hotelId: H, pastDays: -1 }, 'INVALID_ARGUMENT'],
    [{ hotelId: H, horizonDays: 0 }, 'INVALID_ARGUMENT'],
    [{ hotelId: H, pastDays: 1.5 }, 'INVALID_ARGUMENT'],
    [{ hotelId: H, pastDays: 365, horizonDays: 800 }, 'INVALID_RANGE'],
  ]) {
    assert.throws(() => engine.pruneWindow(args), { code }, JSON.stringify(args));
  }
  assert.deepEqual(engine.exportDatabase(), image);
  assert.equal(engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2028-03-01', checkOut: '2028-03-02' }).available, true);
  engine.close();
});

test('the compaction in wasm finishes (SQLite randomness has an entropy source)', async () => {
  const source = `
    import { parentPort } from 'node:worker_threads';
    const { openEngine } = await import(${JSON.stringify(new URL('../../bindings/js/index.mjs', import.meta.url).href)});
    const engine = await openEngine({ now: () => ${at('2027-06-15')} });
    engine.applyChanges(${JSON.stringify(seedBatch())});
    parentPort.postMessage(engine.pruneWindow({ hotelId: ${H}, pastDays: 30, horizonDays: 90 }));
  `;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`));
  let timer;
  try {
    const result = await Promise.race([
      new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); }),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('pruneWindow hung (VACUUM in wasm)')), 30000); }),
    ]);
    assert.equal(result.vacuumed, true);
    assert.ok(result.bytesAfter < result.bytesBefore);
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
});
