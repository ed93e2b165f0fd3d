/**
 * Cross-check against libfec (the reference most CCSDS ground software uses): random data and
 * random error patterns go through both codecs and the codeblocks must agree byte for byte.
 * Skips with a reason when libfec or a C compiler is missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ReedSolomon, type RsBasis } from 'ccsds/coding';
import { SeededRandom, concatBytes } from 'ccsds/core';
import { buildLibfecHarness } from '../../bench/coding-rs.js';

function runHarness(path: string, args: string[], input: Uint8Array): Uint8Array {
  const r = spawnSync(path, args, { input, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `libfec harness ${args.join(' ')}: ${String(r.stderr)}`);
  return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length);
}

const cases: { E: 8 | 16; basis: RsBasis }[] = [
  { E: 16, basis: 'dual' },
  { E: 8, basis: 'dual' },
  { E: 16, basis: 'conventional' },
  { E: 8, basis: 'conventional' },
];

for (const { E, basis } of cases) {
  test(`libfec cross-check: RS E=${E} ${basis} basis, encode and decode`, (t) => {
    const h = buildLibfecHarness();
    if ('skip' in h) {
      t.skip(h.skip);
      return;
    }
    const rs = new ReedSolomon({ E, basis });
    const rng = new SeededRandom(1000 + E + (basis === 'dual' ? 0 : 1));
    const count = 150;
    const data = Array.from({ length: count }, () => rng.bytes(rs.dataLength));
    // Encode: identical codeblocks.
    const theirs = runHarness(h.path, ['encode', String(E), basis], concatBytes(data));
    assert.equal(theirs.length, count * 255);
    const ours = data.map((d) => rs.encode(d));
    for (let i = 0; i < count; i++) {
      assert.deepEqual(theirs.subarray(i * 255, (i + 1) * 255), ours[i], `codeblock ${i}`);
    }
    // Decode: 0 .. E + 3 random symbol errors per codeblock.
    const received = ours.map((cb, i) => {
      const rx = cb.slice();
      const nerr = i % (E + 4);
      const hit = new Set<number>();
      while (hit.size < nerr) hit.add(rng.nextInt(255));
      for (const p of hit) rx[p] = rx[p]! ^ (1 + rng.nextInt(255));
      return rx;
    });
    const decoded = runHarness(h.path, ['decode', String(E), basis], concatBytes(received));
    assert.equal(decoded.length, count * 256);
    let agreedFailures = 0;
    for (let i = 0; i < count; i++) {
      const status = decoded[i * 256]!;
      const theirBlock = decoded.subarray(i * 256 + 1, (i + 1) * 256);
      const theirCount = status === 0xff ? -1 : status;
      const mine = received[i]!.slice();
      const r = rs.decodeInPlace(mine);
      const nerr = i % (E + 4);
      if (nerr <= E) {
        assert.equal(theirCount, nerr, `libfec on block ${i}`);
        assert.deepEqual(r.corrections, [nerr], `block ${i}`);
        assert.deepEqual(mine, theirBlock, `block ${i}`);
        assert.deepEqual(mine, ours[i]);
      } else if (theirCount >= 0 && r.ok) {
        // Both mis-corrected: to the same codeword.
        assert.deepEqual(mine, theirBlock, `block ${i}`);
      } else {
        assert.equal(
          r.ok,
          theirCount >= 0,
          `block ${i}: ours ${r.corrections[0]}, libfec ${theirCount}`,
        );
        agreedFailures++;
      }
    }
    assert.ok(agreedFailures > 0);
  });
}
