/**
 * Self-identifying binary time codes, CCSDS 301.0-B-4 section 3.1: the P-field's time code ID
 * (bits 1-3) says which code follows: 001 and 010 CUC (3.2), 100 CDS (3.3), 101 CCS (3.4).
 * {@link decodeTimeCode} reads the P-field and dispatches; {@link encodeTimeCode} is its inverse.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger, requireBytes } from '../core/index.js';
import {
  ccsTFieldLength,
  ccsToInstant,
  decodeCcs,
  encodeCcs,
  type CcsConversionOptions,
  type CcsTime,
} from './ccs.js';
import { cdsTFieldLength, cdsToInstant, decodeCds, encodeCds, type CdsTime } from './cds.js';
import {
  cucPFieldLength,
  cucTFieldLength,
  cucToInstant,
  decodeCuc,
  encodeCuc,
  type CucTime,
} from './cuc.js';
import type { CalendarDate } from './calendar.js';
import type { Instant } from './instant.js';
import type { LeapSecondTable, TimeScale } from './leap-seconds.js';

/** Time code IDs of the P-field (bits 1-3). */
export const TimeCodeId = {
  /** 001: CUC with the 1958-01-01 TAI epoch. */
  CUC_CCSDS_EPOCH: 1,
  /** 010: CUC with an agency-defined epoch. */
  CUC_AGENCY_EPOCH: 2,
  /** 100: CDS. */
  CDS: 4,
  /** 101: CCS. */
  CCS: 5,
} as const;

/** A binary time code of any kind, tagged by `code`. */
export type TimeCode =
  | { readonly code: 'CUC'; readonly value: CucTime }
  | { readonly code: 'CDS'; readonly value: CdsTime }
  | { readonly code: 'CCS'; readonly value: CcsTime };

/** A decoded time code with the number of octets it took (P-field included). */
export type DecodedTimeCode = TimeCode & { readonly length: number };

/** Options of {@link decodeTimeCode}. */
export interface DecodeTimeCodeOptions {
  /** Where the P-field starts (default 0). Octets after the time code are ignored. */
  offset?: number;
}

/**
 * Decodes a time code with an explicit P-field, whatever its kind. Throws only `CcsdsError`:
 * `UNSUPPORTED` for time code IDs other than 001, 010, 100 and 101 (at the P-field's offset),
 * otherwise what the code's own decoder throws.
 */
export function decodeTimeCode(
  bytes: Uint8Array,
  options: DecodeTimeCodeOptions = {},
): DecodedTimeCode {
  const offset = options.offset ?? 0;
  checkInteger(offset, 0, bytes.length, 'offset');
  requireBytes(bytes, offset, 1, 'time code P-field');
  const id = (bytes[offset]! >> 4) & 7;
  switch (id) {
    case TimeCodeId.CUC_CCSDS_EPOCH:
    case TimeCodeId.CUC_AGENCY_EPOCH: {
      const value = decodeCuc(bytes, { offset });
      return {
        code: 'CUC',
        value,
        length: cucPFieldLength(value.pField) + cucTFieldLength(value.pField),
      };
    }
    case TimeCodeId.CDS: {
      const value = decodeCds(bytes, { offset });
      return { code: 'CDS', value, length: 1 + cdsTFieldLength(value.pField) };
    }
    case TimeCodeId.CCS: {
      const value = decodeCcs(bytes, { offset });
      return { code: 'CCS', value, length: 1 + ccsTFieldLength(value.pField) };
    }
    default:
      throw new CcsdsError(
        CcsdsErrorCode.UNSUPPORTED,
        `time code ID ${id} is not a CCSDS binary time code`,
        {
          offset,
        },
      );
  }
}

/** Encodes any binary time code with its P-field in front. */
export function encodeTimeCode(timeCode: TimeCode): Uint8Array {
  switch (timeCode.code) {
    case 'CUC':
      return encodeCuc(timeCode.value);
    case 'CDS':
      return encodeCds(timeCode.value);
    case 'CCS':
      return encodeCcs(timeCode.value);
    default:
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'unknown time code kind');
  }
}

/** Options of {@link timeCodeToInstant}. */
export interface TimeCodeInstantOptions {
  /** Agency-defined epoch of a level 2 CUC code (a TAI instant). */
  cucAgencyEpoch?: Instant;
  /** Agency-defined epoch of a CDS code (a date in the code's time scale). */
  cdsAgencyEpoch?: CalendarDate;
  /** Time scale of CDS and CCS codes; default UTC. */
  timeScale?: TimeScale;
  /** Leap-second table for UTC; default the IERS table. */
  leapSeconds?: LeapSecondTable;
}

/**
 * The exact TAI instant of any binary time code (CUC counts TAI; CDS and CCS are read in
 * `options.timeScale`, default UTC). Throws `INVALID_ARGUMENT` when an agency epoch is missing
 * or a UTC time is before 1972 or names a leap second the table lacks.
 */
export function timeCodeToInstant(
  timeCode: TimeCode,
  options: TimeCodeInstantOptions = {},
): Instant {
  const scale: CcsConversionOptions = {};
  if (options.timeScale !== undefined) scale.timeScale = options.timeScale;
  if (options.leapSeconds !== undefined) scale.leapSeconds = options.leapSeconds;
  switch (timeCode.code) {
    case 'CUC':
      return cucToInstant(
        timeCode.value,
        options.cucAgencyEpoch === undefined ? {} : { agencyEpoch: options.cucAgencyEpoch },
      );
    case 'CDS':
      return cdsToInstant(
        timeCode.value,
        options.cdsAgencyEpoch === undefined
          ? scale
          : { ...scale, agencyEpoch: options.cdsAgencyEpoch },
      );
    case 'CCS':
      return ccsToInstant(timeCode.value, scale);
    default:
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'unknown time code kind');
  }
}
