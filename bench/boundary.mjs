#!/usr/bin/env node
// Where a call's time goes: the public API call next to its parts, each timed alone on
// the hotel dataset with the cache off — argument JSON.stringify, the raw core call
// (embind string in, the core's work, a byte view out), TextDecoder, JSON.parse of the
// answer, and the three scalar calls after it (failed, eventCount, lastEntryId).
//
//   node --expose-gc bench/boundary.mjs     (BENCH_QUICK=1: the small dataset)
import { openEngine } from '../bindings/js/index.mjs';
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
  core.setNow(ds.now);
  core.configure?.('{}');
  const ids = new Map(JSON.parse(core.methods()).map((m, i) => [m.name, i]));
  core.callId(ids.get('configureCache'), '{"enabled":false}');
  const utf8 = new TextDecoder();
  const hotel = ds.meta.hotelIds[0];
  const stay = ds.workloads.checkRoomAvailability[0];
  const cases = [
    ['getBookingRules', { hotelId: hotel }, () => engine.getBookingRules(hotel)],
    ['checkRoomAvailability', stay, () => engine.checkRoomAvailability(stay)],
  ];
  console.log('p50 µs of each part, cache off (parts timed alone; they do not add up exactly)');
  console.log(`${'method'.padEnd(24)} ${['API call', 'stringify', 'core.callId', 'decode', 'JSON.parse', '3 scalar calls', 'setNow'].map((h) => h.padStart(14)).join('')}`);
  for (const [method, args, api] of cases) {
    const id = ids.get(method);
    const text = JSON.stringify(args);
    const answer = utf8.decode(core.callId(id, text));
    const parts = [
      p50(api),
      p50(() => JSON.stringify(args)),
      p50(() => core.callId(id, text)),
      p50(() => utf8.decode(core.callId(id, text))) - p50(() => core.callId(id, text)),
      p50(() => JSON.parse(answer)),
      p50(() => { core.failed(); core.eventCount(); core.lastEntryId(); }),
      p50(() => core.setNow(ds.now)),
    ];
    console.log(`${method.padEnd(24)} ${parts.map((v) => v.toFixed(2).padStart(14)).join('')}`);
  }
  core.delete();
  engine.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
