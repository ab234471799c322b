// Loads the wasm core: one Emscripten instance per JS realm (or per given module).
//
// Every path ends in the same place: a compiled WebAssembly.Module that Emscripten's
// `instantiateWasm` hook instantiates. Compiling it ourselves means one artifact runs
// everywhere: edge runtimes such as workerd refuse to compile wasm from bytes (they hand
// the worker a WebAssembly.Module), Node's generated loader cannot fetch() a file path,
// and browsers stream-compile from a URL. A failure to get or instantiate the module is
// EdgestayError('WASM_LOAD'), never an Emscripten abort.
//
// How the module is found, first match wins:
//   wasmModule  a WebAssembly.Module (workerd / Workers bindings, bundlers)
//   wasmBinary  the bytes (ArrayBuffer or a typed array)
//   locateFile  maps 'edgestay_core.wasm' to a URL, which is fetched
//   otherwise   dist/edgestay_core.wasm next to this file (the only use of import.meta.url)
import createEdgestayCore from './dist/edgestay_core.mjs';
import { EdgestayError } from './errors.mjs';

const WASM_FILE = 'edgestay_core.wasm';

let defaultCore = null;           // Promise of the module loaded from the package's own dist/
const coreOfModule = new WeakMap();  // WebAssembly.Module -> Promise of its instance

// A batch text larger than the wasm heap can take (it stays usable: nothing was written).
function tooLarge(bytes) {
  return new EdgestayError('INVALID_BATCH', `the batch's text (${bytes} bytes) does not fit in the engine's memory`,
    { bytes });
}

function isNode() {
  return typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
}

function loadError(message, cause) {
  const e = new EdgestayError('WASM_LOAD', message, { cause: String(cause?.message ?? cause ?? '') });
  if (cause !== undefined) e.cause = cause;
  return e;
}

async function compileBytes(bytes) {
  if (!(bytes instanceof ArrayBuffer || ArrayBuffer.isView(bytes))) {
    throw loadError('wasmBinary must be an ArrayBuffer or a typed array');
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw loadError(`the wasm bytes do not compile: ${e.message}`, e);
  }
}

async function compileUrl(url) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (e) {
    throw loadError(`cannot fetch ${url}: ${e.message}`, e);
  }
  if (!response.ok) throw loadError(`cannot fetch ${url}: HTTP ${response.status}`);
  // Streaming compile needs the application/wasm content type; otherwise read it whole.
  if (typeof WebAssembly.compileStreaming === 'function' &&
      (response.headers.get('content-type') ?? '').startsWith('application/wasm')) {
    try {
      return await WebAssembly.compileStreaming(response);
    } catch (e) {
      throw loadError(`${url} does not compile: ${e.message}`, e);
    }
  }
  return compileBytes(await response.arrayBuffer());
}

async function defaultModule() {
  const url = new URL(`./dist/${WASM_FILE}`, import.meta.url);
  if (isNode()) {
    const { readFile } = await import('node:fs/promises');
    let bytes;
    try {
      bytes = await readFile(url);
    } catch (e) {
      throw loadError(`cannot read ${url.pathname}: ${e.message}`, e);
    }
    return compileBytes(bytes);
  }
  return compileUrl(url.href);
}

const REQUIRED_EXPORTS = ['memory', '__indirect_function_table', '__wasm_call_ctors', 'malloc', 'free', 'edgestay_invoke',
  'edgestay_probe'];

// Instantiates the Emscripten glue around a compiled module. Emscripten reports a failed
// instantiation by aborting (and printing); the hook's own promise carries our error out
// first, so the caller sees WASM_LOAD. A module without the exports the glue reads as
// soon as the instance arrives is refused before Emscripten sees it.
function instantiate(wasmModule, extra = {}) {
  if (!(wasmModule instanceof WebAssembly.Module)) {
    return Promise.reject(loadError('wasmModule must be a WebAssembly.Module'));
  }
  const exported = new Set(WebAssembly.Module.exports(wasmModule).map((e) => e.name));
  const missing = REQUIRED_EXPORTS.filter((name) => !exported.has(name));
  if (missing.length) {
    return Promise.reject(loadError(`the wasm module is not edgestay_core.wasm (it lacks ${missing.join(', ')})`));
  }
  let failed;
  const failure = new Promise((_, reject) => { failed = reject; });
  const core = createEdgestayCore({
    ...extra,
    // The glue resolves its default wasm URL from import.meta.url (undefined in workerd)
    // unless locateFile is set; it never fetches that URL here (instantiateWasm does).
    locateFile: (path) => path,
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasmModule, imports).then(
        (instance) => receive(instance, wasmModule),
        (e) => { throw loadError(`the wasm module does not fit this package's loader: ${e.message}`, e); },
      ).catch((e) => failed(e instanceof EdgestayError ? e : loadError(`the wasm module failed to start: ${e.message}`, e)));
      return {};  // asynchronous: Emscripten waits for receive()
    },
    // Aborts after instantiation (e.g. an unreachable in a foreign module's start).
    onAbort: (what) => failed(loadError(`the wasm module aborted: ${what}`)),
  });
  return Promise.race([core, failure]);
}

function cachedInstance(wasmModule) {
  if (!(wasmModule instanceof WebAssembly.Module)) return instantiate(wasmModule);
  let p = coreOfModule.get(wasmModule);
  if (!p) {
    p = instantiate(wasmModule);
    coreOfModule.set(wasmModule, p);
    p.catch(() => coreOfModule.delete(wasmModule));
  }
  return p;
}

// options: { wasmModule?, wasmBinary?, locateFile?, ...other Emscripten options }.
// Resolves the Emscripten module object (with its embind classes, e.g. Core).
export function loadCore(options = {}) {
  const { wasmModule, wasmBinary, locateFile, ...extra } = options;
  if (wasmModule !== undefined) return cachedInstance(wasmModule);
  if (wasmBinary !== undefined) return compileBytes(wasmBinary).then((m) => instantiate(m, extra));
  if (locateFile !== undefined) {
    if (typeof locateFile !== 'function') return Promise.reject(loadError('locateFile must be a function'));
    return Promise.resolve()
      .then(() => compileUrl(String(locateFile(WASM_FILE, ''))))
      .then((m) => instantiate(m, extra));
  }
  if (!defaultCore) {
    defaultCore = defaultModule().then((m) => instantiate(m));
    defaultCore.catch(() => { defaultCore = null; });
  }
  return defaultCore;
}

// The per-call boundary of one Core (an instance of the module's Core class): the
// arguments' JSON text is written as UTF-8 into the Core's scratch buffer in wasm memory,
// the call is one plain wasm function of numbers (edgestay_invoke: no embind string, so no
// malloc, copy and free per call), and the answer comes back as a view of wasm memory
// located by the Core's status words. The wrapper, the tests and the benchmarks all call
// the core through this one function.
//   invoke(methodId, argsText, nowMs, compact) -> Uint8Array view (decode before the next call)
//   call(methodId, argsText, nowMs, compact): the same without the view (the wrapper's
//     path: a view is an object per call); the answer is then answerAt() bytes into the
//     memory that heapU8() / heapF64() view, answerLength() long, or answer() as a view
//   callId(methodId, key, id, nowMs, compact): call() with the text {"key":id} (args.mjs
//     idText) of an ASCII key and a plain number id (args.mjs plainId)
//   probe(entryId, nowMs) -> whether the cache entry is still valid
//   failed(), events(), entryId(): the status words of the last call
// The status words (f64): [failed, pending events, cache entry id, answer address, answer length].
const SHORT_TEXT = 24;
export function coreCaller(module, core) {
  const handle = core.handle();
  const status = core.statusAddress() / 8;
  const encoder = new TextEncoder();
  let capacity = 0;
  let at = 0;
  let scratch = new Uint8Array(0);
  // The memory's views, kept here: a property read of the (large) module object costs more
  // than the status word it reaches, and a call reads six. A view of memory that grew
  // since (in any call into the module) is detached, its length 0: each read checks and
  // then takes the module's new views.
  let u8 = module.HEAPU8;
  let f64 = module.HEAPF64;
  function words() {
    if (f64.length === 0) {
      u8 = module.HEAPU8;
      f64 = module.HEAPF64;
    }
    return f64;
  }
  // Module._edgestay_invoke is the glue's forwarder; call the wasm export itself.
  const exports = module.asm ?? {};
  const invokeRaw = exports.edgestay_invoke ?? module._edgestay_invoke;
  const probeRaw = exports.edgestay_probe ?? module._edgestay_probe;
  if (typeof invokeRaw !== 'function' || typeof probeRaw !== 'function') {
    throw loadError('the wasm module lacks edgestay_invoke / edgestay_probe');
  }
  // The text's UTF-8 into the scratch buffer; its byte length. A short ASCII text (an id's
  // arguments) is copied unit by unit: an encodeInto call costs more than that.
  function write(text) {
    const n = text.length;
    if (n <= SHORT_TEXT) {
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        scratch[i] = c;
      }
      if (i === n) return n;
    }
    return encoder.encodeInto(text, scratch).written;
  }
  // The scratch buffer made at least `need` bytes long. A view of old memory is empty once
  // the memory grew.
  function room(need) {
    if (need > capacity || scratch.length === 0) {
      if (need > capacity) {
        capacity = Math.max(256, need * 2);
        at = core.scratch(capacity);
      }
      scratch = module.HEAPU8.subarray(at, at + capacity);
    }
  }
  function call(methodId, text, nowMs, compact) {
    room(text.length * 3);  // UTF-8 takes at most 3 bytes per UTF-16 unit
    invokeRaw(handle, methodId, write(text), nowMs, compact ? 1 : 0);
  }
  // call(methodId, `{"${key}":${id}}`, ...) for an ASCII key and a number id, the bytes
  // written straight into the buffer: such a 13-character template string is a rope in V8,
  // flattened (allocated and copied) at its first charCodeAt, which cost more than the
  // rest of writing it.
  function callId(methodId, key, id, nowMs, compact) {
    const digits = String(id);
    room(key.length + digits.length + 6);
    let n = 0;
    scratch[n++] = 0x7b;  // {"
    scratch[n++] = 0x22;
    for (let i = 0; i < key.length; i++) scratch[n++] = key.charCodeAt(i);
    scratch[n++] = 0x22;  // ":
    scratch[n++] = 0x3a;
    for (let i = 0; i < digits.length; i++) scratch[n++] = digits.charCodeAt(i);
    scratch[n++] = 0x7d;  // }
    invokeRaw(handle, methodId, n, nowMs, compact ? 1 : 0);
  }
  // A batch's text (a load's part: megabytes) as UTF-8 in the Core's text buffer, sized
  // to the text (ASCII: one byte a unit; otherwise encoded first to learn its length);
  // its byte length, the argument of core.applyChanges / applyChangesPart, which free it.
  function putText(text) {
    let at = core.textBuffer(text.length);
    if (at === 0) throw tooLarge(text.length);
    const { read, written } = encoder.encodeInto(text, module.HEAPU8.subarray(at, at + text.length));
    if (read === text.length) return written;
    const bytes = encoder.encode(text);
    at = core.textBuffer(bytes.length);
    if (at === 0) throw tooLarge(bytes.length);
    module.HEAPU8.set(bytes, at);
    return bytes.length;
  }
  // A part's text followed by its tokenized rows (rows.mjs) in the text buffer; the
  // text's byte length (core.applyRowsPart takes both lengths). The text is small: the
  // header and the shape of one change.
  function putTextAndRows(text, rows) {
    const bytes = encoder.encode(text);
    const at = core.textBuffer(bytes.length + rows.length);
    if (at === 0) throw tooLarge(bytes.length + rows.length);
    module.HEAPU8.set(bytes, at);
    module.HEAPU8.set(rows, at + bytes.length);
    return bytes.length;
  }
  function answer() {
    const w = words();
    const from = w[status + 3];
    return u8.subarray(from, from + w[status + 4]);
  }
  return {
    invoke(methodId, text, nowMs, compact) {
      call(methodId, text, nowMs, compact);
      return answer();
    },
    call,
    callId,
    putText,
    putTextAndRows,
    answer,
    answerAt() { return words()[status + 3]; },
    answerLength() { return words()[status + 4]; },
    heapU8() { words(); return u8; },
    heapF64() { return words(); },
    probe(entryId, nowMs) {
      return probeRaw(handle, entryId, nowMs) !== 0;
    },
    failed() { return words()[status] !== 0; },
    events() { return words()[status + 1]; },
    entryId() { return words()[status + 2]; },
  };
}
