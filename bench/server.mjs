#!/usr/bin/env node
// Benchmark of edgestay-server (not part of the tests). Prints, for SQLite and PostgreSQL:
//   - booking pushes/s and p50/p99 latency of one push under 32 concurrent clients
//     (each client pushes one createBooking at a time, keep-alive connections);
//   - pull throughput (changes/s) of a 1-year inventory bootstrap (seed-demo hotel,
//     and a 20-room-type hotel), paging with limit=5000 through HTTP + JSON.parse.
//
//   node bench/server.mjs [--seconds 10] [--clients 32] [--stores sqlite,postgresql]
//                         [--server-args='--db-connections 8'] [--push-only]
//                         [--ab OLD_BINARY,NEW_BINARY [--rounds 3]] [--pg-stats]
//
// --push-only skips the pull part: for A/B runs of two server binaries interleaved
// (EDGESTAY_SERVER=old … ; EDGESTAY_SERVER=new … ; repeat), which a shared machine needs.
// --ab does that in one process: push-only runs of each binary in turn, --rounds times
// per store, then the medians per binary.
//
// --pg-stats loads pg_stat_statements into the private cluster and prints, after each
// PostgreSQL push run, every statement the run executed with its calls, rows and execution
// time per push (the extension costs CPU itself: count statements with it, time without).
//
// Besides the rate and latency, each push run reports the CPU time and the context
// switches per push of the server and of the PostgreSQL cluster: on a shared machine the
// rate follows the other jobs' load, these follow the code.
//
// Uses build/native/sync/server/edgestay-server (or $EDGESTAY_SERVER). The stores are
// durable: SQLite synchronous=FULL in WAL mode, PostgreSQL with its default fsync and
// synchronous_commit (a private cluster in a temp folder).
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cli, createToken, pushGroupPaths, startServer } from '../tests/server/support/server.mjs';
import { pgAvailable, startPostgres } from '../tests/server/support/pg.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '32' },
    stores: { type: 'string', default: 'sqlite,postgresql' },
    'server-args': { type: 'string', default: '' },
    'push-only': { type: 'boolean', default: false },
    ab: { type: 'string', default: '' },
    rounds: { type: 'string', default: '3' },
    'pg-stats': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function call(url, { method = 'GET', path: p, token, body }) {
  const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(p, url), {
      method, agent,
      headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200 && res.statusCode !== 201) reject(new Error(`${res.statusCode} ${text.slice(0, 200)}`));
        else resolve(JSON.parse(text));
      });
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

// The push load generator: one keep-alive socket per client, the request written as one
// buffer and the response framed by its Content-Length. node:http's client costs ~0.3 ms
// of CPU per request, as much as the server's whole push: on a 2-core machine it capped
// the rate this benchmark could measure (the client's CPU per push is reported).
function leanClient(url) {
  const { hostname, port } = new URL(url);
  let socket = null;
  let pending = null;  // { resolve, reject } of the request in flight
  let buf = Buffer.alloc(0);
  const settle = (err, value) => {
    const p = pending;
    pending = null;
    if (p) (err ? p.reject(err) : p.resolve(value));
  };
  const connect = () => {
    const s = net.createConnection({ host: hostname, port: Number(port), noDelay: true });
    buf = Buffer.alloc(0);
    // An old socket's late events (its close after the server's "Connection: close")
    // must not fail the request already in flight on its successor.
    s.on('error', (err) => { if (socket === s) { socket = null; settle(err); } });
    s.on('close', () => { if (socket === s) { socket = null; settle(new Error('connection closed')); } });
    s.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const headers = buf.toString('latin1', 0, head);
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
      if (!m) return settle(new Error(`response without Content-Length: ${headers.slice(0, 200)}`));
      const end = head + 4 + Number(m[1]);
      if (buf.length < end) return;
      const status = Number(headers.slice(9, 12));
      const body = buf.toString('utf8', head + 4, end);
      buf = buf.subarray(end);
      // The server closes a keep-alive connection after its request limit: reconnect.
      if (/\r\nconnection:\s*close/i.test(headers)) { socket = null; s.destroy(); }
      if (status !== 200 && status !== 201) settle(new Error(`${status} ${body.slice(0, 200)}`));
      else settle(null, JSON.parse(body));
    });
    return s;
  };
  return {
    post(pathname, token, body) {
      const payload = Buffer.from(JSON.stringify(body));
      if (!socket) socket = connect();
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        socket.write(Buffer.concat([Buffer.from(`POST ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\n` +
          `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${payload.length}\r\n\r\n`, 'latin1'), payload]));
      });
    },
    close() { socket?.destroy(); socket = null; },
  };
}

const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// CPU seconds (user + system) spent so far by a process, its live children and its reaped
// children (Linux /proc; null elsewhere). Work per push is what a loaded, shared machine
// changes least: wall-clock rates follow the other jobs, CPU per push follows the code.
const procStat = (p) => {
  try {
    const text = readFileSync(`/proc/${p}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');  // fields from state (3rd) on
  } catch { return null; }
};
// Live children of a process.
function childrenOf(pid) {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(procStat(e)?.[1]) === pid).map(Number);
}
function cpuSeconds(pid) {
  const own = procStat(pid);
  if (!own) return null;
  const ticks = 100;  // USER_HZ
  let total = (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) / ticks;
  for (const child of childrenOf(pid)) {
    const f = procStat(child);
    if (f) total += (Number(f[11]) + Number(f[12])) / ticks;
  }
  return total;
}

// Context switches (voluntary + involuntary) of a process's threads and its live
// children's: each wait for another process's answer costs two on a busy machine.
function contextSwitches(pid) {
  const of = (p) => {
    let n = 0;
    try {
      for (const t of readdirSync(`/proc/${p}/task`)) {
        const st = readFileSync(`/proc/${p}/task/${t}/status`, 'utf8');
        n += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(st)[1]) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(st)[1]);
      }
    } catch { return null; }
    return n;
  };
  const own = of(pid);
  if (own === null) return null;
  return childrenOf(pid).reduce((sum, c) => sum + (of(c) ?? 0), own);
}

// The PostgreSQL cluster's postmaster pid (first line of postmaster.pid), or null.
function postmasterPid(cluster) {
  try { return Number(readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]); }
  catch { return null; }
}

// groupsOf(hotel), when given, answers { groups, span, steps } from the hotel's push
// records grouped by the transaction that wrote them (PostgreSQL: xmin): pushes / groups =
// the mean push group; span / steps = ms from one mutation of a group to the next (their
// records' created_at), the serial chain inside the hotel's lock.
async function benchPushes(url, admin, pids = {}, groupsOf = null) {
  const today = new Date().toISOString().slice(0, 10);
  const hotel = (await call(url, { method: 'POST', path: '/v1/hotels', token: admin, body: { name: 'Bench' } })).hotel.id;
  const rt = (await call(url, { method: 'POST', path: `/v1/hotels/${hotel}/room-types`, token: admin,
    body: { name: 'Big', basePriceCents: 10000, totalRooms: 100000 } })).roomType.id;
  await call(url, { method: 'PUT', path: `/v1/hotels/${hotel}/inventory`, token: admin,
    body: { roomTypeId: rt, from: addDays(today, 1), to: addDays(today, 301), total: 100000, priceCents: 10000 } });
  const latencies = [];
  let errors = 0, rejected = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const cs0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, contextSwitches(pid)]));
  const client0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    const conn = leanClient(url);
    let seq = 0;
    while (Date.now() < deadline) {
      seq++;
      const start = 1 + ((c * 31 + seq * 7) % 290);
      const nights = 1 + (seq % 3);
      const body = { format: 'edgestay.push/1', clientId: `bench-${c}`, mutations: [{
        seq, type: 'createBooking', idempotencyKey: `bench-${c}-${seq}`,
        args: { roomTypeId: rt, userId: 1 + c, checkIn: addDays(today, start), checkOut: addDays(today, start + nights), rooms: 1, guests: 1 },
      }] };
      const s = process.hrtime.bigint();
      try {
        const r = await conn.post(`/v1/hotels/${hotel}/mutations`, admin, body);
        if (r.results[0].status !== 'applied') rejected++;
      } catch {
        errors++;
      }
      latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    conn.close();
  }));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const client = process.cpuUsage(client0);
  latencies.sort((a, b) => a - b);
  // Milliseconds of CPU per push, by process (server, postgres, and this benchmark's own
  // clients: on two cores the load generator's share caps the rate it can measure).
  const cpuMsPerPush = {};
  const switchesPerPush = {};
  for (const [k, pid] of Object.entries(pids)) {
    const now = cpuSeconds(pid);
    if (now !== null && cpu0[k] !== null) cpuMsPerPush[k] = ((now - cpu0[k]) * 1000) / latencies.length;
    const cs = contextSwitches(pid);
    if (cs !== null && cs0[k] !== null) switchesPerPush[k] = (cs - cs0[k]) / latencies.length;
  }
  cpuMsPerPush.client = (client.user + client.system) / 1000 / latencies.length;
  const g = groupsOf ? await groupsOf(hotel) : null;
  return { pushes: latencies.length, perSecond: latencies.length / wall, p50: pct(latencies, 50), p99: pct(latencies, 99), errors, rejected, cpuMsPerPush, switchesPerPush,
    meanGroup: g ? latencies.length / g.groups : undefined, stepMs: g && g.steps > 0 ? g.span / g.steps : undefined };
}

// pg_stat_statements since its reset, per push: what one booking push costs PostgreSQL.
async function statementsPerPush(cluster, pushes) {
  const rows = await cluster.query('bench', 'SELECT calls, rows, total_exec_time AS ms, query FROM pg_stat_statements'
    + ` WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'bench') AND query NOT LIKE '%pg_stat_statements%'`
    + ' ORDER BY total_exec_time DESC');
  const [wal] = await cluster.query('bench', 'SELECT wal_records, wal_fpi, wal_bytes, wal_sync FROM pg_stat_wal');
  const statements = rows.map((r) => ({ calls: r.calls / pushes, rows: r.rows / pushes, ms: r.ms / pushes,
    query: r.query.replace(/\s+/g, ' ') }));
  statements.wal = { records: wal.wal_records / pushes, fpi: wal.wal_fpi / pushes, bytes: Number(wal.wal_bytes) / pushes,
    syncs: wal.wal_sync / pushes };
  return statements;
}

async function benchBootstrap(url, token, hotel) {
  const runs = [];
  let changes = 0;
  for (let i = 0; i < 5; i++) {
    let since = null;
    changes = 0;
    const t0 = process.hrtime.bigint();
    for (;;) {
      const b = await call(url, { path: `/v1/hotels/${hotel}/changes?limit=5000${since ? `&since=${since}` : ''}`, token });
      for (const c of b.changes) changes += c.rows ? c.rows.length : 1;
      since = b.cursor;
      if (!b.hasMore) break;
    }
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  runs.sort((a, b) => a - b);
  const median = runs[Math.floor(runs.length / 2)];
  return { changes, ms: median, perSecond: changes / (median / 1000) };
}

async function seedBig(url, admin) {
  const today = new Date().toISOString().slice(0, 10);
  const hotel = (await call(url, { method: 'POST', path: '/v1/hotels', token: admin, body: { name: 'Twenty' } })).hotel.id;
  const updates = [];
  for (let i = 0; i < 20; i++) {
    const rt = (await call(url, { method: 'POST', path: `/v1/hotels/${hotel}/room-types`, token: admin,
      body: { name: `Type ${i}`, basePriceCents: 9000 + i * 500, totalRooms: 10 + i } })).roomType.id;
    updates.push({ roomTypeId: rt, from: today, to: addDays(today, 365), total: 10 + i, priceCents: 9000 + i * 500 });
  }
  await call(url, { method: 'PUT', path: `/v1/hotels/${hotel}/inventory`, token: admin, body: { updates } });
  return hotel;
}

async function run(kind) {
  let store, cluster = null, dir = null;
  if (kind === 'sqlite') {
    dir = mkdtempSync(path.join(os.tmpdir(), 'edgestay-bench-'));
    store = `sqlite:${path.join(dir, 'central.db')}`;
  } else {
    cluster = await startPostgres({ durable: true, conf: values['pg-stats']
      ? "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = 'all'" : '' });
    store = await cluster.createDatabase('bench');
    if (values['pg-stats']) await cluster.exec('bench', 'CREATE EXTENSION pg_stat_statements');
  }
  await cli(store, ['migrate']);
  const admin = await createToken(store, { hotel: '*', scope: 'admin' });
  const demo = JSON.parse((await cli(store, ['seed-demo', '--json'])).stdout);
  const server = await startServer(store, values['server-args'].split(' ').filter(Boolean));
  try {
    const pids = { server: server.proc.pid };
    if (cluster && postmasterPid(cluster)) pids.postgres = postmasterPid(cluster);
    // Every push record of a group is written by its one transaction (no savepoints on
    // the normal path), so their distinct xmin count the groups.
    const groupsOf = cluster && (async (hotel) => {
      const [r] = await cluster.query('bench', 'SELECT count(*) AS groups, sum(span) AS span, sum(n - 1) AS steps FROM'
        + ' (SELECT max(created_at) - min(created_at) AS span, count(*) AS n FROM push_results'
        + ` WHERE hotel_id = ${hotel} GROUP BY xmin::text) g`);
      return { groups: Number(r.groups), span: Number(r.span), steps: Number(r.steps) };
    });
    if (cluster && values['pg-stats']) await cluster.query('bench', "SELECT pg_stat_statements_reset(), pg_stat_reset_shared('wal')");
    const push = await benchPushes(server.url, admin, pids, groupsOf);
    push.paths = await pushGroupPaths(server.url);
    if (cluster && values['pg-stats']) push.statements = await statementsPerPush(cluster, push.pushes);
    if (values['push-only'] || values.ab) return { kind, push };
    const read = await createToken(store, { hotel: demo.hotel.id, scope: 'read' });
    const demoPull = await benchBootstrap(server.url, read, demo.hotel.id);
    const big = await seedBig(server.url, admin);
    const bigPull = await benchBootstrap(server.url, admin, big);
    return { kind, push, demoPull, bigPull };
  } finally {
    await server.stop();
    cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const kinds = values.stores.split(',').filter((k) => k !== 'postgresql' || pgAvailable());
console.log(`edgestay-server bench: ${CLIENTS} clients x ${SECONDS} s of booking pushes; ${os.cpus().length} CPUs`);
const f = (x) => x.toFixed(1);
const pushLine = (label, p) => `${label} push: ${f(p.perSecond)} pushes/s, p50 ${f(p.p50)} ms, p99 ${f(p.p99)} ms` +
  (p.pushes === undefined ? '' : ` (${p.pushes} pushes, ${p.rejected} rejected, ${p.errors} errors)`) +
  Object.entries(p.cpuMsPerPush).map(([k, ms]) => `; ${k} CPU ${ms.toFixed(3)} ms/push`).join('') +
  Object.entries(p.switchesPerPush).map(([k, n]) => `; ${k} ${n.toFixed(1)} switches/push`).join('') +
  (p.meanGroup ? `; ${p.meanGroup.toFixed(1)} pushes/group` : '') +
  (p.stepMs ? `; ${p.stepMs.toFixed(3)} ms/mutation in a group` : '') +
  (p.paths && Object.keys(p.paths).length ? `; groups by path: ${Object.entries(p.paths).map(([k, n]) => `${k} ${n}`).join(', ')}` : '');
function printStatements(stmts) {
  const sum = (k) => stmts.reduce((a, s) => a + s[k], 0);
  console.log(`  PostgreSQL per push: ${sum('calls').toFixed(2)} statements, ${sum('rows').toFixed(1)} rows,`
    + ` ${(sum('ms') * 1000).toFixed(0)} us executing; WAL ${stmts.wal.records.toFixed(1)} records`
    + ` (${stmts.wal.fpi.toFixed(2)} full pages), ${Math.round(stmts.wal.bytes)} bytes, ${stmts.wal.syncs.toFixed(3)} syncs`);
  for (const s of stmts) {
    console.log(`  ${s.calls.toFixed(3).padStart(7)} calls ${s.rows.toFixed(2).padStart(6)} rows`
      + ` ${(s.ms * 1000).toFixed(1).padStart(6)} us  ${s.query.slice(0, 110)}`);
  }
}
if (values.ab) {
  const binaries = values.ab.split(',').filter(Boolean);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const kind of kinds) {
    const runs = new Map(binaries.map((b) => [b, []]));
    for (let round = 1; round <= Number(values.rounds); round++) {
      for (const bin of binaries) {
        process.env.EDGESTAY_SERVER = bin;
        const { push } = await run(kind);
        runs.get(bin).push(push);
        console.log(pushLine(`round ${round} ${kind} ${bin}`, push));
        if (push.statements) printStatements(push.statements);
      }
    }
    for (const [bin, rs] of runs) {
      const per = (field) => Object.fromEntries(Object.keys(rs[0][field]).map((k) => [k, median(rs.map((r) => r[field][k]))]));
      console.log(pushLine(`median of ${rs.length} ${kind} ${bin}`, {
        perSecond: median(rs.map((r) => r.perSecond)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)),
        cpuMsPerPush: per('cpuMsPerPush'), switchesPerPush: per('switchesPerPush'),
        meanGroup: rs[0].meanGroup === undefined ? undefined : median(rs.map((r) => r.meanGroup)),
        stepMs: rs[0].stepMs === undefined ? undefined : median(rs.map((r) => r.stepMs)),
      }));
    }
  }
}
for (const kind of values.ab ? [] : kinds) {
  const r = await run(kind);
  console.log(pushLine(kind.padEnd(10), r.push));
  if (r.push.statements) printStatements(r.push.statements);
  if (!r.demoPull) continue;
  console.log(`${kind.padEnd(10)} pull: seed-demo 1-year bootstrap ${r.demoPull.changes} changes in ${f(r.demoPull.ms)} ms = ${Math.round(r.demoPull.perSecond)} changes/s;` +
    ` 20 room types x 365 nights ${r.bigPull.changes} changes in ${f(r.bigPull.ms)} ms = ${Math.round(r.bigPull.perSecond)} changes/s`);
}
agent.destroy();
