/** The test file of the CFDP benchmarks: `mib` MiB of random octets, written 1 MiB at a time. */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Writes `mib` MiB of random data to `path` (one random MiB repeated, its first octet changed per
 * MiB so that no two MiB are the same); returns the size in octets.
 */
export function writeRandomFile(path: string, mib: number): number {
  const fd = openSync(path, 'w');
  try {
    const block = randomBytes(1 << 20);
    for (let i = 0; i < mib; i++) {
      block[0] = i & 0xff;
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
  return mib * (1 << 20);
}
