#!/usr/bin/env node
// Where a call's time goes: the public API call next to its parts, each timed alone on
// the hotel dataset with the cache off — argument JSON.stringify, the raw core call
// (core.invoke: clock, embind string in, the core's work, a byte view and the status
// words out), and turning the answer into objects: TextDecoder + JSON.parse, or for the
// questions with a compact answer the decoder of bindings/js/compact.mjs.
//
//   node --expose-gc bench/boundary.mjs     (BENCH_QUICK=1: the small dataset)
import { openEngine } from '../bindings/js/index.mjs';
import { compactDecoder } from '../bindings/js/compact.mjs';
import { loadCore } from '../bindings/js/loader.mjs';
import { hotelImage } from './hotpaths.mjs';

const N = 20000;

function p50(fn) {
  const s = new Float64Array(N);
  for (let i = 0; i < 2000; i++) fn(i);
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    fn(i);
    s[i] = performance.now() - t;
  }
  s.sort();
  return s[N >> 1] * 1000;
}

async function main() {
  const { ds, image } = await hotelImage({ openEngine }, process.env.BENCH_QUICK === '1');
  const engine = await openEngine({ now: () => ds.now, snapshot: image, cache: false });
  const module = await loadCore();
  const core = new module.Core();
  if (core.open(image)) throw new Error('open failed');
  const methods = JSON.parse(core.methods());
  const ids = new Map(methods.map((m, i) => [m.name, i]));
  core.invoke(ids.get('configureCache'), '{"enabled":false}', ds.now, false);
  const decodeCompact = compactDecoder(core.compactLayout());
  const utf8 = new TextDecoder();
  const hotel = ds.meta.hotelIds[0];
  const stay = ds.workloads.checkRoomAvailability[0];
  const batch = ds.workloads.batchCheckAvailability[0];
  const all = ds.workloads.getAllRoomAvailability[0];
  const cases = [
    ['getBookingRules', { hotelId: hotel }, () => engine.getBookingRules(hotel)],
    ['checkRoomAvailability', stay, () => engine.checkRoomAvailability(stay)],
    ['batchCheckAvailability', { queries: batch }, () => engine.batchCheckAvailability(batch)],
    ['getAllRoomAvailability', all, () => engine.getAllRoomAvailability(all)],
  ];
  console.log('p50 µs of each part, cache off (parts timed alone; they do not add up exactly)');
  console.log(`${'method'.padEnd(34)} ${['API call', 'stringify', 'core.invoke', 'to objects', 'answer bytes'].map((h) => h.padStart(14)).join('')}`);
  for (const [method, args, api] of cases) {
    const id = ids.get(method);
    const compact = methods[id].compact === true;
    const text = JSON.stringify(args);
    const answer = core.invoke(id, text, ds.now, compact).slice();
    const parts = [
      p50(api),
      p50(() => JSON.stringify(args)),
      p50(() => core.invoke(id, text, ds.now, compact)),
      compact ? p50(() => decodeCompact(answer)) : p50(() => JSON.parse(utf8.decode(answer))),
      answer.length,
    ];
    console.log(`${(method + (compact ? ' (compact)' : '')).padEnd(34)} ${parts.map((v, i) => (i === 4 ? String(v) : v.toFixed(2)).padStart(14)).join('')}`);
  }
  core.delete();
  engine.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
