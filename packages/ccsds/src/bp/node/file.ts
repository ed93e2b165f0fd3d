/**
 * ION's File convergence layer on real files (`node:fs`): {@link FileClaWriter} appends one
 * frame per bundle (one write per frame, file opened for appending); {@link FileClaReader}
 * polls a file and reads it exactly as ION's reader does (`readFileClaFrame`): it waits at the
 * end of the file for partial frames, skips frames with a bad data CRC, steps on 8 octets after
 * a bad length CRC, and remembers its read position across restarts in a small position file
 * (written atomically after every frame it consumes). Memory is bounded by one frame.
 * {@link FileConvergenceLayer} pairs them as a convergence layer addressed `file:///path`.
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { resolve } from 'node:path';
import {
  CcsdsError,
  CcsdsErrorCode,
  type Clock,
  RealClock,
  type TimerId,
  TypedEmitter,
} from '../../core/index.js';
import type { TransportEvents } from '../../transport/index.js';
import type { ClaStats, ConvergenceLayer } from '../cla.js';
import {
  FILE_CLA_DEFAULT_MAX_BUNDLE_LENGTH,
  FILE_CLA_OVERHEAD,
  type FileClaReadResult,
  encodeFileClaFrame,
  readFileClaFrame,
} from '../file-cla.js';

/** Appends File CLA frames to a file. */
export class FileClaWriter {
  constructor(readonly path: string) {}

  /** Appends one frame (created if missing). */
  write(bundle: Uint8Array): void {
    const frame = encodeFileClaFrame(bundle);
    const fd = openSync(this.path, 'a');
    try {
      let off = 0;
      while (off < frame.length) off += writeSync(fd, frame, off, frame.length - off);
    } finally {
      closeSync(fd);
    }
  }
}

/** Options of {@link FileClaReader}. */
export interface FileClaReaderOptions {
  /** Where the read position is kept (default `<path>.pos`; null: not kept). */
  positionFile?: string | null;
  /** Poll interval while waiting at the end of the file, ms (default 100). */
  pollIntervalMs?: number;
  /** Largest bundle (default 1 MiB, as ION). */
  maxBundleLength?: number;
  clock?: Clock;
}

/** Events of {@link FileClaReader}: every reader call's result. */
export type FileClaReaderEvents = {
  bundle: [bundle: Uint8Array, offset: number];
  error: [error: CcsdsError, offset: number];
  result: [result: FileClaReadResult];
};

/** Polls a File CLA file; see the module comment. */
export class FileClaReader {
  readonly events = new TypedEmitter<FileClaReaderEvents>();
  /** Offset of the next frame to read. */
  position = 0;
  private readonly positionFile: string | null;
  private readonly poll: number;
  private readonly max: number;
  private readonly clock: Clock;
  private timer: TimerId | undefined;
  private stopped = true;
  private lastWaitNext = -1;

  constructor(
    readonly path: string,
    options: FileClaReaderOptions = {},
  ) {
    this.positionFile = options.positionFile === undefined ? `${path}.pos` : options.positionFile;
    this.poll = options.pollIntervalMs ?? 100;
    this.max = options.maxBundleLength ?? FILE_CLA_DEFAULT_MAX_BUNDLE_LENGTH;
    this.clock = options.clock ?? new RealClock();
    if (this.positionFile !== null && existsSync(this.positionFile)) {
      const n = Number(readFileSync(this.positionFile, 'utf8').trim());
      if (Number.isSafeInteger(n) && n >= 0) this.position = n;
    }
  }

  private savePosition(): void {
    if (this.positionFile === null) return;
    const tmp = `${this.positionFile}.tmp`;
    writeFileSync(tmp, `${this.position}\n`);
    renameSync(tmp, this.positionFile);
  }

  /**
   * Reads every frame available now, emitting results, and returns them (the last is the
   * `waiting` result at the end of the data).
   */
  readAvailable(): FileClaReadResult[] {
    const out: FileClaReadResult[] = [];
    if (!existsSync(this.path)) return out;
    const fd = openSync(this.path, 'r');
    try {
      for (;;) {
        const head = new Uint8Array(8);
        const got = readSync(fd, head, 0, 8, this.position);
        let r: FileClaReadResult;
        if (got < 8) r = readFileClaFrame(head.subarray(0, got), this.position, this.max);
        else {
          r = readFileClaFrame(head, this.position, this.max);
          if (r.result === 'waiting' && r.needed > 0) {
            const frame = new Uint8Array(Math.min(r.needed, this.max + FILE_CLA_OVERHEAD));
            const n = readSync(fd, frame, 0, frame.length, this.position);
            r = readFileClaFrame(frame.subarray(0, n), this.position, this.max);
          }
        }
        out.push(r);
        if (r.result === 'waiting') {
          if (r.next !== this.lastWaitNext) {
            this.lastWaitNext = r.next;
            this.events.emit('result', r);
          }
          return out;
        }
        this.lastWaitNext = -1;
        this.position = r.next;
        this.savePosition();
        this.events.emit('result', r);
        if (r.result === 'bundle') this.events.emit('bundle', r.bundle.slice(), r.offset);
        else this.events.emit('error', r.error, r.offset);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Starts polling. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = (): void => {
      this.timer = undefined;
      if (this.stopped) return;
      try {
        this.readAvailable();
      } catch (e) {
        this.events.emit(
          'error',
          e instanceof CcsdsError
            ? e
            : new CcsdsError(CcsdsErrorCode.INVALID_STATE, String(e), { cause: e }),
          this.position,
        );
      }
      if (!this.stopped) this.timer = this.clock.setTimer(this.poll, tick);
    };
    tick();
  }

  /** Stops polling. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.cancelTimer(this.timer);
    this.timer = undefined;
  }
}

function pathOf(address: string): string {
  if (typeof address !== 'string' || !address.startsWith('file://') || address.length <= 7) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `not a file:// address: ${JSON.stringify(address)}`,
    );
  }
  return decodeURIComponent(address.slice('file://'.length));
}

/** Options of {@link FileConvergenceLayer}. */
export interface FileClaOptions extends FileClaReaderOptions {
  /** The file this layer reads (its inbox). */
  inbox: string;
}

/**
 * File convergence layer: `send(to)` appends to the file `to` names (`file:///path`); bundles
 * appended to `inbox` by anyone arrive as messages with `from` = this layer's address (a file
 * does not say who wrote it).
 */
export class FileConvergenceLayer implements ConvergenceLayer {
  readonly protocol = 'file';
  readonly events = new TypedEmitter<TransportEvents>();
  readonly stats: ClaStats = { bundlesSent: 0, bundlesReceived: 0, dropped: 0 };
  readonly address: string;
  readonly maxMessageLength: number;
  readonly reader: FileClaReader;
  private closed = false;

  constructor(options: FileClaOptions) {
    const inbox = resolve(options.inbox);
    this.address = `file://${inbox}`;
    this.maxMessageLength = options.maxBundleLength ?? FILE_CLA_DEFAULT_MAX_BUNDLE_LENGTH;
    this.reader = new FileClaReader(inbox, options);
    this.reader.events.on('bundle', (b) => {
      this.stats.bundlesReceived++;
      try {
        this.events.emit('message', b, this.address);
      } catch (e) {
        this.events.emit('error', e instanceof Error ? e : new Error(String(e)));
      }
    });
    this.reader.events.on('error', (e) => {
      this.stats.dropped++;
      try {
        this.events.emit('error', e);
      } catch {
        // error listeners failing must not stop the reader
      }
    });
    this.reader.start();
  }

  /** {@inheritDoc Transport.send} */
  async send(to: string, bundle: Uint8Array): Promise<void> {
    if (this.closed)
      throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'convergence layer is closed');
    if (!(bundle instanceof Uint8Array) || bundle.length === 0) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'a bundle is a non-empty Uint8Array');
    }
    if (bundle.length > this.maxMessageLength) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `bundle of ${bundle.length} octets exceeds the file convergence layer maximum of ${this.maxMessageLength} octets`,
      );
    }
    new FileClaWriter(pathOf(to)).write(bundle);
    this.stats.bundlesSent++;
  }

  /** Stops reading. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.reader.stop();
  }
}
