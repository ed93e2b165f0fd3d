/**
 * CCSDS Day Segmented time code (CDS), CCSDS 301.0-B-4 section 3.3: a count of days (16 or 24
 * bits) since the epoch (1958-01-01, or an agency-defined epoch), the milliseconds of the day
 * (32 bits) and optionally the microseconds (16 bits) or picoseconds (32 bits) of the
 * millisecond. The time scale is usually UTC, so the milliseconds of a day that ends with a
 * positive leap second run up to 86,400,999.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger, requireBytes } from '../core/index.js';
import {
  checkDateTime,
  daysFromCivil,
  dateTimeFromDaySecond,
  isValidDate,
  secondOfDay,
  type CalendarDate,
  type DateTime,
} from './calendar.js';
import { FRACTION_SCALE, type Instant } from './instant.js';
import {
  IERS_LEAP_SECONDS,
  instantFromDateTime,
  instantToDateTime,
  TimeScale,
  type LeapSecondTable,
} from './leap-seconds.js';
import type { EncodeOptions } from './cuc.js';

/** Length of the sub-millisecond segment (P-field bits 6-7). */
export const CdsSubMs = {
  /** 00: no sub-millisecond segment. */
  NONE: 'none',
  /** 01: 16-bit microseconds of the millisecond (0-999). */
  MICROSECONDS: 'microseconds',
  /** 10: 32-bit picoseconds of the millisecond (0-999,999,999). */
  PICOSECONDS: 'picoseconds',
} as const;

/** One of the values of {@link CdsSubMs}. */
export type CdsSubMs = (typeof CdsSubMs)[keyof typeof CdsSubMs];

/** A CDS configuration as a caller writes it (defaults: CCSDS epoch, 16-bit day, no sub-ms). */
export interface CdsConfig {
  /** Epoch identification: false = 1958-01-01 (bit 4 = 0), true = agency-defined (bit 4 = 1). */
  agencyEpoch?: boolean;
  /** Length of the day segment in octets: 2 (16 bits) or 3 (24 bits). */
  dayOctets?: 2 | 3;
  /** Length of the sub-millisecond segment. */
  subMs?: CdsSubMs;
}

/** A complete CDS P-field. */
export type CdsPField = Required<CdsConfig>;

/** A CDS time code: its P-field and T-field segments. */
export interface CdsTime {
  /** The P-field (written in front of the T-field when explicit, agreed otherwise). */
  readonly pField: CdsPField;
  /** Days since the epoch. */
  readonly day: number;
  /** Milliseconds of the day, 0 to 86,400,999 (86,400,000 and above only in a leap second). */
  readonly msOfDay: number;
  /** Microseconds or picoseconds of the millisecond; 0 when there is no such segment. */
  readonly subMs: number;
}

const SUB_MS_CODES: Record<CdsSubMs, number> = { none: 0, microseconds: 1, picoseconds: 2 };
const SUB_MS_OCTETS: Record<CdsSubMs, number> = { none: 0, microseconds: 2, picoseconds: 4 };
const SUB_MS_MAX: Record<CdsSubMs, number> = {
  none: 0,
  microseconds: 999,
  picoseconds: 999_999_999,
};
const SUB_MS_PER_MS: Record<CdsSubMs, bigint> = {
  none: 1n,
  microseconds: 1000n,
  picoseconds: 1_000_000_000n,
};

/** Largest milliseconds-of-day value: the last millisecond of a leap second. */
export const CDS_MAX_MS_OF_DAY = 86_400_999;

function invalidArg(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/** Resolves and checks a configuration. Throws `INVALID_ARGUMENT`. */
export function cdsPField(config: CdsConfig = {}): CdsPField {
  const agencyEpoch = config.agencyEpoch ?? false;
  const dayOctets = config.dayOctets ?? 2;
  const subMs = config.subMs ?? CdsSubMs.NONE;
  if (typeof agencyEpoch !== 'boolean') throw invalidArg('CDS agencyEpoch must be a boolean');
  if (dayOctets !== 2 && dayOctets !== 3) throw invalidArg('CDS day octets must be 2 or 3');
  if (!Object.prototype.hasOwnProperty.call(SUB_MS_CODES, subMs)) {
    throw invalidArg('CDS subMs must be none, microseconds or picoseconds');
  }
  return { agencyEpoch, dayOctets, subMs };
}

/** Octets of the T-field: day (2 or 3) + 4 + sub-ms (0, 2 or 4). */
export function cdsTFieldLength(pField: CdsPField): number {
  return pField.dayOctets + 4 + SUB_MS_OCTETS[pField.subMs];
}

/** Encodes the one-octet P-field. */
export function encodeCdsPField(config: CdsConfig): Uint8Array {
  const p = cdsPField(config);
  return Uint8Array.of(
    0x40 | (p.agencyEpoch ? 8 : 0) | (p.dayOctets === 3 ? 4 : 0) | SUB_MS_CODES[p.subMs],
  );
}

/**
 * Decodes a CDS P-field at `offset`. Throws `TRUNCATED`, `INVALID_FIELD` (not time code ID 100,
 * or the reserved sub-millisecond code 11) or `UNSUPPORTED` (extension flag set).
 */
export function decodeCdsPField(bytes: Uint8Array, offset = 0): CdsPField {
  requireBytes(bytes, offset, 1, 'CDS P-field');
  const b = bytes[offset]!;
  if (((b >> 4) & 7) !== 4) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `time code ID ${(b >> 4) & 7} is not CDS`, {
      offset,
    });
  }
  if ((b & 0x80) !== 0) {
    throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, 'CDS P-field extension flag set', { offset });
  }
  const code = b & 3;
  if (code === 3) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'CDS sub-millisecond code 11 is reserved', {
      offset,
    });
  }
  return {
    agencyEpoch: (b & 8) !== 0,
    dayOctets: b & 4 ? 3 : 2,
    subMs: code === 0 ? CdsSubMs.NONE : code === 1 ? CdsSubMs.MICROSECONDS : CdsSubMs.PICOSECONDS,
  };
}

/**
 * Encodes a CDS time code. Throws `INVALID_ARGUMENT` when a segment is out of range (day beyond
 * its octets, ms of day above 86,400,999, sub-ms above 999 / 999,999,999 or given without a
 * segment).
 */
export function encodeCds(time: CdsTime, options: EncodeOptions = {}): Uint8Array {
  const p = cdsPField(time.pField);
  checkInteger(time.day, 0, p.dayOctets === 2 ? 0xffff : 0xffffff, 'CDS day');
  checkInteger(time.msOfDay, 0, CDS_MAX_MS_OF_DAY, 'CDS ms of day');
  checkInteger(time.subMs, 0, SUB_MS_MAX[p.subMs], 'CDS sub-ms');
  const explicit = options.explicitPField !== false;
  const h = explicit ? 1 : 0;
  const out = new Uint8Array(h + cdsTFieldLength(p));
  if (explicit) out[0] = encodeCdsPField(p)[0]!;
  let o = h;
  if (p.dayOctets === 3) out[o++] = time.day >>> 16;
  out[o++] = (time.day >>> 8) & 0xff;
  out[o++] = time.day & 0xff;
  const ms = time.msOfDay;
  out[o++] = ms >>> 24;
  out[o++] = (ms >>> 16) & 0xff;
  out[o++] = (ms >>> 8) & 0xff;
  out[o++] = ms & 0xff;
  const s = time.subMs;
  if (p.subMs === CdsSubMs.PICOSECONDS) {
    out[o++] = s >>> 24;
    out[o++] = (s >>> 16) & 0xff;
  }
  if (p.subMs !== CdsSubMs.NONE) {
    out[o++] = (s >>> 8) & 0xff;
    out[o] = s & 0xff;
  }
  return out;
}

/** Options of {@link decodeCds}. */
export interface DecodeCdsOptions {
  /** The agreed configuration when the P-field is implicit (the input holds only the T-field). */
  pField?: CdsConfig;
  /** Where the time code starts in the input (default 0). Octets after it are ignored. */
  offset?: number;
}

/**
 * Decodes a CDS time code, with an explicit P-field by default or only the T-field when
 * `options.pField` is given. Checks ms of day ≤ 86,400,999 (a leap second's last millisecond)
 * and the sub-millisecond range (`INVALID_FIELD`); `TRUNCATED` for short input.
 */
export function decodeCds(bytes: Uint8Array, options: DecodeCdsOptions = {}): CdsTime {
  const offset = options.offset ?? 0;
  checkInteger(offset, 0, bytes.length, 'offset');
  const implicit = options.pField !== undefined;
  const pField = implicit ? cdsPField(options.pField) : decodeCdsPField(bytes, offset);
  let o = offset + (implicit ? 0 : 1);
  requireBytes(bytes, o, cdsTFieldLength(pField), 'CDS T-field');
  let day = 0;
  for (let i = 0; i < pField.dayOctets; i++) day = day * 256 + bytes[o++]!;
  const msAt = o;
  const msOfDay =
    ((bytes[o]! << 24) >>> 0) + (bytes[o + 1]! << 16) + (bytes[o + 2]! << 8) + bytes[o + 3]!;
  o += 4;
  if (msOfDay > CDS_MAX_MS_OF_DAY) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `CDS ms of day ${msOfDay} > 86400999`, {
      offset: msAt,
    });
  }
  let subMs = 0;
  if (pField.subMs === CdsSubMs.MICROSECONDS) {
    subMs = (bytes[o]! << 8) | bytes[o + 1]!;
  } else if (pField.subMs === CdsSubMs.PICOSECONDS) {
    subMs =
      ((bytes[o]! << 24) >>> 0) + (bytes[o + 1]! << 16) + (bytes[o + 2]! << 8) + bytes[o + 3]!;
  }
  if (subMs > SUB_MS_MAX[pField.subMs]) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `CDS ${pField.subMs} ${subMs} out of range`,
      { offset: o },
    );
  }
  return { pField, day, msOfDay, subMs };
}

/** Options of the CDS date and instant conversions. */
export interface CdsConversionOptions {
  /** The agency-defined epoch (a date in the code's time scale); required when the P-field says so. */
  agencyEpoch?: CalendarDate;
  /** Time scale the code carries; default UTC. */
  timeScale?: TimeScale;
  /** Leap-second table for UTC; default the IERS table. */
  leapSeconds?: LeapSecondTable;
}

function epochDay(pField: CdsPField, options: CdsConversionOptions): number {
  if (!pField.agencyEpoch) return 0;
  const e = options.agencyEpoch;
  if (e === undefined)
    throw invalidArg('a CDS code with an agency-defined epoch needs options.agencyEpoch');
  if (!isValidDate(e.year, e.month, e.day)) throw invalidArg('agencyEpoch is not a valid date');
  return daysFromCivil(e.year, e.month, e.day);
}

/**
 * The date and time a CDS code shows, in its own time scale (86400-s days; a ms of day from
 * 86,400,000 shows as 23:59:60.xxx). Exact, including picoseconds.
 */
export function cdsToDateTime(time: CdsTime, options: CdsConversionOptions = {}): DateTime {
  const p = cdsPField(time.pField);
  const ms = time.msOfDay % 1000;
  const fraction =
    (BigInt(ms) * FRACTION_SCALE) / 1000n +
    (BigInt(time.subMs) * FRACTION_SCALE) / (1000n * SUB_MS_PER_MS[p.subMs]);
  return dateTimeFromDaySecond(
    epochDay(p, options) + time.day,
    Math.floor(time.msOfDay / 1000),
    fraction,
  );
}

/**
 * The CDS code of a date and time in the code's time scale, truncating below the resolution.
 * Throws `INVALID_ARGUMENT` when the date is before the epoch or beyond the day segment.
 */
export function cdsFromDateTime(
  dt: DateTime,
  config: CdsConfig = {},
  options: CdsConversionOptions = {},
): CdsTime {
  const pField = cdsPField(config);
  checkDateTime(dt, true);
  const day = daysFromCivil(dt.year, dt.month, dt.day) - epochDay(pField, options);
  if (day < 0 || day > (pField.dayOctets === 2 ? 0xffff : 0xffffff)) {
    throw invalidArg(`day ${day} outside the CDS day segment`);
  }
  const msInSecond = Number((dt.fraction * 1000n) / FRACTION_SCALE);
  const rest = dt.fraction - (BigInt(msInSecond) * FRACTION_SCALE) / 1000n;
  const subMs = Number((rest * 1000n * SUB_MS_PER_MS[pField.subMs]) / FRACTION_SCALE);
  return {
    pField,
    day,
    msOfDay: secondOfDay(dt) * 1000 + msInSecond,
    subMs: pField.subMs === CdsSubMs.NONE ? 0 : subMs,
  };
}

/**
 * The exact TAI instant of a CDS code carrying `options.timeScale` (default UTC, converted with
 * the leap-second table; defined from 1972-01-01). Throws `INVALID_ARGUMENT` for a leap second
 * that the scale or table does not have.
 */
export function cdsToInstant(time: CdsTime, options: CdsConversionOptions = {}): Instant {
  return instantFromDateTime(
    cdsToDateTime(time, options),
    options.timeScale ?? TimeScale.UTC,
    options.leapSeconds ?? IERS_LEAP_SECONDS,
  );
}

/** The CDS code (in `options.timeScale`, default UTC) of a TAI instant, truncated to its resolution. */
export function cdsFromInstant(
  instant: Instant,
  config: CdsConfig = {},
  options: CdsConversionOptions = {},
): CdsTime {
  const dt = instantToDateTime(
    instant,
    options.timeScale ?? TimeScale.UTC,
    options.leapSeconds ?? IERS_LEAP_SECONDS,
  );
  return cdsFromDateTime(dt, config, options);
}
