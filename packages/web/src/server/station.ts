/**
 * The console's CFDP side (CCSDS 727.0-B-5): a real {@link CfdpEntity} on a transport (UDP by
 * default), rooted at a native filestore, with {@link RemoteOperations} attached so that the
 * console can list, fetch from and manage a remote entity's filestore (§6.2, §6.3), and a
 * {@link TransferBook} that follows every transfer. Uploads beyond `maxConcurrentPuts` wait in a
 * queue. Every path that comes from the browser is checked against the filestore rules before
 * use (no `..` out of the root, no NUL or backslash, not the private temporary folder).
 */
import { RealClock } from 'ccsds/core';
import {
  CfdpEntity,
  ChecksumType,
  FILESTORE_NOT_ALLOWED_STATUS,
  type Mib,
  type ProxyPutResult,
  type PutRequest,
  RemoteOperations,
  type TransactionId,
  conditionCodeName,
  transactionKey,
} from 'ccsds/cfdp';
import {
  type DirectoryEntry,
  FilestoreAction,
  TEMP_FOLDER,
  storePathSegments,
} from 'ccsds/filestore';
import { NativeFileStore } from 'ccsds/filestore/node';
import { createTransport } from 'ccsds/transport/node';
import { GatedTransport } from './gate.js';
import { TransferBook, type TransferRecord } from './transfers.js';

/** Folder of the local filestore where listings asked of remote entities arrive. */
export const INBOX_FOLDER = '.cfdp-remote';

/** An error whose message is meant for the operator, with the HTTP status to answer with. */
export class ConsoleError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409 | 502 | 504 = 400,
  ) {
    super(message);
  }
}

/** Checks and normalises a filestore path from the browser ('' is the root). */
export function safePath(path: unknown, what = 'path'): string {
  if (typeof path !== 'string') throw new ConsoleError(`${what} must be a string`);
  let segs: string[];
  try {
    segs = storePathSegments(path);
  } catch (e) {
    throw new ConsoleError(`${what} refused: ${(e as Error).message}`, 403);
  }
  if (segs[0] === TEMP_FOLDER)
    throw new ConsoleError(
      `${what} refused: ${TEMP_FOLDER} is the filestore's private folder`,
      403,
    );
  return segs.join('/');
}

/** Checksum names of the New transfer dialog. */
export const CHECKSUMS: Readonly<Record<string, number>> = {
  modular: ChecksumType.MODULAR,
  crc32: ChecksumType.CRC32,
  crc32c: ChecksumType.CRC32C,
  prox1: ChecksumType.PROXIMITY1_CRC32,
  null: ChecksumType.NULL,
};

/** Options of an upload, as the New transfer dialog gives them. */
export interface TransferOptions {
  transmissionClass?: 1 | 2;
  closureRequested?: boolean;
  checksum?: string;
  segmentLength?: number;
}

/** A remote entity as the console shows it. */
export interface RemoteSummary {
  entityId: string;
  address: string;
  defaultClass: 1 | 2;
  closureRequested: boolean;
  checksum: string;
  segmentLength: number;
}

/** Options of {@link Station.open}. */
export interface StationOptions {
  mib: Mib;
  bind: string;
  filestore: string;
  maxConcurrentPuts: number;
  requestTimeoutMs: number;
  /** Receives each changed transfer record (throttled per transfer). */
  onTransfer: (r: TransferRecord) => void;
}

interface QueuedPut {
  id: string;
  request: PutRequest;
}

/** See the module comment. */
export class Station {
  readonly book: TransferBook;
  private readonly queue: QueuedPut[] = [];
  private running = 0;
  private readonly pendingGets = new Map<string, { remote: bigint; requestId?: TransactionId }>();
  private closed = false;

  private constructor(
    readonly mib: Mib,
    readonly entity: CfdpEntity,
    readonly transport: GatedTransport,
    readonly filestore: NativeFileStore,
    readonly ops: RemoteOperations,
    private readonly options: StationOptions,
  ) {
    this.book = new TransferBook(
      entity,
      options.onTransfer,
      (p) => p.split('/').filter((s) => s !== '')[0] === INBOX_FOLDER,
    );
  }

  /** Binds the transport and starts the entity. */
  static async open(o: StationOptions): Promise<Station> {
    const filestore = await NativeFileStore.open(o.filestore, { create: true });
    const transport = new GatedTransport(await createTransport(o.bind));
    const clock = new RealClock();
    const entity = new CfdpEntity({
      mib: o.mib,
      transport,
      filestore,
      clock,
      // A restarted console must not reuse sequence numbers a peer may still remember.
      firstSequenceNumber: BigInt(Date.now() % 2 ** 31),
    });
    const ops = new RemoteOperations(entity, filestore, o.mib, {
      clock,
      inbox: INBOX_FOLDER,
      timeoutMs: o.requestTimeoutMs,
    });
    return new Station(o.mib, entity, transport, filestore, ops, o);
  }

  /** The local entity ID. */
  get entityId(): string {
    return this.mib.local.entityId.toString();
  }

  /** The remote entities of the MIB. */
  remotes(): RemoteSummary[] {
    return this.mib.remotes.map((r) => ({
      entityId: r.entityId.toString(),
      address: r.address,
      defaultClass: r.defaultClass,
      closureRequested: r.closureRequested,
      checksum:
        Object.entries(CHECKSUMS).find(([, v]) => v === r.checksumType)?.[0] ??
        String(r.checksumType),
      segmentLength: r.maxFileSegmentLength,
    }));
  }

  /** The remote entity named by the browser (must be in the MIB). */
  remoteId(text: unknown): bigint {
    if (typeof text !== 'string' && typeof text !== 'number')
      throw new ConsoleError('remote entity ID missing');
    const s = String(text);
    if (!/^\d{1,20}$/.test(s)) throw new ConsoleError(`bad entity ID '${s}'`);
    const id = BigInt(s);
    if (!this.mib.remotes.some((r) => r.entityId === id))
      throw new ConsoleError(`entity ${s} is not in the MIB`, 404);
    return id;
  }

  // ---- local filestore -------------------------------------------------------------------

  /** Lists a local folder (the private and inbox folders are left out at the root). */
  async listLocal(path: unknown): Promise<DirectoryEntry[]> {
    const p = safePath(path);
    const st = await this.filestore.stat(p);
    if (st === undefined) throw new ConsoleError(`no such folder: /${p}`, 404);
    if (!st.isDirectory) throw new ConsoleError(`not a folder: /${p}`);
    const entries = await this.filestore.list(p);
    return p === ''
      ? entries.filter((e) => e.name !== TEMP_FOLDER && e.name !== INBOX_FOLDER)
      : entries;
  }

  /** Runs a filestore action on the local filestore. */
  async localAction(action: unknown, path: unknown, to: unknown): Promise<string> {
    const p = safePath(path);
    if (p === '') throw new ConsoleError('the filestore root cannot be changed', 403);
    const code = ACTIONS[String(action)];
    if (code === undefined) throw new ConsoleError(`unknown action '${String(action)}'`);
    const second = code === FilestoreAction.RENAME_FILE ? safePath(to, 'new name') : undefined;
    if (second === '') throw new ConsoleError('new name missing');
    const r = await this.filestore.execute(code, p, second);
    if (r.status !== 0)
      throw new ConsoleError(`${String(action)} /${p}: ${r.message || `status ${r.status}`}`, 409);
    return r.message;
  }

  /** Writes a file that the browser uploads, chunk by chunk (bounded memory). */
  async writeLocal(
    path: unknown,
    body: ReadableStream<Uint8Array> | null,
    maxOctets: number,
  ): Promise<number> {
    const p = safePath(path);
    if (p === '') throw new ConsoleError('file name missing');
    if (body === null) throw new ConsoleError('no file data');
    const st = await this.filestore.stat(p);
    if (st?.isDirectory === true) throw new ConsoleError(`/${p} is a folder`, 409);
    const temp = await this.filestore.tempPath('upload');
    const h = await this.filestore.openWrite(temp, { truncate: true });
    let offset = 0;
    try {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        offset += value.length;
        if (offset > maxOctets) {
          await reader.cancel();
          throw new ConsoleError(`file larger than ${maxOctets} octets`, 400);
        }
        await h.write(offset - value.length, value);
      }
      await h.sync();
    } catch (e) {
      await h.close();
      await this.filestore.remove(temp).catch(() => undefined);
      throw e;
    }
    await h.close();
    await this.filestore.rename(temp, p);
    return offset;
  }

  // ---- transfers ---------------------------------------------------------------------------

  /** Queues an upload of a local file to a remote entity. */
  async put(
    remoteText: unknown,
    localPath: unknown,
    remotePath: unknown,
    o: TransferOptions,
  ): Promise<TransferRecord> {
    const remote = this.remoteId(remoteText);
    const src = safePath(localPath, 'local path');
    const dest = safePath(remotePath, 'remote path');
    if (dest === '') throw new ConsoleError('remote path missing');
    const st = await this.filestore.stat(src);
    if (st === undefined || st.isDirectory) throw new ConsoleError(`no such file: /${src}`, 404);
    const request: PutRequest = {
      destinationEntityId: remote,
      sourceFileName: src,
      destinationFileName: dest,
      ...putOptions(o),
    };
    const record = this.book.createPending({
      direction: 'up',
      remoteEntityId: remote.toString(),
      localPath: src,
      remotePath: dest,
      size: st.size,
      transmissionClass: request.transmissionClass ?? this.entity.remote(remote).defaultClass,
    });
    this.queue.push({ id: record.id, request });
    this.pump();
    return record;
  }

  private pump(): void {
    while (!this.closed && this.running < this.options.maxConcurrentPuts && this.queue.length > 0) {
      const q = this.queue.shift()!;
      this.running++;
      void this.runPut(q).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async runPut(q: QueuedPut): Promise<void> {
    let id: TransactionId;
    try {
      id = await this.entity.put(q.request);
    } catch (e) {
      this.book.fail(q.id, `not started: ${(e as Error).message}`);
      return;
    }
    this.book.attach(q.id, id);
    await this.entity.waitFor(id);
  }

  /** Asks a remote entity to send one of its files here (a proxy put, 727.0-B-5 §6.2). */
  async get(
    remoteText: unknown,
    remotePath: unknown,
    localPath: unknown,
    o: TransferOptions,
  ): Promise<TransferRecord> {
    const remote = this.remoteId(remoteText);
    const src = safePath(remotePath, 'remote path');
    const dest = safePath(localPath, 'local path');
    if (src === '' || dest === '') throw new ConsoleError('file name missing');
    const record = this.book.createPending({
      direction: 'down',
      remoteEntityId: remote.toString(),
      localPath: dest,
      remotePath: src,
      ...(o.transmissionClass === undefined ? {} : { transmissionClass: o.transmissionClass }),
    });
    const pending: { remote: bigint; requestId?: TransactionId } = { remote };
    this.pendingGets.set(record.id, pending);
    const options: Parameters<RemoteOperations['get']>[3] = {
      onRequest: (rid) => {
        pending.requestId = rid;
        this.book.note(
          record.id,
          'Proxy-Put-Request',
          `request ${transactionKey(rid)} sent to entity ${remote}`,
        );
      },
    };
    if (o.transmissionClass !== undefined) options.proxyTransmissionClass = o.transmissionClass;
    if (o.closureRequested === true) options.closureRequested = true;
    void this.ops
      .get(remote, src, dest, options)
      .then((r: ProxyPutResult) => {
        this.book.note(
          record.id,
          'Proxy-Put-Response',
          `${conditionCodeName(r.conditionCode)}, delivery ${r.deliveryCode === 0 ? 'complete' : 'incomplete'}`,
        );
        if (!r.ok && r.fileTransaction === undefined)
          this.book.fail(
            record.id,
            r.conditionCode === 4
              ? `the remote entity refused (policy) or has no such file: /${src}`
              : `remote answered ${conditionCodeName(r.conditionCode)}`,
          );
      })
      .catch((e: Error) => this.book.fail(record.id, e.message))
      .finally(() => this.pendingGets.delete(record.id));
    return record;
  }

  /** Suspend, resume, cancel, abandon or report a transfer. */
  async act(id: string, action: string): Promise<TransferRecord> {
    const r = this.book.get(id);
    if (r === undefined) throw new ConsoleError(`no transfer ${id}`, 404);
    if (r.endedAt !== undefined) throw new ConsoleError(`transfer ${id} has ended`, 409);
    if (r.transactionId === undefined) {
      // Not started yet: a queued upload or a download the remote has not begun sending.
      if (action !== 'cancel' && action !== 'abandon')
        throw new ConsoleError(`transfer ${id} has not started yet`, 409);
      const qi = this.queue.findIndex((q) => q.id === id);
      if (qi >= 0) this.queue.splice(qi, 1);
      const g = this.pendingGets.get(id);
      if (g?.requestId !== undefined && action === 'cancel')
        await this.ops.cancelProxyPut(g.remote, g.requestId).catch(() => undefined);
      this.book.fail(
        id,
        `${action === 'cancel' ? 'cancelled' : 'abandoned'} by the operator before it started`,
        action === 'cancel' ? 'Cancel' : 'Abandon',
      );
      return this.book.get(id)!;
    }
    const [src, seq] = r.transactionId.split(':');
    const tid: TransactionId = { sourceEntityId: BigInt(src!), sequenceNumber: BigInt(seq!) };
    try {
      switch (action) {
        case 'suspend':
          this.entity.suspend(tid);
          break;
        case 'resume':
          this.entity.resume(tid);
          break;
        case 'cancel':
          this.book.cancelling(id);
          await this.entity.cancel(tid);
          break;
        case 'abandon':
          this.entity.abandon(tid);
          break;
        case 'report':
          this.entity.report(tid);
          break;
        default:
          throw new ConsoleError(`unknown action '${action}'`);
      }
    } catch (e) {
      if (e instanceof ConsoleError) throw e;
      throw new ConsoleError(`${action}: ${(e as Error).message}`, 409);
    }
    return this.book.get(id)!;
  }

  // ---- remote filestore ----------------------------------------------------------------------

  /** Lists a remote folder through a directory listing request (727.0-B-5 §6.3). */
  async listRemote(remoteText: unknown, path: unknown): Promise<DirectoryEntry[]> {
    const remote = this.remoteId(remoteText);
    const p = safePath(path);
    const r = await this.ops.listDirectory(remote, p === '' ? '/' : p);
    if (!r.ok)
      throw new ConsoleError(
        `entity ${remote} did not list /${p}: ${r.reason ?? 'no reason given'}`,
        /refus|not allowed|denied/i.test(r.reason ?? '') ? 403 : 502,
      );
    return r.entries;
  }

  /** Runs a filestore action on a remote entity (proxy filestore request, §6.2). */
  async remoteAction(
    remoteText: unknown,
    action: unknown,
    path: unknown,
    to: unknown,
  ): Promise<string> {
    const remote = this.remoteId(remoteText);
    const p = safePath(path);
    if (p === '') throw new ConsoleError("the remote filestore's root cannot be changed", 403);
    const code = ACTIONS[String(action)];
    if (code === undefined) throw new ConsoleError(`unknown action '${String(action)}'`);
    const second = code === FilestoreAction.RENAME_FILE ? safePath(to, 'new name') : undefined;
    if (second === '') throw new ConsoleError('new name missing');
    const r = await this.ops.remoteFilestore(remote, [
      {
        actionCode: code,
        firstFileName: p,
        ...(second === undefined ? {} : { secondFileName: second }),
      },
    ]);
    const f = r.filestoreResponses[0];
    if (r.ok) return f?.filestoreMessage ?? '';
    const refused = f !== undefined && FILESTORE_NOT_ALLOWED_STATUS[code] === f.statusCode;
    const what = `${String(action)} /${p}${second === undefined ? '' : ` to /${second}`}`;
    if (refused)
      throw new ConsoleError(
        `entity ${remote} refused ${what}: its policy does not allow it (filestore status ${f.statusCode}${f.filestoreMessage ? `, ${f.filestoreMessage}` : ''})`,
        403,
      );
    throw new ConsoleError(
      `entity ${remote} could not ${what}: ${f === undefined ? conditionCodeName(r.conditionCode) : `filestore status ${f.statusCode}${f.filestoreMessage ? `, ${f.filestoreMessage}` : ''}`}`,
      409,
    );
  }

  /** Stops the entity and releases the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.ops.close();
    await this.entity.close(500);
    this.book.close();
    await this.transport.close();
  }
}

const ACTIONS: Record<string, FilestoreAction> = {
  delete: FilestoreAction.DELETE_FILE,
  rename: FilestoreAction.RENAME_FILE,
  mkdir: FilestoreAction.CREATE_DIRECTORY,
  rmdir: FilestoreAction.REMOVE_DIRECTORY,
};

function putOptions(o: TransferOptions): Partial<PutRequest> {
  const r: Partial<PutRequest> = {};
  if (o.transmissionClass !== undefined) {
    if (o.transmissionClass !== 1 && o.transmissionClass !== 2)
      throw new ConsoleError('class must be 1 or 2');
    r.transmissionClass = o.transmissionClass;
  }
  if (o.closureRequested !== undefined) r.closureRequested = o.closureRequested === true;
  if (o.checksum !== undefined) {
    const c = CHECKSUMS[o.checksum];
    if (c === undefined)
      throw new ConsoleError(`checksum must be one of ${Object.keys(CHECKSUMS).join(', ')}`);
    r.checksumType = c;
  }
  if (o.segmentLength !== undefined) {
    if (!Number.isInteger(o.segmentLength) || o.segmentLength < 1 || o.segmentLength > 65000)
      throw new ConsoleError('segment size must be 1..65000 octets');
    r.segmentLength = o.segmentLength;
  }
  return r;
}
