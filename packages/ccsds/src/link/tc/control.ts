/**
 * COP-1 control commands carried in Type-BC TC frames, CCSDS 232.1-B-2 section 3.4 (with
 * 232.0-B-4 section 4.1.3.3): Unlock (one octet 00) and Set V(R) (three octets 82 00 V*(R)).
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../../core/index.js';

/** Control command types. */
export const ControlCommandType = {
  /** Unlock: takes the FARM out of the Lockout state. */
  UNLOCK: 'UNLOCK',
  /** Set V(R): sets the FARM's receiver frame sequence number V(R) to V*(R). */
  SET_VR: 'SET_VR',
} as const;
/** One of {@link ControlCommandType}. */
export type ControlCommandType = (typeof ControlCommandType)[keyof typeof ControlCommandType];

/** A COP-1 control command. */
export type ControlCommand =
  | { type: typeof ControlCommandType.UNLOCK }
  | {
      type: typeof ControlCommandType.SET_VR;
      /** The new V(R), V*(R), 0..255. */
      vR: number;
    };

/** Encodes a control command as the data field of a Type-BC frame. */
export function encodeControlCommand(command: ControlCommand): Uint8Array {
  if (command.type === ControlCommandType.UNLOCK) return Uint8Array.of(0x00);
  checkInteger(command.vR, 0, 255, 'vR');
  return Uint8Array.of(0x82, 0x00, command.vR);
}

/**
 * Decodes the data field of a Type-BC frame. `baseOffset` is only used in error offsets.
 * @throws CcsdsError `INVALID_FIELD` for anything but `00` or `82 00 xx`.
 */
export function decodeControlCommand(data: Uint8Array, baseOffset = 0): ControlCommand {
  if (data.length === 1 && data[0] === 0x00) return { type: ControlCommandType.UNLOCK };
  if (data.length === 3 && data[0] === 0x82 && data[1] === 0x00) {
    return { type: ControlCommandType.SET_VR, vR: data[2]! };
  }
  throw new CcsdsError(
    CcsdsErrorCode.INVALID_FIELD,
    `not a COP-1 control command (${data.length} octets)`,
    { offset: baseOffset },
  );
}
