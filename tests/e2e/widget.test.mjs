// <edgestay-widget> in headless Chromium against a real edgestay-server: the first
// calendar from the small JSON answer, the engine in a module worker, the grid equal to an
// engine's answers on the same data, no network per date change, booking to CONFIRMED,
// live updates from another guest, keyboard-only use, and an axe-core audit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../../bindings/js/index.mjs';
import { SyncClient } from '../../sync/client/index.mjs';
import { startStack, launchBrowser, median, screenshot } from './support/stack.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const W = 'edgestay-widget';
const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
const day = (n) => iso(Date.now() + n * 86400000);

let stack;
let browser;
let roomTypes;
const metrics = {};

before(async () => {
  stack = await startStack();
  // Rules on nights the first two months always show (today + 2 .. + 9), on the first room type.
  roomTypes = (await stack.api('GET', `/v1/hotels/${stack.hotel}/changes?limit=10000`, undefined, stack.tokens.read))
    .changes.filter((c) => c.table === 'room_types').flatMap((c) => (c.row ? [c.row] : c.rows.map((r) => Object.fromEntries(c.columns.map((k, i) => [k, r[i]])))));
  const rt = roomTypes[0].id;
  await stack.api('PUT', `/v1/hotels/${stack.hotel}/inventory`, { updates: [
    { roomTypeId: rt, from: day(2), stopSell: 1 },
    { roomTypeId: rt, from: day(3), closedToArrival: 1 },
    { roomTypeId: rt, from: day(4), closedToDeparture: 1 },
    { roomTypeId: rt, from: day(5), minStay: 3 },
    { roomTypeId: rt, from: day(6), maxStay: 2 },
    { roomTypeId: rt, from: day(7), total: 0 },
    { roomTypeId: rt, from: day(9), to: day(10), total: 1 },
  ] });
  browser = await launchBrowser();
});

after(async () => {
  if (Object.keys(metrics).length) console.log(`# widget metrics ${JSON.stringify(metrics)}`);
  await browser?.close();
  await stack?.close();
});

// A Node engine synced from the same centre: the oracle for what the widget shows.
async function oracleEngine() {
  const engine = await openEngine();
  await new SyncClient(engine, { baseUrl: stack.server.url, hotelId: stack.hotel, token: stack.tokens.read }).syncOnce();
  return engine;
}

async function openWidget(context, url = stack.widgetUrl) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector('edgestay-widget')?.metrics.engineReadyMs != null, null, { timeout: 30000 });
  assert.deepEqual(errors, []);
  return page;
}

const widgetMetrics = (page) => page.evaluate(() => {
  const m = document.querySelector('edgestay-widget').metrics;
  return { ...m, inputToRenderMs: [...m.inputToRenderMs] };
});

// Every network request of a context (pages and their workers) with its transferred size.
function recordRequests(context) {
  const list = [];
  context.on('requestfinished', async (req) => {
    const entry = { url: req.url(), bytes: 0 };
    list.push(entry);
    try {
      const s = await req.sizes();
      entry.bytes = s.responseBodySize + s.responseHeadersSize;
    } catch { /* the page went away */ }
  });
  context.on('request', (req) => list.push({ url: req.url(), started: true }));
  return list;
}

async function clickDay(page, date) {
  await page.locator(`${W} .day[data-date="${date}"]`).click();
}

// The widget answers a change asynchronously (a message to its worker): poll for it.
function waitFor(page, selector, attr, pattern, timeout = 5000) {
  return page.waitForFunction(([sel, a, src]) => {
    const el = document.querySelector('edgestay-widget').shadowRoot.querySelector(sel);
    const v = a ? el?.getAttribute(a) : el?.textContent;
    return v != null && new RegExp(src).test(v);
  }, [selector, attr, pattern.source], { timeout });
}

test('first calendar from the JSON answer, then the engine in a worker; 60 nights equal the engine', async () => {
  const context = await browser.newContext();
  const requests = recordRequests(context);
  const page = await openWidget(context);
  const cold = await widgetMetrics(page);
  assert.equal(cold.firstCalendarSource, 'json', 'the first calendar came from the JSON answer, before the engine');
  assert.ok(cold.firstCalendarMs < cold.engineReadyMs);
  assert.ok(requests.some((r) => r.started && /\/v1\/hotels\/\d+\/changes/.test(r.url)),
    'the worker\'s sync requests are visible to the test (so "0 requests" below means something)');
  await page.waitForTimeout(300);
  const coldBytes = requests.filter((r) => !r.started).reduce((n, r) => n + r.bytes, 0);
  // Warm: the same browser cache, a reload (files revalidate with 304).
  requests.length = 0;
  await page.reload();
  await page.waitForFunction(() => document.querySelector('edgestay-widget')?.metrics.engineReadyMs != null);
  const warm = await widgetMetrics(page);
  await page.waitForTimeout(300);
  const warmBytes = requests.filter((r) => !r.started).reduce((n, r) => n + r.bytes, 0);
  Object.assign(metrics, {
    firstCalendarColdMs: Math.round(cold.firstCalendarMs), firstCalendarWarmMs: Math.round(warm.firstCalendarMs),
    engineReadyColdMs: Math.round(cold.engineReadyMs), engineReadyWarmMs: Math.round(warm.engineReadyMs),
    bytesFirstLoad: coldBytes, bytesRepeatLoad: warmBytes,
  });
  assert.ok(cold.firstCalendarMs < 1500, `first calendar painted in ${cold.firstCalendarMs} ms (budget 1500)`);
  assert.ok(warmBytes < coldBytes / 4, `a repeat load transfers much less (${warmBytes} vs ${coldBytes} bytes)`);

  const engine = await oracleEngine();
  let nights = 0;
  for (const rt of roomTypes) {
    await page.locator(`${W} select.rt`).selectOption(String(rt.id));
    const shown = await page.locator(`${W} .day[data-state]`).evaluateAll((bs) => bs.map((b) => ({
      date: b.dataset.date, state: b.dataset.state, price: b.dataset.price, available: b.dataset.available, notes: b.dataset.notes,
    })));
    const future = shown.filter((d) => d.date >= day(0));
    assert.ok(future.length >= 25, `${future.length} sellable nights shown for room type ${rt.id}`);
    const from = shown[0].date;
    const cal = engine.getCalendar({ hotelId: stack.hotel, from, days: shown.length });
    const col = cal.roomTypes.find((r) => r.id === rt.id);
    for (const d of shown) {
      const i = cal.dates.indexOf(d.date);
      assert.ok(i >= 0, d.date);
      const available = col.available[i];
      const expected = available == null ? 'closed' : col.stopSell[i] ? 'stop-sell' : available < 1 ? 'sold-out' : 'open';
      assert.equal(d.state, expected, `${rt.id} ${d.date}`);
      assert.equal(d.price, String(col.priceCents[i] ?? ''), `${rt.id} ${d.date} price`);
      const notes = [col.closedToArrival[i] ? 'no-arrival' : '', col.closedToDeparture[i] ? 'no-departure' : '',
        col.minStay[i] > 1 ? `min-${col.minStay[i]}` : '', col.maxStay[i] > 0 ? `max-${col.maxStay[i]}` : ''].filter(Boolean).join(' ');
      assert.equal(d.notes, notes, `${rt.id} ${d.date} notes`);
      // The same night as a one-night stay, asked of checkRoomAvailability.
      const a = engine.checkRoomAvailability({ roomTypeId: rt.id, checkIn: d.date, checkOut: iso(Date.parse(d.date) + 86400000) });
      assert.equal(d.price, String(a.nightly[0].priceCents ?? ''));
      assert.equal(d.available, String(a.nightly[0].available ?? ''));
      nights++;
    }
  }
  assert.ok(nights >= 60 * roomTypes.length / 2);
  const states = await page.locator(`${W} .day[data-state]`).evaluateAll((bs) => bs.map((b) => b.dataset.state));
  assert.ok(states.length > 0);
  engine.close();
  await context.close();
});

test('after the engine is ready, 50 date changes make no network request', async () => {
  const context = await browser.newContext();
  const requests = recordRequests(context);
  const page = await openWidget(context);
  await page.waitForTimeout(200);  // the worker's first long-poll is open
  const before = requests.filter((r) => r.started).length;
  const rt = roomTypes[1].id;
  await page.locator(`${W} select.rt`).selectOption(String(rt));
  let changes = 0;
  for (let i = 0; changes < 50; i++) {
    const a = day(1 + (i % 20));
    const b = day(2 + (i % 20) + (i % 3));
    await clickDay(page, a);
    await clickDay(page, b);
    changes += 2;
  }
  await page.waitForTimeout(100);
  const during = requests.filter((r) => r.started).slice(before);
  assert.deepEqual(during.map((r) => r.url), [], 'no request while the guest changes dates');
  const m = await widgetMetrics(page);
  assert.ok(m.inputToRenderMs.length >= 50);
  metrics.inputToRenderP50Ms = Number(median(m.inputToRenderMs.slice(-50)).toFixed(2));
  metrics.inputToRenderMaxMs = Number(Math.max(...m.inputToRenderMs.slice(-50)).toFixed(2));
  // The cards show the last stay's total, computed locally.
  const total = await page.locator(`${W} .card[data-room-type="${rt}"] .total`).textContent();
  assert.match(total, /for \d+ nights?|Sold out|need at least|at most/);
  await context.close();
});

test('a stay that cannot be booked says why, in words', async () => {
  const context = await browser.newContext();
  const page = await openWidget(context);
  const rt = roomTypes[0].id;
  const card = page.locator(`${W} .card[data-room-type="${rt}"]`);
  const expectations = [
    { in: day(3), out: day(4), re: /Check-in is not possible/ },
    { in: day(1), out: day(4), re: /Not for sale|Check-out is not possible/ },  // crosses the stop-sell night
    { in: day(5), out: day(6), re: /at least 3 nights/ },
    { in: day(6), out: day(9), re: /at most 2 nights|Sold out/ },
    { in: day(7), out: day(8), re: /Sold out on the night/ },
  ];
  for (const e of expectations) {
    await clickDay(page, e.in);
    await clickDay(page, e.out);
    await page.waitForFunction(([sel]) => document.querySelector('edgestay-widget').shadowRoot.querySelector(sel)?.dataset.available === 'false',
      [`.card[data-room-type="${rt}"]`]);
    assert.match(await card.locator('.total').textContent(), e.re, `${e.in}..${e.out}`);
    assert.equal(await card.locator('button.choose').getAttribute('aria-disabled'), 'true');
  }
  // Too many guests for the room: capacity in words.
  const small = roomTypes.reduce((a, b) => (a.capacity_adults + a.capacity_children <= b.capacity_adults + b.capacity_children ? a : b));
  await clickDay(page, day(12));
  await clickDay(page, day(14));
  await page.locator(`${W} select.guests`).selectOption('8');
  // The card re-renders once the engine in the worker has answered: wait for that answer
  // (the text settles) instead of reading whatever is painted at this instant.
  const total = page.locator(`${W} .card[data-room-type="${small.id}"] .total`);
  await page.waitForFunction(([sel]) => /guests/.test(document.querySelector('edgestay-widget').shadowRoot.querySelector(sel)?.textContent ?? ''),
    [`.card[data-room-type="${small.id}"] .total`], { timeout: 5000 }).catch(() => {});
  assert.match(await total.textContent(), /too small for 8 guests/);
  await context.close();
});

async function book(page, { checkIn, checkOut, roomTypeId, name = 'Ana Guest', email = 'ana@example.com' }) {
  await clickDay(page, checkIn);
  await clickDay(page, checkOut);
  await page.locator(`${W} .card[data-room-type="${roomTypeId}"][data-available="true"] button.choose`).click();
  await page.locator(`${W} input[name="name"]`).fill(name);
  await page.locator(`${W} input[name="email"]`).fill(email);
  await page.locator(`${W} form button[type="submit"]`).click();
}

test('booking: PENDING_SYNC, then CONFIRMED by the centre, which has it', async () => {
  const context = await browser.newContext();
  const page = await openWidget(context);
  const rt = roomTypes[2].id;
  await book(page, { checkIn: day(15), checkOut: day(17), roomTypeId: rt });
  const result = page.locator(`${W} form .result`);
  await page.waitForFunction(() => ['PENDING_SYNC', 'CONFIRMED'].includes(document.querySelector('edgestay-widget').shadowRoot.querySelector('form .result').dataset.status));
  await page.waitForFunction(() => document.querySelector('edgestay-widget').shadowRoot.querySelector('form .result').dataset.status === 'CONFIRMED', null, { timeout: 10000 });
  const serverId = Number(await result.getAttribute('data-server-id'));
  assert.ok(serverId > 0);
  const { booking } = await stack.api('GET', `/v1/hotels/${stack.hotel}/bookings/${serverId}`, undefined, stack.tokens.book);
  assert.equal(booking.status, 'CONFIRMED');
  assert.equal(booking.room_type_id ?? booking.roomTypeId, rt);
  await context.close();
});

test('another guest books the last room: the first widget shows it sold within 2 s', async () => {
  const rt = roomTypes[0].id;
  const [checkIn, checkOut] = [day(9), day(10)];  // total 1 on that night (before())
  const a = await browser.newContext();
  const b = await browser.newContext();
  const pageA = await openWidget(a);
  const pageB = await openWidget(b);
  await clickDay(pageA, checkIn);
  await clickDay(pageA, checkOut);
  const cardA = `.card[data-room-type="${rt}"]`;
  await waitFor(pageA, cardA, 'data-available', /^true$/);
  await book(pageB, { checkIn, checkOut, roomTypeId: rt, name: 'Ben Other', email: 'ben@example.com' });
  await pageB.waitForFunction(() => document.querySelector('edgestay-widget').shadowRoot.querySelector('form .result').dataset.status === 'CONFIRMED', null, { timeout: 10000 });
  const t0 = Date.now();
  await pageA.waitForFunction((sel) => document.querySelector('edgestay-widget').shadowRoot.querySelector(sel).dataset.available === 'false', cardA, { timeout: 2000 });
  metrics.liveUpdateMs = Date.now() - t0;
  assert.match(await pageA.locator(`${W} ${cardA} .total`).textContent(), /Sold out/);
  assert.equal(await pageA.locator(`${W} .day[data-date="${checkIn}"]`).getAttribute('data-state'), 'sold-out');
  await a.close();
  await b.close();
});

test('keyboard only: choose dates in the grid, book, confirmed', async () => {
  const context = await browser.newContext();
  const page = await openWidget(context);
  const kb = page.keyboard;
  const active = () => page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return { cls: el?.className ?? '', date: el?.dataset?.date ?? null, name: el?.getAttribute?.('name'), type: el?.type, room: el?.dataset?.roomType };
  });
  const tabUntil = async (pred, max = 60) => {
    for (let i = 0; i < max; i++) {
      await kb.press('Tab');
      const a = await active();
      if (pred(a)) return a;
    }
    throw new Error('focus never got there');
  };
  let a = await tabUntil((x) => x.cls.includes('day'));
  // Today's cell has the focus; move to today + 20 with the keys, choose it, then 2 nights later.
  const target = day(20);
  for (let guard = 0; a.date !== target && guard < 60; guard++) {
    await kb.press(a.date < target ? (Date.parse(target) - Date.parse(a.date) >= 7 * 86400000 ? 'ArrowDown' : 'ArrowRight') : 'ArrowLeft');
    a = await active();
  }
  assert.equal(a.date, target);
  await kb.press('Enter');
  await kb.press('ArrowRight');
  await kb.press('ArrowRight');
  await kb.press('Space');
  await waitFor(page, '.stay-summary', null, /2 nights/);
  // Home/End and PageDown/PageUp move as the date picker pattern says.
  await kb.press('End');
  assert.equal(new Date((await active()).date).getUTCDay(), 0, 'End goes to Sunday');
  await kb.press('Home');
  assert.equal(new Date((await active()).date).getUTCDay(), 1, 'Home goes to Monday');
  const beforePage = (await active()).date;
  await kb.press('PageDown');
  await kb.press('PageUp');
  assert.equal((await active()).date, beforePage);
  const rt = roomTypes[1].id;
  await tabUntil((x) => x.cls.includes('choose') && x.room === String(rt));
  await kb.press('Enter');
  assert.equal((await active()).name, 'name', 'the form takes the focus');
  await kb.type('Kim Keys');
  await kb.press('Tab');
  await kb.type('kim@example.com');
  await tabUntil((x) => x.type === 'submit', 5);
  await kb.press('Enter');
  await page.waitForFunction(() => document.querySelector('edgestay-widget').shadowRoot.querySelector('form .result').dataset.status === 'CONFIRMED', null, { timeout: 10000 });
  await context.close();
});

test('accessibility: axe-core finds no serious violations; usable at 360 px; screenshot', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1000 } });
  const page = await openWidget(context);
  await clickDay(page, day(12));
  await clickDay(page, day(14));
  await page.addScriptTag({ path: path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js') });
  const run = () => page.evaluate(async () => (await window.axe.run(document)).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.length})`));
  assert.deepEqual(await run(), []);
  await screenshot(page.locator(W), 'widget.png');
  await page.setViewportSize({ width: 360, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `no sideways scrolling at 360 px (page is ${overflow} px wide)`);
  assert.deepEqual(await run(), []);
  const dayBox = await page.locator(`${W} .day[data-date="${day(12)}"]`).boundingBox();
  assert.ok(dayBox.width >= 24 && dayBox.height >= 40, `day buttons stay tappable (${dayBox.width}x${dayBox.height})`);
  // Focus is visible: the focused day gets an outline.
  await page.locator(`${W} .day[data-date="${day(12)}"]`).focus();
  await page.keyboard.press('ArrowRight');
  const outline = await page.evaluate(() => {
    const el = document.querySelector('edgestay-widget').shadowRoot.activeElement;
    return getComputedStyle(el).outlineStyle;
  });
  assert.notEqual(outline, 'none');
  await context.close();
});
