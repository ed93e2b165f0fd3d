/**
 * The concatenated chain over a simulated BPSK/AWGN channel: soft symbols in libfec's 8-bit
 * convention, Eb/N0 per bit entering the convolutional encoder (Es/N0 = rate x Eb/N0), long
 * streams pushed in random chunks after a random number of junk symbols.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ConvRate,
  decodeTmChain,
  encodeTmChain,
  TmChainDecoder,
  type TmChainFrame,
  type TmChainOptions,
  type TmChainStats,
} from 'ccsds/coding';
import { SeededRandom, concatBytes } from 'ccsds/core';

const RATE: Record<ConvRate, number> = {
  '1/2': 1 / 2,
  '2/3': 2 / 3,
  '3/4': 3 / 4,
  '5/6': 5 / 6,
  '7/8': 7 / 8,
};

/** BPSK over AWGN at `ebn0` dB, quantised to 8 bits (128 +- 64 for a noiseless symbol). */
function awgn(soft: Uint8Array, ebn0: number, rate: number, rng: SeededRandom): Uint8Array {
  const sigma = Math.sqrt(1 / (2 * rate * 10 ** (ebn0 / 10)));
  const out = new Uint8Array(soft.length);
  for (let i = 0; i < soft.length; i++) {
    const y = (soft[i]! >= 128 ? 1 : -1) + sigma * rng.normal();
    out[i] = Math.max(0, Math.min(255, Math.round(127.5 + 64 * y)));
  }
  return out;
}

interface Run {
  sent: Uint8Array[];
  got: TmChainFrame[];
  stats: TmChainStats;
  junk: number;
  channelErrors: number;
  symbols: number;
}

function run(
  cfg: TmChainOptions & { conv: ConvRate },
  n: number,
  ebn0: number,
  seed: number,
  invert = false,
): Run {
  const rng = new SeededRandom(seed);
  const sent = Array.from({ length: n }, () => rng.bytes(cfg.frameLength));
  const clean = encodeTmChain(sent, { ...cfg, output: 'soft8' });
  const junk = rng.nextInt(3000);
  let noisy = concatBytes([
    awgn(rng.bytes(junk), 0, 1, rng),
    awgn(clean, ebn0, RATE[cfg.conv], rng),
  ]);
  if (invert) noisy = noisy.map((s) => 255 - s);
  let channelErrors = 0;
  for (let i = 0; i < clean.length; i++) {
    if ((clean[i]! >= 128 !== noisy[junk + i]! >= 128) !== invert) channelErrors++;
  }
  const dec = new TmChainDecoder({ ...cfg, input: 'soft8', searchErrors: 2 });
  const got: TmChainFrame[] = [];
  for (let o = 0; o < noisy.length; ) {
    const k = 1 + rng.nextInt(40000);
    got.push(...dec.push(noisy.subarray(o, o + k)));
    o += k;
  }
  got.push(...dec.finish());
  return { sent, got, stats: dec.stats, junk, channelErrors, symbols: clean.length };
}

function assertAll(r: Run, what: string): void {
  const noisy = r.channelErrors > r.symbols / 1000;
  assert.ok(noisy, `${what}: the channel must be noisy (${r.channelErrors} of ${r.symbols})`);
  assert.equal(r.got.length, r.sent.length, `${what}: frames found`);
  for (let i = 0; i < r.sent.length; i++) {
    assert.equal(r.got[i]!.ok, true, `${what}: frame ${i} ok`);
    assert.deepEqual(r.got[i]!.data, r.sent[i], `${what}: frame ${i}`);
  }
  assert.equal(r.got[0]!.offset, r.junk, `${what}: first offset`);
  assert.equal(r.stats.failed, 0);
}

test('4 dB, rate 1/2 + RS(255,223) I=5: every frame back, byte for byte; RS did work', () => {
  const r = run({ frameLength: 1115, rs: { interleave: 5 }, conv: '1/2' }, 60, 4, 11);
  assertAll(r, 'r=1/2 RS I=5');
  assert.ok(r.stats.correctedSymbols > 0, 'the Viterbi decoder left errors for RS to correct');
  assert.ok(r.got.every((f) => f.corrections.length === 5 && !f.inverted));
});

test('4 dB, punctured rate 3/4 + RS(255,223) I=4, and 180 degree phase', () => {
  const r = run({ frameLength: 892, rs: { interleave: 4 }, conv: '3/4' }, 50, 4, 12);
  assertAll(r, 'r=3/4 RS I=4');
  assert.ok(r.stats.corrected > 5);
  const inv = run({ frameLength: 1115, rs: { interleave: 5 }, conv: '1/2' }, 20, 4, 13, true);
  assertAll(inv, 'r=1/2 inverted');
  assert.ok(inv.got.every((f) => f.inverted));
  const e8 = run({ frameLength: 239 * 2, rs: { E: 8, interleave: 2 }, conv: '2/3' }, 40, 4.5, 14);
  assertAll(e8, 'r=2/3 RS(255,239) I=2');
});

test('without RS: 4 dB finds every frame (few residual bit errors); 5 and 6 dB give them all back exactly', () => {
  const r = run({ frameLength: 1115, conv: '1/2' }, 60, 4, 15);
  assert.equal(r.got.length, 60);
  let bitErrors = 0;
  for (let i = 0; i < 60; i++) {
    const a = r.got[i]!.data;
    const b = r.sent[i]!;
    for (let j = 0; j < a.length; j++) {
      let x = a[j]! ^ b[j]!;
      while (x !== 0) {
        bitErrors += x & 1;
        x >>= 1;
      }
    }
  }
  // Viterbi at 4 dB: bit error rate around 1e-5 .. 1e-4 on 535,200 bits.
  assert.ok(bitErrors < 100, `residual bit errors ${bitErrors}`);
  assertAll(run({ frameLength: 1115, conv: '1/2' }, 60, 5, 16), 'r=1/2 5 dB');
  assertAll(run({ frameLength: 1115, conv: '3/4' }, 60, 6, 17), 'r=3/4 6 dB');
  assertAll(run({ frameLength: 600, conv: '7/8', randomize: false }, 30, 7, 18), 'r=7/8 7 dB');
});

test('hard decisions with channel bit errors: packed bits into the Viterbi decoder, RS cleans up', () => {
  const rng = new SeededRandom(19);
  const cfg: TmChainOptions = { frameLength: 892, rs: { interleave: 4 }, conv: '1/2' };
  const sent = Array.from({ length: 20 }, () => rng.bytes(892));
  const packed = encodeTmChain(sent, cfg);
  let flips = 0;
  for (let i = 0; i < packed.length * 8; i++) {
    if (rng.chance(0.02)) {
      packed[i >> 3] = packed[i >> 3]! ^ (0x80 >> (i & 7));
      flips++;
    }
  }
  const r = decodeTmChain(packed, { ...cfg, input: 'bits', searchErrors: 2 });
  assert.ok(flips > 5000);
  assert.equal(r.frames.length, 20);
  r.frames.forEach((f, i) => assert.deepEqual(f.data, sent[i]));
  assert.equal(r.stats.ok, 20);
});
