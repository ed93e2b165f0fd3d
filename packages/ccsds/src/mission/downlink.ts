/**
 * The downlink of the simulated mission, both ends: Space Packets multiplexed by virtual channel
 * into TM Transfer Frames (CCSDS 132.0-B-3, with the CLCW of the uplink's FARM-1 in the
 * Operational Control Field and a FECF), through the TM coding chain of 131.0-B-4 (Reed-Solomon,
 * pseudo-randomiser, ASM, convolutional code) onto a {@link PhysicalChannel} that returns soft
 * symbols; at the ground, Viterbi decoding, frame synchronisation, derandomisation, RS decoding,
 * demultiplexing and packet extraction.
 *
 * Idle periods are not simulated symbol by symbol: when nothing is waiting the transmitter falls
 * quiet after one idle frame (which flushes the receiver's Viterbi traceback) and later resumes
 * the same coded stream, as if idle frames had filled the gap. Runs then cost in proportion to
 * the data moved, not to the pass length.
 *
 * Composed only from the public faces of `ccsds/coding` and `ccsds/link`.
 */
import { type Clock, CcsdsError, CcsdsErrorCode, type TimerId } from '../core/index.js';
import {
  TmChainDecoder,
  TmChainEncoder,
  type TmChainRsOptions,
  type TmChainStats,
  type ConvRate,
  convSymbolCount,
  tmChainLayout,
} from '../coding/index.js';
import {
  type ReceivedPacket,
  type ReceiverCounters,
  TmReceiver,
  TmSender,
  type VirtualChannelCounters,
  decodeTmFrame,
} from '../link/index.js';
import type { PhysicalChannel } from './channel.js';

/** Channel coding of the downlink (CCSDS 131.0-B-4). */
export interface DownlinkCoding {
  /** Reed-Solomon outer code, or null for none (default RS(255,223), I = frame length / 223). */
  rs?: TmChainRsOptions | null;
  /** Convolutional inner code (default '1/2'). */
  conv?: ConvRate | 'none';
  /** Pseudo-randomiser (default true). */
  randomize?: boolean;
}

/** Options shared by both ends of a downlink. */
export interface DownlinkFormat {
  /** Spacecraft Identifier (0..1023). */
  spacecraftId: number;
  /** TM Transfer Frame length in octets. */
  frameLength: number;
  /** Channel coding. */
  coding?: DownlinkCoding;
}

/** Resolves the chain options of a format. */
function chainOptions(f: DownlinkFormat): {
  frameLength: number;
  rs: TmChainRsOptions | undefined;
  conv: ConvRate | 'none';
  randomize: boolean;
} {
  const c = f.coding ?? {};
  let rs: TmChainRsOptions | undefined;
  if (c.rs !== null) {
    const base = c.rs ?? {};
    const E = base.E ?? 16;
    rs = { ...base, E, interleave: base.interleave ?? Math.ceil(f.frameLength / (255 - 2 * E)) };
  }
  return { frameLength: f.frameLength, rs, conv: c.conv ?? '1/2', randomize: c.randomize ?? true };
}

/** Channel symbols that carry one Transfer Frame (its ASM and codeblock, after the inner code). */
function caduSymbols(f: DownlinkFormat): number {
  const o = chainOptions(f);
  const bits = tmChainLayout(o).caduLength * 8;
  return o.conv === 'none' ? bits : convSymbolCount(bits, o.conv);
}

/**
 * Information bits per channel symbol of a downlink format: frame bits over the channel symbols
 * that carry them (the convolutional and Reed-Solomon rates, with the ASM and the virtual fill
 * counted as overhead too).
 */
export function downlinkCodeRate(f: DownlinkFormat): number {
  return (f.frameLength * 8) / caduSymbols(f);
}

/** Options of {@link DownlinkSender}. */
export interface DownlinkSenderOptions extends DownlinkFormat {
  /** Timers. */
  clock: Clock;
  /** The channel the coded frames go out on (hard bits in, its own output form out). */
  channel: PhysicalChannel;
  /** Packet virtual channels in priority order (the first is served first). */
  virtualChannels: readonly number[];
  /** The Operational Control Field of each frame (the uplink FARM-1's CLCW). */
  ocf: () => Uint8Array;
  /** Packet octets waiting per virtual channel before `send` makes its caller wait (default 4 frames). */
  maxQueuedOctets?: number;
  /** Channel symbols per second (to size batches of frames by air time). */
  symbolRate: number;
  /** Air time of one batch of frames handed to the channel, in ms (default 50). */
  batchMs?: number;
  /**
   * Release time of a virtual channel, in ms (default 100): a channel with packets waiting that
   * has not sent a frame for this long sends one now, padded (so housekeeping does not wait for
   * a bulk transfer to end).
   */
  releaseMs?: number;
}

/** Counters of a {@link DownlinkSender}. */
export interface DownlinkSenderStats {
  /** Packets accepted, per virtual channel. */
  packets: Record<number, number>;
  /** Frames radiated (idle frames included). */
  frames: number;
  /** Only Idle Data frames (report and end-of-burst frames). */
  idleFrames: number;
  /** Bursts of transmission (the transmitter fell quiet in between). */
  bursts: number;
  /** Channel bits radiated. */
  bits: number;
}

interface Waiter {
  resolve: () => void;
}

interface VcQueue {
  id: number;
  packets: Uint8Array[];
  octets: number;
  waiters: Waiter[];
  /** Time since which packets of this VC wait in the TM sender without a frame going out. */
  since: number | undefined;
}

/**
 * The spacecraft end of the downlink. Packets wait per virtual channel (bounded; `send`
 * resolves when there is room); the transmitter pulls frames in priority order whenever the
 * channel is idle and the spacecraft is in contact, and falls quiet otherwise.
 */
export class DownlinkSender {
  /** Counters (live). */
  readonly stats: DownlinkSenderStats = {
    packets: {},
    frames: 0,
    idleFrames: 0,
    bursts: 0,
    bits: 0,
  };
  private readonly clock: Clock;
  private readonly channel: PhysicalChannel;
  private readonly tm: TmSender;
  private readonly encoder: TmChainEncoder;
  private readonly queues: VcQueue[];
  private readonly maxQueued: number;
  private readonly batchMs: number;
  private readonly releaseMs: number;
  private readonly frameSeconds: number;
  private readonly ocf: () => Uint8Array;
  private reportWanted = false;
  private unflushed = false;
  private quiet = true;
  private wake: TimerId | undefined;
  private closed = false;

  /** @throws CcsdsError `INVALID_ARGUMENT` for an inconsistent format */
  constructor(options: DownlinkSenderOptions) {
    this.clock = options.clock;
    this.channel = options.channel;
    this.ocf = options.ocf;
    const idle = [0, 1, 2, 3, 4, 5, 6, 7].find((v) => !options.virtualChannels.includes(v));
    this.tm = new TmSender({
      spacecraftId: options.spacecraftId,
      frameLength: options.frameLength,
      fecfPresent: true,
      ocfPresent: true,
      virtualChannels: options.virtualChannels.map((virtualChannelId) => ({ virtualChannelId })),
      idleVirtualChannelId: idle ?? 7,
    });
    this.encoder = new TmChainEncoder({ ...chainOptions(options), output: 'bits' });
    this.queues = options.virtualChannels.map((id) => ({
      id,
      packets: [],
      octets: 0,
      waiters: [],
      since: undefined,
    }));
    this.releaseMs = options.releaseMs ?? 100;
    this.maxQueued = options.maxQueuedOctets ?? 4 * options.frameLength;
    this.batchMs = options.batchMs ?? 50;
    this.frameSeconds = caduSymbols(options) / options.symbolRate;
  }

  /**
   * Queues a packet on a virtual channel; resolves when that channel's queue has room.
   * @throws CcsdsError `INVALID_ARGUMENT` for a virtual channel not configured
   */
  send(virtualChannelId: number, packet: Uint8Array): Promise<void> {
    const q = this.queues.find((x) => x.id === virtualChannelId);
    if (q === undefined) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `virtual channel ${virtualChannelId} is not configured`,
      );
    }
    if (this.closed) return Promise.resolve();
    q.packets.push(packet);
    q.octets += packet.length;
    this.stats.packets[virtualChannelId] = (this.stats.packets[virtualChannelId] ?? 0) + 1;
    this.kick();
    if (q.octets <= this.maxQueued) return Promise.resolve();
    return new Promise((resolve) => q.waiters.push({ resolve }));
  }

  /** Asks for a frame soon even without data: the OCF (CLCW) has news. */
  requestReport(): void {
    this.reportWanted = true;
    this.kick();
  }

  /** Octets of packets waiting on every virtual channel. */
  get queuedOctets(): number {
    return this.queues.reduce((n, q) => n + q.octets, 0) + this.tm.queuedOctets;
  }

  /** Stops transmitting and releases waiting senders. */
  close(): void {
    this.closed = true;
    if (this.wake !== undefined) this.clock.cancelTimer(this.wake);
    this.channel.onIdle = undefined;
    for (const q of this.queues) for (const w of q.waiters.splice(0)) w.resolve();
  }

  private kick(): void {
    if (this.closed || this.wake !== undefined) return;
    const now = this.clock.now();
    if (this.channel.idleAt > now) {
      this.channel.onIdle = () => {
        this.channel.onIdle = undefined;
        this.kick();
      };
      return;
    }
    if (!this.channel.isInContact(now)) {
      const next = this.channel.nextContact(now);
      if (next === undefined) return;
      this.wake = this.clock.setTimer(Math.max(0, next.startMs - now), () => {
        this.wake = undefined;
        this.kick();
      });
      return;
    }
    this.radiateBatch();
  }

  private hasData(): boolean {
    return this.tm.queuedOctets > 0 || this.queues.some((q) => q.octets > 0);
  }

  /** Moves packets into the TM sender, highest priority first, up to about two frames. */
  private feed(at: number): void {
    const want = 2 * this.tm.frameLength;
    for (const q of this.queues) {
      while (q.packets.length > 0 && this.tm.queuedOctets < want) {
        const p = q.packets.shift()!;
        q.octets -= p.length;
        this.tm.send(q.id, p);
        q.since ??= at;
      }
      while (q.waiters.length > 0 && q.octets <= this.maxQueued) q.waiters.shift()!.resolve();
    }
  }

  private radiateBatch(): void {
    const parts: Uint8Array[] = [];
    let bytes = 0;
    let frames = 0;
    const contact = this.channel.nextContact(this.clock.now());
    const left =
      contact !== undefined && contact.startMs <= this.clock.now()
        ? contact.endMs - this.clock.now()
        : Infinity;
    const maxFrames = Math.max(
      1,
      Math.floor(Math.min(this.batchMs, left) / 1000 / this.frameSeconds),
    );
    const emit = (frame: Uint8Array, idle: boolean): void => {
      const bits = this.encoder.encode(frame);
      parts.push(bits);
      bytes += bits.length;
      frames++;
      this.stats.frames++;
      if (idle) this.stats.idleFrames++;
    };
    const start = this.clock.now();
    while (frames < maxFrames) {
      const at = start + frames * this.frameSeconds * 1000;
      this.feed(at);
      this.tm.setOperationalControlField(this.ocf());
      const late = this.queues.find((q) => q.since !== undefined && at - q.since >= this.releaseMs);
      const f =
        (late !== undefined ? this.tm.releaseFrame(late.id) : undefined) ??
        this.tm.readyFrame() ??
        (this.hasData() ? this.tm.nextFrame() : undefined);
      if (f !== undefined) {
        const vc = (f[1]! >> 1) & 7;
        for (const q of this.queues) {
          if (q.id === vc || this.tm.queuedOctetsOf(q.id) === 0) {
            q.since = this.tm.queuedOctetsOf(q.id) > 0 ? at : undefined;
          }
        }
        emit(f, false);
        this.unflushed = true;
        continue;
      }
      if (this.reportWanted || this.unflushed) {
        // An idle frame: it carries the fresh CLCW and flushes the receiver's traceback.
        this.reportWanted = false;
        this.unflushed = false;
        emit(this.tm.nextFrame(), true);
      }
      break;
    }
    if (frames === 0) {
      this.quiet = true;
      return;
    }
    if (this.quiet) this.stats.bursts++;
    this.quiet = false;
    const out = new Uint8Array(bytes);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    this.stats.bits += bytes * 8;
    this.channel.transmit(out, bytes * 8);
    this.channel.onIdle = () => {
      this.channel.onIdle = undefined;
      this.kick();
    };
  }
}

/** Options of {@link DownlinkReceiver}. */
export interface DownlinkReceiverOptions extends DownlinkFormat {
  /** Each packet extracted (idle packets dropped). */
  onPacket: (packet: ReceivedPacket) => void;
  /** Each Operational Control Field of a good frame (the CLCW for FOP-1). */
  onOcf?: (ocf: Uint8Array) => void;
  /** The channel's output form (default 'soft'). */
  input?: 'soft' | 'hard';
}

/** Counters of a {@link DownlinkReceiver}: the coding chain's and the frame layer's. */
export interface DownlinkReceiverStats {
  /** Codeblocks found, corrected, uncorrectable; RS symbols corrected; sync losses. */
  chain: TmChainStats;
  /** Frames offered to the TM receiver, accepted, with bad FECF or header. */
  frames: ReceiverCounters;
  /** Per virtual channel: frames, gaps, lost frames, packets good and dropped. */
  virtualChannels: VirtualChannelCounters[];
  /** Codeblocks the RS decoder could not correct (not passed on). */
  uncorrectable: number;
}

/** The ground end of the downlink. */
export class DownlinkReceiver {
  private readonly decoder: TmChainDecoder;
  private readonly tm: TmReceiver;
  private readonly options: DownlinkReceiverOptions;
  private readonly rs: boolean;
  private uncorrectable = 0;

  /** @throws CcsdsError `INVALID_ARGUMENT` for an inconsistent format */
  constructor(options: DownlinkReceiverOptions) {
    this.options = options;
    const chain = chainOptions(options);
    this.rs = chain.rs !== undefined;
    const soft = (options.input ?? 'soft') === 'soft';
    this.decoder = new TmChainDecoder({
      ...chain,
      input: chain.conv === 'none' ? (soft ? 'soft8' : 'bits') : soft ? 'soft8' : 'bits',
    });
    this.tm = new TmReceiver({
      frameLength: options.frameLength,
      fecfPresent: true,
      spacecraftIds: [options.spacecraftId],
      gapPolicy: 'drop',
      onPacket: options.onPacket,
    });
  }

  /** Feeds channel symbols (soft octets, or packed hard bits). */
  push(symbols: Uint8Array, count: number): void {
    const soft = (this.options.input ?? 'soft') === 'soft';
    const chunk = soft ? symbols.subarray(0, count) : symbols.subarray(0, Math.ceil(count / 8));
    for (const f of this.decoder.push(chunk)) this.frame(f.data, f.ok);
  }

  /** Counters (snapshots). */
  get stats(): DownlinkReceiverStats {
    return {
      chain: this.decoder.stats,
      frames: this.tm.counters,
      virtualChannels: this.tm.virtualChannelCounters(),
      uncorrectable: this.uncorrectable,
    };
  }

  private frame(data: Uint8Array, ok: boolean): void {
    if (this.rs && !ok) {
      this.uncorrectable++;
      return;
    }
    this.tm.pushFrame(data);
    if (this.options.onOcf === undefined) return;
    try {
      const f = decodeTmFrame(data, { fecfPresent: true, verifyFecf: false });
      if (f.fecfValid === true && f.operationalControlField !== undefined) {
        this.options.onOcf(f.operationalControlField);
      }
    } catch (e) {
      if (!(e instanceof CcsdsError)) throw e;
    }
  }
}
