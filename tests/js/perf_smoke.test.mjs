// Smoke checks of the perf tools and the benchmark (docs/PERFORMANCE.md): each runs as a
// child process on small data and must succeed. No timing is asserted here: the
// benchmark reports its targets, it never fails on them.
//
// Run: node --test tests/js/perf_smoke.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function run(args, env = {}, timeout = 60000) {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout, maxBuffer: 32 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, signal: error?.signal ?? null, stdout, stderr }));
  });
}

const show = (r) => `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;

// The three tools are independent: run them concurrently with the benchmark's smoke run.
const tools = {
  cacheStats: run(['scripts/perf/cache-stats.mjs', '--quick']),
  analyze: run(['scripts/perf/analyze-queries.mjs', '--quick']),
  indexes: run(['scripts/perf/check-indexes.mjs', '--quick']),
};

test('perf:cache-stats --quick runs a widget session and exits 0', async () => {
  const r = await tools.cacheStats;
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /hot-data hit rate: /, show(r));
  for (const call of ['getRoomTypes', 'getCalendar', 'getAllRoomAvailability', 'checkRoomAvailability']) {
    assert.match(r.stdout, new RegExp(`^${call}\\s`, 'm'), `session table lacks ${call}\n${show(r)}`);
  }
});

test('perf:analyze-queries --quick lists every query helper and finds no full scan', async () => {
  const { REQUIRED_HELPERS } = await import('../../scripts/perf/common.mjs');
  const r = await tools.analyze;
  assert.equal(r.code, 0, show(r));
  for (const helper of REQUIRED_HELPERS) {
    assert.match(r.stdout, new RegExp(`^${helper}\\s+\\d+`, 'm'), `no timing row for ${helper}\n${show(r)}`);
    assert.match(r.stdout, new RegExp(`^== ${helper} \\(median`, 'm'), `no plan section for ${helper}\n${show(r)}`);
  }
  // Inventory is read through the table's own key (WITHOUT ROWID since schema 5).
  assert.match(r.stdout, /SEARCH (room_inventory|ri) USING PRIMARY KEY \(room_type_id=\?/, show(r));
  assert.match(r.stdout, /analyze-queries: ok/, show(r));
});

test('perf:check-indexes --quick finds the six contract indexes in use', async () => {
  const { CONTRACT_INDEXES } = await import('../../scripts/perf/common.mjs');
  const r = await tools.indexes;
  assert.equal(r.code, 0, show(r));
  for (const name of CONTRACT_INDEXES) assert.match(r.stdout, new RegExp(`^${name}\\s.*\\sok$`, 'm'), `${name}\n${show(r)}`);
});

test('bench/load.mjs with BENCH_QUICK=1 loads both datasets in fresh processes, better-sqlite3 beside', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgestay-load-'));
  try {
    const out = path.join(dir, 'load.json');
    const r = await run(['bench/load.mjs'],
      { BENCH_QUICK: '1', BENCH_ROUNDS: '1', BENCH_PEER: '1', BENCH_DATASETS: 'hotel,chain', BENCH_JSON: out }, 55000);
    assert.equal(r.code, 0, show(r));
    const result = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(Object.keys(result).sort(), ['chain', 'hotel']);
    for (const [kind, { medians }] of Object.entries(result)) {
      assert.deepEqual(Object.keys(medians), ['this', 'better-sqlite3'], kind);
      for (const m of Object.values(medians)) {
        assert.ok(m.cpuMs > 0 && m.image > 0 && m.maxRss > 0, `${kind}: ${JSON.stringify(m)}`);
      }
      // The same rows in the same schema: images of about the same size.
      const { this: edge, 'better-sqlite3': peer } = medians;
      assert.ok(Math.abs(edge.image / peer.image - 1) < 0.5, `${kind}: images ${edge.image} vs ${peer.image}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench/load.mjs with BENCH_PAGES loads each dataset as consecutive sync pages, every row applied', async () => {
  const { buildDataset } = await import('../../bench/datasets.mjs');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgestay-load-pages-'));
  try {
    const out = path.join(dir, 'load.json');
    const r = await run(['bench/load.mjs'],
      { BENCH_QUICK: '1', BENCH_ROUNDS: '1', BENCH_PAGES: '300', BENCH_DATASETS: 'hotel,chain', BENCH_JSON: out }, 55000);
    assert.equal(r.code, 0, show(r));
    const result = JSON.parse(readFileSync(out, 'utf8'));
    for (const kind of ['hotel', 'chain']) {
      const rows = buildDataset(kind, { quick: true }).batch.changes
        .reduce((n, c) => n + (Array.isArray(c.rows) ? c.rows.length : 1), 0);
      const m = result[kind].medians.this;
      assert.equal(m.applied, rows, `${kind}: ${JSON.stringify(m)}`);
      assert.equal(m.batches, Math.ceil(rows / 300), `${kind}: ${JSON.stringify(m)}`);
      assert.ok(m.image > 0 && m.maxRss > 0 && m.heapLoad > 0, `${kind}: ${JSON.stringify(m)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench/run.mjs with BENCH_QUICK=1 completes and writes every op for every impl', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgestay-bench-'));
  try {
    const out = path.join(dir, 'quick.json');
    const r = await run(['--expose-gc', 'bench/run.mjs'], { BENCH_QUICK: '1', BENCH_OUT: out }, 55000);
    assert.equal(r.code, 0, show(r));
    const result = JSON.parse(readFileSync(out, 'utf8'));
    const { OPS, IMPLS } = { OPS: result.settings.ops, IMPLS: result.impls };
    assert.equal(result.quick, true);
    assert.deepEqual(Object.keys(result.datasets).sort(), ['chain', 'hotel']);
    assert.equal(OPS.length, 9, 'nine benchmarked operations');
    assert.deepEqual(IMPLS, ['edgestay cold', 'edgestay warm', 'sql.js', 'better-sqlite3', 'bs3 plain']);
    for (const [kind, d] of Object.entries(result.datasets)) {
      for (const impl of ['edgestay', 'sql.js', 'better-sqlite3']) {
        assert.ok(d.load[impl] > 0, `${kind}: load time of ${impl}`);
      }
      for (const op of OPS) {
        const o = d.ops[op];
        assert.ok(o, `${kind}: ${op} missing`);
        for (const impl of IMPLS) {
          const s = o.impls[impl];
          assert.ok(s, `${kind}/${op}: ${impl} missing`);
          if (s.na) continue;  // e.g. a warm cache for a write, or an API this build lacks
          for (const k of ['p50', 'p99', 'mean']) assert.ok(Number.isFinite(s[k]) && s[k] > 0, `${kind}/${op}/${impl}: ${k}`);
          assert.ok(s.n > 0, `${kind}/${op}/${impl}: samples`);
        }
        // the peers always run
        assert.ok(!o.impls['sql.js'].na && !o.impls['better-sqlite3'].na, `${kind}/${op}: peers ran`);
      }
    }
    assert.ok(result.sizes.edgestay.raw > 0 && result.sizes.edgestay.gzip > 0);
    assert.ok(result.sizes.sqljs.raw > 0 && result.sizes.sqljs.gzip > 0);
    assert.ok(result.peakRssBytes > 0);
    assert.ok(Array.isArray(result.targets) && result.targets.length > 0);
    assert.match(r.stdout, /\| op \| impl \| p50 µs \| p99 µs \| mean µs \| ×bs3 \| ×sql\.js \| ×plain \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
