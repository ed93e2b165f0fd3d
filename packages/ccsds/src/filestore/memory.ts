/**
 * `MemoryFileStore`: a portable {@link FileStore} held in memory, for tests, simulations and
 * browsers. It follows the same rules as the native store (path rules of `paths.ts`, the
 * 727.0-B-5 §5.4 filestore actions of `actions.ts`) and passes the same compliance suite.
 *
 * Files are stored sparsely in pages of 64 KiB: a hole costs no memory and reads as zeros.
 * A handle keeps its file alive after a rename or removal, as on POSIX systems. The store has
 * no symbolic links. An optional capacity bounds the octets of file pages it holds.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import { executeFilestoreRequest, type FilestorePrimitives } from './actions.js';
import type {
  DirectoryEntry,
  FileHandle,
  FileStat,
  FileStore,
  FilestoreAction,
  FilestoreResult,
} from './filestore.js';
import { TEMP_FOLDER, checkOffset, checkReadTarget, storePathSegments, tempName } from './paths.js';

const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
/** Largest single read, in octets (reads beyond the end of a file are cut to its size first). */
const MAX_READ = 1 << 30;

interface FileNode {
  kind: 'file';
  pages: Map<number, Uint8Array>;
  size: number;
  modifiedMs: number;
  /** Removed or replaced: no longer in the tree nor counted against the capacity. */
  detached: boolean;
}

interface DirNode {
  kind: 'dir';
  children: Map<string, Node>;
  modifiedMs: number;
}

type Node = FileNode | DirNode;

/** Options of {@link MemoryFileStore}. */
export interface MemoryFileStoreOptions {
  /** Most octets of file pages the store may hold (default: no limit). Exceeding it throws `LIMIT_EXCEEDED`. */
  capacity?: number;
  /** Clock for modification times (default `Date.now`). */
  now?: () => number;
}

function invalid(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/** A {@link FileStore} in memory; see the module comment. */
export class MemoryFileStore implements FileStore {
  private readonly root: DirNode;
  private readonly now: () => number;
  private readonly capacity: number;
  private used = 0;
  private tempCounter = 0;

  /** Creates an empty store. */
  constructor(options: MemoryFileStoreOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.capacity = options.capacity ?? Number.POSITIVE_INFINITY;
    this.root = { kind: 'dir', children: new Map(), modifiedMs: this.now() };
  }

  /** Octets of file pages currently held (holes are free). */
  get usedOctets(): number {
    return this.used;
  }

  private lookup(segs: readonly string[]): Node | undefined {
    let node: Node = this.root;
    for (const s of segs) {
      if (node.kind !== 'dir') return undefined;
      const next = node.children.get(s);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /** The parent directory of `segs` and the last segment; throws if the parent is missing. */
  private parentOf(segs: readonly string[], path: string): { dir: DirNode; name: string } {
    const name = segs[segs.length - 1];
    if (name === undefined) throw invalid('the root is not a file');
    const dir = this.lookup(segs.slice(0, -1));
    if (dir === undefined || dir.kind !== 'dir') {
      throw invalid(`parent folder of ${JSON.stringify(path)} does not exist`);
    }
    return { dir, name };
  }

  private statOf(node: Node): FileStat {
    return {
      size: node.kind === 'file' ? node.size : 0,
      isDirectory: node.kind === 'dir',
      modifiedMs: node.modifiedMs,
    };
  }

  /** {@inheritDoc FileStore.stat} */
  async stat(path: string): Promise<FileStat | undefined> {
    const node = this.lookup(storePathSegments(path));
    return node === undefined ? undefined : this.statOf(node);
  }

  /** {@inheritDoc FileStore.openRead} */
  async openRead(path: string): Promise<FileHandle> {
    const node = this.lookup(storePathSegments(path));
    if (node === undefined) throw invalid(`no such file: ${JSON.stringify(path)}`);
    if (node.kind !== 'file') throw invalid(`is a directory: ${JSON.stringify(path)}`);
    return new MemoryFileHandle(this, node, false);
  }

  /** {@inheritDoc FileStore.openWrite} */
  async openWrite(path: string, options: { truncate?: boolean } = {}): Promise<FileHandle> {
    const segs = storePathSegments(path);
    const { dir, name } = this.parentOf(segs, path);
    let node = dir.children.get(name);
    if (node !== undefined && node.kind === 'dir') {
      throw invalid(`is a directory: ${JSON.stringify(path)}`);
    }
    if (node === undefined) {
      node = { kind: 'file', pages: new Map(), size: 0, modifiedMs: this.now(), detached: false };
      dir.children.set(name, node);
      dir.modifiedMs = this.now();
    } else if (options.truncate === true) {
      this.empty(node);
    }
    return new MemoryFileHandle(this, node, true);
  }

  /** {@inheritDoc FileStore.list} The private temporary folder is not listed. */
  async list(path: string): Promise<DirectoryEntry[]> {
    const segs = storePathSegments(path);
    const node = this.lookup(segs);
    if (node === undefined) throw invalid(`no such directory: ${JSON.stringify(path)}`);
    if (node.kind !== 'dir') throw invalid(`not a directory: ${JSON.stringify(path)}`);
    const out: DirectoryEntry[] = [];
    for (const [name, child] of node.children) {
      if (segs.length === 0 && name === TEMP_FOLDER) continue;
      out.push({ name, ...this.statOf(child) });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** {@inheritDoc FileStore.rename} */
  async rename(from: string, to: string): Promise<void> {
    const fs = storePathSegments(from);
    const ts = storePathSegments(to);
    const src = this.parentOf(fs, from);
    const node = src.dir.children.get(src.name);
    if (node === undefined) throw invalid(`no such file: ${JSON.stringify(from)}`);
    const dst = this.parentOf(ts, to);
    if (fs.join('/') === ts.join('/')) return;
    if (node.kind === 'dir' && ts.length > fs.length && fs.every((s, i) => ts[i] === s)) {
      throw invalid(`cannot move ${JSON.stringify(from)} into itself`);
    }
    const existing = dst.dir.children.get(dst.name);
    if (existing !== undefined) {
      if (existing.kind === 'dir') throw invalid(`is a directory: ${JSON.stringify(to)}`);
      if (node.kind === 'dir') throw invalid(`not a directory: ${JSON.stringify(to)}`);
      this.release(existing);
    }
    src.dir.children.delete(src.name);
    dst.dir.children.set(dst.name, node);
    const t = this.now();
    src.dir.modifiedMs = t;
    dst.dir.modifiedMs = t;
  }

  /** {@inheritDoc FileStore.remove} */
  async remove(path: string): Promise<void> {
    const segs = storePathSegments(path);
    const { dir, name } = this.parentOf(segs, path);
    const node = dir.children.get(name);
    if (node === undefined) throw invalid(`no such file: ${JSON.stringify(path)}`);
    if (node.kind === 'dir') throw invalid(`is a directory: ${JSON.stringify(path)}`);
    dir.children.delete(name);
    dir.modifiedMs = this.now();
    this.release(node);
  }

  /** {@inheritDoc FileStore.tempPath} Names are under `.ccsds-tmp/`, hidden from `list('')`. */
  async tempPath(hint: string): Promise<string> {
    let tmp = this.root.children.get(TEMP_FOLDER);
    if (tmp === undefined) {
      tmp = { kind: 'dir', children: new Map(), modifiedMs: this.now() };
      this.root.children.set(TEMP_FOLDER, tmp);
    }
    if (tmp.kind !== 'dir') throw invalid(`${TEMP_FOLDER} exists and is not a directory`);
    for (;;) {
      const unique = `${++this.tempCounter}-${Math.floor(Math.random() * 0x100000000).toString(16)}`;
      const name = tempName(hint, unique);
      if (this.lookup(storePathSegments(name)) === undefined) return name;
    }
  }

  /** {@inheritDoc FileStore.execute} */
  execute(
    action: FilestoreAction,
    firstPath: string,
    secondPath?: string,
  ): Promise<FilestoreResult> {
    const ops: FilestorePrimitives = {
      stat: (p) => this.stat(p),
      openRead: (p) => this.openRead(p),
      openWrite: (p, o) => this.openWrite(p, o),
      rename: (a, b) => this.rename(a, b),
      remove: (p) => this.remove(p),
      makeDirectory: (p) => this.makeDirectory(p),
      removeDirectory: (p) => this.removeDirectory(p),
      identity: async (p) => storePathSegments(p).join('/'),
    };
    return executeFilestoreRequest(ops, action, firstPath, secondPath);
  }

  /** Creates one directory (its parent must exist; the name must be free). */
  async makeDirectory(path: string): Promise<void> {
    const segs = storePathSegments(path);
    const { dir, name } = this.parentOf(segs, path);
    if (dir.children.has(name)) throw invalid(`already exists: ${JSON.stringify(path)}`);
    dir.children.set(name, { kind: 'dir', children: new Map(), modifiedMs: this.now() });
    dir.modifiedMs = this.now();
  }

  /** Removes one empty directory. */
  async removeDirectory(path: string): Promise<void> {
    const segs = storePathSegments(path);
    const { dir, name } = this.parentOf(segs, path);
    const node = dir.children.get(name);
    if (node === undefined) throw invalid(`no such directory: ${JSON.stringify(path)}`);
    if (node.kind !== 'dir') throw invalid(`not a directory: ${JSON.stringify(path)}`);
    if (node.children.size > 0) throw invalid(`directory not empty: ${JSON.stringify(path)}`);
    dir.children.delete(name);
    dir.modifiedMs = this.now();
  }

  // ---- page storage, used by the handles ----

  /** @internal */
  readAt(node: FileNode, offset: number, length: number, into?: Uint8Array): Uint8Array {
    checkOffset(offset);
    checkOffset(length, 'length');
    if (length > MAX_READ) {
      throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, `read of ${length} octets`);
    }
    checkReadTarget(into, length);
    const n = Math.max(0, Math.min(length, node.size - offset));
    // A new array is all zeros already; a caller's buffer gets zeros where the file has holes.
    const out = into === undefined ? new Uint8Array(n) : into.subarray(0, n);
    for (let done = 0; done < n; ) {
      const pos = offset + done;
      const pageNo = Math.floor(pos / PAGE);
      const inPage = pos - pageNo * PAGE;
      const take = Math.min(PAGE - inPage, n - done);
      const page = node.pages.get(pageNo);
      if (page !== undefined) out.set(page.subarray(inPage, inPage + take), done);
      else if (into !== undefined) out.fill(0, done, done + take);
      done += take;
    }
    return out;
  }

  /** @internal */
  writeAt(node: FileNode, offset: number, data: Uint8Array): void {
    checkOffset(offset);
    if (!(data instanceof Uint8Array)) throw invalid('data must be a Uint8Array');
    checkOffset(offset + data.length, 'end of write');
    if (data.length === 0) return; // an empty write changes nothing, as with pwrite(2)
    let fresh = 0;
    if (!node.detached && this.capacity !== Number.POSITIVE_INFINITY) {
      for (let p = Math.floor(offset / PAGE); p * PAGE < offset + data.length; p++) {
        if (!node.pages.has(p)) fresh += PAGE;
      }
    }
    if (this.used + fresh > this.capacity) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `memory filestore capacity of ${this.capacity} octets exceeded`,
      );
    }
    for (let done = 0; done < data.length; ) {
      const pos = offset + done;
      const pageNo = Math.floor(pos / PAGE);
      const inPage = pos - pageNo * PAGE;
      const take = Math.min(PAGE - inPage, data.length - done);
      let page = node.pages.get(pageNo);
      if (page === undefined) {
        page = new Uint8Array(PAGE);
        node.pages.set(pageNo, page);
        if (!node.detached) this.used += PAGE;
      }
      page.set(data.subarray(done, done + take), inPage);
      done += take;
    }
    node.size = Math.max(node.size, offset + data.length);
    node.modifiedMs = this.now();
  }

  private empty(node: FileNode): void {
    if (!node.detached) this.used -= node.pages.size * PAGE;
    node.pages = new Map();
    node.size = 0;
    node.modifiedMs = this.now();
  }

  /** Detaches a file from the tree: open handles keep its contents, the capacity is freed. */
  private release(node: Node): void {
    if (node.kind === 'file' && !node.detached) {
      this.used -= node.pages.size * PAGE;
      node.detached = true;
    }
  }
}

class MemoryFileHandle implements FileHandle {
  private closed = false;

  constructor(
    private readonly store: MemoryFileStore,
    private readonly node: FileNode,
    private readonly writable: boolean,
  ) {}

  private check(): void {
    if (this.closed) throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'file handle is closed');
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    this.check();
    return this.store.readAt(this.node, offset, length, into);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check();
    if (!this.writable) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'file handle is open for reading');
    }
    this.store.writeAt(this.node, offset, data);
  }

  async size(): Promise<number> {
    this.check();
    return this.node.size;
  }

  async sync(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
