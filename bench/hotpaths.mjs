#!/usr/bin/env node
// The core's hot paths on the hotel dataset, one row per target of issue 11 that the
// main benchmark does not show on its own: the per-call floor, a miss with the cache on
// against the cache off, a hit, createBooking with 10,000 cached answers and with 20,000
// pending local bookings, and availability with 15,000 pending local bookings.
//
//   node --expose-gc bench/hotpaths.mjs                 this checkout
//   BENCH_BEFORE=DIR node --expose-gc bench/hotpaths.mjs   also DIR (another checkout of
//                       the package, e.g. a worktree of main with its own build), the two
//                       interleaved in one process, with the after/before ratio
//   BENCH_QUICK=1       the small dataset and short rounds (bench/check.mjs uses it)
//   BENCH_JSON=file     write the medians as JSON
//   BENCH_ONLY=regex    only the scenarios whose name matches
//
// Every number is a p50 in µs of calls timed one by one, over interleaved rounds.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

import { buildDataset, dateOf } from './datasets.mjs';


const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 3 : 10;
const PER_ROUND = QUICK ? 60 : 400;
const gc = globalThis.gc ?? (() => {});

function p50(samples) {
  const s = Float64Array.from(samples).sort();
  return s[Math.floor(s.length / 2)] * 1000;
}

/**
 * `n` local PENDING_SYNC bookings spread over the hotel's room types and nights, from
 * `offset` days after the dataset's first night (past its horizon: they hold no room the
 * timed bookings need, so those keep succeeding).
 */
function pendingBatch(ds, n, firstId, offset = 0) {
  const cols = ['id', 'hotel_id', 'user_id', 'room_type_id', 'status', 'start_date', 'end_date', 'rooms', 'guests',
    'total_cents', 'created_at', 'updated_at', 'hold_expires_at', 'idempotency_key', 'origin', 'server_id'];
  const hotel = ds.meta.hotelIds[0];
  const rts = ds.meta.rtByHotel.get(hotel);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const ci = ds.meta.firstDay + offset + ((i * 37) % (ds.meta.nights - 8));
    rows.push([firstId + i, hotel, 1 + (i % ds.meta.users), rts[i % rts.length], 'PENDING_SYNC', dateOf(ci),
      dateOf(ci + 1 + (i % 4)), 1, 1, 10000, ds.now - 1000, ds.now - 1000, null, `pending-${firstId + i}`, 'local', null]);
  }
  return { format: 'edgestay.changes/1', cursor: `pending-${firstId}`, syncedAt: ds.now,
    changes: [{ op: 'upsert', table: 'bookings', columns: cols, rows }] };
}

// Scenarios: setup(engine, ds) once, then call(engine, ds, i) timed. Each gets fresh
// engines. `full: true` sizes (10,000 cached answers, 15,000 / 20,000 pending bookings)
// hold in quick runs too: they are what the scenario is about.
export const SCENARIOS = [
  { name: 'floor: getBookingRules, cache off', cache: false, call: (e, ds) => e.getBookingRules(ds.meta.hotelIds[0]) },
  { name: 'checkRoomAvailability 7 nights, cache off', cache: false,
    call: (e, ds, i) => e.checkRoomAvailability(ds.workloads.checkRoomAvailability[i % 256]) },
  { name: 'getAllRoomAvailability 7 nights, cache off', cache: false,
    call: (e, ds, i) => e.getAllRoomAvailability(ds.workloads.getAllRoomAvailability[i % ds.workloads.getAllRoomAvailability.length]) },
  { name: 'batchCheckAvailability x20, cache off', cache: false,
    call: (e, ds, i) => e.batchCheckAvailability(ds.workloads.batchCheckAvailability[i % ds.workloads.batchCheckAvailability.length]) },
  { name: 'getUserBookingsWithRoomType, cache off', cache: false,
    call: (e, ds, i) => e.getUserBookingsWithRoomType(...ds.workloads.getUserBookingsWithRoomType[i % ds.workloads.getUserBookingsWithRoomType.length]) },
  { name: 'checkRoomAvailability miss, default cache (distinct args)', cache: undefined,
    call: (e, ds, i) => { const q = ds.workloads.checkRoomAvailability[i % 256]; return e.checkRoomAvailability({ ...q, rooms: 1 + (i % 5000) }); } },
  { name: 'checkRoomAvailability miss, cache off (distinct args)', cache: false,
    call: (e, ds, i) => { const q = ds.workloads.checkRoomAvailability[i % 256]; return e.checkRoomAvailability({ ...q, rooms: 1 + (i % 5000) }); } },
  { name: 'checkRoomAvailability hit', cache: undefined,
    setup: (e, ds) => { for (let k = 0; k < 3; k++) e.checkRoomAvailability(ds.workloads.checkRoomAvailability[0]); },
    call: (e, ds) => e.checkRoomAvailability(ds.workloads.checkRoomAvailability[0]) },
  { name: 'checkRoomAvailability, 15,000 pending local bookings, cache off', cache: false,
    setup: (e, ds) => e.applyChanges(pendingBatch(ds, 15000, 90000000)),
    call: (e, ds, i) => e.checkRoomAvailability(ds.workloads.checkRoomAvailability[i % 256]) },
  { name: 'createBooking, cache off', cache: false, write: true,
    call: (e, ds, i) => e.createBooking({ ...ds.workloads.createBooking[i % 2048], rooms: 1, idempotencyKey: `hp-${i}` }) },
  { name: 'createBooking, 10,000 cached answers', cache: { maxEntries: 20000 }, write: true,
    setup: (e, ds) => {
      // Answers asked twice (admitted by any admission policy), spread over the horizon.
      for (let k = 0; k < 10000; k++) {
        const q = ds.workloads.checkRoomAvailability[k % 256];
        const a = { ...q, rooms: 1 + Math.floor(k / 256) };
        e.checkRoomAvailability(a);
        e.checkRoomAvailability(a);
      }
    },
    call: (e, ds, i) => e.createBooking({ ...ds.workloads.createBooking[i % 2048], rooms: 1, idempotencyKey: `hp-${i}` }) },
  { name: 'createBooking, 20,000 pending local bookings, cache off', cache: false, write: true,
    setup: (e, ds) => e.applyChanges(pendingBatch(ds, 20000, 90000000, ds.meta.nights)),
    call: (e, ds, i) => e.createBooking({ ...ds.workloads.createBooking[i % 2048], rooms: 1, idempotencyKey: `hp-${i}` }) },
];

/**
 * Runs `scenarios` on each of `impls` ({ name, pkg }: a loaded edgestay package) over the
 * snapshot `image` of dataset `ds`, interleaved; returns { scenario: { impl: p50 µs } }.
 */
export async function runScenarios(scenarios, impls, ds, image, { rounds = ROUNDS, perRound = PER_ROUND, log = console.log } = {}) {
  const results = {};
  for (const sc of scenarios) {
    const engines = [];
    for (const impl of impls) {
      const options = { now: () => ds.now, snapshot: image };
      if (sc.cache !== undefined) options.cache = sc.cache;
      const e = await impl.pkg.openEngine(options);
      sc.setup?.(e, ds);
      engines.push({ impl, e, samples: [], n: 0, errors: 0 });
    }
    for (const x of engines) for (let i = 0; i < 20; i++) try { sc.call(x.e, ds, x.n++); } catch { /* warm-up */ }
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < engines.length; j++) {
        const x = engines[(r + j) % engines.length];
        for (let i = 0; i < perRound; i++) {
          const n = x.n++;
          const t = performance.now();
          try { sc.call(x.e, ds, n); } catch { x.errors++; }
          x.samples.push(performance.now() - t);
        }
      }
    }
    const row = {};
    for (const x of engines) {
      row[x.impl.name] = p50(x.samples);
      x.e.close();
    }
    results[sc.name] = row;
    const ratio = row.before ? `  after/before ${(row.after / row.before).toFixed(2)}` : '';
    log(`${sc.name.padEnd(64)} ${impls.map((i) => `${i.name} ${row[i.name].toFixed(2)}`).join('  ')}${ratio}`);
    gc();
  }
  return results;
}

/** The hotel dataset (quick or full) and its engine snapshot. */
export async function hotelImage(pkg, quick = QUICK) {
  const ds = buildDataset('hotel', { quick });
  const seed = await pkg.openEngine({ now: () => ds.now });
  seed.applyChanges(ds.batch);
  const image = seed.exportDatabase();
  seed.close();
  return { ds, image };
}

async function main() {
  const impls = [{ name: 'after', root: ROOT }];
  if (process.env.BENCH_BEFORE) impls.unshift({ name: 'before', root: path.resolve(process.env.BENCH_BEFORE) });
  for (const impl of impls) impl.pkg = await import(pathToFileURL(path.join(impl.root, 'bindings/js/index.mjs')).href);
  // The image comes from the oldest build: a newer engine migrates an older image on open,
  // never the reverse (a newer schema version is refused).
  const { ds, image } = await hotelImage(impls[0].pkg);
  ds.batch = null;
  gc();
  console.log(`hot paths, hotel dataset${QUICK ? ' (quick)' : ''}: p50 µs per call, ${ROUNDS} interleaved rounds x ${PER_ROUND} calls`);
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  const results = await runScenarios(SCENARIOS.filter((sc) => !only || only.test(sc.name)), impls, ds, image);
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(results, null, 2)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
