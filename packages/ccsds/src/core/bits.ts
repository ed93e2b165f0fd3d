/**
 * Bit-level field access, most significant bit first as in every CCSDS Blue Book (bit 0 is the
 * first transmitted bit). Fields of 1 to 64 bits at any bit offset; up to 53 bits as `number`,
 * up to 64 bits as `bigint`.
 */
import { CcsdsError, CcsdsErrorCode } from './errors.js';

function checkWidth(width: number, max: number): void {
  if (!Number.isInteger(width) || width < 1 || width > max) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `bit field width must be 1..${max}, got ${width}`,
    );
  }
}

/** Reads fields MSB-first from a byte array. */
export class BitReader {
  /** The bytes being read. */
  readonly bytes: Uint8Array;
  /** The current position in bits from the start of `bytes`. */
  bitOffset: number;

  /** @param bitOffset - starting position in bits */
  constructor(bytes: Uint8Array, bitOffset = 0) {
    this.bytes = bytes;
    this.bitOffset = bitOffset;
  }

  /** Bits left to read. */
  get remainingBits(): number {
    return this.bytes.length * 8 - this.bitOffset;
  }

  /** Reads an unsigned field of 1..53 bits. Throws `TRUNCATED` at the end of the data. */
  read(width: number): number {
    checkWidth(width, 53);
    const v = readBitsAt(this.bytes, this.bitOffset, width);
    this.bitOffset += width;
    return v;
  }

  /** Reads an unsigned field of 1..64 bits as a bigint. */
  readBig(width: number): bigint {
    checkWidth(width, 64);
    const v = readBitsBigAt(this.bytes, this.bitOffset, width);
    this.bitOffset += width;
    return v;
  }

  /** Reads a two's-complement signed field of 1..53 bits. */
  readSigned(width: number): number {
    const v = this.read(width);
    return v >= 2 ** (width - 1) ? v - 2 ** width : v;
  }

  /** Reads one bit as a boolean. */
  readFlag(): boolean {
    return this.read(1) === 1;
  }

  /** Advances by `width` bits. */
  skip(width: number): void {
    if (this.bitOffset + width > this.bytes.length * 8) {
      throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'bit field beyond end of data', {
        offset: this.bitOffset >> 3,
      });
    }
    this.bitOffset += width;
  }
}

/** Writes fields MSB-first into a growing byte buffer. */
export class BitWriter {
  private buf: Uint8Array;
  /** The current position in bits. */
  bitOffset = 0;

  /** @param initialBytes - initial capacity in octets */
  constructor(initialBytes = 16) {
    this.buf = new Uint8Array(Math.max(1, initialBytes));
  }

  private ensure(bits: number): void {
    const need = Math.ceil((this.bitOffset + bits) / 8);
    if (need > this.buf.length) {
      const nb = new Uint8Array(Math.max(need, this.buf.length * 2));
      nb.set(this.buf);
      this.buf = nb;
    }
  }

  /** Writes an unsigned field of 1..53 bits. Throws `INVALID_ARGUMENT` if it does not fit. */
  write(width: number, value: number): this {
    checkWidth(width, 53);
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** width) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `value ${value} does not fit in ${width} bits`,
      );
    }
    this.ensure(width);
    writeBitsAt(this.buf, this.bitOffset, width, value);
    this.bitOffset += width;
    return this;
  }

  /** Writes an unsigned field of 1..64 bits from a bigint. */
  writeBig(width: number, value: bigint): this {
    checkWidth(width, 64);
    if (value < 0n || value >= 1n << BigInt(width)) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `value ${value} does not fit in ${width} bits`,
      );
    }
    this.ensure(width);
    for (let i = width - 1; i >= 0; i--) {
      writeBitsAt(this.buf, this.bitOffset, 1, Number((value >> BigInt(i)) & 1n));
      this.bitOffset++;
    }
    return this;
  }

  /** Writes a two's-complement signed field of 1..53 bits. */
  writeSigned(width: number, value: number): this {
    const half = 2 ** (width - 1);
    if (!Number.isInteger(value) || value < -half || value >= half) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `value ${value} does not fit in ${width} signed bits`,
      );
    }
    return this.write(width, value < 0 ? value + 2 ** width : value);
  }

  /** Writes one bit. */
  writeFlag(flag: boolean): this {
    return this.write(1, flag ? 1 : 0);
  }

  /** The written bits, zero-padded to whole octets. */
  finish(): Uint8Array {
    return this.buf.slice(0, Math.ceil(this.bitOffset / 8));
  }
}

/** Reads an unsigned field of 1..53 bits at `bitOffset` without a reader object. */
export function readBitsAt(bytes: Uint8Array, bitOffset: number, width: number): number {
  if (bitOffset < 0 || bitOffset + width > bytes.length * 8) {
    throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'bit field beyond end of data', {
      offset: Math.max(0, bitOffset >> 3),
    });
  }
  let v = 0;
  let pos = bitOffset;
  let left = width;
  while (left > 0) {
    const byte = bytes[pos >> 3]!;
    const inByte = 8 - (pos & 7);
    const take = Math.min(inByte, left);
    const bits = (byte >> (inByte - take)) & ((1 << take) - 1);
    v = v * (1 << take) + bits;
    pos += take;
    left -= take;
  }
  return v;
}

/** Reads an unsigned field of 1..64 bits at `bitOffset` as a bigint. */
export function readBitsBigAt(bytes: Uint8Array, bitOffset: number, width: number): bigint {
  if (width <= 53) return BigInt(readBitsAt(bytes, bitOffset, width));
  const hi = readBitsAt(bytes, bitOffset, width - 32);
  const lo = readBitsAt(bytes, bitOffset + width - 32, 32);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Writes an unsigned field of 1..53 bits at `bitOffset` (bytes must be large enough). */
export function writeBitsAt(
  bytes: Uint8Array,
  bitOffset: number,
  width: number,
  value: number,
): void {
  let pos = bitOffset + width;
  let v = value;
  let left = width;
  while (left > 0) {
    pos--;
    const bit = v % 2;
    v = Math.floor(v / 2);
    const idx = pos >> 3;
    const mask = 0x80 >> (pos & 7);
    bytes[idx] = bit ? bytes[idx]! | mask : bytes[idx]! & ~mask;
    left--;
  }
}
