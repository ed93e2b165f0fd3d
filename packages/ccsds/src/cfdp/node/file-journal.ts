/**
 * `FileJournal`: the CFDP transaction journal in a state folder (`<dir>/cfdp.journal`).
 *
 * Format: a sequence of records, each `u32 length (big-endian) | u32 CRC-32 of the payload |
 * payload`, where the payload is one {@link JournalRecord} as UTF-8 JSON. Appends are synchronous
 * `write(2)` calls, so a record survives a crash of the process (`kill -9`) as soon as `append`
 * returns; with `fsync: true` it also survives a crash of the machine. Opening reads records up to
 * the first one that is cut short or fails its CRC (a crash in the middle of an append), then
 * compacts: the live records are written to a new file that atomically replaces the old one.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { CcsdsError, CcsdsErrorCode, crc32 } from '../../core/index.js';
import { type JournalRecord, type TransactionJournal, compactJournal } from '../journal.js';

const FILE = 'cfdp.journal';
/** Largest record accepted when reading (a larger length means a damaged file). */
const MAX_RECORD = 16 << 20;

/** Encodes one record with its length and CRC. */
export function frameJournalRecord(record: JournalRecord): Uint8Array {
  const payload = new TextEncoder().encode(JSON.stringify(record));
  const out = new Uint8Array(8 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, payload.length);
  v.setUint32(4, crc32(payload));
  out.set(payload, 8);
  return out;
}

/** Reads records from journal octets; stops at the first damaged or cut record. */
export function readJournalRecords(bytes: Uint8Array): {
  records: JournalRecord[];
  goodLength: number;
} {
  const records: JournalRecord[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder('utf-8', { fatal: true });
  let o = 0;
  while (o + 8 <= bytes.length) {
    const n = v.getUint32(o);
    if (n > MAX_RECORD || o + 8 + n > bytes.length) break;
    const payload = bytes.subarray(o + 8, o + 8 + n);
    if (crc32(payload) !== v.getUint32(o + 4)) break;
    try {
      records.push(JSON.parse(dec.decode(payload)) as JournalRecord);
    } catch {
      break;
    }
    o += 8 + n;
  }
  return { records, goodLength: o };
}

/** Options of {@link FileJournal.open}. */
export interface FileJournalOptions {
  /** fsync after every record (survives power loss; slower). Default false. */
  fsync?: boolean;
}

/** The journal in a state folder; see the module comment. */
export class FileJournal implements TransactionJournal {
  readonly path: string;
  private fd: number;
  private readonly fsync: boolean;
  private readonly loaded: JournalRecord[];
  /** Records appended since opening. */
  appended = 0;

  private constructor(path: string, fd: number, loaded: JournalRecord[], fsync: boolean) {
    this.path = path;
    this.fd = fd;
    this.loaded = loaded;
    this.fsync = fsync;
  }

  /** Opens (creating) the journal in `dir`, recovering and compacting what is there. */
  static open(dir: string, options: FileJournalOptions = {}): FileJournal {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, FILE);
    const bytes = existsSync(path) ? new Uint8Array(readFileSync(path)) : new Uint8Array(0);
    const { records } = readJournalRecords(bytes);
    const live = compactJournal(records);
    const tmp = `${path}.compact`;
    const frames = live.map(frameJournalRecord);
    const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let o = 0;
    for (const f of frames) {
      all.set(f, o);
      o += f.length;
    }
    const fdTmp = openSync(tmp, 'w');
    // One write for the whole compacted journal (recovery of thousands of records stays quick).
    for (let w = 0; w < all.length; ) w += writeSync(fdTmp, all, w, all.length - w);
    fsyncSync(fdTmp);
    closeSync(fdTmp);
    renameSync(tmp, path);
    const fd = openSync(path, 'a');
    return new FileJournal(path, fd, live, options.fsync ?? false);
  }

  /** Appends a record (synchronously written). */
  append(record: JournalRecord): void {
    if (this.fd < 0) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'journal closed');
    writeSync(this.fd, frameJournalRecord(record));
    if (this.fsync) fsyncSync(this.fd);
    this.appended++;
  }

  /** The records found when the journal was opened (compacted). */
  load(): Promise<JournalRecord[]> {
    return Promise.resolve(this.loaded.slice());
  }

  /** Closes the file. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
