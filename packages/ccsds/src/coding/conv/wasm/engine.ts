/**
 * The WebAssembly SIMD engine of the CCSDS 131.0-B-4 section 3 Viterbi decoder: compiles the
 * kernel assembled in `kernel.ts` once, and runs add-compare-select and traceback in it. Where
 * WebAssembly or its SIMD instructions are unavailable, {@link viterbiWasmModule} returns
 * undefined and the decoder falls back to the TypeScript engine.
 */
import { butterflyMasks, type ViterbiEngine } from '../engine.js';
import { FREE_PTR, MASKS_PTR, METRICS_PTR, viterbiKernelBytes } from './kernel.js';

interface KernelExports {
  acs(symPtr: number, n: number, decPtr: number): void;
  traceback(
    ringPtr: number,
    cap: number,
    pos: number,
    state: number,
    skip: number,
    count: number,
    outPtr: number,
  ): void;
  offset(): number;
  clearOffset(): void;
}

let cached: WebAssembly.Module | null | undefined;

/**
 * The compiled kernel, or undefined when this runtime has no WebAssembly SIMD. Compiles
 * synchronously on first use (a small module, allowed on browser main threads too); call
 * {@link loadViterbiWasm} first to compile asynchronously instead.
 */
export function viterbiWasmModule(): WebAssembly.Module | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  try {
    if (typeof WebAssembly !== 'object') return undefined;
    const bytes = viterbiKernelBytes();
    if (!WebAssembly.validate(bytes)) return undefined;
    cached = new WebAssembly.Module(bytes);
  } catch {
    cached = null;
  }
  return cached ?? undefined;
}

/**
 * Compiles the kernel asynchronously (if not done yet). Resolves to true when the WebAssembly
 * engine is available.
 */
export async function loadViterbiWasm(): Promise<boolean> {
  if (cached !== undefined) return cached !== null;
  try {
    if (typeof WebAssembly !== 'object') {
      cached = null;
      return false;
    }
    const bytes = viterbiKernelBytes();
    if (!WebAssembly.validate(bytes)) {
      cached = null;
      return false;
    }
    cached = await WebAssembly.compile(bytes);
  } catch {
    cached = null;
  }
  return cached !== null;
}

/** The WebAssembly SIMD engine (see `kernel.ts` for the layout). */
export class WasmViterbiEngine implements ViterbiEngine {
  readonly kind = 'wasm' as const;
  readonly capacity: number;
  readonly pairs: Uint8Array;
  private readonly k: KernelExports;
  private readonly metrics: Int16Array;
  private readonly out: Uint8Array;
  private readonly outPtr: number;
  private readonly ringPtr: number;
  private readonly pairsPtr = FREE_PTR;

  /**
   * @param module - the compiled kernel from {@link viterbiWasmModule}
   * @param capacity - ring capacity in steps
   * @param batch - size of the symbol-pair buffer in steps
   * @param invertG2 - whether received G2 symbols are inverted
   */
  constructor(module: WebAssembly.Module, capacity: number, batch: number, invertG2: boolean) {
    this.capacity = capacity;
    this.outPtr = this.pairsPtr + 2 * batch;
    this.ringPtr = (this.outPtr + capacity + 15) & ~15;
    const bytes = this.ringPtr + 8 * capacity;
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.k = instance.exports as unknown as KernelExports;
    const buf = memory.buffer;
    this.metrics = new Int16Array(buf, METRICS_PTR, 64);
    this.pairs = new Uint8Array(buf, this.pairsPtr, 2 * batch);
    this.out = new Uint8Array(buf, this.outPtr, capacity);
    const masks = new Int16Array(buf, MASKS_PTR, 64);
    const { m1, m2 } = butterflyMasks(invertG2);
    for (let k = 0; k < 4; k++) {
      for (let i = 0; i < 8; i++) {
        masks[16 * k + i] = m1[8 * k + i]!;
        masks[16 * k + 8 + i] = m2[8 * k + i]!;
      }
    }
  }

  reset(startState: number | undefined, penalty: number): void {
    this.metrics.fill(startState === undefined ? 0 : penalty);
    if (startState !== undefined) this.metrics[startState & 63] = 0;
    this.k.clearOffset();
  }

  acs(from: number, n: number, ringPos: number): void {
    this.k.acs(this.pairsPtr + 2 * from, n, this.ringPtr + 8 * ringPos);
  }

  bestState(): number {
    const m = this.metrics;
    let best = 0;
    for (let s = 1; s < 64; s++) if (m[s]! < m[best]!) best = s;
    return best;
  }

  pathMetric(state: number): number {
    return this.k.offset() + this.metrics[state & 63]!;
  }

  traceback(state: number, newestPos: number, skip: number, count: number, out: Uint8Array): void {
    this.k.traceback(this.ringPtr, this.capacity, newestPos, state & 63, skip, count, this.outPtr);
    out.set(this.out.subarray(0, count));
  }
}
