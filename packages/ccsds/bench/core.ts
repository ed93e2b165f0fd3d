/** Benchmarks of `ccsds/core`: the CRCs. */
import { crc16Ccitt, crc32, crc32c, SeededRandom } from '../src/core/index.js';
import { bench } from './harness.js';

/** Runs the core benchmarks. */
export async function run(): Promise<void> {
  const data = new SeededRandom(7).bytes(1 << 20);
  const work = { bytes: data.length };
  await bench('core', 'crc16-ccitt 1 MiB', () => crc16Ccitt(data), work);
  let zlibPeer: Awaited<ReturnType<typeof bench>> | string = 'node:zlib crc32 not available';
  const zlib = (await import('node:zlib')) as unknown as { crc32?: (d: Uint8Array) => number };
  if (zlib.crc32 !== undefined) {
    const z = zlib.crc32;
    const { measureCase } = await import('./harness.js');
    zlibPeer = await measureCase('node:zlib crc32', () => z(data), work);
  }
  await bench('core', 'crc32 1 MiB', () => crc32(data), work, zlibPeer);
  await bench('core', 'crc32c 1 MiB', () => crc32c(data), work);
}
