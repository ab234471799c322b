// Observability of edgestay-server: GET /metrics parses with a strict Prometheus
// text-format (0.0.4) parser written here, its counters move with traffic, and
// --log-format json writes one access-log object per request.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORES, storeOptions, useStore, stopPostgres, booking, addDays } from './support/stores.mjs';
import { request } from './support/http.mjs';

after(stopPostgres);

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text, where) {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value '${text}'`);
  return Number(text);
}

// Parses `{a="x",b="y"}` starting at line[i] === '{'; returns [labels, index after '}'].
function parseLabels(line, i, where) {
  const labels = {};
  i += 1;
  for (;;) {
    if (line[i] === '}') return [labels, i + 1];
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without '='`);
    const name = line.slice(i, eq);
    if (!LABEL.test(name) || name.startsWith('__')) throw new Error(`${where}: bad label name '${name}'`);
    if (name in labels) throw new Error(`${where}: duplicate label '${name}'`);
    if (line[eq + 1] !== '"') throw new Error(`${where}: label value must be quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`${where}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const n = line[j + 1];
        if (n === '\\') value += '\\';
        else if (n === '"') value += '"';
        else if (n === 'n') value += '\n';
        else throw new Error(`${where}: bad escape '\\${n}'`);
        j += 2;
        continue;
      }
      value += c;
      j += 1;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i += 1;
    else if (line[i] !== '}') throw new Error(`${where}: expected ',' or '}' after a label`);
  }
}

// A strict parser: every sample belongs to a family declared by # TYPE before it, a
// family's samples are contiguous, no series repeats, histograms are cumulative with a
// +Inf bucket equal to _count. Returns Map(family -> { type, help, samples[] }).
export function parsePrometheus(text) {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map();
  const seen = new Set();
  let current = null;
  const closed = new Set();
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line === '') throw new Error(`${where}: empty line`);
    if (line.startsWith('#')) {
      const m = line.match(/^# (HELP|TYPE) (\S+) (.*)$/);
      if (!m) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`${where}: malformed ${line}`);
        return;  // a plain comment
      }
      const [, kw, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name '${name}'`);
      if (closed.has(name)) throw new Error(`${where}: family ${name} declared after its samples ended`);
      const f = families.get(name) ?? { type: 'untyped', help: null, samples: [], typed: false };
      if (kw === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type '${rest}'`);
        if (f.typed) throw new Error(`${where}: second TYPE for ${name}`);
        if (f.samples.length) throw new Error(`${where}: TYPE after samples of ${name}`);
        f.type = rest;
        f.typed = true;
      } else {
        if (f.help !== null) throw new Error(`${where}: second HELP for ${name}`);
        f.help = rest;
      }
      families.set(name, f);
      if (current && current !== name) closed.add(current);
      current = name;
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd < 0) throw new Error(`${where}: sample without a value`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`${where}: bad metric name '${name}'`);
    let labels = {};
    let i = nameEnd;
    if (line[i] === '{') [labels, i] = parseLabels(line, i, where);
    if (line[i] !== ' ') throw new Error(`${where}: expected a space before the value`);
    const parts = line.slice(i + 1).split(' ');
    if (parts.length > 2 || parts[0] === '') throw new Error(`${where}: expected 'value [timestamp]'`);
    const value = parseValue(parts[0], where);
    if (parts.length === 2 && !/^-?\d+$/.test(parts[1])) throw new Error(`${where}: bad timestamp`);
    let family = name;
    for (const suffix of ['_bucket', '_sum', '_count']) {
      const base = name.slice(0, -suffix.length);
      if (name.endsWith(suffix) && families.get(base)?.type === 'histogram') family = base;
    }
    const f = families.get(family);
    if (!f || !f.typed) throw new Error(`${where}: sample of ${name} without a # TYPE before it`);
    if (closed.has(family) || current !== family) throw new Error(`${where}: samples of ${family} are not contiguous`);
    if (f.type === 'histogram' && name === family) throw new Error(`${where}: a histogram sample needs _bucket/_sum/_count`);
    if (name.endsWith('_bucket') && f.type === 'histogram' && !('le' in labels)) throw new Error(`${where}: bucket without le`);
    if (f.type === 'counter' && !(value >= 0)) throw new Error(`${where}: a counter must be >= 0`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: series repeated: ${key}`);
    seen.add(key);
    f.samples.push({ name, labels, value });
  });
  for (const [name, f] of families) {
    if (f.type !== 'histogram') continue;
    const series = new Map();
    for (const s of f.samples) {
      const { le, ...rest } = s.labels;
      const k = JSON.stringify(Object.entries(rest).sort());
      if (!series.has(k)) series.set(k, { buckets: [], count: null, sum: null });
      const e = series.get(k);
      if (s.name.endsWith('_bucket')) e.buckets.push([parseValue(le, name), s.value]);
      else if (s.name.endsWith('_count')) e.count = s.value;
      else e.sum = s.value;
    }
    for (const [k, e] of series) {
      if (e.count === null || e.sum === null) throw new Error(`${name}${k}: _count or _sum missing`);
      const les = e.buckets.map(([le]) => le);
      if (les.at(-1) !== Infinity) throw new Error(`${name}${k}: no +Inf bucket`);
      for (let i = 1; i < e.buckets.length; i++) {
        if (!(e.buckets[i][0] > e.buckets[i - 1][0])) throw new Error(`${name}${k}: buckets out of order`);
        if (e.buckets[i][1] < e.buckets[i - 1][1]) throw new Error(`${name}${k}: buckets not cumulative`);
      }
      if (e.buckets.at(-1)[1] !== e.count) throw new Error(`${name}${k}: +Inf bucket != _count`);
    }
  }
  return families;
}

// The value of one series (0 when absent).
function sample(families, name, labels = {}) {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return 0;
}

describe('the Prometheus parser itself', () => {
  it('accepts a well-formed exposition and rejects each kind of malformed one', () => {
    const good = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1\\"q"} 3\n# TYPE h histogram\n' +
      'h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1.5\nh_count 2\n';
    assert.equal(sample(parsePrometheus(good), 'a_total', { x: '1"q' }), 3);
    const bad = [
      'a 1',                                                   // no trailing newline
      'a 1\n',                                                 // no TYPE
      '# TYPE a counter\na -1\n',                              // negative counter
      '# TYPE a counter\na{x="1"} 1\na{x="1"} 2\n',            // repeated series
      '# TYPE a gauge\na{x=1} 1\n',                            // unquoted label
      '# TYPE a gauge\na{x="\\t"} 1\n',                        // bad escape
      '# TYPE a gauge\na one\n',                               // bad value
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',  // not cumulative
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',                          // no +Inf
      '# TYPE a gauge\n# TYPE b gauge\na 1\n',                 // not contiguous
      '# TYPE a gauge\n\na 1\n',                               // empty line
    ];
    for (const text of bad) assert.throws(() => parsePrometheus(text), undefined, JSON.stringify(text));
  });
});

for (const kind of STORES) {
  describe(`metrics and access log (${kind})`, storeOptions(kind), () => {
    const env = useStore(kind, { serverArgs: ['--log-format', 'json'] });

    it('GET /metrics parses strictly and its counters move with traffic', async () => {
      const h = await env.hotel({ rooms: 1, nights: 3 });
      const book = await env.token(h.hotelId, 'book');
      const scrape = async () => {
        const r = await request(env.url, { path: '/metrics' });
        assert.equal(r.status, 200);
        assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
        return parsePrometheus(r.text);
      };
      const m0 = await scrape();
      for (const f of ['edgestay_http_requests_total', 'edgestay_http_request_duration_seconds', 'edgestay_push_mutations_total',
        'edgestay_long_polls_waiting', 'edgestay_changelog_head', 'edgestay_db_pool_connections', 'edgestay_backup_last_timestamp_seconds',
        'edgestay_push_groups_total']) {
        assert.ok(m0.has(f), `${f} is exposed`);
      }
      const route = '/v1/hotels/:id/mutations';
      const before = {
        push200: sample(m0, 'edgestay_http_requests_total', { method: 'POST', route, status: '200' }),
        applied: sample(m0, 'edgestay_push_mutations_total', { result: 'applied' }),
        soldOut: sample(m0, 'edgestay_push_mutations_total', { result: 'rejected', reason: 'sold_out' }),
        pullCount: sample(m0, 'edgestay_http_request_duration_seconds_count', { route: '/v1/hotels/:id/changes' }),
        unauthorized: sample(m0, 'edgestay_http_requests_total', { method: 'GET', route: '/v1/hotels/:id/changes', status: '401' }),
        groups: Object.fromEntries(['group_statement', 'per_mutation', 'savepoints'].map((path) => [path, sample(m0, 'edgestay_push_groups_total', { path })])),
      };
      const push = await request(env.url, {
        method: 'POST', path: `/v1/hotels/${h.hotelId}/mutations`, token: book,
        body: { format: 'edgestay.push/1', clientId: 'metrics-1', mutations: [
          booking(1, 'm-1', { roomTypeId: h.roomTypeId, checkIn: h.dates[0], checkOut: addDays(h.dates[0], 2) }),
          booking(2, 'm-2', { roomTypeId: h.roomTypeId, checkIn: h.dates[1], checkOut: addDays(h.dates[1], 1) }),
        ] },
      });
      assert.deepEqual(push.json.results.map((r) => r.reason ?? r.status), ['applied', 'sold_out']);
      const pulls = 3;
      let cursor;
      for (let i = 0; i < pulls; i++) {
        cursor = (await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes`, token: book })).json.cursor;
      }
      assert.equal((await request(env.url, { path: `/v1/hotels/${h.hotelId}/changes` })).status, 401);

      const m1 = await scrape();
      assert.equal(sample(m1, 'edgestay_http_requests_total', { method: 'POST', route, status: '200' }), before.push200 + 1);
      assert.equal(sample(m1, 'edgestay_push_mutations_total', { result: 'applied' }), before.applied + 1);
      assert.equal(sample(m1, 'edgestay_push_mutations_total', { result: 'rejected', reason: 'sold_out' }), before.soldOut + 1);
      assert.equal(sample(m1, 'edgestay_http_request_duration_seconds_count', { route: '/v1/hotels/:id/changes' }), before.pullCount + pulls + 1);
      assert.equal(sample(m1, 'edgestay_http_requests_total', { method: 'GET', route: '/v1/hotels/:id/changes', status: '401' }), before.unauthorized + 1);
      assert.equal(String(sample(m1, 'edgestay_changelog_head', { hotel: String(h.hotelId) })), cursor, 'the change-log head is the pulled cursor');
      // The push was one group of two plain bookings: on PostgreSQL read once and written in
      // one statement (the second sold out by the first, inside the group), on SQLite
      // mutation by mutation.
      const groups = Object.fromEntries(Object.keys(before.groups).map((path) => [path, sample(m1, 'edgestay_push_groups_total', { path }) - before.groups[path]]));
      assert.deepEqual(groups, kind === 'postgresql'
        ? { group_statement: 1, per_mutation: 0, savepoints: 0 }
        : { group_statement: 0, per_mutation: 1, savepoints: 0 });
      assert.ok(sample(m1, 'edgestay_db_pool_connections', { state: 'max' }) >= 1);
      assert.equal(sample(m1, 'edgestay_store_up'), 1);
      // Every request, /metrics included, is in the histogram's _sum with a real latency.
      assert.ok(sample(m1, 'edgestay_http_request_duration_seconds_sum', { route: '/v1/hotels/:id/mutations' }) > 0);

      // A waiting long-poll shows up in the gauge while it waits.
      const waiting = request(env.url, { path: `/v1/hotels/${h.hotelId}/changes?since=${cursor}&wait=2`, token: book });
      let seen = 0;
      for (let i = 0; i < 40 && seen === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        seen = sample(await scrape(), 'edgestay_long_polls_waiting');
      }
      assert.equal(seen, 1);
      await waiting;
      assert.equal(sample(await scrape(), 'edgestay_long_polls_waiting'), 0);
    });

    it('--log-format json: one JSON object per request with time, client, route, status, bytes and latency', async () => {
      const mark = env.server.stderr().length;
      const r = await request(env.url, { path: '/v1/health' });
      assert.equal(r.status, 200);
      await request(env.url, { path: '/v1/hotels/42/changes' });
      await new Promise((res) => setTimeout(res, 100));
      const lines = env.server.stderr().slice(mark).split('\n').filter((l) => l.startsWith('{'));
      const entries = lines.map((l) => JSON.parse(l));
      const health = entries.find((e) => e.path === '/v1/health');
      assert.ok(health, env.server.stderr().slice(mark));
      assert.match(health.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Math.abs(Date.parse(health.time) - Date.now()) < 60000);
      assert.equal(health.client, '127.0.0.1');
      assert.equal(health.method, 'GET');
      assert.equal(health.route, '/v1/health');
      assert.equal(health.status, 200);
      assert.equal(health.bytes, Buffer.byteLength(r.text));
      assert.ok(typeof health.latencyMs === 'number' && health.latencyMs >= 0);
      const denied = entries.find((e) => e.path === '/v1/hotels/42/changes');
      assert.equal(denied.route, '/v1/hotels/:id/changes');
      assert.equal(denied.status, 401);
    });
  });
}
