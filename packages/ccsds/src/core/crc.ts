/**
 * Cyclic redundancy checks used across the CCSDS stack, table-driven and portable.
 *
 * - CRC-16-CCITT (polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR): the
 *   frame error control field of TM/TC/AOS/USLP (132.0-B-3 §4.1.6, 232.0-B-4 §4.1.4), the
 *   packet error control often appended to Space Packets, and the CFDP PDU CRC
 *   (727.0-B-5 §5.1, "CRC-16/CCITT-FALSE"). Check value of "123456789": 0x29B1.
 * - CRC-32 (IEEE 802.3 / zlib, reflected polynomial 0xEDB88320): CFDP checksum type 3.
 *   Check value 0xCBF43926.
 * - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): CFDP checksum type 2 and BPv7
 *   block CRCs (RFC 9171 §4.2.1). Check value 0xE3069283.
 *
 * The 32-bit CRCs use slicing-by-8 tables; every function can continue a running value so that
 * data can be checked in chunks.
 */

function makeTable16(poly: number): Uint16Array {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ poly) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
}

function makeTables32(poly: number): Uint32Array[] {
  const tables: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t0[i] = c >>> 0;
  }
  tables.push(t0);
  for (let s = 1; s < 8; s++) {
    const prev = tables[s - 1]!;
    const t = new Uint32Array(256);
    for (let i = 0; i < 256; i++) t[i] = (prev[i]! >>> 8) ^ t0[prev[i]! & 0xff]!;
    tables.push(t);
  }
  return tables;
}

const T16 = makeTable16(0x1021);

// Slice-by-8 for CRC-16: entry k * 256 + b is the register after octet b followed by k zero
// octets, so eight octets cost eight lookups. One flat Int32Array keeps the lookups monomorphic.
const S16 = (() => {
  const t = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) t[b] = T16[b]!;
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const p = t[(k - 1) * 256 + b]!;
      t[k * 256 + b] = ((p << 8) & 0xffff) ^ t[p >> 8]!;
    }
  }
  return t;
})();

/**
 * CRC-16-CCITT (0x1021, init 0xFFFF, no reflection, no final XOR) over `data[start, end)`.
 * Pass a previous result as `crc` to continue over more data.
 */
export function crc16Ccitt(
  data: Uint8Array,
  crc = 0xffff,
  start = 0,
  end: number = data.length,
): number {
  const t = S16;
  let c = crc & 0xffff;
  let i = start;
  const n8 = end - ((end - start) & 7);
  while (i < n8) {
    c =
      t[1792 + ((c >> 8) ^ data[i]!)]! ^
      t[1536 + ((c & 0xff) ^ data[i + 1]!)]! ^
      t[1280 + data[i + 2]!]! ^
      t[1024 + data[i + 3]!]! ^
      t[768 + data[i + 4]!]! ^
      t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = ((c << 8) & 0xffff) ^ T16[(c >>> 8) ^ data[i++]!]!;
  return c;
}

function makeCrc32(poly: number): (data: Uint8Array, previous?: number) => number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = makeTables32(poly) as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  return (data: Uint8Array, previous = 0): number => {
    let c = ~previous >>> 0;
    let i = 0;
    const n = data.length;
    const n8 = n - (n % 8);
    while (i < n8) {
      const a =
        (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
      c =
        t7[a & 0xff]! ^
        t6[(a >>> 8) & 0xff]! ^
        t5[(a >>> 16) & 0xff]! ^
        t4[a >>> 24]! ^
        t3[data[i + 4]!]! ^
        t2[data[i + 5]!]! ^
        t1[data[i + 6]!]! ^
        t0[data[i + 7]!]!;
      i += 8;
    }
    while (i < n) c = t0[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
    return ~c >>> 0;
  };
}

/**
 * CRC-32 (IEEE 802.3, as zlib): returns the final value. Pass a previous result as
 * `previous` to continue over more data (`crc32(b, crc32(a)) === crc32(a ++ b)`).
 */
export const crc32: (data: Uint8Array, previous?: number) => number = makeCrc32(0xedb88320);

/**
 * CRC-32C (Castagnoli): returns the final value. Pass a previous result as `previous` to
 * continue over more data.
 */
export const crc32c: (data: Uint8Array, previous?: number) => number = makeCrc32(0x82f63b78);
