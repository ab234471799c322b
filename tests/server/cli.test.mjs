// The CLI: migrations (--status), tokens, seed-demo, and the server's lifecycle.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { STORES, storeOptions, useFreshStores, stopPostgres } from './support/stores.mjs';
import { cli, createToken, startServer } from './support/server.mjs';
import { request } from './support/http.mjs';
import { serverBinary } from './support/paths.mjs';

const execFileP = promisify(execFile);
after(stopPostgres);

for (const kind of STORES) {
  describe(`cli (${kind})`, storeOptions(kind), () => {
    const fresh = useFreshStores(kind);

    it('migrate --status lists pending versions; migrate applies them once', async () => {
      const s = await fresh();
      const before = await cli(s.spec, ['migrate', '--status']);
      assert.match(before.stdout, /^1\s+core_tables\s+pending$/m);
      assert.match(before.stdout, /^2\s+sync_log_and_push_ledger\s+pending$/m);
      assert.match(before.stdout, /^3\s+api_tokens\s+pending$/m);
      assert.match(before.stdout, /^4\s+change_log_txn_end\s+pending$/m);
      assert.match(before.stdout, /^5\s+protocol_columns\s+pending$/m);
      assert.match(before.stdout, /^6\s+leases\s+pending$/m);
      assert.match(before.stdout, /current version: 0, pending: 6/);
      const run = await cli(s.spec, ['migrate']);
      assert.match(run.stdout, /applied 1 core_tables/);
      assert.match(run.stdout, /applied 3 api_tokens/);
      assert.match(run.stdout, /applied 4 change_log_txn_end/);
      assert.match(run.stdout, /applied 5 protocol_columns/);
      assert.match(run.stdout, /applied 6 leases/);
      const status = await cli(s.spec, ['migrate', '--status']);
      assert.match(status.stdout, /^1\s+core_tables\s+applied \d{4}-\d\d-\d\dT/m);
      assert.match(status.stdout, /current version: 6, pending: 0/);
      const json = JSON.parse((await cli(s.spec, ['migrate', '--status', '--json'])).stdout);
      assert.equal(json.current, 6);
      assert.equal(json.pending, 0);
      assert.deepEqual(json.migrations.map((m) => m.version), [1, 2, 3, 4, 5, 6]);
      assert.ok(json.migrations.every((m) => Number.isInteger(m.appliedAt)));
      const again = await cli(s.spec, ['migrate']);
      assert.match(again.stdout, /nothing to do/);
      const rows = await s.query('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows.map((r) => Number(r.version)), [1, 2, 3, 4, 5, 6]);
      // The overbooking guard is in the schema itself.
      const sql = kind === 'sqlite'
        ? "SELECT sql AS def FROM sqlite_master WHERE name = 'room_inventory'"
        : "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'room_inventory_available_check'";
      const [def] = await s.query(sql);
      assert.match(def.def.replace(/[()]/g, ''), /available >= 0 AND available <= total/);
    });

    it('serve --no-migrate refuses a store with pending migrations', async () => {
      const s = await fresh();
      await assert.rejects(execFileP(serverBinary(), ['serve', '--store', s.spec, '--port', '0', '--no-migrate']),
        (err) => err.code === 1 && /pending/.test(err.stderr));
    });

    it('token create prints one token; bad arguments fail', async () => {
      const s = await fresh();
      const token = await createToken(s.spec, { hotel: '1,2', scope: 'book' });
      assert.match(token, /^[0-9a-f]{64}$/);
      const [row] = await s.query('SELECT scope, hotels, token_hash FROM api_tokens');
      assert.deepEqual([row.scope, row.hotels], ['book', '1,2']);
      assert.notEqual(row.token_hash, token);
      await assert.rejects(cli(s.spec, ['token', 'create', '--hotel', '1', '--scope', 'root']));
      await assert.rejects(cli(s.spec, ['token', 'create', '--scope', 'read']));
    });

    it('seed-demo creates a hotel with a year of inventory that a pull bootstraps', async () => {
      const s = await fresh();
      const out = JSON.parse((await cli(s.spec, ['seed-demo', '--json', '--tokens'])).stdout);
      const hotelId = out.hotel.id;
      assert.equal(out.roomTypes.length, 3);
      const [{ n }] = await s.query(`SELECT count(*) AS n FROM room_inventory WHERE room_type_id IN (SELECT id FROM room_types WHERE hotel_id = ${hotelId})`);
      assert.equal(Number(n), 3 * 365);
      const server = await startServer(s.spec);
      try {
        const keys = new Set();
        let since = null;
        for (;;) {
          const r = await request(server.url, { path: `/v1/hotels/${hotelId}/changes?limit=5000${since ? `&since=${since}` : ''}`, token: out.tokens.read });
          for (const c of r.json.changes.filter((c) => c.table === 'room_inventory')) {
            for (const row of c.rows ?? [Object.values(c.row)]) keys.add(c.rows ? `${row[0]}:${row[1]}` : `${c.row.room_type_id}:${c.row.date}`);
          }
          since = r.json.cursor;
          if (!r.json.hasMore) break;
        }
        assert.equal(keys.size, 3 * 365);
      } finally {
        await server.stop();
      }
    });

    it('serve binds the loopback, answers /v1/health, and stops gracefully on SIGTERM mid long-poll', async () => {
      const s = await fresh();
      const server = await startServer(s.spec);
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await request(server.url, { path: '/v1/health' });
      assert.equal(health.status, 200);
      assert.equal(health.json.ok, true);
      assert.equal(health.json.store, kind);
      const admin = await createToken(s.spec, { hotel: '*', scope: 'admin' });
      const hotel = await request(server.url, { method: 'POST', path: '/v1/hotels', token: admin, body: { name: 'Lifecycle' } });
      const cursor = hotel.json.cursor;
      const poll = request(server.url, { path: `/v1/hotels/${hotel.json.hotel.id}/changes?since=${cursor}&wait=30`, token: admin })
        .catch((e) => ({ error: e }));
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      const exit = await server.stop();
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.ok(Date.now() - t0 < 5000, 'stopped promptly');
      const answered = await poll;
      if (!answered.error) assert.deepEqual(answered.json.changes, []);
    });

    it('long-polls are capped below the worker count; the rest answer at once; CORS preflight works', async () => {
      const s = await fresh();
      const server = await startServer(s.spec, ['--threads', '6', '--max-long-polls', '2']);
      try {
        const admin = await createToken(s.spec, { hotel: '*', scope: 'admin' });
        const hotel = await request(server.url, { method: 'POST', path: '/v1/hotels', token: admin, body: { name: 'Polls' } });
        const id = hotel.json.hotel.id;
        const path = `/v1/hotels/${id}/changes?since=${hotel.json.cursor}&wait=4`;
        const t0 = Date.now();
        const held = [request(server.url, { path, token: admin }), request(server.url, { path, token: admin })];
        await new Promise((r) => setTimeout(r, 300));
        const third = await request(server.url, { path, token: admin });
        assert.ok(Date.now() - t0 < 2000, 'the third long-poll answered at once');
        assert.equal(third.headers['x-edgestay-wait'], '0');
        assert.deepEqual(third.json.changes, []);
        // Pushes and admin calls still get a worker while two pulls wait.
        const patched = await request(server.url, { method: 'PATCH', path: `/v1/hotels/${id}`, token: admin, body: { name: 'Polls 2' } });
        assert.equal(patched.status, 200);
        const woke = await Promise.all(held);
        assert.ok(woke.every((r) => r.json.changes[0]?.table === 'hotels'), 'both waiting pulls woke on the change');
        const pre = await request(server.url, { method: 'OPTIONS', path, headers: { origin: 'https://widget.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
        assert.equal(pre.status, 204);
        assert.equal(pre.headers['access-control-allow-origin'], '*');
        assert.match(pre.headers['access-control-allow-headers'], /Authorization/);
        assert.equal(third.headers['access-control-allow-origin'], '*');
      } finally {
        await server.stop();
      }
    });
  });
}
