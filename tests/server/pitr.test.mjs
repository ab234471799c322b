// Point-in-time recovery of the PostgreSQL central store with scripts/pitr: WAL archived
// into a folder, a base backup, booking A, time T, booking B, restore to T -> A present,
// B absent; an edge that synced past T gets CURSOR_AHEAD from the restored centre,
// bootstraps again, and then equals the restored store.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PG_BIN, pgAvailable, pgSkipReason, startPostgres } from './support/pg.mjs';
import { createToken, startServer } from './support/server.mjs';
import { client } from './support/http.mjs';
import { ROOT } from './support/paths.mjs';
import { SKIP, core } from './support/engine.mjs';
import { booking, addDays, createHotel } from './support/stores.mjs';
import { KEYS, COLUMNS } from './support/tables.mjs';

const execFileP = promisify(execFile);
const { openEngine } = core;
const { SyncClient, SyncError } = await import('../../sync/client/index.mjs');
const skip = !pgAvailable() ? pgSkipReason : SKIP.skip ?? false;

const pitr = (args) => execFileP(path.join(ROOT, 'scripts', 'pitr'), args, { timeout: 180000, maxBuffer: 16 << 20 });

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const TABLES = ['hotels', 'room_types', 'room_inventory', 'booking_rules', 'special_days', 'bookings'];
const keyOf = (t, r) => JSON.stringify(KEYS[t].map((k) => String(r[k])));
const norm = (t, r) => Object.fromEntries(COLUMNS[t].map((c) => [c, r[c] === null ? null : String(r[c])]));
const rowsOf = (t, rows) => new Map(rows.map((r) => [keyOf(t, r), norm(t, r)]));

describe('point-in-time recovery (postgresql)', { skip }, () => {
  const cleanup = [];
  after(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
  });

  it('restore to T: A present, B absent; an edge past T gets CURSOR_AHEAD, bootstraps again and equals the restored store', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'edgestay-pitr-'));
    cleanup.push(async () => rmSync(work, { recursive: true, force: true }));
    chmodSync(work, 0o755);  // the postgres user reaches the archive and the restored cluster
    const archive = path.join(work, 'archive');
    const { stdout: conf } = await pitr(['archive-settings', '--archive', archive]);
    assert.match(conf, /archive_mode = on/);
    const pg = await startPostgres({ durable: true, conf });
    cleanup.push(async () => pg.stop());
    const spec = await pg.createDatabase('central');
    const admin = await createToken(spec, { hotel: '*', scope: 'admin' });
    let server = await startServer(spec);
    cleanup.push(async () => server.stop());
    const { hotelId: h, roomTypeId: rt, from } = await createHotel(client(server.url, admin), { name: 'Harbour', rooms: 3, nights: 7, priceCents: 9000 });
    const book = await createToken(spec, { hotel: h, scope: 'book' });

    await pitr(['base-backup', '--uri', spec, '--to', path.join(work, 'base')]);

    const push = (key, seq, night) => client(server.url, book).post(`/v1/hotels/${h}/mutations`, {
      format: 'edgestay.push/1', clientId: 'front-desk',
      mutations: [booking(seq, key, { roomTypeId: rt, checkIn: addDays(from, night), checkOut: addDays(from, night + 2) })],
    });
    assert.equal((await push('booking-A', 1, 0)).json.results[0].status, 'applied');
    await new Promise((r) => setTimeout(r, 300));
    const [{ ts: t }] = await pg.query('central', 'SELECT clock_timestamp()::text AS ts');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await push('booking-B', 2, 3)).json.results[0].status, 'applied');

    // An edge syncs past T.
    const edge = await openEngine({ cache: false });
    await new SyncClient(edge, { baseUrl: server.url, hotelId: h, token: book }).syncOnce();
    const edgeCursor = Number(edge.asOf().cursor);
    const [{ last_seq: headAfterB }] = await pg.query('central', `SELECT last_seq FROM change_seq WHERE hotel_id = ${h}`);
    assert.equal(edgeCursor, Number(headAfterB));

    await pitr(['switch-wal', '--uri', spec]);
    await server.stop();

    const port = await freePort();
    const restored = path.join(work, 'restored');
    await pitr(['restore', '--base', path.join(work, 'base'), '--archive', archive, '--target-time', t,
      '--data', restored, '--start', '--port', String(port),
      '--server-options', '-c max_connections=300']);  // as many as the test cluster has
    cleanup.push(async () => pitr(['stop', '--data', restored]));
    const restoredUri = `postgresql://postgres@127.0.0.1:${port}/central`;
    const query = async (sql) => {
      const { stdout } = await execFileP(path.join(PG_BIN, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', restoredUri,
        '-c', `SELECT coalesce(json_agg(t), '[]'::json) FROM (${sql}) t`]);
      return JSON.parse(stdout);
    };
    const keys = (await query(`SELECT idempotency_key FROM bookings WHERE hotel_id = ${h}`)).map((r) => r.idempotency_key);
    assert.deepEqual(keys, ['booking-A'], 'A present, B absent');
    const [{ last_seq: headAtT }] = await query(`SELECT last_seq FROM change_seq WHERE hotel_id = ${h}`);
    assert.ok(Number(headAtT) < edgeCursor, 'the restored centre is behind the edge');

    server = await startServer(restoredUri);
    const stale = new SyncClient(edge, { baseUrl: server.url, hotelId: h, token: book });
    await assert.rejects(stale.syncOnce(), (e) => e instanceof SyncError && e.code === 'CURSOR_AHEAD');

    // Bootstrap again: a new engine pulls the restored centre from the start.
    const fresh = await openEngine({ cache: false });
    await new SyncClient(fresh, { baseUrl: server.url, hotelId: h, token: book }).syncOnce();
    assert.equal(Number(fresh.asOf().cursor), Number(headAtT));
    const db = new Database(Buffer.from(fresh.exportDatabase()));
    try {
      for (const table of TABLES) {
        const where = table === 'hotels' ? `id = ${h}` : ['room_types', 'booking_rules', 'special_days', 'bookings'].includes(table)
          ? `hotel_id = ${h}` : `room_type_id IN (SELECT id FROM room_types WHERE hotel_id = ${h})`;
        const central = rowsOf(table, await query(`SELECT ${COLUMNS[table].join(', ')} FROM ${table} WHERE ${where}`));
        const local = rowsOf(table, db.prepare(`SELECT ${COLUMNS[table].join(', ')} FROM ${table}`).all());
        assert.deepEqual(local, central, `${table}: the re-bootstrapped edge equals the restored store`);
      }
    } finally {
      db.close();
    }
    fresh.close();
    edge.close();
  });
});
