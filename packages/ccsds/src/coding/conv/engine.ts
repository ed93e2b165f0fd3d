/**
 * Add-compare-select engines of the Viterbi decoder for the CCSDS K = 7 convolutional code
 * (CCSDS 131.0-B-4 section 3). An engine holds the 64 path metrics and a ring of survivor
 * decisions; the sliding-window logic that drives it lives in `viterbi.ts` and is shared by the
 * plain TypeScript engine here and the WebAssembly SIMD engine in `wasm/engine.ts`, which make
 * bit-identical decisions (same metric, same tie rule, exact integer arithmetic).
 *
 * Trellis: state = the last 6 input bits, newest in bit 0. New state `2j + b` is reached from
 * `j` and from `j + 32`; the butterfly of `j` has one branch metric `bm` (the symbols of register
 * `2j`) and its complement `510 - bm`. Branch metric: libfec's linear distance
 * `|255 c - s|` summed over the two soft symbols (0 = confident 0, 255 = confident 1), minimised.
 * Ties keep the predecessor `j` (decision 0).
 */
import { acsUnrolled } from './acs-unrolled.js';
import { CONV_G1_MASK, CONV_G2_MASK, parity7 } from './code.js';

/**
 * Default initial penalty of the states other than a known start state. Any value above
 * 6 · 510 acts as infinity for K = 7 (a hard start-state constraint); libfec uses 63.
 */
export const START_PENALTY = 4096;

/** Largest start penalty the 16-bit SIMD metrics allow. */
export const MAX_START_PENALTY = 8192;

/** The interface both engines implement. */
export interface ViterbiEngine {
  /** 'ts' or 'wasm'. */
  readonly kind: 'ts' | 'wasm';
  /** Ring capacity in trellis steps. */
  readonly capacity: number;
  /** Symbol-pair input buffer: two soft symbols per step (C1 then C2 as received). */
  readonly pairs: Uint8Array;
  /**
   * Sets the path metrics for a known start state (0..63: 0 there, `penalty` elsewhere) or, with
   * undefined, all equal.
   */
  reset(startState: number | undefined, penalty: number): void;
  /** Runs `n` steps on pairs[2*from ...], writing decisions at ring positions `ringPos ...` (no wrap). */
  acs(from: number, n: number, ringPos: number): void;
  /** The state with the smallest path metric (lowest index on ties). */
  bestState(): number;
  /** Accumulated path metric of `state` (exact, renormalisation undone). */
  pathMetric(state: number): number;
  /**
   * Traces back from `state` at ring position `newestPos` over `skip + count` steps and writes the
   * input bits (0/1) of the `count` oldest of them into `out[0 .. count-1]` in time order.
   */
  traceback(state: number, newestPos: number, skip: number, count: number, out: Uint8Array): void;
}

/**
 * Per-butterfly expected received symbols, as 0/255 masks: entry j is what the channel carries
 * for register `2j` (G2 inverted when `invertG2`).
 */
export function butterflyMasks(invertG2: boolean): { m1: Uint8Array; m2: Uint8Array } {
  const m1 = new Uint8Array(32);
  const m2 = new Uint8Array(32);
  for (let j = 0; j < 32; j++) {
    m1[j] = parity7((j << 1) & CONV_G1_MASK) * 255;
    m2[j] = (parity7((j << 1) & CONV_G2_MASK) ^ (invertG2 ? 1 : 0)) * 255;
  }
  return { m1, m2 };
}

/**
 * The plain TypeScript engine: Int32 path metrics, two 32-bit decision words per step, the
 * add-compare-select loop unrolled per butterfly (`acs-unrolled.ts`).
 */
export class TsViterbiEngine implements ViterbiEngine {
  readonly kind = 'ts' as const;
  readonly capacity: number;
  readonly pairs: Uint8Array;
  private readonly m = new Int32Array(64);
  private readonly ring: Int32Array;
  private readonly inv: number;
  private offset = 0;

  /**
   * @param capacity - ring capacity in steps
   * @param batch - size of the symbol-pair buffer in steps
   * @param invertG2 - whether received G2 symbols are inverted
   */
  constructor(capacity: number, batch: number, invertG2: boolean) {
    this.capacity = capacity;
    this.pairs = new Uint8Array(2 * batch);
    this.ring = new Int32Array(2 * capacity);
    this.inv = invertG2 ? 255 : 0;
  }

  reset(startState: number | undefined, penalty: number): void {
    this.m.fill(startState === undefined ? 0 : penalty);
    if (startState !== undefined) this.m[startState & 63] = 0;
    this.offset = 0;
  }

  acs(from: number, n: number, ringPos: number): void {
    this.offset += acsUnrolled(this.pairs, from, n, this.ring, ringPos, this.m, this.inv);
  }

  bestState(): number {
    const m = this.m;
    let best = 0;
    for (let s = 1; s < 64; s++) if (m[s]! < m[best]!) best = s;
    return best;
  }

  pathMetric(state: number): number {
    return this.offset + this.m[state & 63]!;
  }

  traceback(state: number, newestPos: number, skip: number, count: number, out: Uint8Array): void {
    const ring = this.ring;
    const cap = this.capacity;
    let s = state & 63;
    let pos = newestPos;
    const total = skip + count;
    for (let i = 0; i < total; i++) {
      if (i >= skip) out[total - 1 - i] = s & 1;
      const d = (ring[2 * pos + (s >> 5)]! >>> (s & 31)) & 1;
      s = (s >> 1) | (d << 5);
      pos = pos === 0 ? cap - 1 : pos - 1;
    }
  }
}
