/**
 * A set of half-open octet ranges [start, end), kept sorted and merged: the received-data
 * bookkeeping of a CFDP receiver (which parts of the file arrived) and the source of NAK
 * segment requests (727.0-B-5 §4.6.4, lost segment detection).
 */

/** Sorted, merged, non-adjacent ranges. */
export class RangeSet {
  private starts: number[] = [];
  private ends: number[] = [];

  /** Number of disjoint ranges. */
  get count(): number {
    return this.starts.length;
  }

  /** Octets covered. */
  get covered(): number {
    let n = 0;
    for (let i = 0; i < this.starts.length; i++) n += this.ends[i]! - this.starts[i]!;
    return n;
  }

  /** End of the last range (0 when empty). */
  get maxEnd(): number {
    return this.ends.length === 0 ? 0 : this.ends[this.ends.length - 1]!;
  }

  /** Adds [start, end); returns the number of octets that were not already covered. */
  add(start: number, end: number): number {
    if (end <= start) return 0;
    const n = this.starts.length;
    // Fast path: appending at or after the last range.
    if (n === 0 || start > this.ends[n - 1]!) {
      this.starts.push(start);
      this.ends.push(end);
      return end - start;
    }
    if (start >= this.starts[n - 1]!) {
      const old = this.ends[n - 1]!;
      if (end > old) this.ends[n - 1] = end;
      return Math.max(0, end - old);
    }
    // General case: find the first range whose end >= start.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    let j = lo;
    let newStart = start;
    let newEnd = end;
    let already = 0;
    while (j < n && this.starts[j]! <= end) {
      already += Math.min(this.ends[j]!, end) - Math.max(this.starts[j]!, start);
      newStart = Math.min(newStart, this.starts[j]!);
      newEnd = Math.max(newEnd, this.ends[j]!);
      j++;
    }
    this.starts.splice(lo, j - lo, newStart);
    this.ends.splice(lo, j - lo, newEnd);
    return end - start - Math.max(0, already);
  }

  /** True when [start, end) is entirely covered. */
  contains(start: number, end: number): boolean {
    if (end <= start) return true;
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! <= start) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.starts.length && this.starts[lo]! <= start && this.ends[lo]! >= end;
  }

  /** The gaps within [from, to), in order, at most `limit` of them. */
  gaps(from: number, to: number, limit = Infinity): [number, number][] {
    const out: [number, number][] = [];
    let pos = from;
    for (let i = 0; i < this.starts.length && out.length < limit; i++) {
      const s = this.starts[i]!;
      const e = this.ends[i]!;
      if (e <= pos) continue;
      if (s >= to) break;
      if (s > pos) out.push([pos, Math.min(s, to)]);
      pos = Math.max(pos, e);
      if (pos >= to) break;
    }
    if (pos < to && out.length < limit) out.push([pos, to]);
    return out;
  }

  /** The ranges as [start, end) pairs. */
  toArray(): [number, number][] {
    return this.starts.map((s, i) => [s, this.ends[i]!]);
  }

  /** Restores from pairs (e.g. persisted bookkeeping). */
  static from(pairs: Iterable<readonly [number, number]>): RangeSet {
    const r = new RangeSet();
    for (const [s, e] of pairs) r.add(s, e);
    return r;
  }
}

/**
 * Bounds a list of sorted, disjoint ranges to at most `maxCount` entries by joining the
 * neighbours with the smallest gaps between them: the cover only grows (by those gaps), so a
 * sender that serves the result retransmits a little more than was asked and never less. Used
 * on NAK requests, so that a peer naming thousands of tiny ranges cannot make the sender's
 * retransmission list grow without bound.
 */
export function coarsenRanges(
  ranges: readonly (readonly [number, number])[],
  maxCount: number,
): [number, number][] {
  const n = ranges.length;
  if (n <= maxCount) return ranges.map(([a, b]) => [a, b]);
  const keep = Math.max(1, maxCount);
  // Join the n - keep smallest gaps (ties: the earlier gap first).
  const order = Array.from({ length: n - 1 }, (_, i) => i);
  const gap = (i: number): number => ranges[i + 1]![0] - ranges[i]![1];
  order.sort((x, y) => gap(x) - gap(y) || x - y);
  const join = new Uint8Array(n - 1);
  for (let k = 0; k < n - keep; k++) join[order[k]!] = 1;
  const out: [number, number][] = [];
  let start = ranges[0]![0];
  for (let i = 0; i < n; i++) {
    if (i < n - 1 && join[i] === 1) continue;
    out.push([start, ranges[i]![1]]);
    if (i < n - 1) start = ranges[i + 1]![0];
  }
  return out;
}
