import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RandomizerKind,
  derandomizeTc,
  derandomizeTm,
  randomizeTc,
  randomizeTcInPlace,
  randomizeTm,
  randomizeTmInPlace,
  randomizerSequence,
} from 'ccsds/coding';
import { fromHex, toHex } from 'ccsds/core';
import fc from 'fast-check';
import { loadVectors } from '../support/vectors.js';

interface Example {
  input: string;
  output: string;
}
interface RandomizerFile {
  tm: { sequence: string; period_bytes: number };
  tc: { sequence: string; period_bytes: number };
  tm_examples: Example[];
  tc_examples: Example[];
}
const file = loadVectors<RandomizerFile>('coding/randomizer.json');

test('randomizer sequences match randomizer.json', () => {
  const tm = fromHex(file.tm.sequence);
  const tc = fromHex(file.tc.sequence);
  assert.equal(toHex(randomizerSequence(RandomizerKind.TM, tm.length)), file.tm.sequence);
  assert.equal(toHex(randomizerSequence(RandomizerKind.TC, tc.length)), file.tc.sequence);
  assert.equal(
    toHex(randomizerSequence('tm')),
    file.tm.sequence.slice(0, 2 * file.tm.period_bytes),
  );
  assert.ok(tm.length >= 255 && tc.length >= 255);
  assert.equal(tm[0], 0xff);
  assert.equal(tm[1], 0x48);
});

test('randomizer examples match byte for byte', () => {
  assert.equal(file.tm_examples.length, 5);
  assert.equal(file.tc_examples.length, 5);
  for (const e of file.tm_examples) {
    assert.equal(toHex(randomizeTm(fromHex(e.input))), e.output, `TM ${e.input.length / 2} octets`);
    assert.equal(toHex(derandomizeTm(fromHex(e.output))), e.input);
  }
  for (const e of file.tc_examples) {
    assert.equal(toHex(randomizeTc(fromHex(e.input))), e.output, `TC ${e.input.length / 2} octets`);
    assert.equal(toHex(derandomizeTc(fromHex(e.output))), e.input);
  }
});

test('randomizing twice is the identity; in-place ranges restart the sequence', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 700 }), fc.nat(50), (data, off) => {
      assert.deepEqual(derandomizeTm(randomizeTm(data)), data);
      assert.deepEqual(derandomizeTc(randomizeTc(data)), data);
      const o = Math.min(off, data.length);
      const a = data.slice();
      randomizeTmInPlace(a, o);
      assert.deepEqual(a.subarray(0, o), data.subarray(0, o));
      assert.deepEqual(a.subarray(o), randomizeTm(data.subarray(o)));
      const b = data.slice();
      randomizeTcInPlace(b, o, 3);
      assert.deepEqual(b.subarray(o + 3), data.subarray(o + 3));
    }),
  );
});
