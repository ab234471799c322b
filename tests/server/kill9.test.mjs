// kill -9 durability (issue 8): the server is SIGKILLed while clients push bookings, then
// restarted on the same store. Every acknowledged booking must be there, no booking may
// exist without its inventory decrement (or the reverse), every booking's change-log rows
// must be there, the change log must be gap-free, and a client retrying its unanswered
// push after the restart gets exactly one booking. Both stores; sqlite with fsync on.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORES, storeOptions, createStore, createHotel, stopPostgres, booking, addDays } from './support/stores.mjs';
import { client } from './support/http.mjs';
import { createToken, startServer } from './support/server.mjs';
import { mulberry32 } from '../../scripts/lib/rng.mjs';

after(stopPostgres);

const CLIENTS = 12;
const NIGHTS = 10;
const ROOMS = 40;

for (const kind of STORES) {
  describe(`kill -9 under pushing clients (${kind})`, storeOptions(kind), () => {
    let store;
    after(() => store?.close());

    it('every acknowledged booking survives; no half booking; gap-free log; retries apply once', { timeout: 120000 }, async () => {
      store = await createStore(kind);
      const admin = await createToken(store.spec, { hotel: '*', scope: 'admin' });
      let server = await startServer(store.spec);
      const { hotelId, roomTypeId, from } = await createHotel(client(server.url, admin), { name: 'Kill', rooms: ROOMS, nights: NIGHTS, priceCents: 100 });
      const token = await createToken(store.spec, { hotel: hotelId, scope: 'book' });

      // Each client pushes one booking per request, seq 1, 2, …, until the server dies.
      const rand = mulberry32(kind === 'sqlite' ? 91 : 92);
      const acked = [];        // { clientId, seq, key, result }
      const inFlight = new Map();  // clientId -> the mutation whose answer was lost
      let killed = false;
      const push = (url, clientId, m) => client(url, token).post(`/v1/hotels/${hotelId}/mutations`, { clientId, mutations: [m] }, { timeoutMs: 10000 });
      const runClient = async (c) => {
        const clientId = `k9-${kind}-${c}`;
        for (let seq = 1; !killed || seq === 1; ++seq) {
          const nights = 1 + Math.floor(rand() * 3);
          const start = Math.floor(rand() * (NIGHTS - nights + 1));
          const m = booking(seq, `${clientId}-${seq}`, { roomTypeId, userId: 100 + c, checkIn: addDays(from, start), checkOut: addDays(from, start + nights) });
          inFlight.set(clientId, m);
          let r;
          try {
            r = await push(server.url, clientId, m);
          } catch {
            return;  // the connection died with the server: this answer is lost
          }
          if (r.status !== 200) return;
          inFlight.delete(clientId);
          acked.push({ clientId, seq, key: m.idempotencyKey, result: r.json.results[0] });
        }
      };
      const clients = Array.from({ length: CLIENTS }, (_, c) => runClient(c));
      await new Promise((r) => setTimeout(r, 1500));
      killed = true;
      server.proc.kill('SIGKILL');
      await Promise.all(clients);
      assert.ok(acked.length >= CLIENTS, `clients got answers before the kill (${acked.length})`);
      assert.ok(acked.some((a) => a.result.status === 'applied'), 'some bookings applied before the kill');

      server = await startServer(store.spec);
      try {
        // Every acknowledged booking is there, as acknowledged.
        const rows = await store.query(`SELECT id, status, start_date, end_date, rooms, idempotency_key FROM bookings WHERE hotel_id = ${hotelId}`);
        const byId = new Map(rows.map((b) => [Number(b.id), b]));
        for (const a of acked.filter((x) => x.result.status === 'applied')) {
          const b = byId.get(a.result.booking.id);
          assert.ok(b, `acknowledged booking ${a.result.booking.id} (${a.key}) survived`);
          assert.equal(b.idempotency_key, a.key);
          assert.equal(b.status, 'CONFIRMED');
        }
        // No half booking: every night's sold rooms are exactly the confirmed bookings'.
        const inv = await store.query(`SELECT date, total, available FROM room_inventory WHERE room_type_id = ${roomTypeId} ORDER BY date`);
        assert.equal(inv.length, NIGHTS);
        const confirmed = rows.filter((b) => b.status === 'CONFIRMED');
        for (const night of inv) {
          const date = String(night.date).slice(0, 10);
          const sold = confirmed.filter((b) => String(b.start_date).slice(0, 10) <= date && date < String(b.end_date).slice(0, 10))
            .reduce((n, b) => n + Number(b.rooms), 0);
          assert.equal(Number(night.total) - Number(night.available), sold, `${date}: inventory matches the bookings`);
        }
        // The change log is gap-free (1..last_seq) and holds every booking's row.
        const seqs = (await store.query(`SELECT seq FROM change_log WHERE hotel_id = ${hotelId} ORDER BY seq`)).map((r) => Number(r.seq));
        const last = Number((await store.query(`SELECT last_seq FROM change_seq WHERE hotel_id = ${hotelId}`))[0].last_seq);
        assert.equal(seqs.length, last, 'as many log rows as sequence numbers');
        seqs.forEach((s, i) => assert.equal(s, i + 1, 'gap-free'));
        const logged = new Set();
        for (const r of await store.query(`SELECT data FROM change_log WHERE hotel_id = ${hotelId} AND tbl = 'bookings'`)) {
          const d = JSON.parse(r.data);
          logged.add(Number(d.id ?? d.row?.id ?? d[0]));
        }
        for (const b of confirmed) assert.ok(logged.has(Number(b.id)), `booking ${b.id} is in the change log`);

        // A client retrying its unanswered push gets one booking, not two.
        for (const [clientId, m] of inFlight) {
          const r = await push(server.url, clientId, m);
          assert.equal(r.status, 200, r.text);
          const n = await store.query(`SELECT count(*) AS n FROM bookings WHERE idempotency_key = '${m.idempotencyKey}'`);
          assert.ok(Number(n[0].n) <= 1, `${m.idempotencyKey}: at most one booking`);
          if (r.json.results[0].status === 'applied') assert.equal(Number(n[0].n), 1);
        }
        // And the restarted server pages through the whole feed.
        let cursor = '0';
        for (let more = true; more;) {
          const page = await client(server.url, token).get(`/v1/hotels/${hotelId}/changes?since=${cursor}&limit=500`);
          assert.equal(page.status, 200, page.text);
          cursor = page.json.cursor;
          more = page.json.hasMore;
        }
        assert.ok(Number(cursor) >= last);
      } finally {
        await server.stop();
      }
    });
  });
}
