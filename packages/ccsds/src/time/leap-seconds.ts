/**
 * UTC, TAI, JS `Date` and ISO strings for the CCSDS time codes (CCSDS 301.0-B-4 section 3;
 * CUC counts TAI seconds from 1958-01-01 TAI, 3.2.2; CDS, CCS and ASCII usually carry UTC).
 *
 * UTC is converted with a table of TAI-UTC offsets. {@link IERS_LEAP_SECONDS} holds the complete
 * IERS table since 1972-01-01 (TAI-UTC = 10 s) up to the leap second at the end of 2016
 * (TAI-UTC = 37 s from 2017-01-01); no leap second has been announced since (IERS Bulletin C).
 * After the last entry its offset is assumed to hold; supply a newer table with
 * {@link createLeapSecondTable} when the IERS announces one.
 *
 * Before 1972-01-01 UTC ran at a different rate from TAI and TAI-UTC was not a whole number of
 * seconds (it was about 0 at 1958-01-01 and 4.2131700 s at 1961-01-01), so a table of integral
 * offsets cannot describe it. Every UTC conversion here is defined from 1972-01-01T00:00:00 UTC
 * (= 1972-01-01T00:00:10 TAI) on and throws `INVALID_ARGUMENT` for earlier instants. TAI itself
 * (CUC, or codes declared to carry TAI) has no such limit.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import {
  checkDateTime,
  daysFromCivil,
  dateTimeFromDaySecond,
  formatDateTime,
  isValidDate,
  secondOfDay,
  UNIX_EPOCH_DAY,
  type CalendarDate,
  type DateTime,
} from './calendar.js';
import { floorDiv, FRACTION_SCALE, type Instant } from './instant.js';

/** Time scales a segmented time code can carry. */
export const TimeScale = {
  /** International Atomic Time: 86400-s days, no leap seconds. */
  TAI: 'TAI',
  /** Coordinated Universal Time: TAI minus the leap-second table's offset. */
  UTC: 'UTC',
} as const;

/** One of the values of {@link TimeScale}. */
export type TimeScale = (typeof TimeScale)[keyof typeof TimeScale];

/** One row of a leap-second table: from `date` 00:00:00 UTC on, TAI-UTC = `taiMinusUtc` s. */
export interface LeapSecondEntry {
  /** The UTC date (`YYYY-MM-DD`) from whose start the offset applies. */
  readonly date: string;
  /** TAI - UTC in whole seconds from that date on. */
  readonly taiMinusUtc: number;
}

/** A checked leap-second table, made by {@link createLeapSecondTable}. */
export interface LeapSecondTable {
  /** The rows, in date order. */
  readonly entries: readonly LeapSecondEntry[];
  /** Day numbers (days since 1958-01-01) of the rows' dates. */
  readonly days: readonly number[];
  /** TAI-UTC of each row. */
  readonly offsets: readonly number[];
}

function invalid(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/**
 * Checks and indexes a leap-second table. Rows must be in strictly increasing date order, with
 * whole-second offsets that change by exactly +1 or -1 from one row to the next (a positive or
 * negative leap second at the end of the day before the row's date). Throws `INVALID_ARGUMENT`.
 */
export function createLeapSecondTable(entries: readonly LeapSecondEntry[]): LeapSecondTable {
  if (entries.length === 0) throw invalid('a leap-second table needs at least one entry');
  const days: number[] = [];
  const offsets: number[] = [];
  for (const [i, e] of entries.entries()) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(e.date);
    const y = Number(m?.[1]);
    const mo = Number(m?.[2]);
    const d = Number(m?.[3]);
    if (m === null || !isValidDate(y, mo, d))
      throw invalid(`leap-second entry ${i}: bad date ${e.date}`);
    if (!Number.isSafeInteger(e.taiMinusUtc) || Math.abs(e.taiMinusUtc) > 1e6) {
      throw invalid(`leap-second entry ${i}: TAI-UTC must be an integer`);
    }
    const day = daysFromCivil(y, mo, d);
    const prevDay = days[i - 1];
    const prevOffset = offsets[i - 1];
    if (prevDay !== undefined && prevOffset !== undefined) {
      if (day <= prevDay) throw invalid(`leap-second entry ${i}: dates must increase`);
      if (Math.abs(e.taiMinusUtc - prevOffset) !== 1) {
        throw invalid(`leap-second entry ${i}: TAI-UTC must change by exactly one second`);
      }
    }
    days.push(day);
    offsets.push(e.taiMinusUtc);
  }
  return Object.freeze({
    entries: Object.freeze(entries.map((e) => Object.freeze({ ...e }))),
    days: Object.freeze(days),
    offsets: Object.freeze(offsets),
  });
}

/**
 * The IERS leap-second history (Bulletin C): the dates from which TAI-UTC took each value, from
 * 1972-01-01 (10 s) to 2017-01-01 (37 s).
 */
export const IERS_LEAP_SECOND_ENTRIES: readonly LeapSecondEntry[] = Object.freeze(
  (
    [
      ['1972-01-01', 10],
      ['1972-07-01', 11],
      ['1973-01-01', 12],
      ['1974-01-01', 13],
      ['1975-01-01', 14],
      ['1976-01-01', 15],
      ['1977-01-01', 16],
      ['1978-01-01', 17],
      ['1979-01-01', 18],
      ['1980-01-01', 19],
      ['1981-07-01', 20],
      ['1982-07-01', 21],
      ['1983-07-01', 22],
      ['1985-07-01', 23],
      ['1988-01-01', 24],
      ['1990-01-01', 25],
      ['1991-01-01', 26],
      ['1992-07-01', 27],
      ['1993-07-01', 28],
      ['1994-07-01', 29],
      ['1996-01-01', 30],
      ['1997-07-01', 31],
      ['1999-01-01', 32],
      ['2006-01-01', 33],
      ['2009-01-01', 34],
      ['2012-07-01', 35],
      ['2015-07-01', 36],
      ['2017-01-01', 37],
    ] as const
  ).map(([date, taiMinusUtc]) => Object.freeze({ date, taiMinusUtc })),
);

/** The default table: {@link IERS_LEAP_SECOND_ENTRIES}, valid from 1972-01-01 UTC. */
export const IERS_LEAP_SECONDS: LeapSecondTable = createLeapSecondTable(IERS_LEAP_SECOND_ENTRIES);

function rowForUtcDay(table: LeapSecondTable, day: number): number {
  let lo = 0;
  let hi = table.days.length - 1;
  if (day < table.days[0]!) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (table.days[mid]! <= day) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function beforeTable(table: LeapSecondTable): CcsdsError {
  return invalid(
    `UTC is defined here only from ${table.entries[0]!.date} (before 1972 TAI-UTC was not a whole number of seconds)`,
  );
}

/**
 * TAI-UTC in seconds on a UTC date. Throws `INVALID_ARGUMENT` before the table's first date.
 * @param table - default {@link IERS_LEAP_SECONDS}
 */
export function taiMinusUtc(
  date: CalendarDate,
  table: LeapSecondTable = IERS_LEAP_SECONDS,
): number {
  const row = rowForUtcDay(table, daysFromCivil(date.year, date.month, date.day));
  if (row < 0) throw beforeTable(table);
  return table.offsets[row]!;
}

/** Length in SI seconds (86399, 86400 or 86401) of UTC day `day` (days since 1958-01-01). */
export function utcDayLength(day: number, table: LeapSecondTable = IERS_LEAP_SECONDS): number {
  const row = rowForUtcDay(table, day);
  if (row < 0) throw beforeTable(table);
  const next = table.days[row + 1];
  return next === day + 1 ? 86400 + table.offsets[row + 1]! - table.offsets[row]! : 86400;
}

/**
 * UTC date and time to an exact TAI instant. Accepts 23:59:60 only on days that end with a
 * positive leap second in `table`. Throws `INVALID_ARGUMENT` for invalid times and before the
 * table's first date (1972-01-01 for the IERS table).
 */
export function utcToTai(utc: DateTime, table: LeapSecondTable = IERS_LEAP_SECONDS): Instant {
  checkDateTime(utc, true);
  const day = daysFromCivil(utc.year, utc.month, utc.day);
  const row = rowForUtcDay(table, day);
  if (row < 0) throw beforeTable(table);
  const sod = secondOfDay(utc);
  if (sod >= utcDayLength(day, table)) {
    throw invalid(`${formatDateTime(utc)} does not exist in UTC (no such leap second)`);
  }
  return {
    seconds: BigInt(day) * 86400n + BigInt(sod + table.offsets[row]!),
    fraction: utc.fraction,
  };
}

/**
 * Exact TAI instant to UTC date and time (second 60 during a leap second). Throws
 * `INVALID_ARGUMENT` before the table's first date.
 */
export function taiToUtc(instant: Instant, table: LeapSecondTable = IERS_LEAP_SECONDS): DateTime {
  const t = instant.seconds;
  const n = table.days.length;
  let row = -1;
  for (let lo = 0, hi = n - 1; lo <= hi; ) {
    const mid = (lo + hi) >> 1;
    if (BigInt(table.days[mid]!) * 86400n + BigInt(table.offsets[mid]!) <= t) {
      row = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (row < 0) throw beforeTable(table);
  const offset = BigInt(table.offsets[row]!);
  const nextDay = table.days[row + 1];
  if (nextDay !== undefined) {
    const jump = table.offsets[row + 1]! - table.offsets[row]!;
    const dayEnd = BigInt(nextDay) * 86400n + offset; // TAI at the nominal end of the last day
    if (jump > 0 && t >= dayEnd) {
      return dateTimeFromDaySecond(nextDay - 1, 86400 + Number(t - dayEnd), instant.fraction);
    }
  }
  const u = t - offset;
  const day = floorDiv(u, 86400n);
  return dateTimeFromDaySecond(Number(day), Number(u - day * 86400n), instant.fraction);
}

/** TAI calendar (86400-s days) to an instant. Throws `INVALID_ARGUMENT` for second 60. */
export function taiFromDateTime(tai: DateTime): Instant {
  checkDateTime(tai, false);
  const day = daysFromCivil(tai.year, tai.month, tai.day);
  return { seconds: BigInt(day) * 86400n + BigInt(secondOfDay(tai)), fraction: tai.fraction };
}

/** An instant as a TAI calendar date and time (86400-s days). */
export function taiToDateTime(instant: Instant): DateTime {
  const day = floorDiv(instant.seconds, 86400n);
  return dateTimeFromDaySecond(
    Number(day),
    Number(instant.seconds - day * 86400n),
    instant.fraction,
  );
}

/** An instant as a date and time in `scale` (UTC needs the table; see {@link taiToUtc}). */
export function instantToDateTime(
  instant: Instant,
  scale: TimeScale,
  table: LeapSecondTable = IERS_LEAP_SECONDS,
): DateTime {
  if (scale === TimeScale.TAI) return taiToDateTime(instant);
  if (scale === TimeScale.UTC) return taiToUtc(instant, table);
  throw invalid(`unknown time scale ${String(scale)}`);
}

/** A date and time in `scale` as an instant (see {@link utcToTai}, {@link taiFromDateTime}). */
export function instantFromDateTime(
  dt: DateTime,
  scale: TimeScale,
  table: LeapSecondTable = IERS_LEAP_SECONDS,
): Instant {
  if (scale === TimeScale.TAI) return taiFromDateTime(dt);
  if (scale === TimeScale.UTC) return utcToTai(dt, table);
  throw invalid(`unknown time scale ${String(scale)}`);
}

/**
 * A JS `Date` (a UTC count of milliseconds without leap seconds) as an exact TAI instant.
 * Throws `INVALID_ARGUMENT` for an invalid Date or one before the table's first date.
 */
export function instantFromDate(date: Date, table: LeapSecondTable = IERS_LEAP_SECONDS): Instant {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw invalid('invalid Date');
  const unixDay = Math.floor(ms / 86_400_000);
  const msOfDay = ms - unixDay * 86_400_000;
  const sod = Math.floor(msOfDay / 1000);
  const fraction = (BigInt(msOfDay - sod * 1000) * FRACTION_SCALE) / 1000n;
  return utcToTai(dateTimeFromDaySecond(unixDay + UNIX_EPOCH_DAY, sod, fraction), table);
}

/**
 * An instant as a JS `Date`, truncated to the millisecond. A `Date` cannot show a leap second:
 * instants inside 23:59:60 give 23:59:59.999 of that day, so the mapping never goes backwards.
 * Throws `INVALID_ARGUMENT` before the table's first date or outside the `Date` range.
 */
export function instantToDate(instant: Instant, table: LeapSecondTable = IERS_LEAP_SECONDS): Date {
  const utc = taiToUtc(instant, table);
  const day = daysFromCivil(utc.year, utc.month, utc.day) - UNIX_EPOCH_DAY;
  const ms =
    utc.second >= 60
      ? day * 86_400_000 + 86_399_999
      : day * 86_400_000 +
        secondOfDay(utc) * 1000 +
        Number((utc.fraction * 1000n) / FRACTION_SCALE);
  const d = new Date(ms);
  if (!Number.isFinite(d.getTime())) throw invalid('instant outside the range of Date');
  return d;
}
