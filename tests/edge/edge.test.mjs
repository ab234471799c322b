// The edge worker (web/edge) in a real workerd process, against a real edgestay-server
// on an SQLite store: its answers equal a Node engine's synced to the same cursor; ETag
// and 304; an admin change reaches it by the next sync; identical concurrent requests are
// evaluated once; bookings go to the centre (and a stay it knows is sold never leaves the
// edge); bad requests are 400 in the FORMAT.md error shape; with the centre killed it
// still answers availability with its age, and bookings are 503 UNAVAILABLE.
//
// Run: node --test tests/edge/edge.test.mjs   (after scripts/build)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { useStore, createStore, addDays, today } from '../server/support/stores.mjs';
import { request, client as apiClient } from '../server/support/http.mjs';
import { createToken, startServer } from '../server/support/server.mjs';
import { mulberry32 } from '../../scripts/lib/rng.mjs';
import { startEdge, startEdgeWithCron, EDGE_READY as READY, EDGE_SKIP as SKIP, TEST_EDGE_ENV as EDGE_ENV } from './support/edge.mjs';

const { openEngine } = READY ? await import('../../bindings/js/index.mjs') : {};
const { SyncClient } = await import('../../sync/client/index.mjs');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const withoutAsOf = ({ asOf, ...rest }) => rest;

describe('edge worker in workerd', SKIP, () => {
  const env = useStore('sqlite');
  let edge;
  let hotel;        // { hotelId, roomTypeIds, from, to }
  let cold;         // a second hotel nobody has asked the edge about yet
  let readToken;
  let oracle;       // a Node engine following the same feed
  let oracleClient;
  const get = (p, headers = {}) => request(edge.url, { path: p, headers });
  const post = (p, body, extra = {}) => request(edge.url, { method: 'POST', path: p, body, ...extra });
  const stats = async () => (await get('/v1/edge/stats')).json;

  async function makeHotel(rng, name) {
    const h = await env.admin.post('/v1/hotels', { name, currency: 'EUR', timeZone: 'UTC' });
    assert.equal(h.status, 201, h.text);
    const hotelId = h.json.hotel.id;
    const from = addDays(today(), 10);
    const roomTypeIds = [];
    for (const [rtName, rooms] of [['Double', 3], ['Suite', 2]]) {
      const rt = await env.admin.post(`/v1/hotels/${hotelId}/room-types`,
        { name: rtName, basePriceCents: 10000 + 5000 * roomTypeIds.length, totalRooms: rooms, capacityAdults: 2 });
      assert.equal(rt.status, 201, rt.text);
      roomTypeIds.push(rt.json.roomType.id);
      const inv = await env.admin.put(`/v1/hotels/${hotelId}/inventory`, { roomTypeId: rt.json.roomType.id, from, to: addDays(from, 30), total: rooms });
      assert.equal(inv.status, 200, inv.text);
    }
    // Random restrictions night by night, so the answers have every shape.
    const updates = [];
    for (const roomTypeId of roomTypeIds) {
      for (let i = 0; i < 30; i++) {
        if (rng() > 0.35) continue;
        const u = { roomTypeId, from: addDays(from, i), priceCents: 8000 + Math.floor(rng() * 40) * 500 };
        const pick = rng();
        if (pick < 0.15) u.stopSell = true;
        else if (pick < 0.3) u.closedToArrival = true;
        else if (pick < 0.45) u.closedToDeparture = true;
        else if (pick < 0.6) u.minStay = 2 + Math.floor(rng() * 3);
        else if (pick < 0.7) u.maxStay = 1 + Math.floor(rng() * 3);
        else if (pick < 0.8) u.total = Math.floor(rng() * 2);
        updates.push(u);
      }
    }
    for (let i = 0; i < updates.length; i += 100) {
      const r = await env.admin.put(`/v1/hotels/${hotelId}/inventory`, { updates: updates.slice(i, i + 100) });
      assert.equal(r.status, 200, r.text);
    }
    return { hotelId, roomTypeIds, from, to: addDays(from, 30) };
  }

  before(async () => {
    const rng = mulberry32(0xed6e);
    hotel = await makeHotel(rng, 'Edge Hotel');
    cold = await makeHotel(rng, 'Cold Hotel');
    const ids = `${hotel.hotelId},${cold.hotelId}`;
    readToken = await env.token(ids, 'read');
    const bookToken = await env.token(ids, 'book');
    edge = await startEdge({ serverUrl: env.url, readToken, bookToken, env: EDGE_ENV });
    oracle = await openEngine();
    oracleClient = new SyncClient(oracle, { baseUrl: env.url, hotelId: hotel.hotelId, token: readToken });
  });

  after(async () => {
    if (process.env.EDGE_DEBUG) console.error(edge?.output());
    await edge?.stop();
    oracle?.close();
  });

  // The oracle pulls to the centre's newest cursor; then the edge must be at it too
  // (once its data is older than EDGESTAY_MAX_STALE_MS, a request waits for its pull).
  async function syncBoth() {
    await oracleClient.syncOnce();
    await sleep(300);
    const cursor = oracle.asOf().cursor;
    const r = await get(`/v1/hotels/${hotel.hotelId}/room-types`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.asOf.cursor, cursor, 'the edge reached the oracle\'s cursor');
    return cursor;
  }

  it('answers availability, calendar and room types exactly as the engine does', async () => {
    const cursor = await syncBoth();
    const rng = mulberry32(42);
    const { hotelId, roomTypeIds, from } = hotel;
    const r = await get(`/v1/hotels/${hotelId}/room-types`);
    assert.deepEqual(withoutAsOf(r.json), { roomTypes: JSON.parse(JSON.stringify(oracle.getRoomTypes(hotelId))) });
    let unavailable = 0;
    for (let i = 0; i < 60; i++) {
      const checkIn = addDays(from, Math.floor(rng() * 34) - 2);
      const checkOut = addDays(checkIn, 1 + Math.floor(rng() * 5));
      const rooms = 1 + Math.floor(rng() * 3);
      const all = rng() < 0.25;
      const roomTypeId = roomTypeIds[Math.floor(rng() * roomTypeIds.length)];
      const qs = new URLSearchParams({ checkIn, checkOut, rooms: String(rooms) });
      if (!all) qs.set('roomTypeId', String(roomTypeId));
      const res = await get(`/v1/hotels/${hotelId}/availability?${qs}`);
      assert.equal(res.status, 200, res.text);
      const expected = all
        ? oracle.getAllRoomAvailability({ hotelId, checkIn, checkOut, rooms })
        : oracle.checkRoomAvailability({ roomTypeId, checkIn, checkOut, rooms });
      assert.deepEqual(withoutAsOf(res.json), JSON.parse(JSON.stringify(withoutAsOf(expected))), `query ${qs}`);
      assert.equal(res.json.asOf.cursor, cursor);
      if (!all && !res.json.available) unavailable++;
    }
    assert.ok(unavailable > 5, `the random hotel has unavailable stays too (${unavailable})`);
    for (let i = 0; i < 10; i++) {
      const calFrom = addDays(from, Math.floor(rng() * 30) - 5);
      const days = 1 + Math.floor(rng() * 40);
      const res = await get(`/v1/hotels/${hotelId}/calendar?from=${calFrom}&days=${days}`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(withoutAsOf(res.json),
        JSON.parse(JSON.stringify(withoutAsOf(oracle.getCalendar({ hotelId, from: calFrom, days })))));
    }
    assert.equal(r.headers['cache-control'], 'public, max-age=2');
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  });

  it('ETag: 304 on If-None-Match until the cursor moves', async () => {
    const { hotelId, roomTypeIds, from } = hotel;
    const p = `/v1/hotels/${hotelId}/availability?roomTypeId=${roomTypeIds[0]}&checkIn=${addDays(from, 20)}&checkOut=${addDays(from, 22)}`;
    const first = await get(p);
    assert.equal(first.status, 200);
    const etag = first.headers.etag;
    assert.match(etag, /^W\/".+"$/);
    const again = await get(p, { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    assert.equal(again.headers.etag, etag);
    assert.equal((await get(p, { 'if-none-match': 'W/"other"' })).status, 200);
    const other = await get(`${p}&rooms=2`);
    assert.notEqual(other.headers.etag, etag, 'other arguments, other ETag');
    // A change anywhere in the hotel moves its cursor: the old ETag no longer matches.
    const change = await env.admin.put(`/v1/hotels/${hotelId}/inventory`, { roomTypeId: roomTypeIds[1], from: addDays(from, 1), priceCents: 12345 });
    assert.equal(change.status, 200, change.text);
    await sleep(300);
    const after = await get(p, { 'if-none-match': etag });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.etag, etag);
    assert.equal(after.json.asOf.cursor, change.json.cursor);
  });

  it('an admin change appears at the edge after the next sync', async () => {
    const { hotelId, roomTypeIds, from } = hotel;
    const night = addDays(from, 25);
    const p = `/v1/hotels/${hotelId}/availability?roomTypeId=${roomTypeIds[0]}&checkIn=${night}&checkOut=${addDays(night, 1)}`;
    const before = await get(p);
    const syncsBefore = (await stats()).hotels.find((h) => h.hotelId === hotelId).syncs;
    const r = await env.admin.put(`/v1/hotels/${hotelId}/inventory`, { roomTypeId: roomTypeIds[0], from: night, priceCents: 77700, stopSell: false });
    assert.equal(r.status, 200, r.text);
    await sleep(300);
    const after = await get(p);
    assert.equal(after.json.nightly[0].priceCents, 77700);
    assert.notEqual(after.json.asOf.cursor, before.json.asOf.cursor);
    assert.equal(after.json.asOf.cursor, r.json.cursor);
    const s = (await stats()).hotels.find((h) => h.hotelId === hotelId);
    assert.ok(s.syncs > syncsBefore, 'the edge pulled');
    assert.equal(s.asOf.cursor, r.json.cursor);
  });

  it('100 identical concurrent requests are evaluated once', async () => {
    // The cold hotel: every request arrives while its engine bootstraps, so they share one.
    const { hotelId, roomTypeIds, from } = cold;
    const p = `/v1/hotels/${hotelId}/availability?roomTypeId=${roomTypeIds[0]}&checkIn=${addDays(from, 3)}&checkOut=${addDays(from, 5)}&rooms=1`;
    const s0 = await stats();
    const answers = await Promise.all(Array.from({ length: 100 }, () => get(p)));
    const s1 = await stats();
    for (const a of answers) {
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(withoutAsOf(a.json), withoutAsOf(answers[0].json));
    }
    assert.equal(s1.evaluations - s0.evaluations, 1, 'one evaluation');
    assert.equal((s1.collapsed - s0.collapsed) + (s1.cacheHits - s0.cacheHits), 99, 'the other 99 shared it');
    assert.ok(s1.collapsed - s0.collapsed > 0, 'requests in flight together were collapsed');
    // Warm: the same 100 again are served from the answer cached at this cursor.
    const again = await Promise.all(Array.from({ length: 100 }, () => get(p)));
    const s2 = await stats();
    assert.ok(again.every((a) => a.status === 200));
    assert.ok(s2.evaluations - s1.evaluations <= 1, 'at most one more (if a sync moved the cursor)');
  });

  it('bookings: the centre decides; a stay the edge knows is sold never leaves it; no oversell', async () => {
    const { hotelId, roomTypeIds, from } = hotel;
    const roomTypeId = roomTypeIds[1];  // 2 rooms
    // A stay all of whose nights are sellable: find one in the oracle.
    await oracleClient.syncOnce();
    let stay = null;
    for (let i = 0; i < 28 && !stay; i++) {
      const s = { roomTypeId, checkIn: addDays(from, i), checkOut: addDays(from, i + 1), rooms: 1 };
      const a = oracle.checkRoomAvailability(s);
      if (a.available && a.nightly[0].available === 2) stay = s;
    }
    assert.ok(stay, 'the random hotel has a night with both suites free');
    const body = (key) => ({ roomTypeId, userId: 7, checkIn: stay.checkIn, checkOut: stay.checkOut, rooms: 1, guests: 2, idempotencyKey: key });
    const s0 = await stats();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => post(`/v1/hotels/${hotelId}/bookings`, body(`edge-test-${i}`))));
    const applied = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    assert.equal(applied.length, 2, results.map((r) => r.text).join('\n'));
    assert.equal(refused.length, 3);
    for (const r of applied) {
      assert.equal(r.json.decidedBy, 'centre');
      assert.equal(r.json.booking.status, 'CONFIRMED');
    }
    for (const r of refused) {
      assert.equal(r.json.error.code, 'NOT_AVAILABLE');
      assert.equal(r.json.error.details.reason, 'sold_out');
    }
    const rows = await env.query(`SELECT id FROM bookings WHERE hotel_id = ${hotelId} AND start_date = '${stay.checkIn}' AND status = 'CONFIRMED'`);
    assert.equal(rows.length, 2, 'the centre holds exactly the two bookings');
    // A replay of an applied key returns the original booking.
    const replay = await post(`/v1/hotels/${hotelId}/bookings`, body(applied[0].json.booking.idempotencyKey));
    assert.ok([201, 409].includes(replay.status));
    // Once the edge has pulled the sale, the sold stay is refused at the edge: no push.
    await sleep(300);
    await get(`/v1/hotels/${hotelId}/room-types`);
    const s1 = await stats();
    const local = await post(`/v1/hotels/${hotelId}/bookings`, body('edge-test-local'));
    const s2 = await stats();
    assert.equal(local.status, 409);
    assert.equal(local.json.error.details.decidedBy, 'edge');
    assert.equal(local.json.error.details.reason, 'sold_out');
    assert.equal(s2.bookings.forwarded, s1.bookings.forwarded, 'nothing was sent to the centre');
    assert.ok(s2.bookings.forwarded - s0.bookings.forwarded >= 2);
  });

  it('bad requests get 400 in the error shape, and the edge keeps answering', async () => {
    const { hotelId, roomTypeIds, from } = hotel;
    const good = `/v1/hotels/${hotelId}/availability?roomTypeId=${roomTypeIds[0]}&checkIn=${addDays(from, 2)}&checkOut=${addDays(from, 4)}`;
    const bad = [
      ['/v1/hotels/abc/room-types', 'INVALID_ARGUMENT'],
      ['/v1/hotels/0/room-types', 'INVALID_ARGUMENT'],
      [`/v1/hotels/${hotelId}/availability?roomTypeId=${roomTypeIds[0]}&checkOut=${from}`, 'INVALID_ARGUMENT'],
      [`/v1/hotels/${hotelId}/availability?roomTypeId=x&checkIn=${from}&checkOut=${addDays(from, 1)}`, 'INVALID_ARGUMENT'],
      [`/v1/hotels/${hotelId}/availability?roomTypeId=${roomTypeIds[0]}&checkIn=2026-02-30&checkOut=${from}`, 'INVALID_DATE'],
      [`/v1/hotels/${hotelId}/availability?roomTypeId=${roomTypeIds[0]}&checkIn=${addDays(from, 3)}&checkOut=${from}`, 'INVALID_RANGE'],
      [`/v1/hotels/${hotelId}/availability?roomTypeId=${roomTypeIds[0]}&checkIn=${from}&checkOut=${addDays(from, 1)}&rooms=0`, 'INVALID_ARGUMENT'],
      [`/v1/hotels/${hotelId}/calendar?from=${from}&days=1000`, 'INVALID_ARGUMENT'],
      [`/v1/hotels/${hotelId}/calendar?days=3`, 'INVALID_ARGUMENT'],
    ];
    for (const [p, code] of bad) {
      const r = await get(p);
      assert.equal(r.status, 400, `${p}: ${r.text}`);
      assert.equal(r.json.error.code, code, p);
      assert.equal(typeof r.json.error.message, 'string');
    }
    const posts = [
      [{ rawBody: '{not json' }, 'INVALID_JSON'],
      [{ body: [1, 2] }, 'INVALID_ARGUMENT'],
      [{ body: { roomTypeId: roomTypeIds[0], checkIn: from, checkOut: addDays(from, 1) } }, 'INVALID_ARGUMENT'],
      [{ body: { roomTypeId: roomTypeIds[0], userId: 1, checkIn: from, checkOut: addDays(from, 1), rooms: 1.5 } }, 'INVALID_ARGUMENT'],
      [{ body: { roomTypeId: roomTypeIds[0], userId: 1, checkIn: 'tomorrow', checkOut: addDays(from, 1) } }, 'INVALID_DATE'],
    ];
    for (const [extra, code] of posts) {
      const r = await post(`/v1/hotels/${hotelId}/bookings`, undefined, extra);
      assert.equal(r.status, 400, `${JSON.stringify(extra)}: ${r.text}`);
      assert.equal(r.json.error.code, code, JSON.stringify(extra));
    }
    assert.equal((await get('/v1/nowhere')).status, 404);
    assert.equal((await get(`/v1/hotels/${hotelId}/bookings`)).status, 405);
    assert.equal((await get(`/v1/hotels/${hotelId}/availability?roomTypeId=999999&checkIn=${from}&checkOut=${addDays(from, 1)}`)).json.error.code, 'UNKNOWN_ROOM_TYPE');
    assert.equal((await get('/v1/hotels/987654/room-types')).status, 404, 'a hotel the token does not cover');
    const r = await get(good);
    assert.equal(r.status, 200, r.text);
  });

  // Last: it kills the centre.
  it('with the centre killed, availability is served with its age and bookings get 503', async () => {
    const { hotelId, roomTypeIds, from } = hotel;
    await oracleClient.syncOnce();
    let checkIn = null;
    for (let i = 0; i < 30 && !checkIn; i++) {
      const a = oracle.checkRoomAvailability({ roomTypeId: roomTypeIds[0], checkIn: addDays(from, i), checkOut: addDays(from, i + 1) });
      if (a.available) checkIn = addDays(from, i);
    }
    assert.ok(checkIn, 'a free night to try to book');
    const checkOut = addDays(checkIn, 1);
    const p = `/v1/hotels/${hotelId}/availability?roomTypeId=${roomTypeIds[0]}&checkIn=${checkIn}&checkOut=${checkOut}`;
    await sleep(300);
    const live = await get(p);
    assert.equal(live.status, 200);
    assert.equal(live.json.available, true);
    env.server.proc.kill('SIGKILL');
    await new Promise((resolve) => env.server.proc.once('exit', resolve));
    await sleep(400);
    const r = await get(p);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(withoutAsOf(r.json), withoutAsOf(live.json));
    assert.equal(r.json.asOf.cursor, live.json.asOf.cursor);
    assert.ok(r.json.asOf.ageMs >= 400, `asOf shows the age (${r.json.asOf.ageMs} ms)`);
    assert.equal(r.json.asOf.stale, true);
    const s = (await stats()).hotels.find((h) => h.hotelId === hotelId);
    assert.ok(s.lastSyncError, 'the failed pull is reported');
    // A stay the edge believes is free must be confirmed by the centre: unreachable, 503.
    const b = await post(`/v1/hotels/${hotelId}/bookings`, { roomTypeId: roomTypeIds[0], userId: 3, checkIn, checkOut, idempotencyKey: 'edge-down-1' });
    assert.equal(b.status, 503, b.text);
    assert.equal(b.json.error.code, 'UNAVAILABLE');
    // A hotel it never opened cannot be answered at all; one the centre refused earlier
    // is still refused, from memory (no round trip).
    assert.equal((await get('/v1/hotels/987655/room-types')).status, 503);
    assert.equal((await get('/v1/hotels/987654/room-types')).status, 404);
  });
});

// The centre's store restored from an older copy: its log is behind the edge's cursor
// (CURSOR_AHEAD). The edge drops that hotel's engine and bootstraps it again, so it
// answers the restored data (never a mix), and no old ETag matches the new answers.
describe('edge worker after the centre restores an older store', SKIP, () => {
  let store;
  let server;
  let edge;
  before(async () => {
    store = await createStore('sqlite');
    const adminToken = await createToken(store.spec, { hotel: '*', scope: 'admin' });
    server = await startServer(store.spec);
    const admin = apiClient(server.url, adminToken);
    const h = await admin.post('/v1/hotels', { name: 'Restored', currency: 'EUR', timeZone: 'UTC' });
    const hotelId = h.json.hotel.id;
    const rt = await admin.post(`/v1/hotels/${hotelId}/room-types`, { name: 'Double', basePriceCents: 10000, totalRooms: 2 });
    const from = addDays(today(), 10);
    await admin.put(`/v1/hotels/${hotelId}/inventory`, { roomTypeId: rt.json.roomType.id, from, to: addDays(from, 5), total: 2, priceCents: 10000 });
    Object.assign(store, { hotelId, roomTypeId: rt.json.roomType.id, from, admin });
    store.readToken = await createToken(store.spec, { hotel: String(hotelId), scope: 'read' });
  });
  after(async () => {
    await edge?.stop();
    await server?.stop();
    store?.close();
  });

  it('bootstraps again and answers the restored data', async () => {
    const { hotelId, roomTypeId, from } = store;  // store.admin talks to the same address throughout
    const file = store.spec.slice('sqlite:'.length);
    await server.stop();  // a clean stop: the file holds everything so far
    copyFileSync(file, `${file}.backup`);
    server = await startServer(store.spec, [], { port: server.port });
    edge = await startEdge({ serverUrl: server.url, readToken: store.readToken, env: EDGE_ENV });
    const p = `/v1/hotels/${hotelId}/availability?roomTypeId=${roomTypeId}&checkIn=${from}&checkOut=${addDays(from, 1)}`;
    const first = await request(edge.url, { path: p });
    assert.equal(first.json.nightly[0].priceCents, 10000);
    // Changes after the copy move the edge past what the copy holds.
    for (const price of [20000, 30000]) {
      const r = await store.admin.put(`/v1/hotels/${hotelId}/inventory`, { roomTypeId, from, priceCents: price });
      assert.equal(r.status, 200, r.text);
    }
    await sleep(300);
    const ahead = await request(edge.url, { path: p });
    assert.equal(ahead.json.nightly[0].priceCents, 30000);
    // Restore the copy at the same address.
    const port = server.port;
    await server.stop();
    for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    copyFileSync(`${file}.backup`, file);
    server = await startServer(store.spec, [], { port });
    await sleep(300);
    const restored = await request(edge.url, { path: p, headers: { 'if-none-match': first.headers.etag } });
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.json.nightly[0].priceCents, 10000, 'the restored price');
    assert.equal(restored.json.asOf.cursor, first.json.asOf.cursor, 'the restored cursor');
    assert.notEqual(restored.headers.etag, first.headers.etag, 'a reused cursor gets a new tag');
  });
});

// scheduled(): with request-driven pulls effectively off (refresh after 10 min), only the
// cron handler brings the change in.
describe('edge worker scheduled() keeps the engine current', SKIP, () => {
  const env = useStore('sqlite');
  let edge;
  after(async () => {
    if (process.env.EDGE_DEBUG) console.error(edge?.output());
    await edge?.stop();
  });

  it('a cron event pulls the admin change', async () => {
    const h = await env.hotel({ rooms: 2, nights: 3 });
    const readToken = await env.token(String(h.hotelId), 'read');
    edge = await startEdgeWithCron({
      serverUrl: env.url, readToken,
      env: { EDGESTAY_REFRESH_MS: '600000', EDGESTAY_MAX_STALE_MS: '600000' },
    });
    const p = `/v1/hotels/${h.hotelId}/availability?roomTypeId=${h.roomTypeId}&checkIn=${h.from}&checkOut=${addDays(h.from, 1)}`;
    const before = await request(edge.url, { path: p });
    assert.equal(before.status, 200, before.text);
    const change = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.from, priceCents: 4242 });
    assert.equal(change.status, 200, change.text);
    await sleep(200);
    const still = await request(edge.url, { path: p });
    assert.equal(still.json.asOf.cursor, before.json.asOf.cursor, 'no pull without the cron');
    const cron = await request(edge.cronUrl, { path: '/' });
    assert.equal(cron.status, 200, cron.text);
    assert.equal(cron.json.outcome, 'ok', cron.text);
    const after = await request(edge.url, { path: p });
    assert.equal(after.json.nightly[0].priceCents, 4242);
    assert.equal(after.json.asOf.cursor, change.json.cursor);
  });
});
