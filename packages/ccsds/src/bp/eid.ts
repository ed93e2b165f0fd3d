/**
 * Endpoint IDs of the Bundle Protocol (RFC 9171 §4.2.5): the `dtn` scheme (code 1; `dtn:none`
 * is encoded as the integer 0, any other SSP as a text string `//node/demux`) and the `ipn`
 * scheme (code 2; `[node, service]`, or `[allocator, node, service]` in the three-element form
 * of RFC 9758, which is kept as received so a bundle re-encodes to the same octets).
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import type { CborReader, CborWriter } from './cbor.js';

/** URI scheme codes of RFC 9171 §9.7. */
export const EidScheme = { DTN: 1, IPN: 2 } as const;

/** A `dtn`-scheme endpoint ID. `ssp` is `none` or `//node-name/demux`. */
export interface DtnEid {
  scheme: 'dtn';
  ssp: string;
}

/**
 * An `ipn`-scheme endpoint ID. With `allocator` the ID is encoded as a three-element array
 * (RFC 9758); without, as the two-element array of RFC 9171.
 */
export interface IpnEid {
  scheme: 'ipn';
  node: number;
  service: number;
  allocator?: number;
}

/** An endpoint ID. */
export type Eid = DtnEid | IpnEid;

/** The null endpoint `dtn:none`. */
export const DTN_NONE: DtnEid = Object.freeze({ scheme: 'dtn', ssp: 'none' }) as DtnEid;

/** Default longest `dtn` SSP accepted by the decoders, in octets. */
export const DEFAULT_MAX_EID_LENGTH = 1024;

function bad(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, message);
}

const DTN_SSP = /^\/\/[A-Za-z0-9\-._~!$&'()*+,;=%]+\/[\x21-\x7e]*$/;

/** `ipn:2.1`, `ipn:0.2.1` or `dtn:none` / `dtn://node/svc` from its text form. */
export function parseEid(text: string): Eid {
  if (typeof text !== 'string') throw bad('endpoint ID must be a string');
  if (text === 'dtn:none') return { scheme: 'dtn', ssp: 'none' };
  if (text.startsWith('dtn:')) {
    const ssp = text.slice(4);
    if (!DTN_SSP.test(ssp)) throw bad(`bad dtn endpoint ID ${JSON.stringify(text)}`);
    return { scheme: 'dtn', ssp };
  }
  const m = /^ipn:(\d{1,16})\.(\d{1,16})(?:\.(\d{1,16}))?$/.exec(text);
  if (m === null) throw bad(`not an endpoint ID: ${JSON.stringify(text)}`);
  const nums = [m[1], m[2], m[3]].filter((x): x is string => x !== undefined).map(Number);
  for (const n of nums) {
    if (!Number.isSafeInteger(n)) throw bad(`number too large in ${JSON.stringify(text)}`);
  }
  if (nums.length === 3)
    return { scheme: 'ipn', allocator: nums[0]!, node: nums[1]!, service: nums[2]! };
  return { scheme: 'ipn', node: nums[0]!, service: nums[1]! };
}

/** The text form of an endpoint ID. */
export function formatEid(eid: Eid): string {
  if (eid.scheme === 'dtn') return `dtn:${eid.ssp}`;
  return eid.allocator === undefined
    ? `ipn:${eid.node}.${eid.service}`
    : `ipn:${eid.allocator}.${eid.node}.${eid.service}`;
}

/** True when two endpoint IDs are the same (same scheme, numbers / SSP and encoding form). */
export function eidEquals(a: Eid, b: Eid): boolean {
  if (a.scheme === 'dtn') return b.scheme === 'dtn' && a.ssp === b.ssp;
  return (
    b.scheme === 'ipn' &&
    a.node === b.node &&
    a.service === b.service &&
    a.allocator === b.allocator
  );
}

/** The node ID of an endpoint: `ipn:N.0` for `ipn`, `dtn://node/` for `dtn`. */
export function nodeIdOf(eid: Eid): Eid {
  if (eid.scheme === 'ipn') {
    return eid.allocator === undefined
      ? { scheme: 'ipn', node: eid.node, service: 0 }
      : { scheme: 'ipn', allocator: eid.allocator, node: eid.node, service: 0 };
  }
  if (eid.ssp === 'none') return eid;
  const slash = eid.ssp.indexOf('/', 2);
  return { scheme: 'dtn', ssp: eid.ssp.slice(0, slash + 1) };
}

/** Checks an endpoint ID given by a caller (throws `INVALID_ARGUMENT`). */
export function checkEid(eid: Eid, what = 'endpoint ID'): void {
  if (eid === null || typeof eid !== 'object') throw bad(`${what} must be an object`);
  if (eid.scheme === 'dtn') {
    if (eid.ssp !== 'none' && !DTN_SSP.test(eid.ssp)) {
      throw bad(`${what}: bad dtn SSP ${JSON.stringify(eid.ssp)}`);
    }
    return;
  }
  if (eid.scheme !== 'ipn') throw bad(`${what}: unknown scheme`);
  checkIpnNumber(eid.node, what);
  checkIpnNumber(eid.service, what);
  if (eid.allocator !== undefined) checkIpnNumber(eid.allocator, what);
}

function checkIpnNumber(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw bad(`${what}: bad ipn number ${n}`);
}

/** Writes an endpoint ID as CBOR. */
export function writeEid(w: CborWriter, eid: Eid): void {
  w.array(2);
  if (eid.scheme === 'dtn') {
    w.uint(EidScheme.DTN);
    if (eid.ssp === 'none') w.uint(0);
    else w.text(eid.ssp);
    return;
  }
  w.uint(EidScheme.IPN);
  if (eid.allocator === undefined) {
    w.array(2);
  } else {
    w.array(3);
    w.uint(eid.allocator);
  }
  w.uint(eid.node);
  w.uint(eid.service);
}

/**
 * Reads an endpoint ID. Unknown scheme codes are `UNSUPPORTED`; malformed ones
 * `INVALID_FIELD`; a `dtn` SSP longer than `maxLength` octets `LIMIT_EXCEEDED`.
 */
export function readEid(r: CborReader, what: string, maxLength = DEFAULT_MAX_EID_LENGTH): Eid {
  const start = r.pos;
  if (r.array(what) !== 2) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `${what}: an EID is a 2-element array`, {
      offset: start,
    });
  }
  const schemeAt = r.pos;
  const scheme = r.uint(what, -1, ' scheme');
  if (scheme === EidScheme.DTN) {
    const b = r.peek(what);
    if (b >> 5 === 0) {
      const at = r.pos;
      if (r.uint(what) !== 0) {
        throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `${what}: dtn SSP integer must be 0`, {
          offset: at,
        });
      }
      return { scheme: 'dtn', ssp: 'none' };
    }
    const at = r.pos;
    const ssp = r.text(`${what} SSP`, maxLength);
    if (!DTN_SSP.test(ssp)) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `${what}: bad dtn SSP`, { offset: at });
    }
    return { scheme: 'dtn', ssp };
  }
  if (scheme === EidScheme.IPN) {
    const at = r.pos;
    const n = r.array(what, -1, ' SSP');
    if (n === 2)
      return {
        scheme: 'ipn',
        node: r.uint(what, -1, ' node'),
        service: r.uint(what, -1, ' service'),
      };
    if (n === 3) {
      const allocator = r.uint(what, -1, ' allocator');
      return {
        scheme: 'ipn',
        allocator,
        node: r.uint(what, -1, ' node'),
        service: r.uint(what, -1, ' service'),
      };
    }
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `${what}: ipn SSP has ${n} elements`, {
      offset: at,
    });
  }
  throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, `${what}: URI scheme code ${scheme}`, {
    offset: schemeAt,
  });
}
