// Loads the wasm module once per JS realm.
// Under Node the generated loader cannot fetch() a file path (TOOLCHAIN.md quirk 2), so
// we read the bytes ourselves; browsers and workers stream-compile from the URL.
import createEdgestayCore from './dist/edgestay_core.mjs';

let modulePromise = null;

function isNode() {
  return typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
}

export function loadCore(options = {}) {
  if (options.wasmBinary || options.locateFile) return createEdgestayCore(options);
  if (!modulePromise) {
    modulePromise = (async () => {
      if (isNode()) {
        const { readFile } = await import('node:fs/promises');
        const wasmBinary = await readFile(new URL('./dist/edgestay_core.wasm', import.meta.url));
        return createEdgestayCore({ wasmBinary });
      }
      return createEdgestayCore({
        locateFile: (path) => new URL(`./dist/${path}`, import.meta.url).href,
      });
    })();
    modulePromise.catch(() => { modulePromise = null; });
  }
  return modulePromise;
}
