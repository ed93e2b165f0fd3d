/**
 * `NativeFileStore`: a {@link FileStore} rooted at a folder of the host, for Node.js (DESIGN.md
 * rule 2: Node-only). Reads and writes are positional, through `node:fs/promises` file
 * handles; nothing reads a whole file into memory (rule 6).
 *
 * Rooting (rule 7): every path goes through the portable path rules (`../paths.ts`: '/'
 * separators, a leading '/' means the root, `..` may not leave it, NUL and backslash refused).
 * Then the real path of the deepest existing ancestor is taken (`realpath`, which resolves every
 * symbolic link) and must lie inside the real path of the root; a dangling symbolic link is
 * refused, because creating a file through it would create the file wherever it points. Files
 * are opened by their resolved real path with `O_NOFOLLOW`, so a link swapped in after the check
 * is not followed for the last component. A symbolic link inside the root that points inside
 * the root is followed for reads and writes; `remove` and `rename` act on the link itself.
 * Only regular files can be opened (no FIFOs or devices).
 *
 * Errors: a refused path, a missing file or folder, a directory where a file is expected (and
 * the like) throw `CcsdsError` `INVALID_ARGUMENT` with the system error as `cause`; other
 * system errors (EACCES, ENOSPC, EIO, EMFILE, ...) are passed on unchanged.
 *
 * The 727.0-B-5 §5.4 filestore actions are those of `../actions.ts`, identical to the memory
 * store's. Temporary files go to `.ccsds-tmp/` under the root, which `list('')` hides.
 */
import { constants, promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import type { FileHandle as NodeFileHandle } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { CcsdsError, CcsdsErrorCode } from '../../core/index.js';
import { executeFilestoreRequest, type FilestorePrimitives } from '../actions.js';
import type {
  DirectoryEntry,
  FileHandle,
  FileStat,
  FileStore,
  FilestoreAction,
  FilestoreResult,
} from '../filestore.js';
import {
  TEMP_FOLDER,
  checkOffset,
  checkReadTarget,
  storePathSegments,
  tempName,
} from '../paths.js';

/** System error codes that mean "this request names something unusable" rather than an I/O failure. */
const BAD_REQUEST_CODES = new Set([
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EEXIST',
  'ENOTEMPTY',
  'ELOOP',
  'EINVAL',
  'ENAMETOOLONG',
  'EXDEV',
  'ENXIO',
  'EBUSY',
]);

/** Reads above this length first look at the file's size, so the buffer is never larger than the data. */
const SIZE_CHECK_THRESHOLD = 1 << 20;
/** Largest single read, in octets. */
const MAX_READ = 1 << 30;

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e
    ? String((e as { code: unknown }).code)
    : undefined;
}

function refused(message: string, cause?: unknown): CcsdsError {
  return new CcsdsError(
    CcsdsErrorCode.INVALID_ARGUMENT,
    message,
    cause === undefined ? {} : { cause },
  );
}

/** Maps an fs error to `INVALID_ARGUMENT` when it means a bad request; rethrows others. */
function mapError(e: unknown, what: string, path: string): never {
  if (e instanceof CcsdsError) throw e;
  const code = codeOf(e);
  if (code !== undefined && BAD_REQUEST_CODES.has(code)) {
    throw refused(`${what} ${JSON.stringify(path)}: ${code}`, e);
  }
  throw e;
}

/** Options of {@link NativeFileStore.open}. */
export interface NativeFileStoreOptions {
  /** Create the root folder (and its parents) if it does not exist (default false). */
  create?: boolean;
}

/** A {@link FileStore} rooted at a host folder; see the module comment. */
export class NativeFileStore implements FileStore {
  /** The root folder as given (made absolute). */
  readonly root: string;
  private realRootPromise: Promise<string> | undefined;
  private tempCounter = 0;

  /**
   * A store rooted at `root`, which must exist (see {@link NativeFileStore.open} to create it).
   * The root's real path is taken on first use.
   */
  constructor(root: string) {
    if (typeof root !== 'string' || root === '' || root.includes('\0')) {
      throw refused('the root folder must be a non-empty path');
    }
    this.root = resolve(root);
  }

  /** Opens (and with `create`, creates) a store rooted at `root`; checks that it is a folder. */
  static async open(root: string, options: NativeFileStoreOptions = {}): Promise<NativeFileStore> {
    const store = new NativeFileStore(root);
    if (options.create === true) await fsp.mkdir(store.root, { recursive: true });
    await store.realRoot();
    return store;
  }

  private realRoot(): Promise<string> {
    this.realRootPromise ??= (async () => {
      let real: string;
      try {
        real = await fsp.realpath(this.root);
      } catch (e) {
        this.realRootPromise = undefined;
        return mapError(e, 'filestore root', this.root);
      }
      const st = await fsp.stat(real);
      if (!st.isDirectory()) {
        this.realRootPromise = undefined;
        throw refused(`filestore root ${JSON.stringify(this.root)} is not a directory`);
      }
      return real;
    })();
    return this.realRootPromise;
  }

  private static inside(real: string, root: string): boolean {
    if (real === root) return true;
    const prefix = root.endsWith(sep) ? root : root + sep;
    return real.startsWith(prefix);
  }

  /**
   * The host path that store path `segs` names, with every symbolic link resolved; refuses
   * anything whose real location is outside the real root.
   */
  private async resolveSegments(segs: readonly string[], path: string): Promise<string> {
    const root = await this.realRoot();
    for (let i = segs.length; i >= 0; i--) {
      const candidate = join(root, ...segs.slice(0, i));
      let real: string;
      try {
        real = await fsp.realpath(candidate);
      } catch (e) {
        const code = codeOf(e);
        if (code === 'ELOOP') throw refused(`symbolic link loop in ${JSON.stringify(path)}`, e);
        if (code !== 'ENOENT' && code !== 'ENOTDIR') return mapError(e, 'cannot resolve', path);
        let st: Stats | undefined;
        try {
          st = await fsp.lstat(candidate);
        } catch {
          st = undefined;
        }
        if (st?.isSymbolicLink() === true) {
          throw refused(`dangling symbolic link in ${JSON.stringify(path)}`, e);
        }
        continue;
      }
      if (!NativeFileStore.inside(real, root)) {
        throw refused(`${JSON.stringify(path)} leads out of the filestore root`);
      }
      return join(real, ...segs.slice(i));
    }
    return root;
  }

  /** Resolves `path` following every link (for stat, open, list). */
  private resolveFull(path: string): Promise<string> {
    return this.resolveSegments(storePathSegments(path), path);
  }

  /** Resolves the parent of `path` and appends the last name unresolved (for remove, rename). */
  private async resolveEntry(path: string): Promise<string> {
    const segs = storePathSegments(path);
    const name = segs[segs.length - 1];
    if (name === undefined) throw refused('the root cannot be used here');
    return join(await this.resolveSegments(segs.slice(0, -1), path), name);
  }

  private static statOf(st: Stats): FileStat {
    return {
      size: st.isDirectory() ? 0 : st.size,
      isDirectory: st.isDirectory(),
      modifiedMs: st.mtimeMs,
    };
  }

  /** {@inheritDoc FileStore.stat} A symbolic link is reported as what it points to. */
  async stat(path: string): Promise<FileStat | undefined> {
    const real = await this.resolveFull(path);
    try {
      return NativeFileStore.statOf(await fsp.stat(real));
    } catch (e) {
      const code = codeOf(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      return mapError(e, 'cannot stat', path);
    }
  }

  /** {@inheritDoc FileStore.openRead} */
  async openRead(path: string): Promise<FileHandle> {
    const real = await this.resolveFull(path);
    let fh: NodeFileHandle;
    try {
      fh = await fsp.open(real, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (e) {
      return mapError(e, 'cannot open', path);
    }
    return NativeFileHandle.checked(fh, path, false);
  }

  /** {@inheritDoc FileStore.openWrite} */
  async openWrite(path: string, options: { truncate?: boolean } = {}): Promise<FileHandle> {
    const segs = storePathSegments(path);
    if (segs.length === 0) throw refused('the root is not a file');
    const real = await this.resolveSegments(segs, path);
    let fh: NodeFileHandle;
    try {
      fh = await fsp.open(
        real,
        constants.O_RDWR | constants.O_CREAT | O_NOFOLLOW | O_NONBLOCK,
        0o666,
      );
    } catch (e) {
      return mapError(e, 'cannot open', path);
    }
    const handle = await NativeFileHandle.checked(fh, path, true);
    if (options.truncate === true) await fh.truncate(0);
    return handle;
  }

  /**
   * {@inheritDoc FileStore.list} The private temporary folder is not listed at the root;
   * symbolic links are listed as what they point to, and omitted when they lead out of the
   * root or dangle.
   */
  async list(path: string): Promise<DirectoryEntry[]> {
    const segs = storePathSegments(path);
    const real = await this.resolveSegments(segs, path);
    let names: string[];
    try {
      names = await fsp.readdir(real);
    } catch (e) {
      return mapError(e, 'cannot list', path);
    }
    const out: DirectoryEntry[] = [];
    for (const name of names) {
      if (segs.length === 0 && name === TEMP_FOLDER) continue;
      let st: Stats;
      try {
        st = await fsp.lstat(join(real, name));
        if (st.isSymbolicLink()) {
          const target = await this.resolveSegments([...segs, name], `${path}/${name}`);
          st = await fsp.stat(target);
        }
      } catch {
        continue; // vanished, dangling, or leading out of the root
      }
      out.push({ name, ...NativeFileStore.statOf(st) });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** {@inheritDoc FileStore.rename} Refuses to replace a directory. */
  async rename(from: string, to: string): Promise<void> {
    const src = await this.resolveEntry(from);
    const dst = await this.resolveEntry(to);
    try {
      await fsp.lstat(src);
    } catch (e) {
      return mapError(e, 'no such file', from);
    }
    let existing: Stats | undefined;
    try {
      existing = await fsp.lstat(dst);
    } catch {
      existing = undefined;
    }
    if (existing?.isDirectory() === true && src !== dst) {
      throw refused(`is a directory: ${JSON.stringify(to)}`);
    }
    try {
      await fsp.rename(src, dst);
    } catch (e) {
      return mapError(e, 'cannot rename', from);
    }
  }

  /** {@inheritDoc FileStore.remove} A symbolic link is removed itself, not its target. */
  async remove(path: string): Promise<void> {
    const entry = await this.resolveEntry(path);
    let st: Stats;
    try {
      st = await fsp.lstat(entry);
    } catch (e) {
      return mapError(e, 'no such file', path);
    }
    if (st.isDirectory()) throw refused(`is a directory: ${JSON.stringify(path)}`);
    try {
      await fsp.unlink(entry);
    } catch (e) {
      return mapError(e, 'cannot remove', path);
    }
  }

  /** {@inheritDoc FileStore.tempPath} Names are under `.ccsds-tmp/`, hidden from `list('')`. */
  async tempPath(hint: string): Promise<string> {
    const root = await this.realRoot();
    const folder = join(root, TEMP_FOLDER);
    try {
      await fsp.mkdir(folder);
    } catch (e) {
      if (codeOf(e) !== 'EEXIST') return mapError(e, 'cannot create', TEMP_FOLDER);
    }
    const st = await fsp.lstat(folder);
    if (!st.isDirectory()) throw refused(`${TEMP_FOLDER} exists and is not a directory`);
    for (;;) {
      const unique = `${process.pid}-${++this.tempCounter}-${Math.floor(Math.random() * 0x100000000).toString(16)}`;
      const name = tempName(hint, unique);
      try {
        await fsp.lstat(join(root, name));
      } catch {
        return name;
      }
    }
  }

  /** Creates one directory (its parent must exist; the name must be free). */
  async makeDirectory(path: string): Promise<void> {
    const entry = await this.resolveEntry(path);
    try {
      await fsp.mkdir(entry);
    } catch (e) {
      return mapError(e, 'cannot create directory', path);
    }
  }

  /** Removes one empty directory. */
  async removeDirectory(path: string): Promise<void> {
    const entry = await this.resolveEntry(path);
    try {
      await fsp.rmdir(entry);
    } catch (e) {
      return mapError(e, 'cannot remove directory', path);
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
      identity: async (p) => {
        const st = await fsp.stat(await this.resolveFull(p));
        return `${st.dev}:${st.ino}`;
      },
    };
    return executeFilestoreRequest(ops, action, firstPath, secondPath);
  }
}

class NativeFileHandle implements FileHandle {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly fh: NodeFileHandle,
    private readonly writable: boolean,
  ) {}

  /** Wraps `fh` after checking it is a regular file; closes it and throws otherwise. */
  static async checked(fh: NodeFileHandle, path: string, writable: boolean): Promise<FileHandle> {
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (e) {
      await fh.close();
      throw e;
    }
    if (!st.isFile()) {
      await fh.close();
      throw refused(`not a regular file: ${JSON.stringify(path)}`);
    }
    return new NativeFileHandle(fh, writable);
  }

  private check(): void {
    if (this.closing !== undefined) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'file handle is closed');
    }
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    this.check();
    checkOffset(offset);
    checkOffset(length, 'length');
    if (length > MAX_READ) {
      throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, `read of ${length} octets`);
    }
    checkReadTarget(into, length);
    let n = length;
    if (n > SIZE_CHECK_THRESHOLD && into === undefined)
      n = Math.max(0, Math.min(n, (await this.fh.stat()).size - offset));
    const buf = into === undefined ? new Uint8Array(n) : into.subarray(0, n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.fh.read(buf, done, n - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done === n) return buf;
    return into === undefined ? buf.slice(0, done) : buf.subarray(0, done);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check();
    if (!this.writable) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_STATE, 'file handle is open for reading');
    }
    checkOffset(offset);
    if (!(data instanceof Uint8Array)) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'data must be a Uint8Array');
    }
    checkOffset(offset + data.length, 'end of write');
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, offset + done);
      done += bytesWritten;
    }
  }

  async size(): Promise<number> {
    this.check();
    return (await this.fh.stat()).size;
  }

  async sync(): Promise<void> {
    this.check();
    await this.fh.sync();
  }

  close(): Promise<void> {
    const closing = this.closing ?? this.fh.close();
    this.closing = closing;
    return closing;
  }
}
