// Reference model of the local booking lifecycle (docs/API.md "Booking lifecycle"):
// createBooking (held or pending sync), confirmHold, cancelBooking, hold expiry,
// joinWaitlist and waitlist offers, the outbox (pendingMutations / applyPushResults),
// notifications and the change events a write raises.
//
// Written to be simple, not fast: plain Maps and arrays, a linear scan where the engine
// has an index, no SQL. Availability comes from support/model.mjs (the brute-force
// oracle of the availability rules), fed with this model's inventory and its local
// bookings (until the centre's row for them arrives, which these tests never send).
//
// Scope: one engine's local writes on top of hotels / room types / rules / special days /
// inventory. Of change batches, only room_inventory upserts and deletes are modelled
// (what the lifecycle tests send); bookings and waitlist entries are all local.

import { Model, ModelError, DAY_MS, parseDate, formatDate } from './model.mjs';

export { ModelError };

export const MAX_ID = 2 ** 53 - 1;

// Legal status changes of a booking (docs/API.md "Booking lifecycle").
export const LEGAL_TRANSITIONS = {
  HELD: ['PENDING_SYNC', 'EXPIRED', 'CANCELLED', 'REJECTED'],
  PENDING_SYNC: ['CONFIRMED', 'CANCELLED', 'REJECTED'],
  CONFIRMED: ['CANCELLED'],
  REJECTED: [],
  CANCELLED: [],
  EXPIRED: [],
};

/** Throws unless `history` (statuses in the order they were observed) is a legal path. */
export function checkHistory(history, label = 'booking') {
  if (!history.length) return;
  if (history[0] !== 'HELD' && history[0] !== 'PENDING_SYNC') {
    throw new Error(`${label}: born ${history[0]} (a local booking starts HELD or PENDING_SYNC); history ${history.join(' -> ')}`);
  }
  for (let i = 1; i < history.length; i++) {
    const from = history[i - 1];
    const to = history[i];
    if (from === to) continue;
    if (!LEGAL_TRANSITIONS[from].includes(to)) {
      throw new Error(`${label}: illegal ${from} -> ${to}; history ${history.join(' -> ')}`);
    }
  }
}

const LIVE = new Set(['HELD', 'PENDING_SYNC']);
// Local bookings hold rooms until the centre's row for them arrives; the lifecycle tests
// never send one, so every local HELD / PENDING_SYNC / CONFIRMED booking holds rooms.
const HOLDING = new Set(['HELD', 'PENDING_SYNC', 'CONFIRMED']);
const INV_COLUMNS = ['room_type_id', 'date', 'total', 'available', 'price_cents', 'min_stay', 'max_stay',
  'closed_to_arrival', 'closed_to_departure', 'stop_sell'];
const INV_DEFAULTS = { min_stay: 1, max_stay: 0, closed_to_arrival: 0, closed_to_departure: 0, stop_sell: 0 };

function fail(code, message, details = {}) {
  throw new ModelError(code, message, details);
}

// ---------------------------------------------------------------- argument reading
// The JSON face of the engine: the JS wrapper drops `undefined`, rejects NaN/Infinity;
// `null` reads as absent, except for counts (rooms, guests) where it is an error.

function present(args, name) {
  return args[name] !== undefined && args[name] !== null;
}

function readId(args, name) {
  if (!present(args, name)) fail('INVALID_ARGUMENT', `${name}: is required`, { field: name });
  const v = args[name];
  if (!Number.isInteger(v) || v < 1 || v > MAX_ID) fail('INVALID_ARGUMENT', `${name}: must be a positive integer id`, { field: name });
  return v;
}

function readDay(args, name) {
  const d = parseDate(args[name]);
  if (d === null) fail('INVALID_DATE', `${name}: not a date`, { field: name });
  return d;
}

function readRange(args, a, b) {
  const from = readDay(args, a);
  const to = readDay(args, b);
  if (to <= from) fail('INVALID_RANGE', `${b} must be after ${a}`, { field: b });
  if (to - from > 100000) fail('INVALID_RANGE', 'range too long', { field: b });
  return [from, to];
}

function readCount(args, name, def, min, max) {
  if (args[name] === null) fail('INVALID_ARGUMENT', `${name}: must not be null`, { field: name });
  if (args[name] === undefined) return def;
  const v = args[name];
  if (!Number.isInteger(v) || v < min || v > max) fail('INVALID_ARGUMENT', `${name}: out of range`, { field: name });
  return v;
}

function readKey(args, name) {
  if (!present(args, name)) return null;
  const v = args[name];
  // 1..128, counted in UTF-8 bytes by the engine (FORMAT.md says characters).
  if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v, 'utf8') > 128) {
    fail('INVALID_ARGUMENT', `${name}: must be a string of 1 to 128 characters`, { field: name });
  }
  return v;
}

function readBool(args, name, def) {
  if (!present(args, name)) return def;
  if (typeof args[name] !== 'boolean') fail('INVALID_ARGUMENT', `${name}: must be true or false`, { field: name });
  return args[name];
}

function readBookingId(v) {
  if (!Number.isInteger(v) || v === 0 || Math.abs(v) > MAX_ID) {
    fail('INVALID_ARGUMENT', 'bookingId: must be a non-zero integer booking id', { field: 'bookingId' });
  }
  return v;
}

// ---------------------------------------------------------------- the model

export class BookingModel {
  /**
   * @param tables plain rows with FORMAT.md defaults applied (gen.mjs applyBatches):
   *   hotels, room_types, booking_rules, special_days, room_inventory.
   * @param opts { now: ms, clientId: string }
   */
  constructor(tables, { now, clientId }) {
    this.now = now;
    this.clientId = clientId;
    this.hotels = tables.hotels.map((r) => ({ ...r }));
    this.roomTypes = tables.room_types.map((r) => ({ ...r }));
    this.rules = tables.booking_rules.map((r) => ({ ...r }));
    this.specialDays = tables.special_days.map((r) => ({ ...r }));
    this.inventory = new Map(); // `${rt}|${date}` -> row
    for (const r of tables.room_inventory) this.inventory.set(`${r.room_type_id}|${r.date}`, { ...r });

    this.bookings = new Map(); // id -> row (bookings table columns) + created (creation counter), history
    this.waitlist = new Map(); // id -> row (waitlist table columns) + created
    this.outbox = []; // index seq-1: { seq, type, idempotencyKey, args, bookingId, waitlistId, status }
    this.notifications = []; // creation order: { id, booking_id, user_id, channel, kind, status, scheduled_at }
    this.created = 0; // creation counter: "oldest" = smallest
    // Indexes, so that long (EDGESTAY_SOAK) runs stay linear; each is a plain subset of the above.
    this.byUser = new Map(); // user id -> bookings
    this.byKey = new Map(); // `${hotelId}|${key}` -> booking
    this.live = new Set(); // local HELD / PENDING_SYNC / CONFIRMED bookings: they hold rooms
    this.held = new Set(); // HELD bookings
    this.waiting = new Set(); // WAITING entries
    this.pending = new Map(); // seq -> PENDING outbox row (in seq order)
    this.queued = new Set(); // QUEUED notifications
    this.notificationsOf = new Map(); // booking id -> notifications
    this.notificationById = new Map();
    this.minBookingId = 0;
    this.minWaitlistId = 0;
    this.minNotificationId = 0;
    this.events = []; // events of the current call: { type: 'booking'|'waitlist', ... }

    this.avail = null; // support/model.mjs Model over the current inventory (rebuilt when it changes)
    this.pendingDirty = true;
  }

  // ------------------------------------------------------------ plumbing

  setNow(ms) {
    this.now = ms;
    this.pendingDirty = true; // unexpired holds depend on now
  }

  takeEvents() {
    const e = this.events;
    this.events = [];
    return e;
  }

  hotel(id) {
    return this.hotels.find((h) => h.id === id);
  }

  roomType(id) {
    return this.roomTypes.find((r) => r.id === id);
  }

  rule(hotelId, key) {
    return this.availability().rule(hotelId, key);
  }

  today(hotel) {
    return Math.floor((this.now + hotel.utc_offset_minutes * 60000) / DAY_MS);
  }

  /** The availability oracle, over the current inventory and the local bookings that hold rooms. */
  availability() {
    if (!this.avail) {
      this.avail = new Model({
        hotels: this.hotels,
        room_types: this.roomTypes,
        booking_rules: this.rules,
        special_days: this.specialDays,
        room_inventory: [...this.inventory.values()],
        bookings: [],
      }, { now: () => this.now });
      this.pendingDirty = true;
    }
    if (this.pendingDirty) {
      // Model.pendingLocal counts local HELD (unexpired) / PENDING_SYNC / CONFIRMED rows.
      this.avail.bookings = [...this.live];
      this.pendingDirty = false;
    }
    return this.avail;
  }

  /** The availability answer (docs/API.md shape, no asOf) or a ModelError. */
  checkRoomAvailability(q) {
    this.expireDue();
    return this.availability().checkRoomAvailability(q);
  }

  answer(rt, ci, co, rooms) {
    return this.availability().answer(rt, ci, co, rooms, this.now);
  }

  view(b) {
    const rt = this.roomType(b.room_type_id);
    return {
      id: b.id,
      hotelId: b.hotel_id,
      userId: b.user_id,
      roomTypeId: b.room_type_id,
      roomTypeName: rt.name,
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
  }

  /** getUserBookingsWithRoomType(userId) for the model's (all local) bookings. */
  userBookings(userId) {
    return [...(this.byUser.get(userId) || [])]
      .sort((a, b) => (b.created_at - a.created_at) || (b.id - a.id))
      .map((b) => this.view(b));
  }

  /** The one place a booking's status or serverId changes (keeps the indexes right). */
  setBooking(b, { status = b.status, serverId = b.server_id } = {}) {
    if (status !== b.status) b.history.push(status);
    b.status = status;
    b.server_id = serverId;
    if (HOLDING.has(status)) this.live.add(b);
    else this.live.delete(b);
    if (status === 'HELD') this.held.add(b);
    else this.held.delete(b);
    this.pendingDirty = true;
  }

  enqueue(type, idempotencyKey, args, bookingId = null, waitlistId = null) {
    const seq = this.outbox.length + 1;
    const m = { seq, type, idempotencyKey, args, bookingId, waitlistId, status: 'PENDING' };
    this.outbox.push(m);
    this.pending.set(seq, m);
    return seq;
  }

  notify(booking, kind, at) {
    const n = { id: --this.minNotificationId, booking_id: booking.id, user_id: booking.user_id, channel: 'email', kind, status: 'QUEUED', scheduled_at: at, created: this.notifications.length };
    this.notifications.push(n);
    this.queued.add(n);
    this.notificationById.set(n.id, n);
    if (!this.notificationsOf.has(booking.id)) this.notificationsOf.set(booking.id, []);
    this.notificationsOf.get(booking.id).push(n);
  }

  markNotification(n, status) {
    n.status = status;
    this.queued.delete(n);
  }

  cancelReminders(bookingId) {
    for (const n of this.notificationsOf.get(bookingId) || []) {
      if (n.kind === 'reminder' && n.status === 'QUEUED') this.markNotification(n, 'CANCELLED');
    }
  }

  /** 09:00 hotel-local on the day before check-in. */
  reminderAt(hotel, checkInDay) {
    return (checkInDay - 1) * DAY_MS + 9 * 3600000 - hotel.utc_offset_minutes * 60000;
  }

  bookingEvent(bookings) {
    const users = [...new Set(bookings.map((b) => b.user_id))].sort((a, b) => a - b);
    const ranges = new Map();
    for (const b of bookings) {
      const r = ranges.get(b.room_type_id);
      if (!r) ranges.set(b.room_type_id, { roomTypeId: b.room_type_id, from: b.start_date, to: b.end_date });
      else {
        if (b.start_date < r.from) r.from = b.start_date;
        if (b.end_date > r.to) r.to = b.end_date;
      }
    }
    return {
      type: 'booking',
      userIds: users,
      ranges: [...ranges.values()].sort((a, b) => a.roomTypeId - b.roomTypeId),
      bookings: bookings.map((b) => this.view(b)),
    };
  }

  // ------------------------------------------------------------ waitlist offers

  /** Rooms of room type `rtId` came free over [from, to): offer the oldest waiting entry that now fits. */
  offer(rtId, from, to) {
    const rt = this.roomType(rtId);
    if (!rt) return null;
    // Any waiting entry of the room type (not only those overlapping the freed dates),
    // oldest first.
    const entries = [...this.waiting].filter((w) => w.room_type_id === rtId && w.id < 0);
    entries.sort((a, b) => (a.created_at - b.created_at) || (a.created - b.created));
    for (const w of entries) {
      const a = this.answer(rt, parseDate(w.start_date), parseDate(w.end_date), w.rooms);
      if (a.reason !== null) continue;
      w.status = 'OFFERED';
      this.waiting.delete(w);
      const entry = {
        id: w.id, hotelId: w.hotel_id, userId: w.user_id, roomTypeId: w.room_type_id,
        checkIn: w.start_date, checkOut: w.end_date, rooms: w.rooms, status: 'OFFERED',
      };
      this.events.push({ type: 'waitlist', entry });
      return entry;
    }
    return null;
  }

  // ------------------------------------------------------------ status changes

  transition(b, to, mutation, keySuffix, notifyKind, extraArgs = {}) {
    this.setBooking(b, { status: to });
    b.updated_at = this.now;
    const args = { bookingId: b.server_id ?? b.id, localId: b.id, ...extraArgs };
    this.enqueue(mutation, b.idempotency_key + keySuffix, args, b.id);
    this.notify(b, notifyKind, this.now);
    if (to !== 'PENDING_SYNC') this.cancelReminders(b.id);
    this.events.push(this.bookingEvent([b]));
    if (to === 'CANCELLED' || to === 'EXPIRED') this.offer(b.room_type_id, parseDate(b.start_date), parseDate(b.end_date));
  }

  /** Holds whose time is up become EXPIRED: what the engine does before every call. */
  expireDue() {
    const due = [...this.held]
      .filter((b) => b.origin === 'local' && b.hold_expires_at <= this.now)
      // The engine's order: hold_expires_at, then id (negative: newest first among ties).
      .sort((a, b) => (a.hold_expires_at - b.hold_expires_at) || (a.id - b.id));
    for (const b of due) this.transition(b, 'EXPIRED', 'cancelBooking', ':expire', 'expiry', { reason: 'expired' });
    return due.length;
  }

  /** The earliest hold_expires_at of a live local hold (null when none). */
  nextHoldExpiry() {
    let t = null;
    for (const b of this.held) {
      if (t === null || b.hold_expires_at < t) t = b.hold_expires_at;
    }
    return t;
  }

  // ------------------------------------------------------------ the API

  createBooking(args) {
    this.expireDue();
    if (args === null || typeof args !== 'object' || Array.isArray(args)) fail('INVALID_ARGUMENT', 'booking: must be an object');
    const hotelId = readId(args, 'hotelId');
    const roomTypeId = readId(args, 'roomTypeId');
    const userId = readId(args, 'userId');
    const [ci, co] = readRange(args, 'checkIn', 'checkOut');
    const rooms = readCount(args, 'rooms', 1, 1, 10000);
    const key = readKey(args, 'idempotencyKey');
    const guests = readCount(args, 'guests', rooms, 1, 100000);
    const hold = readBool(args, 'hold', false);

    const hotel = this.hotel(hotelId);
    if (!hotel) fail('UNKNOWN_HOTEL', `no hotel ${hotelId}`, { hotelId });
    const rt = this.roomType(roomTypeId);
    if (!rt || rt.hotel_id !== hotelId) fail('UNKNOWN_ROOM_TYPE', `hotel ${hotelId} has no room type ${roomTypeId}`, { roomTypeId });
    if (key !== null && this.byKey.has(`${hotelId}|${key}`)) return this.view(this.byKey.get(`${hotelId}|${key}`));
    if (co - ci > this.rule(hotelId, 'max_nights')) fail('STAY_TOO_LONG', 'too many nights');
    if (ci < this.today(hotel)) fail('PAST_DATE', 'check-in before today');
    if (rooms > this.rule(hotelId, 'max_rooms_per_booking')) fail('TOO_MANY_ROOMS', 'too many rooms');
    if (guests > (rt.capacity_adults + rt.capacity_children) * rooms) fail('GUESTS_OVER_CAPACITY', 'too many guests');
    const a = this.answer(rt, ci, co, rooms);
    if (a.reason !== null) fail('NOT_AVAILABLE', `not available: ${a.reason}`, { reason: a.reason });

    const id = --this.minBookingId;
    const b = {
      id, hotel_id: hotelId, user_id: userId, room_type_id: roomTypeId,
      status: hold ? 'HELD' : 'PENDING_SYNC',
      start_date: formatDate(ci), end_date: formatDate(co), rooms, guests,
      total_cents: a.totalCents,
      created_at: this.now, updated_at: this.now,
      hold_expires_at: hold ? this.now + this.rule(hotelId, 'hold_ttl_seconds') * 1000 : null,
      idempotency_key: key ?? `${this.clientId}:booking:${-id}`,
      origin: 'local', server_id: null,
      created: ++this.created,
      history: [hold ? 'HELD' : 'PENDING_SYNC'],
    };
    this.bookings.set(id, b);
    this.byKey.set(`${hotelId}|${b.idempotency_key}`, b);
    if (!this.byUser.has(userId)) this.byUser.set(userId, []);
    this.byUser.get(userId).push(b);
    this.setBooking(b);
    const margs = {
      hotelId, roomTypeId, userId, checkIn: b.start_date, checkOut: b.end_date, rooms, guests,
      localId: id, totalCents: b.total_cents, hold,
    };
    if (hold) margs.holdExpiresAt = b.hold_expires_at;
    this.enqueue('createBooking', b.idempotency_key, margs, id);
    this.notify(b, hold ? 'hold' : 'confirmation', this.now);
    if (!hold) {
      const at = this.reminderAt(hotel, ci);
      if (at > this.now) this.notify(b, 'reminder', at);
    }
    this.events.push(this.bookingEvent([b]));
    return this.view(b);
  }

  confirmHold(bookingId) {
    this.expireDue();
    const id = readBookingId(bookingId);
    const b = this.bookings.get(id);
    if (!b) fail('UNKNOWN_BOOKING', `no booking ${id}`, { bookingId: id });
    if (b.status === 'EXPIRED') fail('HOLD_EXPIRED', 'the hold has expired', { bookingId: id, status: b.status });
    if (b.status !== 'HELD') fail('INVALID_STATE', `booking is ${b.status}`, { bookingId: id, status: b.status });
    this.transition(b, 'PENDING_SYNC', 'confirmHold', ':confirm', 'confirmation');
    const at = this.reminderAt(this.hotel(b.hotel_id), parseDate(b.start_date));
    if (at > this.now) this.notify(b, 'reminder', at);
    return this.view(b);
  }

  cancelBooking(bookingId) {
    this.expireDue();
    const id = readBookingId(bookingId);
    const b = this.bookings.get(id);
    if (!b) fail('UNKNOWN_BOOKING', `no booking ${id}`, { bookingId: id });
    if (!['HELD', 'PENDING_SYNC', 'CONFIRMED'].includes(b.status)) {
      fail('INVALID_STATE', `booking is ${b.status}`, { bookingId: id, status: b.status });
    }
    this.transition(b, 'CANCELLED', 'cancelBooking', ':cancel', 'cancellation');
    return this.view(b);
  }

  joinWaitlist(args) {
    this.expireDue();
    if (args === null || typeof args !== 'object' || Array.isArray(args)) fail('INVALID_ARGUMENT', 'booking: must be an object');
    const hotelId = readId(args, 'hotelId');
    const roomTypeId = readId(args, 'roomTypeId');
    const userId = readId(args, 'userId');
    const [ci, co] = readRange(args, 'checkIn', 'checkOut');
    const rooms = readCount(args, 'rooms', 1, 1, 10000);
    const key = readKey(args, 'idempotencyKey');
    const rt = this.roomType(roomTypeId);
    // No UNKNOWN_HOTEL here: an unknown hotel has no room type.
    if (!rt || rt.hotel_id !== hotelId) fail('UNKNOWN_ROOM_TYPE', `hotel ${hotelId} has no room type ${roomTypeId}`);
    if (co - ci > this.rule(hotelId, 'max_nights')) fail('STAY_TOO_LONG', 'too many nights');
    const a = this.answer(rt, ci, co, rooms);
    if (a.reason !== 'sold_out') fail('NOT_SOLD_OUT', `reason ${a.reason}`, { reason: a.reason });
    const id = --this.minWaitlistId;
    const w = {
      id, hotel_id: hotelId, user_id: userId, room_type_id: roomTypeId,
      start_date: formatDate(ci), end_date: formatDate(co), rooms, status: 'WAITING', created_at: this.now,
      created: ++this.created,
    };
    this.waitlist.set(id, w);
    this.waiting.add(w);
    this.enqueue('joinWaitlist', key ?? `${this.clientId}:waitlist:${-id}`,
      { hotelId, roomTypeId, userId, checkIn: w.start_date, checkOut: w.end_date, rooms, localId: id }, null, id);
    return { id, hotelId, userId, roomTypeId, checkIn: w.start_date, checkOut: w.end_date, rooms, status: 'WAITING', createdAt: this.now };
  }

  pendingMutations() {
    this.expireDue();
    return {
      format: 'edgestay.push/1',
      clientId: this.clientId,
      mutations: [...this.pending.values()]
        .map(({ seq, type, idempotencyKey, args }) => ({ seq, type, idempotencyKey, args })),
    };
  }

  /** Seqs settled so far (APPLIED or REJECTED). */
  settledSeqs() {
    return this.outbox.filter((m) => m.status !== 'PENDING').map((m) => m.seq);
  }

  applyPushResults(input) {
    this.expireDue();
    const list = Array.isArray(input) ? input : input?.results;
    if (list === undefined || list === null) fail('INVALID_ARGUMENT', 'results: is required', { field: 'results' });
    if (!Array.isArray(list)) fail('INVALID_ARGUMENT', 'push results must be an array');
    list.forEach((r, i) => {
      const ok = r !== null && typeof r === 'object' && !Array.isArray(r) && Number.isInteger(r.seq) &&
        (r.status === 'applied' || r.status === 'rejected');
      if (!ok) fail('INVALID_ARGUMENT', `results[${i}]: needs an integer seq and status applied|rejected`, { index: i });
    });
    let applied = 0;
    let rejected = 0;
    let ignored = 0;
    const touched = [];
    const offers = [];
    for (const r of list) {
      const m = this.outbox[r.seq - 1];
      if (!m || m.seq !== r.seq || m.status !== 'PENDING') {
        ignored++;
        continue;
      }
      const ok = r.status === 'applied';
      m.status = ok ? 'APPLIED' : 'REJECTED';
      this.pending.delete(m.seq);
      if (ok) applied++;
      else rejected++;
      if (m.bookingId === null) continue; // joinWaitlist: the local entry is left as it is
      const b = this.bookings.get(m.bookingId);
      const live = LIVE.has(b.status);
      let next = null;
      if (m.type === 'createBooking' || m.type === 'confirmHold') {
        if (ok && b.status === 'PENDING_SYNC') next = 'CONFIRMED';
        if (!ok && live) next = 'REJECTED';
      }
      const sid = r.booking && typeof r.booking === 'object' && Number.isInteger(r.booking.id) ? r.booking.id : 0;
      const serverId = ok && m.type === 'createBooking' && sid > 0 && b.server_id === null ? sid : b.server_id;
      this.setBooking(b, { status: next ?? b.status, serverId });
      b.updated_at = this.now; // every settled mutation of a booking touches it
      if (next === 'REJECTED') {
        this.notify(b, 'rejection', this.now);
        this.cancelReminders(b.id);
        // Offers are collected with the batch's events, after its booking event.
        const before = this.events.length;
        this.offer(b.room_type_id, parseDate(b.start_date), parseDate(b.end_date));
        offers.push(...this.events.splice(before));
      }
      touched.push(b);
    }
    if (touched.length) this.events.push(this.bookingEvent(touched));
    this.events.push(...offers);
    return { applied, rejected, ignored };
  }

  /**
   * A change batch of room_inventory upserts (row form, partial columns allowed) and
   * deletes, then one waitlist offer per room type whose inventory it touched.
   */
  applyChanges(batch) {
    this.expireDue();
    const spans = new Map(); // rt -> [fromDay, toDay]
    for (const ch of batch.changes) {
      if (ch.table !== 'room_inventory') throw new Error('BookingModel.applyChanges: only room_inventory is modelled');
      const row = ch.op === 'delete' ? ch.key : ch.row;
      const k = `${row.room_type_id}|${row.date}`;
      if (ch.op === 'delete') this.inventory.delete(k);
      else {
        let cur = this.inventory.get(k);
        if (!cur) {
          cur = { ...INV_DEFAULTS };
          this.inventory.set(k, cur);
        }
        for (const c of INV_COLUMNS) if (row[c] !== undefined) cur[c] = typeof row[c] === 'boolean' ? Number(row[c]) : row[c];
      }
      const d = parseDate(row.date);
      const s = spans.get(row.room_type_id);
      if (!s) spans.set(row.room_type_id, [d, d]);
      else spans.set(row.room_type_id, [Math.min(s[0], d), Math.max(s[1], d)]);
    }
    this.avail = null;
    for (const rt of [...spans.keys()].sort((a, b) => a - b)) {
      const [from, to] = spans.get(rt);
      this.offer(rt, from, to + 1);
    }
  }

  getDueNotifications({ until, limit = 1000 } = {}) {
    this.expireDue();
    const t = until ?? this.now;
    return [...this.queued]
      .filter((n) => n.scheduled_at <= t)
      .sort((a, b) => (a.scheduled_at - b.scheduled_at) ||
        (a.created - b.created))
      .slice(0, limit)
      .map((n) => ({ id: n.id, bookingId: n.booking_id, userId: n.user_id, channel: n.channel, kind: n.kind, scheduledAt: n.scheduled_at }));
  }

  markNotifications(ids, status = 'SENT') {
    this.expireDue();
    let updated = 0;
    for (const id of ids) {
      const n = this.notificationById.get(id);
      if (n && n.status === 'QUEUED') {
        this.markNotification(n, status);
        updated++;
      }
    }
    return { updated };
  }

  /** Rows for support/model.mjs Model.getBookingStatistics (copies: Model mutates on expiry). */
  bookingRows() {
    return [...this.bookings.values()].map(({ created, history, ...row }) => ({ ...row }));
  }
}
