#!/usr/bin/env node
// npm run perf:analyze-queries [-- --quick] [--calls N] [--json]
//
// Runs every query helper of the engine on the benchmark's hotel dataset, each on an
// engine of its own (opened from the same snapshot), times it (median, cold cache:
// clearCache() before each call when the build has a cache; warm: the same call
// repeated), and prints the EXPLAIN QUERY PLAN of every statement the helper prepared
// (engine.explainQueries()).
//
// Exit status 1 when any statement scans bookings or room_inventory without an index
// (a full table scan). Printed as warnings: whole-index scans, one-sided ranges, temp
// b-trees, and index searches that read over 1000 rows per call on this data (estimated
// from sqlite_stat1 of an ANALYZEd copy of the image).
import { createRequire } from 'node:module';

import { openEngine } from '../../bindings/js/index.mjs';
import { GUARDED_TABLES, has, hasCache, loadHotel, median, parseArgs, planProblems, planStep, queryHelpers, searchEstimate,
  table, tableAliases, usUnit } from './common.mjs';

const require = createRequire(import.meta.url);
// An index SEARCH expected to read more rows than this per call is reported (warning).
const WIDE_SEARCH_ROWS = 1000;

const opts = parseArgs();
if (opts.help) {
  console.log('usage: analyze-queries.mjs [--quick] [--calls N] [--json]');
  process.exit(0);
}
const calls = opts.calls ?? (opts.quick ? 15 : 101);

const { ds, engine: loader, loadMs } = await loadHotel({ quick: opts.quick });
const image = loader.exportDatabase();
loader.close();
const open = () => openEngine({ now: () => ds.now, snapshot: image });

// Statements every engine prepares when it opens (facts, sync state).
const first = await open();
const atOpen = first.explainQueries();
const cache = hasCache(first);
first.close();
const openSql = new Set(atOpen.map((s) => s.sql));

const results = [];
for (const helper of queryHelpers(ds)) {
  const method = helper.method ?? helper.name;
  const engine = await open();
  if (!has(engine, method)) {
    engine.close();
    results.push({ name: helper.name, skipped: `engine.${method} is not in this build` });
    continue;
  }
  const cold = [];
  const warm = [];
  let errors = 0;
  let lastError = null;
  for (let i = 0; i < calls; i++) {
    if (cache) engine.clearCache();
    let t = performance.now();
    try {
      helper.call(engine, i);
    } catch (e) {
      errors++;
      lastError = e.code ?? e.message;
    }
    cold.push(performance.now() - t);
    if (cache && !helper.write) {
      t = performance.now();
      try { helper.call(engine, i); } catch { /* counted above */ }
      warm.push(performance.now() - t);
    }
  }
  const statements = engine.explainQueries().filter((s) => !openSql.has(s.sql));
  engine.close();
  results.push({ name: helper.name, calls, errors, lastError, medianColdMs: median(cold), medianWarmMs: warm.length ? median(warm) : null,
    statements });
}

const all = [...atOpen, ...results.flatMap((r) => r.statements ?? [])];
const unique = [...new Map(all.map((s) => [s.sql, s])).values()];
const { violations, warnings } = planProblems(unique);

// How selective is each index SEARCH on this data? ANALYZE a copy of the image (with
// better-sqlite3: the same SQLite as the core) and estimate the rows each search reads.
// Without statistics SQLite cannot tell a selective index from a useless one.
const stats = {};
{
  const Database = require('better-sqlite3');
  const db = new Database(Buffer.from(image));
  db.exec('ANALYZE');
  for (const { idx, stat } of db.prepare('SELECT idx, stat FROM sqlite_stat1 WHERE idx IS NOT NULL').all()) {
    stats[idx] = stat.split(' ').map(Number);
  }
  db.close();
}
for (const s of unique) {
  const aliases = tableAliases(s.sql);
  for (const line of s.plan) {
    if (!GUARDED_TABLES.includes(planStep(line, aliases).table)) continue;
    const est = searchEstimate(line, stats);
    if (est && est.rows >= WIDE_SEARCH_ROWS) {
      warnings.push({ sql: s.sql, line, problem: `reads ~${est.rows} rows per call (sqlite_stat1 of ${est.index}, prefix ${est.prefix})` });
    }
  }
}

if (opts.json) {
  console.log(JSON.stringify({ dataset: ds.counts, quick: opts.quick, cache, atOpen, results, violations, warnings }, null, 2));
  process.exit(violations.length ? 1 : 0);
}

const c = ds.counts;
console.log(`analyze-queries: hotel dataset${opts.quick ? ' (--quick)' : ''}: ${c.room_types} room types,` +
  ` ${c.room_inventory} inventory rows, ${c.bookings} bookings (loaded in ${loadMs.toFixed(0)} ms)`);
console.log(`${calls} calls per helper, each helper on its own engine; ` +
  (cache ? 'cold = clearCache() before each call, warm = the same call repeated' : 'no cache API in this build (warm: n/a)'));
console.log();
const rows = [['helper', 'calls', 'errors', 'median µs cold', 'median µs warm', 'statements', 'plan']];
for (const r of results) {
  if (r.skipped) {
    rows.push([r.name, '', '', 'n/a', 'n/a', '', `skipped: ${r.skipped}`]);
    continue;
  }
  const bad = planProblems(r.statements).violations.length;
  rows.push([r.name, r.calls, r.errors, usUnit(r.medianColdMs), usUnit(r.medianWarmMs), r.statements.length,
    bad ? `${bad} FULL SCAN(S)` : 'ok']);
}
console.log(table(rows));

const flat = (sql) => sql.replace(/\s+/g, ' ').trim();
const mark = (s, line) => (violations.some((v) => v.sql === s.sql && v.line === line) ? '!! ' : warnings.some((v) => v.sql === s.sql && v.line === line) ? ' ~ ' : '   ');
const printStatements = (title, list) => {
  console.log(`\n== ${title}`);
  if (!list.length) console.log('   (no new statements: it reuses statements prepared earlier)');
  for (const s of list) {
    console.log(`   ${flat(s.sql)}`);
    for (const line of s.plan) console.log(`   ${mark(s, line)}  ${line}`);
  }
};
printStatements('engine open (facts, sync state)', atOpen);
for (const r of results) {
  if (r.skipped) continue;
  const err = r.errors ? `, ${r.errors} calls threw (${r.lastError})` : '';
  printStatements(`${r.name} (median ${usUnit(r.medianColdMs)} µs cold${r.medianWarmMs != null ? `, ${usUnit(r.medianWarmMs)} µs warm` : ''}${err})`, r.statements);
}

console.log();
for (const w of warnings) console.log(`warning: ${w.problem}: ${w.line}\n         in ${flat(w.sql).slice(0, 140)}`);
if (violations.length) {
  for (const v of violations) console.log(`VIOLATION: ${v.problem}: ${v.line}\n           in ${flat(v.sql)}`);
  console.log(`analyze-queries: ${violations.length} violation(s) in ${unique.length} statements`);
  process.exit(1);
}
console.log(`analyze-queries: ok, ${unique.length} statements, no full scan of bookings or room_inventory` +
  (warnings.length ? ` (${warnings.length} warning(s))` : ''));
