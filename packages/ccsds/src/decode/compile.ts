/**
 * Packet decoders specialised from a layout plan (telemetry Space Packets, CCSDS 133.0-B-2).
 *
 * **Compiled decoder.** {@link compileDecoder} generates the source of one JavaScript function per
 * definition with `new Function`: every field offset, width, shift and mask is a constant in
 * that source, byte-aligned fields read octets directly, and the column arrays are local
 * variables, so a fixed layout decodes with no loops or branches per field. Only the plan
 * (numbers and names checked by {@link planLayout}) reaches the generated source; field names
 * never do.
 *
 * **Interpreter.** {@link interpretDecoder} walks the same plan generically. It gives identical
 * results and is used where `new Function` is unavailable (a strict Content Security Policy
 * without `'unsafe-eval'`) or when asked for.
 *
 * Both return a function `(bytes, offset, length, row, columns) => status`, writing row `row`
 * of the columns from the packet at `bytes[offset .. offset + length)`.
 */
import { type FieldPlan, type LayoutPlan, PositionBase } from './layout.js';
import {
  double,
  half,
  mil1750a32,
  mil1750a48,
  readDouble,
  readPermS,
  readPermSBig,
  readPermU,
  readPermUBig,
  readS,
  readSBig,
  readText,
  readU,
  readUBig,
  single,
} from './read.js';
import { type ColumnStore, VarStore } from './table.js';

/** Result codes of a packet decode function. */
export const DecodeStatus = {
  OK: 0,
  /** The packet is shorter than the fixed part of the layout. */
  TOO_SHORT: 1,
  /** An array's length (from its length field) runs past the packet. */
  ARRAY_OVERRUN: 2,
  /** The packet is longer than the layout (only with `strictLength`). */
  TOO_LONG: 3,
} as const;
/** One of {@link DecodeStatus}. */
export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];

/** Decodes one packet into row `row` of `cols`; returns a {@link DecodeStatus}. */
export type PacketDecodeFn = (
  bytes: Uint8Array,
  offset: number,
  length: number,
  row: number,
  cols: ColumnStore,
) => number;

const HELPERS = {
  U: readU,
  S: readS,
  UB: readUBig,
  SB: readSBig,
  PU: readPermU,
  PS: readPermS,
  PUB: readPermUBig,
  PSB: readPermSBig,
  F16: half,
  F32: single,
  F64: double,
  RD: readDouble,
  M32: mil1750a32,
  M48: mil1750a48,
  T: readText,
};

/** Whether `new Function` works here (false under a strict CSP). */
export function canCompile(): boolean {
  try {
    return new Function('return 1')() === 1;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Code generation

/** Big-endian unsigned/signed read of `w` bits at octet expression `B`, constant shift `s`, s + w ≤ 32. */
function inlineBits(B: string, s: number, w: number, signed: boolean): string {
  const nb = (s + w + 7) >> 3;
  const terms: string[] = [];
  for (let k = 0; k < nb; k++) {
    const sh = 8 * (nb - 1 - k);
    const at = k === 0 ? `b[${B}]` : `b[${B} + ${k}]`;
    terms.push(sh === 0 ? at : `(${at} << ${sh})`);
  }
  const x = terms.length === 1 ? terms[0]! : `(${terms.join(' | ')})`;
  const l = 32 - 8 * nb + s;
  const r = 32 - w;
  if (!signed) {
    if (l === 0 && r === 0) return `(${x} >>> 0)`;
    if (s === 0 && w === 8 * nb) return x; // nb < 4: no sign bit reached
    return `((${x} << ${l}) >>> ${r})`;
  }
  return `((${x} << ${l}) >> ${r})`;
}

interface Loc {
  /** Octet index expression. */
  B: string;
  /** Shift: a constant, or an expression. */
  s: number | string;
}

class Gen {
  readonly consts: unknown[] = [];

  constant(v: unknown): string {
    this.consts.push(v);
    return `K[${this.consts.length - 1}]`;
  }

  /** Unsigned (or signed) integer value of up to 53 bits, honouring the byte order. */
  intNumber(f: FieldPlan, L: Loc, w: number, signed: boolean): string {
    const sig = f.significance;
    if (sig !== undefined) {
      if (typeof L.s === 'number' && w <= 32) {
        const nb = w / 8;
        const terms = sig.map((rank, j) => {
          const at =
            L.s === 0 ? `b[${L.B} + ${j}]` : inlineBits(`${L.B} + ${j}`, L.s as number, 8, false);
          const sh = 8 * (nb - 1 - rank);
          return sh === 0 ? at : `(${at} << ${sh})`;
        });
        const x = `(${terms.join(' | ')})`;
        return signed ? `((${x} << ${32 - w}) >> ${32 - w})` : `(${x} >>> 0)`;
      }
      return `${signed ? 'PS' : 'PU'}(b, ${L.B}, ${L.s}, ${this.constant(sig)})`;
    }
    if (typeof L.s === 'number' && L.s + w <= 32) return inlineBits(L.B, L.s, w, signed);
    return `${signed ? 'S' : 'U'}(b, ${L.B}, ${L.s}, ${w})`;
  }

  value(f: FieldPlan, L: Loc): string {
    const w = f.bits;
    switch (f.type) {
      case 'uint':
      case 'int':
      case 'bytes': {
        const signed = f.type === 'int';
        if (w <= 53) return this.intNumber(f, L, w, signed);
        if (f.significance !== undefined)
          return `${signed ? 'PSB' : 'PUB'}(b, ${L.B}, ${L.s}, ${this.constant(f.significance)})`;
        return `${signed ? 'SB' : 'UB'}(b, ${L.B}, ${L.s}, ${w})`;
      }
      case 'float':
        if (f.floatFormat === 'mil-std-1750a')
          return `${w === 32 ? 'M32' : 'M48'}(${this.intNumber(f, L, w, false)})`;
        if (w === 16) return `F16(${this.intNumber(f, L, 16, false)})`;
        if (w === 32) return `F32(${this.intNumber(f, L, 32, false)})`;
        if (f.significance === undefined && L.s === 0)
          return `F64(${inlineBits(L.B, L.s, 32, false)}, ${inlineBits(`${L.B} + 4`, L.s, 32, false)})`;
        return `RD(b, ${L.B}, ${L.s}, ${f.significance === undefined ? 'undefined' : this.constant(f.significance)})`;
      case 'str':
        return `T(b, ${L.B}, ${L.s}, ${w / 8}, ${f.encoding === 'latin1'})`;
      default:
        return '0';
    }
  }
}

function posExpr(f: FieldPlan): string {
  if (f.base === PositionBase.START) return String(f.bit);
  if (f.base === PositionBase.CURSOR) return f.bit === 0 ? 'p' : `(p + ${f.bit})`;
  return `(e - ${f.bit})`;
}

/** Generates the decode function's source for `plan`. */
export function generateDecoderSource(
  plan: LayoutPlan,
  strictLength = false,
): { source: string; constants: unknown[] } {
  const g = new Gen();
  const lines: string[] = [];
  const commits: string[] = [];
  const emit = (s: string): void => void lines.push(s);
  emit('const e = len * 8;');
  emit(`if (e < ${plan.staticEnd}) return 1;`);
  if (strictLength && plan.fixed) emit(`if (e > ${Math.ceil(plan.fixedBits / 8) * 8}) return 3;`);
  emit('let p = 0, n = 0, q = 0, k = 0, st = 0;');
  const colVar = (f: FieldPlan): string => `c${f.column}`;
  for (const f of plan.fields) if (f.column >= 0) emit(`const ${colVar(f)} = C[${f.column}];`);
  let lastNeed = -1;
  plan.fields.forEach((f, fi) => {
    const w = f.bits;
    const fill = f.column < 0;
    if (f.kind === 'scalar') {
      if (fill) return;
      const L = staticLoc(f, posExpr(f), emit);
      emit(`${colVar(f)}[row] = ${g.value(f, L)};`);
      return;
    }
    if (f.kind === 'fixed') {
      if (fill) return;
      const N = f.elements;
      const c = colVar(f);
      const perm = f.perm === undefined ? '' : g.constant(f.perm);
      const dst = (k: string): string =>
        f.perm === undefined
          ? `${c}[row * ${N} + ${k}]`
          : /^\d+$/.test(k)
            ? `${c}[row * ${N} + ${f.perm[Number(k)]!}]`
            : `${c}[row * ${N} + ${perm}[${k}]]`;
      if (f.base === PositionBase.START && N <= 16) {
        for (let k = 0; k < N; k++) {
          const bit = f.bit + k * w;
          emit(`${dst(String(k))} = ${g.value(f, { B: `o + ${bit >> 3}`, s: bit & 7 })};`);
        }
        return;
      }
      if (f.type === 'bytes' && f.align === 0 && f.perm === undefined) {
        emit(`st = ${posExpr(f)} >> 3;`);
        emit(`${c}.set(b.subarray(o + st, o + st + ${N}), row * ${N});`);
        return;
      }
      emit(`st = ${posExpr(f)};`);
      emit(`for (k = 0; k < ${N}; k++) {`);
      emit(`  ${dst('k')} = ${g.value(f, elemLoc(f, emit))};`);
      emit('}');
      return;
    }
    // Variable arrays.
    emit(`st = ${posExpr(f)};`);
    if (f.kind === 'ref') {
      const ref = plan.fields[f.ref]!;
      emit(`n = c${ref.column}[row];`);
      emit(`if (st + n * ${w} + ${f.after} > e) return 2;`);
      lastNeed = fi;
    } else {
      emit(`n = Math.floor((e - ${f.after} - st) / ${w});`);
      emit('if (n < 0) return 1;');
      lastNeed = -1;
    }
    if (!fill) {
      const c = colVar(f);
      emit(`if (${c}.length + n > ${c}.values.length) ${c}.reserve(n);`);
      emit(`const v${fi} = ${c}.values, z${fi} = ${c}.length;`);
      emit('for (k = 0; k < n; k++) {');
      emit(`  v${fi}[z${fi} + k] = ${g.value(f, elemLoc(f, emit))};`);
      emit('}');
      commits.push(`${c}.length = z${fi} + n${fi}; ${c}.ends[row] = z${fi} + n${fi};`);
      emit(`const n${fi} = n;`);
    }
    if (f.kind === 'ref') emit(`p = st + n * ${w};`);
  });
  if (strictLength && !plan.fixed && lastNeed >= 0) {
    emit(`if (((p + ${plan.fields[lastNeed]!.after} + 7) >> 3) * 8 < e) return 3;`);
  }
  for (const c of commits) emit(c);
  emit('return 0;');
  const source = `"use strict";\nconst { ${Object.keys(HELPERS).join(', ')} } = H;\nreturn function decodePacket(b, o, len, row, C) {\n  ${lines.join('\n  ')}\n};`;
  return { source, constants: g.consts };
}

function staticLoc(f: FieldPlan, pos: string, emit: (s: string) => void): Loc {
  if (f.base === PositionBase.START) return { B: `o + ${f.bit >> 3}`, s: f.bit & 7 };
  if (f.align >= 0) return { B: `o + (${pos} >> 3)`, s: f.align };
  emit(`q = ${pos};`);
  return { B: 'o + (q >> 3)', s: '(q & 7)' };
}

/** Locator of element `k` of an array starting at bit `st`. */
function elemLoc(f: FieldPlan, _emit: (s: string) => void): Loc {
  const w = f.bits;
  if (f.align >= 0 && w % 8 === 0) return { B: `o + (st >> 3) + k * ${w / 8}`, s: f.align };
  return { B: `o + ((st + k * ${w}) >> 3)`, s: `((st + k * ${w}) & 7)` };
}

type Factory = (h: typeof HELPERS, k: unknown[], v: typeof VarStore) => PacketDecodeFn;
/** Generated factories by source, so that equal layouts compile once. */
const factories = new Map<string, Factory>();

/**
 * Compiles `plan` into a specialised decode function with `new Function` (see the module
 * comment). Throws whatever the platform throws when code generation is forbidden; use
 * {@link canCompile} or {@link makeDecoder}.
 */
export function compileDecoder(plan: LayoutPlan, strictLength = false): PacketDecodeFn {
  const { source, constants } = generateDecoderSource(plan, strictLength);
  let factory = factories.get(source);
  if (factory === undefined) {
    factory = new Function('H', 'K', 'VarStore', source) as Factory;
    if (factories.size > 256) factories.clear();
    factories.set(source, factory);
  }
  return factory(HELPERS, constants, VarStore);
}

// ---------------------------------------------------------------------------------------------
// Interpreter

function readValue(f: FieldPlan, b: Uint8Array, i: number, s: number): number | bigint | string {
  const w = f.bits;
  const sig = f.significance;
  switch (f.type) {
    case 'uint':
    case 'bytes':
      if (w <= 53) return sig === undefined ? readU(b, i, s, w) : readPermU(b, i, s, sig);
      return sig === undefined ? readUBig(b, i, s, w) : readPermUBig(b, i, s, sig);
    case 'int':
      if (w <= 53) return sig === undefined ? readS(b, i, s, w) : readPermS(b, i, s, sig);
      return sig === undefined ? readSBig(b, i, s, w) : readPermSBig(b, i, s, sig);
    case 'float': {
      if (f.floatFormat === 'ieee' && w === 64) return readDouble(b, i, s, sig);
      const raw = sig === undefined ? readU(b, i, s, w) : readPermU(b, i, s, sig);
      if (f.floatFormat === 'mil-std-1750a') return w === 32 ? mil1750a32(raw) : mil1750a48(raw);
      return w === 16 ? half(raw) : single(raw);
    }
    case 'str':
      return readText(b, i, s, w / 8, f.encoding === 'latin1');
    default:
      return 0;
  }
}

/** The plan interpreted field by field (same results as {@link compileDecoder}). */
export function interpretDecoder(plan: LayoutPlan, strictLength = false): PacketDecodeFn {
  const fields = plan.fields;
  const varCount = fields.length;
  return (b, o, len, row, C) => {
    const e = len * 8;
    if (e < plan.staticEnd) return DecodeStatus.TOO_SHORT;
    if (strictLength && plan.fixed && e > Math.ceil(plan.fixedBits / 8) * 8)
      return DecodeStatus.TOO_LONG;
    let p = 0;
    let lastRef: FieldPlan | undefined;
    const pending: [VarStore, number][] = new Array(0);
    void varCount;
    for (const f of fields) {
      const w = f.bits;
      const pos =
        f.base === PositionBase.START
          ? f.bit
          : f.base === PositionBase.CURSOR
            ? p + f.bit
            : e - f.bit;
      if (f.kind === 'scalar') {
        if (f.column < 0) continue;
        (C[f.column] as unknown[])[row] = readValue(f, b, o + (pos >> 3), pos & 7);
        continue;
      }
      if (f.kind === 'fixed') {
        if (f.column < 0) continue;
        const N = f.elements;
        const col = C[f.column] as unknown[];
        for (let k = 0; k < N; k++) {
          const q = pos + k * w;
          col[row * N + (f.perm === undefined ? k : f.perm[k]!)] = readValue(
            f,
            b,
            o + (q >> 3),
            q & 7,
          );
        }
        continue;
      }
      let n: number;
      if (f.kind === 'ref') {
        n = (C[fields[f.ref]!.column] as unknown as number[])[row]!;
        if (pos + n * w + f.after > e) return DecodeStatus.ARRAY_OVERRUN;
        lastRef = f;
      } else {
        n = Math.floor((e - f.after - pos) / w);
        if (n < 0) return DecodeStatus.TOO_SHORT;
        lastRef = undefined;
      }
      if (f.column >= 0) {
        const vs = C[f.column] as VarStore;
        if (vs.length + n > vs.values.length) vs.reserve(n);
        const vv = vs.values as unknown as unknown[];
        const z = vs.length;
        for (let k = 0; k < n; k++) {
          const q = pos + k * w;
          vv[z + k] = readValue(f, b, o + (q >> 3), q & 7);
        }
        pending.push([vs, z + n]);
      }
      if (f.kind === 'ref') p = pos + n * w;
    }
    if (
      strictLength &&
      !plan.fixed &&
      lastRef !== undefined &&
      ((p + lastRef.after + 7) >> 3) * 8 < e
    ) {
      return DecodeStatus.TOO_LONG;
    }
    for (const [vs, z] of pending) {
      vs.length = z;
      vs.ends[row] = z;
    }
    return DecodeStatus.OK;
  };
}

/** How to build decoders: `'auto'` compiles where possible, else interprets. */
export type DecoderMode = 'auto' | 'compiled' | 'interpreted';

let compileWorks: boolean | undefined;

/** A decode function for `plan` in `mode`. */
export function makeDecoder(
  plan: LayoutPlan,
  strictLength = false,
  mode: DecoderMode = 'auto',
): PacketDecodeFn {
  if (mode === 'interpreted') return interpretDecoder(plan, strictLength);
  if (mode === 'compiled') return compileDecoder(plan, strictLength);
  compileWorks ??= canCompile();
  return compileWorks ? compileDecoder(plan, strictLength) : interpretDecoder(plan, strictLength);
}
