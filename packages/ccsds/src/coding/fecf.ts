/**
 * Frame Error Control Field helpers (CCSDS 132.0-B-3 section 4.1.6, 232.0-B-4 section 4.1.4,
 * 732.0-B-4 section 4.1.6): the CRC-16-CCITT (polynomial 0x1021, initial value 0xFFFF) of the
 * whole Transfer Frame before it, appended most significant octet first. The CRC itself is
 * core's `crc16Ccitt`.
 */
import { CcsdsError, CcsdsErrorCode, crc16Ccitt } from '../core/index.js';

/** Octets of the Frame Error Control Field. */
export const FECF_LENGTH = 2;

/** Returns `frame` followed by its FECF (a new array). */
export function appendFecf(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(frame.length + FECF_LENGTH);
  out.set(frame);
  const crc = crc16Ccitt(frame);
  out[frame.length] = crc >>> 8;
  out[frame.length + 1] = crc & 0xff;
  return out;
}

/** True when the last two octets of `frameWithFecf` are the CRC of the octets before them. */
export function checkFecf(frameWithFecf: Uint8Array): boolean {
  if (frameWithFecf.length < FECF_LENGTH) {
    throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'a frame with FECF has at least 2 octets');
  }
  const n = frameWithFecf.length - FECF_LENGTH;
  const crc = crc16Ccitt(frameWithFecf.subarray(0, n));
  return frameWithFecf[n] === crc >>> 8 && frameWithFecf[n + 1] === (crc & 0xff);
}
