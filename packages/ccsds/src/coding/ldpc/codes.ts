/**
 * Parity check matrices of the LDPC codes of CCSDS 131.0-B-4 (TM Synchronization and Channel
 * Coding) section 7.
 *
 * - C2 (section 7.3): the (8176,7156) code whose 1022 × 8176 parity check matrix is a 2 × 16 array
 *   of 511 × 511 circulants of row weight 2 (table 7-1). The transmitted (8160,7136) code uses the
 *   7154-bit information space of the quasi-cyclic generator with its first 18 bits set to zero
 *   (virtual fill, not transmitted) and appends two zero bits after the 1022 parity bits.
 * - AR4JA (section 7.4): rates 1/2, 2/3 and 4/5 built from protographs whose M × M blocks are
 *   0, I or mod-2 sums of permutation matrices Πk, with
 *   πk(i) = M/4·((θk + ⌊4i/M⌋) mod 4) + ((φk(⌊4i/M⌋, M) + i) mod M/4). The information bits
 *   come first, then the parity; the last M columns of H are punctured (not transmitted).
 *
 * The matrix is kept sparse in both row-major (CSR) and column-major (CSC) form.
 */
import { CcsdsError, CcsdsErrorCode } from '../../core/index.js';
import { AR4JA_PHI, AR4JA_THETA, C2_CIRCULANT_SIZE, C2_H_POSITIONS } from './tables.js';

/** Code rates of the AR4JA codes. */
export type Ar4jaRate = '1/2' | '2/3' | '4/5';

/** Information block lengths of the AR4JA codes implemented here. */
export type Ar4jaInfoLength = 1024 | 4096;

/** Names of the implemented codes. */
export type LdpcCodeName = 'C2' | `AR4JA-${Ar4jaRate}-${Ar4jaInfoLength}`;

/** Every implemented code, in a stable order. */
export const LDPC_CODE_NAMES: readonly LdpcCodeName[] = [
  'C2',
  'AR4JA-1/2-1024',
  'AR4JA-2/3-1024',
  'AR4JA-4/5-1024',
  'AR4JA-1/2-4096',
  'AR4JA-2/3-4096',
  'AR4JA-4/5-4096',
];

/**
 * A block of an AR4JA protograph: block row, block column, and the permutations summed (mod 2)
 * into it, 0 standing for the identity I and k for Πk.
 */
export type ProtographBlock = readonly [row: number, column: number, perms: readonly number[]];

/** One LDPC code: sizes, how the transmitted bits map onto H, and H itself (sparse). */
export interface LdpcCode {
  /** Name of the code. */
  readonly name: LdpcCodeName;
  /** Information bits per codeword. */
  readonly k: number;
  /** Transmitted bits per codeword. */
  readonly n: number;
  /** Rows of H. */
  readonly rows: number;
  /** Columns of H. */
  readonly columns: number;
  /** Circulant (C2: 511) or protograph block (AR4JA: M) size. */
  readonly blockSize: number;
  /** Leading H columns that are known zeros and not transmitted (C2: 18 bits of virtual fill). */
  readonly leadingFill: number;
  /** Trailing H columns that are not transmitted (AR4JA: the M punctured columns). */
  readonly punctured: number;
  /** Zero bits appended after the H columns in the transmitted codeword (C2: 2). */
  readonly trailingFill: number;
  /** CSR: edges of row r are `rowStart[r] .. rowStart[r + 1] - 1`. */
  readonly rowStart: Int32Array;
  /** CSR: column of each edge. */
  readonly edgeColumn: Int32Array;
  /** CSC: edges of column c are `columnStart[c] .. columnStart[c + 1] - 1`. */
  readonly columnStart: Int32Array;
  /** CSC: row of each edge, in column-major order. */
  readonly edgeRow: Int32Array;
  /** The protograph (AR4JA only): block list of H. */
  readonly protograph: readonly ProtographBlock[] | undefined;
}

/** Block size M of table 7-2 (AR4JA). */
export function ar4jaBlockSize(rate: Ar4jaRate, k: number): number {
  const perRate = rate === '1/2' ? 2 : rate === '2/3' ? 4 : 8; // information blocks
  return k / perRate;
}

/**
 * The permutation πk of section 7.4.2.4 for block size M: row i of Πk has its 1 in column
 * `pi[i]`.
 */
export function ar4jaPermutation(kIndex: number, m: number): Int32Array {
  const theta = AR4JA_THETA[kIndex - 1];
  const phi = AR4JA_PHI[m];
  if (theta === undefined || phi === undefined) {
    throw new CcsdsError(CcsdsErrorCode.INVALID_ARGUMENT, `no permutation Π${kIndex} for M=${m}`);
  }
  const q = m / 4;
  const pi = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const j = Math.floor((4 * i) / m);
    pi[i] = q * ((theta + j) % 4) + ((phi[j]![kIndex - 1]! + i) % q);
  }
  return pi;
}

/** H_1/2 of section 7.4.2.2, blocks relative to its first block column. */
const H_HALF: readonly ProtographBlock[] = [
  [0, 2, [0]],
  [0, 4, [0, 1]],
  [1, 0, [0]],
  [1, 1, [0]],
  [1, 3, [0]],
  [1, 4, [2, 3, 4]],
  [2, 0, [0]],
  [2, 1, [5, 6]],
  [2, 3, [7, 8]],
  [2, 4, [0]],
];

/** The extra block columns of H_2/3 (placed before H_1/2). */
const H_TWO_THIRDS_EXTRA: readonly ProtographBlock[] = [
  [1, 0, [9, 10, 11]],
  [1, 1, [0]],
  [2, 0, [0]],
  [2, 1, [12, 13, 14]],
];

/** The extra block columns of H_4/5 (placed before those of H_2/3). */
const H_FOUR_FIFTHS_EXTRA: readonly ProtographBlock[] = [
  [1, 0, [21, 22, 23]],
  [1, 1, [0]],
  [2, 0, [0]],
  [2, 1, [24, 25, 26]],
  [1, 2, [15, 16, 17]],
  [1, 3, [0]],
  [2, 2, [0]],
  [2, 3, [18, 19, 20]],
];

/** The protograph of an AR4JA rate as a block list; block columns count from 0. */
export function ar4jaProtograph(rate: Ar4jaRate): ProtographBlock[] {
  const shift = (blocks: readonly ProtographBlock[], by: number): ProtographBlock[] =>
    blocks.map(([r, c, p]) => [r, c + by, p] as const);
  if (rate === '1/2') return shift(H_HALF, 0);
  if (rate === '2/3') return [...H_TWO_THIRDS_EXTRA, ...shift(H_HALF, 2)];
  return [...H_FOUR_FIFTHS_EXTRA, ...shift(H_TWO_THIRDS_EXTRA, 4), ...shift(H_HALF, 6)];
}

/** Builds CSR and CSC from per-row column lists (each list sorted, no duplicates). */
function sparse(
  rowsCols: readonly (readonly number[])[],
  columns: number,
): Pick<LdpcCode, 'rowStart' | 'edgeColumn' | 'columnStart' | 'edgeRow'> {
  const rows = rowsCols.length;
  let edges = 0;
  for (const r of rowsCols) edges += r.length;
  const rowStart = new Int32Array(rows + 1);
  const edgeColumn = new Int32Array(edges);
  const colCount = new Int32Array(columns + 1);
  let e = 0;
  for (let r = 0; r < rows; r++) {
    rowStart[r] = e;
    for (const c of rowsCols[r]!) {
      edgeColumn[e++] = c;
      colCount[c + 1]!++;
    }
  }
  rowStart[rows] = e;
  const columnStart = new Int32Array(columns + 1);
  for (let c = 0; c < columns; c++) columnStart[c + 1] = columnStart[c]! + colCount[c + 1]!;
  const fill = columnStart.slice(0, columns);
  const edgeRow = new Int32Array(edges);
  for (let r = 0; r < rows; r++) {
    for (let x = rowStart[r]!; x < rowStart[r + 1]!; x++) edgeRow[fill[edgeColumn[x]!]!++] = r;
  }
  return { rowStart, edgeColumn, columnStart, edgeRow };
}

/** Adds column `c` to a row's set with mod-2 semantics (a repeated column cancels). */
function toggle(set: Set<number>, c: number): void {
  if (set.has(c)) set.delete(c);
  else set.add(c);
}

function buildC2(): LdpcCode {
  const b = C2_CIRCULANT_SIZE;
  const rowSets: number[][] = [];
  for (let bi = 0; bi < 2; bi++) {
    for (let r = 0; r < b; r++) {
      const set = new Set<number>();
      for (let bj = 0; bj < 16; bj++) {
        for (const p of C2_H_POSITIONS[bi]![bj]!) toggle(set, bj * b + ((p + r) % b));
      }
      rowSets.push([...set].sort((x, y) => x - y));
    }
  }
  const columns = 16 * b;
  return {
    name: 'C2',
    k: 7136,
    n: 8160,
    rows: 2 * b,
    columns,
    blockSize: b,
    leadingFill: 18,
    punctured: 0,
    trailingFill: 2,
    ...sparse(rowSets, columns),
    protograph: undefined,
  };
}

function buildAr4ja(rate: Ar4jaRate, k: Ar4jaInfoLength): LdpcCode {
  const m = ar4jaBlockSize(rate, k);
  const blocks = ar4jaProtograph(rate);
  const blockColumns = Math.max(...blocks.map(([, c]) => c)) + 1;
  const perms = new Map<number, Int32Array>();
  const perm = (id: number): Int32Array => {
    let p = perms.get(id);
    if (p === undefined) {
      p = ar4jaPermutation(id, m);
      perms.set(id, p);
    }
    return p;
  };
  const rowSets: Set<number>[] = Array.from({ length: 3 * m }, () => new Set<number>());
  for (const [br, bc, ids] of blocks) {
    for (const id of ids) {
      const p = id === 0 ? undefined : perm(id);
      for (let i = 0; i < m; i++)
        toggle(rowSets[br * m + i]!, bc * m + (p === undefined ? i : p[i]!));
    }
  }
  const columns = blockColumns * m;
  return {
    name: `AR4JA-${rate}-${k}`,
    k,
    n: k + 2 * m,
    rows: 3 * m,
    columns,
    blockSize: m,
    leadingFill: 0,
    punctured: m,
    trailingFill: 0,
    ...sparse(
      rowSets.map((s) => [...s].sort((x, y) => x - y)),
      columns,
    ),
    protograph: blocks,
  };
}

const cache = new Map<LdpcCodeName, LdpcCode>();

/**
 * The code of the given name, built on first use and cached.
 * @throws CcsdsError `UNSUPPORTED` for a name that is not in {@link LDPC_CODE_NAMES}
 */
export function ldpcCode(name: LdpcCodeName): LdpcCode {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  let code: LdpcCode;
  if (name === 'C2') code = buildC2();
  else {
    const m = /^AR4JA-(1\/2|2\/3|4\/5)-(1024|4096)$/.exec(String(name));
    if (m === null) {
      throw new CcsdsError(CcsdsErrorCode.UNSUPPORTED, `unknown LDPC code ${String(name)}`);
    }
    code = buildAr4ja(m[1] as Ar4jaRate, Number(m[2]) as Ar4jaInfoLength);
  }
  cache.set(name, code);
  return code;
}

/** Accepts a code or its name. */
export function resolveLdpcCode(code: LdpcCode | LdpcCodeName): LdpcCode {
  return typeof code === 'string' ? ldpcCode(code) : code;
}
