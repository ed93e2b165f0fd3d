import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  convEncode,
  ConvolutionalEncoder,
  type ConvRate,
  convSymbolCount,
  hardToSoft,
  PUNCTURE_PATTERNS,
} from 'ccsds/coding';
import { CcsdsError, fromHex, toHex } from 'ccsds/core';
import fc from 'fast-check';
import { loadVectors } from '../support/vectors.js';

interface EncVector {
  input: string;
  input_bits: number;
  output_symbols: number;
  output: string;
  tail_bits?: number;
}
interface PunctVector extends EncVector {
  rate: ConvRate;
  output_if_c2_inverted_nonstandard: string;
}
interface ConvFile {
  rate_half: EncVector[];
  terminated_example: EncVector;
  asm_example: EncVector;
  puncturing: {
    patterns: Record<string, { c1: string; c2: string; interleaved_keep_mask: string }>;
    vectors: PunctVector[];
  };
}
const file = loadVectors<ConvFile>('coding/conv.json');
const asmFile = loadVectors<{ convolutionally_encoded_asm: EncVector }>('coding/asm.json');

const RATES: ConvRate[] = ['1/2', '2/3', '3/4', '5/6', '7/8'];

test('rate 1/2 known answers (conv.json)', () => {
  assert.equal(file.rate_half.length, 10);
  for (const v of file.rate_half) {
    const r = convEncode(fromHex(v.input), { bits: v.input_bits });
    assert.equal(r.symbolCount, v.output_symbols);
    assert.equal(toHex(r.symbols), v.output);
  }
});

test('terminated example and the encoded ASM (conv.json, asm.json)', () => {
  const t = file.terminated_example;
  assert.equal(t.tail_bits, 6);
  const r = convEncode(fromHex(t.input), { bits: t.input_bits, tail: true });
  assert.equal(r.symbolCount, t.output_symbols);
  assert.equal(toHex(r.symbols), t.output);
  for (const a of [file.asm_example, asmFile.convolutionally_encoded_asm]) {
    const e = convEncode(fromHex(a.input));
    assert.equal(e.symbolCount, a.output_symbols);
    assert.equal(toHex(e.symbols), a.output);
  }
});

test('puncture patterns match the file', () => {
  for (const [rate, p] of Object.entries(file.puncturing.patterns)) {
    const ours = PUNCTURE_PATTERNS[rate as ConvRate];
    assert.equal(ours.c1, p.c1);
    assert.equal(ours.c2, p.c2);
    assert.equal(ours.keep.join(''), p.interleaved_keep_mask);
  }
});

test('punctured known answers, standard and non-standard inverted (conv.json)', () => {
  assert.equal(file.puncturing.vectors.length, 8);
  for (const v of file.puncturing.vectors) {
    const data = fromHex(v.input);
    const r = convEncode(data, { bits: v.input_bits, rate: v.rate });
    assert.equal(r.symbolCount, v.output_symbols, v.rate);
    assert.equal(convSymbolCount(v.input_bits, v.rate), v.output_symbols);
    assert.equal(toHex(r.symbols), v.output, `${v.rate} ${v.input_bits}`);
    const n = convEncode(data, { bits: v.input_bits, rate: v.rate, invertG2: true });
    assert.equal(toHex(n.symbols), v.output_if_c2_inverted_nonstandard);
  }
});

test('streaming encoder: any chunking gives the one-shot symbols', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 120 }),
      fc.constantFrom(...RATES),
      fc.array(fc.nat(40), { maxLength: 8 }),
      fc.boolean(),
      (data, rate, cuts, tail) => {
        const whole = convEncode(data, { rate, tail });
        const enc = new ConvolutionalEncoder({ rate });
        const parts: Uint8Array[] = [];
        let at = 0;
        for (const c of cuts) {
          const end = Math.min(data.length, at + c);
          parts.push(enc.encode(data.subarray(at, end)));
          at = end;
        }
        parts.push(enc.encode(data.subarray(at)));
        assert.equal(enc.symbolCount, convSymbolCount(data.length * 8, rate));
        parts.push(enc.finish({ tail }));
        const joined = Uint8Array.from(parts.flatMap((p) => [...p]));
        assert.deepEqual(joined, whole.symbols);
        assert.equal(whole.symbolCount, convSymbolCount(data.length * 8 + (tail ? 6 : 0), rate));
      },
    ),
    { numRuns: 300 },
  );
});

test('bit-granular input: encoding bits one at a time equals encoding the octets', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.constantFrom(...RATES),
      (data, rate) => {
        const enc = new ConvolutionalEncoder({ rate });
        const parts: number[] = [];
        for (let i = 0; i < data.length * 8; i++) {
          const bit = (data[i >> 3]! >> (7 - (i & 7))) & 1;
          parts.push(...enc.encode(Uint8Array.of(bit << 7), 1));
        }
        parts.push(...enc.finish());
        assert.deepEqual(Uint8Array.from(parts), convEncode(data, { rate }).symbols);
      },
    ),
    { numRuns: 100 },
  );
});

test('tail returns the encoder to state 0; the code is linear and transparent', () => {
  const enc = new ConvolutionalEncoder();
  enc.encode(Uint8Array.of(0xa7, 0x3c));
  assert.notEqual(enc.state, 0);
  enc.encode(new Uint8Array(1), 6);
  assert.equal(enc.state, 0);
  // Transparent: complemented input gives complemented symbols (odd-weight generators).
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 8, maxLength: 64 }), (data) => {
      const a = convEncode(data, { invertG2: false }).symbols;
      const inv = data.map((x) => x ^ 0xff);
      const b = convEncode(inv, { invertG2: false }).symbols;
      // The first 6 symbol pairs depend on the (all-zero, not complemented) initial state.
      for (let i = 2; i < a.length; i++) assert.equal(a[i]! ^ b[i]!, 0xff);
    }),
    { numRuns: 50 },
  );
});

test('hardToSoft and argument checks', () => {
  assert.deepEqual(hardToSoft(Uint8Array.of(0xa0), 4), Uint8Array.of(255, 0, 255, 0));
  assert.throws(() => hardToSoft(Uint8Array.of(1), 9), CcsdsError);
  assert.throws(() => convEncode(Uint8Array.of(1), { bits: 9 }), CcsdsError);
  assert.throws(() => new ConvolutionalEncoder({ rate: '4/5' as ConvRate }), CcsdsError);
  assert.throws(() => new ConvolutionalEncoder().encode(Uint8Array.of(1), -1), CcsdsError);
  assert.equal(convEncode(new Uint8Array(0)).symbolCount, 0);
});
