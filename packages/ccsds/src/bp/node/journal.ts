/**
 * `JournalBundleStore`: the agent's store as one append-only journal file in the state folder,
 * `bundles.journal`, written in batches. Each `put` and `delete` becomes a record; the records of
 * one turn of the event loop are written together with one `write` at its end (group commit),
 * and a bundle stored and deleted within the same turn never reaches the disk. So a forwarding
 * agent costs one write per batch instead of a file creation, a rename and a removal per bundle
 * (what {@link DirectoryBundleStore} does). A crash loses at most the records of the last turn.
 *
 * A record is `kind (1 octet: 1 put, 2 delete) | length (4 octets, big-endian) | CRC-32C of the
 * body (4 octets) | body`; a put's body is `receivedAt (float64) | id length (2) | id | bundle`,
 * a delete's is the id. On start the journal is replayed up to the first record that is torn or
 * fails its CRC (a crash in the middle of a write), and cut there. When the file holds more than
 * twice the live records (and at least `compactAtBytes`), the live records are written to a new
 * file that replaces it (write, fsync, rename). Entries of a {@link DirectoryBundleStore} found
 * in the folder (`*.bundle`) are taken over into the journal and their files removed.
 */
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '../../core/index.js';
import type { BundleStore } from '../agent.js';
import { DirectoryBundleStore } from './store.js';

const PUT = 1;
const DELETE = 2;
const HEADER = 9;
/** Largest record accepted on replay (a bundle of 64 MiB and its id). */
const MAX_RECORD = (64 << 20) + 65_546;

/** Options of {@link JournalBundleStore}. */
export interface JournalBundleStoreOptions {
  /** fsync after each batch (default false: the data reaches the OS at once, the disk later). */
  fsync?: boolean;
  /** Compact only once the file is at least this large (default 1 MiB). */
  compactAtBytes?: number;
}

interface Entry {
  bundle: Uint8Array;
  receivedAt: number;
  /** Octets of its put record. */
  size: number;
}

const te = new TextEncoder();
const td = new TextDecoder();

function record(kind: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + body.length);
  const dv = new DataView(out.buffer);
  out[0] = kind;
  dv.setUint32(1, body.length);
  dv.setUint32(5, crc32c(body));
  out.set(body, HEADER);
  return out;
}

function putRecord(id: Uint8Array, bundle: Uint8Array, receivedAt: number): Uint8Array {
  const body = new Uint8Array(10 + id.length + bundle.length);
  const dv = new DataView(body.buffer);
  dv.setFloat64(0, receivedAt);
  dv.setUint16(8, id.length);
  body.set(id, 10);
  body.set(bundle, 10 + id.length);
  return record(PUT, body);
}

/**
 * Replays journal octets: calls `put`/`del` for each whole, intact record and returns the
 * length of the valid prefix (where a torn or corrupt record starts, or the end).
 */
export function replayJournal(
  bytes: Uint8Array,
  put: (id: string, bundle: Uint8Array, receivedAt: number) => void,
  del: (id: string) => void,
): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = 0;
  while (at + HEADER <= bytes.length) {
    const kind = bytes[at]!;
    const n = dv.getUint32(at + 1);
    if ((kind !== PUT && kind !== DELETE) || n > MAX_RECORD || at + HEADER + n > bytes.length)
      break;
    const body = bytes.subarray(at + HEADER, at + HEADER + n);
    if (crc32c(body) !== dv.getUint32(at + 5)) break;
    if (kind === PUT) {
      if (n < 10) break;
      const idLen = (body[8]! << 8) | body[9]!;
      if (10 + idLen > n) break;
      const receivedAt = new DataView(body.buffer, body.byteOffset, 8).getFloat64(0);
      put(td.decode(body.subarray(10, 10 + idLen)), body.subarray(10 + idLen), receivedAt);
    } else del(td.decode(body));
    at += HEADER + n;
  }
  return at;
}

/** A {@link BundleStore} in a journal file; see the module comment. */
export class JournalBundleStore implements BundleStore {
  /** The journal file. */
  readonly file: string;
  private fd: number;
  private readonly live = new Map<string, Entry>();
  private liveBytes = 0;
  private fileBytes: number;
  private pending: (Uint8Array | undefined)[] = [];
  /** Puts not yet written, by id: index in `pending`, and whether an older put is on disk. */
  private readonly pendingPut = new Map<string, { index: number; older: boolean }>();
  private scheduled = false;
  private closed = false;
  private readonly fsync: boolean;
  private readonly compactAt: number;
  /** Batches written and compactions done. */
  readonly stats = { batches: 0, compactions: 0 };

  constructor(
    readonly dir: string,
    options: JournalBundleStoreOptions = {},
  ) {
    this.fsync = options.fsync ?? false;
    this.compactAt = options.compactAtBytes ?? 1 << 20;
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'bundles.journal');
    let bytes: Uint8Array = new Uint8Array(0);
    try {
      bytes = new Uint8Array(readFileSync(this.file));
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
    const valid = replayJournal(
      bytes,
      (id, bundle, receivedAt) => this.remember(id, bundle.slice(), receivedAt),
      (id) => this.forget(id),
    );
    this.fd = openSync(this.file, 'a');
    if (valid < bytes.length) ftruncateSync(this.fd, valid); // a torn tail from a crash
    this.fileBytes = valid;
    // Take over the entries of a DirectoryBundleStore in the same folder.
    const legacy = new DirectoryBundleStore(dir);
    const old = [...legacy.load()];
    if (old.length > 0) {
      for (const e of old) this.put(e.id, e.bundle.slice(), e.receivedAt);
      this.flush();
      for (const e of old) legacy.delete(e.id);
    }
  }

  private remember(id: string, bundle: Uint8Array, receivedAt: number): void {
    this.forget(id);
    const size = HEADER + 10 + te.encode(id).length + bundle.length;
    this.live.set(id, { bundle, receivedAt, size });
    this.liveBytes += size;
  }

  private forget(id: string): boolean {
    const e = this.live.get(id);
    if (e === undefined) return false;
    this.live.delete(id);
    this.liveBytes -= e.size;
    return true;
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Stores a bundle; its record is written with the others of this turn of the event loop. */
  put(id: string, bundle: Uint8Array, receivedAt: number): void {
    const older = this.live.has(id);
    this.remember(id, bundle, receivedAt);
    const p = this.pendingPut.get(id);
    const r = putRecord(te.encode(id), bundle, receivedAt);
    if (p !== undefined) this.pending[p.index] = r;
    else {
      this.pendingPut.set(id, { index: this.pending.length, older });
      this.pending.push(r);
    }
    this.schedule();
  }

  /** Deletes a bundle (nothing reaches the disk if it was stored in this same turn). */
  delete(id: string): void {
    if (!this.forget(id)) return;
    const p = this.pendingPut.get(id);
    if (p !== undefined) {
      // Stored and deleted within one batch: neither reaches the disk (unless an older put of
      // the same id is on disk: then the delete is still needed).
      this.pending[p.index] = undefined;
      this.pendingPut.delete(id);
      if (!p.older) return;
    }
    this.pending.push(record(DELETE, te.encode(id)));
    this.schedule();
  }

  /** The stored bundles (replayed from the journal on start). */
  load(): Iterable<{ id: string; bundle: Uint8Array; receivedAt: number }> {
    return [...this.live].map(([id, e]) => ({ id, bundle: e.bundle, receivedAt: e.receivedAt }));
  }

  /** Bundles in the store. */
  get size(): number {
    return this.live.size;
  }

  /** Writes the pending records now (one write), then compacts if the file is mostly dead. */
  flush(): void {
    if (this.closed) return;
    const recs = this.pending.filter((r): r is Uint8Array => r !== undefined);
    this.pending = [];
    this.pendingPut.clear();
    if (recs.length > 0) {
      let n = 0;
      for (const r of recs) n += r.length;
      const buf = new Uint8Array(n);
      let at = 0;
      for (const r of recs) {
        buf.set(r, at);
        at += r.length;
      }
      for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off);
      if (this.fsync) fsyncSync(this.fd);
      this.fileBytes += n;
      this.stats.batches++;
    }
    if (this.fileBytes >= this.compactAt && this.fileBytes > 2 * this.liveBytes) this.compact();
  }

  private compact(): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    let n = 0;
    try {
      for (const [id, e] of this.live) {
        const r = putRecord(te.encode(id), e.bundle, e.receivedAt);
        for (let off = 0; off < r.length; ) off += writeSync(fd, r, off);
        n += r.length;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    closeSync(this.fd);
    this.fd = openSync(this.file, 'a');
    this.fileBytes = n;
    this.stats.compactions++;
  }

  /** Writes what is pending and closes the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }
}
