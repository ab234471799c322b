// A change batch's text reaches the core intact, whether the caller gives an object (the
// wrapper writes its JSON) or the JSON text itself: on seeded random
// room type names of 1-, 2-, 3- and 4-byte UTF-8 characters, quotes, backslashes and
// controls, a batch given as an object and the same batch given as its JSON text store
// exactly those names; a name with U+0000 is refused alike in both forms, and the engine
// stays as it was.
//
// Run: node --test tests/js/batch_text.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine } from '../../bindings/js/index.mjs';
import { Rng } from './support/gen.mjs';
import { SQL } from './support/sqljs.mjs';

const PIECES = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u001f', 'é', 'ß', '部屋', '€', '🌊', '\u2028', '</'];

function randomName(rng) {
  let s = '';
  for (let i = rng.int(1, 12); i > 0; i--) s += rng.pick(PIECES);
  return s;
}

test('object and text batches store the same names, byte for byte', async () => {
  const rng = new Rng(9090);
  const engines = [await openEngine({ now: () => 0, cache: false }), await openEngine({ now: () => 0, cache: false })];
  for (let round = 0; round < 20; round++) {
    const names = Array.from({ length: rng.int(1, 30) }, () => randomName(rng));
    const batch = {
      format: 'edgestay.changes/1',
      changes: [
        { op: 'upsert', table: 'hotels', row: { id: 1, name: randomName(rng), currency: 'EUR' } },
        ...names.map((name, i) => ({ op: 'upsert', table: 'room_types',
          row: { id: 100 + i, hotel_id: 1, name, base_price_cents: 1000, total_rooms: 1 } })),
      ],
    };
    engines[0].applyChanges(batch);
    engines[1].applyChanges(JSON.stringify(batch));
    for (const engine of engines) {
      const got = engine.getRoomTypes(1).filter((r) => r.id >= 100 && r.id < 100 + names.length).map((r) => r.name);
      assert.deepEqual(got, names, `round ${round}`);
    }
    // A name with U+0000: refused in both forms, the engines as they were.
    const bad = { format: 'edgestay.changes/1', changes: [{ op: 'upsert', table: 'room_types',
      row: { id: 100, hotel_id: 1, name: `${randomName(rng)}\u0000${randomName(rng)}`, base_price_cents: 1, total_rooms: 1 } }] };
    assert.throws(() => engines[0].applyChanges(bad), (e) => e.code === 'INVALID_ROW');
    assert.throws(() => engines[1].applyChanges(JSON.stringify(bad)), (e) => e.code === 'INVALID_ROW');
    for (const engine of engines) assert.equal(engine.getRoomTypes(1).find((r) => r.id === 100).name, names[0]);
  }
  for (const engine of engines) engine.close();
});

// A batch of more than 50,000 rows goes to the core in parts, each part's text through one
// buffer that grows when a later part is longer (bindings/embind/edgestay_embind.cc
// textBuffer): parts of growing length, with names of multi-byte characters in the first
// and the last, store what the same batch given whole as its text stores, and a batch
// refused in its last part leaves nothing of its first behind.
test('a batch in parts of growing length stores what its text stores', async () => {
  const rng = new Rng(4242);
  const NIGHTS = 1000;
  const day = (d) => new Date(Date.UTC(2026, 0, 1) + d * 86400000).toISOString().slice(0, 10);
  // The nights of room types first..last, one change.
  const inventory = (first, last) => ({
    op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'],
    rows: Array.from({ length: (last - first + 1) * NIGHTS },
      (_, i) => [first + Math.floor(i / NIGHTS), day(i % NIGHTS), 5, rng.int(0, 5), rng.int(5000, 20000)]),
  });
  const names = Array.from({ length: 100 }, () => randomName(rng));
  const renamed = names.map((n) => `${n}部屋🌊`);
  const roomTypes = (list) => list.map((name, i) => ({ op: 'upsert', table: 'room_types',
    row: { id: 1 + i, hotel_id: 1, name, base_price_cents: 1000, total_rooms: 5 } }));
  const batch = {
    format: 'edgestay.changes/1',
    changes: [
      { op: 'upsert', table: 'hotels', row: { id: 1, name: randomName(rng), currency: 'EUR' } },
      ...roomTypes(names),
      inventory(1, 20),    // part 1: 20,101 rows
      inventory(21, 56),   // part 2: 36,000 rows
      inventory(57, 96),   // part 3: 40,000 rows and the renames below
      ...roomTypes(renamed),
    ],
  };
  const parts = await openEngine({ now: () => 0, cache: false });
  const whole = await openEngine({ now: () => 0, cache: false });
  parts.applyChanges(batch);
  whole.applyChanges(JSON.stringify(batch));
  for (const engine of [parts, whole]) assert.deepEqual(engine.getRoomTypes(1).map((r) => r.name), renamed);
  const sums = (engine) => engine.rangeChecksums({ hotelId: 1, from: day(0), to: day(NIGHTS) }).ranges;
  assert.deepEqual(sums(parts), sums(whole));

  // Refused in its last part (a room type of a hotel that does not exist), with a change
  // in its first: the engine as it was, and still taking batches.
  const before = sums(parts);
  const bad = structuredClone(batch);
  bad.changes[101].rows[0][3] = bad.changes[101].rows[0][3] === 5 ? 4 : 5;
  bad.changes.push({ op: 'upsert', table: 'room_types', row: { id: 999, hotel_id: 2, name: 'x', base_price_cents: 1, total_rooms: 1 } });
  assert.throws(() => parts.applyChanges(bad), (e) => e.code === 'FOREIGN_KEY');
  assert.deepEqual(sums(parts), before);
  parts.applyChanges({ format: 'edgestay.changes/1', changes: [inventory(97, 97)] });
  assert.notDeepEqual(sums(parts), before);
  for (const engine of [parts, whole]) engine.close();
});

// A columnar change of 256 rows or more reaches the core as tokens, not JSON text
// (bindings/js/rows.mjs): each value is the token its JSON would read as, or, when only
// JSON can say what a value is, the rows go as text. Property: seeded random big changes
// whose values are mostly valid and now and then anything a caller may hold (fractions,
// integers past 2^53 and int64, NaN, ±Infinity, -0, undefined, booleans, strings of any
// character with U+0000 and lone surrogates, objects, arrays, dates, rows of the wrong
// length or not arrays, holes) are refused with the very same error, or stored to the
// very same rows, as the same batch given as its JSON text.
test('tokenized rows are stored and refused exactly as their JSON text', async () => {
  const { encodeRows } = await import('../../bindings/js/rows.mjs');
  const rng = new Rng(20261203);
  const day = (d) => new Date(Date.UTC(2027, 0, 1) + d * 86400000).toISOString().slice(0, 10);
  const ODD = [1.5, -0, 2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e21, 1e-7, NaN, Infinity, -Infinity, undefined, null,
    true, false, '', 'x', '5', '\u0000', '\ud800', 'a\udc00b', '🌊', '"\\\n', {}, [], [1], new Date(0)];
  const odd = () => rng.pick(ODD);
  // Every row of the three tables, each value with its SQLite type, read from the image
  // (the bytes of two images may differ where pages hold no row).
  const tables = (engine) => {
    const db = new SQL.Database(engine.exportDatabase());
    try {
      return ['hotels', 'room_types', 'room_inventory', 'sync_state'].map((t) =>
        db.exec(`SELECT * FROM ${t} ORDER BY 1, 2`)[0]?.values.map((r) => r.map((v) => [typeof v, v])) ?? []);
    } finally {
      db.close();
    }
  };
  let tokenizedRounds = 0, refused = 0, stored = 0;
  // Each odd value once in an inventory row and once as a name, then random rounds.
  const rounds = 2 * ODD.length + 40;
  for (let round = 0; round < rounds; round++) {
    const roomTypes = rng.int(1, 4);
    const nights = rng.int(70, 200);  // 256+ rows of inventory in all but the smallest
    const rows = [];
    for (let rt = 1; rt <= roomTypes; rt++) {
      for (let d = 0; d < nights; d++) {
        const total = rng.int(1, 9);
        rows.push([rt, day(d), total, rng.int(0, total), rng.int(5000, 2 ** 40), rng.int(1, 3), 0, rng.int(0, 1), 0, 0]);
      }
    }
    if (round < ODD.length) rows[rng.int(0, rows.length - 1)][rng.int(0, 9)] = ODD[round];
    // A third of the random rounds: a few odd values, rows or holes somewhere.
    if (round >= 2 * ODD.length && round % 3 === 0) {
      for (let k = rng.int(1, 3); k > 0; k--) {
        const r = rng.int(0, rows.length - 1);
        switch (rng.int(0, 4)) {
          case 0: rows[r] = rng.pick([{}, 7, 'row', null]); break;
          case 1: rows[r] = rows[r].slice(0, rng.int(0, 9)); break;
          case 2: rows[r] = [...rows[r], odd()]; break;
          case 3: delete rows[r][rng.int(4, 9)]; break;
          default: rows[r][rng.int(0, 9)] = odd();
        }
      }
    }
    const names = Array.from({ length: 300 }, (_, i) => `R${i} 部屋`);
    if (round >= ODD.length && round < 2 * ODD.length) names[rng.int(0, 299)] = ODD[round - ODD.length];
    else if (round % 5 === 1) names[rng.int(0, 299)] = odd();
    const batch = {
      format: 'edgestay.changes/1',
      cursor: `c${round}`,
      changes: [
        { op: 'upsert', table: 'hotels', row: { id: 1, name: 'H', currency: 'EUR' } },
        { op: 'upsert', table: 'room_types', columns: ['id', 'hotel_id', 'name', 'base_price_cents', 'total_rooms'],
          rows: names.map((name, i) => [1 + i, 1, name, 1000, 9]) },
        { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents',
          'min_stay', 'max_stay', 'closed_to_arrival', 'closed_to_departure', 'stop_sell'], rows },
      ],
    };
    if (rows.length >= 256 && encodeRows(rows, 0, rows.length)) tokenizedRounds++;
    const viaObject = await openEngine({ now: () => 0, cache: false });
    const viaText = await openEngine({ now: () => 0, cache: false });
    const outcome = (engine, b) => {
      try {
        return { result: engine.applyChanges(b) };
      } catch (e) {
        return { error: `${e.name} ${e.code} ${e.message}` };
      }
    };
    const a = outcome(viaObject, batch);
    let text;
    try {
      text = JSON.stringify(batch);
    } catch (e) {
      text = null;  // a value JSON cannot write (none here but the wrapper's own tries)
    }
    const b = text === null ? { error: 'unwritable' } : outcome(viaText, text);
    assert.deepEqual(a, b, `round ${round}`);
    if (a.error) refused++;
    else stored++;
    assert.deepEqual(tables(viaObject), tables(viaText), `round ${round}: the stored rows differ`);
    viaObject.close();
    viaText.close();
  }
  // Both outcomes happen, and most rounds took the tokens.
  assert.ok(refused >= 20 && stored >= 20, `refused ${refused}, stored ${stored}`);
  assert.ok(tokenizedRounds >= 40, `tokenized ${tokenizedRounds}`);
});
