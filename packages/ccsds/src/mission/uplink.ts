/**
 * The uplink of the simulated mission, both ends: Space Packets in TC Transfer Frames (CCSDS
 * 232.0-B-4) with MAP segment headers, sequence-controlled by COP-1 (232.1-B-2: FOP-1 on the
 * ground, FARM-1 on board, the CLCW coming back in the downlink's Operational Control Field) or
 * sent expedited (Type-BD) where the round trip is too long for COP-1, each frame in a CLTU
 * (231.0-B-4: BCH(63,56) codeblocks, optional TC randomiser) on a {@link PhysicalChannel} with
 * hard-decision bits.
 *
 * Composed only from the public faces of `ccsds/coding` and `ccsds/link`.
 */
import { type Clock, CcsdsError, CcsdsErrorCode, type TimerId } from '../core/index.js';
import { CltuDecoder, encodeCltu } from '../coding/index.js';
import {
  Farm1,
  FopResponse,
  FopState,
  Fop1,
  type MapDataUnit,
  MapPacketReassembler,
  TcFrameType,
  decodeTcFrame,
  peekTcFrameLength,
  segmentMapPackets,
  tcDataFieldCapacity,
} from '../link/index.js';
import type { PhysicalChannel } from './channel.js';

/** COP-1 settings of the ground's FOP-1. */
export interface Fop1Settings {
  /** Timer T1 in ms: longer than a round trip plus a frame's air time (default 2 s). */
  t1Ms?: number;
  /** Transmissions of a frame before an alert (default 5). */
  transmissionLimit?: number;
  /** Frames sent and not yet acknowledged, at most (default 15). */
  slidingWindowWidth?: number;
}

/** Options of {@link UplinkSender}. */
export interface UplinkSenderOptions {
  /** Timers (FOP-1's T1 and the channel pacing). */
  clock: Clock;
  /** The channel the CLTUs go out on. */
  channel: PhysicalChannel;
  /** Spacecraft Identifier (0..1023). */
  spacecraftId: number;
  /** Virtual Channel Identifier of the uplink (0..63, default 0). */
  virtualChannelId?: number;
  /** Longest TC frame, 8..1024 octets (default 1024). */
  maxFrameLength?: number;
  /** Sequence-controlled service under COP-1 (true) or expedited Type-BD frames (false). */
  cop1: boolean;
  /** FOP-1 managed parameters. */
  fop?: Fop1Settings;
  /** Apply the TC randomiser inside the CLTUs (default true). */
  randomize?: boolean;
  /** Octets of frame data waiting before `send` makes its caller wait (default 2 frames). */
  maxQueuedOctets?: number;
}

/** Counters of an {@link UplinkSender}. */
export interface UplinkSenderStats {
  /** Packets accepted by `send`. */
  packets: number;
  /** CLTUs radiated (every frame, retransmissions and control frames included). */
  cltus: number;
  /** Type-AD frames sent for the first time. */
  adFrames: number;
  /** Type-AD frames sent again by FOP-1. */
  retransmissions: number;
  /** Type-BD frames. */
  bdFrames: number;
  /** Type-BC control frames (Unlock, Set V(R)). */
  bcFrames: number;
  /** FOP-1 alerts (each followed by a re-initialisation with Set V(R)). */
  alerts: number;
  /** Frame data units purged by an alert or dropped from the queue at an alert (CFDP recovers). */
  purgedUnits: number;
  /** CLCWs received. */
  clcws: number;
}

interface Waiter {
  octets: number;
  resolve: () => void;
}

/**
 * The ground end of the uplink: packets are segmented per MAP, handed to FOP-1 one frame at a
 * time as the channel frees up (FOP-1's lower layer answers when the CLTU is on air), and
 * retransmitted under COP-1 until the CLCW acknowledges them.
 */
export class UplinkSender {
  /** Counters (live). */
  readonly stats: UplinkSenderStats = {
    packets: 0,
    cltus: 0,
    adFrames: 0,
    retransmissions: 0,
    bdFrames: 0,
    bcFrames: 0,
    alerts: 0,
    purgedUnits: 0,
    clcws: 0,
  };
  /** The FOP-1 engine (also used, without COP-1, to build the Type-BD frames). */
  readonly fop: Fop1;
  private readonly clock: Clock;
  private readonly channel: PhysicalChannel;
  private readonly cop1: boolean;
  private readonly randomize: boolean;
  private readonly capacity: number;
  private readonly maxQueued: number;
  private readonly units: MapDataUnit[] = [];
  private queuedOctets = 0;
  private readonly waiters: Waiter[] = [];
  private readonly inFop = new Map<number, MapDataUnit>();
  private onAir: TimerId | undefined;
  private reinit: TimerId | undefined;
  private waitContact: TimerId | undefined;
  private closed = false;

  /** @throws CcsdsError `INVALID_ARGUMENT` for settings out of range */
  constructor(options: UplinkSenderOptions) {
    this.clock = options.clock;
    this.channel = options.channel;
    this.cop1 = options.cop1;
    this.randomize = options.randomize ?? true;
    const maxFrameLength = options.maxFrameLength ?? 1024;
    this.capacity = tcDataFieldCapacity({ maxFrameLength, fecfPresent: true });
    this.maxQueued = options.maxQueuedOctets ?? 2 * this.capacity;
    this.fop = new Fop1({
      clock: options.clock,
      spacecraftId: options.spacecraftId,
      virtualChannelId: options.virtualChannelId ?? 0,
      fecfPresent: true,
      t1InitialMs: options.fop?.t1Ms ?? 2000,
      transmissionLimit: options.fop?.transmissionLimit ?? 5,
      slidingWindowWidth: options.fop?.slidingWindowWidth ?? 15,
      timeoutType: 0,
      lowerLayer: 'manual',
    });
    this.fop.on('transmit', (e) => this.radiate(e.frame, e.frameType, e.retransmission));
    this.fop.on('fdu', (e) => {
      const unit = this.inFop.get(e.requestId);
      if (unit === undefined) return;
      if (e.response === FopResponse.REJECT) {
        this.inFop.delete(e.requestId);
        this.units.unshift(unit);
        this.queuedOctets += unit.data.length;
      } else if (e.response === FopResponse.NEGATIVE_CONFIRM) {
        this.inFop.delete(e.requestId);
        this.stats.purgedUnits++;
      } else if (e.response === FopResponse.POSITIVE_CONFIRM) {
        this.inFop.delete(e.requestId);
      }
    });
    this.fop.on('alert', () => {
      // The link is failing: what waits for FOP-1 is dropped with what the alert purged (the
      // application's own retransmission takes over, e.g. CFDP's timers), and senders waiting
      // for room are released, so a dead uplink cannot block them forever.
      this.stats.alerts++;
      this.stats.purgedUnits += this.units.length;
      this.units.length = 0;
      this.queuedOctets = 0;
      for (const w of this.waiters.splice(0)) w.resolve();
      this.scheduleReinit();
    });
    if (this.cop1) this.fop.initiateAdWithoutClcwCheck();
  }

  /**
   * Queues a Space Packet on a MAP (0..63). Resolves when the uplink queue has room again.
   * @throws CcsdsError `INVALID_ARGUMENT` for an empty packet or a bad MAP ID
   */
  send(mapId: number, packet: Uint8Array): Promise<void> {
    if (this.closed) return Promise.resolve();
    const units = segmentMapPackets([packet], { mapId, maxDataLength: this.capacity });
    this.stats.packets++;
    for (const u of units) {
      this.units.push({ segmentHeader: u.segmentHeader, data: u.data.slice() });
      this.queuedOctets += u.data.length;
    }
    this.pump();
    if (this.queuedOctets <= this.maxQueued) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ octets: packet.length, resolve }));
  }

  /** Octets of frame data waiting for FOP-1. */
  get queued(): number {
    return this.queuedOctets;
  }

  /** Hands a CLCW from the downlink's Operational Control Field to FOP-1. */
  receiveClcw(ocf: Uint8Array): void {
    if (this.closed) return;
    this.stats.clcws++;
    try {
      this.fop.receiveClcw(ocf);
    } catch (e) {
      if (!(e instanceof CcsdsError)) throw e;
      return;
    }
    this.pump();
  }

  /** Stops the FOP's timers and releases waiting senders. */
  close(): void {
    this.closed = true;
    if (this.onAir !== undefined) this.clock.cancelTimer(this.onAir);
    if (this.reinit !== undefined) this.clock.cancelTimer(this.reinit);
    if (this.waitContact !== undefined) this.clock.cancelTimer(this.waitContact);
    if (this.cop1 && this.fop.state !== FopState.INITIAL) this.fop.terminateAdService();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  private scheduleReinit(): void {
    if (this.reinit !== undefined || this.closed) return;
    this.reinit = this.clock.setTimer(1, () => {
      this.reinit = undefined;
      if (this.closed || this.fop.state !== FopState.INITIAL) return;
      // Set V(R) to the FOP's V(S): the purged frames are gone, both ends start afresh.
      this.fop.initiateAdWithSetVr(this.fop.vS);
    });
  }

  private radiate(frame: Uint8Array, frameType: TcFrameType, retransmission: boolean): void {
    if (frameType === TcFrameType.AD) {
      if (retransmission) this.stats.retransmissions++;
      else this.stats.adFrames++;
    } else if (frameType === TcFrameType.BD) this.stats.bdFrames++;
    else this.stats.bcFrames++;
    this.stats.cltus++;
    const cltu = encodeCltu(frame, { randomize: this.randomize });
    const end = this.channel.transmit(cltu);
    this.onAir = this.clock.setTimer(Math.max(0, end - this.clock.now()), () => {
      this.onAir = undefined;
      if (this.closed) return;
      this.fop.lowerLayerResponse(frameType, true);
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed || this.onAir !== undefined) return;
    const now = this.clock.now();
    if (!this.channel.isInContact(now)) {
      const next = this.channel.nextContact(now);
      if (next !== undefined && this.waitContact === undefined) {
        this.waitContact = this.clock.setTimer(next.startMs - now, () => {
          this.waitContact = undefined;
          this.pump();
        });
      }
      return;
    }
    while (this.units.length > 0 && this.onAir === undefined) {
      const st = this.fop.status();
      if (this.cop1) {
        if (st.state !== FopState.ACTIVE || st.waitQueueFull) break;
      } else if (!st.bdOutReady) break;
      const unit = this.units.shift()!;
      this.queuedOctets -= unit.data.length;
      const id = this.cop1
        ? this.fop.transmitAd(unit.data, unit.segmentHeader)
        : this.fop.transmitBd(unit.data, unit.segmentHeader);
      this.inFop.set(id, unit);
      if (this.cop1 && this.fop.status().waitQueueFull) break;
    }
    while (this.waiters.length > 0 && this.queuedOctets <= this.maxQueued) {
      this.waiters.shift()!.resolve();
    }
  }
}

/** Options of {@link UplinkReceiver}. */
export interface UplinkReceiverOptions {
  /** Spacecraft Identifier frames must carry. */
  spacecraftId: number;
  /** Virtual Channel Identifier of the uplink (default 0). */
  virtualChannelId?: number;
  /** The CLTUs carry randomised frames (default true). */
  randomize?: boolean;
  /** FARM-1 sliding window width W, even (default 30). */
  slidingWindowWidth?: number;
  /** Receives each reassembled packet with the MAP it came on. */
  onPacket: (mapId: number, packet: Uint8Array) => void;
  /** Called when FARM-1's state or V(R) changed: time to report a fresh CLCW. */
  onClcwChange?: () => void;
}

/** Counters of an {@link UplinkReceiver}. */
export interface UplinkReceiverStats {
  /** CLTUs found. */
  cltus: number;
  /** BCH codeblocks in which one bit was corrected. */
  correctedCodeblocks: number;
  /** CLTUs ended by an uncorrectable codeblock. */
  rejectedCltus: number;
  /** Frames with a bad header or a bad FECF. */
  badFrames: number;
  /** Frames FARM-1 accepted. */
  acceptedFrames: number;
  /** Frames FARM-1 discarded (out of sequence, lockout, wait). */
  discardedFrames: number;
  /** Packets delivered. */
  packets: number;
  /** Packets aborted in reassembly. */
  abortedPackets: number;
}

/**
 * The spacecraft end of the uplink: CLTU decoding of the received bits, TC frame checks,
 * FARM-1, and packet reassembly per MAP.
 */
export class UplinkReceiver {
  /** Counters (live). */
  readonly stats: UplinkReceiverStats = {
    cltus: 0,
    correctedCodeblocks: 0,
    rejectedCltus: 0,
    badFrames: 0,
    acceptedFrames: 0,
    discardedFrames: 0,
    packets: 0,
    abortedPackets: 0,
  };
  /** The FARM-1 engine. */
  readonly farm: Farm1;
  private readonly cltu: CltuDecoder;
  private readonly reassembler = new MapPacketReassembler();
  private readonly options: UplinkReceiverOptions;

  /** @throws CcsdsError `INVALID_ARGUMENT` for settings out of range */
  constructor(options: UplinkReceiverOptions) {
    this.options = options;
    this.cltu = new CltuDecoder({ derandomize: options.randomize ?? true });
    this.farm = new Farm1({
      virtualChannelId: options.virtualChannelId ?? 0,
      spacecraftId: options.spacecraftId,
      slidingWindowWidth: options.slidingWindowWidth ?? 30,
      fecfPresent: true,
      segmentHeaderPresent: true,
    });
    this.farm.on('deliver', (e) => {
      for (const r of this.reassembler.push(e.segmentHeader, e.dataField)) {
        if (r.kind === 'packet') {
          this.stats.packets++;
          this.options.onPacket(r.mapId, r.packet);
        } else this.stats.abortedPackets++;
      }
    });
    this.farm.on('transition', () => this.options.onClcwChange?.());
  }

  /** The CLCW of FARM-1, for the downlink's Operational Control Field. */
  clcw(): Uint8Array {
    return this.farm.encodeClcw();
  }

  /** Feeds received channel bits (packed, MSB first; whole octets as the CLTUs were sent). */
  push(bits: Uint8Array, bitCount: number = bits.length * 8): void {
    const octets = bits.subarray(0, bitCount >> 3);
    for (const c of this.cltu.push(octets)) {
      this.stats.cltus++;
      this.stats.correctedCodeblocks += c.corrected;
      if (c.ending !== 'tail') {
        this.stats.rejectedCltus++;
        if (c.codeblocks === 0) continue;
      }
      this.frame(c.data);
    }
  }

  private frame(data: Uint8Array): void {
    let frame;
    try {
      const length = peekTcFrameLength(data);
      if (length > data.length)
        throw new CcsdsError(CcsdsErrorCode.TRUNCATED, 'CLTU shorter than its frame');
      frame = decodeTcFrame(data.subarray(0, length), {
        fecfPresent: true,
        segmentHeaderPresent: true,
      });
    } catch (e) {
      if (!(e instanceof CcsdsError)) throw e;
      this.stats.badFrames++;
      return;
    }
    if (frame.spacecraftId !== this.options.spacecraftId) {
      this.stats.badFrames++;
      return;
    }
    const r = this.farm.receive(frame);
    if (r.accepted) this.stats.acceptedFrames++;
    else this.stats.discardedFrames++;
  }
}
