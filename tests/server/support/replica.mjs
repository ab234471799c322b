// The rows range checksums cover (sync/FORMAT.md §6), read from an engine's image and from
// the store, in one comparable form: sorted JSON lines of room_inventory (every column) and
// bookings by their central id (an engine's accepted bookings through server_id).
import Database from 'better-sqlite3';

export const INVENTORY = ['room_type_id', 'date', 'total', 'available', 'price_cents', 'min_stay', 'max_stay',
  'closed_to_arrival', 'closed_to_departure', 'stop_sell'];
export const BOOKING = ['id', 'hotel_id', 'user_id', 'room_type_id', 'status', 'start_date', 'end_date', 'rooms',
  'guests', 'total_cents', 'created_at', 'updated_at', 'hold_expires_at', 'idempotency_key'];

const num = (v) => (typeof v === 'bigint' ? Number(v) : v);
const line = (r, cols) => JSON.stringify(cols.map((c) => {
  const v = num(r[c]);
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? v.slice(0, 10) : v;  // PostgreSQL dates
}));

export function engineState(image, hotelId) {
  const db = new Database(Buffer.from(image));
  try {
    const inv = db.prepare(`SELECT ${INVENTORY.join(', ')} FROM room_inventory WHERE room_type_id IN
      (SELECT id FROM room_types WHERE hotel_id = ?) ORDER BY room_type_id, date`).all(hotelId);
    const bk = db.prepare(`SELECT COALESCE(server_id, id) AS id, ${BOOKING.slice(1).join(', ')} FROM bookings
      WHERE hotel_id = ? AND (server_id IS NOT NULL OR origin = 'central') ORDER BY 1`).all(hotelId);
    return { inventory: inv.map((r) => line(r, INVENTORY)), bookings: bk.map((r) => line(r, BOOKING)) };
  } finally {
    db.close();
  }
}

// env: a store harness with query(sql) (support/stores.mjs).
export async function storeState(env, hotelId) {
  const inv = await env.query(`SELECT ${INVENTORY.join(', ')} FROM room_inventory WHERE room_type_id IN
    (SELECT id FROM room_types WHERE hotel_id = ${hotelId}) ORDER BY room_type_id, date`);
  const bk = await env.query(`SELECT ${BOOKING.join(', ')} FROM bookings WHERE hotel_id = ${hotelId} ORDER BY id`);
  return { inventory: inv.map((r) => line(r, INVENTORY)), bookings: bk.map((r) => line(r, BOOKING)) };
}
