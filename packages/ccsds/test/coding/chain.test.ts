import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ASM,
  type ConvRate,
  ConvolutionalEncoder,
  convEncode,
  convSymbolCount,
  decodeTmChain,
  decodeTmChainAsync,
  encodeTmChain,
  hardToSoft,
  randomizeTm,
  rsEncode,
  TmChainDecoder,
  type TmChainDecoderOptions,
  TmChainEncoder,
  type TmChainFrame,
  tmChainLayout,
  type TmChainOptions,
} from 'ccsds/coding';
import { CcsdsError, SeededRandom, concatBytes } from 'ccsds/core';

const RATES: ConvRate[] = ['1/2', '2/3', '3/4', '5/6', '7/8'];

function frames(rng: SeededRandom, n: number, length: number): Uint8Array[] {
  return Array.from({ length: n }, () => rng.bytes(length));
}

/** Pushes `stream` in random chunks (0 .. maxChunk octets), then finishes. */
function decodeChunked(
  stream: Uint8Array,
  options: TmChainDecoderOptions,
  rng: SeededRandom,
  maxChunk: number,
): { frames: TmChainFrame[]; dec: TmChainDecoder } {
  const dec = new TmChainDecoder(options);
  const out: TmChainFrame[] = [];
  let o = 0;
  while (o < stream.length) {
    const n = Math.min(stream.length - o, rng.nextInt(maxChunk + 1));
    out.push(...dec.push(stream.subarray(o, o + n)));
    o += n;
  }
  out.push(...dec.finish());
  return { frames: out, dec };
}

/** Shifts a packed bit stream right by `bits` (0..7), prefixing random bits; keeps every bit. */
function shiftBits(stream: Uint8Array, bits: number, rng: SeededRandom): Uint8Array {
  const out = new Uint8Array(stream.length + 1);
  const fill = rng.nextInt(256) & ~(0xff >> bits);
  for (let i = 0; i < stream.length; i++) {
    out[i] = (out[i]! | (stream[i]! >> bits)) & 0xff;
    out[i + 1] = (stream[i]! << (8 - bits)) & 0xff;
  }
  out[0] = out[0]! | fill;
  return out;
}

function assertFrames(got: TmChainFrame[], want: Uint8Array[], what: string): void {
  assert.equal(got.length, want.length, `${what}: frame count`);
  for (let i = 0; i < want.length; i++) {
    assert.deepEqual(got[i]!.data, want[i], `${what}: frame ${i}`);
    assert.equal(got[i]!.ok, true, `${what}: frame ${i} ok`);
  }
}

test('layout: RS frame length = I x (255 - 2E) - Q, Q a multiple of I; invalid options', () => {
  const a = tmChainLayout({ frameLength: 1115, rs: { interleave: 5 } });
  assert.equal(a.codeblockLength, 1275);
  assert.equal(a.caduLength, 1279);
  assert.equal(a.virtualFill, 0);
  assert.deepEqual(a.rs, { E: 16, interleave: 5, basis: 'dual', virtualFill: 0 });
  assert.equal(a.randomize, true);
  assert.equal(a.conv, 'none');
  const b = tmChainLayout({ frameLength: 892 - 40, rs: { interleave: 4, E: 16 } });
  assert.equal(b.virtualFill, 40);
  assert.equal(b.codeblockLength, 852 + 128);
  const c = tmChainLayout({ frameLength: 239 * 2 - 2, rs: { E: 8, interleave: 2 }, conv: '3/4' });
  assert.equal(c.rs?.virtualFill, 1);
  assert.equal(c.codeblockLength, 476 + 32);
  assert.equal(tmChainLayout({ frameLength: 100, randomize: false }).codeblockLength, 100);

  const bad: TmChainOptions[] = [
    { frameLength: 1116, rs: { interleave: 5 } },
    { frameLength: 1114, rs: { interleave: 5 } },
    { frameLength: 0 },
    { frameLength: 70000 },
    { frameLength: 223, rs: { interleave: 6 } },
    { frameLength: 223, rs: { E: 12 as 16 } },
    { frameLength: 223, rs: { basis: 'other' as 'dual' } },
    { frameLength: 223, conv: '3/5' as ConvRate },
  ];
  for (const o of bad) {
    assert.throws(
      () => tmChainLayout(o),
      (e: unknown) => e instanceof CcsdsError && e.code === 'INVALID_ARGUMENT',
      JSON.stringify(o),
    );
  }
  assert.throws(
    () => new TmChainDecoder({ frameLength: 10, conv: '1/2', input: 'bytes' }),
    CcsdsError,
  );
  assert.throws(() => new TmChainDecoder({ frameLength: 10, alignSymbols: 10 }), CcsdsError);
  for (const bad of [{ searchErrors: 20 }, { tracebackDepth: 5 }, { realignPeriods: 0 }]) {
    assert.throws(() => new TmChainDecoder({ frameLength: 10, conv: '1/2', ...bad }), CcsdsError);
  }
  assert.throws(() => new TmChainEncoder({ frameLength: 10, output: 'hex' as 'bits' }), CcsdsError);
  assert.throws(
    () => new TmChainEncoder({ frameLength: 10 }).encode(new Uint8Array(9)),
    CcsdsError,
  );
});

test('encoder output is ASM + randomised RS codeblock, then the continuous convolutional code', () => {
  const rng = new SeededRandom(1);
  const fs = frames(rng, 3, 446);
  const rs = { E: 16 as const, interleave: 2 };
  const plain = concatBytes(fs.map((f) => concatBytes([ASM, randomizeTm(rsEncode(f, rs))])));
  assert.deepEqual(encodeTmChain(fs, { frameLength: 446, rs }), plain);
  const noRand = concatBytes(fs.map((f) => concatBytes([ASM, rsEncode(f, rs)])));
  assert.deepEqual(encodeTmChain(fs, { frameLength: 446, rs, randomize: false }), noRand);
  // The marker is convolutionally encoded together with the codeblocks, one continuous code.
  for (const rate of RATES) {
    const want = convEncode(plain, { rate, tail: true });
    const got = encodeTmChain(fs, { frameLength: 446, rs, conv: rate });
    assert.deepEqual(got, want.symbols, rate);
    const soft = encodeTmChain(fs, { frameLength: 446, rs, conv: rate, output: 'soft8' });
    assert.deepEqual(soft, hardToSoft(want.symbols, want.symbolCount), `${rate} soft`);
    const noTail = new TmChainEncoder({ frameLength: 446, rs, conv: rate, tail: false });
    const parts = [...fs.map((f) => noTail.encode(f)), noTail.finish()];
    const c = new ConvolutionalEncoder({ rate });
    assert.deepEqual(concatBytes(parts), concatBytes([c.encode(plain), c.finish()]), rate);
  }
  // Encoding one frame at a time, the encoder is reusable after finish.
  const enc = new TmChainEncoder({ frameLength: 446, rs, conv: '1/2', output: 'soft8' });
  for (let round = 0; round < 2; round++) {
    const s = concatBytes([...fs.map((f) => enc.encode(f)), enc.finish()]);
    assert.equal(s.length, convEncode(plain, { tail: true }).symbolCount);
  }
});

test('bytes / bits / soft8 input without convolutional code: round trips, any alignment, polarity', () => {
  const rng = new SeededRandom(2);
  const configs: TmChainOptions[] = [
    { frameLength: 1115, rs: { interleave: 5 } },
    { frameLength: 223 },
    { frameLength: 223, rs: {}, randomize: false },
    { frameLength: 239 * 8 - 8 * 30, rs: { E: 8, interleave: 8 } },
    { frameLength: 892, rs: { interleave: 4, basis: 'conventional' } },
    { frameLength: 3 * 223, rs: { interleave: 3 } },
    { frameLength: 17, randomize: false },
  ];
  for (const cfg of configs) {
    const fs = frames(rng, 7, cfg.frameLength);
    const stream = encodeTmChain(fs, cfg);
    const what = JSON.stringify(cfg);
    for (const input of ['bytes', 'bits'] as const) {
      const r = decodeChunked(stream, { ...cfg, input }, rng, 300);
      assertFrames(r.frames, fs, `${what} ${input}`);
      assert.deepEqual(
        r.frames.map((f) => f.offset),
        fs.map((_, i) => i * 8 * tmChainLayout(cfg).caduLength),
      );
      assert.ok(r.frames.every((f) => !f.inverted && f.markerErrors === 0));
      if (cfg.rs !== undefined) {
        assert.ok(r.frames.every((f) => f.corrections.every((c) => c === 0)));
        assert.equal(r.frames[0]!.corrections.length, cfg.rs.interleave ?? 1);
      } else assert.ok(r.frames.every((f) => f.corrections.length === 0));
      assert.deepEqual(
        { ...r.dec.stats, inputBits: 0 },
        {
          inputBits: 0,
          frames: 7,
          ok: 7,
          failed: 0,
          corrected: 0,
          correctedSymbols: 0,
          flywheelFrames: 0,
          syncLosses: 0,
          alignments: 0,
        },
      );
      assert.equal(r.dec.stats.inputBits, stream.length * 8);
    }
    // Unaligned and inverted.
    const shift = 1 + rng.nextInt(7);
    const shifted = shiftBits(stream, shift, rng).map((b) => b ^ 0xff);
    const r = decodeChunked(shifted, { ...cfg, input: 'bits' }, rng, 100);
    assertFrames(r.frames, fs, `${what} shifted+inverted`);
    assert.ok(r.frames.every((f) => f.inverted));
    assert.equal(r.frames[1]!.offset, shift + 8 * tmChainLayout(cfg).caduLength);
    // Soft symbols, one per bit.
    const soft = hardToSoft(stream).map((s) => (s === 255 ? 200 : 60));
    const rs = decodeChunked(soft, { ...cfg, input: 'soft8' }, rng, 5000);
    assertFrames(rs.frames, fs, `${what} soft8`);
  }
});

test('convolutional code, every rate, packed and soft, random start symbol and 180 degree phase', () => {
  const rng = new SeededRandom(3);
  for (const rate of RATES) {
    for (const rs of [undefined, { interleave: 2 }]) {
      const cfg: TmChainOptions = { frameLength: rs === undefined ? 300 : 446, rs, conv: rate };
      const fs = frames(rng, 6, cfg.frameLength);
      const what = `${rate} rs=${rs !== undefined}`;
      const soft = encodeTmChain(fs, { ...cfg, output: 'soft8' });
      const skip = rng.nextInt(1000);
      const withPrefix = concatBytes([rng.bytes(skip), soft]);
      // The first marker follows junk: an error event across the boundary can reach into it.
      const dopts: TmChainDecoderOptions = { ...cfg, searchErrors: 2 };
      const r = decodeChunked(withPrefix, { ...dopts, input: 'soft8' }, rng, 4000);
      assertFrames(r.frames, fs, `${what} soft`);
      assert.equal(r.frames[0]!.offset, skip);
      const perFrame = tmChainLayout(cfg).caduLength * 8;
      assert.equal(r.frames[3]!.offset, skip + convSymbolCount(3 * perFrame, rate));
      assert.ok(r.frames.every((f) => !f.inverted));
      assert.equal(r.dec.stats.alignments, 1);

      const inverted = withPrefix.map((s) => 255 - s);
      const ri = decodeChunked(inverted, { ...dopts, input: 'soft8' }, rng, 4000);
      assertFrames(ri.frames, fs, `${what} inverted`);
      assert.ok(ri.frames.every((f) => f.inverted));

      // Hard channel bits, packed: from the start, and after a prefix of random bits. With hard
      // junk before it, the error event across the boundary can wipe out the first marker at
      // the high rates (7/8 has free distance 3), so only the later frames are certain there.
      const packed = encodeTmChain(fs, { ...cfg, output: 'bits' });
      const rb = decodeChunked(packed, { ...cfg, input: 'bits' }, rng, 600);
      assertFrames(rb.frames, fs, `${what} bits`);
      const prefixed = concatBytes([rng.bytes(37), packed]);
      const rp = decodeChunked(prefixed, { ...dopts, input: 'bits' }, rng, 600);
      const skipFirst = rp.frames.length === fs.length - 1 ? 1 : 0;
      if (rate !== '7/8') assert.equal(skipFirst, 0, what);
      assertFrames(rp.frames, fs.slice(skipFirst), `${what} bits after junk`);
      assert.equal(rp.frames.at(-1)!.offset, 37 * 8 + convSymbolCount(5 * perFrame, rate));
    }
  }
});

test('a codeblock beyond the RS capability is flagged, never returned as good', () => {
  const rng = new SeededRandom(4);
  const cfg: TmChainOptions = { frameLength: 1115, rs: { interleave: 5 } };
  const fs = frames(rng, 5, 1115);
  const stream = encodeTmChain(fs, cfg);
  const cadu = 1279;
  // Frame 1: 17 errors in codeword 2 (uncorrectable); frame 3: 16 in codeword 0, 5 in codeword 4.
  const hit = (frame: number, codeword: number, n: number) => {
    for (let j = 0; j < n; j++) {
      const p = frame * cadu + 4 + codeword + 5 * (3 * j + 1);
      stream[p] = stream[p]! ^ (1 + rng.nextInt(255));
    }
  };
  hit(1, 2, 17);
  hit(3, 0, 16);
  hit(3, 4, 5);
  const r = decodeTmChain(stream, { ...cfg, input: 'bytes' });
  assert.equal(r.frames.length, 5);
  assert.equal(r.frames[1]!.ok, false);
  assert.equal(r.frames[1]!.corrections[2], -1);
  assert.deepEqual(
    r.frames[1]!.corrections.filter((c, i) => i !== 2),
    [0, 0, 0, 0],
  );
  assert.notDeepEqual(r.frames[1]!.data, fs[1]);
  assert.deepEqual(r.frames[3]!.corrections, [16, 0, 0, 0, 5]);
  assert.equal(r.frames[3]!.ok, true);
  for (const i of [0, 2, 3, 4]) assert.deepEqual(r.frames[i]!.data, fs[i]);
  assert.deepEqual(
    [r.stats.frames, r.stats.ok, r.stats.failed, r.stats.corrected, r.stats.correctedSymbols],
    [5, 4, 1, 1, 21],
  );

  // Noise (and a long run of it) never yields a good codeblock, and takes bounded time.
  const noise = rng.bytes(300_000);
  const rn = decodeChunked(noise, { ...cfg, input: 'bytes', searchErrors: 4 }, rng, 1 << 16);
  assert.equal(rn.dec.stats.ok, 0);
  const rc = decodeChunked(
    noise.subarray(0, 100_000),
    { ...cfg, conv: '1/2', input: 'soft8' },
    rng,
    1 << 15,
  );
  assert.equal(rc.dec.stats.ok, 0);
  assert.ok(rc.dec.stats.alignments >= 2);
});

test('without RS a flywheel codeblock is delivered but not vouched for', () => {
  const rng = new SeededRandom(5);
  const cfg: TmChainOptions = { frameLength: 64 };
  const fs = frames(rng, 6, 64);
  const stream = encodeTmChain(fs, cfg);
  stream[3 * 68] = stream[3 * 68]! ^ 0xff; // 8 marker bit errors before frame 3
  const r = decodeTmChain(stream, { ...cfg, input: 'bytes' });
  assert.equal(r.frames.length, 6);
  assert.equal(r.frames[3]!.state, 'flywheel');
  assert.equal(r.frames[3]!.ok, false);
  assert.deepEqual(r.frames[3]!.data, fs[3]);
  assert.deepEqual(
    r.frames.map((f) => f.ok),
    [true, true, true, false, true, true],
  );
  assert.equal(r.stats.flywheelFrames, 1);
  assert.equal(r.stats.failed, 1);
});

test('symbol slips: the decoder loses lock, re-aligns and recovers the later frames', () => {
  const rng = new SeededRandom(6);
  for (const rate of ['1/2', '3/4'] as ConvRate[]) {
    const cfg: TmChainOptions = { frameLength: 892, rs: { interleave: 4 }, conv: rate };
    const fs = frames(rng, 30, 892);
    const soft = encodeTmChain(fs, { ...cfg, output: 'soft8' });
    // Drop one symbol in frame 8 and insert one in frame 20.
    const per = soft.length / 30;
    const a = Math.floor(8.5 * per);
    const b = Math.floor(20.5 * per);
    const slipped = concatBytes([
      soft.subarray(0, a),
      soft.subarray(a + 1, b),
      new Uint8Array([255]),
      soft.subarray(b),
    ]);
    const r = decodeChunked(slipped, { ...cfg, input: 'soft8' }, rng, 20000);
    const good = r.frames.filter((f) => f.ok);
    // Every good frame is a real frame in order, and the decoder found its way back twice.
    let next = 0;
    for (const f of good) {
      const i = fs.findIndex(
        (x, k) => k >= next && Buffer.compare(Buffer.from(x), Buffer.from(f.data)) === 0,
      );
      assert.ok(i >= 0, `${rate}: good frame not from the source`);
      next = i + 1;
    }
    assert.ok(r.dec.stats.alignments >= 3, `${rate}: alignments ${r.dec.stats.alignments}`);
    assert.ok(good.length >= 20, `${rate}: only ${good.length} frames`);
    assert.deepEqual(good.at(-1)!.data, fs[29]);
    assert.deepEqual(good[0]!.data, fs[0]);
  }
});

test('chunking does not change the records; push after finish; reset; async variant', async () => {
  const rng = new SeededRandom(7);
  const cfg: TmChainOptions = { frameLength: 223 * 2, rs: { interleave: 2 }, conv: '2/3' };
  const fs = frames(rng, 12, 446);
  const soft = encodeTmChain(fs, { ...cfg, output: 'soft8' });
  for (let i = 0; i < soft.length; i += 97) soft[i] = 255 - soft[i]!;
  const whole = decodeTmChain(soft, { ...cfg, input: 'soft8' });
  assertFrames(whole.frames, fs, 'whole');
  for (const max of [1, 50, 3000]) {
    const r = decodeChunked(soft, { ...cfg, input: 'soft8' }, rng, max);
    assert.deepEqual(r.frames, whole.frames, `chunks up to ${max}`);
    assert.deepEqual(r.dec.stats, whole.stats);
  }
  const dec = new TmChainDecoder({ ...cfg, input: 'soft8' });
  dec.push(soft);
  dec.finish();
  assert.deepEqual(dec.finish(), []);
  assert.throws(
    () => dec.push(soft),
    (e: unknown) => e instanceof CcsdsError && e.code === 'INVALID_STATE',
  );
  dec.reset();
  assert.equal(dec.stats.frames, 0);
  assert.equal([...dec.push(soft), ...dec.finish()].length, 12);

  async function* chunks() {
    for (let i = 0; i < soft.length; i += 10000) yield soft.subarray(i, i + 10000);
  }
  const got: TmChainFrame[] = [];
  const it = decodeTmChainAsync(chunks(), { ...cfg, input: 'soft8' });
  let n = await it.next();
  while (n.done !== true) {
    got.push(n.value);
    n = await it.next();
  }
  assert.deepEqual(got, whole.frames);
  assert.equal(n.value.frames, 12);
});

test('a stream shorter than the alignment window is still decoded at finish', () => {
  const rng = new SeededRandom(8);
  const cfg: TmChainOptions = { frameLength: 40, conv: '1/2' };
  const fs = frames(rng, 2, 40);
  const soft = encodeTmChain(fs, { ...cfg, output: 'soft8' });
  assert.ok(soft.length < 2048);
  const r = decodeTmChain(soft, { ...cfg, input: 'soft8' });
  assertFrames(r.frames, fs, 'short');
  assert.deepEqual(decodeTmChain(soft.subarray(0, 40), { ...cfg, input: 'soft8' }).frames, []);
});
