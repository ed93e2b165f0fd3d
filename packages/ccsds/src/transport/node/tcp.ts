/**
 * `TcpTransport`: length-delimited messages over TCP with `node:net` (Node-only, DESIGN.md
 * rule 2), addressed `tcp://host:port`. Each message is sent as a 4-octet big-endian length
 * followed by that many octets.
 *
 * Connections:
 * - The transport listens on its `address` and accepts inbound connections.
 * - The first `send` to a peer's listening address opens a connection, which later sends
 *   reuse. Messages sent while it is being established are buffered and flushed once it is up.
 * - A reply sent to the `from` of a received message goes back over the connection it came in
 *   on, whichever side opened it (once that connection has closed, such an ephemeral address
 *   is treated like any other: a new connection is attempted, which normally fails).
 * - `link` events: `(peer, true)` when a connection is up (outbound: connected; inbound:
 *   accepted), `(peer, false)` when it closes.
 * - After a failure (refused, reset, timed out) the connection is forgotten: the failure is an
 *   `error` event, messages still buffered on it are lost (delivery is not guaranteed; the send
 *   promises resolve), and the next `send` to that peer connects again — but not sooner than
 *   `reconnectDelayMs` after a failed attempt; sends in that interval are dropped. CFDP's own
 *   timers and NAKs recover the loss.
 *
 * Peer identity: an inbound connection comes from an ephemeral port, so the `from` of a message
 * received on it is `tcp://ip:port` of that connection, not the peer's listening address. The
 * CFDP layer identifies peers by the entity IDs inside the PDUs, not by transport addresses.
 *
 * Hostile input (rule 7): a received length above `maxMessageLength` (default 16 MiB) is an
 * `error` event (`LIMIT_EXCEEDED`) and that connection is closed; memory per connection is
 * bounded by one message.
 *
 * Back-pressure: `send` resolves at once while the socket's write buffer is below its high
 * water mark, and otherwise when the socket drains (or closes), so a sender awaiting each send
 * is paced by the network. The message is copied, so the caller may reuse its buffer.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';
import { CcsdsError, CcsdsErrorCode, TypedEmitter, checkInteger } from '../../core/index.js';
import {
  checkMessage,
  closedError,
  deliver,
  formatHostPort,
  parseHostPort,
  reportError,
} from '../common.js';
import type { Transport, TransportEvents } from '../transport.js';

/** Default largest message of a TCP transport: 16 MiB. */
export const TCP_DEFAULT_MAX_MESSAGE_LENGTH = 16 << 20;
/** Largest value the 4-octet length prefix can carry. */
const PREFIX_MAX = 0xffffffff;

/** Options of {@link TcpTransport.open}. */
export interface TcpTransportOptions {
  /** Address to listen on (default `127.0.0.1`). */
  host?: string;
  /** Port to listen on (default 0: a free port). */
  port?: number;
  /** Largest message sent or accepted, in octets (default 16 MiB). */
  maxMessageLength?: number;
  /** Least time between a failed connection attempt to a peer and the next one (default 500 ms). */
  reconnectDelayMs?: number;
  /** Time allowed for a connection to be established (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** Disable Nagle's algorithm (default true: messages leave at once). */
  noDelay?: boolean;
}

/**
 * Reassembles length-prefixed messages from stream chunks. Memory is bounded by one message of
 * at most `max` octets.
 */
export class LengthPrefixDecoder {
  private readonly header = new Uint8Array(4);
  private headerFill = 0;
  private body: Uint8Array | undefined;
  private bodyFill = 0;

  /** @param max - largest accepted message length */
  constructor(private readonly max: number) {}

  /**
   * Feeds a chunk; calls `onMessage` for each complete message. Throws `LIMIT_EXCEEDED` for a
   * length above the maximum (the decoder must then be discarded with its stream).
   */
  push(chunk: Uint8Array, onMessage: (m: Uint8Array) => void): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.body === undefined) {
        let len: number;
        if (this.headerFill === 0 && chunk.length - pos >= 4) {
          len =
            ((chunk[pos]! << 24) |
              (chunk[pos + 1]! << 16) |
              (chunk[pos + 2]! << 8) |
              chunk[pos + 3]!) >>>
            0;
          pos += 4;
        } else {
          const take = Math.min(4 - this.headerFill, chunk.length - pos);
          this.header.set(chunk.subarray(pos, pos + take), this.headerFill);
          this.headerFill += take;
          pos += take;
          if (this.headerFill < 4) return;
          this.headerFill = 0;
          const h = this.header;
          len = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
        }
        if (len > this.max) {
          throw new CcsdsError(
            CcsdsErrorCode.LIMIT_EXCEEDED,
            `message length ${len} exceeds the maximum of ${this.max}`,
          );
        }
        if (chunk.length - pos >= len) {
          onMessage(chunk.subarray(pos, pos + len));
          pos += len;
          continue;
        }
        this.body = new Uint8Array(len);
        this.bodyFill = 0;
      }
      const take = Math.min(this.body.length - this.bodyFill, chunk.length - pos);
      this.body.set(chunk.subarray(pos, pos + take), this.bodyFill);
      this.bodyFill += take;
      pos += take;
      if (this.bodyFill === this.body.length) {
        const m = this.body;
        this.body = undefined;
        onMessage(m);
      }
    }
  }
}

/** Builds the wire form of one message: 4-octet big-endian length, then the octets. */
export function encodeLengthPrefixed(data: Uint8Array): Uint8Array {
  if (data.length > PREFIX_MAX) {
    throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, 'message too long for a 32-bit length');
  }
  const frame = new Uint8Array(4 + data.length);
  const n = data.length;
  frame[0] = n >>> 24;
  frame[1] = (n >>> 16) & 0xff;
  frame[2] = (n >>> 8) & 0xff;
  frame[3] = n & 0xff;
  frame.set(data, 4);
  return frame;
}

interface Connection {
  key: string;
  socket: Socket;
  up: boolean;
  /** Senders waiting for the socket to drain. */
  waiting: (() => void)[];
}

/** A {@link Transport} over TCP; see the module comment. */
export class TcpTransport implements Transport {
  /** Typed events: `message`, `link` (per connection), `error`. */
  readonly events = new TypedEmitter<TransportEvents>();
  /** `tcp://ip:port` this transport listens on. */
  readonly address: string;
  /** Largest message, in octets. */
  readonly maxMessageLength: number;
  private readonly server: Server;
  private readonly connections = new Map<string, Connection>();
  private readonly failedAt = new Map<string, number>();
  private readonly reconnectDelayMs: number;
  private readonly connectTimeoutMs: number;
  private readonly noDelay: boolean;
  private closing: Promise<void> | undefined;

  private constructor(server: Server, address: string, options: Required<TcpTransportOptions>) {
    this.server = server;
    this.address = address;
    this.maxMessageLength = options.maxMessageLength;
    this.reconnectDelayMs = options.reconnectDelayMs;
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.noDelay = options.noDelay;
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', (e) => reportError(this.events, e));
  }

  /**
   * Listens and returns the transport. Rejects with `INVALID_ARGUMENT` for bad options and with
   * the system error when the address cannot be bound.
   */
  static async open(options: TcpTransportOptions = {}): Promise<TcpTransport> {
    const o: Required<TcpTransportOptions> = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      maxMessageLength: options.maxMessageLength ?? TCP_DEFAULT_MAX_MESSAGE_LENGTH,
      reconnectDelayMs: options.reconnectDelayMs ?? 500,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      noDelay: options.noDelay ?? true,
    };
    checkInteger(o.port, 0, 65535, 'TCP port');
    checkInteger(o.maxMessageLength, 0, PREFIX_MAX, 'TCP maxMessageLength');
    checkInteger(o.reconnectDelayMs, 0, 2 ** 31 - 1, 'reconnectDelayMs');
    checkInteger(o.connectTimeoutMs, 1, 2 ** 31 - 1, 'connectTimeoutMs');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address();
    if (a === null || typeof a === 'string') {
      server.close();
      throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'TCP server has no address');
    }
    return new TcpTransport(server, formatHostPort('tcp', a.address, a.port), o);
  }

  /** Addresses of the connections currently up (outbound by peer address, inbound by `tcp://ip:port`). */
  get peers(): string[] {
    return [...this.connections.values()].filter((c) => c.up).map((c) => c.key);
  }

  private accept(socket: Socket): void {
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    const key = formatHostPort('tcp', socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    const conn: Connection = { key, socket, up: true, waiting: [] };
    this.connections.set(key, conn);
    this.wire(conn);
    this.link(key, true);
  }

  private link(peer: string, up: boolean): void {
    if (this.closing !== undefined) return;
    try {
      this.events.emit('link', peer, up);
    } catch (e) {
      reportError(this.events, e);
    }
  }

  /** Sets up reading, draining and closing of a connection. */
  private wire(conn: Connection): void {
    const { socket } = conn;
    socket.setNoDelay(this.noDelay);
    const decoder = new LengthPrefixDecoder(this.maxMessageLength);
    socket.on('data', (chunk: Uint8Array) => {
      try {
        decoder.push(chunk, (m) => {
          if (this.closing === undefined) {
            deliver(this.events, new Uint8Array(m.buffer, m.byteOffset, m.length), conn.key);
          }
        });
      } catch (e) {
        const err =
          e instanceof CcsdsError
            ? new CcsdsError(e.code, `${conn.key}: ${e.message}; connection closed`, { cause: e })
            : e;
        reportError(this.events, err);
        socket.destroy();
      }
    });
    socket.on('drain', () => this.release(conn));
    socket.on('error', (e) => {
      if (this.closing === undefined) reportError(this.events, e);
    });
    socket.on('close', () => {
      if (this.connections.get(conn.key) === conn) this.connections.delete(conn.key);
      this.release(conn);
      if (conn.up) {
        conn.up = false;
        this.link(conn.key, false);
      }
    });
  }

  private release(conn: Connection): void {
    const w = conn.waiting;
    conn.waiting = [];
    for (const r of w) r();
  }

  private open(key: string, host: string, port: number): Connection {
    const socket = connect({ host, port });
    const conn: Connection = { key, socket, up: false, waiting: [] };
    this.connections.set(key, conn);
    socket.setTimeout(this.connectTimeoutMs, () => {
      if (!conn.up) socket.destroy(new Error(`connection to ${key} timed out`));
    });
    socket.once('connect', () => {
      socket.setTimeout(0);
      conn.up = true;
      this.failedAt.delete(key);
      this.link(key, true);
    });
    socket.on('close', () => {
      if (!conn.up) this.failedAt.set(key, Date.now());
    });
    this.wire(conn);
    return conn;
  }

  /** {@inheritDoc Transport.send} */
  send(to: string, data: Uint8Array): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(closedError());
    let frame: Uint8Array;
    let conn: Connection | undefined;
    try {
      checkMessage(data, this.maxMessageLength);
      conn = this.connections.get(to);
      if (conn === undefined) {
        const p = parseHostPort(to, 'tcp');
        if (p.port === 0) {
          throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `port 0 in ${JSON.stringify(to)}`);
        }
        const key = formatHostPort('tcp', p.host, p.port);
        conn = this.connections.get(key);
        if (conn === undefined) {
          const failed = this.failedAt.get(key);
          if (failed !== undefined && Date.now() - failed < this.reconnectDelayMs) {
            return Promise.resolve(); // dropped: waiting before the next attempt
          }
          conn = this.open(key, p.host, p.port);
        }
      }
      frame = encodeLengthPrefixed(data);
    } catch (e) {
      return Promise.reject(e);
    }
    const c = conn;
    if (c.socket.destroyed) return Promise.resolve();
    const ok = c.socket.write(frame);
    if (ok) return Promise.resolve();
    return new Promise<void>((resolve) => c.waiting.push(resolve));
  }

  /** {@inheritDoc Transport.close} Closes the listener and every connection; no events follow. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const closing = new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const c of this.connections.values()) {
        c.socket.destroy();
        this.release(c);
      }
      this.connections.clear();
    });
    this.closing = closing;
    return closing;
  }
}
