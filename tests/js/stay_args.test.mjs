// The fast reader of stay arguments (wasm/src/stay_args.h) against the general path: on
// seeded random stay queries and batches, each written plainly and with one mutation
// (bad or boundary values, other types, escapes, whitespace, key order, duplicate keys),
// the core's answer or error to the text must equal its answer to the same text with an
// extra unknown key — which the fast reader refuses and the general path ignores — in
// the JSON and the compact form alike.
//
// Run: node --test tests/js/stay_args.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine } from '../../bindings/js/index.mjs';
import { coreCaller, loadCore } from '../../bindings/js/loader.mjs';
import { generateDataset, randomStay, Rng } from './support/gen.mjs';

const CASES = 2000;

// Mutations of one field's JSON text (null: leave the field out).
const VALUES = {
  roomTypeId: ['0', '-1', '1.0', '1e2', '"1"', 'null', 'true', '9007199254740991', '9007199254740992',
    '123456789012345', '1234567890123456', '01', ' 7 '],
  checkIn: ['"2026-02-30"', '"2026-2-01"', '20260101', 'null', '"2026-01-01 "', '"\\u0032026-07-01"', '"1899-12-31"',
    '"1900-01-01"', '"2026-13-01"'],
  checkOut: ['"2999-12-31"', '"2026-02-29"', '"2028-02-29"', 'null', '""', '"2026-07-01T00:00"'],
  rooms: ['0', '-1', '1.5', '1e2', '"2"', 'null', '10000', '10001', '01', null, 'true', '3 ', '9999'],
};

function stayText(rng, q) {
  const fields = { roomTypeId: String(q.roomTypeId), checkIn: JSON.stringify(q.checkIn),
    checkOut: JSON.stringify(q.checkOut), rooms: String(q.rooms) };
  if (rng.chance(0.5)) {
    const key = rng.pick(Object.keys(VALUES));
    fields[key] = rng.pick(VALUES[key]);
  }
  let keys = Object.keys(fields).filter((k) => fields[k] !== null);
  if (rng.chance(0.3)) keys = keys.sort(() => rng.next() - 0.5);
  if (rng.chance(0.05)) keys.pop();
  const sep = rng.chance(0.2) ? ' ,\n ' : ',';
  const parts = keys.map((k) => `"${k}"${rng.chance(0.1) ? ' : ' : ':'}${fields[k]}`);
  if (rng.chance(0.03)) parts.push(`"rooms":${rng.int(1, 3)}`);  // a duplicate key
  return `{${parts.join(sep)}}`;
}

const withUnknownKey = (text) => text.replace(/}\s*$/, text.trim() === '{}' ? '"_":0}' : ',"_":0}');

test('the fast stay reader answers exactly as the general path', async () => {
  const ds = generateDataset(7);
  const rng = new Rng(4242);
  const setup = await openEngine({ now: () => ds.now, cache: false });
  for (const batch of ds.batches) setup.applyChanges(batch);
  const image = setup.exportDatabase();
  setup.close();
  const module = await loadCore();
  const core = new module.Core();
  assert.equal(core.open(image), '');
  const ids = new Map(JSON.parse(core.methods()).map((m, i) => [m.name, i]));
  const calls = coreCaller(module, core);
  calls.invoke(ids.get('configureCache'), '{"enabled":false}', ds.now, false);
  const utf8 = new TextDecoder();
  const call = (method, text, compact) => {
    const view = calls.invoke(ids.get(method), text, ds.now, compact);
    return utf8.decode(view.slice()) + (calls.failed() ? ' (failed)' : '');
  };
  let answered = 0;
  for (let i = 0; i < CASES; i++) {
    const one = stayText(rng, randomStay(rng, ds, { unknownShare: 0.05 }));
    const list = Array.from({ length: rng.int(0, 6) }, () => stayText(rng, randomStay(rng, ds, { unknownShare: 0.02 })));
    const nightly = rng.pick(['', '"nightly":true,', '"nightly":false,', '"nightly":null,', '"nightly":1,']);
    const batch = `{${nightly}"queries":[${list.join(',')}]}`;
    for (const compact of [false, true]) {
      const a = call('checkRoomAvailability', one, compact);
      assert.equal(a, call('checkRoomAvailability', withUnknownKey(one), compact), `checkRoomAvailability ${one}`);
      const b = call('batchCheckAvailability', batch, compact);
      assert.equal(b, call('batchCheckAvailability', withUnknownKey(batch), compact), `batchCheckAvailability ${batch}`);
      if (!a.endsWith('(failed)')) answered++;
    }
  }
  // Most texts are valid (the fast path's case), and the mutations make many errors.
  assert.ok(answered > CASES * 0.5 && answered < CASES * 1.9, `answered ${answered} of ${2 * CASES}`);
  core.delete();
});
