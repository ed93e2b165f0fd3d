/**
 * One mechanism for every length-prefixed unit that arrives as a byte stream (Space Packets,
 * Encapsulation Packets, length-delimited PDUs): chunks of any size and any boundary go in;
 * complete units and the byte ranges that had to be skipped come out.
 *
 * Guarantees: a unit is emitted only when all of its octets have been seen; no unit is emitted
 * twice; after unrecognisable bytes the reader searches octet by octet for the next position
 * the {@link Framer} accepts; memory is bounded by the framer's largest unit.
 */
import { CcsdsError, CcsdsErrorCode } from './errors.js';

/** {@link Framer.probe} result: not enough octets to tell yet. */
export const NEED_MORE = 0;
/** {@link Framer.probe} result: no unit starts at this position. */
export const NOT_A_UNIT = -1;

/** Knows where a unit starts and how long it is. */
export interface Framer {
  /** Octets a probe needs at most to decide. */
  readonly maxHeaderLength: number;
  /** The longest unit the framer can return (bounds the reader's memory). */
  readonly maxUnitLength: number;
  /**
   * Looks at `buf[offset, end)`. Returns the unit's total length (> 0), {@link NEED_MORE} or
   * {@link NOT_A_UNIT}. Must never return a length above {@link maxUnitLength}.
   */
  probe(buf: Uint8Array, offset: number, end: number): number;
  /** Optional final check on a complete unit (a CRC, say); false makes its start garbage. */
  accept?(unit: Uint8Array): boolean;
}

/** Why bytes were skipped. */
export const SkipReason = {
  /** No valid unit header at these positions. */
  UNRECOGNISED: 'unrecognised',
  /** A header was found but the unit failed its final check (e.g. a packet error control CRC). */
  REJECTED: 'rejected',
  /** The stream ended inside a unit. */
  TRUNCATED: 'truncated',
} as const;
/** One of {@link SkipReason}. */
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/** A contiguous range of stream octets that was not part of any emitted unit. */
export interface SkippedRange {
  /** Stream offset of the first skipped octet. */
  start: number;
  /** Stream offset after the last skipped octet. */
  end: number;
  /** Why the first octets of the range were skipped. */
  reason: SkipReason;
}

/** Receives the reader's output. */
export interface FramedStreamSink {
  /** A complete unit that starts at stream offset `offset`. */
  unit(bytes: Uint8Array, offset: number): void;
  /** Octets that were skipped. */
  skipped(range: SkippedRange): void;
}

/** Options of {@link FramedStreamReader}. */
export interface FramedStreamReaderOptions {
  /**
   * Always copy emitted units (default false: units that lie inside one input chunk are views
   * of that chunk, which is safe unless the caller reuses its chunk buffers).
   */
  copy?: boolean;
  /**
   * After skipping garbage, believe a header only when another valid header (or the end of the
   * stream) follows the unit it announces (default true). This keeps a burst of garbage that
   * happens to look like a header from swallowing the real units after it. While in step (each
   * unit starting where the previous one ended) units are accepted at once. The price: a lone
   * unit between two bursts of garbage is skipped too. Default: true when the framer has no
   * `accept` check (a CRC already confirms a unit), false otherwise.
   */
  confirmResync?: boolean;
}

/** Push-style stream reader; see the module comment. */
export class FramedStreamReader {
  private readonly framer: Framer;
  private readonly sink: FramedStreamSink;
  private readonly copy: boolean;
  /** Carry-over of a unit (or header) split across chunks. */
  private carry: Uint8Array;
  private carryStart = 0;
  private carryEnd = 0;
  /** Stream offset of carry[carryStart]. */
  private carryOffset = 0;
  /** Total octets pushed so far. */
  private streamOffset = 0;
  private garbageStart = -1;
  private garbageEnd = -1;
  private garbageReason: SkipReason = SkipReason.UNRECOGNISED;
  private ended = false;
  /** True while units follow each other without garbage in between. */
  private synced = true;
  private readonly confirm: boolean;
  /** Units emitted. */
  units = 0;
  /** Octets skipped. */
  skippedOctets = 0;

  constructor(framer: Framer, sink: FramedStreamSink, options: FramedStreamReaderOptions = {}) {
    this.framer = framer;
    this.sink = sink;
    this.copy = options.copy ?? false;
    this.confirm = options.confirmResync ?? framer.accept === undefined;
    this.carry = new Uint8Array(Math.max(framer.maxHeaderLength, 64));
  }

  /** Total octets pushed so far. */
  get position(): number {
    return this.streamOffset;
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    if (this.ended) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'push after end of stream');
    }
    const chunkOffset = this.streamOffset;
    this.streamOffset += chunk.length;
    let pos = 0;
    if (this.carryEnd > this.carryStart) {
      pos = this.drainCarry(chunk);
      if (pos < 0) return; // everything went into the carry
    }
    this.scan(chunk, pos, chunkOffset);
  }

  /** Declares the end of the stream: a partial unit left over is reported as truncated. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.carryEnd > this.carryStart) {
      // Bytes left over might still contain valid units after garbage: rescan them.
      const rest = this.carry.slice(this.carryStart, this.carryEnd);
      const off = this.carryOffset;
      this.carryStart = this.carryEnd = 0;
      this.scanFinal(rest, off);
    }
    this.flushGarbage();
  }

  private scanFinal(buf: Uint8Array, baseOffset: number): void {
    const f = this.framer;
    let pos = 0;
    while (pos < buf.length) {
      const len = f.probe(buf, pos, buf.length);
      if (len > 0 && pos + len <= buf.length) {
        const unit = buf.subarray(pos, pos + len);
        if (
          this.followedByHeader(buf, pos + len, buf.length, true) &&
          (f.accept === undefined || f.accept(unit))
        ) {
          this.emit(unit, baseOffset + pos, true);
          pos += len;
          continue;
        }
        this.markGarbage(baseOffset + pos, 1, SkipReason.REJECTED);
      } else if (len === NOT_A_UNIT) {
        this.markGarbage(baseOffset + pos, 1, SkipReason.UNRECOGNISED);
      } else if (this.synced || !this.confirm) {
        // A trusted header whose unit the stream does not complete.
        this.markGarbage(baseOffset + pos, buf.length - pos, SkipReason.TRUNCATED);
        return;
      } else {
        // Out of step: an unconfirmed header must not swallow what follows it.
        this.markGarbage(baseOffset + pos, 1, SkipReason.TRUNCATED);
      }
      pos++;
    }
  }

  /**
   * When out of step, whether a header (or, at the end of the stream, nothing) follows at `at`.
   * Always true while in step or when confirmation is off.
   */
  private followedByHeader(buf: Uint8Array, at: number, end: number, final: boolean): boolean {
    if (this.synced || !this.confirm) return true;
    if (at >= end) return final;
    return this.framer.probe(buf, at, end) !== NOT_A_UNIT;
  }

  private scan(buf: Uint8Array, start: number, chunkOffset: number): void {
    const f = this.framer;
    const n = buf.length;
    let pos = start;
    while (pos < n) {
      const len = f.probe(buf, pos, n);
      if (len > 0) {
        const needed = this.synced || !this.confirm ? len : len + f.maxHeaderLength;
        if (pos + needed > n) break; // unit (or the header confirming it) continues in the next chunk
        const unit = buf.subarray(pos, pos + len);
        if (
          this.followedByHeader(buf, pos + len, n, false) &&
          (f.accept === undefined || f.accept(unit))
        ) {
          this.emit(unit, chunkOffset + pos, this.copy);
          pos += len;
        } else {
          this.markGarbage(chunkOffset + pos, 1, SkipReason.REJECTED);
          pos++;
        }
      } else if (len === NOT_A_UNIT) {
        this.markGarbage(chunkOffset + pos, 1, SkipReason.UNRECOGNISED);
        pos++;
      } else {
        break; // header incomplete
      }
    }
    if (pos < n) this.appendCarry(buf.subarray(pos), chunkOffset + pos);
  }

  /** Works off the carry with octets from `chunk`; returns where scanning of chunk resumes, or -1. */
  private drainCarry(chunk: Uint8Array): number {
    const f = this.framer;
    let taken = 0;
    for (;;) {
      const have = this.carryEnd - this.carryStart;
      if (have === 0) return taken;
      if (have < f.maxHeaderLength && taken < chunk.length) {
        const want = Math.min(f.maxHeaderLength - have, chunk.length - taken);
        this.appendCarryRaw(chunk.subarray(taken, taken + want));
        taken += want;
      }
      const len = f.probe(this.carry, this.carryStart, this.carryEnd);
      if (len === NEED_MORE && this.carryEnd - this.carryStart < f.maxHeaderLength) return -1;
      if (len <= 0) {
        this.markGarbage(this.carryOffset, 1, SkipReason.UNRECOGNISED);
        this.dropCarry(1);
      } else {
        const needed = this.synced || !this.confirm ? len : len + f.maxHeaderLength;
        const haveNow = this.carryEnd - this.carryStart;
        if (haveNow < needed) {
          const want = Math.min(needed - haveNow, chunk.length - taken);
          this.appendCarryRaw(chunk.subarray(taken, taken + want));
          taken += want;
          if (this.carryEnd - this.carryStart < needed) return -1;
        }
        const unit = this.carry.subarray(this.carryStart, this.carryStart + len);
        if (
          this.followedByHeader(this.carry, this.carryStart + len, this.carryEnd, false) &&
          (f.accept === undefined || f.accept(unit))
        ) {
          this.emit(unit, this.carryOffset, true);
          this.dropCarry(len);
        } else {
          this.markGarbage(this.carryOffset, 1, SkipReason.REJECTED);
          this.dropCarry(1);
        }
      }
      // Octets of the chunk still in the carry go back to the chunk scan.
      const giveBack = Math.min(this.carryEnd - this.carryStart, taken);
      this.carryEnd -= giveBack;
      taken -= giveBack;
      if (this.carryEnd === this.carryStart) {
        this.carryStart = this.carryEnd = 0;
        return taken;
      }
    }
  }

  private emit(unit: Uint8Array, offset: number, copy: boolean): void {
    this.flushGarbage();
    this.synced = true;
    this.units++;
    this.sink.unit(copy ? unit.slice() : unit, offset);
  }

  private markGarbage(offset: number, length: number, reason: SkipReason): void {
    this.synced = false;
    this.skippedOctets += length;
    if (this.garbageStart >= 0 && this.garbageEnd === offset) {
      this.garbageEnd = offset + length;
      return;
    }
    this.flushGarbage();
    this.garbageStart = offset;
    this.garbageEnd = offset + length;
    this.garbageReason = reason;
  }

  private flushGarbage(): void {
    if (this.garbageStart >= 0) {
      const range = { start: this.garbageStart, end: this.garbageEnd, reason: this.garbageReason };
      this.garbageStart = this.garbageEnd = -1;
      this.sink.skipped(range);
    }
  }

  private appendCarry(bytes: Uint8Array, offset: number): void {
    if (this.carryEnd === this.carryStart) {
      this.carryStart = this.carryEnd = 0;
      this.carryOffset = offset;
    }
    this.appendCarryRaw(bytes);
  }

  private appendCarryRaw(bytes: Uint8Array): void {
    if (this.carryEnd + bytes.length > this.carry.length) {
      const live = this.carryEnd - this.carryStart;
      if (live + bytes.length <= this.carry.length) {
        this.carry.copyWithin(0, this.carryStart, this.carryEnd);
      } else {
        const nb = new Uint8Array(Math.max(live + bytes.length, this.carry.length * 2));
        nb.set(this.carry.subarray(this.carryStart, this.carryEnd), 0);
        this.carry = nb;
      }
      this.carryStart = 0;
      this.carryEnd = live;
    }
    this.carry.set(bytes, this.carryEnd);
    this.carryEnd += bytes.length;
  }

  private dropCarry(n: number): void {
    this.carryStart += n;
    this.carryOffset += n;
    if (this.carryStart === this.carryEnd) this.carryStart = this.carryEnd = 0;
  }
}
