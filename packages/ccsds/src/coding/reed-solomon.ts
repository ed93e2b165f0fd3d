/**
 * Reed-Solomon coding of CCSDS 131.0-B-4 (Reed-Solomon coding section): RS(255,223) with E = 16 and RS(255,239)
 * with E = 8 over GF(2^8) (field polynomial 0x187), generator roots alpha^(11j) for
 * j = 128-E .. 127+E, symbols in the dual (Berlekamp) basis (the conventional basis is offered as
 * a non-CCSDS option), interleaving depth I in {1, 2, 3, 4, 5, 8} (octet j of the codeblock
 * belongs to codeword j mod I) and shortened codes with virtual fill.
 *
 * Encoding runs the generator-polynomial LFSR with one precomputed table row per feedback
 * symbol (the products with every generator coefficient, packed four symbols to a 32-bit word,
 * already in the transmission basis). Decoding reuses that LFSR: the remainder of the received
 * word modulo g(x) is zero exactly when every syndrome is zero, so a clean codeword costs one
 * encoding pass; otherwise the syndromes are evaluated from the 2E-symbol remainder,
 * Berlekamp-Massey (with erasures) finds the error locator, a Chien search its roots and
 * Forney's formula the error values. A corrected codeword is re-checked before it is accepted,
 * so a codeword reported as corrected is always a codeword; one that cannot be repaired is
 * reported as -1 and left exactly as received.
 */
import { CcsdsError, CcsdsErrorCode } from '../core/index.js';
import { CONVENTIONAL_TO_DUAL, DUAL_TO_CONVENTIONAL, GF_EXP, GF_LOG, gfMul } from './rs-gf.js';

/** Symbol representation on the wire. */
export const RsBasis = {
  /** The CCSDS dual (Berlekamp) basis of 131.0 (default). */
  DUAL: 'dual',
  /** The conventional (polynomial) basis: not CCSDS, used by some missions and by libfec's `encode_rs_8`. */
  CONVENTIONAL: 'conventional',
} as const;
/** One of {@link RsBasis}. */
export type RsBasis = (typeof RsBasis)[keyof typeof RsBasis];

/** The interleaving depths 131.0 allows. */
export const RS_INTERLEAVING_DEPTHS: readonly number[] = [1, 2, 3, 4, 5, 8];

/** Parameters of a CCSDS Reed-Solomon code. */
export interface ReedSolomonOptions {
  /** Error-correcting capability per codeword: 16 for RS(255,223) (default) or 8 for RS(255,239). */
  E?: 8 | 16;
  /** Interleaving depth I: 1 (default), 2, 3, 4, 5 or 8. */
  interleave?: number;
  /** Virtual fill: zero symbols per codeword not transmitted (shortened code), 0 (default) .. k-1. */
  virtualFill?: number;
  /** Symbol basis, {@link RsBasis.DUAL} by default. */
  basis?: RsBasis;
}

/** Options of one decode call. */
export interface RsDecodeOptions {
  /**
   * Octet indices (in the interleaved codeblock) known to be unreliable. Erasures cost one
   * parity symbol each instead of two, so 2 * errors + erasures <= 2E per codeword.
   */
  erasures?: readonly number[];
}

/** Result of decoding one codeblock. */
export interface RsDecodeResult {
  /** True when every codeword was error-free or corrected. */
  ok: boolean;
  /**
   * Per codeword (index = codeword number, j mod I): the number of symbols changed, or -1 when
   * the codeword was uncorrectable (left as received).
   */
  corrections: number[];
  /** Total symbols corrected in the codeblock (uncorrectable codewords count 0). */
  corrected: number;
  /** The data part of the codeblock (corrected where possible). */
  data: Uint8Array;
}

/** Tables shared by every codec with the same E and basis. */
interface RsTables {
  readonly E: number;
  readonly nroots: number;
  readonly fcr: number;
  /** Generator coefficients, conventional basis, `genpoly[i]` = coefficient of x^i. */
  readonly genpoly: Uint8Array;
  /** LFSR rows: 256 feedback symbols x (nroots / 4) packed words, in the wire basis. */
  readonly lfsr: Int32Array;
  /** Wire basis to conventional, or null when the wire basis is conventional. */
  readonly toConv: Uint8Array | null;
  /** Conventional to wire basis, or null. */
  readonly fromConv: Uint8Array | null;
  /** log_alpha of the generator roots alpha^(11 (fcr + i)). */
  readonly rootLog: Int32Array;
  // Scratch space (decoding is synchronous and not re-entrant).
  readonly reg: Int32Array;
  readonly rem: Uint8Array;
  readonly syn: Uint8Array;
  readonly lambda: Uint8Array;
  readonly b: Uint8Array;
  readonly t: Uint8Array;
  readonly omega: Uint8Array;
  readonly chienAcc: Uint8Array;
  readonly chienStep: Int32Array;
  readonly rootDeg: Int32Array;
  readonly savedPos: Int32Array;
  readonly savedVal: Uint8Array;
}

const ROOT_STEP = 11;
const tablesCache = new Map<string, RsTables>();

/**
 * Branch-free multiplication: `ZLOG[0]` = 511 and `ZEXP[i]` = 0 for i >= 510, so
 * `ZEXP[ZLOG[a] + ZLOG[b]]` is a * b for every a, b (including zero).
 */
const ZLOG = new Uint16Array(256);
const ZEXP = new Uint8Array(1024);
/** alpha^(i mod 255) for i < 255 * 256: Chien registers never need reducing. */
let longExp: Uint8Array | undefined;

for (let i = 0; i < 510; i++) ZEXP[i] = GF_EXP[i]!;
for (let x = 1; x < 256; x++) ZLOG[x] = GF_LOG[x]!;
ZLOG[0] = 511;

function chienTable(): Uint8Array {
  if (longExp === undefined) {
    longExp = new Uint8Array(255 * 256);
    for (let i = 0; i < longExp.length; i++) longExp[i] = GF_EXP[i % 255]!;
  }
  return longExp;
}

function mod255(x: number): number {
  const r = x % 255;
  return r < 0 ? r + 255 : r;
}

function buildTables(E: number, basis: RsBasis): RsTables {
  const nroots = 2 * E;
  const fcr = 128 - E;
  const genpoly = new Uint8Array(nroots + 1);
  genpoly[0] = 1;
  const rootLog = new Int32Array(nroots);
  for (let i = 0; i < nroots; i++) {
    const lr = mod255(ROOT_STEP * (fcr + i));
    rootLog[i] = lr;
    const root = GF_EXP[lr]!;
    // genpoly *= (x + root)
    for (let j = i + 1; j > 0; j--) genpoly[j] = genpoly[j - 1]! ^ gfMul(genpoly[j]!, root);
    genpoly[0] = gfMul(genpoly[0]!, root);
  }
  const dual = basis === RsBasis.DUAL;
  const toConv = dual ? DUAL_TO_CONVENTIONAL : null;
  const fromConv = dual ? CONVENTIONAL_TO_DUAL : null;
  const words = nroots / 4;
  const lfsr = new Int32Array(256 * words);
  for (let fb = 0; fb < 256; fb++) {
    const f = toConv ? toConv[fb]! : fb;
    for (let w = 0; w < words; w++) {
      let word = 0;
      for (let k = 0; k < 4; k++) {
        const j = 4 * w + k;
        const p = gfMul(f, genpoly[nroots - 1 - j]!);
        word = (word << 8) | (fromConv ? fromConv[p]! : p);
      }
      lfsr[fb * words + w] = word;
    }
  }
  const chienStep = new Int32Array(nroots + 1);
  for (let j = 0; j <= nroots; j++) chienStep[j] = mod255(-ROOT_STEP * j);
  return {
    E,
    nroots,
    fcr,
    genpoly,
    lfsr,
    toConv,
    fromConv,
    rootLog,
    reg: new Int32Array(words),
    rem: new Uint8Array(nroots),
    syn: new Uint8Array(nroots),
    lambda: new Uint8Array(nroots + 1),
    b: new Uint8Array(nroots + 1),
    t: new Uint8Array(nroots + 1),
    omega: new Uint8Array(nroots),
    chienAcc: new Uint8Array(256),
    chienStep,
    rootDeg: new Int32Array(nroots),
    savedPos: new Int32Array(nroots),
    savedVal: new Uint8Array(nroots),
  };
}

function tablesFor(E: number, basis: RsBasis): RsTables {
  const key = `${E}/${basis}`;
  let t = tablesCache.get(key);
  if (t === undefined) {
    t = buildTables(E, basis);
    tablesCache.set(key, t);
  }
  return t;
}

/** LFSR over `count` symbols at `pos`, `pos + stride`, ... for 2E = 32; leaves 8 words in `reg`. */
function lfsr32(
  buf: Uint8Array,
  pos: number,
  count: number,
  stride: number,
  t: Int32Array,
  reg: Int32Array,
): void {
  let w0 = 0,
    w1 = 0,
    w2 = 0,
    w3 = 0,
    w4 = 0,
    w5 = 0,
    w6 = 0,
    w7 = 0;
  for (let i = 0; i < count; i++) {
    const f = (buf[pos]! ^ (w0 >>> 24)) << 3;
    pos += stride;
    w0 = ((w0 << 8) | (w1 >>> 24)) ^ t[f]!;
    w1 = ((w1 << 8) | (w2 >>> 24)) ^ t[f + 1]!;
    w2 = ((w2 << 8) | (w3 >>> 24)) ^ t[f + 2]!;
    w3 = ((w3 << 8) | (w4 >>> 24)) ^ t[f + 3]!;
    w4 = ((w4 << 8) | (w5 >>> 24)) ^ t[f + 4]!;
    w5 = ((w5 << 8) | (w6 >>> 24)) ^ t[f + 5]!;
    w6 = ((w6 << 8) | (w7 >>> 24)) ^ t[f + 6]!;
    w7 = (w7 << 8) ^ t[f + 7]!;
  }
  reg[0] = w0;
  reg[1] = w1;
  reg[2] = w2;
  reg[3] = w3;
  reg[4] = w4;
  reg[5] = w5;
  reg[6] = w6;
  reg[7] = w7;
}

/** LFSR for 2E = 16; leaves 4 words in `reg`. */
function lfsr16(
  buf: Uint8Array,
  pos: number,
  count: number,
  stride: number,
  t: Int32Array,
  reg: Int32Array,
): void {
  let w0 = 0,
    w1 = 0,
    w2 = 0,
    w3 = 0;
  for (let i = 0; i < count; i++) {
    const f = (buf[pos]! ^ (w0 >>> 24)) << 2;
    pos += stride;
    w0 = ((w0 << 8) | (w1 >>> 24)) ^ t[f]!;
    w1 = ((w1 << 8) | (w2 >>> 24)) ^ t[f + 1]!;
    w2 = ((w2 << 8) | (w3 >>> 24)) ^ t[f + 2]!;
    w3 = (w3 << 8) ^ t[f + 3]!;
  }
  reg[0] = w0;
  reg[1] = w1;
  reg[2] = w2;
  reg[3] = w3;
}

/**
 * Chien search, term by term: position d (symbol degree, 0 = last transmitted symbol) is a root
 * when 1 + sum lambda_j alpha^(-11 j d) = 0. Accumulates every term over all n positions with
 * an unreduced log index (`step[j]` = -11 j mod 255), then collects up to `deg` root degrees.
 */
function chienSearch(
  lambda: Uint8Array,
  deg: number,
  n: number,
  step: Int32Array,
  acc: Uint8Array,
  roots: Int32Array,
): number {
  const big = chienTable();
  acc.fill(1, 0, n);
  for (let j = 1; j <= deg; j++) {
    const lj = lambda[j]!;
    if (lj === 0) continue;
    let idx = GF_LOG[lj]!;
    const s = step[j]!;
    for (let d = 0; d < n; d++) {
      acc[d] = acc[d]! ^ big[idx]!;
      idx += s;
    }
  }
  let found = 0;
  for (let d = 0; d < n && found < deg; d++) if (acc[d] === 0) roots[found++] = d;
  return found;
}

/**
 * A CCSDS Reed-Solomon codec for one code, interleaving depth and virtual fill. Instances are
 * cheap (the GF and LFSR tables are shared) and may be reused for any number of codeblocks.
 */
export class ReedSolomon {
  /** Error-correcting capability per codeword. */
  readonly E: 8 | 16;
  /** Interleaving depth I. */
  readonly interleave: number;
  /** Virtual fill Q per codeword. */
  readonly virtualFill: number;
  /** Symbol basis on the wire. */
  readonly basis: RsBasis;
  /** Symbols per transmitted (shortened) codeword: 255 - Q. */
  readonly n: number;
  /** Data symbols per transmitted codeword: 255 - 2E - Q. */
  readonly k: number;
  /** Octets of data in one codeblock: I * k. */
  readonly dataLength: number;
  /** Octets of parity in one codeblock: I * 2E. */
  readonly parityLength: number;
  /** Octets of one codeblock: I * n. */
  readonly codeblockLength: number;
  private readonly tables: RsTables;

  /** Throws `INVALID_ARGUMENT` for parameters outside 131.0. */
  constructor(options: ReedSolomonOptions = {}) {
    const E = options.E ?? 16;
    if (E !== 16 && E !== 8) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `E must be 8 or 16, got ${E}`);
    }
    const I = options.interleave ?? 1;
    if (!RS_INTERLEAVING_DEPTHS.includes(I)) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `interleaving depth must be one of ${RS_INTERLEAVING_DEPTHS.join(', ')}, got ${I}`,
      );
    }
    const kFull = 255 - 2 * E;
    const Q = options.virtualFill ?? 0;
    if (!Number.isInteger(Q) || Q < 0 || Q >= kFull) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `virtual fill must be an integer from 0 to ${kFull - 1}, got ${Q}`,
      );
    }
    const basis = options.basis ?? RsBasis.DUAL;
    if (basis !== RsBasis.DUAL && basis !== RsBasis.CONVENTIONAL) {
      throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `unknown basis ${String(basis)}`);
    }
    this.E = E;
    this.interleave = I;
    this.virtualFill = Q;
    this.basis = basis;
    this.n = 255 - Q;
    this.k = kFull - Q;
    this.dataLength = I * this.k;
    this.parityLength = I * 2 * E;
    this.codeblockLength = I * this.n;
    this.tables = tablesFor(E, basis);
  }

  /** Returns a new codeblock: `data` (exactly {@link dataLength} octets) followed by the interleaved parity. */
  encode(data: Uint8Array): Uint8Array {
    if (data.length !== this.dataLength) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `RS data must be ${this.dataLength} octets, got ${data.length}`,
      );
    }
    const out = new Uint8Array(this.codeblockLength);
    out.set(data);
    this.encodeParity(out);
    return out;
  }

  /**
   * Computes the parity of the codeblock at `block[offset, offset + codeblockLength)` in place
   * from its data part (no copy, no allocation).
   */
  encodeParity(block: Uint8Array, offset = 0): void {
    this.checkBlock(block, offset);
    const t = this.tables;
    const I = this.interleave;
    const nwords = t.nroots >> 2;
    const reg = t.reg;
    for (let c = 0; c < I; c++) {
      this.runLfsr(block, offset + c, this.k);
      let p = offset + c + this.k * I;
      for (let w = 0; w < nwords; w++) {
        const v = reg[w]!;
        block[p] = v >>> 24;
        block[p + I] = v >>> 16;
        block[p + 2 * I] = v >>> 8;
        block[p + 3 * I] = v;
        p += 4 * I;
      }
    }
  }

  /** Decodes a copy of `block` (exactly {@link codeblockLength} octets); `block` is not modified. */
  decode(block: Uint8Array, options: RsDecodeOptions = {}): RsDecodeResult {
    if (block.length !== this.codeblockLength) {
      throw new CcsdsError(
        block.length < this.codeblockLength
          ? CcsdsErrorCode.TRUNCATED
          : CcsdsErrorCode.INVALID_FIELD,
        `RS codeblock must be ${this.codeblockLength} octets, got ${block.length}`,
      );
    }
    return this.decodeInPlace(block.slice(), 0, options);
  }

  /**
   * Decodes the codeblock at `block[offset, offset + codeblockLength)` in place: correctable
   * codewords are repaired, uncorrectable ones are left exactly as received. The result's `data`
   * is a view of the data part inside `block`.
   */
  decodeInPlace(block: Uint8Array, offset = 0, options: RsDecodeOptions = {}): RsDecodeResult {
    this.checkBlock(block, offset);
    const I = this.interleave;
    const corrections = new Array<number>(I);
    let perCodeword: number[][] | undefined;
    const er = options.erasures;
    if (er !== undefined && er.length > 0) {
      perCodeword = [];
      for (let c = 0; c < I; c++) perCodeword.push([]);
      const seen = new Set<number>();
      for (const p of er) {
        if (!Number.isInteger(p) || p < 0 || p >= this.codeblockLength || seen.has(p)) {
          throw new CcsdsError(
            CcsdsErrorCode.INVALID_ARGUMENT,
            `erasure position ${p} is repeated or outside 0..${this.codeblockLength - 1}`,
          );
        }
        seen.add(p);
        perCodeword[p % I]!.push(Math.floor(p / I));
      }
    }
    let ok = true;
    let total = 0;
    for (let c = 0; c < I; c++) {
      const r = this.decodeCodeword(block, offset + c, perCodeword?.[c]);
      corrections[c] = r;
      if (r < 0) ok = false;
      else total += r;
    }
    return {
      ok,
      corrections,
      corrected: total,
      data: block.subarray(offset, offset + this.dataLength),
    };
  }

  private checkBlock(block: Uint8Array, offset: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + this.codeblockLength > block.length) {
      throw new CcsdsError(
        CcsdsErrorCode.TRUNCATED,
        `RS codeblock of ${this.codeblockLength} octets does not fit`,
        { offset },
      );
    }
  }

  private runLfsr(buf: Uint8Array, pos: number, count: number): void {
    const t = this.tables;
    if (t.nroots === 32) lfsr32(buf, pos, count, this.interleave, t.lfsr, t.reg);
    else lfsr16(buf, pos, count, this.interleave, t.lfsr, t.reg);
  }

  /** Remainder (wire basis) of the codeword at `start` into `t.rem`; returns true when it is zero. */
  private remainderIsZero(buf: Uint8Array, start: number): boolean {
    const t = this.tables;
    const I = this.interleave;
    this.runLfsr(buf, start, this.k);
    const reg = t.reg;
    const rem = t.rem;
    const nwords = t.nroots >> 2;
    let p = start + this.k * I;
    let any = 0;
    for (let w = 0; w < nwords; w++) {
      const v = reg[w]!;
      const r0 = (v >>> 24) ^ buf[p]!;
      const r1 = ((v >>> 16) & 0xff) ^ buf[p + I]!;
      const r2 = ((v >>> 8) & 0xff) ^ buf[p + 2 * I]!;
      const r3 = (v & 0xff) ^ buf[p + 3 * I]!;
      rem[4 * w] = r0;
      rem[4 * w + 1] = r1;
      rem[4 * w + 2] = r2;
      rem[4 * w + 3] = r3;
      any |= r0 | r1 | r2 | r3;
      p += 4 * I;
    }
    return any === 0;
  }

  /** Decodes one codeword (symbols start, start + I, ...); returns corrections or -1. */
  private decodeCodeword(buf: Uint8Array, start: number, erasures: number[] | undefined): number {
    if (this.remainderIsZero(buf, start)) return 0;
    const t = this.tables;
    const nroots = t.nroots;
    const n = this.n;
    const I = this.interleave;
    const EXP = GF_EXP;
    const LOG = GF_LOG;
    const nEras = erasures?.length ?? 0;
    if (nEras > nroots) return -1;

    // Syndromes S_i = rem(alpha^(11 (fcr + i))), conventional basis; rem[0] is the x^(2E-1) term.
    const rem = t.rem;
    const toConv = t.toConv;
    if (toConv !== null) for (let j = 0; j < nroots; j++) rem[j] = toConv[rem[j]!]!;
    const syn = t.syn;
    for (let i = 0; i < nroots; i++) {
      const lr = t.rootLog[i]!;
      let v = 0;
      for (let j = 0; j < nroots; j++) v = ZEXP[ZLOG[v]! + lr]! ^ rem[j]!;
      syn[i] = v;
    }

    // Error-and-erasure locator by Berlekamp-Massey (lambda and tmp swap roles each step).
    let lambda = t.lambda;
    let tmp = t.t;
    const b = t.b;
    lambda.fill(0);
    tmp.fill(0);
    b.fill(0);
    lambda[0] = 1;
    for (let e = 0; e < nEras; e++) {
      const deg = n - 1 - erasures![e]!;
      const xl = mod255(ROOT_STEP * deg);
      for (let j = e + 1; j > 0; j--) {
        const prev = lambda[j - 1]!;
        if (prev !== 0) lambda[j] = lambda[j]! ^ EXP[LOG[prev]! + xl]!;
      }
    }
    for (let j = 0; j <= nEras; j++) b[j] = lambda[j]!;
    let L = nEras;
    for (let r = nEras; r < nroots; r++) {
      // Before this step deg(Lambda), deg(B) <= r; afterwards both are <= r + 1.
      const top = r + 1 < nroots ? r + 1 : nroots;
      let delta = 0;
      for (let i = 0; i <= r; i++) delta ^= ZEXP[ZLOG[lambda[i]!]! + ZLOG[syn[r - i]!]!]!;
      if (delta === 0) {
        for (let j = top; j > 0; j--) b[j] = b[j - 1]!;
        b[0] = 0;
        continue;
      }
      const ld = LOG[delta]!;
      tmp[0] = lambda[0]!;
      for (let j = 1; j <= top; j++) tmp[j] = lambda[j]! ^ ZEXP[ld + ZLOG[b[j - 1]!]!]!;
      if (2 * L <= r + nEras) {
        L = r + 1 + nEras - L;
        const inv = 255 - ld;
        for (let j = 0; j <= top; j++) b[j] = ZEXP[ZLOG[lambda[j]!]! + inv]!;
      } else {
        for (let j = top; j > 0; j--) b[j] = b[j - 1]!;
        b[0] = 0;
      }
      const sw = lambda;
      lambda = tmp;
      tmp = sw;
    }
    let deg = 0;
    for (let j = nroots; j > 0; j--) {
      if (lambda[j] !== 0) {
        deg = j;
        break;
      }
    }
    if (deg === 0 || deg !== L || 2 * deg - nEras > nroots) return -1;

    // Chien search over the transmitted positions: degree d = n-1-i, root of Lambda(alpha^(-11 d)).
    // Chien search over the transmitted positions only (virtual fill cannot hold errors).
    const found = chienSearch(lambda, deg, n, t.chienStep, t.chienAcc, t.rootDeg);
    if (found !== deg) return -1;

    // Forney: Omega = S * Lambda mod x^2E; Y = X^(1-fcr) Omega(1/X) / Lambda'(1/X).
    // deg(Omega) < deg(Lambda) for any correctable pattern.
    const omega = t.omega;
    for (let kk = 0; kk < deg; kk++) {
      let o = 0;
      for (let j = 0; j <= kk; j++) o ^= ZEXP[ZLOG[lambda[j]!]! + ZLOG[syn[kk - j]!]!]!;
      omega[kk] = o;
    }
    const fromConv = t.fromConv;
    const savedPos = t.savedPos;
    const savedVal = t.savedVal;
    const topOdd = (deg & 1) === 1 ? deg : deg - 1;
    let changed = 0;
    for (let e = 0; e < found; e++) {
      const d = t.rootDeg[e]!;
      const xLog = mod255(ROOT_STEP * d);
      const xi = xLog === 0 ? 0 : 255 - xLog; // log of z = 1/X
      // Omega(z) by Horner.
      let num = 0;
      for (let kk = deg - 1; kk >= 0; kk--) {
        num = ZEXP[ZLOG[num]! + xi]! ^ omega[kk]!;
      }
      // Lambda'(z) = sum of odd terms lambda_j z^(j-1), by Horner in z^2.
      const xi2 = xi * 2 >= 255 ? xi * 2 - 255 : xi * 2;
      let den = 0;
      for (let j = topOdd; j >= 1; j -= 2) {
        den = ZEXP[ZLOG[den]! + xi2]! ^ lambda[j]!;
      }
      if (den === 0) {
        this.restore(buf, changed);
        return -1;
      }
      if (num === 0) continue;
      const y = EXP[mod255(LOG[num]! - LOG[den]! + xLog * (1 - t.fcr))]!;
      const idx = start + (n - 1 - d) * I;
      savedPos[changed] = idx;
      savedVal[changed] = buf[idx]!;
      changed++;
      buf[idx] = buf[idx]! ^ (fromConv !== null ? fromConv[y]! : y);
    }
    // Never hand back a word that is not a codeword.
    if (!this.remainderIsZero(buf, start)) {
      this.restore(buf, changed);
      return -1;
    }
    return changed;
  }

  private restore(buf: Uint8Array, changed: number): void {
    const t = this.tables;
    for (let e = 0; e < changed; e++) buf[t.savedPos[e]!] = t.savedVal[e]!;
  }
}

const codecCache = new Map<string, ReedSolomon>();

function codecFor(options: ReedSolomonOptions): ReedSolomon {
  const key = `${options.E ?? 16}/${options.interleave ?? 1}/${options.virtualFill ?? 0}/${options.basis ?? RsBasis.DUAL}`;
  let c = codecCache.get(key);
  if (c === undefined) {
    c = new ReedSolomon(options);
    if (codecCache.size < 256) codecCache.set(key, c);
  }
  return c;
}

/** Encodes one codeblock: data (I * (k - Q) octets) followed by interleaved parity. */
export function rsEncode(data: Uint8Array, options: ReedSolomonOptions = {}): Uint8Array {
  return codecFor(options).encode(data);
}

/**
 * Decodes one codeblock (I * (255 - Q) octets) without modifying it. Check `ok` and
 * `corrections` (-1 = uncorrectable codeword) before trusting `data`.
 */
export function rsDecode(
  codeblock: Uint8Array,
  options: ReedSolomonOptions & RsDecodeOptions = {},
): RsDecodeResult {
  return codecFor(options).decode(codeblock, options);
}
