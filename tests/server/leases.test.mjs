// Allotment leases (sync/FORMAT.md §9) against the real server, on both stores: two offline
// kiosks selling inside their leases are all confirmed centrally and nothing is
// overbooked; a sale beyond the lease is PENDING_SYNC and then rejected; an unused lease
// expires and its rooms come back in the next pull; renew, shrink and release; 200
// concurrent requesters never exceed inventory; another token's lease stays invisible; bad
// input is refused with a code and the server keeps working.
//
// Invariant checked after each scenario, per night of the room type:
//   total − available = rooms of live bookings + units left of ACTIVE leases, available ≥ 0.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { STORES, storeOptions, useStore, stopPostgres, booking, addDays, today } from './support/stores.mjs';
import { ROOT } from './support/paths.mjs';
import { mulberry32 } from '../../scripts/lib/rng.mjs';

after(stopPostgres);

const WASM_BUILT = existsSync(path.join(ROOT, 'bindings', 'js', 'dist', 'edgestay_core.wasm'));
const SKIP = WASM_BUILT ? {} : { skip: 'wasm core not built (bindings/js/dist): run scripts/build' };
const { openEngine } = WASM_BUILT ? await import('../../bindings/js/index.mjs') : {};
const { SyncClient, SyncError } = await import('../../sync/client/index.mjs');

const LIMIT = { timeout: 60000 };
const day = (v) => String(v instanceof Date ? v.toISOString() : v).slice(0, 10);

for (const kind of STORES) {
  describe(`leases (${kind})`, storeOptions(kind), () => {
    // Expired holds and leases are swept every second.
    const env = useStore(kind, { serverArgs: ['--hold-sweep', '1'] });

    // The invariant above, night by night; returns the nights for further checks.
    async function checkInventory(h) {
      const nights = await env.query(
        `SELECT i.date AS date, i.total AS total, i.available AS available,
           (SELECT COALESCE(SUM(b.rooms), 0) FROM bookings b WHERE b.room_type_id = i.room_type_id
              AND b.status IN ('CONFIRMED', 'HELD') AND b.start_date <= i.date AND b.end_date > i.date) AS booked,
           (SELECT COALESCE(SUM(n.units_left), 0) FROM lease_nights n JOIN leases l ON l.id = n.lease_id
              WHERE l.status = 'ACTIVE' AND l.room_type_id = i.room_type_id AND n.date = i.date) AS leased
         FROM room_inventory i WHERE i.room_type_id = ${h.roomTypeId} ORDER BY i.date`);
      for (const n of nights) {
        assert.ok(Number(n.available) >= 0, `${day(n.date)} overbooked`);
        assert.equal(Number(n.total) - Number(n.available), Number(n.booked) + Number(n.leased),
          `${day(n.date)}: total - available = booked + leased`);
      }
      return new Map(nights.map((n) => [day(n.date), { available: Number(n.available), leased: Number(n.leased), booked: Number(n.booked) }]));
    }

    const leasePath = (h, rest = '') => `/v1/hotels/${h.hotelId}/leases${rest}`;

    async function kiosk(h, token, name) {
      const engine = await openEngine({ cache: false });
      const k = { name, engine, online: true, requests: [] };
      k.sync = new SyncClient(engine, {
        baseUrl: env.url, hotelId: h.hotelId, token,
        fetch: (url, init) => {
          k.requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
          return k.online ? fetch(url, init) : Promise.reject(new TypeError('fetch failed: network is down'));
        },
      });
      return k;
    }
    const sell = (k, h, night, rooms, userId) => k.engine.createBooking({
      hotelId: h.hotelId, roomTypeId: h.roomTypeId, userId, checkIn: night, checkOut: addDays(night, 1), rooms, guests: rooms,
    });
    const localAvailable = (k, h, night) => k.engine.checkRoomAvailability({
      roomTypeId: h.roomTypeId, checkIn: night, checkOut: addDays(night, 1),
    }).nightly[0].available;

    it('two offline kiosks with leases of 2 on a 4-room night sell 2 each: all 4 confirmed centrally; a fifth sale is PENDING_SYNC, then rejected sold_out', { ...LIMIT, ...SKIP }, async () => {
      const h = await env.hotel({ rooms: 4, nights: 3 });
      const night = h.dates[1];
      const a = await kiosk(h, await env.token(h.hotelId, 'book'), 'A');
      const b = await kiosk(h, await env.token(h.hotelId, 'book'), 'B');
      try {
        await a.sync.syncOnce();
        await b.sync.syncOnce();
        const leaseA = await a.sync.requestLease({ roomTypeId: h.roomTypeId, from: night, to: addDays(night, 1), rooms: 2, ttlSeconds: 600 });
        assert.equal(leaseA.status, 'ACTIVE');
        assert.deepEqual(leaseA.nights, [{ date: night, unitsLeft: 2 }]);
        assert.equal(localAvailable(a, h, night), 2, 'A pulled its own grant: 4 - 2');
        a.online = false;  // A goes offline before B's grant: it still believes 2 are free
        const leaseB = await b.sync.requestLease({ roomTypeId: h.roomTypeId, from: night, to: addDays(night, 1), rooms: 2, ttlSeconds: 600 });
        assert.equal(leaseB.rooms, 2);
        assert.equal(localAvailable(b, h, night), 0);
        // Nothing is left to lease: the client's refusal carries the centre's reason.
        await assert.rejects(b.sync.requestLease({ roomTypeId: h.roomTypeId, from: night, to: addDays(night, 1), rooms: 1, ttlSeconds: 600 }),
          (e) => e instanceof SyncError && e.code === 'LEASE_REFUSED' && e.status === 409 && e.details?.reason === 'sold_out');
        b.online = false;
        assert.equal((await checkInventory(h)).get(night).available, 0, 'both grants came out of inventory');

        // Offline sales inside the leases: CONFIRMED at once, never stale.
        const sold = [sell(a, h, night, 1, 501), sell(a, h, night, 1, 502), sell(b, h, night, 2, 503)];
        for (const s of sold) {
          assert.equal(s.status, 'CONFIRMED', JSON.stringify(s));
          assert.equal(s.stale, undefined);
        }
        assert.deepEqual(a.sync.leases()[0].nights, [{ date: night, unitsLeft: 0 }]);
        // The fifth sale: A's lease is used up, so it goes the normal way.
        const fifth = sell(a, h, night, 1, 504);
        assert.equal(fifth.status, 'PENDING_SYNC');
        await assert.rejects(a.sync.syncOnce(), (e) => e instanceof SyncError && e.code === 'NETWORK');

        a.online = b.online = true;
        const sa = await a.sync.syncOnce();
        const sb = await b.sync.syncOnce();
        assert.deepEqual([sa.applied, sa.rejected, sb.applied, sb.rejected], [2, 1, 1, 0]);
        const central = await env.query(`SELECT user_id, status, rooms FROM bookings WHERE hotel_id = ${h.hotelId} ORDER BY user_id`);
        assert.deepEqual(central.map((r) => [Number(r.user_id), r.status, Number(r.rooms)]),
          [[501, 'CONFIRMED', 1], [502, 'CONFIRMED', 1], [503, 'CONFIRMED', 2]], '4 rooms confirmed, the fifth never stored');
        const results = await env.query(`SELECT result FROM push_results WHERE hotel_id = ${h.hotelId} AND status = 'rejected'`);
        assert.deepEqual(results.map((r) => JSON.parse(r.result).reason), ['sold_out']);
        const inv = await checkInventory(h);
        assert.deepEqual(inv.get(night), { available: 0, leased: 0, booked: 4 }, 'lease units became the bookings');
        // Each kiosk: its lease sales CONFIRMED with their central ids, the fifth REJECTED.
        const local = (k, user) => k.engine.getUserBookingsWithRoomType(user)[0];
        for (const [k, user] of [[a, 501], [a, 502], [b, 503]]) {
          assert.equal(local(k, user).status, 'CONFIRMED');
          assert.ok(local(k, user).serverId > 0);
        }
        assert.equal(local(a, 504).status, 'REJECTED');
        assert.equal(localAvailable(a, h, night), 0);
        assert.equal(localAvailable(b, h, night), 0);
        // The client's other lease calls: renew moves expiresAt, release ends the lease
        // in the centre and in the engine.
        const before = a.requests.length;
        const renewed = await a.sync.renewLease(leaseA.id, 1200);
        assert.deepEqual(a.requests.slice(before).map((r) => r.split(' ')[0]), ['POST', 'GET'],
          'a lease call is the write (its answer carries the leases) and one pull');
        assert.match(a.requests[before], /\/leases\/\d+\/renew$/);
        assert.ok(renewed.expiresAt > leaseA.expiresAt);
        assert.equal(a.sync.leases()[0].expiresAt, renewed.expiresAt);
        assert.equal((await a.sync.shrinkLease(leaseA.id, 2)).rooms, 2, 'shrinking to the same size gives nothing back');
        assert.equal((await b.sync.releaseLease(leaseB.id)).status, 'RELEASED');
        assert.deepEqual(b.sync.leases(), []);
        assert.deepEqual((await checkInventory(h)).get(night), { available: 0, leased: 0, booked: 4 });
      } finally {
        a.engine.close();
        b.engine.close();
      }
    });

    it('a lease that expires unused gives its rooms back in the next pull; the node stops using it before expiresAt', { ...LIMIT, ...SKIP }, async () => {
      const h = await env.hotel({ rooms: 3, nights: 2 });
      const night = h.dates[0];
      const k = await kiosk(h, await env.token(h.hotelId, 'book'), 'K');
      try {
        await k.sync.syncOnce();
        const lease = await k.sync.requestLease({ roomTypeId: h.roomTypeId, from: night, to: addDays(night, 2), rooms: 2, ttlSeconds: 2 });
        assert.equal(localAvailable(k, h, night), 1);
        // With the default 60 s skew allowance a 2 s lease is never used locally.
        assert.equal(k.sync.leases()[0].usable, false);
        assert.equal(sell(k, h, night, 1, 601).status, 'PENDING_SYNC');
        await k.sync.syncOnce();  // that booking took the last general room
        const deadline = Date.now() + 15000;
        let inv;
        for (;;) {
          inv = await checkInventory(h);
          if (inv.get(night).leased === 0 || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.deepEqual(inv.get(night), { available: 2, leased: 0, booked: 1 }, 'expired: both units back');
        await k.sync.syncOnce();
        assert.equal(localAvailable(k, h, night), 2, 'the next pull brought the rooms back');
        const got = await env.client(k.sync.token).get(leasePath(h, `/${lease.id}`));
        assert.equal(got.json.lease.status, 'EXPIRED');
        assert.deepEqual((await k.sync.refreshLeases()), [], 'an expired lease is no longer listed');
      } finally {
        k.engine.close();
      }
    });

    it('renew extends, shrink and release give unused units back; ended or used units are refused with a code', LIMIT, async () => {
      const h = await env.hotel({ rooms: 5, nights: 3 });
      const token = await env.token(h.hotelId, 'book');
      const api = env.client(token);
      // Every write answers with this token's ACTIVE leases after it, as GET lists them;
      // another token's lease is never among them.
      const other = env.client(await env.token(h.hotelId, 'book'));
      const theirs = await other.post(leasePath(h), { roomTypeId: h.roomTypeId, from: h.dates[2], to: addDays(h.dates[2], 1), rooms: 1, ttlSeconds: 60 });
      assert.deepEqual(theirs.json.leases.map((l) => l.id), [theirs.json.lease.id]);
      const listed = async (answer) => assert.deepEqual(answer.json.leases, (await api.get(leasePath(h))).json.leases, answer.text);
      const made = await api.post(leasePath(h), { roomTypeId: h.roomTypeId, from: h.dates[0], to: h.dates[2], rooms: 3, ttlSeconds: 60, idempotencyKey: 'L1' });
      assert.equal(made.status, 201, made.text);
      const id = made.json.lease.id;
      assert.deepEqual(made.json.leases, [made.json.lease]);
      await listed(made);
      const again = await api.post(leasePath(h), { roomTypeId: h.roomTypeId, from: h.dates[0], to: h.dates[2], rooms: 3, ttlSeconds: 60, idempotencyKey: 'L1' });
      assert.equal(again.json.lease.id, id, 'the same key answers the same lease, nothing taken twice');
      await listed(again);
      assert.equal((await checkInventory(h)).get(h.dates[0]).available, 2);
      const renewed = await api.post(leasePath(h, `/${id}/renew`), { ttlSeconds: 3600 });
      assert.equal(renewed.status, 200, renewed.text);
      assert.ok(renewed.json.lease.expiresAt >= made.json.lease.expiresAt + 3500 * 1000);
      await listed(renewed);
      // A booking converts 2 units of the first night: shrinking below that is refused.
      const push = await api.post(`/v1/hotels/${h.hotelId}/mutations`, { clientId: 'shrinker', mutations: [
        booking(1, 'shrink-b1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1], rooms: 2, guests: 2, leaseId: id }),
      ] });
      assert.equal(push.json.results[0].status, 'applied', push.text);
      assert.equal(push.json.results[0].booking.leaseId, id);
      assert.deepEqual((await checkInventory(h)).get(h.dates[0]), { available: 2, leased: 1, booked: 2 }, 'inventory not taken again');
      const tooFar = await api.post(leasePath(h, `/${id}/shrink`), { rooms: 0 });
      assert.deepEqual([tooFar.status, tooFar.json.error.code], [409, 'LEASE_IN_USE']);
      const tooFew = await api.post(leasePath(h, `/${id}/shrink`), { rooms: 1 });  // night 1 has only 1 unused
      assert.deepEqual([tooFew.status, tooFew.json.error.code], [409, 'LEASE_IN_USE']);
      const grow = await api.post(leasePath(h, `/${id}/shrink`), { rooms: 4 });
      assert.deepEqual([grow.status, grow.json.error.code], [400, 'INVALID_LEASE']);
      const shrunk = await api.post(leasePath(h, `/${id}/shrink`), { rooms: 2 });
      assert.equal(shrunk.status, 200, shrunk.text);
      assert.equal(shrunk.json.lease.rooms, 2);
      assert.deepEqual(shrunk.json.lease.nights.map((n) => n.unitsLeft), [0, 2]);
      await listed(shrunk);
      let inv = await checkInventory(h);
      assert.deepEqual([inv.get(h.dates[0]).available, inv.get(h.dates[1]).available], [3, 3]);
      const released = await api.post(leasePath(h, `/${id}/release`));
      assert.equal(released.json.lease.status, 'RELEASED');
      assert.deepEqual(released.json.leases, [], 'a released lease is no longer ACTIVE');
      await listed(released);
      inv = await checkInventory(h);
      assert.deepEqual([inv.get(h.dates[0]).available, inv.get(h.dates[1]).available], [3, 5]);
      const twice = await api.post(leasePath(h, `/${id}/release`));
      assert.equal(twice.status, 200, 'releasing twice changes nothing');
      assert.equal((await checkInventory(h)).get(h.dates[1]).available, 5);
      const ended = await api.post(leasePath(h, `/${id}/renew`), { ttlSeconds: 60 });
      assert.deepEqual([ended.status, ended.json.error.code], [409, 'LEASE_ENDED']);
      // A push naming the ended lease goes the normal way (inventory).
      const late = await api.post(`/v1/hotels/${h.hotelId}/mutations`, { clientId: 'shrinker', mutations: [
        booking(2, 'shrink-b2', { roomTypeId: h.roomTypeId, checkIn: h.dates[1], checkOut: h.dates[2], leaseId: id }),
      ] });
      assert.equal(late.json.results[0].status, 'applied');
      assert.equal(late.json.results[0].booking.leaseId, undefined);
      assert.equal((await checkInventory(h)).get(h.dates[1]).available, 4);
    });

    it('200 concurrent lease requesters never exceed inventory; refusals say sold_out', LIMIT, async () => {
      const h = await env.hotel({ rooms: 30, nights: 4 });
      const tokens = await Promise.all(Array.from({ length: 8 }, () => env.token(h.hotelId, 'book')));
      const rand = mulberry32(13);
      const asks = Array.from({ length: 200 }, (_, i) => {
        const start = Math.floor(rand() * 4);
        const len = 1 + Math.floor(rand() * (4 - start));
        return { token: tokens[i % tokens.length], from: h.dates[start], to: addDays(h.dates[start], len), rooms: 1 + Math.floor(rand() * 3) };
      });
      const answers = await Promise.all(asks.map((q) => env.client(q.token).post(leasePath(h),
        { roomTypeId: h.roomTypeId, from: q.from, to: q.to, rooms: q.rooms, ttlSeconds: 600 })));
      const granted = [];
      for (const [i, r] of answers.entries()) {
        if (r.status === 201) granted.push(asks[i]);
        else assert.deepEqual([r.status, r.json?.error?.code, r.json?.error?.details?.reason], [409, 'LEASE_REFUSED', 'sold_out'], r.text);
      }
      assert.ok(granted.length > 10 && granted.length < 200, `some granted, some refused (${granted.length})`);
      const inv = await checkInventory(h);
      for (const date of h.dates.slice(0, 4)) {
        const sum = granted.filter((g) => g.from <= date && date < g.to).reduce((n, g) => n + g.rooms, 0);
        assert.ok(sum <= 30, `${date}: ${sum} leased > 30`);
        assert.equal(inv.get(date).leased, sum, `${date}: the store holds exactly the granted units`);
        assert.equal(inv.get(date).available, 30 - sum);
      }
    });

    it("another token's lease is invisible: 404 UNKNOWN_LEASE, not listed, not usable in a push", LIMIT, async () => {
      const h = await env.hotel({ rooms: 2, nights: 2 });
      const mine = env.client(await env.token(h.hotelId, 'book', 41));
      const theirs = env.client(await env.token(h.hotelId, 'book', 42));
      const lease = (await mine.post(leasePath(h), { roomTypeId: h.roomTypeId, from: h.dates[0], to: h.dates[1], rooms: 2, ttlSeconds: 600 })).json.lease;
      for (const r of [await theirs.get(leasePath(h, `/${lease.id}`)), await theirs.post(leasePath(h, `/${lease.id}/release`)),
        await theirs.post(leasePath(h, `/${lease.id}/renew`), { ttlSeconds: 60 }), await theirs.post(leasePath(h, `/${lease.id}/shrink`), { rooms: 0 })]) {
        assert.deepEqual([r.status, r.json.error.code], [404, 'UNKNOWN_LEASE']);
        assert.ok(!r.text.includes(h.dates[0]), 'nothing of the lease leaks');
      }
      assert.deepEqual((await theirs.get(leasePath(h))).json.leases, []);
      assert.equal((await mine.get(leasePath(h))).json.leases.length, 1);
      const push = await theirs.post(`/v1/hotels/${h.hotelId}/mutations`, { clientId: 'thief', mutations: [
        booking(1, 'thief-1', { userId: 42, roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1], leaseId: lease.id }),
      ] });
      assert.deepEqual([push.json.results[0].status, push.json.results[0].reason], ['rejected', 'sold_out']);
      assert.equal((await checkInventory(h)).get(h.dates[0]).leased, 2, 'the lease kept its units');
      // Other hotels' tokens get 403 as on every hotel route; read tokens cannot lease.
      const reader = env.client(await env.token(h.hotelId, 'read'));
      assert.equal((await reader.get(leasePath(h))).status, 403);
    });

    it('bad input is refused with 400 INVALID_LEASE naming the field; the server keeps granting', LIMIT, async () => {
      const h = await env.hotel({ rooms: 2, nights: 2 });
      const other = await env.hotel({ rooms: 2, nights: 2, name: 'Other' });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const good = { roomTypeId: h.roomTypeId, from: h.dates[0], to: h.dates[1], rooms: 1, ttlSeconds: 60 };
      const cases = [
        [{ rooms: 0 }, 'rooms'], [{ rooms: -1 }, 'rooms'], [{ rooms: 1e12 }, 'rooms'], [{ rooms: '1' }, 'rooms'],
        [{ from: addDays(today(), -3), to: addDays(today(), -1) }, 'from'], [{ from: '2026-02-30' }, 'from'],
        [{ to: h.dates[0] }, 'to'], [{ to: addDays(h.dates[0], 400) }, 'to'], [{ roomTypeId: 99999999 }, 'roomTypeId'],
        [{ roomTypeId: other.roomTypeId }, 'roomTypeId'], [{ ttlSeconds: 0 }, 'ttlSeconds'], [{ ttlSeconds: 1e15 }, 'ttlSeconds'],
        [{ ttlSeconds: undefined }, 'ttlSeconds'], [{ idempotencyKey: '' }, 'idempotencyKey'],
      ];
      for (const [change, field] of cases) {
        const r = await api.post(leasePath(h), { ...good, ...change });
        assert.equal(r.status, 400, `${JSON.stringify(change)}: ${r.text}`);
        assert.equal(r.json.error.code, 'INVALID_LEASE');
        assert.ok(r.json.error.message.startsWith(`${field}:`), r.json.error.message);
      }
      for (const [status, r] of [[400, await api.post(leasePath(h), [1, 2])], [404, await api.post(leasePath(h, '/abc/renew'), {})],
        [400, await api.post(leasePath(h, '/1/renew'), { ttlSeconds: -5 })], [404, await api.post(leasePath(h, '/999999/release'))]]) {
        assert.equal(r.status, status, r.text);
        assert.ok(r.json?.error?.code);
      }
      const unknownRange = await api.post(leasePath(h), { ...good, from: addDays(h.dates[1], 5), to: addDays(h.dates[1], 6) });
      assert.deepEqual([unknownRange.status, unknownRange.json.error.details.reason], [409, 'no_inventory']);
      assert.equal((await checkInventory(h)).get(h.dates[0]).available, 2, 'nothing was taken');
      const ok = await api.post(leasePath(h), { ...good, rooms: 2 });
      assert.equal(ok.status, 201, ok.text);
      const full = await api.post(leasePath(h), good);
      assert.deepEqual([full.status, full.json.error.details.reason], [409, 'sold_out']);
    });
  });
}

// Without the sweep (an hour apart here), expiry still happens lazily: at the next lease
// call of the hotel, and at a push naming the expired lease, before the booking is judged.
for (const kind of STORES) {
  describe(`leases, lazy expiry (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind, { serverArgs: ['--hold-sweep', '3600'] });
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const available = async (h, date) => Number((await env.query(
      `SELECT available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} AND date = '${date}'`))[0].available);

    it('a push naming an expired lease gives its units back first, then books the normal way; a lease call expires the rest', LIMIT, async () => {
      const h = await env.hotel({ rooms: 1, nights: 2 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const grant = (date) => api.post(`/v1/hotels/${h.hotelId}/leases`, { roomTypeId: h.roomTypeId, from: date, to: addDays(date, 1), rooms: 1, ttlSeconds: 1 });
      const [a, b] = [(await grant(h.dates[0])).json.lease, (await grant(h.dates[1])).json.lease];
      assert.deepEqual([await available(h, h.dates[0]), await available(h, h.dates[1])], [0, 0]);
      await sleep(1300);
      assert.deepEqual([await available(h, h.dates[0]), await available(h, h.dates[1])], [0, 0], 'no sweep ran');
      const push = await api.post(`/v1/hotels/${h.hotelId}/mutations`, { clientId: 'lazy', mutations: [
        booking(1, 'lazy-1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1], leaseId: a.id }),
      ] });
      assert.equal(push.json.results[0].status, 'applied', push.text);
      assert.equal(push.json.results[0].booking.leaseId, undefined, 'booked from general inventory');
      assert.equal(await available(h, h.dates[0]), 0, 'the returned unit went to the booking');
      assert.equal((await api.get(`/v1/hotels/${h.hotelId}/leases/${a.id}`)).json.lease.status, 'EXPIRED');
      // The list call expired lease b on its way.
      assert.deepEqual((await api.get(`/v1/hotels/${h.hotelId}/leases`)).json.leases, []);
      assert.equal(await available(h, h.dates[1]), 1);
      assert.equal((await api.get(`/v1/hotels/${h.hotelId}/leases/${b.id}`)).json.lease.status, 'EXPIRED');
    });
  });
}
