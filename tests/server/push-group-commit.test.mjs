// Group commit (the centre applies concurrent pushes of one hotel in one transaction, each
// mutation in its own savepoint): under a burst of concurrent pushes every mutation is
// still applied or rejected on its own, and the store and change log hold exactly the
// applied ones, on SQLite and PostgreSQL.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORES, storeOptions, useStore, stopPostgres, booking, addDays } from './support/stores.mjs';
import { mulberry32 } from '../../scripts/lib/rng.mjs';

after(stopPostgres);

const pushBody = (clientId, mutations) => ({ format: 'edgestay.push/1', clientId, mutations });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls PostgreSQL until `sql` (a count) answers at least 1.
async function until(env, sql) {
  for (let t = 0; t < 200 && Number((await env.query(sql))[0].n) < 1; t++) await sleep(25);
}

// Posts `lead` and then each of `rest` (functions that post one push) so that they form one
// group in that order, and returns their answers. On PostgreSQL the hotel's counter lock is
// held from outside for `seconds`: `lead` waits for it alone (its group is taken before
// the rest come) and the rest queue behind that one leader, 100 ms apart so that arrival
// order is sending order also on a loaded machine. SQLite simply runs them in that order.
async function oneGroupInOrder(env, kind, hotelId, seconds, lead, rest) {
  const hold = kind === 'postgresql'
    ? env.exec(`BEGIN; SELECT last_seq FROM change_seq WHERE hotel_id = ${hotelId} FOR UPDATE; SELECT pg_sleep(${seconds}); COMMIT;`)
    : Promise.resolve();
  if (kind === 'postgresql') await until(env, `SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event = 'PgSleep'`);
  const first = lead();
  if (kind === 'postgresql') await until(env, `SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`);
  const pending = [];
  for (const post of rest) {
    pending.push(post());
    await sleep(100);
  }
  const answers = await Promise.all([first, ...pending]);
  await hold;
  return answers;
}

// The last logged version of each booking row of a hotel: id -> status.
async function loggedBookings(env, hotelId) {
  const rows = await env.query(`SELECT seq, data FROM change_log WHERE hotel_id = ${hotelId} AND tbl = 'bookings' AND op = 'upsert' ORDER BY seq`);
  const last = new Map();
  for (const r of rows) {
    const row = JSON.parse(r.data);
    last.set(Number(row[0]), row[4]);  // FORMAT column order: id first, status fifth
  }
  return last;
}

for (const kind of STORES) {
  describe(`push group commit (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind);

    it('a mutation refused at the commit check in a burst rolls back alone; the burst\'s other bookings stay applied', async () => {
      const h = await env.hotel({ rooms: 50, nights: 6 });
      // Tampered outside the API: night 0's price is above 2^53 - 1, so a booking over it
      // produces a row edges would reject and must be rejected without touching the rest.
      await env.exec(`UPDATE room_inventory SET price_cents = 9007199254741002 WHERE room_type_id = ${h.roomTypeId} AND date = '${h.dates[0]}'`);
      const api = env.client(await env.token(h.hotelId, 'book'));
      const pushes = Array.from({ length: 40 }, (_, i) => {
        const bad = i % 8 === 3;  // 5 of 40 cover the tampered night
        const start = bad ? 0 : 1 + (i % 5);
        return api.post(`/v1/hotels/${h.hotelId}/mutations`, pushBody(`burst-${i}`, [
          booking(1, `burst-${i}-1`, { roomTypeId: h.roomTypeId, checkIn: h.dates[start], checkOut: addDays(h.dates[start], 1) }),
          booking(2, `burst-${i}-2`, { roomTypeId: h.roomTypeId, checkIn: h.dates[1 + (i % 5)], checkOut: addDays(h.dates[1 + (i % 5)], 1) }),
        ]));
      });
      const responses = await Promise.all(pushes);
      const booked = new Map();  // date -> rooms applied
      for (const [i, r] of responses.entries()) {
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.nextSeq, 3, `client ${i} consumed both seqs`);
        const [first, second] = r.json.results;
        if (i % 8 === 3) {
          assert.equal(first.status, 'rejected', JSON.stringify(first));
          assert.equal(first.reason, 'invalid');
        } else {
          assert.equal(first.status, 'applied', JSON.stringify(first));
          booked.set(first.booking.checkIn, (booked.get(first.booking.checkIn) ?? 0) + 1);
        }
        assert.equal(second.status, 'applied', JSON.stringify(second));
        booked.set(second.booking.checkIn, (booked.get(second.booking.checkIn) ?? 0) + 1);
      }
      const inv = await env.query(`SELECT date, available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
      for (const row of inv) {
        const d = String(row.date).slice(0, 10);
        assert.equal(Number(row.available), 50 - (booked.get(d) ?? 0), `available on ${d}`);
      }
      const rows = await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`);
      assert.equal(Number(rows[0].n), 75);
      // The change log carries exactly the applied bookings (nothing of a rolled-back one).
      const log = await env.query(`SELECT count(*) AS n FROM change_log WHERE hotel_id = ${h.hotelId} AND tbl = 'bookings'`);
      assert.equal(Number(log[0].n), 75);
      // Replays answer from the record, in a burst too.
      const again = await Promise.all(Array.from({ length: 40 }, (_, i) => api.post(`/v1/hotels/${h.hotelId}/mutations`,
        pushBody(`burst-${i}`, [booking(1, `burst-${i}-1`, { roomTypeId: h.roomTypeId, checkIn: h.dates[1], checkOut: h.dates[2] })]))));
      for (const [i, r] of again.entries()) assert.deepEqual(r.json.results[0], responses[i].json.results[0]);
      assert.equal(Number((await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`))[0].n), 75);
    });

    it('an outcome record the store refuses fails its own push only: nothing of that mutation is stored or logged, the burst\'s other pushes stay applied', async () => {
      // On PostgreSQL a group's outcome records are sent without waiting for their answers
      // (pipeline mode): a refused one must still cost only its own push, and the change
      // log must not carry the rows of the mutation it rolled back.
      const h = await env.hotel({ rooms: 50, nights: 6 });
      const poison = `poison-${h.hotelId}`;
      await env.exec(kind === 'sqlite'
        ? `CREATE TRIGGER poison_${h.hotelId} BEFORE INSERT ON push_results WHEN NEW.client_id = '${poison}' BEGIN SELECT RAISE(ABORT, 'refused record'); END`
        : `ALTER TABLE push_results ADD CONSTRAINT poison_${h.hotelId} CHECK (client_id <> '${poison}')`);
      try {
        const api = env.client(await env.token(h.hotelId, 'book'));
        const BURSTS = 3, CLIENTS = 24;
        let applied = 0;
        for (let burst = 0; burst < BURSTS; burst++) {
          const responses = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => {
            const client = i === 11 ? poison : `rec-${i}`;
            const seq = i === 11 ? 1 : burst + 1;  // the refused push never consumes its seq
            const night = (i + burst) % 6;
            return api.post(`/v1/hotels/${h.hotelId}/mutations`, pushBody(client, [
              booking(seq, `${client}-${burst}`, { roomTypeId: h.roomTypeId, checkIn: h.dates[night], checkOut: addDays(h.dates[night], 1) }),
            ]));
          }));
          for (const [i, r] of responses.entries()) {
            if (i === 11) {
              assert.equal(r.status, 409, r.text);
              assert.equal(r.json.error.code, 'CONFLICT', r.text);
              continue;
            }
            assert.equal(r.status, 200, r.text);
            assert.equal(r.json.results[0].status, 'applied', r.text);
            applied++;
          }
        }
        const count = async (sql) => Number((await env.query(sql))[0].n);
        assert.equal(await count(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`), applied);
        assert.equal(await count(`SELECT count(*) AS n FROM bookings WHERE client_id = '${poison}'`), 0);
        assert.equal(await count(`SELECT count(*) AS n FROM push_results WHERE hotel_id = ${h.hotelId}`), applied);
        assert.equal(await count(`SELECT count(*) AS n FROM push_clients WHERE client_id = '${poison}'`), 0);
        const inv = await env.query(`SELECT available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
        assert.equal(inv.reduce((sum, row) => sum + 50 - Number(row.available), 0), applied, 'one night taken per applied booking');
        // The log's bookings are exactly the stored ones (none of the refused mutation's).
        const logged = await loggedBookings(env, h.hotelId);
        const stored = await env.query(`SELECT id FROM bookings WHERE hotel_id = ${h.hotelId}`);
        assert.deepEqual([...logged.keys()].sort((a, b) => a - b), stored.map((b) => Number(b.id)).sort((a, b) => a - b));
        assert.equal(await count(`SELECT count(*) AS n FROM change_log WHERE hotel_id = ${h.hotelId} AND tbl = 'payments'`), applied);
      } finally {
        await env.exec(kind === 'sqlite' ? `DROP TRIGGER poison_${h.hotelId}` : `ALTER TABLE push_results DROP CONSTRAINT poison_${h.hotelId}`);
      }
    });

    it('a burst whose clients share business keys and resend their batches: one booking per key, every answer as recorded', async () => {
      // One group meets the same business key from several clients and the same seq twice:
      // each later one must be answered from the first one's record, inside the group too.
      const KEYS = 5, CLIENTS = 30;
      const h = await env.hotel({ rooms: 20, nights: 6 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const stay = (k) => ({ roomTypeId: h.roomTypeId, checkIn: h.dates[k], checkOut: addDays(h.dates[k], 1), userId: 7 });
      const keyOf = (c, seq) => (c * 7 + seq) % KEYS;
      const batchOf = (c) => [1, 2].map((seq) => booking(seq, `shared-${keyOf(c, seq)}`, stay(keyOf(c, seq))));
      // Every client sends its batch twice at once: the copies land in one group or in two.
      const sent = Array.from({ length: CLIENTS * 2 }, (_, i) => i % CLIENTS);
      const responses = await Promise.all(sent.map((c) => api.post(`/v1/hotels/${h.hotelId}/mutations`, pushBody(`shared-${c}`, batchOf(c)))));
      const idOfKey = new Map();
      for (const [i, r] of responses.entries()) {
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.nextSeq, 3, r.text);
        for (const [at, res] of r.json.results.entries()) {
          assert.equal(res.status, 'applied', JSON.stringify(res));
          assert.equal(res.seq, at + 1);
          const k = keyOf(sent[i], at + 1);
          if (!idOfKey.has(k)) idOfKey.set(k, res.booking.id);
          assert.equal(res.booking.id, idOfKey.get(k), `key ${k}: one booking`);
        }
      }
      assert.equal(idOfKey.size, KEYS);
      assert.equal(Number((await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`))[0].n), KEYS);
      const inv = await env.query(`SELECT available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
      assert.deepEqual(inv.map((row) => Number(row.available)), [19, 19, 19, 19, 19, 20], 'each key took its night once');
      const ledger = await env.query(`SELECT count(*) AS n, min(last_seq) AS lo, max(last_seq) AS hi FROM push_clients WHERE hotel_id = ${h.hotelId}`);
      assert.deepEqual([Number(ledger[0].n), Number(ledger[0].lo), Number(ledger[0].hi)], [CLIENTS, 2, 2]);
      assert.equal(Number((await env.query(`SELECT count(*) AS n FROM push_results WHERE hotel_id = ${h.hotelId}`))[0].n), CLIENTS * 2);
      assert.equal(Number((await env.query(`SELECT count(*) AS n FROM idempotency_keys WHERE hotel_id = ${h.hotelId}`))[0].n), KEYS);
      // A later burst of the same batches answers from the records, unchanged.
      const again = await Promise.all(Array.from({ length: CLIENTS }, (_, c) => api.post(`/v1/hotels/${h.hotelId}/mutations`, pushBody(`shared-${c}`, batchOf(c)))));
      for (const [c, r] of again.entries()) assert.deepEqual(r.json.results, responses[c].json.results);
    });

    it('one group in arrival order answers as if serial: a client\'s next push, a shared key, a night another push just took', async () => {
      // On PostgreSQL a booking's write carries the next push's ledger-and-stay read; that
      // read must still see everything before it: the same client's previous seq, the same
      // key's record, the nights just taken. The hotel's lock is held from outside (so
      // every push below queues behind one leader and they form one group in the order
      // sent); on SQLite they simply run in that order.
      const h = await env.hotel({ rooms: 2, nights: 6 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const night = (k, n = 1) => ({ roomTypeId: h.roomTypeId, checkIn: h.dates[k], checkOut: addDays(h.dates[k], n) });
      const order = [
        ['A', [booking(1, 'a1', night(1))]],
        ['A', [booking(2, 'a2', night(2))]],           // the same client's next seq
        ['B', [booking(1, 'shared', night(3))]],
        ['C', [booking(1, 'shared', night(3))]],       // the same key: B's booking
        ['D', [booking(1, 'd1', night(4))]],
        ['E', [booking(1, 'e1', night(4))]],           // night 4's last room
        ['F', [booking(1, 'f1', night(4, 2))]],        // sold out: E took it just before
        ['G', [booking(1, 'g1', night(5))]],           // after a rejection
      ];
      const [leadR, ...rs] = await oneGroupInOrder(env, kind, h.hotelId, 3,
        () => api.post(`/v1/hotels/${h.hotelId}/mutations`, pushBody('lead', [booking(1, 'lead-1', night(0))])),
        order.map(([client, muts]) => () => api.post(`/v1/hotels/${h.hotelId}/mutations`, pushBody(`serial-${client}`, muts))));
      assert.equal(leadR.json.results[0].status, 'applied', leadR.text);
      const result = (i) => rs[i].json.results[0];
      for (const [i, r] of rs.entries()) assert.equal(r.status, 200, r.text);
      for (const i of [0, 1, 2, 3, 4, 5, 7]) assert.equal(result(i).status, 'applied', `push ${i}: ${rs[i].text}`);
      assert.equal(rs[1].json.nextSeq, 3, 'A\'s second push follows its first');
      assert.equal(result(3).booking.id, result(2).booking.id, 'one booking for the shared key');
      assert.equal(result(6).status, 'rejected', rs[6].text);
      assert.equal(result(6).reason, 'sold_out');
      assert.equal(Number((await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`))[0].n), 7);
      const inv = await env.query(`SELECT available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
      assert.deepEqual(inv.map((row) => Number(row.available)), [1, 1, 1, 1, 0, 1]);
      if (kind === 'postgresql') {  // one transaction, no savepoint rerun, wrote every record
        const tx = await env.query(`SELECT count(DISTINCT xmin::text) AS n FROM push_results WHERE hotel_id = ${h.hotelId} AND client_id <> 'lead'`);
        assert.equal(Number(tx[0].n), 1, 'one group, run once: no rerun with savepoints (a stale chained read reruns it)');
      }
    });

    it('one group reads its own outcome records: a replay, a reused key and a client\'s next push inside the group', async () => {
      // A group writes its mutations' outcome records once, at its end; a later mutation
      // of the same group that reads a record (its client's last seq, a replayed seq's
      // result, a key's outcome) must still see the earlier one, in the same batch and
      // across the group's pushes.
      const h = await env.hotel({ rooms: 3, nights: 5 });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const night = (k) => ({ roomTypeId: h.roomTypeId, checkIn: h.dates[k], checkOut: h.dates[k + 1] });
      const replay = (seq) => ({ seq, type: 'createBooking', idempotencyKey: `replay-${seq}`, args: {} });
      const order = [
        ['A', [booking(1, 'rec-a1', night(1)), booking(2, 'rec-a1', night(2)), replay(1)]],  // key reused, then seq 1 again
        ['A', [replay(2), booking(3, 'rec-a3', night(2))]],                                  // A's records of this group
        ['B', [booking(1, 'rec-a3', night(3))]],                                             // A's key, one push earlier
        ['B', [booking(2, 'rec-b2', night(3)), replay(1)]],
      ];
      const [leadR, ...rs] = await oneGroupInOrder(env, kind, h.hotelId, 3,
        () => api.post(`/v1/hotels/${h.hotelId}/mutations`, pushBody('rec-lead', [booking(1, 'rec-lead', night(0))])),
        order.map(([client, muts]) => () => api.post(`/v1/hotels/${h.hotelId}/mutations`, pushBody(`rec-${client}`, muts))));
      assert.equal(leadR.json.results[0].status, 'applied', leadR.text);
      for (const r of rs) assert.equal(r.status, 200, r.text);
      const [a1, a2, b1, b2] = rs.map((r) => r.json);
      assert.deepEqual(a1.results.map((x) => x.status), ['applied', 'applied', 'applied'], JSON.stringify(a1));
      const bookingA1 = a1.results[0].booking.id;
      assert.equal(a1.results[1].booking.id, bookingA1, 'seq 2 reuses seq 1\'s key: the same booking');
      assert.equal(a1.results[1].seq, 2);
      assert.deepEqual(a1.results[2], a1.results[0], 'seq 1 resent in the same batch: its recorded result');
      assert.equal(a1.nextSeq, 3);
      assert.deepEqual(a2.results[0], a1.results[1], 'seq 2 resent by the next push of the group');
      assert.equal(a2.results[1].status, 'applied', JSON.stringify(a2));
      assert.notEqual(a2.results[1].booking.id, bookingA1);
      assert.equal(a2.nextSeq, 4);
      assert.equal(b1.results[0].status, 'applied', JSON.stringify(b1));
      assert.equal(b1.results[0].booking.id, a2.results[1].booking.id, 'B names A\'s key: A\'s booking');
      assert.equal(b1.nextSeq, 2);
      assert.equal(b2.results[0].status, 'applied', JSON.stringify(b2));
      assert.deepEqual(b2.results[1], b1.results[0], 'B resends seq 1 in its next push');
      assert.equal(b2.nextSeq, 3);
      // Stored: one booking per new key (lead, rec-a1, rec-a3, rec-b2), one record per
      // (client, seq), each key once, each client's last seq.
      assert.equal(Number((await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`))[0].n), 4);
      const records = await env.query(`SELECT client_id, seq FROM push_results WHERE hotel_id = ${h.hotelId} ORDER BY client_id, seq`);
      assert.deepEqual(records.map((x) => `${x.client_id}:${x.seq}`), ['rec-A:1', 'rec-A:2', 'rec-A:3', 'rec-B:1', 'rec-B:2', 'rec-lead:1']);
      const keys = await env.query(`SELECT idem_key, client_id, seq FROM idempotency_keys WHERE hotel_id = ${h.hotelId} ORDER BY idem_key`);
      assert.deepEqual(keys.map((x) => `${x.idem_key}:${x.client_id}:${x.seq}`), ['rec-a1:rec-A:1', 'rec-a3:rec-A:3', 'rec-b2:rec-B:2', 'rec-lead:rec-lead:1']);
      const clients = await env.query(`SELECT client_id, last_seq FROM push_clients WHERE hotel_id = ${h.hotelId} ORDER BY client_id`);
      assert.deepEqual(clients.map((x) => `${x.client_id}:${x.last_seq}`), ['rec-A:3', 'rec-B:2', 'rec-lead:1']);
      if (kind === 'postgresql') {
        const tx = await env.query(`SELECT count(DISTINCT xmin::text) AS n FROM push_results WHERE hotel_id = ${h.hotelId} AND client_id <> 'rec-lead'`);
        assert.equal(Number(tx[0].n), 1, 'one group, run once: no rerun with savepoints');
      }
    });

    it('one group over two room types: each booking is checked against its own room type\'s capacity and the hotel\'s rules', async () => {
      // A group reads each room type's rule row once (the group's rule cache): a row
      // cached under the wrong room type, or reused across room types, shows here. The
      // lock is held from outside so the pushes below form one group in this order
      // (SQLite: serial).
      const h = await env.hotel({ rooms: 5, nights: 4 });  // "Double": 2 adults
      const suite = await env.admin.post(`/v1/hotels/${h.hotelId}/room-types`,
        { name: 'Suite', basePriceCents: 30000, totalRooms: 5, capacityAdults: 4 });
      assert.equal(suite.status, 201, suite.text);
      const suiteId = suite.json.roomType.id;
      const inv = await env.admin.put(`/v1/hotels/${h.hotelId}/inventory`, { roomTypeId: suiteId, from: h.from, to: h.to, total: 5, priceCents: 30000 });
      assert.equal(inv.status, 200, inv.text);
      const rules = await env.admin.put(`/v1/hotels/${h.hotelId}/rules`, { max_nights: 2 });
      assert.equal(rules.status, 200, rules.text);
      const api = env.client(await env.token(h.hotelId, 'book'));
      const stay = (roomTypeId, guests, nights = 1) => ({ roomTypeId, guests, checkIn: h.dates[0], checkOut: addDays(h.dates[0], nights) });
      const order = [
        booking(1, 'rt-1', stay(suiteId, 4)),        // the group's first: the suite's row
        booking(1, 'rt-2', stay(h.roomTypeId, 3)),   // over the double's 2
        booking(1, 'rt-3', stay(suiteId, 5)),        // over the suite's 4
        booking(1, 'rt-4', stay(h.roomTypeId, 2)),
        booking(1, 'rt-5', stay(suiteId, 2, 3)),     // over the hotel's max of 2 nights
      ];
      const [leadR, ...rs] = await oneGroupInOrder(env, kind, h.hotelId, 2,
        () => api.post(`/v1/hotels/${h.hotelId}/mutations`, pushBody('rt-lead', [booking(1, 'rt-lead', stay(h.roomTypeId, 1))])),
        order.map((m, i) => () => api.post(`/v1/hotels/${h.hotelId}/mutations`, pushBody(`rt-${i}`, [m]))));
      assert.equal(leadR.json.results[0].status, 'applied', leadR.text);
      const got = rs.map((r) => { assert.equal(r.status, 200, r.text); return r.json.results[0]; });
      assert.deepEqual(got.map((x) => x.status), ['applied', 'rejected', 'rejected', 'applied', 'rejected']);
      assert.match(got[1].message, /capacity/);
      assert.match(got[2].message, /capacity/);
      assert.match(got[4].message, /max_nights/);
      assert.equal(got[0].booking.roomTypeId, suiteId);
      if (kind === 'postgresql') {
        const tx = await env.query(`SELECT count(DISTINCT xmin::text) AS n FROM push_results WHERE hotel_id = ${h.hotelId} AND client_id <> 'rt-lead'`);
        assert.equal(Number(tx[0].n), 1, 'one group, run once');
      }
    });

    it('random concurrent batches (bookings, sold-out, invalid, cancels, gaps, replays) match a serial model', async () => {
      const ROOMS = 4, NIGHTS = 8, CLIENTS = 24, ROUNDS = 4;
      const h = await env.hotel({ rooms: ROOMS, nights: NIGHTS });
      const api = env.client(await env.token(h.hotelId, 'book'));
      const rand = mulberry32(kind === 'sqlite' ? 1101 : 1102);
      const seqOf = new Array(CLIENTS).fill(0);  // last seq the server applied per client
      const applied = new Map();                 // bookingId -> { start, nights, rooms, cancelled }
      for (let round = 0; round < ROUNDS; round++) {
        const sent = Array.from({ length: CLIENTS }, (_, c) => {
          const muts = [];
          let seq = seqOf[c];
          const n = 1 + Math.floor(rand() * 3);
          for (let k = 0; k < n; k++) {
            seq++;
            const pick = rand();
            const nights = 1 + Math.floor(rand() * 3);
            const start = Math.floor(rand() * (NIGHTS - nights + 1));
            const args = { roomTypeId: h.roomTypeId, userId: 1 + c, checkIn: h.dates[start], checkOut: addDays(h.dates[start], nights), rooms: 1 + Math.floor(rand() * 2) };
            if (pick < 0.15) muts.push(booking(seq, `r${round}-${c}-${k}`, { ...args, rooms: 0 }));  // invalid
            else if (pick < 0.3) muts.push({ seq, type: 'cancelBooking', idempotencyKey: `x${round}-${c}-${k}`, args: { bookingId: -(1 + Math.floor(rand() * 4)) } });
            else muts.push(booking(seq, `r${round}-${c}-${k}`, { ...args, localId: -(1 + Math.floor(rand() * 4)) }));
          }
          if (rand() < 0.1) muts.push(booking(seq + 2, `gap-${round}-${c}`, { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] }));
          const replay = seqOf[c] > 0 && rand() < 0.2;  // resend the last applied seq first
          if (replay) muts.unshift({ seq: seqOf[c], type: 'createBooking', idempotencyKey: `replay-${round}-${c}`, args: {} });
          return { c, muts, replay };
        });
        const responses = await Promise.all(sent.map(({ c, muts }) => api.post(`/v1/hotels/${h.hotelId}/mutations`, pushBody(`model-${c}`, muts))));
        for (const [i, r] of responses.entries()) {
          const { c, muts, replay } = sent[i];
          assert.equal(r.status, 200, r.text);
          const fresh = muts.filter((m) => m.seq > seqOf[c] && m.seq <= seqOf[c] + muts.length);
          const contiguous = [];
          for (const m of fresh) if (m.seq === seqOf[c] + 1 + contiguous.length) contiguous.push(m);
          assert.equal(r.json.results.length, contiguous.length + (replay ? 1 : 0), r.text);
          assert.equal(r.json.nextSeq, seqOf[c] + contiguous.length + 1);
          seqOf[c] += contiguous.length;
          for (const res of r.json.results) {
            if (res.status !== 'applied' || !res.booking) continue;
            const b = res.booking;
            const start = h.dates.indexOf(b.checkIn);
            const nights = (Date.parse(b.checkOut) - Date.parse(b.checkIn)) / 86400000;
            applied.set(b.id, { start, nights, rooms: b.rooms, cancelled: b.status === 'CANCELLED' });
          }
        }
        // The serial model: every night's available = total - rooms of live bookings.
        const live = new Array(NIGHTS).fill(0);
        const stored = await env.query(`SELECT id, status, rooms, start_date, end_date FROM bookings WHERE hotel_id = ${h.hotelId}`);
        for (const b of stored) {
          if (b.status === 'CANCELLED') continue;
          const s = h.dates.indexOf(String(b.start_date).slice(0, 10));
          const e = h.dates.indexOf(String(b.end_date).slice(0, 10));
          for (let d = s; d < (e < 0 ? NIGHTS : e); d++) live[d] += Number(b.rooms);
        }
        const inv = await env.query(`SELECT date, available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
        assert.deepEqual(inv.map((row) => Number(row.available)), live.map((n) => ROOMS - n), `round ${round}: inventory = total - live bookings`);
        assert.ok(live.every((n) => n <= ROOMS), 'no overbooking');
        // Every applied booking is in the store, and the change log's last version of each
        // booking row is the stored one.
        const logged = await loggedBookings(env, h.hotelId);
        assert.equal(logged.size, stored.length, 'one logged booking per stored booking');
        for (const b of stored) assert.equal(logged.get(Number(b.id)), b.status, `booking ${b.id} status in the log`);
        for (const id of applied.keys()) assert.ok(stored.some((b) => Number(b.id) === id), `applied booking ${id} is stored`);
      }
    });
  });
}
