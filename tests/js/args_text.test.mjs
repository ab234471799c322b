// The argument text of the one-id methods (args.mjs idText: no JSON.stringify for a
// finite number) against the general path (argsText: JSON.stringify and the non-finite
// check): on seeded random ids of every kind — integers and fractions, numbers past 2^53,
// -0, NaN and the infinities, strings with quotes, backslashes, NUL, controls, non-ASCII
// and lone surrogates, booleans, null, undefined, objects, arrays, dates, BigInt — the
// text is the same, or both throw the same error; and the text of a finite number is
// exactly JSON.stringify's. Through the public API, such ids give the answers and errors
// the same core gives to JSON.stringify's text.
//
// Run: node --test tests/js/args_text.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argsText, idText, plainId } from '../../bindings/js/args.mjs';
import { openEngine } from '../../bindings/js/index.mjs';
import { coreOnDataset } from './support/core_on_dataset.mjs';
import { Rng } from './support/gen.mjs';

const KEYS = ['hotelId', 'bookingId'];

function randomString(rng) {
  const pieces = ['a', 'Z', '0', ' ', '"', '\\', '\u0000', '\n', '\t', '\u001f', '\u007f', 'é', '部', '🌊',
    '\ud800', '\udfff', '\u2028', '/', '</script>', '12'];
  let s = '';
  for (let i = rng.int(0, 6); i > 0; i--) s += rng.pick(pieces);
  return s;
}

function randomId(rng) {
  switch (rng.int(0, 14)) {
    case 0: return rng.int(-1000, 1000);
    case 1: return rng.int(1, 2 ** 31);
    case 2: return (rng.chance(0.5) ? -1 : 1) * (2 ** 53 + rng.int(-4, 4) * 2);
    case 3: return (rng.chance(0.5) ? -1 : 1) * rng.next() * 10 ** rng.int(-330, 330);
    case 4: return rng.pick([-0, 0, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 1e21, 1e-7,
      Number.MAX_SAFE_INTEGER, Number.EPSILON]);
    case 5: return randomString(rng);
    case 6: return rng.chance(0.5);
    case 7: return null;
    case 8: return undefined;
    case 9: return { id: rng.int(1, 9), x: rng.chance(0.3) ? NaN : 'y' };
    case 10: return [rng.int(1, 9), rng.chance(0.3) ? Infinity : null];
    case 11: return new Date(rng.int(0, 2 ** 40));
    case 12: return BigInt(rng.int(0, 100));
    case 13: return String(rng.int(1, 900));
    default: return rng.int(1, 900);
  }
}

function outcome(fn) {
  try {
    return { text: fn() };
  } catch (e) {
    return { error: e.code, message: e.message };
  }
}

test('idText writes what argsText writes, on 20,000 random ids', () => {
  const rng = new Rng(4242);
  let fast = 0;
  for (let i = 0; i < 20000; i++) {
    const key = rng.pick(KEYS);
    const id = randomId(rng);
    const got = outcome(() => idText(key, id));
    const want = outcome(() => argsText({ [key]: id }));
    assert.deepEqual(got, want, `${key}: ${String(id)}`);
    if (typeof id === 'number' && Number.isFinite(id)) {
      fast++;
      assert.equal(got.text, JSON.stringify({ [key]: id }), `${key}: ${id}`);
    }
  }
  assert.ok(fast > 5000, `the fast path was taken ${fast} times`);
});

test('coreCaller.callId sends the bytes of idText\'s text: the same answers, byte for byte', async () => {
  const { ds, core, ids, calls } = await coreOnDataset(11);
  const rng = new Rng(515);
  let plain = 0;
  for (let i = 0; i < 4000; i++) {
    const id = rng.chance(0.4) ? rng.pick(ds.hotelIds) : randomId(rng);
    if (!plainId(id)) continue;
    plain++;
    for (const method of ['getBookingRules', 'getRoomTypes', 'getSpecialDays']) {
      for (const compact of [false, true]) {
        const key = method === 'getSpecialDays' ? 'hotelId' : rng.pick(KEYS);
        const want = calls.invoke(ids.get(method), idText(key, id), ds.now, compact).slice();
        const wantFailed = calls.failed();
        calls.callId(ids.get(method), key, id, ds.now, compact);
        assert.deepEqual(calls.answer().slice(), want, `${method}({ ${key}: ${id} }) compact ${compact}`);
        assert.equal(calls.failed(), wantFailed);
      }
    }
  }
  assert.ok(plain > 1500, `plain ids: ${plain}`);
  core.delete();
});

test('argsText refuses non-finite numbers and what JSON cannot write', () => {
  for (const v of [NaN, Infinity, -Infinity]) {
    assert.throws(() => argsText({ hotelId: v }), (e) => e.code === 'INVALID_ARGUMENT' && e.details.field === 'hotelId');
    assert.throws(() => idText('hotelId', v), (e) => e.code === 'INVALID_ARGUMENT' && e.details.field === 'hotelId');
  }
  assert.throws(() => idText('hotelId', 1n), (e) => e.code === 'INVALID_ARGUMENT' && /cannot be serialized/.test(e.message));
  assert.equal(idText('hotelId', undefined), '{}');
  assert.equal(idText('hotelId', -0), '{"hotelId":0}');
});

test('one-id methods through the API answer as the core answers JSON.stringify\'s text', async () => {
  const { ds, image, core, ids, calls } = await coreOnDataset(7);
  const utf8 = new TextDecoder();
  const json = (method, args) => {
    const out = utf8.decode(calls.invoke(ids.get(method), JSON.stringify(args), ds.now, false));
    return calls.failed() ? { error: JSON.parse(out).code } : JSON.parse(out);
  };
  const engine = await openEngine({ now: () => ds.now, snapshot: image, cache: false });
  const api = (fn) => {
    try {
      return fn();
    } catch (e) {
      return { error: e.code };
    }
  };
  const rng = new Rng(77);
  for (let i = 0; i < 2000; i++) {
    const id = rng.chance(0.5) ? rng.pick(ds.hotelIds) : randomId(rng);
    // Non-finite numbers and BigInt never reach the core (the wrapper refuses them).
    if ((typeof id === 'number' && !Number.isFinite(id)) || typeof id === 'bigint') {
      assert.deepEqual(api(() => engine.getBookingRules(id)), { error: 'INVALID_ARGUMENT' });
      continue;
    }
    for (const method of ['getBookingRules', 'getRoomTypes']) {
      assert.equal(JSON.stringify(api(() => engine[method](id))), JSON.stringify(json(method, { hotelId: id })),
        `${method}(${String(id)})`);
    }
  }
  engine.close();
  core.delete();
});
