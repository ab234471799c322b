// A tiny HTTP client for the tests: node:http with a fresh connection per request (no
// keep-alive), so hundreds of concurrent requests each get their own socket and no
// idle connection lingers on a server worker thread.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

// request(baseUrl, { method, path, token, body, rawBody, headers, timeoutMs })
//   -> { status, headers, text, json }   (json is null when the body is not JSON)
export function request(baseUrl, { method = 'GET', path = '/', token, body, rawBody, headers = {}, timeoutMs = 30000 } = {}) {
  const url = new URL(path, baseUrl);
  let payload = null;
  if (rawBody !== undefined) payload = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(String(rawBody));
  else if (body !== undefined) payload = Buffer.from(JSON.stringify(body));
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (payload) {
    h['content-type'] ??= 'application/json';
    h['content-length'] = payload.length;
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: h, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${path}`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

// An API client bound to one server and token.
export function client(baseUrl, token) {
  const call = (method, path, body, extra = {}) => request(baseUrl, { method, path, token, body, ...extra });
  return {
    get: (path, extra) => call('GET', path, undefined, extra),
    post: (path, body, extra) => call('POST', path, body, extra),
    put: (path, body, extra) => call('PUT', path, body, extra),
    patch: (path, body, extra) => call('PATCH', path, body, extra),
    del: (path, extra) => call('DELETE', path, undefined, extra),
    withToken: (t) => client(baseUrl, t),
  };
}
