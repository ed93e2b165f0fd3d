/** File and standard-stream plumbing for commands: chunked input, buffered per-key output. */
import { createReadStream, createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { CliFailure } from './output.js';

/**
 * The content of a (small) file named by a command-line flag, such as a key or a certificate;
 * one that cannot be read is a usage error (exit 2) saying which flag named it.
 */
export function readFlagFile(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new CliFailure(
      `cannot read ${flag} ${file}: ${e instanceof Error ? e.message : String(e)}`,
      2,
    );
  }
}

/** Chunks of a file, or of standard input for `-`, in 1 MiB reads. */
export function openInput(path: string): AsyncIterable<Uint8Array> {
  if (path === '-') return process.stdin;
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/** A write stream with backpressure-aware writes and a buffered small-write path. */
export class BufferedFileWriter {
  private readonly stream: WriteStream;
  private buf: Uint8Array;
  private used = 0;
  /** Octets written. */
  written = 0;

  constructor(path: string, bufferSize = 256 * 1024) {
    this.stream = createWriteStream(path);
    this.buf = new Uint8Array(bufferSize);
  }

  /** Appends octets; returns a promise only when the OS buffer is full (await it). */
  write(bytes: Uint8Array): Promise<void> | undefined {
    this.written += bytes.length;
    if (this.used + bytes.length > this.buf.length) {
      const p = this.flush();
      if (bytes.length >= this.buf.length) {
        const ok = this.stream.write(bytes.slice());
        return ok && p === undefined
          ? undefined
          : Promise.all([p, ok ? undefined : once(this.stream, 'drain')]).then(() => undefined);
      }
      this.buf.set(bytes, 0);
      this.used = bytes.length;
      return p;
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
    return undefined;
  }

  private flush(): Promise<void> | undefined {
    if (this.used === 0) return undefined;
    const ok = this.stream.write(this.buf.slice(0, this.used));
    this.used = 0;
    return ok ? undefined : once(this.stream, 'drain').then(() => undefined);
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
