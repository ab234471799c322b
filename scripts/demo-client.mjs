// The live half of scripts/start: an edge engine that bootstraps from a running
// edgestay-server, answers availability locally, books through its outbox, and then
// follows the centre live (long-poll) until Ctrl-C.
//
//   node scripts/demo-client.mjs --url http://127.0.0.1:8787 --hotel 1 \
//        --book-token T --admin-token A [--once]
//
// --once: run the scripted part and exit (used by tests/js/start_smoke.test.mjs).
import { openEngine } from '../bindings/js/index.mjs';
import { SyncClient } from '../sync/client/index.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : true]);
    return acc;
  }, []),
);
const url = String(args.url ?? 'http://127.0.0.1:8787');
const hotelId = Number(args.hotel ?? 1);
const once = args.once === true;

const money = (c, cur) => (c == null ? '-' : `${cur} ${(c / 100).toFixed(2)}`);
const isoDay = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);

// A failure is one clear line (code and message), not a stack trace.
const fail = (e) => {
  console.error(`demo client: ${e?.code ? `${e.code}: ` : ''}${e?.message ?? e}`);
  process.exit(1);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

const engine = await openEngine();
const sync = new SyncClient(engine, { baseUrl: url, hotelId, token: args['book-token'] });

let t = performance.now();
const first = await sync.syncOnce();
const bootMs = performance.now() - t;
console.log(`edge engine bootstrapped from ${url}: ${first.changes.toLocaleString('en-US')} changes in ` +
  `${bootMs.toFixed(0)} ms (${Math.round(first.changes / (bootMs / 1000)).toLocaleString('en-US')} changes/s), cursor ${first.cursor}`);

const roomTypes = engine.getRoomTypes(hotelId);
const rules = engine.getBookingRules(hotelId);
const cur = rules.currency;
console.log(`\nroom types of hotel ${hotelId}:`);
for (const rt of roomTypes) console.log(`  ${String(rt.id).padStart(3)}  ${rt.name.padEnd(18)} ${rt.totalRooms} rooms, from ${money(rt.basePriceCents, cur)}`);

const checkIn = isoDay(14);
const checkOut = isoDay(17);
console.log(`\nlocal availability, ${checkIn} -> ${checkOut} (answered by the wasm core, no round trip):`);
for (const rt of roomTypes) {
  const t0 = performance.now();
  const a = engine.checkRoomAvailability({ roomTypeId: rt.id, checkIn, checkOut });
  const us = (performance.now() - t0) * 1000;
  const left = Math.min(...a.nightly.map((n) => n.available ?? 0));
  console.log(`  ${rt.name.padEnd(18)} ${a.available ? 'available' : `not available (${a.reason})`}, ` +
    `${left} left, total ${money(a.totalCents, cur)}  [${us.toFixed(0)} us]`);
}

// Every run books one stay, so a long-used store fills up: book the first room type and
// stay (from 14 days ahead) that still has a room, rather than always the same one.
const free = findFreeStay();
if (!free) {
  console.log(`\nno room type has a free 3-night stay in the next year; ` +
    'the demo store is full (start again with an empty --data folder)');
  if (once) process.exit(0);
}
const rt = free?.rt ?? roomTypes[0];
const stay = free ?? { checkIn, checkOut };
function findFreeStay() {
  for (let offset = 14; offset < 365; ++offset) {
    for (const r of roomTypes) {
      const a = engine.checkRoomAvailability({ roomTypeId: r.id, checkIn: isoDay(offset), checkOut: isoDay(offset + 3) });
      if (a.available) return { rt: r, checkIn: isoDay(offset), checkOut: isoDay(offset + 3) };
    }
  }
  return null;
}
const booking = free && engine.createBooking({
  hotelId, roomTypeId: rt.id, userId: 42, checkIn: stay.checkIn, checkOut: stay.checkOut, guests: 2,
  idempotencyKey: `start-demo-${Date.now()}`,
});
if (booking) {
  console.log(`\nkiosk booking ${booking.id} (${booking.status}) for ${rt.name}, ${stay.checkIn} -> ${stay.checkOut}; ` +
    `outbox: ${engine.pendingMutations().mutations.length} mutation(s)`);
  const pushed = await sync.syncOnce();
  const mine = engine.getUserBookingsWithRoomType(42).find((b) => b.id === booking.id);
  console.log(`after syncOnce: ${pushed.applied} applied, ${pushed.rejected} rejected -> booking ${mine.id} is ${mine.status}` +
    `, central id ${mine.serverId}; ${rt.name} now has ` +
    `${Math.min(...engine.checkRoomAvailability({ roomTypeId: rt.id, checkIn: stay.checkIn, checkOut: stay.checkOut }).nightly.map((n) => n.available))} left`);
}
const stats = engine.cacheStats();
console.log(`query cache: ${stats.hits} hits, ${stats.misses} misses, ${stats.entries} entries`);

if (once) {
  engine.close();
  process.exit(0);
}

console.log(`\nfollowing the centre live (long-poll). Try an ARI change in another terminal:\n` +
  `  curl -X PUT ${url}/v1/hotels/${hotelId}/inventory -H 'authorization: Bearer ${args['admin-token'] ?? '<admin token>'}' \\\n` +
  `       -H 'content-type: application/json' -d '{"roomTypeId":${rt.id},"from":"${checkIn}","priceCents":9900}'\n` +
  `Ctrl-C stops everything.`);
engine.on('inventory', (e) => {
  const a = engine.checkRoomAvailability({ roomTypeId: rt.id, checkIn, checkOut });
  console.log(`  [live] inventory of room type ${e.roomTypeId} changed ${e.from}..${e.to}; ` +
    `${rt.name} ${checkIn}: ${money(a.nightly[0].priceCents, cur)}, ${a.nightly[0].available} left (cursor ${a.asOf.cursor})`);
});
sync.on('error', ({ error, retryInMs }) => console.log(`  [sync] ${error.message}; retrying in ${retryInMs} ms`));
sync.start();
const stop = async () => {
  await sync.stop();
  engine.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
