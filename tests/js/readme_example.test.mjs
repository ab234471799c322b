// The usage example of README.md really runs: the first ```js block is written to a
// temporary .mjs file, its `from 'edgestay'` import pointed at this checkout's
// bindings/js/index.mjs, and run with node. It must exit 0 without writing to stderr.
//
// Run: node --test tests/js/readme_example.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// Package specifiers of package.json's exports map -> files in this checkout.
const SPECIFIERS = {
  edgestay: 'bindings/js/index.mjs',
  'edgestay/sync': 'sync/client/index.mjs',
};

test('README.md: the first ```js block runs', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /^```js\n([\s\S]*?)^```/m.exec(readme);
  assert.ok(block, 'README.md has a ```js block');
  let code = block[1];
  code = code.replace(/(from\s+|import\s*\(\s*)(['"])(edgestay(?:\/[\w./-]+)?)\2/g, (all, lead, quote, spec) => {
    assert.ok(SPECIFIERS[spec], `README imports unknown specifier ${spec}`);
    return `${lead}${quote}${pathToFileURL(join(root, SPECIFIERS[spec])).href}${quote}`;
  });
  assert.ok(code.includes(pathToFileURL(join(root, SPECIFIERS.edgestay)).href), "the example imports 'edgestay'");

  const dir = mkdtempSync(join(tmpdir(), 'edgestay-readme-'));
  try {
    const file = join(dir, 'readme_example.mjs');
    writeFileSync(file, code);
    const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.error, undefined, `node did not run: ${r.error}`);
    assert.equal(r.status, 0, `the README example failed (exit ${r.status}):\n${r.stderr}\n--- code ---\n${code}`);
    assert.equal(r.stderr, '', `the README example wrote to stderr:\n${r.stderr}`);
    assert.notEqual(r.stdout.trim(), '', 'the README example printed nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
