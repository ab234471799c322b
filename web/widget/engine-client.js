// The page's side of engine-worker.js: starts the module worker and turns its messages
// into promises (call) and listeners (on). Shared by <edgestay-widget> and the kiosk.

// The worker starts from a same-origin blob that imports the real module. Two reasons: a
// page may load the widget from another origin (a CDN), and a Worker must be same-origin
// (that origin must then allow CORS for its module files and the wasm); and a worker's own
// script request bypasses the kiosk's service worker in Chromium, while a blob worker
// inherits the page's service worker, so its imports are served offline.
function startWorker(url) {
  const shim = new Blob([`import ${JSON.stringify(String(url))};`], { type: 'text/javascript' });
  return new Worker(URL.createObjectURL(shim), { type: 'module' });
}

export class EngineClient {
  #worker;
  #next = 1;
  #pending = new Map();
  #listeners = new Map();

  constructor(workerUrl = new URL('./engine-worker.js', import.meta.url)) {
    this.#worker = startWorker(workerUrl);
    this.#worker.onmessage = (e) => this.#receive(e.data);
    this.#worker.onerror = (e) => {
      const error = Object.assign(new Error(e.message || 'the engine worker failed to start'), { code: 'WORKER_FAILED' });
      for (const { reject } of this.#pending.values()) reject(error);
      this.#pending.clear();
      this.#emit('error', error);
    };
  }

  #receive(msg) {
    if (msg.event) {
      this.#emit(msg.event, msg);
      return;
    }
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code, details: msg.error.details }));
  }

  #emit(type, payload) {
    for (const l of this.#listeners.get(type) ?? []) l(payload);
  }

  call(op, args) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op, args });
    });
  }

  on(type, listener) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(listener);
    return () => this.#listeners.get(type).delete(listener);
  }

  terminate() {
    this.#worker.terminate();
  }
}
