/**
 * File checksums on Node.js with the platform's CRC-32: `node:zlib`'s `crc32` (Node.js 20.15
 * and 22.2 onwards) is native code, about ten times the portable table-driven CRC-32 on large
 * segments, which a receiver and a sender each run over every octet of a file sent with
 * checksum type 3.
 */
import * as zlib from 'node:zlib';
import { type Crc32Function, setCrc32Implementation } from '../checksum.js';

/**
 * Makes CFDP file checksums of type 3 (CRC-32 IEEE) use `node:zlib`'s `crc32` for every
 * entity of this process. Returns false (and changes nothing) on a Node.js without it.
 */
export function useNodeCrc32(): boolean {
  const f = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  if (typeof f !== 'function') return false;
  const impl: Crc32Function = (data, previous) => f(data, previous);
  setCrc32Implementation(impl);
  return true;
}
