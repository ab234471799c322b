// The rows of a columnar change, tokenized for the core (protocol::RowsTag in
// sync/protocol/include/edgestay/protocol/change_batch.h), so a load's rows reach it
// without JSON text: no JSON.stringify of megabytes in JS, no JSON scan in wasm.
//
// Each value is written as the token its JSON text would read as, so the core checks and
// refuses the rows exactly as it would their text: integers as integers, other finite
// numbers as their JSON text, NaN, ±Infinity, undefined, functions and symbols as null
// (what JSON.stringify writes in an array). A value JSON text alone decides (an object, a
// boxed or big number, a string with a lone surrogate, an array with its own toJSON) makes
// encodeRows return null: the caller then sends those rows as text.

const NULL = 0, TRUE = 1, FALSE = 2, INT32 = 3, INT64 = 4, TEXT = 5, NUMBER = 6;
const NOT_AN_ARRAY = 0xffffffff;
const TWO_32 = 4294967296;
const LONE_SURROGATE = /\p{Surrogate}/u;
const encoder = new TextEncoder();

let buf = new Uint8Array(1 << 16);
let view = new DataView(buf.buffer);

function room(at, n) {
  if (at + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < at + n) size *= 2;
  const bigger = new Uint8Array(size);
  bigger.set(buf.subarray(0, at));
  buf = bigger;
  view = new DataView(buf.buffer);
}

// Rows [from, to) of `rows` as tokens: a view of a buffer reused by the next call, or null.
export function encodeRows(rows, from, to) {
  let at = 0;
  for (let r = from; r < to; r++) {
    const row = rows[r];
    if (!Array.isArray(row)) {
      room(at, 4);
      view.setUint32(at, NOT_AN_ARRAY, true);
      at += 4;
      continue;
    }
    if (typeof row.toJSON === 'function') return null;
    const n = row.length;
    room(at, 4 + n * 9);
    view.setUint32(at, n, true);
    at += 4;
    for (let c = 0; c < n; c++) {
      const v = row[c];
      switch (typeof v) {
        case 'number':
          if (v === (v | 0)) {
            buf[at] = INT32;
            view.setInt32(at + 1, v, true);
            at += 5;
          } else if (Number.isSafeInteger(v)) {
            const lo = ((v % TWO_32) + TWO_32) % TWO_32;
            buf[at] = INT64;
            view.setUint32(at + 1, lo, true);
            view.setInt32(at + 5, (v - lo) / TWO_32, true);
            at += 9;
          } else if (Number.isFinite(v)) {
            at = putNumber(at, JSON.stringify(v), n - c);
          } else {
            buf[at++] = NULL;
          }
          break;
        case 'string':
          at = putString(at, v, n - c);
          if (at < 0) return null;
          break;
        case 'boolean':
          buf[at++] = v ? TRUE : FALSE;
          break;
        case 'undefined': case 'function': case 'symbol':
          buf[at++] = NULL;
          break;
        default:  // object (null aside) or bigint
          if (v !== null) return null;
          buf[at++] = NULL;
      }
    }
  }
  return buf.subarray(0, at);
}

// Each value takes at most 9 bytes but a number's text or a string: those make room for
// themselves and the `rest` of their row's values.
function putNumber(at, s, rest) {
  room(at, 5 + s.length + 9 * rest);
  buf[at] = NUMBER;
  view.setUint32(at + 1, s.length, true);
  at += 5;
  for (let i = 0; i < s.length; i++) buf[at + i] = s.charCodeAt(i);
  return at + s.length;
}

// A string's UTF-8 after its tag and length; -1 for one with a lone surrogate.
function putString(at, s, rest) {
  const n = s.length;
  room(at, 5 + 3 * n + 9 * rest);
  buf[at] = TEXT;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    buf[at + 5 + i] = c;
  }
  let length = i;
  if (i < n) {
    if (LONE_SURROGATE.test(s)) return -1;
    length = encoder.encodeInto(s, buf.subarray(at + 5)).written;
  }
  view.setUint32(at + 1, length, true);
  return at + 5 + length;
}
