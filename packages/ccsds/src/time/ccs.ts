/**
 * CCSDS Calendar Segmented time code (CCS), CCSDS 301.0-B-4 section 3.4: year, month and day of
 * month (or day of year), hour, minute, second and 0 to 6 octets of sub-second, every segment in
 * binary-coded decimal (two digits per octet; the year four digits, the day of year three with a
 * leading zero nibble). Each sub-second octet adds two decimal digits: 10^-2 to 10^-12 s.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger, requireBytes } from '../core/index.js';
import {
  checkDateTime,
  dayOfYear as dayOfYearOf,
  daysInMonth,
  daysInYear,
  monthDayFromDayOfYear,
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

/** Calendar variation (P-field bit 4). */
export const CcsCalendarVariation = {
  /** 0: month and day of month. */
  MONTH_DAY: 'monthDay',
  /** 1: day of year. */
  DAY_OF_YEAR: 'dayOfYear',
} as const;

/** One of the values of {@link CcsCalendarVariation}. */
export type CcsCalendarVariation = (typeof CcsCalendarVariation)[keyof typeof CcsCalendarVariation];

/** A CCS configuration (defaults: month/day variation, no sub-second octets). */
export interface CcsConfig {
  /** Calendar variation flag. */
  calendarVariation?: CcsCalendarVariation;
  /** Resolution: number of sub-second octets, 0 to 6 (P-field bits 5-7). */
  resolution?: number;
}

/** A complete CCS P-field. */
export type CcsPField = Required<CcsConfig>;

/** A CCS time code. Both calendar forms are filled on decode; encoding uses the P-field's one. */
export interface CcsTime {
  /** The P-field (written in front of the T-field when explicit, agreed otherwise). */
  readonly pField: CcsPField;
  /** Year, 1 to 9999. */
  readonly year: number;
  /** Month, 1 to 12 (month/day variation). */
  readonly month: number;
  /** Day of month, 1 to 31 (month/day variation). */
  readonly day: number;
  /** Day of year, 1 to 366 (day-of-year variation). */
  readonly dayOfYear: number;
  /** Hour, 0 to 23. */
  readonly hour: number;
  /** Minute, 0 to 59. */
  readonly minute: number;
  /** Second, 0 to 60 (60 only at 23:59, during a leap second). */
  readonly second: number;
  /** Sub-second count in units of 10^-(2 × resolution) s, below 100^resolution. */
  readonly subSecond: number;
}

function invalidArg(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/** Resolves and checks a configuration. Throws `INVALID_ARGUMENT`. */
export function ccsPField(config: CcsConfig = {}): CcsPField {
  const calendarVariation = config.calendarVariation ?? CcsCalendarVariation.MONTH_DAY;
  const resolution = config.resolution ?? 0;
  if (calendarVariation !== 'monthDay' && calendarVariation !== 'dayOfYear') {
    throw invalidArg('CCS calendar variation must be monthDay or dayOfYear');
  }
  checkInteger(resolution, 0, 6, 'CCS resolution');
  return { calendarVariation, resolution };
}

/** Octets of the T-field: 7 + resolution. */
export function ccsTFieldLength(pField: CcsPField): number {
  return 7 + pField.resolution;
}

/** Encodes the one-octet P-field. */
export function encodeCcsPField(config: CcsConfig): Uint8Array {
  const p = ccsPField(config);
  return Uint8Array.of(0x50 | (p.calendarVariation === 'dayOfYear' ? 8 : 0) | p.resolution);
}

/**
 * Decodes a CCS P-field at `offset`. Throws `TRUNCATED`, `INVALID_FIELD` (not time code ID 101,
 * or resolution 7) or `UNSUPPORTED` (extension flag set).
 */
export function decodeCcsPField(bytes: Uint8Array, offset = 0): CcsPField {
  requireBytes(bytes, offset, 1, 'CCS P-field');
  const b = bytes[offset]!;
  if (((b >> 4) & 7) !== 5) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `time code ID ${(b >> 4) & 7} is not CCS`, {
      offset,
    });
  }
  if ((b & 0x80) !== 0) {
    throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, 'CCS P-field extension flag set', { offset });
  }
  if ((b & 7) === 7) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'CCS resolution 7 is not defined', {
      offset,
    });
  }
  return { calendarVariation: b & 8 ? 'dayOfYear' : 'monthDay', resolution: b & 7 };
}

function bcd(value: number): number {
  return (Math.floor(value / 10) % 10 << 4) | value % 10;
}

/**
 * Encodes a CCS time code. Throws `INVALID_ARGUMENT` when a segment is out of range or the date
 * does not exist.
 */
export function encodeCcs(time: CcsTime, options: EncodeOptions = {}): Uint8Array {
  const p = ccsPField(time.pField);
  checkInteger(time.year, 1, 9999, 'CCS year');
  let month = time.month;
  let day = time.day;
  if (p.calendarVariation === 'dayOfYear') {
    checkInteger(time.dayOfYear, 1, daysInYear(time.year), 'CCS day of year');
    ({ month, day } = monthDayFromDayOfYear(time.year, time.dayOfYear));
  }
  checkDateTime(
    {
      year: time.year,
      month,
      day,
      hour: time.hour,
      minute: time.minute,
      second: time.second,
      fraction: 0n,
    },
    true,
  );
  checkInteger(time.subSecond, 0, 100 ** p.resolution - 1, 'CCS sub-second');
  const explicit = options.explicitPField !== false;
  const out = new Uint8Array((explicit ? 1 : 0) + ccsTFieldLength(p));
  let o = 0;
  if (explicit) out[o++] = encodeCcsPField(p)[0]!;
  out[o++] = bcd(Math.floor(time.year / 100));
  out[o++] = bcd(time.year % 100);
  if (p.calendarVariation === 'dayOfYear') {
    out[o++] = Math.floor(time.dayOfYear / 100);
    out[o++] = bcd(time.dayOfYear % 100);
  } else {
    out[o++] = bcd(month);
    out[o++] = bcd(day);
  }
  out[o++] = bcd(time.hour);
  out[o++] = bcd(time.minute);
  out[o++] = bcd(time.second);
  let rest = time.subSecond;
  for (let i = p.resolution - 1; i >= 0; i--) {
    out[o + i] = bcd(rest % 100);
    rest = Math.floor(rest / 100);
  }
  return out;
}

/** Options of {@link decodeCcs}. */
export interface DecodeCcsOptions {
  /** The agreed configuration when the P-field is implicit (the input holds only the T-field). */
  pField?: CcsConfig;
  /** Where the time code starts in the input (default 0). Octets after it are ignored. */
  offset?: number;
}

function readBcd(bytes: Uint8Array, at: number, what: string): number {
  const b = bytes[at]!;
  const hi = b >> 4;
  const lo = b & 15;
  if (hi > 9 || lo > 9) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `CCS ${what}: 0x${b.toString(16)} is not BCD`,
      { offset: at },
    );
  }
  return hi * 10 + lo;
}

function range(value: number, min: number, max: number, at: number, what: string): number {
  if (value < min || value > max) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `CCS ${what} ${value} out of range ${min}-${max}`,
      { offset: at },
    );
  }
  return value;
}

/**
 * Decodes a CCS time code, with an explicit P-field by default or only the T-field when
 * `options.pField` is given. Every digit must be BCD and every segment in range (year 1-9999,
 * a real date, hour 0-23, minute 0-59, second 0-59 or 60 at 23:59): `INVALID_FIELD` with the
 * octet's offset; `TRUNCATED` for short input.
 */
export function decodeCcs(bytes: Uint8Array, options: DecodeCcsOptions = {}): CcsTime {
  const offset = options.offset ?? 0;
  checkInteger(offset, 0, bytes.length, 'offset');
  const implicit = options.pField !== undefined;
  const pField = implicit ? ccsPField(options.pField) : decodeCcsPField(bytes, offset);
  const t = offset + (implicit ? 0 : 1);
  requireBytes(bytes, t, ccsTFieldLength(pField), 'CCS T-field');
  const year = range(
    readBcd(bytes, t, 'year') * 100 + readBcd(bytes, t + 1, 'year'),
    1,
    9999,
    t,
    'year',
  );
  let month: number;
  let day: number;
  let doy: number;
  if (pField.calendarVariation === 'dayOfYear') {
    const hi = readBcd(bytes, t + 2, 'day of year');
    if (hi > 3) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'CCS day of year above 399', {
        offset: t + 2,
      });
    }
    doy = range(
      hi * 100 + readBcd(bytes, t + 3, 'day of year'),
      1,
      daysInYear(year),
      t + 2,
      'day of year',
    );
    ({ month, day } = monthDayFromDayOfYear(year, doy));
  } else {
    month = range(readBcd(bytes, t + 2, 'month'), 1, 12, t + 2, 'month');
    day = range(readBcd(bytes, t + 3, 'day'), 1, daysInMonth(year, month), t + 3, 'day');
    doy = dayOfYearOf(year, month, day);
  }
  const hour = range(readBcd(bytes, t + 4, 'hour'), 0, 23, t + 4, 'hour');
  const minute = range(readBcd(bytes, t + 5, 'minute'), 0, 59, t + 5, 'minute');
  const second = range(
    readBcd(bytes, t + 6, 'second'),
    0,
    hour === 23 && minute === 59 ? 60 : 59,
    t + 6,
    'second',
  );
  let subSecond = 0;
  for (let i = 0; i < pField.resolution; i++)
    subSecond = subSecond * 100 + readBcd(bytes, t + 7 + i, 'sub-second');
  return { pField, year, month, day, dayOfYear: doy, hour, minute, second, subSecond };
}

/** Options of the CCS date and instant conversions. */
export interface CcsConversionOptions {
  /** Time scale the code carries; default UTC. */
  timeScale?: TimeScale;
  /** Leap-second table for UTC; default the IERS table. */
  leapSeconds?: LeapSecondTable;
}

/** The date and time a CCS code shows (exact), in its own time scale. */
export function ccsToDateTime(time: CcsTime): DateTime {
  const p = ccsPField(time.pField);
  const { month, day } =
    p.calendarVariation === 'dayOfYear'
      ? monthDayFromDayOfYear(time.year, time.dayOfYear)
      : { month: time.month, day: time.day };
  const fraction = (BigInt(time.subSecond) * FRACTION_SCALE) / 100n ** BigInt(p.resolution);
  return {
    year: time.year,
    month,
    day,
    hour: time.hour,
    minute: time.minute,
    second: time.second,
    fraction,
  };
}

/** The CCS code of a date and time (truncated to the resolution). Throws `INVALID_ARGUMENT`. */
export function ccsFromDateTime(dt: DateTime, config: CcsConfig = {}): CcsTime {
  const pField = ccsPField(config);
  checkDateTime(dt, true, 1, 9999);
  return {
    pField,
    year: dt.year,
    month: dt.month,
    day: dt.day,
    dayOfYear: dayOfYearOf(dt.year, dt.month, dt.day),
    hour: dt.hour,
    minute: dt.minute,
    second: dt.second,
    subSecond: Number((dt.fraction * 100n ** BigInt(pField.resolution)) / FRACTION_SCALE),
  };
}

/** The exact TAI instant of a CCS code carrying `options.timeScale` (default UTC). */
export function ccsToInstant(time: CcsTime, options: CcsConversionOptions = {}): Instant {
  return instantFromDateTime(
    ccsToDateTime(time),
    options.timeScale ?? TimeScale.UTC,
    options.leapSeconds ?? IERS_LEAP_SECONDS,
  );
}

/** The CCS code (in `options.timeScale`, default UTC) of a TAI instant, truncated to its resolution. */
export function ccsFromInstant(
  instant: Instant,
  config: CcsConfig = {},
  options: CcsConversionOptions = {},
): CcsTime {
  return ccsFromDateTime(
    instantToDateTime(
      instant,
      options.timeScale ?? TimeScale.UTC,
      options.leapSeconds ?? IERS_LEAP_SECONDS,
    ),
    config,
  );
}
