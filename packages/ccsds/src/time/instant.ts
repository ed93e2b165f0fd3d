/**
 * Exact instants for the CCSDS time codes (CCSDS 301.0-B-4, Time Code Formats, section 3).
 *
 * An {@link Instant} counts TAI seconds since the CCSDS epoch 1958-01-01T00:00:00 TAI (301.0-B-4
 * 3.2.2 / 3.3.1, the level 1 epoch) as a whole `seconds` bigint plus a `fraction` in units of
 * 1/{@link FRACTION_SCALE} s. `FRACTION_SCALE` = 10^24 × 2^56 = 2^80 × 5^24, so every CUC fine
 * time (up to 10 octets, 2^-80 s), every CDS sub-millisecond count (microseconds, picoseconds),
 * every CCS sub-second (down to 10^-12 s) and every decimal fraction of up to 24 digits is held
 * exactly. `number` conversions are offered for convenience and are rounded.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';

/** Units of {@link Instant.fraction} per second: 10^24 × 2^56 (= 2^80 × 5^24). */
export const FRACTION_SCALE: bigint = 10n ** 24n * 2n ** 56n;

/** 5^24: FRACTION_SCALE / 2^80, the size of one 2^-80 s step in fraction units. */
export const FIVE_POW_24: bigint = 5n ** 24n;

/**
 * An exact instant: TAI seconds since 1958-01-01T00:00:00 TAI. `seconds` may be negative for
 * instants before the epoch; `fraction` is always in `[0, FRACTION_SCALE)`, so the value is
 * `seconds + fraction / FRACTION_SCALE`.
 */
export interface Instant {
  /** Whole TAI seconds since 1958-01-01T00:00:00 TAI (floor of the instant). */
  readonly seconds: bigint;
  /** Sub-second part in units of 1/{@link FRACTION_SCALE} s, `0 <= fraction < FRACTION_SCALE`. */
  readonly fraction: bigint;
}

/** The CCSDS epoch itself, 1958-01-01T00:00:00 TAI. */
export const CCSDS_EPOCH: Instant = Object.freeze({ seconds: 0n, fraction: 0n });

function invalid(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/** Floor division of bigints (rounds towards minus infinity). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/**
 * Builds an instant, checking its parts. `seconds` given as a `number` must be a safe integer.
 * Throws `INVALID_ARGUMENT` when `fraction` is outside `[0, FRACTION_SCALE)`.
 */
export function makeInstant(seconds: bigint | number, fraction: bigint = 0n): Instant {
  let s: bigint;
  if (typeof seconds === 'number') {
    if (!Number.isSafeInteger(seconds))
      throw invalid(`seconds must be a safe integer, got ${seconds}`);
    s = BigInt(seconds);
  } else {
    s = seconds;
  }
  if (fraction < 0n || fraction >= FRACTION_SCALE) {
    throw invalid('fraction must be in [0, FRACTION_SCALE)');
  }
  return { seconds: s, fraction };
}

/** The instant as one integer count of 1/{@link FRACTION_SCALE} s units. */
export function instantToUnits(instant: Instant): bigint {
  return instant.seconds * FRACTION_SCALE + instant.fraction;
}

/** The instant `units` / {@link FRACTION_SCALE} seconds after the epoch. */
export function instantFromUnits(units: bigint): Instant {
  const seconds = floorDiv(units, FRACTION_SCALE);
  return { seconds, fraction: units - seconds * FRACTION_SCALE };
}

/** `instant` moved by `deltaSeconds` (an integer as bigint, or any finite number, see {@link instantFromSeconds}). */
export function addSeconds(instant: Instant, deltaSeconds: bigint | number): Instant {
  const delta =
    typeof deltaSeconds === 'bigint'
      ? deltaSeconds * FRACTION_SCALE
      : instantToUnits(instantFromSeconds(deltaSeconds));
  return instantFromUnits(instantToUnits(instant) + delta);
}

/** -1, 0 or 1 as `a` is before, equal to or after `b`. */
export function compareInstants(a: Instant, b: Instant): -1 | 0 | 1 {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  if (a.fraction !== b.fraction) return a.fraction < b.fraction ? -1 : 1;
  return 0;
}

/** True when both instants are the same. */
export function instantsEqual(a: Instant, b: Instant): boolean {
  return a.seconds === b.seconds && a.fraction === b.fraction;
}

function unitsToNumber(units: bigint): number {
  // One correctly rounded conversion: 128 extra bits hold every fraction exactly (2^-80 s steps
  // and 5^-24 parts round only below 2^-128 s).
  return Number(floorDiv(units << 128n, FRACTION_SCALE)) / 2 ** 128;
}

/** `a - b` in seconds as a `number` (rounded to double precision). */
export function secondsBetween(a: Instant, b: Instant): number {
  return unitsToNumber(instantToUnits(a) - instantToUnits(b));
}

/** TAI seconds since 1958-01-01 TAI as a `number` (rounded to double precision). */
export function instantToSeconds(instant: Instant): number {
  return unitsToNumber(instantToUnits(instant));
}

/**
 * The instant `seconds` TAI seconds after 1958-01-01 TAI. A double is a binary fraction, so the
 * conversion is exact whenever the value has no bits below 2^-80 s (any value of magnitude above
 * about 2^-27 s); otherwise it rounds to the nearest 2^-80 s. Throws `INVALID_ARGUMENT` for
 * non-finite input.
 */
export function instantFromSeconds(seconds: number): Instant {
  if (!Number.isFinite(seconds)) throw invalid(`seconds must be finite, got ${seconds}`);
  if (seconds < 0) return instantFromUnits(-instantToUnits(instantFromSeconds(-seconds)));
  const whole = Math.floor(seconds);
  const rest = seconds - whole; // exact for non-negative doubles
  let steps = BigInt(Math.round(rest * 2 ** 80));
  let s = BigInt(whole);
  if (steps >= 1n << 80n) {
    steps -= 1n << 80n;
    s += 1n;
  }
  return { seconds: s, fraction: steps * FIVE_POW_24 };
}

const TEN_POW_80 = 10n ** 80n;

/**
 * The exact decimal value of the fraction, as digits after the decimal point. With
 * `fractionDigits` the digits are truncated (or zero-padded) to that many; without it, the
 * shortest exact expansion (at most 80 digits) is returned, possibly empty.
 */
export function fractionToDigits(fraction: bigint, fractionDigits?: number): string {
  if (fractionDigits === undefined) {
    const all = ((fraction * TEN_POW_80) / FRACTION_SCALE).toString().padStart(80, '0');
    return all.replace(/0+$/, '');
  }
  if (!Number.isInteger(fractionDigits) || fractionDigits < 0 || fractionDigits > 1000) {
    throw invalid(`fractionDigits must be an integer from 0 to 1000, got ${fractionDigits}`);
  }
  if (fractionDigits === 0) return '';
  return ((fraction * 10n ** BigInt(fractionDigits)) / FRACTION_SCALE)
    .toString()
    .padStart(fractionDigits, '0');
}

/**
 * The fraction (in 1/{@link FRACTION_SCALE} s units) written by decimal `digits` after a decimal
 * point, or `undefined` when the value is not exactly representable (finer than the scale allows,
 * which needs more than 24 significant fraction digits).
 */
export function fractionFromDigits(digits: string): bigint | undefined {
  if (digits.length === 0) return 0n;
  const num = BigInt(digits) * FRACTION_SCALE;
  const den = 10n ** BigInt(digits.length);
  return num % den === 0n ? num / den : undefined;
}

/**
 * The instant as an exact decimal number of seconds since the epoch, e.g.
 * `"4481136000.00000000000000000000000082718061255302767487140869206996285356581211090087890625"`.
 * Without `fractionDigits` the shortest exact form is used (no decimal point for whole seconds);
 * with it the fraction is truncated or zero-padded to that many digits.
 */
export function instantToDecimal(instant: Instant, fractionDigits?: number): string {
  const units = instantToUnits(instant);
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const whole = abs / FRACTION_SCALE;
  const digits = fractionToDigits(abs - whole * FRACTION_SCALE, fractionDigits);
  return `${neg ? '-' : ''}${whole}${digits.length > 0 ? '.' + digits : ''}`;
}

/**
 * Parses an exact decimal number of seconds since the epoch (`"-12.5"`, `"255.00390625"`).
 * Throws `INVALID_ARGUMENT` for malformed text and `UNSUPPORTED` when the value is finer than
 * 1/{@link FRACTION_SCALE} s.
 */
export function instantFromDecimal(text: string): Instant {
  const m = text.length <= 1200 ? /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text) : null;
  if (m === null) throw invalid(`not a decimal number of seconds: ${text.slice(0, 40)}`);
  const fraction = fractionFromDigits(m[3] ?? '');
  if (fraction === undefined) {
    throw new CcsdsError(
      CcsdsErrorCode.UNSUPPORTED,
      'decimal fraction finer than the instant resolution',
    );
  }
  const units = BigInt(m[2]!) * FRACTION_SCALE + fraction;
  return instantFromUnits(m[1] === '-' ? -units : units);
}
