// Seeded random datasets for the oracle tests, emitted as change batches
// (sync/FORMAT.md) together with the plain table data the model reads.
//
// generateDataset(seed) -> { seed, now, batches, data, lastCursor, lastSyncedAt,
//                            hotelIds, roomTypeIds, userIds, firstDay, lastDay }
// applyBatches(batches)  -> plain tables with FORMAT.md defaults applied (the
//                            reference upsert/delete semantics, written simply).

import { DAY_MS, formatDate, parseDate } from './model.mjs';

// The seeded PRNG is shared with the benchmark and the demo data.
import { mulberry32, Rng } from '../../../scripts/lib/rng.mjs';

export { mulberry32, Rng };

// ---------------------------------------------------------------- tables (FORMAT.md)

export const TABLES = {
  hotels: {
    key: ['id'],
    columns: ['id', 'name', 'time_zone', 'currency', 'utc_offset_minutes'],
    defaults: { time_zone: 'UTC', currency: 'USD', utc_offset_minutes: 0 },
  },
  room_types: {
    key: ['id'],
    columns: ['id', 'hotel_id', 'name', 'capacity_adults', 'capacity_children', 'base_price_cents', 'total_rooms'],
    defaults: { capacity_adults: 2, capacity_children: 0 },
  },
  room_inventory: {
    key: ['room_type_id', 'date'],
    columns: ['room_type_id', 'date', 'total', 'available', 'price_cents', 'min_stay', 'max_stay',
      'closed_to_arrival', 'closed_to_departure', 'stop_sell'],
    defaults: { min_stay: 1, max_stay: 0, closed_to_arrival: 0, closed_to_departure: 0, stop_sell: 0 },
  },
  booking_rules: {
    key: ['hotel_id', 'key'],
    columns: ['hotel_id', 'key', 'value'],
    defaults: {},
  },
  special_days: {
    key: ['hotel_id', 'date'],
    columns: ['hotel_id', 'date', 'kind', 'price_multiplier_pct', 'min_stay', 'note'],
    defaults: { price_multiplier_pct: 100, min_stay: null, note: null },
  },
  bookings: {
    key: ['id'],
    columns: ['id', 'hotel_id', 'user_id', 'room_type_id', 'status', 'start_date', 'end_date', 'rooms', 'guests',
      'total_cents', 'created_at', 'updated_at', 'hold_expires_at', 'idempotency_key', 'origin', 'server_id'],
    defaults: { hold_expires_at: null, idempotency_key: null, origin: 'central', server_id: null },
  },
  waitlist: {
    key: ['id'],
    columns: ['id', 'hotel_id', 'user_id', 'room_type_id', 'start_date', 'end_date', 'rooms', 'status', 'created_at'],
    defaults: { status: 'WAITING' },
  },
  payments: {
    key: ['id'],
    columns: ['id', 'booking_id', 'status', 'amount_cents', 'created_at'],
    defaults: {},
  },
  notifications: {
    key: ['id'],
    columns: ['id', 'booking_id', 'user_id', 'channel', 'status', 'scheduled_at'],
    defaults: { status: 'QUEUED' },
  },
};

export const TABLE_NAMES = Object.keys(TABLES);

const BOOL_COLUMNS = new Set(['closed_to_arrival', 'closed_to_departure', 'stop_sell']);

function norm(col, v) {
  if (BOOL_COLUMNS.has(col) && typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

/** Apply change batches to empty tables; returns { tables..., cursor, syncedAt }. */
export function applyBatches(batches) {
  const maps = {};
  for (const t of TABLE_NAMES) maps[t] = new Map();
  let cursor = null;
  let syncedAt = null;
  for (const batch of batches) {
    for (const ch of batch.changes) {
      const spec = TABLES[ch.table];
      const m = maps[ch.table];
      const keyOf = (row) => spec.key.map((k) => row[k]).join('|');
      if (ch.op === 'delete') {
        m.delete(keyOf(ch.key));
        continue;
      }
      const rows = ch.row ? [ch.row] : ch.rows.map((vals) => Object.fromEntries(ch.columns.map((c, i) => [c, vals[i]])));
      for (const r of rows) {
        const k = keyOf(r);
        let cur = m.get(k);
        if (!cur) {
          cur = { ...spec.defaults };
          if (ch.table === 'bookings' && r.updated_at === undefined) cur.updated_at = r.created_at;
          m.set(k, cur);
        }
        for (const [c, v] of Object.entries(r)) cur[c] = norm(c, v);
      }
    }
    if (batch.cursor !== undefined) cursor = String(batch.cursor);
    if (batch.syncedAt !== undefined) syncedAt = batch.syncedAt;
  }
  const data = { cursor, syncedAt };
  for (const t of TABLE_NAMES) data[t] = [...maps[t].values()];
  return data;
}

/** Sort rows of a table by its key (numbers numerically, strings lexically). */
export function sortByKey(table, rows) {
  const key = TABLES[table].key;
  return [...rows].sort((a, b) => {
    for (const k of key) {
      if (a[k] < b[k]) return -1;
      if (a[k] > b[k]) return 1;
    }
    return 0;
  });
}

// ---------------------------------------------------------------- generator

const OFFSETS = [-600, -480, -300, -180, 0, 60, 120, 330, 345, 540, 600, 780, 840, -840];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY', 'CHF'];
const STATUSES = ['HELD', 'PENDING_SYNC', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED'];

function chunk(arr, n) {
  const out = [];
  for (let i = 0; i < arr.length; i += n) out.push(arr.slice(i, i + n));
  return out;
}

function columnar(table, columns, rows, boolStyle) {
  return {
    op: 'upsert',
    table,
    columns,
    rows: rows.map((r) => columns.map((c) => (BOOL_COLUMNS.has(c) && boolStyle === 'bool' ? r[c] === 1 : r[c]))),
  };
}

export function generateDataset(seed, opts = {}) {
  const rng = new Rng(seed * 7919 + 17);
  const nHotels = opts.hotels ?? rng.int(3, 5);

  // "now": a day in 2026/2027 at a random time of day, so utc offsets move "today".
  const nowDay = parseDate('2026-06-01') + rng.int(0, 400);
  const now = nowDay * DAY_MS + rng.int(0, DAY_MS - 1);
  const firstDay = nowDay - 30;
  const lastDay = nowDay + 90;

  const b1 = [];
  const b2 = [];
  const b3 = [];

  // hotels
  const hotelIds = rng.distinct(nHotels, 1, 900).sort((a, b) => a - b);
  const hotels = [];
  for (const id of hotelIds) {
    const row = { id, name: `Hotel ${id}` };
    if (rng.chance(0.8)) row.time_zone = rng.pick(['Europe/Lisbon', 'America/New_York', 'Asia/Tokyo', 'Pacific/Kiritimati']);
    if (rng.chance(0.8)) row.currency = rng.pick(CURRENCIES);
    if (rng.chance(0.85)) row.utc_offset_minutes = rng.pick(OFFSETS);
    hotels.push(row);
    b1.push({ op: 'upsert', table: 'hotels', row });
  }

  // booking rules: some keys per hotel, some hotels none at all
  for (const h of hotelIds) {
    if (rng.chance(0.25)) continue;
    const vals = {
      max_advance_days: rng.pick([45, 60, 75, 90, 365, 500]),
      min_lead_days: rng.pick([0, 0, 1, 2, 3]),
      max_rooms_per_booking: rng.int(3, 12),
      hold_ttl_seconds: rng.pick([300, 900, 1800]),
      max_nights: rng.pick([14, 21, 28, 30, 35, 40]),
    };
    for (const [key, value] of Object.entries(vals)) {
      if (rng.chance(0.55)) b1.push({ op: 'upsert', table: 'booking_rules', row: { hotel_id: h, key, value } });
    }
  }

  // room types
  const rtIds = rng.shuffle(rng.distinct(nHotels * 6, 1, 5000));
  const roomTypes = [];
  for (const h of hotelIds) {
    const n = rng.int(1, 6);
    for (let j = 0; j < n; j++) {
      const id = rtIds.pop();
      const row = { id, hotel_id: h, name: `RT ${h}-${j}`, base_price_cents: rng.int(40, 400) * 100, total_rooms: rng.int(4, 40) };
      if (rng.chance(0.7)) row.capacity_adults = rng.int(1, 4);
      if (rng.chance(0.6)) row.capacity_children = rng.int(0, 3);
      roomTypes.push(row);
      b1.push({ op: 'upsert', table: 'room_types', row });
    }
  }

  // special days
  const specials = [];
  for (const h of hotelIds) {
    const days = rng.distinct(rng.int(4, 12), firstDay, lastDay);
    for (const d of days) {
      const row = { hotel_id: h, date: formatDate(d), kind: rng.pick(['holiday', 'holiday', 'event', 'event', 'blackout']) };
      if (rng.chance(0.7)) row.price_multiplier_pct = rng.pick([50, 75, 110, 125, 133, 150, 200, 300, 1000, 1]);
      if (rng.chance(0.4)) row.min_stay = rng.chance(0.2) ? null : rng.int(1, 5);
      if (rng.chance(0.5)) row.note = rng.chance(0.2) ? null : `note ${d}`;
      specials.push(row);
      b1.push({ op: 'upsert', table: 'special_days', row });
    }
  }

  // inventory
  const inv = []; // full rows as generated
  for (const rt of roomTypes) {
    const start = firstDay + rng.int(0, 10);
    const end = lastDay - (rng.chance(0.3) ? rng.int(0, 40) : 0);
    const gaps = new Set();
    for (let g = rng.int(0, 3); g > 0; g--) {
      const gs = rng.int(start, end);
      const gl = rng.int(1, 3);
      for (let i = 0; i < gl; i++) gaps.add(gs + i);
    }
    for (let d = start; d <= end; d++) {
      if (gaps.has(d)) continue;
      const total = rt.total_rooms - (rng.chance(0.2) ? rng.int(0, Math.min(3, rt.total_rooms)) : 0);
      let available;
      if (rng.chance(0.08)) available = 0;
      else if (rng.chance(0.15)) available = rng.int(0, Math.min(3, total));
      else available = rng.int(Math.floor(total * 0.3), total);
      inv.push({
        room_type_id: rt.id,
        date: formatDate(d),
        total,
        available,
        price_cents: Math.max(0, rt.base_price_cents + rng.int(-20, 40) * 100 + rng.int(0, 99)),
        min_stay: rng.chance(0.85) ? 1 : rng.int(2, 4),
        max_stay: rng.chance(0.85) ? 0 : rng.int(3, 20),
        closed_to_arrival: rng.chance(0.05) ? 1 : 0,
        closed_to_departure: rng.chance(0.05) ? 1 : 0,
        stop_sell: rng.chance(0.02) ? 1 : 0,
      });
    }
  }
  rng.shuffle(inv);
  const half = Math.floor(inv.length / 2);
  const full = TABLES.room_inventory.columns;
  const minimal = ['room_type_id', 'date', 'total', 'available', 'price_cents'];
  // batch 1: all columns, booleans as true/false
  for (const c of chunk(inv.slice(0, half), 400)) b1.push(columnar('room_inventory', full, c, 'bool'));
  // batch 2: rows at their defaults with the minimal column set; the rest with all columns as 0/1
  const rest = inv.slice(half);
  const isDefault = (r) => r.min_stay === 1 && r.max_stay === 0 && !r.closed_to_arrival && !r.closed_to_departure && !r.stop_sell;
  for (const c of chunk(rest.filter(isDefault), 500)) b2.push(columnar('room_inventory', minimal, c, 'int'));
  for (const c of chunk(rest.filter((r) => !isDefault(r)), 300)) b2.push(columnar('room_inventory', full, c, 'int'));

  // bookings
  const userIds = rng.distinct(25, 1, 100000);
  const bookingIds = rng.shuffle(rng.distinct(nHotels * 70, 1, 200000));
  const serverIds = rng.distinct(60, 500001, 900000); // disjoint from booking ids
  const createdBase = now - 60 * DAY_MS;
  const bookings = [];
  for (const h of hotelIds) {
    const rts = roomTypes.filter((r) => r.hotel_id === h);
    const n = rng.int(40, 70);
    for (let i = 0; i < n; i++) {
      const rt = rng.pick(rts);
      const local = rng.chance(0.35);
      const status = local ? rng.pick(['HELD', 'HELD', 'PENDING_SYNC', 'PENDING_SYNC', ...STATUSES]) : rng.pick(STATUSES);
      const s = rng.int(firstDay - 10, lastDay + 5);
      const nights = rng.int(1, 7);
      const createdAt = createdBase + rng.int(0, 800) * 3600000; // hourly: ties happen
      const row = {
        id: bookingIds.pop(),
        hotel_id: h,
        user_id: rng.pick(userIds),
        room_type_id: rt.id,
        status,
        start_date: formatDate(s),
        end_date: formatDate(s + nights),
        rooms: rng.chance(0.7) ? 1 : rng.int(2, 3),
        guests: rng.int(1, 4),
        total_cents: rng.int(50, 3000) * 100,
        created_at: createdAt,
      };
      if (rng.chance(0.5)) row.updated_at = createdAt + rng.int(0, 100) * 60000;
      if (status === 'HELD') {
        // some expired, some not, some exactly "now" (expired: needs > now)
        row.hold_expires_at = rng.chance(0.1) ? now : now + rng.int(-7200, 7200) * 1000;
      } else if (rng.chance(0.1)) {
        row.hold_expires_at = now - rng.int(1, 100000) * 1000;
      }
      if (rng.chance(0.4)) row.idempotency_key = `idem-${row.id}`;
      if (local) row.origin = 'local';
      else if (rng.chance(0.3)) row.origin = 'central';
      if (local && status === 'CONFIRMED' && rng.chance(0.5)) row.server_id = serverIds.pop();
      bookings.push(row);
      b2.push({ op: 'upsert', table: 'bookings', row });
    }
  }

  // waitlist
  let wid = rng.int(1, 1000);
  for (let i = 0; i < 8; i++) {
    const rt = rng.pick(roomTypes);
    const s = rng.int(firstDay, lastDay);
    const row = {
      id: wid++, hotel_id: rt.hotel_id, user_id: rng.pick(userIds), room_type_id: rt.id,
      start_date: formatDate(s), end_date: formatDate(s + rng.int(1, 5)), rooms: rng.int(1, 2),
      created_at: now - rng.int(0, 1000) * 60000,
    };
    if (rng.chance(0.6)) row.status = rng.pick(['WAITING', 'OFFERED', 'BOOKED', 'CANCELLED']);
    b2.push({ op: 'upsert', table: 'waitlist', row });
  }

  // ---- batch 3: payments, notifications and updates on top of batches 1-2
  let pid = rng.int(1, 5000);
  const payRows = [];
  for (const b of bookings) {
    if (!rng.chance(0.45)) continue;
    for (let k = rng.int(1, 2); k > 0; k--) {
      payRows.push({
        id: pid++, booking_id: b.id, status: rng.pick(['PENDING', 'CAPTURED', 'REFUNDED', 'FAILED']),
        amount_cents: rng.int(10, 3000) * 100, created_at: b.created_at + rng.int(1, 1000) * 1000,
      });
    }
  }
  rng.shuffle(payRows); // ids out of order in the batch
  b3.push(columnar('payments', TABLES.payments.columns, payRows, 'int'));

  let nid = rng.int(1, 5000);
  for (let i = 0; i < 10; i++) {
    const b = rng.pick(bookings);
    const row = { id: nid++, booking_id: b.id, user_id: b.user_id, channel: rng.pick(['email', 'sms', 'push']), scheduled_at: now + rng.int(-100, 100) * 60000 };
    if (rng.chance(0.5)) row.status = rng.pick(['QUEUED', 'SENT', 'FAILED', 'CANCELLED']);
    b3.push({ op: 'upsert', table: 'notifications', row });
  }

  // partial inventory updates: named columns only, others keep their value
  const touched = new Set();
  for (let i = 0; i < 40; i++) {
    const r = rng.pick(inv);
    const k = `${r.room_type_id}|${r.date}`;
    if (touched.has(k)) continue;
    touched.add(k);
    const what = rng.int(0, 3);
    if (what === 0) b3.push({ op: 'upsert', table: 'room_inventory', row: { room_type_id: r.room_type_id, date: r.date, available: rng.int(0, r.total) } });
    else if (what === 1) b3.push({ op: 'upsert', table: 'room_inventory', row: { room_type_id: r.room_type_id, date: r.date, stop_sell: rng.chance(0.5) } });
    else if (what === 2) b3.push({ op: 'upsert', table: 'room_inventory', row: { room_type_id: r.room_type_id, date: r.date, price_cents: rng.int(10, 900) * 100, min_stay: rng.int(1, 3) } });
    else b3.push({ op: 'delete', table: 'room_inventory', key: { room_type_id: r.room_type_id, date: r.date } });
  }
  // special days: delete a few, change one
  for (const s of rng.shuffle([...specials]).slice(0, 3)) b3.push({ op: 'delete', table: 'special_days', key: { hotel_id: s.hotel_id, date: s.date } });
  const sdx = rng.pick(specials);
  b3.push({ op: 'upsert', table: 'special_days', row: { hotel_id: sdx.hotel_id, date: sdx.date, kind: 'event', price_multiplier_pct: 175, min_stay: 2 } });
  // booking status changes (partial rows)
  for (const b of rng.shuffle([...bookings]).slice(0, 10)) {
    b3.push({ op: 'upsert', table: 'bookings', row: { id: b.id, status: rng.pick(['CONFIRMED', 'CANCELLED', 'EXPIRED', 'REJECTED']), updated_at: now - 1000 } });
  }
  // a hotel moves its clock (DST), a rule goes back to its default
  b3.push({ op: 'upsert', table: 'hotels', row: { id: rng.pick(hotelIds), utc_offset_minutes: rng.pick(OFFSETS) } });
  const ruleChanges = b1.filter((c) => c.table === 'booking_rules');
  if (ruleChanges.length) {
    const r = rng.pick(ruleChanges).row;
    b3.push({ op: 'delete', table: 'booking_rules', key: { hotel_id: r.hotel_id, key: r.key } });
  }

  const c1 = `s${seed}-c1`;
  const c2 = `s${seed}-c2`;
  const c3 = `s${seed}-c3`;
  const batches = [
    { format: 'edgestay.changes/1', cursor: c1, syncedAt: now - 3 * 3600000, changes: b1 },
    { format: 'edgestay.changes/1', since: c1, cursor: c2, syncedAt: now - 2 * 3600000, changes: b2 },
    { format: 'edgestay.changes/1', since: c2, cursor: c3, syncedAt: now - 60000, changes: b3 },
  ];
  const data = applyBatches(batches);
  return {
    seed,
    now,
    batches,
    data,
    lastCursor: c3,
    lastSyncedAt: now - 60000,
    hotelIds,
    roomTypeIds: roomTypes.map((r) => r.id),
    userIds,
    firstDay,
    lastDay,
  };
}

// ---------------------------------------------------------------- random queries

/** A random stay over the dataset: mostly near "now", some in the past, some far ahead. */
export function randomStay(rng, ds, { longShare = 0.15, unknownShare = 0.01 } = {}) {
  const today = Math.floor(ds.now / DAY_MS);
  const r = rng.next();
  let ci;
  if (r < 0.12) ci = today - rng.int(1, 35);
  else if (r < 0.22) ci = today + rng.int(61, 130);
  else if (r < 0.3) ci = today + rng.int(-1, 2);
  else ci = today + rng.int(0, 60);
  let nights;
  if (rng.chance(longShare)) nights = rng.int(1, 35);
  else if (rng.chance(0.75)) nights = rng.int(1, 5);
  else nights = rng.int(6, 14);
  const x = rng.next();
  const rooms = x < 0.7 ? rng.int(1, 2) : x < 0.9 ? rng.int(3, 5) : rng.int(6, 12);
  const roomTypeId = rng.chance(unknownShare) ? 999999 : rng.pick(ds.roomTypeIds);
  return { roomTypeId, checkIn: formatDate(ci), checkOut: formatDate(ci + nights), rooms };
}

/**
 * A 4th batch on top of a dataset: partial updates of inventory, special days,
 * bookings (incl. new local holds), rules, a hotel's clock and a room type's name.
 * Used to check that cached answers follow the data (exact invalidation).
 */
export function generateUpdateBatch(ds, seed) {
  const rng = new Rng(seed * 104729 + 3);
  const d = ds.data;
  const changes = [];
  const touched = new Set();
  for (let i = 0; i < 120; i++) {
    const r = rng.pick(d.room_inventory);
    const k = `${r.room_type_id}|${r.date}`;
    if (touched.has(k)) continue;
    touched.add(k);
    const base = { room_type_id: r.room_type_id, date: r.date };
    switch (rng.int(0, 6)) {
      case 0: changes.push({ op: 'upsert', table: 'room_inventory', row: { ...base, available: rng.int(0, r.total) } }); break;
      case 1: changes.push({ op: 'upsert', table: 'room_inventory', row: { ...base, stop_sell: r.stop_sell ? 0 : 1 } }); break;
      case 2: changes.push({ op: 'upsert', table: 'room_inventory', row: { ...base, closed_to_arrival: rng.chance(0.5), closed_to_departure: rng.chance(0.5) } }); break;
      case 3: changes.push({ op: 'upsert', table: 'room_inventory', row: { ...base, price_cents: rng.int(10, 900) * 100 } }); break;
      case 4: changes.push({ op: 'upsert', table: 'room_inventory', row: { ...base, min_stay: rng.int(1, 4), max_stay: rng.pick([0, 0, 3, 7]) } }); break;
      case 5: changes.push({ op: 'delete', table: 'room_inventory', key: base }); break;
      default: changes.push({ op: 'upsert', table: 'room_inventory', row: { ...base, total: r.total + 2, available: r.available + 1 } });
    }
  }
  // fill some gaps: new rows next to existing ones
  const have = new Set(d.room_inventory.map((r) => `${r.room_type_id}|${r.date}`));
  for (let i = 0; i < 30; i++) {
    const r = rng.pick(d.room_inventory);
    const date = formatDate(parseDate(r.date) + rng.int(-3, 3));
    const k = `${r.room_type_id}|${date}`;
    if (have.has(k) || touched.has(k)) continue;
    touched.add(k);
    changes.push({ op: 'upsert', table: 'room_inventory', row: { room_type_id: r.room_type_id, date, total: 9, available: 7, price_cents: 15000 } });
  }
  // special days
  for (const s of rng.shuffle([...d.special_days]).slice(0, 3)) changes.push({ op: 'delete', table: 'special_days', key: { hotel_id: s.hotel_id, date: s.date } });
  for (let i = 0; i < 6; i++) {
    const h = rng.pick(ds.hotelIds);
    const date = formatDate(rng.int(ds.firstDay, ds.lastDay));
    changes.push({ op: 'upsert', table: 'special_days', row: { hotel_id: h, date, kind: rng.pick(['holiday', 'event', 'blackout']), price_multiplier_pct: rng.pick([80, 120, 250]), min_stay: rng.pick([null, 2, 3]) } });
  }
  // bookings: status changes and new local holds / pending bookings
  for (const b of rng.shuffle([...d.bookings]).slice(0, 15)) {
    changes.push({ op: 'upsert', table: 'bookings', row: { id: b.id, status: rng.pick(['CONFIRMED', 'CANCELLED', 'EXPIRED', 'PENDING_SYNC']), updated_at: ds.now } });
  }
  const today = Math.floor(ds.now / DAY_MS);
  for (let i = 0; i < 25; i++) {
    const rtId = rng.pick(ds.roomTypeIds);
    const rt = d.room_types.find((r) => r.id === rtId);
    const s = today + rng.int(-2, 40);
    const held = rng.chance(0.6);
    changes.push({
      op: 'upsert', table: 'bookings',
      row: {
        id: 300000 + seed * 100 + i, hotel_id: rt.hotel_id, user_id: rng.pick(ds.userIds), room_type_id: rtId,
        status: held ? 'HELD' : 'PENDING_SYNC', start_date: formatDate(s), end_date: formatDate(s + rng.int(1, 4)),
        rooms: rng.int(1, 3), guests: 2, total_cents: 10000, created_at: ds.now - rng.int(0, 600) * 1000, updated_at: ds.now,
        // holds that expire within the next hours: "time moves" sees them go
        hold_expires_at: held ? ds.now + rng.int(30, 4 * 3600) * 1000 : null, origin: 'local',
      },
    });
  }
  // rules, clock, names
  for (const h of rng.shuffle([...ds.hotelIds]).slice(0, 2)) {
    changes.push({ op: 'upsert', table: 'booking_rules', row: { hotel_id: h, key: rng.pick(['max_advance_days', 'min_lead_days', 'max_rooms_per_booking', 'max_nights']), value: rng.pick([1, 2, 5, 20, 40]) } });
  }
  changes.push({ op: 'upsert', table: 'hotels', row: { id: rng.pick(ds.hotelIds), utc_offset_minutes: rng.pick(OFFSETS), currency: 'SEK' } });
  changes.push({ op: 'upsert', table: 'room_types', row: { id: rng.pick(ds.roomTypeIds), name: 'Renamed suite' } });

  return { format: 'edgestay.changes/1', since: ds.lastCursor, cursor: `s${seed}-c4`, syncedAt: ds.now + 1000, changes };
}
