/**
 * TC Transfer Frame, CCSDS 232.0-B-4 section 4.1: the 5-octet primary header, the Transfer
 * Frame Data Field (with the optional segment header of section 4.1.3.2, or a COP-1 control
 * command in Type-BC frames) and the optional Frame Error Control Field (section 4.1.4,
 * CRC-16-CCITT).
 *
 * ```
 * | version (2) | bypass (1) | control command (1) | spare (2) | SCID (10) |
 * | VCID (6) | frame length (10) | frame sequence number N(S) (8) |
 * | [segment header: sequence flags (2) | MAP ID (6)] | data ... | [FECF (16)] |
 * ```
 * The Frame Length field holds the number of octets in the whole frame minus one; a TC frame is
 * at most 1024 octets long.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  checkInteger,
  crc16Ccitt,
  requireBytes,
} from '../../core/index.js';
import { type ControlCommand, decodeControlCommand, encodeControlCommand } from './control.js';
import { type SegmentHeader, decodeSegmentHeader, writeSegmentHeader } from './segment.js';

/** Octets in the TC Transfer Frame Primary Header. */
export const TC_PRIMARY_HEADER_LENGTH = 5;
/** Longest TC Transfer Frame (232.0-B-4 section 4.1.2.7.2). */
export const TC_MAX_FRAME_LENGTH = 1024;
/** Octets in the Frame Error Control Field. */
export const TC_FECF_LENGTH = 2;
/** The only Transfer Frame Version Number of 232.0-B-4 (binary 00). */
export const TC_TRANSFER_FRAME_VERSION = 0;
/** Frame sequence numbers N(S), V(S), V(R) and N(R) count modulo 256. */
export const TC_SEQUENCE_MODULUS = 256;

/**
 * Frame types (232.0-B-4 section 4.1.2.3): Type-AD (sequence-controlled data, bypass 0,
 * control command 0), Type-BD (expedited data, bypass 1, control 0) and Type-BC (COP-1 control
 * commands, bypass 1, control 1). Bypass 0 with control command 1 is not allowed.
 */
export const TcFrameType = {
  AD: 'AD',
  BD: 'BD',
  BC: 'BC',
} as const;
/** One of {@link TcFrameType}. */
export type TcFrameType = (typeof TcFrameType)[keyof typeof TcFrameType];

/** A decoded TC Transfer Frame. `dataField` is a view into the decoded bytes. */
export interface TcTransferFrame {
  /** Transfer Frame Version Number, 2 bits (always 0 here). */
  transferFrameVersionNumber: number;
  /** Bypass Flag: false for Type-A (sequence-controlled), true for Type-B (expedited). */
  bypassFlag: boolean;
  /** Control Command Flag: true when the data field holds a COP-1 control command. */
  controlCommandFlag: boolean;
  /** Reserved Spare, 2 bits (0 on transmit; kept as received). */
  reservedSpare: number;
  /** Spacecraft Identifier, 10 bits. */
  spacecraftId: number;
  /** Virtual Channel Identifier, 6 bits. */
  virtualChannelId: number;
  /** Frame Length field: total frame octets minus one (4..1023). */
  frameLength: number;
  /** Frame Sequence Number N(S), 8 bits (meaningful for Type-AD frames; 0 in the others). */
  frameSequenceNumber: number;
  /** The frame type derived from the two flags. */
  frameType: TcFrameType;
  /** Segment header, when the virtual channel uses one (never in Type-BC frames). */
  segmentHeader: SegmentHeader | undefined;
  /** The data field after the segment header (the FDU): packets, segments or a control command. */
  dataField: Uint8Array;
  /** The control command of a Type-BC frame. */
  controlCommand: ControlCommand | undefined;
  /** The Frame Error Control Field value, when present. */
  fecf: number | undefined;
}

/** Fields and data for {@link encodeTcFrame}. */
export interface TcTransferFrameInit {
  /** Bypass Flag (default false). Ignored when `controlCommand` is given (BC frames set it). */
  bypassFlag?: boolean;
  /** Reserved Spare (default 0). */
  reservedSpare?: number;
  /** Spacecraft Identifier, 0..1023. */
  spacecraftId: number;
  /** Virtual Channel Identifier, 0..63. */
  virtualChannelId: number;
  /** Frame Sequence Number N(S), 0..255 (default 0). */
  frameSequenceNumber?: number;
  /** Segment header to write before the data (not allowed with a control command). */
  segmentHeader?: SegmentHeader;
  /** The data field octets (after the segment header). Not used with `controlCommand`. */
  dataField?: Uint8Array;
  /** A COP-1 control command: makes a Type-BC frame. */
  controlCommand?: ControlCommand;
  /** Append a Frame Error Control Field (default true). */
  fecfPresent?: boolean;
}

/** Managed parameters and limits for {@link decodeTcFrame}. */
export interface DecodeTcFrameOptions {
  /** The virtual channel carries a Frame Error Control Field (default true). */
  fecfPresent?: boolean;
  /** The virtual channel uses segment headers in Type-AD and Type-BD frames (default false). */
  segmentHeaderPresent?: boolean;
  /** Check the FECF and throw `BAD_CRC` on mismatch (default true). */
  verifyFecf?: boolean;
  /** Longest frame accepted (default and maximum 1024 octets). */
  maxFrameLength?: number;
  /** Allow octets after the frame, e.g. when reading concatenated frames (default false). */
  allowTrailing?: boolean;
}

/** The frame type for a pair of flags, or undefined for the forbidden bypass 0 / control 1. */
export function tcFrameType(
  bypassFlag: boolean,
  controlCommandFlag: boolean,
): TcFrameType | undefined {
  if (!controlCommandFlag) return bypassFlag ? TcFrameType.BD : TcFrameType.AD;
  return bypassFlag ? TcFrameType.BC : undefined;
}

/**
 * Reads the Frame Length field of the frame at `bytes[offset]` and returns the frame's total
 * length in octets (field + 1). Throws `TRUNCATED` when fewer than 4 octets remain.
 */
export function peekTcFrameLength(bytes: Uint8Array, offset = 0): number {
  requireBytes(bytes, offset, 4, 'TC frame primary header');
  return (((bytes[offset + 2]! & 0x03) << 8) | bytes[offset + 3]!) + 1;
}

/**
 * Encodes a TC Transfer Frame. With `controlCommand` the frame is Type-BC (bypass and control
 * command flags set, no segment header); otherwise Type-AD or Type-BD by `bypassFlag`.
 *
 * @throws CcsdsError `INVALID_ARGUMENT` for out-of-range fields, an empty data field, a segment
 *   header in a BC frame, or a frame longer than 1024 octets.
 */
export function encodeTcFrame(init: TcTransferFrameInit): Uint8Array {
  checkInteger(init.spacecraftId, 0, 1023, 'spacecraftId');
  checkInteger(init.virtualChannelId, 0, 63, 'virtualChannelId');
  const fsn = init.frameSequenceNumber ?? 0;
  checkInteger(fsn, 0, 255, 'frameSequenceNumber');
  const spare = init.reservedSpare ?? 0;
  checkInteger(spare, 0, 3, 'reservedSpare');
  const cmd = init.controlCommand;
  const bc = cmd !== undefined;
  if (bc && (init.segmentHeader !== undefined || init.dataField !== undefined)) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      'a Type-BC frame carries only its control command (no segment header, no data field)',
    );
  }
  const data = bc ? encodeControlCommand(cmd) : (init.dataField ?? new Uint8Array(0));
  const seg = init.segmentHeader !== undefined ? 1 : 0;
  if (data.length + seg === 0) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'the frame data field must not be empty');
  }
  const fecf = init.fecfPresent ?? true;
  const total = TC_PRIMARY_HEADER_LENGTH + seg + data.length + (fecf ? TC_FECF_LENGTH : 0);
  if (total > TC_MAX_FRAME_LENGTH) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `TC frame of ${total} octets exceeds ${TC_MAX_FRAME_LENGTH}`,
    );
  }
  const bypass = bc || init.bypassFlag === true;
  const out = new Uint8Array(total);
  out[0] =
    (TC_TRANSFER_FRAME_VERSION << 6) |
    (bypass ? 0x20 : 0) |
    (bc ? 0x10 : 0) |
    (spare << 2) |
    (init.spacecraftId >> 8);
  out[1] = init.spacecraftId & 0xff;
  out[2] = (init.virtualChannelId << 2) | ((total - 1) >> 8);
  out[3] = (total - 1) & 0xff;
  out[4] = fsn;
  if (init.segmentHeader !== undefined)
    writeSegmentHeader(out, TC_PRIMARY_HEADER_LENGTH, init.segmentHeader);
  out.set(data, TC_PRIMARY_HEADER_LENGTH + seg);
  if (fecf) {
    const c = crc16Ccitt(out, 0xffff, 0, total - 2);
    out[total - 2] = c >> 8;
    out[total - 1] = c & 0xff;
  }
  return out;
}

/**
 * Decodes the TC Transfer Frame at the start of `bytes`, delimited by its Frame Length field.
 *
 * @throws CcsdsError `TRUNCATED` when the frame is incomplete; `INVALID_FIELD` for a version
 *   other than 00, bypass 0 with control command 1, a frame too short for its header, segment
 *   header and FECF, an unknown control command, or trailing octets; `LIMIT_EXCEEDED` for a
 *   frame longer than `maxFrameLength`; `BAD_CRC` when the FECF does not match.
 */
export function decodeTcFrame(
  bytes: Uint8Array,
  options: DecodeTcFrameOptions = {},
): TcTransferFrame {
  requireBytes(bytes, 0, TC_PRIMARY_HEADER_LENGTH, 'TC frame primary header');
  const b0 = bytes[0]!;
  const version = b0 >> 6;
  if (version !== TC_TRANSFER_FRAME_VERSION) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `transfer frame version number ${version} is not a TC frame (00)`,
      { offset: 0 },
    );
  }
  const bypassFlag = (b0 & 0x20) !== 0;
  const controlCommandFlag = (b0 & 0x10) !== 0;
  const frameType = tcFrameType(bypassFlag, controlCommandFlag);
  if (frameType === undefined) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      'control command flag set in a Type-A frame (bypass 0)',
      { offset: 0 },
    );
  }
  const frameLength = ((bytes[2]! & 0x03) << 8) | bytes[3]!;
  const total = frameLength + 1;
  const maxLen = options.maxFrameLength ?? TC_MAX_FRAME_LENGTH;
  if (total > maxLen) {
    throw new CcsdsError(
      CcsdsErrorCode.LIMIT_EXCEEDED,
      `frame length ${total} exceeds the limit of ${maxLen} octets`,
      { offset: 2 },
    );
  }
  const fecfPresent = options.fecfPresent ?? true;
  const seg = frameType !== TcFrameType.BC && options.segmentHeaderPresent === true ? 1 : 0;
  const fecfLen = fecfPresent ? TC_FECF_LENGTH : 0;
  if (total < TC_PRIMARY_HEADER_LENGTH + seg + fecfLen + (seg === 0 ? 1 : 0)) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `frame length ${total} leaves no data field`,
      { offset: 2 },
    );
  }
  if (bytes.length < total) {
    throw new CcsdsError(
      CcsdsErrorCode.TRUNCATED,
      `frame announces ${total} octets, ${bytes.length} available`,
      { offset: bytes.length },
    );
  }
  if (bytes.length > total && options.allowTrailing !== true) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `${bytes.length - total} octets after the end of the frame`,
      { offset: total },
    );
  }
  let fecf: number | undefined;
  if (fecfPresent) {
    fecf = (bytes[total - 2]! << 8) | bytes[total - 1]!;
    if (options.verifyFecf !== false && crc16Ccitt(bytes, 0xffff, 0, total - 2) !== fecf) {
      throw new CcsdsError(CcsdsErrorCode.BAD_CRC, 'frame error control field mismatch', {
        offset: total - 2,
      });
    }
  }
  const segmentHeader =
    seg === 1 ? decodeSegmentHeader(bytes, TC_PRIMARY_HEADER_LENGTH) : undefined;
  const dataField = bytes.subarray(TC_PRIMARY_HEADER_LENGTH + seg, total - fecfLen);
  const controlCommand =
    frameType === TcFrameType.BC
      ? decodeControlCommand(dataField, TC_PRIMARY_HEADER_LENGTH)
      : undefined;
  return {
    transferFrameVersionNumber: version,
    bypassFlag,
    controlCommandFlag,
    reservedSpare: (b0 >> 2) & 3,
    spacecraftId: ((b0 & 0x03) << 8) | bytes[1]!,
    virtualChannelId: bytes[2]! >> 2,
    frameLength,
    frameSequenceNumber: bytes[4]!,
    frameType,
    segmentHeader,
    dataField,
    controlCommand,
    fecf,
  };
}

/**
 * Re-encodes a decoded frame (the inverse of {@link decodeTcFrame}); with the same managed
 * parameters it reproduces the original octets.
 */
export function encodeDecodedTcFrame(frame: TcTransferFrame): Uint8Array {
  const base = {
    reservedSpare: frame.reservedSpare,
    spacecraftId: frame.spacecraftId,
    virtualChannelId: frame.virtualChannelId,
    frameSequenceNumber: frame.frameSequenceNumber,
    fecfPresent: frame.fecf !== undefined,
  };
  if (frame.controlCommand !== undefined) {
    return encodeTcFrame({ ...base, controlCommand: frame.controlCommand });
  }
  return encodeTcFrame({
    ...base,
    bypassFlag: frame.bypassFlag,
    dataField: frame.dataField,
    ...(frame.segmentHeader !== undefined ? { segmentHeader: frame.segmentHeader } : {}),
  });
}

/** One frame found by {@link splitTcFrames}. */
export interface TcFrameSlice {
  /** Offset of the frame in the input. */
  offset: number;
  /** The frame's octets (a view into the input). */
  bytes: Uint8Array;
}

/**
 * Splits concatenated TC frames by their Frame Length fields (no other check). Stops with
 * `TRUNCATED` if the last frame is incomplete. At most `maxFrames` frames (default 1,000,000).
 */
export function splitTcFrames(bytes: Uint8Array, maxFrames = 1_000_000): TcFrameSlice[] {
  const out: TcFrameSlice[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (out.length >= maxFrames) {
      throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, `more than ${maxFrames} frames`, {
        offset: o,
      });
    }
    const n = peekTcFrameLength(bytes, o);
    requireBytes(bytes, o, n, 'TC frame');
    out.push({ offset: o, bytes: bytes.subarray(o, o + n) });
    o += n;
  }
  return out;
}
