// scripts/start --once: the README's first command brings up the server on an embedded
// SQLite store, seeds the demo hotel, bootstraps an edge engine from it and books through
// the outbox. Runs on a private data folder and a free port, so it never touches ./data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
