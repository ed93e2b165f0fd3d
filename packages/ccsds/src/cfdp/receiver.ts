/**
 * The receiving side of a transaction (CCSDS 727.0-B-5 §4.6): data written to a temporary file
 * in the filestore as it arrives (coalesced, never the whole file in memory), received ranges
 * kept in a {@link RangeSet}, lost segment detection in the four NAK modes with the NAK timer
 * and limit, the ACK of every EOF, Keep Alive, Prompt responses, the Class 1 check timer,
 * checksum verification, filestore requests, and Finished with its positive acknowledgement.
 * The file appears under its destination name only after the checksum verified.
 *
 * Writes are behind: contiguous segments fill a 256 KiB buffer, which goes to the filestore
 * while the next one fills (at most {@link WRITES_IN_FLIGHT} buffers being written, reused, so
 * the memory held is bounded and a slow disk stalls PDU processing only when all are busy). The
 * journal claims a range only once its write completed; a failed write fails the next write or
 * the completion (FILESTORE_REJECTION). The file is synced in the background every 8 MiB
 * written, so the sync before delivery is short.
 */
import { CcsdsError, fromHex, toHex } from '../core/index.js';
import type { RecoveredReceiver } from './journal.js';
import { isFilestoreActionAllowed } from './remote-policy.js';
import { FilestoreAction, type FileHandle } from '../filestore/index.js';
import {
  ConditionCode,
  DeliveryCode,
  DirectiveCode,
  Direction,
  FileStatus,
  PduType,
  PromptResponse,
  TransactionStatus,
} from './constants.js';
import { FileChecksum, isSupportedChecksumType } from './checksum.js';
import { type PduHeader, fssLength, headerLength } from './header.js';
import type { TransactionId } from './indications.js';
import { NakMode, type RemoteEntityConfig } from './mib.js';
import {
  type EofPdu,
  type FileDataPdu,
  type FinishedPdu,
  type MetadataPdu,
  type NakPdu,
  type Pdu,
  type SegmentRequest,
  decodePdu,
  encodePdu,
} from './pdu.js';
import { RangeSet } from './ranges.js';
import { type FilestoreResponseTlv, entityIdTlv } from './tlv.js';
import { Transaction, type TransactionHost } from './transaction.js';

const WRITE_BUFFER = 256 * 1024;
/** Write buffers handed to the filestore at once (each WRITE_BUFFER octets). */
const WRITES_IN_FLIGHT = 3;
/**
 * The temporary file is synced in the background every this many written octets, so that the
 * sync before delivery has little left to do (not a few hundred MiB at once).
 */
const SYNC_EVERY = 8 << 20;
/** Received ranges are journaled every this many newly written octets. */
const JOURNAL_EVERY = 1 << 20;
/** Filestore response status meaning "not allowed", per action (727.0-B-5 Table 5-16). */
const NOT_ALLOWED_STATUS: Record<number, number> = {
  0: 1,
  1: 2,
  2: 3,
  3: 3,
  4: 3,
  5: 1,
  6: 2,
  7: 2,
  8: 2,
};
const READBACK_CHUNK = 1024 * 1024;

type ReceiverPhase = 'receiving' | 'awaitFinishedAck' | 'done';

/** A transaction this entity receives. */
export class ReceiveTransaction extends Transaction {
  readonly role = 'receiver' as const;
  private readonly received = new RangeSet();
  private metadata: MetadataPdu | undefined;
  private eof: EofPdu | undefined;
  private tempPath: string | undefined;
  private handle: FileHandle | undefined;
  private checksum: FileChecksum | undefined;
  /** Segments that arrived before the Metadata told the checksum type. */
  private early: [number, Uint8Array][] | undefined = [];
  /** The write buffer filling: `wlen` octets for file offset `wstart`. */
  private wbuf: Uint8Array | undefined;
  private wstart = 0;
  private wlen = 0;
  /** Write buffers free for reuse. */
  private spareBuffers: Uint8Array[] = [];
  /** Writes under way. */
  private readonly writing = new Set<Promise<void>>();
  /** The first failure of a write behind, thrown by the next write or flush. */
  private writeError: unknown;
  private opening: Promise<FileHandle> | undefined;
  /** Octets written since the last background sync started. */
  private unsynced = 0;
  private syncing = false;
  /** Clock time of the last PDU (the inactivity timer is re-armed lazily from it). */
  private lastActivity = 0;
  private phase: ReceiverPhase = 'receiving';
  private nakCount = 0;
  private checkCount = 0;
  private ackCount = 0;
  private finishedPdu: FinishedPdu | undefined;
  private fileStatus: number = FileStatus.UNREPORTED;
  private deliveryCode: number = DeliveryCode.DATA_INCOMPLETE;
  private responses: FilestoreResponseTlv[] = [];
  private completing = false;
  /** Highest offset seen in data or announced by the EOF. */
  private knownEnd = 0;

  constructor(
    host: TransactionHost,
    remote: RemoteEntityConfig,
    id: TransactionId,
    header: PduHeader,
  ) {
    // Responses reuse the transaction's field widths; the CRC flag follows the local MIB.
    super(
      host,
      remote,
      id,
      {
        ...header,
        direction: Direction.TOWARD_SENDER,
        pduType: PduType.FILE_DIRECTIVE,
        segmentMetadataFlag: false,
        segmentationControl: false,
        crcFlag: remote.crc,
      },
      header.transmissionMode === 0 ? 2 : 1,
    );
    this.startInactivity();
    if (this.transmissionClass === 2 && remote.keepAliveIntervalMs > 0) this.scheduleKeepAlive();
    if (this.transmissionClass === 2 && remote.nakMode === NakMode.ASYNCHRONOUS)
      this.scheduleAsyncNak();
  }

  get progress(): number {
    return this.received.covered;
  }

  /**
   * (Re)starts the inactivity timer. Restarted on every PDU, it is re-armed lazily: a timer that
   * expires checks the time of the last PDU and waits the rest if there was one since.
   */
  private startInactivity(): void {
    this.lastActivity = this.host.clock.now();
    if (!this.timerRunning('inactivity')) this.armInactivity(this.remote.inactivityTimerMs);
  }

  private armInactivity(ms: number): void {
    this.startTimer('inactivity', ms, () => {
      const rest = this.lastActivity + this.remote.inactivityTimerMs - this.host.clock.now();
      if (rest > 0) this.armInactivity(rest);
      else void this.fault(ConditionCode.INACTIVITY_DETECTED);
    });
  }

  private scheduleKeepAlive(): void {
    this.startTimer('keepAlive', this.remote.keepAliveIntervalMs, () => {
      if (this.phase !== 'receiving') return;
      this.sendKeepAlive();
      this.scheduleKeepAlive();
    });
  }

  private scheduleAsyncNak(): void {
    this.startTimer('asyncNak', this.remote.asynchronousNakIntervalMs, () => {
      if (this.phase !== 'receiving') return;
      this.sendNaks(0, this.scopeEnd());
      this.scheduleAsyncNak();
    });
  }

  private sendKeepAlive(): void {
    const contiguous = this.received.gaps(0, Number.MAX_SAFE_INTEGER, 1)[0]?.[0] ?? 0;
    this.host.sendPdu(this.remote, {
      kind: 'keepAlive',
      header: this.header,
      progress: contiguous,
    });
  }

  /** Asynchronous NAK mode: the user asks for a NAK now. */
  requestNak(): void {
    if (this.phase === 'receiving' && this.transmissionClass === 2)
      this.sendNaks(0, this.scopeEnd());
  }

  async handlePdu(pdu: Pdu): Promise<void> {
    if (this.phase === 'done') return;
    // A first EOF (NO_ERROR) is acknowledged only once journaled (in onEof): an ACK sent before
    // would let a receiver that crashed in between restart without the EOF, while its sender,
    // holding the ACK, never sends it again. Repeats and cancelling EOFs are acknowledged here.
    if (pdu.kind === 'eof' && this.transmissionClass === 2 && !this.isFirstEof(pdu)) {
      this.ackEof(pdu);
    }
    if (this.state === 'suspended' && pdu.kind !== 'eof') return;
    this.startInactivity();
    switch (pdu.kind) {
      case 'metadata':
        return this.onMetadata(pdu);
      case 'fileData':
        return this.onFileData(pdu);
      case 'eof':
        return this.onEof(pdu);
      case 'prompt':
        if (this.phase !== 'receiving' || this.transmissionClass !== 2) return;
        if (pdu.responseRequired === PromptResponse.NAK) this.sendNaks(0, this.scopeEnd(), true);
        else this.sendKeepAlive();
        return;
      case 'ack':
        if (pdu.ackedDirectiveCode === DirectiveCode.FINISHED && this.phase === 'awaitFinishedAck')
          this.end();
        return;
      default:
        return;
    }
  }

  /** Whether `eof` is the transaction's first EOF (NO_ERROR) while it is receiving. */
  private isFirstEof(eof: EofPdu): boolean {
    return (
      eof.conditionCode === ConditionCode.NO_ERROR &&
      this.eof === undefined &&
      this.phase === 'receiving'
    );
  }

  private ackEof(eof: EofPdu): void {
    this.host.sendPdu(this.remote, {
      kind: 'ack',
      header: this.header,
      ackedDirectiveCode: DirectiveCode.EOF,
      directiveSubtypeCode: 0,
      conditionCode: eof.conditionCode,
      transactionStatus:
        this.phase === 'done' ? TransactionStatus.TERMINATED : TransactionStatus.ACTIVE,
    });
  }

  private async onMetadata(pdu: MetadataPdu): Promise<void> {
    if (this.metadata !== undefined) return; // a repeat
    this.metadata = pdu;
    this.host.journal({ t: 'rxm', k: this.key, pdu: toHex(encodePdu(pdu)) });
    this.sourceFileName = pdu.sourceFileName;
    this.destinationFileName = pdu.destinationFileName;
    const size = typeof pdu.fileSize === 'bigint' ? Infinity : pdu.fileSize;
    if (size > this.host.local.maxFileSize) {
      await this.fault(ConditionCode.FILE_SIZE_ERROR);
      return;
    }
    this.fileSize = size;
    for (const o of pdu.options)
      if (o.kind === 'faultHandlerOverride')
        this.faultOverrides.set(o.conditionCode, o.handlerCode);
    if (isSupportedChecksumType(pdu.checksumType)) {
      this.checksum = new FileChecksum(pdu.checksumType);
      for (const [o, d] of this.early ?? []) this.checksum.update(o, d);
    }
    this.early = undefined;
    this.host.emit('metadataRecv', {
      transactionId: this.id,
      sourceEntityId: this.id.sourceEntityId,
      sourceFileName: pdu.sourceFileName,
      destinationFileName: pdu.destinationFileName,
      fileSize: size,
      messagesToUser: pdu.options.flatMap((o) => (o.kind === 'messageToUser' ? [o.message] : [])),
      options: pdu.options,
    });
    if (this.knownEnd > size) {
      await this.fault(ConditionCode.FILE_SIZE_ERROR);
      return;
    }
    await this.tryComplete();
  }

  private async onFileData(pdu: FileDataPdu): Promise<void> {
    if (this.phase !== 'receiving') return;
    const offset = typeof pdu.offset === 'bigint' ? Infinity : pdu.offset;
    const end = offset + pdu.data.length;
    const limit = this.fileSize ?? this.host.local.maxFileSize;
    if (end > limit) {
      await this.fault(ConditionCode.FILE_SIZE_ERROR);
      return;
    }
    if (pdu.data.length === 0) return;
    const before = this.received.maxEnd;
    const fresh = this.received.add(offset, end);
    if (fresh === 0) return; // a duplicate
    if (fresh < pdu.data.length) {
      // Partly new: write all of it (the overlap is identical data); the checksum must be recomputed.
      this.checksum =
        this.checksum === undefined ? undefined : new FileChecksum(this.checksum.type);
      this.forceReadback = true;
    } else if (this.checksum !== undefined) this.checksum.update(offset, pdu.data);
    else this.early?.push([offset, pdu.data.slice()]);
    if (this.early !== undefined && this.early.length > 64) {
      // Metadata is late: stop keeping copies and recompute from the file later.
      this.early = [];
      this.forceReadback = true;
    }
    const writing = this.write(offset, pdu.data);
    if (writing !== undefined) await writing;
    if (end > this.knownEnd) this.knownEnd = end;
    if (this.host.listening('fileSegmentRecv')) {
      const e: {
        transactionId: TransactionId;
        offset: number;
        length: number;
        recordContinuationState?: number;
        segmentMetadata?: Uint8Array;
      } = { transactionId: this.id, offset, length: pdu.data.length };
      if (pdu.recordContinuationState !== undefined)
        e.recordContinuationState = pdu.recordContinuationState;
      if (pdu.segmentMetadata !== undefined) e.segmentMetadata = pdu.segmentMetadata;
      this.host.emit('fileSegmentRecv', e);
    }
    this.reportProgress();
    if (this.transmissionClass === 2 && this.remote.nakMode === NakMode.IMMEDIATE) {
      // A NAK for the new gap only; a missing Metadata is asked for at most once per NAK timer.
      if (offset > before) this.sendNaks(before, offset, true);
      else if (this.metadata === undefined) this.sendNaks(0, 0, true);
    }
    if (this.eof !== undefined) await this.tryComplete();
  }

  private forceReadback = false;
  /** When the Metadata was last asked for by NAK. */
  private metadataAskedAt = -Infinity;
  /** Ranges known to be written to the temporary file (what the journal may claim). */
  private readonly durable = new RangeSet();
  private journaledCovered = 0;

  private async onEof(pdu: EofPdu): Promise<void> {
    if (pdu.conditionCode !== ConditionCode.NO_ERROR) {
      // The sender cancelled: notice of cancellation at this end, file discarded.
      this.host.emit('eofRecv', { transactionId: this.id });
      this.conditionCode = pdu.conditionCode;
      await this.discard();
      this.finish(
        pdu.conditionCode,
        FileStatus.DISCARDED_DELIBERATELY,
        DeliveryCode.DATA_INCOMPLETE,
        false,
      );
      return;
    }
    if (this.eof !== undefined || this.phase !== 'receiving') return; // repeat (already ACKed)
    const size = typeof pdu.fileSize === 'bigint' ? Infinity : pdu.fileSize;
    this.eof = pdu;
    this.host.journal({ t: 'rxe', k: this.key, pdu: toHex(encodePdu(pdu)) });
    if (this.transmissionClass === 2) this.ackEof(pdu);
    this.host.emit('eofRecv', { transactionId: this.id });
    if (this.knownEnd > size || (this.fileSize !== undefined && this.fileSize !== size)) {
      await this.fault(ConditionCode.FILE_SIZE_ERROR);
      return;
    }
    this.fileSize = size;
    this.knownEnd = size;
    // While suspended the EOF is only recorded (and acknowledged); Resume finishes or NAKs.
    if (this.state === 'suspended') return;
    await this.afterEof();
  }

  /** With the EOF in: finish if everything is here, else ask for what is missing. */
  private async afterEof(): Promise<void> {
    if (await this.tryComplete()) return;
    // In every NAK mode the EOF counts as a prompt (727.0-B-5 lost segment detection; 720.1-G-3 §2.6.3.1).
    if (this.transmissionClass === 2) this.sendNaks(0, this.fileSize ?? this.knownEnd, true);
    else this.startCheckTimer();
  }

  private startCheckTimer(): void {
    this.startTimer('check', this.remote.checkTimerMs, () => {
      void (async () => {
        if (await this.tryComplete()) return;
        this.checkCount++;
        if (this.checkCount >= this.remote.checkLimit)
          await this.fault(ConditionCode.CHECK_LIMIT_REACHED);
        else this.startCheckTimer();
      })();
    });
  }

  private scopeEnd(): number {
    return Math.max(this.knownEnd, this.received.maxEnd);
  }

  /** Sends NAKs for the gaps in [from, to) (and Metadata if missing), split to fit the PDU size. */
  private sendNaks(from: number, to: number, restartTimer = true): void {
    const now = this.host.clock.now();
    const askMetadata =
      this.metadata === undefined && now - this.metadataAskedAt >= this.remote.nakTimerMs;
    if (askMetadata) this.metadataAskedAt = now;
    const gaps: SegmentRequest[] = askMetadata ? [[0, 0]] : [];
    for (const g of this.received.gaps(from, to)) gaps.push(g);
    if (gaps.length === 0) return;
    const fss = fssLength(this.header);
    const room =
      this.remote.maxPduLength -
      headerLength(this.header.entityIdLength, this.header.transactionSeqNumLength) -
      (this.header.crcFlag ? 2 : 0) -
      1 -
      2 * fss;
    const perPdu = Math.max(1, Math.floor(room / (2 * fss)));
    for (let i = 0; i < gaps.length; i += perPdu) {
      const part = gaps.slice(i, i + perPdu);
      const last = i + perPdu >= gaps.length;
      const nak: NakPdu = {
        kind: 'nak',
        header: this.header,
        startOfScope: i === 0 ? from : (part[0]![0] as number),
        endOfScope: last ? to : (part[part.length - 1]![1] as number),
        segmentRequests: part,
      };
      this.host.sendPdu(this.remote, nak);
    }
    if (restartTimer) this.startNakTimer();
  }

  private startNakTimer(): void {
    this.startTimer('nak', this.remote.nakTimerMs, () => {
      void (async () => {
        if (this.phase !== 'receiving') return;
        if (await this.tryComplete()) return;
        this.nakCount++;
        if (this.nakCount >= this.remote.nakLimit) {
          await this.fault(ConditionCode.NAK_LIMIT_REACHED);
          return;
        }
        if (this.remote.nakMode !== NakMode.PROMPTED) this.sendNaks(0, this.scopeEnd(), false);
        this.startNakTimer();
      })();
    });
  }

  private async ensureFile(): Promise<FileHandle> {
    if (this.handle !== undefined) return this.handle;
    // One temporary file even when a timer's completion check and the PDU worker both get here.
    this.opening ??= (async () => {
      try {
        const path = await this.host.filestore.tempPath(
          `rx-${this.key.replace(/[^0-9a-z]/gi, '_')}`,
        );
        const h = await this.host.filestore.openWrite(path, { truncate: true });
        this.tempPath = path;
        this.handle = h;
        this.host.journal({ t: 'rxtmp', k: this.key, path });
        return h;
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  /**
   * Buffers a segment for the file; returns a promise only when the caller must wait (every
   * write buffer busy). The segment is in a buffer or a write under way when this returns, so a
   * {@link flush} from anywhere covers it.
   */
  private write(offset: number, data: Uint8Array): Promise<void> | undefined {
    if (this.writeError !== undefined) return Promise.reject(this.takeWriteError());
    // Coalesce contiguous segments into one buffered write.
    if (
      this.wlen > 0 &&
      offset === this.wstart + this.wlen &&
      this.wlen + data.length <= WRITE_BUFFER
    ) {
      this.wbuf!.set(data, this.wlen);
      this.wlen += data.length;
      return undefined;
    }
    this.startWrite();
    if (data.length >= WRITE_BUFFER) {
      // Too large to buffer: written from the PDU itself (received data is never reused).
      this.issue(offset, data, undefined);
    } else {
      this.wbuf = this.spareBuffers.pop() ?? new Uint8Array(WRITE_BUFFER);
      this.wbuf.set(data, 0);
      this.wstart = offset;
      this.wlen = data.length;
    }
    return this.writing.size > WRITES_IN_FLIGHT ? this.waitForWrites(WRITES_IN_FLIGHT) : undefined;
  }

  private takeWriteError(): unknown {
    const e = this.writeError;
    this.writeError = undefined;
    return e;
  }

  /** Hands the filling buffer to the filestore (without waiting for the write). */
  private startWrite(): void {
    if (this.wlen === 0) return;
    const buf = this.wbuf!;
    const n = this.wlen;
    this.wbuf = undefined;
    this.wlen = 0;
    this.issue(this.wstart, buf.subarray(0, n), buf);
  }

  /** Starts one write; `buf` (the write buffer holding `bytes`) is free again once it is done. */
  private issue(start: number, bytes: Uint8Array, buf: Uint8Array | undefined): void {
    const job: Promise<void> = this.writeNow(start, bytes).finally(() => {
      this.writing.delete(job);
      if (buf !== undefined && this.spareBuffers.length < WRITES_IN_FLIGHT)
        this.spareBuffers.push(buf);
    });
    this.writing.add(job);
  }

  private async writeNow(start: number, bytes: Uint8Array): Promise<void> {
    try {
      const f = await this.ensureFile();
      await f.write(start, bytes);
      this.written(start, start + bytes.length);
    } catch (e) {
      this.writeError ??= e;
    }
  }

  /** Waits until at most `n` writes are under way. */
  private async waitForWrites(n: number): Promise<void> {
    while (this.writing.size > n) await Promise.race(this.writing);
  }

  /** Writes whatever is buffered and waits for every write; throws a write's failure. */
  private async flush(): Promise<void> {
    this.startWrite();
    await this.waitForWrites(0);
    if (this.writeError !== undefined) throw this.takeWriteError();
  }

  /** Data now in the file: journal the durable ranges every JOURNAL_EVERY new octets. */
  private written(start: number, end: number): void {
    this.unsynced += end - start;
    const h = this.handle;
    if (this.unsynced >= SYNC_EVERY && !this.syncing && h !== undefined) {
      // A failure here shows again in the sync before delivery.
      this.unsynced = 0;
      this.syncing = true;
      h.sync().then(
        () => (this.syncing = false),
        () => (this.syncing = false),
      );
    }
    this.durable.add(start, end);
    if (this.durable.covered - this.journaledCovered >= JOURNAL_EVERY) this.journalRanges();
  }

  private journalRanges(): void {
    this.journaledCovered = this.durable.covered;
    this.host.journal({ t: 'rxr', k: this.key, ranges: this.durable.toArray() });
  }

  /**
   * Restores a receiving transaction after a restart from its journaled state: the temporary
   * file is reopened, the ranges known to be in it are taken as received (the checksum is then
   * recomputed from the file), and with a known EOF the missing data is asked for at once.
   */
  async restore(r: RecoveredReceiver): Promise<void> {
    if (r.metadata !== undefined) {
      const m = decodePdu(fromHex(r.metadata));
      if (m.kind === 'metadata') {
        this.metadata = m;
        this.sourceFileName = m.sourceFileName;
        this.destinationFileName = m.destinationFileName;
        this.fileSize = typeof m.fileSize === 'bigint' ? Infinity : m.fileSize;
        for (const o of m.options)
          if (o.kind === 'faultHandlerOverride')
            this.faultOverrides.set(o.conditionCode, o.handlerCode);
      }
    }
    if (r.eof !== undefined) {
      const e = decodePdu(fromHex(r.eof));
      if (e.kind === 'eof') {
        this.eof = e;
        this.fileSize = typeof e.fileSize === 'bigint' ? Infinity : e.fileSize;
      }
    }
    if (r.tempPath !== undefined) {
      if (await this.deliveredBeforeRestart(r.tempPath)) {
        // The crash came after the file was delivered (renamed) and before the transaction's
        // end was journaled: the file is there and verified; only the Finished is left to do.
        this.received.add(0, this.fileSize!);
        this.responses = [];
        this.finish(ConditionCode.NO_ERROR, FileStatus.RETAINED, DeliveryCode.DATA_COMPLETE, true);
        return;
      }
      this.tempPath = r.tempPath;
      this.handle = await this.host.filestore.openWrite(r.tempPath, { truncate: false });
      for (const [a, b] of r.ranges) {
        this.received.add(a, b);
        this.durable.add(a, b);
      }
      this.journaledCovered = this.durable.covered;
      this.knownEnd = this.received.maxEnd;
    }
    if (this.eof !== undefined) this.knownEnd = Math.max(this.knownEnd, this.fileSize!);
    this.forceReadback = true;
    this.early = undefined;
    if (await this.tryComplete()) return;
    if (this.eof !== undefined) {
      if (this.transmissionClass === 2) this.sendNaks(0, this.fileSize ?? this.knownEnd);
      else this.startCheckTimer();
    }
  }

  /**
   * After a restart: true when the temporary file is gone and the destination file holds
   * exactly what the EOF announced (size and checksum), i.e. it was delivered before the crash.
   */
  private async deliveredBeforeRestart(tempPath: string): Promise<boolean> {
    const meta = this.metadata;
    const eof = this.eof;
    if (meta === undefined || eof === undefined || meta.destinationFileName === '') return false;
    const fs = this.host.filestore;
    if ((await fs.stat(tempPath)) !== undefined) return false;
    const size = this.fileSize;
    const st = await fs.stat(meta.destinationFileName);
    if (size === undefined || st === undefined || st.isDirectory || st.size !== size) return false;
    if (!isSupportedChecksumType(meta.checksumType)) return false;
    const c = new FileChecksum(meta.checksumType);
    const h = await fs.openRead(meta.destinationFileName);
    try {
      for (let o = 0; o < size; o += READBACK_CHUNK) {
        c.update(o, await h.read(o, Math.min(READBACK_CHUNK, size - o)));
      }
    } finally {
      await h.close();
    }
    return c.digest() === eof.fileChecksum >>> 0;
  }

  /** Finishes the transaction when Metadata, EOF and every octet are in. */
  private async tryComplete(): Promise<boolean> {
    if (this.completing || this.phase !== 'receiving') return this.phase !== 'receiving';
    if (this.metadata === undefined || this.eof === undefined || this.fileSize === undefined)
      return false;
    if (!this.received.contains(0, this.fileSize)) return false;
    this.completing = true;
    try {
      this.stopTimer('nak');
      this.stopTimer('check');
      await this.flush();
      const meta = this.metadata;
      const type = meta.checksumType;
      if (!isSupportedChecksumType(type)) {
        await this.completeWith(ConditionCode.UNSUPPORTED_CHECKSUM_TYPE);
        return true;
      }
      let value: number;
      if (
        !this.forceReadback &&
        this.checksum !== undefined &&
        this.checksum.complete(this.fileSize)
      )
        value = this.checksum.digest();
      else value = await this.readbackChecksum(type);
      if (value !== this.eof.fileChecksum >>> 0) {
        await this.completeWith(ConditionCode.FILE_CHECKSUM_FAILURE);
        return true;
      }
      await this.completeWith(ConditionCode.NO_ERROR);
      return true;
    } finally {
      this.completing = false;
    }
  }

  private async readbackChecksum(type: number): Promise<number> {
    const c = new FileChecksum(type);
    const size = this.fileSize ?? 0;
    if (size === 0) return c.digest();
    const f = await this.ensureFile();
    for (let o = 0; o < size; o += READBACK_CHUNK) {
      const d = await f.read(o, Math.min(READBACK_CHUNK, size - o));
      c.update(o, d);
    }
    return c.digest();
  }

  /** Delivers (or, for a checksum fault not ignored, discards) the file and sends Finished. */
  private async completeWith(conditionCode: number): Promise<void> {
    if (conditionCode !== ConditionCode.NO_ERROR) {
      const handler = this.faultHandler(conditionCode);
      if (handler !== 3) {
        await this.fault(conditionCode);
        return;
      }
      this.host.emit('fault', { transactionId: this.id, conditionCode, progress: this.progress });
    }
    const meta = this.metadata!;
    // The file: rename the temporary file to its destination (an empty one for an empty file).
    let status: number = FileStatus.RETAINED;
    let cc = ConditionCode.NO_ERROR as number;
    if (meta.destinationFileName !== '' || meta.sourceFileName !== '') {
      try {
        await this.ensureFile();
        await this.handle!.sync();
        await this.handle!.close();
        this.handle = undefined;
        await this.host.filestore.rename(this.tempPath!, meta.destinationFileName);
        this.tempPath = undefined;
      } catch (e) {
        status = FileStatus.DISCARDED_FILESTORE_REJECTION;
        cc = ConditionCode.FILESTORE_REJECTION;
        if (!(e instanceof CcsdsError))
          this.host.emit('pduError', { error: e as Error, from: 'filestore' });
        await this.discard();
      }
    }
    // Filestore requests, in order; after a failure the rest are not performed.
    const responses: FilestoreResponseTlv[] = [];
    let failed = cc !== ConditionCode.NO_ERROR;
    for (const o of meta.options) {
      if (o.kind !== 'filestoreRequest') continue;
      if (failed) {
        responses.push({
          kind: 'filestoreResponse',
          actionCode: o.actionCode,
          statusCode: 15,
          firstFileName: o.firstFileName,
          secondFileName: o.secondFileName,
          filestoreMessage: '',
        });
        continue;
      }
      const r = await this.executeFilestoreRequest(
        o.actionCode,
        o.firstFileName,
        o.secondFileName ?? undefined,
      );
      responses.push({
        kind: 'filestoreResponse',
        actionCode: o.actionCode,
        statusCode: r.status,
        firstFileName: o.firstFileName,
        secondFileName: o.secondFileName,
        filestoreMessage: r.message,
      });
      if (r.status !== 0) {
        failed = true;
        cc = ConditionCode.FILESTORE_REJECTION;
      }
    }
    this.responses = responses;
    this.finish(
      cc === ConditionCode.NO_ERROR ? conditionCode : cc,
      status,
      DeliveryCode.DATA_COMPLETE,
      true,
    );
  }

  private async executeFilestoreRequest(
    action: number,
    first: string,
    second?: string,
  ): Promise<{ status: number; message: string }> {
    // Destructive actions need the remote's permission ("filestore" for all, or "filestore:<action>").
    const exists =
      action === FilestoreAction.CREATE_FILE
        ? (await this.host.filestore.stat(first)) !== undefined
        : false;
    const allowed =
      (action === FilestoreAction.CREATE_FILE && !exists) ||
      action === FilestoreAction.CREATE_DIRECTORY ||
      isFilestoreActionAllowed(this.remote.allowedOperations, action);
    if (!allowed)
      return { status: NOT_ALLOWED_STATUS[action] ?? 15, message: 'not allowed by policy' };
    try {
      const r = await this.host.filestore.execute(action as FilestoreAction, first, second);
      return { status: r.status, message: r.message };
    } catch (e) {
      return { status: 15, message: e instanceof Error ? e.message.slice(0, 200) : 'failed' };
    }
  }

  async cancel(conditionCode: number): Promise<void> {
    if (this.phase !== 'receiving') return;
    if (this.state === 'suspended') this.state = 'active';
    this.conditionCode = conditionCode;
    await this.discard();
    this.finish(
      conditionCode,
      FileStatus.DISCARDED_DELIBERATELY,
      this.complete() ? DeliveryCode.DATA_COMPLETE : DeliveryCode.DATA_INCOMPLETE,
      this.transmissionClass === 2 || this.metadata?.closureRequested === true,
    );
  }

  private complete(): boolean {
    return this.fileSize !== undefined && this.received.contains(0, this.fileSize);
  }

  private async discard(): Promise<void> {
    this.wlen = 0;
    this.wbuf = undefined;
    await this.waitForWrites(0);
    this.writeError = undefined;
    this.spareBuffers = [];
    const h = this.handle;
    this.handle = undefined;
    if (h !== undefined) await h.close().catch(() => undefined);
    if (this.tempPath !== undefined) {
      const p = this.tempPath;
      this.tempPath = undefined;
      await this.host.filestore.remove(p).catch(() => undefined);
    }
  }

  /** Sends Finished when required and ends or waits for its ACK. */
  private finish(
    conditionCode: number,
    fileStatus: number,
    deliveryCode: number,
    sendFinished: boolean,
  ): void {
    if (this.phase !== 'receiving') return;
    this.conditionCode = conditionCode;
    this.fileStatus = fileStatus;
    this.deliveryCode = deliveryCode;
    this.stopAllTimers();
    const closure = this.transmissionClass === 2 || this.metadata?.closureRequested === true;
    if (sendFinished && closure) {
      this.finishedPdu = {
        kind: 'finished',
        header: this.header,
        conditionCode,
        deliveryCode: deliveryCode as 0,
        fileStatus: fileStatus as 0,
        filestoreResponses: this.responses,
      };
      if (conditionCode !== ConditionCode.NO_ERROR)
        this.finishedPdu.faultLocation = entityIdTlv(
          this.host.local.entityId,
          this.header.entityIdLength,
        );
      this.host.sendPdu(this.remote, this.finishedPdu);
      if (this.transmissionClass === 2) {
        this.phase = 'awaitFinishedAck';
        this.ackCount = 0;
        this.startFinishedAckTimer();
        return;
      }
    }
    this.end();
  }

  private startFinishedAckTimer(): void {
    this.startTimer('ack', this.remote.ackTimerMs, () => {
      if (this.phase !== 'awaitFinishedAck' || this.finishedPdu === undefined) return;
      this.ackCount++;
      if (this.ackCount >= this.remote.ackLimit) {
        // No ACK of Finished: the positive ACK limit fault; the transaction cannot be cancelled
        // again, so its handler decides between ignoring (ending) and abandoning.
        const h = this.faultHandler(ConditionCode.POSITIVE_ACK_LIMIT_REACHED);
        if (h === 3) {
          this.host.emit('fault', {
            transactionId: this.id,
            conditionCode: ConditionCode.POSITIVE_ACK_LIMIT_REACHED,
            progress: this.progress,
          });
          this.end();
        } else this.abandon(ConditionCode.POSITIVE_ACK_LIMIT_REACHED);
        return;
      }
      this.host.sendPdu(this.remote, this.finishedPdu);
      this.startFinishedAckTimer();
    });
  }

  /** A repeated EOF after Finished was sent: re-send Finished. */
  resendFinished(): void {
    if (this.finishedPdu !== undefined) this.host.sendPdu(this.remote, this.finishedPdu);
  }

  private end(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.state = 'finished';
    this.stopAllTimers();
    this.host.emit('transactionFinished', {
      transactionId: this.id,
      role: 'receiver',
      conditionCode: this.conditionCode,
      fileStatus: this.fileStatus,
      deliveryCode: this.deliveryCode,
      filestoreResponses: this.responses,
      report: this.statusReport(),
    });
    void this.release().finally(() => this.host.closed(this));
  }

  protected onResume(): void {
    // A full inactivity period from the resumption, as for any restarted timer.
    if (this.timerRunning('inactivity')) {
      this.lastActivity = this.host.clock.now();
      this.armInactivity(this.remote.inactivityTimerMs);
    }
    if (this.eof !== undefined && this.phase === 'receiving') void this.afterEof();
  }

  protected async closeFiles(): Promise<void> {
    await this.flush().catch(() => undefined);
    const h = this.handle;
    this.handle = undefined;
    if (h !== undefined) await h.close().catch(() => undefined);
  }

  protected async release(): Promise<void> {
    await this.discard();
  }
}
