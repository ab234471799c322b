// EdgestayError: every failure of the engine, as a typed JS error.
// `code` is one of the stable codes of docs/API.md; `details` carries structured
// context (e.g. { change, row, field } for a rejected row of a change batch).
export class EdgestayError extends Error {
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'EdgestayError';
    this.code = code;
    this.details = details ?? {};
  }

  static fromJson(text) {
    let e;
    try {
      e = JSON.parse(text);
    } catch {
      return new EdgestayError('INTERNAL', String(text));
    }
    return new EdgestayError(e.code ?? 'INTERNAL', e.message ?? 'unknown error', e.details);
  }
}
