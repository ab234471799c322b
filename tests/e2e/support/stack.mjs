// What the widget and kiosk e2e tests run against: a seeded edgestay-server on a temp
// SQLite store, the web front (scripts/serve-web.mjs) in this process, and Chromium.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { cli, startServer } from '../../server/support/server.mjs';
import { startWebServer } from '../../../scripts/serve-web.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function startStack() {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgestay-web-'));
  const dbFile = path.join(dir, 'centre.db');
  const store = `sqlite:${dbFile}`;
  const { stdout } = await cli(store, ['seed-demo', '--tokens', '--json']);
  const seed = JSON.parse(stdout);
  const server = await startServer(store);
  const web = await startWebServer({ upstream: server.url, calendarToken: seed.tokens.read, hotels: [seed.hotel.id] });
  const hotel = seed.hotel.id;
  async function api(method, urlPath, body, token = seed.tokens.admin) {
    const res = await fetch(`${server.url}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
  // The seed asks two nights of a Friday check-in (a demo's weekend rule). The tests put
  // their own rules on nights a fixed number of days from today and book single nights
  // there, so that rule made them fail on the weekdays that put one of those nights on a
  // Friday (widget.test.mjs's last-room test, every Wednesday): the tests' hotel has no
  // weekday rule.
  await api('PUT', `/v1/hotels/${hotel}/inventory`, {
    updates: seed.roomTypes.map((rt) => ({ roomTypeId: rt.id, from: seed.from, to: seed.to, minStay: 1 })),
  });
  return {
    dir, dbFile, store, server, web, hotel, tokens: seed.tokens, api,
    widgetUrl: `${web.url}/web/widget/?hotel=${hotel}&token=${seed.tokens.book}`,
    kioskUrl: `${web.url}/web/kiosk/?hotel=${hotel}&token=${seed.tokens.book}`,
    async close() {
      await web.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export function launchProfile(userDataDir, options = {}) {
  return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...options });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};

// EDGESTAY_SCREENSHOTS=1 refreshes the README's pictures (docs/img/); a plain test run
// leaves the checkout clean.
export async function screenshot(locator, name) {
  if (!process.env.EDGESTAY_SCREENSHOTS) return;
  mkdirSync(path.join(ROOT, 'docs', 'img'), { recursive: true });
  await locator.screenshot({ path: path.join(ROOT, 'docs', 'img', name) });
}
