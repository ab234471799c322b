// exportDatabase() copies the image out of wasm memory in pieces: the wasm heap, which
// never shrinks, does not grow by a second copy of the database (it did: SQLite's
// serialized buffer was as large as the database and stayed in the heap's size after it
// was freed). Both kinds of engine: one loaded through applyChanges (its pages in the
// page cache) and one opened from a snapshot (a memdb image). The image itself must be
// the same bytes either way.
//
// Run: node --test tests/js/export_memory.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine } from '../../bindings/js/index.mjs';
import { loadCore } from '../../bindings/js/loader.mjs';

const MiB = 1 << 20;

// A database of ~12 MB: more than the heap has free after loading it, so a second copy
// would have to grow the heap.
function bigBatch() {
  const nights = [];
  const start = Date.UTC(2026, 5, 1);
  for (let rt = 1; rt <= 20; rt++) {
    for (let d = 0; d < 400; d++) {
      nights.push([rt, new Date(start + d * 86400000).toISOString().slice(0, 10), 9, 9, 10000 + rt]);
    }
  }
  const bookings = [];
  for (let id = 1; id <= 40000; id++) {
    const rt = 1 + (id % 20);
    const d = new Date(start + (id % 380) * 86400000).toISOString().slice(0, 10);
    const e = new Date(start + (id % 380 + 2) * 86400000).toISOString().slice(0, 10);
    bookings.push([id, 1, 1 + (id % 3000), rt, 'CONFIRMED', d, e, 1, 2, 20000, 1780000000000, `export-test-key-${id}`]);
  }
  return {
    format: 'edgestay.changes/1',
    cursor: 'export-1',
    changes: [
      { op: 'upsert', table: 'hotels', columns: ['id', 'name', 'time_zone', 'currency'],
        rows: [[1, 'Harbour', 'UTC', 'EUR']] },
      { op: 'upsert', table: 'room_types', columns: ['id', 'hotel_id', 'name', 'total_rooms', 'base_price_cents'],
        rows: Array.from({ length: 20 }, (_, i) => [i + 1, 1, `Type ${i + 1}`, 9, 10000]) },
      { op: 'upsert', table: 'room_inventory', columns: ['room_type_id', 'date', 'total', 'available', 'price_cents'],
        rows: nights },
      { op: 'upsert', table: 'bookings', columns: ['id', 'hotel_id', 'user_id', 'room_type_id', 'status', 'start_date',
        'end_date', 'rooms', 'guests', 'total_cents', 'created_at', 'idempotency_key'], rows: bookings },
    ],
  };
}

test('exportDatabase does not grow the wasm heap by a copy of the database', async () => {
  const module = await loadCore();
  const now = () => Date.UTC(2026, 5, 1, 12);
  const loaded = await openEngine({ now, cache: false });
  loaded.applyChanges(bigBatch());
  const heapBefore = module.HEAPU8.buffer.byteLength;
  const image = loaded.exportDatabase();
  const grown = module.HEAPU8.buffer.byteLength - heapBefore;
  assert.ok(image.length > 8 * MiB, `image of ${image.length} bytes`);
  // At most one growth step (4 MiB: MEMORY_GROWTH_GEOMETRIC_CAP), for the export's 1 MiB
  // piece when the load left less than that free; a copy would be the image's 8+ MiB.
  assert.ok(grown <= 4 * MiB, `the heap grew by ${grown} bytes exporting ${image.length}`);
  assert.deepEqual(loaded.exportDatabase(), image, 'a second export is the same bytes');
  loaded.close();

  // From the snapshot: a memdb image, exported as views of its own buffer.
  const reopened = await openEngine({ now, cache: false, snapshot: image });
  const heapOpen = module.HEAPU8.buffer.byteLength;
  const again = reopened.exportDatabase();
  assert.ok(module.HEAPU8.buffer.byteLength - heapOpen <= 2 * MiB);
  assert.ok(Buffer.compare(again, image) === 0, 'an engine opened from the image exports it unchanged');
  // A write shows in the next export.
  const booking = reopened.createBooking({ hotelId: 1, roomTypeId: 3, userId: 99999, checkIn: '2026-06-10',
    checkOut: '2026-06-11', guests: 1 });
  const third = await openEngine({ now, cache: false, snapshot: reopened.exportDatabase() });
  assert.deepEqual(third.getUserBookingsWithRoomType(99999).map((b) => b.id), [booking.id]);
  reopened.close();
  third.close();
});
