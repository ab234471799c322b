// Words for the widget and the kiosk: money, dates, a night's state and why a stay cannot
// be booked. One place for these sentences, so the grid, the cards and the kiosk agree.

// Intl formatters are costly to build (a grid render formats ~250 values): one per kind.
const formatters = new Map();
function formatter(kind, locale, make) {
  const key = `${kind}|${locale ?? ''}`;
  let f = formatters.get(key);
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f;
}

export function money(cents, currency, locale) {
  if (cents == null) return '–';
  try {
    const cur = currency || 'EUR';
    return formatter(`money:${cur}`, locale, () => new Intl.NumberFormat(locale, { style: 'currency', currency: cur })).format(cents / 100);
  } catch {
    return `${currency ?? ''} ${(cents / 100).toFixed(2)}`.trim();
  }
}

const DAY_MS = 86400000;

export function parseDay(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}

export function isoDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(iso, n) {
  return isoDay(parseDay(iso) + n * DAY_MS);
}

export function daysBetween(a, b) {
  return Math.round((parseDay(b) - parseDay(a)) / DAY_MS);
}

export function addMonths(iso, n) {
  const d = new Date(parseDay(iso));
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + n);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return isoDay(d.getTime());
}

export function longDate(iso, locale) {
  return formatter('long', locale, () => new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }))
    .format(parseDay(iso));
}

export function shortDate(iso, locale) {
  return formatter('short', locale, () => new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }))
    .format(parseDay(iso));
}

export function monthTitle(iso, locale) {
  return formatter('month', locale, () => new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' })).format(parseDay(iso));
}

// The state of night i of one room type in a getCalendar answer, for `rooms` rooms.
// `state` is the one word the grid shows (and tests read); `notes` are the extra rules
// (arrival/departure closed, min/max stay) that do not make the night itself unsellable.
export function nightState(rt, i, rooms = 1) {
  const available = rt.available[i];
  const notes = [];
  if (rt.closedToArrival[i]) notes.push('no-arrival');
  if (rt.closedToDeparture[i]) notes.push('no-departure');
  if (rt.minStay[i] > 1) notes.push(`min-${rt.minStay[i]}`);
  if (rt.maxStay[i] > 0) notes.push(`max-${rt.maxStay[i]}`);
  let state = 'open';
  if (available == null) state = 'closed';
  else if (rt.stopSell[i]) state = 'stop-sell';
  else if (available < rooms) state = 'sold-out';
  return { state, notes, available, priceCents: rt.priceCents[i] };
}

const NOTE_WORDS = {
  'no-arrival': 'no check-in on this day',
  'no-departure': 'no check-out on this day',
};

export function nightWords(night) {
  const words = [];
  if (night.state === 'closed') words.push('not on sale');
  else if (night.state === 'stop-sell') words.push('closed for sale');
  else if (night.state === 'sold-out') words.push('sold out');
  else words.push(`${night.available} left`);
  for (const n of night.notes) {
    if (NOTE_WORDS[n]) words.push(NOTE_WORDS[n]);
    else if (n.startsWith('min-')) words.push(`minimum ${n.slice(4)} nights from this day`);
    else if (n.startsWith('max-')) words.push(`maximum ${n.slice(4)} nights from this day`);
  }
  return words;
}

// Why a stay cannot be booked, in words. `answer` is a checkRoomAvailability answer;
// `calendar` (optional) the room type's calendar columns, for the numbers of min/max stay.
export function reasonWords(answer, { locale, minStay, maxStay, guests, capacity } = {}) {
  if (capacity != null && guests > capacity) return `Sleeps ${capacity}: too small for ${guests} guests.`;
  switch (answer.reason) {
    case null: case undefined: return '';
    case 'sold_out': {
      const full = answer.nightly.find((n) => (n.available ?? 0) < answer.rooms);
      return full ? `Sold out on the night of ${shortDate(full.date, locale)}.` : 'Sold out.';
    }
    case 'stop_sell': return 'Not for sale on some of these nights.';
    case 'closed_to_arrival': return `Check-in is not possible on ${shortDate(answer.checkIn, locale)}.`;
    case 'closed_to_departure': return `Check-out is not possible on ${shortDate(answer.checkOut, locale)}.`;
    case 'min_stay': return minStay ? `Stays from ${shortDate(answer.checkIn, locale)} need at least ${minStay} nights.` : 'This stay is too short.';
    case 'max_stay': return maxStay ? `Stays from ${shortDate(answer.checkIn, locale)} can last at most ${maxStay} nights.` : 'This stay is too long.';
    case 'lead_time': return 'Too close to today to book online.';
    case 'advance_window': return 'Too far ahead: not bookable yet.';
    case 'max_rooms': return 'Too many rooms in one booking.';
    case 'no_inventory': return 'Not on sale for some of these nights.';
    default: return `Not available (${answer.reason}).`;
  }
}

// Words for a push rejection or an engine error when booking.
export function rejectionWords(reason, message) {
  const known = {
    sold_out: 'Someone else took the last room first.',
    stop_sell: 'The hotel closed these nights for sale.',
    closed_to_arrival: 'Check-in is not possible on that day.',
    closed_to_departure: 'Check-out is not possible on that day.',
    min_stay: 'The stay is shorter than the hotel allows.',
    max_stay: 'The stay is longer than the hotel allows.',
    lead_time: 'Too close to today to book online.',
    advance_window: 'Too far ahead to book yet.',
    forbidden: 'This booking channel may not book for this guest.',
    invalid: 'The hotel refused the booking as invalid.',
  };
  return known[reason] ?? (message || `Refused (${reason}).`);
}
