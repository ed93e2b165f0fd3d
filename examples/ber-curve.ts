/**
 * Bit error rate of BPSK over AWGN (CCSDS 131.0-B-4 section 3 convolutional coding): uncoded,
 * the rate-1/2 K = 7 code with soft-decision Viterbi decoding, and the punctured rate-3/4 code,
 * for Eb/N0 from 0 to 7 dB. Prints a markdown table. Run:
 * `npx tsx --conditions=ccsds-source examples/ber-curve.ts [maxBitsPerPoint]`
 * (default 1,000,000 information bits per point and scheme, stopping early after 200 errors and
 * 100,000 bits;
 * well under a minute on one core with the WebAssembly decoder).
 */
import { convEncode, type ConvRate, decodeViterbiBlock, viterbiWasmAvailable } from 'ccsds/coding';
import { SeededRandom } from 'ccsds/core';

const maxBits = Number(process.argv[2] ?? 1_000_000);
const BLOCK_BITS = 8192;
const rng = new SeededRandom(0xbe7);

/** Unpacked channel bits of a packed symbol stream, mapped to BPSK amplitudes plus noise. */
function channel(symbols: Uint8Array, count: number, sigma: number): Uint8Array {
  const soft = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = (symbols[i >> 3]! >> (7 - (i & 7))) & 1;
    const y = (c === 1 ? 1 : -1) + sigma * rng.normal();
    const s = Math.round(127.5 + 63.75 * y);
    soft[i] = s < 0 ? 0 : s > 255 ? 255 : s;
  }
  return soft;
}

function countErrors(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]! ^ b[i]!;
    while (x !== 0) {
      n++;
      x &= x - 1;
    }
  }
  return n;
}

function simulate(ebn0: number, scheme: 'uncoded' | ConvRate): number {
  const rate = scheme === 'uncoded' ? 1 : scheme === '1/2' ? 0.5 : 0.75;
  const sigma = Math.sqrt(1 / (2 * rate * 10 ** (ebn0 / 10)));
  let bits = 0;
  let errors = 0;
  while (bits < maxBits && (errors < 200 || bits < 100_000)) {
    const data = rng.bytes(BLOCK_BITS / 8);
    if (scheme === 'uncoded') {
      const soft = channel(data, BLOCK_BITS, sigma);
      const out = new Uint8Array(BLOCK_BITS / 8);
      for (let i = 0; i < BLOCK_BITS; i++)
        out[i >> 3]! |= (soft[i]! >= 128 ? 1 : 0) << (7 - (i & 7));
      errors += countErrors(out, data);
    } else {
      const enc = convEncode(data, { rate: scheme, tail: true });
      const soft = channel(enc.symbols, enc.symbolCount, sigma);
      errors += countErrors(decodeViterbiBlock(soft, { infoBits: BLOCK_BITS, rate: scheme }), data);
    }
    bits += BLOCK_BITS;
  }
  return errors === 0 ? -bits : errors / bits;
}

function fmt(ber: number): string {
  return ber < 0 ? `< ${(1 / -ber).toExponential(1)}` : ber.toExponential(2);
}

const t0 = performance.now();
console.log(`Viterbi engine: ${viterbiWasmAvailable() ? 'WebAssembly SIMD' : 'TypeScript'}`);
console.log('| Eb/N0 (dB) | uncoded BPSK | conv r=1/2 soft | conv r=3/4 soft |');
console.log('|-----------:|-------------:|----------------:|----------------:|');
for (let db = 0; db <= 7; db++) {
  const row = [simulate(db, 'uncoded'), simulate(db, '1/2'), simulate(db, '3/4')].map(fmt);
  console.log(`| ${db} | ${row.join(' | ')} |`);
}
console.log(
  `(${maxBits} information bits per point at most; ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
