// scripts/serve-web.mjs without a browser: what it serves and refuses, the first-paint
// calendar and its errors, gzip + ETag revalidation, the kiosk's versioned service worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startStack } from './support/stack.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.close(); });

// Raw GET (fetch would normalise the path and decode gzip itself).
function get(pathname, headers = {}) {
  const { port } = new URL(stack.web.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves web/ and the package files, nothing else', async () => {
  for (const p of ['/web/widget/edgestay-widget.js', '/bindings/js/index.mjs', '/sync/client/index.mjs', '/web/kiosk/']) {
    assert.equal((await get(p)).status, 200, p);
  }
  const wasm = await get('/bindings/js/dist/edgestay_core.wasm');
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  for (const p of ['/package.json', '/web/..%2F..%2Fpackage.json', '/web/%2e%2e/CMakeLists.txt', '/bindings/js/..%2F..%2Fscripts/start',
    '/web/%E0%A4%A', '/tests/e2e/support/stack.mjs', '/web/widget/nope.js']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.equal(JSON.parse(r.body).error.code, 'NOT_FOUND');
  }
});

test('gzip and ETag: a repeat request is a 304 with no body', async () => {
  const first = await get('/bindings/js/dist/edgestay_core.wasm', { 'accept-encoding': 'gzip' });
  assert.equal(first.headers['content-encoding'], 'gzip');
  assert.ok(first.body.length < 700000, `${first.body.length} bytes gzipped`);
  const again = await get('/bindings/js/dist/edgestay_core.wasm', { 'if-none-match': first.headers.etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
});

test('the kiosk service worker carries a version hash of its shell', async () => {
  const sw = (await get('/web/kiosk/sw.js')).body.toString();
  assert.doesNotMatch(sw, /__EDGESTAY_SHELL_VERSION__/);
  assert.match(sw, /const VERSION = '[0-9a-f]{16}'/);
});

test('first-paint calendar: the engine\'s answer, and clear errors for bad input', async () => {
  const from = new Date().toISOString().slice(0, 10);
  const ok = await fetch(`${stack.web.url}/edge/hotels/${stack.hotel}/calendar?from=${from}&days=14`);
  assert.equal(ok.status, 200);
  const body = await ok.json();
  assert.equal(body.calendar.days, 14);
  assert.equal(body.calendar.dates[0], from);
  assert.ok(body.roomTypes.length > 0);
  assert.equal(body.rules.currency, 'EUR');
  for (const [q, code] of [['from=2026-02-30&days=14', 'INVALID_DATE'], [`from=${from}&days=0`, null], [`from=${from}&days=abc`, null]]) {
    const r = await fetch(`${stack.web.url}/edge/hotels/${stack.hotel}/calendar?${q}`);
    assert.equal(r.status, 400, q);
    const e = (await r.json()).error;
    assert.ok(e.code && e.message, q);
    if (code) assert.equal(e.code, code);
  }
  // Still answering after the bad requests.
  assert.equal((await fetch(`${stack.web.url}/edge/hotels/${stack.hotel}/calendar?from=${from}&days=7`)).status, 200);
});

test('/v1 is proxied to edgestay-server; a cut-off centre fails like a network error', async () => {
  const health = await fetch(`${stack.web.url}/v1/health`);
  assert.equal(health.status, 200);
  assert.equal((await health.json()).ok, true);
  stack.web.setUpstream(false);
  await assert.rejects(fetch(`${stack.web.url}/v1/health`));
  stack.web.setUpstream(true);
  assert.equal((await fetch(`${stack.web.url}/v1/health`)).status, 200);
});
