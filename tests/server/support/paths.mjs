// Where things are: the repository root and the edgestay-server binary.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// EDGESTAY_SERVER overrides the binary (e.g. a debug or sanitizer build).
export function serverBinary() {
  const bin = process.env.EDGESTAY_SERVER || path.join(ROOT, 'build', 'native', 'sync', 'server', 'edgestay-server');
  if (!existsSync(bin)) {
    throw new Error(`edgestay-server not found at ${bin}: build it first (scripts/build --native-only), ` +
      'or point EDGESTAY_SERVER at a binary');
  }
  return bin;
}
