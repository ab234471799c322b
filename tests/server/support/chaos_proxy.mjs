// A TCP proxy for partition tests: forwards loopback connections to a server whose port may
// change (a restarted server), and on command drops connections, delays every chunk, or
// truncates responses after a few bytes. Modes apply to connections opened after the change;
// `cut()` also kills every open one (a partition). Driven by the test's seeded PRNG.
import net from 'node:net';

export async function startChaosProxy(targetPort) {
  const state = { target: targetPort, mode: 'pass', delayMs: 0, truncateAt: 0,
    stats: { connections: 0, dropped: 0, truncated: 0, delayed: 0 } };
  const open = new Set();

  const server = net.createServer((client) => {
    state.stats.connections++;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    if (state.mode === 'drop') {
      state.stats.dropped++;
      client.destroy();
      return;
    }
    const mode = state.mode;
    const delay = mode === 'delay' ? state.delayMs : 0;
    const truncateAt = mode === 'truncate' ? state.truncateAt : Infinity;
    if (delay) state.stats.delayed++;
    const up = net.connect(state.target, '127.0.0.1');
    open.add(up);
    up.on('close', () => { open.delete(up); client.destroy(); });
    up.on('error', () => client.destroy());
    client.on('close', () => up.destroy());
    const later = (fn) => (delay ? setTimeout(fn, delay) : fn());
    client.on('data', (d) => later(() => { if (!up.destroyed) up.write(d); }));
    let back = 0;
    up.on('data', (d) => {
      if (back + d.length > truncateAt) {
        // Part of the answer, then the line goes dead: the server did the work.
        const part = d.subarray(0, Math.max(0, truncateAt - back));
        back = truncateAt;
        state.stats.truncated++;
        if (part.length && !client.destroyed) client.write(part);
        up.destroy();
        client.destroy();
        return;
      }
      back += d.length;
      later(() => { if (!client.destroyed) client.write(d); });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    state,
    setTarget(port) { state.target = port; },
    // mode: 'pass' | 'drop' | 'delay' | 'truncate'
    set(mode, { delayMs = 0, truncateAt = 0 } = {}) {
      state.mode = mode;
      state.delayMs = delayMs;
      state.truncateAt = truncateAt;
    },
    cut() {
      for (const s of open) s.destroy();
      open.clear();
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
