/**
 * CFDP file checksums (CCSDS 727.0-B-5 §4.2.2 and the SANA checksum registry): modular (0),
 * Proximity-1 CRC-32 (1: polynomial 0x00A00805, initial value 0, no reflection, no final XOR,
 * as in CCSDS 211.2), CRC-32C (2), CRC-32 IEEE (3) and null (15).
 *
 * The modular checksum is the sum modulo 2^32 of the file read as big-endian 32-bit words aligned
 * on file offsets, so it can be accumulated per segment in any order. The CRCs run over the file
 * in offset order: {@link FileChecksum} accumulates them while segments arrive in order and
 * reports when the file must be read back instead.
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
  /** Next offset the CRC expects (CRC types only). */
  private crcOffset = 0;
  private inOrder = true;

  constructor(type: number) {
    if (!isSupportedChecksumType(type)) {
      throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, `checksum type ${type} is not supported`);
    }
    this.type = type;
  }

  /** Adds a segment. Segments may come in any order; for CRCs an out-of-order one ends {@link complete}. */
  update(offset: number, data: Uint8Array): void {
    switch (this.type) {
      case ChecksumType.MODULAR:
        this.value = modularChecksumUpdate(this.value, offset, data);
        return;
      case ChecksumType.NULL:
        return;
      default:
        if (!this.inOrder) return;
        if (offset !== this.crcOffset) {
          this.inOrder = false;
          return;
        }
        this.value =
          this.type === ChecksumType.CRC32
            ? crc32(data, this.value)
            : this.type === ChecksumType.CRC32C
              ? crc32c(data, this.value)
              : crc32Proximity1(data, this.value);
        this.crcOffset += data.length;
    }
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

  /** The running state, for persistence. */
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
