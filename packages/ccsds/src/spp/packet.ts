/**
 * Complete Space Packets, CCSDS 133.0-B-2 §4.1: primary header plus packet data field (optional
 * secondary header and user data), with optional packet error control — a CRC-16-CCITT over
 * the whole packet in its last two octets, as many missions append (the standard leaves the
 * data field's contents to the mission).
 */
import { CcsdsError, CcsdsErrorCode, crc16Ccitt } from '../core/index.js';
import {
  type PacketType,
  type SequenceFlags,
  type SpacePacketHeaderInit,
  type SpacePacketPrimaryHeader,
  IDLE_APID,
  MAX_DATA_FIELD_LENGTH,
  MIN_PACKET_LENGTH,
  PRIMARY_HEADER_LENGTH,
  SPACE_PACKET_VERSION,
  SequenceFlags as Flags,
  decodeSpacePacketHeader,
  writeSpacePacketHeader,
} from './header.js';

/** A decoded Space Packet. `packetDataField` is a view into the decoded bytes. */
export interface SpacePacket {
  /** The primary header. */
  header: SpacePacketPrimaryHeader;
  /** The packet data field: secondary header (if any) followed by user data. */
  packetDataField: Uint8Array;
}

/** Fields and data for {@link encodeSpacePacket}. */
export interface SpacePacketInit extends SpacePacketHeaderInit {
  /** Secondary header octets (sets the secondary header flag unless given explicitly). */
  secondaryHeader?: Uint8Array;
  /** User data octets. */
  userData?: Uint8Array;
  /** Append a CRC-16-CCITT over the packet as packet error control (2 more data octets). */
  packetErrorControl?: boolean;
}

/** Options of {@link decodeSpacePacket}. */
export interface DecodeSpacePacketOptions {
  /** Verify and strip a trailing CRC-16-CCITT packet error control field (default false). */
  packetErrorControl?: boolean;
  /** Allow octets after the packet (default false: they are an error). */
  allowTrailing?: boolean;
}

/**
 * Encodes a complete packet. The packet data field must hold 1..65,536 octets
 * (secondary header + user data + error control).
 */
export function encodeSpacePacket(init: SpacePacketInit): Uint8Array {
  const sec = init.secondaryHeader ?? new Uint8Array(0);
  const user = init.userData ?? new Uint8Array(0);
  const pec = init.packetErrorControl === true ? 2 : 0;
  const dataLen = sec.length + user.length + pec;
  if (dataLen < 1 || dataLen > MAX_DATA_FIELD_LENGTH) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `packet data field must be 1..65536 octets, got ${dataLen}`,
    );
  }
  const out = new Uint8Array(PRIMARY_HEADER_LENGTH + dataLen);
  writeSpacePacketHeader(out, 0, {
    packetVersionNumber: init.packetVersionNumber ?? SPACE_PACKET_VERSION,
    packetType: init.packetType ?? (0 as PacketType),
    secondaryHeaderFlag: init.secondaryHeaderFlag ?? sec.length > 0,
    apid: init.apid,
    sequenceFlags: init.sequenceFlags ?? (Flags.UNSEGMENTED as SequenceFlags),
    packetSequenceCount: init.packetSequenceCount ?? 0,
    packetDataLength: dataLen - 1,
  });
  out.set(sec, PRIMARY_HEADER_LENGTH);
  out.set(user, PRIMARY_HEADER_LENGTH + sec.length);
  if (pec) {
    const c = crc16Ccitt(out, 0xffff, 0, out.length - 2);
    out[out.length - 2] = c >> 8;
    out[out.length - 1] = c & 0xff;
  }
  return out;
}

/**
 * Decodes one packet from `bytes` starting at offset 0. Throws `TRUNCATED` when the packet is
 * incomplete, `INVALID_FIELD` for a version other than 0 or trailing octets, and `BAD_CRC`
 * when packet error control is requested and does not match. The error control octets are
 * removed from `packetDataField` when verified.
 */
export function decodeSpacePacket(
  bytes: Uint8Array,
  options: DecodeSpacePacketOptions = {},
): SpacePacket {
  const header = decodeSpacePacketHeader(bytes, 0);
  if (header.packetVersionNumber !== SPACE_PACKET_VERSION) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `packet version number ${header.packetVersionNumber} is not a Space Packet (000)`,
      { offset: 0 },
    );
  }
  const total = header.packetDataLength + MIN_PACKET_LENGTH;
  if (bytes.length < total) {
    throw new CcsdsError(
      CcsdsErrorCode.TRUNCATED,
      `packet announces ${total} octets, ${bytes.length} available`,
      { offset: bytes.length },
    );
  }
  if (bytes.length > total && options.allowTrailing !== true) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `${bytes.length - total} octets after the end of the packet`,
      { offset: total },
    );
  }
  let end = total;
  if (options.packetErrorControl === true) {
    if (total < PRIMARY_HEADER_LENGTH + 2) {
      throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'no room for packet error control', {
        offset: PRIMARY_HEADER_LENGTH,
      });
    }
    if (!hasValidPacketErrorControl(bytes.subarray(0, total))) {
      throw new CcsdsError(CcsdsErrorCode.BAD_CRC, 'packet error control CRC mismatch', {
        offset: total - 2,
      });
    }
    end -= 2;
  }
  return { header, packetDataField: bytes.subarray(PRIMARY_HEADER_LENGTH, end) };
}

/** True when the last two octets of `packet` are the CRC-16-CCITT of the octets before them. */
export function hasValidPacketErrorControl(packet: Uint8Array): boolean {
  if (packet.length < 3) return false;
  const n = packet.length;
  return crc16Ccitt(packet, 0xffff, 0, n - 2) === ((packet[n - 2]! << 8) | packet[n - 1]!);
}

/** True for an idle packet (APID 2047). */
export function isIdlePacket(header: Pick<SpacePacketPrimaryHeader, 'apid'>): boolean {
  return header.apid === IDLE_APID;
}

/**
 * Builds an idle packet (APID 2047) of `totalLength` octets (7..65,542), filled with `fill`
 * (default 0xFF).
 */
export function encodeIdlePacket(totalLength: number, sequenceCount = 0, fill = 0xff): Uint8Array {
  const data = new Uint8Array(totalLength - PRIMARY_HEADER_LENGTH).fill(fill);
  return encodeSpacePacket({ apid: IDLE_APID, packetSequenceCount: sequenceCount, userData: data });
}
