/**
 * Packet sequence counts per APID, CCSDS 133.0-B-2 §4.1.3.4.2: counts run modulo 16,384 and
 * wrap from 16,383 to 0 (a legal wrap is not a gap). {@link SequenceCounter} produces counts on
 * the sending side; {@link SequenceTracker} classifies received counts as in order, gap,
 * duplicate or backwards.
 */
import { checkInteger } from '../core/index.js';
import { SEQUENCE_COUNT_MODULUS } from './header.js';

/** Issues the next sequence count per APID, wrapping modulo 16,384. */
export class SequenceCounter {
  private readonly next = new Map<number, number>();

  /** Returns the count to use for the next packet of `apid` and advances it. */
  take(apid: number): number {
    const c = this.next.get(apid) ?? 0;
    this.next.set(apid, (c + 1) % SEQUENCE_COUNT_MODULUS);
    return c;
  }

  /** The count the next packet of `apid` will get, without advancing. */
  peek(apid: number): number {
    return this.next.get(apid) ?? 0;
  }

  /** Sets the next count of `apid` (0..16383). */
  set(apid: number, count: number): void {
    checkInteger(count, 0, SEQUENCE_COUNT_MODULUS - 1, 'sequence count');
    this.next.set(apid, count);
  }
}

/** How a received count relates to the previous one of the same APID. */
export const SequenceStatus = {
  /** First packet seen on this APID. */
  FIRST: 'first',
  /** Exactly one more than the previous count (modulo 16,384). */
  IN_ORDER: 'in-order',
  /** Ahead by more than one: `missing` packets were not seen. */
  GAP: 'gap',
  /** The same count as the previous packet. */
  DUPLICATE: 'duplicate',
  /** Behind the previous count (a late or repeated older packet). */
  BACKWARDS: 'backwards',
} as const;
/** One of {@link SequenceStatus}. */
export type SequenceStatus = (typeof SequenceStatus)[keyof typeof SequenceStatus];

/** Result of {@link SequenceTracker.observe}. */
export interface SequenceObservation {
  status: SequenceStatus;
  /** Packets missing before this one (GAP only; 0 otherwise). */
  missing: number;
  /** The previous count on this APID, if any. */
  previous: number | undefined;
}

/**
 * Difference `count - previous` modulo 16,384, in 0..16383. A forward distance of up to half
 * the modulus is read as "ahead", more than that as "behind".
 */
export function sequenceDistance(previous: number, count: number): number {
  return (
    (((count - previous) % SEQUENCE_COUNT_MODULUS) + SEQUENCE_COUNT_MODULUS) %
    SEQUENCE_COUNT_MODULUS
  );
}

/** Tracks the last count per APID and classifies each new one. */
export class SequenceTracker {
  private readonly last = new Map<number, number>();
  /** Forward distances above this are read as "behind" (default 8192, half the modulus). */
  readonly aheadWindow: number;

  constructor(aheadWindow = SEQUENCE_COUNT_MODULUS / 2) {
    checkInteger(aheadWindow, 1, SEQUENCE_COUNT_MODULUS - 1, 'aheadWindow');
    this.aheadWindow = aheadWindow;
  }

  /** Records `count` for `apid` and says how it follows the previous one. */
  observe(apid: number, count: number): SequenceObservation {
    const previous = this.last.get(apid);
    if (previous === undefined) {
      this.last.set(apid, count);
      return { status: SequenceStatus.FIRST, missing: 0, previous };
    }
    const d = sequenceDistance(previous, count);
    if (d === 1) {
      this.last.set(apid, count);
      return { status: SequenceStatus.IN_ORDER, missing: 0, previous };
    }
    if (d === 0) return { status: SequenceStatus.DUPLICATE, missing: 0, previous };
    if (d <= this.aheadWindow) {
      this.last.set(apid, count);
      return { status: SequenceStatus.GAP, missing: d - 1, previous };
    }
    return { status: SequenceStatus.BACKWARDS, missing: 0, previous };
  }

  /** Forgets an APID (or all APIDs). */
  reset(apid?: number): void {
    if (apid === undefined) this.last.clear();
    else this.last.delete(apid);
  }
}
