/**
 * Segmentation of user data longer than one packet into first / continuation / last segments
 * (sequence flags of CCSDS 133.0-B-2 §4.1.3.4.2.2), and reassembly per APID that aborts cleanly
 * on any sequence-count discontinuity or out-of-place segment.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../core/index.js';
import {
  type PacketType,
  MAX_DATA_FIELD_LENGTH,
  SEQUENCE_COUNT_MODULUS,
  SequenceFlags,
} from './header.js';
import { type SpacePacket, encodeSpacePacket } from './packet.js';
import { sequenceDistance } from './sequence.js';

/** Options of {@link segmentUserData}. */
export interface SegmentOptions {
  apid: number;
  packetType?: PacketType;
  /** Longest packet data field per segment (1..65,536; default 65,536). */
  maxDataFieldLength?: number;
  /** Sequence count of the first segment (default 0); later ones follow modulo 16,384. */
  firstSequenceCount?: number;
}

/**
 * Splits `userData` into Space Packets. Data that fits in one packet gives one unsegmented
 * packet; otherwise first, continuation(s) and last segments with consecutive counts.
 */
export function segmentUserData(userData: Uint8Array, options: SegmentOptions): Uint8Array[] {
  const max = options.maxDataFieldLength ?? MAX_DATA_FIELD_LENGTH;
  checkInteger(max, 1, MAX_DATA_FIELD_LENGTH, 'maxDataFieldLength');
  if (userData.length === 0) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'cannot send empty user data');
  }
  let count = options.firstSequenceCount ?? 0;
  checkInteger(count, 0, SEQUENCE_COUNT_MODULUS - 1, 'firstSequenceCount');
  const base = { apid: options.apid, packetType: options.packetType ?? (0 as PacketType) };
  if (userData.length <= max) {
    return [encodeSpacePacket({ ...base, packetSequenceCount: count, userData })];
  }
  const out: Uint8Array[] = [];
  for (let off = 0; off < userData.length; off += max) {
    const end = Math.min(off + max, userData.length);
    const sequenceFlags =
      off === 0
        ? SequenceFlags.FIRST
        : end === userData.length
          ? SequenceFlags.LAST
          : SequenceFlags.CONTINUATION;
    out.push(
      encodeSpacePacket({
        ...base,
        sequenceFlags,
        packetSequenceCount: count,
        userData: userData.subarray(off, end),
      }),
    );
    count = (count + 1) % SEQUENCE_COUNT_MODULUS;
  }
  return out;
}

/** What {@link SegmentReassembler.push} produced. */
export type ReassemblyResult =
  | { kind: 'complete'; apid: number; userData: Uint8Array; segments: number }
  | { kind: 'aborted'; apid: number; reason: string; discardedOctets: number }
  | { kind: 'pending'; apid: number };

/** Options of {@link SegmentReassembler}. */
export interface ReassemblerOptions {
  /** Longest reassembled user data (default 16 MiB); longer groups are aborted. */
  maxUserDataLength?: number;
}

interface Group {
  parts: Uint8Array[];
  octets: number;
  lastCount: number;
}

/**
 * Reassembles segmented user data per APID. A gap in sequence counts, a continuation or last
 * segment without a first, or a new first while a group is open aborts the open group (reported
 * once, its octets discarded); an unsegmented packet is complete by itself. A result may hold
 * both an abort and the completion of the packet that caused it, so `push` returns a list.
 */
export class SegmentReassembler {
  private readonly groups = new Map<number, Group>();
  private readonly maxLength: number;

  constructor(options: ReassemblerOptions = {}) {
    this.maxLength = options.maxUserDataLength ?? 16 * 1024 * 1024;
  }

  /** Feeds one decoded packet of any APID. */
  push(packet: SpacePacket): ReassemblyResult[] {
    const { apid, sequenceFlags, packetSequenceCount } = packet.header;
    const data = packet.packetDataField;
    const results: ReassemblyResult[] = [];
    const open = this.groups.get(apid);
    if (open !== undefined) {
      const contiguous = sequenceDistance(open.lastCount, packetSequenceCount) === 1;
      const continues =
        sequenceFlags === SequenceFlags.CONTINUATION || sequenceFlags === SequenceFlags.LAST;
      if (!contiguous || !continues) {
        this.groups.delete(apid);
        results.push({
          kind: 'aborted',
          apid,
          reason: !contiguous
            ? `sequence count ${packetSequenceCount} does not follow ${open.lastCount}`
            : 'new packet started before the last segment',
          discardedOctets: open.octets,
        });
      } else {
        if (open.octets + data.length > this.maxLength) {
          this.groups.delete(apid);
          results.push({
            kind: 'aborted',
            apid,
            reason: 'reassembled data exceeds the limit',
            discardedOctets: open.octets,
          });
          return results;
        }
        open.parts.push(data.slice());
        open.octets += data.length;
        open.lastCount = packetSequenceCount;
        if (sequenceFlags === SequenceFlags.LAST) {
          this.groups.delete(apid);
          results.push({
            kind: 'complete',
            apid,
            userData: join(open.parts, open.octets),
            segments: open.parts.length,
          });
        } else {
          results.push({ kind: 'pending', apid });
        }
        return results;
      }
    }
    switch (sequenceFlags) {
      case SequenceFlags.UNSEGMENTED:
        results.push({ kind: 'complete', apid, userData: data, segments: 1 });
        break;
      case SequenceFlags.FIRST:
        if (data.length > this.maxLength) {
          results.push({
            kind: 'aborted',
            apid,
            reason: 'reassembled data exceeds the limit',
            discardedOctets: 0,
          });
        } else {
          this.groups.set(apid, {
            parts: [data.slice()],
            octets: data.length,
            lastCount: packetSequenceCount,
          });
          results.push({ kind: 'pending', apid });
        }
        break;
      default:
        results.push({
          kind: 'aborted',
          apid,
          reason: `${sequenceFlags === SequenceFlags.LAST ? 'last' : 'continuation'} segment without a first segment`,
          discardedOctets: data.length,
        });
    }
    return results;
  }

  /** Drops every open group (e.g. at end of stream); returns what was discarded. */
  flush(): ReassemblyResult[] {
    const out: ReassemblyResult[] = [];
    for (const [apid, g] of this.groups) {
      out.push({
        kind: 'aborted',
        apid,
        reason: 'stream ended inside a segmented packet',
        discardedOctets: g.octets,
      });
    }
    this.groups.clear();
    return out;
  }
}

function join(parts: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
