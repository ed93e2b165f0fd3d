/**
 * The console's book of CFDP transfers (CCSDS 727.0-B-5): one record per file transfer the local
 * entity sends or receives, plus the uploads waiting for a free slot and the downloads (proxy
 * puts, §6.2) waiting for the remote entity to start sending. Each record keeps the
 * indications of its transaction as a timeline, a transfer rate, and the reason it failed.
 * Changes are handed to a listener at most a few times per second per transfer.
 */
import type { CfdpEntity, TransactionId, TransactionStatusReport } from 'ccsds/cfdp';
import { conditionCodeName, transactionKey } from 'ccsds/cfdp';

/** Where a transfer stands. */
export type TransferState =
  | 'queued'
  | 'active'
  | 'suspended'
  | 'cancelling'
  | 'completed'
  | 'failed';

/** One line of a transfer's timeline. */
export interface TimelineEntry {
  /** Milliseconds since the Unix epoch. */
  t: number;
  /** The indication or event (`Transaction`, `EOF-Sent`, `Suspended`, ...). */
  event: string;
  detail: string;
}

/** A transfer as the console shows it. */
export interface TransferRecord {
  /** Console ID (stable from the moment the transfer is asked for). */
  id: string;
  /** `<source entity>:<sequence number>` once the transaction exists. */
  transactionId: string | undefined;
  /** `up`: this entity sends; `down`: this entity receives. */
  direction: 'up' | 'down';
  /** `file` for files, `request` for the message-only transactions of remote operations. */
  kind: 'file' | 'request';
  localEntityId: string;
  remoteEntityId: string;
  localPath: string;
  remotePath: string;
  size: number | undefined;
  bytesDone: number;
  transmissionClass: 1 | 2 | undefined;
  state: TransferState;
  /** Octets per second, smoothed. */
  rate: number;
  startedAt: number;
  endedAt: number | undefined;
  conditionCode: number | undefined;
  failureReason: string | undefined;
}

/** Most ended records kept (older ones are forgotten first). */
const MAX_ENDED = 500;
/** Most timeline entries per transfer. */
const MAX_TIMELINE = 200;
/** Fewest milliseconds between two notifications of one transfer. */
export const NOTIFY_INTERVAL_MS = 250;

interface Entry {
  record: TransferRecord;
  timeline: TimelineEntry[];
  lastNotified: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  rateAt: number;
  rateBytes: number;
}

/** See the module comment. */
export class TransferBook {
  private readonly entries = new Map<string, Entry>();
  private readonly byTransaction = new Map<string, string>();
  private nextId = 1;
  private readonly offs: (() => void)[] = [];
  private closed = false;

  /**
   * Follows `entity`'s indications. `notify` receives each changed record (throttled per
   * transfer to one call per {@link NOTIFY_INTERVAL_MS}; state changes are never lost).
   */
  constructor(
    private readonly entity: CfdpEntity,
    private readonly notify: (r: TransferRecord) => void,
    private readonly isRequestFile: (localPath: string) => boolean = () => false,
  ) {
    const e = entity.events;
    this.offs.push(
      e.on('transaction', (ev) => {
        const r = this.entity.list().find((t) => same(t.transactionId, ev.transactionId));
        const entry = this.forTransaction(ev.transactionId, r, 'up');
        this.log(entry, 'Transaction', `transaction ${transactionKey(ev.transactionId)} started`);
      }),
      e.on('metadataRecv', (ev) => {
        const r = this.entity.list().find((t) => same(t.transactionId, ev.transactionId));
        const entry = this.forTransaction(ev.transactionId, r, 'down');
        entry.record.size = ev.fileSize;
        if (ev.sourceFileName !== '') entry.record.remotePath = ev.sourceFileName;
        if (ev.destinationFileName !== '') entry.record.localPath = ev.destinationFileName;
        entry.record.kind =
          ev.destinationFileName === '' || this.isRequestFile(ev.destinationFileName)
            ? 'request'
            : 'file';
        this.log(
          entry,
          'Metadata-Recv',
          ev.destinationFileName === ''
            ? `message-only transaction from entity ${ev.sourceEntityId}`
            : `receiving ${ev.sourceFileName} as ${ev.destinationFileName} (${ev.fileSize} octets)`,
        );
      }),
      e.on('progress', (ev) => {
        const entry = this.entryOf(ev.transactionId);
        if (entry === undefined) return;
        this.progress(entry, ev.progress, ev.fileSize);
      }),
      e.on('eofSent', (ev) => this.event(ev.transactionId, 'EOF-Sent', 'all file data sent')),
      e.on('eofRecv', (ev) => this.event(ev.transactionId, 'EOF-Recv', 'end of file received')),
      e.on('suspended', (ev) => {
        const entry = this.entryOf(ev.transactionId);
        if (entry === undefined) return;
        entry.record.state = 'suspended';
        entry.record.rate = 0;
        this.log(entry, 'Suspended', conditionCodeName(ev.conditionCode));
        this.flush(entry);
      }),
      e.on('resumed', (ev) => {
        const entry = this.entryOf(ev.transactionId);
        if (entry === undefined) return;
        entry.record.state = 'active';
        this.log(entry, 'Resumed', `at ${ev.progress} octets`);
        this.flush(entry);
      }),
      e.on('fault', (ev) =>
        this.event(ev.transactionId, 'Fault', `${conditionCodeName(ev.conditionCode)} (ignored)`),
      ),
      e.on('report', (ev) => {
        const entry = this.entryOf(ev.transactionId);
        if (entry === undefined) return;
        this.log(
          entry,
          'Report',
          `${ev.state}, ${ev.progress}${ev.fileSize === undefined ? '' : `/${ev.fileSize}`} octets, ${conditionCodeName(ev.conditionCode)}`,
        );
        this.flush(entry);
      }),
      e.on('abandoned', (ev) => {
        const entry = this.entryOf(ev.transactionId);
        if (entry === undefined) return;
        this.log(entry, 'Abandoned', conditionCodeName(ev.conditionCode));
        this.end(
          entry,
          'failed',
          ev.conditionCode,
          `abandoned (${conditionCodeName(ev.conditionCode)})`,
          ev.progress,
        );
      }),
      e.on('transactionFinished', (ev) => {
        const entry = this.entryOf(ev.transactionId);
        if (entry === undefined) return;
        const ok =
          ev.conditionCode === 0 &&
          ev.deliveryCode === 0 &&
          ev.fileStatus !== 0 &&
          ev.fileStatus !== 1;
        const cc = conditionCodeName(ev.conditionCode);
        const fsr = ev.filestoreResponses
          .filter((f) => f.statusCode !== 0)
          .map(
            (f) =>
              `filestore action ${f.actionCode} status ${f.statusCode}${f.filestoreMessage ? ` (${f.filestoreMessage})` : ''}`,
          );
        this.log(
          entry,
          'Transaction-Finished',
          `${cc}, delivery ${ev.deliveryCode === 0 ? 'complete' : 'incomplete'}, file status ${ev.fileStatus}`,
        );
        const reason = ok
          ? undefined
          : ev.conditionCode !== 0
            ? cc
            : fsr.length > 0
              ? fsr.join('; ')
              : ev.deliveryCode !== 0
                ? 'data incomplete'
                : `file status ${ev.fileStatus}`;
        this.end(entry, ok ? 'completed' : 'failed', ev.conditionCode, reason, ev.report.progress);
      }),
    );
  }

  /** A new record for a transfer asked for but not started yet (queued upload, pending download). */
  createPending(
    init: Pick<TransferRecord, 'direction' | 'remoteEntityId' | 'localPath' | 'remotePath'> & {
      size?: number;
      transmissionClass?: 1 | 2;
    },
  ): TransferRecord {
    const record: TransferRecord = {
      id: `t${this.nextId++}`,
      transactionId: undefined,
      direction: init.direction,
      kind: 'file',
      localEntityId: this.entity.local.entityId.toString(),
      remoteEntityId: init.remoteEntityId,
      localPath: init.localPath,
      remotePath: init.remotePath,
      size: init.size,
      bytesDone: 0,
      transmissionClass: init.transmissionClass,
      state: 'queued',
      rate: 0,
      startedAt: Date.now(),
      endedAt: undefined,
      conditionCode: undefined,
      failureReason: undefined,
    };
    const entry = this.add(record);
    this.log(
      entry,
      'Queued',
      init.direction === 'up'
        ? 'waiting for a free upload slot'
        : 'get request sent; waiting for the remote entity to send the file',
    );
    this.flush(entry);
    return record;
  }

  /** Attaches a pending record to the transaction that carries it. */
  attach(id: string, transactionId: TransactionId): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    const key = transactionKey(transactionId);
    const existing = this.byTransaction.get(key);
    if (existing !== undefined && existing !== id) {
      // The transaction's own record came first (its indication raced the attach): merge.
      const other = this.entries.get(existing);
      if (other !== undefined) {
        entry.timeline.push(...other.timeline);
        entry.timeline.sort((a, b) => a.t - b.t);
        const { id: _i, localPath: _l, remotePath: _r, kind: _k, ...rest } = other.record;
        Object.assign(entry.record, rest, { id, transactionId: key });
        this.entries.delete(existing);
      }
    }
    entry.record.transactionId = key;
    if (entry.record.state === 'queued') entry.record.state = 'active';
    this.byTransaction.set(key, id);
    this.flush(entry);
  }

  /** Finds the pending download that an incoming transaction answers. */
  findPendingDownload(remoteEntityId: string, localPath: string): TransferRecord | undefined {
    for (const { record } of this.entries.values())
      if (
        record.direction === 'down' &&
        record.state === 'queued' &&
        record.transactionId === undefined &&
        record.remoteEntityId === remoteEntityId &&
        normalise(record.localPath) === normalise(localPath)
      )
        return record;
    return undefined;
  }

  /** Ends a record that never got a transaction (refused get, cancelled while queued). */
  fail(id: string, reason: string, event = 'Failed'): void {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.record.endedAt !== undefined) return;
    this.log(entry, event, reason);
    this.end(entry, 'failed', entry.record.conditionCode, reason, entry.record.bytesDone);
  }

  /** Adds a timeline line to a record by console ID. */
  note(id: string, event: string, detail: string): void {
    const entry = this.entries.get(id);
    if (entry !== undefined) {
      this.log(entry, event, detail);
      this.flush(entry);
    }
  }

  /** Marks a record as being cancelled. */
  cancelling(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.record.endedAt !== undefined) return;
    entry.record.state = 'cancelling';
    this.log(entry, 'Cancel', 'cancel requested by the operator');
    this.flush(entry);
  }

  /** A record by console ID. */
  get(id: string): TransferRecord | undefined {
    return this.entries.get(id)?.record;
  }

  /** A record's timeline. */
  timeline(id: string): TimelineEntry[] | undefined {
    return this.entries.get(id)?.timeline;
  }

  /** Every record, newest first. */
  list(): TransferRecord[] {
    return [...this.entries.values()].map((e) => e.record).reverse();
  }

  /** Stops following the entity. */
  close(): void {
    this.closed = true;
    for (const off of this.offs) off();
    for (const e of this.entries.values()) if (e.timer !== undefined) clearTimeout(e.timer);
  }

  private add(record: TransferRecord): Entry {
    const entry: Entry = {
      record,
      timeline: [],
      lastNotified: 0,
      timer: undefined,
      rateAt: Date.now(),
      rateBytes: 0,
    };
    this.entries.set(record.id, entry);
    return entry;
  }

  private entryOf(id: TransactionId): Entry | undefined {
    const cid = this.byTransaction.get(transactionKey(id));
    return cid === undefined ? undefined : this.entries.get(cid);
  }

  private forTransaction(
    id: TransactionId,
    r: TransactionStatusReport | undefined,
    direction: 'up' | 'down',
  ): Entry {
    const existing = this.entryOf(id);
    if (existing !== undefined) {
      if (r !== undefined) this.fill(existing.record, r);
      return existing;
    }
    const key = transactionKey(id);
    const remote =
      r?.remoteEntityId.toString() ?? (direction === 'down' ? id.sourceEntityId.toString() : '?');
    const pending =
      direction === 'down' && r !== undefined
        ? this.findPendingDownload(remote, r.destinationFileName)
        : undefined;
    if (pending !== undefined) {
      this.attach(pending.id, id);
      const entry = this.entries.get(pending.id)!;
      if (r !== undefined) this.fill(entry.record, r);
      return entry;
    }
    const record: TransferRecord = {
      id: `t${this.nextId++}`,
      transactionId: key,
      direction,
      kind: 'file',
      localEntityId: this.entity.local.entityId.toString(),
      remoteEntityId: remote,
      localPath: '',
      remotePath: '',
      size: undefined,
      bytesDone: 0,
      transmissionClass: undefined,
      state: 'active',
      rate: 0,
      startedAt: r?.startedAt ?? Date.now(),
      endedAt: undefined,
      conditionCode: undefined,
      failureReason: undefined,
    };
    if (r !== undefined) this.fill(record, r);
    this.byTransaction.set(key, record.id);
    return this.add(record);
  }

  private fill(record: TransferRecord, r: TransactionStatusReport): void {
    record.direction = r.role === 'sender' ? 'up' : 'down';
    record.remoteEntityId = r.remoteEntityId.toString();
    record.transmissionClass = r.transmissionClass;
    if (r.role === 'sender') {
      if (record.localPath === '') record.localPath = r.sourceFileName;
      if (record.remotePath === '') record.remotePath = r.destinationFileName;
      if (r.sourceFileName === '') record.kind = 'request';
    } else {
      if (record.localPath === '') record.localPath = r.destinationFileName;
      if (record.remotePath === '') record.remotePath = r.sourceFileName;
    }
    if (r.fileSize !== undefined) record.size = r.fileSize;
  }

  private event(id: TransactionId, event: string, detail: string): void {
    const entry = this.entryOf(id);
    if (entry === undefined) return;
    this.log(entry, event, detail);
    this.flush(entry);
  }

  private log(entry: Entry, event: string, detail: string): void {
    entry.timeline.push({ t: Date.now(), event, detail });
    if (entry.timeline.length > MAX_TIMELINE) entry.timeline.splice(1, 1);
  }

  private progress(entry: Entry, bytes: number, size: number | undefined): void {
    const r = entry.record;
    const now = Date.now();
    const dt = now - entry.rateAt;
    if (dt >= 200) {
      const inst = ((bytes - entry.rateBytes) * 1000) / dt;
      r.rate = r.rate === 0 ? inst : 0.5 * r.rate + 0.5 * inst;
      entry.rateAt = now;
      entry.rateBytes = bytes;
    }
    r.bytesDone = bytes;
    if (size !== undefined) r.size = size;
    this.schedule(entry);
  }

  private end(
    entry: Entry,
    state: 'completed' | 'failed',
    conditionCode: number | undefined,
    reason: string | undefined,
    progress: number,
  ): void {
    const r = entry.record;
    if (r.endedAt !== undefined) return;
    r.state = state;
    r.endedAt = Date.now();
    r.conditionCode = conditionCode;
    r.failureReason = reason;
    r.bytesDone = progress;
    r.rate = r.endedAt > r.startedAt ? (progress * 1000) / (r.endedAt - r.startedAt) : 0;
    this.flush(entry);
    this.trim();
  }

  private trim(): void {
    let ended = 0;
    for (const e of this.entries.values()) if (e.record.endedAt !== undefined) ended++;
    for (const [id, e] of this.entries) {
      if (ended <= MAX_ENDED) break;
      if (e.record.endedAt === undefined) continue;
      this.entries.delete(id);
      if (e.record.transactionId !== undefined) this.byTransaction.delete(e.record.transactionId);
      ended--;
    }
  }

  /** Notifies now (state changes). */
  private flush(entry: Entry): void {
    if (entry.timer !== undefined) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    entry.lastNotified = Date.now();
    if (!this.closed) this.notify({ ...entry.record });
  }

  /** Notifies at most once per interval (progress). */
  private schedule(entry: Entry): void {
    if (entry.timer !== undefined) return;
    const wait = entry.lastNotified + NOTIFY_INTERVAL_MS - Date.now();
    if (wait <= 0) this.flush(entry);
    else entry.timer = setTimeout(() => this.flush(entry), wait);
  }
}

function same(a: TransactionId, b: TransactionId): boolean {
  return a.sourceEntityId === b.sourceEntityId && a.sequenceNumber === b.sequenceNumber;
}

function normalise(p: string): string {
  return p
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}
