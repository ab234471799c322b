// Oracle tests: the engine against a brute-force model of docs/API.md
// (tests/js/support/model.mjs) on seeded random datasets (support/gen.mjs).
//
// Run: node --test tests/js/oracle.test.mjs
// Env: ORACLE_SEEDS=1,2,3 to pick seeds; ORACLE_SCALE=0.2 to run fewer cases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine, EdgestayError } from '../../bindings/js/index.mjs';
import { Model, ModelError, DAY_MS, STATUSES, formatDate } from './support/model.mjs';
import { generateDataset, generateUpdateBatch, applyBatches, randomStay, Rng } from './support/gen.mjs';
import { firstDiff } from './support/diff.mjs';

const SEEDS = (process.env.ORACLE_SEEDS || '101,202,303,404,505,606').split(',').map(Number);
const SCALE = Number(process.env.ORACLE_SCALE || 1);
const n = (k) => Math.max(1, Math.round(k * SCALE));

const CASES = {
  check: n(3000), // x 6 seeds = 18,000 stays
  all: n(200),
  batchChunks: n(50), // x 20 queries
  calendar: n(60),
  stats: n(60),
  occupancy: n(60),
  users: n(100),
  replay: n(600), // per query kind, after the 4th batch and at each clock step
};

const counters = {};
function count(name) {
  counters[name] = (counters[name] || 0) + 1;
}

// ------------------------------------------------------------------ comparison helpers

function report(ctx, query, expected, got, why) {
  const msg = [
    `ORACLE MISMATCH seed=${ctx.seed} now=${ctx.now} (${new Date(ctx.now).toISOString()}) query=${ctx.name}`,
    `  args:     ${JSON.stringify(query)}`,
    `  why:      ${why}`,
    `  expected: ${JSON.stringify(expected)}`,
    `  got:      ${JSON.stringify(got)}`,
  ].join('\n');
  console.error(msg);
  assert.fail(msg);
}

function errInfo(e) {
  if (e instanceof ModelError) return { error: e.code, details: e.details };
  if (e instanceof EdgestayError) return { error: e.code, message: e.message, details: e.details };
  return { error: 'NOT_AN_EDGESTAY_ERROR', message: String(e && e.stack ? e.stack : e) };
}

/** Strip asOf (checking it) from an answer; `nested` for getAllRoomAvailability results. */
function checkAsOf(ctx, query, answer, required) {
  if (answer === null || typeof answer !== 'object') return answer;
  const out = { ...answer };
  if ('asOf' in out) {
    const want = { cursor: ctx.cursor, syncedAt: ctx.syncedAt };
    const d = firstDiff(want, out.asOf, '$.asOf');
    if (d) report(ctx, query, want, out.asOf, `asOf differs: ${d}`);
    delete out.asOf;
  } else if (required) {
    report(ctx, query, 'an asOf field', answer, 'asOf missing');
  }
  return out;
}

/**
 * Run one query on the model and on the engine and compare.
 * normalize(answer) removes asOf from the engine answer (after checking it).
 */
function compare(ctx, query, modelFn, engineFn, normalize, { checkIndex = false } = {}) {
  let expected;
  let expectedErr = null;
  try {
    expected = modelFn();
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    expectedErr = e;
  }
  let got;
  let gotErr = null;
  try {
    got = engineFn();
  } catch (e) {
    gotErr = e;
  }
  if (expectedErr) {
    count(`${ctx.name}:error:${expectedErr.code}`);
    if (!gotErr) report(ctx, query, errInfo(expectedErr), got, `expected error ${expectedErr.code}, got an answer`);
    if (!(gotErr instanceof EdgestayError)) report(ctx, query, errInfo(expectedErr), errInfo(gotErr), 'thrown value is not an EdgestayError');
    if (gotErr.code !== expectedErr.code) report(ctx, query, errInfo(expectedErr), errInfo(gotErr), 'different error code');
    if (checkIndex && expectedErr.details && 'index' in expectedErr.details) {
      const gi = gotErr.details ? gotErr.details.index : undefined;
      if (gi !== expectedErr.details.index) report(ctx, query, errInfo(expectedErr), errInfo(gotErr), 'details.index differs');
    }
    return;
  }
  if (gotErr) report(ctx, query, expected, errInfo(gotErr), 'engine threw, model answered');
  const norm = normalize(got);
  const d = firstDiff(expected, norm);
  if (d) report(ctx, query, expected, got, d);
  // firstDiff uses Object.is; deepStrictEqual as the final word (prototypes, -0, ...)
  try {
    assert.deepStrictEqual(norm, expected);
  } catch (e) {
    report(ctx, query, expected, got, `deepStrictEqual: ${e.message.split('\n').slice(0, 8).join(' ')}`);
  }
  count(`${ctx.name}:ok`);
  if (expected && typeof expected.reason !== 'undefined') count(`${ctx.name}:reason:${expected.reason}`);
}

// ------------------------------------------------------------------ the tests

/** One runner per query kind: compare engine and model on one recorded query. */
function runners(engine) {
  const answerNorm = (ctx, q) => (a) => checkAsOf(ctx, q, a, true);
  return {
    getRoomTypes: (ctx, model, h) => compare(ctx, h, () => model.getRoomTypes(h), () => engine.getRoomTypes(h), (a) => a),
    checkRoomAvailability: (ctx, model, q) => compare(ctx, q, () => model.checkRoomAvailability(q),
      () => engine.checkRoomAvailability({ ...q }), answerNorm(ctx, q)),
    getAllRoomAvailability: (ctx, model, q) => compare(ctx, q, () => model.getAllRoomAvailability(q),
      () => engine.getAllRoomAvailability({ ...q }), (a) => {
        const top = checkAsOf(ctx, q, a, true);
        // AMBIGUITY: the nested answers are "shaped as above"; an asOf there is
        // accepted (and checked) but not required.
        if (top && Array.isArray(top.results)) top.results = top.results.map((r) => checkAsOf(ctx, q, r, false));
        return top;
      }),
    batchCheckAvailability: (ctx, model, qs) => compare(ctx, qs, () => model.batchCheckAvailability(qs),
      () => engine.batchCheckAvailability(qs.map((q) => ({ ...q }))),
      (a) => (Array.isArray(a) ? a.map((x) => checkAsOf(ctx, qs, x, true)) : a), { checkIndex: true }),
    getCalendar: (ctx, model, q) => compare(ctx, q, () => model.getCalendar(q), () => engine.getCalendar({ ...q }), answerNorm(ctx, q)),
    getBookingStatistics: (ctx, model, q) => compare(ctx, q, () => model.getBookingStatistics(q),
      () => engine.getBookingStatistics({ ...q }), (a) => a),
    getOccupancyRate: (ctx, model, q) => compare(ctx, q, () => model.getOccupancyRate(q),
      () => engine.getOccupancyRate({ ...q }), (a) => a),
    getUserBookingsWithRoomType: (ctx, model, [userId, opts]) => compare(ctx, [userId, opts],
      () => model.getUserBookingsWithRoomType(userId, opts),
      () => engine.getUserBookingsWithRoomType(userId, structuredClone(opts)), (a) => a),
  };
}

for (const seed of SEEDS) {
  test(`oracle seed ${seed}`, async (t) => {
    const ds = generateDataset(seed);
    let nowMs = ds.now;
    const model = new Model(ds.data, { now: ds.now });
    const engine = await openEngine({ now: () => nowMs });
    const base = { seed, now: ds.now, cursor: ds.lastCursor, syncedAt: ds.lastSyncedAt };
    const rng = new Rng(seed * 31 + 7);
    const today = Math.floor(ds.now / DAY_MS);
    const run = runners(engine);
    const recorded = {}; // query kind -> queries, replayed after the data and the clock change
    const record = (name, q) => (recorded[name] ||= []).push(q);
    const runNew = (name, q) => {
      record(name, q);
      run[name]({ ...base, name }, model, q);
    };

    await t.test('applyChanges loads the batches', () => {
      for (const batch of ds.batches) {
        const r = engine.applyChanges(batch);
        assert.equal(typeof r, 'object');
        assert.equal(r.cursor, batch.cursor, `applyChanges cursor (seed ${seed})`);
        assert.equal(typeof r.applied, 'number');
      }
    });

    await t.test('getRoomTypes', () => {
      for (const h of [...ds.hotelIds, 999999]) runNew('getRoomTypes', h);
    });

    await t.test('checkRoomAvailability', () => {
      for (let i = 0; i < CASES.check; i++) {
        const q = randomStay(rng, ds);
        if (rng.chance(0.05)) delete q.rooms; // default rooms = 1
        runNew('checkRoomAvailability', q);
      }
    });

    await t.test('getAllRoomAvailability', () => {
      for (let i = 0; i < CASES.all; i++) {
        const s = randomStay(rng, ds, { longShare: 0.1 });
        runNew('getAllRoomAvailability', { hotelId: rng.chance(0.02) ? 999999 : rng.pick(ds.hotelIds), checkIn: s.checkIn, checkOut: s.checkOut, rooms: s.rooms });
      }
    });

    await t.test('batchCheckAvailability (chunks of 20)', () => {
      for (let i = 0; i < CASES.batchChunks; i++) {
        const qs = [];
        for (let j = 0; j < 20; j++) qs.push(randomStay(rng, ds, { longShare: 0.005, unknownShare: 0.002 }));
        runNew('batchCheckAvailability', qs);
      }
    });

    await t.test('getCalendar', () => {
      for (let i = 0; i < CASES.calendar; i++) {
        const days = rng.chance(0.1) ? rng.int(100, 366) : rng.int(1, 45);
        runNew('getCalendar', { hotelId: rng.chance(0.03) ? 999999 : rng.pick(ds.hotelIds), from: formatDate(today + rng.int(-45, 100)), days });
      }
    });

    const randomRange = () => {
      const r = rng.next();
      const hotelId = r < 0.03 ? 999999 : rng.pick(ds.hotelIds);
      const from = rng.int(ds.firstDay - 20, ds.lastDay + 10);
      let len = rng.chance(0.1) ? rng.int(130, 1096) : rng.int(1, 130);
      if (r > 0.97) len = -rng.int(0, 5); // to <= from
      else if (r > 0.95) len = rng.int(1097, 1200); // over the occupancy limit
      return { hotelId, from: formatDate(from), to: formatDate(from + len) };
    };

    await t.test('getBookingStatistics', () => {
      for (let i = 0; i < CASES.stats; i++) runNew('getBookingStatistics', randomRange());
    });

    await t.test('getOccupancyRate', () => {
      for (let i = 0; i < CASES.occupancy; i++) runNew('getOccupancyRate', randomRange());
    });

    await t.test('getUserBookingsWithRoomType', () => {
      for (let i = 0; i < CASES.users; i++) {
        const userId = rng.chance(0.05) ? 424242424 : rng.pick(ds.userIds);
        const opts = {};
        const s = rng.next();
        if (s < 0.3) opts.status = rng.pick(STATUSES);
        else if (s < 0.6) opts.status = rng.shuffle([...STATUSES]).slice(0, rng.int(1, 4));
        const p = rng.next();
        if (p < 0.4) opts.includePayments = true;
        else if (p < 0.7) opts.includePayments = false;
        runNew('getUserBookingsWithRoomType', [userId, opts]);
      }
    });

    /** Replay (a sample of) every recorded query against `m` under `ctx0`, one subtest per kind. */
    const replay = async (t2, m, ctx0, label) => {
      for (const [name, qs] of Object.entries(recorded)) {
        const ctx = { ...ctx0, name: `${name} (${label})` };
        await t2.test(name, () => {
          for (const q of qs.slice(0, CASES.replay)) run[name](ctx, m, q);
        });
      }
    };

    await t.test('the same queries again (answers from the cache must be the same)', (t2) => replay(t2, model, base, 'repeat'));

    // A 4th batch changes inventory, special days, bookings, rules, a clock and a name:
    // every cached answer that depends on them must follow (exact invalidation).
    const b4 = generateUpdateBatch(ds, seed);
    const data4 = applyBatches([...ds.batches, b4]);
    const base4 = { ...base, cursor: b4.cursor, syncedAt: b4.syncedAt };

    await t.test('after a 4th batch', async (t2) => {
      const r = engine.applyChanges(b4);
      assert.equal(r.cursor, b4.cursor);
      await replay(t2, new Model(data4, { now: nowMs }), base4, 'after batch 4');
    });

    // The clock moves: holds expire (pendingLocal shrinks) and "today" changes.
    for (const stepMs of [61000, 15 * 60000, 3 * 3600000, DAY_MS]) {
      await t.test(`clock +${stepMs / 1000}s`, async (t2) => {
        nowMs += stepMs;
        await replay(t2, new Model(data4, { now: nowMs }), { ...base4, now: nowMs }, `clock at ${new Date(nowMs).toISOString()}`);
      });
    }

    if (typeof engine.cacheStats === 'function') {
      console.log(`seed ${seed}: cacheStats ${JSON.stringify(engine.cacheStats()).slice(0, 400)}`);
    }
    engine.close();
  });
}

test('oracle case counts', () => {
  const keys = Object.keys(counters).sort();
  const total = keys.reduce((s, k) => s + (k.includes(':reason:') ? 0 : counters[k]), 0);
  console.log(`oracle: ${total} compared queries`);
  for (const k of keys) console.log(`  ${k}: ${counters[k]}`);
  // the random stays must exercise every reason and the available case
  if (SCALE >= 1) {
    for (const r of ['null', 'lead_time', 'advance_window', 'max_rooms', 'no_inventory', 'stop_sell', 'closed_to_arrival',
      'closed_to_departure', 'min_stay', 'max_stay', 'sold_out']) {
      assert.ok(counters[`checkRoomAvailability:reason:${r}`] > 0, `no stay exercised reason ${r}`);
    }
  }
});
