/**
 * Telemetry packet definitions for Space Packets (CCSDS 133.0-B-2 §4.1.3 primary header, the
 * packet data field laid out by the mission): fields, arrays, converters and selection criteria,
 * in the spirit of ccsdspy's `PacketField` / `PacketArray` and XTCE (CCSDS 660.1-G-2)
 * `SequenceContainer`s with restriction criteria and inheritance.
 *
 * Bit offsets count from the first bit of the packet, primary header included (the first bit of
 * the packet data field is bit 48), as ccsdspy documents. Fields without an offset follow the
 * previous field; the first one starts at bit 48.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';

/** Field data types. */
export const FieldType = {
  /** Unsigned integer of 1..64 bits (above 53 bits as `bigint`). */
  UINT: 'uint',
  /** Two's-complement signed integer of 1..64 bits (above 53 bits as `bigint`). */
  INT: 'int',
  /** IEEE 754 binary16/32/64, or MIL-STD-1750A 32/48 (see {@link FieldDefinition.floatFormat}). */
  FLOAT: 'float',
  /** Text of `bits / 8` octets; trailing NUL octets are removed. */
  STR: 'str',
  /** Raw octets (`bits / 8` of them; or with a `shape`, an array of octets with `bits` = 8). */
  BYTES: 'bytes',
  /** Spare bits: skipped, no column. */
  FILL: 'fill',
} as const;
/** One of {@link FieldType}. */
export type FieldType = (typeof FieldType)[keyof typeof FieldType];

/**
 * Array shape: a fixed N-dimensional shape (`4` or `[2, 3]`), `'expand'` (the rest of the packet
 * minus the fields after the array), or the name of an earlier unsigned field holding the number
 * of elements.
 */
export type ArrayShape = number | readonly number[] | string;

/** A field of the packet data field (or of the primary header, by explicit offset). */
export interface FieldDefinition {
  /** Column name; unique within a definition (including inherited fields). */
  name: string;
  /** Data type. */
  type: FieldType;
  /** Bits per element: 1..64 for integers; 16, 32, 64 (IEEE) or 32, 48 (1750A) for floats; a multiple of 8 for str and bytes. */
  bits: number;
  /** Bit offset from the start of the packet (primary header included). Default: after the previous field. */
  offset?: number;
  /**
   * `'big'` (default), `'little'`, or a permutation such as `'3412'`: one digit per octet in the
   * order the octets appear in the packet, giving the octet's significance (1 = most significant).
   * `'1234'` is big-endian, `'4321'` little-endian. Needs `bits` to be a multiple of 8.
   */
  byteOrder?: string;
  /** Encoding of `float` fields (default `'ieee'`). */
  floatFormat?: 'ieee' | 'mil-std-1750a';
  /** Makes the field an array; see {@link ArrayShape}. */
  shape?: ArrayShape;
  /** Element order of a multi-dimensional fixed shape in the packet: `'C'` row-major (default) or `'F'` column-major. Columns are always row-major. */
  order?: 'C' | 'F';
  /** Text encoding of `str` fields (default `'utf-8'`; `'latin1'` maps each octet to one character). */
  encoding?: 'utf-8' | 'latin1';
  /** Free text carried into outputs (units, description). */
  description?: string;
  /** Engineering unit, carried into outputs. */
  unit?: string;
}

/** Comparison operators of {@link Condition}. */
export type ConditionOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * A selection criterion: a primary header field (`CCSDS_APID`, `CCSDS_PACKET_TYPE`, ... see
 * {@link PRIMARY_HEADER_FIELDS}) or a scalar field of the definition at a fixed position,
 * compared with a value. XTCE restriction criteria map onto these.
 */
export interface Condition {
  /** Field name. */
  field: string;
  /** Operator (default `'=='`). */
  op?: ConditionOperator;
  /** Value compared with the raw field value. */
  value: number | bigint | string;
}

/** Time units of the raw-count time converter (or seconds per count as a number). */
export type TimeUnit =
  | 'days'
  | 'hours'
  | 'minutes'
  | 'seconds'
  | 'milliseconds'
  | 'microseconds'
  | 'nanoseconds'
  | number;

/** How the time converter presents an instant. */
export type TimeOutput = 'iso' | 'unix' | 'tai';

/** Converters: each adds a column computed from one or more input columns. */
export type ConverterDefinition =
  | {
      /** `y = c0 + c1 x + c2 x² + ...` (coefficients in ascending powers, as XTCE terms). */
      kind: 'polynomial';
      output: string;
      input: string;
      coefficients: readonly number[];
    }
  | {
      /** `y = slope x + intercept`. */
      kind: 'linear';
      output: string;
      input: string;
      slope: number;
      intercept?: number;
    }
  | {
      /** Raw value to label. Values without a label give `unknown` (default `null`). */
      kind: 'enum';
      output: string;
      input: string;
      values: Readonly<Record<string, string>>;
      unknown?: string | null;
    }
  | {
      /**
       * A CCSDS 301.0-B-4 time code in an octet field (`bytes`): CUC, CDS or CCS, with the
       * P-field in the packet (`pField` absent) or agreed (`pField` given, T-field only).
       */
      kind: 'timecode';
      output: string;
      input: string;
      code: 'cuc' | 'cds' | 'ccs';
      pField?: Readonly<Record<string, unknown>>;
      /** CUC level 2 / CDS agency epoch as ISO text (CUC: TAI; CDS: in the code's scale). */
      agencyEpoch?: string;
      /** Scale of CDS and CCS codes (default UTC). */
      timeScale?: 'UTC' | 'TAI';
      /** Output (default `'iso'`, UTC text). */
      format?: TimeOutput;
    }
  | {
      /**
       * Raw counts since an epoch: the sum of each input times its unit (ccsdspy's
       * `DatetimeConverter`), e.g. inputs `['SHCOARSE', 'SHFINE']`, units `['seconds', 2 ** -20]`.
       */
      kind: 'time';
      output: string;
      inputs: readonly string[];
      units: readonly TimeUnit[];
      /** Epoch as ISO text in `epochScale`. */
      epoch: string;
      /** Scale of the epoch text (default UTC); elapsed counts are SI seconds. */
      epochScale?: 'UTC' | 'TAI';
      /** Seconds added to the sum (default 0). */
      offset?: number;
      format?: TimeOutput;
    }
  | {
      /** Octets (a `bytes` field or an array of 8-bit values) as hex or binary text. */
      kind: 'stringify';
      output: string;
      input: string;
      format: 'hex' | 'bin';
    }
  | {
      /** A user function of one row's input values. */
      kind: 'function';
      output: string;
      inputs: readonly string[];
      fn: (...values: unknown[]) => unknown;
    };

/** A packet definition: how packets of some APID (and criteria) are laid out. */
export interface PacketDefinition {
  /** Unique name; the output table's name. */
  name: string;
  /** APID(s) this definition applies to (inherited from `extends`). Absent: any APID. */
  apid?: number | readonly number[];
  /** Name of a definition whose fields, criteria, converters and APIDs come first. */
  extends?: string;
  /** A base layout that never decodes packets by itself (XTCE abstract containers). */
  abstract?: boolean;
  /** All must hold for a packet to use this definition (plus the parent's). */
  conditions?: readonly Condition[];
  /** Fields in packet order. */
  fields: readonly FieldDefinition[];
  /** Converters, applied in order (later ones may use earlier outputs). */
  converters?: readonly ConverterDefinition[];
  /** Reject packets longer than the layout needs (default false: extra octets are ignored). */
  strictLength?: boolean;
  /** Free text. */
  description?: string;
}

/** The primary header fields as pseudo-fields (ccsdspy's names), usable as inputs and criteria. */
export const PRIMARY_HEADER_FIELDS: readonly { name: string; offset: number; bits: number }[] =
  Object.freeze([
    { name: 'CCSDS_VERSION_NUMBER', offset: 0, bits: 3 },
    { name: 'CCSDS_PACKET_TYPE', offset: 3, bits: 1 },
    { name: 'CCSDS_SECONDARY_FLAG', offset: 4, bits: 1 },
    { name: 'CCSDS_APID', offset: 5, bits: 11 },
    { name: 'CCSDS_SEQUENCE_FLAG', offset: 16, bits: 2 },
    { name: 'CCSDS_SEQUENCE_COUNT', offset: 18, bits: 14 },
    { name: 'CCSDS_PACKET_LENGTH', offset: 32, bits: 16 },
  ]);

/** Throws `INVALID_ARGUMENT` with `message`. */
export function invalidDefinition(message: string): never {
  throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}
