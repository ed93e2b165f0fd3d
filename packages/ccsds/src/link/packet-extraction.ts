/**
 * Packet extraction from a virtual channel's packet zone: the receiving side of the Virtual
 * Channel Packet service of TM (CCSDS 132.0-B-3 section 4.1.4.2.2 and 4.3.5), AOS M_PDUs
 * (732.0-B-4 section 4.1.4.2) and USLP TFDZ construction rule '000' (732.1-B-2 section
 * 4.1.4.2.4). The data fields of consecutive frames form one octet stream of packets; the First
 * Header Pointer of each frame says where the first packet starting in that frame begins.
 *
 * Space Packets (133.0-B-2, packet version '000') and Encapsulation Packets (133.1-B-3, '111')
 * are told apart by their first three bits, so both kinds come out of the same channel.
 *
 * Guarantees: a packet is delivered as good only when all of its octets arrived in frames with
 * no discontinuity in between and every First Header Pointer agreed with the packet lengths;
 * after a gap (or any disagreement) extraction resumes at the next First Header Pointer; the
 * packet interrupted by a gap is flagged as incomplete (only the octets actually received, no
 * fill) or dropped, as configured; idle packets are counted and left out.
 */
import { type Framer, NEED_MORE, NOT_A_UNIT } from '../core/index.js';
import { EncapsulationPacketFramer } from '../epp/index.js';
import { spacePacketFramer } from '../spp/index.js';

/** Protocol-independent First Header Pointer value: no packet header starts in this zone. */
export const NO_PACKET_START = -1;
/** Protocol-independent First Header Pointer value: the zone holds only idle data. */
export const ONLY_IDLE_DATA = -2;

/** Packet Version Number of Space Packets (binary 000). */
export const SPACE_PACKET_VERSION_NUMBER = 0;
/** Packet Version Number of Encapsulation Packets (binary 111). */
export const ENCAPSULATION_PACKET_VERSION_NUMBER = 7;

/** What to do with the packet that a frame gap (or an inconsistency) interrupted. */
export const GapPolicy = {
  /** Deliver the octets received so far with quality `incomplete`. */
  FLAG: 'flag',
  /** Count it and deliver nothing. */
  DROP: 'drop',
} as const;
/** One of {@link GapPolicy}. */
export type GapPolicy = (typeof GapPolicy)[keyof typeof GapPolicy];

/** Quality of a delivered packet. */
export const PacketQuality = {
  /** Every octet arrived, in order, with consistent pointers. */
  GOOD: 'good',
  /** Interrupted: `data` holds only the first octets of a longer packet. */
  INCOMPLETE: 'incomplete',
} as const;
/** One of {@link PacketQuality}. */
export type PacketQuality = (typeof PacketQuality)[keyof typeof PacketQuality];

/** Counters of one {@link PacketExtractor}. */
export interface PacketExtractionCounters {
  /** Packets delivered as good (idle packets excluded). */
  packetsGood: number;
  /** Interrupted packets delivered with quality `incomplete`. */
  packetsFlagged: number;
  /** Interrupted packets dropped. */
  packetsDropped: number;
  /** Idle packets (APID 2047 / Encapsulation protocol ID 0) seen and left out. */
  idlePackets: number;
  /** Octets thrown away: before the first header pointer while out of step, bad headers, interrupted headers. */
  discardedOctets: number;
  /** Positions where a pointer said a packet starts but no valid packet header was found. */
  badPacketHeaders: number;
  /** First Header Pointers that disagreed with the length of the packet in progress. */
  pointerMismatches: number;
}

/** Receives the extractor's packets. */
export type PacketSink = (data: Uint8Array, quality: PacketQuality) => void;

/** Options of {@link PacketExtractor}. */
export interface PacketExtractorOptions {
  /** Delimits packets (default {@link mixedPacketFramer}(): Space and Encapsulation Packets). */
  framer?: Framer;
  /** Packet interrupted by a gap: flag or drop (default drop). */
  gapPolicy?: GapPolicy;
  /** Deliver idle packets too (default false: counted and left out). */
  deliverIdle?: boolean;
}

/** Options of {@link mixedPacketFramer}. */
export interface MixedPacketFramerOptions {
  /** Framer for packet version '000' (default `spacePacketFramer()`); null to refuse them. */
  spacePackets?: Framer | null;
  /** Framer for packet version '111' (default `new EncapsulationPacketFramer()`); null to refuse. */
  encapsulationPackets?: Framer | null;
}

/**
 * A {@link Framer} that dispatches on the Packet Version Number in the first three bits: '000'
 * to a Space Packet framer, '111' to an Encapsulation Packet framer; any other version is not a
 * packet start.
 */
export function mixedPacketFramer(options: MixedPacketFramerOptions = {}): Framer {
  const spp = options.spacePackets === undefined ? spacePacketFramer() : options.spacePackets;
  const epp =
    options.encapsulationPackets === undefined
      ? new EncapsulationPacketFramer()
      : options.encapsulationPackets;
  const parts = [spp, epp].filter((f): f is Framer => f !== null);
  return {
    maxHeaderLength: Math.max(1, ...parts.map((f) => f.maxHeaderLength)),
    maxUnitLength: Math.max(1, ...parts.map((f) => f.maxUnitLength)),
    probe(buf, offset, end) {
      if (offset >= end) return NEED_MORE;
      const v = buf[offset]! >> 5;
      if (v === SPACE_PACKET_VERSION_NUMBER && spp !== null) return spp.probe(buf, offset, end);
      if (v === ENCAPSULATION_PACKET_VERSION_NUMBER && epp !== null)
        return epp.probe(buf, offset, end);
      return NOT_A_UNIT;
    },
  };
}

/**
 * True when the complete packet at `buf[offset]` is an idle packet: a Space Packet with APID
 * 2047 or an Encapsulation Packet with protocol ID '000'.
 */
export function isIdlePacketAt(buf: Uint8Array, offset: number): boolean {
  const b0 = buf[offset]!;
  const v = b0 >> 5;
  if (v === SPACE_PACKET_VERSION_NUMBER) return ((b0 & 7) << 8) + buf[offset + 1]! === 0x7ff;
  if (v === ENCAPSULATION_PACKET_VERSION_NUMBER) return (b0 & 0x1c) === 0;
  return false;
}

const EMPTY = new Uint8Array(0);

/**
 * The per-channel extraction state machine. Feed it each frame's packet zone with
 * {@link push}, in the order of the channel's frame count, saying whether frames were lost
 * before it.
 */
export class PacketExtractor {
  /** Counters since construction. */
  readonly counters: PacketExtractionCounters = {
    packetsGood: 0,
    packetsFlagged: 0,
    packetsDropped: 0,
    idlePackets: 0,
    discardedOctets: 0,
    badPacketHeaders: 0,
    pointerMismatches: 0,
  };
  private readonly framer: Framer;
  private readonly sink: PacketSink;
  private readonly flag: boolean;
  private readonly deliverIdle: boolean;
  /** Whether packet boundaries are known (false until the first pointer, and after a gap). */
  private synced = false;
  /** Header octets of a packet whose header is split across zones. */
  private readonly hdr: Uint8Array;
  private hdrFill = 0;
  /** The packet being assembled, once its length is known. */
  private cur: Uint8Array = EMPTY;
  private curFill = 0;
  private curIdle = false;

  /**
   * @param sink - receives every delivered packet (a copy the caller may keep)
   * @param options - framer, gap policy, idle delivery
   */
  constructor(sink: PacketSink, options: PacketExtractorOptions = {}) {
    this.sink = sink;
    this.framer = options.framer ?? mixedPacketFramer();
    this.flag = (options.gapPolicy ?? GapPolicy.DROP) === GapPolicy.FLAG;
    this.deliverIdle = options.deliverIdle ?? false;
    this.hdr = new Uint8Array(Math.max(8, this.framer.maxHeaderLength));
  }

  /** True while a packet (or its header) is partly received. */
  get inProgress(): boolean {
    return this.cur.length > 0 || this.hdrFill > 0;
  }

  /**
   * Feeds the packet zone `buf[start, end)` of one frame.
   * @param firstHeaderPointer - offset of the first packet header from `start`, or
   *   {@link NO_PACKET_START}, or {@link ONLY_IDLE_DATA} (the zone is skipped; by itself it does
   *   not interrupt the packet in progress, a discontinuity before it does)
   * @param continuous - false when frames of this channel were lost before this one
   */
  push(
    buf: Uint8Array,
    start: number,
    end: number,
    firstHeaderPointer: number,
    continuous: boolean,
  ): void {
    const fhp = firstHeaderPointer;
    if (!continuous) this.interrupt();
    if (fhp === ONLY_IDLE_DATA) return;
    if (fhp !== NO_PACKET_START && (fhp < 0 || start + fhp > end)) {
      // A pointer outside the zone: nothing in it can be trusted.
      this.counters.pointerMismatches++;
      this.interrupt();
      this.counters.discardedOctets += end - start;
      return;
    }
    const at = fhp === NO_PACKET_START ? end : start + fhp;
    let pos = start;
    if (this.synced) {
      if (this.inProgress) {
        pos = this.continuePacket(buf, start, at);
        if (this.cur.length > 0 && this.curFill === this.cur.length) {
          // Complete: deliver only when the pointer agrees on where it ended.
          if (pos === at) this.deliverCurrent();
          else {
            this.counters.pointerMismatches++;
            this.interrupt();
          }
        } else if (this.synced && fhp !== NO_PACKET_START) {
          // A packet starts at the pointer while this one is unfinished.
          this.counters.pointerMismatches++;
          this.interrupt();
        }
      } else if (pos !== at) {
        // At a packet boundary the zone must start with a packet header.
        this.counters.pointerMismatches++;
        this.synced = false;
      }
    }
    this.counters.discardedOctets += at - pos;
    if (fhp === NO_PACKET_START) return;
    this.synced = true;
    this.scan(buf, at, end);
  }

  /**
   * Declares a discontinuity (frames lost, stream ended): the packet in progress is flagged or
   * dropped and extraction waits for the next First Header Pointer.
   */
  interrupt(): void {
    if (this.cur.length > 0) {
      if (this.curIdle) this.counters.discardedOctets += this.curFill;
      else if (this.flag) {
        this.counters.packetsFlagged++;
        this.sink(this.cur.subarray(0, this.curFill), PacketQuality.INCOMPLETE);
      } else this.counters.packetsDropped++;
    } else if (this.hdrFill > 0) {
      this.counters.discardedOctets += this.hdrFill;
    }
    this.cur = EMPTY;
    this.curFill = 0;
    this.hdrFill = 0;
    this.synced = false;
  }

  private deliverCurrent(): void {
    const p = this.cur;
    this.cur = EMPTY;
    this.curFill = 0;
    if (this.curIdle) {
      this.counters.idlePackets++;
      if (this.deliverIdle) this.sink(p, PacketQuality.GOOD);
      return;
    }
    this.counters.packetsGood++;
    this.sink(p, PacketQuality.GOOD);
  }

  /**
   * Continues the packet in progress with `buf[start, limit)` and returns the position after
   * the last octet used. The packet is complete when `curFill` reaches its length. An invalid
   * completed header loses sync (its octets are counted as discarded).
   */
  private continuePacket(buf: Uint8Array, start: number, limit: number): number {
    let pos = start;
    if (this.cur.length === 0) {
      // Complete the split header first.
      const old = this.hdrFill;
      const take = Math.min(this.hdr.length - old, limit - pos);
      this.hdr.set(buf.subarray(pos, pos + take), old);
      this.hdrFill = old + take;
      const len = this.framer.probe(this.hdr, 0, this.hdrFill);
      if (len === NEED_MORE && this.hdrFill < this.hdr.length) return pos + take;
      if (len <= 0) {
        this.counters.badPacketHeaders++;
        this.counters.discardedOctets += this.hdrFill;
        this.hdrFill = 0;
        this.synced = false;
        return pos + take;
      }
      const used = Math.min(this.hdrFill, len);
      this.cur = new Uint8Array(len);
      this.cur.set(this.hdr.subarray(0, used));
      this.curFill = used;
      this.curIdle = isIdlePacketAt(this.hdr, 0);
      this.hdrFill = 0;
      pos += used - old;
    }
    const n = Math.min(this.cur.length - this.curFill, limit - pos);
    this.cur.set(buf.subarray(pos, pos + n), this.curFill);
    this.curFill += n;
    return pos + n;
  }

  /** Delimits packets in `buf[pos, end)` starting at a packet boundary. */
  private scan(buf: Uint8Array, pos: number, end: number): void {
    const f = this.framer;
    while (pos < end) {
      const len = f.probe(buf, pos, end);
      if (len > 0) {
        const stop = pos + len;
        if (stop <= end) {
          if (isIdlePacketAt(buf, pos)) {
            this.counters.idlePackets++;
            if (this.deliverIdle) this.sink(buf.slice(pos, stop), PacketQuality.GOOD);
          } else {
            this.counters.packetsGood++;
            this.sink(buf.slice(pos, stop), PacketQuality.GOOD);
          }
          pos = stop;
          continue;
        }
        this.cur = new Uint8Array(len);
        this.cur.set(buf.subarray(pos, end));
        this.curFill = end - pos;
        this.curIdle = isIdlePacketAt(buf, pos);
        return;
      }
      if (len === NEED_MORE) {
        this.hdr.set(buf.subarray(pos, end));
        this.hdrFill = end - pos;
        return;
      }
      this.counters.badPacketHeaders++;
      this.counters.discardedOctets += end - pos;
      this.synced = false;
      return;
    }
  }
}
