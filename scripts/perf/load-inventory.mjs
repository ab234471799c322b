// Loads N inventory rows (default 1,500,000: 2,055 room types x 730 nights over 50 hotels)
// through engine.applyChanges as one batch, and reports the load time, rows/s, the
// engine's peak memory and the p50 of a 7-night checkRoomAvailability on the result
// (cold: cache off; warm: cache on, the same stay repeated).
//
//   node scripts/perf/load-inventory.mjs [--rows 1500000]
import { openEngine } from '../../bindings/js/index.mjs';

const argRows = process.argv.indexOf('--rows');
const target = argRows > 0 ? Number(process.argv[argRows + 1]) : 1_500_000;
const NIGHTS = 730;
const roomTypes = Math.ceil(target / NIGHTS);
const HOTELS = 50;
const day0 = Date.UTC(2026, 11, 1);
const dates = Array.from({ length: NIGHTS }, (_, i) => new Date(day0 + i * 86400000).toISOString().slice(0, 10));

const changes = [
  { op: 'upsert', table: 'hotels', columns: ['id', 'name', 'currency'],
    rows: Array.from({ length: HOTELS }, (_, i) => [i + 1, `Hotel ${i + 1}`, 'EUR']) },
  { op: 'upsert', table: 'room_types', columns: ['id', 'hotel_id', 'name', 'base_price_cents', 'total_rooms'],
    rows: Array.from({ length: roomTypes }, (_, i) => [i + 1, (i % HOTELS) + 1, `RT ${i + 1}`, 10000, 10]) },
];
const rows = [];
for (let rt = 1; rt <= roomTypes && rows.length < target; rt++) {
  for (let d = 0; d < NIGHTS && rows.length < target; d++) {
    rows.push([rt, dates[d], 10, (rt * 7 + d) % 11, 9000 + ((rt + d) % 50) * 100, 1 + (d % 3 === 0 ? 1 : 0), 0, 0, 0, 0]);
  }
}
changes.push({ op: 'upsert', table: 'room_inventory',
  columns: ['room_type_id', 'date', 'total', 'available', 'price_cents', 'min_stay', 'max_stay',
    'closed_to_arrival', 'closed_to_departure', 'stop_sell'], rows });

const now = Date.UTC(2026, 10, 26, 12);
for (const cache of [false, true]) {
  const engine = await openEngine({ now: () => now, cache });
  const t0 = performance.now();
  const r = engine.applyChanges({ format: 'edgestay.changes/1', cursor: '1', changes });
  const loadMs = performance.now() - t0;
  if (!cache) {
    console.log(`loaded ${r.applied.toLocaleString('en-US')} rows (${rows.length.toLocaleString('en-US')} inventory) in ` +
      `${(loadMs / 1000).toFixed(2)} s = ${Math.round(rows.length / (loadMs / 1000)).toLocaleString('en-US')} rows/s; ` +
      `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
  }
  const samples = [];
  for (let i = 0; i < 20000; i++) {
    const rt = 1 + ((i * 7919) % roomTypes);
    const q = cache ? { roomTypeId: 17, checkIn: '2027-01-10', checkOut: '2027-01-17' }
      : { roomTypeId: rt, checkIn: dates[30 + (i % 600)], checkOut: dates[37 + (i % 600)] };
    const t = performance.now();
    engine.checkRoomAvailability(q);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const p = (q) => (samples[Math.floor(q * (samples.length - 1))] * 1000).toFixed(2);
  console.log(`checkRoomAvailability 7 nights, ${cache ? 'cache hit (same stay)' : 'cache off (random stays)'}: ` +
    `p50 ${p(0.5)} us, p99 ${p(0.99)} us`);
  engine.close();
}
