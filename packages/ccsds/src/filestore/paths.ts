/**
 * Path rules shared by every filestore (DESIGN.md rule 7; CCSDS 727.0-B-5 §5.4 filestore
 * requests name files with strings that come from the remote entity, so they are hostile input).
 *
 * - Paths are '/'-separated and relative to the store's root.
 * - A leading '/' is accepted and means the root: CFDP peers often send absolute-looking names
 *   (`/data/img.bin`), which are taken as `data/img.bin` inside the store, never as a path on
 *   the host.
 * - Empty segments (`a//b`) and `.` segments are ignored; `..` removes the segment before it and
 *   is refused with `INVALID_ARGUMENT` when it would leave the root (`../x`, `a/../../x`).
 * - NUL characters and backslashes are refused with `INVALID_ARGUMENT` (a backslash is a
 *   separator on Windows hosts, so accepting it would open a second way out of the root).
 * - The empty path, `.` and `/` name the root itself.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';

/** Name of the store's private folder (at the root) that holds temporary files. */
export const TEMP_FOLDER = '.ccsds-tmp';

/** Longest path accepted, in UTF-16 code units. */
export const MAX_PATH_LENGTH = 4096;

/**
 * Splits `path` into its normalised segments under the rules of this module. Returns `[]` for
 * the root. Throws `INVALID_ARGUMENT` for a path that is not a string, is too long, holds NUL or
 * a backslash, or climbs out of the root with `..`.
 */
export function storePathSegments(path: string): string[] {
  if (typeof path !== 'string') {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'path must be a string');
  }
  if (path.length > MAX_PATH_LENGTH) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `path longer than ${MAX_PATH_LENGTH} characters`,
    );
  }
  if (path.includes('\0')) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'path contains a NUL character');
  }
  if (path.includes('\\')) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `path contains a backslash: ${JSON.stringify(path)}`,
    );
  }
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) {
        throw new CcsdsError(
          CcsdsErrorCode.INVALID_ARGUMENT,
          `path leaves the filestore root: ${JSON.stringify(path)}`,
        );
      }
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out;
}

/** The normalised form of `path` (segments joined by '/', `''` for the root). */
export function normalizeStorePath(path: string): string {
  return storePathSegments(path).join('/');
}

/**
 * Builds a fresh temporary name under {@link TEMP_FOLDER} from a caller's hint: characters
 * other than letters, digits, '-', '_' and '.' become '_', the hint is cut to 40 characters,
 * and `unique` (a counter plus randomness chosen by the store) is appended.
 */
export function tempName(hint: string, unique: string): string {
  const cleaned = String(hint)
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 40);
  return `${TEMP_FOLDER}/${cleaned === '' ? 'tmp' : cleaned}-${unique}`;
}

/**
 * Throws `INVALID_ARGUMENT` unless `into` (the buffer of a read, if given) is a Uint8Array of at
 * least `length` octets.
 */
export function checkReadTarget(into: Uint8Array | undefined, length: number): void {
  if (into === undefined) return;
  if (!(into instanceof Uint8Array) || into.length < length) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `read target must be a Uint8Array of at least ${length} octets`,
    );
  }
}

/** Throws `INVALID_ARGUMENT` unless `offset` is an integer in [0, 2^53 - 1]. */
export function checkOffset(offset: number, what = 'offset'): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `${what} must be a non-negative safe integer, got ${offset}`,
    );
  }
}
