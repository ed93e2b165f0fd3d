/**
 * CFDP PDUs, CCSDS 727.0-B-5 §5.2 (file directives) and §5.3 (File Data): encode and decode with
 * every field, for both protocol versions (727.0-B-5 = version 1, 727.0-B-3 = version 0, whose
 * Metadata carries segmentation control in place of closure/checksum type and whose Finished
 * carries the end system status bit). The decoder checks every length and the CRC and rejects
 * malformed or inconsistent PDUs with `CcsdsError`.
 */
import {
  ByteReader,
  ByteWriter,
  CcsdsError,
  CcsdsErrorCode,
  checkInteger,
  crc16Ccitt,
} from '../core/index.js';
import {
  CFDP_VERSION,
  CFDP_VERSION_B3,
  ConditionCode,
  DirectiveCode,
  type DeliveryCode,
  type FileStatus,
  PduType,
  type TransactionStatus,
} from './constants.js';
import { type PduHeader, fssLength, readPduHeader, writePduHeader } from './header.js';
import {
  type EntityIdTlv,
  type FilestoreResponseTlv,
  type Tlv,
  readLv,
  readTlv,
  writeLv,
  writeTlv,
} from './tlv.js';

/** A File-Size-Sensitive value: a number up to 2^53-1, a bigint above (64-bit large files only). */
export type Fss = number | bigint;

/** Metadata PDU (§5.2.5). */
export interface MetadataPdu {
  kind: 'metadata';
  header: PduHeader;
  closureRequested: boolean;
  /** SANA checksum type (0 modular, 1 Proximity-1, 2 CRC-32C, 3 CRC-32, 15 null). */
  checksumType: number;
  fileSize: Fss;
  sourceFileName: string;
  destinationFileName: string;
  /** Filestore requests, messages to user, fault handler overrides, flow labels. */
  options: Tlv[];
  /** Version-0 (727.0-B-3) only: the record-boundaries bit of the old Metadata octet. */
  segmentationControlB3?: boolean;
}

/** File Data PDU (§5.3). */
export interface FileDataPdu {
  kind: 'fileData';
  header: PduHeader;
  offset: Fss;
  data: Uint8Array;
  /** Present when the header's segment metadata flag is set (0..3). */
  recordContinuationState?: number;
  /** Present when the header's segment metadata flag is set (0..63 octets). */
  segmentMetadata?: Uint8Array;
}

/** EOF PDU (§5.2.2). */
export interface EofPdu {
  kind: 'eof';
  header: PduHeader;
  conditionCode: number;
  /** The 32-bit file checksum as an unsigned number. */
  fileChecksum: number;
  fileSize: Fss;
  /** Present when the condition code is not No error. */
  faultLocation?: EntityIdTlv;
}

/** Finished PDU (§5.2.3). */
export interface FinishedPdu {
  kind: 'finished';
  header: PduHeader;
  conditionCode: number;
  deliveryCode: DeliveryCode;
  fileStatus: FileStatus;
  filestoreResponses: FilestoreResponseTlv[];
  faultLocation?: EntityIdTlv;
  /** Version-0 (727.0-B-3) only: the end system status bit. */
  endSystemStatusB3?: boolean;
}

/** ACK PDU (§5.2.4). */
export interface AckPdu {
  kind: 'ack';
  header: PduHeader;
  /** Directive code of the acknowledged PDU (EOF 4 or Finished 5). */
  ackedDirectiveCode: number;
  /** 1 for an ACK of Finished, 0 otherwise. */
  directiveSubtypeCode: number;
  conditionCode: number;
  transactionStatus: TransactionStatus;
}

/** A NAK segment request: [start offset, end offset) of missing data; (0, 0) asks for Metadata. */
export type SegmentRequest = [start: Fss, end: Fss];

/** NAK PDU (§5.2.6). */
export interface NakPdu {
  kind: 'nak';
  header: PduHeader;
  startOfScope: Fss;
  endOfScope: Fss;
  segmentRequests: SegmentRequest[];
}

/** Prompt PDU (§5.2.7). */
export interface PromptPdu {
  kind: 'prompt';
  header: PduHeader;
  /** 0 NAK, 1 Keep Alive. */
  responseRequired: number;
}

/** Keep Alive PDU (§5.2.8). */
export interface KeepAlivePdu {
  kind: 'keepAlive';
  header: PduHeader;
  progress: Fss;
}

/** Any CFDP PDU. */
export type Pdu =
  | MetadataPdu
  | FileDataPdu
  | EofPdu
  | FinishedPdu
  | AckPdu
  | NakPdu
  | PromptPdu
  | KeepAlivePdu;

/** Options of {@link decodePdu}. */
export interface DecodePduOptions {
  /** Accept octets after the PDU (default false). */
  allowTrailing?: boolean;
  /** Skip the CRC check even when the CRC flag is set (default false). */
  ignoreCrc?: boolean;
}

function writeFss(w: ByteWriter, h: PduHeader, v: Fss, what: string): void {
  if (typeof v === 'number' && (!Number.isInteger(v) || v < 0)) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `${what} must be a non-negative integer`);
  }
  if (!h.largeFileFlag && BigInt(v) > 0xffffffffn) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `${what} ${v} needs the large file flag`);
  }
  w.uint(fssLength(h), v);
}

function fssLess(a: Fss, b: Fss): boolean {
  return BigInt(a) < BigInt(b);
}

/** Encodes a PDU, filling in the data field length and (when the CRC flag is set) the CRC. */
export function encodePdu(pdu: Pdu): Uint8Array {
  const h = pdu.header;
  const expectType = pdu.kind === 'fileData' ? PduType.FILE_DATA : PduType.FILE_DIRECTIVE;
  if (h.pduType !== expectType) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `header PDU type does not match a ${pdu.kind} PDU`,
    );
  }
  const w = new ByteWriter(64 + (pdu.kind === 'fileData' ? pdu.data.length : 0));
  writePduHeader(w, h);
  const dataStart = w.length;
  const b3 = h.version === CFDP_VERSION_B3;
  switch (pdu.kind) {
    case 'fileData':
      if (h.segmentMetadataFlag) {
        const md = pdu.segmentMetadata ?? new Uint8Array(0);
        checkInteger(pdu.recordContinuationState ?? 0, 0, 3, 'recordContinuationState');
        checkInteger(md.length, 0, 63, 'segment metadata length');
        w.u8(((pdu.recordContinuationState ?? 0) << 6) | md.length).bytes(md);
      }
      writeFss(w, h, pdu.offset, 'offset');
      w.bytes(pdu.data);
      break;
    case 'metadata':
      checkInteger(pdu.checksumType, 0, 15, 'checksumType');
      if (b3) w.u8(pdu.segmentationControlB3 === true ? 0x80 : 0);
      else w.u8(((pdu.closureRequested ? 1 : 0) << 6) | pdu.checksumType);
      writeFss(w, h, pdu.fileSize, 'fileSize');
      writeLv(w, pdu.sourceFileName, 'source file name');
      writeLv(w, pdu.destinationFileName, 'destination file name');
      for (const t of pdu.options) writeTlv(w, t);
      break;
    case 'eof':
      checkInteger(pdu.conditionCode, 0, 15, 'conditionCode');
      w.u8(pdu.conditionCode << 4).u32(pdu.fileChecksum >>> 0);
      writeFss(w, h, pdu.fileSize, 'fileSize');
      if (pdu.conditionCode !== ConditionCode.NO_ERROR) {
        if (pdu.faultLocation === undefined) {
          throw new CcsdsError(
            CcsdsErrorCode.INVALID_ARGUMENT,
            'an EOF with an error condition needs a fault location',
          );
        }
        writeTlv(w, pdu.faultLocation);
      }
      break;
    case 'finished':
      checkInteger(pdu.conditionCode, 0, 15, 'conditionCode');
      w.u8(
        (pdu.conditionCode << 4) |
          ((b3 && pdu.endSystemStatusB3 === true ? 1 : 0) << 3) |
          (pdu.deliveryCode << 2) |
          pdu.fileStatus,
      );
      for (const t of pdu.filestoreResponses) writeTlv(w, t);
      if (pdu.faultLocation !== undefined) writeTlv(w, pdu.faultLocation);
      break;
    case 'ack':
      checkInteger(pdu.ackedDirectiveCode, 0, 15, 'ackedDirectiveCode');
      checkInteger(pdu.directiveSubtypeCode, 0, 15, 'directiveSubtypeCode');
      checkInteger(pdu.conditionCode, 0, 15, 'conditionCode');
      w.u8((pdu.ackedDirectiveCode << 4) | pdu.directiveSubtypeCode);
      w.u8((pdu.conditionCode << 4) | (pdu.transactionStatus & 3));
      break;
    case 'nak':
      writeFss(w, h, pdu.startOfScope, 'startOfScope');
      writeFss(w, h, pdu.endOfScope, 'endOfScope');
      for (const [s, e] of pdu.segmentRequests) {
        writeFss(w, h, s, 'segment start');
        writeFss(w, h, e, 'segment end');
      }
      break;
    case 'prompt':
      w.u8((pdu.responseRequired & 1) << 7);
      break;
    case 'keepAlive':
      writeFss(w, h, pdu.progress, 'progress');
      break;
  }
  if (pdu.kind !== 'fileData') {
    // Insert the directive code in front of the parameters.
    const params = w.view().slice(dataStart);
    w.length = dataStart;
    w.u8(directiveCodeOf(pdu)).bytes(params);
  }
  const dataLength = w.length - dataStart + (h.crcFlag ? 2 : 0);
  if (dataLength > 0xffff) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `PDU data field of ${dataLength} octets exceeds 65535`,
    );
  }
  w.patchU16(1, dataLength);
  if (h.crcFlag) w.u16(crc16Ccitt(w.view()));
  return w.finish();
}

function directiveCodeOf(pdu: Exclude<Pdu, FileDataPdu>): number {
  switch (pdu.kind) {
    case 'metadata':
      return DirectiveCode.METADATA;
    case 'eof':
      return DirectiveCode.EOF;
    case 'finished':
      return DirectiveCode.FINISHED;
    case 'ack':
      return DirectiveCode.ACK;
    case 'nak':
      return DirectiveCode.NAK;
    case 'prompt':
      return DirectiveCode.PROMPT;
    case 'keepAlive':
      return DirectiveCode.KEEP_ALIVE;
  }
}

function invalid(msg: string, offset: number): never {
  throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, msg, { offset });
}

/**
 * Checks a PDU's length against its data field length (and its CRC when the header says so);
 * returns where the data field ends, its CRC excluded.
 */
function dataFieldEnd(
  bytes: Uint8Array,
  h: PduHeader,
  headerLength: number,
  pduDataFieldLength: number,
  options: DecodePduOptions,
): number {
  const total = headerLength + pduDataFieldLength;
  if (total > bytes.length) {
    throw new CcsdsError(
      CcsdsErrorCode.TRUNCATED,
      `PDU announces ${total} octets, ${bytes.length} available`,
      { offset: bytes.length },
    );
  }
  if (total < bytes.length && options.allowTrailing !== true) {
    invalid(`${bytes.length - total} octets after the end of the PDU`, total);
  }
  let end = total;
  if (h.crcFlag) {
    if (pduDataFieldLength < 2) invalid('data field too short for its CRC', headerLength);
    end -= 2;
    if (options.ignoreCrc !== true) {
      const want = (bytes[end]! << 8) | bytes[end + 1]!;
      if (crc16Ccitt(bytes, 0xffff, 0, end) !== want) {
        throw new CcsdsError(CcsdsErrorCode.BAD_CRC, 'PDU CRC mismatch', { offset: end });
      }
    }
  }
  return end;
}

/** The data field of a File Data PDU, from `headerLength` to `end`. */
function readFileData(
  bytes: Uint8Array,
  h: PduHeader,
  headerLength: number,
  end: number,
): FileDataPdu {
  const d = new ByteReader(bytes, 'CFDP PDU', headerLength, end);
  const pdu: FileDataPdu = { kind: 'fileData', header: h, offset: 0, data: new Uint8Array(0) };
  if (h.segmentMetadataFlag) {
    const o = d.u8('segment metadata');
    pdu.recordContinuationState = o >> 6;
    pdu.segmentMetadata = d.take(o & 0x3f, 'segment metadata').slice();
  }
  pdu.offset = d.uintAuto(fssLength(h), 'offset');
  pdu.data = d.take(d.remaining, 'file data');
  return pdu;
}

/**
 * Decodes a File Data PDU whose fixed header is already known: `header`, decoded from the first
 * `headerLength` octets of an earlier PDU that are identical to this one's (the data field
 * length apart). The rest is checked as {@link decodePdu} checks it (length, CRC, offset), and
 * the PDU shares the `header` object. A receiver uses it to skip decoding the same header (entity
 * IDs and sequence number) again for every segment of a transaction.
 */
export function decodeFileDataPdu(
  bytes: Uint8Array,
  header: PduHeader,
  headerLength: number,
): FileDataPdu {
  if (bytes.length < headerLength) {
    throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'PDU shorter than its header', {
      offset: bytes.length,
    });
  }
  const end = dataFieldEnd(bytes, header, headerLength, (bytes[1]! << 8) | bytes[2]!, {});
  return readFileData(bytes, header, headerLength, end);
}

/**
 * Decodes one PDU. Throws `TRUNCATED` when the octets end early, `BAD_CRC` when the CRC flag is
 * set and the CRC does not match, `INVALID_FIELD` for inconsistent lengths or values, and
 * `UNSUPPORTED` for protocol versions other than 0 and 1.
 */
export function decodePdu(bytes: Uint8Array, options: DecodePduOptions = {}): Pdu {
  const r = new ByteReader(bytes, 'CFDP PDU');
  const { header: h, pduDataFieldLength, headerLength } = readPduHeader(r);
  const end = dataFieldEnd(bytes, h, headerLength, pduDataFieldLength, options);
  if (h.pduType === PduType.FILE_DATA) return readFileData(bytes, h, headerLength, end);
  const d = new ByteReader(bytes, 'CFDP PDU', headerLength, end);
  const fss = fssLength(h);
  const readFss = (what: string): Fss => d.uintAuto(fss, what);
  const b3 = h.version === CFDP_VERSION_B3;

  const codeAt = d.pos;
  const code = d.u8('directive code');
  const done = <T extends Pdu>(pdu: T): T => {
    if (d.remaining !== 0) invalid(`${d.remaining} unexpected octets in a ${pdu.kind} PDU`, d.pos);
    return pdu;
  };
  switch (code) {
    case DirectiveCode.METADATA: {
      const o = d.u8('metadata flags');
      const pdu: MetadataPdu = {
        kind: 'metadata',
        header: h,
        closureRequested: b3 ? false : (o & 0x40) !== 0,
        checksumType: b3 ? 0 : o & 15,
        fileSize: readFss('file size'),
        sourceFileName: readLv(d, 'source file name'),
        destinationFileName: readLv(d, 'destination file name'),
        options: [],
      };
      if (b3) pdu.segmentationControlB3 = (o & 0x80) !== 0;
      while (d.remaining > 0) pdu.options.push(readTlv(d));
      return pdu;
    }
    case DirectiveCode.EOF: {
      const cc = d.u8('condition code') >> 4;
      const pdu: EofPdu = {
        kind: 'eof',
        header: h,
        conditionCode: cc,
        fileChecksum: d.u32('file checksum'),
        fileSize: readFss('file size'),
      };
      if (cc !== ConditionCode.NO_ERROR && d.remaining > 0) {
        const t = readTlv(d);
        if (t.kind !== 'entityId') invalid('EOF fault location must be an Entity ID TLV', d.pos);
        pdu.faultLocation = t;
      }
      return done(pdu);
    }
    case DirectiveCode.FINISHED: {
      const o = d.u8('finished flags');
      const pdu: FinishedPdu = {
        kind: 'finished',
        header: h,
        conditionCode: o >> 4,
        deliveryCode: ((o >> 2) & 1) as DeliveryCode,
        fileStatus: (o & 3) as FileStatus,
        filestoreResponses: [],
      };
      if (b3) pdu.endSystemStatusB3 = (o & 8) !== 0;
      while (d.remaining > 0) {
        const at = d.pos;
        const t = readTlv(d);
        if (t.kind === 'filestoreResponse' && pdu.faultLocation === undefined)
          pdu.filestoreResponses.push(t);
        else if (t.kind === 'entityId' && pdu.faultLocation === undefined) pdu.faultLocation = t;
        else invalid(`unexpected TLV in a Finished PDU`, at);
      }
      return pdu;
    }
    case DirectiveCode.ACK: {
      const a = d.u8('acked directive');
      const b = d.u8('ack status');
      const pdu: AckPdu = {
        kind: 'ack',
        header: h,
        ackedDirectiveCode: a >> 4,
        directiveSubtypeCode: a & 15,
        conditionCode: b >> 4,
        transactionStatus: (b & 3) as TransactionStatus,
      };
      if (
        pdu.ackedDirectiveCode !== DirectiveCode.EOF &&
        pdu.ackedDirectiveCode !== DirectiveCode.FINISHED
      ) {
        invalid(
          `ACK of directive ${pdu.ackedDirectiveCode}: only EOF and Finished are acknowledged`,
          codeAt + 1,
        );
      }
      return done(pdu);
    }
    case DirectiveCode.NAK: {
      const pdu: NakPdu = {
        kind: 'nak',
        header: h,
        startOfScope: readFss('start of scope'),
        endOfScope: readFss('end of scope'),
        segmentRequests: [],
      };
      if (fssLess(pdu.endOfScope, pdu.startOfScope))
        invalid('NAK end of scope before its start', codeAt + 1);
      if (d.remaining % (2 * fss) !== 0) invalid('NAK segment requests are not whole pairs', d.pos);
      while (d.remaining > 0) {
        const at = d.pos;
        const s = readFss('segment start');
        const e = readFss('segment end');
        if (fssLess(e, s)) invalid('NAK segment request ends before it starts', at);
        pdu.segmentRequests.push([s, e]);
      }
      return pdu;
    }
    case DirectiveCode.PROMPT:
      return done({ kind: 'prompt', header: h, responseRequired: d.u8('prompt') >> 7 });
    case DirectiveCode.KEEP_ALIVE:
      return done({ kind: 'keepAlive', header: h, progress: readFss('progress') });
    default:
      return invalid(`unknown file directive code ${code}`, codeAt);
  }
}

/** Builds a header with defaults (version 1, acknowledged, no CRC, 32-bit sizes, no segmentation flags). */
export function makeHeader(
  fields: Pick<PduHeader, 'sourceEntityId' | 'destinationEntityId' | 'transactionSequenceNumber'> &
    Partial<PduHeader>,
): PduHeader {
  return {
    version: CFDP_VERSION,
    pduType: PduType.FILE_DIRECTIVE,
    direction: 0,
    transmissionMode: 0,
    crcFlag: false,
    largeFileFlag: false,
    segmentationControl: false,
    segmentMetadataFlag: false,
    entityIdLength: 2,
    transactionSeqNumLength: 2,
    ...fields,
  };
}
