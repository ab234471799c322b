// The benchmark's peers: sql.js and better-sqlite3 running the engine's own SQL on the
// same data, plus the JS work needed to produce the same answer objects as the engine.
//
// Fairness rules (docs/PERFORMANCE.md):
// - the schema is the engine's: CREATE statements are read from the sqlite_master of a
//   fresh engine's exported image, so tables, CHECKs and indexes are identical;
// - the data is the same change batch, bulk-inserted in one transaction with one
//   prepared INSERT per (table, columns);
// - every query is the engine's SQL text (copied from wasm/src/availability.cc,
//   reports.cc and bookings.cc; `pickVariants()` compares them with the statements the
//   engine reports through explainQueries(), so a change in the core shows up in the
//   benchmark output instead of silently comparing different queries). Questions the
//   engine now answers from memory (ANSWERED_FROM_MEMORY) keep the per-question SQL it
//   ran before: what a SQL-only implementation of the same rules runs;
// - statements are prepared once and reused; hotel / room-type facts are kept in memory
//   as the engine keeps them; rows come back as arrays (the drivers' fastest form);
// - the answer-building JS is shared by both peers, so they differ only in the driver.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** A dependency's version, read from its package.json (some packages do not export it). */
function packageVersion(name) {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg.name === name) return pkg.version;
    } catch { /* keep climbing */ }
    const up = path.dirname(dir);
    if (up === dir) return '?';
    dir = up;
  }
}

const DAY_MS = 86400000;
const STATUSES = ['HELD', 'PENDING_SYNC', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED'];
const INV_COLS = 'date, total, available, price_cents, min_stay, max_stay, closed_to_arrival, closed_to_departure, stop_sell';

// ------------------------------------------------------------------ the engine's SQL

const PENDING_SQL = "SELECT room_type_id, start_date, end_date, rooms FROM bookings INDEXED BY bookings_localHolding_idx" +
  " WHERE origin = 'local' AND (status = 'HELD' OR status = 'PENDING_SYNC' OR status = 'CONFIRMED') AND hotel_id = ?3" +
  " AND start_date <= ?1 AND end_date > ?2 AND (?4 = 0 OR room_type_id = ?4)" +
  " AND (status <> 'HELD' OR hold_expires_at > ?5)";

export const SQL = {
  hotels: 'SELECT id, currency, utc_offset_minutes FROM hotels',
  rules: 'SELECT hotel_id, key, value FROM booking_rules',
  roomTypeFacts: 'SELECT id, hotel_id, name, capacity_adults, capacity_children FROM room_types ORDER BY id',
  syncState: "SELECT key, value FROM sync_state WHERE key IN ('cursor', 'synced_at')",
  inventorySingle: `SELECT ${INV_COLS} FROM room_inventory` +
    ' WHERE room_type_id = ? AND date >= ? AND date <= ?',
  inventoryMulti: `SELECT room_type_id, ${INV_COLS} FROM room_inventory` +
    ' WHERE room_type_id IN (SELECT id FROM room_types WHERE hotel_id = ?) AND date >= ? AND date <= ?',
  specialDays: 'SELECT date, kind, price_multiplier_pct, min_stay FROM special_days WHERE hotel_id = ? AND date >= ? AND date <= ?',
  // Two generations of the pending-local statements: the runner uses whichever the
  // engine under test prepares (see pickVariants).
  // One statement for both roles since the partial index bookings_localHolding_idx:
  // ?1 to, ?2 from, ?3 hotel, ?4 room type (0 = all of the hotel), ?5 now.
  pendingSingle: [PENDING_SQL],
  pendingMulti: [PENDING_SQL],
  roomTypes: 'SELECT id, hotel_id, name, capacity_adults, capacity_children, base_price_cents, total_rooms FROM room_types' +
    ' WHERE hotel_id = ? ORDER BY id',
  userBookings: 'SELECT b.id, b.hotel_id, b.user_id, b.room_type_id, rt.name, b.status, b.start_date, b.end_date,' +
    ' b.rooms, b.guests, b.total_cents, b.created_at, b.updated_at, b.hold_expires_at, b.idempotency_key,' +
    ' b.origin, b.server_id' +
    ' FROM bookings b INDEXED BY bookings_userId_status_createdAt_idx JOIN room_types rt ON rt.id = b.room_type_id' +
    " WHERE b.user_id = ? AND (?2 = ',' OR instr(?2, ',' || b.status || ',') > 0)" +
    ' ORDER BY b.created_at DESC, b.id DESC',
  bookingStatistics: 'SELECT status, COUNT(*), SUM(rooms * (julianday(end_date) - julianday(start_date))),' +
    ' SUM(total_cents), SUM(julianday(end_date) - julianday(start_date))' +
    ' FROM bookings INDEXED BY bookings_hotelId_startDate_idx' +
    ' WHERE hotel_id = ? AND start_date >= ? AND start_date < ? GROUP BY status',
  occupancy: 'SELECT ri.room_type_id, SUM(ri.total), SUM(ri.total - ri.available),' +
    ' SUM((ri.total - ri.available) * ((ri.price_cents * COALESCE(sd.price_multiplier_pct, 100) + 50) / 100))' +
    ' FROM room_inventory ri' +
    ' LEFT JOIN special_days sd ON sd.hotel_id = ?1 AND sd.date = ri.date' +
    ' WHERE ri.room_type_id IN (SELECT id FROM room_types WHERE hotel_id = ?1) AND ri.date >= ?2 AND ri.date < ?3' +
    ' GROUP BY ri.room_type_id',
  // createBooking (wasm/src/bookings.cc)
  idempotency: 'SELECT id FROM bookings WHERE hotel_id = ? AND idempotency_key = ?',
  clientId: "SELECT value FROM sync_state WHERE key = 'client_id'",
  insertClientId: "INSERT INTO sync_state(key, value) VALUES ('client_id', ?)",
  nextLocalId: 'SELECT MIN(0, COALESCE(MIN(id), 0)) - 1 FROM bookings',
  insertBooking: 'INSERT INTO bookings(id, hotel_id, user_id, room_type_id, status, start_date, end_date, rooms, guests,' +
    ' total_cents, created_at, updated_at, hold_expires_at, idempotency_key, origin)' +
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'local')",
  enqueue: 'INSERT INTO outbox(seq, type, idempotency_key, args, booking_id, waitlist_id, created_at)' +
    ' VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox), ?, ?, ?, ?, ?, ?)',
  nextNotificationId: 'SELECT MIN(0, COALESCE(MIN(id), 0)) - 1 FROM notifications',
  notify: 'INSERT INTO notifications(id, booking_id, user_id, channel, status, scheduled_at, kind)' +
    " VALUES (?1, ?2, ?3, 'email', 'QUEUED', ?4, ?5)",
  notifyTwo: 'INSERT INTO notifications(id, booking_id, user_id, channel, status, scheduled_at, kind)' +
    " VALUES (?1, ?2, ?3, 'email', 'QUEUED', ?4, ?5), (?1 - 1, ?2, ?3, 'email', 'QUEUED', ?6, ?7)",
  bookingJson: 'SELECT b.id, b.hotel_id, b.user_id, b.room_type_id, rt.name, b.status, b.start_date, b.end_date,' +
    ' b.rooms, b.guests, b.total_cents, b.created_at, b.updated_at, b.hold_expires_at, b.idempotency_key,' +
    ' b.origin, b.server_id FROM bookings b JOIN room_types rt ON rt.id = b.room_type_id WHERE b.id = ?',
};

// The read statements the engine is expected to prepare for the benchmarked queries,
// and how to recognise each among the engine's statements when its text has changed in
// a way that keeps the columns and the parameter order (e.g. a different WHERE filter).
const READ_ROLES = {
  inventorySingle: /^SELECT date, total, available, price_cents, min_stay, max_stay, closed_to_arrival, closed_to_departure, stop_sell FROM room_inventory\b.* WHERE room_type_id = \? AND date >= \? AND date <= \?$/,
  inventoryMulti: /^SELECT room_type_id, date, total, available, price_cents, min_stay, max_stay, closed_to_arrival, closed_to_departure, stop_sell FROM room_inventory\b.* WHERE room_type_id IN \(SELECT id FROM room_types WHERE hotel_id = \?\) AND date >= \? AND date <= \?$/,
  specialDays: /^SELECT date, kind, price_multiplier_pct, min_stay FROM special_days WHERE hotel_id = \? AND date >= \? AND date <= \?$/,
  pendingSingle: /^SELECT room_type_id, start_date, end_date, rooms FROM bookings\b.* hold_expires_at > \?5\)$/,
  pendingMulti: /^SELECT room_type_id, start_date, end_date, rooms FROM bookings\b.* hold_expires_at > \?5\)$/,
  roomTypes: /^SELECT id, hotel_id, name, capacity_adults, capacity_children, base_price_cents, total_rooms FROM room_types WHERE hotel_id = \? ORDER BY id$/,
  userBookings: /^SELECT b\.id, b\.hotel_id, b\.user_id, b\.room_type_id, rt\.name, b\.status, b\.start_date, b\.end_date, b\.rooms, b\.guests, b\.total_cents, b\.created_at, b\.updated_at, b\.hold_expires_at, b\.idempotency_key, b\.origin, b\.server_id FROM bookings b\b.* WHERE b\.user_id = \? AND \(\?2 = ','/,
  bookingStatistics: /^SELECT status, COUNT\(\*\), SUM\(rooms \* \(julianday\(end_date\) - julianday\(start_date\)\)\), SUM\(total_cents\), SUM\(julianday\(end_date\) - julianday\(start_date\)\) FROM bookings\b.* WHERE hotel_id = \? AND start_date >= \? AND start_date < \? GROUP BY status$/,
  occupancy: /^SELECT ri\.room_type_id, SUM\(ri\.total\), SUM\(ri\.total - ri\.available\),.* FROM room_inventory ri\b.* GROUP BY ri\.room_type_id$/,
};

// The roles the engine answers from structures it keeps in memory, read once by a
// statement of another shape (docs/PERFORMANCE.md, "What changed since the first run"):
// no per-question statement of theirs is expected among the engine's.
export const ANSWERED_FROM_MEMORY = {
  inventorySingle: 'night index',
  inventoryMulti: 'night index',
  specialDays: "the hotel's special days",
  pendingSingle: 'pending bookings by room type and night',
  pendingMulti: 'pending bookings by room type and night',
  roomTypes: 'hotel facts',
  userBookings: "room type names from the hotel facts",
  bookingStatistics: "the hotel's bookings by start date",
  occupancy: 'night index',
};

/**
 * The SQL the peers run, per role: the peers' own copy when the engine prepares exactly
 * that text; else the engine's current statement for the role when exactly one matches
 * the role's shape (`adopted`); else the peers' copy, reported as `fromMemory` when the
 * role is one the engine answers from memory and no engine statement has its shape, and
 * as `drift` otherwise (bench/peers.mjs needs an update).
 * @param {string[]} engineSql every SQL text from engine.explainQueries()
 * @returns {{ chosen: object, adopted: string[], fromMemory: string[], drift: string[] }}
 */
export function pickVariants(engineSql) {
  const texts = engineSql.map((s) => s.replace(/\s+/g, ' ').trim());
  const have = new Set(texts);
  const chosen = {};
  const adopted = [];
  const fromMemory = [];
  const drift = [];
  for (const [role, shape] of Object.entries(READ_ROLES)) {
    const variants = Array.isArray(SQL[role]) ? SQL[role] : [SQL[role]];
    const hit = variants.find((v) => have.has(v));
    if (hit) {
      chosen[role] = hit;
      continue;
    }
    const matches = texts.filter((t) => shape.test(t));
    if (matches.length === 1) {
      chosen[role] = matches[0];
      adopted.push(role);
    } else {
      chosen[role] = variants[0];
      (matches.length === 0 && role in ANSWERED_FROM_MEMORY ? fromMemory : drift).push(role);
    }
  }
  return { chosen, adopted, fromMemory, drift };
}

// ------------------------------------------------------------------ schema

/**
 * CREATE statements (tables, then their indexes, in creation order) from the
 * sqlite_master of an edgestay image; sqlite_autoindex_* entries have no SQL.
 */
export function schemaFromImage(image) {
  const Database = require('better-sqlite3');
  const db = new Database(Buffer.from(image.buffer, image.byteOffset, image.byteLength));
  try {
    const rows = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid").all();
    const version = db.prepare('SELECT MAX(version) AS v FROM schema_version').get()?.v ?? 1;
    return { statements: rows.map((r) => r.sql), names: rows.map((r) => `${r.type}:${r.name}`), version };
  } finally {
    db.close();
  }
}

const PRAGMAS = ['PRAGMA journal_mode=MEMORY', 'PRAGMA synchronous=OFF', 'PRAGMA temp_store=MEMORY', 'PRAGMA cache_size=-65536'];

// ------------------------------------------------------------------ dates

const dayCache = new Map();
function dayOf(s) {
  let d = dayCache.get(s);
  if (d === undefined) {
    d = Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10)) / DAY_MS;
    dayCache.set(s, d);
  }
  return d;
}
const dateCache = new Map();
function dateOf(day) {
  let s = dateCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dateCache.set(day, s);
  }
  return s;
}
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
function parseDay(value, field) {
  if (typeof value !== 'string' || !DATE_RE.test(value)) throw new PeerError('INVALID_DATE', `${field}: not a date`);
  const d = dayOf(value);
  if (!Number.isFinite(d) || dateOf(d) !== value) throw new PeerError('INVALID_DATE', `${field}: not a real date`);
  return d;
}

export class PeerError extends Error {
  constructor(code, message, details = null) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

// ------------------------------------------------------------------ shared logic

function reasonOf(q, hotel, today, nights) {
  const n = q.co - q.ci;
  const lead = q.ci - today;
  if (lead < hotel.minLeadDays) return 'lead_time';
  if (lead > hotel.maxAdvanceDays) return 'advance_window';
  if (q.rooms > hotel.maxRoomsPerBooking) return 'max_rooms';
  for (let i = 0; i < n; i++) if (!nights[i].has) return 'no_inventory';
  for (let i = 0; i < n; i++) if (nights[i].stop) return 'stop_sell';
  if (nights[0].cta) return 'closed_to_arrival';
  if (nights[n].has && nights[n].ctd) return 'closed_to_departure';
  if (n < nights[0].minStay) return 'min_stay';
  if (nights[0].maxStay > 0 && n > nights[0].maxStay) return 'max_stay';
  for (let i = 0; i < n; i++) if (nights[i].available < q.rooms) return 'sold_out';
  return null;
}

function emptyNights(span) {
  const out = new Array(span);
  for (let i = 0; i < span; i++) {
    out[i] = { has: false, total: 0, available: 0, price: 0, minStay: 1, maxStay: 0, cta: false, ctd: false, stop: false };
  }
  return out;
}

const ratio = (a, b) => (b === 0 ? 0 : a / b);

/**
 * A peer: an SQLite driver plus the engine's query logic in JS. Subclasses provide
 * prepare(sql) -> handle, all(handle, values) -> rows as arrays, run(handle, values),
 * exec(sql), close().
 */
class Peer {
  constructor(name, now) {
    this.name = name;
    this.now = now;
    this.stmts = new Map();
    this.sql = { ...SQL, pendingSingle: SQL.pendingSingle[0], pendingMulti: SQL.pendingMulti[0] };
    this.hotels = new Map();
    this.roomTypeFacts = new Map();
    this.asOf = { cursor: null, syncedAt: null };
    this.hasOutbox = false;
  }

  /** Use the SQL variants the engine uses (from pickVariants). */
  useSql(chosen) {
    Object.assign(this.sql, chosen);
    this.stmts.clear();
  }

  st(role) {
    let h = this.stmts.get(role);
    if (!h) {
      h = this.prepare(this.sql[role]);
      this.stmts.set(role, h);
    }
    return h;
  }

  createSchema(schema) {
    for (const p of PRAGMAS) this.exec(p);
    this.exec('BEGIN');
    for (const s of schema.statements) this.exec(s);
    this.exec(`INSERT INTO schema_version(version) VALUES (${Number(schema.version)})`);
    this.exec('COMMIT');
    this.hasOutbox = schema.names.includes('table:outbox');
  }

  /** Bulk insert a change batch (upserts only) in one transaction. */
  load(batch, tableRows) {
    const inserts = new Map();
    this.exec('BEGIN');
    for (const { table, columns, rows } of tableRows(batch)) {
      const key = `${table}(${columns.join(',')})`;
      let h = inserts.get(key);
      if (!h) {
        h = this.prepareInsert(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
        inserts.set(key, h);
      }
      for (let i = 0; i < rows.length; i++) this.insertRow(h, rows[i]);
    }
    const put = this.prepareInsert('INSERT INTO sync_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.insertRow(put, ['cursor', batch.cursor == null ? null : String(batch.cursor)]);
    this.insertRow(put, ['synced_at', batch.syncedAt == null ? null : String(batch.syncedAt)]);
    this.exec('COMMIT');
    for (const h of inserts.values()) this.finalize(h);
    this.finalize(put);
    this.loadFacts();
  }

  loadFacts() {
    this.hotels.clear();
    this.roomTypeFacts.clear();
    for (const [id, currency, offset] of this.all(this.st('hotels'), [])) {
      this.hotels.set(id, { currency, offset, maxAdvanceDays: 365, minLeadDays: 0, maxRoomsPerBooking: 10,
        holdTtlSeconds: 900, maxNights: 30, roomTypeIds: [] });
    }
    const ruleKey = { max_advance_days: 'maxAdvanceDays', min_lead_days: 'minLeadDays',
      max_rooms_per_booking: 'maxRoomsPerBooking', hold_ttl_seconds: 'holdTtlSeconds', max_nights: 'maxNights' };
    for (const [hotelId, key, value] of this.all(this.st('rules'), [])) {
      const h = this.hotels.get(hotelId);
      if (h && ruleKey[key]) h[ruleKey[key]] = value;
    }
    for (const [id, hotelId, name, adults, children] of this.all(this.st('roomTypeFacts'), [])) {
      this.roomTypeFacts.set(id, { hotelId, name, adults, children });
      this.hotels.get(hotelId)?.roomTypeIds.push(id);
    }
    this.asOf = { cursor: null, syncedAt: null };
    for (const [key, value] of this.all(this.st('syncState'), [])) {
      if (value == null) continue;
      if (key === 'cursor') this.asOf.cursor = value;
      else this.asOf.syncedAt = Number(value);
    }
  }

  today(hotel) {
    return Math.floor((this.now() + hotel.offset * 60000) / DAY_MS);
  }

  hotelOf(id) {
    const h = this.hotels.get(id);
    if (!h) throw new PeerError('UNKNOWN_HOTEL', `no hotel with id ${id}`, { hotelId: id });
    return h;
  }

  /** Nights of the given room types over [from, toIncl], as LoadNights in availability.cc. */
  loadNights(hotelId, rtIds, from, toIncl) {
    const span = toIncl - from + 1;
    const out = new Map();
    for (const rt of rtIds) out.set(rt, emptyNights(span));
    const fromS = dateOf(from);
    const toS = dateOf(toIncl);
    const single = rtIds.length === 1;
    if (single) {
      const nights = out.get(rtIds[0]);
      for (const r of this.all(this.st('inventorySingle'), [rtIds[0], fromS, toS])) {
        const n = nights[dayOf(r[0]) - from];
        n.has = true; n.total = r[1]; n.available = r[2]; n.price = r[3]; n.minStay = r[4]; n.maxStay = r[5];
        n.cta = r[6] !== 0; n.ctd = r[7] !== 0; n.stop = r[8] !== 0;
      }
    } else {
      for (const r of this.all(this.st('inventoryMulti'), [hotelId, fromS, toS])) {
        const nights = out.get(r[0]);
        if (!nights) continue;
        const n = nights[dayOf(r[1]) - from];
        n.has = true; n.total = r[2]; n.available = r[3]; n.price = r[4]; n.minStay = r[5]; n.maxStay = r[6];
        n.cta = r[7] !== 0; n.ctd = r[8] !== 0; n.stop = r[9] !== 0;
      }
    }
    for (const [date, kind, pct, minStay] of this.all(this.st('specialDays'), [hotelId, fromS, toS])) {
      const i = dayOf(date) - from;
      const blackout = kind === 'blackout';
      for (const nights of out.values()) {
        const n = nights[i];
        if (!n.has) continue;
        n.price = Math.floor((n.price * pct + 50) / 100);
        if (minStay !== null) n.minStay = minStay;
        if (blackout) n.stop = true;
      }
    }
    const pending = single ? this.st('pendingSingle') : this.st('pendingMulti');
    for (const [rt, a, b, rooms] of this.all(pending, [toS, fromS, hotelId, single ? rtIds[0] : 0, this.now()])) {
      const nights = out.get(rt);
      if (!nights) continue;
      const end = Math.min(dayOf(b), toIncl + 1);
      for (let d = Math.max(dayOf(a), from); d < end; d++) nights[d - from].available -= rooms;
    }
    return out;
  }

  stay(query) {
    if (query === null || typeof query !== 'object') throw new PeerError('INVALID_ARGUMENT', 'query must be an object');
    const rtId = query.roomTypeId;
    if (!Number.isInteger(rtId) || rtId < 1) throw new PeerError('INVALID_ARGUMENT', 'roomTypeId');
    const ci = parseDay(query.checkIn, 'checkIn');
    const co = parseDay(query.checkOut, 'checkOut');
    if (co <= ci) throw new PeerError('INVALID_RANGE', 'checkOut must be after checkIn');
    const rooms = query.rooms ?? 1;
    if (!Number.isInteger(rooms) || rooms < 1 || rooms > 10000) throw new PeerError('INVALID_ARGUMENT', 'rooms');
    const rt = this.roomTypeFacts.get(rtId);
    if (!rt) throw new PeerError('UNKNOWN_ROOM_TYPE', `no room type with id ${rtId}`, { roomTypeId: rtId });
    const hotel = this.hotelOf(rt.hotelId);
    if (co - ci > hotel.maxNights) throw new PeerError('STAY_TOO_LONG', 'stay too long');
    return { rtId, ci, co, rooms, rt, hotel };
  }

  answer(q, hotelId, hotel, nights, withAsOf) {
    const n = q.co - q.ci;
    const reason = reasonOf(q, hotel, this.today(hotel), nights);
    const nightly = new Array(n);
    let total = 0;
    let priced = true;
    for (let i = 0; i < n; i++) {
      const night = nights[i];
      if (night.has) {
        nightly[i] = { date: dateOf(q.ci + i), available: night.available, priceCents: night.price };
        total += night.price;
      } else {
        nightly[i] = { date: dateOf(q.ci + i), available: null, priceCents: null };
        priced = false;
      }
    }
    const out = {
      roomTypeId: q.rtId, roomTypeName: this.roomTypeFacts.get(q.rtId)?.name, hotelId, checkIn: dateOf(q.ci), checkOut: dateOf(q.co), nights: n, rooms: q.rooms,
      available: reason === null, reason, nightly, totalCents: priced ? total * q.rooms : null, currency: hotel.currency,
    };
    if (withAsOf) out.asOf = { cursor: this.asOf.cursor, syncedAt: this.asOf.syncedAt };
    return out;
  }

  // ---- the benchmarked operations (same answers as the engine's) ------------------

  getRoomTypes(hotelId) {
    this.hotelOf(hotelId);
    return this.all(this.st('roomTypes'), [hotelId]).map((r) => ({
      id: r[0], hotelId: r[1], name: r[2], capacityAdults: r[3], capacityChildren: r[4], basePriceCents: r[5], totalRooms: r[6],
    }));
  }

  checkRoomAvailability(query) {
    const q = this.stay(query);
    const nights = this.loadNights(q.rt.hotelId, [q.rtId], q.ci, q.co).get(q.rtId);
    return this.answer(q, q.rt.hotelId, q.hotel, nights, true);
  }

  getAllRoomAvailability({ hotelId, checkIn, checkOut, rooms = 1 }) {
    const ci = parseDay(checkIn, 'checkIn');
    const co = parseDay(checkOut, 'checkOut');
    if (co <= ci) throw new PeerError('INVALID_RANGE', 'checkOut must be after checkIn');
    const hotel = this.hotelOf(hotelId);
    if (co - ci > hotel.maxNights) throw new PeerError('STAY_TOO_LONG', 'stay too long');
    const all = hotel.roomTypeIds.length ? this.loadNights(hotelId, hotel.roomTypeIds, ci, co) : new Map();
    const results = hotel.roomTypeIds.map((id) => this.answer({ rtId: id, ci, co, rooms }, hotelId, hotel, all.get(id), false));
    return { hotelId, checkIn: dateOf(ci), checkOut: dateOf(co), nights: co - ci, rooms, results,
      asOf: { cursor: this.asOf.cursor, syncedAt: this.asOf.syncedAt } };
  }

  batchCheckAvailability(queries) {
    if (!Array.isArray(queries) || queries.length > 1000) throw new PeerError('INVALID_ARGUMENT', 'queries');
    const qs = queries.map((query, index) => {
      try {
        return this.stay(query);
      } catch (e) {
        e.details = { index };
        throw e;
      }
    });
    return qs.map((q) => this.answer(q, q.rt.hotelId, q.hotel, this.loadNights(q.rt.hotelId, [q.rtId], q.ci, q.co).get(q.rtId), true));
  }

  getCalendar({ hotelId, from, days }) {
    const hotel = this.hotelOf(hotelId);
    const f = parseDay(from, 'from');
    if (!Number.isInteger(days) || days < 1 || days > 366) throw new PeerError('INVALID_RANGE', 'days');
    const to = f + days - 1;
    const all = hotel.roomTypeIds.length ? this.loadNights(hotelId, hotel.roomTypeIds, f, to) : new Map();
    const dates = new Array(days);
    for (let i = 0; i < days; i++) dates[i] = dateOf(f + i);
    const roomTypes = hotel.roomTypeIds.map((id) => {
      const ns = all.get(id);
      const col = (get) => {
        const out = new Array(days);
        for (let i = 0; i < days; i++) out[i] = ns[i].has ? get(ns[i]) : null;
        return out;
      };
      return {
        id, name: this.roomTypeFacts.get(id).name,
        available: col((n) => n.available), priceCents: col((n) => n.price), minStay: col((n) => n.minStay),
        maxStay: col((n) => n.maxStay), closedToArrival: col((n) => (n.cta ? 1 : 0)),
        closedToDeparture: col((n) => (n.ctd ? 1 : 0)), stopSell: col((n) => (n.stop ? 1 : 0)),
      };
    });
    return { hotelId, from: dateOf(f), days, dates, roomTypes, asOf: { cursor: this.asOf.cursor, syncedAt: this.asOf.syncedAt } };
  }

  getUserBookingsWithRoomType(userId, { status } = {}) {
    const list = status == null ? [] : Array.isArray(status) ? status : [status];
    const wanted = `,${list.map((s) => `${s},`).join('')}`;
    return this.all(this.st('userBookings'), [userId, wanted]).map((r) => bookingObject(r));
  }

  getBookingStatistics({ hotelId, from, to }) {
    this.hotelOf(hotelId);
    const f = parseDay(from, 'from');
    const t = parseDay(to, 'to');
    const counts = [0, 0, 0, 0, 0, 0];
    const cents = [0, 0, 0, 0, 0, 0];
    let total = 0; let active = 0; let roomNights = 0; let revenue = 0; let nights = 0;
    for (const r of this.all(this.st('bookingStatistics'), [hotelId, dateOf(f), dateOf(t)])) {
      const i = STATUSES.indexOf(r[0]);
      if (i < 0) continue;
      counts[i] = r[1];
      cents[i] = r[3];
      total += r[1];
      if (i <= 2) {
        active += r[1];
        roomNights += Math.trunc(r[2]);
        revenue += r[3];
        nights += Math.trunc(r[4]);
      }
    }
    const byStatus = {};
    const revenueByStatus = {};
    STATUSES.forEach((s, i) => { byStatus[s] = counts[i]; revenueByStatus[s] = cents[i]; });
    return { hotelId, from: dateOf(f), to: dateOf(t), total, byStatus, active, roomNights, revenueCents: revenue,
      revenueByStatus, cancelledValueCents: cents[4], averageNights: ratio(nights, active), cancellationRate: ratio(counts[4], total) };
  }

  getOccupancyRate({ hotelId, from, to }) {
    const hotel = this.hotelOf(hotelId);
    const f = parseDay(from, 'from');
    const t = parseDay(to, 'to');
    // The nights of every room type (special days applied, rooms held by unsynced local
    // bookings subtracted, as the calendar shows them): sold = total - available.
    const nights = this.loadNights(hotelId, hotel.roomTypeIds, f, t - 1);
    const byType = new Map();
    for (const [rt, list] of nights) {
      const k = { available: 0, sold: 0, revenue: 0 };
      for (const n of list) {
        if (!n.has) continue;
        const sold = n.total - n.available;
        k.available += n.total;
        k.sold += sold;
        k.revenue += sold * n.price;
      }
      byType.set(rt, k);
    }
    const all = { available: 0, sold: 0, revenue: 0 };
    for (const k of byType.values()) {
      all.available += k.available;
      all.sold += k.sold;
      all.revenue += k.revenue;
    }
    const kpis = (k) => ({ roomsAvailable: k.available, roomsSold: k.sold, revenueCents: k.revenue,
      occupancy: ratio(k.sold, k.available), adrCents: ratio(k.revenue, k.sold), revparCents: ratio(k.revenue, k.available) });
    const zero = { available: 0, sold: 0, revenue: 0 };
    return { hotelId, from: dateOf(f), to: dateOf(t), ...kpis(all),
      roomTypes: hotel.roomTypeIds.map((id) => ({ roomTypeId: id, ...kpis(byType.get(id) ?? zero) })) };
  }

  /**
   * A local booking as wasm/src/bookings.cc makes it: idempotency lookup, rules,
   * availability (the same three statements), then one transaction: client id, next
   * local id, INSERT booking, outbox mutation, notifications, read back the booking.
   */
  createBooking(r) {
    const hotel = this.hotelOf(r.hotelId);
    const rt = this.roomTypeFacts.get(r.roomTypeId);
    if (!rt || rt.hotelId !== r.hotelId) throw new PeerError('UNKNOWN_ROOM_TYPE', 'unknown room type');
    const ci = parseDay(r.checkIn, 'checkIn');
    const co = parseDay(r.checkOut, 'checkOut');
    if (co <= ci) throw new PeerError('INVALID_RANGE', 'checkOut must be after checkIn');
    const rooms = r.rooms ?? 1;
    const guests = r.guests ?? 1;
    const hold = !!r.hold;
    const key = r.idempotencyKey ?? '';
    if (key) {
      const found = this.all(this.st('idempotency'), [r.hotelId, key]);
      if (found.length) return this.bookingJson(found[0][0]);
    }
    const nightsCount = co - ci;
    if (nightsCount > hotel.maxNights) throw new PeerError('STAY_TOO_LONG', 'stay too long');
    if (ci < this.today(hotel)) throw new PeerError('PAST_DATE', 'check-in before today');
    if (rooms > hotel.maxRoomsPerBooking) throw new PeerError('TOO_MANY_ROOMS', 'too many rooms');
    if (guests > (rt.adults + rt.children) * rooms) throw new PeerError('GUESTS_OVER_CAPACITY', 'too many guests');
    const q = { rtId: r.roomTypeId, ci, co, rooms };
    const nights = this.loadNights(rt.hotelId, [q.rtId], ci, co).get(q.rtId);
    const reason = reasonOf(q, hotel, this.today(hotel), nights);
    if (reason) throw new PeerError('NOT_AVAILABLE', `the stay cannot be booked: ${reason}`, { reason });
    let total = 0;
    for (let i = 0; i < nightsCount; i++) total += nights[i].price;
    total *= rooms;

    const now = this.now();
    this.exec('SAVEPOINT local_write');
    try {
      let clientId = this.all(this.st('clientId'), [])[0]?.[0];
      if (clientId == null) {
        clientId = `c-${now}`;
        this.run(this.st('insertClientId'), [clientId]);
      }
      const id = this.all(this.st('nextLocalId'), [])[0][0];
      const bookingKey = key || `${clientId}:booking:${-id}`;
      const expires = now + hotel.holdTtlSeconds * 1000;
      this.run(this.st('insertBooking'), [id, r.hotelId, r.userId, r.roomTypeId, hold ? 'HELD' : 'PENDING_SYNC',
        dateOf(ci), dateOf(co), rooms, guests, total, now, now, hold ? expires : null, bookingKey]);
      if (this.hasOutbox) {
        const args = { hotelId: r.hotelId, roomTypeId: r.roomTypeId, userId: r.userId, checkIn: dateOf(ci), checkOut: dateOf(co),
          rooms, guests, localId: id, totalCents: total, hold };
        if (hold) args.holdExpiresAt = expires;
        this.run(this.st('enqueue'), ['createBooking', bookingKey, JSON.stringify(args), id, null, now]);
        const reminder = (ci - 1) * DAY_MS + 9 * 3600000 - hotel.offset * 60000;
        const nid = this.all(this.st('nextNotificationId'), [])[0][0];
        if (!hold && reminder > now) {
          this.run(this.st('notifyTwo'), [nid, id, r.userId, now, 'confirmation', reminder, 'reminder']);
        } else {
          this.run(this.st('notify'), [nid, id, r.userId, now, hold ? 'hold' : 'confirmation']);
        }
      }
      const out = this.bookingJson(id);
      this.exec('RELEASE local_write');
      return out;
    } catch (e) {
      this.exec('ROLLBACK TO local_write');
      this.exec('RELEASE local_write');
      throw e;
    }
  }

  bookingJson(id) {
    const rows = this.all(this.st('bookingJson'), [id]);
    if (!rows.length) throw new PeerError('UNKNOWN_BOOKING', `no booking with id ${id}`);
    return bookingObject(rows[0]);
  }
}

function bookingObject(r) {
  return {
    id: r[0], hotelId: r[1], userId: r[2], roomTypeId: r[3], roomTypeName: r[4], status: r[5], checkIn: r[6], checkOut: r[7],
    nights: dayOf(r[7]) - dayOf(r[6]), rooms: r[8], guests: r[9], totalCents: r[10], createdAt: r[11], updatedAt: r[12],
    holdExpiresAt: r[13], idempotencyKey: r[14], origin: r[15], serverId: r[16],
  };
}

// ------------------------------------------------------------------ drivers

/**
 * better-sqlite3 takes anonymous `?` values positionally and numbered `?N` ones as an
 * object keyed by N; build, once per statement, the function that maps [v1, v2, ...].
 */
export function bs3Binder(sql) {
  const anon = [];
  const named = [];
  let max = 0;
  for (const m of sql.matchAll(/\?(\d*)/g)) {
    if (m[1] === '') {
      max += 1;
      anon.push(max);
    } else {
      const n = Number(m[1]);
      if (!named.includes(n)) named.push(n);
      max = Math.max(max, n);
    }
  }
  if (!named.length) return null;  // plain positional
  const binder = (values) => {
    const obj = {};
    for (const n of named) obj[n] = values[n - 1];
    return [...anon.map((i) => values[i - 1]), obj];
  };
  binder.count = max;
  return binder;
}

/** better-sqlite3 arguments that bind NULL to every parameter of `sql` (for EXPLAIN). */
export function bs3NullArgs(sql) {
  const binder = bs3Binder(sql);
  if (binder) return binder(new Array(binder.count).fill(null));
  return new Array((sql.match(/\?/g) ?? []).length).fill(null);
}

export class BetterSqlitePeer extends Peer {
  constructor({ now }) {
    super('better-sqlite3', now);
    const Database = require('better-sqlite3');
    this.db = new Database(':memory:');
  }

  static version() {
    return packageVersion('better-sqlite3');
  }

  prepare(sql) {
    const stmt = this.db.prepare(sql);
    const reader = stmt.reader;
    if (reader) stmt.raw(true);
    return { stmt, reader, bind: bs3Binder(sql) };
  }

  all(h, values) {
    return h.bind ? h.stmt.all(...h.bind(values)) : h.stmt.all(...values);
  }

  run(h, values) {
    if (h.reader) return h.bind ? h.stmt.all(...h.bind(values)) : h.stmt.all(...values);
    return h.bind ? h.stmt.run(...h.bind(values)) : h.stmt.run(...values);
  }

  prepareInsert(sql) {
    return this.db.prepare(sql);
  }

  insertRow(stmt, row) {
    stmt.run(row);
  }

  finalize() {}

  exec(sql) {
    this.db.exec(sql);
  }

  sqliteVersion() {
    return this.db.prepare('SELECT sqlite_version()').pluck().get();
  }

  close() {
    this.db.close();
  }
}

let sqlJsModule = null;
export async function loadSqlJs() {
  if (!sqlJsModule) {
    const initSqlJs = require('sql.js');
    const dist = path.dirname(require.resolve('sql.js'));
    sqlJsModule = await initSqlJs({ locateFile: (file) => path.join(dist, file) });
  }
  return sqlJsModule;
}

export class SqlJsPeer extends Peer {
  constructor({ now, SQL: module }) {
    super('sql.js', now);
    this.db = new module.Database();
  }

  static version() {
    return packageVersion('sql.js');
  }

  static wasmPath() {
    return path.join(path.dirname(require.resolve('sql.js')), 'sql-wasm.wasm');
  }

  prepare(sql) {
    return this.db.prepare(sql);
  }

  all(st, values) {
    st.bind(values);
    const out = [];
    while (st.step()) out.push(st.get());
    st.reset();
    return out;
  }

  run(st, values) {
    st.run(values);
  }

  prepareInsert(sql) {
    return this.db.prepare(sql);
  }

  insertRow(st, row) {
    st.run(row);
  }

  finalize(st) {
    st.free();
  }

  exec(sql) {
    this.db.run(sql);
  }

  sqliteVersion() {
    return this.db.exec('SELECT sqlite_version()')[0].values[0][0];
  }

  close() {
    for (const st of this.stmts.values()) st.free();
    this.db.close();
  }
}
