/**
 * Virtual Channel Generation for the packet service: the sending side of TM (CCSDS 132.0-B-3
 * section 4.2.2, Virtual Channel Packet Processing and Generation), AOS M_PDUs (732.0-B-4
 * section 4.2.2) and USLP TFDZ construction rule '000' (732.1-B-2 section 4.2.3). Packets are
 * laid end to end into fixed-size packet zones, one per frame; a packet may span any number of
 * zones; each zone records the offset of the first packet header that starts in it (First
 * Header Pointer). When a frame must go out before its zone is full, the rest is filled with an
 * idle packet (a Space Packet on APID 2047, or an Encapsulation Packet with protocol ID '000');
 * when there is nothing at all to send, the zone is Only Idle Data.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger, type Framer } from '../core/index.js';
import { encodeEncapsulationIdlePacket } from '../epp/index.js';
import { encodeIdlePacket, MIN_PACKET_LENGTH, SEQUENCE_COUNT_MODULUS } from '../spp/index.js';
import { mixedPacketFramer, NO_PACKET_START, ONLY_IDLE_DATA } from './packet-extraction.js';

/** Which kind of idle packet pads a zone. */
export const IdleFill = {
  /** Space Packets on APID 2047 (at least 7 octets: a short remainder spills into the next zone). */
  SPACE_PACKET: 'space-packet',
  /** Encapsulation idle packets (any length from 1 octet: always fits exactly). */
  ENCAPSULATION_PACKET: 'encapsulation-packet',
} as const;
/** One of {@link IdleFill}. */
export type IdleFill = (typeof IdleFill)[keyof typeof IdleFill];

/** Options of {@link PacketVcGenerator}. */
export interface PacketVcGeneratorOptions {
  /** Octets of packet zone per frame. */
  zoneLength: number;
  /** Idle packet kind for padding (default space packets). */
  idleFill?: IdleFill;
  /** Octet written into Only Idle Data zones (default 0x55). */
  idlePattern?: number;
  /** Most octets that may wait in the queue (default 16 MiB); more throws `LIMIT_EXCEEDED`. */
  maxQueuedOctets?: number;
  /** Checks each packet (default: Space or Encapsulation Packet whose length field matches). */
  framer?: Framer;
}

const EMPTY = new Uint8Array(0);

/** Queues packets and cuts them into packet zones; see the module comment. */
export class PacketVcGenerator {
  /** Octets of packet zone per frame. */
  readonly zoneLength: number;
  private readonly idleFill: IdleFill;
  private readonly idlePattern: number;
  private readonly maxQueued: number;
  private readonly framer: Framer;
  private queue: Uint8Array[] = [];
  private idle: boolean[] = [];
  private head = 0;
  private headOffset = 0;
  private queued = 0;
  private queuedUser = 0;
  private idleSequenceCount = 0;

  /** @param options - zone length, idle fill, limits */
  constructor(options: PacketVcGeneratorOptions) {
    checkInteger(options.zoneLength, 1, 65535, 'zoneLength');
    this.zoneLength = options.zoneLength;
    this.idleFill = options.idleFill ?? IdleFill.SPACE_PACKET;
    this.idlePattern = options.idlePattern ?? 0x55;
    checkInteger(this.idlePattern, 0, 255, 'idlePattern');
    this.maxQueued = options.maxQueuedOctets ?? 16 * 1024 * 1024;
    this.framer = options.framer ?? mixedPacketFramer();
  }

  /** Octets waiting, idle padding included. */
  get queuedOctets(): number {
    return this.queued;
  }

  /** Octets of user packets waiting (idle padding left over from a flush excluded). */
  get queuedUserOctets(): number {
    return this.queuedUser;
  }

  /** True when a full zone can be cut without padding. */
  get hasFullZone(): boolean {
    return this.queuedUser > 0 && this.queued >= this.zoneLength;
  }

  /**
   * Queues one packet (kept by reference until sent: do not modify it).
   * @throws CcsdsError `INVALID_ARGUMENT` when the bytes are not exactly one packet the
   *   framer recognises, `LIMIT_EXCEEDED` when the queue is full
   */
  push(packet: Uint8Array): void {
    const len = this.framer.probe(packet, 0, packet.length);
    if (len !== packet.length) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `not exactly one Space or Encapsulation Packet (${packet.length} octets)`,
      );
    }
    if (this.queued + len > this.maxQueued) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `virtual channel queue would exceed ${this.maxQueued} octets`,
      );
    }
    this.enqueue(packet, false);
  }

  /**
   * Cuts the next zone into `out[offset, offset + zoneLength)`. Returns the First Header
   * Pointer (offset of the first packet start in the zone, or {@link NO_PACKET_START}), or
   * {@link ONLY_IDLE_DATA} when nothing was queued and `pad` is true (the zone is then filled
   * with the idle pattern), or undefined when there is not enough for a full zone and `pad` is
   * false (nothing is written).
   */
  fillZone(out: Uint8Array, offset: number, pad: boolean): number | undefined {
    const zone = this.zoneLength;
    if (!pad && !this.hasFullZone) return undefined;
    if (this.queued === 0) {
      out.fill(this.idlePattern, offset, offset + zone);
      return ONLY_IDLE_DATA;
    }
    let w = 0;
    let fhp = NO_PACKET_START;
    while (w < zone) {
      if (this.head === this.queue.length) this.enqueueIdle(zone - w);
      const p = this.queue[this.head]!;
      if (this.headOffset === 0 && fhp === NO_PACKET_START) fhp = w;
      const n = Math.min(p.length - this.headOffset, zone - w);
      out.set(p.subarray(this.headOffset, this.headOffset + n), offset + w);
      w += n;
      this.headOffset += n;
      this.queued -= n;
      if (!this.idle[this.head]) this.queuedUser -= n;
      if (this.headOffset === p.length) {
        this.queue[this.head] = EMPTY;
        this.head++;
        this.headOffset = 0;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.idle = this.idle.slice(this.head);
      this.head = 0;
    }
    return fhp;
  }

  private enqueue(p: Uint8Array, idle: boolean): void {
    this.queue.push(p);
    this.idle.push(idle);
    this.queued += p.length;
    if (!idle) this.queuedUser += p.length;
  }

  private enqueueIdle(room: number): void {
    if (this.idleFill === IdleFill.ENCAPSULATION_PACKET) {
      this.enqueue(encodeEncapsulationIdlePacket(room), true);
      return;
    }
    const len = Math.min(Math.max(room, MIN_PACKET_LENGTH), 65542);
    this.enqueue(encodeIdlePacket(len, this.idleSequenceCount, 0), true);
    this.idleSequenceCount = (this.idleSequenceCount + 1) % SEQUENCE_COUNT_MODULUS;
  }
}
