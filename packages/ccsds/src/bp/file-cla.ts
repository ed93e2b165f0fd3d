/**
 * The framing of ION's File convergence layer (ION-DTN `bpv7/file`; not a CCSDS or IETF
 * standard): each bundle is appended to a file as
 * `u32 BE length | u32 BE CRC-32 of those 4 octets | bundle | u32 BE CRC-32 of the bundle`
 * (IEEE/zlib CRC-32), 12 octets of overhead.
 *
 * {@link readFileClaFrame} reproduces ION's reader call for call (the `file-cla.json` traces):
 * - fewer than 8 octets available: wait, the header stays unread;
 * - a length CRC mismatch, or a length above the limit (ION: 1 MiB): an error that consumes only
 *   the 8 header octets — ION does not search for the next header, it reads the next 8 octets
 *   as a header;
 * - body or trailer incomplete: wait (the caller keeps what it has and resumes at the frame);
 * - a data CRC mismatch: an error that consumes the whole frame;
 * - otherwise the bundle.
 * Portable: the Node reader and writer that poll and append files are in `ccsds/bp/node`.
 */
import { CcsdsError, CcsdsErrorCode, crc32 } from '../core/index.js';

/** Octets of framing around each bundle. */
export const FILE_CLA_OVERHEAD = 12;
/** ION's largest accepted bundle (FILECLA_BUFSZ): 1 MiB. */
export const FILE_CLA_DEFAULT_MAX_BUNDLE_LENGTH = 1 << 20;

/** Encodes one frame around `bundle`. */
export function encodeFileClaFrame(bundle: Uint8Array): Uint8Array {
  if (!(bundle instanceof Uint8Array)) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'bundle must be a Uint8Array');
  }
  if (bundle.length > 0xffffffff) {
    throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, 'bundle longer than 2^32-1 octets');
  }
  const out = new Uint8Array(bundle.length + FILE_CLA_OVERHEAD);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, bundle.length);
  dv.setUint32(4, crc32(out.subarray(0, 4)));
  out.set(bundle, 8);
  dv.setUint32(8 + bundle.length, crc32(bundle));
  return out;
}

/** One call of the reader. `next` is the stream offset the following call starts at. */
export type FileClaReadResult =
  | { result: 'bundle'; offset: number; bundle: Uint8Array; next: number }
  | { result: 'error'; offset: number; error: CcsdsError; next: number }
  | {
      result: 'waiting';
      offset: number;
      /** Octets of the frame needed in all (0 while the header is incomplete). */
      needed: number;
      /** The position the reader has reached (the frame start while the header is incomplete). */
      next: number;
    };

/**
 * Reads the frame that starts at stream offset `offset`, given `buf`, which holds the stream's
 * octets from `offset` on (as many as are available). The bundle is a view into `buf`.
 */
export function readFileClaFrame(
  buf: Uint8Array,
  offset: number,
  maxBundleLength = FILE_CLA_DEFAULT_MAX_BUNDLE_LENGTH,
): FileClaReadResult {
  if (buf.length < 8) return { result: 'waiting', offset, needed: 0, next: offset };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const length = dv.getUint32(0);
  if (crc32(buf.subarray(0, 4)) !== dv.getUint32(4)) {
    return {
      result: 'error',
      offset,
      error: new CcsdsError(CcsdsErrorCode.BAD_CRC, 'File CLA length CRC mismatch', { offset }),
      next: offset + 8,
    };
  }
  if (length > maxBundleLength) {
    return {
      result: 'error',
      offset,
      error: new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `File CLA frame of ${length} octets exceeds the limit of ${maxBundleLength}`,
        { offset },
      ),
      next: offset + 8,
    };
  }
  const total = length + FILE_CLA_OVERHEAD;
  if (buf.length < total) {
    return { result: 'waiting', offset, needed: total, next: offset + buf.length };
  }
  const bundle = buf.subarray(8, 8 + length);
  if (crc32(bundle) !== dv.getUint32(8 + length)) {
    return {
      result: 'error',
      offset,
      error: new CcsdsError(CcsdsErrorCode.BAD_CRC, 'File CLA data CRC mismatch', {
        offset: offset + 8 + length,
      }),
      next: offset + total,
    };
  }
  return { result: 'bundle', offset, bundle, next: offset + total };
}

/**
 * Runs the reader over a whole stream as it is now: every call up to and including the first
 * `waiting` (the end of the data).
 */
export function readFileClaStream(
  stream: Uint8Array,
  maxBundleLength = FILE_CLA_DEFAULT_MAX_BUNDLE_LENGTH,
): FileClaReadResult[] {
  const out: FileClaReadResult[] = [];
  let pos = 0;
  for (;;) {
    const r = readFileClaFrame(stream.subarray(pos), pos, maxBundleLength);
    out.push(r);
    if (r.result === 'waiting') return out;
    pos = r.next;
  }
}
