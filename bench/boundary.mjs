#!/usr/bin/env node
// Where a call's time goes: the public API call next to its parts, each timed alone on
// the hotel dataset with the cache off — the argument text (JSON.stringify; the one-id
// methods' args.mjs idText where the build has it), the raw core call (loader.mjs's
// coreCaller: the arguments' UTF-8 into wasm memory, one plain wasm call that sets the
// clock and does the core's work, the status words; `call` where the build has it, as the
// wrapper makes it, else `invoke`, which adds a byte view of the answer), and turning the
// answer into objects: TextDecoder + JSON.parse, or for the questions with a compact
// answer the decoder of bindings/js/compact.mjs (decodeAt over memory views made once,
// as the wrapper calls it, where the build has it).
//
//   node --expose-gc bench/boundary.mjs     (BENCH_QUICK=1: the small dataset)
//   BENCH_BEFORE=DIR   also DIR (another checkout with its own build), the parts of both
//                      timed interleaved in one process, with the after/before ratio
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

import { hotelImage } from './hotpaths.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = 20000;
const ROUNDS = 5;

// p50 µs of fn over `impls` interleaved: ROUNDS rounds of N / ROUNDS calls each.
function p50s(fns) {
  const samples = fns.map(() => []);
  for (const fn of fns) for (let i = 0; i < 2000; i++) fn(i);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (r + k) % fns.length;
      const fn = fns[j];
      for (let i = 0; i < N / ROUNDS; i++) {
        const t = performance.now();
        fn(i);
        samples[j].push(performance.now() - t);
      }
    }
  }
  return samples.map((s) => Float64Array.from(s).sort()[s.length >> 1] * 1000);
}

async function load(root) {
  const url = (f) => pathToFileURL(path.join(root, 'bindings/js', f)).href;
  const [pkg, compact, loader] = await Promise.all([import(url('index.mjs')), import(url('compact.mjs')), import(url('loader.mjs'))]);
  const args = await import(url('args.mjs')).catch(() => null);  // a build before args.mjs
  return { pkg, compact, loader, args };
}

async function open(impl, ds, image) {
  const { pkg, compact, loader } = impl;
  const engine = await pkg.openEngine({ now: () => ds.now, snapshot: image, cache: false });
  const module = await loader.loadCore();
  const core = new module.Core();
  if (core.open(image)) throw new Error('open failed');
  const methods = JSON.parse(core.methods());
  // A build before coreCaller called the core through embind's core.invoke.
  const caller = loader.coreCaller ? loader.coreCaller(module, core) : null;
  const invoke = caller ? caller.invoke : (...a) => core.invoke(...a);
  const call = caller?.call ?? invoke;
  const ids = new Map(methods.map((m, i) => [m.name, i]));
  invoke(ids.get('configureCache'), '{"enabled":false}', ds.now, false);
  const idText = impl.args?.idText ?? null;
  return { engine, core, methods, ids, invoke, call, idText, decodeCompact: compact.compactDecoder(core.compactLayout()) };
}

async function main() {
  const impls = [{ name: 'after', root: ROOT }];
  if (process.env.BENCH_BEFORE) impls.unshift({ name: 'before', root: path.resolve(process.env.BENCH_BEFORE) });
  for (const impl of impls) Object.assign(impl, await load(impl.root));
  const { ds, image } = await hotelImage(impls[0].pkg, process.env.BENCH_QUICK === '1');
  for (const impl of impls) impl.x = await open(impl, ds, image);
  const utf8 = new TextDecoder();
  const hotel = ds.meta.hotelIds[0];
  const stay = ds.workloads.checkRoomAvailability[0];
  const batch = ds.workloads.batchCheckAvailability[0];
  const all = ds.workloads.getAllRoomAvailability[0];
  const [user] = ds.workloads.getUserBookingsWithRoomType[0];
  // [label, args, the API call, the one id of a one-id method]
  const cases = [
    ['getBookingRules', { hotelId: hotel }, (e) => e.getBookingRules(hotel), ['hotelId', hotel]],
    ['getRoomTypes', { hotelId: hotel }, (e) => e.getRoomTypes(hotel), ['hotelId', hotel]],
    ['getSpecialDays', { hotelId: hotel, from: stay.checkIn, to: stay.checkOut },
      (e) => e.getSpecialDays({ hotelId: hotel, from: stay.checkIn, to: stay.checkOut })],
    ['getOccupancyRate (the stay)', { hotelId: hotel, from: stay.checkIn, to: stay.checkOut },
      (e) => e.getOccupancyRate({ hotelId: hotel, from: stay.checkIn, to: stay.checkOut })],
    ['checkRoomAvailability', stay, (e) => e.checkRoomAvailability(stay)],
    ['batchCheckAvailability', { queries: batch }, (e) => e.batchCheckAvailability(batch)],
    ['getAllRoomAvailability', all, (e) => e.getAllRoomAvailability(all)],
    ['getUserBookingsWithRoomType', { userId: user }, (e) => e.getUserBookingsWithRoomType(user)],
  ];
  const heads = ['API call', 'stringify', 'invoke', 'to objects'];
  console.log(`p50 µs of each part, cache off (parts timed alone; they do not add up exactly)${impls.length > 1 ? '; before / after (ratio)' : ''}`);
  console.log(`${'method'.padEnd(34)} ${heads.map((h) => h.padStart(impls.length > 1 ? 24 : 12)).join('')}  answer bytes`);
  for (const [label, args, api, oneId] of cases) {
    const method = label.split(' ')[0];
    const parts = heads.map(() => []);
    let bytes = 0;
    let isCompact = false;
    const fns = heads.map(() => []);
    for (const impl of impls) {
      const { engine, methods, ids, invoke, call, idText, decodeCompact } = impl.x;
      const id = ids.get(method);
      const compact = methods[id].compact === true;
      isCompact = compact;
      const text = JSON.stringify(args);
      const answer = invoke(id, text, ds.now, compact).slice();  // aligned at 0 of its own buffer
      bytes = answer.length;
      const u8 = new Uint8Array(answer.buffer);
      const f64 = new Float64Array(answer.buffer, 0, answer.length >> 3);
      fns[0].push(() => api(engine));
      fns[1].push(oneId && idText ? () => idText(oneId[0], oneId[1]) : () => JSON.stringify(args));
      fns[2].push(() => call(id, text, ds.now, compact));
      fns[3].push(!compact ? () => JSON.parse(utf8.decode(answer))
        : decodeCompact.decodeAt ? () => decodeCompact.decodeAt(u8, f64, 0) : () => decodeCompact(answer));
    }
    fns.forEach((f, k) => { parts[k] = p50s(f); });
    const cell = (v) => (v.length > 1 ? `${v[0].toFixed(2)} / ${v[1].toFixed(2)} (${(v[1] / v[0]).toFixed(2)})` : v[0].toFixed(2));
    console.log(`${(label + (isCompact ? ' (compact)' : '')).padEnd(34)} ${parts.map((v) => cell(v).padStart(impls.length > 1 ? 24 : 12)).join('')}  ${bytes}`);
  }
  for (const impl of impls) {
    impl.x.core.delete();
    impl.x.engine.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
