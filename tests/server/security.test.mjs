// Auth, scopes, partial replication and hostile input.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { STORES, storeOptions, useStore, stopPostgres, booking } from './support/stores.mjs';
import { request } from './support/http.mjs';
import { cli } from './support/server.mjs';

after(stopPostgres);

// Every route of hotel `h` (method, path, body).
function hotelRoutes(h) {
  const day = h.dates[0];
  return [
    ['GET', `/v1/hotels/${h.hotelId}/changes`],
    ['GET', `/v1/hotels/${h.hotelId}/changes?since=1&wait=1`],
    ['POST', `/v1/hotels/${h.hotelId}/mutations`, { clientId: 'x', mutations: [booking(1, 'k', { roomTypeId: h.roomTypeId, checkIn: day, checkOut: h.dates[1] })] }],
    ['GET', `/v1/hotels/${h.hotelId}/bookings/1`],
    ['PATCH', `/v1/hotels/${h.hotelId}`, { name: 'Taken over' }],
    ['POST', `/v1/hotels/${h.hotelId}/room-types`, { name: 'Evil', basePriceCents: 1, totalRooms: 1 }],
    ['PATCH', `/v1/hotels/${h.hotelId}/room-types/${h.roomTypeId}`, { totalRooms: 0 }],
    ['PUT', `/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: day, total: 0 }],
    ['PUT', `/v1/hotels/${h.hotelId}/rules`, { max_nights: 1 }],
    ['PUT', `/v1/hotels/${h.hotelId}/special-days`, { date: day, kind: 'blackout' }],
    ['DELETE', `/v1/hotels/${h.hotelId}/special-days?from=${day}`],
  ];
}

for (const kind of STORES) {
  describe(`security (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind, { serverArgs: ['--max-body', '65536'] });

    it("a token of hotel A on every endpoint of hotel B -> 403, in every scope", async () => {
      const a = await env.hotel({ name: 'A' });
      const b = await env.hotel({ name: 'B' });
      const missing = { hotelId: 987654321, roomTypeId: 1, dates: b.dates };
      for (const scope of ['read', 'book', 'admin']) {
        const token = await env.token(a.hotelId, scope);
        for (const target of [b, missing]) {
          for (const [method, path, body] of hotelRoutes(target)) {
            const r = await request(env.url, { method, path, token, body });
            assert.equal(r.status, 403, `${scope} token of A: ${method} ${path} -> ${r.status} ${r.text}`);
            assert.equal(r.json?.error?.code, 'FORBIDDEN');
          }
        }
        // A hotel-bound admin can neither create hotels nor mint tokens for other hotels.
        const create = await request(env.url, { method: 'POST', path: '/v1/hotels', token, body: { name: 'X' } });
        assert.equal(create.status, 403);
        const mint = await request(env.url, { method: 'POST', path: '/v1/tokens', token, body: { hotels: [b.hotelId], scope: 'read' } });
        assert.equal(mint.status, 403);
      }
      // Nothing of B changed.
      const rt = await env.query(`SELECT count(*) AS n FROM room_types WHERE hotel_id = ${b.hotelId}`);
      assert.equal(Number(rt[0].n), 1);
      const name = await env.query(`SELECT name FROM hotels WHERE id = ${b.hotelId}`);
      assert.equal(name[0].name, 'B');
    });

    it('no token, a malformed token, an unknown token or a revoked token -> 401', async () => {
      const h = await env.hotel();
      const path = `/v1/hotels/${h.hotelId}/changes`;
      assert.equal((await request(env.url, { path })).status, 401);
      assert.equal((await request(env.url, { path, headers: { authorization: 'Basic abc' } })).status, 401);
      assert.equal((await request(env.url, { path, token: 'not-a-token' })).status, 401);
      assert.equal((await request(env.url, { path, token: 'a'.repeat(64) })).status, 401);
      const { stdout } = await cli(env.spec, ['token', 'create', '--hotel', String(h.hotelId), '--scope', 'read', '--json']);
      const { token, id } = JSON.parse(stdout);
      await cli(env.spec, ['token', 'revoke', '--id', String(id)]);
      const r = await request(env.url, { path, token });
      assert.equal(r.status, 401);
      assert.equal(r.json.error.code, 'UNAUTHORIZED');
      const list = JSON.parse((await cli(env.spec, ['token', 'list'])).stdout);
      assert.ok(list.every((t) => !('token' in t) && !('token_hash' in t)), 'tokens are never listed');
      const stored = await env.query('SELECT token_hash, selector FROM api_tokens');
      assert.ok(stored.every((t) => t.token_hash !== token && /^[0-9a-f]{64}$/.test(t.token_hash)), 'stored hashed');
    });

    it('scopes: read cannot push (403); read and book cannot use admin endpoints (403)', async () => {
      const h = await env.hotel();
      const read = await env.token(h.hotelId, 'read');
      const book = await env.token(h.hotelId, 'book');
      const push = await request(env.url, {
        method: 'POST', path: `/v1/hotels/${h.hotelId}/mutations`, token: read,
        body: { clientId: 'r', mutations: [booking(1, 'r1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })] },
      });
      assert.equal(push.status, 403);
      assert.equal(Number((await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`))[0].n), 0);
      for (const token of [read, book]) {
        for (const [method, path, body] of hotelRoutes(h).filter(([m, p]) => !p.includes('/changes') && !p.includes('/mutations') && !p.includes('/bookings/'))) {
          const r = await request(env.url, { method, path, token, body });
          assert.equal(r.status, 403, `${method} ${path}`);
        }
      }
      assert.equal((await request(env.url, { path: `/v1/hotels/${h.hotelId}/bookings/1`, token: read })).status, 403);
    });

    it("partial replication: a read token's pulls carry no payments and no other guest's bookings", async () => {
      const h = await env.hotel({ rooms: 5, nights: 3 });
      const book = env.client(await env.token(h.hotelId, 'book'));
      const r = await book.post(`/v1/hotels/${h.hotelId}/mutations`, {
        clientId: 'kiosk',
        mutations: [
          booking(1, 'u1', { roomTypeId: h.roomTypeId, userId: 101, checkIn: h.dates[0], checkOut: h.dates[1] }),
          booking(2, 'u2', { roomTypeId: h.roomTypeId, userId: 202, checkIn: h.dates[1], checkOut: h.dates[2] }),
          { seq: 3, type: 'joinWaitlist', idempotencyKey: 'w2', args: { roomTypeId: h.roomTypeId, userId: 202, checkIn: h.dates[0], checkOut: h.dates[2] } },
        ],
      });
      assert.deepEqual(r.json.results.map((x) => x.status), ['applied', 'applied', 'applied']);
      const pullAll = async (token) => {
        const changes = [];
        let since = null;
        for (;;) {
          const q = since === null ? '?limit=7' : `?limit=7&since=${since}`;
          const p = await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes${q}`, token });
          assert.equal(p.status, 200, p.text);
          changes.push(...p.json.changes);
          since = p.json.cursor;
          if (!p.json.hasMore) return changes;
        }
      };
      const tables = (changes) => new Set(changes.map((c) => c.table));
      const rowsOf = (changes, table) => changes.filter((c) => c.table === table)
        .flatMap((c) => (c.row ? [c.row] : c.rows.map((v) => Object.fromEntries(c.columns.map((k, i) => [k, v[i]])))));

      const anon = await pullAll(await env.token(h.hotelId, 'read'));
      assert.deepEqual([...tables(anon)].sort(), ['hotels', 'room_inventory', 'room_types']);
      const guest = await pullAll(await env.token(h.hotelId, 'read', 101));
      assert.ok(!tables(guest).has('payments') && !tables(guest).has('notifications') && !tables(guest).has('waitlist'));
      assert.deepEqual(rowsOf(guest, 'bookings').map((b) => b.user_id), [101], 'only its own booking');
      const kiosk = await pullAll(await env.token(h.hotelId, 'book'));
      assert.deepEqual(rowsOf(kiosk, 'bookings').map((b) => b.user_id).sort(), [101, 202]);
      assert.equal(rowsOf(kiosk, 'payments').length, 2);
      assert.ok(!tables(kiosk).has('notifications'), 'notifications are admin only');
      const admin = await pullAll(env.adminToken);
      assert.equal(rowsOf(admin, 'notifications').length, 2);
      assert.equal(rowsOf(admin, 'waitlist').length, 1);
    });

    it('oversized, deeply nested, non-UTF-8, malformed and wrongly typed bodies -> 4xx; the server keeps serving', async () => {
      const h = await env.hotel({ rooms: 2, nights: 2 });
      const token = await env.token(h.hotelId, 'book');
      const path = `/v1/hotels/${h.hotelId}/mutations`;
      const send = (rawBody, extra = {}) => request(env.url, { method: 'POST', path, token, rawBody, ...extra });
      const cases = [
        ['oversized', Buffer.alloc(200000, 'a'), 413],
        ['oversized valid JSON', JSON.stringify({ clientId: 'c', mutations: [], pad: 'x'.repeat(100000) }), 413],
        ['deeply nested arrays', '['.repeat(30000) + ']'.repeat(30000), 400],
        ['deeply nested objects', '{"a":'.repeat(9000) + '1' + '}'.repeat(9000), 400],
        ['non-UTF-8', Buffer.concat([Buffer.from('{"clientId":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","mutations":[]}')]), 400],
        ['truncated JSON', '{"clientId":"c","mutations":[', 400],
        ['empty body', '', 400],
        ['not an object', '[1,2,3]', 400],
        ['null', 'null', 400],
        ['clientId a number', JSON.stringify({ clientId: 5, mutations: [] }), 400],
        ['clientId with spaces', JSON.stringify({ clientId: 'a b', mutations: [{ seq: 1 }] }), 400],
        ['mutations a string', JSON.stringify({ clientId: 'c', mutations: 'all' }), 400],
        ['mutations empty', JSON.stringify({ clientId: 'c', mutations: [] }), 400],
        ['seq a string', JSON.stringify({ clientId: 'c', mutations: [{ seq: '1', type: 'createBooking' }] }), 400],
        ['seq fractional', JSON.stringify({ clientId: 'c', mutations: [{ seq: 1.5 }] }), 400],
        ['seq huge', '{"clientId":"c","mutations":[{"seq":123456789012345678901234567890}]}', 400],
        ['mutation not an object', JSON.stringify({ clientId: 'c', mutations: [7] }), 400],
        ['wrong format', JSON.stringify({ format: 'edgestay.push/9', clientId: 'c', mutations: [{ seq: 1 }] }), 400],
        ['too many mutations', JSON.stringify({ clientId: 'c', mutations: Array.from({ length: 501 }, (_, i) => ({ seq: i + 1 })) }), 413],
      ];
      for (const [name, body, status] of cases) {
        const r = await send(body);
        assert.equal(r.status, status, `${name}: ${r.status} ${r.text.slice(0, 200)}`);
        assert.equal(typeof r.json?.error?.code, 'string', `${name}: error shape`);
        assert.equal(typeof r.json?.error?.message, 'string', `${name}: error message`);
      }
      // Wrongly typed args are per-mutation rejections (recorded), not request errors.
      const typed = await send(JSON.stringify({ clientId: 'typed', mutations: [
        { seq: 1, type: 'createBooking', idempotencyKey: 't1', args: { roomTypeId: '1', userId: 1, checkIn: h.dates[0], checkOut: h.dates[1] } },
        { seq: 2, type: 'createBooking', idempotencyKey: 't2', args: { roomTypeId: h.roomTypeId, userId: 1, checkIn: '2026-02-30', checkOut: h.dates[1] } },
        { seq: 3, type: 'createBooking', idempotencyKey: 't3', args: { roomTypeId: h.roomTypeId, userId: 1, checkIn: h.dates[0], checkOut: h.dates[1], rooms: -1 } },
        { seq: 4, type: 'createBooking', idempotencyKey: 't4', args: [] },
        { seq: 5, type: 'createBooking', idempotencyKey: { x: 1 }, args: {} },
        { seq: 6, type: 'createBooking', idempotencyKey: 't6', args: { roomTypeId: h.roomTypeId, userId: 1, checkIn: h.dates[0], checkOut: h.dates[1], rooms: 1e300 } },
      ] }));
      assert.equal(typed.status, 200, typed.text);
      assert.deepEqual(typed.json.results.map((x) => x.reason), ['invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid']);
      // Hostile query strings and paths.
      const pull = (q) => request(env.url, { path: `/v1/hotels/${h.hotelId}/changes${q}`, token });
      assert.equal((await pull('?since=abc')).status, 400);
      assert.equal((await pull('?since=-1')).status, 400);
      assert.equal((await pull('?since=99999999999999999999999')).status, 400);
      assert.equal((await pull('?since=999999')).status, 409);
      assert.equal((await pull('?limit=0')).status, 400);
      assert.equal((await pull('?limit=100000000')).status, 400);
      assert.equal((await pull('?wait=x')).status, 400);
      assert.equal((await request(env.url, { path: '/v1/hotels/99999999999999999999999/changes', token })).status, 404);
      // ARI bodies with wrong types.
      const admin = (method, p, body) => request(env.url, { method, path: p, token: env.adminToken, rawBody: typeof body === 'string' ? body : JSON.stringify(body) });
      for (const [method, p, body] of [
        ['PUT', `/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[0], total: 'ten' }],
        ['PUT', `/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[0], to: '2099-13-01', total: 1 }],
        ['PUT', `/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: '2020-01-01', to: '2030-01-01', total: 1 }],
        ['PUT', `/v1/hotels/${h.hotelId}/inventory`, { updates: 'all' }],
        ['PUT', `/v1/hotels/${h.hotelId}/rules`, { max_nights: -5 }],
        ['PUT', `/v1/hotels/${h.hotelId}/rules`, { nonsense: 1 }],
        ['PUT', `/v1/hotels/${h.hotelId}/special-days`, { date: h.dates[0], kind: 'party' }],
        ['POST', '/v1/hotels', { name: '' }],
        ['POST', '/v1/hotels', { name: 'x', currency: 'euro' }],
        ['POST', `/v1/hotels/${h.hotelId}/room-types`, { name: 'x', basePriceCents: -1, totalRooms: 1 }],
        ['PATCH', `/v1/hotels/${h.hotelId}`, '{"name": "\\ud800"}'],
      ]) {
        const r = await admin(method, p, body);
        assert.ok(r.status >= 400 && r.status < 500, `${method} ${p} ${JSON.stringify(body)} -> ${r.status} ${r.text}`);
      }
      // Garbage on the socket.
      await new Promise((resolve) => {
        const s = net.connect(env.server.port, '127.0.0.1', () => s.end('GARBAGE \x00\xff HTTP/9\r\n\r\n'));
        s.on('data', () => {});
        s.on('close', resolve);
        s.on('error', resolve);
      });
      // Still serving, and still booking correctly.
      assert.ok(env.server.alive());
      assert.equal((await request(env.url, { path: '/v1/health' })).status, 200);
      const ok = await send(JSON.stringify({ clientId: 'after', mutations: [booking(1, 'after-1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })] }));
      assert.equal(ok.json.results[0].status, 'applied');
    });

  });
}
