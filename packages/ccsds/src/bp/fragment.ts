/**
 * Bundle fragmentation and reassembly (RFC 9171 §5.8 and §5.9). A fragment carries the
 * primary block with the IS_FRAGMENT flag, the fragment offset and the total application data
 * unit length; blocks flagged "replicate in every fragment" go into every fragment, the others
 * only into the first. Reassembly collects payload ranges per bundle (source and creation
 * timestamp) in bounded memory and returns the whole bundle, built from the first fragment's
 * blocks, when every octet has arrived.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import {
  BlockFlags,
  BlockType,
  type Bundle,
  BundleFlags,
  type CanonicalBlock,
  type PrimaryBlock,
  bundlePayload,
  canonicalBlockLength,
  encodePrimaryBlock,
} from './bundle.js';
import { cborHeadLength } from './cbor.js';
import { formatEid } from './eid.js';

function bad(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

/**
 * Splits a bundle into fragments of at most `maxLength` encoded octets each. A bundle that
 * already fits is returned alone and unchanged.
 * @throws CcsdsError `INVALID_ARGUMENT` when the bundle must not be fragmented, or when
 * `maxLength` leaves no room for payload
 */
export function fragmentBundle(bundle: Bundle, maxLength: number): Bundle[] {
  if (!Number.isSafeInteger(maxLength) || maxLength < 1) throw bad('maxLength must be positive');
  const payloadBlock = bundle.blocks[bundle.blocks.length - 1];
  if (payloadBlock?.blockType !== BlockType.PAYLOAD) throw bad('bundle has no payload block');
  const payload = payloadBlock.data;
  const p = bundle.primary;
  const total = bundleLength(bundle);
  if (total <= maxLength) return [bundle];
  if ((p.flags & BundleFlags.MUST_NOT_FRAGMENT) !== 0) {
    throw bad('the bundle must not be fragmented (flag 0x04)');
  }
  const baseOffset = p.fragmentOffset ?? 0;
  const aduLength = p.totalAduLength ?? payload.length;
  const extensions = bundle.blocks.slice(0, -1);
  const replicated = extensions.filter(
    (b) => (b.flags & BlockFlags.REPLICATE_IN_EVERY_FRAGMENT) !== 0,
  );
  const out: Bundle[] = [];
  let done = 0;
  while (done < payload.length) {
    const first = done === 0;
    const primary: PrimaryBlock = {
      ...p,
      flags: p.flags | BundleFlags.IS_FRAGMENT,
      fragmentOffset: baseOffset + done,
      totalAduLength: aduLength,
    };
    const blocks = first ? extensions : replicated;
    const empty: CanonicalBlock = { ...payloadBlock, data: new Uint8Array(0) };
    let overhead = 2 + encodePrimaryBlock(primary).length + canonicalBlockLength(empty);
    for (const b of blocks) overhead += canonicalBlockLength(b);
    let n = maxLength - overhead;
    if (n > 0) n -= cborHeadLength(n) - 1;
    n = Math.min(n, payload.length - done);
    if (n < 1) {
      throw bad(`a fragment of at most ${maxLength} octets has no room for payload`);
    }
    out.push({
      primary,
      blocks: [...blocks, { ...payloadBlock, data: payload.subarray(done, done + n) }],
    });
    done += n;
  }
  return out;
}

/** Encoded length of a bundle, computed without encoding the payload. */
export function bundleLength(bundle: Bundle): number {
  let n = 2 + encodePrimaryBlock(bundle.primary).length;
  for (const b of bundle.blocks) n += canonicalBlockLength(b);
  return n;
}

/** Options of {@link BundleReassembler}. */
export interface ReassemblerOptions {
  /** Largest total ADU length accepted (default 16 MiB); larger fragments are refused. */
  maxAduLength?: number;
  /** Most bundles being reassembled at once (default 64); the oldest is dropped beyond. */
  maxPending?: number;
  /** Most fragments per bundle (default 4096). */
  maxFragments?: number;
}

interface Pending {
  first: Bundle | undefined;
  data: Uint8Array;
  /** Sorted, disjoint [start, end) ranges received. */
  ranges: [number, number][];
  fragments: number;
  /** Expiry: creation time + lifetime of the first fragment seen (DTN ms). */
  expiresAt: number;
}

/**
 * Collects fragments and returns whole bundles (RFC 9171 §5.9). Memory is bounded by
 * `maxPending × maxAduLength`.
 */
export class BundleReassembler {
  private readonly pending = new Map<string, Pending>();
  private readonly maxAdu: number;
  private readonly maxPending: number;
  private readonly maxFragments: number;
  /** Bundles dropped because the pending table was full. */
  evicted = 0;

  constructor(options: ReassemblerOptions = {}) {
    this.maxAdu = options.maxAduLength ?? 16 << 20;
    this.maxPending = options.maxPending ?? 64;
    this.maxFragments = options.maxFragments ?? 4096;
  }

  /** Number of bundles being reassembled. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Adds one fragment. Returns the whole bundle when this fragment completes it, otherwise
   * undefined. A bundle that is not a fragment is returned as it is.
   * @throws CcsdsError `LIMIT_EXCEEDED` for an ADU above the limit, `INVALID_FIELD` for a
   * fragment that contradicts the others of its bundle
   */
  add(fragment: Bundle): Bundle | undefined {
    const p = fragment.primary;
    if ((p.flags & BundleFlags.IS_FRAGMENT) === 0) return fragment;
    const total = p.totalAduLength ?? 0;
    const offset = p.fragmentOffset ?? 0;
    const data = bundlePayload(fragment);
    if (total > this.maxAdu) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `ADU of ${total} octets exceeds the reassembly limit of ${this.maxAdu}`,
      );
    }
    if (offset + data.length > total) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, 'fragment beyond its total ADU length');
    }
    const key = `${formatEid(p.source)}|${p.creationTime}|${p.sequenceNumber}`;
    let e = this.pending.get(key);
    if (e !== undefined && e.data.length !== total) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_FIELD,
        `fragment says total ADU length ${total}, earlier ones ${e.data.length}`,
      );
    }
    if (e === undefined) {
      if (this.pending.size >= this.maxPending) {
        const oldest = this.pending.keys().next().value;
        if (oldest !== undefined) this.pending.delete(oldest);
        this.evicted++;
      }
      e = {
        first: undefined,
        data: new Uint8Array(total),
        ranges: [],
        fragments: 0,
        expiresAt: p.creationTime + p.lifetime,
      };
      this.pending.set(key, e);
    }
    if (++e.fragments > this.maxFragments) {
      this.pending.delete(key);
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `more than ${this.maxFragments} fragments`,
      );
    }
    e.data.set(data, offset);
    if (offset === 0) e.first = fragment;
    addRange(e.ranges, offset, offset + data.length);
    const r0 = e.ranges[0];
    if (e.first !== undefined && r0 !== undefined && r0[0] === 0 && r0[1] === total) {
      this.pending.delete(key);
      const f = e.first;
      const primary: PrimaryBlock = {
        ...f.primary,
        flags: f.primary.flags & ~BundleFlags.IS_FRAGMENT,
      };
      delete primary.fragmentOffset;
      delete primary.totalAduLength;
      const blocks = f.blocks.slice(0, -1);
      const payloadBlock = f.blocks[f.blocks.length - 1]!;
      return { primary, blocks: [...blocks, { ...payloadBlock, data: e.data }] };
    }
    return undefined;
  }

  /** Drops bundles whose lifetime ended before `dtnTimeMs`; returns how many. */
  expire(dtnTimeMs: number): number {
    let n = 0;
    for (const [k, e] of this.pending) {
      if (e.expiresAt < dtnTimeMs) {
        this.pending.delete(k);
        n++;
      }
    }
    return n;
  }
}

function addRange(ranges: [number, number][], start: number, end: number): void {
  if (end <= start) return;
  ranges.push([start, end]);
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  ranges.length = 0;
  ranges.push(...merged);
}

/** Reassembles a complete set of fragments at once (undefined when some octets are missing). */
export function reassembleFragments(
  fragments: readonly Bundle[],
  options: ReassemblerOptions = {},
): Bundle | undefined {
  const r = new BundleReassembler(options);
  let out: Bundle | undefined;
  for (const f of fragments) out = r.add(f) ?? out;
  return out;
}
