/**
 * TM channel engines, CCSDS 132.0-B-3 section 4.2 (sending end: Virtual Channel Generation,
 * Virtual Channel Multiplexing, Master Channel Generation) and section 4.3 (receiving end:
 * Master and Virtual Channel Demultiplexing, Virtual Channel Reception and Packet Extraction).
 *
 * {@link TmSender} turns packets queued per virtual channel into fixed-length frames with
 * First Header Pointers, idle fill and master/virtual channel frame counts modulo 256; a virtual
 * channel may instead carry the Virtual Channel Access service (section 3.4): fixed-length
 * VCA_SDUs that fill the data field, one per frame, with the Synchronisation Flag set to 1, the
 * 3-bit VCA Status Fields in the Packet Order Flag and Segment Length Identifier, and the First
 * Header Pointer (undefined for this service, 4.1.2.7.6) written as all ones.
 * {@link TmReceiver} takes frames (or a stream of concatenated frames), checks them, detects
 * frame-count gaps per channel and extracts packets, and hands over VCA_SDUs with their status
 * fields and a flag saying whether frames of the VC were lost before them; it never throws on
 * bad frames: it counts and reports them.
 */
import { checkInteger } from '../../core/index.js';
import { type ClcwInit, CLCW_LENGTH, ocfOctets } from '../clcw.js';
import {
  FECF_LENGTH,
  framesMissing,
  trackVcFrameCount,
  hasValidFecf,
  invalidArgument,
  newReceiverCounters,
  newVirtualChannelCounters,
  type ReceiverCounters,
  type SecurityReservation,
  securityLengths,
  type VirtualChannelCounters,
  writeFecf,
  FixedLengthFrameSplitter,
  channelPacketExtractor,
  type PacketReceiverOptions,
  type VirtualChannelExtractionOptions,
  withExtractionCounters,
} from '../common.js';
import { type ChannelMultiplexer, type MultiplexingScheme, senderMultiplexer } from '../mux.js';
import { NO_PACKET_START, ONLY_IDLE_DATA, PacketExtractor } from '../packet-extraction.js';
import { type IdleFill, PacketVcGenerator } from '../vc-generator.js';
import { VcaSduQueue } from '../vca-queue.js';
import {
  TM_FHP_NO_PACKET_START,
  TM_FHP_ONLY_IDLE_DATA,
  TM_MAX_FRAME_LENGTH,
  TM_PRIMARY_HEADER_LENGTH,
  writeTmPrimaryHeader,
} from './frame.js';

/** Frame counts of TM run modulo 256. */
export const TM_FRAME_COUNT_MODULUS = 256;

/** The service a TM virtual channel provides. */
export const TmVirtualChannelService = {
  /** Virtual Channel Packet service: packets with First Header Pointers (sync flag 0). */
  PACKET: 'packet',
  /** Virtual Channel Access service: fixed-length VCA_SDUs (sync flag 1). */
  VCA: 'vca',
} as const;
/** One of {@link TmVirtualChannelService}. */
export type TmVirtualChannelService =
  (typeof TmVirtualChannelService)[keyof typeof TmVirtualChannelService];

/** Per-virtual-channel sending configuration. */
export interface TmVirtualChannelSendOptions extends SecurityReservation {
  /** Virtual Channel Identifier (0..7). */
  virtualChannelId: number;
  /**
   * Packets ({@link TmSender.send}, default) or VCA_SDUs ({@link TmSender.sendAccess}).
   */
  service?: TmVirtualChannelService;
  /** Octets of secondary header data field (0..63) in every frame of this VC; omit for none. */
  secondaryHeaderLength?: number;
  /** Whether frames of this VC carry the OCF (default: the sender's `ocfPresent`). */
  ocfPresent?: boolean;
  /** Packet service: idle packet kind used for padding (default space packets). */
  idleFill?: IdleFill;
  /** First Virtual Channel Frame Count (default 0). */
  virtualChannelFrameCount?: number;
}

/** Options of {@link TmSender}. */
export interface TmSenderOptions {
  /** Spacecraft Identifier (0..1023). */
  spacecraftId: number;
  /** Frame length in octets (managed parameter). */
  frameLength: number;
  /** Frames end with a FECF (default false). */
  fecfPresent?: boolean;
  /** Frames carry the OCF unless a VC says otherwise (default false). */
  ocfPresent?: boolean;
  /** The virtual channels. */
  virtualChannels: readonly TmVirtualChannelSendOptions[];
  /** Which VC sends when several have a frame ready (default: priority in listed order). */
  multiplexing?: MultiplexingScheme;
  /** VC of the Only Idle Data frames sent when nothing else is pending (default 7). */
  idleVirtualChannelId?: number;
  /** First Master Channel Frame Count (default 0). */
  masterChannelFrameCount?: number;
}

interface SendVc {
  id: number;
  /** Packets or VCA_SDUs; undefined for an idle VC that carries nothing else. */
  gen: PacketVcGenerator | VcaSduQueue | undefined;
  count: number;
  shLength: number | undefined;
  shData: Uint8Array;
  ocf: boolean;
  zoneOffset: number;
}

/**
 * Master channel sender: virtual channel generation, multiplexing and master channel frame
 * counting for one spacecraft.
 */
export class TmSender {
  /** Frame length in octets. */
  readonly frameLength: number;
  private readonly spacecraftId: number;
  private readonly fecf: boolean;
  private readonly vcs = new Map<number, SendVc>();
  private readonly idleVc: SendVc;
  private readonly mux: ChannelMultiplexer;
  private mcCount: number;
  private ocf: Uint8Array = new Uint8Array(CLCW_LENGTH);

  /**
   * @param options - spacecraft, frame format and virtual channels
   * @throws CcsdsError `INVALID_ARGUMENT` for inconsistent options (a zone that does not fit)
   */
  constructor(options: TmSenderOptions) {
    checkInteger(options.spacecraftId, 0, 1023, 'spacecraftId');
    checkInteger(
      options.frameLength,
      TM_PRIMARY_HEADER_LENGTH + 1,
      TM_MAX_FRAME_LENGTH,
      'frameLength',
    );
    this.spacecraftId = options.spacecraftId;
    this.frameLength = options.frameLength;
    this.fecf = options.fecfPresent ?? false;
    this.mcCount = options.masterChannelFrameCount ?? 0;
    checkInteger(this.mcCount, 0, 255, 'masterChannelFrameCount');
    const ocfDefault = options.ocfPresent ?? false;
    if (options.virtualChannels.length === 0) throw invalidArgument('no virtual channels');
    for (const v of options.virtualChannels) {
      checkInteger(v.virtualChannelId, 0, 7, 'virtualChannelId');
      if (this.vcs.has(v.virtualChannelId))
        throw invalidArgument(`virtual channel ${v.virtualChannelId} listed twice`);
      const sh = v.secondaryHeaderLength;
      if (sh !== undefined) checkInteger(sh, 0, 63, 'secondaryHeaderLength');
      const [secH, secT] = securityLengths(v);
      const ocf = v.ocfPresent ?? ocfDefault;
      const zoneOffset = TM_PRIMARY_HEADER_LENGTH + (sh === undefined ? 0 : 1 + sh) + secH;
      const zone =
        this.frameLength -
        zoneOffset -
        secT -
        (ocf ? CLCW_LENGTH : 0) -
        (this.fecf ? FECF_LENGTH : 0);
      if (zone < 1)
        throw invalidArgument(`virtual channel ${v.virtualChannelId}: no room for data`);
      const count = v.virtualChannelFrameCount ?? 0;
      checkInteger(count, 0, 255, 'virtualChannelFrameCount');
      const service = v.service ?? TmVirtualChannelService.PACKET;
      if (service !== 'packet' && service !== 'vca')
        throw invalidArgument(`virtual channel ${v.virtualChannelId}: service ${service}`);
      this.vcs.set(v.virtualChannelId, {
        id: v.virtualChannelId,
        gen:
          service === 'vca'
            ? new VcaSduQueue({ sduLength: zone })
            : new PacketVcGenerator({
                zoneLength: zone,
                ...(v.idleFill === undefined ? {} : { idleFill: v.idleFill }),
              }),
        count,
        shLength: sh,
        shData: new Uint8Array(sh ?? 0),
        ocf,
        zoneOffset,
      });
    }
    const idleId = options.idleVirtualChannelId ?? 7;
    checkInteger(idleId, 0, 7, 'idleVirtualChannelId');
    if (this.vcs.get(idleId)?.gen instanceof VcaSduQueue)
      throw invalidArgument(`idle virtual channel ${idleId} carries VCA_SDUs, not idle data`);
    this.idleVc = this.vcs.get(idleId) ?? {
      id: idleId,
      gen: undefined,
      count: 0,
      shLength: undefined,
      shData: new Uint8Array(0),
      ocf: ocfDefault,
      zoneOffset: TM_PRIMARY_HEADER_LENGTH,
    };
    this.mux = senderMultiplexer(
      options.multiplexing,
      options.virtualChannels.map((v) => v.virtualChannelId),
    );
  }

  /**
   * Queues a packet (Space or Encapsulation Packet) on a virtual channel.
   * @throws CcsdsError `INVALID_ARGUMENT` (unknown VC, not a packet), `LIMIT_EXCEEDED` (queue full)
   */
  send(virtualChannelId: number, packet: Uint8Array): void {
    this.packetVc(virtualChannelId).push(packet);
  }

  /**
   * Queues a VCA_SDU on a VCA virtual channel: exactly {@link accessSduLength} octets, sent in
   * one frame with the Synchronisation Flag set, `statusFields` (3 bits, default 0) going into
   * the Packet Order Flag (high bit) and the Segment Length Identifier.
   * @throws CcsdsError `INVALID_ARGUMENT` (unknown or packet VC, wrong length, status fields
   *   beyond 3 bits), `LIMIT_EXCEEDED` (queue full)
   */
  sendAccess(virtualChannelId: number, sdu: Uint8Array, statusFields = 0): void {
    this.accessVc(virtualChannelId).push(sdu, statusFields);
  }

  /** Octets of every VCA_SDU of a VCA virtual channel (its data field). */
  accessSduLength(virtualChannelId: number): number {
    return this.accessVc(virtualChannelId).sduLength;
  }

  /** Sets the Operational Control Field of the following frames: 4 octets or a CLCW. */
  setOperationalControlField(ocf: Uint8Array | ClcwInit): void {
    this.ocf = ocfOctets(ocf);
  }

  /** Sets the secondary header data of a VC's following frames (its configured length). */
  setSecondaryHeaderData(virtualChannelId: number, data: Uint8Array): void {
    const vc = this.vcs.get(virtualChannelId);
    if (vc === undefined || vc.shLength === undefined || data.length !== vc.shLength) {
      throw invalidArgument(
        `virtual channel ${virtualChannelId} has no secondary header of ${data.length} octets`,
      );
    }
    vc.shData = data.slice();
  }

  /** Octets of packets waiting on all VCs. */
  get queuedOctets(): number {
    let n = 0;
    for (const v of this.vcs.values()) n += v.gen?.queuedUserOctets ?? 0;
    return n;
  }

  /**
   * The next frame of the master channel, always: a full frame if a VC has one (by the
   * multiplexing scheme), else a padded frame of a VC with data waiting, else an Only Idle Data
   * frame on the idle VC. Use it where the physical channel needs a frame at every slot.
   */
  nextFrame(): Uint8Array {
    return this.readyFrame() ?? this.paddedFrame() ?? this.build(this.idleVc, true);
  }

  /** Octets of packets waiting on one virtual channel. */
  queuedOctetsOf(virtualChannelId: number): number {
    return this.packetVc(virtualChannelId).queuedUserOctets;
  }

  /**
   * A frame of one virtual channel now, padded with idle data when its packets do not fill it,
   * or undefined when that channel has nothing waiting: what a VC's release timer does when a
   * packet must not wait for the frame to fill (132.0-B-3 leaves the release policy to the
   * mission). Counts as that VC's and the master channel's next frame.
   * @throws CcsdsError `INVALID_ARGUMENT` for a virtual channel not configured
   */
  releaseFrame(virtualChannelId: number): Uint8Array | undefined {
    const gen = this.packetVc(virtualChannelId);
    if (gen.queuedUserOctets === 0) return undefined;
    return this.build(this.vcs.get(virtualChannelId)!, !gen.hasFullZone);
  }

  /** A full frame if some VC has one, else undefined (no padding, no idle frames). */
  readyFrame(): Uint8Array | undefined {
    const id = this.mux.select((i) => this.vcs.get(i)!.gen!.hasFullZone);
    return id === undefined ? undefined : this.build(this.vcs.get(id)!, false);
  }

  /** Frames for everything waiting, the last frame of each VC padded with idle data. */
  flush(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (;;) {
      const f = this.readyFrame() ?? this.paddedFrame();
      if (f === undefined) return out;
      out.push(f);
    }
  }

  private paddedFrame(): Uint8Array | undefined {
    const id = this.mux.select((i) => this.vcs.get(i)!.gen!.queuedUserOctets > 0);
    return id === undefined ? undefined : this.build(this.vcs.get(id)!, true);
  }

  private packetVc(id: number): PacketVcGenerator {
    const g = this.vcs.get(id)?.gen;
    if (g === undefined) throw invalidArgument(`virtual channel ${id} is not configured`);
    if (!(g instanceof PacketVcGenerator))
      throw invalidArgument(`virtual channel ${id} carries VCA_SDUs, not packets`);
    return g;
  }

  private accessVc(id: number): VcaSduQueue {
    const g = this.vcs.get(id)?.gen;
    if (g === undefined) throw invalidArgument(`virtual channel ${id} is not configured`);
    if (!(g instanceof VcaSduQueue))
      throw invalidArgument(`virtual channel ${id} carries packets, not VCA_SDUs`);
    return g;
  }

  private build(vc: SendVc, pad: boolean): Uint8Array {
    const out = new Uint8Array(this.frameLength);
    const trailer = (vc.ocf ? CLCW_LENGTH : 0) + (this.fecf ? FECF_LENGTH : 0);
    let fhp: number;
    let status = -1;
    if (vc.gen === undefined) {
      out.fill(0x55, TM_PRIMARY_HEADER_LENGTH, this.frameLength - trailer);
      fhp = TM_FHP_ONLY_IDLE_DATA;
    } else if (vc.gen instanceof VcaSduQueue) {
      const sdu = vc.gen.shift()!;
      out.set(sdu.data, vc.zoneOffset);
      status = sdu.statusFields;
      fhp = TM_FHP_NO_PACKET_START;
    } else {
      const r = vc.gen.fillZone(out, vc.zoneOffset, pad)!;
      fhp =
        r === NO_PACKET_START
          ? TM_FHP_NO_PACKET_START
          : r === ONLY_IDLE_DATA
            ? TM_FHP_ONLY_IDLE_DATA
            : r;
    }
    writeTmPrimaryHeader(out, 0, {
      spacecraftId: this.spacecraftId,
      virtualChannelId: vc.id,
      ocfFlag: vc.ocf,
      masterChannelFrameCount: this.mcCount,
      virtualChannelFrameCount: vc.count,
      secondaryHeaderFlag: vc.shLength !== undefined,
      synchronisationFlag: status >= 0,
      packetOrderFlag: status >= 0 && (status & 4) !== 0,
      segmentLengthId: status >= 0 ? status & 3 : 3,
      firstHeaderPointer: fhp,
    });
    if (vc.shLength !== undefined) {
      out[TM_PRIMARY_HEADER_LENGTH] = vc.shLength;
      out.set(vc.shData, TM_PRIMARY_HEADER_LENGTH + 1);
    }
    if (vc.ocf) out.set(this.ocf, this.frameLength - trailer);
    if (this.fecf) writeFecf(out);
    this.mcCount = (this.mcCount + 1) & 0xff;
    vc.count = (vc.count + 1) & 0xff;
    return out;
  }
}

/** Per-virtual-channel receiving configuration. */
export interface TmVirtualChannelReceiveOptions extends VirtualChannelExtractionOptions {
  /** Expected secondary header data length (0..63); frames that differ are bad headers. */
  secondaryHeaderLength?: number;
}

/** Data of a frame with the synchronisation flag set (Virtual Channel Access service). */
export interface TmAccessData {
  /** Spacecraft ID of the master channel. */
  spacecraftId: number;
  /** The virtual channel. */
  virtualChannelId: number;
  /** The VCA_SDU: the data field (a view of the frame; copy it to keep it). */
  data: Uint8Array;
  /** VCA Status Fields: Packet Order Flag (high bit) and Segment Length Identifier, 3 bits. */
  statusFields: number;
  /**
   * False when frames of this VC were lost since the previous VCA_SDU delivered (or this is the
   * first frame seen on the VC).
   */
  continuous: boolean;
}

/** Options of {@link TmReceiver}. */
export interface TmReceiverOptions extends PacketReceiverOptions {
  /** Frame length in octets (managed parameter). */
  frameLength: number;
  /** Frames end with a FECF (default false). */
  fecfPresent?: boolean;
  /** Per-VC settings, by VC ID (applied to every accepted spacecraft). */
  virtualChannels?: Readonly<Partial<Record<number, TmVirtualChannelReceiveOptions>>>;
  /** Receives VCA data fields (frames with the synchronisation flag set). */
  onAccessData?: (data: TmAccessData) => void;
}

interface RecvVc {
  counters: VirtualChannelCounters;
  extractor: PacketExtractor;
  last: number;
  /** A discontinuity not yet reported with a VCA_SDU. */
  lossPending: boolean;
  shLength: number | undefined;
  secH: number;
  secT: number;
}

interface RecvMc {
  scid: number;
  last: number;
  vcs: (RecvVc | undefined)[];
}

/**
 * TM receiver: master/virtual channel demultiplexing, frame-count gap detection and packet
 * extraction. See the module comment.
 */
export class TmReceiver {
  /** Frame length in octets. */
  readonly frameLength: number;
  private readonly fecf: boolean;
  private readonly options: TmReceiverOptions;
  private readonly allowed: Set<number> | undefined;
  private readonly mcs = new Map<number, RecvMc>();
  private readonly stats: ReceiverCounters = newReceiverCounters();
  private readonly splitter: FixedLengthFrameSplitter;

  /** @param options - frame format, channels, callbacks */
  constructor(options: TmReceiverOptions) {
    checkInteger(
      options.frameLength,
      TM_PRIMARY_HEADER_LENGTH + 1,
      TM_MAX_FRAME_LENGTH,
      'frameLength',
    );
    this.frameLength = options.frameLength;
    this.fecf = options.fecfPresent ?? false;
    this.options = options;
    this.allowed = options.spacecraftIds === undefined ? undefined : new Set(options.spacecraftIds);
    for (const [k, v] of Object.entries(options.virtualChannels ?? {})) {
      checkInteger(Number(k), 0, 7, 'virtual channel ID');
      if (v?.secondaryHeaderLength !== undefined)
        checkInteger(v.secondaryHeaderLength, 0, 63, 'secondaryHeaderLength');
      securityLengths(v);
    }
    this.splitter = new FixedLengthFrameSplitter(
      this.frameLength,
      (f) => this.pushFrame(f),
      () => {
        this.stats.frames++;
        this.badHeader('stream ended inside a frame');
      },
    );
  }

  /** Receiver-wide counters (a snapshot). */
  get counters(): ReceiverCounters {
    return { ...this.stats };
  }

  /** Counters of every virtual channel seen so far (snapshots). */
  virtualChannelCounters(): VirtualChannelCounters[] {
    const out: VirtualChannelCounters[] = [];
    for (const mc of this.mcs.values())
      for (const vc of mc.vcs)
        if (vc !== undefined) out.push(withExtractionCounters(vc.counters, [vc.extractor]));
    return out;
  }

  /**
   * Feeds a stream of concatenated frames in chunks of any size (frames split across chunks
   * are reassembled).
   */
  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  /**
   * Ends the stream: a partial frame left over counts as a bad frame, and packets in progress
   * are flagged or dropped (by the gap policy).
   */
  end(): void {
    this.splitter.end();
    for (const mc of this.mcs.values()) for (const vc of mc.vcs) vc?.extractor.interrupt();
  }

  /** Processes one frame. Never throws on bad frame content. */
  pushFrame(frame: Uint8Array): void {
    const st = this.stats;
    st.frames++;
    const L = this.frameLength;
    if (frame.length !== L) return this.badHeader(`frame of ${frame.length} octets, expected ${L}`);
    if (this.fecf && !hasValidFecf(frame, L)) {
      st.badCrc++;
      this.options.onEvent?.({ type: 'bad-crc', frameIndex: st.frames - 1 });
      return;
    }
    const b0 = frame[0]!;
    const b1 = frame[1]!;
    if (b0 >> 6 !== 0) return this.badHeader('transfer frame version is not 0');
    const scid = ((b0 & 0x3f) << 4) | (b1 >> 4);
    const vcid = (b1 >> 1) & 7;
    const ocf = (b1 & 1) !== 0;
    const status = (frame[4]! << 8) | frame[5]!;
    let mc = this.mcs.get(scid);
    if (mc === undefined) {
      if (this.allowed !== undefined && !this.allowed.has(scid))
        return this.badHeader(`spacecraft ${scid} not accepted`);
      mc = { scid, last: -1, vcs: [] };
      this.mcs.set(scid, mc);
    }
    const vc = mc.vcs[vcid] ?? this.newVc(mc, vcid);
    // Data field bounds.
    let start = TM_PRIMARY_HEADER_LENGTH;
    if (status & 0x8000) {
      const id = frame[start]!;
      if (id >> 6 !== 0) return this.badHeader('secondary header version is not 0');
      const len = id & 0x3f;
      if (vc.shLength !== undefined && len !== vc.shLength)
        return this.badHeader(`secondary header of ${len} octets, expected ${vc.shLength}`);
      start += 1 + len;
    } else if (vc.shLength !== undefined) return this.badHeader('secondary header missing');
    start += vc.secH;
    const end = L - vc.secT - (ocf ? CLCW_LENGTH : 0) - (this.fecf ? FECF_LENGTH : 0);
    if (end <= start) return this.badHeader('no room for a data field');
    const sync = (status & 0x4000) !== 0;
    const raw = status & 0x7ff;
    let fhp: number;
    if (sync) fhp = NO_PACKET_START;
    else if ((status & 0x3800) !== 0x1800) return this.badHeader('segment length ID is not 11');
    else if (raw === TM_FHP_NO_PACKET_START) fhp = NO_PACKET_START;
    else if (raw === TM_FHP_ONLY_IDLE_DATA) fhp = ONLY_IDLE_DATA;
    else if (raw >= end - start)
      return this.badHeader(`first header pointer ${raw} beyond the data field`);
    else fhp = raw;
    // Accepted: counts and gaps.
    st.accepted++;
    const mcCount = frame[2]!;
    if (mc.last >= 0) {
      const missing = framesMissing(mc.last, mcCount, TM_FRAME_COUNT_MODULUS);
      if (missing !== 0) {
        st.masterChannelGaps++;
        this.options.onEvent?.({
          type: 'mc-gap',
          frameIndex: st.frames - 1,
          spacecraftId: scid,
          expected: (mc.last + 1) & 0xff,
          received: mcCount,
          missingFrames: missing,
        });
      }
    }
    mc.last = mcCount;
    const vcCount = frame[3]!;
    const c = vc.counters;
    c.frames++;
    const continuous = trackVcFrameCount(
      vc,
      vcCount,
      TM_FRAME_COUNT_MODULUS,
      st.frames - 1,
      this.options.onEvent,
    );
    if (!continuous) vc.lossPending = true;
    if (sync) {
      if (!continuous) vc.extractor.interrupt();
      const lossBefore = vc.lossPending;
      vc.lossPending = false;
      this.options.onAccessData?.({
        spacecraftId: scid,
        virtualChannelId: vcid,
        data: frame.subarray(start, end),
        statusFields: (status >> 11) & 7,
        continuous: !lossBefore,
      });
      return;
    }
    if (fhp === ONLY_IDLE_DATA) c.idleFrames++;
    vc.extractor.push(frame, start, end, fhp, continuous);
  }

  private newVc(mc: RecvMc, vcid: number): RecvVc {
    const o = this.options;
    const cfg = o.virtualChannels?.[vcid];
    const [secH, secT] = securityLengths(cfg);
    const scid = mc.scid;
    const vc: RecvVc = {
      counters: newVirtualChannelCounters(scid, vcid),
      extractor: channelPacketExtractor(o, cfg, scid, vcid),
      last: -1,
      lossPending: false,
      shLength: cfg?.secondaryHeaderLength,
      secH,
      secT,
    };
    mc.vcs[vcid] = vc;
    return vc;
  }

  private badHeader(reason: string): void {
    this.stats.badHeader++;
    this.options.onEvent?.({ type: 'bad-header', frameIndex: this.stats.frames - 1, reason });
  }
}
