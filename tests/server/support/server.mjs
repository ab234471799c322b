// Start and stop edgestay-server processes, and run its CLI.
import { spawn, execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { serverBinary } from './paths.mjs';
import { request } from './http.mjs';

const execFileP = promisify(execFile);

// Runs `edgestay-server ARGS… --store SPEC`; resolves { stdout, stderr } or rejects
// with the exit code and output.
export async function cli(store, args) {
  const { stdout, stderr } = await execFileP(serverBinary(), [...args, '--store', store], {
    timeout: 60000,
    maxBuffer: 64 << 20,
  });
  return { stdout, stderr };
}

export async function createToken(store, { hotel, scope, user } = {}) {
  const args = ['token', 'create', '--hotel', String(hotel), '--scope', scope];
  if (user !== undefined) args.push('--user', String(user));
  const { stdout } = await cli(store, args);
  const token = stdout.trim();
  if (!/^[0-9a-f]{64}$/.test(token)) throw new Error(`token create printed ${JSON.stringify(stdout)}`);
  return token;
}

// Starts `edgestay-server serve --port 0` on the loopback and waits for its
// "listening on http://127.0.0.1:PORT" line. Returns { url, port, proc, stderr(), stop() }.
// { port } listens on that port instead (a restart at the same address); { env } adds
// environment variables to the server's (e.g. a switch read at start-up).
export async function startServer(store, extraArgs = [], { port = 0, env = {} } = {}) {
  const proc = spawn(serverBinary(), ['serve', '--store', store, '--port', String(port), ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    stderr += d;
    // EDGESTAY_SERVER_LOG=FILE keeps every server's stderr (sanitizer reports, crashes).
    if (process.env.EDGESTAY_SERVER_LOG) appendFileSync(process.env.EDGESTAY_SERVER_LOG, d);
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s: ${stderr}`)), 20000);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[^\s]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
  let exited = null;
  const exitPromise = new Promise((resolve) => proc.once('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));
  return {
    url,
    port: Number(new URL(url).port),
    proc,
    stderr: () => stderr,
    alive: () => exited === null,
    // Graceful stop (SIGTERM), escalating to SIGKILL after 10 s. Resolves the exit status.
    async stop() {
      if (exited) return exited;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
      const r = await exitPromise;
      clearTimeout(timer);
      return r;
    },
  };
}

// How a server has applied its push groups so far, from GET /metrics: { group_statement,
// per_mutation, savepoints } (edgestay_push_groups_total; {} from a server without it).
export async function pushGroupPaths(url) {
  const r = await request(url, { path: '/metrics' });
  if (r.status !== 200) throw new Error(`GET /metrics: ${r.status} ${r.text.slice(0, 200)}`);
  const paths = {};
  for (const m of r.text.matchAll(/^edgestay_push_groups_total\{path="([^"]+)"\} (\d+)$/gm)) paths[m[1]] = Number(m[2]);
  return paths;
}
