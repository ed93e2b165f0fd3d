/**
 * Columnar results of telemetry decoding (Space Packets, CCSDS 133.0-B-2): one typed array per
 * field, fixed-shape arrays flattened row-major, variable-length arrays as values plus per-row
 * end offsets (the Arrow list layout), and builders that grow them by doubling.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import type { FieldPlan, LayoutPlan, StorageKind } from './layout.js';

/** A numeric typed array. */
export type NumericArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** A 64-bit integer typed array. */
export type BigIntArray = BigUint64Array | BigInt64Array;

/** The values of a column. */
export type ColumnValues = NumericArray | BigIntArray | (string | null)[] | unknown[];

/** What a column holds. */
export type ColumnType = 'uint' | 'int' | 'float' | 'str' | 'bytes' | 'bool' | 'value';

/** One column of a decoded table. */
export interface Column {
  /** Field or converter output name. */
  readonly name: string;
  /** Value type. */
  readonly type: ColumnType;
  /** Bits per element for integer and float fields. */
  readonly bits?: number;
  /** Values: `rows × product(shape)` entries, or `offsets[rows]` for variable-length columns. */
  readonly values: ColumnValues;
  /** Fixed shape of each row's value (`[]` for scalars). */
  readonly shape: readonly number[];
  /** Variable-length columns: row i is `values[offsets[i] .. offsets[i + 1])`. */
  readonly offsets?: Uint32Array;
  /** Engineering unit, when the definition gives one. */
  readonly unit?: string;
}

/** A table of decoded packets of one definition. */
export interface DecodedTable {
  /** The definition's name. */
  readonly definition: string;
  /** Number of packets (rows). */
  readonly rows: number;
  /** Stream offset of each packet. */
  readonly packetOffsets: Float64Array;
  /** Columns in definition order, then converter outputs. */
  readonly columns: readonly Column[];
}

/** The column named `name`, or undefined. */
export function getColumn(table: DecodedTable, name: string): Column | undefined {
  return table.columns.find((c) => c.name === name);
}

/** Elements per row of a fixed-shape column. */
export function rowWidth(c: Column): number {
  let n = 1;
  for (const d of c.shape) n *= d;
  return n;
}

/**
 * The value of `column` in `row`: a number, bigint or string for scalars; an array (a typed
 * array view for numbers) for array columns.
 */
export function cellValue(c: Column, row: number): unknown {
  if (c.offsets !== undefined) {
    const a = c.offsets[row]!;
    const z = c.offsets[row + 1]!;
    const v = c.values;
    return Array.isArray(v) ? v.slice(a, z) : (v as NumericArray).subarray(a, z);
  }
  const w = rowWidth(c);
  if (c.shape.length === 0) return c.values[row];
  const v = c.values;
  return Array.isArray(v)
    ? v.slice(row * w, row * w + w)
    : (v as NumericArray).subarray(row * w, row * w + w);
}

/** Row `row` as a plain object keyed by column name. */
export function rowObject(t: DecodedTable, row: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of t.columns) out[c.name] = cellValue(c, row);
  return out;
}

type Ctor = { new (n: number): NumericArray | BigIntArray };

const CTORS: Record<Exclude<StorageKind, 'str'>, Ctor> = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
  u64: BigUint64Array,
  i64: BigInt64Array,
};

/** Allocates storage of `kind` for `n` values. */
export function allocate(kind: StorageKind, n: number): NumericArray | BigIntArray | string[] {
  if (kind === 'str') return new Array<string>(n);
  return new CTORS[kind](n);
}

function grow<T extends NumericArray | BigIntArray | unknown[]>(a: T, n: number): T {
  if (Array.isArray(a)) {
    a.length = n;
    return a;
  }
  const b = new (a.constructor as Ctor)(n) as T;
  (b as unknown as { set(x: T): void }).set(a);
  return b;
}

/** Values and per-row ends of a variable-length column while it is built. */
export class VarStore {
  /** Values (capacity may exceed `length`). */
  values: NumericArray | BigIntArray;
  /** Committed values. */
  length = 0;
  /** `ends[row]` = `length` after that row. */
  ends: Uint32Array;
  private readonly limit: number;

  constructor(kind: StorageKind, rows: number, limit: number) {
    this.values = allocate(kind, 256) as NumericArray | BigIntArray;
    this.ends = new Uint32Array(rows);
    this.limit = limit;
  }

  /** Makes room for `n` more values. Throws `LIMIT_EXCEEDED` beyond the limit. */
  reserve(n: number): void {
    const need = this.length + n;
    if (need > this.limit) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `more than ${this.limit} array values in one batch`,
      );
    }
    let cap = this.values.length;
    while (cap < need) cap *= 2;
    this.values = grow(this.values, Math.min(cap, this.limit));
  }
}

/** The storage a decoder writes into: one entry per column (typed array, string array or VarStore). */
export type ColumnStore = (NumericArray | BigIntArray | string[] | VarStore)[];

function columnType(f: FieldPlan): ColumnType {
  return f.type === 'fill' ? 'value' : f.type;
}

/** Grows tables of one layout row by row. */
export class TableBuilder {
  /** Rows committed. */
  rows = 0;
  private capacity: number;
  /** Column storage (see {@link ColumnStore}). */
  cols: ColumnStore;
  /** Stream offset per row. */
  offsets: Float64Array;
  private readonly plan: LayoutPlan;
  private readonly varLimit: number;

  constructor(plan: LayoutPlan, initialRows = 1024, varLimit = 1 << 28) {
    this.plan = plan;
    this.capacity = Math.max(16, initialRows);
    this.varLimit = varLimit;
    this.offsets = new Float64Array(this.capacity);
    this.cols = this.freshColumns(this.capacity);
  }

  private freshColumns(rows: number): ColumnStore {
    const cols: ColumnStore = [];
    for (const f of this.plan.fields) {
      if (f.column < 0) continue;
      cols[f.column] =
        f.kind === 'ref' || f.kind === 'expand'
          ? new VarStore(f.storage, rows, this.varLimit)
          : allocate(f.storage, rows * f.elements);
    }
    return cols;
  }

  /** Drops the rows so far (storage is kept). */
  clear(): void {
    this.rows = 0;
    for (const c of this.cols) if (c instanceof VarStore) c.length = 0;
  }

  /** Makes room for one more row. */
  ensureRow(): void {
    if (this.rows < this.capacity) return;
    const cap = this.capacity * 2;
    for (const f of this.plan.fields) {
      if (f.column < 0) continue;
      const c = this.cols[f.column]!;
      if (c instanceof VarStore) c.ends = grow(c.ends, cap);
      else this.cols[f.column] = grow(c, cap * f.elements);
    }
    this.offsets = grow(this.offsets, cap);
    this.capacity = cap;
  }

  /** Builds the table of the rows so far (views of the storage) and starts afresh when `reset`. */
  finish(definition: string, reset: boolean): DecodedTable {
    const n = this.rows;
    const columns: Column[] = [];
    for (const f of this.plan.fields) {
      if (f.column < 0) continue;
      const c = this.cols[f.column]!;
      const base = {
        name: f.name,
        type: columnType(f),
        ...(f.type === 'uint' || f.type === 'int' || f.type === 'float' ? { bits: f.bits } : {}),
        ...(f.source?.unit !== undefined ? { unit: f.source.unit } : {}),
      };
      if (c instanceof VarStore) {
        const offsets = new Uint32Array(n + 1);
        offsets.set(c.ends.subarray(0, n), 1);
        columns.push({ ...base, shape: [], values: sliceOf(c.values, 0, c.length), offsets });
      } else {
        columns.push({ ...base, shape: f.shape, values: sliceOf(c, 0, n * f.elements) });
      }
    }
    const table: DecodedTable = {
      definition,
      rows: n,
      packetOffsets: this.offsets.slice(0, n),
      columns,
    };
    if (reset) {
      this.rows = 0;
      this.cols = this.freshColumns(this.capacity);
    }
    return table;
  }
}

function sliceOf(
  a: NumericArray | BigIntArray | string[],
  start: number,
  end: number,
): NumericArray | BigIntArray | string[] {
  return a.slice(start, end);
}

/** Joins tables of the same definition and columns into one. */
export function concatTables(tables: readonly DecodedTable[]): DecodedTable {
  const first = tables[0];
  if (first === undefined)
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'no tables to join');
  if (tables.length === 1) return first;
  const rows = tables.reduce((a, t) => a + t.rows, 0);
  const packetOffsets = new Float64Array(rows);
  let r = 0;
  for (const t of tables) {
    packetOffsets.set(t.packetOffsets, r);
    r += t.rows;
  }
  const columns = first.columns.map((c, ci): Column => {
    const parts = tables.map((t) => t.columns[ci]!);
    const total = parts.reduce((a, p) => a + p.values.length, 0);
    let values: ColumnValues;
    if (Array.isArray(c.values)) values = parts.flatMap((p) => p.values as unknown[]);
    else {
      const v = new (c.values.constructor as Ctor)(total) as NumericArray;
      let o = 0;
      for (const p of parts) {
        v.set(p.values as NumericArray, o);
        o += p.values.length;
      }
      values = v;
    }
    if (c.offsets === undefined) return { ...c, values };
    const offsets = new Uint32Array(rows + 1);
    let row = 0;
    let base = 0;
    for (const p of parts) {
      const po = p.offsets!;
      for (let i = 1; i < po.length; i++) offsets[row + i] = base + po[i]!;
      row += po.length - 1;
      base += po[po.length - 1]!;
    }
    return { ...c, values, offsets };
  });
  return { definition: first.definition, rows, packetOffsets, columns };
}
