// Demo data for edgestay: one hotel, "Harbour View" in Lisbon, as change batches
// (sync/FORMAT.md). Used by scripts/demo.mjs; meant to be reused by the central
// server's seed and by tests, so it depends on nothing but the standard library.
//
//   import { demoDataset } from './demo-data.mjs';
//   const ds = demoDataset({ now: Date.now() });
//   for (const batch of ds.batches) engine.applyChanges(batch);
//   engine.checkRoomAvailability(ds.scenarios.available);
//
// Everything is generated relative to "today" at the hotel (from `now`), so the demo
// always shows the next 365 nights. The output is a pure function of (today, seed):
// the same day gives the same data.
//
// What is in it:
//   - hotel 1, Harbour View, Lisbon, EUR, its current UTC offset;
//   - 4 room types (101..104) with capacities and base prices;
//   - booking rules (advance window, lead time, rooms per booking, hold TTL, max nights);
//   - 365 nights of inventory per room type: seasonal prices with a weekend uplift,
//     a seeded occupancy pattern (busier on weekends and in summer);
//   - special days: Portuguese holidays with price multipliers (the next occurrence of
//     each), an event (3 nights, x1.5 and a 3-night minimum stay) and one blackout night;
//   - a few dozen central bookings (mostly CONFIRMED, some CANCELLED) for the reports;
//   - `scenarios`: stays that are, by construction, available / sold out / refused for
//     min_stay, for demos and tests.

import { mulberry32 } from './lib/rng.mjs';

export const DAY_MS = 86400000;

export const HOTEL_ID = 1;

export const ROOM_TYPES = [
  { id: 101, name: 'Standard Double', capacity_adults: 2, capacity_children: 0, base_price_cents: 11900, total_rooms: 20 },
  { id: 102, name: 'Superior River View', capacity_adults: 2, capacity_children: 1, base_price_cents: 15900, total_rooms: 12 },
  { id: 103, name: 'Family Room', capacity_adults: 2, capacity_children: 2, base_price_cents: 18900, total_rooms: 6 },
  { id: 104, name: 'Harbour Suite', capacity_adults: 2, capacity_children: 2, base_price_cents: 32900, total_rooms: 3 },
];

export const BOOKING_RULES = {
  max_advance_days: 365,
  min_lead_days: 0,
  max_rooms_per_booking: 4,
  hold_ttl_seconds: 900,
  max_nights: 21,
};

// Offsets (days from today) of the hand-placed days; the scenarios depend on them.
const EVENT_FIRST = 8;       // 3 nights: EVENT_FIRST .. EVENT_FIRST + 2
const EVENT_NIGHTS = 3;
const BLACKOUT = 13;         // one night, inside the 14-day calendar
const SOLD_OUT_FIRST = 5;    // Harbour Suite sold out on these two nights
const SOLD_OUT_NIGHTS = 2;

// Fixed-date holidays (month 1-12, day): the next occurrence of each inside the window.
const HOLIDAYS = [
  { month: 4, day: 25, note: 'Freedom Day', pct: 115, minStay: null },
  { month: 6, day: 13, note: 'Santo António (Lisbon festival)', pct: 140, minStay: 2 },
  { month: 12, day: 25, note: 'Christmas Day', pct: 130, minStay: null },
  { month: 12, day: 31, note: "New Year's Eve", pct: 160, minStay: 2 },
];

// ---------------------------------------------------------------- dates

export function formatDate(day) {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function parseDate(text) {
  return Math.round(Date.parse(`${text}T00:00:00Z`) / DAY_MS);
}

// Minutes east of UTC of an IANA zone at instant `ms` (0 when Intl has no zone data).
export function utcOffsetMinutes(timeZone, ms) {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(ms);
    const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/.exec(name);
    if (!m || !m[1]) return 0;
    return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------- PRNG

const rng = mulberry32;

// ---------------------------------------------------------------- prices

// Seasonal factor of a calendar month (1-12) in Lisbon.
function seasonPct(month) {
  if (month >= 6 && month <= 9) return 125;        // summer
  if (month === 5 || month === 10) return 110;     // shoulder
  if (month === 11 || month <= 2) return 85;       // winter
  return 100;                                      // March, April, December
}

function isWeekendNight(day) {
  const dow = new Date(day * DAY_MS).getUTCDay();  // Friday and Saturday nights
  return dow === 5 || dow === 6;
}

// Nightly rate in cents, before special-day multipliers (the core applies those).
// Rounded to whole euros ending in 9 (EUR 129.00, EUR 149.00 ...).
export function nightlyPriceCents(roomType, day) {
  const month = new Date(day * DAY_MS).getUTCMonth() + 1;
  let cents = roomType.base_price_cents * seasonPct(month) / 100;
  if (isWeekendNight(day)) cents = cents * 1.2;  // weekend uplift
  const euros = Math.max(9, Math.round(cents / 1000) * 10 - 1);
  return euros * 100;
}

// ---------------------------------------------------------------- the dataset

/**
 * @param {object} [options]
 * @param {number} [options.now]     ms since epoch; "today" at the hotel derives from it
 * @param {number} [options.nights]  nights of inventory from today (default 365)
 * @param {number} [options.seed]    occupancy pattern seed (default 7)
 * @param {number} [options.bookings] central bookings to generate (default 48)
 * @returns {{ hotel, roomTypes, rules, today, startDate, endDate, tables, batches, scenarios, specialDays }}
 */
export function demoDataset({ now = Date.now(), nights = 365, seed = 7, bookings: bookingCount = 48 } = {}) {
  const hotel = {
    id: HOTEL_ID,
    name: 'Harbour View',
    time_zone: 'Europe/Lisbon',
    currency: 'EUR',
    utc_offset_minutes: utcOffsetMinutes('Europe/Lisbon', now),
  };
  const today = Math.floor((now + hotel.utc_offset_minutes * 60000) / DAY_MS);
  const random = rng(seed ^ today);
  const roomTypes = ROOM_TYPES.map((rt) => ({ ...rt, hotel_id: HOTEL_ID }));
  const rules = Object.entries(BOOKING_RULES).map(([key, value]) => ({ hotel_id: HOTEL_ID, key, value }));

  // Special days: holidays first, then the hand-placed ones (which win on a clash).
  const special = new Map();
  for (const h of HOLIDAYS) {
    const year = new Date(today * DAY_MS).getUTCFullYear();
    for (const y of [year, year + 1]) {
      const day = Math.round(Date.UTC(y, h.month - 1, h.day) / DAY_MS);
      if (day >= today && day < today + nights) {
        special.set(day, { kind: 'holiday', price_multiplier_pct: h.pct, min_stay: h.minStay, note: h.note });
        break;
      }
    }
  }
  for (let i = 0; i < EVENT_NIGHTS; i++) {
    special.set(today + EVENT_FIRST + i, {
      kind: 'event', price_multiplier_pct: 150, min_stay: 3, note: 'Lisbon Tech Summit',
    });
  }
  special.set(today + BLACKOUT, { kind: 'blackout', price_multiplier_pct: 100, min_stay: null, note: 'Private buyout' });
  // Keep the scenario nights plain (a fixed holiday could land on them).
  for (let d = today; d < today + SOLD_OUT_FIRST + SOLD_OUT_NIGHTS + 1; d++) special.delete(d);
  const specialDays = [...special.entries()]
    .sort(([a], [b]) => a - b)
    .map(([day, s]) => ({ hotel_id: HOTEL_ID, date: formatDate(day), ...s }));

  // Inventory: occupancy follows season and weekday, with noise.
  const inventory = [];
  for (const rt of roomTypes) {
    for (let d = today; d < today + nights; d++) {
      const month = new Date(d * DAY_MS).getUTCMonth() + 1;
      const lead = d - today;
      let occ = 0.35 + (seasonPct(month) - 85) / 160 + (isWeekendNight(d) ? 0.15 : 0);
      occ *= Math.max(0.15, 1 - lead / 120);   // far-out nights are still mostly unsold
      occ += (random() - 0.5) * 0.2;
      if (special.get(d)?.kind === 'event') occ += 0.3;
      occ = Math.min(0.97, Math.max(0, occ));
      let sold = Math.round(rt.total_rooms * occ);
      if (rt.id === 104 && lead >= SOLD_OUT_FIRST && lead < SOLD_OUT_FIRST + SOLD_OUT_NIGHTS) sold = rt.total_rooms;
      if (rt.id === 101 && lead < SOLD_OUT_FIRST + SOLD_OUT_NIGHTS + 1) sold = Math.min(sold, rt.total_rooms - 4);
      if (special.get(d)?.kind === 'blackout') sold = 0;
      inventory.push([rt.id, formatDate(d), rt.total_rooms, rt.total_rooms - sold, nightlyPriceCents(rt, d)]);
    }
  }

  // A sample of the centre's bookings, for the reports. The inventory's sold counts stand
  // for every channel, so they are not derived from this list.
  const bookings = [];
  const effective = (rt, d) => {
    const pct = special.get(d)?.price_multiplier_pct ?? 100;
    return Math.floor((nightlyPriceCents(rt, d) * pct + 50) / 100);
  };
  for (let i = 0; i < bookingCount; i++) {
    const rt = roomTypes[Math.floor(random() * roomTypes.length)];
    const start = today + 1 + Math.floor(random() * Math.min(90, Math.max(1, nights - 8)));
    const len = 1 + Math.floor(random() * 4);
    const rooms = random() < 0.85 ? 1 : 2;
    let total = 0;
    for (let d = start; d < start + len; d++) total += effective(rt, d) * rooms;
    const createdAt = now - Math.floor(random() * 60) * DAY_MS - Math.floor(random() * DAY_MS);
    bookings.push({
      id: 5001 + i,
      hotel_id: HOTEL_ID,
      user_id: 9000 + Math.floor(random() * 40),
      room_type_id: rt.id,
      status: random() < 0.88 ? 'CONFIRMED' : 'CANCELLED',
      start_date: formatDate(start),
      end_date: formatDate(start + len),
      rooms,
      guests: rooms * 2,
      total_cents: total,
      created_at: createdAt,
      updated_at: createdAt,
      origin: 'central',
    });
  }

  const tables = { hotels: [hotel], room_types: roomTypes, booking_rules: rules, special_days: specialDays, inventory, bookings };
  const syncedAt = now;
  const batches = [
    {
      format: 'edgestay.changes/1',
      cursor: 'demo-1',
      syncedAt,
      changes: [
        { op: 'upsert', table: 'hotels', row: hotel },
        ...roomTypes.map((row) => ({ op: 'upsert', table: 'room_types', row })),
        ...rules.map((row) => ({ op: 'upsert', table: 'booking_rules', row })),
        ...specialDays.map((row) => ({ op: 'upsert', table: 'special_days', row })),
      ],
    },
    {
      format: 'edgestay.changes/1',
      since: 'demo-1',
      cursor: 'demo-2',
      syncedAt,
      changes: [
        {
          op: 'upsert',
          table: 'room_inventory',
          columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'],
          rows: inventory,
        },
        ...bookings.map((row) => ({ op: 'upsert', table: 'bookings', row })),
      ],
    },
  ];

  const stay = (roomTypeId, first, n, rooms = 1) => ({
    roomTypeId, checkIn: formatDate(today + first), checkOut: formatDate(today + first + n), rooms,
  });
  const scenarios = {
    available: stay(101, 2, 3),                                   // Standard Double, 3 nights
    soldOut: stay(104, SOLD_OUT_FIRST, SOLD_OUT_NIGHTS),          // Harbour Suite, 2 sold-out nights
    minStay: stay(102, EVENT_FIRST, 1),                           // 1 night on an event day (min 3)
    blackout: stay(103, BLACKOUT - 1, 2),                         // crosses the blackout night
    hold: stay(103, 15, 2),                                       // Family Room, for a hold
  };

  return {
    hotel,
    roomTypes,
    rules,
    specialDays,
    today,
    startDate: formatDate(today),
    endDate: formatDate(today + nights),
    tables,
    batches,
    scenarios,
  };
}
