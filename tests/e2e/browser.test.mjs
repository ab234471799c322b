// The JS package in a real browser: headless Chromium loads bindings/js/index.mjs from a
// loopback HTTP server, and the loader streams dist/edgestay_core.wasm itself (the browser
// path of openEngine, which the Node tests never take), on the page and in a module worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

// What the page and the worker run: the README's flow, returned as plain data.
const SCENARIO = `
  import { openEngine, EdgestayError } from '/bindings/js/index.mjs';
  export async function scenario() {
    const engine = await openEngine({ now: () => Date.parse('2030-05-20T12:00:00Z') });
    engine.applyChanges({ format: 'edgestay.changes/1', cursor: '7', changes: [
      { op: 'upsert', table: 'hotels', row: { id: 1, name: 'Harbour View', currency: 'EUR' } },
      { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: 1, name: 'Double', base_price_cents: 12900, total_rooms: 8 } },
      { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'],
        rows: [[10, '2030-06-01', 8, 3, 12900], [10, '2030-06-02', 8, 1, 14900]] },
    ] });
    const stay = { roomTypeId: 10, checkIn: '2030-06-01', checkOut: '2030-06-03' };
    const before = engine.checkRoomAvailability(stay);
    const booking = engine.createBooking({ hotelId: 1, userId: 77, guests: 2, ...stay });
    const after = engine.checkRoomAvailability(stay);
    let code = null;
    try { engine.checkRoomAvailability({ ...stay, checkIn: '2030-02-30' }); } catch (e) { code = e instanceof EdgestayError ? e.code : String(e); }
    const image = engine.exportDatabase();
    engine.close();
    return { available: before.available, totalCents: before.totalCents, asOf: before.asOf,
             status: booking.status, reasonAfter: after.reason, code, imageHeader: new TextDecoder().decode(image.slice(0, 15)) };
  }`;

let server;
let browser;
let baseUrl;

before(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/scenario.mjs') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(SCENARIO);
      return;
    }
    if (url.pathname === '/worker.mjs') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end("import { scenario } from '/scenario.mjs'; scenario().then((r) => postMessage(r), (e) => postMessage({ error: String(e) }));");
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>edgestay</title>');
      return;
    }
    const file = path.join(ROOT, path.normalize(url.pathname));
    if (!file.startsWith(path.join(ROOT, 'bindings')) || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(await readFile(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
  // Playwright launches headless with a fresh temporary profile of its own.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

function expectScenario(r) {
  assert.equal(r.error, undefined, r.error);
  assert.equal(r.available, true);
  assert.equal(r.totalCents, 12900 + 14900);
  assert.deepEqual(r.asOf, { cursor: '7', syncedAt: Date.parse('2030-05-20T12:00:00Z') });
  assert.equal(r.status, 'PENDING_SYNC');
  assert.equal(r.reasonAfter, 'sold_out', 'the local booking holds the last room of 06-02');
  assert.equal(r.code, 'INVALID_DATE');
  assert.equal(r.imageHeader, 'SQLite format 3');
}

test('in a page: openEngine streams the wasm and answers like in Node', async () => {
  const page = await browser.newPage();
  const wasmRequests = [];
  page.on('request', (req) => { if (req.url().endsWith('.wasm')) wasmRequests.push(req.url()); });
  await page.goto(`${baseUrl}/`);
  const result = await page.evaluate(async () => (await import('/scenario.mjs')).scenario());
  expectScenario(result);
  assert.deepEqual(wasmRequests, [`${baseUrl}/bindings/js/dist/edgestay_core.wasm`], 'the loader fetched the wasm next to the module');
  await page.close();
});

test('in a module worker (as an edge worker or a kiosk service worker would)', async () => {
  const page = await browser.newPage();
  await page.goto(`${baseUrl}/`);
  const result = await page.evaluate(() => new Promise((resolve) => {
    const worker = new Worker('/worker.mjs', { type: 'module' });
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => resolve({ error: e.message || 'worker error' });
  }));
  expectScenario(result);
  await page.close();
});

// Page stores in the browser (docs/PERSISTENCE.md): the database written page by page,
// restored by a later engine on the same origin, stored as a plain SQLite file.
const STORE_SCENARIO = `
  const { openEngine, opfsStore, indexedDbStore } = await import(location.origin + '/bindings/js/index.mjs');
  const now = () => Date.parse('2030-05-20T12:00:00Z');
  const batch = { format: 'edgestay.changes/1', cursor: '7', changes: [
    { op: 'upsert', table: 'hotels', row: { id: 1, name: 'Harbour View', currency: 'EUR' } },
    { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: 1, name: 'Double', base_price_cents: 12900, total_rooms: 8 } },
    { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'],
      rows: [[10, '2030-06-01', 8, 3, 12900], [10, '2030-06-02', 8, 3, 14900]] } ] };
  async function run(makeStore) {
    let engine = await openEngine({ now, store: makeStore() });
    engine.applyChanges(batch);
    const made = [];
    for (let u = 1; u <= 3; u++) made.push(engine.createBooking({ hotelId: 1, userId: u, guests: 1, roomTypeId: 10, checkIn: '2030-06-01', checkOut: '2030-06-03' }).id);
    await engine.flushed();
    const stats = engine.storageStats();
    const clientId = engine.pendingMutations().clientId;
    engine.close();
    engine = await openEngine({ now, store: makeStore() });
    const back = [1, 2, 3].flatMap((u) => engine.getUserBookingsWithRoomType(u).map((b) => b.id));
    const result = { made, back, clientId, clientIdBack: engine.pendingMutations().clientId, outbox: engine.pendingMutations().mutations.length,
      cursor: engine.asOf().cursor, reason: engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2030-06-01', checkOut: '2030-06-03' }).reason, stats };
    engine.close();
    return result;
  }
`;

function expectRestored(r) {
  assert.equal(r.error, undefined, r.error);
  assert.deepEqual([...r.back].sort(), [...r.made].sort());
  assert.equal(r.clientIdBack, r.clientId);
  assert.equal(r.outbox, 3);
  assert.equal(r.cursor, '7');
  assert.equal(r.reason, 'sold_out');
  assert.ok(r.stats.syncs > 0 && r.stats.bytesWritten > 0);
}

test('page stores: opfsStore in a worker and indexedDbStore on a page restore everything; the OPFS file is plain SQLite', async () => {
  const page = await browser.newPage();
  await page.goto(`${baseUrl}/`);
  const opfs = await page.evaluate((code) => new Promise((resolve) => {
    const src = `${code}
      run(() => opfsStore('browser-test')).then(async (r) => {
        const dir = await navigator.storage.getDirectory();
        const file = await (await dir.getFileHandle('browser-test.sqlite')).getFile();
        r.header = new TextDecoder().decode(new Uint8Array(await file.arrayBuffer()).slice(0, 15));
        postMessage(r);
      }, (e) => postMessage({ error: String(e) }));`;
    const worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => resolve({ error: e.message || 'worker error' });
  }), STORE_SCENARIO);
  expectRestored(opfs);
  assert.equal(opfs.header, 'SQLite format 3');
  const idb = await page.evaluate(async (code) => {
    const run = await import(URL.createObjectURL(new Blob([`${code}; export { run, indexedDbStore, opfsStore, openEngine };`], { type: 'text/javascript' })));
    const r = await run.run(() => run.indexedDbStore('browser-test'));
    // opfsStore needs a dedicated worker (sync access handles): on a page it is refused.
    r.pageOpfs = await run.openEngine({ store: run.opfsStore('page-test') }).then(() => null, (e) => e.code);
    return r;
  }, STORE_SCENARIO);
  expectRestored(idb);
  assert.equal(idb.pageOpfs, 'STORAGE');
  await page.close();
});
