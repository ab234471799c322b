// How a load through applyChanges grows the wasm heap. The heap never shrinks, and V8
// answers every growth of wasm memory with a full collection of the JS heap (~100-180 ms
// with a load's rows in JS arrays), so a load grows it in as few steps as it can:
//   - its rows once, by what the parts measured so far say the rest will take
//     (index.mjs heapReserver), and its commit's index builds once, by what the core
//     estimates they will store (Engine::SetMemoryAhead); never past what the database
//     takes (the exported image)
//   - a huge batch refused at its first row grows it by at most what that first part
//     needed, not by the whole batch's estimate; the engine stays usable
//   - a batch whose rows make one part (a sync client's page) never asks the core how much
//     of the heap is free (a walk of all its chunks, longer than such a page's load)
//
// The first test needs a heap no earlier load has grown: a file of its own (node --test
// runs each file in a process of its own).
//
// Run: node --test tests/js/load_heap.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine } from '../../bindings/js/index.mjs';
import { loadCore } from '../../bindings/js/loader.mjs';
import { buildDataset } from '../../bench/datasets.mjs';

const MiB = 1048576;
const START = Date.UTC(2026, 5, 1);
const day = (d) => new Date(START + d * 86400000).toISOString().slice(0, 10);
const now = () => START + 12 * 3600000;

// The calls of WebAssembly.Memory#grow made while `run` runs.
function growthsDuring(run) {
  const grow = WebAssembly.Memory.prototype.grow;
  let growths = 0;
  WebAssembly.Memory.prototype.grow = function (pages) {
    growths++;
    return grow.call(this, pages);
  };
  try {
    run();
  } finally {
    WebAssembly.Memory.prototype.grow = grow;
  }
  return growths;
}

// The bench's hotel: 29,200 nights and 60,000 bookings, whose plain indexes are set aside
// and built at commit. Before: 3 growths of 3-4 MiB (11.5 MiB), the estimate of the rows
// short and the index builds left to the 4 MiB steps.
test('a load grows the heap once for its rows and once for its index builds, within its image', async () => {
  const module = await loadCore();
  const { batch } = buildDataset('hotel');
  const engine = await openEngine({ now: () => Date.UTC(2026, 10, 26, 12), cache: false });
  const before = module.HEAPU8.buffer.byteLength;
  let applied = 0;
  const growths = growthsDuring(() => { applied = engine.applyChanges(batch).applied; });
  const grown = module.HEAPU8.buffer.byteLength - before;
  const image = engine.exportDatabase().length;
  assert.ok(growths <= 2, `${growths} growths of the heap, ${(grown / MiB).toFixed(1)} MiB`);
  assert.ok(grown <= image, `the heap grew by ${(grown / MiB).toFixed(1)} MiB for an image of ${(image / MiB).toFixed(1)} MiB`);
  assert.equal(applied, batch.changes.reduce((n, c) => n + c.rows.length, 0));
  engine.close();
});

// 2,000,000 inventory rows (~96 MB once stored, by the estimate) refused at the first row
// (no such room type): the heap grows by at most that part's need (50,000 rows, ~2.5 MB),
// never by the batch's (before the rates were measured, by a 64 MiB grant); the engine
// stays usable, and the same rows, valid, load.
test('a huge batch refused at its first row grows the heap by at most its first part', async () => {
  const module = await loadCore();
  const engine = await openEngine({ now, cache: false });
  engine.applyChanges({ format: 'edgestay.changes/1', changes: [
    { op: 'upsert', table: 'hotels', columns: ['id', 'name', 'time_zone', 'currency'], rows: [[1, 'Harbour', 'UTC', 'EUR']] },
    { op: 'upsert', table: 'room_types', columns: ['id', 'hotel_id', 'name', 'total_rooms', 'base_price_cents'],
      rows: [[1, 1, 'Single', 9, 10000], [2, 1, 'Double', 9, 10000]] },
  ] });
  const columns = ['room_type_id', 'date', 'total', 'available', 'price_cents', 'min_stay', 'max_stay',
    'closed_to_arrival', 'closed_to_departure', 'stop_sell'];
  const row = [999, day(0), 9, 3, 10000, 1, 0, 0, 0, 0];  // room type 999 does not exist
  const batch = { format: 'edgestay.changes/1', changes: [{ op: 'upsert', table: 'room_inventory', columns,
    rows: new Array(2_000_000).fill(row) }] };
  const before = module.HEAPU8.buffer.byteLength;
  assert.throws(() => engine.applyChanges(batch), (e) => e.code === 'FOREIGN_KEY');
  const grown = module.HEAPU8.buffer.byteLength - before;
  assert.ok(grown <= 8 * MiB, `the heap grew by ${(grown / MiB).toFixed(1)} MiB`);
  const rows = [];
  for (let rt = 1; rt <= 2; rt++) for (let d = 0; d < 300; d++) rows.push([rt, day(d), 9, 1 + ((rt + d) % 9), 10000 + d, 1, 0, 0, 0, 0]);
  batch.changes[0].rows = rows;
  assert.equal(engine.applyChanges(batch).applied, 600);
  engine.close();
});

// The core's heapFree walks every chunk of the heap: a batch of one part (5,000 rows, a
// sync client's page) is left to the heap's own steps and never asks it; a batch of two
// parts or more (60,000 rows) does.
test('a sync page never walks the heap for its free bytes; a load of several parts does', async () => {
  const module = await loadCore();
  const heapFree = module.Core.prototype.heapFree;
  let walks = 0;
  module.Core.prototype.heapFree = function () {
    walks++;
    return heapFree.call(this);
  };
  try {
    const engine = await openEngine({ now, cache: false });
    engine.applyChanges({ format: 'edgestay.changes/1', changes: [
      { op: 'upsert', table: 'hotels', columns: ['id', 'name', 'time_zone', 'currency'], rows: [[1, 'Harbour', 'UTC', 'EUR']] },
      { op: 'upsert', table: 'room_types', columns: ['id', 'hotel_id', 'name', 'total_rooms', 'base_price_cents'],
        rows: Array.from({ length: 130 }, (_, i) => [i + 1, 1, `Type ${i + 1}`, 9, 10000]) },
    ] });
    const nights = (fromType, types) => {
      const rows = [];
      for (let rt = fromType; rt < fromType + types; rt++) for (let d = 0; d < 500; d++) rows.push([rt, day(d), 9, 1 + ((rt + d) % 9), 10000 + d]);
      return { format: 'edgestay.changes/1', changes: [{ op: 'upsert', table: 'room_inventory',
        columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'], rows }] };
    };
    assert.equal(engine.applyChanges(nights(1, 10)).applied, 5000);
    assert.equal(walks, 0, 'a 5,000-row page');
    assert.equal(engine.applyChanges(nights(11, 120)).applied, 60000);
    assert.ok(walks > 0, 'a 60,000-row batch asks');
    engine.close();
  } finally {
    module.Core.prototype.heapFree = heapFree;
  }
});
