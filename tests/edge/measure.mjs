// Measures the edge worker and the package (not a test; run by hand after scripts/build):
//   node tests/edge/measure.mjs [--requests N] [--starts N]
// - workerd process start to its first availability answer (cold isolate: the engine
//   bootstraps the demo hotel from edgestay-server), median of --starts runs: by a full
//   pull, and from the signed snapshot (EDGESTAY_SNAPSHOT_PUBLIC_KEY) plus the delta;
// - warm /availability latency p50/p99 and throughput with 32 concurrent keep-alive
//   clients over loopback, 64 distinct stays; the same Edge class under node:http as
//   the peer (the runtime's share);
// - workerd's resident memory: idle, after the bootstrap, after the load;
// - the npm tarball's size and the wasm's size raw and gzip.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ROOT, serverBinary } from '../server/support/paths.mjs';
import { startServer } from '../server/support/server.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const REQUESTS = arg('--requests', 20000);
const STARTS = arg('--starts', 5);
const CLIENTS = 32;

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
  });
}

function startWorkerd(port, env) {
  return spawn(path.join(ROOT, 'node_modules/.bin/workerd'),
    ['serve', path.join(ROOT, 'web/edge/workerd.capnp'), '--socket-addr', `http=127.0.0.1:${port}`],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
}

// 32 clients, REQUESTS requests over the stays; latencies sorted, and the wall time.
async function load(base, stays) {
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (next < REQUESTS) {
      const i = next++;
      const t = performance.now();
      const status = await get(`${base}${stays[i % stays.length]}`);
      latencies.push(performance.now() - t);
      if (status !== 200) throw new Error(`status ${status}`);
    }
  }));
  const wall = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return { latencies, wall, p50: pct(latencies, 50), p99: pct(latencies, 99), rps: Math.round(REQUESTS / (wall / 1000)) };
}

// Runs in its own process (this file with --peer), so that it does not share an event
// loop with the load generator; prints its URL.
async function servePeer() {
  const { Edge } = await import('../../web/edge/edge.mjs');
  const env = process.env;
  const edge = new Edge({
    wasmModule: new WebAssembly.Module(readFileSync(path.join(ROOT, 'bindings/js/dist/edgestay_core.wasm'))),
    serverUrl: env.EDGESTAY_SERVER_URL, readToken: env.EDGESTAY_READ_TOKEN, bookToken: env.EDGESTAY_BOOK_TOKEN,
  });
  const pending = [];
  const ctx = { waitUntil: (p) => pending.push(p) };
  const server = http.createServer(async (req, res) => {
    const response = await edge.handle(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers }), ctx);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  console.log(`peer: http://127.0.0.1:${server.address().port}`);
  setInterval(() => pending.splice(0), 10000);
}

async function measureNodePeer(env, stays) {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--peer'], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env },
  });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /peer: (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`the Node peer exited (${code})`)));
  });
  try {
    for (const s of stays) await get(`${base}${s}`);
    return await load(base, stays);
  } finally {
    proc.kill('SIGTERM');
  }
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgestay-measure-'));
  const store = `sqlite:${path.join(dir, 'central.db')}`;
  execFileSync(serverBinary(), ['migrate', '--store', store]);
  const demo = JSON.parse(execFileSync(serverBinary(), ['seed-demo', '--tokens', '--json', '--store', store], { encoding: 'utf8' }));
  const server = await startServer(store);
  const hotelId = demo.hotel.id;
  const env = { EDGESTAY_SERVER_URL: server.url, EDGESTAY_READ_TOKEN: demo.tokens.read, EDGESTAY_BOOK_TOKEN: demo.tokens.book };
  const from = new Date(Date.now() + 20 * 86400000);
  const day = (n) => new Date(from.getTime() + n * 86400000).toISOString().slice(0, 10);
  const stays = Array.from({ length: 64 }, (_, i) => {
    const rt = demo.roomTypes[i % demo.roomTypes.length].id;
    return `/v1/hotels/${hotelId}/availability?roomTypeId=${rt}&checkIn=${day(i)}&checkOut=${day(i + 1 + (i % 4))}`;
  });

  // Cold starts of workerd with `runEnv`: ms to the first answer, and the RSS after it.
  async function coldStarts(runEnv) {
    const starts = [];
    let bootRss = 0;
    for (let run = 0; run < STARTS; run++) {
      const port = await freePort();
      const t0 = performance.now();
      const proc = startWorkerd(port, runEnv);
      for (;;) {
        try {
          const status = await get(`http://127.0.0.1:${port}${stays[0]}`);
          if (status === 200) break;
          throw new Error(`status ${status}`);
        } catch (e) {
          if (e.code !== 'ECONNREFUSED') throw e;
          await sleep(2);
        }
      }
      starts.push(performance.now() - t0);
      bootRss = rssKiB(proc.pid);
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    return { starts, bootRss };
  }

  try {
    // 1. cold start to first answer: a full pull, then from the signed snapshot
    const { starts, bootRss } = await coldStarts(env);
    const { publicKey } = await (await fetch(`${server.url}/v1/snapshot-key`)).json();
    const fromSnapshot = await coldStarts({ ...env, EDGESTAY_SNAPSHOT_PUBLIC_KEY: publicKey });
    // Idle memory: a started workerd that has served nothing.
    let idleRss;
    {
      const port = await freePort();
      const proc = startWorkerd(port, env);
      await sleep(1500);
      idleRss = rssKiB(proc.pid);
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }

    // 2. warm latency with 32 concurrent clients
    const port = await freePort();
    const proc = startWorkerd(port, env);
    const base = `http://127.0.0.1:${port}`;
    for (;;) {
      try { if (await get(`${base}${stays[0]}`) === 200) break; } catch { await sleep(5); }
    }
    for (const s of stays) await get(`${base}${s}`);  // warm every answer once
    const afterBoot = rssKiB(proc.pid);
    const warm = await load(base, stays);
    const afterLoad = rssKiB(proc.pid);
    const stats = await new Promise((resolve) => http.get(`${base}/v1/edge/stats`, (res) => {
      let t = '';
      res.on('data', (d) => { t += d; });
      res.on('end', () => resolve(JSON.parse(t)));
    }));
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));

    // 2b. the peer: the same Edge class served by Node's http module (same engine, same
    // requests), to separate the runtime's share from the worker's own.
    const nodePeer = await measureNodePeer(env, stays);

    // 3. sizes
    const packDir = path.join(dir, 'pack');
    execFileSync('bash', [path.join(ROOT, 'scripts/pack'), '--no-build', '--out', packDir], { stdio: 'ignore' });
    const tgz = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    const wasm = readFileSync(path.join(ROOT, 'bindings/js/dist/edgestay_core.wasm'));
    const glue = readFileSync(path.join(ROOT, 'bindings/js/dist/edgestay_core.mjs'));

    console.log(`edge measurements (${os.cpus().length} cores, node ${process.version})`);
    console.log(`  start to first availability answer: median ${median(starts).toFixed(0)} ms ` +
      `(runs: ${starts.map((s) => s.toFixed(0)).join(', ')}; includes the bootstrap pull of ${stats.hotels[0]?.asOf?.cursor} changes)`);
    console.log(`  the same from the signed snapshot (EDGESTAY_SNAPSHOT_PUBLIC_KEY): median ${median(fromSnapshot.starts).toFixed(0)} ms ` +
      `(runs: ${fromSnapshot.starts.map((s) => s.toFixed(0)).join(', ')}; the first run includes making the image), ` +
      `RSS after it ${mib(fromSnapshot.bootRss)}`);
    console.log(`  warm /availability, ${CLIENTS} clients, ${REQUESTS} requests over ${stays.length} stays: ` +
      `p50 ${warm.p50.toFixed(2)} ms, p99 ${warm.p99.toFixed(2)} ms, ${warm.rps} req/s`);
    console.log(`  the same Edge in Node ${process.version} (node:http), same load: ` +
      `p50 ${nodePeer.p50.toFixed(2)} ms, p99 ${nodePeer.p99.toFixed(2)} ms, ${nodePeer.rps} req/s`);
    console.log(`  evaluations ${stats.evaluations}, cache hits ${stats.cacheHits}, collapsed ${stats.collapsed}`);
    console.log(`  workerd RSS: idle ${mib(idleRss)}, after bootstrap ${mib(afterBoot)} (cold runs ${mib(bootRss)}), after load ${mib(afterLoad)}`);
    console.log(`  tarball ${tgz}: ${(statSync(path.join(packDir, tgz)).size / 1024).toFixed(1)} KiB`);
    console.log(`  wasm ${(wasm.length / 1024).toFixed(1)} KiB raw, ${(gzipSync(wasm, { level: 9 }).length / 1024).toFixed(1)} KiB gzip; ` +
      `glue .mjs ${(glue.length / 1024).toFixed(1)} KiB raw, ${(gzipSync(glue, { level: 9 }).length / 1024).toFixed(1)} KiB gzip`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    agent.destroy();
  }
}

if (process.argv[2] === '--peer') await servePeer();
else await main();
