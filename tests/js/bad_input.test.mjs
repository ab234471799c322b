// Bad input: every documented argument / batch / snapshot error surfaces as an
// EdgestayError with its documented code, and the engine keeps answering
// exactly as before (nothing half-applied, nothing broken).
//
// Run: node --test tests/js/bad_input.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine, EdgestayError } from '../../bindings/js/index.mjs';
import { Model, DAY_MS, formatDate } from './support/model.mjs';
import { generateDataset, Rng } from './support/gen.mjs';

const ds = generateDataset(11);
const model = new Model(ds.data, { now: ds.now });
const today = Math.floor(ds.now / DAY_MS);

// A known stay that the model says is available, in a hotel whose max_nights is the default 30.
function pickKnown() {
  for (const rt of ds.data.room_types) {
    if (model.rule(rt.hotel_id, 'max_nights') !== 30) continue;
    for (let d = today + 5; d < today + 40; d++) {
      const q = { roomTypeId: rt.id, checkIn: formatDate(d), checkOut: formatDate(d + 2), rooms: 1 };
      const a = model.checkRoomAvailability(q);
      if (a.available) return { q, rt };
    }
  }
  throw new Error('fixture: no available stay found');
}
const { q: KNOWN, rt: KNOWN_RT } = pickKnown();
const KNOWN_HOTEL = KNOWN_RT.hotel_id;
const KNOWN_CAL = { hotelId: KNOWN_HOTEL, from: formatDate(today - 3), days: 30 };

let engine;
let before; // answers before any bad call
let imageBefore;
let exportDeterministic;

function snapshotAnswers(e) {
  return {
    check: e.checkRoomAvailability(KNOWN),
    calendar: e.getCalendar(KNOWN_CAL),
    roomTypes: e.getRoomTypes(KNOWN_HOTEL),
    occupancy: e.getOccupancyRate({ hotelId: KNOWN_HOTEL, from: formatDate(today - 10), to: formatDate(today + 60) }),
  };
}

function sameBytes(a, b) {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** fn must throw an EdgestayError with `code`; then the engine answers as before. */
function expectError(fn, code, label = '') {
  let err = null;
  let result;
  try {
    result = fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err !== null, `${label}: expected ${code}, but the call returned ${JSON.stringify(result)?.slice(0, 300)}`);
  assert.ok(err instanceof EdgestayError, `${label}: expected an EdgestayError, got ${err && err.stack ? err.stack : err}`);
  const codes = Array.isArray(code) ? code : [code];
  assert.ok(codes.includes(err.code), `${label}: expected ${codes.join(' or ')}, got ${err.code} (${err.message})`);
  assert.equal(typeof err.message, 'string', `${label}: message`);
  assert.deepStrictEqual(snapshotAnswers(engine), before, `${label}: engine answers changed after a rejected call`);
  return err;
}

/** A batch error must also leave the database image (when exports are deterministic) and cursor as before. */
function expectBatchError(batch, code, label) {
  const err = expectError(() => engine.applyChanges(batch), code, label);
  if (exportDeterministic) {
    assert.ok(sameBytes(engine.exportDatabase(), imageBefore), `${label}: exportDatabase() bytes changed after a rejected batch`);
  }
  return err;
}

const next = (changes, extra = {}) => ({ format: 'edgestay.changes/1', since: ds.lastCursor, cursor: 'never-applied', syncedAt: ds.now, changes, ...extra });

test('setup: load the dataset and take reference answers', async () => {
  engine = await openEngine({ now: () => ds.now });
  for (const b of ds.batches) engine.applyChanges(b);
  before = snapshotAnswers(engine);
  assert.equal(before.check.available, true, 'fixture stay must be available');
  assert.deepStrictEqual(before.check.asOf, { cursor: ds.lastCursor, syncedAt: ds.lastSyncedAt });
  imageBefore = engine.exportDatabase();
  assert.ok(imageBefore instanceof Uint8Array);
  exportDeterministic = sameBytes(imageBefore, engine.exportDatabase());
  if (!exportDeterministic) console.log('note: exportDatabase() is not byte-stable; comparing query answers only');
});

test('malformed dates -> INVALID_DATE', () => {
  for (const bad of ['2026-02-30', '2026-13-01', 'tomorrow', 20261201, null, '2026-1-01', '2026-01-01T00:00:00Z', '', '2025-02-29']) {
    expectError(() => engine.checkRoomAvailability({ ...KNOWN, checkIn: bad }), 'INVALID_DATE', `checkIn=${JSON.stringify(bad)}`);
    expectError(() => engine.checkRoomAvailability({ ...KNOWN, checkOut: bad }), 'INVALID_DATE', `checkOut=${JSON.stringify(bad)}`);
  }
  expectError(() => engine.getAllRoomAvailability({ hotelId: KNOWN_HOTEL, checkIn: '2026-02-30', checkOut: KNOWN.checkOut }), 'INVALID_DATE', 'getAll');
  expectError(() => engine.getCalendar({ ...KNOWN_CAL, from: '2026-13-01' }), 'INVALID_DATE', 'getCalendar');
  expectError(() => engine.getBookingStatistics({ hotelId: KNOWN_HOTEL, from: 'tomorrow', to: '2026-12-01' }), 'INVALID_DATE', 'stats');
  expectError(() => engine.getOccupancyRate({ hotelId: KNOWN_HOTEL, from: '2026-12-01', to: null }), 'INVALID_DATE', 'occupancy');
  expectError(() => engine.batchCheckAvailability([KNOWN, { ...KNOWN, checkIn: '2026-02-30' }]), 'INVALID_DATE', 'batch');
});

test('checkOut <= checkIn -> INVALID_RANGE', () => {
  expectError(() => engine.checkRoomAvailability({ ...KNOWN, checkOut: KNOWN.checkIn }), 'INVALID_RANGE', 'equal');
  expectError(() => engine.checkRoomAvailability({ ...KNOWN, checkIn: KNOWN.checkOut, checkOut: KNOWN.checkIn }), 'INVALID_RANGE', 'reversed');
  expectError(() => engine.getAllRoomAvailability({ hotelId: KNOWN_HOTEL, checkIn: KNOWN.checkOut, checkOut: KNOWN.checkIn }), 'INVALID_RANGE', 'getAll');
  expectError(() => engine.getBookingStatistics({ hotelId: KNOWN_HOTEL, from: '2026-12-01', to: '2026-12-01' }), 'INVALID_RANGE', 'stats to == from');
  expectError(() => engine.getOccupancyRate({ hotelId: KNOWN_HOTEL, from: '2026-12-02', to: '2026-12-01' }), 'INVALID_RANGE', 'occupancy to < from');
  expectError(() => engine.getOccupancyRate({ hotelId: KNOWN_HOTEL, from: '2026-01-01', to: '2029-01-02' }), 'INVALID_RANGE', 'occupancy over 1096 days');
});

test('over max nights -> STAY_TOO_LONG', () => {
  const ci = KNOWN.checkIn;
  const co31 = formatDate(Math.floor(Date.parse(ci) / DAY_MS) + 31);
  expectError(() => engine.checkRoomAvailability({ ...KNOWN, checkOut: co31 }), 'STAY_TOO_LONG', '31 nights');
  expectError(() => engine.getAllRoomAvailability({ hotelId: KNOWN_HOTEL, checkIn: ci, checkOut: co31 }), 'STAY_TOO_LONG', 'getAll 31 nights');
  // exactly max_nights is fine
  const co30 = formatDate(Math.floor(Date.parse(ci) / DAY_MS) + 30);
  const a = engine.checkRoomAvailability({ ...KNOWN, checkOut: co30 });
  assert.equal(a.nights, 30);
});

test('unknown ids -> UNKNOWN_ROOM_TYPE / UNKNOWN_HOTEL', () => {
  expectError(() => engine.checkRoomAvailability({ ...KNOWN, roomTypeId: 987654 }), 'UNKNOWN_ROOM_TYPE', 'room type');
  expectError(() => engine.batchCheckAvailability([KNOWN, KNOWN, { ...KNOWN, roomTypeId: 987654 }]), 'UNKNOWN_ROOM_TYPE', 'batch room type');
  expectError(() => engine.getRoomTypes(987654), 'UNKNOWN_HOTEL', 'getRoomTypes');
  expectError(() => engine.getAllRoomAvailability({ hotelId: 987654, checkIn: KNOWN.checkIn, checkOut: KNOWN.checkOut }), 'UNKNOWN_HOTEL', 'getAll');
  expectError(() => engine.getCalendar({ ...KNOWN_CAL, hotelId: 987654 }), 'UNKNOWN_HOTEL', 'getCalendar');
  expectError(() => engine.getBookingStatistics({ hotelId: 987654, from: '2026-01-01', to: '2026-02-01' }), 'UNKNOWN_HOTEL', 'stats');
  expectError(() => engine.getOccupancyRate({ hotelId: 987654, from: '2026-01-01', to: '2026-02-01' }), 'UNKNOWN_HOTEL', 'occupancy');
});

test('wrong argument types -> INVALID_ARGUMENT', async (t) => {
  const cases = [
    [{ ...KNOWN, rooms: '2' }, 'string rooms'],
    [{ ...KNOWN, rooms: -1 }, 'negative rooms'],
    [{ ...KNOWN, rooms: 0 }, 'zero rooms'],
    [{ ...KNOWN, rooms: 1.5 }, '1.5 rooms'],
    [{ ...KNOWN, rooms: NaN }, 'NaN rooms'],
    [{ ...KNOWN, rooms: null }, 'null rooms'],
    [{ ...KNOWN, roomTypeId: { id: KNOWN.roomTypeId } }, 'object roomTypeId'],
    [{ ...KNOWN, roomTypeId: String(KNOWN.roomTypeId) }, 'string roomTypeId'],
    [{ ...KNOWN, roomTypeId: 1.5 }, 'fractional roomTypeId'],
  ];
  for (const [q, label] of cases) {
    await t.test(label, () => expectError(() => engine.checkRoomAvailability(q), 'INVALID_ARGUMENT', label));
  }
  expectError(() => engine.getRoomTypes({ id: KNOWN_HOTEL }), 'INVALID_ARGUMENT', 'getRoomTypes object id');
  expectError(() => engine.getRoomTypes('1'), 'INVALID_ARGUMENT', 'getRoomTypes string id');
  expectError(() => engine.getAllRoomAvailability({ hotelId: [KNOWN_HOTEL], checkIn: KNOWN.checkIn, checkOut: KNOWN.checkOut }), 'INVALID_ARGUMENT', 'getAll array hotelId');
  expectError(() => engine.getUserBookingsWithRoomType({ id: 1 }), 'INVALID_ARGUMENT', 'user object id');
  expectError(() => engine.getUserBookingsWithRoomType(ds.userIds[0], { status: 'BOOKED' }), 'INVALID_ARGUMENT', 'user unknown status');
  expectError(() => engine.getCalendar({ ...KNOWN_CAL, days: '7' }), 'INVALID_ARGUMENT', 'calendar string days');
  expectError(() => engine.batchCheckAvailability('not an array'), 'INVALID_ARGUMENT', 'batch not an array');
  // an invalid query in a batch rejects the whole call and names its index
  const err = expectError(() => engine.batchCheckAvailability([KNOWN, KNOWN, KNOWN, { ...KNOWN, rooms: 1.5 }, KNOWN]), 'INVALID_ARGUMENT', 'batch rooms 1.5');
  assert.equal(err.details && err.details.index, 3, `batch error details.index: ${JSON.stringify(err.details)}`);
  // AMBIGUITY: the code for more than 1000 queries is not named; either argument code is accepted.
  expectError(() => engine.batchCheckAvailability(new Array(1001).fill(KNOWN)), ['INVALID_ARGUMENT', 'INVALID_RANGE'], 'batch of 1001');
});

test('non-JSON batch -> INVALID_JSON', () => {
  expectBatchError('{"format": "edgestay.changes/1", "changes": [', 'INVALID_JSON', 'truncated JSON');
  expectBatchError('not json at all', 'INVALID_JSON', 'garbage');
  expectBatchError('', 'INVALID_JSON', 'empty string');
});

test('structurally wrong batches -> INVALID_BATCH', () => {
  expectBatchError({ ...next([]), format: 'edgestay.changes/2' }, 'INVALID_BATCH', 'wrong format');
  expectBatchError({ format: 'edgestay.changes/1', since: ds.lastCursor }, 'INVALID_BATCH', 'no changes');
  expectBatchError(next({}), 'INVALID_BATCH', 'changes not an array');
  expectBatchError(next([{ op: 'merge', table: 'hotels', row: { id: 5000, name: 'X' } }]), 'INVALID_BATCH', 'unknown op');
  expectBatchError(next([{ op: 'upsert', table: 'hotels', row: { id: 5001, name: 'ok' } }, { op: 'upsert', table: 'rooms', row: { id: 1 } }]), 'INVALID_BATCH', 'unknown table');
  expectBatchError(next([{ op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents', 'avail'], rows: [[KNOWN.roomTypeId, KNOWN.checkIn, 5, 5, 100, 5]] }]), 'INVALID_BATCH', 'unknown column (columnar)');
});

test('unknown column in a single row is rejected', () => {
  // AMBIGUITY: FORMAT.md says unknown columns are rejected; API.md lists "columns"
  // under INVALID_BATCH but a row value problem is INVALID_ROW. Either is accepted here.
  const err = expectBatchError(next([{ op: 'upsert', table: 'hotels', row: { id: KNOWN_HOTEL, name: 'Renamed', stars: 5 } }]), ['INVALID_BATCH', 'INVALID_ROW'], 'unknown column (row)');
  console.log(`note: unknown column in a single row -> ${err.code} ${JSON.stringify(err.details)}`);
});

test('half-valid batch: nothing applied, error names change/row/field', () => {
  const rt = KNOWN_RT;
  const d0 = Math.floor(Date.parse(KNOWN.checkIn) / DAY_MS);
  const rows = [];
  for (let i = 0; i < 60; i++) rows.push([rt.id, formatDate(d0 + 200 + i), 9, 4, 10000]);
  const N = 37;
  rows[N] = [rt.id, formatDate(d0 + 200 + N), 8, 9, 10000]; // available > total
  const batch = next([
    { op: 'upsert', table: 'room_inventory', row: { room_type_id: rt.id, date: KNOWN.checkIn, available: 0 } }, // would make KNOWN sold out
    { op: 'upsert', table: 'hotels', row: { id: 4242, name: 'Half', currency: 'EUR' } },
    { op: 'upsert', table: 'room_types', row: { id: 424201, hotel_id: 4242, name: 'HalfRT', base_price_cents: 1000, total_rooms: 3 } },
    { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'], rows },
  ]);
  const err = expectBatchError(batch, 'INVALID_ROW', 'available > total at row 37');
  assert.deepStrictEqual(err.details, { change: 3, row: N, field: 'available' }, 'details name change/row/field');
  assert.match(err.message, /changes\[3\]\.rows\[37\]\.available/);
  expectError(() => engine.getRoomTypes(4242), 'UNKNOWN_HOTEL', 'hotel of the rejected batch must not exist');
  // same batch as a JSON string
  expectBatchError(JSON.stringify(batch), 'INVALID_ROW', 'half-valid batch as string');
});

test('large half-valid batch (60,000 rows, bad row near the end): all or nothing', () => {
  const rows = [];
  const start = Math.floor(Date.parse('2030-01-01') / DAY_MS);
  for (let i = 0; i < 60000; i++) rows.push([KNOWN.roomTypeId, formatDate(start + i), 5, 3, 9900]);
  const N = 59990;
  rows[N] = [KNOWN.roomTypeId, formatDate(start + N), 5, 3, -1]; // negative price
  const batch = next([
    { op: 'upsert', table: 'room_inventory', row: { room_type_id: KNOWN.roomTypeId, date: KNOWN.checkIn, available: 0 } },
    { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'], rows },
  ]);
  const err = expectBatchError(batch, 'INVALID_ROW', 'bad row 59990 of 60000');
  assert.deepStrictEqual(err.details, { change: 1, row: N, field: 'price_cents' });
  const cal = engine.getCalendar({ hotelId: KNOWN_HOTEL, from: '2030-01-01', days: 3 });
  const rt = cal.roomTypes.find((r) => r.id === KNOWN.roomTypeId);
  assert.deepStrictEqual(rt.available, [null, null, null], 'rows before the bad one must not be applied');
});

test('row value errors -> INVALID_ROW with details', () => {
  const rt = KNOWN_RT;
  const inv = (row) => next([{ op: 'upsert', table: 'room_inventory', row: { room_type_id: rt.id, date: '2030-01-01', total: 5, available: 5, price_cents: 100, ...row } }]);
  const cases = [
    [inv({ available: 6 }), 'available'],
    [inv({ date: '2030-02-30' }), 'date'],
    [inv({ total: -1, available: 0 }), 'total'],
    [inv({ price_cents: 1.5 }), 'price_cents'],
    [inv({ stop_sell: 2 }), 'stop_sell'],
    [inv({ min_stay: 0 }), 'min_stay'],
    [inv({ available: '5' }), 'available'],
    [next([{ op: 'upsert', table: 'hotels', row: { id: -5, name: 'Neg' } }]), 'id'],
    [next([{ op: 'upsert', table: 'hotels', row: { id: 4243, name: 'Cur', currency: 'EURO' } }]), 'currency'],
    [next([{ op: 'upsert', table: 'hotels', row: { id: 4243, name: 'Off', utc_offset_minutes: 900 } }]), 'utc_offset_minutes'],
    [next([{ op: 'upsert', table: 'special_days', row: { hotel_id: KNOWN_HOTEL, date: '2030-01-01', kind: 'party' } }]), 'kind'],
    [next([{ op: 'upsert', table: 'special_days', row: { hotel_id: KNOWN_HOTEL, date: '2030-01-01', kind: 'event', price_multiplier_pct: 1001 } }]), 'price_multiplier_pct'],
    [next([{ op: 'upsert', table: 'booking_rules', row: { hotel_id: KNOWN_HOTEL, key: 'max_nightz', value: 3 } }]), 'key'],
    [next([{ op: 'upsert', table: 'room_types', row: { id: 424299, hotel_id: KNOWN_HOTEL, base_price_cents: 1000, total_rooms: 3 } }]), 'name'], // required column missing on insert
  ];
  for (const [batch, field] of cases) {
    const err = expectBatchError(batch, 'INVALID_ROW', `bad ${field}`);
    assert.equal(err.details && err.details.field, field, `details.field for ${field}: ${JSON.stringify(err.details)}`);
    assert.equal(err.details.change, 0, `details.change for ${field}`);
  }
});

test('foreign keys -> FOREIGN_KEY, delete of a referenced row -> REFERENCED', () => {
  expectBatchError(next([{ op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'], rows: [[KNOWN.roomTypeId, '2030-01-01', 5, 5, 100], [987654, '2030-01-02', 5, 5, 100]] }]), 'FOREIGN_KEY', 'inventory of a missing room type');
  expectBatchError(next([{ op: 'upsert', table: 'room_types', row: { id: 424300, hotel_id: 987654, name: 'X', base_price_cents: 1, total_rooms: 1 } }]), 'FOREIGN_KEY', 'room type of a missing hotel');
  expectBatchError(next([{ op: 'upsert', table: 'payments', row: { id: 987654, booking_id: 987654321, status: 'PENDING', amount_cents: 1, created_at: ds.now } }]), 'FOREIGN_KEY', 'payment of a missing booking');
  // a room type of another hotel
  const other = ds.data.room_types.find((r) => r.hotel_id !== KNOWN_HOTEL);
  expectBatchError(next([{ op: 'upsert', table: 'bookings', row: { id: 987653, hotel_id: KNOWN_HOTEL, user_id: 1, room_type_id: other.id, status: 'CONFIRMED', start_date: '2030-01-01', end_date: '2030-01-02', rooms: 1, guests: 1, total_cents: 1, created_at: ds.now } }]), 'FOREIGN_KEY', 'booking with a room type of another hotel');
  // deleting a room type that has inventory rows
  expectBatchError(next([{ op: 'delete', table: 'room_types', key: { id: KNOWN.roomTypeId } }]), 'REFERENCED', 'delete referenced room type');
  expectBatchError(next([{ op: 'delete', table: 'hotels', key: { id: KNOWN_HOTEL } }]), 'REFERENCED', 'delete referenced hotel');
});

test('since cursor mismatch -> CURSOR_MISMATCH', () => {
  expectBatchError(next([{ op: 'upsert', table: 'hotels', row: { id: 4244, name: 'C' } }], { since: 'some-other-cursor' }), 'CURSOR_MISMATCH', 'wrong since');
  expectBatchError(next([], { since: 's11-c2' }), 'CURSOR_MISMATCH', 'stale since');
  // a fresh engine has cursor null: a batch with since fails there too
  return openEngine({ now: () => ds.now }).then((fresh) => {
    let err;
    try {
      fresh.applyChanges(next([]));
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof EdgestayError && err.code === 'CURSOR_MISMATCH', `fresh engine: ${err && err.code}`);
    fresh.close();
  });
});

test('a valid batch after all the rejected ones still applies', async () => {
  // done on a copy so the shared engine stays at its reference state
  const copy = await openEngine({ snapshot: engine.exportDatabase(), now: () => ds.now });
  assert.deepStrictEqual(snapshotAnswers(copy), before);
  const r = copy.applyChanges(next([{ op: 'upsert', table: 'room_inventory', row: { room_type_id: KNOWN.roomTypeId, date: KNOWN.checkIn, available: 0 } }], { cursor: 'after' }));
  assert.equal(r.cursor, 'after');
  const a = copy.checkRoomAvailability(KNOWN);
  assert.equal(a.available, false);
  assert.deepStrictEqual(a.asOf, { cursor: 'after', syncedAt: ds.now });
  copy.close();
});

async function expectCorrupt(snapshot, label) {
  await assert.rejects(openEngine({ snapshot, now: () => ds.now }), (e) => {
    assert.ok(e instanceof EdgestayError, `${label}: not an EdgestayError: ${e && e.stack ? e.stack : e}`);
    assert.equal(e.code, 'CORRUPT_SNAPSHOT', `${label}: ${e.code} ${e.message}`);
    return true;
  }, label);
}

test('corrupted snapshots -> CORRUPT_SNAPSHOT', async () => {
  const rng = new Rng(99);
  const random = new Uint8Array(8192);
  for (let i = 0; i < random.length; i++) random[i] = rng.int(0, 255);
  await expectCorrupt(random, 'random bytes');

  const header = new Uint8Array(8192);
  header.set(random);
  header.set(new TextEncoder().encode('SQLite format 3\0'));
  await expectCorrupt(header, 'SQLite header then random bytes');

  const image = engine.exportDatabase();
  const pageSize = ((image[16] << 8) | image[17]) === 1 ? 65536 : (image[16] << 8) | image[17];
  const pages = image.length / pageSize;
  assert.ok(pages >= 4, `image has ${pages} pages`);

  // flip the bytes of a page in the middle (its b-tree header and cell pointers)
  const flipped = new Uint8Array(image);
  const mid = Math.floor(pages / 2) * pageSize;
  for (let i = mid; i < mid + 512; i++) flipped[i] ^= 0xff;
  await expectCorrupt(flipped, 'valid image with bytes flipped in the middle');

  await expectCorrupt(image.slice(0, Math.floor(image.length / 2) + 100), 'truncated image');

  // the engine that exported is unharmed, and the intact image still opens
  assert.deepStrictEqual(snapshotAnswers(engine), before);
  const ok = await openEngine({ snapshot: image, now: () => ds.now });
  assert.deepStrictEqual(snapshotAnswers(ok), before);
  ok.close();
});

test('an empty Uint8Array snapshot is a new database (or CORRUPT_SNAPSHOT)', async () => {
  // docs/API.md does not say; SQLite treats a zero-length file as an empty database.
  let e2;
  try {
    e2 = await openEngine({ snapshot: new Uint8Array(0), now: () => ds.now });
  } catch (e) {
    assert.ok(e instanceof EdgestayError && e.code === 'CORRUPT_SNAPSHOT', `empty snapshot: ${e && e.code}`);
    console.log('note: empty snapshot rejected with CORRUPT_SNAPSHOT');
    return;
  }
  let err;
  try {
    e2.getRoomTypes(KNOWN_HOTEL);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof EdgestayError && err.code === 'UNKNOWN_HOTEL', 'new database has no hotels');
  e2.applyChanges(ds.batches[0]);
  assert.ok(e2.getRoomTypes(KNOWN_HOTEL).length >= 1);
  e2.close();
});

test('calls after close() -> ENGINE_CLOSED', async () => {
  const e = await openEngine({ snapshot: engine.exportDatabase(), now: () => ds.now });
  assert.deepStrictEqual(e.checkRoomAvailability(KNOWN), before.check);
  e.close();
  const calls = {
    checkRoomAvailability: () => e.checkRoomAvailability(KNOWN),
    getAllRoomAvailability: () => e.getAllRoomAvailability({ hotelId: KNOWN_HOTEL, checkIn: KNOWN.checkIn, checkOut: KNOWN.checkOut }),
    batchCheckAvailability: () => e.batchCheckAvailability([KNOWN]),
    getCalendar: () => e.getCalendar(KNOWN_CAL),
    getRoomTypes: () => e.getRoomTypes(KNOWN_HOTEL),
    getUserBookingsWithRoomType: () => e.getUserBookingsWithRoomType(ds.userIds[0], {}),
    getBookingStatistics: () => e.getBookingStatistics({ hotelId: KNOWN_HOTEL, from: '2026-01-01', to: '2026-02-01' }),
    getOccupancyRate: () => e.getOccupancyRate({ hotelId: KNOWN_HOTEL, from: '2026-01-01', to: '2026-02-01' }),
    applyChanges: () => e.applyChanges(next([])),
    exportDatabase: () => e.exportDatabase(),
  };
  if (typeof e.cacheStats === 'function') calls.cacheStats = () => e.cacheStats();
  for (const [name, fn] of Object.entries(calls)) expectError(fn, 'ENGINE_CLOSED', `${name} after close`);
  // the other engine is untouched
  assert.deepStrictEqual(snapshotAnswers(engine), before);
});

test('teardown', () => {
  engine.close();
});
