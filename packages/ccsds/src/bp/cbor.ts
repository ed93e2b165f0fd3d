/**
 * A small strict CBOR codec (RFC 8949) for the Bundle Protocol (RFC 9171 §4.1): a cursor
 * reader for the fixed structures of bundles, a growable writer that emits the preferred
 * (shortest) serialisation of every head — the deterministic encoding of RFC 8949 §4.2.1 —
 * and a generic decoder with depth and item limits for arbitrary items (administrative record
 * contents, extension block data).
 *
 * Strictness: reserved additional-information values (28..30), indefinite lengths where only
 * the bundle array may be indefinite, truncation, and (unless `strict` is false) heads that are
 * longer than needed are errors (`INVALID_FIELD` / `TRUNCATED`). Integers above 2^53-1 are
 * `UNSUPPORTED` (DESIGN.md rule 8): no BPv7 field this implementation interprets needs more.
 * No length read from the input allocates memory: byte and text strings are views checked
 * against the octets actually present.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';

/** CBOR major types. */
export const CborMajor = {
  UNSIGNED: 0,
  NEGATIVE: 1,
  BYTES: 2,
  TEXT: 3,
  ARRAY: 4,
  MAP: 5,
  TAG: 6,
  SIMPLE: 7,
} as const;

/** Head argument meaning "indefinite length". */
export const INDEFINITE = -1;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function invalid(message: string, offset: number): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_FIELD, message, { offset });
}

/** A field's name for an error message: `what`, then `n` unless negative, then `suffix`. */
function name(what: string, n: number, suffix: string): string {
  return n < 0 ? what + suffix : what + n + suffix;
}

/** A decoded CBOR head: major type, argument (or {@link INDEFINITE}) and where it started. */
export interface CborHead {
  major: number;
  /** The argument; for major type 7 the simple value or the raw float bits' length code. */
  value: number;
  /** Additional information (low 5 bits of the initial octet). */
  info: number;
  /** Offset of the initial octet. */
  offset: number;
}

/** Cursor over CBOR octets; every read checks bounds and (when strict) preferred encoding. */
export class CborReader {
  /** Current position. */
  pos: number;

  /**
   * @param bytes - the input
   * @param pos - where to start
   * @param end - end of the readable range (default the input's length)
   * @param strict - reject heads longer than needed (default true)
   */
  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
    readonly end: number = bytes.length,
    readonly strict = true,
  ) {
    this.pos = pos;
  }

  /** True when the cursor is at the end of the range. */
  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The next initial octet without consuming it. */
  peek(what: string): number {
    if (this.pos >= this.end) {
      throw new CcsdsError(CcsdsErrorCode.TRUNCATED, `${what}: input ended`, { offset: this.pos });
    }
    return this.bytes[this.pos]!;
  }

  /**
   * The last head read by {@link CborReader.readHead}: major type, argument (or
   * {@link INDEFINITE}), additional information and offset. Reading a head through these
   * fields allocates nothing, which matters when a bundle holds dozens of heads.
   */
  private hMajor = 0;
  private hValue = 0;
  private hInfo = 0;
  private hOffset = 0;

  /** Reads one head. */
  head(what: string): CborHead {
    this.readHead(what, -1, '');
    return { major: this.hMajor, value: this.hValue, info: this.hInfo, offset: this.hOffset };
  }

  /**
   * Reads one head into the `h*` fields. The name used in errors is `what`, then `n` unless
   * it is negative, then `suffix` (built only when an error is thrown).
   */
  private readHead(what: string, n: number, suffix: string): void {
    const offset = this.pos;
    if (offset >= this.end) this.peek(name(what, n, suffix));
    const ib = this.bytes[offset]!;
    const major = ib >> 5;
    const info = ib & 31;
    this.pos = offset + 1;
    this.hMajor = major;
    this.hInfo = info;
    this.hOffset = offset;
    if (info < 24) {
      this.hValue = info;
      return;
    }
    if (info === 31) {
      if (major === 0 || major === 1 || major === 6) {
        throw invalid(`${name(what, n, suffix)}: indefinite length on major type ${major}`, offset);
      }
      this.hValue = INDEFINITE;
      return;
    }
    if (info > 27)
      throw invalid(`${name(what, n, suffix)}: reserved additional information ${info}`, offset);
    const len = 1 << (info - 24);
    const p = this.pos;
    if (p + len > this.end) {
      throw new CcsdsError(
        CcsdsErrorCode.TRUNCATED,
        `${name(what, n, suffix)}: head needs ${len} more octets`,
        { offset },
      );
    }
    const b = this.bytes;
    let value: number;
    if (len === 1) value = b[p]!;
    else if (len === 2) value = (b[p]! << 8) | b[p + 1]!;
    else if (len === 4)
      value = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    else {
      const hi = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
      if (hi > 0x1fffff && major !== 7) {
        throw new CcsdsError(
          CcsdsErrorCode.UNSUPPORTED,
          `${name(what, n, suffix)}: value above 2^53-1 is not supported`,
          { offset },
        );
      }
      value = hi * 0x100000000 + lo;
    }
    this.pos = p + len;
    if (this.strict && major !== 7) {
      const min = len === 1 ? 24 : len === 2 ? 0x100 : len === 4 ? 0x10000 : 0x100000000;
      if (value < min)
        throw invalid(`${name(what, n, suffix)}: CBOR head is not in its shortest form`, offset);
    }
    this.hValue = value;
  }

  /** Reads a head of major type `major` into the `h*` fields (see {@link CborReader.readHead}). */
  private expect(what: string, major: number, n: number, suffix: string): void {
    this.readHead(what, n, suffix);
    if (this.hMajor !== major) {
      throw invalid(
        `${name(what, n, suffix)}: expected CBOR major type ${major}, got ${this.hMajor}`,
        this.hOffset,
      );
    }
  }

  /**
   * Reads an unsigned integer. `n` (unless negative) and `suffix` complete the name `what`
   * used in errors, so callers need not build it for every read.
   */
  uint(what: string, n = -1, suffix = ''): number {
    this.expect(what, CborMajor.UNSIGNED, n, suffix);
    return this.hValue;
  }

  /** Reads a definite-length byte string (a view into the input); `n`, `suffix` as for `uint`. */
  bytesView(what: string, n = -1, suffix = ''): Uint8Array {
    const len = this.bytesLength(what, n, suffix);
    return this.bytes.subarray(this.pos - len, this.pos);
  }

  /**
   * Reads a definite-length byte string's head and steps over its content (checked to be
   * there); returns its length, the content being the octets just before `pos`. No view is made.
   */
  bytesLength(what: string, n = -1, suffix = ''): number {
    this.expect(what, CborMajor.BYTES, n, suffix);
    const len = this.hValue;
    if (len === INDEFINITE)
      throw invalid(`${name(what, n, suffix)}: indefinite-length byte string`, this.hOffset);
    if (len > this.end - this.pos) {
      throw new CcsdsError(
        CcsdsErrorCode.TRUNCATED,
        `${name(what, n, suffix)}: ${len} octets announced, ${this.end - this.pos} available`,
        { offset: this.pos },
      );
    }
    this.pos += len;
    return len;
  }

  /** Reads a definite-length UTF-8 text string. */
  text(what: string, maxLength: number): string {
    this.expect(what, CborMajor.TEXT, -1, '');
    const len = this.hValue;
    const at = this.hOffset;
    if (len === INDEFINITE) throw invalid(`${what}: indefinite-length text string`, at);
    if (len > maxLength) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `${what}: ${len} octets exceed the limit of ${maxLength}`,
        { offset: at },
      );
    }
    const view = this.take(len, what);
    try {
      return utf8.decode(view);
    } catch {
      throw invalid(`${what}: not valid UTF-8`, at);
    }
  }

  /** Reads a definite-length array head and returns its element count; `n`, `suffix` as for `uint`. */
  array(what: string, n = -1, suffix = ''): number {
    this.expect(what, CborMajor.ARRAY, n, suffix);
    if (this.hValue === INDEFINITE)
      throw invalid(`${name(what, n, suffix)}: indefinite-length array`, this.hOffset);
    return this.hValue;
  }

  /** Reads a boolean (simple values 20 and 21). */
  bool(what: string): boolean {
    const offset = this.pos;
    const b = this.peek(what);
    if (b !== 0xf4 && b !== 0xf5) throw invalid(`${what}: expected a boolean`, offset);
    this.pos++;
    return b === 0xf5;
  }

  /** Consumes `n` octets and returns them as a view. */
  take(n: number, what: string): Uint8Array {
    if (n > this.end - this.pos) {
      throw new CcsdsError(
        CcsdsErrorCode.TRUNCATED,
        `${what}: ${n} octets announced, ${this.end - this.pos} available`,
        { offset: this.pos },
      );
    }
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /**
   * Skips one complete item of any type, at most `maxDepth` levels deep and `maxItems` items
   * in all (both `LIMIT_EXCEEDED`).
   */
  skip(what: string, maxDepth: number, maxItems = 1 << 20): void {
    const budget = { items: maxItems };
    this.skipItem(what, maxDepth, budget);
  }

  private skipItem(what: string, depth: number, budget: { items: number }): void {
    if (--budget.items < 0) {
      throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, `${what}: too many CBOR items`, {
        offset: this.pos,
      });
    }
    if (depth < 0) {
      throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, `${what}: CBOR nested too deeply`, {
        offset: this.pos,
      });
    }
    const h = this.head(what);
    switch (h.major) {
      case 0:
      case 1:
        return;
      case 2:
      case 3:
        if (h.value === INDEFINITE) {
          while (this.peek(what) !== 0xff) {
            const c = this.head(what);
            if (c.major !== h.major || c.value === INDEFINITE) {
              throw invalid(`${what}: bad chunk in indefinite string`, c.offset);
            }
            this.take(c.value, what);
          }
          this.pos++;
        } else this.take(h.value, what);
        return;
      case 4:
      case 5: {
        const per = h.major === 5 ? 2 : 1;
        if (h.value === INDEFINITE) {
          while (this.peek(what) !== 0xff) {
            for (let k = 0; k < per; k++) this.skipItem(what, depth - 1, budget);
          }
          this.pos++;
        } else {
          for (let i = 0; i < h.value * per; i++) this.skipItem(what, depth - 1, budget);
        }
        return;
      }
      case 6:
        this.skipItem(what, depth - 1, budget);
        return;
      default:
        if (h.value === INDEFINITE) throw invalid(`${what}: unexpected break`, h.offset);
        if (h.info === 24 && h.value < 32) {
          throw invalid(`${what}: simple value ${h.value} in two octets`, h.offset);
        }
        return;
    }
  }
}

/** A decoded generic CBOR item. Maps keep their pairs in order; tags keep their number. */
export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | CborValue[]
  | { map: [CborValue, CborValue][] }
  | { tag: number; value: CborValue }
  | { simple: number }
  | { float: number };

/** Limits of {@link decodeCbor}. */
export interface CborDecodeOptions {
  /** Deepest nesting of arrays, maps and tags (default 16). */
  maxDepth?: number;
  /** Most items in all (default 65,536). */
  maxItems?: number;
  /** Reject heads that are not in their shortest form (default true). */
  strict?: boolean;
}

/**
 * Decodes exactly one CBOR item that must fill `bytes`. Negative integers are numbers;
 * integers beyond ±(2^53-1) are `UNSUPPORTED`; floats are `{ float }`.
 * @throws CcsdsError `TRUNCATED`, `INVALID_FIELD`, `LIMIT_EXCEEDED`, `UNSUPPORTED`
 */
export function decodeCbor(bytes: Uint8Array, options: CborDecodeOptions = {}): CborValue {
  const r = new CborReader(bytes, 0, bytes.length, options.strict ?? true);
  const budget = { items: options.maxItems ?? 65_536 };
  const v = readValue(r, options.maxDepth ?? 16, budget);
  if (!r.atEnd) throw invalid(`${bytes.length - r.pos} octets after the CBOR item`, r.pos);
  return v;
}

function readValue(r: CborReader, depth: number, budget: { items: number }): CborValue {
  if (--budget.items < 0) {
    throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, 'too many CBOR items', { offset: r.pos });
  }
  if (depth < 0) {
    throw new CcsdsError(CcsdsErrorCode.LIMIT_EXCEEDED, 'CBOR nested too deeply', {
      offset: r.pos,
    });
  }
  const start = r.pos;
  const h = r.head('CBOR item');
  switch (h.major) {
    case 0:
      return h.value;
    case 1:
      if (h.value >= Number.MAX_SAFE_INTEGER) {
        throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, 'negative integer below -(2^53-1)', {
          offset: start,
        });
      }
      return -1 - h.value;
    case 2:
    case 3: {
      let data: Uint8Array;
      if (h.value === INDEFINITE) {
        const parts: Uint8Array[] = [];
        let total = 0;
        while (r.peek('CBOR string') !== 0xff) {
          const c = r.head('CBOR string chunk');
          if (c.major !== h.major || c.value === INDEFINITE) {
            throw invalid('bad chunk in an indefinite-length string', c.offset);
          }
          const part = r.take(c.value, 'CBOR string chunk');
          parts.push(part);
          total += part.length;
        }
        r.pos++;
        data = new Uint8Array(total);
        let o = 0;
        for (const p of parts) {
          data.set(p, o);
          o += p.length;
        }
      } else data = r.take(h.value, 'CBOR string');
      if (h.major === 2) return data.slice();
      try {
        return utf8.decode(data);
      } catch {
        throw invalid('text string is not valid UTF-8', start);
      }
    }
    case 4: {
      const out: CborValue[] = [];
      if (h.value === INDEFINITE) {
        while (r.peek('CBOR array') !== 0xff) out.push(readValue(r, depth - 1, budget));
        r.pos++;
      } else {
        for (let i = 0; i < h.value; i++) out.push(readValue(r, depth - 1, budget));
      }
      return out;
    }
    case 5: {
      const pairs: [CborValue, CborValue][] = [];
      const one = (): void => {
        const k = readValue(r, depth - 1, budget);
        pairs.push([k, readValue(r, depth - 1, budget)]);
      };
      if (h.value === INDEFINITE) {
        while (r.peek('CBOR map') !== 0xff) one();
        r.pos++;
      } else for (let i = 0; i < h.value; i++) one();
      return { map: pairs };
    }
    case 6:
      return { tag: h.value, value: readValue(r, depth - 1, budget) };
    default: {
      if (h.value === INDEFINITE) throw invalid('unexpected break', start);
      if (h.info < 24 || h.info === 24) {
        if (h.info === 24 && h.value < 32) throw invalid('simple value in two octets', start);
        if (h.value === 20) return false;
        if (h.value === 21) return true;
        if (h.value === 22) return null;
        if (h.value === 23) return undefined;
        return { simple: h.value };
      }
      // Floats: re-read the raw octets.
      const n = 1 << (h.info - 24);
      const dv = new DataView(r.bytes.buffer, r.bytes.byteOffset + start + 1, n);
      if (n === 2) return { float: halfToNumber(dv.getUint16(0)) };
      if (n === 4) return { float: dv.getFloat32(0) };
      return { float: dv.getFloat64(0) };
    }
  }
}

function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Octets of the shortest head carrying `value`. */
export function cborHeadLength(value: number): number {
  return value < 24 ? 1 : value < 0x100 ? 2 : value < 0x10000 ? 3 : value < 0x100000000 ? 5 : 9;
}

/** Growable output buffer writing CBOR in its deterministic (shortest-head) form. */
export class CborWriter {
  /** The buffer; valid octets are `[0, length)`. */
  buf: Uint8Array;
  /** Octets written. */
  length = 0;

  /**
   * @param capacity - initial capacity, or the buffer to write into (replaced by a larger
   * one of the writer's own if it fills up)
   */
  constructor(capacity: number | Uint8Array = 256) {
    this.buf = typeof capacity === 'number' ? new Uint8Array(Math.max(16, capacity)) : capacity;
  }

  /** Makes room for `n` more octets. */
  ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const nb = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    nb.set(this.buf.subarray(0, this.length));
    this.buf = nb;
  }

  /** Writes a head of major type `major` with argument `value` (a safe non-negative integer). */
  head(major: number, value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `CBOR argument must be an integer from 0 to 2^53-1, got ${value}`,
      );
    }
    this.ensure(9);
    const b = this.buf;
    let p = this.length;
    const m = major << 5;
    if (value < 24) b[p++] = m | value;
    else if (value < 0x100) {
      b[p++] = m | 24;
      b[p++] = value;
    } else if (value < 0x10000) {
      b[p++] = m | 25;
      b[p++] = value >> 8;
      b[p++] = value & 0xff;
    } else if (value < 0x100000000) {
      b[p++] = m | 26;
      b[p++] = value >>> 24;
      b[p++] = (value >>> 16) & 0xff;
      b[p++] = (value >>> 8) & 0xff;
      b[p++] = value & 0xff;
    } else {
      const hi = Math.floor(value / 0x100000000);
      const lo = value >>> 0;
      b[p++] = m | 27;
      b[p++] = hi >>> 24;
      b[p++] = (hi >>> 16) & 0xff;
      b[p++] = (hi >>> 8) & 0xff;
      b[p++] = hi & 0xff;
      b[p++] = lo >>> 24;
      b[p++] = (lo >>> 16) & 0xff;
      b[p++] = (lo >>> 8) & 0xff;
      b[p++] = lo & 0xff;
    }
    this.length = p;
  }

  /** Writes an unsigned integer. */
  uint(value: number): void {
    this.head(CborMajor.UNSIGNED, value);
  }

  /** Writes a byte string. */
  bytes(data: Uint8Array): void {
    this.head(CborMajor.BYTES, data.length);
    this.raw(data);
  }

  /** Writes a text string. */
  text(value: string): void {
    const data = utf8Encoder.encode(value);
    this.head(CborMajor.TEXT, data.length);
    this.raw(data);
  }

  /** Writes a definite-length array head. */
  array(count: number): void {
    this.head(CborMajor.ARRAY, count);
  }

  /** Writes a boolean. */
  bool(value: boolean): void {
    this.ensure(1);
    this.buf[this.length++] = value ? 0xf5 : 0xf4;
  }

  /** Writes octets as they are. */
  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** Writes one octet. */
  octet(value: number): void {
    this.ensure(1);
    this.buf[this.length++] = value;
  }

  /** The octets written, as a copy trimmed to length. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Encodes a generic value in deterministic form (the inverse of {@link decodeCbor}). */
export function encodeCbor(value: CborValue): Uint8Array {
  const w = new CborWriter();
  writeValue(w, value, 64);
  return w.finish();
}

function writeValue(w: CborWriter, v: CborValue, depth: number): void {
  if (depth < 0) throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, 'value nested too deeply');
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `not a safe integer: ${v}`);
    }
    if (v >= 0) w.uint(v);
    else w.head(CborMajor.NEGATIVE, -1 - v);
  } else if (typeof v === 'bigint') {
    throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, 'bigint values are not encoded');
  } else if (typeof v === 'string') w.text(v);
  else if (typeof v === 'boolean') w.bool(v);
  else if (v === null) w.octet(0xf6);
  else if (v === undefined) w.octet(0xf7);
  else if (v instanceof Uint8Array) w.bytes(v);
  else if (Array.isArray(v)) {
    w.array(v.length);
    for (const x of v) writeValue(w, x, depth - 1);
  } else if ('map' in v) {
    w.head(CborMajor.MAP, v.map.length);
    for (const [k, x] of v.map) {
      writeValue(w, k, depth - 1);
      writeValue(w, x, depth - 1);
    }
  } else if ('tag' in v) {
    w.head(CborMajor.TAG, v.tag);
    writeValue(w, v.value, depth - 1);
  } else if ('simple' in v) {
    if (v.simple < 24) w.octet(0xe0 | v.simple);
    else {
      w.octet(0xf8);
      w.octet(v.simple);
    }
  } else {
    w.ensure(9);
    w.octet(0xfb);
    new DataView(w.buf.buffer, w.buf.byteOffset + w.length, 8).setFloat64(0, v.float);
    w.length += 8;
  }
}
