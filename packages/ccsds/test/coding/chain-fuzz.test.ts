/**
 * Hostile input into the streaming chain decoder (DESIGN.md rule 5): random and mutated
 * streams, split at a random point, must give only CcsdsError (none is expected: the decoder
 * consumes any octets), well-formed records, bounded time, and a decoder that keeps working.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeTmChain,
  TmChainDecoder,
  type TmChainDecoderOptions,
  type TmChainFrame,
} from 'ccsds/coding';
import { SeededRandom } from 'ccsds/core';
import { fuzzDecoder } from '../support/fuzz.js';

function checkRecords(frames: TmChainFrame[], options: TmChainDecoderOptions): void {
  const interleave = options.rs === undefined ? 0 : (options.rs.interleave ?? 1);
  for (const f of frames) {
    assert.equal(f.data.length, options.frameLength);
    assert.equal(f.corrections.length, interleave);
    if (interleave > 0)
      assert.equal(
        f.ok,
        f.corrections.every((c) => c >= 0),
      );
    assert.ok(Number.isSafeInteger(f.offset) && f.offset >= 0);
  }
}

function fuzzChain(
  options: TmChainDecoderOptions,
  seeds: Uint8Array[],
  runs: number,
  maxRandomLength: number,
): { accepted: number; frames: number; ok: number } {
  const rng = new SeededRandom(99);
  const dec = new TmChainDecoder(options);
  let frames = 0;
  let ok = 0;
  const stats = fuzzDecoder(
    (input) => {
      dec.reset();
      const cut = rng.nextInt(input.length + 1);
      const out = [...dec.push(input.subarray(0, cut)), ...dec.push(input.subarray(cut))];
      out.push(...dec.finish());
      checkRecords(out, options);
      assert.equal(dec.stats.frames, out.length);
      assert.equal(dec.stats.ok + dec.stats.failed, out.length);
      frames += out.length;
      ok += out.filter((f) => f.ok).length;
    },
    { seeds, runs, maxRandomLength, seed: 7 },
  );
  assert.equal(stats.rejected, 0, JSON.stringify(stats.codes));
  return { accepted: stats.accepted, frames, ok };
}

test('fuzz: 100,000 hostile byte streams into the RS chain without convolutional code', () => {
  const rng = new SeededRandom(1);
  const options: TmChainDecoderOptions = {
    frameLength: 20,
    rs: { E: 8 },
    input: 'bytes',
    searchErrors: 1,
  };
  const seeds = [1, 2, 3].map((n) =>
    encodeTmChain(
      Array.from({ length: n }, () => rng.bytes(20)),
      options,
    ),
  );
  const r = fuzzChain(options, seeds, 100_000, 96);
  // Mutated streams still carry codeblocks, and some of them are damaged beyond repair.
  assert.ok(r.ok > 10_000, `good frames ${r.ok}`);
  assert.ok(r.frames - r.ok > 1_000, `failed frames ${r.frames - r.ok}`);
});

test('fuzz: soft symbols into the Viterbi chain, and plain soft symbols', () => {
  const rng = new SeededRandom(2);
  const conv: TmChainDecoderOptions = {
    frameLength: 12,
    conv: '3/4',
    input: 'soft8',
    alignSymbols: 64,
    searchErrors: 1,
  };
  const seeds = [encodeTmChain([rng.bytes(12), rng.bytes(12)], { ...conv, output: 'soft8' })];
  const r = fuzzChain(conv, seeds, 3_000, 300);
  assert.ok(r.ok > 100, `good frames ${r.ok}`);
  const plain: TmChainDecoderOptions = { frameLength: 8, input: 'soft8', randomize: false };
  const ps = [encodeTmChain([rng.bytes(8), rng.bytes(8)], { ...plain, output: 'soft8' })];
  assert.ok(fuzzChain(plain, ps, 5_000, 200).ok > 100);
});
