// The loader's ways in (wasmModule, wasmBinary, locateFile, default) and its one way
// out on failure: EdgestayError('WASM_LOAD'), never an Emscripten abort, and a failed
// load leaves later loads working.
//
// Run: node --test tests/package/loader.test.mjs   (after scripts/build --wasm-only)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WASM = path.join(ROOT, 'bindings/js/dist/edgestay_core.wasm');
const BUILT = existsSync(WASM);
const SKIP = BUILT ? {} : { skip: 'wasm core not built (bindings/js/dist): run scripts/build' };
const { openEngine, EdgestayError } = BUILT ? await import('../../bindings/js/index.mjs') : {};

// Another Emscripten module: right format, wrong program.
const SQLJS_WASM = path.join(path.dirname(createRequire(import.meta.url).resolve('sql.js')), 'sql-wasm.wasm');

async function loadCode(options) {
  try {
    const engine = await openEngine(options);
    engine.close();
    return 'opened';
  } catch (e) {
    assert.ok(e instanceof EdgestayError, `expected an EdgestayError, got ${e?.stack ?? e}`);
    return e.code;
  }
}

function smoke(engine) {
  engine.applyChanges({ format: 'edgestay.changes/1', cursor: '3', changes: [
    { op: 'upsert', table: 'hotels', row: { id: 1, name: 'H', currency: 'EUR' } },
    { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: 1, name: 'D', base_price_cents: 100, total_rooms: 2 } },
  ] });
  return engine.getRoomTypes(1).map((r) => r.name);
}

test('wasmModule: engines opened with one module share its instance and are independent', SKIP, async () => {
  const wasmModule = new WebAssembly.Module(readFileSync(WASM));
  const a = await openEngine({ wasmModule });
  const b = await openEngine({ wasmModule });
  assert.deepEqual(smoke(a), ['D']);
  assert.throws(() => b.getRoomTypes(1), { code: 'UNKNOWN_HOTEL' }, 'a second engine has its own database');
  assert.equal(a.asOf().cursor, '3');
  a.close();
  b.close();
});

test('wasmBinary and locateFile load the same artifact', SKIP, async () => {
  const bytes = readFileSync(WASM);
  const e1 = await openEngine({ module: { wasmBinary: bytes } });
  assert.deepEqual(smoke(e1), ['D']);
  e1.close();
  // Node's fetch reads no file: URLs, so locateFile is served over loopback HTTP here.
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    if (req.url === '/assets/edgestay_core.wasm') {
      res.writeHead(200, { 'content-type': 'application/wasm' });
      res.end(bytes);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const e2 = await openEngine({ module: { locateFile: (file) => `${base}/assets/${file}` } });
    assert.deepEqual(smoke(e2), ['D']);
    e2.close();
    assert.equal(await loadCode({ module: { locateFile: (file) => `${base}/missing/${file}` } }), 'WASM_LOAD');
  } finally {
    server.close();
  }
});

test('a wrong module or wrong bytes is WASM_LOAD, and the next load still works', SKIP, async () => {
  const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);  // a valid, empty wasm module
  assert.equal(await loadCode({ wasmModule: new WebAssembly.Module(empty) }), 'WASM_LOAD');
  assert.equal(await loadCode({ wasmModule: 'edgestay_core.wasm' }), 'WASM_LOAD');
  assert.equal(await loadCode({ wasmModule: {} }), 'WASM_LOAD');
  assert.equal(await loadCode({ module: { wasmBinary: new Uint8Array([1, 2, 3, 4]) } }), 'WASM_LOAD');
  assert.equal(await loadCode({ module: { wasmBinary: 'not bytes' } }), 'WASM_LOAD');
  assert.equal(await loadCode({ module: { locateFile: 42 } }), 'WASM_LOAD');
  if (existsSync(SQLJS_WASM)) {
    assert.equal(await loadCode({ wasmModule: new WebAssembly.Module(readFileSync(SQLJS_WASM)) }), 'WASM_LOAD');
    assert.equal(await loadCode({ module: { wasmBinary: readFileSync(SQLJS_WASM) } }), 'WASM_LOAD');
  }
  assert.equal(await loadCode({}), 'opened');
  assert.equal(await loadCode({ wasmModule: new WebAssembly.Module(readFileSync(WASM)) }), 'opened');
});

test('the glue has no eval or new Function (linked with DYNAMIC_EXECUTION=0)', SKIP, () => {
  const glue = readFileSync(path.join(ROOT, 'bindings/js/dist/edgestay_core.mjs'), 'utf8');
  assert.doesNotMatch(glue, /new Function\s*\(|\beval\s*\(/);
});
