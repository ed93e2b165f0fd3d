/**
 * USLP Transfer Frame, CCSDS 732.1-B-2 section 4.1: Primary Header (4.1.2, full or truncated),
 * Insert Zone (4.1.3), Transfer Frame Data Field with its header (4.1.4: TFDZ construction
 * rules, USLP Protocol Identifier, First Header / Last Valid Octet Pointer), Operational
 * Control Field (4.1.5) and Frame Error Control Field (4.1.6: the 16-bit CRC, or the optional
 * 32-bit CRC of 732.1-B-1, see `./fecf.ts`).
 *
 * ```
 * | TFVN (4) = 1100 | SCID (16) | src/dest (1) | VCID (6) | MAP ID (4) | end of primary header (1) |
 * | frame length - 1 (16) | bypass (1) | protocol control command (1) | spare (2) | OCF flag (1) |
 * | VC frame count length (3) | VC frame count (0..7 octets) |
 * ```
 * A truncated frame has only the first four octets, a managed length, no OCF and no frame
 * count; no insert zone is read after a truncated header.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../../core/index.js';
import { type ClcwInit, CLCW_LENGTH, writeClcw } from '../clcw.js';
import { invalidArgument } from '../common.js';
import {
  computeUslpFecf,
  readUslpFecf,
  type UslpFecfLength,
  uslpFecfLength,
  writeUslpFecf,
} from './fecf.js';

/** Transfer Frame Version Number of USLP frames (binary 1100). */
export const USLP_TRANSFER_FRAME_VERSION = 12;
/** Octets of a truncated primary header. */
export const USLP_TRUNCATED_HEADER_LENGTH = 4;
/** Octets of a full primary header without the VC frame count. */
export const USLP_PRIMARY_HEADER_BASE_LENGTH = 7;
/** Longest USLP frame (16-bit frame length field). */
export const USLP_MAX_FRAME_LENGTH = 65536;
/** First Header / Last Valid Octet Pointer meaning "none in this TFDZ". */
export const USLP_POINTER_NONE = 0xffff;
/** Virtual channel reserved for Only Idle Data frames. */
export const USLP_IDLE_VIRTUAL_CHANNEL_ID = 63;

/** TFDZ Construction Rules (732.1-B-2 table 4-3). */
export const UslpConstructionRule = {
  /** Packets spanning frames (fixed-length TFDZ, First Header Pointer). */
  PACKETS_SPANNING: 0,
  /** Start of a MAPA_SDU (fixed-length TFDZ, Last Valid Octet Pointer). */
  MAPA_SDU_START: 1,
  /** Continuing portion of a MAPA_SDU (fixed-length TFDZ, Last Valid Octet Pointer). */
  MAPA_SDU_CONTINUING: 2,
  /** Octet stream (variable-length TFDZ). */
  OCTET_STREAM: 3,
  /** Starting segment (variable-length TFDZ). */
  STARTING_SEGMENT: 4,
  /** Continuing segment (variable-length TFDZ). */
  CONTINUING_SEGMENT: 5,
  /** Last segment (variable-length TFDZ). */
  LAST_SEGMENT: 6,
  /** No segmentation: one or more complete units (variable-length TFDZ). */
  NO_SEGMENTATION: 7,
} as const;
/** One of {@link UslpConstructionRule}. */
export type UslpConstructionRule = (typeof UslpConstructionRule)[keyof typeof UslpConstructionRule];

/** USLP Protocol Identifiers used here (SANA registry). */
export const UslpProtocolId = {
  /** Space Packets and Encapsulation Packets. */
  PACKETS: 0,
  /** COP-1 control commands. */
  COP_1: 1,
  /** COP-P control commands. */
  COP_P: 2,
  /** SDLS control commands. */
  SDLS: 3,
  /** User-defined octet stream. */
  OCTET_STREAM: 4,
  /** Mission-specific information (MAPA_SDU). */
  MAPA_SDU: 5,
  /** Only idle data. */
  IDLE: 31,
} as const;

/** A decoded USLP Transfer Frame. Byte fields are views of the input. */
export interface UslpTransferFrame {
  /** Transfer Frame Version Number (12). */
  transferFrameVersionNumber: number;
  /** Spacecraft Identifier, 16 bits. */
  spacecraftId: number;
  /** Source-or-Destination Identifier: 0 SCID is the source, 1 the destination. */
  sourceOrDestinationId: number;
  /** Virtual Channel Identifier, 6 bits. */
  virtualChannelId: number;
  /** Multiplexer Access Point Identifier, 4 bits. */
  mapId: number;
  /** End of Frame Primary Header flag: true for a truncated frame. */
  endOfFramePrimaryHeader: boolean;
  /** Total frame octets (frame length field + 1, or the truncated frame length). */
  frameLength: number;
  /** Bypass/Sequence Control Flag (undefined for truncated frames). */
  bypassSequenceControlFlag: number | undefined;
  /** Protocol Control Command Flag (undefined for truncated frames). */
  protocolControlCommandFlag: number | undefined;
  /** Reserved spare bits (undefined for truncated frames). */
  reservedSpare: number | undefined;
  /** OCF flag (undefined for truncated frames). */
  ocfFlag: boolean | undefined;
  /** Octets of the VC frame count (0..7; undefined for truncated frames). */
  vcFrameCountLength: number | undefined;
  /** VC frame count (undefined when absent). */
  virtualChannelFrameCount: bigint | undefined;
  /** Octets of the primary header. */
  primaryHeaderLength: number;
  /** Insert zone, when configured (never after a truncated header). */
  insertZone: Uint8Array | undefined;
  /** Offset of the Transfer Frame Data Field. */
  tfdfOffset: number;
  /** TFDZ Construction Rules, 3 bits. */
  tfdzConstructionRules: number;
  /** USLP Protocol Identifier, 5 bits. */
  uslpProtocolId: number;
  /** First Header / Last Valid Octet Pointer (rules 0-2 only). */
  firstHeaderOrLastValidOctetPointer: number | undefined;
  /** Octets of the TFDF header (1 or 3). */
  tfdfHeaderLength: number;
  /** The Transfer Frame Data Zone. */
  tfdz: Uint8Array;
  /** OCF, when the flag is set. */
  operationalControlField: Uint8Array | undefined;
  /** FECF value (2 or 4 octets, unsigned), when present. */
  frameErrorControlField: number | undefined;
  /** Whether the FECF matched (undefined without FECF). */
  fecfValid: boolean | undefined;
}

/** Managed parameters for {@link decodeUslpFrame}. */
export interface UslpFrameDecodeOptions {
  /** Octets of the insert zone after a full primary header (default 0). */
  insertZoneLength?: number;
  /** Frames end with a FECF (default false). */
  fecfPresent?: boolean;
  /** Octets of the FECF when present: 2 (CRC-16, default) or 4 (CCSDS CRC-32). */
  fecfLength?: UslpFecfLength;
  /** Length of truncated frames (needed to decode one). */
  truncatedFrameLength?: number;
  /** For fixed-length channels: the frame length the header must state. */
  fixedFrameLength?: number;
  /** Throw `BAD_CRC` on a FECF mismatch (default true). */
  verifyFecf?: boolean;
  /** SDLS Security Header octets before the TFDF (default 0; 355.0-B-2). */
  securityHeaderLength?: number;
  /** SDLS Security Trailer octets after the TFDF (default 0). */
  securityTrailerLength?: number;
}

/** True when the TFDF header of this rule carries a 16-bit pointer. */
export function uslpRuleHasPointer(rule: number): boolean {
  return rule <= 2;
}

/**
 * Length of the frame starting at `buf[offset]`, as its header says (or the truncated frame
 * length), 0 when more octets are needed to tell, -1 when it is not a USLP frame.
 */
export function uslpFrameLengthAt(
  buf: Uint8Array,
  offset: number,
  end: number,
  truncatedFrameLength?: number,
): number {
  if (end - offset < 4) return 0;
  if (buf[offset]! >> 4 !== USLP_TRANSFER_FRAME_VERSION) return -1;
  if (buf[offset + 3]! & 1) return truncatedFrameLength ?? -1;
  if (end - offset < 6) return 0;
  return ((buf[offset + 4]! << 8) | buf[offset + 5]!) + 1;
}

function fail(message: string, offset?: number): CcsdsError {
  return new CcsdsError(
    CcsdsErrorCode.INVALID_FIELD,
    message,
    offset === undefined ? {} : { offset },
  );
}

/**
 * Decodes the USLP Transfer Frame at the start of `bytes` (its length comes from the header).
 * @throws CcsdsError `TRUNCATED`, `BAD_CRC`, `INVALID_FIELD` (version, lengths, parts not
 *   fitting, truncated frame without a configured length)
 */
export function decodeUslpFrame(
  bytes: Uint8Array,
  options: UslpFrameDecodeOptions = {},
): UslpTransferFrame {
  const iz = options.insertZoneLength ?? 0;
  checkInteger(iz, 0, USLP_MAX_FRAME_LENGTH, 'insertZoneLength');
  if (bytes.length < USLP_TRUNCATED_HEADER_LENGTH) {
    throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'USLP frame: need 4 header octets', {
      offset: bytes.length,
    });
  }
  const tfvn = bytes[0]! >> 4;
  if (tfvn !== USLP_TRANSFER_FRAME_VERSION)
    throw fail(`transfer frame version ${tfvn} is not USLP (12)`, 0);
  const w = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const truncated = (w & 1) !== 0;
  let frameLength: number;
  let headerLength: number;
  let bypass: number | undefined;
  let pcc: number | undefined;
  let spare: number | undefined;
  let ocfFlag: boolean | undefined;
  let countLength: number | undefined;
  let count: bigint | undefined;
  if (truncated) {
    if (options.truncatedFrameLength === undefined)
      throw fail('truncated frame, but no truncated frame length configured', 3);
    frameLength = options.truncatedFrameLength;
    headerLength = USLP_TRUNCATED_HEADER_LENGTH;
  } else {
    if (bytes.length < USLP_PRIMARY_HEADER_BASE_LENGTH) {
      throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'USLP frame: need 7 header octets', {
        offset: bytes.length,
      });
    }
    frameLength = ((bytes[4]! << 8) | bytes[5]!) + 1;
    const b6 = bytes[6]!;
    bypass = b6 >> 7;
    pcc = (b6 >> 6) & 1;
    spare = (b6 >> 4) & 3;
    ocfFlag = (b6 & 8) !== 0;
    countLength = b6 & 7;
    headerLength = USLP_PRIMARY_HEADER_BASE_LENGTH + countLength;
    if (bytes.length < headerLength) {
      throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'USLP frame: header', {
        offset: bytes.length,
      });
    }
    if (countLength > 0) {
      let c = 0n;
      for (let i = 0; i < countLength; i++)
        c = (c << 8n) | BigInt(bytes[USLP_PRIMARY_HEADER_BASE_LENGTH + i]!);
      count = c;
    }
    if (options.fixedFrameLength !== undefined && frameLength !== options.fixedFrameLength) {
      throw fail(
        `frame length ${frameLength} differs from the fixed length ${options.fixedFrameLength}`,
        4,
      );
    }
  }
  if (bytes.length < frameLength) {
    throw new CcsdsError(
      CcsdsErrorCode.TRUNCATED,
      `USLP frame: need ${frameLength} octets, ${bytes.length} available`,
      {
        offset: bytes.length,
      },
    );
  }
  const fecfPresent = options.fecfPresent ?? false;
  const fecfOctets = fecfPresent ? uslpFecfLength(options.fecfLength) : 0;
  let frameErrorControlField: number | undefined;
  let fecfValid: boolean | undefined;
  const secH = options.securityHeaderLength ?? 0;
  const secT = options.securityTrailerLength ?? 0;
  const tfdfOffset = headerLength + (truncated ? 0 : iz) + secH;
  const tfdfEnd = frameLength - (ocfFlag === true ? CLCW_LENGTH : 0) - fecfOctets - secT;
  if (tfdfEnd < tfdfOffset + 1)
    throw fail('no room for the transfer frame data field header', tfdfOffset);
  if (fecfPresent) {
    const n = fecfOctets as UslpFecfLength;
    frameErrorControlField = readUslpFecf(bytes, frameLength, n);
    fecfValid = computeUslpFecf(bytes, frameLength, n) === frameErrorControlField;
    if (!fecfValid && options.verifyFecf !== false) {
      throw new CcsdsError(CcsdsErrorCode.BAD_CRC, 'USLP frame: FECF does not match', {
        offset: frameLength - n,
      });
    }
  }
  const th = bytes[tfdfOffset]!;
  const rule = th >> 5;
  let pointer: number | undefined;
  let tfdfHeaderLength = 1;
  if (uslpRuleHasPointer(rule)) {
    if (tfdfEnd < tfdfOffset + 3)
      throw fail('no room for the first header / last valid octet pointer', tfdfOffset);
    pointer = (bytes[tfdfOffset + 1]! << 8) | bytes[tfdfOffset + 2]!;
    tfdfHeaderLength = 3;
  }
  return {
    transferFrameVersionNumber: tfvn,
    spacecraftId: (w >>> 12) & 0xffff,
    sourceOrDestinationId: (w >>> 11) & 1,
    virtualChannelId: (w >>> 5) & 0x3f,
    mapId: (w >>> 1) & 0xf,
    endOfFramePrimaryHeader: truncated,
    frameLength,
    bypassSequenceControlFlag: bypass,
    protocolControlCommandFlag: pcc,
    reservedSpare: spare,
    ocfFlag,
    vcFrameCountLength: countLength,
    virtualChannelFrameCount: count,
    primaryHeaderLength: headerLength,
    insertZone: !truncated && iz > 0 ? bytes.subarray(headerLength, headerLength + iz) : undefined,
    tfdfOffset,
    tfdzConstructionRules: rule,
    uslpProtocolId: th & 0x1f,
    firstHeaderOrLastValidOctetPointer: pointer,
    tfdfHeaderLength,
    tfdz: bytes.subarray(tfdfOffset + tfdfHeaderLength, tfdfEnd),
    operationalControlField:
      ocfFlag === true ? bytes.subarray(tfdfEnd + secT, tfdfEnd + secT + CLCW_LENGTH) : undefined,
    frameErrorControlField,
    fecfValid,
  };
}

/** Fields for {@link encodeUslpFrame}. */
export interface UslpTransferFrameInit {
  /** Spacecraft Identifier (0..65535). */
  spacecraftId: number;
  /** Source-or-Destination Identifier (0 or 1, default 0). */
  sourceOrDestinationId?: number;
  /** Virtual Channel Identifier (0..63). */
  virtualChannelId: number;
  /** MAP ID (0..15, default 0). */
  mapId?: number;
  /** Build a truncated frame (4-octet header; default false). */
  truncated?: boolean;
  /** Bypass/Sequence Control Flag (default 0). */
  bypassSequenceControlFlag?: number;
  /** Protocol Control Command Flag (default 0). */
  protocolControlCommandFlag?: number;
  /** Reserved spare bits (default 0). */
  reservedSpare?: number;
  /** Octets of the VC frame count field (0..7, default 0). */
  vcFrameCountLength?: number;
  /** VC frame count (default 0). */
  virtualChannelFrameCount?: number | bigint;
  /** Insert zone octets (full headers only; omit for none). */
  insertZone?: Uint8Array;
  /** TFDZ Construction Rules (0..7). */
  tfdzConstructionRules: number;
  /** USLP Protocol Identifier (0..31). */
  uslpProtocolId: number;
  /** First Header / Last Valid Octet Pointer (rules 0-2; default 0xFFFF). */
  firstHeaderOrLastValidOctetPointer?: number;
  /** The Transfer Frame Data Zone. */
  tfdz: Uint8Array;
  /** OCF: 4 octets or a CLCW (full headers only); omit for none. */
  operationalControlField?: Uint8Array | ClcwInit;
  /** Append a FECF (default false). */
  fecfPresent?: boolean;
  /** Octets of the FECF: 2 (CRC-16, default) or 4 (CCSDS CRC-32). */
  fecfLength?: UslpFecfLength;
}

/** Octets of a USLP frame with these parts. */
export function uslpFrameLength(
  init: Omit<UslpTransferFrameInit, 'spacecraftId' | 'virtualChannelId'>,
): number {
  const truncated = init.truncated ?? false;
  return (
    (truncated
      ? USLP_TRUNCATED_HEADER_LENGTH
      : USLP_PRIMARY_HEADER_BASE_LENGTH + (init.vcFrameCountLength ?? 0)) +
    (truncated ? 0 : (init.insertZone?.length ?? 0)) +
    (uslpRuleHasPointer(init.tfdzConstructionRules) ? 3 : 1) +
    init.tfdz.length +
    (init.operationalControlField === undefined ? 0 : CLCW_LENGTH) +
    (init.fecfPresent === true ? uslpFecfLength(init.fecfLength) : 0)
  );
}

/**
 * Encodes a USLP Transfer Frame; its length is the sum of its parts.
 * @throws CcsdsError `INVALID_ARGUMENT` for out-of-range fields, an OCF, insert zone or count in
 *   a truncated frame, a frame over 65,536 octets
 */
export function encodeUslpFrame(init: UslpTransferFrameInit): Uint8Array {
  const truncated = init.truncated ?? false;
  const mapId = init.mapId ?? 0;
  const sod = init.sourceOrDestinationId ?? 0;
  const countLength = init.vcFrameCountLength ?? 0;
  const rule = init.tfdzConstructionRules;
  checkInteger(init.spacecraftId, 0, 0xffff, 'spacecraftId');
  checkInteger(sod, 0, 1, 'sourceOrDestinationId');
  checkInteger(init.virtualChannelId, 0, 63, 'virtualChannelId');
  checkInteger(mapId, 0, 15, 'mapId');
  checkInteger(countLength, 0, 7, 'vcFrameCountLength');
  checkInteger(rule, 0, 7, 'tfdzConstructionRules');
  checkInteger(init.uslpProtocolId, 0, 31, 'uslpProtocolId');
  if (
    truncated &&
    (init.operationalControlField !== undefined ||
      init.insertZone !== undefined ||
      countLength !== 0)
  ) {
    throw invalidArgument('a truncated frame has no OCF, insert zone or frame count');
  }
  const ocf = init.operationalControlField;
  if (ocf instanceof Uint8Array && ocf.length !== CLCW_LENGTH)
    throw invalidArgument('operational control field must be 4 octets');
  const length = uslpFrameLength(init);
  if (length > USLP_MAX_FRAME_LENGTH)
    throw invalidArgument(`USLP frame of ${length} octets is too long`);
  const out = new Uint8Array(length);
  const w =
    (USLP_TRANSFER_FRAME_VERSION * 0x10000000 +
      init.spacecraftId * 0x1000 +
      (sod << 11) +
      (init.virtualChannelId << 5) +
      (mapId << 1) +
      (truncated ? 1 : 0)) >>>
    0;
  out[0] = w >>> 24;
  out[1] = (w >>> 16) & 0xff;
  out[2] = (w >>> 8) & 0xff;
  out[3] = w & 0xff;
  let pos = USLP_TRUNCATED_HEADER_LENGTH;
  if (!truncated) {
    const bypass = init.bypassSequenceControlFlag ?? 0;
    const pcc = init.protocolControlCommandFlag ?? 0;
    const spare = init.reservedSpare ?? 0;
    checkInteger(bypass, 0, 1, 'bypassSequenceControlFlag');
    checkInteger(pcc, 0, 1, 'protocolControlCommandFlag');
    checkInteger(spare, 0, 3, 'reservedSpare');
    out[4] = (length - 1) >> 8;
    out[5] = (length - 1) & 0xff;
    out[6] = (bypass << 7) | (pcc << 6) | (spare << 4) | (ocf === undefined ? 0 : 8) | countLength;
    pos = USLP_PRIMARY_HEADER_BASE_LENGTH;
    let c = BigInt(init.virtualChannelFrameCount ?? 0);
    if (c < 0n || c >= 1n << BigInt(8 * countLength)) {
      if (!(countLength === 0 && c === 0n))
        throw invalidArgument(`VC frame count ${c} does not fit ${countLength} octets`);
    }
    for (let i = countLength - 1; i >= 0; i--) {
      out[pos + i] = Number(c & 0xffn);
      c >>= 8n;
    }
    pos += countLength;
    if (init.insertZone !== undefined) {
      out.set(init.insertZone, pos);
      pos += init.insertZone.length;
    }
  }
  out[pos] = (rule << 5) | init.uslpProtocolId;
  if (uslpRuleHasPointer(rule)) {
    const p = init.firstHeaderOrLastValidOctetPointer ?? USLP_POINTER_NONE;
    checkInteger(p, 0, 0xffff, 'firstHeaderOrLastValidOctetPointer');
    out[pos + 1] = p >> 8;
    out[pos + 2] = p & 0xff;
    pos += 3;
  } else pos += 1;
  out.set(init.tfdz, pos);
  pos += init.tfdz.length;
  if (ocf instanceof Uint8Array) out.set(ocf, pos);
  else if (ocf !== undefined) writeClcw(out, pos, ocf);
  if (init.fecfPresent === true) writeUslpFecf(out, length, uslpFecfLength(init.fecfLength));
  return out;
}
