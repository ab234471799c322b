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
