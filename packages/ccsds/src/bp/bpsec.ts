/**
 * Bundle Protocol Security (BPSec, RFC 9172) with its default security contexts (RFC 9173):
 * the Abstract Security Block (RFC 9172 §3.6) carried by Block Integrity Blocks (BIB, block type
 * 11, §3.7) and Block Confidentiality Blocks (BCB, block type 12, §3.8); BIB-HMAC-SHA2
 * (RFC 9173 §3, security context 1) and BCB-AES-GCM (RFC 9173 §4, security context 2), with
 * optional AES key wrap (RFC 3394) of the session key.
 *
 * Cryptography is WebCrypto (`globalThis.crypto.subtle`), so signing, verifying, encrypting and
 * decrypting are asynchronous; the block encoding and decoding are synchronous. Verification and
 * decryption report one result per security target; a target that fails is reported as failed
 * (with the reason), never accepted, and decryption never hands back unauthenticated plaintext.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import { BlockFlags, BlockType, type Bundle, type CanonicalBlock, CrcType } from './bundle.js';
import { encodePrimaryBlock } from './bundle.js';
import { CborMajor, CborReader, CborWriter } from './cbor.js';
import { DEFAULT_MAX_EID_LENGTH, type Eid, checkEid, readEid, writeEid } from './eid.js';

/** Security context identifiers (RFC 9173 §5.1, the "BPSec Security Context Identifiers" registry). */
export const SecurityContextId = {
  /** BIB-HMAC-SHA2 (RFC 9173 §3). */
  BIB_HMAC_SHA2: 1,
  /** BCB-AES-GCM (RFC 9173 §4). */
  BCB_AES_GCM: 2,
} as const;

/**
 * Bundle status report reason codes added by BPSec (RFC 9172 §11.2), for deleting a bundle
 * because of its security operations.
 */
export const BpsecStatusReason = {
  MISSING_SECURITY_OPERATION: 12,
  UNKNOWN_SECURITY_OPERATION: 13,
  UNEXPECTED_SECURITY_OPERATION: 14,
  FAILED_SECURITY_OPERATION: 15,
  CONFLICTING_SECURITY_OPERATION: 16,
} as const;

/** Security context flag bit 0: the context parameters field is present (RFC 9172 §3.6). */
export const SECURITY_CONTEXT_PARAMETERS_PRESENT = 0x01;

/**
 * One security context parameter or security result (RFC 9172 §3.6): an identifier and one
 * CBOR item, kept in its encoded form (`value` holds the item's octets, head included).
 */
export interface SecurityItem {
  /** Parameter or result identifier (a CBOR unsigned integer). */
  id: number;
  /** The value: exactly one encoded CBOR item. */
  value: Uint8Array;
}

/** The Abstract Security Block, the block-type-specific data of a BIB or BCB (RFC 9172 §3.6). */
export interface AbstractSecurityBlock {
  /** Block numbers of the security targets (at least one, no repeats; 0 is the primary block). */
  targets: number[];
  /** Security context identifier (a CBOR integer; negative values are private use). */
  contextId: number;
  /** The security source: the node that added the security operation. */
  source: Eid;
  /** Security context parameters; present exactly when context flag bit 0 is set. */
  parameters?: SecurityItem[];
  /** Security results, one list per target, in the order of `targets`. */
  results: SecurityItem[][];
}

/** Limits of {@link decodeAbstractSecurityBlock}. */
export interface AsbDecodeOptions {
  /** Most security targets (default 64). */
  maxTargets?: number;
  /** Most context parameters (default 32). */
  maxParameters?: number;
  /** Most results per target (default 32). */
  maxResultsPerTarget?: number;
  /** Longest `dtn` security source SSP (default 1024). */
  maxEidLength?: number;
  /** Deepest nesting of one parameter or result value (default 8). */
  maxValueDepth?: number;
}

function invalid(message: string, offset?: number): CcsdsError {
  return new CcsdsError(
    CcsdsErrorCode.INVALID_FIELD,
    message,
    offset === undefined ? {} : { offset },
  );
}

function badArg(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

function limit(message: string, offset: number): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, message, { offset });
}

function checkUint(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0)
    throw badArg(`${what} must be an integer from 0 to 2^53-1`);
}

function writeInt(w: CborWriter, v: number): void {
  if (!Number.isSafeInteger(v)) throw badArg(`security context ID must be a safe integer`);
  if (v >= 0) w.uint(v);
  else w.head(CborMajor.NEGATIVE, -1 - v);
}

function checkOneItem(value: Uint8Array, what: string): void {
  if (!(value instanceof Uint8Array)) throw badArg(`${what} must be a Uint8Array`);
  const r = new CborReader(value, 0, value.length, true);
  try {
    r.skip(what, 16, 1 << 16);
  } catch (e) {
    throw badArg(`${what} is not one well-formed CBOR item: ${(e as Error).message}`);
  }
  if (!r.atEnd) throw badArg(`${what} holds more than one CBOR item`);
}

function writeItems(w: CborWriter, items: SecurityItem[], what: string): void {
  w.array(items.length);
  for (const it of items) {
    checkUint(it.id, `${what} ID`);
    checkOneItem(it.value, `${what} ${it.id} value`);
    w.array(2);
    w.uint(it.id);
    w.raw(it.value);
  }
}

/**
 * Encodes an Abstract Security Block (RFC 9172 §3.6) as the CBOR sequence of its fields, in
 * deterministic form (RFC 9172 §4).
 * @throws CcsdsError `INVALID_ARGUMENT` for no targets, repeated targets, a result list per
 * target missing, or a parameter/result value that is not exactly one CBOR item
 */
export function encodeAbstractSecurityBlock(asb: AbstractSecurityBlock): Uint8Array {
  const { targets, results } = asb;
  if (!Array.isArray(targets) || targets.length === 0) {
    throw badArg('an abstract security block needs at least one security target');
  }
  const seen = new Set<number>();
  for (const t of targets) {
    checkUint(t, 'security target');
    if (seen.has(t)) throw badArg(`security target ${t} listed twice`);
    seen.add(t);
  }
  if (!Array.isArray(results) || results.length !== targets.length) {
    throw badArg('one list of security results is needed per security target');
  }
  checkEid(asb.source, 'security source');
  const w = new CborWriter(64);
  w.array(targets.length);
  for (const t of targets) w.uint(t);
  writeInt(w, asb.contextId);
  w.uint(asb.parameters === undefined ? 0 : SECURITY_CONTEXT_PARAMETERS_PRESENT);
  writeEid(w, asb.source);
  if (asb.parameters !== undefined) writeItems(w, asb.parameters, 'security context parameter');
  w.array(results.length);
  for (const list of results) writeItems(w, list, 'security result');
  return w.finish();
}

function readItems(
  r: CborReader,
  what: string,
  max: number,
  depth: number,
  unique: boolean,
): SecurityItem[] {
  const at = r.pos;
  const n = r.array(what);
  if (n > max) throw limit(`${n} ${what}s exceed the limit of ${max}`, at);
  const items: SecurityItem[] = [];
  const ids = new Set<number>();
  for (let i = 0; i < n; i++) {
    const iAt = r.pos;
    if (r.array(what) !== 2) throw invalid(`${what} is not [id, value]`, iAt);
    const id = r.uint(`${what} ID`);
    if (unique && ids.has(id)) throw invalid(`${what} ${id} repeated`, iAt);
    ids.add(id);
    const start = r.pos;
    r.skip(`${what} ${id} value`, depth, 4096);
    items.push({ id, value: r.bytes.subarray(start, r.pos) });
  }
  return items;
}

/**
 * Decodes an Abstract Security Block (RFC 9172 §3.6) that fills `data`: strict deterministic
 * CBOR, at least one target and no repeats, a known context flag set only, parameter IDs not
 * repeated, one result list per target, and nothing after the results. Values are views into
 * `data`.
 * @throws CcsdsError `TRUNCATED`, `INVALID_FIELD`, `LIMIT_EXCEEDED`, `UNSUPPORTED`
 */
export function decodeAbstractSecurityBlock(
  data: Uint8Array,
  options: AsbDecodeOptions = {},
): AbstractSecurityBlock {
  if (!(data instanceof Uint8Array)) throw badArg('security block data must be a Uint8Array');
  const maxTargets = options.maxTargets ?? 64;
  const depth = options.maxValueDepth ?? 8;
  const r = new CborReader(data, 0, data.length, true);
  const tAt = r.pos;
  const n = r.array('security targets');
  if (n === 0) throw invalid('no security targets', tAt);
  if (n > maxTargets) throw limit(`${n} security targets exceed the limit of ${maxTargets}`, tAt);
  const targets: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const t = r.uint('security target');
    if (seen.has(t)) throw invalid(`security target ${t} repeated`, at);
    seen.add(t);
    targets.push(t);
  }
  const cAt = r.pos;
  const h = r.head('security context ID');
  if (h.major !== CborMajor.UNSIGNED && h.major !== CborMajor.NEGATIVE) {
    throw invalid('security context ID is not an integer', cAt);
  }
  const contextId = h.major === CborMajor.UNSIGNED ? h.value : -1 - h.value;
  const fAt = r.pos;
  const flags = r.uint('security context flags');
  if ((flags & ~SECURITY_CONTEXT_PARAMETERS_PRESENT) !== 0) {
    throw invalid(`reserved security context flags set (0x${flags.toString(16)})`, fAt);
  }
  const source = readEid(r, 'security source', options.maxEidLength ?? DEFAULT_MAX_EID_LENGTH);
  const asb: AbstractSecurityBlock = { targets, contextId, source, results: [] };
  if (flags & SECURITY_CONTEXT_PARAMETERS_PRESENT) {
    asb.parameters = readItems(
      r,
      'security context parameter',
      options.maxParameters ?? 32,
      depth,
      true,
    );
  }
  const rAt = r.pos;
  const m = r.array('security target results');
  if (m !== n) throw invalid(`${m} result lists for ${n} security targets`, rAt);
  const maxResults = options.maxResultsPerTarget ?? 32;
  for (let i = 0; i < m; i++) {
    asb.results.push(readItems(r, 'security result', maxResults, depth, false));
  }
  if (!r.atEnd) throw invalid(`${data.length - r.pos} octets after the security results`, r.pos);
  return asb;
}

// ---------------------------------------------------------------------------------------------
// RFC 9173 identifiers

/** BIB-HMAC-SHA2 security context parameter IDs (RFC 9173 §3.3). */
export const BibHmacSha2Parameter = {
  /** SHA variant (§3.3.1); default {@link ShaVariant.HMAC_384}. */
  SHA_VARIANT: 1,
  /** Wrapped key (§3.3.2): the HMAC key wrapped with AES key wrap. */
  WRAPPED_KEY: 2,
  /** Integrity scope flags (§3.3.3); default 7. */
  INTEGRITY_SCOPE_FLAGS: 3,
} as const;

/** BIB-HMAC-SHA2 result IDs (RFC 9173 §3.4). */
export const BibHmacSha2Result = { EXPECTED_HMAC: 1 } as const;

/** SHA variants of BIB-HMAC-SHA2 (RFC 9173 §3.3.1, IANA COSE algorithm IDs). */
export const ShaVariant = { HMAC_256: 5, HMAC_384: 6, HMAC_512: 7 } as const;
/** One of {@link ShaVariant}. */
export type ShaVariant = (typeof ShaVariant)[keyof typeof ShaVariant];

/**
 * Integrity scope flags (RFC 9173 §3.3.3) and AAD scope flags (§4.3.4): what, besides the
 * target's data, is covered.
 */
export const ScopeFlags = {
  /** The primary block. */
  PRIMARY_BLOCK: 0x01,
  /** The target block's type, number and processing flags. */
  TARGET_HEADER: 0x02,
  /** The security block's type, number and processing flags. */
  SECURITY_HEADER: 0x04,
} as const;

/** BCB-AES-GCM security context parameter IDs (RFC 9173 §4.3). */
export const BcbAesGcmParameter = {
  /** Initialization vector (§4.3.1). */
  IV: 1,
  /** AES variant (§4.3.2); default {@link AesVariant.A256GCM}. */
  AES_VARIANT: 2,
  /** Wrapped key (§4.3.3): the content-encryption key wrapped with AES key wrap. */
  WRAPPED_KEY: 3,
  /** AAD scope flags (§4.3.4); default 7. */
  AAD_SCOPE_FLAGS: 4,
} as const;

/** BCB-AES-GCM result IDs (RFC 9173 §4.4). */
export const BcbAesGcmResult = { AUTHENTICATION_TAG: 1 } as const;

/** AES variants of BCB-AES-GCM (RFC 9173 §4.3.2, IANA COSE algorithm IDs). */
export const AesVariant = { A128GCM: 1, A256GCM: 3 } as const;
/** One of {@link AesVariant}. */
export type AesVariant = (typeof AesVariant)[keyof typeof AesVariant];

const HASH: Record<number, string> = { 5: 'SHA-256', 6: 'SHA-384', 7: 'SHA-512' };
const AES_KEY_LENGTH: Record<number, number> = { 1: 16, 3: 32 };
const TAG_LENGTH = 16;

// ---------------------------------------------------------------------------------------------
// Small CBOR helpers for parameter values

function uintItem(v: number): Uint8Array {
  const w = new CborWriter(9);
  w.uint(v);
  return w.finish();
}

function bytesItem(v: Uint8Array): Uint8Array {
  const w = new CborWriter(v.length + 9);
  w.bytes(v);
  return w.finish();
}

function itemUint(v: Uint8Array, what: string): number {
  const r = new CborReader(v, 0, v.length, true);
  const n = r.uint(what);
  if (!r.atEnd) throw invalid(`${what}: more than one item`);
  return n;
}

function itemBytes(v: Uint8Array, what: string): Uint8Array {
  const r = new CborReader(v, 0, v.length, true);
  const b = r.bytesView(what);
  if (!r.atEnd) throw invalid(`${what}: more than one item`);
  return b;
}

// ---------------------------------------------------------------------------------------------
// WebCrypto

function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (s === undefined) {
    throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, 'WebCrypto (crypto.subtle) is not available');
  }
  return s;
}

/** A copy backed by its own ArrayBuffer (what WebCrypto's types ask for). */
function own(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(u);
}

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b;
}

function checkKek(kek: Uint8Array): void {
  if (!(kek instanceof Uint8Array) || ![16, 24, 32].includes(kek.length)) {
    throw badArg('a key-encryption key is 16, 24 or 32 octets (AES key wrap, RFC 3394)');
  }
}

/** AES key wrap (RFC 3394) of `key` with `kek`. */
async function wrapKey(key: Uint8Array, kek: Uint8Array): Promise<Uint8Array> {
  checkKek(kek);
  if (key.length < 16 || key.length % 8 !== 0) {
    throw badArg('AES key wrap needs a key of 16 octets or more, a multiple of 8');
  }
  const s = subtle();
  const k = await s.importKey('raw', own(kek), 'AES-KW', false, ['wrapKey']);
  const inner = await s.importKey('raw', own(key), { name: 'HMAC', hash: 'SHA-256' }, true, [
    'sign',
  ]);
  return new Uint8Array(await s.wrapKey('raw', inner, k, 'AES-KW'));
}

/** AES key unwrap; `undefined` when the integrity check fails. */
async function unwrapKey(wrapped: Uint8Array, kek: Uint8Array): Promise<Uint8Array | undefined> {
  checkKek(kek);
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) return undefined;
  const s = subtle();
  const k = await s.importKey('raw', own(kek), 'AES-KW', false, ['unwrapKey']);
  try {
    const key = await s.unwrapKey(
      'raw',
      own(wrapped),
      k,
      'AES-KW',
      { name: 'HMAC', hash: 'SHA-256' },
      true,
      ['sign'],
    );
    return new Uint8Array(await s.exportKey('raw', key));
  } catch {
    return undefined;
  }
}

async function hmac(variant: number, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const s = subtle();
  const k = await s.importKey('raw', own(key), { name: 'HMAC', hash: HASH[variant]! }, false, [
    'sign',
  ]);
  return new Uint8Array(await s.sign('HMAC', k, own(data)));
}

function equalConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

// ---------------------------------------------------------------------------------------------
// Bundle helpers

function blockByNumber(bundle: Bundle, n: number): CanonicalBlock | undefined {
  return bundle.blocks.find((b) => b.blockNumber === n);
}

function securityBlocks(bundle: Bundle, type: number): CanonicalBlock[] {
  return bundle.blocks.filter((b) => b.blockType === type);
}

/** Decodes the security blocks of `type`, leaving out those in `skip` (encrypted BIBs). */
function decodeSecurityBlocks(
  bundle: Bundle,
  type: number,
  skip: Set<number> = new Set(),
): { block: CanonicalBlock; asb: AbstractSecurityBlock }[] {
  const blocks = securityBlocks(bundle, type).filter((b) => !skip.has(b.blockNumber));
  return blocks.map((block) => {
    try {
      return { block, asb: decodeAbstractSecurityBlock(block.data) };
    } catch (e) {
      if (e instanceof CcsdsError) {
        throw new CcsdsError(e.code, `security block ${block.blockNumber}: ${e.message}`);
      }
      throw e;
    }
  });
}

/** Block numbers that the bundle's BCBs encrypt. */
function encryptedTargets(bundle: Bundle): Set<number> {
  const out = new Set<number>();
  for (const s of decodeSecurityBlocks(bundle, BlockType.BLOCK_CONFIDENTIALITY)) {
    for (const t of s.asb.targets) out.add(t);
  }
  return out;
}

function header(w: CborWriter, b: CanonicalBlock): void {
  w.uint(b.blockType);
  w.uint(b.blockNumber);
  w.uint(b.flags);
}

function newBlockNumber(bundle: Bundle, wanted: number | undefined): number {
  const used = new Set(bundle.blocks.map((b) => b.blockNumber));
  if (wanted !== undefined) {
    checkUint(wanted, 'block number');
    if (wanted < 2) throw badArg('a security block needs a block number of 2 or more');
    if (used.has(wanted)) throw badArg(`block number ${wanted} is in use`);
    return wanted;
  }
  let n = 2;
  while (used.has(n)) n++;
  return n;
}

function insertBlock(bundle: Bundle, block: CanonicalBlock, index: number | undefined): Bundle {
  const blocks = bundle.blocks.slice();
  const last = blocks.length - 1; // the payload stays last
  const at = index === undefined ? last : index;
  if (!Number.isSafeInteger(at) || at < 0 || at > last) {
    throw badArg(`insertion index must be from 0 to ${last} (the payload block stays last)`);
  }
  blocks.splice(at, 0, block);
  return { primary: bundle.primary, blocks };
}

function checkScope(flags: number, what: string): void {
  checkUint(flags, what);
  if (flags > 7) throw badArg(`${what}: only bits 0..2 are defined`);
}

/** Where a new security block goes and how it is framed. */
export interface SecurityBlockPlacement {
  /** Block number of the new block (default: the lowest unused, 2 or more). */
  blockNumber?: number;
  /** Index in `bundle.blocks` to insert it at (default: just before the payload block). */
  index?: number;
  /** CRC type of the new block (default none). */
  crcType?: CrcType;
}

// ---------------------------------------------------------------------------------------------
// BIB-HMAC-SHA2 (RFC 9173 §3)

/** Options of {@link signBib}. */
export interface BibSignOptions extends SecurityBlockPlacement {
  /** Block numbers to sign (0 is the primary block). */
  targets: number[];
  /**
   * The HMAC key. With `keyEncryptionKey`, this key is AES-wrapped into the block (RFC 9173
   * §3.3.2) and the verifier needs only the key-encryption key.
   */
  key: Uint8Array;
  /** Key-encryption key (16, 24 or 32 octets) to wrap `key` with. */
  keyEncryptionKey?: Uint8Array;
  /** The security source: this node's ID. */
  source: Eid;
  /** SHA variant (default {@link ShaVariant.HMAC_384}, RFC 9173 §3.3.1). */
  shaVariant?: ShaVariant;
  /** Integrity scope flags (default 7, RFC 9173 §3.3.3); see {@link ScopeFlags}. */
  scopeFlags?: number;
  /** Block processing control flags of the BIB (default 0). */
  flags?: number;
}

/**
 * The Integrity-Protected Plaintext of one target (RFC 9173 §3.7): the integrity scope flags
 * as a CBOR unsigned integer, then (by those flags) the primary block, the target's block type,
 * number and flags, and the BIB's block type, number and flags, then the target's
 * block-type-specific data as a CBOR byte string (for the primary block: its encoding).
 * @throws CcsdsError `INVALID_ARGUMENT` if the target is missing or is the primary block with
 * the target header flag (which has no block header to include)
 */
export function integrityProtectedPlaintext(
  bundle: Bundle,
  target: number,
  scopeFlags: number,
  bib: Pick<CanonicalBlock, 'blockType' | 'blockNumber' | 'flags'>,
): Uint8Array {
  const flags = scopeFlags & 7;
  const primary = encodePrimaryBlock(bundle.primary);
  let data: Uint8Array;
  let targetBlock: CanonicalBlock | undefined;
  if (target === 0) {
    if (flags & ScopeFlags.TARGET_HEADER) {
      throw badArg('the primary block has no block header for the target header scope flag');
    }
    data = primary;
  } else {
    targetBlock = blockByNumber(bundle, target);
    if (targetBlock === undefined) throw badArg(`security target ${target} is not in the bundle`);
    data = targetBlock.data;
  }
  const w = new CborWriter(data.length + primary.length + 48);
  w.uint(flags);
  if (flags & ScopeFlags.PRIMARY_BLOCK) w.raw(primary);
  if (flags & ScopeFlags.TARGET_HEADER) header(w, targetBlock!);
  if (flags & ScopeFlags.SECURITY_HEADER) header(w, bib as CanonicalBlock);
  w.bytes(data);
  return w.finish();
}

function checkBibTarget(bundle: Bundle, t: number, bcbTargets: Set<number>): void {
  checkUint(t, 'security target');
  if (t === 0) return;
  const b = blockByNumber(bundle, t);
  if (b === undefined) throw badArg(`security target ${t} is not in the bundle`);
  if (
    b.blockType === BlockType.BLOCK_INTEGRITY ||
    b.blockType === BlockType.BLOCK_CONFIDENTIALITY
  ) {
    throw badArg(`security target ${t} is a security block (RFC 9172 §3.9)`);
  }
  if (bcbTargets.has(t)) {
    throw badArg(`security target ${t} is encrypted by a BCB; it cannot be signed (RFC 9172 §3.9)`);
  }
}

/**
 * Adds a BIB using BIB-HMAC-SHA2 (RFC 9172 §3.7, RFC 9173 §3) that signs `targets` with one
 * HMAC per target over its IPPT. The parameters (SHA variant, wrapped key when a key-encryption
 * key is given, scope flags) are always written out, as in RFC 9173 Appendix A.
 * @returns a new bundle (the input is not changed)
 * @throws CcsdsError `INVALID_ARGUMENT` for missing targets, security blocks or encrypted
 * blocks as targets, a target already signed by another BIB (RFC 9172 §3.2), or bad options
 */
export async function signBib(bundle: Bundle, options: BibSignOptions): Promise<Bundle> {
  const variant = options.shaVariant ?? ShaVariant.HMAC_384;
  if (HASH[variant] === undefined) throw badArg(`unknown SHA variant ${variant}`);
  const scope = options.scopeFlags ?? 7;
  checkScope(scope, 'integrity scope flags');
  if (!(options.key instanceof Uint8Array) || options.key.length === 0) {
    throw badArg('an HMAC key is needed');
  }
  const targets = options.targets;
  if (!Array.isArray(targets) || targets.length === 0) throw badArg('no security targets');
  if (new Set(targets).size !== targets.length) throw badArg('security target listed twice');
  const encrypted = encryptedTargets(bundle);
  const signed = new Set<number>();
  for (const s of decodeSecurityBlocks(bundle, BlockType.BLOCK_INTEGRITY, encrypted)) {
    for (const t of s.asb.targets) signed.add(t);
  }
  for (const t of targets) {
    checkBibTarget(bundle, t, encrypted);
    if (signed.has(t)) throw badArg(`security target ${t} is already signed by a BIB`);
  }
  const flags = options.flags ?? 0;
  checkUint(flags, 'block processing flags');
  const blockNumber = newBlockNumber(bundle, options.blockNumber);
  const bibHeader = { blockType: BlockType.BLOCK_INTEGRITY, blockNumber, flags };
  const parameters: SecurityItem[] = [
    { id: BibHmacSha2Parameter.SHA_VARIANT, value: uintItem(variant) },
  ];
  if (options.keyEncryptionKey !== undefined) {
    const wrapped = await wrapKey(options.key, options.keyEncryptionKey);
    parameters.push({ id: BibHmacSha2Parameter.WRAPPED_KEY, value: bytesItem(wrapped) });
  }
  parameters.push({ id: BibHmacSha2Parameter.INTEGRITY_SCOPE_FLAGS, value: uintItem(scope) });
  const results: SecurityItem[][] = [];
  for (const t of targets) {
    const ippt = integrityProtectedPlaintext(bundle, t, scope, bibHeader);
    const mac = await hmac(variant, options.key, ippt);
    results.push([{ id: BibHmacSha2Result.EXPECTED_HMAC, value: bytesItem(mac) }]);
  }
  const data = encodeAbstractSecurityBlock({
    targets: targets.slice(),
    contextId: SecurityContextId.BIB_HMAC_SHA2,
    source: options.source,
    parameters,
    results,
  });
  return insertBlock(
    bundle,
    { ...bibHeader, crcType: options.crcType ?? CrcType.NONE, data },
    options.index,
  );
}

/** The outcome of one security target of one security block. */
export interface SecurityTargetResult {
  /** Block number of the BIB or BCB. */
  securityBlock: number;
  /** The security source of that block. */
  source: Eid;
  /** Block number of the target. */
  target: number;
  /** True when the target verified (BIB) or decrypted and authenticated (BCB). */
  ok: boolean;
  /** Why it failed (absent when `ok`). */
  reason?: string;
}

/**
 * The key a verifier or decryptor holds: the HMAC key or content-encryption key itself, or the
 * key-encryption key when the block carries a wrapped key; or a function choosing it by the
 * security source (returning `undefined` for "no key": those targets fail).
 */
export type SecurityKey =
  | Uint8Array
  | ((source: Eid, securityBlock: number) => Uint8Array | undefined);

/** Options of {@link verifyBib}. */
export interface BibVerifyOptions {
  /** The key (see {@link SecurityKey}). */
  key: SecurityKey;
  /** Verify only this BIB (default: every BIB of context BIB-HMAC-SHA2). */
  blockNumber?: number;
}

function resolveKey(key: SecurityKey, source: Eid, block: number): Uint8Array | undefined {
  return typeof key === 'function' ? key(source, block) : key;
}

interface ParsedParams {
  map: Map<number, Uint8Array>;
  error?: string;
}

function params(asb: AbstractSecurityBlock, known: number[]): ParsedParams {
  const map = new Map<number, Uint8Array>();
  for (const p of asb.parameters ?? []) {
    if (!known.includes(p.id)) return { map, error: `unknown security context parameter ${p.id}` };
    map.set(p.id, p.value);
  }
  return { map };
}

async function verifyOneBib(
  bundle: Bundle,
  block: CanonicalBlock,
  asb: AbstractSecurityBlock,
  key: SecurityKey,
): Promise<SecurityTargetResult[]> {
  const fail = (reason: string): SecurityTargetResult[] =>
    asb.targets.map((target) => ({
      securityBlock: block.blockNumber,
      source: asb.source,
      target,
      ok: false,
      reason,
    }));
  const p = params(asb, [1, 2, 3]);
  if (p.error !== undefined) return fail(p.error);
  let variant: number = ShaVariant.HMAC_384;
  let scope = 7;
  let wrapped: Uint8Array | undefined;
  try {
    const v = p.map.get(BibHmacSha2Parameter.SHA_VARIANT);
    if (v !== undefined) variant = itemUint(v, 'SHA variant');
    const s = p.map.get(BibHmacSha2Parameter.INTEGRITY_SCOPE_FLAGS);
    if (s !== undefined) scope = itemUint(s, 'integrity scope flags');
    const k = p.map.get(BibHmacSha2Parameter.WRAPPED_KEY);
    if (k !== undefined) wrapped = itemBytes(k, 'wrapped key');
  } catch (e) {
    return fail(`bad security context parameter: ${(e as Error).message}`);
  }
  if (HASH[variant] === undefined) return fail(`unknown SHA variant ${variant}`);
  let k = resolveKey(key, asb.source, block.blockNumber);
  if (k === undefined || k.length === 0) return fail('no key for this security source');
  if (wrapped !== undefined) {
    if (![16, 24, 32].includes(k.length)) return fail('key-encryption key of a wrong length');
    k = await unwrapKey(wrapped, k);
    if (k === undefined)
      return fail('key unwrap failed (wrong key-encryption key or modified wrapped key)');
  }
  const out: SecurityTargetResult[] = [];
  for (let i = 0; i < asb.targets.length; i++) {
    const target = asb.targets[i]!;
    const base = { securityBlock: block.blockNumber, source: asb.source, target };
    const res = asb.results[i]!;
    let expected: Uint8Array | undefined;
    let reason: string | undefined;
    for (const r of res) {
      if (r.id !== BibHmacSha2Result.EXPECTED_HMAC) reason = `unknown security result ${r.id}`;
      else if (expected !== undefined) reason = 'expected HMAC given twice';
      else {
        try {
          expected = itemBytes(r.value, 'expected HMAC');
        } catch (e) {
          reason = (e as Error).message;
        }
      }
    }
    if (reason === undefined && expected === undefined) reason = 'no expected HMAC';
    if (reason === undefined && target !== 0 && blockByNumber(bundle, target) === undefined) {
      reason = 'target block is not in the bundle';
    }
    if (reason === undefined && target === 0 && scope & ScopeFlags.TARGET_HEADER) {
      reason = 'target header scope on the primary block';
    }
    if (reason !== undefined) {
      out.push({ ...base, ok: false, reason });
      continue;
    }
    const ippt = integrityProtectedPlaintext(bundle, target, scope, block);
    const mac = await hmac(variant, k, ippt);
    out.push(
      equalConstantTime(mac, expected!)
        ? { ...base, ok: true }
        : { ...base, ok: false, reason: 'HMAC mismatch' },
    );
  }
  return out;
}

/**
 * Verifies the BIB-HMAC-SHA2 BIBs of a bundle (RFC 9172 §5.1.2, RFC 9173 §3.7-3.8): one result
 * per target of each BIB. A target whose HMAC does not match, whose block is missing, whose
 * BIB has parameters this implementation does not know, or for which no key is given, is
 * reported with `ok: false`. BIBs of other security contexts are not examined (unless named by
 * `blockNumber`, when every target fails as unsupported). BIBs that a BCB encrypts are left out
 * (decrypt them first with {@link decryptBcb}); a target still encrypted fails its HMAC.
 * @throws CcsdsError if a BIB's data is not a well-formed abstract security block, or
 * `blockNumber` names no BIB (`INVALID_ARGUMENT`) or an encrypted BIB (`INVALID_STATE`)
 */
export async function verifyBib(
  bundle: Bundle,
  options: BibVerifyOptions,
): Promise<SecurityTargetResult[]> {
  const encrypted = encryptedTargets(bundle);
  if (options.blockNumber !== undefined && encrypted.has(options.blockNumber)) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_STATE,
      `BIB ${options.blockNumber} is encrypted by a BCB; decrypt it first`,
    );
  }
  let bibs = decodeSecurityBlocks(bundle, BlockType.BLOCK_INTEGRITY, encrypted);
  if (options.blockNumber !== undefined) {
    bibs = bibs.filter((b) => b.block.blockNumber === options.blockNumber);
    if (bibs.length === 0) throw badArg(`no BIB numbered ${options.blockNumber}`);
  } else bibs = bibs.filter((b) => b.asb.contextId === SecurityContextId.BIB_HMAC_SHA2);
  const out: SecurityTargetResult[] = [];
  for (const { block, asb } of bibs) {
    if (asb.contextId !== SecurityContextId.BIB_HMAC_SHA2) {
      for (const target of asb.targets) {
        out.push({
          securityBlock: block.blockNumber,
          source: asb.source,
          target,
          ok: false,
          reason: `unsupported security context ${asb.contextId}`,
        });
      }
      continue;
    }
    out.push(...(await verifyOneBib(bundle, block, asb, options.key)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// BCB-AES-GCM (RFC 9173 §4)

/** Options of {@link encryptBcb}. */
export interface BcbEncryptOptions extends SecurityBlockPlacement {
  /** Block numbers to encrypt (not the primary block, not a BCB). */
  targets: number[];
  /**
   * The content-encryption key (16 octets for A128GCM, 32 for A256GCM). May be left out when
   * `keyEncryptionKey` is given: a random key is then made and wrapped into the block.
   */
  key?: Uint8Array;
  /** Key-encryption key (16, 24 or 32 octets) that wraps the content-encryption key (RFC 9173 §4.3.3). */
  keyEncryptionKey?: Uint8Array;
  /** The security source: this node's ID. */
  source: Eid;
  /** AES variant (default: by the key's length, or A256GCM for a generated key). */
  aesVariant?: AesVariant;
  /** Initialization vector (default 12 random octets; RFC 9173 §4.3.1). Never reuse one with a key. */
  iv?: Uint8Array;
  /** AAD scope flags (default 7, RFC 9173 §4.3.4); see {@link ScopeFlags}. */
  scopeFlags?: number;
}

/**
 * The Additional Authenticated Data of one target (RFC 9173 §4.7.2): the AAD scope flags as a
 * CBOR unsigned integer, then (by those flags) the primary block, the target's block type,
 * number and flags, and the BCB's block type, number and flags.
 */
export function additionalAuthenticatedData(
  bundle: Bundle,
  target: Pick<CanonicalBlock, 'blockType' | 'blockNumber' | 'flags'>,
  scopeFlags: number,
  bcb: Pick<CanonicalBlock, 'blockType' | 'blockNumber' | 'flags'>,
): Uint8Array {
  const flags = scopeFlags & 7;
  const w = new CborWriter(96);
  w.uint(flags);
  if (flags & ScopeFlags.PRIMARY_BLOCK) w.raw(encodePrimaryBlock(bundle.primary));
  if (flags & ScopeFlags.TARGET_HEADER) header(w, target as CanonicalBlock);
  if (flags & ScopeFlags.SECURITY_HEADER) header(w, bcb as CanonicalBlock);
  return w.finish();
}

/**
 * Adds a BCB using BCB-AES-GCM (RFC 9172 §3.8, RFC 9173 §4) that encrypts `targets`: each
 * target's block-type-specific data is replaced by its ciphertext (same length) and its
 * 16-octet authentication tag becomes the target's result. The BCB gets the "replicate in every
 * fragment" flag when the payload is a target (RFC 9172 §3.8). The parameters (IV, AES variant,
 * wrapped key when a key-encryption key is given, scope flags) are always written out.
 * @returns a new bundle (the input is not changed)
 * @throws CcsdsError `INVALID_ARGUMENT` for the primary block or a BCB as target, a target
 * already encrypted, a BIB target that shares no target with this BCB (RFC 9172 §3.9), or a
 * key of the wrong length
 */
export async function encryptBcb(bundle: Bundle, options: BcbEncryptOptions): Promise<Bundle> {
  const targets = options.targets;
  if (!Array.isArray(targets) || targets.length === 0) throw badArg('no security targets');
  if (new Set(targets).size !== targets.length) throw badArg('security target listed twice');
  let key = options.key;
  if (key === undefined) {
    if (options.keyEncryptionKey === undefined)
      throw badArg('a key or a key-encryption key is needed');
    key = randomBytes(AES_KEY_LENGTH[options.aesVariant ?? AesVariant.A256GCM] ?? 32);
  }
  const variant =
    options.aesVariant ?? (key.length === 16 ? AesVariant.A128GCM : AesVariant.A256GCM);
  const keyLength = AES_KEY_LENGTH[variant];
  if (keyLength === undefined) throw badArg(`unknown AES variant ${variant}`);
  if (key.length !== keyLength)
    throw badArg(`AES variant ${variant} needs a ${keyLength}-octet key`);
  const iv = options.iv ?? randomBytes(12);
  if (!(iv instanceof Uint8Array) || iv.length < 12 || iv.length > 16) {
    throw badArg('the IV must be 12 to 16 octets (RFC 9173 §4.3.1)');
  }
  const scope = options.scopeFlags ?? 7;
  checkScope(scope, 'AAD scope flags');
  const encrypted = encryptedTargets(bundle);
  const targetSet = new Set(targets);
  for (const t of targets) {
    checkUint(t, 'security target');
    if (t === 0) throw badArg('the primary block cannot be encrypted (RFC 9172 §3.8)');
    const b = blockByNumber(bundle, t);
    if (b === undefined) throw badArg(`security target ${t} is not in the bundle`);
    if (b.blockType === BlockType.BLOCK_CONFIDENTIALITY) {
      throw badArg(`security target ${t} is a BCB (RFC 9172 §3.9)`);
    }
    if (encrypted.has(t)) throw badArg(`security target ${t} is already encrypted`);
    if (b.blockType === BlockType.BLOCK_INTEGRITY) {
      const asb = decodeAbstractSecurityBlock(b.data);
      if (!asb.targets.some((x) => targetSet.has(x))) {
        throw badArg(`BIB ${t} shares no security target with this BCB (RFC 9172 §3.9)`);
      }
    }
  }
  const blockNumber = newBlockNumber(bundle, options.blockNumber);
  const flags = targetSet.has(1) ? BlockFlags.REPLICATE_IN_EVERY_FRAGMENT : 0;
  const bcbHeader = { blockType: BlockType.BLOCK_CONFIDENTIALITY, blockNumber, flags };
  const parameters: SecurityItem[] = [
    { id: BcbAesGcmParameter.IV, value: bytesItem(iv) },
    { id: BcbAesGcmParameter.AES_VARIANT, value: uintItem(variant) },
  ];
  if (options.keyEncryptionKey !== undefined) {
    const wrapped = await wrapKey(key, options.keyEncryptionKey);
    parameters.push({ id: BcbAesGcmParameter.WRAPPED_KEY, value: bytesItem(wrapped) });
  }
  parameters.push({ id: BcbAesGcmParameter.AAD_SCOPE_FLAGS, value: uintItem(scope) });
  const s = subtle();
  const cek = await s.importKey('raw', own(key), 'AES-GCM', false, ['encrypt']);
  const results: SecurityItem[][] = [];
  const replaced = new Map<number, Uint8Array>();
  for (const t of targets) {
    const b = blockByNumber(bundle, t)!;
    const aad = additionalAuthenticatedData(bundle, b, scope, bcbHeader);
    const out = new Uint8Array(
      await s.encrypt(
        { name: 'AES-GCM', iv: own(iv), additionalData: own(aad), tagLength: 128 },
        cek,
        own(b.data),
      ),
    );
    replaced.set(t, out.subarray(0, out.length - TAG_LENGTH));
    results.push([
      {
        id: BcbAesGcmResult.AUTHENTICATION_TAG,
        value: bytesItem(out.subarray(out.length - TAG_LENGTH)),
      },
    ]);
  }
  const data = encodeAbstractSecurityBlock({
    targets: targets.slice(),
    contextId: SecurityContextId.BCB_AES_GCM,
    source: options.source,
    parameters,
    results,
  });
  const withCipher: Bundle = {
    primary: bundle.primary,
    blocks: bundle.blocks.map((b) => {
      const c = replaced.get(b.blockNumber);
      return c === undefined ? b : { ...b, data: c };
    }),
  };
  return insertBlock(
    withCipher,
    { ...bcbHeader, crcType: options.crcType ?? CrcType.NONE, data },
    options.index,
  );
}

/** Options of {@link decryptBcb}. */
export interface BcbDecryptOptions {
  /** The key (see {@link SecurityKey}). */
  key: SecurityKey;
  /** Decrypt only this BCB (default: every BCB of context BCB-AES-GCM). */
  blockNumber?: number;
}

/** What {@link decryptBcb} returns. */
export interface BcbDecryption {
  /**
   * The bundle with every authenticated target back in plaintext. Decrypted targets are removed
   * from their BCB, and a BCB left without targets is removed (RFC 9172 §5.1.1); targets that
   * failed stay encrypted and listed.
   */
  bundle: Bundle;
  /** One result per target of each BCB processed. */
  results: SecurityTargetResult[];
}

async function decryptOneBcb(
  bundle: Bundle,
  block: CanonicalBlock,
  asb: AbstractSecurityBlock,
  key: SecurityKey,
  plain: Map<number, Uint8Array>,
): Promise<SecurityTargetResult[]> {
  const fail = (reason: string): SecurityTargetResult[] =>
    asb.targets.map((target) => ({
      securityBlock: block.blockNumber,
      source: asb.source,
      target,
      ok: false,
      reason,
    }));
  const p = params(asb, [1, 2, 3, 4]);
  if (p.error !== undefined) return fail(p.error);
  let variant: number = AesVariant.A256GCM;
  let scope = 7;
  let iv: Uint8Array | undefined;
  let wrapped: Uint8Array | undefined;
  try {
    const i = p.map.get(BcbAesGcmParameter.IV);
    if (i !== undefined) iv = itemBytes(i, 'IV');
    const v = p.map.get(BcbAesGcmParameter.AES_VARIANT);
    if (v !== undefined) variant = itemUint(v, 'AES variant');
    const s = p.map.get(BcbAesGcmParameter.AAD_SCOPE_FLAGS);
    if (s !== undefined) scope = itemUint(s, 'AAD scope flags');
    const k = p.map.get(BcbAesGcmParameter.WRAPPED_KEY);
    if (k !== undefined) wrapped = itemBytes(k, 'wrapped key');
  } catch (e) {
    return fail(`bad security context parameter: ${(e as Error).message}`);
  }
  if (iv === undefined) return fail('no IV parameter');
  if (iv.length < 12 || iv.length > 16) return fail(`IV of ${iv.length} octets`);
  const keyLength = AES_KEY_LENGTH[variant];
  if (keyLength === undefined) return fail(`unknown AES variant ${variant}`);
  let k = resolveKey(key, asb.source, block.blockNumber);
  if (k === undefined) return fail('no key for this security source');
  if (wrapped !== undefined) {
    if (![16, 24, 32].includes(k.length)) return fail('key-encryption key of a wrong length');
    k = await unwrapKey(wrapped, k);
    if (k === undefined)
      return fail('key unwrap failed (wrong key-encryption key or modified wrapped key)');
  }
  if (k.length !== keyLength) return fail(`AES variant ${variant} needs a ${keyLength}-octet key`);
  const s = subtle();
  const cek = await s.importKey('raw', own(k), 'AES-GCM', false, ['decrypt']);
  const out: SecurityTargetResult[] = [];
  for (let i = 0; i < asb.targets.length; i++) {
    const target = asb.targets[i]!;
    const base = { securityBlock: block.blockNumber, source: asb.source, target };
    let tag: Uint8Array | undefined;
    let reason: string | undefined;
    for (const r of asb.results[i]!) {
      if (r.id !== BcbAesGcmResult.AUTHENTICATION_TAG) reason = `unknown security result ${r.id}`;
      else if (tag !== undefined) reason = 'authentication tag given twice';
      else {
        try {
          tag = itemBytes(r.value, 'authentication tag');
        } catch (e) {
          reason = (e as Error).message;
        }
      }
    }
    if (reason === undefined && tag === undefined) reason = 'no authentication tag';
    if (reason === undefined && tag!.length !== TAG_LENGTH) {
      reason = `authentication tag of ${tag!.length} octets, expected ${TAG_LENGTH}`;
    }
    const b = target === 0 ? undefined : blockByNumber(bundle, target);
    if (reason === undefined && b === undefined) reason = 'target block is not in the bundle';
    if (reason !== undefined) {
      out.push({ ...base, ok: false, reason });
      continue;
    }
    const aad = additionalAuthenticatedData(bundle, b!, scope, block);
    const input = new Uint8Array(b!.data.length + TAG_LENGTH);
    input.set(b!.data);
    input.set(tag!, b!.data.length);
    try {
      const pt = await s.decrypt(
        { name: 'AES-GCM', iv: own(iv), additionalData: own(aad), tagLength: 128 },
        cek,
        input,
      );
      plain.set(target, new Uint8Array(pt));
      out.push({ ...base, ok: true });
    } catch {
      out.push({
        ...base,
        ok: false,
        reason: 'authentication failed (wrong key, or modified ciphertext, tag or AAD)',
      });
    }
  }
  return out;
}

/**
 * Decrypts the BCB-AES-GCM BCBs of a bundle (RFC 9172 §5.1.1, RFC 9173 §4.7-4.8): every target
 * whose tag authenticates is restored to plaintext; a target that does not (wrong key, modified
 * ciphertext, tag or covered headers) is reported with `ok: false` and left encrypted, so no
 * unauthenticated plaintext is ever returned.
 * @throws CcsdsError if a BCB's data is not a well-formed abstract security block, or
 * `blockNumber` names no BCB
 */
export async function decryptBcb(
  bundle: Bundle,
  options: BcbDecryptOptions,
): Promise<BcbDecryption> {
  let bcbs = decodeSecurityBlocks(bundle, BlockType.BLOCK_CONFIDENTIALITY);
  if (options.blockNumber !== undefined) {
    bcbs = bcbs.filter((b) => b.block.blockNumber === options.blockNumber);
    if (bcbs.length === 0) throw badArg(`no BCB numbered ${options.blockNumber}`);
  } else bcbs = bcbs.filter((b) => b.asb.contextId === SecurityContextId.BCB_AES_GCM);
  const results: SecurityTargetResult[] = [];
  const plain = new Map<number, Uint8Array>();
  const newBcbData = new Map<number, Uint8Array | null>();
  for (const { block, asb } of bcbs) {
    let res: SecurityTargetResult[];
    if (asb.contextId !== SecurityContextId.BCB_AES_GCM) {
      res = asb.targets.map((target) => ({
        securityBlock: block.blockNumber,
        source: asb.source,
        target,
        ok: false,
        reason: `unsupported security context ${asb.contextId}`,
      }));
    } else res = await decryptOneBcb(bundle, block, asb, options.key, plain);
    results.push(...res);
    const keep = asb.targets.map((_, i) => !res[i]!.ok);
    if (keep.every((k) => !k)) newBcbData.set(block.blockNumber, null);
    else if (keep.some((k) => !k)) {
      newBcbData.set(
        block.blockNumber,
        encodeAbstractSecurityBlock({
          ...asb,
          targets: asb.targets.filter((_, i) => keep[i]),
          results: asb.results.filter((_, i) => keep[i]),
        }),
      );
    }
  }
  const blocks: CanonicalBlock[] = [];
  for (const b of bundle.blocks) {
    const nd = newBcbData.get(b.blockNumber);
    if (nd === null) continue;
    if (nd !== undefined) blocks.push({ ...b, data: nd });
    else {
      const p = plain.get(b.blockNumber);
      blocks.push(p === undefined ? b : { ...b, data: p });
    }
  }
  return { bundle: { primary: bundle.primary, blocks }, results };
}
