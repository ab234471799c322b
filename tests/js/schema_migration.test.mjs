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
