import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsError, CcsdsErrorCode, crc32, crc32c, fromHex } from 'ccsds/core';
import {
  FileChecksum,
  checksumOfChunks,
  crc32Proximity1,
  crcCombine,
  modularChecksumUpdate,
  setCrc32Implementation,
} from 'ccsds/cfdp';
import { useNodeCrc32 } from 'ccsds/cfdp/node';
import fc from 'fast-check';
import { loadVectors } from '../support/vectors.js';

interface V {
  name: string;
  hex: string;
  fields: Record<string, unknown> & { segments_in_arrival_order?: [number, number][] };
}
const { vectors } = loadVectors<{ vectors: V[] }>('cfdp/checksums.json');
const TYPES: [string, number][] = [
  ['checksum_type_0_modular', 0],
  ['checksum_type_2_crc32c', 2],
  ['checksum_type_3_crc32', 3],
  ['checksum_type_15_null', 15],
];

test('every cfdp/checksums.json file gives its checksums, in order and in arrival order', async () => {
  assert.ok(vectors.length >= 20);
  for (const v of vectors) {
    const data = fromHex(v.hex);
    for (const [key, type] of TYPES) {
      const want = v.fields[key] as string | undefined;
      if (want === undefined) continue;
      const got = (await checksumOfChunks(type, [data.subarray(0, 3), data.subarray(3)]))
        .toString(16)
        .padStart(8, '0');
      assert.equal(got, want, `${v.name} type ${type}`);
      const segs = v.fields.segments_in_arrival_order;
      if (segs !== undefined) {
        const c = new FileChecksum(type);
        for (const [o, n] of segs) c.update(o, data.subarray(o, o + n));
        if (c.complete(data.length))
          assert.equal(c.digest().toString(16).padStart(8, '0'), want, `${v.name} arrival order`);
        else assert.ok(type === 2 || type === 3, 'only CRCs need the file read back');
      }
    }
  }
});

test('modular checksum is independent of segmentation and order', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.nat(300), { maxLength: 8 }),
      (data, cuts) => {
        const points = [
          ...new Set([0, ...cuts.map((c) => c % (data.length + 1)), data.length]),
        ].sort((a, b) => a - b);
        const segs = points.slice(1).map((e, i) => [points[i]!, e] as const);
        const whole = modularChecksumUpdate(0, 0, data);
        let parts = 0;
        for (const [s, e] of segs.reverse())
          parts = modularChecksumUpdate(parts, s, data.subarray(s, e));
        assert.equal(parts, whole);
      },
    ),
  );
});

test('Proximity-1 CRC-32 is the non-reflected polynomial 0x00A00805 from 0', () => {
  // Linearity over GF(2): crc(a xor b) = crc(a) xor crc(b) for equal lengths (zero initial value).
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.uint8Array({ minLength: 64, maxLength: 64 }),
      (a, b0) => {
        const b = b0.subarray(0, a.length);
        const x = a.map((v, i) => v ^ b[i]!);
        assert.equal(crc32Proximity1(x), (crc32Proximity1(a) ^ crc32Proximity1(b)) >>> 0);
      },
    ),
  );
  // Bitwise reference: long division of the message followed by 32 zero bits.
  const msg = new TextEncoder().encode('123456789');
  let r = 0n;
  const poly = 0x100a00805n;
  const bits: number[] = [];
  for (const byte of msg) for (let k = 7; k >= 0; k--) bits.push((byte >> k) & 1);
  for (let k = 0; k < 32; k++) bits.push(0);
  for (const bit of bits) {
    r = (r << 1n) | BigInt(bit);
    if (r & 0x100000000n) r ^= poly;
  }
  assert.equal(crc32Proximity1(msg), Number(r));
  assert.equal(crc32Proximity1(msg.subarray(4), crc32Proximity1(msg.subarray(0, 4))), Number(r));
});

test('CRCs of segments arriving in any order join into the CRC of the file (no read back)', () => {
  const whole = (type: number, data: Uint8Array): number =>
    type === 1 ? crc32Proximity1(data) : type === 2 ? crc32c(data) : crc32(data);
  fc.assert(
    fc.property(
      fc.constantFrom(1, 2, 3),
      fc.uint8Array({ maxLength: 400 }),
      fc.array(fc.nat(400), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 13 }),
      (type, data, cuts, keys) => {
        const points = [
          ...new Set([0, ...cuts.map((c) => c % (data.length + 1)), data.length]),
        ].sort((a, b) => a - b);
        const segs = points.slice(1).map((e, i) => [points[i]!, e] as const);
        // A random arrival order (a permutation by random keys).
        const order = segs
          .map((s, i) => ({ s, k: keys[i] ?? i }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.s);
        const c = new FileChecksum(type);
        for (const [s, e] of order) c.update(s, data.subarray(s, e));
        assert.ok(c.complete(data.length));
        assert.equal(c.digest(), whole(type, data));
      },
    ),
  );
  for (const type of [1, 2, 3] as const) {
    const a = new TextEncoder().encode('1234');
    const b = new TextEncoder().encode('56789');
    const crc = (d: Uint8Array): number => whole(type, d);
    assert.equal(
      crcCombine(type, crc(a), crc(b), b.length),
      crc(new TextEncoder().encode('123456789')),
    );
    assert.equal(crcCombine(type, crc(a), crc(new Uint8Array(0)), 0), crc(a));
    const long = new Uint8Array(300_001).map((_, i) => (i * 7) & 0xff);
    const ab = new Uint8Array(4 + long.length);
    ab.set(a);
    ab.set(long, 4);
    assert.equal(crcCombine(type, crc(a), crc(long), long.length), crc(ab));
  }
});

test('overlapping CRC segments make the checksum ask for the file to be read back', () => {
  const data = new Uint8Array(100).map((_, i) => i);
  for (const type of [1, 2, 3]) {
    const c = new FileChecksum(type);
    c.update(50, data.subarray(50, 80));
    c.update(60, data.subarray(60, 100));
    c.update(0, data.subarray(0, 50));
    assert.equal(c.complete(100), false);
    const d = new FileChecksum(type);
    d.update(0, data.subarray(0, 40));
    d.update(30, data.subarray(30, 100));
    assert.equal(d.complete(100), false);
  }
});

test('type 3 file checksums with node:zlib CRC-32 give the portable values', () => {
  assert.equal(useNodeCrc32(), true);
  try {
    const data = new Uint8Array(100_003).map((_, i) => (i * 131 + (i >> 7)) & 0xff);
    const c = new FileChecksum(3);
    // In order, then a run beyond a gap joined when the gap fills.
    c.update(0, data.subarray(0, 4096));
    c.update(50_000, data.subarray(50_000, 100_003));
    c.update(4096, data.subarray(4096, 50_000));
    assert.ok(c.complete(data.length));
    assert.equal(c.digest(), crc32(data));
    assert.throws(
      () => setCrc32Implementation((d, p) => crc32c(d, p)),
      (e: unknown) => e instanceof CcsdsError && e.code === CcsdsErrorCode.INVALID_ARGUMENT,
    );
  } finally {
    setCrc32Implementation(undefined);
  }
});
