/**
 * CFDP file checksums (CCSDS 727.0-B-5 §4.2.2 and the SANA checksum registry): modular (0),
 * Proximity-1 CRC-32 (1: polynomial 0x00A00805, initial value 0, no reflection, no final XOR,
 * as in CCSDS 211.2), CRC-32C (2), CRC-32 IEEE (3) and null (15).
 *
 * The modular checksum is the sum modulo 2^32 of the file read as big-endian 32-bit words aligned
 * on file offsets, so it can be accumulated per segment in any order. The CRCs run over the file
 * in offset order: {@link FileChecksum} accumulates them over the in-order prefix and, for
 * segments beyond a gap, over separate runs of contiguous data whose CRCs are joined to the prefix
 * when the gap is filled ({@link crcCombine}: the CRC of A‖B from those of A and B and the
 * length of B), so that a transfer with retransmissions needs no second pass over the file. It
 * reports when the file must be read back instead (overlapping segments, too many runs).
 */
import { CcsdsError, CcsdsErrorCode, crc32, crc32c } from '../core/index.js';
import { ChecksumType } from './constants.js';

const PROX1_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x00a00805 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** Proximity-1 CRC-32 (CCSDS 211.2): continue over more data by passing the previous value. */
export function crc32Proximity1(data: Uint8Array, previous = 0): number {
  let c = previous >>> 0;
  for (let i = 0; i < data.length; i++)
    c = ((c << 8) ^ PROX1_TABLE[((c >>> 24) ^ data[i]!) & 0xff]!) >>> 0;
  return c;
}

/** The checksum types that are CRCs over the file in order. */
type CrcType = 1 | 2 | 3;

/** GF(2) matrix (32 columns) times a 32-bit vector. */
function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  let v = vec >>> 0;
  for (let i = 0; v !== 0; i++, v >>>= 1) if (v & 1) sum ^= mat[i]!;
  return sum >>> 0;
}

function gf2Square(mat: Uint32Array): Uint32Array {
  const sq = new Uint32Array(32);
  for (let n = 0; n < 32; n++) sq[n] = gf2Times(mat, mat[n]!);
  return sq;
}

/**
 * Per CRC type, the operators that append 2^k zero octets to a CRC register (k = 0, 1, ...),
 * built on first use: the CRC of A followed by n zero octets is these applied for the bits of n.
 */
const ZERO_OPERATORS = new Map<CrcType, Uint32Array[]>();

function zeroOperator(type: CrcType, k: number): Uint32Array {
  let ops = ZERO_OPERATORS.get(type);
  if (ops === undefined) {
    // One zero bit: reflected CRCs (CRC-32, CRC-32C) shift right, Proximity-1 shifts left.
    const one = new Uint32Array(32);
    if (type === 1) {
      for (let i = 0; i < 31; i++) one[i] = (1 << (i + 1)) >>> 0;
      one[31] = 0x00a00805;
    } else {
      one[0] = type === 3 ? 0xedb88320 : 0x82f63b78;
      for (let i = 1; i < 32; i++) one[i] = (1 << (i - 1)) >>> 0;
    }
    ops = [gf2Square(gf2Square(gf2Square(one)))];
    ZERO_OPERATORS.set(type, ops);
  }
  while (ops.length <= k) ops.push(gf2Square(ops[ops.length - 1]!));
  return ops[k]!;
}

/**
 * The CRC (type 1, 2 or 3) of A‖B from `crcA` (of A), `crcB` (of B) and the length of B, as
 * zlib's `crc32_combine`: O(log lengthB) small matrix products, no data.
 */
export function crcCombine(type: 1 | 2 | 3, crcA: number, crcB: number, lengthB: number): number {
  let c = crcA >>> 0;
  let n = lengthB;
  for (let k = 0; n > 0; k++) {
    if (n % 2 === 1) c = gf2Times(zeroOperator(type, k), c);
    n = Math.floor(n / 2);
  }
  return (c ^ crcB) >>> 0;
}

/** A CRC-32 function continuing from `previous` (`f(b, f(a)) === f(a ++ b)`). */
export type Crc32Function = (data: Uint8Array, previous: number) => number;

let crc32Impl: Crc32Function = crc32;

/**
 * Replaces the portable CRC-32 (IEEE, checksum type 3) of file checksums with a faster one of
 * the platform (`useNodeCrc32` of `ccsds/cfdp/node` installs `node:zlib`'s); `undefined`
 * restores the portable one. The function must give the same values: it is checked against
 * the portable one on a test string before it is taken, else `INVALID_ARGUMENT`.
 */
export function setCrc32Implementation(f: Crc32Function | undefined): void {
  if (f === undefined) {
    crc32Impl = crc32;
    return;
  }
  const probe = new TextEncoder().encode('123456789 CFDP');
  if (f(probe.subarray(9), f(probe.subarray(0, 9), 0)) !== crc32(probe)) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'not a CRC-32 (IEEE) function');
  }
  crc32Impl = f;
}

function crcOf(type: CrcType, data: Uint8Array, previous: number): number {
  return type === ChecksumType.CRC32
    ? crc32Impl(data, previous)
    : type === ChecksumType.CRC32C
      ? crc32c(data, previous)
      : crc32Proximity1(data, previous);
}

/** Most separate runs of out-of-order CRC data kept; with more, the file is read back. */
const MAX_RUNS = 4096;

/** Contiguous data beyond a gap, with its own CRC. */
interface CrcRun {
  start: number;
  end: number;
  crc: number;
}

/** Adds a segment at file offset `offset` to a modular checksum. */
export function modularChecksumUpdate(sum: number, offset: number, data: Uint8Array): number {
  let s = sum;
  let i = 0;
  const n = data.length;
  // Leading octets until the file offset is word aligned.
  let lane = offset % 4;
  while (i < n && lane !== 0) {
    s = (s + data[i]! * 2 ** (8 * (3 - lane))) % 4294967296;
    i++;
    lane = (lane + 1) % 4;
  }
  let acc = 0;
  const n4 = i + ((n - i) & ~3);
  for (; i < n4; i += 4) {
    acc += ((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!) >>> 0;
    if (acc > 2 ** 52) acc %= 4294967296;
  }
  s = (s + acc) % 4294967296;
  for (lane = 0; i < n; i++, lane++) s = (s + data[i]! * 2 ** (8 * (3 - lane))) % 4294967296;
  return s;
}

/** True when this implementation can compute the checksum type. */
export function isSupportedChecksumType(type: number): boolean {
  return type === 0 || type === 1 || type === 2 || type === 3 || type === 15;
}

/** Incremental file checksum of any supported type. */
export class FileChecksum {
  readonly type: number;
  private value = 0;
  /** Next offset the CRC expects (CRC types only): `value` covers [0, crcOffset). */
  private crcOffset = 0;
  /** False once the CRC can only come from reading the file back. */
  private inOrder = true;
  /** Runs beyond `crcOffset`, sorted, neither overlapping nor touching (CRC types only). */
  private runs: CrcRun[] = [];

  constructor(type: number) {
    if (!isSupportedChecksumType(type)) {
      throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, `checksum type ${type} is not supported`);
    }
    this.type = type;
  }

  /**
   * Adds a segment. Segments may come in any order; for CRCs one that overlaps data already
   * given (or more than 4,096 separate runs) ends {@link complete}.
   */
  update(offset: number, data: Uint8Array): void {
    switch (this.type) {
      case ChecksumType.MODULAR:
        this.value = modularChecksumUpdate(this.value, offset, data);
        return;
      case ChecksumType.NULL:
        return;
      default:
        if (this.inOrder && data.length > 0) this.updateCrc(this.type as CrcType, offset, data);
    }
  }

  private updateCrc(type: CrcType, offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    const runs = this.runs;
    if (offset === this.crcOffset) {
      const first = runs[0];
      if (first !== undefined && end > first.start) return this.giveUp();
      this.value = crcOf(type, data, this.value);
      this.crcOffset = end;
      if (first !== undefined && first.start === end) {
        this.value = crcCombine(type, this.value, first.crc, first.end - first.start);
        this.crcOffset = first.end;
        runs.shift();
      }
      return;
    }
    if (offset < this.crcOffset) return this.giveUp();
    // The first run starting after `offset` (usually none: data extends the last run).
    let lo = 0;
    let hi = runs.length;
    const last = runs[hi - 1];
    if (last !== undefined && last.start <= offset) lo = hi;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (runs[m]!.start <= offset) lo = m + 1;
      else hi = m;
    }
    const prev = runs[lo - 1];
    const next = runs[lo];
    if ((prev !== undefined && prev.end > offset) || (next !== undefined && end > next.start))
      return this.giveUp();
    if (prev !== undefined && prev.end === offset) {
      prev.crc = crcOf(type, data, prev.crc);
      prev.end = end;
      if (next !== undefined && next.start === end) {
        prev.crc = crcCombine(type, prev.crc, next.crc, next.end - next.start);
        prev.end = next.end;
        runs.splice(lo, 1);
      }
      return;
    }
    const crc = crcOf(type, data, 0);
    if (next !== undefined && next.start === end) {
      next.crc = crcCombine(type, crc, next.crc, next.end - next.start);
      next.start = offset;
      return;
    }
    if (runs.length >= MAX_RUNS) return this.giveUp();
    runs.splice(lo, 0, { start: offset, end, crc });
  }

  private giveUp(): void {
    this.inOrder = false;
    this.runs = [];
  }

  /**
   * True when the value covers a file of `fileSize` octets given so far; false when the file
   * must be read back in order (segments arrived out of order or overlapped).
   */
  complete(fileSize: number): boolean {
    if (this.type === ChecksumType.MODULAR || this.type === ChecksumType.NULL) return true;
    return this.inOrder && this.crcOffset === fileSize;
  }

  /** The 32-bit checksum as carried in the EOF PDU. */
  digest(): number {
    return this.value >>> 0;
  }

  /** The running state, for persistence (runs beyond a gap are not kept). */
  state(): FileChecksumState {
    return {
      type: this.type,
      value: this.value >>> 0,
      crcOffset: this.crcOffset,
      inOrder: this.inOrder,
    };
  }

  /** Restores a running checksum from {@link state}. */
  static restore(s: FileChecksumState): FileChecksum {
    const c = new FileChecksum(s.type);
    c.value = s.value >>> 0;
    c.crcOffset = s.crcOffset;
    c.inOrder = s.inOrder;
    return c;
  }
}

/** A running checksum's state (see {@link FileChecksum.state}). */
export interface FileChecksumState {
  type: number;
  value: number;
  crcOffset: number;
  inOrder: boolean;
}

/** Computes the checksum of a whole file read in order, chunk by chunk. */
export async function checksumOfChunks(
  type: number,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<number> {
  const c = new FileChecksum(type);
  let offset = 0;
  for await (const chunk of chunks) {
    c.update(offset, chunk);
    offset += chunk.length;
  }
  return c.digest();
}
