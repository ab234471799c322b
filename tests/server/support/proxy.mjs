// An HTTP proxy that can lose responses: it forwards each request to the server, waits
// for the server's complete response (so the server has committed), and then, while
// `dropResponses` > 0, destroys the client connection instead of answering.
import http from 'node:http';

export async function startLossyProxy(targetUrl) {
  const target = new URL(targetUrl);
  const state = { dropResponses: 0, forwarded: 0, dropped: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers, host: target.host, connection: 'close' };
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (upRes) => {
        const parts = [];
        upRes.on('data', (c) => parts.push(c));
        upRes.on('end', () => {
          state.forwarded++;
          if (state.dropResponses > 0) {
            state.dropResponses--;
            state.dropped++;
            req.socket.destroy();  // the server committed; the client never hears of it
            return;
          }
          res.writeHead(upRes.statusCode, upRes.headers);
          res.end(Buffer.concat(parts));
        });
      });
      up.on('error', () => req.socket.destroy());
      up.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    state,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
