/**
 * Robustness of the LDPC encoder and decoder (DESIGN.md rule 5): bad arguments and random soft
 * input give only CcsdsError, every decode is bounded by its iteration cap, and `ok` is only
 * reported for codewords.
 *
 * Counts: 100,000 short runs (random lengths and element types, almost all rejected before any
 * decoding) of which about 1% have the right length and run a capped decode; plus 84 full
 * random codewords at the default 50-iteration cap and 84 damaged codewords. A full random
 * decode never converges and so always runs all 50 iterations (about 20 ms for C2 here), which
 * is why those runs are in the hundreds rather than 10^5.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LDPC_CODE_NAMES,
  ldpcCode,
  type LdpcCodeName,
  LdpcDecoder,
  LdpcEncoder,
  type LdpcDecodeResult,
} from 'ccsds/coding';
import { CcsdsError, SeededRandom } from 'ccsds/core';

function expectCcsdsError(f: () => unknown, code?: string): void {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof CcsdsError, `not a CcsdsError: ${String(e)}`);
    if (code !== undefined) assert.equal(e.code, code);
    return;
  }
  assert.fail('expected a CcsdsError');
}

test('bad arguments throw CcsdsError', () => {
  expectCcsdsError(() => ldpcCode('AR4JA-1/2-16384' as LdpcCodeName), 'UNSUPPORTED');
  expectCcsdsError(() => new LdpcDecoder('C2', { maxIterations: 0 }), 'INVALID_ARGUMENT');
  expectCcsdsError(() => new LdpcDecoder('C2', { maxIterations: 1001 }), 'INVALID_ARGUMENT');
  expectCcsdsError(() => new LdpcDecoder('C2', { maxIterations: 2.5 }), 'INVALID_ARGUMENT');
  for (const normalization of [0, -1, 1.5, NaN]) {
    expectCcsdsError(() => new LdpcDecoder('C2', { normalization }), 'INVALID_ARGUMENT');
  }
  const enc = new LdpcEncoder('AR4JA-1/2-1024');
  expectCcsdsError(() => enc.encode(new Uint8Array(127)), 'INVALID_ARGUMENT');
  expectCcsdsError(() => enc.encode(new Uint8Array(129)), 'INVALID_ARGUMENT');
  expectCcsdsError(
    () => enc.encodeInto(new Uint8Array(128), new Uint8Array(255)),
    'INVALID_ARGUMENT',
  );
  expectCcsdsError(
    () => enc.encodeInto(new Uint8Array(128), new Uint8Array(300), 45),
    'INVALID_ARGUMENT',
  );
  expectCcsdsError(
    () => enc.encodeInto(new Uint8Array(128), new Uint8Array(300), -1),
    'INVALID_ARGUMENT',
  );
  const out = new Uint8Array(300);
  enc.encodeInto(new Uint8Array(128).fill(0xa5), out, 44);
  assert.deepEqual(out.subarray(44, 300), enc.encode(new Uint8Array(128).fill(0xa5)));
  const dec = new LdpcDecoder('AR4JA-1/2-1024');
  expectCcsdsError(() => dec.decodeLlr(new Float32Array(2047)), 'INVALID_ARGUMENT');
  expectCcsdsError(() => dec.decodeSoftSymbols(new Uint8Array(2049)), 'INVALID_ARGUMENT');
  expectCcsdsError(() => dec.decodeHard(new Uint8Array(255)), 'INVALID_ARGUMENT');
  const nan = new Float32Array(2048);
  nan[77] = NaN;
  expectCcsdsError(() => dec.decodeLlr(nan), 'INVALID_ARGUMENT');
  // The decoder still works after rejecting input.
  const info = new Uint8Array(128).fill(0x3c);
  const r = dec.decodeHard(enc.encode(info));
  assert.equal(r.ok, true);
  assert.deepEqual(r.data, info);
});

/** A result's invariants: `ok` only for a codeword, and failures use every iteration. */
function checkResult(
  r: LdpcDecodeResult,
  dec: LdpcDecoder,
  enc: LdpcEncoder,
  check: LdpcDecoder,
): void {
  assert.equal(r.data.length, enc.infoLength);
  assert.ok(r.iterations >= 0 && r.iterations <= dec.maxIterations);
  if (r.ok) {
    // The decided word is the codeword of its information block: re-encoding it must give a
    // word that decodes at once to the same block.
    const again = check.decodeHard(enc.encode(r.data));
    assert.equal(again.ok, true);
    assert.deepEqual(again.data, r.data);
  } else assert.equal(r.iterations, dec.maxIterations);
}

/** A random LLR: mostly moderate, sometimes ±Infinity or NaN. */
function drawLlr(rng: SeededRandom): number {
  const x = rng.next();
  if (x < 0.001) return NaN;
  if (x < 0.01) return x < 0.005 ? Infinity : -Infinity;
  return (rng.next() - 0.5) * 40;
}

test('100,000 short runs of random soft input: CcsdsError only, bounded time', () => {
  const rng = new SeededRandom(2024);
  const poolMap = new Map<string, { f32: Float32Array; i8: Int8Array; u8: Uint8Array }>();
  const pools = (name: string, n: number) => {
    let p = poolMap.get(name);
    if (p === undefined) {
      const f32 = new Float32Array(n + 16);
      for (let i = 0; i < f32.length; i++) f32[i] = (rng.next() - 0.5) * 40;
      const i8 = new Int8Array(n + 16);
      for (let i = 0; i < i8.length; i++) i8[i] = rng.nextInt(256) - 128;
      p = { f32, i8, u8: rng.bytes(n + 16) };
      poolMap.set(name, p);
    }
    return p;
  };
  const codes = LDPC_CODE_NAMES.filter((n) => n !== 'AR4JA-1/2-4096'); // the others cover 4096
  const decoders = new Map<string, LdpcDecoder>();
  let decoded = 0;
  let rejected = 0;
  let slowest = 0;
  for (let run = 0; run < 100_000; run++) {
    const name = rng.pick(codes);
    const maxIterations = 1 + rng.nextInt(4);
    const key = `${name}/${maxIterations}`;
    let dec = decoders.get(key);
    if (dec === undefined) {
      dec = new LdpcDecoder(name, { maxIterations });
      decoders.set(key, dec);
    }
    const n = dec.code.n;
    const kind = rng.nextInt(4);
    const length = rng.chance(0.01)
      ? kind === 3
        ? n / 8
        : n
      : rng.nextInt(kind === 3 ? n / 8 + 4 : n + 16);
    // Inputs are views of per-code pools of random values; a full-length run first re-draws
    // part of its pool, so the decoded words differ while wrong lengths cost nothing to make.
    const pool = pools(name, n);
    if (length === (kind === 3 ? n / 8 : n)) {
      for (let x = 0; x < 64; x++) {
        const i = rng.nextInt(n);
        pool.f32[i] = drawLlr(rng);
        pool.i8[i] = rng.nextInt(256) - 128;
        pool.u8[i] = rng.nextInt(256);
      }
    }
    const t0 = performance.now();
    try {
      let r: LdpcDecodeResult;
      if (kind === 0) r = dec.decodeLlr(pool.f32.subarray(0, length));
      else if (kind === 1) r = dec.decodeLlr(pool.i8.subarray(0, length));
      else if (kind === 2) r = dec.decodeSoftSymbols(pool.u8.subarray(0, length));
      else r = dec.decodeHard(pool.u8.subarray(0, length));
      decoded++;
      assert.ok(r.iterations <= maxIterations);
      if (!r.ok) assert.equal(r.iterations, maxIterations);
    } catch (e) {
      if (!(e instanceof CcsdsError)) assert.fail(`run ${run}: ${String(e)}`);
      rejected++;
    }
    slowest = Math.max(slowest, performance.now() - t0);
  }
  assert.ok(decoded > 500, `only ${decoded} decodes ran`);
  assert.ok(rejected > 90_000);
  assert.ok(slowest < 2000, `slowest run ${slowest.toFixed(1)} ms`);
});

test('full random and damaged codewords: iteration cap holds, ok only for codewords', () => {
  const rng = new SeededRandom(77);
  for (const name of LDPC_CODE_NAMES) {
    const enc = new LdpcEncoder(name);
    const dec = new LdpcDecoder(name);
    const check = new LdpcDecoder(name, { maxIterations: 1 });
    const n = enc.code.n;
    for (let f = 0; f < 12; f++) {
      // Random soft symbols: noise with no codeword behind it.
      const t0 = performance.now();
      const r = dec.decodeSoftSymbols(rng.bytes(n));
      assert.ok(performance.now() - t0 < 2000);
      checkResult(r, dec, enc, check);
      // A codeword with random confident errors: either corrected, or reported as failed.
      const info = rng.bytes(enc.infoLength);
      const cw = enc.encode(info);
      const soft = new Uint8Array(n);
      for (let i = 0; i < n; i++) soft[i] = (cw[i >>> 3]! >>> (7 - (i & 7))) & 1 ? 200 : 56;
      const flips = 1 + rng.nextInt(Math.max(2, Math.floor(n / 40)));
      for (let x = 0; x < flips; x++) soft[rng.nextInt(n)] = rng.nextInt(256);
      const d = dec.decodeSoftSymbols(soft);
      checkResult(d, dec, enc, check);
      if (flips <= 2) {
        assert.equal(d.ok, true, `${name}: ${flips} damaged symbols`);
        assert.deepEqual(d.data, info);
      }
    }
  }
});
