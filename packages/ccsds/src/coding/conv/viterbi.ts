/**
 * Viterbi decoding of the CCSDS convolutional code (CCSDS 131.0-B-4 section 3: rate 1/2, K = 7,
 * G1 = 171, G2 = 133 octal, and the punctured rates 2/3, 3/4, 5/6, 7/8).
 *
 * Input: soft symbols in libfec's convention (unsigned 8-bit, 0 = confident '0', 255 = confident
 * '1', 128 = no information), as received (G2 still inverted at rate 1/2), or hard symbols packed
 * one per bit. Punctured streams are given as transmitted; erasures (128) are re-inserted at the
 * punctured positions. The branch metric is libfec's `|255 c - s|`, so a terminated block decodes
 * to the same maximum-likelihood bits as libfec's `viterbi27`.
 *
 * - {@link ViterbiDecoder}: streaming, sliding-window traceback. Memory is bounded by
 *   (traceback depth + 1024) steps of 8 octets; a decided bit leaves the decoder once
 *   `tracebackDepth` (default 96 = about 14 K, enough for rate 7/8) newer steps have been seen,
 *   traced back from the best state.
 * - {@link decodeViterbiBlock}: a whole block with full traceback (from state 0 for a terminated
 *   block), which reproduces libfec's block decoder.
 * - {@link findViterbiAlignment}: resolves the symbol alignment (pair slip, puncturing phase) and
 *   the QPSK 90° rotation by comparing path-metric growth.
 *
 * Two engines make identical decisions: WebAssembly SIMD (`wasm/`) where available, else plain
 * TypeScript (`engine.ts`).
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../../core/index.js';
import {
  CONV_TAIL_BITS,
  type ConvRate,
  convSymbolCount,
  defaultInvertG2,
  puncturePattern,
} from './code.js';
import { MAX_START_PENALTY, START_PENALTY, TsViterbiEngine, type ViterbiEngine } from './engine.js';
import { viterbiWasmModule, WasmViterbiEngine } from './wasm/engine.js';

/** Which add-compare-select engine to use: 'auto' picks WebAssembly SIMD when available. */
export type ViterbiEngineChoice = 'auto' | 'ts' | 'wasm';

/** Default traceback depth in trellis steps (about 14 constraint lengths). */
export const DEFAULT_TRACEBACK_DEPTH = 96;

/** Steps decided per traceback in streaming mode (the sliding window advances by this much). */
export const VITERBI_OUTPUT_WINDOW = 1024;

/** Default largest block for {@link decodeViterbiBlock}, in input bits (tail included). */
export const DEFAULT_MAX_BLOCK_BITS = 1 << 20;

const BATCH = 4096;
const ERASURE = 128;

/** True when this runtime can run the WebAssembly SIMD engine. */
export function viterbiWasmAvailable(): boolean {
  return viterbiWasmModule() !== undefined;
}

function createEngine(
  choice: ViterbiEngineChoice,
  capacity: number,
  batch: number,
  invertG2: boolean,
): ViterbiEngine {
  if (choice === 'ts') return new TsViterbiEngine(capacity, batch, invertG2);
  const m = viterbiWasmModule();
  if (m !== undefined) return new WasmViterbiEngine(m, capacity, batch, invertG2);
  if (choice === 'wasm') {
    throw new CcsdsError(
      CcsdsErrorCode.UNSUPPORTED,
      'WebAssembly SIMD is not available in this runtime',
    );
  }
  return new TsViterbiEngine(capacity, batch, invertG2);
}

function checkEngine(choice: unknown): ViterbiEngineChoice {
  if (choice === undefined) return 'auto';
  if (choice === 'auto' || choice === 'ts' || choice === 'wasm') return choice;
  throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `unknown engine ${String(choice)}`);
}

function checkPenalty(p: number | undefined): number {
  if (p === undefined) return START_PENALTY;
  checkInteger(p, 0, MAX_START_PENALTY, 'startPenalty');
  return p;
}

function checkStart(s: number | 'unknown' | undefined): number | undefined {
  if (s === undefined) return 0;
  if (s === 'unknown') return undefined;
  checkInteger(s, 0, 63, 'startState');
  return s;
}

/** Options of {@link ViterbiDecoder}. */
export interface ViterbiDecoderOptions {
  /** Code rate (default '1/2'). Punctured input carries only the transmitted symbols. */
  rate?: ConvRate;
  /** Whether the received G2 symbols are inverted (default: true at rate 1/2, else false). */
  invertG2?: boolean;
  /** Traceback depth in steps, 12 to 65536 (default {@link DEFAULT_TRACEBACK_DEPTH}). */
  tracebackDepth?: number;
  /** Encoder state at the first symbol: 0..63 (default 0) or 'unknown' (joining a stream). */
  startState?: number | 'unknown';
  /**
   * Path-metric penalty of the states other than a known `startState`, 0 to 8192 (default
   * 4096, a hard constraint). 63 reproduces libfec's `init_viterbi27` bias exactly.
   */
  startPenalty?: number;
  /** Engine (default 'auto'). */
  engine?: ViterbiEngineChoice;
}

/** Options of {@link ViterbiDecoder.finish}. */
export interface ViterbiFinishOptions {
  /**
   * The stream ended with the 6 zero tail bits: trace back from state 0 and drop the tail from
   * the output (default false: trace back from the best state, output every step).
   */
  terminated?: boolean;
}

/**
 * Streaming Viterbi decoder with sliding-window traceback. {@link ViterbiDecoder.push} takes
 * soft symbols in any chunking and returns the decided bits as complete octets (MSB first);
 * {@link ViterbiDecoder.finish} flushes the rest. Output is delayed by the traceback depth.
 */
export class ViterbiDecoder {
  /** The code rate. */
  readonly rate: ConvRate;
  /** Whether the received G2 symbols are inverted. */
  readonly invertG2: boolean;
  /** Traceback depth in steps. */
  readonly tracebackDepth: number;
  /** The engine in use. */
  readonly engine: 'ts' | 'wasm';
  private readonly eng: ViterbiEngine;
  private readonly keep: Uint8Array;
  private readonly startState: number | undefined;
  private readonly startPenalty: number;
  private readonly cap: number;
  private readonly bits: Uint8Array;
  private keepPos = 0;
  private nPairs = 0;
  private ringPos = 0;
  private pending = 0;
  private totalSteps = 0;
  private acc = 0;
  private accBits = 0;
  private emitted = 0;
  private out: Uint8Array = new Uint8Array(0);
  private outLen = 0;

  /** @param options - rate, inversion, traceback depth, start state, engine */
  constructor(options: ViterbiDecoderOptions = {}) {
    this.rate = options.rate ?? '1/2';
    const p = puncturePattern(this.rate);
    this.invertG2 = options.invertG2 ?? defaultInvertG2(this.rate);
    this.tracebackDepth = options.tracebackDepth ?? DEFAULT_TRACEBACK_DEPTH;
    checkInteger(this.tracebackDepth, 12, 65536, 'tracebackDepth');
    this.startState = checkStart(options.startState);
    this.startPenalty = checkPenalty(options.startPenalty);
    this.keep = Uint8Array.from(p.keep);
    this.cap = this.tracebackDepth + VITERBI_OUTPUT_WINDOW;
    this.eng = createEngine(checkEngine(options.engine), this.cap, BATCH, this.invertG2);
    this.engine = this.eng.kind;
    this.bits = new Uint8Array(this.cap);
    this.reset();
  }

  /** Trellis steps (decoded bits, tail included) consumed since the start of the stream. */
  get steps(): number {
    return this.totalSteps;
  }

  /** Bits output since the start of the stream. */
  get decodedBits(): number {
    return this.emitted;
  }

  /**
   * Best accumulated path metric so far (sum of libfec branch metrics along the best path; 0 on
   * a noiseless channel). Its growth per step measures how well the input fits the code.
   */
  get pathMetric(): number {
    return this.eng.pathMetric(this.eng.bestState());
  }

  /** Starts a new stream (same options). */
  reset(): void {
    this.eng.reset(this.startState, this.startPenalty);
    this.keepPos = 0;
    this.nPairs = 0;
    this.ringPos = 0;
    this.pending = 0;
    this.totalSteps = 0;
    this.acc = 0;
    this.accBits = 0;
    this.emitted = 0;
  }

  /** Decodes soft symbols; returns the bits decided so far as whole octets, MSB first. */
  push(soft: Uint8Array): Uint8Array {
    this.beginOutput(soft.length + 1);
    const pairs = this.eng.pairs;
    const keep = this.keep;
    const period = keep.length;
    let kp = this.keepPos;
    let np = this.nPairs;
    for (let i = 0; i < soft.length; i++) {
      // Erasures for punctured positions before this symbol.
      while (keep[kp] === 0) {
        pairs[2 * np + (kp & 1)] = ERASURE;
        if ((kp & 1) === 1) np++;
        kp = kp + 1 === period ? 0 : kp + 1;
      }
      pairs[2 * np + (kp & 1)] = soft[i]!;
      if ((kp & 1) === 1) np++;
      kp = kp + 1 === period ? 0 : kp + 1;
      // Complete the pair at once when its C2 is punctured.
      if ((kp & 1) === 1 && keep[kp] === 0) {
        pairs[2 * np + 1] = ERASURE;
        np++;
        kp = kp + 1 === period ? 0 : kp + 1;
      }
      if (np === BATCH) {
        // A half-filled pair cannot exist here: BATCH is reached only when a pair completes.
        this.run(np);
        np = 0;
      }
    }
    if (np > 0) {
      // Keep a started pair: move its C1 to the front after the full pairs are decoded.
      const halfC1 = (kp & 1) === 1 ? pairs[2 * np]! : -1;
      this.run(np);
      if (halfC1 >= 0) pairs[0] = halfC1;
      np = 0;
    }
    this.keepPos = kp;
    this.nPairs = np;
    return this.takeOutput();
  }

  /** Decodes hard symbols, one per bit MSB first (every bit of `packed` is a symbol). */
  pushHard(packed: Uint8Array): Uint8Array {
    const soft = new Uint8Array(packed.length * 8);
    for (let i = 0; i < soft.length; i++) soft[i] = ((packed[i >> 3]! >> (7 - (i & 7))) & 1) * 255;
    return this.push(soft);
  }

  /**
   * Ends the stream: traces back over the remaining steps and returns the remaining bits (the
   * last octet zero-padded; see {@link ViterbiDecoder.decodedBits} for the exact count). A final
   * symbol pair that is incomplete is discarded. The decoder is reset afterwards.
   */
  finish(options: ViterbiFinishOptions = {}): Uint8Array {
    const terminated = options.terminated === true;
    this.beginOutput(0);
    if (terminated && this.totalSteps < CONV_TAIL_BITS) {
      const steps = this.totalSteps;
      this.reset();
      throw new CcsdsError(
        CcsdsErrorCode.TRUNCATED,
        `terminated stream needs at least ${CONV_TAIL_BITS} steps, got ${steps}`,
      );
    }
    if (this.pending > 0) {
      const state = terminated ? 0 : this.eng.bestState();
      const newest = (this.ringPos - 1 + this.cap) % this.cap;
      this.eng.traceback(state, newest, 0, this.pending, this.bits);
      this.emit(this.pending - (terminated ? CONV_TAIL_BITS : 0));
    }
    if (this.accBits > 0) {
      this.out[this.outLen++] = (this.acc << (8 - this.accBits)) & 0xff;
    }
    const result = this.out.slice(0, this.outLen);
    const emitted = this.emitted;
    this.reset();
    this.emitted = emitted;
    return result;
  }

  private beginOutput(maxNewSteps: number): void {
    const need = ((this.accBits + this.pending + maxNewSteps) >> 3) + 2;
    if (this.out.length < need) this.out = new Uint8Array(need);
    this.outLen = 0;
  }

  private takeOutput(): Uint8Array {
    return this.out.slice(0, this.outLen);
  }

  private run(nPairs: number): void {
    const cap = this.cap;
    let from = 0;
    while (from < nPairs) {
      const k = Math.min(nPairs - from, cap - this.ringPos, cap - this.pending);
      this.eng.acs(from, k, this.ringPos);
      this.ringPos += k;
      if (this.ringPos === cap) this.ringPos = 0;
      this.pending += k;
      this.totalSteps += k;
      from += k;
      if (this.pending === cap) {
        const newest = (this.ringPos - 1 + cap) % cap;
        this.eng.traceback(
          this.eng.bestState(),
          newest,
          this.tracebackDepth,
          VITERBI_OUTPUT_WINDOW,
          this.bits,
        );
        this.emit(VITERBI_OUTPUT_WINDOW);
        this.pending -= VITERBI_OUTPUT_WINDOW;
      }
    }
  }

  private emit(count: number): void {
    const bits = this.bits;
    const out = this.out;
    let acc = this.acc;
    let accBits = this.accBits;
    let n = this.outLen;
    for (let i = 0; i < count; i++) {
      acc = (acc << 1) | bits[i]!;
      if (++accBits === 8) {
        out[n++] = acc;
        acc = 0;
        accBits = 0;
      }
    }
    this.acc = acc;
    this.accBits = accBits;
    this.outLen = n;
    this.emitted += count;
  }
}

/** Options of {@link decodeViterbiBlock}. */
export interface ViterbiBlockOptions {
  /** Number of information bits to return. */
  infoBits: number;
  /** Code rate (default '1/2'). */
  rate?: ConvRate;
  /** Whether the received G2 symbols are inverted (default: true at rate 1/2, else false). */
  invertG2?: boolean;
  /**
   * The block ends with 6 zero tail bits (default true): `soft` then holds the symbols of
   * `infoBits + 6` input bits and the traceback starts from state 0. Otherwise from the best state.
   */
  terminated?: boolean;
  /** Encoder state at the first symbol: 0..63 (default 0) or 'unknown'. */
  startState?: number | 'unknown';
  /**
   * Path-metric penalty of the states other than a known `startState`, 0 to 8192 (default
   * 4096, a hard constraint). 63 reproduces libfec's `init_viterbi27` bias exactly.
   */
  startPenalty?: number;
  /** Engine (default 'auto'). */
  engine?: ViterbiEngineChoice;
  /** Largest accepted block in input bits, tail included (default {@link DEFAULT_MAX_BLOCK_BITS}). */
  maxBits?: number;
}

const MAX_CACHED_BLOCK = 1 << 16;
const blockEngines = new Map<string, ViterbiEngine>();

function blockEngine(choice: ViterbiEngineChoice, steps: number, invertG2: boolean): ViterbiEngine {
  const kind = choice === 'ts' ? 'ts' : viterbiWasmAvailable() ? 'wasm' : 'ts';
  if (choice === 'wasm' && kind === 'ts') return createEngine('wasm', steps, BATCH, invertG2);
  const key = `${kind}:${invertG2 ? 1 : 0}`;
  const cachedEngine = blockEngines.get(key);
  if (cachedEngine !== undefined && cachedEngine.capacity >= steps) return cachedEngine;
  const capacity = Math.max(steps, 8192);
  const e = createEngine(kind, capacity, BATCH, invertG2);
  // Keep small engines for reuse; large blocks get a one-off engine.
  if (capacity <= MAX_CACHED_BLOCK) blockEngines.set(key, e);
  return e;
}

/**
 * Decodes one block with full traceback: the maximum-likelihood input given the start state
 * and, for a terminated block, the end state 0. `soft` holds exactly the transmitted soft symbols
 * of the block (punctured positions absent). Returns `infoBits` bits packed MSB first.
 * Throws `TRUNCATED` when `soft` is too short, `INVALID_ARGUMENT` when it is too long, and
 * `LIMIT_EXCEEDED` above `maxBits`.
 */
export function decodeViterbiBlock(soft: Uint8Array, options: ViterbiBlockOptions): Uint8Array {
  const rate = options.rate ?? '1/2';
  const p = puncturePattern(rate);
  const invertG2 = options.invertG2 ?? defaultInvertG2(rate);
  const terminated = options.terminated ?? true;
  const maxBits = options.maxBits ?? DEFAULT_MAX_BLOCK_BITS;
  checkInteger(maxBits, 1, 1 << 26, 'maxBits');
  checkInteger(options.infoBits, 0, Number.MAX_SAFE_INTEGER, 'infoBits');
  const start = checkStart(options.startState);
  const penalty = checkPenalty(options.startPenalty);
  const choice = checkEngine(options.engine);
  const steps = options.infoBits + (terminated ? CONV_TAIL_BITS : 0);
  if (steps > maxBits) {
    throw new CcsdsError(
      CcsdsErrorCode.LIMIT_EXCEEDED,
      `block of ${steps} bits exceeds the limit of ${maxBits}`,
    );
  }
  const expected = convSymbolCount(steps, rate);
  if (soft.length < expected) {
    throw new CcsdsError(
      CcsdsErrorCode.TRUNCATED,
      `block needs ${expected} soft symbols, got ${soft.length}`,
      { offset: soft.length },
    );
  }
  if (soft.length > expected) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `block of ${steps} bits has ${expected} soft symbols, got ${soft.length}`,
    );
  }
  if (steps === 0) return new Uint8Array(0);
  const eng = blockEngine(choice, steps, invertG2);
  eng.reset(start, penalty);
  const pairs = eng.pairs;
  const keep = p.keep;
  let kp = 0;
  let si = 0;
  let done = 0;
  while (done < steps) {
    const n = Math.min(BATCH, steps - done);
    for (let j = 0; j < n; j++) {
      pairs[2 * j] = keep[kp] === 1 ? soft[si++]! : ERASURE;
      pairs[2 * j + 1] = keep[kp + 1] === 1 ? soft[si++]! : ERASURE;
      kp += 2;
      if (kp === keep.length) kp = 0;
    }
    eng.acs(0, n, done);
    done += n;
  }
  const bits = new Uint8Array(steps);
  eng.traceback(terminated ? 0 : eng.bestState(), steps - 1, 0, steps, bits);
  const out = new Uint8Array((options.infoBits + 7) >> 3);
  for (let i = 0; i < options.infoBits; i++) out[i >> 3]! |= bits[i]! << (7 - (i & 7));
  return out;
}

/**
 * Re-inserts erasures (128) at the punctured positions: returns the mother-code symbol pairs
 * (C1, C2 per input bit) for `steps` input bits from a stream starting at a puncturing period.
 * Throws `TRUNCATED` when `received` holds fewer symbols than `steps` need.
 */
export function depuncture(received: Uint8Array, rate: ConvRate, steps?: number): Uint8Array {
  const p = puncturePattern(rate);
  let n = steps;
  if (n === undefined) {
    // As many whole steps as the symbols give.
    const periods = Math.floor(received.length / p.symbolsPerPeriod);
    n = periods * p.periodBits;
    let left = received.length - periods * p.symbolsPerPeriod;
    for (let t = 0; t < p.periodBits && left > 0; t++) {
      const need = p.keep[2 * t]! + p.keep[2 * t + 1]!;
      if (need > left) break;
      left -= need;
      n++;
    }
  }
  checkInteger(n, 0, Number.MAX_SAFE_INTEGER, 'steps');
  const needed = convSymbolCount(n, rate);
  if (received.length < needed) {
    throw new CcsdsError(
      CcsdsErrorCode.TRUNCATED,
      `${n} steps need ${needed} symbols, got ${received.length}`,
      { offset: received.length },
    );
  }
  const out = new Uint8Array(2 * n);
  let kp = 0;
  let si = 0;
  for (let i = 0; i < 2 * n; i++) {
    out[i] = p.keep[kp] === 1 ? received[si++]! : ERASURE;
    kp = kp + 1 === p.keep.length ? 0 : kp + 1;
  }
  return out;
}

/**
 * Undoes a QPSK 90° rotation on a soft symbol stream taken as (I, Q) pairs: (x, y) becomes
 * (255 - y, x). (A 180° rotation needs no undoing for decoding: the CCSDS code is transparent,
 * so an inverted stream decodes to the complemented data, found by the complemented ASM.)
 */
export function unrotateQpsk(soft: Uint8Array): Uint8Array {
  const out = new Uint8Array(soft.length & ~1);
  for (let i = 0; i + 1 < soft.length; i += 2) {
    out[i] = 255 - soft[i + 1]!;
    out[i + 1] = soft[i]!;
  }
  return out;
}

/** One hypothesis tried by {@link findViterbiAlignment}. */
export interface ViterbiAlignmentCandidate {
  /** Symbols to skip at the start of the stream (after undoing any rotation). */
  offset: number;
  /** Whether the QPSK 90° rotation was undone ({@link unrotateQpsk}). */
  rotated: boolean;
  /**
   * Growth per decoded step of the best path metric beyond its lower bound (every symbol at its
   * own hard decision, punctured positions at 127): 0 when the hard decisions form a code
   * sequence, small with channel errors, large when misaligned.
   */
  metricPerStep: number;
}

/** Options of {@link findViterbiAlignment}. */
export interface ViterbiAlignmentOptions {
  /** Code rate (default '1/2'). */
  rate?: ConvRate;
  /** Whether the received G2 symbols are inverted (default as the rate specifies). */
  invertG2?: boolean;
  /** Most symbols to examine per hypothesis (default 2048, at least 64). */
  maxSymbols?: number;
  /** Also try the QPSK 90° rotation (default false). */
  qpsk?: boolean;
  /** Engine (default 'auto'). */
  engine?: ViterbiEngineChoice;
}

/** Result of {@link findViterbiAlignment}. */
export interface ViterbiAlignment extends ViterbiAlignmentCandidate {
  /** Every hypothesis, best first. */
  candidates: ViterbiAlignmentCandidate[];
}

/**
 * Resolves the symbol-pair (and puncturing-phase) ambiguity of a soft stream whose start is
 * unknown: tries every symbol offset within one puncturing period (2 at rate 1/2) and, with
 * `qpsk`, the 90° rotation, decodes the start of the stream from an unknown state with each,
 * and picks the one whose best path metric grows least per step. Decode the stream as
 * `soft.subarray(offset)` (after {@link unrotateQpsk} if `rotated`). The 180° phase is not a
 * hypothesis: it gives complemented data with the same metric, to be resolved by the ASM.
 * Throws `TRUNCATED` when fewer than 64 symbols are given.
 */
export function findViterbiAlignment(
  soft: Uint8Array,
  options: ViterbiAlignmentOptions = {},
): ViterbiAlignment {
  const rate = options.rate ?? '1/2';
  const p = puncturePattern(rate);
  const maxSymbols = options.maxSymbols ?? 2048;
  checkInteger(maxSymbols, 64, 1 << 24, 'maxSymbols');
  if (soft.length < 64) {
    throw new CcsdsError(
      CcsdsErrorCode.TRUNCATED,
      `alignment needs at least 64 symbols, got ${soft.length}`,
      { offset: soft.length },
    );
  }
  const candidates: ViterbiAlignmentCandidate[] = [];
  const rotations = options.qpsk === true ? [false, true] : [false];
  for (const rotated of rotations) {
    const stream = rotated ? unrotateQpsk(soft) : soft;
    for (let offset = 0; offset < p.symbolsPerPeriod; offset++) {
      const dec = new ViterbiDecoder({
        rate,
        startState: 'unknown',
        ...(options.invertG2 === undefined ? {} : { invertG2: options.invertG2 }),
        ...(options.engine === undefined ? {} : { engine: options.engine }),
      });
      const part = stream.subarray(offset, Math.min(stream.length, offset + maxSymbols));
      dec.push(part);
      const steps = dec.steps;
      // Excess over the unconstrained bound: each symbol costs at least min(s, 255 - s) on
      // any path, each punctured position at least 127.
      const used = Math.min(part.length, convSymbolCount(steps, rate));
      let floor = 127 * Math.max(0, 2 * steps - used);
      for (let i = 0; i < used; i++) floor += Math.min(part[i]!, 255 - part[i]!);
      candidates.push({
        offset,
        rotated,
        metricPerStep: steps === 0 ? Infinity : (dec.pathMetric - floor) / steps,
      });
    }
  }
  candidates.sort((a, b) => a.metricPerStep - b.metricPerStep);
  const best = candidates[0]!;
  return { ...best, candidates };
}
