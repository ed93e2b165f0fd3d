/**
 * Creation timestamps (RFC 9171 §4.2.7) of the bundles a node originates: a bundle's identity
 * is its source, creation time (DTN ms) and sequence number, and it must be unique. The
 * {@link CreationTimestamps} of a node hands out pairs that never repeat:
 *
 * - within one agent, creation time never goes backwards: when the clock reads a millisecond at
 *   or before the last creation time (the same millisecond, or a clock stepped back), the last
 *   creation time is kept and the sequence number counts on;
 * - agents of the same node on the same `Clock` object in one process (an agent re-created, say
 *   over the same state folder) share one counter ({@link creationTimestampsFor}), so the second
 *   continues where the first stopped; all `RealClock`s count as one clock;
 * - a counter new in this process starts with a floor: the millisecond it was made in, raised to
 *   the latest creation time of this node's bundles found in the agent's store
 *   ({@link CreationTimestamps.raiseFloor}). A previous incarnation in another process may have
 *   used the floor millisecond (or any before it), so nothing is created at or before it: a
 *   bundle originated while the clock still reads the floor (or less, after a clock stepped back)
 *   takes the creation time floor + 1. This is sound as long as a restarted process starts at
 *   least one millisecond after the previous one started (a Node.js process takes tens), and,
 *   when the clock steps back across a restart, as long as a bundle created at the latest
 *   creation time is still in the store (otherwise nothing records that time).
 *
 * A clock before the DTN epoch gives creation time 0 ("no accurate clock"): then only the
 * sequence number tells bundles apart, and it counts on for the counter's whole life.
 */
import { type Clock, RealClock } from '../core/index.js';

/** The (creation time, sequence number) pairs of one node; see the module comment. */
export class CreationTimestamps {
  private time: number;
  private seq = 0;
  /** `time` is a floor: it may have been used by an earlier incarnation, so it is not ours. */
  private reserved = true;
  private zeroSeq = 0;

  /** @param floor - DTN ms at or before which no bundle is created. */
  constructor(floor: number) {
    this.time = floor;
  }

  /**
   * Raises the floor to `dtnTime` (the creation time of a bundle of this node found in a store)
   * if that is later than every creation time handed out or reserved so far.
   */
  raiseFloor(dtnTime: number): void {
    if (dtnTime > this.time) {
      this.time = dtnTime;
      this.seq = 0;
      this.reserved = true;
    }
  }

  /** The creation time and sequence number of a bundle created at DTN time `now`. */
  next(now: number): { creationTime: number; sequenceNumber: number } {
    if (now <= 0) return { creationTime: 0, sequenceNumber: this.zeroSeq++ };
    if (now > this.time) {
      this.time = now;
      this.seq = 0;
      this.reserved = false;
    } else if (this.reserved) {
      this.time += 1;
      this.seq = 0;
      this.reserved = false;
    } else this.seq++;
    return { creationTime: this.time, sequenceNumber: this.seq };
  }
}

/** Counters by clock; every `RealClock` reads the same wall clock, so they share one key. */
const counters = new WeakMap<object, Map<number, CreationTimestamps>>();

/**
 * The counter of node `node` on `clock`, shared by every agent of that node on that clock in
 * this process; made (with the floor `now`, DTN ms) on first use.
 */
export function creationTimestampsFor(clock: Clock, node: number, now: number): CreationTimestamps {
  const key: object = clock instanceof RealClock ? RealClock : clock;
  let byNode = counters.get(key);
  if (byNode === undefined) {
    byNode = new Map();
    counters.set(key, byNode);
  }
  let c = byNode.get(node);
  if (c === undefined) {
    c = new CreationTimestamps(now);
    byNode.set(node, c);
  }
  return c;
}
