/**
 * The CCSDS convolutional code of CCSDS 131.0-B-4 (TM Synchronization and Channel Coding),
 * section 3 "Convolutional Coding": the rate-1/2, constraint-length-7 mother code with
 * G1 = 171 (octal) and G2 = 133 (octal), and its punctured rates 2/3, 3/4, 5/6 and 7/8.
 *
 * Shift-register form used throughout this module: the register holds the last 7 input bits with
 * the newest in the least significant bit, `sr = ((sr << 1) | bit) & 0x7f`; the symbols of one
 * input bit are `C1 = parity(sr & 0x4f)` (G1) then `C2 = parity(sr & 0x6d)` (G2). The rate-1/2
 * code sends C2 inverted (symbol inversion on the G2 path); the punctured codes use the same
 * mother code without inversion and send, per input bit time t of the puncturing period, C1(t)
 * if the pattern's C1 row has a 1 and then C2(t) if its C2 row has a 1.
 */
import { CcsdsError, CcsdsErrorCode } from '../../core/index.js';

/** Code rates of the CCSDS convolutional code: the mother code and its punctured rates. */
export const ConvRate = {
  /** Rate 1/2 mother code (G2 inverted). */
  R1_2: '1/2',
  /** Punctured rate 2/3 (C1 10, C2 11). */
  R2_3: '2/3',
  /** Punctured rate 3/4 (C1 101, C2 110). */
  R3_4: '3/4',
  /** Punctured rate 5/6 (C1 10101, C2 11010). */
  R5_6: '5/6',
  /** Punctured rate 7/8 (C1 1000101, C2 1111010). */
  R7_8: '7/8',
} as const;

/** One of the values of {@link ConvRate}. */
export type ConvRate = (typeof ConvRate)[keyof typeof ConvRate];

/** Constraint length K of the CCSDS convolutional code. */
export const CONV_CONSTRAINT_LENGTH = 7;

/** Number of zero tail bits that return the encoder to the all-zero state (K - 1). */
export const CONV_TAIL_BITS = 6;

/** G1 = 171 octal as a mask over the shift register with the newest bit in bit 0. */
export const CONV_G1_MASK = 0x4f;

/** G2 = 133 octal as a mask over the shift register with the newest bit in bit 0. */
export const CONV_G2_MASK = 0x6d;

/** A puncturing pattern: the C1 and C2 rows of the CCSDS puncture table, period in input bits. */
export interface PuncturePattern {
  /** The rate this pattern produces. */
  readonly rate: ConvRate;
  /** C1 row, one character per input bit time: '1' = C1 sent. */
  readonly c1: string;
  /** C2 row, one character per input bit time: '1' = C2 sent. */
  readonly c2: string;
  /** Period in input bits. */
  readonly periodBits: number;
  /**
   * Keep mask over the interleaved mother-code stream C1(1) C2(1) C1(2) C2(2) ...; one entry
   * per mother-code symbol of one period (`2 * periodBits` entries), 1 = transmitted.
   */
  readonly keep: readonly number[];
  /** Transmitted symbols per period. */
  readonly symbolsPerPeriod: number;
}

function pattern(rate: ConvRate, c1: string, c2: string): PuncturePattern {
  const keep: number[] = [];
  for (let t = 0; t < c1.length; t++) keep.push(c1[t] === '1' ? 1 : 0, c2[t] === '1' ? 1 : 0);
  return {
    rate,
    c1,
    c2,
    periodBits: c1.length,
    keep,
    symbolsPerPeriod: keep.reduce((a, b) => a + b, 0),
  };
}

/** The puncturing patterns of CCSDS 131.0-B-4 (the rate-1/2 entry sends every symbol). */
export const PUNCTURE_PATTERNS: Readonly<Record<ConvRate, PuncturePattern>> = {
  '1/2': pattern('1/2', '1', '1'),
  '2/3': pattern('2/3', '10', '11'),
  '3/4': pattern('3/4', '101', '110'),
  '5/6': pattern('5/6', '10101', '11010'),
  '7/8': pattern('7/8', '1000101', '1111010'),
};

/** Throws `INVALID_ARGUMENT` unless `rate` is a {@link ConvRate}. */
export function puncturePattern(rate: ConvRate): PuncturePattern {
  const p = (PUNCTURE_PATTERNS as Record<string, PuncturePattern | undefined>)[rate];
  if (p === undefined || !Object.prototype.hasOwnProperty.call(PUNCTURE_PATTERNS, rate)) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `unknown convolutional code rate ${rate}`,
    );
  }
  return p;
}

/**
 * Whether the G2 symbols are inverted on the channel by default for `rate`: true for the
 * rate-1/2 code, false for the punctured codes ("Symbol inversion: None").
 */
export function defaultInvertG2(rate: ConvRate): boolean {
  return rate === '1/2';
}

/** Parity (0 or 1) of the low 7 bits of `x`. */
export function parity7(x: number): number {
  let v = x & 0x7f;
  v ^= v >> 4;
  v ^= v >> 2;
  v ^= v >> 1;
  return v & 1;
}

/**
 * Number of transmitted symbols for `bits` input bits (tail included) at `rate`, starting at the
 * beginning of a puncturing period. A final partial period sends the symbols its bits allow.
 */
export function convSymbolCount(bits: number, rate: ConvRate = '1/2'): number {
  const p = puncturePattern(rate);
  const full = Math.floor(bits / p.periodBits);
  let n = full * p.symbolsPerPeriod;
  const rest = bits - full * p.periodBits;
  for (let i = 0; i < 2 * rest; i++) n += p.keep[i]!;
  return n;
}
