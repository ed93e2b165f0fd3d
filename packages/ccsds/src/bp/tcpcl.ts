/**
 * The TCP convergence layer protocol version 4 (RFC 9174), portable part: the contact header
 * (§4.2), the messages (§4.7, §5, §6: SESS_INIT, XFER_SEGMENT, XFER_ACK, XFER_REFUSE,
 * KEEPALIVE, SESS_TERM, MSG_REJECT), an incremental parser with limits, and
 * {@link TcpclSession}, the session state machine over any byte stream: contact header
 * exchange, session initialisation and parameter negotiation, segmented transfers with
 * acknowledgements, refusals, keepalive and idle timeout through the injected `Clock`, and
 * orderly termination. TLS (§4.4): with `canTls` the contact header carries CAN_TLS, and when
 * both headers do the stream's `startTls` runs right after the contact header exchange (the
 * active side is the TLS client) before SESS_INIT; with `requireTls` a session without TLS is
 * refused; once the peer's SESS_INIT arrives over TLS, the stream's `authenticateNodeId` checks its
 * node ID against the peer's certificate (§4.4.3) and a mismatch ends the session. The socket glue (TLS with `node:tls`) is
 * `TcpclConvergenceLayer` in `ccsds/bp/node`.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  type Clock,
  type TimerId,
  TypedEmitter,
} from '../core/index.js';

/** The contact header's magic, "dtn!". */
export const TCPCL_MAGIC = new Uint8Array([0x64, 0x74, 0x6e, 0x21]);
/** Protocol version. */
export const TCPCL_VERSION = 4;

/** Message type codes (RFC 9174 §9.5). */
export const TcpclMessageType = {
  XFER_SEGMENT: 0x01,
  XFER_ACK: 0x02,
  XFER_REFUSE: 0x03,
  KEEPALIVE: 0x04,
  SESS_TERM: 0x05,
  MSG_REJECT: 0x06,
  SESS_INIT: 0x07,
} as const;

/** XFER_SEGMENT / XFER_ACK flags. */
export const TransferFlags = { END: 0x01, START: 0x02 } as const;
/** XFER_REFUSE reason codes (§5.2.4). */
export const RefuseReason = {
  UNKNOWN: 0x00,
  COMPLETED: 0x01,
  NO_RESOURCES: 0x02,
  RETRANSMIT: 0x03,
  NOT_ACCEPTABLE: 0x04,
  EXTENSION_FAILURE: 0x05,
  SESSION_TERMINATING: 0x06,
} as const;
/** SESS_TERM reason codes (§6.1). */
export const TerminationReason = {
  UNKNOWN: 0x00,
  IDLE_TIMEOUT: 0x01,
  VERSION_MISMATCH: 0x02,
  BUSY: 0x03,
  CONTACT_FAILURE: 0x04,
  RESOURCE_EXHAUSTION: 0x05,
} as const;
/** MSG_REJECT reason codes (§5.1.1). */
export const RejectReason = { TYPE_UNKNOWN: 0x01, UNSUPPORTED: 0x02, UNEXPECTED: 0x03 } as const;
/** Transfer extension type: Transfer Length (§4.8.1... §5.2.5.1). */
export const TRANSFER_LENGTH_EXTENSION = 0x0001;

/** A session or transfer extension item (§4.8, §5.2.5). */
export interface ExtensionItem {
  /** Bit 0x01: critical. */
  flags: number;
  itemType: number;
  value: Uint8Array;
}

/** A TCPCLv4 message. */
export type TcpclMessage =
  | {
      type: 0x01;
      flags: number;
      transferId: number;
      /** Present with the START flag. */
      extensions?: ExtensionItem[];
      data: Uint8Array;
    }
  | { type: 0x02; flags: number; transferId: number; acknowledgedLength: number }
  | { type: 0x03; reason: number; transferId: number }
  | { type: 0x04 }
  | { type: 0x05; flags: number; reason: number }
  | { type: 0x06; reason: number; rejectedType: number }
  | {
      type: 0x07;
      keepaliveInterval: number;
      segmentMru: number;
      transferMru: number;
      nodeId: string;
      extensions: ExtensionItem[];
    };

/** Encodes the contact header. */
export function encodeContactHeader(flags = 0): Uint8Array {
  return new Uint8Array([...TCPCL_MAGIC, TCPCL_VERSION, flags]);
}

function put64(dv: DataView, at: number, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `u64 field must be 0..2^53-1, got ${v}`);
  }
  dv.setUint32(at, Math.floor(v / 0x100000000));
  dv.setUint32(at + 4, v >>> 0);
}

function extensionsLength(items: readonly ExtensionItem[]): number {
  return items.reduce((n, x) => n + 5 + x.value.length, 0);
}

function putExtensions(
  out: Uint8Array,
  dv: DataView,
  at: number,
  items: readonly ExtensionItem[],
): number {
  for (const x of items) {
    dv.setUint8(at, x.flags);
    dv.setUint16(at + 1, x.itemType);
    dv.setUint16(at + 3, x.value.length);
    out.set(x.value, at + 5);
    at += 5 + x.value.length;
  }
  return at;
}

/** Encodes one message. */
export function encodeTcpclMessage(m: TcpclMessage): Uint8Array {
  let out: Uint8Array;
  let dv: DataView;
  const alloc = (n: number): void => {
    out = new Uint8Array(n);
    dv = new DataView(out.buffer);
    out[0] = m.type;
  };
  switch (m.type) {
    case 0x01: {
      const start = (m.flags & TransferFlags.START) !== 0;
      const ext = start ? (m.extensions ?? []) : [];
      const el = start ? 4 + extensionsLength(ext) : 0;
      alloc(1 + 1 + 8 + el + 8 + m.data.length);
      dv!.setUint8(1, m.flags);
      put64(dv!, 2, m.transferId);
      let at = 10;
      if (start) {
        dv!.setUint32(at, el - 4);
        at = putExtensions(out!, dv!, at + 4, ext);
      }
      put64(dv!, at, m.data.length);
      out!.set(m.data, at + 8);
      break;
    }
    case 0x02:
      alloc(18);
      dv!.setUint8(1, m.flags);
      put64(dv!, 2, m.transferId);
      put64(dv!, 10, m.acknowledgedLength);
      break;
    case 0x03:
      alloc(10);
      dv!.setUint8(1, m.reason);
      put64(dv!, 2, m.transferId);
      break;
    case 0x04:
      alloc(1);
      break;
    case 0x05:
      alloc(3);
      dv!.setUint8(1, m.flags);
      dv!.setUint8(2, m.reason);
      break;
    case 0x06:
      alloc(3);
      dv!.setUint8(1, m.reason);
      dv!.setUint8(2, m.rejectedType);
      break;
    case 0x07: {
      const id = new TextEncoder().encode(m.nodeId);
      if (id.length > 0xffff)
        throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'node ID too long');
      const el = extensionsLength(m.extensions);
      alloc(1 + 2 + 8 + 8 + 2 + id.length + 4 + el);
      dv!.setUint16(1, m.keepaliveInterval);
      put64(dv!, 3, m.segmentMru);
      put64(dv!, 11, m.transferMru);
      dv!.setUint16(19, id.length);
      out!.set(id, 21);
      dv!.setUint32(21 + id.length, el);
      putExtensions(out!, dv!, 25 + id.length, m.extensions);
      break;
    }
    default:
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'unknown TCPCL message type');
  }
  return out!;
}

/**
 * Encodes the header of an XFER_SEGMENT carrying `dataLength` octets (the data follows it on
 * the wire). With `transferLength` >= 0 (the START segment) it carries the Transfer Length
 * extension item.
 */
export function encodeSegmentHeader(
  flags: number,
  transferId: number,
  transferLength: number,
  dataLength: number,
): Uint8Array {
  const start = transferLength >= 0;
  const out = new Uint8Array(start ? 35 : 18);
  const dv = new DataView(out.buffer);
  out[0] = TcpclMessageType.XFER_SEGMENT;
  out[1] = flags;
  put64(dv, 2, transferId);
  let at = 10;
  if (start) {
    dv.setUint32(10, 13); // one extension item: 5 octets of header + 8 of value
    out[14] = 0;
    dv.setUint16(15, TRANSFER_LENGTH_EXTENSION);
    dv.setUint16(17, 8);
    put64(dv, 19, transferLength);
    at = 27;
  }
  put64(dv, at, dataLength);
  return out;
}

/** The Transfer Length extension item's field length (13) and item header, as in a START segment. */
const TRANSFER_LENGTH_ITEM_HEAD = new Uint8Array([0, 0, 0, 13, 0, 0, 1, 0, 8]);

/** Writes a non-negative safe integer as 8 octets big-endian. */
function put64be(b: Uint8Array, at: number, v: number): void {
  const hi = Math.floor(v / 0x100000000);
  const lo = v >>> 0;
  b[at] = hi >>> 24;
  b[at + 1] = (hi >>> 16) & 0xff;
  b[at + 2] = (hi >>> 8) & 0xff;
  b[at + 3] = hi & 0xff;
  b[at + 4] = lo >>> 24;
  b[at + 5] = (lo >>> 16) & 0xff;
  b[at + 6] = (lo >>> 8) & 0xff;
  b[at + 7] = lo & 0xff;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Limits of {@link TcpclParser}. */
export interface TcpclParserLimits {
  /** Largest segment data accepted (our segment MRU); default 1 MiB. */
  maxSegmentLength?: number;
  /** Largest extension items field (default 64 KiB). */
  maxExtensionsLength?: number;
  /**
   * Return an XFER_SEGMENT as soon as its header is complete, its data only partly there: the
   * result's `missing` octets of `data` (its tail) are still to come, and `length` is all of
   * `buf` (default false: null until the whole message is there).
   */
  partialSegments?: boolean;
}

const NEED_MORE = null;
const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function u64(b: Uint8Array, at: number, what: string, offset: number): number {
  const hi = u32(b, at);
  if (hi > 0x1fffff) {
    throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, `${what} above 2^53-1`, { offset });
  }
  return hi * 0x100000000 + u32(b, at + 4);
}

/** Extension items in `buf[at, end)`; their values are copies, or views with `copy` false. */
function parseExtensions(
  buf: Uint8Array,
  at: number,
  end: number,
  offset: number,
  copy: boolean,
): ExtensionItem[] {
  const items: ExtensionItem[] = [];
  while (at < end) {
    if (at + 5 > end)
      throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'truncated extension item', { offset });
    const len = u16(buf, at + 3);
    if (at + 5 + len > end)
      throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'extension item overruns its field', {
        offset,
      });
    items.push({
      flags: buf[at]!,
      itemType: u16(buf, at + 1),
      value: copy ? buf.slice(at + 5, at + 5 + len) : buf.subarray(at + 5, at + 5 + len),
    });
    at += 5 + len;
  }
  return items;
}

/**
 * Parses one message at the start of `buf`. Returns the message and its length, or null when
 * more octets are needed (see `partialSegments`). Lengths are checked against the limits before
 * waiting for data, so a
 * peer claiming 2^60 octets is refused at once (`LIMIT_EXCEEDED`). An unknown type is
 * `UNSUPPORTED` with the type in the message. Segment data and extension values are copies.
 */
export function parseTcpclMessage(
  buf: Uint8Array,
  limits: TcpclParserLimits = {},
  offset = 0,
): { message: TcpclMessage; length: number; missing?: number } | null {
  return parseMessageAt(
    buf,
    0,
    limits.maxSegmentLength ?? 1 << 20,
    limits.maxExtensionsLength ?? 1 << 16,
    limits.partialSegments === true,
    offset,
    undefined,
  );
}

/**
 * Where a session's parser puts segment data: `n` octets of fresh memory (the caller fills
 * them), for the data of a segment that arrived or is arriving.
 */
type SegmentAllocator = (n: number) => Uint8Array;

/**
 * A session's segment memory: the data of small segments (up to {@link SEGMENT_SLAB_MAX}
 * octets) is cut one after another from shared slabs of {@link SEGMENT_SLAB_SIZE} octets, as
 * encoded bundles are (an allocation of its own per 1 KiB segment cost as much as the rest of
 * its parsing); larger data gets a buffer of its own. A slab is never written twice, and is
 * freed once no segment cut from it is referenced.
 */
function segmentMemory(n: number): Uint8Array {
  if (n > SEGMENT_SLAB_MAX) return new Uint8Array(n);
  if (segmentSlabUsed + n > segmentSlab.length) {
    segmentSlab = new Uint8Array(SEGMENT_SLAB_SIZE);
    segmentSlabUsed = 0;
  }
  const v = segmentSlab.subarray(segmentSlabUsed, segmentSlabUsed + n);
  segmentSlabUsed += n;
  return v;
}
const SEGMENT_SLAB_SIZE = 16_384;
const SEGMENT_SLAB_MAX = 4096;
let segmentSlab = new Uint8Array(0);
let segmentSlabUsed = 0;

/**
 * {@link parseTcpclMessage} on the octets of `buf` from `pos` (lengths are counted from
 * there). With `alloc` (a session's parser) segment data goes into memory from `alloc` and
 * extension values are views into `buf`; without it both are copies of their own.
 */
function parseMessageAt(
  buf: Uint8Array,
  pos: number,
  maxSeg: number,
  maxExt: number,
  partialSegments: boolean,
  offset: number,
  alloc: SegmentAllocator | undefined,
): { message: TcpclMessage; length: number; missing?: number } | null {
  const avail = buf.length - pos;
  if (avail < 1) return NEED_MORE;
  const type = buf[pos]!;
  switch (type) {
    case 0x01: {
      if (avail < 10) return NEED_MORE;
      const flags = buf[pos + 1]!;
      const transferId = u64(buf, pos + 2, 'transfer ID', offset);
      let at = 10;
      let extensions: ExtensionItem[] | undefined;
      if ((flags & TransferFlags.START) !== 0) {
        if (avail < 14) return NEED_MORE;
        const el = u32(buf, pos + 10);
        if (el > maxExt) {
          throw new CcsdsError(
            CcsdsErrorCode.LIMIT_EXCEEDED,
            `transfer extensions of ${el} octets`,
            { offset },
          );
        }
        if (avail < 14 + el) return NEED_MORE;
        extensions = parseExtensions(buf, pos + 14, pos + 14 + el, offset, alloc === undefined);
        at = 14 + el;
      }
      if (avail < at + 8) return NEED_MORE;
      const n = u32(buf, pos + at) * 0x100000000 + u32(buf, pos + at + 4);
      if (n > maxSeg) {
        throw new CcsdsError(
          CcsdsErrorCode.LIMIT_EXCEEDED,
          `segment of ${n} octets exceeds the segment MRU of ${maxSeg}`,
          { offset },
        );
      }
      const whole = avail >= at + 8 + n;
      if (!whole && !partialSegments) return NEED_MORE;
      // The data is copied out (into a buffer of exactly its length when it is still arriving).
      const from = pos + at + 8;
      const have = whole ? n : avail - at - 8;
      let data: Uint8Array;
      if (alloc === undefined && whole) data = buf.slice(from, from + n);
      else {
        data = alloc === undefined ? new Uint8Array(n) : alloc(n);
        data.set(buf.subarray(from, from + have));
      }
      const message: TcpclMessage =
        extensions === undefined
          ? { type: 0x01, flags, transferId, data }
          : { type: 0x01, flags, transferId, extensions, data };
      return whole
        ? { message, length: at + 8 + n }
        : { message, length: avail, missing: n - have };
    }
    case 0x02:
      if (avail < 18) return NEED_MORE;
      return {
        message: {
          type: 0x02,
          flags: buf[pos + 1]!,
          transferId: u64(buf, pos + 2, 'transfer ID', offset),
          acknowledgedLength: u64(buf, pos + 10, 'acknowledged length', offset),
        },
        length: 18,
      };
    case 0x03:
      if (avail < 10) return NEED_MORE;
      return {
        message: {
          type: 0x03,
          reason: buf[pos + 1]!,
          transferId: u64(buf, pos + 2, 'transfer ID', offset),
        },
        length: 10,
      };
    case 0x04:
      return { message: { type: 0x04 }, length: 1 };
    case 0x05:
      if (avail < 3) return NEED_MORE;
      return { message: { type: 0x05, flags: buf[pos + 1]!, reason: buf[pos + 2]! }, length: 3 };
    case 0x06:
      if (avail < 3) return NEED_MORE;
      return {
        message: { type: 0x06, reason: buf[pos + 1]!, rejectedType: buf[pos + 2]! },
        length: 3,
      };
    case 0x07: {
      if (avail < 21) return NEED_MORE;
      const idLen = u16(buf, pos + 19);
      if (avail < 25 + idLen) return NEED_MORE;
      const el = u32(buf, pos + 21 + idLen);
      if (el > maxExt) {
        throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, `session extensions of ${el} octets`, {
          offset,
        });
      }
      if (avail < 25 + idLen + el) return NEED_MORE;
      let nodeId: string;
      try {
        nodeId = utf8.decode(buf.subarray(pos + 21, pos + 21 + idLen));
      } catch {
        throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'node ID is not UTF-8', {
          offset: offset + 21,
        });
      }
      return {
        message: {
          type: 0x07,
          keepaliveInterval: u16(buf, pos + 1),
          segmentMru: u64(buf, pos + 3, 'segment MRU', offset),
          transferMru: u64(buf, pos + 11, 'transfer MRU', offset),
          nodeId,
          // Session extension items are kept by nobody past this message, but are few: copies.
          extensions: parseExtensions(buf, pos + 25 + idLen, pos + 25 + idLen + el, offset, true),
        },
        length: 25 + idLen + el,
      };
    }
    default:
      throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, `unknown TCPCL message type ${type}`, {
        offset,
      });
  }
}

/** The byte stream under a session. */
export interface TcpclIo {
  /** Writes octets; resolves when the stream can take more (back-pressure). */
  write(data: Uint8Array): Promise<void>;
  /**
   * Optional: writes several buffers in order without copying them together; returns a promise
   * only when the stream is full (resolving when it can take more), else `undefined`.
   */
  writev?(parts: Uint8Array[]): Promise<void> | undefined;
  /** Closes the stream. */
  close(): void;
  /**
   * Optional: secures the stream with TLS (as client when `active`), right after the contact
   * headers; octets received after it resolves are plaintext from the TLS layer.
   */
  startTls?(active: boolean): Promise<void>;
  /**
   * Optional, for a session secured by TLS: authenticates the node ID the peer announced in
   * SESS_INIT against the peer's certificate (RFC 9174 §4.4.3); returns why it failed, or
   * `undefined` when it passed. On failure the session is terminated (reason contact failure)
   * before it is established.
   */
  authenticateNodeId?(peerNodeId: string): string | undefined;
}

/** Options of {@link TcpclSession}. */
export interface TcpclSessionOptions {
  /** This node's ID, e.g. `ipn:1.0`. */
  nodeId: string;
  /** True on the side that opened the connection. */
  active: boolean;
  clock: Clock;
  /** Keepalive interval offered, seconds (default 30; 0 disables keepalives). */
  keepaliveInterval?: number;
  /** Largest segment we accept (default 1 MiB). */
  segmentMru?: number;
  /** Largest transfer (bundle) we accept (default 16 MiB). */
  transferMru?: number;
  /** Time allowed from connection to established session, ms (default 10,000). */
  contactTimeoutMs?: number;
  /** Time to wait for the peer's SESS_TERM reply, ms (default 2,000). */
  terminationTimeoutMs?: number;
  /** Offer TLS: CAN_TLS in our contact header (needs `io.startTls`; default false). */
  canTls?: boolean;
  /** Refuse a session unless TLS is negotiated (default false). */
  requireTls?: boolean;
}

/** Contact header flags (RFC 9174 §4.2). */
export const ContactFlags = { CAN_TLS: 0x01 } as const;

/** Session states. */
export type TcpclState = 'contact' | 'init' | 'established' | 'ending' | 'closed';

/** Events of {@link TcpclSession}. */
export type TcpclSessionEvents = {
  /** Session parameters negotiated. */
  established: [peerNodeId: string];
  /** A complete bundle arrived. */
  bundle: [data: Uint8Array];
  /** The peer refused one of our transfers. */
  refused: [transferId: number, reason: number];
  /** One of our transfers was fully acknowledged. */
  acknowledged: [transferId: number];
  /** A protocol problem (the session may carry on or terminate). */
  error: [error: Error];
  /** The session ended; `unacknowledged` are our bundles not fully acknowledged. */
  closed: [reason: number | undefined, unacknowledged: Uint8Array[]];
};

interface OutTransfer {
  id: number;
  data: Uint8Array;
  /** Octets written so far. */
  sent: number;
  acked: number;
  refused: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

interface InTransfer {
  id: number;
  parts: Uint8Array[];
  length: number;
  refused: boolean;
}

/** One TCPCLv4 session; see the module comment. */
export class TcpclSession {
  readonly events = new TypedEmitter<TcpclSessionEvents>();
  /** Current state. */
  state: TcpclState = 'contact';
  /** The peer's node ID once known. */
  peerNodeId: string | undefined;
  /** True once TLS secures the session. */
  secure = false;
  private tlsPending = false;
  /** Negotiated keepalive interval (s), segment size we send, transfer MRU of the peer. */
  keepaliveInterval = 0;
  peerSegmentMru = 0;
  peerTransferMru = 0;
  private readonly io: TcpclIo;
  private readonly opts: Required<TcpclSessionOptions>;
  /** Received octets not parsed yet: `buf` from `bufPos` on. */
  private buf: Uint8Array = EMPTY;
  private bufPos = 0;
  /** A segment whose header arrived and whose data is still arriving. */
  private partial: { message: TcpclMessage; missing: number } | undefined;
  /** Our own receive buffer when `buf` is a view into it, and the end of its valid octets. */
  private own: Uint8Array | undefined;
  private ownEnd = 0;
  private contactReceived = false;
  private nextTransferId = 0;
  private readonly outgoing = new Map<number, OutTransfer>();
  private incoming: InTransfer | undefined;
  private lastReceived = 0;
  private lastSent = 0;
  private timer: TimerId | undefined;
  private readonly waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** Our transfers in the order their segments are written; `sendHead` is the next. */
  private sendQueue: OutTransfer[] = [];
  private sendHead = 0;
  /** The stream asked us to wait (back-pressure), until `unblocked` resolves. */
  private blocked = false;
  private unblocked: Promise<void> | undefined;
  /**
   * The outbox: XFER_ACKs and small XFER_SEGMENTs are encoded into it and leave together in one
   * write, at the end of the received chunk that caused them or of the current task.
   */
  private outBuf: Uint8Array | undefined;
  private outLen = 0;
  private outQueued = false;
  private termReason: number | undefined;

  constructor(io: TcpclIo, options: TcpclSessionOptions) {
    this.io = io;
    this.opts = {
      keepaliveInterval: 30,
      segmentMru: 1 << 20,
      transferMru: 16 << 20,
      contactTimeoutMs: 10_000,
      terminationTimeoutMs: 2_000,
      canTls: false,
      requireTls: false,
      ...options,
    };
    if (this.opts.canTls && io.startTls === undefined)
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'canTls needs a stream with startTls');
    this.lastReceived = this.lastSent = this.opts.clock.now();
    this.timer = this.opts.clock.setTimer(this.opts.contactTimeoutMs, () => {
      if (this.state !== 'established') {
        this.fail(
          new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'TCPCL session not established in time'),
        );
        this.terminate(TerminationReason.CONTACT_FAILURE);
      }
    });
    if (options.active) this.write(encodeContactHeader(this.contactFlags())).catch(() => undefined);
  }

  /** Resolves once the session is established; rejects if it closes first. */
  ready(): Promise<void> {
    if (this.state === 'established') return Promise.resolve();
    if (this.state === 'closed' || this.state === 'ending') {
      return Promise.reject(
        new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'TCPCL session is closed'),
      );
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private write(data: Uint8Array): Promise<void> {
    this.flushOut();
    this.lastSent = this.opts.clock.now();
    return this.io.write(data);
  }

  /** Room for `n` octets at the end of the outbox (flushed first when full): their offset. */
  private reserve(n: number): number {
    if (this.outBuf === undefined || this.outLen + n > this.outBuf.length) {
      this.flushOut();
      this.outBuf = new Uint8Array(Math.max(1 << 16, n));
    }
    const at = this.outLen;
    this.outLen += n;
    if (!this.outQueued) {
      this.outQueued = true;
      queueMicrotask(() => {
        this.outQueued = false;
        this.flushOut();
      });
    }
    return at;
  }

  /** Writes the outbox (one write); a full stream pauses our segments until it drains. */
  private flushOut(): void {
    const b = this.outBuf;
    if (b === undefined || this.outLen === 0) return;
    const out = b.subarray(0, this.outLen);
    // The rest of the buffer is never written under `out`: the next messages go after it.
    this.outBuf = b.length - this.outLen >= 1024 ? b.subarray(this.outLen) : undefined;
    this.outLen = 0;
    if (this.state === 'closed') return;
    this.lastSent = this.opts.clock.now();
    const w = this.io.writev !== undefined ? this.io.writev([out]) : this.io.write(out);
    if (w !== undefined) this.blockUntil(w);
  }

  /** The stream is full: our segments wait until `w` settles, then sending goes on. */
  private blockUntil(w: Promise<unknown>): void {
    this.blocked = true;
    const go = (): void => {
      this.blocked = false;
      this.pumpSends();
    };
    this.unblocked = w.then(go, go);
  }

  private fail(e: Error): void {
    try {
      this.events.emit('error', e);
    } catch {
      // listener errors are not ours to handle
    }
  }

  /**
   * Sends one bundle as a transfer, in segments no larger than the peer's segment MRU.
   * Resolves when the peer has acknowledged the whole transfer (the XFER_ACK with the END flag
   * covering every octet), or refused it with reason `COMPLETED` (it already has the bundle)
   * and the stream took every segment written for it; its octets are not read after that.
   * Rejects with `INVALID_STATE` when the peer refuses it for any other reason (XFER_REFUSE)
   * or the session ends first, so the caller can keep the bundle and send it again.
   * The bundle's octets must not change until the promise settles.
   */
  send(bundle: Uint8Array): Promise<void> {
    if (this.state !== 'established') {
      return Promise.reject(
        new CcsdsError(CcsdsErrorCode.INVALID_STATE, `TCPCL session is ${this.state}`),
      );
    }
    if (bundle.length > this.peerTransferMru) {
      return Promise.reject(
        new CcsdsError(
          CcsdsErrorCode.LIMIT_EXCEEDED,
          `bundle of ${bundle.length} octets exceeds the peer's transfer MRU of ${this.peerTransferMru}`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const t: OutTransfer = {
        id: this.nextTransferId++,
        data: bundle,
        sent: 0,
        acked: 0,
        refused: false,
        resolve,
        reject,
      };
      this.outgoing.set(t.id, t);
      this.sendQueue.push(t);
      this.pumpSends();
    });
  }

  /** Writes segments of the queued transfers, in order, until the stream asks us to wait. */
  private pumpSends(): void {
    const q = this.sendQueue;
    while (!this.blocked && this.sendHead < q.length) {
      const t = q[this.sendHead]!;
      if (t.refused || this.state === 'closed' || this.outgoing.get(t.id) !== t) {
        q[this.sendHead++] = undefined as unknown as OutTransfer;
        continue;
      }
      let w: Promise<void> | undefined;
      try {
        w = this.writeSegment(t);
      } catch (e) {
        this.outgoing.delete(t.id);
        t.reject(e instanceof Error ? e : new Error(String(e)));
      }
      // A transfer written out leaves the queue's array too (it would keep the bundle alive
      // until the queue empties, long enough for the garbage collector to promote it).
      if (t.sent >= t.data.length) q[this.sendHead++] = undefined as unknown as OutTransfer;
      if (w !== undefined) this.blockUntil(w);
    }
    if (this.sendHead === q.length) {
      this.sendQueue = [];
      this.sendHead = 0;
    } else if (this.sendHead > 1024 && this.sendHead * 2 > q.length) {
      this.sendQueue = q.slice(this.sendHead);
      this.sendHead = 0;
    }
  }

  /** Writes the next segment of `t`; a promise when the stream is full. */
  private writeSegment(t: OutTransfer): Promise<void> | undefined {
    const off = t.sent;
    const n = Math.min(Math.max(1, this.peerSegmentMru), t.data.length - off);
    let flags = 0;
    if (off === 0) flags |= TransferFlags.START;
    if (off + n === t.data.length) flags |= TransferFlags.END;
    const data = t.data.subarray(off, off + n);
    t.sent += n;
    if (n <= 16_384) {
      // Small segments go through the outbox (a copy is cheaper than a write of their own).
      const hl = off === 0 ? 35 : 18;
      const at = this.reserve(hl + n);
      const b = this.outBuf!;
      b[at] = TcpclMessageType.XFER_SEGMENT;
      b[at + 1] = flags;
      put64be(b, at + 2, t.id);
      if (off === 0) {
        b.set(TRANSFER_LENGTH_ITEM_HEAD, at + 10);
        put64be(b, at + 19, t.data.length);
      }
      put64be(b, at + hl - 8, n);
      b.set(data, at + hl);
      return undefined;
    }
    // Large segments: header and data written as they are (no copy), after the outbox.
    this.flushOut();
    const header = encodeSegmentHeader(flags, t.id, off === 0 ? t.data.length : -1, n);
    this.lastSent = this.opts.clock.now();
    if (this.io.writev === undefined) return this.io.write(concat(header, data));
    return this.io.writev([header, data]);
  }

  /** Octets of our transfers not yet acknowledged. */
  get unacknowledged(): number {
    let n = 0;
    for (const t of this.outgoing.values()) n += t.data.length - t.acked;
    return n;
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Feeds octets received from the stream. */
  receive(chunk: Uint8Array): void {
    if (this.state === 'closed') return;
    this.lastReceived = this.opts.clock.now();
    const p = this.partial;
    if (p !== undefined) {
      // The rest of a segment's data goes straight into its buffer.
      const data = (p.message as { data: Uint8Array }).data;
      const take = Math.min(p.missing, chunk.length);
      data.set(chunk.subarray(0, take), data.length - p.missing);
      p.missing -= take;
      if (p.missing > 0) return;
      this.partial = undefined;
      chunk = chunk.subarray(take);
      try {
        this.onMessage(p.message);
      } finally {
        if (chunk.length === 0) this.flushOut();
      }
      if (chunk.length === 0 || this.isClosed()) return;
    }
    if (this.bufPos === this.buf.length) {
      this.buf = chunk;
      this.bufPos = 0;
      this.own = undefined;
    } else this.append(chunk);
    try {
      for (;;) {
        if (!this.contactReceived) {
          if (this.buf.length - this.bufPos < 6) return;
          this.onContactHeader(this.buf.subarray(this.bufPos, this.bufPos + 6));
          this.bufPos += 6;
          if (this.isClosed()) return;
          continue;
        }
        if (this.tlsPending) {
          // Nothing may come between the contact header and the TLS handshake.
          if (this.buf.length > this.bufPos)
            throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'octets before the TLS handshake');
          return;
        }
        const r = parseMessageAt(
          this.buf,
          this.bufPos,
          this.opts.segmentMru,
          1 << 16,
          true,
          0,
          segmentMemory,
        );
        if (r === null) return;
        this.bufPos += r.length;
        if (r.missing !== undefined) {
          this.partial = { message: r.message, missing: r.missing };
          this.buf = EMPTY;
          this.bufPos = 0;
          this.own = undefined;
          return;
        }
        if (this.bufPos === this.buf.length) {
          // All parsed: the chunk is let go (a view would keep it).
          this.buf = EMPTY;
          this.bufPos = 0;
        }
        this.onMessage(r.message);
        if (this.isClosed()) return;
      }
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
      if (
        e instanceof CcsdsError &&
        e.code === CcsdsErrorCode.UNSUPPORTED &&
        this.buf.length > this.bufPos
      ) {
        void this.write(
          encodeTcpclMessage({
            type: 0x06,
            reason: RejectReason.TYPE_UNKNOWN,
            rejectedType: this.buf[this.bufPos]!,
          }),
        );
      }
      this.buf = EMPTY;
      this.bufPos = 0;
      this.own = undefined;
      this.terminate(
        e instanceof CcsdsError && e.code === CcsdsErrorCode.LIMIT_EXCEEDED
          ? TerminationReason.RESOURCE_EXHAUSTION
          : TerminationReason.UNKNOWN,
      );
    } finally {
      this.flushOut();
    }
  }

  /**
   * Appends `chunk` to the unparsed octets, in a buffer of our own that grows by doubling, so a
   * message arriving in many small chunks costs one copy per octet (not one per chunk).
   */
  private append(chunk: Uint8Array): void {
    const rest = this.buf.subarray(this.bufPos);
    const need = rest.length + chunk.length;
    const own = this.own;
    this.bufPos = 0;
    if (
      own !== undefined &&
      rest.buffer === own.buffer &&
      rest.byteOffset + rest.length === own.byteOffset + this.ownEnd &&
      this.ownEnd + chunk.length <= own.length
    ) {
      own.set(chunk, this.ownEnd);
      this.ownEnd += chunk.length;
      this.buf = own.subarray(this.ownEnd - need, this.ownEnd);
      return;
    }
    const b = new Uint8Array(Math.max(need * 2, 1 << 16));
    b.set(rest);
    b.set(chunk, rest.length);
    this.own = b;
    this.ownEnd = need;
    this.buf = b.subarray(0, need);
  }

  private onContactHeader(h: Uint8Array): void {
    for (let i = 0; i < 4; i++) {
      if (h[i] !== TCPCL_MAGIC[i]) {
        this.fail(
          new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'not a TCPCL contact header', { offset: 0 }),
        );
        this.close(TerminationReason.CONTACT_FAILURE);
        return;
      }
    }
    this.contactReceived = true;
    if (!this.opts.active)
      this.write(encodeContactHeader(this.contactFlags())).catch(() => undefined);
    if (h[4] !== TCPCL_VERSION) {
      this.fail(new CcsdsError(CcsdsErrorCode.UNSUPPORTED, `TCPCL version ${h[4]}`, { offset: 4 }));
      this.state = 'init';
      this.terminate(TerminationReason.VERSION_MISMATCH);
      return;
    }
    this.state = 'init';
    const tls = this.opts.canTls && (h[5]! & ContactFlags.CAN_TLS) !== 0;
    if (!tls && this.opts.requireTls) {
      this.fail(new CcsdsError(CcsdsErrorCode.UNSUPPORTED, 'the peer does not offer TLS'));
      this.terminate(TerminationReason.CONTACT_FAILURE);
      return;
    }
    if (tls) {
      this.tlsPending = true;
      this.io.startTls!(this.opts.active).then(
        () => {
          this.tlsPending = false;
          this.secure = true;
          if (this.state === 'init' && this.opts.active) this.sendInit();
        },
        (e: unknown) => {
          this.fail(
            new CcsdsError(
              CcsdsErrorCode.INVALID_STATE,
              `TLS negotiation failed: ${e instanceof Error ? e.message : String(e)}`,
            ),
          );
          this.close(TerminationReason.CONTACT_FAILURE);
        },
      );
      return;
    }
    if (this.opts.active) this.sendInit();
  }

  private contactFlags(): number {
    return this.opts.canTls ? ContactFlags.CAN_TLS : 0;
  }

  private sendInit(): void {
    this.write(
      encodeTcpclMessage({
        type: 0x07,
        keepaliveInterval: this.opts.keepaliveInterval,
        segmentMru: this.opts.segmentMru,
        transferMru: this.opts.transferMru,
        nodeId: this.opts.nodeId,
        extensions: [],
      }),
    ).catch(() => undefined);
  }

  private reject(type: number, reason: number): void {
    this.write(encodeTcpclMessage({ type: 0x06, reason, rejectedType: type })).catch(
      () => undefined,
    );
  }

  private onMessage(m: TcpclMessage): void {
    if (this.state === 'init' && m.type !== 0x07 && m.type !== 0x05) {
      this.reject(m.type, RejectReason.UNEXPECTED);
      return;
    }
    switch (m.type) {
      case 0x07:
        this.onInit(m);
        return;
      case 0x01:
        this.onSegment(m);
        return;
      case 0x02: {
        const t = this.outgoing.get(m.transferId);
        if (t === undefined) return;
        t.acked = Math.max(t.acked, m.acknowledgedLength);
        if ((m.flags & TransferFlags.END) !== 0 && t.acked >= t.data.length) {
          this.outgoing.delete(t.id);
          t.resolve();
          this.emit('acknowledged', t.id);
        }
        return;
      }
      case 0x03: {
        const t = this.outgoing.get(m.transferId);
        if (t === undefined) return;
        t.refused = true;
        this.outgoing.delete(t.id);
        // Refused as complete: resolved once the stream took what it was given (a segment may
        // still wait in it), so the bundle's octets are not read after `send` resolves.
        if (m.reason === RefuseReason.COMPLETED) {
          if (this.blocked && this.unblocked !== undefined) void this.unblocked.then(t.resolve);
          else t.resolve();
        } else
          t.reject(
            new CcsdsError(
              CcsdsErrorCode.INVALID_STATE,
              `peer refused transfer ${t.id} (XFER_REFUSE reason ${m.reason})`,
            ),
          );
        this.emit('refused', t.id, m.reason);
        return;
      }
      case 0x04:
        return;
      case 0x05:
        if ((m.flags & 0x01) === 0) {
          this.write(encodeTcpclMessage({ type: 0x05, flags: 0x01, reason: m.reason })).catch(
            () => undefined,
          );
        }
        this.close(m.reason);
        return;
      case 0x06:
        this.fail(
          new CcsdsError(
            CcsdsErrorCode.INVALID_STATE,
            `peer rejected message type ${m.rejectedType} (reason ${m.reason})`,
          ),
        );
        return;
    }
  }

  private onInit(m: Extract<TcpclMessage, { type: 0x07 }>): void {
    if (this.state !== 'init') {
      this.reject(0x07, RejectReason.UNEXPECTED);
      return;
    }
    if (m.extensions.some((x) => (x.flags & 0x01) !== 0)) {
      this.fail(new CcsdsError(CcsdsErrorCode.UNSUPPORTED, 'critical session extension item'));
      this.terminate(TerminationReason.CONTACT_FAILURE);
      return;
    }
    if (this.secure && this.io.authenticateNodeId !== undefined) {
      const why = this.io.authenticateNodeId(m.nodeId);
      if (why !== undefined) {
        this.fail(
          new CcsdsError(
            CcsdsErrorCode.INVALID_STATE,
            `TLS node ID authentication of ${m.nodeId} failed: ${why}`,
          ),
        );
        this.terminate(TerminationReason.CONTACT_FAILURE);
        return;
      }
    }
    if (!this.opts.active) this.sendInit();
    this.peerNodeId = m.nodeId;
    this.keepaliveInterval = Math.min(m.keepaliveInterval, this.opts.keepaliveInterval);
    this.peerSegmentMru = m.segmentMru;
    this.peerTransferMru = m.transferMru;
    this.state = 'established';
    if (this.timer !== undefined) this.opts.clock.cancelTimer(this.timer);
    this.timer = undefined;
    if (this.keepaliveInterval > 0) this.armKeepalive();
    for (const w of this.waiters.splice(0)) w.resolve();
    this.emit('established', m.nodeId);
  }

  private armKeepalive(): void {
    const ms = this.keepaliveInterval * 1000;
    this.timer = this.opts.clock.setTimer(ms / 2, () => {
      this.timer = undefined;
      if (this.state !== 'established' && this.state !== 'ending') return;
      const now = this.opts.clock.now();
      if (now - this.lastReceived >= 2 * ms) {
        this.fail(new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'TCPCL session idle timeout'));
        this.terminate(TerminationReason.IDLE_TIMEOUT);
        return;
      }
      if (now - this.lastSent >= ms / 2) {
        this.write(encodeTcpclMessage({ type: 0x04 })).catch(() => undefined);
      }
      this.armKeepalive();
    });
  }

  private onSegment(m: Extract<TcpclMessage, { type: 0x01 }>): void {
    const start = (m.flags & TransferFlags.START) !== 0;
    if (start) {
      let critical: ExtensionItem | undefined;
      let len: ExtensionItem | undefined;
      for (const x of m.extensions ?? []) {
        if (x.itemType === TRANSFER_LENGTH_EXTENSION) len ??= x;
        else if ((x.flags & 0x01) !== 0) critical ??= x;
      }
      let refuse: number | undefined;
      if (critical !== undefined) refuse = RefuseReason.EXTENSION_FAILURE;
      else if (this.state === 'ending') refuse = RefuseReason.SESSION_TERMINATING;
      else if (len !== undefined && len.value.length === 8) {
        if (u32(len.value, 0) * 0x100000000 + u32(len.value, 4) > this.opts.transferMru)
          refuse = RefuseReason.NO_RESOURCES;
      }
      if (
        refuse === undefined &&
        (m.flags & TransferFlags.END) !== 0 &&
        m.data.length <= this.opts.transferMru
      ) {
        // A transfer in one segment (the common case): acknowledged and delivered at once.
        this.incoming = undefined;
        this.acknowledge(m.flags, m.transferId, m.data.length);
        this.emit('bundle', m.data);
        return;
      }
      this.incoming = { id: m.transferId, parts: [], length: 0, refused: false };
      if (refuse !== undefined) this.refuse(refuse);
    }
    const t = this.incoming;
    if (t === undefined || t.id !== m.transferId) {
      this.reject(0x01, RejectReason.UNEXPECTED);
      return;
    }
    if (t.refused) return;
    t.length += m.data.length;
    if (t.length > this.opts.transferMru) {
      this.refuse(RefuseReason.NO_RESOURCES);
      return;
    }
    t.parts.push(m.data);
    this.acknowledge(m.flags, m.transferId, t.length);
    if ((m.flags & TransferFlags.END) !== 0) {
      this.incoming = undefined;
      let data: Uint8Array;
      if (t.parts.length === 1) data = t.parts[0]!;
      else {
        data = new Uint8Array(t.length);
        let o = 0;
        for (const p of t.parts) {
          data.set(p, o);
          o += p.length;
        }
      }
      this.emit('bundle', data);
    }
  }

  /** Acknowledges a segment through the outbox: written with the other messages of this chunk. */
  private acknowledge(flags: number, transferId: number, length: number): void {
    const at = this.reserve(18);
    const b = this.outBuf!;
    b[at] = TcpclMessageType.XFER_ACK;
    b[at + 1] = flags;
    put64be(b, at + 2, transferId);
    put64be(b, at + 10, length);
  }

  private refuse(reason: number): void {
    const t = this.incoming;
    if (t === undefined) return;
    t.refused = true;
    t.parts = [];
    this.write(encodeTcpclMessage({ type: 0x03, reason, transferId: t.id })).catch(() => undefined);
  }

  private emit<K extends keyof TcpclSessionEvents>(event: K, ...args: TcpclSessionEvents[K]): void {
    try {
      this.events.emit(event, ...args);
    } catch (e) {
      if (event !== 'error') this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /**
   * Ends the session: sends SESS_TERM, waits for the reply (or the termination timeout), then
   * closes the stream. Idempotent.
   */
  terminate(reason: number = TerminationReason.UNKNOWN): void {
    if (this.state === 'closed' || this.state === 'ending') return;
    if (this.state === 'contact') {
      this.close(reason);
      return;
    }
    this.state = 'ending';
    this.termReason = reason;
    this.write(encodeTcpclMessage({ type: 0x05, flags: 0, reason })).catch(() => undefined);
    if (this.timer !== undefined) this.opts.clock.cancelTimer(this.timer);
    this.timer = this.opts.clock.setTimer(this.opts.terminationTimeoutMs, () => {
      this.timer = undefined;
      this.close(reason);
    });
  }

  /** Closes at once (after a SESS_TERM exchange, or when the stream failed). */
  close(reason?: number): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.timer !== undefined) this.opts.clock.cancelTimer(this.timer);
    this.timer = undefined;
    const err = new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'TCPCL session closed');
    for (const w of this.waiters.splice(0)) w.reject(err);
    const pending = [...this.outgoing.values()].filter((t) => !t.refused);
    const left = pending.map((t) => t.data);
    this.outgoing.clear();
    for (const t of pending) {
      t.reject(
        new CcsdsError(
          CcsdsErrorCode.INVALID_STATE,
          `TCPCL session closed before transfer ${t.id} was acknowledged`,
        ),
      );
    }
    try {
      this.io.close();
    } catch {
      // already closed
    }
    this.emit('closed', reason ?? this.termReason, left);
  }
}
