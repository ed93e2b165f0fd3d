import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex } from 'ccsds/core';
import { FileChecksum, checksumOfChunks, crc32Proximity1, modularChecksumUpdate } from 'ccsds/cfdp';
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
