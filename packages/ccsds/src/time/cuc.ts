/**
 * CCSDS Unsegmented time Code (CUC), CCSDS 301.0-B-4 section 3.2: a binary count of seconds
 * (1 to 7 "coarse time" octets) and binary fractions of a second (0 to 10 "fine time" octets)
 * since the epoch: 1958-01-01T00:00:00 TAI (time code ID 001, level 1) or an agency-defined
 * epoch (ID 010, level 2). The P-field (3.2.3) has one octet, or two when its extension flag is
 * set: the second octet adds up to 3 coarse and 7 fine octets.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger, requireBytes } from '../core/index.js';
import {
  FIVE_POW_24,
  FRACTION_SCALE,
  instantFromUnits,
  instantToUnits,
  type Instant,
} from './instant.js';

/** CUC time code IDs (P-field bits 1-3). */
export const CucTimeCodeId = {
  /** 001: epoch 1958-01-01T00:00:00 TAI (level 1). */
  CCSDS_EPOCH: 1,
  /** 010: agency-defined epoch (level 2). */
  AGENCY_EPOCH: 2,
} as const;

/** One of the values of {@link CucTimeCodeId}. */
export type CucTimeCodeId = (typeof CucTimeCodeId)[keyof typeof CucTimeCodeId];

/**
 * A CUC configuration, as a caller writes it. Only the total octet counts are required; the
 * P-field split is derived (basic octet counts as large as possible, the extension octet only
 * when needed) unless given.
 */
export interface CucConfig {
  /** Time code ID; default {@link CucTimeCodeId.CCSDS_EPOCH}. */
  timeCodeId?: CucTimeCodeId;
  /** Coarse time octets in total, 1 to 7. */
  coarseOctets: number;
  /** Fine time octets in total, 0 to 10. */
  fineOctets: number;
  /** Write the P-field extension octet even when the lengths do not need it. */
  extension?: boolean;
  /** Coarse octets announced in the extension octet (0-3); default `max(0, coarseOctets - 4)`. */
  additionalCoarseOctets?: number;
  /** Fine octets announced in the extension octet (0-7); default `max(0, fineOctets - 3)`. */
  additionalFineOctets?: number;
}

/** A complete CUC P-field: every field of {@link CucConfig} resolved. */
export type CucPField = Required<CucConfig>;

/** A CUC time code: its P-field and the raw T-field counts. */
export interface CucTime {
  /** The P-field (written in front of the T-field when explicit, agreed otherwise). */
  readonly pField: CucPField;
  /** Whole seconds since the epoch, `coarseOctets` octets. */
  readonly coarseTime: bigint;
  /** Fraction of a second in units of 2^-(8 × fineOctets) s. */
  readonly fineTime: bigint;
}

function invalidArg(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Resolves and checks a configuration. Throws `INVALID_ARGUMENT` if it cannot be encoded. */
export function cucPField(config: CucConfig): CucPField {
  const timeCodeId = config.timeCodeId ?? CucTimeCodeId.CCSDS_EPOCH;
  const { coarseOctets, fineOctets } = config;
  if (timeCodeId !== 1 && timeCodeId !== 2) throw invalidArg('CUC time code ID must be 1 or 2');
  if (!isInt(coarseOctets, 1, 7)) throw invalidArg('CUC coarse octets must be 1 to 7');
  if (!isInt(fineOctets, 0, 10)) throw invalidArg('CUC fine octets must be 0 to 10');
  const additionalCoarseOctets = config.additionalCoarseOctets ?? Math.max(0, coarseOctets - 4);
  const additionalFineOctets = config.additionalFineOctets ?? Math.max(0, fineOctets - 3);
  if (!isInt(additionalCoarseOctets, 0, 3) || !isInt(coarseOctets - additionalCoarseOctets, 1, 4)) {
    throw invalidArg('CUC additional coarse octets must be 0-3 and leave 1-4 basic octets');
  }
  if (!isInt(additionalFineOctets, 0, 7) || !isInt(fineOctets - additionalFineOctets, 0, 3)) {
    throw invalidArg('CUC additional fine octets must be 0-7 and leave 0-3 basic octets');
  }
  const extension = config.extension ?? (additionalCoarseOctets > 0 || additionalFineOctets > 0);
  if (!extension && (additionalCoarseOctets > 0 || additionalFineOctets > 0)) {
    throw invalidArg('CUC additional octets need the P-field extension');
  }
  return {
    timeCodeId,
    coarseOctets,
    fineOctets,
    extension,
    additionalCoarseOctets,
    additionalFineOctets,
  };
}

/** Octets of the P-field: 1, or 2 with the extension octet. */
export function cucPFieldLength(pField: CucPField): number {
  return pField.extension ? 2 : 1;
}

/** Octets of the T-field: coarse + fine octets. */
export function cucTFieldLength(pField: CucPField): number {
  return pField.coarseOctets + pField.fineOctets;
}

/** Encodes the P-field (1 or 2 octets). */
export function encodeCucPField(config: CucConfig): Uint8Array {
  const p = cucPField(config);
  const first =
    (p.extension ? 0x80 : 0) |
    (p.timeCodeId << 4) |
    ((p.coarseOctets - p.additionalCoarseOctets - 1) << 2) |
    (p.fineOctets - p.additionalFineOctets);
  if (!p.extension) return Uint8Array.of(first);
  return Uint8Array.of(first, (p.additionalCoarseOctets << 5) | (p.additionalFineOctets << 2));
}

/**
 * Decodes a CUC P-field at `offset`. Throws `TRUNCATED`, `INVALID_FIELD` (not a CUC time code
 * ID) or `UNSUPPORTED` (a second extension octet, or reserved bits set).
 */
export function decodeCucPField(bytes: Uint8Array, offset = 0): CucPField {
  requireBytes(bytes, offset, 1, 'CUC P-field');
  const b = bytes[offset]!;
  const timeCodeId = (b >> 4) & 7;
  if (timeCodeId !== 1 && timeCodeId !== 2) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `time code ID ${timeCodeId} is not CUC`, {
      offset,
    });
  }
  const extension = (b & 0x80) !== 0;
  let additionalCoarseOctets = 0;
  let additionalFineOctets = 0;
  if (extension) {
    requireBytes(bytes, offset + 1, 1, 'CUC P-field extension');
    const b2 = bytes[offset + 1]!;
    if ((b2 & 0x80) !== 0) {
      throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, 'CUC P-field second extension', {
        offset: offset + 1,
      });
    }
    if ((b2 & 3) !== 0) {
      throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, 'CUC P-field reserved bits set', {
        offset: offset + 1,
      });
    }
    additionalCoarseOctets = (b2 >> 5) & 3;
    additionalFineOctets = (b2 >> 2) & 7;
  }
  return {
    timeCodeId: timeCodeId as CucTimeCodeId,
    coarseOctets: ((b >> 2) & 3) + 1 + additionalCoarseOctets,
    fineOctets: (b & 3) + additionalFineOctets,
    extension,
    additionalCoarseOctets,
    additionalFineOctets,
  };
}

/** Options of {@link encodeCuc} (and the other encoders). */
export interface EncodeOptions {
  /** Write the P-field in front of the T-field (default true); false = implicit P-field. */
  explicitPField?: boolean;
}

/** Options of {@link decodeCuc}. */
export interface DecodeCucOptions {
  /** The agreed configuration when the P-field is implicit (the input holds only the T-field). */
  pField?: CucConfig;
  /** Where the time code starts in the input (default 0). Octets after it are ignored. */
  offset?: number;
}

function readUnsigned(bytes: Uint8Array, offset: number, width: number): bigint {
  if (width <= 6) {
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + bytes[offset + i]!;
    return BigInt(v);
  }
  let v = 0n;
  for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}

function writeUnsigned(out: Uint8Array, offset: number, width: number, value: bigint): void {
  if (width <= 6) {
    let v = Number(value);
    for (let i = width - 1; i >= 0; i--) {
      out[offset + i] = v % 256;
      v = Math.floor(v / 256);
    }
    return;
  }
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** 2^(8 n) for n = 0..10: the exclusive upper bound of an n-octet count. */
const LIMITS: readonly bigint[] = Array.from({ length: 11 }, (_, n) => 1n << BigInt(8 * n));

/**
 * Encodes a CUC time code: P-field (unless `explicitPField` is false) then coarse and fine time,
 * big-endian. Throws `INVALID_ARGUMENT` when a count does not fit its octets.
 */
export function encodeCuc(time: CucTime, options: EncodeOptions = {}): Uint8Array {
  const p = cucPField(time.pField);
  const { coarseTime, fineTime } = time;
  if (typeof coarseTime !== 'bigint' || coarseTime < 0n || coarseTime >= LIMITS[p.coarseOctets]!) {
    throw invalidArg(`coarse time does not fit in ${p.coarseOctets} octets`);
  }
  if (typeof fineTime !== 'bigint' || fineTime < 0n || fineTime >= LIMITS[p.fineOctets]!) {
    throw invalidArg(`fine time does not fit in ${p.fineOctets} octets`);
  }
  const head = options.explicitPField === false ? new Uint8Array(0) : encodeCucPField(p);
  const out = new Uint8Array(head.length + p.coarseOctets + p.fineOctets);
  out.set(head);
  writeUnsigned(out, head.length, p.coarseOctets, coarseTime);
  writeUnsigned(out, head.length + p.coarseOctets, p.fineOctets, fineTime);
  return out;
}

/**
 * Decodes a CUC time code: with an explicit P-field by default, or only the T-field when
 * `options.pField` gives the agreed configuration. Throws only `CcsdsError`: `TRUNCATED`,
 * `INVALID_FIELD`, `UNSUPPORTED`, or `INVALID_ARGUMENT` for a bad `options.pField`.
 */
export function decodeCuc(bytes: Uint8Array, options: DecodeCucOptions = {}): CucTime {
  const offset = options.offset ?? 0;
  checkInteger(offset, 0, bytes.length, 'offset');
  const pField =
    options.pField === undefined ? decodeCucPField(bytes, offset) : cucPField(options.pField);
  const t = offset + (options.pField === undefined ? cucPFieldLength(pField) : 0);
  requireBytes(bytes, t, pField.coarseOctets + pField.fineOctets, 'CUC T-field');
  return {
    pField,
    coarseTime: readUnsigned(bytes, t, pField.coarseOctets),
    fineTime: readUnsigned(bytes, t + pField.coarseOctets, pField.fineOctets),
  };
}

/** Options of the CUC instant conversions. */
export interface CucEpochOptions {
  /**
   * The agency-defined epoch (TAI instant) for time code ID 2. Required for level 2 codes, ignored
   * for level 1 (whose epoch is 1958-01-01 TAI).
   */
  agencyEpoch?: Instant;
}

function epochOf(timeCodeId: CucTimeCodeId, options: CucEpochOptions): bigint {
  if (timeCodeId === CucTimeCodeId.CCSDS_EPOCH) return 0n;
  if (options.agencyEpoch === undefined) {
    throw invalidArg('a CUC code with an agency-defined epoch needs options.agencyEpoch');
  }
  return instantToUnits(options.agencyEpoch);
}

function stepUnits(fineOctets: number): bigint {
  // FRACTION_SCALE / 2^(8 f) = 5^24 × 2^(80 - 8 f)
  return FIVE_POW_24 << BigInt(80 - 8 * fineOctets);
}

/** Elapsed time since the code's own epoch, exactly (an {@link Instant} relative to that epoch). */
export function cucElapsed(time: CucTime): Instant {
  return {
    seconds: time.coarseTime,
    fraction: time.fineTime * stepUnits(time.pField.fineOctets),
  };
}

/** The exact TAI instant of a CUC code. Throws `INVALID_ARGUMENT` for level 2 without an epoch. */
export function cucToInstant(time: CucTime, options: CucEpochOptions = {}): Instant {
  const e = cucElapsed(time);
  return instantFromUnits(epochOf(time.pField.timeCodeId, options) + instantToUnits(e));
}

/**
 * The CUC code of `instant` in configuration `config`, truncating to the fine resolution (the
 * code never shows a later time than the instant). Throws `INVALID_ARGUMENT` when the instant is
 * before the epoch or beyond the coarse range.
 */
export function cucFromInstant(
  instant: Instant,
  config: CucConfig,
  options: CucEpochOptions = {},
): CucTime {
  const pField = cucPField(config);
  const elapsed = instantToUnits(instant) - epochOf(pField.timeCodeId, options);
  const coarseTime = elapsed / FRACTION_SCALE;
  if (elapsed < 0n || coarseTime >= 1n << BigInt(8 * pField.coarseOctets)) {
    throw invalidArg(`instant outside the range of ${pField.coarseOctets} coarse octets`);
  }
  const fineTime = (elapsed - coarseTime * FRACTION_SCALE) / stepUnits(pField.fineOctets);
  return { pField, coarseTime, fineTime };
}

/** Seconds since the code's epoch as a `number` (rounded), e.g. for display or arithmetic. */
export function cucToSeconds(time: CucTime): number {
  return Number(time.coarseTime) + Number(time.fineTime) / 2 ** (8 * time.pField.fineOctets);
}
