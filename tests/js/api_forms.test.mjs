// The answer forms added for widgets and reports (issue 11): the room type's name in
// availability answers, the summary form (nightly: false) of batch questions, revenue per
// status and the cancellations' value in booking statistics, and calendar column picking.
// Each form is checked against the full answer of the same engine (and with the cache on
// against the cache off) on seeded random queries.
//
// Run: node --test tests/js/api_forms.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine } from '../../bindings/js/index.mjs';
import { Rng } from './support/gen.mjs';
import { formatDate, parseDate } from './support/model.mjs';

const H = 1;
const at = (date, hhmm = '12:00') => Date.parse(`${date}T${hhmm}:00.000Z`);
const batch = (changes, extra = {}) => ({ format: 'edgestay.changes/1', ...extra, changes });
const COLUMNS = ['available', 'priceCents', 'minStay', 'maxStay', 'closedToArrival', 'closedToDeparture', 'stopSell'];

function baseBatch(rng) {
  const changes = [
    { op: 'upsert', table: 'hotels', row: { id: H, name: 'Harbour', currency: 'EUR', utc_offset_minutes: 60 } },
    { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: H, name: 'Double', base_price_cents: 10000, total_rooms: 5 } },
    { op: 'upsert', table: 'room_types', row: { id: 11, hotel_id: H, name: 'Suite', base_price_cents: 20000, total_rooms: 3 } },
    { op: 'upsert', table: 'room_types', row: { id: 12, hotel_id: H, name: 'Loft', base_price_cents: 15000, total_rooms: 2 } },
    { op: 'upsert', table: 'special_days', row: { hotel_id: H, date: '2027-03-11', kind: 'holiday', price_multiplier_pct: 150, min_stay: 2 } },
    { op: 'upsert', table: 'special_days', row: { hotel_id: H, date: '2027-03-20', kind: 'blackout', price_multiplier_pct: 100 } },
  ];
  const cols = ['room_type_id', 'date', 'total', 'available', 'price_cents', 'min_stay', 'max_stay', 'closed_to_arrival', 'closed_to_departure', 'stop_sell'];
  for (const [rt, total] of [[10, 5], [11, 3], [12, 2]]) {
    const rows = [];
    for (let d = parseDate('2027-02-20'); d <= parseDate('2027-04-30'); d++) {
      if (rng.chance(0.03)) continue;
      rows.push([rt, formatDate(d), total, rng.int(0, total), rng.int(80, 250) * 100, rng.chance(0.8) ? 1 : 2, rng.chance(0.9) ? 0 : 5,
        rng.chance(0.1) ? 1 : 0, rng.chance(0.1) ? 1 : 0, rng.chance(0.05) ? 1 : 0]);
    }
    changes.push({ op: 'upsert', table: 'room_inventory', columns: cols, rows });
  }
  return batch(changes, { cursor: 'base', syncedAt: at('2027-01-31') });
}

async function engines(seed) {
  const rng = new Rng(seed);
  const b = baseBatch(rng);
  const clock = { now: at('2027-02-01') };
  const cached = await openEngine({ now: () => clock.now, cache: { admission: 'always' } });
  const plain = await openEngine({ now: () => clock.now, cache: false });
  cached.applyChanges(b);
  plain.applyChanges(b);
  return { rng, cached, plain, clock };
}

function randomStay(rng) {
  const ci = parseDate('2027-02-25') + rng.int(0, 55);
  return { roomTypeId: rng.pick([10, 11, 12]), checkIn: formatDate(ci), checkOut: formatDate(ci + rng.int(1, 7)), rooms: rng.int(1, 3) };
}

const withoutNightly = (a) => {
  const { nightly, ...rest } = a;
  return rest;
};

test('availability answers carry the room type name, and follow a rename', async () => {
  const { rng, cached, plain } = await engines(1);
  const names = new Map(cached.getRoomTypes(H).map((r) => [r.id, r.name]));
  for (let i = 0; i < 50; i++) {
    const q = randomStay(rng);
    assert.equal(cached.checkRoomAvailability(q).roomTypeName, names.get(q.roomTypeId));
  }
  const all = cached.getAllRoomAvailability({ hotelId: H, checkIn: '2027-03-01', checkOut: '2027-03-04' });
  assert.deepEqual(all.results.map((r) => r.roomTypeName), ['Double', 'Suite', 'Loft']);
  const rename = batch([{ op: 'upsert', table: 'room_types', row: { id: 11, hotel_id: H, name: 'Grand Suite', base_price_cents: 20000, total_rooms: 3 } }],
    { since: 'base', cursor: 'r1', syncedAt: at('2027-02-01') });
  cached.applyChanges(rename);
  plain.applyChanges(rename);
  const again = cached.getAllRoomAvailability({ hotelId: H, checkIn: '2027-03-01', checkOut: '2027-03-04' });
  assert.equal(again.results[1].roomTypeName, 'Grand Suite');
  assert.deepStrictEqual(again, plain.getAllRoomAvailability({ hotelId: H, checkIn: '2027-03-01', checkOut: '2027-03-04' }));
  cached.close();
  plain.close();
});

test('nightly: false is the full answer without its nightly array (batch and all room types)', async () => {
  for (const seed of [2, 3, 4]) {
    const { rng, cached, plain } = await engines(seed);
    for (let i = 0; i < 60; i++) {
      const qs = Array.from({ length: rng.int(1, 12) }, () => randomStay(rng));
      const full = plain.batchCheckAvailability(qs);
      for (const e of [cached, plain]) {
        const summary = e.batchCheckAvailability(qs, { nightly: false });
        assert.deepStrictEqual(summary, full.map(withoutNightly), `seed ${seed} #${i}`);
        assert.deepStrictEqual(e.batchCheckAvailability(qs), full);
        assert.deepStrictEqual(e.batchCheckAvailability(qs, { nightly: false }), summary, 'a repeat (cached) is the same');
      }
      const s = qs[0];
      const hq = { hotelId: H, checkIn: s.checkIn, checkOut: s.checkOut, rooms: s.rooms };
      const allFull = plain.getAllRoomAvailability(hq);
      const allSummary = cached.getAllRoomAvailability({ ...hq, nightly: false });
      assert.deepStrictEqual(allSummary, { ...allFull, results: allFull.results.map(withoutNightly) });
      assert.deepStrictEqual(cached.getAllRoomAvailability(hq), allFull);
    }
    assert.throws(() => cached.batchCheckAvailability([randomStay(rng)], { nightly: 'no' }), { code: 'INVALID_ARGUMENT' });
    cached.close();
    plain.close();
  }
});

test('getCalendar columns: exactly the named columns of the full grid; bad names rejected', async () => {
  const { rng, cached, plain } = await engines(5);
  for (let i = 0; i < 80; i++) {
    const q = { hotelId: H, from: formatDate(parseDate('2027-02-20') + rng.int(0, 60)), days: rng.int(1, 40) };
    const full = plain.getCalendar(q);
    const columns = COLUMNS.filter(() => rng.chance(0.4));
    if (!columns.length) columns.push(rng.pick(COLUMNS));
    const expected = {
      ...full,
      roomTypes: full.roomTypes.map((rt) => ({ id: rt.id, name: rt.name, ...Object.fromEntries(COLUMNS.filter((c) => columns.includes(c)).map((c) => [c, rt[c]])) })),
    };
    for (const e of [cached, plain]) {
      assert.deepStrictEqual(e.getCalendar({ ...q, columns }), expected, JSON.stringify(columns));
      assert.deepStrictEqual(e.getCalendar(q), full);
    }
    // A booking changes the available column of both forms alike.
    if (i % 20 === 19) {
      const b = { hotelId: H, roomTypeId: 10, userId: 3, checkIn: q.from, checkOut: formatDate(parseDate(q.from) + 1) };
      let okA;
      let okB;
      try { cached.createBooking(b); okA = true; } catch (err) { okA = err.code; }
      try { plain.createBooking(b); okB = true; } catch (err) { okB = err.code; }
      assert.equal(okA, okB);
    }
  }
  for (const bad of [[], ['price'], 'available', [1]]) {
    assert.throws(() => cached.getCalendar({ hotelId: H, from: '2027-03-01', days: 5, columns: bad }), { code: 'INVALID_ARGUMENT' }, JSON.stringify(bad));
  }
  cached.close();
  plain.close();
});

test('booking statistics: revenue per status and the cancellations\' value', async () => {
  const { cached, plain } = await engines(6);
  const made = [];
  for (const [rt, ci, n] of [[10, '2027-03-02', 2], [11, '2027-03-05', 3], [12, '2027-03-09', 1], [10, '2027-03-15', 4]]) {
    const b = { hotelId: H, roomTypeId: rt, userId: 7, checkIn: ci, checkOut: formatDate(parseDate(ci) + n) };
    try {
      made.push(cached.createBooking(b));
      plain.createBooking(b);
    } catch { /* not bookable on this inventory: skip */ }
  }
  assert.ok(made.length >= 2, 'some bookings were made');
  const range = { hotelId: H, from: '2027-03-01', to: '2027-04-01' };
  const before = cached.getBookingStatistics(range);
  cached.cancelBooking(made[0].id);
  plain.cancelBooking(made[0].id);
  const s = cached.getBookingStatistics(range);
  assert.deepStrictEqual(s, plain.getBookingStatistics(range));
  assert.equal(s.cancelledValueCents, made[0].totalCents);
  assert.equal(s.revenueByStatus.CANCELLED, made[0].totalCents);
  assert.equal(s.revenueByStatus.HELD + s.revenueByStatus.PENDING_SYNC + s.revenueByStatus.CONFIRMED, s.revenueCents);
  assert.equal(s.revenueCents, before.revenueCents - made[0].totalCents);
  cached.close();
  plain.close();
});
