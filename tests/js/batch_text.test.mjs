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
