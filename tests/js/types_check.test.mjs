// The hand-written TypeScript types (bindings/js/index.d.ts) stay true to the package:
//   - `tsc --noEmit` type-checks tests/js/types/usage.ts, which imports 'edgestay'
//     through package.json's exports map and exercises the whole API (including
//     @ts-expect-error lines that must stay errors). Skipped when the `typescript`
//     devDependency is not installed; fails on any tsc diagnostic.
//   - every public Engine method, every export of index.mjs, every event name and every
//     error code of docs/API.md is declared in index.d.ts (catches an API that grew
//     without its types).
//
// Run: node --test tests/js/types_check.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as edgestay from '../../bindings/js/index.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dts = readFileSync(join(root, 'bindings/js/index.d.ts'), 'utf8');
const tscJs = join(root, 'node_modules/typescript/lib/tsc.js');

test('tsc --noEmit accepts tests/js/types/usage.ts', { skip: !existsSync(tscJs) && 'typescript is not installed (npm ci)' }, () => {
  const r = spawnSync(process.execPath, [tscJs, '--noEmit', '--pretty', 'false', '-p', 'tests/js/types'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120000,
  });
  assert.equal(r.error, undefined, `tsc did not run: ${r.error}`);
  assert.equal(r.status, 0, `tsc reported errors:\n${r.stdout}${r.stderr}`);
});

test('every export of index.mjs is declared', () => {
  for (const name of Object.keys(edgestay)) {
    assert.match(dts, new RegExp(`^export (declare )?(function|class|const) ${name}\\b`, 'm'), `export ${name}`);
  }
});

test('every public Engine method is declared', () => {
  const methods = Object.getOwnPropertyNames(edgestay.Engine.prototype).filter((m) => m !== 'constructor');
  assert.ok(methods.length > 10, 'Engine has its methods');
  const engineBody = dts.slice(dts.indexOf('export class Engine'));
  for (const m of methods) {
    assert.match(engineBody, new RegExp(`^\\s+${m}[(<]`, 'm'), `Engine.${m} has no declaration in index.d.ts`);
  }
});

test('every event name of index.mjs has a payload type', () => {
  const src = readFileSync(join(root, 'bindings/js/index.mjs'), 'utf8');
  const set = /EVENT_TYPES\s*=\s*new Set\(\[([^\]]*)\]/.exec(src);
  assert.ok(set, 'EVENT_TYPES found in index.mjs');
  const names = [...set[1].matchAll(/'([A-Za-z]+)'/g)].map((m) => m[1]);
  const events = dts.slice(dts.indexOf('export interface EngineEvents'));
  for (const name of names) assert.match(events, new RegExp(`^\\s+${name}:`, 'm'), `event '${name}'`);
});

test('every error code of docs/API.md is in ErrorCode', () => {
  const api = readFileSync(join(root, 'docs/API.md'), 'utf8');
  const section = api.slice(api.indexOf('## Error codes'));
  const codes = [...section.matchAll(/^\|([^|]*)\|/gm)].flatMap((m) => [...m[1].matchAll(/`([A-Z_]+)`/g)].map((c) => c[1]));
  assert.ok(codes.length >= 16, `codes found in docs/API.md: ${codes.length}`);
  const union = dts.slice(dts.indexOf('export type ErrorCode'), dts.indexOf(';', dts.indexOf('export type ErrorCode')));
  for (const code of codes) assert.ok(union.includes(`'${code}'`), `ErrorCode lacks '${code}'`);
});
