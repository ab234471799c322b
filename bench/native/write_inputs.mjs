// Inputs of the native write driver (write_driver.cc): the hotel dataset's engine image and
// change batch, and createBooking argument lines as bench/hotpaths.mjs makes them, plus the
// dataset's clock. Usage: node bench/native/write_inputs.mjs OUT_DIR [N=6000]
// (uses this checkout's wasm build, bindings/js/dist).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { openEngine } from '../../bindings/js/index.mjs';
import { buildDataset } from '../datasets.mjs';

const out = process.argv[2];
const n = Number(process.argv[3] ?? 6000);
if (!out) {
  console.error('usage: node bench/native/write_inputs.mjs OUT_DIR [N]');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const ds = buildDataset('hotel', { quick: false });
const seed = await openEngine({ now: () => ds.now });
seed.applyChanges(ds.batch);
writeFileSync(path.join(out, 'hotel.img'), seed.exportDatabase());
writeFileSync(path.join(out, 'hotel.json'), typeof ds.batch === 'string' ? ds.batch : JSON.stringify(ds.batch));
seed.close();
const lines = [];
for (let i = 0; i < n; i++) {
  lines.push(JSON.stringify({ ...ds.workloads.createBooking[i % 2048], rooms: 1, idempotencyKey: `hp-${i}` }));
}
writeFileSync(path.join(out, 'create.jsonl'), `${lines.join('\n')}\n`);
writeFileSync(path.join(out, 'now.txt'), `${ds.now}\n`);
console.log(`${out}: hotel.img, hotel.json, create.jsonl (${n} lines), now.txt (${ds.now})`);
