/**
 * The WebAssembly SIMD add-compare-select kernel of the Viterbi decoder for the CCSDS K = 7
 * convolutional code (CCSDS 131.0-B-4 section 3), written as assembler calls (see
 * `assembler.ts`) and assembled when first needed.
 *
 * Memory layout (imported memory `env.memory`):
 * - 0..127: the 64 path metrics as i16 (state s at byte 2s); eight i16x8 vectors V0..V7.
 * - 128..255: per butterfly group k = 0..3 the expected received symbols of butterflies
 *   8k..8k+7 as i16 lanes of 0 or 255: C1 mask at 128 + 32k, C2 mask at 144 + 32k.
 * - further areas (symbol pairs, output bits, decision ring) are passed as pointers.
 *
 * One trellis step: butterfly group k combines old states 8k..8k+7 (V_k) and 8k+32..8k+39
 * (V_{k+4}) into new states 16k..16k+15. Branch metric `bm = (s0 ^ M1) + (s1 ^ M2)` (libfec's
 * `|255 c - s|`), complement `510 - bm`; `min_s` keeps the survivor, `lt_s` makes the decision
 * (strictly better predecessor j + 32 → 1, ties → 0, as the TypeScript engine). The decisions of a
 * group are narrowed to bytes and collected with `i8x16.bitmask` into 16 bits: bit i is new
 * state 16k + 2i, bit 8 + i is new state 16k + 2i + 1; a step stores four such u16 (8 bytes).
 * Path metrics are 16-bit: every 8 steps all metrics are reduced by the metric of state 0 (the
 * spread of K = 7 metrics stays below 6 · 510 plus the start penalty, so no lane overflows and
 * all comparisons are exact); the amounts taken off are summed in an f64 global.
 */
import { assemble, Code, ValType } from './assembler.js';

const { i32, f64, v128 } = ValType;

/** Byte offset of the i16 path metrics. */
export const METRICS_PTR = 0;
/** Byte offset of the butterfly symbol masks. */
export const MASKS_PTR = 128;
/** First free byte after the fixed areas. */
export const FREE_PTR = 256;

const LO = [0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23];
const HI = [8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31];

function acsFunction(): Code {
  const params = [i32, i32, i32] as const; // symPtr, n, decPtr
  const c = new Code(params);
  const [sym, n, dec] = [0, 1, 2];
  const v = Array.from({ length: 8 }, () => c.local(v128));
  const w = Array.from({ length: 8 }, () => c.local(v128));
  const m1 = Array.from({ length: 4 }, () => c.local(v128));
  const m2 = Array.from({ length: 4 }, () => c.local(v128));
  const s0 = c.local(v128);
  const s1 = c.local(v128);
  const bm = c.local(v128);
  const cbm = c.local(v128);
  const t0 = c.local(v128);
  const t1 = c.local(v128);
  const t2 = c.local(v128);
  const t3 = c.local(v128);
  const e = c.local(v128);
  const o = c.local(v128);
  const c510 = c.local(v128);
  const cnt = c.local(i32);
  const x = c.local(i32);

  const renorm = (): void => {
    c.local_get(v[0]!).i16x8_extract_lane_s(0).local_set(x);
    c.global_get(0).local_get(x).f64_convert_i32_s().f64_add().global_set(0);
    c.local_get(x).i16x8_splat().local_set(t0);
    for (let i = 0; i < 8; i++) c.local_get(v[i]!).local_get(t0).i16x8_sub().local_set(v[i]!);
  };

  for (let i = 0; i < 8; i++)
    c.i32_const(0)
      .v128_load(METRICS_PTR + 16 * i)
      .local_set(v[i]!);
  for (let k = 0; k < 4; k++) {
    c.i32_const(0)
      .v128_load(MASKS_PTR + 32 * k)
      .local_set(m1[k]!);
    c.i32_const(0)
      .v128_load(MASKS_PTR + 32 * k + 16)
      .local_set(m2[k]!);
  }
  c.i32_const(510).i16x8_splat().local_set(c510);
  c.block().loop();
  c.local_get(n).i32_eqz().br_if(1);
  c.local_get(sym).i32_load8_u(0).i16x8_splat().local_set(s0);
  c.local_get(sym).i32_load8_u(1).i16x8_splat().local_set(s1);
  for (let k = 0; k < 4; k++) {
    c.local_get(s0).local_get(m1[k]!).v128_xor();
    c.local_get(s1).local_get(m2[k]!).v128_xor();
    c.i16x8_add().local_set(bm);
    c.local_get(c510).local_get(bm).i16x8_sub().local_set(cbm);
    c.local_get(v[k]!).local_get(bm).i16x8_add().local_set(t0); // from j, to 2j
    c.local_get(v[k + 4]!)
      .local_get(cbm)
      .i16x8_add()
      .local_set(t1); // from j+32, to 2j
    c.local_get(v[k]!).local_get(cbm).i16x8_add().local_set(t2); // from j, to 2j+1
    c.local_get(v[k + 4]!)
      .local_get(bm)
      .i16x8_add()
      .local_set(t3); // from j+32, to 2j+1
    c.local_get(t0).local_get(t1).i16x8_min_s().local_set(e);
    c.local_get(t2).local_get(t3).i16x8_min_s().local_set(o);
    c.local_get(dec);
    c.local_get(t1).local_get(t0).i16x8_lt_s();
    c.local_get(t3).local_get(t2).i16x8_lt_s();
    c.i8x16_narrow_i16x8_s()
      .i8x16_bitmask()
      .i32_store16(2 * k);
    c.local_get(e)
      .local_get(o)
      .i8x16_shuffle(LO)
      .local_set(w[2 * k]!);
    c.local_get(e)
      .local_get(o)
      .i8x16_shuffle(HI)
      .local_set(w[2 * k + 1]!);
  }
  for (let i = 0; i < 8; i++) c.local_get(w[i]!).local_set(v[i]!);
  c.local_get(sym).i32_const(2).i32_add().local_set(sym);
  c.local_get(dec).i32_const(8).i32_add().local_set(dec);
  c.local_get(n).i32_const(1).i32_sub().local_set(n);
  c.local_get(cnt).i32_const(1).i32_add().local_tee(cnt).i32_const(7).i32_and().i32_eqz().if();
  renorm();
  c.end();
  c.br(0).end().end();
  renorm();
  for (let i = 0; i < 8; i++)
    c.i32_const(0)
      .local_get(v[i]!)
      .v128_store(METRICS_PTR + 16 * i);
  return c;
}

function tracebackFunction(): Code {
  // ringPtr, cap, pos, state, skip, count, outPtr
  const c = new Code([i32, i32, i32, i32, i32, i32, i32]);
  const [ring, cap, pos, state, skip, count, out] = [0, 1, 2, 3, 4, 5, 6];
  const i = c.local(i32);
  const total = c.local(i32);
  const d = c.local(i32);
  c.local_get(skip).local_get(count).i32_add().local_set(total);
  c.block().loop();
  c.local_get(i).local_get(total).i32_ge_u().br_if(1);
  // Emit the bit of this step once past the skipped (newest) part.
  c.local_get(i).local_get(skip).i32_ge_u().if();
  c.local_get(out).local_get(total).i32_add().i32_const(1).i32_sub().local_get(i).i32_sub();
  c.local_get(state).i32_const(1).i32_and().i32_store8(0);
  c.end();
  // d = (u16 at ring + 8 pos + 2 (state >> 4)) >> (((state & 1) << 3) | ((state & 15) >> 1)) & 1
  c.local_get(ring).local_get(pos).i32_const(3).i32_shl().i32_add();
  c.local_get(state).i32_const(4).i32_shr_u().i32_const(1).i32_shl().i32_add();
  c.i32_load16_u(0);
  c.local_get(state).i32_const(1).i32_and().i32_const(3).i32_shl();
  c.local_get(state).i32_const(15).i32_and().i32_const(1).i32_shr_u().i32_or();
  c.i32_shr_u().i32_const(1).i32_and().local_set(d);
  c.local_get(state).i32_const(1).i32_shr_u().local_get(d).i32_const(5).i32_shl().i32_or();
  c.local_set(state);
  c.local_get(cap).i32_const(1).i32_sub();
  c.local_get(pos).i32_const(1).i32_sub();
  c.local_get(pos).i32_eqz().select().local_set(pos);
  c.local_get(i).i32_const(1).i32_add().local_set(i);
  c.br(0).end().end();
  return c;
}

function getOffsetFunction(): Code {
  return new Code([]).global_get(0);
}

function setZeroOffsetFunction(): Code {
  const c = new Code([]);
  c.i32_const(0).f64_convert_i32_s().global_set(0);
  return c;
}

/** Assembles the kernel module: exports `acs`, `traceback`, `offset`, `clearOffset`. */
export function viterbiKernelBytes(): Uint8Array<ArrayBuffer> {
  return assemble({
    importMemoryPages: 1,
    f64Globals: 1,
    funcs: [
      { name: 'acs', params: [i32, i32, i32], results: [], code: acsFunction() },
      {
        name: 'traceback',
        params: [i32, i32, i32, i32, i32, i32, i32],
        results: [],
        code: tracebackFunction(),
      },
      { name: 'offset', params: [], results: [f64], code: getOffsetFunction() },
      { name: 'clearOffset', params: [], results: [], code: setZeroOffsetFunction() },
    ],
  });
}
