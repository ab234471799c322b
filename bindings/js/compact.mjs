// Decodes the core's compact answers (the binary form of the stay answers) into the same
// plain objects their JSON gives. The format and its slot names are the core's
// (wasm/src/compact_answer.h); the decoder finds every slot by name in the layout the
// core reports, so the order is written down once, in C++.
const utf8 = new TextDecoder();

function slotsOf(layout, part, names) {
  const list = layout[part];
  const at = { size: Array.isArray(list) ? list.length : 0 };
  for (const name of names) {
    const i = Array.isArray(list) ? list.indexOf(name) : -1;
    if (i < 0) throw new Error(`compact answer layout: ${part} has no slot '${name}'`);
    at[name] = i;
  }
  return at;
}

const nullable = (v) => (v !== v ? null : v);  // NaN = null

/** A decode(view) for the core's compactLayout() JSON; view: bytes in wasm memory. */
export function compactDecoder(layoutJson) {
  const layout = JSON.parse(layoutJson);
  if (layout.version !== 1) throw new Error(`compact answer layout version ${layout.version} is not supported`);
  const F = slotsOf(layout, 'frame', ['kind', 'count', 'hotelId', 'nights', 'rooms', 'strBytes']);
  const S = slotsOf(layout, 'stay', ['roomTypeId', 'hotelId', 'nights', 'rooms', 'available', 'totalCents', 'nightly',
    'roomTypeName', 'currency', 'reason', 'strBytes']);
  const N = slotsOf(layout, 'night', ['available', 'priceCents']);
  const A = slotsOf(layout, 'asOf', ['syncedAt', 'cursor', 'strBytes']);
  const B = slotsOf(layout, 'booking', ['id', 'hotelId', 'userId', 'roomTypeId', 'nights', 'rooms', 'guests',
    'totalCents', 'createdAt', 'updatedAt', 'holdExpiresAt', 'serverId', 'roomTypeName', 'status', 'checkIn',
    'checkOut', 'idempotencyKey', 'origin', 'strBytes']);

  // One booking record at slot p (getUserBookingsWithRoomType's fields, in its key order).
  function booking(f, u8, p, next) {
    const nameLen = f[p + B.roomTypeName];
    const statusLen = f[p + B.status];
    const ciLen = f[p + B.checkIn];
    const coLen = f[p + B.checkOut];
    const keyLen = f[p + B.idempotencyKey];
    const strBytes = f[p + B.strBytes];
    const byte = (p + B.size) * 8;
    const s = utf8.decode(u8.subarray(byte, byte + strBytes));
    let o = nameLen + statusLen;
    const checkIn = s.slice(o, o + ciLen);
    o += ciLen;
    const checkOut = s.slice(o, o + coLen);
    o += coLen;
    let idempotencyKey = null;
    if (keyLen >= 0) {
      idempotencyKey = s.slice(o, o + keyLen);
      o += keyLen;
    }
    next[0] = (byte + strBytes + 7) >> 3;
    return {
      id: f[p + B.id],
      hotelId: f[p + B.hotelId],
      userId: f[p + B.userId],
      roomTypeId: f[p + B.roomTypeId],
      roomTypeName: s.slice(0, nameLen),
      status: s.slice(nameLen, nameLen + statusLen),
      checkIn,
      checkOut,
      nights: f[p + B.nights],
      rooms: f[p + B.rooms],
      guests: f[p + B.guests],
      totalCents: f[p + B.totalCents],
      createdAt: f[p + B.createdAt],
      updatedAt: f[p + B.updatedAt],
      holdExpiresAt: nullable(f[p + B.holdExpiresAt]),
      idempotencyKey,
      origin: s.slice(o),
      serverId: nullable(f[p + B.serverId]),
    };
  }

  // One stay record at slot p; returns the slot after it in `next[0]`.
  function stay(f, u8, p, next) {
    const nights = f[p + S.nightly];
    const nameLen = f[p + S.roomTypeName];
    const currencyLen = f[p + S.currency];
    const reasonLen = f[p + S.reason];
    const strBytes = f[p + S.strBytes];
    let q = p + S.size;
    const byte = (q + (nights > 0 ? nights * N.size : 0)) * 8;
    const s = utf8.decode(u8.subarray(byte, byte + strBytes));
    let o = nameLen + currencyLen;
    let reason = null;
    if (reasonLen >= 0) {
      reason = s.slice(o, o + reasonLen);
      o += reasonLen;
    }
    const a = {
      roomTypeId: f[p + S.roomTypeId],
      roomTypeName: s.slice(0, nameLen),
      hotelId: f[p + S.hotelId],
      checkIn: s.slice(o, o + 10),
      checkOut: s.slice(o + 10, o + 20),
      nights: f[p + S.nights],
      rooms: f[p + S.rooms],
      available: f[p + S.available] === 1,
      reason,
    };
    o += 20;
    if (nights >= 0) {
      const list = new Array(nights);
      for (let i = 0; i < nights; i++, q += N.size, o += 10) {
        list[i] = { date: s.slice(o, o + 10), available: nullable(f[q + N.available]), priceCents: nullable(f[q + N.priceCents]) };
      }
      a.nightly = list;
    }
    a.totalCents = nullable(f[p + S.totalCents]);
    a.currency = s.slice(nameLen, nameLen + currencyLen);
    next[0] = (byte + strBytes + 7) >> 3;
    return a;
  }

  return function decode(view) {
    // Slots are read as one Float64Array, which needs an 8-byte aligned start.
    const u8 = view.byteOffset & 7 ? view.slice() : view;
    const f = new Float64Array(u8.buffer, u8.byteOffset, u8.byteLength >> 3);
    const kind = f[F.kind];
    const count = f[F.count];
    const frameBytes = f[F.strBytes];
    if (kind === 4) return JSON.parse(utf8.decode(u8.subarray(F.size * 8, F.size * 8 + frameBytes)));
    const next = [(F.size * 8 + frameBytes + 7) >> 3];
    if (kind === 3) {
      const list = new Array(count);
      for (let i = 0; i < count; i++) list[i] = booking(f, u8, next[0], next);
      return list;
    }
    const stays = new Array(count);
    for (let i = 0; i < count; i++) stays[i] = stay(f, u8, next[0], next);
    const t = next[0];
    const cursorLen = f[t + A.cursor];
    const cursorAt = (t + A.size) * 8;
    const cursor = cursorLen < 0 ? null : utf8.decode(u8.subarray(cursorAt, cursorAt + f[t + A.strBytes]));
    const syncedAt = nullable(f[t + A.syncedAt]);
    if (kind === 0) {
      stays[0].asOf = { cursor, syncedAt };
      return stays[0];
    }
    if (kind === 1) {
      for (let i = 0; i < count; i++) stays[i].asOf = { cursor, syncedAt };
      return stays;
    }
    const at = F.size * 8;
    const dates = utf8.decode(u8.subarray(at, at + frameBytes));
    return {
      hotelId: f[F.hotelId],
      checkIn: dates.slice(0, 10),
      checkOut: dates.slice(10, 20),
      nights: f[F.nights],
      rooms: f[F.rooms],
      results: stays,
      asOf: { cursor, syncedAt },
    };
  };
}
