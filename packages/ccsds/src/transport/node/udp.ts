/**
 * `UdpTransport`: one message per UDP datagram over `node:dgram` (Node-only, DESIGN.md rule 2),
 * addressed `udp://host:port` (IPv6 as `udp://[::1]:port`). This is how most CFDP
 * implementations talk to each other on the ground (727.0-B-5 leaves the underlying service to
 * the implementation).
 *
 * - Binding to port 0 picks a free port; `address` reports the real one.
 * - Socket buffers are raised to 8 MiB where the system allows (Linux caps them at
 *   `net.core.rmem_max` / `wmem_max`); {@link UdpTransport.receiveBufferSize} tells what was
 *   granted.
 * - Back-pressure: `send` resolves only when the datagram was handed to the kernel (the
 *   `dgram` send callback), so a sender awaiting each send never builds an unbounded queue.
 *   Node calls that callback without passing through the event loop's I/O phase when the kernel
 *   takes the datagram at once, so a sender awaiting each send could starve every socket of its
 *   own process — a receiver on loopback in the same process would read nothing until its
 *   buffer overflowed. So every `yieldEvery`-th send (default 16, fewer than the 32 datagrams
 *   libuv reads per wake-up) resolves only after one turn of the event loop (`setImmediate`),
 *   which lets receivers drain.
 * - `from` of a received message is `udp://ip:port` of the sending socket, which for another
 *   `UdpTransport` is its `address`.
 * - The largest message is 65,507 octets over IPv4 and 65,527 over IPv6 (a datagram's payload);
 *   larger sends reject with `LIMIT_EXCEEDED`, unparsable addresses with `INVALID_ARGUMENT`.
 *   Received datagrams above a configured smaller maximum are dropped with an `error` event.
 * - UDP has no link state: no `link` events. Delivery is not guaranteed.
 * - Per-datagram costs are kept small: a destination given as an IP address is not looked up
 *   again on every send (node:dgram would otherwise run it through `dns.lookup`, a pattern test
 *   and a turn of the tick queue per datagram), and the `from` string of each sender is built
 *   once and reused.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
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

/** Largest UDP payload over IPv4: 65,535 − 20 (IP header) − 8 (UDP header). */
export const UDP_MAX_MESSAGE_LENGTH_IPV4 = 65507;
/** Largest UDP payload over IPv6 (without jumbograms): 65,535 − 8. */
export const UDP_MAX_MESSAGE_LENGTH_IPV6 = 65527;
/** Socket buffer size asked for by default: 8 MiB. */
export const UDP_DEFAULT_BUFFER_SIZE = 8 << 20;

/** Options of {@link UdpTransport.open}. */
export interface UdpTransportOptions {
  /** Address to bind (default `127.0.0.1`; `0.0.0.0` or `::` for every interface). */
  host?: string;
  /** Port to bind (default 0: a free port). */
  port?: number;
  /** Receive and send buffer size to ask for, in octets (default 8 MiB). */
  bufferSize?: number;
  /** Largest message sent or accepted (default: the datagram maximum of the address family). */
  maxMessageLength?: number;
  /** Let the event loop turn once every this many sends (default 16; see the module comment). */
  yieldEvery?: number;
}

/** Most `from` strings of senders kept (the cache is emptied past this). */
const FROM_CACHE_MAX = 1024;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The socket's address lookup: an IP address already seen by `destination` (what a
 * {@link UdpTransport} sends to nearly always) is answered at once, without the pattern tests
 * and the turn of the tick queue of `dns.lookup`; anything else goes through `dns.lookup`.
 */
function literalFirstLookup(
  literals: Map<string, number>,
): (hostname: string, options: unknown, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    const family = literals.get(hostname);
    if (family !== undefined) callback(null, hostname, family);
    else dnsLookup(hostname, options as number, callback);
  };
}

/** Send errors that mean the destination address itself is unusable. */
const UNUSABLE_ADDRESS = new Set([
  'EINVAL',
  'EAFNOSUPPORT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EADDRNOTAVAIL',
]);

interface Destination {
  host: string;
  port: number;
}

/** A {@link Transport} over UDP; see the module comment. */
export class UdpTransport implements Transport {
  /** Typed events: `message` and `error` (never `link`). */
  readonly events = new TypedEmitter<TransportEvents>();
  /** `udp://ip:port` this transport receives on. */
  readonly address: string;
  /** Largest message, in octets. */
  readonly maxMessageLength: number;
  /** Receive buffer size granted by the system, in octets (0 if unknown). */
  readonly receiveBufferSize: number;
  /** Send buffer size granted by the system, in octets (0 if unknown). */
  readonly sendBufferSize: number;
  private readonly socket: Socket;
  private readonly destinations = new Map<string, Destination>();
  private readonly fromCache = new Map<string, Map<number, string>>();
  private fromCached = 0;
  /** IP addresses sent to, with their family, for the socket's lookup. */
  private readonly literals: Map<string, number>;
  private closing: Promise<void> | undefined;
  private readonly yieldEvery: number;
  private sinceYield = 0;

  private constructor(
    socket: Socket,
    address: string,
    max: number,
    yieldEvery: number,
    literals: Map<string, number>,
  ) {
    this.socket = socket;
    this.literals = literals;
    this.yieldEvery = yieldEvery;
    this.address = address;
    this.maxMessageLength = max;
    let rcv = 0;
    let snd = 0;
    try {
      rcv = socket.getRecvBufferSize();
      snd = socket.getSendBufferSize();
    } catch {
      // not available on this platform
    }
    this.receiveBufferSize = rcv;
    this.sendBufferSize = snd;
    socket.on('message', (msg, rinfo) => {
      const from = this.fromOf(rinfo.address, rinfo.port);
      if (msg.length > this.maxMessageLength) {
        reportError(
          this.events,
          new CcsdsError(
            CcsdsErrorCode.LIMIT_EXCEEDED,
            `datagram of ${msg.length} octets from ${from} exceeds ${this.maxMessageLength}`,
          ),
        );
        return;
      }
      deliver(this.events, new Uint8Array(msg.buffer, msg.byteOffset, msg.length), from);
    });
    socket.on('error', (e) => reportError(this.events, e));
  }

  /** `udp://ip:port` of a sender, built once per sender. */
  private fromOf(address: string, port: number): string {
    let ports = this.fromCache.get(address);
    if (ports === undefined) {
      ports = new Map();
      this.fromCache.set(address, ports);
    }
    let from = ports.get(port);
    if (from === undefined) {
      // At most FROM_CACHE_MAX strings in all: a flood from many addresses and ports cannot grow it.
      if (++this.fromCached > FROM_CACHE_MAX) {
        this.fromCache.clear();
        this.fromCached = 1;
        ports = new Map();
        this.fromCache.set(address, ports);
      }
      from = formatHostPort('udp', address, port);
      ports.set(port, from);
    }
    return from;
  }

  /**
   * Binds a UDP socket and returns the transport. Rejects with `INVALID_ARGUMENT` for bad
   * options and with the system error when the address cannot be bound.
   */
  static async open(options: UdpTransportOptions = {}): Promise<UdpTransport> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 0;
    checkInteger(port, 0, 65535, 'UDP port');
    const v6 = isIPv6(host);
    const limit = v6 ? UDP_MAX_MESSAGE_LENGTH_IPV6 : UDP_MAX_MESSAGE_LENGTH_IPV4;
    const max = options.maxMessageLength ?? limit;
    checkInteger(max, 1, limit, 'UDP maxMessageLength');
    const bufferSize = options.bufferSize ?? UDP_DEFAULT_BUFFER_SIZE;
    checkInteger(bufferSize, 1, 2 ** 31 - 1, 'UDP bufferSize');
    const yieldEvery = options.yieldEvery ?? 16;
    checkInteger(yieldEvery, 1, 2 ** 31 - 1, 'UDP yieldEvery');
    const literals = new Map<string, number>();
    const socket = createSocket({
      type: v6 ? 'udp6' : 'udp4',
      lookup: literalFirstLookup(literals),
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => {
        socket.close();
        reject(e);
      };
      socket.once('error', onError);
      socket.bind(port, host, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    for (const set of [
      (n: number) => socket.setRecvBufferSize(n),
      (n: number) => socket.setSendBufferSize(n),
    ]) {
      try {
        set(bufferSize);
      } catch {
        // the system refused this size; keep its default
      }
    }
    const bound = socket.address();
    return new UdpTransport(
      socket,
      formatHostPort('udp', bound.address, bound.port),
      max,
      yieldEvery,
      literals,
    );
  }

  private destination(to: string): Destination {
    let d = this.destinations.get(to);
    if (d === undefined) {
      const p = parseHostPort(to, 'udp');
      if (p.port === 0) {
        throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `port 0 in ${JSON.stringify(to)}`);
      }
      d = { host: p.host, port: p.port };
      if (this.destinations.size >= 1024) {
        this.destinations.clear();
        this.literals.clear();
      }
      const family = isIP(p.host);
      if (family !== 0) this.literals.set(p.host, family);
      this.destinations.set(to, d);
    }
    return d;
  }

  /** Errors that mean the address cannot be used become `INVALID_ARGUMENT`; others pass. */
  private static mapSendError(e: Error, to: string): Error {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNUSABLE_ADDRESS.has(code)) {
      return new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `cannot send to ${JSON.stringify(to)}: ${code}`,
        { cause: e },
      );
    }
    return e;
  }

  /**
   * {@inheritDoc Transport.send} Resolves when the kernel has taken the datagram; rejects with
   * `INVALID_ARGUMENT` for an address that is malformed, does not resolve, or is of the other
   * address family.
   */
  send(to: string, data: Uint8Array): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(closedError());
    try {
      checkMessage(data, this.maxMessageLength);
      const d = this.destination(to);
      const pause = ++this.sinceYield >= this.yieldEvery;
      if (pause) this.sinceYield = 0;
      return new Promise<void>((resolve, reject) => {
        this.socket.send(data, d.port, d.host, (e) => {
          if (e) reject(UdpTransport.mapSendError(e, to));
          else if (pause) setImmediate(resolve);
          else resolve();
        });
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** {@inheritDoc Transport.close} */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
    return this.closing;
  }
}
