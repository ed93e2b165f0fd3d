/**
 * Convergence layer adapters (RFC 9171 §7): each carries whole encoded bundles between nodes
 * and is a {@link Transport} whose messages are bundles, so the agent, tests and tools treat
 * them alike. This module holds the interface and the portable adapters over any Transport:
 *
 * - {@link SppConvergenceLayer}: one bundle per unsegmented Space Packet (CCSDS 133.0-B-2, as
 *   CCSDS 734.2-B-1 maps BP onto the space link): no secondary header, an APID per link, the
 *   sequence count per link modulo 16,384; a bundle holds 1..65,536 octets.
 * - {@link EppConvergenceLayer}: one bundle per Encapsulation Packet (133.1-B-3) with protocol
 *   ID 4 (Bundle Protocol) in the smallest header form; packets of other protocols are dropped
 *   and counted.
 *
 * Node-only adapters (UDP, STCP, TCPCLv4, File) are in `ccsds/bp/node`.
 */
import { CcsdsError, CcsdsErrorCode, TypedEmitter, checkInteger } from '../core/index.js';
import {
  IDLE_APID,
  MAX_DATA_FIELD_LENGTH,
  PRIMARY_HEADER_LENGTH,
  SEQUENCE_COUNT_MODULUS,
  SequenceFlags,
  decodeSpacePacket,
  encodeSpacePacket,
} from '../spp/index.js';
import { ProtocolId, decodeEncapsulationPacket, encodeEncapsulationPacket } from '../epp/index.js';
import type { Transport, TransportEvents } from '../transport/index.js';

/** Counters every convergence layer keeps. */
export interface ClaStats {
  bundlesSent: number;
  bundlesReceived: number;
  /** Received units that did not carry a bundle for us (other protocol, bad framing, ...). */
  dropped: number;
}

/** A convergence layer adapter: a {@link Transport} whose messages are encoded bundles. */
export interface ConvergenceLayer extends Transport {
  /** Short protocol name: `spp`, `epp`, `file`, `udp`, `stcp`, `tcpcl`. */
  readonly protocol: string;
  /** Counters. */
  readonly stats: ClaStats;
  /**
   * Optional: true when a `send` that resolved no longer reads the bundle's octets (they were
   * written out or copied before it resolved), so the sender may reuse the buffer.
   */
  readonly releasesSentBundles?: boolean;
}

function closed(): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'convergence layer is closed');
}

function emitError(events: TypedEmitter<TransportEvents>, e: unknown): void {
  try {
    events.emit('error', e instanceof Error ? e : new Error(String(e)));
  } catch {
    // a failing error listener must not break the receive path
  }
}

function emitBundle(events: TypedEmitter<TransportEvents>, data: Uint8Array, from: string): void {
  try {
    events.emit('message', data, from);
  } catch (e) {
    emitError(events, e);
  }
}

/** Base of the adapters that wrap another transport. */
abstract class WrappingCla implements ConvergenceLayer {
  readonly events = new TypedEmitter<TransportEvents>();
  readonly stats: ClaStats = { bundlesSent: 0, bundlesReceived: 0, dropped: 0 };
  abstract readonly protocol: string;
  abstract readonly maxMessageLength: number;
  protected closed = false;
  private readonly offs: (() => void)[];

  constructor(readonly inner: Transport) {
    this.offs = [
      inner.events.on('message', (d, from) => this.receive(d, from)),
      inner.events.on('link', (p, up) => this.events.emit('link', this.outerFrom(p), up)),
      inner.events.on('error', (e) => emitError(this.events, e)),
    ];
  }

  get address(): string {
    return this.inner.address;
  }

  protected abstract wrap(to: string, bundle: Uint8Array): Uint8Array;
  protected abstract unwrap(data: Uint8Array, from: string): Uint8Array | undefined;

  protected checkBundle(bundle: Uint8Array): void {
    if (!(bundle instanceof Uint8Array) || bundle.length === 0) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'a bundle is a non-empty Uint8Array');
    }
    if (bundle.length > this.maxMessageLength) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `bundle of ${bundle.length} octets exceeds the ${this.protocol} convergence layer maximum of ${this.maxMessageLength} octets; fragment it or use another convergence layer`,
      );
    }
  }

  send(to: string, bundle: Uint8Array): Promise<void> {
    let sent: Promise<void>;
    try {
      if (this.closed) throw closed();
      this.checkBundle(bundle);
      sent = this.inner.send(to, this.wrap(to, bundle));
    } catch (e) {
      return Promise.reject(e);
    }
    return sent.then(this.countSent);
  }

  /** Counts a bundle the inner transport took (one function for every send). */
  protected readonly countSent = (): void => {
    this.stats.bundlesSent++;
  };

  private receive(data: Uint8Array, from: string): void {
    let bundle: Uint8Array | undefined;
    try {
      bundle = this.unwrap(data, from);
    } catch (e) {
      this.stats.dropped++;
      emitError(this.events, e);
      return;
    }
    if (bundle === undefined) {
      this.stats.dropped++;
      return;
    }
    this.stats.bundlesReceived++;
    emitBundle(this.events, bundle, this.outerFrom(from));
  }

  /** Translates the inner transport's `from` (identity by default). */
  protected outerFrom(from: string): string {
    return from;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs) off();
    await this.inner.close();
  }
}

/** Options of {@link SppConvergenceLayer}. */
export interface SppClaOptions {
  /** APID of packets sent on links not listed in `links` (0..2046). */
  apid: number;
  /** APID per link (destination address), overriding `apid`. */
  links?: Readonly<Record<string, number>>;
  /** APIDs accepted on receipt (default: `apid` and every APID in `links`). */
  receiveApids?: readonly number[];
  /** Packet type of the packets sent (default 0, telemetry). */
  packetType?: 0 | 1;
}

/** Bundles in Space Packets; see the module comment. */
export class SppConvergenceLayer extends WrappingCla {
  readonly protocol = 'spp';
  readonly maxMessageLength: number;
  private readonly apid: number;
  private readonly links: ReadonlyMap<string, number>;
  private readonly accepted: ReadonlySet<number>;
  private readonly packetType: 0 | 1;
  private readonly counts = new Map<string, number>();

  /** Wraps `inner`; throws `INVALID_ARGUMENT` for APIDs outside 0..2046. */
  constructor(inner: Transport, options: SppClaOptions) {
    checkInteger(options.apid, 0, IDLE_APID - 1, 'APID');
    const links = new Map(Object.entries(options.links ?? {}));
    for (const a of links.values()) checkInteger(a, 0, IDLE_APID - 1, 'link APID');
    const receive = options.receiveApids ?? [options.apid, ...links.values()];
    for (const a of receive) checkInteger(a, 0, IDLE_APID - 1, 'accepted APID');
    const packetType = options.packetType ?? 0;
    checkInteger(packetType, 0, 1, 'packet type');
    super(inner);
    this.apid = options.apid;
    this.links = links;
    this.accepted = new Set(receive);
    this.packetType = packetType;
    this.maxMessageLength = Math.min(
      MAX_DATA_FIELD_LENGTH,
      inner.maxMessageLength - PRIMARY_HEADER_LENGTH,
    );
  }

  /** The sequence count the next packet to `to` will carry. */
  nextSequenceCount(to: string): number {
    return this.counts.get(to) ?? 0;
  }

  protected wrap(to: string, bundle: Uint8Array): Uint8Array {
    const count = this.counts.get(to) ?? 0;
    this.counts.set(to, (count + 1) % SEQUENCE_COUNT_MODULUS);
    return encodeSpacePacket({
      apid: this.links.get(to) ?? this.apid,
      packetType: this.packetType,
      secondaryHeaderFlag: false,
      sequenceFlags: SequenceFlags.UNSEGMENTED,
      packetSequenceCount: count,
      userData: bundle,
    });
  }

  protected unwrap(data: Uint8Array, from: string): Uint8Array | undefined {
    const p = decodeSpacePacket(data);
    const h = p.header;
    if (h.apid === IDLE_APID) return undefined;
    if (!this.accepted.has(h.apid)) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_FIELD,
        `packet from ${from} has APID ${h.apid}, not accepted`,
        { offset: 0 },
      );
    }
    if (h.secondaryHeaderFlag) {
      throw new CcsdsError(
        CcsdsErrorCode.UNSUPPORTED,
        `packet from ${from} has a secondary header`,
        { offset: 0 },
      );
    }
    if (h.sequenceFlags !== SequenceFlags.UNSEGMENTED) {
      throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, `segmented packet from ${from}`, {
        offset: 2,
      });
    }
    return p.packetDataField;
  }
}

/** Bundles in Encapsulation Packets; see the module comment. */
export class EppConvergenceLayer extends WrappingCla {
  readonly protocol = 'epp';
  readonly maxMessageLength: number;
  /** Packets received with a protocol ID other than 4 (idle packets included), dropped. */
  otherProtocols = 0;

  constructor(inner: Transport) {
    super(inner);
    // 8-octet header above 65,531 octets of data.
    this.maxMessageLength = Math.max(
      0,
      inner.maxMessageLength -
        (inner.maxMessageLength > 65_535 ? 8 : inner.maxMessageLength > 255 ? 4 : 2),
    );
  }

  protected wrap(_to: string, bundle: Uint8Array): Uint8Array {
    return encodeEncapsulationPacket({ protocolId: ProtocolId.BP, data: bundle });
  }

  protected unwrap(data: Uint8Array): Uint8Array | undefined {
    const p = decodeEncapsulationPacket(data, { exact: true });
    if (p.header.protocolId !== ProtocolId.BP) {
      this.otherProtocols++;
      return undefined;
    }
    if (p.data.length === 0) return undefined;
    return p.data;
  }
}

/**
 * Wraps a transport as a convergence layer under another name (UDP, STCP): bundles are the
 * messages as they are. Addresses are translated between `scheme://` (this layer's) and the
 * inner transport's scheme. Zero-length messages (STCP keepalives) are dropped silently.
 */
export class PlainConvergenceLayer extends WrappingCla {
  readonly maxMessageLength: number;

  /**
   * @param inner - the transport
   * @param protocol - this layer's name and address scheme
   * @param innerScheme - the inner transport's address scheme
   * @param releasesSentBundles - the inner transport's `send` resolves only once it no longer
   * reads the message (see {@link ConvergenceLayer.releasesSentBundles}; default false)
   */
  constructor(
    inner: Transport,
    readonly protocol: string,
    private readonly innerScheme: string,
    readonly releasesSentBundles = false,
  ) {
    super(inner);
    this.maxMessageLength = inner.maxMessageLength;
  }

  override get address(): string {
    return this.toOuter(this.inner.address);
  }

  /** The last address translated each way, and its translation (peers repeat). */
  private lastInner = '';
  private lastOuter = '';
  private lastTo = '';
  private lastToInner = '';

  private toOuter(a: string): string {
    if (a === this.lastInner) return this.lastOuter;
    const p = `${this.innerScheme}://`;
    const outer = a.startsWith(p) ? `${this.protocol}://${a.slice(p.length)}` : a;
    this.lastInner = a;
    this.lastOuter = outer;
    return outer;
  }

  private toInner(a: string): string {
    if (a === this.lastTo && a !== '') return this.lastToInner;
    const p = `${this.protocol}://`;
    if (typeof a !== 'string' || !a.startsWith(p)) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `expected a ${p} address, got ${JSON.stringify(a)}`,
      );
    }
    const inner = `${this.innerScheme}://${a.slice(p.length)}`;
    this.lastTo = a;
    this.lastToInner = inner;
    return inner;
  }

  override send(to: string, bundle: Uint8Array): Promise<void> {
    let sent: Promise<void>;
    try {
      if (this.closed) throw closed();
      this.checkBundle(bundle);
      sent = this.inner.send(this.toInner(to), bundle);
    } catch (e) {
      return Promise.reject(e);
    }
    return sent.then(this.countSent);
  }

  protected wrap(_to: string, bundle: Uint8Array): Uint8Array {
    return bundle;
  }

  protected unwrap(data: Uint8Array): Uint8Array | undefined {
    return data.length === 0 ? undefined : data;
  }

  /** The `from` of the inner transport, in this layer's scheme. */
  protected override outerFrom(from: string): string {
    return this.toOuter(from);
  }
}
