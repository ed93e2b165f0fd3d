/**
 * The physical channel of one direction of a space link: what the RF path does to the channel
 * symbols that the coding layer produces (CCSDS 131.0-B channel symbols, BPSK as in 401.0-B
 * section 2.4), in virtual or real time through the injected {@link Clock}.
 *
 * - Serialisation at `symbolRate`: symbol k of a {@link PhysicalChannel.transmit} call leaves
 *   the antenna at `start + k / symbolRate` (`start` = when the previously queued symbols are
 *   out, or now), and arrives `lightTimeMs` later.
 * - Noise: BPSK on an AWGN channel at Eb/N0 (Es/N0 = Eb/N0 + 10 log10(codeRate)), or independent
 *   hard bit flips at a fixed bit error rate, or none.
 * - Bursts: a Gilbert-Elliott two-state process in time (exponentially distributed gaps and
 *   burst durations) during which the Eb/N0 drops to the burst value.
 * - Outages: contact windows (a pass plan); symbols that leave outside every window are lost.
 * - Output: 8-bit soft symbols in libfec's convention (0 = confident 0, 255 = confident 1,
 *   127.5 = no information), as `TmChainDecoder` of `ccsds/coding` takes them, or hard bits
 *   packed MSB first.
 *
 * Delivery is in chunks (at most one per transmit call and contact window, and at most
 * {@link PhysicalChannelOptions.maxChunkSymbols} symbols), one clock timer per chunk. A chunk is
 * handed over when its last symbol has been received: at the time that symbol left plus one
 * symbol period plus the light time. Noise is added when the chunk is delivered, with the
 * Eb/N0 then in effect ({@link PhysicalChannel.setEbN0Db}) and the burst state of each symbol's
 * departure time.
 *
 * The soft symbols are drawn exactly from the distribution of the quantised, clipped matched
 * filter output `round(127.5 + softScale (+-1 + sigma n))`, n standard normal, with an alias
 * table over the 256 output values (Walker's method, 32-bit resolution): one 32-bit random
 * number per symbol, no Gaussian deviate computed, so the noise costs a table look-up per symbol.
 */
import {
  CcsdsError,
  CcsdsErrorCode,
  type Clock,
  SeededRandom,
  type TimerId,
} from '../core/index.js';

/** A contact window (pass), in absolute clock milliseconds: `startMs <= t < endMs`. */
export interface ContactWindow {
  /** Start of the window (clock time, ms). */
  startMs: number;
  /** End of the window, exclusive (clock time, ms). */
  endMs: number;
}

/**
 * Gilbert-Elliott style burst errors: gaps and bursts alternate, their durations drawn from
 * exponential distributions; during a burst the channel's Eb/N0 is {@link ebN0Db}.
 */
export interface BurstOptions {
  /** Mean time between bursts (end of one to start of the next), ms. */
  meanGapMs: number;
  /** Mean burst duration, ms. */
  meanDurationMs: number;
  /** Eb/N0 during a burst, dB; `-Infinity` for a full fade (no signal at all). */
  ebN0Db: number;
}

/** Options of {@link PhysicalChannel}. */
export interface PhysicalChannelOptions {
  /** One-way light time, ms (>= 0). */
  lightTimeMs: number;
  /** Channel symbols (bits on the wire) per second. */
  symbolRate: number;
  /**
   * Information bits per channel symbol, 0 < r <= 1 (default 1); the Eb/N0 options are per
   * information bit: Es/N0 = Eb/N0 + 10 log10(codeRate).
   */
  codeRate?: number;
  /** AWGN BPSK at this Eb/N0 (dB). Omit (and omit {@link bitErrorRate}) for a noiseless channel. */
  ebN0Db?: number;
  /** Alternative to {@link ebN0Db}: independent hard symbol flips with this probability (0..1). */
  bitErrorRate?: number;
  /** Burst errors (absent: none). */
  bursts?: BurstOptions;
  /**
   * Contact windows in transmit time: a symbol that leaves the antenna outside every window is
   * lost. Absent: always in contact. (For a pass plan given at the receiver, shift the windows
   * back by the light time.)
   */
  contacts?: ContactWindow[];
  /** 'soft': one octet per symbol (libfec convention); 'hard': packed bits, MSB first. */
  output: 'soft' | 'hard';
  /**
   * Soft output: the distance in octet steps from 127.5 to a noiseless symbol (default 64, so a
   * noiseless symbol reads 63 or 192 and the noise is clipped at +-2 signal amplitudes from 127.5).
   * Noiseless channels always give 0 and 255.
   */
  softScale?: number;
  /** Seed of the noise and burst processes (default 1). */
  seed?: number;
  /** Largest chunk handed to the receiver, in symbols (default 65536). */
  maxChunkSymbols?: number;
  /**
   * Largest backlog of symbols queued but not yet on air; a transmit beyond it throws
   * `LIMIT_EXCEEDED` (default 2^24). Senders pace themselves with `idleAt` / `onIdle`.
   */
  maxQueuedSymbols?: number;
}

/** Counters of a {@link PhysicalChannel}. */
export interface PhysicalChannelStats {
  /** Symbols given to {@link PhysicalChannel.transmit}. */
  symbolsSent: number;
  /** Symbols handed to the receiver. */
  symbolsDelivered: number;
  /** Symbols that left outside every contact window. */
  symbolsLostToOutage: number;
  /** Delivered symbols whose hard decision differs from the symbol sent. */
  hardSymbolErrors: number;
  /** Bursts started so far. */
  burstCount: number;
  /** Total duration of the bursts that have ended, ms. */
  burstMs: number;
}

/** Default soft-symbol scale. */
export const DEFAULT_SOFT_SCALE = 64;

/** Probability that a BPSK symbol at Es/N0 (dB) is decided wrongly: Q(sqrt(2 Es/N0)). */
export function bpskSymbolErrorRate(esN0Db: number): number {
  if (esN0Db === Infinity) return 0;
  if (esN0Db === -Infinity) return 0.5;
  return 0.5 * erfc(Math.sqrt(10 ** (esN0Db / 10)));
}

/**
 * Complementary error function with a relative error below 1.2e-7 everywhere, tails included
 * (Chebyshev fit of Numerical Recipes, section 6.2), which keeps tiny error rates accurate.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
function phi(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Walker alias table over the 256 octet values: threshold (24-bit) and alias per column. */
interface AliasTable {
  readonly threshold: Uint32Array;
  readonly alias: Uint8Array;
  /** Probability that a symbol sent as 1 is decided 0 (for hard output). */
  readonly flip: number;
}

/**
 * The alias table of `round(127.5 + scale (mean + sigma n))` clipped to 0..255, for a symbol sent
 * as 1 (mean +1) or for no signal (mean 0, sigma 1).
 */
function aliasTable(mean: number, sigma: number, scale: number): AliasTable {
  const p = new Float64Array(256);
  let prev = 0;
  for (let v = 0; v < 256; v++) {
    const upper = v === 255 ? 1 : phi(((v + 0.5 - 127.5) / scale - mean) / sigma);
    p[v] = Math.max(0, upper - prev);
    prev = upper;
  }
  let flip = 0;
  for (let v = 0; v < 128; v++) flip += p[v]!;
  // Vose's alias method; column probabilities in units of 2^-24
  const ONE = 1 << 24;
  const scaled = new Float64Array(256);
  for (let v = 0; v < 256; v++) scaled[v] = p[v]! * 256 * ONE;
  const threshold = new Uint32Array(256);
  const alias = new Uint8Array(256);
  const small: number[] = [];
  const large: number[] = [];
  for (let v = 0; v < 256; v++) (scaled[v]! < ONE ? small : large).push(v);
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large[large.length - 1]!;
    threshold[s] = Math.round(scaled[s]!);
    alias[s] = l;
    scaled[l] = scaled[l]! - (ONE - scaled[s]!);
    if (scaled[l]! < ONE) {
      large.pop();
      small.push(l);
    }
  }
  for (const v of large) {
    threshold[v] = ONE;
    alias[v] = v;
  }
  for (const v of small) {
    threshold[v] = ONE;
    alias[v] = v;
  }
  return { threshold, alias, flip };
}

/** How one channel state corrupts symbols. */
type Impairment =
  | { kind: 'none' }
  | { kind: 'flip'; p: number }
  | { kind: 'awgn'; table: AliasTable; signal: boolean };

interface Chunk {
  bits: Uint8Array;
  count: number;
  /** Departure time of the first symbol. */
  startMs: number;
}

function invalid(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

function checkNumber(
  value: unknown,
  what: string,
  min: number,
  max: number,
  minOpen = false,
): number {
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < min ||
    value > max ||
    (minOpen && value === min)
  ) {
    throw invalid(
      `${what} must be a number in ${minOpen ? '(' : '['}${min}, ${max}], got ${String(value)}`,
    );
  }
  return value;
}

function checkInteger(value: unknown, what: string, min: number, max: number): number {
  checkNumber(value, what, min, max);
  if (!Number.isInteger(value)) throw invalid(`${what} must be an integer, got ${String(value)}`);
  return value as number;
}

/** Copies `count` bits starting at bit `from` of `src` (MSB first) into a new packed array. */
function extractBits(src: Uint8Array, from: number, count: number): Uint8Array {
  const n = (count + 7) >> 3;
  if ((from & 7) === 0) {
    const out = src.slice(from >> 3, (from >> 3) + n);
    if ((count & 7) !== 0) out[n - 1] = out[n - 1]! & (0xff << (8 - (count & 7)));
    return out;
  }
  const out = new Uint8Array(n);
  const shift = from & 7;
  let i = from >> 3;
  for (let o = 0; o < n; o++, i++) {
    out[o] = ((src[i]! << shift) | ((src[i + 1] ?? 0) >> (8 - shift))) & 0xff;
  }
  if ((count & 7) !== 0) out[n - 1] = out[n - 1]! & (0xff << (8 - (count & 7)));
  return out;
}

/** Tolerance of time-to-symbol-index conversions, in symbols. */
const EPS = 1e-9;

/**
 * One direction of a space link (see the module comment). Throws `INVALID_ARGUMENT` for bad
 * options.
 *
 * Memory: the symbols in flight are held packed, one bit each, until delivered, so a channel
 * holds up to `lightTimeMs / 1000 x symbolRate / 8` octets (a 12.5-minute Mars light time at
 * 1 M symbols/s: 94 MB); the queue not yet on air is bounded by `maxQueuedSymbols`.
 */
export class PhysicalChannel {
  /** Called (through a clock timer) when the transmit queue drains: the sender's cue to send more. */
  onIdle: (() => void) | undefined = undefined;

  private readonly clock: Clock;
  private readonly onSymbols: (symbols: Uint8Array, count: number) => void;
  private readonly lightTimeMs: number;
  private readonly symbolMs: number;
  private readonly symbolRate: number;
  private readonly codeRate: number;
  private readonly soft: boolean;
  private readonly softScale: number;
  private readonly maxChunk: number;
  private readonly maxQueued: number;
  private readonly contacts: ContactWindow[] | undefined;
  private readonly noise: SeededRandom;
  /** State of the inlined sfc32 generator of the soft-symbol noise. */
  private readonly fast = new Int32Array(4);
  private readonly burstRng: SeededRandom;
  private readonly bursts: BurstOptions | undefined;
  private good: Impairment;
  private readonly bad: Impairment | undefined;
  private inBurst = false;
  private stateStartMs: number;
  private stateEndMs: number;
  private txEnd: number;
  private idleTimer: TimerId | undefined;
  private readonly timers = new Set<TimerId>();
  private closed = false;
  private readonly counters: PhysicalChannelStats = {
    symbolsSent: 0,
    symbolsDelivered: 0,
    symbolsLostToOutage: 0,
    hardSymbolErrors: 0,
    burstCount: 0,
    burstMs: 0,
  };

  /**
   * @param clock - the time source (a `SimulatedClock` for virtual time)
   * @param options - the channel's physics
   * @param onSymbols - receives each delivered chunk: soft octets (`count` of them) or packed
   *   hard bits (`count` bits); the array is the receiver's to keep
   */
  constructor(
    clock: Clock,
    options: PhysicalChannelOptions,
    onSymbols: (symbols: Uint8Array, count: number) => void,
  ) {
    this.clock = clock;
    this.onSymbols = onSymbols;
    this.lightTimeMs = checkNumber(options.lightTimeMs, 'lightTimeMs', 0, Number.MAX_SAFE_INTEGER);
    this.symbolRate = checkNumber(options.symbolRate, 'symbolRate', 0, 1e12, true);
    this.symbolMs = 1000 / this.symbolRate;
    this.codeRate = checkNumber(options.codeRate ?? 1, 'codeRate', 0, 1, true);
    if (options.output !== 'soft' && options.output !== 'hard') {
      throw invalid(`output must be 'soft' or 'hard', got ${String(options.output)}`);
    }
    this.soft = options.output === 'soft';
    this.softScale = checkNumber(
      options.softScale ?? DEFAULT_SOFT_SCALE,
      'softScale',
      0,
      127.5,
      true,
    );
    this.maxChunk = checkInteger(options.maxChunkSymbols ?? 65536, 'maxChunkSymbols', 8, 2 ** 30);
    this.maxQueued = checkInteger(
      options.maxQueuedSymbols ?? 2 ** 24,
      'maxQueuedSymbols',
      1,
      2 ** 40,
    );
    const seed = options.seed ?? 1;
    this.noise = new SeededRandom(seed);
    for (let i = 0; i < 4; i++) this.fast[i] = this.noise.nextUint32() | 0;
    this.burstRng = new SeededRandom((seed ^ 0x5bd1e995) >>> 0);
    if (options.ebN0Db !== undefined && options.bitErrorRate !== undefined) {
      throw invalid('give at most one of ebN0Db and bitErrorRate');
    }
    if (options.bitErrorRate !== undefined) {
      this.good = { kind: 'flip', p: checkNumber(options.bitErrorRate, 'bitErrorRate', 0, 1) };
    } else if (options.ebN0Db !== undefined) {
      this.good = this.awgn(checkNumber(options.ebN0Db, 'ebN0Db', -Infinity, Infinity));
    } else {
      this.good = { kind: 'none' };
    }
    const b = options.bursts;
    if (b !== undefined) {
      checkNumber(b.meanGapMs, 'bursts.meanGapMs', 0, Number.MAX_SAFE_INTEGER, true);
      checkNumber(b.meanDurationMs, 'bursts.meanDurationMs', 0, Number.MAX_SAFE_INTEGER, true);
      this.bursts = { ...b };
      this.bad = this.awgn(checkNumber(b.ebN0Db, 'bursts.ebN0Db', -Infinity, Infinity));
    }
    if (options.contacts !== undefined) {
      if (!Array.isArray(options.contacts)) throw invalid('contacts must be an array');
      const ws = options.contacts.map((w, i) => {
        const s = checkNumber(w?.startMs, `contacts[${i}].startMs`, -Infinity, Infinity);
        const e = checkNumber(w?.endMs, `contacts[${i}].endMs`, -Infinity, Infinity);
        if (!(e > s)) throw invalid(`contacts[${i}] must end after it starts`);
        return { startMs: s, endMs: e };
      });
      ws.sort((x, y) => x.startMs - y.startMs);
      const merged: ContactWindow[] = [];
      for (const w of ws) {
        const last = merged[merged.length - 1];
        if (last !== undefined && w.startMs <= last.endMs)
          last.endMs = Math.max(last.endMs, w.endMs);
        else merged.push(w);
      }
      this.contacts = merged;
    }
    const now = clock.now();
    this.txEnd = now;
    this.stateStartMs = now;
    this.stateEndMs = this.bursts === undefined ? Infinity : now + this.exp(this.bursts.meanGapMs);
  }

  /** Clock time at which the transmitter is idle (its last queued symbol has left). */
  get idleAt(): number {
    return this.txEnd;
  }

  /** The counters so far (a copy). */
  get stats(): PhysicalChannelStats {
    return { ...this.counters };
  }

  /** Whether a symbol leaving at `timeMs` reaches the receiver (inside a contact window). */
  isInContact(timeMs: number): boolean {
    const c = this.contacts;
    if (c === undefined) return true;
    const i = this.windowIndex(timeMs);
    const w = c[i];
    return w !== undefined && w.startMs <= timeMs;
  }

  /**
   * The contact window in progress at `timeMs`, or else the next one; undefined when none is
   * left. Without a pass plan: one window that never ends.
   */
  nextContact(timeMs: number): ContactWindow | undefined {
    const c = this.contacts;
    if (c === undefined) return { startMs: -Infinity, endMs: Infinity };
    const w = c[this.windowIndex(timeMs)];
    return w === undefined ? undefined : { ...w };
  }

  /**
   * Changes the Eb/N0 (dB) outside bursts from now on, e.g. from a link budget that changes over
   * a pass; chunks delivered from now on get it (it replaces a `bitErrorRate`). `Infinity`:
   * noiseless; `-Infinity`: no signal.
   */
  setEbN0Db(db: number): void {
    this.good = this.awgn(checkNumber(db, 'ebN0Db', -Infinity, Infinity));
  }

  /**
   * Queues packed channel bits (MSB first) for transmission after anything already queued.
   * Returns the clock time at which its last symbol has left the antenna. Throws
   * `INVALID_STATE` after {@link close}, `LIMIT_EXCEEDED` when the backlog would pass
   * `maxQueuedSymbols`, `INVALID_ARGUMENT` for a bad `bitCount`.
   */
  transmit(bits: Uint8Array, bitCount: number = bits.length * 8): number {
    if (this.closed) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'channel is closed');
    if (!(bits instanceof Uint8Array)) throw invalid('bits must be a Uint8Array');
    if (!Number.isInteger(bitCount) || bitCount < 0 || bitCount > bits.length * 8) {
      throw invalid(`bitCount must be an integer from 0 to ${bits.length * 8}, got ${bitCount}`);
    }
    const now = this.clock.now();
    const start = Math.max(now, this.txEnd);
    if (bitCount === 0) return start;
    const backlog = (start - now) / this.symbolMs + bitCount;
    if (backlog > this.maxQueued) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `transmit backlog of ${Math.ceil(backlog)} symbols exceeds ${this.maxQueued}`,
      );
    }
    const end = start + bitCount * this.symbolMs;
    this.txEnd = end;
    this.counters.symbolsSent += bitCount;
    // in-contact runs [from, to) of symbol indices
    const runs: [number, number][] = [];
    if (this.contacts === undefined) runs.push([0, bitCount]);
    else {
      for (let i = this.windowIndex(start); i < this.contacts.length; i++) {
        const w = this.contacts[i]!;
        if (w.startMs >= end) break;
        const from = Math.max(0, Math.ceil((w.startMs - start) / this.symbolMs - EPS));
        const to = Math.min(bitCount, Math.ceil((w.endMs - start) / this.symbolMs - EPS));
        if (to > from) runs.push([from, to]);
      }
    }
    let kept = 0;
    for (const [from, to] of runs) {
      for (let k = from; k < to; k += this.maxChunk) {
        const n = Math.min(this.maxChunk, to - k);
        kept += n;
        const chunk: Chunk = {
          bits: extractBits(bits, k, n),
          count: n,
          startMs: start + k * this.symbolMs,
        };
        const arrival = start + (k + n) * this.symbolMs + this.lightTimeMs;
        const id = this.clock.setTimer(arrival - now, () => {
          this.timers.delete(id);
          this.deliver(chunk);
        });
        this.timers.add(id);
      }
    }
    this.counters.symbolsLostToOutage += bitCount - kept;
    if (this.idleTimer !== undefined) {
      this.clock.cancelTimer(this.idleTimer);
      this.timers.delete(this.idleTimer);
    }
    const idleId = this.clock.setTimer(end - now, () => {
      this.timers.delete(idleId);
      if (this.idleTimer === idleId) this.idleTimer = undefined;
      if (!this.closed && this.clock.now() >= this.txEnd) this.onIdle?.();
    });
    this.idleTimer = idleId;
    this.timers.add(idleId);
    return end;
  }

  /** Cancels every pending delivery; further transmits throw `INVALID_STATE`. */
  close(): void {
    this.closed = true;
    for (const id of this.timers) this.clock.cancelTimer(id);
    this.timers.clear();
    this.idleTimer = undefined;
  }

  /** Index of the first window that ends after `t` (contacts.length when none). */
  private windowIndex(t: number): number {
    const c = this.contacts!;
    let lo = 0;
    let hi = c.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid]!.endMs <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private exp(mean: number): number {
    let u = 0;
    while (u === 0) u = this.burstRng.next();
    return -mean * Math.log(u);
  }

  private awgn(ebN0Db: number): Impairment {
    if (ebN0Db === Infinity) return { kind: 'none' };
    if (ebN0Db === -Infinity) {
      return { kind: 'awgn', table: aliasTable(0, 1, this.softScale), signal: false };
    }
    const esN0 = 10 ** ((ebN0Db + 10 * Math.log10(this.codeRate)) / 10);
    const sigma = Math.sqrt(1 / (2 * esN0));
    return { kind: 'awgn', table: aliasTable(1, sigma, this.softScale), signal: true };
  }

  /** Moves the burst process to departure time `t`. */
  private advanceBursts(t: number): void {
    const b = this.bursts;
    if (b === undefined) return;
    while (t >= this.stateEndMs) {
      if (this.inBurst) this.counters.burstMs += this.stateEndMs - this.stateStartMs;
      else this.counters.burstCount++;
      this.inBurst = !this.inBurst;
      this.stateStartMs = this.stateEndMs;
      this.stateEndMs += this.exp(this.inBurst ? b.meanDurationMs : b.meanGapMs);
    }
  }

  private deliver(chunk: Chunk): void {
    if (this.closed) return;
    const { bits, count, startMs } = chunk;
    const out = this.soft ? new Uint8Array(count) : bits;
    let k = 0;
    while (k < count) {
      this.advanceBursts(startMs + k * this.symbolMs);
      let to = count;
      if (this.stateEndMs !== Infinity) {
        to = Math.min(
          count,
          Math.max(k + 1, Math.ceil((this.stateEndMs - startMs) / this.symbolMs - EPS)),
        );
      }
      const imp = this.inBurst ? this.bad! : this.good;
      this.counters.hardSymbolErrors += this.soft
        ? this.corruptSoft(bits, out, k, to, imp)
        : this.corruptHard(out, k, to, imp);
      k = to;
    }
    this.counters.symbolsDelivered += count;
    this.onSymbols(out, count);
  }

  /** Writes soft symbols [from, to) of `bits` into `out`; returns the hard errors. */
  private corruptSoft(
    bits: Uint8Array,
    out: Uint8Array,
    from: number,
    to: number,
    imp: Impairment,
  ): number {
    if (imp.kind === 'awgn') {
      const thr = imp.table.threshold;
      const alias = imp.table.alias;
      // sfc32 inlined on local state (the generator of SeededRandom, seeded from it)
      const st = this.fast;
      let a = st[0]!;
      let b = st[1]!;
      let c = st[2]!;
      let d = st[3]!;
      let errors = 0;
      const signal = imp.signal;
      for (let k = from; k < to; k++) {
        const u = (((a + b) | 0) + d) | 0;
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (c << 21) | (c >>> 11);
        c = (c + u) | 0;
        const col = u >>> 24;
        const v = (u & 0xffffff) < thr[col]! ? col : alias[col]!;
        const bit = (bits[k >> 3]! >> (7 - (k & 7))) & 1;
        if (signal) {
          // a 0 is the mirror image of a 1 (255 - v = v ^ 255); wrong decision when v < 128
          out[k] = v ^ ((bit ^ 1) * 255);
          errors += (v >> 7) ^ 1;
        } else {
          out[k] = v;
          errors += bit ^ (v >> 7);
        }
      }
      st[0] = a;
      st[1] = b;
      st[2] = c;
      st[3] = d;
      return errors;
    }
    for (let k = from; k < to; k++) out[k] = ((bits[k >> 3]! >> (7 - (k & 7))) & 1) * 255;
    if (imp.kind === 'none') return 0;
    let errors = 0;
    for (let k = this.nextFlip(from - 1, imp.p); k < to; k = this.nextFlip(k, imp.p)) {
      out[k] = 255 - out[k]!;
      errors++;
    }
    return errors;
  }

  /** Flips hard symbols [from, to) of the packed `out` in place; returns the flips. */
  private corruptHard(out: Uint8Array, from: number, to: number, imp: Impairment): number {
    if (imp.kind === 'none') return 0;
    const p = imp.kind === 'flip' ? imp.p : imp.signal ? imp.table.flip : 0.5;
    let errors = 0;
    for (let k = this.nextFlip(from - 1, p); k < to; k = this.nextFlip(k, p)) {
      out[k >> 3] = out[k >> 3]! ^ (0x80 >> (k & 7));
      errors++;
    }
    return errors;
  }

  /** Index of the next flipped symbol after `k` (geometric gaps: independent flips with p). */
  private nextFlip(k: number, p: number): number {
    if (p <= 0) return Infinity;
    if (p >= 1) return k + 1;
    let u = 0;
    while (u === 0) u = this.noise.next();
    return k + 1 + Math.floor(Math.log(u) / Math.log1p(-p));
  }
}
