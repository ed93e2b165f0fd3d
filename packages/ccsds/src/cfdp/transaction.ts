/**
 * What sending and receiving transactions share (CCSDS 727.0-B-5 §4): identity, named timers
 * on the injected clock, fault handling through the fault handler table with per-transaction
 * overrides (§4.8), suspension and resumption (§4.9), and the services of the entity they run in.
 */
import type { Clock, TimerId } from '../core/index.js';
import type { FileStore } from '../filestore/index.js';
import { ConditionCode, FaultHandlerCode } from './constants.js';
import { type PduHeader, headerLength } from './header.js';
import type {
  CfdpEvents,
  TransactionId,
  TransactionRole,
  TransactionState,
  TransactionStatusReport,
} from './indications.js';
import type { LocalEntityConfig, RemoteEntityConfig } from './mib.js';
import type { Pdu } from './pdu.js';
import type { JournalRecord } from './journal.js';

/** Services the entity gives its transactions. */
export interface TransactionHost {
  readonly clock: Clock;
  readonly filestore: FileStore;
  readonly local: LocalEntityConfig;
  /** Queues a PDU for transmission to the remote entity (directives before file data). */
  sendPdu(remote: RemoteEntityConfig, pdu: Pdu): void;
  /** Tells the scheduler this sender has file data to send. */
  wakeSender(): void;
  emit<K extends keyof CfdpEvents>(event: K, ...args: CfdpEvents[K]): void;
  /** True when someone listens to `event` (to skip building per-segment indications). */
  listening(event: keyof CfdpEvents): boolean;
  /** The transaction ended; the entity forgets it (keeping a short record to answer late PDUs). */
  closed(t: Transaction): void;
  /** Appends a persistence record (no-op without a journal). */
  journal(record: JournalRecord): void;
}

/** Base of sender and receiver transactions. */
export abstract class Transaction {
  readonly id: TransactionId;
  readonly key: string;
  abstract readonly role: TransactionRole;
  readonly host: TransactionHost;
  readonly remote: RemoteEntityConfig;
  /** Header fields shared by every PDU of the transaction. */
  header: PduHeader;
  state: TransactionState = 'active';
  conditionCode: number = ConditionCode.NO_ERROR;
  transmissionClass: 1 | 2;
  sourceFileName = '';
  destinationFileName = '';
  fileSize: number | undefined;
  readonly startedAt: number;
  /** Fault handler overrides from the Put request or the Metadata. */
  readonly faultOverrides = new Map<number, number>();
  private readonly timers = new Map<string, TimerId>();
  private readonly timerCallbacks = new Map<string, { ms: number; fn: () => void }>();
  private lastProgressAt = -Infinity;
  private progressTimer: TimerId | undefined;

  constructor(
    host: TransactionHost,
    remote: RemoteEntityConfig,
    id: TransactionId,
    header: PduHeader,
    transmissionClass: 1 | 2,
  ) {
    this.host = host;
    this.remote = remote;
    this.id = id;
    this.key = `${id.sourceEntityId}:${id.sequenceNumber}`;
    this.header = header;
    this.transmissionClass = transmissionClass;
    this.startedAt = host.clock.now();
  }

  /** Octets sent or received so far. */
  abstract get progress(): number;
  /** Handles a PDU addressed to this transaction. */
  abstract handlePdu(pdu: Pdu): Promise<void>;
  /** Cancel.request or a fault whose handler is notice of cancellation. */
  abstract cancel(conditionCode: number): Promise<void>;
  /** Called when resumed: restart whatever suspension stopped. */
  protected abstract onResume(): void;

  /** Starts (or restarts) the named timer. */
  protected startTimer(name: string, ms: number, fn: () => void): void {
    this.stopTimer(name);
    this.timerCallbacks.set(name, { ms, fn });
    if (this.state === 'suspended') return;
    this.timers.set(
      name,
      this.host.clock.setTimer(ms, () => {
        this.timers.delete(name);
        this.timerCallbacks.delete(name);
        fn();
      }),
    );
  }

  /** Stops the named timer. */
  protected stopTimer(name: string): void {
    const t = this.timers.get(name);
    if (t !== undefined) this.host.clock.cancelTimer(t);
    this.timers.delete(name);
    this.timerCallbacks.delete(name);
  }

  /** True while the named timer runs (or is held by suspension). */
  protected timerRunning(name: string): boolean {
    return this.timerCallbacks.has(name);
  }

  /** Stops every timer. */
  protected stopAllTimers(): void {
    for (const t of this.timers.values()) this.host.clock.cancelTimer(t);
    this.timers.clear();
    this.timerCallbacks.clear();
    if (this.progressTimer !== undefined) this.host.clock.cancelTimer(this.progressTimer);
    this.progressTimer = undefined;
  }

  /** The handler for a condition code: override, then the local table, then cancel. */
  faultHandler(conditionCode: number): number {
    return (
      this.faultOverrides.get(conditionCode) ??
      this.host.local.faultHandlers[conditionCode] ??
      FaultHandlerCode.NOTICE_OF_CANCELLATION
    );
  }

  /** Declares a fault (§4.8): runs the handler for its condition code. */
  async fault(conditionCode: number): Promise<void> {
    if (this.state === 'finished' || this.state === 'abandoned') return;
    switch (this.faultHandler(conditionCode)) {
      case FaultHandlerCode.IGNORE_ERROR:
        this.host.emit('fault', { transactionId: this.id, conditionCode, progress: this.progress });
        return;
      case FaultHandlerCode.NOTICE_OF_SUSPENSION:
        this.suspend(conditionCode);
        return;
      case FaultHandlerCode.ABANDON_TRANSACTION:
        this.abandon(conditionCode);
        return;
      default:
        await this.cancel(conditionCode);
    }
  }

  /** Suspend.request or notice of suspension (§4.9). */
  suspend(conditionCode: number = ConditionCode.SUSPEND_REQUEST_RECEIVED): void {
    if (this.state !== 'active') return;
    this.state = 'suspended';
    for (const t of this.timers.values()) this.host.clock.cancelTimer(t);
    this.timers.clear();
    this.host.emit('suspended', { transactionId: this.id, conditionCode });
  }

  /** Resume.request. */
  resume(): void {
    if (this.state !== 'suspended') return;
    this.state = 'active';
    const held = [...this.timerCallbacks.entries()];
    this.timerCallbacks.clear();
    for (const [name, { ms, fn }] of held) this.startTimer(name, ms, fn);
    this.host.emit('resumed', { transactionId: this.id, progress: this.progress });
    this.onResume();
  }

  /** Abandons the transaction at once (§4.11.2.2): no further PDUs. */
  abandon(conditionCode: number): void {
    if (this.state === 'finished' || this.state === 'abandoned') return;
    this.conditionCode = conditionCode;
    this.state = 'abandoned';
    this.stopAllTimers();
    this.host.emit('abandoned', { transactionId: this.id, conditionCode, progress: this.progress });
    void this.release().finally(() => this.host.closed(this));
  }

  /**
   * Stops the transaction without ending it (the entity shuts down with a journal): timers stop,
   * files are closed, nothing is deleted, and the journal still holds it for recovery.
   */
  async shutdown(): Promise<void> {
    this.stopAllTimers();
    this.state = 'suspended';
    await this.closeFiles();
  }

  /** Closes open files without deleting anything. */
  protected abstract closeFiles(): Promise<void>;

  /** Releases files and other resources (called once when the transaction ends). */
  protected abstract release(): Promise<void>;

  /** Emits throttled progress: immediately, then at most every progressIntervalMs. */
  protected reportProgress(force = false): void {
    const now = this.host.clock.now();
    const every = this.host.local.progressIntervalMs;
    if (force || now - this.lastProgressAt >= every) {
      this.lastProgressAt = now;
      if (this.progressTimer !== undefined) this.host.clock.cancelTimer(this.progressTimer);
      this.progressTimer = undefined;
      this.host.emit('progress', {
        transactionId: this.id,
        role: this.role,
        progress: this.progress,
        fileSize: this.fileSize,
      });
    } else if (this.progressTimer === undefined) {
      this.progressTimer = this.host.clock.setTimer(every - (now - this.lastProgressAt), () => {
        this.progressTimer = undefined;
        if (this.state === 'active') this.reportProgress(true);
      });
    }
  }

  /** The current status report. */
  statusReport(): TransactionStatusReport {
    return {
      transactionId: this.id,
      role: this.role,
      state: this.state,
      remoteEntityId: this.remote.entityId,
      transmissionClass: this.transmissionClass,
      sourceFileName: this.sourceFileName,
      destinationFileName: this.destinationFileName,
      fileSize: this.fileSize,
      progress: this.progress,
      conditionCode: this.conditionCode,
      startedAt: this.startedAt,
    };
  }

  /** Octets of this transaction's PDU header (with CRC when used). */
  protected overhead(): number {
    return (
      headerLength(this.header.entityIdLength, this.header.transactionSeqNumLength) +
      (this.header.crcFlag ? 2 : 0)
    );
  }
}
