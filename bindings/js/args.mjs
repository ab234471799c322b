// The argument text of a call: the JSON the core's argument reader (wasm/src/args.h)
// reads, with the wrapper's rule that a non-finite number is an error (JSON.stringify
// would send it as null, i.e. absent). idText is the same text for the one-id methods,
// written without JSON.stringify when the id is a finite number (the common case: a
// tenth of a small call's time); tests/js/args_text.test.mjs holds the two together.
import { EdgestayError } from './errors.mjs';

// JSON.stringify would turn NaN/Infinity into null and let them pass as "absent".
function strictNumbers(key, value) {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new EdgestayError('INVALID_ARGUMENT', `${key || 'argument'}: ${value} is not a finite number`, { field: key });
  }
  return value;
}

/** The JSON text of `args` (null/undefined: {}); EdgestayError('INVALID_ARGUMENT') if it has none. */
export function argsText(args) {
  try {
    const text = JSON.stringify(args ?? {});
    // NaN and Infinity serialize as null; only then look closer (the replacer is slow).
    if (text.includes('null')) JSON.stringify(args, strictNumbers);
    return text;
  } catch (e) {
    if (e instanceof EdgestayError) throw e;
    throw new EdgestayError('INVALID_ARGUMENT', `arguments cannot be serialized: ${e.message}`);
  }
}

/** Whether idText writes `id` itself (a finite number: the same ToString as JSON's). */
export function plainId(id) {
  return typeof id === 'number' && Number.isFinite(id);
}

/**
 * argsText({ [key]: id }) for a key that needs no escaping: a plain id (plainId) is
 * written as JSON writes it, anything else goes through argsText. coreCaller's callId
 * (loader.mjs) writes the same text's bytes for a plain id.
 */
export function idText(key, id) {
  if (plainId(id)) return `{"${key}":${id}}`;
  return argsText({ [key]: id });
}
