/**
 * A simulated space link as a {@link Transport}: nodes on a {@link SimulatedNetwork} exchange
 * messages through channels with one-way light time, data rate, loss, duplication, reordering
 * (jitter), bit corruption and outages, all in the virtual time of a `SimulatedClock` and
 * reproducible from its seed. Used to run CFDP and the other engines through a Mars link in
 * milliseconds of real time.
 */
import { CcsdsError, CcsdsErrorCode, type SimulatedClock, TypedEmitter } from '../core/index.js';
import type { Transport, TransportEvents } from './transport.js';

/** Impairments of one direction of a link. */
export interface ChannelModel {
  /** One-way delay in ms (light time plus processing). Default 0. */
  delayMs?: number;
  /** Extra random delay, uniform in [0, jitterMs): reorders messages. Default 0. */
  jitterMs?: number;
  /** Link rate in bits per second; messages queue behind each other. 0 = unlimited. */
  bitRate?: number;
  /** Probability a message is lost. */
  loss?: number;
  /** Probability a message is delivered twice. */
  duplicate?: number;
  /** Probability a message has one random bit flipped. */
  corrupt?: number;
  /** Link down during these [start, end) windows of virtual time (messages sent then are lost). */
  outages?: [number, number][];
}

/** Counters of one channel. */
export interface ChannelStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  corrupted: number;
}

interface Node {
  transport: SimulatedTransport;
}

/** A set of nodes (`sim://name`) joined by modelled channels, in virtual time. */
export class SimulatedNetwork {
  readonly clock: SimulatedClock;
  private readonly nodes = new Map<string, Node>();
  private readonly models = new Map<string, ChannelModel>();
  private readonly busyUntil = new Map<string, number>();
  /** Per-channel counters, keyed `from->to`. */
  readonly stats = new Map<string, ChannelStats>();
  private defaultModel: ChannelModel;

  constructor(clock: SimulatedClock, defaultModel: ChannelModel = {}) {
    this.clock = clock;
    this.defaultModel = defaultModel;
  }

  /** Sets the model of the channel from `from` to `to` (addresses or names). */
  setChannel(from: string, to: string, model: ChannelModel): void {
    this.models.set(`${norm(from)}->${norm(to)}`, model);
  }

  /** Sets the model of both directions between two nodes. */
  setLink(a: string, b: string, model: ChannelModel): void {
    this.setChannel(a, b, model);
    this.setChannel(b, a, model);
  }

  /** Creates the node `sim://name`. */
  node(name: string, maxMessageLength = 65536): SimulatedTransport {
    const address = norm(name);
    if (this.nodes.has(address))
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `${address} exists`);
    const t = new SimulatedTransport(this, address, maxMessageLength);
    this.nodes.set(address, { transport: t });
    return t;
  }

  /** @internal Removes a closed node. */
  detach(address: string): void {
    this.nodes.delete(address);
  }

  /** @internal Carries one message through the channel model. */
  carry(from: string, to: string, data: Uint8Array): void {
    const key = `${from}->${to}`;
    const m = this.models.get(key) ?? this.defaultModel;
    let st = this.stats.get(key);
    if (st === undefined) {
      st = { sent: 0, delivered: 0, lost: 0, duplicated: 0, corrupted: 0 };
      this.stats.set(key, st);
    }
    st.sent++;
    const rng = this.clock.random;
    const now = this.clock.now();
    // Serialisation on a rate-limited link.
    let start = now;
    if ((m.bitRate ?? 0) > 0) {
      start = Math.max(now, this.busyUntil.get(key) ?? 0);
      const dur = (data.length * 8 * 1000) / m.bitRate!;
      this.busyUntil.set(key, start + dur);
      start += dur;
    }
    if (m.outages?.some(([a, b]) => now >= a && now < b) === true || rng.chance(m.loss ?? 0)) {
      st.lost++;
      return;
    }
    const copies = rng.chance(m.duplicate ?? 0) ? 2 : 1;
    if (copies === 2) st.duplicated++;
    for (let c = 0; c < copies; c++) {
      let msg = data.slice();
      if (rng.chance(m.corrupt ?? 0) && msg.length > 0) {
        const bit = rng.nextInt(msg.length * 8);
        msg[bit >> 3] = msg[bit >> 3]! ^ (0x80 >> (bit & 7));
        st.corrupted++;
      }
      const at = start - now + (m.delayMs ?? 0) + rng.next() * (m.jitterMs ?? 0);
      const stats = st;
      this.clock.setTimer(at, () => {
        const n = this.nodes.get(to);
        if (n === undefined) return;
        stats.delivered++;
        n.transport.deliver(msg, from);
        msg = new Uint8Array(0);
      });
    }
  }
}

function norm(a: string): string {
  return a.startsWith('sim://') ? a : `sim://${a}`;
}

/** One node's end of the simulated network. */
export class SimulatedTransport implements Transport {
  readonly address: string;
  readonly maxMessageLength: number;
  readonly events = new TypedEmitter<TransportEvents>();
  private readonly net: SimulatedNetwork;
  private closed = false;

  constructor(net: SimulatedNetwork, address: string, maxMessageLength: number) {
    this.net = net;
    this.address = address;
    this.maxMessageLength = maxMessageLength;
  }

  /** Sends through the modelled channel (never blocks: the model queues). */
  send(to: string, data: Uint8Array): Promise<void> {
    if (this.closed)
      return Promise.reject(new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'transport closed'));
    if (data.length > this.maxMessageLength) {
      return Promise.reject(
        new CcsdsError(
          CcsdsErrorCode.LIMIT_EXCEEDED,
          `message of ${data.length} octets exceeds ${this.maxMessageLength}`,
        ),
      );
    }
    this.net.carry(this.address, norm(to), data);
    return Promise.resolve();
  }

  /** @internal */
  deliver(data: Uint8Array, from: string): void {
    if (!this.closed) this.events.emit('message', data, from);
  }

  /** Leaves the network. */
  close(): Promise<void> {
    this.closed = true;
    this.net.detach(this.address);
    return Promise.resolve();
  }
}
