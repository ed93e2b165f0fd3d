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
