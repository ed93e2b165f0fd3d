/**
 * USLP channel engines, CCSDS 732.1-B-2 section 4.2 (sending end: MAP Packet Processing,
 * MAP Multiplexing, VC Generation and Multiplexing) and section 4.3 (receiving end:
 * demultiplexing by virtual channel and MAP, packet extraction, MAPA_SDU and segment
 * reassembly).
 *
 * {@link UslpSender} builds fixed-length frames (TFDZ rule '000': packets spanning frames with
 * a First Header Pointer and idle fill; or, on a MAPA channel, rules '001'/'010': each MAPA_SDU
 * starting a frame, its last octet marked by the Last Valid Octet Pointer, idle fill after it)
 * or variable-length frames (rule '111': complete packets
 * blocked into a TFDZ, or rules '100'/'101'/'110' to segment a unit longer than the largest
 * TFDZ; MAPA_SDUs with protocol ID 5; rule '011': an octet stream cut into frames), with a VC
 * frame count of 0 to 7 octets per VC.
 * {@link UslpReceiver} accepts fixed, variable and truncated frames, detects VC frame count
 * gaps and delivers packets and SDUs per MAP; it never throws on bad frames.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  checkInteger,
  type Framer,
  FramedStreamReader,
  NEED_MORE,
  NOT_A_UNIT,
  SkipReason,
} from '../../core/index.js';
import { type ClcwInit, CLCW_LENGTH, ocfOctets } from '../clcw.js';
import {
  FixedLengthFrameSplitter,
  invalidArgument,
  newReceiverCounters,
  newVirtualChannelCounters,
  packetVersionOf,
  type ReceiverCounters,
  type SecurityReservation,
  securityLengths,
  type VirtualChannelCounters,
  channelPacketExtractor,
  type PacketReceiverOptions,
  type VirtualChannelExtractionOptions,
  withExtractionCounters,
} from '../common.js';
import { type ChannelMultiplexer, type MultiplexingScheme, senderMultiplexer } from '../mux.js';
import {
  GapPolicy,
  isIdlePacketAt,
  mixedPacketFramer,
  NO_PACKET_START,
  ONLY_IDLE_DATA,
  PacketExtractor,
  PacketQuality,
} from '../packet-extraction.js';
import { type IdleFill, PacketVcGenerator } from '../vc-generator.js';
import {
  decodeUslpFrame,
  encodeUslpFrame,
  USLP_IDLE_VIRTUAL_CHANNEL_ID,
  USLP_MAX_FRAME_LENGTH,
  USLP_POINTER_NONE,
  USLP_PRIMARY_HEADER_BASE_LENGTH,
  UslpConstructionRule,
  uslpFrameLengthAt,
  UslpProtocolId,
  type UslpTransferFrame,
} from './frame.js';
import { type UslpFecfLength, uslpFecfLength } from './fecf.js';

/** Fixed- or variable-length frames. */
export type UslpFrameType = 'fixed' | 'variable';

/** Key of a (virtual channel, MAP) pair in multiplexing schemes: `virtualChannelId * 16 + mapId`. */
export function uslpChannelKey(virtualChannelId: number, mapId: number): number {
  return virtualChannelId * 16 + mapId;
}

/** One MAP channel of a {@link UslpSender}. */
export interface UslpChannelSendOptions extends SecurityReservation {
  /** Virtual Channel Identifier (0..62). */
  virtualChannelId: number;
  /** MAP ID (0..15, default 0). */
  mapId?: number;
  /** Idle packet kind for padding fixed-length frames (default space packets). */
  idleFill?: IdleFill;
  /**
   * What the MAP carries on fixed-length frames: packets (rule '000', default) or MAPA_SDUs
   * (rules '001'/'010', {@link UslpSender.sendSdu}). Variable-length frames carry both.
   */
  service?: 'packet' | 'mapa';
}

/** Options of {@link UslpSender}. */
export interface UslpSenderOptions {
  /** Spacecraft Identifier (0..65535). */
  spacecraftId: number;
  /** Source-or-Destination Identifier (default 0). */
  sourceOrDestinationId?: number;
  /** Fixed-length (rule 000) or variable-length (rules 111/100/101/110) frames. */
  frameType: UslpFrameType;
  /** Frame length (fixed) or longest frame (variable), in octets. */
  frameLength: number;
  /** Insert zone octets (default 0). */
  insertZoneLength?: number;
  /** Frames carry the OCF (default false). */
  ocfPresent?: boolean;
  /** Frames end with a FECF (default false). */
  fecfPresent?: boolean;
  /** Octets of the FECF: 2 (CRC-16, default) or 4 (CCSDS CRC-32, see `fecf.ts`). */
  fecfLength?: UslpFecfLength;
  /** Octets of the VC frame count field (0..7, default 1). */
  vcFrameCountLength?: number;
  /** The MAP channels. */
  channels: readonly UslpChannelSendOptions[];
  /** Multiplexing over {@link uslpChannelKey} keys (default: priority in listed order). */
  multiplexing?: MultiplexingScheme;
  /**
   * Most octets of packets and SDUs that may wait for variable-length frames or fixed-length
   * MAPA frames, all MAPs together (default 16 MiB; fixed-length packet MAPs have their own
   * bound of 16 MiB each); more throws `LIMIT_EXCEEDED`.
   */
  maxQueuedOctets?: number;
}

interface VariableUnit {
  data: Uint8Array;
  protocolId: number;
  offset: number;
  /** Part of an octet stream (rule 011): cut anywhere, joined with the next stream data. */
  octetStream?: boolean;
}

interface SendChannel {
  vcid: number;
  mapId: number;
  gen: PacketVcGenerator | undefined;
  /** Fixed-length frames carrying MAPA_SDUs (rules 001/010) from `units`. */
  fixedMapa: boolean;
  units: VariableUnit[];
  secH: number;
  secT: number;
  zone: number;
}

/** USLP sender; see the module comment. */
export class UslpSender {
  /** Frame length (fixed) or longest frame (variable). */
  readonly frameLength: number;
  private readonly options: UslpSenderOptions;
  private readonly channels = new Map<number, SendChannel>();
  private readonly counts = new Map<number, bigint>();
  private readonly countLength: number;
  private readonly headerLength: number;
  private readonly fecfOctets: number;
  private readonly mux: ChannelMultiplexer;
  private ocf: Uint8Array = new Uint8Array(CLCW_LENGTH);
  private insertZone: Uint8Array;
  private readonly maxUnitOctets: number;
  /** Octets waiting in the MAPs' unit queues. */
  private unitOctets = 0;

  /**
   * @param options - spacecraft, frame format and MAP channels
   * @throws CcsdsError `INVALID_ARGUMENT` for inconsistent options
   */
  constructor(options: UslpSenderOptions) {
    checkInteger(options.spacecraftId, 0, 0xffff, 'spacecraftId');
    checkInteger(options.frameLength, 8, USLP_MAX_FRAME_LENGTH, 'frameLength');
    this.options = options;
    this.frameLength = options.frameLength;
    this.countLength = options.vcFrameCountLength ?? 1;
    this.maxUnitOctets = options.maxQueuedOctets ?? 16 * 1024 * 1024;
    checkInteger(this.maxUnitOctets, 1, 2 ** 40, 'maxQueuedOctets');
    checkInteger(this.countLength, 0, 7, 'vcFrameCountLength');
    const iz = options.insertZoneLength ?? 0;
    checkInteger(iz, 0, USLP_MAX_FRAME_LENGTH, 'insertZoneLength');
    this.insertZone = new Uint8Array(iz);
    this.headerLength = USLP_PRIMARY_HEADER_BASE_LENGTH + this.countLength + iz;
    this.fecfOctets = options.fecfPresent === true ? uslpFecfLength(options.fecfLength) : 0;
    const trailer = (options.ocfPresent === true ? CLCW_LENGTH : 0) + this.fecfOctets;
    if (options.channels.length === 0) throw invalidArgument('no channels');
    for (const c of options.channels) {
      const mapId = c.mapId ?? 0;
      checkInteger(c.virtualChannelId, 0, 62, 'virtualChannelId');
      checkInteger(mapId, 0, 15, 'mapId');
      const key = uslpChannelKey(c.virtualChannelId, mapId);
      if (this.channels.has(key))
        throw invalidArgument(`VC ${c.virtualChannelId} MAP ${mapId} listed twice`);
      const [secH, secT] = securityLengths(c);
      const tfdfHeader = options.frameType === 'fixed' ? 3 : 1;
      const zone = this.frameLength - this.headerLength - secH - secT - trailer - tfdfHeader;
      if (zone < 1)
        throw invalidArgument(`VC ${c.virtualChannelId} MAP ${mapId}: no room for data`);
      if (zone >= USLP_POINTER_NONE) throw invalidArgument('TFDZ too long for the 16-bit pointer');
      const mapa = c.service === 'mapa';
      if (c.service !== undefined && c.service !== 'packet' && !mapa)
        throw invalidArgument(
          `VC ${c.virtualChannelId} MAP ${mapId}: service ${String(c.service)}`,
        );
      this.channels.set(key, {
        vcid: c.virtualChannelId,
        mapId,
        fixedMapa: mapa && options.frameType === 'fixed',
        gen:
          options.frameType === 'fixed' && !mapa
            ? new PacketVcGenerator({
                zoneLength: zone,
                ...(c.idleFill === undefined ? {} : { idleFill: c.idleFill }),
              })
            : undefined,
        units: [],
        secH,
        secT,
        zone,
      });
      this.counts.set(c.virtualChannelId, 0n);
    }
    this.mux = senderMultiplexer(options.multiplexing, [...this.channels.keys()]);
  }

  /**
   * Queues a Space or Encapsulation Packet on a MAP channel.
   * @throws CcsdsError `INVALID_ARGUMENT` (unknown channel, not a packet), `LIMIT_EXCEEDED`
   */
  send(virtualChannelId: number, mapId: number, packet: Uint8Array): void {
    const ch = this.channel(virtualChannelId, mapId);
    if (ch.gen !== undefined) {
      ch.gen.push(packet);
      return;
    }
    if (ch.fixedMapa) throw invalidArgument('this MAP carries MAPA_SDUs on fixed-length frames');
    if (mixedPacketFramer().probe(packet, 0, packet.length) !== packet.length) {
      throw invalidArgument('not exactly one Space or Encapsulation Packet');
    }
    this.enqueue(ch, { data: packet, protocolId: UslpProtocolId.PACKETS, offset: 0 });
  }

  /**
   * Queues a MAPA_SDU: on variable-length frames blocked or segmented (rules 111, 100-110); on
   * a fixed-length MAPA channel (`service: 'mapa'`) over rule 001/010 frames.
   * @throws CcsdsError `INVALID_ARGUMENT` on fixed-length packet channels or for an empty SDU
   */
  sendSdu(
    virtualChannelId: number,
    mapId: number,
    sdu: Uint8Array,
    protocolId: number = UslpProtocolId.MAPA_SDU,
  ): void {
    const ch = this.channel(virtualChannelId, mapId);
    if (ch.gen !== undefined)
      throw invalidArgument("this MAP carries packets; configure it with service: 'mapa'");
    if (sdu.length === 0) throw invalidArgument('empty SDU');
    checkInteger(protocolId, 0, 30, 'protocolId');
    this.enqueue(ch, { data: sdu, protocolId, offset: 0 });
  }

  /**
   * Queues octets of a MAP's octet stream (MAP Octet Stream service, variable-length frames
   * only): the stream is cut into frames with TFDZ rule '011' wherever a frame is full, so
   * octet boundaries of what was queued are not kept.
   * @throws CcsdsError `INVALID_ARGUMENT` on fixed-length frames, `LIMIT_EXCEEDED`
   */
  sendOctetStream(
    virtualChannelId: number,
    mapId: number,
    data: Uint8Array,
    protocolId: number = UslpProtocolId.OCTET_STREAM,
  ): void {
    const ch = this.channel(virtualChannelId, mapId);
    if (ch.gen !== undefined || ch.fixedMapa)
      throw invalidArgument('octet streams need variable-length frames');
    checkInteger(protocolId, 0, 30, 'protocolId');
    if (data.length > 0) this.enqueue(ch, { data, protocolId, offset: 0, octetStream: true });
  }

  private enqueue(ch: SendChannel, unit: VariableUnit): void {
    if (this.unitOctets + unit.data.length > this.maxUnitOctets) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `USLP queue would exceed ${this.maxUnitOctets} octets`,
      );
    }
    ch.units.push(unit);
    this.unitOctets += unit.data.length;
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

  /** The next frame, always: a ready one, else a padded one, else an Only Idle Data frame (VC 63). */
  nextFrame(): Uint8Array {
    return this.readyFrame() ?? this.padded() ?? this.idleFrame();
  }

  /** A full fixed-length frame, or any variable-length frame, if one is ready. */
  readyFrame(): Uint8Array | undefined {
    const id = this.mux.select((k) => {
      const c = this.channels.get(k)!;
      return c.gen !== undefined ? c.gen.hasFullZone : c.units.length > 0;
    });
    return id === undefined ? undefined : this.build(this.channels.get(id)!, false);
  }

  /** Frames for everything waiting (fixed-length frames padded). */
  flush(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (;;) {
      const f = this.readyFrame() ?? this.padded();
      if (f === undefined) return out;
      out.push(f);
    }
  }

  private padded(): Uint8Array | undefined {
    const id = this.mux.select((k) => (this.channels.get(k)!.gen?.queuedUserOctets ?? 0) > 0);
    return id === undefined ? undefined : this.build(this.channels.get(id)!, true);
  }

  private channel(vcid: number, mapId: number): SendChannel {
    const ch = this.channels.get(uslpChannelKey(vcid, mapId));
    if (ch === undefined) throw invalidArgument(`VC ${vcid} MAP ${mapId} is not configured`);
    return ch;
  }

  private nextCount(vcid: number): bigint {
    const c = this.counts.get(vcid) ?? 0n;
    const mod = 1n << BigInt(8 * this.countLength);
    this.counts.set(vcid, this.countLength === 0 ? 0n : (c + 1n) % mod);
    return c;
  }

  private frame(
    vcid: number,
    mapId: number,
    rule: number,
    protocolId: number,
    pointer: number | undefined,
    tfdz: Uint8Array,
    secH: number,
    secT: number,
  ): Uint8Array {
    const o = this.options;
    // The security header and trailer are zero-filled around the TFDF.
    return encodeUslpFrame({
      spacecraftId: o.spacecraftId,
      sourceOrDestinationId: o.sourceOrDestinationId ?? 0,
      virtualChannelId: vcid,
      mapId,
      vcFrameCountLength: this.countLength,
      virtualChannelFrameCount: this.nextCount(vcid),
      ...(this.insertZone.length + secH > 0
        ? { insertZone: concatZero(this.insertZone, secH) }
        : {}),
      tfdzConstructionRules: rule,
      uslpProtocolId: protocolId,
      ...(pointer === undefined ? {} : { firstHeaderOrLastValidOctetPointer: pointer }),
      tfdz: secT > 0 ? concatZero(tfdz, secT) : tfdz,
      ...(o.ocfPresent === true ? { operationalControlField: this.ocf } : {}),
      fecfPresent: o.fecfPresent ?? false,
      ...(o.fecfLength === undefined ? {} : { fecfLength: o.fecfLength }),
    });
  }

  private idleFrame(): Uint8Array {
    const o = this.options;
    const zone =
      this.frameLength -
      this.headerLength -
      3 -
      (o.ocfPresent === true ? CLCW_LENGTH : 0) -
      this.fecfOctets;
    return this.frame(
      USLP_IDLE_VIRTUAL_CHANNEL_ID,
      0,
      UslpConstructionRule.PACKETS_SPANNING,
      UslpProtocolId.IDLE,
      USLP_POINTER_NONE,
      new Uint8Array(zone).fill(0x55),
      0,
      0,
    );
  }

  /**
   * One fixed-length frame of the MAPA_SDU at the head of the queue: rule 001 for its first
   * frame, 010 after; the Last Valid Octet Pointer marks its last octet in the frame that holds
   * it (all ones before), idle fill follows.
   */
  private buildFixedMapa(ch: SendChannel): Uint8Array {
    const head = ch.units[0]!;
    const rest = head.data.length - head.offset;
    const n = Math.min(rest, ch.zone);
    const tfdz = new Uint8Array(ch.zone).fill(MAPA_IDLE_FILL, n);
    tfdz.set(head.data.subarray(head.offset, head.offset + n));
    const rule =
      head.offset === 0
        ? UslpConstructionRule.MAPA_SDU_START
        : UslpConstructionRule.MAPA_SDU_CONTINUING;
    head.offset += n;
    this.unitOctets -= n;
    if (head.offset === head.data.length) ch.units.shift();
    return this.frame(
      ch.vcid,
      ch.mapId,
      rule,
      head.protocolId,
      n === rest ? n - 1 : USLP_POINTER_NONE,
      tfdz,
      ch.secH,
      ch.secT,
    );
  }

  /** One rule-011 frame: as much of the MAP's queued octet stream as a TFDZ holds. */
  private buildOctetStream(ch: SendChannel): Uint8Array {
    const protocolId = ch.units[0]!.protocolId;
    let size = 0;
    for (const u of ch.units) {
      if (u.octetStream !== true || u.protocolId !== protocolId || size >= ch.zone) break;
      size += u.data.length - u.offset;
    }
    size = Math.min(size, ch.zone);
    const tfdz = new Uint8Array(size);
    for (let w = 0; w < size; ) {
      const u = ch.units[0]!;
      const n = Math.min(u.data.length - u.offset, size - w);
      tfdz.set(u.data.subarray(u.offset, u.offset + n), w);
      w += n;
      u.offset += n;
      if (u.offset === u.data.length) ch.units.shift();
    }
    this.unitOctets -= size;
    return this.frame(
      ch.vcid,
      ch.mapId,
      UslpConstructionRule.OCTET_STREAM,
      protocolId,
      undefined,
      tfdz,
      ch.secH,
      ch.secT,
    );
  }

  private build(ch: SendChannel, pad: boolean): Uint8Array {
    if (ch.gen !== undefined) {
      const tfdz = new Uint8Array(ch.zone);
      const r = ch.gen.fillZone(tfdz, 0, pad)!;
      const protocolId = r === ONLY_IDLE_DATA ? UslpProtocolId.IDLE : UslpProtocolId.PACKETS;
      const pointer = r === NO_PACKET_START || r === ONLY_IDLE_DATA ? USLP_POINTER_NONE : r;
      return this.frame(
        ch.vcid,
        ch.mapId,
        UslpConstructionRule.PACKETS_SPANNING,
        protocolId,
        pointer,
        tfdz,
        ch.secH,
        ch.secT,
      );
    }
    if (ch.fixedMapa) return this.buildFixedMapa(ch);
    if (ch.units[0]!.octetStream === true) return this.buildOctetStream(ch);
    const max = ch.zone;
    const head = ch.units[0]!;
    const rest = head.data.length - head.offset;
    if (head.offset === 0 && rest <= max) {
      // Complete units: block further packets while they fit.
      const parts = [head.data];
      let size = rest;
      ch.units.shift();
      while (
        head.protocolId === UslpProtocolId.PACKETS &&
        ch.units.length > 0 &&
        ch.units[0]!.protocolId === UslpProtocolId.PACKETS &&
        size + ch.units[0]!.data.length <= max
      ) {
        const u = ch.units.shift()!;
        parts.push(u.data);
        size += u.data.length;
      }
      this.unitOctets -= size;
      const tfdz = new Uint8Array(size);
      let o = 0;
      for (const p of parts) {
        tfdz.set(p, o);
        o += p.length;
      }
      return this.frame(
        ch.vcid,
        ch.mapId,
        UslpConstructionRule.NO_SEGMENTATION,
        head.protocolId,
        undefined,
        tfdz,
        ch.secH,
        ch.secT,
      );
    }
    const n = Math.min(rest, max);
    const rule =
      head.offset === 0
        ? UslpConstructionRule.STARTING_SEGMENT
        : n === rest
          ? UslpConstructionRule.LAST_SEGMENT
          : UslpConstructionRule.CONTINUING_SEGMENT;
    const tfdz = head.data.subarray(head.offset, head.offset + n);
    head.offset += n;
    this.unitOctets -= n;
    if (head.offset === head.data.length) ch.units.shift();
    return this.frame(ch.vcid, ch.mapId, rule, head.protocolId, undefined, tfdz, ch.secH, ch.secT);
  }
}

/** 0x55: the idle fill after the last valid octet of a fixed-length MAPA frame. */
const MAPA_IDLE_FILL = 0x55;

function concatZero(a: Uint8Array, zeros: number): Uint8Array {
  const out = new Uint8Array(a.length + zeros);
  out.set(a);
  return out;
}

/** A MAPA_SDU, octet stream or other non-packet unit delivered by {@link UslpReceiver}. */
export interface UslpReceivedSdu {
  /** Spacecraft ID of the master channel. */
  spacecraftId: number;
  /** The virtual channel. */
  virtualChannelId: number;
  /** The MAP. */
  mapId: number;
  /** USLP Protocol Identifier of the frames that carried it. */
  uslpProtocolId: number;
  /** TFDZ construction rule of the last frame that carried it. */
  tfdzConstructionRules: number;
  /** The SDU (for `incomplete`, only the octets received). */
  data: Uint8Array;
  /** `good`, or `incomplete` when a gap interrupted it (gap policy `flag`). */
  quality: PacketQuality;
}

/** Per-VC receiving settings (the same for every MAP of the VC). */
export type UslpVirtualChannelReceiveOptions = VirtualChannelExtractionOptions;

/** Options of {@link UslpReceiver}. */
export interface UslpReceiverOptions extends PacketReceiverOptions {
  /** Fixed- or variable-length frames. */
  frameType: UslpFrameType;
  /** Fixed frame length (required for fixed-length frames). */
  frameLength?: number;
  /** Length of truncated frames, if any are used. */
  truncatedFrameLength?: number;
  /** Insert zone octets after full headers (default 0). */
  insertZoneLength?: number;
  /** Frames end with a FECF (default false). */
  fecfPresent?: boolean;
  /** Octets of the FECF: 2 (CRC-16, default) or 4 (CCSDS CRC-32, see `fecf.ts`). */
  fecfLength?: UslpFecfLength;
  /** Per-VC settings by VC ID. */
  virtualChannels?: Readonly<Partial<Record<number, UslpVirtualChannelReceiveOptions>>>;
  /** Longest SDU reassembled (default 1 MiB); longer ones are dropped. */
  maxSduLength?: number;
  /** Receives SDUs and octet streams. */
  onSdu?: (sdu: UslpReceivedSdu) => void;
}

interface RecvMap {
  extractor: PacketExtractor;
  epoch: number;
  sdu: Uint8Array[] | undefined;
  sduLength: number;
  sduProtocol: number;
}

interface RecvVc {
  scid: number;
  vcid: number;
  counters: VirtualChannelCounters;
  last: bigint;
  lastLength: number;
  epoch: number;
  maps: (RecvMap | undefined)[];
  secH: number;
  secT: number;
  framer: Framer;
  gapPolicy: GapPolicy;
}

/** USLP receiver; see the module comment. */
export class UslpReceiver {
  private readonly options: UslpReceiverOptions;
  private readonly allowed: Set<number> | undefined;
  private readonly vcs = new Map<number, RecvVc>();
  private readonly stats: ReceiverCounters = newReceiverCounters();
  private readonly maxSdu: number;
  private readonly framer: Framer;
  /** Cuts the byte stream of {@link push} into frames. */
  private stream: { push(chunk: Uint8Array): void; end(): void };

  /** @param options - frame format, channels, callbacks */
  constructor(options: UslpReceiverOptions) {
    if (options.frameType === 'fixed') {
      if (options.frameLength === undefined)
        throw invalidArgument('fixed-length frames need frameLength');
      checkInteger(options.frameLength, 8, USLP_MAX_FRAME_LENGTH, 'frameLength');
    }
    if (options.truncatedFrameLength !== undefined)
      checkInteger(options.truncatedFrameLength, 5, USLP_MAX_FRAME_LENGTH, 'truncatedFrameLength');
    if (options.fecfPresent === true) uslpFecfLength(options.fecfLength);
    this.options = options;
    this.allowed = options.spacecraftIds === undefined ? undefined : new Set(options.spacecraftIds);
    this.maxSdu = options.maxSduLength ?? 1 << 20;
    this.framer = options.framer ?? mixedPacketFramer();
    for (const [k, v] of Object.entries(options.virtualChannels ?? {})) {
      checkInteger(Number(k), 0, 63, 'virtual channel ID');
      securityLengths(v);
    }
    this.stream = this.makeStream();
  }

  /**
   * The stream cutter: fixed-length frames by their length; variable-length (and truncated)
   * frames by the core framed stream reader with a framer that reads the frame length field.
   */
  private makeStream(): { push(chunk: Uint8Array): void; end(): void } {
    const o = this.options;
    const partial = (): void => {
      this.stats.frames++;
      this.badHeader('stream ended inside a frame');
    };
    if (o.frameType === 'fixed')
      return new FixedLengthFrameSplitter(o.frameLength!, (f) => this.pushFrame(f), partial);
    const truncated = o.truncatedFrameLength;
    const framer: Framer = {
      maxHeaderLength: 6,
      maxUnitLength: USLP_MAX_FRAME_LENGTH,
      probe(buf, offset, end) {
        const len = uslpFrameLengthAt(buf, offset, end, truncated);
        if (len === 0) return NEED_MORE;
        return len < 5 || len > USLP_MAX_FRAME_LENGTH ? NOT_A_UNIT : len;
      },
    };
    let reader: FramedStreamReader | undefined;
    // Every header is believed at once (no resync confirmation): a frame between two bursts of
    // garbage still arrives, and a false header costs one frame that then fails its checks.
    const make = (): FramedStreamReader =>
      new FramedStreamReader(
        framer,
        {
          unit: (f) => this.pushFrame(f),
          skipped: (r) => {
            if (r.reason === SkipReason.TRUNCATED) return partial();
            this.stats.frames++;
            this.badHeader(`no USLP frame starts here (${r.end - r.start} octets skipped)`);
          },
        },
        { confirmResync: false },
      );
    return {
      push: (chunk) => (reader ??= make()).push(chunk),
      end: () => {
        reader?.end();
        reader = undefined;
      },
    };
  }

  /** Receiver-wide counters (snapshot). */
  get counters(): ReceiverCounters {
    return { ...this.stats };
  }

  /** Counters of every virtual channel seen (MAP extraction counters summed). */
  virtualChannelCounters(): VirtualChannelCounters[] {
    return [...this.vcs.values()].map((v) =>
      withExtractionCounters(
        v.counters,
        v.maps.map((m) => m?.extractor),
      ),
    );
  }

  /**
   * Feeds a stream of concatenated frames in chunks of any size; frames are delimited by the
   * fixed length, the frame length field or the truncated frame length. Octets that cannot
   * start a frame are skipped until the next frame header (one bad-header event per run).
   */
  push(chunk: Uint8Array): void {
    this.stream.push(chunk);
  }

  /** Ends the stream: leftovers count as a bad frame; partial packets and SDUs are flagged or dropped. */
  end(): void {
    this.stream.end();
    for (const vc of this.vcs.values())
      vc.maps.forEach((m, mapId) => {
        if (m === undefined) return;
        m.extractor.interrupt();
        this.abandonSdu(vc, mapId, m);
      });
  }

  /** Processes one frame. Never throws on bad frame content. */
  pushFrame(bytes: Uint8Array): void {
    const st = this.stats;
    const o = this.options;
    st.frames++;
    if (bytes.length < 4) return this.badHeader('frame shorter than a truncated header');
    const vcidPeek = (((bytes[2]! << 8) | bytes[3]!) >> 5) & 0x3f;
    const cfg = o.virtualChannels?.[vcidPeek];
    let f: UslpTransferFrame;
    try {
      f = decodeUslpFrame(bytes, {
        ...(o.insertZoneLength === undefined ? {} : { insertZoneLength: o.insertZoneLength }),
        fecfPresent: o.fecfPresent ?? false,
        ...(o.fecfLength === undefined ? {} : { fecfLength: o.fecfLength }),
        ...(o.truncatedFrameLength === undefined
          ? {}
          : { truncatedFrameLength: o.truncatedFrameLength }),
        ...(o.frameType === 'fixed' ? { fixedFrameLength: o.frameLength! } : {}),
        ...(cfg?.securityHeaderLength === undefined
          ? {}
          : { securityHeaderLength: cfg.securityHeaderLength }),
        ...(cfg?.securityTrailerLength === undefined
          ? {}
          : { securityTrailerLength: cfg.securityTrailerLength }),
      });
    } catch (e) {
      if (e instanceof CcsdsError && e.code === 'BAD_CRC') {
        st.badCrc++;
        o.onEvent?.({ type: 'bad-crc', frameIndex: st.frames - 1 });
        return;
      }
      return this.badHeader(e instanceof Error ? e.message : String(e));
    }
    if (f.frameLength !== bytes.length)
      return this.badHeader(`frame length ${f.frameLength} but ${bytes.length} octets given`);
    if (this.allowed !== undefined && !this.allowed.has(f.spacecraftId))
      return this.badHeader(`spacecraft ${f.spacecraftId} not accepted`);
    const rule = f.tfdzConstructionRules;
    const ptr = f.firstHeaderOrLastValidOctetPointer;
    if (ptr !== undefined && ptr !== USLP_POINTER_NONE && ptr >= f.tfdz.length)
      return this.badHeader(`pointer ${ptr} beyond the data zone`);
    const idle =
      f.virtualChannelId === USLP_IDLE_VIRTUAL_CHANNEL_ID ||
      f.uslpProtocolId === UslpProtocolId.IDLE;
    if (
      !idle &&
      rule === UslpConstructionRule.PACKETS_SPANNING &&
      f.uslpProtocolId !== UslpProtocolId.PACKETS
    )
      return this.badHeader(`rule 000 with protocol ID ${f.uslpProtocolId}`);
    st.accepted++;
    const key = f.spacecraftId * 64 + f.virtualChannelId;
    const vc = this.vcs.get(key) ?? this.newVc(f.spacecraftId, f.virtualChannelId);
    const c = vc.counters;
    c.frames++;
    // VC frame count continuity (shared by the VC's MAPs).
    if (f.virtualChannelFrameCount !== undefined) {
      const count = f.virtualChannelFrameCount;
      const len = f.vcFrameCountLength!;
      if (vc.lastLength === len && vc.last >= 0n) {
        const mod = 1n << BigInt(8 * len);
        const missing = (count - vc.last - 1n + mod) % mod;
        if (missing !== 0n) {
          vc.epoch++;
          c.gaps++;
          c.lostFrames += Number(missing);
          o.onEvent?.({
            type: 'vc-gap',
            frameIndex: st.frames - 1,
            spacecraftId: f.spacecraftId,
            virtualChannelId: f.virtualChannelId,
            expected: Number((vc.last + 1n) % mod),
            received: Number(count),
            missingFrames: Number(missing),
          });
        }
      } else if (vc.lastLength !== len && vc.last >= 0n) vc.epoch++;
      vc.last = count;
      vc.lastLength = len;
    }
    if (idle) {
      c.idleFrames++;
      return;
    }
    const map = vc.maps[f.mapId] ?? this.newMap(vc, f.mapId);
    const continuous = map.epoch === vc.epoch;
    map.epoch = vc.epoch;
    const z = f.tfdz;
    const emitSdu = (data: Uint8Array, quality: PacketQuality): void =>
      o.onSdu?.({
        spacecraftId: vc.scid,
        virtualChannelId: vc.vcid,
        mapId: f.mapId,
        uslpProtocolId: f.uslpProtocolId,
        tfdzConstructionRules: rule,
        data,
        quality,
      });
    switch (rule) {
      case UslpConstructionRule.PACKETS_SPANNING:
        map.extractor.push(
          z,
          0,
          z.length,
          ptr === USLP_POINTER_NONE ? NO_PACKET_START : ptr!,
          continuous,
        );
        return;
      case UslpConstructionRule.OCTET_STREAM:
        emitSdu(z.slice(), PacketQuality.GOOD);
        return;
      case UslpConstructionRule.NO_SEGMENTATION:
        this.abandonSdu(vc, f.mapId, map);
        if (f.uslpProtocolId === UslpProtocolId.PACKETS) this.blockPackets(vc, f.mapId, z);
        else emitSdu(z.slice(), PacketQuality.GOOD);
        return;
      case UslpConstructionRule.MAPA_SDU_START:
      case UslpConstructionRule.STARTING_SEGMENT:
        this.abandonSdu(vc, f.mapId, map);
        map.sdu = [];
        map.sduLength = 0;
        map.sduProtocol = f.uslpProtocolId;
        break;
      default:
        // Continuing and last portions need an unbroken SDU in progress.
        if (!continuous || map.sdu === undefined || map.sduProtocol !== f.uslpProtocolId) {
          this.abandonSdu(vc, f.mapId, map);
          c.discardedOctets += z.length;
          return;
        }
    }
    const fixed =
      rule === UslpConstructionRule.MAPA_SDU_START ||
      rule === UslpConstructionRule.MAPA_SDU_CONTINUING;
    const ends = fixed ? ptr !== USLP_POINTER_NONE : rule === UslpConstructionRule.LAST_SEGMENT;
    const part = fixed && ends ? z.subarray(0, ptr! + 1) : z;
    if (map.sduLength + part.length > this.maxSdu) {
      this.abandonSdu(vc, f.mapId, map);
      c.discardedOctets += part.length;
      return;
    }
    map.sdu!.push(part.slice());
    map.sduLength += part.length;
    if (!ends) return;
    const sdu = join(map.sdu!, map.sduLength);
    map.sdu = undefined;
    map.sduLength = 0;
    if (map.sduProtocol === UslpProtocolId.PACKETS) this.blockPackets(vc, f.mapId, sdu);
    else emitSdu(sdu, PacketQuality.GOOD);
  }

  private abandonSdu(vc: RecvVc, mapId: number, map: RecvMap): void {
    if (map.sdu === undefined) return;
    const data = join(map.sdu, map.sduLength);
    map.sdu = undefined;
    map.sduLength = 0;
    if (vc.gapPolicy === GapPolicy.FLAG) {
      vc.counters.packetsFlagged++;
      this.options.onSdu?.({
        spacecraftId: vc.scid,
        virtualChannelId: vc.vcid,
        mapId,
        uslpProtocolId: map.sduProtocol,
        tfdzConstructionRules: UslpConstructionRule.CONTINUING_SEGMENT,
        data,
        quality: PacketQuality.INCOMPLETE,
      });
    } else vc.counters.packetsDropped++;
  }

  /** Complete packets laid end to end (rule 111, or a reassembled packet SDU). */
  private blockPackets(vc: RecvVc, mapId: number, z: Uint8Array): void {
    const c = vc.counters;
    let pos = 0;
    while (pos < z.length) {
      const len = vc.framer.probe(z, pos, z.length);
      if (len <= 0 || len === NOT_A_UNIT || pos + len > z.length) {
        c.badPacketHeaders++;
        c.discardedOctets += z.length - pos;
        return;
      }
      if (isIdlePacketAt(z, pos) && this.options.deliverIdle !== true) c.idlePackets++;
      else {
        c.packetsGood++;
        this.deliverPacket(vc, mapId, z.slice(pos, pos + len), PacketQuality.GOOD);
      }
      pos += len;
    }
  }

  private deliverPacket(vc: RecvVc, mapId: number, data: Uint8Array, quality: PacketQuality): void {
    this.options.onPacket?.({
      spacecraftId: vc.scid,
      virtualChannelId: vc.vcid,
      mapId,
      data,
      quality,
      packetVersionNumber: packetVersionOf(data),
    });
  }

  private newVc(scid: number, vcid: number): RecvVc {
    const o = this.options;
    const cfg = o.virtualChannels?.[vcid];
    const [secH, secT] = securityLengths(cfg);
    const vc: RecvVc = {
      scid,
      vcid,
      counters: newVirtualChannelCounters(scid, vcid),
      last: -1n,
      lastLength: -1,
      epoch: 0,
      maps: [],
      secH,
      secT,
      framer: cfg?.framer ?? this.framer,
      gapPolicy: cfg?.gapPolicy ?? o.gapPolicy ?? GapPolicy.DROP,
    };
    this.vcs.set(scid * 64 + vcid, vc);
    return vc;
  }

  private newMap(vc: RecvVc, mapId: number): RecvMap {
    const m: RecvMap = {
      extractor: channelPacketExtractor(
        this.options,
        this.options.virtualChannels?.[vc.vcid],
        vc.scid,
        vc.vcid,
        mapId,
      ),
      epoch: vc.epoch,
      sdu: undefined,
      sduLength: 0,
      sduProtocol: 0,
    };
    vc.maps[mapId] = m;
    return m;
  }

  private badHeader(reason: string): void {
    this.stats.badHeader++;
    this.options.onEvent?.({ type: 'bad-header', frameIndex: this.stats.frames - 1, reason });
  }
}

function join(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
