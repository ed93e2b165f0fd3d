/**
 * Bundles of the Bundle Protocol version 7 (RFC 9171 §4): the primary block (§4.3.1), canonical
 * blocks (§4.3.2) including the payload, previous node, bundle age and hop count blocks
 * (§4.4), block CRCs (§4.2.1: none, CRC-16/X.25, CRC-32C), and the bundle as a CBOR
 * indefinite-length array.
 *
 * Encoding is deterministic (shortest CBOR heads); a decoded bundle re-encodes to the same
 * octets whenever the input was itself deterministic, which the strict decoder requires by
 * default. Decoding is strict where RFC 9171 is: version 7, exactly one payload block, numbered
 * 1 and last, unique block numbers, block number 0 only for the primary block, consistent
 * fragment fields, valid CRCs, and well-formed previous node / bundle age / hop count data.
 * Blocks of unknown types are kept with their data as they are.
 */
import { CcsdsError, CcsdsErrorCode, crc32c } from '../core/index.js';
import { CborReader, CborWriter, INDEFINITE, cborHeadLength } from './cbor.js';
import { DEFAULT_MAX_EID_LENGTH, DTN_NONE, type Eid, checkEid, readEid, writeEid } from './eid.js';

/** Protocol version of BPv7. */
export const BP_VERSION = 7;

/** Milliseconds from the Unix epoch to the DTN epoch, 2000-01-01T00:00:00Z. */
export const DTN_EPOCH_UNIX_MS = 946_684_800_000;

/** Bundle processing control flags (RFC 9171 §4.2.3). */
export const BundleFlags = {
  IS_FRAGMENT: 0x000001,
  ADMIN_RECORD: 0x000002,
  MUST_NOT_FRAGMENT: 0x000004,
  ACK_REQUESTED: 0x000020,
  STATUS_TIME_REQUESTED: 0x000040,
  REPORT_RECEPTION: 0x004000,
  REPORT_FORWARDING: 0x010000,
  REPORT_DELIVERY: 0x020000,
  REPORT_DELETION: 0x040000,
} as const;

/** Block processing control flags (RFC 9171 §4.2.4). */
export const BlockFlags = {
  REPLICATE_IN_EVERY_FRAGMENT: 0x01,
  REPORT_IF_UNPROCESSABLE: 0x02,
  DELETE_BUNDLE_IF_UNPROCESSABLE: 0x04,
  DISCARD_BLOCK_IF_UNPROCESSABLE: 0x10,
} as const;

/** Block type codes (RFC 9171 §9.1, RFC 9172 §11.1). */
export const BlockType = {
  PAYLOAD: 1,
  PREVIOUS_NODE: 6,
  BUNDLE_AGE: 7,
  HOP_COUNT: 10,
  BLOCK_INTEGRITY: 11,
  BLOCK_CONFIDENTIALITY: 12,
} as const;

/** CRC types (RFC 9171 §4.2.1). */
export const CrcType = { NONE: 0, CRC16: 1, CRC32C: 2 } as const;
/** One of {@link CrcType}. */
export type CrcType = (typeof CrcType)[keyof typeof CrcType];

/** The primary block (RFC 9171 §4.3.1). */
export interface PrimaryBlock {
  /** Bundle processing control flags; see {@link BundleFlags}. */
  flags: number;
  /** CRC type of the primary block. */
  crcType: CrcType;
  destination: Eid;
  source: Eid;
  reportTo: Eid;
  /** Creation time, milliseconds since 2000-01-01T00:00:00Z (0: the node has no clock). */
  creationTime: number;
  /** Creation timestamp sequence number. */
  sequenceNumber: number;
  /** Lifetime in milliseconds. */
  lifetime: number;
  /** Fragment offset; present exactly when the IS_FRAGMENT flag is set. */
  fragmentOffset?: number;
  /** Total application data unit length; present exactly when the IS_FRAGMENT flag is set. */
  totalAduLength?: number;
}

/** A canonical block (RFC 9171 §4.3.2). `data` is the block-type-specific data. */
export interface CanonicalBlock {
  blockType: number;
  blockNumber: number;
  /** Block processing control flags; see {@link BlockFlags}. */
  flags: number;
  crcType: CrcType;
  data: Uint8Array;
}

/** A bundle: the primary block and the canonical blocks in order; the last is the payload. */
export interface Bundle {
  primary: PrimaryBlock;
  blocks: CanonicalBlock[];
}

/** Hop count block data (RFC 9171 §4.4.3). */
export interface HopCount {
  limit: number;
  count: number;
}

/** Limits and switches of {@link decodeBundle}. */
export interface BundleDecodeOptions {
  /** Longest bundle accepted, in octets (default 16 MiB); longer input is `LIMIT_EXCEEDED`. */
  maxBundleLength?: number;
  /** Most canonical blocks (default 64). */
  maxBlocks?: number;
  /** Longest `dtn` SSP, in octets (default 1024). */
  maxEidLength?: number;
  /** Verify block CRCs (default true). */
  verifyCrc?: boolean;
  /** Reject CBOR heads that are not in their shortest form (default true). */
  strictCbor?: boolean;
  /** Accept octets after the bundle's closing break (default false). */
  allowTrailing?: boolean;
}

/** Default {@link BundleDecodeOptions.maxBundleLength}: 16 MiB. */
export const DEFAULT_MAX_BUNDLE_LENGTH = 16 << 20;
/** Default {@link BundleDecodeOptions.maxBlocks}. */
export const DEFAULT_MAX_BLOCKS = 64;

// CRC-16/X.25: reflected polynomial 0x1021 (0x8408), init 0xffff, final XOR 0xffff.
const X25 = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** CRC-16/X.25 of `data` (RFC 9171 CRC type 1; check value of "123456789" 0x906e). */
export function crc16X25(data: Uint8Array): number {
  let c = 0xffff;
  for (let i = 0; i < data.length; i++) c = (c >>> 8) ^ X25[(c ^ data[i]!) & 0xff]!;
  return (c ^ 0xffff) & 0xffff;
}

const ZEROS4 = new Uint8Array(4);

function invalid(message: string, offset: number): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_FIELD, message, { offset });
}

function crcLength(t: number): number {
  return t === CrcType.CRC16 ? 2 : t === CrcType.CRC32C ? 4 : 0;
}

/** Appends the CRC field of a block that started at `start` and patches in its value. */
function finishCrc(w: CborWriter, start: number, crcType: number): void {
  const n = crcLength(crcType);
  if (n === 0) return;
  w.head(2, n);
  w.ensure(n);
  w.buf.fill(0, w.length, w.length + n);
  w.length += n;
  const block = w.buf.subarray(start, w.length);
  const at = w.length - n;
  if (n === 2) {
    const c = crc16X25(block);
    w.buf[at] = c >> 8;
    w.buf[at + 1] = c & 0xff;
  } else {
    const c = crc32c(block);
    w.buf[at] = c >>> 24;
    w.buf[at + 1] = (c >>> 16) & 0xff;
    w.buf[at + 2] = (c >>> 8) & 0xff;
    w.buf[at + 3] = c & 0xff;
  }
}

function bad(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

function checkUint(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw bad(`${what} must be an integer from 0 to 2^53-1`);
}

function checkCrcType(t: number, what: string): void {
  if (t !== 0 && t !== 1 && t !== 2) throw bad(`${what}: CRC type must be 0, 1 or 2`);
}

/** Writes the primary block. */
export function writePrimaryBlock(w: CborWriter, p: PrimaryBlock): void {
  checkCrcType(p.crcType, 'primary block');
  checkUint(p.flags, 'bundle processing flags');
  checkUint(p.creationTime, 'creation time');
  checkUint(p.sequenceNumber, 'sequence number');
  checkUint(p.lifetime, 'lifetime');
  checkEid(p.destination, 'destination');
  checkEid(p.source, 'source');
  checkEid(p.reportTo, 'report-to');
  const fragment = (p.flags & BundleFlags.IS_FRAGMENT) !== 0;
  if (fragment) {
    if (p.fragmentOffset === undefined || p.totalAduLength === undefined) {
      throw bad('a fragment needs fragmentOffset and totalAduLength');
    }
    checkUint(p.fragmentOffset, 'fragment offset');
    checkUint(p.totalAduLength, 'total ADU length');
  } else if (p.fragmentOffset !== undefined || p.totalAduLength !== undefined) {
    throw bad('fragmentOffset and totalAduLength need the IS_FRAGMENT flag');
  }
  const start = w.length;
  w.array(8 + (fragment ? 2 : 0) + (p.crcType === 0 ? 0 : 1));
  w.uint(BP_VERSION);
  w.uint(p.flags);
  w.uint(p.crcType);
  writeEid(w, p.destination);
  writeEid(w, p.source);
  writeEid(w, p.reportTo);
  w.array(2);
  w.uint(p.creationTime);
  w.uint(p.sequenceNumber);
  w.uint(p.lifetime);
  if (fragment) {
    w.uint(p.fragmentOffset!);
    w.uint(p.totalAduLength!);
  }
  finishCrc(w, start, p.crcType);
}

/** Writes one canonical block. */
export function writeCanonicalBlock(w: CborWriter, b: CanonicalBlock): void {
  checkCrcType(b.crcType, `block ${b.blockNumber}`);
  checkUint(b.blockType, 'block type');
  checkUint(b.blockNumber, 'block number');
  checkUint(b.flags, 'block processing flags');
  if (!(b.data instanceof Uint8Array)) throw bad('block data must be a Uint8Array');
  const start = w.length;
  w.array(b.crcType === 0 ? 5 : 6);
  w.uint(b.blockType);
  w.uint(b.blockNumber);
  w.uint(b.flags);
  w.uint(b.crcType);
  w.bytes(b.data);
  finishCrc(w, start, b.crcType);
}

/** Encoded length of a canonical block (without encoding it). */
export function canonicalBlockLength(b: CanonicalBlock): number {
  const n = crcLength(b.crcType);
  return (
    1 +
    cborHeadLength(b.blockType) +
    cborHeadLength(b.blockNumber) +
    cborHeadLength(b.flags) +
    1 +
    cborHeadLength(b.data.length) +
    b.data.length +
    (n === 0 ? 0 : 1 + n)
  );
}

/** Checks the block structure rules an encoder must keep (payload last and numbered 1, ...). */
function checkStructure(bundle: Bundle): void {
  const blocks = bundle.blocks;
  if (!Array.isArray(blocks) || blocks.length === 0) throw bad('a bundle needs a payload block');
  const last = blocks[blocks.length - 1]!;
  if (last.blockType !== BlockType.PAYLOAD || last.blockNumber !== 1) {
    throw bad('the last block must be the payload block, number 1');
  }
  // Repeated numbers: looked up among the blocks before while there are few, in a set beyond.
  const seen = blocks.length > 16 ? new Set<number>() : undefined;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (b.blockNumber === 0) throw bad('block number 0 is the primary block');
    let twice = false;
    if (seen === undefined) {
      for (let j = 0; j < i; j++) if (blocks[j]!.blockNumber === b.blockNumber) twice = true;
    } else {
      twice = seen.has(b.blockNumber);
      seen.add(b.blockNumber);
    }
    if (twice) throw bad(`block number ${b.blockNumber} used twice`);
    if (b.blockType === BlockType.PAYLOAD && b !== last) throw bad('more than one payload block');
  }
}

/**
 * Encodes a bundle: `9f`, the primary block, the canonical blocks in order, `ff`.
 * @param memory - optional: for a bundle too large for the shared slabs, gives a buffer of at
 * least `n` octets to encode into (the result is then a view of it, unless it had to grow)
 * @throws CcsdsError `INVALID_ARGUMENT` for out-of-range fields or a bad block structure
 */
export function encodeBundle(bundle: Bundle, memory?: (n: number) => Uint8Array): Uint8Array {
  checkStructure(bundle);
  let size = 64;
  for (const b of bundle.blocks) size += canonicalBlockLength(b);
  const cap = size + 128;
  const small = cap <= SLAB_MAX;
  if (small && slabUsed + cap > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const w = new CborWriter(
    small ? slab.subarray(slabUsed, slabUsed + cap) : memory === undefined ? cap : memory(cap),
  );
  w.octet(0x9f);
  writePrimaryBlock(w, bundle.primary);
  for (const b of bundle.blocks) writeCanonicalBlock(w, b);
  w.octet(0xff);
  // Octets used in the slab (unless the writer outgrew its slice and moved to its own buffer).
  if (small && w.buf.buffer === slab.buffer) slabUsed += w.length;
  // A view (not a copy): at most a couple of hundred spare octets stay behind it.
  return w.buf.subarray(0, w.length);
}

/**
 * Small encoded bundles (up to {@link SLAB_MAX} octets of room) are cut one after another from
 * shared slabs of {@link SLAB_SIZE} octets, as Node's Buffer pool does: allocating a typed array
 * outside the heap costs about as much as encoding a 1 KiB bundle. A slab is freed once no
 * bundle cut from it is referenced, so a bundle held long keeps at most one slab alive.
 */
const SLAB_SIZE = 16_384;
const SLAB_MAX = 4096;
let slab = new Uint8Array(0);
let slabUsed = 0;

/** Encodes the primary block alone (as it appears inside the bundle). */
export function encodePrimaryBlock(primary: PrimaryBlock): Uint8Array {
  const w = new CborWriter(128);
  writePrimaryBlock(w, primary);
  return w.finish();
}

/** A field's name for an error message: `what`, then `n` unless negative, then `suffix`. */
function fieldName(what: string, n: number, suffix: string): string {
  return n < 0 ? what + suffix : what + n + suffix;
}

/**
 * Reads a block's CRC field (the block started at `start`) and, with `verify`, checks it. The
 * block is named `what` followed by `n` unless negative (e.g. `block ` and its number).
 */
function verifyCrc(
  r: CborReader,
  start: number,
  crcType: number,
  what: string,
  n: number,
  verify: boolean,
): void {
  const len = crcLength(crcType);
  const at = r.pos;
  const got = r.bytesLength(what, n, ' CRC');
  if (got !== len)
    throw invalid(`${fieldName(what, n, '')}: CRC field of ${got} octets, expected ${len}`, at);
  if (!verify) return;
  // The CRC covers the block with its CRC field's value zeroed: the octets before the value,
  // then n zero octets (no copy of the block).
  const bytes = r.bytes;
  const end = r.pos - len;
  let ok: boolean;
  if (len === 2) {
    let c = 0xffff;
    for (let i = start; i < end; i++) c = (c >>> 8) ^ X25[(c ^ bytes[i]!) & 0xff]!;
    for (let i = 0; i < 2; i++) c = (c >>> 8) ^ X25[c & 0xff]!;
    c = (c ^ 0xffff) & 0xffff;
    ok = bytes[end] === c >> 8 && bytes[end + 1] === (c & 0xff);
  } else {
    const c = crc32c(ZEROS4, crc32c(bytes.subarray(start, end)));
    ok =
      ((bytes[end]! << 24) | (bytes[end + 1]! << 16) | (bytes[end + 2]! << 8) | bytes[end + 3]!) >>>
        0 ===
      c;
  }
  if (!ok)
    throw new CcsdsError(CcsdsErrorCode.BAD_CRC, `${fieldName(what, n, '')}: CRC mismatch`, {
      offset: at,
    });
}

function readCrcType(r: CborReader, what: string, n: number): CrcType {
  const at = r.pos;
  const t = r.uint(what, n, ' CRC type');
  if (t > 2) throw invalid(`${fieldName(what, n, '')}: unknown CRC type ${t}`, at);
  return t as CrcType;
}

/** Reads the primary block at the reader's position. */
export function readPrimaryBlock(
  r: CborReader,
  options: Pick<BundleDecodeOptions, 'maxEidLength' | 'verifyCrc'> = {},
): PrimaryBlock {
  const start = r.pos;
  const n = r.array('primary block');
  if (n < 8 || n > 11) throw invalid(`primary block has ${n} elements (8..11)`, start);
  const vAt = r.pos;
  const version = r.uint('version');
  if (version !== BP_VERSION) throw invalid(`bundle protocol version ${version}, not 7`, vAt);
  const flags = r.uint('bundle processing flags');
  const crcType = readCrcType(r, 'primary block', -1);
  const fragment = (flags & BundleFlags.IS_FRAGMENT) !== 0;
  const expected = 8 + (fragment ? 2 : 0) + (crcType === 0 ? 0 : 1);
  if (n !== expected) {
    throw invalid(
      `primary block has ${n} elements; its flags and CRC type call for ${expected}`,
      start,
    );
  }
  const max = options.maxEidLength ?? DEFAULT_MAX_EID_LENGTH;
  const destination = readEid(r, 'destination', max);
  const source = readEid(r, 'source', max);
  const reportTo = readEid(r, 'report-to', max);
  const tsAt = r.pos;
  if (r.array('creation timestamp') !== 2)
    throw invalid('creation timestamp is not [time, seq]', tsAt);
  const creationTime = r.uint('creation time');
  const sequenceNumber = r.uint('sequence number');
  const lifetime = r.uint('lifetime');
  const p: PrimaryBlock = {
    flags,
    crcType,
    destination,
    source,
    reportTo,
    creationTime,
    sequenceNumber,
    lifetime,
  };
  if (fragment) {
    p.fragmentOffset = r.uint('fragment offset');
    const at = r.pos;
    p.totalAduLength = r.uint('total ADU length');
    if (p.fragmentOffset >= p.totalAduLength && p.totalAduLength > 0) {
      throw invalid('fragment offset beyond the total ADU length', at);
    }
  }
  if (crcType !== 0) verifyCrc(r, start, crcType, 'primary block', -1, options.verifyCrc ?? true);
  return p;
}

/** Reads one canonical block at the reader's position. */
export function readCanonicalBlock(r: CborReader, verify = true): CanonicalBlock {
  const start = r.pos;
  const n = r.array('canonical block');
  if (n !== 5 && n !== 6) throw invalid(`canonical block has ${n} elements (5 or 6)`, start);
  const blockType = r.uint('block type');
  const nAt = r.pos;
  const blockNumber = r.uint('block number');
  if (blockNumber === 0) throw invalid('canonical block numbered 0', nAt);
  const flags = r.uint('block processing flags');
  const crcType = readCrcType(r, 'block ', blockNumber);
  if (n !== (crcType === 0 ? 5 : 6)) {
    throw invalid(`block ${blockNumber}: ${n} elements with CRC type ${crcType}`, start);
  }
  const data = r.bytesView('block ', blockNumber, ' data');
  if (crcType !== 0) verifyCrc(r, start, crcType, 'block ', blockNumber, verify);
  return { blockType, blockNumber, flags, crcType, data };
}

/**
 * Decodes one bundle that fills `bytes` (or starts it, with `allowTrailing`). Block data are
 * views into `bytes`.
 * @throws CcsdsError `TRUNCATED`, `INVALID_FIELD`, `BAD_CRC`, `LIMIT_EXCEEDED`, `UNSUPPORTED`
 */
export function decodeBundle(bytes: Uint8Array, options: BundleDecodeOptions = {}): Bundle {
  return readBundle(bytes, options);
}

/** As {@link decodeBundle}, also returning the bundle's encoded length. */
export function decodeBundleAt(
  bytes: Uint8Array,
  options: BundleDecodeOptions = {},
): { bundle: Bundle; length: number } {
  const bundle = readBundle(bytes, options);
  return { bundle, length: lastBundleLength };
}

/** Encoded length of the bundle {@link readBundle} read last. */
let lastBundleLength = 0;

/** Decodes a bundle (see {@link decodeBundleAt}); its length is left in `lastBundleLength`. */
function readBundle(bytes: Uint8Array, options: BundleDecodeOptions): Bundle {
  if (!(bytes instanceof Uint8Array)) throw bad('bundle must be a Uint8Array');
  const maxLen = options.maxBundleLength ?? DEFAULT_MAX_BUNDLE_LENGTH;
  const end = Math.min(bytes.length, maxLen);
  if (bytes.length > maxLen && options.allowTrailing !== true) {
    throw new CcsdsError(
      CcsdsErrorCode.LIMIT_EXCEEDED,
      `bundle of ${bytes.length} octets exceeds the limit of ${maxLen}`,
      { offset: 0 },
    );
  }
  const r = new CborReader(bytes, 0, end, options.strictCbor ?? true);
  const h = r.head('bundle');
  if (h.major !== 4 || h.value !== INDEFINITE) {
    throw invalid('a bundle is a CBOR indefinite-length array (0x9f)', 0);
  }
  const verify = options.verifyCrc ?? true;
  const primary = readPrimaryBlock(r, options);
  const maxBlocks = options.maxBlocks ?? DEFAULT_MAX_BLOCKS;
  const blocks: CanonicalBlock[] = [];
  // Block numbers seen: looked up in `blocks` while there are few, in a set beyond.
  let numbers: Set<number> | undefined;
  let payload: CanonicalBlock | undefined;
  /** Bit per block type seen of previous node (6), bundle age (7) and hop count (10). */
  let seenSingle = 0;
  for (;;) {
    if (r.pos >= end && bytes.length > maxLen) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `bundle longer than the limit of ${maxLen} octets`,
        { offset: end },
      );
    }
    if (r.peek('bundle') === 0xff) {
      r.pos++;
      break;
    }
    const at = r.pos;
    if (payload !== undefined) throw invalid('a block follows the payload block', at);
    if (blocks.length >= maxBlocks) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `more than ${maxBlocks} canonical blocks`,
        { offset: at },
      );
    }
    const b = readCanonicalBlock(r, verify);
    if (numbers === undefined && blocks.length >= 16)
      numbers = new Set(blocks.map((x) => x.blockNumber));
    if (numbers === undefined) {
      for (const x of blocks)
        if (x.blockNumber === b.blockNumber)
          throw invalid(`block number ${b.blockNumber} repeated`, at);
    } else {
      if (numbers.has(b.blockNumber)) throw invalid(`block number ${b.blockNumber} repeated`, at);
      numbers.add(b.blockNumber);
    }
    if (b.blockType === BlockType.PAYLOAD) {
      if (b.blockNumber !== 1) throw invalid(`payload block numbered ${b.blockNumber}, not 1`, at);
      payload = b;
    } else if (b.blockNumber === 1) {
      throw invalid('block number 1 is reserved for the payload block', at);
    }
    if (
      b.blockType === BlockType.PREVIOUS_NODE ||
      b.blockType === BlockType.BUNDLE_AGE ||
      b.blockType === BlockType.HOP_COUNT
    ) {
      if ((seenSingle & (1 << b.blockType)) !== 0)
        throw invalid(`two blocks of type ${b.blockType}`, at);
      seenSingle |= 1 << b.blockType;
      try {
        checkExtensionData(b, options.maxEidLength ?? DEFAULT_MAX_EID_LENGTH, r.strict);
      } catch (e) {
        if (e instanceof CcsdsError && e.code !== CcsdsErrorCode.UNSUPPORTED) {
          throw invalid(`block ${b.blockNumber}: ${e.message}`, at);
        }
        throw e;
      }
    }
    blocks.push(b);
  }
  if (payload === undefined) throw invalid('bundle has no payload block', r.pos);
  if (primary.fragmentOffset !== undefined && primary.totalAduLength !== undefined) {
    if (primary.fragmentOffset + payload.data.length > primary.totalAduLength) {
      throw invalid('fragment extends beyond the total ADU length', 0);
    }
  }
  if (r.pos !== bytes.length && options.allowTrailing !== true) {
    throw invalid(`${bytes.length - r.pos} octets after the bundle`, r.pos);
  }
  lastBundleLength = r.pos;
  return { primary, blocks };
}

function checkExtensionData(b: CanonicalBlock, maxEid: number, strict: boolean): void {
  if (b.blockType === BlockType.PREVIOUS_NODE) decodePreviousNodeData(b.data, maxEid, strict);
  else if (b.blockType === BlockType.BUNDLE_AGE) decodeBundleAgeData(b.data, strict);
  else decodeHopCountData(b.data, strict);
}

function whole<T>(data: Uint8Array, strict: boolean, read: (r: CborReader) => T, what: string): T {
  const r = new CborReader(data, 0, data.length, strict);
  const v = read(r);
  if (!r.atEnd) throw invalid(`${what}: octets after the value`, r.pos);
  return v;
}

/** Decodes previous node block data (an EID). */
export function decodePreviousNodeData(
  data: Uint8Array,
  maxEidLength = DEFAULT_MAX_EID_LENGTH,
  strict = true,
): Eid {
  return whole(data, strict, (r) => readEid(r, 'previous node', maxEidLength), 'previous node');
}

/** Encodes previous node block data. */
export function encodePreviousNodeData(node: Eid): Uint8Array {
  checkEid(node, 'previous node');
  const w = new CborWriter(32);
  writeEid(w, node);
  return w.finish();
}

/** Decodes bundle age block data (milliseconds). */
export function decodeBundleAgeData(data: Uint8Array, strict = true): number {
  return whole(data, strict, (r) => r.uint('bundle age'), 'bundle age');
}

/** Encodes bundle age block data. */
export function encodeBundleAgeData(ageMs: number): Uint8Array {
  checkUint(ageMs, 'bundle age');
  const w = new CborWriter(16);
  w.uint(ageMs);
  return w.finish();
}

/** Decodes hop count block data. */
export function decodeHopCountData(data: Uint8Array, strict = true): HopCount {
  return whole(
    data,
    strict,
    (r) => {
      const at = r.pos;
      if (r.array('hop count') !== 2) throw invalid('hop count is not [limit, count]', at);
      return { limit: r.uint('hop limit'), count: r.uint('hop count') };
    },
    'hop count',
  );
}

/** Encodes hop count block data. */
export function encodeHopCountData(h: HopCount): Uint8Array {
  checkUint(h.limit, 'hop limit');
  checkUint(h.count, 'hop count');
  const w = new CborWriter(16);
  w.array(2);
  w.uint(h.limit);
  w.uint(h.count);
  return w.finish();
}

/** The first block of type `blockType`, if any. */
export function findBlock(bundle: Bundle, blockType: number): CanonicalBlock | undefined {
  return bundle.blocks.find((b) => b.blockType === blockType);
}

/** The payload block's data. */
export function bundlePayload(bundle: Bundle): Uint8Array {
  const last = bundle.blocks[bundle.blocks.length - 1];
  if (last?.blockType !== BlockType.PAYLOAD) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'bundle has no payload block');
  }
  return last.data;
}

/** The previous node named in the bundle, if it has that block. */
export function previousNodeOf(bundle: Bundle): Eid | undefined {
  const b = findBlock(bundle, BlockType.PREVIOUS_NODE);
  return b === undefined
    ? undefined
    : decodePreviousNodeData(b.data, DEFAULT_MAX_EID_LENGTH, false);
}

/** The bundle age in ms, if it has that block. */
export function bundleAgeOf(bundle: Bundle): number | undefined {
  const b = findBlock(bundle, BlockType.BUNDLE_AGE);
  return b === undefined ? undefined : decodeBundleAgeData(b.data, false);
}

/** The hop count, if it has that block. */
export function hopCountOf(bundle: Bundle): HopCount | undefined {
  const b = findBlock(bundle, BlockType.HOP_COUNT);
  return b === undefined ? undefined : decodeHopCountData(b.data, false);
}

/**
 * Returns a copy of the bundle in which the extension block of `blockType` carries `data`:
 * replaced in place if present, otherwise inserted before the payload with the lowest unused
 * block number (2 or more).
 */
export function withExtensionBlock(
  bundle: Bundle,
  blockType: number,
  data: Uint8Array,
  init: { flags?: number; crcType?: CrcType } = {},
): Bundle {
  const blocks = bundle.blocks.slice();
  const i = blocks.findIndex((b) => b.blockType === blockType);
  if (i >= 0) {
    const old = blocks[i]!;
    blocks[i] = {
      ...old,
      data,
      flags: init.flags ?? old.flags,
      crcType: init.crcType ?? old.crcType,
    };
  } else {
    const used = new Set(blocks.map((b) => b.blockNumber));
    let n = 2;
    while (used.has(n)) n++;
    blocks.splice(blocks.length - 1, 0, {
      blockType,
      blockNumber: n,
      flags: init.flags ?? 0,
      crcType: init.crcType ?? CrcType.NONE,
      data,
    });
  }
  return { primary: bundle.primary, blocks };
}

/** What {@link createBundle} needs. */
export interface BundleInit {
  destination: Eid;
  /** Default `dtn:none` (an anonymous bundle). */
  source?: Eid;
  /** Default: the source. */
  reportTo?: Eid;
  payload: Uint8Array;
  /** Creation time, ms since the DTN epoch (default 0). */
  creationTime?: number;
  /** Default 0. */
  sequenceNumber?: number;
  /** Lifetime in ms (default 24 h). */
  lifetime?: number;
  /** Bundle processing flags (default 0). */
  flags?: number;
  /** CRC type of the primary block (default CRC-32C). */
  crcType?: CrcType;
  /** CRC type of the payload block (default none). */
  payloadCrcType?: CrcType;
  /** Add a hop count block with this limit. */
  hopLimit?: number;
  /** Add a bundle age block with this age (ms); always added when the creation time is 0. */
  bundleAge?: number;
  /** Further extension blocks (numbered from 2 upwards when their number is 0). */
  extensionBlocks?: CanonicalBlock[];
}

/** Builds a bundle from its parts. */
export function createBundle(init: BundleInit): Bundle {
  const source = init.source ?? DTN_NONE;
  const creationTime = init.creationTime ?? 0;
  const primary: PrimaryBlock = {
    flags: init.flags ?? 0,
    crcType: init.crcType ?? CrcType.CRC32C,
    destination: init.destination,
    source,
    reportTo: init.reportTo ?? source,
    creationTime,
    sequenceNumber: init.sequenceNumber ?? 0,
    lifetime: init.lifetime ?? 86_400_000,
  };
  const payload: CanonicalBlock = {
    blockType: BlockType.PAYLOAD,
    blockNumber: 1,
    flags: 0,
    crcType: init.payloadCrcType ?? CrcType.NONE,
    data: init.payload,
  };
  const ext = init.extensionBlocks;
  let bundle: Bundle = {
    primary,
    blocks:
      ext === undefined || ext.length === 0
        ? [payload]
        : [...ext.filter((b) => b.blockNumber !== 0), payload],
  };
  for (const b of ext ?? []) {
    if (b.blockNumber === 0) {
      bundle = withExtensionBlock(bundle, b.blockType, b.data, {
        flags: b.flags,
        crcType: b.crcType,
      });
    }
  }
  if (init.hopLimit !== undefined) {
    bundle = withExtensionBlock(
      bundle,
      BlockType.HOP_COUNT,
      encodeHopCountData({ limit: init.hopLimit, count: 0 }),
    );
  }
  if (init.bundleAge !== undefined || creationTime === 0) {
    bundle = withExtensionBlock(
      bundle,
      BlockType.BUNDLE_AGE,
      encodeBundleAgeData(init.bundleAge ?? 0),
    );
  }
  checkStructure(bundle);
  return bundle;
}

/** A bundle's identity: source, creation timestamp and, for fragments, offset and length. */
export function bundleKey(bundle: Bundle): string {
  const p = bundle.primary;
  const src =
    p.source.scheme === 'ipn'
      ? `ipn:${p.source.allocator ?? ''}.${p.source.node}.${p.source.service}`
      : `dtn:${p.source.ssp}`;
  const base = `${src}|${p.creationTime}|${p.sequenceNumber}`;
  if (p.fragmentOffset === undefined) return base;
  return `${base}|${p.fragmentOffset}|${bundlePayload(bundle).length}`;
}
