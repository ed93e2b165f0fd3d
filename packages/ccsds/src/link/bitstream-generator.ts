/**
 * Bitstream service, sending side: AOS B_PDU generation (CCSDS 732.0-B-4 section 4.1.4.3,
 * Bitstream Protocol Data Unit, and section 4.2.3, Bitstream Processing). Bitstream data of any
 * bit length is queued and cut into fixed-size Bitstream Data Zones, one per frame, bit after bit
 * with no regard to the boundaries of what was queued. A zone that must go out before it is full
 * holds the valid bits first and a project-specified idle pattern after them; the Bitstream Data
 * Pointer of the B_PDU header then gives the position of the last valid bit (counted from 0 at
 * the first bit of the zone). Two pointer values are reserved: all ones (0x3FFF) when every bit of
 * the zone is valid, all ones minus one (0x3FFE) when the zone holds only idle data.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../core/index.js';
import { AOS_BDP_ALL_VALID, AOS_BDP_ONLY_IDLE_DATA } from './aos/frame.js';
/**
 * Longest Bitstream Data Zone in octets: a partly filled zone must state its last valid bit in
 * 14 bits below the two reserved values (8 * 2047 - 2 <= 0x3FFD).
 */
export const MAX_BITSTREAM_ZONE_LENGTH = 2047;

/** The Bitstream Data Pointer for a zone of `zoneBits` bits holding `validBits` valid bits. */
export function bitstreamDataPointer(validBits: number, zoneBits: number): number {
  if (validBits === zoneBits) return AOS_BDP_ALL_VALID;
  if (validBits === 0) return AOS_BDP_ONLY_IDLE_DATA;
  return validBits - 1;
}

/**
 * Valid bits of a zone of `zoneBits` bits from its Bitstream Data Pointer, or -1 when the
 * pointer lies beyond the zone.
 */
export function bitstreamValidBits(pointer: number, zoneBits: number): number {
  if (pointer === AOS_BDP_ALL_VALID) return zoneBits;
  if (pointer === AOS_BDP_ONLY_IDLE_DATA) return 0;
  return pointer < zoneBits ? pointer + 1 : -1;
}

/**
 * Copies `n` bits from `src` (starting at bit `srcBit`, most significant bit first) into `dst`
 * at bit `dstBit`, leaving the other bits of `dst` as they are.
 */
export function copyBits(
  src: Uint8Array,
  srcBit: number,
  dst: Uint8Array,
  dstBit: number,
  n: number,
): void {
  if (n <= 0) return;
  if ((srcBit & 7) === 0 && (dstBit & 7) === 0) {
    const s = srcBit >> 3;
    const d = dstBit >> 3;
    const whole = n >> 3;
    dst.set(src.subarray(s, s + whole), d);
    const rest = n & 7;
    if (rest > 0) {
      const m = (0xff << (8 - rest)) & 0xff;
      dst[d + whole] = (dst[d + whole]! & ~m) | (src[s + whole]! & m);
    }
    return;
  }
  let sp = srcBit;
  let dp = dstBit;
  let left = n;
  while (left > 0) {
    const c = Math.min(8, left);
    const i = sp >> 3;
    const sh = sp & 7;
    const v = sh === 0 ? src[i]! : ((src[i]! << sh) | ((src[i + 1] ?? 0) >> (8 - sh))) & 0xff;
    const m = (0xff << (8 - c)) & 0xff;
    const j = dp >> 3;
    const dh = dp & 7;
    dst[j] = (dst[j]! & ~(m >> dh)) | ((v & m) >> dh);
    if (dh + c > 8) {
      const m2 = (m << (8 - dh)) & 0xff;
      dst[j + 1] = (dst[j + 1]! & ~m2) | (((v & m) << (8 - dh)) & 0xff);
    }
    sp += c;
    dp += c;
    left -= c;
  }
}

/** Options of {@link BitstreamVcGenerator}. */
export interface BitstreamVcGeneratorOptions {
  /** Octets of Bitstream Data Zone per frame (1..2047). */
  zoneLength: number;
  /** Octet pattern of the idle fill after the last valid bit (default 0x55). */
  idlePattern?: number;
  /** Most octets that may wait in the queue (default 16 MiB); more throws `LIMIT_EXCEEDED`. */
  maxQueuedOctets?: number;
}

interface Chunk {
  data: Uint8Array;
  bits: number;
}

/** Queues bitstream data and cuts it into Bitstream Data Zones; see the module comment. */
export class BitstreamVcGenerator {
  /** Octets of Bitstream Data Zone per frame. */
  readonly zoneLength: number;
  private readonly zoneBits: number;
  private readonly idlePattern: number;
  private readonly maxQueuedBits: number;
  private queue: Chunk[] = [];
  private head = 0;
  private headBit = 0;
  private queued = 0;

  /** @param options - zone length, idle pattern, limit */
  constructor(options: BitstreamVcGeneratorOptions) {
    checkInteger(options.zoneLength, 1, MAX_BITSTREAM_ZONE_LENGTH, 'zoneLength');
    this.zoneLength = options.zoneLength;
    this.zoneBits = options.zoneLength * 8;
    this.idlePattern = options.idlePattern ?? 0x55;
    checkInteger(this.idlePattern, 0, 255, 'idlePattern');
    const max = options.maxQueuedOctets ?? 16 * 1024 * 1024;
    checkInteger(max, 1, 2 ** 40, 'maxQueuedOctets');
    this.maxQueuedBits = max * 8;
  }

  /** Bits waiting. */
  get queuedBits(): number {
    return this.queued;
  }

  /** Octets waiting (bits rounded up). */
  get queuedUserOctets(): number {
    return Math.ceil(this.queued / 8);
  }

  /** True when a full zone can be cut without idle fill. */
  get hasFullZone(): boolean {
    return this.queued >= this.zoneBits;
  }

  /**
   * Queues bitstream data: the first `bitLength` bits of `data`, most significant bit first
   * (kept by reference until sent: do not modify it).
   * @throws CcsdsError `INVALID_ARGUMENT` for a bit length beyond the data, `LIMIT_EXCEEDED`
   *   when the queue is full
   */
  push(data: Uint8Array, bitLength: number = data.length * 8): void {
    checkInteger(bitLength, 0, data.length * 8, 'bitLength');
    if (bitLength === 0) return;
    if (this.queued + bitLength > this.maxQueuedBits) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `bitstream queue would exceed ${this.maxQueuedBits / 8} octets`,
      );
    }
    this.queue.push({ data, bits: bitLength });
    this.queued += bitLength;
  }

  /**
   * Cuts the next zone into `out[offset, offset + zoneLength)` and returns the number of valid
   * bits in it (the zone's length in bits when full; 0 when nothing was queued, the zone then
   * holding only the idle pattern). With `pad` false, returns undefined and writes nothing
   * unless a full zone is queued. Map the result to the pointer with
   * {@link bitstreamDataPointer}.
   */
  fillZone(out: Uint8Array, offset: number, pad: boolean): number | undefined {
    const zoneBits = this.zoneBits;
    if (!pad && !this.hasFullZone) return undefined;
    let w = 0;
    while (w < zoneBits && this.head < this.queue.length) {
      const c = this.queue[this.head]!;
      const n = Math.min(c.bits - this.headBit, zoneBits - w);
      copyBits(c.data, this.headBit, out, offset * 8 + w, n);
      w += n;
      this.headBit += n;
      this.queued -= n;
      if (this.headBit === c.bits) {
        this.queue[this.head] = { data: EMPTY, bits: 0 };
        this.head++;
        this.headBit = 0;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (w < zoneBits) {
      // Idle fill: the rest of a partly written octet, then whole octets.
      let o = offset + (w >> 3);
      const r = w & 7;
      if (r > 0) {
        const keep = (0xff << (8 - r)) & 0xff;
        out[o] = (out[o]! & keep) | (this.idlePattern & ~keep & 0xff);
        o++;
      }
      out.fill(this.idlePattern, o, offset + this.zoneLength);
    }
    return w;
  }
}

const EMPTY = new Uint8Array(0);
