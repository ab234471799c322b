// The query cache (docs/API.md "Cache"): a model-based run that compares an
// engine with the cache on against one with the cache off, operation by operation, then
// focused tests for month isolation, TTL boundaries, local midnight, bounds, payments and
// events.
//
// Run: node --test tests/js/cache.test.mjs
// Env: EDGESTAY_SOAK=N multiplies the random operations (default 10 seeds x 100,000 =
//      1,000,000 operations, 1-2 min on 2 cores); CACHE_SEEDS=1,2 picks the seeds;
//      CACHE_OPS=N sets the operations per seed (before EDGESTAY_SOAK).
//
// The reference is the same engine with `cache: false`: both engines get the same data,
// the same clock and the same operations, so every answer of the cached engine must
// deepStrictEqual the uncached one (errors: same code and details). A stale answer is an
// invalidation rule that missed a dependency; the failure message names the seed, the
// operation and the operations before it, and how to replay the run up to it (the
// operations of a seed do not depend on how many follow).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { openEngine, EdgestayError } from '../../bindings/js/index.mjs';
import { Rng } from './support/gen.mjs';
import { DAY_MS, formatDate, parseDate } from './support/model.mjs';
import { firstDiff } from './support/diff.mjs';

const SOAK = Number(process.env.EDGESTAY_SOAK || 1);
const SEEDS = (process.env.CACHE_SEEDS || '1,2,3,4,5,6,7,8,9,10').split(',').map(Number);
const OPS_PER_SEED = Math.max(1000, Math.round(Number(process.env.CACHE_OPS || 100000) * SOAK));

const MIN = 60000;
const HOUR = 3600000;
const TTL = { roomTypes: HOUR, bookingRules: HOUR, specialDays: HOUR, availability: 2 * MIN, userBookings: 5 * MIN, reports: 15 * MIN };
const NAMESPACES = Object.keys(TTL);
const OFFSETS = [-600, -300, -180, 0, 60, 120, 330, 345, 540, 600, 780, 840, -840];
const EVENT_TYPES = ['inventory', 'booking', 'roomType', 'specialDay', 'hotel', 'waitlist', 'sync'];

// ------------------------------------------------------------------ helpers

/** { ok, value } or { ok: false, code, details } (an EdgestayError); anything else throws. */
function attempt(fn) {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (!(e instanceof EdgestayError)) throw e;
    return { ok: false, code: e.code, details: e.details ?? null, message: e.message };
  }
}

function sameOutcome(a, b) {
  if (a.ok !== b.ok) return false;
  if (a.ok) return isDeepStrictEqual(a.value, b.value);
  return a.code === b.code && isDeepStrictEqual(a.details, b.details);
}

function describe(o) {
  return o.ok ? JSON.stringify(o.value)?.slice(0, 2000) : `error ${o.code} ${JSON.stringify(o.details)} (${o.message})`;
}

const at = (date, hhmm = '12:00', offsetMin = 0) => Date.parse(`${date}T${hhmm}:00.000Z`) - offsetMin * MIN;
const batch = (changes, extra = {}) => ({ format: 'edgestay.changes/1', ...extra, changes });
const ns = (engine, name) => engine.cacheStats().namespaces[name];

// ------------------------------------------------------------------ the random world

/**
 * A small world for one seed: 2 hotels, 3-4 room types, ~65 days of inventory, a few
 * special days, rules, central bookings and payments. Queries come from a small pool of
 * shapes (offsets from "today"), so the same questions repeat and a stale answer shows.
 */
class World {
  constructor(seed) {
    this.seed = seed;
    this.rng = new Rng(seed * 7919 + 101);
    const rng = this.rng;
    const day0 = parseDate('2026-09-01') + rng.int(0, 300);
    this.now = day0 * DAY_MS + rng.int(0, DAY_MS - 1);
    this.hotels = new Map([
      [1, { id: 1, offset: rng.pick(OFFSETS), rts: [] }],
      [2, { id: 2, offset: rng.pick(OFFSETS), rts: [] }],
    ]);
    this.roomTypes = new Map();
    const rtIds = rng.chance(0.5) ? [[11, 1], [12, 1], [21, 2]] : [[11, 1], [12, 1], [13, 1], [21, 2]];
    for (const [id, h] of rtIds) {
      this.roomTypes.set(id, { id, hotel: h, total: rng.int(3, 8) });
      this.hotels.get(h).rts.push(id);
    }
    this.rtList = [...this.roomTypes.keys()];
    // Bookings go to 30 users; the query pool asks about users 1..8 (answers stay small).
    this.users = Array.from({ length: 30 }, (_, i) => i + 1);
    this.invHorizon = new Map(); // room type -> last day with inventory
    this.centralBookings = []; // { id, hotel, rt, user }
    this.localBookings = []; // local ids created on the engines
    this.accepted = []; // { localId, serverId, hotel, rt, user, ci, co }
    this.payments = []; // payment ids
    this.holdExpiries = []; // holdExpiresAt of holds made locally
    this.keys = []; // idempotency keys used
    this.nextCentralId = 1000;
    this.nextServerId = 500000;
    this.nextPaymentId = 1;
    this.nextKey = 1;
    this.cursor = 0;
    this.onCommit = []; // what the world learns when the batch being built is applied
    this.extraRt = null; // a room type that comes, moves between the hotels and goes
    this.anchor = null;
    this.pool = null;
    this.shapes = this.makeShapes();
  }

  today() {
    return Math.floor(this.now / DAY_MS);
  }

  initialBatches() {
    const rng = this.rng;
    const d0 = this.today();
    const b1 = [];
    for (const h of this.hotels.values()) {
      b1.push({ op: 'upsert', table: 'hotels', row: { id: h.id, name: `Hotel ${h.id}`, currency: rng.pick(['EUR', 'USD', 'JPY']), utc_offset_minutes: h.offset } });
    }
    b1.push({ op: 'upsert', table: 'booking_rules', row: { hotel_id: 1, key: 'max_nights', value: 21 } });
    b1.push({ op: 'upsert', table: 'booking_rules', row: { hotel_id: 1, key: 'hold_ttl_seconds', value: rng.pick([60, 300, 900]) } });
    b1.push({ op: 'upsert', table: 'booking_rules', row: { hotel_id: 2, key: 'max_advance_days', value: 45 } });
    for (const rt of this.roomTypes.values()) {
      b1.push({ op: 'upsert', table: 'room_types', row: { id: rt.id, hotel_id: rt.hotel, name: `Room ${rt.id}`, base_price_cents: rng.int(50, 300) * 100, total_rooms: rt.total, capacity_adults: 2, capacity_children: rng.int(0, 2) } });
    }
    const cols = ['room_type_id', 'date', 'total', 'available', 'price_cents', 'min_stay', 'max_stay', 'closed_to_arrival', 'closed_to_departure', 'stop_sell'];
    for (const rt of this.roomTypes.values()) {
      const rows = [];
      for (let d = d0 - 5; d <= d0 + 60; d++) {
        if (rng.chance(0.03)) continue; // a gap: no_inventory
        rows.push(this.invRow(rt, d));
      }
      this.invHorizon.set(rt.id, d0 + 60);
      b1.push({ op: 'upsert', table: 'room_inventory', columns: cols, rows: rows.map((r) => cols.map((c) => r[c])) });
    }
    for (const h of this.hotels.values()) {
      for (let i = 0; i < 5; i++) b1.push({ op: 'upsert', table: 'special_days', row: this.specialDay(h.id, d0 + rng.int(-3, 45)) });
    }
    const b2 = [];
    for (let i = 0; i < 40; i++) b2.push({ op: 'upsert', table: 'bookings', row: this.centralBooking() });
    for (let i = 0; i < 30; i++) b2.push({ op: 'upsert', table: 'payments', row: this.payment() });
    return [batch(b1, { cursor: `c${++this.cursor}`, syncedAt: this.now - HOUR }), batch(b2, { cursor: `c${++this.cursor}`, syncedAt: this.now - MIN })];
  }

  invRow(rt, d) {
    const rng = this.rng;
    const total = rt.total;
    return {
      room_type_id: rt.id, date: formatDate(d), total, available: rng.chance(0.1) ? 0 : rng.int(0, total),
      price_cents: rng.int(60, 250) * 100, min_stay: rng.chance(0.85) ? 1 : rng.int(2, 3), max_stay: rng.chance(0.9) ? 0 : rng.int(3, 10),
      closed_to_arrival: rng.chance(0.04) ? 1 : 0, closed_to_departure: rng.chance(0.04) ? 1 : 0, stop_sell: rng.chance(0.02) ? 1 : 0,
    };
  }

  specialDay(hotelId, d) {
    const rng = this.rng;
    return {
      hotel_id: hotelId, date: formatDate(d), kind: rng.pick(['holiday', 'event', 'blackout', 'event']),
      price_multiplier_pct: rng.pick([50, 80, 100, 120, 150, 200]), min_stay: rng.pick([null, null, 2, 3]), note: rng.chance(0.5) ? null : `n${d}`,
    };
  }

  centralBooking() {
    const rng = this.rng;
    const rt = this.roomTypes.get(rng.pick(this.rtList));
    const s = this.today() + rng.int(-10, 40);
    const status = rng.pick(['CONFIRMED', 'CONFIRMED', 'CANCELLED', 'HELD', 'PENDING_SYNC', 'REJECTED', 'EXPIRED']);
    const row = {
      id: this.nextCentralId++, hotel_id: rt.hotel, user_id: rng.pick(this.users), room_type_id: rt.id, status,
      start_date: formatDate(s), end_date: formatDate(s + rng.int(1, 5)), rooms: rng.int(1, 2), guests: rng.int(1, 2),
      total_cents: rng.int(100, 2000) * 100, created_at: this.now - rng.int(0, 30 * 24) * HOUR,
    };
    if (status === 'HELD') row.hold_expires_at = this.now + rng.int(-600, 3600) * 1000;
    if (rng.chance(0.3)) row.idempotency_key = `central-${row.id}`;
    // A row the centre sends as "local" (made on some edge, not accepted yet): its rooms count as pending.
    if (rng.chance(0.1) && (status === 'PENDING_SYNC' || status === 'HELD')) row.origin = 'local';
    this.centralBookings.push({ id: row.id, hotel: rt.hotel, rt: rt.id, user: row.user_id });
    return row;
  }

  payment() {
    const rng = this.rng;
    const b = rng.pick(this.centralBookings);
    const id = this.nextPaymentId++;
    this.payments.push(id);
    return { id, booking_id: b.id, status: rng.pick(['PENDING', 'CAPTURED', 'REFUNDED', 'FAILED']), amount_cents: rng.int(10, 900) * 100, created_at: this.now - rng.int(0, 1000) * MIN };
  }

  // -------------------------------------------------- query shapes (offsets from "today")

  makeShapes() {
    const rng = this.rng;
    const hotelIds = [1, 2];
    const stay = () => {
      const roomTypeId = rng.chance(0.02) ? 99 : rng.pick(this.rtList);
      const ci = rng.chance(0.1) ? rng.int(-3, -1) : rng.chance(0.7) ? rng.int(0, 14) : rng.int(15, 50);
      const nights = rng.chance(0.03) ? rng.int(22, 40) : rng.chance(0.8) ? rng.int(1, 4) : rng.int(5, 12);
      const rooms = rng.chance(0.75) ? 1 : rng.int(2, 4);
      return { roomTypeId, ci, nights, rooms, omitRooms: rooms === 1 && rng.chance(0.5) };
    };
    const shapes = { stay: [], all: [], batch: [], calendar: [], roomTypes: [], rules: [], specialDays: [], user: [], stats: [], occupancy: [] };
    for (let i = 0; i < 40; i++) shapes.stay.push(stay());
    for (let i = 0; i < 8; i++) shapes.all.push({ hotelId: rng.pick(hotelIds), ...stay() });
    for (let i = 0; i < 6; i++) shapes.batch.push(Array.from({ length: rng.int(2, 6) }, () => rng.pick(shapes.stay)));
    shapes.batch.push([shapes.stay[0], { roomTypeId: 99, ci: 1, nights: 1, rooms: 1 }]); // an invalid member: details.index
    for (let i = 0; i < 6; i++) shapes.calendar.push({ hotelId: rng.pick(hotelIds), from: rng.int(-3, 20), days: rng.pick([7, 14, 31]) });
    shapes.roomTypes.push(1, 2, 1, 2, 3); // 3: UNKNOWN_HOTEL
    shapes.rules.push(1, 2);
    for (let i = 0; i < 4; i++) shapes.specialDays.push({ hotelId: rng.pick(hotelIds), from: rng.int(-5, 20), len: rng.pick([7, 30, 60]) });
    const statusVariants = [undefined, 'CONFIRMED', ['HELD', 'PENDING_SYNC'], ['PENDING_SYNC', 'HELD'], 'CANCELLED'];
    for (let u = 1; u <= 8; u++) {
      for (const status of statusVariants) shapes.user.push({ userId: u, status, payments: false });
      shapes.user.push({ userId: u, status: undefined, payments: true });
      if (u <= 3) shapes.user.push({ userId: u, status: 'CONFIRMED', payments: true });
    }
    for (let i = 0; i < 4; i++) shapes.stats.push({ hotelId: rng.pick(hotelIds), from: rng.int(-15, 10), len: rng.pick([7, 30, 90]) });
    for (let i = 0; i < 4; i++) shapes.occupancy.push({ hotelId: rng.pick(hotelIds), from: rng.int(-5, 20), len: rng.pick([7, 30]) });
    return shapes;
  }

  /** The pool of concrete queries for the current day (rebuilt when the UTC day changes). */
  queries() {
    const a = this.today();
    if (this.anchor === a) return this.pool;
    this.anchor = a;
    const d = (off) => formatDate(a + off);
    const stayQ = (s) => {
      const q = { roomTypeId: s.roomTypeId, checkIn: d(s.ci), checkOut: d(s.ci + s.nights) };
      if (!s.omitRooms) q.rooms = s.rooms;
      return q;
    };
    const S = this.shapes;
    this.pool = {
      stay: S.stay.map(stayQ),
      all: S.all.map((s) => ({ hotelId: s.hotelId, checkIn: d(s.ci), checkOut: d(s.ci + Math.min(s.nights, 14)), rooms: s.rooms })),
      batch: S.batch.map((list) => list.map(stayQ)),
      calendar: S.calendar.map((s) => ({ hotelId: s.hotelId, from: d(s.from), days: s.days })),
      roomTypes: S.roomTypes,
      rules: S.rules,
      specialDays: S.specialDays.map((s) => ({ hotelId: s.hotelId, from: d(s.from), to: d(s.from + s.len) })),
      user: S.user.map((s) => {
        const o = {};
        if (s.status !== undefined) o.status = s.status;
        if (s.payments) o.includePayments = true;
        return { userId: s.userId, options: o };
      }),
      stats: S.stats.map((s) => ({ hotelId: s.hotelId, from: d(s.from), to: d(s.from + s.len) })),
      occupancy: S.occupancy.map((s) => ({ hotelId: s.hotelId, from: d(s.from), to: d(s.from + s.len) })),
    };
    return this.pool;
  }

  // -------------------------------------------------- change batches

  randomBatch() {
    const rng = this.rng;
    const changes = [];
    const kinds = rng.int(1, 3);
    for (let k = 0; k < kinds; k++) {
      const r = rng.next();
      if (r < 0.4) this.inventoryChanges(changes);
      else if (r < 0.5) this.specialDayChanges(changes);
      else if (r < 0.56) this.ruleChange(changes);
      else if (r < 0.61) this.roomTypeChange(changes);
      else if (r < 0.64) this.extraRoomTypeChange(changes);
      else if (r < 0.68) this.hotelChange(changes);
      else if (r < 0.89) this.bookingChange(changes);
      else this.paymentChange(changes);
    }
    const extra = { cursor: `c${this.cursor + 1}`, syncedAt: this.now - rng.int(0, 5000) };
    if (rng.chance(0.2)) extra.since = `c${this.cursor}`;
    if (rng.chance(0.01)) extra.since = 'not-the-cursor'; // CURSOR_MISMATCH: nothing changes
    if (rng.chance(0.015)) {
      // A bad row last: the whole batch is rolled back, nothing is invalidated or changed.
      changes.push({ op: 'upsert', table: 'room_inventory', row: { room_type_id: rng.pick(this.rtList), date: formatDate(this.today() + 3), total: 1, available: 5, price_cents: 100 } });
    }
    return batch(changes, extra);
  }

  /** Inventory for the days the clock has moved into (the centre publishes new days). */
  extendBatch() {
    const changes = [];
    for (const rt of this.roomTypes.values()) {
      const last = this.invHorizon.get(rt.id);
      const want = this.today() + 60;
      if (last >= want) continue;
      const rows = [];
      for (let d = last + 1; d <= want; d++) rows.push(this.invRow(rt, d));
      this.invHorizon.set(rt.id, want);
      for (const row of rows) changes.push({ op: 'upsert', table: 'room_inventory', row });
    }
    return changes.length ? batch(changes, { cursor: `c${this.cursor + 1}`, syncedAt: this.now }) : null;
  }

  inventoryChanges(changes) {
    const rng = this.rng;
    const rt = this.roomTypes.get(rng.pick(this.rtList));
    const start = this.today() + rng.int(-3, 40);
    const len = rng.chance(0.6) ? 1 : rng.int(2, 7);
    const what = rng.int(0, 7);
    const rows = [];
    for (let d = start; d < start + len; d++) {
      const base = { room_type_id: rt.id, date: formatDate(d) };
      switch (what) {
        case 0: { const total = rng.int(0, rt.total + 2); rows.push({ ...base, total, available: rng.int(0, total), price_cents: rng.int(60, 250) * 100 }); break; }
        case 1: rows.push({ ...base, stop_sell: rng.chance(0.5) }); break;
        case 2: rows.push({ ...base, closed_to_arrival: rng.chance(0.3) ? 1 : 0, closed_to_departure: rng.chance(0.3) ? 1 : 0 }); break;
        case 3: rows.push({ ...base, price_cents: rng.int(40, 400) * 100 }); break;
        case 4: rows.push({ ...base, min_stay: rng.int(1, 3), max_stay: rng.pick([0, 0, 2, 5]) }); break;
        case 5: changes.push({ op: 'delete', table: 'room_inventory', key: base }); break;
        default: rows.push(this.invRow(rt, d));
      }
    }
    if (!rows.length) return;
    // A partial row needs an existing row (else the batch fails with INVALID_ROW and is
    // rolled back on both engines); half of them carry the full row instead.
    if (what >= 1 && what <= 4 && rng.chance(0.5)) {
      for (const r of rows) changes.push({ op: 'upsert', table: 'room_inventory', row: { ...this.invRow(rt, parseDate(r.date)), ...r, stop_sell: r.stop_sell === undefined ? 0 : r.stop_sell } });
      return;
    }
    if (rng.chance(0.5) && what !== 0) {
      const cols = Object.keys(rows[0]);
      changes.push({ op: 'upsert', table: 'room_inventory', columns: cols, rows: rows.map((r) => cols.map((c) => r[c])) });
    } else {
      for (const row of rows) changes.push({ op: 'upsert', table: 'room_inventory', row });
    }
  }

  specialDayChanges(changes) {
    const rng = this.rng;
    const h = rng.pick([1, 2]);
    const d = this.today() + rng.int(-3, 45);
    if (rng.chance(0.35)) changes.push({ op: 'delete', table: 'special_days', key: { hotel_id: h, date: formatDate(d) } });
    else changes.push({ op: 'upsert', table: 'special_days', row: this.specialDay(h, d) });
  }

  ruleChange(changes) {
    const rng = this.rng;
    const h = rng.pick([1, 2]);
    const key = rng.pick(['max_advance_days', 'min_lead_days', 'max_rooms_per_booking', 'hold_ttl_seconds', 'max_nights']);
    const values = { max_advance_days: [20, 45, 365], min_lead_days: [0, 0, 1, 2], max_rooms_per_booking: [2, 3, 10], hold_ttl_seconds: [60, 300, 900], max_nights: [10, 21, 30] };
    if (rng.chance(0.3)) changes.push({ op: 'delete', table: 'booking_rules', key: { hotel_id: h, key } });
    else changes.push({ op: 'upsert', table: 'booking_rules', row: { hotel_id: h, key, value: rng.pick(values[key]) } });
  }

  roomTypeChange(changes) {
    const rng = this.rng;
    const rt = this.roomTypes.get(rng.pick(this.rtList));
    const r = rng.next();
    if (r < 0.5) changes.push({ op: 'upsert', table: 'room_types', row: { id: rt.id, name: `Room ${rt.id} v${rng.int(1, 99)}` } });
    else if (r < 0.8) changes.push({ op: 'upsert', table: 'room_types', row: { id: rt.id, base_price_cents: rng.int(50, 300) * 100, capacity_adults: rng.int(1, 3), capacity_children: rng.int(0, 2) } });
    else if (r < 0.97) changes.push({ op: 'upsert', table: 'room_types', row: { id: rt.id, total_rooms: rng.int(2, 10) } });
    else changes.push({ op: 'delete', table: 'room_types', key: { id: rt.id } }); // REFERENCED: rolled back
  }

  /** Room type 14: added with a few nights of inventory, moved to the other hotel, removed. */
  extraRoomTypeChange(changes) {
    const rng = this.rng;
    const x = this.extraRt;
    if (!x) {
      const hotel = rng.pick([1, 2]);
      const start = this.today() + rng.int(-2, 20);
      const days = Array.from({ length: rng.int(1, 10) }, (_, i) => start + i);
      changes.push({ op: 'upsert', table: 'room_types', row: { id: 14, hotel_id: hotel, name: 'Loft', base_price_cents: 9900, total_rooms: 2 } });
      for (const d of days) changes.push({ op: 'upsert', table: 'room_inventory', row: this.invRow({ id: 14, total: 2 }, d) });
      this.onCommit.push(() => { this.extraRt = { hotel, days }; });
    } else if (rng.chance(0.6)) {
      const hotel = x.hotel === 1 ? 2 : 1;
      changes.push({ op: 'upsert', table: 'room_types', row: { id: 14, hotel_id: hotel, ...(rng.chance(0.5) ? { name: `Loft ${hotel}` } : {}) } });
      this.onCommit.push(() => { x.hotel = hotel; });
    } else {
      for (const d of x.days) changes.push({ op: 'delete', table: 'room_inventory', key: { room_type_id: 14, date: formatDate(d) } });
      changes.push({ op: 'delete', table: 'room_types', key: { id: 14 } });
      this.onCommit.push(() => { this.extraRt = null; });
    }
  }

  hotelChange(changes) {
    const rng = this.rng;
    const h = this.hotels.get(rng.pick([1, 2]));
    if (rng.chance(0.7)) {
      const offset = rng.pick(OFFSETS);
      changes.push({ op: 'upsert', table: 'hotels', row: { id: h.id, utc_offset_minutes: offset } });
      this.onCommit.push(() => { h.offset = offset; });
    } else {
      changes.push({ op: 'upsert', table: 'hotels', row: { id: h.id, currency: rng.pick(['EUR', 'USD', 'JPY', 'GBP']) } });
    }
  }

  bookingChange(changes) {
    const rng = this.rng;
    const r = rng.next();
    if (r < 0.4 || !this.centralBookings.length) {
      changes.push({ op: 'upsert', table: 'bookings', row: this.centralBooking() });
    } else if (r < 0.7) {
      const b = rng.pick(this.centralBookings);
      changes.push({ op: 'upsert', table: 'bookings', row: { id: b.id, status: rng.pick(['CONFIRMED', 'CANCELLED', 'PENDING_SYNC', 'HELD', 'EXPIRED']), updated_at: this.now } });
    } else if (r < 0.8) {
      const b = rng.pick(this.centralBookings);
      const s = this.today() + rng.int(-2, 30);
      changes.push({ op: 'upsert', table: 'bookings', row: { id: b.id, start_date: formatDate(s), end_date: formatDate(s + rng.int(1, 4)), updated_at: this.now } });
    } else if (r < 0.82) {
      // The booking moves to another room type of its hotel, or is deleted (refused while
      // payments or notifications refer to it: the batch is rolled back).
      const b = rng.pick(this.centralBookings);
      const others = this.hotels.get(b.hotel).rts.filter((id) => id !== b.rt);
      if (others.length && rng.chance(0.7)) {
        const rt = rng.pick(others);
        changes.push({ op: 'upsert', table: 'bookings', row: { id: b.id, room_type_id: rt } });
        this.onCommit.push(() => { b.rt = rt; });
      } else {
        changes.push({ op: 'delete', table: 'bookings', key: { id: b.id } });
        this.onCommit.push(() => { this.centralBookings = this.centralBookings.filter((c) => c !== b); });
      }
    } else if (r < 0.85) {
      // The booking moves to another user (a data fix at the centre).
      const b = rng.pick(this.centralBookings);
      const user = rng.pick(this.users);
      changes.push({ op: 'upsert', table: 'bookings', row: { id: b.id, user_id: user } });
      this.onCommit.push(() => { b.user = user; });
    } else if (this.accepted.length) {
      // The centre's row for a booking this edge made: it maps onto the local row.
      const a = rng.pick(this.accepted);
      changes.push({
        op: 'upsert', table: 'bookings',
        row: {
          id: a.serverId, hotel_id: a.hotel, user_id: a.user, room_type_id: a.rt, status: rng.pick(['CONFIRMED', 'CANCELLED']),
          start_date: a.checkIn, end_date: a.checkOut, rooms: a.rooms, guests: a.rooms, total_cents: 12300, created_at: this.now - HOUR, updated_at: this.now,
        },
      });
    } else {
      changes.push({ op: 'upsert', table: 'bookings', row: this.centralBooking() });
    }
  }

  paymentChange(changes) {
    const rng = this.rng;
    if (rng.chance(0.5) && this.payments.length) {
      changes.push({ op: 'upsert', table: 'payments', row: { id: rng.pick(this.payments), status: rng.pick(['PENDING', 'CAPTURED', 'REFUNDED', 'FAILED']) } });
    } else {
      changes.push({ op: 'upsert', table: 'payments', row: this.payment() });
    }
  }

  /** The next instant at which some hotel's local day changes. */
  nextMidnight() {
    let best = Infinity;
    for (const h of this.hotels.values()) {
      const off = h.offset * MIN;
      const m = (Math.floor((this.now + off) / DAY_MS) + 1) * DAY_MS - off;
      best = Math.min(best, m);
    }
    return best;
  }
}

// ------------------------------------------------------------------ 1. model-based run

const totals = { ops: 0, queries: 0, batches: 0, writes: 0, clock: 0, answers: 0, errors: 0, byKind: {}, ms: 0 };
const finalStats = [];

async function runSeed(seed, ops) {
  {
    const w = new World(seed);
    const clock = () => w.now;
    const maxEntries = 200;
    const maxBytes = 64 * 1024;
    // Admission: most seeds run the default (store an answer on its second miss), every
    // third stores every answer; reconfigurations below switch it too.
    const admission = seed % 3 === 0 ? 'always' : 'repeat';
    const A = await openEngine({ now: clock, cache: { maxEntries, maxBytes, admission } });
    assert.equal(A.cacheStats().admission, admission);
    const limits = { maxEntries, maxBytes };
    let restoreAt = -1;
    const B = await openEngine({ now: clock, cache: false });
    assert.equal(B.cacheStats().enabled, false);
    const evA = [];
    const evB = [];
    for (const type of EVENT_TYPES) {
      A.on(type, (p) => evA.push([type, p]));
      B.on(type, (p) => evB.push([type, p]));
    }
    for (const b of w.initialBatches()) {
      A.applyChanges(b);
      B.applyChanges(b);
    }
    evA.length = 0;
    evB.length = 0;

    const recent = []; // the last operations, for the failure message
    let current = null;
    let i = 0;
    const count = (kind) => {
      totals.byKind[kind] = (totals.byKind[kind] || 0) + 1;
    };
    const fail = (why) => {
      const lines = [
        `CACHE MISMATCH seed=${seed} op#${i} now=${w.now} (${new Date(w.now).toISOString()}); replay: CACHE_SEEDS=${seed} CACHE_OPS=${i + 1}`,
        `  op:   ${JSON.stringify(current)?.slice(0, 1500)}`,
        `  why:  ${why}`,
        '  operations before it (oldest first):',
        ...recent.slice(0, -1).map((o) => `    ${JSON.stringify(o)?.slice(0, 400)}`),
      ];
      assert.fail(lines.join('\n'));
    };
    /** Same call on both engines: the cached answer must equal the uncached one. */
    const both = (label, fnA, fnB) => {
      const b = attempt(fnB);
      const a = attempt(fnA);
      if (!sameOutcome(a, b)) {
        const d = a.ok && b.ok ? firstDiff(b.value, a.value) : 'outcome differs';
        fail(`${label}: cached answer differs from the uncached one: ${d}\n  uncached: ${describe(b)}\n  cached:   ${describe(a)}`);
      }
      if (b.ok) totals.answers++;
      else {
        totals.errors++;
        count(`error:${label}:${b.code}`);
      }
      return b;
    };
    const op = (o) => {
      current = o;
      recent.push(o);
      if (recent.length > 40) recent.shift();
    };

    const rng = new Rng(seed * 31 + 7);
    // Some questions are asked far more often than others (a hot window), as on a widget.
    const hot = (arr) => arr[Math.floor(rng.next() ** 2 * arr.length)];
    const t0 = performance.now();
    for (i = 0; i < ops; i++) {
      totals.ops++;
      const r = i === restoreAt ? 1 : rng.next();
      if (r < 0.975) {
        // ---- a query from the pool
        totals.queries++;
        const P = w.queries();
        const q = rng.next();
        if (q < 0.34) {
          const s = hot(P.stay);
          op(['checkRoomAvailability', s]);
          count('checkRoomAvailability');
          both('checkRoomAvailability', () => A.checkRoomAvailability(s), () => B.checkRoomAvailability(s));
        } else if (q < 0.42) {
          const s = hot(P.all);
          op(['getAllRoomAvailability', s]);
          count('getAllRoomAvailability');
          both('getAllRoomAvailability', () => A.getAllRoomAvailability(s), () => B.getAllRoomAvailability(s));
        } else if (q < 0.49) {
          const s = hot(P.batch);
          op(['batchCheckAvailability', s]);
          count('batchCheckAvailability');
          both('batchCheckAvailability', () => A.batchCheckAvailability(s), () => B.batchCheckAvailability(s));
        } else if (q < 0.58) {
          const s = hot(P.calendar);
          op(['getCalendar', s]);
          count('getCalendar');
          both('getCalendar', () => A.getCalendar(s), () => B.getCalendar(s));
        } else if (q < 0.62) {
          const h = hot(P.roomTypes);
          op(['getRoomTypes', h]);
          count('getRoomTypes');
          both('getRoomTypes', () => A.getRoomTypes(h), () => B.getRoomTypes(h));
        } else if (q < 0.65) {
          const h = hot(P.rules);
          op(['getBookingRules', h]);
          count('getBookingRules');
          both('getBookingRules', () => A.getBookingRules(h), () => B.getBookingRules(h));
        } else if (q < 0.69) {
          const s = hot(P.specialDays);
          op(['getSpecialDays', s]);
          count('getSpecialDays');
          both('getSpecialDays', () => A.getSpecialDays(s), () => B.getSpecialDays(s));
        } else if (q < 0.84) {
          const s = hot(P.user);
          op(['getUserBookingsWithRoomType', s]);
          count(s.options.includePayments ? 'getUserBookingsWithRoomType+payments' : 'getUserBookingsWithRoomType');
          both('getUserBookingsWithRoomType', () => A.getUserBookingsWithRoomType(s.userId, s.options), () => B.getUserBookingsWithRoomType(s.userId, s.options));
        } else if (q < 0.92) {
          const s = hot(P.stats);
          op(['getBookingStatistics', s]);
          count('getBookingStatistics');
          both('getBookingStatistics', () => A.getBookingStatistics(s), () => B.getBookingStatistics(s));
        } else {
          const s = hot(P.occupancy);
          op(['getOccupancyRate', s]);
          count('getOccupancyRate');
          both('getOccupancyRate', () => A.getOccupancyRate(s), () => B.getOccupancyRate(s));
        }
      } else if (r < 0.988) {
        // ---- a change batch from the centre
        totals.batches++;
        const b = (w.anchor !== null && w.invHorizon.get(w.rtList[0]) < w.today() + 60 && w.extendBatch()) || w.randomBatch();
        op(['applyChanges', b]);
        count('applyChanges');
        const res = both('applyChanges', () => A.applyChanges(b), () => B.applyChanges(b));
        if (res.ok) {
          w.cursor++;
          for (const f of w.onCommit) f();
        }
        w.onCommit = [];
      } else if (r < 0.996) {
        // ---- a local write
        totals.writes++;
        const k = rng.next();
        if (k < 0.45) {
          const P = w.queries();
          const s = rng.pick(P.stay);
          const rt = w.roomTypes.get(s.roomTypeId);
          const reuse = rng.chance(0.05) && w.keys.length;
          const key = reuse ? rng.pick(w.keys) : `k${seed}-${w.nextKey++}`;
          if (!reuse) w.keys.push(key);
          const req = { hotelId: rt ? rt.hotel : 1, roomTypeId: s.roomTypeId, userId: rng.pick(w.users), checkIn: s.checkIn, checkOut: s.checkOut, rooms: s.rooms ?? 1, guests: 1, idempotencyKey: key, hold: rng.chance(0.45) };
          op(['createBooking', req]);
          count('createBooking');
          const res = both('createBooking', () => A.createBooking(req), () => B.createBooking(req));
          if (res.ok && !reuse) {
            w.localBookings.push(res.value.id);
            if (res.value.holdExpiresAt) w.holdExpiries.push(res.value.holdExpiresAt);
          }
        } else if (k < 0.65) {
          const pickLocal = w.localBookings.length && rng.chance(0.7);
          const id = pickLocal ? rng.pick(w.localBookings) : w.centralBookings.length ? rng.pick(w.centralBookings).id : 1;
          op(['cancelBooking', id]);
          count('cancelBooking');
          both('cancelBooking', () => A.cancelBooking(id), () => B.cancelBooking(id));
        } else if (k < 0.8) {
          const id = w.localBookings.length ? rng.pick(w.localBookings) : -1;
          op(['confirmHold', id]);
          count('confirmHold');
          both('confirmHold', () => A.confirmHold(id), () => B.confirmHold(id));
        } else {
          const pa = A.pendingMutations();
          const pb = B.pendingMutations();
          if (!isDeepStrictEqual(pa.mutations, pb.mutations)) fail(`pendingMutations differ: ${firstDiff(pb.mutations, pa.mutations)}`);
          const results = [];
          const n = rng.int(0, Math.min(6, pb.mutations.length));
          for (const m of pb.mutations.slice(0, n)) {
            const applied = rng.chance(0.8);
            const res = { seq: m.seq, status: applied ? 'applied' : 'rejected' };
            if (applied && m.type === 'createBooking') {
              res.booking = { id: w.nextServerId++, status: 'CONFIRMED' };
              w.accepted.push({ localId: m.args.localId, serverId: res.booking.id, hotel: m.args.hotelId, rt: m.args.roomTypeId, user: m.args.userId, checkIn: m.args.checkIn, checkOut: m.args.checkOut, rooms: m.args.rooms });
            }
            if (!applied) res.reason = 'sold_out';
            results.push(res);
          }
          if (rng.chance(0.1) && pb.mutations.length === 0) results.push({ seq: 1, status: 'applied' }); // settled before: ignored
          op(['applyPushResults', results]);
          count('applyPushResults');
          both('applyPushResults', () => A.applyPushResults(results), () => B.applyPushResults(results));
        }
      } else if (r < 0.9962 || i === restoreAt) {
        // ---- the cache is reconfigured or cleared (A only: B has no cache); smaller
        // bounds or other TTLs hold for a few hundred operations, then come back.
        let admin;
        if (i === restoreAt) {
          admin = { maxEntries, maxBytes, admission, ttlMs: { availability: TTL.availability, reports: TTL.reports } };
          restoreAt = -1;
        } else if (rng.chance(0.3)) {
          admin = { clear: true };
        } else {
          admin = {
            maxEntries: rng.pick([20, 50, 100, 200]),
            maxBytes: rng.pick([8, 16, 32, 64]) * 1024,
            ttlMs: { availability: rng.pick([MIN, 2 * MIN, 5 * MIN]), reports: rng.pick([0, 5 * MIN, 15 * MIN]) },
            admission: rng.pick(['repeat', 'always']),
          };
          restoreAt = i + rng.int(100, 1000);
        }
        op(['cache', admin]);
        count(admin.clear ? 'clearCache' : 'configureCache');
        if (admin.clear) {
          A.clearCache();
          const st = A.cacheStats();
          if (st.entries !== 0 || st.bytes !== 0) fail(`clearCache left ${st.entries} entries, ${st.bytes} bytes`);
        } else {
          const st = A.configureCache(admin);
          if (st.maxEntries !== admin.maxEntries || st.maxBytes !== admin.maxBytes || st.namespaces.availability.ttlMs !== admin.ttlMs.availability) {
            fail(`configureCache answered ${JSON.stringify(st)}`);
          }
          limits.maxEntries = admin.maxEntries;
          limits.maxBytes = admin.maxBytes;
        }
      } else {
        // ---- the clock moves
        totals.clock++;
        const k = rng.next();
        let to;
        let kind;
        if (k < 0.5) {
          kind = 'small';
          to = w.now + rng.int(1, 20000);
        } else if (k < 0.75) {
          kind = 'ttl';
          const ttl = TTL[rng.pick(NAMESPACES)];
          to = w.now + ttl + rng.pick([-1, 0, 1, 2000]);
        } else if (k < 0.9) {
          kind = 'hold';
          const future = w.holdExpiries.filter((t) => t >= w.now);
          w.holdExpiries = future;
          const target = future.length ? Math.min(...future) : w.now + 60000;
          to = Math.max(w.now, target + rng.pick([-1, 0, 0, 1, 1000]));
        } else {
          kind = 'midnight';
          const m = w.nextMidnight();
          to = Math.max(w.now, m + rng.pick([-60000, -1, 0, 0, 1, 5000]));
        }
        op(['clock', kind, to - w.now]);
        count(`clock:${kind}`);
        w.now = to;
      }

      // Invariants after every operation: the bounds, and the same events on both sides.
      // Holds expire at the first call at or after their time; when A's cacheStats() call
      // expired some (it raised events), B gets a call at the same instant too.
      const before = evA.length;
      const st = A.cacheStats();
      if (evA.length > before) B.cacheStats();
      if (st.entries > limits.maxEntries || st.bytes > limits.maxBytes || st.maxEntries !== limits.maxEntries) {
        fail(`bounds: entries ${st.entries}/${limits.maxEntries}, bytes ${st.bytes}/${limits.maxBytes}`);
      }
      if (evA.length || evB.length) {
        if (!isDeepStrictEqual(evA, evB)) fail(`events differ: ${firstDiff(evB, evA)}`);
        evA.length = 0;
        evB.length = 0;
      }
    }
    totals.ms += performance.now() - t0;
    const st = A.cacheStats();
    finalStats.push({ seed, stats: st });
    const nsLine = NAMESPACES.map((n) => `${n} ${st.namespaces[n].hits}/${st.namespaces[n].hits + st.namespaces[n].misses}`).join(', ');
    console.log(`seed ${seed}: ${ops} ops, hit rate ${(st.hitRate * 100).toFixed(1)}% (hits ${st.hits}, misses ${st.misses}), entries ${st.entries}, bytes ${st.bytes}, evictions ${st.evictions}, expirations ${st.expirations}, invalidations ${st.invalidations}; ${nsLine}`);
    if (ops >= 20000) {
      assert.ok(st.hits > 0 && st.evictions > 0 && st.expirations > 0 && st.invalidations > 0, 'the run exercised hits, evictions, expirations and invalidations');
    }
    A.close();
    B.close();
  }
}

test(`model-based: cache on vs cache off, ${SEEDS.length} seeds x ${OPS_PER_SEED} operations`, async (t) => {
  for (const seed of SEEDS) {
    await t.test(`seed ${seed}`, () => runSeed(seed, OPS_PER_SEED));
  }
  let hits = 0;
  let misses = 0;
  for (const { stats } of finalStats) {
    hits += stats.hits;
    misses += stats.misses;
  }
  const kinds = Object.entries(totals.byKind).sort().map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`cache model run: ${totals.ops} operations (${totals.queries} queries, ${totals.batches} batches, ${totals.writes} local writes, ${totals.clock} clock moves) in ${(totals.ms / 1000).toFixed(1)} s; ` +
    `${totals.answers} answers + ${totals.errors} errors compared, 0 stale; hit rate ${((hits / (hits + misses)) * 100).toFixed(1)}% (${hits} hits, ${misses} misses)\n  by kind: ${kinds}`);
  assert.ok(totals.ops >= SEEDS.length * OPS_PER_SEED);
});

// ------------------------------------------------------------------ focused tests

const H = 1;
/** One hotel, two room types, inventory from late February to early May 2027. */
function baseBatch({ offset = 0, rules = [] } = {}) {
  const changes = [
    { op: 'upsert', table: 'hotels', row: { id: H, name: 'Harbour', currency: 'EUR', utc_offset_minutes: offset } },
    { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: H, name: 'Double', base_price_cents: 10000, total_rooms: 5 } },
    { op: 'upsert', table: 'room_types', row: { id: 11, hotel_id: H, name: 'Suite', base_price_cents: 20000, total_rooms: 3 } },
    { op: 'upsert', table: 'special_days', row: { hotel_id: H, date: '2027-04-20', kind: 'holiday', price_multiplier_pct: 150 } },
    { op: 'upsert', table: 'bookings', row: { id: 1, hotel_id: H, user_id: 7, room_type_id: 10, status: 'CONFIRMED', start_date: '2027-03-10', end_date: '2027-03-12', rooms: 1, guests: 2, total_cents: 20000, created_at: at('2027-01-05') } },
    { op: 'upsert', table: 'bookings', row: { id: 2, hotel_id: H, user_id: 7, room_type_id: 11, status: 'CONFIRMED', start_date: '2027-04-10', end_date: '2027-04-11', rooms: 1, guests: 2, total_cents: 20000, created_at: at('2027-01-06') } },
    { op: 'upsert', table: 'payments', row: { id: 1, booking_id: 1, status: 'CAPTURED', amount_cents: 20000, created_at: at('2027-01-05') } },
    ...rules.map(([key, value]) => ({ op: 'upsert', table: 'booking_rules', row: { hotel_id: H, key, value } })),
  ];
  const cols = ['room_type_id', 'date', 'total', 'available', 'price_cents'];
  for (const [rt, total, price] of [[10, 5, 10000], [11, 3, 20000]]) {
    const rows = [];
    for (let d = parseDate('2027-02-20'); d <= parseDate('2027-05-10'); d++) rows.push([rt, formatDate(d), total, total, price]);
    changes.push({ op: 'upsert', table: 'room_inventory', columns: cols, rows });
  }
  return batch(changes, { cursor: 'base', syncedAt: at('2027-01-31') });
}

/** An engine over baseBatch() with an injected clock; `clock.now` moves it. */
// The focused tests count single entries, so they store every answer (admission
// 'always'); admission itself has its own test.
async function engineAt(now, { cache, base } = {}) {
  const clock = { now };
  const options = { now: () => clock.now };
  options.cache = cache === undefined ? { admission: 'always' } : cache && typeof cache === 'object' ? { admission: 'always', ...cache } : cache;
  const engine = await openEngine(options);
  engine.applyChanges(base ?? baseBatch());
  return { engine, clock };
}

const withoutAsOf = (answer) => {
  const { asOf, ...rest } = answer;
  return rest;
};

test('month isolation: a March inventory change keeps April answers cached', async () => {
  const { engine } = await engineAt(at('2027-02-01'));
  const { engine: plain } = await engineAt(at('2027-02-01'), { cache: false });
  const march = {
    stay10: (e = engine) => e.checkRoomAvailability({ roomTypeId: 10, checkIn: '2027-03-10', checkOut: '2027-03-13' }),
    all: (e = engine) => e.getAllRoomAvailability({ hotelId: H, checkIn: '2027-03-10', checkOut: '2027-03-13' }),
    calendar: (e = engine) => e.getCalendar({ hotelId: H, from: '2027-03-01', days: 31 }),
    occupancy: (e = engine) => e.getOccupancyRate({ hotelId: H, from: '2027-03-01', to: '2027-04-01' }),
  };
  // The other room type in March: a different room type, so not touched either.
  const march11 = (e = engine) => e.checkRoomAvailability({ roomTypeId: 11, checkIn: '2027-03-10', checkOut: '2027-03-13' });
  const april = {
    stay10: (e = engine) => e.checkRoomAvailability({ roomTypeId: 10, checkIn: '2027-04-10', checkOut: '2027-04-13' }),
    stay11: (e = engine) => e.checkRoomAvailability({ roomTypeId: 11, checkIn: '2027-04-18', checkOut: '2027-04-22', rooms: 2 }),
    all: (e = engine) => e.getAllRoomAvailability({ hotelId: H, checkIn: '2027-04-10', checkOut: '2027-04-13' }),
    calendar: (e = engine) => e.getCalendar({ hotelId: H, from: '2027-04-01', days: 30 }),
    occupancy: (e = engine) => e.getOccupancyRate({ hotelId: H, from: '2027-04-01', to: '2027-05-01' }),
    stats: (e = engine) => e.getBookingStatistics({ hotelId: H, from: '2027-04-01', to: '2027-05-01' }),
  };
  const first = {};
  for (const [k, f] of Object.entries(april)) first[k] = f();
  for (const f of Object.values(march)) f();
  march11();
  // getAllRoomAvailability and getCalendar are composed of per-room-type entries (H has
  // room types 10 and 11): 9 April entries + 7 March ones; the composed answers found 3
  // of their parts already cached (April and March stay10, March stay11).
  const s0 = engine.cacheStats();
  assert.equal(s0.entries, 16);
  assert.equal(s0.hits, 3);

  const res = engine.applyChanges(batch([
    { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'available', 'price_cents'], rows: Array.from({ length: 16 }, (_, i) => [10, formatDate(parseDate('2027-03-05') + i), 2, 12000]) },
  ], { since: 'base', cursor: 'march-1', syncedAt: at('2027-02-01', '11:00') }));
  assert.equal(res.cursor, 'march-1');
  const s1 = engine.cacheStats();
  assert.equal(s1.invalidations - s0.invalidations, 5, 'exactly the five March entries about room type 10 go');
  assert.equal(s1.namespaces.availability.invalidations - s0.namespaces.availability.invalidations, 4,
    'stay10, the whole getAll and calendar answers, and room type 10\'s calendar block');
  assert.equal(s1.namespaces.reports.invalidations - s0.namespaces.reports.invalidations, 1);
  assert.equal(s1.entries, 11);

  // April: all hits, the same answers, with the new asOf.
  for (const [k, f] of Object.entries(april)) {
    const again = f();
    if ('asOf' in first[k]) {
      assert.deepEqual(again.asOf, { cursor: 'march-1', syncedAt: at('2027-02-01', '11:00') }, `${k}: asOf follows the batch`);
      assert.deepStrictEqual(withoutAsOf(again), withoutAsOf(first[k]), k);
    } else {
      assert.deepStrictEqual(again, first[k], k);
    }
  }
  march11();
  const s2 = engine.cacheStats();
  assert.equal(s2.hits - s1.hits, Object.keys(april).length + 1, 'April answers (and room type 11 in March) are hits');
  assert.equal(s2.misses, s1.misses);

  // March: misses, and the answers show the batch.
  const stay = march.stay10();
  assert.deepEqual(stay.nightly.map((n) => [n.available, n.priceCents]), [[2, 12000], [2, 12000], [2, 12000]]);
  assert.equal(stay.totalCents, 36000);
  const cal = march.calendar();
  const rt10 = cal.roomTypes.find((r) => r.id === 10);
  assert.deepEqual(rt10.available.slice(0, 4), [5, 5, 5, 5]);
  assert.deepEqual(rt10.available.slice(4, 20), Array(16).fill(2));
  assert.deepEqual(rt10.available.slice(20), Array(11).fill(5));
  const s3 = engine.cacheStats();
  assert.equal(s3.misses - s2.misses, 3, 'stay10, the calendar, and its room type 10 block');
  assert.equal(s3.hits - s2.hits, 1, "the calendar's room type 11 block is still a hit");

  // Every answer equals the uncached engine's after the same batch.
  plain.applyChanges(batch([
    { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'available', 'price_cents'], rows: Array.from({ length: 16 }, (_, i) => [10, formatDate(parseDate('2027-03-05') + i), 2, 12000]) },
  ], { since: 'base', cursor: 'march-1', syncedAt: at('2027-02-01', '11:00') }));
  for (const [k, f] of [...Object.entries(march), ...Object.entries(april), ['march11', march11]]) {
    assert.deepStrictEqual(f(), f(plain), k);
  }
  engine.close();
  plain.close();
});

test('TTL boundary: valid at t + ttl - 1, expired at t + ttl', async (t) => {
  const t0 = at('2027-02-01', '10:00');
  const stay = { roomTypeId: 10, checkIn: '2027-03-10', checkOut: '2027-03-12' };

  /**
   * Cache at t0, then a hit at t0 + ttl - 1 and a miss (one expiration) at t0 + ttl.
   * `parts`: entries behind one answer (a composed getAllRoomAvailability / getCalendar is
   * the whole answer plus one entry per room type, all expiring together).
   */
  function boundary(engine, clock, nsName, ttl, query, parts = 1) {
    clock.now = t0;
    const first = query();
    const s0 = ns(engine, nsName);
    assert.equal(s0.ttlMs, ttl);
    clock.now = t0 + ttl - 1;
    assert.deepStrictEqual(withoutAsOf(query()), withoutAsOf(first));
    const s1 = ns(engine, nsName);
    assert.equal(s1.hits - s0.hits, 1, `${nsName}: a hit at t + ttl - 1`);
    assert.equal(s1.expirations, s0.expirations);
    clock.now = t0 + ttl;
    query();
    const s2 = ns(engine, nsName);
    assert.equal(s2.hits, s1.hits, `${nsName}: no hit at t + ttl`);
    assert.equal(s2.misses - s1.misses, parts, `${nsName}: a miss at t + ttl`);
    assert.equal(s2.expirations - s1.expirations, parts, `${nsName}: expirations at t + ttl`);
    // Stored again at t + ttl: a hit right after.
    query();
    assert.equal(ns(engine, nsName).hits - s2.hits, 1);
  }

  await t.test('availability, default 2 minutes', async () => {
    const { engine, clock } = await engineAt(t0);
    const stats = engine.cacheStats();
    for (const name of NAMESPACES) assert.equal(stats.namespaces[name].ttlMs, TTL[name], `default TTL of ${name}`);
    boundary(engine, clock, 'availability', 2 * MIN, () => engine.checkRoomAvailability(stay));
    boundary(engine, clock, 'availability', 2 * MIN, () => engine.getCalendar({ hotelId: H, from: '2027-03-01', days: 31 }), 3);
    engine.close();
  });

  await t.test('availability, overridden by openEngine({ cache: { ttlMs } }) and configureCache()', async () => {
    const { engine, clock } = await engineAt(t0, { cache: { ttlMs: { availability: 5000 } } });
    boundary(engine, clock, 'availability', 5000, () => engine.checkRoomAvailability(stay));
    const after = engine.configureCache({ ttlMs: { availability: 30000, reports: 1000 } });
    assert.equal(after.namespaces.availability.ttlMs, 30000);
    assert.equal(after.namespaces.reports.ttlMs, 1000);
    assert.equal(after.namespaces.userBookings.ttlMs, 5 * MIN, 'namespaces not named keep their TTL');
    boundary(engine, clock, 'availability', 30000, () => engine.getAllRoomAvailability({ hotelId: H, checkIn: '2027-03-10', checkOut: '2027-03-12' }), 3);
    boundary(engine, clock, 'reports', 1000, () => engine.getOccupancyRate({ hotelId: H, from: '2027-03-01', to: '2027-04-01' }));
    engine.close();
  });

  await t.test('reports, 15 minutes', async () => {
    const { engine, clock } = await engineAt(t0);
    boundary(engine, clock, 'reports', 15 * MIN, () => engine.getOccupancyRate({ hotelId: H, from: '2027-03-01', to: '2027-04-01' }));
    boundary(engine, clock, 'reports', 15 * MIN, () => engine.getBookingStatistics({ hotelId: H, from: '2027-03-01', to: '2027-05-01' }));
    engine.close();
  });

  await t.test('user bookings 5 minutes, room types / rules / special days 1 hour', async () => {
    const { engine, clock } = await engineAt(t0);
    boundary(engine, clock, 'userBookings', 5 * MIN, () => engine.getUserBookingsWithRoomType(7));
    boundary(engine, clock, 'roomTypes', HOUR, () => engine.getRoomTypes(H));
    boundary(engine, clock, 'bookingRules', HOUR, () => engine.getBookingRules(H));
    boundary(engine, clock, 'specialDays', HOUR, () => engine.getSpecialDays({ hotelId: H, from: '2027-04-01', to: '2027-05-01' }));
    engine.close();
  });

  await t.test('a TTL of 0 caches nothing', async () => {
    const { engine } = await engineAt(t0, { cache: { ttlMs: { availability: 0 } } });
    engine.checkRoomAvailability(stay);
    engine.checkRoomAvailability(stay);
    engine.checkRoomAvailability(stay);
    assert.equal(ns(engine, 'availability').hits, 0);
    engine.close();
  });
});

test('local midnight: availability expires at 00:00 hotel time, the calendar stays', async () => {
  // Hotel at UTC+2; 23:59 local on 2027-03-09 is 21:59 UTC. A one-day minimum lead time
  // makes "tomorrow" bookable at 23:59 and not at 00:00 (lead time 1 -> 0).
  const offset = 120;
  const { engine, clock } = await engineAt(at('2027-03-09', '23:59', offset), { base: baseBatch({ offset, rules: [['min_lead_days', 1]] }) });
  const stayQ = { roomTypeId: 10, checkIn: '2027-03-10', checkOut: '2027-03-12' };
  const allQ = { hotelId: H, checkIn: '2027-03-10', checkOut: '2027-03-12' };
  const calQ = { hotelId: H, from: '2027-03-01', days: 31 };
  const stay = engine.checkRoomAvailability(stayQ);
  assert.equal(stay.available, true);
  assert.equal(stay.reason, null);
  assert.equal(engine.getAllRoomAvailability(allQ).results[0].reason, null);
  const cal = engine.getCalendar(calQ);

  clock.now = at('2027-03-10', '00:00', offset) - 1; // 23:59:59.999
  engine.checkRoomAvailability(stayQ);
  engine.getAllRoomAvailability(allQ);
  const s0 = ns(engine, 'availability');
  assert.equal(s0.hits, 3, 'the stay, the whole getAll answer, and the stay as a part of the first getAll');

  clock.now = at('2027-03-10', '00:00', offset); // 00:00:00.000 local, one minute after caching
  const after = engine.checkRoomAvailability(stayQ);
  assert.equal(after.available, false);
  assert.equal(after.reason, 'lead_time');
  assert.equal(engine.getAllRoomAvailability(allQ).results[0].reason, 'lead_time');
  const s1 = ns(engine, 'availability');
  // The stay, the whole getAll answer and its room type 11 part expired; its room type 10
  // part is the stay just recomputed.
  assert.equal(s1.expirations - s0.expirations, 3, 'the today-dependent answers expired at midnight');
  assert.equal(s1.misses - s0.misses, 3);
  assert.deepStrictEqual(engine.getCalendar(calQ), cal, 'the calendar has no today-dependent field');
  const s2 = ns(engine, 'availability');
  assert.equal(s2.hits - s1.hits, 1, 'the calendar is a hit after midnight');
  assert.equal(s2.expirations, s1.expirations);
  // The new answers live through the new day.
  clock.now += MIN;
  engine.checkRoomAvailability(stayQ);
  assert.equal(ns(engine, 'availability').hits - s2.hits, 1);
  engine.close();
});

test('bounds: maxEntries, maxBytes, answers larger than maxBytes', async (t) => {
  const t0 = at('2027-02-01', '10:00');
  await t.test('maxEntries 10: 1000 distinct queries leave 10 entries and 990 evictions', async () => {
    const { engine } = await engineAt(t0, { cache: { maxEntries: 10 } });
    for (let rooms = 1; rooms <= 1000; rooms++) {
      engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2027-03-10', checkOut: '2027-03-12', rooms });
      assert.ok(engine.cacheStats().entries <= 10);
    }
    const s = engine.cacheStats();
    assert.equal(s.entries, 10);
    assert.equal(s.evictions, 990);
    assert.equal(s.namespaces.availability.evictions, 990);
    assert.equal(s.misses, 1000);
    // The 10 most recent are still there (LRU), the one before them is not.
    for (let rooms = 991; rooms <= 1000; rooms++) engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2027-03-10', checkOut: '2027-03-12', rooms });
    assert.equal(engine.cacheStats().hits, 10);
    engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2027-03-10', checkOut: '2027-03-12', rooms: 990 });
    assert.equal(engine.cacheStats().misses, 1001);
    // Shrinking the bound evicts down to it.
    const shrunk = engine.configureCache({ maxEntries: 3 });
    assert.equal(shrunk.entries, 3);
    assert.equal(shrunk.maxEntries, 3);
    assert.equal(shrunk.evictions, 991 + 7);
    engine.close();
  });

  await t.test('maxBytes: bytes never above it; an answer larger than maxBytes is not cached', async () => {
    const maxBytes = 8192;
    const { engine } = await engineAt(t0, { cache: { maxBytes } });
    const { engine: plain } = await engineAt(t0, { cache: false });
    const rng = new Rng(5);
    for (let i = 0; i < 400; i++) {
      const q = { hotelId: H, from: formatDate(parseDate('2027-02-20') + rng.int(0, 60)), days: rng.int(1, 20) };
      assert.deepStrictEqual(engine.getCalendar(q), plain.getCalendar(q));
      const s = { roomTypeId: rng.pick([10, 11]), checkIn: q.from, checkOut: formatDate(parseDate(q.from) + rng.int(1, 5)) };
      assert.deepStrictEqual(engine.checkRoomAvailability(s), plain.checkRoomAvailability(s));
      const st = engine.cacheStats();
      assert.ok(st.bytes <= maxBytes, `bytes ${st.bytes} <= ${maxBytes}`);
    }
    const s0 = engine.cacheStats();
    assert.ok(s0.evictions > 0 && s0.hits > 0);
    const big = { hotelId: H, from: '2027-01-01', days: 366 };
    const answer = engine.getCalendar(big);
    assert.ok(JSON.stringify(answer).length > maxBytes, 'the answer is larger than the bound');
    assert.deepStrictEqual(answer, plain.getCalendar(big));
    const s1 = engine.cacheStats();
    assert.equal(s1.entries, s0.entries, 'not stored');
    assert.equal(s1.bytes, s0.bytes);
    assert.equal(s1.evictions, s0.evictions, 'nothing was evicted to make room for it');
    engine.getCalendar(big);
    const s2 = engine.cacheStats();
    assert.equal(s2.misses - s1.misses, 3, 'asked again: a miss (the whole answer and its two room type blocks)');
    assert.equal(s2.hits, s1.hits);
    engine.close();
    plain.close();
  });

  await t.test('cache: false and maxEntries 0 cache nothing', async () => {
    for (const cache of [false, { maxEntries: 0 }, { enabled: false }]) {
      const { engine } = await engineAt(t0, { cache });
      engine.getRoomTypes(H);
      engine.getRoomTypes(H);
      const s = engine.cacheStats();
      assert.equal(s.hits, 0, JSON.stringify(cache));
      assert.equal(s.entries, 0);
      engine.close();
    }
  });
});

test('payments are never cached and follow a payments change at once', async () => {
  const { engine, clock } = await engineAt(at('2027-02-01', '10:00'));
  const pay = () => engine.getUserBookingsWithRoomType(7, { includePayments: true });
  const payConfirmed = () => engine.getUserBookingsWithRoomType(7, { status: 'CONFIRMED', includePayments: true });
  const first = pay();
  assert.deepEqual(first.find((b) => b.id === 1).payments, [{ id: 1, status: 'CAPTURED', amountCents: 20000, createdAt: at('2027-01-05') }]);
  for (let i = 0; i < 5; i++) {
    assert.deepStrictEqual(pay(), first);
    payConfirmed();
  }
  let s = ns(engine, 'userBookings');
  assert.equal(s.hits, 0, 'no hits for answers with payments');
  assert.equal(s.entries, 0, 'nothing stored');
  assert.equal(Object.isFrozen(first), false, 'a fresh object each time');

  // The same user without payments is cached; a payments change does not touch it.
  const plainFirst = engine.getUserBookingsWithRoomType(7);
  engine.getUserBookingsWithRoomType(7);
  s = ns(engine, 'userBookings');
  assert.equal(s.hits, 1);
  assert.equal(s.entries, 1);

  clock.now += 1000;
  engine.applyChanges(batch([
    { op: 'upsert', table: 'payments', row: { id: 1, status: 'REFUNDED' } },
    { op: 'upsert', table: 'payments', row: { id: 2, booking_id: 2, status: 'PENDING', amount_cents: 5000, created_at: at('2027-01-20') } },
  ], { cursor: 'pay-1' }));
  const now = pay();
  assert.deepEqual(now.find((b) => b.id === 1).payments.map((p) => p.status), ['REFUNDED']);
  assert.deepEqual(now.find((b) => b.id === 2).payments, [{ id: 2, status: 'PENDING', amountCents: 5000, createdAt: at('2027-01-20') }]);
  assert.deepEqual(payConfirmed().find((b) => b.id === 1).payments.map((p) => p.status), ['REFUNDED']);
  assert.deepStrictEqual(engine.getUserBookingsWithRoomType(7), plainFirst);
  s = ns(engine, 'userBookings');
  assert.equal(s.hits, 2, 'the answer without payments is still a hit');
  assert.equal(s.invalidations, 0);
  engine.close();
});

test('events: payloads of a batch and of local writes, fired after the cache is current', async () => {
  const { engine, clock } = await engineAt(at('2027-02-01', '10:00'));
  const seen = [];
  const offs = [];
  for (const type of ['inventory', 'booking', 'specialDay', 'roomType', 'hotel', 'sync', 'waitlist']) {
    offs.push(engine.on(type, (payload) => seen.push([type, payload])));
  }
  const stayQ = { roomTypeId: 10, checkIn: '2027-03-05', checkOut: '2027-03-08' };
  engine.checkRoomAvailability(stayQ);
  engine.getRoomTypes(H);
  // Inside a listener the cache already reflects the change.
  let inListener = null;
  engine.on('inventory', () => {
    inListener = engine.checkRoomAvailability(stayQ).nightly.map((n) => n.available);
  });
  let inRoomType = null;
  engine.on('roomType', () => {
    inRoomType = engine.getRoomTypes(H).map((r) => r.name);
  });

  const syncedAt = at('2027-02-01', '09:59');
  const result = engine.applyChanges(batch([
    { op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2027-03-07', available: 1 } },
    { op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2027-03-05', available: 0 } },
    { op: 'upsert', table: 'room_inventory', row: { room_type_id: 11, date: '2027-04-01', stop_sell: true } },
    { op: 'delete', table: 'special_days', key: { hotel_id: H, date: '2027-04-20' } },
    { op: 'upsert', table: 'special_days', row: { hotel_id: H, date: '2027-04-25', kind: 'event' } },
    { op: 'upsert', table: 'room_types', row: { id: 11, name: 'Grand suite' } },
    { op: 'upsert', table: 'bookings', row: { id: 3, hotel_id: H, user_id: 8, room_type_id: 11, status: 'CONFIRMED', start_date: '2027-03-15', end_date: '2027-03-18', rooms: 1, guests: 1, total_cents: 60000, created_at: at('2027-01-31') } },
    { op: 'upsert', table: 'bookings', row: { id: 1, status: 'CANCELLED' } },
  ], { since: 'base', cursor: 'ev-1', syncedAt }));
  assert.deepEqual(result, { applied: 8, cursor: 'ev-1', syncedAt });
  assert.deepStrictEqual(seen, [
    ['inventory', { roomTypeId: 10, from: '2027-03-05', to: '2027-03-08' }],
    ['inventory', { roomTypeId: 11, from: '2027-04-01', to: '2027-04-02' }],
    ['roomType', { roomTypeId: 11 }],
    ['specialDay', { hotelId: H, from: '2027-04-20', to: '2027-04-26' }],
    ['booking', { userIds: [7, 8], ranges: [{ roomTypeId: 10, from: '2027-03-10', to: '2027-03-12' }, { roomTypeId: 11, from: '2027-03-15', to: '2027-03-18' }], bookings: [] }],
    ['sync', { applied: 8, cursor: 'ev-1', syncedAt }],
  ]);
  assert.deepEqual(inListener, [0, 5, 1]);
  assert.deepEqual(inRoomType, ['Double', 'Grand suite']);

  // A local write: one booking event with the booking as returned; no inventory or sync event.
  seen.length = 0;
  clock.now += 1000;
  const booking = engine.createBooking({ hotelId: H, roomTypeId: 10, userId: 9, checkIn: '2027-03-20', checkOut: '2027-03-22', idempotencyKey: 'ev-b1', hold: true });
  assert.deepStrictEqual(seen, [['booking', { userIds: [9], ranges: [{ roomTypeId: 10, from: '2027-03-20', to: '2027-03-22' }], bookings: [booking] }]]);
  seen.length = 0;
  const confirmed = engine.confirmHold(booking.id);
  assert.equal(confirmed.status, 'PENDING_SYNC');
  assert.deepStrictEqual(seen, [['booking', { userIds: [9], ranges: [{ roomTypeId: 10, from: '2027-03-20', to: '2027-03-22' }], bookings: [confirmed] }]]);
  seen.length = 0;
  const cancelled = engine.cancelBooking(booking.id);
  assert.equal(cancelled.status, 'CANCELLED');
  assert.deepStrictEqual(seen, [['booking', { userIds: [9], ranges: [{ roomTypeId: 10, from: '2027-03-20', to: '2027-03-22' }], bookings: [cancelled] }]]);
  // An idempotent replay writes nothing and fires nothing.
  seen.length = 0;
  engine.createBooking({ hotelId: H, roomTypeId: 10, userId: 9, checkIn: '2027-03-20', checkOut: '2027-03-22', idempotencyKey: 'ev-b1' });
  assert.deepStrictEqual(seen, []);
  // Hold expiry is a local write too: its event comes with the first call at or after the time.
  const held = engine.createBooking({ hotelId: H, roomTypeId: 11, userId: 9, checkIn: '2027-03-25', checkOut: '2027-03-26', idempotencyKey: 'ev-b2', hold: true });
  seen.length = 0;
  clock.now = held.holdExpiresAt;
  engine.cacheStats();
  assert.equal(seen.length, 1);
  assert.equal(seen[0][0], 'booking');
  assert.equal(seen[0][1].bookings[0].status, 'EXPIRED');
  assert.deepEqual(seen[0][1].ranges, [{ roomTypeId: 11, from: '2027-03-25', to: '2027-03-26' }]);
  // Push results: one event with every booking they settled.
  const pending = engine.pendingMutations().mutations;
  seen.length = 0;
  engine.applyPushResults({ results: pending.filter((m) => m.type === 'createBooking').map((m, i) => ({ seq: m.seq, status: 'applied', booking: { id: 9000 + i } })) });
  assert.equal(seen.length, 1);
  assert.equal(seen[0][0], 'booking');
  assert.deepEqual(seen[0][1].userIds, [9]);
  assert.deepEqual(seen[0][1].bookings.map((b) => [b.id, b.serverId]), [[booking.id, 9000], [held.id, 9001]]);
  // Unsubscribed listeners hear nothing.
  for (const off of offs) off();
  seen.length = 0;
  engine.applyChanges(batch([{ op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2027-03-06', available: 3 } }]));
  assert.deepStrictEqual(seen, []);
  engine.close();
});

test('a room type that moves to another hotel leaves no stale answer in its old hotel', async () => {
  const base = baseBatch();
  base.changes.splice(1, 0, { op: 'upsert', table: 'hotels', row: { id: 2, name: 'Annex', currency: 'USD' } });
  const { engine } = await engineAt(at('2027-02-01', '10:00'), { base });
  const { engine: plain } = await engineAt(at('2027-02-01', '10:00'), { base, cache: false });
  const queries = {
    roomTypes1: (e) => e.getRoomTypes(1),
    roomTypes2: (e) => e.getRoomTypes(2),
    stay: (e) => e.checkRoomAvailability({ roomTypeId: 11, checkIn: '2027-03-10', checkOut: '2027-03-12' }),
    all1: (e) => e.getAllRoomAvailability({ hotelId: 1, checkIn: '2027-03-10', checkOut: '2027-03-12' }),
    all2: (e) => e.getAllRoomAvailability({ hotelId: 2, checkIn: '2027-03-10', checkOut: '2027-03-12' }),
    calendar1: (e) => e.getCalendar({ hotelId: 1, from: '2027-03-01', days: 14 }),
    occupancy1: (e) => e.getOccupancyRate({ hotelId: 1, from: '2027-03-01', to: '2027-03-15' }),
  };
  for (const f of Object.values(queries)) f(engine);
  // Room type 11 (no bookings in this test's March range matter) moves to hotel 2.
  const move = batch([{ op: 'upsert', table: 'room_types', row: { id: 11, hotel_id: 2 } }]);
  engine.applyChanges(move);
  plain.applyChanges(move);
  for (const [k, f] of Object.entries(queries)) assert.deepStrictEqual(f(engine), f(plain), k);
  engine.close();
  plain.close();
});

// Regression: bookings keep the hotel_id they were written with; invalidation must go by
// that hotel, not by the room type's current one (it moved).
test('booking statistics of the old hotel follow a booking of a room type that moved', async () => {
  const base = baseBatch();
  base.changes.splice(1, 0, { op: 'upsert', table: 'hotels', row: { id: 2, name: 'Annex', currency: 'USD' } });
  const { engine } = await engineAt(at('2027-02-01', '10:00'), { base });
  const { engine: plain } = await engineAt(at('2027-02-01', '10:00'), { base, cache: false });
  const move = batch([{ op: 'upsert', table: 'room_types', row: { id: 11, hotel_id: 2 } }]);
  engine.applyChanges(move);
  plain.applyChanges(move);
  const stats = (e) => e.getBookingStatistics({ hotelId: 1, from: '2027-04-01', to: '2027-05-01' });
  stats(engine);
  engine.cancelBooking(2); // booking 2: hotel 1, room type 11
  plain.cancelBooking(2);
  assert.deepStrictEqual(stats(engine), stats(plain));
  engine.close();
  plain.close();
});

test('admission: an answer is stored on its second miss; one-off questions evict nothing', async () => {
  const t0 = at('2027-02-01', '10:00');
  const { engine } = await engineAt(t0, { cache: { admission: 'repeat', maxEntries: 4 } });
  const { engine: plain } = await engineAt(t0, { cache: false });
  assert.equal(engine.cacheStats().admission, 'repeat');
  const stay = (rooms) => ({ roomTypeId: 10, checkIn: '2027-03-10', checkOut: '2027-03-12', rooms });
  const a1 = engine.checkRoomAvailability(stay(1));
  let s = ns(engine, 'availability');
  assert.deepEqual([s.misses, s.entries], [1, 0], 'first ask: a miss, not stored');
  const a2 = engine.checkRoomAvailability(stay(1));
  s = ns(engine, 'availability');
  assert.deepEqual([s.misses, s.entries], [2, 1], 'second ask: a miss, stored');
  assert.notEqual(a1, a2);
  const a3 = engine.checkRoomAvailability(stay(1));
  assert.equal(a3, a2, 'third ask: the stored answer');
  assert.equal(ns(engine, 'availability').hits, 1);
  // 500 questions asked once: none stored, the repeated one stays.
  for (let rooms = 2; rooms <= 501; rooms++) {
    assert.deepStrictEqual(engine.checkRoomAvailability(stay(rooms)), plain.checkRoomAvailability(stay(rooms)));
  }
  s = ns(engine, 'availability');
  assert.equal(s.entries, 1);
  assert.equal(s.evictions, 0);
  assert.equal(engine.checkRoomAvailability(stay(1)), a2);
  // After an invalidation the key is known: its next miss is stored at once.
  engine.createBooking({ hotelId: H, roomTypeId: 10, userId: 5, checkIn: '2027-03-11', checkOut: '2027-03-12' });
  plain.createBooking({ hotelId: H, roomTypeId: 10, userId: 5, checkIn: '2027-03-11', checkOut: '2027-03-12' });
  const b1 = engine.checkRoomAvailability(stay(1));
  assert.deepStrictEqual(b1, plain.checkRoomAvailability(stay(1)));
  assert.equal(engine.checkRoomAvailability(stay(1)), b1, 'stored on the first miss after the invalidation');
  // admission: 'always' stores the first answer.
  const st = engine.configureCache({ admission: 'always' });
  assert.equal(st.admission, 'always');
  engine.checkRoomAvailability(stay(900));
  assert.equal(ns(engine, 'availability').entries, 2);
  assert.throws(() => engine.configureCache({ admission: 'sometimes' }), { code: 'INVALID_ARGUMENT' });
  engine.close();
  plain.close();
});

test('invalidation index: a booking looks at the entries it can change, not at the whole cache', async () => {
  const t0 = at('2027-02-01', '10:00');
  const { engine } = await engineAt(t0, { cache: { maxEntries: 20000, maxBytes: 256 << 20 } });
  const { engine: plain } = await engineAt(t0, { cache: false });
  // 10,000 answers about room type 11 and about April-May, none about room type 10 in March.
  let n = 0;
  for (let d = parseDate('2027-04-01'); d < parseDate('2027-05-01') && n < 10000; d++) {
    for (let len = 1; len <= 9 && n < 10000; len++) {
      for (let rooms = 1; rooms <= 40 && n < 10000; rooms++, n++) {
        engine.checkRoomAvailability({ roomTypeId: 11, checkIn: formatDate(d), checkOut: formatDate(d + len), rooms });
      }
    }
  }
  const marchStay = { roomTypeId: 10, checkIn: '2027-03-10', checkOut: '2027-03-13' };
  const marchCal = { hotelId: H, from: '2027-03-01', days: 20 };
  const before = engine.checkRoomAvailability(marchStay);
  engine.getCalendar(marchCal);
  const s0 = engine.cacheStats();
  assert.ok(s0.entries >= 10000, `entries ${s0.entries}`);
  const booking = { hotelId: H, roomTypeId: 10, userId: 9, checkIn: '2027-03-11', checkOut: '2027-03-12', rooms: 2 };
  engine.createBooking(booking);
  plain.createBooking(booking);
  const s1 = engine.cacheStats();
  const checked = s1.invalidationChecks - s0.invalidationChecks;
  assert.ok(checked <= 10, `the booking checked ${checked} entries (not ${s0.entries})`);
  assert.equal(s1.invalidations - s0.invalidations, 3, 'the March stay, the calendar and its room type 10 block');
  const after = engine.checkRoomAvailability(marchStay);
  assert.deepStrictEqual(after, plain.checkRoomAvailability(marchStay));
  assert.equal(after.nightly[1].available, before.nightly[1].available - 2);
  assert.deepStrictEqual(engine.getCalendar(marchCal), plain.getCalendar(marchCal));
  // A room type change has no date range: it checks every entry, and evicts exactly.
  const rtBatch = batch([{ op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: H, name: 'Double+', base_price_cents: 10000, total_rooms: 5 } }], { since: 'base', cursor: 'rt', syncedAt: t0 });
  engine.applyChanges(rtBatch);
  plain.applyChanges(rtBatch);
  const s2 = engine.cacheStats();
  assert.ok(s2.invalidationChecks - s1.invalidationChecks >= s1.entries);
  const q = { roomTypeId: 11, checkIn: '2027-04-03', checkOut: '2027-04-05' };
  assert.deepStrictEqual(engine.checkRoomAvailability(q), plain.checkRoomAvailability(q));
  engine.close();
  plain.close();
});
