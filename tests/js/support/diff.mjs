// firstDiff(expected, got): the path and values of the first difference between two JSON
// values, or null when they are equal. Failure messages of the model-based tests use it
// to point at the one field that differs in a large answer.
export function firstDiff(a, b, path = '$') {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${path}: expected ${JSON.stringify(a)}, got ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  if (Array.isArray(a) && a.length !== b.length) return `${path}.length: expected ${a.length}, got ${b.length}`;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!(k in a)) return `${path}.${k}: unexpected key (value ${JSON.stringify(b[k])})`;
    if (!(k in b)) return `${path}.${k}: missing (expected ${JSON.stringify(a[k])})`;
    const d = firstDiff(a[k], b[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`);
    if (d) return d;
  }
  return null;
}
