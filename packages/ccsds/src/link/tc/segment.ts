/**
 * The TC segment header and the MAP Packet service, CCSDS 232.0-B-4 sections 4.1.3.2 and 4.2
 * (with 2.2.2 and 2.4.2): packets of one Multiplexer Access Point are blocked several to a frame
 * when they fit, and segmented over several frames (first, continuation, last) when they do not;
 * the receiving side reassembles them and aborts cleanly when a segment is missing.
 *
 * ```
 * segment header: | sequence flags (2) | MAP Identifier (6) |
 * ```
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  type Framer,
  NEED_MORE,
  NOT_A_UNIT,
  checkInteger,
  requireBytes,
} from '../../core/index.js';
import { EncapsulationPacketFramer } from '../../epp/index.js';
import { spacePacketFramer } from '../../spp/index.js';

/** Octets in a segment header. */
export const SEGMENT_HEADER_LENGTH = 1;

/** Sequence flags of the segment header (232.0-B-4 section 4.1.3.2.2). */
export const SegmentSequenceFlags = {
  /** 00: a continuing segment. */
  CONTINUATION: 0,
  /** 01: the first segment of a packet. */
  FIRST: 1,
  /** 10: the last segment of a packet. */
  LAST: 2,
  /** 11: no segmentation: one or more complete packets (blocking). */
  UNSEGMENTED: 3,
} as const;
/** One of {@link SegmentSequenceFlags}. */
export type SegmentSequenceFlags = (typeof SegmentSequenceFlags)[keyof typeof SegmentSequenceFlags];

/** A segment header. */
export interface SegmentHeader {
  /** Sequence Flags, 2 bits. */
  sequenceFlags: SegmentSequenceFlags;
  /** MAP Identifier, 6 bits. */
  mapId: number;
}

/** Decodes the segment header at `bytes[offset]`. Every octet is a valid segment header. */
export function decodeSegmentHeader(bytes: Uint8Array, offset = 0): SegmentHeader {
  requireBytes(bytes, offset, SEGMENT_HEADER_LENGTH, 'segment header');
  const b = bytes[offset]!;
  return { sequenceFlags: (b >> 6) as SegmentSequenceFlags, mapId: b & 0x3f };
}

/** Writes a segment header at `out[offset]`. Throws `INVALID_ARGUMENT` for bad fields. */
export function writeSegmentHeader(out: Uint8Array, offset: number, header: SegmentHeader): void {
  checkInteger(header.sequenceFlags, 0, 3, 'sequenceFlags');
  checkInteger(header.mapId, 0, 63, 'mapId');
  out[offset] = (header.sequenceFlags << 6) | header.mapId;
}

/** Managed parameters that fix how many octets a frame data field holds. */
export interface TcDataFieldParams {
  /** Longest frame on the virtual channel (default 1024). */
  maxFrameLength?: number;
  /** The virtual channel carries a FECF (default true). */
  fecfPresent?: boolean;
  /** The virtual channel uses segment headers (default true). */
  segmentHeaderPresent?: boolean;
}

/** Octets of packet data one frame carries after its header, segment header and FECF. */
export function tcDataFieldCapacity(params: TcDataFieldParams = {}): number {
  const max = params.maxFrameLength ?? 1024;
  checkInteger(max, 8, 1024, 'maxFrameLength');
  return (
    max -
    5 -
    (params.segmentHeaderPresent === false ? 0 : 1) -
    (params.fecfPresent === false ? 0 : 2)
  );
}

/** One frame's worth of MAP data: its segment header and the octets after it. */
export interface MapDataUnit {
  /** The segment header of the frame that carries `data`. */
  segmentHeader: SegmentHeader;
  /** Packet octets: complete packets (flags 11) or one segment of a packet. */
  data: Uint8Array;
}

/** Options of {@link segmentMapPackets}. */
export interface SegmentMapPacketsOptions {
  /** MAP Identifier, 0..63. */
  mapId: number;
  /** Octets per frame after the segment header (see {@link tcDataFieldCapacity}), 1..1018. */
  maxDataLength: number;
  /** Put several packets that fit into one frame (default true). */
  blocking?: boolean;
}

/**
 * The sending side of the MAP Packet service: packets that fit are blocked into frames with
 * sequence flags 11; a packet longer than `maxDataLength` is split into a first segment (01),
 * continuation segments (00) and a last segment (10), each in its own frame.
 */
export function segmentMapPackets(
  packets: readonly Uint8Array[],
  options: SegmentMapPacketsOptions,
): MapDataUnit[] {
  checkInteger(options.mapId, 0, 63, 'mapId');
  const cap = options.maxDataLength;
  checkInteger(cap, 1, 1018, 'maxDataLength');
  const blocking = options.blocking ?? true;
  const mapId = options.mapId;
  const out: MapDataUnit[] = [];
  let block: Uint8Array[] = [];
  let blockLen = 0;
  const flush = (): void => {
    if (block.length === 0) return;
    const data = block.length === 1 ? block[0]! : join(block, blockLen);
    out.push({ segmentHeader: { sequenceFlags: SegmentSequenceFlags.UNSEGMENTED, mapId }, data });
    block = [];
    blockLen = 0;
  };
  for (const p of packets) {
    if (p.length === 0) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'cannot send an empty packet');
    }
    if (p.length <= cap) {
      if (!blocking || blockLen + p.length > cap) flush();
      block.push(p);
      blockLen += p.length;
      continue;
    }
    flush();
    for (let off = 0; off < p.length; off += cap) {
      const end = Math.min(off + cap, p.length);
      const sequenceFlags =
        off === 0
          ? SegmentSequenceFlags.FIRST
          : end === p.length
            ? SegmentSequenceFlags.LAST
            : SegmentSequenceFlags.CONTINUATION;
      out.push({ segmentHeader: { sequenceFlags, mapId }, data: p.subarray(off, end) });
    }
  }
  flush();
  return out;
}

/** What {@link MapPacketReassembler.push} produced. */
export type MapReassemblyResult =
  | {
      kind: 'packet';
      /** MAP Identifier the packet came on (0 without segment header). */
      mapId: number;
      /** The complete packet. */
      packet: Uint8Array;
      /** Number of segments it came in (1 for a blocked or unsegmented packet). */
      segments: number;
    }
  | {
      kind: 'aborted';
      /** MAP Identifier of the discarded data. */
      mapId: number;
      /** Why the data was discarded. */
      reason: string;
      /** Octets discarded. */
      discardedOctets: number;
    };

/** Options of {@link MapPacketReassembler}. */
export interface MapPacketReassemblerOptions {
  /**
   * Tells packet boundaries (default: Space Packets, 133.0-B-2, and Encapsulation Packets,
   * 133.1-B-3, told apart by their version number).
   */
  packetFramer?: Framer;
  /** Longest reassembled packet (default 65,542 octets); longer ones are aborted. */
  maxPacketLength?: number;
}

interface OpenPacket {
  parts: Uint8Array[];
  octets: number;
  segments: number;
  /** Expected total, once the packet header has been seen. */
  expected: number | undefined;
}

/** Space Packets and Encapsulation Packets, by the first three bits. */
function defaultFramer(maxLen: number): Framer {
  const spp = spacePacketFramer({ maxPacketLength: Math.min(maxLen, 65542) });
  const epp = new EncapsulationPacketFramer({ maxPacketLength: Math.max(maxLen, 8) });
  return {
    maxHeaderLength: 8,
    maxUnitLength: maxLen,
    probe(buf, offset, end) {
      if (end <= offset) return NEED_MORE;
      const v = buf[offset]! >> 5;
      const n =
        v === 0 ? spp.probe(buf, offset, end) : v === 7 ? epp.probe(buf, offset, end) : NOT_A_UNIT;
      return n > maxLen ? NOT_A_UNIT : n;
    },
  };
}

/**
 * The receiving side of the MAP Packet service, for one virtual channel: reassembles segmented
 * packets per MAP and splits blocked frames into packets by their length fields.
 *
 * Guarantees: a packet is delivered only when its segments arrived as first, continuation(s),
 * last with nothing missing — a continuation or last segment without a first, a new first while
 * a packet is open, a gap in frame sequence numbers (when given), or segments that disagree with
 * the length in the packet header abort the open packet, reported once with the octets dropped.
 * Blocked data that does not split exactly into packets delivers the whole packets found before
 * the inconsistency and reports the rest as aborted.
 */
export class MapPacketReassembler {
  private readonly open = new Map<number, OpenPacket>();
  private readonly framer: Framer;
  private readonly maxLen: number;

  /** @param options - packet framer and length limit */
  constructor(options: MapPacketReassemblerOptions = {}) {
    this.maxLen = options.maxPacketLength ?? 65542;
    checkInteger(this.maxLen, 1, 2 ** 32, 'maxPacketLength');
    this.framer = options.packetFramer ?? defaultFramer(this.maxLen);
  }

  /** Number of MAPs with a packet in progress. */
  get openPackets(): number {
    return this.open.size;
  }

  /**
   * Feeds the data field of one accepted frame: its segment header (undefined when the virtual
   * channel has none) and the octets after it.
   */
  push(segmentHeader: SegmentHeader | undefined, data: Uint8Array): MapReassemblyResult[] {
    const out: MapReassemblyResult[] = [];
    const mapId = segmentHeader?.mapId ?? 0;
    const flags = segmentHeader?.sequenceFlags ?? SegmentSequenceFlags.UNSEGMENTED;
    const cur = this.open.get(mapId);
    if (flags === SegmentSequenceFlags.UNSEGMENTED || flags === SegmentSequenceFlags.FIRST) {
      if (cur !== undefined) {
        this.open.delete(mapId);
        out.push(abort(mapId, 'new packet started before the last segment', cur.octets));
      }
      if (flags === SegmentSequenceFlags.UNSEGMENTED) {
        this.splitBlock(mapId, data, out);
        return out;
      }
      const p: OpenPacket = { parts: [], octets: 0, segments: 0, expected: undefined };
      this.open.set(mapId, p);
      this.append(mapId, p, data, false, out);
      return out;
    }
    if (cur === undefined) {
      out.push(
        abort(
          mapId,
          `${flags === SegmentSequenceFlags.LAST ? 'last' : 'continuation'} segment without a first segment`,
          data.length,
        ),
      );
      return out;
    }
    this.append(mapId, cur, data, flags === SegmentSequenceFlags.LAST, out);
    return out;
  }

  /** Aborts every open packet (after a frame gap or at the end of a pass). */
  abortAll(reason = 'frame sequence discontinuity'): MapReassemblyResult[] {
    const out: MapReassemblyResult[] = [];
    for (const [mapId, p] of this.open) out.push(abort(mapId, reason, p.octets));
    this.open.clear();
    return out;
  }

  private append(
    mapId: number,
    p: OpenPacket,
    data: Uint8Array,
    last: boolean,
    out: MapReassemblyResult[],
  ): void {
    p.parts.push(data.slice());
    p.octets += data.length;
    p.segments++;
    if (p.expected === undefined && p.octets >= this.framer.maxHeaderLength) {
      const head = p.parts.length === 1 ? p.parts[0]! : join(p.parts, p.octets);
      const n = this.framer.probe(head, 0, head.length);
      if (n === NOT_A_UNIT || n === NEED_MORE) {
        this.open.delete(mapId);
        out.push(abort(mapId, 'segmented data does not start with a packet header', p.octets));
        return;
      }
      p.expected = n;
    }
    if (p.octets > this.maxLen || (p.expected !== undefined && p.octets > p.expected)) {
      this.open.delete(mapId);
      out.push(
        abort(mapId, 'segments exceed the packet length (a last segment was lost)', p.octets),
      );
      return;
    }
    if (!last) return;
    this.open.delete(mapId);
    const all = join(p.parts, p.octets);
    const n = this.framer.probe(all, 0, all.length);
    if (n !== all.length) {
      out.push(
        abort(
          mapId,
          'reassembled length disagrees with the packet header (a segment was lost)',
          p.octets,
        ),
      );
      return;
    }
    out.push({ kind: 'packet', mapId, packet: all, segments: p.segments });
  }

  private splitBlock(mapId: number, data: Uint8Array, out: MapReassemblyResult[]): void {
    let o = 0;
    while (o < data.length) {
      const n = this.framer.probe(data, o, data.length);
      if (n <= 0 || o + n > data.length) {
        out.push(abort(mapId, 'blocked data does not split into whole packets', data.length - o));
        return;
      }
      out.push({ kind: 'packet', mapId, packet: data.slice(o, o + n), segments: 1 });
      o += n;
    }
  }
}

function abort(mapId: number, reason: string, discardedOctets: number): MapReassemblyResult {
  return { kind: 'aborted', mapId, reason, discardedOctets };
}

function join(parts: readonly Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
