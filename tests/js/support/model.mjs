// Brute-force reference model of docs/API.md (query semantics) and the
// defaults of sync/FORMAT.md. Written to be obviously correct, not fast:
// plain maps, loops over nights, no caching, no SQL.
//
// Input: plain table rows with the column names of sync/FORMAT.md, defaults
// already applied (see gen.mjs `applyBatches`), booleans as 0/1.
// Answers carry no `asOf` (the oracle checks that field separately).
//
// Where docs/API.md is ambiguous, the model follows the most natural reading;
// each such choice is marked "AMBIGUITY" below.

export const DAY_MS = 86400000;

export const STATUSES = ['HELD', 'PENDING_SYNC', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED'];

export const RULE_DEFAULTS = {
  max_advance_days: 365,
  min_lead_days: 0,
  max_rooms_per_booking: 10,
  hold_ttl_seconds: 900,
  max_nights: 30,
};

// ---------------------------------------------------------------- dates

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isLeap(y) {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** 'YYYY-MM-DD' -> day number since 1970-01-01, or null when not a real date. */
export function parseDate(s) {
  if (typeof s !== 'string') return null;
  const m = DATE_RE.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return null;
  const dim = [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (d > dim) return null;
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  return Math.round(t.getTime() / DAY_MS);
}

/** day number -> 'YYYY-MM-DD' */
export function formatDate(day) {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(dateStr, n) {
  return formatDate(parseDate(dateStr) + n);
}

// ---------------------------------------------------------------- errors

export class ModelError extends Error {
  constructor(code, message, details = null) {
    super(`${code}: ${message}`);
    this.code = code;
    this.details = details;
  }
}

function fail(code, message, details) {
  throw new ModelError(code, message, details);
}

function isId(v) {
  return Number.isSafeInteger(v) && v >= 1;
}

function needId(v, what) {
  if (!isId(v)) fail('INVALID_ARGUMENT', `${what} must be a positive integer`);
  return v;
}

function needDate(v, what) {
  // AMBIGUITY: a non-string in a date position (number, null) is treated as
  // "not a real YYYY-MM-DD date" -> INVALID_DATE rather than INVALID_ARGUMENT.
  const d = parseDate(v);
  if (d === null) fail('INVALID_DATE', `${what}: not a real YYYY-MM-DD date`);
  return d;
}

function needRooms(v) {
  if (v === undefined) return 1;
  if (!Number.isSafeInteger(v) || v < 1) fail('INVALID_ARGUMENT', 'rooms must be an integer >= 1');
  return v;
}

function needObject(v, what) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('INVALID_ARGUMENT', `${what} must be an object`);
  return v;
}

// ---------------------------------------------------------------- model

export class Model {
  /**
   * @param data {hotels, room_types, room_inventory, booking_rules, special_days, bookings, payments}
   * @param opts {now: number | () => number}
   */
  constructor(data, { now }) {
    this.data = data;
    this.nowFn = typeof now === 'function' ? now : () => now;

    this.hotels = new Map();
    for (const h of data.hotels) this.hotels.set(h.id, h);

    this.roomTypes = new Map();
    for (const rt of data.room_types) this.roomTypes.set(rt.id, rt);

    this.inventory = new Map(); // `${roomTypeId}|${day}` -> row
    for (const r of data.room_inventory) this.inventory.set(`${r.room_type_id}|${parseDate(r.date)}`, r);

    this.rules = new Map(); // `${hotelId}|${key}` -> value
    for (const r of data.booking_rules) this.rules.set(`${r.hotel_id}|${r.key}`, r.value);

    this.specialDays = new Map(); // `${hotelId}|${day}` -> row
    for (const s of data.special_days) this.specialDays.set(`${s.hotel_id}|${parseDate(s.date)}`, s);

    this.bookings = data.bookings;
    this.payments = data.payments || [];
    this.expireHolds(this.nowFn());
  }

  // The engine turns a local hold whose time is up into EXPIRED at its first call at or
  // after hold_expires_at (docs/API.md, booking lifecycle). The model does the same when it
  // is built for a clock reading; `data` is shared across clock steps on purpose, so a
  // booking keeps the updated_at of the step that expired it.
  expireHolds(now) {
    for (const b of this.data.bookings) {
      if (b.origin === 'local' && b.status === 'HELD' && b.hold_expires_at !== null && b.hold_expires_at <= now) {
        b.status = 'EXPIRED';
        b.updated_at = now;
      }
    }
  }

  rule(hotelId, key) {
    const v = this.rules.get(`${hotelId}|${key}`);
    return v === undefined ? RULE_DEFAULTS[key] : v;
  }

  roomTypesOfHotel(hotelId) {
    const out = [];
    for (const rt of this.data.room_types) if (rt.hotel_id === hotelId) out.push(rt);
    out.sort((a, b) => a.id - b.id);
    return out;
  }

  /** Sum of rooms of local HELD (unexpired) / PENDING_SYNC / CONFIRMED bookings of the room type covering `day`. */
  pendingLocal(roomTypeId, day, now) {
    let sum = 0;
    for (const b of this.bookings) {
      if (b.room_type_id !== roomTypeId) continue;
      if (b.origin !== 'local') continue;
      // AMBIGUITY: a local HELD booking with hold_expires_at = null is not
      // counted (SQL reading of "hold_expires_at > now"); gen.mjs never makes one.
      const held = b.status === 'HELD' && b.hold_expires_at !== null && b.hold_expires_at > now;
      if (!held && b.status !== 'PENDING_SYNC' && b.status !== 'CONFIRMED') continue;
      const s = parseDate(b.start_date);
      const e = parseDate(b.end_date);
      if (s <= day && day < e) sum += b.rooms;
    }
    return sum;
  }

  effectivePrice(hotelId, day, priceCents) {
    const sd = this.specialDays.get(`${hotelId}|${day}`);
    const pct = sd ? sd.price_multiplier_pct : 100;
    return Math.floor((priceCents * pct + 50) / 100);
  }

  today(hotel, now) {
    return Math.floor((now + hotel.utc_offset_minutes * 60000) / DAY_MS);
  }

  /** Validated availability answer for one stay (no asOf). */
  answer(rt, ci, co, rooms, now) {
    const hotel = this.hotels.get(rt.hotel_id);
    const nights = co - ci;

    const nightly = [];
    let missing = false;
    let sum = 0;
    const freeByNight = [];
    for (let d = ci; d < co; d++) {
      const row = this.inventory.get(`${rt.id}|${d}`);
      if (!row) {
        missing = true;
        nightly.push({ date: formatDate(d), available: null, priceCents: null });
        freeByNight.push(null);
        continue;
      }
      const free = row.available - this.pendingLocal(rt.id, d, now);
      const price = this.effectivePrice(hotel.id, d, row.price_cents);
      sum += price;
      nightly.push({ date: formatDate(d), available: free, priceCents: price });
      freeByNight.push(free);
    }

    const leadDays = ci - this.today(hotel, now);
    let reason = null;
    if (leadDays < this.rule(hotel.id, 'min_lead_days')) {
      reason = 'lead_time';
    } else if (leadDays > this.rule(hotel.id, 'max_advance_days')) {
      reason = 'advance_window';
    } else if (rooms > this.rule(hotel.id, 'max_rooms_per_booking')) {
      reason = 'max_rooms';
    } else if (missing) {
      reason = 'no_inventory';
    } else {
      let stop = false;
      for (let d = ci; d < co; d++) {
        const row = this.inventory.get(`${rt.id}|${d}`);
        const sd = this.specialDays.get(`${hotel.id}|${d}`);
        if (row.stop_sell === 1) stop = true;
        if (sd && sd.kind === 'blackout') stop = true;
      }
      const first = this.inventory.get(`${rt.id}|${ci}`);
      const outRow = this.inventory.get(`${rt.id}|${co}`);
      const sdIn = this.specialDays.get(`${hotel.id}|${ci}`);
      const minStay = sdIn && sdIn.min_stay !== null ? sdIn.min_stay : first.min_stay;
      let soldOut = false;
      for (const free of freeByNight) if (free < rooms) soldOut = true;

      if (stop) reason = 'stop_sell';
      else if (first.closed_to_arrival === 1) reason = 'closed_to_arrival';
      else if (outRow && outRow.closed_to_departure === 1) reason = 'closed_to_departure';
      else if (nights < minStay) reason = 'min_stay';
      else if (first.max_stay > 0 && nights > first.max_stay) reason = 'max_stay';
      else if (soldOut) reason = 'sold_out';
    }

    return {
      roomTypeId: rt.id,
      roomTypeName: rt.name,
      hotelId: hotel.id,
      checkIn: formatDate(ci),
      checkOut: formatDate(co),
      nights,
      rooms,
      available: reason === null,
      reason,
      nightly,
      totalCents: missing ? null : sum * rooms,
      currency: hotel.currency,
    };
  }

  /** Argument checks of one availability query; returns the parsed pieces. */
  validateStay(q) {
    needObject(q, 'query');
    needId(q.roomTypeId, 'roomTypeId');
    const ci = needDate(q.checkIn, 'checkIn');
    const co = needDate(q.checkOut, 'checkOut');
    if (co <= ci) fail('INVALID_RANGE', 'checkOut must be after checkIn');
    const rooms = needRooms(q.rooms);
    const rt = this.roomTypes.get(q.roomTypeId);
    if (!rt) fail('UNKNOWN_ROOM_TYPE', `no room type ${q.roomTypeId}`);
    if (co - ci > this.rule(rt.hotel_id, 'max_nights')) fail('STAY_TOO_LONG', 'too many nights');
    return { rt, ci, co, rooms };
  }

  checkRoomAvailability(q) {
    const { rt, ci, co, rooms } = this.validateStay(q);
    return this.answer(rt, ci, co, rooms, this.nowFn());
  }

  getAllRoomAvailability(q) {
    needObject(q, 'query');
    needId(q.hotelId, 'hotelId');
    const ci = needDate(q.checkIn, 'checkIn');
    const co = needDate(q.checkOut, 'checkOut');
    if (co <= ci) fail('INVALID_RANGE', 'checkOut must be after checkIn');
    const rooms = needRooms(q.rooms);
    const hotel = this.hotels.get(q.hotelId);
    if (!hotel) fail('UNKNOWN_HOTEL', `no hotel ${q.hotelId}`);
    if (co - ci > this.rule(hotel.id, 'max_nights')) fail('STAY_TOO_LONG', 'too many nights');
    const now = this.nowFn();
    const results = [];
    for (const rt of this.roomTypesOfHotel(hotel.id)) results.push(this.answer(rt, ci, co, rooms, now));
    return {
      hotelId: hotel.id,
      checkIn: formatDate(ci),
      checkOut: formatDate(co),
      nights: co - ci,
      rooms,
      results,
    };
  }

  batchCheckAvailability(queries) {
    if (!Array.isArray(queries)) fail('INVALID_ARGUMENT', 'queries must be an array');
    if (queries.length > 1000) fail('INVALID_ARGUMENT', 'at most 1000 queries');
    const parsed = [];
    for (let i = 0; i < queries.length; i++) {
      try {
        parsed.push(this.validateStay(queries[i]));
      } catch (e) {
        if (e instanceof ModelError) fail(e.code, `queries[${i}]: ${e.message}`, { ...(e.details || {}), index: i });
        throw e;
      }
    }
    const now = this.nowFn();
    return parsed.map(({ rt, ci, co, rooms }) => this.answer(rt, ci, co, rooms, now));
  }

  getCalendar(q) {
    needObject(q, 'query');
    needId(q.hotelId, 'hotelId');
    const from = needDate(q.from, 'from');
    // AMBIGUITY: days outside 1..366 -> INVALID_ARGUMENT (out-of-range number).
    if (!Number.isSafeInteger(q.days) || q.days < 1 || q.days > 366) fail('INVALID_ARGUMENT', 'days must be 1..366');
    const hotel = this.hotels.get(q.hotelId);
    if (!hotel) fail('UNKNOWN_HOTEL', `no hotel ${q.hotelId}`);
    const now = this.nowFn();
    const dates = [];
    for (let i = 0; i < q.days; i++) dates.push(formatDate(from + i));
    const roomTypes = [];
    for (const rt of this.roomTypesOfHotel(hotel.id)) {
      const col = {
        id: rt.id, name: rt.name,
        available: [], priceCents: [], minStay: [], maxStay: [],
        closedToArrival: [], closedToDeparture: [], stopSell: [],
      };
      for (let i = 0; i < q.days; i++) {
        const d = from + i;
        const row = this.inventory.get(`${rt.id}|${d}`);
        if (!row) {
          // AMBIGUITY: no row -> null in every column, even on a blackout day.
          for (const k of ['available', 'priceCents', 'minStay', 'maxStay', 'closedToArrival', 'closedToDeparture', 'stopSell']) col[k].push(null);
          continue;
        }
        const sd = this.specialDays.get(`${hotel.id}|${d}`);
        col.available.push(row.available - this.pendingLocal(rt.id, d, now));
        col.priceCents.push(this.effectivePrice(hotel.id, d, row.price_cents));
        col.minStay.push(sd && sd.min_stay !== null ? sd.min_stay : row.min_stay);
        col.maxStay.push(row.max_stay);
        col.closedToArrival.push(row.closed_to_arrival);
        col.closedToDeparture.push(row.closed_to_departure);
        col.stopSell.push(row.stop_sell === 1 || (sd && sd.kind === 'blackout') ? 1 : 0);
      }
      roomTypes.push(col);
    }
    return { hotelId: hotel.id, from: formatDate(from), days: q.days, dates, roomTypes };
  }

  getRoomTypes(hotelId) {
    needId(hotelId, 'hotelId');
    if (!this.hotels.has(hotelId)) fail('UNKNOWN_HOTEL', `no hotel ${hotelId}`);
    return this.roomTypesOfHotel(hotelId).map((rt) => ({
      id: rt.id,
      hotelId: rt.hotel_id,
      name: rt.name,
      capacityAdults: rt.capacity_adults,
      capacityChildren: rt.capacity_children,
      basePriceCents: rt.base_price_cents,
      totalRooms: rt.total_rooms,
    }));
  }

  getUserBookingsWithRoomType(userId, opts = {}) {
    needId(userId, 'userId');
    needObject(opts, 'options');
    let wanted = null;
    if (opts.status !== undefined && opts.status !== null) {
      const list = Array.isArray(opts.status) ? opts.status : [opts.status];
      for (const s of list) if (!STATUSES.includes(s)) fail('INVALID_ARGUMENT', `unknown status ${s}`);
      wanted = list;
    }
    const includePayments = opts.includePayments === undefined ? false : opts.includePayments;
    if (typeof includePayments !== 'boolean') fail('INVALID_ARGUMENT', 'includePayments must be a boolean');

    const mine = [];
    for (const b of this.bookings) {
      if (b.user_id !== userId) continue;
      if (wanted && !wanted.includes(b.status)) continue;
      mine.push(b);
    }
    mine.sort((a, b) => (b.created_at - a.created_at) || (b.id - a.id));
    return mine.map((b) => {
      const out = {
        id: b.id,
        hotelId: b.hotel_id,
        userId: b.user_id,
        roomTypeId: b.room_type_id,
        roomTypeName: this.roomTypes.get(b.room_type_id).name,
        status: b.status,
        checkIn: b.start_date,
        checkOut: b.end_date,
        nights: parseDate(b.end_date) - parseDate(b.start_date),
        rooms: b.rooms,
        guests: b.guests,
        totalCents: b.total_cents,
        createdAt: b.created_at,
        updatedAt: b.updated_at,
        holdExpiresAt: b.hold_expires_at,
        idempotencyKey: b.idempotency_key,
        origin: b.origin,
        serverId: b.server_id,
      };
      if (includePayments) {
        const ps = [];
        for (const p of this.payments) {
          if (p.booking_id === b.id) ps.push({ id: p.id, status: p.status, amountCents: p.amount_cents, createdAt: p.created_at });
        }
        ps.sort((x, y) => x.id - y.id);
        out.payments = ps;
      }
      return out;
    });
  }

  validateRange(q, maxDays) {
    needObject(q, 'query');
    needId(q.hotelId, 'hotelId');
    const from = needDate(q.from, 'from');
    const to = needDate(q.to, 'to');
    if (to <= from) fail('INVALID_RANGE', 'to must be after from');
    if (maxDays !== undefined && to - from > maxDays) fail('INVALID_RANGE', `range over ${maxDays} days`);
    const hotel = this.hotels.get(q.hotelId);
    if (!hotel) fail('UNKNOWN_HOTEL', `no hotel ${q.hotelId}`);
    return { hotel, from, to };
  }

  getBookingStatistics(q) {
    const { hotel, from, to } = this.validateRange(q);
    const byStatus = {};
    const revenueByStatus = {};
    for (const s of STATUSES) byStatus[s] = 0;
    for (const s of STATUSES) revenueByStatus[s] = 0;
    let total = 0;
    let active = 0;
    let roomNights = 0;
    let revenueCents = 0;
    let nightsSum = 0;
    for (const b of this.bookings) {
      if (b.hotel_id !== hotel.id) continue;
      const s = parseDate(b.start_date);
      if (!(from <= s && s < to)) continue;
      total++;
      byStatus[b.status]++;
      revenueByStatus[b.status] += b.total_cents;
      if (b.status === 'HELD' || b.status === 'PENDING_SYNC' || b.status === 'CONFIRMED') {
        const n = parseDate(b.end_date) - s;
        active++;
        roomNights += b.rooms * n;
        revenueCents += b.total_cents;
        nightsSum += n;
      }
    }
    return {
      hotelId: hotel.id,
      from: formatDate(from),
      to: formatDate(to),
      total,
      byStatus,
      active,
      roomNights,
      revenueCents,
      revenueByStatus,
      cancelledValueCents: revenueByStatus.CANCELLED,
      averageNights: active === 0 ? 0 : nightsSum / active,
      cancellationRate: total === 0 ? 0 : byStatus.CANCELLED / total,
    };
  }

  getOccupancyRate(q) {
    const { hotel, from, to } = this.validateRange(q, 1096);
    // AMBIGUITY: adrCents / revparCents are plain quotients (not rounded),
    // as written in docs/API.md.
    const ratios = (avail, sold, rev) => ({
      occupancy: avail === 0 ? 0 : sold / avail,
      adrCents: sold === 0 ? 0 : rev / sold,
      revparCents: avail === 0 ? 0 : rev / avail,
    });
    const now = this.nowFn();
    let A = 0;
    let S = 0;
    let R = 0;
    const roomTypes = [];
    for (const rt of this.roomTypesOfHotel(hotel.id)) {
      let a = 0;
      let s = 0;
      let r = 0;
      for (let d = from; d < to; d++) {
        const row = this.inventory.get(`${rt.id}|${d}`);
        if (!row) continue;
        // Rooms held by unsynced local bookings are sold, as the calendar shows them.
        const sold = row.total - (row.available - this.pendingLocal(rt.id, d, now));
        a += row.total;
        s += sold;
        r += sold * this.effectivePrice(hotel.id, d, row.price_cents);
      }
      A += a;
      S += s;
      R += r;
      roomTypes.push({ roomTypeId: rt.id, roomsAvailable: a, roomsSold: s, revenueCents: r, ...ratios(a, s, r) });
    }
    return {
      hotelId: hotel.id,
      from: formatDate(from),
      to: formatDate(to),
      roomsAvailable: A,
      roomsSold: S,
      revenueCents: R,
      ...ratios(A, S, R),
      roomTypes,
    };
  }
}
