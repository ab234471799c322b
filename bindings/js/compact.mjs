// Decodes the core's compact answers (the binary form of the hot answers) into the same
// plain objects their JSON gives. The format and its slot names are the core's
// (wasm/src/compact_answer.h); the decoder finds every slot by name in the layout the
// core reports, so the order is written down once, in C++.
const utf8 = new TextDecoder();

// A record's strings as one JS string, sliced by the UTF-16 lengths of its slots. Short
// ASCII (the byte count equals the UTF-16 units: any other character takes more bytes
// than units) is read byte by byte: a TextDecoder call costs more than a currency code,
// but less than a room type's name built character by character (measured).
const SHORT = 8;
function textAt(u8, at, bytes, units) {
  if (bytes !== units || bytes > SHORT) return utf8.decode(u8.subarray(at, at + bytes));
  let s = '';
  for (let i = at, end = at + bytes; i < end; i++) s += String.fromCharCode(u8[i]);
  return s;
}

// The date text of a day number (days since 1970-01-01), as the core's FormatDate writes
// it (the core's dates are years 0000-9999, where toISOString has that form). The stay
// records carry day numbers; the texts of a window of days are kept once made.
const DAY_MS = 86400000;
const DAY_WINDOW = 8192;
let dayBase = 0;
let dayTexts = null;
function formatDay(day) {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
function dayText(day) {
  const i = day - dayBase;
  if (i >= 0 && i < DAY_WINDOW && dayTexts !== null) {
    const s = dayTexts[i];
    return s !== null ? s : (dayTexts[i] = formatDay(day));
  }
  if (dayTexts !== null) return formatDay(day);
  dayBase = day - 1024;  // the window opens around the first day asked
  dayTexts = new Array(DAY_WINDOW).fill(null);
  return dayText(day);
}
export { dayText as _dayText };

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

/**
 * A decoder for the core's compactLayout() JSON: decode(view) of an answer's bytes, and
 * decodeAt(u8, f64, at, length) of the answer at byte `at` of the memory that u8 and f64
 * view whole (the wrapper's path: no view object per call).
 */
export function compactDecoder(layoutJson) {
  const layout = JSON.parse(layoutJson);
  if (layout.version !== 2) throw new Error(`compact answer layout version ${layout.version} is not supported`);
  const F = slotsOf(layout, 'frame', ['kind', 'count', 'hotelId', 'nights', 'rooms', 'strBytes']);
  const S = slotsOf(layout, 'stay', ['roomTypeId', 'hotelId', 'checkIn', 'nights', 'rooms', 'available', 'totalCents',
    'nightly', 'roomTypeName', 'currency', 'reason', 'strBytes']);
  const N = slotsOf(layout, 'night', ['available', 'priceCents']);
  const A = slotsOf(layout, 'asOf', ['syncedAt', 'cursor', 'strBytes']);
  const B = slotsOf(layout, 'booking', ['id', 'hotelId', 'userId', 'roomTypeId', 'nights', 'rooms', 'guests',
    'totalCents', 'createdAt', 'updatedAt', 'holdExpiresAt', 'serverId', 'roomTypeName', 'status', 'checkIn',
    'checkOut', 'idempotencyKey', 'origin', 'strBytes']);
  const R = slotsOf(layout, 'rules', ['hotelId', 'currency', 'utcOffsetMinutes', 'maxAdvanceDays', 'minLeadDays',
    'maxRoomsPerBooking', 'holdTtlSeconds', 'maxNights', 'strBytes']);
  const T = slotsOf(layout, 'roomType', ['id', 'hotelId', 'name', 'capacityAdults', 'capacityChildren',
    'basePriceCents', 'totalRooms', 'strBytes']);
  const D = slotsOf(layout, 'specialDay', ['date', 'kind', 'priceMultiplierPct', 'minStay', 'note', 'strBytes']);
  const KPIS = ['roomsAvailable', 'roomsSold', 'revenueCents', 'occupancy', 'adrCents', 'revparCents'];
  const O = slotsOf(layout, 'occupancy', ['hotelId', 'from', 'to', ...KPIS]);
  const OT = slotsOf(layout, 'occupancyRoomType', ['roomTypeId', ...KPIS]);
  const STATUSES = ['HELD', 'PENDING_SYNC', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED'];
  const ST = slotsOf(layout, 'statistics', ['hotelId', 'from', 'to', 'total', ...STATUSES.map((s) => `byStatus.${s}`),
    'active', 'roomNights', 'revenueCents', ...STATUSES.map((s) => `revenueByStatus.${s}`), 'cancelledValueCents',
    'averageNights', 'cancellationRate']);

  const C = slotsOf(layout, 'calendar', ['hotelId', 'from', 'days', 'columns']);
  const CR = slotsOf(layout, 'calendarRoomType', ['id', 'name', 'strBytes']);
  const CAL_COLUMNS = Array.isArray(layout.calendarColumns) ? layout.calendarColumns : [];

  // getCalendar's answer from slot p (its header), `count` room types, then the asOf
  // trailer; in the JSON's key order.
  function calendar(f, u8, p, count) {
    const from = f[p + C.from];
    const days = f[p + C.days];
    const columns = f[p + C.columns];
    const dates = new Array(days);
    for (let i = 0; i < days; i++) dates[i] = dayText(from + i);
    const names = CAL_COLUMNS.filter((name, i) => columns & (1 << i));
    const roomTypes = new Array(count);
    let q = p + C.size;
    for (let k = 0; k < count; k++) {
      const strBytes = f[q + CR.strBytes];
      const rt = { id: f[q + CR.id], name: '' };
      let v = q + CR.size;
      for (const name of names) {
        const a = new Array(days);
        for (let i = 0; i < days; i++) a[i] = nullable(f[v + i]);
        rt[name] = a;
        v += days;
      }
      rt.name = textAt(u8, v * 8, strBytes, f[q + CR.name]);
      roomTypes[k] = rt;
      q = (v * 8 + strBytes + 7) >> 3;
    }
    return { hotelId: f[p + C.hotelId], from: dayText(from), days, dates, roomTypes, asOf: asOfAt(f, u8, q) };
  }

  // The asOf trailer at slot t.
  function asOfAt(f, u8, t) {
    const cursorLen = f[t + A.cursor];
    const cursor = cursorLen < 0 ? null : textAt(u8, (t + A.size) * 8, f[t + A.strBytes], cursorLen);
    return { cursor, syncedAt: nullable(f[t + A.syncedAt]) };
  }

  // getOccupancyRate's records from slot p: the hotel's, then `count` room types'.
  function occupancy(f, p, count) {
    const q = p + O.size;
    const roomTypes = new Array(count);
    for (let i = 0; i < count; i++) {
      const r = q + i * OT.size;
      roomTypes[i] = {
        roomTypeId: f[r + OT.roomTypeId],
        roomsAvailable: f[r + OT.roomsAvailable],
        roomsSold: f[r + OT.roomsSold],
        revenueCents: f[r + OT.revenueCents],
        occupancy: f[r + OT.occupancy],
        adrCents: f[r + OT.adrCents],
        revparCents: f[r + OT.revparCents],
      };
    }
    return {
      hotelId: f[p + O.hotelId],
      from: dayText(f[p + O.from]),
      to: dayText(f[p + O.to]),
      roomsAvailable: f[p + O.roomsAvailable],
      roomsSold: f[p + O.roomsSold],
      revenueCents: f[p + O.revenueCents],
      occupancy: f[p + O.occupancy],
      adrCents: f[p + O.adrCents],
      revparCents: f[p + O.revparCents],
      roomTypes,
    };
  }

  // getBookingStatistics' record at slot p.
  const statusCounts = (f, p, prefix) => {
    const o = {};
    for (const s of STATUSES) o[s] = f[p + ST[`${prefix}.${s}`]];
    return o;
  };
  function statistics(f, p) {
    return {
      hotelId: f[p + ST.hotelId],
      from: dayText(f[p + ST.from]),
      to: dayText(f[p + ST.to]),
      total: f[p + ST.total],
      byStatus: statusCounts(f, p, 'byStatus'),
      active: f[p + ST.active],
      roomNights: f[p + ST.roomNights],
      revenueCents: f[p + ST.revenueCents],
      revenueByStatus: statusCounts(f, p, 'revenueByStatus'),
      cancelledValueCents: f[p + ST.cancelledValueCents],
      averageNights: f[p + ST.averageNights],
      cancellationRate: f[p + ST.cancellationRate],
    };
  }

  // getBookingRules' record at slot p (its JSON's key order).
  function rules(f, u8, p) {
    const byte = (p + R.size) * 8;
    return {
      hotelId: f[p + R.hotelId],
      currency: textAt(u8, byte, f[p + R.strBytes], f[p + R.currency]),
      utcOffsetMinutes: f[p + R.utcOffsetMinutes],
      maxAdvanceDays: f[p + R.maxAdvanceDays],
      minLeadDays: f[p + R.minLeadDays],
      maxRoomsPerBooking: f[p + R.maxRoomsPerBooking],
      holdTtlSeconds: f[p + R.holdTtlSeconds],
      maxNights: f[p + R.maxNights],
    };
  }

  // One room type of getRoomTypes at slot p; the slot after it in `next[0]`.
  function roomType(f, u8, p, next) {
    const strBytes = f[p + T.strBytes];
    const byte = (p + T.size) * 8;
    next[0] = (byte + strBytes + 7) >> 3;
    return {
      id: f[p + T.id],
      hotelId: f[p + T.hotelId],
      name: textAt(u8, byte, strBytes, f[p + T.name]),
      capacityAdults: f[p + T.capacityAdults],
      capacityChildren: f[p + T.capacityChildren],
      basePriceCents: f[p + T.basePriceCents],
      totalRooms: f[p + T.totalRooms],
    };
  }

  // One special day of getSpecialDays at slot p; the slot after it in `next[0]`.
  function specialDay(f, u8, p, next) {
    const dateLen = f[p + D.date];
    const kindLen = f[p + D.kind];
    const noteLen = f[p + D.note];
    const strBytes = f[p + D.strBytes];
    const byte = (p + D.size) * 8;
    const s = textAt(u8, byte, strBytes, dateLen + kindLen + (noteLen > 0 ? noteLen : 0));
    next[0] = (byte + strBytes + 7) >> 3;
    return {
      date: s.slice(0, dateLen),
      kind: s.slice(dateLen, dateLen + kindLen),
      priceMultiplierPct: f[p + D.priceMultiplierPct],
      minStay: nullable(f[p + D.minStay]),
      note: noteLen < 0 ? null : s.slice(dateLen + kindLen),
    };
  }

  // One booking record at slot p (getUserBookingsWithRoomType's fields, in its key order).
  function booking(f, u8, p, next) {
    const nameLen = f[p + B.roomTypeName];
    const statusLen = f[p + B.status];
    const ciLen = f[p + B.checkIn];
    const coLen = f[p + B.checkOut];
    const keyLen = f[p + B.idempotencyKey];
    const strBytes = f[p + B.strBytes];
    const byte = (p + B.size) * 8;
    const originLen = f[p + B.origin];
    const s = textAt(u8, byte, strBytes, nameLen + statusLen + ciLen + coLen + (keyLen > 0 ? keyLen : 0) + originLen);
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
    const day = f[p + S.checkIn];
    const n = f[p + S.nights];
    let q = p + S.size;
    const byte = (q + (nights > 0 ? nights * N.size : 0)) * 8;
    const s = textAt(u8, byte, strBytes, nameLen + currencyLen + (reasonLen > 0 ? reasonLen : 0));
    const o = nameLen + currencyLen;
    const a = {
      roomTypeId: f[p + S.roomTypeId],
      roomTypeName: s.slice(0, nameLen),
      hotelId: f[p + S.hotelId],
      checkIn: dayText(day),
      checkOut: dayText(day + n),
      nights: n,
      rooms: f[p + S.rooms],
      available: f[p + S.available] === 1,
      reason: reasonLen < 0 ? null : s.slice(o, o + reasonLen),
    };
    if (nights >= 0) {
      const list = new Array(nights);
      for (let i = 0; i < nights; i++, q += N.size) {
        list[i] = { date: dayText(day + i), available: nullable(f[q + N.available]), priceCents: nullable(f[q + N.priceCents]) };
      }
      a.nightly = list;
    }
    a.totalCents = nullable(f[p + S.totalCents]);
    a.currency = s.slice(nameLen, nameLen + currencyLen);
    next[0] = (byte + strBytes + 7) >> 3;
    return a;
  }

  // The answer at byte `at` (8-byte aligned) of the memory u8 and f view from its start.
  function decodeAt(u8, f, at) {
    const p0 = at >> 3;
    const kind = f[p0 + F.kind];
    const count = f[p0 + F.count];
    const frameBytes = f[p0 + F.strBytes];
    const strings = at + F.size * 8;
    if (kind === 5) return rules(f, u8, (strings + frameBytes + 7) >> 3);
    if (kind === 8) return occupancy(f, (strings + frameBytes + 7) >> 3, count);
    if (kind === 9) return statistics(f, (strings + frameBytes + 7) >> 3);
    if (kind === 10) return calendar(f, u8, (strings + frameBytes + 7) >> 3, count);
    if (kind === 4) return JSON.parse(utf8.decode(u8.subarray(strings, strings + frameBytes)));
    if (kind === 11) return booking(f, u8, (strings + frameBytes + 7) >> 3, [0]);
    const next = [(strings + frameBytes + 7) >> 3];
    if (kind === 3 || kind === 6 || kind === 7) {
      const record = kind === 3 ? booking : kind === 6 ? roomType : specialDay;
      const list = new Array(count);
      for (let i = 0; i < count; i++) list[i] = record(f, u8, next[0], next);
      return list;
    }
    const stays = new Array(count);
    for (let i = 0; i < count; i++) stays[i] = stay(f, u8, next[0], next);
    const asOf = asOfAt(f, u8, next[0]);
    const { cursor, syncedAt } = asOf;
    if (kind === 0) {
      stays[0].asOf = asOf;
      return stays[0];
    }
    if (kind === 1) {
      for (let i = 0; i < count; i++) stays[i].asOf = { cursor, syncedAt };
      return stays;
    }
    const dates = utf8.decode(u8.subarray(strings, strings + frameBytes));
    return {
      hotelId: f[p0 + F.hotelId],
      checkIn: dates.slice(0, 10),
      checkOut: dates.slice(10, 20),
      nights: f[p0 + F.nights],
      rooms: f[p0 + F.rooms],
      results: stays,
      asOf,
    };
  }

  function decode(view) {
    // Slots are read as one Float64Array, which needs an 8-byte aligned start.
    const u8 = view.byteOffset & 7 || view.buffer.byteLength & 7 ? view.slice() : view;
    const whole = new Uint8Array(u8.buffer);
    return decodeAt(whole, new Float64Array(u8.buffer, 0, u8.buffer.byteLength >> 3), u8.byteOffset);
  }
  decode.decodeAt = decodeAt;
  return decode;
}
