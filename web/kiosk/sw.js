// The kiosk's service worker: caches the app shell and the wasm under a versioned name, so
// the kiosk reloads and keeps selling with the network down. The web server replaces the
// version mark with a hash of the shell's files; a new build is a new cache, and the old
// one is deleted when the new worker takes over. API calls (/v1/, /edge/) are never cached.
const VERSION = '__EDGESTAY_SHELL_VERSION__';
const CACHE = `edgestay-kiosk-${VERSION}`;
const SHELL = [
  '/web/kiosk/', '/web/kiosk/kiosk.js', '/web/kiosk/manifest.webmanifest', '/web/kiosk/icon.svg',
  '/web/widget/edgestay-widget.js', '/web/widget/engine-client.js', '/web/widget/engine-worker.js', '/web/widget/words.js',
  '/bindings/js/index.mjs', '/bindings/js/errors.mjs', '/bindings/js/loader.mjs', '/bindings/js/stores.mjs', '/bindings/js/compact.mjs',
  '/bindings/js/args.mjs', '/bindings/js/rows.mjs',
  '/bindings/js/dist/edgestay_core.mjs', '/bindings/js/dist/edgestay_core.wasm', '/sync/client/index.mjs',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL.map((p) => new Request(p, { cache: 'no-cache' })))).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('edgestay-kiosk-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/v1/') || url.pathname.startsWith('/edge/')) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(event.request, { ignoreSearch: true });
    if (hit) return hit;
    return fetch(event.request);
  })());
});
