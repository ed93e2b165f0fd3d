/**
 * The `Transport` interface that ties the application layers (CFDP, bundle agent) to whatever
 * carries their bytes: a memory pair, UDP, TCP, ZMQ, Space Packets over any of these, the
 * bundle protocol, or the simulated space link. One message in is one message out: a transport
 * preserves message boundaries (stream transports frame them).
 *
 * Addresses are URL-like strings: `udp://127.0.0.1:5111`, `tcp://127.0.0.1:5111`,
 * `zmq+tcp://127.0.0.1:5111`, `mem://name`.
 */
import type { TypedEmitter } from '../core/index.js';

/** Events every transport emits. */
export interface TransportEvents {
  [key: string]: unknown[];
  /** A complete message arrived from `from` (the sender's address, as well as it is known). */
  message: [data: Uint8Array, from: string];
  /** The link to `peer` went up or down (stream transports); datagram transports may never emit it. */
  link: [peer: string, up: boolean];
  /** A non-fatal error (a refused connection, an oversized message, a decode error of framing). */
  error: [error: Error];
}

/** Moves messages between this node and remote ones. */
export interface Transport {
  /** The local address messages are received on, in the URL form above. */
  readonly address: string;
  /** Largest message this transport carries, in octets. */
  readonly maxMessageLength: number;
  /** Typed events: `message`, `link`, `error`. */
  readonly events: TypedEmitter<TransportEvents>;
  /**
   * Sends one message to `to`. Resolves when the message was handed to the system (so callers
   * can pace themselves: awaiting every send gives natural back-pressure); rejects with a
   * CcsdsError for an oversized message or an unknown address; delivery is not guaranteed.
   */
  send(to: string, data: Uint8Array): Promise<void>;
  /** Stops receiving and releases sockets. Idempotent. */
  close(): Promise<void>;
}
