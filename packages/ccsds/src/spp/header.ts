/**
 * Space Packet primary header, CCSDS 133.0-B-2 §4.1.3.
 *
 * ```
 * | version (3) | type (1) | sec. hdr flag (1) | APID (11) | seq. flags (2) | seq. count (14) | data length (16) |
 * ```
 * The packet data length field holds the number of octets in the packet data field minus one,
 * so a packet is 7 to 65,542 octets long.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../core/index.js';

/** Octets in the primary header. */
export const PRIMARY_HEADER_LENGTH = 6;
/** Shortest Space Packet: header plus one data octet. */
export const MIN_PACKET_LENGTH = 7;
/** Longest Space Packet: header plus 65,536 data octets. */
export const MAX_PACKET_LENGTH = 65542;
/** Longest packet data field. */
export const MAX_DATA_FIELD_LENGTH = 65536;
/** APID reserved for idle packets (§4.1.3.3.4.4). */
export const IDLE_APID = 2047;
/** Sequence counts run modulo 16,384 (§4.1.3.4.2.2). */
export const SEQUENCE_COUNT_MODULUS = 16384;
/** The only packet version number of 133.0-B-2 (binary 000). */
export const SPACE_PACKET_VERSION = 0;

/** Packet type (§4.1.3.3.2). */
export const PacketType = {
  TELEMETRY: 0,
  TELECOMMAND: 1,
} as const;
/** One of {@link PacketType}. */
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** Sequence flags (§4.1.3.4.2). */
export const SequenceFlags = {
  CONTINUATION: 0,
  FIRST: 1,
  LAST: 2,
  UNSEGMENTED: 3,
} as const;
/** One of {@link SequenceFlags}. */
export type SequenceFlags = (typeof SequenceFlags)[keyof typeof SequenceFlags];

/** Every field of the primary header. */
export interface SpacePacketPrimaryHeader {
  /** Packet Version Number, 3 bits (0 for Space Packets). */
  packetVersionNumber: number;
  /** Packet Type: 0 telemetry, 1 telecommand. */
  packetType: PacketType;
  /** Secondary Header Flag. */
  secondaryHeaderFlag: boolean;
  /** Application Process Identifier, 11 bits. */
  apid: number;
  /** Sequence Flags, 2 bits. */
  sequenceFlags: SequenceFlags;
  /** Packet Sequence Count (or Packet Name for telecommands), 14 bits. */
  packetSequenceCount: number;
  /** Packet Data Length field: octets in the packet data field minus one (0..65535). */
  packetDataLength: number;
}

/** Header fields for encoding; defaults: version 0, TM, no secondary header, unsegmented, count 0. */
export interface SpacePacketHeaderInit {
  packetVersionNumber?: number;
  packetType?: PacketType;
  secondaryHeaderFlag?: boolean;
  apid: number;
  sequenceFlags?: SequenceFlags;
  packetSequenceCount?: number;
}

/** Packet identification and version (first 16 bits of the header), as a 16-bit number. */
export function packetIdentification(
  h: Pick<
    SpacePacketPrimaryHeader,
    'packetVersionNumber' | 'packetType' | 'secondaryHeaderFlag' | 'apid'
  >,
): number {
  return (
    ((h.packetVersionNumber & 7) << 13) |
    ((h.packetType & 1) << 12) |
    ((h.secondaryHeaderFlag ? 1 : 0) << 11) |
    (h.apid & 0x7ff)
  );
}

/** Writes a primary header into `out` at `offset`. Validates every field. */
export function writeSpacePacketHeader(
  out: Uint8Array,
  offset: number,
  header: SpacePacketPrimaryHeader,
): void {
  checkInteger(header.packetVersionNumber, 0, 7, 'packetVersionNumber');
  checkInteger(header.packetType, 0, 1, 'packetType');
  checkInteger(header.apid, 0, 2047, 'apid');
  checkInteger(header.sequenceFlags, 0, 3, 'sequenceFlags');
  checkInteger(header.packetSequenceCount, 0, 16383, 'packetSequenceCount');
  checkInteger(header.packetDataLength, 0, 65535, 'packetDataLength');
  if (offset < 0 || offset + PRIMARY_HEADER_LENGTH > out.length) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'no room for a primary header');
  }
  const id = packetIdentification(header);
  out[offset] = id >> 8;
  out[offset + 1] = id & 0xff;
  const seq = (header.sequenceFlags << 14) | header.packetSequenceCount;
  out[offset + 2] = seq >> 8;
  out[offset + 3] = seq & 0xff;
  out[offset + 4] = header.packetDataLength >> 8;
  out[offset + 5] = header.packetDataLength & 0xff;
}

/** Encodes a primary header into 6 new octets. */
export function encodeSpacePacketHeader(header: SpacePacketPrimaryHeader): Uint8Array {
  const out = new Uint8Array(PRIMARY_HEADER_LENGTH);
  writeSpacePacketHeader(out, 0, header);
  return out;
}

/**
 * Decodes the primary header at `offset`. Throws `TRUNCATED` when fewer than 6 octets remain.
 * Any 6 octets are a syntactically valid header; whether the version is 0 is checked by the
 * packet decoder and readers.
 */
export function decodeSpacePacketHeader(bytes: Uint8Array, offset = 0): SpacePacketPrimaryHeader {
  if (offset < 0 || offset + PRIMARY_HEADER_LENGTH > bytes.length) {
    throw new CcsdsError(
      CcsdsErrorCode.TRUNCATED,
      `Space Packet primary header needs 6 octets, ${Math.max(0, bytes.length - offset)} available`,
      { offset },
    );
  }
  const b0 = bytes[offset]!;
  const b2 = bytes[offset + 2]!;
  return {
    packetVersionNumber: b0 >> 5,
    packetType: ((b0 >> 4) & 1) as PacketType,
    secondaryHeaderFlag: (b0 & 0x08) !== 0,
    apid: ((b0 & 7) << 8) | bytes[offset + 1]!,
    sequenceFlags: (b2 >> 6) as SequenceFlags,
    packetSequenceCount: ((b2 & 0x3f) << 8) | bytes[offset + 3]!,
    packetDataLength: (bytes[offset + 4]! << 8) | bytes[offset + 5]!,
  };
}

/** Total packet length in octets announced by the header at `offset` (7..65,542). */
export function spacePacketLengthAt(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset + 4]! << 8) | bytes[offset + 5]!) + 7;
}

/** APID of the header at `offset` (no bounds check; the caller knows 2 octets are there). */
export function apidAt(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! & 7) << 8) | bytes[offset + 1]!;
}

/** Packet sequence count of the header at `offset` (no bounds check). */
export function sequenceCountAt(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset + 2]! & 0x3f) << 8) | bytes[offset + 3]!;
}
