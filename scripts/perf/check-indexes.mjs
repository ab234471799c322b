#!/usr/bin/env node
// npm run perf:check-indexes [-- --quick] [--image FILE] [--json]
//
// Verifies the six composite indexes of the contract (listed in docs/PERFORMANCE.md):
//   1. each exists in the database image's sqlite_master, on its table, with the
//      contract's leading columns (trailing columns that make it covering are fine);
//   2. each is used by some query plan: the plans of every statement the engine prepares
//      (every query helper is run first, then engine.explainQueries()), explained again
//      against the image with better-sqlite3 (the same SQLite 3.50.4 as the core), plus
//      the contract's own access pattern for each index (e.g. the notification
//      dispatcher's "QUEUED and due" scan), for indexes the engine itself never queries.
//
// The image is the engine's exportDatabase() of the benchmark's hotel dataset, or FILE
// (any SQLite image, e.g. a server's store or a kiosk's saved snapshot). Exit status 1
// when an index is missing, has other columns, or no plan uses it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { bs3NullArgs } from '../../bench/peers.mjs';
import { CONTRACT_INDEXES, has, loadHotel, parseArgs, planStep, queryHelpers, table, tableAliases } from './common.mjs';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

const opts = parseArgs();
if (opts.help) {
  console.log('usage: check-indexes.mjs [--quick] [--image FILE] [--json]');
  process.exit(0);
}

// What each contract index is for: its table, its columns, and the query it serves.
const CONTRACT = {
  bookings_status_startDate_endDate_idx: {
    table: 'bookings', columns: ['status', 'start_date', 'end_date'],
    query: "SELECT id FROM bookings WHERE status = 'CONFIRMED' AND start_date <= ? AND end_date > ?",
  },
  bookings_userId_status_createdAt_idx: {
    table: 'bookings', columns: ['user_id', 'status', 'created_at'],
    query: "SELECT id FROM bookings WHERE user_id = ? AND status = 'CONFIRMED' ORDER BY created_at DESC",
  },
  room_inventory_roomTypeId_date_available_idx: {
    table: 'room_inventory', columns: ['room_type_id', 'date', 'available'],
    query: 'SELECT date, available FROM room_inventory WHERE room_type_id = ? AND date >= ? AND date < ? AND available >= ?',
  },
  waitlist_status_startDate_endDate_idx: {
    table: 'waitlist', columns: ['status', 'start_date', 'end_date'],
    query: "SELECT id FROM waitlist WHERE status = 'WAITING' AND start_date < ? AND end_date > ?",
  },
  payments_status_createdAt_idx: {
    table: 'payments', columns: ['status', 'created_at'],
    query: "SELECT id, booking_id, amount_cents FROM payments WHERE status = 'PENDING' AND created_at < ? ORDER BY created_at",
  },
  notifications_status_scheduledAt_idx: {
    table: 'notifications', columns: ['status', 'scheduled_at'],
    query: "SELECT id FROM notifications WHERE status = 'QUEUED' AND scheduled_at <= ? ORDER BY scheduled_at",
  },
};

// ---- the engine's statements: run every query helper, then explainQueries().
const { ds, engine } = await loadHotel({ quick: opts.quick || !!opts.image });
for (const helper of queryHelpers(ds)) {
  if (!has(engine, helper.method ?? helper.name)) continue;
  for (let i = 0; i < 3; i++) {
    try { helper.call(engine, i); } catch { /* an answer or a refusal both prepare the statements */ }
  }
}
const engineSql = engine.explainQueries().map((s) => s.sql);
const image = opts.image ? readFileSync(opts.image) : Buffer.from(engine.exportDatabase());
engine.close();

const db = new Database(image, { readonly: false });
const problems = [];
try {
  // ---- 1. existence and shape
  const indexes = new Map(db.prepare("SELECT name, tbl_name AS tbl FROM sqlite_master WHERE type = 'index'").all()
    .map((r) => [r.name, r]));
  const shape = {};
  const covering = {};
  for (const name of CONTRACT_INDEXES) {
    const want = CONTRACT[name];
    const found = indexes.get(name);
    if (!found) {
      shape[name] = 'MISSING';
      problems.push(`${name}: missing from sqlite_master`);
      continue;
    }
    const cols = db.prepare(`PRAGMA index_info(${JSON.stringify(name)})`).all().sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
    // The contract fixes the table and the leading columns (the name says them); more
    // columns after those (a covering index) keep every plan the contract relies on.
    const lead = cols.slice(0, want.columns.length);
    if (found.tbl !== want.table || lead.join(',') !== want.columns.join(',')) {
      shape[name] = `WRONG: ${found.tbl}(${cols.join(', ')})`;
      problems.push(`${name}: is on ${found.tbl}(${cols.join(', ')}), the contract says ${want.table}(${want.columns.join(', ')}, ...)`);
      continue;
    }
    shape[name] = 'ok';
    if (cols.length > want.columns.length) covering[name] = cols.length - want.columns.length;
  }

  // ---- 2. plans: the engine's statements, then the contract queries, against the image.
  const usedBy = Object.fromEntries(CONTRACT_INDEXES.map((n) => [n, { engine: [], contract: false }]));
  const explain = (sql) => {
    try {
      return { plan: db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...bs3NullArgs(sql)).map((r) => r.detail) };
    } catch (e) {
      return { error: e.message };
    }
  };
  const failures = [];
  for (const sql of engineSql) {
    const { plan, error } = explain(sql);
    if (error) {
      failures.push({ sql, error });
      continue;
    }
    const aliases = tableAliases(sql);
    for (const line of plan) {
      const step = planStep(line, aliases);
      if (step.index && usedBy[step.index]) usedBy[step.index].engine.push(sql);
    }
  }
  for (const name of CONTRACT_INDEXES) {
    const { plan } = explain(CONTRACT[name].query);
    if (plan?.some((line) => planStep(line, tableAliases(CONTRACT[name].query)).index === name)) usedBy[name].contract = true;
  }
  for (const f of failures) problems.push(`engine statement fails on this image (${f.error}): ${f.sql.replace(/\s+/g, ' ').slice(0, 120)}`);

  const rows = [['index', 'table (columns)', 'exists', 'engine statements using it', 'contract query uses it', 'verdict']];
  for (const name of CONTRACT_INDEXES) {
    const want = CONTRACT[name];
    const u = usedBy[name];
    const used = u.engine.length > 0 || u.contract;
    let verdict = 'ok';
    if (shape[name] !== 'ok') verdict = shape[name].startsWith('MISSING') ? 'MISSING' : 'WRONG COLUMNS';
    else if (!used) {
      verdict = 'UNUSED';
      problems.push(`${name}: no query plan uses it`);
    }
    const extra = covering[name] ? `, +${covering[name]} covering` : '';
    rows.push([name, `${want.table}(${want.columns.join(', ')}${extra})`, shape[name] === 'ok' ? 'yes' : shape[name],
      u.engine.length, u.contract ? 'yes' : 'no', verdict]);
  }

  if (opts.json) {
    console.log(JSON.stringify({ image: opts.image ?? 'engine export (hotel dataset)', shape, covering,
      usedBy: Object.fromEntries(Object.entries(usedBy).map(([k, v]) => [k, { engine: v.engine.length, contract: v.contract }])),
      problems }, null, 2));
  } else {
    console.log(`check-indexes: ${opts.image ? `image ${opts.image}` : `engine export of the hotel dataset${opts.quick ? ' (--quick)' : ''}`},` +
      ` ${engineSql.length} engine statements explained with better-sqlite3 (SQLite ${db.prepare('SELECT sqlite_version()').pluck().get()})\n`);
    console.log(table(rows));
    const onlyContract = CONTRACT_INDEXES.filter((n) => usedBy[n].engine.length === 0 && usedBy[n].contract);
    if (onlyContract.length) {
      console.log(`\nnote: no engine statement uses ${onlyContract.join(', ')}; ` +
        'the contract query (its server-side / dispatcher access pattern) does.');
    }
    console.log();
    for (const p of problems) console.log(`VIOLATION: ${p}`);
    console.log(problems.length ? `check-indexes: ${problems.length} violation(s)` : 'check-indexes: ok, all six contract indexes exist and are used');
  }
} finally {
  db.close();
}
process.exit(problems.length ? 1 : 0);
