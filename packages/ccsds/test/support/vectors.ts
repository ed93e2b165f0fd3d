/**
 * Locates the shared known-answer vectors (`../shared/vectors` beside the repository, or
 * `CCSDS_VECTORS`) and loads them as they are.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..', '..');

/** Absolute path of the vectors folder. Throws with a clear message when it is missing. */
export function vectorsDir(): string {
  const candidates = [
    process.env['CCSDS_VECTORS'],
    join(repoRoot, '..', 'shared', 'vectors'),
    join(repoRoot, 'vectors'),
  ].filter((p): p is string => p !== undefined);
  for (const c of candidates) if (existsSync(join(c, 'README.md'))) return c;
  throw new Error(`known-answer vectors not found; looked in ${candidates.join(', ')}`);
}

/** Parses one vector file, e.g. `loadVectors('spp/packets.json')`. */
export function loadVectors<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(join(vectorsDir(), relativePath), 'utf8')) as T;
}
