/**
 * A very small WebAssembly binary assembler (WebAssembly Core Specification 2.0, binary format
 * section 5, with the fixed-width SIMD instructions): enough to write the Viterbi kernel of
 * CCSDS 131.0-B-4 section 3 decoding as readable, WAT-named instruction calls and turn it into
 * module bytes at run time. Keeping the kernel as source here means no prebuilt binary is stored
 * in the repository and no build step or tool is needed.
 */

/** Value types. */
export const ValType = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
/** One of {@link ValType}. */
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s: string): number[] {
  const b = Array.from(new TextEncoder().encode(s));
  return [...uleb(b.length), ...b];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Builds one function body; instruction methods follow the WAT names (`.` → `_`). */
export class Code {
  /** The encoded instructions. */
  readonly bytes: number[] = [];
  private readonly localTypes: ValType[] = [];
  private readonly paramCount: number;

  /** @param params - parameter types (locals 0 .. params.length-1) */
  constructor(params: readonly ValType[]) {
    this.paramCount = params.length;
  }

  /** Declares a local and returns its index. */
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.paramCount + this.localTypes.length - 1;
  }

  /** The encoded locals declaration followed by the body and `end`. */
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.localTypes) groups.push([1, t]);
    const body = [...vec(groups), ...this.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  }

  private op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  private simd(code: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(code), ...imm);
  }

  // Control.
  /** `block` with no result. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  /** `loop` with no result. */
  loop(): this {
    return this.op(0x03, 0x40);
  }
  /** `if` with no result. */
  if(): this {
    return this.op(0x04, 0x40);
  }
  /** `end`. */
  end(): this {
    return this.op(0x0b);
  }
  /** `br label`. */
  br(label: number): this {
    return this.op(0x0c, ...uleb(label));
  }
  /** `br_if label`. */
  br_if(label: number): this {
    return this.op(0x0d, ...uleb(label));
  }
  /** `select`. */
  select(): this {
    return this.op(0x1b);
  }

  // Variables.
  /** `local.get`. */
  local_get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  /** `local.set`. */
  local_set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  /** `local.tee`. */
  local_tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  /** `global.get`. */
  global_get(i: number): this {
    return this.op(0x23, ...uleb(i));
  }
  /** `global.set`. */
  global_set(i: number): this {
    return this.op(0x24, ...uleb(i));
  }

  // Memory (align given as log2).
  /** `i32.load8_u offset`. */
  i32_load8_u(offset = 0): this {
    return this.op(0x2d, 0, ...uleb(offset));
  }
  /** `i32.load16_u offset`. */
  i32_load16_u(offset = 0): this {
    return this.op(0x2f, 1, ...uleb(offset));
  }
  /** `i32.store8 offset`. */
  i32_store8(offset = 0): this {
    return this.op(0x3a, 0, ...uleb(offset));
  }
  /** `i32.store16 offset`. */
  i32_store16(offset = 0): this {
    return this.op(0x3b, 1, ...uleb(offset));
  }
  /** `v128.load offset`. */
  v128_load(offset = 0): this {
    return this.simd(0x00, 4, ...uleb(offset));
  }
  /** `v128.store offset`. */
  v128_store(offset = 0): this {
    return this.simd(0x0b, 4, ...uleb(offset));
  }

  // Numeric.
  /** `i32.const`. */
  i32_const(n: number): this {
    return this.op(0x41, ...sleb(n));
  }
  /** `i32.eqz`. */
  i32_eqz(): this {
    return this.op(0x45);
  }
  /** `i32.eq`. */
  i32_eq(): this {
    return this.op(0x46);
  }
  /** `i32.ge_u`. */
  i32_ge_u(): this {
    return this.op(0x4f);
  }
  /** `i32.add`. */
  i32_add(): this {
    return this.op(0x6a);
  }
  /** `i32.sub`. */
  i32_sub(): this {
    return this.op(0x6b);
  }
  /** `i32.and`. */
  i32_and(): this {
    return this.op(0x71);
  }
  /** `i32.or`. */
  i32_or(): this {
    return this.op(0x72);
  }
  /** `i32.shl`. */
  i32_shl(): this {
    return this.op(0x74);
  }
  /** `i32.shr_u`. */
  i32_shr_u(): this {
    return this.op(0x76);
  }
  /** `f64.add`. */
  f64_add(): this {
    return this.op(0xa0);
  }
  /** `f64.convert_i32_s`. */
  f64_convert_i32_s(): this {
    return this.op(0xb7);
  }

  // SIMD.
  /** `i8x16.shuffle` with 16 lane indices. */
  i8x16_shuffle(lanes: readonly number[]): this {
    return this.simd(0x0d, ...lanes);
  }
  /** `i16x8.splat`. */
  i16x8_splat(): this {
    return this.simd(0x10);
  }
  /** `i16x8.extract_lane_s lane`. */
  i16x8_extract_lane_s(lane: number): this {
    return this.simd(0x18, lane);
  }
  /** `i16x8.lt_s`. */
  i16x8_lt_s(): this {
    return this.simd(0x2f);
  }
  /** `v128.xor`. */
  v128_xor(): this {
    return this.simd(0x51);
  }
  /** `i8x16.bitmask`. */
  i8x16_bitmask(): this {
    return this.simd(0x64);
  }
  /** `i8x16.narrow_i16x8_s`. */
  i8x16_narrow_i16x8_s(): this {
    return this.simd(0x65);
  }
  /** `i16x8.add`. */
  i16x8_add(): this {
    return this.simd(0x8e);
  }
  /** `i16x8.sub`. */
  i16x8_sub(): this {
    return this.simd(0x91);
  }
  /** `i16x8.min_s`. */
  i16x8_min_s(): this {
    return this.simd(0x96);
  }
}

/** A function of a module. */
export interface FuncDef {
  /** Export name. */
  name: string;
  /** Parameter types. */
  params: readonly ValType[];
  /** Result types. */
  results: readonly ValType[];
  /** The body. */
  code: Code;
}

/** A mutable f64 global initialised to 0 (index in declaration order). */
export interface ModuleDef {
  /** Imported memory `env.memory` with this minimum page count. */
  importMemoryPages: number;
  /** Number of mutable f64 globals. */
  f64Globals: number;
  /** The functions, all exported. */
  funcs: readonly FuncDef[];
}

/** Encodes a module: imported memory, mutable f64 globals, exported functions. */
export function assemble(def: ModuleDef): Uint8Array<ArrayBuffer> {
  const types = def.funcs.map((f) => [
    0x60,
    ...vec(f.params.map((p) => [p])),
    ...vec(f.results.map((r) => [r])),
  ]);
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(
      2,
      vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(def.importMemoryPages)]]),
    ),
    ...section(3, vec(def.funcs.map((_, i) => uleb(i)))),
    ...section(
      6,
      vec(
        Array.from({ length: def.f64Globals }, () => [
          ValType.f64,
          0x01,
          0x44,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0x0b,
        ]),
      ),
    ),
    ...section(7, vec(def.funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(def.funcs.map((f) => f.code.encode()))),
  ];
  return Uint8Array.from(bytes);
}
