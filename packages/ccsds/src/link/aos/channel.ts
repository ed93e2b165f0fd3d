/**
 * AOS channel engines, CCSDS 732.0-B-4 section 4.2 (sending end: Packet Processing,
 * Virtual Channel Generation and Multiplexing, Master Channel Multiplexing, All Frames
 * Generation) and section 4.3 (receiving end: All Frames Reception, demultiplexing, Packet
 * Extraction).
 *
 * {@link AosSender} builds fixed-length frames for three kinds of virtual channel: packets cut
 * into M_PDUs (Packet service, 4.1.4.2), bitstream data cut into B_PDUs (Bitstream service,
 * 4.1.4.3: Bitstream Data Pointer, idle fill, the all-ones conventions) and fixed-length
 * VCA_SDUs filling the data field (Virtual Channel Access service, 4.1.4.4). Frames carry 24-bit
 * VC frame counts, optionally extended by the frame count cycle; idle frames go out on VC 63
 * when nothing is pending; the FHEC, insert zone, OCF and FECF are added as configured.
 * {@link AosReceiver} corrects headers with the FHEC, checks the FECF, detects VC frame count
 * gaps and extracts packets from M_PDUs; B_PDU bitstream data (with its valid bits) and VCA_SDUs
 * are handed over with a flag saying whether frames of the VC were lost before them. It never
 * throws on bad frames: it counts and reports them.
 */
import { checkInteger } from '../../core/index.js';
import { type ClcwInit, CLCW_LENGTH, ocfOctets } from '../clcw.js';
import {
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
import {
  BitstreamVcGenerator,
  bitstreamDataPointer,
  bitstreamValidBits,
  MAX_BITSTREAM_ZONE_LENGTH,
} from '../bitstream-generator.js';
import { VcaSduQueue } from '../vca-queue.js';
import { correctAosHeader } from './fhec.js';
import {
  AOS_BDP_ONLY_IDLE_DATA,
  AOS_FHP_NO_PACKET_START,
  AOS_FHP_ONLY_IDLE_DATA,
  AOS_IDLE_VIRTUAL_CHANNEL_ID,
  AOS_MAX_FRAME_LENGTH,
  AOS_PDU_HEADER_LENGTH,
  type AosFrameFormat,
  aosLayout,
  AosUserDataType,
  writeAosPrimaryHeader,
  writeBpduHeader,
  writeMpduHeader,
} from './frame.js';

/** Modulus of the 24-bit VC frame count. */
export const AOS_FRAME_COUNT_MODULUS = 0x1000000;
/** Modulus of the VC frame count extended by the 4-bit frame count cycle. */
export const AOS_EXTENDED_FRAME_COUNT_MODULUS = 0x10000000;

/** Per-virtual-channel sending configuration. */
export interface AosVirtualChannelSendOptions extends SecurityReservation {
  /** Virtual Channel Identifier (0..62). */
  virtualChannelId: number;
  /**
   * What the VC carries (default M_PDU): packets ({@link AosSender.send}), bitstream data in
   * B_PDUs ({@link AosSender.sendBitstream}) or VCA_SDUs ({@link AosSender.sendAccess}).
   */
  userDataType?: 'M_PDU' | 'B_PDU' | 'VCA';
  /** B_PDU: octet pattern of the idle fill after the last valid bit (default 0x55). */
  bitstreamIdlePattern?: number;
  /** Use the VC frame count cycle (usage flag set; counts run modulo 2^28). Default false. */
  frameCountCycle?: boolean;
  /** M_PDU: idle packet kind used for padding (default space packets). */
  idleFill?: IdleFill;
  /** First VC frame count (default 0; modulo 2^24, or 2^28 with the cycle). */
  virtualChannelFrameCount?: number;
  /**
   * The VC carries replayed data (recorded on board and played back): its frames have the
   * Replay Flag of the Signaling Field set (732.0-B-4 §4.1.2.5). Default false (realtime).
   */
  replay?: boolean;
}

/** Options of {@link AosSender}. */
export interface AosSenderOptions extends AosFrameFormat {
  /** Spacecraft Identifier (0..255). */
  spacecraftId: number;
  /** Frame length in octets. */
  frameLength: number;
  /** The virtual channels. */
  virtualChannels: readonly AosVirtualChannelSendOptions[];
  /** Which VC sends when several have a frame ready (default: priority in listed order). */
  multiplexing?: MultiplexingScheme;
}

interface SendVc {
  id: number;
  /** The VC's source: packets, bitstream or VCA_SDUs; undefined for the idle VC. */
  gen: PacketVcGenerator | BitstreamVcGenerator | VcaSduQueue | undefined;
  count: number;
  cycle: boolean;
  /** Replay Flag of its frames. */
  replay: boolean;
  /** Start of the M_PDU packet zone, B_PDU data zone or VCA_SDU. */
  zoneOffset: number;
}

/** Master channel sender for AOS; see the module comment. */
export class AosSender {
  /** Frame length in octets. */
  readonly frameLength: number;
  private readonly spacecraftId: number;
  private readonly format: AosFrameFormat;
  private readonly dataStart: number;
  private readonly dataEnd: number;
  private readonly vcs = new Map<number, SendVc>();
  private readonly idleVc: SendVc;
  private readonly mux: ChannelMultiplexer;
  private ocf: Uint8Array = new Uint8Array(CLCW_LENGTH);
  private insertZone: Uint8Array;

  /**
   * @param options - spacecraft, frame format and virtual channels
   * @throws CcsdsError `INVALID_ARGUMENT` for inconsistent options
   */
  constructor(options: AosSenderOptions) {
    checkInteger(options.spacecraftId, 0, 255, 'spacecraftId');
    checkInteger(options.frameLength, 8, AOS_MAX_FRAME_LENGTH, 'frameLength');
    this.spacecraftId = options.spacecraftId;
    this.frameLength = options.frameLength;
    this.format = options;
    const iz = options.insertZoneLength ?? 0;
    checkInteger(iz, 0, AOS_MAX_FRAME_LENGTH, 'insertZoneLength');
    this.insertZone = new Uint8Array(iz);
    const { dataStart, dataEnd } = aosLayout(options, this.frameLength);
    this.dataStart = dataStart;
    this.dataEnd = dataEnd;
    if (options.virtualChannels.length === 0) throw invalidArgument('no virtual channels');
    for (const v of options.virtualChannels) {
      checkInteger(v.virtualChannelId, 0, 62, 'virtualChannelId');
      if (this.vcs.has(v.virtualChannelId))
        throw invalidArgument(`virtual channel ${v.virtualChannelId} listed twice`);
      const [secH, secT] = securityLengths(v);
      const type = v.userDataType ?? AosUserDataType.M_PDU;
      if (type !== 'M_PDU' && type !== 'B_PDU' && type !== 'VCA')
        throw invalidArgument(`virtual channel ${v.virtualChannelId}: user data type ${type}`);
      const zoneOffset = dataStart + secH + (type === 'VCA' ? 0 : AOS_PDU_HEADER_LENGTH);
      const zone = dataEnd - secT - zoneOffset;
      if (zone < 1)
        throw invalidArgument(`virtual channel ${v.virtualChannelId}: no room for data`);
      if (type === 'M_PDU' && zone > 0x7fd)
        throw invalidArgument(
          'packet zone longer than the 11-bit first header pointer can address',
        );
      if (type === 'B_PDU' && zone > MAX_BITSTREAM_ZONE_LENGTH)
        throw invalidArgument(
          'bitstream data zone longer than the 14-bit bitstream data pointer can address',
        );
      const cycle = v.frameCountCycle ?? false;
      const count = v.virtualChannelFrameCount ?? 0;
      checkInteger(
        count,
        0,
        (cycle ? AOS_EXTENDED_FRAME_COUNT_MODULUS : AOS_FRAME_COUNT_MODULUS) - 1,
        'virtualChannelFrameCount',
      );
      this.vcs.set(v.virtualChannelId, {
        id: v.virtualChannelId,
        gen:
          type === 'M_PDU'
            ? new PacketVcGenerator({
                zoneLength: zone,
                ...(v.idleFill === undefined ? {} : { idleFill: v.idleFill }),
              })
            : type === 'B_PDU'
              ? new BitstreamVcGenerator({
                  zoneLength: zone,
                  ...(v.bitstreamIdlePattern === undefined
                    ? {}
                    : { idlePattern: v.bitstreamIdlePattern }),
                })
              : new VcaSduQueue({ sduLength: zone }),
        count,
        cycle,
        replay: v.replay ?? false,
        zoneOffset,
      });
    }
    this.idleVc = {
      id: AOS_IDLE_VIRTUAL_CHANNEL_ID,
      gen: undefined,
      count: 0,
      cycle: false,
      replay: false,
      zoneOffset: dataStart,
    };
    this.mux = senderMultiplexer(
      options.multiplexing,
      options.virtualChannels.map((v) => v.virtualChannelId),
    );
  }

  /**
   * Queues a packet (Space or Encapsulation Packet) on an M_PDU virtual channel.
   * @throws CcsdsError `INVALID_ARGUMENT` (unknown or non-M_PDU VC, not a packet),
   *   `LIMIT_EXCEEDED`
   */
  send(virtualChannelId: number, packet: Uint8Array): void {
    this.source(virtualChannelId, PacketVcGenerator, 'M_PDU').push(packet);
  }

  /**
   * Queues bitstream data on a B_PDU virtual channel: the first `bitLength` bits of `data`
   * (default all), most significant bit first, continuing the VC's bitstream.
   * @throws CcsdsError `INVALID_ARGUMENT` (unknown or non-B_PDU VC, bad bit length),
   *   `LIMIT_EXCEEDED`
   */
  sendBitstream(virtualChannelId: number, data: Uint8Array, bitLength?: number): void {
    this.source(virtualChannelId, BitstreamVcGenerator, 'B_PDU').push(data, bitLength);
  }

  /**
   * Queues a VCA_SDU on a VCA virtual channel; it must be exactly as long as the VC's data
   * field ({@link accessSduLength}).
   * @throws CcsdsError `INVALID_ARGUMENT` (unknown or non-VCA VC, wrong length), `LIMIT_EXCEEDED`
   */
  sendAccess(virtualChannelId: number, sdu: Uint8Array): void {
    this.source(virtualChannelId, VcaSduQueue, 'VCA').push(sdu);
  }

  /** Octets of every VCA_SDU of a VCA virtual channel. */
  accessSduLength(virtualChannelId: number): number {
    return this.source(virtualChannelId, VcaSduQueue, 'VCA').sduLength;
  }

  private source<T>(id: number, kind: new (...args: never[]) => T, name: string): T {
    const g = this.vcs.get(id)?.gen;
    if (g === undefined) throw invalidArgument(`virtual channel ${id} is not configured`);
    if (!(g instanceof kind)) throw invalidArgument(`virtual channel ${id} does not carry ${name}`);
    return g;
  }

  /** Sets the OCF of the following frames: 4 octets or a CLCW. */
  setOperationalControlField(ocf: Uint8Array | ClcwInit): void {
    this.ocf = ocfOctets(ocf);
  }

  /** Sets the insert zone of the following frames (its configured length). */
  setInsertZone(data: Uint8Array): void {
    if (data.length !== this.insertZone.length)
      throw invalidArgument(`insert zone is ${this.insertZone.length} octets`);
    this.insertZone = data.slice();
  }

  /** Octets of packets, bitstream data (bits rounded up) and VCA_SDUs waiting on all VCs. */
  get queuedOctets(): number {
    let n = 0;
    for (const v of this.vcs.values()) n += v.gen!.queuedUserOctets;
    return n;
  }

  /** The next frame, always: a full one, else a padded one, else an idle frame on VC 63. */
  nextFrame(): Uint8Array {
    return this.readyFrame() ?? this.paddedFrame() ?? this.build(this.idleVc, true);
  }

  /** A full frame if some VC has one, else undefined. */
  readyFrame(): Uint8Array | undefined {
    const id = this.mux.select((i) => this.vcs.get(i)!.gen!.hasFullZone);
    return id === undefined ? undefined : this.build(this.vcs.get(id)!, false);
  }

  /** Frames for everything waiting, each VC's last frame padded. */
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

  private build(vc: SendVc, pad: boolean): Uint8Array {
    const out = new Uint8Array(this.frameLength);
    const g = vc.gen;
    if (g === undefined) out.fill(0x55, this.dataStart, this.dataEnd);
    else if (g instanceof VcaSduQueue) out.set(g.shift()!.data, vc.zoneOffset);
    else if (g instanceof BitstreamVcGenerator) {
      const valid = g.fillZone(out, vc.zoneOffset, pad)!;
      writeBpduHeader(
        out,
        vc.zoneOffset - AOS_PDU_HEADER_LENGTH,
        bitstreamDataPointer(valid, g.zoneLength * 8),
      );
    } else {
      const r = g.fillZone(out, vc.zoneOffset, pad)!;
      writeMpduHeader(
        out,
        vc.zoneOffset - AOS_PDU_HEADER_LENGTH,
        r === NO_PACKET_START
          ? AOS_FHP_NO_PACKET_START
          : r === ONLY_IDLE_DATA
            ? AOS_FHP_ONLY_IDLE_DATA
            : r,
      );
    }
    writeAosPrimaryHeader(
      out,
      {
        spacecraftId: this.spacecraftId,
        virtualChannelId: vc.id,
        virtualChannelFrameCount: vc.count % AOS_FRAME_COUNT_MODULUS,
        replayFlag: vc.replay,
        vcFrameCountUsageFlag: vc.cycle,
        reservedSpare: 0,
        vcFrameCountCycle: vc.cycle ? Math.floor(vc.count / AOS_FRAME_COUNT_MODULUS) : 0,
      },
      this.format.fhecPresent === true,
    );
    if (this.insertZone.length > 0)
      out.set(this.insertZone, this.dataStart - this.insertZone.length);
    if (this.format.ocfPresent === true) out.set(this.ocf, this.dataEnd);
    if (this.format.fecfPresent === true) writeFecf(out);
    vc.count =
      (vc.count + 1) % (vc.cycle ? AOS_EXTENDED_FRAME_COUNT_MODULUS : AOS_FRAME_COUNT_MODULUS);
    return out;
  }
}

/** Per-virtual-channel receiving configuration. */
export interface AosVirtualChannelReceiveOptions extends VirtualChannelExtractionOptions {
  /** What the data field holds (default M_PDU). */
  userDataType?: AosUserDataType;
}

/** B_PDU or VCA data handed over by {@link AosReceiver}. */
export interface AosAccessData {
  /** Spacecraft ID of the master channel. */
  spacecraftId: number;
  /** The virtual channel. */
  virtualChannelId: number;
  /** B_PDU or VCA. */
  userDataType: AosUserDataType;
  /** B_PDU bitstream data zone or VCA data field (a view of the frame; copy to keep). */
  data: Uint8Array;
  /** Valid bits in `data` (B_PDU pointer; all bits for VCA). */
  validBits: number;
  /**
   * False when frames of this VC were lost since the previous B_PDU or VCA data delivered (or
   * this is the first frame seen on the VC): the bitstream or SDU sequence has a hole before it.
   */
  continuous: boolean;
}

/** Options of {@link AosReceiver}. */
export interface AosReceiverOptions extends AosFrameFormat, PacketReceiverOptions {
  /** Frame length in octets. */
  frameLength: number;
  /** Per-VC settings by VC ID. */
  virtualChannels?: Readonly<Partial<Record<number, AosVirtualChannelReceiveOptions>>>;
  /** Receives B_PDU and VCA data. */
  onAccessData?: (data: AosAccessData) => void;
}

interface RecvVc {
  counters: VirtualChannelCounters;
  extractor: PacketExtractor;
  last: number;
  /** A discontinuity not yet reported with B_PDU or VCA data (idle frames keep it). */
  lossPending: boolean;
  type: AosUserDataType;
  secH: number;
  secT: number;
}

/** AOS receiver; see the module comment. */
export class AosReceiver {
  /** Frame length in octets. */
  readonly frameLength: number;
  private readonly options: AosReceiverOptions;
  private readonly allowed: Set<number> | undefined;
  private readonly vcs = new Map<number, RecvVc>();
  private readonly stats: ReceiverCounters = newReceiverCounters();
  private readonly dataStart: number;
  private readonly dataEnd: number;
  private readonly splitter: FixedLengthFrameSplitter;

  /** @param options - frame format, channels, callbacks */
  constructor(options: AosReceiverOptions) {
    checkInteger(options.frameLength, 8, AOS_MAX_FRAME_LENGTH, 'frameLength');
    checkInteger(options.insertZoneLength ?? 0, 0, AOS_MAX_FRAME_LENGTH, 'insertZoneLength');
    this.frameLength = options.frameLength;
    this.options = options;
    this.allowed = options.spacecraftIds === undefined ? undefined : new Set(options.spacecraftIds);
    const { dataStart, dataEnd } = aosLayout(options, this.frameLength);
    if (dataEnd <= dataStart) throw invalidArgument('frame length leaves no data field');
    this.dataStart = dataStart;
    this.dataEnd = dataEnd;
    for (const [k, v] of Object.entries(options.virtualChannels ?? {})) {
      checkInteger(Number(k), 0, 63, 'virtual channel ID');
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

  /** Receiver-wide counters (snapshot). */
  get counters(): ReceiverCounters {
    return { ...this.stats };
  }

  /** Counters of every virtual channel seen (snapshots). */
  virtualChannelCounters(): VirtualChannelCounters[] {
    return [...this.vcs.values()].map((v) => withExtractionCounters(v.counters, [v.extractor]));
  }

  /** Feeds a stream of concatenated frames in chunks of any size. */
  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  /** Ends the stream: a partial frame is a bad frame; packets in progress are flagged or dropped. */
  end(): void {
    this.splitter.end();
    for (const vc of this.vcs.values()) vc.extractor.interrupt();
  }

  /** Processes one frame. Never throws on bad frame content. */
  pushFrame(frame: Uint8Array): void {
    const st = this.stats;
    const o = this.options;
    st.frames++;
    const L = this.frameLength;
    if (frame.length !== L) return this.badHeader(`frame of ${frame.length} octets, expected ${L}`);
    if (o.fecfPresent === true && !hasValidFecf(frame, L)) {
      st.badCrc++;
      o.onEvent?.({ type: 'bad-crc', frameIndex: st.frames - 1 });
      return;
    }
    let h = frame;
    if (o.fhecPresent === true) {
      const c = correctAosHeader(frame, 0);
      if (c === undefined) return this.badHeader('frame header error control: uncorrectable');
      if (c.symbolsCorrected > 0) {
        st.headersCorrected++;
        h = c.header;
      }
    }
    if (h[0]! >> 6 !== 1) return this.badHeader('transfer frame version is not 1');
    const scid = ((h[0]! & 0x3f) << 2) | (h[1]! >> 6);
    const vcid = h[1]! & 0x3f;
    if (this.allowed !== undefined && !this.allowed.has(scid))
      return this.badHeader(`spacecraft ${scid} not accepted`);
    const key = (scid << 6) | vcid;
    const vc = this.vcs.get(key) ?? this.newVc(scid, vcid);
    const start = this.dataStart + vc.secH;
    const end = this.dataEnd - vc.secT;
    let fhp = NO_PACKET_START;
    if (vc.type === AosUserDataType.M_PDU || vc.type === AosUserDataType.B_PDU) {
      if (end - start < AOS_PDU_HEADER_LENGTH + 1)
        return this.badHeader('no room for the data unit');
      const p = (frame[start]! << 8) | frame[start + 1]!;
      if (vc.type === AosUserDataType.M_PDU) {
        const raw = p & 0x7ff;
        if (raw === AOS_FHP_NO_PACKET_START) fhp = NO_PACKET_START;
        else if (raw === AOS_FHP_ONLY_IDLE_DATA) fhp = ONLY_IDLE_DATA;
        else if (raw >= end - start - AOS_PDU_HEADER_LENGTH)
          return this.badHeader(`first header pointer ${raw} beyond the packet zone`);
        else fhp = raw;
      } else if (bitstreamValidBits(p & 0x3fff, (end - start - AOS_PDU_HEADER_LENGTH) * 8) < 0)
        return this.badHeader(`bitstream data pointer ${p & 0x3fff} beyond the data zone`);
    }
    st.accepted++;
    const c = vc.counters;
    c.frames++;
    if (vcid === AOS_IDLE_VIRTUAL_CHANNEL_ID) {
      c.idleFrames++;
      return;
    }
    const sig = h[5]!;
    const cycle = (sig & 0x40) !== 0;
    const count =
      ((h[2]! << 16) | (h[3]! << 8) | h[4]!) + (cycle ? (sig & 15) * AOS_FRAME_COUNT_MODULUS : 0);
    const modulus = cycle ? AOS_EXTENDED_FRAME_COUNT_MODULUS : AOS_FRAME_COUNT_MODULUS;
    const continuous = trackVcFrameCount(vc, count, modulus, st.frames - 1, o.onEvent);
    if (!continuous) vc.lossPending = true;
    if (vc.type === AosUserDataType.M_PDU) {
      if (fhp === ONLY_IDLE_DATA) c.idleFrames++;
      vc.extractor.push(frame, start + AOS_PDU_HEADER_LENGTH, end, fhp, continuous);
      return;
    }
    if (vc.type === AosUserDataType.B_PDU) {
      const p = ((frame[start]! << 8) | frame[start + 1]!) & 0x3fff;
      const data = frame.subarray(start + AOS_PDU_HEADER_LENGTH, end);
      if (p === AOS_BDP_ONLY_IDLE_DATA) {
        c.idleFrames++;
        return;
      }
      this.deliverAccess(vc, data, bitstreamValidBits(p, data.length * 8));
      return;
    }
    const data = frame.subarray(start, end);
    this.deliverAccess(vc, data, data.length * 8);
  }

  private deliverAccess(vc: RecvVc, data: Uint8Array, validBits: number): void {
    const continuous = !vc.lossPending;
    vc.lossPending = false;
    this.options.onAccessData?.({
      spacecraftId: vc.counters.spacecraftId,
      virtualChannelId: vc.counters.virtualChannelId,
      userDataType: vc.type,
      data,
      validBits,
      continuous,
    });
  }

  private newVc(scid: number, vcid: number): RecvVc {
    const o = this.options;
    const cfg = o.virtualChannels?.[vcid];
    const [secH, secT] = securityLengths(cfg);
    const vc: RecvVc = {
      counters: newVirtualChannelCounters(scid, vcid),
      extractor: channelPacketExtractor(o, cfg, scid, vcid),
      last: -1,
      lossPending: false,
      type:
        vcid === AOS_IDLE_VIRTUAL_CHANNEL_ID
          ? AosUserDataType.IDLE
          : (cfg?.userDataType ?? AosUserDataType.M_PDU),
      secH,
      secT,
    };
    this.vcs.set((scid << 6) | vcid, vc);
    return vc;
  }

  private badHeader(reason: string): void {
    this.stats.badHeader++;
    this.options.onEvent?.({ type: 'bad-header', frameIndex: this.stats.frames - 1, reason });
  }
}
