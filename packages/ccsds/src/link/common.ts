/**
 * Pieces shared by the TM (CCSDS 132.0-B-3), AOS (732.0-B-4) and USLP (732.1-B-2) frame
 * codecs and channel engines: the Frame Error Control Field (CRC-16-CCITT, 132.0-B-3 section
 * 4.1.6, 732.0-B-4 section 4.1.6, 732.1-B-2 section 4.1.6), the SDLS reservation per virtual
 * channel (355.0-B-2 section 4: Security Header and Trailer), received-packet records,
 * counters and events of the receivers, the options every receiver shares and the per-channel
 * packet extraction they set up the same way.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  FramedStreamReader,
  checkInteger,
  crc16Ccitt,
  type Framer,
} from '../core/index.js';
import {
  type GapPolicy,
  type PacketExtractionCounters,
  PacketExtractor,
  type PacketQuality,
} from './packet-extraction.js';

/** Octets of the Frame Error Control Field. */
export const FECF_LENGTH = 2;

/** CRC-16-CCITT of `frame[start, end)` as carried in the FECF (poly 0x1021, init 0xFFFF). */
export function computeFecf(frame: Uint8Array, start = 0, end = frame.length): number {
  return crc16Ccitt(frame, 0xffff, start, end);
}

/** True when the last two octets of `frame[0, length)` hold the CRC of the octets before them. */
export function hasValidFecf(frame: Uint8Array, length = frame.length): boolean {
  if (length < FECF_LENGTH || length > frame.length) return false;
  const crc = computeFecf(frame, 0, length - FECF_LENGTH);
  return ((frame[length - 2]! << 8) | frame[length - 1]!) === crc;
}

/** Writes the FECF over `frame[0, length - 2)` into its last two octets. */
export function writeFecf(frame: Uint8Array, length = frame.length): void {
  const crc = computeFecf(frame, 0, length - FECF_LENGTH);
  frame[length - 2] = crc >> 8;
  frame[length - 1] = crc & 0xff;
}

/**
 * Room for the Space Data Link Security protocol (CCSDS 355.0-B-2): the Security Header and
 * Trailer lengths reserved in a virtual channel's frame data field. Senders zero-fill them,
 * receivers skip them, so authenticated encryption can be added later without changing frame
 * code.
 */
export interface SecurityReservation {
  /** Octets of the Security Header at the start of the data field (default 0). */
  securityHeaderLength?: number;
  /** Octets of the Security Trailer at the end of the data field (default 0). */
  securityTrailerLength?: number;
}

/** Resolves and checks a {@link SecurityReservation}. */
export function securityLengths(r: SecurityReservation | undefined): [number, number] {
  const h = r?.securityHeaderLength ?? 0;
  const t = r?.securityTrailerLength ?? 0;
  checkInteger(h, 0, 65535, 'securityHeaderLength');
  checkInteger(t, 0, 65535, 'securityTrailerLength');
  return [h, t];
}

/** A packet a receiver extracted from a virtual channel. */
export interface ReceivedPacket {
  /** Spacecraft ID of the master channel. */
  spacecraftId: number;
  /** Virtual channel it came from. */
  virtualChannelId: number;
  /** MAP ID (USLP only; undefined for TM and AOS). */
  mapId: number | undefined;
  /** The packet octets (for `incomplete` packets, only the octets received). */
  data: Uint8Array;
  /** `good`, or `incomplete` when a gap interrupted it (with gap policy `flag`). */
  quality: PacketQuality;
  /** Packet Version Number: 0 Space Packet, 7 Encapsulation Packet. */
  packetVersionNumber: number;
}

/** Counters of one virtual channel at a receiver. */
export interface VirtualChannelCounters extends PacketExtractionCounters {
  /** Spacecraft ID of the master channel. */
  spacecraftId: number;
  /** The virtual channel. */
  virtualChannelId: number;
  /** Frames accepted on this virtual channel. */
  frames: number;
  /** Frames holding only idle data. */
  idleFrames: number;
  /** Discontinuities of the virtual channel frame count. */
  gaps: number;
  /** Frames missing according to the frame count. */
  lostFrames: number;
}

/** Counters of a whole receiver. */
export interface ReceiverCounters {
  /** Frames offered. */
  frames: number;
  /** Frames accepted (good FECF and header). */
  accepted: number;
  /** Frames whose FECF did not match. */
  badCrc: number;
  /** Frames with an invalid or unexpected header (version, length, pointer, SCID). */
  badHeader: number;
  /** Master channel frame count discontinuities (TM only). */
  masterChannelGaps: number;
  /** Frame headers repaired by the Frame Header Error Control (AOS only). */
  headersCorrected: number;
}

/** What a receiver reports besides packets. */
export type LinkEvent =
  | { type: 'bad-crc'; frameIndex: number }
  | { type: 'bad-header'; frameIndex: number; reason: string }
  | {
      type: 'vc-gap';
      frameIndex: number;
      spacecraftId: number;
      virtualChannelId: number;
      /** Frame count that was expected. */
      expected: number;
      /** Frame count received. */
      received: number;
      /** Frames missing (received - expected, modulo the count's modulus). */
      missingFrames: number;
    }
  | {
      type: 'mc-gap';
      frameIndex: number;
      spacecraftId: number;
      expected: number;
      received: number;
      missingFrames: number;
    };

/** Frame count continuity: the number of frames missing between `last` and `count`. */
export function framesMissing(last: number, count: number, modulus: number): number {
  return (count - last - 1 + modulus) % modulus;
}

/**
 * Virtual channel frame count continuity at a receiver: compares `count` with the channel's last
 * count (`last`, -1 before the first frame) modulo `modulus`, counts a gap and reports a `vc-gap`
 * event when frames are missing, and records `count`. Returns true when the frame follows the
 * previous one without loss (false for the first frame of the channel).
 */
export function trackVcFrameCount(
  vc: { last: number; counters: VirtualChannelCounters },
  count: number,
  modulus: number,
  frameIndex: number,
  onEvent: ((event: LinkEvent) => void) | undefined,
): boolean {
  const last = vc.last;
  vc.last = count;
  if (last < 0) return false;
  const missing = framesMissing(last % modulus, count, modulus);
  if (missing === 0) return true;
  const c = vc.counters;
  c.gaps++;
  c.lostFrames += missing;
  onEvent?.({
    type: 'vc-gap',
    frameIndex,
    spacecraftId: c.spacecraftId,
    virtualChannelId: c.virtualChannelId,
    expected: (last + 1) % modulus,
    received: count,
    missingFrames: missing,
  });
  return false;
}

/** Builds an `INVALID_ARGUMENT` error. */
export function invalidArgument(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/** Packet Version Number of the packet in `data` (first three bits), -1 when empty. */
export function packetVersionOf(data: Uint8Array): number {
  return data.length > 0 ? data[0]! >> 5 : -1;
}

/** Fresh per-VC counters. */
export function newVirtualChannelCounters(
  spacecraftId: number,
  virtualChannelId: number,
): VirtualChannelCounters {
  return {
    spacecraftId,
    virtualChannelId,
    frames: 0,
    idleFrames: 0,
    gaps: 0,
    lostFrames: 0,
    packetsGood: 0,
    packetsFlagged: 0,
    packetsDropped: 0,
    idlePackets: 0,
    discardedOctets: 0,
    badPacketHeaders: 0,
    pointerMismatches: 0,
  };
}

/** Packet extraction settings of one virtual channel at a TM, AOS or USLP receiver. */
export interface VirtualChannelExtractionOptions extends SecurityReservation {
  /** Packet delimiter for this VC (default: the receiver's). */
  framer?: Framer;
  /** Gap policy for this VC (default: the receiver's). */
  gapPolicy?: GapPolicy;
}

/** Options the TM, AOS and USLP receivers share. */
export interface PacketReceiverOptions {
  /** Spacecraft IDs accepted (default: any; each gets its own master channel). */
  spacecraftIds?: readonly number[];
  /** Packet delimiter (default: Space and Encapsulation Packets). */
  framer?: Framer;
  /** What happens to a packet a gap interrupts (default drop). */
  gapPolicy?: GapPolicy;
  /** Deliver idle packets too (default false). */
  deliverIdle?: boolean;
  /** Receives extracted packets. */
  onPacket?: (packet: ReceivedPacket) => void;
  /** Receives bad frames and gaps. */
  onEvent?: (event: LinkEvent) => void;
}

/**
 * The packet extractor of one channel (a virtual channel, or a USLP MAP), set up from the
 * receiver's options and the channel's own: its packets reach `options.onPacket` as
 * {@link ReceivedPacket} records naming the channel.
 */
export function channelPacketExtractor(
  options: PacketReceiverOptions,
  channel: VirtualChannelExtractionOptions | undefined,
  spacecraftId: number,
  virtualChannelId: number,
  mapId?: number,
): PacketExtractor {
  const onPacket = options.onPacket;
  const framer = channel?.framer ?? options.framer;
  const gapPolicy = channel?.gapPolicy ?? options.gapPolicy;
  return new PacketExtractor(
    (data: Uint8Array, quality: PacketQuality) =>
      onPacket?.({
        spacecraftId,
        virtualChannelId,
        mapId,
        data,
        quality,
        packetVersionNumber: packetVersionOf(data),
      }),
    {
      ...(framer === undefined ? {} : { framer }),
      ...(gapPolicy === undefined ? {} : { gapPolicy }),
      ...(options.deliverIdle === undefined ? {} : { deliverIdle: options.deliverIdle }),
    },
  );
}

/** `counters` with the extraction counters of `extractors` added (a new object). */
export function withExtractionCounters(
  counters: VirtualChannelCounters,
  extractors: Iterable<PacketExtractor | undefined>,
): VirtualChannelCounters {
  const c = { ...counters };
  for (const e of extractors) {
    if (e === undefined) continue;
    const x = e.counters;
    c.packetsGood += x.packetsGood;
    c.packetsFlagged += x.packetsFlagged;
    c.packetsDropped += x.packetsDropped;
    c.idlePackets += x.idlePackets;
    c.discardedOctets += x.discardedOctets;
    c.badPacketHeaders += x.badPacketHeaders;
    c.pointerMismatches += x.pointerMismatches;
  }
  return c;
}

/** Fresh receiver counters. */
export function newReceiverCounters(): ReceiverCounters {
  return {
    frames: 0,
    accepted: 0,
    badCrc: 0,
    badHeader: 0,
    masterChannelGaps: 0,
    headersCorrected: 0,
  };
}

/**
 * Cuts a stream of fixed-length frames that arrives in chunks of any size into frames: the core
 * framed stream reader with a framer that knows only the length (frames inside a chunk are views
 * of it; one split across chunks is assembled). A partial frame left at the end is reported once.
 */
export class FixedLengthFrameSplitter {
  private reader: FramedStreamReader;

  /**
   * @param frameLength - octets per frame
   * @param onFrame - each complete frame
   * @param onPartial - the stream ended inside a frame
   */
  constructor(
    private readonly frameLength: number,
    private readonly onFrame: (frame: Uint8Array) => void,
    private readonly onPartial: () => void,
  ) {
    this.reader = this.makeReader();
  }

  private makeReader(): FramedStreamReader {
    const L = this.frameLength;
    return new FramedStreamReader(
      { maxHeaderLength: 1, maxUnitLength: L, probe: () => L },
      { unit: (f) => this.onFrame(f), skipped: () => this.onPartial() },
    );
  }

  /** Feeds the next chunk. */
  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  /** Ends the stream (a partial frame goes to `onPartial`); the splitter can then start again. */
  end(): void {
    this.reader.end();
    this.reader = this.makeReader();
  }
}
