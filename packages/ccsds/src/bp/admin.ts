/**
 * Administrative records (RFC 9171 §6.1): the payload of a bundle flagged ADMIN_RECORD is the
 * CBOR array `[record type, content]`. Type 1 is the bundle status report (§6.1.1):
 * `[[received], [forwarded], [delivered], [deleted]], reason code, source, creation timestamp
 * (, fragment offset, fragment length)]`, each status item `[asserted]` or `[true, DTN time]`
 * when the status time was requested. Other record types are kept as their raw CBOR content.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import { type Bundle, BundleFlags, CrcType, bundlePayload, createBundle } from './bundle.js';
import { CborReader, CborWriter } from './cbor.js';
import { DEFAULT_MAX_EID_LENGTH, type Eid, readEid, writeEid } from './eid.js';

/** Administrative record types. */
export const AdminRecordType = { STATUS_REPORT: 1 } as const;

/** Status report reason codes (RFC 9171 §6.1.1, §9.5). */
export const StatusReason = {
  NO_ADDITIONAL_INFORMATION: 0,
  LIFETIME_EXPIRED: 1,
  FORWARDED_OVER_UNIDIRECTIONAL_LINK: 2,
  TRANSMISSION_CANCELED: 3,
  DEPLETED_STORAGE: 4,
  DESTINATION_UNINTELLIGIBLE: 5,
  NO_KNOWN_ROUTE: 6,
  NO_TIMELY_CONTACT: 7,
  BLOCK_UNINTELLIGIBLE: 8,
  HOP_LIMIT_EXCEEDED: 9,
  TRAFFIC_PARED: 10,
  BLOCK_UNSUPPORTED: 11,
} as const;

/** One status item: asserted or not, with the time (DTN ms) when it was requested. */
export interface StatusItem {
  asserted: boolean;
  time?: number;
}

/** A bundle status report. */
export interface BundleStatusReport {
  received: StatusItem;
  forwarded: StatusItem;
  delivered: StatusItem;
  deleted: StatusItem;
  /** See {@link StatusReason}. */
  reason: number;
  /** Source of the subject bundle. */
  source: Eid;
  creationTime: number;
  sequenceNumber: number;
  /** Present when the subject bundle is a fragment. */
  fragmentOffset?: number;
  /** Present when the subject bundle is a fragment. */
  fragmentLength?: number;
}

/** An administrative record: a status report, or another type with its raw CBOR content. */
export type AdminRecord =
  | { recordType: 1; report: BundleStatusReport }
  | { recordType: number; content: Uint8Array };

/** Limits of {@link decodeAdminRecord}. */
export interface AdminRecordDecodeOptions {
  /** Deepest nesting in the content of an unknown record type (default 16). */
  maxDepth?: number;
  /** Longest `dtn` SSP (default 1024). */
  maxEidLength?: number;
}

function invalid(message: string, offset: number): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_FIELD, message, { offset });
}

function writeItem(w: CborWriter, item: StatusItem): void {
  if (item.asserted && item.time !== undefined) {
    w.array(2);
    w.bool(true);
    w.uint(item.time);
  } else {
    w.array(1);
    w.bool(item.asserted);
  }
}

/** Encodes an administrative record (the payload of an ADMIN_RECORD bundle). */
export function encodeAdminRecord(record: AdminRecord): Uint8Array {
  const w = new CborWriter(64);
  w.array(2);
  w.uint(record.recordType);
  if ('report' in record) {
    const s = record.report;
    const fragment = s.fragmentOffset !== undefined || s.fragmentLength !== undefined;
    w.array(fragment ? 6 : 4);
    w.array(4);
    writeItem(w, s.received);
    writeItem(w, s.forwarded);
    writeItem(w, s.delivered);
    writeItem(w, s.deleted);
    w.uint(s.reason);
    writeEid(w, s.source);
    w.array(2);
    w.uint(s.creationTime);
    w.uint(s.sequenceNumber);
    if (fragment) {
      w.uint(s.fragmentOffset ?? 0);
      w.uint(s.fragmentLength ?? 0);
    }
  } else {
    w.raw(record.content);
  }
  return w.finish();
}

function readItem(r: CborReader, what: string): StatusItem {
  const at = r.pos;
  const n = r.array(what);
  if (n !== 1 && n !== 2) throw invalid(`${what}: status item of ${n} elements`, at);
  const asserted = r.bool(what);
  if (n === 1) return { asserted };
  if (!asserted) throw invalid(`${what}: a time on an unasserted status`, at);
  return { asserted, time: r.uint(`${what} time`) };
}

/**
 * Decodes an administrative record.
 * @throws CcsdsError `TRUNCATED`, `INVALID_FIELD`, `LIMIT_EXCEEDED`, `UNSUPPORTED`
 */
export function decodeAdminRecord(
  bytes: Uint8Array,
  options: AdminRecordDecodeOptions = {},
): AdminRecord {
  const r = new CborReader(bytes);
  if (r.array('administrative record') !== 2) {
    throw invalid('an administrative record is [type, content]', 0);
  }
  const recordType = r.uint('record type');
  let record: AdminRecord;
  if (recordType === AdminRecordType.STATUS_REPORT) {
    const at = r.pos;
    const n = r.array('status report');
    if (n !== 4 && n !== 6) throw invalid(`status report of ${n} elements`, at);
    const infoAt = r.pos;
    if (r.array('status information') !== 4)
      throw invalid('status information is not 4 items', infoAt);
    const received = readItem(r, 'received');
    const forwarded = readItem(r, 'forwarded');
    const delivered = readItem(r, 'delivered');
    const deleted = readItem(r, 'deleted');
    const reason = r.uint('reason code');
    const source = readEid(r, 'subject source', options.maxEidLength ?? DEFAULT_MAX_EID_LENGTH);
    const tsAt = r.pos;
    if (r.array('creation timestamp') !== 2)
      throw invalid('creation timestamp is not [time, seq]', tsAt);
    const report: BundleStatusReport = {
      received,
      forwarded,
      delivered,
      deleted,
      reason,
      source,
      creationTime: r.uint('creation time'),
      sequenceNumber: r.uint('sequence number'),
    };
    if (n === 6) {
      report.fragmentOffset = r.uint('fragment offset');
      report.fragmentLength = r.uint('fragment length');
    }
    record = { recordType: 1, report };
  } else {
    const start = r.pos;
    r.skip('administrative record content', options.maxDepth ?? 16);
    record = { recordType, content: bytes.slice(start, r.pos) };
  }
  if (!r.atEnd) throw invalid('octets after the administrative record', r.pos);
  return record;
}

/** Which statuses a report asserts. */
export interface StatusAssertions {
  received?: boolean;
  forwarded?: boolean;
  delivered?: boolean;
  deleted?: boolean;
}

/**
 * Builds the status report bundle about `subject` from the node `reporter`, to the subject's
 * report-to endpoint. Times are put in when the subject asked for them.
 */
export function createStatusReport(
  subject: Bundle,
  statuses: StatusAssertions,
  reason: number,
  reporter: Eid,
  now: { dtnTime: number; sequenceNumber: number; lifetime?: number },
): Bundle {
  const p = subject.primary;
  const withTime = (p.flags & BundleFlags.STATUS_TIME_REQUESTED) !== 0;
  const item = (on: boolean | undefined): StatusItem =>
    on === true
      ? withTime
        ? { asserted: true, time: now.dtnTime }
        : { asserted: true }
      : { asserted: false };
  const report: BundleStatusReport = {
    received: item(statuses.received),
    forwarded: item(statuses.forwarded),
    delivered: item(statuses.delivered),
    deleted: item(statuses.deleted),
    reason,
    source: p.source,
    creationTime: p.creationTime,
    sequenceNumber: p.sequenceNumber,
  };
  if (p.fragmentOffset !== undefined) {
    report.fragmentOffset = p.fragmentOffset;
    report.fragmentLength = bundlePayload(subject).length;
  }
  return createBundle({
    destination: p.reportTo,
    source: reporter,
    reportTo: reporter,
    payload: encodeAdminRecord({ recordType: 1, report }),
    flags: BundleFlags.ADMIN_RECORD,
    creationTime: now.dtnTime,
    sequenceNumber: now.sequenceNumber,
    lifetime: now.lifetime ?? p.lifetime,
    crcType: CrcType.CRC32C,
  });
}
