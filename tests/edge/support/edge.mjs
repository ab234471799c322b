// Starts the edge worker in a real workerd process through scripts/edge (on a free
// loopback port) and stops it. Returns { url, proc, workerdPid(), stop() }.
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../server/support/paths.mjs';

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
