// The PLAIN better-sqlite3 baseline of the benchmark: the one indexed query a developer
// would write for each question, on the same schema and data, with none of edgestay's
// rules (no restrictions, special days, lead time, pending local bookings, outbox or
// notifications). Its answers are not compared with the engine's (they are simpler by
// design); it sets the floor that "as fast as native SQLite" is measured against.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const Q = {
  roomTypes: 'SELECT id, hotel_id, name, capacity_adults, capacity_children, base_price_cents, total_rooms FROM room_types WHERE hotel_id = ? ORDER BY id',
  stay: 'SELECT date, available, price_cents FROM room_inventory WHERE room_type_id = ? AND date >= ? AND date < ? ORDER BY date',
  hotelStay: 'SELECT i.room_type_id, i.date, i.available, i.price_cents FROM room_inventory i JOIN room_types rt ON rt.id = i.room_type_id' +
    ' WHERE rt.hotel_id = ? AND i.date >= ? AND i.date < ? ORDER BY i.room_type_id, i.date',
  userBookings: 'SELECT b.id, b.room_type_id, rt.name, b.status, b.start_date, b.end_date, b.rooms, b.total_cents, b.created_at' +
    ' FROM bookings b JOIN room_types rt ON rt.id = b.room_type_id WHERE b.user_id = ? ORDER BY b.created_at DESC, b.id DESC',
  stats: 'SELECT status, COUNT(*), SUM(total_cents) FROM bookings WHERE hotel_id = ? AND start_date >= ? AND start_date < ? GROUP BY status',
  occupancy: 'SELECT SUM(i.total), SUM(i.total - i.available), SUM((i.total - i.available) * i.price_cents) FROM room_inventory i' +
    ' JOIN room_types rt ON rt.id = i.room_type_id WHERE rt.hotel_id = ? AND i.date >= ? AND i.date < ?',
  reserve: 'UPDATE room_inventory SET available = available - ? WHERE room_type_id = ? AND date >= ? AND date < ? AND available >= ?',
  insertBooking: 'INSERT INTO bookings(id, hotel_id, user_id, room_type_id, status, start_date, end_date, rooms, guests,' +
    " total_cents, created_at, updated_at, idempotency_key, origin) VALUES (?, ?, ?, ?, 'PENDING_SYNC', ?, ?, ?, ?, ?, ?, ?, ?, 'local')",
};

const DAY_MS = 86400000;
const nightsOf = (a, b) => Math.round((Date.parse(b) - Date.parse(a)) / DAY_MS);
const addDays = (date, n) => new Date(Date.parse(date) + n * DAY_MS).toISOString().slice(0, 10);

export class PlainPeer {
  /** Over the better-sqlite3 database `db`, loaded with the benchmark's data. */
  constructor(db, { now }) {
    this.db = db;
    this.now = now;
    this.st = {};
    for (const [k, sql] of Object.entries(Q)) {
      this.st[k] = db.prepare(sql);
      if (this.st[k].reader) this.st[k].raw(true);
    }
    this.nextId = -1e9;
    this.book = db.transaction((r) => {
      const n = nightsOf(r.checkIn, r.checkOut);
      const rooms = r.rooms ?? 1;
      const changed = this.st.reserve.run(rooms, r.roomTypeId, r.checkIn, r.checkOut, rooms).changes;
      if (changed !== n) throw Object.assign(new Error('sold out'), { code: 'NOT_AVAILABLE' });
      const t = this.now();
      const id = this.nextId--;
      this.st.insertBooking.run(id, r.hotelId, r.userId, r.roomTypeId, r.checkIn, r.checkOut, rooms, r.guests ?? rooms, 0, t, t,
        r.idempotencyKey ?? null);
      return { id, status: 'PENDING_SYNC' };
    });
  }

  /** A copy of the loaded better-sqlite3 peer's database (its writes stay its own). */
  static create(bs3Peer, opts) {
    const Database = require('better-sqlite3');
    return new PlainPeer(new Database(bs3Peer.db.serialize()), opts);
  }

  getRoomTypes(hotelId) {
    return this.st.roomTypes.all(hotelId).map(([id, hotel, name, adults, children, base, total]) => ({
      id, hotelId: hotel, name, capacityAdults: adults, capacityChildren: children, basePriceCents: base, totalRooms: total }));
  }

  #stay(rows, q, n) {
    const rooms = q.rooms ?? 1;
    let total = 0;
    let ok = rows.length === n;
    for (const [, available, price] of rows) {
      if (available < rooms) ok = false;
      total += price;
    }
    return { roomTypeId: q.roomTypeId, available: ok, totalCents: total * rooms };
  }

  checkRoomAvailability(q) {
    return this.#stay(this.st.stay.all(q.roomTypeId, q.checkIn, q.checkOut), q, nightsOf(q.checkIn, q.checkOut));
  }

  getAllRoomAvailability({ hotelId, checkIn, checkOut, rooms = 1 }) {
    const n = nightsOf(checkIn, checkOut);
    const byType = new Map();
    for (const [rt, date, available, price] of this.st.hotelStay.all(hotelId, checkIn, checkOut)) {
      let list = byType.get(rt);
      if (!list) byType.set(rt, (list = []));
      list.push([date, available, price]);
    }
    const results = [];
    for (const [rt, rows] of byType) results.push(this.#stay(rows, { roomTypeId: rt, rooms }, n));
    return { hotelId, checkIn, checkOut, results };
  }

  batchCheckAvailability(queries) {
    return queries.map((q) => this.checkRoomAvailability(q));
  }

  getCalendar({ hotelId, from, days }) {
    const to = addDays(from, days);
    const byType = new Map();
    for (const [rt, date, available, price] of this.st.hotelStay.all(hotelId, from, to)) {
      let col = byType.get(rt);
      if (!col) byType.set(rt, (col = { id: rt, dates: [], available: [], priceCents: [] }));
      col.dates.push(date);
      col.available.push(available);
      col.priceCents.push(price);
    }
    return { hotelId, from, days, roomTypes: [...byType.values()] };
  }

  getUserBookingsWithRoomType(userId) {
    return this.st.userBookings.all(userId).map(([id, rt, name, status, ci, co, rooms, total, created]) => ({
      id, roomTypeId: rt, roomTypeName: name, status, checkIn: ci, checkOut: co, rooms, totalCents: total, createdAt: created }));
  }

  getBookingStatistics({ hotelId, from, to }) {
    const byStatus = {};
    let total = 0;
    let revenue = 0;
    for (const [status, n, cents] of this.st.stats.all(hotelId, from, to)) {
      byStatus[status] = n;
      total += n;
      revenue += cents;
    }
    return { hotelId, from, to, total, byStatus, revenueCents: revenue };
  }

  getOccupancyRate({ hotelId, from, to }) {
    const [[available, sold, revenue]] = this.st.occupancy.all(hotelId, from, to);
    return { hotelId, from, to, roomsAvailable: available, roomsSold: sold, revenueCents: revenue,
      occupancy: available ? sold / available : 0 };
  }

  createBooking(r) {
    return this.book(r);
  }

  close() {
    this.db.close();
  }
}
