#!/usr/bin/env node
// Backup and restore drill on a chain-sized central store (not part of scripts/test; it
// takes minutes). Loads bench/datasets.mjs's chain (200 hotels x 20 room types x 365
// nights, 200,000 bookings, and a change-log entry per row, as a central store that
// has served them would hold) into a SQLite file and a private PostgreSQL cluster, then
// measures for each store: backup create (time, size), backup monitor (verified restore
// time), backup restore into an empty store plus the server answering again (the RTO),
// and for PostgreSQL the WAL-archiving RPO (commit -> its WAL segment in the archive) and
// a point-in-time restore. docs/DATABASE_BACKUP_STRATEGY.md quotes its output.
//
//   node scripts/backup-drill.mjs [--stores sqlite,postgresql] [--quick]
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { buildDataset, tableRows } from '../bench/datasets.mjs';
import { PG_BIN, pgAvailable, startPostgres } from '../tests/server/support/pg.mjs';
import { createToken, startServer } from '../tests/server/support/server.mjs';
import { request } from '../tests/server/support/http.mjs';
import { ROOT, serverBinary } from '../tests/server/support/paths.mjs';

const execFileP = promisify(execFile);
const { values } = parseArgs({ options: { stores: { type: 'string', default: 'sqlite,postgresql' }, quick: { type: 'boolean', default: false } } });
const work = mkdtempSync(path.join(os.tmpdir(), 'edgestay-drill-'));
chmodSync(work, 0o755);
const log = (...a) => console.log(...a);
const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function server(args) {
  const t0 = performance.now();
  const { stdout } = await execFileP(serverBinary(), args, { maxBuffer: 64 << 20, timeout: 3600000 });
  return { stdout, ms: performance.now() - t0 };
}

// The dataset's rows plus what the centre keeps about them: created/updated times and a
// change-log entry per row, numbered per hotel.
function centralRows(dataset) {
  const now = dataset.now ?? Date.now();
  const tables = [];
  const rtHotel = new Map();
  const bookingHotel = new Map();
  const seq = new Map();
  const log = [];
  const hotelOf = (table, cols, row) => {
    const c = (name) => row[cols.indexOf(name)];
    switch (table) {
      case 'hotels': return c('id');
      case 'room_inventory': return rtHotel.get(c('room_type_id'));
      case 'payments': case 'notifications': return bookingHotel.get(c('booking_id'));
      default: return c('hotel_id');
    }
  };
  for (let { table, columns, rows } of tableRows(dataset.batch)) {
    if (table === 'hotels') {
      columns = [...columns, 'created_at', 'updated_at'];
      rows = rows.map((r) => [...r, now, now]);
    }
    if (table === 'room_types') for (const r of rows) rtHotel.set(r[columns.indexOf('id')], r[columns.indexOf('hotel_id')]);
    if (table === 'bookings') for (const r of rows) bookingHotel.set(r[columns.indexOf('id')], r[columns.indexOf('hotel_id')]);
    tables.push({ table, columns, rows });
    const vis = { bookings: 1, waitlist: 1, payments: 2, notifications: 3 }[table] ?? 0;
    for (const r of rows) {
      const h = hotelOf(table, columns, r);
      const s = (seq.get(h) ?? 0) + 1;
      seq.set(h, s);
      log.push([h, s, table, 'upsert', vis, null, JSON.stringify(r), now, s]);
    }
  }
  tables.push({ table: 'change_log', columns: ['hotel_id', 'seq', 'tbl', 'op', 'vis', 'user_id', 'data', 'created_at', 'txn_end'], rows: log });
  tables.push({ table: 'change_seq', columns: ['hotel_id', 'last_seq'], rows: [...seq] });
  return tables;
}

function loadSqlite(file, tables) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('BEGIN');
  for (const { table, columns, rows } of tables) {
    const st = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    for (const r of rows) st.run(r);
  }
  db.exec('COMMIT');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

const csvField = (v) => (v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : `"${String(v).replace(/"/g, '""')}"`);

async function loadPg(uri, tables) {
  for (const { table, columns, rows } of tables) {
    const file = path.join(work, `${table}.csv`);
    await new Promise((resolve, reject) => {
      const out = createWriteStream(file);
      out.on('error', reject);
      let i = 0;
      const write = () => {
        let ok = true;
        while (i < rows.length && ok) ok = out.write(`${rows[i++].map(csvField).join(',')}\n`);
        if (i < rows.length) out.once('drain', write);
        else out.end(resolve);
      };
      write();
    });
    await execFileP(path.join(PG_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', uri, '-c',
      `\\copy ${table} (${columns.join(', ')}) FROM '${file}' CSV`], { maxBuffer: 16 << 20 });
    rmSync(file);
  }
  await execFileP(path.join(PG_BIN, 'psql'), ['-X', '-q', uri, '-c', 'VACUUM ANALYZE']);
}

async function until(fn, ms = 120000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function drill(kind, tables, rowCount) {
  log(`\n== ${kind} ==`);
  let pg = null;
  let spec;
  const archive = path.join(work, `archive-${kind}`);
  if (kind === 'sqlite') {
    spec = `sqlite:${path.join(work, 'central.db')}`;
  } else {
    const { stdout: conf } = await execFileP(path.join(ROOT, 'scripts', 'pitr'), ['archive-settings', '--archive', archive]);
    pg = await startPostgres({ durable: true, conf: `${conf}\nmax_wal_size = 4GB` });
    spec = await pg.createDatabase('central');
  }
  await server(['migrate', '--store', spec]);
  let t0 = performance.now();
  if (kind === 'sqlite') loadSqlite(spec.slice(7), tables);
  else await loadPg(spec, tables);
  log(`loaded ${rowCount.toLocaleString()} rows in ${secs(performance.now() - t0)}`);
  const storeSize = kind === 'sqlite' ? statSync(spec.slice(7)).size
    : Number((await pg.query('central', 'SELECT pg_database_size(current_database()) AS n'))[0].n);
  log(`store size: ${mib(storeSize)}`);
  const dir = path.join(work, `backups-${kind}`);
  const results = { kind, storeSize };

  // While a server is serving: the backup is taken online.
  const admin = await createToken(spec, { hotel: '*', scope: 'admin' });
  let srv = await startServer(spec);
  const created = await server(['backup', 'create', '--store', spec, '--dir', dir, '--json']);
  const m = JSON.parse(created.stdout);
  results.backupMs = created.ms;
  results.backupSize = m.sizeBytes;
  log(`backup create (online): ${secs(created.ms)}, ${mib(m.sizeBytes)} (${path.basename(m.path)})`);
  const monitored = await server(['backup', 'monitor', '--store', spec, '--dir', dir]);
  results.monitorMs = monitored.ms;
  log(`backup monitor (scratch restore + checks): ${secs(monitored.ms)}`);
  await srv.stop();

  // RTO: from "the store is gone" to "the server answers again" on a restored store.
  let target;
  if (kind === 'sqlite') target = `sqlite:${path.join(work, 'restored.db')}`;
  else target = await pg.createDatabase('restored');
  t0 = performance.now();
  const restored = await server(['backup', 'restore', '--from', m.path, '--to', target]);
  srv = await startServer(target);
  const health = await request(srv.url, { path: '/v1/health' });
  if (health.status !== 200) throw new Error(`restored server: ${health.status}`);
  const pull = await request(srv.url, { path: '/v1/hotels/1/changes?limit=1', token: admin });
  if (pull.status !== 200) throw new Error(`restored pull: ${pull.status} ${pull.text}`);
  results.restoreMs = restored.ms;
  results.rtoMs = performance.now() - t0;
  log(`backup restore (verified): ${secs(restored.ms)}; RTO to a serving server: ${secs(results.rtoMs)}`);
  await srv.stop();

  if (pg) {
    // PITR: base backup, then RPO of WAL archiving = commit -> segment archived.
    t0 = performance.now();
    await execFileP(path.join(ROOT, 'scripts', 'pitr'), ['base-backup', '--uri', spec, '--to', path.join(work, 'base')], { maxBuffer: 16 << 20 });
    results.baseBackupMs = performance.now() - t0;
    log(`pitr base-backup: ${secs(results.baseBackupMs)}`);
    srv = await startServer(spec);
    await request(srv.url, { method: 'PATCH', path: '/v1/hotels/1', token: admin, body: { name: 'Chain Hotel 1 (renamed)' } });
    const committed = performance.now();
    const [{ seg }] = await pg.query('central', 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS seg');
    await until(async () => {
      const [{ last }] = await pg.query('central', "SELECT coalesce(last_archived_wal, '') AS last FROM pg_stat_archiver");
      return last >= seg;
    }, 180000);
    results.walRpoMs = performance.now() - committed;
    log(`WAL archiving RPO (commit -> its segment archived, archive_timeout 60 s): ${secs(results.walRpoMs)}`);
    const [{ ts }] = await pg.query('central', 'SELECT clock_timestamp()::text AS ts');
    // Recovery stops at the first commit after the target: there must be one.
    await execFileP(path.join(PG_BIN, 'psql'), ['-X', '-q', spec, '-c', 'UPDATE hotels SET updated_at = updated_at + 1 WHERE id = 2']);
    await srv.stop();
    await execFileP(path.join(ROOT, 'scripts', 'pitr'), ['switch-wal', '--uri', spec]);
    const port = 20000 + Math.floor(Math.random() * 20000);
    t0 = performance.now();
    await execFileP(path.join(ROOT, 'scripts', 'pitr'), ['restore', '--base', path.join(work, 'base'), '--archive', archive,
      '--target-time', ts, '--data', path.join(work, 'pitr-data'), '--start', '--port', String(port),
      '--server-options', '-c max_connections=300'], { maxBuffer: 16 << 20 });
    results.pitrRestoreMs = performance.now() - t0;
    log(`pitr restore to a timestamp (copy base + replay + promote): ${secs(results.pitrRestoreMs)}`);
    await execFileP(path.join(ROOT, 'scripts', 'pitr'), ['stop', '--data', path.join(work, 'pitr-data')]);
    pg.stop();
  }
  return results;
}

try {
  const dataset = buildDataset('chain', { quick: values.quick });
  const tables = centralRows(dataset);
  const rowCount = tables.reduce((n, t) => n + t.rows.length, 0);
  const perTable = new Map();
  for (const t of tables) perTable.set(t.table, (perTable.get(t.table) ?? 0) + t.rows.length);
  log(`chain dataset${values.quick ? ' (quick)' : ''}: ${[...perTable].map(([t, n]) => `${t} ${n}`).join(', ')}`);
  const out = [];
  for (const kind of values.stores.split(',')) {
    if (kind === 'postgresql' && !pgAvailable()) { log('postgresql: binaries not found, skipped'); continue; }
    out.push(await drill(kind, tables, rowCount));
  }
  writeFileSync(path.join(os.tmpdir(), 'edgestay-backup-drill.json'), JSON.stringify(out, null, 2));
  log(`\nresults also in ${path.join(os.tmpdir(), 'edgestay-backup-drill.json')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
