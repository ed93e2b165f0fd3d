/**
 * Time is injected (DESIGN.md rule 4): every timer in the stack goes through {@link Clock}.
 * {@link RealClock} uses the host's timers; {@link SimulatedClock} is a deterministic
 * discrete-event scheduler in virtual time, so a 20-minute light time or a 24-hour pass plan
 * runs in milliseconds of real time, identically for the same seed.
 */
import { CcsdsError, CcsdsErrorCode } from './errors.js';
import { SeededRandom } from './random.js';

/** An opaque timer handle returned by {@link Clock.setTimer}. */
export type TimerId = number;

/** The source of time and timers for every engine in the stack. */
export interface Clock {
  /** Current time in milliseconds (Unix epoch for a real clock; virtual for a simulated one). */
  now(): number;
  /** Calls `callback` once, `delayMs` milliseconds from now. */
  setTimer(delayMs: number, callback: () => void): TimerId;
  /** Cancels a timer; unknown or already fired timers are ignored. */
  cancelTimer(id: TimerId): void;
}

/** The host's wall clock and timers (portable: uses `globalThis.setTimeout`). */
export class RealClock implements Clock {
  private readonly handles = new Map<TimerId, ReturnType<typeof setTimeout>>();
  private nextId = 1;

  /** Milliseconds since the Unix epoch. */
  now(): number {
    return Date.now();
  }

  /** Schedules `callback` after `delayMs` real milliseconds. */
  setTimer(delayMs: number, callback: () => void): TimerId {
    const id = this.nextId++;
    const h = setTimeout(
      () => {
        this.handles.delete(id);
        callback();
      },
      Math.max(0, delayMs),
    );
    this.handles.set(id, h);
    return id;
  }

  /** Cancels a pending timer. */
  cancelTimer(id: TimerId): void {
    const h = this.handles.get(id);
    if (h !== undefined) {
      clearTimeout(h);
      this.handles.delete(id);
    }
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.handles.size;
  }
}

interface SimTimer {
  id: TimerId;
  at: number;
  seq: number;
  callback: () => void;
}

/** Options for {@link SimulatedClock}. */
export interface SimulatedClockOptions {
  /** Virtual start time in milliseconds (default 0). */
  startTime?: number;
  /** Seed of {@link SimulatedClock.random} (default 1). */
  seed?: number;
}

/**
 * A deterministic scheduler in virtual time. Timers due at the same instant fire in the order
 * they were set. Nothing happens until the owner calls {@link advance}, {@link runUntil},
 * {@link runUntilIdle} or {@link step}.
 */
export class SimulatedClock implements Clock {
  /** Seeded randomness for anything the simulation must decide (loss, delay, noise). */
  readonly random: SeededRandom;
  private time: number;
  private heap: SimTimer[] = [];
  private live = new Set<TimerId>();
  private nextId = 1;
  private seq = 0;

  constructor(options: SimulatedClockOptions = {}) {
    this.time = options.startTime ?? 0;
    this.random = new SeededRandom(options.seed ?? 1);
  }

  /** Current virtual time in milliseconds. */
  now(): number {
    return this.time;
  }

  /** Schedules `callback` at `now() + max(0, delayMs)`. */
  setTimer(delayMs: number, callback: () => void): TimerId {
    if (!Number.isFinite(delayMs)) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `timer delay must be finite`);
    }
    const id = this.nextId++;
    this.push({ id, at: this.time + Math.max(0, delayMs), seq: this.seq++, callback });
    this.live.add(id);
    return id;
  }

  /** Cancels a pending timer. */
  cancelTimer(id: TimerId): void {
    this.live.delete(id);
  }

  /** Number of timers still pending. */
  get pendingTimers(): number {
    return this.live.size;
  }

  /** Time of the next pending timer, or undefined when idle. */
  nextTimerAt(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /** Fires the next pending timer (advancing time to it). Returns false when idle. */
  step(): boolean {
    this.dropCancelled();
    const t = this.pop();
    if (t === undefined) return false;
    this.live.delete(t.id);
    if (t.at > this.time) this.time = t.at;
    t.callback();
    return true;
  }

  /** Fires every timer due up to `time` (inclusive), then sets the clock to `time`. */
  runUntil(time: number): void {
    for (;;) {
      const at = this.nextTimerAt();
      if (at === undefined || at > time) break;
      this.step();
    }
    if (time > this.time) this.time = time;
  }

  /** Advances virtual time by `ms`, firing every timer that falls due. */
  advance(ms: number): void {
    this.runUntil(this.time + ms);
  }

  /**
   * Fires timers until none is pending. Throws `LIMIT_EXCEEDED` after `maxSteps` timers, which
   * catches simulations that never settle.
   * @returns the number of timers fired
   */
  runUntilIdle(maxSteps = 10_000_000): number {
    let n = 0;
    while (this.step()) {
      if (++n >= maxSteps) {
        throw new CcsdsError(
          CcsdsErrorCode.LIMIT_EXCEEDED,
          `simulation still busy after ${n} timers`,
        );
      }
    }
    return n;
  }

  /** Runs until `predicate()` is true or no timer is pending; returns the predicate's value. */
  runUntilCondition(predicate: () => boolean, maxSteps = 10_000_000): boolean {
    let n = 0;
    while (!predicate()) {
      if (!this.step()) return predicate();
      if (++n >= maxSteps) {
        throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, `condition not met after ${n} timers`);
      }
    }
    return true;
  }

  /**
   * Runs the simulation when the code under test is asynchronous (promises, async file I/O):
   * between timers it yields to the host so that every pending promise job runs, and it stops
   * when `until()` holds, when virtual time would pass `untilTime`, or when nothing is left to
   * do. Returns whether `until()` held (true when no predicate is given and the run ended).
   */
  async runAsync(
    options: { until?: () => boolean; untilTime?: number; maxSteps?: number } = {},
  ): Promise<boolean> {
    const max = options.maxSteps ?? 10_000_000;
    const done = (): boolean => options.until?.() ?? false;
    for (let i = 0; i < max; i++) {
      await yieldToHost();
      if (done()) return true;
      const next = this.nextTimerAt();
      if (options.untilTime !== undefined && (next === undefined || next > options.untilTime)) {
        this.runUntil(options.untilTime);
        await yieldToHost();
        return options.until === undefined ? true : done();
      }
      if (next === undefined) {
        await yieldToHost();
        if (this.nextTimerAt() !== undefined) continue;
        return options.until === undefined ? true : done();
      }
      this.step();
    }
    throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, `simulation still busy after ${max} steps`);
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && !this.live.has(this.heap[0]!.id)) this.pop();
  }

  private less(a: SimTimer, b: SimTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(t: SimTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): SimTimer | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Lets every pending promise job run: resolves on the host's next macrotask turn
 * (`setImmediate` where it exists, else a `MessageChannel` message, else `setTimeout`).
 */
export function yieldToHost(): Promise<void> {
  const g = globalThis as unknown as {
    setImmediate?: (cb: () => void) => void;
    MessageChannel?: new () => {
      port1: { onmessage: (() => void) | null; close(): void };
      port2: { postMessage(v: unknown): void; close(): void };
    };
  };
  if (g.setImmediate !== undefined) {
    const si = g.setImmediate;
    return new Promise((r) => si(r));
  }
  if (g.MessageChannel !== undefined) {
    const ch = new g.MessageChannel();
    return new Promise((r) => {
      ch.port1.onmessage = () => {
        ch.port1.close();
        ch.port2.close();
        r();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}
