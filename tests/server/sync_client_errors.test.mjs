// SyncClient failures a new user meets (issue 8, defect 9): a closed port names the URL
// and the reason; a malformed baseUrl is refused at construction with a code; start()
// stops with a fatal error event on 401/403/404 instead of retrying forever.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { useStore, stopPostgres } from './support/stores.mjs';
import { SKIP, core } from './support/engine.mjs';

after(stopPostgres);

const { openEngine } = core;
const { SyncClient, SyncError } = await import('../../sync/client/index.mjs');

// A loopback port that nothing listens on (bound once, then released).
async function closedPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

describe('sync client errors', SKIP, () => {
  const env = useStore('sqlite');

  it('a closed port: NETWORK error naming the URL and the reason (ECONNREFUSED)', async () => {
    const engine = await openEngine({ cache: false });
    try {
      const port = await closedPort();
      const sync = new SyncClient(engine, { baseUrl: `http://127.0.0.1:${port}/`, hotelId: 3, token: 'x' });
      const err = await sync.syncOnce().then(() => null, (e) => e);
      assert.ok(err instanceof SyncError, String(err));
      assert.equal(err.code, 'NETWORK');
      assert.match(err.message, new RegExp(`GET http://127\\.0\\.0\\.1:${port}/v1/hotels/3/changes`));
      assert.match(err.message, /ECONNREFUSED/);
    } finally {
      engine.close();
    }
  });

  it('baseUrl must be an absolute http(s) URL: refused at construction with INVALID_ARGUMENT', async () => {
    const engine = await openEngine({ cache: false });
    try {
      for (const baseUrl of ['not-a-url', '', 'ftp://127.0.0.1/', '127.0.0.1:8787', 'http://h/?x=1', undefined, 42]) {
        assert.throws(() => new SyncClient(engine, { baseUrl, hotelId: 1 }),
          (e) => e instanceof SyncError && e.code === 'INVALID_ARGUMENT', `baseUrl ${JSON.stringify(baseUrl)}`);
      }
      // Accepted forms still work (trailing slashes dropped).
      new SyncClient(engine, { baseUrl: 'https://sync.example/edge/', hotelId: 1 });
    } finally {
      engine.close();
    }
  });

  it('start() stops with a fatal error event on 401, 403 and 404 instead of retrying', async () => {
    const h = await env.hotel({ name: 'Fatal' });
    const other = await env.hotel({ name: 'Other' });
    const otherToken = await env.token(other.hotelId, 'read');
    const cases = [
      ['bad token', { hotelId: h.hotelId, token: 'f'.repeat(64) }, 401],
      ['other hotel', { hotelId: h.hotelId, token: otherToken }, 403],
      ['no such hotel', { hotelId: 987654, token: env.adminToken }, 404],
    ];
    for (const [what, opts, status] of cases) {
      const engine = await openEngine({ cache: false });
      let requests = 0;
      const counting = (...a) => { ++requests; return fetch(...a); };
      const sync = new SyncClient(engine, { baseUrl: env.url, fetch: counting, initialBackoffMs: 20, ...opts });
      const events = [];
      sync.on('error', (e) => events.push(e));
      try {
        sync.start();
        const t0 = Date.now();
        while (events.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
        const seen = requests;
        await new Promise((r) => setTimeout(r, 500));  // 25 backoff periods: a retrying loop would ask again
        assert.equal(events.length, 1, `${what}: one error event`);
        assert.equal(events[0].fatal, true, what);
        assert.equal(events[0].error.status, status, `${what}: ${events[0].error.message}`);
        assert.equal(sync.running, false, `${what}: stopped`);
        assert.equal(requests, seen, `${what}: no request after the fatal error`);
      } finally {
        await sync.stop();
        engine.close();
      }
    }
  });
});
