// The web front of edgestay for demos and tests: serves the widget and kiosk (web/), the
// package files the browser loads (bindings/js with dist/, sync/client), proxies /v1/* to
// edgestay-server so everything is one origin, and answers a small first-paint calendar
// (/edge/hotels/H/calendar) from an engine it keeps in step with the server.
//
//   node scripts/serve-web.mjs --upstream http://127.0.0.1:8787 [--port 8788]
//        [--calendar-token READ_TOKEN [--hotel 1,2]]   (--hotel: calendars bootstrapped at start)
import { createServer, request as httpRequest } from 'node:http';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVED = ['/web/', '/bindings/js/', '/sync/client/'];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm', '.png': 'image/png', '.svg': 'image/svg+xml', '.ts': 'text/plain; charset=utf-8',
};
// The kiosk's service worker names its cache after the files it caches (see web/kiosk/sw.js).
const SHELL_VERSION_MARK = '__EDGESTAY_SHELL_VERSION__';

// path + mtime -> { body, gzip, etag }
const fileCache = new Map();

async function loadFile(urlPath) {
  let rel;
  try {
    rel = path.posix.normalize(decodeURIComponent(urlPath));
  } catch {
    return null;  // malformed %-escape
  }
  // Checked after decoding: an escaped "..%2F" must not climb out of the served folders.
  if (!SERVED.some((p) => rel.startsWith(p))) return null;
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.join(ROOT, rel);
  if (!file.startsWith(ROOT + path.sep)) return null;
  let st;
  try {
    st = await stat(file);
  } catch {
    return null;
  }
  if (!st.isFile()) return null;
  const key = `${file}:${st.mtimeMs}:${st.size}`;
  let entry = fileCache.get(file);
  // sw.js carries a hash of other files: rebuilt at each request (rare), never cached.
  if (entry?.key !== key || rel === '/web/kiosk/sw.js') {
    let body = await readFile(file);
    if (rel === '/web/kiosk/sw.js') {
      const text = body.toString('utf8');
      body = Buffer.from(text.replace(SHELL_VERSION_MARK, await shellVersion(text)));
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    const compressible = /text|json|javascript|wasm|svg|manifest/.test(type);
    entry = {
      key,
      body,
      type,
      gzip: compressible && body.length > 1024 ? gzipSync(body) : null,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    };
    fileCache.set(file, entry);
  }
  return entry;
}

// A hash over every file of the kiosk's shell (the SHELL list in sw.js, its one home):
// a new build or edit is a new cache.
async function shellVersion(swSource) {
  const list = swSource.match(/const SHELL = \[([^\]]*)\]/)?.[1] ?? '';
  const h = createHash('sha256');
  for (const [, p] of list.matchAll(/'([^']+)'/g)) {
    const file = p.endsWith('/') ? `${p}index.html` : p;
    try {
      h.update(await readFile(path.join(ROOT, file)));
    } catch {
      h.update(`missing ${p}`);
    }
  }
  return h.digest('hex').slice(0, 16);
}

async function serveStatic(req, res, url) {
  if (!SERVED.some((p) => url.pathname.startsWith(p))) return false;
  if (url.pathname === '/web/kiosk') {
    res.writeHead(301, { location: '/web/kiosk/' });
    res.end();
    return true;
  }
  const entry = await loadFile(url.pathname);
  if (!entry) return false;
  const headers = {
    'content-type': entry.type,
    etag: entry.etag,
    // Always revalidate: a repeat visit costs a 304 per file, and a deploy shows at once.
    'cache-control': 'no-cache',
    vary: 'accept-encoding',
  };
  if (url.pathname === '/web/kiosk/sw.js') headers['service-worker-allowed'] = '/';
  if (req.headers['if-none-match'] === entry.etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  let body = entry.body;
  if (entry.gzip && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    body = entry.gzip;
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

function proxy(req, res, upstream) {
  const target = new URL(req.url, upstream);
  const out = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
    res.writeHead(up.statusCode, up.headers);
    up.pipe(res);
  });
  out.on('error', (e) => {
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'UPSTREAM_UNAVAILABLE', message: `edgestay-server: ${e.message}` } }));
    } else res.destroy();
  });
  res.on('close', () => out.destroy());  // the browser gave up (e.g. a long-poll): stop waiting upstream
  req.pipe(out);
}

// One engine per hotel, bootstrapped from the server with a read token and following it
// live: the first calendar a widget paints, before its own engine is ready.
function calendarService(upstream, token) {
  const hotels = new Map();
  async function hotel(id) {
    if (!hotels.has(id)) {
      const p = (async () => {
        const { openEngine } = await import(pathToFileURL(path.join(ROOT, 'bindings/js/index.mjs')).href);
        const { SyncClient } = await import(pathToFileURL(path.join(ROOT, 'sync/client/index.mjs')).href);
        const engine = await openEngine();
        const sync = new SyncClient(engine, { baseUrl: upstream, hotelId: id, token, maxBackoffMs: 5000 });
        await sync.syncOnce();
        sync.start();
        return { engine, sync };
      })();
      p.catch(() => hotels.delete(id));
      hotels.set(id, p);
    }
    return hotels.get(id);
  }
  return {
    warm: hotel,
    async answer(hotelId, from, days) {
      const { engine } = await hotel(hotelId);
      return {
        calendar: engine.getCalendar({ hotelId, from, days }),
        roomTypes: engine.getRoomTypes(hotelId),
        rules: engine.getBookingRules(hotelId),
      };
    },
    async close() {
      for (const p of hotels.values()) {
        try {
          const { engine, sync } = await p;
          await sync.stop();
          engine.close();
        } catch { /* never started */ }
      }
    },
  };
}

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startWebServer({ upstream, port = 0, host = '127.0.0.1', calendarToken = null, hotels = [] } = {}) {
  if (!upstream) throw new Error('startWebServer needs the upstream edgestay-server URL');
  const calendars = calendarToken ? calendarService(upstream, calendarToken) : null;
  let upstreamUp = true;  // tests cut the centre off to simulate an outage (setUpstream)
  // Bootstrap the named hotels' calendars now, not at the first guest's request.
  if (calendars) await Promise.all(hotels.map((h) => calendars.warm(h).catch(() => {})));
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://local');
      if (url.pathname.startsWith('/v1/')) {
        if (!upstreamUp) {
          req.socket.destroy();  // like a network that is down: no answer at all
          return undefined;
        }
        return proxy(req, res, upstream);
      }
      const m = url.pathname.match(/^\/edge\/hotels\/(\d+)\/calendar$/);
      if (m) {
        if (!calendars) return json(res, 404, { error: { code: 'NOT_FOUND', message: 'no calendar token configured' } });
        const from = url.searchParams.get('from');
        const days = Number(url.searchParams.get('days') ?? 62);
        try {
          return json(res, 200, await calendars.answer(Number(m[1]), from, days));
        } catch (e) {
          return json(res, e.code && e.code !== 'INTERNAL' ? 400 : 502, { error: { code: e.code ?? 'UPSTREAM_UNAVAILABLE', message: e.message } });
        }
      }
      if (url.pathname === '/') {
        res.writeHead(302, { location: '/web/widget/' });
        return res.end();
      }
      if ((req.method === 'GET' || req.method === 'HEAD') && (await serveStatic(req, res, url))) return undefined;
      return json(res, 404, { error: { code: 'NOT_FOUND', message: `${url.pathname} is not served here` } });
    } catch (e) {
      if (!res.headersSent) json(res, 500, { error: { code: 'INTERNAL', message: e.message } });
      else res.destroy();
      return undefined;
    }
  });
  server.keepAliveTimeout = 65000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const url = `http://${host}:${server.address().port}`;
  return {
    url,
    server,
    /** false: /v1/ requests fail as if the network to the centre were down. */
    setUpstream(up) {
      upstreamUp = !!up;
    },
    async close() {
      await calendars?.close();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = {};
  for (let i = 2; i < process.argv.length; i++) {
    const a = process.argv[i];
    if (!a.startsWith('--')) continue;
    args[a.slice(2)] = process.argv[i + 1]?.startsWith('--') ? true : process.argv[++i];
  }
  const web = await startWebServer({
    upstream: args.upstream ?? 'http://127.0.0.1:8787',
    port: Number(args.port ?? 0),
    calendarToken: args['calendar-token'] ?? null,
    hotels: args.hotel ? String(args.hotel).split(',').map(Number) : [],
  });
  console.log(`web: listening on ${web.url}`);
  const stop = async () => {
    await web.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
