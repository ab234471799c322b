// A private PostgreSQL cluster for the tests: initdb in a temp folder, started on a free
// loopback port, stopped at the end. Never touches the machine's own cluster.
//
// initdb refuses to run as root, so as root every PostgreSQL binary runs as the
// `postgres` system user (runuser); as any other user it runs directly. The initialised
// data folder is cached as a template (os.tmpdir()/edgestay-pg-template-<uid>-<ver>) so
// that later test files copy it instead of running initdb (3-4 s) again.
import { execFileSync, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, chownSync, cpSync } from 'node:fs';
import { promisify } from 'node:util';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const execFileP = promisify(execFile);

function findBinDir() {
  const candidates = [];
  if (process.env.EDGESTAY_PG_BIN) candidates.push(process.env.EDGESTAY_PG_BIN);
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  } catch { /* not installed there */ }
  candidates.push('/usr/local/bin', '/usr/bin');
  for (const dir of candidates) {
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')) &&
        existsSync(path.join(dir, 'postgres'))) return dir;
    // /usr/local/bin may hold only initdb/pg_ctl symlinks: resolve to the real folder.
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) {
      try {
        const real = path.dirname(execFileSync('readlink', ['-f', path.join(dir, 'initdb')]).toString().trim());
        if (existsSync(path.join(real, 'postgres'))) return real;
      } catch { /* ignore */ }
    }
  }
  return null;
}

export const PG_BIN = findBinDir();
export const pgAvailable = () => PG_BIN !== null;
export const pgSkipReason = 'PostgreSQL binaries (initdb, pg_ctl, postgres) not found: PostgreSQL suites skipped';

const isRoot = process.getuid?.() === 0;
const pgUser = () => {
  const { uid, gid } = (() => {
    const out = execFileSync('id', ['postgres']).toString();
    return { uid: Number(out.match(/uid=(\d+)/)[1]), gid: Number(out.match(/gid=(\d+)/)[1]) };
  })();
  return { uid, gid };
};

function asPgUser(bin, args) {
  const exe = path.join(PG_BIN, bin);
  return isRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
}

function run(bin, args, opts = {}) {
  const [cmd, argv] = asPgUser(bin, args);
  return execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts }).toString();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function chownTree(dir) {
  if (!isRoot) return;
  const { uid, gid } = pgUser();
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
}

function template() {
  const version = path.basename(path.dirname(PG_BIN));
  const dir = path.join(os.tmpdir(), `edgestay-pg-template-${process.getuid?.() ?? 0}-${version}`);
  if (existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'edgestay-pg-init-'));
  chownTree(tmp);
  run('initdb', ['-D', path.join(tmp, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8',
    '--locale=C', '--no-sync']);
  try {
    renameSync(path.join(tmp, 'data'), dir);  // atomic: a concurrent run keeps its own copy
  } catch { /* another process won the race; use theirs */ }
  rmSync(tmp, { recursive: true, force: true });
  return dir;
}

// Starts a cluster. Returns { port, uri(db), createDatabase(name), query(db, sql), stop() }.
// Tests run with fsync off (speed); { durable: true } keeps PostgreSQL's defaults
// (fsync, synchronous_commit on), as the benchmark does.
export async function startPostgres({ durable = false } = {}) {
  if (!PG_BIN) throw new Error(pgSkipReason);
  const base = mkdtempSync(path.join(os.tmpdir(), 'edgestay-pg-'));
  const data = path.join(base, 'data');
  cpSync(template(), data, { recursive: true });
  chownTree(base);
  const port = await freePort();
  const opts = [
    `-p ${port}`, `-k ${base}`, '-c listen_addresses=127.0.0.1', '-c max_connections=300',
    '-c shared_buffers=64MB',
    ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ');
  run('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(base, 'log'), '-w', '-t', '60', 'start']);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try { run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* already down */ }
    rmSync(base, { recursive: true, force: true });
  };
  process.once('exit', stop);
  const psql = path.join(PG_BIN, 'psql');
  const uri = (db = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${db}`;
  return {
    port,
    uri,
    async createDatabase(name) {
      await execFileP(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', uri('postgres'), '-c', `CREATE DATABASE ${name}`]);
      return uri(name);
    },
    // Rows of a SELECT as plain objects (via json_agg).
    async query(db, sql) {
      const { stdout } = await execFileP(psql, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', uri(db),
        '-c', `SELECT coalesce(json_agg(t), '[]'::json) FROM (${sql}) t`], { maxBuffer: 64 << 20 });
      return JSON.parse(stdout);
    },
    // Runs statements that return nothing (tests that tamper with a store directly).
    async exec(db, sql) {
      await execFileP(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', uri(db), '-c', sql]);
    },
    stop,
  };
}
