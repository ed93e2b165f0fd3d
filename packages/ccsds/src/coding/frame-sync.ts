/**
 * Frame synchronisation on the Attached Sync Marker (CCSDS 131.0-B-4, Frame Synchronization
 * section). 131.0 fixes the marker, not the receiver; this is the usual search / check / lock /
 * flywheel machine: it searches bit by bit for the marker (with a configurable number of bit
 * errors, in both polarities: a complemented marker means the whole stream is inverted), checks
 * it at the next expected positions, holds lock, and coasts over missed markers in a flywheel
 * state before searching again. Input is an unaligned bit stream, either hard bits packed into
 * octets (first bit in the most significant bit) or 8-bit soft symbols, one per bit (libfec
 * convention: 0 = confident 0, 255 = confident 1; symbols >= 128 decide 1). Chunks of any size go
 * in; frames with their bit offset, polarity, marker errors and sync state come out. Memory is
 * bounded by the flywheel depth times the frame period plus one input slice.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import { ASM } from './asm.js';

/** States of the synchroniser; a frame carries the state in which its marker was judged. */
export const SyncState = {
  /** Searching bit by bit; a frame with this state is the first after (re)acquisition. */
  SEARCH: 'search',
  /** Marker found once; confirming it at the next expected positions. */
  CHECK: 'check',
  /** Locked: marker confirmed at the expected position. */
  LOCK: 'lock',
  /** Marker missed at the expected position; the frame is delivered where it should be. */
  FLYWHEEL: 'flywheel',
} as const;
/** One of {@link SyncState}. */
export type SyncState = (typeof SyncState)[keyof typeof SyncState];

/** Which polarities to search for. */
export type SyncPolarity = 'normal' | 'inverted' | 'both';

/** Options of {@link FrameSynchronizer}. */
export interface FrameSyncOptions {
  /** Octets that follow each marker (Transfer Frame or codeblock length). */
  frameLength: number;
  /** The marker (default the 32-bit ASM 1ACFFC1D). */
  marker?: Uint8Array;
  /** Marker length in bits when it is not a whole number of octets (default marker.length * 8). */
  markerBits?: number;
  /** Bit errors accepted in the marker while searching (default 0). */
  searchErrors?: number;
  /** Bit errors accepted in the marker at an expected position (default 2, at least searchErrors). */
  lockErrors?: number;
  /** Confirmations needed in CHECK before LOCK (default 1; 0 locks on the first marker). */
  checkThreshold?: number;
  /** Consecutive missed markers delivered in FLYWHEEL before searching again (default 2). */
  flywheelThreshold?: number;
  /** Polarities searched (default both). */
  polarity?: SyncPolarity;
  /** Input octets are 8-bit soft symbols, one per bit (default false: packed hard bits). */
  soft?: boolean;
}

/** A frame found by the synchroniser. */
export interface SyncFrame {
  /** The frame's `frameLength` octets, hard decisions, polarity corrected. */
  data: Uint8Array;
  /** Soft input only: the frame's soft symbols (one per bit), polarity corrected. */
  soft?: Uint8Array;
  /** Stream position (bits, or symbols for soft input) of the frame's first bit. */
  bitOffset: number;
  /** Stream position of the marker's first bit. */
  markerBitOffset: number;
  /** True when the marker was received complemented (the frame bits have been inverted back). */
  inverted: boolean;
  /** Bit errors in the received marker. */
  markerErrors: number;
  /** State in which the marker was judged. */
  state: SyncState;
}

/** Counters of a {@link FrameSynchronizer}. */
export interface FrameSyncStats {
  /** Bits (symbols) pushed so far. */
  bits: number;
  /** Frames delivered. */
  frames: number;
  /** Frames delivered in FLYWHEEL. */
  flywheelFrames: number;
  /** Times the synchroniser went back to SEARCH after having found a marker. */
  lossesOfLock: number;
  /** Bits held in the buffer. */
  bufferedBits: number;
}

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function checkOption(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `${what} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

const HARD_SLICE = 8192;
const SOFT_SLICE = 65536;

/** Push-style frame synchroniser; see the module comment. */
export class FrameSynchronizer {
  /** Marker length in bits. */
  readonly markerBits: number;
  /** Frame length in bits. */
  readonly frameBits: number;
  private readonly frameLength: number;
  private readonly period: number;
  private readonly words: Int32Array;
  private readonly masks: Int32Array;
  private readonly searchErrors: number;
  private readonly lockErrors: number;
  private readonly checkThreshold: number;
  private readonly flywheelThreshold: number;
  private readonly allowNormal: boolean;
  private readonly allowInverted: boolean;
  private readonly soft: boolean;

  private buf: Uint8Array;
  private softBuf: Uint8Array | null;
  /** Absolute stream bit of buffer bit 0 (a multiple of 8). */
  private base = 0;
  private bufBits = 0;
  // Positions below are relative to `base`.
  private pos = 0;
  private lastVerified = -1;
  private flyPositions: number[] = [];
  private state: SyncState = SyncState.SEARCH;
  private inverted = false;
  private checks = 0;
  private misses = 0;
  private counters = { frames: 0, flywheelFrames: 0, lossesOfLock: 0 };

  /** Throws `INVALID_ARGUMENT` for options out of range. */
  constructor(options: FrameSyncOptions) {
    const marker = options.marker ?? ASM;
    this.markerBits = checkOption(
      options.markerBits ?? marker.length * 8,
      8,
      Math.min(512, marker.length * 8),
      'markerBits',
    );
    this.frameLength = checkOption(options.frameLength, 1, 1 << 20, 'frameLength');
    this.frameBits = this.frameLength * 8;
    this.period = this.markerBits + this.frameBits;
    const maxErr = Math.floor((this.markerBits - 1) / 2);
    this.searchErrors = checkOption(options.searchErrors ?? 0, 0, maxErr, 'searchErrors');
    this.lockErrors = checkOption(
      options.lockErrors ?? Math.min(maxErr, Math.max(2, this.searchErrors)),
      this.searchErrors,
      maxErr,
      'lockErrors',
    );
    this.checkThreshold = checkOption(options.checkThreshold ?? 1, 0, 1000, 'checkThreshold');
    this.flywheelThreshold = checkOption(
      options.flywheelThreshold ?? 2,
      0,
      1000,
      'flywheelThreshold',
    );
    const pol = options.polarity ?? 'both';
    if (pol !== 'both' && pol !== 'normal' && pol !== 'inverted') {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `unknown polarity ${String(pol)}`);
    }
    this.allowNormal = pol !== 'inverted';
    this.allowInverted = pol !== 'normal';
    this.soft = options.soft ?? false;
    const nWords = Math.ceil(this.markerBits / 32);
    this.words = new Int32Array(nWords);
    this.masks = new Int32Array(nWords);
    for (let w = 0; w < nWords; w++) {
      let v = 0;
      for (let k = 0; k < 4; k++) v = (v << 8) | (marker[4 * w + k] ?? 0);
      const bits = Math.min(32, this.markerBits - 32 * w);
      const mask = bits === 32 ? -1 : ~(-1 >>> bits);
      this.words[w] = v & mask;
      this.masks[w] = mask;
    }
    const slice = this.soft ? SOFT_SLICE / 8 : HARD_SLICE;
    this.buf = new Uint8Array(
      Math.ceil(((this.flywheelThreshold + 2) * this.period) / 8) + slice + 16,
    );
    this.softBuf = this.soft ? new Uint8Array(this.buf.length * 8) : null;
  }

  /** The current state. */
  get currentState(): SyncState {
    return this.state;
  }

  /** Counters since construction or {@link reset}. */
  get stats(): FrameSyncStats {
    return {
      bits: this.base + this.bufBits,
      frames: this.counters.frames,
      flywheelFrames: this.counters.flywheelFrames,
      lossesOfLock: this.counters.lossesOfLock,
      bufferedBits: this.bufBits,
    };
  }

  /** Forgets everything: back to SEARCH at stream position 0. */
  reset(): void {
    this.base = 0;
    this.bufBits = 0;
    this.pos = 0;
    this.lastVerified = -1;
    this.flyPositions = [];
    this.state = SyncState.SEARCH;
    this.inverted = false;
    this.checks = 0;
    this.misses = 0;
    this.counters = { frames: 0, flywheelFrames: 0, lossesOfLock: 0 };
    this.buf.fill(0);
  }

  /** Feeds the next chunk (packed bits, or soft symbols); returns the frames completed by it. */
  push(chunk: Uint8Array): SyncFrame[] {
    const out: SyncFrame[] = [];
    const slice = this.soft ? SOFT_SLICE : HARD_SLICE;
    for (let o = 0; o < chunk.length; o += slice) {
      this.append(chunk.subarray(o, Math.min(chunk.length, o + slice)));
      this.run(out);
      this.compact();
    }
    return out;
  }

  private append(chunk: Uint8Array): void {
    const addBits = this.soft ? chunk.length : chunk.length * 8;
    const needBytes = ((this.bufBits + addBits) >> 3) + 9;
    if (needBytes > this.buf.length) {
      // Only reached if compaction could not keep up; grows to the bounded working size.
      const nb = new Uint8Array(Math.max(needBytes, this.buf.length * 2));
      nb.set(this.buf.subarray(0, (this.bufBits >> 3) + 1));
      this.buf = nb;
      if (this.softBuf !== null) {
        const ns = new Uint8Array(nb.length * 8);
        ns.set(this.softBuf.subarray(0, this.bufBits));
        this.softBuf = ns;
      }
    }
    const buf = this.buf;
    let bit = this.bufBits;
    if (this.softBuf === null) {
      const sh = bit & 7;
      let by = bit >> 3;
      if (sh === 0) {
        buf.set(chunk, by);
      } else {
        const back = 8 - sh;
        for (let i = 0; i < chunk.length; i++) {
          const v = chunk[i]!;
          buf[by] = buf[by]! | (v >>> sh);
          buf[++by] = (v << back) & 0xff;
        }
      }
      this.bufBits = bit + addBits;
      return;
    }
    const soft = this.softBuf;
    soft.set(chunk, bit);
    for (let i = 0; i < chunk.length; i++, bit++) {
      const by = bit >> 3;
      const m = 0x80 >> (bit & 7);
      if ((bit & 7) === 0) buf[by] = 0;
      if (chunk[i]! >= 128) buf[by] = buf[by]! | m;
    }
    this.bufBits = bit;
  }

  /** 32 bits starting at relative bit i (bits past the valid ones are unspecified). */
  private window(i: number): number {
    const buf = this.buf;
    const by = i >> 3;
    const sh = i & 7;
    const w = (buf[by]! << 24) | (buf[by + 1]! << 16) | (buf[by + 2]! << 8) | buf[by + 3]!;
    return sh === 0 ? w : (w << sh) | (buf[by + 4]! >>> (8 - sh));
  }

  /** Marker bit errors at relative bit i for the given polarity. */
  private errorsAt(i: number, inverted: boolean): number {
    let e = 0;
    for (let w = 0; w < this.words.length; w++) {
      const mask = this.masks[w]!;
      e += popcount32((this.window(i + 32 * w) ^ this.words[w]! ^ (inverted ? mask : 0)) & mask);
    }
    return e;
  }

  /** First relative position in [from, last] where a marker matches in search, or -1. */
  private search(from: number, last: number): number {
    const buf = this.buf;
    const m0 = this.words[0]!;
    const mask0 = this.masks[0]!;
    const bits0 = popcount32(mask0);
    const se = this.searchErrors;
    const single = this.words.length === 1;
    const an = this.allowNormal;
    const ai = this.allowInverted;
    for (let p = from; p <= last; p++) {
      const by = p >> 3;
      const sh = p & 7;
      let w = (buf[by]! << 24) | (buf[by + 1]! << 16) | (buf[by + 2]! << 8) | buf[by + 3]!;
      if (sh !== 0) w = (w << sh) | (buf[by + 4]! >>> (8 - sh));
      const x = (w ^ m0) & mask0;
      if (se === 0) {
        if (x !== 0 && x !== mask0) continue;
      } else {
        const e0 = popcount32(x);
        if (e0 > se && bits0 - e0 > se) continue;
      }
      if (single) {
        const e = popcount32(x);
        if ((an && e <= se) || (ai && bits0 - e <= se)) return p;
      } else {
        if (an && this.errorsAt(p, false) <= se) return p;
        if (ai && this.errorsAt(p, true) <= se) return p;
      }
    }
    return -1;
  }

  private emit(out: SyncFrame[], i: number, errors: number, state: SyncState): void {
    const fs = i + this.markerBits;
    const buf = this.buf;
    const by = fs >> 3;
    const sh = fs & 7;
    const inv = this.inverted ? 0xff : 0;
    const len = this.frameLength;
    const data = new Uint8Array(len);
    if (sh === 0) {
      for (let j = 0; j < len; j++) data[j] = buf[by + j]! ^ inv;
    } else {
      const back = 8 - sh;
      for (let j = 0; j < len; j++) {
        data[j] = (((buf[by + j]! << sh) | (buf[by + j + 1]! >>> back)) & 0xff) ^ inv;
      }
    }
    const frame: SyncFrame = {
      data,
      bitOffset: this.base + fs,
      markerBitOffset: this.base + i,
      inverted: this.inverted,
      markerErrors: errors,
      state,
    };
    if (this.softBuf !== null) {
      const soft = this.softBuf.slice(fs, fs + this.frameBits);
      if (this.inverted) for (let j = 0; j < soft.length; j++) soft[j] = 255 - soft[j]!;
      frame.soft = soft;
    }
    this.counters.frames++;
    if (state === SyncState.FLYWHEEL) this.counters.flywheelFrames++;
    out.push(frame);
  }

  private loseLock(): void {
    this.counters.lossesOfLock++;
    this.state = SyncState.SEARCH;
    this.pos = this.lastVerified + 1;
  }

  private run(out: SyncFrame[]): void {
    const period = this.period;
    for (;;) {
      const avail = this.bufBits;
      if (this.state === SyncState.SEARCH) {
        const last = avail - this.markerBits;
        const p = this.search(this.pos, last);
        if (p < 0) {
          this.pos = Math.max(this.pos, last + 1);
          return;
        }
        this.pos = p;
        if (p + period > avail) return; // wait for the whole frame
        const eN = this.allowNormal ? this.errorsAt(p, false) : this.markerBits;
        this.inverted = !(eN <= this.searchErrors);
        const e = this.inverted ? this.markerBits - eN : eN;
        const already = this.flyPositions.includes(p) && this.inverted === this.flyInverted;
        if (!already) this.emit(out, p, e, SyncState.SEARCH);
        this.lastVerified = p;
        this.flyPositions = [];
        this.checks = 0;
        this.misses = 0;
        this.state = this.checkThreshold > 0 ? SyncState.CHECK : SyncState.LOCK;
        this.pos = p + period;
        continue;
      }
      const p = this.pos;
      if (p + period > avail) return;
      const e = this.errorsAt(p, this.inverted);
      if (e <= this.lockErrors) {
        const st = this.state === SyncState.CHECK ? SyncState.CHECK : SyncState.LOCK;
        this.emit(out, p, e, st);
        if (this.state === SyncState.CHECK) {
          if (++this.checks >= this.checkThreshold) this.state = SyncState.LOCK;
        } else {
          this.state = SyncState.LOCK;
        }
        this.lastVerified = p;
        this.flyPositions = [];
        this.misses = 0;
        this.pos = p + period;
        continue;
      }
      if (this.state === SyncState.CHECK || ++this.misses > this.flywheelThreshold) {
        this.loseLock();
        continue;
      }
      this.state = SyncState.FLYWHEEL;
      this.emit(out, p, e, SyncState.FLYWHEEL);
      this.flyPositions.push(p);
      this.flyInverted = this.inverted;
      this.pos = p + period;
    }
  }

  private flyInverted = false;

  /** Drops whole octets no longer needed (before the search position or a possible rewind). */
  private compact(): void {
    const keep = this.state === SyncState.SEARCH ? this.pos : this.lastVerified + 1;
    const drop = Math.min(keep, this.bufBits) >> 3;
    if (drop <= 0) return;
    const bytes = (this.bufBits + 7) >> 3;
    this.buf.copyWithin(0, drop, bytes + 1);
    if (this.softBuf !== null) this.softBuf.copyWithin(0, drop * 8, this.bufBits);
    const bits = drop * 8;
    this.base += bits;
    this.bufBits -= bits;
    this.pos -= bits;
    this.lastVerified -= bits;
    this.flyPositions = this.flyPositions.map((q) => q - bits);
  }
}

/** Runs a {@link FrameSynchronizer} over chunks, yielding frames as they complete. */
export function* frameSync(
  chunks: Iterable<Uint8Array>,
  options: FrameSyncOptions,
): Generator<SyncFrame> {
  const fs = new FrameSynchronizer(options);
  for (const c of chunks) yield* fs.push(c);
}

/** Async variant of {@link frameSync} for streams (e.g. a file or socket read loop). */
export async function* frameSyncAsync(
  chunks: AsyncIterable<Uint8Array>,
  options: FrameSyncOptions,
): AsyncGenerator<SyncFrame> {
  const fs = new FrameSynchronizer(options);
  for await (const c of chunks) yield* fs.push(c);
}
