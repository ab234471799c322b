// sql.js interop: exportDatabase() is a plain SQLite image sql.js opens, and a
// database written by sql.js with the engine's schema is a valid snapshot.
//
// Run: node --test tests/js/sqljs_compat.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine, EdgestayError } from '../../bindings/js/index.mjs';
import { Model, ModelError } from './support/model.mjs';
import { generateDataset, randomStay, sortByKey, Rng, TABLES, TABLE_NAMES } from './support/gen.mjs';
import { SQL } from './support/sqljs.mjs';

const CONTRACT_INDEXES = [
  'bookings_status_startDate_endDate_idx',
  'bookings_userId_status_createdAt_idx',
  'room_inventory_roomTypeId_date_available_idx',
  'waitlist_status_startDate_endDate_idx',
  'payments_status_createdAt_idx',
  'notifications_status_scheduledAt_idx',
];

/** Run a SELECT in sql.js and return plain row objects. */
function rowsOf(db, sql, params) {
  const out = [];
  const st = db.prepare(sql);
  if (params) st.bind(params);
  while (st.step()) out.push(st.getAsObject());
  st.free();
  return out;
}

function pick(row, cols) {
  const o = {};
  for (const c of cols) o[c] = row[c];
  return o;
}

const orderBy = (table) => TABLES[table].key.join(', ');

/** Compare engine answers with the model for random stays (asOf stripped after checking). */
function compareStays(engine, model, ds, count, rng, asOfWant, label) {
  let compared = 0;
  for (let i = 0; i < count; i++) {
    const q = randomStay(rng, ds, { longShare: 0.1 });
    let exp;
    let expErr = null;
    try {
      exp = model.checkRoomAvailability(q);
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      expErr = e;
    }
    let got;
    let gotErr = null;
    try {
      got = engine.checkRoomAvailability({ ...q });
    } catch (e) {
      gotErr = e;
    }
    const ctx = `${label} seed=${ds.seed} now=${ds.now} query=${JSON.stringify(q)}`;
    if (expErr) {
      assert.ok(gotErr instanceof EdgestayError, `${ctx}: expected ${expErr.code}, got ${gotErr ? gotErr : JSON.stringify(got)}`);
      assert.equal(gotErr.code, expErr.code, ctx);
    } else {
      assert.ok(!gotErr, `${ctx}: engine threw ${gotErr && gotErr.code} ${gotErr && gotErr.message}`);
      const { asOf, ...rest } = got;
      if (asOfWant) assert.deepStrictEqual(asOf, asOfWant, `${ctx}: asOf`);
      assert.deepStrictEqual(rest, exp, `${ctx}\n expected ${JSON.stringify(exp)}\n got      ${JSON.stringify(rest)}`);
    }
    compared++;
  }
  return compared;
}

const ds = generateDataset(21);
let engine;
let image;

test('setup: engine loaded with a generated dataset', async () => {
  // Loaded with the clock before any hold's expiry, so the image holds exactly the loaded
  // rows (at ds.now the engine would turn the dataset's expired holds into EXPIRED rows).
  let clock = 0;
  engine = await openEngine({ now: () => clock });
  for (const b of ds.batches) engine.applyChanges(b);
  image = engine.exportDatabase();
  clock = ds.now;
  assert.ok(image instanceof Uint8Array && image.length > 0);
});

test('(a) exported image opens in sql.js with the loaded data and the contract indexes', async (t) => {
  const db = new SQL.Database(image);
  try {
    assert.deepStrictEqual(rowsOf(db, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);

    const names = new Set(rowsOf(db, "SELECT name FROM sqlite_master WHERE type = 'index'").map((r) => r.name));
    for (const idx of CONTRACT_INDEXES) assert.ok(names.has(idx), `sqlite_master lacks index ${idx}; has ${[...names].join(', ')}`);

    // every table has the FORMAT.md columns and holds exactly the loaded rows
    for (const table of TABLE_NAMES) {
      await t.test(`SELECT * FROM ${table} equals the loaded rows`, () => {
        const cols = rowsOf(db, `PRAGMA table_info(${table})`).map((r) => r.name);
        for (const c of TABLES[table].columns) assert.ok(cols.includes(c), `${table} lacks column ${c} (has ${cols.join(', ')})`);
        const got = rowsOf(db, `SELECT * FROM ${table} ORDER BY ${orderBy(table)}`).map((r) => pick(r, TABLES[table].columns));
        const want = sortByKey(table, ds.data[table]).map((r) => pick(r, TABLES[table].columns));
        assert.equal(got.length, want.length, `${table}: row count`);
        for (let i = 0; i < want.length; i++) {
          assert.deepStrictEqual(got[i], want[i], `${table} row ${i} (sql.js SELECT * vs loaded data)`);
        }
      });
    }
    // the contract indexes are used: the planner picks the inventory index for the availability scan
    const plan = rowsOf(db, "EXPLAIN QUERY PLAN SELECT * FROM room_inventory WHERE room_type_id = 1 AND date >= '2026-01-01' AND date < '2026-01-10'");
    assert.ok(plan.some((r) => /USING (COVERING )?INDEX|PRIMARY KEY/.test(r.detail)), `plan: ${JSON.stringify(plan)}`);
  } finally {
    db.close();
  }
});

test('(a) a fresh engine from the image answers like the rows sql.js reads', async () => {
  const db = new SQL.Database(image);
  const data = {};
  for (const table of TABLE_NAMES) {
    data[table] = rowsOf(db, `SELECT * FROM ${table} ORDER BY ${orderBy(table)}`).map((r) => pick(r, TABLES[table].columns));
  }
  db.close();
  const fresh = await openEngine({ snapshot: image, now: () => ds.now });
  // room types: SELECT vs getRoomTypes
  for (const h of ds.hotelIds) {
    const want = data.room_types.filter((r) => r.hotel_id === h).map((r) => ({
      id: r.id, hotelId: r.hotel_id, name: r.name, capacityAdults: r.capacity_adults,
      capacityChildren: r.capacity_children, basePriceCents: r.base_price_cents, totalRooms: r.total_rooms,
    }));
    assert.deepStrictEqual(fresh.getRoomTypes(h), want, `getRoomTypes(${h})`);
  }
  // availability: the model over the rows sql.js read vs the fresh engine
  const model = new Model(data, { now: ds.now });
  const n = compareStays(fresh, model, ds, 300, new Rng(5), { cursor: ds.lastCursor, syncedAt: ds.lastSyncedAt }, 'image->fresh engine');
  assert.equal(n, 300);
  // and the fresh engine agrees with the engine that exported
  const rng = new Rng(6);
  for (let i = 0; i < 100; i++) {
    const q = randomStay(rng, ds, { longShare: 0, unknownShare: 0 });
    assert.deepStrictEqual(fresh.checkRoomAvailability(q), engine.checkRoomAvailability(q), JSON.stringify(q));
  }
  fresh.close();
});

/** Schema statements of an exported image, tables first. */
function schemaOf(img) {
  const db = new SQL.Database(img);
  const rows = rowsOf(db, "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'");
  db.close();
  const rank = { table: 0, index: 1, view: 2, trigger: 3 };
  return rows.sort((a, b) => rank[a.type] - rank[b.type]);
}

/** A brand-new sql.js database with the engine's schema and `data` inserted with plain INSERTs. */
function sqljsDatabase(schema, data) {
  const db = new SQL.Database();
  for (const s of schema) db.run(s.sql);
  const order = ['hotels', 'room_types', 'booking_rules', 'special_days', 'room_inventory', 'bookings', 'payments', 'waitlist', 'notifications'];
  db.run('BEGIN');
  for (const table of order) {
    const cols = TABLES[table].columns;
    const st = db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    for (const row of data[table]) st.run(cols.map((c) => row[c]));
    st.free();
  }
  db.run('COMMIT');
  return db;
}

test('(b) a database written by sql.js with the engine schema is a valid snapshot', async () => {
  const schema = schemaOf(image);
  assert.ok(schema.some((s) => s.type === 'table' && s.name === 'room_inventory'));
  const ds2 = generateDataset(22);
  const db = sqljsDatabase(schema, ds2.data);
  const bytes = db.export();
  db.close();
  let fresh;
  try {
    fresh = await openEngine({ snapshot: bytes, now: () => ds2.now });
  } catch (e) {
    assert.fail(`openEngine rejected a sql.js-written database with the engine's own schema: ${e && e.code} ${e && e.message}`);
  }
  const model = new Model(ds2.data, { now: ds2.now });
  // nothing synced yet: cursor and syncedAt are null
  const n = compareStays(fresh, model, ds2, 500, new Rng(7), { cursor: null, syncedAt: null }, 'sql.js-written snapshot');
  assert.equal(n, 500);
  // and the user/booking side came along too
  for (const u of ds2.userIds.slice(0, 10)) {
    assert.deepStrictEqual(fresh.getUserBookingsWithRoomType(u, { includePayments: true }), model.getUserBookingsWithRoomType(u, { includePayments: true }), `user ${u}`);
  }
  fresh.close();
});

test('(c) a foreign SQLite image (conflicting hotels table) -> CORRUPT_SNAPSHOT', async () => {
  const db = new SQL.Database();
  db.run('CREATE TABLE hotels (hotel_name TEXT, stars REAL)');
  db.run("INSERT INTO hotels VALUES ('x', 4.5)");
  const bytes = db.export();
  db.close();
  await assert.rejects(openEngine({ snapshot: bytes, now: () => ds.now }), (e) => {
    assert.ok(e instanceof EdgestayError, `not an EdgestayError: ${e}`);
    assert.equal(e.code, 'CORRUPT_SNAPSHOT');
    return true;
  });
});

// The wasm module's SQLite is built without triggers and views (CMakeLists.txt: the engine
// never makes one): an image that holds one cannot have its schema read, and is refused
// like any unreadable snapshot; the engine's own images keep opening.
test('(d) an image holding a trigger or a view -> CORRUPT_SNAPSHOT, the engine\'s images still open', async () => {
  const extras = [
    "CREATE TRIGGER hotels_touch AFTER UPDATE ON hotels BEGIN UPDATE hotels SET name = name WHERE id = -1; END",
    'CREATE VIEW hotel_names AS SELECT id, name FROM hotels',
  ];
  for (const sql of extras) {
    const db = new SQL.Database(image);
    db.run(sql);
    const bytes = db.export();
    db.close();
    await assert.rejects(openEngine({ snapshot: bytes, now: () => ds.now }), (e) => {
      assert.ok(e instanceof EdgestayError, `not an EdgestayError: ${e}`);
      assert.equal(e.code, 'CORRUPT_SNAPSHOT', `${sql}: ${e.code} ${e.message}`);
      return true;
    });
  }
  const again = await openEngine({ snapshot: image, now: () => ds.now });
  assert.ok(again.getRoomTypes(ds.hotelIds[0]).length > 0);
  again.close();
});

test('teardown', () => {
  engine.close();
});
