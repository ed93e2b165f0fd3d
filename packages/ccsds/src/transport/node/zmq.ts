/**
 * `ZmqTransport`: messages over ZeroMQ (ZMTP over TCP), addressed `zmq+tcp://host:port`, with
 * the `zeromq` npm package (v6) as an optional dependency loaded by dynamic `import('zeromq')`
 * (Node-only, DESIGN.md rule 2). Where the package is missing, {@link ZmqTransport.open}
 * rejects with `UNSUPPORTED` and {@link loadZeromq} resolves to undefined.
 *
 * Pattern: each transport binds one PULL socket at its address; for each peer it sends to, it
 * keeps one PUSH socket connected to the peer's address. A message travels as two frames:
 * the sender's own `zmq+tcp://` address, then the data, so the `from` of a received message
 * is the sender's listening address (a value the sender states: the CFDP layer identifies
 * peers by the entity IDs inside the PDUs). ZeroMQ reconnects by itself; messages sent before
 * a peer is reachable wait in the PUSH socket's queue (up to `sendHighWaterMark` messages).
 *
 * - `send` resolves when ZeroMQ has queued the message (back-pressure: at the high water mark it
 *   waits). A message that cannot be queued within `sendTimeoutMs` is dropped and reported as an
 *   `error` event; the send resolves (delivery is not guaranteed).
 * - `link` events follow the PUSH sockets: `(peer, true)` after the ZMTP handshake,
 *   `(peer, false)` on disconnection.
 * - Inbound messages that are not two frames, or whose first frame is not a `zmq+tcp://`
 *   address, are `error` events. A frame above `maxMessageLength` makes ZeroMQ drop that
 *   connection (ZMQ_MAXMSGSIZE), without an event.
 */
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

/** Default largest message of a ZMQ transport: 16 MiB. */
export const ZMQ_DEFAULT_MAX_MESSAGE_LENGTH = 16 << 20;

/** The part of a zeromq v6 socket this module uses. */
interface ZmqSocket {
  close(): void;
  readonly closed: boolean;
  linger: number;
}
interface ZmqPull extends ZmqSocket {
  bind(endpoint: string): Promise<void>;
  readonly lastEndpoint: string | null;
  receive(): Promise<Uint8Array[]>;
}
interface ZmqObserver {
  on(type: string, listener: (event: { type: string; address?: string }) => void): void;
}
interface ZmqPush extends ZmqSocket {
  connect(endpoint: string): void;
  send(message: Uint8Array[]): Promise<void>;
  readonly events: ZmqObserver;
}
/** The part of the `zeromq` module this transport uses. */
export interface ZeromqModule {
  Pull: new (options?: Record<string, unknown>) => ZmqPull;
  Push: new (options?: Record<string, unknown>) => ZmqPush;
  version: string;
}

let loading: Promise<ZeromqModule | undefined> | undefined;
let loadError: unknown;

/**
 * Imports the optional `zeromq` package once. Resolves to undefined when it cannot be loaded;
 * {@link zeromqLoadError} then tells why.
 */
export function loadZeromq(): Promise<ZeromqModule | undefined> {
  loading ??= (async () => {
    const name = 'zeromq';
    try {
      const mod = (await import(name)) as ZeromqModule & { default?: ZeromqModule };
      return typeof mod.Pull === 'function' ? mod : mod.default;
    } catch (e) {
      loadError = e;
      return undefined;
    }
  })();
  return loading;
}

/** Why `zeromq` could not be loaded (after {@link loadZeromq} resolved to undefined). */
export function zeromqLoadError(): unknown {
  return loadError;
}

/** Options of {@link ZmqTransport.open}. */
export interface ZmqTransportOptions {
  /** Address to bind (default `127.0.0.1`). */
  host?: string;
  /** Port to bind (default 0: a free port). */
  port?: number;
  /** Largest message sent or accepted, in octets (default 16 MiB). */
  maxMessageLength?: number;
  /** Messages queued per peer before `send` waits (default 1,000). */
  sendHighWaterMark?: number;
  /** How long a send may wait at the high water mark before the message is dropped (default 5,000 ms). */
  sendTimeoutMs?: number;
}

interface Peer {
  socket: ZmqPush;
  /** Sends to one socket must not overlap: each waits for the previous one. */
  tail: Promise<void>;
}

/** A {@link Transport} over ZeroMQ PUSH/PULL sockets; see the module comment. */
export class ZmqTransport implements Transport {
  /** Typed events: `message`, `link` (per peer), `error`. */
  readonly events = new TypedEmitter<TransportEvents>();
  /** `zmq+tcp://ip:port` this transport receives on. */
  readonly address: string;
  /** Largest message, in octets. */
  readonly maxMessageLength: number;
  private readonly zmq: ZeromqModule;
  private readonly pull: ZmqPull;
  private readonly peers = new Map<string, Peer>();
  private readonly hwm: number;
  private readonly sendTimeoutMs: number;
  private readonly addressFrame: Uint8Array;
  private closing: Promise<void> | undefined;
  private readonly receiving: Promise<void>;

  private constructor(
    zmq: ZeromqModule,
    pull: ZmqPull,
    address: string,
    options: Required<Omit<ZmqTransportOptions, 'host' | 'port'>>,
  ) {
    this.zmq = zmq;
    this.pull = pull;
    this.address = address;
    this.maxMessageLength = options.maxMessageLength;
    this.hwm = options.sendHighWaterMark;
    this.sendTimeoutMs = options.sendTimeoutMs;
    this.addressFrame = new TextEncoder().encode(address);
    this.receiving = this.receiveLoop();
  }

  /**
   * Binds a PULL socket and returns the transport. Rejects with `UNSUPPORTED` when `zeromq`
   * cannot be loaded, `INVALID_ARGUMENT` for bad options, and ZeroMQ's error when the address
   * cannot be bound.
   */
  static async open(options: ZmqTransportOptions = {}): Promise<ZmqTransport> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 0;
    checkInteger(port, 0, 65535, 'ZMQ port');
    const o = {
      maxMessageLength: options.maxMessageLength ?? ZMQ_DEFAULT_MAX_MESSAGE_LENGTH,
      sendHighWaterMark: options.sendHighWaterMark ?? 1000,
      sendTimeoutMs: options.sendTimeoutMs ?? 5000,
    };
    checkInteger(o.maxMessageLength, 1, 2 ** 31 - 1, 'ZMQ maxMessageLength');
    checkInteger(o.sendHighWaterMark, 1, 2 ** 31 - 1, 'ZMQ sendHighWaterMark');
    checkInteger(o.sendTimeoutMs, 0, 2 ** 31 - 1, 'ZMQ sendTimeoutMs');
    const zmq = await loadZeromq();
    if (zmq === undefined) {
      throw new CcsdsError(
        CcsdsErrorCode.UNSUPPORTED,
        'the optional package zeromq is not available',
        {
          cause: loadError,
        },
      );
    }
    const pull = new zmq.Pull({ linger: 0, maxMessageSize: o.maxMessageLength });
    const h = host.includes(':') ? `[${host}]` : host;
    try {
      await pull.bind(`tcp://${h}:${port === 0 ? '*' : port}`);
    } catch (e) {
      pull.close();
      throw e;
    }
    const bound = parseHostPort(pull.lastEndpoint ?? '', 'tcp');
    return new ZmqTransport(zmq, pull, formatHostPort('zmq+tcp', bound.host, bound.port), o);
  }

  private async receiveLoop(): Promise<void> {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (;;) {
      let frames: Uint8Array[];
      try {
        frames = await this.pull.receive();
      } catch (e) {
        if (this.closing !== undefined || this.pull.closed) return;
        reportError(this.events, e);
        continue;
      }
      if (this.closing !== undefined) return;
      const [fromFrame, data] = frames;
      let from: string | undefined;
      if (frames.length === 2 && fromFrame !== undefined && fromFrame.length <= 300) {
        try {
          from = decoder.decode(fromFrame);
          parseHostPort(from, 'zmq+tcp');
        } catch {
          from = undefined;
        }
      }
      if (from === undefined || data === undefined) {
        reportError(
          this.events,
          new CcsdsError(
            CcsdsErrorCode.INVALID_FIELD,
            `ZMQ message of ${frames.length} frames without a sender address frame`,
          ),
        );
        continue;
      }
      deliver(this.events, new Uint8Array(data.buffer, data.byteOffset, data.length), from);
    }
  }

  private peer(to: string): Peer {
    let p = this.peers.get(to);
    if (p !== undefined) return p;
    const a = parseHostPort(to, 'zmq+tcp');
    if (a.port === 0) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `port 0 in ${JSON.stringify(to)}`);
    }
    const key = formatHostPort('zmq+tcp', a.host, a.port);
    p = this.peers.get(key);
    if (p !== undefined) return p;
    const socket = new this.zmq.Push({
      linger: 0,
      sendHighWaterMark: this.hwm,
      sendTimeout: this.sendTimeoutMs,
    });
    socket.events.on('handshake', () => this.link(key, true));
    socket.events.on('disconnect', () => this.link(key, false));
    socket.connect(`tcp://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`);
    p = { socket, tail: Promise.resolve() };
    this.peers.set(key, p);
    if (key !== to) this.peers.set(to, p);
    return p;
  }

  private link(peer: string, up: boolean): void {
    if (this.closing !== undefined) return;
    try {
      this.events.emit('link', peer, up);
    } catch (e) {
      reportError(this.events, e);
    }
  }

  /** {@inheritDoc Transport.send} */
  send(to: string, data: Uint8Array): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(closedError());
    let p: Peer;
    try {
      checkMessage(data, this.maxMessageLength);
      p = this.peer(to);
    } catch (e) {
      return Promise.reject(e);
    }
    const copy = data.slice();
    const next = p.tail.then(async () => {
      if (p.socket.closed) return;
      try {
        await p.socket.send([this.addressFrame, copy]);
      } catch (e) {
        if (this.closing === undefined) reportError(this.events, e);
      }
    });
    p.tail = next;
    return next;
  }

  /** {@inheritDoc Transport.close} */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const closing = (async () => {
      for (const p of new Set(this.peers.values())) p.socket.close();
      this.peers.clear();
      this.pull.close();
      await this.receiving;
    })();
    this.closing = closing;
    return closing;
  }
}
