import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BchMode,
  CLTU_FILL_OCTET,
  CLTU_START_SEQUENCE,
  CLTU_TAIL_SEQUENCE,
  CltuDecoder,
  type DecodedCltu,
  bchDecodeCodeblock,
  bchEncodeCodeblock,
  decodeCltus,
  encodeCltu,
  randomizeTc,
} from 'ccsds/coding';
import { CcsdsError, SeededRandom, concatBytes, fromHex, toHex } from 'ccsds/core';
import fc from 'fast-check';
import { fuzzDecoder } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';

interface BchFile {
  parameters: {
    start_sequence: string;
    tail_sequence: string;
    fill_octet: string;
    known_answers: Record<string, string>;
  };
  cltus: { frame: string; cltu: string; randomized_frame: string; cltu_randomized: string }[];
  single_bit_errors: {
    codeblock: string;
    flipped_bit: number;
    received: string;
    expected_result: string;
    expected_info: string;
  }[];
  double_bit_errors: { codeblock: string; flipped_bits: number[]; received: string }[];
  filler_bit_case: { received: string; expected_info: string };
}
const file = loadVectors<BchFile>('coding/bch_cltu.json');

function padded(frame: Uint8Array): string {
  const n = Math.ceil(frame.length / 7) * 7;
  const out = new Uint8Array(n).fill(CLTU_FILL_OCTET);
  out.set(frame);
  return toHex(out);
}

test('CLTU parameters and known answers of bch_cltu.json', () => {
  assert.equal(toHex(CLTU_START_SEQUENCE), file.parameters.start_sequence);
  assert.equal(toHex(CLTU_TAIL_SEQUENCE), file.parameters.tail_sequence);
  assert.equal(CLTU_FILL_OCTET, parseInt(file.parameters.fill_octet, 16));
  const kas = Object.entries(file.parameters.known_answers);
  assert.equal(kas.length, 3);
  for (const [info, cltu] of kas) assert.equal(toHex(encodeCltu(fromHex(info))), cltu);
});

test('20 CLTUs, plain and randomised, encode and decode byte for byte', () => {
  assert.equal(file.cltus.length, 20);
  for (const v of file.cltus) {
    const frame = fromHex(v.frame);
    assert.equal(toHex(encodeCltu(frame)), v.cltu);
    assert.equal(toHex(randomizeTc(frame)), v.randomized_frame);
    assert.equal(toHex(encodeCltu(frame, { randomize: true })), v.cltu_randomized);
    const [plain] = decodeCltus(fromHex(v.cltu));
    assert.equal(plain?.ending, 'tail');
    assert.equal(toHex(plain!.data), padded(frame));
    const [rnd] = decodeCltus(fromHex(v.cltu_randomized), { derandomize: true });
    assert.equal(toHex(rnd!.data.subarray(0, frame.length)), v.frame);
    assert.equal(rnd!.codeblocks, Math.ceil(frame.length / 7));
  }
});

test('single-bit errors: corrected in Error-Correcting Mode, rejected in Error-Detecting Mode', () => {
  assert.equal(file.single_bit_errors.length, 20);
  for (const v of file.single_bit_errors) {
    const r = bchDecodeCodeblock(fromHex(v.received));
    assert.equal(r.status, 'corrected');
    assert.equal(r.correctedBit, v.flipped_bit);
    assert.equal(toHex(r.info), v.expected_info);
    assert.equal(
      bchDecodeCodeblock(fromHex(v.received), { mode: BchMode.DETECTING }).status,
      'uncorrectable',
    );
    assert.equal(bchDecodeCodeblock(fromHex(v.codeblock)).status, 'clean');
  }
});

test('double-bit errors are detected and rejected in both modes', () => {
  assert.equal(file.double_bit_errors.length, 10);
  for (const v of file.double_bit_errors) {
    for (const mode of [BchMode.CORRECTING, BchMode.DETECTING]) {
      assert.equal(bchDecodeCodeblock(fromHex(v.received), { mode }).status, 'uncorrectable');
    }
  }
});

test('the uncoded filler bit is ignored', () => {
  const r = bchDecodeCodeblock(fromHex(file.filler_bit_case.received));
  assert.equal(r.status, 'clean');
  assert.equal(toHex(r.info), file.filler_bit_case.expected_info);
});

test('exhaustive: every single-bit error corrected, every double error rejected', () => {
  const rng = new SeededRandom(11);
  for (let n = 0; n < 8; n++) {
    const info = rng.bytes(7);
    const cb = bchEncodeCodeblock(info);
    for (let bit = 0; bit < 64; bit++) {
      const rx = cb.slice();
      rx[bit >> 3] = rx[bit >> 3]! ^ (0x80 >> (bit & 7));
      const r = bchDecodeCodeblock(rx);
      assert.deepEqual(r.info, info, `bit ${bit}`);
      assert.equal(r.status, bit === 63 ? 'clean' : 'corrected');
      if (bit < 63) assert.equal(r.correctedBit, bit);
    }
    if (n < 2) {
      for (let a = 0; a < 63; a++) {
        for (let b = a + 1; b < 63; b++) {
          const rx = cb.slice();
          rx[a >> 3] = rx[a >> 3]! ^ (0x80 >> (a & 7));
          rx[b >> 3] = rx[b >> 3]! ^ (0x80 >> (b & 7));
          assert.equal(bchDecodeCodeblock(rx).status, 'uncorrectable', `bits ${a},${b}`);
        }
      }
    }
  }
  // The tail sequence is not a codeword a decoder could accept.
  assert.equal(bchDecodeCodeblock(CLTU_TAIL_SEQUENCE).status, 'uncorrectable');
});

function collect(dec: CltuDecoder, stream: Uint8Array, rng: SeededRandom): DecodedCltu[] {
  const out: DecodedCltu[] = [];
  let o = 0;
  while (o < stream.length) {
    const n = 1 + rng.nextInt(rng.chance(0.5) ? 5 : 200);
    out.push(...dec.push(stream.subarray(o, o + n)));
    o += n;
  }
  out.push(...dec.end());
  return out;
}

test('property: CLTU stream round trip with garbage, random chunking and single-bit errors', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      fc.integer(),
      (frames, randomize, seed) => {
        const rng = new SeededRandom(seed);
        const parts: Uint8Array[] = [];
        const flips: number[] = [];
        for (const f of frames) {
          // Idle octets between CLTUs (0x55 cannot contain EB90).
          parts.push(new Uint8Array(rng.nextInt(12)).fill(0x55));
          const cltu = encodeCltu(f, { randomize });
          const blocks = (cltu.length - 10) / 8;
          let nflip = 0;
          for (let b = 0; b < blocks; b++) {
            if (rng.chance(0.3)) {
              const bit = rng.nextInt(63);
              const at = 2 + b * 8 + (bit >> 3);
              cltu[at] = cltu[at]! ^ (0x80 >> (bit & 7));
              nflip++;
            }
          }
          flips.push(nflip);
          parts.push(cltu);
        }
        const got = collect(new CltuDecoder({ derandomize: randomize }), concatBytes(parts), rng);
        assert.equal(got.length, frames.length);
        got.forEach((c, i) => {
          const f = frames[i]!;
          assert.equal(c.ending, 'tail');
          assert.equal(c.corrected, flips[i]);
          assert.deepEqual(c.data.subarray(0, f.length), f);
          if (!randomize) assert.equal(toHex(c.data), padded(f));
        });
      },
    ),
    { numRuns: 200 },
  );
});

test('CLTU endings: uncorrectable codeblock, detecting mode, limit, truncation, start errors', () => {
  const frame = new Uint8Array(30).map((_, i) => i * 7);
  const cltu = encodeCltu(frame);
  const bad = cltu.slice();
  bad[2 + 8 * 2] = bad[2 + 8 * 2]! ^ 0x81; // two errors in codeblock 2
  const [u] = decodeCltus(bad);
  assert.equal(u!.ending, 'uncorrectable');
  assert.equal(u!.codeblocks, 2);
  assert.deepEqual(u!.data, frame.subarray(0, 14));

  const one = cltu.slice();
  one[5] = one[5]! ^ 0x10;
  assert.equal(decodeCltus(one)[0]!.corrected, 1);
  const det = decodeCltus(one, { mode: BchMode.DETECTING })[0]!;
  assert.equal(det.ending, 'uncorrectable');
  assert.equal(det.codeblocks, 0);

  const lim = decodeCltus(cltu, { maxCodeblocks: 3 });
  assert.equal(lim[0]!.ending, 'limit');
  assert.equal(lim[0]!.codeblocks, 3);
  // Exactly at the limit the tail still ends the CLTU normally (1024-octet frame: 147 codeblocks).
  const max = decodeCltus(encodeCltu(new Uint8Array(1024).fill(3)));
  assert.deepEqual([max[0]!.ending, max[0]!.codeblocks], ['tail', 147]);
  assert.equal(decodeCltus(cltu, { maxCodeblocks: 5 })[0]!.ending, 'tail');

  const cut = decodeCltus(cltu.subarray(0, 20));
  assert.equal(cut.length, 1);
  assert.equal(cut[0]!.ending, 'truncated');
  assert.equal(cut[0]!.codeblocks, 2);

  const startErr = concatBytes([new Uint8Array([1, 2, 3]), cltu]);
  startErr[3] = 0xea; // one bit error in EB90
  assert.equal(decodeCltus(startErr).length, 0);
  const s1 = decodeCltus(startErr, { startSequenceErrors: 1 });
  assert.equal(s1[0]!.startSequenceErrors, 1);
  assert.equal(s1[0]!.offset, 3);
  assert.equal(s1[0]!.ending, 'tail');

  assert.throws(() => encodeCltu(new Uint8Array(0)), CcsdsError);
  assert.throws(() => new CltuDecoder({ startSequenceErrors: 2 }), CcsdsError);
  assert.throws(() => bchDecodeCodeblock(new Uint8Array(7)), CcsdsError);
});

test('fuzz: BCH codeblock and CLTU stream decoders', () => {
  const rng = new SeededRandom(21);
  const seeds = [1, 6, 30, 100].map((n) => encodeCltu(rng.bytes(n)));
  const dec = new CltuDecoder({ maxCodeblocks: 40 });
  const stats = fuzzDecoder(
    (b) => {
      dec.push(b);
      if (b.length >= 8) bchDecodeCodeblock(b, { offset: b.length - 8 });
      return decodeCltus(b, { startSequenceErrors: b.length & 1 });
    },
    { seeds, runs: 100_000 },
  );
  assert.equal(stats.rejected, 0);
});
