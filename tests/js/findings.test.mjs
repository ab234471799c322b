// Defects found by the performance review (issue 11), each pinned by the test that failed
// before its fix: occupancy vs calendar on unsynced local bookings, a TTL of 0 that still
// stored answers (evicting live ones), and the identity contract of batch answers.
//
// Run: node --test tests/js/findings.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine } from '../../bindings/js/index.mjs';
import { formatDate, parseDate } from './support/model.mjs';

const H = 1;
const at = (date, hhmm = '12:00') => Date.parse(`${date}T${hhmm}:00.000Z`);
const batch = (changes, extra = {}) => ({ format: 'edgestay.changes/1', ...extra, changes });

function baseBatch() {
  const changes = [
    { op: 'upsert', table: 'hotels', row: { id: H, name: 'Harbour', currency: 'EUR', utc_offset_minutes: 0 } },
    { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: H, name: 'Double', base_price_cents: 10000, total_rooms: 5 } },
    { op: 'upsert', table: 'room_types', row: { id: 11, hotel_id: H, name: 'Suite', base_price_cents: 20000, total_rooms: 3 } },
    { op: 'upsert', table: 'special_days', row: { hotel_id: H, date: '2027-03-11', kind: 'holiday', price_multiplier_pct: 150 } },
  ];
  const cols = ['room_type_id', 'date', 'total', 'available', 'price_cents'];
  for (const [rt, total, avail, price] of [[10, 5, 4, 10000], [11, 3, 3, 20000]]) {
    const rows = [];
    for (let d = parseDate('2027-02-20'); d <= parseDate('2027-05-10'); d++) rows.push([rt, formatDate(d), total, avail, price]);
    changes.push({ op: 'upsert', table: 'room_inventory', columns: cols, rows });
  }
  return batch(changes, { cursor: 'base', syncedAt: at('2027-01-31') });
}

async function engineAt(now, cache) {
  const clock = { now };
  const engine = await openEngine({ now: () => clock.now, ...(cache !== undefined ? { cache } : {}) });
  engine.applyChanges(baseBatch());
  return { engine, clock };
}

// Occupancy from the calendar's own columns: sold = total - available, per room type.
function occupancyFromCalendar(engine, from, days) {
  const cal = engine.getCalendar({ hotelId: H, from, days });
  const totals = new Map(engine.getRoomTypes(H).map((rt) => [rt.id, rt.totalRooms]));
  let sold = 0;
  let revenue = 0;
  for (const rt of cal.roomTypes) {
    for (let i = 0; i < days; i++) {
      const s = totals.get(rt.id) - rt.available[i];
      sold += s;
      revenue += s * rt.priceCents[i];
    }
  }
  return { sold, revenue };
}

test('getOccupancyRate counts the rooms of unsynced local bookings, as getCalendar does', async () => {
  for (const cache of [false, undefined]) {
    const { engine, clock } = await engineAt(at('2027-02-01'), cache);
    const range = { hotelId: H, from: '2027-03-09', to: '2027-03-14' };
    const before = engine.getOccupancyRate(range);
    assert.equal(before.roomsSold, occupancyFromCalendar(engine, range.from, 5).sold);
    engine.createBooking({ hotelId: H, roomTypeId: 10, userId: 3, checkIn: '2027-03-10', checkOut: '2027-03-13', rooms: 2 });
    engine.createBooking({ hotelId: H, roomTypeId: 11, userId: 4, checkIn: '2027-03-08', checkOut: '2027-03-10', rooms: 1, hold: true });
    const after = engine.getOccupancyRate(range);
    const fromCal = occupancyFromCalendar(engine, range.from, 5);
    assert.equal(after.roomsSold, fromCal.sold, `cache ${cache}: occupancy agrees with the calendar`);
    assert.equal(after.revenueCents, fromCal.revenue);
    assert.equal(after.roomsSold - before.roomsSold, 2 * 3 + 1, 'three nights of two rooms and one held night in range');
    const rt10 = after.roomTypes.find((r) => r.roomTypeId === 10);
    assert.equal(rt10.roomsSold, 5 * 1 + 2 * 3);
    // The hold expires: its room is free again in both answers.
    clock.now += 3600 * 1000;
    const expired = engine.getOccupancyRate(range);
    assert.equal(expired.roomsSold, occupancyFromCalendar(engine, range.from, 5).sold);
    assert.equal(expired.roomsSold, after.roomsSold - 1);
    engine.close();
  }
});

test('a cache TTL of 0 stores nothing and evicts no live answer', async () => {
  const { engine } = await engineAt(at('2027-02-01'), { maxEntries: 2, ttlMs: { reports: 0 } });
  for (let i = 0; i < 2; i++) {
    engine.getRoomTypes(H);
    engine.getBookingRules(H);
  }
  const s0 = engine.cacheStats();
  assert.equal(s0.entries, 2);
  for (let i = 0; i < 5; i++) engine.getOccupancyRate({ hotelId: H, from: '2027-03-01', to: '2027-03-10' });
  const s1 = engine.cacheStats();
  assert.equal(s1.namespaces.reports.entries, 0, 'nothing kept with a TTL of 0');
  assert.equal(s1.evictions, 0, 'no live answer evicted to make room for a dead one');
  assert.equal(s1.namespaces.reports.hits, 0);
  engine.getRoomTypes(H);
  engine.getBookingRules(H);
  const s2 = engine.cacheStats();
  assert.equal(s2.hits - s1.hits, 2, 'the live answers are still hits');
  engine.close();
});

test('batchCheckAvailability: a repeat is the same frozen answer (cached), fresh objects with the cache off', async () => {
  const queries = [
    { roomTypeId: 10, checkIn: '2027-03-10', checkOut: '2027-03-12' },
    { roomTypeId: 11, checkIn: '2027-04-01', checkOut: '2027-04-04', rooms: 2 },
  ];
  const { engine } = await engineAt(at('2027-02-01'));
  let a = engine.batchCheckAvailability(queries);
  let b = engine.batchCheckAvailability(queries);
  // Admission may keep the first answer out; from the second ask on it is stored.
  if (a !== b) {
    a = b;
    b = engine.batchCheckAvailability(queries);
  }
  assert.equal(a, b, 'a repeat returns the same object');
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a[0]) && Object.isFrozen(a[0].nightly[0]), 'deep-frozen');
  engine.close();

  const { engine: plain } = await engineAt(at('2027-02-01'), false);
  const c = plain.batchCheckAvailability(queries);
  const d = plain.batchCheckAvailability(queries);
  assert.notEqual(c, d);
  assert.deepStrictEqual(c, d);
  assert.ok(!Object.isFrozen(c) && !Object.isFrozen(c[0]), 'fresh plain objects');
  plain.close();
});
