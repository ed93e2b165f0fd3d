/**
 * The least a receiver of length-prefixed messages over TCP does: split the stream into its
 * messages (a 4-octet big-endian length, then the message) and nothing else with them. A message
 * inside one chunk is a view of it; a message spanning chunks is copied together into a buffer
 * of its own (TCPCL's receiver does the same with a segment). The bare TCP pairs of the
 * forwarding benchmarks use it, so that a bare pair delivers messages as the bare UDP receiver
 * gets each datagram as a buffer of its own.
 */
export class MessageSplitter {
  /** The last whole message, so that splitting cannot be optimised away. */
  last: Uint8Array | undefined;
  private readonly head = new Uint8Array(4);
  private headLength = 0;
  private spanning: Uint8Array | undefined;
  private filled = 0;

  /** Splits one chunk of the stream; returns how many messages it completed. */
  push(d: Uint8Array): number {
    let whole = 0;
    let at = 0;
    while (at < d.length) {
      const spanning = this.spanning;
      if (spanning !== undefined) {
        const k = Math.min(spanning.length - this.filled, d.length - at);
        spanning.set(d.subarray(at, at + k), this.filled);
        this.filled += k;
        at += k;
        if (this.filled === spanning.length) {
          this.last = spanning;
          this.spanning = undefined;
          whole++;
        }
        continue;
      }
      if (this.headLength > 0 || d.length - at < 4) {
        const head = this.head;
        while (this.headLength < 4 && at < d.length) head[this.headLength++] = d[at++]!;
        if (this.headLength < 4) break;
        this.headLength = 0;
        this.spanning = new Uint8Array(
          ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0,
        );
        this.filled = 0;
        continue;
      }
      const len = ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
      at += 4;
      if (d.length - at >= len) {
        this.last = d.subarray(at, at + len);
        at += len;
        whole++;
      } else {
        this.spanning = new Uint8Array(len);
        this.filled = 0;
      }
    }
    return whole;
  }
}

/** One frame to write over and over: the length, then `size` octets of 0x5a. */
export function lengthPrefixedFrame(size: number): Uint8Array {
  const frame = new Uint8Array(4 + size).fill(0x5a);
  new DataView(frame.buffer).setUint32(0, size);
  return frame;
}
