/**
 * BCH(63,56) codeblocks of CCSDS 231.0-B-4 (TC Synchronization and Channel Coding, BCH section):
 * 56 information bits, 7 parity bits from the generator g(x) = x^7 + x^6 + x^2 + 1 (register
 * reset for every codeblock), parity complemented, then one filler bit 0. The two decoding
 * modes of 231.0: the Error-Correcting Mode corrects any single bit error in the 63 code bits
 * and rejects every double error (the code's minimum distance is 4); the Error-Detecting Mode
 * accepts only codeblocks with a zero syndrome. The filler bit is not covered by the code and
 * is ignored.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';

/** Octets of information in one codeblock. */
export const BCH_INFO_LENGTH = 7;
/** Octets of one codeblock (7 information octets, 7 parity bits and the filler bit). */
export const BCH_CODEBLOCK_LENGTH = 8;

/** Decoding mode (231.0 Error-Correcting / Error-Detecting Mode). */
export const BchMode = {
  /** Corrects single-bit errors, rejects detected double errors. */
  CORRECTING: 'correcting',
  /** Accepts error-free codeblocks only. */
  DETECTING: 'detecting',
} as const;
/** One of {@link BchMode}. */
export type BchMode = (typeof BchMode)[keyof typeof BchMode];

/** g(x) without its x^7 term, shifted to the top of an octet: (x^6 + x^2 + 1) << 1. */
const POLY8 = 0x8a;
/** Byte-at-a-time LFSR table: register (top 7 bits of an octet) after eight more input bits. */
const STEP = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let r = i;
  for (let k = 0; k < 8; k++) r = r & 0x80 ? ((r << 1) ^ POLY8) & 0xff : (r << 1) & 0xff;
  STEP[i] = r;
}

/** The parity octet (complemented parity bits, filler bit 0) of 7 information octets at `off`. */
function parityOctet(src: Uint8Array, off: number): number {
  let r = 0;
  for (let i = 0; i < BCH_INFO_LENGTH; i++) r = STEP[r ^ src[off + i]!]!;
  return ~r & 0xfe;
}

/** Syndrome (7 bits) to the bit position of a single error (0 = MSB of octet 0), or -1. */
const SYNDROME_TO_BIT = new Int8Array(128).fill(-1);
{
  const cb = new Uint8Array(BCH_INFO_LENGTH);
  const zeroParity = parityOctet(cb, 0);
  for (let bit = 0; bit < 56; bit++) {
    cb.fill(0);
    cb[bit >> 3] = 0x80 >> (bit & 7);
    SYNDROME_TO_BIT[(parityOctet(cb, 0) ^ zeroParity) >> 1] = bit;
  }
  for (let bit = 56; bit < 63; bit++) SYNDROME_TO_BIT[1 << (62 - bit)] = bit;
}

/**
 * Encodes 7 information octets from `info[offset..]` into an 8-octet codeblock written to
 * `out[outOffset..]` (a new array when `out` is omitted). Returns the array written to.
 */
export function bchEncodeCodeblock(
  info: Uint8Array,
  offset = 0,
  out?: Uint8Array,
  outOffset = 0,
): Uint8Array {
  if (offset < 0 || offset + BCH_INFO_LENGTH > info.length) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'BCH information needs 7 octets', {
      offset,
    });
  }
  const dst = out ?? new Uint8Array(BCH_CODEBLOCK_LENGTH);
  if (outOffset < 0 || outOffset + BCH_CODEBLOCK_LENGTH > dst.length) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'no room for an 8-octet codeblock');
  }
  for (let i = 0; i < BCH_INFO_LENGTH; i++) dst[outOffset + i] = info[offset + i]!;
  dst[outOffset + BCH_INFO_LENGTH] = parityOctet(info, offset);
  return dst;
}

/**
 * Decodes the codeblock at `src[srcOffset..+8)` into 7 information octets at `dst[dstOffset..]`
 * without allocating. Returns 0 (error-free), 1 (one bit corrected) or -1 (rejected; `dst`
 * then holds the information octets as received). The caller guarantees the ranges.
 */
export function bchDecodeInto(
  src: Uint8Array,
  srcOffset: number,
  dst: Uint8Array,
  dstOffset: number,
  mode: BchMode = BchMode.CORRECTING,
): number {
  for (let i = 0; i < BCH_INFO_LENGTH; i++) dst[dstOffset + i] = src[srcOffset + i]!;
  const syndrome = (parityOctet(src, srcOffset) ^ src[srcOffset + BCH_INFO_LENGTH]!) >> 1;
  if (syndrome === 0) return 0;
  if (mode === BchMode.DETECTING) return -1;
  const bit = SYNDROME_TO_BIT[syndrome]!;
  if (bit < 0) return -1;
  if (bit < 56) dst[dstOffset + (bit >> 3)] = dst[dstOffset + (bit >> 3)]! ^ (0x80 >> (bit & 7));
  return 1;
}

/** Outcome of decoding one codeblock. */
export interface BchDecodeResult {
  /** `clean`: zero syndrome; `corrected`: one bit corrected; `uncorrectable`: rejected. */
  status: 'clean' | 'corrected' | 'uncorrectable';
  /** The 7 information octets (corrected, or as received when rejected). */
  info: Uint8Array;
  /** Bit position corrected (0 = MSB of octet 0, 56..62 parity), when `status` is `corrected`. */
  correctedBit?: number;
}

/** Decodes one 8-octet codeblock at `offset`. Throws `TRUNCATED` when fewer than 8 octets remain. */
export function bchDecodeCodeblock(
  codeblock: Uint8Array,
  options: { mode?: BchMode; offset?: number } = {},
): BchDecodeResult {
  const offset = options.offset ?? 0;
  if (offset < 0 || offset + BCH_CODEBLOCK_LENGTH > codeblock.length) {
    throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'a BCH codeblock needs 8 octets', { offset });
  }
  const info = new Uint8Array(BCH_INFO_LENGTH);
  const r = bchDecodeInto(codeblock, offset, info, 0, options.mode ?? BchMode.CORRECTING);
  if (r === 0) return { status: 'clean', info };
  if (r < 0) return { status: 'uncorrectable', info };
  const syndrome = (parityOctet(codeblock, offset) ^ codeblock[offset + BCH_INFO_LENGTH]!) >> 1;
  return { status: 'corrected', info, correctedBit: SYNDROME_TO_BIT[syndrome]! };
}
