// Shared by the perf tools (scripts/perf/*.mjs): options, the benchmark's hotel
// dataset loaded into an engine, the list of query helpers, and small table printing.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { openEngine } from '../../bindings/js/index.mjs';
import { buildDataset } from '../../bench/datasets.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CONTRACT_INDEXES = [
  'bookings_status_startDate_endDate_idx',
  'bookings_userId_status_createdAt_idx',
  'room_inventory_roomTypeId_date_available_idx',
  'waitlist_status_startDate_endDate_idx',
  'payments_status_createdAt_idx',
  'notifications_status_scheduledAt_idx',
];

/** --quick, --strict, --json, --image FILE, --calls N, --sessions N, --sync-every N, --book-rate P */
export function parseArgs(argv = process.argv.slice(2)) {
  const opts = { quick: false, strict: false, json: false, image: null, calls: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--strict') opts.strict = true;
    else if (a === '--json') opts.json = true;
    else if (a === '--image') opts.image = argv[++i];
    else if (a.startsWith('--image=')) opts.image = a.slice(8);
    else if (a === '--calls') opts.calls = Number(argv[++i]);
    else if (a === '--sync-every') opts.syncEvery = Number(argv[++i]);
    else if (a === '--book-rate') opts.bookRate = Number(argv[++i]);
    else if (a === '--sessions') opts.sessions = Number(argv[++i]);
    else if (a === '-h' || a === '--help') opts.help = true;
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

export function has(engine, method) {
  return typeof engine[method] === 'function';
}

export const hasCache = (engine) => has(engine, 'cacheStats') && has(engine, 'clearCache');

/** The benchmark's hotel dataset (small with quick) in a fresh engine. */
export async function loadHotel({ quick, cache } = {}) {
  const ds = buildDataset('hotel', { quick });
  const options = { now: () => ds.now };
  if (cache !== undefined) options.cache = cache;
  const t = performance.now();
  const engine = await openEngine(options);
  engine.applyChanges(ds.batch);
  return { ds, engine, loadMs: performance.now() - t, options };
}

/** Confirmed central bookings starting after "today" (targets for cancelBooking). */
function futureConfirmed(ds, limit) {
  const out = [];
  for (const ch of ds.batch.changes) {
    if (ch.table !== 'bookings') continue;
    const id = ch.columns.indexOf('id');
    const status = ch.columns.indexOf('status');
    const start = ch.columns.indexOf('start_date');
    for (const r of ch.rows) {
      if (r[status] === 'CONFIRMED' && r[start] > '2027-01-15') out.push(r[id]);
      if (out.length >= limit) return out;
    }
  }
  return out;
}

const at = (list, i) => list[i % list.length];

/**
 * Every query helper of the engine's public API, with arguments from the dataset's
 * workloads. `optional` helpers are skipped (and reported) when the build lacks them;
 * `write` helpers change data (run them on an engine of their own).
 */
export function queryHelpers(ds) {
  const w = ds.workloads;
  let cancelTargets = null;
  return [
    { name: 'getRoomTypes', call: (e, i) => e.getRoomTypes(at(w.getRoomTypes, i)) },
    { name: 'checkRoomAvailability', call: (e, i) => e.checkRoomAvailability(at(w.checkRoomAvailability, i)) },
    { name: 'getAllRoomAvailability', call: (e, i) => e.getAllRoomAvailability(at(w.getAllRoomAvailability, i)) },
    { name: 'batchCheckAvailability', call: (e, i) => e.batchCheckAvailability(at(w.batchCheckAvailability, i)) },
    { name: 'getCalendar', call: (e, i) => e.getCalendar(at(w.getCalendar, i)) },
    { name: 'getUserBookingsWithRoomType',
      call: (e, i) => e.getUserBookingsWithRoomType(at(w.getUserBookingsWithRoomType, i)[0], {}) },
    { name: 'getUserBookingsWithRoomType+status', method: 'getUserBookingsWithRoomType',
      call: (e, i) => e.getUserBookingsWithRoomType(at(w.getUserBookingsWithRoomType, i)[0], { status: ['CONFIRMED', 'PENDING_SYNC'] }) },
    { name: 'getUserBookingsWithRoomType+payments', method: 'getUserBookingsWithRoomType',
      call: (e, i) => e.getUserBookingsWithRoomType(at(w.getUserBookingsWithRoomType, i)[0], { includePayments: true }) },
    { name: 'getBookingStatistics', call: (e, i) => e.getBookingStatistics(at(w.getBookingStatistics, i)) },
    { name: 'getOccupancyRate', call: (e, i) => e.getOccupancyRate(at(w.getOccupancyRate, i)) },
    { name: 'createBooking', optional: true, write: true,
      call: (e, i) => e.createBooking({ ...at(w.createBooking, i), idempotencyKey: `perf-${i}` }) },
    { name: 'cancelBooking', optional: true, write: true,
      call: (e, i) => {
        cancelTargets ??= futureConfirmed(ds, 5000);
        return e.cancelBooking(at(cancelTargets, i));
      } },
    { name: 'joinWaitlist', optional: true, write: true,
      call: (e, i) => {
        const b = at(w.createBooking, i);
        return e.joinWaitlist({ hotelId: b.hotelId, roomTypeId: b.roomTypeId, userId: b.userId, checkIn: b.checkIn,
          checkOut: b.checkOut, rooms: 1 });
      } },
    { name: 'getBookingRules', optional: true, call: (e, i) => e.getBookingRules(at(w.getRoomTypes, i)) },
    { name: 'getSpecialDays', optional: true,
      call: (e, i) => {
        const { hotelId, from, to } = at(w.getOccupancyRate, i);
        return e.getSpecialDays({ hotelId, from, to });
      } },
    { name: 'pendingMutations', optional: true, call: (e) => e.pendingMutations() },
    { name: 'getDueNotifications', optional: true, call: (e) => e.getDueNotifications({ limit: 100 }) },
  ];
}

export const REQUIRED_HELPERS = ['getRoomTypes', 'checkRoomAvailability', 'getAllRoomAvailability',
  'batchCheckAvailability', 'getCalendar', 'getUserBookingsWithRoomType', 'getBookingStatistics', 'getOccupancyRate'];

export function median(samples) {
  if (!samples.length) return null;
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A plain text table: rows of cells, first row is the header; numbers align right. */
export function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)));
  const numeric = rows[0].map((_, c) => rows.slice(1).every((r) => r[c] === '' || r[c] == null || /^[-+]?[\d.,]+%?$|^n\/a$/.test(String(r[c]))));
  return rows.map((r, i) => r.map((cell, c) => {
    const s = String(cell ?? '');
    return numeric[c] && i > 0 ? s.padStart(widths[c]) : s.padEnd(widths[c]);
  }).join('  ').trimEnd()).join('\n');
}

/**
 * Tables an aliased FROM/JOIN clause names: { alias or table name -> table }.
 * EXPLAIN QUERY PLAN prints the alias when there is one.
 */
export function tableAliases(sql) {
  const out = {};
  const re = /\b(?:FROM|JOIN)\s+([A-Za-z_]\w*)(?:\s+(?:AS\s+)?([A-Za-z_]\w*))?/gi;
  const keywords = new Set(['INDEXED', 'WHERE', 'JOIN', 'ON', 'LEFT', 'INNER', 'CROSS', 'GROUP', 'ORDER', 'LIMIT',
    'USING', 'NATURAL', 'UNION', 'HAVING', 'SET', 'VALUES', 'AND', 'OR']);
  for (const m of sql.matchAll(re)) {
    const tableName = m[1];
    out[tableName] = tableName;
    if (m[2] && !keywords.has(m[2].toUpperCase())) out[m[2]] = tableName;
  }
  return out;
}

/**
 * Classify a plan line: { table, kind: 'search'|'scan'|'index-scan'|'other', index }.
 * `SCAN t` without an index is a full table scan; `SCAN t USING [COVERING] INDEX i` walks
 * a whole index (ordered, but unbounded).
 */
export function planStep(line, aliases) {
  const m = /^(SEARCH|SCAN)\s+(\S+)(.*)$/.exec(line.trim());
  if (!m) return { kind: 'other' };
  const table = aliases[m[2]] ?? m[2];
  const idx = /USING (?:COVERING )?INDEX (\S+)/.exec(m[3]);
  const pk = /USING INTEGER PRIMARY KEY/.test(m[3]);
  if (m[1] === 'SEARCH') return { table, kind: 'search', index: idx ? idx[1] : pk ? '(rowid)' : null };
  if (idx) return { table, kind: 'index-scan', index: idx[1] };
  if (/VIRTUAL TABLE/.test(m[3])) return { table, kind: 'other' };
  return { table, kind: 'scan', index: null };
}

export function usUnit(ms) {
  if (ms == null) return 'n/a';
  const us = ms * 1000;
  return us >= 100 ? us.toFixed(0) : us.toFixed(1);
}

export const GUARDED_TABLES = ['bookings', 'room_inventory'];

/**
 * Plan problems of explained statements [{ sql, plan: [lines] }]:
 * violations = full scans of bookings / room_inventory without an index;
 * warnings = whole-index scans of those tables and temp b-trees for sorting.
 */
export function planProblems(statements) {
  const violations = [];
  const warnings = [];
  for (const { sql, plan } of statements) {
    const aliases = tableAliases(sql);
    for (const line of plan) {
      const step = planStep(line, aliases);
      if (GUARDED_TABLES.includes(step.table)) {
        if (step.kind === 'scan') violations.push({ sql, line, problem: `full scan of ${step.table} without an index` });
        else if (step.kind === 'index-scan') warnings.push({ sql, line, problem: `walks all of index ${step.index}` });
        else if (step.kind === 'search' && oneSidedRange(line)) {
          warnings.push({ sql, line, problem: `one-sided range on ${oneSidedRange(line)}: reads every entry of the prefix up to the bound` });
        }
      }
      if (/USE TEMP B-TREE/.test(line) && /\b(bookings|room_inventory)\b/.test(sql)) {
        warnings.push({ sql, line, problem: 'sorts in a temp b-tree' });
      }
    }
  }
  return { violations, warnings };
}

/** The column of a one-sided range constraint in a SEARCH line ("(a=? AND d<?)"), or null. */
export function oneSidedRange(line) {
  const m = /\(([^)]*)\)\s*$/.exec(line);
  if (!m) return null;
  const sides = {};
  for (const term of m[1].split(' AND ')) {
    const r = /^(\w+)([<>])\?$/.exec(term.trim());
    if (r) (sides[r[1]] ??= new Set()).add(r[2]);
  }
  const col = Object.entries(sides).find(([, set]) => set.size === 1);
  return col ? col[0] : null;
}

/**
 * Rows an index SEARCH reads per call, estimated from sqlite_stat1 (`stats`: index name
 * -> [rows, rows per 1-column prefix, per 2-column prefix, ...]): the rows of the
 * equality prefix, when no two-sided range narrows it further. null when not estimable.
 */
export function searchEstimate(line, stats) {
  const m = /^SEARCH \S+ USING (?:COVERING )?INDEX (\S+) \(([^)]*)\)/.exec(line.trim());
  if (!m || !stats[m[1]]) return null;
  const terms = m[2].split(' AND ').map((t) => t.trim());
  let eq = 0;
  while (eq < terms.length && /^\w+=\?$/.test(terms[eq])) eq++;
  const range = terms.slice(eq).map((t) => /^(\w+)([<>])\?$/.exec(t)).filter(Boolean);
  const sides = new Set(range.map((r) => r[2]));
  if (sides.size === 2) return null;  // bounded on both sides: the prefix is not read whole
  const stat = stats[m[1]];
  const rows = stat[Math.min(eq, stat.length - 1)];
  return Number.isFinite(rows) ? { index: m[1], prefix: terms.slice(0, eq).join(' AND ') || '(none)', rows } : null;
}
