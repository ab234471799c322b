// Pulls: the change-batch format, paging (limit/hasMore/cursor) converging to the
// store's data under concurrent writes, long-poll wake-ups, and the engine applying the
// server's batches unchanged.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { STORES, storeOptions, useStore, stopPostgres, booking, addDays } from './support/stores.mjs';
import { request } from './support/http.mjs';
import { ROOT } from './support/paths.mjs';
import { KEYS, COLUMNS } from './support/tables.mjs';

after(stopPostgres);

const keyOf = (table, row) => JSON.stringify(KEYS[table].map((k) => row[k]));

function applyToMirror(mirror, batch) {
  for (const ch of batch.changes) {
    const t = (mirror[ch.table] ??= new Map());
    if (ch.op === 'delete') {
      t.delete(keyOf(ch.table, ch.key));
      continue;
    }
    const rows = ch.row ? [ch.row] : ch.rows.map((v) => Object.fromEntries(ch.columns.map((c, i) => [c, v[i]])));
    for (const r of rows) t.set(keyOf(ch.table, r), r);
  }
}

// Every row of hotel H in the store, table by table, FORMAT.md columns only.
async function storeRows(env, hotelId) {
  const rt = `(SELECT id FROM room_types WHERE hotel_id = ${hotelId})`;
  const bk = `(SELECT id FROM bookings WHERE hotel_id = ${hotelId})`;
  const where = {
    hotels: `id = ${hotelId}`, room_types: `hotel_id = ${hotelId}`, room_inventory: `room_type_id IN ${rt}`,
    booking_rules: `hotel_id = ${hotelId}`, special_days: `hotel_id = ${hotelId}`, bookings: `hotel_id = ${hotelId}`,
    waitlist: `hotel_id = ${hotelId}`, payments: `booking_id IN ${bk}`, notifications: `booking_id IN ${bk}`,
  };
  const out = {};
  for (const [table, cols] of Object.entries(COLUMNS)) {
    const rows = await env.query(`SELECT ${cols.join(', ')} FROM ${table} WHERE ${where[table]}`);
    out[table] = new Map(rows.map((r) => {
      const norm = Object.fromEntries(cols.map((c) => [c, typeof r[c] === 'bigint' ? Number(r[c]) : r[c]]));
      return [keyOf(table, norm), norm];
    }));
  }
  return out;
}

async function pullAll(env, hotelId, token, { limit = 1000, since = null, mirror = {} } = {}) {
  let pages = 0;
  for (;;) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (since !== null) q.set('since', since);
    const r = await request(env.url, { path: `/v1/hotels/${hotelId}/changes?${q}`, token });
    assert.equal(r.status, 200, r.text);
    applyToMirror(mirror, r.json);
    since = r.json.cursor;
    pages++;
    if (!r.json.hasMore) return { mirror, cursor: since, pages };
  }
}

function assertMirrorMatches(mirror, stored) {
  for (const table of Object.keys(COLUMNS)) {
    const got = mirror[table] ?? new Map();
    const want = stored[table];
    assert.equal(got.size, want.size, `${table}: ${got.size} rows pulled, ${want.size} in the store`);
    for (const [k, row] of want) assert.deepEqual(got.get(k), row, `${table} ${k}`);
  }
}

for (const kind of STORES) {
  describe(`pull (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind);

    it('answers change batches exactly in FORMAT.md shape', async () => {
      const h = await env.hotel({ rooms: 3, nights: 4 });
      await env.admin.put(`/v1/hotels/${h.hotelId}/special-days`, { from: h.dates[0], to: h.dates[2], kind: 'event', priceMultiplierPct: 120, note: 'Fair' });
      await env.admin.put(`/v1/hotels/${h.hotelId}/rules`, { max_nights: 10 });
      const r = await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes`, token: env.adminToken });
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'], /application\/json/);
      const b = r.json;
      assert.equal(b.format, 'edgestay.changes/1');
      assert.ok(!('since' in b), 'a first pull names no since (the engine starts from a null cursor)');
      assert.equal(typeof b.cursor, 'string');
      assert.ok(Number.isInteger(b.syncedAt) && Math.abs(b.syncedAt - Date.now()) < 60000);
      assert.equal(b.hasMore, false);
      assert.deepEqual(b.changes.map((c) => c.table), ['hotels', 'room_types', 'room_inventory', 'special_days', 'booking_rules']);
      const inv = b.changes[2];
      assert.equal(inv.op, 'upsert');
      assert.deepEqual(inv.columns, COLUMNS.room_inventory, 'inventory in the columnar form');
      assert.equal(inv.rows.length, 4);
      for (const row of inv.rows) {
        assert.equal(row.length, inv.columns.length);
        assert.match(row[1], /^\d{4}-\d{2}-\d{2}$/);
        for (const i of [0, 2, 3, 4, 5, 6, 7, 8, 9]) assert.ok(Number.isInteger(row[i]), `${inv.columns[i]} is an integer`);
        for (const i of [7, 8, 9]) assert.ok(row[i] === 0 || row[i] === 1, 'booleans are 0/1');
      }
      assert.deepEqual(b.changes[0].row, { id: h.hotelId, name: 'Test Hotel', time_zone: 'UTC', currency: 'EUR', utc_offset_minutes: 0 });
      const again = await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes?since=${b.cursor}`, token: env.adminToken });
      assert.equal(again.json.since, b.cursor, 'since echoes the cursor');
      assert.equal(again.json.cursor, b.cursor);
      assert.deepEqual(again.json.changes, []);
      const del = await env.admin.del(`/v1/hotels/${h.hotelId}/special-days?from=${h.dates[0]}`);
      assert.equal(del.json.deleted, 1);
      const afterDelete = await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes?since=${b.cursor}`, token: env.adminToken });
      assert.deepEqual(afterDelete.json.changes, [{ op: 'delete', table: 'special_days', key: { hotel_id: h.hotelId, date: h.dates[0] } }]);
    });

    it('paging with limit/hasMore/cursor converges to the store, also while writes commit concurrently', async () => {
      const h = await env.hotel({ rooms: 6, nights: 30 });
      await env.admin.put(`/v1/hotels/${h.hotelId}/special-days`, { from: h.dates[3], to: h.dates[9], kind: 'holiday' });
      await env.admin.put(`/v1/hotels/${h.hotelId}/rules`, { max_nights: 20, min_lead_days: 1 });
      const book = await env.token(h.hotelId, 'book');
      // Writers: 8 clients x 10 pushes of 1-3 nights, plus ARI price changes.
      let writing = true;
      const writers = Promise.all(Array.from({ length: 8 }, async (_, c) => {
        for (let s = 1; s <= 10; s++) {
          const start = (c * 7 + s * 3) % 27;
          const r = await request(env.url, {
            method: 'POST', path: `/v1/hotels/${h.hotelId}/mutations`, token: book,
            body: { clientId: `w${c}`, mutations: [booking(s, `w${c}-${s}`, { roomTypeId: h.roomTypeId, userId: 10 + c, checkIn: h.dates[start], checkOut: addDays(h.dates[start], 1 + (s % 3)) })] },
          });
          assert.equal(r.status, 200, r.text);
          if (s % 4 === 0) {
            const p = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[s], to: h.dates[s + 5], priceCents: 10000 + c * 100 + s });
            assert.equal(p.status, 200, p.text);
          }
        }
      })).finally(() => { writing = false; });
      // A reader paging with a small limit the whole time.
      const mirror = {};
      let cursor = null, pages = 0;
      while (writing) {
        const res = await pullAll(env, h.hotelId, env.adminToken, { limit: 13, since: cursor, mirror });
        cursor = res.cursor;
        pages += res.pages;
      }
      await writers;
      const res = await pullAll(env, h.hotelId, env.adminToken, { limit: 13, since: cursor, mirror });
      pages += res.pages;
      assert.ok(pages > 5, `paged (${pages} pages)`);
      assertMirrorMatches(mirror, await storeRows(env, h.hotelId));
      // A fresh bootstrap with another page size lands on the same data.
      const fresh = await pullAll(env, h.hotelId, env.adminToken, { limit: 101 });
      assertMirrorMatches(fresh.mirror, await storeRows(env, h.hotelId));
      assert.equal(fresh.cursor, res.cursor);
    });

    it('a long-poll wakes up when a change commits, and times out empty otherwise', async () => {
      const h = await env.hotel({ rooms: 2, nights: 3 });
      const token = await env.token(h.hotelId, 'read');
      const first = await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes`, token });
      const cursor = first.json.cursor;
      const t0 = Date.now();
      const idle = await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes?since=${cursor}&wait=1`, token });
      const idleMs = Date.now() - t0;
      assert.deepEqual(idle.json.changes, []);
      assert.equal(idle.json.cursor, cursor);
      assert.ok(idleMs >= 900 && idleMs < 5000, `waited ${idleMs} ms`);

      const t1 = Date.now();
      const waiting = request(env.url, { path: `/v1/hotels/${h.hotelId}/changes?since=${cursor}&wait=20`, token });
      await new Promise((r) => setTimeout(r, 300));
      await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[1], stopSell: true });
      const woke = await waiting;
      const wokeMs = Date.now() - t1;
      assert.ok(wokeMs < 5000, `woke after ${wokeMs} ms`);
      assert.equal(woke.json.changes.length, 1);
      assert.equal(woke.json.changes[0].table, 'room_inventory');
      assert.equal(woke.json.changes[0].row.stop_sell, 1);

      // A change the read token may not see (a waitlist entry) does not answer the long-poll
      // with an empty page: it keeps waiting for something visible.
      const book = await env.token(h.hotelId, 'book');
      const t2 = Date.now();
      const hidden = request(env.url, { path: `/v1/hotels/${h.hotelId}/changes?since=${woke.json.cursor}&wait=10`, token });
      await new Promise((r) => setTimeout(r, 200));
      const pushed = await request(env.url, { method: 'POST', path: `/v1/hotels/${h.hotelId}/mutations`, token: book,
        body: { clientId: 'hidden', mutations: [{ seq: 1, type: 'joinWaitlist', idempotencyKey: 'hidden-1', args: { roomTypeId: h.roomTypeId, userId: 3, checkIn: h.dates[0], checkOut: h.dates[1] } }] } });
      assert.equal(pushed.json.results[0].status, 'applied');
      await new Promise((r) => setTimeout(r, 600));
      await env.admin.put(`/v1/hotels/${h.hotelId}/special-days`, { date: h.dates[2], kind: 'event' });
      const r = await hidden;
      const hiddenMs = Date.now() - t2;
      assert.ok(hiddenMs >= 750 && hiddenMs < 5000, `answered after ${hiddenMs} ms`);
      assert.deepEqual(r.json.changes.map((c) => c.table), ['special_days']);
    });

    it('cursor ahead of the log -> 409 CURSOR_AHEAD', async () => {
      const h = await env.hotel({ nights: 1 });
      const r = await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes?since=100000`, token: env.adminToken });
      assert.equal(r.status, 409);
      assert.equal(r.json.error.code, 'CURSOR_AHEAD');
    });

    const dist = path.join(ROOT, 'bindings', 'js', 'dist', 'edgestay_core.wasm');
    const engineSkip = existsSync(dist) ? {} : { skip: 'wasm core not built (bindings/js/dist): run scripts/build' };

    it('the engine applies every pulled batch unchanged and answers from it', engineSkip, async () => {
      const { openEngine } = await import(path.join(ROOT, 'bindings', 'js', 'index.mjs'));
      const h = await env.hotel({ rooms: 4, nights: 10, priceCents: 9000 });
      await env.admin.put(`/v1/hotels/${h.hotelId}/special-days`, { date: h.dates[1], kind: 'event', priceMultiplierPct: 150, minStay: 2 });
      const book = await env.token(h.hotelId, 'book');
      const push = await request(env.url, { method: 'POST', path: `/v1/hotels/${h.hotelId}/mutations`, token: book, body: {
        clientId: 'other-kiosk', mutations: [
          booking(1, 'e1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[3], rooms: 3, guests: 3 }),
          { seq: 2, type: 'joinWaitlist', idempotencyKey: 'e2', args: { roomTypeId: h.roomTypeId, userId: 4, checkIn: h.dates[0], checkOut: h.dates[2] } },
        ] } });
      assert.equal(push.json.results[0].status, 'applied');
      for (const token of [env.adminToken, book, await env.token(h.hotelId, 'read')]) {
        const engine = await openEngine({ cache: false });
        let since = null;
        for (;;) {
          const r = await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes?limit=7${since ? `&since=${since}` : ''}`, token });
          engine.applyChanges(r.json);
          since = r.json.cursor;
          if (!r.json.hasMore) break;
        }
        const a = engine.checkRoomAvailability({ roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[2], rooms: 1 });
        assert.equal(a.available, true);
        assert.deepEqual(a.nightly.map((n) => n.available), [1, 1]);
        assert.equal(a.totalCents, 9000 + 13500);
        assert.equal(a.asOf.cursor, since);
        engine.close();
      }
    });

    it('a kiosk round trip: local booking -> push -> applyPushResults -> pull', async () => {
      const { openEngine } = await import(path.join(ROOT, 'bindings', 'js', 'index.mjs'));
      const h = await env.hotel({ rooms: 4, nights: 10 });
      const book = await env.token(h.hotelId, 'book');
      const engine = await openEngine({ cache: false });
      const first = await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes`, token: book });
      engine.applyChanges(first.json);
      engine.createBooking({ hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId: 5, checkIn: h.dates[0], checkOut: h.dates[2], rooms: 1, guests: 1 });
      const res = await request(env.url, { method: 'POST', path: `/v1/hotels/${h.hotelId}/mutations`, token: book, body: engine.pendingMutations() });
      assert.equal(res.json.results[0].status, 'applied');
      engine.applyPushResults(res.json);
      const next = await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes?since=${first.json.cursor}`, token: book });
      engine.applyChanges(next.json);
      const mine = engine.getUserBookingsWithRoomType(5);
      assert.equal(mine.length, 1);
      assert.equal(mine[0].status, 'CONFIRMED');
      assert.equal(mine[0].serverId, res.json.results[0].booking.id);
    });
  });
}
