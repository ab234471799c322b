// Holds at the centre: a createBooking with hold: true takes the rooms as HELD until
// confirmHold, a cancel with reason "expired", or the server's own expiry sweep.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORES, storeOptions, useStore, stopPostgres, booking } from './support/stores.mjs';

after(stopPostgres);

for (const kind of STORES) {
  describe(`holds (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind, { serverArgs: ['--hold-sweep', '1'] });
    const available = async (roomTypeId) => (await env.query(
      `SELECT available FROM room_inventory WHERE room_type_id = ${roomTypeId} ORDER BY date`)).map((r) => Number(r.available));
    const statusOf = async (id) => (await env.query(`SELECT status FROM bookings WHERE id = ${id}`))[0].status;

    it('a hold takes the rooms; confirmHold (by local id) confirms it; expired-cancel frees them', async () => {
      const h = await env.hotel({ rooms: 3, nights: 2 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const r = await api.post(`/v1/hotels/${h.hotelId}/mutations`, { clientId: 'holder', mutations: [
        booking(1, 'h1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.to, localId: -1, hold: true }),
        booking(2, 'h2', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.to, localId: -2, hold: true, holdExpiresAt: Date.now() + 600000 }),
        { seq: 3, type: 'confirmHold', idempotencyKey: 'h1:confirm', args: { bookingId: -1, localId: -1 } },
      ] });
      const [held, held2, confirmed] = r.json.results;
      assert.equal(held.booking.status, 'HELD');
      assert.ok(held.booking.holdExpiresAt > Date.now() && held.booking.holdExpiresAt <= Date.now() + 900 * 1000);
      assert.ok(held2.booking.holdExpiresAt <= Date.now() + 600000, "the edge's earlier expiry wins");
      assert.equal(confirmed.status, 'applied');
      assert.equal(confirmed.booking.status, 'CONFIRMED');
      assert.equal(confirmed.booking.id, held.booking.id);
      assert.deepEqual(await available(h.roomTypeId), [1, 1]);
      const c = await api.post(`/v1/hotels/${h.hotelId}/mutations`, { clientId: 'holder', mutations: [
        { seq: 4, type: 'cancelBooking', idempotencyKey: 'h2:expire', args: { bookingId: held2.booking.id, reason: 'expired' } },
      ] });
      assert.equal(c.json.results[0].booking.status, 'EXPIRED');
      assert.deepEqual(await available(h.roomTypeId), [2, 2]);
    });

    it('an unconfirmed hold expires on the server: rooms back, EXPIRED in the log, confirmHold rejected', async () => {
      const h = await env.hotel({ rooms: 2, nights: 2 });
      await env.admin.put(`/v1/hotels/${h.hotelId}/rules`, { hold_ttl_seconds: 1 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const first = await env.admin.get(`/v1/hotels/${h.hotelId}/changes`);
      const r = await api.post(`/v1/hotels/${h.hotelId}/mutations`, { clientId: 'sleepy', mutations: [
        booking(1, 's1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.to, rooms: 2, guests: 2, localId: -1, hold: true }),
      ] });
      const id = r.json.results[0].booking.id;
      assert.deepEqual(await available(h.roomTypeId), [0, 0]);
      const deadline = Date.now() + 10000;
      while ((await statusOf(id)) !== 'EXPIRED' && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
      assert.equal(await statusOf(id), 'EXPIRED');
      assert.deepEqual(await available(h.roomTypeId), [2, 2]);
      const log = await env.admin.get(`/v1/hotels/${h.hotelId}/changes?since=${first.json.cursor}`);
      const bookingRows = log.json.changes.filter((ch) => ch.table === 'bookings').map((ch) => ch.row.status);
      assert.deepEqual(bookingRows, ['HELD', 'EXPIRED']);
      const late = await api.post(`/v1/hotels/${h.hotelId}/mutations`, { clientId: 'sleepy', mutations: [
        { seq: 2, type: 'confirmHold', idempotencyKey: 's1:confirm', args: { bookingId: -1 } },
      ] });
      assert.equal(late.json.results[0].reason, 'hold_expired');
    });
  });
}
