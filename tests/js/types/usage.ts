// Exercises the public API of the edgestay package as a TypeScript user would, so that
// `tsc --noEmit -p tests/js/types` proves bindings/js/index.d.ts is complete and sound.
// Never run; only type-checked. Lines marked @ts-expect-error must stay errors.
import {
  openEngine,
  Engine,
  EdgestayError,
  type AvailabilityAnswer,
  type Booking,
  type ChangeBatch,
  type ErrorCode,
  type MutationResult,
  type PushRequest,
  type PushResult,
} from 'edgestay';

declare function store(image: Uint8Array): Promise<void>;
declare function fetchImage(): Promise<Uint8Array | null>;
declare function log(...values: unknown[]): void;

const batch: ChangeBatch = {
  format: 'edgestay.changes/1',
  cursor: '1',
  syncedAt: 1764120000000,
  changes: [
    { op: 'upsert', table: 'hotels', row: { id: 1, name: 'Harbour View', time_zone: 'Europe/Lisbon', currency: 'EUR' } },
    { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: 1, name: 'Double', base_price_cents: 12900, total_rooms: 8 } },
    { op: 'upsert', table: 'booking_rules', row: { hotel_id: 1, key: 'max_nights', value: 21 } },
    { op: 'upsert', table: 'special_days', row: { hotel_id: 1, date: '2026-12-31', kind: 'event', price_multiplier_pct: 150, min_stay: 2 } },
    {
      op: 'upsert',
      table: 'room_inventory',
      columns: ['room_type_id', 'date', 'total', 'available', 'price_cents', 'stop_sell'],
      rows: [[10, '2026-12-01', 8, 5, 12900, 0], [10, '2026-12-02', 8, 8, 12900, false]],
    },
    { op: 'upsert', table: 'room_inventory', row: { room_type_id: 10, date: '2026-12-03', available: 2 } },
    { op: 'delete', table: 'special_days', key: { hotel_id: 1, date: '2026-12-24' } },
  ],
};

// @ts-expect-error: 'rooms' is not a column of hotels
const badRow: ChangeBatch = { format: 'edgestay.changes/1', changes: [{ op: 'upsert', table: 'hotels', row: { id: 1, rooms: 3 } }] };
// @ts-expect-error: the key of room_inventory is (room_type_id, date)
const badKey: ChangeBatch = { format: 'edgestay.changes/1', changes: [{ op: 'delete', table: 'room_inventory', key: { date: '2026-12-01' } }] };
// @ts-expect-error: unknown format
const badFormat: ChangeBatch = { format: 'edgestay.changes/2', changes: [] };
void badRow; void badKey; void badFormat;

async function main(): Promise<void> {
  const engine: Engine = await openEngine({
    now: () => Date.now(),
    cache: { maxEntries: 5000, maxBytes: 8 << 20, ttlMs: { availability: 60_000, reports: 900_000 } },
    persistence: { load: fetchImage, save: store, autoSaveMs: 2000 },
  });
  const noCache = await openEngine({ cache: false, snapshot: engine.exportDatabase() });
  noCache.close();
  // @ts-expect-error: now must be a function
  await openEngine({ now: 5 });

  const applied = engine.applyChanges(batch);
  const cursor: string | null = applied.cursor;
  engine.applyChanges(JSON.stringify(batch));

  const types = engine.getRoomTypes(1);
  const firstName: string | undefined = types[0]?.name;

  const a: AvailabilityAnswer = engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2026-12-01', checkOut: '2026-12-03' });
  if (!a.available && a.reason === 'min_stay') log('too short');
  // @ts-expect-error: not an availability reason
  if (a.reason === 'full') log('never');
  const nightly: (number | null)[] = a.nightly.map((n) => n.priceCents);
  const fresh: number | null = a.asOf.syncedAt;
  // @ts-expect-error: answers are read-only (cached answers are frozen)
  a.available = true;

  const all = engine.getAllRoomAvailability({ hotelId: 1, checkIn: '2026-12-01', checkOut: '2026-12-03', rooms: 2 });
  const totals = all.results.map((r) => r.totalCents ?? 0);
  const many = engine.batchCheckAvailability([{ roomTypeId: 10, checkIn: '2026-12-01', checkOut: '2026-12-02', rooms: 1 }]);
  const cal = engine.getCalendar({ hotelId: 1, from: '2026-12-01', days: 14 });
  const grid: (number | null)[][] = cal.roomTypes.map((rt) => [...rt.available]);
  const stop: 0 | 1 | null | undefined = cal.roomTypes[0]?.stopSell[0];
  const name: string = a.roomTypeName;
  const summaries = engine.batchCheckAvailability([{ roomTypeId: 10, checkIn: '2026-12-01', checkOut: '2026-12-02' }], { nightly: false });
  const bookable: boolean = summaries[0]?.available ?? false;
  // @ts-expect-error: the summary form has no nightly breakdown
  summaries[0]?.nightly;
  const allSummary = engine.getAllRoomAvailability({ hotelId: 1, checkIn: '2026-12-01', checkOut: '2026-12-03', nightly: false });
  const names: string[] = allSummary.results.map((r) => r.roomTypeName);
  const prices = engine.getCalendar({ hotelId: 1, from: '2026-12-01', days: 7, columns: ['priceCents'] });
  const firstPrice: number | null | undefined = prices.roomTypes[0]?.priceCents[0];
  // @ts-expect-error: only the named columns
  prices.roomTypes[0]?.available;

  const mine: readonly Booking[] = engine.getUserBookingsWithRoomType(77, { status: ['CONFIRMED', 'PENDING_SYNC'] });
  const paid = engine.getUserBookingsWithRoomType(77, { includePayments: true });
  const amounts = paid.flatMap((b) => b.payments.map((p) => p.amountCents));
  // @ts-expect-error: no payments unless includePayments: true
  engine.getUserBookingsWithRoomType(77)[0]?.payments;

  const stats = engine.getBookingStatistics({ hotelId: 1, from: '2026-12-01', to: '2027-01-01' });
  const confirmed: number = stats.byStatus.CONFIRMED + stats.byStatus.PENDING_SYNC;
  const lost: number = stats.cancelledValueCents + stats.revenueByStatus.REJECTED;
  const occ = engine.getOccupancyRate({ hotelId: 1, from: '2026-12-01', to: '2027-01-01' });
  const kpis = [occ.occupancy, occ.adrCents, occ.revparCents, ...occ.roomTypes.map((r) => r.revparCents)];
  const rules = engine.getBookingRules(1);
  const specials = engine.getSpecialDays({ hotelId: 1, from: '2026-12-01', to: '2027-01-01' });
  log(rules.holdTtlSeconds, specials.map((s) => s.kind));

  const cache = engine.cacheStats();
  log(cache.hitRate, cache.namespaces.availability.hits, cache.namespaces.reports.ttlMs);
  engine.clearCache();
  engine.configureCache({ enabled: true, maxEntries: 100 });

  const booking = engine.createBooking({
    hotelId: 1, roomTypeId: 10, userId: 77, checkIn: '2026-12-01', checkOut: '2026-12-03',
    rooms: 1, guests: 2, idempotencyKey: 'kiosk-1-0012',
  });
  const hold = engine.createBooking({ hotelId: 1, roomTypeId: 10, userId: 78, checkIn: '2026-12-05', checkOut: '2026-12-06', hold: true });
  const expires: number | null = hold.holdExpiresAt;
  const confirmedHold = engine.confirmHold(hold.id);
  const cancelled = engine.cancelBooking(booking.id);
  const entry = engine.joinWaitlist({ hotelId: 1, roomTypeId: 10, userId: 79, checkIn: '2026-12-01', checkOut: '2026-12-03' });
  log(confirmedHold.status, cancelled.status === 'CANCELLED', entry.status);

  const push: PushRequest = engine.pendingMutations();
  for (const m of push.mutations) {
    if (m.type === 'createBooking') log(m.args.localId, m.args.checkIn);
    else if (m.type === 'joinWaitlist') log(m.args.rooms);
    else log(m.args.bookingId);
  }
  const result: PushResult = {
    format: 'edgestay.pushResult/1',
    clientId: push.clientId,
    results: [
      { seq: 1, status: 'applied', booking: { id: 9041, status: 'CONFIRMED', totalCents: 25800 } },
      { seq: 2, status: 'rejected', reason: 'sold_out', message: '2026-12-02 has 0 rooms' },
    ],
  };
  const summary = engine.applyPushResults(result);
  const list: MutationResult[] = [{ seq: 3, status: 'rejected', reason: 'unknown_booking' }];
  engine.applyPushResults(list);
  log(summary.applied + summary.rejected + summary.ignored);

  const due = engine.getDueNotifications({ limit: 50 });
  const marked = engine.markNotifications(due.map((n) => n.id), 'SENT');
  log(marked.updated, due.map((n) => `${n.channel}:${n.kind}`));
  // @ts-expect-error: QUEUED is not a status a caller may set
  engine.markNotifications([1], 'QUEUED');

  const plans = engine.explainQueries().map((q) => q.plan.join('\n'));

  const offInventory = engine.on('inventory', (e) => log(e.roomTypeId, e.from, e.to));
  engine.on('booking', (e) => log(e.userIds, e.ranges[0]?.roomTypeId, e.bookings.map((b) => b.status)));
  engine.on('specialDay', (e) => log(e.hotelId, e.from));
  engine.on('roomType', (e) => log(e.roomTypeId));
  engine.on('hotel', (e) => log(e.hotelId));
  engine.on('waitlist', (e) => log(e.entry.status === 'OFFERED'));
  engine.on('sync', (e) => log(e.cursor, e.applied));
  // @ts-expect-error: unknown event name
  engine.on('payments', () => {});
  offInventory();

  await engine.persist();
  const image: Uint8Array = engine.exportDatabase();

  try {
    engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2026-12-03', checkOut: '2026-12-01' });
  } catch (e) {
    if (e instanceof EdgestayError) {
      const code: ErrorCode = e.code;
      if (code === 'INVALID_RANGE' || code === 'NOT_AVAILABLE') log(e.message, e.details.field, e.details.reason);
      // @ts-expect-error: not an error code
      if (e.code === 'OOPS') log('never');
    }
  }
  const err = new EdgestayError('INVALID_ARGUMENT', 'bad', { field: 'rooms' });
  const parsed = EdgestayError.fromJson('{"code":"INTERNAL","message":"x"}');
  log(err.name, parsed.code);
  // @ts-expect-error: Engine instances come from openEngine
  new Engine();

  engine.close();
  log(cursor, firstName, nightly, fresh, totals, many, grid, stop, mine, amounts, confirmed, kpis, expires, plans, image);
}

void main();
