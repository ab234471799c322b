// Who answers a push: the worker that parsed it hands it to its hotel's queue and goes
// back to the pool; the leader that commits the group writes the answer (after the
// commit's fsync) and hands the connection back. These tests hold that path to the
// promises of a push answered by its own worker: keep-alive connections carry many
// pushes in order; a client gone before its answer costs nothing but its answer (the push
// counts once, its retry answers from the record); a stop with pushes in flight answers
// each or closes its connection, and every push, answered or not, is applied exactly
// once when its client retries.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { STORES, storeOptions, useStore, stopPostgres, booking, addDays } from './support/stores.mjs';
import { startServer } from './support/server.mjs';

after(stopPostgres);

const pushBody = (clientId, mutations) => ({ format: 'edgestay.push/1', clientId, mutations });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// POSTs `body` on `agent`'s connections; resolves { status, json } or { error }.
function post(url, path, token, body, agent, headers = {}) {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = http.request(new URL(path, url), {
      method: 'POST', agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': payload.length, ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let raw = Buffer.concat(chunks);
        if (res.headers['content-encoding'] === 'gzip') raw = zlib.gunzipSync(raw);
        resolve({ status: res.statusCode, headers: res.headers, json: JSON.parse(raw.toString('utf8')) });
      });
      res.on('error', (error) => resolve({ error }));
    });
    req.setTimeout(20000, () => req.destroy(new Error('timeout: no answer and no close in 20 s')));
    req.on('error', (error) => resolve({ error }));
    req.end(payload);
  });
}

const bookingCount = async (env, hotelId) =>
  Number((await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${hotelId}`))[0].n);

for (const kind of STORES) {
  describe(`push answers (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind, { serverArgs: ['--keep-alive-requests', '7'] });

    it('keep-alive connections carry many pushes each, in order, gzip or not, past the per-connection request limit', async () => {
      const h = await env.hotel({ rooms: 500, nights: 4 });
      const token = await env.token(h.hotelId, 'book');
      const clients = 8, perClient = 20;  // 20 pushes over a limit of 7 per connection
      await Promise.all(Array.from({ length: clients }, async (_, c) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
          for (let seq = 1; seq <= perClient; seq++) {
            const r = await post(env.url, `/v1/hotels/${h.hotelId}/mutations`, token,
              pushBody(`ka-${c}`, [booking(seq, `ka-${c}-${seq}`, { roomTypeId: h.roomTypeId, checkIn: h.dates[seq % 4], checkOut: addDays(h.dates[seq % 4], 1) })]),
              agent, seq % 2 ? { 'accept-encoding': 'gzip' } : {});
            assert.ifError(r.error);
            assert.equal(r.status, 200);
            assert.equal(r.json.nextSeq, seq + 1);
            assert.equal(r.json.results[0].status, 'applied', JSON.stringify(r.json));
            assert.equal(r.headers['content-encoding'], seq % 2 ? 'gzip' : undefined);
            if (seq % 7 === 0) assert.equal(r.headers.connection, 'close', `request ${seq} is the connection's 7th`);
          }
        } finally {
          agent.destroy();
        }
      }));
      assert.equal(await bookingCount(env, h.hotelId), clients * perClient);
      // One request counted per push, each with its answer's status (not a placeholder's).
      const metrics = await (await fetch(new URL('/metrics', env.url))).text();
      assert.doesNotMatch(metrics, /edgestay_http_requests_total\{[^}]*status="202"/);
    });

    it('a client gone before its answer: the push counts once, its retry answers from the record, the server serves on', async () => {
      const h = await env.hotel({ rooms: 50, nights: 2 });
      const token = await env.token(h.hotelId, 'book');
      const url = new URL(env.url);
      const gone = [];
      for (let i = 0; i < 16; i++) {
        const body = JSON.stringify(pushBody(`gone-${i}`, [booking(1, `gone-${i}`, { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })]));
        gone.push(new Promise((resolve) => {
          const s = net.connect({ host: url.hostname, port: Number(url.port) }, () => {
            s.write(`POST /v1/hotels/${h.hotelId}/mutations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => {
              s.destroy();  // before any answer: the push is queued or being committed
              resolve();
            });
          });
          s.on('error', resolve);
        }));
      }
      await Promise.all(gone);
      // Every retry answers applied, from the record when the first attempt committed.
      const agent = new http.Agent({ keepAlive: true });
      const retries = await Promise.all(Array.from({ length: 16 }, (_, i) => post(env.url, `/v1/hotels/${h.hotelId}/mutations`, token,
        pushBody(`gone-${i}`, [booking(1, `gone-${i}`, { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })]), agent)));
      agent.destroy();
      for (const r of retries) {
        assert.ifError(r.error);
        assert.equal(r.status, 200);
        assert.equal(r.json.results[0].status, 'applied', JSON.stringify(r.json));
      }
      assert.equal(await bookingCount(env, h.hotelId), 16);
      const inv = await env.query(`SELECT available FROM room_inventory WHERE room_type_id = ${h.roomTypeId} ORDER BY date`);
      assert.deepEqual(inv.map((row) => Number(row.available)), [34, 50]);
    });

    it('a stop with pushes in flight answers each or closes its connection; every push applies exactly once on retry', async () => {
      const h = await env.hotel({ rooms: 5000, nights: 3 });
      const token = await env.token(h.hotelId, 'book');
      const second = await startServer(env.store.spec);
      const clients = 16;
      const mutation = (c, seq) => booking(seq, `stop-${c}-${seq}`, { roomTypeId: h.roomTypeId, checkIn: h.dates[seq % 3], checkOut: addDays(h.dates[seq % 3], 1) });
      let stopping = false;
      const runs = Array.from({ length: clients }, async (_, c) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const answered = new Map();  // seq -> result
        let seq = 1;
        for (; ; seq++) {
          const r = await post(second.url, `/v1/hotels/${h.hotelId}/mutations`, token, pushBody(`stop-${c}`, [mutation(c, seq)]), agent);
          if (r.error) {
            assert.doesNotMatch(String(r.error.message), /timeout/, 'answered or closed, never left hanging');
            break;
          }
          if (r.status !== 200) {  // a request that reached a stopping server may be refused
            assert.ok(stopping, `status ${r.status} before the stop`);
            break;
          }
          assert.equal(r.json.results[0].status, 'applied', JSON.stringify(r.json));
          answered.set(seq, r.json.results[0]);
        }
        agent.destroy();
        return { answered, last: seq };  // `last` was sent; it may or may not have committed
      });
      await sleep(600);
      stopping = true;
      const exit = await second.stop();
      assert.equal(exit.code, 0, `graceful exit: ${second.stderr()}`);
      const outcomes = await Promise.all(runs);
      assert.ok(outcomes.reduce((n, o) => n + o.answered.size, 0) > 0, 'pushes were answered before the stop');
      // Every client resends everything it sent; the suite's server answers from the record.
      let total = 0;
      for (const [c, o] of outcomes.entries()) {
        const seqs = Array.from({ length: o.last }, (_, i) => i + 1);
        total += seqs.length;
        const r = await env.client(token).post(`/v1/hotels/${h.hotelId}/mutations`, pushBody(`stop-${c}`, seqs.map((s) => mutation(c, s))));
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.nextSeq, o.last + 1);
        for (const [i, res] of r.json.results.entries()) {
          assert.equal(res.status, 'applied', JSON.stringify(res));
          if (o.answered.has(i + 1)) assert.deepEqual(res, o.answered.get(i + 1), `client ${c} seq ${i + 1} as first answered`);
        }
      }
      assert.equal(await bookingCount(env, h.hotelId), total, 'each push applied exactly once');
      const log = await env.query(`SELECT count(*) AS n FROM change_log WHERE hotel_id = ${h.hotelId} AND tbl = 'bookings'`);
      assert.equal(Number(log[0].n), total);
    });
  });
}
