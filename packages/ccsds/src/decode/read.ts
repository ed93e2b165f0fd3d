/**
 * Bit-level readers and number formats shared by the compiled and interpreted telemetry decoders:
 * MSB-first bit fields at any offset (as every CCSDS Blue Book numbers bits), octet
 * permutations, IEEE 754 binary16/32/64 and MIL-STD-1750A 32- and 48-bit floating point.
 * No bounds checks: callers check the packet length first.
 */

const scratch = new ArrayBuffer(8);
const f32 = new Float32Array(scratch, 0, 1);
const u32 = new Uint32Array(scratch);
const f64 = new Float64Array(scratch);
const LITTLE_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_HOST ? 1 : 0;
const LO = LITTLE_HOST ? 0 : 1;

/** Unsigned field of 1..53 bits at octet `i`, bit `s` (0..7) of it. */
export function readU(b: Uint8Array, i: number, s: number, w: number): number {
  if (s === 0) {
    if (w === 8) return b[i]!;
    if (w === 16) return (b[i]! << 8) | b[i + 1]!;
    if (w === 32) return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  }
  if (s + w <= 32) {
    const nb = (s + w + 7) >> 3;
    let x = 0;
    for (let k = 0; k < nb; k++) x = (x << 8) | b[i + k]!;
    return ((x << (32 - 8 * nb + s)) >>> (32 - w)) >>> 0;
  }
  let v = b[i]! & (0xff >> s);
  let left = w - (8 - s);
  let j = i + 1;
  while (left >= 8) {
    v = v * 256 + b[j++]!;
    left -= 8;
  }
  if (left > 0) v = v * (1 << left) + (b[j]! >> (8 - left));
  return v;
}

/** Two's-complement signed field of 1..53 bits. */
export function readS(b: Uint8Array, i: number, s: number, w: number): number {
  const v = readU(b, i, s, w);
  return v >= 2 ** (w - 1) ? v - 2 ** w : v;
}

/** Unsigned field of 1..64 bits as a bigint. */
export function readUBig(b: Uint8Array, i: number, s: number, w: number): bigint {
  if (w <= 32) return BigInt(readU(b, i, s, w));
  const hiBits = w - 32;
  const hi = readU(b, i, s, hiBits);
  const q = s + hiBits;
  const lo = readU(b, i + (q >> 3), q & 7, 32);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Signed field of 1..64 bits as a bigint. */
export function readSBig(b: Uint8Array, i: number, s: number, w: number): bigint {
  return BigInt.asIntN(w, readUBig(b, i, s, w));
}

/** The octets of a permuted field as a big-endian list of values (significance order). */
function permutedOctets(b: Uint8Array, i: number, s: number, sig: readonly number[]): number[] {
  const out = new Array<number>(sig.length);
  for (let j = 0; j < sig.length; j++) out[sig[j]!] = s === 0 ? b[i + j]! : readU(b, i + j, s, 8);
  return out;
}

/** Unsigned permuted field of up to 6 octets as a number. */
export function readPermU(b: Uint8Array, i: number, s: number, sig: readonly number[]): number {
  const o = permutedOctets(b, i, s, sig);
  let v = 0;
  for (const x of o) v = v * 256 + x;
  return v;
}

/** Signed permuted field of up to 6 octets as a number. */
export function readPermS(b: Uint8Array, i: number, s: number, sig: readonly number[]): number {
  const v = readPermU(b, i, s, sig);
  const w = sig.length * 8;
  return v >= 2 ** (w - 1) ? v - 2 ** w : v;
}

/** Unsigned permuted field of 1..8 octets as a bigint. */
export function readPermUBig(b: Uint8Array, i: number, s: number, sig: readonly number[]): bigint {
  const o = permutedOctets(b, i, s, sig);
  let v = 0n;
  for (const x of o) v = (v << 8n) | BigInt(x);
  return v;
}

/** Signed permuted field of 1..8 octets as a bigint. */
export function readPermSBig(b: Uint8Array, i: number, s: number, sig: readonly number[]): bigint {
  return BigInt.asIntN(sig.length * 8, readPermUBig(b, i, s, sig));
}

/** IEEE 754 binary16 bits to a number. */
export function half(u: number): number {
  const sign = u & 0x8000 ? -1 : 1;
  const e = (u >> 10) & 0x1f;
  const m = u & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** IEEE 754 binary32 bits to a number. */
export function single(u: number): number {
  u32[0] = u;
  return f32[0]!;
}

/** IEEE 754 binary64 from its high and low 32 bits. */
export function double(hi: number, lo: number): number {
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0]!;
}

/** IEEE 754 binary64 at octet `i`, bit `s`, octets permuted by `sig` (or big-endian). */
export function readDouble(
  b: Uint8Array,
  i: number,
  s: number,
  sig: readonly number[] | undefined,
): number {
  if (sig === undefined) {
    const hi = readU(b, i, s, 32);
    const lo = readU(b, i + 4, s, 32);
    return double(hi, lo);
  }
  const o = permutedOctets(b, i, s, sig);
  return double(
    ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0,
    ((o[4]! << 24) | (o[5]! << 16) | (o[6]! << 8) | o[7]!) >>> 0,
  );
}

/**
 * MIL-STD-1750A 32-bit floating point: a 24-bit two's-complement fraction (sign bit first, value
 * in [-1, 1)) followed by an 8-bit two's-complement exponent; value = fraction × 2^exponent.
 */
export function mil1750a32(u: number): number {
  const m = ((u >> 8) << 8) >> 8; // sign-extend bits 31..8 as 24-bit
  const e = (u << 24) >> 24;
  return (m / 0x800000) * 2 ** e;
}

/**
 * MIL-STD-1750A 48-bit extended floating point: the 24 most significant fraction bits, the
 * 8-bit exponent, then the 16 least significant fraction bits (a 40-bit two's-complement fraction).
 */
export function mil1750a48(u: number): number {
  const hi = Math.floor(u / 2 ** 24); // fraction MS 24 bits
  const e = ((Math.floor(u / 65536) & 0xff) << 24) >> 24;
  const lo = u % 65536;
  const mHi = hi >= 0x800000 ? hi - 0x1000000 : hi;
  return ((mHi * 65536 + lo) / 2 ** 39) * 2 ** e;
}

/** Encodes a number as MIL-STD-1750A 32-bit (normalised, truncating the fraction). */
export function toMil1750a32(x: number): number {
  const [m, e] = mil1750aParts(x, 23);
  return (((m & 0xffffff) << 8) | (e & 0xff)) >>> 0;
}

/** Encodes a number as MIL-STD-1750A 48-bit (as a 48-bit unsigned number). */
export function toMil1750a48(x: number): number {
  const [m, e] = mil1750aParts(x, 39);
  const mu = m < 0 ? m + 2 ** 40 : m;
  const hi = Math.floor(mu / 65536);
  const lo = mu % 65536;
  return hi * 2 ** 24 + (e & 0xff) * 65536 + lo;
}

function mil1750aParts(x: number, fracBits: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [0, 0];
  let e = Math.ceil(Math.log2(Math.abs(x)));
  // fraction in [0.5, 1) for positives, [-1, -0.5) for negatives
  let f = x / 2 ** e;
  while (f >= 1) {
    f /= 2;
    e++;
  }
  while (f < 0.5 && f > -0.5) {
    f *= 2;
    e--;
  }
  if (e > 127 || e < -128) return [0, 0];
  let m = Math.trunc(f * 2 ** fracBits);
  if (m >= 2 ** fracBits) m = 2 ** fracBits - 1;
  return [m, e];
}

/** Encodes a number as IEEE 754 binary16 bits (round to nearest even). */
export function toHalf(x: number): number {
  f32[0] = x;
  const f = u32[0]!;
  const sign = (f >>> 16) & 0x8000;
  const e = (f >>> 23) & 0xff;
  let m = f & 0x7fffff;
  if (e === 255) return sign | 0x7c00 | (m !== 0 ? 0x200 : 0);
  let he = e - 127 + 15;
  if (he >= 31) return sign | 0x7c00;
  if (he <= 0) {
    if (he < -10) return sign;
    m |= 0x800000;
    const shift = 14 - he;
    let hm = m >> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (hm & 1) === 1)) hm++;
    return sign | hm;
  }
  let hm = m >> 13;
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (hm & 1) === 1)) {
    hm++;
    if (hm === 0x400) {
      hm = 0;
      he++;
      if (he >= 31) return sign | 0x7c00;
    }
  }
  return sign | (he << 10) | hm;
}

/** IEEE 754 binary32 bits of a number. */
export function toSingle(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

/** IEEE 754 binary64 bits of a number as [high, low] 32-bit halves. */
export function toDouble(x: number): [number, number] {
  f64[0] = x;
  return [u32[HI]!, u32[LO]!];
}

const utf8 = new TextDecoder('utf-8');

/** Text of `n` octets at octet `i`, bit `s`; trailing NULs removed. */
export function readText(b: Uint8Array, i: number, s: number, n: number, latin1: boolean): string {
  let bytes: Uint8Array;
  if (s === 0) bytes = b.subarray(i, i + n);
  else {
    bytes = new Uint8Array(n);
    for (let k = 0; k < n; k++) bytes[k] = readU(b, i + k, s, 8);
  }
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  if (latin1) {
    let out = '';
    for (let k = 0; k < end; k++) out += String.fromCharCode(bytes[k]!);
    return out;
  }
  return utf8.decode(bytes.subarray(0, end));
}
