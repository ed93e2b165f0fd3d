/**
 * The `FileStore` interface: random-access reads and writes at offsets, stat, directory listing,
 * and the filestore operations of CCSDS 727.0-B-5 §5.4 (create, delete, rename, append, replace
 * file; create and remove directory; deny file and directory). Paths are '/'-separated and
 * relative to the store's root; no path can name anything outside the root (`..`, absolute
 * paths and symbolic links out of the root are refused with `INVALID_ARGUMENT`).
 *
 * Implementations: `NativeFileStore` (a rooted folder, Node only) and `MemoryFileStore`
 * (portable). One compliance suite runs against both.
 */

/** What `stat` reports. */
export interface FileStat {
  /** Size in octets (0 for directories). */
  size: number;
  isDirectory: boolean;
  /** Last modification, milliseconds since the Unix epoch. */
  modifiedMs: number;
}

/** A directory entry. */
export interface DirectoryEntry {
  name: string;
  isDirectory: boolean;
  size: number;
  modifiedMs: number;
}

/** An open file. Reads and writes at explicit offsets; no shared position. */
export interface FileHandle {
  /**
   * Reads up to `length` octets at `offset`; fewer at the end of the file. Given `into` (at least
   * `length` octets, else `INVALID_ARGUMENT`), the octets are read into it and the result is a
   * view of it, so that a caller reading a file chunk after chunk can reuse one buffer. The
   * result belongs to the caller: an implementation must not keep or reuse it.
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  /** Writes `data` at `offset`, extending the file as needed (holes read as zeros). */
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Current size in octets. */
  size(): Promise<number>;
  /** Flushes to stable storage (fsync for native files). */
  sync(): Promise<void>;
  /** Closes the handle. Idempotent. */
  close(): Promise<void>;
}

/** The filestore actions of 727.0-B-5 Table 5-15, with their action codes. */
export const FilestoreAction = {
  CREATE_FILE: 0,
  DELETE_FILE: 1,
  RENAME_FILE: 2,
  APPEND_FILE: 3,
  REPLACE_FILE: 4,
  CREATE_DIRECTORY: 5,
  REMOVE_DIRECTORY: 6,
  DENY_FILE: 7,
  DENY_DIRECTORY: 8,
} as const;
/** One of {@link FilestoreAction}. */
export type FilestoreAction = (typeof FilestoreAction)[keyof typeof FilestoreAction];

/**
 * Filestore response status codes (727.0-B-5 Table 5-16). Their meaning depends on the action:
 * - create file: 0 successful, 1 create not allowed
 * - delete file: 0, 1 file does not exist, 2 delete not allowed
 * - rename file: 0, 1 old file name does not exist, 2 new file name already exists, 3 rename not allowed
 * - append file (file 2 appended to file 1): 0, 1 file name 1 does not exist, 2 file name 2 does not exist, 3 append not allowed
 * - replace file (file 1's contents replaced by file 2's): 0, 1 file name 1 does not exist, 2 file name 2 does not exist, 3 replace not allowed
 * - create directory: 0, 1 directory cannot be created
 * - remove directory: 0, 1 directory does not exist, 2 delete not allowed
 * - deny file / deny directory (delete if present; success if absent): 0, 2 delete not allowed
 * - any action: 15 not performed
 */
export const FilestoreStatus = {
  SUCCESSFUL: 0,
  NOT_PERFORMED: 15,
} as const;

/** The outcome of one filestore request. */
export interface FilestoreResult {
  action: FilestoreAction;
  /** Status code as carried in the Filestore Response TLV (0 successful, 15 not performed, ...). */
  status: number;
  /** A short message (carried in the response TLV's filestore message). */
  message: string;
}

/** A rooted store of files and directories. */
export interface FileStore {
  /** Metadata of `path`, or undefined when it does not exist. */
  stat(path: string): Promise<FileStat | undefined>;
  /** Opens an existing file for reading. Throws `INVALID_ARGUMENT` if missing or a directory. */
  openRead(path: string): Promise<FileHandle>;
  /**
   * Opens a file for random-access writing, creating it (and not its parent folders) if needed;
   * `truncate` empties an existing file first.
   */
  openWrite(path: string, options?: { truncate?: boolean }): Promise<FileHandle>;
  /** Lists a directory, sorted by name. */
  list(path: string): Promise<DirectoryEntry[]>;
  /** Renames (moves) `from` to `to`, replacing `to` if it is a file. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file (not a directory). */
  remove(path: string): Promise<void>;
  /**
   * A fresh name for a temporary file in the store's private area, under which a file being
   * received is written before it is renamed to its destination.
   */
  tempPath(hint: string): Promise<string>;
  /** Executes one 727.0-B-5 filestore request and reports it as a filestore response would. */
  execute(
    action: FilestoreAction,
    firstPath: string,
    secondPath?: string,
  ): Promise<FilestoreResult>;
}
