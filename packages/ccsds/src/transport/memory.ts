/**
 * In-memory transports for tests, simulations and browsers: a {@link MemoryNetwork} hub and
 * its {@link MemoryTransport} endpoints, addressed `mem://name`. Portable (no Node.js APIs).
 *
 * Delivery is asynchronous (a microtask after `send`), in order per sender, with a copy of the
 * data (the sender may reuse its buffer at once). An optional drop function decides per
 * message whether it is lost, for loss tests. Sending to a name with no open endpoint rejects
 * with `INVALID_ARGUMENT`; a message whose destination closes before delivery is dropped. The
 * memory transport never emits `link` events.
 */
import { CcsdsError, CcsdsErrorCode, TypedEmitter } from '../core/index.js';
import { checkMessage, closedError, deliver } from './common.js';
import type { Transport, TransportEvents } from './transport.js';

/** Decides whether a message is lost (true) or delivered (false). */
export type DropFunction = (data: Uint8Array, from: string, to: string) => boolean;

/** Options of {@link MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** Called for every message; returning true drops it. */
  drop?: DropFunction;
  /** `maxMessageLength` of the endpoints (default 16 MiB). */
  maxMessageLength?: number;
}

/** Default largest message of a memory endpoint: 16 MiB. */
export const MEMORY_MAX_MESSAGE_LENGTH = 16 << 20;

/** Scheme prefix of memory addresses. */
const PREFIX = 'mem://';

/** A hub connecting {@link MemoryTransport} endpoints by name. */
export class MemoryNetwork {
  /** The drop function in force (may be replaced at any time). */
  drop: DropFunction | undefined;
  /** Largest message of the endpoints created from now on. */
  readonly maxMessageLength: number;
  /** Messages delivered so far. */
  delivered = 0;
  /** Messages dropped so far (by the drop function or a closed destination). */
  dropped = 0;
  private readonly endpoints = new Map<string, MemoryTransport>();
  private counter = 0;

  /** Creates an empty network. */
  constructor(options: MemoryNetworkOptions = {}) {
    this.drop = options.drop;
    this.maxMessageLength = options.maxMessageLength ?? MEMORY_MAX_MESSAGE_LENGTH;
  }

  /**
   * Opens the endpoint `mem://name` (`name` may be given with or without the `mem://` prefix;
   * omitted: a fresh unique name). Throws `INVALID_STATE` if the name is in use and
   * `INVALID_ARGUMENT` for an empty name or one containing '/'.
   */
  endpoint(name?: string): MemoryTransport {
    let n = name ?? `node-${++this.counter}`;
    if (n.startsWith(PREFIX)) n = n.slice(PREFIX.length);
    if (n === '' || n.includes('/')) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `bad memory endpoint name ${JSON.stringify(name)}`,
      );
    }
    const address = PREFIX + n;
    if (this.endpoints.has(address)) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, `${address} is already open`);
    }
    const t = new MemoryTransport(this, address, this.maxMessageLength);
    this.endpoints.set(address, t);
    return t;
  }

  /** Addresses of the open endpoints. */
  get addresses(): string[] {
    return [...this.endpoints.keys()];
  }

  /** @internal Routes one message. */
  route(from: MemoryTransport, to: string, data: Uint8Array): void {
    if (!to.startsWith(PREFIX)) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `not a mem:// address: ${JSON.stringify(to)}`,
      );
    }
    const target = this.endpoints.get(to);
    if (target === undefined) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `no endpoint ${to} on this network`);
    }
    if (this.drop?.(data, from.address, to) === true) {
      this.dropped++;
      return;
    }
    const copy = data.slice();
    queueMicrotask(() => {
      if (this.endpoints.get(to) !== target) {
        this.dropped++;
        return;
      }
      this.delivered++;
      deliver(target.events, copy, from.address);
    });
  }

  /** @internal */
  detach(t: MemoryTransport): void {
    if (this.endpoints.get(t.address) === t) this.endpoints.delete(t.address);
  }
}

/** One endpoint of a {@link MemoryNetwork}; see the module comment. */
export class MemoryTransport implements Transport {
  /** Typed events: `message` and `error` (never `link`). */
  readonly events = new TypedEmitter<TransportEvents>();
  private closed = false;

  /** @internal Use {@link MemoryNetwork.endpoint}. */
  constructor(
    private readonly network: MemoryNetwork,
    /** This endpoint's `mem://name`. */
    readonly address: string,
    /** Largest message carried. */
    readonly maxMessageLength: number,
  ) {}

  /** {@inheritDoc Transport.send} */
  async send(to: string, data: Uint8Array): Promise<void> {
    if (this.closed) throw closedError();
    checkMessage(data, this.maxMessageLength);
    this.network.route(this, to, data);
  }

  /** {@inheritDoc Transport.close} */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.network.detach(this);
  }
}
