/**
 * Encapsulation Packets as a whole, CCSDS 133.1-B-3 (Encapsulation Packet Protocol), section 4.1
 * "Encapsulation Packet": header (4.1.2) followed by the Encapsulated Data Field (4.1.3), plus the
 * Idle Packets (Protocol ID '000') used as fill.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger, requireBytes } from '../core/index.js';
import {
  checkForcedLengthOfLength,
  checkHeaderFields,
  decodeEncapsulationPacketHeader,
  lengthCapacity,
  minimumLengthOfLength,
  writeHeader,
  type EncapsulationDecodeOptions,
  type HeaderFields,
  type EncapsulationPacketHeader,
  LengthOfLength,
  MAX_ENCAPSULATION_PACKET_LENGTH,
  ProtocolId,
} from './header.js';

/** A decoded Encapsulation Packet. */
export interface EncapsulationPacket {
  /** The decoded header. */
  header: EncapsulationPacketHeader;
  /** The Encapsulated Data Field (a view into the decoded octets, not a copy). */
  data: Uint8Array;
}

/** What {@link encodeEncapsulationPacket} needs. */
export interface EncapsulationPacketInit {
  /** Protocol ID (0..7); see `ProtocolId`. */
  protocolId: number;
  /** The Encapsulated Data Field (default empty). */
  data?: Uint8Array | undefined;
  /**
   * Force a header form (`LengthOfLength` 0..3). By default the smallest form that holds the
   * fields and the length is chosen: 1 octet for an empty Idle Packet, else 2 octets up to 253
   * data octets, 4 octets up to 65,531, 8 octets beyond; non-zero User Defined / Protocol ID
   * Extension fields and Protocol ID '110' need at least 4 octets, a non-zero CCSDS Defined Field
   * needs 8.
   */
  lengthOfLength?: number | undefined;
  /** User Defined Field (0..15, default 0). */
  userDefinedField?: number | undefined;
  /** Protocol ID Extension (0..15, default 0). */
  protocolIdExtension?: number | undefined;
  /** CCSDS Defined Field (0..65535, default 0; reserved by 133.1-B-3, senders put 0). */
  ccsdsDefinedField?: number | undefined;
  /** If given, must be 7. */
  packetVersionNumber?: number | undefined;
}

const HEADER_LENGTHS = [1, 2, 4, 8] as const;
const EMPTY = new Uint8Array(0);

interface PacketPlan {
  fields: HeaderFields;
  data: Uint8Array;
  lengthOfLength: number;
  headerLength: number;
}

/** Checks the caller's packet and picks (or checks the forced) header form. */
function plan(packet: EncapsulationPacketInit): PacketPlan {
  const fields = checkHeaderFields(packet);
  const data = packet.data ?? EMPTY;
  if (!(data instanceof Uint8Array)) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'data must be a Uint8Array');
  }
  const n = data.length;
  let lol: number;
  if (packet.lengthOfLength === undefined) {
    lol = minimumLengthOfLength(fields, n === 0);
    while (lol <= LengthOfLength.FOUR_OCTETS && HEADER_LENGTHS[lol]! + n > lengthCapacity(lol)) {
      lol++;
    }
    if (lol > LengthOfLength.FOUR_OCTETS) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `data of ${n} octets does not fit an encapsulation packet (at most ${MAX_ENCAPSULATION_PACKET_LENGTH - 8})`,
      );
    }
  } else {
    lol = packet.lengthOfLength;
    checkForcedLengthOfLength(fields, lol);
    if (HEADER_LENGTHS[lol]! + n > lengthCapacity(lol)) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `data of ${n} octets does not fit length of length ${lol.toString(2).padStart(2, '0')}`,
      );
    }
  }
  return { fields, data, lengthOfLength: lol, headerLength: HEADER_LENGTHS[lol]! };
}

/**
 * Encodes one Encapsulation Packet (header and data) into a new array.
 *
 * @throws CcsdsError `INVALID_ARGUMENT` when a field is out of range, the data does not fit
 * (more than 2^32-9 octets) or a forced form cannot hold the fields or the length.
 */
export function encodeEncapsulationPacket(packet: EncapsulationPacketInit): Uint8Array {
  const p = plan(packet);
  const out = new Uint8Array(p.headerLength + p.data.length);
  writeHeader(out, 0, p.fields, p.lengthOfLength, out.length);
  out.set(p.data, p.headerLength);
  return out;
}

/**
 * Encodes one Encapsulation Packet into `target` at `offset` (no allocation: for filling frame
 * data fields or stream buffers) and returns the number of octets written.
 *
 * @throws CcsdsError `INVALID_ARGUMENT` as {@link encodeEncapsulationPacket}, or when the packet
 * does not fit in `target` from `offset`.
 */
export function writeEncapsulationPacket(
  target: Uint8Array,
  offset: number,
  packet: EncapsulationPacketInit,
): number {
  const p = plan(packet);
  const length = p.headerLength + p.data.length;
  checkInteger(offset, 0, target.length, 'offset');
  if (offset + length > target.length) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `a ${length}-octet packet does not fit in ${target.length - offset} octets`,
    );
  }
  writeHeader(target, offset, p.fields, p.lengthOfLength, length);
  target.set(p.data, offset + p.headerLength);
  return length;
}

/**
 * Encodes an Idle Packet of exactly `packetLength` octets (header included), filled with
 * `fill` (default 0): the 1-octet form for 1, a 2-octet header up to 255, 4 octets up to 65,535,
 * 8 octets beyond. Handy to pad a frame data field.
 *
 * @throws CcsdsError `INVALID_ARGUMENT` unless 1 <= packetLength <= 2^32-1 and 0 <= fill <= 255.
 */
export function encodeEncapsulationIdlePacket(packetLength: number, fill = 0): Uint8Array {
  checkInteger(packetLength, 1, MAX_ENCAPSULATION_PACKET_LENGTH, 'packetLength');
  checkInteger(fill, 0, 255, 'fill');
  let lol = 0;
  while (packetLength > lengthCapacity(lol)) lol++;
  const headerLength = HEADER_LENGTHS[lol]!;
  const out = new Uint8Array(packetLength);
  if (fill !== 0) out.fill(fill, headerLength);
  writeHeader(
    out,
    0,
    {
      protocolId: ProtocolId.IDLE,
      userDefinedField: 0,
      protocolIdExtension: 0,
      ccsdsDefinedField: 0,
    },
    lol,
    packetLength,
  );
  return out;
}

/** Options of {@link decodeEncapsulationPacket}. */
export interface EncapsulationPacketDecodeOptions extends EncapsulationDecodeOptions {
  /** Where the packet starts in the input (default 0). */
  offset?: number;
  /**
   * Require the packet to end exactly at the end of the input (default false: octets after the
   * packet are ignored; the packet's extent is `header.packetLength`).
   */
  exact?: boolean;
}

/**
 * Decodes the Encapsulation Packet that starts at `options.offset` (default 0). The returned
 * `data` is a view into `bytes`.
 *
 * @throws CcsdsError `TRUNCATED` when the input ends inside the packet, `INVALID_FIELD` for a
 * malformed header (or trailing octets with `exact`), `LIMIT_EXCEEDED` when the packet is longer
 * than `maxPacketLength` (default 2^32-1).
 */
export function decodeEncapsulationPacket(
  bytes: Uint8Array,
  options: EncapsulationPacketDecodeOptions = {},
): EncapsulationPacket {
  const offset = options.offset ?? 0;
  const header = decodeEncapsulationPacketHeader(bytes, offset, options);
  requireBytes(bytes, offset, header.packetLength, 'encapsulation packet');
  const end = offset + header.packetLength;
  if (options.exact === true && end !== bytes.length) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      `${bytes.length - end} octets after the ${header.packetLength}-octet packet`,
      { offset: end },
    );
  }
  return { header, data: bytes.subarray(offset + header.headerLength, end) };
}
