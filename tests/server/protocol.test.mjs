// The centre commits only what the sync protocol accepts (issue 8, defects 3, 4, 5 and the
// one-protocol-layer fix), on both stores: totals, date range, U+0000 in strings,
// idempotency keys under a user-bound token, rows already in the store that edges would
// reject, and a store schema that drifted from the protocol's column list.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { STORES, storeOptions, useStore, stopPostgres, booking, createStore } from './support/stores.mjs';
import { request } from './support/http.mjs';
import { cli } from './support/server.mjs';
import { ROOT } from './support/paths.mjs';

after(stopPostgres);

const MAX_SAFE = Number.MAX_SAFE_INTEGER;  // 2^53 - 1, the largest amount a row may carry
const dist = path.join(ROOT, 'bindings', 'js', 'dist', 'edgestay_core.wasm');
const engineSkip = existsSync(dist) ? {} : { skip: 'wasm core not built (bindings/js/dist): run scripts/build' };

// Pulls everything `token` may see of a hotel into a fresh engine, as an edge's first sync
// does; throws what the engine throws (e.g. INVALID_ROW).
async function bootstrapEdge(env, hotelId, token) {
  const { openEngine } = await import(path.join(ROOT, 'bindings', 'js', 'index.mjs'));
  const engine = await openEngine({ cache: false });
  try {
    let since = null;
    for (;;) {
      const r = await request(env.url, { path: `/v1/hotels/${hotelId}/changes?limit=500${since ? `&since=${since}` : ''}`, token });
      assert.equal(r.status, 200, r.text);
      engine.applyChanges(r.json);
      since = r.json.cursor;
      if (!r.json.hasMore) break;
    }
    return since;
  } finally {
    engine.close();
  }
}

for (const kind of STORES) {
  describe(`protocol at the commit point (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind);
    const push = (token, hotelId, clientId, mutations) => request(env.url, {
      method: 'POST', path: `/v1/hotels/${hotelId}/mutations`, token, body: { clientId, mutations } });
    const one = async (sql) => (await env.query(sql))[0];
    const logSize = async (hotelId) => Number((await one(`SELECT count(*) AS n FROM change_log WHERE hotel_id = ${hotelId}`)).n);

    it('a push whose total would pass 2^53 - 1 is rejected and writes nothing; every edge still syncs', engineSkip, async () => {
      // The attack of defect 5: the largest price the admin API takes, 1000 rooms a booking.
      const h = await env.hotel({ rooms: 1000, nights: 12, priceCents: 900719925474 });
      const rules = await env.admin.put(`/v1/hotels/${h.hotelId}/rules`, { max_rooms_per_booking: 1000 });
      assert.equal(rules.status, 200, rules.text);
      const book = await env.token(h.hotelId, 'book');
      const logBefore = await logSize(h.hotelId);
      const big = await push(book, h.hotelId, 'big', [booking(1, 'big-1', {
        roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[11], rooms: 1000, guests: 1000 })]);
      assert.equal(big.status, 200, big.text);
      const result = big.json.results[0];
      assert.equal(result.status, 'rejected', JSON.stringify(result));
      assert.equal(result.reason, 'invalid');
      assert.match(result.message, /2\^53/);
      assert.equal(Number((await one(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`)).n), 0);
      const inv = await one(`SELECT min(available) AS lo, max(available) AS hi FROM room_inventory WHERE room_type_id = ${h.roomTypeId}`);
      assert.deepEqual([Number(inv.lo), Number(inv.hi)], [1000, 1000]);
      assert.equal(await logSize(h.hotelId), logBefore, 'nothing reached the change log');
      // The largest booking that fits is applied, at its exact total.
      const fits = Math.floor(MAX_SAFE / (900719925474 * 11));
      const ok = await push(book, h.hotelId, 'big', [booking(2, 'big-2', {
        roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[11], rooms: fits, guests: fits })]);
      assert.equal(ok.json.results[0].status, 'applied', ok.text);
      assert.equal(ok.json.results[0].booking.totalCents, 900719925474 * 11 * fits);
      await bootstrapEdge(env, h.hotelId, env.adminToken);
    });

    it('a row already in the store that edges would reject is never re-published', engineSkip, async () => {
      const h = await env.hotel({ rooms: 3, nights: 4 });
      // Tampered outside the API: a price above 2^53 - 1 (the store's own CHECKs allow it).
      const tooBig = '9007199254741002';
      await env.exec(`UPDATE room_inventory SET price_cents = ${tooBig} WHERE room_type_id = ${h.roomTypeId} AND date = '${h.dates[1]}'`);
      const logBefore = await logSize(h.hotelId);
      const admin = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[0], to: h.dates[3], stopSell: true });
      assert.equal(admin.status, 400, admin.text);
      assert.equal(admin.json.error.code, 'INVALID_ROW');
      assert.match(admin.json.error.message, /room_inventory.*price_cents/);
      const rows = await env.query(`SELECT stop_sell FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
      assert.deepEqual(rows.map((r) => Number(r.stop_sell)), [0, 0, 0, 0], 'the whole write was rolled back');
      const book = await env.token(h.hotelId, 'book');
      const r = await push(book, h.hotelId, 'tamper', [booking(1, 't-1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[3] })]);
      assert.equal(r.json.results[0].status, 'rejected', r.text);
      assert.equal(r.json.results[0].reason, 'invalid');
      assert.equal(await logSize(h.hotelId), logBefore);
      // A night the tampered row is not part of still books, and the hotel still syncs.
      const fine = await push(book, h.hotelId, 'tamper', [booking(2, 't-2', { roomTypeId: h.roomTypeId, checkIn: h.dates[2], checkOut: h.dates[3] })]);
      assert.equal(fine.json.results[0].status, 'applied', fine.text);
      await bootstrapEdge(env, h.hotelId, env.adminToken);
    });

    it('dates outside 1900..2999 are refused by the admin API and by push, as on an edge', async () => {
      const h = await env.hotel({ rooms: 2, nights: 2 });
      for (const from of ['1850-01-01', '1899-12-31', '3000-01-01', '9999-12-30']) {
        const r = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from, total: 1 });
        assert.equal(r.status, 400, `${from}: ${r.text}`);
        assert.equal(r.json.error.code, 'INVALID_ARGUMENT');
        const s = await env.admin.put(`/v1/hotels/${h.hotelId}/special-days`, { date: from, kind: 'holiday' });
        assert.equal(s.status, 400, `${from}: ${s.text}`);
      }
      const edge = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: '2999-12-30', to: '2999-12-31', total: 1 });
      assert.equal(edge.status, 200, edge.text);
      const rows = await env.query(`SELECT count(*) AS n FROM room_inventory WHERE room_type_id = ${h.roomTypeId} AND (date < '1900-01-01' OR date > '2999-12-31')`);
      assert.equal(Number(rows[0].n), 0);
      const book = await env.token(h.hotelId, 'book');
      const r = await push(book, h.hotelId, 'old', [booking(1, 'old-1', { roomTypeId: h.roomTypeId, checkIn: '1899-12-30', checkOut: '1899-12-31' })]);
      assert.equal(r.json.results[0].status, 'rejected');
      assert.equal(r.json.results[0].reason, 'invalid');
    });

    it('U+0000 in a string is refused with 400 the same way on both stores (defect 3)', async () => {
      const h = await env.hotel({ rooms: 3, nights: 4 });
      const created = await env.admin.post('/v1/hotels', { name: 'nul\u0000after' });
      assert.equal(created.status, 400, created.text);
      assert.equal(created.json.error.code, 'INVALID_ARGUMENT');
      const named = await env.query("SELECT count(*) AS n FROM hotels WHERE name LIKE 'nul%'");
      assert.equal(Number(named[0].n), 0);
      const renamed = await env.admin.patch(`/v1/hotels/${h.hotelId}`, { name: 'A\u0000B' });
      assert.equal(renamed.status, 400, renamed.text);
      const note = await env.admin.put(`/v1/hotels/${h.hotelId}/special-days`, { date: h.dates[0], kind: 'event', note: 'x\u0000y' });
      assert.equal(note.status, 400, note.text);
      const label = await env.admin.post('/v1/tokens', { hotels: [h.hotelId], scope: 'read', label: 'kiosk\u00001' });
      assert.equal(label.status, 400, label.text);

      // Two keys that differ only after a NUL: neither is taken (PostgreSQL would have cut
      // both to "KEY" and answered the second with the first booking).
      const book = await env.token(h.hotelId, 'book');
      const a = await push(book, h.hotelId, 'nul-a', [booking(1, 'KEY\u0000A', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })]);
      const b = await push(book, h.hotelId, 'nul-b', [booking(1, 'KEY\u0000B', { roomTypeId: h.roomTypeId, checkIn: h.dates[2], checkOut: h.dates[3] })]);
      for (const r of [a, b]) {
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.results[0].status, 'rejected');
        assert.equal(r.json.results[0].reason, 'invalid');
        assert.match(r.json.results[0].message, /U\+0000/);
      }
      assert.equal(Number((await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`))[0].n), 0);
      const keys = await env.query(`SELECT count(*) AS n FROM idempotency_keys WHERE hotel_id = ${h.hotelId}`);
      assert.equal(Number(keys[0].n), 0);
      // The store stays usable: the same stays under plain keys book normally.
      const c = await push(book, h.hotelId, 'nul-a', [booking(2, 'KEY-A', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })]);
      const d = await push(book, h.hotelId, 'nul-b', [booking(2, 'KEY-B', { roomTypeId: h.roomTypeId, checkIn: h.dates[2], checkOut: h.dates[3] })]);
      assert.equal(c.json.results[0].status, 'applied');
      assert.equal(d.json.results[0].status, 'applied');
      assert.notEqual(c.json.results[0].booking.id, d.json.results[0].booking.id);
    });

    it("a user-bound token never gets another user's booking back by idempotency key (defect 4)", async () => {
      const h = await env.hotel({ rooms: 5, nights: 6 });
      const user5 = await env.token(h.hotelId, 'book', 5);
      const user6 = await env.token(h.hotelId, 'book', 6);
      const staff = await env.token(h.hotelId, 'book');
      const mine = await push(user6, h.hotelId, 'u6-phone', [booking(1, 'u6-key', { userId: 6, roomTypeId: h.roomTypeId, checkIn: h.dates[1], checkOut: h.dates[4], rooms: 2, guests: 3 })]);
      const original = mine.json.results[0];
      assert.equal(original.status, 'applied', mine.text);

      const stolen = await push(user5, h.hotelId, 'u5-phone', [booking(1, 'u6-key', { userId: 5, roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })]);
      assert.equal(stolen.status, 200, stolen.text);
      const got = stolen.json.results[0];
      assert.equal(got.status, 'rejected', stolen.text);
      assert.equal(got.reason, 'idempotency_conflict');
      assert.deepEqual(Object.keys(got).sort(), ['message', 'reason', 'seq', 'status'], 'nothing but the verdict');
      for (const secret of [h.dates[1], h.dates[4], String(original.booking.totalCents), 'user 6', String(original.booking.id)]) {
        assert.ok(!got.message.includes(secret), `the message leaks ${secret}: ${got.message}`);
      }
      const count = await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`);
      assert.equal(Number(count[0].n), 1, 'no second booking either');
      // Its seq is consumed like any rejection (the next one continues).
      const next = await push(user5, h.hotelId, 'u5-phone', [booking(2, 'u5-own', { userId: 5, roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })]);
      assert.equal(next.json.results[0].status, 'applied', next.text);

      // The key's own user (from another device) and an unbound staff token still get the
      // original outcome.
      for (const [token, clientId] of [[user6, 'u6-laptop'], [staff, 'front-desk']]) {
        const again = await push(token, h.hotelId, clientId, [booking(1, 'u6-key', { userId: 6, roomTypeId: h.roomTypeId, checkIn: h.dates[1], checkOut: h.dates[4], rooms: 2, guests: 3 })]);
        assert.equal(again.json.results[0].status, 'applied', again.text);
        assert.deepEqual(again.json.results[0].booking, original.booking);
      }

      // A forbidden mutation (user 5 acting for user 6) does not take the key from user 6.
      const squat = await push(user5, h.hotelId, 'u5-phone', [booking(3, 'u6-next', { userId: 6, roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })]);
      assert.equal(squat.json.results[0].reason, 'forbidden');
      const later = await push(user6, h.hotelId, 'u6-phone', [booking(2, 'u6-next', { userId: 6, roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })]);
      assert.equal(later.json.results[0].status, 'applied', later.text);
    });
  });

  describe(`store schema against the protocol's column list (${kind})`, storeOptions(kind), () => {
    // Each case: a fresh migrated store, one change made outside edgestay, the complaint.
    const drifts = [
      ['a replicated column dropped', 'ALTER TABLE notifications DROP COLUMN kind', /notifications\.kind is missing/],
      ['a column no edge knows added', 'ALTER TABLE bookings ADD COLUMN secret TEXT', /bookings\.secret is not in the protocol's column list/],
      // The node-private lease tables are checked the same way (extra columns allowed there).
      ['a lease column dropped', 'ALTER TABLE leases DROP COLUMN updated_at', /leases\.updated_at is missing/],
      ['a lease_nights column dropped', 'ALTER TABLE lease_nights DROP COLUMN units_left', /lease_nights\.units_left is missing/],
      ...(kind === 'postgresql'
        ? [['a column retyped', 'ALTER TABLE special_days ALTER COLUMN note TYPE BIGINT USING NULL', /special_days\.note has type bigint/],
          ['a lease column retyped', 'ALTER TABLE leases ALTER COLUMN idempotency_key TYPE BIGINT USING NULL', /leases\.idempotency_key has type bigint/]]
        : []),
    ];

    it('a freshly migrated store matches the list', async () => {
      const s = await createStore(kind);
      try {
        const { stderr } = await cli(s.spec, ['migrate']);
        assert.doesNotMatch(stderr, /SCHEMA_MISMATCH/);
        await cli(s.spec, ['migrate', '--status']);
      } finally {
        s.close();
      }
    });

    for (const [what, sql, complaint] of drifts) {
      it(`${what}: refused with SCHEMA_MISMATCH naming it`, async () => {
        const s = await createStore(kind);
        try {
          await cli(s.spec, ['migrate']);
          await s.exec(sql);
          await assert.rejects(cli(s.spec, ['migrate']), (err) => {
            assert.match(err.stderr, /SCHEMA_MISMATCH/);
            assert.match(err.stderr, complaint);
            return true;
          });
        } finally {
          s.close();
        }
      });
    }
  });
}
