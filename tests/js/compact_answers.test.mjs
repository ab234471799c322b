// The compact (binary) answers of the hot questions against the core's JSON answers to
// the same calls: on seeded random datasets, checkRoomAvailability,
// getAllRoomAvailability, batchCheckAvailability and getUserBookingsWithRoomType through
// the public API (which decodes the compact form) must equal the JSON form of the same
// core, key order included, with the cache on and off, nightly and summary forms, status
// filters and payments, unknown ids, stays without inventory rows, and names outside
// ASCII (UTF-16 surrogate pairs).
//
// Run: node --test tests/js/compact_answers.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine } from '../../bindings/js/index.mjs';
import { coreCaller, loadCore } from '../../bindings/js/loader.mjs';
import { compactDecoder } from '../../bindings/js/compact.mjs';
import { generateDataset, randomStay, Rng } from './support/gen.mjs';

const SEEDS = [11, 22, 33];
const CASES = 200;
const utf8 = new TextDecoder();

// Room type names the JSON writer escapes or that take two UTF-16 units per character.
const NAMES = ['Suíte "Mar" \\ vista', 'Habitación 🌊🌊 doble', 'tab\tand\nnewline', '部屋', 'x'.repeat(200)];

function jsonCore(module, image, now) {
  const core = new module.Core();
  assert.equal(core.open(image), '');
  core.setNow(now);
  const ids = new Map(JSON.parse(core.methods()).map((m, i) => [m.name, i]));
  const calls = coreCaller(module, core);
  return (method, args) => {
    const out = utf8.decode(calls.invoke(ids.get(method), JSON.stringify(args), now, false));
    return calls.failed() ? { error: JSON.parse(out).code } : JSON.parse(out);
  };
}

function api(fn) {
  try {
    return fn();
  } catch (e) {
    return { error: e.code };
  }
}

for (const seed of SEEDS) {
  test(`compact answers equal the JSON answers, seed ${seed}`, async () => {
    const ds = generateDataset(seed);
    const rng = new Rng(seed * 977 + 3);
    const setup = await openEngine({ now: () => ds.now, cache: false });
    for (const batch of ds.batches) setup.applyChanges(batch);
    const renamed = ds.data.room_types.slice(0, NAMES.length).map((r, i) => ({ ...r, name: NAMES[i] }));
    setup.applyChanges({ format: 'edgestay.changes/1', since: ds.lastCursor, cursor: 'é-cursor-🌊', syncedAt: null,
      changes: renamed.map((row) => ({ op: 'upsert', table: 'room_types', row })) });
    const image = setup.exportDatabase();
    setup.close();

    const json = jsonCore(await loadCore(), image, ds.now);
    const engines = [
      await openEngine({ now: () => ds.now, snapshot: image, cache: false }),
      await openEngine({ now: () => ds.now, snapshot: image, cache: { admission: 'always' } }),
    ];
    const same = (label, args, want, got) =>
      assert.equal(JSON.stringify(got), JSON.stringify(want), `${label} ${JSON.stringify(args)}`);
    const stays = () => Array.from({ length: rng.int(0, 25) }, () => randomStay(rng, ds, { unknownShare: 0.01 }));
    for (let i = 0; i < CASES; i++) {
      const q = randomStay(rng, ds, { unknownShare: 0.02 });
      const nightly = rng.chance(0.3) ? false : rng.chance(0.5) ? true : undefined;
      const all = { hotelId: rng.chance(0.03) ? 999999 : rng.pick(ds.hotelIds), checkIn: q.checkIn, checkOut: q.checkOut,
        rooms: q.rooms, ...(nightly === undefined ? {} : { nightly }) };
      const batch = stays();
      const STATUSES = ['HELD', 'PENDING_SYNC', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED'];
      const userId = rng.chance(0.05) ? 999999 : rng.pick(ds.userIds);
      const opts = {};
      if (rng.chance(0.3)) opts.status = rng.chance(0.5) ? rng.pick(STATUSES) : [rng.pick(STATUSES), rng.pick(STATUSES)];
      if (rng.chance(0.2)) opts.includePayments = true;
      for (const engine of engines) {
        // Twice each: with the cache on, the second is a hit (the wrapper's kept answer).
        for (let k = 0; k < 2; k++) {
          same('checkRoomAvailability', q, json('checkRoomAvailability', q), api(() => engine.checkRoomAvailability(q)));
          same('getAllRoomAvailability', all, json('getAllRoomAvailability', all),
            api(() => engine.getAllRoomAvailability(all)));
          same('batchCheckAvailability', batch, json('batchCheckAvailability', { nightly, queries: batch }),
            api(() => engine.batchCheckAvailability(batch, { nightly })));
          same('getUserBookingsWithRoomType', { userId, ...opts }, json('getUserBookingsWithRoomType', { ...opts, userId }),
            api(() => engine.getUserBookingsWithRoomType(userId, opts)));
        }
      }
    }
    for (const engine of engines) engine.close();
  });
}

test('the decoder refuses a layout that lacks a slot it reads', () => {
  const layout = { version: 1, frame: ['kind', 'count', 'hotelId', 'nights', 'rooms', 'strBytes'],
    stay: ['roomTypeId'], night: ['available', 'priceCents'], asOf: ['syncedAt', 'cursor', 'strBytes'] };
  assert.throws(() => compactDecoder(JSON.stringify(layout)), /stay has no slot 'hotelId'/);
  assert.throws(() => compactDecoder(JSON.stringify({ ...layout, version: 2 })), /version 2/);
});
