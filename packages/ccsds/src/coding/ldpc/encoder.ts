/**
 * Systematic encoding of the LDPC codes of CCSDS 131.0-B-4 (TM Synchronization and Channel
 * Coding) section 7.
 *
 * Both families are encoded with a systematic generator G = [I | W]: the codeword is the
 * information block followed by the transmitted parity bits, each information bit that is 1
 * adding its row of W.
 * - C2 (section 7.3.3): W is the quasi-cyclic 7154 × 1022 matrix of 511 × 511 circulants whose
 *   first rows are table 7-2; the 18 leading (virtual fill) rows are never used, and two zero bits
 *   follow the 1022 parity bits.
 * - AR4JA (section 7.4.3): W = (Q⁻¹P)ᵀ, with H = [P | Q] and Q the 3M × 3M matrix of the last
 *   three block columns; only the first 2M parity bits are kept (the last M are punctured). Q has
 *   the block form [I 0 C; 0 I A; 0 B I] with C = I⊕Π1, A = Π2⊕Π3⊕Π4 and B = Π7⊕Π8 for every
 *   rate, so Q⁻¹ follows from the inverse of the M × M matrix T = I ⊕ BA, found by Gauss–Jordan
 *   elimination over GF(2) once per code and cached.
 */
import { CcsdsError, CcsdsErrorCode } from '../../core/index.js';
import { type LdpcCode, type LdpcCodeName, resolveLdpcCode } from './codes.js';
import { C2_CIRCULANT_SIZE, C2_G_FIRST_ROWS } from './tables.js';

/** The parity part W of a systematic generator, one packed row per information bit. */
export interface LdpcGenerator {
  /** Parity bits per row (transmitted parity, including C2's two zero fill bits). */
  readonly parityBits: number;
  /** 32-bit words per row; bit p of a row is bit `31 - (p & 31)` of word `p >>> 5`. */
  readonly words: number;
  /** `k × words` words: row i is the parity added by information bit i. */
  readonly rows: Uint32Array;
}

/** Inverts an m × m GF(2) matrix given as packed rows; undefined when it is singular. */
export function invertGf2(rows: Uint32Array, m: number): Uint32Array | undefined {
  const w = Math.ceil(m / 32);
  const a = rows.slice();
  const inv = new Uint32Array(m * w);
  for (let i = 0; i < m; i++) inv[i * w + (i >>> 5)] = (1 << (31 - (i & 31))) >>> 0;
  for (let c = 0; c < m; c++) {
    const cw = c >>> 5;
    const mask = 1 << (31 - (c & 31));
    let p = c;
    while (p < m && (a[p * w + cw]! & mask) === 0) p++;
    if (p === m) return undefined;
    if (p !== c) {
      for (let x = 0; x < w; x++) {
        const t = a[p * w + x]!;
        a[p * w + x] = a[c * w + x]!;
        a[c * w + x] = t;
        const u = inv[p * w + x]!;
        inv[p * w + x] = inv[c * w + x]!;
        inv[c * w + x] = u;
      }
    }
    const cb = c * w;
    for (let r = 0; r < m; r++) {
      if (r === c) continue;
      const rb = r * w;
      if ((a[rb + cw]! & mask) === 0) continue;
      for (let x = cw; x < w; x++) a[rb + x] = a[rb + x]! ^ a[cb + x]!;
      for (let x = 0; x < w; x++) inv[rb + x] = inv[rb + x]! ^ inv[cb + x]!;
    }
  }
  return inv;
}

function getBit(v: Uint32Array, base: number, i: number): number {
  return (v[base + (i >>> 5)]! >>> (31 - (i & 31))) & 1;
}

function flipBit(v: Uint32Array, base: number, i: number): void {
  v[base + (i >>> 5)] = v[base + (i >>> 5)]! ^ (1 << (31 - (i & 31)));
}

/** Columns of H row `row` that fall in block column `bc`, relative to the block. */
function blockRow(code: LdpcCode, row: number, bc: number): number[] {
  const m = code.blockSize;
  const out: number[] = [];
  for (let e = code.rowStart[row]!; e < code.rowStart[row + 1]!; e++) {
    const c = code.edgeColumn[e]!;
    if (c >= bc * m && c < (bc + 1) * m) out.push(c - bc * m);
  }
  return out;
}

function internal(message: string): CcsdsError {
  return new CcsdsError(CcsdsErrorCode.INVALID_STATE, message);
}

function buildAr4jaGenerator(code: LdpcCode): LdpcGenerator {
  const m = code.blockSize;
  const o = code.columns / m - 5; // first block column of H_1/2
  const mw = m / 32;
  const rowsOf = (br: number, bc: number): number[][] =>
    Array.from({ length: m }, (_, i) => blockRow(code, br * m + i, bc));
  const aRows = rowsOf(1, o + 4);
  const bRows = rowsOf(2, o + 3);
  const cRows = rowsOf(0, o + 4);
  // The parity part must have the block form [I 0 C; 0 I A; 0 B I].
  const isIdentity = (r: number[][]): boolean =>
    r.every((cols, i) => cols.length === 1 && cols[0] === i);
  const isZero = (r: number[][]): boolean => r.every((cols) => cols.length === 0);
  if (
    !isIdentity(rowsOf(0, o + 2)) ||
    !isIdentity(rowsOf(1, o + 3)) ||
    !isIdentity(rowsOf(2, o + 4)) ||
    !isZero(rowsOf(0, o + 3)) ||
    !isZero(rowsOf(1, o + 2)) ||
    !isZero(rowsOf(2, o + 2))
  ) {
    throw internal(`${code.name}: parity columns do not have the AR4JA block form`);
  }
  // Tᵀ with T = I ⊕ BA, packed by rows; the rows of (Tᵀ)⁻¹ are the columns of T⁻¹.
  const tt = new Uint32Array(m * mw);
  for (let i = 0; i < m; i++) {
    const row = new Set<number>([i]);
    for (const j of bRows[i]!) {
      for (const c of aRows[j]!) {
        if (row.has(c)) row.delete(c);
        else row.add(c);
      }
    }
    for (const c of row) flipBit(tt, c * mw, i);
  }
  const tInvCols = invertGf2(tt, m);
  if (tInvCols === undefined) throw internal(`${code.name}: I + BA is singular`);
  const bCols: number[][] = Array.from({ length: m }, () => []);
  bRows.forEach((cols, i) => {
    for (const j of cols) bCols[j]!.push(i);
  });
  const words = (2 * m) / 32;
  const rows = new Uint32Array(code.k * words);
  const s = new Uint8Array(3 * m);
  const v = new Uint8Array(m);
  const p4 = new Uint32Array(mw);
  for (let u = 0; u < code.k; u++) {
    s.fill(0);
    for (let e = code.columnStart[u]!; e < code.columnStart[u + 1]!; e++) s[code.edgeRow[e]!] = 1;
    // v = s2 ⊕ B s1
    for (let i = 0; i < m; i++) v[i] = s[2 * m + i]!;
    for (let j = 0; j < m; j++) {
      if (s[m + j] === 0) continue;
      for (const i of bCols[j]!) v[i] = v[i]! ^ 1;
    }
    // p4 = T⁻¹ v
    p4.fill(0);
    for (let c = 0; c < m; c++) {
      if (v[c] === 0) continue;
      for (let x = 0; x < mw; x++) p4[x] = p4[x]! ^ tInvCols[c * mw + x]!;
    }
    // p2 = s0 ⊕ C p4, p3 = s1 ⊕ A p4: the transmitted parity.
    const base = u * words;
    for (let i = 0; i < m; i++) {
      let b2 = s[i]!;
      for (const c of cRows[i]!) b2 ^= getBit(p4, 0, c);
      let b3 = s[m + i]!;
      for (const c of aRows[i]!) b3 ^= getBit(p4, 0, c);
      if (b2 !== 0) flipBit(rows, base, i);
      if (b3 !== 0) flipBit(rows, base, m + i);
    }
  }
  return { parityBits: 2 * m, words, rows };
}

function hexRow(hex: string, size: number): Uint8Array {
  const bits = new Uint8Array(hex.length * 4);
  for (let i = 0; i < hex.length; i++) {
    const d = parseInt(hex[i]!, 16);
    for (let b = 0; b < 4; b++) bits[i * 4 + b] = (d >>> (3 - b)) & 1;
  }
  return bits.subarray(bits.length - size);
}

function buildC2Generator(code: LdpcCode): LdpcGenerator {
  const b = C2_CIRCULANT_SIZE;
  const words = 32; // 1022 parity bits and 2 zero fill bits
  const rows = new Uint32Array(code.k * words);
  for (let blk = 0; blk < C2_G_FIRST_ROWS.length; blk++) {
    const first = C2_G_FIRST_ROWS[blk]!.map((h) => hexRow(h, b));
    for (let shift = 0; shift < b; shift++) {
      const info = blk * b + shift - code.leadingFill;
      if (info < 0) continue;
      const base = info * words;
      for (let j = 0; j < 2; j++) {
        const f = first[j]!;
        for (let t = 0; t < b; t++) if (f[t] === 1) flipBit(rows, base, j * b + ((t + shift) % b));
      }
    }
  }
  return { parityBits: 2 * b + code.trailingFill, words, rows };
}

const generators = new Map<LdpcCodeName, LdpcGenerator>();

/** The systematic generator of a code, computed on first use and cached. */
export function ldpcGenerator(code: LdpcCode | LdpcCodeName): LdpcGenerator {
  const c = resolveLdpcCode(code);
  let g = generators.get(c.name);
  if (g === undefined) {
    g = c.name === 'C2' ? buildC2Generator(c) : buildAr4jaGenerator(c);
    generators.set(c.name, g);
  }
  return g;
}

/**
 * Encodes information blocks of one code, one codeword per call. The information block is `k`
 * bits packed MSB first into `k / 8` octets; the codeword is `n / 8` octets, the information
 * block followed by the transmitted parity bits (C2: 1022 parity bits and two zero bits).
 */
export class LdpcEncoder {
  /** The code. */
  readonly code: LdpcCode;
  private readonly gen: LdpcGenerator;
  private readonly acc: Uint32Array;

  /** @param code - the code or its name; the generator is built on first use of the code */
  constructor(code: LdpcCode | LdpcCodeName) {
    this.code = resolveLdpcCode(code);
    this.gen = ldpcGenerator(this.code);
    this.acc = new Uint32Array(this.gen.words);
  }

  /** Octets of an information block. */
  get infoLength(): number {
    return this.code.k / 8;
  }

  /** Octets of a codeword. */
  get codewordLength(): number {
    return this.code.n / 8;
  }

  /**
   * Encodes one information block into a new codeword.
   * @throws CcsdsError `INVALID_ARGUMENT` unless `info` has exactly `k / 8` octets
   */
  encode(info: Uint8Array): Uint8Array {
    return this.encodeInto(info, new Uint8Array(this.codewordLength));
  }

  /**
   * Encodes one information block into `out` at `offset` (no allocation) and returns `out`.
   * @throws CcsdsError `INVALID_ARGUMENT` on a wrong information length or too short an output
   */
  encodeInto(info: Uint8Array, out: Uint8Array, offset = 0): Uint8Array {
    const k8 = this.infoLength;
    if (info.length !== k8) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `${this.code.name} information block is ${k8} octets, got ${info.length}`,
      );
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + this.codewordLength > out.length) {
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `output needs ${this.codewordLength} octets from offset ${offset}, has ${out.length}`,
      );
    }
    const { rows, words } = this.gen;
    const acc = this.acc;
    acc.fill(0);
    for (let i = 0; i < k8; i++) {
      const v = info[i]!;
      if (v === 0) continue;
      for (let b = 0; b < 8; b++) {
        if ((v & (0x80 >>> b)) === 0) continue;
        const base = (i * 8 + b) * words;
        for (let x = 0; x < words; x++) acc[x] = acc[x]! ^ rows[base + x]!;
      }
    }
    out.set(info, offset);
    let p = offset + k8;
    for (let x = 0; x < words; x++) {
      const w = acc[x]!;
      out[p++] = w >>> 24;
      out[p++] = (w >>> 16) & 0xff;
      out[p++] = (w >>> 8) & 0xff;
      out[p++] = w & 0xff;
    }
    return out;
  }
}

/** Encodes one information block of the named code (see {@link LdpcEncoder}). */
export function ldpcEncode(code: LdpcCode | LdpcCodeName, info: Uint8Array): Uint8Array {
  return new LdpcEncoder(code).encode(info);
}
