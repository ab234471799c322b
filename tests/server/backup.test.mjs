// Backups of the central store, proved by restoring them (SQLite and PostgreSQL):
// create -> monitor verifies -> data deleted -> restore -> every table equal row by row;
// a backup taken while 16 clients push is consistent; a corrupted backup is refused;
// migrate keeps a pre-migration backup and a failing migration changes nothing;
// retention keeps what it promises (against a brute-force model); serve --backup-every.
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STORES, storeOptions, useStore, useFreshStores, stopPostgres, booking, addDays } from './support/stores.mjs';
import { run, ok, execSql, dumpTables, consistencyProblems } from './support/backup.mjs';
import { startServer } from './support/server.mjs';
import { client, request } from './support/http.mjs';
import { Rng } from '../../scripts/lib/rng.mjs';

after(stopPostgres);

const tmpDirs = [];
const tmpDir = (prefix) => {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
};
after(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const manifests = (dir) => readdirSync(dir).filter((f) => f.endsWith('.manifest.json'))
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')));

async function pushBookings(env, h, token, clientId, stays) {
  const r = await env.client(token).post(`/v1/hotels/${h.hotelId}/mutations`, {
    format: 'edgestay.push/1',
    clientId,
    mutations: stays.map((s, i) => booking(i + 1, `${clientId}-${i}`, {
      roomTypeId: h.roomTypeId, userId: 10 + i, checkIn: h.dates[s.start], checkOut: addDays(h.dates[s.start], s.nights), rooms: s.rooms,
    })),
  });
  assert.equal(r.status, 200, r.text);
  return r.json.results;
}

for (const kind of STORES) {
  describe(`backup (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind);
    const fresh = useFreshStores(kind);
    // monitor needs the PostgreSQL server for its scratch database.
    const storeArgs = () => ['--store', env.spec];

    it('create -> monitor verifies -> data deleted -> restore refuses a non-empty store, --force restores every table row by row', async () => {
      const dir = tmpDir('edgestay-bk-');
      const h1 = await env.hotel({ rooms: 4, nights: 10, name: 'Harbour' });
      const h2 = await env.hotel({ rooms: 2, nights: 5, name: 'Dune' });
      const book = await env.token(h1.hotelId, 'book');
      await pushBookings(env, h1, book, 'kiosk-a', [{ start: 0, nights: 3, rooms: 2 }, { start: 2, nights: 2, rooms: 1 }, { start: 0, nights: 1, rooms: 4 }]);
      const before = await dumpTables(env.store);
      assert.ok(before.bookings.length >= 2 && before.change_log.length > 0 && before.api_tokens.length >= 2);

      const created = await ok(['backup', 'create', '--dir', dir, '--json', ...storeArgs()]);
      const m = JSON.parse(created.stdout);
      assert.equal(m.store, kind);
      assert.match(m.sha256, /^[0-9a-f]{64}$/);
      assert.equal(m.sizeBytes, readFileSync(m.path).length);
      const heads = await env.store.query('SELECT hotel_id, last_seq FROM change_seq');
      for (const r of heads) assert.equal(m.hotels[String(r.hotel_id)], Number(r.last_seq), 'manifest holds every hotel\'s position');
      assert.equal(m.rows.bookings, before.bookings.length);
      assert.ok(m.schemaVersion >= 4);
      assert.match(m.serverVersion, kind === 'sqlite' ? /^SQLite 3\./ : /^PostgreSQL \d+/);
      assert.match(path.basename(m.path), kind === 'sqlite' ? /^edgestay-sqlite-\d{8}T\d{9}Z\.db$/ : /^edgestay-pg-\d{8}T\d{9}Z\.dump$/);

      const mon = await run(['backup', 'monitor', '--dir', dir, ...storeArgs()]);
      assert.equal(mon.code, 0, mon.stderr);
      assert.match(mon.stdout, /verified restore: ok/);
      assert.match(mon.stdout, /last verified restore: edgestay-/);
      assert.match(mon.stdout, /size trend \(1 backups\)/);
      const state = JSON.parse(readFileSync(path.join(dir, 'monitor-state.json'), 'utf8'));
      assert.equal(state.lastVerifiedRestore.ok, true);
      if (kind === 'postgresql') {
        const scratch = await env.store.query("SELECT datname FROM pg_database WHERE datname LIKE 'edgestay_verify_%'");
        assert.deepEqual(scratch, [], 'the scratch database is dropped');
      }

      // Disaster: the server stops, data is lost.
      await env.server.stop();
      await execSql(env.spec, `DELETE FROM payments; DELETE FROM notifications; DELETE FROM bookings WHERE hotel_id = ${h1.hotelId};
        DELETE FROM change_log WHERE hotel_id = ${h2.hotelId}; UPDATE room_inventory SET available = 0`);
      assert.notDeepEqual(await dumpTables(env.store), before);

      const refused = await run(['backup', 'restore', '--from', m.path, '--to', env.spec]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /TARGET_NOT_EMPTY/);
      const restored = await run(['backup', 'restore', '--from', m.path, '--to', env.spec, '--force']);
      assert.equal(restored.code, 0, restored.stderr);
      assert.match(restored.stdout, /row counts and change-log positions match the manifest/);
      assert.deepEqual(await dumpTables(env.store), before, 'every table equals the state at backup time');

      // The same backup into a new, empty store needs no --force.
      const other = await fresh();
      await ok(['backup', 'restore', '--from', m.path, '--to', other.spec]);
      assert.deepEqual(await dumpTables(other), before);

      // And the restored store serves again.
      env.server = await startServer(env.spec);
      env.url = env.server.url;
      env.admin = client(env.url, env.adminToken);
      const health = await env.client(env.adminToken).get('/v1/health');
      assert.equal(health.status, 200);
      const pull = await env.client(book).get(`/v1/hotels/${h1.hotelId}/changes`);
      assert.equal(pull.status, 200);
      assert.equal(pull.json.cursor, String(m.hotels[String(h1.hotelId)]));
    });

    it('a backup taken while 16 clients push is consistent: every booking with its inventory, a gap-free change log', async () => {
      const h = await env.hotel({ rooms: 30, nights: 14 });
      const book = await env.token(h.hotelId, 'book');
      const api = env.client(book);
      const rng = new Rng(kind === 'sqlite' ? 1212 : 3434);
      let stop = false;
      let pushed = 0;
      const clients = Array.from({ length: 16 }, (_, c) => (async () => {
        let seq = 0;
        while (!stop) {
          const nights = rng.int(1, 4);
          const start = rng.int(0, 14 - nights);
          seq += 1;
          const r = await api.post(`/v1/hotels/${h.hotelId}/mutations`, {
            format: 'edgestay.push/1', clientId: `pusher-${c}`,
            mutations: [booking(seq, `pusher-${c}-${seq}`, {
              roomTypeId: h.roomTypeId, userId: 100 + c, checkIn: h.dates[start], checkOut: addDays(h.dates[start], nights), rooms: rng.int(1, 2),
            })],
          });
          assert.equal(r.status, 200, r.text);
          pushed += 1;
        }
      })());
      const files = [];
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 150));
        // One folder each: the retention keeps one backup per day in a folder.
        const made = JSON.parse((await ok(['backup', 'create', '--dir', tmpDir('edgestay-bk-'), '--json', ...storeArgs()])).stdout);
        files.push(made);
      }
      stop = true;
      await Promise.all(clients);
      assert.ok(pushed >= 16, `the clients pushed while backups ran (${pushed} pushes)`);
      assert.ok(new Set(files.map((f) => f.hotels[String(h.hotelId)])).size >= 2, 'backups caught different moments');
      for (const f of files) {
        const target = await fresh();
        await ok(['backup', 'restore', '--from', f.path, '--to', target.spec]);
        assert.deepEqual(await consistencyProblems(target), [], `${path.basename(f.path)} is consistent`);
        const [n] = await target.query(`SELECT COUNT(*) AS n FROM change_log WHERE hotel_id = ${h.hotelId}`);
        assert.equal(Number(n.n), f.hotels[String(h.hotelId)]);
      }
      assert.deepEqual(await consistencyProblems(env.store), []);
    });

    it('a corrupted backup (bit flip, truncation): monitor fails naming the file, restore refuses it and leaves the target alone', async () => {
      const dir = tmpDir('edgestay-bk-');
      await env.hotel({ rooms: 3, nights: 20 });
      const m = JSON.parse((await ok(['backup', 'create', '--dir', dir, '--json', ...storeArgs()])).stdout);
      for (const damage of ['flip', 'truncate']) {
        const bad = tmpDir(`edgestay-bk-${damage}-`);
        const file = path.join(bad, path.basename(m.path));
        copyFileSync(m.path, file);
        copyFileSync(`${m.path}.manifest.json`, `${file}.manifest.json`);
        if (damage === 'flip') {
          const bytes = readFileSync(file);
          bytes[Math.floor(bytes.length / 2)] ^= 0x10;
          writeFileSync(file, bytes);
        } else {
          truncateSync(file, Math.floor(m.sizeBytes * 0.7));
        }
        const mon = await run(['backup', 'monitor', '--dir', bad, ...storeArgs()]);
        assert.equal(mon.code, 1, `${damage}: monitor fails`);
        assert.match(mon.stderr, /BACKUP_VERIFY_FAILED/);
        assert.ok(mon.stderr.includes(file), `${damage}: the message names ${file}: ${mon.stderr}`);
        const state = JSON.parse(readFileSync(path.join(bad, 'monitor-state.json'), 'utf8'));
        assert.equal(state.lastCheck.ok, false);
        assert.equal(state.lastVerifiedRestore, undefined);

        const target = await fresh();
        const res = await run(['backup', 'restore', '--from', file, '--to', target.spec]);
        assert.equal(res.code, 1);
        assert.match(res.stderr, /BACKUP_CORRUPT/);
        assert.ok(res.stderr.includes(file));
        if (kind === 'sqlite') assert.equal(existsSync(target.spec.slice(7)), false, 'nothing was written');
        else assert.deepEqual(await target.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"), []);
      }
      // A missing manifest is refused too: an unverifiable file is never restored.
      const lone = tmpDir('edgestay-bk-lone-');
      copyFileSync(m.path, path.join(lone, path.basename(m.path)));
      const target = await fresh();
      const res = await run(['backup', 'restore', '--from', path.join(lone, path.basename(m.path)), '--to', target.spec]);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /no readable manifest/);
    });

    it('monitor exits non-zero when the newest backup is older than --max-age', async () => {
      const dir = tmpDir('edgestay-bk-');
      await ok(['backup', 'create', '--dir', dir, ...storeArgs()]);
      await new Promise((r) => setTimeout(r, 2100));
      const old = await run(['backup', 'monitor', '--dir', dir, '--max-age', '1s', ...storeArgs()]);
      assert.equal(old.code, 1);
      assert.match(old.stderr, /BACKUP_TOO_OLD/);
      assert.match(old.stdout, /verified restore: ok/, 'the old backup itself still verifies');
      const fine = await run(['backup', 'monitor', '--dir', dir, '--max-age', '1h', ...storeArgs()]);
      assert.equal(fine.code, 0, fine.stderr);
      const none = await run(['backup', 'monitor', '--dir', tmpDir('edgestay-bk-empty-'), ...storeArgs()]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /BACKUP_MISSING/);
    });

    it('migrate takes a pre-migration backup; a failing migration leaves the store at its old version, usable; no backup, no migration', async () => {
      const s = await fresh();
      const dir = tmpDir('edgestay-bk-');
      const latest = JSON.parse((await ok(['db', 'status', '--json', '--store', s.spec, '--dir', dir])).stdout).latestVersion;
      assert.ok(latest >= 2);
      await ok(['migrate', '--to', String(latest - 1), '--store', s.spec, '--dir', dir]);
      assert.deepEqual(readdirSync(dir), [], 'a new store has nothing to back up');
      await execSql(s.spec, "INSERT INTO hotels (name, created_at, updated_at) VALUES ('Old Wing', 1, 1)");
      const status = JSON.parse((await ok(['db', 'status', '--json', '--store', s.spec, '--dir', dir])).stdout);
      assert.equal(status.schemaVersion, latest - 1);
      assert.equal(status.pending.length, 1);

      // The backup folder cannot be written: migrate refuses and changes nothing.
      const blocked = path.join(tmpDir('edgestay-bk-'), 'a-file');
      writeFileSync(blocked, 'not a folder');
      const refused = await run(['migrate', '--store', s.spec, '--dir', blocked]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /MIGRATION_REFUSED/);

      const failed = await run(['migrate', '--store', s.spec, '--dir', dir], { env: { EDGESTAY_TEST_FAIL_MIGRATION: String(latest) } });
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /MIGRATION_FAILED/);
      assert.match(failed.stderr, new RegExp(`unchanged at schema version ${latest - 1}`));
      const after1 = JSON.parse((await ok(['db', 'status', '--json', '--store', s.spec, '--dir', dir])).stdout);
      assert.equal(after1.schemaVersion, latest - 1, 'still at the old version');
      assert.deepEqual((await s.query('SELECT name FROM hotels')).map((r) => r.name), ['Old Wing']);
      let pre = manifests(dir);
      assert.equal(pre.length, 1);
      assert.equal(pre[0].kind, 'pre-migration');
      assert.equal(pre[0].schemaVersion, latest - 1);
      assert.equal(pre[0].rows.hotels, 1);
      assert.match(pre[0].file, /-pre-migration\.(db|dump)$/);

      // Usable: the store still migrates and serves.
      const done = await ok(['migrate', '--store', s.spec, '--dir', dir]);
      assert.match(done.stdout, /pre-migration backup .*-pre-migration\./);
      assert.match(done.stdout, new RegExp(`schema is at version ${latest} \\(migrated\\)`));
      pre = manifests(dir);
      assert.equal(pre.length, 2);
      const again = await ok(['migrate', '--store', s.spec, '--dir', dir]);
      assert.match(again.stdout, /nothing to do/);
      assert.equal(manifests(dir).length, 2, 'no backup when nothing is pending');
      const server = await startServer(s.spec, ['--no-migrate']);
      await server.stop();
    });

    it('serve --backup-every takes the backup on schedule; /v1/health and /metrics report it', async () => {
      const dir = tmpDir('edgestay-bk-');
      const server = await startServer(env.spec, ['--backup-every', '1h', '--backup-dir', dir]);
      try {
        // No backup yet, so the first one is due at once.
        const deadline = Date.now() + 20000;
        while (manifests(dir).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        assert.equal(manifests(dir).length, 1);
        assert.equal(manifests(dir)[0].kind, 'backup');
        await ok(['backup', 'monitor', '--dir', dir, ...storeArgs()]);
        const health = await request(server.url, { path: '/v1/health' });
        assert.equal(health.status, 200);
        assert.equal(health.json.backup.newest.file, manifests(dir)[0].file);
        assert.equal(health.json.backup.lastVerifiedRestore.ok, true);
        const metrics = await request(server.url, { path: '/metrics' });
        assert.match(metrics.text, /^edgestay_backup_age_seconds \d+$/m);
        assert.match(metrics.text, /^edgestay_backup_last_check_ok 1$/m);
      } finally {
        await server.stop();
      }
      assert.equal(manifests(dir).length, 1, 'one backup per interval');
    });
  });
}

describe('backup retention', () => {
  it('keeps the newest backup of each of the last N days and M weeks, and the newest K pre-migration backups (random histories vs a model)', async () => {
    const rng = new Rng(2026);
    const DAY = 86400000;
    for (let round = 0; round < 6; round++) {
      const dir = tmpDir('edgestay-retention-');
      const now = Date.UTC(2026, 10, 30, 12);
      const entries = [];
      const count = rng.int(5, 40);
      for (let i = 0; i < count; i++) {
        const time = now - rng.int(0, 70 * DAY);
        const kind = rng.chance(0.2) ? 'pre-migration' : 'backup';
        const store = rng.chance(0.8) ? 'sqlite' : 'postgresql';
        const file = `edgestay-${store}-${i}-${time}.db`;
        writeFileSync(path.join(dir, file), 'x');
        writeFileSync(path.join(dir, `${file}.manifest.json`), JSON.stringify({
          format: 'edgestay.backup/1', file, time, sizeBytes: 1, sha256: '0'.repeat(64), kind, store,
          schemaVersion: 4, hotels: {}, rows: {},
        }));
        entries.push({ file, time, kind, store, i });
      }
      const daily = rng.int(1, 8), weekly = rng.int(0, 5), preKeep = rng.int(1, 3);
      await ok(['backup', 'prune', '--dir', dir, '--keep-daily', String(daily), '--keep-weekly', String(weekly),
        '--keep-pre-migration', String(preKeep)]);
      // Model: per store, newest first; a regular backup stays if it is the first seen of
      // its UTC day among the first `daily` distinct days, or of its Monday-based week
      // among the first `weekly` distinct weeks.
      const expected = new Set();
      for (const store of ['sqlite', 'postgresql']) {
        const mine = entries.filter((e) => e.store === store).sort((a, b) => b.time - a.time || b.file.localeCompare(a.file));
        const days = new Set(), weeks = new Set();
        let pre = 0;
        for (const e of mine) {
          if (e.kind === 'pre-migration') {
            if (pre++ < preKeep) expected.add(e.file);
            continue;
          }
          const day = Math.floor(e.time / DAY);
          const week = Math.floor((day + 3) / 7);
          if (!days.has(day) && days.size < daily) { days.add(day); expected.add(e.file); }
          if (!weeks.has(week) && weeks.size < weekly) { weeks.add(week); expected.add(e.file); }
        }
      }
      const left = new Set(readdirSync(dir).filter((f) => !f.endsWith('.manifest.json')));
      assert.deepEqual([...left].sort(), [...expected].sort(), `round ${round}`);
      for (const f of left) assert.ok(existsSync(path.join(dir, `${f}.manifest.json`)));
    }
  });
});

describe('npm scripts', () => {
  it('db:migrate, db:status, backup:create, backup:monitor, backup:restore run the server commands', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { ROOT } = await import('./support/paths.mjs');
    const npm = (args, env = {}) => promisify(execFile)('npm', ['run', '--silent', ...args], {
      cwd: ROOT, env: { ...process.env, ...env }, timeout: 60000,
    });
    const dir = tmpDir('edgestay-npm-');
    const store = `sqlite:${path.join(dir, 'central.db')}`;
    assert.match((await npm(['db:migrate', '--', '--store', store])).stdout, /schema is at version \d+ \(migrated\)/);
    assert.equal(JSON.parse((await npm(['db:status', '--', '--store', store, '--json'])).stdout).pending.length, 0);
    const env = { EDGESTAY_BACKUP_DIR: path.join(dir, 'backups'), EDGESTAY_STORE: store };
    assert.match((await npm(['backup:create'], env)).stdout, /^backup .*edgestay-sqlite-/);
    assert.match((await npm(['backup:pre-migration'], env)).stdout, /pre-migration/);
    assert.match((await npm(['backup:monitor'], env)).stdout, /verified restore: ok/);
    const [file] = readdirSync(env.EDGESTAY_BACKUP_DIR).filter((f) => f.endsWith('.db') && !f.includes('pre-migration'));
    const target = `sqlite:${path.join(dir, 'copy.db')}`;
    assert.match((await npm(['backup:restore', '--', '--from', path.join(env.EDGESTAY_BACKUP_DIR, file), '--to', target])).stdout, /^restored /);
  });
});
