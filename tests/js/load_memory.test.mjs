// What a bulk load through applyChanges leaves in the wasm heap, which never shrinks
// (apply_changes.cc, RestoreIndexes and the bulk appends):
//   - the indexes set aside during the load are built at commit: by the engine's own sort
//     when their keys fit its limit (index_sort.h: no temporary file), otherwise by sorts
//     that spill their runs to temporary files kept in JS (Module.edgestayTempFiles),
//     every one closed when the load ends; either way the indexes hold exactly their
//     tables' rows (integrity_check in better-sqlite3) and answer as a brute force over
//     the batch does; the same on a page store (its VFS hands temporary files to the
//     default one), where the reopened store holds them
//   - a fresh table whose rows come in key order is stored in full pages; once a row
//     comes out of order, the rest are inserted as usual (and the rows are the same)
//
// Run: node --test tests/js/load_memory.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEngine, fileStore } from '../../bindings/js/index.mjs';
import { loadCore } from '../../bindings/js/loader.mjs';
import { Rng } from '../../scripts/lib/rng.mjs';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

const START = Date.UTC(2026, 5, 1);
const day = (d) => new Date(START + d * 86400000).toISOString().slice(0, 10);
const now = () => START + 12 * 3600000;

function hotelChanges(roomTypes) {
  return [
    { op: 'upsert', table: 'hotels', columns: ['id', 'name', 'time_zone', 'currency'], rows: [[1, 'Harbour', 'UTC', 'EUR']] },
    { op: 'upsert', table: 'room_types', columns: ['id', 'hotel_id', 'name', 'total_rooms', 'base_price_cents'],
      rows: Array.from({ length: roomTypes }, (_, i) => [i + 1, 1, `Type ${i + 1}`, 9, 10000]) },
  ];
}
const nightsOf = (roomTypes, days) => {
  const rows = [];
  for (let rt = 1; rt <= roomTypes; rt++) for (let d = 0; d < days; d++) rows.push([rt, day(d), 9, 1 + ((rt + d) % 9), 10000 + d]);
  return rows;
};
const INVENTORY = ['room_type_id', 'date', 'total', 'available', 'price_cents'];

// The image as better-sqlite3 sees it: its integrity and, per b-tree, how full its leaves are.
function inspect(image) {
  const db = new Database(Buffer.from(image.buffer, image.byteOffset, image.byteLength));
  const integrity = db.pragma('integrity_check', { simple: true });
  const fill = (name) => {
    return db.prepare("SELECT sum(pgsize - unused) * 1.0 / sum(pgsize) FROM dbstat WHERE name = ? AND pagetype = 'leaf'")
      .pluck().get(name);
  };
  return { db, integrity, fill };
}

// One load: 20 room types x 400 nights and `count` bookings. 40,000 bookings' indexes
// (the covering user index's keys ~4 MB) fit the engine's sort; 160,000 bookings' user
// index does not, and its CREATE INDEX sorts in several runs. `open` makes the engine;
// `reopen`, when given, opens it again after the load (a page store) to check what was
// stored.
async function indexedLoad(count, open, reopen) {
  const module = await loadCore();
  // Count the temporary files the core opens, and what they held.
  const opened = [];
  module.edgestayTempFiles = new (class extends Map {
    set(id, file) { opened.push(file); return super.set(id, file); }
  })();
  const rng = new Rng(20261202);
  const users = 3000;
  const BOOKING = ['id', 'hotel_id', 'user_id', 'room_type_id', 'status', 'start_date', 'end_date', 'rooms', 'guests',
    'total_cents', 'created_at'];
  const bookings = [];
  for (let id = 1; id <= count; id++) {
    const first = rng.int(0, 380);
    bookings.push([id, 1, rng.int(1, users), rng.int(1, 20), rng.pick(['CONFIRMED', 'CANCELLED', 'PENDING_SYNC']),
      day(first), day(first + rng.int(1, 7)), 1, 2, rng.int(5000, 90000), START - rng.int(0, 9e8)]);
  }
  let engine = await open();
  engine.applyChanges({
    format: 'edgestay.changes/1', cursor: 'load-1',
    changes: [...hotelChanges(20), { op: 'upsert', table: 'room_inventory', columns: INVENTORY, rows: nightsOf(20, 400) },
      { op: 'upsert', table: 'bookings', columns: BOOKING, rows: bookings }],
  });
  if (count > 100000) {
    assert.ok(opened.length > 0, 'the index builds spilled their runs to temporary files');
    const MiB = 1 << 20;
    assert.ok(Math.max(...opened.map((f) => f.size)) > MiB, 'a run file larger than one run (the user index)');
  } else {
    assert.equal(opened.length, 0, 'the engine sorted every index build in memory');
  }
  assert.equal(module.edgestayTempFiles.size, 0, 'every temporary file is closed once the load ends');
  if (reopen) {
    engine.close();
    engine = await reopen();
  }

  const { db, integrity } = inspect(engine.exportDatabase());
  assert.equal(integrity, 'ok');
  db.close();
  // The covering user index, built by a spilled sort, against the batch.
  for (let i = 0; i < 40; i++) {
    const user = rng.int(1, users);
    const want = bookings.filter((b) => b[2] === user).map((b) => b[0]).sort((a, b) => a - b);
    const got = engine.getUserBookingsWithRoomType(user).map((b) => b.id).sort((a, b) => a - b);
    assert.deepEqual(got, want, `user ${user}`);
  }
  // A later load of the same engine (no table fresh, no indexes set aside) still works.
  engine.applyChanges({ format: 'edgestay.changes/1', cursor: 'load-2', changes: [
    { op: 'upsert', table: 'bookings', columns: BOOKING, rows: [[90001, 1, 1, 1, 'CONFIRMED', day(3), day(5), 1, 2, 100, START]] }] });
  assert.ok(engine.getUserBookingsWithRoomType(1).some((b) => b.id === 90001));
  engine.close();
}

test('a load whose index builds fit the engine\'s sort opens no temporary file and builds correct indexes', async () => {
  await indexedLoad(40000, () => openEngine({ now, cache: false }));
});

test('a load sorts larger index builds in runs kept in JS, closes them all, and builds correct indexes', async () => {
  await indexedLoad(160000, () => openEngine({ now, cache: false }));
});

test('on a page store too: its temporary files are the same JS files, and the store holds the indexes', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgestay-load-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const count of [40000, 160000]) {
    const file = path.join(dir, `kiosk-${count}.sqlite`);
    const open = () => openEngine({ now, cache: false, store: fileStore(file) });
    await indexedLoad(count, open, open);
  }
});

test('a fresh table loaded in key order gets full pages; out of order, the rest load as usual', async () => {
  const nights = nightsOf(40, 365);
  const load = async (rows) => {
    const engine = await openEngine({ now, cache: false });
    engine.applyChanges({ format: 'edgestay.changes/1', cursor: 'c',
      changes: [...hotelChanges(40), { op: 'upsert', table: 'room_inventory', columns: INVENTORY, rows }] });
    const image = engine.exportDatabase();
    engine.close();
    const { db, integrity, fill } = inspect(image);
    const stored = db.prepare(`SELECT ${INVENTORY.join(', ')} FROM room_inventory ORDER BY room_type_id, date`).raw().all();
    const leaves = fill('room_inventory');
    db.close();
    return { integrity, fill: leaves, stored };
  };
  const inOrder = await load(nights);
  // The second row first: the table's rows are out of order from the start.
  const swapped = await load([nights[1], nights[0], ...nights.slice(2)]);
  for (const r of [inOrder, swapped]) {
    assert.equal(r.integrity, 'ok');
    assert.deepEqual(r.stored, nights);
  }
  assert.ok(inOrder.fill > 0.97, `in key order: leaves ${(inOrder.fill * 100).toFixed(1)}% full`);
  assert.ok(swapped.fill < 0.93, `out of order: leaves ${(swapped.fill * 100).toFixed(1)}% full (SQLite's usual splits)`);
});

