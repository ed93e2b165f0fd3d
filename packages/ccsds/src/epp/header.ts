/**
 * Encapsulation Packet primary header, CCSDS 133.1-B-3 (Encapsulation Packet Protocol),
 * section 4.1.2 "Encapsulation Packet Header".
 *
 * The header is 1, 2, 4 or 8 octets long, as selected by its Length of Length field:
 *
 * ```
 * octet 0        | PVN '111' (3) | Protocol ID (3) | Length of Length (2) |
 * LoL 00 (1 oct) | nothing else: the one-octet Idle Packet (Protocol ID 000 only)
 * LoL 01 (2 oct) | Packet Length (8)
 * LoL 10 (4 oct) | User Defined (4) | Protocol ID Extension (4) | Packet Length (16)
 * LoL 11 (8 oct) | User Defined (4) | Protocol ID Extension (4) | CCSDS Defined (16) |
 *                | Packet Length (32)
 * ```
 *
 * The Packet Length counts every octet of the packet, header included.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  NEED_MORE,
  NOT_A_UNIT,
  checkInteger,
  requireBytes,
} from '../core/index.js';

/** The Packet Version Number of an Encapsulation Packet: binary '111' (133.1-B-3 4.1.2). */
export const EPP_PACKET_VERSION_NUMBER = 7;

/**
 * Protocol ID values (133.1-B-3 4.1.2; values assigned by the SANA registry).
 * `EXTENDED` means the protocol is named by the Protocol ID Extension field.
 */
export const ProtocolId = {
  /** '000': Idle Packet; carries fill, receivers discard it. */
  IDLE: 0,
  /** '001': Licklider Transmission Protocol. */
  LTP: 1,
  /** '010': Internet Protocol Extension (IPE). */
  IPE: 2,
  /** '011': CCSDS File Delivery Protocol. */
  CFDP: 3,
  /** '100': Bundle Protocol. */
  BP: 4,
  /** '101': reserved by CCSDS. */
  RESERVED: 5,
  /** '110': extended; the Protocol ID Extension field identifies the protocol. */
  EXTENDED: 6,
  /** '111': mission specific. */
  MISSION_SPECIFIC: 7,
} as const;
/** A 3-bit Protocol ID value (0..7); see {@link ProtocolId}. */
export type ProtocolId = (typeof ProtocolId)[keyof typeof ProtocolId];

/**
 * Length of Length values (133.1-B-3 4.1.2): the width of the Packet Length field, which
 * fixes the header length.
 */
export const LengthOfLength = {
  /** '00': no Packet Length field; the 1-octet Idle Packet. */
  ZERO_OCTETS: 0,
  /** '01': 1-octet Packet Length, 2-octet header. */
  ONE_OCTET: 1,
  /** '10': 2-octet Packet Length, 4-octet header (User Defined and Protocol ID Extension). */
  TWO_OCTETS: 2,
  /** '11': 4-octet Packet Length, 8-octet header (adds the CCSDS Defined Field). */
  FOUR_OCTETS: 3,
} as const;
/** A 2-bit Length of Length value (0..3); see {@link LengthOfLength}. */
export type LengthOfLength = (typeof LengthOfLength)[keyof typeof LengthOfLength];

const HEADER_LENGTHS = [1, 2, 4, 8] as const;
const LENGTH_CAPACITY = [1, 0xff, 0xffff, 0xffffffff] as const;

/** Largest Packet Length the format can express (4-octet field): 2^32 - 1 octets. */
export const MAX_ENCAPSULATION_PACKET_LENGTH = 0xffffffff;

/** Header length in octets (1, 2, 4 or 8) for a Length of Length value. */
export function encapsulationHeaderLength(lengthOfLength: LengthOfLength): 1 | 2 | 4 | 8 {
  checkInteger(lengthOfLength, 0, 3, 'lengthOfLength');
  return HEADER_LENGTHS[lengthOfLength];
}

/** A decoded Encapsulation Packet header. Optional fields are present only in the forms that carry them. */
export interface EncapsulationPacketHeader {
  /** Packet Version Number; always 7 (binary '111') in a decoded header. */
  packetVersionNumber: number;
  /** Protocol ID (3 bits); see {@link ProtocolId}. */
  protocolId: ProtocolId;
  /** Length of Length (2 bits); see {@link LengthOfLength}. */
  lengthOfLength: LengthOfLength;
  /** User Defined Field (4 bits); present in 4- and 8-octet headers. */
  userDefinedField?: number;
  /** Protocol ID Extension (4 bits); present in 4- and 8-octet headers. */
  protocolIdExtension?: number;
  /** CCSDS Defined Field (16 bits, reserved, normally 0); present in 8-octet headers. */
  ccsdsDefinedField?: number;
  /** Packet Length: octets in the whole packet, header included (1 for the 1-octet Idle Packet). */
  packetLength: number;
  /** Header length in octets: 1, 2, 4 or 8 (derived from {@link lengthOfLength}). */
  headerLength: 1 | 2 | 4 | 8;
}

/**
 * What {@link encodeEncapsulationPacketHeader} needs. A decoded
 * {@link EncapsulationPacketHeader} is accepted as it is.
 */
export interface EncapsulationPacketHeaderInit {
  /** Protocol ID (0..7). */
  protocolId: number;
  /** Packet Length: octets in the whole packet, header included. */
  packetLength: number;
  /** Force a header form; by default the smallest form that holds every field is chosen. */
  lengthOfLength?: number | undefined;
  /** User Defined Field (0..15, default 0); needs a 4- or 8-octet header when non-zero. */
  userDefinedField?: number | undefined;
  /** Protocol ID Extension (0..15, default 0); needs a 4- or 8-octet header when non-zero. */
  protocolIdExtension?: number | undefined;
  /** CCSDS Defined Field (0..65535, default 0); needs the 8-octet header when non-zero. */
  ccsdsDefinedField?: number | undefined;
  /** If given, must be 7. */
  packetVersionNumber?: number | undefined;
}

/** Limits of the Encapsulation Packet decoders. */
export interface EncapsulationDecodeOptions {
  /**
   * Longest packet accepted, in octets, header included (1 .. 2^32-1). Default for the
   * one-shot decoders: 2^32-1 (the format maximum; they only look at octets already in memory).
   * Longer claims throw `LIMIT_EXCEEDED`.
   */
  maxPacketLength?: number;
}

/** {@link classifyEncapsulationHeader} result: the header claims more than the limit allows. */
export const HEADER_TOO_LONG = -2;

/**
 * Non-throwing header check used by the stream framer. Looks at `buf[offset, end)` and returns
 * the packet's total length (> 0), `NEED_MORE` (0) when more octets are needed to decide,
 * `NOT_A_UNIT` (-1) when no valid header starts at `offset`, or {@link HEADER_TOO_LONG} (-2)
 * when a valid header claims more than `maxPacketLength` octets. Agrees exactly with
 * {@link decodeEncapsulationPacketHeader}.
 */
export function classifyEncapsulationHeader(
  buf: Uint8Array,
  offset: number,
  end: number,
  maxPacketLength: number,
): number {
  if (offset >= end) return NEED_MORE;
  const b0 = buf[offset]!;
  if (b0 < 0xe0) return NOT_A_UNIT;
  const protocolId = (b0 >> 2) & 7;
  let length: number;
  switch (b0 & 3) {
    case 0:
      if (protocolId !== ProtocolId.IDLE) return NOT_A_UNIT;
      length = 1;
      break;
    case 1:
      if (protocolId === ProtocolId.EXTENDED) return NOT_A_UNIT;
      if (end - offset < 2) return NEED_MORE;
      length = buf[offset + 1]!;
      if (length < 2) return NOT_A_UNIT;
      break;
    case 2:
      if (end - offset < 4) return NEED_MORE;
      length = (buf[offset + 2]! << 8) | buf[offset + 3]!;
      if (length < 4) return NOT_A_UNIT;
      break;
    default:
      if (end - offset < 8) return NEED_MORE;
      length =
        buf[offset + 4]! * 0x1000000 +
        ((buf[offset + 5]! << 16) | (buf[offset + 6]! << 8) | buf[offset + 7]!);
      if (length < 8) return NOT_A_UNIT;
  }
  return length > maxPacketLength ? HEADER_TOO_LONG : length;
}

/** Validates a caller-supplied `maxPacketLength` option and returns it (or the default). */
export function resolveMaxPacketLength(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  checkInteger(value, 1, MAX_ENCAPSULATION_PACKET_LENGTH, 'maxPacketLength');
  return value;
}

/**
 * Decodes the header at `bytes[offset]` (133.1-B-3 4.1.2). Checks the version, that LoL '00' is
 * used only by Idle Packets, that Protocol ID '110' comes with a Protocol ID Extension field
 * (4- or 8-octet header), that the Packet Length covers at least the header, and the limit.
 * Does not require the packet's data to be present (see `decodeEncapsulationPacket`).
 *
 * @throws CcsdsError `TRUNCATED`, `INVALID_FIELD` or `LIMIT_EXCEEDED`, with the octet offset.
 */
export function decodeEncapsulationPacketHeader(
  bytes: Uint8Array,
  offset = 0,
  options: EncapsulationDecodeOptions = {},
): EncapsulationPacketHeader {
  const max = resolveMaxPacketLength(options.maxPacketLength, MAX_ENCAPSULATION_PACKET_LENGTH);
  checkInteger(offset, 0, Number.MAX_SAFE_INTEGER, 'offset');
  requireBytes(bytes, offset, 1, 'encapsulation packet header');
  const b0 = bytes[offset]!;
  const packetVersionNumber = b0 >> 5;
  if (packetVersionNumber !== EPP_PACKET_VERSION_NUMBER) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `packet version number ${packetVersionNumber.toString(2).padStart(3, '0')} is not 111 (not an encapsulation packet)`,
      { offset },
    );
  }
  const protocolId = ((b0 >> 2) & 7) as ProtocolId;
  const lengthOfLength = (b0 & 3) as LengthOfLength;
  const headerLength = HEADER_LENGTHS[lengthOfLength];
  if (lengthOfLength === LengthOfLength.ZERO_OCTETS) {
    if (protocolId !== ProtocolId.IDLE) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_FIELD,
        `length of length 00 requires protocol ID 000 (idle), got ${protocolId.toString(2).padStart(3, '0')}`,
        { offset },
      );
    }
    return { packetVersionNumber, protocolId, lengthOfLength, packetLength: 1, headerLength };
  }
  if (lengthOfLength === LengthOfLength.ONE_OCTET && protocolId === ProtocolId.EXTENDED) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      'protocol ID 110 (extended) needs a protocol ID extension field, absent from a 2-octet header',
      { offset },
    );
  }
  requireBytes(bytes, offset, headerLength, `${headerLength}-octet encapsulation packet header`);
  const header: EncapsulationPacketHeader = {
    packetVersionNumber,
    protocolId,
    lengthOfLength,
    packetLength: 0,
    headerLength,
  };
  let lengthOffset: number;
  if (lengthOfLength === LengthOfLength.ONE_OCTET) {
    lengthOffset = offset + 1;
    header.packetLength = bytes[lengthOffset]!;
  } else {
    const b1 = bytes[offset + 1]!;
    header.userDefinedField = b1 >> 4;
    header.protocolIdExtension = b1 & 15;
    if (lengthOfLength === LengthOfLength.TWO_OCTETS) {
      lengthOffset = offset + 2;
      header.packetLength = (bytes[lengthOffset]! << 8) | bytes[lengthOffset + 1]!;
    } else {
      header.ccsdsDefinedField = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
      lengthOffset = offset + 4;
      header.packetLength =
        bytes[lengthOffset]! * 0x1000000 +
        ((bytes[lengthOffset + 1]! << 16) |
          (bytes[lengthOffset + 2]! << 8) |
          bytes[lengthOffset + 3]!);
    }
  }
  if (header.packetLength < headerLength) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `packet length ${header.packetLength} is smaller than the ${headerLength}-octet header`,
      { offset: lengthOffset },
    );
  }
  if (header.packetLength > max) {
    throw new CcsdsError(
      CcsdsErrorCode.LIMIT_EXCEEDED,
      `packet length ${header.packetLength} exceeds the limit of ${max} octets`,
      { offset: lengthOffset },
    );
  }
  return header;
}

function invalid(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/** Checked header fields, with defaults applied. */
export interface HeaderFields {
  /** Protocol ID (0..7). */
  protocolId: number;
  /** User Defined Field (0..15). */
  userDefinedField: number;
  /** Protocol ID Extension (0..15). */
  protocolIdExtension: number;
  /** CCSDS Defined Field (0..65535). */
  ccsdsDefinedField: number;
}

/** Validates the caller's header fields (not the length) and applies defaults of 0. */
export function checkHeaderFields(init: {
  protocolId: number;
  userDefinedField?: number | undefined;
  protocolIdExtension?: number | undefined;
  ccsdsDefinedField?: number | undefined;
  packetVersionNumber?: number | undefined;
}): HeaderFields {
  if (
    init.packetVersionNumber !== undefined &&
    init.packetVersionNumber !== EPP_PACKET_VERSION_NUMBER
  ) {
    throw invalid(`packetVersionNumber must be 7, got ${init.packetVersionNumber}`);
  }
  const fields: HeaderFields = {
    protocolId: init.protocolId,
    userDefinedField: init.userDefinedField ?? 0,
    protocolIdExtension: init.protocolIdExtension ?? 0,
    ccsdsDefinedField: init.ccsdsDefinedField ?? 0,
  };
  checkInteger(fields.protocolId, 0, 7, 'protocolId');
  checkInteger(fields.userDefinedField, 0, 15, 'userDefinedField');
  checkInteger(fields.protocolIdExtension, 0, 15, 'protocolIdExtension');
  checkInteger(fields.ccsdsDefinedField, 0, 0xffff, 'ccsdsDefinedField');
  return fields;
}

/** The smallest Length of Length able to carry `fields` (ignoring the length itself). */
export function minimumLengthOfLength(fields: HeaderFields, idleOneOctet: boolean): number {
  if (fields.ccsdsDefinedField !== 0) return LengthOfLength.FOUR_OCTETS;
  if (
    fields.userDefinedField !== 0 ||
    fields.protocolIdExtension !== 0 ||
    fields.protocolId === ProtocolId.EXTENDED
  ) {
    return LengthOfLength.TWO_OCTETS;
  }
  if (fields.protocolId === ProtocolId.IDLE && idleOneOctet) return LengthOfLength.ZERO_OCTETS;
  return LengthOfLength.ONE_OCTET;
}

/** Throws `INVALID_ARGUMENT` unless the forced `lengthOfLength` can carry `fields`. */
export function checkForcedLengthOfLength(fields: HeaderFields, lengthOfLength: number): void {
  checkInteger(lengthOfLength, 0, 3, 'lengthOfLength');
  if (lengthOfLength === LengthOfLength.ZERO_OCTETS && fields.protocolId !== ProtocolId.IDLE) {
    throw invalid('length of length 00 is only for the 1-octet idle packet (protocol ID 000)');
  }
  if (lengthOfLength <= LengthOfLength.ONE_OCTET) {
    if (fields.protocolId === ProtocolId.EXTENDED) {
      throw invalid('protocol ID 110 (extended) needs a 4- or 8-octet header');
    }
    if (fields.userDefinedField !== 0 || fields.protocolIdExtension !== 0) {
      throw invalid(
        'userDefinedField and protocolIdExtension need a 4- or 8-octet header (length of length 10 or 11)',
      );
    }
  }
  if (lengthOfLength <= LengthOfLength.TWO_OCTETS && fields.ccsdsDefinedField !== 0) {
    throw invalid('ccsdsDefinedField needs the 8-octet header (length of length 11)');
  }
}

/** Largest Packet Length a Length of Length value can express. */
export function lengthCapacity(lengthOfLength: number): number {
  return LENGTH_CAPACITY[lengthOfLength as LengthOfLength];
}

/**
 * Writes a header into `target` at `offset`. `fields`, `lengthOfLength` and `packetLength` must
 * already be checked against each other.
 */
export function writeHeader(
  target: Uint8Array,
  offset: number,
  fields: HeaderFields,
  lengthOfLength: number,
  packetLength: number,
): void {
  target[offset] = 0xe0 | (fields.protocolId << 2) | lengthOfLength;
  switch (lengthOfLength) {
    case LengthOfLength.ZERO_OCTETS:
      return;
    case LengthOfLength.ONE_OCTET:
      target[offset + 1] = packetLength;
      return;
    case LengthOfLength.TWO_OCTETS:
      target[offset + 1] = (fields.userDefinedField << 4) | fields.protocolIdExtension;
      target[offset + 2] = packetLength >>> 8;
      target[offset + 3] = packetLength & 0xff;
      return;
    default:
      target[offset + 1] = (fields.userDefinedField << 4) | fields.protocolIdExtension;
      target[offset + 2] = fields.ccsdsDefinedField >>> 8;
      target[offset + 3] = fields.ccsdsDefinedField & 0xff;
      target[offset + 4] = packetLength >>> 24;
      target[offset + 5] = (packetLength >>> 16) & 0xff;
      target[offset + 6] = (packetLength >>> 8) & 0xff;
      target[offset + 7] = packetLength & 0xff;
  }
}

/**
 * Encodes a header alone (133.1-B-3 4.1.2). The Packet Length is taken as given (whole packet,
 * header included). Without `lengthOfLength` the smallest form holding every field and the
 * length is chosen; Protocol ID '110' always gets a 4- or 8-octet header.
 *
 * @throws CcsdsError `INVALID_ARGUMENT` when a field is out of range or the (forced) form cannot
 * hold the fields or the length.
 */
export function encodeEncapsulationPacketHeader(header: EncapsulationPacketHeaderInit): Uint8Array {
  const fields = checkHeaderFields(header);
  checkInteger(header.packetLength, 1, MAX_ENCAPSULATION_PACKET_LENGTH, 'packetLength');
  let lol: number;
  if (header.lengthOfLength === undefined) {
    lol = minimumLengthOfLength(fields, header.packetLength === 1);
    while (header.packetLength > LENGTH_CAPACITY[lol as LengthOfLength]) lol++;
  } else {
    lol = header.lengthOfLength;
    checkForcedLengthOfLength(fields, lol);
    if (header.packetLength > LENGTH_CAPACITY[lol as LengthOfLength]) {
      throw invalid(
        `packet length ${header.packetLength} does not fit length of length ${lol.toString(2).padStart(2, '0')}`,
      );
    }
  }
  const headerLength = HEADER_LENGTHS[lol as LengthOfLength];
  if (header.packetLength < headerLength) {
    throw invalid(
      `packet length ${header.packetLength} is smaller than the ${headerLength}-octet header`,
    );
  }
  const out = new Uint8Array(headerLength);
  writeHeader(out, 0, fields, lol, header.packetLength);
  return out;
}
