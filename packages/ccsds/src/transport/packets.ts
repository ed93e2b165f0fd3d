/**
 * `PacketTransport`: messages carried in Space Packets (CCSDS 133.0-B-2 §4.1) over any other
 * {@link Transport}, as a ground station or a spacecraft bus would carry CFDP PDUs. Portable.
 *
 * Each message is the user data of one unsegmented packet with the configured APID and packet
 * type; the packet sequence count runs per destination address, modulo 16,384 (§4.1.3.4.2).
 * Optionally a CRC-16-CCITT packet error control field is appended and checked. A message
 * therefore holds 1 to 65,536 octets (less when the inner transport's limit is smaller, or
 * with error control); a longer or empty one is refused with `LIMIT_EXCEEDED` /
 * `INVALID_ARGUMENT`.
 *
 * On receipt, the packet is decoded strictly (one whole packet per inner message). A malformed
 * packet, a packet whose APID is not accepted, a segmented packet and a CRC mismatch are
 * reported as `error` events carrying the decoder's `CcsdsError`, and nothing is delivered;
 * idle packets (APID 2047) are dropped silently. `link` and `error` events of the inner
 * transport are passed on. Closing the packet transport closes the inner one.
 */
import { CcsdsError, CcsdsErrorCode, TypedEmitter, checkInteger } from '../core/index.js';
import {
  IDLE_APID,
  MAX_DATA_FIELD_LENGTH,
  PRIMARY_HEADER_LENGTH,
  PacketType,
  SEQUENCE_COUNT_MODULUS,
  SequenceFlags,
  decodeSpacePacket,
  encodeSpacePacket,
} from '../spp/index.js';
import { closedError, deliver, reportError } from './common.js';
import type { Transport, TransportEvents } from './transport.js';

/** Options of {@link PacketTransport}. */
export interface PacketTransportOptions {
  /** APID of the packets sent (0..2046). */
  apid: number;
  /** Packet type of the packets sent (default telemetry, 0). */
  packetType?: PacketType;
  /** APIDs accepted on receipt (default: only `apid`). */
  receiveApids?: readonly number[];
  /** Append and verify a CRC-16-CCITT packet error control field (default false). */
  packetErrorControl?: boolean;
}

/** A {@link Transport} that wraps each message in a Space Packet; see the module comment. */
export class PacketTransport implements Transport {
  /** Typed events: decoded messages, and the inner transport's `link` and `error`. */
  readonly events = new TypedEmitter<TransportEvents>();
  /** Largest message: 65,536 octets or less (inner limit minus the 6-octet header, minus 2 with error control). */
  readonly maxMessageLength: number;
  /** The wrapped transport. */
  readonly inner: Transport;
  private readonly apid: number;
  private readonly packetType: PacketType;
  private readonly accepted: ReadonlySet<number>;
  private readonly pec: boolean;
  private readonly counts = new Map<string, number>();
  private readonly unsubscribe: (() => void)[];
  private closed = false;

  /** Wraps `inner`. Throws `INVALID_ARGUMENT` for an APID outside 0..2046 or a bad packet type. */
  constructor(inner: Transport, options: PacketTransportOptions) {
    checkInteger(options.apid, 0, IDLE_APID - 1, 'APID');
    const type = options.packetType ?? PacketType.TELEMETRY;
    checkInteger(type, 0, 1, 'packet type');
    const receive = options.receiveApids ?? [options.apid];
    for (const a of receive) checkInteger(a, 0, IDLE_APID - 1, 'accepted APID');
    this.inner = inner;
    this.apid = options.apid;
    this.packetType = type;
    this.accepted = new Set(receive);
    this.pec = options.packetErrorControl === true;
    const overhead = PRIMARY_HEADER_LENGTH + (this.pec ? 2 : 0);
    this.maxMessageLength = Math.min(
      MAX_DATA_FIELD_LENGTH - (this.pec ? 2 : 0),
      inner.maxMessageLength - overhead,
    );
    if (this.maxMessageLength < 1) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `inner transport carries only ${inner.maxMessageLength} octets`,
      );
    }
    this.unsubscribe = [
      inner.events.on('message', (data, from) => this.receive(data, from)),
      inner.events.on('link', (peer, up) => this.events.emit('link', peer, up)),
      inner.events.on('error', (e) => reportError(this.events, e)),
    ];
  }

  /** The address of the inner transport. */
  get address(): string {
    return this.inner.address;
  }

  /** The sequence count the next packet to `to` will carry. */
  nextSequenceCount(to: string): number {
    return this.counts.get(to) ?? 0;
  }

  /** {@inheritDoc Transport.send} */
  async send(to: string, data: Uint8Array): Promise<void> {
    if (this.closed) throw closedError();
    if (!(data instanceof Uint8Array) || data.length === 0) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        'a Space Packet carries a non-empty Uint8Array',
      );
    }
    if (data.length > this.maxMessageLength) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `message of ${data.length} octets exceeds the packet transport maximum of ${this.maxMessageLength}`,
      );
    }
    const count = this.counts.get(to) ?? 0;
    this.counts.set(to, (count + 1) % SEQUENCE_COUNT_MODULUS);
    const packet = encodeSpacePacket({
      apid: this.apid,
      packetType: this.packetType,
      sequenceFlags: SequenceFlags.UNSEGMENTED,
      packetSequenceCount: count,
      userData: data,
      packetErrorControl: this.pec,
    });
    await this.inner.send(to, packet);
  }

  private receive(data: Uint8Array, from: string): void {
    let decoded;
    try {
      decoded = decodeSpacePacket(data, { packetErrorControl: this.pec });
    } catch (e) {
      reportError(this.events, e);
      return;
    }
    const h = decoded.header;
    if (h.apid === IDLE_APID) return;
    if (!this.accepted.has(h.apid)) {
      reportError(
        this.events,
        new CcsdsError(
          CcsdsErrorCode.INVALID_FIELD,
          `packet from ${from} has APID ${h.apid}, not an accepted one`,
          { offset: 0 },
        ),
      );
      return;
    }
    if (h.sequenceFlags !== SequenceFlags.UNSEGMENTED) {
      reportError(
        this.events,
        new CcsdsError(
          CcsdsErrorCode.UNSUPPORTED,
          `segmented packet (sequence flags ${h.sequenceFlags}) from ${from}`,
          { offset: 2 },
        ),
      );
      return;
    }
    deliver(this.events, decoded.packetDataField, from);
  }

  /** Closes this transport and the inner one. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    await this.inner.close();
  }
}
