/**
 * Reserved CFDP messages to user, CCSDS 727.0-B-5 §6 (user operations: proxy operations,
 * directory listing, remote status report, remote suspend and remote resume), carried in the
 * value of a Message To User TLV (§5.4.3).
 *
 * A reserved message is a Message To User value that starts with the four octets 'cfdp'
 * (63 66 64 70), followed by one message type octet and the message's parameters:
 *
 * ```
 * 0x00 proxy put request            destination entity ID LV, source file name LV, destination file name LV
 * 0x01 proxy message to user        message LV
 * 0x02 proxy filestore request      LV holding a Filestore Request TLV value
 * 0x03 proxy fault handler override condition code (4) | handler code (4)
 * 0x04 proxy transmission mode      spare (7) | transmission mode (1)
 * 0x05 proxy flow label             flow label LV
 * 0x06 proxy segmentation control   spare (7) | segmentation control (1)
 * 0x07 proxy put response           condition code (4) | spare (1) | delivery code (1) | file status (2)
 * 0x08 proxy filestore response     LV holding a Filestore Response TLV value
 * 0x09 proxy put cancel             (no parameters)
 * 0x0A originating transaction ID   transaction ID
 * 0x0B proxy closure request        spare (7) | closure requested (1)
 * 0x10 directory listing request    directory name LV, directory file name LV
 * 0x11 directory listing response   listing response code (1) | spare (7), directory name LV, directory file name LV
 * 0x20 remote status report request   transaction ID, report file name LV
 * 0x21 remote status report response  transaction status (2) | spare (5) | response code (1), transaction ID
 * 0x30 remote suspend request       transaction ID
 * 0x31 remote suspend response      suspension indicator (1) | transaction status (2) | spare (5), transaction ID
 * 0x38 remote resume request        transaction ID
 * 0x39 remote resume response       suspension indicator (1) | transaction status (2) | spare (5), transaction ID
 * ```
 *
 * A transaction ID is one octet, reserved (1) | entity ID length - 1 (3) | reserved (1) |
 * sequence number length - 1 (3), then the source entity ID and the transaction sequence number.
 * LV = one length octet, then that many octets. File names are UTF-8 (see {@link readLv}).
 *
 * Decoding ignores spare and reserved bits (re-encoding writes them as zero) and refuses octets
 * after the last parameter, so that everything else re-encodes to the same octets: entity IDs
 * and sequence numbers keep their encoded widths, and for filestore requests and responses of
 * single-name actions both the absent and the empty second file name are kept apart
 * (`secondFileName` `null` or `''`). Message types this module does not know (such as cfdp-py's
 * private 0x15) decode to `kind: 'unknown'` with their parameter octets, for the user to pass on
 * or ignore. The whole value is at most 255 octets (the TLV length), so the decoder needs no
 * further limits.
 */
import { ByteReader, ByteWriter, CcsdsError, CcsdsErrorCode, checkInteger } from '../core/index.js';
import type {
  ConditionCode,
  DeliveryCode,
  FileStatus,
  TransactionStatus,
  TransmissionMode,
} from './constants.js';
import { type MessageToUserTlv, type Tlv, readLv, writeLv } from './tlv.js';

/** Message type codes of the reserved CFDP messages (727.0-B-5 §6). */
export const ReservedMessageType = {
  PROXY_PUT_REQUEST: 0x00,
  PROXY_MESSAGE_TO_USER: 0x01,
  PROXY_FILESTORE_REQUEST: 0x02,
  PROXY_FAULT_HANDLER_OVERRIDE: 0x03,
  PROXY_TRANSMISSION_MODE: 0x04,
  PROXY_FLOW_LABEL: 0x05,
  PROXY_SEGMENTATION_CONTROL: 0x06,
  PROXY_PUT_RESPONSE: 0x07,
  PROXY_FILESTORE_RESPONSE: 0x08,
  PROXY_PUT_CANCEL: 0x09,
  ORIGINATING_TRANSACTION_ID: 0x0a,
  PROXY_CLOSURE_REQUEST: 0x0b,
  DIRECTORY_LISTING_REQUEST: 0x10,
  DIRECTORY_LISTING_RESPONSE: 0x11,
  REMOTE_STATUS_REPORT_REQUEST: 0x20,
  REMOTE_STATUS_REPORT_RESPONSE: 0x21,
  REMOTE_SUSPEND_REQUEST: 0x30,
  REMOTE_SUSPEND_RESPONSE: 0x31,
  REMOTE_RESUME_REQUEST: 0x38,
  REMOTE_RESUME_RESPONSE: 0x39,
} as const;
/** One of {@link ReservedMessageType}. */
export type ReservedMessageType = (typeof ReservedMessageType)[keyof typeof ReservedMessageType];

/**
 * Response codes of the directory listing response and the remote status report response:
 * 0 successful, 1 unsuccessful.
 */
export const ReservedResponseCode = { SUCCESSFUL: 0, UNSUCCESSFUL: 1 } as const;
/** One of {@link ReservedResponseCode}. */
export type ReservedResponseCode = (typeof ReservedResponseCode)[keyof typeof ReservedResponseCode];

/**
 * The transaction ID parameter of the originating transaction ID and of the remote status
 * report, suspend and resume messages. Names follow the PDU header (`PduHeader`).
 */
export interface ReservedTransactionId {
  /** Octets of the source entity ID (1..8). */
  entityIdLength: number;
  /** Octets of the transaction sequence number (1..8). */
  transactionSeqNumLength: number;
  /** Source entity ID of the transaction. */
  sourceEntityId: bigint;
  /** Transaction sequence number. */
  transactionSequenceNumber: bigint;
}

/** Proxy Put Request (0x00): asks the receiving entity to put a file to a third entity. */
export interface ProxyPutRequest {
  kind: 'proxyPutRequest';
  /** Entity the proxy is to send the file to. */
  destinationEntityId: bigint;
  /** Octets of the destination entity ID LV value (1..8). */
  destinationEntityIdLength: number;
  /** File at the proxy; empty for a message-only proxy put. */
  sourceFileName: string;
  /** File name at the destination; empty for a message-only proxy put. */
  destinationFileName: string;
}

/** Proxy Message To User (0x01): a message to user for the proxied transaction's Metadata. */
export interface ProxyMessageToUser {
  kind: 'proxyMessageToUser';
  /** The Message To User value to be sent (0..255 octets). */
  message: Uint8Array;
}

/** Proxy Filestore Request (0x02): a filestore request for the proxied transaction. */
export interface ProxyFilestoreRequest {
  kind: 'proxyFilestoreRequest';
  /** Action code (FilestoreAction, 0..15). */
  actionCode: number;
  firstFileName: string;
  /** `null` when the LV is absent, `''` when present and empty. */
  secondFileName: string | null;
}

/** Proxy Fault Handler Override (0x03): a fault handler override for the proxied transaction. */
export interface ProxyFaultHandlerOverride {
  kind: 'proxyFaultHandlerOverride';
  /** Condition code whose handler is overridden (0..15). */
  conditionCode: ConditionCode;
  /** Handler code (`FaultHandlerCode`, 0..15). */
  handlerCode: number;
}

/** Proxy Transmission Mode (0x04): the transmission mode of the proxied transaction. */
export interface ProxyTransmissionMode {
  kind: 'proxyTransmissionMode';
  transmissionMode: TransmissionMode;
}

/** Proxy Flow Label (0x05): the flow label of the proxied transaction. */
export interface ProxyFlowLabel {
  kind: 'proxyFlowLabel';
  /** Flow label octets (0..255). */
  flowLabel: Uint8Array;
}

/** Proxy Segmentation Control (0x06): the segmentation control of the proxied transaction. */
export interface ProxySegmentationControl {
  kind: 'proxySegmentationControl';
  /** The segmentation control bit: `true` for 1 (record boundaries respected). */
  segmentationControl: boolean;
}

/** Proxy Put Response (0x07): the outcome of a proxied put, sent back to the requester. */
export interface ProxyPutResponse {
  kind: 'proxyPutResponse';
  /** Condition code of the proxied transaction (0..15). */
  conditionCode: ConditionCode;
  deliveryCode: DeliveryCode;
  fileStatus: FileStatus;
}

/** Proxy Filestore Response (0x08): a filestore response of the proxied transaction. */
export interface ProxyFilestoreResponse {
  kind: 'proxyFilestoreResponse';
  /** Action code (FilestoreAction, 0..15). */
  actionCode: number;
  /** Status code (0..15). */
  statusCode: number;
  firstFileName: string;
  /** `null` when the LV is absent, `''` when present and empty. */
  secondFileName: string | null;
  filestoreMessage: string;
}

/** Proxy Put Cancel (0x09): cancels the proxied transaction. No parameters. */
export interface ProxyPutCancel {
  kind: 'proxyPutCancel';
}

/**
 * Originating Transaction ID (0x0A): the transaction that carried the request this message
 * answers or that the current transaction serves.
 */
export interface OriginatingTransactionId extends ReservedTransactionId {
  kind: 'originatingTransactionId';
}

/** Proxy Closure Request (0x0B): whether the proxied transaction requests transaction closure. */
export interface ProxyClosureRequest {
  kind: 'proxyClosureRequest';
  closureRequested: boolean;
}

/** Directory Listing Request (0x10): asks for a listing of a directory written to a file. */
export interface DirectoryListingRequest {
  kind: 'directoryListingRequest';
  /** Directory to list. */
  directoryName: string;
  /** File into which the listing is written and sent back. */
  directoryFileName: string;
}

/** Directory Listing Response (0x11): the answer to a directory listing request. */
export interface DirectoryListingResponse {
  kind: 'directoryListingResponse';
  listingResponseCode: ReservedResponseCode;
  directoryName: string;
  directoryFileName: string;
}

/** Remote Status Report Request (0x20): asks for the status of a transaction. */
export interface RemoteStatusReportRequest extends ReservedTransactionId {
  kind: 'remoteStatusReportRequest';
  /** File into which the report is written. */
  reportFileName: string;
}

/** Remote Status Report Response (0x21): the answer to a remote status report request. */
export interface RemoteStatusReportResponse extends ReservedTransactionId {
  kind: 'remoteStatusReportResponse';
  transactionStatus: TransactionStatus;
  responseCode: ReservedResponseCode;
}

/** Remote Suspend Request (0x30): asks to suspend a transaction. */
export interface RemoteSuspendRequest extends ReservedTransactionId {
  kind: 'remoteSuspendRequest';
}

/** Remote Suspend Response (0x31): the answer to a remote suspend request. */
export interface RemoteSuspendResponse extends ReservedTransactionId {
  kind: 'remoteSuspendResponse';
  /** The suspension indicator bit: `true` when the transaction is suspended. */
  suspensionIndicator: boolean;
  transactionStatus: TransactionStatus;
}

/** Remote Resume Request (0x38): asks to resume a transaction. */
export interface RemoteResumeRequest extends ReservedTransactionId {
  kind: 'remoteResumeRequest';
}

/** Remote Resume Response (0x39): the answer to a remote resume request. */
export interface RemoteResumeResponse extends ReservedTransactionId {
  kind: 'remoteResumeResponse';
  /** The suspension indicator bit: `true` when the transaction is (still) suspended. */
  suspensionIndicator: boolean;
  transactionStatus: TransactionStatus;
}

/**
 * A reserved message of a type that 727.0-B-5 does not define (e.g. cfdp-py's private 0x15),
 * kept as its octets. Encoding refuses the type codes of {@link ReservedMessageType}.
 */
export interface UnknownReservedMessage {
  kind: 'unknown';
  /** Message type octet (0..255). */
  messageType: number;
  /** Everything after the message type octet. */
  parameters: Uint8Array;
}

/** Any reserved CFDP message (727.0-B-5 §6), told apart by `kind`. */
export type ReservedMessage =
  | ProxyPutRequest
  | ProxyMessageToUser
  | ProxyFilestoreRequest
  | ProxyFaultHandlerOverride
  | ProxyTransmissionMode
  | ProxyFlowLabel
  | ProxySegmentationControl
  | ProxyPutResponse
  | ProxyFilestoreResponse
  | ProxyPutCancel
  | OriginatingTransactionId
  | ProxyClosureRequest
  | DirectoryListingRequest
  | DirectoryListingResponse
  | RemoteStatusReportRequest
  | RemoteStatusReportResponse
  | RemoteSuspendRequest
  | RemoteSuspendResponse
  | RemoteResumeRequest
  | RemoteResumeResponse
  | UnknownReservedMessage;

/** The `kind` of a standard reserved message (every kind but `'unknown'`). */
export type StandardReservedMessageKind = Exclude<ReservedMessage['kind'], 'unknown'>;

/** Message type code of each standard kind. */
const TYPE_OF_KIND: Readonly<Record<StandardReservedMessageKind, ReservedMessageType>> = {
  proxyPutRequest: ReservedMessageType.PROXY_PUT_REQUEST,
  proxyMessageToUser: ReservedMessageType.PROXY_MESSAGE_TO_USER,
  proxyFilestoreRequest: ReservedMessageType.PROXY_FILESTORE_REQUEST,
  proxyFaultHandlerOverride: ReservedMessageType.PROXY_FAULT_HANDLER_OVERRIDE,
  proxyTransmissionMode: ReservedMessageType.PROXY_TRANSMISSION_MODE,
  proxyFlowLabel: ReservedMessageType.PROXY_FLOW_LABEL,
  proxySegmentationControl: ReservedMessageType.PROXY_SEGMENTATION_CONTROL,
  proxyPutResponse: ReservedMessageType.PROXY_PUT_RESPONSE,
  proxyFilestoreResponse: ReservedMessageType.PROXY_FILESTORE_RESPONSE,
  proxyPutCancel: ReservedMessageType.PROXY_PUT_CANCEL,
  originatingTransactionId: ReservedMessageType.ORIGINATING_TRANSACTION_ID,
  proxyClosureRequest: ReservedMessageType.PROXY_CLOSURE_REQUEST,
  directoryListingRequest: ReservedMessageType.DIRECTORY_LISTING_REQUEST,
  directoryListingResponse: ReservedMessageType.DIRECTORY_LISTING_RESPONSE,
  remoteStatusReportRequest: ReservedMessageType.REMOTE_STATUS_REPORT_REQUEST,
  remoteStatusReportResponse: ReservedMessageType.REMOTE_STATUS_REPORT_RESPONSE,
  remoteSuspendRequest: ReservedMessageType.REMOTE_SUSPEND_REQUEST,
  remoteSuspendResponse: ReservedMessageType.REMOTE_SUSPEND_RESPONSE,
  remoteResumeRequest: ReservedMessageType.REMOTE_RESUME_REQUEST,
  remoteResumeResponse: ReservedMessageType.REMOTE_RESUME_RESPONSE,
};

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(ReservedMessageType));

/** The four octets 'cfdp' that open every reserved message. */
const PREFIX = [0x63, 0x66, 0x64, 0x70] as const;

/** Largest Message To User value (the TLV length is one octet). */
const MAX_VALUE_LENGTH = 255;

/**
 * Message type code of a reserved message: the standard code for its kind, or the
 * `messageType` of an unknown one.
 */
export function reservedMessageType(m: ReservedMessage): number {
  return m.kind === 'unknown' ? m.messageType : TYPE_OF_KIND[m.kind];
}

/** True when a Message To User value starts with 'cfdp', i.e. is a reserved CFDP message. */
export function isReservedMessageValue(value: Uint8Array): boolean {
  return value.length >= 4 && PREFIX.every((b, i) => value[i] === b);
}

function checkWidth(width: number, what: string): void {
  checkInteger(width, 1, 8, what);
}

function writeTransactionId(w: ByteWriter, t: ReservedTransactionId): void {
  checkWidth(t.entityIdLength, 'entityIdLength');
  checkWidth(t.transactionSeqNumLength, 'transactionSeqNumLength');
  w.u8(((t.entityIdLength - 1) << 4) | (t.transactionSeqNumLength - 1));
  w.uint(t.entityIdLength, t.sourceEntityId);
  w.uint(t.transactionSeqNumLength, t.transactionSequenceNumber);
}

function checkBit(value: number, what: string): void {
  checkInteger(value, 0, 1, what);
}

function writeParameters(w: ByteWriter, m: ReservedMessage): void {
  switch (m.kind) {
    case 'proxyPutRequest': {
      checkWidth(m.destinationEntityIdLength, 'destinationEntityIdLength');
      w.u8(m.destinationEntityIdLength).uint(m.destinationEntityIdLength, m.destinationEntityId);
      writeLv(w, m.sourceFileName, 'source file name');
      writeLv(w, m.destinationFileName, 'destination file name');
      return;
    }
    case 'proxyMessageToUser':
      writeLv(w, m.message, 'message');
      return;
    case 'proxyFilestoreRequest':
    case 'proxyFilestoreResponse': {
      const at = w.length;
      w.u8(0);
      if (m.kind === 'proxyFilestoreRequest') {
        checkInteger(m.actionCode, 0, 15, 'actionCode');
        w.u8(m.actionCode << 4);
      } else {
        checkInteger(m.actionCode, 0, 15, 'actionCode');
        checkInteger(m.statusCode, 0, 15, 'statusCode');
        w.u8((m.actionCode << 4) | m.statusCode);
      }
      writeLv(w, m.firstFileName, 'first file name');
      if (m.secondFileName !== null) writeLv(w, m.secondFileName, 'second file name');
      if (m.kind === 'proxyFilestoreResponse') {
        writeLv(w, m.filestoreMessage, 'filestore message');
      }
      const n = w.length - at - 1;
      if (n > 255) {
        throw new CcsdsError(
          CcsdsErrorCode.INVALID_ARGUMENT,
          `${m.kind} parameter is ${n} octets; at most 255 fit in its LV`,
        );
      }
      w.patchU8(at, n);
      return;
    }
    case 'proxyFaultHandlerOverride':
      checkInteger(m.conditionCode, 0, 15, 'conditionCode');
      checkInteger(m.handlerCode, 0, 15, 'handlerCode');
      w.u8((m.conditionCode << 4) | m.handlerCode);
      return;
    case 'proxyTransmissionMode':
      checkBit(m.transmissionMode, 'transmissionMode');
      w.u8(m.transmissionMode);
      return;
    case 'proxyFlowLabel':
      writeLv(w, m.flowLabel, 'flow label');
      return;
    case 'proxySegmentationControl':
      w.u8(m.segmentationControl ? 1 : 0);
      return;
    case 'proxyPutResponse':
      checkInteger(m.conditionCode, 0, 15, 'conditionCode');
      checkBit(m.deliveryCode, 'deliveryCode');
      checkInteger(m.fileStatus, 0, 3, 'fileStatus');
      w.u8((m.conditionCode << 4) | (m.deliveryCode << 2) | m.fileStatus);
      return;
    case 'proxyPutCancel':
      return;
    case 'originatingTransactionId':
    case 'remoteSuspendRequest':
    case 'remoteResumeRequest':
      writeTransactionId(w, m);
      return;
    case 'proxyClosureRequest':
      w.u8(m.closureRequested ? 1 : 0);
      return;
    case 'directoryListingRequest':
    case 'directoryListingResponse':
      if (m.kind === 'directoryListingResponse') {
        checkBit(m.listingResponseCode, 'listingResponseCode');
        w.u8(m.listingResponseCode << 7);
      }
      writeLv(w, m.directoryName, 'directory name');
      writeLv(w, m.directoryFileName, 'directory file name');
      return;
    case 'remoteStatusReportRequest':
      writeTransactionId(w, m);
      writeLv(w, m.reportFileName, 'report file name');
      return;
    case 'remoteStatusReportResponse':
      checkInteger(m.transactionStatus, 0, 3, 'transactionStatus');
      checkBit(m.responseCode, 'responseCode');
      w.u8((m.transactionStatus << 6) | m.responseCode);
      writeTransactionId(w, m);
      return;
    case 'remoteSuspendResponse':
    case 'remoteResumeResponse':
      checkInteger(m.transactionStatus, 0, 3, 'transactionStatus');
      w.u8(((m.suspensionIndicator ? 1 : 0) << 7) | (m.transactionStatus << 5));
      writeTransactionId(w, m);
      return;
    case 'unknown':
      w.bytes(m.parameters);
      return;
  }
}

/**
 * Encodes a reserved message as a Message To User value: 'cfdp', the message type octet, then
 * the parameters. Throws `INVALID_ARGUMENT` (CcsdsError) for a field out of range, an entity ID
 * or sequence number that does not fit its width, an LV over 255 octets, a value over 255
 * octets (it would not fit a TLV), or an `unknown` message that uses a standard type code.
 */
export function encodeReservedMessage(m: ReservedMessage): Uint8Array {
  const type = reservedMessageType(m);
  if (m.kind === 'unknown') {
    checkInteger(type, 0, 255, 'messageType');
    if (KNOWN_TYPES.has(type)) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `message type ${type} is a standard reserved message; use its kind, not 'unknown'`,
      );
    }
  }
  const w = new ByteWriter(32);
  for (const b of PREFIX) w.u8(b);
  w.u8(type);
  writeParameters(w, m);
  if (w.length > MAX_VALUE_LENGTH) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `reserved message is ${w.length} octets; a Message To User value holds at most ${MAX_VALUE_LENGTH}`,
    );
  }
  return w.finish();
}

function invalid(message: string, offset: number): never {
  throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, message, { offset });
}

/** Reads a 1..8-octet entity ID LV. */
function readEntityIdLv(r: ByteReader, what: string): { id: bigint; width: number } {
  const at = r.pos;
  const width = r.u8(`${what} length`);
  if (width < 1 || width > 8) invalid(`${what} LV must hold 1..8 octets, holds ${width}`, at);
  return { id: r.uintBig(width, what), width };
}

/** Reads an LV as raw octets (a copy). */
function readBytesLv(r: ByteReader, what: string): Uint8Array {
  const n = r.u8(`${what} length`);
  return r.take(n, what).slice();
}

function readTransactionId(r: ByteReader): ReservedTransactionId {
  const o = r.u8('transaction ID lengths');
  const entityIdLength = ((o >> 4) & 7) + 1;
  const transactionSeqNumLength = (o & 7) + 1;
  return {
    entityIdLength,
    transactionSeqNumLength,
    sourceEntityId: r.uintBig(entityIdLength, 'source entity ID'),
    transactionSequenceNumber: r.uintBig(transactionSeqNumLength, 'transaction sequence number'),
  };
}

/** Counts the LVs that exactly fill `[from, end)` of `bytes`, or -1 if they do not. */
function countLvs(bytes: Uint8Array, from: number, end: number): number {
  let p = from;
  let n = 0;
  while (p < end) {
    p += 1 + bytes[p]!;
    n++;
  }
  return p === end ? n : -1;
}

/**
 * Reads the LV that wraps a Filestore Request (`response` false) or Filestore Response TLV
 * value. Both the absent and the empty second file name LV of single-name actions are accepted
 * (told apart by how many LVs fill the value).
 */
function readFilestoreLv(
  value: Uint8Array,
  r: ByteReader,
  response: boolean,
): ProxyFilestoreRequest | ProxyFilestoreResponse {
  const what = response ? 'proxy filestore response' : 'proxy filestore request';
  const at = r.pos;
  const n = r.u8(`${what} length`);
  const start = r.pos;
  r.take(n, what);
  const inner = new ByteReader(value, what, start, start + n);
  if (n < 2)
    invalid(`${what}: the filestore ${response ? 'response' : 'request'} is too short`, at);
  const o = inner.u8('action code');
  const lvs = countLvs(value, inner.pos, inner.end);
  const [min, max] = response ? [2, 3] : [1, 2];
  if (lvs < min || lvs > max) invalid(`${what}: the LVs do not fill the parameter`, at);
  const firstFileName = readLv(inner, 'first file name');
  const secondFileName = lvs === max ? readLv(inner, 'second file name') : null;
  if (!response) {
    return { kind: 'proxyFilestoreRequest', actionCode: o >> 4, firstFileName, secondFileName };
  }
  return {
    kind: 'proxyFilestoreResponse',
    actionCode: o >> 4,
    statusCode: o & 15,
    firstFileName,
    secondFileName,
    filestoreMessage: readLv(inner, 'filestore message'),
  };
}

function readParameters(value: Uint8Array, r: ByteReader, type: number): ReservedMessage {
  switch (type) {
    case ReservedMessageType.PROXY_PUT_REQUEST: {
      const { id, width } = readEntityIdLv(r, 'destination entity ID');
      return {
        kind: 'proxyPutRequest',
        destinationEntityId: id,
        destinationEntityIdLength: width,
        sourceFileName: readLv(r, 'source file name'),
        destinationFileName: readLv(r, 'destination file name'),
      };
    }
    case ReservedMessageType.PROXY_MESSAGE_TO_USER:
      return { kind: 'proxyMessageToUser', message: readBytesLv(r, 'message') };
    case ReservedMessageType.PROXY_FILESTORE_REQUEST:
      return readFilestoreLv(value, r, false);
    case ReservedMessageType.PROXY_FILESTORE_RESPONSE:
      return readFilestoreLv(value, r, true);
    case ReservedMessageType.PROXY_FAULT_HANDLER_OVERRIDE: {
      const o = r.u8('condition code and handler code');
      return { kind: 'proxyFaultHandlerOverride', conditionCode: o >> 4, handlerCode: o & 15 };
    }
    case ReservedMessageType.PROXY_TRANSMISSION_MODE:
      return {
        kind: 'proxyTransmissionMode',
        transmissionMode: (r.u8('transmission mode') & 1) as TransmissionMode,
      };
    case ReservedMessageType.PROXY_FLOW_LABEL:
      return { kind: 'proxyFlowLabel', flowLabel: readBytesLv(r, 'flow label') };
    case ReservedMessageType.PROXY_SEGMENTATION_CONTROL:
      return {
        kind: 'proxySegmentationControl',
        segmentationControl: (r.u8('segmentation control') & 1) === 1,
      };
    case ReservedMessageType.PROXY_PUT_RESPONSE: {
      const o = r.u8('put response');
      return {
        kind: 'proxyPutResponse',
        conditionCode: o >> 4,
        deliveryCode: ((o >> 2) & 1) as DeliveryCode,
        fileStatus: (o & 3) as FileStatus,
      };
    }
    case ReservedMessageType.PROXY_PUT_CANCEL:
      return { kind: 'proxyPutCancel' };
    case ReservedMessageType.ORIGINATING_TRANSACTION_ID:
      return { kind: 'originatingTransactionId', ...readTransactionId(r) };
    case ReservedMessageType.PROXY_CLOSURE_REQUEST:
      return {
        kind: 'proxyClosureRequest',
        closureRequested: (r.u8('closure requested') & 1) === 1,
      };
    case ReservedMessageType.DIRECTORY_LISTING_REQUEST:
      return {
        kind: 'directoryListingRequest',
        directoryName: readLv(r, 'directory name'),
        directoryFileName: readLv(r, 'directory file name'),
      };
    case ReservedMessageType.DIRECTORY_LISTING_RESPONSE: {
      const o = r.u8('listing response code');
      return {
        kind: 'directoryListingResponse',
        listingResponseCode: (o >> 7) as ReservedResponseCode,
        directoryName: readLv(r, 'directory name'),
        directoryFileName: readLv(r, 'directory file name'),
      };
    }
    case ReservedMessageType.REMOTE_STATUS_REPORT_REQUEST: {
      const t = readTransactionId(r);
      return {
        kind: 'remoteStatusReportRequest',
        ...t,
        reportFileName: readLv(r, 'report file name'),
      };
    }
    case ReservedMessageType.REMOTE_STATUS_REPORT_RESPONSE: {
      const o = r.u8('transaction status and response code');
      return {
        kind: 'remoteStatusReportResponse',
        transactionStatus: (o >> 6) as TransactionStatus,
        responseCode: (o & 1) as ReservedResponseCode,
        ...readTransactionId(r),
      };
    }
    case ReservedMessageType.REMOTE_SUSPEND_REQUEST:
      return { kind: 'remoteSuspendRequest', ...readTransactionId(r) };
    case ReservedMessageType.REMOTE_RESUME_REQUEST:
      return { kind: 'remoteResumeRequest', ...readTransactionId(r) };
    case ReservedMessageType.REMOTE_SUSPEND_RESPONSE:
    case ReservedMessageType.REMOTE_RESUME_RESPONSE: {
      const o = r.u8('suspension indicator and transaction status');
      return {
        kind:
          type === ReservedMessageType.REMOTE_SUSPEND_RESPONSE
            ? 'remoteSuspendResponse'
            : 'remoteResumeResponse',
        suspensionIndicator: o >> 7 === 1,
        transactionStatus: ((o >> 5) & 3) as TransactionStatus,
        ...readTransactionId(r),
      };
    }
    default:
      return { kind: 'unknown', messageType: type, parameters: r.take(r.remaining).slice() };
  }
}

/**
 * Decodes a Message To User value. Returns `undefined` when the value does not start with
 * 'cfdp' (an ordinary message to user). Throws CcsdsError for a malformed reserved message:
 * `TRUNCATED` when a field runs past the end, `INVALID_FIELD` for an entity ID LV outside
 * 1..8 octets, a file name that is not UTF-8, filestore LVs that do not fill their parameter,
 * octets after the last parameter, or a value over 255 octets. Offsets are into `value`.
 * Message types 727.0-B-5 does not define decode to `kind: 'unknown'`.
 */
export function decodeReservedMessage(value: Uint8Array): ReservedMessage | undefined {
  if (!isReservedMessageValue(value)) return undefined;
  if (value.length > MAX_VALUE_LENGTH) {
    invalid(`a Message To User value holds at most ${MAX_VALUE_LENGTH} octets`, MAX_VALUE_LENGTH);
  }
  const r = new ByteReader(value, 'reserved CFDP message', PREFIX.length);
  const type = r.u8('message type');
  const m = readParameters(value, r, type);
  if (r.remaining > 0) {
    invalid(`reserved message type ${type}: ${r.remaining} octets after the parameters`, r.pos);
  }
  return m;
}

/** Wraps a reserved message in a Message To User TLV (for a Metadata PDU's options). */
export function reservedMessageToTlv(m: ReservedMessage): MessageToUserTlv {
  return { kind: 'messageToUser', message: encodeReservedMessage(m) };
}

/**
 * The reserved message in a TLV: `undefined` when the TLV is not a Message To User or its
 * value does not start with 'cfdp'; CcsdsError when it is a malformed reserved message.
 */
export function reservedMessageFromTlv(tlv: Tlv): ReservedMessage | undefined {
  return tlv.kind === 'messageToUser' ? decodeReservedMessage(tlv.message) : undefined;
}
