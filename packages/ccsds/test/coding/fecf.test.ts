import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FECF_LENGTH, appendFecf, checkFecf } from 'ccsds/coding';
import { CcsdsError, fromHex } from 'ccsds/core';
import fc from 'fast-check';
import { loadVectors } from '../support/vectors.js';

const file = loadVectors<{
  vectors: { name: string; input: string; crc16_ccitt: string | number }[];
}>('coding/crc.json');

test('FECF of every crc.json input is its CRC-16-CCITT, most significant octet first', () => {
  assert.ok(file.vectors.length >= 20);
  for (const v of file.vectors) {
    const data = fromHex(v.input);
    const crc = typeof v.crc16_ccitt === 'number' ? v.crc16_ccitt : parseInt(v.crc16_ccitt, 16);
    const framed = appendFecf(data);
    assert.equal(framed.length, data.length + FECF_LENGTH);
    assert.equal((framed[data.length]! << 8) | framed[data.length + 1]!, crc, v.name);
    assert.ok(checkFecf(framed), v.name);
  }
});

test('checkFecf rejects any single-bit error and short input', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), (data, bit) => {
      const framed = appendFecf(data);
      const b = bit % (framed.length * 8);
      framed[b >> 3] = framed[b >> 3]! ^ (0x80 >> (b & 7));
      assert.equal(checkFecf(framed), false);
    }),
  );
  assert.throws(() => checkFecf(new Uint8Array(1)), CcsdsError);
});
