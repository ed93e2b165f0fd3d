/**
 * AOS Frame Header Error Control, CCSDS 732.0-B-4 section 4.1.2.6 and annex: a shortened
 * Reed-Solomon (10,6) code over GF(16) (field polynomial x^4 + x + 1) with generator
 * g(x) = x^4 + a^3 x^3 + a x^2 + a^3 x + 1, protecting the Master Channel ID, the VCID and the
 * Signalling Field. The six information symbols are the nibbles of header octets 0, 1 and 5,
 * high nibble first, the first symbol being the highest-order coefficient; the four parity
 * symbols (remainder of m(x) x^4 mod g(x), highest order first) fill octets 6 and 7. Check:
 * header 1234 with signalling field 56 gives FHEC 94dc. The code corrects up to two symbol
 * errors; decoding here is by syndrome table (every error pattern of weight 1 or 2 has its own
 * remainder, the minimum distance being 5).
 */

const EXP = new Uint8Array(30);
const LOG = new Uint8Array(16);
{
  let x = 1;
  for (let i = 0; i < 15; i++) {
    EXP[i] = x;
    EXP[i + 15] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x10) x ^= 0x13;
  }
}

function mul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

const G1 = 8; // a^3
const G2 = 2; // a
const G3 = 8; // a^3
const G4 = 1;

/** Remainder (4 symbols packed into 16 bits, highest order first) of `symbols` x^k mod g(x). */
function remainder(symbols: ArrayLike<number>, count: number): number {
  let r0 = 0;
  let r1 = 0;
  let r2 = 0;
  let r3 = 0;
  for (let i = 0; i < count; i++) {
    const fb = symbols[i]! ^ r0;
    r0 = r1 ^ mul(fb, G1);
    r1 = r2 ^ mul(fb, G2);
    r2 = r3 ^ mul(fb, G3);
    r3 = mul(fb, G4);
  }
  return (r0 << 12) | (r1 << 8) | (r2 << 4) | r3;
}

function headerSymbols(h: ArrayLike<number>, o: number, withParity: boolean): number[] {
  const octets = withParity
    ? [h[o]!, h[o + 1]!, h[o + 5]!, h[o + 6]!, h[o + 7]!]
    : [h[o]!, h[o + 1]!, h[o + 5]!];
  const s: number[] = [];
  for (const b of octets) s.push(b >> 4, b & 15);
  return s;
}

/** The 16-bit FHEC for the primary header at `header[offset]` (octets 0, 1 and 5 are used). */
export function computeAosFhec(header: Uint8Array, offset = 0): number {
  return remainder(headerSymbols(header, offset, false), 6);
}

let table: Int32Array | undefined;

/** Syndrome table: remainder -> packed error pattern (count, pos1, val1, pos2, val2), or -1. */
function syndromeTable(): Int32Array {
  if (table !== undefined) return table;
  const t = new Int32Array(65536).fill(-1);
  // Remainder of a unit symbol at position i (0 = highest degree 9) of the 10-symbol word.
  const unit: number[] = [];
  for (let i = 0; i < 10; i++) {
    const w = new Array<number>(10).fill(0);
    w[i] = 1;
    unit.push(remainder(w, 10));
  }
  const scale = (r: number, v: number): number =>
    (mul(r >> 12, v) << 12) |
    (mul((r >> 8) & 15, v) << 8) |
    (mul((r >> 4) & 15, v) << 4) |
    mul(r & 15, v);
  for (let i = 0; i < 10; i++) {
    for (let v = 1; v < 16; v++) {
      t[scale(unit[i]!, v)] = (1 << 16) | (i << 12) | (v << 8);
      for (let j = i + 1; j < 10; j++) {
        for (let w = 1; w < 16; w++) {
          t[scale(unit[i]!, v) ^ scale(unit[j]!, w)] =
            (2 << 16) | (i << 12) | (v << 8) | (j << 4) | w;
        }
      }
    }
  }
  table = t;
  return t;
}

/** Result of {@link correctAosHeader}. */
export interface AosHeaderCorrection {
  /** The 8 header octets (6 header octets + FHEC), corrected. */
  header: Uint8Array;
  /** Symbols corrected: 0 (the header was a codeword), 1 or 2. */
  symbolsCorrected: number;
}

const OCTET_OF_SYMBOL = [0, 0, 1, 1, 5, 5, 6, 6, 7, 7];

/**
 * Checks and corrects the 8 octets at `bytes[offset]` (primary header with FHEC). Returns the
 * corrected copy, or undefined when more than two symbols are in error (detected, not
 * correctable). Octets 2-4 (the frame count) are not covered by the code and are copied as
 * they are.
 */
export function correctAosHeader(bytes: Uint8Array, offset = 0): AosHeaderCorrection | undefined {
  const header = bytes.slice(offset, offset + 8);
  if (header.length < 8) return undefined;
  const syn = remainder(headerSymbols(header, 0, true), 10);
  if (syn === 0) return { header, symbolsCorrected: 0 };
  const e = syndromeTable()[syn]!;
  if (e < 0) return undefined;
  const count = e >> 16;
  const fix = (pos: number, val: number): void => {
    const o = OCTET_OF_SYMBOL[pos]!;
    header[o] = header[o]! ^ (pos % 2 === 0 ? val << 4 : val);
  };
  fix((e >> 12) & 15, (e >> 8) & 15);
  if (count === 2) fix((e >> 4) & 15, e & 15);
  return { header, symbolsCorrected: count };
}
