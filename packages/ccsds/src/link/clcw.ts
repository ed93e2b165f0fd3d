/**
 * Communications Link Control Word (CLCW), CCSDS 232.0-B-4 section 4.2: the 4-octet report of
 * the receiving end's FARM that travels back in the Operational Control Field (OCF) of TM
 * (132.0-B-3 section 4.1.5), AOS (732.0-B-4 section 4.1.5) and USLP (732.1-B-2 section 4.1.5)
 * frames.
 *
 * ```
 * | type (1) = 0 | version (2) | status (3) | COP in effect (2) | VCID (6) | spare (2) |
 * | no RF (1) | no bit lock (1) | lockout (1) | wait (1) | retransmit (1) | FARM-B counter (2) |
 * | spare (1) | report value N(R) (8) |
 * ```
 */
import { CcsdsError, CcsdsErrorCode, checkInteger, requireBytes } from '../core/index.js';

/** Octets in a CLCW (and in an Operational Control Field). */
export const CLCW_LENGTH = 4;

/** Every field of a CLCW. */
export interface Clcw {
  /** Control Word Type, 1 bit: 0 for a CLCW (1 would be another report type). */
  controlWordType: number;
  /** CLCW Version Number, 2 bits (0 = version 1). */
  clcwVersionNumber: number;
  /** Status Field, 3 bits (mission specific). */
  statusField: number;
  /** COP in Effect, 2 bits (1 = COP-1). */
  copInEffect: number;
  /** Virtual Channel Identifier of the reported VC, 6 bits. */
  virtualChannelId: number;
  /** Reserved Spare, 2 bits (0 on transmit; kept as received). */
  reservedSpare: number;
  /** No RF Available flag. */
  noRfAvailable: boolean;
  /** No Bit Lock flag. */
  noBitLock: boolean;
  /** Lockout flag: the FARM is in the Lockout state. */
  lockout: boolean;
  /** Wait flag: the FARM cannot accept more data. */
  wait: boolean;
  /** Retransmit flag: frames must be retransmitted. */
  retransmit: boolean;
  /** FARM-B Counter, the two least significant bits of the count of accepted BD frames. */
  farmBCounter: number;
  /** Spare bit (0 on transmit; kept as received). */
  spare: number;
  /** Report Value: N(R), the next expected frame sequence number V(R), 8 bits. */
  reportValue: number;
}

/** Fields for {@link encodeClcw}; omitted ones default to 0 / false (COP in effect: 1). */
export type ClcwInit = Partial<Clcw> & Pick<Clcw, 'virtualChannelId'>;

/**
 * Decodes the CLCW at `bytes[offset]`. Every bit pattern is a valid CLCW except a Control Word
 * Type of 1, which marks a different report.
 *
 * @throws CcsdsError `TRUNCATED` for fewer than 4 octets, `INVALID_FIELD` for control word type 1.
 */
export function decodeClcw(bytes: Uint8Array, offset = 0): Clcw {
  requireBytes(bytes, offset, CLCW_LENGTH, 'CLCW');
  const b0 = bytes[offset]!;
  const b1 = bytes[offset + 1]!;
  const b2 = bytes[offset + 2]!;
  const b3 = bytes[offset + 3]!;
  if (b0 & 0x80) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'control word type 1 is not a CLCW', {
      offset,
    });
  }
  return {
    controlWordType: b0 >> 7,
    clcwVersionNumber: (b0 >> 5) & 3,
    statusField: (b0 >> 2) & 7,
    copInEffect: b0 & 3,
    virtualChannelId: b1 >> 2,
    reservedSpare: b1 & 3,
    noRfAvailable: (b2 & 0x80) !== 0,
    noBitLock: (b2 & 0x40) !== 0,
    lockout: (b2 & 0x20) !== 0,
    wait: (b2 & 0x10) !== 0,
    retransmit: (b2 & 0x08) !== 0,
    farmBCounter: (b2 >> 1) & 3,
    spare: b2 & 1,
    reportValue: b3,
  };
}

/**
 * Writes a CLCW into `out[offset, offset + 4)`.
 * @throws CcsdsError `INVALID_ARGUMENT` when a field is out of its range.
 */
export function writeClcw(out: Uint8Array, offset: number, clcw: ClcwInit): void {
  const f = {
    controlWordType: clcw.controlWordType ?? 0,
    clcwVersionNumber: clcw.clcwVersionNumber ?? 0,
    statusField: clcw.statusField ?? 0,
    copInEffect: clcw.copInEffect ?? 1,
    reservedSpare: clcw.reservedSpare ?? 0,
    farmBCounter: clcw.farmBCounter ?? 0,
    spare: clcw.spare ?? 0,
    reportValue: clcw.reportValue ?? 0,
  };
  checkInteger(f.controlWordType, 0, 0, 'controlWordType');
  checkInteger(f.clcwVersionNumber, 0, 3, 'clcwVersionNumber');
  checkInteger(f.statusField, 0, 7, 'statusField');
  checkInteger(f.copInEffect, 0, 3, 'copInEffect');
  checkInteger(clcw.virtualChannelId, 0, 63, 'virtualChannelId');
  checkInteger(f.reservedSpare, 0, 3, 'reservedSpare');
  checkInteger(f.farmBCounter, 0, 3, 'farmBCounter');
  checkInteger(f.spare, 0, 1, 'spare');
  checkInteger(f.reportValue, 0, 255, 'reportValue');
  out[offset] = (f.clcwVersionNumber << 5) | (f.statusField << 2) | f.copInEffect;
  out[offset + 1] = (clcw.virtualChannelId << 2) | f.reservedSpare;
  out[offset + 2] =
    (clcw.noRfAvailable === true ? 0x80 : 0) |
    (clcw.noBitLock === true ? 0x40 : 0) |
    (clcw.lockout === true ? 0x20 : 0) |
    (clcw.wait === true ? 0x10 : 0) |
    (clcw.retransmit === true ? 0x08 : 0) |
    (f.farmBCounter << 1) |
    f.spare;
  out[offset + 3] = f.reportValue;
}

/**
 * Encodes a CLCW as 4 octets.
 * @throws CcsdsError `INVALID_ARGUMENT` when a field is out of its range.
 */
export function encodeClcw(clcw: ClcwInit): Uint8Array {
  const out = new Uint8Array(CLCW_LENGTH);
  writeClcw(out, 0, clcw);
  return out;
}

/** True when the 4 octets at `bytes[offset]` are a CLCW (control word type 0). */
export function isClcw(bytes: Uint8Array, offset = 0): boolean {
  return offset < bytes.length && (bytes[offset]! & 0x80) === 0;
}

/**
 * The 4 octets of an Operational Control Field: a copy of `ocf` when octets are given, else the
 * encoded CLCW.
 * @throws CcsdsError `INVALID_ARGUMENT` for octets other than 4, or CLCW fields out of range
 */
export function ocfOctets(ocf: Uint8Array | ClcwInit): Uint8Array {
  if (!(ocf instanceof Uint8Array)) return encodeClcw(ocf);
  if (ocf.length !== CLCW_LENGTH)
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      'operational control field must be 4 octets',
    );
  return ocf.slice();
}
