// scripts/start --once: the README's first command brings up the server on an embedded
// SQLite store, seeds the demo hotel, bootstraps an edge engine from it and books through
// the outbox. Runs on a private data folder and a free port, so it never touches ./data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

test('scripts/start --once runs the whole system and stops it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgestay-start-'));
  try {
    for (const round of [1, 2]) {  // the second run reuses the seeded store and its tokens
      const { stdout } = await run('bash', [path.join(ROOT, 'scripts/start'), '--once', '--port', '0', '--data', dir],
        { cwd: ROOT, timeout: 300000, maxBuffer: 16 << 20 });
      assert.match(stdout, /central server\s+http:\/\/127\.0\.0\.1:\d+/, `round ${round}`);
      assert.match(stdout, /^edge: http:\/\/127\.0\.0\.1:\d+$/m, 'the edge worker runs in workerd');
      assert.match(stdout, /tokens\s+read\s+[0-9a-f]{64}/);
      assert.match(stdout, /^widget: http:\/\/127\.0\.0\.1:\d+\/web\/widget\/\?hotel=\d+&token=[0-9a-f]{64}$/m);
      assert.match(stdout, /^kiosk: http:\/\/127\.0\.0\.1:\d+\/web\/kiosk\/\?hotel=\d+&token=[0-9a-f]{64}$/m);
      assert.match(stdout, /edge engine bootstrapped from http:\/\/127\.0\.0\.1:\d+: [\d,]+ changes/);
      assert.match(stdout, /after syncOnce: 1 applied, 0 rejected -> booking -1 is CONFIRMED, central id \d+/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Issue 8, defect 8: the ways scripts/start used to break on a reused or damaged data folder.
const START = path.join(ROOT, 'scripts/start');
const startOnce = (dir) => run('bash', [START, '--once', '--port', '0', '--data', dir],
  { cwd: ROOT, timeout: 300000, maxBuffer: 16 << 20 });

test('scripts/start: the usual demo stay sold out still books another; a deleted store with its marker left is seeded again', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgestay-start-'));
  try {
    const first = await startOnce(dir);
    const url = first.stdout.match(/central server\s+(http:\/\/\S+)/)[1];
    // Close the stay the demo books first (blackout days), through a server on the same
    // store: what 20 earlier runs did by selling it out.
    const marker = JSON.parse(readFileSync(path.join(dir, readdirSync(dir).find((f) => /^demo-.*\.json$/.test(f))), 'utf8'));
    const { serverBinary } = await import('../server/support/paths.mjs');
    const server = spawn(serverBinary(), ['serve', '--store', `sqlite:${path.join(dir, 'edgestay.db')}`, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const base = await new Promise((resolve, reject) => {
        server.stdout.on('data', (d) => { const m = String(d).match(/listening on (\S+)/); if (m) resolve(m[1]); });
        server.once('exit', () => reject(new Error('server exited')));
      });
      const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
      for (const n of [14, 15, 16, 17]) {
        const r = await fetch(`${base}/v1/hotels/${marker.hotel.id}/special-days`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${marker.tokens.admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ date: day(n), kind: 'blackout' }),
        });
        assert.equal(r.status, 200, await r.text());
      }
    } finally {
      server.kill('SIGTERM');
    }
    const second = await startOnce(dir);
    assert.match(second.stdout, /after syncOnce: 1 applied, 0 rejected -> booking -\d+ is CONFIRMED/);
    const booked = second.stdout.match(/kiosk booking -\d+ \(PENDING_SYNC\) for .+, (\d{4}-\d\d-\d\d) -> /);
    assert.ok(booked && booked[1] > day14(), 'a later stay was booked');

    for (const f of readdirSync(dir)) if (f.startsWith('edgestay.db')) rmSync(path.join(dir, f));
    const third = await startOnce(dir);
    assert.match(third.stdout, /seeding the demo hotel again/);
    assert.match(third.stdout, /after syncOnce: 1 applied, 0 rejected/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function day14() {
  return new Date(Date.now() + 14 * 86400000).toISOString().slice(0, 10);
}

test('scripts/start: SIGTERM stops the script, its client and its server; an option without a value is a clear error', async () => {
  const missing = await run('bash', [START, '--store'], { cwd: ROOT }).then(() => null, (e) => e);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--store needs a value/);
  assert.doesNotMatch(missing.stderr, /unbound variable/);

  const dir = mkdtempSync(path.join(tmpdir(), 'edgestay-start-'));
  try {
    const child = spawn('bash', [START, '--port', '0', '--data', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const t0 = Date.now();
    while (!/following the centre live/.test(out)) {
      assert.ok(Date.now() - t0 < 240000, `scripts/start did not come up: ${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = out.match(/central server\s+(http:\/\/\S+)/)[1];
    child.kill('SIGTERM');
    const t1 = Date.now();
    const r = await Promise.race([exited, new Promise((r2) => setTimeout(() => r2(null), 10000))]);
    assert.ok(r, 'scripts/start stopped within 10 s of SIGTERM');
    assert.ok(Date.now() - t1 < 10000);
    await assert.rejects(fetch(`${url}/v1/health`), 'the server is gone');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
