/**
 * Whole-stream tools over Space Packets (CCSDS 133.0-B-2): count per APID, split per APID, and
 * validate — a report of sequence gaps and duplicates (modulo 16,384), truncation, skipped
 * garbage and packet error control failures. All work incrementally with bounded memory.
 */
import { FramedStreamReader, type SkippedRange, SkipReason } from '../core/index.js';
import { IDLE_APID, apidAt, sequenceCountAt } from './header.js';
import { type SpacePacketReaderOptions, spacePacketFramer } from './reader.js';
import { SequenceStatus, SequenceTracker } from './sequence.js';

/** Counts per APID. */
export interface ApidCount {
  apid: number;
  packets: number;
  octets: number;
}

/**
 * Counts packets per APID in an in-memory stream (the fast path: no per-packet objects).
 * Returns counts sorted by APID and the number of skipped octets.
 */
export function countSpacePackets(
  bytes: Uint8Array,
  options: SpacePacketReaderOptions = {},
): { apids: ApidCount[]; packets: number; skippedOctets: number } {
  const packets = new Float64Array(2048);
  const octets = new Float64Array(2048);
  const r = new FramedStreamReader(spacePacketFramer(options), {
    unit: (u) => {
      const a = apidAt(u, 0);
      packets[a]!++;
      octets[a]! += u.length;
    },
    skipped: () => undefined,
  });
  r.push(bytes);
  r.end();
  const apids: ApidCount[] = [];
  let total = 0;
  for (let a = 0; a < 2048; a++) {
    if (packets[a]! > 0 && !(options.dropIdle === true && a === IDLE_APID)) {
      apids.push({ apid: a, packets: packets[a]!, octets: octets[a]! });
      total += packets[a]!;
    }
  }
  return { apids, packets: total, skippedOctets: r.skippedOctets };
}

/**
 * Splits an in-memory stream into one concatenated packet stream per APID (packets in their
 * original order). Idle packets are left out when `dropIdle` is set.
 */
export function splitSpacePacketsByApid(
  bytes: Uint8Array,
  options: SpacePacketReaderOptions = {},
): Map<number, Uint8Array> {
  // Pass 1: where each packet is. Pass 2: copy into exactly sized buffers.
  let starts = new Uint32Array(1024);
  let n = 0;
  const sizes = new Float64Array(2048);
  const dropIdle = options.dropIdle === true;
  const r = new FramedStreamReader(spacePacketFramer(options), {
    unit: (u, offset) => {
      const a = apidAt(u, 0);
      if (dropIdle && a === IDLE_APID) return;
      if (n === starts.length) {
        const s = new Uint32Array(starts.length * 2);
        s.set(starts);
        starts = s;
      }
      starts[n++] = offset;
      sizes[a]! += u.length;
    },
    skipped: () => undefined,
  });
  r.push(bytes);
  r.end();
  // One allocation holds every APID's region; each APID gets a view of its region.
  let total = 0;
  const fill = new Float64Array(2048);
  for (let a = 0; a < 2048; a++) {
    fill[a] = total;
    total += sizes[a]!;
  }
  const all = new Uint8Array(total);
  const out = new Map<number, Uint8Array>();
  for (let a = 0; a < 2048; a++)
    if (sizes[a]! > 0) out.set(a, all.subarray(fill[a]!, fill[a]! + sizes[a]!));
  for (let i = 0; i < n; i++) {
    const s = starts[i]!;
    const a = apidAt(bytes, s);
    const len = ((bytes[s + 4]! << 8) | bytes[s + 5]!) + 7;
    const d = fill[a]!;
    fill[a] = d + len;
    all.set(bytes.subarray(s, s + len), d);
  }
  return out;
}

/** Per-APID statistics of a validation. */
export interface ApidReport {
  apid: number;
  packets: number;
  octets: number;
  firstSequenceCount: number;
  lastSequenceCount: number;
  /** Number of places where counts jumped ahead. */
  gaps: number;
  /** Packets missing in those gaps. */
  missingPackets: number;
  /** Packets repeating the previous count. */
  duplicates: number;
  /** Packets with a count behind the previous one. */
  backwards: number;
}

/** One sequence anomaly. */
export interface SequenceEvent {
  /** Stream offset of the packet where it was seen. */
  offset: number;
  apid: number;
  status: 'gap' | 'duplicate' | 'backwards';
  previous: number;
  count: number;
  /** Missing packets (gaps only). */
  missing: number;
}

/** The result of {@link PacketStreamValidator}. */
export interface ValidationReport {
  /** True when nothing was skipped, truncated, lost or repeated. */
  ok: boolean;
  streamOctets: number;
  packets: number;
  idlePackets: number;
  apids: ApidReport[];
  /** Sequence anomalies, at most `maxEvents` of them (totals are in `apids`). */
  events: SequenceEvent[];
  /** Skipped ranges, at most `maxEvents` of them. */
  skipped: SkippedRange[];
  skippedOctets: number;
  /** Packets rejected by packet error control. */
  rejectedRanges: number;
  /** The stream ended inside a packet. */
  truncated: boolean;
  /** True when events or skipped lists were cut at `maxEvents`. */
  listsTruncated: boolean;
}

/** Options of {@link PacketStreamValidator}. */
export interface ValidatorOptions extends SpacePacketReaderOptions {
  /** Most events and skipped ranges listed (default 1000). */
  maxEvents?: number;
}

/** Streaming validator: push chunks, then `end()` and read `report()`. */
export class PacketStreamValidator {
  private readonly reader: FramedStreamReader;
  private readonly tracker = new SequenceTracker();
  private readonly stats = new Map<number, ApidReport>();
  private readonly events: SequenceEvent[] = [];
  private readonly skipped: SkippedRange[] = [];
  private readonly maxEvents: number;
  private listsTruncated = false;
  private packets = 0;
  private idle = 0;
  private rejected = 0;
  private truncated = false;

  constructor(options: ValidatorOptions = {}) {
    this.maxEvents = options.maxEvents ?? 1000;
    const dropIdle = options.dropIdle === true;
    this.reader = new FramedStreamReader(spacePacketFramer(options), {
      unit: (u, offset) => {
        const apid = apidAt(u, 0);
        if (apid === IDLE_APID) {
          this.idle++;
          if (dropIdle) return;
        }
        this.packets++;
        const count = sequenceCountAt(u, 0);
        let s = this.stats.get(apid);
        if (s === undefined) {
          s = {
            apid,
            packets: 0,
            octets: 0,
            firstSequenceCount: count,
            lastSequenceCount: count,
            gaps: 0,
            missingPackets: 0,
            duplicates: 0,
            backwards: 0,
          };
          this.stats.set(apid, s);
        }
        s.packets++;
        s.octets += u.length;
        if (apid === IDLE_APID) return; // idle packet counts carry no meaning
        const obs = this.tracker.observe(apid, count);
        if (obs.status === SequenceStatus.IN_ORDER || obs.status === SequenceStatus.FIRST) {
          s.lastSequenceCount = count;
          return;
        }
        if (obs.status === SequenceStatus.GAP) {
          s.gaps++;
          s.missingPackets += obs.missing;
          s.lastSequenceCount = count;
        } else if (obs.status === SequenceStatus.DUPLICATE) s.duplicates++;
        else s.backwards++;
        this.addEvent({
          offset,
          apid,
          status: obs.status,
          previous: obs.previous ?? 0,
          count,
          missing: obs.missing,
        });
      },
      skipped: (range: SkippedRange) => {
        if (range.reason === SkipReason.TRUNCATED) this.truncated = true;
        if (range.reason === SkipReason.REJECTED) this.rejected++;
        if (this.skipped.length < this.maxEvents) this.skipped.push(range);
        else this.listsTruncated = true;
      },
    });
  }

  private addEvent(e: SequenceEvent): void {
    if (this.events.length < this.maxEvents) this.events.push(e);
    else this.listsTruncated = true;
  }

  /** Feeds the next chunk. */
  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  /** Ends the stream. */
  end(): void {
    this.reader.end();
  }

  /** The report so far (complete after `end()`). */
  report(): ValidationReport {
    const apids = [...this.stats.values()].sort((a, b) => a.apid - b.apid);
    const anomalies = apids.some((a) => a.gaps + a.duplicates + a.backwards > 0);
    return {
      ok: !anomalies && this.reader.skippedOctets === 0,
      streamOctets: this.reader.position,
      packets: this.packets,
      idlePackets: this.idle,
      apids,
      events: this.events.slice(),
      skipped: this.skipped.slice(),
      skippedOctets: this.reader.skippedOctets,
      rejectedRanges: this.rejected,
      truncated: this.truncated,
      listsTruncated: this.listsTruncated,
    };
  }
}

/** Validates an in-memory stream in one call. */
export function validateSpacePackets(
  bytes: Uint8Array,
  options: ValidatorOptions = {},
): ValidationReport {
  const v = new PacketStreamValidator(options);
  v.push(bytes);
  v.end();
  return v.report();
}
