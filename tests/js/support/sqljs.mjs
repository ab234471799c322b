// sql.js (SQLite in wasm, a dev dependency), loaded once for the tests that read an
// engine's image as any other SQLite tool would.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const initSqlJs = require('sql.js');
const dist = path.dirname(require.resolve('sql.js'));

export const SQL = await initSqlJs({ locateFile: (file) => path.join(dist, file) });
