/**
 * A {@link Transport} over a node's packet service: what an application (the CFDP entity) sends
 * becomes a Space Packet queued on the node's link, and the packets of the link that carry the
 * application's APIDs come back as messages. Wrapped in a `PacketTransport` of `ccsds/transport`
 * it is how CFDP PDUs travel in Space Packets over TM and TC frames (CCSDS 727.0-B-5 annex on
 * the underlying communication service, 133.0-B-2 for the packets).
 */
import { CcsdsError, CcsdsErrorCode, TypedEmitter } from '../core/index.js';
import type { Transport, TransportEvents } from '../transport/index.js';

/** Largest Space Packet, in octets (6-octet header plus 65,536 data octets). */
export const MAX_SPACE_PACKET_LENGTH = 65542;

/** Where a {@link PacketPort} hands its packets: a node's uplink or downlink sender. */
export type PacketSink = (packet: Uint8Array) => Promise<void>;

/**
 * One application's door to a node's packet service. `send` resolves once the link has room
 * for the packet (back-pressure from the frame layer), so an application that awaits its sends
 * never fills memory with packets the link cannot carry yet.
 */
export class PacketPort implements Transport {
  /** Typed events: packets delivered to this port arrive as `message` events. */
  readonly events = new TypedEmitter<TransportEvents>();
  /** Largest message: one Space Packet. */
  readonly maxMessageLength = MAX_SPACE_PACKET_LENGTH;
  /** This node's address (`sim://<name>`). */
  readonly address: string;
  private readonly peer: string;
  private readonly sink: PacketSink;
  private closed = false;

  /**
   * @param address - this node's address, e.g. `sim://spacecraft`
   * @param peer - the only address packets can go to (the other end of the space link)
   * @param sink - queues a packet on the link
   */
  constructor(address: string, peer: string, sink: PacketSink) {
    this.address = address;
    this.peer = peer;
    this.sink = sink;
  }

  /** Queues `data` (a whole Space Packet) for the peer. */
  async send(to: string, data: Uint8Array): Promise<void> {
    if (this.closed) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'packet port closed');
    if (to !== this.peer) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `${this.address} reaches only ${this.peer}, not ${to}`,
      );
    }
    if (data.length > MAX_SPACE_PACKET_LENGTH) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `packet of ${data.length} octets exceeds ${MAX_SPACE_PACKET_LENGTH}`,
      );
    }
    await this.sink(data);
  }

  /** Delivers a packet that arrived over the link (called by the node). */
  deliver(packet: Uint8Array): void {
    if (!this.closed) this.events.emit('message', packet, this.peer);
  }

  /** Stops delivering. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
