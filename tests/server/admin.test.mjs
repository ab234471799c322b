// Admin ARI: hotels, room types, inventory totals, prices, restrictions, rules and
// special days; each call is one transaction and shows up in the change log.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORES, storeOptions, useStore, stopPostgres, booking } from './support/stores.mjs';
import { request } from './support/http.mjs';

after(stopPostgres);

for (const kind of STORES) {
  describe(`admin ARI (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind);
    const changesSince = async (hotelId, since) =>
      (await request(env.url, { path: `/v1/hotels/${hotelId}/changes?since=${since}`, token: env.adminToken })).json;

    it('creates hotels and room types and updates them; each write is a change', async () => {
      const h = await env.admin.post('/v1/hotels', { name: 'Harbour', timeZone: 'Europe/Lisbon', currency: 'EUR', utcOffsetMinutes: 60 });
      assert.equal(h.status, 201);
      assert.deepEqual(h.json.hotel, { id: h.json.hotel.id, name: 'Harbour', timeZone: 'Europe/Lisbon', currency: 'EUR', utcOffsetMinutes: 60 });
      const id = h.json.hotel.id;
      const rt = await env.admin.post(`/v1/hotels/${id}/room-types`, { name: 'Twin', basePriceCents: 8000, totalRooms: 12, capacityAdults: 2, capacityChildren: 1 });
      assert.equal(rt.status, 201);
      const patch = await env.admin.patch(`/v1/hotels/${id}/room-types/${rt.json.roomType.id}`, { name: 'Twin Deluxe' });
      assert.equal(patch.json.roomType.name, 'Twin Deluxe');
      assert.equal(patch.json.roomType.totalRooms, 12);
      const hp = await env.admin.patch(`/v1/hotels/${id}`, { utcOffsetMinutes: 0 });
      assert.equal(hp.json.hotel.utcOffsetMinutes, 0);
      const b = await changesSince(id, h.json.cursor);
      const flat = b.changes.flatMap((c) => (c.rows ? c.rows.map((v) => Object.fromEntries(c.columns.map((k, i) => [k, v[i]]))) : [c.row])
        .map((row) => [c.table, row.name ?? row.utc_offset_minutes]));
      assert.deepEqual(flat, [['room_types', 'Twin'], ['room_types', 'Twin Deluxe'], ['hotels', 'Harbour']]);
      assert.equal(b.cursor, hp.json.cursor);
      const other = await env.admin.patch(`/v1/hotels/${id}/room-types/999999`, { name: 'x' });
      assert.equal(other.status, 404);
    });

    it('sets totals, prices and restrictions for date ranges; totals keep sold rooms sold', async () => {
      const h = await env.hotel({ rooms: 5, nights: 7, priceCents: 10000 });
      const book = await env.token(h.hotelId, 'book');
      const r = await request(env.url, { method: 'POST', path: `/v1/hotels/${h.hotelId}/mutations`, token: book,
        body: { clientId: 'k', mutations: [booking(1, 'a', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[2], rooms: 3, guests: 3 })] } });
      assert.equal(r.json.results[0].status, 'applied');
      const before = (await env.admin.put(`/v1/hotels/${h.hotelId}/rules`, { max_nights: 14 })).json.cursor;
      const set = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { updates: [
        { roomTypeId: h.roomTypeId, from: h.dates[0], to: h.dates[4], total: 8 },
        { roomTypeId: h.roomTypeId, from: h.dates[0], to: h.to, weekdays: [0, 6], priceCents: 15000 },
        { roomTypeId: h.roomTypeId, from: h.dates[5], closedToArrival: true, minStay: 2, maxStay: 5 },
      ] });
      assert.equal(set.status, 200, set.text);
      const inv = await env.query(`SELECT date, total, available, price_cents, closed_to_arrival, min_stay, max_stay FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
      const byDate = Object.fromEntries(inv.map((x) => [String(x.date).slice(0, 10), x]));
      assert.equal(Number(byDate[h.dates[0]].total), 8);
      assert.equal(Number(byDate[h.dates[0]].available), 5, '3 sold stay sold');
      assert.equal(Number(byDate[h.dates[3]].available), 8);
      assert.equal(Number(byDate[h.dates[4]].total), 5, 'outside the range');
      for (const d of h.dates) {
        const weekend = [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay());
        assert.equal(Number(byDate[d].price_cents), weekend ? 15000 : 10000, d);
      }
      assert.equal(Number(byDate[h.dates[5]].closed_to_arrival), 1);
      assert.equal(Number(byDate[h.dates[5]].min_stay), 2);
      const b = await changesSince(h.hotelId, before);
      const rows = b.changes.filter((c) => c.table === 'room_inventory').flatMap((c) => c.rows ?? [Object.values(c.row)]);
      assert.ok(rows.length >= 5, 'inventory changes logged');
      assert.equal(b.cursor, set.json.cursor);
      // Lowering a total below what is sold is refused, all or nothing.
      const conflict = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { updates: [
        { roomTypeId: h.roomTypeId, from: h.dates[3], to: h.to, priceCents: 1 },
        { roomTypeId: h.roomTypeId, from: h.dates[0], total: 2 },
      ] });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.json.error.code, 'INVENTORY_CONFLICT');
      const unchanged = await env.query(`SELECT price_cents FROM room_inventory WHERE room_type_id = ${h.roomTypeId} AND date = '${h.dates[3]}'`);
      assert.notEqual(Number(unchanged[0].price_cents), 1, 'the whole request rolled back');
      // Inventory for a room type of another hotel is refused.
      const other = await env.hotel({ nights: 1 });
      const cross = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: other.roomTypeId, from: h.dates[0], total: 1 });
      assert.equal(cross.status, 404);
    });

    it('stop-sell, rules and special days change what a push may book', async () => {
      const h = await env.hotel({ rooms: 3, nights: 6 });
      const book = await env.token(h.hotelId, 'book');
      let seq = 0;
      const tryBook = async (checkIn, checkOut, rooms = 1) => (await request(env.url, {
        method: 'POST', path: `/v1/hotels/${h.hotelId}/mutations`, token: book,
        body: { clientId: 'rules', mutations: [booking(++seq, `r${seq}`, { roomTypeId: h.roomTypeId, checkIn, checkOut, rooms, guests: rooms })] },
      })).json.results[0];
      await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[1], stopSell: true });
      assert.equal((await tryBook(h.dates[0], h.dates[2])).reason, 'stop_sell');
      await env.admin.put(`/v1/hotels/${h.hotelId}/special-days`, { date: h.dates[3], kind: 'blackout' });
      assert.equal((await tryBook(h.dates[3], h.dates[4])).reason, 'stop_sell');
      await env.admin.put(`/v1/hotels/${h.hotelId}/rules`, { max_rooms_per_booking: 1, maxNights: 3 });
      assert.equal((await tryBook(h.dates[4], h.dates[5], 2)).reason, 'max_rooms');
      assert.equal((await tryBook(h.dates[4], h.to)).status, 'applied');
      await env.admin.put(`/v1/hotels/${h.hotelId}/rules`, { min_lead_days: 400 });
      assert.equal((await tryBook(h.dates[4], h.dates[5])).reason, 'lead_time');
      await env.admin.put(`/v1/hotels/${h.hotelId}/rules`, { min_lead_days: null });
      await env.admin.put(`/v1/hotels/${h.hotelId}/special-days`, { date: h.dates[4], kind: 'event', minStay: 2 });
      await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[5], closedToDeparture: true });
      assert.equal((await tryBook(h.dates[4], h.dates[5])).reason, 'closed_to_departure', 'checked before min_stay');
      await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: h.roomTypeId, from: h.dates[5], closedToDeparture: false });
      assert.equal((await tryBook(h.dates[4], h.dates[5])).reason, 'min_stay', 'the special day overrides min_stay');
      await env.admin.del(`/v1/hotels/${h.hotelId}/special-days?from=${h.dates[4]}`);
      assert.equal((await tryBook(h.dates[4], h.dates[5])).status, 'applied');
      const rules = await env.query(`SELECT key, value FROM booking_rules WHERE hotel_id = ${h.hotelId} ORDER BY key`);
      assert.deepEqual(rules.map((r) => [r.key, Number(r.value)]), [['max_nights', 3], ['max_rooms_per_booking', 1]]);
    });
  });
}
