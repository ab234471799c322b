#!/usr/bin/env node
// The per-call floor (issue 11: "any call through the API"): getBookingRules through the
// public API on the hotel dataset, cache off, timed two ways — each call alone (its p50
// includes performance.now()'s own ~0.05 µs) and batches of 64 calls (the p50 of the
// per-call mean: no timer cost per call). bench/boundary.mjs splits a call into its parts;
// this is the whole call only, with nothing else in the process to disturb it.
//
//   node --expose-gc bench/floor.mjs                this checkout
//   BENCH_BEFORE=DIR node --expose-gc bench/floor.mjs   also DIR (another checkout with its
//                       own build), the two interleaved in one process
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

import { hotelImage } from './hotpaths.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BATCH = 64;
const ROUNDS = 12;
const SAMPLES = 150;  // per round and build, of each kind

const roots = [ROOT];
if (process.env.BENCH_BEFORE) roots.unshift(path.resolve(process.env.BENCH_BEFORE));
const impls = [];
for (const root of roots) {
  impls.push({ root, pkg: await import(pathToFileURL(path.join(root, 'bindings/js/index.mjs')).href) });
}
const { ds, image } = await hotelImage(impls[0].pkg, process.env.BENCH_QUICK === '1');
const hotel = ds.meta.hotelIds[0];
for (const impl of impls) impl.engine = await impl.pkg.openEngine({ now: () => ds.now, snapshot: image, cache: false });
globalThis.gc?.();

const batched = impls.map(() => []);
const single = impls.map(() => []);
let sink = 0;
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < impls.length; k++) {
    const j = (r + k) % impls.length;
    const { engine } = impls[j];
    for (let s = 0; s < SAMPLES; s++) {
      let t = performance.now();
      for (let i = 0; i < BATCH; i++) sink += engine.getBookingRules(hotel).maxNights;
      batched[j].push((performance.now() - t) / BATCH);
      t = performance.now();
      sink += engine.getBookingRules(hotel).maxNights;
      single[j].push(performance.now() - t);
    }
  }
}
// The first round is warm-up.
const p50 = (a) => Float64Array.from(a.slice(SAMPLES)).sort()[(a.length - SAMPLES) >> 1] * 1000;
console.log('floor: getBookingRules through the API, hotel dataset, cache off; p50 µs per call');
impls.forEach((impl, j) => {
  const name = impls.length > 1 ? (j === 0 ? 'before' : 'after') : 'this';
  console.log(`${name.padEnd(7)} batches of ${BATCH}: ${p50(batched[j]).toFixed(3)}   each call timed: ${p50(single[j]).toFixed(3)}`);
});
if (impls.length > 1) {
  console.log(`after/before: batches ${(p50(batched[1]) / p50(batched[0])).toFixed(2)}, each call ${(p50(single[1]) / p50(single[0])).toFixed(2)}`);
}
if (sink === -1) console.log('');
for (const impl of impls) impl.engine.close();
