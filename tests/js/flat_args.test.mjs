// The flat form of the argument reader (wasm/src/args.h) against its tree form: on seeded
// random arguments of every read method (and of writes given bad values), each written
// plainly or with one mutation (bad or boundary values, other types, nested lists and
// objects, escapes, non-ASCII, whitespace, key order, duplicate keys), the core's answer
// or error to the text must equal its answer to the same text with an extra key written
// with an escape ("\u005f") — which the flat scanner leaves to the tree reader, and
// every method ignores — in the JSON and the compact form alike.
//
// Run: node --test tests/js/flat_args.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreOnDataset } from './support/core_on_dataset.mjs';
import { randomStay, Rng } from './support/gen.mjs';

const CASES = 2000;

// Values any field may be mutated to (JSON text; null: leave the field out).
const ANY = ['0', '-1', '-0', '1.0', '1e2', '"1"', 'null', 'true', 'false', '9007199254740991', '9007199254740992',
  '123456789012345', '1234567890123456', '01', ' 7 ', '[]', '[{}]', '[{"a":1}]', '{}', '{"a":[1]}', '""',
  '"x y"', '"caf\u00e9"', '"a\\"b"', '"\\u0041"', '-12', '3 ', null, '[1,2]', '["HELD"]'];
const DATES = ['"2026-02-30"', '"2026-2-01"', '20260101', '"2026-01-01 "', '"\\u0032026-07-01"', '"1899-12-31"',
  '"1900-01-01"', '"2026-13-01"', '"2999-12-31"', '"2028-02-29"', '"2026-07-01T00:00"'];
const STATUSES = ['"HELD"', '"CONFIRMED"', '"nope"', '["CONFIRMED","CANCELLED"]', '[]'];

function argsText(rng, fields, extraValues = {}) {
  const f = { ...fields };
  if (rng.chance(0.5)) {
    const key = rng.pick(Object.keys(f));
    const pool = /^(checkIn|checkOut|from|to)$/.test(key) ? [...DATES, ...ANY] : [...(extraValues[key] ?? []), ...ANY];
    f[key] = rng.pick(pool);
  }
  let keys = Object.keys(f).filter((k) => f[k] !== null && f[k] !== undefined);
  if (rng.chance(0.3)) keys = keys.sort(() => rng.next() - 0.5);
  if (rng.chance(0.05)) keys.pop();
  const sep = rng.chance(0.2) ? ' ,\n ' : ',';
  const parts = keys.map((k) => `"${k}"${rng.chance(0.1) ? ' : ' : ':'}${f[k]}`);
  if (rng.chance(0.03) && keys.length) parts.push(`"${keys[0]}":${rng.int(1, 3)}`);  // a duplicate key
  return `${rng.chance(0.1) ? ' ' : ''}{${parts.join(sep)}}`;
}

const stayFields = (q) => ({ roomTypeId: String(q.roomTypeId), checkIn: JSON.stringify(q.checkIn),
  checkOut: JSON.stringify(q.checkOut), rooms: String(q.rooms) });
const escapedKey = (text) => text.replace(/}\s*$/, text.trim() === '{}' ? '"\\u005f":0}' : ',"\\u005f":0}');

test('the flat argument reader answers exactly as the tree form', async () => {
  const { ds, core, methods, ids, calls } = await coreOnDataset(7);
  const rng = new Rng(4242);
  calls.invoke(ids.get('configureCache'), '{"enabled":false}', ds.now, false);
  const utf8 = new TextDecoder();
  const call = (method, text, compact) => {
    const view = calls.invoke(ids.get(method), text, ds.now, compact);
    return utf8.decode(view.slice()) + (calls.failed() ? ' (failed)' : '');
  };
  const hotel = () => String(rng.chance(0.05) ? 999999 : rng.pick(ds.hotelIds));
  const stay = () => randomStay(rng, ds, { unknownShare: 0.05 });
  const cases = {
    checkRoomAvailability: () => argsText(rng, stayFields(stay())),
    batchCheckAvailability: () => {
      const list = Array.from({ length: rng.int(0, 6) }, () => argsText(rng, stayFields(stay())));
      const nightly = rng.pick(['', '"nightly":true,', '"nightly":false,', '"nightly":null,', '"nightly":1,']);
      return `{${nightly}"queries":[${list.join(',')}]}`;
    },
    getAllRoomAvailability: () => {
      const q = stay();
      return argsText(rng, { hotelId: hotel(), checkIn: JSON.stringify(q.checkIn), checkOut: JSON.stringify(q.checkOut),
        rooms: String(q.rooms), nightly: rng.pick(['true', 'false', undefined]) });
    },
    getCalendar: () => argsText(rng, { hotelId: hotel(), from: JSON.stringify(stay().checkIn), days: String(rng.int(1, 40)),
      columns: rng.pick([undefined, '["available"]', '["priceCents","stopSell"]']) }),
    getRoomTypes: () => argsText(rng, { hotelId: hotel() }),
    getBookingRules: () => argsText(rng, { hotelId: hotel() }),
    getSpecialDays: () => {
      const q = stay();
      return argsText(rng, { hotelId: hotel(), from: JSON.stringify(q.checkIn), to: JSON.stringify(q.checkOut) });
    },
    getBookingStatistics: () => {
      const q = stay();
      return argsText(rng, { hotelId: hotel(), from: JSON.stringify(q.checkIn), to: JSON.stringify(q.checkOut) });
    },
    getOccupancyRate: () => {
      const q = stay();
      return argsText(rng, { hotelId: hotel(), from: JSON.stringify(q.checkIn), to: JSON.stringify(q.checkOut) });
    },
    getUserBookingsWithRoomType: () => argsText(rng, { userId: String(rng.pick(ds.userIds)),
      status: rng.pick([undefined, ...STATUSES]), includePayments: rng.pick([undefined, 'true', 'false']) },
    { status: STATUSES }),
    getDueNotifications: () => argsText(rng, { until: String(ds.now + rng.int(0, 1e9)), limit: String(rng.int(1, 20)) }),
    leases: () => argsText(rng, { hotelId: hotel() }),
    rangeChecksums: () => {
      const q = stay();
      return argsText(rng, { hotelId: hotel(), from: JSON.stringify(q.checkIn), to: JSON.stringify(q.checkOut) });
    },
    // Writes, only with arguments that cannot succeed (a booking id no booking has).
    cancelBooking: () => argsText(rng, { bookingId: rng.pick(['987654321', '-987654321', '0', '"5"']) }),
    confirmHold: () => argsText(rng, { bookingId: rng.pick(['987654321', '-987654321', '0', '"5"']) }),
  };
  const names = Object.keys(cases);
  let answered = 0;
  for (let i = 0; i < CASES; i++) {
    for (const method of names) {
      const text = cases[method]();
      const compacts = methods[ids.get(method)].compact ? [false, true] : [false];
      for (const compact of compacts) {
        const a = call(method, text, compact);
        assert.equal(a, call(method, escapedKey(text), compact), `${method} ${text}`);
        if (!a.endsWith('(failed)')) answered++;
      }
    }
  }
  // Many texts are valid (the flat form's case), and the mutations make many errors.
  const total = CASES * (names.length + 3);
  assert.ok(answered > total * 0.2 && answered < total * 0.9, `answered ${answered} of ${total}`);
  core.delete();
});

// The tree form's limits, through the core's call path: nesting past 128 arrays/objects is
// a clear INVALID_ARGUMENT (no stack overflow), 128 levels are read (the field is ignored),
// invalid JSON keeps its message, and the engine answers as before after each.
test('the tree reader: a depth limit with a clear error, then the engine answers as before', async () => {
  const { ds, core, ids, calls } = await coreOnDataset(7);
  const utf8 = new TextDecoder();
  const call = (method, text) => {
    const out = utf8.decode(calls.invoke(ids.get(method), text, ds.now, false).slice());
    return { out, failed: calls.failed() };
  };
  const hotel = ds.hotelIds[0];
  const plain = call('getBookingRules', `{"hotelId":${hotel}}`);
  assert.equal(plain.failed, false);
  const nested = (depth) => '['.repeat(depth) + ']'.repeat(depth);
  for (const [depth, ok] of [[127, true], [128, false], [100000, false]]) {
    // The top object is one level: a field nesting `depth` arrays makes depth + 1.
    const r = call('getBookingRules', `{"hotelId":${hotel},"x":${nested(depth)}}`);
    assert.equal(r.failed, !ok, `depth ${depth}: ${r.out.slice(0, 200)}`);
    if (ok) assert.equal(r.out, plain.out);
    else {
      const e = JSON.parse(r.out);
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assert.equal(e.message, 'the arguments nest arrays and objects deeper than 128 levels');
    }
    assert.deepEqual(call('getBookingRules', `{"hotelId":${hotel}}`), plain);
  }
  for (const text of [`{"hotelId":${hotel},"x":"\\ud800"}`, `{"hotelId":${hotel}} x`, `{"hotelId":${hotel},}`,
    `{"hotelId":1e400}`]) {
    const r = call('getBookingRules', text);
    assert.equal(r.failed, true, text);
    assert.deepEqual(JSON.parse(r.out), { code: 'INVALID_ARGUMENT', message: 'the arguments are not valid JSON', details: {} });
  }
  // A NUL byte ends the text after the value, as nlohmann read it.
  assert.deepEqual(call('getBookingRules', `{"hotelId":${hotel}}\u0000junk`), plain);
  void core;
});
