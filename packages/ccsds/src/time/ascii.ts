/**
 * CCSDS ASCII calendar segmented time codes, CCSDS 301.0-B-4 section 3.5: code A
 * `YYYY-MM-DDThh:mm:ss.d...dZ` (month and day of month) and code B `YYYY-DDDThh:mm:ss.d...dZ`
 * (day of year). Years 0001-9999; seconds 00-59, or 60 during a leap second; the decimal
 * fraction has one or more digits or is left out together with its point; the `Z` terminator is
 * optional. The codes are UTC-based; the same text with a TAI reading is offered for ISO
 * renderings of TAI. Also the ISO-string conversions of {@link Instant}s built on them.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../core/index.js';
import {
  checkDateTime,
  daysInMonth,
  daysInYear,
  formatDateTime,
  monthDayFromDayOfYear,
  type DateTime,
} from './calendar.js';
import { fractionFromDigits, type Instant } from './instant.js';
import {
  IERS_LEAP_SECONDS,
  instantFromDateTime,
  instantToDateTime,
  TimeScale,
  type LeapSecondTable,
} from './leap-seconds.js';

/** The two ASCII time code variations. */
export const AsciiVariant = {
  /** Code A: `YYYY-MM-DDThh:mm:ss.d...dZ`. */
  A: 'A',
  /** Code B: `YYYY-DDDThh:mm:ss.d...dZ`. */
  B: 'B',
} as const;

/** One of the values of {@link AsciiVariant}. */
export type AsciiVariant = (typeof AsciiVariant)[keyof typeof AsciiVariant];

/** An ASCII time code as written: its variation, the time it shows, and its layout. */
export interface AsciiTime {
  /** Code A (month/day) or B (day of year). */
  readonly variant: AsciiVariant;
  /** The date and time shown (UTC for the CCSDS codes). */
  readonly dateTime: DateTime;
  /** Number of decimal fraction digits written (0 = no decimal point). */
  readonly fractionDigits: number;
  /** Whether the `Z` terminator is written. */
  readonly terminator: boolean;
}

/** Options of {@link decodeAsciiTime}. */
export interface DecodeAsciiOptions {
  /** Longest accepted fraction (default 100 digits); longer ones give `UNSUPPORTED`. */
  maxFractionDigits?: number;
}

const DEFAULT_MAX_FRACTION_DIGITS = 100;

function fail(code: CcsdsErrorCode, message: string, offset: number): CcsdsError {
  return new CcsdsError(code, `ASCII time code: ${message}`, { offset });
}

/**
 * Decodes an ASCII time code A or B from a string or its ASCII octets (the whole input is the
 * code). Throws only `CcsdsError`: `TRUNCATED` when the input ends early, `INVALID_FIELD` for a
 * wrong character or an out-of-range segment (with its offset), `UNSUPPORTED` for a fraction
 * longer than the limit or finer than 10^-24 s with non-zero digits beyond.
 */
export function decodeAsciiTime(
  input: string | Uint8Array,
  options: DecodeAsciiOptions = {},
): AsciiTime {
  const maxDigits = options.maxFractionDigits ?? DEFAULT_MAX_FRACTION_DIGITS;
  checkInteger(maxDigits, 0, 10_000, 'maxFractionDigits');
  const n = input.length;
  const at =
    typeof input === 'string' ? (i: number) => input.charCodeAt(i) : (i: number) => input[i]!;
  let pos = 0;
  const need = (what: string): number => {
    if (pos >= n) throw fail(CcsdsErrorCode.TRUNCATED, `input ends before ${what}`, pos);
    return at(pos);
  };
  const digits = (count: number, what: string): number => {
    let v = 0;
    for (let k = 0; k < count; k++) {
      const c = need(what);
      if (c < 0x30 || c > 0x39)
        throw fail(CcsdsErrorCode.INVALID_FIELD, `${what}: expected a digit`, pos);
      v = v * 10 + (c - 0x30);
      pos++;
    }
    return v;
  };
  const literal = (ch: string, what: string): void => {
    if (need(what) !== ch.charCodeAt(0))
      throw fail(CcsdsErrorCode.INVALID_FIELD, `expected '${ch}' ${what}`, pos);
    pos++;
  };
  const check = (ok: boolean, what: string, offset: number): void => {
    if (!ok) throw fail(CcsdsErrorCode.INVALID_FIELD, `${what} out of range`, offset);
  };

  const year = digits(4, 'year');
  check(year >= 1, 'year', 0);
  literal('-', 'after the year');
  let variant: AsciiVariant;
  let month: number;
  let day: number;
  // Code A has '-' at offset 7 (YYYY-MM-DD), code B a third day-of-year digit (YYYY-DDD).
  if (n > 7 && at(7) === 0x2d) {
    variant = AsciiVariant.A;
    month = digits(2, 'month');
    check(month >= 1 && month <= 12, 'month', 5);
    literal('-', 'after the month');
    day = digits(2, 'day');
    check(day >= 1 && day <= daysInMonth(year, month), 'day', 8);
  } else {
    variant = AsciiVariant.B;
    const doy = digits(3, 'day of year');
    check(doy >= 1 && doy <= daysInYear(year), 'day of year', 5);
    ({ month, day } = monthDayFromDayOfYear(year, doy));
  }
  literal('T', 'between date and time');
  const hourAt = pos;
  const hour = digits(2, 'hour');
  check(hour <= 23, 'hour', hourAt);
  literal(':', 'after the hour');
  const minute = digits(2, 'minute');
  check(minute <= 59, 'minute', hourAt + 3);
  literal(':', 'after the minute');
  const second = digits(2, 'second');
  check(second <= 59 || (second === 60 && hour === 23 && minute === 59), 'second', hourAt + 6);
  let fractionText = '';
  if (pos < n && at(pos) === 0x2e) {
    pos++;
    const start = pos;
    while (pos < n && at(pos) >= 0x30 && at(pos) <= 0x39) {
      if (pos - start >= maxDigits) {
        throw fail(CcsdsErrorCode.UNSUPPORTED, `more than ${maxDigits} fraction digits`, pos);
      }
      pos++;
    }
    if (pos === start) {
      if (pos >= n) throw fail(CcsdsErrorCode.TRUNCATED, 'input ends before the fraction', pos);
      throw fail(CcsdsErrorCode.INVALID_FIELD, 'expected a fraction digit', pos);
    }
    for (let k = start; k < pos; k++) fractionText += String.fromCharCode(at(k));
  }
  let terminator = false;
  if (pos < n && at(pos) === 0x5a) {
    terminator = true;
    pos++;
  }
  if (pos < n) throw fail(CcsdsErrorCode.INVALID_FIELD, 'unexpected character', pos);
  const fraction = fractionFromDigits(fractionText);
  if (fraction === undefined) {
    throw fail(CcsdsErrorCode.UNSUPPORTED, 'fraction finer than 10^-24 s', pos);
  }
  return {
    variant,
    dateTime: { year, month, day, hour, minute, second, fraction },
    fractionDigits: fractionText.length,
    terminator,
  };
}

/**
 * Writes an ASCII time code. The fraction is truncated to `fractionDigits` digits. Throws
 * `INVALID_ARGUMENT` for a year outside 1-9999 or an invalid date or time.
 */
export function encodeAsciiTime(time: AsciiTime): string {
  checkDateTime(time.dateTime, true, 1, 9999);
  checkInteger(time.fractionDigits, 0, 1000, 'fractionDigits');
  if (time.variant !== 'A' && time.variant !== 'B') {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'ASCII variant must be A or B');
  }
  return formatDateTime(time.dateTime, {
    fractionDigits: time.fractionDigits,
    dayOfYear: time.variant === 'B',
    terminator: time.terminator,
  });
}

/** {@link encodeAsciiTime} as ASCII octets. */
export function encodeAsciiTimeBytes(time: AsciiTime): Uint8Array {
  const s = encodeAsciiTime(time);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Options of the ISO and ASCII instant conversions. */
export interface IsoOptions {
  /** The scale the text is read or written in; default UTC. */
  timeScale?: TimeScale;
  /** Leap-second table for UTC; default the IERS table. */
  leapSeconds?: LeapSecondTable;
}

/** Options of {@link instantToIso}. */
export interface ToIsoOptions extends IsoOptions {
  /** Fraction digits (truncated); default the shortest exact form (up to 80 digits). */
  fractionDigits?: number;
  /** Write the day of year (`YYYY-DDD`, code B). */
  dayOfYear?: boolean;
  /** Write the `Z` terminator; default true for UTC and false for TAI. */
  terminator?: boolean;
}

/**
 * An instant as ISO 8601 / CCSDS ASCII text, e.g. `2016-12-31T23:59:60.5Z` (UTC, which can show
 * leap seconds) or `2017-01-01T00:00:36.5` (TAI). Throws `INVALID_ARGUMENT` for UTC before
 * 1972-01-01 (see `leap-seconds.ts`).
 */
export function instantToIso(instant: Instant, options: ToIsoOptions = {}): string {
  const scale = options.timeScale ?? TimeScale.UTC;
  const dt = instantToDateTime(instant, scale, options.leapSeconds ?? IERS_LEAP_SECONDS);
  const fmt: { fractionDigits?: number; dayOfYear: boolean; terminator: boolean } = {
    dayOfYear: options.dayOfYear ?? false,
    terminator: options.terminator ?? scale === TimeScale.UTC,
  };
  if (options.fractionDigits !== undefined) fmt.fractionDigits = options.fractionDigits;
  return formatDateTime(dt, fmt);
}

/**
 * Parses ISO 8601 text in the CCSDS ASCII layouts (A or B, fraction and `Z` optional; no time
 * zone offsets) as an exact instant, reading it in `options.timeScale` (default UTC). Throws
 * `CcsdsError` (`INVALID_FIELD`, `TRUNCATED`, `UNSUPPORTED` from the parser; `INVALID_ARGUMENT`
 * for UTC before 1972 or a leap second the table does not have).
 */
export function instantFromIso(text: string, options: IsoOptions = {}): Instant {
  return asciiToInstant(decodeAsciiTime(text), options);
}

/** The exact TAI instant of an ASCII time code (read as UTC unless `options.timeScale` says TAI). */
export function asciiToInstant(time: AsciiTime, options: IsoOptions = {}): Instant {
  return instantFromDateTime(
    time.dateTime,
    options.timeScale ?? TimeScale.UTC,
    options.leapSeconds ?? IERS_LEAP_SECONDS,
  );
}

/** Layout of an ASCII code made by {@link asciiFromInstant}. */
export interface AsciiLayout {
  /** Code A or B; default A. */
  variant?: AsciiVariant;
  /** Fraction digits; default 3. */
  fractionDigits?: number;
  /** `Z` terminator; default true. */
  terminator?: boolean;
}

/** The ASCII time code of an instant (UTC unless `options.timeScale` says TAI). */
export function asciiFromInstant(
  instant: Instant,
  layout: AsciiLayout = {},
  options: IsoOptions = {},
): AsciiTime {
  const dateTime = instantToDateTime(
    instant,
    options.timeScale ?? TimeScale.UTC,
    options.leapSeconds ?? IERS_LEAP_SECONDS,
  );
  const fractionDigits = layout.fractionDigits ?? 3;
  checkInteger(fractionDigits, 0, 1000, 'fractionDigits');
  return {
    variant: layout.variant ?? AsciiVariant.A,
    dateTime,
    fractionDigits,
    terminator: layout.terminator ?? true,
  };
}
