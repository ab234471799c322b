// Signed snapshot bootstrap (sync/SPEC.md X5-X8): a node starts from the hotel's signed
// SQLite image and pulls only the delta, ending equal to a node that pulled everything; a
// tampered image, signature, cursor or time is refused before anything opens it; a `read`
// image holds no guest data and is cacheable by a CDN, regenerated at most every N seconds.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { STORES, storeOptions, useStore, stopPostgres, booking, addDays } from './support/stores.mjs';
import { startServer } from './support/server.mjs';
import { request } from './support/http.mjs';
import { SKIP, core } from './support/engine.mjs';
import { KEYS, COLUMNS } from './support/tables.mjs';

after(stopPostgres);

const { openEngine, EdgestayError } = core;
const { SyncClient, fetchSnapshot, openFromSnapshot } = await import('../../sync/client/index.mjs');

const TABLES = Object.keys(COLUMNS);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every replicated table of an SQLite image, rows as sorted JSON (FORMAT.md columns).
function imageRows(image) {
  const db = new Database(Buffer.from(image));
  try {
    const out = { cursor: db.prepare("SELECT value FROM sync_state WHERE key = 'cursor'").get()?.value ?? null };
    for (const t of TABLES) {
      out[t] = db.prepare(`SELECT ${COLUMNS[t].join(', ')} FROM ${t} ORDER BY ${KEYS[t].join(', ')}`).all()
        .map((r) => JSON.stringify(COLUMNS[t].map((c) => (typeof r[c] === 'bigint' ? Number(r[c]) : r[c]))));
    }
    return out;
  } finally {
    db.close();
  }
}

// A fetch that lets a test change the snapshot response on its way (a hostile CDN).
function tamperingFetch(change) {
  return async (url, init) => {
    const res = await fetch(url, init);
    const body = new Uint8Array(await res.arrayBuffer());
    const headers = new Headers(res.headers);
    const out = change({ body, headers }) ?? { body, headers };
    return new Response(out.body, { status: res.status, headers: out.headers });
  };
}

const isSignatureError = (e) => {
  assert.ok(e instanceof EdgestayError, `an EdgestayError, got ${e?.stack ?? e}`);
  assert.equal(e.code, 'SNAPSHOT_SIGNATURE', e.message);
  return true;
};

for (const kind of STORES) {
  describe(`signed snapshots (${kind})`, { ...storeOptions(kind), ...SKIP }, () => {
    const env = useStore(kind, { serverArgs: ['--snapshot-interval', '1'] });
    const publicKey = async (url = env.url) => (await request(url, { path: '/v1/snapshot-key' })).json.publicKey;

    // A hotel with two room types, central bookings of several users, a waitlist entry.
    async function hotelWithGuests() {
      const h = await env.hotel({ rooms: 4, nights: 20 });
      const rt = await env.admin.post(`/v1/hotels/${h.hotelId}/room-types`,
        { name: 'Suite', basePriceCents: 25000, totalRooms: 2, capacityAdults: 2 });
      const suite = rt.json.roomType.id;
      await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: suite, from: h.from, to: h.to, total: 2, priceCents: 25000 });
      const book = await env.token(h.hotelId, 'book');
      const api = env.client(book);
      const muts = [];
      for (let i = 0; i < 8; i++) {
        muts.push(booking(i + 1, `g-${i}`, { roomTypeId: i % 2 ? suite : h.roomTypeId, userId: 7 + (i % 3),
          checkIn: h.dates[i], checkOut: h.dates[i + 2] }));
      }
      muts.push({ seq: 9, type: 'joinWaitlist', idempotencyKey: 'w-1',
        args: { roomTypeId: suite, userId: 8, checkIn: h.dates[0], checkOut: h.dates[1], rooms: 1 } });
      const r = await api.post(`/v1/hotels/${h.hotelId}/mutations`, { clientId: 'desk', mutations: muts });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.results.filter((x) => x.status === 'applied').length >= 8, r.text);
      return { ...h, suite, book, api };
    }

    it('a node started from the snapshot pulls only the delta and equals a node that pulled everything', async () => {
      const h = await hotelWithGuests();
      const key = await publicKey();
      const { engine: fromSnap, snapshot } = await openFromSnapshot(openEngine,
        { baseUrl: env.url, hotelId: h.hotelId, token: h.book, publicKey: key });
      assert.equal(fromSnap.asOf().cursor, snapshot.cursor);
      assert.ok(imageRows(fromSnap.exportDatabase()).bookings.length >= 8, 'the image carries the bookings');

      // The centre moves on: more bookings, a cancellation, new prices.
      const more = await h.api.post(`/v1/hotels/${h.hotelId}/mutations`, { clientId: 'desk', mutations: [
        booking(10, 'g-10', { roomTypeId: h.roomTypeId, userId: 9, checkIn: h.dates[10], checkOut: h.dates[12] }),
        { seq: 11, type: 'cancelBooking', idempotencyKey: 'c-1', args: { bookingId: (await env.query(
          `SELECT id FROM bookings WHERE hotel_id = ${h.hotelId} ORDER BY id LIMIT 1`))[0].id } },
      ] });
      assert.deepEqual(more.json.results.map((x) => x.status), ['applied', 'applied'], more.text);
      await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.suite, from: h.dates[3], to: h.dates[6], priceCents: 31000 });

      const full = await openEngine();
      const fullPull = await new SyncClient(full, { baseUrl: env.url, hotelId: h.hotelId, token: h.book }).syncOnce();
      const delta = await new SyncClient(fromSnap, { baseUrl: env.url, hotelId: h.hotelId, token: h.book }).syncOnce();
      assert.ok(delta.changes > 0 && delta.changes < fullPull.changes / 3,
        `the snapshot node pulled ${delta.changes} changes, the full node ${fullPull.changes}`);
      const a = imageRows(fromSnap.exportDatabase());
      const b = imageRows(full.exportDatabase());
      for (const t of TABLES) assert.deepEqual(a[t], b[t], `${t}: snapshot + delta equals a full pull`);
      assert.equal(a.cursor, b.cursor);
      // And the engine works on it: availability and a booking.
      const answer = fromSnap.checkRoomAvailability({ roomTypeId: h.roomTypeId, checkIn: h.dates[14], checkOut: h.dates[15] });
      assert.equal(answer.available, true);
      fromSnap.close();
      full.close();
    });

    it('a tampered image, signature, cursor or time, or another key, is refused with SNAPSHOT_SIGNATURE', async () => {
      const h = await hotelWithGuests();
      const key = await publicKey();
      const base = { baseUrl: env.url, hotelId: h.hotelId, token: h.book, publicKey: key };
      const ok = await fetchSnapshot(base);
      assert.ok(ok.image.length > 4096);
      const flipB64 = (s) => (s[5] === 'A' ? `${s.slice(0, 5)}B${s.slice(6)}` : `${s.slice(0, 5)}A${s.slice(6)}`);
      const tampers = {
        'one image byte': ({ body }) => { body[Math.floor(body.length / 2)] ^= 1; },
        'image truncated': ({ body, headers }) => ({ body: body.slice(0, body.length - 1024), headers }),
        'signature': ({ headers }) => { headers.set('x-edgestay-signature', flipB64(headers.get('x-edgestay-signature'))); },
        'cursor': ({ headers }) => { headers.set('x-edgestay-cursor', String(Number(headers.get('x-edgestay-cursor')) + 1)); },
        'syncedAt': ({ headers }) => { headers.set('x-edgestay-synced-at', String(Number(headers.get('x-edgestay-synced-at')) + 60000)); },
        'signature missing': ({ headers }) => { headers.delete('x-edgestay-signature'); },
      };
      for (const [what, change] of Object.entries(tampers)) {
        await assert.rejects(openFromSnapshot(openEngine, { ...base, fetch: tamperingFetch(change) }), isSignatureError, what);
      }
      const other = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
      const otherKey = Buffer.from(await crypto.subtle.exportKey('raw', other.publicKey)).toString('base64');
      await assert.rejects(fetchSnapshot({ ...base, publicKey: otherKey }), isSignatureError, 'another key');
      // Nothing was harmed: the untampered snapshot still opens.
      const { engine } = await openFromSnapshot(openEngine, base);
      assert.equal(engine.asOf().cursor, ok.cursor);
      engine.close();
    });

    it('a read snapshot holds no payments, notifications or other guests\' bookings, and is CDN-cacheable', async () => {
      const h = await hotelWithGuests();
      const key = await publicKey();
      const read = await env.token(h.hotelId, 'read');
      const guest = await env.token(h.hotelId, 'read', 8);
      const pub = await fetchSnapshot({ baseUrl: env.url, hotelId: h.hotelId, token: read, publicKey: key });
      const rows = imageRows(pub.image);
      for (const t of ['bookings', 'waitlist', 'payments', 'notifications']) assert.deepEqual(rows[t], [], `read: no ${t}`);
      assert.ok(rows.room_inventory.length >= 40 && rows.room_types.length === 2);
      const mine = imageRows((await fetchSnapshot({ baseUrl: env.url, hotelId: h.hotelId, token: guest, publicKey: key })).image);
      assert.ok(mine.bookings.length > 0);
      assert.ok(mine.bookings.every((r) => JSON.parse(r)[2] === 8), 'a guest sees only their own bookings');
      assert.ok(mine.waitlist.length === 1);
      assert.deepEqual(mine.payments, []);
      assert.deepEqual(mine.notifications, []);
      const bookRows = imageRows((await fetchSnapshot({ baseUrl: env.url, hotelId: h.hotelId, token: h.book, publicKey: key })).image);
      assert.ok(bookRows.payments.length >= 8 && bookRows.notifications.length === 0, 'book: payments, no notifications');

      const get = (token, headers = {}) => request(env.url, { path: `/v1/hotels/${h.hotelId}/snapshot`, token, headers });
      const shared = await get(read);
      assert.equal(shared.status, 200);
      assert.match(shared.headers['cache-control'], /^public, max-age=1$/);
      assert.ok(shared.headers.etag);
      assert.equal((await get(read, { 'if-none-match': shared.headers.etag })).status, 304);
      assert.equal((await get(guest)).headers['cache-control'], 'private, no-store');
      assert.equal((await get(h.book)).headers['cache-control'], 'private, no-store');
      assert.equal((await request(env.url, { path: `/v1/hotels/${h.hotelId}/snapshot` })).status, 401);

      // Regenerated at most every N seconds: with N = 1 a change shows up after a second.
      await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[0], priceCents: 12345 });
      await sleep(1100);
      const next = await get(read);
      assert.ok(Number(next.headers['x-edgestay-cursor']) > Number(shared.headers['x-edgestay-cursor']));
      assert.notEqual(next.headers.etag, shared.headers.etag);
    });

    it('--snapshot-interval holds one image per hotel; --snapshot-key keeps the key across restarts', async () => {
      const h = await hotelWithGuests();
      const read = await env.token(h.hotelId, 'read');
      const dir = mkdtempSync(path.join(os.tmpdir(), 'edgestay-snapkey-'));
      const keyFile = path.join(dir, 'snapshot.pem');
      try {
        const s1 = await startServer(env.spec, ['--snapshot-interval', '3600', '--snapshot-key', keyFile]);
        const k1 = await publicKey(s1.url);
        const get = () => request(s1.url, { path: `/v1/hotels/${h.hotelId}/snapshot`, token: read });
        const first = await get();
        await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[1], priceCents: 22222 });
        const second = await get();
        assert.equal(second.headers.etag, first.headers.etag, 'the same image within the interval');
        assert.equal(second.headers['x-edgestay-cursor'], first.headers['x-edgestay-cursor']);
        await s1.stop();
        const s2 = await startServer(env.spec, ['--snapshot-key', keyFile]);
        assert.equal(await publicKey(s2.url), k1, 'the key file is reused');
        const verified = await fetchSnapshot({ baseUrl: s2.url, hotelId: h.hotelId, token: read, publicKey: k1 });
        assert.ok(Number(verified.cursor) > Number(first.headers['x-edgestay-cursor']));
        await s2.stop();
        const other = await startServer(env.spec, []);
        assert.notEqual(await publicKey(other.url), k1, 'without a key file each process has its own key');
        await other.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
