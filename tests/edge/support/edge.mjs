// Starts the edge worker in a real workerd process and stops it: through scripts/edge (on
// a free loopback port), or with a second socket that fires its scheduled() handler.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from '../../server/support/paths.mjs';

// The edge suites need the built core and workerd; without them they skip, saying why.
export const EDGE_READY = existsSync(path.join(ROOT, 'bindings/js/dist/edgestay_core.wasm')) &&
  existsSync(path.join(ROOT, 'node_modules/.bin/workerd'));
export const EDGE_SKIP = EDGE_READY ? {} : { skip: 'needs bindings/js/dist (scripts/build) and node_modules/.bin/workerd' };
// Freshness of a test edge: refresh after 100 ms, wait for the refresh after 250 ms.
export const TEST_EDGE_ENV = { EDGESTAY_REFRESH_MS: '100', EDGESTAY_MAX_STALE_MS: '250', EDGESTAY_SYNC_TIMEOUT_MS: '2000' };

export async function startEdge({ serverUrl, readToken, bookToken, hotels, env = {} }) {
  const args = [path.join(ROOT, 'scripts/edge'), '--server', serverUrl, '--read-token', readToken, '--port', '0'];
  if (bookToken) args.push('--book-token', bookToken);
  if (hotels) args.push('--hotels', hotels);
  const proc = spawn('bash', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => { output += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the edge did not start in 30 s: ${output}`)), 30000);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d) => {
      output += d;
      const m = output.match(/^edge: (http:\/\/127\.0\.0\.1:\d+)$/m);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`scripts/edge exited (${code}) before listening: ${output}`));
    });
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const kill = () => { try { proc.kill('SIGTERM'); } catch { /* gone */ } };
  process.once('exit', kill);
  return {
    url,
    proc,
    output: () => output,
    // workerd runs as the child of the scripts/edge shell.
    workerdPid() {
      const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(proc.pid)], { encoding: 'utf8' });
      const line = out.split('\n').find((l) => /workerd/.test(l));
      return line ? Number(line.trim().split(/\s+/)[0]) : null;
    },
    async stop() {
      if (proc.exitCode !== null) return;
      kill();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.on('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

const listening = (port) => new Promise((resolve) => {
  const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
  socket.on('error', () => resolve(false));
});

// The edge worker plus a "cron" socket that fires its scheduled() (tests/edge/support/
// cron.capnp), in workerd started directly. Returns { url, cronUrl, stop() }.
export async function startEdgeWithCron({ serverUrl, readToken, env = {} }) {
  const [port, cronPort] = [await freePort(), await freePort()];
  const proc = spawn(path.join(ROOT, 'node_modules/.bin/workerd'), [
    'serve', '--experimental', path.join(ROOT, 'tests/edge/support/cron.capnp'),
    '--socket-addr', `http=127.0.0.1:${port}`, '--socket-addr', `cron=127.0.0.1:${cronPort}`,
  ], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, EDGESTAY_SERVER_URL: serverUrl, EDGESTAY_READ_TOKEN: readToken, EDGESTAY_BOOK_TOKEN: '', EDGESTAY_HOTELS: '', ...env },
  });
  let output = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const kill = () => { try { proc.kill('SIGTERM'); } catch { /* gone */ } };
  process.once('exit', kill);
  const deadline = Date.now() + 30000;
  while (!(await listening(port)) || !(await listening(cronPort))) {
    if (proc.exitCode !== null) throw new Error(`workerd exited (${proc.exitCode}): ${output}`);
    if (Date.now() > deadline) throw new Error(`workerd did not listen in 30 s: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    cronUrl: `http://127.0.0.1:${cronPort}`,
    output: () => output,
    async stop() {
      if (proc.exitCode !== null) return;
      kill();
      await exited;
    },
  };
}
