/**
 * The CFDP entity (CCSDS 727.0-B-5 §4): accepts user requests (Put, Cancel, Suspend, Resume,
 * Report), routes received PDUs to their transactions (creating receiving transactions as
 * needed), and schedules transmission — directives first, then file data from every sending
 * transaction in turn (fair round robin), paced by each remote's send rate and by the transport.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  type Clock,
  TypedEmitter,
  minimalWidth,
} from '../core/index.js';
import { type FileStore, TEMP_FOLDER } from '../filestore/index.js';
import type { Transport } from '../transport/index.js';
import {
  ConditionCode,
  DirectiveCode,
  Direction,
  PduType,
  TransactionStatus,
  TransmissionMode,
} from './constants.js';
import { type PduHeader } from './header.js';
import {
  type CfdpEvents,
  type PutRequest,
  type TransactionId,
  type TransactionStatusReport,
  transactionKey,
} from './indications.js';
import {
  type LocalEntityConfig,
  type Mib,
  REMOTE_DEFAULTS,
  type RemoteEntityConfig,
  defaultFaultHandlers,
} from './mib.js';
import { type Pdu, decodeFileDataPdu, decodePdu, encodePdu } from './pdu.js';
import {
  type StoredPutRequest,
  type TransactionJournal,
  replayJournal,
  storeHeader,
} from './journal.js';
import { fromHex, toHex } from '../core/index.js';
import { ReceiveTransaction } from './receiver.js';
import { SendTransaction } from './sender.js';
import type { Transaction, TransactionHost } from './transaction.js';

/** Options of {@link CfdpEntity}. */
export interface CfdpEntityOptions {
  /** The MIB: local settings and the remote entities. */
  mib: Mib;
  transport: Transport;
  filestore: FileStore;
  clock: Clock;
  /** First transaction sequence number to use (default 1; a journal raises it on recovery). */
  firstSequenceNumber?: bigint;
  /**
   * Where transactions are journaled so that they survive a crash; call {@link CfdpEntity.recover}
   * once after construction to resume what the journal holds.
   */
  journal?: TransactionJournal;
}

/** Counters of an entity. */
export interface EntityCounters {
  pdusSent: number;
  pdusReceived: number;
  pduErrors: number;
  fileDataDropped: number;
  /** New transactions from peers refused by the limits (total, per peer, rate). */
  refusedTransactions: number;
  /** PDUs dropped while journaled transactions were being restored. */
  droppedWhileRecovering: number;
}

/** Sends the scheduler keeps in flight. */
const SEND_WINDOW = 8;

/** Received PDUs waiting per transaction before file data is dropped. */
const MAX_QUEUED = 1024;
/** File data octets waiting per transaction before more file data is dropped (4 MiB). */
const MAX_QUEUED_OCTETS = 4 << 20;

/** Received PDUs waiting for their transaction, with the octets of file data among them. */
interface PduQueue {
  pdus: Pdu[];
  octets: number;
}

/** Journaled transactions whose files are reopened at once during recovery. */
const RECOVERY_CONCURRENCY = 32;

/** Records of ended transactions kept to answer late PDUs (re-ACK). */
const CLOSED_KEEP = 4096;

/** A CFDP entity bound to a transport, a filestore and a clock. */
export class CfdpEntity {
  /** Indications and progress. */
  readonly events = new TypedEmitter<CfdpEvents>();
  readonly local: LocalEntityConfig;
  private readonly admission = new Map<bigint, { tokens: number; at: number }>();
  readonly counters: EntityCounters = {
    pdusSent: 0,
    pdusReceived: 0,
    pduErrors: 0,
    fileDataDropped: 0,
    refusedTransactions: 0,
    droppedWhileRecovering: 0,
  };
  private readonly remotes = new Map<bigint, RemoteEntityConfig>();
  private readonly transport: Transport;
  private readonly filestore: FileStore;
  private readonly clock: Clock;
  private readonly transactions = new Map<string, Transaction>();
  private readonly closedSenders = new Map<string, SendTransaction>();
  private readonly closedReceivers = new Map<string, ReceiveTransaction>();
  private readonly queues = new Map<Transaction, PduQueue>();
  private senders: SendTransaction[] = [];
  private rr = 0;
  private directives: { address: string; bytes: Uint8Array }[] = [];
  /**
   * The last File Data PDU routed: its fixed header's octets, decoded, and its transaction (an
   * open one: cleared when that transaction closes).
   */
  private lastFileData:
    | { prefix: Uint8Array; header: PduHeader; transaction: Transaction }
    | undefined;
  private pumping = false;
  private pumpAgain = false;
  private nextSeq: bigint;
  private readonly rateState = new Map<bigint, { tokens: number; at: number; timer: boolean }>();
  private closedFlag = false;
  private recovering = false;
  private readonly offMessage: () => void;
  private readonly waiters = new Map<
    string,
    ((e: CfdpEvents['transactionFinished'][0]) => void)[]
  >();
  /** Outcomes of recently ended transactions, so that a late `waitFor` still resolves. */
  private readonly results = new Map<string, CfdpEvents['transactionFinished'][0]>();
  private readonly host: TransactionHost;
  private readonly journal: TransactionJournal | undefined;

  constructor(options: CfdpEntityOptions) {
    this.local = options.mib.local;
    for (const r of options.mib.remotes) this.remotes.set(r.entityId, r);
    this.transport = options.transport;
    this.filestore = options.filestore;
    this.clock = options.clock;
    this.nextSeq = options.firstSequenceNumber ?? 1n;
    this.journal = options.journal;
    this.host = {
      clock: this.clock,
      filestore: this.filestore,
      local: this.local,
      sendPdu: (remote, pdu) => this.queueDirective(remote, pdu),
      wakeSender: () => this.pump(),
      emit: (event, ...args) => this.events.emit(event, ...args),
      listening: (event) => this.events.listenerCount(event) > 0,
      closed: (t) => this.onClosed(t),
      journal: (r) => this.journal?.append(r),
    };
    this.offMessage = this.transport.events.on('message', (data, from) =>
      this.onMessage(data, from),
    );
    this.events.on('transactionFinished', (e) => {
      const k = transactionKey(e.transactionId);
      remember(this.results, k, e);
      const ws = this.waiters.get(k);
      if (ws !== undefined) {
        this.waiters.delete(k);
        for (const w of ws) w(e);
      }
    });
    this.events.on('abandoned', (e) => {
      const k = transactionKey(e.transactionId);
      const t =
        this.transactions.get(k) ?? this.closedSenders.get(k) ?? this.closedReceivers.get(k);
      const ws = this.waiters.get(k);
      if (t === undefined) return;
      const result = {
        transactionId: e.transactionId,
        role: t.role,
        conditionCode: e.conditionCode,
        fileStatus: 3,
        deliveryCode: 1,
        filestoreResponses: [],
        report: t.statusReport(),
      };
      remember(this.results, k, result);
      if (ws !== undefined) {
        this.waiters.delete(k);
        for (const w of ws) w(result);
      }
    });
  }

  /** The settings used for a remote entity (throws for an unknown one). */
  remote(entityId: bigint | number): RemoteEntityConfig {
    const r = this.remotes.get(BigInt(entityId));
    if (r === undefined)
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `entity ${entityId} is not in the MIB`);
    return r;
  }

  /** The next transaction sequence number that will be used. */
  get nextSequenceNumber(): bigint {
    return this.nextSeq;
  }

  /** Put.request: starts sending a file (or a message-only transaction). */
  async put(request: PutRequest): Promise<TransactionId> {
    if (this.closedFlag) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'entity is closed');
    const remote = this.remote(request.destinationEntityId);
    if (this.transactions.size >= this.local.maxTransactions) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `already ${this.transactions.size} transactions open`,
      );
    }
    let fileSize = 0;
    if (request.sourceFileName !== undefined && request.sourceFileName !== '') {
      const st = await this.filestore.stat(request.sourceFileName);
      if (st === undefined || st.isDirectory) {
        throw new CcsdsError(
          CcsdsErrorCode.INVALID_ARGUMENT,
          `no file ${request.sourceFileName} in the filestore`,
        );
      }
      fileSize = st.size;
    }
    const seqLen = remote.transactionSeqNumLength;
    const seq = this.nextSeq % (1n << BigInt(8 * seqLen));
    this.nextSeq = seq + 1n;
    const cls = request.transmissionClass ?? remote.defaultClass;
    const header: PduHeader = {
      version: remote.version,
      pduType: PduType.FILE_DIRECTIVE,
      direction: Direction.TOWARD_RECEIVER,
      transmissionMode: cls === 2 ? TransmissionMode.ACKNOWLEDGED : TransmissionMode.UNACKNOWLEDGED,
      crcFlag: request.crc ?? remote.crc,
      largeFileFlag: request.largeFile ?? fileSize > 0xffffffff,
      segmentationControl: request.segmentationControl ?? false,
      segmentMetadataFlag: false,
      entityIdLength:
        request.entityIdLength ??
        remote.entityIdLength ??
        Math.max(minimalWidth(this.local.entityId), minimalWidth(remote.entityId)),
      transactionSeqNumLength: seqLen,
      sourceEntityId: this.local.entityId,
      transactionSequenceNumber: seq,
      destinationEntityId: remote.entityId,
    };
    if (header.version === 0 && header.largeFileFlag) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        '727.0-B-3 peers cannot receive files over 4 GiB',
      );
    }
    const id: TransactionId = { sourceEntityId: this.local.entityId, sequenceNumber: seq };
    const t = new SendTransaction(this.host, remote, id, header, request, fileSize);
    this.journal?.append({ t: 'seq', next: this.nextSeq.toString() });
    this.journal?.append({
      t: 'tx',
      k: t.key,
      remote: remote.entityId.toString(),
      header: storeHeader(header),
      request: storeRequest(request),
      fileSize,
    });
    this.transactions.set(t.key, t);
    this.events.emit('transaction', { transactionId: id });
    try {
      await t.start();
    } catch (e) {
      this.transactions.delete(t.key);
      throw e;
    }
    // Scheduled only once its file is open: a pump woken by another transaction while start()
    // awaited the filestore would otherwise read from a file not yet opened (and report a
    // file size error).
    if (this.transactions.get(t.key) === t) this.senders.push(t);
    this.pump();
    return id;
  }

  /**
   * Resumes every unfinished transaction the journal holds (after a crash or a restart) and
   * makes sure sequence numbers are never reused. Call once, before new requests.
   */
  async recover(): Promise<{ senders: number; receivers: number }> {
    if (this.journal === undefined) return { senders: 0, receivers: 0 };
    // PDUs arriving before the journaled transactions are back would start a second transaction
    // under the same ID; they are dropped instead (the peer sends them again).
    this.recovering = true;
    try {
      return await this.recoverJournal(this.journal);
    } finally {
      this.recovering = false;
    }
  }

  private async recoverJournal(
    journal: TransactionJournal,
  ): Promise<{ senders: number; receivers: number }> {
    const state = replayJournal(await journal.load());
    if (state.nextSequenceNumber > this.nextSeq) this.nextSeq = state.nextSequenceNumber;
    journal.append({ t: 'seq', next: this.nextSeq.toString() });
    let senders = 0;
    let receivers = 0;
    // Transactions are registered in journal order, then their files reopened a few dozen at a
    // time: recovery is bound by filestore latency, not by processing.
    const work: (() => Promise<void>)[] = [];
    for (const s of state.senders) {
      const remote = this.remotes.get(s.remote);
      if (remote === undefined) {
        journal.append({ t: 'end', k: s.key });
        continue;
      }
      const id: TransactionId = {
        sourceEntityId: s.header.sourceEntityId,
        sequenceNumber: s.header.transactionSequenceNumber,
      };
      const t = new SendTransaction(
        this.host,
        remote,
        id,
        s.header,
        loadRequest(s.request),
        s.fileSize,
      );
      this.transactions.set(t.key, t);
      work.push(async () => {
        try {
          await t.resumeFrom(s);
          // Scheduled only once restored (as in `put`): a pump woken meanwhile by another
          // transaction would otherwise send original data from offset 0 and, its read ending
          // after the restore, move the sender back below data it had already sent.
          if (this.transactions.get(t.key) === t) this.senders.push(t);
          senders++;
        } catch (e) {
          this.events.emit('pduError', { error: e as Error, from: 'journal' });
          t.abandon(ConditionCode.FILESTORE_REJECTION);
        }
      });
    }
    for (const r of state.receivers) {
      const remote = this.remotes.get(r.remote);
      if (remote === undefined) {
        journal.append({ t: 'end', k: r.key });
        continue;
      }
      const id: TransactionId = {
        sourceEntityId: r.header.sourceEntityId,
        sequenceNumber: r.header.transactionSequenceNumber,
      };
      const t = new ReceiveTransaction(this.host, remote, id, r.header);
      this.transactions.set(t.key, t);
      work.push(async () => {
        try {
          await t.restore(r);
          receivers++;
        } catch (e) {
          this.events.emit('pduError', { error: e as Error, from: 'journal' });
          t.abandon(ConditionCode.FILESTORE_REJECTION);
        }
      });
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < work.length) await work[next++]!();
    };
    await Promise.all(Array.from({ length: Math.min(RECOVERY_CONCURRENCY, work.length) }, worker));
    await this.removeOrphanedTempFiles(
      new Set(state.receivers.flatMap((r) => (r.tempPath === undefined ? [] : [r.tempPath]))),
    );
    this.pump();
    return { senders, receivers };
  }

  /**
   * Removes temporary files of receiving transactions that the journal does not name: a crash
   * between creating one and journaling it leaves a file nothing will ever resume or delete. An
   * entity with a journal owns the `rx-` files of its filestore's private folder.
   */
  private async removeOrphanedTempFiles(known: Set<string>): Promise<void> {
    let entries;
    try {
      entries = await this.filestore.list(TEMP_FOLDER);
    } catch {
      return; // no private folder yet
    }
    for (const e of entries) {
      const path = `${TEMP_FOLDER}/${e.name}`;
      if (e.isDirectory || !e.name.startsWith('rx-') || known.has(path)) continue;
      await this.filestore.remove(path).catch(() => undefined);
    }
  }

  /** Resolves when the transaction finishes (or is abandoned), with its Transaction-Finished indication. */
  waitFor(id: TransactionId): Promise<CfdpEvents['transactionFinished'][0]> {
    const k = transactionKey(id);
    const done = this.results.get(k);
    if (done !== undefined) return Promise.resolve(done);
    return new Promise((resolve) => {
      const list = this.waiters.get(k) ?? [];
      list.push(resolve);
      this.waiters.set(k, list);
    });
  }

  private find(id: TransactionId): Transaction {
    const t = this.transactions.get(transactionKey(id));
    if (t === undefined)
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `no open transaction ${transactionKey(id)}`,
      );
    return t;
  }

  /** Cancel.request. */
  async cancel(id: TransactionId): Promise<void> {
    await this.find(id).cancel(ConditionCode.CANCEL_REQUEST_RECEIVED);
  }

  /** Suspend.request. */
  suspend(id: TransactionId): void {
    this.find(id).suspend(ConditionCode.SUSPEND_REQUEST_RECEIVED);
  }

  /** Resume.request. */
  resume(id: TransactionId): void {
    this.find(id).resume();
    this.pump();
  }

  /**
   * Abandons a transaction at once (727.0-B-5 §4.11.2.2.4): no further PDUs are sent or
   * accepted for it, and an Abandoned.indication follows. Used by operators when a peer is
   * gone for good and cancelling (which waits for the peer) would not end the transaction.
   */
  abandon(id: TransactionId): void {
    this.find(id).abandon(ConditionCode.CANCEL_REQUEST_RECEIVED);
  }

  /** Report.request: emits and returns a Report.indication. */
  report(id: TransactionId): TransactionStatusReport {
    const r = this.find(id).statusReport();
    this.events.emit('report', r);
    return r;
  }

  /** Status of every open transaction. */
  list(): TransactionStatusReport[] {
    return [...this.transactions.values()].map((t) => t.statusReport());
  }

  /**
   * Stops the entity: no new requests; PDUs already queued (an ACK of Finished, say) are sent
   * first (for at most `drainMs`); then open transactions are abandoned — or, with a journal,
   * left to resume on the next {@link recover} — and the transport listener released. The
   * transport itself belongs to the caller.
   */
  async close(drainMs = 2000): Promise<void> {
    if (this.closedFlag) return;
    const deadline = Date.now() + drainMs;
    while ((this.directives.length > 0 || this.pumping) && Date.now() < deadline) {
      await new Promise<void>((r) => setTimeout(r, 5));
    }
    this.closedFlag = true;
    this.offMessage();
    // With a journal, open transactions stay resumable; without one they are abandoned.
    for (const t of [...this.transactions.values()]) {
      if (this.journal !== undefined) await t.shutdown();
      else t.abandon(ConditionCode.CANCEL_REQUEST_RECEIVED);
    }
  }

  private onClosed(t: Transaction): void {
    this.transactions.delete(t.key);
    if (this.lastFileData?.transaction === t) this.lastFileData = undefined;
    if (!this.closedFlag) this.journal?.append({ t: 'end', k: t.key });
    if (t instanceof SendTransaction) {
      this.senders = this.senders.filter((s) => s !== t);
      remember(this.closedSenders, t.key, t);
    } else if (t instanceof ReceiveTransaction) remember(this.closedReceivers, t.key, t);
  }

  private queueDirective(remote: RemoteEntityConfig, pdu: Pdu): void {
    if (this.closedFlag) return;
    this.directives.push({ address: remote.address, bytes: encodePdu(pdu) });
    this.pump();
  }

  /** Sends queued directives, then file data round robin, until nothing is ready. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void this.runPump().finally(() => {
      this.pumping = false;
      if (this.pumpAgain) {
        this.pumpAgain = false;
        this.pump();
      }
    });
  }

  private async runPump(): Promise<void> {
    // Up to SEND_WINDOW sends in flight: the transport's back-pressure still paces us, but the
    // next PDU is prepared while the previous ones go out.
    const inFlight: Promise<void>[] = [];
    try {
      for (;;) {
        this.pumpAgain = false;
        if (inFlight.length >= SEND_WINDOW) await inFlight.shift();
        const d = this.directives.shift();
        if (d !== undefined) {
          inFlight.push(this.transmit(d.address, d.bytes));
          continue;
        }
        const s = this.pickSender();
        if (s === undefined) return;
        // Awaited only when the sender must wait for the filestore: most PDUs come from a
        // chunk already read, and a turn through the microtask queue per PDU is not free.
        const next = s.nextFileData();
        const bytes = next instanceof Promise ? await next : next;
        if (bytes !== undefined) {
          this.spendRate(s.remote, bytes.length);
          inFlight.push(this.transmit(s.remote.address, bytes));
        }
      }
    } finally {
      await Promise.all(inFlight);
    }
  }

  private pickSender(): SendTransaction | undefined {
    const n = this.senders.length;
    for (let k = 0; k < n; k++) {
      const s = this.senders[(this.rr + k) % n]!;
      if (!s.hasFileData()) continue;
      if (!this.rateAllows(s.remote)) continue;
      this.rr = (this.rr + k + 1) % n;
      return s;
    }
    return undefined;
  }

  private rateAllows(remote: RemoteEntityConfig): boolean {
    const rate = remote.sendRateBytesPerSecond;
    if (rate <= 0) return true;
    const now = this.clock.now();
    let st = this.rateState.get(remote.entityId);
    if (st === undefined) {
      st = { tokens: Math.min(rate, 65536), at: now, timer: false };
      this.rateState.set(remote.entityId, st);
    }
    st.tokens = Math.min(Math.max(rate / 10, 65536), st.tokens + ((now - st.at) * rate) / 1000);
    st.at = now;
    if (st.tokens > 0) return true;
    if (!st.timer) {
      st.timer = true;
      const wait = Math.max(1, Math.ceil((-st.tokens * 1000) / rate) + 1);
      this.clock.setTimer(wait, () => {
        st.timer = false;
        this.pump();
      });
    }
    return false;
  }

  private spendRate(remote: RemoteEntityConfig, n: number): void {
    const st = this.rateState.get(remote.entityId);
    if (st !== undefined) st.tokens -= n;
  }

  /** Sends one PDU; the promise settles (never rejects) when the transport has taken it. */
  private transmit(address: string, bytes: Uint8Array): Promise<void> {
    let sending: Promise<void>;
    try {
      sending = this.transport.send(address, bytes);
    } catch (e) {
      sending = Promise.reject(e as Error);
    }
    return sending.then(this.sent, (e: unknown) => {
      this.counters.pduErrors++;
      this.events.emit('pduError', { error: e as Error, from: address });
    });
  }

  private readonly sent = (): void => {
    this.counters.pdusSent++;
  };

  private onMessage(data: Uint8Array, from: string): void {
    if (this.recovering) {
      this.counters.droppedWhileRecovering++;
      return;
    }
    if (this.lastFileData !== undefined && this.sameTransactionFileData(data, from)) return;
    let pdu: Pdu;
    try {
      pdu = decodePdu(data);
    } catch (e) {
      this.counters.pduErrors++;
      this.events.emit('pduError', { error: e as Error, from });
      return;
    }
    this.counters.pdusReceived++;
    const h = pdu.header;
    const local = this.local.entityId;
    const id: TransactionId = {
      sourceEntityId: h.sourceEntityId,
      sequenceNumber: h.transactionSequenceNumber,
    };
    const key = transactionKey(id);
    const towardReceiver =
      h.pduType === PduType.FILE_DATA || h.direction === Direction.TOWARD_RECEIVER;
    if (towardReceiver ? h.destinationEntityId !== local : h.sourceEntityId !== local) {
      this.counters.pduErrors++;
      this.events.emit('pduError', {
        error: new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `PDU for another entity (${key})`),
        from,
      });
      return;
    }
    // The CRC flag must be what the MIB says for this peer: a PDU whose flag was flipped in
    // transit would otherwise have its CRC octets taken as data (or lose two data octets).
    const peer = this.remotes.get(towardReceiver ? h.sourceEntityId : h.destinationEntityId);
    if (peer !== undefined && peer.crc !== h.crcFlag) {
      this.counters.pduErrors++;
      this.events.emit('pduError', {
        error: new CcsdsError(
          CcsdsErrorCode.INVALID_FIELD,
          `CRC flag ${h.crcFlag ? 'set' : 'clear'}, but the MIB says ${peer.crc ? 'CRC' : 'no CRC'} for entity ${peer.entityId}`,
        ),
        from,
      });
      return;
    }
    let t = this.transactions.get(key);
    if (t === undefined) {
      if (towardReceiver) {
        const closed = this.closedReceivers.get(key);
        if (closed !== undefined) {
          this.answerClosedReceiver(closed, pdu);
          return;
        }
        if (pdu.kind !== 'metadata' && pdu.kind !== 'fileData' && pdu.kind !== 'eof') return;
        const remote = this.remotes.get(h.sourceEntityId);
        if (remote === undefined) {
          this.counters.pduErrors++;
          this.events.emit('pduError', {
            error: new CcsdsError(
              CcsdsErrorCode.INVALID_FIELD,
              `PDU from unknown entity ${h.sourceEntityId}`,
            ),
            from,
          });
          return;
        }
        if (!this.admit(remote)) {
          this.counters.refusedTransactions++;
          return;
        }
        const rx = new ReceiveTransaction(this.host, remote, id, h);
        this.transactions.set(key, rx);
        this.journal?.append({
          t: 'rx',
          k: key,
          remote: remote.entityId.toString(),
          header: storeHeader(h),
        });
        t = rx;
      } else {
        const closed = this.closedSenders.get(key);
        if (closed !== undefined && pdu.kind === 'finished' && closed.transmissionClass === 2)
          closed.ackFinished(pdu);
        return;
      }
    } else if (towardReceiver !== (t.role === 'receiver')) return;
    if (pdu.kind === 'fileData') {
      const hl = 4 + 2 * h.entityIdLength + h.transactionSeqNumLength;
      this.lastFileData = { prefix: data.slice(0, hl), header: h, transaction: t };
    }
    this.enqueue(t, pdu);
  }

  /**
   * The fast path for the File Data PDUs of a transaction: when a PDU's fixed header is the
   * same, octet for octet (the data field length apart), as that of the last File Data PDU
   * routed to a transaction still open, that header's decoding and every check made on it hold
   * again, so only the data field is decoded and the PDU goes to the same transaction (no
   * entity IDs parsed into bigints, no transaction key built, no lookup). Returns false when the
   * PDU must take the general path.
   */
  private sameTransactionFileData(data: Uint8Array, from: string): boolean {
    const last = this.lastFileData!;
    const p = last.prefix;
    const n = p.length;
    if (data.length < n || data[0] !== p[0]) return false;
    for (let i = 3; i < n; i++) if (data[i] !== p[i]) return false;
    // Still open: `onClosed` forgets the transaction here when it leaves `transactions`.
    const t = last.transaction;
    let pdu: Pdu;
    try {
      pdu = decodeFileDataPdu(data, last.header, n);
    } catch (e) {
      this.counters.pduErrors++;
      this.events.emit('pduError', { error: e as Error, from });
      return true;
    }
    this.counters.pdusReceived++;
    this.enqueue(t, pdu);
    return true;
  }

  /**
   * Whether a peer may start another transaction with us: within the total limit, its own
   * limit of open transactions, and its rate of new ones (a token bucket of one second).
   */
  private admit(remote: RemoteEntityConfig): boolean {
    if (this.transactions.size >= this.local.maxTransactions) return false;
    let open = 0;
    for (const t of this.transactions.values())
      if (t.role === 'receiver' && t.remote === remote) open++;
    if (open >= remote.maxIncomingTransactions) return false;
    const now = this.clock.now();
    const rate = remote.maxNewTransactionsPerSecond;
    const b = this.admission.get(remote.entityId) ?? { tokens: rate, at: now };
    b.tokens = Math.min(rate, b.tokens + ((now - b.at) * rate) / 1000);
    b.at = now;
    this.admission.set(remote.entityId, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Answers late PDUs of an ended receiving transaction: re-ACK EOF, re-send Finished. */
  private answerClosedReceiver(t: ReceiveTransaction, pdu: Pdu): void {
    if (pdu.kind !== 'eof' || t.transmissionClass !== 2) return;
    this.queueDirective(t.remote, {
      kind: 'ack',
      header: { ...pdu.header, direction: Direction.TOWARD_SENDER },
      ackedDirectiveCode: DirectiveCode.EOF,
      directiveSubtypeCode: 0,
      conditionCode: pdu.conditionCode,
      transactionStatus: TransactionStatus.TERMINATED,
    });
    t.resendFinished();
  }

  /**
   * Per-transaction serial processing (file writes are asynchronous): one queue and one worker
   * per transaction. File data beyond `MAX_QUEUED` waiting PDUs or `MAX_QUEUED_OCTETS` waiting
   * octets is dropped (Class 2 recovers it by NAK) rather than letting memory grow when the
   * filestore cannot keep up.
   */
  private enqueue(t: Transaction, pdu: Pdu): void {
    let q = this.queues.get(t);
    if (q === undefined) {
      q = { pdus: [], octets: 0 };
      this.queues.set(t, q);
    }
    if (pdu.kind === 'fileData') {
      const n = pdu.data.length;
      if (q.pdus.length >= MAX_QUEUED || q.octets + n > MAX_QUEUED_OCTETS) {
        this.counters.fileDataDropped++;
        return;
      }
      q.octets += n;
    }
    q.pdus.push(pdu);
    if (q.pdus.length === 1) void this.work(t, q);
  }

  private async work(t: Transaction, q: PduQueue): Promise<void> {
    while (q.pdus.length > 0) {
      const pdu = q.pdus[0]!;
      try {
        await t.handlePdu(pdu);
      } catch (e) {
        this.counters.pduErrors++;
        this.events.emit('pduError', { error: e as Error, from: t.remote.address });
        await t.fault(ConditionCode.FILESTORE_REJECTION).catch(() => undefined);
      }
      q.pdus.shift();
      if (pdu.kind === 'fileData') q.octets -= pdu.data.length;
    }
    if (this.queues.get(t) === q) this.queues.delete(t);
  }
}

function remember<T>(map: Map<string, T>, key: string, value: T): void {
  map.set(key, value);
  if (map.size > CLOSED_KEEP) {
    const first = map.keys().next().value;
    if (first !== undefined) map.delete(first);
  }
}

/** Builds a MIB from the essentials (remote defaults filled in). */
export function simpleMib(
  localEntityId: bigint | number,
  remotes: (Omit<Partial<RemoteEntityConfig>, 'entityId'> & {
    entityId: bigint | number;
    address: string;
  })[],
): Mib {
  return {
    local: {
      entityId: BigInt(localEntityId),
      faultHandlers: defaultFaultHandlers(),
      progressIntervalMs: 250,
      maxFileSize: Number.MAX_SAFE_INTEGER,
      maxTransactions: 1000,
    },
    remotes: remotes.map((r) => ({ ...REMOTE_DEFAULTS, ...r, entityId: BigInt(r.entityId) })),
  };
}

/** Put request to JSON (for the journal). */
function storeRequest(r: PutRequest): StoredPutRequest {
  const out: StoredPutRequest = { destinationEntityId: BigInt(r.destinationEntityId).toString() };
  for (const k of [
    'sourceFileName',
    'destinationFileName',
    'transmissionClass',
    'closureRequested',
    'checksumType',
    'crc',
    'segmentLength',
    'largeFile',
    'entityIdLength',
    'filestoreRequests',
    'faultHandlerOverrides',
    'segmentationControl',
  ] as const) {
    if (r[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = r[k];
  }
  if (r.messagesToUser !== undefined) out.messagesToUser = r.messagesToUser.map(toHex);
  if (r.flowLabel !== undefined) out.flowLabel = toHex(r.flowLabel);
  return out;
}

/** Put request from JSON. */
function loadRequest(s: StoredPutRequest): PutRequest {
  const { messagesToUser, flowLabel, destinationEntityId, ...rest } = s;
  const r: PutRequest = { ...rest, destinationEntityId: BigInt(destinationEntityId) };
  if (messagesToUser !== undefined) r.messagesToUser = messagesToUser.map(fromHex);
  if (flowLabel !== undefined) r.flowLabel = fromHex(flowLabel);
  return r;
}
