// The package as a user installs it: scripts/pack makes the tarball, which is copied into
// a fresh project in the temp folder (outside the repository, so nothing can resolve back
// into it) and installed offline with an empty npm cache. There the README example runs,
// `edgestay/sync` imports, `openEngine({ wasmModule })` works from the installed .wasm,
// and tsc --noEmit accepts a TypeScript file that uses both entry points.
//
// Run: node --test tests/package/pack.test.mjs   (after scripts/build --wasm-only)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = path.join(ROOT, 'node_modules/typescript/lib/tsc.js');
const BUILT = existsSync(path.join(ROOT, 'bindings/js/dist/edgestay_core.wasm'));
const SKIP = BUILT ? {} : { skip: 'wasm core not built (bindings/js/dist): run scripts/build' };

// Exactly what a user needs, nothing else (npm adds package.json, README and LICENSE).
const EXPECTED_FILES = [
  'LICENSE', 'README.md', 'package.json',
  'bindings/js/dist/edgestay_core.mjs', 'bindings/js/dist/edgestay_core.wasm',
  'bindings/js/args.mjs', 'bindings/js/compact.mjs', 'bindings/js/errors.mjs', 'bindings/js/index.d.ts', 'bindings/js/index.mjs',
  'bindings/js/rows.mjs',
  'bindings/js/loader.mjs', 'bindings/js/stores.mjs',
  'sync/client/index.d.ts', 'sync/client/index.mjs',
].sort();

let work;      // temp folder: the tarball's folder and the user's project
let project;
let tarball;

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 180000, ...options });
  assert.equal(r.error, undefined, `${cmd} did not run: ${r.error}`);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

before(() => {
  if (!BUILT) return;
  work = mkdtempSync(path.join(tmpdir(), 'edgestay-pack-'));
  const out = path.join(work, 'out');
  run('bash', [path.join(ROOT, 'scripts/pack'), '--no-build', '--out', out], { cwd: ROOT });
  const [name] = readdirSync(out).filter((f) => f.endsWith('.tgz'));
  assert.ok(name, 'scripts/pack left a .tgz');
  project = path.join(work, 'app');
  run('mkdir', ['-p', project]);
  tarball = path.join(project, name);
  copyFileSync(path.join(out, name), tarball);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // --offline with an empty cache: the package has no runtime dependencies to fetch.
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--cache', path.join(work, 'npm-cache'), `./${name}`],
    { cwd: project });
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds exactly the package files', SKIP, () => {
  const r = run('tar', ['-tzf', tarball]);
  const files = r.stdout.trim().split('\n').map((f) => f.replace(/^package\//, '')).sort();
  assert.deepEqual(files, EXPECTED_FILES);
  const pkg = JSON.parse(readFileSync(path.join(project, 'node_modules/edgestay/package.json'), 'utf8'));
  assert.equal(pkg.license, 'MIT');
  // Installed as a copy, not a link back into the repository.
  assert.ok(!lstatSync(path.join(project, 'node_modules/edgestay')).isSymbolicLink());
});

test('the README example runs in the installed project', SKIP, () => {
  const readme = readFileSync(path.join(project, 'node_modules/edgestay/README.md'), 'utf8');
  const block = /^```js\n([\s\S]*?)^```/m.exec(readme);
  assert.ok(block, 'README.md has a ```js block');
  assert.match(block[1], /from 'edgestay'/);
  writeFileSync(path.join(project, 'readme.mjs'), block[1]);
  const r = run(process.execPath, ['readme.mjs'], { cwd: project });
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^true 27800/m);
  assert.match(r.stdout, /PENDING_SYNC sold_out/);
});

test('edgestay/sync imports and drives an engine; wasmModule and WASM_LOAD work installed', SKIP, () => {
  writeFileSync(path.join(project, 'sync.mjs'), `
    import { readFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    import { openEngine, EdgestayError } from 'edgestay';
    import { SyncClient, SyncError } from 'edgestay/sync';
    const wasmPath = createRequire(import.meta.url).resolve('edgestay/wasm');
    const wasmModule = new WebAssembly.Module(readFileSync(wasmPath));
    const engine = await openEngine({ wasmModule });
    // A fetch that answers one empty change batch: the client applies it as a pull.
    const fetch = async (url) => new Response(JSON.stringify({ format: 'edgestay.changes/1', cursor: '7', syncedAt: 1, hasMore: false, changes: [] }));
    const client = new SyncClient(engine, { baseUrl: 'http://centre.invalid', hotelId: 1, fetch });
    const summary = await client.syncOnce();
    let code = null;
    try { await openEngine({ wasmModule: new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) }); }
    catch (e) { code = e instanceof EdgestayError ? e.code : String(e); }
    console.log(JSON.stringify({ cursor: engine.asOf().cursor, summary, syncError: typeof SyncError, code }));
    engine.close();
  `);
  const r = run(process.execPath, ['sync.mjs'], { cwd: project });
  const out = JSON.parse(r.stdout.trim());
  assert.equal(out.cursor, '7');
  assert.equal(out.summary.cursor, '7');
  assert.equal(out.syncError, 'function');
  assert.equal(out.code, 'WASM_LOAD');
});

test('tsc --noEmit accepts a file using edgestay and edgestay/sync', { ...SKIP, skip: SKIP.skip ?? (!existsSync(TSC) && 'typescript not installed') }, () => {
  writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
      lib: ['es2022', 'dom'], types: [], skipLibCheck: false,
    },
    files: ['app.ts'],
  }));
  writeFileSync(path.join(project, 'app.ts'), `
    import { openEngine, EdgestayError, type AvailabilityAnswer, type Engine } from 'edgestay';
    import { SyncClient, SyncError, type SyncSummary } from 'edgestay/sync';

    export async function main(wasmModule?: WebAssembly.Module): Promise<number> {
      const engine: Engine = await openEngine(wasmModule ? { wasmModule } : {});
      const client = new SyncClient(engine, { baseUrl: 'http://127.0.0.1:8787', hotelId: 1, token: 'x' });
      client.on('error', ({ error, retryInMs }) => console.log(error, retryInMs));
      try {
        const summary: SyncSummary = await client.syncOnce();
        const a: AvailabilityAnswer = engine.checkRoomAvailability({ roomTypeId: 1, checkIn: '2030-06-01', checkOut: '2030-06-03', rooms: 1 });
        return summary.changes + a.nights;
      } catch (e) {
        if (e instanceof SyncError) return e.status;
        if (e instanceof EdgestayError && e.code === 'WASM_LOAD') return -1;
        throw e;
      } finally {
        engine.close();
      }
    }
    // @ts-expect-error hotelId must be a number
    new SyncClient({} as Engine, { baseUrl: 'x', hotelId: '1' });
  `);
  run(process.execPath, [TSC, '--noEmit', '--pretty', 'false', '-p', '.'], { cwd: project });
});
