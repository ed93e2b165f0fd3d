/**
 * The sending side of a transaction (CCSDS 727.0-B-5 §4.6): Metadata, File Data segments read
 * from the filestore in bounded chunks, EOF with the checksum computed while reading; in Class 2
 * the positive acknowledgement procedure for EOF (ACK timer and limit), retransmission of what
 * NAKs ask for, Prompt PDUs in prompted NAK mode, Keep Alive checking, and the ACK of Finished.
 */
import { ByteWriter, crc16Ccitt } from '../core/index.js';
import type { FileHandle } from '../filestore/index.js';
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
import { FileChecksum } from './checksum.js';
import { coarsenRanges } from './ranges.js';
import type { RecoveredSender } from './journal.js';
import { type PduHeader, fssLength, writePduHeader } from './header.js';
import type { PutRequest, TransactionId } from './indications.js';
import type { RemoteEntityConfig } from './mib.js';
import { NakMode } from './mib.js';
import type { EofPdu, FinishedPdu, MetadataPdu, Pdu } from './pdu.js';
import { type Tlv, entityIdTlv } from './tlv.js';
import { Transaction, type TransactionHost } from './transaction.js';

/** Most ranges a sender keeps waiting for retransmission (see `coarsenRanges`). */
export const MAX_RETRANSMIT_RANGES = 4096;
/**
 * Original data is read in chunks of this size, the next chunk while the current one is sent
 * (so at most two chunks, plus one for retransmissions, are held).
 */
const READ_CHUNK = 256 * 1024;
/** Sending progress is journaled every this many octets of original data. */
const JOURNAL_EVERY = 1 << 20;

/** File Data PDUs up to this length are cut from a shared slab (see {@link FileDataEncoder}). */
const SLAB_PDU_MAX = 16 * 1024;
/** Size of a slab File Data PDUs are cut from. */
const SLAB_SIZE = 256 * 1024;

/**
 * Where small File Data PDUs are cut from: one slab of 256 KiB at a time, shared by every
 * transaction of the process (a slab per transaction held 256 KiB for each of a thousand small
 * transfers). No part of a slab is handed out twice; a slab is freed once no PDU cut from it is
 * referenced.
 */
const slab = { bytes: new Uint8Array(0), used: 0 };

/** A new PDU buffer of `n` octets: its own allocation when large, else cut from the slab. */
function allocatePdu(n: number): Uint8Array {
  if (n > SLAB_PDU_MAX) return new Uint8Array(n);
  if (slab.used + n > slab.bytes.length) {
    slab.bytes = new Uint8Array(SLAB_SIZE);
    slab.used = 0;
  }
  const out = slab.bytes.subarray(slab.used, slab.used + n);
  slab.used += n;
  return out;
}

/**
 * Encodes File Data PDUs from a header template without going through the generic encoder.
 * Small PDUs are cut from a shared slab rather than allocated one by one (an allocation of its
 * own per PDU cost more than encoding it).
 */
export class FileDataEncoder {
  private readonly template: Uint8Array;
  private readonly fss: number;
  private readonly crc: boolean;

  constructor(header: PduHeader) {
    const w = new ByteWriter(40);
    writePduHeader(w, {
      ...header,
      pduType: PduType.FILE_DATA,
      segmentMetadataFlag: false,
      direction: Direction.TOWARD_RECEIVER,
    });
    this.template = w.finish();
    this.fss = fssLength(header);
    this.crc = header.crcFlag;
  }

  /** One File Data PDU carrying `data` at file offset `offset`. */
  encode(offset: number, data: Uint8Array): Uint8Array {
    const hl = this.template.length;
    const dataField = this.fss + data.length + (this.crc ? 2 : 0);
    const out = allocatePdu(hl + dataField);
    out.set(this.template);
    out[1] = dataField >>> 8;
    out[2] = dataField & 0xff;
    let p = hl;
    if (this.fss === 8) {
      const hi = Math.floor(offset / 4294967296);
      out[p++] = (hi >>> 24) & 0xff;
      out[p++] = (hi >>> 16) & 0xff;
      out[p++] = (hi >>> 8) & 0xff;
      out[p++] = hi & 0xff;
    }
    const lo = offset >>> 0;
    out[p++] = lo >>> 24;
    out[p++] = (lo >>> 16) & 0xff;
    out[p++] = (lo >>> 8) & 0xff;
    out[p++] = lo & 0xff;
    out.set(data, p);
    if (this.crc) {
      const c = crc16Ccitt(out, 0xffff, 0, out.length - 2);
      out[out.length - 2] = c >>> 8;
      out[out.length - 1] = c & 0xff;
    }
    return out;
  }
}

type SenderPhase = 'data' | 'awaitEofAck' | 'awaitFinished' | 'cancelling' | 'done';

/** A transaction this entity sends. */
export class SendTransaction extends Transaction {
  readonly role = 'sender' as const;
  private handle: FileHandle | undefined;
  private checksum: FileChecksum;
  /** Original data journaled as sent, up to here. */
  private journaledOffset = 0;
  private readonly checksumType: number;
  private readonly segmentLength: number;
  private readonly closureRequested: boolean;
  private readonly request: PutRequest;
  private readonly fd: FileDataEncoder;
  private nextOffset = 0;
  private sentOctets = 0;
  /** Ranges asked for again by NAKs, served before new data. */
  private retransmit: [number, number][] = [];
  private resendMetadata = false;
  /**
   * The buffer of the last chunk of original data sent, reused for the next read (a fresh
   * 256 KiB buffer per chunk cost page faults and garbage collection).
   */
  private spareChunk: Uint8Array | undefined;
  /** The chunk of original data being sent. */
  private cache: { offset: number; data: Uint8Array } | undefined;
  /** The read of the chunk after it, under way. */
  private ahead: { offset: number; data: Promise<Uint8Array> } | undefined;
  /** The chunk last read for retransmissions. */
  private recache: { offset: number; data: Uint8Array } | undefined;
  private phase: SenderPhase = 'data';
  private eofPdu: EofPdu | undefined;
  private ackCount = 0;
  private metadataPdu: MetadataPdu | undefined;
  /** Octets sent again for NAKs (Metadata counted as one segment), against the MIB's bound. */
  private retransmitted = 0;

  constructor(
    host: TransactionHost,
    remote: RemoteEntityConfig,
    id: TransactionId,
    header: PduHeader,
    request: PutRequest,
    fileSize: number,
  ) {
    super(host, remote, id, header, request.transmissionClass ?? remote.defaultClass);
    this.request = request;
    this.fileSize = fileSize;
    this.sourceFileName = request.sourceFileName ?? '';
    this.destinationFileName = request.destinationFileName ?? this.sourceFileName;
    // 727.0-B-3 peers know only the modular checksum.
    this.checksumType = header.version === 0 ? 0 : (request.checksumType ?? remote.checksumType);
    this.checksum = new FileChecksum(this.checksumType);
    this.segmentLength = Math.max(1, request.segmentLength ?? remote.maxFileSegmentLength);
    this.closureRequested =
      this.transmissionClass === 2 || (request.closureRequested ?? remote.closureRequested);
    for (const o of request.faultHandlerOverrides ?? [])
      this.faultOverrides.set(o.conditionCode, o.handlerCode);
    this.fd = new FileDataEncoder(header);
  }

  get progress(): number {
    return this.sentOctets;
  }

  /** Opens the file and sends the Metadata PDU. */
  async start(): Promise<void> {
    await this.prepare();
    this.host.sendPdu(this.remote, this.metadataPdu!);
    this.host.wakeSender();
  }

  /**
   * Resumes after a restart from journaled state: the file is reopened, original data continues
   * from the last journaled offset (with the checksum as it was there), the Metadata is sent again
   * (a receiver ignores repeats) and, if the EOF had been sent, it is sent again.
   */
  async resumeFrom(r: RecoveredSender): Promise<void> {
    await this.prepare();
    if (r.checksum !== undefined && r.next <= (this.fileSize ?? 0)) {
      this.checksum = FileChecksum.restore(r.checksum);
      this.nextOffset = r.next;
      this.sentOctets = r.next;
      this.journaledOffset = r.next;
    }
    this.host.sendPdu(this.remote, this.metadataPdu!);
    if (r.eofSent && this.nextOffset >= (this.fileSize ?? 0)) this.sendEof(ConditionCode.NO_ERROR);
    this.host.wakeSender();
  }

  private async prepare(): Promise<void> {
    if (this.sourceFileName !== '')
      this.handle = await this.host.filestore.openRead(this.sourceFileName);
    const options: Tlv[] = [];
    for (const f of this.request.filestoreRequests ?? []) {
      options.push({
        kind: 'filestoreRequest',
        actionCode: f.actionCode,
        firstFileName: f.firstFileName,
        secondFileName: f.secondFileName ?? '',
      });
    }
    for (const m of this.request.messagesToUser ?? [])
      options.push({ kind: 'messageToUser', message: m });
    for (const o of this.request.faultHandlerOverrides ?? [])
      options.push({
        kind: 'faultHandlerOverride',
        conditionCode: o.conditionCode,
        handlerCode: o.handlerCode,
      });
    if (this.request.flowLabel !== undefined)
      options.push({ kind: 'flowLabel', flowLabel: this.request.flowLabel });
    this.metadataPdu = {
      kind: 'metadata',
      header: this.directiveHeader(Direction.TOWARD_RECEIVER),
      closureRequested: this.transmissionClass === 1 && this.closureRequested,
      checksumType: this.checksumType,
      fileSize: this.fileSize ?? 0,
      sourceFileName: this.sourceFileName,
      destinationFileName: this.destinationFileName,
      options,
    };
  }

  private directiveHeader(direction: 0 | 1): PduHeader {
    return {
      ...this.header,
      pduType: PduType.FILE_DIRECTIVE,
      direction,
      segmentMetadataFlag: false,
    };
  }

  /** True when the scheduler should call {@link nextFileData}. */
  hasFileData(): boolean {
    if (this.state !== 'active') return false;
    if (this.resendMetadata || this.retransmit.length > 0) return true;
    return this.phase === 'data';
  }

  /**
   * The next File Data PDU to send (retransmissions first), or undefined when there is none; at
   * the end of the original data it sends the EOF instead. A promise only when it must wait for
   * the filestore (a chunk not read yet), so that the scheduler's fast path stays synchronous.
   */
  nextFileData(): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    if (this.state !== 'active') return undefined;
    if (this.resendMetadata && this.metadataPdu !== undefined) {
      this.resendMetadata = false;
      if (this.overRetransmissionBound(this.segmentLength)) return undefined;
      this.host.sendPdu(this.remote, this.metadataPdu);
    }
    if (this.retransmit.length > 0) return this.nextRetransmission();
    if (this.phase !== 'data') return undefined;
    const size = this.fileSize ?? 0;
    if (this.nextOffset >= size) {
      this.sendEof(ConditionCode.NO_ERROR);
      return undefined;
    }
    const off = this.nextOffset;
    const want = Math.min(this.segmentLength, size - off);
    const c = this.cache;
    if (c !== undefined && off >= c.offset && off + want <= c.offset + c.data.length) {
      return this.originalData(off, c.data.subarray(off - c.offset, off - c.offset + want));
    }
    return this.readOriginal(off, want).then((data) => this.originalData(off, data));
  }

  private async nextRetransmission(): Promise<Uint8Array | undefined> {
    const re = this.retransmit[0]!;
    const start = re[0];
    const end = Math.min(re[1], start + this.segmentLength);
    if (this.overRetransmissionBound(end - start)) return undefined;
    // Read what the range asks for (up to a chunk), not a whole chunk per lost segment.
    const data = await this.read(start, end - start, Math.min(READ_CHUNK, re[1] - start));
    // A NAK handled during the read may have merged the list: consume from its head only if
    // the head still starts where this segment did.
    const head = this.retransmit[0];
    if (head !== undefined && head[0] === start) {
      if (end >= head[1]) this.retransmit.shift();
      else head[0] = end;
    }
    if (data.length === 0) return undefined;
    return this.fd.encode(end - data.length, data);
  }

  /**
   * Counts `n` octets about to be sent again; past the remote's `maxRetransmissionFactor` times
   * the file size the transaction faults with NAK limit reached and nothing more is sent.
   */
  private overRetransmissionBound(n: number): boolean {
    const factor = this.remote.maxRetransmissionFactor;
    if (factor <= 0) return false;
    this.retransmitted += n;
    const budget = factor * Math.max(this.fileSize ?? 0, this.segmentLength);
    if (this.retransmitted <= budget) return false;
    this.retransmit = [];
    void this.fault(ConditionCode.NAK_LIMIT_REACHED);
    return true;
  }

  /** Original data at `off` read: checksum, progress, and the PDU. */
  private originalData(
    off: number,
    data: Uint8Array,
  ): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    if (data.length === 0) {
      // The file shrank under us.
      return this.fault(ConditionCode.FILE_SIZE_ERROR).then(() => undefined);
    }
    this.checksum.update(off, data);
    this.nextOffset = off + data.length;
    this.sentOctets = this.nextOffset;
    if (this.nextOffset - this.journaledOffset >= JOURNAL_EVERY) this.journalProgress();
    this.reportProgress();
    return this.fd.encode(off, data);
  }

  /**
   * Original data from `off` (at most `length` octets) when the current chunk does not hold it:
   * the chunk read ahead becomes the current one (or `off` is read now), and the read of the
   * following chunk starts.
   */
  private async readOriginal(off: number, length: number): Promise<Uint8Array> {
    const a = this.ahead;
    this.ahead = undefined;
    const data =
      a !== undefined && a.offset === off ? await a.data : await this.readChunk(off, length);
    const next = off + data.length;
    // Nothing is kept once the file is released (the transaction ended during the read).
    if (this.handle === undefined) return data.subarray(0, Math.min(length, data.length));
    // The chunk left behind was only copied from (into PDUs): its buffer takes the next read.
    const old = this.cache;
    if (old !== undefined && old.data.byteLength === old.data.buffer.byteLength)
      this.spareChunk = old.data;
    this.cache = { offset: off, data };
    if (data.length > 0 && next < (this.fileSize ?? 0)) {
      const p = this.readChunk(next, 1);
      // A failure surfaces when the chunk is used; a chunk never used is not an error.
      p.catch(() => undefined);
      this.ahead = { offset: next, data: p };
    }
    return data.subarray(0, Math.min(length, data.length));
  }

  /** Reads a chunk from `offset`: READ_CHUNK octets (less at the end of the file), or `length`. */
  private readChunk(offset: number, length: number): Promise<Uint8Array> {
    if (this.handle === undefined || length <= 0) return Promise.resolve(new Uint8Array(0));
    // Whole segments per chunk, so that in-order segments never straddle two chunks.
    const chunk = Math.max(this.segmentLength, READ_CHUNK - (READ_CHUNK % this.segmentLength));
    const want = Math.max(length, Math.min(chunk, (this.fileSize ?? 0) - offset));
    const spare = this.spareChunk;
    this.spareChunk = undefined;
    if (spare !== undefined && spare.length >= want) {
      return this.handle.read(offset, want, new Uint8Array(spare.buffer));
    }
    return this.handle.read(offset, want);
  }

  /**
   * Data for a retransmission (from the current chunk when it holds it); otherwise `ahead`
   * octets from `offset` are read and kept for the next retransmissions.
   */
  private async read(offset: number, length: number, ahead = length): Promise<Uint8Array> {
    if (this.handle === undefined || length <= 0) return new Uint8Array(0);
    for (const c of [this.cache, this.recache]) {
      if (c !== undefined && offset >= c.offset && offset + length <= c.offset + c.data.length)
        return c.data.subarray(offset - c.offset, offset - c.offset + length);
    }
    const data = await this.handle.read(offset, Math.max(length, ahead));
    if (this.handle !== undefined) this.recache = { offset, data };
    return data.subarray(0, Math.min(length, data.length));
  }

  private journalProgress(): void {
    this.journaledOffset = this.nextOffset;
    this.host.journal({
      t: 'txp',
      k: this.key,
      next: this.nextOffset,
      checksum: this.checksum.state(),
    });
  }

  private sendEof(conditionCode: number): void {
    if (conditionCode === ConditionCode.NO_ERROR) {
      this.journalProgress();
      this.host.journal({ t: 'txeof', k: this.key });
    }
    this.eofPdu = {
      kind: 'eof',
      header: this.directiveHeader(Direction.TOWARD_RECEIVER),
      conditionCode,
      fileChecksum:
        conditionCode === ConditionCode.NO_ERROR ? this.checksum.digest() : this.checksum.digest(),
      fileSize: conditionCode === ConditionCode.NO_ERROR ? (this.fileSize ?? 0) : this.sentOctets,
    };
    if (conditionCode !== ConditionCode.NO_ERROR) {
      this.eofPdu.faultLocation = entityIdTlv(this.host.local.entityId, this.header.entityIdLength);
    }
    this.host.sendPdu(this.remote, this.eofPdu);
    this.reportProgress(true);
    if (conditionCode === ConditionCode.NO_ERROR)
      this.host.emit('eofSent', { transactionId: this.id });
    if (this.transmissionClass === 1) {
      if (conditionCode !== ConditionCode.NO_ERROR) {
        this.finish(conditionCode, FileStatus.UNREPORTED, DeliveryCode.DATA_INCOMPLETE, []);
      } else if (!this.closureRequested) {
        this.finish(ConditionCode.NO_ERROR, FileStatus.UNREPORTED, DeliveryCode.DATA_COMPLETE, []);
      } else {
        this.phase = 'awaitFinished';
        this.startTimer(
          'inactivity',
          this.remote.inactivityTimerMs,
          () => void this.fault(ConditionCode.INACTIVITY_DETECTED),
        );
      }
      return;
    }
    this.phase = conditionCode === ConditionCode.NO_ERROR ? 'awaitEofAck' : 'cancelling';
    this.ackCount = 0;
    this.startAckTimer();
    this.startTimer(
      'inactivity',
      this.remote.inactivityTimerMs,
      () => void this.fault(ConditionCode.INACTIVITY_DETECTED),
    );
    if (this.remote.nakMode === NakMode.PROMPTED && conditionCode === ConditionCode.NO_ERROR)
      this.startPrompts();
  }

  private startAckTimer(): void {
    this.startTimer('ack', this.remote.ackTimerMs, () => {
      if (
        this.eofPdu === undefined ||
        (this.phase !== 'awaitEofAck' && this.phase !== 'cancelling')
      )
        return;
      this.ackCount++;
      if (this.ackCount >= this.remote.ackLimit) {
        if (this.phase === 'cancelling') this.abandon(this.conditionCode);
        else void this.fault(ConditionCode.POSITIVE_ACK_LIMIT_REACHED);
        return;
      }
      this.host.sendPdu(this.remote, this.eofPdu);
      this.startAckTimer();
    });
  }

  private startPrompts(): void {
    this.startTimer('prompt', this.remote.promptIntervalMs, () => {
      if (this.phase === 'done' || this.phase === 'cancelling') return;
      this.host.sendPdu(this.remote, {
        kind: 'prompt',
        header: this.directiveHeader(Direction.TOWARD_RECEIVER),
        responseRequired: PromptResponse.NAK,
      });
      this.startPrompts();
    });
  }

  async handlePdu(pdu: Pdu): Promise<void> {
    if (this.state === 'finished' || this.state === 'abandoned') return;
    if (this.timerRunning('inactivity')) {
      this.startTimer(
        'inactivity',
        this.remote.inactivityTimerMs,
        () => void this.fault(ConditionCode.INACTIVITY_DETECTED),
      );
    }
    switch (pdu.kind) {
      case 'ack':
        if (pdu.ackedDirectiveCode !== DirectiveCode.EOF) return;
        if (this.phase === 'awaitEofAck') {
          this.stopTimer('ack');
          this.phase = 'awaitFinished';
        } else if (this.phase === 'cancelling') {
          this.finish(this.conditionCode, FileStatus.UNREPORTED, DeliveryCode.DATA_INCOMPLETE, []);
        }
        return;
      case 'nak':
        if (this.transmissionClass !== 2 || this.phase === 'cancelling' || this.state !== 'active')
          return;
        this.onNak(pdu.segmentRequests);
        return;
      case 'finished': {
        if (this.transmissionClass === 2) this.ackFinished(pdu);
        const status = pdu.fileStatus;
        this.finish(pdu.conditionCode, status, pdu.deliveryCode, pdu.filestoreResponses);
        return;
      }
      case 'keepAlive': {
        const limit = this.remote.keepAliveDiscrepancyLimit;
        const p = typeof pdu.progress === 'bigint' ? Number.MAX_SAFE_INTEGER : pdu.progress;
        if (limit > 0 && this.sentOctets - p > limit)
          await this.fault(ConditionCode.KEEP_ALIVE_LIMIT_REACHED);
        return;
      }
      default:
        return;
    }
  }

  /** Sends ACK(Finished) for a Finished PDU (also for repeats after the transaction ended). */
  ackFinished(pdu: FinishedPdu): void {
    this.host.sendPdu(this.remote, {
      kind: 'ack',
      header: this.directiveHeader(Direction.TOWARD_RECEIVER),
      ackedDirectiveCode: DirectiveCode.FINISHED,
      directiveSubtypeCode: 1,
      conditionCode: pdu.conditionCode,
      transactionStatus: TransactionStatus.TERMINATED,
    });
  }

  private onNak(requests: [number | bigint, number | bigint][]): void {
    const size = this.fileSize ?? 0;
    for (const [s0, e0] of requests) {
      // Offsets claimed by the peer are clamped to the file before use.
      const s = typeof s0 === 'bigint' ? size : Math.min(s0, size);
      const e = typeof e0 === 'bigint' ? size : Math.min(e0, size);
      if (s === 0 && e === 0) {
        this.resendMetadata = true;
        continue;
      }
      if (e <= s) continue;
      // Only data already sent once can be asked for again; the rest comes anyway.
      const end = Math.min(e, this.nextOffset);
      if (end > s) this.retransmit.push([s, end]);
    }
    // Requests repeated by several NAKs are served once; the list stays bounded however many
    // tiny ranges a peer names (joining the closest ones costs a few extra octets).
    this.retransmit = coarsenRanges(mergeRanges(this.retransmit), MAX_RETRANSMIT_RANGES);
    this.host.wakeSender();
  }

  async cancel(conditionCode: number): Promise<void> {
    if (
      this.state === 'finished' ||
      this.state === 'abandoned' ||
      this.phase === 'cancelling' ||
      this.phase === 'done'
    )
      return;
    if (this.state === 'suspended') this.state = 'active';
    this.conditionCode = conditionCode;
    this.retransmit = [];
    this.stopTimer('prompt');
    this.sendEof(conditionCode);
  }

  protected onResume(): void {
    this.host.wakeSender();
  }

  private finish(
    conditionCode: number,
    fileStatus: number,
    deliveryCode: number,
    responses: FinishedPdu['filestoreResponses'],
  ): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.conditionCode = conditionCode;
    this.state = 'finished';
    this.stopAllTimers();
    this.host.emit('transactionFinished', {
      transactionId: this.id,
      role: 'sender',
      conditionCode,
      fileStatus,
      deliveryCode,
      filestoreResponses: responses,
      report: this.statusReport(),
    });
    void this.release().finally(() => this.host.closed(this));
  }

  protected async closeFiles(): Promise<void> {
    await this.release();
  }

  protected async release(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    this.cache = undefined;
    this.ahead = undefined;
    this.recache = undefined;
    this.spareChunk = undefined;
    if (h !== undefined) await h.close();
  }
}

function mergeRanges(r: [number, number][]): [number, number][] {
  const s = [...r].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const x of s) {
    const last = out[out.length - 1];
    if (last !== undefined && x[0] <= last[1]) last[1] = Math.max(last[1], x[1]);
    else out.push([x[0], x[1]]);
  }
  return out;
}
