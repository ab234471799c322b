// The PostgreSQL push group's one-statement path against the per-mutation path, on random
// input. Two servers on two identically seeded databases — A free to take the path, B
// started with EDGESTAY_PUSH_GROUP_STATEMENT=off — get the same rounds of pushes; each
// round forms ONE group on both, in the same order (the hotel's counter lock is held from
// outside while the pushes queue). Every answer, every table a booking touches and the
// state a pulling edge folds from the change log must be the same on both (clocks left
// out), and /metrics must show that A took the path for a good share of the groups and B
// never did (without that the comparison proves nothing). A few last rounds hold a push
// whose outcome record the store refuses: the group's first attempt fails on both and
// runs again with savepoints; ids are compared by rank from there on.
//
// GROUP_STATEMENT_SEED=n picks the seed (printed with every failure),
// GROUP_STATEMENT_ROUNDS=n the number of rounds.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { STORES, storeOptions, createStore, stopPostgres, addDays, today } from './support/stores.mjs';
import { createToken, pushGroupPaths, startServer } from './support/server.mjs';
import { client, request } from './support/http.mjs';
import { PG_BIN } from './support/pg.mjs';
import { KEYS, COLUMNS } from './support/tables.mjs';
import { Rng } from '../../scripts/lib/rng.mjs';

after(stopPostgres);

const DEFAULT_SEED = 20261202;
const DEFAULT_ROUNDS = 28;
const SEED = Number(process.env.GROUP_STATEMENT_SEED || DEFAULT_SEED);
const ROUNDS = Number(process.env.GROUP_STATEMENT_ROUNDS || DEFAULT_ROUNDS);
// Pushes of a round are sent this far apart so that arrival order is sending order also
// on a loaded machine (both servers must see the same order).
const SPACING_MS = 60;
const USER = 7;  // the user the user-bound tokens act for
const TAMPERED = 44;  // Harbour's Single on this night has a price set outside the API
const POISON = 'poison';  // the store refuses push_results rows of clients named *-poison
const POISON_ROUNDS = 3;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------
// Comparing the two servers: time columns differ by clock and are left out; a hold's end
// is compared as "the hotel's TTL after creation" or as the edge's own (absolute) end.

function normHold(hold, created, ttlMs) {
  if (hold === null || hold === undefined) return null;
  return hold === created + ttlMs ? 'created+ttl' : hold;
}

// Booking, payment and notification ids pass through `ids` (identity unless told): after a
// group whose first attempt failed the two paths have spent different ids (below).
const SAME_IDS = { booking: (id) => id, payment: (id) => id, notification: (id) => id };

function normBookingJson(b, ttlMs, ids = SAME_IDS) {
  const { createdAt, updatedAt, holdExpiresAt, ...rest } = b;
  return { ...rest, id: ids.booking(b.id), holdExpiresAt: normHold(holdExpiresAt, createdAt, ttlMs) };
}

// A push result object (FORMAT.md §3) without its clock.
function normResult(res, ttlMs, ids) {
  if (!res || typeof res !== 'object' || !res.booking) return res;
  return { ...res, booking: normBookingJson(res.booking, ttlMs, ids) };
}

// An error answer by its code only: its message may quote the refused row, clock and all.
function normAnswer(r, ttlMs, ids) {
  if (r.json?.error) return { status: r.status, code: r.json.error.code };
  const json = r.json && Array.isArray(r.json.results)
    ? { ...r.json, results: r.json.results.map((x) => normResult(x, ttlMs, ids)) }
    : r.json;
  return { status: r.status, json };
}

const TIME_COLUMNS = new Set(['created_at', 'updated_at', 'scheduled_at']);

// A stored or pulled row without its clock. `ttlOf(row)` names its hotel's hold TTL (ms).
const ID_COLUMNS = {
  bookings: { id: 'booking' },
  payments: { id: 'payment', booking_id: 'booking' },
  notifications: { id: 'notification', booking_id: 'booking' },
  idempotency_keys: { booking_id: 'booking' },
};
function normRow(table, row, ttlOf, ids = SAME_IDS) {
  const out = {};
  for (const [k, v] of Object.entries(row)) {
    if (TIME_COLUMNS.has(k)) continue;
    if (k === 'hold_expires_at') out[k] = normHold(v, row.created_at, ttlOf(row));
    else if (k === 'result' && (table === 'push_results' || table === 'idempotency_keys')) {
      out[k] = normResult(JSON.parse(v), ttlOf(row), ids);
    } else if (ID_COLUMNS[table]?.[k] && v !== null) out[k] = ids[ID_COLUMNS[table][k]](v);
    else out[k] = v;
  }
  return out;
}

// The first place where a and b differ, as "path: A … vs B …" (null when equal).
function firstDiff(a, b, at = '') {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null ||
      Array.isArray(a) !== Array.isArray(b)) {
    return `${at || '(whole value)'}: A ${JSON.stringify(a)} vs B ${JSON.stringify(b)}`;
  }
  // Plain fields first: a differing status or reason names the difference better than
  // the booking object it brings.
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const nested = (k) => (typeof a[k] === 'object' && a[k] !== null) || (typeof b[k] === 'object' && b[k] !== null);
  for (const k of [...keys.filter((k) => !nested(k)), ...keys.filter(nested)]) {
    const d = firstDiff(a[k], b[k], Array.isArray(a) ? `${at}[${k}]` : `${at}.${k}`);
    if (d) return d;
  }
  return null;
}

function assertSame(a, b, where) {
  const d = firstDiff(a, b);
  if (d) {
    assert.fail(`seed ${SEED}: ${where} differs between A (one-statement path allowed) and B (off): ${d}\n` +
      `A: ${JSON.stringify(a)}\nB: ${JSON.stringify(b)}`);
  }
}

// ---------------------------------------------------------------------------------------
// One round's pushes as one group: the hotel's counter row is locked from a psql session
// of our own, a lead push queues behind it (it leads the hotel's next group and waits for
// the lock alone), the round's pushes queue behind the lead in sending order and form the
// group after it; then the lock is released.

// A psql session of our own that locks the hotel's counter row and then answers one-line
// questions inside that transaction (each answer is a line on its stdout).
async function holdHotelLock(side, hotelId) {
  const proc = spawn(path.join(PG_BIN, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', side.store.spec],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let pending = '';
  const lines = [];
  let wake = () => {};
  let code = null;
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => {
    pending += d;
    for (let i; (i = pending.indexOf('\n')) >= 0; pending = pending.slice(i + 1)) lines.push(pending.slice(0, i));
    wake();
  });
  const exited = new Promise((resolve) => proc.once('exit', (c) => { code = c; wake(); resolve(c); }));
  const line = async () => {
    while (!lines.length) {
      if (code !== null) throw new Error(`seed ${SEED}: the lock session exited (${code}): ${stderr}`);
      await new Promise((resolve) => { wake = resolve; });
    }
    return lines.shift();
  };
  const ask = async (sql) => {
    proc.stdin.write(`${sql}\n`);
    return line();
  };
  proc.stdin.write('BEGIN;\n');
  try {
    assert.equal(await ask(`SELECT 'locked' FROM change_seq WHERE hotel_id = ${hotelId} FOR UPDATE;`), 'locked');
  } catch (e) {
    proc.kill();
    throw e;
  }
  return {
    // Until some session of this database waits for a lock (the lead push, for ours).
    async awaitWaiter() {
      for (let t = 0; t < 400; t++) {
        // (A transaction sees pg_stat_activity as of its first look unless told to forget it.)
        await ask('SELECT pg_stat_clear_snapshot();');
        if (Number(await ask("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock';")) >= 1) return;
        await sleep(10);
      }
      throw new Error(`seed ${SEED}: timed out waiting for the lead push to wait for the hotel lock`);
    },
    async release() {
      proc.stdin.end('COMMIT;\n');
      if (await exited !== 0) throw new Error(`lock session exited ${code}: ${stderr}`);
    },
  };
}

const post = (side, hotelId, push) => request(side.url, {
  method: 'POST', path: `/v1/hotels/${hotelId}/mutations`, token: side.tokens[hotelId][push.token],
  body: { format: 'edgestay.push/1', clientId: push.client, mutations: push.mutations },
});

// Answers of [lead, ...pushes], in that order.
async function runRound(side, hotelId, lead, pushes) {
  // The server trusts a verified token for 5 s, then asks the store again: a push whose
  // token needs that read (maybe on a new pool connection) could fall behind the next
  // push. So every token is verified just before the round.
  for (const token of Object.values(side.tokens[hotelId])) {
    const r = await request(side.url, { path: `/v1/hotels/${hotelId}/leases`, token });
    assert.equal(r.status, 200, r.text);
  }
  const lock = await holdHotelLock(side, hotelId);
  let answers;
  try {
    const first = post(side, hotelId, lead);
    await lock.awaitWaiter();
    const pending = [first];
    for (const p of pushes) {
      pending.push(post(side, hotelId, p));
      await sleep(SPACING_MS);
    }
    await sleep(SPACING_MS);
    answers = Promise.all(pending);
    answers.catch(() => {});  // handled by the caller, once the lock is released
  } finally {
    await lock.release();
  }
  return answers;
}

// ---------------------------------------------------------------------------------------
// The hotels, seeded the same way on both servers through the admin API.

async function ok(p, want = 200) {
  const r = await p;
  assert.equal(r.status, want, r.text);
  return r.json;
}

async function seedSide(side) {
  const admin = side.admin;
  const from = addDays(today(), 2);
  const D = Array.from({ length: 60 }, (_, i) => addDays(from, i));
  // Harbour: little inventory, every stay rule somewhere.
  const h1 = (await ok(admin.post('/v1/hotels', { name: 'Harbour', currency: 'EUR', timeZone: 'UTC' }), 201)).hotel.id;
  const rt = async (h, body) => (await ok(admin.post(`/v1/hotels/${h}/room-types`, body), 201)).roomType.id;
  const dbl = await rt(h1, { name: 'Double', basePriceCents: 10000, totalRooms: 5, capacityAdults: 2 });
  const suite = await rt(h1, { name: 'Suite', basePriceCents: 25000, totalRooms: 3, capacityAdults: 4, capacityChildren: 1 });
  const single = await rt(h1, { name: 'Single', basePriceCents: 6000, totalRooms: 1, capacityAdults: 1 });
  const end = addDays(from, 60);
  await ok(admin.put(`/v1/hotels/${h1}/inventory`, { updates: [
    { roomTypeId: dbl, from, to: end, total: 5, priceCents: 10000 },
    { roomTypeId: suite, from, to: end, total: 3, priceCents: 25000 },
    { roomTypeId: single, from, to: D[10], total: 1, priceCents: 6000 },  // D[10]: no row
    { roomTypeId: single, from: D[11], to: end, total: 1, priceCents: 6500 },
    { roomTypeId: dbl, from: D[5], closedToArrival: true },
    { roomTypeId: dbl, from: D[8], closedToDeparture: true },
    { roomTypeId: dbl, from: D[12], minStay: 3 },
    { roomTypeId: suite, from: D[6], maxStay: 2 },
    { roomTypeId: suite, from: D[15], stopSell: true },
    { roomTypeId: single, from: D[30], stopSell: true },
    { roomTypeId: dbl, from: D[20], to: D[24], priceCents: 13300 },
    { roomTypeId: suite, from: D[26], minStay: 2, closedToDeparture: true },
  ] }));
  await ok(admin.put(`/v1/hotels/${h1}/rules`, { min_lead_days: 3, max_advance_days: 50, max_rooms_per_booking: 2, max_nights: 5 }));
  await ok(admin.put(`/v1/hotels/${h1}/special-days`, { updates: [
    { date: D[3], kind: 'blackout' },
    { date: D[9], kind: 'holiday', priceMultiplierPct: 150 },
    { date: D[14], kind: 'event', priceMultiplierPct: 120, minStay: 2 },
    { date: D[18], kind: 'holiday', priceMultiplierPct: 75 },
    { date: D[33], kind: 'event', priceMultiplierPct: 133, note: 'Regatta' },
  ] }));
  // Dunes: default rules but its own hold TTL; one small room type.
  const h2 = (await ok(admin.post('/v1/hotels', { name: 'Dunes', currency: 'USD', timeZone: 'UTC' }), 201)).hotel.id;
  const cabin = await rt(h2, { name: 'Cabin', basePriceCents: 8000, totalRooms: 2, capacityAdults: 3 });
  await ok(admin.put(`/v1/hotels/${h2}/inventory`, { roomTypeId: cabin, from, to: D[30], total: 2, priceCents: 8000 }));
  await ok(admin.put(`/v1/hotels/${h2}/rules`, { hold_ttl_seconds: 1200 }));
  await ok(admin.put(`/v1/hotels/${h2}/special-days`, { date: D[4], kind: 'holiday', priceMultiplierPct: 210 }));
  // Written outside the API (as push-group-commit does): a price above 2^53 - 1, which no
  // booking's total can carry and no edge may receive (so it is never logged).
  await side.store.exec(`UPDATE room_inventory SET price_cents = 9007199254741002 WHERE room_type_id = ${single} AND date = '${D[TAMPERED]}'`);
  await side.store.exec(`ALTER TABLE push_results ADD CONSTRAINT grouptest_poison CHECK (client_id NOT LIKE '%-${POISON}')`);
  side.tokens = {};
  for (const h of [h1, h2]) {
    side.tokens[h] = {
      book: await createToken(side.store.spec, { hotel: h, scope: 'book' }),
      user: await createToken(side.store.spec, { hotel: h, scope: 'book', user: USER }),
    };
  }
  return { D, h1, h2, dbl, suite, single, cabin };
}

// ---------------------------------------------------------------------------------------
// The random rounds.

// What the generator knows of a hotel (the same on both servers, from A's answers).
function hotelModel(id, ttlSeconds, roomTypes, dates, targeted) {
  return {
    id, ttlMs: ttlSeconds * 1000, roomTypes, dates, targeted, aimedNext: 0,
    ledger: new Map(),   // clientId -> last seq the server applied
    keys: [],            // idempotency keys sent so far
    bookings: [],        // central ids seen in answers
    holds: [],           // central ids seen HELD
    localIds: new Map(), // clientId -> local ids its bookings named
  };
}

function generateRound(rng, H, round, clean, poison = false) {
  const D = H.dates;
  const now = Date.now();
  const window = rng.int(0, Math.max(0, D.length - 16));
  const roundKeys = [];
  let keyN = 0;
  const freshKey = () => `h${H.id}-r${round}-${keyN++}`;

  const randomStay = () => {
    const t = H.roomTypes[rng.int(0, H.roomTypes.length - 1)];
    const start = Math.min(D.length - 1, window + rng.int(0, 7));
    const nights = rng.chance(0.85) ? rng.int(1, 4) : rng.int(5, 6);
    const rooms = rng.chance(0.65) ? 1 : rng.chance(0.75) ? 2 : 3;
    const args = { roomTypeId: t.id, checkIn: D[start], checkOut: addDays(D[start], nights), rooms };
    if (rng.chance(0.8)) args.guests = rng.int(1, rooms * t.cap + (rng.chance(0.1) ? 1 : 0));
    return args;
  };
  const stayArgs = (userId) => {
    // Each aimed stay once, in turn, then at random: every rule is met early, whatever the seed.
    const aimed = H.targeted.length && rng.chance(0.35)
      ? (H.aimedNext < H.targeted.length ? H.targeted[H.aimedNext++] : rng.pick(H.targeted)) : null;
    let args = aimed ? aimed(rng) : randomStay();
    args = { ...args, userId };
    if (rng.chance(0.2)) args.hotelId = H.id;
    if (rng.chance(0.4)) args.localId = -rng.int(1, 500);
    if (rng.chance(0.2)) {
      args.hold = true;
      if (rng.chance(0.6)) args.holdExpiresAt = rng.pick([now - 3600e3, now + 600e3, now + 86400e3]);
    } else if (rng.chance(0.1)) args.hold = false;
    return args;
  };
  const createBooking = (seq, clientId, userId) => {
    const args = stayArgs(userId);
    if (args.localId) H.localIds.set(clientId, [...(H.localIds.get(clientId) ?? []), args.localId]);
    const key = freshKey();
    roundKeys.push(key);
    return { seq, type: 'createBooking', idempotencyKey: key, args };
  };
  // A mutation that takes the group off the one-statement path.
  const messy = (seq, clientId, userId) => {
    const kind = rng.int(0, 7);
    const m = createBooking(seq, clientId, userId);
    switch (kind) {
      case 0: {  // an invalid argument (or a lease, which the one-statement path leaves alone)
        const bad = rng.pick([{ rooms: 0 }, { checkOut: m.args.checkIn }, { checkIn: '2026-02-30' },
          { hotelId: H.id + 1000 }, { roomTypeId: 'x' }, { guests: 0 }, { hold: 'yes' }, { holdExpiresAt: -5 }, { userId: 0 }, { leaseId: 424242 }]);
        m.args = { ...m.args, ...bad };
        return m;
      }
      case 1:  // a key another mutation of this round sent
        if (roundKeys.length > 1) m.idempotencyKey = rng.pick(roundKeys.slice(0, -1));
        return m;
      case 2:  // a key of an earlier round
        if (H.keys.length) m.idempotencyKey = rng.pick(H.keys);
        return m;
      case 3:  // not a valid key
        m.idempotencyKey = rng.pick(['', 'k'.repeat(129)]);
        return m;
      case 4: {
        const own = H.localIds.get(clientId) ?? [];
        const id = rng.chance(0.3) && own.length ? rng.pick(own) : H.bookings.length && rng.chance(0.8) ? rng.pick(H.bookings) : 999999;
        const args = { bookingId: id };
        if (rng.chance(0.3)) args.reason = 'expired';
        return { seq, type: 'cancelBooking', idempotencyKey: freshKey(), args };
      }
      case 5: {
        const id = H.holds.length && rng.chance(0.8) ? rng.pick(H.holds) : H.bookings.length ? rng.pick(H.bookings) : 999999;
        return { seq, type: 'confirmHold', idempotencyKey: freshKey(), args: { bookingId: id } };
      }
      case 6: {
        const { guests, hold, holdExpiresAt, localId, ...args } = m.args;
        return { seq, type: 'joinWaitlist', idempotencyKey: freshKey(), args };
      }
      default:
        return { seq, type: 'upgradeBooking', idempotencyKey: freshKey(), args: {} };
    }
  };

  const clients = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'u0', 'u1'].map((c) => `h${H.id}-${c}`);
  const ledger = new Map(H.ledger);  // the ledger as this round's pushes leave it, in order
  const pushes = [];
  // Now and then more mutations than one group takes (48): the group ends at the cap.
  const count = rng.chance(0.12) ? rng.int(10, 13) : rng.int(2, 7);
  const messyAt = clean ? -1 : rng.int(0, count - 1);  // a messy round has one for sure
  for (let p = 0; p < count; p++) {
    const clientId = rng.pick(clients);
    const userBound = clientId.endsWith('-u0') || clientId.endsWith('-u1');
    const last = ledger.get(clientId) ?? 0;
    const n = rng.int(1, 4);
    const mutations = [];
    for (let i = 0; i < n; i++) {
      const userId = userBound ? (rng.chance(0.2) ? USER + 1 : USER) : rng.int(1, 5);
      const isMessy = !clean && ((p === messyAt && i === 0) || rng.chance(0.15));
      mutations.push((isMessy ? messy : createBooking)(last + 1 + i, clientId, userId));
    }
    if (rng.chance(0.1)) mutations[n - 1].seq += 1 + rng.int(0, 1);  // a gap before the last
    if (!clean && last > 0 && rng.chance(0.25)) {                    // a replay first
      mutations.unshift({ seq: rng.int(1, last), type: 'createBooking', idempotencyKey: freshKey(), args: rng.chance(0.5) ? {} : stayArgs(USER) });
    }
    let l = last;
    for (const m of mutations) {
      if (m.seq <= l) continue;
      if (m.seq !== l + 1) break;
      l++;
    }
    ledger.set(clientId, l);
    pushes.push({ client: clientId, token: userBound ? 'user' : 'book', mutations, firstNew: last + 1, expectNextSeq: l + 1 });
  }
  // A push whose outcome record the store refuses (POISON): it fails alone (409, nothing
  // of it kept, its seq not consumed), after the group failed its first attempt and ran
  // again with savepoints.
  if (poison) {
    const clientId = `h${H.id}-${POISON}`;
    const mutations = Array.from({ length: rng.int(1, 2) }, (_, i) => createBooking(1 + i, clientId, rng.int(1, 5)));
    pushes.splice(rng.int(0, pushes.length), 0, { client: clientId, token: 'book', mutations, poisoned: true });
  }
  // The lead: a cancel (of some booking or of none), so its own group never takes the
  // one-statement path and each round's main group shows alone in A's counters.
  const leadClient = `h${H.id}-lead`;
  const leadSeq = (ledger.get(leadClient) ?? 0) + 1;
  ledger.set(leadClient, leadSeq);
  const lead = {
    client: leadClient, token: 'book', expectNextSeq: leadSeq + 1,
    mutations: [{ seq: leadSeq, type: 'cancelBooking', idempotencyKey: freshKey(),
      args: { bookingId: H.bookings.length && rng.chance(0.3) ? rng.pick(H.bookings) : 999999 } }],
  };
  return { lead, pushes, ledger, keys: roundKeys };
}

// Stays aimed at one rule each (Harbour).
function harbourTargets(s) {
  const { D, dbl, suite, single } = s;
  const stay = (rt, start, nights, extra = {}) => ({ roomTypeId: rt, checkIn: D[start], checkOut: addDays(D[start], nights), rooms: 1, ...extra });
  return [
    (rng) => stay(rng.pick([dbl, suite]), 0, rng.int(1, 2)),                 // lead_time
    (rng) => stay(dbl, rng.int(49, 55), 1),                                  // advance_window
    () => stay(dbl, 5, 2),                                                   // closed_to_arrival
    (rng) => stay(dbl, 6, 2, { rooms: rng.int(1, 2) }),                      // closed_to_departure
    (rng) => stay(dbl, 12, rng.int(1, 4)),                                   // min_stay 3 (passes with 3+)
    (rng) => stay(suite, 6, rng.int(2, 4)),                                  // max_stay 2
    (rng) => stay(suite, rng.int(13, 15), 3),                                // stop_sell
    (rng) => stay(rng.pick([dbl, suite, single]), 2, 2),                     // blackout
    (rng) => stay(rng.pick([dbl, suite]), rng.int(8, 9), 2, { rooms: rng.int(1, 2) }),  // x1.5
    (rng) => stay(dbl, 14, rng.int(1, 3)),                                   // event: x1.2, min_stay 2
    (rng) => stay(rng.pick([dbl, suite, single]), rng.int(17, 18), rng.int(1, 3)),      // x0.75
    (rng) => stay(dbl, rng.int(20, 23), rng.int(1, 3)),                      // price change
    (rng) => stay(suite, 33, rng.int(1, 2), { rooms: 2, guests: rng.int(2, 10) }),      // x1.33, capacity 5/room
    (rng) => stay(dbl, rng.int(25, 28), 6),                                  // max_nights 5
    (rng) => stay(rng.pick([dbl, suite]), rng.int(36, 40), 2, { rooms: 3 }), // max_rooms 2
    (rng) => stay(dbl, rng.int(36, 40), 1, { rooms: 2, guests: 5 }),         // capacity
    (rng) => stay(rng.pick([s.cabin, 987654]), rng.int(36, 40), 1),          // unknown room type
    (rng) => stay(single, rng.int(8, 10), 2),                                // no_inventory
    (rng) => stay(suite, rng.int(24, 25), rng.int(1, 3)),                    // min_stay 2, closed to departure
    (rng) => stay(dbl, 58, 3),                                               // past the inventory's end
    (rng) => stay(single, rng.int(28, 31), rng.int(1, 2)),                   // one room, stop_sell
    (rng) => stay(single, rng.int(43, 44), 2),                               // a price no total can carry
  ];
}

// ---------------------------------------------------------------------------------------
// The state a pulling edge ends with, and the store's own rows.

async function pullAll(side, hotelId) {
  const changes = [];
  let since = null;
  for (let page = 0; page < 1000; page++) {
    const r = await side.admin.get(`/v1/hotels/${hotelId}/changes?limit=200${since === null ? '' : `&since=${since}`}`);
    assert.equal(r.status, 200, r.text);
    changes.push(...r.json.changes);
    if (!r.json.hasMore) return changes;
    since = r.json.cursor;
  }
  throw new Error('pull did not end');
}

// table -> Map(key text -> row): the last version of every row, as an edge applies a batch.
function fold(changes) {
  const state = Object.fromEntries(Object.keys(KEYS).map((t) => [t, new Map()]));
  const keyOf = (t, row) => JSON.stringify(KEYS[t].map((k) => row[k]));
  const upsert = (t, row) => {
    const k = keyOf(t, row);
    state[t].set(k, { ...(state[t].get(k) ?? {}), ...row });
  };
  for (const c of changes) {
    assert.ok(state[c.table], `unknown table in the log: ${c.table}`);
    if (c.op === 'delete') state[c.table].delete(keyOf(c.table, c.key));
    else if (c.row) upsert(c.table, c.row);
    else for (const values of c.rows) upsert(c.table, Object.fromEntries(c.columns.map((col, i) => [col, values[i]])));
  }
  return state;
}

// The store's rows of a hotel, per replicated table, in the protocol's columns.
async function storedState(side, h) {
  const where = {
    hotels: `id = ${h}`,
    room_types: `hotel_id = ${h}`,
    room_inventory: `room_type_id IN (SELECT id FROM room_types WHERE hotel_id = ${h})`,
    booking_rules: `hotel_id = ${h}`,
    special_days: `hotel_id = ${h}`,
    bookings: `hotel_id = ${h}`,
    waitlist: `hotel_id = ${h}`,
    payments: `booking_id IN (SELECT id FROM bookings WHERE hotel_id = ${h})`,
    notifications: `booking_id IN (SELECT id FROM bookings WHERE hotel_id = ${h})`,
  };
  const out = {};
  for (const t of Object.keys(KEYS)) {
    out[t] = await side.store.query(`SELECT ${COLUMNS[t].join(', ')} FROM ${t} WHERE ${where[t]} ORDER BY ${KEYS[t].join(', ')}`);
  }
  return out;
}

const sortedRows = (m, t) => [...m.values()].sort((a, b) => {
  for (const k of KEYS[t]) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  return 0;
});

// Every table a push touches, whole (both databases hold only this test's hotels).
const PUSH_TABLES = {
  room_inventory: 'room_type_id, date',
  bookings: 'id',
  payments: 'id',
  notifications: 'id',
  waitlist: 'id',
  push_results: 'hotel_id, client_id, seq',
  push_clients: 'hotel_id, client_id',
  idempotency_keys: 'hotel_id, idem_key',
};

// ---------------------------------------------------------------------------------------

const RUN = STORES.includes('postgresql');

// Sends one generated round to both servers and checks its answers alike (ids through
// idsA/idsB, or raw when null: then also the model's expectations); returns the answers.
async function playRound(A, B, H, round, gen, label, stats = null) {
  const { lead, pushes } = gen;
  const [pa, pb] = await Promise.all([pushGroupPaths(A.url), pushGroupPaths(B.url)]);
  const [ra, rb] = await Promise.all([runRound(A, H.id, lead, pushes), runRound(B, H.id, lead, pushes)]);
  const [qa, qb] = await Promise.all([pushGroupPaths(A.url), pushGroupPaths(B.url)]);
  const delta = (q, p) => Object.fromEntries(Object.keys(q).map((k) => [k, q[k] - (p[k] ?? 0)]));
  const sent = [lead, ...pushes];
  // The harness itself: B (per mutation) numbers new bookings in the order it applies
  // them, so ids out of sending order mean the pushes reached it out of order (then the
  // comparison would fail for the wrong reason).
  const newIds = rb.flatMap((r) => (r.json?.results ?? []).map((x) => x.booking?.id))
    .filter((id) => id !== undefined && !H.bookings.includes(id));
  const firstSeen = newIds.filter((id, k) => newIds.indexOf(id) === k);
  assert.deepEqual(firstSeen, [...firstSeen].sort((x, y) => x - y), `seed ${SEED}: round ${round}: ` +
    `the pushes reached server B out of sending order (new booking ids ${firstSeen}): a test harness timing problem ` +
    '(SPACING_MS too short for this machine\'s load?), not a difference between the paths');
  const where = (i) => `round ${round} (${label}, hotel ${H.id}) ${i === 0 ? 'lead push' : `push ${i}`} of client ` +
    `${sent[i].client} ${JSON.stringify(sent[i].mutations)}`;
  for (const [i, push] of sent.entries()) {
    assert.equal(ra[i].status, push.poisoned ? 409 : 200, `seed ${SEED}: ${where(i)}: ${ra[i].text}`);
    if (!push.poisoned) assert.equal(ra[i].json.nextSeq, push.expectNextSeq, `seed ${SEED}: ${where(i)}: nextSeq (the test's ledger model)`);
  }
  const compare = (idsA = SAME_IDS, idsB = SAME_IDS) => {
    for (const i of sent.keys()) assertSame(normAnswer(ra[i], H.ttlMs, idsA), normAnswer(rb[i], H.ttlMs, idsB), `the answer to ${where(i)}`);
  };
  return { ra, rb, sent, paths: { round, label, A: delta(qa, pa), B: delta(qb, pb) }, compare };
}

// Every table a push touches, row for row (clocks left out), and the state a pulling edge
// folds from each hotel's change log: the same on both servers, and equal to the tables.
async function compareStores(A, B, s, ttlOfHotel, idsA = SAME_IDS, idsB = SAME_IDS) {
  const ttlOf = (row) => ttlOfHotel.get(Number(row.hotel_id)) ?? 0;
  for (const [table, order] of Object.entries(PUSH_TABLES)) {
    const [ta, tb] = await Promise.all([A, B].map((side) => side.store.query(`SELECT * FROM ${table} ORDER BY ${order}`)));
    const na = ta.map((r) => normRow(table, r, ttlOf, idsA));
    const nb = tb.map((r) => normRow(table, r, ttlOf, idsB));
    assert.equal(na.length, nb.length, `seed ${SEED}: ${table} has ${na.length} rows on A, ${nb.length} on B`);
    for (let i = 0; i < na.length; i++) assertSame(na[i], nb[i], `table ${table}, row ${order} = ${order.split(', ').map((k) => ta[i][k]).join('/')}`);
  }
  for (const h of [s.h1, s.h2]) {
    const [fa, fb] = await Promise.all([A, B].map(async (side) => fold(await pullAll(side, h))));
    const ttlRow = () => ttlOfHotel.get(h);
    for (const t of Object.keys(KEYS)) {
      const la = sortedRows(fa[t], t);
      const lb = sortedRows(fb[t], t);
      assert.equal(la.length, lb.length, `seed ${SEED}: hotel ${h}: the pulled ${t} hold ${la.length} rows on A, ${lb.length} on B`);
      for (let i = 0; i < la.length; i++) {
        assertSame(normRow(t, la[i], ttlRow, idsA), normRow(t, lb[i], ttlRow, idsB), `hotel ${h}: the pulled ${t} row ${KEYS[t].map((k) => la[i][k]).join('/')}`);
      }
    }
    for (const [side, folded] of [[A, fa], [B, fb]]) {
      const stored = await storedState(side, h);
      if (h === s.h1) {  // the tampered night: the log keeps the price the API set
        const at = stored.room_inventory.findIndex((r) => r.room_type_id === s.single && r.date === s.D[TAMPERED]);
        assert.equal(stored.room_inventory[at].price_cents, 9007199254741002);
        stored.room_inventory[at] = { ...stored.room_inventory[at], price_cents: 6500 };
      }
      for (const t of Object.keys(KEYS)) {
        const d = firstDiff(sortedRows(folded[t], t), stored[t]);
        assert.equal(d, null, `seed ${SEED}: server ${side.name}, hotel ${h}: the pulled ${t} (folded) differ from the table: ${d}`);
      }
    }
  }
}

describe('push group: the one-statement path answers and stores exactly as the per-mutation path (postgresql)',
  RUN ? storeOptions('postgresql') : { skip: 'no postgresql store in this suite' }, () => {
    const A = { name: 'A' };
    const B = { name: 'B' };
    const paths = [];  // per round: A's and B's counter deltas
    let roundsRun = 0;
    let poisonRoundsRun = 0;
    let s;             // the seeded hotels
    let rng;
    let harbour;
    let ttlOfHotel;

    before(async () => {
      for (const side of [A, B]) {
        side.store = await createStore('postgresql');
        const adminToken = await createToken(side.store.spec, { hotel: '*', scope: 'admin' });
        side.server = await startServer(side.store.spec, [],
          { env: side === B ? { EDGESTAY_PUSH_GROUP_STATEMENT: 'off' } : {} });
        side.url = side.server.url;
        side.admin = client(side.url, adminToken);
      }
      const [sa, sb] = await Promise.all([seedSide(A), seedSide(B)]);
      assertSame(sa, sb, 'the seeded hotels and room types');
      s = sa;
    });

    after(async () => {
      for (const side of [A, B]) await side.server?.stop();
    });

    it(`random rounds of pushes (seed ${SEED}): every answer, every booking table and the pulled state are the same on both`, async (t) => {
      rng = new Rng(SEED);
      harbour = hotelModel(s.h1, 900, [
        { id: s.dbl, cap: 2 }, { id: s.dbl, cap: 2 }, { id: s.suite, cap: 5 }, { id: s.single, cap: 1 },
      ], s.D, harbourTargets(s));
      const dunes = hotelModel(s.h2, 1200, [{ id: s.cabin, cap: 3 }], s.D.slice(0, 32), [
        (r) => ({ roomTypeId: s.dbl, checkIn: s.D[r.int(3, 8)], checkOut: s.D[r.int(9, 10)] }),  // Harbour's room type
        (r) => ({ roomTypeId: s.cabin, checkIn: s.D[r.int(3, 4)], checkOut: s.D[5], rooms: 2, guests: 6 }),  // x2.1
      ]);
      ttlOfHotel = new Map([[s.h1, harbour.ttlMs], [s.h2, dunes.ttlMs]]);
      let restock = 0;
      const outcomes = new Map();  // result status or rejection reason -> count (A's answers)
      let soldOutByGroup = 0;      // sold_out on a night an earlier booking of the same group took
      for (let round = 0; round < ROUNDS; round++) {
        const H = rng.chance(0.75) ? harbour : dunes;
        const clean = rng.chance(0.55);
        const gen = generateRound(rng, H, round, clean);
        const played = await playRound(A, B, H, round, gen, clean ? 'clean' : 'with fallbacks');
        paths.push(played.paths);
        played.compare();
        const taken = [];  // this group's applied bookings so far: { roomTypeId, checkIn, checkOut }
        for (const [i, push] of played.sent.entries()) {
          for (const res of played.ra[i].json.results) {
            const outcome = res.status !== 'applied' ? (/2\^53/.test(res.message) ? `${res.reason} (total)` : res.reason)
              : !res.booking ? 'applied waitlist' : res.booking.status === 'HELD' ? 'applied hold' : 'applied booking';
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            const m = res.seq >= (push.firstNew ?? 0) && push.mutations.find((x) => x.seq === res.seq);
            if (res.reason === 'sold_out' && m?.args) {
              const night = res.message.slice(0, 10);
              if (taken.some((b) => b.roomTypeId === m.args.roomTypeId && b.checkIn <= night && night < b.checkOut)) soldOutByGroup++;
            }
            if (!res.booking) continue;
            if (m && m.type === 'createBooking' && res.booking.idempotencyKey === m.idempotencyKey) taken.push(res.booking);
            if (!H.bookings.includes(res.booking.id)) H.bookings.push(res.booking.id);
            if (res.booking.status === 'HELD' && !H.holds.includes(res.booking.id)) H.holds.push(res.booking.id);
          }
        }
        H.ledger = gen.ledger;
        H.keys.push(...gen.keys);
        // Now and then the hotel adds rooms (an admin write between groups, the same on both).
        if (H === harbour && round % 6 === 5) {
          restock += 2;
          const body = { updates: [
            { roomTypeId: s.dbl, from: s.D[0], to: addDays(s.D[59], 1), total: 5 + restock },
            { roomTypeId: s.suite, from: s.D[0], to: addDays(s.D[59], 1), total: 3 + restock },
          ] };
          const [wa, wb] = await Promise.all([ok(A.admin.put(`/v1/hotels/${s.h1}/inventory`, body)), ok(B.admin.put(`/v1/hotels/${s.h1}/inventory`, body))]);
          assertSame(wa.updated, wb.updated, `round ${round}: the restock`);
        }
        roundsRun++;
      }
      t.diagnostic(`seed ${SEED}: ${ROUNDS} rounds; outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}; ` +
        `sold_out on a night the same group took: ${soldOutByGroup}`);
      assert.ok(soldOutByGroup > 0, `seed ${SEED}: no booking was refused for a night an earlier booking of its group took`);
      // The generator reached every rule (a change to it, or to the seeded hotels, that
      // stops covering one shows here; another seed or fewer rounds may miss a rare one).
      const missed = ['applied booking', 'applied hold', 'applied waitlist', 'sold_out', 'lead_time', 'advance_window', 'max_rooms',
        'no_inventory', 'stop_sell', 'closed_to_arrival', 'closed_to_departure', 'min_stay', 'max_stay', 'invalid',
        'invalid (total)', 'forbidden', 'unknown_booking'].filter((reason) => !outcomes.has(reason));
      if (SEED === DEFAULT_SEED && ROUNDS === DEFAULT_ROUNDS) {
        assert.deepEqual(missed, [], `seed ${SEED}: no mutation of the ${ROUNDS} rounds ended so`);
      } else if (missed.length) t.diagnostic(`seed ${SEED}: not covered: ${missed.join(', ')}`);
      assert.ok(Number((await A.store.query('SELECT count(*) AS n FROM bookings'))[0].n) > 20, 'the rounds made bookings');
      await compareStores(A, B, s, ttlOfHotel);  // ids included
    });

    it('a push whose outcome record the store refuses fails alone, also in a group of plain bookings: the same answers and rows as B but for the ids spent', async () => {
      // The group's first attempt (one statement on A, mutation by mutation on B) fails and
      // is rolled back, and the group runs again with savepoints. The two first attempts
      // may spend different numbers of ids before they fail (A's statement inserts all its
      // bookings at once), and PostgreSQL does not give spent ids back: from here on ids
      // are compared by rank (the same bookings in the same order), and the rounds name
      // no booking made in them by id.
      assert.equal(roundsRun, ROUNDS, 'the rounds ran (see the test before)');
      const maxIds = async (side) => (await side.store.query('SELECT (SELECT coalesce(max(id), 0) FROM bookings) AS b,' +
        ' (SELECT coalesce(max(id), 0) FROM payments) AS p, (SELECT coalesce(max(id), 0) FROM notifications) AS n'))[0];
      const [before0A, before0B] = await Promise.all([maxIds(A), maxIds(B)]);
      assertSame(before0A, before0B, 'the largest ids before the refused records');
      const frozen = { ...harbour, bookings: [...harbour.bookings], holds: [...harbour.holds] };
      const played = [];
      for (let k = 0; k < POISON_ROUNDS; k++) {
        const round = ROUNDS + k;
        const gen = generateRound(rng, frozen, round, true, true);
        const p = await playRound(A, B, frozen, round, gen, 'clean, one push refused at its record');
        paths.push({ ...p.paths, poison: true });
        played.push(p);
        frozen.ledger = gen.ledger;
        frozen.keys.push(...gen.keys);
        poisonRoundsRun++;
      }
      // Ranks of the ids spent after `before0`, per side: an order-preserving renaming.
      const ranks = async (side, b0) => {
        const out = {};
        for (const [kind, table, from] of [['booking', 'bookings', b0.b], ['payment', 'payments', b0.p], ['notification', 'notifications', b0.n]]) {
          const ids = (await side.store.query(`SELECT id FROM ${table} WHERE id > ${from} ORDER BY id`)).map((r) => Number(r.id));
          const rank = new Map(ids.map((id, i) => [id, `new #${i + 1}`]));
          out[kind] = (id) => (id > from ? (rank.get(id) ?? `spent ${id}`) : id);
        }
        return out;
      };
      const [idsA, idsB] = await Promise.all([ranks(A, before0A), ranks(B, before0B)]);
      for (const p of played) p.compare(idsA, idsB);
      // The refused pushes left nothing: no booking under their keys, no ledger row.
      for (const side of [A, B]) {
        const left = await side.store.query(`SELECT count(*) AS n FROM bookings WHERE client_id LIKE '%-${POISON}'`);
        assert.equal(Number(left[0].n), 0, `server ${side.name}: a refused push's booking was kept`);
        const ledger = await side.store.query(`SELECT count(*) AS n FROM push_clients WHERE client_id LIKE '%-${POISON}'`);
        assert.equal(Number(ledger[0].n), 0, `server ${side.name}: a refused push's seq was consumed`);
      }
      await compareStores(A, B, s, ttlOfHotel, idsA, idsB);
    });

    it('A took the one-statement path for at least a third of the rounds\' groups; B (EDGESTAY_PUSH_GROUP_STATEMENT=off) never did', async (t) => {
      assert.equal(roundsRun, ROUNDS, 'the rounds ran (see the tests before)');
      for (const p of paths) t.diagnostic(`round ${p.round} (${p.label}): A ${JSON.stringify(p.A)}, B ${JSON.stringify(p.B)}`);
      const [a, b] = await Promise.all([pushGroupPaths(A.url), pushGroupPaths(B.url)]);
      assert.ok('group_statement' in a && 'per_mutation' in a && 'savepoints' in a,
        'server A\'s /metrics has no edgestay_push_groups_total{path="group_statement"|"per_mutation"|"savepoints"}: ' +
        'this server has no one-statement path for push groups yet (expected to fail until the branch that adds it lands), ' +
        'so this test compared the per-mutation path with itself');
      const random = paths.filter((p) => !p.poison);
      const taken = random.filter((p) => (p.A.group_statement ?? 0) > 0).length;
      assert.ok(taken >= ROUNDS / 3, `seed ${SEED}: A took the one-statement path in ${taken} of ${ROUNDS} rounds (want >= 1/3): ` +
        'the comparison covered it too little');
      assert.equal(b.group_statement ?? 0, 0, 'B was started with EDGESTAY_PUSH_GROUP_STATEMENT=off and took the path anyway');
      assert.ok((b.per_mutation ?? 0) + (b.savepoints ?? 0) >= 2 * ROUNDS, `B counted its groups: ${JSON.stringify(b)}`);
      // A group with a refused record ran again with savepoints, on both.
      for (const p of paths.filter((x) => x.poison)) {
        assert.ok(p.A.savepoints >= 1 && p.B.savepoints >= 1, `round ${p.round}: no group ran again with savepoints: A ${JSON.stringify(p.A)}, B ${JSON.stringify(p.B)}`);
      }
    });
  });
