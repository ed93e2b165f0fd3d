/**
 * The identities of bundles an agent delivered (RFC 9171 §5.6 lets it discard a copy that
 * arrives again), each with the time until which it is remembered: source, creation time,
 * sequence number and, for a fragment, its offset and payload length — what `bundleKey`
 * names. At most `capacity` are remembered, the oldest forgotten first.
 *
 * The identities live in one `Float64Array` (eight numbers each, a ring in delivery order) under
 * an open-addressing hash table of `Int32Array` slots, so remembering a bundle allocates
 * nothing and keeps nothing for the garbage collector to trace (a `Map` of 16,384 key strings
 * cost about as much as the rest of a bundle's delivery). `dtn` sources keep their SSP
 * string beside the numbers. Storage grows by doubling up to `capacity`.
 */
import type { Bundle } from './bundle.js';

/** Numbers per identity: allocator (-1 none, -2 a `dtn` source), node, service, creation time, sequence number, fragment offset (-1), fragment length (-1), remembered until. */
const STRIDE = 8;
const NO_ALLOCATOR = -1;
const DTN_SOURCE = -2;

/** Remembered bundle identities; see the module comment. */
export class DeliveredMemory {
  /** Identities in ring order (entry `e` at `e * STRIDE`). */
  private entries = new Float64Array(0);
  /** The table slot of each entry, and its hash. */
  private slotOf = new Int32Array(0);
  private hashOf = new Int32Array(0);
  /** SSPs of `dtn` sources, by entry. */
  private ssps: (string | undefined)[] = [];
  /** Hash table: entry index, or -1 for an empty slot. */
  private slots = new Int32Array(0);
  private mask = -1;
  /** Entries allocated, in use, and the next one written (the oldest once all are in use). */
  private allocated = 0;
  private count = 0;
  private next = 0;
  // The identity being looked up or added.
  private a = 0;
  private n = 0;
  private sv = 0;
  private t = 0;
  private q = 0;
  private fo = 0;
  private fl = 0;
  private ssp: string | undefined;

  /** @param capacity - most identities remembered (a positive integer). */
  constructor(readonly capacity: number) {}

  /** Identities remembered. */
  get size(): number {
    return this.count;
  }

  /** True when `bundle`'s identity is remembered until after `now`. */
  has(bundle: Bundle, now: number): boolean {
    if (this.count === 0) return false;
    this.load(bundle);
    const e = this.find(this.hash());
    return e >= 0 && this.entries[e * STRIDE + 7]! > now;
  }

  /** Remembers `bundle`'s identity until `until` (replacing the time if it is there already). */
  add(bundle: Bundle, until: number): void {
    this.load(bundle);
    const h = this.hash();
    if (this.count > 0) {
      const e = this.find(h);
      if (e >= 0) {
        this.entries[e * STRIDE + 7] = until;
        return;
      }
    }
    if (this.count === this.allocated && this.allocated < this.capacity) {
      this.grow();
    }
    const e = this.next;
    if (this.count === this.allocated) this.unlink(e);
    else this.count++;
    const o = e * STRIDE;
    const x = this.entries;
    x[o] = this.a;
    x[o + 1] = this.n;
    x[o + 2] = this.sv;
    x[o + 3] = this.t;
    x[o + 4] = this.q;
    x[o + 5] = this.fo;
    x[o + 6] = this.fl;
    x[o + 7] = until;
    if (this.ssp !== undefined || this.ssps.length > 0) this.ssps[e] = this.ssp;
    this.link(e, h);
    this.next = e + 1 === this.allocated ? 0 : e + 1;
  }

  private load(b: Bundle): void {
    const p = b.primary;
    const s = p.source;
    if (s.scheme === 'ipn') {
      this.a = s.allocator ?? NO_ALLOCATOR;
      this.n = s.node;
      this.sv = s.service;
      this.ssp = undefined;
    } else {
      this.a = DTN_SOURCE;
      this.n = 0;
      this.sv = 0;
      this.ssp = s.ssp;
    }
    this.t = p.creationTime;
    this.q = p.sequenceNumber;
    if (p.fragmentOffset === undefined) {
      this.fo = -1;
      this.fl = -1;
    } else {
      this.fo = p.fragmentOffset;
      const last = b.blocks[b.blocks.length - 1];
      this.fl = last === undefined ? 0 : last.data.length;
    }
  }

  private hash(): number {
    const t = this.t;
    let h = Math.imul(this.n | 0, 0x9e3779b1);
    h = (h ^ Math.imul(this.sv | 0, 0x85ebca6b)) | 0;
    h = (h ^ Math.imul(t | 0, 0xc2b2ae35)) | 0;
    h = (h ^ Math.imul((t / 0x100000000) | 0, 0x27d4eb2f)) | 0;
    h = (h ^ Math.imul(this.q | 0, 0x165667b1)) | 0;
    h = (h ^ Math.imul(this.fo | 0, 0x61c88647) ^ this.a) | 0;
    const ssp = this.ssp;
    if (ssp !== undefined)
      for (let i = 0; i < ssp.length; i++) h = Math.imul(h ^ ssp.charCodeAt(i), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h;
  }

  /** The entry holding the loaded identity, or -1. */
  private find(h: number): number {
    const slots = this.slots;
    const x = this.entries;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const e = slots[i]!;
      if (e < 0) return -1;
      const o = e * STRIDE;
      if (
        x[o + 4] === this.q &&
        x[o + 3] === this.t &&
        x[o + 1] === this.n &&
        x[o + 2] === this.sv &&
        x[o] === this.a &&
        x[o + 5] === this.fo &&
        x[o + 6] === this.fl &&
        (this.ssp === undefined || this.ssps[e] === this.ssp)
      )
        return e;
    }
  }

  /** Puts entry `e` (hash `h`) into the table. */
  private link(e: number, h: number): void {
    this.hashOf[e] = h;
    const slots = this.slots;
    let i = h & this.mask;
    while (slots[i]! >= 0) i = (i + 1) & this.mask;
    slots[i] = e;
    this.slotOf[e] = i;
  }

  /** Takes entry `e` out of the table (backward-shift deletion: no tombstones). */
  private unlink(e: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let hole = this.slotOf[e]!;
    slots[hole] = -1;
    for (let i = (hole + 1) & mask; slots[i]! >= 0; i = (i + 1) & mask) {
      const f = slots[i]!;
      const home = this.homeOf(f);
      // `f` may fill the hole unless its home lies cyclically in (hole, i].
      const between = hole <= i ? home > hole && home <= i : home > hole || home <= i;
      if (between) continue;
      slots[hole] = f;
      this.slotOf[f] = hole;
      slots[i] = -1;
      hole = i;
    }
  }

  /** The home slot of entry `f`. */
  private homeOf(f: number): number {
    return this.hashOf[f]! & this.mask;
  }

  /** Doubles the storage (up to the capacity) and rebuilds the table; entries keep their index. */
  private grow(): void {
    const allocated = Math.min(this.capacity, Math.max(256, this.allocated * 2));
    const entries = new Float64Array(allocated * STRIDE);
    entries.set(this.entries);
    this.entries = entries;
    this.slotOf = new Int32Array(allocated);
    const hashes = new Int32Array(allocated);
    hashes.set(this.hashOf);
    this.hashOf = hashes;
    let size = 1;
    while (size < 2 * allocated) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.allocated = allocated;
    // Entries fill 0..count-1 until the storage is full, so `next` is `count` here.
    for (let e = 0; e < this.count; e++) this.link(e, this.hashOf[e]!);
    this.next = this.count;
  }
}
