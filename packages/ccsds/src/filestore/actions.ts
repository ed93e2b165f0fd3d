/**
 * The filestore requests of CCSDS 727.0-B-5 §5.4 (Table 5-15) and their response status codes
 * (Table 5-16), written once over a small set of primitive operations so that every store
 * answers them identically.
 *
 * Semantics chosen where the standard leaves room (documented in the stores and the README):
 * - create file: creates an empty file; an existing file is emptied; the parent folder must
 *   exist; a directory of that name gives status 1.
 * - rename file: fails with status 2 when the new name exists (files or folders), and with 3
 *   when the old name is a directory.
 * - append file: the contents of file 2 are appended to file 1 (file 2 is unchanged); a file may
 *   be appended to itself (its original contents are appended once).
 * - replace file: the contents of file 1 are replaced by those of file 2, in place (file 2 is
 *   unchanged; replacing a file by itself changes nothing).
 * - create directory: the parent must exist; an existing name gives status 1.
 * - remove directory and deny directory remove only empty directories (status 2 otherwise).
 * - deny file / deny directory succeed when nothing of that name exists.
 * - a path that is refused (outside the root, NUL, a backslash, a symbolic link leading out),
 *   a path inside the store's private temporary folder, a missing second name and an unknown
 *   action code give status 15 (not performed).
 *
 * Copies run in bounded chunks (DESIGN.md rule 6): memory does not grow with file size.
 */
import {
  type FileHandle,
  type FileStat,
  type FilestoreResult,
  FilestoreAction,
  FilestoreStatus,
} from './filestore.js';
import { TEMP_FOLDER, storePathSegments } from './paths.js';

/** Chunk size of the streaming copies of append and replace, in octets. */
export const COPY_CHUNK_LENGTH = 1 << 20;

/** What a store provides so that {@link executeFilestoreRequest} can run the actions. */
export interface FilestorePrimitives {
  /** As `FileStore.stat` (follows links; throws `INVALID_ARGUMENT` for a refused path). */
  stat(path: string): Promise<FileStat | undefined>;
  /** As `FileStore.openRead`. */
  openRead(path: string): Promise<FileHandle>;
  /** As `FileStore.openWrite`. */
  openWrite(path: string, options?: { truncate?: boolean }): Promise<FileHandle>;
  /** As `FileStore.rename`. */
  rename(from: string, to: string): Promise<void>;
  /** As `FileStore.remove`. */
  remove(path: string): Promise<void>;
  /** Creates one directory; its parent must exist. */
  makeDirectory(path: string): Promise<void>;
  /** Removes one empty directory. */
  removeDirectory(path: string): Promise<void>;
  /** A key equal for two paths exactly when they name the same file. */
  identity(path: string): Promise<string>;
}

const ACTION_NAMES: Record<number, string> = {
  [FilestoreAction.CREATE_FILE]: 'create file',
  [FilestoreAction.DELETE_FILE]: 'delete file',
  [FilestoreAction.RENAME_FILE]: 'rename file',
  [FilestoreAction.APPEND_FILE]: 'append file',
  [FilestoreAction.REPLACE_FILE]: 'replace file',
  [FilestoreAction.CREATE_DIRECTORY]: 'create directory',
  [FilestoreAction.REMOVE_DIRECTORY]: 'remove directory',
  [FilestoreAction.DENY_FILE]: 'deny file',
  [FilestoreAction.DENY_DIRECTORY]: 'deny directory',
};

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Copies `length` octets from `src` (from offset 0) to `dst` at `at`, in chunks of
 * {@link COPY_CHUNK_LENGTH}. Stops early if the source turns out shorter.
 */
export async function copyHandle(
  src: FileHandle,
  dst: FileHandle,
  length: number,
  at: number,
): Promise<void> {
  for (let done = 0; done < length; ) {
    const chunk = await src.read(done, Math.min(COPY_CHUNK_LENGTH, length - done));
    if (chunk.length === 0) break;
    await dst.write(at + done, chunk);
    done += chunk.length;
  }
}

/**
 * Executes one filestore request over `ops` and reports it as a Filestore Response TLV would
 * (see the module comment for the status codes). Never throws for a bad request: refused paths
 * and failures are statuses.
 */
export async function executeFilestoreRequest(
  ops: FilestorePrimitives,
  action: FilestoreAction,
  firstPath: string,
  secondPath?: string,
): Promise<FilestoreResult> {
  const result = (status: number, message: string): FilestoreResult => ({
    action,
    status,
    message,
  });
  const notPerformed = (message: string): FilestoreResult =>
    result(FilestoreStatus.NOT_PERFORMED, message);
  const name = ACTION_NAMES[action];
  if (name === undefined) return notPerformed(`unknown filestore action ${String(action)}`);
  const needsSecond =
    action === FilestoreAction.RENAME_FILE ||
    action === FilestoreAction.APPEND_FILE ||
    action === FilestoreAction.REPLACE_FILE;
  if (needsSecond && (secondPath === undefined || secondPath === '')) {
    return notPerformed(`${name}: second file name missing`);
  }
  const paths = needsSecond ? [firstPath, secondPath as string] : [firstPath];
  for (const p of paths) {
    let segs: string[];
    try {
      segs = storePathSegments(p);
    } catch (e) {
      return notPerformed(`${name}: ${describe(e)}`);
    }
    if (segs[0] === TEMP_FOLDER) return notPerformed(`${name}: path in the private area`);
  }
  let first: FileStat | undefined;
  let second: FileStat | undefined;
  try {
    first = await ops.stat(firstPath);
    if (needsSecond) second = await ops.stat(secondPath as string);
  } catch (e) {
    return notPerformed(`${name}: ${describe(e)}`);
  }
  const isRoot = storePathSegments(firstPath).length === 0;
  try {
    switch (action) {
      case FilestoreAction.CREATE_FILE: {
        if (isRoot || first?.isDirectory === true) return result(1, 'a directory has that name');
        try {
          const h = await ops.openWrite(firstPath, { truncate: true });
          await h.close();
        } catch (e) {
          return result(1, describe(e));
        }
        return result(0, 'file created');
      }
      case FilestoreAction.DELETE_FILE: {
        if (first === undefined) return result(1, 'file does not exist');
        if (first.isDirectory) return result(2, 'is a directory');
        try {
          await ops.remove(firstPath);
        } catch (e) {
          return result(2, describe(e));
        }
        return result(0, 'file deleted');
      }
      case FilestoreAction.RENAME_FILE: {
        if (first === undefined) return result(1, 'old file name does not exist');
        if (first.isDirectory || isRoot) return result(3, 'old file name is a directory');
        if (second !== undefined) return result(2, 'new file name already exists');
        try {
          await ops.rename(firstPath, secondPath as string);
        } catch (e) {
          return result(3, describe(e));
        }
        return result(0, 'file renamed');
      }
      case FilestoreAction.APPEND_FILE:
      case FilestoreAction.REPLACE_FILE: {
        if (first === undefined) return result(1, 'file name 1 does not exist');
        if (second === undefined) return result(2, 'file name 2 does not exist');
        if (first.isDirectory || second.isDirectory) return result(3, 'not a file');
        try {
          if (action === FilestoreAction.REPLACE_FILE) {
            if ((await ops.identity(firstPath)) === (await ops.identity(secondPath as string))) {
              return result(0, 'file replaced by itself');
            }
          }
          const src = await ops.openRead(secondPath as string);
          try {
            const length = await src.size();
            const dst = await ops.openWrite(firstPath, {
              truncate: action === FilestoreAction.REPLACE_FILE,
            });
            try {
              const at = action === FilestoreAction.REPLACE_FILE ? 0 : await dst.size();
              await copyHandle(src, dst, length, at);
            } finally {
              await dst.close();
            }
          } finally {
            await src.close();
          }
        } catch (e) {
          return result(3, describe(e));
        }
        return result(
          0,
          action === FilestoreAction.APPEND_FILE ? 'file appended' : 'file replaced',
        );
      }
      case FilestoreAction.CREATE_DIRECTORY: {
        if (first !== undefined || isRoot) return result(1, 'name already exists');
        try {
          await ops.makeDirectory(firstPath);
        } catch (e) {
          return result(1, describe(e));
        }
        return result(0, 'directory created');
      }
      case FilestoreAction.REMOVE_DIRECTORY:
      case FilestoreAction.DENY_DIRECTORY: {
        if (first === undefined) {
          return action === FilestoreAction.DENY_DIRECTORY
            ? result(0, 'directory absent')
            : result(1, 'directory does not exist');
        }
        if (!first.isDirectory) return result(2, 'not a directory');
        if (isRoot) return result(2, 'the root cannot be removed');
        try {
          await ops.removeDirectory(firstPath);
        } catch (e) {
          return result(2, describe(e));
        }
        return result(0, 'directory removed');
      }
      case FilestoreAction.DENY_FILE: {
        if (first === undefined) return result(0, 'file absent');
        if (first.isDirectory) return result(2, 'is a directory');
        try {
          await ops.remove(firstPath);
        } catch (e) {
          return result(2, describe(e));
        }
        return result(0, 'file deleted');
      }
    }
  } catch (e) {
    return notPerformed(`${name}: ${describe(e)}`);
  }
  return notPerformed(`unknown filestore action ${String(action)}`);
}
