// openEngine({ persistence }): the image is loaded at open and saved (debounced) after
// every kind of write, so a kiosk that restarts comes back with its bookings, its outbox
// and its waitlist entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine } from '../../bindings/js/index.mjs';

const NOW = Date.UTC(2026, 11, 1, 9);
const batch = {
  format: 'edgestay.changes/1', cursor: '1', changes: [
    { op: 'upsert', table: 'hotels', row: { id: 1, name: 'Kiosk Inn', currency: 'EUR' } },
    { op: 'upsert', table: 'room_types', row: { id: 10, hotel_id: 1, name: 'Double', base_price_cents: 9000, total_rooms: 1 } },
    { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'],
      rows: [[10, '2026-12-10', 1, 1, 9000], [10, '2026-12-11', 1, 1, 9000]] },
  ],
};
const stay = { hotelId: 1, roomTypeId: 10, checkIn: '2026-12-10', checkOut: '2026-12-12' };

function memoryStore() {
  const store = { image: null, saves: 0 };
  store.persistence = {
    autoSaveMs: 5,
    load: () => store.image,
    save: (bytes) => { store.image = bytes; store.saves += 1; },
  };
  return store;
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

test('every kind of write is saved, and a restart comes back with it', async () => {
  const store = memoryStore();
  let engine = await openEngine({ now: () => NOW, persistence: store.persistence });
  const steps = [
    ['applyChanges', () => engine.applyChanges(batch)],
    ['createBooking', () => engine.createBooking({ ...stay, userId: 1, idempotencyKey: 'k1' })],
    ['joinWaitlist', () => engine.joinWaitlist({ ...stay, userId: 2 })],
    ['markNotifications', () => engine.markNotifications(engine.getDueNotifications().map((n) => n.id))],
  ];
  for (const [name, write] of steps) {
    const before = store.saves;
    write();
    await settle();
    assert.ok(store.saves > before, `${name} scheduled a save`);
  }
  const reads = store.saves;
  engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2026-12-10', checkOut: '2026-12-12' });
  await settle();
  assert.equal(store.saves, reads, 'a read saves nothing');
  const outbox = engine.pendingMutations();
  engine.close();

  // Restart: the engine loads the saved image.
  engine = await openEngine({ now: () => NOW, persistence: store.persistence });
  assert.deepEqual(engine.pendingMutations(), outbox, 'the outbox and its client id survive');
  assert.equal(engine.getUserBookingsWithRoomType(1)[0].idempotencyKey, 'k1');
  assert.equal(engine.getDueNotifications().length, 0, 'marked notifications stay marked');
  assert.equal(engine.checkRoomAvailability({ roomTypeId: 10, checkIn: '2026-12-10', checkOut: '2026-12-12' }).reason,
    'sold_out', 'the booking still holds the last room');
  engine.close();
});
