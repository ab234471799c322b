// edgestay terminal demo: one hotel (scripts/demo-data.mjs) loaded into an embedded
// engine through the JS package, then the queries a booking widget, a kiosk and a
// revenue report would make. Run by scripts/start; also runs alone:
//
//   node scripts/demo.mjs
//
// Everything goes through the public API of bindings/js/index.mjs (no private calls),
// so this file doubles as a worked example of the package.
import { openEngine } from '../bindings/js/index.mjs';
import { demoDataset, DAY_MS, HOTEL_ID, parseDate } from './demo-data.mjs';

const t0 = performance.now();

// ------------------------------------------------------------------ formatting

const money = (cents, currency = 'EUR') =>
  cents == null
    ? '-'
    : `${currency} ${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const amount = (cents) => (cents / 100).toFixed(2);
const int = (n) => n.toLocaleString('en-US');
const pct = (x) => `${(x * 100).toFixed(1)}%`;
const ms = (x) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;
const day = (date) =>
  new Date(parseDate(date) * DAY_MS).toLocaleDateString('en-GB', {
    weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC',
  }).replace(',', '');
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const stay = (q) => `${day(q.checkIn)} -> ${day(q.checkOut)}`;

function heading(title) {
  console.log(`\n${title}\n${'-'.repeat(title.length)}`);
}

// Prints rows as aligned columns. `columns`: [{ title, align: 'left'|'right' }].
function table(columns, rows, indent = '  ') {
  const cells = [columns.map((c) => c.title), ...rows.map((r) => r.map((v) => String(v ?? '')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) =>
    indent +
    r.map((v, i) => (columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  console.log(line(cells[0]));
  console.log(indent + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

// ------------------------------------------------------------------ load

const ds = demoDataset();
const { hotel } = ds;
const cur = hotel.currency;

const tOpen = performance.now();
const engine = await openEngine();
const openMs = performance.now() - tOpen;

const bookingEvents = [];
engine.on('booking', (e) => bookingEvents.push(e));

const tData = performance.now();
let rowsApplied = 0;
let cursor = null;
for (const batch of ds.batches) {
  const r = engine.applyChanges(batch);
  rowsApplied += r.applied;
  cursor = r.cursor;
}
const dataMs = performance.now() - tData;

console.log(`edgestay demo: ${hotel.name}, Lisbon (${hotel.time_zone}, UTC${hotel.utc_offset_minutes >= 0 ? '+' : '-'}${Math.abs(hotel.utc_offset_minutes / 60)}, ${cur})`);
console.log(`today at the hotel: ${day(ds.startDate)} ${ds.startDate.slice(0, 4)}; inventory for 365 nights, ${ds.startDate} .. ${ds.endDate}`);
// Hook for the sync work: scripts/start will start edgestay-server and pass its URLs.
console.log(`central server: ${process.env.EDGESTAY_SERVER_URL ? `${process.env.EDGESTAY_SERVER_URL} (demo data is still embedded)` : 'not started (embedded demo)'}`);

// ------------------------------------------------------------------ room types

const roomTypes = engine.getRoomTypes(HOTEL_ID);
const nameOf = new Map(roomTypes.map((rt) => [rt.id, rt.name]));
heading('Room types');
table(
  [{ title: 'id' }, { title: 'name' }, { title: 'sleeps', align: 'right' }, { title: 'base rate', align: 'right' }, { title: 'rooms', align: 'right' }],
  roomTypes.map((rt) => [
    rt.id, rt.name,
    `${rt.capacityAdults}${rt.capacityChildren ? ` + ${rt.capacityChildren} child${rt.capacityChildren > 1 ? 'ren' : ''}` : ''}`,
    money(rt.basePriceCents, cur), rt.totalRooms,
  ]),
);
const rule = Object.fromEntries(ds.rules.map((r) => [r.key, r.value]));
console.log(`  rules: book up to ${rule.max_advance_days} days ahead, ${rule.min_lead_days} days lead time, ` +
  `max ${rule.max_rooms_per_booking} rooms per booking, ${rule.max_nights} nights per stay, holds last ${rule.hold_ttl_seconds / 60} min`);

heading('Special days');
table(
  [{ title: 'date' }, { title: 'day' }, { title: 'kind' }, { title: 'price', align: 'right' }, { title: 'min stay', align: 'right' }, { title: 'note' }],
  ds.specialDays.map((s) => [
    s.date, day(s.date), s.kind,
    s.kind === 'blackout' ? 'closed' : `x${(s.price_multiplier_pct / 100).toFixed(2)}`,
    s.min_stay ? plural(s.min_stay, 'night') : '',
    s.note,
  ]),
);

// ------------------------------------------------------------------ availability

heading('Availability');
const REASONS = {
  sold_out: 'sold out on at least one night',
  min_stay: 'shorter than the minimum stay',
  stop_sell: 'a night is closed (stop sell / blackout)',
};
for (const [label, q] of [['available', ds.scenarios.available], ['sold out', ds.scenarios.soldOut], ['min stay', ds.scenarios.minStay]]) {
  const a = engine.checkRoomAvailability(q);
  const verdict = a.available
    ? `AVAILABLE, total ${money(a.totalCents, a.currency)}`
    : `NOT AVAILABLE: ${a.reason} (${REASONS[a.reason] ?? a.reason})`;
  console.log(`\n  [${label}] ${nameOf.get(a.roomTypeId)}, ${stay(a)}, ${plural(a.nights, 'night')}, ${plural(a.rooms, 'room')}`);
  console.log(`  => ${verdict}`);
  if (a.reason === 'min_stay') {
    const cal = engine.getCalendar({ hotelId: HOTEL_ID, from: a.checkIn, days: 1 });
    const rt = cal.roomTypes.find((r) => r.id === a.roomTypeId);
    console.log(`     check-in night requires ${plural(rt.minStay[0], 'night')} (special-day override)`);
  }
  table(
    [{ title: 'night' }, { title: 'left', align: 'right' }, { title: 'price', align: 'right' }],
    a.nightly.map((n) => [day(n.date), n.available ?? '-', money(n.priceCents, a.currency)]),
    '     ',
  );
}

// ------------------------------------------------------------------ calendar

const DAYS = 14;
const cal = engine.getCalendar({ hotelId: HOTEL_ID, from: ds.startDate, days: DAYS });
heading(`Calendar, next ${DAYS} nights (rooms left / nightly price in ${cur})`);
const specialByDate = new Map(ds.specialDays.map((s) => [s.date, s]));
table(
  [{ title: 'night' }, ...cal.roomTypes.map((rt) => ({ title: rt.name, align: 'right' })), { title: 'notes' }],
  cal.dates.map((date, i) => {
    const s = specialByDate.get(date);
    const dow = new Date(parseDate(date) * DAY_MS).getUTCDay();
    const notes = [];
    if (s) {
      notes.push(s.kind === 'blackout'
        ? `blackout: ${s.note}`
        : `${s.kind}: ${s.note} (x${(s.price_multiplier_pct / 100).toFixed(2)}${s.min_stay ? `, min ${s.min_stay} nights` : ''})`);
    } else if (dow === 5 || dow === 6) {
      notes.push('weekend rate');
    }
    return [
      day(date),
      ...cal.roomTypes.map((rt) => {
        if (rt.available[i] == null) return '-';
        if (rt.stopSell[i]) return 'closed';
        if (rt.available[i] <= 0) return 'sold out';
        return `${String(rt.available[i]).padStart(2)}  ${amount(rt.priceCents[i]).padStart(6)}`;
      }),
      notes.join('; '),
    ];
  }),
);

// ------------------------------------------------------------------ bookings

heading('Bookings made on this engine (kiosk / widget, works offline)');
const q = ds.scenarios.available;
const leftBefore = engine.checkRoomAvailability(q).nightly[0].available;
const booking = engine.createBooking({
  hotelId: HOTEL_ID, roomTypeId: q.roomTypeId, userId: 501, checkIn: q.checkIn, checkOut: q.checkOut,
  rooms: 1, guests: 2, idempotencyKey: `demo-${ds.startDate}-booking`,
});
const h = ds.scenarios.hold;
const hold = engine.createBooking({
  hotelId: HOTEL_ID, roomTypeId: h.roomTypeId, userId: 502, checkIn: h.checkIn, checkOut: h.checkOut,
  rooms: 1, guests: 3, hold: true, idempotencyKey: `demo-${ds.startDate}-hold`,
});
const leftAfter = engine.checkRoomAvailability(q).nightly[0].available;
const expiresIn = Math.round((hold.holdExpiresAt - Date.now()) / 60000);
table(
  [{ title: 'id', align: 'right' }, { title: 'room type' }, { title: 'stay' }, { title: 'guests', align: 'right' }, { title: 'total', align: 'right' }, { title: 'status' }],
  [booking, hold].map((b) => [
    b.id, b.roomTypeName, `${stay(b)} (${plural(b.nights, 'night')})`, b.guests, money(b.totalCents, cur),
    b.status === 'HELD' ? `HELD, expires in ${expiresIn} min` : b.status,
  ]),
);
console.log(`  ${nameOf.get(q.roomTypeId)} on ${day(q.checkIn)}: ${leftBefore} left before, ${leftAfter} after ` +
  '(local bookings count against availability until the centre accepts them)');
console.log(`  events: ${plural(bookingEvents.length, "'booking' event")} for listeners (cache invalidation, UI refresh)`);

const push = engine.pendingMutations();
heading(`Outbox: pendingMutations() for POST /v1/hotels/${HOTEL_ID}/mutations`);
console.log(`  format ${push.format}, client ${push.clientId}`);
table(
  [{ title: 'seq', align: 'right' }, { title: 'type' }, { title: 'idempotency key' }, { title: 'args' }],
  push.mutations.map((m) => [
    m.seq, m.type, m.idempotencyKey,
    m.type === 'createBooking'
      ? `room type ${m.args.roomTypeId}, ${m.args.checkIn} -> ${m.args.checkOut}, local id ${m.args.localId}${m.args.hold ? ', hold' : ''}`
      : JSON.stringify(m.args),
  ]),
);

// ------------------------------------------------------------------ reports

const stats = engine.getBookingStatistics({ hotelId: HOTEL_ID, from: ds.startDate, to: ds.endDate });
heading('Booking statistics, check-ins in the next 365 days');
const byStatus = Object.entries(stats.byStatus).filter(([, n]) => n > 0).map(([s, n]) => `${s} ${n}`).join(', ');
console.log(`  ${plural(stats.total, 'booking')}: ${byStatus}`);
console.log(`  active ${stats.active}, ${int(stats.roomNights)} room nights, revenue ${money(stats.revenueCents, cur)}, ` +
  `${stats.averageNights.toFixed(1)} nights on average, cancellation rate ${pct(stats.cancellationRate)}`);

const OCC_DAYS = 30;
const occTo = new Date((parseDate(ds.startDate) + OCC_DAYS) * DAY_MS).toISOString().slice(0, 10);
const occ = engine.getOccupancyRate({ hotelId: HOTEL_ID, from: ds.startDate, to: occTo });
heading(`Occupancy, next ${OCC_DAYS} nights (from inventory)`);
const occRow = (name, k) => [name, `${int(k.roomsSold)} / ${int(k.roomsAvailable)}`, pct(k.occupancy), money(k.revenueCents, cur), money(Math.round(k.adrCents), cur), money(Math.round(k.revparCents), cur)];
table(
  [{ title: 'room type' }, { title: 'sold / rooms', align: 'right' }, { title: 'occupancy', align: 'right' }, { title: 'revenue', align: 'right' }, { title: 'ADR', align: 'right' }, { title: 'RevPAR', align: 'right' }],
  [...occ.roomTypes.map((k) => occRow(nameOf.get(k.roomTypeId), k)), occRow('all rooms', occ)],
);

// ------------------------------------------------------------------ timing

// Warm up first (JIT, prepared statements, cache), then time a steady stream of calls.
const N = 5000;
for (let i = 0; i < 2000; i++) engine.checkRoomAvailability(ds.scenarios.available);
const tq = performance.now();
for (let i = 0; i < N; i++) engine.checkRoomAvailability(ds.scenarios.available);
const queryUs = ((performance.now() - tq) * 1000) / N;
const image = engine.exportDatabase();

heading('Load time and query speed');
const timing = [
  ['wasm core loaded, engine opened', ms(openMs)],
  [`${ds.batches.length} change batches applied (${int(rowsApplied)} rows, cursor ${cursor})`, ms(dataMs)],
  [`checkRoomAvailability, mean of ${int(N)} warm calls`, `${queryUs.toFixed(1)} us`],
];
if (typeof engine.cacheStats === 'function') {
  const c = engine.cacheStats();
  if (c && typeof c.hits === 'number') timing.push(['query cache', `${int(c.hits)} hits, ${int(c.misses ?? 0)} misses`]);
}
timing.push(['snapshot size (exportDatabase)', `${int(Math.round(image.byteLength / 1024))} KiB`]);
timing.push(['whole demo', ms(performance.now() - t0)]);
table([{ title: 'step' }, { title: 'time', align: 'right' }], timing);

console.log('\nNext: scripts/test runs every suite; docs/QUICKSTART.md shows the package in Node and browsers.');
engine.close();
