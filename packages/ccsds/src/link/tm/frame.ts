/**
 * TM Transfer Frame, CCSDS 132.0-B-3 section 4.1: Primary Header (4.1.2), optional Secondary
 * Header (4.1.3), Data Field (4.1.4), optional Operational Control Field (4.1.5) and Frame
 * Error Control Field (4.1.6).
 *
 * ```
 * | TFVN (2) = 00 | SCID (10) | VCID (3) | OCF flag (1) | MC frame count (8) | VC frame count (8) |
 * | sec. hdr flag (1) | sync flag (1) | packet order (1) | segment length ID (2) | FHP (11) |
 * ```
 * The frame length is a managed parameter (the header does not carry it), as is the presence
 * of the FECF; the OCF's presence is the OCF flag.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../../core/index.js';
import { type ClcwInit, CLCW_LENGTH, writeClcw } from '../clcw.js';
import { computeFecf, FECF_LENGTH, invalidArgument } from '../common.js';

/** Transfer Frame Version Number of TM frames (binary 00). */
export const TM_TRANSFER_FRAME_VERSION = 0;
/** Octets of the TM primary header. */
export const TM_PRIMARY_HEADER_LENGTH = 6;
/** Longest TM Transfer Frame (132.0-B-3 section 4.1.1). */
export const TM_MAX_FRAME_LENGTH = 2048;
/** First Header Pointer: no packet starts in this frame (binary 11111111111). */
export const TM_FHP_NO_PACKET_START = 0x7ff;
/** First Header Pointer: the data field holds only idle data (binary 11111111110). */
export const TM_FHP_ONLY_IDLE_DATA = 0x7fe;
/** Longest secondary header data field (the 6-bit length field is the total length minus 1). */
export const TM_MAX_SECONDARY_HEADER_DATA_LENGTH = 63;

/** Transfer Frame Secondary Header (132.0-B-3 section 4.1.3). */
export interface TmSecondaryHeader {
  /** Secondary Header Version Number, 2 bits (00). */
  secondaryHeaderVersionNumber: number;
  /** Secondary Header Length field: total secondary header octets minus one (6 bits). */
  secondaryHeaderLength: number;
  /** Secondary Header Data Field (`secondaryHeaderLength` octets). */
  data: Uint8Array;
}

/** A decoded TM Transfer Frame. Byte fields are views of the input. */
export interface TmTransferFrame {
  /** Transfer Frame Version Number (0). */
  transferFrameVersionNumber: number;
  /** Spacecraft Identifier, 10 bits. */
  spacecraftId: number;
  /** Virtual Channel Identifier, 3 bits. */
  virtualChannelId: number;
  /** Operational Control Field Flag. */
  ocfFlag: boolean;
  /** Master Channel Frame Count, modulo 256. */
  masterChannelFrameCount: number;
  /** Virtual Channel Frame Count, modulo 256. */
  virtualChannelFrameCount: number;
  /** Transfer Frame Secondary Header Flag. */
  secondaryHeaderFlag: boolean;
  /** Synchronisation Flag: 0 octet-synchronised packets (packet service), 1 VCA service. */
  synchronisationFlag: boolean;
  /** Packet Order Flag (0 when the synchronisation flag is 0). */
  packetOrderFlag: boolean;
  /** Segment Length Identifier, 2 bits (binary 11 when the synchronisation flag is 0). */
  segmentLengthId: number;
  /** First Header Pointer, raw 11-bit field (0x7FF no packet start, 0x7FE only idle data). */
  firstHeaderPointer: number;
  /** The secondary header, when the flag is set. */
  secondaryHeader: TmSecondaryHeader | undefined;
  /** Offset of the Transfer Frame Data Field in the frame. */
  dataFieldOffset: number;
  /** The Transfer Frame Data Field. */
  dataField: Uint8Array;
  /** Operational Control Field (4 octets, usually a CLCW), when the flag is set. */
  operationalControlField: Uint8Array | undefined;
  /** Frame Error Control Field value, when present. */
  frameErrorControlField: number | undefined;
  /** Whether the FECF matched (undefined without FECF). */
  fecfValid: boolean | undefined;
  /** Total frame octets. */
  frameLength: number;
}

/** Managed parameters for {@link decodeTmFrame}. */
export interface TmFrameDecodeOptions {
  /** Frame length in octets (default: the input's length). */
  frameLength?: number;
  /** Frames end with a 2-octet FECF (default false). */
  fecfPresent?: boolean;
  /** Throw `BAD_CRC` when the FECF does not match (default true; false reports `fecfValid`). */
  verifyFecf?: boolean;
}

/**
 * Decodes a TM Transfer Frame from `bytes[0, frameLength)`.
 * @throws CcsdsError `TRUNCATED` (input shorter than the frame), `INVALID_FIELD` (version not 00,
 *   secondary header or OCF not fitting the frame, secondary header version not 00),
 *   `BAD_CRC` (FECF mismatch, unless `verifyFecf` is false), `INVALID_ARGUMENT` (bad options)
 */
export function decodeTmFrame(
  bytes: Uint8Array,
  options: TmFrameDecodeOptions = {},
): TmTransferFrame {
  const frameLength = options.frameLength ?? bytes.length;
  checkInteger(frameLength, TM_PRIMARY_HEADER_LENGTH, TM_MAX_FRAME_LENGTH, 'frameLength');
  if (bytes.length < frameLength) {
    throw new CcsdsError(
      CcsdsErrorCode.TRUNCATED,
      `TM frame: need ${frameLength} octets, ${bytes.length} available`,
      { offset: bytes.length },
    );
  }
  const fecfPresent = options.fecfPresent ?? false;
  let frameErrorControlField: number | undefined;
  let fecfValid: boolean | undefined;
  if (fecfPresent) {
    if (frameLength < TM_PRIMARY_HEADER_LENGTH + FECF_LENGTH) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'TM frame too short for its FECF');
    }
    frameErrorControlField = (bytes[frameLength - 2]! << 8) | bytes[frameLength - 1]!;
    fecfValid = computeFecf(bytes, 0, frameLength - FECF_LENGTH) === frameErrorControlField;
    if (!fecfValid && options.verifyFecf !== false) {
      throw new CcsdsError(CcsdsErrorCode.BAD_CRC, 'TM frame: FECF does not match', {
        offset: frameLength - FECF_LENGTH,
      });
    }
  }
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const tfvn = b0 >> 6;
  if (tfvn !== TM_TRANSFER_FRAME_VERSION) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `transfer frame version ${tfvn} is not TM (0)`,
      { offset: 0 },
    );
  }
  const status = (bytes[4]! << 8) | bytes[5]!;
  const ocfFlag = (b1 & 1) !== 0;
  const secondaryHeaderFlag = (status & 0x8000) !== 0;
  let pos = TM_PRIMARY_HEADER_LENGTH;
  const trailer = (ocfFlag ? CLCW_LENGTH : 0) + (fecfPresent ? FECF_LENGTH : 0);
  let secondaryHeader: TmSecondaryHeader | undefined;
  if (secondaryHeaderFlag) {
    if (pos + 1 + trailer > frameLength) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'secondary header does not fit', {
        offset: pos,
      });
    }
    const id = bytes[pos]!;
    const version = id >> 6;
    const len = id & 0x3f;
    if (version !== 0) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_FIELD,
        `secondary header version ${version} is not 0`,
        { offset: pos },
      );
    }
    if (pos + 1 + len + trailer > frameLength) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'secondary header does not fit', {
        offset: pos,
      });
    }
    secondaryHeader = {
      secondaryHeaderVersionNumber: version,
      secondaryHeaderLength: len,
      data: bytes.subarray(pos + 1, pos + 1 + len),
    };
    pos += 1 + len;
  }
  const dataEnd = frameLength - trailer;
  if (dataEnd < pos) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'OCF and FECF do not fit the frame', {
      offset: pos,
    });
  }
  return {
    transferFrameVersionNumber: tfvn,
    spacecraftId: ((b0 & 0x3f) << 4) | (b1 >> 4),
    virtualChannelId: (b1 >> 1) & 7,
    ocfFlag,
    masterChannelFrameCount: bytes[2]!,
    virtualChannelFrameCount: bytes[3]!,
    secondaryHeaderFlag,
    synchronisationFlag: (status & 0x4000) !== 0,
    packetOrderFlag: (status & 0x2000) !== 0,
    segmentLengthId: (status >> 11) & 3,
    firstHeaderPointer: status & 0x7ff,
    secondaryHeader,
    dataFieldOffset: pos,
    dataField: bytes.subarray(pos, dataEnd),
    operationalControlField: ocfFlag ? bytes.subarray(dataEnd, dataEnd + CLCW_LENGTH) : undefined,
    frameErrorControlField,
    fecfValid,
    frameLength,
  };
}

/** Fields for {@link encodeTmFrame}. */
export interface TmTransferFrameInit {
  /** Spacecraft Identifier (0..1023). */
  spacecraftId: number;
  /** Virtual Channel Identifier (0..7). */
  virtualChannelId: number;
  /** Master Channel Frame Count (0..255, default 0). */
  masterChannelFrameCount?: number;
  /** Virtual Channel Frame Count (0..255, default 0). */
  virtualChannelFrameCount?: number;
  /** Secondary header data (0..63 octets) and version (default 0); omit for none. */
  secondaryHeader?: { data: Uint8Array; secondaryHeaderVersionNumber?: number };
  /** Synchronisation Flag (default false). */
  synchronisationFlag?: boolean;
  /** Packet Order Flag (default false). */
  packetOrderFlag?: boolean;
  /** Segment Length Identifier (default 3). */
  segmentLengthId?: number;
  /** First Header Pointer, raw 11 bits (default 0). */
  firstHeaderPointer?: number;
  /** The Transfer Frame Data Field. */
  dataField: Uint8Array;
  /** Operational Control Field: 4 octets or a CLCW; omit for none (OCF flag 0). */
  operationalControlField?: Uint8Array | ClcwInit;
  /** Append a FECF (default false). */
  fecfPresent?: boolean;
}

/** Octets a TM frame with these parts takes. */
export function tmFrameLength(
  dataFieldLength: number,
  secondaryHeaderDataLength: number | undefined,
  ocf: boolean,
  fecf: boolean,
): number {
  return (
    TM_PRIMARY_HEADER_LENGTH +
    (secondaryHeaderDataLength === undefined ? 0 : 1 + secondaryHeaderDataLength) +
    dataFieldLength +
    (ocf ? CLCW_LENGTH : 0) +
    (fecf ? FECF_LENGTH : 0)
  );
}

/**
 * Writes the 6-octet primary header at `out[offset]`.
 * @throws CcsdsError `INVALID_ARGUMENT` for out-of-range fields
 */
export function writeTmPrimaryHeader(
  out: Uint8Array,
  offset: number,
  h: {
    spacecraftId: number;
    virtualChannelId: number;
    ocfFlag: boolean;
    masterChannelFrameCount: number;
    virtualChannelFrameCount: number;
    secondaryHeaderFlag: boolean;
    synchronisationFlag: boolean;
    packetOrderFlag: boolean;
    segmentLengthId: number;
    firstHeaderPointer: number;
  },
): void {
  checkInteger(h.spacecraftId, 0, 1023, 'spacecraftId');
  checkInteger(h.virtualChannelId, 0, 7, 'virtualChannelId');
  checkInteger(h.masterChannelFrameCount, 0, 255, 'masterChannelFrameCount');
  checkInteger(h.virtualChannelFrameCount, 0, 255, 'virtualChannelFrameCount');
  checkInteger(h.segmentLengthId, 0, 3, 'segmentLengthId');
  checkInteger(h.firstHeaderPointer, 0, 0x7ff, 'firstHeaderPointer');
  out[offset] = h.spacecraftId >> 4;
  out[offset + 1] = ((h.spacecraftId & 0xf) << 4) | (h.virtualChannelId << 1) | (h.ocfFlag ? 1 : 0);
  out[offset + 2] = h.masterChannelFrameCount;
  out[offset + 3] = h.virtualChannelFrameCount;
  const status =
    (h.secondaryHeaderFlag ? 0x8000 : 0) |
    (h.synchronisationFlag ? 0x4000 : 0) |
    (h.packetOrderFlag ? 0x2000 : 0) |
    (h.segmentLengthId << 11) |
    h.firstHeaderPointer;
  out[offset + 4] = status >> 8;
  out[offset + 5] = status & 0xff;
}

/**
 * Encodes a TM Transfer Frame; its length is the sum of its parts.
 * @throws CcsdsError `INVALID_ARGUMENT` for out-of-range fields or a frame over 2048 octets
 */
export function encodeTmFrame(init: TmTransferFrameInit): Uint8Array {
  const sh = init.secondaryHeader;
  if (sh !== undefined && sh.data.length > TM_MAX_SECONDARY_HEADER_DATA_LENGTH) {
    throw invalidArgument('secondary header data exceeds 63 octets');
  }
  const ocf = init.operationalControlField;
  if (ocf instanceof Uint8Array && ocf.length !== CLCW_LENGTH) {
    throw invalidArgument('operational control field must be 4 octets');
  }
  const fecf = init.fecfPresent ?? false;
  const length = tmFrameLength(init.dataField.length, sh?.data.length, ocf !== undefined, fecf);
  if (length > TM_MAX_FRAME_LENGTH)
    throw invalidArgument(`TM frame of ${length} octets exceeds 2048`);
  const out = new Uint8Array(length);
  writeTmPrimaryHeader(out, 0, {
    spacecraftId: init.spacecraftId,
    virtualChannelId: init.virtualChannelId,
    ocfFlag: ocf !== undefined,
    masterChannelFrameCount: init.masterChannelFrameCount ?? 0,
    virtualChannelFrameCount: init.virtualChannelFrameCount ?? 0,
    secondaryHeaderFlag: sh !== undefined,
    synchronisationFlag: init.synchronisationFlag ?? false,
    packetOrderFlag: init.packetOrderFlag ?? false,
    segmentLengthId: init.segmentLengthId ?? 3,
    firstHeaderPointer: init.firstHeaderPointer ?? 0,
  });
  let pos = TM_PRIMARY_HEADER_LENGTH;
  if (sh !== undefined) {
    const v = sh.secondaryHeaderVersionNumber ?? 0;
    checkInteger(v, 0, 3, 'secondaryHeaderVersionNumber');
    out[pos] = (v << 6) | sh.data.length;
    out.set(sh.data, pos + 1);
    pos += 1 + sh.data.length;
  }
  out.set(init.dataField, pos);
  pos += init.dataField.length;
  if (ocf !== undefined) {
    if (ocf instanceof Uint8Array) out.set(ocf, pos);
    else writeClcw(out, pos, ocf);
  }
  if (fecf) {
    const crc = computeFecf(out, 0, length - FECF_LENGTH);
    out[length - 2] = crc >> 8;
    out[length - 1] = crc & 0xff;
  }
  return out;
}
