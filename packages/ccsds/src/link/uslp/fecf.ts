/**
 * USLP Frame Error Control Field of 2 or 4 octets.
 *
 * The 2-octet FECF is the CRC-16-CCITT of all CCSDS data link protocols (732.1-B-2 section
 * 4.1.6 and annex B; see `computeFecf`). The 4-octet FECF is the CCSDS 32-bit CRC of
 * Proximity-1 (211.2-B-3 annex C): generator polynomial
 * g(x) = x^32 + x^23 + x^21 + x^11 + x^2 + 1 (0x00A00805 written MSB first), shift register
 * preset to all zeros (unlike the CRC-16, preset to all ones), no reflection, no final
 * inversion, transmitted most significant octet first. Check value: CRC of the ASCII octets
 * "123456789" = 0x51693C0C.
 *
 * Which USLP issue defines the 4-octet option: the first issue, 732.1-B-1 (section 4.1.6),
 * lets a physical channel carry a 16- or 32-bit FECF and takes the 32-bit code from
 * Proximity-1; Yamcs implements it as `errorDetection: CRC32` (its `ProximityCrc32`, the same
 * polynomial and preset). The issue-2 and issue-3 texts that peer implementations quote
 * (732.1-B-2 / B-3 section 4.1.6.2) only define the 16-bit FECF. The 4-octet FECF is
 * therefore an option here, chosen per physical channel with `fecfLength: 4`, for links to
 * B-1 equipment and to Yamcs; the default is 2 octets.
 */
import { checkInteger } from '../../core/index.js';
import { computeFecf, invalidArgument } from '../common.js';

/** Octets of a USLP FECF: 2 (CRC-16-CCITT) or 4 (CCSDS CRC-32). */
export type UslpFecfLength = 2 | 4;

/** The CCSDS CRC-32 generator polynomial, x^32 + x^23 + x^21 + x^11 + x^2 + 1, MSB first. */
export const CCSDS_CRC32_POLYNOMIAL = 0x00a00805;

// Slice-by-8 tables, flat: entry k * 256 + b is the register after octet b followed by k zero
// octets (register preset 0, MSB first), so eight octets cost eight lookups.
const T32 = (() => {
  const t = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ CCSDS_CRC32_POLYNOMIAL : c << 1;
    t[b] = c;
  }
  for (let k = 1; k < 8; k++)
    for (let b = 0; b < 256; b++) {
      const p = t[(k - 1) * 256 + b]!;
      t[k * 256 + b] = (p << 8) ^ t[p >>> 24]!;
    }
  return t;
})();

/**
 * The CCSDS CRC-32 (Proximity-1, 211.2-B-3 annex C; see the module comment) of
 * `data[start, end)`, as an unsigned 32-bit number. Pass a previous result as `crc` to continue
 * over more data (the register starts at 0).
 */
export function ccsdsCrc32(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
  const t = T32;
  let c = crc | 0;
  let i = start;
  const n8 = end - ((end - start) & 7);
  while (i < n8) {
    const x = c ^ ((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!);
    c =
      t[1792 + (x >>> 24)]! ^
      t[1536 + ((x >>> 16) & 0xff)]! ^
      t[1280 + ((x >>> 8) & 0xff)]! ^
      t[1024 + (x & 0xff)]! ^
      t[768 + data[i + 4]!]! ^
      t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = (c << 8) ^ t[((c >>> 24) ^ data[i++]!) & 0xff]!;
  return c >>> 0;
}

/** Checks a FECF length option (undefined means 2). */
export function uslpFecfLength(length: number | undefined): UslpFecfLength {
  const n = length ?? 2;
  if (n !== 2 && n !== 4) throw invalidArgument(`FECF length must be 2 or 4 octets, not ${n}`);
  return n;
}

/** The FECF a frame `frame[0, length)` should carry in its last `fecfLength` octets. */
export function computeUslpFecf(
  frame: Uint8Array,
  length: number,
  fecfLength: UslpFecfLength,
): number {
  checkInteger(length, fecfLength, frame.length, 'length');
  return fecfLength === 2
    ? computeFecf(frame, 0, length - 2)
    : ccsdsCrc32(frame, 0, length - fecfLength);
}

/** The FECF carried in the last `fecfLength` octets of `frame[0, length)` (unsigned). */
export function readUslpFecf(
  frame: Uint8Array,
  length: number,
  fecfLength: UslpFecfLength,
): number {
  let v = 0;
  for (let i = length - fecfLength; i < length; i++) v = v * 256 + frame[i]!;
  return v;
}

/** Writes the FECF over `frame[0, length - fecfLength)` into its last `fecfLength` octets. */
export function writeUslpFecf(frame: Uint8Array, length: number, fecfLength: UslpFecfLength): void {
  let v = computeUslpFecf(frame, length, fecfLength);
  for (let i = length - 1; i >= length - fecfLength; i--) {
    frame[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
}
