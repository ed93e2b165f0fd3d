/**
 * AOS Transfer Frame, CCSDS 732.0-B-4 section 4.1: Primary Header (4.1.2) with optional Frame
 * Header Error Control, Insert Zone (4.1.3), Data Field (4.1.4) holding an M_PDU (4.1.4.2), a
 * B_PDU (4.1.4.3) or VCA data (4.1.4.4), optional Operational Control Field (4.1.5) and Frame
 * Error Control Field (4.1.6).
 *
 * ```
 * | TFVN (2) = 01 | SCID (8) | VCID (6) | VC frame count (24) |
 * | replay (1) | VC frame count usage (1) | spare (2) | VC frame count cycle (4) | [FHEC (16)] |
 * ```
 * Frame length, FHEC, insert zone, OCF and FECF presence and each VC's data type are managed
 * parameters.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../../core/index.js';
import { type ClcwInit, CLCW_LENGTH, writeClcw } from '../clcw.js';
import { computeFecf, FECF_LENGTH, invalidArgument } from '../common.js';
import { computeAosFhec, correctAosHeader } from './fhec.js';

/** Transfer Frame Version Number of AOS frames (binary 01). */
export const AOS_TRANSFER_FRAME_VERSION = 1;
/** Octets of the AOS primary header without FHEC. */
export const AOS_PRIMARY_HEADER_LENGTH = 6;
/** Octets of the Frame Header Error Control field. */
export const AOS_FHEC_LENGTH = 2;
/** Virtual channel of idle frames (all ones). */
export const AOS_IDLE_VIRTUAL_CHANNEL_ID = 63;
/** Longest AOS frame handled (the standard leaves it to the mission; 65,536 bounds memory). */
export const AOS_MAX_FRAME_LENGTH = 65536;
/** M_PDU First Header Pointer: no packet starts here. */
export const AOS_FHP_NO_PACKET_START = 0x7ff;
/** M_PDU First Header Pointer: only idle data. */
export const AOS_FHP_ONLY_IDLE_DATA = 0x7fe;
/** B_PDU Bitstream Data Pointer: every bit valid. */
export const AOS_BDP_ALL_VALID = 0x3fff;
/** B_PDU Bitstream Data Pointer: only idle data. */
export const AOS_BDP_ONLY_IDLE_DATA = 0x3ffe;
/** Octets of the M_PDU and B_PDU headers. */
export const AOS_PDU_HEADER_LENGTH = 2;

/** What a virtual channel's data field holds. */
export const AosUserDataType = {
  /** Multiplexing Protocol Data Unit: packets (Packet service). */
  M_PDU: 'M_PDU',
  /** Bitstream Protocol Data Unit (Bitstream service). */
  B_PDU: 'B_PDU',
  /** Virtual Channel Access service data. */
  VCA: 'VCA',
  /** Idle data (VC 63). */
  IDLE: 'IDLE',
} as const;
/** One of {@link AosUserDataType}. */
export type AosUserDataType = (typeof AosUserDataType)[keyof typeof AosUserDataType];

/** M_PDU header and packet zone. */
export interface AosMpdu {
  /** The 5 spare bits. */
  spare: number;
  /** First Header Pointer, raw 11 bits. */
  firstHeaderPointer: number;
  /** The M_PDU packet zone (view). */
  packetZone: Uint8Array;
}

/** B_PDU header and bitstream data. */
export interface AosBpdu {
  /** The 2 spare bits. */
  spare: number;
  /** Bitstream Data Pointer, raw 14 bits (0x3FFF all valid, 0x3FFE idle, else last valid bit). */
  bitstreamDataPointer: number;
  /** Valid bits in the data (from the pointer). */
  validBits: number;
  /** The B_PDU bitstream data zone (view). */
  data: Uint8Array;
}

/** A decoded AOS Transfer Frame. Byte fields are views of the input. */
export interface AosTransferFrame {
  /** Transfer Frame Version Number (1). */
  transferFrameVersionNumber: number;
  /** Spacecraft Identifier, 8 bits. */
  spacecraftId: number;
  /** Virtual Channel Identifier, 6 bits. */
  virtualChannelId: number;
  /** Virtual Channel Frame Count, 24 bits. */
  virtualChannelFrameCount: number;
  /** Replay Flag. */
  replayFlag: boolean;
  /** Virtual Channel Frame Count Usage Flag: the cycle field extends the count. */
  vcFrameCountUsageFlag: boolean;
  /** Reserved spare bits of the signalling field. */
  reservedSpare: number;
  /** Virtual Channel Frame Count Cycle, 4 bits. */
  vcFrameCountCycle: number;
  /** Frame Header Error Control field as received, when present. */
  frameHeaderErrorControl: number | undefined;
  /** Header symbols the FHEC corrected (0..2), when present. */
  fhecCorrectedSymbols: number | undefined;
  /** Insert Zone, when configured. */
  insertZone: Uint8Array | undefined;
  /** Offset of the Transfer Frame Data Field. */
  dataFieldOffset: number;
  /** The Transfer Frame Data Field (M_PDU / B_PDU header included). */
  dataField: Uint8Array;
  /** The data type used to read the data field. */
  userDataType: AosUserDataType | undefined;
  /** The M_PDU, for M_PDU VCs. */
  mpdu: AosMpdu | undefined;
  /** The B_PDU, for B_PDU VCs. */
  bpdu: AosBpdu | undefined;
  /** Operational Control Field, when present. */
  operationalControlField: Uint8Array | undefined;
  /** FECF value, when present. */
  frameErrorControlField: number | undefined;
  /** Whether the FECF matched (undefined without FECF). */
  fecfValid: boolean | undefined;
  /** Total frame octets. */
  frameLength: number;
}

/** Managed parameters of an AOS physical channel. */
export interface AosFrameFormat {
  /** Frame length in octets (for decoding, default: the input's length). */
  frameLength?: number;
  /** Headers carry the FHEC (default false). */
  fhecPresent?: boolean;
  /** Octets of the insert zone (default 0). */
  insertZoneLength?: number;
  /** Frames carry an OCF (default false). */
  ocfPresent?: boolean;
  /** Frames end with a FECF (default false). */
  fecfPresent?: boolean;
}

/** Options of {@link decodeAosFrame}. */
export interface AosFrameDecodeOptions extends AosFrameFormat {
  /** Data field type, fixed or per VC (default: none; VC 63 is always IDLE). */
  userDataType?: AosUserDataType | ((virtualChannelId: number) => AosUserDataType | undefined);
  /** Throw `BAD_CRC` on a FECF mismatch (default true). */
  verifyFecf?: boolean;
}

/** Offsets of the parts of an AOS frame for a format. */
export function aosLayout(
  format: AosFrameFormat,
  frameLength: number,
): { dataStart: number; dataEnd: number } {
  const dataStart =
    AOS_PRIMARY_HEADER_LENGTH +
    (format.fhecPresent === true ? AOS_FHEC_LENGTH : 0) +
    (format.insertZoneLength ?? 0);
  const dataEnd =
    frameLength -
    (format.ocfPresent === true ? CLCW_LENGTH : 0) -
    (format.fecfPresent === true ? FECF_LENGTH : 0);
  return { dataStart, dataEnd };
}

function readBpdu(df: Uint8Array, offset: number): AosBpdu {
  const h = (df[0]! << 8) | df[1]!;
  const p = h & 0x3fff;
  const data = df.subarray(AOS_PDU_HEADER_LENGTH);
  const bits = data.length * 8;
  if (p !== AOS_BDP_ALL_VALID && p !== AOS_BDP_ONLY_IDLE_DATA && p >= bits) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `bitstream data pointer ${p} beyond the ${bits}-bit data zone`,
      { offset },
    );
  }
  return {
    spare: h >> 14,
    bitstreamDataPointer: p,
    validBits: p === AOS_BDP_ALL_VALID ? bits : p === AOS_BDP_ONLY_IDLE_DATA ? 0 : p + 1,
    data,
  };
}

/**
 * Decodes an AOS Transfer Frame from `bytes[0, frameLength)`. With an FHEC, up to two
 * corrupted header symbols are corrected (the fields come from the corrected header; the input
 * is not modified).
 * @throws CcsdsError `TRUNCATED`, `BAD_CRC` (FECF mismatch or uncorrectable header),
 *   `INVALID_FIELD` (version not 01, parts not fitting, a bitstream data pointer beyond the
 *   B_PDU data zone), `INVALID_ARGUMENT` (options)
 */
export function decodeAosFrame(
  bytes: Uint8Array,
  options: AosFrameDecodeOptions = {},
): AosTransferFrame {
  const frameLength = options.frameLength ?? bytes.length;
  checkInteger(frameLength, AOS_PRIMARY_HEADER_LENGTH, AOS_MAX_FRAME_LENGTH, 'frameLength');
  const iz = options.insertZoneLength ?? 0;
  checkInteger(iz, 0, AOS_MAX_FRAME_LENGTH, 'insertZoneLength');
  if (bytes.length < frameLength) {
    throw new CcsdsError(
      CcsdsErrorCode.TRUNCATED,
      `AOS frame: need ${frameLength} octets, ${bytes.length} available`,
      {
        offset: bytes.length,
      },
    );
  }
  const { dataStart, dataEnd } = aosLayout(options, frameLength);
  if (dataEnd < dataStart)
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'AOS frame too short for its format');
  let frameErrorControlField: number | undefined;
  let fecfValid: boolean | undefined;
  if (options.fecfPresent === true) {
    frameErrorControlField = (bytes[frameLength - 2]! << 8) | bytes[frameLength - 1]!;
    fecfValid = computeFecf(bytes, 0, frameLength - FECF_LENGTH) === frameErrorControlField;
    if (!fecfValid && options.verifyFecf !== false) {
      throw new CcsdsError(CcsdsErrorCode.BAD_CRC, 'AOS frame: FECF does not match', {
        offset: frameLength - 2,
      });
    }
  }
  let h: Uint8Array = bytes;
  let frameHeaderErrorControl: number | undefined;
  let fhecCorrectedSymbols: number | undefined;
  if (options.fhecPresent === true) {
    frameHeaderErrorControl = (bytes[6]! << 8) | bytes[7]!;
    const c = correctAosHeader(bytes, 0);
    if (c === undefined) {
      throw new CcsdsError(
        CcsdsErrorCode.BAD_CRC,
        'AOS frame header error control: uncorrectable',
        { offset: 0 },
      );
    }
    h = c.header;
    fhecCorrectedSymbols = c.symbolsCorrected;
  }
  const tfvn = h[0]! >> 6;
  if (tfvn !== AOS_TRANSFER_FRAME_VERSION) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `transfer frame version ${tfvn} is not AOS (1)`,
      { offset: 0 },
    );
  }
  const vcid = h[1]! & 0x3f;
  const sig = h[5]!;
  const dataField = bytes.subarray(dataStart, dataEnd);
  const udt =
    vcid === AOS_IDLE_VIRTUAL_CHANNEL_ID
      ? AosUserDataType.IDLE
      : typeof options.userDataType === 'function'
        ? options.userDataType(vcid)
        : options.userDataType;
  let mpdu: AosMpdu | undefined;
  let bpdu: AosBpdu | undefined;
  if (udt === AosUserDataType.M_PDU || udt === AosUserDataType.B_PDU) {
    if (dataField.length < AOS_PDU_HEADER_LENGTH) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `${udt} header does not fit`, {
        offset: dataStart,
      });
    }
    if (udt === AosUserDataType.M_PDU) {
      const m = (dataField[0]! << 8) | dataField[1]!;
      mpdu = {
        spare: m >> 11,
        firstHeaderPointer: m & 0x7ff,
        packetZone: dataField.subarray(AOS_PDU_HEADER_LENGTH),
      };
    } else bpdu = readBpdu(dataField, dataStart);
  }
  return {
    transferFrameVersionNumber: tfvn,
    spacecraftId: ((h[0]! & 0x3f) << 2) | (h[1]! >> 6),
    virtualChannelId: vcid,
    virtualChannelFrameCount: (h[2]! << 16) | (h[3]! << 8) | h[4]!,
    replayFlag: (sig & 0x80) !== 0,
    vcFrameCountUsageFlag: (sig & 0x40) !== 0,
    reservedSpare: (sig >> 4) & 3,
    vcFrameCountCycle: sig & 15,
    frameHeaderErrorControl,
    fhecCorrectedSymbols,
    insertZone: iz > 0 ? bytes.subarray(dataStart - iz, dataStart) : undefined,
    dataFieldOffset: dataStart,
    dataField,
    userDataType: udt,
    mpdu,
    bpdu,
    operationalControlField:
      options.ocfPresent === true ? bytes.subarray(dataEnd, dataEnd + CLCW_LENGTH) : undefined,
    frameErrorControlField,
    fecfValid,
    frameLength,
  };
}

/** Fields for {@link encodeAosFrame}. */
export interface AosTransferFrameInit {
  /** Spacecraft Identifier (0..255). */
  spacecraftId: number;
  /** Virtual Channel Identifier (0..63). */
  virtualChannelId: number;
  /** Virtual Channel Frame Count (0..2^24-1, default 0). */
  virtualChannelFrameCount?: number;
  /** Replay Flag (default false). */
  replayFlag?: boolean;
  /** VC Frame Count Usage Flag (default false). */
  vcFrameCountUsageFlag?: boolean;
  /** VC Frame Count Cycle (0..15, default 0). */
  vcFrameCountCycle?: number;
  /** Reserved spare bits (0..3, default 0). */
  reservedSpare?: number;
  /** Compute and insert the FHEC (default false). */
  fhecPresent?: boolean;
  /** Insert zone octets (omit for none). */
  insertZone?: Uint8Array;
  /** The Transfer Frame Data Field (with its M_PDU / B_PDU header; see {@link writeMpduHeader}). */
  dataField: Uint8Array;
  /** OCF: 4 octets or a CLCW; omit for none. */
  operationalControlField?: Uint8Array | ClcwInit;
  /** Append a FECF (default false). */
  fecfPresent?: boolean;
}

/** Writes the 6-octet primary header and, when asked, the FHEC after it. */
export function writeAosPrimaryHeader(
  out: Uint8Array,
  h: {
    spacecraftId: number;
    virtualChannelId: number;
    virtualChannelFrameCount: number;
    replayFlag: boolean;
    vcFrameCountUsageFlag: boolean;
    reservedSpare: number;
    vcFrameCountCycle: number;
  },
  fhec: boolean,
): void {
  checkInteger(h.spacecraftId, 0, 255, 'spacecraftId');
  checkInteger(h.virtualChannelId, 0, 63, 'virtualChannelId');
  checkInteger(h.virtualChannelFrameCount, 0, 0xffffff, 'virtualChannelFrameCount');
  checkInteger(h.vcFrameCountCycle, 0, 15, 'vcFrameCountCycle');
  checkInteger(h.reservedSpare, 0, 3, 'reservedSpare');
  out[0] = 0x40 | (h.spacecraftId >> 2);
  out[1] = ((h.spacecraftId & 3) << 6) | h.virtualChannelId;
  out[2] = h.virtualChannelFrameCount >> 16;
  out[3] = (h.virtualChannelFrameCount >> 8) & 0xff;
  out[4] = h.virtualChannelFrameCount & 0xff;
  out[5] =
    (h.replayFlag ? 0x80 : 0) |
    (h.vcFrameCountUsageFlag ? 0x40 : 0) |
    (h.reservedSpare << 4) |
    h.vcFrameCountCycle;
  if (fhec) {
    const f = computeAosFhec(out, 0);
    out[6] = f >> 8;
    out[7] = f & 0xff;
  }
}

/** Writes an M_PDU header (spare bits 0) with the raw 11-bit First Header Pointer. */
export function writeMpduHeader(out: Uint8Array, offset: number, firstHeaderPointer: number): void {
  checkInteger(firstHeaderPointer, 0, 0x7ff, 'firstHeaderPointer');
  out[offset] = firstHeaderPointer >> 8;
  out[offset + 1] = firstHeaderPointer & 0xff;
}

/** Writes a B_PDU header (spare bits 0) with the raw 14-bit Bitstream Data Pointer. */
export function writeBpduHeader(
  out: Uint8Array,
  offset: number,
  bitstreamDataPointer: number,
): void {
  checkInteger(bitstreamDataPointer, 0, 0x3fff, 'bitstreamDataPointer');
  out[offset] = bitstreamDataPointer >> 8;
  out[offset + 1] = bitstreamDataPointer & 0xff;
}

/**
 * Encodes an AOS Transfer Frame; its length is the sum of its parts.
 * @throws CcsdsError `INVALID_ARGUMENT` for out-of-range fields
 */
export function encodeAosFrame(init: AosTransferFrameInit): Uint8Array {
  const fhec = init.fhecPresent ?? false;
  const fecf = init.fecfPresent ?? false;
  const ocf = init.operationalControlField;
  if (ocf instanceof Uint8Array && ocf.length !== CLCW_LENGTH) {
    throw invalidArgument('operational control field must be 4 octets');
  }
  const iz = init.insertZone?.length ?? 0;
  const dataStart = AOS_PRIMARY_HEADER_LENGTH + (fhec ? AOS_FHEC_LENGTH : 0) + iz;
  const length =
    dataStart +
    init.dataField.length +
    (ocf === undefined ? 0 : CLCW_LENGTH) +
    (fecf ? FECF_LENGTH : 0);
  if (length > AOS_MAX_FRAME_LENGTH)
    throw invalidArgument(`AOS frame of ${length} octets is too long`);
  const out = new Uint8Array(length);
  writeAosPrimaryHeader(
    out,
    {
      spacecraftId: init.spacecraftId,
      virtualChannelId: init.virtualChannelId,
      virtualChannelFrameCount: init.virtualChannelFrameCount ?? 0,
      replayFlag: init.replayFlag ?? false,
      vcFrameCountUsageFlag: init.vcFrameCountUsageFlag ?? false,
      reservedSpare: init.reservedSpare ?? 0,
      vcFrameCountCycle: init.vcFrameCountCycle ?? 0,
    },
    fhec,
  );
  if (init.insertZone !== undefined) out.set(init.insertZone, dataStart - iz);
  out.set(init.dataField, dataStart);
  const ocfAt = dataStart + init.dataField.length;
  if (ocf instanceof Uint8Array) out.set(ocf, ocfAt);
  else if (ocf !== undefined) writeClcw(out, ocfAt, ocf);
  if (fecf) {
    const crc = computeFecf(out, 0, length - FECF_LENGTH);
    out[length - 2] = crc >> 8;
    out[length - 1] = crc & 0xff;
  }
  return out;
}
