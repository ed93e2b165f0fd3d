import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CONVENTIONAL_TO_DUAL,
  DUAL_TO_CONVENTIONAL,
  RS_INTERLEAVING_DEPTHS,
  ReedSolomon,
  rsDecode,
  rsEncode,
} from 'ccsds/coding';
import { CcsdsError, SeededRandom, fromHex, toHex } from 'ccsds/core';
import fc from 'fast-check';
import { fuzzDecoder } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';

interface EncodeVector {
  E: 8 | 16;
  I: number;
  virtual_fill: number;
  data: string;
  codeblock: string;
}
interface DecodeVector {
  label: string;
  E: 8 | 16;
  I: number;
  virtual_fill: number;
  basis: 'dual' | 'conventional';
  codeblock: string;
  received: string;
  error_positions: number[];
  expected_corrections: number[];
  expected_result: string;
  expected_data: string;
}
interface RsFile {
  dual_basis_tables: { taltab_conventional_to_dual: string; tal1tab_dual_to_conventional: string };
  known_answers: { E: 8 | 16; data: string; parity_dual: string; parity_conventional: string }[];
  encode: EncodeVector[];
  shortened: EncodeVector[];
  decode: DecodeVector[];
  conventional_basis: {
    E: 8 | 16;
    data: string;
    codeblock_conventional: string;
    codeblock_dual_same_data: string;
  }[];
}
const file = loadVectors<RsFile>('coding/rs.json');

test('dual-basis tables equal Taltab/Tal1tab of rs.json', () => {
  assert.equal(toHex(CONVENTIONAL_TO_DUAL), file.dual_basis_tables.taltab_conventional_to_dual);
  assert.equal(toHex(DUAL_TO_CONVENTIONAL), file.dual_basis_tables.tal1tab_dual_to_conventional);
});

test('RS known answers (data[i] = i), dual and conventional basis', () => {
  assert.equal(file.known_answers.length, 2);
  for (const ka of file.known_answers) {
    const data = fromHex(ka.data);
    const dual = rsEncode(data, { E: ka.E });
    assert.equal(toHex(dual.subarray(data.length)), ka.parity_dual, `E=${ka.E} dual`);
    const conv = rsEncode(data, { E: ka.E, basis: 'conventional' });
    assert.equal(toHex(conv.subarray(data.length)), ka.parity_conventional, `E=${ka.E} conv`);
  }
});

test('RS encode vectors: every E and interleaving depth, and shortened codeblocks', () => {
  assert.equal(file.encode.length, 36);
  assert.equal(file.shortened.length, 10);
  for (const v of [...file.encode, ...file.shortened]) {
    const rs = new ReedSolomon({ E: v.E, interleave: v.I, virtualFill: v.virtual_fill });
    const cb = rs.encode(fromHex(v.data));
    assert.equal(toHex(cb), v.codeblock, `E=${v.E} I=${v.I} Q=${v.virtual_fill}`);
    const d = rs.decode(cb);
    assert.deepEqual(d.corrections, new Array<number>(v.I).fill(0));
    assert.equal(toHex(d.data), v.data);
  }
});

test('RS decode vectors: corrections per codeword, failures, data byte for byte', () => {
  assert.equal(file.decode.length, 22);
  for (const v of file.decode) {
    const opts = { E: v.E, interleave: v.I, virtualFill: v.virtual_fill, basis: v.basis };
    const received = fromHex(v.received);
    const r = rsDecode(received, opts);
    assert.deepEqual(r.corrections, v.expected_corrections, v.label);
    assert.equal(toHex(r.data), v.expected_data, v.label);
    assert.equal(r.ok, v.expected_result === 'corrected', v.label);
    assert.equal(toHex(received), v.received, 'decode() leaves its input alone');
    if (r.ok) assert.equal(toHex(rsEncode(r.data, opts)), v.codeblock, v.label);
  }
});

test('conventional-basis examples differ from the dual-basis encoding of the same data', () => {
  for (const v of file.conventional_basis) {
    const data = fromHex(v.data);
    assert.equal(
      toHex(rsEncode(data, { E: v.E, basis: 'conventional' })),
      v.codeblock_conventional,
    );
    assert.equal(toHex(rsEncode(data, { E: v.E })), v.codeblock_dual_same_data);
    assert.notEqual(v.codeblock_conventional, v.codeblock_dual_same_data);
  }
});

/** Adds `count` errors (distinct positions, non-zero values) to codeword c of an interleaved block. */
function corrupt(
  block: Uint8Array,
  rs: ReedSolomon,
  c: number,
  count: number,
  rng: SeededRandom,
): number[] {
  const hit = new Set<number>();
  while (hit.size < count) hit.add(rng.nextInt(rs.n));
  const positions: number[] = [];
  for (const p of hit) {
    const idx = p * rs.interleave + c;
    block[idx] = block[idx]! ^ (1 + rng.nextInt(255));
    positions.push(idx);
  }
  return positions;
}

test('property: decode(encode(x)) = x with up to E errors per codeword, every I, shortened', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<8 | 16>(8, 16),
      fc.constantFrom(...RS_INTERLEAVING_DEPTHS),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 })),
      fc.constantFrom<'dual' | 'conventional'>('dual', 'dual', 'conventional'),
      fc.integer(),
      (E, I, Q, basis, seed) => {
        const rs = new ReedSolomon({ E, interleave: I, virtualFill: Q, basis });
        const rng = new SeededRandom(seed);
        const data = rng.bytes(rs.dataLength);
        const cb = rs.encode(data);
        const rx = cb.slice();
        const counts: number[] = [];
        for (let c = 0; c < I; c++) {
          const k = rng.nextInt(E + 1);
          counts.push(k);
          corrupt(rx, rs, c, k, rng);
        }
        const r = rs.decode(rx);
        assert.ok(r.ok);
        assert.deepEqual(r.corrections, counts);
        assert.equal(
          r.corrected,
          counts.reduce((a, b) => a + b, 0),
        );
        assert.deepEqual(r.data, data);
        // In place: the whole codeblock is repaired.
        rs.decodeInPlace(rx);
        assert.deepEqual(rx, cb);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: erasures, 2 * errors + erasures <= 2E', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<8 | 16>(8, 16),
      fc.constantFrom(1, 2, 5),
      fc.integer({ min: 0, max: 150 }),
      fc.integer(),
      (E, I, Q, seed) => {
        const rs = new ReedSolomon({ E, interleave: I, virtualFill: Q });
        const rng = new SeededRandom(seed);
        const data = rng.bytes(rs.dataLength);
        const rx = rs.encode(data);
        const erasures: number[] = [];
        for (let c = 0; c < I; c++) {
          const eras = rng.nextInt(2 * E + 1);
          const errs = rng.nextInt(Math.floor((2 * E - eras) / 2) + 1);
          const pos = corrupt(rx, rs, c, eras + errs, rng);
          // Declare some corrupted positions erased, plus maybe an intact one.
          erasures.push(...pos.slice(0, eras));
        }
        const r = rs.decode(rx, { erasures });
        assert.ok(r.ok, JSON.stringify(r.corrections));
        assert.deepEqual(r.data, data);
      },
    ),
    { numRuns: 200 },
  );
});

test('beyond E errors: every reported success is a true codeword, failures leave data as received', () => {
  let failures = 0;
  let successes = 0;
  const rng = new SeededRandom(99);
  for (const E of [8, 16] as const) {
    for (const I of [1, 3]) {
      const rs = new ReedSolomon({ E, interleave: I, virtualFill: rng.nextInt(2) * 40 });
      for (let trial = 0; trial < 60; trial++) {
        const data = rng.bytes(rs.dataLength);
        const rx = rs.encode(data);
        for (let c = 0; c < I; c++) corrupt(rx, rs, c, E + 1 + rng.nextInt(3 * E), rng);
        const before = rx.slice();
        const r = rs.decode(rx);
        const out = rx.slice();
        rs.decodeInPlace(out);
        for (let c = 0; c < I; c++) {
          const n = r.corrections[c]!;
          if (n < 0) {
            failures++;
            for (let p = c; p < rx.length; p += I) assert.equal(out[p], before[p]);
          } else {
            successes++;
            // A "success" beyond E can only be a (mis)correction to another codeword.
            assert.ok(n <= E);
            let same = true;
            for (let p = c; p < rx.length; p += I) if (out[p] !== before[p]) same = false;
            assert.ok(!same || n === 0);
          }
        }
        // Whatever was accepted re-encodes to itself: the output is a codeword where reported ok.
        if (r.ok) assert.deepEqual(rs.encode(r.data), out);
        else assert.ok(r.corrections.includes(-1));
      }
    }
  }
  assert.ok(
    failures > 0.95 * (failures + successes),
    `${failures} failures, ${successes} successes`,
  );
});

test('reported successes are codewords even with maximal erasure abuse', () => {
  const rng = new SeededRandom(5);
  const rs = new ReedSolomon({ E: 8 });
  for (let trial = 0; trial < 200; trial++) {
    const rx = rs.encode(rng.bytes(rs.dataLength));
    corrupt(rx, rs, 0, 9 + rng.nextInt(20), rng);
    const erasures: number[] = [];
    const hit = new Set<number>();
    while (hit.size < rng.nextInt(17)) hit.add(rng.nextInt(255));
    erasures.push(...hit);
    const r = rs.decode(rx, { erasures });
    if (r.ok) {
      const fixed = rx.slice();
      rs.decodeInPlace(fixed, 0, { erasures });
      assert.deepEqual(rs.encode(fixed.subarray(0, rs.dataLength)), fixed);
    }
  }
});

test('argument and length checks throw CcsdsError', () => {
  assert.throws(() => new ReedSolomon({ interleave: 6 }), CcsdsError);
  assert.throws(() => new ReedSolomon({ E: 4 as 8 }), CcsdsError);
  assert.throws(() => new ReedSolomon({ virtualFill: 223 }), CcsdsError);
  const rs = new ReedSolomon({ E: 16, interleave: 2 });
  assert.equal(rs.codeblockLength, 510);
  assert.equal(rs.dataLength, 446);
  assert.throws(() => rs.encode(new Uint8Array(10)), CcsdsError);
  assert.throws(
    () => rs.decode(new Uint8Array(509)),
    (e: unknown) => e instanceof CcsdsError && e.code === 'TRUNCATED',
  );
  assert.throws(() => rs.decode(new Uint8Array(511)), CcsdsError);
  assert.throws(() => rs.decode(new Uint8Array(510), { erasures: [510] }), CcsdsError);
  assert.throws(() => rs.decodeInPlace(new Uint8Array(600), 100), CcsdsError);
  // More erasures than parity: that codeword is reported uncorrectable.
  const block = rs.encode(new Uint8Array(446));
  block[0] = 1;
  const many = Array.from({ length: 66 }, (_, i) => i * 2);
  assert.deepEqual(rs.decode(block, { erasures: many }).corrections, [-1, 0]);
  block[1] = 7;
  assert.deepEqual(rs.decode(block, { erasures: many }).corrections, [-1, 1]);
});

test('fuzz: RS decode never throws anything but CcsdsError', () => {
  const rng = new SeededRandom(3);
  const rs16 = new ReedSolomon({ E: 16 });
  const rs8 = new ReedSolomon({ E: 8, interleave: 2, virtualFill: 200 });
  const seeds = [rs16.encode(rng.bytes(223)), rs8.encode(rng.bytes(rs8.dataLength))];
  const stats = fuzzDecoder(
    (b) => {
      if (b.length === rs8.codeblockLength) return rs8.decode(b);
      return rs16.decode(b);
    },
    { seeds, runs: 100_000, maxRandomLength: 300 },
  );
  assert.ok(stats.accepted > 10_000 && stats.rejected > 10_000, JSON.stringify(stats));
});
