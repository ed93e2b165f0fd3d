import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc16Ccitt, crc32, crc32c, fromHex } from 'ccsds/core';
import fc from 'fast-check';
import { loadVectors } from '../support/vectors.js';

interface CrcVector {
  name: string;
  input: string;
  crc16_ccitt: string | number;
  crc32: string | number;
  crc32c: string | number;
}

const file = loadVectors<{ vectors: CrcVector[] }>('coding/crc.json');

function num(v: string | number): number {
  return typeof v === 'number' ? v : parseInt(v, 16);
}

test('CRC known answers from shared/vectors/coding/crc.json', () => {
  assert.ok(file.vectors.length >= 20);
  for (const v of file.vectors) {
    const data = fromHex(v.input);
    assert.equal(crc16Ccitt(data), num(v.crc16_ccitt), `${v.name} crc16`);
    assert.equal(crc32(data), num(v.crc32), `${v.name} crc32`);
    assert.equal(crc32c(data), num(v.crc32c), `${v.name} crc32c`);
  }
});

test('CRC check values of "123456789"', () => {
  const d = new TextEncoder().encode('123456789');
  assert.equal(crc16Ccitt(d), 0x29b1);
  assert.equal(crc32(d), 0xcbf43926);
  assert.equal(crc32c(d), 0xe3069283);
});

test('CRCs continue over chunks', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(200), (data, cut) => {
      const k = Math.min(cut, data.length);
      const a = data.subarray(0, k);
      const b = data.subarray(k);
      assert.equal(crc32(b, crc32(a)), crc32(data));
      assert.equal(crc32c(b, crc32c(a)), crc32c(data));
      assert.equal(crc16Ccitt(b, crc16Ccitt(a)), crc16Ccitt(data));
    }),
  );
});

test('CRC-32 agrees with zlib', async () => {
  const zlib = await import('node:zlib');
  const z = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), (data) => {
      if (z !== undefined) assert.equal(crc32(data), z(data));
      else assert.equal(crc32(data), crc32(data.slice()));
    }),
  );
});
