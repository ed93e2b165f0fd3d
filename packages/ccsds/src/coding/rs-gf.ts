/**
 * GF(2^8) arithmetic for the CCSDS Reed-Solomon codes (CCSDS 131.0-B-4, Reed-Solomon section): field
 * generator polynomial F(x) = x^8 + x^7 + x^2 + x + 1 (0x187), primitive element alpha a root
 * of F, and the transformation between the conventional (polynomial) basis and the dual
 * (Berlekamp) basis in which 131.0 transmits every symbol (the Reed-Solomon section and its
 * annex on the dual-basis representation).
 */

/** The field generator polynomial x^8 + x^7 + x^2 + x + 1. */
export const GF_POLYNOMIAL = 0x187;

/** `GF_EXP[i]` = alpha^i for i in 0..511 (twice the period, so sums of two logs need no modulo). */
export const GF_EXP: Uint8Array = new Uint8Array(512);
/** `GF_LOG[x]` = log_alpha(x) for x in 1..255; `GF_LOG[0]` is 255 (no logarithm). */
export const GF_LOG: Uint8Array = new Uint8Array(256);

{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    GF_EXP[i] = x;
    GF_LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= GF_POLYNOMIAL;
  }
  for (let i = 255; i < 512; i++) GF_EXP[i] = GF_EXP[i - 255]!;
  GF_LOG[0] = 255;
}

/** Product of two field elements in the conventional basis. */
export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return GF_EXP[GF_LOG[a]! + GF_LOG[b]!]!;
}

/** alpha^e for any integer exponent e (negative exponents allowed). */
export function gfPow(e: number): number {
  return GF_EXP[((e % 255) + 255) % 255]!;
}

/**
 * Rows of the 131.0 conventional-to-dual transformation matrix: the dual-basis image of the
 * conventional basis vector x^7, x^6, ..., x^0 (most significant bit first).
 */
const T_ROWS = [0x8d, 0xef, 0xec, 0x86, 0xfa, 0x99, 0xaf, 0x7b] as const;

/** Conventional symbol c maps to dual-basis symbol `CONVENTIONAL_TO_DUAL[c]`. */
export const CONVENTIONAL_TO_DUAL: Uint8Array = new Uint8Array(256);
/** Dual-basis symbol d maps to conventional symbol `DUAL_TO_CONVENTIONAL[d]`. */
export const DUAL_TO_CONVENTIONAL: Uint8Array = new Uint8Array(256);

for (let c = 0; c < 256; c++) {
  let d = 0;
  for (let bit = 0; bit < 8; bit++) if (c & (1 << bit)) d ^= T_ROWS[7 - bit]!;
  CONVENTIONAL_TO_DUAL[c] = d;
  DUAL_TO_CONVENTIONAL[d] = c;
}
