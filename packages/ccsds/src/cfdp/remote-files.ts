/**
 * The files that the user operations of CCSDS 727.0-B-5 §6 carry: the directory listing that
 * answers a Directory Listing Request (§6.3; the standard leaves its format to the
 * implementation) and the status report that answers a Remote Status Report Request (§6.4).
 *
 * **Directory listing file** (UTF-8, one line per entry, `\n` line ends):
 *
 * ```
 * # cfdp-directory-listing 1
 * # directory data/images
 * d	0	2024-05-01T12:00:00.000Z	raw
 * f	1048576	2024-05-01T12:03:10.250Z	img-0001.bin
 * ```
 *
 * - Lines starting with `#` are header lines. The first is the format name and version
 *   (`# cfdp-directory-listing 1`); `# directory <name>` names the listed directory. Readers
 *   ignore other header lines (room for later additions).
 * - Every other line is one entry of four fields separated by one TAB: type (`f` file, `d`
 *   directory), size in octets (decimal; 0 for directories), last modification as an ISO 8601
 *   UTC time with milliseconds (or `-` when unknown), and the name.
 * - In names (and the directory name) `%`, TAB, CR, LF and the other ASCII control characters
 *   are written as `%XX` (two upper-case hexadecimal digits, 00..7F), so that a name never
 *   breaks a line; everything else is literal UTF-8.
 * - Entries are in the order of the filestore's listing (sorted by name).
 *
 * **Status report file**: one JSON object (UTF-8) — `format: "cfdp-status-report"`,
 * `version: 1`, `transactionId` as `"<source>:<sequence>"`, `known` (whether the responding
 * entity knows the transaction), and, when known, the fields of a `TransactionStatusReport`
 * (`role`, `state`, `remoteEntityId`, `transmissionClass`, `sourceFileName`,
 * `destinationFileName`, `fileSize`, `progress`, `conditionCode`, `startedAt`), entity IDs as
 * decimal strings.
 *
 * Both readers treat their input as hostile (it arrives from a remote entity): malformed input
 * throws `CcsdsError` (`INVALID_FIELD` with the octet offset of the bad line, or
 * `LIMIT_EXCEEDED`), and sizes are bounded by documented limits.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import type { DirectoryEntry, FileHandle } from '../filestore/index.js';
import type {
  TransactionId,
  TransactionRole,
  TransactionState,
  TransactionStatusReport,
} from './indications.js';

/** First line of a directory listing file. */
export const DIRECTORY_LISTING_MAGIC = '# cfdp-directory-listing 1';

/** Value of the `format` field of a status report file. */
export const STATUS_REPORT_FORMAT = 'cfdp-status-report';

/** Limits of {@link parseDirectoryListing}. */
export interface DirectoryListingLimits {
  /** Most entries accepted (default 100,000). */
  maxEntries?: number;
  /** Most octets accepted (default 16 MiB). */
  maxOctets?: number;
}

/** A parsed directory listing file. */
export interface DirectoryListing {
  /** The listed directory as named in the file's header (`''` when the header has none). */
  directoryName: string;
  /** The entries, in file order. */
  entries: DirectoryEntry[];
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Escapes `%` and control characters as `%XX` (see the module comment). */
export function escapeListingName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[%\u0000-\u001f\u007f]/g, (c) => {
    return `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

/** Reverses {@link escapeListingName}; throws `INVALID_FIELD` for a malformed escape. */
export function unescapeListingName(text: string, offset = 0): string {
  return text.replace(/%(..)?/g, (_m, hex: string | undefined) => {
    const v = hex !== undefined && /^[0-9A-Fa-f]{2}$/.test(hex) ? parseInt(hex, 16) : 0x80;
    if (v >= 0x80) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'malformed %XX escape in a name', {
        offset,
      });
    }
    return String.fromCharCode(v);
  });
}

/** One entry line (without the line end). */
function entryLine(e: DirectoryEntry): string {
  const modified =
    Number.isFinite(e.modifiedMs) && Math.abs(e.modifiedMs) <= 8.64e15
      ? new Date(e.modifiedMs).toISOString()
      : '-';
  return `${e.isDirectory ? 'd' : 'f'}\t${e.isDirectory ? 0 : e.size}\t${modified}\t${escapeListingName(e.name)}`;
}

/** The whole listing file for `directoryName` as text (see the module comment). */
export function formatDirectoryListing(
  directoryName: string,
  entries: readonly DirectoryEntry[],
): string {
  const lines = [DIRECTORY_LISTING_MAGIC, `# directory ${escapeListingName(directoryName)}`];
  for (const e of entries) lines.push(entryLine(e));
  return lines.join('\n') + '\n';
}

/**
 * Writes the listing file for `directoryName` through an open handle (from offset 0), in chunks
 * of at most 64 KiB, and returns the octets written.
 */
export async function writeDirectoryListing(
  handle: FileHandle,
  directoryName: string,
  entries: readonly DirectoryEntry[],
): Promise<number> {
  const CHUNK = 64 * 1024;
  let at = 0;
  let pending: string[] = [
    DIRECTORY_LISTING_MAGIC + '\n',
    `# directory ${escapeListingName(directoryName)}\n`,
  ];
  let pendingLength = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const bytes = enc.encode(pending.join(''));
    await handle.write(at, bytes);
    at += bytes.length;
    pending = [];
    pendingLength = 0;
  };
  for (const e of entries) {
    const line = entryLine(e) + '\n';
    pending.push(line);
    pendingLength += line.length;
    if (pendingLength >= CHUNK) await flush();
  }
  await flush();
  return at;
}

function lineError(message: string, offset: number): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_FIELD, message, { offset });
}

/**
 * Parses a directory listing file (see the module comment). Throws `CcsdsError`:
 * `LIMIT_EXCEEDED` beyond `maxOctets` or `maxEntries`, `INVALID_FIELD` (with the octet offset of
 * the line) for text that is not UTF-8, a missing or unknown format line, or a malformed entry.
 */
export function parseDirectoryListing(
  bytes: Uint8Array,
  limits: DirectoryListingLimits = {},
): DirectoryListing {
  const maxOctets = limits.maxOctets ?? 16 * 1024 * 1024;
  const maxEntries = limits.maxEntries ?? 100_000;
  if (bytes.length > maxOctets) {
    throw new CcsdsError(
      CcsdsErrorCode.LIMIT_EXCEEDED,
      `directory listing of ${bytes.length} octets; at most ${maxOctets} accepted`,
    );
  }
  const entries: DirectoryEntry[] = [];
  let directoryName = '';
  let offset = 0;
  let first = true;
  while (offset < bytes.length) {
    let end = bytes.indexOf(0x0a, offset);
    if (end < 0) end = bytes.length;
    let text: string;
    try {
      text = dec.decode(bytes.subarray(offset, end));
    } catch {
      throw lineError('listing line is not UTF-8', offset);
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (first) {
      if (text !== DIRECTORY_LISTING_MAGIC)
        throw lineError(
          `not a directory listing (first line must be "${DIRECTORY_LISTING_MAGIC}")`,
          offset,
        );
      first = false;
    } else if (text.startsWith('#')) {
      if (text.startsWith('# directory ')) {
        directoryName = unescapeListingName(text.slice('# directory '.length), offset);
      }
    } else if (text !== '') {
      const f = text.split('\t');
      if (f.length !== 4) throw lineError('listing entry must have 4 TAB-separated fields', offset);
      const [type, size, modified, name] = f as [string, string, string, string];
      if (type !== 'f' && type !== 'd') throw lineError(`unknown entry type "${type}"`, offset);
      if (!/^\d{1,16}$/.test(size) || !Number.isSafeInteger(Number(size)))
        throw lineError(`bad size "${size}"`, offset);
      let modifiedMs = NaN;
      if (modified !== '-') {
        if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(modified))
          throw lineError(`bad modification time "${modified}"`, offset);
        modifiedMs = Date.parse(modified);
        if (!Number.isFinite(modifiedMs))
          throw lineError(`bad modification time "${modified}"`, offset);
      }
      const decoded = unescapeListingName(name, offset);
      if (decoded === '' || decoded.includes('/'))
        throw lineError(`bad entry name "${name}"`, offset);
      if (entries.length >= maxEntries) {
        throw new CcsdsError(
          CcsdsErrorCode.LIMIT_EXCEEDED,
          `directory listing has more than ${maxEntries} entries`,
        );
      }
      entries.push({ name: decoded, isDirectory: type === 'd', size: Number(size), modifiedMs });
    }
    offset = end + 1;
  }
  if (first) throw lineError('empty directory listing file', 0);
  return { directoryName, entries };
}

/** A parsed status report file. */
export interface StatusReportFile {
  /** The transaction the report is about. */
  transactionId: TransactionId;
  /** Whether the responding entity knew the transaction. */
  known: boolean;
  /** The report (present when `known`). */
  report?: TransactionStatusReport;
}

/** Encodes a status report file (see the module comment). */
export function encodeStatusReportFile(
  transactionId: TransactionId,
  report: TransactionStatusReport | undefined,
): Uint8Array {
  const key = `${transactionId.sourceEntityId}:${transactionId.sequenceNumber}`;
  const body: Record<string, unknown> = {
    format: STATUS_REPORT_FORMAT,
    version: 1,
    transactionId: key,
    known: report !== undefined,
  };
  if (report !== undefined) {
    Object.assign(body, {
      role: report.role,
      state: report.state,
      remoteEntityId: report.remoteEntityId.toString(),
      transmissionClass: report.transmissionClass,
      sourceFileName: report.sourceFileName,
      destinationFileName: report.destinationFileName,
      fileSize: report.fileSize ?? null,
      progress: report.progress,
      conditionCode: report.conditionCode,
      startedAt: report.startedAt,
    });
  }
  return enc.encode(JSON.stringify(body) + '\n');
}

const ROLES: readonly TransactionRole[] = ['sender', 'receiver'];
const STATES: readonly TransactionState[] = [
  'active',
  'suspended',
  'cancelling',
  'finished',
  'abandoned',
];

/**
 * Parses a status report file (at most `maxOctets`, default 64 KiB). Throws `CcsdsError`
 * `INVALID_FIELD` for anything that is not such a file, `LIMIT_EXCEEDED` when too long.
 */
export function parseStatusReportFile(bytes: Uint8Array, maxOctets = 65536): StatusReportFile {
  if (bytes.length > maxOctets) {
    throw new CcsdsError(
      CcsdsErrorCode.LIMIT_EXCEEDED,
      `status report of ${bytes.length} octets; at most ${maxOctets} accepted`,
    );
  }
  const bad = (what: string): never => {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `status report: ${what}`, { offset: 0 });
  };
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(dec.decode(bytes)) as Record<string, unknown>;
  } catch {
    return bad('not UTF-8 JSON');
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return bad('not an object');
  if (o['format'] !== STATUS_REPORT_FORMAT || o['version'] !== 1) bad('unknown format or version');
  const id =
    typeof o['transactionId'] === 'string' ? /^(\d+):(\d+)$/.exec(o['transactionId']) : null;
  if (id === null) return bad('bad transactionId');
  const transactionId = { sourceEntityId: BigInt(id[1]!), sequenceNumber: BigInt(id[2]!) };
  if (typeof o['known'] !== 'boolean') return bad('bad known');
  if (!o['known']) return { transactionId, known: false };
  const str = (k: string): string => {
    const v = o[k];
    return typeof v === 'string' ? v : bad(`bad ${k}`);
  };
  const int = (k: string): number => {
    const v = o[k];
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : bad(`bad ${k}`);
  };
  const role = str('role') as TransactionRole;
  if (!ROLES.includes(role)) bad('bad role');
  const state = str('state') as TransactionState;
  if (!STATES.includes(state)) bad('bad state');
  const remote = str('remoteEntityId');
  if (!/^\d{1,20}$/.test(remote)) bad('bad remoteEntityId');
  const cls = int('transmissionClass');
  if (cls !== 1 && cls !== 2) bad('bad transmissionClass');
  const fileSize = o['fileSize'] === null ? undefined : int('fileSize');
  return {
    transactionId,
    known: true,
    report: {
      transactionId,
      role,
      state,
      remoteEntityId: BigInt(remote),
      transmissionClass: cls as 1 | 2,
      sourceFileName: str('sourceFileName'),
      destinationFileName: str('destinationFileName'),
      fileSize,
      progress: int('progress'),
      conditionCode: int('conditionCode'),
      startedAt: int('startedAt'),
    },
  };
}
