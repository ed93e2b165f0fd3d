/**
 * The user operations of CCSDS 727.0-B-5 §6 on top of a {@link CfdpEntity}: proxy put (§6.2,
 * with every proxy option, proxy put cancel and the proxy put response), proxy filestore
 * requests, directory listing (§6.3), remote status report (§6.4) and remote suspend and resume
 * (§6.5). Requests and responses are reserved messages to user (`user-messages.ts`) carried in
 * the Metadata of ordinary transactions; every response carries an Originating Transaction ID
 * message naming the transaction that carried the request, which is how a requester matches
 * answers to questions.
 *
 * {@link RemoteOperations} plays both parts for one entity:
 *
 * - **Responder.** It answers the requests that arrive in Metadata-Recv.indications, each
 *   checked against the requesting entity's `allowedOperations` (see `remote-policy.ts`);
 *   refused requests are answered with the response and status that say so.
 * - **Requester.** {@link RemoteOperations.get}, {@link RemoteOperations.listDirectory},
 *   {@link RemoteOperations.remoteFilestore}, {@link RemoteOperations.remoteStatus},
 *   {@link RemoteOperations.remoteSuspend}, {@link RemoteOperations.remoteResume} and
 *   {@link RemoteOperations.cancelProxyPut} send a request and resolve with the answer.
 *
 * Choices where the standard leaves room (all documented on the members below):
 *
 * - Proxy Filestore Requests accompany a Proxy Put Request and travel in the proxied put, to be
 *   executed at its destination (§6.2). A Proxy Put Request whose destination is the responding
 *   entity itself (or Proxy Filestore Requests without a Proxy Put Request) has the responder
 *   execute them on its own filestore — this is how {@link RemoteOperations.remoteFilestore}
 *   works — and the Proxy Put Response carries their Proxy Filestore Responses.
 * - A refused or impossible proxy put is answered with a Proxy Put Response of condition code
 *   4 (filestore rejection), delivery code 1 (incomplete), file status 1 (discarded by the
 *   filestore), and a Proxy Filestore Response of status 15 (not performed) for each request.
 * - A Remote Suspend Request for a transaction this entity does not know yet (its Metadata has
 *   not arrived: the request overtook it) is queued and applied as soon as the transaction
 *   appears; it is answered at once with suspension indicator 1 and transaction status 0
 *   (undefined). A Remote Resume Request for such a queued transaction removes it from the
 *   queue. Queued suspensions expire (default ten minutes, with a clock) and are bounded.
 * - Transaction status in the responses: 1 active (open here), 2 terminated (ended here since
 *   the operations were attached), 3 unrecognized (unknown), 0 undefined (queued, or refused).
 * - The directory listing and the status report are files whose formats `remote-files.ts`
 *   defines. An empty report file name asks for a message-only status response.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  type Clock,
  type TimerId,
  TypedEmitter,
  minimalWidth,
} from '../core/index.js';
import {
  type DirectoryEntry,
  type FileStore,
  FilestoreAction,
  FilestoreStatus,
  TEMP_FOLDER,
  storePathSegments,
} from '../filestore/index.js';
import {
  ConditionCode,
  DeliveryCode,
  FileStatus,
  TransactionStatus,
  TransmissionMode,
} from './constants.js';
import type { CfdpEntity } from './entity.js';
import {
  type CfdpEvents,
  type PutRequest,
  type TransactionId,
  type TransactionStatusReport,
  transactionKey,
} from './indications.js';
import type { Mib } from './mib.js';
import {
  FILESTORE_NOT_ALLOWED_STATUS,
  RemoteOperation,
  isFilestoreActionAllowed,
  isOperationAllowed,
} from './remote-policy.js';
import {
  type DirectoryListingLimits,
  type StatusReportFile,
  encodeStatusReportFile,
  parseDirectoryListing,
  parseStatusReportFile,
  writeDirectoryListing,
} from './remote-files.js';
import type { FilestoreResponseTlv } from './tlv.js';
import {
  type DirectoryListingResponse,
  type ProxyFilestoreRequest,
  type ProxyFilestoreResponse,
  type ProxyPutRequest,
  type ProxyPutResponse,
  type RemoteResumeResponse,
  type RemoteStatusReportResponse,
  type RemoteSuspendResponse,
  type ReservedMessage,
  type ReservedTransactionId,
  ReservedResponseCode,
  decodeReservedMessage,
  encodeReservedMessage,
} from './user-messages.js';

export * from './remote-policy.js';
export * from './remote-files.js';

/**
 * Where the policy comes from: a MIB (each remote's `allowedOperations`), or a function giving
 * the grants of a remote entity.
 */
export type RemoteOperationsPolicy = Mib | ((remoteEntityId: bigint) => readonly string[]);

/** Options of {@link RemoteOperations}. */
export interface RemoteOperationsOptions {
  /**
   * Clock for time limits and for the expiry of queued suspensions (use the entity's clock).
   * Without one, requests wait until answered and queued suspensions only leave the queue when
   * it is full (oldest first).
   */
  clock?: Clock;
  /**
   * Folder of the local filestore into which listings and status reports asked for by the
   * requester helpers arrive (created when needed). Default `.cfdp-remote`.
   */
  inbox?: string;
  /** Default time limit of the requester helpers in ms (0 = none; needs `clock`). Default 0. */
  timeoutMs?: number;
  /** How long a queued remote suspension waits for its transaction, in ms. Default 600,000. */
  queuedSuspendMs?: number;
  /** Most queued remote suspensions. Default 256. */
  maxQueuedSuspends?: number;
  /** Limits applied when parsing received directory listings. */
  listingLimits?: DirectoryListingLimits;
  /** Transactions whose end is remembered to report them as terminated. Default 4096. */
  maxRemembered?: number;
}

/** Options common to the requester helpers. */
export interface RemoteRequestOptions {
  /** Time limit in ms (0 = none; needs the `clock` option). Default: the instance's `timeoutMs`. */
  timeoutMs?: number;
  /** Called with the ID of the transaction that carries the request, as soon as it is known. */
  onRequest?: (requestId: TransactionId) => void;
  /** Transmission class of the request transaction (default: the remote's default class). */
  transmissionClass?: 1 | 2;
}

/** Options of {@link RemoteOperations.get} and {@link RemoteOperations.proxyPut}. */
export interface ProxyPutOptions extends RemoteRequestOptions {
  /** Class of the proxied transfer (Proxy Transmission Mode). */
  proxyTransmissionClass?: 1 | 2;
  /** Proxy Closure Request. */
  closureRequested?: boolean;
  /** Proxy Segmentation Control. */
  segmentationControl?: boolean;
  /** Proxy Flow Label. */
  flowLabel?: Uint8Array;
  /** Proxy Fault Handler Overrides. */
  faultHandlerOverrides?: { conditionCode: number; handlerCode: number }[];
  /** Proxy Messages To User (each at most 255 octets). */
  messagesToUser?: Uint8Array[];
  /** Proxy Filestore Requests, executed at the destination of the proxied transfer. */
  filestoreRequests?: RemoteFilestoreRequest[];
}

/** One filestore request to run remotely. */
export interface RemoteFilestoreRequest {
  /** One of `FilestoreAction`. */
  actionCode: number;
  firstFileName: string;
  /** Second file name (rename, append, replace). */
  secondFileName?: string;
}

/** The answer to a proxy put (and to {@link RemoteOperations.remoteFilestore}). */
export interface ProxyPutResult {
  /** True when the operation succeeded: condition code 0, every filestore status 0, file delivered. */
  ok: boolean;
  /** The transaction that carried the request (the originating transaction ID). */
  requestId: TransactionId;
  /** From the Proxy Put Response. */
  conditionCode: number;
  deliveryCode: number;
  fileStatus: number;
  /** The Proxy Filestore Responses. */
  filestoreResponses: ProxyFilestoreResponse[];
  /** For a get: the transaction that brought the file, and how it ended here. */
  fileTransaction?: CfdpEvents['transactionFinished'][0];
}

/** The answer to {@link RemoteOperations.listDirectory}. */
export interface DirectoryListingResult {
  /** True when the remote listed the directory and the listing arrived intact. */
  ok: boolean;
  requestId: TransactionId;
  /** The directory as the response names it. */
  directoryName: string;
  /** The entries (empty when not ok). */
  entries: DirectoryEntry[];
  /** Why not ok, in words. */
  reason?: string;
}

/** The answer to {@link RemoteOperations.remoteStatus}. */
export interface RemoteStatusResult {
  requestId: TransactionId;
  /** `TransactionStatus`: 0 undefined, 1 active, 2 terminated, 3 unrecognized. */
  transactionStatus: number;
  /** `ReservedResponseCode`: 0 successful, 1 unsuccessful. */
  responseCode: number;
  /** The report file, when one was asked for and arrived. */
  report?: StatusReportFile;
}

/** The answer to {@link RemoteOperations.remoteSuspend} and {@link RemoteOperations.remoteResume}. */
export interface RemoteSuspendResult {
  requestId: TransactionId;
  /** True when the transaction is (or, queued, will be) suspended. */
  suspensionIndicator: boolean;
  /** `TransactionStatus`: 0 undefined, 1 active, 2 terminated, 3 unrecognized. */
  transactionStatus: number;
}

/** Events of {@link RemoteOperations}. */
export interface RemoteOperationsEvents {
  [key: string]: unknown[];
  /** A request arrived and was answered (`allowed` false when refused by policy or impossible). */
  request: [
    e: {
      from: bigint;
      transactionId: TransactionId;
      operation: string;
      allowed: boolean;
      detail: string;
    },
  ];
  /** A response arrived for one of our requests. */
  response: [e: { from: bigint; requestId: TransactionId; message: ReservedMessage }];
  /** Something could not be done (a malformed message, an answer that could not be sent). */
  error: [e: { error: Error; transactionId?: TransactionId }];
}

type MetadataRecv = CfdpEvents['metadataRecv'][0];
type Finished = CfdpEvents['transactionFinished'][0];

/** A request waiting for its answer. */
interface Pending {
  remote: bigint;
  onMetadata(e: MetadataRecv, messages: ReservedMessage[]): void;
  fail(error: Error): void;
}

const RESPONSE_KINDS = new Set<ReservedMessage['kind']>([
  'proxyPutResponse',
  'proxyFilestoreResponse',
  'directoryListingResponse',
  'remoteStatusReportResponse',
  'remoteSuspendResponse',
  'remoteResumeResponse',
]);

/** Reserved transaction ID parameter for a transaction ID (smallest widths). */
export function reservedTransactionId(id: TransactionId): ReservedTransactionId {
  return {
    entityIdLength: minimalWidth(id.sourceEntityId),
    transactionSeqNumLength: minimalWidth(id.sequenceNumber),
    sourceEntityId: id.sourceEntityId,
    transactionSequenceNumber: id.sequenceNumber,
  };
}

/** The transaction ID named by a reserved transaction ID parameter. */
export function transactionIdOf(m: ReservedTransactionId): TransactionId {
  return { sourceEntityId: m.sourceEntityId, sequenceNumber: m.transactionSequenceNumber };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const utf8 = new TextEncoder();

/**
 * A Proxy Filestore Response that fits a Message To User value: the filestore message is
 * shortened as needed; `undefined` when even the file names do not fit.
 */
function fittedFilestoreResponse(r: FilestoreResponseTlv): ProxyFilestoreResponse | undefined {
  let message = r.filestoreMessage;
  for (;;) {
    const m: ProxyFilestoreResponse = {
      kind: 'proxyFilestoreResponse',
      actionCode: r.actionCode,
      statusCode: r.statusCode,
      firstFileName: r.firstFileName,
      secondFileName: r.secondFileName,
      filestoreMessage: message,
    };
    try {
      encodeReservedMessage(m);
      return m;
    } catch {
      if (message === '') return undefined;
      const over = utf8.encode(message).length;
      message = message.slice(0, Math.max(0, Math.min(message.length - 1, over - 8)));
    }
  }
}

/**
 * The user operations of 727.0-B-5 §6 for one entity (see the module comment). Attach one per
 * entity; {@link close} detaches it.
 */
export class RemoteOperations {
  /** Requests answered, responses received, errors. */
  readonly events = new TypedEmitter<RemoteOperationsEvents>();
  private readonly entity: CfdpEntity;
  private readonly filestore: FileStore;
  private readonly grants: (remoteEntityId: bigint) => readonly string[];
  private readonly clock: Clock | undefined;
  private readonly inbox: string;
  private readonly timeoutMs: number;
  private readonly queuedSuspendMs: number;
  private readonly maxQueuedSuspends: number;
  private readonly maxRemembered: number;
  private readonly listingLimits: DirectoryListingLimits;
  private readonly pending = new Map<string, Pending>();
  /** Proxied transactions by the key of the transaction that asked for them. */
  private readonly proxied = new Map<string, { id: TransactionId; requester: bigint }>();
  /** Remote suspensions waiting for their transaction: key → expiry time (or Infinity). */
  private readonly queuedSuspends = new Map<string, number>();
  /** Final reports of transactions that ended here. */
  private readonly ended = new Map<string, TransactionStatusReport>();
  private readonly offs: (() => void)[] = [];
  private fileCounter = 0;
  private closed = false;

  /**
   * Attaches the user operations to `entity`, whose filestore is `filestore`. `policy` gives
   * each remote entity's grants (default: the `allowedOperations` of the entity's MIB).
   */
  constructor(
    entity: CfdpEntity,
    filestore: FileStore,
    policy?: RemoteOperationsPolicy,
    options: RemoteOperationsOptions = {},
  ) {
    this.entity = entity;
    this.filestore = filestore;
    if (typeof policy === 'function') this.grants = policy;
    else if (policy !== undefined) {
      const m = policy;
      this.grants = (id) => m.remotes.find((r) => r.entityId === id)?.allowedOperations ?? [];
    } else {
      this.grants = (id) => {
        try {
          return entity.remote(id).allowedOperations;
        } catch {
          return [];
        }
      };
    }
    this.clock = options.clock;
    this.inbox = options.inbox ?? '.cfdp-remote';
    this.timeoutMs = options.timeoutMs ?? 0;
    this.queuedSuspendMs = options.queuedSuspendMs ?? 600_000;
    this.maxQueuedSuspends = options.maxQueuedSuspends ?? 256;
    this.maxRemembered = options.maxRemembered ?? 4096;
    this.listingLimits = options.listingLimits ?? {};
    this.offs.push(
      entity.events.on('metadataRecv', (e) => {
        this.applyQueuedSuspend(e.transactionId);
        this.onMetadata(e);
      }),
      entity.events.on('transaction', (e) => this.applyQueuedSuspend(e.transactionId)),
      entity.events.on('transactionFinished', (e) => this.remember(e.report)),
      entity.events.on('abandoned', (e) => {
        const r = this.entity.list().find((t) => sameId(t.transactionId, e.transactionId));
        this.remember(
          r !== undefined
            ? { ...r, state: 'abandoned', conditionCode: e.conditionCode }
            : this.ended.get(transactionKey(e.transactionId)),
        );
      }),
    );
  }

  /** The local entity ID. */
  get localEntityId(): bigint {
    return this.entity.local.entityId;
  }

  /** Detaches from the entity; requests still waiting reject with `INVALID_STATE`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs) off();
    for (const p of [...this.pending.values()])
      p.fail(new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'remote operations closed'));
    this.pending.clear();
  }

  private remember(r: TransactionStatusReport | undefined): void {
    if (r === undefined) return;
    const k = transactionKey(r.transactionId);
    this.ended.delete(k);
    this.ended.set(k, r);
    if (this.ended.size > this.maxRemembered) {
      const first = this.ended.keys().next().value;
      if (first !== undefined) this.ended.delete(first);
    }
  }

  private allowed(from: bigint, operation: string): boolean {
    return isOperationAllowed(this.grants(from), operation);
  }

  private report(
    from: bigint,
    transactionId: TransactionId,
    operation: string,
    allowed: boolean,
    detail: string,
  ): void {
    this.events.emit('request', { from, transactionId, operation, allowed, detail });
  }

  private fail(error: unknown, transactionId?: TransactionId): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.events.emit(
      'error',
      transactionId === undefined ? { error: err } : { error: err, transactionId },
    );
  }

  // ---------------------------------------------------------------- dispatch

  private onMetadata(e: MetadataRecv): void {
    if (this.closed) return;
    const messages: ReservedMessage[] = [];
    for (const v of e.messagesToUser) {
      try {
        const m = decodeReservedMessage(v);
        if (m !== undefined) messages.push(m);
      } catch (err) {
        this.fail(err, e.transactionId);
      }
    }
    if (messages.length === 0) return;
    const origin = messages.find((m) => m.kind === 'originatingTransactionId');
    const isResponse = messages.some((m) => RESPONSE_KINDS.has(m.kind));
    if (origin !== undefined && !messages.some((m) => m.kind === 'proxyPutCancel')) {
      // An answer to one of our requests, or a file a proxy sends on its behalf.
      const p = this.pending.get(transactionKey(transactionIdOf(origin)));
      if (p !== undefined) {
        for (const m of messages)
          if (RESPONSE_KINDS.has(m.kind))
            this.events.emit('response', {
              from: e.sourceEntityId,
              requestId: transactionIdOf(origin),
              message: m,
            });
        p.onMetadata(e, messages);
      }
      if (isResponse) return;
    }
    void this.serve(e, messages).catch((err: unknown) => this.fail(err, e.transactionId));
  }

  /** Answers every request in one Metadata. */
  private async serve(e: MetadataRecv, messages: ReservedMessage[]): Promise<void> {
    const put = messages.find((m): m is ProxyPutRequest => m.kind === 'proxyPutRequest');
    const fsRequests = messages.filter(
      (m): m is ProxyFilestoreRequest => m.kind === 'proxyFilestoreRequest',
    );
    const work: Promise<void>[] = [];
    if (put !== undefined) work.push(this.serveProxyPut(e, put, messages));
    else if (fsRequests.length > 0) work.push(this.serveLocalFilestore(e, fsRequests));
    for (const m of messages) {
      switch (m.kind) {
        case 'proxyPutCancel': {
          const origin = messages.find((x) => x.kind === 'originatingTransactionId');
          this.serveProxyPutCancel(e, origin === undefined ? undefined : transactionIdOf(origin));
          break;
        }
        case 'directoryListingRequest':
          work.push(this.serveDirectoryListing(e, m.directoryName, m.directoryFileName));
          break;
        case 'remoteStatusReportRequest':
          work.push(this.serveStatus(e, transactionIdOf(m), m.reportFileName));
          break;
        case 'remoteSuspendRequest':
          work.push(this.serveSuspend(e, transactionIdOf(m), true));
          break;
        case 'remoteResumeRequest':
          work.push(this.serveSuspend(e, transactionIdOf(m), false));
          break;
        default:
          break;
      }
    }
    await Promise.all(work);
  }

  /**
   * Sends an answer to `to`: a Put.request carrying `messages` and the Originating Transaction
   * ID message, with a file when `file` is given. Returns the new transaction's ID.
   */
  private async answer(
    to: bigint,
    origin: TransactionId,
    messages: ReservedMessage[],
    file?: { source: string; destination: string },
  ): Promise<TransactionId> {
    const request: PutRequest = {
      destinationEntityId: to,
      messagesToUser: [
        ...messages.map((m) => encodeReservedMessage(m)),
        encodeReservedMessage({
          kind: 'originatingTransactionId',
          ...reservedTransactionId(origin),
        }),
      ],
    };
    if (file !== undefined) {
      request.sourceFileName = file.source;
      request.destinationFileName = file.destination;
    }
    return this.entity.put(request);
  }

  /** Refuses a path that leaves the root or enters the private folder. */
  private checkPath(path: string): string | undefined {
    try {
      const segs = storePathSegments(path);
      if (segs[0] === TEMP_FOLDER) return `${path}: in the filestore's private area`;
      return undefined;
    } catch (e) {
      return errorText(e);
    }
  }

  // ---------------------------------------------------------------- proxy put (§6.2)

  private proxyPutRefusal(fs: ProxyFilestoreRequest[]): ReservedMessage[] {
    return [
      {
        kind: 'proxyPutResponse',
        conditionCode: ConditionCode.FILESTORE_REJECTION,
        deliveryCode: DeliveryCode.DATA_INCOMPLETE,
        fileStatus: FileStatus.DISCARDED_FILESTORE_REJECTION,
      },
      ...fs.flatMap((r) => {
        const m = fittedFilestoreResponse({
          kind: 'filestoreResponse',
          actionCode: r.actionCode,
          statusCode: FilestoreStatus.NOT_PERFORMED,
          firstFileName: r.firstFileName,
          secondFileName: r.secondFileName,
          filestoreMessage: 'not performed',
        });
        return m === undefined ? [] : [m];
      }),
    ];
  }

  private async serveProxyPut(
    e: MetadataRecv,
    req: ProxyPutRequest,
    messages: ReservedMessage[],
  ): Promise<void> {
    const from = e.sourceEntityId;
    const fs = messages.filter(
      (m): m is ProxyFilestoreRequest => m.kind === 'proxyFilestoreRequest',
    );
    if (req.destinationEntityId === this.localEntityId) {
      if (req.sourceFileName === '' && req.destinationFileName === '') {
        await this.serveLocalFilestore(e, fs);
        return;
      }
      this.report(from, e.transactionId, RemoteOperation.PROXY_PUT, false, 'a put to itself');
      await this.answer(from, e.transactionId, this.proxyPutRefusal(fs));
      return;
    }
    const operation =
      req.destinationEntityId === from ? RemoteOperation.GET : RemoteOperation.PROXY_PUT;
    const what = `${req.sourceFileName || '(no file)'} to ${req.destinationEntityId}:${req.destinationFileName}`;
    const refuse = async (why: string): Promise<void> => {
      this.report(from, e.transactionId, operation, false, `${what}: ${why}`);
      await this.answer(from, e.transactionId, this.proxyPutRefusal(fs));
    };
    if (!this.allowed(from, operation)) return refuse('not allowed by policy');
    if (req.sourceFileName !== '') {
      const bad = this.checkPath(req.sourceFileName);
      if (bad !== undefined) return refuse(bad);
    }
    const put: PutRequest = {
      destinationEntityId: req.destinationEntityId,
      messagesToUser: [
        ...messages.flatMap((m) => (m.kind === 'proxyMessageToUser' ? [m.message] : [])),
        encodeReservedMessage({
          kind: 'originatingTransactionId',
          ...reservedTransactionId(e.transactionId),
        }),
      ],
    };
    if (req.sourceFileName !== '') put.sourceFileName = req.sourceFileName;
    if (req.destinationFileName !== '') put.destinationFileName = req.destinationFileName;
    const overrides: { conditionCode: number; handlerCode: number }[] = [];
    for (const m of messages) {
      switch (m.kind) {
        case 'proxyTransmissionMode':
          put.transmissionClass = m.transmissionMode === TransmissionMode.ACKNOWLEDGED ? 2 : 1;
          break;
        case 'proxyClosureRequest':
          put.closureRequested = m.closureRequested;
          break;
        case 'proxySegmentationControl':
          put.segmentationControl = m.segmentationControl;
          break;
        case 'proxyFlowLabel':
          put.flowLabel = m.flowLabel;
          break;
        case 'proxyFaultHandlerOverride':
          overrides.push({ conditionCode: m.conditionCode, handlerCode: m.handlerCode });
          break;
        default:
          break;
      }
    }
    if (overrides.length > 0) put.faultHandlerOverrides = overrides;
    if (fs.length > 0) {
      put.filestoreRequests = fs.map((r) => {
        const f: { actionCode: number; firstFileName: string; secondFileName?: string } = {
          actionCode: r.actionCode,
          firstFileName: r.firstFileName,
        };
        if (r.secondFileName !== null) f.secondFileName = r.secondFileName;
        return f;
      });
    }
    let id: TransactionId;
    try {
      id = await this.entity.put(put);
    } catch (err) {
      return refuse(errorText(err));
    }
    const originKey = transactionKey(e.transactionId);
    this.proxied.set(originKey, { id, requester: from });
    this.report(from, e.transactionId, operation, true, `${what} as ${transactionKey(id)}`);
    const r = await this.entity.waitFor(id);
    this.proxied.delete(originKey);
    const responses: ReservedMessage[] = [
      {
        kind: 'proxyPutResponse',
        conditionCode: r.conditionCode,
        deliveryCode: r.deliveryCode === 0 ? 0 : 1,
        fileStatus: (r.fileStatus & 3) as FileStatus,
      },
    ];
    for (const f of r.filestoreResponses) {
      const m = fittedFilestoreResponse(f);
      if (m !== undefined) responses.push(m);
    }
    await this.answer(from, e.transactionId, responses);
  }

  private serveProxyPutCancel(e: MetadataRecv, origin: TransactionId | undefined): void {
    const from = e.sourceEntityId;
    const p = origin === undefined ? undefined : this.proxied.get(transactionKey(origin));
    if (origin === undefined || p === undefined || p.requester !== from) {
      this.report(
        from,
        e.transactionId,
        'proxy-put-cancel',
        false,
        origin === undefined
          ? 'no originating transaction ID'
          : `no proxy put for ${transactionKey(origin)}`,
      );
      return;
    }
    this.report(from, e.transactionId, 'proxy-put-cancel', true, transactionKey(p.id));
    // The proxied transaction ends with condition 15 and its Proxy Put Response reports that.
    void this.entity.cancel(p.id).catch((err: unknown) => this.fail(err, p.id));
  }

  /** Executes Proxy Filestore Requests on this entity's filestore and answers them. */
  private async serveLocalFilestore(e: MetadataRecv, fs: ProxyFilestoreRequest[]): Promise<void> {
    const from = e.sourceEntityId;
    const grants = this.grants(from);
    const responses: ProxyFilestoreResponse[] = [];
    let failed = false;
    for (const r of fs) {
      const second = r.secondFileName ?? undefined;
      let status: number;
      let message: string;
      if (failed) {
        status = FilestoreStatus.NOT_PERFORMED;
        message = 'not performed after an earlier failure';
      } else if (!(await this.filestoreAllowed(grants, r.actionCode, r.firstFileName))) {
        status = FILESTORE_NOT_ALLOWED_STATUS[r.actionCode] ?? FilestoreStatus.NOT_PERFORMED;
        message = 'not allowed by policy';
        this.report(
          from,
          e.transactionId,
          `filestore:${r.actionCode}`,
          false,
          `${r.firstFileName}: not allowed`,
        );
      } else {
        try {
          const res = await this.filestore.execute(
            r.actionCode as FilestoreAction,
            r.firstFileName,
            second,
          );
          status = res.status;
          message = res.message;
        } catch (err) {
          status = FilestoreStatus.NOT_PERFORMED;
          message = errorText(err);
        }
        this.report(
          from,
          e.transactionId,
          `filestore:${r.actionCode}`,
          true,
          `${r.firstFileName}${second === undefined ? '' : ` ${second}`}: status ${status}`,
        );
      }
      if (status !== 0) failed = true;
      const m = fittedFilestoreResponse({
        kind: 'filestoreResponse',
        actionCode: r.actionCode,
        statusCode: status,
        firstFileName: r.firstFileName,
        secondFileName: r.secondFileName,
        filestoreMessage: message,
      });
      if (m !== undefined) responses.push(m);
    }
    await this.answer(from, e.transactionId, [
      {
        kind: 'proxyPutResponse',
        conditionCode: failed ? ConditionCode.FILESTORE_REJECTION : ConditionCode.NO_ERROR,
        deliveryCode: DeliveryCode.DATA_COMPLETE,
        fileStatus: FileStatus.UNREPORTED,
      },
      ...responses,
    ]);
  }

  private async filestoreAllowed(
    grants: readonly string[],
    action: number,
    first: string,
  ): Promise<boolean> {
    if (isFilestoreActionAllowed(grants, action)) return true;
    if (action === FilestoreAction.CREATE_DIRECTORY) return true;
    if (action === FilestoreAction.CREATE_FILE) {
      try {
        return (await this.filestore.stat(first)) === undefined;
      } catch {
        return true; // a refused path: execute() answers "not performed"
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- directory listing (§6.3)

  private async serveDirectoryListing(
    e: MetadataRecv,
    directoryName: string,
    directoryFileName: string,
  ): Promise<void> {
    const from = e.sourceEntityId;
    const response = (code: ReservedResponseCode): DirectoryListingResponse => ({
      kind: 'directoryListingResponse',
      listingResponseCode: code,
      directoryName,
      directoryFileName,
    });
    const refuse = async (why: string): Promise<void> => {
      this.report(
        from,
        e.transactionId,
        RemoteOperation.DIRECTORY_LISTING,
        false,
        `${directoryName}: ${why}`,
      );
      await this.answer(from, e.transactionId, [response(ReservedResponseCode.UNSUCCESSFUL)]);
    };
    if (!this.allowed(from, RemoteOperation.DIRECTORY_LISTING))
      return refuse('not allowed by policy');
    if (directoryFileName === '') return refuse('no directory file name');
    const bad = this.checkPath(directoryName);
    if (bad !== undefined) return refuse(bad);
    let entries: DirectoryEntry[];
    try {
      const st = await this.filestore.stat(directoryName);
      if (st === undefined || !st.isDirectory) return refuse('no such directory');
      entries = await this.filestore.list(directoryName);
    } catch (err) {
      return refuse(errorText(err));
    }
    if (storePathSegments(directoryName).length === 0)
      entries = entries.filter((x) => x.name !== TEMP_FOLDER);
    const temp = await this.filestore.tempPath('listing');
    try {
      const h = await this.filestore.openWrite(temp, { truncate: true });
      try {
        await writeDirectoryListing(h, directoryName, entries);
      } finally {
        await h.close();
      }
      let id: TransactionId;
      try {
        id = await this.answer(from, e.transactionId, [response(ReservedResponseCode.SUCCESSFUL)], {
          source: temp,
          destination: directoryFileName,
        });
      } catch (err) {
        return await refuse(errorText(err));
      }
      this.report(
        from,
        e.transactionId,
        RemoteOperation.DIRECTORY_LISTING,
        true,
        `${directoryName}: ${entries.length} entries as ${transactionKey(id)}`,
      );
      await this.entity.waitFor(id);
    } finally {
      await this.filestore.remove(temp).catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- remote status (§6.4)

  /** What this entity knows of a transaction: open, ended, or nothing. */
  private lookup(id: TransactionId): {
    status: TransactionStatus;
    report?: TransactionStatusReport;
  } {
    const open = this.entity.list().find((t) => sameId(t.transactionId, id));
    if (open !== undefined && open.state !== 'finished' && open.state !== 'abandoned')
      return { status: TransactionStatus.ACTIVE, report: open };
    const ended = this.ended.get(transactionKey(id)) ?? open;
    if (ended !== undefined) return { status: TransactionStatus.TERMINATED, report: ended };
    return { status: TransactionStatus.UNRECOGNIZED };
  }

  private async serveStatus(
    e: MetadataRecv,
    id: TransactionId,
    reportFileName: string,
  ): Promise<void> {
    const from = e.sourceEntityId;
    const key = transactionKey(id);
    const response = (
      status: TransactionStatus,
      code: ReservedResponseCode,
    ): RemoteStatusReportResponse => ({
      kind: 'remoteStatusReportResponse',
      transactionStatus: status,
      responseCode: code,
      ...reservedTransactionId(id),
    });
    if (!this.allowed(from, RemoteOperation.REMOTE_STATUS)) {
      this.report(
        from,
        e.transactionId,
        RemoteOperation.REMOTE_STATUS,
        false,
        `${key}: not allowed by policy`,
      );
      await this.answer(from, e.transactionId, [
        response(TransactionStatus.UNDEFINED, ReservedResponseCode.UNSUCCESSFUL),
      ]);
      return;
    }
    const found = this.lookup(id);
    let report = found.report;
    if (found.status === TransactionStatus.ACTIVE) {
      try {
        report = this.entity.report(id); // Report.request, as §6.4 asks
      } catch {
        // ended in between: keep the listed report
      }
    }
    const code =
      report === undefined ? ReservedResponseCode.UNSUCCESSFUL : ReservedResponseCode.SUCCESSFUL;
    this.report(
      from,
      e.transactionId,
      RemoteOperation.REMOTE_STATUS,
      true,
      `${key}: status ${found.status}`,
    );
    // The report file name is a path at the requester, whose filestore confines it.
    if (reportFileName === '' || report === undefined) {
      await this.answer(from, e.transactionId, [response(found.status, code)]);
      return;
    }
    const temp = await this.filestore.tempPath('report');
    try {
      const h = await this.filestore.openWrite(temp, { truncate: true });
      try {
        await h.write(0, encodeStatusReportFile(id, report));
      } finally {
        await h.close();
      }
      const t = await this.answer(from, e.transactionId, [response(found.status, code)], {
        source: temp,
        destination: reportFileName,
      });
      await this.entity.waitFor(t);
    } finally {
      await this.filestore.remove(temp).catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- remote suspend/resume (§6.5)

  private async serveSuspend(e: MetadataRecv, id: TransactionId, suspend: boolean): Promise<void> {
    const from = e.sourceEntityId;
    const key = transactionKey(id);
    const operation = suspend ? RemoteOperation.REMOTE_SUSPEND : RemoteOperation.REMOTE_RESUME;
    const respond = (indicator: boolean, status: TransactionStatus): Promise<TransactionId> => {
      const m: RemoteSuspendResponse | RemoteResumeResponse = {
        kind: suspend ? 'remoteSuspendResponse' : 'remoteResumeResponse',
        suspensionIndicator: indicator,
        transactionStatus: status,
        ...reservedTransactionId(id),
      };
      return this.answer(from, e.transactionId, [m]);
    };
    if (!this.allowed(from, operation)) {
      this.report(from, e.transactionId, operation, false, `${key}: not allowed by policy`);
      await respond(false, TransactionStatus.UNDEFINED);
      return;
    }
    this.expireQueuedSuspends();
    const found = this.lookup(id);
    if (found.status === TransactionStatus.ACTIVE) {
      try {
        if (suspend) this.entity.suspend(id);
        else this.entity.resume(id);
      } catch {
        // ended in between: answered from the lookup below
      }
      const now = this.lookup(id);
      const indicator = now.report?.state === 'suspended';
      this.report(
        from,
        e.transactionId,
        operation,
        true,
        `${key}: ${indicator ? 'suspended' : 'active'}`,
      );
      await respond(indicator, now.status);
      return;
    }
    if (found.status === TransactionStatus.TERMINATED) {
      this.report(from, e.transactionId, operation, true, `${key}: already ended`);
      await respond(false, TransactionStatus.TERMINATED);
      return;
    }
    if (!suspend) {
      const wasQueued = this.queuedSuspends.delete(key);
      this.report(
        from,
        e.transactionId,
        operation,
        true,
        `${key}: ${wasQueued ? 'queued suspension withdrawn' : 'unknown'}`,
      );
      await respond(
        false,
        wasQueued ? TransactionStatus.UNDEFINED : TransactionStatus.UNRECOGNIZED,
      );
      return;
    }
    // Not known yet: queue the suspension until the transaction appears.
    this.queuedSuspends.delete(key);
    while (this.queuedSuspends.size >= this.maxQueuedSuspends) {
      const first = this.queuedSuspends.keys().next().value;
      if (first === undefined) break;
      this.queuedSuspends.delete(first);
    }
    const expiry = this.clock === undefined ? Infinity : this.clock.now() + this.queuedSuspendMs;
    this.queuedSuspends.set(key, expiry);
    this.report(from, e.transactionId, operation, true, `${key}: queued until it starts`);
    await respond(true, TransactionStatus.UNDEFINED);
  }

  private expireQueuedSuspends(): void {
    if (this.clock === undefined) return;
    const now = this.clock.now();
    for (const [k, at] of this.queuedSuspends) if (at <= now) this.queuedSuspends.delete(k);
  }

  private applyQueuedSuspend(id: TransactionId): void {
    if (this.queuedSuspends.size === 0) return;
    this.expireQueuedSuspends();
    const k = transactionKey(id);
    if (!this.queuedSuspends.delete(k)) return;
    try {
      this.entity.suspend(id);
    } catch (err) {
      this.fail(err, id);
    }
  }

  /** Keys of the transactions whose remote suspension waits for them to start. */
  queuedSuspensions(): string[] {
    this.expireQueuedSuspends();
    return [...this.queuedSuspends.keys()];
  }

  // ---------------------------------------------------------------- requester side

  /**
   * Sends `messages` to `remote` in a message-only transaction and waits until `settle` (called
   * for every Metadata that names this request as originating transaction) resolves the request.
   * Rejects with `LIMIT_EXCEEDED` after the time limit, and with `INVALID_STATE` when the
   * request transaction fails before any answer arrived.
   */
  private async request<T>(
    remote: bigint | number,
    messages: ReservedMessage[],
    options: RemoteRequestOptions,
    settle: (
      e: MetadataRecv,
      messages: ReservedMessage[],
      done: (v: T) => void,
      fail: (err: Error) => void,
      requestId: TransactionId,
    ) => void,
  ): Promise<T> {
    if (this.closed) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'remote operations closed');
    const remoteId = BigInt(remote);
    const put: PutRequest = {
      destinationEntityId: remoteId,
      messagesToUser: messages.map((m) => encodeReservedMessage(m)),
    };
    if (options.transmissionClass !== undefined) put.transmissionClass = options.transmissionClass;
    const requestId = await this.entity.put(put);
    const key = transactionKey(requestId);
    options.onRequest?.(requestId);
    return new Promise<T>((resolve, reject) => {
      let answered = false;
      let timer: TimerId | undefined;
      const finish = (): void => {
        this.pending.delete(key);
        if (timer !== undefined) this.clock?.cancelTimer(timer);
      };
      const done = (v: T): void => {
        finish();
        resolve(v);
      };
      const fail = (err: Error): void => {
        finish();
        reject(err);
      };
      this.pending.set(key, {
        remote: remoteId,
        onMetadata: (e, ms) => {
          answered = true;
          settle(e, ms, done, fail, requestId);
        },
        fail,
      });
      const limit = options.timeoutMs ?? this.timeoutMs;
      if (limit > 0 && this.clock !== undefined) {
        timer = this.clock.setTimer(limit, () => {
          timer = undefined;
          fail(
            new CcsdsError(
              CcsdsErrorCode.LIMIT_EXCEEDED,
              `no answer from entity ${remoteId} to ${key} within ${limit} ms`,
            ),
          );
        });
      }
      void this.entity.waitFor(requestId).then((r) => {
        if (r.conditionCode !== ConditionCode.NO_ERROR && !answered && this.pending.has(key)) {
          fail(
            new CcsdsError(
              CcsdsErrorCode.INVALID_STATE,
              `the request to entity ${remoteId} (${key}) failed with condition code ${r.conditionCode}`,
            ),
          );
        }
      });
    });
  }

  private proxyPutMessages(
    destination: bigint,
    source: string,
    target: string,
    options: ProxyPutOptions,
  ): ReservedMessage[] {
    const messages: ReservedMessage[] = [
      {
        kind: 'proxyPutRequest',
        destinationEntityId: destination,
        destinationEntityIdLength: minimalWidth(destination),
        sourceFileName: source,
        destinationFileName: target,
      },
    ];
    for (const m of options.messagesToUser ?? [])
      messages.push({ kind: 'proxyMessageToUser', message: m });
    for (const r of options.filestoreRequests ?? [])
      messages.push({
        kind: 'proxyFilestoreRequest',
        actionCode: r.actionCode,
        firstFileName: r.firstFileName,
        secondFileName: r.secondFileName ?? null,
      });
    for (const o of options.faultHandlerOverrides ?? [])
      messages.push({ kind: 'proxyFaultHandlerOverride', ...o });
    if (options.proxyTransmissionClass !== undefined)
      messages.push({
        kind: 'proxyTransmissionMode',
        transmissionMode:
          options.proxyTransmissionClass === 2
            ? TransmissionMode.ACKNOWLEDGED
            : TransmissionMode.UNACKNOWLEDGED,
      });
    if (options.flowLabel !== undefined)
      messages.push({ kind: 'proxyFlowLabel', flowLabel: options.flowLabel });
    if (options.segmentationControl !== undefined)
      messages.push({
        kind: 'proxySegmentationControl',
        segmentationControl: options.segmentationControl,
      });
    if (options.closureRequested !== undefined)
      messages.push({ kind: 'proxyClosureRequest', closureRequested: options.closureRequested });
    return messages;
  }

  /**
   * Proxy put (§6.2): asks `proxy` to send its file `sourceFileName` to `destination` as
   * `destinationFileName`, with the proxy options given. Resolves with the Proxy Put Response
   * (and, when the destination is this entity, once the file has arrived).
   */
  async proxyPut(
    proxy: bigint | number,
    destination: bigint | number,
    sourceFileName: string,
    destinationFileName: string,
    options: ProxyPutOptions = {},
  ): Promise<ProxyPutResult> {
    const proxyId = BigInt(proxy);
    const dest = BigInt(destination);
    const toUs = dest === this.localEntityId;
    const messages = this.proxyPutMessages(dest, sourceFileName, destinationFileName, options);
    let response: ProxyPutResponse | undefined;
    const fsResponses: ProxyFilestoreResponse[] = [];
    let fileId: TransactionId | undefined;
    let fileResult: Finished | undefined;
    return this.request<ProxyPutResult>(
      proxyId,
      messages,
      options,
      (e, ms, done, _fail, requestId) => {
        const settleIfComplete = (): void => {
          if (response === undefined) return;
          if (fileId !== undefined && fileResult === undefined) return;
          const ok =
            response.conditionCode === ConditionCode.NO_ERROR &&
            fsResponses.every((r) => r.statusCode === 0) &&
            (!toUs ||
              sourceFileName === '' ||
              (fileResult !== undefined && fileResult.conditionCode === ConditionCode.NO_ERROR));
          const result: ProxyPutResult = {
            ok,
            requestId,
            conditionCode: response.conditionCode,
            deliveryCode: response.deliveryCode,
            fileStatus: response.fileStatus,
            filestoreResponses: fsResponses,
          };
          if (fileResult !== undefined) result.fileTransaction = fileResult;
          done(result);
        };
        const r = ms.find((m): m is ProxyPutResponse => m.kind === 'proxyPutResponse');
        if (r !== undefined && e.sourceEntityId === proxyId) {
          response = r;
          for (const m of ms) if (m.kind === 'proxyFilestoreResponse') fsResponses.push(m);
          settleIfComplete();
        } else if (
          r === undefined &&
          toUs &&
          e.sourceEntityId === proxyId &&
          fileId === undefined
        ) {
          // The proxied transfer itself, carrying our request's ID.
          fileId = e.transactionId;
          void this.entity.waitFor(fileId).then((f) => {
            fileResult = f;
            settleIfComplete();
          });
        }
      },
    );
  }

  /**
   * Get: a proxy put from `remote` back to this entity (§6.2). Asks `remote` to send its file
   * `remotePath` here as `localPath`; resolves when the Proxy Put Response and the file have
   * arrived (`ok` true when the file is in place).
   */
  get(
    remote: bigint | number,
    remotePath: string,
    localPath: string,
    options: ProxyPutOptions = {},
  ): Promise<ProxyPutResult> {
    return this.proxyPut(remote, this.localEntityId, remotePath, localPath, options);
  }

  /**
   * Proxy Put Cancel (§6.2): asks `remote` to cancel the transfer it started for our request
   * `requestId` (the ID given to `onRequest` of {@link get} or {@link proxyPut}). The pending
   * `get`/`proxyPut` then resolves with condition code 15 (cancel request received). Resolves
   * with the ID of the transaction that carried the cancel request once it is sent.
   */
  async cancelProxyPut(
    remote: bigint | number,
    requestId: TransactionId,
    options: Pick<RemoteRequestOptions, 'transmissionClass'> = {},
  ): Promise<TransactionId> {
    const put: PutRequest = {
      destinationEntityId: BigInt(remote),
      messagesToUser: [
        encodeReservedMessage({ kind: 'proxyPutCancel' }),
        encodeReservedMessage({
          kind: 'originatingTransactionId',
          ...reservedTransactionId(requestId),
        }),
      ],
    };
    if (options.transmissionClass !== undefined) put.transmissionClass = options.transmissionClass;
    return this.entity.put(put);
  }

  /**
   * Runs filestore requests on `remote`'s filestore through Proxy Filestore Requests (a Proxy
   * Put Request naming `remote` itself, with no file). Resolves with the Proxy Filestore
   * Responses; `ok` when every status is 0. After a failed request the remote performs none of
   * the rest (status 15), as for the filestore requests of a Metadata PDU.
   */
  async remoteFilestore(
    remote: bigint | number,
    requests: RemoteFilestoreRequest[],
    options: RemoteRequestOptions = {},
  ): Promise<ProxyPutResult> {
    if (requests.length === 0)
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'no filestore requests');
    return this.proxyPut(remote, remote, '', '', { ...options, filestoreRequests: requests });
  }

  private async inboxPath(kind: string): Promise<string> {
    const r = await this.filestore.execute(FilestoreAction.CREATE_DIRECTORY, this.inbox);
    if (r.status !== 0) {
      const st = await this.filestore.stat(this.inbox);
      if (st === undefined || !st.isDirectory)
        throw new CcsdsError(
          CcsdsErrorCode.INVALID_STATE,
          `cannot create the inbox folder ${this.inbox}: ${r.message}`,
        );
    }
    return `${this.inbox}/${kind}-${this.localEntityId}-${this.entity.nextSequenceNumber}-${++this.fileCounter}`;
  }

  private async readFile(path: string, max: number): Promise<Uint8Array> {
    const st = await this.filestore.stat(path);
    if (st === undefined || st.isDirectory)
      throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, `${path} did not arrive`);
    if (st.size > max)
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `${path}: ${st.size} octets, at most ${max}`,
      );
    const h = await this.filestore.openRead(path);
    try {
      return await h.read(0, st.size);
    } finally {
      await h.close();
    }
  }

  /**
   * Directory listing (§6.3): asks `remote` for a listing of `directoryName`, which arrives as a
   * file in this entity's inbox folder (or at `options.listingFile`), is parsed, and is removed
   * unless `options.keep`. Resolves with the entries; `ok` false (with a reason) when the remote
   * refused or could not list the directory, or the listing did not arrive intact.
   */
  async listDirectory(
    remote: bigint | number,
    directoryName: string,
    options: RemoteRequestOptions & { listingFile?: string; keep?: boolean } = {},
  ): Promise<DirectoryListingResult> {
    const remoteId = BigInt(remote);
    const file = options.listingFile ?? (await this.inboxPath('listing'));
    return this.request<DirectoryListingResult>(
      remoteId,
      [{ kind: 'directoryListingRequest', directoryName, directoryFileName: file }],
      options,
      (e, ms, done, _fail, requestId) => {
        const r = ms.find(
          (m): m is DirectoryListingResponse => m.kind === 'directoryListingResponse',
        );
        if (r === undefined || e.sourceEntityId !== remoteId) return;
        const result = (entries: DirectoryEntry[], reason?: string): DirectoryListingResult => {
          const out: DirectoryListingResult = {
            ok: reason === undefined,
            requestId,
            directoryName: r.directoryName,
            entries,
          };
          if (reason !== undefined) out.reason = reason;
          return out;
        };
        if (r.listingResponseCode !== ReservedResponseCode.SUCCESSFUL) {
          done(result([], `entity ${remoteId} could not or would not list ${directoryName}`));
          return;
        }
        void this.entity.waitFor(e.transactionId).then(async (f) => {
          if (f.conditionCode !== ConditionCode.NO_ERROR) {
            done(result([], `the listing transfer failed with condition code ${f.conditionCode}`));
            return;
          }
          try {
            const bytes = await this.readFile(
              r.directoryFileName,
              this.listingLimits.maxOctets ?? 16 * 1024 * 1024,
            );
            const listing = parseDirectoryListing(bytes, this.listingLimits);
            done(result(listing.entries));
          } catch (err) {
            done(result([], errorText(err)));
          } finally {
            if (options.keep !== true)
              await this.filestore.remove(r.directoryFileName).catch(() => undefined);
          }
        });
      },
    );
  }

  /**
   * Remote status report (§6.4): asks `remote` for the status of transaction `id`. With
   * `options.reportFile` (or by default, into the inbox) the remote also sends its report as a
   * file, which is parsed into `report` and removed unless `options.keep`; `reportFile: ''`
   * asks for the response alone.
   */
  async remoteStatus(
    remote: bigint | number,
    id: TransactionId,
    options: RemoteRequestOptions & { reportFile?: string; keep?: boolean } = {},
  ): Promise<RemoteStatusResult> {
    const remoteId = BigInt(remote);
    const file = options.reportFile ?? (await this.inboxPath('status'));
    return this.request<RemoteStatusResult>(
      remoteId,
      [{ kind: 'remoteStatusReportRequest', ...reservedTransactionId(id), reportFileName: file }],
      options,
      (e, ms, done, _fail, requestId) => {
        const r = ms.find(
          (m): m is RemoteStatusReportResponse => m.kind === 'remoteStatusReportResponse',
        );
        if (r === undefined || e.sourceEntityId !== remoteId) return;
        const result: RemoteStatusResult = {
          requestId,
          transactionStatus: r.transactionStatus,
          responseCode: r.responseCode,
        };
        if (e.destinationFileName === '' || file === '') {
          done(result);
          return;
        }
        void this.entity.waitFor(e.transactionId).then(async (f) => {
          try {
            if (f.conditionCode === ConditionCode.NO_ERROR)
              result.report = parseStatusReportFile(
                await this.readFile(e.destinationFileName, 65536),
              );
          } catch (err) {
            this.fail(err, e.transactionId);
          } finally {
            if (options.keep !== true)
              await this.filestore.remove(e.destinationFileName).catch(() => undefined);
          }
          done(result);
        });
      },
    );
  }

  private suspendRequest(
    remote: bigint | number,
    id: TransactionId,
    suspend: boolean,
    options: RemoteRequestOptions,
  ): Promise<RemoteSuspendResult> {
    const remoteId = BigInt(remote);
    const want = suspend ? 'remoteSuspendResponse' : 'remoteResumeResponse';
    return this.request<RemoteSuspendResult>(
      remoteId,
      [
        {
          kind: suspend ? 'remoteSuspendRequest' : 'remoteResumeRequest',
          ...reservedTransactionId(id),
        },
      ],
      options,
      (e, ms, done, _fail, requestId) => {
        const r = ms.find(
          (m): m is RemoteSuspendResponse | RemoteResumeResponse => m.kind === want,
        );
        if (r === undefined || e.sourceEntityId !== remoteId) return;
        done({
          requestId,
          suspensionIndicator: r.suspensionIndicator,
          transactionStatus: r.transactionStatus,
        });
      },
    );
  }

  /** Remote suspend (§6.5): asks `remote` to suspend transaction `id`. */
  remoteSuspend(
    remote: bigint | number,
    id: TransactionId,
    options: RemoteRequestOptions = {},
  ): Promise<RemoteSuspendResult> {
    return this.suspendRequest(remote, id, true, options);
  }

  /** Remote resume (§6.5): asks `remote` to resume transaction `id`. */
  remoteResume(
    remote: bigint | number,
    id: TransactionId,
    options: RemoteRequestOptions = {},
  ): Promise<RemoteSuspendResult> {
    return this.suspendRequest(remote, id, false, options);
  }
}

function sameId(a: TransactionId, b: TransactionId): boolean {
  return a.sourceEntityId === b.sourceEntityId && a.sequenceNumber === b.sequenceNumber;
}
