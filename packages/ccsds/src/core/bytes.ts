/**
 * Octet-string helpers shared by every layer: hex conversion, concatenation, comparison and
 * big-endian integer access for field widths the standards use (1 to 8 octets).
 */
import { CcsdsError, CcsdsErrorCode } from './errors.js';

const HEX = '0123456789abcdef';

/** Lower-case hex of `bytes`, no separators. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    s += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return s;
}

/** Parses hex (case-insensitive; spaces, `:` and `_` ignored). Throws `INVALID_ARGUMENT`. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:_]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'not a hex string of whole octets');
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** True when both arrays hold the same octets. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Reads an unsigned big-endian integer of `width` octets (1..8) as a number.
 * Throws `UNSUPPORTED` if the value exceeds `Number.MAX_SAFE_INTEGER` (use {@link readUintBEBig}).
 */
export function readUintBE(bytes: Uint8Array, offset: number, width: number): number {
  if (offset + width > bytes.length) {
    throw new CcsdsError(CcsdsErrorCode.TRUNCATED, `need ${width} octets`, { offset });
  }
  let v = 0;
  for (let i = 0; i < width; i++) {
    v = v * 256 + bytes[offset + i]!;
  }
  if (v > Number.MAX_SAFE_INTEGER) {
    throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, 'integer exceeds 2^53-1', { offset });
  }
  return v;
}

/** Reads an unsigned big-endian integer of `width` octets (1..8) as a bigint. */
export function readUintBEBig(bytes: Uint8Array, offset: number, width: number): bigint {
  if (offset + width > bytes.length) {
    throw new CcsdsError(CcsdsErrorCode.TRUNCATED, `need ${width} octets`, { offset });
  }
  let v = 0n;
  for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}

/**
 * Writes `value` as an unsigned big-endian integer of `width` octets (1..8).
 * Throws `INVALID_ARGUMENT` when it does not fit.
 */
export function writeUintBE(
  bytes: Uint8Array,
  offset: number,
  width: number,
  value: number | bigint,
): void {
  let v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(8 * width)) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `value ${value} does not fit in ${width} octets`,
    );
  }
  for (let i = width - 1; i >= 0; i--) {
    bytes[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** Smallest number of octets (at least 1) that holds the unsigned `value`. */
export function minimalWidth(value: number | bigint): number {
  let v = BigInt(value);
  let n = 1;
  while (v > 0xffn) {
    v >>= 8n;
    n++;
  }
  return n;
}

/** Appends big-endian fields to a growing buffer; `finish()` returns the octets written. */
export class ByteWriter {
  private buf: Uint8Array;
  /** Octets written so far. */
  length = 0;

  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(Math.max(8, initialCapacity));
  }

  private ensure(n: number): void {
    if (this.length + n > this.buf.length) {
      const nb = new Uint8Array(Math.max(this.length + n, this.buf.length * 2));
      nb.set(this.buf.subarray(0, this.length));
      this.buf = nb;
    }
  }

  /** One octet (0..255). */
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  /** Two octets, big-endian. */
  u16(v: number): this {
    this.ensure(2);
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  /** Four octets, big-endian. */
  u32(v: number): this {
    this.ensure(4);
    this.buf[this.length++] = (v >>> 24) & 0xff;
    this.buf[this.length++] = (v >>> 16) & 0xff;
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  /** An unsigned integer of `width` octets (1..8); throws INVALID_ARGUMENT when it does not fit. */
  uint(width: number, v: number | bigint): this {
    this.ensure(width);
    writeUintBE(this.buf, this.length, width, v);
    this.length += width;
    return this;
  }

  /** Raw octets. */
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** Overwrites one octet already written. */
  patchU8(at: number, v: number): void {
    this.buf[at] = v & 0xff;
  }

  /** Overwrites two octets already written. */
  patchU16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }

  /** A view of everything written so far (valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of everything written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Reads big-endian fields from a byte array with bounds checks (`TRUNCATED` with offset). */
export class ByteReader {
  /** Current position. */
  pos: number;
  /** End of the readable region (exclusive). */
  readonly end: number;
  readonly bytes: Uint8Array;
  /** What is being read, for error messages. */
  readonly what: string;

  constructor(bytes: Uint8Array, what: string, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    this.what = what;
  }

  /** Octets left. */
  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.end) {
      throw new CcsdsError(
        CcsdsErrorCode.TRUNCATED,
        `${this.what}: ${field} needs ${n} octets, ${Math.max(0, this.end - this.pos)} left`,
        { offset: this.pos },
      );
    }
  }

  /** One octet. */
  u8(field = 'octet'): number {
    this.need(1, field);
    return this.bytes[this.pos++]!;
  }

  /** Two octets, big-endian. */
  u16(field = 'field'): number {
    this.need(2, field);
    const v = (this.bytes[this.pos]! << 8) | this.bytes[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  /** Four octets, big-endian, unsigned. */
  u32(field = 'field'): number {
    this.need(4, field);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** An unsigned integer of `width` octets as a bigint. */
  uintBig(width: number, field = 'field'): bigint {
    this.need(width, field);
    const v = readUintBEBig(this.bytes, this.pos, width);
    this.pos += width;
    return v;
  }

  /** An unsigned integer of `width` octets: a number when it is at most 2^53-1, else a bigint. */
  uintAuto(width: number, field = 'field'): number | bigint {
    const v = this.uintBig(width, field);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /** `n` octets as a view. */
  take(n: number, field = 'field'): Uint8Array {
    this.need(n, field);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
}
