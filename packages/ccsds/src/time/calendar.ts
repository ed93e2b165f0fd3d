/**
 * Calendar arithmetic for the CCSDS time codes (CCSDS 301.0-B-4 section 3): the proleptic
 * Gregorian calendar counted in days from the CCSDS epoch 1958-01-01, day of year, and the
 * broken-down {@link DateTime} that the segmented codes (CDS 3.3, CCS 3.4, ASCII 3.5) carry.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import { FRACTION_SCALE, fractionToDigits } from './instant.js';

/** A calendar date (proleptic Gregorian). */
export interface CalendarDate {
  /** Year, 1 to 99999. */
  readonly year: number;
  /** Month, 1 to 12. */
  readonly month: number;
  /** Day of month, 1 to 31. */
  readonly day: number;
}

/**
 * A broken-down time in some time scale (UTC or TAI; the scale is not part of the value).
 * `second` is 60 only during a positive leap second (then `hour` is 23 and `minute` 59).
 */
export interface DateTime extends CalendarDate {
  /** Hour, 0 to 23. */
  readonly hour: number;
  /** Minute, 0 to 59. */
  readonly minute: number;
  /** Second, 0 to 59, or 60 during a leap second. */
  readonly second: number;
  /** Sub-second part in units of 1/FRACTION_SCALE s (see `instant.ts`). */
  readonly fraction: bigint;
}

/** Number of days from 1958-01-01 to 1970-01-01 (the Unix/POSIX epoch). */
export const UNIX_EPOCH_DAY = 4383;

function invalid(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/** True for Gregorian leap years. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const MONTH_START = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334] as const;

/** Days in `month` (1-12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] ?? 0);
}

/** Days in `year` (365 or 366). */
export function daysInYear(year: number): number {
  return isLeapYear(year) ? 366 : 365;
}

/** Day of year (1-366) of a date. */
export function dayOfYear(year: number, month: number, day: number): number {
  return (MONTH_START[month - 1] ?? 0) + day + (month > 2 && isLeapYear(year) ? 1 : 0);
}

/** Month and day of month of day-of-year `doy` (1-366) in `year`. */
export function monthDayFromDayOfYear(year: number, doy: number): { month: number; day: number } {
  let month = 1;
  let left = doy;
  while (month < 12 && left > daysInMonth(year, month)) {
    left -= daysInMonth(year, month);
    month++;
  }
  return { month, day: left };
}

// Days since 0000-03-01 of the proleptic Gregorian calendar, counting years from March so that
// the leap day is the last day of the counted year (400-year cycles of 146097 days).
function daysSinceMarchYear0(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const cycle = Math.floor(y / 400);
  const yearOfCycle = y - cycle * 400;
  const m = month > 2 ? month - 3 : month + 9; // March = 0
  const dayOfMarchYear = Math.floor((153 * m + 2) / 5) + day - 1;
  const dayOfCycle =
    yearOfCycle * 365 +
    Math.floor(yearOfCycle / 4) -
    Math.floor(yearOfCycle / 100) +
    dayOfMarchYear;
  return cycle * 146097 + dayOfCycle;
}

const EPOCH_1958 = daysSinceMarchYear0(1958, 1, 1);

/** Days from 1958-01-01 to the given date (negative before it). No range checks. */
export function daysFromCivil(year: number, month: number, day: number): number {
  return daysSinceMarchYear0(year, month, day) - EPOCH_1958;
}

/** The date `days` days after 1958-01-01 (the inverse of {@link daysFromCivil}). */
export function civilFromDays(days: number): CalendarDate {
  const z = days + EPOCH_1958;
  const cycle = Math.floor(z / 146097);
  const dayOfCycle = z - cycle * 146097;
  const yearOfCycle = Math.floor(
    (dayOfCycle -
      Math.floor(dayOfCycle / 1460) +
      Math.floor(dayOfCycle / 36524) -
      Math.floor(dayOfCycle / 146096)) /
      365,
  );
  const dayOfMarchYear =
    dayOfCycle - (365 * yearOfCycle + Math.floor(yearOfCycle / 4) - Math.floor(yearOfCycle / 100));
  const m = Math.floor((5 * dayOfMarchYear + 2) / 153);
  const day = dayOfMarchYear - Math.floor((153 * m + 2) / 5) + 1;
  const month = m < 10 ? m + 3 : m - 9;
  const year = yearOfCycle + cycle * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** True when the date exists in the calendar, with `year` in `[minYear, maxYear]`. */
export function isValidDate(
  year: number,
  month: number,
  day: number,
  minYear = 1,
  maxYear = 99999,
): boolean {
  return (
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    year >= minYear &&
    year <= maxYear &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/**
 * Throws `INVALID_ARGUMENT` unless `dt` is a well-formed date and time: a real date with year
 * `minYear..maxYear` (default 1..99999), hour 0-23, minute 0-59, second 0-59 (or 60 at 23:59 when
 * `allowLeapSecond`), fraction in `[0, FRACTION_SCALE)`.
 */
export function checkDateTime(
  dt: DateTime,
  allowLeapSecond: boolean,
  minYear = 1,
  maxYear = 99999,
): void {
  if (!isValidDate(dt.year, dt.month, dt.day, minYear, maxYear)) {
    throw invalid(
      `not a date from year ${minYear} to ${maxYear}: ${dt.year}-${dt.month}-${dt.day}`,
    );
  }
  const leap = dt.second === 60 && allowLeapSecond && dt.hour === 23 && dt.minute === 59;
  if (
    !Number.isInteger(dt.hour) ||
    dt.hour < 0 ||
    dt.hour > 23 ||
    !Number.isInteger(dt.minute) ||
    dt.minute < 0 ||
    dt.minute > 59 ||
    !Number.isInteger(dt.second) ||
    dt.second < 0 ||
    (dt.second > 59 && !leap)
  ) {
    throw invalid(`not a time of day: ${dt.hour}:${dt.minute}:${dt.second}`);
  }
  if (typeof dt.fraction !== 'bigint' || dt.fraction < 0n || dt.fraction >= FRACTION_SCALE) {
    throw invalid('fraction must be a bigint in [0, FRACTION_SCALE)');
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Options of {@link formatDateTime}. */
export interface FormatDateTimeOptions {
  /** Digits after the decimal point (truncated); default: the shortest exact form. */
  fractionDigits?: number;
  /** Write the day of year (`YYYY-DDD`, ASCII code B) instead of month and day (code A). */
  dayOfYear?: boolean;
  /** Append the `Z` terminator. Default false. */
  terminator?: boolean;
}

/**
 * Renders `dt` as `YYYY-MM-DDThh:mm:ss[.d...d][Z]` (or `YYYY-DDDThh:mm:ss...` with
 * `dayOfYear`), the layout of the CCSDS ASCII time codes A and B (301.0-B-4 3.5). No checks.
 */
export function formatDateTime(dt: DateTime, options: FormatDateTimeOptions = {}): string {
  const date = options.dayOfYear
    ? `${pad(dt.year, 4)}-${pad(dayOfYear(dt.year, dt.month, dt.day), 3)}`
    : `${pad(dt.year, 4)}-${pad(dt.month, 2)}-${pad(dt.day, 2)}`;
  const digits = fractionToDigits(dt.fraction, options.fractionDigits);
  return (
    `${date}T${pad(dt.hour, 2)}:${pad(dt.minute, 2)}:${pad(dt.second, 2)}` +
    (digits.length > 0 ? '.' + digits : '') +
    (options.terminator ? 'Z' : '')
  );
}

/** Seconds of the day (0 to 86400) of a date and time, without the fraction. */
export function secondOfDay(dt: DateTime): number {
  return dt.hour * 3600 + dt.minute * 60 + dt.second;
}

/**
 * The date and time `secondOfDay` (+ fraction) into day `days` after 1958-01-01, in a scale with
 * 86400-s days; `secondOfDay` 86400 and above give second 60 (a leap second) at 23:59.
 */
export function dateTimeFromDaySecond(
  days: number,
  secondOfDay: number,
  fraction: bigint,
): DateTime {
  const date = civilFromDays(days);
  if (secondOfDay >= 86400) {
    return { ...date, hour: 23, minute: 59, second: 60 + (secondOfDay - 86400), fraction };
  }
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay - hour * 3600) / 60);
  return { ...date, hour, minute, second: secondOfDay - hour * 3600 - minute * 60, fraction };
}
