import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex, isCcsdsError } from 'ccsds/core';
import { decodeClcw, encodeClcw, isClcw } from 'ccsds/link';
import { loadVectors } from '../support/vectors.js';
import { clcwFields } from './helpers.js';

interface ClcwVector {
  name: string;
  hex: string;
  fields: Record<string, unknown>;
}

const tc = loadVectors<{ clcw: ClcwVector[] }>('frames/tc.json');

test('every CLCW vector of tc.json decodes to its fields and re-encodes to the same octets', () => {
  assert.ok(tc.clcw.length >= 10);
  for (const v of tc.clcw) {
    const c = decodeClcw(fromHex(v.hex));
    assert.deepEqual(clcwFields(c), v.fields, v.name);
    assert.equal(toHex(encodeClcw(c)), v.hex, v.name);
  }
});

test('CLCW: control word type 1 is refused, short input is truncated, out-of-range fields throw', () => {
  assert.throws(
    () => decodeClcw(fromHex('81000000')),
    (e) => isCcsdsError(e, 'INVALID_FIELD'),
  );
  assert.throws(
    () => decodeClcw(fromHex('010000')),
    (e) => isCcsdsError(e, 'TRUNCATED'),
  );
  assert.throws(
    () => encodeClcw({ virtualChannelId: 64 }),
    (e) => isCcsdsError(e, 'INVALID_ARGUMENT'),
  );
  assert.throws(
    () => encodeClcw({ virtualChannelId: 1, reportValue: 256 }),
    (e) => isCcsdsError(e, 'INVALID_ARGUMENT'),
  );
  assert.equal(isClcw(fromHex('01000000')), true);
  assert.equal(isClcw(fromHex('81000000')), false);
  // Defaults: COP-1 in effect, everything else zero.
  assert.equal(toHex(encodeClcw({ virtualChannelId: 21 })), '01540000');
});

test('CLCW: every 32-bit word with type 0 round-trips (sampled)', () => {
  for (let w = 0; w < 0x80000000; w += 0x00fedcb7) {
    const b = new Uint8Array([w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff]);
    assert.equal(toHex(encodeClcw(decodeClcw(b))), toHex(b));
  }
});

test('FECF: the slice-by-8 CRC equals core crc16Ccitt for every length and offset', async () => {
  const { crc16Ccitt, SeededRandom } = await import('ccsds/core');
  const { computeFecf, hasValidFecf, writeFecf } = await import('ccsds/link');
  const rng = new SeededRandom(3);
  const data = rng.bytes(300);
  for (let start = 0; start < 9; start++)
    for (let end = start; end <= 300; end += 7)
      assert.equal(computeFecf(data, start, end), crc16Ccitt(data, 0xffff, start, end));
  assert.equal(computeFecf(new TextEncoder().encode('123456789')), 0x29b1);
  const f = rng.bytes(50);
  writeFecf(f);
  assert.ok(hasValidFecf(f));
  f[3] = f[3]! ^ 4;
  assert.ok(!hasValidFecf(f));
});
