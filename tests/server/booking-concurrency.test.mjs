// No overbooking, enforced by the database, under real concurrency (SQLite and PostgreSQL).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORES, storeOptions, useStore, stopPostgres, booking, addDays } from './support/stores.mjs';
import { mulberry32 } from '../../scripts/lib/rng.mjs';

after(stopPostgres);

// Deterministic PRNG (mulberry32) so a failure can be replayed.
const rng = mulberry32;

for (const kind of STORES) {
  describe(`booking concurrency (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind);

    it('200 concurrent clients booking the last room: exactly 1 applied, 199 sold_out, 0 errors', async () => {
      const h = await env.hotel({ rooms: 1, nights: 1 });
      const token = await env.token(h.hotelId, 'book');
      const api = env.client(token);
      const night = h.dates[0];
      const responses = await Promise.all(Array.from({ length: 200 }, (_, i) =>
        api.post(`/v1/hotels/${h.hotelId}/mutations`, {
          format: 'edgestay.push/1',
          clientId: `last-room-${i}`,
          mutations: [booking(1, `last-room-${i}`, {
            roomTypeId: h.roomTypeId, userId: 1000 + i, checkIn: night, checkOut: addDays(night, 1),
          })],
        })));
      const statuses = responses.map((r) => r.status);
      assert.deepEqual(statuses.filter((s) => s !== 200), [], 'every push answered 200');
      const results = responses.map((r) => r.json.results[0]);
      const applied = results.filter((r) => r.status === 'applied');
      const rejected = results.filter((r) => r.status === 'rejected');
      assert.equal(applied.length, 1);
      assert.equal(rejected.length, 199);
      assert.ok(rejected.every((r) => r.reason === 'sold_out'), 'every rejection is sold_out');
      assert.ok(env.server.alive());

      const negative = await env.query('SELECT count(*) AS n FROM room_inventory WHERE available < 0');
      assert.equal(Number(negative[0].n), 0, 'no night below 0 in the store');
      const inv = await env.query(`SELECT available, total FROM room_inventory WHERE room_type_id = ${h.roomTypeId}`);
      assert.equal(Number(inv[0].available), 0);
      const bookings = await env.query(`SELECT id, status FROM bookings WHERE hotel_id = ${h.hotelId}`);
      assert.equal(bookings.length, 1);
      assert.equal(Number(bookings[0].id), applied[0].booking.id);
      assert.equal(bookings[0].status, 'CONFIRMED');
    });

    it('100 concurrent 1-7 night pushes on a 5-room type over 14 nights: no overbooking, no partial booking', async () => {
      const h = await env.hotel({ rooms: 5, nights: 14 });
      const token = await env.token(h.hotelId, 'book');
      const api = env.client(token);
      const rand = rng(kind === 'sqlite' ? 7 : 11);
      const stays = Array.from({ length: 100 }, (_, i) => {
        const nights = 1 + Math.floor(rand() * 7);
        const start = Math.floor(rand() * (14 - nights + 1));
        const rooms = 1 + Math.floor(rand() * 2);
        return { i, start, nights, rooms, checkIn: h.dates[start], checkOut: addDays(h.dates[start], nights) };
      });
      const responses = await Promise.all(stays.map((s) =>
        api.post(`/v1/hotels/${h.hotelId}/mutations`, {
          clientId: `multi-${s.i}`,
          mutations: [booking(1, `multi-${s.i}`, {
            roomTypeId: h.roomTypeId, userId: 2000 + s.i, rooms: s.rooms, guests: s.rooms,
            checkIn: s.checkIn, checkOut: s.checkOut,
          })],
        })));
      assert.deepEqual(responses.filter((r) => r.status !== 200).map((r) => r.text), []);
      const results = responses.map((r) => r.json.results[0]);
      const appliedStays = stays.filter((_, k) => results[k].status === 'applied');
      assert.ok(appliedStays.length > 0, 'some bookings applied');
      assert.ok(results.filter((r) => r.status === 'rejected').every((r) => r.reason === 'sold_out'));

      const inv = await env.query(`SELECT date, total, available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
      assert.equal(inv.length, 14);
      const bookings = await env.query(`SELECT start_date, end_date, rooms FROM bookings WHERE hotel_id = ${h.hotelId} AND status = 'CONFIRMED'`);
      assert.equal(bookings.length, appliedStays.length, 'one booking per applied push');
      for (const row of inv) {
        const date = String(row.date).slice(0, 10);
        assert.ok(Number(row.available) >= 0, `${date} overbooked`);
        const sold = Number(row.total) - Number(row.available);
        const fromStore = bookings.filter((b) => String(b.start_date).slice(0, 10) <= date && date < String(b.end_date).slice(0, 10))
          .reduce((n, b) => n + Number(b.rooms), 0);
        const fromResults = appliedStays.filter((s) => s.checkIn <= date && date < s.checkOut)
          .reduce((n, s) => n + s.rooms, 0);
        assert.equal(sold, fromStore, `${date}: total - available = rooms of bookings covering it`);
        assert.equal(sold, fromResults, `${date}: total - available = rooms of applied pushes covering it`);
      }
    });
  });
}
