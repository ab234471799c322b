#!/usr/bin/env node
// Loading a dataset through applyChanges: time, wasm heap and image, one load per fresh
// process (the wasm heap never shrinks, so its growth is only readable in a new instance).
//
//   node bench/load.mjs                          this checkout, hotel dataset
//   BENCH_BEFORE=DIR node bench/load.mjs         also DIR (another checkout with its own
//                       build, e.g. main's), loads of the two interleaved, with ratios
//   BENCH_DATASETS=hotel,chain                   datasets (default hotel)
//   BENCH_ROUNDS=n      loads per build and dataset (default 5; the chain: 2)
//   BENCH_PEER=1        also better-sqlite3 (native SQLite) loading the same rows into the
//                       engine's schema in one transaction, in processes of its own
//   BENCH_JSON=file     write the samples and medians as JSON
//   BENCH_QUICK=1       the small datasets (a smoke run: tests/js/perf_smoke.test.mjs)
//   BENCH_NODE_FLAGS='--no-liftoff …'   V8 flags for the load processes (e.g. whether the
//                       wasm's tier-up matters: it does not, docs/PERFORMANCE.md item 116)
//   BENCH_PAGES=n       load as SyncClient does: the dataset in consecutive batches of n
//                       rows (its pageSize: 5000), each line of a file streamed in (written
//                       beforehand by a process of its own), so no process holds the whole
//                       dataset: the peak RSS is the engine's and one page's. Not with
//                       BENCH_PEER.
//   BENCH_LOAD_PAGES_WRITER='{"kind":"chain","file":F,"pageRows":5000}' node bench/load.mjs
//                       only writes those pages to F (what bench/native's driver takes)
//
// Per load: CPU time of applyChanges (process.cpuUsage: steadier than wall time on a
// shared machine), the main thread's share of it (what the load itself runs: the rest is
// V8's background compiles and GC) and its wall time; the wasm heap before and after the load (growth),
// after exportDatabase, after opening a second engine from that image (the first one
// closed); the image's bytes; the process's RSS growth by the load (after a GC, before
// and after: the dataset's JS objects are built before, so this is the database's
// memory, wasm heap or native) and its peak RSS (which includes the dataset's JS
// objects, ~340 MiB for the chain, and the export). Reported as medians over the rounds.
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { pathToFileURL, fileURLToPath } from 'node:url';

import { buildDataset } from './datasets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1048576;

// ---- child: one load of one build (or of better-sqlite3)
// CPU time of this process's main thread alone (Linux: /proc/self/task/<pid>/stat, in
// clock ticks), ms; null elsewhere. process.cpuUsage() counts every thread, and V8's
// background threads (the wasm's tier-up compiles, GC marking and sweeping) move it by
// more than a change to the load itself does.
const mainThreadMs = () => {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;  // utime + stime, at USER_HZ = 100
  } catch {
    return null;
  }
};
const rssAfterGc = () => {
  globalThis.gc?.();
  return process.memoryUsage().rss;
};
// A dataset as the pages a sync client pulls: consecutive change batches of `pageRows`
// rows (a change's rows split where a page ends), each continuing from the last one's
// cursor, one JSON text a line; the first line is { now } (the dataset's clock).
async function writePages(ds, file, pageRows) {
  const out = createWriteStream(file);
  const write = async (text) => {
    if (!out.write(`${text}\n`)) await once(out, 'drain');
  };
  await write(JSON.stringify({ now: ds.now }));
  const { changes, ...header } = ds.batch;
  let page = [], rows = 0, since = header.since ?? null, n = 0;
  const flush = async (last) => {
    const cursor = last ? header.cursor : `${header.cursor ?? 'page'}-${++n}`;
    await write(JSON.stringify({ ...header, since, cursor, changes: page }));
    since = cursor;
    page = [];
    rows = 0;
  };
  for (const c of changes) {
    if (!Array.isArray(c.rows)) {
      if (rows === pageRows) await flush(false);
      page.push(c);
      rows++;
      continue;
    }
    for (let i = 0; i < c.rows.length;) {
      if (rows === pageRows) await flush(false);
      const take = Math.min(pageRows - rows, c.rows.length - i);
      page.push({ ...c, rows: c.rows.slice(i, i + take) });
      rows += take;
      i += take;
    }
  }
  if (page.length) await flush(true);
  out.end();
  await once(out, 'finish');
}

if (process.env.BENCH_LOAD_PAGES_WRITER) {
  const { kind, file, pageRows } = JSON.parse(process.env.BENCH_LOAD_PAGES_WRITER);
  await writePages(buildDataset(kind, { quick: process.env.BENCH_QUICK === '1' }), file, pageRows);
  process.exit(0);
}

if (process.env.BENCH_LOAD_CHILD) {
  const { root, kind, peer, pages } = JSON.parse(process.env.BENCH_LOAD_CHILD);
  if (pages) {
    // The pages streamed from their file, each applied as the batch it is.
    const pkg = await import(pathToFileURL(path.join(root, 'bindings/js/index.mjs')).href);
    const { loadCore } = await import(pathToFileURL(path.join(root, 'bindings/js/loader.mjs')).href);
    const module = await loadCore();
    const lines = createInterface({ input: createReadStream(pages), crlfDelay: Infinity })[Symbol.asyncIterator]();
    const { now } = JSON.parse((await lines.next()).value);
    const engine = await pkg.openEngine({ now: () => now });
    const rss0 = rssAfterGc();
    const heap0 = module.HEAPU8.buffer.byteLength;
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadMs();
    const t0 = performance.now();
    let batches = 0, applied = 0;
    for (let line = await lines.next(); !line.done; line = await lines.next()) {
      applied += engine.applyChanges(line.value).applied;
      batches++;
    }
    const wallMs = performance.now() - t0;
    const mainMs = main0 === null ? null : mainThreadMs() - main0;
    const cpu = process.cpuUsage(cpu0);
    const heapLoad = module.HEAPU8.buffer.byteLength;
    const rssGrowth = rssAfterGc() - rss0;
    const maxRss = process.resourceUsage().maxRSS * 1024;  // before the export's copy
    const image = engine.exportDatabase();
    process.stdout.write(JSON.stringify({
      cpuMs: (cpu.user + cpu.system) / 1000, mainMs, wallMs, heapGrowth: heapLoad - heap0, heapLoad,
      rssGrowth, image: image.length, maxRss, batches, applied,
    }));
    process.exit(0);
  }
  const pkg = await import(pathToFileURL(path.join(root, 'bindings/js/index.mjs')).href);
  const ds = buildDataset(kind, { quick: process.env.BENCH_QUICK === '1' });
  if (peer) {
    // The engine's own schema (from an empty engine's image), then one transaction of
    // prepared inserts: bench/peers.mjs, as `npm run bench` loads it.
    const { BetterSqlitePeer, schemaFromImage } = await import('./peers.mjs');
    const { tableRows } = await import('./datasets.mjs');
    const empty = await pkg.openEngine({ now: () => ds.now });
    const schema = schemaFromImage(empty.exportDatabase());
    empty.close();
    const bs3 = new BetterSqlitePeer({ now: () => ds.now });
    bs3.createSchema(schema);
    const rss0 = rssAfterGc();
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadMs();
    const t0 = performance.now();
    bs3.load(ds.batch, tableRows);
    const wallMs = performance.now() - t0;
    const mainMs = main0 === null ? null : mainThreadMs() - main0;
    const cpu = process.cpuUsage(cpu0);
    const rssGrowth = rssAfterGc() - rss0;
    const image = bs3.db.serialize();
    process.stdout.write(JSON.stringify({
      cpuMs: (cpu.user + cpu.system) / 1000, mainMs, wallMs, rssGrowth, image: image.length,
      maxRss: process.resourceUsage().maxRSS * 1024,
    }));
    process.exit(0);
  }
  const { loadCore } = await import(pathToFileURL(path.join(root, 'bindings/js/loader.mjs')).href);
  const module = await loadCore();
  const engine = await pkg.openEngine({ now: () => ds.now });
  const rss0 = rssAfterGc();
  const heap0 = module.HEAPU8.buffer.byteLength;
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadMs();
  const t0 = performance.now();
  engine.applyChanges(ds.batch);
  const wallMs = performance.now() - t0;
  const mainMs = main0 === null ? null : mainThreadMs() - main0;
  const cpu = process.cpuUsage(cpu0);
  const heapLoad = module.HEAPU8.buffer.byteLength;
  const rssGrowth = rssAfterGc() - rss0;
  const image = engine.exportDatabase();
  const heapExport = module.HEAPU8.buffer.byteLength;
  engine.close();
  // An engine opened from that image in the same instance (what a restart at the edge does).
  const reopened = await pkg.openEngine({ now: () => ds.now, snapshot: image });
  const heapOpen = module.HEAPU8.buffer.byteLength;
  reopened.close();
  process.stdout.write(JSON.stringify({
    cpuMs: (cpu.user + cpu.system) / 1000, mainMs, wallMs, heapGrowth: heapLoad - heap0, heapLoad, heapExport, heapOpen,
    rssGrowth, image: image.length, maxRss: process.resourceUsage().maxRSS * 1024,
  }));
  process.exit(0);
}

// ---- parent: interleaved fresh processes
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const impls = [{ name: 'this', root: ROOT }];
if (process.env.BENCH_BEFORE) impls.unshift({ name: 'before', root: path.resolve(process.env.BENCH_BEFORE) });
// The peer comes last, out of the this/before ratio.
if (process.env.BENCH_PEER === '1') impls.push({ name: 'better-sqlite3', root: ROOT, peer: true });
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const kinds = (process.env.BENCH_DATASETS ?? 'hotel').split(',').map((s) => s.trim()).filter(Boolean);
const PAGE_ROWS = process.env.BENCH_PAGES ? Number(process.env.BENCH_PAGES) : 0;
if (process.env.BENCH_PAGES && !(Number.isInteger(PAGE_ROWS) && PAGE_ROWS > 0)) {
  throw new Error(`BENCH_PAGES must be a positive whole number of rows, not ${process.env.BENCH_PAGES}`);
}
if (PAGE_ROWS && impls.some((i) => i.peer)) throw new Error('BENCH_PAGES loads the engine only: leave BENCH_PEER unset');
const pagesDir = PAGE_ROWS ? mkdtempSync(path.join(os.tmpdir(), 'edgestay-pages-')) : null;
process.on('exit', () => pagesDir && rmSync(pagesDir, { recursive: true, force: true }));
const out = {};
for (const kind of kinds) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? (kind === 'chain' ? 2 : 5));
  let pages = null;
  if (PAGE_ROWS) {
    pages = path.join(pagesDir, `${kind}.ndjson`);
    console.log(`${kind}: writing the dataset as batches of ${PAGE_ROWS} rows ...`);
    const writer = spawnSync(process.execPath, ['--max-old-space-size=8192', fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_LOAD_PAGES_WRITER: JSON.stringify({ kind, file: pages, pageRows: PAGE_ROWS }) },
      encoding: 'utf8',
    });
    if (writer.status !== 0) throw new Error(`writing ${kind}'s pages: ${writer.stderr}`);
  }
  const samples = Object.fromEntries(impls.map((i) => [i.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...impls].reverse() : impls;
    for (const impl of order) {
      const child = spawnSync(process.execPath, [...NODE_FLAGS, '--expose-gc', '--max-old-space-size=8192', fileURLToPath(import.meta.url)], {
        env: { ...process.env, BENCH_LOAD_CHILD: JSON.stringify({ root: impl.root, kind, peer: impl.peer, pages }) },
        encoding: 'utf8', maxBuffer: 1 << 20,
      });
      if (child.status !== 0) throw new Error(`${impl.name} ${kind}: ${child.stderr}`);
      const s = JSON.parse(child.stdout);
      samples[impl.name].push(s);
      console.log(`${kind} ${impl.name} round ${r + 1}: cpu ${s.cpuMs.toFixed(0)} ms (main thread ${s.mainMs?.toFixed(0)}),` +
        ` wall ${s.wallMs.toFixed(0)} ms,` + (pages ? ` ${s.batches} batches,` : '') +
        (impl.peer ? '' : ` heap +${(s.heapGrowth / MiB).toFixed(1)} MiB (after load ${(s.heapLoad / MiB).toFixed(0)}` +
          (pages ? ' MiB),' : `, after export ${(s.heapExport / MiB).toFixed(0)}, after a snapshot open ${(s.heapOpen / MiB).toFixed(0)} MiB),`)) +
        ` RSS +${(s.rssGrowth / MiB).toFixed(1)} MiB, image ${(s.image / 1e6).toFixed(1)} MB, peak RSS ${(s.maxRss / MiB).toFixed(0)} MiB`);
    }
  }
  const med = Object.fromEntries(Object.entries(samples).map(([name, ss]) => [name,
    Object.fromEntries(Object.keys(ss[0]).map((k) => [k, median(ss.map((s) => s[k]))]))]));
  console.log(`\n${kind}: medians of ${rounds} (fresh process per load${pages ? `, batches of ${PAGE_ROWS} rows streamed from a file` : ''})`);
  const ab = Boolean(med.before);
  console.log('| | ' + impls.map((i) => i.name).join(' | ') + (ab ? ' | this/before |' : ' |'));
  console.log('|---|' + impls.map(() => '---:|').join('') + (ab ? '---:|' : ''));
  const rows = [['applyChanges CPU ms', 'cpuMs', 1, 0], ['applyChanges CPU ms, main thread', 'mainMs', 1, 0],
    ['applyChanges wall ms', 'wallMs', 1, 0],
    ['wasm heap growth by the load, MiB', 'heapGrowth', MiB, 1], ['wasm heap after load, MiB', 'heapLoad', MiB, 1],
    ['wasm heap after load + export, MiB', 'heapExport', MiB, 1],
    ['wasm heap after load + export + snapshot open, MiB', 'heapOpen', MiB, 1],
    ['RSS growth by the load, MiB', 'rssGrowth', MiB, 1], ['image, MB', 'image', 1e6, 1],
    ['peak RSS, MiB', 'maxRss', MiB, 0]];
  for (const [label, key, unit, digits] of rows) {
    const vals = impls.map((i) => med[i.name][key]);
    if (vals.every((v) => v === undefined)) continue;  // not measured in this mode
    console.log(`| ${label} | ${vals.map((v) => (v === undefined ? '—' : (v / unit).toFixed(digits))).join(' | ')} |` +
      (ab ? ` ${(med.this[key] / med.before[key]).toFixed(2)} |` : ''));
  }
  out[kind] = { samples, medians: med };
}
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(out, null, 2));
