// Deterministic benchmark datasets, as change batches (sync/FORMAT.md).
//
//   hotel: one hotel, 40 room types x 730 nights, 60,000 bookings, 5,000 users
//   chain: 200 hotels x 20 room types x 365 nights, 200,000 bookings
//
// Everything comes from a seeded PRNG (mulberry32), so two runs, and the three
// implementations inside one run, see byte-identical data. The bulk tables
// (room_inventory, bookings, payments) use the columnar `rows` form; every value is a
// plain SQL value (booleans as 0/1, no defaults left implicit where a peer's INSERT would
// differ), so the peers insert the very same rows with `INSERT INTO t (columns) VALUES`.
//
// Each dataset also carries the workloads: the argument lists of every benchmarked
// operation, drawn from the same PRNG.

import { Rng as BaseRng } from '../scripts/lib/rng.mjs';

export const DAY_MS = 86400000;

// The hotel's "today" is 2026-12-31 (UTC, offset 0); inventory starts the day after.
export const FIRST_DATE = '2027-01-01';
export const NOW_MS = Date.UTC(2026, 11, 31, 10, 0, 0);

// ------------------------------------------------------------------ PRNG and dates

// The shared seeded PRNG, plus the skewed pick the workload needs (hot dates and users).
export class Rng extends BaseRng {
  /** index in [0, n) with a Zipf-like skew (s ~ 1): small indexes are hot. */
  skewed(n, s = 1.1) {
    // inverse-CDF of a continuous power law on [1, n+1)
    const u = this.next();
    const x = Math.pow(u * (Math.pow(n + 1, 1 - s) - 1) + 1, 1 / (1 - s));
    return Math.min(n - 1, Math.max(0, Math.floor(x) - 1));
  }
}

export function dayOf(date) {
  return Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / DAY_MS;
}

const dateCache = new Map();
export function dateOf(day) {
  let s = dateCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dateCache.set(day, s);
  }
  return s;
}

export const FIRST_DAY = dayOf(FIRST_DATE);

// ------------------------------------------------------------------ sizes

export const SIZES = {
  full: {
    hotel: { hotels: 1, roomTypes: 40, nights: 730, bookings: 60000, users: 5000 },
    chain: { hotels: 200, roomTypes: 20, nights: 365, bookings: 200000, users: 50000 },
  },
  quick: {
    hotel: { hotels: 1, roomTypes: 10, nights: 120, bookings: 3000, users: 300 },
    chain: { hotels: 10, roomTypes: 5, nights: 90, bookings: 4000, users: 800 },
  },
};

const INVENTORY_COLUMNS = ['room_type_id', 'date', 'total', 'available', 'price_cents', 'min_stay', 'max_stay',
  'closed_to_arrival', 'closed_to_departure', 'stop_sell'];
const BOOKING_COLUMNS = ['id', 'hotel_id', 'user_id', 'room_type_id', 'status', 'start_date', 'end_date', 'rooms',
  'guests', 'total_cents', 'created_at', 'updated_at', 'hold_expires_at', 'idempotency_key', 'origin', 'server_id'];
const PAYMENT_COLUMNS = ['id', 'booking_id', 'status', 'amount_cents', 'created_at'];
const CHUNK = 10000;  // rows per columnar change

const ROOM_NAMES = ['Standard Double', 'Standard Twin', 'Superior Double', 'Deluxe King', 'Junior Suite', 'Family Room',
  'Sea View Double', 'Garden Room', 'Executive Suite', 'Single', 'Loft', 'Penthouse', 'Studio', 'Triple', 'Quad'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'JPY'];

function columnar(table, columns, rows) {
  const out = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push({ op: 'upsert', table, columns, rows: rows.slice(i, i + CHUNK) });
  return out;
}

// Booking statuses: mostly confirmed; HELD and PENDING_SYNC (1%) are local bookings not
// yet accepted by the centre (they count as pendingLocal in availability), the rest central.
function pickStatus(rng) {
  const u = rng.next();
  if (u < 0.74) return 'CONFIRMED';
  if (u < 0.86) return 'CANCELLED';
  if (u < 0.92) return 'EXPIRED';
  if (u < 0.99) return 'REJECTED';
  if (u < 0.996) return 'PENDING_SYNC';
  return 'HELD';
}

/**
 * Build a dataset.
 * @param {'hotel'|'chain'} kind
 * @param {{quick?: boolean, seed?: number}} opts
 * @returns {{ name, quick, now, batch, meta, counts, workloads }}
 *   batch: one change batch (all tables, one transaction); meta: ids and dates;
 *   workloads: { op: [args, ...] } for every benchmarked operation.
 */
export function buildDataset(kind, opts = {}) {
  const quick = !!opts.quick;
  const size = SIZES[quick ? 'quick' : 'full'][kind];
  if (!size) throw new Error(`unknown dataset ${kind}`);
  const rng = new Rng(opts.seed ?? (kind === 'hotel' ? 20261231 : 7919));
  const changes = [];
  const counts = {};

  // Hotels and their rules.
  const hotels = [];
  for (let h = 1; h <= size.hotels; h++) {
    hotels.push([h, kind === 'hotel' ? 'Grand Harbour' : `Chain Hotel ${h}`, 'UTC',
      kind === 'hotel' ? 'EUR' : CURRENCIES[h % CURRENCIES.length], 0]);
  }
  changes.push({ op: 'upsert', table: 'hotels', columns: ['id', 'name', 'time_zone', 'currency', 'utc_offset_minutes'], rows: hotels });
  const rules = [];
  for (let h = 1; h <= size.hotels; h++) {
    rules.push([h, 'max_advance_days', size.nights + 30], [h, 'max_nights', 30], [h, 'min_lead_days', 0],
      [h, 'max_rooms_per_booking', 10], [h, 'hold_ttl_seconds', 900]);
  }
  changes.push({ op: 'upsert', table: 'booking_rules', columns: ['hotel_id', 'key', 'value'], rows: rules });

  // Room types: ids 1..hotels*roomTypes, hotel h owns a contiguous block.
  const roomTypes = [];
  const rtByHotel = new Map();
  let rtId = 1;
  for (let h = 1; h <= size.hotels; h++) {
    const ids = [];
    for (let j = 0; j < size.roomTypes; j++) {
      const total = rng.int(4, 60);
      const base = rng.int(60, 450) * 100;
      roomTypes.push([rtId, h, `${ROOM_NAMES[j % ROOM_NAMES.length]} ${j + 1}`, rng.int(1, 4), rng.int(0, 3), base, total]);
      ids.push(rtId++);
    }
    rtByHotel.set(h, ids);
  }
  changes.push({ op: 'upsert', table: 'room_types',
    columns: ['id', 'hotel_id', 'name', 'capacity_adults', 'capacity_children', 'base_price_cents', 'total_rooms'], rows: roomTypes });

  // Special days: holidays / events with price multipliers and min-stay overrides, and
  // a blackout day or two per year.
  const special = [];
  for (let h = 1; h <= size.hotels; h++) {
    const perYear = kind === 'hotel' ? 24 : 8;
    const n = Math.max(2, Math.round((perYear * size.nights) / 365));
    const seen = new Set();
    for (let i = 0; i < n; i++) {
      const d = FIRST_DAY + rng.int(0, size.nights - 1);
      if (seen.has(d)) continue;
      seen.add(d);
      const u = rng.next();
      const kindOf = u < 0.08 ? 'blackout' : u < 0.55 ? 'holiday' : 'event';
      special.push([h, dateOf(d), kindOf, kindOf === 'blackout' ? 100 : rng.pick([110, 125, 150, 175, 200]),
        rng.chance(0.4) ? rng.int(2, 3) : null, kindOf === 'event' ? `event ${i}` : null]);
    }
  }
  changes.push({ op: 'upsert', table: 'special_days',
    columns: ['hotel_id', 'date', 'kind', 'price_multiplier_pct', 'min_stay', 'note'], rows: special });

  // Inventory: every room type, every night. Seasonal occupancy, weekend peaks, a few
  // sold-out nights and restrictions (min stay on peak weekends, CTA/CTD, stop sell).
  const dates = [];
  for (let i = 0; i < size.nights + 1; i++) dates.push(dateOf(FIRST_DAY + i));
  const inventory = new Array(roomTypes.length * size.nights);
  let k = 0;
  for (const [id, , , , , base, total] of roomTypes) {
    const phase = rng.next() * 6.283;
    for (let i = 0; i < size.nights; i++) {
      const dow = (FIRST_DAY + i + 4) % 7;  // 0 = Sunday
      const weekend = dow === 5 || dow === 6;
      const season = Math.sin((2 * Math.PI * i) / 365 + phase);
      let occ = 0.55 + 0.25 * season + (weekend ? 0.12 : 0) + (rng.next() - 0.5) * 0.3;
      if (rng.chance(0.04)) occ = 1;
      occ = Math.min(1, Math.max(0, occ));
      const available = Math.max(0, Math.min(total, Math.round(total * (1 - occ))));
      const price = Math.round((base * (1 + 0.3 * season + (weekend ? 0.15 : 0))) / 100) * 100;
      const peak = weekend && season > 0.6;
      inventory[k++] = [id, dates[i], total, available, price,
        peak && rng.chance(0.5) ? 2 : 1,
        rng.chance(0.03) ? rng.int(7, 14) : 0,
        rng.chance(0.02) ? 1 : 0,
        rng.chance(0.01) ? 1 : 0,
        rng.chance(0.005) ? 1 : 0];
    }
  }
  changes.push(...columnar('room_inventory', INVENTORY_COLUMNS, inventory));

  // Bookings: users with a skewed activity (some users book often), stays of 1-14
  // nights (mostly short), created within the year before "now".
  const bookings = new Array(size.bookings);
  const payments = [];
  const withPayments = kind === 'hotel';
  for (let id = 1; id <= size.bookings; id++) {
    const hotel = 1 + (size.hotels === 1 ? 0 : rng.int(0, size.hotels - 1));
    const rts = rtByHotel.get(hotel);
    const rt = rts[rng.skewed(rts.length, 0.6)];
    const status = pickStatus(rng);
    const nights = Math.min(14, 1 + Math.floor(-Math.log(1 - rng.next()) * 2.5));
    const start = FIRST_DAY - 30 + rng.int(0, size.nights + 30 - nights);
    const rooms = rng.chance(0.85) ? 1 : rng.int(2, 3);
    const created = NOW_MS - rng.int(0, 365 * 24) * 3600000 - rng.int(0, 3599) * 1000;
    const updated = rng.chance(0.3) ? created + rng.int(1, 72) * 3600000 : created;
    const local = status === 'HELD' || status === 'PENDING_SYNC';
    // Holds in the data are all still running at NOW_MS (the clock is fixed), so no
    // implementation expires one in the middle of a run.
    const hold = status === 'HELD' ? NOW_MS + rng.int(600, 86400) * 1000 : null;
    const total = nights * rooms * rng.int(60, 450) * 100;
    bookings[id - 1] = [id, hotel, 1 + rng.skewed(size.users, 0.3), rt, status, dateOf(start), dateOf(start + nights),
      rooms, rng.int(1, 4), total, created, updated, hold, local ? `kiosk-${id}` : null, local ? 'local' : 'central', null];
    if (withPayments && (status === 'CONFIRMED' || status === 'CANCELLED') && rng.chance(0.6)) {
      payments.push([payments.length + 1, id, status === 'CANCELLED' ? 'REFUNDED' : rng.pick(['CAPTURED', 'CAPTURED', 'PENDING']),
        total, created + rng.int(1, 600) * 1000]);
    }
  }
  changes.push(...columnar('bookings', BOOKING_COLUMNS, bookings));
  if (payments.length) changes.push(...columnar('payments', PAYMENT_COLUMNS, payments));

  // A little waitlist and notification traffic, so every contract table has rows.
  const waitlist = [];
  const notifications = [];
  const nSmall = quick ? 50 : 500;
  for (let i = 1; i <= nSmall; i++) {
    const hotel = 1 + rng.int(0, size.hotels - 1);
    const rt = rng.pick(rtByHotel.get(hotel));
    const s = FIRST_DAY + rng.int(0, size.nights - 8);
    waitlist.push([i, hotel, 1 + rng.int(0, size.users - 1), rt, dateOf(s), dateOf(s + rng.int(1, 7)), 1,
      rng.pick(['WAITING', 'WAITING', 'OFFERED', 'BOOKED', 'CANCELLED']), NOW_MS - rng.int(0, 90) * DAY_MS]);
    const b = bookings[rng.int(0, bookings.length - 1)];
    notifications.push([i, b[0], b[2], rng.pick(['email', 'sms', 'push']), rng.pick(['QUEUED', 'SENT', 'SENT', 'FAILED']),
      NOW_MS + rng.int(-72, 72) * 3600000]);
  }
  changes.push({ op: 'upsert', table: 'waitlist',
    columns: ['id', 'hotel_id', 'user_id', 'room_type_id', 'start_date', 'end_date', 'rooms', 'status', 'created_at'], rows: waitlist });
  changes.push({ op: 'upsert', table: 'notifications',
    columns: ['id', 'booking_id', 'user_id', 'channel', 'status', 'scheduled_at'], rows: notifications });

  counts.hotels = hotels.length;
  counts.room_types = roomTypes.length;
  counts.special_days = special.length;
  counts.room_inventory = inventory.length;
  counts.bookings = bookings.length;
  counts.payments = payments.length;
  counts.waitlist = waitlist.length;
  counts.notifications = notifications.length;

  const batch = {
    format: 'edgestay.changes/1',
    cursor: `${kind}-1`,
    syncedAt: NOW_MS - 60000,
    changes,
  };
  const meta = {
    kind, quick, size, now: NOW_MS, firstDay: FIRST_DAY, nights: size.nights,
    hotelIds: hotels.map((h) => h[0]), rtByHotel, users: size.users,
    roomTypeHotel: new Map(roomTypes.map((r) => [r[0], r[1]])),
  };
  return { name: kind, quick, now: NOW_MS, batch, meta, counts, workloads: buildWorkloads(meta, rng) };
}

// ------------------------------------------------------------------ workloads

const WORKLOAD_SIZE = 256;  // distinct argument sets per operation (cycled)

/** A check-in day: near-term dates are more likely (a widget's traffic), within `nights`. */
function checkInDay(rng, meta, stay) {
  const span = meta.nights - stay - 1;
  const offset = rng.chance(0.7) ? rng.skewed(Math.min(span, 120), 0.7) : rng.int(0, span);
  return meta.firstDay + Math.max(0, offset);
}

function buildWorkloads(meta, rng) {
  const hotel = () => (meta.hotelIds.length === 1 ? meta.hotelIds[0] : rng.pick(meta.hotelIds));
  const list = (make) => Array.from({ length: WORKLOAD_SIZE }, (_, i) => make(i));
  const stay = (h, nights) => {
    const rts = meta.rtByHotel.get(h);
    const ci = checkInDay(rng, meta, nights);
    return { roomTypeId: rng.pick(rts), checkIn: dateOf(ci), checkOut: dateOf(ci + nights), rooms: rng.chance(0.8) ? 1 : 2 };
  };
  const month = (h) => {
    const from = meta.firstDay + rng.int(0, meta.nights - 31);
    return { hotelId: h, from: dateOf(from), to: dateOf(from + 30) };
  };
  return {
    getRoomTypes: list(() => hotel()),
    checkRoomAvailability: list(() => stay(hotel(), 7)),
    getAllRoomAvailability: list(() => {
      const h = hotel();
      const { checkIn, checkOut, rooms } = stay(h, 7);
      return { hotelId: h, checkIn, checkOut, rooms };
    }),
    getUserBookingsWithRoomType: list(() => [1 + rng.skewed(meta.users, 0.3), {}]),
    // Writes: many distinct stays (the runner keeps those still bookable), so that a
    // run books each at most a few times.
    createBooking: Array.from({ length: WORKLOAD_SIZE * 8 }, (_, i) => {
      const h = hotel();
      const s = stay(h, rng.int(1, 4));
      return { hotelId: h, roomTypeId: s.roomTypeId, userId: 1 + rng.int(0, meta.users - 1), checkIn: s.checkIn,
        checkOut: s.checkOut, rooms: 1, guests: 1, idempotencyKey: `bench-${meta.kind}-${i}` };
    }),
    getBookingStatistics: list(() => month(hotel())),
    getOccupancyRate: list(() => month(hotel())),
    batchCheckAvailability: list(() => {
      const h = hotel();
      return Array.from({ length: 20 }, () => stay(h, rng.int(1, 7)));
    }),
    getCalendar: list(() => {
      const h = hotel();
      return { hotelId: h, from: dateOf(meta.firstDay + rng.skewed(meta.nights - 30, 0.7)), days: 30 };
    }),
  };
}

/** Every change of a batch as { table, columns, rows } (rows as arrays), for the peers. */
export function* tableRows(batch) {
  for (const ch of batch.changes) {
    if (ch.op !== 'upsert') throw new Error('bench datasets only contain upserts');
    if (ch.rows) {
      yield { table: ch.table, columns: ch.columns, rows: ch.rows };
    } else {
      const columns = Object.keys(ch.row);
      yield { table: ch.table, columns, rows: [columns.map((c) => ch.row[c])] };
    }
  }
}
