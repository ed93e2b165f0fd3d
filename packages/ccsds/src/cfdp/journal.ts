/**
 * Crash-safe persistence of CFDP transactions (727.0-B-5 leaves it to the implementation): the
 * entity appends small records to a {@link TransactionJournal} — sequence numbers before they are
 * used, each sending transaction's request and progress (with its running checksum), each
 * receiving transaction's temporary file, Metadata, received ranges (only after the data they
 * name was written) and EOF — and after a restart {@link replayJournal} folds the records into the
 * state from which every unfinished transaction resumes. Records are plain JSON; PDUs are kept
 * as their encoded octets in hex, so the journal holds nothing the codec cannot read back.
 */
import type { FileChecksumState } from './checksum.js';
import type { PduHeader } from './header.js';

/** A header in JSON form (entity IDs and sequence numbers as decimal strings). */
export type StoredHeader = Omit<
  PduHeader,
  'sourceEntityId' | 'destinationEntityId' | 'transactionSequenceNumber'
> & {
  sourceEntityId: string;
  destinationEntityId: string;
  transactionSequenceNumber: string;
};

/** One journal record. `k` is the transaction key (`source:sequence`). */
export type JournalRecord =
  /** The next transaction sequence number that may be used. */
  | { t: 'seq'; next: string }
  /** A sending transaction began. */
  | {
      t: 'tx';
      k: string;
      remote: string;
      header: StoredHeader;
      request: StoredPutRequest;
      fileSize: number;
    }
  /** Sending progress: original data up to `next` was sent; the checksum state at that point. */
  | { t: 'txp'; k: string; next: number; checksum: FileChecksumState }
  /** The EOF (no error) was sent. */
  | { t: 'txeof'; k: string }
  /** A receiving transaction began. */
  | { t: 'rx'; k: string; remote: string; header: StoredHeader }
  /** Its temporary file. */
  | { t: 'rxtmp'; k: string; path: string }
  /** Its Metadata PDU, encoded, in hex. */
  | { t: 'rxm'; k: string; pdu: string }
  /** Its received ranges (written to the temporary file before this record). */
  | { t: 'rxr'; k: string; ranges: [number, number][] }
  /** Its EOF PDU, encoded, in hex. */
  | { t: 'rxe'; k: string; pdu: string }
  /** The transaction ended; nothing about it needs recovering. */
  | { t: 'end'; k: string };

/** A Put.request in JSON form. */
export interface StoredPutRequest {
  destinationEntityId: string;
  sourceFileName?: string;
  destinationFileName?: string;
  transmissionClass?: 1 | 2;
  closureRequested?: boolean;
  checksumType?: number;
  crc?: boolean;
  segmentLength?: number;
  largeFile?: boolean;
  entityIdLength?: number;
  messagesToUser?: string[];
  filestoreRequests?: { actionCode: number; firstFileName: string; secondFileName?: string }[];
  faultHandlerOverrides?: { conditionCode: number; handlerCode: number }[];
  flowLabel?: string;
  segmentationControl?: boolean;
}

/** Where the entity keeps its records. */
export interface TransactionJournal {
  /** Appends one record; it must survive a crash of the process once this returns. */
  append(record: JournalRecord): void;
  /** Every record kept (after compaction, only what live transactions need), in order. */
  load(): Promise<JournalRecord[]>;
}

/** A journal in memory (tests, and entities that need no persistence but want the same code path). */
export class MemoryJournal implements TransactionJournal {
  readonly records: JournalRecord[] = [];
  append(record: JournalRecord): void {
    this.records.push(structuredClone(record));
  }
  load(): Promise<JournalRecord[]> {
    return Promise.resolve(this.records.map((r) => structuredClone(r)));
  }
}

/** The state of one unfinished sending transaction. */
export interface RecoveredSender {
  key: string;
  remote: bigint;
  header: PduHeader;
  request: StoredPutRequest;
  fileSize: number;
  next: number;
  checksum: FileChecksumState | undefined;
  eofSent: boolean;
}

/** The state of one unfinished receiving transaction. */
export interface RecoveredReceiver {
  key: string;
  remote: bigint;
  header: PduHeader;
  tempPath: string | undefined;
  metadata: string | undefined;
  ranges: [number, number][];
  eof: string | undefined;
}

/** What a journal says to resume. */
export interface RecoveredState {
  nextSequenceNumber: bigint;
  senders: RecoveredSender[];
  receivers: RecoveredReceiver[];
}

/** Header to JSON. */
export function storeHeader(h: PduHeader): StoredHeader {
  return {
    ...h,
    sourceEntityId: h.sourceEntityId.toString(),
    destinationEntityId: h.destinationEntityId.toString(),
    transactionSequenceNumber: h.transactionSequenceNumber.toString(),
  };
}

/** Header from JSON. */
export function loadHeader(h: StoredHeader): PduHeader {
  return {
    ...h,
    sourceEntityId: BigInt(h.sourceEntityId),
    destinationEntityId: BigInt(h.destinationEntityId),
    transactionSequenceNumber: BigInt(h.transactionSequenceNumber),
  };
}

/** Folds records into the state to resume (later records win; `end` forgets a transaction). */
export function replayJournal(records: readonly JournalRecord[]): RecoveredState {
  let next = 1n;
  const senders = new Map<string, RecoveredSender>();
  const receivers = new Map<string, RecoveredReceiver>();
  for (const r of records) {
    switch (r.t) {
      case 'seq':
        if (BigInt(r.next) > next) next = BigInt(r.next);
        break;
      case 'tx': {
        const header = loadHeader(r.header);
        if (header.transactionSequenceNumber + 1n > next)
          next = header.transactionSequenceNumber + 1n;
        senders.set(r.k, {
          key: r.k,
          remote: BigInt(r.remote),
          header,
          request: r.request,
          fileSize: r.fileSize,
          next: 0,
          checksum: undefined,
          eofSent: false,
        });
        break;
      }
      case 'txp': {
        const s = senders.get(r.k);
        if (s !== undefined && r.next >= s.next) {
          s.next = r.next;
          s.checksum = r.checksum;
        }
        break;
      }
      case 'txeof': {
        const s = senders.get(r.k);
        if (s !== undefined) s.eofSent = true;
        break;
      }
      case 'rx':
        receivers.set(r.k, {
          key: r.k,
          remote: BigInt(r.remote),
          header: loadHeader(r.header),
          tempPath: undefined,
          metadata: undefined,
          ranges: [],
          eof: undefined,
        });
        break;
      case 'rxtmp': {
        const x = receivers.get(r.k);
        if (x !== undefined) x.tempPath = r.path;
        break;
      }
      case 'rxm': {
        const x = receivers.get(r.k);
        if (x !== undefined) x.metadata = r.pdu;
        break;
      }
      case 'rxr': {
        const x = receivers.get(r.k);
        if (x !== undefined) x.ranges = r.ranges;
        break;
      }
      case 'rxe': {
        const x = receivers.get(r.k);
        if (x !== undefined) x.eof = r.pdu;
        break;
      }
      case 'end':
        senders.delete(r.k);
        receivers.delete(r.k);
        break;
    }
  }
  return {
    nextSequenceNumber: next,
    senders: [...senders.values()],
    receivers: [...receivers.values()],
  };
}

/** The records that reproduce a recovered state (for compaction). */
export function compactJournal(records: readonly JournalRecord[]): JournalRecord[] {
  const live = replayJournal(records);
  const keep = new Set([...live.senders.map((s) => s.key), ...live.receivers.map((r) => r.key)]);
  const out: JournalRecord[] = [{ t: 'seq', next: live.nextSequenceNumber.toString() }];
  const lastRanges = new Map<string, JournalRecord>();
  const lastProgress = new Map<string, JournalRecord>();
  for (const r of records) {
    if (r.t === 'seq' || r.t === 'end' || !keep.has(r.k)) continue;
    if (r.t === 'rxr') lastRanges.set(r.k, r);
    else if (r.t === 'txp') lastProgress.set(r.k, r);
    else out.push(r);
  }
  return [...out, ...lastProgress.values(), ...lastRanges.values()];
}
