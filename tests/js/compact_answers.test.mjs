// The compact (binary) answers against the core's JSON answers to the same calls: on
// seeded random datasets, checkRoomAvailability, getAllRoomAvailability,
// batchCheckAvailability, getUserBookingsWithRoomType, getBookingRules, getRoomTypes,
// getSpecialDays, getOccupancyRate, getBookingStatistics, getCalendar (random column
// sets and lengths) and createBooking through the public API (which decodes the compact form) must equal the
// JSON form of the same core, key order included, with the cache on and off, nightly and
// summary forms, status filters and payments, unknown ids, stays without inventory rows,
// and names, currencies and notes outside ASCII (UTF-16 surrogate pairs) or longer than
// the decoder's short-string path. The stay records carry day numbers: the decoder's date
// texts are checked against the calendar's arithmetic over years 0000-9999.
//
// Run: node --test tests/js/compact_answers.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine } from '../../bindings/js/index.mjs';
import { coreCaller, loadCore } from '../../bindings/js/loader.mjs';
import { compactDecoder, _dayText as dayText } from '../../bindings/js/compact.mjs';
import { generateDataset, randomStay, Rng } from './support/gen.mjs';

const SEEDS = [11, 22, 33];
const CASES = 200;
const utf8 = new TextDecoder();

// Room type names the JSON writer escapes or that take two UTF-16 units per character.
const NAMES = ['Suíte "Mar" \\ vista', 'Habitación 🌊🌊 doble', 'tab\tand\nnewline', '部屋', 'x'.repeat(200)];

function jsonCore(module, image, now) {
  const core = new module.Core();
  assert.equal(core.open(image), '');
  core.setNow(now);
  const ids = new Map(JSON.parse(core.methods()).map((m, i) => [m.name, i]));
  const calls = coreCaller(module, core);
  return (method, args) => {
    const out = utf8.decode(calls.invoke(ids.get(method), JSON.stringify(args), now, false));
    return calls.failed() ? { error: JSON.parse(out).code } : JSON.parse(out);
  };
}

// A date of the dataset's horizon (a special day's date).
function q0(ds, i) {
  return new Date((Math.floor(ds.now / 86400000) + 3 + 7 * i) * 86400000).toISOString().slice(0, 10);
}

function api(fn) {
  try {
    return fn();
  } catch (e) {
    return { error: e.code };
  }
}

for (const seed of SEEDS) {
  test(`compact answers equal the JSON answers, seed ${seed}`, async () => {
    const ds = generateDataset(seed);
    const rng = new Rng(seed * 977 + 3);
    const setup = await openEngine({ now: () => ds.now, cache: false });
    for (const batch of ds.batches) setup.applyChanges(batch);
    const renamed = ds.data.room_types.slice(0, NAMES.length).map((r, i) => ({ ...r, name: NAMES[i] }));
    // A currency and special-day notes outside ASCII, with quotes, or long.
    const hotelRow = { id: ds.hotelIds[0], name: 'Hôtel', currency: '€' };
    const notes = ['Fête "nationale" \\ 🎆', 'x'.repeat(40), '', 'tab\there'];
    const specials = notes.map((note, i) => ({ hotel_id: ds.hotelIds[i % ds.hotelIds.length],
      date: q0(ds, i), kind: 'event', price_multiplier_pct: 120, min_stay: i % 2 ? null : 2, note }));
    setup.applyChanges({ format: 'edgestay.changes/1', since: ds.lastCursor, cursor: 'é-cursor-🌊', syncedAt: null,
      changes: [...renamed.map((row) => ({ op: 'upsert', table: 'room_types', row })),
        { op: 'upsert', table: 'hotels', row: hotelRow },
        ...specials.map((row) => ({ op: 'upsert', table: 'special_days', row }))] });
    const image = setup.exportDatabase();
    setup.close();

    const json = jsonCore(await loadCore(), image, ds.now);
    const engines = [
      await openEngine({ now: () => ds.now, snapshot: image, cache: false }),
      await openEngine({ now: () => ds.now, snapshot: image, cache: { admission: 'always' } }),
    ];
    const same = (label, args, want, got) =>
      assert.equal(JSON.stringify(got), JSON.stringify(want), `${label} ${JSON.stringify(args)}`);
    const stays = () => Array.from({ length: rng.int(0, 25) }, () => randomStay(rng, ds, { unknownShare: 0.01 }));
    for (let i = 0; i < CASES; i++) {
      const q = randomStay(rng, ds, { unknownShare: 0.02 });
      const nightly = rng.chance(0.3) ? false : rng.chance(0.5) ? true : undefined;
      const all = { hotelId: rng.chance(0.03) ? 999999 : rng.pick(ds.hotelIds), checkIn: q.checkIn, checkOut: q.checkOut,
        rooms: q.rooms, ...(nightly === undefined ? {} : { nightly }) };
      const batch = stays();
      const hotelId = rng.chance(0.03) ? 999999 : rng.pick(ds.hotelIds);
      // Special days of the stay, or of a wide range around it.
      const wide = rng.chance(0.3);
      const sd = { hotelId, from: wide ? '2026-01-01' : q.checkIn, to: wide ? '2028-06-01' : q.checkOut };
      const STATUSES = ['HELD', 'PENDING_SYNC', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED'];
      const userId = rng.chance(0.05) ? 999999 : rng.pick(ds.userIds);
      const opts = {};
      if (rng.chance(0.3)) opts.status = rng.chance(0.5) ? rng.pick(STATUSES) : [rng.pick(STATUSES), rng.pick(STATUSES)];
      if (rng.chance(0.2)) opts.includePayments = true;
      const COLUMNS = ['available', 'priceCents', 'minStay', 'maxStay', 'closedToArrival', 'closedToDeparture', 'stopSell'];
      const cal = { hotelId, from: q.checkIn, days: rng.pick([1, 2, 7, 30, rng.int(1, 120)]) };
      if (rng.chance(0.4)) cal.columns = COLUMNS.filter(() => rng.chance(0.4));
      if (cal.columns?.length === 0) delete cal.columns;
      for (const engine of engines) {
        // Twice each: with the cache on, the second is a hit (the wrapper's kept answer).
        for (let k = 0; k < 2; k++) {
          same('checkRoomAvailability', q, json('checkRoomAvailability', q), api(() => engine.checkRoomAvailability(q)));
          same('getAllRoomAvailability', all, json('getAllRoomAvailability', all),
            api(() => engine.getAllRoomAvailability(all)));
          same('batchCheckAvailability', batch, json('batchCheckAvailability', { nightly, queries: batch }),
            api(() => engine.batchCheckAvailability(batch, { nightly })));
          same('getUserBookingsWithRoomType', { userId, ...opts }, json('getUserBookingsWithRoomType', { ...opts, userId }),
            api(() => engine.getUserBookingsWithRoomType(userId, opts)));
          same('getBookingRules', hotelId, json('getBookingRules', { hotelId }), api(() => engine.getBookingRules(hotelId)));
          same('getRoomTypes', hotelId, json('getRoomTypes', { hotelId }), api(() => engine.getRoomTypes(hotelId)));
          same('getSpecialDays', sd, json('getSpecialDays', sd), api(() => engine.getSpecialDays(sd)));
          same('getOccupancyRate', sd, json('getOccupancyRate', sd), api(() => engine.getOccupancyRate(sd)));
          same('getBookingStatistics', sd, json('getBookingStatistics', sd), api(() => engine.getBookingStatistics(sd)));
          same('getCalendar', cal, json('getCalendar', cal), api(() => engine.getCalendar(cal)));
        }
      }
    }
    for (const engine of engines) engine.close();
  });
}

test('the decoder refuses a layout that lacks a slot it reads', () => {
  const layout = { version: 2, frame: ['kind', 'count', 'hotelId', 'nights', 'rooms', 'strBytes'],
    stay: ['roomTypeId'], night: ['available', 'priceCents'], asOf: ['syncedAt', 'cursor', 'strBytes'] };
  assert.throws(() => compactDecoder(JSON.stringify(layout)), /stay has no slot 'hotelId'/);
  assert.throws(() => compactDecoder(JSON.stringify({ ...layout, version: 1 })), /version 1/);
  assert.throws(() => compactDecoder(JSON.stringify({ ...layout, version: 3 })), /version 3/);
});

// The proleptic Gregorian date of a day number, by the civil-from-days arithmetic the
// core's FormatDate uses (sync/protocol/date.cc), written here independently.
function civil(day) {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const pad = (v, n) => String(v).padStart(n, '0');
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

test('the stay decoder\'s date texts are the calendar\'s, years 0000-9999', () => {
  const first = -719528;  // 0000-01-01
  const last = 2932896;   // 9999-12-31
  assert.equal(civil(first), '0000-01-01');
  assert.equal(civil(last), '9999-12-31');
  const rng = new Rng(5);
  const days = [first, last, 0, -1, 59, 60, 11016, 11017, 20513, 20514];  // epoch, leap days, 2000-02-29, 2026
  for (let d = 20400; d < 20400 + 9000; d++) days.push(d);  // the cached window and past its ends
  for (let i = 0; i < 20000; i++) days.push(rng.int(first, last));
  for (const d of days) assert.equal(dayText(d), civil(d), `day ${d}`);
  for (const d of days.slice(0, 2000)) assert.equal(dayText(d), civil(d), `day ${d}, again`);
});

// The compact answer of getUserBookingsWithRoomType sorts its records itself (reports.cc,
// key_sort.h) where the JSON one lets SQLite sort: users with 0-60 bookings (more than
// a run of the merge), created_at drawn from a few instants (ties, across and within
// statuses), negative and large ids, every status filter: both faces, and a brute force,
// order the bookings by created_at DESC, id DESC.
test('a user\'s bookings come in created_at DESC, id DESC order in both faces, ties included', async () => {
  const now = Date.UTC(2026, 11, 1);
  const rng = new Rng(20261203);
  const STATUSES = ['HELD', 'PENDING_SYNC', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED'];
  const instants = [now - 86400000, now - 3600000, now - 1, now];
  const rows = [];
  let id = 0;
  for (let user = 1; user <= 40; user++) {
    for (let k = rng.int(0, 60); k > 0; k--) {
      id += rng.int(1, 3);
      const day = rng.int(1, 300);
      rows.push({ id: rng.chance(0.1) ? 2 ** 52 - id : id, hotel_id: 1, user_id: user, room_type_id: 1,
        status: rng.pick(STATUSES), start_date: new Date(now + day * 86400000).toISOString().slice(0, 10),
        end_date: new Date(now + (day + 2) * 86400000).toISOString().slice(0, 10), rooms: 1, guests: 2,
        total_cents: 100, created_at: rng.pick(instants), updated_at: now });
    }
  }
  const setup = await openEngine({ now: () => now, cache: false });
  setup.applyChanges({ format: 'edgestay.changes/1', cursor: 'c1', changes: [
    { op: 'upsert', table: 'hotels', row: { id: 1, name: 'H', time_zone: 'UTC', currency: 'EUR' } },
    { op: 'upsert', table: 'room_types', row: { id: 1, hotel_id: 1, name: 'Double', total_rooms: 99, base_price_cents: 100 } },
    ...rows.map((row) => ({ op: 'upsert', table: 'bookings', row }))] });
  const image = setup.exportDatabase();
  setup.close();
  const json = jsonCore(await loadCore(), image, now);
  const engine = await openEngine({ now: () => now, snapshot: image, cache: false });
  let sorted = 0;
  for (let user = 1; user <= 40; user++) {
    for (const status of [undefined, 'CONFIRMED', ['HELD', 'CANCELLED', 'HELD']]) {
      const opts = status === undefined ? {} : { status };
      const wanted = new Set(status === undefined ? STATUSES : [status].flat());
      const want = rows.filter((r) => r.user_id === user && wanted.has(r.status))
        .sort((a, b) => b.created_at - a.created_at || b.id - a.id).map((r) => r.id);
      const got = engine.getUserBookingsWithRoomType(user, opts);
      assert.deepEqual(got.map((b) => b.id), want, `user ${user} ${JSON.stringify(opts)}`);
      assert.equal(JSON.stringify(got), JSON.stringify(json('getUserBookingsWithRoomType', { ...opts, userId: user })));
      if (want.length > 8) sorted++;
    }
  }
  assert.ok(sorted > 20);
  engine.close();
});

// getUserBookingsWithRoomType takes the room type's name from the engine's in-memory
// facts: a batch that renames the room type must show in the next answer, both faces.
test('a user\'s bookings show a room type\'s new name after the batch that renames it', async () => {
  const ds = generateDataset(44);
  const engine = await openEngine({ now: () => ds.now, cache: { admission: 'always' } });
  for (const batch of ds.batches) engine.applyChanges(batch);
  let checked = 0;
  for (const userId of ds.userIds.slice(0, 12)) {
    const before = engine.getUserBookingsWithRoomType(userId);
    if (before.length === 0) continue;
    const { roomTypeId } = before[0];
    const name = `Renamed ${roomTypeId} ${checked} 🌊`;
    engine.applyChanges({ format: 'edgestay.changes/1', cursor: `rename-${checked}`, syncedAt: ds.now,
      changes: [{ op: 'upsert', table: 'room_types', row: { id: roomTypeId, name } }] });
    for (const options of [{}, { includePayments: true }]) {
      const after = engine.getUserBookingsWithRoomType(userId, options);
      assert.equal(after.length, before.length);
      for (const b of after) if (b.roomTypeId === roomTypeId) assert.equal(b.roomTypeName, name);
    }
    checked++;
  }
  assert.ok(checked > 0);
  engine.close();
});

// createBooking answers in the compact form too (one booking record): the same bookings
// made through the public API and through the core's JSON face, from the same image at
// the same clock, give the same answers key for key: new bookings, holds, refusals, and a
// key's replay (its original booking). A listener's booking event carries the booking's
// JSON, equal to the answer.
for (const seed of SEEDS) {
  test(`createBooking's compact answers equal its JSON answers, seed ${seed}`, async () => {
    const ds = generateDataset(seed);
    const rng = new Rng(seed * 31 + 7);
    const setup = await openEngine({ now: () => ds.now, cache: false });
    for (const batch of ds.batches) setup.applyChanges(batch);
    // Names the JSON writer escapes or that take two UTF-16 units per character.
    setup.applyChanges({ format: 'edgestay.changes/1', since: ds.lastCursor, cursor: 'c2', syncedAt: null,
      changes: ds.data.room_types.slice(0, NAMES.length).map((r, i) => ({ op: 'upsert', table: 'room_types',
        row: { ...r, name: NAMES[i] } })) });
    const image = setup.exportDatabase();
    setup.close();
    const json = jsonCore(await loadCore(), image, ds.now);
    const engine = await openEngine({ now: () => ds.now, snapshot: image, cache: false });
    const heard = [];
    const stop = engine.on('booking', (e) => heard.push(...(e.bookings ?? [])));
    let made = 0;
    const keys = [];
    for (let i = 0; i < CASES; i++) {
      const q = randomStay(rng, ds, { unknownShare: 0.02 });
      const replay = keys.length > 0 && rng.chance(0.1);
      const hotelId = ds.data.room_types.find((r) => r.id === q.roomTypeId)?.hotel_id ?? ds.hotelIds[0];
      const args = { hotelId: rng.chance(0.02) ? 999999 : hotelId, roomTypeId: q.roomTypeId,
        userId: rng.pick(ds.userIds), checkIn: q.checkIn, checkOut: q.checkOut, rooms: q.rooms,
        guests: q.rooms * rng.int(1, 2), hold: rng.chance(0.3),
        idempotencyKey: replay ? rng.pick(keys) : `k-${seed}-${i}-${rng.pick(['', 'é', '"q"', '🌊'])}` };
      const want = json('createBooking', args);
      const before = heard.length;
      const got = api(() => engine.createBooking(args));
      // The wrapper flags an answer made while the engine is stale; the JSON face does not.
      const { stale, ...answer } = got;
      assert.equal(JSON.stringify(answer), JSON.stringify(want), JSON.stringify(args));
      if (!want.error && !replay) {
        made++;
        keys.push(args.idempotencyKey);
        assert.equal(heard.length, before + 1);
        assert.equal(JSON.stringify(heard.at(-1)), JSON.stringify(want));
      }
    }
    assert.ok(made > CASES / 10, `only ${made} bookings were made`);
    stop();
    engine.close();
  });
}
