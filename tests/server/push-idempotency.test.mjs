// Exactly-once pushes: replays, duplicates, lost responses, gaps, business keys.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORES, storeOptions, useStore, stopPostgres, booking, addDays } from './support/stores.mjs';
import { client } from './support/http.mjs';
import { startLossyProxy } from './support/proxy.mjs';

after(stopPostgres);

for (const kind of STORES) {
  describe(`push exactly once (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind);
    const push = (api, hotelId, clientId, mutations) =>
      api.post(`/v1/hotels/${hotelId}/mutations`, { format: 'edgestay.push/1', clientId, mutations });
    const countBookings = async (hotelId) =>
      Number((await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${hotelId}`))[0].n);

    it('the same batch pushed 10x sequentially and 10x concurrently makes 1 booking', async () => {
      const h = await env.hotel({ rooms: 5, nights: 3 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const batch = [booking(1, 'dup-1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[2], rooms: 2, guests: 2 })];
      const seqResults = [];
      for (let i = 0; i < 10; i++) {
        const r = await push(api, h.hotelId, 'dup-client', batch);
        assert.equal(r.status, 200, r.text);
        seqResults.push(r.json.results[0]);
      }
      const conc = await Promise.all(Array.from({ length: 10 }, () => push(api, h.hotelId, 'dup-client', batch)));
      assert.ok(conc.every((r) => r.status === 200));
      const all = [...seqResults, ...conc.map((r) => r.json.results[0])];
      assert.ok(all.every((r) => r.status === 'applied'));
      assert.equal(new Set(all.map((r) => r.booking.id)).size, 1, 'one booking id everywhere');
      assert.deepEqual(all[19], all[0], 'a replay returns the recorded result');
      assert.equal(await countBookings(h.hotelId), 1);
      const inv = await env.query(`SELECT available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
      assert.deepEqual(inv.map((r) => Number(r.available)), [3, 3, 5], 'rooms taken once');
    });

    it('a fresh client racing 10x with the same new batch still makes 1 booking', async () => {
      const h = await env.hotel({ rooms: 5, nights: 2 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const batch = [booking(1, 'race-1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })];
      const rs = await Promise.all(Array.from({ length: 10 }, () => push(api, h.hotelId, 'race-client', batch)));
      assert.ok(rs.every((r) => r.status === 200), rs.map((r) => r.text).join('\n'));
      assert.equal(new Set(rs.map((r) => r.json.results[0].booking.id)).size, 1);
      assert.equal(await countBookings(h.hotelId), 1);
    });

    it('lost response: the retry after a dropped response returns the same booking, no duplicate, nothing lost', async () => {
      const h = await env.hotel({ rooms: 5, nights: 2 });
      const token = await env.token(h.hotelId, 'book');
      const proxy = await startLossyProxy(env.url);
      try {
        const api = client(proxy.url, token);
        const batch = [
          booking(1, 'lost-1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] }),
          booking(2, 'lost-2', { roomTypeId: h.roomTypeId, checkIn: h.dates[1], checkOut: h.to }),
        ];
        proxy.state.dropResponses = 1;
        await assert.rejects(push(api, h.hotelId, 'lossy-kiosk', batch), 'the first response is lost');
        assert.equal(proxy.state.dropped, 1);
        assert.equal(await countBookings(h.hotelId), 2, 'the server committed before the response was lost');
        const retry = await push(api, h.hotelId, 'lossy-kiosk', batch);
        assert.equal(retry.status, 200);
        assert.deepEqual(retry.json.results.map((r) => r.status), ['applied', 'applied']);
        const stored = await env.query(`SELECT id, idempotency_key FROM bookings WHERE hotel_id = ${h.hotelId} ORDER BY id`);
        assert.equal(stored.length, 2, '0 duplicates, 0 lost');
        assert.deepEqual(retry.json.results.map((r) => r.booking.id), stored.map((r) => Number(r.id)), 'same booking ids');
        assert.equal(retry.json.nextSeq, 3);
      } finally {
        await proxy.close();
      }
    });

    it('the same idempotencyKey from another client returns the original booking', async () => {
      const h = await env.hotel({ rooms: 5, nights: 2 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const args = { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1], userId: 9 };
      const a = await push(api, h.hotelId, 'kiosk-a', [booking(1, 'biz-key-1', args)]);
      const b = await push(api, h.hotelId, 'kiosk-b', [booking(1, 'biz-key-1', args)]);
      assert.equal(a.json.results[0].status, 'applied');
      assert.equal(b.json.results[0].status, 'applied');
      assert.equal(b.json.results[0].booking.id, a.json.results[0].booking.id);
      assert.equal(await countBookings(h.hotelId), 1);
      const inv = await env.query(`SELECT available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} AND date = '${h.dates[0]}'`);
      assert.equal(Number(inv[0].available), 4);
    });

    it('a gap stops the batch at the gap; the client resumes from nextSeq', async () => {
      const h = await env.hotel({ rooms: 4, nights: 3 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const m = (seq) => booking(seq, `gap-${seq}`, { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] });
      const r1 = await push(api, h.hotelId, 'gappy', [m(1), m(2), m(4), m(5)]);
      assert.deepEqual(r1.json.results.map((r) => r.seq), [1, 2]);
      assert.equal(r1.json.nextSeq, 3);
      assert.equal(await countBookings(h.hotelId), 2);
      const r2 = await push(api, h.hotelId, 'gappy', [m(3), m(4), m(5)]);
      assert.deepEqual(r2.json.results.map((r) => [r.seq, r.status]), [[3, 'applied'], [4, 'applied'], [5, 'rejected']]);
      assert.equal(r2.json.results[2].reason, 'sold_out');
      assert.equal(r2.json.nextSeq, 6);
      const fresh = await push(api, h.hotelId, 'gappy-2', [m(2)]);
      assert.deepEqual(fresh.json.results, [], 'a new client must start at seq 1');
      assert.equal(fresh.json.nextSeq, 1);
    });

    it('a rejection never blocks the rest of the batch, and is replayed as recorded', async () => {
      const h = await env.hotel({ rooms: 1, nights: 3 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const batch = [
        booking(1, 'rb-1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] }),
        booking(2, 'rb-2', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[2] }),  // night 0 is gone
        booking(3, 'rb-3', { roomTypeId: h.roomTypeId, checkIn: addDays(h.to, 5), checkOut: addDays(h.to, 6) }),
        booking(4, 'rb-4', { roomTypeId: 999999, checkIn: h.dates[1], checkOut: h.dates[2] }),
        { seq: 5, type: 'teleport', idempotencyKey: 'rb-5', args: {} },
        booking(6, 'rb-6', { roomTypeId: h.roomTypeId, checkIn: h.dates[1], checkOut: h.to }),
      ];
      const r = await push(api, h.hotelId, 'rejections', batch);
      assert.deepEqual(r.json.results.map((x) => x.reason ?? x.status),
        ['applied', 'sold_out', 'no_inventory', 'invalid', 'invalid', 'applied']);
      const again = await push(api, h.hotelId, 'rejections', batch);
      assert.deepEqual(again.json.results, r.json.results);
      assert.equal(await countBookings(h.hotelId), 2);
    });

    it('cancelBooking by local id frees the rooms; a second cancel is a no-op', async () => {
      const h = await env.hotel({ rooms: 2, nights: 3 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const r = await push(api, h.hotelId, 'canceller', [
        booking(1, 'c-1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[2], rooms: 2, guests: 2, localId: -7 }),
        { seq: 2, type: 'cancelBooking', idempotencyKey: 'c-2', args: { bookingId: -7 } },
        { seq: 3, type: 'cancelBooking', idempotencyKey: 'c-3', args: { bookingId: -7 } },
        { seq: 4, type: 'cancelBooking', idempotencyKey: 'c-4', args: { bookingId: 987654 } },
      ]);
      assert.deepEqual(r.json.results.map((x) => x.reason ?? x.status), ['applied', 'applied', 'applied', 'unknown_booking']);
      assert.equal(r.json.results[1].booking.status, 'CANCELLED');
      assert.equal(r.json.results[1].booking.id, r.json.results[0].booking.id);
      const inv = await env.query(`SELECT available, total FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
      assert.ok(inv.every((x) => Number(x.available) === Number(x.total)));
    });

    it('prices a stay: nightly price x special-day multiplier (rounded) x rooms', async () => {
      const h = await env.hotel({ rooms: 3, nights: 3, priceCents: 10001 });
      await env.admin.put(`/v1/hotels/${h.hotelId}/special-days`, { date: h.dates[1], kind: 'event', priceMultiplierPct: 150 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const r = await push(api, h.hotelId, 'pricer', [
        booking(1, 'p-1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[2], rooms: 2, guests: 2 }),
      ]);
      // floor((10001*100+50)/100) + floor((10001*150+50)/100) = 10001 + 15002, x 2 rooms
      assert.equal(r.json.results[0].booking.totalCents, (10001 + 15002) * 2);
    });
  });
}
