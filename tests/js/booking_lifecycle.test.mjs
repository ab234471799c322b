// The local booking lifecycle (docs/API.md "Booking lifecycle") against a reference
// model (tests/js/support/booking_model.mjs): a random state-machine run compared step by
// step, then focused tests for idempotency, bad input, waitlist offers and notifications.
//
// Run: node --test tests/js/booking_lifecycle.test.mjs
// Env: EDGESTAY_SOAK=20 multiplies the random operations (default 4 seeds x 12,500 =
//      50,000 steps, ~30 s) for a long soak run; LIFECYCLE_SEEDS=1,2 picks the seeds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine, EdgestayError } from '../../bindings/js/index.mjs';
import { Model, DAY_MS, formatDate, parseDate } from './support/model.mjs';
import { Rng, applyBatches } from './support/gen.mjs';
import { BookingModel, ModelError, checkHistory } from './support/booking_model.mjs';
import { firstDiff } from './support/diff.mjs';

const SOAK = Number(process.env.EDGESTAY_SOAK || 1);
const SEEDS = (process.env.LIFECYCLE_SEEDS || '11,22,33,44').split(',').map(Number);
// EDGESTAY_SOAK multiplies the steps per seed (a long run: EDGESTAY_SOAK=20 is 1,000,000).
const STEPS_PER_SEED = Math.max(100, Math.round(12500 * SOAK));
const FAR_FUTURE = 8.64e15;

// ------------------------------------------------------------------ helpers

function same(expected, got, label) {
  const d = firstDiff(expected, got);
  if (d) {
    assert.fail(`${label}: ${d}\n  expected: ${JSON.stringify(expected)?.slice(0, 1500)}\n  got:      ${JSON.stringify(got)?.slice(0, 1500)}`);
  }
}

function noAsOf(answer) {
  const { asOf, ...rest } = answer;
  assert.equal(typeof asOf, 'object', 'an answer carries asOf');
  return rest;
}

function sameBytes(a, b) {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** Run fn on the model and fn on the engine; same answer or same error code (and reason/index). */
function both(label, modelFn, engineFn) {
  let want;
  let wantErr = null;
  try {
    want = modelFn();
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    wantErr = e;
  }
  let got;
  let gotErr = null;
  try {
    got = engineFn();
  } catch (e) {
    gotErr = e;
  }
  if (wantErr) {
    if (!gotErr) assert.fail(`${label}: expected ${wantErr.code} (${wantErr.message}), engine answered ${JSON.stringify(got)?.slice(0, 600)}`);
    if (!(gotErr instanceof EdgestayError)) assert.fail(`${label}: expected ${wantErr.code}, engine threw ${gotErr.stack}`);
    if (gotErr.code !== wantErr.code) assert.fail(`${label}: expected ${wantErr.code} (${wantErr.message}), got ${gotErr.code} (${gotErr.message})`);
    for (const k of ['reason', 'index']) {
      if (wantErr.details && k in wantErr.details) {
        assert.equal(gotErr.details?.[k], wantErr.details[k], `${label}: ${wantErr.code} details.${k}`);
      }
    }
    return { error: wantErr.code, details: wantErr.details };
  }
  if (gotErr) assert.fail(`${label}: model answered ${JSON.stringify(want)?.slice(0, 600)}, engine threw ${gotErr.code ?? ''} ${gotErr.message}`);
  same(want, got, label);
  return { value: got };
}

/** Engine + listeners capturing 'booking' and 'waitlist' events in order. */
async function open(options, events) {
  const engine = await openEngine(options);
  engine.on('booking', (e) => events.push({ type: 'booking', ...e }));
  engine.on('waitlist', (e) => events.push({ type: 'waitlist', ...e }));
  return engine;
}

// ------------------------------------------------------------------ random dataset
// Small on purpose: few rooms per night so stays sell out, holds compete, waitlists fill.

const OFFSETS = [-600, -300, 0, 60, 330, 600, 840, -840];

function lifecycleDataset(seed) {
  const rng = new Rng(seed * 7717 + 5);
  const nowDay = parseDate('2026-06-01') + rng.int(0, 300);
  const now = nowDay * DAY_MS + rng.int(0, DAY_MS - 1);
  const changes = [];
  const hotelIds = [rng.int(1, 40), rng.int(41, 90)];
  const roomTypes = [];
  let rtId = rng.int(100, 200);
  for (const h of hotelIds) {
    changes.push({ op: 'upsert', table: 'hotels', row: { id: h, name: `Hotel ${h}`, utc_offset_minutes: rng.pick(OFFSETS), currency: rng.pick(['EUR', 'USD']) } });
    const rules = {
      hold_ttl_seconds: rng.pick([60, 120, 300, 900]),
      max_rooms_per_booking: rng.int(2, 4),
      max_nights: rng.int(5, 10),
      min_lead_days: rng.pick([0, 0, 1]),
      max_advance_days: rng.pick([25, 30, 60]),
    };
    for (const [key, value] of Object.entries(rules)) {
      if (rng.chance(0.85)) changes.push({ op: 'upsert', table: 'booking_rules', row: { hotel_id: h, key, value } });
    }
    for (let j = rng.int(2, 3); j > 0; j--) {
      const row = { id: rtId++, hotel_id: h, name: `RT ${h}-${j}`, capacity_adults: rng.int(1, 3), capacity_children: rng.int(0, 2), base_price_cents: rng.int(50, 300) * 100, total_rooms: rng.int(2, 5) };
      roomTypes.push(row);
      changes.push({ op: 'upsert', table: 'room_types', row });
    }
    for (const d of rng.distinct(3, nowDay, nowDay + 30)) {
      changes.push({ op: 'upsert', table: 'special_days', row: { hotel_id: h, date: formatDate(d), kind: rng.pick(['holiday', 'event', 'blackout']), price_multiplier_pct: rng.pick([80, 125, 150]), min_stay: rng.pick([null, null, 2]) } });
    }
  }
  const rows = [];
  for (const rt of roomTypes) {
    for (let d = nowDay - 3; d <= nowDay + 50; d++) {
      if (rng.chance(0.01)) continue; // a gap: no_inventory
      const total = rng.int(1, rt.total_rooms);
      rows.push([rt.id, formatDate(d), total, rng.chance(0.15) ? 0 : rng.int(Math.ceil(total / 2), total),
        rt.base_price_cents + rng.int(-10, 20) * 100 + rng.int(0, 99),
        rng.chance(0.9) ? 1 : rng.int(2, 3), rng.chance(0.95) ? 0 : rng.int(3, 5),
        rng.chance(0.04) ? 1 : 0, rng.chance(0.04) ? 1 : 0, rng.chance(0.02) ? 1 : 0]);
    }
  }
  changes.push({ op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents', 'min_stay', 'max_stay', 'closed_to_arrival', 'closed_to_departure', 'stop_sell'], rows });
  const batch = { format: 'edgestay.changes/1', cursor: `lc-${seed}`, syncedAt: now - 60000, changes };
  return { seed, now, nowDay, batch, tables: applyBatches([batch]), hotelIds, roomTypes };
}

// ------------------------------------------------------------------ the state-machine run

const counts = {};
const bump = (k, n = 1) => { counts[k] = (counts[k] || 0) + n; };

class Run {
  constructor(ds) {
    this.ds = ds;
    this.rng = new Rng(ds.seed * 131 + 1);
    this.now = ds.now;
    this.events = [];
    this.history = new Map(); // booking id -> statuses as the engine showed them
    this.engineSettled = new Set();
    this.soldOut = []; // recent sold-out stays: waitlist candidates
    this.centre = []; // stays the centre accepted: a later batch takes their rooms
    this.keyPool = 150;
    this.step = 0;
  }

  async start() {
    this.engine = await open({ now: () => this.now }, this.events);
    this.engine.applyChanges(this.ds.batch);
    const clientId = this.engine.pendingMutations().clientId;
    assert.match(clientId, /^[A-Za-z0-9_.-]{1,64}$/);
    this.model = new BookingModel(this.ds.tables, { now: this.now, clientId });
    // more users in a soak run, so one user's booking list (compared every step) stays short
    this.users = Array.from({ length: Math.round(30 * Math.max(1, SOAK)) }, (_, i) => 1000 + i);
  }

  async reopen() {
    this.checkEvents('before reopen');
    const image = this.engine.exportDatabase();
    const clientId = this.engine.pendingMutations().clientId;
    this.engine.close();
    this.events.length = 0;
    this.engine = await open({ now: () => this.now, snapshot: image }, this.events);
    assert.equal(this.engine.pendingMutations().clientId, clientId, 'clientId survives exportDatabase -> openEngine');
    bump('reopen');
  }

  label(what) {
    return `seed ${this.ds.seed} step ${this.step} now ${this.now} (${new Date(this.now).toISOString()}) ${what}`;
  }

  randomStay() {
    const { rng, ds, model } = this;
    const hotelId = rng.pick(ds.hotelIds);
    const hotel = model.hotel(hotelId);
    const mine = ds.roomTypes.filter((r) => r.hotel_id === hotelId);
    let roomTypeId = rng.pick(mine).id;
    const r = rng.next();
    let hid = hotelId;
    if (r < 0.03) roomTypeId = rng.pick(ds.roomTypes.filter((x) => x.hotel_id !== hotelId)).id; // another hotel's
    else if (r < 0.04) roomTypeId = 999999;
    else if (r < 0.05) hid = 999;
    const today = model.today(hotel);
    const x = rng.next();
    const ci = x < 0.04 ? today - rng.int(1, 3) : x < 0.07 ? today + rng.int(26, 70) : today + rng.int(0, 24);
    const y = rng.next();
    const nights = y < 0.8 ? rng.int(1, 3) : y < 0.95 ? rng.int(4, 7) : rng.int(8, 14);
    const z = rng.next();
    const rooms = z < 0.75 ? 1 : z < 0.95 ? 2 : rng.int(3, 5);
    return { hotelId: hid, roomTypeId, checkIn: formatDate(ci), checkOut: formatDate(ci + nights), rooms };
  }

  createArgs(hold) {
    const { rng } = this;
    const s = this.randomStay();
    const args = { ...s, userId: rng.pick(this.users) };
    if (rng.chance(0.3)) {
      const rt = this.model.roomType(s.roomTypeId);
      const cap = rt ? (rt.capacity_adults + rt.capacity_children) * s.rooms : 4;
      args.guests = rng.int(1, cap + (rng.chance(0.1) ? 2 : 0));
    }
    if (rng.chance(0.3)) args.idempotencyKey = `k${this.ds.seed}-${rng.int(1, this.keyPool)}`;
    if (hold) args.hold = true;
    else if (rng.chance(0.2)) args.hold = false;
    if (args.rooms === 1 && rng.chance(0.3)) delete args.rooms;
    if (rng.chance(0.03)) {
      // a malformed argument: nothing may be written
      const bad = rng.int(0, 5);
      if (bad === 0) args.rooms = 0;
      else if (bad === 1) args.guests = 'two';
      else if (bad === 2) args.idempotencyKey = '';
      else if (bad === 3) args.hold = 'yes';
      else if (bad === 4) args.checkOut = args.checkIn;
      else args.checkIn = '2026-02-30';
    }
    return args;
  }

  pickBooking(statuses) {
    const { rng, model } = this;
    const r = rng.next();
    if (r < 0.04) return rng.pick([-987654, 424242]);
    if (r < 0.05) return rng.pick([0, 1.5, '-1']);
    const n = -model.minBookingId; // local ids are -1 .. -n
    if (!n) return -1;
    if (r < 0.8) {
      if (statuses.length === 1 && statuses[0] === 'HELD') {
        if (model.held.size) return rng.pick([...model.held]).id;
      } else {
        for (let k = 0; k < 40; k++) {
          const id = -rng.int(1, n);
          if (statuses.includes(model.bookings.get(id).status)) return id;
        }
      }
    }
    return -rng.int(1, n);
  }

  // ---------------------------------------------------------------- operations

  opCreate(hold) {
    const args = this.createArgs(hold);
    const before = this.model.outbox.length;
    const r = both(this.label(`createBooking ${JSON.stringify(args)}`), () => this.model.createBooking({ ...args }), () => this.engine.createBooking({ ...args }));
    if (r.error) {
      bump(`create:${r.error}${r.details?.reason ? `:${r.details.reason}` : ''}`);
      if (r.details?.reason === 'sold_out') this.soldOut.push(args);
      if (this.soldOut.length > 50) this.soldOut.shift();
    } else if (this.model.outbox.length === before) {
      bump('create:idempotent-replay');
    } else {
      bump(hold ? 'create:held' : 'create:pending');
      this.observe(r.value);
      // No night of the stay may be sold beyond what inventory had: the engine's own
      // answer for the stay, after the write, shows no night below zero.
      const a = this.engine.checkRoomAvailability({ roomTypeId: args.roomTypeId, checkIn: args.checkIn, checkOut: args.checkOut, rooms: 1 });
      for (const n of a.nightly) assert.ok(n.available >= 0, this.label(`oversold ${n.date}: ${n.available} after ${JSON.stringify(args)}`));
    }
    return args;
  }

  opConfirm() {
    const id = this.pickBooking(this.rng.chance(0.85) ? ['HELD'] : ['EXPIRED', 'PENDING_SYNC', 'CANCELLED']);
    const r = both(this.label(`confirmHold(${id})`), () => this.model.confirmHold(id), () => this.engine.confirmHold(id));
    bump(`confirmHold:${r.error ?? 'ok'}`);
    if (r.value) this.observe(r.value);
  }

  opCancel() {
    const id = this.pickBooking(['HELD', 'PENDING_SYNC', 'CONFIRMED']);
    const r = both(this.label(`cancelBooking(${id})`), () => this.model.cancelBooking(id), () => this.engine.cancelBooking(id));
    bump(`cancel:${r.error ?? 'ok'}`);
    if (r.value) this.observe(r.value);
  }

  opWaitlist() {
    const { rng } = this;
    const base = this.soldOut.length && rng.chance(0.8) ? rng.pick(this.soldOut) : this.createArgs(false);
    const args = { hotelId: base.hotelId, roomTypeId: base.roomTypeId, userId: rng.pick(this.users), checkIn: base.checkIn, checkOut: base.checkOut };
    if (base.rooms !== undefined) args.rooms = base.rooms;
    const r = both(this.label(`joinWaitlist ${JSON.stringify(args)}`), () => this.model.joinWaitlist({ ...args }), () => this.engine.joinWaitlist({ ...args }));
    bump(`joinWaitlist:${r.error ?? 'ok'}`);
  }

  opClock() {
    const { rng, model } = this;
    const x = rng.next();
    const next = model.nextHoldExpiry();
    let to;
    if (x < 0.35) to = this.now + rng.int(1, 90) * 1000;
    else if (x < 0.6 && next !== null) to = Math.max(this.now, next); // exactly at expiry: expires
    else if (x < 0.7 && next !== null) to = Math.max(this.now, next - 1); // 1 ms before: still held
    else if (x < 0.97) to = this.now + rng.int(30, 1800) * 1000;
    else to = this.now + rng.int(1, 4) * 3600000;
    this.now = to;
    model.setNow(to);
    bump('clock');
    if (rng.chance(0.25)) {
      // the first call after the jump is a change batch
      this.opBatch();
      bump('clock+batch');
    }
  }

  opPush() {
    const { rng, model, engine } = this;
    const before = engine.pendingMutations();
    same(model.pendingMutations(), before, this.label('pendingMutations before push'));
    const pendingSeqs = before.mutations.map((m) => m.seq);
    const results = [];
    for (const m of before.mutations) {
      if (!rng.chance(0.6)) continue;
      const applied = rng.chance(0.8);
      const r = { seq: m.seq, status: applied ? 'applied' : 'rejected' };
      if (applied && m.type === 'createBooking' && rng.chance(0.9)) r.booking = { id: 500000 + m.seq, status: 'CONFIRMED' };
      if (!applied) r.reason = rng.pick(['sold_out', 'invalid', 'stop_sell']);
      results.push(r);
      if (applied && m.type === 'createBooking' && rng.chance(0.6)) this.centre.push(m.args);
    }
    const settled = [...this.engineSettled];
    for (let k = rng.int(0, 2); k > 0 && settled.length; k--) {
      results.push({ seq: rng.pick(settled), status: rng.pick(['applied', 'rejected']), booking: { id: 1 } }); // replay: ignored
    }
    if (rng.chance(0.1)) results.push({ seq: model.outbox.length + rng.int(1, 5), status: 'applied' }); // unknown: ignored
    if (rng.chance(0.2)) rng.shuffle(results);
    if (rng.chance(0.02)) results.splice(rng.int(0, results.length), 0, { seq: 1, status: 'maybe' });
    const input = rng.chance(0.5) ? results : { format: 'edgestay.pushResult/1', clientId: before.clientId, results };
    const r = both(this.label(`applyPushResults ${JSON.stringify(results)}`), () => model.applyPushResults(structuredClone(input)), () => engine.applyPushResults(structuredClone(input)));
    const after = engine.pendingMutations().mutations.map((m) => m.seq);
    const gone = pendingSeqs.filter((s) => !after.includes(s));
    if (r.value) {
      assert.equal(gone.length, r.value.applied + r.value.rejected, this.label('settled count = applied + rejected'));
      bump('push:applied', r.value.applied);
      bump('push:rejected', r.value.rejected);
      bump('push:ignored', r.value.ignored);
    } else {
      assert.equal(gone.length, 0, this.label('a rejected applyPushResults settles nothing'));
      bump(`push:${r.error}`);
    }
    for (const s of gone) {
      assert.ok(!this.engineSettled.has(s), this.label(`seq ${s} settled twice`));
      this.engineSettled.add(s);
    }
  }

  opBatch() {
    const { rng, model, engine } = this;
    const changes = [];
    const seen = new Set();
    const put = (row) => {
      const k = `${row.room_type_id}|${row.date}`;
      if (seen.has(k)) return;
      seen.add(k);
      changes.push({ op: 'upsert', table: 'room_inventory', row });
    };
    // the centre takes the rooms of bookings it accepted
    if (this.centre.length && rng.chance(0.6)) {
      for (const a of this.centre.splice(0, rng.int(1, 4))) {
        for (let d = parseDate(a.checkIn); d < parseDate(a.checkOut); d++) {
          const row = model.inventory.get(`${a.roomTypeId}|${formatDate(d)}`);
          if (row) put({ room_type_id: a.roomTypeId, date: formatDate(d), available: Math.max(0, row.available - a.rooms) });
        }
      }
    }
    const rows = [...model.inventory.values()];
    for (let k = rng.int(1, 6); k > 0; k--) {
      const row = rng.pick(rows);
      const base = { room_type_id: row.room_type_id, date: row.date };
      const what = rng.int(0, 39);
      if (what < 20) put({ ...base, available: rng.int(0, row.total) });
      else if (what < 30) put({ ...base, total: row.total + 1, available: Math.min(row.total + 1, row.available + rng.int(1, 2)) });
      else if (what < 35) put({ ...base, available: 0 });
      else if (what < 39) put({ ...base, stop_sell: rng.chance(0.9) ? 0 : 1 });
      else if (!seen.has(`${row.room_type_id}|${row.date}`)) {
        seen.add(`${row.room_type_id}|${row.date}`);
        changes.push({ op: 'delete', table: 'room_inventory', key: base });
      }
    }
    // the centre opens new nights as the clock moves (and re-fills gaps): a few missing
    // rows of one room type within the next 45 days, inserted with all required columns
    const rt = rng.pick(this.ds.roomTypes);
    const today = model.today(model.hotel(rt.hotel_id));
    for (let d = today, added = 0; d <= today + 45 && added < 4; d++) {
      const date = formatDate(d);
      if (model.inventory.has(`${rt.id}|${date}`) || !rng.chance(0.9)) continue;
      const total = rng.int(1, 4);
      put({ room_type_id: rt.id, date, total, available: rng.int(0, total), price_cents: rt.base_price_cents + rng.int(0, 99) });
      added++;
    }
    if (!changes.length) return;
    const batch = { format: 'edgestay.changes/1', changes };
    model.applyChanges(structuredClone(batch));
    engine.applyChanges(structuredClone(batch));
    bump('batch');
  }

  opNotifications() {
    const { rng, model, engine } = this;
    const until = rng.chance(0.5) ? undefined : this.now + rng.int(0, 3) * DAY_MS;
    const limit = rng.chance(0.3) ? rng.int(1, 20) : undefined;
    const q = {};
    if (until !== undefined) q.until = until;
    if (limit !== undefined) q.limit = limit;
    const due = both(this.label(`getDueNotifications ${JSON.stringify(q)}`), () => model.getDueNotifications({ ...q }), () => engine.getDueNotifications({ ...q })).value;
    const ids = due.filter(() => rng.chance(0.5)).map((n) => n.id);
    if (ids.length) ids.push(ids[0]); // a duplicate counts once
    ids.push(-99999999); // unknown: not counted
    const status = rng.pick(['SENT', 'SENT', 'FAILED', 'CANCELLED']);
    both(this.label(`markNotifications ${JSON.stringify(ids)} ${status}`), () => model.markNotifications(ids, status), () => engine.markNotifications(ids, status));
    bump('notifications');
  }

  // ---------------------------------------------------------------- checks

  observe(b) {
    let h = this.history.get(b.id);
    if (!h) this.history.set(b.id, (h = []));
    if (h[h.length - 1] !== b.status) h.push(b.status);
    checkHistory(h, this.label(`booking ${b.id}`));
  }

  /** The events since the last check, in order: every booking write and every waitlist offer. */
  checkEvents(what, touchedUsers = new Set()) {
    const want = this.model.takeEvents();
    const got = this.events.splice(0);
    same(want, got, this.label(`${what}: events`));
    for (const e of got) {
      if (e.type === 'booking') {
        e.userIds.forEach((u) => touchedUsers.add(u));
        e.bookings.forEach((b) => this.observe(b));
      } else bump('waitlist:offer');
    }
    return touchedUsers;
  }

  checkStep(op, stay) {
    const { model, engine, rng } = this;
    // 1. the op's events
    const touchedUsers = this.checkEvents(op);
    // 2. availability of a few stays (the op's own first)
    const stays = [];
    if (stay && this.model.roomType(stay.roomTypeId)) stays.push(stay);
    while (stays.length < 3) stays.push(this.randomStay());
    for (const s of stays) {
      const q = { roomTypeId: s.roomTypeId, checkIn: s.checkIn, checkOut: s.checkOut };
      if (rng.chance(0.7)) q.rooms = s.rooms ?? 1;
      both(this.label(`${op}: checkRoomAvailability ${JSON.stringify(q)}`), () => model.checkRoomAvailability({ ...q }),
        () => noAsOf(engine.checkRoomAvailability({ ...q })));
    }
    // 3. the outbox: same pending mutations; seqs strictly increasing; settled + pending = 1..N
    const pm = engine.pendingMutations();
    same(model.pendingMutations(), pm, this.label(`${op}: pendingMutations`));
    const seqs = pm.mutations.map((m) => m.seq);
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], this.label('pending seqs strictly increasing'));
    const n = model.outbox.length;
    assert.equal(this.engineSettled.size + seqs.length, n, this.label('settled + pending = N'));
    for (const s of seqs) assert.ok(s >= 1 && s <= n && !this.engineSettled.has(s), this.label(`seq ${s} in 1..${n}, not settled`));
    // 4. the bookings of the users this step touched, field by field (a clock jump's
    //    expiries happen at the first call after it: one of the checks above)
    this.checkEvents(`${op}, checks`, touchedUsers);
    if (stay?.userId) touchedUsers.add(stay.userId);
    for (const u of touchedUsers) {
      same(model.userBookings(u), engine.getUserBookingsWithRoomType(u), this.label(`${op}: bookings of user ${u}`));
    }
  }

  sweep() {
    const { model, engine } = this;
    for (const u of this.users) same(model.userBookings(u), engine.getUserBookingsWithRoomType(u), this.label(`sweep: bookings of user ${u}`));
    same(model.getDueNotifications({ until: FAR_FUTURE, limit: 100000 }), engine.getDueNotifications({ until: FAR_FUTURE, limit: 100000 }), this.label('sweep: queued notifications'));
    const stats = new Model({ ...this.ds.tables, bookings: model.bookingRows() }, { now: this.now });
    for (const h of this.ds.hotelIds) {
      const q = { hotelId: h, from: formatDate(this.ds.nowDay - 5), to: formatDate(this.ds.nowDay + 60) };
      same(stats.getBookingStatistics(q), engine.getBookingStatistics(q), this.label(`sweep: getBookingStatistics ${h}`));
    }
    // every booking's statuses as the model went through them are a legal path too
    for (const b of model.bookings.values()) checkHistory(b.history, this.label(`model booking ${b.id}`));
    bump('sweep');
  }

  runStep() {
    this.step++;
    const x = this.rng.next();
    let op;
    let stay = null;
    if (x < 0.26) { op = 'create'; stay = this.opCreate(false); }
    else if (x < 0.44) { op = 'hold'; stay = this.opCreate(true); }
    else if (x < 0.52) { op = 'confirmHold'; this.opConfirm(); }
    else if (x < 0.60) { op = 'cancel'; this.opCancel(); }
    else if (x < 0.69) { op = 'clock'; this.opClock(); }
    else if (x < 0.76) { op = 'joinWaitlist'; this.opWaitlist(); }
    else if (x < 0.88) { op = 'push'; this.opPush(); }
    else if (x < 0.95) { op = 'batch'; this.opBatch(); }
    else if (x < 0.97) { op = 'notifications'; this.opNotifications(); }
    else { op = 'query'; }
    bump(`op:${op}`);
    this.checkStep(op, stay);
  }
}

for (const seed of SEEDS) {
  test(`state machine: seed ${seed}, ${STEPS_PER_SEED} random operations`, async () => {
    const run = new Run(lifecycleDataset(seed));
    await run.start();
    const half = Math.floor(STEPS_PER_SEED / 2);
    for (let i = 0; i < half; i++) {
      run.runStep();
      if (run.step % 500 === 0) run.sweep();
    }
    // the second half continues on an engine opened from the first half's image
    await run.reopen();
    run.sweep();
    for (let i = half; i < STEPS_PER_SEED; i++) {
      run.runStep();
      if (run.step % 500 === 0) run.sweep();
    }
    run.sweep();
    run.checkEvents('end');
    bump('steps', run.step);
    bump('clock:days', Math.round((run.now - run.ds.now) / DAY_MS));
    run.engine.close();
  });
}

test('state machine: coverage', () => {
  const keys = Object.keys(counts).sort();
  console.log(`booking lifecycle: ${counts.steps} steps over ${SEEDS.length} seeds`);
  for (const k of keys) console.log(`  ${k}: ${counts[k]}`);
  if (SEEDS.length >= 4 && SOAK >= 1) {
    assert.ok(counts.steps >= 50000, 'at least 50,000 random operations');
    for (const k of ['create:pending', 'create:held', 'create:idempotent-replay', 'create:PAST_DATE', 'create:TOO_MANY_ROOMS',
      'create:GUESTS_OVER_CAPACITY', 'create:STAY_TOO_LONG', 'create:UNKNOWN_ROOM_TYPE', 'create:UNKNOWN_HOTEL',
      'create:INVALID_ARGUMENT', 'create:NOT_AVAILABLE:sold_out', 'create:NOT_AVAILABLE:lead_time', 'create:NOT_AVAILABLE:advance_window',
      'confirmHold:ok', 'confirmHold:HOLD_EXPIRED', 'confirmHold:INVALID_STATE', 'confirmHold:UNKNOWN_BOOKING', 'cancel:ok',
      'cancel:INVALID_STATE', 'joinWaitlist:ok', 'joinWaitlist:NOT_SOLD_OUT', 'push:applied', 'push:rejected', 'push:ignored',
      'push:INVALID_ARGUMENT', 'waitlist:offer', 'clock+batch', 'reopen']) {
      assert.ok(counts[k] > 0, `the random run never exercised ${k}`);
    }
  }
});

// ------------------------------------------------------------------ a hand-made fixture
// 2026-06-10 12:00 UTC. Hotel 1 (UTC+1): hold TTL 600 s, at most 3 rooms per booking,
// 10 nights, 60 days ahead. Hotel 2 (UTC-5): check-in at least 2 days ahead.
// Room type 10 "Double" (2+1 guests), 4 rooms, 2 free a night, with one night per reason;
// 11 "Single" (1 guest), 1 free a night; 20 "Suite" at hotel 2, 1 free a night.

const T0 = Date.UTC(2026, 5, 10, 12, 0, 0);

function fixtureBatch() {
  const inv = [];
  for (let d = parseDate('2026-06-08'); d <= parseDate('2026-07-31'); d++) {
    const date = formatDate(d);
    if (date !== '2026-06-22') {
      inv.push({
        room_type_id: 10, date, total: 4, available: date === '2026-06-20' ? 0 : 2, price_cents: 10000,
        stop_sell: date === '2026-06-24', closed_to_arrival: date === '2026-06-26', closed_to_departure: date === '2026-06-28',
        min_stay: date === '2026-07-01' ? 3 : 1, max_stay: date === '2026-07-05' ? 2 : 0,
      });
    }
    inv.push({ room_type_id: 11, date, total: 2, available: 1, price_cents: 6000 });
    inv.push({ room_type_id: 20, date, total: 1, available: 1, price_cents: 30000 });
  }
  const cols = ['room_type_id', 'date', 'total', 'available', 'price_cents', 'stop_sell', 'closed_to_arrival', 'closed_to_departure', 'min_stay', 'max_stay'];
  const rule = (hotel_id, key, value) => ({ op: 'upsert', table: 'booking_rules', row: { hotel_id, key, value } });
  return {
    format: 'edgestay.changes/1', cursor: 'fx-1', syncedAt: T0 - 60000,
    changes: [
      { op: 'upsert', table: 'hotels', row: { id: 1, name: 'Harbour', currency: 'EUR', utc_offset_minutes: 60 } },
      { op: 'upsert', table: 'hotels', row: { id: 2, name: 'Ridge', currency: 'USD', utc_offset_minutes: -300 } },
      rule(1, 'max_rooms_per_booking', 3), rule(1, 'hold_ttl_seconds', 600), rule(1, 'max_nights', 10), rule(1, 'max_advance_days', 60),
      rule(2, 'min_lead_days', 2),
      { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: 1, name: 'Double', capacity_adults: 2, capacity_children: 1, base_price_cents: 10000, total_rooms: 4 } },
      { op: 'upsert', table: 'room_types', row: { id: 11, hotel_id: 1, name: 'Single', capacity_adults: 1, capacity_children: 0, base_price_cents: 6000, total_rooms: 2 } },
      { op: 'upsert', table: 'room_types', row: { id: 20, hotel_id: 2, name: 'Suite', capacity_adults: 2, capacity_children: 0, base_price_cents: 30000, total_rooms: 1 } },
      { op: 'upsert', table: 'special_days', row: { hotel_id: 1, date: '2026-07-10', kind: 'holiday', price_multiplier_pct: 150 } },
      { op: 'upsert', table: 'room_inventory', columns: cols, rows: inv.map((r) => cols.map((c) => r[c] ?? (c === 'min_stay' ? 1 : c === 'max_stay' ? 0 : false))) },
    ],
  };
}

/** A fresh engine on the fixture; `f.now` is its clock, `f.events` what it emitted. */
async function fresh(options = {}) {
  const f = { now: T0, events: [] };
  f.engine = await open({ now: () => f.now, ...options }, f.events);
  if (!options.snapshot) f.engine.applyChanges(fixtureBatch());
  return f;
}

function expectCode(fn, code, label) {
  let err = null;
  let out;
  try {
    out = fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${label}: expected ${code}, got ${JSON.stringify(out)?.slice(0, 300)}`);
  assert.ok(err instanceof EdgestayError, `${label}: not an EdgestayError: ${err?.stack}`);
  assert.equal(err.code, code, `${label}: ${err.message}`);
  return err;
}

const seqsOf = (engine) => engine.pendingMutations().mutations.map((m) => m.seq);
const mutation = (engine, type) => engine.pendingMutations().mutations.filter((m) => m.type === type);
const bookingEvents = (f) => f.events.filter((e) => e.type === 'booking');
const offers = (f) => f.events.filter((e) => e.type === 'waitlist').map((e) => e.entry);
const single = { hotelId: 1, roomTypeId: 11, checkIn: '2026-06-15', checkOut: '2026-06-16' }; // 1 room free

// ------------------------------------------------------------------ idempotency

test('idempotency: ten creates with one key make one booking and one mutation, across a snapshot', async () => {
  const f = await fresh();
  const args = { ...single, checkOut: '2026-06-17', userId: 7, idempotencyKey: 'kiosk-7-0001' };
  const first = f.engine.createBooking(args);
  assert.equal(first.id, -1);
  assert.equal(first.status, 'PENDING_SYNC');
  assert.equal(first.idempotencyKey, 'kiosk-7-0001');
  // The key decides before anything else about the stay: a retry with other details, a
  // stay that has sold out since (the Single is now full), or a past date, gets the original.
  const variants = [args, args, { ...args, userId: 8 }, { ...args, checkIn: '2026-06-01', checkOut: '2026-06-02' },
    { ...args, rooms: 2, guests: 2 }, { ...args, hold: true }, args, { ...args, checkOut: '2026-07-30' }, args];
  for (const v of variants) same(first, f.engine.createBooking(v), `retry ${JSON.stringify(v)}`);
  assert.equal(bookingEvents(f).length, 1, 'only the first create raised a booking event');
  const creates = mutation(f.engine, 'createBooking');
  assert.equal(creates.length, 1);
  assert.equal(creates[0].idempotencyKey, 'kiosk-7-0001');
  assert.equal(f.engine.getUserBookingsWithRoomType(7).length, 1);
  assert.equal(f.engine.getUserBookingsWithRoomType(8).length, 0);
  // Argument and identity checks still come first.
  expectCode(() => f.engine.createBooking({ ...args, rooms: 0 }), 'INVALID_ARGUMENT', 'bad rooms with a known key');
  expectCode(() => f.engine.createBooking({ ...args, roomTypeId: 20 }), 'UNKNOWN_ROOM_TYPE', 'known key, room type of hotel 2');
  // The key is per hotel: the same key at hotel 2 is another booking.
  const other = f.engine.createBooking({ hotelId: 2, roomTypeId: 20, userId: 7, checkIn: '2026-06-13', checkOut: '2026-06-14', idempotencyKey: 'kiosk-7-0001' });
  assert.equal(other.id, -2);
  // A hold, to expire after the snapshot.
  const hold = f.engine.createBooking({ ...single, checkIn: '2026-06-25', checkOut: '2026-06-26', userId: 9, hold: true, idempotencyKey: 'kiosk-9-hold' });
  assert.equal(hold.holdExpiresAt, T0 + 600000);
  const before = f.engine.pendingMutations();
  assert.deepEqual(before.mutations.map((m) => m.seq), [1, 2, 3]);

  const image = f.engine.exportDatabase();
  f.engine.close();
  const g = await fresh({ snapshot: image });
  same(before, g.engine.pendingMutations(), 'pendingMutations after openEngine({ snapshot })');
  same(first, g.engine.createBooking(args), 'the key after the snapshot');
  same(hold, g.engine.createBooking({ ...single, userId: 9, hold: true, idempotencyKey: 'kiosk-9-hold' }), 'the hold key after the snapshot');
  assert.equal(g.events.length, 0);
  // New writes continue the id and seq sequences and keep the client id.
  const next = g.engine.createBooking({ hotelId: 1, roomTypeId: 10, userId: 10, checkIn: '2026-06-12', checkOut: '2026-06-13' });
  assert.equal(next.id, -4);
  assert.equal(next.idempotencyKey, `${before.clientId}:booking:4`);
  const after = g.engine.pendingMutations();
  assert.equal(after.clientId, before.clientId);
  assert.deepEqual(after.mutations.map((m) => m.seq), [1, 2, 3, 4]);
  // The hold still expires on time in the reopened engine.
  g.now = hold.holdExpiresAt;
  g.engine.checkRoomAvailability({ roomTypeId: 11, checkIn: '2026-06-25', checkOut: '2026-06-26' });
  const expired = g.engine.getUserBookingsWithRoomType(9)[0];
  assert.equal(expired.status, 'EXPIRED');
  assert.equal(expired.updatedAt, hold.holdExpiresAt);
  const expire = g.engine.pendingMutations().mutations.at(-1);
  same({ seq: 5, type: 'cancelBooking', idempotencyKey: 'kiosk-9-hold:expire', args: { bookingId: hold.id, localId: hold.id, reason: 'expired' } }, expire, 'expiry mutation');
  // An expired booking's key still returns it (the original outcome).
  assert.equal(g.engine.createBooking({ ...single, userId: 9, idempotencyKey: 'kiosk-9-hold' }).status, 'EXPIRED');
  g.engine.close();
});

// ------------------------------------------------------------------ bad input

test('bad input: each mistake has its code and writes nothing', async (t) => {
  const f = await fresh();
  const { engine } = f;
  // Some state to protect: a booking, a hold (then expired), a waitlist entry, a settled mutation.
  const booked = engine.createBooking({ ...single, userId: 1 });
  const held = engine.createBooking({ hotelId: 1, roomTypeId: 10, checkIn: '2026-06-12', checkOut: '2026-06-13', userId: 2, hold: true });
  engine.joinWaitlist({ ...single, userId: 3 });
  engine.createBooking({ hotelId: 1, roomTypeId: 10, checkIn: '2026-06-14', checkOut: '2026-06-15', userId: 6 });
  engine.applyPushResults([{ seq: 4, status: 'applied', booking: { id: 9001 } }]);
  f.now = held.holdExpiresAt + 1;
  engine.getDueNotifications(); // expires the hold now, so later calls have nothing left to expire
  const cancelled = engine.createBooking({ hotelId: 1, roomTypeId: 10, checkIn: '2026-06-13', checkOut: '2026-06-14', userId: 4 });
  engine.cancelBooking(cancelled.id);
  assert.ok(sameBytes(engine.exportDatabase(), engine.exportDatabase()), 'exportDatabase() is deterministic');

  const ok = { hotelId: 1, roomTypeId: 10, userId: 5, checkIn: '2026-06-15', checkOut: '2026-06-17' };
  const cases = [
    ['unknown room type', () => engine.createBooking({ ...ok, roomTypeId: 999 }), 'UNKNOWN_ROOM_TYPE'],
    ['room type of another hotel', () => engine.createBooking({ ...ok, roomTypeId: 20 }), 'UNKNOWN_ROOM_TYPE'],
    ['unknown hotel', () => engine.createBooking({ ...ok, hotelId: 77 }), 'UNKNOWN_HOTEL'],
    ['guests over capacity (3 per Double)', () => engine.createBooking({ ...ok, guests: 4 }), 'GUESTS_OVER_CAPACITY'],
    ['guests over capacity (2 rooms)', () => engine.createBooking({ ...ok, rooms: 2, guests: 7 }), 'GUESTS_OVER_CAPACITY'],
    ['rooms over max_rooms_per_booking', () => engine.createBooking({ ...ok, rooms: 4 }), 'TOO_MANY_ROOMS'],
    ['check-in yesterday', () => engine.createBooking({ ...ok, checkIn: '2026-06-09', checkOut: '2026-06-11' }), 'PAST_DATE'],
    ['stay over max_nights', () => engine.createBooking({ ...ok, checkOut: '2026-06-26' }), 'STAY_TOO_LONG'],
    ['checkOut = checkIn', () => engine.createBooking({ ...ok, checkOut: ok.checkIn }), 'INVALID_RANGE'],
    ['not a date', () => engine.createBooking({ ...ok, checkIn: '2026-06-31' }), 'INVALID_DATE'],
    ['key: number', () => engine.createBooking({ ...ok, idempotencyKey: 42 }), 'INVALID_ARGUMENT'],
    ['key: empty string', () => engine.createBooking({ ...ok, idempotencyKey: '' }), 'INVALID_ARGUMENT'],
    ['key: 200 characters', () => engine.createBooking({ ...ok, idempotencyKey: 'k'.repeat(200) }), 'INVALID_ARGUMENT'],
    ['key: 129 characters', () => engine.createBooking({ ...ok, idempotencyKey: 'k'.repeat(129) }), 'INVALID_ARGUMENT'],
    ['key: object', () => engine.createBooking({ ...ok, idempotencyKey: { id: 1 } }), 'INVALID_ARGUMENT'],
    ['key: array', () => engine.createBooking({ ...ok, idempotencyKey: ['a'] }), 'INVALID_ARGUMENT'],
    ['hold: string', () => engine.createBooking({ ...ok, hold: 'yes' }), 'INVALID_ARGUMENT'],
    ['hold: 1', () => engine.createBooking({ ...ok, hold: 1 }), 'INVALID_ARGUMENT'],
    ['rooms: NaN', () => engine.createBooking({ ...ok, rooms: NaN }), 'INVALID_ARGUMENT'],
    ['rooms: Infinity', () => engine.createBooking({ ...ok, rooms: Infinity }), 'INVALID_ARGUMENT'],
    ['rooms: 0', () => engine.createBooking({ ...ok, rooms: 0 }), 'INVALID_ARGUMENT'],
    ['rooms: 1.5', () => engine.createBooking({ ...ok, rooms: 1.5 }), 'INVALID_ARGUMENT'],
    ['rooms: "2"', () => engine.createBooking({ ...ok, rooms: '2' }), 'INVALID_ARGUMENT'],
    ['rooms: null', () => engine.createBooking({ ...ok, rooms: null }), 'INVALID_ARGUMENT'],
    ['guests: 0', () => engine.createBooking({ ...ok, guests: 0 }), 'INVALID_ARGUMENT'],
    ['guests: NaN', () => engine.createBooking({ ...ok, guests: NaN }), 'INVALID_ARGUMENT'],
    ['userId missing', () => engine.createBooking({ ...ok, userId: undefined }), 'INVALID_ARGUMENT'],
    ['hotelId: -1', () => engine.createBooking({ ...ok, hotelId: -1 }), 'INVALID_ARGUMENT'],
    ['not an object', () => engine.createBooking('book it'), 'INVALID_ARGUMENT'],
    ['NOT_AVAILABLE sold_out', () => engine.createBooking({ ...ok, checkIn: '2026-06-19', checkOut: '2026-06-21' }), 'NOT_AVAILABLE', 'sold_out'],
    ['NOT_AVAILABLE sold_out (local booking holds the room)', () => engine.createBooking({ ...single, userId: 5 }), 'NOT_AVAILABLE', 'sold_out'],
    ['NOT_AVAILABLE no_inventory', () => engine.createBooking({ ...ok, checkIn: '2026-06-21', checkOut: '2026-06-23' }), 'NOT_AVAILABLE', 'no_inventory'],
    ['NOT_AVAILABLE stop_sell', () => engine.createBooking({ ...ok, checkIn: '2026-06-24', checkOut: '2026-06-25' }), 'NOT_AVAILABLE', 'stop_sell'],
    ['NOT_AVAILABLE closed_to_arrival', () => engine.createBooking({ ...ok, checkIn: '2026-06-26', checkOut: '2026-06-27' }), 'NOT_AVAILABLE', 'closed_to_arrival'],
    ['NOT_AVAILABLE closed_to_departure', () => engine.createBooking({ ...ok, checkIn: '2026-06-27', checkOut: '2026-06-28' }), 'NOT_AVAILABLE', 'closed_to_departure'],
    ['NOT_AVAILABLE min_stay', () => engine.createBooking({ ...ok, checkIn: '2026-07-01', checkOut: '2026-07-03' }), 'NOT_AVAILABLE', 'min_stay'],
    ['NOT_AVAILABLE max_stay', () => engine.createBooking({ ...ok, checkIn: '2026-07-05', checkOut: '2026-07-08' }), 'NOT_AVAILABLE', 'max_stay'],
    ['NOT_AVAILABLE advance_window', () => engine.createBooking({ ...ok, checkIn: '2026-08-15', checkOut: '2026-08-16' }), 'NOT_AVAILABLE', 'advance_window'],
    ['NOT_AVAILABLE lead_time', () => engine.createBooking({ hotelId: 2, roomTypeId: 20, userId: 5, checkIn: '2026-06-11', checkOut: '2026-06-12' }), 'NOT_AVAILABLE', 'lead_time'],
    ['confirmHold: unknown id', () => engine.confirmHold(-99), 'UNKNOWN_BOOKING'],
    ['confirmHold: a PENDING_SYNC booking', () => engine.confirmHold(booked.id), 'INVALID_STATE'],
    ['confirmHold: an expired hold', () => engine.confirmHold(held.id), 'HOLD_EXPIRED'],
    ['confirmHold: id 0', () => engine.confirmHold(0), 'INVALID_ARGUMENT'],
    ['confirmHold: id "x"', () => engine.confirmHold('x'), 'INVALID_ARGUMENT'],
    ['cancelBooking: unknown id', () => engine.cancelBooking(123456), 'UNKNOWN_BOOKING'],
    ['cancelBooking: a cancelled booking', () => engine.cancelBooking(cancelled.id), 'INVALID_STATE'],
    ['cancelBooking: an expired hold', () => engine.cancelBooking(held.id), 'INVALID_STATE'],
    ['cancelBooking: NaN', () => engine.cancelBooking(NaN), 'INVALID_ARGUMENT'],
    ['joinWaitlist: an available stay', () => engine.joinWaitlist({ ...ok }), 'NOT_SOLD_OUT', null],
    ['joinWaitlist: stop_sell', () => engine.joinWaitlist({ ...ok, checkIn: '2026-06-24', checkOut: '2026-06-25' }), 'NOT_SOLD_OUT', 'stop_sell'],
    ['joinWaitlist: room type of another hotel', () => engine.joinWaitlist({ ...single, roomTypeId: 20, userId: 5 }), 'UNKNOWN_ROOM_TYPE'],
    ['applyPushResults: not a list', () => engine.applyPushResults({ results: 'all good' }), 'INVALID_ARGUMENT'],
    ['applyPushResults: bad status', () => engine.applyPushResults([{ seq: 2, status: 'applied' }, { seq: 3, status: 'ok' }]), 'INVALID_ARGUMENT'],
    ['applyPushResults: seq not an integer', () => engine.applyPushResults([{ seq: '2', status: 'applied' }]), 'INVALID_ARGUMENT'],
    ['markNotifications: bad status', () => engine.markNotifications([-1], 'READ'), 'INVALID_ARGUMENT'],
    ['getDueNotifications: limit 0', () => engine.getDueNotifications({ limit: 0 }), 'INVALID_ARGUMENT'],
  ];
  for (const [label, fn, code, reason] of cases) {
    await t.test(label, () => {
      const image = engine.exportDatabase();
      const pending = engine.pendingMutations();
      f.events.length = 0;
      const err = expectCode(fn, code, label);
      if (reason !== undefined) assert.equal(err.details.reason, reason, `${label}: details.reason`);
      if (label.startsWith('applyPushResults: bad status')) assert.equal(err.details.index, 1, 'details.index names the bad result');
      assert.ok(sameBytes(engine.exportDatabase(), image), `${label}: exportDatabase() bytes changed`);
      same(pending, engine.pendingMutations(), `${label}: pendingMutations changed`);
      assert.equal(f.events.length, 0, `${label}: events fired`);
    });
  }
  // And an idempotent replay writes nothing either, sold out or not.
  const image = engine.exportDatabase();
  same(booked, engine.createBooking({ ...single, userId: 1, idempotencyKey: booked.idempotencyKey }), 'replay by the generated key');
  assert.ok(sameBytes(engine.exportDatabase(), image), 'an idempotent replay writes nothing');
  engine.close();
});

// ------------------------------------------------------------------ statuses, outbox and push results

test('hold -> confirm -> push, cancel with the central id, rejections never block, replays are ignored', async () => {
  const f = await fresh();
  const { engine } = f;
  const hold = engine.createBooking({ hotelId: 1, roomTypeId: 10, userId: 1, checkIn: '2026-07-09', checkOut: '2026-07-11', rooms: 2, hold: true });
  // 2 nights x 2 rooms; 2026-07-10 is a 150% holiday: (10000 + 15000) x 2
  assert.equal(hold.totalCents, 50000);
  assert.equal(hold.status, 'HELD');
  assert.equal(hold.holdExpiresAt, T0 + 600000);
  assert.equal(engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2026-07-09', checkOut: '2026-07-11' }).nightly[0].available, 0, 'a hold takes its rooms');
  const [create] = engine.pendingMutations().mutations;
  same({ seq: 1, type: 'createBooking', idempotencyKey: hold.idempotencyKey, args: {
    hotelId: 1, roomTypeId: 10, userId: 1, checkIn: '2026-07-09', checkOut: '2026-07-11', rooms: 2, guests: 2,
    localId: -1, totalCents: 50000, hold: true, holdExpiresAt: hold.holdExpiresAt } }, create, 'createBooking mutation');
  // The centre accepts the hold: it stays HELD, with its central id; its rooms are the centre's now.
  f.now += 1000;
  same({ applied: 1, rejected: 0, ignored: 0 }, engine.applyPushResults([{ seq: 1, status: 'applied', booking: { id: 7001 } }]), 'push 1');
  let b = engine.getUserBookingsWithRoomType(1)[0];
  assert.equal(b.status, 'HELD');
  assert.equal(b.serverId, 7001);
  assert.equal(b.updatedAt, f.now);
  // The accepted hold keeps its rooms locally until the centre's own row for it arrives
  // (with the inventory it decremented): no gap in which a kiosk could resell them.
  assert.equal(engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2026-07-09', checkOut: '2026-07-11' }).nightly[0].available, 0);
  same({ applied: 0, rejected: 0, ignored: 2 }, engine.applyPushResults({ results: [{ seq: 1, status: 'rejected' }, { seq: 99, status: 'applied' }] }), 'replay + unknown seq');
  assert.equal(engine.getUserBookingsWithRoomType(1)[0].status, 'HELD');

  b = engine.confirmHold(hold.id);
  assert.equal(b.status, 'PENDING_SYNC');
  const confirm = engine.pendingMutations().mutations[0];
  same({ seq: 2, type: 'confirmHold', idempotencyKey: `${hold.idempotencyKey}:confirm`, args: { bookingId: 7001, localId: -1 } }, confirm, 'confirmHold mutation');
  engine.applyPushResults([{ seq: 2, status: 'applied' }]);
  assert.equal(engine.getUserBookingsWithRoomType(1)[0].status, 'CONFIRMED');
  engine.cancelBooking(hold.id);
  same({ seq: 3, type: 'cancelBooking', idempotencyKey: `${hold.idempotencyKey}:cancel`, args: { bookingId: 7001, localId: -1 } },
    engine.pendingMutations().mutations[0], 'cancel names the central id');
  assert.equal(engine.getUserBookingsWithRoomType(1)[0].status, 'CANCELLED');

  // A rejected create rolls the booking to REJECTED and frees its rooms at once; the
  // mutations after it still apply.
  const a = engine.createBooking({ ...single, userId: 2 });
  const c = engine.createBooking({ ...single, checkIn: '2026-06-16', checkOut: '2026-06-17', userId: 3 });
  assert.equal(engine.checkRoomAvailability({ roomTypeId: 11, checkIn: '2026-06-15', checkOut: '2026-06-16' }).available, false);
  const seqs = seqsOf(engine); // [3 (the cancel), 4 (a), 5 (c)]
  same({ applied: 2, rejected: 1, ignored: 0 }, engine.applyPushResults([
    { seq: seqs[1], status: 'rejected', reason: 'sold_out' },
    { seq: seqs[2], status: 'applied', booking: { id: 7002 } },
    { seq: seqs[0], status: 'applied' },
  ]), 'mixed verdicts');
  assert.equal(engine.getUserBookingsWithRoomType(2)[0].status, 'REJECTED');
  assert.equal(engine.getUserBookingsWithRoomType(3)[0].status, 'CONFIRMED');
  assert.equal(engine.getUserBookingsWithRoomType(3)[0].serverId, 7002);
  assert.equal(engine.checkRoomAvailability({ roomTypeId: 11, checkIn: '2026-06-15', checkOut: '2026-06-16' }).available, true);
  assert.deepEqual(seqsOf(engine), []);
  expectCode(() => engine.cancelBooking(a.id), 'INVALID_STATE', 'cancel a REJECTED booking');
  // A confirmed booking can still be cancelled; a cancelled one cannot be confirmed.
  assert.equal(engine.cancelBooking(c.id).status, 'CANCELLED');
  expectCode(() => engine.confirmHold(c.id), 'INVALID_STATE', 'confirm a CANCELLED booking');
  // seq keeps counting over the engine's life
  engine.createBooking({ ...single, checkIn: '2026-06-18', checkOut: '2026-06-19', userId: 4 });
  assert.deepEqual(seqsOf(engine), [6, 7]);
  // Each booking event carries the bookings written, their users and date ranges.
  const created = bookingEvents(f).at(-1);
  assert.deepEqual(created.userIds, [4]);
  assert.deepEqual(created.ranges, [{ roomTypeId: 11, from: '2026-06-18', to: '2026-06-19' }]);
  assert.equal(created.bookings[0].status, 'PENDING_SYNC');
  engine.close();
});

// ------------------------------------------------------------------ waitlist

test('waitlist: an offer after a cancel goes to the oldest entry, one per freeing event', async () => {
  const f = await fresh();
  const { engine } = f;
  const a = engine.createBooking({ ...single, userId: 1 });
  f.now += 1;
  const w1 = engine.joinWaitlist({ ...single, userId: 2 });
  same({ id: -1, hotelId: 1, userId: 2, roomTypeId: 11, checkIn: '2026-06-15', checkOut: '2026-06-16', rooms: 1, status: 'WAITING', createdAt: f.now }, w1, 'entry');
  same({ seq: 2, type: 'joinWaitlist', idempotencyKey: `${engine.pendingMutations().clientId}:waitlist:1`,
    args: { hotelId: 1, roomTypeId: 11, userId: 2, checkIn: '2026-06-15', checkOut: '2026-06-16', rooms: 1, localId: -1 } },
  engine.pendingMutations().mutations[1], 'joinWaitlist mutation');
  f.now += 1;
  const w2 = engine.joinWaitlist({ ...single, userId: 3 });
  // A central entry (positive id, older than both) is the centre's to offer, never the kiosk's.
  engine.applyChanges({ format: 'edgestay.changes/1', changes: [{ op: 'upsert', table: 'waitlist', row: { id: 5, hotel_id: 1, user_id: 9, room_type_id: 11, start_date: '2026-06-15', end_date: '2026-06-16', rooms: 1, created_at: T0 - 3600000 } }] });
  f.events.length = 0;
  engine.cancelBooking(a.id);
  assert.deepEqual(f.events.map((e) => e.type), ['booking', 'waitlist']);
  same({ id: w1.id, hotelId: 1, userId: 2, roomTypeId: 11, checkIn: '2026-06-15', checkOut: '2026-06-16', rooms: 1, status: 'OFFERED' }, offers(f)[0], 'offer');
  // w1 books; a second cancel offers w2 (w1 is no longer waiting).
  const b = engine.createBooking({ ...single, userId: 2 });
  f.events.length = 0;
  engine.cancelBooking(b.id);
  assert.deepEqual(offers(f).map((e) => e.id), [w2.id]);
  // Nobody left waiting: a third cancel offers nothing.
  const c = engine.createBooking({ ...single, userId: 3 });
  f.events.length = 0;
  engine.cancelBooking(c.id);
  assert.deepEqual(offers(f), []);
  engine.close();
});

test('waitlist: offers after an expiry, a rejected push and an inventory batch', async () => {
  const f = await fresh();
  const { engine } = f;
  // expiry
  const hold = engine.createBooking({ ...single, userId: 1, hold: true });
  f.now += 10;
  const w1 = engine.joinWaitlist({ ...single, userId: 2 });
  f.events.length = 0;
  f.now = hold.holdExpiresAt - 1;
  assert.equal(engine.checkRoomAvailability({ roomTypeId: 11, checkIn: '2026-06-15', checkOut: '2026-06-16' }).available, false, '1 ms before expiry the hold still counts');
  assert.equal(f.events.length, 0);
  f.now = hold.holdExpiresAt;
  assert.equal(engine.checkRoomAvailability({ roomTypeId: 11, checkIn: '2026-06-15', checkOut: '2026-06-16' }).available, true, 'at hold_expires_at the room is free');
  assert.deepEqual(f.events.map((e) => e.type), ['booking', 'waitlist']);
  assert.equal(bookingEvents(f)[0].bookings[0].status, 'EXPIRED');
  assert.equal(bookingEvents(f)[0].bookings[0].updatedAt, hold.holdExpiresAt);
  assert.equal(offers(f)[0].id, w1.id);
  assert.equal(engine.getDueNotifications().at(-1).kind, 'expiry');

  // rejected push
  const stay2 = { ...single, checkIn: '2026-06-16', checkOut: '2026-06-17' };
  const b = engine.createBooking({ ...stay2, userId: 3 });
  f.now += 10;
  const w2 = engine.joinWaitlist({ ...stay2, userId: 4 });
  const seq = engine.pendingMutations().mutations.find((m) => m.type === 'createBooking' && m.args.localId === b.id).seq;
  f.events.length = 0;
  same({ applied: 0, rejected: 1, ignored: 0 }, engine.applyPushResults([{ seq, status: 'rejected', reason: 'sold_out' }]), 'reject');
  assert.deepEqual(f.events.map((e) => e.type), ['booking', 'waitlist']);
  assert.equal(bookingEvents(f)[0].bookings[0].status, 'REJECTED');
  assert.equal(offers(f)[0].id, w2.id);
  f.events.length = 0;
  same({ applied: 0, rejected: 0, ignored: 1 }, engine.applyPushResults([{ seq, status: 'rejected' }]), 'replayed rejection');
  assert.equal(f.events.length, 0, 'a replay raises nothing');

  // inventory batch: the Double has no room on 2026-06-20
  const stay3 = { hotelId: 1, roomTypeId: 10, checkIn: '2026-06-20', checkOut: '2026-06-21' };
  const w3 = engine.joinWaitlist({ ...stay3, userId: 5 });
  f.now += 10;
  const w4 = engine.joinWaitlist({ ...stay3, userId: 6 });
  f.events.length = 0;
  engine.applyChanges({ format: 'edgestay.changes/1', changes: [{ op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2026-06-20', available: 1 } }] });
  assert.deepEqual(offers(f).map((e) => e.id), [w3.id], 'one offer per batch and room type, to the oldest');
  f.events.length = 0;
  engine.applyChanges({ format: 'edgestay.changes/1', changes: [{ op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2026-06-20', available: 2 } }] });
  assert.deepEqual(offers(f).map((e) => e.id), [w4.id]);
  engine.close();
});

// Regressions of engine deviations found by this suite (all fixed).

test('waitlist: of two entries created in the same ms, the older one gets the offer', async () => {
  const f = await fresh();
  const a = f.engine.createBooking({ ...single, userId: 1 });
  const w1 = f.engine.joinWaitlist({ ...single, userId: 2 });
  f.engine.joinWaitlist({ ...single, userId: 3 }); // same ms
  f.engine.cancelBooking(a.id);
  const got = offers(f).map((e) => e.id);
  f.engine.close();
  assert.deepEqual(got, [w1.id]);
});

test('notifications: of two queued in the same ms, the older one comes first', async () => {
  const f = await fresh();
  const a = f.engine.createBooking({ ...single, userId: 1 });
  f.engine.cancelBooking(a.id); // same ms: confirmation, then cancellation
  const got = f.engine.getDueNotifications().map((n) => n.kind);
  f.engine.close();
  assert.deepEqual(got, ['confirmation', 'cancellation']);
});

test('waitlist: a freeing event offers the oldest available entry even if its stay is elsewhere', async () => {
  const f = await fresh();
  const { engine } = f;
  const a = engine.createBooking({ ...single, checkOut: '2026-06-19', userId: 1 }); // takes the Single 15..18
  f.now += 1;
  const wa = engine.joinWaitlist({ ...single, userId: 2 }); // 15
  f.now += 1;
  const wb = engine.joinWaitlist({ ...single, checkIn: '2026-06-18', checkOut: '2026-06-19', userId: 3 }); // 18
  engine.cancelBooking(a.id); // frees both stays; offers wa only (one offer per event)
  assert.deepEqual(offers(f).map((e) => e.id), [wa.id]);
  f.events.length = 0;
  const c = engine.createBooking({ ...single, checkIn: '2026-06-25', checkOut: '2026-06-26', userId: 4 });
  engine.cancelBooking(c.id); // rooms free up again: wb's stay is available, wb is the oldest waiting
  const got = offers(f).map((e) => e.id);
  engine.close();
  assert.deepEqual(got, [wb.id]);
});

test('hold expiry runs before applyChanges too', async () => {
  const f = await fresh();
  const hold = f.engine.createBooking({ ...single, userId: 1, hold: true });
  f.now = hold.holdExpiresAt;
  f.events.length = 0;
  f.engine.applyChanges({ format: 'edgestay.changes/1', changes: [{ op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2026-07-20', price_cents: 12000 } }] });
  const expired = bookingEvents(f).flatMap((e) => e.bookings).filter((b) => b.status === 'EXPIRED');
  f.engine.close();
  assert.equal(expired.length, 1);
});

test('events: writes nobody listens to are dropped; a listener hears exactly the writes made while it listens', async () => {
  const engine = await openEngine({ now: () => T0 });
  engine.applyChanges(fixtureBatch());
  const stay = (day) => ({ hotelId: 1, roomTypeId: 10, checkIn: `2026-06-${day}`, checkOut: `2026-06-${day + 1}` });
  engine.createBooking({ ...stay(15), userId: 5 });  // unheard
  const heard = [];
  const off = engine.on('booking', (e) => heard.push(e));
  const b = engine.createBooking({ ...stay(16), userId: 6 });
  off();
  engine.createBooking({ ...stay(17), userId: 7 });  // unheard again
  const waitlist = [];
  engine.on('waitlist', (e) => waitlist.push(e));  // a listener of another type
  const d = engine.createBooking({ ...stay(18), userId: 8 });
  engine.on('booking', (e) => heard.push(e));
  engine.cancelBooking(d.id);
  assert.deepEqual(heard.map((e) => e.bookings.map((x) => [x.id, x.status])), [[[b.id, 'PENDING_SYNC']], [[d.id, 'CANCELLED']]]);
  assert.deepEqual(heard[0].userIds, [6]);
  assert.deepEqual(waitlist, []);
  engine.close();
});

// ------------------------------------------------------------------ notifications

test('notifications: confirmation now, reminder at 09:00 hotel time the day before, holds, cancels, until and limit', async () => {
  const f = await fresh();
  const { engine } = f;
  const b = engine.createBooking({ hotelId: 1, roomTypeId: 10, userId: 5, checkIn: '2026-06-15', checkOut: '2026-06-17' });
  const reminderAt = Date.UTC(2026, 5, 14, 8, 0, 0); // 09:00 at UTC+1 on 2026-06-14
  same([{ id: -1, bookingId: b.id, userId: 5, channel: 'email', kind: 'confirmation', scheduledAt: T0 }], engine.getDueNotifications(), 'due now');
  assert.deepEqual(engine.getDueNotifications({ until: reminderAt - 1 }).map((n) => n.kind), ['confirmation']);
  same([{ id: -1, bookingId: b.id, userId: 5, channel: 'email', kind: 'confirmation', scheduledAt: T0 },
    { id: -2, bookingId: b.id, userId: 5, channel: 'email', kind: 'reminder', scheduledAt: reminderAt }],
  engine.getDueNotifications({ until: reminderAt }), 'due at the reminder');

  // Hotel 2 is at UTC-5: 09:00 there on 2026-06-12 is 14:00 UTC.
  const s = engine.createBooking({ hotelId: 2, roomTypeId: 20, userId: 6, checkIn: '2026-06-13', checkOut: '2026-06-14' });
  assert.ok(engine.getDueNotifications({ until: FAR_FUTURE }).some((n) => n.bookingId === s.id && n.kind === 'reminder' && n.scheduledAt === Date.UTC(2026, 5, 12, 14)));
  // Check-in tomorrow: 09:00 today at the hotel has passed (it is 13:00 there): no reminder.
  const t = engine.createBooking({ hotelId: 1, roomTypeId: 10, userId: 7, checkIn: '2026-06-11', checkOut: '2026-06-12' });
  assert.deepEqual(engine.getDueNotifications({ until: FAR_FUTURE }).filter((n) => n.bookingId === t.id).map((n) => n.kind), ['confirmation']);

  // A hold: 'hold' now and no reminder; confirming it queues the confirmation and the reminder.
  f.now += 60000;
  const h = engine.createBooking({ hotelId: 1, roomTypeId: 10, userId: 8, checkIn: '2026-06-16', checkOut: '2026-06-17', hold: true });
  const ofH = () => engine.getDueNotifications({ until: FAR_FUTURE }).filter((n) => n.bookingId === h.id);
  same([{ id: ofH()[0].id, bookingId: h.id, userId: 8, channel: 'email', kind: 'hold', scheduledAt: f.now }], ofH(), 'hold notification');
  f.now += 60000;
  engine.confirmHold(h.id);
  same(['hold:' + (T0 + 60000), 'confirmation:' + f.now, 'reminder:' + Date.UTC(2026, 5, 15, 8)], ofH().map((n) => `${n.kind}:${n.scheduledAt}`), 'after confirmHold');

  // A cancel queues 'cancellation' and cancels the reminder.
  f.now += 60000;
  engine.cancelBooking(b.id);
  assert.deepEqual(engine.getDueNotifications({ until: FAR_FUTURE }).filter((n) => n.bookingId === b.id).map((n) => n.kind), ['confirmation', 'cancellation']);
  assert.ok(!engine.getDueNotifications({ until: FAR_FUTURE }).some((n) => n.bookingId === b.id && n.kind === 'reminder'));

  // until / limit / oldest first
  const all = engine.getDueNotifications({ until: FAR_FUTURE });
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].scheduledAt <= all[i].scheduledAt, 'oldest first');
  assert.ok(all.every((n) => n.scheduledAt <= FAR_FUTURE));
  const due = engine.getDueNotifications();
  assert.ok(due.length >= 5 && due.every((n) => n.scheduledAt <= f.now));
  assert.ok(!due.some((n) => n.kind === 'reminder'), 'no reminder is due yet');
  same(due.slice(0, 2), engine.getDueNotifications({ limit: 2 }), 'limit');

  // markNotifications: only QUEUED ones change; marked ones leave the list.
  const ids = due.slice(0, 3).map((n) => n.id);
  same({ updated: 3 }, engine.markNotifications([...ids, ids[0], -424242], 'SENT'), 'mark SENT');
  same({ updated: 0 }, engine.markNotifications(ids, 'FAILED'), 'mark again');
  assert.ok(!engine.getDueNotifications().some((n) => ids.includes(n.id)));
  same({ updated: 1 }, engine.markNotifications([due[3].id], 'CANCELLED'), 'mark CANCELLED');
  assert.equal(engine.getDueNotifications().length, due.length - 4);

  // expiry and rejection
  const h2 = engine.createBooking({ hotelId: 1, roomTypeId: 10, userId: 9, checkIn: '2026-06-18', checkOut: '2026-06-19', hold: true });
  const r = engine.createBooking({ hotelId: 1, roomTypeId: 10, userId: 9, checkIn: '2026-06-19', checkOut: '2026-06-20' });
  const seq = engine.pendingMutations().mutations.find((m) => m.args.localId === r.id && m.type === 'createBooking').seq;
  engine.applyPushResults([{ seq, status: 'rejected', reason: 'sold_out' }]);
  f.now = h2.holdExpiresAt;
  const kinds = engine.getDueNotifications({ until: FAR_FUTURE }).filter((n) => n.userId === 9).map((n) => `${n.bookingId}:${n.kind}`).sort();
  assert.deepEqual(kinds, [`${h2.id}:expiry`, `${h2.id}:hold`, `${r.id}:confirmation`, `${r.id}:rejection`].sort(), 'the rejected booking lost its reminder');
  engine.close();
});
