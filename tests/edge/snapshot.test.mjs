// The edge worker (web/edge) bootstrapping from the centre's signed snapshot (sync/SPEC.md
// X12), in a real workerd against a real edgestay-server. Between the two sits a recording
// proxy (the server's doorstep: every request the edge makes, and the changes each pull
// carried), which can also tamper with the snapshot on its way, as a hostile cache would.
//
// Run: node --test tests/edge/snapshot.test.mjs   (after scripts/build)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { useStore, addDays } from '../server/support/stores.mjs';
import { request } from '../server/support/http.mjs';
import { mulberry32 } from '../../scripts/lib/rng.mjs';
import { startEdge, EDGE_READY as READY, EDGE_SKIP as SKIP, TEST_EDGE_ENV as EDGE_ENV } from './support/edge.mjs';

const { openEngine } = READY ? await import('../../bindings/js/index.mjs') : {};
const { SyncClient } = await import('../../sync/client/index.mjs');

const withoutAsOf = ({ asOf, ...rest }) => rest;

// An HTTP proxy to `target` that logs { method, path, since, status, rows } per request (rows:
// the rows a pull carried) and
// passes each snapshot body through `tamper` (if given).
async function startProxy(target, { tamper = null } = {}) {
  const log = [];
  const server = http.createServer(async (req, res) => {
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const url = new URL(req.url, target);
      const headers = { ...req.headers };
      for (const h of ['host', 'connection', 'content-length', 'accept-encoding']) delete headers[h];
      const upstream = await fetch(url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      let body = Buffer.from(await upstream.arrayBuffer());
      const entry = { method: req.method, path: url.pathname, since: url.searchParams.get('since'), status: upstream.status };
      if (url.pathname.endsWith('/changes') && upstream.ok) {
        entry.rows = JSON.parse(body).changes.reduce((n, c) => n + (Array.isArray(c.rows) ? c.rows.length : 1), 0);
      }
      if (url.pathname.endsWith('/snapshot') && upstream.ok && tamper) body = tamper(body);
      log.push(entry);
      const out = {};
      upstream.headers.forEach((v, k) => {
        if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(k)) out[k] = v;
      });
      res.writeHead(upstream.status, out);
      res.end(body);
    } catch (e) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'PROXY', message: e.message } }));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    log,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

describe('edge worker from a signed snapshot', { ...SKIP, timeout: 120000 }, () => {
  // One image per hotel per hour: the snapshot stays at the cursor it was made at while
  // the centre moves on, so the edge has a real delta to pull after it.
  const env = useStore('sqlite', { serverArgs: ['--snapshot-interval', '3600'] });
  let publicKey;
  const running = [];

  before(async () => {
    publicKey = (await request(env.url, { path: '/v1/snapshot-key' })).json.publicKey;
  });
  after(async () => {
    for (const r of running) await r.stop();
  });

  // A hotel with two room types and random prices and restrictions over 40 nights; its
  // snapshot is made (cursor `snapshotCursor`); then the centre changes more (the delta).
  async function hotelWithDelta(seed) {
    const rng = mulberry32(seed);
    const h = await env.hotel({ rooms: 4, nights: 40 });
    const rt = await env.admin.post(`/v1/hotels/${h.hotelId}/room-types`,
      { name: 'Suite', basePriceCents: 25000, totalRooms: 2, capacityAdults: 2 });
    const roomTypeIds = [h.roomTypeId, rt.json.roomType.id];
    await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: roomTypeIds[1], from: h.from, to: h.to, total: 2 });
    const randomUpdates = (n) => Array.from({ length: n }, () => {
      const u = { roomTypeId: roomTypeIds[Math.floor(rng() * 2)], from: h.dates[Math.floor(rng() * 40)],
        priceCents: 8000 + Math.floor(rng() * 40) * 500 };
      const pick = rng();
      if (pick < 0.2) u.stopSell = true;
      else if (pick < 0.4) u.minStay = 2;
      else if (pick < 0.5) u.total = 0;
      return u;
    });
    assert.equal((await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { updates: randomUpdates(30) })).status, 200);
    const readToken = await env.token(h.hotelId, 'read');
    const snap = await request(env.url, { path: `/v1/hotels/${h.hotelId}/snapshot`, token: readToken });
    assert.equal(snap.status, 200, snap.text);
    const snapshotCursor = snap.headers['x-edgestay-cursor'];
    assert.equal((await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { updates: randomUpdates(8) })).status, 200);
    return { ...h, roomTypeIds, readToken, snapshotCursor, rng };
  }

  // Starts proxy + edge, asks the edge 40 random stays and checks each against a Node
  // engine that pulled everything from the centre itself. Resolves { proxy, stats }.
  async function edgeAnswersLikeTheCentre(h, { key = publicKey, tamper = null } = {}) {
    const proxy = await startProxy(env.url, { tamper });
    running.push(proxy);
    const edgeEnv = { ...EDGE_ENV, EDGESTAY_SNAPSHOT_PUBLIC_KEY: key ?? '' };
    const edge = await startEdge({ serverUrl: proxy.url, readToken: h.readToken, env: edgeEnv });
    running.push(edge);
    const oracle = await openEngine();
    await new SyncClient(oracle, { baseUrl: env.url, hotelId: h.hotelId, token: h.readToken }).syncOnce();
    try {
      for (let i = 0; i < 40; i++) {
        const checkIn = addDays(h.from, Math.floor(h.rng() * 42) - 2);
        const checkOut = addDays(checkIn, 1 + Math.floor(h.rng() * 4));
        const roomTypeId = h.roomTypeIds[Math.floor(h.rng() * 2)];
        const qs = new URLSearchParams({ roomTypeId: String(roomTypeId), checkIn, checkOut });
        const res = await request(edge.url, { path: `/v1/hotels/${h.hotelId}/availability?${qs}` });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json.asOf.cursor, oracle.asOf().cursor, 'the edge is at the centre\'s cursor');
        const expected = oracle.checkRoomAvailability({ roomTypeId, checkIn, checkOut });
        assert.deepEqual(withoutAsOf(res.json), JSON.parse(JSON.stringify(withoutAsOf(expected))), `stay ${qs}`);
      }
      const stats = (await request(edge.url, { path: '/v1/edge/stats' })).json;
      return { proxy, stats, hotel: stats.hotels.find((x) => x.hotelId === h.hotelId), full: oracle.asOf() };
    } finally {
      oracle.close();
      if (process.env.EDGE_DEBUG) console.error(edge.output());
    }
  }

  it('bootstraps from the snapshot: one snapshot fetch, then only the delta; answers equal the centre', async (t) => {
    const h = await hotelWithDelta(0x5a1);
    const { proxy, stats, hotel } = await edgeAnswersLikeTheCentre(h);
    const mine = proxy.log.filter((r) => r.path.startsWith(`/v1/hotels/${h.hotelId}/`));
    assert.deepEqual(mine.filter((r) => r.path.endsWith('/snapshot')).map((r) => r.status), [200], 'one snapshot fetch');
    assert.ok(mine[0].path.endsWith('/snapshot'), 'the snapshot comes first');
    const pulls = mine.filter((r) => r.path.endsWith('/changes'));
    assert.ok(pulls.length >= 1, 'then pulls');
    assert.equal(pulls[0].since, h.snapshotCursor, 'the first pull starts at the snapshot\'s cursor');
    assert.ok(pulls.every((r) => r.since !== null && Number(r.since) >= Number(h.snapshotCursor)), 'no pull from the start');
    const delta = pulls.reduce((n, r) => n + r.rows, 0);
    assert.ok(delta >= 1 && delta <= 16, `only the delta was pulled: ${delta} rows`);
    t.diagnostic(`snapshot at cursor ${h.snapshotCursor}, then ${pulls.length} pull(s) carrying ${delta} rows`);
    assert.deepEqual(hotel.bootstrap, { source: 'snapshot', snapshot: 'used', cursor: h.snapshotCursor });
    assert.equal(stats.snapshots.used, 1);
    assert.equal(stats.snapshots.refused, 0);
    assert.equal(stats.snapshots.keyPinned, true);
  });

  it('refuses a tampered snapshot (SNAPSHOT_SIGNATURE), says so in /v1/edge/stats, and answers from a full pull', async () => {
    const h = await hotelWithDelta(0x5a2);
    const flip = (body) => { body[Math.floor(body.length / 2)] ^= 1; return body; };
    const { proxy, stats, hotel } = await edgeAnswersLikeTheCentre(h, { tamper: flip });
    assert.equal(hotel.bootstrap.source, 'pull');
    assert.equal(hotel.bootstrap.snapshot, 'refused');
    assert.match(hotel.bootstrap.error, /^SNAPSHOT_SIGNATURE: /);
    assert.equal(stats.snapshots.refused, 1);
    assert.equal(stats.snapshots.used, 0);
    assert.equal(stats.snapshots.lastProblem.hotelId, h.hotelId);
    assert.match(stats.snapshots.lastProblem.error, /SNAPSHOT_SIGNATURE/);
    const pulls = proxy.log.filter((r) => r.path === `/v1/hotels/${h.hotelId}/changes`);
    assert.equal(pulls[0].since, null, 'the refused image was replaced by a pull from the start');
  });

  it('without a pinned key it never asks for the snapshot and pulls everything', async (t) => {
    const h = await hotelWithDelta(0x5a3);
    const { proxy, stats, hotel } = await edgeAnswersLikeTheCentre(h, { key: null });
    assert.ok(!proxy.log.some((r) => r.path.endsWith('/snapshot')), 'no snapshot request');
    const pulls = proxy.log.filter((r) => r.path.endsWith('/changes'));
    assert.equal(pulls[0].since, null);
    const rows = pulls.reduce((n, r) => n + r.rows, 0);
    assert.ok(rows >= 80, `everything was pulled (2 room types × 40 nights and more): ${rows} rows`);
    t.diagnostic(`a full pull: ${pulls.length} pull(s) carrying ${rows} rows`);
    assert.deepEqual(hotel.bootstrap, { source: 'pull', snapshot: 'not configured' });
    assert.equal(stats.snapshots.keyPinned, false);
  });

  it('a snapshot key that is not an Ed25519 key in base64 is a configuration error (500 MISCONFIGURED)', async () => {
    const edge = await startEdge({ serverUrl: env.url, readToken: 'x', env: { ...EDGE_ENV, EDGESTAY_SNAPSHOT_PUBLIC_KEY: 'not-a-key' } });
    running.push(edge);
    const r = await request(edge.url, { path: '/v1/edge/stats' });
    assert.equal(r.status, 500);
    assert.equal(r.json.error.code, 'MISCONFIGURED');
    assert.match(r.json.error.message, /EDGESTAY_SNAPSHOT_PUBLIC_KEY/);
  });
});
