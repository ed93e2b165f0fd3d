import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  convEncode,
  type ConvRate,
  convSymbolCount,
  decodeViterbiBlock,
  depuncture,
  findViterbiAlignment,
  hardToSoft,
  unrotateQpsk,
  ViterbiDecoder,
  viterbiWasmAvailable,
} from 'ccsds/coding';
import { CcsdsError, fromHex, SeededRandom, toHex } from 'ccsds/core';
import fc from 'fast-check';
import { fuzzDecoder } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';

interface SoftCase {
  name: string;
  info_bits: number;
  input: string;
  soft_symbols: string;
  decoded: string;
}
interface ViterbiFile {
  cases: SoftCase[];
  hard_decision_case: SoftCase & { symbols_hard: string };
  punctured_case: {
    info_bits: number;
    rate: ConvRate;
    received_soft: string;
    received_soft_count: number;
    depunctured_soft: string;
    decoded: string;
  };
}
const file = loadVectors<ViterbiFile>('coding/viterbi.json');
const RATES: ConvRate[] = ['1/2', '2/3', '3/4', '5/6', '7/8'];
const ENGINES = viterbiWasmAvailable() ? (['ts', 'wasm'] as const) : (['ts'] as const);

function streamDecode(
  soft: Uint8Array,
  opts: ConstructorParameters<typeof ViterbiDecoder>[0],
  terminated: boolean,
  cuts: readonly number[] = [],
): Uint8Array {
  const dec = new ViterbiDecoder(opts);
  const parts: number[] = [];
  let at = 0;
  for (const c of cuts) {
    const end = Math.min(soft.length, at + c);
    parts.push(...dec.push(soft.subarray(at, end)));
    at = end;
  }
  parts.push(...dec.push(soft.subarray(at)));
  parts.push(...dec.finish({ terminated }));
  return Uint8Array.from(parts);
}

/** BPSK over AWGN at `ebn0` dB: soft symbols in libfec's convention. */
function noisy(symbols: Uint8Array, count: number, rate: number, ebn0: number, seed: number) {
  const rng = new SeededRandom(seed);
  const sigma = Math.sqrt(1 / (2 * rate * 10 ** (ebn0 / 10)));
  const soft = hardToSoft(symbols, count);
  for (let i = 0; i < count; i++) {
    const y = (soft[i] === 255 ? 1 : -1) + sigma * rng.normal();
    soft[i] = Math.max(0, Math.min(255, Math.round(127.5 + 63.75 * y)));
  }
  return soft;
}

for (const engine of ENGINES) {
  test(`viterbi.json soft cases, block and streaming (${engine})`, () => {
    assert.equal(file.cases.length, 5);
    for (const c of file.cases) {
      const soft = fromHex(c.soft_symbols);
      assert.equal(soft.length, 2 * (c.info_bits + 6));
      const block = decodeViterbiBlock(soft, { infoBits: c.info_bits, engine });
      assert.equal(toHex(block), c.decoded, c.name);
      assert.equal(toHex(streamDecode(soft, { engine }, true)), c.decoded, `${c.name} stream`);
      assert.equal(
        toHex(streamDecode(soft, { engine }, true, [1, 999, 3, 4096, 7])),
        c.decoded,
        `${c.name} chunked`,
      );
    }
  });

  test(`viterbi.json hard-decision and punctured cases (${engine})`, () => {
    const h = file.hard_decision_case;
    const soft = hardToSoft(fromHex(h.symbols_hard), 2 * (h.info_bits + 6));
    assert.equal(toHex(soft), h.soft_symbols);
    assert.equal(toHex(decodeViterbiBlock(soft, { infoBits: h.info_bits, engine })), h.decoded);
    assert.equal(toHex(streamDecode(soft, { engine }, true)), h.decoded);
    const p = file.punctured_case;
    const rx = fromHex(p.received_soft);
    assert.equal(rx.length, p.received_soft_count);
    assert.equal(toHex(depuncture(rx, p.rate)), p.depunctured_soft);
    assert.equal(toHex(depuncture(rx, p.rate, p.info_bits + 6)), p.depunctured_soft);
    const d = decodeViterbiBlock(rx, { infoBits: p.info_bits, rate: p.rate, engine });
    assert.equal(toHex(d), p.decoded);
    assert.equal(toHex(streamDecode(rx, { engine, rate: p.rate }, true, [5, 17])), p.decoded);
    // The depunctured stream decodes the same with the rate-1/2 decoder on the plain mother code.
    const dp = fromHex(p.depunctured_soft);
    assert.equal(
      toHex(decodeViterbiBlock(dp, { infoBits: p.info_bits, invertG2: false, engine })),
      p.decoded,
    );
  });
}

test('clean channel: every rate, soft and hard, block and chunked streaming recover the data', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 260 }),
      fc.constantFrom(...RATES),
      fc.boolean(),
      fc.boolean(),
      fc.constantFrom(...ENGINES),
      fc.array(fc.nat(300), { maxLength: 6 }),
      (data, rate, terminated, hard, engine, cuts) => {
        const enc = convEncode(data, { rate, tail: terminated });
        let soft = hardToSoft(enc.symbols, enc.symbolCount);
        if (!hard) soft = soft.map((s) => (s === 255 ? 200 : 60)); // weak but correct
        const bits = data.length * 8;
        const block = decodeViterbiBlock(soft, { infoBits: bits, rate, terminated, engine });
        assert.deepEqual(block, data);
        const stream = streamDecode(soft, { rate, engine, tracebackDepth: 40 }, terminated, cuts);
        assert.deepEqual(stream, data);
      },
    ),
    { numRuns: 150 },
  );
});

test('hard input: pushHard equals push of 0/255 symbols', () => {
  const rng = new SeededRandom(5);
  const data = rng.bytes(300);
  const enc = convEncode(data);
  const a = new ViterbiDecoder();
  const got = [...a.pushHard(enc.symbols), ...a.finish()];
  assert.deepEqual(Uint8Array.from(got), data);
  assert.equal(a.decodedBits, 2400);
});

test('noisy streams: chunking never changes the output; TS and WASM decide identically', () => {
  const rng = new SeededRandom(77);
  for (let trial = 0; trial < 12; trial++) {
    const rate = RATES[trial % RATES.length]!;
    const data = rng.bytes(200 + rng.nextInt(900));
    const enc = convEncode(data, { rate, tail: true });
    const r = { '1/2': 0.5, '2/3': 2 / 3, '3/4': 0.75, '5/6': 5 / 6, '7/8': 7 / 8 }[rate];
    const soft = noisy(enc.symbols, enc.symbolCount, r, 1 + trial * 0.4, trial);
    const whole = streamDecode(soft, { rate, engine: 'ts' }, true);
    const cuts = Array.from({ length: 6 }, () => rng.nextInt(2000));
    assert.deepEqual(streamDecode(soft, { rate, engine: 'ts' }, true, cuts), whole);
    const bt = decodeViterbiBlock(soft, { infoBits: data.length * 8, rate, engine: 'ts' });
    if (ENGINES.length === 2) {
      assert.deepEqual(streamDecode(soft, { rate, engine: 'wasm' }, true, cuts), whole);
      const bw = decodeViterbiBlock(soft, { infoBits: data.length * 8, rate, engine: 'wasm' });
      assert.deepEqual(bw, bt);
      const mt = new ViterbiDecoder({ rate, engine: 'ts', startState: 'unknown' });
      const mw = new ViterbiDecoder({ rate, engine: 'wasm', startState: 'unknown' });
      mt.push(soft);
      mw.push(soft);
      assert.equal(mw.pathMetric, mt.pathMetric);
      assert.ok(mt.pathMetric > 0);
    }
  }
});

test('decoding corrects channel errors at 4 dB (rate 1/2) and 5.5 dB (rate 7/8)', () => {
  for (const [rate, r, ebn0] of [
    ['1/2', 0.5, 4],
    ['7/8', 0.875, 5.5],
  ] as const) {
    const data = new SeededRandom(9).bytes(2000);
    const enc = convEncode(data, { rate, tail: true });
    const soft = noisy(enc.symbols, enc.symbolCount, r, ebn0, 3);
    let channelErrors = 0;
    const clean = hardToSoft(enc.symbols, enc.symbolCount);
    for (let i = 0; i < soft.length; i++)
      if (soft[i]! >= 128 !== (clean[i] === 255)) channelErrors++;
    assert.ok(channelErrors > 60, `channel errors ${channelErrors}`);
    const out = streamDecode(soft, { rate }, true);
    let errors = 0;
    for (let i = 0; i < data.length; i++) {
      let x = out[i]! ^ data[i]!;
      while (x !== 0) {
        errors += x & 1;
        x >>= 1;
      }
    }
    assert.ok(errors * 10 <= channelErrors, `${rate}: ${errors} residual bit errors`);
  }
});

test('alignment: the symbol slip and puncturing phase are found, QPSK rotation undone', () => {
  const rng = new SeededRandom(21);
  for (const rate of RATES) {
    const p = convSymbolCount(1000, rate) / 1000;
    const data = rng.bytes(400);
    const enc = convEncode(data, { rate });
    const r = 1 / p;
    const all = noisy(enc.symbols, enc.symbolCount, r, 5, 11);
    for (const cut of [0, 1, 2, 3, 5]) {
      const soft = all.subarray(cut);
      const a = findViterbiAlignment(soft, { rate });
      const n = a.candidates.length;
      assert.equal(a.rotated, false);
      assert.equal((cut + a.offset) % n, 0, `${rate} cut ${cut}: offset ${a.offset}`);
      assert.ok(a.candidates[1]!.metricPerStep > 2 * a.metricPerStep + 0.5, JSON.stringify(a));
    }
  }
  // QPSK: received pairs rotated by 90 degrees: (I, Q) -> (Q, ~I).
  const data = rng.bytes(300);
  const enc = convEncode(data);
  const soft = hardToSoft(enc.symbols, enc.symbolCount);
  const rotated = new Uint8Array(soft.length);
  for (let i = 0; i < soft.length; i += 2) {
    rotated[i] = soft[i + 1]!;
    rotated[i + 1] = 255 - soft[i]!;
  }
  assert.deepEqual(unrotateQpsk(rotated), soft);
  const a = findViterbiAlignment(rotated, { qpsk: true });
  assert.equal(a.rotated, true);
  assert.equal(a.offset, 0);
  assert.equal(a.metricPerStep, 0);
  assert.equal(a.candidates.length, 4);
});

test('180-degree phase: inverted symbols decode to the complemented data (transparent code)', () => {
  const data = new SeededRandom(4).bytes(256);
  const enc = convEncode(data);
  const soft = hardToSoft(enc.symbols, enc.symbolCount).map((s) => 255 - s);
  const dec = new ViterbiDecoder({ startState: 'unknown' });
  const out = Uint8Array.from([...dec.push(soft), ...dec.finish()]);
  assert.equal(dec.pathMetric, 0);
  // Bits after the first 6 (which depend on the all-zero initial register) are complemented.
  for (let i = 1; i < data.length; i++) assert.equal(out[i]! ^ data[i]!, 0xff);
});

test('errors: arguments, truncation, limits; the decoder still works afterwards', () => {
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof CcsdsError);
      return e.code;
    }
    return 'none';
  };
  assert.equal(
    code(() => new ViterbiDecoder({ tracebackDepth: 5 })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => new ViterbiDecoder({ startState: 64 })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => new ViterbiDecoder({ rate: '1/3' as ConvRate })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => new ViterbiDecoder({ engine: 'gpu' as 'ts' })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => decodeViterbiBlock(new Uint8Array(10), { infoBits: 10 })),
    'TRUNCATED',
  );
  assert.equal(
    code(() => decodeViterbiBlock(new Uint8Array(40), { infoBits: 10 })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => decodeViterbiBlock(new Uint8Array(0), { infoBits: 1 << 21 })),
    'LIMIT_EXCEEDED',
  );
  assert.equal(
    code(() => decodeViterbiBlock(new Uint8Array(0), { infoBits: -1 })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => findViterbiAlignment(new Uint8Array(10))),
    'TRUNCATED',
  );
  assert.equal(
    code(() => depuncture(new Uint8Array(3), '3/4', 4)),
    'TRUNCATED',
  );
  assert.equal(decodeViterbiBlock(new Uint8Array(12), { infoBits: 0 }).length, 0);
  const dec = new ViterbiDecoder();
  dec.push(new Uint8Array(8));
  assert.equal(
    code(() => dec.finish({ terminated: true })),
    'TRUNCATED',
  );
  const data = Uint8Array.of(0x5a, 0xc3);
  const enc = convEncode(data, { tail: true });
  dec.push(hardToSoft(enc.symbols, enc.symbolCount));
  assert.deepEqual(dec.finish({ terminated: true }), data);
});

test('fuzz: random soft streams into the streaming and block decoders', () => {
  const seeds = [
    hardToSoft(convEncode(Uint8Array.of(1, 2, 3, 4), { tail: true }).symbols, 76),
    fromHex(file.punctured_case.received_soft).subarray(0, 64),
  ];
  const decoders = RATES.flatMap((rate) =>
    ENGINES.map((engine) => new ViterbiDecoder({ rate, engine, tracebackDepth: 12 + rate.length })),
  );
  let k = 0;
  const stats = fuzzDecoder(
    (bytes) => {
      const dec = decoders[k++ % decoders.length]!;
      const mid = bytes.length >> 1;
      dec.push(bytes.subarray(0, mid));
      dec.push(bytes.subarray(mid));
      const out = dec.finish({ terminated: (bytes[0] ?? 0) > 128 });
      assert.ok(out.length <= bytes.length + 1);
      const rate = RATES[(bytes[1] ?? 0) % RATES.length]!;
      const infoBits = Math.max(0, (bytes.length >> 1) - ((bytes[2] ?? 0) & 7));
      return decodeViterbiBlock(bytes, { infoBits, rate, terminated: (bytes[3] ?? 0) > 100 });
    },
    { seeds, runs: 100_000, maxRandomLength: 80, maxMillis: 2000 },
  );
  assert.ok(stats.accepted > 100 && stats.rejected > 1000, JSON.stringify(stats));
});
