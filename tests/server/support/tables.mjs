// The FORMAT.md tables as the server tests compare them: key and columns per table, in the
// order of the wire format.
export const KEYS = {
  hotels: ['id'], room_types: ['id'], room_inventory: ['room_type_id', 'date'],
  booking_rules: ['hotel_id', 'key'], special_days: ['hotel_id', 'date'], bookings: ['id'],
  waitlist: ['id'], payments: ['id'], notifications: ['id'],
};
export const COLUMNS = {
  hotels: ['id', 'name', 'time_zone', 'currency', 'utc_offset_minutes'],
  room_types: ['id', 'hotel_id', 'name', 'capacity_adults', 'capacity_children', 'base_price_cents', 'total_rooms'],
  room_inventory: ['room_type_id', 'date', 'total', 'available', 'price_cents', 'min_stay', 'max_stay', 'closed_to_arrival', 'closed_to_departure', 'stop_sell'],
  booking_rules: ['hotel_id', 'key', 'value'],
  special_days: ['hotel_id', 'date', 'kind', 'price_multiplier_pct', 'min_stay', 'note'],
  bookings: ['id', 'hotel_id', 'user_id', 'room_type_id', 'status', 'start_date', 'end_date', 'rooms', 'guests', 'total_cents', 'created_at', 'updated_at', 'hold_expires_at', 'idempotency_key', 'origin', 'server_id'],
  waitlist: ['id', 'hotel_id', 'user_id', 'room_type_id', 'start_date', 'end_date', 'rooms', 'status', 'created_at'],
  payments: ['id', 'booking_id', 'status', 'amount_cents', 'created_at'],
  notifications: ['id', 'booking_id', 'user_id', 'channel', 'status', 'scheduled_at', 'kind'],
};
