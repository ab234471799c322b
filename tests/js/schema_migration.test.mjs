// Opening an older store: the engine migrates a version-1 image to its schema version in
// one transaction; a migration that fails rejects openEngine with
// EdgestayError('MIGRATION_FAILED') and leaves the store (snapshot or persisted image)
// exactly as it was, at the old version and still readable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { openEngine, EdgestayError } from '../../bindings/js/index.mjs';

const batch = {
  format: 'edgestay.changes/1', cursor: '7', changes: [
    { op: 'upsert', table: 'hotels', row: { id: 1, name: 'Old Wing', currency: 'EUR' } },
    { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: 1, name: 'Double', base_price_cents: 9000, total_rooms: 2 } },
  ],
};

// What an engine of schema version 1 exported: today's image without migration 2.
async function versionOneImage(extraSql = '') {
  const engine = await openEngine({ cache: false });
  engine.applyChanges(batch);
  const db = new Database(Buffer.from(engine.exportDatabase()));
  engine.close();
  db.exec(`DROP TABLE schema_migrations; UPDATE schema_version SET version = 1; ${extraSql}`);
  const image = new Uint8Array(db.serialize());
  db.close();
  return image;
}

const read = (image, sql) => {
  const db = new Database(Buffer.from(image), { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
};

test('a version-1 snapshot is migrated on open and keeps its data and cursor', async () => {
  const image = await versionOneImage();
  const before = image.slice();
  const engine = await openEngine({ snapshot: image, cache: false });
  assert.deepEqual(image, before, 'the caller\'s snapshot is not touched');
  assert.equal(engine.asOf().cursor, '7');
  assert.equal(engine.getRoomTypes(1).length, 1);
  const out = engine.exportDatabase();
  assert.ok(read(out, 'SELECT version FROM schema_version')[0].version >= 2);
  assert.deepEqual(read(out, 'SELECT version, name FROM schema_migrations WHERE version = 2'), [{ version: 2, name: 'migration_log' }]);
  engine.close();
});

test('a failing migration: MIGRATION_FAILED, the persisted store unchanged at version 1 and usable', async () => {
  // Another tool already has a table of the name migration 2 uses, with other columns.
  const image = await versionOneImage("CREATE TABLE schema_migrations (note TEXT); INSERT INTO schema_migrations VALUES ('theirs');");
  const stored = { image: image.slice(), saves: 0 };
  const persistence = { autoSaveMs: 1, load: () => stored.image, save: (b) => { stored.image = b; stored.saves += 1; } };
  await assert.rejects(openEngine({ persistence, cache: false }), (e) => {
    assert.ok(e instanceof EdgestayError);
    assert.equal(e.code, 'MIGRATION_FAILED');
    assert.match(e.message, /migration 2 \(migration_log\).*unchanged at schema version 1/);
    return true;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(stored.saves, 0, 'nothing was saved over the store');
  assert.deepEqual(stored.image, image, 'byte for byte the store it was');
  assert.deepEqual(read(stored.image, 'SELECT version FROM schema_version'), [{ version: 1 }]);
  assert.deepEqual(read(stored.image, 'SELECT name FROM hotels'), [{ name: 'Old Wing' }]);
  assert.deepEqual(read(stored.image, 'SELECT note FROM schema_migrations'), [{ note: 'theirs' }]);

  // Usable: with the obstacle removed, the same store opens, migrates and serves.
  const db = new Database(Buffer.from(stored.image));
  db.exec('DROP TABLE schema_migrations');
  stored.image = new Uint8Array(db.serialize());
  db.close();
  const engine = await openEngine({ persistence, cache: false });
  assert.equal(engine.getRoomTypes(1)[0].name, 'Double');
  engine.close();
});

// What an engine of schema 4 exported: room_inventory a rowid table with the ten-column
// covering contract index (schema 5 keys the table WITHOUT ROWID and slims the index).
const V4_INVENTORY = `CREATE TABLE room_inventory (
  room_type_id INTEGER NOT NULL REFERENCES room_types(id),
  date TEXT NOT NULL,
  total INTEGER NOT NULL,
  available INTEGER NOT NULL,
  price_cents INTEGER NOT NULL,
  min_stay INTEGER NOT NULL DEFAULT 1,
  max_stay INTEGER NOT NULL DEFAULT 0,
  closed_to_arrival INTEGER NOT NULL DEFAULT 0,
  closed_to_departure INTEGER NOT NULL DEFAULT 0,
  stop_sell INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (room_type_id, date),
  CHECK (available >= 0 AND available <= total)
)`;

function inventoryBatch() {
  const rows = [];
  for (let i = 0; i < 90; i++) {
    const date = new Date(Date.UTC(2026, 5, 1 + i)).toISOString().slice(0, 10);
    rows.push([10, date, 2, i % 3, 9000 + 100 * (i % 7), 1 + (i % 3), i % 5 ? 0 : 9, i % 11 === 0, i % 13 === 0, i % 17 === 0]);
    rows.push([11, date, 4, 4 - (i % 5), 15000, 1, 0, false, false, false]);
  }
  return {
    format: 'edgestay.changes/1', cursor: '9', changes: [
      ...batch.changes,
      { op: 'upsert', table: 'room_types', row: { id: 11, hotel_id: 1, name: 'Suite', base_price_cents: 15000, total_rooms: 4 } },
      { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents', 'min_stay',
        'max_stay', 'closed_to_arrival', 'closed_to_departure', 'stop_sell'], rows },
    ],
  };
}

const NOW = Date.UTC(2026, 4, 30, 12);
const inventoryAnswers = (e) => [
  e.checkRoomAvailability({ roomTypeId: 10, checkIn: '2026-06-11', checkOut: '2026-06-13' }),
  e.getAllRoomAvailability({ hotelId: 1, checkIn: '2026-07-01', checkOut: '2026-07-04', rooms: 2 }),
  e.getCalendar({ hotelId: 1, from: '2026-05-28', days: 95 }),
  e.getOccupancyRate({ hotelId: 1, from: '2026-06-01', to: '2026-09-01' }),
];

test('a version-4 image gets room_inventory WITHOUT ROWID on open and answers the same', async () => {
  const seed = await openEngine({ cache: false, now: () => NOW });
  seed.applyChanges(inventoryBatch());
  const want = inventoryAnswers(seed);
  assert.equal(want[0].available, true);
  const db = new Database(Buffer.from(seed.exportDatabase()));
  seed.close();
  const rowsOf = (d) => d.prepare('SELECT * FROM room_inventory ORDER BY room_type_id, date').all();
  const rows = rowsOf(db);
  assert.equal(rows.length, 180);
  db.exec(`DELETE FROM schema_migrations WHERE version >= 5; UPDATE schema_version SET version = 4;
    DROP INDEX room_inventory_roomTypeId_date_available_idx; ALTER TABLE room_inventory RENAME TO ri5;
    ${V4_INVENTORY}; INSERT INTO room_inventory SELECT * FROM ri5 ORDER BY date DESC, room_type_id; DROP TABLE ri5;
    CREATE INDEX room_inventory_roomTypeId_date_available_idx ON room_inventory(room_type_id, date, available, total,
      price_cents, min_stay, max_stay, closed_to_arrival, closed_to_departure, stop_sell);`);
  const v4 = new Uint8Array(db.serialize());
  db.close();

  const engine = await openEngine({ snapshot: v4, cache: false, now: () => NOW });
  assert.deepEqual(inventoryAnswers(engine), want);
  const out = new Database(Buffer.from(engine.exportDatabase()), { readonly: true });
  try {
    assert.deepEqual(out.prepare("SELECT wr FROM pragma_table_list WHERE name = 'room_inventory'").all(), [{ wr: 1 }]);
    assert.deepEqual(out.prepare("SELECT name FROM pragma_index_info('room_inventory_roomTypeId_date_available_idx') ORDER BY seqno")
      .pluck().all(), ['room_type_id', 'date', 'available']);
    assert.deepEqual(rowsOf(out), rows, 'every row, every column');
    assert.deepEqual(out.prepare('SELECT name FROM schema_migrations WHERE version = 5').pluck().all(), ['room_inventory_without_rowid']);
    assert.equal(out.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    out.close();
  }
  // Still an engine: an inventory change reaches the answers.
  engine.applyChanges({ format: 'edgestay.changes/1', cursor: '10', changes: [
    { op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2026-06-12', available: 0 } }] });
  assert.equal(engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2026-06-11', checkOut: '2026-06-13' }).available, false);
  engine.close();
});
