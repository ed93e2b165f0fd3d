/**
 * A small pool of encoding buffers for large bundles an agent originates: a buffer comes back
 * once the convergence layer confirmed the bundle and nothing else holds its octets, and the
 * next bundle of the same size class is encoded into it. Fresh memory for a 60 KiB bundle
 * costs several times the copy into it (the operating system maps and zeroes new pages, the
 * garbage collector counts the external memory); reused memory is already there. Bounded:
 * at most `maxBuffers` buffers and `maxOctets` octets are kept; beyond that returned buffers
 * are left to the garbage collector.
 */

/** Sizes are rounded up to a multiple of this, so bundles of about one size share buffers. */
const SIZE_CLASS = 4096;

/** Encoding buffers for reuse; see the module comment. */
export class BufferPool {
  private readonly free = new Map<number, Uint8Array[]>();
  private buffers = 0;
  private octets = 0;

  /**
   * @param maxBuffers - most buffers kept
   * @param maxOctets - most octets kept
   */
  constructor(
    readonly maxBuffers = 32,
    readonly maxOctets = 2 << 20,
  ) {}

  /** A buffer of at least `n` octets (a kept one when there is one of its size class). */
  take(n: number): Uint8Array {
    const size = Math.ceil(n / SIZE_CLASS) * SIZE_CLASS;
    const list = this.free.get(size);
    const b = list?.pop();
    if (b === undefined) return new Uint8Array(size);
    this.buffers--;
    this.octets -= size;
    return b;
  }

  /**
   * Gives back a buffer from {@link BufferPool.take} whose octets nobody reads any more (kept
   * if there is room, else dropped).
   */
  give(b: Uint8Array): void {
    const size = b.length;
    if (size % SIZE_CLASS !== 0 || size === 0) return;
    if (this.buffers >= this.maxBuffers || this.octets + size > this.maxOctets) return;
    let list = this.free.get(size);
    if (list === undefined) {
      list = [];
      this.free.set(size, list);
    }
    list.push(b);
    this.buffers++;
    this.octets += size;
  }

  /** Buffers kept. */
  get size(): number {
    return this.buffers;
  }
}
