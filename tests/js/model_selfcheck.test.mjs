// Self-check of the reference model (support/model.mjs) and generator
// (support/gen.mjs) against hand-worked examples of docs/API.md. No engine
// needed: if the oracle disagrees with the engine, this file is where the
// model's own reading of the docs is pinned down.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Model, parseDate, formatDate, addDays } from './support/model.mjs';
import { applyBatches, generateDataset, randomStay, Rng } from './support/gen.mjs';

const NOW = Date.parse('2026-12-01T23:30:00Z');

function inv(rt, from, days, extra = {}) {
  const rows = [];
  for (let i = 0; i < days; i++) rows.push({ room_type_id: rt, date: addDays(from, i), total: 10, available: 6, price_cents: 12345, ...extra });
  return rows;
}

function fixture() {
  const changes = [
    { op: 'upsert', table: 'hotels', row: { id: 1, name: 'East', utc_offset_minutes: 120, currency: 'EUR' } },
    { op: 'upsert', table: 'hotels', row: { id: 2, name: 'West', utc_offset_minutes: -120 } },
    { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: 1, name: 'Double', base_price_cents: 10000, total_rooms: 10 } },
    { op: 'upsert', table: 'room_types', row: { id: 20, hotel_id: 2, name: 'Single', base_price_cents: 5000, total_rooms: 4 } },
    { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'], rows: inv(10, '2026-11-25', 400).map((r) => [r.room_type_id, r.date, r.total, r.available, r.price_cents]) },
    { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'], rows: inv(20, '2026-11-25', 30).map((r) => [r.room_type_id, r.date, r.total, r.available, r.price_cents]) },
    { op: 'upsert', table: 'special_days', row: { hotel_id: 1, date: '2026-12-10', kind: 'event', price_multiplier_pct: 150, min_stay: 3 } },
    { op: 'upsert', table: 'special_days', row: { hotel_id: 1, date: '2026-12-12', kind: 'holiday', min_stay: null } },
    { op: 'upsert', table: 'special_days', row: { hotel_id: 1, date: '2026-12-20', kind: 'blackout' } },
    // stop_sell + CTA on the same night: stop_sell wins
    { op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2026-12-15', stop_sell: true, closed_to_arrival: 1 } },
    { op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2026-12-16', closed_to_arrival: 1 } },
    { op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2026-12-18', closed_to_departure: 1, min_stay: 2, max_stay: 4 } },
    { op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2026-12-12', min_stay: 2 } },
    { op: 'delete', table: 'room_inventory', key: { room_type_id: 10, date: '2026-12-25' } },
  ];
  const booking = (id, status, origin, hold, start, end, rooms) => ({
    op: 'upsert', table: 'bookings',
    row: { id, hotel_id: 1, user_id: 7, room_type_id: 10, status, start_date: start, end_date: end, rooms, guests: 1, total_cents: 100, created_at: NOW - id * 1000, hold_expires_at: hold, origin },
  });
  changes.push(
    booking(1, 'HELD', 'local', NOW + 1, '2026-12-05', '2026-12-07', 1), // counts
    booking(2, 'HELD', 'local', NOW, '2026-12-05', '2026-12-07', 2), // expired (not > now)
    booking(3, 'HELD', 'local', NOW - 1, '2026-12-05', '2026-12-07', 4), // expired
    booking(4, 'PENDING_SYNC', 'local', null, '2026-12-06', '2026-12-08', 2), // counts
    booking(5, 'PENDING_SYNC', 'central', null, '2026-12-05', '2026-12-07', 3), // central: no
    booking(6, 'CONFIRMED', 'local', null, '2026-12-05', '2026-12-07', 3), // confirmed local: counts until the centre's row arrives
  );
  const data = applyBatches([{ format: 'edgestay.changes/1', cursor: '1', changes }]);
  return new Model(data, { now: NOW });
}

const m = fixture();
const check = (roomTypeId, checkIn, checkOut, rooms = 1) => m.checkRoomAvailability({ roomTypeId, checkIn, checkOut, rooms });

test('dates', () => {
  assert.equal(parseDate('2026-02-29'), null);
  assert.equal(parseDate('2028-02-29'), parseDate('2028-03-01') - 1);
  assert.equal(parseDate('2026-13-01'), null);
  assert.equal(parseDate(20261201), null);
  assert.equal(formatDate(parseDate('1999-12-31') + 1), '2000-01-01');
});

test('today follows utc_offset_minutes', () => {
  // 23:30Z on 12-01: +120 -> 12-02 at hotel 1; -120 -> 12-01 at hotel 2
  assert.equal(check(10, '2026-12-01', '2026-12-03').reason, 'lead_time');
  assert.equal(check(10, '2026-12-02', '2026-12-03').reason, null);
  assert.equal(check(20, '2026-12-01', '2026-12-02').reason, null);
  assert.equal(check(20, '2026-11-30', '2026-12-02').reason, 'lead_time');
});

test('booking rule defaults: advance window 365, max rooms 10, max nights 30', () => {
  assert.equal(check(10, addDays('2026-12-02', 365), addDays('2026-12-02', 366)).reason, null);
  assert.equal(check(10, addDays('2026-12-02', 366), addDays('2026-12-02', 367)).reason, 'advance_window');
  assert.equal(check(10, '2026-12-03', '2026-12-04', 11).reason, 'max_rooms');
  assert.equal(check(10, '2026-12-03', '2026-12-04', 10).reason, 'sold_out');
  assert.equal(check(10, '2026-12-21', '2027-01-20').reason, 'no_inventory'); // 30 nights, 12-25 missing
  assert.throws(() => check(10, '2026-12-21', '2027-01-21'), { code: 'STAY_TOO_LONG' });
});

test('reason order and special days', () => {
  assert.equal(check(10, '2026-12-14', '2026-12-17').reason, 'stop_sell');
  assert.equal(check(10, '2026-12-15', '2026-12-17').reason, 'stop_sell'); // also CTA
  assert.equal(check(10, '2026-12-16', '2026-12-17').reason, 'closed_to_arrival');
  assert.equal(check(10, '2026-12-17', '2026-12-18').reason, 'closed_to_departure');
  assert.equal(check(10, '2026-12-18', '2026-12-19').reason, 'min_stay'); // row min_stay 2
  assert.equal(check(10, '2026-12-18', '2026-12-20').reason, null);
  assert.equal(check(10, '2026-12-18', '2026-12-23').reason, 'stop_sell'); // blackout 12-20
  assert.equal(check(10, '2026-12-10', '2026-12-12').reason, 'min_stay'); // special min_stay 3
  assert.equal(check(10, '2026-12-10', '2026-12-13').reason, null);
  assert.equal(check(10, '2026-12-12', '2026-12-13').reason, 'min_stay'); // special null -> row 2
  assert.equal(check(10, '2026-12-17', '2026-12-18').nightly[0].available, 6);
  // max_stay 4 of the check-in night (CTD 12-18 is the check-in here, not the check-out)
  assert.equal(m.getCalendar({ hotelId: 1, from: '2026-12-18', days: 1 }).roomTypes[0].maxStay[0], 4);
  // checkout on a blackout day is fine; blackout is a night rule
  assert.equal(check(10, '2026-12-19', '2026-12-20').reason, null);
});

test('prices: floor((price * pct + 50) / 100), total = sum * rooms', () => {
  const a = check(10, '2026-12-09', '2026-12-13', 2);
  assert.deepEqual(a.nightly.map((n) => n.priceCents), [12345, 18518, 12345, 12345]);
  assert.equal(a.totalCents, (12345 * 3 + 18518) * 2);
  assert.equal(a.currency, 'EUR');
  const b = check(10, '2026-12-24', '2026-12-26');
  assert.equal(b.reason, 'no_inventory');
  assert.equal(b.totalCents, null);
  assert.deepEqual(b.nightly[1], { date: '2026-12-25', available: null, priceCents: null });
  assert.equal(check(20, '2026-12-02', '2026-12-03').currency, 'USD');
});

test('pendingLocal: local unexpired HELD, PENDING_SYNC and CONFIRMED (not yet mirrored) only', () => {
  const a = check(10, '2026-12-04', '2026-12-09', 1);
  // 12-05: 6 - 1 (held #1) - 3 (#6); 12-06: 6 - 1 - 2 (#4) - 3; 12-07: 6 - 2 (#4)
  assert.deepEqual(a.nightly.map((n) => n.available), [6, 2, 0, 4, 6]);
  assert.equal(check(10, '2026-12-07', '2026-12-08', 5).reason, 'sold_out');
  assert.equal(check(10, '2026-12-07', '2026-12-08', 4).reason, null);
  const cal = m.getCalendar({ hotelId: 1, from: '2026-12-05', days: 3 });
  assert.deepEqual(cal.roomTypes[0].available, [2, 0, 4]);
});

test('calendar columns', () => {
  const c = m.getCalendar({ hotelId: 1, from: '2026-12-19', days: 7 });
  assert.deepEqual(c.dates, ['2026-12-19', '2026-12-20', '2026-12-21', '2026-12-22', '2026-12-23', '2026-12-24', '2026-12-25']);
  const rt = c.roomTypes[0];
  assert.deepEqual(rt.stopSell, [0, 1, 0, 0, 0, 0, null]);
  assert.deepEqual(rt.priceCents, [12345, 12345, 12345, 12345, 12345, 12345, null]);
  assert.equal(c.roomTypes.length, 1);
});

test('statistics and occupancy', () => {
  const s = m.getBookingStatistics({ hotelId: 1, from: '2026-12-05', to: '2026-12-07' });
  // Holds #2 and #3 expired at NOW: the engine records them as EXPIRED at its first call.
  assert.equal(s.total, 6);
  assert.deepEqual(s.byStatus, { HELD: 1, PENDING_SYNC: 2, CONFIRMED: 1, REJECTED: 0, CANCELLED: 0, EXPIRED: 2 });
  assert.equal(s.active, 4);
  assert.equal(s.roomNights, 2 * (1 + 2 + 3 + 3));
  assert.equal(s.averageNights, 2);
  assert.equal(s.cancellationRate, 0);
  const o = m.getOccupancyRate({ hotelId: 1, from: '2026-12-09', to: '2026-12-11' });
  assert.equal(o.roomsAvailable, 20);
  assert.equal(o.roomsSold, 8);
  assert.equal(o.revenueCents, 4 * 12345 + 4 * 18518);
  assert.equal(o.occupancy, 0.4);
  assert.equal(o.adrCents, (4 * 12345 + 4 * 18518) / 8);
  assert.throws(() => m.getOccupancyRate({ hotelId: 1, from: '2026-01-01', to: '2029-01-02' }), { code: 'INVALID_RANGE' });
});

test('user bookings: newest first, then id descending', () => {
  const b = m.getUserBookingsWithRoomType(7, { status: ['HELD', 'PENDING_SYNC'] });
  assert.deepEqual(b.map((x) => x.id), [1, 4, 5]); // #2 and #3 expired
  assert.equal(b[0].roomTypeName, 'Double');
  assert.equal(b[0].updatedAt, b[0].createdAt); // default updated_at = created_at
});

test('generated datasets: an available answer means every night has enough rooms', () => {
  for (const seed of [1, 2, 3]) {
    const ds = generateDataset(seed);
    const model = new Model(ds.data, { now: ds.now });
    const rng = new Rng(seed);
    const reasons = new Set();
    for (let i = 0; i < 2000; i++) {
      const q = randomStay(rng, ds);
      let a;
      try {
        a = model.checkRoomAvailability(q);
      } catch (e) {
        assert.ok(['STAY_TOO_LONG', 'UNKNOWN_ROOM_TYPE'].includes(e.code), e.code);
        continue;
      }
      reasons.add(a.reason);
      assert.equal(a.nightly.length, a.nights);
      assert.equal(a.available, a.reason === null);
      if (a.available) {
        for (const n of a.nightly) assert.ok(n.available >= q.rooms && n.priceCents !== null);
        assert.equal(a.totalCents, a.nightly.reduce((s, n) => s + n.priceCents, 0) * q.rooms);
      }
    }
    assert.ok(reasons.has(null) && reasons.has('sold_out') && reasons.has('no_inventory'), [...reasons].join());
    // the batches are self-consistent: cursors chain, foreign keys point at loaded rows
    assert.equal(ds.batches[1].since, ds.batches[0].cursor);
    assert.equal(ds.batches[2].since, ds.batches[1].cursor);
    const rts = new Set(ds.data.room_types.map((r) => r.id));
    for (const r of ds.data.room_inventory) assert.ok(rts.has(r.room_type_id) && r.available <= r.total);
  }
});
