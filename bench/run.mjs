#!/usr/bin/env node
// edgestay benchmark: the engine's public API (cold and warm cache) against sql.js and
// better-sqlite3 running the same SQL on the same data, in one process, interleaved.
//
//   npm run bench                  full run (~3-4 min on a 2-core machine)
//   BENCH_QUICK=1 npm run bench    smoke run on small datasets (< 30 s)
//   BENCH_OUT=file.json            where to write the results (default
//                                  bench/results/latest.json, or latest-quick.json)
//   BENCH_DATASETS=hotel           only some datasets (comma-separated)
//   BENCH_OPS=getCalendar,...      only some operations
//   BENCH_STORE=file               the engine on a fileStore (page-level persistence)
//
// It is a benchmark, not a test: targets are reported, never asserted. See
// docs/PERFORMANCE.md for what each number means.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

import { openEngine } from '../bindings/js/index.mjs';
import { loadCore } from '../bindings/js/loader.mjs';
import { buildDataset, tableRows } from './datasets.mjs';
import { ANSWERED_FROM_MEMORY, BetterSqlitePeer, SqlJsPeer, loadSqlJs, pickVariants, schemaFromImage } from './peers.mjs';
import { PlainPeer } from './plain.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.env.BENCH_QUICK === '1';
const OUT = process.env.BENCH_OUT
  ? path.resolve(process.env.BENCH_OUT)
  : path.join(ROOT, 'bench', 'results', QUICK ? 'latest-quick.json' : 'latest.json');
const DATASETS = (process.env.BENCH_DATASETS || 'hotel,chain').split(',').map((s) => s.trim()).filter(Boolean);

// Time budget per (dataset, operation), spread over all implementations and rounds.
const BUDGET_MS = QUICK ? 150 : 5500;
const ROUNDS = QUICK ? 3 : 16;
const WARMUP_CALLS = QUICK ? 5 : 30;
const MAX_PER_ROUND = QUICK ? 50 : 4000;
const MIN_SAMPLES = QUICK ? 6 : 100;        // per implementation, even when over budget
const MAX_WRITE_SAMPLES = QUICK ? 60 : 1200;  // createBooking: each call adds a booking
const COMPARE_CALLS = QUICK ? 8 : 24;

export const OPS = [
  'getRoomTypes',
  'checkRoomAvailability',
  'getAllRoomAvailability',
  'getUserBookingsWithRoomType',
  'getBookingStatistics',
  'getOccupancyRate',
  'batchCheckAvailability',
  'getCalendar',
  'createBooking',  // last: it writes (the same writes in every implementation)
];
const SELECTED_OPS = process.env.BENCH_OPS ? process.env.BENCH_OPS.split(',').map((s) => s.trim()) : OPS;
// 'bs3 plain': better-sqlite3 with the one indexed query per question and none of the
// engine's rules (bench/plain.mjs); its answers are simpler, so they are not compared.
export const IMPLS = ['edgestay cold', 'edgestay warm', 'sql.js', 'better-sqlite3', 'bs3 plain'];
const LABEL = {
  checkRoomAvailability: 'checkRoomAvailability (7 nights)',
  batchCheckAvailability: 'batchCheckAvailability x20',
  getCalendar: 'getCalendar (all room types x 30 days)',
  createBooking: 'createBooking (transaction)',
};
// Operations the "no slower than better-sqlite3, cold" target applies to.
const PARITY_OPS = ['getRoomTypes', 'getAllRoomAvailability', 'batchCheckAvailability', 'getCalendar'];

const gc = globalThis.gc ?? (() => {});
const now = () => performance.now();

// ------------------------------------------------------------------ helpers

function stats(samples) {
  if (!samples.length) return null;
  const s = Float64Array.from(samples).sort();
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  let sum = 0;
  for (const v of s) sum += v;
  return { p50: q(0.5) * 1000, p99: q(0.99) * 1000, mean: (sum / s.length) * 1000, n: s.length };  // µs
}

function sizes(file) {
  const bytes = readFileSync(file);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

function fmtUs(v) {
  if (v == null) return 'n/a';
  if (v >= 100000) return `${(v / 1000).toFixed(0)}k`;
  if (v >= 1000) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
const fmtRatio = (v) => (v == null || !Number.isFinite(v) ? 'n/a' : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const fmtKb = (b) => `${(b / 1024).toFixed(0)} KiB`;
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

/** Deep equality where numbers may differ in the last bits (doubles written by C++ vs JS). */
function sameAnswer(a, b) {
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameAnswer(v, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameAnswer(a[k], b[k]));
  }
  return isDeepStrictEqual(a, b);
}

function outcome(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    return { error: e.code ?? String(e.message ?? e) };
  }
}

function firstDifference(a, b, where = '') {
  if (sameAnswer(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], `${where}.${k}`);
      if (d) return d;
    }
  }
  return `${where || '(root)'}: ${JSON.stringify(a)?.slice(0, 120)} vs ${JSON.stringify(b)?.slice(0, 120)}`;
}

// BENCH_STORE=file: the engine keeps its database in a fileStore (docs/PERSISTENCE.md) in
// a temp folder, to compare reads and writes with the in-memory engine.
async function benchStore(kind) {
  if (process.env.BENCH_STORE !== 'file') return {};
  const { fileStore } = await import('../bindings/js/index.mjs');
  const dir = (await import('node:fs')).mkdtempSync(path.join(os.tmpdir(), 'edgestay-bench-store-'));
  console.log(`(engine on fileStore in ${dir})`);
  return { store: fileStore(path.join(dir, `${kind}.sqlite`)) };
}

// ------------------------------------------------------------------ implementations

/** The call each implementation makes for an operation with one workload entry. */
function caller(target, op) {
  switch (op) {
    case 'getRoomTypes': return (a) => target.getRoomTypes(a);
    case 'getUserBookingsWithRoomType': return (a) => target.getUserBookingsWithRoomType(a[0], a[1]);
    case 'batchCheckAvailability': return (a) => target.batchCheckAvailability(a);
    default: return (a) => target[op](a);
  }
}

// createBooking needs a fresh idempotency key per call; each implementation numbers its
// own calls, so all three make the same sequence of bookings.
function bookingArgs(args, n) {
  return { ...args, idempotencyKey: `${args.idempotencyKey}-${n}` };
}

function supports(engine, op) {
  return typeof engine[op] === 'function';
}

// ------------------------------------------------------------------ one dataset

async function runDataset(kind, ctx) {
  const log = (...a) => console.log(...a);
  const t0 = now();
  const ds = buildDataset(kind, { quick: QUICK });
  const genMs = now() - t0;
  const c = ds.counts;
  log(`\n== ${kind} dataset: ${ds.meta.size.hotels} hotel(s), ${c.room_types} room types x ${ds.meta.nights} nights` +
    ` = ${c.room_inventory.toLocaleString('en')} inventory rows, ${c.bookings.toLocaleString('en')} bookings,` +
    ` ${ds.meta.users.toLocaleString('en')} users (generated in ${genMs.toFixed(0)} ms)`);

  // ---- load: each implementation from the same change batch, measured separately.
  const load = {};
  const rss = {};
  const clock = () => ds.now;
  gc();
  let t = now();
  const engine = await openEngine({ now: clock, ...(await benchStore(kind)) });
  engine.applyChanges(ds.batch);
  load.edgestay = now() - t;
  rss.edgestay = process.memoryUsage().rss;

  const image = engine.exportDatabase();
  t = now();
  const fromSnapshot = await openEngine({ now: clock, snapshot: image });
  load['edgestay (snapshot)'] = now() - t;
  fromSnapshot.close();
  const imageBytes = image.length;

  gc();
  t = now();
  const sqljs = new SqlJsPeer({ now: clock, SQL: ctx.SQL });
  sqljs.createSchema(ctx.schema);
  sqljs.load(ds.batch, tableRows);
  load['sql.js'] = now() - t;
  rss['sql.js'] = process.memoryUsage().rss;

  gc();
  t = now();
  const bs3 = new BetterSqlitePeer({ now: clock });
  bs3.createSchema(ctx.schema);
  bs3.load(ds.batch, tableRows);
  load['better-sqlite3'] = now() - t;
  rss['better-sqlite3'] = process.memoryUsage().rss;
  const plain = PlainPeer.create(bs3, { now: clock });
  const wasmHeap = ctx.module?.HEAPU8?.buffer?.byteLength ?? null;
  ds.batch = null;  // 1.6 M rows of the chain: let them go before timing anything
  gc();

  log(`load: ${Object.entries(load).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(' | ')}` +
    ` (edgestay image ${(imageBytes / 1048576).toFixed(1)} MiB${wasmHeap ? `, wasm heap ${(wasmHeap / 1048576).toFixed(0)} MiB` : ''})`);

  const cache = typeof engine.cacheStats === 'function' && typeof engine.clearCache === 'function';
  const ops = SELECTED_OPS.filter((op) => OPS.includes(op));

  // ---- same SQL: the statements the engine prepares for these operations vs the peers'.
  for (const op of ops) {
    if (op === 'createBooking' || !supports(engine, op)) continue;
    outcome(() => caller(engine, op)(ds.workloads[op][0]));
  }
  const engineSql = engine.explainQueries().map((e) => e.sql);
  const { chosen, adopted, fromMemory, drift } = pickVariants(engineSql);
  sqljs.useSql(chosen);
  bs3.useSql(chosen);
  if (adopted.length) log(`note: the peers run the engine's current SQL (changed since bench/peers.mjs was written) for: ${adopted.join(', ')}`);
  if (fromMemory.length) {
    log(`note: the engine answers from memory (the peers run their per-question SQL): ` +
      `${fromMemory.map((role) => `${role} (${ANSWERED_FROM_MEMORY[role]})`).join(', ')}`);
  }
  if (drift.length) log(`WARNING: the engine no longer prepares the peers' SQL for: ${drift.join(', ')} (see bench/peers.mjs)`);

  // Bookings are made only on stays that are bookable at the start (same for all three).
  if (ops.includes('createBooking')) {
    ds.workloads.createBooking = ds.workloads.createBooking.filter((b) => outcome(() => bs3.checkRoomAvailability({
      roomTypeId: b.roomTypeId, checkIn: b.checkIn, checkOut: b.checkOut, rooms: b.rooms })).value?.available);
  }

  const targets = {
    'edgestay cold': engine, 'edgestay warm': engine, 'sql.js': sqljs, 'better-sqlite3': bs3, 'bs3 plain': plain,
  };
  const results = {};
  for (const op of ops) {
    gc();
    results[op] = runOp(op, ds, targets, { cache, log });
  }

  const memory = { rssAfterLoad: rss, wasmHeapBytes: wasmHeap };
  engine.close();
  sqljs.close();
  bs3.close();
  plain.close();
  gc();
  return {
    description: { hotels: ds.meta.size.hotels, roomTypes: c.room_types, nights: ds.meta.nights, users: ds.meta.users },
    counts: c, generateMs: genMs, load, imageBytes, memory, sqlDrift: drift, sqlAdopted: adopted, sqlFromMemory: fromMemory,
    sql: Object.fromEntries(Object.entries(chosen).map(([k, v]) => [k, v])), cache, ops: results,
  };
}

function runOp(op, ds, targets, { cache, log }) {
  const engine = targets['edgestay cold'];
  const work = ds.workloads[op];
  const isWrite = op === 'createBooking';
  const engineHas = supports(engine, op);
  const out = { impls: {}, match: null, mismatch: null, errors: {} };
  const active = IMPLS.filter((impl) => {
    if (impl.startsWith('edgestay') && !engineHas) {
      out.impls[impl] = { na: `engine.${op} is not available in this build` };
      return false;
    }
    if (impl === 'edgestay warm' && isWrite) {
      out.impls[impl] = { na: 'a write: nothing to cache' };
      return false;
    }
    return true;
  });

  // One timed call per implementation; `i` indexes the workload (cycled).
  const counters = Object.fromEntries(IMPLS.map((k) => [k, 0]));
  const errors = Object.fromEntries(IMPLS.map((k) => [k, 0]));
  const fns = {};
  for (const impl of active) {
    const call = caller(targets[impl], op);
    const clear = cache ? () => engine.clearCache() : () => {};
    fns[impl] = (samples) => {
      const n = counters[impl]++;
      const args = isWrite ? bookingArgs(work[n % work.length], n) : work[n % work.length];
      if (impl === 'edgestay cold') clear();
      else if (impl === 'edgestay warm') {
        // Two asks prime the cache: the default admission stores an answer on its second miss.
        for (let k = 0; k < 2; k++) try { call(args); } catch { /* errors are counted below */ }
      }
      const t = now();
      try {
        call(args);
      } catch {
        errors[impl]++;
      }
      const dt = now() - t;
      if (samples) samples.push(dt);
      return dt;
    };
  }

  // Same answers? Compare on the first workload entries, before any timing. For the
  // write, the first call of each implementation is compared (same data, same key).
  if (active.length) {
    let match = true;
    let mismatch = null;
    const n = isWrite ? 1 : Math.min(COMPARE_CALLS, work.length);
    for (let i = 0; i < n && match; i++) {
      const args = isWrite ? bookingArgs(work[0], 'compare') : work[i];
      const answers = {};
      for (const impl of active) {
        if (impl === 'bs3 plain') continue;
        if (impl === 'edgestay cold' && cache) engine.clearCache();
        answers[impl] = outcome(() => caller(targets[impl], op)(args));
      }
      const ref = answers['better-sqlite3'];
      for (const impl of active) {
        if (impl === 'better-sqlite3' || impl === 'bs3 plain') continue;
        const a = answers[impl];
        if (!sameAnswer(a, ref)) {
          match = false;
          mismatch = `${impl} vs better-sqlite3, args ${JSON.stringify(args).slice(0, 160)}: ${firstDifference(a, ref)}`;
          break;
        }
      }
    }
    out.match = match;
    out.mismatch = mismatch;
  }

  // Boundary diagnostics: size of the engine's answer as JSON text and the JS cost of
  // parsing it (every engine call ends in one JSON.parse of that text).
  if (engineHas && !isWrite) {
    const answer = outcome(() => caller(engine, op)(work[0])).value;
    if (answer !== undefined) {
      const text = JSON.stringify(answer);
      const times = [];
      for (let i = 0; i < (QUICK ? 30 : 300); i++) {
        const t = now();
        JSON.parse(text);
        times.push(now() - t);
      }
      out.answerBytes = text.length;
      out.parseUs = stats(times.slice(times.length / 3)).p50;  // median after JIT warm-up
    }
  }

  // Warm up (JIT, prepared statements, page cache) and calibrate the calls per round so
  // that the op's rounds fit its time budget.
  const warm = {};
  for (const impl of active) {
    let total = 0;
    for (let i = 0; i < WARMUP_CALLS; i++) total += fns[impl](null);
    warm[impl] = total / WARMUP_CALLS;
  }
  const perCall = active.reduce((s, impl) => s + warm[impl] * (impl === 'edgestay warm' ? 2 : 1), 0) || 0.001;
  let perRound = Math.max(Math.ceil(MIN_SAMPLES / ROUNDS), Math.min(MAX_PER_ROUND, Math.floor(BUDGET_MS / ROUNDS / perCall)));
  if (isWrite) perRound = Math.min(perRound, Math.max(1, Math.floor((MAX_WRITE_SAMPLES - WARMUP_CALLS) / ROUNDS)));

  // Interleaved rounds; the order of implementations rotates every round.
  const samples = Object.fromEntries(active.map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let j = 0; j < active.length; j++) {
      const impl = active[(r + j) % active.length];
      for (let i = 0; i < perRound; i++) fns[impl](samples[impl]);
    }
  }
  for (const impl of active) {
    out.impls[impl] = stats(samples[impl]);
    out.errors[impl] = errors[impl];
  }
  const bs = out.impls['better-sqlite3']?.p50;
  const sj = out.impls['sql.js']?.p50;
  const pl = out.impls['bs3 plain']?.p50;
  for (const impl of active) {
    const s = out.impls[impl];
    s.xBs3 = bs ? s.p50 / bs : null;
    s.xSqlJs = sj ? s.p50 / sj : null;
    s.xPlain = pl ? s.p50 / pl : null;
  }
  if (out.match === false) log(`  ${op}: ANSWERS DIFFER: ${out.mismatch}`);
  return out;
}

// ------------------------------------------------------------------ report

function printTable(kind, r) {
  const lines = [];
  lines.push(`| op | impl | p50 µs | p99 µs | mean µs | ×bs3 | ×sql.js | ×plain |`);
  lines.push(`|---|---|---:|---:|---:|---:|---:|---:|`);
  for (const [op, o] of Object.entries(r.ops)) {
    for (const impl of IMPLS) {
      const s = o.impls[impl];
      const label = impl === IMPLS[0] ? (LABEL[op] ?? op) : '';
      if (!s || s.na) {
        lines.push(`| ${label} | ${impl} | n/a | | | | | |`);
        continue;
      }
      lines.push(`| ${label} | ${impl} | ${fmtUs(s.p50)} | ${fmtUs(s.p99)} | ${fmtUs(s.mean)} | ${fmtRatio(s.xBs3)} | ${fmtRatio(s.xSqlJs)} | ${fmtRatio(s.xPlain)} |`);
    }
  }
  console.log(`\n### ${kind}\n`);
  console.log(lines.join('\n'));
  const notes = [];
  for (const [op, o] of Object.entries(r.ops)) {
    if (o.match === false) notes.push(`answers differ for ${op}: ${o.mismatch}`);
    const errs = Object.entries(o.errors ?? {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
    if (errs.length) notes.push(`${op}: calls that threw (same args for all): ${errs.join(', ')}`);
  }
  if (notes.length) console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
  const sizes = Object.entries(r.ops).filter(([, o]) => o.answerBytes != null)
    .map(([op, o]) => `${op} ${(o.answerBytes / 1024).toFixed(1)} KiB / ${fmtUs(o.parseUs)} µs`);
  if (sizes.length) console.log(`\nedgestay answer as JSON (size / JSON.parse): ${sizes.join(', ')}`);
  return lines.join('\n');
}

function evaluateTargets(result) {
  const out = [];
  const add = (name, ok, detail) => out.push({ target: name, status: ok == null ? 'n/a' : ok ? 'met' : 'missed', detail });
  for (const [kind, r] of Object.entries(result.datasets)) {
    const readOps = Object.keys(r.ops).filter((op) => op !== 'createBooking');
    const slowVsSqlJs = [];
    let anyCold = false;
    for (const [op, o] of Object.entries(r.ops)) {
      const s = o.impls['edgestay cold'];
      if (!s || s.na) continue;
      anyCold = true;
      if (!(s.xSqlJs <= 1 / 3)) slowVsSqlJs.push(`${op} ${fmtRatio(1 / s.xSqlJs)}x`);
    }
    add(`${kind}: every op >= 3x faster than sql.js (cold)`, anyCold ? slowVsSqlJs.length === 0 : null,
      slowVsSqlJs.length ? `speed-up over sql.js below 3x: ${slowVsSqlJs.join(', ')}` : 'all ops');
    for (const op of PARITY_OPS) {
      const s = r.ops[op]?.impls['edgestay cold'];
      if (!s) continue;
      add(`${kind}: ${op} cold <= better-sqlite3`, s.na ? null : s.xBs3 <= 1, s.na ? s.na : `${fmtRatio(s.xBs3)}x bs3`);
    }
    const warmMisses = [];
    let anyWarm = false;
    for (const op of readOps) {
      const s = r.ops[op]?.impls['edgestay warm'];
      if (!s || s.na) continue;
      anyWarm = true;
      if (!(s.xBs3 <= 0.2)) warmMisses.push(`${op} ${fmtRatio(s.xBs3)}x`);
    }
    add(`${kind}: warm repeat <= 0.2x better-sqlite3`, anyWarm && result.features.cache ? warmMisses.length === 0 : null,
      !result.features.cache ? 'no cache in this build' : warmMisses.length ? `missed: ${warmMisses.join(', ')}` : 'all read ops');
    const hit = r.ops.checkRoomAvailability?.impls['edgestay warm'];
    if (hit && !hit.na) {
      add(`${kind}: checkRoomAvailability cache hit p50 <= 1 µs`, result.features.cache ? hit.p50 <= 1 : null,
        `${fmtUs(hit.p50)} µs${result.features.cache ? '' : ' (no cache in this build)'}`);
    }
    if (kind === 'hotel') {
      add('hotel: load <= better-sqlite3 bulk insert', r.load.edgestay <= r.load['better-sqlite3'],
        `${r.load.edgestay.toFixed(0)} ms vs ${r.load['better-sqlite3'].toFixed(0)} ms` +
        ` (edgestay from its snapshot: ${r.load['edgestay (snapshot)'].toFixed(0)} ms)`);
    }
  }
  const w = result.sizes;
  add('wasm gzip <= sql.js wasm gzip', w.edgestay.gzip <= w.sqljs.gzip, `${fmtKb(w.edgestay.gzip)} vs ${fmtKb(w.sqljs.gzip)}`);
  return out;
}

// ------------------------------------------------------------------ main

async function main() {
  const started = now();
  const module = await loadCore();
  const SQL = await loadSqlJs();
  const probe = await openEngine({ now: () => 0 });
  const schema = schemaFromImage(probe.exportDatabase());
  const features = {
    cache: typeof probe.cacheStats === 'function' && typeof probe.clearCache === 'function',
    createBooking: typeof probe.createBooking === 'function',
    explainQueries: typeof probe.explainQueries === 'function',
  };
  probe.close();

  const edgestayWasm = path.join(ROOT, 'bindings', 'js', 'dist', 'edgestay_core.wasm');
  const result = {
    version: 1,
    quick: QUICK,
    startedAt: new Date().toISOString(),
    env: {
      node: process.version, platform: `${process.platform} ${process.arch}`, cpu: os.cpus()[0]?.model ?? '?',
      cores: os.cpus().length, sqlJs: SqlJsPeer.version(), betterSqlite3: BetterSqlitePeer.version(),
    },
    features,
    sizes: { edgestay: sizes(edgestayWasm), sqljs: sizes(SqlJsPeer.wasmPath()) },
    settings: { budgetMs: BUDGET_MS, rounds: ROUNDS, warmupCalls: WARMUP_CALLS, ops: SELECTED_OPS },
    impls: IMPLS,
    datasets: {},
  };
  const bsProbe = new BetterSqlitePeer({ now: () => 0 });
  const sjProbe = new SqlJsPeer({ now: () => 0, SQL });
  result.env.sqlite = { edgestay: '3.50.4 (scripts/fetch-sqlite)', betterSqlite3: bsProbe.sqliteVersion(), sqlJs: sjProbe.sqliteVersion() };
  bsProbe.close();
  sjProbe.close();

  console.log(`edgestay benchmark${QUICK ? ' (BENCH_QUICK: small datasets, short runs)' : ''}`);
  console.log(`node ${process.version}, ${result.env.cpu} x${result.env.cores}; sql.js ${result.env.sqlJs}` +
    ` (SQLite ${result.env.sqlite.sqlJs}), better-sqlite3 ${result.env.betterSqlite3} (SQLite ${result.env.sqlite.betterSqlite3})`);
  console.log(`engine features: cache ${features.cache ? 'yes' : 'n/a'}, createBooking ${features.createBooking ? 'yes' : 'n/a'}`);
  if (!features.cache) console.log('(no cache API in this build: "edgestay warm" is a plain repeat of the same call)');

  const tables = {};
  for (const kind of DATASETS) {
    result.datasets[kind] = await runDataset(kind, { SQL, schema, module });
    tables[kind] = printTable(kind, result.datasets[kind]);
  }

  const w = result.sizes;
  console.log(`\nwasm size: edgestay_core.wasm ${fmtKb(w.edgestay.raw)} raw / ${fmtKb(w.edgestay.gzip)} gzip;` +
    ` sql.js sql-wasm.wasm ${fmtKb(w.sqljs.raw)} raw / ${fmtKb(w.sqljs.gzip)} gzip`);
  const maxRssKb = process.resourceUsage().maxRSS;
  result.peakRssBytes = maxRssKb * 1024;
  console.log(`peak RSS (whole process, all three implementations): ${(maxRssKb / 1024).toFixed(0)} MiB`);
  for (const [kind, r] of Object.entries(result.datasets)) {
    console.log(`load ${kind}: ${Object.entries(r.load).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}`);
  }

  result.targets = evaluateTargets(result);
  console.log('\ntargets (reported, not asserted):');
  for (const t of result.targets) console.log(`  [${t.status.padEnd(6)}] ${t.target}: ${t.detail}`);

  result.durationMs = now() - started;
  result.tablesMarkdown = tables;
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), OUT) || OUT} (${(result.durationMs / 1000).toFixed(1)} s)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
