/**
 * Converters of decoded telemetry columns (engineering values): polynomial and linear
 * calibration (XTCE PolynomialCalibrator), enumerations, CCSDS 301.0-B-4 time codes (CUC, CDS,
 * CCS) and raw counts since an epoch through the `time` layer, octets as hex or binary text, and
 * user functions. Each converter adds one column to a {@link DecodedTable}.
 */
import { CcsdsError, CcsdsErrorCode, toHex } from '../core/index.js';
import {
  type Instant,
  TimeScale,
  UNIX_EPOCH_DAY,
  addSeconds,
  ccsToInstant,
  cdsToInstant,
  cucToInstant,
  daysFromCivil,
  decodeCcs,
  decodeCds,
  decodeCuc,
  instantFromIso,
  instantToIso,
  instantToSeconds,
  secondOfDay,
  taiToUtc,
  FRACTION_SCALE,
} from '../time/index.js';
import type { ConverterDefinition, TimeOutput, TimeUnit } from './definition.js';
import { invalidDefinition } from './definition.js';
import {
  type BigIntArray,
  type Column,
  type DecodedTable,
  type NumericArray,
  cellValue,
  getColumn,
  rowWidth,
} from './table.js';

/** Names of the input columns of a converter. */
export function converterInputs(c: ConverterDefinition): readonly string[] {
  return c.kind === 'time' || c.kind === 'function' ? c.inputs : [c.input];
}

const UNIT_SECONDS: Record<string, number> = {
  days: 86400,
  hours: 3600,
  minutes: 60,
  seconds: 1,
  milliseconds: 1e-3,
  microseconds: 1e-6,
  nanoseconds: 1e-9,
};

/** Seconds per count of a {@link TimeUnit}. */
export function unitSeconds(u: TimeUnit): number {
  if (typeof u === 'number') {
    if (!Number.isFinite(u)) invalidDefinition('time unit must be finite');
    return u;
  }
  const s = UNIT_SECONDS[u];
  if (s === undefined) invalidDefinition(`unknown time unit ${String(u)}`);
  return s;
}

/** Checks a converter's parameters (not its inputs). Throws `INVALID_ARGUMENT`. */
export function checkConverter(c: ConverterDefinition): void {
  if (typeof c !== 'object' || c === null) invalidDefinition('a converter must be an object');
  if (typeof c.output !== 'string' || c.output === '')
    invalidDefinition('a converter needs an output name');
  if (c.kind === 'time' || c.kind === 'function') {
    if (!Array.isArray(c.inputs) || c.inputs.some((x) => typeof x !== 'string'))
      invalidDefinition(`${c.output}: inputs must be a list of names`);
  } else if (typeof (c as { input?: unknown }).input !== 'string')
    invalidDefinition(`${c.output}: input must be a name`);
  switch (c.kind) {
    case 'polynomial':
      if (
        !Array.isArray(c.coefficients) ||
        c.coefficients.length === 0 ||
        c.coefficients.some((x) => typeof x !== 'number')
      )
        invalidDefinition(`${c.output}: polynomial needs numeric coefficients`);
      break;
    case 'linear':
      if (typeof c.slope !== 'number') invalidDefinition(`${c.output}: linear needs a slope`);
      break;
    case 'enum':
      if (c.unknown !== undefined && c.unknown !== null && typeof c.unknown !== 'string')
        invalidDefinition(`${c.output}: unknown must be text or null`);
      if (typeof c.values !== 'object' || c.values === null || Array.isArray(c.values))
        invalidDefinition(`${c.output}: enum needs values`);
      break;
    case 'timecode':
      if (!['cuc', 'cds', 'ccs'].includes(c.code))
        invalidDefinition(`${c.output}: time code must be cuc, cds or ccs`);
      if (c.pField !== undefined && (typeof c.pField !== 'object' || c.pField === null))
        invalidDefinition(`${c.output}: pField must be an object`);
      if (c.agencyEpoch !== undefined && typeof c.agencyEpoch !== 'string')
        invalidDefinition(`${c.output}: agencyEpoch must be ISO text`);
      if (c.code === 'cuc' && c.agencyEpoch !== undefined)
        instantFromIso(c.agencyEpoch, { timeScale: TimeScale.TAI });
      break;
    case 'time':
      if (
        !Array.isArray(c.units) ||
        typeof c.epoch !== 'string' ||
        c.inputs.length === 0 ||
        c.inputs.length !== c.units.length
      )
        invalidDefinition(`${c.output}: time needs one unit per input`);
      c.units.forEach(unitSeconds);
      instantFromIso(c.epoch, { timeScale: c.epochScale ?? 'UTC' });
      break;
    case 'stringify':
      if (c.format !== 'hex' && c.format !== 'bin')
        invalidDefinition(`${c.output}: stringify format is hex or bin`);
      break;
    case 'function':
      if (typeof c.fn !== 'function') invalidDefinition(`${c.output}: function converter needs fn`);
      break;
    default:
      invalidDefinition(`unknown converter kind ${String((c as { kind: unknown }).kind)}`);
  }
}

function numericInput(col: Column, name: string): NumericArray | BigIntArray {
  if (Array.isArray(col.values)) invalidDefinition(`${name}: input ${col.name} is not numeric`);
  return col.values as NumericArray | BigIntArray;
}

/** Same layout (shape / offsets) as `col`, new values. */
function like(col: Column, name: string, type: Column['type'], values: Column['values']): Column {
  return col.offsets === undefined
    ? { name, type, shape: col.shape, values }
    : { name, type, shape: col.shape, values, offsets: col.offsets };
}

/** Formats an instant as the converter's output. */
export function formatInstant(t: Instant, format: TimeOutput): string | number {
  if (format === 'tai') return instantToSeconds(t);
  if (format === 'unix') {
    const utc = taiToUtc(t);
    const day = daysFromCivil(utc.year, utc.month, utc.day) - UNIX_EPOCH_DAY;
    return (
      day * 86400 +
      secondOfDay(utc) +
      Number((utc.fraction * 1_000_000_000n) / FRACTION_SCALE) / 1e9
    );
  }
  return instantToIso(t, { fractionDigits: 9 });
}

function instantColumn(
  name: string,
  rows: number,
  format: TimeOutput,
  at: (row: number) => Instant,
  onError: (row: number, e: unknown) => void,
): Column {
  if (format === 'iso') {
    const out = new Array<string | null>(rows);
    for (let r = 0; r < rows; r++) {
      try {
        out[r] = formatInstant(at(r), 'iso') as string;
      } catch (e) {
        out[r] = null;
        onError(r, e);
      }
    }
    return { name, type: 'str', shape: [], values: out };
  }
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    try {
      out[r] = formatInstant(at(r), format) as number;
    } catch (e) {
      out[r] = NaN;
      onError(r, e);
    }
  }
  return { name, type: 'float', bits: 64, shape: [], values: out };
}

/** Called for a row a converter could not convert (the cell holds null or NaN). */
export type ConversionErrorHandler = (row: number, converter: string, message: string) => void;

/**
 * Applies `c` to `table`, returning the new column. Throws `INVALID_ARGUMENT` for missing or
 * unsuitable inputs; row-level failures (an invalid time code) give null / NaN and call `onError`.
 */
export function applyConverter(
  table: DecodedTable,
  c: ConverterDefinition,
  onError: ConversionErrorHandler = () => undefined,
): Column {
  const inputs = converterInputs(c).map((n) => {
    const col = getColumn(table, n);
    if (col === undefined) invalidDefinition(`${c.output}: no input column ${n}`);
    return col;
  });
  const col = inputs[0]!;
  const err = (row: number, e: unknown): void =>
    onError(row, c.output, e instanceof Error ? e.message : String(e));
  switch (c.kind) {
    case 'polynomial':
    case 'linear': {
      const v = numericInput(col, c.output);
      const coeffs = c.kind === 'linear' ? [c.intercept ?? 0, c.slope] : c.coefficients;
      const out = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) {
        const x = Number(v[i]!);
        let y = 0;
        for (let k = coeffs.length - 1; k >= 0; k--) y = y * x + coeffs[k]!;
        out[i] = y;
      }
      return { ...like(col, c.output, 'float', out), bits: 64 };
    }
    case 'enum': {
      const src = col.values as ArrayLike<unknown>;
      const unknown = c.unknown === undefined ? null : c.unknown;
      const out = new Array<string | null>(src.length);
      for (let i = 0; i < src.length; i++) {
        const label = c.values[String(src[i])];
        out[i] = label === undefined ? unknown : label;
      }
      return like(col, c.output, 'str', out);
    }
    case 'stringify': {
      if (col.type !== 'bytes' && !(col.values instanceof Uint8Array))
        invalidDefinition(`${c.output}: input must be octets`);
      const out = new Array<string>(table.rows);
      for (let r = 0; r < table.rows; r++) {
        const o = cellValue(col, r);
        const bytes = o instanceof Uint8Array ? o : Uint8Array.of(Number(o));
        out[r] =
          c.format === 'hex'
            ? toHex(bytes)
            : Array.from(bytes, (x) => x.toString(2).padStart(8, '0')).join('');
      }
      return { name: c.output, type: 'str', shape: [], values: out };
    }
    case 'timecode': {
      if (!(col.values instanceof Uint8Array))
        invalidDefinition(`${c.output}: time code input must be octets`);
      const format = c.format ?? 'iso';
      const scale = c.timeScale ?? 'UTC';
      const opts = c.pField === undefined ? {} : { pField: c.pField };
      const agency =
        c.agencyEpoch === undefined
          ? undefined
          : instantFromIso(c.agencyEpoch, { timeScale: c.code === 'cuc' ? TimeScale.TAI : scale });
      return instantColumn(
        c.output,
        table.rows,
        format,
        (r) => {
          const bytes = cellValue(col, r) as Uint8Array;
          if (c.code === 'cuc') {
            const t = decodeCuc(bytes, opts as Parameters<typeof decodeCuc>[1]);
            return cucToInstant(t, agency === undefined ? {} : { agencyEpoch: agency });
          }
          if (c.code === 'cds') {
            const t = decodeCds(bytes, opts as Parameters<typeof decodeCds>[1]);
            const epoch = agency === undefined ? undefined : taiToUtc(agency);
            return cdsToInstant(t, {
              timeScale: scale,
              ...(epoch === undefined
                ? {}
                : { agencyEpoch: { year: epoch.year, month: epoch.month, day: epoch.day } }),
            });
          }
          return ccsToInstant(decodeCcs(bytes, opts as Parameters<typeof decodeCcs>[1]), {
            timeScale: scale,
          });
        },
        err,
      );
    }
    case 'time': {
      for (const i of inputs)
        if (rowWidth(i) !== 1 || i.offsets !== undefined)
          invalidDefinition(`${c.output}: time inputs must be scalars`);
      const vals = inputs.map((i) => numericInput(i, c.output));
      const units = c.units.map(unitSeconds);
      const epoch = instantFromIso(c.epoch, { timeScale: c.epochScale ?? 'UTC' });
      const format = c.format ?? 'iso';
      if (format === 'tai') {
        const base = instantToSeconds(epoch);
        const out = new Float64Array(table.rows);
        for (let r = 0; r < table.rows; r++) {
          let s = c.offset ?? 0;
          for (let k = 0; k < vals.length; k++) s += Number(vals[k]![r]!) * units[k]!;
          out[r] = base + s;
        }
        return { name: c.output, type: 'float', bits: 64, shape: [], values: out };
      }
      return instantColumn(
        c.output,
        table.rows,
        format,
        (r) => {
          let s = c.offset ?? 0;
          for (let k = 0; k < vals.length; k++) s += Number(vals[k]![r]!) * units[k]!;
          return addSeconds(epoch, s);
        },
        err,
      );
    }
    case 'function': {
      const out = new Array<unknown>(table.rows);
      for (let r = 0; r < table.rows; r++) {
        try {
          out[r] = c.fn(...inputs.map((i) => cellValue(i, r)));
        } catch (e) {
          out[r] = null;
          err(r, e);
        }
      }
      return { name: c.output, type: 'value', shape: [], values: out };
    }
    default:
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'unknown converter');
  }
}

/** Applies converters in order (each may use earlier outputs), returning the extended table. */
export function applyConverters(
  table: DecodedTable,
  converters: readonly ConverterDefinition[],
  onError?: ConversionErrorHandler,
): DecodedTable {
  if (converters.length === 0) return table;
  let t = table;
  for (const c of converters) {
    const col = applyConverter(t, c, onError);
    t = { ...t, columns: [...t.columns.filter((x) => x.name !== c.output), col] };
  }
  return t;
}
