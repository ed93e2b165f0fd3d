/**
 * Layout planning for Space Packet (CCSDS 133.0-B-2) telemetry definitions: checks every field
 * and works out where it lies — a constant bit offset from the packet start, an offset after the
 * last variable-length array, or an offset from the packet end (fields after an `'expand'`
 * array) — and which typed array holds its values. Both decoders (compiled and interpreted) run
 * from this plan.
 */
import {
  type FieldDefinition,
  FieldType,
  PRIMARY_HEADER_FIELDS,
  invalidDefinition,
} from './definition.js';

/** Where a field's position is counted from. */
export const PositionBase = {
  /** Packet start: `bit` is absolute. */
  START: 0,
  /** The end of the last variable-length array (`p`), plus `bit`. */
  CURSOR: 1,
  /** Packet end, minus `bit`. */
  END: 2,
} as const;
/** One of {@link PositionBase}. */
export type PositionBase = (typeof PositionBase)[keyof typeof PositionBase];

/** Typed array kinds of columns. */
export type StorageKind =
  | 'u8'
  | 'i8'
  | 'u16'
  | 'i16'
  | 'u32'
  | 'i32'
  | 'f32'
  | 'f64'
  | 'u64'
  | 'i64'
  | 'str';

/** The planned form of one field. */
export interface FieldPlan {
  /** Column name. */
  readonly name: string;
  /** The field's type (`bytes` decodes as 8-bit elements). */
  readonly type: FieldType;
  /** Bits per element. */
  readonly bits: number;
  /** Scalar, fixed-shape array, array sized by another field, or the rest of the packet. */
  readonly kind: 'scalar' | 'fixed' | 'ref' | 'expand';
  /** Elements per packet for scalar (1) and fixed arrays; 0 for variable arrays. */
  readonly elements: number;
  /** Fixed shape per row (`[]` for scalars; `[n]` for bytes). */
  readonly shape: readonly number[];
  /** F order: packet element k goes to row-major index `perm[k]`. */
  readonly perm: Int32Array | undefined;
  /** Plan index of the count field (ref arrays), else -1. */
  readonly ref: number;
  /** Position base. */
  readonly base: PositionBase;
  /** Bit offset relative to the base (subtracted for END). */
  readonly bit: number;
  /** The position's bit offset modulo 8 when known at planning time, else -1. */
  readonly align: number;
  /** Octet significance ranks (0 = most significant) in packet order, or undefined for big-endian. */
  readonly significance: readonly number[] | undefined;
  /** Float encoding. */
  readonly floatFormat: 'ieee' | 'mil-std-1750a';
  /** Text encoding of `str`. */
  readonly encoding: 'utf-8' | 'latin1';
  /** Column index in the table, or -1 for fill. */
  readonly column: number;
  /** Storage of the values. */
  readonly storage: StorageKind;
  /** Expand arrays: bits of the fields after it. Ref arrays: bits needed after it up to the next variable part. */
  readonly after: number;
  /** True for primary header pseudo-fields. */
  readonly header: boolean;
  /** The source definition, for units and descriptions. */
  readonly source: FieldDefinition | undefined;
}

/** The plan of a whole definition. */
export interface LayoutPlan {
  readonly fields: readonly FieldPlan[];
  /** Packets need at least this many bits for the fields at constant offsets. */
  readonly staticEnd: number;
  /** Bits a packet has to have at least (fixed parts of every segment). */
  readonly minBits: number;
  /** True when no array has a variable length. */
  readonly fixed: boolean;
  /** For fixed layouts: the exact layout length in bits (strict length checks). */
  readonly fixedBits: number;
  /** Number of columns. */
  readonly columns: number;
  /** Column index by name. */
  readonly columnIndex: ReadonlyMap<string, number>;
}

const MAX_ELEMENTS = 1 << 22;

function storageOf(type: FieldType, bits: number, floatFormat: string): StorageKind {
  switch (type) {
    case 'uint':
      return bits <= 8
        ? 'u8'
        : bits <= 16
          ? 'u16'
          : bits <= 32
            ? 'u32'
            : bits <= 53
              ? 'f64'
              : 'u64';
    case 'int':
      return bits <= 8
        ? 'i8'
        : bits <= 16
          ? 'i16'
          : bits <= 32
            ? 'i32'
            : bits <= 53
              ? 'f64'
              : 'i64';
    case 'float':
      return floatFormat === 'ieee' && bits <= 32 ? 'f32' : 'f64';
    case 'str':
      return 'str';
    default:
      return 'u8';
  }
}

/** Parses a byte order into significance ranks (undefined for big-endian). */
export function parseByteOrder(
  order: string | undefined,
  bits: number,
  name: string,
): number[] | undefined {
  if (order === undefined || order === 'big') return undefined;
  if (typeof order !== 'string') invalidDefinition(`${name}: byte order must be text`);
  if (bits % 8 !== 0) invalidDefinition(`${name}: byte order needs a multiple of 8 bits`);
  const n = bits / 8;
  if (order === 'little') {
    return n === 1 ? undefined : Array.from({ length: n }, (_, j) => n - 1 - j);
  }
  if (!/^[1-9]+$/.test(order) || order.length !== n) {
    invalidDefinition(`${name}: byte order '${order}' must be big, little or ${n} digits`);
  }
  const ranks = [...order].map((c) => Number(c) - 1);
  if (new Set(ranks).size !== n || ranks.some((r) => r >= n)) {
    invalidDefinition(`${name}: byte order '${order}' is not a permutation of 1..${n}`);
  }
  return ranks.every((r, j) => r === j) ? undefined : ranks;
}

function checkBits(f: FieldDefinition): void {
  const b = f.bits;
  if (!Number.isInteger(b) || b < 1)
    invalidDefinition(`${f.name}: bits must be a positive integer`);
  switch (f.type) {
    case 'uint':
    case 'int':
      if (b > 64) invalidDefinition(`${f.name}: integers have 1..64 bits`);
      break;
    case 'float': {
      const fmt = f.floatFormat ?? 'ieee';
      if (
        fmt === 'ieee'
          ? ![16, 32, 64].includes(b)
          : fmt === 'mil-std-1750a'
            ? ![32, 48].includes(b)
            : true
      ) {
        invalidDefinition(
          `${f.name}: ${fmt} floats have ${fmt === 'ieee' ? '16, 32 or 64' : '32 or 48'} bits`,
        );
      }
      break;
    }
    case 'str':
    case 'bytes':
      if (b % 8 !== 0 || b > 65536 * 8)
        invalidDefinition(`${f.name}: ${f.type} needs a multiple of 8 bits`);
      break;
    case 'fill':
      if (b > 65542 * 8) invalidDefinition(`${f.name}: fill too long`);
      break;
    default:
      invalidDefinition(`${f.name}: unknown type '${String(f.type)}'`);
  }
}

interface Shape {
  kind: 'scalar' | 'fixed' | 'ref' | 'expand';
  dims: number[];
  refName: string;
}

function shapeOf(f: FieldDefinition): Shape {
  const s = f.shape;
  if (s === undefined) {
    if (f.type === 'bytes') return { kind: 'fixed', dims: [f.bits / 8], refName: '' };
    return { kind: 'scalar', dims: [], refName: '' };
  }
  if (f.type === 'str') invalidDefinition(`${f.name}: str fields cannot be arrays`);
  if (f.type === 'bytes' && f.bits !== 8) invalidDefinition(`${f.name}: a bytes array has bits 8`);
  if (s === 'expand') return { kind: 'expand', dims: [], refName: '' };
  if (typeof s === 'string') return { kind: 'ref', dims: [], refName: s };
  if (typeof s !== 'number' && !Array.isArray(s)) invalidDefinition(`${f.name}: bad array shape`);
  const dims: number[] = typeof s === 'number' ? [s] : [...(s as readonly number[])];
  let total = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 1)
      invalidDefinition(`${f.name}: array dimensions must be positive integers`);
    total *= d;
  }
  if (dims.length === 0 || total > MAX_ELEMENTS) invalidDefinition(`${f.name}: bad array shape`);
  return { kind: 'fixed', dims, refName: '' };
}

/** Row-major index of the k-th element of a column-major walk over `dims`. */
function fortranPermutation(dims: readonly number[]): Int32Array {
  const total = dims.reduce((a, b) => a * b, 1);
  const out = new Int32Array(total);
  const idx = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < total; k++) {
    let c = 0;
    for (let d = 0; d < dims.length; d++) c = c * dims[d]! + idx[d]!;
    out[k] = c;
    for (let d = 0; d < dims.length; d++) {
      idx[d]!++;
      if (idx[d]! < dims[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Plans a layout. `headerFields` names the primary header pseudo-fields to decode as columns
 * (before the definition's own columns). Throws `INVALID_ARGUMENT` for an impossible layout.
 */
export function planLayout(
  fields: readonly FieldDefinition[],
  headerFields: readonly string[] = [],
): LayoutPlan {
  const plans: FieldPlan[] = [];
  const columnIndex = new Map<string, number>();
  const byName = new Map<string, number>();
  let columns = 0;
  for (const hname of headerFields) {
    const h = PRIMARY_HEADER_FIELDS.find((x) => x.name === hname);
    if (h === undefined) invalidDefinition(`unknown primary header field ${hname}`);
    columnIndex.set(h.name, columns);
    byName.set(h.name, plans.length);
    plans.push({
      name: h.name,
      type: 'uint',
      bits: h.bits,
      kind: 'scalar',
      elements: 1,
      shape: [],
      perm: undefined,
      ref: -1,
      base: PositionBase.START,
      bit: h.offset,
      align: h.offset & 7,
      significance: undefined,
      floatFormat: 'ieee',
      encoding: 'utf-8',
      column: columns++,
      storage: storageOf('uint', h.bits, 'ieee'),
      after: 0,
      header: true,
      source: undefined,
    });
  }
  const shapes = fields.map((f) => {
    if (typeof f.name !== 'string' || f.name === '') invalidDefinition('every field needs a name');
    checkBits(f);
    return shapeOf(f);
  });
  const sizeOf = (i: number): number => {
    const s = shapes[i]!;
    const f = fields[i]!;
    if (s.kind === 'scalar') return f.bits;
    if (s.kind === 'fixed')
      return f.type === 'bytes' && f.shape === undefined
        ? f.bits
        : s.dims.reduce((a, b) => a * b, 1) * f.bits;
    return -1;
  };
  let base: PositionBase = PositionBase.START;
  let cursor = 48;
  let cursorAlign = 0; // alignment of the cursor base (p) when base is CURSOR
  let staticEnd = 48;
  let fixed = true;
  let expandSeen = false;
  let lastVar = -1; // plan index of the last ref array (its `after` is filled as we go)
  let segmentNeed = 0;
  const closeSegment = (): void => {
    if (lastVar >= 0) {
      const p = plans[lastVar]!;
      plans[lastVar] = { ...p, after: segmentNeed };
    }
  };
  let minBits = 48;
  let staticBits = 48; // bits before the first variable part
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const s = shapes[i]!;
    if (byName.has(f.name)) invalidDefinition(`field name ${f.name} is used twice`);
    const significance = parseByteOrder(f.byteOrder, f.type === 'bytes' ? 8 : f.bits, f.name);
    if (significance !== undefined && (f.type === 'str' || f.type === 'fill')) {
      invalidDefinition(`${f.name}: byte order applies to numbers`);
    }
    if (f.order !== undefined && f.order !== 'C' && f.order !== 'F')
      invalidDefinition(`${f.name}: order is C or F`);

    if (f.offset !== undefined) {
      if (!Number.isInteger(f.offset) || f.offset < 0 || f.offset > 65542 * 8) {
        invalidDefinition(`${f.name}: offset must be a non-negative integer`);
      }
      if (base !== PositionBase.START) {
        invalidDefinition(`${f.name}: explicit offsets cannot follow a variable-length array`);
      }
      cursor = f.offset;
    }
    const pos = { base, bit: cursor };
    let ref = -1;
    let after = 0;
    if (s.kind === 'ref') {
      const r = byName.get(s.refName);
      const rp = r === undefined ? undefined : plans[r];
      if (
        rp === undefined ||
        rp.header ||
        rp.kind !== 'scalar' ||
        rp.type !== 'uint' ||
        rp.bits > 32
      ) {
        invalidDefinition(
          `${f.name}: array length field ${s.refName} must be an earlier unsigned field of up to 32 bits`,
        );
      }
      ref = r!;
    }
    if (s.kind === 'expand') {
      if (expandSeen) invalidDefinition(`${f.name}: only one expand array per definition`);
      expandSeen = true;
      for (let j = i + 1; j < fields.length; j++) {
        const sz = sizeOf(j);
        if (sz < 0 || fields[j]!.offset !== undefined) {
          invalidDefinition(
            `${fields[j]!.name}: fields after an expand array need a fixed size and no offset`,
          );
        }
        after += sz;
      }
    }
    const align =
      pos.base === PositionBase.START
        ? pos.bit & 7
        : pos.base === PositionBase.CURSOR
          ? cursorAlign < 0
            ? -1
            : (cursorAlign + pos.bit) & 7
          : (8 - (pos.bit & 7)) & 7;
    const elements =
      s.kind === 'scalar' ? 1 : s.kind === 'fixed' ? s.dims.reduce((a, b) => a * b, 1) : 0;
    const elemBits = f.type === 'bytes' ? 8 : f.bits;
    const plan: FieldPlan = {
      name: f.name,
      type: f.type,
      bits: elemBits,
      kind: s.kind,
      elements,
      shape: s.dims,
      perm:
        s.kind === 'fixed' && f.order === 'F' && s.dims.length > 1
          ? fortranPermutation(s.dims)
          : undefined,
      ref,
      base: pos.base,
      bit: pos.bit,
      align,
      significance,
      floatFormat: f.floatFormat ?? 'ieee',
      encoding: f.encoding ?? 'utf-8',
      column: f.type === 'fill' ? -1 : columns,
      storage: storageOf(f.type, elemBits, f.floatFormat ?? 'ieee'),
      after,
      header: false,
      source: f,
    };
    if (f.type !== 'fill') columnIndex.set(f.name, columns++);
    byName.set(f.name, plans.length);
    plans.push(plan);
    // Advance.
    if (s.kind === 'scalar' || s.kind === 'fixed') {
      const size = sizeOf(i);
      if (base === PositionBase.END) {
        cursor -= size;
      } else {
        cursor += size;
        if (base === PositionBase.START) {
          staticEnd = Math.max(staticEnd, cursor);
          staticBits = Math.max(staticBits, cursor);
        } else segmentNeed = Math.max(segmentNeed, cursor);
      }
    } else if (s.kind === 'ref') {
      fixed = false;
      if (base === PositionBase.START) staticEnd = Math.max(staticEnd, cursor);
      closeSegment();
      minBits += base === PositionBase.START ? 0 : segmentNeed;
      lastVar = plans.length - 1;
      segmentNeed = 0;
      cursorAlign = f.bits % 8 === 0 && align >= 0 ? align : -1;
      base = PositionBase.CURSOR;
      cursor = 0;
    } else {
      fixed = false;
      if (base === PositionBase.START) staticEnd = Math.max(staticEnd, cursor);
      closeSegment();
      lastVar = -1;
      minBits += (base === PositionBase.START ? 0 : segmentNeed) + after;
      segmentNeed = 0;
      base = PositionBase.END;
      cursor = after;
    }
  }
  closeSegment();
  if (base === PositionBase.CURSOR) minBits += segmentNeed;
  minBits = Math.max(minBits, staticEnd);
  return {
    fields: plans,
    staticEnd,
    minBits,
    fixed,
    fixedBits: fixed ? staticBits : 0,
    columns,
    columnIndex,
  };
}
