/**
 * Soft-decision decoding of the LDPC codes of CCSDS 131.0-B-4 (TM Synchronization and Channel
 * Coding) section 7: layered normalized min-sum over the full parity check matrix.
 *
 * Input is one received codeword of `n` soft values in transmitted order, as log-likelihood
 * ratios (positive means 0 is more likely; any scale, since min-sum is scale invariant) or as
 * libfec-style 8-bit soft symbols (0 confident 0, 255 confident 1, 128 no information). The C2
 * virtual fill bits enter as known zeros, the AR4JA punctured bits as erasures, and C2's two
 * trailing fill bits are ignored. Decoding stops as soon as the hard decisions satisfy every
 * parity check (checked before the first iteration as well) or after `maxIterations`; `ok` is
 * true only when they do, so a result with `ok` is always a codeword.
 *
 * All state is allocated once per decoder: an iteration allocates nothing.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../../core/index.js';
import { type LdpcCode, type LdpcCodeName, resolveLdpcCode } from './codes.js';

/** Options of {@link LdpcDecoder}. */
export interface LdpcDecoderOptions {
  /** Largest number of iterations (1..1000, default 50). */
  maxIterations?: number;
  /** Normalization factor of the check-node minimum (0 < α ≤ 1, default 0.75). */
  normalization?: number;
}

/** Result of one decode. */
export interface LdpcDecodeResult {
  /** True when the decided word satisfies every parity check of H. */
  ok: boolean;
  /** Iterations run (0 when the channel hard decisions were already a codeword). */
  iterations: number;
  /** The decided information block, `k / 8` octets (a best guess when `ok` is false). */
  data: Uint8Array;
}

/** Default largest number of iterations. */
export const LDPC_DEFAULT_MAX_ITERATIONS = 50;

/** Default normalization factor of the min-sum check-node update. */
export const LDPC_DEFAULT_NORMALIZATION = 0.75;

/** Magnitude given to known (virtual fill) bits and the clamp for infinite inputs. */
const KNOWN = 1e30;
const CLAMP = 1e20;

/** Decoder of one code; reuse it for every codeword of that code. */
export class LdpcDecoder {
  /** The code. */
  readonly code: LdpcCode;
  /** Largest number of iterations. */
  readonly maxIterations: number;
  /** Normalization factor. */
  readonly normalization: number;
  private readonly posterior: Float64Array;
  private readonly messages: Float64Array;
  private readonly scratch: Float64Array;

  /**
   * @param code - the code or its name
   * @param options - iteration limit and normalization
   * @throws CcsdsError `INVALID_ARGUMENT` for options out of range
   */
  constructor(code: LdpcCode | LdpcCodeName, options: LdpcDecoderOptions = {}) {
    this.code = resolveLdpcCode(code);
    this.maxIterations = options.maxIterations ?? LDPC_DEFAULT_MAX_ITERATIONS;
    checkInteger(this.maxIterations, 1, 1000, 'maxIterations');
    this.normalization = options.normalization ?? LDPC_DEFAULT_NORMALIZATION;
    if (!(this.normalization > 0 && this.normalization <= 1)) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `normalization must be in (0, 1], got ${this.normalization}`,
      );
    }
    const c = this.code;
    this.posterior = new Float64Array(c.columns);
    this.messages = new Float64Array(c.edgeColumn.length);
    let widest = 0;
    for (let r = 0; r < c.rows; r++) widest = Math.max(widest, c.rowStart[r + 1]! - c.rowStart[r]!);
    this.scratch = new Float64Array(widest);
  }

  /**
   * Decodes one codeword of `n` log-likelihood ratios (positive: 0 more likely).
   * @throws CcsdsError `INVALID_ARGUMENT` when the length is not `n` or a value is NaN
   */
  decodeLlr(llr: Float32Array | Float64Array | Int8Array | Int16Array): LdpcDecodeResult {
    this.checkLength(llr.length);
    const { leadingFill } = this.code;
    const L = this.posterior;
    const sent = this.code.n - this.code.trailingFill;
    for (let t = 0; t < sent; t++) {
      const v = llr[t]!;
      if (Number.isNaN(v)) {
        throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `LLR ${t} is NaN`, { offset: t });
      }
      L[leadingFill + t] = v > CLAMP ? CLAMP : v < -CLAMP ? -CLAMP : v;
    }
    return this.run();
  }

  /**
   * Decodes one codeword of `n` 8-bit soft symbols: 0 confident 0, 255 confident 1, 128 erasure.
   * @throws CcsdsError `INVALID_ARGUMENT` when the length is not `n`
   */
  decodeSoftSymbols(soft: Uint8Array): LdpcDecodeResult {
    this.checkLength(soft.length);
    const { leadingFill } = this.code;
    const L = this.posterior;
    const sent = this.code.n - this.code.trailingFill;
    for (let t = 0; t < sent; t++) L[leadingFill + t] = 128 - soft[t]!;
    return this.run();
  }

  /**
   * Decodes one codeword of hard decisions packed MSB first (`n / 8` octets).
   * @throws CcsdsError `INVALID_ARGUMENT` when the length is not `n / 8` octets
   */
  decodeHard(bits: Uint8Array): LdpcDecodeResult {
    if (bits.length * 8 !== this.code.n) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `${this.code.name} codeword is ${this.code.n / 8} octets, got ${bits.length}`,
      );
    }
    const { leadingFill } = this.code;
    const L = this.posterior;
    const sent = this.code.n - this.code.trailingFill;
    for (let t = 0; t < sent; t++)
      L[leadingFill + t] = (bits[t >>> 3]! >>> (7 - (t & 7))) & 1 ? -1 : 1;
    return this.run();
  }

  private checkLength(length: number): void {
    if (length !== this.code.n) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `${this.code.name} codeword is ${this.code.n} soft values, got ${length}`,
      );
    }
  }

  /** Runs the decoder on the channel values already in `posterior`. */
  private run(): LdpcDecodeResult {
    const c = this.code;
    const L = this.posterior;
    for (let i = 0; i < c.leadingFill; i++) L[i] = KNOWN;
    for (let i = c.columns - c.punctured; i < c.columns; i++) L[i] = 0;
    const R = this.messages;
    R.fill(0);
    const Q = this.scratch;
    const rowStart = c.rowStart;
    const edgeColumn = c.edgeColumn;
    const rows = c.rows;
    const alpha = this.normalization;
    let iterations = 0;
    let ok = this.syndromeZero();
    while (!ok && iterations < this.maxIterations) {
      iterations++;
      for (let r = 0; r < rows; r++) {
        const s = rowStart[r]!;
        const end = rowStart[r + 1]!;
        let min1 = Infinity;
        let min2 = Infinity;
        let sign = 0;
        // Branch-free: the data-dependent comparisons of min-sum mispredict half the time.
        for (let e = s; e < end; e++) {
          const q = L[edgeColumn[e]!]! - R[e]!;
          Q[e - s] = q;
          const a = Math.abs(q);
          sign ^= +(q < 0);
          min2 = Math.min(min2, Math.max(min1, a));
          min1 = Math.min(min1, a);
        }
        // The edge holding the minimum gets the second minimum (equal magnitudes tie to it).
        const m1 = alpha * min1;
        const dm = alpha * min2 - m1;
        for (let e = s; e < end; e++) {
          const q = Q[e - s]!;
          const mag = m1 + dm * +(Math.abs(q) === min1);
          const msg = mag * (1 - 2 * (sign ^ +(q < 0)));
          R[e] = msg;
          L[edgeColumn[e]!] = q + msg;
        }
      }
      ok = this.syndromeZero();
    }
    const data = new Uint8Array(c.k / 8);
    const base = c.leadingFill;
    for (let i = 0; i < c.k; i++)
      if (L[base + i]! < 0) data[i >>> 3] = data[i >>> 3]! | (0x80 >>> (i & 7));
    return { ok, iterations, data };
  }

  /** True when the hard decisions of the posteriors satisfy every parity check. */
  private syndromeZero(): boolean {
    const c = this.code;
    const L = this.posterior;
    const rowStart = c.rowStart;
    const edgeColumn = c.edgeColumn;
    for (let r = 0; r < c.rows; r++) {
      let parity = 0;
      for (let e = rowStart[r]!; e < rowStart[r + 1]!; e++) if (L[edgeColumn[e]!]! < 0) parity ^= 1;
      if (parity !== 0) return false;
    }
    return true;
  }
}

/** Decodes one codeword of LLRs with a decoder built for the call (see {@link LdpcDecoder}). */
export function ldpcDecode(
  code: LdpcCode | LdpcCodeName,
  llr: Float32Array | Float64Array | Int8Array | Int16Array,
  options: LdpcDecoderOptions = {},
): LdpcDecodeResult {
  return new LdpcDecoder(code, options).decodeLlr(llr);
}
