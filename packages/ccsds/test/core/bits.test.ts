import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BitReader,
  BitWriter,
  CcsdsError,
  readBitsAt,
  fromHex,
  toHex,
  readUintBE,
  writeUintBE,
  readUintBEBig,
} from 'ccsds/core';
import fc from 'fast-check';

test('bit fields of 1..53 bits round trip at any offset', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc
          .integer({ min: 1, max: 53 })
          .chain((w) => fc.tuple(fc.constant(w), fc.nat({ max: 2 ** w - 1 }))),
        { maxLength: 30 },
      ),
      fc.integer({ min: 0, max: 7 }),
      (fields, pad) => {
        const w = new BitWriter(1);
        if (pad > 0) w.write(pad, 0);
        for (const [width, v] of fields) w.write(width, v);
        const r = new BitReader(w.finish(), pad);
        for (const [width, v] of fields) assert.equal(r.read(width), v);
      },
    ),
  );
});

test('64-bit fields and signed fields round trip', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.integer({ min: 1, max: 7 }),
      fc.integer({ min: -(2 ** 30), max: 2 ** 30 - 1 }),
      (big, pad, s) => {
        const w = new BitWriter();
        w.write(pad, 0).writeBig(64, big).writeSigned(31, s).writeFlag(true);
        const r = new BitReader(w.finish(), pad);
        assert.equal(r.readBig(64), big);
        assert.equal(r.readSigned(31), s);
        assert.equal(r.readFlag(), true);
      },
    ),
  );
});

test('known bit layouts, MSB first', () => {
  const b = fromHex('a5c3');
  assert.equal(readBitsAt(b, 0, 1), 1);
  assert.equal(readBitsAt(b, 1, 3), 0b010);
  assert.equal(readBitsAt(b, 4, 8), 0x5c);
  assert.equal(toHex(new BitWriter().write(3, 5).write(13, 0x123).finish()), 'a123');
  assert.throws(() => readBitsAt(b, 10, 7), CcsdsError);
  assert.throws(() => new BitWriter().write(3, 8), CcsdsError);
  assert.throws(() => new BitReader(b).read(54), CcsdsError);
});

test('big-endian integers of 1..8 octets', () => {
  const b = new Uint8Array(8);
  writeUintBE(b, 0, 8, 0xfedcba9876543210n);
  assert.equal(toHex(b), 'fedcba9876543210');
  assert.equal(readUintBEBig(b, 0, 8), 0xfedcba9876543210n);
  assert.throws(() => readUintBE(b, 0, 8), { code: 'UNSUPPORTED' });
  writeUintBE(b, 0, 3, 0x123456);
  assert.equal(readUintBE(b, 0, 3), 0x123456);
  assert.throws(() => writeUintBE(b, 0, 2, 70000), CcsdsError);
  assert.throws(() => readUintBE(b, 6, 3), { code: 'TRUNCATED' });
});
