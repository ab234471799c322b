#!/usr/bin/env node
// npm run perf:cache-stats [-- --quick] [--strict] [--json]
//
// Replays a realistic booking-widget session mix on the benchmark's hotel dataset and
// prints engine.cacheStats() as a table.
//
// The session mix (seeded, deterministic): a visitor opens the widget (room types and
// the calendar of the month), pages the calendar forward and back, picks a stay and
// moves its dates a few times (getAllRoomAvailability after each change), opens one or
// two room types of it (checkRoomAvailability), sometimes looks at "my bookings", and
// sometimes books. 80% of visitors look at the
// hot window (the next 8 weeks, weekends most); the rest anywhere in the two years.
// Between sessions the centre syncs small inventory changes (applyChanges), which
// invalidate exactly the entries they touch, and bookings invalidate theirs.
//
// "Hot-data hit rate" = cache hits / (hits + misses) over the read calls that target
// the hot window, measured per call from the difference of cacheStats() around it.
// Target: >= 70% (reported; --strict makes a miss of the target exit 1).
// --sync-every N and --book-rate P change the write mix (0 / 0: a read-only session), to
// see how much of the miss rate is invalidation.
import { Rng, dateOf, dayOf as dayOfDate } from '../../bench/datasets.mjs';
import { has, hasCache, loadHotel, median, parseArgs, table, usUnit } from './common.mjs';

const opts = parseArgs();
if (opts.help) {
  console.log('usage: cache-stats.mjs [--quick] [--strict] [--json] [--sessions N] [--sync-every N (0: no syncs)] [--book-rate P]');
  process.exit(0);
}
const SESSIONS = opts.sessions ?? (opts.quick ? 120 : 1500);
const SYNC_EVERY = opts.syncEvery ?? 10;  // sessions between two inventory syncs (0: never)
const BOOK_RATE = opts.bookRate ?? 0.1;   // share of sessions that book
const HOT_DAYS = 56;
const TARGET = 0.7;

const { ds, engine, loadMs } = await loadHotel({ quick: opts.quick });
const cache = hasCache(engine);
const meta = ds.meta;
const hotelId = meta.hotelIds[0];
const rts = meta.rtByHotel.get(hotelId);
const rng = new Rng(424242);

// ---- cacheStats() shape: totals and per-namespace rows, read tolerantly.
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
function namespaces(stats) {
  if (!stats || typeof stats !== 'object') return {};
  for (const key of ['namespaces', 'byNamespace', 'perNamespace']) {
    if (stats[key] && typeof stats[key] === 'object') {
      if (Array.isArray(stats[key])) return Object.fromEntries(stats[key].map((n) => [n.namespace ?? n.name, n]));
      return stats[key];
    }
  }
  return {};
}
function totals(stats) {
  if (!stats) return { hits: 0, misses: 0 };
  const src = typeof stats.hits === 'number' ? stats : stats.total ?? stats.totals ?? null;
  if (src && typeof src.hits === 'number') return { ...src, hits: num(src.hits), misses: num(src.misses) };
  const sum = { hits: 0, misses: 0 };
  for (const ns of Object.values(namespaces(stats))) {
    sum.hits += num(ns.hits);
    sum.misses += num(ns.misses);
  }
  return sum;
}
const statsNow = () => (cache ? engine.cacheStats() : null);

// ---- the session mix
const firstDay = meta.firstDay;
const span = meta.nights;
function targetDay(hot) {
  if (!hot) return firstDay + rng.int(0, span - 40);
  // weekends of the next 8 weeks are the most wanted
  for (;;) {
    const d = firstDay + rng.skewed(HOT_DAYS, 0.9);
    const dow = (d + 4) % 7;  // 0 = Sunday
    if (dow === 5 || dow === 6 || rng.chance(0.35)) return d;
  }
}
const monthStart = (day) => {
  const s = dateOf(day);
  return `${s.slice(0, 8)}01`;
};

const calls = [];  // { kind, hot, ms, hit }
let bookings = 0;
let syncs = 0;
let syncCursor = ds.batch.cursor;

const seen = new Set();  // argument sets already asked for: a miss on one of them was invalidated (or evicted)

function call(kind, hot, fn, args) {
  const key = `${kind}:${JSON.stringify(args)}`;
  const repeat = seen.has(key);
  seen.add(key);
  const before = cache ? totals(statsNow()) : null;
  const t = performance.now();
  let ok = true;
  try {
    fn();
  } catch {
    ok = false;
  }
  const ms = performance.now() - t;
  let hit = null;
  if (cache) {
    const after = totals(statsNow());
    const dh = after.hits - before.hits;
    const dm = after.misses - before.misses;
    hit = dh + dm === 0 ? null : dh / (dh + dm);
  }
  calls.push({ kind, hot, ms, hit, ok, repeat });
}

function session(n) {
  const hot = rng.chance(0.8);
  const day = targetDay(hot);
  const isHot = (d) => d < firstDay + HOT_DAYS;
  // open the widget
  call('getRoomTypes', true, () => engine.getRoomTypes(hotelId), hotelId);
  let from = monthStart(Math.max(firstDay, day));
  if (from < dateOf(firstDay)) from = dateOf(firstDay);
  call('getCalendar', isHot(day), () => engine.getCalendar({ hotelId, from, days: 30 }), from);
  // page forward and back
  for (let p = rng.int(0, 2); p > 0; p--) {
    const next = Math.min(firstDay + span - 31, day + 30);
    call('getCalendar', isHot(next), () => engine.getCalendar({ hotelId, from: dateOf(next), days: 30 }), dateOf(next));
    call('getCalendar', isHot(day), () => engine.getCalendar({ hotelId, from, days: 30 }), from);
  }
  // pick a stay: the widget asks for every room type of the stay (getAllRoomAvailability)
  // after each change of dates; most stays are 1-3 nights, and a visitor moves the dates
  // by a day or changes the length a few times
  const lengths = [1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 7];
  let nights = rng.pick(lengths);
  let ci = Math.max(firstDay, Math.min(firstDay + span - 10, day));
  let stay = null;
  for (let tries = rng.int(1, 4); tries > 0; tries--) {
    stay = { checkIn: dateOf(ci), checkOut: dateOf(ci + nights) };
    const asked = stay;
    call('getAllRoomAvailability', isHot(ci), () => engine.getAllRoomAvailability({ hotelId, ...asked, rooms: 1 }), asked);
    if (rng.chance(0.5)) ci = Math.max(firstDay, ci + rng.pick([-1, 1, 7]));
    else nights = rng.pick(lengths);
  }
  // open one or two room types of the last stay (details, then the booking form)
  let chosen = null;
  for (let k = rng.int(1, 2); k > 0; k--) {
    const roomTypeId = rts[rng.skewed(rts.length, 0.8)];
    const asked = { roomTypeId, ...stay };
    call('checkRoomAvailability', isHot(dayOfDate(stay.checkIn)), () => {
      const a = engine.checkRoomAvailability({ ...asked, rooms: 1 });
      if (a.available) chosen = asked;
    }, asked);
  }
  // returning guests look at their bookings
  const userId = 1 + rng.skewed(meta.users, 0.3);
  if (rng.chance(0.25)) call('getUserBookingsWithRoomType', true, () => engine.getUserBookingsWithRoomType(userId, {}), userId);
  // some book (a local write: invalidates that room type's dates and the user's entries)
  if (chosen && rng.chance(BOOK_RATE) && has(engine, 'createBooking')) {
    try {
      engine.createBooking({ hotelId, ...chosen, userId, rooms: 1, guests: 1, idempotencyKey: `widget-${n}` });
      bookings++;
    } catch { /* sold out meanwhile */ }
  }
  // the centre syncs a few inventory changes every few sessions
  if (SYNC_EVERY > 0 && n % SYNC_EVERY === SYNC_EVERY - 1) {
    const rows = [];
    for (let k = rng.int(1, 4); k > 0; k--) {
      const d = targetDay(rng.chance(0.5));
      rows.push([rts[rng.int(0, rts.length - 1)], dateOf(d), rng.int(0, 3)]);
    }
    const next = `${ds.name}-sync-${n}`;
    try {
      engine.applyChanges({ format: 'edgestay.changes/1', since: syncCursor, cursor: next, syncedAt: ds.now,
        changes: [{ op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'available'], rows }] });
      syncCursor = next;
      syncs++;
    } catch { /* an available above total: skip this sync */ }
  }
}

const t0 = performance.now();
for (let n = 0; n < SESSIONS; n++) session(n);
const sessionMs = performance.now() - t0;
const stats = statsNow();

// ---- report
const hotCalls = calls.filter((c) => c.hot && c.hit !== null);
const hotHitRate = hotCalls.length ? hotCalls.reduce((s, c) => s + c.hit, 0) / hotCalls.length : null;
const measured = calls.filter((c) => c.hit !== null);
const allHitRate = measured.length ? measured.reduce((s, c) => s + c.hit, 0) / measured.length : null;
const pct = (v) => (v == null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
// Upper bound of any cache on this call sequence: the first call of each argument set
// must miss; a miss on a repeated argument set was invalidated, expired or evicted.
const hotAll = calls.filter((c) => c.hot);
const hotFirst = hotAll.filter((c) => !c.repeat).length;
const hotRepeatMisses = hotCalls.filter((c) => c.repeat && c.hit === 0).length;
const hotCeiling = hotAll.length ? 1 - hotFirst / hotAll.length : null;

const kinds = [...new Set(calls.map((c) => c.kind))];
const perKind = kinds.map((kind) => {
  const list = calls.filter((c) => c.kind === kind);
  const hits = list.filter((c) => c.hit === 1);
  const misses = list.filter((c) => c.hit === 0);
  return { kind, calls: list.length, hot: list.filter((c) => c.hot).length, medianMs: median(list.map((c) => c.ms)),
    hitMs: median(hits.map((c) => c.ms)), missMs: median(misses.map((c) => c.ms)),
    hitRate: list.some((c) => c.hit !== null) ? list.filter((c) => c.hit !== null).reduce((s, c) => s + c.hit, 0) / list.filter((c) => c.hit !== null).length : null };
});

if (opts.json) {
  console.log(JSON.stringify({ quick: opts.quick, sessions: SESSIONS, calls: calls.length, bookings, syncs, cache, stats,
    hotHitRate, allHitRate, hotCeiling, hotRepeatMisses, target: TARGET, perKind }, null, 2));
} else {
  const c = ds.counts;
  console.log(`cache-stats: widget sessions on the hotel dataset${opts.quick ? ' (--quick)' : ''}: ${c.room_types} room types,` +
    ` ${c.room_inventory} inventory rows, ${c.bookings} bookings (loaded in ${loadMs.toFixed(0)} ms)`);
  console.log(`${SESSIONS} sessions, ${calls.length} reads, ${bookings} bookings, ${syncs} syncs in ${(sessionMs / 1000).toFixed(1)} s` +
    ` (${SYNC_EVERY ? `a sync every ${SYNC_EVERY} sessions` : 'no syncs'}, ${BOOK_RATE * 100}% of sessions book)\n`);
  console.log(table([
    ['call', 'calls', 'hot', 'hit rate', 'median µs', 'median µs hit', 'median µs miss'],
    ...perKind.map((k) => [k.kind, k.calls, k.hot, pct(k.hitRate), usUnit(k.medianMs), usUnit(k.hitMs), usUnit(k.missMs)]),
  ]));
  console.log();
  if (!cache) {
    console.log('cacheStats: n/a (this build has no engine.cacheStats / engine.clearCache)');
  } else {
    const ns = namespaces(stats);
    const cols = ['hits', 'misses', 'hitRate', 'entries', 'bytes', 'evictions', 'expirations', 'invalidations'];
    const cell = (o, k) => {
      const v = o?.[k];
      if (k === 'hitRate') {
        const h = num(o?.hits);
        const m = num(o?.misses);
        return typeof v === 'number' ? pct(v) : h + m ? pct(h / (h + m)) : 'n/a';
      }
      return typeof v === 'number' ? v : 'n/a';
    };
    const rows = [['namespace', ...cols.map((k) => (k === 'hitRate' ? 'hit rate' : k))]];
    for (const [name, o] of Object.entries(ns)) rows.push([name, ...cols.map((k) => cell(o, k))]);
    rows.push(['total', ...cols.map((k) => cell({ ...stats, ...totals(stats) }, k))]);
    console.log(table(rows));
    const extra = Object.entries(stats).filter(([k, v]) => typeof v !== 'object' && !cols.includes(k));
    if (extra.length) console.log(`\nother stats: ${extra.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  console.log(`\nhot-data hit rate: ${pct(hotHitRate)} over ${hotCalls.length} hot reads (target >= ${TARGET * 100}%)` +
    `${hotHitRate == null ? '' : hotHitRate >= TARGET ? ': met' : ': MISSED'}; all reads: ${pct(allHitRate)}`);
  console.log(`hot reads: ${hotAll.length}, first asks of an argument set ${hotFirst} (ceiling for any cache: ${pct(hotCeiling)}),` +
    ` misses on a repeated argument set (invalidated, expired or evicted): ${cache ? hotRepeatMisses : 'n/a'}`);
}
engine.close();
if (opts.strict && cache && hotHitRate != null && hotHitRate < TARGET) process.exit(1);
