/**
 * The fixed PDU header of CCSDS 727.0-B-5 §5.1 (and of 727.0-B-3, version 0, where the large
 * file, segmentation control and segment metadata bits were reserved):
 *
 * ```
 * octet 0: version (3) | PDU type (1) | direction (1) | transmission mode (1) | CRC flag (1) | large file flag (1)
 * octet 1-2: PDU data field length (16)
 * octet 3: segmentation control (1) | entity ID length - 1 (3) | segment metadata flag (1) | sequence number length - 1 (3)
 * then: source entity ID, transaction sequence number, destination entity ID (1..8 octets each)
 * ```
 * The data field length counts everything after the header, including the CRC when present.
 */
import {
  ByteReader,
  type ByteWriter,
  CcsdsError,
  CcsdsErrorCode,
  checkInteger,
} from '../core/index.js';
import {
  CFDP_VERSION,
  CFDP_VERSION_B3,
  type Direction,
  type PduType,
  type TransmissionMode,
} from './constants.js';

/** Every field of the fixed header. Entity IDs and sequence numbers are bigints (up to 8 octets). */
export interface PduHeader {
  /** Raw version field: 1 for 727.0-B-4/B-5, 0 for 727.0-B-3. */
  version: number;
  pduType: PduType;
  direction: Direction;
  transmissionMode: TransmissionMode;
  /** A CRC-16/CCITT-FALSE ends the PDU. */
  crcFlag: boolean;
  /** File sizes and offsets are 64-bit. */
  largeFileFlag: boolean;
  /** Record boundaries are respected (segmentation control). */
  segmentationControl: boolean;
  /** File Data PDUs carry segment metadata. */
  segmentMetadataFlag: boolean;
  /** Octets of each entity ID (1..8). */
  entityIdLength: number;
  /** Octets of the transaction sequence number (1..8). */
  transactionSeqNumLength: number;
  sourceEntityId: bigint;
  transactionSequenceNumber: bigint;
  destinationEntityId: bigint;
}

/** Octets of a header with these widths. */
export function headerLength(entityIdLength: number, transactionSeqNumLength: number): number {
  return 4 + 2 * entityIdLength + transactionSeqNumLength;
}

/** Octets of a File-Size-Sensitive field for the header's large file flag. */
export function fssLength(h: Pick<PduHeader, 'largeFileFlag'>): number {
  return h.largeFileFlag ? 8 : 4;
}

/** Writes the header with a placeholder data field length (patched by the PDU encoder). */
export function writePduHeader(w: ByteWriter, h: PduHeader): void {
  checkInteger(h.entityIdLength, 1, 8, 'entityIdLength');
  checkInteger(h.transactionSeqNumLength, 1, 8, 'transactionSeqNumLength');
  if (h.version !== CFDP_VERSION && h.version !== CFDP_VERSION_B3) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `CFDP version field must be 0 or 1, got ${h.version}`,
    );
  }
  if (h.version === CFDP_VERSION_B3 && (h.largeFileFlag || h.segmentMetadataFlag)) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      '727.0-B-3 (version 0) PDUs have no large file or segment metadata flags',
    );
  }
  w.u8(
    (h.version << 5) |
      (h.pduType << 4) |
      (h.direction << 3) |
      (h.transmissionMode << 2) |
      ((h.crcFlag ? 1 : 0) << 1) |
      (h.largeFileFlag ? 1 : 0),
  );
  w.u16(0);
  w.u8(
    ((h.segmentationControl ? 1 : 0) << 7) |
      ((h.entityIdLength - 1) << 4) |
      ((h.segmentMetadataFlag ? 1 : 0) << 3) |
      (h.transactionSeqNumLength - 1),
  );
  w.uint(h.entityIdLength, h.sourceEntityId);
  w.uint(h.transactionSeqNumLength, h.transactionSequenceNumber);
  w.uint(h.entityIdLength, h.destinationEntityId);
}

/** The header and the announced data field length, as read by {@link readPduHeader}. */
export interface ReadHeader {
  header: PduHeader;
  pduDataFieldLength: number;
  headerLength: number;
}

/** Reads a header at the reader's position. Throws `TRUNCATED` or `UNSUPPORTED` (version 2..7). */
export function readPduHeader(r: ByteReader): ReadHeader {
  const start = r.pos;
  const b0 = r.u8('header');
  const version = b0 >> 5;
  if (version !== CFDP_VERSION && version !== CFDP_VERSION_B3) {
    throw new CcsdsError(
      CcsdsErrorCode.UNSUPPORTED,
      `CFDP version field ${version} is not supported`,
      {
        offset: start,
      },
    );
  }
  const pduDataFieldLength = r.u16('data field length');
  const b3 = r.u8('header');
  const entityIdLength = ((b3 >> 4) & 7) + 1;
  const transactionSeqNumLength = (b3 & 7) + 1;
  const header: PduHeader = {
    version,
    pduType: ((b0 >> 4) & 1) as PduType,
    direction: ((b0 >> 3) & 1) as Direction,
    transmissionMode: ((b0 >> 2) & 1) as TransmissionMode,
    crcFlag: (b0 & 2) !== 0,
    largeFileFlag: (b0 & 1) !== 0,
    segmentationControl: (b3 & 0x80) !== 0,
    segmentMetadataFlag: (b3 & 0x08) !== 0,
    entityIdLength,
    transactionSeqNumLength,
    sourceEntityId: r.uintBig(entityIdLength, 'source entity ID'),
    transactionSequenceNumber: r.uintBig(transactionSeqNumLength, 'transaction sequence number'),
    destinationEntityId: r.uintBig(entityIdLength, 'destination entity ID'),
  };
  if (version === CFDP_VERSION_B3 && (header.largeFileFlag || header.segmentMetadataFlag)) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_FIELD,
      'reserved header bits set in a version-0 PDU',
      {
        offset: start,
      },
    );
  }
  return { header, pduDataFieldLength, headerLength: r.pos - start };
}

/**
 * Total length of the PDU starting at `offset` (header plus data field), or 0 when fewer than 4
 * octets are there. For framing PDUs in a byte stream.
 */
export function pduLengthAt(bytes: Uint8Array, offset: number): number {
  if (bytes.length - offset < 4) return 0;
  const b3 = bytes[offset + 3]!;
  const hl = headerLength(((b3 >> 4) & 7) + 1, (b3 & 7) + 1);
  return hl + ((bytes[offset + 1]! << 8) | bytes[offset + 2]!);
}

/** Makes a ByteReader for a PDU (re-exported for the PDU decoder). */
export function pduReader(bytes: Uint8Array, end: number = bytes.length): ByteReader {
  return new ByteReader(bytes, 'CFDP PDU', 0, end);
}
