// A small hotel for the page-store tests: 3 room types × 90 nights, 40 rooms each (so 100
// two-night bookings spread over the nights never sell out).
export const NOW = Date.UTC(2026, 11, 1, 9);
export const FIRST = Date.UTC(2026, 11, 10);
export const NIGHTS = 90;
export const ROOM_TYPES = [10, 11, 12];
export const iso = (ms) => new Date(ms).toISOString().slice(0, 10);

export function hotelBatch(rooms = 40) {
  const rows = [];
  for (const rt of ROOM_TYPES) {
    for (let n = 0; n < NIGHTS; n++) rows.push([rt, iso(FIRST + n * 86400000), rooms, rooms, 9000 + rt]);
  }
  return {
    format: 'edgestay.changes/1', cursor: '1', changes: [
      { op: 'upsert', table: 'hotels', row: { id: 1, name: 'Store Inn', currency: 'EUR' } },
      ...ROOM_TYPES.map((id) => ({ op: 'upsert', table: 'room_types',
        row: { id, hotel_id: 1, name: `Type ${id}`, base_price_cents: 9000, total_rooms: rooms, capacity_adults: 2 } })),
      { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'], rows },
    ],
  };
}

// The i-th booking of a run: deterministic, so a parent knows what a child booked.
export function bookingArgs(i) {
  const night = (i * 7) % (NIGHTS - 2);
  return {
    hotelId: 1, roomTypeId: ROOM_TYPES[i % ROOM_TYPES.length], userId: 1 + (i % 5), guests: 1,
    checkIn: iso(FIRST + night * 86400000), checkOut: iso(FIRST + (night + 2) * 86400000), idempotencyKey: `kill-${i}`,
  };
}
