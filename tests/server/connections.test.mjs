// The server under connection-level attack (issue 8, defects 1, 2, 6, 7): idle and slow
// sockets, absurd Content-Lengths, chunked bodies over --max-body, a second server on a
// taken port, and CLI typos. Health must stay answered within 1 s throughout.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STORES, storeOptions, useStore, stopPostgres, booking, useFreshStores } from './support/stores.mjs';
import { request } from './support/http.mjs';
import { startServer } from './support/server.mjs';
import { serverBinary } from './support/paths.mjs';
import { mulberry32 } from '../../scripts/lib/rng.mjs';

const execFileP = promisify(execFile);
after(stopPostgres);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

// Opens `n` sockets (in small waves, so the kernel's backlog never drops SYNs).
async function openSockets(port, n) {
  const out = [];
  for (let i = 0; i < n; i += 50) {
    const wave = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => connect(port)));
    for (const s of wave) {
      s.on('error', () => {});
      out.push(s);
    }
  }
  return out;
}

// Sends raw bytes on a fresh socket; resolves everything the server sent back until it
// closed (or `timeoutMs`), with the time it took.
function rawExchange(port, bytes, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const chunks = [];
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    const done = (why) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), ms: Date.now() - t0, why });
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => done('end'));
    s.on('error', () => done('error'));
  });
}

// GET /v1/health on a fresh connection; returns the time to the answer in ms.
async function healthMs(url) {
  const t0 = Date.now();
  const r = await request(url, { path: '/v1/health', timeoutMs: 15000 });
  assert.equal(r.status, 200);
  return Date.now() - t0;
}

function procStatus(pid, key) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) * 1024 : 0;
}

const openFds = (pid) => readdirSync(`/proc/${pid}/fd`).length;

describe('connections (sqlite)', () => {
  // Few workers, so that the attacks below outnumber them many times over.
  const env = useStore('sqlite', {
    serverArgs: ['--threads', '4', '--max-connections', '200', '--header-timeout', '2', '--keep-alive', '3'],
  });

  it('idle connections: 600 silent sockets (150x the workers) -> health still answered in < 1 s, sockets beyond the cap shed', async () => {
    const sockets = await openSockets(env.server.port, 600);
    try {
      await sleep(200);
      for (let i = 0; i < 3; ++i) assert.ok((await healthMs(env.url)) < 1000, 'health within 1 s');
      // At most --max-connections are held open (plus listener, store, pipes).
      assert.ok(openFds(env.server.proc.pid) < 200 + 40, `open fds ${openFds(env.server.proc.pid)}`);
      const closed = sockets.filter((s) => s.destroyed || s.readableEnded).length;
      assert.ok(closed >= 600 - 200, `the longest idle were shed (${closed} closed)`);
    } finally {
      sockets.forEach((s) => s.destroy());
    }
  });

  it('slowloris: 64 sockets sending a header byte every 300 ms -> health in < 1 s; each is cut off (408) after --header-timeout', async () => {
    const sockets = await openSockets(env.server.port, 64);
    const head = `GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    const answers = sockets.map((s) => {
      const chunks = [];
      s.on('data', (d) => chunks.push(d));
      return new Promise((resolve) => s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1'))));
    });
    let i = 0;
    const drip = setInterval(() => {
      for (const s of sockets) if (!s.destroyed) s.write(head[i % head.length]);
      ++i;
    }, 300);
    try {
      const t0 = Date.now();
      while (Date.now() - t0 < 1800) {
        assert.ok((await healthMs(env.url)) < 1000, 'health within 1 s under slowloris');
        await sleep(200);
      }
      const texts = await Promise.race([Promise.all(answers), sleep(6000).then(() => null)]);
      assert.ok(texts, 'every slow socket was closed by the server');
      assert.ok(texts.every((t) => /^HTTP\/1\.1 408 /.test(t) && t.includes('REQUEST_TIMEOUT')), texts[0]);
    } finally {
      clearInterval(drip);
      sockets.forEach((s) => s.destroy());
    }
  });

  it('Content-Length -1, 1e20, 10^30 or two different values -> 4xx at once, before any body', async () => {
    const cases = [
      ['-1', 400], ['1e20', 400], ['1000000000000000000000000000000', 413], ['2000000', 413],
    ];
    for (const [value, status] of cases) {
      const r = await rawExchange(env.server.port,
        `POST /v1/hotels/1/mutations HTTP/1.1\r\nHost: x\r\nContent-Length: ${value}\r\n\r\n{`);
      assert.match(r.text, new RegExp(`^HTTP/1\\.1 ${status} `), `Content-Length ${value}: ${r.text}`);
      assert.ok(r.ms < 1000, `Content-Length ${value} answered in ${r.ms} ms`);
    }
    const two = await rawExchange(env.server.port,
      'POST /v1/hotels HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}');
    assert.match(two.text, /^HTTP\/1\.1 400 /);
    const both = await rawExchange(env.server.port,
      'POST /v1/hotels HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}');
    assert.match(both.text, /^HTTP\/1\.1 400 /);
    assert.ok((await healthMs(env.url)) < 1000);
  });

  it('keep-alive: pipelined requests on one connection are all answered, in order', async () => {
    const one = 'GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n';
    const r = await rawExchange(env.server.port, one + one + 'GET /v1/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const statuses = [...r.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [200, 200, 404]);
    assert.equal(r.why, 'end', 'Connection: close was honoured');
  });

  it('8 chunked 50 MB bodies to an unknown route without a token -> 413 each; the server RSS stays bounded', async () => {
    const pid = env.server.proc.pid;
    const peakBefore = procStatus(pid, 'VmHWM');
    const chunk = Buffer.alloc(1 << 20, 0x61);
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const one = () => new Promise((resolve) => {
      const got = [];
      let sent = 0;
      let answered = false;  // a client stops sending once it has its answer
      const s = net.connect({ host: '127.0.0.1', port: env.server.port }, () => {
        s.write('POST /v1/no/such/route HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
        const pump = () => {
          while (sent < 50 && !s.destroyed && !answered) {
            ++sent;
            if (!s.write(frame)) return s.once('drain', pump);
          }
          if (!s.destroyed && !answered) s.end('0\r\n\r\n');
        };
        pump();
      });
      s.on('data', (d) => {
        got.push(d);
        answered = true;
      });
      const done = () => resolve({ text: Buffer.concat(got).toString('latin1'), sent });
      s.on('close', done);
      s.on('error', () => {});
    });
    const results = await Promise.all(Array.from({ length: 8 }, one));
    for (const r of results) assert.match(r.text, /^HTTP\/1\.1 413 /, r.text.slice(0, 80));
    assert.ok(results.every((r) => r.sent < 50), 'the server stopped reading long before 50 MB');
    const grown = procStatus(pid, 'VmHWM') - peakBefore;
    assert.ok(grown < 48 << 20, `peak RSS grew by ${(grown / 1048576).toFixed(1)} MB`);
    assert.ok((await healthMs(env.url)) < 1000);
  });
});

for (const kind of STORES) {
  describe(`chunked bodies obey --max-body (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind, { serverArgs: ['--max-body', '65536'] });

    it('a chunked push over --max-body -> 413 and nothing applied; the same push within it is applied', async () => {
      const h = await env.hotel({ rooms: 2, nights: 4 });
      const token = await env.token(h.hotelId, 'book');
      // Padded with JSON whitespace: the same push, only larger.
      const body = (padding) => JSON.stringify({
        clientId: 'chunky',
        mutations: [booking(1, 'chunk-1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: h.dates[1] })],
      }) + padding;
      const chunked = (text) => {
        const parts = [];
        for (let i = 0; i < text.length; i += 8192) {
          const piece = text.slice(i, i + 8192);
          parts.push(`${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`);
        }
        return `POST /v1/hotels/${h.hotelId}/mutations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${parts.join('')}0\r\n\r\n`;
      };
      const big = await rawExchange(env.server.port, chunked(body(' '.repeat(200000))));
      assert.match(big.text, /^HTTP\/1\.1 413 /, big.text.slice(0, 200));
      assert.match(big.text, /PAYLOAD_TOO_LARGE/);
      let n = await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`);
      assert.equal(Number(n[0].n), 0, 'the over-limit push was not applied');
      const small = await rawExchange(env.server.port, chunked(body(' '.repeat(20000))));
      assert.match(small.text, /^HTTP\/1\.1 200 /, small.text.slice(0, 300));
      assert.match(small.text, /"status":"applied"/);
      n = await env.query(`SELECT count(*) AS n FROM bookings WHERE hotel_id = ${h.hotelId}`);
      assert.equal(Number(n[0].n), 1);
    });
  });
}

describe('framing property (sqlite)', () => {
  const env = useStore('sqlite', { serverArgs: ['--max-body', '65536'] });

  // Oracle: whatever the framing (Content-Length or chunks of random sizes, with chunk
  // extensions and trailers) and however TCP splits the bytes, the handler sees the same
  // body: a PATCH'd hotel name reads back unchanged, and pipelined requests stay apart.
  it('random bodies, random chunking, random TCP fragmentation -> the same request every time', async () => {
    const rand = mulberry32(8);
    const h = await env.hotel({ name: 'Framing' });
    const alphabet = ['a', 'Z', ' ', 'é', '日', '😀', '"', '\\', '0', ';', '\r\n0\r\n'];
    for (let iter = 0; iter < 40; ++iter) {
      const name = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      const body = Buffer.from(JSON.stringify({ name }) + ' '.repeat(Math.floor(rand() * 3000)));
      const head = `PATCH /v1/hotels/${h.hotelId} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.adminToken}\r\nContent-Type: application/json\r\n`;
      let framed;
      if (rand() < 0.5) {
        framed = Buffer.concat([Buffer.from(`${head}Content-Length: ${body.length}\r\n\r\n`), body]);
      } else {
        const parts = [Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n`)];
        for (let i = 0; i < body.length;) {
          const n = Math.min(body.length - i, 1 + Math.floor(rand() * 700));
          const ext = rand() < 0.2 ? ';x=y' : '';
          const hex = n.toString(16);
          parts.push(Buffer.from(`${rand() < 0.5 ? hex : hex.toUpperCase()}${ext}\r\n`), body.subarray(i, i + n), Buffer.from('\r\n'));
          i += n;
        }
        parts.push(Buffer.from(rand() < 0.3 ? '0\r\nX-Trailer: 1\r\n\r\n' : '0\r\n\r\n'));
        framed = Buffer.concat(parts);
      }
      const get = Buffer.from(`GET /v1/hotels/${h.hotelId}/changes?since=0&limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.adminToken}\r\nConnection: close\r\n\r\n`);
      const all = Buffer.concat([framed, get]);
      // Split the bytes at random points, each piece its own write after a short pause.
      const text = await new Promise((resolve) => {
        const got = [];
        const sock = net.connect({ host: '127.0.0.1', port: env.server.port }, async () => {
          for (let i = 0; i < all.length;) {
            const n = 1 + Math.floor(rand() * 2000);
            sock.write(all.subarray(i, i + n));
            i += n;
            if (rand() < 0.1) await sleep(5);
          }
        });
        sock.on('data', (d) => got.push(d));
        sock.on('close', () => resolve(Buffer.concat(got).toString('utf8')));
        sock.on('error', () => {});
      });
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      assert.deepEqual(statuses, [200, 200], `iteration ${iter}: ${text.slice(0, 300)}`);
      const stored = await env.query(`SELECT name FROM hotels WHERE id = ${h.hotelId}`);
      assert.equal(stored[0].name, name, `iteration ${iter}`);
    }
  });
});

describe('binding and CLI', () => {
  const fresh = useFreshStores('sqlite');

  it('a second server on a port in use fails with a clear error instead of sharing it', async () => {
    const s = await fresh();
    const first = await startServer(s.spec);
    try {
      const second = await execFileP(serverBinary(), ['serve', '--store', s.spec, '--port', String(first.port)], { timeout: 10000 })
        .then(() => ({ code: 0, stderr: '' }), (e) => e);
      assert.equal(second.code, 1, 'the second server exits with an error');
      assert.match(second.stderr, new RegExp(`port ${first.port} .*already in use`));
      assert.equal((await request(first.url, { path: '/v1/health' })).status, 200);
    } finally {
      await first.stop();
    }
  });

  it('unknown options are errors with a hint; --store in a missing folder needs --create', async () => {
    const run = (args) => execFileP(serverBinary(), args, { timeout: 10000 }).then((r) => ({ code: 0, ...r }), (e) => e);
    const typo = await run(['serve', '--prot', '9000']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown option --prot \(did you mean --port\?\)/);
    const flag = await run(['serve', '--frobnicate']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown option --frobnicate/);
    const single = await run(['serve', '-p', '9000']);
    assert.equal(single.code, 2);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'edgestay-cli-'));
    try {
      const deep = path.join(dir, 'no', 'such', 'x.db');
      const refused = await run(['migrate', '--store', `sqlite:${deep}`]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /does not exist; pass --create/);
      assert.equal(existsSync(path.join(dir, 'no')), false, 'no folder was created');
      const created = await run(['migrate', '--store', `sqlite:${deep}`, '--create']);
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stderr, /creating a new store/);
      assert.ok(existsSync(deep));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
