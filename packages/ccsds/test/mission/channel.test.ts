import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TmChainDecoder,
  TmChainEncoder,
  type TmChainFrame,
  type TmChainOptions,
} from 'ccsds/coding';
import { CcsdsError, RealClock, SeededRandom, SimulatedClock, concatBytes } from 'ccsds/core';
import {
  bpskSymbolErrorRate,
  erfc,
  PhysicalChannel,
  type PhysicalChannelOptions,
} from 'ccsds/mission';

interface Delivery {
  at: number;
  symbols: Uint8Array;
  count: number;
}

function setup(
  options: PhysicalChannelOptions,
  clock = new SimulatedClock(),
): { clock: SimulatedClock; ch: PhysicalChannel; got: Delivery[] } {
  const got: Delivery[] = [];
  const ch = new PhysicalChannel(clock, options, (symbols, count) =>
    got.push({ at: clock.now(), symbols, count }),
  );
  return { clock, ch, got };
}

function bitAt(packed: Uint8Array, k: number): number {
  return (packed[k >> 3]! >> (7 - (k & 7))) & 1;
}

/** Concatenates soft deliveries. */
function softStream(got: Delivery[]): Uint8Array {
  return concatBytes(got.map((d) => d.symbols));
}

/** Unpacks hard deliveries into one bit per octet. */
function hardStream(got: Delivery[]): Uint8Array {
  const out: number[] = [];
  for (const d of got) for (let k = 0; k < d.count; k++) out.push(bitAt(d.symbols, k));
  return Uint8Array.from(out);
}

test('noiseless: soft and hard round trips are exact, across chunk splits and odd lengths', () => {
  const rng = new SeededRandom(7);
  const data = rng.bytes(1000);
  for (const output of ['soft', 'hard'] as const) {
    const { clock, ch, got } = setup({
      lightTimeMs: 3,
      symbolRate: 1e6,
      output,
      maxChunkSymbols: 777,
    });
    ch.transmit(data, 7995); // not a multiple of 8
    ch.transmit(data.subarray(0, 3), 19);
    clock.runUntilIdle();
    const expected: number[] = [];
    for (let k = 0; k < 7995; k++) expected.push(bitAt(data, k));
    for (let k = 0; k < 19; k++) expected.push(bitAt(data, k));
    const stream =
      output === 'soft'
        ? softStream(got).map((v) => (v === 255 ? 1 : v === 0 ? 0 : 9))
        : hardStream(got);
    assert.deepEqual(Array.from(stream), expected, output);
    assert.ok(got.every((d) => d.count <= 777));
    const s = ch.stats;
    assert.equal(s.symbolsSent, 8014);
    assert.equal(s.symbolsDelivered, 8014);
    assert.equal(s.hardSymbolErrors, 0);
  }
});

test('timing in virtual time: serialised at the symbol rate, delivered after the light time', () => {
  // 1000 symbols/s: 1 ms per symbol; 20-minute light time
  const light = 20 * 60_000;
  const { clock, ch, got } = setup({
    lightTimeMs: light,
    symbolRate: 1000,
    output: 'hard',
    maxChunkSymbols: 64,
  });
  let idles: number[] = [];
  ch.onIdle = () => idles.push(clock.now());
  assert.equal(ch.transmit(new Uint8Array(25)), 200); // 200 symbols leave by t = 200 ms
  assert.equal(ch.transmit(new Uint8Array(5), 40), 240); // queued behind them
  assert.equal(ch.idleAt, 240);
  clock.runUntil(light);
  assert.equal(got.length, 0, 'nothing arrives before the light time');
  assert.deepEqual(idles, [240], 'onIdle once, when the queue drained');
  clock.runUntilIdle();
  // chunks of 64: symbols 0-63 complete at 64 ms, ... the first transmit's last chunk at 200
  assert.deepEqual(
    got.map((d) => [d.at - light, d.count]),
    [
      [64, 64],
      [128, 64],
      [192, 64],
      [200, 8],
      [240, 40],
    ],
  );
  // idle transmitter: the next transmit starts now
  idles = [];
  clock.runUntil(light + 10_000);
  const t0 = clock.now();
  assert.equal(ch.transmit(new Uint8Array(1)), t0 + 8);
  clock.runUntilIdle();
  assert.equal(got.at(-1)!.at, t0 + 8 + light);
  assert.deepEqual(idles, [t0 + 8]);
});

test('outages: exactly the symbols sent outside the contact windows are lost', () => {
  const data = new SeededRandom(3).bytes(40); // 320 symbols, 1 ms each, from t = 0
  const { clock, ch, got } = setup({
    lightTimeMs: 1000,
    symbolRate: 1000,
    output: 'hard',
    contacts: [
      { startMs: 200, endMs: 230 },
      { startMs: 50, endMs: 120 },
      { startMs: 110, endMs: 125 }, // overlaps: merged into 50..125
      { startMs: 400, endMs: 500 },
    ],
  });
  assert.equal(ch.isInContact(49.9), false);
  assert.equal(ch.isInContact(50), true);
  assert.equal(ch.isInContact(124.9), true);
  assert.equal(ch.isInContact(125), false);
  assert.deepEqual(ch.nextContact(0), { startMs: 50, endMs: 125 });
  assert.deepEqual(ch.nextContact(60), { startMs: 50, endMs: 125 });
  assert.deepEqual(ch.nextContact(125), { startMs: 200, endMs: 230 });
  assert.equal(ch.nextContact(500), undefined);
  ch.transmit(data);
  clock.runUntilIdle();
  const expected: number[] = [];
  for (let k = 50; k < 125; k++) expected.push(bitAt(data, k));
  for (let k = 200; k < 230; k++) expected.push(bitAt(data, k));
  assert.deepEqual(Array.from(hardStream(got)), expected);
  assert.deepEqual(
    got.map((d) => [d.at, d.count]),
    [
      [1125, 75],
      [1230, 30],
    ],
  );
  const s = ch.stats;
  assert.equal(s.symbolsSent, 320);
  assert.equal(s.symbolsDelivered, 105);
  assert.equal(s.symbolsLostToOutage, 215);
  const always = setup({ lightTimeMs: 0, symbolRate: 1, output: 'hard' }).ch;
  assert.equal(always.isInContact(-1e12), true);
  assert.deepEqual(always.nextContact(0), { startMs: -Infinity, endMs: Infinity });
});

test('AWGN at Eb/N0 = 4 dB uncoded: hard BER matches Q(sqrt(2 Eb/N0)) = 1.25e-2', () => {
  const p = bpskSymbolErrorRate(4);
  assert.ok(Math.abs(p - 0.0125) < 0.00001, `Q(sqrt(2 Eb/N0)) = ${p}`);
  const data = new SeededRandom(11).bytes(100_000); // 800,000 symbols: ~10,000 errors, sd ~100
  for (const output of ['soft', 'hard'] as const) {
    const { clock, ch, got } = setup({
      lightTimeMs: 0,
      symbolRate: 1e6,
      ebN0Db: 4,
      output,
      seed: 5,
    });
    ch.transmit(data);
    clock.runUntilIdle();
    const stream =
      output === 'soft' ? softStream(got).map((v) => (v >= 128 ? 1 : 0)) : hardStream(got);
    let errors = 0;
    for (let k = 0; k < stream.length; k++) errors += stream[k]! ^ bitAt(data, k);
    const ber = errors / stream.length;
    assert.ok(Math.abs(ber - p) < 0.05 * p, `${output}: BER ${ber} vs ${p}`);
    assert.equal(ch.stats.hardSymbolErrors, errors);
  }
});

test('code rate: Es/N0 = Eb/N0 + 10 log10(r)', () => {
  const data = new SeededRandom(12).bytes(50_000);
  const { clock, ch } = setup({
    lightTimeMs: 0,
    symbolRate: 1e6,
    ebN0Db: 7,
    codeRate: 0.5,
    output: 'hard',
  });
  ch.transmit(data);
  clock.runUntilIdle();
  const p = bpskSymbolErrorRate(7 - 3.0103);
  const ber = ch.stats.hardSymbolErrors / ch.stats.symbolsDelivered;
  assert.ok(Math.abs(ber - p) < 0.06 * p, `BER ${ber} vs ${p}`);
});

test('soft symbols: the noise is Gaussian with the variance the Eb/N0 implies', () => {
  // softScale 16: clipping at 127.5/16 = 8 signal amplitudes, far beyond the noise at 0 dB
  const scale = 16;
  const n = 400_000;
  const ones = new Uint8Array(n / 8).fill(0xff);
  const { clock, ch, got } = setup({
    lightTimeMs: 0,
    symbolRate: 1e6,
    ebN0Db: 0,
    output: 'soft',
    softScale: scale,
    seed: 9,
  });
  ch.transmit(ones);
  clock.runUntilIdle();
  const s = softStream(got);
  let sum = 0;
  let sum2 = 0;
  let within1 = 0;
  let beyond2 = 0;
  const sigma = Math.sqrt(0.5); // Es/N0 = 1: sigma^2 = 1 / (2 Es/N0)
  for (let k = 0; k < n; k++) {
    const y = (s[k]! - 127.5) / scale; // +1 plus noise (quantised to 1/16)
    sum += y;
    sum2 += y * y;
    const z = Math.abs(y - 1) / sigma;
    if (z < 1) within1++;
    if (z > 2) beyond2++;
  }
  const mean = sum / n;
  const variance = sum2 / n - mean * mean;
  // expected: sigma^2 plus the rounding noise 1 / (12 scale^2)
  const expected = 0.5 + 1 / (12 * scale * scale);
  assert.ok(Math.abs(mean - 1) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(variance - expected) < 0.01 * expected, `variance ${variance} vs ${expected}`);
  // Gaussian shape: the share of octets within one sigma and beyond two sigma of the mean, as the
  // quantised Gaussian gives them (68.3 % and 4.55 % before rounding to octets)
  const phi = (x: number): number => 0.5 * erfc(-x / Math.SQRT2);
  const centre = 127.5 + scale; // octet value of +1
  const share = (lo: number, hi: number): number =>
    phi((hi + 0.5 - centre) / (scale * sigma)) - phi((lo - 0.5 - centre) / (scale * sigma));
  const r = scale * sigma;
  const inLo = Math.floor(centre - r) + 1;
  const inHi = Math.ceil(centre + r) - 1;
  const expWithin1 = share(inLo, inHi);
  const expBeyond2 = 1 - share(Math.ceil(centre - 2 * r), Math.floor(centre + 2 * r));
  assert.ok(Math.abs(expWithin1 - 0.6827) < 0.02 && Math.abs(expBeyond2 - 0.0455) < 0.01);
  assert.ok(
    Math.abs(within1 / n - expWithin1) < 0.003,
    `within 1 sigma: ${within1 / n} vs ${expWithin1}`,
  );
  assert.ok(
    Math.abs(beyond2 / n - expBeyond2) < 0.002,
    `beyond 2 sigma: ${beyond2 / n} vs ${expBeyond2}`,
  );
});

test('TM chain (RS(255,223) I=5 + conv r=1/2) over the channel at Eb/N0 = 3 dB: frames intact', () => {
  const rng = new SeededRandom(21);
  const opts: TmChainOptions = { frameLength: 1115, rs: { interleave: 5 }, conv: '1/2' };
  const enc = new TmChainEncoder({ ...opts, output: 'bits' });
  const dec = new TmChainDecoder({ ...opts, input: 'soft8' });
  const frames = Array.from({ length: 12 }, () => rng.bytes(1115));
  const out: TmChainFrame[] = [];
  const clock = new SimulatedClock();
  const ch = new PhysicalChannel(
    clock,
    {
      lightTimeMs: 1280,
      symbolRate: 2e6,
      ebN0Db: 3,
      codeRate: 0.5 * (223 / 255),
      output: 'soft',
      seed: 77,
    },
    (symbols) => out.push(...dec.push(symbols)),
  );
  for (const f of frames) ch.transmit(enc.encode(f));
  const tail = enc.finish();
  ch.transmit(tail);
  clock.runUntilIdle();
  out.push(...dec.finish());
  assert.ok(
    ch.stats.hardSymbolErrors > 1000,
    `the channel did add errors: ${ch.stats.hardSymbolErrors}`,
  );
  assert.equal(out.length, frames.length);
  for (let i = 0; i < frames.length; i++) {
    assert.equal(out[i]!.ok, true, `frame ${i}`);
    assert.deepEqual(out[i]!.data, frames[i]);
  }
});

test('bursts: Gilbert-Elliott gaps and fades with the configured statistics', () => {
  const meanGapMs = 100;
  const meanDurationMs = 20;
  const { clock, ch } = setup({
    lightTimeMs: 0,
    symbolRate: 10_000,
    output: 'hard',
    bursts: { meanGapMs, meanDurationMs, ebN0Db: -Infinity },
    seed: 4,
  });
  const block = new Uint8Array(12_500); // 100,000 symbols = 10 s
  for (let i = 0; i < 60; i++) {
    ch.transmit(block);
    clock.runUntilIdle();
  }
  const s = ch.stats; // 600 s of symbols
  const cycles = 600_000 / (meanGapMs + meanDurationMs); // 5000 expected bursts
  assert.ok(Math.abs(s.burstCount - cycles) < 0.06 * cycles, `bursts ${s.burstCount} vs ${cycles}`);
  const fadeFraction = s.burstMs / 600_000; // expected 1/6
  assert.ok(Math.abs(fadeFraction - 1 / 6) < 0.015, `fade fraction ${fadeFraction}`);
  // noiseless between bursts; a full fade is a coin toss: errors = half the faded symbols
  const ber = s.hardSymbolErrors / s.symbolsDelivered;
  assert.ok(Math.abs(ber - 0.5 * fadeFraction) < 0.01, `BER ${ber}`);
});

test('bursts: errors come in runs, not spread out', () => {
  const { clock, ch, got } = setup({
    lightTimeMs: 0,
    symbolRate: 10_000,
    ebN0Db: 20, // practically error free outside bursts
    output: 'soft',
    bursts: { meanGapMs: 500, meanDurationMs: 5, ebN0Db: -3 },
    seed: 8,
  });
  ch.transmit(new Uint8Array(25_000)); // 20 s
  clock.runUntilIdle();
  const s = softStream(got);
  const errorsAt: number[] = [];
  for (let k = 0; k < s.length; k++) if (s[k]! >= 128) errorsAt.push(k);
  assert.ok(errorsAt.length > 100, `${errorsAt.length} errors`);
  // errors form at most one cluster per burst: a gap of more than a 2000 symbols (a fifth of
  // the mean gap) between errors only where one burst ended and another began
  let clusters = 1;
  for (let i = 1; i < errorsAt.length; i++) if (errorsAt[i]! - errorsAt[i - 1]! > 2000) clusters++;
  const bursts = ch.stats.burstCount;
  assert.ok(bursts >= 20 && bursts <= 65, `${bursts} bursts in 20 s (40 expected)`);
  assert.ok(clusters <= bursts, `${clusters} clusters of errors, ${bursts} bursts`);
  assert.ok(errorsAt.length / clusters > 3, 'several errors per burst');
});

test('bitErrorRate: independent flips at the given rate; setEbN0Db changes the noise', () => {
  const data = new SeededRandom(2).bytes(50_000);
  const { clock, ch } = setup({
    lightTimeMs: 0,
    symbolRate: 1e6,
    bitErrorRate: 1e-3,
    output: 'hard',
  });
  ch.transmit(data);
  clock.runUntilIdle();
  const r1 = ch.stats.hardSymbolErrors / 400_000;
  assert.ok(Math.abs(r1 - 1e-3) < 0.15e-3, `BER ${r1}`);
  ch.setEbN0Db(2);
  ch.transmit(data);
  clock.runUntilIdle();
  const r2 = (ch.stats.hardSymbolErrors - r1 * 400_000) / 400_000;
  const p = bpskSymbolErrorRate(2);
  assert.ok(Math.abs(r2 - p) < 0.05 * p, `BER ${r2} vs ${p}`);
  ch.setEbN0Db(Infinity);
  const before = ch.stats.hardSymbolErrors;
  ch.transmit(data);
  clock.runUntilIdle();
  assert.equal(ch.stats.hardSymbolErrors, before);
});

test('the same seed gives the same symbols', () => {
  const data = new SeededRandom(1).bytes(4000);
  const runs = [1, 1, 2].map((seed) => {
    const { clock, ch, got } = setup({
      lightTimeMs: 5,
      symbolRate: 1e5,
      ebN0Db: 1,
      bursts: { meanGapMs: 50, meanDurationMs: 10, ebN0Db: -Infinity },
      output: 'soft',
      seed,
    });
    ch.transmit(data);
    clock.runUntilIdle();
    return softStream(got);
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.notDeepEqual(runs[0], runs[2]);
});

test('real time: the same channel on the host clock', async () => {
  const clock = new RealClock();
  const arrivals: number[] = [];
  const t0 = clock.now();
  const ch = new PhysicalChannel(clock, { lightTimeMs: 30, symbolRate: 8000, output: 'hard' }, () =>
    arrivals.push(clock.now() - t0),
  );
  const idle = new Promise<void>((resolve) => (ch.onIdle = resolve));
  ch.transmit(new Uint8Array(10)); // 80 symbols: 10 ms on air
  await idle;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(arrivals.length, 1);
  assert.ok(arrivals[0]! >= 39, `arrived after ${arrivals[0]} ms`);
  ch.close();
});

test('bad options and misuse throw CcsdsError with clear codes', () => {
  const clock = new SimulatedClock();
  const ok: PhysicalChannelOptions = { lightTimeMs: 0, symbolRate: 1000, output: 'soft' };
  const bad: Partial<PhysicalChannelOptions>[] = [
    { lightTimeMs: -1 },
    { symbolRate: 0 },
    { symbolRate: Number.NaN },
    { codeRate: 0 },
    { codeRate: 1.5 },
    { output: 'analog' as never },
    { ebN0Db: 3, bitErrorRate: 0.1 },
    { bitErrorRate: 2 },
    { ebN0Db: Number.NaN },
    { softScale: 200 },
    { bursts: { meanGapMs: 0, meanDurationMs: 1, ebN0Db: 0 } },
    { contacts: [{ startMs: 10, endMs: 10 }] },
    { contacts: [{ startMs: Number.NaN, endMs: 10 }] },
  ];
  for (const b of bad) {
    assert.throws(
      () => new PhysicalChannel(clock, { ...ok, ...b }, () => {}),
      (e: unknown) => e instanceof CcsdsError && e.code === 'INVALID_ARGUMENT',
      JSON.stringify(b),
    );
  }
  const ch = new PhysicalChannel(clock, { ...ok, maxQueuedSymbols: 100 }, () => {});
  assert.throws(() => ch.transmit(new Uint8Array(2), 17), CcsdsError);
  ch.transmit(new Uint8Array(10));
  assert.throws(
    () => ch.transmit(new Uint8Array(3)),
    (e: unknown) => e instanceof CcsdsError && e.code === 'LIMIT_EXCEEDED',
  );
  ch.close();
  assert.throws(
    () => ch.transmit(new Uint8Array(1)),
    (e: unknown) => e instanceof CcsdsError && e.code === 'INVALID_STATE',
  );
  assert.equal(clock.runUntilIdle(), 0, 'close cancelled the pending deliveries');
});
