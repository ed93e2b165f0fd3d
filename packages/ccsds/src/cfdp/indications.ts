/**
 * The CFDP service primitives (CCSDS 727.0-B-5 §3.4): requests the user makes of the entity
 * and the eleven indications the entity gives back, as typed events, plus throttled progress.
 */
import type { FilestoreResponseTlv, Tlv } from './tlv.js';

/** Identifies a transaction: the source entity and its sequence number. */
export interface TransactionId {
  sourceEntityId: bigint;
  sequenceNumber: bigint;
}

/** A stable string key for a transaction ID (`<source>:<sequence>`). */
export function transactionKey(id: TransactionId): string {
  return `${id.sourceEntityId}:${id.sequenceNumber}`;
}

/** A Put.request (727.0-B-5 §3.4.1). */
export interface PutRequest {
  destinationEntityId: bigint | number;
  /** Source file in the local filestore; omit (with no destination) for a message-only transaction. */
  sourceFileName?: string;
  /** Destination file name in the remote filestore. */
  destinationFileName?: string;
  /** 1 unacknowledged, 2 acknowledged (default: the remote's default class). */
  transmissionClass?: 1 | 2;
  /** Class 1: ask for a Finished PDU. */
  closureRequested?: boolean;
  /** Checksum type (default: the remote's). */
  checksumType?: number;
  /** Append a CRC to every PDU (default: the remote's). */
  crc?: boolean;
  /** File segment length (default: the remote's). */
  segmentLength?: number;
  /** Force 64-bit file sizes (default: only when the file needs them). */
  largeFile?: boolean;
  /** Entity ID width in octets (default: the remote's or the smallest that fits). */
  entityIdLength?: number;
  messagesToUser?: Uint8Array[];
  filestoreRequests?: { actionCode: number; firstFileName: string; secondFileName?: string }[];
  faultHandlerOverrides?: { conditionCode: number; handlerCode: number }[];
  flowLabel?: Uint8Array;
  /** Record boundaries respected (segmentation control flag). */
  segmentationControl?: boolean;
}

/** Which side of the transaction this entity is. */
export type TransactionRole = 'sender' | 'receiver';

/** States reported by Report.indication. */
export type TransactionState = 'active' | 'suspended' | 'cancelling' | 'finished' | 'abandoned';

/** A status report of one transaction. */
export interface TransactionStatusReport {
  transactionId: TransactionId;
  role: TransactionRole;
  state: TransactionState;
  remoteEntityId: bigint;
  transmissionClass: 1 | 2;
  sourceFileName: string;
  destinationFileName: string;
  fileSize: number | undefined;
  /** Octets sent (sender) or received (receiver). */
  progress: number;
  conditionCode: number;
  startedAt: number;
}

/** Indications and other events of a CFDP entity. */
export interface CfdpEvents {
  [key: string]: unknown[];
  /** Transaction.indication: a Put.request was accepted and given this ID. */
  transaction: [e: { transactionId: TransactionId }];
  /** EOF-Sent.indication. */
  eofSent: [e: { transactionId: TransactionId }];
  /** Transaction-Finished.indication. */
  transactionFinished: [
    e: {
      transactionId: TransactionId;
      role: TransactionRole;
      conditionCode: number;
      fileStatus: number;
      deliveryCode: number;
      filestoreResponses: FilestoreResponseTlv[];
      report: TransactionStatusReport;
    },
  ];
  /** Metadata-Recv.indication. */
  metadataRecv: [
    e: {
      transactionId: TransactionId;
      sourceEntityId: bigint;
      sourceFileName: string;
      destinationFileName: string;
      fileSize: number;
      messagesToUser: Uint8Array[];
      options: Tlv[];
    },
  ];
  /** File-Segment-Recv.indication (emitted only while someone listens). */
  fileSegmentRecv: [
    e: {
      transactionId: TransactionId;
      offset: number;
      length: number;
      recordContinuationState?: number;
      segmentMetadata?: Uint8Array;
    },
  ];
  /** Report.indication. */
  report: [e: TransactionStatusReport];
  /** Suspended.indication. */
  suspended: [e: { transactionId: TransactionId; conditionCode: number }];
  /** Resumed.indication. */
  resumed: [e: { transactionId: TransactionId; progress: number }];
  /** Fault.indication (a fault whose handler is "ignore"). */
  fault: [e: { transactionId: TransactionId; conditionCode: number; progress: number }];
  /** Abandoned.indication. */
  abandoned: [e: { transactionId: TransactionId; conditionCode: number; progress: number }];
  /** EOF-Recv.indication. */
  eofRecv: [e: { transactionId: TransactionId }];
  /** Progress, at most a few times per second per transaction. */
  progress: [
    e: {
      transactionId: TransactionId;
      role: TransactionRole;
      progress: number;
      fileSize: number | undefined;
    },
  ];
  /** A PDU that could not be decoded or routed (counted, then dropped). */
  pduError: [e: { error: Error; from: string }];
}
