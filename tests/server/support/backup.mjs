// Helpers for the backup, migration and PITR tests: run the CLI expecting success or
// failure, read every table of a store, write to a store directly, and check the
// invariants a consistent copy of the central store must hold.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PG_BIN } from './pg.mjs';
import { serverBinary } from './paths.mjs';

const execFileP = promisify(execFile);

// Runs edgestay-server ARGS; resolves { code, stdout, stderr } whatever the exit code.
export async function run(args, { env = {} } = {}) {
  try {
    const { stdout, stderr } = await execFileP(serverBinary(), args, {
      timeout: 120000, maxBuffer: 64 << 20, env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Like run(), but throws with the output unless the command succeeded.
export async function ok(args, opts) {
  const r = await run(args, opts);
  if (r.code !== 0) throw new Error(`edgestay-server ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r;
}

// Executes SQL that changes a store (the stores' query() helpers are read-only).
export async function execSql(spec, sql) {
  if (spec.startsWith('sqlite:')) {
    const db = new Database(spec.slice(7));
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  await execFileP(path.join(PG_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', spec, '-c', sql]);
}

// Every table of a store, each as its rows in a canonical order (JSON text of each row).
export async function dumpTables(store) {
  const tables = store.kind === 'sqlite'
    ? await store.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    : await store.query("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  const out = {};
  for (const { name } of tables) {
    const rows = await store.query(`SELECT * FROM "${name}"`);
    out[name] = rows.map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, v === null ? null : String(v)]))).sort();
  }
  return out;
}

// The invariants of a consistent central store; returns a list of violations.
//  - every night's sold rooms (total - available) equal the rooms of the CONFIRMED and
//    HELD bookings covering it: no booking without its inventory, no inventory without
//    its booking;
//  - every hotel's change log is gap-free, 1..its position (nothing is trimmed here).
export async function consistencyProblems(store) {
  const problems = [];
  const inv = await store.query('SELECT room_type_id, date, total, available FROM room_inventory');
  const bookings = await store.query("SELECT room_type_id, start_date, end_date, rooms FROM bookings WHERE status IN ('CONFIRMED', 'HELD')");
  const sold = new Map();
  for (const b of bookings) {
    for (let d = String(b.start_date); d < String(b.end_date); d = nextDay(d)) {
      const k = `${b.room_type_id}|${d}`;
      sold.set(k, (sold.get(k) ?? 0) + Number(b.rooms));
    }
  }
  for (const r of inv) {
    const k = `${r.room_type_id}|${r.date}`;
    const want = Number(r.total) - Number(r.available);
    if ((sold.get(k) ?? 0) !== want) problems.push(`${k}: ${want} rooms sold in inventory, bookings hold ${sold.get(k) ?? 0}`);
  }
  const logs = await store.query('SELECT hotel_id, COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi FROM change_log GROUP BY hotel_id');
  const heads = new Map((await store.query('SELECT hotel_id, last_seq FROM change_seq')).map((r) => [Number(r.hotel_id), Number(r.last_seq)]));
  for (const l of logs) {
    const head = heads.get(Number(l.hotel_id));
    if (Number(l.lo) !== 1 || Number(l.n) !== Number(l.hi) || Number(l.hi) !== head) {
      problems.push(`hotel ${l.hotel_id}: change log ${l.lo}..${l.hi} (${l.n} entries), position ${head}`);
    }
  }
  return problems;
}

function nextDay(date) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
