// The wasm core for the server suites that drive real engines: loaded once here, so that
// without a wasm build those suites skip visibly (SKIP) instead of failing on an import.
import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ROOT } from './paths.mjs';

const WASM_BUILT = existsSync(path.join(ROOT, 'bindings', 'js', 'dist', 'edgestay_core.wasm'));
export const SKIP = WASM_BUILT ? {} : { skip: 'wasm core not built (bindings/js/dist): run scripts/build' };
// The bindings/js module ({ openEngine, EdgestayError, … }), or {} without a build.
export const core = WASM_BUILT ? await import('../../../bindings/js/index.mjs') : {};

// One SQL answer from an engine's exported image (outbox, local bookings…).
export function engineSql(engine, sql) {
  const db = new Database(Buffer.from(engine.exportDatabase()));
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}
